"""Queries on tables (``ck.query(table, …)``, ``ck.scorecard``, ``ck.trend``, any KPI function):
deals tables are folded into the query as they are read — no Dataset is built — with exactly
the result and errors of ``ck.load`` then the query."""

from __future__ import annotations

import datetime
import warnings
from decimal import Decimal

import pyarrow as pa
import pytest

import channel_kpi as ck

METRICS = ["deal_count", "won_revenue", "avg_deal_size", "close_rate", "sales_cycle_days", "pipeline"]


def deals(n: int, bad_row: "int | None" = None, repeat: "tuple[int, int] | None" = None) -> pa.Table:
    """``n`` deals of 7 partners over 2025 (typed columns, as a user's table has them)."""
    ids = [f"D{i}" for i in range(n)]
    if repeat:
        ids[repeat[1]] = ids[repeat[0]]
    status = ["won", "lost", "open"]
    created = [datetime.date(2025, 1, 1) + datetime.timedelta(days=i % 300) for i in range(n)]
    closed = [None if i % 3 == 2 else c + datetime.timedelta(days=i % 40) for i, c in enumerate(created)]
    amounts = [i * 10 + 5 for i in range(n)]
    if bad_row is not None:
        amounts[bad_row] = -5
    return pa.table(
        {
            "deal_id": ids,
            "partner_id": [None if i % 8 == 0 else f"P{i % 7}" for i in range(n)],
            "status": [status[i % 3] for i in range(n)],
            "created_on": pa.array(created, pa.date32()),
            "closed_on": pa.array(closed, pa.date32()),
            "amount": pa.array(amounts, pa.int64()),
            "currency": ["EUR"] * n,
        }
    )


def same(a: pa.Table, b: pa.Table) -> None:
    assert a.equals(b), f"{a.to_pylist()[:3]}\n{b.to_pylist()[:3]}"


@pytest.mark.parametrize("rows", [50, 150_000])
def test_a_query_on_a_table_equals_loading_it_first(rows: int) -> None:
    t = deals(rows)
    kw = {"period": "2025", "metrics": METRICS, "output": "pyarrow"}
    same(ck.scorecard(t, by="partner", **kw), ck.scorecard(ck.load(t), by="partner", **kw))
    same(ck.query(t, buckets="quarter", compare_to="previous", **kw), ck.query(ck.load(t), buckets="quarter", compare_to="previous", **kw))
    row = ck.query(t, period="2025", metrics=["deal_count", "won_revenue"], output="pyarrow").to_pylist()[0]
    won = [i for i in range(rows) if i % 3 == 0]
    assert row["won_count"] == len(won)
    assert row["won_revenue"] == Decimal(sum(i * 10 + 5 for i in won))


def test_a_pandas_or_polars_table_gives_its_own_kind_back() -> None:
    t = deals(40)
    assert type(ck.scorecard(t.to_pandas(), period="2025")).__name__ == "DataFrame"
    pl = pytest.importorskip("polars")
    out = ck.scorecard(pl.from_arrow(t), period="2025")
    assert isinstance(out, pl.DataFrame) and out.height == 8  # 7 partners and direct deals


@pytest.mark.parametrize("rows", [30, 150_000])
def test_a_repeated_id_is_named_as_loading_names_it(rows: int) -> None:
    t = deals(rows, repeat=(3, rows - 2))
    with pytest.raises(ck.ChannelKpiError) as loading:
        ck.load(t)
    with pytest.raises(type(loading.value)) as querying:
        ck.scorecard(t, period="2025")
    assert str(querying.value) == str(loading.value)
    assert "first on row 3" in str(querying.value)


def test_collect_errors_skips_a_bad_row_with_a_warning() -> None:
    t = deals(100_000, bad_row=99_000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = ck.query(t, period="2025", metrics=["deal_count"], collect_errors=True, output="pyarrow")
    bad = [w.message for w in caught if isinstance(w.message, ck.BadRowsWarning)]
    assert len(bad) == 1 and len(bad[0].errors) == 1
    assert bad[0].errors[0].row == 99_000 and bad[0].errors[0].column == "amount"
    assert caught[0].filename == __file__  # the warning points at the user's call
    whole = ck.load(t, collect_errors=True)
    same(out, ck.query(whole, period="2025", metrics=["deal_count"], output="pyarrow"))
    with pytest.raises(ck.ChannelKpiError, match="row 99000"):
        ck.query(t, period="2025", metrics=["deal_count"])
