"""Scale-out measurement (manual, not in CI): N deals through Dask, generated per partition on
the workers (never materialized whole), folded by the general path (`fold_tables`: every record
kind, reference data applied), merged in a tree, finished on the driver.

    .venv/bin/python benches/scale_out.py --rows 100_000_000 --partitions 100 --workers 2

Prints wall time, per-partition fold time, partial sizes (bytes per group), peak worker RSS,
and the load average (the machine is shared)."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import pyarrow as pa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workload  # noqa: E402

import channel_kpi.scale as cs  # noqa: E402

TIERS = ["gold", "silver", "registered"]


def partners() -> pa.Table:
    ids = [f"P{i:04d}" for i in range(workload.PARTNERS)]
    return pa.table({"partner_id": ids, "tier": [TIERS[i % 3] for i in range(len(ids))],
                     "region": [["EMEA", "AMER", "APAC"][i % 3] for i in range(len(ids))]})  # fmt: skip


def fold_partition(i: int, rows: int, q: str, ref: bytes) -> "tuple[bytes, float, int]":
    t0 = time.perf_counter()
    deals = workload.generate(rows, seed=7, start=i * rows)
    t1 = time.perf_counter()
    state = cs.fold({"deals": deals}, q, f"deals:{i}", ref)
    fold_s = time.perf_counter() - t1
    del deals
    return state, fold_s, t1 - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    ap.add_argument("--partitions", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--fan-in", type=int, default=8)
    a = ap.parse_args()
    import dask
    import distributed

    per = a.rows // a.partitions
    ref = cs.reference(partners=partners())
    q = cs.query_json(workload.METRICS, "2025", by="partner")
    print(f"load average before: {os.getloadavg()}")
    with distributed.LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                  memory_limit="3GiB") as cluster, distributed.Client(cluster) as client:  # fmt: skip
        t0 = time.perf_counter()
        rb = ref.to_bytes()
        tasks = [dask.delayed(fold_partition)(i, per, q, rb) for i in range(a.partitions)]
        results = client.compute(tasks, sync=True)
        states = [r[0] for r in results]
        t_fold = time.perf_counter() - t0
        level, depth = states, 0
        while len(level) > 1:
            level = client.compute([dask.delayed(cs.merge_bytes)(*level[i : i + a.fan_in]) for i in range(0, len(level), a.fan_in)], sync=True)
            depth += 1
        table = cs.finish_parts(level, ref, q)
        wall = time.perf_counter() - t0
    print(f"load average after: {os.getloadavg()}")
    fold_s = [r[1] for r in results]
    gen_s = [r[2] for r in results]
    rss = max(r[3] for r in results) / 1024
    merged = cs.merge(level)
    groups = table.num_rows
    print(f"rows {a.rows:,} in {a.partitions} partitions of {per:,}, {a.workers} worker processes")
    print(f"wall {wall:.1f} s (folds done at {t_fold:.1f} s), merge tree depth {depth} (fan-in {a.fan_in})")
    print(f"per partition: generate {sum(gen_s)/len(gen_s):.2f} s, fold {sum(fold_s)/len(fold_s):.2f} s "
          f"({per / (sum(fold_s)/len(fold_s)) / 1e6:.2f} M rows/s per worker)")  # fmt: skip
    print(f"partial bytes: per partition {sum(map(len, states))/len(states):,.0f}, merged {len(level[0]):,} "
          f"for {merged.cell_count()} cells ({len(level[0]) / max(merged.cell_count(), 1):.0f} bytes per group-window)")  # fmt: skip
    print(f"peak worker RSS {rss:.0f} MiB; result rows {groups}")


if __name__ == "__main__":
    main()
