"""The customer success workload of ``bench_families.py``: mrr_retention, account_retention."""

from __future__ import annotations

from families.common import *  # noqa: F403 (the helpers, numpy, polars, pyarrow)


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
