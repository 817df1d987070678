"""Issue 15, "silent wrong results": a question the data cannot answer is an error or an
absent value, never a plausible number. Each rule lives in the core (Rust tests and golden
vectors cover it there); these tests are the notebook user's view, on synthetic tables and on
the real exports in ../shared/datasets (skipped, saying so, when that folder is absent)."""

from __future__ import annotations

import json
import math
import os
import pathlib
from datetime import date

import pandas as pd
import pyarrow as pa
import pytest

import channel_kpi as ck

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATASETS = pathlib.Path(os.environ.get("CHANNEL_KPI_DATASETS", ROOT.parent / "shared" / "datasets"))
needs = lambda sub: pytest.mark.skipif(  # noqa: E731
    not (DATASETS / sub).is_dir(), reason=f"SKIPPED: real dataset folder not found ({DATASETS / sub})"
)


def deals(**extra) -> pd.DataFrame:
    base = {"deal_id": ["A", "B", "C"], "status": ["won", "lost", "won"], "created_on": ["2025-01-02"] * 3,
            "closed_on": ["2025-02-01"] * 3, "amount": ["100", "50", "300"], "currency": ["USD"] * 3}  # fmt: skip
    base.update(extra)
    return pd.DataFrame(base)


@pytest.mark.parametrize("by, needed", [("owner", "owner_id"), ("partner", "partner_id"), ("attr:nonexistent", "nonexistent")])
def test_group_by_a_column_the_table_lacks_is_an_error_listing_the_columns(by, needed):
    with pytest.raises(ck.QueryError) as e:
        ck.close_rate(deals(), period="2025", by=by)
    msg = str(e.value)
    assert needed in msg and "deal_id, status, created_on" in msg, msg


@pytest.mark.parametrize("by, source", [("region", "partners"), ("team", "org_units")])
def test_group_by_a_reference_dimension_with_only_a_deals_column_of_that_name_points_to_attr(by, source):
    t = deals(**{by: ["EMEA", "EMEA", "APAC"]})
    with pytest.raises(ck.QueryError) as e:
        ck.close_rate(t, period="2025", by=by)
    msg = str(e.value)
    assert source.replace("_", " ") in msg or source in msg, msg
    assert f"attr:{by}" in msg, msg
    out = ck.close_rate(t, period="2025", by=f"attr:{by}")  # what the user meant
    assert sorted(out[by]) == ["APAC", "EMEA"]


@needs("maven-crm-sales-opportunities")
def test_scorecard_default_by_partner_on_the_maven_export_says_what_is_missing():
    sp = pd.read_csv(DATASETS / "maven-crm-sales-opportunities" / "sales_pipeline.csv")
    mapping = (ROOT / "examples" / "mappings" / "maven.json").read_text()
    with pytest.raises(ck.QueryError) as e:
        ck.scorecard(sp, period="2017", mapping=mapping)
    assert "partner_id" in str(e.value) and "sales_agent" in str(e.value)
    by_owner = ck.scorecard(sp, period="2017", mapping=mapping, by="owner", metrics=["deal_count"])
    assert len(by_owner) == 30 and by_owner["owner"].notna().all()


def subscriptions(months: "list[str]") -> pd.DataFrame:
    rows = [(a, m, mrr) for m in months for a, mrr in (("A", "100"), ("B", "50"))]
    return pd.DataFrame(rows, columns=["account_id", "month", "mrr"]).assign(currency="USD")


def test_retention_is_absent_when_the_months_edge_has_no_data():
    snap = subscriptions(["2024-12"])  # one month, like the Telco export
    nrr = ck.mrr_retention(subscriptions=snap, period="2025-01")
    assert nrr["nrr"] is None and nrr["grr"] is None and nrr["mrr_churned"] is None
    assert nrr["retention_mrr_start"] == 150
    assert ck.account_retention(subscriptions=snap, period="2025-01") is None
    assert ck.account_retention(subscriptions=snap, period="2024-12") is None
    # With both months there, churn is churn: B gone in January → retention 1/2.
    both = pd.concat([snap, subscriptions(["2025-01"]).query("account_id == 'A'")])
    assert ck.account_retention(subscriptions=both, period="2025-01") == 0.5


@needs("ibm-telco-customer-churn")
def test_telco_one_month_snapshot_has_unknown_retention_not_100_percent_churn():
    mapping = (ROOT / "examples" / "mappings" / "telco.json").read_text()
    ds = ck.load_files(DATASETS / "ibm-telco-customer-churn", mapping=mapping)
    r = ck.query(ds, metrics=["mrr_retention", "account_retention"], period="2025-01", output="pandas")
    row = r.iloc[0]
    assert pd.isna(row["nrr"]) and pd.isna(row["account_retention"]) and pd.isna(row["accounts_churned"])


def test_results_say_which_as_of_they_used():
    leads = pd.DataFrame({"lead_id": ["L1", "L2"], "created_on": ["2025-01-05", "2025-01-06"], "deal_id": ["A", None]})
    t = deals(closed_on=["2025-03-01", "2025-02-01", "2025-02-01"])
    default = ck.query(t, leads=leads, metrics="lead_conversion_rate", period="2025-01")
    assert default.attrs["as_of"] == "2025-01-31" and default.attrs["period"] == "2025-01-01..2025-02-01"
    assert default["lead_conversion_rate"][0] == 0  # A was won in March: after as_of
    later = ck.query(t, leads=leads, metrics="lead_conversion_rate", period="2025-01", as_of=date(2025, 12, 31))
    assert later.attrs["as_of"] == "2025-12-31" and later["lead_conversion_rate"][0] == 0.5
    assert "as_of" in ck.lead_conversion_rate.__doc__ and "last day" in ck.lead_conversion_rate.__doc__
    arrow = ck.query(t, leads=leads, metrics="lead_conversion_rate", period="2025-01", output="pyarrow")
    assert arrow.schema.metadata[b"channel_kpi.as_of"] == b"2025-01-31"


@needs("olist-marketing-funnel")
def test_olist_conversion_depends_on_as_of_and_the_result_says_which():
    d = DATASETS / "olist-marketing-funnel"
    mql = pd.read_csv(d / "olist_marketing_qualified_leads_dataset.csv")
    closed = pd.read_csv(d / "olist_closed_deals_dataset.csv")
    mapping = json.loads((ROOT / "examples" / "mappings" / "olist.json").read_text())
    ds = ck.load(leads=mql, deals=closed, mapping=mapping, collect_errors=True)
    r = ck.query(ds, metrics="lead_conversion_rate", period="2017-06-01..2018-06-01", output="pyarrow")
    assert r.column("lead_conversion_rate")[0].as_py() == pytest.approx(665 / 8000)
    assert r.schema.metadata[b"channel_kpi.as_of"] == b"2018-05-31"
    later = ck.lead_conversion_rate(ds, period="2017-06-01..2018-06-01", as_of=date(2019, 1, 1))
    assert later == pytest.approx(842 / 8000)


def test_registered_deals_without_any_registration_status_has_no_approved_or_rejected_counts():
    t = deals(registered_on=["2025-01-03"] * 3)
    r = ck.registered_deals(t, period="2025")
    assert r == 3  # the headline count is known
    full = ck.query(t, metrics="registered_deals", period="2025", output="pyarrow").to_pylist()[0]
    assert full["registered_approved"] is None and full["registered_rejected"] is None
    t2 = deals(registered_on=["2025-01-03"] * 3, registration_status=["approved", None, None])
    full = ck.query(t2, metrics="registered_deals", period="2025", output="pyarrow").to_pylist()[0]
    assert full["registered_approved"] == 1 and full["registered_rejected"] == 0


def test_bundled_sample_registered_deals_are_absent_not_zero():
    ds = ck.load_files(ROOT / "examples" / "data")
    row = ck.query(ds, metrics="registered_deals", period="2025", output="pyarrow").to_pylist()[0]
    assert row["registered_deals"] > 0
    assert row["registered_approved"] is None and row["registered_rejected"] is None


def test_wilson_lower_bound_at_rate_zero_is_exactly_zero():
    t = deals(status=["lost"] * 3)
    r = ck.query(t, metrics="close_rate", period="2025", output="pyarrow").to_pylist()[0]
    assert r["close_rate"] == 0.0 and r["close_rate_lo"] == 0.0 and math.copysign(1, r["close_rate_lo"]) == 1
    assert "e-17" not in ck.Dataset.from_tables({"deals": pa.Table.from_pandas(t)}).run(
        '{"metrics": ["close_rate"], "period": "2025"}'
    ).to_text()
