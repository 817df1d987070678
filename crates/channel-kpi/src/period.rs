//! Calendar periods: half-open `[start, end)` date ranges, and time buckets.
//!
//! ```
//! use channel_kpi::Period;
//! use chrono::NaiveDate;
//! let q1 = Period::parse("2025-Q1").unwrap();
//! assert_eq!(q1.to_string(), "2025-01-01..2025-04-01");
//! // "last 15 days as of D" is [D-14, D+1)
//! let p = Period::last_days(15, NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()).unwrap();
//! assert_eq!(p.to_string(), "2025-06-16..2025-07-01");
//! assert_eq!(p.days(), 15);
//! ```

use crate::error::{Error, Location, Result};
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A half-open range of calendar dates `[start, end)`; never empty.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    start: NaiveDate,
    end: NaiveDate,
}

fn ymd(y: i32, m: u32, d: u32) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| Error::parse(Location::default().with_value(format!("{y}-{m}-{d}")), "no such date"))
}

/// Days from `from` to `to` (`to − from`, negative when `to` is earlier): the same number as
/// `(to - from).num_days()`, from the two days' numbers since the common era instead of a
/// [`chrono::TimeDelta`] (which goes through seconds and back, a division per call: this is
/// computed once per deal). Two days of one year (most of a deal's cycles) differ by their
/// ordinals, bit fields of chrono's date, without the days of the years before.
/// `days_between(2025-01-30, 2025-03-01) == 30`.
#[inline]
pub(crate) fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    if from.year() == to.year() {
        return i64::from(to.ordinal()) - i64::from(from.ordinal());
    }
    i64::from(to.num_days_from_ce()) - i64::from(from.num_days_from_ce())
}

fn period_err(s: &str, why: &str) -> Error {
    Error::parse(
        Location { field: Some("period".into()), value: Some(s.into()), ..Default::default() },
        if why.contains(FORMS) { why.to_string() } else { format!("{why}; {FORMS}") },
    )
}

impl Period {
    /// `[start, end)`; `start < end` is required.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self> {
        if start >= end {
            return Err(period_err(&format!("{start}..{end}"), "a period's start must be before its end"));
        }
        Ok(Period { start, end })
    }
    /// First day (inclusive).
    pub fn start(&self) -> NaiveDate {
        self.start
    }
    /// Day after the last day (exclusive).
    pub fn end(&self) -> NaiveDate {
        self.end
    }
    /// The last day in the period.
    pub fn last_day(&self) -> NaiveDate {
        self.end.pred_opt().unwrap_or(self.end)
    }
    /// Number of days.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }
    /// Whether `d` is in `[start, end)`.
    #[inline]
    pub fn contains(&self, d: NaiveDate) -> bool {
        // `&`, not `&&`: both compares, no branch on the first (the folds ask this of dates
        // in random order)
        (self.start <= d) & (d < self.end)
    }
    /// Days shared with `other`.
    pub fn overlap_days(&self, other: &Period) -> i64 {
        let s = self.start.max(other.start);
        let e = self.end.min(other.end);
        (e - s).num_days().max(0)
    }
    /// One day.
    pub fn day(d: NaiveDate) -> Result<Self> {
        Period::new(d, d.succ_opt().ok_or_else(|| period_err(&d.to_string(), "date out of range"))?)
    }
    /// "Last `n` days as of `as_of`" = `[as_of - n + 1, as_of + 1)`; `n ≥ 1`.
    pub fn last_days(n: u32, as_of: NaiveDate) -> Result<Self> {
        if n == 0 {
            return Err(period_err("0", "last_days needs n >= 1"));
        }
        let end = as_of.succ_opt().ok_or_else(|| period_err(&as_of.to_string(), "date out of range"))?;
        let start = end.checked_sub_days(Days::new(n as u64)).ok_or_else(|| period_err(&n.to_string(), "date out of range"))?;
        Period::new(start, end)
    }
    /// ISO week `week` of ISO year `year` (Monday to Monday).
    pub fn iso_week(year: i32, week: u32) -> Result<Self> {
        let s = NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Mon)
            .ok_or_else(|| period_err(&format!("{year}-W{week:02}"), "no such ISO week"))?;
        Period::new(s, s + Days::new(7))
    }
    /// A calendar month.
    pub fn month(year: i32, month: u32) -> Result<Self> {
        let s = ymd(year, month, 1)?;
        Period::new(s, add_months(s, 1)?)
    }
    /// A calendar quarter (1–4).
    pub fn quarter(year: i32, q: u32) -> Result<Self> {
        if !(1..=4).contains(&q) {
            return Err(period_err(&format!("{year}-Q{q}"), "quarter must be 1..4"));
        }
        let s = ymd(year, 3 * (q - 1) + 1, 1)?;
        Period::new(s, add_months(s, 3)?)
    }
    /// A calendar year.
    pub fn year(year: i32) -> Result<Self> {
        Period::new(ymd(year, 1, 1)?, ymd(year + 1, 1, 1)?)
    }
    /// Fiscal year `fy` whose first month is `first_month` (1–12). A fiscal year is named after
    /// the calendar year in which it **ends**: with `first_month = 4`, FY2025 is
    /// `[2024-04-01, 2025-04-01)`. With `first_month = 1` it is the calendar year.
    pub fn fiscal_year(fy: i32, first_month: u32) -> Result<Self> {
        check_month(first_month)?;
        let s = if first_month == 1 { ymd(fy, 1, 1)? } else { ymd(fy - 1, first_month, 1)? };
        Period::new(s, add_months(s, 12)?)
    }
    /// Quarter `q` (1–4) of fiscal year `fy` (see [`Period::fiscal_year`]).
    pub fn fiscal_quarter(fy: i32, q: u32, first_month: u32) -> Result<Self> {
        if !(1..=4).contains(&q) {
            return Err(period_err(&format!("FY{fy}-Q{q}"), "quarter must be 1..4"));
        }
        let s = add_months(Period::fiscal_year(fy, first_month)?.start, 3 * (q - 1))?;
        Period::new(s, add_months(s, 3)?)
    }

    /// Parses `2025`, `2025-Q1`, `2025-03`, `2025-W07`, `2025-03-14` (one day),
    /// `2025-01-01..2025-04-01` (half-open), and `FY2025` / `FY2025-Q2` with fiscal years
    /// starting in January. Use [`Period::parse_fiscal`] for another first month.
    pub fn parse(s: &str) -> Result<Self> {
        Period::parse_fiscal(s, 1)
    }

    /// Like [`Period::parse`], with fiscal years starting in `first_month`.
    pub fn parse_fiscal(s: &str, first_month: u32) -> Result<Self> {
        let t = s.trim();
        let num = |x: &str| -> Result<i64> {
            if x.is_empty() || !x.bytes().all(|b| b.is_ascii_digit()) {
                return Err(period_err(s, "expected a number"));
            }
            x.parse::<i64>().map_err(|_| period_err(s, "number out of range"))
        };
        let year = |x: &str| -> Result<i32> {
            let y = num(x)?;
            if x.len() != 4 {
                return Err(period_err(s, "a year has four digits"));
            }
            Ok(y as i32)
        };
        if let Some((a, b)) = t.split_once("..") {
            let a = parse_date_iso(a).map_err(|_| period_err(s, "expected YYYY-MM-DD..YYYY-MM-DD"))?;
            let b = parse_date_iso(b).map_err(|_| period_err(s, "expected YYYY-MM-DD..YYYY-MM-DD"))?;
            return Period::new(a, b).map_err(|_| period_err(s, "a period's start must be before its end"));
        }
        let upper = t.to_ascii_uppercase();
        if let Some((y, q)) = loose_quarter(&upper) {
            return Period::quarter(year(y)?, num(q)? as u32).map_err(|e| match e {
                Error::Parse { reason, .. } => period_err(s, &reason),
                other => other,
            });
        }
        if let Some(rest) = upper.strip_prefix("FY") {
            return match rest.split_once("-Q") {
                Some((y, q)) => Period::fiscal_quarter(year(y)?, num(q)? as u32, first_month),
                None => Period::fiscal_year(year(rest)?, first_month),
            };
        }
        let parts: Vec<&str> = upper.split('-').collect();
        let r = match parts.as_slice() {
            [y] if !y.bytes().all(|b| b.is_ascii_digit()) => Err(period_err(s, "not a period")),
            [y] => Period::year(year(y)?),
            [y, q] if q.starts_with('Q') => Period::quarter(year(y)?, num(&q[1..])? as u32),
            [y, w] if w.starts_with('W') => Period::iso_week(year(y)?, num(&w[1..])? as u32),
            [y, m] => Period::month(year(y)?, num(m)? as u32),
            [_, _, _] => Period::day(parse_date_iso(t)?),
            _ => Err(period_err(s, "not a period")),
        };
        r.map_err(|e| match e {
            Error::Parse { reason, .. } => period_err(s, &reason),
            other => other,
        })
    }

    /// The period of the same length immediately before this one. Whole months (a month, a
    /// quarter, a year, …) step back by whole months, so the period before March is February
    /// (28 or 29 days), not the 31 days before March.
    pub fn previous(&self) -> Result<Self> {
        if let Some(m) = self.whole_months() {
            return Period::new(sub_months(self.start, m)?, self.start);
        }
        let n = self.days() as u64;
        Period::new(
            self.start.checked_sub_days(Days::new(n)).ok_or_else(|| period_err(&self.to_string(), "date out of range"))?,
            self.start,
        )
    }

    /// The same period one year earlier.
    pub fn year_ago(&self) -> Result<Self> {
        Period::new(sub_months(self.start, 12)?, sub_months(self.end, 12)?)
    }

    fn whole_months(&self) -> Option<u32> {
        if self.start.day() != 1 || self.end.day() != 1 {
            return None;
        }
        let m = (self.end.year() - self.start.year()) * 12 + self.end.month() as i32 - self.start.month() as i32;
        (m > 0).then_some(m as u32)
    }

    /// Splits the period into `bucket`s, clipped to the period: they partition it exactly
    /// (the first and last may be partial). Cyclic buckets are not periods: see
    /// [`crate::engine::Window`].
    ///
    /// At most [`MAX_BUCKETS`]: more is an error (a daily trend over millennia would take
    /// gigabytes; found by fuzzing the C API).
    pub fn split(&self, bucket: Bucket, fiscal_first_month: u32) -> Result<Vec<Period>> {
        check_month(fiscal_first_month)?;
        let mut out = Vec::new();
        let mut s = self.start;
        while s < self.end {
            if out.len() == MAX_BUCKETS {
                return Err(period_err(
                    &self.to_string(),
                    &format!("splits into more than {MAX_BUCKETS} {} buckets: choose a shorter period or larger buckets", bucket.name()),
                ));
            }
            let next = bucket_end(s, bucket, fiscal_first_month)?;
            let e = next.min(self.end);
            out.push(Period::new(s, e)?);
            s = e;
        }
        Ok(out)
    }
}

/// The most buckets a period is split into (a daily trend over 270 years).
pub const MAX_BUCKETS: usize = 100_000;

fn check_month(m: u32) -> Result<()> {
    if !(1..=12).contains(&m) {
        return Err(period_err(&m.to_string(), "a fiscal year's first month is 1..12"));
    }
    Ok(())
}

fn add_months(d: NaiveDate, m: u32) -> Result<NaiveDate> {
    d.checked_add_months(Months::new(m)).ok_or_else(|| period_err(&d.to_string(), "date out of range"))
}
fn sub_months(d: NaiveDate, m: u32) -> Result<NaiveDate> {
    d.checked_sub_months(Months::new(m)).ok_or_else(|| period_err(&d.to_string(), "date out of range"))
}

/// The first day after the bucket that contains `d`.
fn bucket_end(d: NaiveDate, bucket: Bucket, fy_first: u32) -> Result<NaiveDate> {
    let month_start = ymd(d.year(), d.month(), 1)?;
    let months_since = |first: u32| (d.month() + 12 - first) % 12;
    Ok(match bucket {
        Bucket::Day => d.succ_opt().ok_or_else(|| period_err(&d.to_string(), "date out of range"))?,
        Bucket::Week => d
            .checked_add_days(Days::new(7 - d.weekday().num_days_from_monday() as u64))
            .ok_or_else(|| period_err(&d.to_string(), "date out of range"))?,
        Bucket::Month | Bucket::MonthOfYear => add_months(month_start, 1)?,
        Bucket::Quarter | Bucket::QuarterOfYear => add_months(month_start, 3 - months_since(1) % 3)?,
        Bucket::Year => ymd(d.year() + 1, 1, 1)?,
        Bucket::FiscalQuarter => add_months(month_start, 3 - months_since(fy_first) % 3)?,
        Bucket::FiscalYear => add_months(month_start, 12 - months_since(fy_first))?,
    })
}

/// The forms [`Period::parse`] accepts, appended to every period error.
const FORMS: &str = "accepted forms: 2025, 2025-Q1 (also 2025Q1, Q1 2025), 2025-03, 2025-W07, 2025-03-14, 2025-01-01..2025-04-01 (end exclusive), FY2025, FY2025-Q1";

/// `2017Q4`, `2017 Q4`, `Q4 2017`, `Q4-2017`, `Q4/2017` (upper case) → (year, quarter digits);
/// `2017-Q4` is the canonical form, parsed by the general rule.
fn loose_quarter(t: &str) -> Option<(&str, &str)> {
    let sep = |c: char| c == ' ' || c == '-' || c == '/' || c == '_';
    if let Some(rest) = t.strip_prefix('Q') {
        let (q, y) = rest.split_at(rest.find(sep)?);
        return Some((y.trim_start_matches(sep), q)).filter(|(y, q)| y.len() == 4 && q.len() == 1);
    }
    let (y, q) = t.split_at(t.find('Q')?);
    let y = y.trim_end_matches(sep);
    let q = &q[1..];
    (y.len() == 4 && q.len() == 1 && y.bytes().all(|b| b.is_ascii_digit()) && !t.contains("-Q") && !t.starts_with("FY")).then_some((y, q))
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date_iso(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Error::parse(Location::default().with_value(s), "expected a date YYYY-MM-DD"))
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}
impl FromStr for Period {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Period::parse(s)
    }
}
impl TryFrom<String> for Period {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Period::parse(&s)
    }
}
impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

/// A time bucket for trend series.
///
/// `MonthOfYear` and `QuarterOfYear` are *cyclic*: they pool the same month (quarter) across
/// the years of the period — the seasonality view of `close_rate_seasonality`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Calendar day.
    Day,
    /// ISO week (Monday to Sunday).
    Week,
    /// Calendar month.
    Month,
    /// Calendar quarter.
    Quarter,
    /// Calendar year.
    Year,
    /// Fiscal quarter (first month from the query options).
    FiscalQuarter,
    /// Fiscal year (first month from the query options).
    FiscalYear,
    /// Month of year, pooled across years (cyclic).
    MonthOfYear,
    /// Quarter of year, pooled across years (cyclic).
    QuarterOfYear,
}

impl Bucket {
    /// Whether the bucket pools across years.
    pub fn is_cyclic(&self) -> bool {
        matches!(self, Bucket::MonthOfYear | Bucket::QuarterOfYear)
    }
    /// Stable name: `day`, `week`, `month`, `quarter`, `year`, `fiscal_quarter`, `fiscal_year`,
    /// `month_of_year`, `quarter_of_year`.
    pub fn name(&self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
            Bucket::Quarter => "quarter",
            Bucket::Year => "year",
            Bucket::FiscalQuarter => "fiscal_quarter",
            Bucket::FiscalYear => "fiscal_year",
            Bucket::MonthOfYear => "month_of_year",
            Bucket::QuarterOfYear => "quarter_of_year",
        }
    }
    /// All buckets, for listing and parsing.
    pub const ALL: [Bucket; 9] = [
        Bucket::Day,
        Bucket::Week,
        Bucket::Month,
        Bucket::Quarter,
        Bucket::Year,
        Bucket::FiscalQuarter,
        Bucket::FiscalYear,
        Bucket::MonthOfYear,
        Bucket::QuarterOfYear,
    ];
}

impl FromStr for Bucket {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim().to_ascii_lowercase();
        Bucket::ALL.into_iter().find(|b| b.name() == t).ok_or_else(|| {
            Error::parse(
                Location { field: Some("buckets".into()), value: Some(s.into()), ..Default::default() },
                "unknown bucket; expected one of day, week, month, quarter, year, fiscal_quarter, fiscal_year, month_of_year, quarter_of_year",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn p(s: &str) -> String {
        Period::parse(s).unwrap().to_string()
    }

    /// `days_between` is chrono's day difference, across leap days, centuries, the common
    /// era's start and chrono's whole range, both ways.
    #[test]
    fn days_between_is_the_day_difference() {
        let days = ["2025-01-30", "2025-03-01", "2024-02-29", "2000-02-29", "1900-03-01", "0001-01-01", "0000-12-31", "-0400-03-01"];
        let mut all: Vec<NaiveDate> = days.iter().map(|s| d(s)).collect();
        all.extend([NaiveDate::MIN, NaiveDate::MAX]);
        all.extend((0..800).map(|k| d("1999-12-01") + chrono::Days::new(k * 37)));
        for &a in &all {
            for &b in &all {
                assert_eq!(days_between(a, b), (b - a).num_days(), "{a} to {b}");
            }
        }
        assert_eq!(days_between(d("2025-01-30"), d("2025-03-01")), 30);
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(p("2025"), "2025-01-01..2026-01-01");
        assert_eq!(p("2025-Q4"), "2025-10-01..2026-01-01");
        for loose in ["2017Q4", "2017 Q4", "Q4 2017", "q4-2017", "Q4/2017", " 2017-q4 "] {
            assert_eq!(p(loose), "2017-10-01..2018-01-01", "{loose}");
        }
        let e = Period::parse("Q5 2017").unwrap_err().to_string();
        assert!(e.contains("accepted forms: 2025, 2025-Q1 (also 2025Q1, Q1 2025)"), "{e}");
        let e = Period::parse("last quarter").unwrap_err().to_string();
        assert!(e.contains("accepted forms"), "{e}");
        assert_eq!(p("2024-02"), "2024-02-01..2024-03-01");
        assert_eq!(p("2025-W01"), "2024-12-30..2025-01-06");
        assert_eq!(p("2025-03-14"), "2025-03-14..2025-03-15");
        assert_eq!(p("2025-01-01..2025-04-01"), "2025-01-01..2025-04-01");
        assert_eq!(p("FY2025"), "2025-01-01..2026-01-01");
        assert_eq!(Period::parse_fiscal("FY2025", 4).unwrap().to_string(), "2024-04-01..2025-04-01");
        assert_eq!(Period::parse_fiscal("FY2025-Q2", 4).unwrap().to_string(), "2024-07-01..2024-10-01");
        for bad in ["", "25", "2025-13", "2025-Q5", "2025-02-30", "2025-04-01..2025-01-01", "2025-01-01..2025-01-01", "abc", "2025-W54"] {
            assert!(Period::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn errors_name_the_input_once() {
        let e = Period::parse("2025-Q5").unwrap_err().to_string();
        assert_eq!(e, format!("column `period`, value \"2025-Q5\": cannot parse: quarter must be 1..4; {FORMS}"));
    }

    #[test]
    fn last_days_is_inclusive_of_as_of() {
        let p = Period::last_days(15, d("2025-03-10")).unwrap();
        assert_eq!((p.start(), p.end()), (d("2025-02-24"), d("2025-03-11")));
        assert!(p.contains(d("2025-03-10")) && !p.contains(d("2025-03-11")));
        assert!(Period::last_days(0, d("2025-03-10")).is_err());
    }

    #[test]
    fn previous_steps_whole_months() {
        assert_eq!(Period::parse("2024-03").unwrap().previous().unwrap().to_string(), "2024-02-01..2024-03-01");
        assert_eq!(Period::parse("2025-Q1").unwrap().previous().unwrap().to_string(), "2024-10-01..2025-01-01");
        assert_eq!(Period::parse("2025-03-10").unwrap().previous().unwrap().to_string(), "2025-03-09..2025-03-10");
        assert_eq!(Period::parse("2025-Q1").unwrap().year_ago().unwrap().to_string(), "2024-01-01..2024-04-01");
    }

    #[test]
    fn buckets_partition_the_period() {
        let y = Period::parse("2025-02-15..2025-11-20").unwrap();
        for b in Bucket::ALL {
            let parts = y.split(b, 4).unwrap();
            assert_eq!(parts.first().unwrap().start(), y.start());
            assert_eq!(parts.last().unwrap().end(), y.end());
            assert!(parts.windows(2).all(|w| w[0].end() == w[1].start()), "{b:?}");
            assert_eq!(parts.iter().map(|p| p.days()).sum::<i64>(), y.days());
        }
        let q = Period::parse("2025").unwrap().split(Bucket::FiscalQuarter, 2).unwrap();
        assert_eq!(q[0].to_string(), "2025-01-01..2025-02-01");
        assert_eq!(q[1].to_string(), "2025-02-01..2025-05-01");
        let w = Period::parse("2025-01").unwrap().split(Bucket::Week, 1).unwrap();
        assert_eq!(w[0].to_string(), "2025-01-01..2025-01-06");
        assert_eq!(w.len(), 5);
    }
}
