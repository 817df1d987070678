"""Tables in (pandas, polars, pyarrow, mappings, typed columns) and results out."""

from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import channel_kpi as ck

# The article's worked example: A $200 (won 2025-06-20) and B $400 (won 2025-06-29) fall in
# the last 15 days as of 2025-06-30 = [2025-06-16, 2025-07-01); C (won 2025-06-15) does not.
ARTICLE = {
    "deal_id": ["A", "B", "C"],
    "status": ["won", "won", "won"],
    "created_on": ["2025-05-01", "2025-05-01", "2025-05-01"],
    "closed_on": ["2025-06-20", "2025-06-29", "2025-06-15"],
    "amount": ["200", "400", "10000"],
    "currency": ["USD", "USD", "USD"],
}
LAST_15 = ck.Period.last_days(15, as_of=date(2025, 6, 30))

# Three partners, Q1 2025. acme: won 100.50 (Jan) + 300 (Feb), lost 1 → close rate 2/3,
# revenue 400.50, average 200.25. bolt: won 1000 (Mar), lost 1 → 1/2, 1000. cora: lost 1 → 0,
# revenue 0, average absent. A direct deal (no partner) won 50 in March.
PARTNERS = {
    "deal_id": ["1", "2", "3", "4", "5", "6", "7"],
    "partner_id": ["acme", "acme", "acme", "bolt", "bolt", "cora", None],
    "status": ["won", "won", "lost", "won", "lost", "lost", "won"],
    "created_on": [date(2024, 12, 1)] * 7,
    "closed_on": [date(2025, 1, 10), date(2025, 2, 3), date(2025, 2, 20), date(2025, 3, 5), date(2025, 3, 9), date(2025, 1, 30), date(2025, 3, 30)],
    "amount": [Decimal("100.50"), Decimal("300"), Decimal("80"), Decimal("1000"), Decimal("5"), Decimal("70"), Decimal("50")],
    "currency": ["USD"] * 7,
}


def frames(data):
    t = pa.table(data)
    return {"pandas": pd.DataFrame(data), "polars": pl.DataFrame(data), "pyarrow": t}


def test_article_worked_example():
    v = ck.avg_deal_size(pd.DataFrame(ARTICLE), period=LAST_15)
    assert isinstance(v, Decimal) and v == Decimal("300")
    assert str(LAST_15) == "2025-06-16..2025-07-01"
    counts = ck.deal_count(pd.DataFrame(ARTICLE), period=LAST_15)
    assert counts["won_count"] == 2 and counts["lost_count"] == 0


def test_period_api():
    q1 = ck.Period.parse("2025-Q1")
    assert (q1.start, q1.end, q1.days) == (date(2025, 1, 1), date(2025, 4, 1), 90)
    assert date(2025, 3, 31) in q1 and date(2025, 4, 1) not in q1
    assert q1 == ck.Period(date(2025, 1, 1), date(2025, 4, 1))
    with pytest.raises(ck.ParseError):
        ck.Period.parse("2025-Q5")


@pytest.mark.parametrize("lib", ["pandas", "polars", "pyarrow"])
def test_grouped_result_comes_back_in_the_callers_library(lib):
    df = frames(PARTNERS)[lib]
    out = ck.scorecard(df, period="2025-Q1", by="partner", metrics=["close_rate", "won_revenue", "avg_deal_size"])
    t = out if lib == "pyarrow" else (pa.Table.from_pandas(out, preserve_index=False) if lib == "pandas" else out.to_arrow())
    assert type(out).__module__.split(".")[0] == lib
    rows = {r["partner"]: r for r in t.to_pylist()}
    assert rows["acme"]["won_revenue"] == Decimal("400.50")
    assert rows["acme"]["avg_deal_size"] == Decimal("200.25")
    assert rows["acme"]["close_rate"] == pytest.approx(2 / 3)
    assert rows["bolt"]["close_rate"] == 0.5
    assert rows["cora"]["close_rate"] == 0.0 and rows["cora"]["avg_deal_size"] is None
    assert rows[None]["won_revenue"] == Decimal("50"), "direct deals: empty partner key"


def test_pandas_polars_pyarrow_give_identical_results():
    outs = []
    for lib, df in frames(PARTNERS).items():
        r = ck.query(df, metrics=["deal_count", "close_rate", "won_revenue", "sales_cycle_days"], period="2025-Q1",
                     by="partner", buckets="month", output="pyarrow")  # fmt: skip
        outs.append(r)
    assert outs[0].equals(outs[1]) and outs[1].equals(outs[2])
    assert outs[0].schema.field("won_revenue").type == pa.decimal128(38, 6)
    assert outs[0].schema.field("period_start").type == pa.date32()


def test_typed_columns_floats_timestamps_and_categoricals():
    # Floats are read as their shortest round-trip decimal: 19.99 → exactly 19.99, so
    # (19.99 + 0.01) / 2 = 10.00 exactly. Timestamps become their date; categorical strings work.
    df = pd.DataFrame({
        "deal_id": ["X", "Y"],
        "status": pd.Categorical(["won", "won"]),
        "created_on": pd.to_datetime(["2025-01-01 09:30", "2025-01-02 23:59"]),
        "closed_on": pd.to_datetime(["2025-01-31 18:00", "2025-02-01 00:01"]).tz_localize("UTC"),
        "amount": [19.99, 0.01],
        "currency": ["EUR", "EUR"],
    })  # fmt: skip
    assert ck.won_revenue(df, period="2025-01") == Decimal("19.99")
    assert ck.avg_deal_size(df, period="2025-01-01..2025-03-01") == Decimal("10")
    cycle = ck.sales_cycle_days(df, period="2025")
    assert cycle == 30.0  # X: Jan 1 → Jan 31 = 30 days; Y: Jan 2 → Feb 1 = 30 days


def test_mapping_renames_values_and_date_formats():
    crm = pl.DataFrame({
        "opportunity_id": ["o1", "o2", "o3"],
        "deal_stage": ["Won", "Lost", "Won"],
        "engage_date": ["01/03/2025", "02/03/2025", "03/03/2025"],
        "close_date": ["10/03/2025", "11/03/2025", "12/03/2025"],
        "close_value": [Decimal("1000.10"), None, Decimal("3000.30")],
    })  # fmt: skip
    mapping = {
        "date_formats": ["%d/%m/%Y"],
        "deals": {
            "columns": {"deal_id": "opportunity_id", "status": "deal_stage", "created_on": "engage_date",
                        "closed_on": "close_date", "amount": "close_value"},
            "values": {"status": {"Won": "won", "Lost": "lost"}},
            "defaults": {"currency": "USD"},
        },
    }  # fmt: skip
    # Won 1000.10 + 3000.30 = 4000.40 over 2 → 2000.20; close rate 2 / 3.
    assert ck.avg_deal_size(crm, period="2025-03", mapping=mapping) == Decimal("2000.2")
    assert ck.close_rate(crm, period="2025-03", mapping=mapping) == pytest.approx(2 / 3)


def test_no_data_is_none():
    assert ck.avg_deal_size(pd.DataFrame(ARTICLE), period="2024") is None


def test_trend_buckets_and_rows():
    t = ck.trend(pa.table(PARTNERS), period="2025-Q1", buckets="month", metrics=["won_revenue"])
    got = {r["period_start"]: r["won_revenue"] for r in t.to_pylist()}
    # Jan: 100.50; Feb: 300; Mar: 1000 + 50.
    assert got == {date(2025, 1, 1): Decimal("100.5"), date(2025, 2, 1): Decimal("300"), date(2025, 3, 1): Decimal("1050")}


def test_pandas_result_carries_currency_and_exact_decimals():
    df = ck.scorecard(pd.DataFrame(PARTNERS), period="2025-Q1", metrics=["won_revenue"])
    assert df.attrs["currency"] == "USD"
    assert isinstance(df.loc[df["partner"] == "acme", "won_revenue"].iloc[0], Decimal)


def test_typed_lead_tables_give_the_values_of_text_ones():
    # Leads with typed columns (date32, dictionary-encoded channel, a number attr) are read
    # column by column; the same leads with text dates take the row path: same results.
    deals = pa.table({"deal_id": ["D1", "D2"], "status": ["won", "lost"], "created_on": ["2025-01-01"] * 2,
                      "closed_on": ["2025-03-01", "2025-03-02"], "amount": [Decimal(500), None], "currency": ["USD"] * 2})  # fmt: skip
    days = [date(2025, 1, 5), date(2025, 2, 1), date(2025, 2, 3), date(2024, 12, 30)]
    typed = pa.table({
        "lead_id": ["L1", "L2", "L3", "L4"], "created_on": pa.array(days, pa.date32()),
        "channel": pa.array(["paid", " Paid", "owned", "paid"]).dictionary_encode(), "source": ["ads", "ads ", None, "ads"],
        "deal_id": ["D1", "D2", None, "D1"], "score": pa.array([3, None, 5, 1], pa.int64()),
    })  # fmt: skip
    text = typed.set_column(1, "created_on", pa.array([d.isoformat() for d in days]))
    q = dict(period="2025", by=["channel", "source"], metrics=["lead_conversion_rate", "channel_performance"], output="pyarrow")
    fast, slow = ck.query(deals, leads=typed, **q), ck.query(deals, leads=text, **q)
    assert fast.equals(slow)
    rows = {(r["channel"], r["source"]): r for r in fast.to_pylist()}
    paid = rows[("paid", "ads")]  # L1 (converted through D1, won 2025-03-01) and L2 (D2 lost); L4 is 2024's
    assert (paid["channel_leads"], paid["channel_converted"], paid["lead_conversion_rate"]) == (2, 1, 0.5)
    assert rows[("owned", None)]["channel_leads"] == 1
    by_score = ck.query(deals, leads=typed, period="2025", by="attr:score", metrics=["lead_conversion_rate"], output="pyarrow")
    assert {r["score"]: r["lead_conversion_rate_n"] for r in by_score.to_pylist()} == {"3": 1, "5": 1, None: 1}


def test_typed_survey_tables_give_the_values_of_text_ones():
    # Answers with typed columns (date32, decimal scores, int32 scales, a dictionary-encoded kind,
    # a number attr) are read column by column; the same answers with text dates take the row
    # path: same results.
    days = [date(2025, 1, 5), date(2025, 2, 1), date(2025, 2, 3), date(2025, 4, 1), date(2024, 12, 30)]
    typed = pa.table({
        "survey_id": ["S1", None, "S3", "S4", "S5"],
        "kind": pa.array(["csat", "CSAT ", "nps", "partner_satisfaction", "csat"]).dictionary_encode(),
        "topic": [None, None, None, " support", None], "scale": pa.array([5, 5, None, 5, 5], pa.int32()),
        "score": pa.array([Decimal("4.0"), Decimal("2.5"), Decimal("9"), Decimal("3.5"), Decimal("5")], pa.decimal128(4, 1)),
        "submitted_on": pa.array(days, pa.date32()), "partner_id": ["acme", "acme ", "acme", "bolt", "acme"],
        "seats": pa.array([3, None, 5, 1, 2], pa.int64()),
    })  # fmt: skip
    text = typed.set_column(5, "submitted_on", pa.array([d.isoformat() for d in days]))
    q = dict(period="2025", by="partner", metrics=["partner_csat", "partner_satisfaction"], output="pyarrow")
    fast, slow = ck.query(surveys=typed, **q), ck.query(surveys=text, **q)
    assert fast.equals(slow)
    rows = {r["partner"]: r for r in fast.to_pylist()}
    acme = rows["acme"]  # S1 (4.0: satisfied) and S2 (2.5); S5 is 2024's; S3 a promoter
    assert (acme["csat_n"], acme["csat"], acme["csat_mean"], acme["nps"]) == (2, 0.5, 3.25, 100.0)
    assert (rows["bolt"]["satisfaction_support_n"], rows["bolt"]["satisfaction_mean"]) == (1, 3.5)
    by_seats = ck.query(surveys=typed, period="2025", by="attr:seats", metrics=["partner_csat"], output="pyarrow")
    assert {r["seats"]: r["csat_n"] for r in by_seats.to_pylist()} == {"3": 1, "5": 0, None: 1}  # S4 (seats 1) is no CSAT or NPS answer
