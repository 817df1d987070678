"""One workload per KPI family (issue 12, item 4e), each timed through the documented public call
a user makes — ``ck.query(deals, leads=…, subscriptions=…, …, metrics=[…], period=…, by=…)`` from
pyarrow tables — side by side in one run with polars computing the same numbers from the same
tables (``pl.from_arrow``, zero copy, made before timing). Every workload's results are checked
equal to ours first (counts and decimal sums exactly, money ratios after rounding half-even to 6
places as docs/kpis.md says, float ratios and means to 1e-9), then both are timed best-of-N.

    .venv/bin/python benches/bench_families.py [--quick] [--scale X] [--repeat N] [--only FAMILY ...]

Workloads (sizes as in the issue; ``--quick`` divides every size by 10, ``--scale`` multiplies):

pipeline   1 M deals (``workload.py``) with ~3.9 stage entries each (``stage_history``, rows grouped
           by deal in date order, which the polars side relies on), a pipeline
           definition, ``expected_close_on`` and the current ``stage``; ``pipeline_change``,
           ``stage_duration``, ``stage_funnel``; period 2025, by partner.
leads      10 M leads (10 % linked to distinct deals of 1 M; the won ones convert), 11 k spend rows;
           ``lead_conversion_rate``, ``channel_performance``; period 2025, by channel and source.
customer   100 k accounts × 24 months of ``subscriptions`` (2024-01 … 2025-12);
success    ``mrr_retention``, ``account_retention``; 2025 by quarter, by partner.
satisfac-  1 M ``surveys`` answers (CSAT, NPS, partner satisfaction by topic);
tion       ``partner_csat``, ``partner_satisfaction``; 2025 by quarter, by partner.
training   2,000 partners, 50 k course rows (``courses``), 10 M deals; ``training_impact``
           (close rate, W = 90 days) over 2025, ungrouped. The polars side computes the whole
           difference-in-differences and reproduces the seeded splitmix64 bootstrap with numpy.

The polars side computes every reported column itself (counts, exact decimal sums, float ratios,
means, medians, Wilson intervals with stats::wilson's operations); money ratios rounded to 6
places (``nrr``, ``grr``, ``cost_per_lead``, ``cost_per_acquisition``) it computes as floats in
the timed query, and the check rounds polars' exact sums half-even in Python instead. Groups
must match exactly: a group with data of one KPI or in one quarter has a row for every KPI and
quarter (counts 0, ratios absent).

Prints per workload the rows × columns checked, then seconds of ours and polars and ours ÷ polars.
A workload whose results differ is reported (``MISMATCH``) and not timed; the exit status is 1.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from typing import Callable

import polars as pl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from families.common import best, compare  # noqa: E402
from families.customer_success import *  # noqa: E402,F403
from families.leads import *  # noqa: E402,F403
from families.pipeline import *  # noqa: E402,F403
from families.satisfaction import *  # noqa: E402,F403
from families.training import *  # noqa: E402,F403


# ---- driver ----------------------------------------------------------------------------------------

#: name → (label, data(scale), ours, polars, expected, key columns of ours)
FAMILIES: dict = {
    "pipeline": ("pipeline: pipeline_change + stage_duration + stage_funnel, by partner",
                 lambda s: pipeline_data(s(1_000_000)), pipeline_ours, pipeline_polars, pipeline_expected, ["partner"]),
    "leads": ("leads: lead_conversion_rate + channel_performance, by channel, source",
              lambda s: leads_data(s(10_000_000)), leads_ours, leads_polars, leads_expected, ["channel", "source"]),
    "customer_success": ("customer success: mrr_retention + account_retention, quarters × partner",
                         lambda s: subscriptions_data(s(100_000)), subscriptions_ours, subscriptions_polars,
                         subscriptions_expected, ["partner", "period_start"]),
    "satisfaction": ("satisfaction: partner_csat + partner_satisfaction, quarters × partner",
                     lambda s: surveys_data(s(1_000_000)), surveys_ours, surveys_polars, surveys_expected, ["partner", "period_start"]),
    "training": ("training: training_impact (close rate, DiD + bootstrap), ungrouped",
                 lambda s: training_data(s(2_000), s(50_000), s(10_000_000)), training_ours, training_polars, training_expected, []),
}  # fmt: skip

WHAT = {"training": "compared: all 10 columns (partners, n, mean before / after / change, did_n, control change, DiD, "
        "bootstrap interval); polars time includes the numpy bootstrap"}  # fmt: skip


def run(name: str, size: Callable[[int], int], repeat: int) -> None:
    label, make, ours, peer, expected, keys = FAMILIES[name]
    t0 = time.perf_counter()
    tables = make(size)
    rows = {k: v.num_rows for k, v in tables.items()}
    frames = {k: pl.from_arrow(v) for k, v in tables.items()}
    print(f"## {label}\n   input: " + ", ".join(f"{k if k != 'data' else 'deals'} {n:,}" for k, n in rows.items())
          + f" rows (generated in {time.perf_counter() - t0:.1f} s)")  # fmt: skip
    sys.stdout.flush()
    print(f"   check: {compare(name, ours(tables), keys, expected(frames))}")
    if name in WHAT:
        print(f"   {WHAT[name]}")
    sys.stdout.flush()
    o = best(lambda: ours(tables), repeat)
    p = best(lambda: peer(frames), repeat)
    print(f"   time:  ours {o:8.3f} s   polars {p:8.3f} s   ours/polars = {o / p:7.2f}")
    sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="every size ÷ 10")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every size")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", nargs="+", choices=list(FAMILIES), default=list(FAMILIES))
    a = ap.parse_args()
    factor = a.scale / (10 if a.quick else 1)
    size = lambda n: max(1, int(round(n * factor)))  # noqa: E731
    print(f"# {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, polars {pl.__version__}, "
          f"load average {os.getloadavg()[0]:.1f}; sizes × {factor:g}, best of {a.repeat}")  # fmt: skip
    failed = []
    for name in a.only:
        try:
            run(name, size, a.repeat)
        except AssertionError as e:
            failed.append(name)
            print(f"   MISMATCH (not timed): {e}")
    if failed:
        sys.exit(f"results differ: {', '.join(failed)}")


if __name__ == "__main__":
    main()
