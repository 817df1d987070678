"""Issue 15, "bugs" and "forgiving inputs, errors that teach": tables in the shape pandas
reads them, periods in the forms people write, and errors that name what was found and what
was meant."""

from __future__ import annotations

import json
import os
import pathlib
import re
from datetime import date

import pandas as pd
import pytest

import channel_kpi as ck

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATASETS = pathlib.Path(os.environ.get("CHANNEL_KPI_DATASETS", ROOT.parent / "shared" / "datasets"))
MAVEN = DATASETS / "maven-crm-sales-opportunities"
OLIST = DATASETS / "olist-marketing-funnel"


def deals(**extra) -> pd.DataFrame:
    base = {"deal_id": ["A", "B", "C"], "status": ["won", "lost", "won"], "created_on": ["2025-01-02"] * 3,
            "closed_on": ["2025-02-01", "2025-05-01", "2025-11-03"], "amount": ["100", "50", "300"],
            "currency": ["USD"] * 3}  # fmt: skip
    base.update(extra)
    return pd.DataFrame(base)


def test_deals_as_a_keyword_works_everywhere():
    assert ck.close_rate(deals=deals(), period="2025") == pytest.approx(2 / 3)
    out = ck.query(deals=deals(), metrics="deal_count", period="2025", output="pyarrow")
    assert out.column("won_count")[0].as_py() == 2
    with pytest.raises(TypeError, match="deals given twice"):
        ck.close_rate(deals(), deals=deals(), period="2025")


def test_every_missing_column_at_once_with_close_matches():
    t = deals().rename(columns={"deal_id": "Deal ID", "status": "Status", "amount": "Amount"})
    with pytest.raises(ck.MissingValueError) as e:
        ck.load(t)
    msg = str(e.value)
    assert "missing columns deal_id, status" in msg, msg
    assert "columns found: Deal ID, Status, created_on, closed_on, Amount, currency" in msg, msg
    assert "`Deal ID` → `deal_id`" in msg and "`Status` → `status`" in msg and "`Amount` → `amount`" in msg, msg


def test_an_optional_field_in_the_wrong_case_is_not_silently_ignored():
    with pytest.raises(ck.MissingValueError, match="`Amount` → `amount`"):
        ck.load(deals().rename(columns={"amount": "Amount"}))


def test_leads_passed_as_the_first_argument_says_pass_leads():
    leads = pd.DataFrame({"lead_id": ["L1"], "created_on": ["2025-01-05"]})
    with pytest.raises(ck.MissingValueError, match="pass it as `leads`"):
        ck.lead_conversion_rate(leads, period="2025")
    assert ck.lead_conversion_rate(leads=leads, period="2025") == 0.0


def test_short_mapping_keywords():
    raw = pd.DataFrame({"Opportunity": ["A", "B"], "Stage": ["Won", "Lost"], "Engaged": ["2025-01-02"] * 2,
                        "Closed": ["2025-02-01"] * 2, "Amount": [100.0, None]})  # fmt: skip
    cols = {"Opportunity": "deal_id", "Stage": "status", "Engaged": "created_on", "Closed": "closed_on", "Amount": "amount"}
    got = ck.won_revenue(raw, period="2025", columns=cols, values={"status": {"Won": "won", "Lost": "lost"}},
                         defaults={"currency": "USD"})  # fmt: skip
    assert str(got) == "100"
    with pytest.raises(ck.InvalidRecordError, match="unknown canonical field"):
        ck.load(raw, columns={"Opportunity": "deal_idd"})


@pytest.mark.skipif(not MAVEN.is_dir(), reason=f"SKIPPED: real dataset folder not found ({MAVEN})")
def test_maven_from_read_csv_with_keywords_matches_the_mapping_file():
    sp = pd.read_csv(MAVEN / "sales_pipeline.csv")
    kw = dict(
        columns={"opportunity_id": "deal_id", "sales_agent": "owner_id", "deal_stage": "status",
                 "engage_date": "created_on", "close_date": "closed_on", "close_value": "amount"},  # fmt: skip
        values={"status": {"Prospecting": "open", "Engaging": "open", "Won": "won", "Lost": "lost"}},
        defaults={"currency": "USD", "created_on": "2017-12-31"},
    )
    short = ck.scorecard(sp, period="2017", by="owner", metrics=["won_revenue", "close_rate"], **kw)
    mapping = (ROOT / "examples" / "mappings" / "maven.json").read_text()
    full = ck.scorecard(sp, period="2017", by="owner", metrics=["won_revenue", "close_rate"], mapping=mapping)
    assert short["won_revenue"].tolist() == full["won_revenue"].tolist()
    assert short["won_revenue"].sum() == 10005534  # the export's total of won close_value


@pytest.mark.parametrize("period", ["2025Q4", "Q4 2025", "2025-Q4", "q4-2025", pd.Period("2025Q4"),
                                    (date(2025, 10, 1), date(2026, 1, 1)), ("2025-10-01", "2026-01-01")])  # fmt: skip
def test_periods_in_the_forms_people_write(period):
    assert ck.deal_count(deals(), period=period) == {"won_count": 1, "lost_count": 0, "open_count": 0} or (
        ck.query(deals(), metrics="won_revenue", period=period, output="pyarrow").column("won_revenue")[0].as_py() == 300
    )
    r = ck.query(deals(), metrics="won_revenue", period=period, output="pandas")
    assert r.attrs["period"] == "2025-10-01..2026-01-01"


def test_compare_to_previous_as_the_cli_spells_it():
    r = ck.won_revenue(deals(), period="2025-Q2", compare_to="previous", output="pyarrow").to_pylist()[0]
    assert (r["won_revenue"], r["won_revenue_prev"]) == (0, 100)


def test_errors_list_the_accepted_forms_and_never_show_json_positions():
    with pytest.raises(ck.ChannelKpiError) as e:
        ck.close_rate(deals(), period="last quarter")
    assert "not a period" in str(e.value) and "accepted forms: 2025, 2025-Q1 (also 2025Q1, Q1 2025)" in str(e.value)
    for bad in ({"options": {"confidence": "high"}}, {"buckets": "fortnight"}, {"compare_to": "lastyear"}):
        with pytest.raises(ck.ChannelKpiError) as e:
            ck.query(deals(), metrics="close_rate", period="2025", **bad)
        assert not re.search(r"line \d+ column \d+", str(e.value)), str(e.value)


@pytest.mark.skipif(not OLIST.is_dir(), reason=f"SKIPPED: real dataset folder not found ({OLIST})")
def test_olist_lookups_join_in_memory_tables_and_collect_errors_returns_the_data():
    mql = pd.read_csv(OLIST / "olist_marketing_qualified_leads_dataset.csv")
    closed = pd.read_csv(OLIST / "olist_closed_deals_dataset.csv")
    mapping = json.loads((ROOT / "examples" / "mappings" / "olist.json").read_text())
    with pytest.raises(ck.InvalidRecordError, match="closed before it was created"):
        ck.load(leads=mql, deals=closed, mapping=mapping)
    ds = ck.load(leads=mql, deals=closed, mapping=mapping, collect_errors=True)
    assert dict(ds.counts())["deals"] == 841 and dict(ds.counts())["leads"] == 8000
    assert len(ds.errors) == 1 and isinstance(ds.errors[0], ck.InvalidRecordError)
    assert ds.errors[0].row == 667 and "closed before it was created" in str(ds.errors[0])
    files = ck.load_files(OLIST, mapping=mapping, collect_errors=True)
    assert dict(files.counts()) == dict(ds.counts()) and len(files.errors) == 1


def test_a_lookup_without_its_table_says_how_to_give_it():
    m = {"deals": {"lookups": [{"file": "accounts.csv", "on": "deal_id", "columns": {"product": "product"}}]}}
    with pytest.raises(ck.InvalidRecordError, match="lookups="):
        ck.load(deals(), mapping=m)
    accounts = pd.DataFrame({"deal_id": ["A", "B", "C"], "product": ["x", "y", "x"]})
    out = ck.deal_count(deals(), mapping=m, lookups={"accounts.csv": accounts}, period="2025", by="product")
    assert sorted(out["product"]) == ["x", "y"]


def test_version_dir_and_unknown_currency():
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", ck.__version__)
    names = dir(ck)
    assert "close_rate" in names and "load" in names and "__version__" in names
    assert not {"os", "json", "Any", "Optional", "Union", "date"} & set(names), names
    with pytest.raises(ck.ParseError, match="ISO-4217"):
        ck.won_revenue(deals(currency=["XYZ"] * 3), period="2025")
    with pytest.raises(ck.ChannelKpiError, match="ISO-4217"):
        ck.won_revenue(deals(), period="2025", currency="XYZ")


def test_count_ratios_need_no_exchange_rates_money_kpis_do():
    mixed = deals(currency=["USD", "EUR", "USD"])
    assert ck.close_rate(mixed, period="2025") == pytest.approx(2 / 3)
    assert ck.sales_cycle_days(mixed, period="2025") == pytest.approx((30 + 305) / 2)
    # the columnar scale-out fold follows the same rule
    import channel_kpi.scale as cs
    t = cs.finish(cs.partial(mixed, metrics="close_rate", period="2025")).to_pylist()
    assert t[0]["close_rate"] == pytest.approx(2 / 3)
    with pytest.raises(ck.CurrencyMismatchError, match="deal B.*EUR cannot be combined with USD"):
        ck.won_revenue(mixed, period="2025")
    with pytest.raises(ck.CurrencyMismatchError):
        ck.query(mixed, metrics=["close_rate", "avg_deal_size"], period="2025")
