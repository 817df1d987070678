"""File → scorecard (issue 13, item 6): the `channel-kpi` command and the C loader on generated
deals files, side by side with duckdb (read_csv / read_json / read_parquet + the same SQL) and
polars (scan_csv / scan_ndjson / scan_parquet + the same query), in one run; every result is
checked equal to the command's first (the C program's and each peer's), then each is timed
best-of-N, with its peak memory.

    cargo build --release -p channel-kpi-cli -p channel-kpi-c
    .venv/bin/python benches/bench_ingest.py --rows 1000000 [10000000] [--repeat 3]

The C column is ``benches/c/bench_c.c`` (built with gcc when missing or stale, see
``bench_c_run.py``): ``ckpi_dataset_load_dir`` on a directory holding just that file (a hard
link to it), with the mapping's text when the shape has one, then ``ckpi_dataset_run`` of the
same scorecard once; its time is the whole process like the command's, and its own split
(load + run) is printed beside it. The "C files" column is the same program with ``--files 1``:
``ckpi_query_run_files``, the C call that folds the files as it reads them (no dataset kept),
like the command. Without the C library the C columns are skipped, saying so.

Inputs, per size, written once into ``--dir`` (default: a temporary directory):

* **canonical**: the standard deals of ``workload.py`` (``deals.csv``, ``.jsonl``,
  ``.parquet``), the scorecard per partner over 2025 with the standard metrics;
* **maven**: the same deals in the shape of Maven's CRM export (``opportunity_id``,
  ``sales_agent``, ``deal_stage`` with values Prospecting / Engaging / Won / Lost,
  ``engage_date``, ``close_date``, ``close_value``, plus ``account``), read through a mapping like
  ``examples/mappings/maven.json``; the scorecard per sales agent (``--by owner``).

Timing: ours is the whole command (a fresh process: read, check, load, fold, print); a peer is
its read + query inside a fresh Python process (the interpreter's start and imports excluded, in
the peer's favour). Peak memory: the process's maximum resident set (``/usr/bin/time -v``, which
starts each process from a small parent, so no parent's pages are counted), imports included.
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
import time
from decimal import Decimal
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_c_run  # noqa: E402
import workload  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "target", "release", "channel-kpi")
P0, P1 = workload.PERIOD
FORMATS = {"csv": "deals.csv", "jsonl": "deals.jsonl", "parquet": "deals.parquet"}
STAGES = {"open": ["Prospecting", "Engaging"], "won": ["Won"], "lost": ["Lost"]}

MAVEN_MAPPING = {
    "deals": {
        "columns": {"deal_id": "opportunity_id", "owner_id": "sales_agent", "status": "deal_stage", "created_on": "engage_date",
                    "closed_on": "close_date", "amount": "close_value"},
        "values": {"status": {"Prospecting": "open", "Engaging": "open", "Won": "won", "Lost": "lost"}},
        "defaults": {"currency": "USD"},
        "attrs": ["account"],
    }
}  # fmt: skip

#: Per shape: the group key of the command's output and of the peers' query, and the columns
#: (name in the file → canonical name) the peers read.
SHAPES = {
    "canonical": {"key": "partner", "by": "partner_id", "cols": {c: c for c in
                  ["partner_id", "status", "created_on", "closed_on", "amount"]}},  # fmt: skip
    "maven": {"key": "owner", "by": "owner_id", "cols": {"sales_agent": "owner_id", "deal_stage": "status",
              "engage_date": "created_on", "close_date": "closed_on", "close_value": "amount"}},  # fmt: skip
}


# ---- inputs ---------------------------------------------------------------------------------------


def maven_shape(t: Any) -> Any:
    """The canonical deals as Maven's export would hold them."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(7)
    status = t["status"].to_numpy(zero_copy_only=False)
    stage = np.where(status == "won", "Won", np.where(status == "lost", "Lost", np.where(rng.random(len(t)) < 0.5, "Prospecting", "Engaging")))
    return pa.table({
        "opportunity_id": pc.utf8_slice_codeunits(t["deal_id"], 1),
        "sales_agent": t["owner_id"],
        "product": t["channel"],
        "account": pc.fill_null(t["partner_id"], ""),
        "deal_stage": pa.array(stage),
        "engage_date": t["created_on"],
        "close_date": t["closed_on"],
        "close_value": t["amount"],
    })  # fmt: skip


def write_inputs(rows: int, base: str, formats: list[str] | None = None) -> dict:
    """Writes both shapes in the ``formats`` asked (all three by default; once per size, a file
    already there kept); returns {(shape, format): path}."""
    import polars as pl
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    out = {}
    t = None
    for shape in SHAPES:
        d = os.path.join(base, f"{shape}-{rows}")
        os.makedirs(d, exist_ok=True)
        paths = {f: os.path.join(d, name) for f, name in FORMATS.items() if formats is None or f in formats}
        out.update({(shape, f): p for f, p in paths.items()})
        if all(os.path.exists(p) for p in paths.values()):
            continue
        if t is None:
            t = workload.generate(rows)
        s = t if shape == "canonical" else maven_shape(t)
        writers = {"csv": lambda p: pacsv.write_csv(s, p), "jsonl": lambda p: pl.from_arrow(s).write_ndjson(p),
                   "parquet": lambda p: pq.write_table(s, p)}  # fmt: skip
        for f, p in paths.items():
            if not os.path.exists(p):
                writers[f](p)
        if shape == "maven":
            with open(os.path.join(d, "mapping.json"), "w") as f:
                json.dump(MAVEN_MAPPING, f)
    return out


# ---- the three engines, each in a fresh process ----------------------------------------------------


def ours_cmd(shape: str, path: str) -> list[str]:
    cmd = [CLI, "scorecard", path, "--period", str(P0.year), "--metrics", ",".join(workload.METRICS), "--format", "csv"]
    if shape == "maven":
        cmd += ["--mapping", os.path.join(os.path.dirname(path), "mapping.json"), "--by", "owner"]
    return cmd


def duckdb_sql(fmt: str, shape: str, path: str) -> str:
    read = {"csv": "read_csv", "jsonl": "read_json", "parquet": "read_parquet"}[fmt]
    cols = SHAPES[shape]["cols"]
    status = "status"
    if shape == "maven":
        status = "CASE deal_stage WHEN 'Won' THEN 'won' WHEN 'Lost' THEN 'lost' ELSE 'open' END"
    src = next(k for k, v in cols.items() if v == "status")
    sel = ", ".join(f"{k} AS {v}" for k, v in cols.items() if v not in ("status", "amount", "created_on", "closed_on"))
    amount, created, closed = (next(k for k, v in cols.items() if v == c) for c in ("amount", "created_on", "closed_on"))
    key = SHAPES[shape]["by"]
    return f"""
WITH f AS (SELECT {sel}, {status.replace("deal_stage", src)} AS status, CAST({amount} AS DECIMAL(18, 2)) AS amount,
                  CAST({created} AS DATE) AS created_on, CAST({closed} AS DATE) AS closed_on FROM {read}('{path}')),
d AS (
  SELECT {key}, amount,
    status = 'won'  AND closed_on >= DATE '{P0}' AND closed_on < DATE '{P1}' AS won,
    status = 'lost' AND closed_on >= DATE '{P0}' AND closed_on < DATE '{P1}' AS lost,
    created_on < DATE '{P1}' AND (closed_on IS NULL OR closed_on >= DATE '{P1}') AS open_,
    created_on >= DATE '{P0}' AND created_on < DATE '{P1}' AS created,
    closed_on - created_on AS cyc
  FROM f)
SELECT {key} AS key,
  count(*) FILTER (WHERE won) AS won_count, sum(amount) FILTER (WHERE won) AS won_revenue,
  count(*) FILTER (WHERE lost) AS lost_count, sum(cyc) FILTER (WHERE won) AS cycle_sum,
  count(*) FILTER (WHERE open_) AS pipeline_count, sum(amount) FILTER (WHERE open_) AS pipeline_value,
  sum(amount) FILTER (WHERE won) / nullif(count(*) FILTER (WHERE won), 0) AS avg_deal_size,
  (count(*) FILTER (WHERE won)) / nullif(count(*) FILTER (WHERE won OR lost), 0) AS close_rate,
  (sum(cyc) FILTER (WHERE won)) / nullif(count(*) FILTER (WHERE won), 0) AS sales_cycle_days
FROM d WHERE won OR lost OR open_ OR created GROUP BY {key}"""


def polars_query(fmt: str, shape: str, path: str) -> Any:
    import polars as pl

    cols = SHAPES[shape]["cols"]
    raw = {v: k for k, v in cols.items()}
    dates = {raw["created_on"]: pl.Date, raw["closed_on"]: pl.Date}
    if fmt == "csv":
        lf = pl.scan_csv(path, schema_overrides={**dates, raw["amount"]: pl.Decimal(18, 2)})
    elif fmt == "jsonl":  # dates and decimals are JSON strings: read as text, then typed
        lf = pl.scan_ndjson(path, schema={c: pl.String for c in cols}).with_columns(
            *[pl.col(c).str.to_date("%Y-%m-%d") for c in dates], pl.col(raw["amount"]).cast(pl.Decimal(18, 2))
        )
    else:
        lf = pl.scan_parquet(path)
    lf = lf.select([pl.col(k).alias(v) for k, v in cols.items()])
    if shape == "maven":
        lf = lf.with_columns(pl.col("status").replace_strict({"Won": "won", "Lost": "lost"}, default="open"))
    key = SHAPES[shape]["by"]
    won = (pl.col("status") == "won") & pl.col("closed_on").is_between(P0, P1, closed="left")
    lost = (pl.col("status") == "lost") & pl.col("closed_on").is_between(P0, P1, closed="left")
    open_ = (pl.col("created_on") < P1) & (pl.col("closed_on").is_null() | (pl.col("closed_on") >= P1))
    cyc = (pl.col("closed_on") - pl.col("created_on")).dt.total_days()
    return (
        lf.filter(won | lost | open_ | pl.col("created_on").is_between(P0, P1, closed="left"))
        .group_by(pl.col(key).alias("key"))
        .agg(
            won.sum().alias("won_count"),
            pl.col("amount").filter(won).sum().alias("won_revenue"),
            lost.sum().alias("lost_count"),
            cyc.filter(won).sum().alias("cycle_sum"),
            open_.sum().alias("pipeline_count"),
            pl.col("amount").filter(open_).sum().alias("pipeline_value"),
        )
        .collect()
    )


def peer(engine: str, fmt: str, shape: str, path: str) -> None:
    """Child process: imports, then the timed read + query; prints the seconds and the rows."""
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        t0 = time.perf_counter()
        rel = con.sql(duckdb_sql(fmt, shape, path))
        names, rows = rel.columns, rel.fetchall()
        secs = time.perf_counter() - t0
        rows = [dict(zip(names, r)) for r in rows]
    else:
        t0 = time.perf_counter()
        df = polars_query(fmt, shape, path)
        secs = time.perf_counter() - t0
        rows = df.to_dicts()
    print(json.dumps({"seconds": secs, "rows": rows}, default=str))


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Runs ``cmd`` under /usr/bin/time -v: (wall seconds, peak RSS MB, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stderr[-3000:]}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return wall, peak_kb / 1024, p.stdout


def c_run_cmd(binary: str, shape: str, fmt: str, path: str) -> list[str]:
    """bench_c on a directory of its own holding only ``path`` (the loader reads every export
    file of a directory, and the three formats sit side by side): a hard link, no copy."""
    d = os.path.join(os.path.dirname(path), f"c-{fmt}")
    os.makedirs(d, exist_ok=True)
    link = os.path.join(d, os.path.basename(path))
    if not os.path.exists(link):
        os.link(path, link)
    mapping = os.path.join(os.path.dirname(path), "mapping.json") if shape == "maven" else None
    return bench_c_run.c_cmd(binary, d, SHAPES[shape]["key"], mapping)


def ours_rows(out: str, key: str) -> dict:
    rows = {}
    for r in csv.DictReader(io.StringIO(out)):
        rows[r[key] or None] = (int(r["won_count"]), Decimal(r["won_revenue"] or "0"), int(r["lost_count"]), int(r["pipeline_count"]),
                                Decimal(r["pipeline_value"] or "0"), float(r["sales_cycle_days"]) if r["sales_cycle_days"] else None)  # fmt: skip
    return rows


def peer_rows(rows: list[dict]) -> dict:
    out = {}
    for r in rows:
        won = int(r["won_count"])
        cyc = float(r["cycle_sum"]) / won if won and r["cycle_sum"] is not None else None
        out[r["key"] or None] = (won, Decimal(str(r["won_revenue"] or 0)), int(r["lost_count"]), int(r["pipeline_count"]),
                                 Decimal(str(r["pipeline_value"] or 0)), cyc)  # fmt: skip
    return out


def check(name: str, ours: dict, theirs: dict) -> None:
    """Counts and decimal sums exactly, the mean cycle to 1e-9."""
    if set(ours) != set(theirs):
        raise AssertionError(f"{name}: groups differ ({len(ours)} vs {len(theirs)})")
    for k, a in ours.items():
        b = theirs[k]
        same = a[:5] == b[:5] and (a[5] is None) == (b[5] is None) and (a[5] is None or abs(a[5] - b[5]) <= 1e-9 * max(1.0, abs(b[5])))
        if not same:
            raise AssertionError(f"{name}: group {k!r}: ours {a}, theirs {b}")


def run_one(fmt: str, shape: str, path: str, repeat: int, c_bin: str | None, cli: bool = True) -> dict:
    """{engine: (seconds, peak MB)}, and "C split": (load s, run s) of the C program's best run."""
    res: dict = {}
    key = SHAPES[shape]["key"]
    ours = {}
    if cli:
        ours["channel-kpi"] = ours_cmd(shape, path)
    if c_bin:
        ours["C"] = c_run_cmd(c_bin, shape, fmt, path)
        ours["C files"] = c_run_cmd(c_bin, shape, fmt, path) + ["--files", "1"]

    def one(name: str, cmd: list[str]) -> tuple[float, float, str]:
        wall, peak, out = timed(cmd)
        if name == "C":
            times, _ = bench_c_run.parse_c(out)
            out = out.partition("\n")[2]
            if "C" not in res or wall < res["C"][0]:
                res["C split"] = (times["load_s"], times["first_run_s"])
        elif name == "C files":
            head, _, out = out.partition("\n")
            if not head.startswith("# files_s="):
                raise ValueError(f"bench_c --files 1 printed no timing line: {head!r}")
        return wall, peak, out

    ref = None
    for name, cmd in ours.items():
        wall, peak, out = one(name, cmd)
        rows = ours_rows(out, key)
        if ref is None:
            ref = (name, rows)
        else:
            check(f"{name} vs {ref[0]} {fmt} {shape}", rows, ref[1])
        res[name] = (wall, peak)
    if ref is None:
        raise ValueError("nothing of ours to run: no CLI and no C program")
    for engine in ("duckdb", "polars"):
        _, peak, out = timed([sys.executable, __file__, "--peer", engine, "--format", fmt, "--shape", shape, "--path", path])
        got = json.loads(out)
        check(f"{engine} {fmt} {shape}", ref[1], peer_rows(got["rows"]))
        res[engine] = (got["seconds"], peak)
    for _ in range(repeat - 1):
        for name, cmd in ours.items():
            res[name] = min(res[name], one(name, cmd)[:2])
        for engine in ("duckdb", "polars"):
            _, peak, out = timed([sys.executable, __file__, "--peer", engine, "--format", fmt, "--shape", shape, "--path", path])
            res[engine] = min(res[engine], (json.loads(out)["seconds"], peak))
    return res


def cell(x: tuple | None, fmt: str) -> str:
    return "–" if x is None else fmt.format(*x)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", help="where the inputs are written (kept, and reused when present)")
    ap.add_argument("--formats", nargs="+", default=list(FORMATS), choices=list(FORMATS))
    ap.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    ap.add_argument("--no-cli", action="store_true", help="only the C program (and the peers): the CI smoke check")
    ap.add_argument("--peer", help=argparse.SUPPRESS)
    ap.add_argument("--format", help=argparse.SUPPRESS)
    ap.add_argument("--shape", help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.peer:
        peer(a.peer, a.format, a.shape, a.path)
        return
    cli = not a.no_cli
    if cli and not os.path.exists(CLI):
        sys.exit(f"{CLI} not found: cargo build --release -p channel-kpi-cli")
    c_bin = bench_c_run.c_binary()
    if c_bin is None and not cli:
        sys.exit("--no-cli without the C program: cargo build --release -p channel-kpi-c")
    base = a.dir or tempfile.mkdtemp(prefix="ckpi-ingest-")
    load = os.getloadavg()
    print(f"# {platform.machine()} {os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, "
          f"Python {platform.python_version()}, {platform.platform()}")  # fmt: skip
    print("| rows | shape | format | file MB | CLI s | C s (load + run) | C files s | duckdb s | polars s | CLI ÷ duckdb "
          "| CLI ÷ polars | C ÷ duckdb | C files ÷ duckdb | peak MB CLI | C | C files | duckdb | polars "
          "| peak ÷ file CLI | C | C files |")  # fmt: skip
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for rows in a.rows:
        paths = write_inputs(rows, base, a.formats)
        for shape in a.shapes:
            for fmt in a.formats:
                path = paths[(shape, fmt)]
                mb = os.path.getsize(path) / 2**20
                r = run_one(fmt, shape, path, a.repeat, c_bin, cli)
                o, c, f, (d, dm), (p, pm) = r.get("channel-kpi"), r.get("C"), r.get("C files"), r["duckdb"], r["polars"]
                split = r.get("C split")
                c_s = "–" if c is None else f"{c[0]:.2f} ({split[0]:.2f} + {split[1]:.2f})"
                print(f"| {rows:,} | {shape} | {fmt} | {mb:.0f} | {cell(o, '{:.2f}')} | {c_s} | {cell(f, '{:.2f}')} | {d:.2f} | {p:.2f} "
                      f"| {cell(o and (o[0] / d,), '{:.1f}')} | {cell(o and (o[0] / p,), '{:.1f}')} "
                      f"| {cell(c and (c[0] / d,), '{:.1f}')} | {cell(f and (f[0] / d,), '{:.1f}')} "
                      f"| {cell(o and o[1:], '{:.0f}')} | {cell(c and c[1:], '{:.0f}')} | {cell(f and f[1:], '{:.0f}')} | {dm:.0f} | {pm:.0f} "
                      f"| {cell(o and (o[1] / mb,), '{:.1f}')} | {cell(c and (c[1] / mb,), '{:.1f}')} | {cell(f and (f[1] / mb,), '{:.1f}')} |", flush=True)  # fmt: skip
    checked = ("the C program, " if cli and c_bin else "") + "duckdb and polars"
    print(f"# results of {checked} checked equal to {'channel-kpi' if cli else 'the C program'}'s (counts and sums exact); "
          f"best of {a.repeat}; C's split: ckpi_dataset_load_dir + the first ckpi_dataset_run (which validates); "
          "C files: ckpi_query_run_files")


if __name__ == "__main__":
    main()
