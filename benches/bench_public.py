"""The documented calls a user makes, side by side with polars and duckdb computing the same
thing in one run (issue 12, items a–c and the Python half of d): every peer's results are
checked equal to ours first, then each is timed best-of-N from the input as the user holds it
(a pyarrow table; polars gets its zero-copy frame, duckdb the registered Arrow table).

    .venv/bin/python benches/bench_public.py --rows 1000000 [10000000] [--repeat 3]

Workloads (the standard deals table of ``workload.py``):

a. ``ck.scorecard(table, period="2025", by="partner", metrics=STANDARD)``;
b. ``ck.query(table, metrics=[won_revenue, close_rate], period="2025", by="owner",
   buckets="quarter", compare_to="previous_period")`` (each quarter against the one before);
c. ``ck.trend(table, period="2025", buckets="month", by="channel")`` (won revenue, close rate);
d. ``ck.scorecard(dataset, …)`` on a ``ck.load``-ed Dataset (the load timed apart; then, in a
   fresh process, the memory the loaded Dataset holds and the load's peak against the table's
   Arrow size), and C
   ``ckpi_dataset_run`` on a dataset loaded by ``ckpi_dataset_load_dir`` (``bench_c_run.py``:
   needs ``cargo build --release -p channel-kpi-c``, skipped with a note otherwise).

Prints one line per workload: seconds of ours and each peer, and ours ÷ the faster peer; then
ours in nanoseconds per row against the scan floor of the columns the workload reads (``READS``):
the best time of one pass over every byte of their Arrow buffers on one core (numpy's xor
reduction over 8-byte words, bound by memory bandwidth), which no engine reading those columns
can beat on one core.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import os
import platform
import sys
import time
from datetime import date
from decimal import Decimal
from typing import Any, Callable

import pyarrow as pa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_c_run  # noqa: E402
import bench_deals  # noqa: E402
import workload  # noqa: E402

import channel_kpi as ck  # noqa: E402

STANDARD = workload.METRICS

# The columns each workload needs (what a query must read to compute it: the ids for the
# duplicate check, the key, the status, the dates, the amount and its currency).
FACTS = ["deal_id", "status", "created_on", "closed_on", "amount", "currency"]
READS = {"a": ["partner_id", *FACTS], "b": ["owner_id", *FACTS], "c": ["channel", *FACTS], "d": ["partner_id", *FACTS]}


def best(f: Callable[[], Any], repeat: int) -> float:
    return bench_deals.best(f, repeat)


# ---- a: the standard scorecard -------------------------------------------------------------------


def a_ours(t: pa.Table) -> pa.Table:
    return ck.scorecard(t, period="2025", by="partner", metrics=STANDARD, output="pyarrow")


def a_check(t: pa.Table, ours_t: pa.Table, pl_df: Any, con: Any) -> None:
    """bench_deals' exact check of the nine columns, with ``partner`` as the key."""
    r = bench_deals.polars_query(pl_df)
    bench_deals._check("polars", ours_t, {x["partner_id"]: (x["won_count"], x["won_revenue"], x["lost_count"],
                       x["cycle_sum"] or 0, x["pipeline_count"], x["pipeline_value"]) for x in r.to_dicts()})  # fmt: skip
    r = bench_deals.duckdb_query(con, t)
    bench_deals._check("duckdb", ours_t, {x["partner_id"]: (x["won_count"], x["won_revenue"], x["lost_count"],
                       x["cycle_sum"] or 0, x["pipeline_count"], x["pipeline_value"]) for x in r.to_pylist()})  # fmt: skip


# ---- b, c: won revenue and close rate per (group, bucket) ---------------------------------------

QUARTERS = [(date(2025, m, 1), date(2025 + (m + 3 > 12), (m + 2) % 12 + 1, 1)) for m in (1, 4, 7, 10)]
# "previous_period" of each quarter is the quarter before it: Q4 2024 … Q3 2025
PREV_QUARTERS = [(date(2024, 10, 1), date(2025, 1, 1))] + QUARTERS[:3]
MONTHS = [(date(2025, m, 1), date(2025 + (m == 12), m % 12 + 1, 1)) for m in range(1, 13)]


def b_ours(t: pa.Table) -> pa.Table:
    return ck.query(t, metrics=["won_revenue", "close_rate"], period="2025", by="owner", buckets="quarter",
                    compare_to="previous_period", output="pyarrow")  # fmt: skip


def c_ours(t: pa.Table) -> pa.Table:
    return ck.trend(t, period="2025", buckets="month", by="channel", output="pyarrow")


def polars_buckets(df: Any, key: str, buckets: list) -> Any:
    """Per (key, bucket start): won count and revenue, lost count — closed deals only."""
    import polars as pl

    closed = df.lazy().filter(pl.col("closed_on").is_between(buckets[0][0], buckets[-1][1], closed="left"))
    # the bucket a close date falls in: the last start ≤ it (buckets tile the range)
    starts = [b[0] for b in buckets]
    bucket = pl.lit(None, dtype=pl.Date)
    for s in starts:
        bucket = pl.when(pl.col("closed_on") >= s).then(pl.lit(s)).otherwise(bucket)
    return (
        closed.with_columns(bucket.alias("bucket"))
        .group_by(key, "bucket")
        .agg(
            (pl.col("status") == "won").sum().alias("won"),
            pl.col("amount").filter(pl.col("status") == "won").sum().alias("won_revenue"),
            (pl.col("status") == "lost").sum().alias("lost"),
        )
        .collect()
    )


def duckdb_buckets(con: Any, t: pa.Table, key: str, unit: str, p0: date, p1: date) -> Any:
    con.register("deals", t)
    return con.sql(f"""
        SELECT {key}, date_trunc('{unit}', closed_on)::DATE AS bucket,
          count(*) FILTER (WHERE status = 'won') AS won,
          sum(amount) FILTER (WHERE status = 'won') AS won_revenue,
          count(*) FILTER (WHERE status = 'lost') AS lost
        FROM deals WHERE closed_on >= DATE '{p0}' AND closed_on < DATE '{p1}'
        GROUP BY ALL""").to_arrow_table()


def bucket_check(name: str, ours_t: pa.Table, key: str, ours_key: str, rows: list, prev: bool = False) -> None:
    """``rows``: dicts with key, bucket, won, won_revenue, lost (peer's); ours by (key, start)."""
    mine = {(r[ours_key], r["period_start"]): r for r in ours_t.to_pylist()}
    if prev:  # a bucket's values are the previous-period values of the bucket after it
        after = {b0: b1 for b0, b1 in PREV_QUARTERS}
        rows = [dict(r, bucket=after[r["bucket"]]) for r in rows]
    suffix = "_prev" if prev else ""
    seen = 0
    for r in rows:
        m = mine.get((r[key], r["bucket"]))
        if m is None:
            raise AssertionError(f"{name}: no row of ours for {r[key]!r} {r['bucket']}")
        rev = Decimal(str(r["won_revenue"] or 0))
        rate = r["won"] / (r["won"] + r["lost"]) if r["won"] + r["lost"] else None
        if m["won_revenue" + suffix] != rev:
            raise AssertionError(f"{name}: {r[key]!r} {r['bucket']}: won_revenue{suffix} {m['won_revenue' + suffix]} vs {rev}")
        got = m["close_rate" + suffix]
        if (got is None) != (rate is None) or (rate is not None and abs(got - rate) > 1e-12):
            raise AssertionError(f"{name}: {r[key]!r} {r['bucket']}: close_rate{suffix} {got} vs {rate}")
        seen += 1
    if seen == 0:
        raise AssertionError(f"{name}: nothing compared")


def b_check(t: pa.Table, ours_t: pa.Table, pl_df: Any, con: Any) -> None:
    bucket_check("polars", ours_t, "owner_id", "owner", polars_buckets(pl_df, "owner_id", QUARTERS).to_dicts())
    bucket_check("polars (previous)", ours_t, "owner_id", "owner", polars_buckets(pl_df, "owner_id", PREV_QUARTERS).to_dicts(), prev=True)
    bucket_check("duckdb", ours_t, "owner_id", "owner", duckdb_buckets(con, t, "owner_id", "quarter", date(2025, 1, 1), date(2026, 1, 1)).to_pylist())


def c_check(t: pa.Table, ours_t: pa.Table, pl_df: Any, con: Any) -> None:
    bucket_check("polars", ours_t, "channel", "channel", polars_buckets(pl_df, "channel", MONTHS).to_dicts())
    bucket_check("duckdb", ours_t, "channel", "channel", duckdb_buckets(con, t, "channel", "month", date(2025, 1, 1), date(2026, 1, 1)).to_pylist())


def b_peers(t: pa.Table, pl_df: Any, con: Any) -> dict:
    return {
        "polars": lambda: (polars_buckets(pl_df, "owner_id", QUARTERS), polars_buckets(pl_df, "owner_id", PREV_QUARTERS)),
        "duckdb": lambda: duckdb_buckets(con, t, "owner_id", "quarter", date(2024, 10, 1), date(2026, 1, 1)),
    }


def c_peers(t: pa.Table, pl_df: Any, con: Any) -> dict:
    return {
        "polars": lambda: polars_buckets(pl_df, "channel", MONTHS),
        "duckdb": lambda: duckdb_buckets(con, t, "channel", "month", date(2025, 1, 1), date(2026, 1, 1)),
    }


def a_peers(t: pa.Table, pl_df: Any, con: Any) -> dict:
    return {"polars": lambda: bench_deals.polars_query(pl_df), "duckdb": lambda: bench_deals.duckdb_query(con, t)}


def report(label: str, ours_s: float, peers: dict) -> None:
    fastest = min(peers.values())
    cols = "  ".join(f"{k} {v:.3f} s" for k, v in peers.items())
    print(f"{label:58s} ours {ours_s:7.3f} s  {cols}  ours/fastest = {ours_s / fastest:6.2f}")


def scan_floor(t: pa.Table, columns: list, repeat: int) -> tuple[float, int]:
    """(seconds, bytes): the best time of one pass over every byte of the Arrow buffers of
    ``columns`` (validity, offsets, values) on one core, and how many bytes that is."""
    import numpy as np

    words = [np.frombuffer(b, dtype=np.uint8) for c in columns for chunk in t[c].chunks for b in chunk.buffers() if b is not None]
    words = [w[: len(w) // 8 * 8].view(np.uint64) for w in words]
    return best(lambda: [np.bitwise_xor.reduce(w) for w in words], repeat), sum(w.nbytes for w in words)


def per_row(t: pa.Table, key: str, ours_s: float, repeat: int) -> None:
    floor_s, nbytes = scan_floor(t, READS[key], repeat)
    rows = t.num_rows
    print(f"   ns/row: ours {ours_s / rows * 1e9:.1f}; scan floor {floor_s / rows * 1e9:.2f} ({nbytes / 2**20:.0f} MB of "
          f"{', '.join(READS[key])}, one core): {ours_s / floor_s:.0f}x the floor")  # fmt: skip


def run(rows: int, repeat: int, c_bin: str | None) -> None:
    import duckdb
    import polars as pl

    t = workload.generate(rows)
    pl_df, con = pl.from_arrow(t), duckdb.connect()
    print(f"## {rows:,} rows (every peer's results checked equal to ours first)")
    for key, label, ours, check, peers in [
        ("a", "a. ck.scorecard(table, by=partner)", a_ours, a_check, a_peers),
        ("b", "b. ck.query(table, by=owner, quarter, previous_period)", b_ours, b_check, b_peers),
        ("c", "c. ck.trend(table, month, by=channel)", c_ours, c_check, c_peers),
    ]:
        check(t, ours(t), pl_df, con)
        ours_s = best(lambda: ours(t), repeat)
        report(label, ours_s, {k: best(f, repeat) for k, f in peers(t, pl_df, con).items()})
        per_row(t, key, ours_s, repeat)
    t0 = time.perf_counter()
    ds = ck.load(t)
    load_s = time.perf_counter() - t0
    ds_s = best(lambda: ck.scorecard(ds, period="2025", by="partner", metrics=STANDARD, output="pyarrow"), repeat)
    report("d. ck.scorecard(dataset) on a loaded Dataset", ds_s, {k: best(f, repeat) for k, f in a_peers(t, pl_df, con).items()})
    per_row(t, "d", ds_s, repeat)
    print(f"   ck.load(table): {load_s:.3f} s ({load_s / rows * 1e9:.0f} ns/row)")
    # Resident memory after the load, as a user sees it, and with mimalloc told to give freed
    # pages back at once (MIMALLOC_PURGE_DELAY=0): the Dataset alone, without the load's
    # freed scratch the allocator keeps for the next call.
    for label, env in [("as is", {}), ("freed pages returned at once", {"MIMALLOC_PURGE_DELAY": "0"})]:
        out = subprocess.run([sys.executable, __file__, "--load-memory-of", str(rows)], capture_output=True, text=True,
                             check=True, env={**os.environ, **env})  # fmt: skip
        m = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"   ck.load(table) memory, fresh process, {label}: {m['held_mb']:.0f} MB resident after = "
              f"{m['held_mb'] / m['arrow_mb']:.2f}x the table's Arrow size ({m['arrow_mb']:.0f} MB); "
              f"peak {m['peak_mb']:.0f} MB = {m['peak_mb'] / m['arrow_mb']:.2f}x")
    if c_bin:
        bench_c_run.run(t, repeat, pl_df, con, c_bin)
    else:
        print("   C ckpi_dataset_run: skipped (the C library is not built: cargo build --release -p channel-kpi-c)")
    sys.stdout.flush()


def load_memory(rows: int) -> None:
    """In a fresh process: the workload table, then ``ck.load`` of it; prints (JSON) the
    table's Arrow size, the resident memory the loaded Dataset holds and the peak while
    loading (both above the table's)."""
    t = workload.generate(rows)
    bench_deals.reset_peak_rss()
    base = bench_deals.rss_kib()
    ds = ck.load(t)
    held = bench_deals.rss_kib() - base
    peak = bench_deals.peak_rss_kib() - base
    assert ds is not None
    print(json.dumps({"arrow_mb": t.nbytes / 2**20, "held_mb": held / 1024, "peak_mb": peak / 1024}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--load-memory-of", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.load_memory_of:
        load_memory(a.load_memory_of)
        return
    print(f"# {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    c_bin = bench_c_run.c_binary()
    for rows in a.rows:
        run(rows, a.repeat, c_bin)


if __name__ == "__main__":
    main()
