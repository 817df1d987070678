"""DataFrame-kind detection and output conversion (the only pure-Python logic)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ._native import ResultTable
from ._meta import remember
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


#: How money columns come back: exact decimals (default) or floats.
MONEY = ("decimal", "float")


def _money_as(table: pa.Table, money: str) -> pa.Table:
    if money not in MONEY:
        raise ValueError(f"money must be one of {', '.join(MONEY)}, got {money!r}")
    if money == "decimal":
        return table
    fields = []
    for f in table.schema:
        if pa.types.is_decimal(f.type):
            f = f.with_type(pa.float64())
        fields.append(f)
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


def single(result: ResultTable, metric: str, money: str = "decimal") -> Any:
    """The one value of an ungrouped, unbucketed result: the metric's own column, else a dict
    of its value columns; ``None`` when no row was produced. ``money="float"`` gives money as
    ``float``."""
    if money not in MONEY:
        raise ValueError(f"money must be one of {', '.join(MONEY)}, got {money!r}")
    if result.num_rows == 0:
        return None
    kinds = {c[0]: c[1] for c in result.columns}

    def cell(name: str) -> Any:
        v: Any = result.value(0, name)
        return float(v) if money == "float" and v is not None and kinds[name] in ("money", "decimal") else v

    if metric in kinds:
        return cell(metric)
    return {c[0]: cell(c[0]) for c in result.columns if c[2] == "value"}


def to_output(result: ResultTable, kind: str, money: str = "decimal") -> Any:
    """The result in the caller's library; pandas frames keep the currency, period and
    ``as_of`` in ``df.attrs``. ``money="float"`` turns money (and other decimal) columns into
    float64 for plotting and statistics; the default keeps exact decimals."""
    table = _money_as(to_arrow(result), money)
    if kind == "pandas":
        # Nullable dtypes: an absent KPI is <NA>, never NaN (and counts stay integers).
        import pandas as pd

        register_accessors("pandas")  # df.kpi.plot(), df.kpi.to_html()
        nullable = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.string(): pd.StringDtype()}
        df = table.to_pandas(types_mapper=nullable.get)
        df.attrs["currency"] = result.currency
        df.attrs["period"] = result.period
        df.attrs["as_of"] = result.as_of.isoformat() if result.as_of else None  # attrs stay JSON-serializable
        df.attrs["columns"] = {c[0]: {"kind": c[1], "role": c[2], "metric": c[3]} for c in result.columns}
        return df
    if kind == "polars":
        import polars as pl

        register_accessors("polars")
        frame = pl.from_arrow(table)
        remember(frame, result)  # polars keeps no metadata: the currency and column kinds
        return frame
    if kind != "pyarrow":
        raise ValueError(f"output must be one of {', '.join(KINDS)}, got {kind!r}")
    return table
