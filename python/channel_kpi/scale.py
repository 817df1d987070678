"""Deals KPIs at scale: partial results that serialize, merge and finish.

The core folds a deals table into *partial states* (per group and window: counts, exact sums,
histograms); partial states of the same query merge exactly and associatively, so a table can
be split anywhere, each part folded where it lives, and the parts merged in any order. This
module is the Python seam for that:

* :func:`partial` — a deals table in memory (pandas, polars, pyarrow, duckdb …) → ``Partial``,
  on all cores (the core's columnar path);
* :func:`stream_partial` — a stream of batches (a ``pyarrow.RecordBatchReader``, a Parquet or
  CSV file read in batches) → ``Partial`` with memory bounded by a few batches;
* :func:`merge` — partials (or their ``to_bytes()``) → one ``Partial``; ``Partial.finish()`` →
  the result table, :func:`finish` → in the caller's library;
* :func:`dask_query` — a ``dask.dataframe`` → per-partition partial states on the workers →
  merged → finished: the same table as one machine computes.

>>> import channel_kpi.scale as cs, pyarrow as pa, datetime as dt
>>> deals = pa.table({"deal_id": ["A", "B"], "status": ["won", "won"],
...     "created_on": [dt.date(2025, 1, 2)] * 2, "closed_on": [dt.date(2025, 2, 1), dt.date(2025, 3, 1)],
...     "amount": pa.array([200, 400], pa.decimal128(18, 2)), "currency": ["USD", "USD"]})
>>> a = cs.partial(deals.slice(0, 1), metrics=["won_revenue"], period="2025")
>>> b = cs.partial(deals.slice(1), metrics=["won_revenue"], period="2025")
>>> whole = cs.merge([a.to_bytes(), b])
>>> whole.finish().value(0, "won_revenue")
Decimal('600')
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import pyarrow as pa

from . import _frames
from ._native import Partial, Period, fold_deal_stream, fold_deals
from ._query import query_json

#: The columns the deal-outcome KPIs read (the columnar path).
DEAL_COLUMNS = ["deal_id", "partner_id", "status", "created_on", "closed_on", "amount", "currency"]

__all__ = ["DEAL_COLUMNS", "Partial", "partial", "stream_partial", "merge", "finish", "dask_query", "query_json"]


def partial(deals: Any, *, metrics: Union[str, Iterable[str]], period: Union[Period, str], threads: int = 0,
            **query: Any) -> Partial:  # fmt: skip
    """Partial states of a deals table held in memory, folded on ``threads`` threads (0 = all
    cores). ``query``: ``by``, ``buckets``, ``compare_to``, ``rollup``, ``as_of``, ``options``
    as for :func:`channel_kpi.query`."""
    return fold_deals(_table(deals), query_json(metrics, period, **query), threads)


def stream_partial(source: Any, *, metrics: Union[str, Iterable[str]], period: Union[Period, str], threads: int = 0,
                   batch_size: int = 64 * 1024, columns: Optional[Sequence[str]] = None, **query: Any) -> Partial:  # fmt: skip
    """Partial states of a deals stream: a path to a ``.parquet`` / ``.csv`` file (read in
    batches of ``batch_size`` rows, only ``columns`` when given — :data:`DEAL_COLUMNS` is all
    the deal-outcome KPIs need), a ``pyarrow.RecordBatchReader``, or anything exporting
    ``__arrow_c_stream__``. Memory stays bounded by a few batches and the states, however
    many rows the stream has."""
    if isinstance(source, (str, os.PathLike)):
        source = _open(os.fspath(source), batch_size, columns)
    return fold_deal_stream(source, query_json(metrics, period, **query), threads)


def merge(partials: Iterable[Union[Partial, bytes]]) -> Partial:
    """One ``Partial`` from many (or from their ``to_bytes()``), merged in order."""
    out: Optional[Partial] = None
    for p in partials:
        p = Partial.from_bytes(p) if isinstance(p, (bytes, bytearray, memoryview)) else p
        if out is None:
            out = Partial.from_bytes(p.to_bytes())  # a copy: never mutate the caller's
        else:
            out.merge(p)
    if out is None:
        raise ValueError("merge: no partial results given")
    return out


def finish(p: Partial, output: str = "pyarrow") -> Any:
    """The finished table as ``pyarrow`` (default), ``pandas`` or ``polars``."""
    return _frames.to_output(p.finish(), output)


def dask_query(ddf: Any, *, metrics: Union[str, Iterable[str]], period: Union[Period, str], output: str = "pandas",
               **query: Any) -> Any:  # fmt: skip
    """The query over a ``dask.dataframe`` of deals: each partition is folded into partial
    states on its worker (one thread each: the workers are the parallelism), only the states
    (bytes) travel back, and they are merged and finished here. The result equals the
    one-machine result exactly."""
    import dask

    q = query_json(metrics, period, **query)
    parts = [dask.delayed(_fold_partition)(d, q) for d in ddf.to_delayed()]
    states = dask.compute(*parts)
    return finish(merge(states), output)


def _fold_partition(pdf: Any, q: str) -> bytes:
    return fold_deals(_table(pdf), q, 1).to_bytes()


def _table(obj: Any) -> Any:
    """An Arrow-exporting table for ``obj``: pandas frames without their index."""
    if type(obj).__module__.split(".")[0] == "pandas":
        return pa.Table.from_pandas(obj, preserve_index=False)
    return _frames.as_stream(obj)


def _open(path: str, batch_size: int, columns: Optional[Sequence[str]]) -> pa.RecordBatchReader:
    if path.endswith((".parquet", ".pq")):
        import pyarrow.dataset as pds

        # Arrow's C++ scanner: decodes on its own threads, no Python per batch. Bounded read-ahead
        # and no pre-buffering of column chunks, so memory does not grow with the file.
        opts = pds.ParquetFragmentScanOptions(pre_buffer=False)
        scan = pds.dataset(path, format="parquet").scanner(
            columns=columns, batch_size=batch_size, batch_readahead=2, fragment_readahead=1, fragment_scan_options=opts
        )
        return scan.to_reader()
    if path.endswith((".csv", ".csv.gz")):
        import pyarrow.csv as pcsv

        convert = pcsv.ConvertOptions(include_columns=columns) if columns else None
        return pcsv.open_csv(path, read_options=pcsv.ReadOptions(block_size=batch_size * 64), convert_options=convert)
    raise ValueError(f"{path}: expected a .parquet or .csv file (or pass a pyarrow.RecordBatchReader)")
