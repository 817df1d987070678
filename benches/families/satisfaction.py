"""The satisfaction workload of ``bench_families.py``: partner_csat, partner_satisfaction."""

from __future__ import annotations

from families.common import *  # noqa: F403 (the helpers, numpy, polars, pyarrow)


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
