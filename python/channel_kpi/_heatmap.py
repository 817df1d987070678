"""The cohort heatmap :func:`channel_kpi.plot` draws for a ``cohorts`` result (columns ``cohort``
and ``age``): one row per cohort (its first month), one column per age in months (quarters for
``partner_cohorts``), the cell
coloured by the value (``logo_retention`` by default; ``metrics=`` picks another, e.g.
``revenue_retention``), rates written in percent in each cell when the grid is small enough to
read. A grouped result gets one heatmap per group (at most 9)."""

from __future__ import annotations

from datetime import date
from typing import Any, Optional, Sequence, Union

from ._meta import Described, group_label

MAX_GROUPS = 9


def is_cohort(d: Described) -> bool:
    """True for a long cohort result (``cohort`` and ``age`` columns)."""
    return "cohort" in d.values and "age" in d.values


def _column(d: Described, metrics: Union[None, str, Sequence[str]]) -> str:
    wanted = [metrics] if isinstance(metrics, str) else list(metrics or ["logo_retention"])
    if len(wanted) != 1 or wanted[0] not in d.values or wanted[0] in ("cohort", "age"):
        have = ", ".join(c.name for c in d.columns if c.role == "value")
        raise ValueError(f"a cohort heatmap draws one value column; got {wanted!r} (columns: {have})")
    return wanted[0]


def _label(c: Any, quarters: bool = False) -> str:
    if isinstance(c, date):
        return f"{c.year}-Q{(c.month - 1) // 3 + 1}" if quarters else c.strftime("%Y-%m")
    return str(c)


def heatmap(d: Described, metrics: Union[None, str, Sequence[str]] = None, *, ax: Any = None,
            title: Optional[str] = None, figsize: Optional["tuple[float, float]"] = None) -> Any:  # fmt: skip
    """Draws the cohort heatmap of ``d`` and returns the ``Figure``."""
    from ._plot import _pyplot

    name = _column(d, metrics)
    plt = _pyplot()
    labels = [group_label(d, r) for r in range(d.num_rows)]
    groups = list(dict.fromkeys(labels))
    if len(groups) > MAX_GROUPS:
        raise ValueError(f"{len(groups)} groups: a heatmap per group is drawn for at most {MAX_GROUPS}; filter the result first")
    if ax is not None and len(groups) != 1:
        raise ValueError(f"ax= draws one heatmap; the result has {len(groups)} groups")
    if ax is not None:
        fig, axes = ax.figure, [ax]
    else:
        n = len(groups)
        fig, grid = plt.subplots(n, 1, squeeze=False, figsize=figsize or (9, 0.45 * 12 * n + 1.2))
        axes = [a for row in grid for a in row]
    rate = name.endswith("retention") or name.endswith("rate")
    quarters = "active_partners" in d.values  # partner_cohorts: ages in quarters
    for g, a in zip(groups, axes):
        rows = [r for r in range(d.num_rows) if labels[r] == g]
        cohorts = sorted({d.values["cohort"][r] for r in rows if d.values["cohort"][r] is not None})
        ages = max((d.values["age"][r] for r in rows), default=-1) + 1
        grid_ = [[float("nan")] * ages for _ in cohorts]
        for r in rows:
            v = d.values[name][r]
            if v is not None:
                grid_[cohorts.index(d.values["cohort"][r])][d.values["age"][r]] = float(v)
        image = a.imshow(grid_, aspect="auto", cmap="viridis", vmin=0.0 if rate else None,
                         vmax=1.0 if rate and all(x <= 1.0 for row in grid_ for x in row if x == x) else None)  # fmt: skip
        a.set_yticks(range(len(cohorts)), [_label(c, quarters) for c in cohorts])
        a.set_xticks(range(ages))
        a.set_xlabel(f"age ({'quarters' if quarters else 'months'} since the cohort's first {'quarter' if quarters else 'month'})")
        a.set_ylabel("cohort")
        if len(cohorts) * ages <= 24 * 24:
            for i, row in enumerate(grid_):
                for k, x in enumerate(row):
                    if x == x:  # not NaN
                        a.text(k, i, f"{x:.0%}" if rate else f"{x:,.0f}", ha="center", va="center", fontsize="x-small",
                               color="white" if not rate or x < 0.6 else "black")  # fmt: skip
        a.set_title(f"{name}" + ("" if g == "all" else f" — {g}"))
        fig.colorbar(image, ax=a, format="{x:.0%}" if rate else None)
    if title:
        fig.suptitle(title)
    if ax is None:
        fig.tight_layout()
    return fig
