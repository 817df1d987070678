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

import json as _json
import os as _os
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
    InternalError,
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
    __version__,
    metrics,
    preset,
    record_kinds,
    run_files as _run_files,
    run_tables as _run_tables,
)
from ._query import PeriodLike

__all__ = [
    "BadRowsError", "BadRowsWarning", "ChannelKpiError", "CurrencyMismatchError", "Dataset", "DecimalOverflowError",
    "InternalError", "InvalidRecordError", "LoadIOError", "MergeError", "MissingValueError", "ParseError", "Period",
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


_MappingArg = Union[None, str, Mapping[str, Any]]


def load(
    deals: Any = None,
    *,
    mapping: _MappingArg = None,
    columns: Optional[Mapping[str, Any]] = None,
    values: Optional[Mapping[str, Any]] = None,
    defaults: Optional[Mapping[str, Any]] = None,
    lookups: Optional[Mapping[str, Any]] = None,
    collect_errors: bool = False,
    **tables: Any,
) -> Dataset:
    """A validated :class:`Dataset` from tables by kind: any of :data:`TABLES` (``deals``,
    ``leads``, ``partners``, ``org_units``, ``targets``, ``courses``, ``surveys``,
    ``program_costs``, ``subscriptions``, ``tickets``, ``onboarding``, ``engagement``,
    ``referrals``, ``usage`` …), each a pandas / polars / pyarrow table or Arrow stream.

    Columns with other names or values need no mapping file: ``columns={"Amount": "amount"}``
    (your column → canonical field, as in ``DataFrame.rename``), ``values={"status": {"Won":
    "won"}}`` and ``defaults={"currency": "USD"}`` apply to the one table given (with several
    tables, key them by kind: ``columns={"deals": {...}, "leads": {...}}``); they are merged
    into ``mapping`` (the loader's JSON mapping, docs/mappings.md), whose ``lookups`` join the
    other tables given (or ``lookups={"file.csv": table}``). Every column is checked before any
    row is read: all missing columns are reported at once, with close matches.

    ``collect_errors=True`` skips bad rows and keeps one exception per row in
    ``Dataset.errors`` instead of raising at the first."""
    if "deals" in tables:
        raise TypeError("deals given twice: as the first argument and as deals=")
    streams, text, extra = _table_args(deals, mapping, columns, values, defaults, lookups, tables)
    return Dataset.from_tables(streams, text, collect_errors, extra)


def _table_args(deals: Any, mapping: _MappingArg, columns: Any, values: Any, defaults: Any, lookups: Any,
                tables: dict) -> "tuple[dict, Optional[str], Optional[dict]]":  # fmt: skip
    """The tables as Arrow streams by kind, the mapping as JSON, the lookup tables; a
    ``TypeError`` for a keyword that names no table kind."""
    bad = set(tables) - set(TABLES)
    if bad:
        raise TypeError(f"unknown table argument(s) {sorted(bad)}; expected {', '.join(TABLES)}")
    given = {"deals": deals, **tables}
    streams = {k: _frames.as_stream(v) for k, v in given.items() if v is not None}
    text = _query.mapping_json(mapping, list(streams), columns, values, defaults)
    extra = {k: _frames.as_stream(v) for k, v in (lookups or {}).items()}
    return streams, text, extra or None


def load_files(
    *paths: Union[str, "_os.PathLike[str]"],
    mapping: _MappingArg = None,
    max_line_bytes: Optional[int] = None,
    collect_errors: bool = False,
) -> Dataset:
    """A validated :class:`Dataset` from CSV / JSON Lines / Parquet files, or directories of
    them (``deals.csv``, ``leads.jsonl``, ``partners.parquet``, … as in docs/data-format.md, or
    the files a ``mapping`` names). A line longer than ``max_line_bytes`` (default 1 MiB) is
    rejected without reading the rest of the file. A Parquet file is read row group by row
    group, only the columns the mapping reads. Bad input raises a :class:`ChannelKpiError`
    subclass naming file, line (``row``, from 0, for Parquet), column and value; with
    ``collect_errors=True`` bad rows are skipped and listed in ``Dataset.errors`` (one
    exception per row) instead."""
    text = mapping if mapping is None or isinstance(mapping, str) else _json.dumps(mapping)
    return Dataset.from_files([_os.fspath(p) for p in paths], text, max_line_bytes, collect_errors)


_LOAD_KEYWORDS = ("columns", "values", "defaults", "lookups", "collect_errors")


class BadRowsWarning(UserWarning):
    """Issued by a query on files with ``collect_errors=True`` when bad rows were skipped:
    ``errors`` holds one :class:`ChannelKpiError` per skipped row (file, line or row, column,
    value), and the message lists them."""

    def __init__(self, errors: "list[ChannelKpiError]") -> None:
        super().__init__(f"{len(errors)} bad rows skipped:\n" + "\n".join(f"  {e}" for e in errors))
        self.errors = errors


def _is_paths(data: Any) -> bool:
    """A file or directory path, or a non-empty list of them."""
    if isinstance(data, (str, _os.PathLike)):
        return True
    return isinstance(data, (list, tuple)) and bool(data) and all(isinstance(p, (str, _os.PathLike)) for p in data)


def _run(data: Any, mapping: Any, tables: dict, q: str) -> "tuple[ResultTable, str]":
    """The query on ``data``: files, directories and tables are folded as they are read (no
    Dataset is built), a :class:`Dataset` is queried as it is."""
    if not _is_paths(data):
        return _run_tables_or_dataset(data, mapping, tables, q)
    collect = bool(tables.pop("collect_errors", False))
    max_line = tables.pop("max_line_bytes", None)
    if tables:
        raise TypeError(f"with files, give the mapping as mapping= (not {', '.join(sorted(tables))})")
    paths = [_os.fspath(p) for p in ([data] if isinstance(data, (str, _os.PathLike)) else data)]
    text = mapping if mapping is None or isinstance(mapping, str) else _json.dumps(mapping)
    result, bad_rows = _run_files(paths, q, text, max_line, collect)
    _warn_bad_rows(bad_rows, 4)
    return result, "pyarrow"


def _warn_bad_rows(bad_rows: "list[ChannelKpiError]", stacklevel: int) -> None:
    """Bad rows skipped under ``collect_errors=True``, as a warning at the user's call."""
    if bad_rows:
        import warnings

        warnings.warn(BadRowsWarning(bad_rows), stacklevel=stacklevel)


def _run_tables_or_dataset(data: Any, mapping: Any, tables: dict, q: str) -> "tuple[ResultTable, str]":
    if "deals" in tables:
        if data is not None:
            raise TypeError("deals given twice: as the first argument and as deals=")
        data = tables.pop("deals")
    load_kw = {k: tables.pop(k) for k in _LOAD_KEYWORDS if k in tables}
    if isinstance(data, Dataset):
        if tables or load_kw:
            raise TypeError("pass either a Dataset or tables, not both")
        return data.run(q), "pyarrow"
    first = next((t for t in [data, *tables.values()] if t is not None), None)
    if first is None:
        raise TypeError("no records given: pass deals (or leads=, spend=, ...) as a table, or a Dataset")
    collect = bool(load_kw.pop("collect_errors", False))
    args = [load_kw.get(k) for k in ("columns", "values", "defaults", "lookups")]
    streams, text, extra = _table_args(data, mapping, *args, tables)
    result, bad_rows = _run_tables(streams, q, text, collect, extra)
    _warn_bad_rows(bad_rows, 5)
    return result, _frames.kind_of(first)


def query(
    data: Any = None,
    *,
    metrics: Union[str, Iterable[str]],
    period: PeriodLike,
    by: Union[None, str, Sequence[str]] = None,
    buckets: Optional[str] = None,
    compare_to: Optional[PeriodLike] = None,
    rollup: bool = False,
    as_of: Optional[date] = None,
    currency: Optional[str] = None,
    options: Optional[Mapping[str, Any]] = None,
    mapping: _MappingArg = None,
    output: Optional[str] = None,
    money: str = "decimal",
    **tables: Any,
) -> Any:
    """Any KPIs as a table: ``metrics`` (ids, see :func:`metrics`) over ``period``, grouped
    ``by`` dimensions (``partner``, ``owner``, ``team``, ``channel``, ``attr:<name>`` …), split
    into ``buckets`` (``month``, ``quarter`` …), compared with ``previous`` (the period
    before) / ``year_ago`` / another period. ``data`` is the deals table or a
    :class:`Dataset`; other tables by keyword (``leads=``, ``partners=`` …), with the keywords
    of :func:`load` (``columns=``, ``values=``, ``defaults=``, ``lookups=``,
    ``collect_errors=``). Deals tables are folded into the query as they are read (no
    :class:`Dataset` is built); the result and errors are those of :func:`load` then the query.

    ``data`` may also be files and directories (a path or a list of paths, as
    :func:`load_files` reads them, with its ``max_line_bytes=`` and ``collect_errors=``): the
    records are then folded into the query as they are read, so memory does not grow with the
    files (a table of 8 bytes per deal id aside); the result and errors are those of
    ``load_files`` then the query. With ``collect_errors=True`` (files or tables) bad rows are
    skipped and reported by a :class:`BadRowsWarning`.

    ``period`` (and a ``compare_to`` period): ``"2025"``, ``"2025-Q1"`` (also ``"2025Q1"``,
    ``"Q1 2025"``), ``"2025-03"``, ``"2025-W07"``, ``"2025-03-14"``, ``"2025-01-01..2025-04-01"``
    (end exclusive), a :class:`Period`, a ``pandas.Period``, or a ``(start, end)`` tuple of
    dates (end exclusive). ``as_of`` ("now" for open pipeline, aging, lead conversion by
    ``as_of``, active registrations) defaults to the period's last day; the result records
    the period, ``as_of`` and currency it was computed with (pandas: ``df.attrs``).

    The table is of the caller's library (or ``output``: pandas, polars, pyarrow); money
    columns are exact decimals, or floats with ``money="float"`` (for ``df.plot``,
    ``describe()``, seaborn)."""
    q = _query.query_json(metrics, period, by, buckets, compare_to, rollup, as_of, currency, options)
    result, kind = _run(data, mapping, tables, q)
    return _frames.to_output(result, output or kind, money)


def scorecard(data: Any = None, *, period: PeriodLike, by: Union[None, str, Sequence[str]] = "partner",
              metrics: Optional[Iterable[str]] = None, **kw: Any) -> Any:  # fmt: skip
    """One row per group (default: per partner — an error naming the columns found when the
    tables have no partner column; pass ``by="owner"``, ``by=None`` …) with the scorecard
    preset's KPIs (or ``metrics``). Keywords as :func:`query`."""
    return query(data, metrics=list(metrics) if metrics else preset("scorecard"), period=period, by=by, **kw)


def trend(data: Any = None, *, period: PeriodLike, buckets: str = "month",
          metrics: Union[str, Iterable[str]] = ("won_revenue", "close_rate"), **kw: Any) -> Any:  # fmt: skip
    """KPIs per time bucket (default: per month) over ``period``."""
    return query(data, metrics=metrics, period=period, buckets=buckets, **kw)


def _family(name: str, doc: str) -> Any:
    def run(data: Any = None, *, period: PeriodLike, metrics: Optional[Iterable[str]] = None, **kw: Any) -> Any:
        return query(data, metrics=list(metrics) if metrics else preset(name), period=period, **kw)

    run.__name__ = run.__qualname__ = f"{name.rstrip('s')}_kpis" if name != "deals" else "deal_kpis"
    run.__doc__ = doc
    return run


deal_kpis = _family("deals", "The deal KPIs (size, count, close rate, cycle, velocity, quality …) as a table.")
pipeline_kpis = _family("pipeline", "The pipeline KPIs (value, change, aging, stage durations, funnel) as a table.")
channel_kpis = _family("channels", "Marketing-channel performance (leads, conversion, revenue, cost, ROI) as a table.")


#: Metrics whose result is a table even ungrouped (one row per month of the year, per cohort and age).
_TABLE_METRICS = ("close_rate_seasonality", "cohorts", "partner_cohorts")


def _metric_function(metric: str, family: str, description: str) -> Any:
    def run(
        data: Any = None,
        *,
        period: PeriodLike,
        by: Union[None, str, Sequence[str]] = None,
        buckets: Optional[str] = None,
        compare_to: Optional[PeriodLike] = None,
        rollup: bool = False,
        as_of: Optional[date] = None,
        currency: Optional[str] = None,
        options: Optional[Mapping[str, Any]] = None,
        mapping: _MappingArg = None,
        output: Optional[str] = None,
        money: str = "decimal",
        **tables: Any,
    ) -> Any:
        q = _query.query_json(metric, period, by, buckets, compare_to, rollup, as_of, currency, options)
        result, kind = _run(data, mapping, tables, q)
        if not by and buckets is None and compare_to is None and not rollup and metric not in _TABLE_METRICS:
            return _frames.single(result, metric, money)
        return _frames.to_output(result, output or kind, money)

    run.__name__ = run.__qualname__ = metric
    run.__doc__ = (
        f"{description}\n\nFamily: {family}. Ungrouped: a single value (Decimal for money — float with "
        "``money='float'`` —, float for rates, None without data; a dict when the KPI has several columns). "
        "With ``by``, ``buckets``, ``compare_to`` or ``rollup``: a table of the caller's library, which records "
        "the period, ``as_of`` and currency used. ``as_of`` (\"now\" for KPIs about the present: open pipeline, "
        "aging, lead conversion counted by ``as_of``, active registrations) defaults to the last day of "
        "``period``. Periods, tables and keywords as :func:`channel_kpi.query`."
    )
    return run


for _id, _family_name, _description in metrics():
    globals()[_id] = _metric_function(_id, _family_name, _description)
    __all__.append(_id)
del _id, _family_name, _description



def __dir__() -> "list[str]":
    """The public API (not the modules and typing names used inside)."""
    return sorted({*__all__, "__version__", "TABLES"})


_notebook.register_ipython()  # HTML display of results when imported inside IPython / Jupyter
