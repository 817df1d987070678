"""Charts of results with matplotlib (an optional dependency: ``pip install 'channel-kpi[plot]'``).

Rules:

* a **trend** (several windows: a ``buckets=`` query, or a cyclic ``bucket`` column as in
  ``close_rate_seasonality``) → one line chart per KPI column, one line per group over time
  (x: the window's first day, or the bucket number), a legend when there are several groups;
* anything else, e.g. a **scorecard** → one horizontal bar chart per KPI column, one bar per
  group (first group on top); an absent value draws no bar (its label stays);
* the KPI columns drawn are ``metrics`` (column names, or a metric id without a column of
  its name, e.g. ``deal_count``, for its value columns but the interval helpers); by
  default each metric's headline column (the one named after the metric, else its first),
  or — without metadata (polars) — every value column but the Wilson-interval helpers
  (``*_n``, ``*_lo``, ``*_hi``); at most 9;
* money is converted to float **only for drawing**; titles carry the currency; rates
  (``*rate``, ``*_share``) and ``*_change_pct`` get a percent axis, money a ``1,250,000`` axis.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

from ._meta import Column, Described, describe, group_label

_HELPER_SUFFIXES = ("_n", "_lo", "_hi")
#: At most this many subplots unless ``metrics`` names the columns.
MAX_DEFAULT_COLUMNS = 9


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
    if metrics is not None:
        wanted = [metrics] if isinstance(metrics, str) else list(metrics)
        out, missing = [], []
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
    out: "list[Column]" = []
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


def plot(
    result: Any,
    metrics: Union[None, str, Sequence[str]] = None,
    *,
    ax: Any = None,
    title: Optional[str] = None,
    figsize: Optional["tuple[float, float]"] = None,
) -> Any:
    """Draws ``result`` (a trend → lines per group over time; a scorecard → horizontal bars
    per group) and returns the matplotlib ``Figure``; one subplot per KPI column. ``ax``
    draws a single column into an existing axes.

    >>> fig = ck.plot(ck.trend(deals, period="2025", metrics=["won_revenue"]))  # doctest: +SKIP
    """
    d = describe(result)
    if d is None:
        raise TypeError(f"plot takes a result table (a trend or a scorecard), got {type(result).__name__}: a single value has nothing to draw")
    cols = plotted_columns(d, metrics)
    if not cols:
        raise ValueError("the result has no numeric KPI column to draw")
    plt = _pyplot()
    from matplotlib.ticker import PercentFormatter, StrMethodFormatter

    trend = is_trend(d)
    labels = [group_label(d, r) for r in range(d.num_rows)]
    groups = list(dict.fromkeys(labels))
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
        height = max(2.2, 0.32 * len(groups) + 1.0)
        fig, grid = plt.subplots(nrows, ncols, sharey=True, squeeze=False, figsize=figsize or (4.2 * ncols, height * nrows))
        axes = [a for row in grid for a in row]
        for extra in axes[len(cols) :]:
            extra.set_visible(False)
    for c, a in zip(cols, axes):
        (_trend if trend else _bars)(a, d, c, labels, groups)
        a.set_title(_title(c, d))
        axis = a.yaxis if trend else a.xaxis
        if _percent_axis(c):
            axis.set_major_formatter(PercentFormatter(xmax=1.0))
        elif c.kind == "money":  # 1,250,000 rather than 1.25 with a "1e6" offset
            small = max((abs(_number(v)) for v in d.values[c.name] if v is not None), default=0) < 10
            axis.set_major_formatter(StrMethodFormatter("{x:,.2f}" if small else "{x:,.0f}"))
    if trend:
        bucket = d.of_role("bucket")
        axes[len(cols) - 1].set_xlabel(bucket[0].name if bucket else "period start")
        if not bucket and ax is None:
            fig.autofmt_xdate()
    if title:
        fig.suptitle(title)
    if ax is None:
        fig.tight_layout()
    return fig


def _trend(a: Any, d: Described, c: Column, labels: "list[str]", groups: "list[str]") -> None:
    bucket = d.of_role("bucket")
    xs = d.values[bucket[0].name] if bucket else d.values["period_start"]
    for g in groups:
        points = sorted((x, _number(v)) for x, v, lab in zip(xs, d.values[c.name], labels) if lab == g and x is not None)
        a.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=g)
    if len(groups) > 1:
        a.legend(fontsize="small", loc="best")
    a.grid(True, alpha=0.3)


def _bars(a: Any, d: Described, c: Column, labels: "list[str]", groups: "list[str]") -> None:
    # One bar per row (rows of a scorecard are its groups); absent values draw nothing.
    present = [(i, _number(v)) for i, v in enumerate(d.values[c.name]) if v is not None]
    a.barh([i for i, _ in present], [v for _, v in present], color="tab:blue")
    a.set_yticks(range(len(labels)), labels)
    a.set_ylim(len(labels) - 0.5, -0.5)  # first row on top
    a.grid(True, axis="x", alpha=0.3)
