"""The Maven CRM export read with pandas and the repository's mapping gives the numbers of the
Rust integration test (crates/channel-kpi/tests/real_datasets.rs), i.e. the independently
computed oracle tests/expected/maven.json."""

import json
import os
import pathlib
from decimal import ROUND_HALF_EVEN, Decimal

import pandas as pd
import pytest

import channel_kpi as ck

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATASETS = pathlib.Path(os.environ.get("CHANNEL_KPI_DATASETS", ROOT.parent / "shared" / "datasets"))
MAVEN = DATASETS / "maven-crm-sales-opportunities"
METRICS = ["deal_count", "close_rate", "won_revenue", "avg_deal_size", "sales_cycle_days"]

pytestmark = pytest.mark.skipif(not MAVEN.is_dir(), reason=f"SKIPPED: ../shared/datasets not found (looked in {MAVEN})")


@pytest.fixture(scope="module")
def data():
    mapping = (ROOT / "examples" / "mappings" / "maven.json").read_text()
    deals = pd.read_csv(MAVEN / "sales_pipeline.csv", dtype=str)
    teams = pd.read_csv(MAVEN / "sales_teams.csv", dtype=str)
    return ck.load(deals, org_units=teams, mapping=mapping)


def check(row, want, what):
    assert row["won_count"] == want["won_count"], what
    assert row["lost_count"] == want["lost_count"], what
    assert row["close_rate"] == pytest.approx(want["close_rate"], abs=1e-12), what
    assert row["won_revenue"] == Decimal(want["won_revenue"]), what
    exact = Decimal(want["won_revenue"]) / want["won_count"]
    assert row["avg_deal_size"] == exact.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN), what
    assert row["sales_cycle_days"] == pytest.approx(want["cycle_mean_days"], abs=1e-9), what


def test_overall(data):
    want = json.loads((ROOT / "tests" / "expected" / "maven.json").read_text())
    t = ck.query(data, metrics=METRICS, period="2017", output="pandas")
    assert t.attrs["currency"] == "USD"
    check(t.iloc[0].to_dict(), want["overall"], "overall")


@pytest.mark.parametrize("dim,section", [("owner", "by_sales_agent"), ("org:office", "by_regional_office")])
def test_groups(data, dim, section):
    want = json.loads((ROOT / "tests" / "expected" / "maven.json").read_text())[section]
    t = ck.query(data, metrics=METRICS, period="2017", by=dim, output="pandas")
    key = t.columns[0]
    assert len(t) == len(want)
    for _, row in t.iterrows():
        check(row.to_dict(), want[row[key]], f"{dim}={row[key]}")
