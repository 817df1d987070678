"""Bad inputs raise the right exception, with row, column and value as attributes."""

from datetime import date

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import channel_kpi as ck

GOOD = {
    "deal_id": ["A", "B"],
    "status": ["won", "won"],
    "created_on": ["2025-01-01", "2025-01-02"],
    "closed_on": ["2025-01-10", "2025-01-20"],
    "amount": ["10", "20"],
    "currency": ["USD", "USD"],
}


def with_(**changes):
    d = {k: list(v) for k, v in GOOD.items()}
    for k, v in changes.items():
        if v is None:
            del d[k]
        else:
            d[k] = v
    return pd.DataFrame(d)


def test_hierarchy():
    assert issubclass(ck.ParseError, ck.ChannelKpiError) and issubclass(ck.ParseError, ValueError)
    assert issubclass(ck.TableTypeError, TypeError) and issubclass(ck.DecimalOverflowError, ArithmeticError)
    assert issubclass(ck.MissingValueError, ValueError) and issubclass(ck.QueryError, ValueError)


def test_missing_column():
    with pytest.raises(ck.MissingValueError) as e:
        ck.avg_deal_size(with_(created_on=None), period="2025")
    # Checked on the columns, before any row: no record yet; the message lists the columns found.
    assert (e.value.column, e.value.row, e.value.file) == ("created_on", 0, "deals")
    assert "columns found: deal_id" in str(e.value)
    assert "deals row 0" in str(e.value) and "missing column created_on" in str(e.value)


def test_null_where_required():
    with pytest.raises(ck.MissingValueError) as e:
        ck.avg_deal_size(with_(closed_on=["2025-01-10", None]), period="2025")
    assert (e.value.row, e.value.column, e.value.record) == (1, "closed_on", "deal B")


def test_wrong_type_in_a_column():
    # A date where an amount belongs: the cell's text is named.
    with pytest.raises(ck.ParseError) as e:
        ck.avg_deal_size(with_(amount=[date(2025, 1, 1), date(2025, 1, 2)]), period="2025")
    assert (e.value.row, e.value.column, e.value.value) == (0, "amount", "2025-01-01")
    # pandas turns a float NaN into a null (missing); an Arrow NaN is not an amount.
    with pytest.raises(ck.MissingValueError) as e:
        ck.avg_deal_size(with_(amount=[1.5, float("nan")]), period="2025")
    assert (e.value.row, e.value.column) == (1, "amount")
    with pytest.raises(ck.ParseError) as e:
        ck.avg_deal_size(pa.table(GOOD).set_column(4, "amount", pa.array([1.5, float("nan")])), period="2025")
    assert e.value.row == 1 and e.value.value == "NaN"
    # A column of an unsupported Arrow type (a list) is named with its type.
    t = pa.table(GOOD).append_column("tags", pa.array([["x"], ["y"]]))
    with pytest.raises(ck.ParseError) as e:
        ck.avg_deal_size(t, period="2025")
    assert e.value.column == "tags" and "List" in e.value.value


def test_not_a_table():
    with pytest.raises(ck.TableTypeError) as e:
        ck.avg_deal_size([{"deal_id": "A"}], period="2025")
    assert isinstance(e.value, TypeError) and "deals" in str(e.value)


def test_mixed_currencies():
    with pytest.raises(ck.CurrencyMismatchError) as e:
        ck.won_revenue(with_(currency=["USD", "EUR"]), period="2025")
    assert e.value.column == "currency" and "EUR" in e.value.value


def test_close_before_create():
    with pytest.raises(ck.InvalidRecordError) as e:
        ck.avg_deal_size(with_(closed_on=["2024-12-31", "2025-01-20"]), period="2025")
    assert e.value.row == 0 and e.value.record == "deal A"


def test_bad_date_and_status_name_the_cell():
    with pytest.raises(ck.ParseError) as e:
        ck.avg_deal_size(pl.DataFrame(GOOD).with_columns(pl.Series("status", ["won", "wonn"])), period="2025")
    assert (e.value.row, e.value.column, e.value.value) == (1, "status", "wonn")


def test_duplicate_ids():
    with pytest.raises(ck.UnknownReferenceError) as e:
        ck.avg_deal_size(with_(deal_id=["A", "A"]), period="2025")
    assert e.value.row == 1 and e.value.value == "A"


def test_query_errors():
    with pytest.raises(ck.QueryError):
        ck.query(with_(), metrics=["no_such_kpi"], period="2025")
    with pytest.raises(ck.QueryError) as e:
        ck.query(with_(), metrics=["close_rate"], period="2025", by="nonsense")
    assert "nonsense" in str(e.value)


def test_bad_mapping():
    with pytest.raises(ck.InvalidRecordError) as e:
        ck.avg_deal_size(with_(), period="2025", mapping={"deals": {"defaults": {"curency": "USD"}}})
    assert "curency" in str(e.value)
