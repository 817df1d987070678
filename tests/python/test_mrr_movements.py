"""MRR movements from Python: single values, tables, and the same figures through partial
states split across Dask partitions (what Spark workers do too). The hand-checked year is the golden vector
tests/golden/mrr_movements_year_with_reactivation.json (run by test_golden.py as well)."""

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


def test_movements_of_the_year_as_a_dict_and_per_month():
    m = ck.mrr_movements(year(), period="2025")
    assert (m["new_mrr"], m["reactivation_mrr"], m["churned_mrr"]) == (Decimal(410), Decimal(180), Decimal(250))
    assert m["ending_mrr"] == m["starting_mrr"] + m["net_new_mrr"] == Decimal(440)
    assert m["quick_ratio"] == Decimal("2.285714")
    months = ck.mrr_movements(year(), period="2025", buckets="month", output="pandas")
    assert [str(d) for d in months.loc[months["reactivated_accounts"] > 0, "period_start"]] == ["2025-08-01"]
    assert ck.mrr_movements(year(), period="2026-01")["ending_mrr"] == Decimal(440)  # open contracts run on


def test_dask_partitions_give_the_one_machine_movements():
    dd = pytest.importorskip("dask.dataframe")
    from channel_kpi import scale

    subs = pd.read_csv(SAMPLE, dtype={"mrr": str})
    for metric, kw in (("mrr_movements", {"buckets": "quarter", "by": "partner"}),):
        one = ck.query(subscriptions=subs, metrics=metric, period="2025", output="pandas", **kw)
        split = scale.dask_query(subscriptions=dd.from_pandas(subs, npartitions=5), metrics=metric, period="2025", **kw)
        pd.testing.assert_frame_equal(one.reset_index(drop=True), split.reset_index(drop=True), check_dtype=False)
