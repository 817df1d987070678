"""Partial states and the streaming path: the columnar fold, the stream (Parquet, CSV, a
RecordBatchReader) and merged partials all equal the row path (ck.query); the bench smoke."""

from __future__ import annotations

import importlib.util
import json
import sys

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

import channel_kpi as ck
import channel_kpi.scale as cs
from channel_kpi import _native

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benches"))
import workload  # noqa: E402

KW = {"metrics": workload.METRICS, "period": "2025", "by": "partner"}


def sort(t: pa.Table) -> pa.Table:
    return t.sort_by([("partner", "ascending")])


@pytest.fixture(scope="module")
def deals() -> pa.Table:
    return workload.generate(30_000, seed=7)


@pytest.fixture(scope="module")
def expected(deals: pa.Table) -> pa.Table:
    """The row path: load (Deal records), then the engine."""
    return sort(ck.query(deals, output="pyarrow", **KW))


def test_columnar_equals_row_path(deals, expected):
    for threads in (1, 2, 3):
        assert sort(cs.finish(cs.partial(deals, threads=threads, **KW))).equals(expected)


def test_stream_from_parquet_csv_and_reader(tmp_path, deals, expected):
    pq.write_table(deals, tmp_path / "d.parquet", row_group_size=5000)
    assert sort(cs.finish(cs.stream_partial(tmp_path / "d.parquet", batch_size=4096, **KW))).equals(expected)
    reader = pa.RecordBatchReader.from_batches(deals.schema, deals.to_batches(max_chunksize=3000))
    assert sort(cs.finish(cs.stream_partial(reader, threads=2, **KW))).equals(expected)
    # CSV: amounts are read as floats (the row path's conversion, batch by batch)
    pcsv.write_csv(deals.slice(0, 3000), tmp_path / "d.csv")
    small = sort(ck.query(deals.slice(0, 3000), output="pyarrow", **KW))
    assert sort(cs.finish(cs.stream_partial(tmp_path / "d.csv", batch_size=500, **KW))).equals(small)


def test_attr_columns_group_on_the_columnar_path(deals):
    """Extra columns are attrs (``attrs: "all"``): a text one (plain and dictionary-encoded,
    with blanks and nulls) and a number one, grouped by through the fold, the stream and
    merged partials, equal the loaded table's query."""
    n = deals.num_rows
    region = pa.array([None if i % 9 == 0 else [" EMEA", "APAC ", "", "LATAM"][i % 4] for i in range(n)])
    seats = pa.array([None if i % 7 == 0 else i % 5 for i in range(n)], pa.int64())
    t = deals.append_column("region", region).append_column("seats", seats)
    for by in (["attr:region"], ["partner", "attr:seats"], ["attr:region", "attr:seats"]):
        kw = {**KW, "by": by}
        order = [(c, "ascending") for c in (b.removeprefix("attr:") for b in by)]
        want = ck.query(t, output="pyarrow", **kw).sort_by(order)
        assert want.num_rows >= 4  # every region, and none
        coded = t.set_column(t.schema.get_field_index("region"), "region", region.dictionary_encode())
        for table in (t, coded):
            assert cs.finish(cs.partial(table, threads=2, **kw)).sort_by(order).equals(want), by
        reader = pa.RecordBatchReader.from_batches(t.schema, t.to_batches(max_chunksize=4000))
        assert cs.finish(cs.stream_partial(reader, threads=2, **kw)).sort_by(order).equals(want), by
        parts = [cs.partial(coded.slice(i, 10_000), **kw).to_bytes() for i in range(0, n, 10_000)]
        assert cs.finish(cs.merge(parts)).sort_by(order).equals(want), by


def test_partials_ship_as_bytes_and_merge(deals, expected):
    parts = [cs.partial(deals.slice(i, 10_000), **KW).to_bytes() for i in range(0, 30_000, 10_000)]
    assert sort(cs.finish(cs.merge(reversed(parts)))).equals(expected)
    other = cs.partial(deals.slice(0, 10), metrics=["won_revenue"], period="2025")
    with pytest.raises(ck.MergeError):
        cs.merge([parts[0], other])
    with pytest.raises(ck.MergeError):
        _native.Partial.from_bytes(b"not states")


def test_bad_rows_name_the_row(deals):
    """A bad row is the error loading the table gives (the same reading), naming its row."""
    rows = deals.slice(0, 100).to_pylist()
    rows[42]["status"] = "maybe"
    bad = pa.Table.from_pylist(rows, schema=deals.schema)
    with pytest.raises(ck.ParseError) as e:
        cs.partial(bad, **KW)
    assert e.value.row == 42 and e.value.column == "status" and e.value.value == "maybe"
    with pytest.raises(ck.ParseError) as loaded:
        ck.load(deals=bad)
    assert str(loaded.value) == str(e.value)


@pytest.mark.skipif(importlib.util.find_spec("duckdb") is None, reason="duckdb is not installed")
def test_bench_smoke():
    """The benchmark's peers compute the same results on 10 k rows (its equality check)."""
    import bench_deals

    t = workload.generate(10_000)
    pl_df, pd_df, con = bench_deals.frames(t)
    bench_deals.check_all(t, bench_deals.ours(t), pl_df, pd_df, con)
    assert json.loads(bench_deals.Q)["group_by"] == ["partner"]


@pytest.mark.skipif(importlib.util.find_spec("duckdb") is None, reason="duckdb is not installed")
def test_bench_public_smoke():
    """bench_public.py's equality checks hold on 20 k rows for every documented call it times
    (a scorecard, a bucketed and compared query, a trend), so its ratios compare like with like."""
    import bench_public
    import duckdb
    import polars as pl

    t = workload.generate(20_000)
    pl_df, con = pl.from_arrow(t), duckdb.connect()
    for ours, check in [(bench_public.a_ours, bench_public.a_check), (bench_public.b_ours, bench_public.b_check),
                        (bench_public.c_ours, bench_public.c_check)]:  # fmt: skip
        check(t, ours(t), pl_df, con)
    # the checks can fail: a wrong revenue is caught
    bad = bench_public.b_ours(t)
    i = bad.schema.get_field_index("won_revenue")
    bad = bad.set_column(i, "won_revenue", pa.array([None] * bad.num_rows, bad.schema.field(i).type))
    with pytest.raises(AssertionError, match="won_revenue"):
        bench_public.b_check(t, bad, pl_df, con)
