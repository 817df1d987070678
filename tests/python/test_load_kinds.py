"""``channel_kpi.load`` takes every record kind the core loads, as tables of strings (the
bundled sample data read with ``pd.read_csv(dtype=str)``), and the counts match the files."""

import csv

import pandas as pd
import pytest

import channel_kpi as ck


def test_tables_lists_every_kind_the_core_loads(root):
    stems = {p.stem for p in (root / "examples" / "data").glob("*.csv")}
    assert stems <= set(ck.TABLES)
    assert "fx_rates" in ck.TABLES and "contracts" in ck.TABLES and len(ck.TABLES) == 19


def test_every_sample_file_loads_through_pandas(root):
    files = sorted((root / "examples" / "data").glob("*.csv"))
    tables = {p.stem: pd.read_csv(p, dtype=str) for p in files}
    data = ck.load(**tables)
    counts = dict(data.counts())
    for p in files:
        if p.stem in counts:
            with p.open(newline="") as f:
                rows = sum(1 for _ in csv.DictReader(f))
            assert counts[p.stem] == rows, p.stem
    for kind in ("courses", "surveys", "program_costs", "subscriptions", "tickets", "onboarding", "engagement",
                 "referrals", "usage"):  # fmt: skip
        assert counts[kind] > 0, kind
    # A customer-success KPI and a training KPI run on the loaded dataset.
    retention = ck.mrr_retention(data, period="2025")
    assert retention["nrr"] is not None and retention["nrr"] > 0
    courses = ck.courses_per_partner(data, period="2025")
    assert isinstance(courses, float) and courses > 0, "courses per active partner"


def test_unknown_kind_is_a_type_error_naming_the_kinds():
    with pytest.raises(TypeError, match="expected org_units, partners"):
        ck.load(pd.DataFrame({"x": [1]}), invoices=pd.DataFrame({"x": [1]}))
