"""The forecast family from Python: ``ck.forecast`` / ``ck.forecast_backtest`` /
``ck.stage_win_rate`` on the bundled sample and on the Maven export (skipped, saying so,
without ../shared/datasets), learned vs static probabilities side by side; the same numbers
as the Rust tests and the CLI (crates/channel-kpi/tests/forecast_datasets.rs)."""

import os
import pathlib

import pandas as pd
import pytest

import channel_kpi as ck

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATASETS = pathlib.Path(os.environ.get("CHANNEL_KPI_DATASETS", ROOT.parent / "shared" / "datasets"))
MAVEN = DATASETS / "maven-crm-sales-opportunities"


@pytest.fixture(scope="module")
def sample():
    return ck.load_files(ROOT / "examples" / "data")


def show(row, what):
    """Prints an ungrouped backtest (a dict; pytest -s shows it): error and coverage, learned
    vs static."""
    print(f"\n{what}: {row['backtest_periods']} periods, {row['backtest_won']} won")
    for m in ("learned", "static"):
        cols = [f"backtest_{m}_count_{k}" for k in ("mae", "bias", "wape", "coverage")]
        print(f"  {m:8}", "  ".join(f"{c.rsplit('_', 1)[1]} {row[c]:.4f}" for c in cols))
    return row


def test_sample_forecast_and_backtest(sample):
    f = ck.forecast(sample, period="2025")
    assert isinstance(f, dict)
    assert f["forecast_open"] == 360 and f["forecast_won"] == 102
    assert f["forecast_learned_count"] is None  # nothing was open a year before: no history
    assert f["forecast_static_count"] == pytest.approx(95.25)
    assert f["forecast_static_count_lo"] <= f["forecast_won"] <= f["forecast_static_count_hi"]
    row = show(ck.forecast_backtest(sample, period="2025"), "sample 2025 by quarter")
    assert row["backtest_periods"] == 4 and row["backtest_won"] == 400
    assert row["backtest_learned_count_wape"] == pytest.approx(0.4486, abs=5e-5)  # as the CLI prints
    assert row["backtest_static_count_wape"] == pytest.approx(0.65625)
    assert row["backtest_static_count_coverage"] == 0.5
    monthly = show(
        ck.forecast_backtest(sample, period="2025", options={"forecast_horizon": "month"}),
        "sample 2025 by month",
    )
    assert monthly["backtest_periods"] == 12
    assert monthly["backtest_learned_count_wape"] * 5 < monthly["backtest_static_count_wape"]


def test_seeded_monte_carlo_is_reproducible(sample):
    kw = {"period": "2025-Q3", "by": "partner_tier", "output": "pandas"}
    a = ck.forecast(sample, **kw)
    b = ck.forecast(sample, **kw)
    assert a.equals(b)
    c = ck.forecast(sample, options={"forecast_seed": 7}, **kw)
    assert not a["forecast_learned_value_lo"].equals(c["forecast_learned_value_lo"])
    assert a["forecast_learned_value"].equals(c["forecast_learned_value"])  # the mean is no draw


def test_stage_win_rate_shrinks_thin_partners(sample):
    pooled = ck.stage_win_rate(sample, period="2025")["win_demo"]
    t = ck.stage_win_rate(sample, period="2025", by="partner", output="pandas")
    k = 20  # the default prior strength, in pseudo-deals
    for _, r in t[t["win_demo_n"] > 0].iterrows():
        # between its own rate and the pooled one, at (won + k·pooled) ÷ (n + k)
        won = round(r["win_demo_raw"] * r["win_demo_n"])
        assert r["win_demo"] == pytest.approx((won + k * pooled) / (r["win_demo_n"] + k), abs=1e-12)
        assert min(r["win_demo_raw"], pooled) <= r["win_demo"] <= max(r["win_demo_raw"], pooled)
        assert r["win_demo_lo"] <= r["win_demo_raw"] <= r["win_demo_hi"]
    assert (t["win_demo_static"] == 0.4).all()
    with pytest.raises(ck.QueryError, match="forecast_prior"):
        ck.stage_win_rate(sample, period="2025", options={"forecast_prior": -1})


@pytest.mark.skipif(not MAVEN.is_dir(), reason=f"SKIPPED: ../shared/datasets not found (looked in {MAVEN})")
def test_maven_backtest_learned_vs_static():
    data = ck.load_files(
        MAVEN, ROOT / "examples" / "mappings" / "maven" / "pipeline.csv",
        mapping=(ROOT / "examples" / "mappings" / "maven_forecast.json").read_text(),
    )  # fmt: skip
    row = show(ck.forecast_backtest(data, period="2017"), "Maven 2017 by quarter")
    assert row["backtest_periods"] == 3 and row["backtest_won"] == 1785
    assert row["backtest_learned_count_wape"] < row["backtest_static_count_wape"]
    # pandas frames and the mapping give the same forecast as the files
    deals = pd.read_csv(MAVEN / "sales_pipeline.csv", dtype=str)
    pipeline = pd.read_csv(ROOT / "examples" / "mappings" / "maven" / "pipeline.csv", dtype=str)
    mapping = (ROOT / "examples" / "mappings" / "maven_forecast.json").read_text()
    framed = ck.load(deals, stage_history=deals, pipeline=pipeline, mapping=mapping)
    a = ck.forecast(framed, period="2017-Q3")
    b = ck.forecast(data, period="2017-Q3")
    assert a == b and a["forecast_open"] > 1000
