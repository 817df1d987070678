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
import math
import os
import platform
import sys
import time
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any, Callable

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_deals  # noqa: E402
import workload  # noqa: E402

import channel_kpi as ck  # noqa: E402

P0, P1 = date(2025, 1, 1), date(2026, 1, 1)  # the period 2025, half-open
AS_OF = P1 - timedelta(days=1)  # the query's default as_of: the period's last day
QUARTERS = [date(2025, m, 1) for m in (1, 4, 7, 10)]
EPOCH = date(1970, 1, 1)
SIX = Decimal("0.000001")
Z95 = 1.959963984540054  # stats::z_for(0.95)

# ---- column helpers -------------------------------------------------------------------------------


def day(d: date) -> int:
    return (d - EPOCH).days


def dates(days: np.ndarray, mask: Any = None) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.date32(), mask=mask)


def money(cents: np.ndarray, scale: int = 2, precision: int = 18) -> pa.Array:
    """A decimal128 column from non-negative integers (``scale`` implied decimals)."""
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(cents), [None, pa.py_buffer(workload._i128(cents.astype(np.int64)))])


def ids(prefix: str, n: int) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(np.arange(n, dtype=np.int64)), pa.string()), "")


def pick(names: list, idx: np.ndarray, mask: Any = None) -> pa.Array:
    return pc.take(pa.array(names), pa.array(idx, mask=mask))


def partner_names(n: int) -> list:
    return [f"P{i:04d}" for i in range(n)]


def wilson(hits: int, n: int) -> tuple:
    """stats::wilson at 95 %."""
    if n == 0:
        return None, None
    p, z2 = hits / n, Z95 * Z95
    denom = 1.0 + z2 / n
    center = (p + z2 / (2.0 * n)) / denom
    half = Z95 * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
    return max(center - half, 0.0), min(center + half, 1.0)


def proportion(name: str, hits: int, n: int) -> dict:
    lo, hi = wilson(hits, n)
    return {name: hits / n if n else None, f"{name}_n": n, f"{name}_lo": lo, f"{name}_hi": hi}


def wilson_pl(hits: pl.Expr, n: pl.Expr, name: str) -> list:
    """Columns ``name``, ``_n``, ``_lo``, ``_hi`` of a proportion in polars (stats::wilson's
    operations in the same order)."""
    nf, z2 = n.cast(pl.Float64), Z95 * Z95
    p = hits.cast(pl.Float64) / nf
    denom = 1.0 + z2 / nf
    center = (p + z2 / (2.0 * nf)) / denom
    half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom
    ok = n > 0
    return [pl.when(ok).then(p).alias(name), n.alias(f"{name}_n"), pl.when(ok).then(pl.max_horizontal(center - half, 0.0)).alias(f"{name}_lo"),
            pl.when(ok).then(pl.min_horizontal(center + half, 1.0)).alias(f"{name}_hi")]  # fmt: skip


def pick_cols(r: dict, names: list) -> dict:
    return {c: r[c] for c in names}


def prop_cols(name: str) -> list:
    return [name, f"{name}_n", f"{name}_lo", f"{name}_hi"]


def div6(a: Any, b: Any) -> Any:
    """Money ÷ money (or count), rounded half-even to 6 places; None for a zero divisor."""
    a, b = Decimal(a), Decimal(b)
    if b == 0:
        return None
    with localcontext() as c:
        c.prec = 60
        return (a / b).quantize(SIX, ROUND_HALF_EVEN)


def dec(x: Any) -> Decimal:
    return Decimal(0) if x is None else Decimal(x)


# ---- equality --------------------------------------------------------------------------------------


def same(got: Any, want: Any) -> bool:
    if want is None or got is None:
        return got is None and want is None
    if isinstance(want, float):
        return abs(got - want) <= 1e-9 * max(1.0, abs(want))
    return got == want


def compare(name: str, ours_t: pa.Table, keys: list, expected: dict) -> str:
    """Every row of ours against ``expected`` (key tuple → {column: value}), which holds
    exactly the rows ours must have (a group with data of one KPI or in one window has a row
    for every KPI and window: counts 0, ratios absent). Returns a summary."""
    mine = {tuple(r[k] for k in keys): r for r in ours_t.to_pylist()}
    for what, diff in (("of polars missing in ours", set(expected) - set(mine)), ("of ours not in polars", set(mine) - set(expected))):
        if diff:
            raise AssertionError(f"{name}: {len(diff)} groups {what}, e.g. {sorted(diff, key=str)[:3]}")
    cols = 0
    for k, row in mine.items():
        exp = expected[k]
        for col, want in exp.items():
            if col not in row:
                raise AssertionError(f"{name}: ours has no column {col}")
            if not same(row[col], want):
                raise AssertionError(f"{name}: group {k} column {col}: ours {row[col]!r}, polars {want!r}")
        cols = len(exp)
    return f"{len(mine):,} rows × {cols} columns equal"


def best(f: Callable[[], Any], repeat: int) -> float:
    return bench_deals.best(f, repeat)


# ---- pipeline: pipeline_change, stage_duration, stage_funnel ------------------------------------

STAGES = ["Prospect", "Qualify", "Proposal", "Negotiate", "Won", "Lost"]
OPEN = [s.lower() for s in STAGES[:4]]
PIPELINE = pa.table({"stage": STAGES, "probability": ["0.1", "0.3", "0.6", "0.8", "1", "0"]})


def pipeline_data(n: int, seed: int = 7) -> dict:
    """Deals of the standard workload; per deal 2–4 open-stage entries (a walk that may move
    back) from ``created_on`` on, plus the terminal Won / Lost entry on ``closed_on``."""
    deals = workload.generate(n, seed)
    rng = np.random.default_rng(seed + 10_000)  # not workload's stream
    created = deals["created_on"].combine_chunks().cast(pa.int32()).to_numpy()
    closed_a = deals["closed_on"].combine_chunks()
    is_closed = closed_a.is_valid().to_numpy(zero_copy_only=False)
    closed = closed_a.cast(pa.int32()).fill_null(0).to_numpy()
    won = pc.equal(deals["status"], "won").combine_chunks().to_numpy(zero_copy_only=False)
    end = day(workload.END)
    span = np.where(is_closed, closed - created, np.minimum(rng.exponential(60.0, n).astype(np.int64), end - created))
    k = rng.integers(2, 5, n)  # open entries
    frac = np.sort(rng.random((n, 4)), axis=1)
    frac[:, 0] = 0.0
    when = np.empty((n, 5), dtype=np.int64)
    when[:, :4] = created[:, None] + np.floor(frac * span[:, None]).astype(np.int64)
    when[:, 4] = closed
    steps = rng.choice(np.array([-1, 1, 1, 2]), (n, 3))
    st = np.empty((n, 5), dtype=np.int64)
    st[:, 0] = rng.integers(0, 2, n)
    for j in range(1, 4):
        st[:, j] = np.clip(st[:, j - 1] + steps[:, j - 1], 0, 3)
    st[:, 4] = np.where(won, 4, 5)
    valid = np.zeros((n, 5), dtype=bool)
    valid[:, :4] = np.arange(4)[None, :] < k[:, None]
    valid[:, 4] = is_closed
    row = np.repeat(np.arange(n), 5).reshape(n, 5)[valid]
    history = pa.table({"deal_id": pc.take(deals["deal_id"], pa.array(row)), "stage": pick(STAGES, st[valid]),
                        "entered_on": dates(when[valid])})  # fmt: skip
    last = np.where(is_closed, st[:, 4], st[np.arange(n), k - 1])
    deals = deals.append_column("stage", pick(STAGES, last))
    deals = deals.append_column("expected_close_on", dates(created + rng.integers(10, 150, n)))
    return {"data": deals, "stage_history": history, "pipeline": PIPELINE}


def pipeline_ours(t: dict) -> pa.Table:
    return ck.query(t["data"], stage_history=t["stage_history"], pipeline=t["pipeline"], period="2025", by="partner",
                    metrics=["pipeline_change", "stage_duration", "stage_funnel"], output="pyarrow")  # fmt: skip


def pipeline_polars(f: dict) -> tuple:
    d, h = f["data"].lazy(), f["stage_history"].lazy()
    ix = pl.col("stage").replace_strict(STAGES[:4], [0, 1, 2, 3], default=None, return_dtype=pl.Int8)
    h = h.with_columns(ix.alias("ix"))
    in_w = lambda c: pl.col(c).is_between(P0, P1, closed="left")  # noqa: E731
    open_at = lambda t: (pl.col("created_on") < t) & (pl.col("closed_on").is_null() | (pl.col("closed_on") >= t))  # noqa: E731
    # per deal: the stage at the instants S and T (the last entry before each) for
    # pipeline_change; the furthest open stage entered by as_of for stage_funnel
    at = h.group_by("deal_id").agg(pl.col("ix").filter(pl.col("entered_on") < P0).last().alias("ix_s"),
                                   pl.col("ix").filter(pl.col("entered_on") < P1).last().alias("ix_e"),
                                   pl.col("ix").filter(pl.col("entered_on") <= AS_OF).max().alias("hist"))  # fmt: skip
    s, e = open_at(P0), open_at(P1)
    both = s & e
    change = (
        d.join(at, on="deal_id", how="left")
        .filter(s | e | in_w("created_on") | (pl.col("status").is_in(["won", "lost"]) & in_w("closed_on")))
        .group_by("partner_id")
        .agg(s.sum().alias("open_at_start"), e.sum().alias("open_at_end"),
             pl.col("amount").filter(s).sum().alias("value_at_start"), pl.col("amount").filter(e).sum().alias("value_at_end"),
             in_w("created_on").sum().alias("added"), ((pl.col("status") == "won") & in_w("closed_on")).sum().alias("won"),
             ((pl.col("status") == "lost") & in_w("closed_on")).sum().alias("lost"),
             (both & (pl.col("ix_e") > pl.col("ix_s"))).sum().alias("advanced"),
             (both & (pl.col("ix_e") < pl.col("ix_s"))).sum().alias("moved_back"),
             (e & in_w("expected_close_on")).sum().alias("slipped"))
        .with_columns((pl.col("value_at_end") - pl.col("value_at_start")).alias("value_change"),
                      (pl.col("open_at_end").cast(pl.Int64) - pl.col("open_at_start").cast(pl.Int64)).alias("net_change"))
    )  # fmt: skip
    # stage_duration: a stay ends at the next entry of the deal, else at closed_on. The history
    # comes grouped by deal in date order (as generated, and as CRM exports give it), so the
    # next entry is the next row of the same deal: half the time of a shift ``over("deal_id")``
    same_deal = pl.col("deal_id").shift(-1) == pl.col("deal_id")
    stays = (
        h.with_columns(pl.when(same_deal).then(pl.col("entered_on").shift(-1)).alias("next"))
        .join(d.select("deal_id", "partner_id", "closed_on"), on="deal_id", how="left")
        .with_columns(pl.coalesce("next", "closed_on").alias("end"))
        .filter(pl.col("ix").is_not_null() & (pl.col("entered_on") <= AS_OF))
        .with_columns((pl.col("end").is_not_null() & (pl.col("end") <= AS_OF)).alias("done"))
        .filter(~pl.col("done") | in_w("end"))  # current stays: as_of (the last day) is in the window
        .with_columns((pl.when(pl.col("done")).then(pl.col("end")).otherwise(pl.lit(AS_OF)) - pl.col("entered_on")).dt.total_days().alias("days"))
        .group_by("partner_id", "stage")
        .agg(pl.col("days").filter(pl.col("done")).mean().alias("mean"), pl.col("days").filter(pl.col("done")).median().alias("median"),
             pl.col("done").sum().alias("n"), pl.col("days").filter(~pl.col("done")).mean().alias("open_mean"),
             (~pl.col("done")).sum().alias("open_n"))
    )  # fmt: skip
    # stage_funnel: furthest open stage by as_of (history, or the current stage); won → all
    won = (pl.col("status") == "won") & (pl.col("closed_on") <= AS_OF)
    far = pl.max_horizontal("hist", pl.col("stage").replace_strict(STAGES[:4], [0, 1, 2, 3], default=None, return_dtype=pl.Int8))
    funnel = (
        d.filter(in_w("created_on"))
        .join(at, on="deal_id", how="left")
        .with_columns(pl.when(won).then(4).otherwise(far.cast(pl.Int64).fill_null(-1) + 1).alias("reached"))
        .group_by("partner_id")
        .agg(pl.len().alias("cohort"), *[(pl.col("reached") > i).sum().alias(f"r{i}") for i in range(4)], won.sum().alias("won"))
        .with_columns(*[(pl.col(f"r{i}") / pl.col("cohort")).alias(f"share{i}") for i in range(4)],
                      *[pl.when(pl.col(f"r{i - 1}") > 0).then(pl.col(f"r{i}") / pl.col(f"r{i - 1}")).alias(f"conv{i}") for i in range(1, 4)],
                      (pl.col("won") / pl.col("cohort")).alias("won_share"))
    )  # fmt: skip
    return tuple(pl.collect_all([change, stays, funnel]))


def pipeline_expected(f: dict) -> dict:
    change, stays, funnel = pipeline_polars(f)
    exp: dict = {}
    for r in change.to_dicts():
        g = exp.setdefault((r["partner_id"],), {})
        g.update({c: r[c] for c in ("open_at_start", "open_at_end", "added", "won", "lost", "advanced", "moved_back", "slipped", "net_change")})
        g.update({c: dec(r[c]) for c in ("value_at_start", "value_at_end", "value_change")})
    for r in stays.to_dicts():
        g = exp.setdefault((r["partner_id"],), {})
        s = r["stage"].lower()
        g.update({f"stage_{s}_days": r["mean"], f"stage_{s}_days_median": r["median"], f"stage_{s}_n": r["n"],
                  f"stage_{s}_open_days": r["open_mean"], f"stage_{s}_open_n": r["open_n"]})  # fmt: skip
    for r in funnel.to_dicts():
        g = exp.setdefault((r["partner_id"],), {})
        g.update(funnel_cohort=r["cohort"], funnel_won=r["won"], funnel_won_share=r["won_share"])
        for i, s in enumerate(OPEN):
            g.update({f"funnel_{s}_reached": r[f"r{i}"], f"funnel_{s}_share": r[f"share{i}"], f"funnel_{s}_conversion": r.get(f"conv{i}")})
    full = pipeline_default()
    for g in exp.values():  # a group without data of one KPI: its counts 0, its ratios absent
        for k, v in full.items():
            g.setdefault(k, v)
    return exp


def pipeline_default() -> dict:
    out: dict[str, Any] = {c: 0 for c in ("open_at_start", "open_at_end", "added", "won", "lost", "advanced", "moved_back", "slipped", "net_change")}
    out.update(value_at_start=Decimal(0), value_at_end=Decimal(0), value_change=Decimal(0), funnel_cohort=0, funnel_won=0, funnel_won_share=None)
    for s in OPEN:
        out.update({f"stage_{s}_days": None, f"stage_{s}_days_median": None, f"stage_{s}_n": 0, f"stage_{s}_open_days": None,
                    f"stage_{s}_open_n": 0, f"funnel_{s}_reached": 0, f"funnel_{s}_share": None, f"funnel_{s}_conversion": None})  # fmt: skip
    return out


# ---- leads: lead_conversion_rate, channel_performance -------------------------------------------

SOURCES = ["google ads", "webinar", "newsletter", "events"]
CHANNELS = ["paid", "earned", "owned"]


def leads_data(n: int, seed: int = 11) -> dict:
    """``n`` leads (created 2024-01 … 2026-06; 5 % without channel, 10 % without source), 10 %
    linked to distinct deals of ``n / 10`` (the won ones convert on their closed_on);
    the deals get a source; daily spend per channel and source."""
    rng = np.random.default_rng(seed + 10_000)  # not workload's stream
    nd = max(n // 10, 1)
    deals = workload.generate(nd, seed)
    deals = deals.append_column("source", pick(SOURCES, rng.integers(0, 4, nd), rng.random(nd) < 0.1))
    chosen = np.flatnonzero(rng.random(n) < 0.1)[:nd]  # distinct deals
    linked = np.zeros(n, dtype=bool)
    linked[chosen] = True
    target = np.zeros(n, dtype=np.int64)
    target[chosen] = rng.choice(nd, len(chosen), replace=False)
    d0, d1 = day(date(2024, 1, 1)), day(workload.END)
    leads = pa.table({
        "lead_id": ids("L", n),
        "created_on": dates(rng.integers(d0, d1 + 1, n)),
        "channel": pick(CHANNELS, rng.integers(0, 3, n), rng.random(n) < 0.05),
        "source": pick(SOURCES, rng.integers(0, 4, n), rng.random(n) < 0.1),
        "deal_id": pc.take(deals["deal_id"], pa.array(target, mask=~linked)),
    })  # fmt: skip
    days = np.arange(d0, d1 + 1)
    m = len(days) * 12
    spend = pa.table({"channel": pick(CHANNELS, np.tile(np.repeat(np.arange(3), 4), len(days))),
                      "source": pick(SOURCES, np.tile(np.arange(4), 3 * len(days))), "spent_on": dates(np.repeat(days, 12)),
                      "amount": money(rng.integers(100, 500_000, m)), "currency": pa.array(["USD"] * m)})  # fmt: skip
    return {"data": deals, "leads": leads, "spend": spend}


def leads_ours(t: dict) -> pa.Table:
    return ck.query(t["data"], leads=t["leads"], spend=t["spend"], period="2025", by=["channel", "source"],
                    metrics=["lead_conversion_rate", "channel_performance"], output="pyarrow")  # fmt: skip


def leads_polars(f: dict) -> tuple:
    d, le, sp = f["data"].lazy(), f["leads"].lazy(), f["spend"].lazy()
    in_w = lambda c: pl.col(c).is_between(P0, P1, closed="left")  # noqa: E731
    won = d.filter(pl.col("status") == "won").select("deal_id", pl.col("closed_on").alias("won_on"))
    leads = (
        le.filter(in_w("created_on"))
        .join(won, on="deal_id", how="left")
        .group_by("channel", "source")
        .agg(pl.len().alias("leads"), (pl.col("won_on") <= AS_OF).sum().alias("converted"))
    )
    deals = (
        d.filter((pl.col("status") == "won") & in_w("closed_on"))
        .group_by("channel", "source")
        .agg(pl.len().alias("won_deals"), pl.col("amount").sum().alias("revenue"))
    )
    spend = sp.filter(in_w("spent_on")).group_by("channel", "source").agg(pl.col("amount").sum().alias("spend"), pl.len().alias("spend_rows"))
    n, conv, won_n, rev, spent = (pl.col(c) for c in ("leads", "converted", "won_deals", "revenue", "spend"))
    has_spend = pl.col("spend_rows") > 0
    per = lambda x: pl.when(has_spend & (x > 0)).then(spent.cast(pl.Float64) / x)  # noqa: E731 (float: timing; the check rounds exact sums)
    out = (
        pl.concat([leads, deals, spend], how="diagonal_relaxed")
        .group_by("channel", "source")
        .agg(pl.col("leads", "converted", "won_deals", "spend_rows", "revenue", "spend").sum())
        .with_columns(*wilson_pl(conv, n, "lead_conversion_rate"), pl.when(n > 0).then(conv / n).alias("channel_lead_conversion"),
                      pl.when(rev.sum() != 0).then(rev.cast(pl.Float64) / rev.cast(pl.Float64).sum()).alias("channel_revenue_share"),
                      per(n).alias("cost_per_lead"), per(won_n).alias("cost_per_acquisition"),
                      pl.when(has_spend & (spent != 0)).then((rev - spent).cast(pl.Float64) / spent.cast(pl.Float64)).alias("channel_roi"))
    )  # fmt: skip
    return (out.collect(),)


def leads_expected(f: dict) -> dict:
    """Float columns as polars computed them; money ratios from polars' exact sums, rounded."""
    (out,) = leads_polars(f)
    exp = {}
    for r in out.to_dicts():
        spend = dec(r["spend"]) if r["spend_rows"] else None
        g = pick_cols(r, prop_cols("lead_conversion_rate") + ["channel_lead_conversion", "channel_revenue_share", "channel_roi"])
        g.update(channel_leads=r["leads"], channel_converted=r["converted"], channel_won_deals=r["won_deals"], channel_revenue=dec(r["revenue"]),
                 channel_spend=spend, cost_per_lead=div6(spend, r["leads"]) if spend is not None else None,
                 cost_per_acquisition=div6(spend, r["won_deals"]) if spend is not None else None)  # fmt: skip
        exp[(r["channel"], r["source"])] = g
    return exp


# ---- customer success: mrr_retention, account_retention ---------------------------------------


def subscriptions_data(accounts: int, seed: int = 13) -> dict:
    """Months 2024-01 … 2025-12: each account starts in a month (40 % in the first), 25 % churn
    later; its MRR changes by −20 … +30 % in 10 % of months; 1 % of rows are 0 (paused), 2 %
    of account-months have a second (add-on) row; 15 % of accounts without a partner."""
    rng = np.random.default_rng(seed)
    months = 24
    start = np.where(rng.random(accounts) < 0.4, 0, rng.integers(0, months, accounts))
    churn = np.where(rng.random(accounts) < 0.25, rng.integers(1, months + 1, accounts), months)
    stop = np.maximum(churn, start + 1)
    base = np.round(np.exp(rng.normal(6.0, 1.0, accounts)) * 100)
    factor = np.where(rng.random((accounts, months)) < 0.1, rng.uniform(0.8, 1.3, (accounts, months)), 1.0)
    cents = np.round(base[:, None] * np.cumprod(factor, axis=1)).astype(np.int64)
    cents[rng.random((accounts, months)) < 0.01] = 0
    m = np.arange(months)[None, :]
    live = (m >= start[:, None]) & (m < stop[:, None])
    extra = live & (rng.random((accounts, months)) < 0.02)
    acc = np.concatenate([np.nonzero(live)[0], np.nonzero(extra)[0]])
    mon = np.concatenate([np.nonzero(live)[1], np.nonzero(extra)[1]])
    amt = np.concatenate([cents[live], rng.integers(500, 20_000, int(extra.sum()))])
    first = np.array([day(date(2024 + i // 12, i % 12 + 1, 1)) for i in range(months)])
    partner = rng.integers(0, workload.PARTNERS, accounts)
    direct = rng.random(accounts) < 0.15
    subs = pa.table({"account_id": pc.take(ids("A", accounts), pa.array(acc)), "month": dates(first[mon]), "mrr": money(amt),
                     "currency": pa.array(["USD"]).take(pa.array(np.zeros(len(acc), dtype=np.int32))),
                     "partner_id": pick(partner_names(workload.PARTNERS), partner[acc], direct[acc])})  # fmt: skip
    return {"subscriptions": subs}


def subscriptions_ours(t: dict) -> pa.Table:
    return ck.query(subscriptions=t["subscriptions"], period="2025", buckets="quarter", by="partner",
                    metrics=["mrr_retention", "account_retention"], output="pyarrow")  # fmt: skip


def edges() -> pl.DataFrame:
    """Per quarter of 2025: the month of its start edge (the month of the day before) and of its end."""
    starts = [date(2024, 12, 1), date(2025, 3, 1), date(2025, 6, 1), date(2025, 9, 1)]
    ends = [date(2025, 3, 1), date(2025, 6, 1), date(2025, 9, 1), date(2025, 12, 1)]
    return pl.DataFrame({"month": starts + ends, "window": QUARTERS * 2, "is_start": [True] * 4 + [False] * 4})


def subscriptions_polars(f: dict) -> tuple:
    a, b = pl.col("a"), pl.col("b")
    per_account = (
        f["subscriptions"].lazy()
        .join(edges().lazy(), on="month")
        .group_by("partner_id", "account_id", "window")
        .agg(pl.col("mrr").filter(pl.col("is_start")).sum().alias("a"), pl.col("mrr").filter(~pl.col("is_start")).sum().alias("b"))
    )  # fmt: skip
    active = a > 0
    out = per_account.group_by("partner_id", "window").agg(
        a.filter(active).sum().alias("start"),
        (b - a).filter(active & (b > a)).sum().alias("expansion"),
        (a - b).filter(active & (b > 0) & (b <= a)).sum().alias("contraction"),
        a.filter(active & (b <= 0)).sum().alias("churned"),
        b.filter(~active & (b > 0)).sum().alias("new"),
        active.sum().alias("n"),
        (active & (b > 0)).sum().alias("kept"),
    )
    start, kept = pl.col("start").cast(pl.Float64), pl.col("start") - pl.col("contraction") - pl.col("churned")
    out = out.with_columns(  # nrr, grr as floats (timing; the check rounds polars' exact sums half-even to 6 places)
        pl.when(start > 0).then((kept + pl.col("expansion")).cast(pl.Float64) / start).alias("nrr"),
        pl.when(start > 0).then(kept.cast(pl.Float64) / start).alias("grr"),
        *wilson_pl(pl.col("kept"), pl.col("n"), "account_retention"), (pl.col("n") - pl.col("kept")).alias("accounts_churned"),
    )
    return (out.collect(),)


def subscriptions_expected(f: dict) -> dict:
    (out,) = subscriptions_polars(f)
    exp = {}
    for r in out.to_dicts():
        s, ex, co, ch, new = (dec(r[c]) for c in ("start", "expansion", "contraction", "churned", "new"))
        g = subscriptions_row(s, ex, co, ch, new, r["n"], r["kept"])
        g.update(pick_cols(r, prop_cols("account_retention") + ["accounts_churned"]))  # as polars computed them
        exp[(r["partner_id"], r["window"])] = g
    groups = {k[0] for k in exp}  # a group with data in one quarter has a row in every quarter
    for g in groups:
        for q in QUARTERS:
            exp.setdefault((g, q), subscriptions_default())
    return exp


def subscriptions_row(s: Decimal, ex: Decimal, co: Decimal, ch: Decimal, new: Decimal, n: int, kept: int) -> dict:
    out = {"retention_mrr_start": s, "mrr_expansion": ex, "mrr_contraction": co, "mrr_churned": ch, "mrr_new": new,
           "nrr": div6(s + ex - co - ch, s), "grr": div6(s - co - ch, s)}  # fmt: skip
    out.update(proportion("account_retention", kept, n), accounts_churned=n - kept)
    return out


def subscriptions_default() -> dict:
    z = Decimal(0)
    return subscriptions_row(z, z, z, z, z, 0, 0)


# ---- satisfaction: partner_csat, partner_satisfaction -------------------------------------------

TOPICS = ["rewards", "communications", "training", "support", "other"]


def surveys_data(n: int, seed: int = 17) -> dict:
    """Answers 2024-07 … 2026-06: 45 % CSAT (1–5), 25 % NPS (0–10), 30 % partner satisfaction
    (1–5 in half steps, a topic or none); 5 % about no partner."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(3, n, p=[0.45, 0.25, 0.30])
    tenths = np.select([kind == 0, kind == 1], [rng.integers(1, 6, n) * 10, rng.integers(0, 11, n) * 10], rng.integers(2, 11, n) * 5)
    d0, d1 = day(date(2024, 7, 1)), day(date(2026, 6, 30))
    sv = pa.table({
        "survey_id": ids("S", n),
        "kind": pick(["csat", "nps", "partner_satisfaction"], kind),
        "topic": pick(TOPICS, rng.integers(0, 5, n), (kind != 2) | (rng.random(n) < 0.1)),
        "scale": pa.array(np.where(kind == 1, 10, 5).astype(np.int32)),
        "score": money(tenths, scale=1, precision=4),
        "submitted_on": dates(rng.integers(d0, d1 + 1, n)),
        "partner_id": pick(partner_names(workload.PARTNERS), rng.integers(0, workload.PARTNERS, n), rng.random(n) < 0.05),
    })  # fmt: skip
    return {"surveys": sv}


def surveys_ours(t: dict) -> pa.Table:
    return ck.query(surveys=t["surveys"], period="2025", buckets="quarter", by="partner",
                    metrics=["partner_csat", "partner_satisfaction"], output="pyarrow")  # fmt: skip


def surveys_polars(f: dict) -> tuple:
    k, score = pl.col("kind"), pl.col("score")
    csat, nps, ps = k == "csat", k == "nps", k == "partner_satisfaction"
    topic = pl.col("topic").fill_null("other")
    rounded = score.cast(pl.Float64).round(0, mode="half_to_even")
    quarter = pl.date(pl.col("submitted_on").dt.year(), (pl.col("submitted_on").dt.month() - 1) // 3 * 3 + 1, 1)
    out = (
        f["surveys"].lazy()
        .filter(pl.col("submitted_on").is_between(P0, P1, closed="left"))
        .with_columns(quarter.alias("window"))
        .group_by("partner_id", "window")
        .agg(csat.sum().alias("csat_n"), (csat & (score >= 4)).sum().alias("csat_hits"), score.filter(csat).sum().alias("csat_sum"),
             nps.sum().alias("nps_responses"), (nps & (score >= 9)).sum().alias("nps_promoters"),
             (nps & (score <= 6)).sum().alias("nps_detractors"),
             *[(ps & (topic == t)).sum().alias(f"{t}_n") for t in TOPICS],
             *[score.filter(ps & (topic == t)).sum().alias(f"{t}_sum") for t in TOPICS],
             *[(ps & (rounded == s)).sum().alias(f"satisfaction_score_{s}") for s in range(1, 6)])
    )  # fmt: skip
    mean = lambda total, n: pl.when(n > 0).then(total.cast(pl.Float64) / n)  # noqa: E731
    p, d, nn = pl.col("nps_promoters"), pl.col("nps_detractors"), pl.col("nps_responses")
    all_n, all_sum = pl.sum_horizontal(*[f"{t}_n" for t in TOPICS]), pl.sum_horizontal(*[f"{t}_sum" for t in TOPICS])
    out = out.with_columns(
        *wilson_pl(pl.col("csat_hits"), pl.col("csat_n"), "csat"), mean(pl.col("csat_sum"), pl.col("csat_n")).alias("csat_mean"),
        pl.when(nn > 0).then((p.cast(pl.Float64) - d.cast(pl.Float64)) / nn.cast(pl.Float64) * 100.0).alias("nps"),
        all_n.alias("satisfaction_responses"), mean(all_sum, all_n).alias("satisfaction_mean"),
        *[pl.col(f"{t}_n").alias(f"satisfaction_{t}_n") for t in TOPICS],
        *[mean(pl.col(f"{t}_sum"), pl.col(f"{t}_n")).alias(f"satisfaction_{t}_mean") for t in TOPICS],
    )  # fmt: skip
    return (out.collect(),)


def surveys_expected(f: dict) -> dict:
    (out,) = surveys_polars(f)
    cols = list(surveys_default())
    exp = {(r["partner_id"], r["window"]): pick_cols(r, cols) for r in out.to_dicts()}
    for g in {k[0] for k in exp}:
        for q in QUARTERS:
            exp.setdefault((g, q), surveys_default())
    return exp


def surveys_default() -> dict:
    """The row of a group and quarter without answers."""
    out = {**proportion("csat", 0, 0), "csat_mean": None, "nps": None, "nps_responses": 0, "nps_promoters": 0, "nps_detractors": 0,
           "satisfaction_responses": 0, "satisfaction_mean": None}  # fmt: skip
    for t in TOPICS:
        out.update({f"satisfaction_{t}_n": 0, f"satisfaction_{t}_mean": None})
    return {**out, **{f"satisfaction_score_{s}": 0 for s in range(1, 6)}}


# ---- training: training_impact -------------------------------------------------------------------

W = 90  # options.training_window_days
SAMPLES, SEED, CONFIDENCE = 1000, 42, 0.95  # options.bootstrap_samples, bootstrap_seed, confidence


def training_data(partners: int, courses: int, deals: int, seed: int = 19) -> dict:
    """The standard deals (partner ids re-drawn over ``partners``, 10 % direct); courses
    attended 2024–2025 by people of the first 70 % of partners (the rest never train: the
    controls), 70 % completed 0–60 days later."""
    rng = np.random.default_rng(seed + 10_000)  # not workload's stream
    names = partner_names(partners)
    d = workload.generate(deals, seed)
    d = d.set_column(d.schema.get_field_index("partner_id"), "partner_id",
                     pick(names, rng.integers(0, partners, deals), rng.random(deals) < 0.10))  # fmt: skip
    attended = rng.integers(day(date(2024, 1, 1)), day(date(2025, 12, 31)) + 1, courses)
    done = rng.random(courses) < 0.7
    c = pa.table({"partner_id": pick(names, rng.integers(0, max(1, partners * 7 // 10), courses)),
                  "person_id": ids("U", courses), "course_id": pick([f"C{i:02d}" for i in range(50)], rng.integers(0, 50, courses)),
                  "attended_on": dates(attended), "completed_on": dates(attended + rng.integers(0, 61, courses), ~done)})  # fmt: skip
    p = pa.table({"partner_id": pa.array(names), "joined_on": dates(np.full(partners, day(date(2022, 1, 1))))})
    return {"data": d, "courses": c, "partners": p}


def training_ours(t: dict) -> pa.Table:
    return ck.query(t["data"], courses=t["courses"], partners=t["partners"], period="2025", metrics=["training_impact"], output="pyarrow")


def splitmix_bootstrap(xs: np.ndarray) -> tuple:
    """training_impact's percentile bootstrap of the mean, with its splitmix64 stream (numpy,
    uint64 wrapping arithmetic): draw k = seed + k·γ mixed, index = (z · n) >> 64."""
    n = len(xs)
    if n < 2:
        return None, None
    with np.errstate(over="ignore"):
        z = np.uint64(SEED) + np.arange(1, SAMPLES * n + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
        nn = np.uint64(n)
        idx = ((z >> np.uint64(32)) * nn + (((z & np.uint64(0xFFFFFFFF)) * nn) >> np.uint64(32))) >> np.uint64(32)
    means = np.sort(xs[idx.astype(np.int64).reshape(SAMPLES, n)].sum(axis=1) / n)
    alpha = 1.0 - CONFIDENCE

    def q(p: float) -> float:
        pos = p * (SAMPLES - 1)
        i, frac = int(math.floor(pos)), pos - math.floor(pos)
        return float(means[i] + (means[min(i + 1, SAMPLES - 1)] - means[i]) * frac)

    return q(alpha / 2.0), q(1.0 - alpha / 2.0)


def training_polars(f: dict) -> dict:
    in_w = pl.col("completed_on").is_between(P0, P1, closed="left")
    comp = f["courses"].lazy().filter(pl.col("completed_on").is_not_null())
    trained = comp.group_by("partner_id").agg(pl.col("completed_on").filter(in_w).min().alias("c")).filter(pl.col("c").is_not_null())
    closed = (
        f["data"].lazy()
        .filter(pl.col("partner_id").is_not_null() & pl.col("status").is_in(["won", "lost"]))
        .select("partner_id", "closed_on", (pl.col("status") == "won").cast(pl.Int64).alias("won"))
    )  # fmt: skip
    c, x = pl.col("c"), pl.col("closed_on")
    before, after = x.is_between(c - timedelta(days=W), c, closed="left"), x.is_between(c, c + timedelta(days=W), closed="left")
    own = (
        closed.join(trained, on="partner_id")
        .group_by("partner_id")
        .agg(pl.col("won").filter(before).sum().alias("wb"), before.sum().alias("nb"),
             pl.col("won").filter(after).sum().alias("wa"), after.sum().alias("na"))
    )  # fmt: skip
    # controls: every partner without a completion, their deals pooled per closing day; the
    # sums over [from, to) as differences of an exclusive running total
    daily = closed.join(comp.select("partner_id").unique(), on="partner_id", how="anti").group_by("closed_on").agg(
        pl.col("won").sum().alias("w"), pl.len().alias("n"))
    lo, hi = P0 - timedelta(days=W), P1 + timedelta(days=W)
    cal = (
        pl.LazyFrame({"closed_on": pl.date_range(lo, hi, eager=True)})
        .join(daily, on="closed_on", how="left")
        .sort("closed_on")
        .with_columns(pl.col("w", "n").fill_null(0))
        .with_columns((pl.col("w").cum_sum() - pl.col("w")).alias("cw"), (pl.col("n").cum_sum() - pl.col("n")).alias("cn"))
        .select("closed_on", "cw", "cn")
    )  # fmt: skip
    at = lambda col, tag: cal.select(pl.col("closed_on").alias(col), pl.col("cw").alias(f"w{tag}"), pl.col("cn").alias(f"n{tag}"))  # noqa: E731
    rate = lambda w, n: pl.when(pl.col(n) >= 1).then(pl.col(w) / pl.col(n))  # noqa: E731
    per = (
        trained.with_columns((c - timedelta(days=W)).alias("c0"), (c + timedelta(days=W)).alias("c1"))
        .join(own, on="partner_id", how="left")
        .join(at("c0", "0"), on="c0", how="left").join(at("c", "1"), on="c", how="left").join(at("c1", "2"), on="c1", how="left")
        .with_columns(rate("wb", "nb").alias("before"), rate("wa", "na").alias("after"),
                      (pl.col("w1") - pl.col("w0")).alias("cwb"), (pl.col("n1") - pl.col("n0")).alias("cnb"),
                      (pl.col("w2") - pl.col("w1")).alias("cwa"), (pl.col("n2") - pl.col("n1")).alias("cna"))
        .with_columns((pl.col("after") - pl.col("before")).alias("change"), (rate("cwa", "cna") - rate("cwb", "cnb")).alias("ctrl"))
        .with_columns((pl.col("change") - pl.col("ctrl")).alias("did"))
        .sort("partner_id")
    )  # fmt: skip
    r = per.collect()
    has = r.filter(pl.col("change").is_not_null())
    did = has["did"].drop_nulls().to_numpy()
    lo_ci, hi_ci = splitmix_bootstrap(did)
    mean = lambda s: s.mean() if s.len() else None  # noqa: E731
    return {"training_partners": r.height, "training_n": has.height, "training_before": mean(has["before"]),
            "training_after": mean(has["after"]), "training_change": mean(has["change"]), "training_did_n": len(did),
            "training_control_change": mean(has["ctrl"].drop_nulls()), "training_did": mean(has["did"].drop_nulls()),
            "training_did_ci_low": lo_ci, "training_did_ci_high": hi_ci}  # fmt: skip


def training_expected(f: dict) -> dict:
    return {(): training_polars(f)}


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
