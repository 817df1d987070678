"""C ``ckpi_dataset_run`` on a loaded dataset (issue 12, item 4d, the C half; the Rust half is
``cargo bench -p channel-kpi --features arrow --bench deals``), side by side with polars and
duckdb computing the same numbers on the same data in this run.

    cargo build --release -p channel-kpi-c
    .venv/bin/python benches/bench_c_run.py --rows 1000000 [10000000] [--repeat 5]

The standard deals of ``workload.py`` are written as ``deals.parquet``; ``benches/c/bench_c.c``
(built here with gcc against ``target/release/libchannel_kpi_c.so`` when missing or older)
loads them once with ``ckpi_dataset_load_dir``, runs the standard scorecard (per partner, 2025,
``workload.METRICS``) once (that run validates the dataset), then N more times and reports the
fastest. Its result rows are checked equal to polars' and duckdb's (bench_deals' exact check:
counts, decimal sums, derived metrics) before any time is printed. The peers get the same
table in memory (polars its zero-copy frame, duckdb the registered Arrow table), timed best-of-N.
``bench_public.py`` prints the same line after its own.

The C program and how the other benches use it: ``c_binary()`` builds or finds it (``CKPI_BENCH_C``
names a prebuilt one, as scripts/ci/c.sh does), ``run_c()`` runs it and returns its timings and
result rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from decimal import Decimal
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workload  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "benches", "c", "bench_c.c")
HEADER = os.path.join(ROOT, "include", "channel_kpi.h")
LIB_DIR = os.path.join(ROOT, "target", "release")
BIN = os.path.join(LIB_DIR, "bench_c")

#: Result columns that are text (group keys, window bounds); the others by name, see kind().
TEXT_COLUMNS = {"partner", "owner", "channel", "period_start", "period_end"}


def kind(col: str) -> type:
    """The Python type of a result column of the standard query: counts are ints, rates and days
    floats (as ``ckpi_result_get_float`` gives them), money and other decimals exact."""
    if col in TEXT_COLUMNS:
        return str
    if col.endswith(("_count", "_n")) or col == "open_deals_at_end":
        return int
    if col.startswith(("close_rate", "sales_cycle_days")):
        return float
    return Decimal


def c_binary() -> str | None:
    """The benchmark program's path, built with gcc when missing or older than its source, the
    header or the library; None (with the reason on stderr) when the library is not built."""
    given = os.environ.get("CKPI_BENCH_C")
    if given:
        return given
    lib = os.path.join(LIB_DIR, "libchannel_kpi_c.so")
    if not os.path.exists(lib):
        print(f"# C: {lib} not found (cargo build --release -p channel-kpi-c): the C column is skipped", file=sys.stderr)
        return None
    newest = max(os.path.getmtime(p) for p in (SRC, HEADER, lib))
    if not os.path.exists(BIN) or os.path.getmtime(BIN) < newest:
        # The library's SONAME is libchannel_kpi.so.<ABI> (what scripts/install-c.sh installs);
        # cargo names the file libchannel_kpi_c.so: a link under the SONAME, found by rpath.
        soname = re.search(rb"libchannel_kpi\.so\.\d+", subprocess.run(["readelf", "-d", lib], capture_output=True, check=True).stdout)
        libdir = os.path.join(LIB_DIR, "bench_c_lib")
        os.makedirs(libdir, exist_ok=True)
        for name in {"libchannel_kpi.so", soname.group().decode() if soname else "libchannel_kpi.so"}:
            link = os.path.join(libdir, name)
            if os.path.lexists(link):
                os.remove(link)
            os.symlink(lib, link)
        cmd = ["gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{os.path.join(ROOT, 'include')}", SRC,
               f"-L{libdir}", "-lchannel_kpi", f"-Wl,-rpath,{libdir}", "-o", BIN]  # fmt: skip
        subprocess.run(cmd, check=True)
    return BIN


def query_json(key: str) -> str:
    """The standard scorecard (workload.QUERY) grouped by ``key``."""
    return json.dumps(dict(workload.QUERY, group_by=[key]))


def c_cmd(binary: str, directory: str, key: str, mapping: str | None = None, repeat: int = 0) -> list[str]:
    cmd = [binary, directory, query_json(key)]
    if mapping:
        cmd += ["--mapping", mapping]
    if repeat:
        cmd += ["--repeat", str(repeat)]
    return cmd


def parse_c(out: str) -> tuple[dict, list[dict]]:
    """bench_c's stdout: ({load_s, first_run_s, best_run_s (None when no extra run)}, rows as
    dicts of typed values: ints, floats, Decimals, text; an empty cell (absent) is None)."""
    head, _, body = out.partition("\n")
    if not head.startswith("# load_s="):
        raise ValueError(f"bench_c printed no timing line: {head!r}")
    fields = dict(kv.split("=", 1) for kv in head[2:].split())
    times = {k: (None if fields[k] == "-" else float(fields[k])) for k in ("load_s", "first_run_s", "best_run_s")}
    rows = []
    for r in csv.DictReader(io.StringIO(body)):
        typed: dict[str, Any] = {}
        for k, v in r.items():
            typed[k] = None if v == "" else kind(k)(v)
        rows.append(typed)
    return times, rows


class Rows:
    """Result rows with the ``to_pylist`` that bench_deals' check reads."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def to_pylist(self) -> list[dict]:
        return self.rows


def check_c(rows: list[dict], t: Any, pl_df: Any, con: Any) -> None:
    """bench_deals' exact check of the nine columns against polars and duckdb."""
    import bench_deals

    ours = Rows(rows)
    for name, got in [("polars", bench_deals.polars_query(pl_df).to_dicts()), ("duckdb", bench_deals.duckdb_query(con, t).to_pylist())]:
        bench_deals._check(f"C vs {name}", ours, {x["partner_id"]: (x["won_count"], x["won_revenue"], x["lost_count"],
                           x["cycle_sum"] or 0, x["pipeline_count"], x["pipeline_value"]) for x in got})  # fmt: skip


def run_c(binary: str, directory: str, key: str, mapping: str | None = None, repeat: int = 0) -> tuple[dict, list[dict]]:
    p = subprocess.run(c_cmd(binary, directory, key, mapping, repeat), capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"bench_c failed on {directory}:\n{p.stderr[-3000:]}")
    return parse_c(p.stdout)


def run(t: Any, repeat: int, pl_df: Any, con: Any, binary: str) -> None:
    """Writes ``t`` as deals.parquet, times the C run, checks it, prints the line with the peers."""
    import bench_deals
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(prefix="ckpi-c-run-") as d:
        pq.write_table(t, os.path.join(d, "deals.parquet"))
        times, rows = run_c(binary, d, "partner", repeat=repeat)
    check_c(rows, t, pl_df, con)
    peers = {
        "polars": bench_deals.best(lambda: bench_deals.polars_query(pl_df), repeat),
        "duckdb": bench_deals.best(lambda: bench_deals.duckdb_query(con, t), repeat),
    }
    ours, n = times["best_run_s"], t.num_rows
    cols = "  ".join(f"{k} {v:.3f} s" for k, v in peers.items())
    print(f"{'d. C ckpi_dataset_run on a loaded dataset':58s} ours {ours:7.3f} s  {cols}  "
          f"ours/polars = {ours / peers['polars']:6.2f}  ours/duckdb = {ours / peers['duckdb']:6.2f}")  # fmt: skip
    print(f"   C ckpi_dataset_load_dir (deals.parquet): {times['load_s']:.3f} s ({times['load_s'] / n * 1e9:.0f} ns/row); "
          f"first run (validates): {times['first_run_s']:.3f} s; best of {repeat} runs: {ours:.3f} s ({ours / n * 1e9:.0f} ns/row)")  # fmt: skip
    sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    import duckdb
    import polars as pl

    binary = c_binary()
    if binary is None:
        sys.exit("the C library is not built: cargo build --release -p channel-kpi-c")
    print(f"# {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    for rows in a.rows:
        t = workload.generate(rows)
        print(f"## {rows:,} rows (C's results checked equal to polars' and duckdb's first)")
        run(t, a.repeat, pl.from_arrow(t), duckdb.connect(), binary)


if __name__ == "__main__":
    main()
