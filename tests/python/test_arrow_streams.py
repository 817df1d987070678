"""Tables in through the Arrow PyCapsule interface from producers other than pandas / polars /
pyarrow tables: any object with ``__arrow_c_stream__``, a one-shot RecordBatchReader, a duckdb
result. The result comes back as a pyarrow table (the caller's library is unknown)."""

from decimal import Decimal

import pyarrow as pa
import pytest

import channel_kpi as ck

DEALS = pa.table({
    "deal_id": ["A", "B", "C"],
    "partner_id": ["acme", "acme", "bolt"],
    "status": ["won", "won", "lost"],
    "created_on": ["2025-05-01"] * 3,
    "closed_on": ["2025-06-20", "2025-06-29", "2025-06-25"],
    "amount": [Decimal("200"), Decimal("400"), Decimal("70")],
    "currency": ["USD"] * 3,
})  # fmt: skip


class Producer:
    """A minimal third-party producer: only the PyCapsule method."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def __arrow_c_stream__(self, requested_schema=None):
        return self.table.__arrow_c_stream__(requested_schema)


def test_any_object_with_the_capsule_method():
    assert ck.avg_deal_size(Producer(DEALS), period="2025-06") == Decimal("300")
    out = ck.scorecard(Producer(DEALS), period="2025-06", metrics=["close_rate"])
    assert isinstance(out, pa.Table) and out.column("close_rate").to_pylist() == [1.0, 0.0]


def test_record_batch_reader_is_read_once():
    reader = pa.RecordBatchReader.from_batches(DEALS.schema, DEALS.to_batches(max_chunksize=1))
    assert ck.won_revenue(reader, period="2025-06") == Decimal("600")


def test_duckdb_result():
    duckdb = pytest.importorskip("duckdb", reason="duckdb is installed by scripts/ci/python.sh")
    con = duckdb.connect()
    con.register("deals", DEALS)
    rel = con.sql("select deal_id, partner_id, status, created_on::date as created_on, "
                  "closed_on::date as closed_on, amount::decimal(18, 2) as amount, currency from deals")  # fmt: skip
    assert ck.avg_deal_size(rel, period="2025-06") == Decimal("300")
