"""Cohorts from Python: a long table even ungrouped, the heatmap ``ck.plot`` picks for a cohort
result, and the same table through partial states split across Dask partitions. The
hand-checked year is the golden vector tests/golden/cohorts_year_with_reactivation.json (run by
test_golden.py as well)."""

from __future__ import annotations

import json
import pathlib
from decimal import Decimal

import pandas as pd
import pytest

import channel_kpi as ck

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "data" / "subscriptions.csv"


def year() -> ck.Dataset:
    case = json.loads((ROOT / "tests" / "golden" / "mrr_movements_year_with_reactivation.json").read_text())
    return ck.Dataset.from_json(json.dumps(case["dataset"]))


def test_cohorts_are_a_long_table_even_ungrouped():
    c = ck.cohorts(year(), period="2025", output="pandas")
    assert list(c.columns[:4]) == ["period_start", "period_end", "cohort", "age"]
    jan = c[c["cohort"].astype(str) == "2025-01-01"].set_index("age")
    assert jan.loc[4, "logo_retention"] == 0.5 and jan.loc[7, "revenue_retention"] == Decimal("1.1")
    with pytest.raises(ck.QueryError, match="alone"):
        ck.query(year(), metrics=["cohorts", "mrr_movements"], period="2025")


def test_plot_draws_a_heatmap_for_a_cohort_result():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.image import AxesImage

    fig = ck.plot(ck.cohorts(year(), period="2025", output="pandas"))
    images = [a for ax in fig.axes for a in ax.get_images() if isinstance(a, AxesImage)]
    assert len(images) == 1
    grid = images[0].get_array()
    assert grid.shape == (3, 12)  # cohorts Jan, Mar, Jun × ages 0-11
    assert grid[0, 4] == 0.5 and grid[1, 8] == 0.0
    fig = ck.plot(ck.cohorts(year(), period="2025", output="pyarrow"), metrics="revenue_retention")
    assert "revenue_retention" in fig.axes[0].get_title()


def test_dask_partitions_give_the_one_machine_cohorts():
    dd = pytest.importorskip("dask.dataframe")
    from channel_kpi import scale

    subs = pd.read_csv(SAMPLE, dtype={"mrr": str})
    for metric, kw in (("cohorts", {"by": "partner"}), ("cohorts", {"buckets": "quarter"})):
        one = ck.query(subscriptions=subs, metrics=metric, period="2025", output="pandas", **kw)
        split = scale.dask_query(subscriptions=dd.from_pandas(subs, npartitions=5), metrics=metric, period="2025", **kw)
        pd.testing.assert_frame_equal(one.reset_index(drop=True), split.reset_index(drop=True), check_dtype=False)


def test_partner_cohorts_by_join_quarter_on_the_sample():
    partners = pd.read_csv(ROOT / "examples" / "data" / "partners.csv", dtype=str)
    deals = pd.read_csv(ROOT / "examples" / "data" / "deals.csv", dtype=str)
    t = ck.partner_cohorts(deals, partners=partners, period="2025", output="pandas")
    assert {"cohort", "age", "logo_retention", "revenue_retention"} <= set(t.columns)
    # Independently: the partners who joined in 2025-Q1 are the cohort's size at every age.
    joined = pd.to_datetime(partners["joined_on"])
    q1 = int(((joined >= "2025-01-01") & (joined < "2025-04-01")).sum())
    first = t[t["cohort"].astype(str) == "2025-01-01"]
    if q1:
        assert list(first["age"]) == [0, 1, 2, 3] and set(first["cohort_size"]) == {q1}
    else:
        assert first.empty
    assert (t["logo_retention"].dropna() <= 1).all()


def test_cohorts_by_a_date_column_of_a_pandas_frame():
    """``options={"cohort_by": "attr:<column>"}``: accounts by their signup date, given as a
    pandas datetime column (the hand-checked case of tests/golden/cohorts_by_signup_date.json),
    merged across Dask-style partials like the default."""
    case = json.loads((ROOT / "tests" / "golden" / "cohorts_by_signup_date.json").read_text())
    rows = [
        {"account_id": s["account_id"], "month": s["month"], "mrr": s["mrr"]["amount"], "currency": "USD",
         "signed_up_on": (s.get("attrs") or {}).get("signed_up_on")}
        for s in case["dataset"]["subscriptions"]
    ]  # fmt: skip
    subs = pd.DataFrame(rows)
    subs["signed_up_on"] = pd.to_datetime(subs["signed_up_on"])
    t = ck.cohorts(subscriptions=subs, period="2025-Q1", options={"cohort_by": "attr:signed_up_on"}, output="pandas")
    got = [(str(r.cohort)[:10], r.age, r.cohort_size, r.active_accounts) for r in t.itertuples()]
    want = [(r["cohort"], r["age"], r["cohort_size"], r["active_accounts"]) for r in case["expected"]["rows"]]
    assert got == want
    assert t["revenue_retention"].iloc[0] == Decimal("0.666667")
    # The default puts D (no signup date) in January and B (first paid in February) in February.
    default = ck.cohorts(subscriptions=subs, period="2025-Q1", output="pandas")
    assert list(default[default["age"] == 0]["cohort_size"]) == [2, 2]
    with pytest.raises(ck.QueryError, match="first_won is for partner_cohorts"):
        ck.cohorts(subscriptions=subs, period="2025-Q1", options={"cohort_by": "first_won"})


def test_partner_cohorts_by_first_win_on_the_sample():
    partners = pd.read_csv(ROOT / "examples" / "data" / "partners.csv", dtype=str)
    deals = pd.read_csv(ROOT / "examples" / "data" / "deals.csv", dtype=str)
    t = ck.partner_cohorts(deals, partners=partners, period="2025", as_of="2025-12-31",
                           options={"cohort_by": "first_won"}, output="pandas")  # fmt: skip
    # Independently: each partner's first won close date; those in 2025 form the cohorts.
    won = deals[(deals["status"] == "won") & deals["partner_id"].notna() & deals["closed_on"].notna()]
    first = pd.to_datetime(won.groupby("partner_id")["closed_on"].min())
    first = first[first.dt.year == 2025]
    want = first.dt.to_period("Q").dt.start_time.value_counts().sort_index()
    age0 = t[t["age"] == 0].set_index(pd.to_datetime(t[t["age"] == 0]["cohort"].astype(str)))["cohort_size"]
    assert not want.empty and {k.date(): v for k, v in want.items()} == {k.date(): v for k, v in age0.items()}


def test_dask_partitions_give_the_one_machine_cohorts_by_another_date():
    dd = pytest.importorskip("dask.dataframe")
    from channel_kpi import scale

    partners = pd.read_csv(ROOT / "examples" / "data" / "partners.csv", dtype=str)
    deals = pd.read_csv(ROOT / "examples" / "data" / "deals.csv", dtype=str)
    for by in ("first_won", "first_deal"):
        kw = {"period": "2025", "as_of": "2025-12-31", "options": {"cohort_by": by}, "by": "partner_tier"}
        one = ck.query(deals, partners=partners, metrics="partner_cohorts", output="pandas", **kw)
        split = scale.dask_query(dd.from_pandas(deals, npartitions=4), partners=partners, metrics="partner_cohorts", **kw)
        assert not one.empty
        pd.testing.assert_frame_equal(one.reset_index(drop=True), split.reset_index(drop=True), check_dtype=False)
    subs = pd.read_csv(SAMPLE, dtype={"mrr": str})
    subs["signed_up_on"] = subs.groupby("account_id")["month"].transform("min") + "-15"
    kw = {"period": "2025", "options": {"cohort_by": "attr:signed_up_on"}}
    one = ck.query(subscriptions=subs, metrics="cohorts", output="pandas", **kw)
    split = scale.dask_query(subscriptions=dd.from_pandas(subs, npartitions=5), metrics="cohorts", **kw)
    assert not one.empty
    pd.testing.assert_frame_equal(one.reset_index(drop=True), split.reset_index(drop=True), check_dtype=False)
