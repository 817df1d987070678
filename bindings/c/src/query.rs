//! `ckpi_query`: what to compute — metrics × group by × period (× buckets) (× comparison),
//! built with setters or parsed from the `Query` JSON form.
//!
//! Thread safety: setters take the handle's write lock, reads its read lock; a query may be
//! shared between threads and used by several `ckpi_dataset_run` calls at once.

use crate::boundary::{copy_out, ffi_boundary, ffi_boundary_void, lookup, opt_str, put, read, register, req_str, tri, unregister, write};
use crate::date::opt_date;
use crate::error::{Fail, LastError, core_fail, forget, last, last_error_out, record};
use crate::status::ckpi_status;
use channel_kpi::{Bucket, Compare, Currency, Dimension, Error, Metric, Period, Query};
use std::ffi::c_char;
use std::sync::RwLock;

/// An opaque query. Create with `ckpi_query_new`, release with `ckpi_query_free`.
pub struct ckpi_query {
    _private: [u8; 0],
}

/// What a query handle holds: the query being built (its period is a placeholder until one is
/// set) and the last error.
pub(crate) struct QueryState {
    query: Query,
    has_period: bool,
}

pub(crate) type QueryHandle = RwLock<QueryState>;

impl QueryState {
    /// The finished query, checked.
    pub fn build(&self) -> Result<Query, Fail> {
        if !self.has_period {
            return Err(core_fail(Error::Query("no period set (ckpi_query_set_period)".into())));
        }
        self.query.normalized().map_err(core_fail)?;
        Ok(self.query.clone())
    }
}

fn with_query(q: *const ckpi_query, f: impl FnOnce(&mut QueryState) -> Result<(), Fail>) -> ckpi_status {
    let h = tri!(lookup::<QueryHandle, _>(q));
    let outcome = f(&mut write(&h));
    record(q, outcome)
}

/// A string argument, its failure recorded as the query's last error.
fn text_arg(
    q: *const ckpi_query,
    field: &str,
    ptr: *const c_char,
    len: usize,
    f: impl FnOnce(&mut QueryState, Option<&str>) -> Result<(), Fail>,
) -> ckpi_status {
    // SAFETY: the C caller promises `len` readable bytes at `ptr`.
    match unsafe { opt_str(ptr, len) } {
        Ok(s) => with_query(q, |st| f(st, s.filter(|s| !s.is_empty()))),
        Err(status) => with_query(q, |_| Err((status, LastError::boundary(status, Some("query".into()), field, None)))),
    }
}

/// A required text value of the query (`None` → missing).
fn need<'a>(field: &str, s: Option<&'a str>) -> Result<&'a str, Fail> {
    s.ok_or_else(|| {
        (ckpi_status::CKPI_NULL_ARGUMENT, LastError::boundary(ckpi_status::CKPI_NULL_ARGUMENT, Some("query".into()), field, None))
    })
}

/// Creates an empty query (no metrics, no period) and stores it in `*out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_new(out: *mut *mut ckpi_query) -> ckpi_status {
    ffi_boundary!(out; {
        let placeholder = tri!(Period::year(1970).map_err(|_| ckpi_status::CKPI_PANIC));
        let st = QueryState { query: Query::new(Vec::new(), placeholder), has_period: false };
        unsafe { put(out, register::<QueryHandle, ckpi_query>(RwLock::new(st))) }
    })
}

/// Frees a query. NULL, an already freed handle, or another kind of handle is ignored.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_free(q: *mut ckpi_query) {
    ffi_boundary_void!(q; {
        if unregister::<QueryHandle, _>(q) {
            forget(q);
        }
    })
}

/// Replaces the whole query with the `Query` JSON form: `{"metrics": ["close_rate"],
/// "period": "2025", "group_by": ["partner"], "buckets": "quarter", "compare_to":
/// "previous_period" | "year_ago" | {"period": "2024"}, "rollup": false, "as_of": "2025-12-31",
/// "currency": "USD", "options": {...}}`. On failure the query is unchanged.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_from_json(q: *mut ckpi_query, json: *const c_char, len: usize) -> ckpi_status {
    ffi_boundary!(q, json; {
        text_arg(q, "json", json, len, |st, s| {
            st.query = Query::from_json(need("json", s)?).map_err(core_fail)?;
            st.has_period = true;
            Ok(())
        })
    })
}

/// Adds a metric by id (`avg_deal_size`, `close_rate`, …; `channel-kpi metrics` lists them).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_add_metric(q: *mut ckpi_query, id: *const c_char, len: usize) -> ckpi_status {
    ffi_boundary!(q, id; {
        text_arg(q, "metrics", id, len, |st, s| {
            let m: Metric = need("metrics", s)?.parse().map_err(core_fail)?;
            st.query.metrics.push(m);
            Ok(())
        })
    })
}

/// Adds a grouping dimension: `partner`, `partner_tier`, `region`, `owner`, `team`,
/// `department`, `unit`, `org:<level>`, `channel`, `source`, `product`, `kind`, `attr:<name>`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_add_group_by(q: *mut ckpi_query, dim: *const c_char, len: usize) -> ckpi_status {
    ffi_boundary!(q, dim; {
        text_arg(q, "group_by", dim, len, |st, s| {
            let d: Dimension = need("group_by", s)?.parse().map_err(core_fail)?;
            st.query.group_by.push(d);
            Ok(())
        })
    })
}

/// Sets the period from text: `2025`, `2025-Q1`, `2025-03`, `2025-W07`, `2025-03-14`,
/// `2025-01-01..2025-04-01` (half-open), `FY2025`, `FY2025-Q2`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_set_period(q: *mut ckpi_query, text: *const c_char, len: usize) -> ckpi_status {
    ffi_boundary!(q, text; {
        text_arg(q, "period", text, len, |st, s| {
            let fy = st.query.options.fiscal_year_start;
            st.query.period = Period::parse_fiscal(need("period", s)?, fy).map_err(core_fail)?;
            st.has_period = true;
            Ok(())
        })
    })
}

/// Sets the period to the half-open day range `[start, end)` (days since 1970-01-01).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_set_period_days(q: *mut ckpi_query, start: i32, end: i32) -> ckpi_status {
    ffi_boundary!(q; {
        let (s, e) = tri!(opt_date(start).and_then(|s| Ok((s, opt_date(end)?))));
        let (s, e) = tri!(s.zip(e).ok_or(ckpi_status::CKPI_DATE_OUT_OF_RANGE));
        with_query(q, |st| {
            st.query.period = Period::new(s, e).map_err(core_fail)?;
            st.has_period = true;
            Ok(())
        })
    })
}

/// Sets the period to the last `n` days as of `as_of`: `[as_of − n + 1, as_of + 1)`.
/// The article's "last 15 days" as of 2025-06-30 is 2025-06-16 .. 2025-06-30 inclusive.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_set_last_days(q: *mut ckpi_query, n: u32, as_of: i32) -> ckpi_status {
    ffi_boundary!(q; {
        let day = tri!(opt_date(as_of).and_then(|d| d.ok_or(ckpi_status::CKPI_DATE_OUT_OF_RANGE)));
        with_query(q, |st| {
            st.query.period = Period::last_days(n, day).map_err(core_fail)?;
            st.has_period = true;
            Ok(())
        })
    })
}

/// Splits the period into buckets: `day`, `week`, `month`, `quarter`, `year`,
/// `fiscal_quarter`, `fiscal_year`, `month_of_year`, `quarter_of_year`. `{NULL, 0}` removes them.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_set_buckets(q: *mut ckpi_query, text: *const c_char, len: usize) -> ckpi_status {
    ffi_boundary!(q; {
        text_arg(q, "buckets", text, len, |st, s| {
            st.query.buckets = s.map(str::parse::<Bucket>).transpose().map_err(core_fail)?;
            Ok(())
        })
    })
}

/// Compares every window with `previous_period`, `year_ago` or a period (`2024-Q1`).
/// `{NULL, 0}` removes the comparison.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_set_compare(q: *mut ckpi_query, text: *const c_char, len: usize) -> ckpi_status {
    ffi_boundary!(q; {
        text_arg(q, "compare_to", text, len, |st, s| {
            st.query.compare_to = s.map(str::parse::<Compare>).transpose().map_err(core_fail)?;
            Ok(())
        })
    })
}

/// Sets the reporting currency (amounts converted with the dataset's rates). `{NULL, 0}`:
/// every amount must share one currency.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_set_currency(q: *mut ckpi_query, code: *const c_char, len: usize) -> ckpi_status {
    ffi_boundary!(q; {
        text_arg(q, "currency", code, len, |st, s| {
            st.query.currency = s.map(Currency::new).transpose().map_err(core_fail)?;
            Ok(())
        })
    })
}

/// Turns roll-up rows (subtotals and a grand total) on (1) or off (0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_set_rollup(q: *mut ckpi_query, on: u32) -> ckpi_status {
    ffi_boundary!(q; {
        let on = tri!(match on { 0 => Ok(false), 1 => Ok(true), _ => Err(ckpi_status::CKPI_INVALID_ARGUMENT) });
        with_query(q, |st| {
            st.query.rollup = on;
            Ok(())
        })
    })
}

/// Sets "now" for KPIs about the present (days since 1970-01-01); `CKPI_DATE_NONE` = the last
/// day of the period.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_set_as_of(q: *mut ckpi_query, as_of: i32) -> ckpi_status {
    ffi_boundary!(q; {
        let day = tri!(opt_date(as_of));
        with_query(q, |st| {
            st.query.as_of = day;
            Ok(())
        })
    })
}

/// Sets a KPI option by name, the value as JSON text or a bare string: `confidence` (`0.9`),
/// `aging_days` (`60`), `active_days`, `competitor_pattern` (`rival`), `quality_weights`
/// (`[0.7, 0.3]`), `fiscal_year_start` (`4`), `cohort_by` (`attr:signed_up_on`, `first_won`), ….
/// A value the option cannot take is `CKPI_QUERY_ERROR`, the query unchanged.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_set_option(
    q: *mut ckpi_query,
    name: *const c_char,
    name_len: usize,
    value: *const c_char,
    value_len: usize,
) -> ckpi_status {
    ffi_boundary!(q, name, value; {
        let name = tri!(unsafe { req_str(name, name_len) });
        text_arg(q, name, value, value_len, |st, s| {
            let s = need(name, s)?;
            let mut opts = serde_json::to_value(&st.query.options).map_err(|e| core_fail(Error::Query(e.to_string())))?;
            let slot = opts.get_mut(name).ok_or_else(|| core_fail(Error::Query(format!("unknown option {name:?}"))))?;
            *slot = serde_json::from_str(s).unwrap_or_else(|_| serde_json::Value::String(s.to_string()));
            st.query.options = serde_json::from_value(opts).map_err(|e| core_fail(Error::Query(format!("option {name} = {s:?}: {e}"))))?;
            Ok(())
        })
    })
}

/// Copies the query in its JSON form into `buf` (buffer rules as `ckpi_status_message`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_to_json(q: *const ckpi_query, buf: *mut c_char, len: usize, written: *mut usize) -> ckpi_status {
    ffi_boundary!(q, written; {
        let h = tri!(lookup::<QueryHandle, _>(q));
        let text = tri!(serde_json::to_string(&read(&h).query).map_err(|_| ckpi_status::CKPI_PANIC));
        unsafe { copy_out(text.as_bytes(), buf, len, written) }
    })
}

/// Copies one part (`CKPI_ERROR_*`) of the error of the last failed call this thread made on
/// `q` (each thread has its own last errors).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_query_last_error(
    q: *const ckpi_query,
    part: u32,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> ckpi_status {
    ffi_boundary!(q, written; {
        tri!(lookup::<QueryHandle, _>(q));
        unsafe { last_error_out(last(q).as_ref(), part, buf, len, written) }
    })
}
