"""Partial results from Python: bytes round-trip; tampered, truncated, foreign-version and
twice-merged partials each raise a MergeError saying what is wrong; hand-edited JSON with more
wins than closed deals is refused naming the state; finishing needs the same reference data."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

import channel_kpi as ck
import channel_kpi.scale as cs

from conftest import ROOT

DEALS = pa.table({
    "deal_id": ["D1", "D2", "D3"], "partner_id": ["acme", "acme", "bolt"], "status": ["won", "lost", "won"],
    "created_on": ["2025-01-05", "2025-01-06", "2025-01-07"], "closed_on": ["2025-02-01", "2025-02-03", "2025-03-01"],
    "amount": ["200", "50", "400"], "currency": ["USD"] * 3,
})  # fmt: skip
PARTNERS = pa.table({"partner_id": ["acme", "bolt"], "tier": ["gold", "silver"]})
Q = ck._query.query_json(["close_rate", "won_revenue"], "2025-Q1", by="partner_tier")


def parts():
    ref = cs.reference(partners=PARTNERS)
    a = cs.fold({"deals": DEALS.slice(0, 2)}, Q, "deals:0", ref)
    b = cs.fold({"deals": DEALS.slice(2)}, Q, "deals:1", ref)
    return ref, a, b


def test_parts_finish_like_one_machine_with_the_reference_applied():
    ref, a, b = parts()
    got = cs._frames.to_arrow(cs.finish_parts([a, b], ref, Q))
    one = ck.query(DEALS, partners=PARTNERS, output="pyarrow", metrics=["close_rate", "won_revenue"], period="2025-Q1",
                   by="partner_tier")  # fmt: skip
    assert got.equals(one)
    assert got.column("partner_tier").to_pylist() == ["gold", "silver"]
    assert got.column("close_rate").to_pylist() == [0.5, 1.0]


def test_tampered_truncated_foreign_and_twice_merged_are_refused():
    ref, a, b = parts()
    tampered = bytearray(a)
    tampered[-3] ^= 1
    with pytest.raises(ck.MergeError, match="corrupted: the checksum"):
        ck._native.Partial.from_bytes(bytes(tampered))
    with pytest.raises(ck.MergeError, match="truncated or padded"):
        ck._native.Partial.from_bytes(a[:-5])
    foreign = bytearray(a)
    foreign[8] = 9
    with pytest.raises(ck.MergeError, match="format version 9; this build reads version 2"):
        ck._native.Partial.from_bytes(bytes(foreign))
    whole = ref.partial(Q)
    whole.merge(ck._native.Partial.from_bytes(a))
    with pytest.raises(ck.MergeError, match='part "deals:0" would be counted twice'):
        whole.merge(ck._native.Partial.from_bytes(a))
    with pytest.raises(ck.MergeError, match='"deals:1" would be counted twice'):
        cs.finish_parts([b, b], ref, Q)
    assert whole.parts() == [("deals:0", None, None), ("reference:partners", None, None)]


def test_hand_edited_json_and_other_reference_data_are_refused():
    ref, a, _ = parts()
    doc = json.loads(ck._native.Partial.from_bytes(a).to_json())
    doc["cells"][0][0][1][0]["close_rate"]["closed"]["hits"] = 7
    with pytest.raises(ck.MergeError, match="state of close_rate: closed: 7 successes out of 2 trials"):
        ck._native.Partial.from_json(json.dumps(doc))
    doc["cells"] = []
    with pytest.raises(ck.MergeError, match="cells for 0 windows"):
        ck._native.Partial.from_json(json.dumps(doc))
    with pytest.raises(ck.MergeError, match="folded with other reference data"):
        ck._native.Partial.from_bytes(a).finish()
    with pytest.raises(TypeError, match="not reference data"):
        cs.reference(deals=DEALS)


def test_stored_fixture_keeps_loading():
    p = ck._native.Partial.from_bytes((ROOT / "tests" / "fixtures" / "partial-v2.bin").read_bytes())
    assert p.parts() == [("deals:0", None, None), ("reference:partners", None, None)]
