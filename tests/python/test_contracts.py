"""Subscription contracts from Python: a contracts table (amendments in one cell), a churn
snapshot derived through a mapping alone (IBM Telco, checked against pandas computing the same
figures from the CSV), and the contract's errors."""

from __future__ import annotations

import os
import pathlib
from decimal import Decimal

import pandas as pd
import pytest

import channel_kpi as ck

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATASETS = pathlib.Path(os.environ.get("CHANNEL_KPI_DATASETS", ROOT.parent / "shared" / "datasets"))
TELCO = DATASETS / "ibm-telco-customer-churn"


def contracts() -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": ["A", "B", "C"], "plan": ["pro", "pro", "basic"], "mrr": ["100", "100", "80"],
        "currency": ["USD"] * 3, "started_on": ["2024-11-15", "2024-12-01", "2024-10-01"],
        "ended_on": [None, "2025-03-15", None], "amendments": ["2025-02-10=150", None, "2025-03-31=40"],
    })  # fmt: skip


def test_a_contracts_table_expands_into_monthly_mrr_in_the_core():
    r = ck.mrr_retention(contracts=contracts(), period="2025-Q1")
    # December: A 100, B 100, C 80. March: A 150 (amended), B ended on 03-15, C 40 (amended 03-31).
    assert r["retention_mrr_start"] == Decimal("280")
    assert (r["mrr_expansion"], r["mrr_contraction"], r["mrr_churned"]) == (Decimal(50), Decimal(40), Decimal(100))
    by_plan = ck.account_retention(contracts=contracts(), period="2025-Q1", by="attr:plan", output="pandas")
    assert dict(zip(by_plan["plan"], by_plan["account_retention"])) == {"basic": 1.0, "pro": 0.5}


def test_a_bad_amendment_names_row_column_and_value():
    t = contracts()
    t.loc[1, "amendments"] = "2025-04-01=90"  # after B ended
    with pytest.raises(ck.InvalidRecordError) as e:
        ck.load(contracts=t)
    assert "amendments" in str(e.value) and "2025-04-01" in str(e.value) and "ended" in str(e.value)


@pytest.mark.skipif(not TELCO.is_dir(), reason=f"SKIPPED: real dataset folder not found ({TELCO})")
def test_telco_churn_and_grr_by_contract_type_match_pandas():
    mapping = (ROOT / "examples" / "mappings" / "telco_contracts.json").read_text()
    ds = ck.load_files(TELCO, mapping=mapping)
    got = ck.query(ds, metrics=["account_retention", "mrr_retention"], period="2025-01", by="attr:plan", output="pandas")
    got = got.set_index("plan")

    # Independently, from the CSV: active in December 2024 = tenure ≥ 1 (the snapshot is dated
    # 2025-01-31); churned = Churn == "Yes" (gone in January).
    raw = pd.read_csv(TELCO / "Telco-Customer-Churn.csv", dtype={"MonthlyCharges": str})
    raw["mrr"] = raw["MonthlyCharges"].map(Decimal)
    start = raw[raw["tenure"] >= 1]
    for plan, g in start.groupby("Contract"):
        churned = g[g["Churn"] == "Yes"]
        row = got.loc[plan]
        assert row["account_retention_n"] == len(g)
        assert row["accounts_churned"] == len(churned)
        assert 1 - row["account_retention"] == pytest.approx(len(churned) / len(g), abs=1e-12)
        mrr, lost = sum(g["mrr"], Decimal(0)), sum(churned["mrr"], Decimal(0))
        assert row["retention_mrr_start"] == mrr and row["mrr_churned"] == lost
        assert row["grr"] == ((mrr - lost) / mrr).quantize(Decimal("0.000001"))
