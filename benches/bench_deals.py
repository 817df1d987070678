"""The standard deals workload side by side in one process: channel_kpi vs polars, duckdb and
pandas computing the same query (results checked equal to ours first), input in memory as
Arrow; then peak memory of each, one fresh process per library.

channel_kpi is timed through its documented calls only (issue 12): ``channel_kpi.scale.partial``
(the columnar fold of a deals table, on all cores) then ``channel_kpi.scale.finish`` (the
result as a pyarrow table).

    .venv/bin/python benches/bench_deals.py --rows 1000000 10000000 [--repeat 3] [--no-memory]

Prints one line per library and size: best-of-N seconds, and ratio to channel_kpi.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Callable

import pyarrow as pa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workload  # noqa: E402

import channel_kpi.scale as cs  # noqa: E402

#: The query timed (``workload.QUERY``: the standard metrics per partner over 2025).
Q = json.dumps(workload.QUERY)
P0, P1 = workload.PERIOD
SIX = Decimal("0.000001")

#: The compared columns: (ours, meaning).
COLUMNS = ["won_count", "won_revenue", "avg_deal_size", "lost_count", "close_rate", "sales_cycle_days",
           "pipeline_count", "pipeline_value", "sales_velocity"]  # fmt: skip



def rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def reset_peak_rss() -> None:
    """Resets VmHWM to the current RSS (Linux: `5` to /proc/self/clear_refs), so the peak
    measured next is the query's, not the input preparation's."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_rss_kib() -> int:
    """This process's peak resident set (VmHWM, KiB). Not ru_maxrss: Linux carries that over
    from the parent across fork + exec, so a child would report its parent's peak."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))

def ours(t: pa.Table, threads: int = 0) -> pa.Table:
    q = workload.QUERY
    p = cs.partial(t, metrics=q["metrics"], period=q["period"], by=q["group_by"], threads=threads)
    return cs.finish(p, output="pyarrow")


def polars_query(df: Any) -> Any:
    import polars as pl

    won = (pl.col("status") == "won") & pl.col("closed_on").is_between(P0, P1, closed="left")
    lost = (pl.col("status") == "lost") & pl.col("closed_on").is_between(P0, P1, closed="left")
    open_ = (pl.col("created_on") < P1) & (pl.col("closed_on").is_null() | (pl.col("closed_on") >= P1))
    cyc = (pl.col("closed_on") - pl.col("created_on")).dt.total_days()
    g = (
        df.lazy()
        .filter(won | lost | open_ | pl.col("created_on").is_between(P0, P1, closed="left"))
        .group_by("partner_id")
        .agg(
            won.sum().alias("won_count"),
            pl.col("amount").filter(won).sum().alias("won_revenue"),
            lost.sum().alias("lost_count"),
            cyc.filter(won).sum().alias("cycle_sum"),
            open_.sum().alias("pipeline_count"),
            pl.col("amount").filter(open_).sum().alias("pipeline_value"),
        )
        .with_columns(
            (pl.col("won_revenue").cast(pl.Float64) / pl.col("won_count")).alias("avg_deal_size"),
            (pl.col("won_count") / (pl.col("won_count") + pl.col("lost_count"))).alias("close_rate"),
            (pl.col("cycle_sum") / pl.col("won_count")).alias("sales_cycle_days"),
        )
        .with_columns(
            (pl.col("pipeline_count") * pl.col("close_rate") * pl.col("avg_deal_size") / pl.col("sales_cycle_days")).alias(
                "sales_velocity"
            )
        )
    )
    return g.collect()


DUCK_SQL = f"""
WITH d AS (
  SELECT partner_id, amount,
    status = 'won'  AND closed_on >= DATE '{P0}' AND closed_on < DATE '{P1}' AS won,
    status = 'lost' AND closed_on >= DATE '{P0}' AND closed_on < DATE '{P1}' AS lost,
    created_on < DATE '{P1}' AND (closed_on IS NULL OR closed_on >= DATE '{P1}') AS open_,
    created_on >= DATE '{P0}' AND created_on < DATE '{P1}' AS created,
    closed_on - created_on AS cyc
  FROM deals)
SELECT partner_id,
  count(*) FILTER (WHERE won) AS won_count,
  sum(amount) FILTER (WHERE won) AS won_revenue,
  count(*) FILTER (WHERE lost) AS lost_count,
  sum(cyc) FILTER (WHERE won) AS cycle_sum,
  count(*) FILTER (WHERE open_) AS pipeline_count,
  sum(amount) FILTER (WHERE open_) AS pipeline_value,
  sum(amount) FILTER (WHERE won) / nullif(count(*) FILTER (WHERE won), 0) AS avg_deal_size,
  (count(*) FILTER (WHERE won)) / nullif(count(*) FILTER (WHERE won OR lost), 0) AS close_rate,
  (sum(cyc) FILTER (WHERE won)) / nullif(count(*) FILTER (WHERE won), 0) AS sales_cycle_days,
  (count(*) FILTER (WHERE open_)) * (sum(amount) FILTER (WHERE won)) * (count(*) FILTER (WHERE won))
    / nullif((count(*) FILTER (WHERE won OR lost)) * (sum(cyc) FILTER (WHERE won)), 0) AS sales_velocity
FROM d WHERE won OR lost OR open_ OR created
GROUP BY partner_id
"""


def duckdb_query(con: Any, t: pa.Table) -> Any:
    con.register("deals", t)
    return con.sql(DUCK_SQL).to_arrow_table()


def pandas_query(df: Any) -> Any:
    import pandas as pd

    c, s = df["closed_on"], df["status"]
    p0, p1 = pd.Timestamp(P0), pd.Timestamp(P1)
    inside = (c >= p0) & (c < p1)
    won, lost = (s == "won") & inside, (s == "lost") & inside
    open_ = (df["created_on"] < p1) & (c.isna() | (c >= p1))
    x = pd.DataFrame(
        {
            "partner_id": df["partner_id"],
            "won": won,
            "lost": lost,
            "open_": open_,
            "won_amount": df["amount"].where(won, 0),
            "open_amount": df["amount"].where(open_, 0),
            "cyc": ((c - df["created_on"]).dt.days).where(won, 0),
        }
    )
    created = (df["created_on"] >= p0) & (df["created_on"] < p1)
    g = x[won | lost | open_ | created].groupby("partner_id", dropna=False).sum()
    g["avg_deal_size"] = g["won_amount"].astype("float64") / g["won"]
    g["close_rate"] = g["won"] / (g["won"] + g["lost"])
    g["sales_cycle_days"] = g["cyc"] / g["won"]
    g["sales_velocity"] = g["open_"] * g["close_rate"] * g["avg_deal_size"] / g["sales_cycle_days"]
    return g


# ---- equality: every peer's aggregates against ours -------------------------------------------


def _ours_rows(t: pa.Table) -> dict:
    return {r["partner"]: r for r in t.to_pylist()}


def _check(name: str, ours_t: pa.Table, rows: dict) -> None:
    """``rows``: partner → (won_count, won_revenue, lost_count, cycle_sum, open_count, open_value)."""
    mine = _ours_rows(ours_t)
    if set(mine) != set(rows):
        raise AssertionError(f"{name}: groups differ: {len(mine)} vs {len(rows)}")
    for k, (won, rev, lost, cyc, opn, oval) in rows.items():
        m = mine[k]
        rev, oval, cyc = Decimal(str(rev or 0)), Decimal(str(oval or 0)), int(cyc)
        exp = {
            "won_count": won,
            "lost_count": lost,
            "won_revenue": rev,
            "pipeline_count": opn,
            "pipeline_value": oval,
            "avg_deal_size": (rev / won).quantize(SIX, ROUND_HALF_EVEN) if won else None,
            "close_rate": won / (won + lost) if won + lost else None,
            "sales_cycle_days": cyc / won if won else None,
            "sales_velocity": (Decimal(opn) * rev * won / (Decimal(won + lost) * cyc)).quantize(SIX, ROUND_HALF_EVEN)
            if won and cyc
            else None,
        }
        for col, want in exp.items():
            got = m[col]
            ok = got == want if not isinstance(want, float) else abs(got - want) <= 1e-9 * max(1.0, abs(want))
            if not ok:
                raise AssertionError(f"{name}: partner {k!r} column {col}: ours {got!r}, expected {want!r}")


def check_all(t: pa.Table, ours_t: pa.Table, pl_df: Any, pd_df: Any, con: Any) -> None:
    r = polars_query(pl_df)
    _check("polars", ours_t, {x["partner_id"]: (x["won_count"], x["won_revenue"], x["lost_count"], x["cycle_sum"] or 0,
           x["pipeline_count"], x["pipeline_value"]) for x in r.to_dicts()})  # fmt: skip
    r = duckdb_query(con, t)
    _check("duckdb", ours_t, {x["partner_id"]: (x["won_count"], x["won_revenue"], x["lost_count"], x["cycle_sum"] or 0,
           x["pipeline_count"], x["pipeline_value"]) for x in r.to_pylist()})  # fmt: skip
    g = pandas_query(pd_df)
    _check("pandas", ours_t, {(None if isinstance(k, float) or k is None else k): (int(x.won), x.won_amount, int(x.lost),
           int(x.cyc), int(x.open_), x.open_amount) for k, x in g.iterrows()})  # fmt: skip


# ---- timing -------------------------------------------------------------------------------------


def best(f: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def frames(t: pa.Table, only: str = "") -> tuple:
    """The peers' inputs: a polars frame (zero copy), a pandas frame (a converted copy: amounts
    as exact pyarrow-backed decimals, dates as datetime64), a duckdb connection."""
    import duckdb
    import pandas as pd
    import polars as pl

    pd_df = None
    if only in ("", "pandas"):
        pd_df = t.to_pandas(types_mapper=lambda ty: pd.ArrowDtype(ty) if pa.types.is_decimal(ty) else None)
        pd_df["created_on"] = pd_df["created_on"].astype("datetime64[s]")
        pd_df["closed_on"] = pd_df["closed_on"].astype("datetime64[s]")
    return pl.from_arrow(t) if only in ("", "polars") else None, pd_df, duckdb.connect()


def run(t: pa.Table, repeat: int, pandas_repeat: int) -> dict:
    pl_df, pd_df, con = frames(t)
    ours_t = ours(t)
    check_all(t, ours_t, pl_df, pd_df, con)
    res = {
        "channel_kpi": best(lambda: ours(t), repeat),
        "duckdb": best(lambda: duckdb_query(con, t), repeat),
        "polars": best(lambda: polars_query(pl_df), repeat),
        "pandas": best(lambda: pandas_query(pd_df), pandas_repeat),
    }
    return res


def peak_memory(engine: str, path: str) -> None:
    """In a fresh process: the workload read from an Arrow IPC file, the engine's input made
    from it (pandas: a converted copy), then one run; prints the peak RSS before and after."""
    t = pa.ipc.open_file(path).read_all()
    # IPC buffers are only 8-byte aligned; decimal128 wants 16 (arrow-rs would copy them)
    i = t.schema.get_field_index("amount")
    t = t.set_column(i, "amount", pa.chunked_array([pa.concat_arrays(t["amount"].chunks)]))
    if engine == "channel_kpi":
        run = lambda: ours(t)  # noqa: E731
    else:
        pl_df, pd_df, con = frames(t, only=engine)
        run = {"duckdb": lambda: duckdb_query(con, t), "polars": lambda: polars_query(pl_df),
               "pandas": lambda: pandas_query(pd_df)}[engine]  # fmt: skip
    reset_peak_rss()
    base = rss_kib()
    run()
    peak = peak_rss_kib()
    print(json.dumps({"engine": engine, "base_mb": base / 1024, "peak_mb": peak / 1024, "growth_mb": (peak - base) / 1024}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pandas-repeat", type=int, default=1)
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--memory-of", help=argparse.SUPPRESS)
    ap.add_argument("--ipc", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.memory_of:
        peak_memory(a.memory_of, a.ipc)
        return
    print(f"# {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    for rows in a.rows:
        t = workload.generate(rows)
        res = run(t, a.repeat, a.pandas_repeat)
        me = res["channel_kpi"]
        print(f"## {rows:,} rows (results of polars, duckdb, pandas checked equal to channel_kpi's)")
        for k, v in res.items():
            print(f"{k:12s} {v:8.3f} s   {v / me:6.2f}× channel_kpi's time")
        fastest = min(v for k, v in res.items() if k != "channel_kpi")
        print(f"channel_kpi / fastest peer = {me / fastest:.2f}")
        if not a.no_memory:
            path = os.path.join(tempfile.gettempdir(), f"ckpi_bench_{rows}.arrow")
            with pa.ipc.new_file(path, t.schema) as w:
                w.write_table(t)
            for engine in res:
                out = subprocess.run([sys.executable, __file__, "--memory-of", engine, "--ipc", path],
                                     capture_output=True, text=True, check=True)  # fmt: skip
                m = json.loads(out.stdout)
                print(f"peak memory {engine:12s} {m['peak_mb']:7.0f} MB: input ready {m['base_mb']:.0f} MB, "
                      f"query +{m['growth_mb']:.0f} MB")  # fmt: skip
            os.remove(path)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
