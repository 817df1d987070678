"""Shared by the Spark and Dask tests: the bundled sample program (every record kind) as Arrow
tables, and the queries whose distributed results must equal the one-machine results."""

from __future__ import annotations

import functools

import pyarrow as pa
import pyarrow.csv as pcsv

import channel_kpi as ck

from conftest import ROOT

KINDS = [
    "org_units", "partners", "pipeline", "deals", "stage_history", "leads", "targets", "spend", "courses", "surveys",
    "program_costs", "subscriptions", "tickets", "onboarding", "engagement", "referrals", "usage",
]  # fmt: skip
REFERENCE = {"org_units", "partners", "pipeline", "fx_rates"}


@functools.lru_cache(maxsize=None)
def tables() -> "dict[str, pa.Table]":
    out = {}
    for k in KINDS:
        path = ROOT / "examples" / "data" / f"{k}.csv"
        # every column as text: the loader parses it exactly as the one-machine run does
        t = pcsv.read_csv(path)
        out[k] = t.cast(pa.schema([pa.field(f.name, pa.string()) for f in t.schema]))
    return out


def family(name: str) -> "list[str]":
    return [m for m, fam, _ in ck.metrics() if fam == name]


#: (name, query keywords): the standard scorecard, a bucketed and compared query, one query per
#: KPI family.
QUERIES = [
    ("scorecard", {"metrics": ck.preset("scorecard"), "period": "2025", "by": "partner"}),
    ("bucketed_compared", {"metrics": ["won_revenue", "close_rate", "pipeline", "deal_count"], "period": "2025",
                           "buckets": "quarter", "compare_to": "year_ago", "by": "partner_tier"}),
    ("deals", {"metrics": family("deals"), "period": "2025", "by": "region", "rollup": True}),
    ("pipeline", {"metrics": family("pipeline"), "period": "2025-Q3", "by": "org:team"}),
    ("channels", {"metrics": family("channels"), "period": "2025", "by": ["channel", "source"], "rollup": True}),
    ("partners", {"metrics": family("partners"), "period": "2025", "by": "partner"}),
    ("customer_success", {"metrics": family("customer_success"), "period": "2025-Q2", "by": "partner_tier"}),
    ("cohorts", {"metrics": ["cohorts"], "period": "2025-Q2", "by": "partner_tier", "as_of": "2025-12-31"}),
    ("partner_cohorts", {"metrics": ["partner_cohorts"], "period": "2025", "by": "region"}),
    ("partner_cohorts_first_won", {"metrics": ["partner_cohorts"], "period": "2024-01-01..2026-01-01", "by": "region",
                                   "as_of": "2025-12-31", "options": {"cohort_by": "first_won"}}),
    ("forecast", {"metrics": family("forecast"), "period": "2025", "by": "partner_tier", "rollup": True}),
]  # fmt: skip


def one_machine(kw: dict) -> pa.Table:
    t = dict(tables())
    return ck.query(t.pop("deals"), output="pyarrow", **kw, **t)
