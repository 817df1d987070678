//! `ckpi_result`: the table a query produced, read by row and column with typed accessors.
//!
//! Thread safety: a result is immutable; any number of threads may read it at once.
//! Columns have a kind (`CKPI_COLUMN_TEXT`, `_INT`, `_MONEY`, `_DECIMAL`, `_FLOAT`, `_DATE`)
//! and each kind has one accessor; a KPI with no data is absent (`CKPI_VALUE_ABSENT`), never 0.

use crate::boundary::{copy_out, ffi_boundary, ffi_boundary_void, lookup, put, req_str, tri, unregister};
use crate::date::to_days;
use crate::status::ckpi_status;
use channel_kpi::{ColumnKind, ColumnRole, ResultTable, Value};
use std::ffi::c_char;
use std::sync::Arc;

/// An opaque query result. Release with `ckpi_result_free`.
pub struct ckpi_result {
    _private: [u8; 0],
}

pub(crate) type ResultHandle = ResultTable;

/// Column kind: text (group keys).
pub const CKPI_COLUMN_TEXT: u32 = 0;
/// Column kind: integer count (`ckpi_result_get_int`).
pub const CKPI_COLUMN_INT: u32 = 1;
/// Column kind: money in the result's currency (`ckpi_result_get_decimal*`).
pub const CKPI_COLUMN_MONEY: u32 = 2;
/// Column kind: exact decimal that is not money (`ckpi_result_get_decimal*`).
pub const CKPI_COLUMN_DECIMAL: u32 = 3;
/// Column kind: floating point — rates in [0, 1], days, scores (`ckpi_result_get_float`).
pub const CKPI_COLUMN_FLOAT: u32 = 4;
/// Column kind: date (`ckpi_result_get_date`).
pub const CKPI_COLUMN_DATE: u32 = 5;

/// Column role: a grouping key.
pub const CKPI_ROLE_GROUP: u32 = 0;
/// Column role: number of grouped dimensions of a roll-up row.
pub const CKPI_ROLE_ROLLUP_LEVEL: u32 = 1;
/// Column role: first day of the row's window.
pub const CKPI_ROLE_PERIOD_START: u32 = 2;
/// Column role: day after the last day of the row's window.
pub const CKPI_ROLE_PERIOD_END: u32 = 3;
/// Column role: cyclic bucket number.
pub const CKPI_ROLE_BUCKET: u32 = 4;
/// Column role: a KPI value.
pub const CKPI_ROLE_VALUE: u32 = 5;
/// Column role: the value in the comparison window.
pub const CKPI_ROLE_PREVIOUS: u32 = 6;
/// Column role: value − previous.
pub const CKPI_ROLE_CHANGE: u32 = 7;
/// Column role: (value − previous) ÷ |previous|.
pub const CKPI_ROLE_CHANGE_PCT: u32 = 8;
/// Column role: a key of the rows of a long result (`cohort`, `age` of `cohorts`).
pub const CKPI_ROLE_ROW_KEY: u32 = 9;

fn kind_code(k: ColumnKind) -> u32 {
    match k {
        ColumnKind::Text => CKPI_COLUMN_TEXT,
        ColumnKind::Int => CKPI_COLUMN_INT,
        ColumnKind::Money => CKPI_COLUMN_MONEY,
        ColumnKind::Decimal => CKPI_COLUMN_DECIMAL,
        ColumnKind::Float => CKPI_COLUMN_FLOAT,
        ColumnKind::Date => CKPI_COLUMN_DATE,
    }
}

fn role_code(r: ColumnRole) -> u32 {
    match r {
        ColumnRole::Group => CKPI_ROLE_GROUP,
        ColumnRole::RollupLevel => CKPI_ROLE_ROLLUP_LEVEL,
        ColumnRole::PeriodStart => CKPI_ROLE_PERIOD_START,
        ColumnRole::PeriodEnd => CKPI_ROLE_PERIOD_END,
        ColumnRole::Bucket => CKPI_ROLE_BUCKET,
        ColumnRole::RowKey => CKPI_ROLE_ROW_KEY,
        ColumnRole::Value => CKPI_ROLE_VALUE,
        ColumnRole::Previous => CKPI_ROLE_PREVIOUS,
        ColumnRole::Change => CKPI_ROLE_CHANGE,
        ColumnRole::ChangePct => CKPI_ROLE_CHANGE_PCT,
    }
}

fn table(r: *const ckpi_result) -> Result<Arc<ResultTable>, ckpi_status> {
    lookup::<ResultHandle, _>(r)
}

fn column(t: &ResultTable, col: usize) -> Result<&channel_kpi::Column, ckpi_status> {
    t.columns.get(col).ok_or(ckpi_status::CKPI_INDEX_OUT_OF_RANGE)
}

/// The cell, checked against the accepted column kinds; absent cells are `CKPI_VALUE_ABSENT`.
fn cell<'a>(t: &'a ResultTable, row: usize, col: usize, kinds: &[ColumnKind]) -> Result<&'a Value, ckpi_status> {
    let c = column(t, col)?;
    let v = t.rows.get(row).and_then(|r| r.get(col)).ok_or(ckpi_status::CKPI_INDEX_OUT_OF_RANGE)?;
    if !kinds.contains(&c.kind) {
        return Err(ckpi_status::CKPI_WRONG_TYPE);
    }
    if v.is_absent() {
        return Err(ckpi_status::CKPI_VALUE_ABSENT);
    }
    Ok(v)
}

/// Frees a result. NULL, an already freed handle, or another kind of handle is ignored.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_free(r: *mut ckpi_result) {
    ffi_boundary_void!(r; { unregister::<ResultHandle, _>(r) })
}

/// Stores the number of rows in `*out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_row_count(r: *const ckpi_result, out: *mut usize) -> ckpi_status {
    ffi_boundary!(r, out; { unsafe { put(out, tri!(table(r)).rows.len()) } })
}

/// Stores the number of columns in `*out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_column_count(r: *const ckpi_result, out: *mut usize) -> ckpi_status {
    ffi_boundary!(r, out; { unsafe { put(out, tri!(table(r)).columns.len()) } })
}

/// Copies the name of column `col` into `buf` (buffer rules as `ckpi_status_message`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_column_name(
    r: *const ckpi_result,
    col: usize,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> ckpi_status {
    ffi_boundary!(r, written; {
        let t = tri!(table(r));
        let c = tri!(column(&t, col));
        unsafe { copy_out(c.name.as_bytes(), buf, len, written) }
    })
}

/// Stores the index of the column named `name` in `*out`; `CKPI_NOT_FOUND` when none.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_column_index(r: *const ckpi_result, name: *const c_char, len: usize, out: *mut usize) -> ckpi_status {
    ffi_boundary!(r, name, out; {
        let name = tri!(unsafe { req_str(name, len) });
        let t = tri!(table(r));
        let i = tri!(t.column_index(name).ok_or(ckpi_status::CKPI_NOT_FOUND));
        unsafe { put(out, i) }
    })
}

/// Stores the kind (`CKPI_COLUMN_*`) of column `col` in `*out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_column_kind(r: *const ckpi_result, col: usize, out: *mut u32) -> ckpi_status {
    ffi_boundary!(r, out; {
        let t = tri!(table(r));
        unsafe { put(out, kind_code(tri!(column(&t, col)).kind)) }
    })
}

/// Stores the role (`CKPI_ROLE_*`) of column `col` in `*out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_column_role(r: *const ckpi_result, col: usize, out: *mut u32) -> ckpi_status {
    ffi_boundary!(r, out; {
        let t = tri!(table(r));
        unsafe { put(out, role_code(tri!(column(&t, col)).role)) }
    })
}

/// Copies the ISO-4217 code of every money column (e.g. `USD`) into `buf`;
/// `CKPI_VALUE_ABSENT` when the result holds no amount.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_currency(r: *const ckpi_result, buf: *mut c_char, len: usize, written: *mut usize) -> ckpi_status {
    ffi_boundary!(r, written; {
        let t = tri!(table(r));
        let c = tri!(t.currency.ok_or(ckpi_status::CKPI_VALUE_ABSENT));
        unsafe { copy_out(c.as_str().as_bytes(), buf, len, written) }
    })
}

/// Stores 1 in `*out` when the cell is absent (no data), else 0. Any column kind.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_is_absent(r: *const ckpi_result, row: usize, col: usize, out: *mut u32) -> ckpi_status {
    ffi_boundary!(r, out; {
        let t = tri!(table(r));
        let v = tri!(t.rows.get(row).and_then(|x| x.get(col)).ok_or(ckpi_status::CKPI_INDEX_OUT_OF_RANGE));
        unsafe { put(out, u32::from(v.is_absent())) }
    })
}

/// Reads an `CKPI_COLUMN_INT` cell (a count).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_get_int(r: *const ckpi_result, row: usize, col: usize, out: *mut i64) -> ckpi_status {
    ffi_boundary!(r, out; {
        let t = tri!(table(r));
        match tri!(cell(&t, row, col, &[ColumnKind::Int])) {
            Value::Int(i) => unsafe { put(out, *i) },
            _ => ckpi_status::CKPI_WRONG_TYPE,
        }
    })
}

/// Reads a `CKPI_COLUMN_FLOAT` cell (a rate in [0, 1], a number of days, a score). Never NaN:
/// a KPI without data is `CKPI_VALUE_ABSENT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_get_float(r: *const ckpi_result, row: usize, col: usize, out: *mut f64) -> ckpi_status {
    ffi_boundary!(r, out; {
        let t = tri!(table(r));
        match tri!(cell(&t, row, col, &[ColumnKind::Float])) {
            Value::Float(x) => unsafe { put(out, *x) },
            Value::Int(i) => unsafe { put(out, *i as f64) },
            _ => ckpi_status::CKPI_WRONG_TYPE,
        }
    })
}

fn decimal_of(v: &Value) -> Result<rust_decimal::Decimal, ckpi_status> {
    match v {
        Value::Decimal(d) => Ok(d.normalize()),
        Value::Int(i) => Ok((*i).into()),
        _ => Err(ckpi_status::CKPI_WRONG_TYPE),
    }
}

/// Copies a `CKPI_COLUMN_MONEY` or `CKPI_COLUMN_DECIMAL` cell as an exact decimal string without
/// trailing zeros (`"300"`, `"1234.5"`, `"-0.25"`) into `buf`. Money is in the result's
/// currency (`ckpi_result_currency`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_get_decimal(
    r: *const ckpi_result,
    row: usize,
    col: usize,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> ckpi_status {
    ffi_boundary!(r, written; {
        let t = tri!(table(r));
        let d = tri!(decimal_of(tri!(cell(&t, row, col, &[ColumnKind::Money, ColumnKind::Decimal]))));
        unsafe { copy_out(d.to_string().as_bytes(), buf, len, written) }
    })
}

/// Reads a `CKPI_COLUMN_MONEY` or `CKPI_COLUMN_DECIMAL` cell as value = mantissa × 10^−scale,
/// normalized (no trailing zeros: 300 is (300, 0), 12.50 is (125, 1)).
/// `CKPI_DECIMAL_TOO_WIDE` when the mantissa does not fit in `int64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_get_decimal_parts(
    r: *const ckpi_result,
    row: usize,
    col: usize,
    mantissa: *mut i64,
    scale: *mut u32,
) -> ckpi_status {
    ffi_boundary!(r, mantissa, scale; {
        let t = tri!(table(r));
        let d = tri!(decimal_of(tri!(cell(&t, row, col, &[ColumnKind::Money, ColumnKind::Decimal]))));
        let m = tri!(i64::try_from(d.mantissa()).map_err(|_| ckpi_status::CKPI_DECIMAL_TOO_WIDE));
        unsafe {
            put(mantissa, m);
            put(scale, d.scale())
        }
    })
}

/// Copies a `CKPI_COLUMN_TEXT` cell into `buf`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_get_text(
    r: *const ckpi_result,
    row: usize,
    col: usize,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> ckpi_status {
    ffi_boundary!(r, written; {
        let t = tri!(table(r));
        match tri!(cell(&t, row, col, &[ColumnKind::Text])) {
            Value::Text(s) => unsafe { copy_out(s.as_bytes(), buf, len, written) },
            _ => ckpi_status::CKPI_WRONG_TYPE,
        }
    })
}

/// Reads a `CKPI_COLUMN_DATE` cell as days since 1970-01-01.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_get_date(r: *const ckpi_result, row: usize, col: usize, out: *mut i32) -> ckpi_status {
    ffi_boundary!(r, out; {
        let t = tri!(table(r));
        match tri!(cell(&t, row, col, &[ColumnKind::Date])) {
            Value::Date(d) => unsafe { put(out, to_days(*d)) },
            _ => ckpi_status::CKPI_WRONG_TYPE,
        }
    })
}

/// Copies any cell as display text (dates `2025-06-16`, decimals without trailing zeros,
/// floats in full precision) into `buf`; an absent cell is `CKPI_VALUE_ABSENT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_format_value(
    r: *const ckpi_result,
    row: usize,
    col: usize,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> ckpi_status {
    ffi_boundary!(r, written; {
        let t = tri!(table(r));
        let v = tri!(cell(&t, row, col, &[ColumnKind::Text, ColumnKind::Int, ColumnKind::Money, ColumnKind::Decimal, ColumnKind::Float, ColumnKind::Date]));
        unsafe { copy_out(v.to_string().as_bytes(), buf, len, written) }
    })
}

/// Copies the whole result as JSON (`{"currency": "USD", "columns": [...], "rows": [...]}`,
/// absent as null, money as decimal strings) into `buf`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_to_json(r: *const ckpi_result, buf: *mut c_char, len: usize, written: *mut usize) -> ckpi_status {
    ffi_boundary!(r, written; {
        let t = tri!(table(r));
        unsafe { copy_out(t.to_json().to_string().as_bytes(), buf, len, written) }
    })
}

/// Copies the whole result as CSV (header + rows, absent as empty cells) into `buf`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_to_csv(r: *const ckpi_result, buf: *mut c_char, len: usize, written: *mut usize) -> ckpi_status {
    ffi_boundary!(r, written; {
        let t = tri!(table(r));
        unsafe { copy_out(t.to_csv().as_bytes(), buf, len, written) }
    })
}

/// Copies the whole result as the plain-text table the CLI prints (aligned columns, money to
/// 2 places, absent as `–`, a `(money in USD)` line) into `buf`. Any cell length is fine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_result_to_text(r: *const ckpi_result, buf: *mut c_char, len: usize, written: *mut usize) -> ckpi_status {
    ffi_boundary!(r, written; {
        let t = tri!(table(r));
        unsafe { copy_out(t.to_text().as_bytes(), buf, len, written) }
    })
}
