"""The one builder of the core's JSON query form, shared by :func:`channel_kpi.query`, the
per-KPI functions and :mod:`channel_kpi.scale`."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from ._native import Period


def query_json(
    metrics: Union[str, Iterable[str]],
    period: Union[Period, str],
    by: Union[None, str, Sequence[str]] = None,
    buckets: Optional[str] = None,
    compare_to: Optional[str] = None,
    rollup: bool = False,
    as_of: Optional[date] = None,
    currency: Optional[str] = None,
    options: Optional[Mapping[str, Any]] = None,
) -> str:
    """The core's JSON form of a query: ``metrics`` (one id or several) over ``period``, grouped
    ``by``, split into ``buckets``, compared with ``previous_period`` / ``year_ago`` / a period."""
    ids = [metrics] if isinstance(metrics, str) else list(metrics)
    groups = [by] if isinstance(by, str) else list(by or [])
    q: dict = {"metrics": ids, "period": str(period), "group_by": groups, "rollup": rollup}
    if buckets is not None:
        q["buckets"] = buckets
    if compare_to is not None:
        q["compare_to"] = compare_to if compare_to in ("previous_period", "year_ago") else {"period": str(compare_to)}
    if as_of is not None:
        q["as_of"] = as_of.isoformat()
    if currency is not None:
        q["currency"] = currency
    if options:
        q["options"] = dict(options)
    return json.dumps(q)
