"""Peak memory of the streaming path: a Parquet file of N deals (made chunk by chunk, never
whole in memory) folded batch by batch with ``channel_kpi.scale.stream_partial``.

    .venv/bin/python benches/stream_memory.py --rows 10000000 50000000 [--dir /tmp]

For each size, in a fresh process: the peak RSS (ru_maxrss) after importing the libraries,
and after the query; the file's size; the time. The peak must not grow with the rows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))



def peak_rss_kib() -> int:
    """This process's peak resident set (VmHWM, KiB). Not ru_maxrss: Linux carries that over
    from the parent across fork + exec, so a child would report its parent's peak."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))

def measure(path: str, batch_size: int) -> None:
    import channel_kpi.scale as cs
    import pyarrow.parquet  # noqa: F401  (imported before the baseline)
    import workload

    base = peak_rss_kib()
    t0 = time.perf_counter()
    kw = {"metrics": workload.METRICS, "period": "2025", "by": "partner"}
    p = cs.stream_partial(path, batch_size=batch_size, columns=cs.DEAL_COLUMNS, **kw)
    rows = p.finish().num_rows
    dt = time.perf_counter() - t0
    peak = peak_rss_kib()
    print(json.dumps({"base_mb": base / 1024, "peak_mb": peak / 1024, "seconds": dt, "groups": rows}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000_000, 50_000_000])
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--batch-size", type=int, default=64 * 1024)
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.measure:
        measure(a.measure, a.batch_size)
        return
    import workload

    for rows in a.rows:
        path = os.path.join(a.dir, f"ckpi_deals_{rows}.parquet")
        if not os.path.exists(path):
            t0 = time.perf_counter()
            workload.write_parquet(path + ".tmp", rows)
            os.replace(path + ".tmp", path)
            print(f"# wrote {path} in {time.perf_counter() - t0:.0f} s", flush=True)
        out = subprocess.run([sys.executable, __file__, "--measure", path, "--batch-size", str(a.batch_size)],
                             capture_output=True, text=True, check=True)  # fmt: skip
        m = json.loads(out.stdout)
        size = os.path.getsize(path) / 2**20
        print(f"{rows:>12,} rows  file {size:7.0f} MiB  peak RSS {m['peak_mb']:6.0f} MB "
              f"(after imports {m['base_mb']:.0f} MB)  {m['seconds']:.2f} s  {m['groups']} groups", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
