"""Parquet files through ``ck.load_files``: the Maven and Olist exports as typed Parquet copies
(written here with pyarrow, types inferred from the CSV: dates, timestamps, integers, floats)
give the same results as the CSV exports and the oracle; only the mapped columns are decoded;
errors name the file, the 0-based row and the column."""

from __future__ import annotations

import json
import os
import pathlib
from decimal import Decimal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import channel_kpi as ck

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATASETS = pathlib.Path(os.environ.get("CHANNEL_KPI_DATASETS", ROOT.parent / "shared" / "datasets"))
MAVEN = DATASETS / "maven-crm-sales-opportunities"
OLIST = DATASETS / "olist-marketing-funnel"
METRICS = ["deal_count", "close_rate", "won_revenue", "avg_deal_size", "sales_cycle_days", "sales_velocity"]


def as_parquet(src: pathlib.Path, dst: pathlib.Path, mapping: str, row_group_size: int = 1000) -> str:
    """Every CSV of ``src`` as a typed Parquet file in ``dst``; the mapping with its file names
    renamed to match."""
    for f in sorted(src.glob("*.csv")):
        pq.write_table(pacsv.read_csv(f), dst / f.with_suffix(".parquet").name, row_group_size=row_group_size)
    return mapping.replace('.csv"', '.parquet"')


def rows(t: pa.Table) -> list[dict]:
    return sorted(t.to_pylist(), key=lambda r: json.dumps(r, default=str, sort_keys=True))


@pytest.mark.skipif(not MAVEN.is_dir(), reason=f"SKIPPED: real dataset folder not found ({MAVEN})")
def test_maven_through_parquet_equals_the_csv_and_the_oracle(tmp_path: pathlib.Path) -> None:
    mapping = (ROOT / "examples" / "mappings" / "maven.json").read_text()
    pmapping = as_parquet(MAVEN, tmp_path, mapping)
    types = pq.read_schema(tmp_path / "sales_pipeline.parquet")
    assert pa.types.is_date32(types.field("engage_date").type) or pa.types.is_timestamp(types.field("engage_date").type)
    assert pa.types.is_integer(types.field("close_value").type) or pa.types.is_floating(types.field("close_value").type)
    from_csv = ck.load_files(MAVEN, mapping=mapping)
    from_parquet = ck.load_files(tmp_path, mapping=pmapping)
    assert dict(from_parquet.counts()) == dict(from_csv.counts())
    for by in [None, "owner", "org:office"]:
        a = ck.query(from_csv, metrics=METRICS, period="2017", by=by, output="pyarrow")
        b = ck.query(from_parquet, metrics=METRICS, period="2017", by=by, output="pyarrow")
        assert rows(a) == rows(b), by
    want = json.loads((ROOT / "tests" / "expected" / "maven.json").read_text())["overall"]
    t = ck.query(from_parquet, metrics=METRICS, period="2017", output="pandas").iloc[0]
    assert (t["won_count"], t["lost_count"], t["won_revenue"]) == (want["won_count"], want["lost_count"], Decimal(want["won_revenue"]))


@pytest.mark.skipif(not OLIST.is_dir(), reason=f"SKIPPED: real dataset folder not found ({OLIST})")
def test_olist_through_parquet_with_parquet_lookups(tmp_path: pathlib.Path) -> None:
    mapping = (ROOT / "examples" / "mappings" / "olist.json").read_text()
    pmapping = as_parquet(OLIST, tmp_path, mapping)
    assert "olist_closed_deals_dataset.parquet" in pmapping
    # The impossible deal (won before its first contact): line 669 of the CSV, row 667 here.
    with pytest.raises(ck.InvalidRecordError) as e:
        ck.load_files(tmp_path, mapping=pmapping)
    assert e.value.file.endswith("olist_closed_deals_dataset.parquet") and e.value.row == 667 and e.value.line is None
    assert (e.value.column, e.value.value) == ("won_date", "2018-03-06")
    from_csv = ck.load_files(OLIST, mapping=mapping, collect_errors=True)
    from_parquet = ck.load_files(tmp_path, mapping=pmapping, collect_errors=True)
    assert dict(from_parquet.counts()) == dict(from_csv.counts())
    assert [x.row for x in from_parquet.errors] == [667]
    q = dict(metrics=["lead_conversion_rate"], period="2017-06-01..2018-06-01", as_of="2018-12-31", output="pyarrow")
    for by in [None, "source"]:
        assert rows(ck.query(from_parquet, by=by, **q)) == rows(ck.query(from_csv, by=by, **q)), by
    want = json.loads((ROOT / "tests" / "expected" / "olist.json").read_text())["overall"]
    t = ck.query(from_parquet, **q).to_pylist()[0]
    assert t["lead_conversion_rate_n"] == want["leads"]
    assert t["lead_conversion_rate"] == pytest.approx(want["lead_conversion_rate"], abs=1e-12)


def deals_table(status: list[str]) -> pa.Table:
    n = len(status)
    return pa.table({
        "deal_id": [f"D{i}" for i in range(n)],
        "created_on": pa.array([19358] * n, pa.date32()),
        "closed_on": pa.array([19400 if s != "open" else None for s in status], pa.date32()),
        "status": status,
        "amount": pa.array([Decimal("10.25")] * n, pa.decimal128(18, 2)),
        "currency": ["USD"] * n,
    })  # fmt: skip


def test_only_the_mapped_columns_are_decoded(tmp_path: pathlib.Path) -> None:
    t = deals_table(["won", "lost", "open"]).append_column("blob", pa.array([b"\x00"] * 3, pa.binary()))
    pq.write_table(t, tmp_path / "deals.parquet")
    with pytest.raises(ck.ParseError) as e:  # attrs "all": the blob would be an attr
        ck.load_files(tmp_path)
    assert e.value.column == "blob" and "unsupported Arrow type" in str(e.value)
    ds = ck.load_files(tmp_path, mapping={"deals": {"attrs": "none"}})
    assert dict(ds.counts())["deals"] == 3
    r = ck.query(ds, metrics=["won_revenue"], period="2023", output="pyarrow").to_pylist()[0]
    assert r["won_revenue"] == Decimal("10.25")


def test_errors_name_the_row_across_row_groups(tmp_path: pathlib.Path) -> None:
    pq.write_table(deals_table(["won", "lost", "open", "won", "nope"]), tmp_path / "deals.parquet", row_group_size=2)
    with pytest.raises(ck.ParseError) as e:
        ck.load_files(tmp_path / "deals.parquet")
    assert (e.value.row, e.value.line, e.value.column, e.value.value) == (4, None, "status", "nope")
    assert "deals.parquet row 4" in str(e.value)


ATTRS_MAPPING = {
    "deals": {
        "columns": {"deal_id": "opportunity_id", "status": "deal_stage", "created_on": "engage_date", "closed_on": "close_date",
                    "amount": "close_value"},
        "values": {"status": {"Won": "won", "Lost": "lost", "Engaging": "open"}},
        "defaults": {"currency": "USD"},
        "attrs": ["account"],
    }
}  # fmt: skip


def test_a_kept_attr_column_groups_from_parquet_and_from_a_table() -> None:
    """A Maven-like Parquet export keeping its ``account`` column as an attr (dictionary-encoded
    text, padded, empty and null: tests/fixtures/attrs/README.md), read by the typed reader into
    the attr columns and grouped by ``attr:account``: the same as the same rows as an in-memory
    table, and as the row path reads them (the padded name trimmed, empty and null no value)."""
    fixture = ROOT / "tests" / "fixtures" / "attrs"
    expected = {"Acme": Decimal(300), "Bolt": Decimal(400), None: Decimal(50)}
    kw = {"metrics": ["won_revenue"], "period": "2025", "by": "attr:account", "mapping": ATTRS_MAPPING, "output": "pyarrow"}
    for source in [ck.load_files(fixture, mapping=ATTRS_MAPPING), fixture]:
        t = ck.query(source, **{k: v for k, v in kw.items() if not (k == "mapping" and isinstance(source, ck.Dataset))})
        assert {r["account"]: r["won_revenue"] for r in t.to_pylist()} == expected
    table = pq.read_table(fixture / "deals.parquet")
    for t in [table, table.cast(table.schema.set(5, pa.field("account", pa.string())))]:
        got = ck.query(t, **kw)
        assert {r["account"]: r["won_revenue"] for r in got.to_pylist()} == expected


def test_typed_leads_from_parquet_and_from_a_table() -> None:
    """Leads as a data lake holds them (tests/fixtures/leads/README.md: date32 dates, a
    dictionary-encoded channel with a padded and a mixed-case value, a ``campaign`` attr), read
    by the typed leads reader from the file and from the same rows in memory: conversion linked
    through the won deal or given in ``won_on``, by channel and by ``attr:campaign``."""
    fixture = ROOT / "tests" / "fixtures" / "leads"
    deals = pacsv.read_csv(fixture / "deals.csv")
    leads = pq.read_table(fixture / "leads.parquet")
    q = {"metrics": ["lead_conversion_rate"], "period": "2025", "output": "pyarrow"}
    for source in [ck.load_files(fixture), ck.load(deals, leads=leads)]:
        by_channel = ck.query(source, by="channel", **q).to_pylist()
        assert {r["channel"]: (r["lead_conversion_rate_n"], r["lead_conversion_rate"]) for r in by_channel} == {
            "paid": (2, 0.5), "owned": (1, 1.0), None: (1, 0.0)}  # fmt: skip
        by_campaign = ck.query(source, by="attr:campaign", **q).to_pylist()
        assert {r["campaign"]: r["lead_conversion_rate_n"] for r in by_campaign} == {"spring": 2, None: 2}


def test_typed_subscriptions_from_parquet_and_from_tables() -> None:
    """Subscription months as a data lake holds them (tests/fixtures/subscriptions/README.md:
    date32 months, one mid-month; decimal MRR; a dictionary-encoded, once padded account; a
    ``plan`` attr), read by the typed subscriptions reader from the file, from the same rows in
    memory as pyarrow and polars, and — months as ``YYYY-MM`` text — by the row path: the same
    NRR, GRR and account retention, exact."""
    pl = pytest.importorskip("polars")
    fixture = ROOT / "tests" / "fixtures" / "subscriptions"
    subs = pq.read_table(fixture / "subscriptions.parquet")
    text_months = subs.set_column(1, "month", pa.array([d.strftime("%Y-%m") for d in subs["month"].to_pylist()]))
    q = {"metrics": ["mrr_retention", "account_retention"], "period": "2025-Q1", "output": "pyarrow"}
    sources = [ck.load_files(fixture), ck.load(subscriptions=subs), ck.load(subscriptions=pl.from_arrow(subs)),
               ck.load(subscriptions=text_months)]  # fmt: skip
    for source in sources:
        (whole,) = ck.query(source, **q).to_pylist()
        assert (whole["retention_mrr_start"], whole["mrr_expansion"], whole["mrr_contraction"]) == (400, 50, 50)
        assert (whole["mrr_churned"], whole["mrr_new"], whole["nrr"], whole["grr"]) == (100, 80, Decimal("0.75"), Decimal("0.625"))
        assert (whole["account_retention"], whole["account_retention_n"], whole["accounts_churned"]) == (0.75, 4, 1)
        by_partner = {r["partner"]: r for r in ck.query(source, by="partner", **q).to_pylist()}
        assert (by_partner["P1"]["retention_mrr_start"], by_partner["P1"]["nrr"], by_partner["P1"]["grr"]) == (200, 1, Decimal("0.75"))
        assert (by_partner["P2"]["nrr"], by_partner["P2"]["mrr_new"]) == (0, 80)
        by_plan = {r["plan"]: r["grr"] for r in ck.query(source, by="attr:plan", **q).to_pylist()}
        assert by_plan == {"pro": Decimal("0.5"), "team": Decimal("0.5"), None: 1}


def test_typed_stage_history_from_parquet_and_from_tables() -> None:
    """Stage history as a data lake holds it (tests/fixtures/stage_history/README.md: date32
    dates, dictionary-encoded deal ids and stages, one padded), read by the typed stage-history
    reader from the file and from the same rows in memory, and — dates as text — by the row
    path: the same stays per stage."""
    fixture = ROOT / "tests" / "fixtures" / "stage_history"
    deals, history = pq.read_table(fixture / "deals.parquet"), pq.read_table(fixture / "stage_history.parquet")
    pipeline = pacsv.read_csv(fixture / "pipeline.csv", convert_options=pacsv.ConvertOptions(column_types={"probability": pa.string()}))
    text_dates = history.set_column(2, "entered_on", pa.array([str(d) for d in history["entered_on"].to_pylist()]))
    sources = [ck.load_files(fixture), ck.load(deals, stage_history=history, pipeline=pipeline),
               ck.load(deals, stage_history=text_dates, pipeline=pipeline)]  # fmt: skip
    for source in sources:
        (row,) = ck.query(source, period="2025", metrics=["stage_duration"], output="pyarrow").to_pylist()
        assert (row["stage_prospect_n"], row["stage_prospect_days_median"]) == (3, 20.0)
        assert row["stage_prospect_days"] == pytest.approx((10 + 20 + 59) / 3)
        assert (row["stage_qualify_n"], row["stage_qualify_days"], row["stage_qualify_open_n"]) == (1, 49.0, 1)


def test_typed_surveys_from_parquet_and_from_a_table() -> None:
    """Survey answers as a data lake holds them (tests/fixtures/surveys/README.md: date32 dates,
    decimal scores, int32 scales with a null, a dictionary-encoded kind with an upper-case value,
    a padded partner and topic, a ``region`` attr), read by the typed surveys reader from the
    file and from the same rows in memory: CSAT, NPS and partner satisfaction by partner and by
    ``attr:region``."""
    fixture = ROOT / "tests" / "fixtures" / "surveys"
    answers = pq.read_table(fixture / "surveys.parquet")
    q = {"metrics": ["partner_csat", "partner_satisfaction"], "period": "2025", "output": "pyarrow"}
    for source in [ck.load_files(fixture), ck.load(surveys=answers)]:
        for by in ["partner", "attr:region"]:
            rows = {r[by.removeprefix("attr:")]: r for r in ck.query(source, by=by, **q).to_pylist()}
            first, second = (rows["P1"], rows["P2"]) if by == "partner" else (rows["north"], rows["south"])
            assert (first["csat_n"], first["csat"], first["csat_mean"]) == (2, 0.5, 4.25)
            assert (first["nps_responses"], first["nps_promoters"], first["nps"]) == (2, 1, 50.0)
            assert (second["satisfaction_responses"], second["satisfaction_rewards_n"], second["satisfaction_training_n"]) == (3, 1, 1)
            assert second["satisfaction_mean"] == pytest.approx(19 / 6, abs=1e-12)
            assert second["csat_n"] == 0 and first["satisfaction_responses"] == 0
