"""The pipeline workload of ``bench_families.py``: pipeline_change, stage_duration, stage_funnel."""

from __future__ import annotations

from families.common import *  # noqa: F403 (the helpers, numpy, polars, pyarrow)


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
