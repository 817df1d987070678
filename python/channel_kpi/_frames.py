"""DataFrame-kind detection and output conversion (the only pure-Python logic)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ._native import ResultTable
from ._notebook import register_accessors

#: Output kinds: the library of the first table the caller passed in.
KINDS = ("pandas", "polars", "pyarrow")


def kind_of(obj: Any) -> str:
    """``pandas``, ``polars`` or ``pyarrow`` (also for any other Arrow stream, e.g. duckdb)."""
    mod = type(obj).__module__.split(".")[0]
    if mod == "pandas":
        return "pandas"
    if mod == "polars":
        return "polars"
    return "pyarrow"


def as_stream(obj: Any) -> Any:
    """Something exporting ``__arrow_c_stream__`` for ``obj`` (no per-row Python work)."""
    if hasattr(obj, "__arrow_c_stream__"):
        return obj
    if type(obj).__module__.startswith("polars") and hasattr(obj, "collect"):
        return obj.collect()  # a LazyFrame
    if hasattr(obj, "__arrow_c_array__"):
        return pa.Table.from_batches([pa.record_batch(obj)])
    return obj  # the native layer raises TableTypeError naming the argument


def to_arrow(result: ResultTable) -> pa.Table:
    """The result as a pyarrow Table (money as decimal128(38, 6), metadata kept)."""
    return pa.RecordBatchReader.from_stream(result).read_all()


def to_output(result: ResultTable, kind: str) -> Any:
    """The result in the caller's library; pandas frames keep the currency in ``df.attrs``."""
    table = to_arrow(result)
    if kind == "pandas":
        # Nullable dtypes: an absent KPI is <NA>, never NaN (and counts stay integers).
        import pandas as pd

        register_accessors("pandas")  # df.kpi.plot(), df.kpi.to_html()
        nullable = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.string(): pd.StringDtype()}
        df = table.to_pandas(types_mapper=nullable.get)
        df.attrs["currency"] = result.currency
        df.attrs["columns"] = {c[0]: {"kind": c[1], "role": c[2], "metric": c[3]} for c in result.columns}
        return df
    if kind == "polars":
        import polars as pl

        register_accessors("polars")
        return pl.from_arrow(table)
    if kind != "pyarrow":
        raise ValueError(f"output must be one of {', '.join(KINDS)}, got {kind!r}")
    return table
