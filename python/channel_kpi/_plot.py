"""Charts of results with matplotlib (an optional dependency: ``pip install 'channel-kpi[plot]'``).

Rules:

* a **trend** (several windows: a ``buckets=`` query, or a cyclic ``bucket`` column as in
  ``close_rate_seasonality``) → one line chart per KPI column, one line per group over time
  (x: the window's first day, or the bucket number), a legend when there are several groups;
  quarterly windows are ticked ``2025-Q1``, monthly ones ``2025-03``;
* anything else, e.g. a **scorecard** → one horizontal bar chart per KPI column, one bar per
  group, **sorted by value** (largest on top; the order of the first KPI drawn is used for
  every subplot); an absent value draws no bar (its label stays, at the bottom);
* at most ``top`` groups (default 15) are drawn: the ``top`` largest by the first KPI, and the
  rest named in one ``others (N more groups)`` label without a bar — a rate or an average of
  the other groups is not the sum of their bars, so the chart does not invent one (query them
  ungrouped, or raise ``top``);
* a **cohort** result (``cohorts``: ``cohort`` and ``age`` columns) → a heatmap, cohorts by
  ages, coloured by ``logo_retention`` (or the one column ``metrics`` names), see ``_heatmap``;
* a **comparison** (a ``compare_to=`` result with ``*_prev`` columns) → the current and the
  previous value side by side: paired bars for a scorecard, a dashed line of the previous
  windows for a trend;
* the KPI columns drawn are ``metrics`` (column names, or a metric id without a column of
  its name, e.g. ``deal_count``, for its value columns but the interval helpers); by
  default each metric's headline column (the one named after the metric, else its first),
  or — without metadata (polars) — every value column but the Wilson-interval helpers
  (``*_n``, ``*_lo``, ``*_hi``); at most 9;
* money is converted to float **only for drawing**; titles carry the currency; rates
  (``*rate``, ``*_share``) and ``*_change_pct`` get a percent axis, money a short axis
  (``950``, ``12.5k``, ``1.2M``, ``3B``).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Optional, Sequence, Union

from ._heatmap import heatmap, is_cohort
from ._meta import Column, Described, describe, group_label

_HELPER_SUFFIXES = ("_n", "_lo", "_hi")
#: At most this many subplots unless ``metrics`` names the columns.
MAX_DEFAULT_COLUMNS = 9
#: Groups drawn by default; the others are counted in one label.
TOP = 15


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # ModuleNotFoundError included
        raise ImportError(
            "channel_kpi.plot needs matplotlib, an optional dependency: "
            "pip install 'channel-kpi[plot]' (or pip install matplotlib)"
        ) from e
    return plt


def plotted_columns(d: Described, metrics: Union[None, str, Sequence[str]] = None) -> "list[Column]":
    """The KPI columns :func:`plot` draws (see the module docs)."""
    numeric = [c for c in d.columns if c.kind in ("int", "money", "decimal", "float")]
    out: "list[Column]" = []
    if metrics is not None:
        wanted = [metrics] if isinstance(metrics, str) else list(metrics)
        missing: "list[str]" = []
        for w in wanted:
            named = [c for c in numeric if c.name == w]
            if not named:  # a metric id without a column of its name: its value columns
                of = [c for c in numeric if c.metric == w and c.role == "value"]
                named = [c for c in of if not any(c.name.endswith(s) for s in _HELPER_SUFFIXES)] or of
            out.extend(c for c in named if c not in out)
            if not named:
                missing.append(w)
        if missing:
            have = ", ".join(c.name for c in numeric)
            raise ValueError(f"no numeric column {', '.join(map(repr, missing))} in the result (columns: {have})")
        return out
    values = [c for c in numeric if c.role == "value"]
    names = {c.name for c in values}
    for c in values:
        if c.metric is None:  # no metadata (polars): every column but the interval helpers
            if not any(c.name.endswith(s) and c.name[: -len(s)] in names for s in _HELPER_SUFFIXES):
                out.append(c)
        elif not any(o.metric == c.metric for o in out):  # the metric's headline column
            out.append(next((v for v in values if v.name == c.metric), c))
    return out[:MAX_DEFAULT_COLUMNS]


def is_trend(d: Described) -> bool:
    """True when the rows cover several windows (or a cyclic bucket column is present)."""
    return bool(d.of_role("bucket")) or len(set(d.values.get("period_start", []))) > 1


def _number(v: Any) -> float:
    return float("nan") if v is None else float(v)


def _title(c: Column, d: Described) -> str:
    return f"{c.name} ({d.currency})" if c.kind == "money" and d.currency else c.name


def _percent_axis(c: Column) -> bool:
    return c.kind == "float" and (c.name.endswith("rate") or c.name.endswith("_share")) or c.role == "change_pct"


def short_money(x: float, _pos: Any = None) -> str:
    """``950``, ``12.5k``, ``1.2M``, ``3B`` (an axis label, not a value to compute with)."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:,.1f}".rstrip("0").rstrip(".") + suffix
    return f"{x:,.2f}".rstrip("0").rstrip(".") if x != int(x) else f"{int(x):,}"


def _previous(d: Described, c: Column) -> Optional[str]:
    name = f"{c.name}_prev"
    return name if name in d.values else None


def plot(
    result: Any,
    metrics: Union[None, str, Sequence[str]] = None,
    *,
    ax: Any = None,
    title: Optional[str] = None,
    figsize: Optional["tuple[float, float]"] = None,
    top: int = TOP,
) -> Any:
    """Draws ``result`` (a trend → lines per group over time; a scorecard → horizontal bars per
    group, largest on top, at most ``top`` groups; a comparison → current next to previous)
    and returns the matplotlib ``Figure``; one subplot per KPI column. ``ax`` draws a single
    column into an existing axes.

    >>> fig = ck.plot(ck.trend(deals, period="2025", metrics=["won_revenue"]))  # doctest: +SKIP
    """
    d = describe(result)
    if d is None:
        raise TypeError(f"plot takes a result table (a trend or a scorecard), got {type(result).__name__}: a single value has nothing to draw")
    if is_cohort(d):
        return heatmap(d, metrics, ax=ax, title=title, figsize=figsize)
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    cols = plotted_columns(d, metrics)
    if not cols:
        raise ValueError("the result has no numeric KPI column to draw")
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    trend = is_trend(d)
    labels = [group_label(d, r) for r in range(d.num_rows)]
    groups = list(dict.fromkeys(labels))
    order, others = ([], 0) if trend else _order(d, cols[0], labels, top)
    if trend and len(groups) > top:
        keep = set(_largest_groups(d, cols[0], labels, top))
        others = len(groups) - len(keep)
        groups = [g for g in groups if g in keep]
    if ax is not None:
        if len(cols) != 1:
            raise ValueError(f"ax= draws one column; the result has {len(cols)} ({', '.join(c.name for c in cols)}): pass metrics=")
        fig, axes = ax.figure, [ax]
    elif trend:
        fig, grid = plt.subplots(len(cols), 1, sharex=True, squeeze=False,
                                 figsize=figsize or (8, 2.8 * len(cols) + 0.6))  # fmt: skip
        axes = [a for row in grid for a in row]
    else:
        ncols = min(len(cols), 3)
        nrows = -(-len(cols) // ncols)
        height = max(2.2, 0.32 * (len(order) + (1 if others else 0)) + 1.0)
        fig, grid = plt.subplots(nrows, ncols, sharey=True, squeeze=False, figsize=figsize or (4.2 * ncols, height * nrows))
        axes = [a for row in grid for a in row]
        for extra in axes[len(cols) :]:
            extra.set_visible(False)
    for c, a in zip(cols, axes):
        if trend:
            _trend(a, d, c, labels, groups)
        else:
            _bars(a, d, c, labels, order, others)
        a.set_title(_title(c, d))
        axis = a.yaxis if trend else a.xaxis
        if _percent_axis(c):
            axis.set_major_formatter(PercentFormatter(xmax=1.0))
        elif c.kind == "money":  # 1.2M rather than 1200000 or 1.2 with a "1e6" offset
            axis.set_major_formatter(FuncFormatter(short_money))
    if trend:
        bucket = d.of_role("bucket")
        last = axes[len(cols) - 1]
        last.set_xlabel(bucket[0].name if bucket else "period start")
        if not bucket:
            _period_ticks(last, d)
        if others and ax is None:
            fig.text(0.01, 0.01, f"+ {others} more groups not drawn (top={top})", fontsize="small", color="#666")
    if title:
        fig.suptitle(title)
    if ax is None:
        fig.tight_layout()
    return fig


def _largest_groups(d: Described, c: Column, labels: "list[str]", top: int) -> "list[str]":
    """The ``top`` groups with the largest sum of ``c`` over their rows (absent counts 0)."""
    total: "dict[str, float]" = {}
    for lab, v in zip(labels, d.values[c.name]):
        total[lab] = total.get(lab, 0.0) + (0.0 if v is None else float(v))
    return sorted(total, key=lambda g: -total[g])[:top]


def _order(d: Described, c: Column, labels: "list[str]", top: int) -> "tuple[list[int], int]":
    """Row indexes to draw, largest ``c`` first (absent last), at most ``top``; and how many
    rows were left out."""
    vals = d.values[c.name]
    rows = sorted(range(len(labels)), key=lambda i: (vals[i] is None, -_number(vals[i]) if vals[i] is not None else 0.0))
    return rows[:top], max(0, len(rows) - top)


def _period_ticks(a: Any, d: Described) -> None:
    """Ticks at the windows' first days, labelled by quarter (``2025-Q1``) or month."""
    starts = sorted({s for s in d.values.get("period_start", []) if isinstance(s, date)})
    if len(starts) < 2:
        return
    months = {(b.year - a_.year) * 12 + b.month - a_.month for a_, b in zip(starts, starts[1:])}
    if all(s.day == 1 for s in starts) and months == {3} and all(s.month in (1, 4, 7, 10) for s in starts):
        text = [f"{s.year}-Q{(s.month - 1) // 3 + 1}" for s in starts]
    elif all(s.day == 1 for s in starts) and months == {1}:
        text = [s.strftime("%Y-%m") for s in starts]
    else:
        return
    step = max(1, -(-len(starts) // 12))  # at most ~12 labels
    a.set_xticks(starts[::step], text[::step])
    for t in a.get_xticklabels():
        t.set_rotation(0 if len(starts) <= 8 else 45)
        t.set_ha("center" if len(starts) <= 8 else "right")


def _trend(a: Any, d: Described, c: Column, labels: "list[str]", groups: "list[str]") -> None:
    bucket = d.of_role("bucket")
    xs = d.values[bucket[0].name] if bucket else d.values["period_start"]
    prev = _previous(d, c)
    for g in groups:
        points = sorted((x, _number(v), _number(p)) for x, v, p, lab in zip(xs, d.values[c.name], d.values[prev] if prev else [None] * len(xs), labels) if lab == g and x is not None)
        (line,) = a.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=g)
        if prev:
            a.plot([p[0] for p in points], [p[2] for p in points], linestyle="--", color=line.get_color(),
                   alpha=0.6, label=f"{g} (previous)" if len(groups) > 1 else "previous")  # fmt: skip
    if prev and len(groups) == 1:
        a.get_lines()[0].set_label("current")
    if len(groups) > 1 or prev:
        a.legend(fontsize="small", loc="best")
    a.grid(True, alpha=0.3)


def _bars(a: Any, d: Described, c: Column, labels: "list[str]", order: "list[int]", others: int) -> None:
    # One bar per row (rows of a scorecard are its groups), in `order`; absent draws nothing.
    vals = d.values[c.name]
    prev = _previous(d, c)
    pos = {r: k for k, r in enumerate(order)}
    present = [(pos[r], _number(vals[r])) for r in order if vals[r] is not None]
    if prev:
        pv = d.values[prev]
        past = [(pos[r], _number(pv[r])) for r in order if pv[r] is not None]
        a.barh([k - 0.2 for k, _ in present], [v for _, v in present], height=0.4, color="tab:blue", label="current")
        a.barh([k + 0.2 for k, _ in past], [v for _, v in past], height=0.4, color="tab:gray", alpha=0.6, label="previous")
        a.legend(fontsize="small", loc="lower right")
    else:
        a.barh([k for k, _ in present], [v for _, v in present], color="tab:blue")
    ticks = [labels[r] for r in order] + ([f"others ({others} more groups)"] if others else [])
    a.set_yticks(range(len(ticks)), ticks)
    a.set_ylim(len(ticks) - 0.5, -0.5)  # first (largest) on top
    a.grid(True, axis="x", alpha=0.3)
