"""The training workload of ``bench_families.py``: training_impact."""

from __future__ import annotations

from families.common import *  # noqa: F403 (the helpers, numpy, polars, pyarrow)


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
