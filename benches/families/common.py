"""Shared by the family workloads: the period, column builders, Wilson intervals and the
equality check (see ``bench_families.py``)."""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any, Callable

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import bench_deals  # noqa: E402
import workload  # noqa: E402

import channel_kpi as ck  # noqa: E402

P0, P1 = date(2025, 1, 1), date(2026, 1, 1)  # the period 2025, half-open
AS_OF = P1 - timedelta(days=1)  # the query's default as_of: the period's last day
QUARTERS = [date(2025, m, 1) for m in (1, 4, 7, 10)]
EPOCH = date(1970, 1, 1)
SIX = Decimal("0.000001")
Z95 = 1.959963984540054  # stats::z_for(0.95)

# ---- column helpers -------------------------------------------------------------------------------


def day(d: date) -> int:
    return (d - EPOCH).days


def dates(days: np.ndarray, mask: Any = None) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.date32(), mask=mask)


def money(cents: np.ndarray, scale: int = 2, precision: int = 18) -> pa.Array:
    """A decimal128 column from non-negative integers (``scale`` implied decimals)."""
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(cents), [None, pa.py_buffer(workload._i128(cents.astype(np.int64)))])


def ids(prefix: str, n: int) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(np.arange(n, dtype=np.int64)), pa.string()), "")


def pick(names: list, idx: np.ndarray, mask: Any = None) -> pa.Array:
    return pc.take(pa.array(names), pa.array(idx, mask=mask))


def partner_names(n: int) -> list:
    return [f"P{i:04d}" for i in range(n)]


def wilson(hits: int, n: int) -> tuple:
    """stats::wilson at 95 %."""
    if n == 0:
        return None, None
    p, z2 = hits / n, Z95 * Z95
    denom = 1.0 + z2 / n
    center = (p + z2 / (2.0 * n)) / denom
    half = Z95 * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
    return max(center - half, 0.0), min(center + half, 1.0)


def proportion(name: str, hits: int, n: int) -> dict:
    lo, hi = wilson(hits, n)
    return {name: hits / n if n else None, f"{name}_n": n, f"{name}_lo": lo, f"{name}_hi": hi}


def wilson_pl(hits: pl.Expr, n: pl.Expr, name: str) -> list:
    """Columns ``name``, ``_n``, ``_lo``, ``_hi`` of a proportion in polars (stats::wilson's
    operations in the same order)."""
    nf, z2 = n.cast(pl.Float64), Z95 * Z95
    p = hits.cast(pl.Float64) / nf
    denom = 1.0 + z2 / nf
    center = (p + z2 / (2.0 * nf)) / denom
    half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom
    ok = n > 0
    return [pl.when(ok).then(p).alias(name), n.alias(f"{name}_n"), pl.when(ok).then(pl.max_horizontal(center - half, 0.0)).alias(f"{name}_lo"),
            pl.when(ok).then(pl.min_horizontal(center + half, 1.0)).alias(f"{name}_hi")]  # fmt: skip


def pick_cols(r: dict, names: list) -> dict:
    return {c: r[c] for c in names}


def prop_cols(name: str) -> list:
    return [name, f"{name}_n", f"{name}_lo", f"{name}_hi"]


def div6(a: Any, b: Any) -> Any:
    """Money ÷ money (or count), rounded half-even to 6 places; None for a zero divisor."""
    a, b = Decimal(a), Decimal(b)
    if b == 0:
        return None
    with localcontext() as c:
        c.prec = 60
        return (a / b).quantize(SIX, ROUND_HALF_EVEN)


def dec(x: Any) -> Decimal:
    return Decimal(0) if x is None else Decimal(x)


# ---- equality --------------------------------------------------------------------------------------


def same(got: Any, want: Any) -> bool:
    if want is None or got is None:
        return got is None and want is None
    if isinstance(want, float):
        return abs(got - want) <= 1e-9 * max(1.0, abs(want))
    return got == want


def compare(name: str, ours_t: pa.Table, keys: list, expected: dict) -> str:
    """Every row of ours against ``expected`` (key tuple → {column: value}), which holds
    exactly the rows ours must have (a group with data of one KPI or in one window has a row
    for every KPI and window: counts 0, ratios absent). Returns a summary."""
    mine = {tuple(r[k] for k in keys): r for r in ours_t.to_pylist()}
    for what, diff in (("of polars missing in ours", set(expected) - set(mine)), ("of ours not in polars", set(mine) - set(expected))):
        if diff:
            raise AssertionError(f"{name}: {len(diff)} groups {what}, e.g. {sorted(diff, key=str)[:3]}")
    cols = 0
    for k, row in mine.items():
        exp = expected[k]
        for col, want in exp.items():
            if col not in row:
                raise AssertionError(f"{name}: ours has no column {col}")
            if not same(row[col], want):
                raise AssertionError(f"{name}: group {k} column {col}: ours {row[col]!r}, polars {want!r}")
        cols = len(exp)
    return f"{len(mine):,} rows × {cols} columns equal"


def best(f: Callable[[], Any], repeat: int) -> float:
    return bench_deals.best(f, repeat)
