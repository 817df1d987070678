"""The bad-input catalog (tests/bad_inputs/README.md) from Python.

Each case is loaded twice: from its files with ``channel_kpi.load_files`` (or
``Dataset.from_json`` for ``dataset.json``), and — when the case makes sense as an in-memory
table (``"table": true``) — as Arrow tables of text columns through ``Dataset.from_tables``, the
path pandas / polars / pyarrow input takes. Cases that do not apply to tables (bytes, encodings,
line lengths, empty files) are skipped with the reason written in the case.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import pathlib
import re
from decimal import Decimal
from typing import Any, Optional

import pyarrow as pa
import pytest

import channel_kpi as ck
from channel_kpi import _native as native

CASES = pathlib.Path(__file__).resolve().parents[2] / "tests" / "bad_inputs" / "cases"
NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


def case(name: str) -> dict:
    return json.loads((CASES / name / "case.json").read_text())


def check_error(e: ck.ChannelKpiError, want: dict, table: bool, source_lines: dict) -> None:
    """Asserts the exception carries what the case expects. As a table the location is the
    source name (``deals``) and 0-based ``row`` instead of the file name and line."""
    assert e.kind == want["error"], f"kind {e.kind!r}, want {want['error']!r}: {e}"
    for key, attr in (("field", "column"), ("value", "value"), ("record", "record")):
        if key in want:
            assert getattr(e, attr) == want[key], f"{attr} {getattr(e, attr)!r}, want {want[key]!r}: {e}"
    if "contains" in want:
        text = want["contains"]
        m = re.fullmatch(r"first on line (\d+)", text)
        if table and m and "file" in want:  # a table counts rows from 0, without a header
            text = f"first on row {int(m.group(1)) - source_lines[want['file'].split('.')[0]]}"
        assert text in str(e), str(e)
    if "file" in want:
        if table:
            stem = want["file"].split(".")[0]
            assert e.file == stem, f"file {e.file!r}, want {stem!r}: {e}"
            if "line" in want:
                assert e.row == want["line"] - source_lines[stem], f"row {e.row!r}, want line {want['line']}: {e}"
        else:
            assert e.file and e.file.endswith("/" + want["file"]), f"file {e.file!r}, want {want['file']!r}: {e}"
            if "line" in want:
                assert e.line == want["line"], f"line {e.line!r}, want {want['line']}: {e}"
            if "row" in want:  # a Parquet file numbers rows from 0
                assert e.row == want["row"], f"row {e.row!r}, want {want['row']}: {e}"
    elif "line" in want and not table:
        assert e.line == want["line"], f"line {e.line!r}, want {want['line']}: {e}"


def check(c: dict, load: Any, table: bool = False, source_lines: Optional[dict] = None) -> None:
    want = c["expect"]
    try:
        ds = load()
        if ds.errors:  # collect mode: the data loads, the bad rows are listed, nothing raised
            assert want["error"] == "many", f"want a {want['error']} error, got bad rows {ds.errors}"
            assert len(ds.errors) == len(want["errors"]), ds.errors
            for sub, w in zip(ds.errors, want["errors"]):
                check_error(sub, w, table, source_lines or {})
            return
        if "query" in c:
            res = ds.run(json.dumps(c["query"]))
            # Every renderer takes any cell (length, Unicode) and shows it whole.
            outputs = {"text": res.to_text(), "JSON": res.to_json(), "HTML": ck.to_html(res), "Arrow": str(pa.table(res).to_pylist())}
            if "renders" in c:
                run = c["renders"]["char"] * c["renders"]["count"]
                for fmt, out in outputs.items():
                    assert run in out, f"the {fmt} rendering lacks {c['renders']['count']} x {c['renders']['char']!r}"
    except ck.ChannelKpiError as e:
        assert "ok" not in want, f"want a successful load ({want.get('repair')}), got {e}"
        if want["error"] == "many" and table:
            # Tables stop at the first bad row (there is no collect mode for them).
            check_error(e, want["errors"][0], table, source_lines or {})
        elif want["error"] == "many":
            check_error(e, want, table, {})
            assert len(e.errors) == len(want["errors"]), e.errors
            for sub, w in zip(e.errors, want["errors"]):
                check_error(sub, w, table, {})
        else:
            check_error(e, want, table, source_lines or {})
        return
    assert "ok" in want, f"want a {want['error']} error, but it loaded"
    counts = dict(ds.counts())
    for k, n in want["ok"].items():
        assert counts[k] == n, f"{counts[k]} {k}, want {n}"


@pytest.mark.parametrize("name", NAMES)
def test_case_from_files(name: str) -> None:
    c = case(name)
    d = CASES / name
    if (d / "dataset.json").is_file():
        check(c, lambda: ck.Dataset.from_json((d / "dataset.json").read_text(encoding="utf-8")))
    else:
        opts = c.get("load", {})
        m = mapping(name)
        check(c, lambda: ck.load_files(d, mapping=m, max_line_bytes=opts.get("max_line_bytes"), collect_errors=opts.get("collect_errors", False)))


def mapping(name: str) -> Optional[str]:
    m = CASES / name / "mapping.json"
    return m.read_text() if m.is_file() else None


def text_table(path: pathlib.Path) -> tuple[pa.Table, int]:
    """A file as a table of text columns (empty cell / null → null), and the line of row 0."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".csv":
        rows = list(csv.reader(io.StringIO(text)))
        header, body = rows[0], [r for r in rows[1:] if r]
        cols = {h: [r[i] or None for r in body] for i, h in enumerate(header)}
        return pa.table({k: pa.array(v, pa.string()) for k, v in cols.items()}), 2
    records = [json.loads(line, parse_float=str, parse_int=str) for line in text.splitlines() if line.strip()]
    names = list(dict.fromkeys(k for r in records for k in r))
    as_text = lambda v: None if v is None else json.dumps(v) if isinstance(v, bool) else str(v)  # noqa: E731
    return pa.table({k: pa.array([as_text(r.get(k)) for r in records], pa.string()) for k in names}), 1


@pytest.mark.parametrize("name", NAMES)
def test_case_as_tables(name: str) -> None:
    c = case(name)
    if c["table"] is not True:
        pytest.skip(f"not a table case: {c['table']}")
    tables, first_line = {}, {}
    for f in sorted((CASES / name).iterdir()):
        if f.suffix in (".csv", ".jsonl"):
            tables[f.stem], first_line[f.stem] = text_table(f)
    check(c, lambda: ck.Dataset.from_tables(tables, mapping(name)), table=True, source_lines=first_line)


def test_the_catalog_is_large_and_mostly_runs_as_tables() -> None:
    assert len(NAMES) >= 80
    assert sum(case(n)["table"] is True for n in NAMES) >= 60


def test_max_line_bytes_is_honoured_and_defaults_to_one_mebibyte(tmp_path: pathlib.Path) -> None:
    (tmp_path / "deals.csv").write_text("deal_id,created_on,status,product\nD1,2025-01-01,open," + "x" * 2000 + "\n")
    with pytest.raises(ck.ParseError) as e:
        ck.load_files(tmp_path, max_line_bytes=1000)
    assert e.value.line == 2 and "longer than 1000 bytes" in str(e.value)
    assert dict(ck.load_files(tmp_path).counts())["deals"] == 1


# ---- Typed Arrow tables (pandas / polars / pyarrow columns that are not text) ----------------


def typed(**over: Any) -> pa.Table:
    cols = {
        "deal_id": pa.array(["A", "B"]), "status": pa.array(["won", "won"]),
        "created_on": pa.array(["2025-01-01"] * 2), "closed_on": pa.array(["2025-02-01"] * 2),
        "amount": pa.array([100.0, 200.0]), "currency": pa.array(["USD"] * 2),
    }  # fmt: skip
    cols.update(over)
    return pa.table(cols)


LAST_SECOND = 8_210_266_876_799  # 262143-12-31T23:59:59, the last instant of the calendar

#: (name, table, exception kind, column, value prefix, row) — see tests/bad_inputs/README.md.
TYPED = [
    ("float_nan_amount", lambda: typed(amount=pa.array([100.0, float("nan")])), "parse", "amount", "NaN", 1),
    ("float_inf_amount", lambda: typed(amount=pa.array([100.0, float("inf")])), "parse", "amount", "inf", 1),
    ("float_1e300_amount", lambda: typed(amount=pa.array([100.0, 1e300])), "parse", "amount", "1" + "0" * 300, 1),
    ("decimal128_36_digits", lambda: typed(amount=pa.array([Decimal(1), Decimal("1" * 36)], pa.decimal128(38, 0))), "parse", "amount", "1" * 36, 1),
    ("int_status", lambda: typed(status=pa.array([1, 1])), "parse", "status", "1", 0),
    ("bool_status", lambda: typed(status=pa.array([True, True])), "parse", "status", "true", 0),
    ("null_id", lambda: typed(deal_id=pa.array(["A", None])), "missing", "deal_id", None, 1),
    ("date32_beyond_calendar", lambda: typed(created_on=pa.array([20000, 2**31 - 1], pa.date32())), "parse", "created_on", "2147483647 days", 1),
    ("timestamp_beyond_calendar", lambda: typed(created_on=pa.array([0, 2**62], pa.timestamp("s"))), "parse", "created_on", "4611686018427387904 s", 1),
    ("timestamp_last_instant_with_offset", lambda: typed(created_on=pa.array([0, LAST_SECOND], pa.timestamp("s", tz="+05:00"))), "parse", "created_on", "8210266876799 s", 1),
    ("timestamp_named_zone", lambda: typed(created_on=pa.array([0, 1], pa.timestamp("s", tz="Asia/Tokyo"))), "parse", "created_on", "Timestamp", None),
    ("list_column", lambda: typed(product=pa.array([["x"], ["y"]])), "parse", "product", "List", None),
    ("struct_column", lambda: typed(product=pa.array([{"a": 1}, {"a": 2}])), "parse", "product", "Struct", None),
    ("binary_id", lambda: typed(deal_id=pa.array([b"A", b"\xff"])), "parse", "deal_id", "Binary", None),
    ("duplicate_column", lambda: pa.Table.from_arrays([pa.array(["A"]), pa.array(["B"]), pa.array(["open"]), pa.array(["2025-01-01"])],
                                                      names=["deal_id", "deal_id", "status", "created_on"]), "parse", "deal_id", "deal_id", None),
    # typed dates and decimals: the typed reader's table, handed to the row path at the repeat
    ("duplicate_id", lambda: typed(deal_id=pa.array(["A", "A"]), created_on=pa.array([dt.date(2025, 1, 1)] * 2, pa.date32()),
                                   closed_on=pa.array([dt.date(2025, 2, 1)] * 2, pa.date32()),
                                   amount=pa.array([Decimal(100), Decimal(200)], pa.decimal128(18, 2))), "reference", "deal_id", "A", 1),
    ("closed_before_created", lambda: typed(closed_on=pa.array(["2025-02-01", "2024-01-01"])), "invalid", "closed_on", "2024-01-01", 1),
]  # fmt: skip


@pytest.mark.parametrize("name,make,kind,column,value,row", TYPED, ids=[t[0] for t in TYPED])
def test_typed_arrow_columns(name: str, make: Any, kind: str, column: str, value: Optional[str], row: Optional[int]) -> None:
    with pytest.raises(ck.ChannelKpiError) as info:
        ck.load(make())
    e = info.value
    assert (e.kind, e.column, e.row, e.file) == (kind, column, row, "deals"), str(e)
    if value is not None:
        assert e.value.startswith(value), str(e)


def test_pandas_none_in_a_float_column_is_a_missing_amount_not_nan() -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"deal_id": ["A", "B"], "status": ["won", "won"], "created_on": ["2025-01-01"] * 2,
                       "closed_on": ["2025-02-01"] * 2, "amount": [100.0, None], "currency": ["USD"] * 2})  # fmt: skip
    with pytest.raises(ck.MissingValueError) as e:
        ck.load(df)
    assert (e.value.column, e.value.row) == ("amount", 1)


def test_typed_columns_that_are_accepted() -> None:
    # Dictionary-encoded text, large strings and integer amounts read like their values.
    ok = typed(status=pa.array(["won", "won"]).dictionary_encode(), deal_id=pa.array(["A", "B"], pa.large_string()),
               amount=pa.array([1, 2**63 - 1], pa.int64()))  # fmt: skip
    assert dict(ck.load(ok).counts())["deals"] == 2


@pytest.mark.parametrize("name", NAMES)
def test_case_queried_on_its_files(name: str) -> None:
    """The case's query (or the deal count of 2025) on its files, folded as they are read
    (``_native.run_files``, what ``ck.query(path, …)`` calls): the catalog's outcome, and exactly
    the outcome of ``load_files`` then the query."""
    c = case(name)
    d = CASES / name
    if (d / "dataset.json").is_file():
        pytest.skip("a Dataset JSON case: no files to query")
    q = json.dumps(c.get("query", {"metrics": ["deal_count"], "period": "2025"}))
    opts = c.get("load", {})
    args = (mapping(name), opts.get("max_line_bytes"), opts.get("collect_errors", False))
    want = c["expect"]

    def whole() -> Any:
        ds = ck.load_files(d, mapping=args[0], max_line_bytes=args[1], collect_errors=args[2])
        return ds.run(q), ds.errors

    try:
        result, bad = native.run_files([str(d)], q, *args)
    except ck.ChannelKpiError as e:
        assert "ok" not in want, f"want success ({want.get('repair')}), got {e}"
        check_error(e, want, False, {})
        with pytest.raises(ck.ChannelKpiError) as w:
            whole()
        assert (type(w.value), str(w.value), w.value.file, w.value.line, w.value.row) == (type(e), str(e), e.file, e.line, e.row)
        return
    if bad:
        assert want.get("error") == "many" and len(bad) == len(want["errors"]), bad
        for sub, w in zip(bad, want["errors"]):
            check_error(sub, w, False, {})
    else:
        assert "ok" in want, f"want a {want['error']} error, but it ran"
    full, full_bad = whole()
    assert result.to_json() == full.to_json()
    assert [str(e) for e in bad] == [str(e) for e in full_bad]


def typed_leads(**over: Any) -> pa.Table:
    """Two leads with typed columns (dates as date32, the channel dictionary-encoded)."""
    cols = {
        "lead_id": pa.array(["L1", "L2"]), "created_on": pa.array([dt.date(2025, 1, 1), dt.date(2025, 1, 2)], pa.date32()),
        "channel": pa.array(["paid", "owned"]).dictionary_encode(), "source": pa.array(["ads", None]),
    }  # fmt: skip
    cols.update(over)
    return pa.table(cols)


def typed_subscriptions(**over: Any) -> pa.Table:
    """Two subscription months with typed columns (the month as date32, the MRR as decimal128)."""
    cols = {
        "account_id": pa.array(["A1", "A2"]).dictionary_encode(), "month": pa.array([dt.date(2025, 1, 1)] * 2, pa.date32()),
        "mrr": pa.array([Decimal("10.00"), Decimal("20.00")], pa.decimal128(18, 2)), "currency": pa.array(["USD", "USD"]),
    }  # fmt: skip
    cols.update(over)
    return pa.table(cols)


def typed_surveys(**over: Any) -> pa.Table:
    """Two answers with typed columns (dates as date32, decimal scores, the kind dictionary-encoded)."""
    cols = {
        "survey_id": pa.array(["S1", "S2"]), "kind": pa.array(["csat", "nps"]).dictionary_encode(),
        "score": pa.array([Decimal("4.5"), Decimal("9")], pa.decimal128(4, 1)),
        "submitted_on": pa.array([dt.date(2025, 1, 1), dt.date(2025, 1, 2)], pa.date32()), "partner_id": pa.array(["acme", None]),
    }  # fmt: skip
    cols.update(over)
    return pa.table(cols)


#: Tables the typed readers hand to the row path, which names row, column and value:
#: (table, case, make, error kind, column, value, row).
TYPED_TABLES = [
    ("leads", "duplicate_lead_id", lambda: typed_leads(lead_id=pa.array(["L1", "L1"])), "reference", "lead_id", "L1", 1),
    ("leads", "unknown_channel", lambda: typed_leads(channel=pa.array(["paid", "tv"]).dictionary_encode()), "parse", "channel", "tv", 1),
    ("leads", "null_created_on", lambda: typed_leads(created_on=pa.array([dt.date(2025, 1, 1), None], pa.date32())), "missing", "created_on", None, 1),
    ("leads", "blank_lead_id", lambda: typed_leads(lead_id=pa.array(["L1", "  "])), "missing", "lead_id", None, 1),
    ("subscriptions", "negative_mrr", lambda: typed_subscriptions(mrr=pa.array([Decimal("1.00"), Decimal("-2.50")], pa.decimal128(18, 2))), "invalid", "mrr", "-2.50 USD", 1),
    ("subscriptions", "blank_account", lambda: typed_subscriptions(account_id=pa.array(["A1", " "])), "missing", "account_id", None, 1),
    ("subscriptions", "null_month", lambda: typed_subscriptions(month=pa.array([dt.date(2025, 1, 1), None], pa.date32())), "missing", "month", None, 1),
    ("subscriptions", "bad_currency", lambda: typed_subscriptions(currency=pa.array(["USD", "dollars"])), "parse", "currency", "dollars", 1),
    ("surveys", "unknown_kind", lambda: typed_surveys(kind=pa.array(["csat", "cast"]).dictionary_encode()), "parse", "kind", "cast", 1),
    ("surveys", "score_off_scale", lambda: typed_surveys(score=pa.array([Decimal("5.5"), Decimal("9")], pa.decimal128(4, 1))), "invalid", "score", "5.5", 0),
    ("surveys", "nps_on_five_points", lambda: typed_surveys(scale=pa.array([5, 5], pa.int32())), "invalid", "scale", "5", 1),
    ("surveys", "null_score", lambda: typed_surveys(score=pa.array([Decimal("4"), None], pa.decimal128(4, 1))), "missing", "score", None, 1),
]  # fmt: skip


@pytest.mark.parametrize("table,name,make,kind,column,value,row", TYPED_TABLES, ids=[f"{t[0]}-{t[1]}" for t in TYPED_TABLES])
def test_typed_tables(table: str, name: str, make: Any, kind: str, column: str, value: Optional[str], row: Optional[int]) -> None:
    with pytest.raises(ck.ChannelKpiError) as info:
        ck.load(**{table: make()})
    e = info.value
    assert (e.kind, e.column, e.row, e.file) == (kind, column, row, table), str(e)
    if value is not None:
        assert e.value.startswith(value), str(e)
