"""The leads workload of ``bench_families.py``: lead_conversion_rate, channel_performance."""

from __future__ import annotations

from families.common import *  # noqa: F403 (the helpers, numpy, polars, pyarrow)


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
