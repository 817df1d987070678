"""Issue 15, "charts a reader would choose": scorecard bars sorted by value, short money axes
(``1.2M``), at most ``top`` groups with the rest named, a comparison drawn as current next to
previous, quarterly trends ticked by quarter. Checked on the axes' contents (the PNGs were
looked at when the rules were written: python/examples/partner_scorecard.ipynb draws them)."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

import channel_kpi as ck

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from channel_kpi._plot import short_money  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def deals(n_partners: int = 20) -> pd.DataFrame:
    """Partner P00 wins 1 deal of 100,000, P01 2 of them, … (revenue grows with the number);
    one lost deal each; all in 2025, half in Q1 and half in Q4."""
    rows = []
    for p in range(n_partners):
        for k in range(p + 1):
            month = "01" if k % 2 == 0 else "11"
            rows.append((f"P{p:02}-{k}", f"P{p:02}", "won", f"2025-{month}-15", "100000"))
        rows.append((f"P{p:02}-lost", f"P{p:02}", "lost", "2025-02-15", "10"))
    df = pd.DataFrame(rows, columns=["deal_id", "partner_id", "status", "closed_on", "amount"])
    return df.assign(created_on="2025-01-01", currency="USD")


def labels(a) -> "list[str]":
    return [t.get_text() for t in a.get_yticklabels()]


def test_scorecard_bars_sorted_top_n_and_others():
    card = ck.scorecard(deals(), period="2025", metrics=["won_revenue"])
    a = ck.plot(card, top=5).axes[0]
    assert labels(a) == ["P19", "P18", "P17", "P16", "P15", "others (15 more groups)"]
    assert [p.get_width() for p in a.patches] == [2_000_000.0, 1_900_000.0, 1_800_000.0, 1_700_000.0, 1_600_000.0]
    assert len(labels(ck.plot(card).axes[0])) == 16  # default top=15, plus the others label
    with pytest.raises(ValueError, match="top must be at least 1"):
        ck.plot(card, top=0)


def test_money_axis_is_short():
    assert [short_money(x) for x in (0, 950, 12_500, 1_200_000, 3_000_000_000, 2.5)] == ["0", "950", "12.5k", "1.2M", "3B", "2.5"]
    fig = ck.plot(ck.scorecard(deals(), period="2025", metrics=["won_revenue"]))
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "1M" in ticks and "500k" in ticks, ticks


def test_a_comparison_draws_current_next_to_previous():
    cmp = ck.scorecard(deals(3), period="2025-Q4", compare_to="2025-Q1", metrics=["won_revenue"])
    a = ck.plot(cmp).axes[0]
    blue = matplotlib.colors.to_rgb("tab:blue")
    current = [p.get_width() for p in a.patches if p.get_facecolor()[:3] == blue]
    previous = [p.get_width() for p in a.patches if p.get_facecolor()[:3] != blue]
    assert labels(a) == ["P01", "P02", "P00"]  # sorted by the current value (ties keep their order)
    assert current == [100_000.0, 100_000.0, 0.0] and previous == [100_000.0, 200_000.0, 100_000.0]
    assert [t.get_text() for t in a.get_legend().get_texts()] == ["current", "previous"]
    trend = ck.trend(deals(3), period="2025", buckets="quarter", metrics=["won_revenue"], compare_to="year_ago")
    styles = sorted(line.get_linestyle() for line in ck.plot(trend).axes[0].get_lines())
    assert styles == ["-", "--"]  # current solid, previous dashed


def test_quarterly_trend_ticked_by_quarter():
    trend = ck.trend(deals(3), period="2025", buckets="quarter", metrics=["won_revenue"], by="partner")
    fig = ck.plot(trend)
    fig.canvas.draw()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    monthly = ck.plot(ck.trend(deals(3), period="2025-Q1", metrics=["won_revenue"]))
    assert [t.get_text() for t in monthly.axes[0].get_xticklabels()] == ["2025-01", "2025-02", "2025-03"]
