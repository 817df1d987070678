//! Dates across the boundary: `int32_t` days since 1970-01-01 (1970-01-01 is 0, 1969-12-31 is
//! -1), with [`CKPI_DATE_NONE`] for "no date". Helpers convert from and to year-month-day.

use crate::boundary::{ffi_boundary, put, tri};
use crate::status::ckpi_status;
use chrono::{Datelike, NaiveDate};

/// "No date" in an optional date field (`INT32_MIN`).
pub const CKPI_DATE_NONE: i32 = i32::MIN;

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const EPOCH_FROM_CE: i32 = 719_163;

/// An optional date: `CKPI_DATE_NONE` is `None`; a day chrono cannot represent is
/// `CKPI_DATE_OUT_OF_RANGE`.
pub(crate) fn opt_date(days: i32) -> Result<Option<NaiveDate>, ckpi_status> {
    if days == CKPI_DATE_NONE {
        return Ok(None);
    }
    days.checked_add(EPOCH_FROM_CE).and_then(NaiveDate::from_num_days_from_ce_opt).map(Some).ok_or(ckpi_status::CKPI_DATE_OUT_OF_RANGE)
}

/// Days since 1970-01-01 (every date the engine produces fits in `i32`).
pub(crate) fn to_days(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - EPOCH_FROM_CE
}

/// Stores in `*out_days` the date `year-month-day` as days since 1970-01-01.
/// `CKPI_DATE_OUT_OF_RANGE` when there is no such date (2025-02-30, month 13, year ±300000).
/// Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_date_from_ymd(year: i32, month: u32, day: u32, out_days: *mut i32) -> ckpi_status {
    ffi_boundary!(out_days; {
        let d = tri!(NaiveDate::from_ymd_opt(year, month, day).ok_or(ckpi_status::CKPI_DATE_OUT_OF_RANGE));
        unsafe { put(out_days, to_days(d)) }
    })
}

/// Splits `days` (since 1970-01-01) into year, month (1–12) and day (1–31).
/// `CKPI_DATE_OUT_OF_RANGE` for `CKPI_DATE_NONE` and days outside the calendar. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_date_to_ymd(days: i32, out_year: *mut i32, out_month: *mut u32, out_day: *mut u32) -> ckpi_status {
    ffi_boundary!(out_year, out_month, out_day; {
        let d = tri!(opt_date(days).and_then(|d| d.ok_or(ckpi_status::CKPI_DATE_OUT_OF_RANGE)));
        unsafe {
            put(out_year, d.year());
            put(out_month, d.month());
            put(out_day, d.day())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn epoch_and_range() {
        assert_eq!(opt_date(0).unwrap().unwrap().to_string(), "1970-01-01");
        assert_eq!(opt_date(-1).unwrap().unwrap().to_string(), "1969-12-31");
        // 2025-06-30: 55 years incl. 14 leap days → 55*365 + 14 = 20089 to 2025-01-01, + 180.
        assert_eq!(to_days("2025-06-30".parse().unwrap()), 20269);
        assert_eq!(opt_date(CKPI_DATE_NONE), Ok(None));
        assert_eq!(opt_date(i32::MAX), Err(ckpi_status::CKPI_DATE_OUT_OF_RANGE));
        assert_eq!(opt_date(i32::MIN + 1), Err(ckpi_status::CKPI_DATE_OUT_OF_RANGE));
    }
}
