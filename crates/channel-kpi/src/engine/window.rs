//! [`Window`]: the slice of time one cell of the result covers.

use crate::period::{Bucket, Period};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A period, optionally restricted to one month (or quarter) of the year for cyclic buckets
/// (`month_of_year`, `quarter_of_year`), which pool that month across the years of the period.
///
/// KPIs ask `contains(date)` for event dates and use [`Window::instant`] (the period's end) for
/// "as at" KPIs such as the open pipeline.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Window {
    /// The dates covered.
    pub period: Period,
    /// For cyclic buckets: the bucket and its number (month 1–12 or quarter 1–4).
    pub cyclic: Option<(Bucket, u32)>,
}

impl Window {
    /// A plain period window.
    pub fn new(period: Period) -> Self {
        Window { period, cyclic: None }
    }
    /// Whether an event dated `d` falls in the window.
    #[inline]
    pub fn contains(&self, d: NaiveDate) -> bool {
        // `&`: no branch on the period's answer, as random as the dates asked about
        self.period.contains(d)
            & match self.cyclic {
                None => true,
                Some((Bucket::MonthOfYear, m)) => d.month() == m,
                Some((Bucket::QuarterOfYear, q)) => (d.month() - 1) / 3 + 1 == q,
                Some(_) => true,
            }
    }
    /// The instant "as at" KPIs are measured: the start of the day after the window.
    pub fn instant(&self) -> NaiveDate {
        self.period.end()
    }
    /// The instant the window opens.
    pub fn start_instant(&self) -> NaiveDate {
        self.period.start()
    }
}
