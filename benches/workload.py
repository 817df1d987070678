"""The standard deals workload (issue 6): deterministic from a seed, as an Arrow table.

Columns: deal_id, partner_id (~2,000 partners, 10 % null = direct), owner_id, channel
(paid / earned / owned), created_on (date32, 2023-01-01 … 2026-06-30), closed_on (null while
open), status (open / won / lost), amount (decimal128(18, 2)), currency (USD).

    python benches/workload.py --rows 1000000 --out deals.parquet   # also writes a file

The query: per partner, period 2025 — won count, won revenue, average deal size, lost count,
close rate, average cycle days of won deals, open count and value at period end, sales velocity.
"""

from __future__ import annotations

import argparse
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

PARTNERS = 2000
OWNERS = 200
START = date(2023, 1, 1)
END = date(2026, 6, 30)  # last day with data
EPOCH = date(1970, 1, 1)

#: The query, in the core's JSON form (channel_kpi metric ids).
METRICS = ["deal_count", "won_revenue", "avg_deal_size", "close_rate", "sales_cycle_days", "pipeline", "sales_velocity"]
QUERY = {"metrics": METRICS, "period": "2025", "group_by": ["partner"]}
PERIOD = (date(2025, 1, 1), date(2026, 1, 1))


def generate(rows: int, seed: int = 42, start: int = 0) -> pa.Table:
    """``rows`` deals; ``start`` numbers the ids (chunks of one big workload use the same seed
    stream per chunk: ``seed + start``)."""
    rng = np.random.default_rng(seed + start)
    d0, d1 = (START - EPOCH).days, (END - EPOCH).days
    created = rng.integers(d0, d1 + 1, rows, dtype=np.int32)
    cycle = np.minimum(rng.exponential(60.0, rows).astype(np.int32), 720)
    closed = created + cycle
    won = rng.random(rows) < 0.4
    still_open = (closed > d1) | (rng.random(rows) < 0.08)
    status = np.where(still_open, 0, np.where(won, 1, 2)).astype(np.int8)
    closed_valid = ~still_open
    cents = np.round(np.exp(rng.normal(9.5, 1.2, rows))).astype(np.int64) + 1000  # ≥ 10.00
    partner = rng.integers(0, PARTNERS, rows)
    direct = rng.random(rows) < 0.10
    owner = rng.integers(0, OWNERS, rows)
    channel = rng.integers(0, 3, rows)

    ids = pa.array(np.arange(start, start + rows, dtype=np.int64))

    deal_id = pc.binary_join_element_wise("D", pc.cast(ids, pa.string()), "")
    pnames = pa.array([f"P{i:04d}" for i in range(PARTNERS)])
    onames = pa.array([f"E{i:03d}" for i in range(OWNERS)])
    partner_id = pc.take(pnames, pa.array(partner, mask=direct))
    return pa.table(
        {
            "deal_id": deal_id,
            "partner_id": partner_id,
            "owner_id": pc.take(onames, pa.array(owner)),
            "channel": pc.take(pa.array(["paid", "earned", "owned"]), pa.array(channel)),
            "created_on": pa.array(created, pa.date32()),
            "closed_on": pa.array(closed, pa.date32(), mask=~closed_valid),
            "status": pc.take(pa.array(["open", "won", "lost"]), pa.array(status)),
            "amount": pa.Array.from_buffers(pa.decimal128(18, 2), rows, [None, pa.py_buffer(_i128(cents))]),
            "currency": pa.array(["USD"]).take(pa.array(np.zeros(rows, dtype=np.int32))),
        }
    )


def _i128(cents: np.ndarray) -> bytes:
    """Little-endian 128-bit two's complement of non-negative int64 values (decimal128 raw)."""
    out = np.zeros((cents.size, 2), dtype=np.int64)
    out[:, 0] = cents
    return out.tobytes()


def write_parquet(path: str, rows: int, seed: int = 42, chunk: int = 1_000_000) -> None:
    """A workload of ``rows`` deals as a Parquet file, generated and written chunk by chunk
    (so files larger than memory can be made), row groups of 128 k rows."""
    import pyarrow.parquet as pq

    writer = None
    for start in range(0, rows, chunk):
        t = generate(min(chunk, rows - start), seed, start)
        if writer is None:
            writer = pq.ParquetWriter(path, t.schema)
        writer.write_table(t, row_group_size=128 * 1024)
    if writer is not None:
        writer.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", required=True, help="Parquet file to write")
    a = ap.parse_args()
    write_parquet(a.out, a.rows, a.seed)
