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
* :func:`reference` — partners, org units, pipeline, exchange rates → a ``Reference`` to ship
  to the workers; :func:`fold` — one partition's tables of any record kind → partial bytes
  covering a named part; :func:`finish_parts` — the driver's side: the partner records folded
  once, the parts merged (a part covered twice is a ``MergeError``), finished with the
  reference data;
* :func:`dask_query` — ``dask.dataframe`` tables of every record kind → per-partition partial
  states on the workers → merged in a tree → finished: the same table as one machine computes.
  :mod:`channel_kpi.spark` does the same on Spark.

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
from ._native import Partial, Period, Reference, fold_deal_stream, fold_deals, fold_tables
from ._query import query_json

#: The columns the deal-outcome KPIs read (the columnar path).
DEAL_COLUMNS = ["deal_id", "partner_id", "status", "created_on", "closed_on", "amount", "currency"]

#: Reference data: loaded once on the driver and shipped to every worker, never split.
REFERENCE_KINDS = ("org_units", "partners", "pipeline", "fx_rates")

__all__ = ["DEAL_COLUMNS", "REFERENCE_KINDS", "Partial", "Reference", "partial", "stream_partial", "merge", "finish",
           "reference", "fold", "merge_bytes", "finish_parts", "dask_query", "query_json"]  # fmt: skip


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


def reference(*, mapping: Union[None, str, Mapping[str, Any]] = None, **tables: Any) -> Reference:
    """Reference data from local tables: any of :data:`REFERENCE_KINDS` (pandas, polars,
    pyarrow …); none gives the empty reference."""
    bad = set(tables) - set(REFERENCE_KINDS)
    if bad:
        raise TypeError(f"reference: {sorted(bad)} are not reference data; expected {', '.join(REFERENCE_KINDS)}")
    streams = {k: _table(v) for k, v in tables.items() if v is not None}
    return Reference.from_tables(streams, _mapping_text(mapping))


def fold(tables: Mapping[str, Any], q: str, part: str, ref: Union[None, bytes, Reference] = None,
         mapping: Union[None, str, Mapping[str, Any]] = None) -> bytes:  # fmt: skip
    """One partition's fact tables (``{"deals": t, "stage_history": t}``, ``{"leads": t}`` …)
    folded against the reference data into partial bytes covering ``part`` (a name unique to
    this partition: the same part merged twice is refused)."""
    r = Reference.from_bytes(ref) if isinstance(ref, (bytes, bytearray)) else ref
    given = {k: _table(v) for k, v in tables.items() if v is not None}
    return fold_tables(given, q, part, r, _mapping_text(mapping)).to_bytes()


def merge_bytes(*states: bytes) -> bytes:
    """Partial bytes merged into one (what each node of a merge tree runs)."""
    return merge(states).to_bytes()


def finish_parts(states: Iterable[bytes], ref: Reference, q: str) -> Any:
    """The driver's side: the partner records folded once (``Reference.partial``), every part
    merged in, finished with the reference data → the core's result table."""
    whole = ref.partial(q)
    for s in states:
        whole.merge(Partial.from_bytes(s))
    return whole.finish(ref)


def dask_query(deals: Any = None, *, metrics: Union[str, Iterable[str]], period: Union[Period, str],
               mapping: Union[None, str, Mapping[str, Any]] = None, output: str = "pandas", fan_in: int = 8,
               **kw: Any) -> Any:  # fmt: skip
    """A query over ``dask.dataframe`` tables of any record kind (``deals`` positional, others
    by kind: ``leads=``, ``subscriptions=`` …; reference tables — ``partners=``, ``org_units=``,
    ``pipeline=``, ``fx_rates=`` — local or Dask, collected once). Each partition is folded into
    partial states on its worker (one thread each: the workers are the parallelism), only the
    states (bytes) travel, merged in a tree of ``fan_in`` on the workers, finished here with the
    reference data. The result equals the one-machine result exactly. Query keywords as for
    :func:`channel_kpi.query`.

    Links between tables are made with Dask before folding: leads get ``won_on`` from their won
    deal (a left join on ``deal_id``, when the leads lack ``won_on`` and no mapping is given),
    and stage history is shuffled to the partition of its deal."""
    import dask

    tables, query = _split_kwargs(kw)
    if deals is not None:
        tables["deals"] = deals
    facts, refs = _split_tables(tables)
    ref = reference(mapping=mapping, **{k: _local(v) for k, v in refs.items()})
    q = query_json(metrics, period, **query)
    rb, mtext = ref.to_bytes(), _mapping_text(mapping)
    if mapping is None and "leads" in facts:
        facts["leads"] = _dask_leads_won_on(facts["leads"], facts.get("deals"))
    tasks = []
    if "stage_history" in facts:
        d, h = _dask_copartition(facts.pop("deals"), facts.pop("stage_history"))
        for i, (dp, hp) in enumerate(zip(d.to_delayed(), h.to_delayed())):
            tasks.append(dask.delayed(_fold_pandas)({"deals": dp, "stage_history": hp}, q, f"deals+stage_history:{i}", rb, mtext))
    for kind, ddf in facts.items():
        for i, p in enumerate(ddf.to_delayed()):
            tasks.append(dask.delayed(_fold_pandas)({kind: p}, q, f"{kind}:{i}", rb, mtext))
    while len(tasks) > 1:  # the merge tree, on the workers
        tasks = [dask.delayed(merge_bytes)(*tasks[i : i + fan_in]) for i in range(0, len(tasks), fan_in)]
    states = dask.compute(*tasks)
    return _frames.to_output(finish_parts(states, ref, q), output)


_QUERY_KEYS = ("by", "buckets", "compare_to", "rollup", "as_of", "currency", "options")


def _split_kwargs(kw: Mapping[str, Any]) -> "tuple[dict, dict]":
    """Keyword arguments → (tables by kind, query keywords); an unknown keyword is a TypeError."""
    from ._native import record_kinds

    kinds = set(record_kinds())
    tables = {k: v for k, v in kw.items() if k in kinds and v is not None}
    query = {k: v for k, v in kw.items() if k in _QUERY_KEYS}
    bad = set(kw) - kinds - set(_QUERY_KEYS)
    if bad:
        raise TypeError(f"unknown argument(s) {sorted(bad)}: expected a record kind or one of {', '.join(_QUERY_KEYS)}")
    return tables, query


def _split_tables(tables: Mapping[str, Any]) -> "tuple[dict, dict]":
    facts = {k: v for k, v in tables.items() if k not in REFERENCE_KINDS}
    refs = {k: v for k, v in tables.items() if k in REFERENCE_KINDS}
    if "stage_history" in facts and "deals" not in facts:
        raise TypeError("stage_history needs the deals it belongs to (deals=...)")
    return facts, refs


def _mapping_text(mapping: Union[None, str, Mapping[str, Any]]) -> Optional[str]:
    import json

    return mapping if mapping is None or isinstance(mapping, str) else json.dumps(mapping)


def _local(t: Any) -> Any:
    """A Dask or Spark frame collected; a local table as is."""
    if hasattr(t, "toArrow"):  # Spark
        return t.toArrow()
    if hasattr(t, "compute") and hasattr(t, "npartitions"):  # Dask
        return t.compute()
    return t


def _fold_pandas(tables: Mapping[str, Any], q: str, part: str, ref: bytes, mapping: Optional[str]) -> bytes:
    return fold(tables, q, part, ref, mapping)


def _dask_leads_won_on(leads: Any, deals: Any) -> Any:
    """Leads with ``won_on`` from their won deal (as the one-machine loader fills it) and no
    ``deal_id`` (the deal lives in another partition)."""
    if "deal_id" not in leads.columns:
        return leads
    if "won_on" not in leads.columns and deals is not None:
        won = deals[deals["status"].astype(str).str.strip().str.lower() == "won"][["deal_id", "closed_on"]]
        won = won.rename(columns={"deal_id": "_ck_deal", "closed_on": "won_on"})
        leads = leads.merge(won, left_on="deal_id", right_on="_ck_deal", how="left").drop(columns=["_ck_deal"])
    return leads.drop(columns=["deal_id"])


def _dask_copartition(deals: Any, history: Any) -> "tuple[Any, Any]":
    """Deals and stage history shuffled by a hash of ``deal_id`` into the same partitions."""
    import pandas as pd

    n = max(deals.npartitions, 1)

    def bucket(df: Any) -> Any:
        b = pd.util.hash_pandas_object(df["deal_id"].astype(str), index=False) % n
        return df.assign(_ck_b=b.astype("int64"))

    d = deals.map_partitions(bucket).shuffle(on="_ck_b", npartitions=n)
    h = history.map_partitions(bucket).shuffle(on="_ck_b", npartitions=n)
    return d.drop(columns=["_ck_b"]), h.drop(columns=["_ck_b"])


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
