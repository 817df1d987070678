"""Results as readable HTML tables (what Jupyter shows for a result).

Formatting rules (the plain-text table of the core, made readable): money with thousands
separators and 2 places (half-even), the currency once in the caption; other decimals to 4
places; rates, days and other floats to 4 places; changes in percent (``*_change_pct``) as
``+12.5%``; counts with thousands separators; an absent value as a grey ``–``; a group key
absent as ``(none)``, summed by a roll-up as ``(all)``. When every row has the same period,
``period_start`` / ``period_end`` move to the caption as ``period 2025-01-01..2026-01-01``;
otherwise the query's period is there. The caption also says ``as of 2025-12-31`` (the "now"
the values were computed at) and ``money in USD``.
"""

from __future__ import annotations

import html
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any

from ._meta import Column, Described, describe

_CSS = (
    "table.channel-kpi{border-collapse:collapse;font-variant-numeric:tabular-nums}"
    "table.channel-kpi caption{caption-side:bottom;text-align:left;color:#666;font-size:90%;padding-top:4px}"
    "table.channel-kpi th,table.channel-kpi td{padding:2px 8px;border-bottom:1px solid #ddd}"
    "table.channel-kpi td.num,table.channel-kpi th.num{text-align:right}"
    "table.channel-kpi td.absent{color:#999;text-align:center}"
)


# Wide enough for any value the library returns (28 significant digits + 4 places, and more):
# the default context's 28 digits raise InvalidOperation when quantizing the decimal maximum.
_WIDE = Context(prec=100)


def format_value(value: Any, column: Column) -> str:
    """One cell as text, by the column's kind and role (see the module docs)."""
    if value is None:
        return "–"
    if column.role == "change_pct" and isinstance(value, (int, float, Decimal)):
        return f"{float(value) * 100:+,.1f}%"
    if column.kind == "money" and isinstance(value, (int, float, Decimal)):
        d = value if isinstance(value, Decimal) else Decimal(str(value))
        return f"{d.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN, context=_WIDE):,}"
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_EVEN, context=_WIDE).normalize(_WIDE):,f}"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4f}"
    return str(value)


def _numeric(c: Column) -> bool:
    return c.kind in ("int", "money", "decimal", "float")


def to_html(result: Any, *, max_rows: int = 60) -> str:
    """``result`` (a ResultTable, or the pandas / polars / pyarrow table a function returned)
    as an HTML table; at most ``max_rows`` rows, then a "… N more rows" line.

    >>> import channel_kpi as ck, pandas as pd
    >>> deals = pd.DataFrame({"deal_id": ["A"], "status": ["won"], "created_on": ["2025-01-02"],
    ...     "closed_on": ["2025-01-10"], "amount": ["1234.5"], "currency": ["USD"]})
    >>> html = ck.to_html(ck.scorecard(deals, period="2025-01", metrics=["won_revenue"]))
    >>> "1,234.50" in html and "money in USD" in html
    True
    """
    d = describe(result)
    if d is None:
        raise TypeError(f"to_html takes a result table, got {type(result).__name__}")
    return _render(d, max_rows)


def _render(d: Described, max_rows: int) -> str:
    notes, shown = [], list(d.columns)
    starts, ends = d.values.get("period_start", []), d.values.get("period_end", [])
    if starts and len(set(starts)) == 1 and len(set(ends or [None])) == 1:
        notes.append(f"period {starts[0]}..{ends[0]}" if ends else f"from {starts[0]}")
        shown = [c for c in shown if c.role not in ("period_start", "period_end")]
    elif d.period:
        notes.append(f"period {d.period}")
    if d.as_of:
        notes.append(f"as of {d.as_of}")
    if d.currency and any(c.kind == "money" for c in d.columns):
        notes.append(f"money in {d.currency}")
    head = "".join(f'<th class="{"num" if _numeric(c) else "key"}">{html.escape(c.name)}</th>' for c in shown)
    body = []
    groups = [c for c in shown if c.role == "group"]
    level = d.values.get("rollup_level")
    for r in range(min(d.num_rows, max_rows)):
        cells = []
        for c in shown:
            v = d.values[c.name][r]
            if c.role == "group":
                i = groups.index(c)
                text = "(all)" if level and level[r] is not None and i >= level[r] else "(none)" if v is None else str(v)
                cells.append(f"<th>{html.escape(text)}</th>")
            elif v is None:
                cells.append('<td class="absent">–</td>')
            else:
                cls = ' class="num"' if _numeric(c) else ""
                cells.append(f"<td{cls}>{html.escape(format_value(v, c))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if d.num_rows > max_rows:
        notes.append(f"… {d.num_rows - max_rows} more rows")
    notes.append(f"{d.num_rows} row{'s' if d.num_rows != 1 else ''}")
    caption = f"<caption>{html.escape(' · '.join(notes))}</caption>"
    return (
        f"<style>{_CSS}</style>"
        f'<table class="channel-kpi">{caption}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )
