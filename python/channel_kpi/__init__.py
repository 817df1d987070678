"""Channel-partner and sales-pipeline KPIs on the DataFrames you already have.

>>> import channel_kpi as ck, pandas as pd
>>> deals = pd.DataFrame({"deal_id": ["A", "B"], "status": ["won", "won"],
...     "created_on": ["2025-05-01"] * 2, "closed_on": ["2025-06-20", "2025-06-29"],
...     "amount": ["200", "400"], "currency": ["USD", "USD"]})
>>> ck.avg_deal_size(deals, period=ck.Period.last_days(15, as_of=date(2025, 6, 30)))
Decimal('300')

Every function takes the records as tables (pandas, polars, pyarrow, or anything exporting
``__arrow_c_stream__``) with canonical column names (docs/data-format.md) or a ``mapping`` (the
CSV loader's JSON mapping, as a dict or JSON text). Grouped results come back as a table of the
caller's library, money as exact decimals; single values as ``decimal.Decimal``, ``float``,
``datetime.date`` or ``None`` when there is no data. The computation is the Rust core's.
"""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from . import _frames, _notebook, _query
from ._html import to_html
from ._native import (
    BadRowsError,
    ChannelKpiError,
    CurrencyMismatchError,
    Dataset,
    DecimalOverflowError,
    InvalidRecordError,
    LoadIOError,
    MergeError,
    MissingValueError,
    ParseError,
    Period,
    QueryError,
    ResultTable,
    TableTypeError,
    UnknownReferenceError,
    metrics,
    preset,
    record_kinds,
)

__all__ = [
    "BadRowsError", "ChannelKpiError", "CurrencyMismatchError", "Dataset", "DecimalOverflowError",
    "InvalidRecordError", "LoadIOError", "MergeError", "MissingValueError", "ParseError", "Period",
    "QueryError", "ResultTable", "TableTypeError", "UnknownReferenceError",
    "load", "load_files", "query", "scorecard", "trend", "deal_kpis", "pipeline_kpis", "channel_kpis", "metrics",
    "preset", "to_arrow", "to_html", "plot", "register_ipython", "load_ipython_extension",
]  # fmt: skip

#: Record kinds a function accepts as keyword tables (``deals`` may also be positional): every
#: kind the core loads (docs/data-format.md), in its loading order.
TABLES = tuple(record_kinds())

to_arrow = _frames.to_arrow
register_ipython = _notebook.register_ipython


def plot(result: Any, metrics: Union[None, str, Sequence[str]] = None, **kw: Any) -> Any:
    """A matplotlib chart of a result (needs matplotlib: ``pip install 'channel-kpi[plot]'``):
    a trend → one line per group over time, a scorecard → horizontal bars per group; one
    subplot per KPI column (``metrics`` picks them). Returns the ``Figure``. Also
    ``df.kpi.plot()`` on a result frame."""
    from ._plot import plot as draw

    return draw(result, metrics, **kw)


def load_ipython_extension(ip: Any) -> None:
    """``%load_ext channel_kpi``: results display as HTML tables."""
    _notebook.register_ipython(ip)


def load(
    deals: Any = None, *, mapping: Union[None, str, Mapping[str, Any]] = None, **tables: Any
) -> Dataset:
    """A validated :class:`Dataset` from tables by kind: any of :data:`TABLES` (``deals``,
    ``leads``, ``partners``, ``org_units``, ``targets``, ``courses``, ``surveys``,
    ``program_costs``, ``subscriptions``, ``tickets``, ``onboarding``, ``engagement``,
    ``referrals``, ``usage`` …), each a pandas / polars / pyarrow table or Arrow stream."""
    bad = set(tables) - set(TABLES)
    if bad:
        raise TypeError(f"unknown table argument(s) {sorted(bad)}; expected {', '.join(TABLES)}")
    given = {"deals": deals, **tables}
    streams = {k: _frames.as_stream(v) for k, v in given.items() if v is not None}
    text = mapping if mapping is None or isinstance(mapping, str) else json.dumps(mapping)
    return Dataset.from_tables(streams, text)


def load_files(
    *paths: Union[str, "os.PathLike[str]"],
    mapping: Union[None, str, Mapping[str, Any]] = None,
    max_line_bytes: Optional[int] = None,
    collect_errors: bool = False,
) -> Dataset:
    """A validated :class:`Dataset` from CSV / JSON Lines files, or directories of them
    (``deals.csv``, ``leads.jsonl``, … as in docs/data-format.md, or the files a ``mapping``
    names). A line longer than ``max_line_bytes`` (default 1 MiB) is rejected without reading
    the rest of the file. Bad input raises a :class:`ChannelKpiError` subclass naming file,
    line, column and value; with ``collect_errors=True`` every bad row is read and one
    :class:`BadRowsError` lists them all (``.errors``)."""
    text = mapping if mapping is None or isinstance(mapping, str) else json.dumps(mapping)
    return Dataset.from_files([os.fspath(p) for p in paths], text, max_line_bytes, collect_errors)


def _prepare(data: Any, mapping: Any, tables: dict) -> "tuple[Dataset, str]":
    if isinstance(data, Dataset):
        if tables:
            raise TypeError("pass either a Dataset or tables, not both")
        return data, "pyarrow"
    first = next((t for t in [data, *tables.values()] if t is not None), None)
    if first is None:
        raise TypeError("no records given: pass deals (or leads, spend, ...) as a table, or a Dataset")
    return load(data, mapping=mapping, **tables), _frames.kind_of(first)


def query(
    data: Any = None,
    *,
    metrics: Union[str, Iterable[str]],
    period: Union[Period, str],
    by: Union[None, str, Sequence[str]] = None,
    buckets: Optional[str] = None,
    compare_to: Optional[str] = None,
    rollup: bool = False,
    as_of: Optional[date] = None,
    currency: Optional[str] = None,
    options: Optional[Mapping[str, Any]] = None,
    mapping: Union[None, str, Mapping[str, Any]] = None,
    output: Optional[str] = None,
    **tables: Any,
) -> Any:
    """Any KPIs as a table: ``metrics`` (ids, see :func:`metrics`) over ``period``, grouped
    ``by`` dimensions (``partner``, ``owner``, ``team``, ``channel``, ``attr:<name>`` …), split
    into ``buckets`` (``month``, ``quarter`` …), compared with ``previous_period`` /
    ``year_ago`` / another period. ``data`` is the deals table or a :class:`Dataset`.
    The table is of the caller's library (or ``output``: pandas, polars, pyarrow)."""
    ds, kind = _prepare(data, mapping, tables)
    q = _query.query_json(metrics, period, by, buckets, compare_to, rollup, as_of, currency, options)
    return _frames.to_output(ds.run(q), output or kind)


def scorecard(data: Any = None, *, period: Union[Period, str], by: Union[None, str, Sequence[str]] = "partner",
              metrics: Optional[Iterable[str]] = None, **kw: Any) -> Any:  # fmt: skip
    """One row per group (default: per partner) with the scorecard preset's KPIs
    (or ``metrics``)."""
    return query(data, metrics=list(metrics) if metrics else preset("scorecard"), period=period, by=by, **kw)


def trend(data: Any = None, *, period: Union[Period, str], buckets: str = "month",
          metrics: Union[str, Iterable[str]] = ("won_revenue", "close_rate"), **kw: Any) -> Any:  # fmt: skip
    """KPIs per time bucket (default: per month) over ``period``."""
    return query(data, metrics=metrics, period=period, buckets=buckets, **kw)


def _family(name: str, doc: str) -> Any:
    def run(data: Any = None, *, period: Union[Period, str], metrics: Optional[Iterable[str]] = None, **kw: Any) -> Any:
        return query(data, metrics=list(metrics) if metrics else preset(name), period=period, **kw)

    run.__name__ = run.__qualname__ = f"{name.rstrip('s')}_kpis" if name != "deals" else "deal_kpis"
    run.__doc__ = doc
    return run


deal_kpis = _family("deals", "The deal KPIs (size, count, close rate, cycle, velocity, quality …) as a table.")
pipeline_kpis = _family("pipeline", "The pipeline KPIs (value, change, aging, stage durations, funnel) as a table.")
channel_kpis = _family("channels", "Marketing-channel performance (leads, conversion, revenue, cost, ROI) as a table.")


def _single(result: ResultTable, metric: str) -> Any:
    """The one value of an ungrouped, unbucketed result: the metric's own column, else a dict
    of its value columns; ``None`` when no row was produced."""
    if result.num_rows == 0:
        return None
    names = result.column_names
    if metric in names:
        return result.value(0, metric)
    return {c[0]: result.value(0, c[0]) for c in result.columns if c[2] == "value"}


def _metric_function(metric: str, family: str, description: str) -> Any:
    def run(
        data: Any = None,
        *,
        period: Union[Period, str],
        by: Union[None, str, Sequence[str]] = None,
        buckets: Optional[str] = None,
        compare_to: Optional[str] = None,
        rollup: bool = False,
        as_of: Optional[date] = None,
        currency: Optional[str] = None,
        options: Optional[Mapping[str, Any]] = None,
        mapping: Union[None, str, Mapping[str, Any]] = None,
        output: Optional[str] = None,
        **tables: Any,
    ) -> Any:
        ds, kind = _prepare(data, mapping, tables)
        q = _query.query_json(metric, period, by, buckets, compare_to, rollup, as_of, currency, options)
        result = ds.run(q)
        if not by and buckets is None and compare_to is None and not rollup and metric != "close_rate_seasonality":
            return _single(result, metric)
        return _frames.to_output(result, output or kind)

    run.__name__ = run.__qualname__ = metric
    run.__doc__ = (
        f"{description}\n\nFamily: {family}. Ungrouped: a single value (Decimal for money, float for rates, "
        "None without data; a dict when the KPI has several columns). With ``by``, ``buckets`` or "
        "``compare_to``: a table of the caller's library."
    )
    return run


for _id, _family_name, _description in metrics():
    globals()[_id] = _metric_function(_id, _family_name, _description)
    __all__.append(_id)
del _id, _family_name, _description

_notebook.register_ipython()  # HTML display of results when imported inside IPython / Jupyter
