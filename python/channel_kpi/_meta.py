"""What a result table holds, whatever library it came back in: its columns (name, kind,
role, metric), its currency and its values as Python lists. Used by the HTML view and the
plots; nothing here computes a KPI.

Where the description comes from:

* a ``ResultTable``: the core's own column specs;
* a pyarrow ``Table``: the field metadata ``channel_kpi.kind`` / ``role`` / ``metric`` and the
  schema metadata ``channel_kpi.currency`` written by the core;
* a pandas ``DataFrame``: ``df.attrs["columns"]`` and ``df.attrs["currency"]`` (pandas keeps
  attrs through most operations);
* a polars ``DataFrame`` returned by this package: the description remembered for that frame
  object (polars keeps no metadata; a frame derived from it by filtering etc. is not
  remembered);
* anything else (another polars frame, or a column added by the caller): inferred from the name and the values — ``period_start`` / ``period_end`` / ``rollup_level``
  by name, ``*_prev`` / ``*_change`` / ``*_change_pct`` by suffix, text before the period as a
  group key, decimals as money (except ``nrr`` / ``grr``), currency unknown.
"""

from __future__ import annotations

import weakref
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, Optional

#: Decimal columns of the core that are ratios, not money (mrr_retention).
_PLAIN_DECIMALS = ("nrr", "grr", "quick_ratio", "gross_mrr_churn_rate", "net_mrr_churn_rate", "revenue_retention")


class Column(NamedTuple):
    """One result column: kind is text, int, money, decimal, float or date; role is group,
    rollup_level, period_start, period_end, bucket, row_key (cohort, age), value, previous, change or
    change_pct."""

    name: str
    kind: str
    role: str
    metric: Optional[str]


class Described(NamedTuple):
    """A result's columns, currency and values (``values[name]`` is a list, absent → None), and
    the query's period and ``as_of`` when known."""

    columns: "list[Column]"
    currency: Optional[str]
    values: "dict[str, list[Any]]"
    period: Optional[str] = None
    as_of: Optional[str] = None

    @property
    def num_rows(self) -> int:
        return len(next(iter(self.values.values()), []))

    def of_role(self, *roles: str) -> "list[Column]":
        return [c for c in self.columns if c.role in roles]


#: Descriptions of the polars frames returned by this package, by ``id`` while they live.
_POLARS: "dict[int, tuple[dict[str, Column], Optional[str], Optional[str], Optional[str]]]" = {}


def remember(frame: Any, result: Any) -> None:
    """Keeps the column description of ``result`` (a ResultTable) for ``frame`` (a polars
    DataFrame made from it) while ``frame`` lives."""
    key = id(frame)
    as_of = result.as_of.isoformat() if result.as_of else None
    _POLARS[key] = ({c[0]: Column(*c) for c in result.columns}, result.currency, result.period, as_of)
    weakref.finalize(frame, _POLARS.pop, key, None)


def _absent(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float):
        return v != v  # NaN
    return type(v).__name__ in ("NAType", "NaTType")


def _clean(values: "list[Any]") -> "list[Any]":
    out: "list[Any]" = []
    for v in values:
        if _absent(v):
            out.append(None)
        elif hasattr(v, "to_pydatetime") and hasattr(v, "date"):  # pandas Timestamp
            out.append(v.date())
        elif hasattr(v, "item") and not isinstance(v, (Decimal, date, str)):  # numpy scalar
            out.append(v.item())
        else:
            out.append(v)
    return out


def _infer(name: str, values: "list[Any]", seen_period: bool) -> Column:
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool) or sample is None:
        kind = "text" if sample is None and not seen_period else "float"
    elif isinstance(sample, int):
        kind = "int"
    elif isinstance(sample, float):
        kind = "float"
    elif isinstance(sample, Decimal):
        base = name.removesuffix("_change_pct").removesuffix("_change").removesuffix("_prev")
        kind = "decimal" if base in _PLAIN_DECIMALS else "money"
    elif isinstance(sample, date):
        kind = "date"
    else:
        kind = "text"
    if name in ("period_start", "period_end", "rollup_level"):
        role = name
    elif name.endswith("_change_pct"):
        role = "change_pct"
    elif name.endswith("_change"):
        role = "change"
    elif name.endswith("_prev"):
        role = "previous"
    elif kind == "text" and not seen_period:
        role = "group"
    else:
        role = "value"
    return Column(name, kind, role, None)


def _from_lists(names: "list[str]", values: "dict[str, list[Any]]", known: "dict[str, Column]",
                currency: Optional[str], period: Any = None, as_of: Any = None) -> Described:  # fmt: skip
    columns, seen_period = [], False
    for n in names:
        c = known.get(n) or _infer(n, values[n], seen_period)
        seen_period = seen_period or c.role in ("period_start", "period_end")
        columns.append(c)
    as_of_text = as_of.isoformat() if isinstance(as_of, date) else (str(as_of) if as_of else None)
    return Described(columns, currency, values, str(period) if period else None, as_of_text)


def describe(result: Any) -> Optional[Described]:
    """The description of ``result`` (a ``ResultTable``, pyarrow ``Table``, pandas or polars
    ``DataFrame``), or ``None`` for anything else (e.g. a single ``Decimal``)."""
    from ._native import ResultTable

    mod = type(result).__module__.split(".")[0]
    if isinstance(result, ResultTable):
        names = result.column_names
        values = {n: [result.value(r, n) for r in range(result.num_rows)] for n in names}
        known = {c[0]: Column(*c) for c in result.columns}
        return _from_lists(names, values, known, result.currency, result.period, result.as_of)
    if mod == "pyarrow" and hasattr(result, "schema") and hasattr(result, "column"):
        known = {}
        for f in result.schema:
            m = {k.decode(): v.decode() for k, v in (f.metadata or {}).items()}
            if "channel_kpi.kind" in m:
                known[f.name] = Column(f.name, m["channel_kpi.kind"], m.get("channel_kpi.role", "value"), m.get("channel_kpi.metric"))
        meta = result.schema.metadata or {}
        currency = meta.get(b"channel_kpi.currency", b"").decode() or None
        period = meta.get(b"channel_kpi.period", b"").decode() or None
        as_of = meta.get(b"channel_kpi.as_of", b"").decode() or None
        names = list(result.column_names)
        return _from_lists(names, {n: result.column(n).to_pylist() for n in names}, known, currency, period, as_of)
    if mod == "pandas" and hasattr(result, "attrs") and hasattr(result, "columns"):
        attrs = result.attrs.get("columns") or {}
        known = {n: Column(n, a["kind"], a["role"], a.get("metric")) for n, a in attrs.items() if isinstance(a, dict)}
        names = [str(n) for n in result.columns]
        values = {str(n): _clean(result[n].tolist()) for n in result.columns}
        a = result.attrs
        return _from_lists(names, values, known, a.get("currency"), a.get("period"), a.get("as_of"))
    if mod == "polars" and hasattr(result, "get_column"):
        names = list(result.columns)
        known, currency, period, as_of = _POLARS.get(id(result), ({}, None, None, None))
        return _from_lists(names, {n: _clean(result.get_column(n).to_list()) for n in names}, known, currency, period, as_of)
    return None


def is_result(obj: Any) -> bool:
    """True for a table that carries the core's column metadata (a ResultTable, or a pyarrow
    table, pandas or polars frame returned by this package)."""
    from ._native import ResultTable

    if isinstance(obj, ResultTable):
        return True
    mod = type(obj).__module__.split(".")[0]
    if mod == "pyarrow" and hasattr(obj, "schema"):
        return any(f.metadata and b"channel_kpi.role" in f.metadata for f in obj.schema)
    if mod == "pandas" and hasattr(obj, "attrs"):
        return isinstance(obj.attrs.get("columns"), dict) and bool(obj.attrs["columns"])
    return mod == "polars" and id(obj) in _POLARS


def group_label(d: Described, row: int) -> str:
    """The group key of ``row`` as one label (``acme``, ``EMEA / gold``); ``(all)`` for the
    summed dimensions of a roll-up row, ``(none)`` for an absent key, ``all`` without groups."""
    groups = d.of_role("group")
    if not groups:
        return "all"
    level = d.values["rollup_level"][row] if "rollup_level" in d.values else None
    parts = []
    for i, g in enumerate(groups):
        v = d.values[g.name][row]
        parts.append("(all)" if level is not None and i >= level else "(none)" if v is None else str(v))
    return " / ".join(parts)
