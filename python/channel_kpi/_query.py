"""The one builder of the core's JSON forms (a query, a mapping), shared by
:func:`channel_kpi.query`, the per-KPI functions and :mod:`channel_kpi.scale`. Only type
conversion: the core parses and checks every value (periods, comparisons, fields)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

from ._native import Period, record_kinds

#: What a period argument may be: text the core parses (``"2025-Q1"``, ``"Q1 2025"`` …), a
#: :class:`Period`, a ``pandas.Period``, or a ``(start, end)`` tuple (end exclusive).
PeriodLike = Union[Period, str, Tuple[Any, Any], Any]


def _day(x: Any) -> str:
    """A date-like value (``date``, ``datetime``, ``pandas.Timestamp``, ISO text) as ISO text."""
    if isinstance(x, datetime):
        return x.date().isoformat()
    if isinstance(x, date):
        return x.isoformat()
    if hasattr(x, "to_pydatetime"):
        return x.to_pydatetime().date().isoformat()
    return str(x).strip()


def period_text(p: Any) -> str:
    """The text form of a period argument (see :data:`PeriodLike`)."""
    if isinstance(p, str):
        return p
    if isinstance(p, Period):
        return str(p)
    if isinstance(p, tuple) and len(p) == 2:
        return f"{_day(p[0])}..{_day(p[1])}"
    if type(p).__module__.split(".")[0] == "pandas" and hasattr(p, "start_time") and hasattr(p, "end_time"):
        # pandas.Period: [start, end] inclusive of its last instant → [start, day after end).
        end = p.end_time.normalize().date()
        from datetime import timedelta

        return f"{_day(p.start_time)}..{(end + timedelta(days=1)).isoformat()}"
    raise TypeError(
        f"period: expected text such as '2025-Q1', a channel_kpi.Period, a pandas.Period or a (start, end) "
        f"tuple of dates, got {type(p).__name__}"
    )


def query_json(
    metrics: Union[str, Iterable[str]],
    period: Any,
    by: Union[None, str, Sequence[str]] = None,
    buckets: Optional[str] = None,
    compare_to: Any = None,
    rollup: bool = False,
    as_of: Optional[date] = None,
    currency: Optional[str] = None,
    options: Optional[Mapping[str, Any]] = None,
) -> str:
    """The core's JSON form of a query: ``metrics`` (one id or several) over ``period``, grouped
    ``by``, split into ``buckets``, compared with ``previous`` / ``year_ago`` / a period."""
    ids = [metrics] if isinstance(metrics, str) else list(metrics)
    groups = [by] if isinstance(by, str) else list(by or [])
    q: dict = {"metrics": ids, "period": period_text(period), "group_by": groups, "rollup": rollup}
    if buckets is not None:
        q["buckets"] = buckets
    if compare_to is not None:
        q["compare_to"] = period_text(compare_to)  # previous, year_ago or a period: the core parses it
    if as_of is not None:
        q["as_of"] = _day(as_of)
    if currency is not None:
        q["currency"] = currency
    if options:
        q["options"] = dict(options)
    return json.dumps(q)


def mapping_json(
    mapping: Any,
    kinds: "list[str]",
    columns: Optional[Mapping[str, Any]] = None,
    values: Optional[Mapping[str, Any]] = None,
    defaults: Optional[Mapping[str, Any]] = None,
) -> Optional[str]:
    """The loader's JSON mapping: ``mapping`` (dict or JSON text) with the short keywords of
    :func:`channel_kpi.load` merged in — ``columns`` (source column → canonical field, inverted
    into the mapping's field → column), ``values`` and ``defaults`` — for the one kind in
    ``kinds``, or per kind when keyed by kind names."""
    if columns is None and values is None and defaults is None:
        return mapping if mapping is None or isinstance(mapping, str) else json.dumps(mapping)
    m: dict = json.loads(mapping) if isinstance(mapping, str) else json.loads(json.dumps(mapping or {}))
    known = set(record_kinds())

    def per_kind(part: str, given: Optional[Mapping[str, Any]]) -> "dict[str, dict]":
        if not given:
            return {}
        if all(k in known and isinstance(v, Mapping) for k, v in given.items()):
            return {k: dict(v) for k, v in given.items()}
        if len(kinds) != 1:
            raise TypeError(
                f"{part}= applies to one table, but {len(kinds)} were given ({', '.join(kinds)}): "
                f"key it by kind, e.g. {part}={{'deals': {{...}}, 'leads': {{...}}}}"
            )
        return {kinds[0]: dict(given)}

    for kind, cols in per_kind("columns", columns).items():
        target = m.setdefault(kind, {}).setdefault("columns", {})
        for source, field in cols.items():
            target[str(field)] = str(source)
    for kind, vals in per_kind("values", values).items():
        target = m.setdefault(kind, {}).setdefault("values", {})
        for field, vm in vals.items():
            target[str(field)] = {str(a): str(b) for a, b in dict(vm).items()}
    for kind, defs in per_kind("defaults", defaults).items():
        target = m.setdefault(kind, {}).setdefault("defaults", {})
        for field, v in defs.items():
            target[str(field)] = _day(v) if isinstance(v, (date, datetime)) else str(v)
    return json.dumps(m)
