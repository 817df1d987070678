"""Writes the Parquet files of the bad-input catalog (cases `parquet_*`) with pyarrow:

    .venv/bin/python tests/bad_inputs/make_parquet_cases.py

The files are committed (a runner must not need pyarrow: the Rust and C runners read them as
they are); this script says how each was made, and re-running it rewrites them. Each case's
`case.json` is written by hand.
"""

from __future__ import annotations

import datetime as dt
import pathlib
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

CASES = pathlib.Path(__file__).resolve().parent / "cases"


def deals(statuses: list[str], created: list[str] | None = None) -> pa.Table:
    """Typed deals as a data lake holds them: date32 dates, decimal128 amounts."""
    n = len(statuses)
    created = created or ["2025-01-01"] * n
    day = lambda s: dt.date.fromisoformat(s)  # noqa: E731
    return pa.table({
        "deal_id": pa.array([f"D{i + 1}" for i in range(n)]),
        "partner_id": pa.array(["acme"] * n),
        "created_on": pa.array([day(c) for c in created], pa.date32()),
        "closed_on": pa.array([day("2025-03-01") if s in ("won", "lost") else None for s in statuses], pa.date32()),
        "status": pa.array(statuses),
        "amount": pa.array([Decimal("100.50")] * n, pa.decimal128(18, 2)),
        "currency": pa.array(["USD"] * n),
    })  # fmt: skip


def leads(channels: list[str]) -> pa.Table:
    """Typed leads: date32 dates, the channel dictionary-encoded."""
    n = len(channels)
    return pa.table({
        "lead_id": pa.array([f"L{i + 1}" for i in range(n)]),
        "created_on": pa.array([dt.date(2025, 1, 1 + i) for i in range(n)], pa.date32()),
        "channel": pa.array(channels).dictionary_encode(),
        "source": pa.array(["webinar"] * n),
    })  # fmt: skip


def subscriptions(mrr: list[str]) -> pa.Table:
    """Typed subscription months: date32 months, decimal128 MRR, the account dictionary-encoded."""
    n = len(mrr)
    return pa.table({
        "account_id": pa.array([f"A{i + 1}" for i in range(n)]).dictionary_encode(),
        "month": pa.array([dt.date(2025, 1 + i, 1) for i in range(n)], pa.date32()),
        "mrr": pa.array([Decimal(m) for m in mrr], pa.decimal128(18, 2)),
        "currency": pa.array(["USD"] * n),
    })  # fmt: skip


def surveys(scores: list[str], topics: list[str | None] | None = None) -> pa.Table:
    """Typed survey answers: date32 dates, decimal128 scores, int32 scales, the kind
    dictionary-encoded."""
    n = len(scores)
    return pa.table({
        "survey_id": pa.array([f"S{i + 1}" for i in range(n)]),
        "kind": pa.array(["csat", "partner_satisfaction"] * (n // 2) + ["csat"] * (n % 2)).dictionary_encode(),
        "topic": pa.array(topics or [None] * n, pa.string()),
        "scale": pa.array([5] * n, pa.int32()),
        "score": pa.array([Decimal(s) for s in scores], pa.decimal128(4, 1)),
        "submitted_on": pa.array([dt.date(2025, 2, 1 + i) for i in range(n)], pa.date32()),
        "partner_id": pa.array(["acme"] * n),
    })  # fmt: skip


def write(case: str, table: pa.Table, file: str = "deals.parquet", **kw) -> pathlib.Path:
    path = CASES / case / file
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, **kw)
    return path


def main() -> None:
    # A bad cell: row 2 (0-based, as pyarrow and polars number rows) has an unknown status.
    write("parquet_bad_cell", deals(["won", "lost", "pending", "won"]))

    # Collect mode: every bad row named by its row, the good ones load.
    t = deals(["won", "maybe", "won", "lost", "won"])
    t = t.set_column(2, "created_on", pa.array(["2025-01-01", "2025-01-01", "2025-13-01", "2025-01-01", "2025-01-01"]))
    write("parquet_collect_bad_rows", t)

    # Cut short: the first half of a valid file (the footer, with the schema, is gone).
    path = write("parquet_truncated", deals(["won", "lost"]))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    # A corrupt page: two row groups of two rows; the page header of `status` in row group 1
    # overwritten with 0xFF bytes.
    path = write("parquet_corrupt_page", deals(["won", "lost", "won", "open"]), row_group_size=2)
    meta = pq.ParquetFile(path).metadata
    col = meta.schema.names.index("status")
    offset = meta.row_group(1).column(col).data_page_offset
    data = bytearray(path.read_bytes())
    data[offset : offset + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))

    # A wrong column type: deal_id as raw bytes (binary, no UTF-8 annotation), as some writers
    # store strings.
    t = deals(["won", "lost"])
    write("parquet_binary_id", t.set_column(0, "deal_id", pa.array([b"D1", b"D2"], pa.binary())))

    # The same id on rows 0 and 2 of a clean typed file: the typed reader hands the file to the
    # row path, which names both rows.
    t = deals(["won", "lost", "won"])
    write("parquet_duplicate_deal_id", t.set_column(0, "deal_id", pa.array(["D1", "D2", "D1"])))

    # Columns named as another export names them: the column check sees every column of the
    # file, though only the mapped ones are decoded.
    t = deals(["won"])
    write("parquet_missing_columns", t.rename_columns(["Deal_ID", "partner_id", "created_on", "closed_on", "status", "Amount", "currency"]))

    # Leads: the typed reader hands a file with one bad row to the row path, which names it.
    write("parquet_lead_unknown_channel", leads(["paid", "owned", "tv", "earned"]), "leads.parquet")
    t = leads(["paid", "owned", "paid"])
    write("parquet_duplicate_lead_id", t.set_column(0, "lead_id", pa.array(["L1", "L2", "L1"])), "leads.parquet")

    # Subscription months: the typed reader hands a file with a negative MRR to the row path.
    # Stage history: the typed reader hands a file naming a deal no deal file has to the row path.
    write("parquet_stage_history_unknown_deal", deals(["won", "open", "lost"]))
    history = pa.table({
        "deal_id": pa.array(["D1", "D2", "D9", "D3"]).dictionary_encode(),
        "stage": pa.array(["Qualify", "Qualify", "Proposal", "Lost"]),
        "entered_on": pa.array([dt.date(2025, 1, 2), dt.date(2025, 1, 3), dt.date(2025, 1, 4), dt.date(2025, 1, 5)], pa.date32()),
    })  # fmt: skip
    write("parquet_stage_history_unknown_deal", history, "stage_history.parquet")

    write("parquet_subscription_negative_mrr", subscriptions(["120.00", "80.00", "-15.50", "99.00"]), "subscriptions.parquet")

    # Surveys: the typed reader hands a file with one bad answer to the row path, which names it.
    write("parquet_survey_score_off_scale", surveys(["4.0", "3.5", "6.0", "5.0"]), "surveys.parquet")
    write("parquet_survey_unknown_topic", surveys(["4.0", "3.5", "2.0", "5.0"], [None, "rewards", None, "perks"]), "surveys.parquet")


if __name__ == "__main__":
    main()
