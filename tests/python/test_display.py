"""Notebook display: HTML tables of results, IPython formatters, ``df.kpi`` and the charts
(matplotlib's Agg backend; assertions on the axes' contents)."""

import sys
from decimal import Decimal

import matplotlib
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import channel_kpi as ck

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Q1 2025. acme: won 1,100.50 (Jan) + 300 (Feb), lost 1 (Feb) → revenue 1,400.50, close rate 2/3.
# bolt: won 1000 (Mar), lost 1 (Mar) → 1,000, 1/2. cora: lost 1 (Jan) → revenue 0, average absent.
# A direct deal (no partner) won 50 in March.
DEALS = {
    "deal_id": ["1", "2", "3", "4", "5", "6", "7"],
    "partner_id": ["acme", "acme", "acme", "bolt", "bolt", "cora", None],
    "status": ["won", "won", "lost", "won", "lost", "lost", "won"],
    "created_on": ["2024-12-01"] * 7,
    "closed_on": ["2025-01-10", "2025-02-03", "2025-02-20", "2025-03-05", "2025-03-09", "2025-01-30", "2025-03-30"],
    "amount": ["1100.50", "300", "80", "1000", "5", "70", "50"],
    "currency": ["USD"] * 7,
}
METRICS = ["won_revenue", "close_rate", "avg_deal_size"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def card(lib="pandas", **kw):
    df = {"pandas": pd.DataFrame, "polars": pl.DataFrame, "pyarrow": pa.table}[lib](DEALS)
    return ck.scorecard(df, period="2025-Q1", by="partner", metrics=METRICS, **kw)


def test_html_table_is_readable():
    html = ck.to_html(card())
    assert '<table class="channel-kpi">' in html
    assert "<td class=\"num\">1,400.50</td>" in html, "money: thousands separator, 2 places"
    assert "<td class=\"num\">0.6667</td>" in html, "rate: 4 places"
    assert '<td class="absent">–</td>' in html, "cora's average is absent"
    assert "<th>(none)</th>" in html, "direct deals: the absent partner key"
    assert "period 2025-01-01..2025-04-01" in html and "money in USD" in html and "4 rows" in html
    assert "period_start" not in html, "a constant period moves to the caption"


def test_html_same_for_pandas_pyarrow_and_polars_derived_polars_frames_infer_kinds():
    pandas_html = ck.to_html(card("pandas"))
    assert pandas_html == ck.to_html(card("pyarrow")) == ck.to_html(card("polars"))
    derived = card("polars").sort("partner")  # a new frame: polars keeps no metadata
    polars_html = ck.to_html(derived)
    assert "1,400.50" in polars_html and "0.6667" in polars_html and "money in" not in polars_html


def test_html_rollup_trend_and_truncation():
    rolled = ck.scorecard(pd.DataFrame(DEALS), period="2025-Q1", by="partner", metrics=["won_revenue"], rollup=True)
    assert "<th>(all)</th>" in ck.to_html(rolled) and "2,450.50" in ck.to_html(rolled)
    trend = ck.trend(pd.DataFrame(DEALS), period="2025-Q1", metrics=["won_revenue"])
    html = ck.to_html(trend, max_rows=2)
    assert "period_start" in html and "2025-02-01" in html and "… 1 more rows" in html
    assert html.count("<tr>") == 3, "header and 2 rows"


def test_change_pct_in_percent():
    t = ck.trend(pd.DataFrame(DEALS), period="2025-Q1", metrics=["won_revenue"], compare_to="previous_period")
    html = ck.to_html(t)
    # February 300 vs January 1,100.50: −72.7 %; March 1,050 vs February 300: +250.0 %.
    assert "-72.7%" in html and "+250.0%" in html


def test_to_html_rejects_a_single_value():
    with pytest.raises(TypeError, match="result table"):
        ck.to_html(Decimal("300"))


def test_ipython_shows_results_as_html_and_leaves_other_frames_alone():
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    assert ck.register_ipython(ip)
    ck.load_ipython_extension(ip)  # twice: still one formatter
    fmt = ip.display_formatter.format
    assert 'class="channel-kpi"' in fmt(card())[0]["text/html"]
    assert 'class="channel-kpi"' in fmt(card("pyarrow"))[0]["text/html"]
    assert 'class="channel-kpi"' in fmt(ck.query(pd.DataFrame(DEALS), metrics="won_revenue", period="2025", output="pyarrow"))[0]["text/html"]
    assert 'class="channel-kpi"' in fmt(card("polars"))[0]["text/html"]
    assert 'class="channel-kpi"' not in fmt(card("polars").sort("partner"))[0]["text/html"], "polars' own HTML"
    plain = pd.DataFrame({"x": [1, 2]})
    assert 'class="dataframe"' in fmt(plain)[0]["text/html"], "pandas' own HTML for other frames"
    assert "text/html" not in fmt(ck.won_revenue(pd.DataFrame(DEALS), period="2025"))[0], "scalars untouched"


def test_accessor_on_pandas_and_polars():
    df = card()
    assert df.kpi.currency == "USD"
    assert df.kpi.to_html() == ck.to_html(df)
    fig = df.kpi.plot("won_revenue")
    assert [a.get_title() for a in fig.axes] == ["won_revenue (USD)"]
    fig = card("polars").kpi.plot("close_rate")
    assert len(fig.axes[0].patches) == 4


def test_scorecard_draws_horizontal_bars_per_metric():
    fig = ck.plot(card())
    assert [a.get_title() for a in fig.axes] == ["won_revenue (USD)", "close_rate", "avg_deal_size (USD)"]
    revenue, rate, avg = fig.axes
    # Sorted by the first KPI, largest on top; every subplot keeps that order (shared y).
    assert [t.get_text() for t in revenue.get_yticklabels()] == ["acme", "bolt", "(none)", "cora"]
    assert [p.get_width() for p in revenue.patches] == [1400.5, 1000.0, 50.0, 0.0]
    assert [p.get_width() for p in rate.patches] == pytest.approx([2 / 3, 0.5, 1.0, 0.0])
    assert len(avg.patches) == 3, "cora's average is absent: no bar"
    assert revenue.get_ylim()[0] > revenue.get_ylim()[1], "first group on top"


def test_trend_draws_a_line_per_group_over_time():
    t = ck.trend(pd.DataFrame(DEALS), period="2025-Q1", by="partner", metrics=["won_revenue", "close_rate"])
    fig = ck.plot(t, title="Q1")
    assert [a.get_title() for a in fig.axes] == ["won_revenue (USD)", "close_rate"]
    assert fig.texts[0].get_text() == "Q1"
    revenue = fig.axes[0]
    lines = {line.get_label(): line for line in revenue.get_lines()}
    assert sorted(lines) == ["(none)", "acme", "bolt", "cora"]
    assert [float(y) for y in lines["acme"].get_ydata()] == [1100.5, 300.0, 0.0]
    assert len(lines["acme"].get_xdata()) == 3 and revenue.get_legend() is not None
    assert revenue.get_xlabel() == "" and fig.axes[1].get_xlabel() == "period start"


def test_plot_into_given_axes_and_errors():
    fig, ax = plt.subplots()
    assert ck.plot(card(), "won_revenue", ax=ax) is fig and len(ax.patches) == 4
    with pytest.raises(ValueError, match="pass metrics="):
        ck.plot(card(), ax=ax)
    with pytest.raises(ValueError, match="no numeric column 'nope'"):
        ck.plot(card(), "nope")
    with pytest.raises(TypeError, match="single value has nothing to draw"):
        ck.plot(Decimal("300"))


def test_plot_without_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'channel-kpi\[plot\]'"):
        ck.plot(card())


def test_metric_ids_pick_columns_and_money_axis_has_separators():
    fig = ck.plot(card(), ["close_rate", "won_revenue"])
    assert [a.get_title() for a in fig.axes] == ["close_rate", "won_revenue (USD)"], "no close_rate_n/_lo/_hi"
    fig.canvas.draw()
    assert "1k" in [t.get_text() for t in fig.axes[1].get_xticklabels()]
    counts = ck.plot(ck.scorecard(pd.DataFrame(DEALS), period="2025-Q1", metrics=["deal_count"]), "deal_count")
    assert [a.get_title() for a in counts.axes] == ["won_count", "lost_count", "created_count"]


def test_polars_output_from_a_dataset_has_the_kpi_namespace():
    data = ck.load(pa.table(DEALS))
    out = ck.scorecard(data, period="2025-Q1", metrics=["won_revenue"], output="polars")
    assert isinstance(out, pl.DataFrame) and len(out.kpi.plot().axes[0].patches) == 3


def test_seasonality_draws_over_the_cyclic_bucket():
    s = ck.close_rate_seasonality(pd.DataFrame(DEALS), period="2025-Q1")
    fig = ck.plot(s)
    a = fig.axes[0]
    assert a.get_title() == "seasonal_close_rate" and a.get_xlabel() == "month_of_year"
    (line,) = a.get_lines()
    assert list(line.get_xdata()) == list(range(1, 13)) and a.get_legend() is None
    ys = [float(y) for y in line.get_ydata()]
    assert ys[:3] == pytest.approx([1 / 2, 1 / 2, 2 / 3])
    assert all(y != y for y in ys[3:]), "months without deals are absent: gaps, not zeros"
