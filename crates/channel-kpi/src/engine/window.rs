//! [`Window`]: the slice of time one cell of the result covers.

use super::query::{Compare, Query};
use crate::error::{Error, Result};
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
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.period.contains(d)
            && match self.cyclic {
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

/// The windows of a query: the main ones (one per bucket), then the comparison ones; and for
/// each main window the index of its comparison window.
pub(crate) fn plan_windows(q: &Query) -> Result<(Vec<Window>, Vec<Option<usize>>)> {
    let main = match q.buckets {
        None => vec![Window::new(q.period)],
        Some(b) if b.is_cyclic() => {
            let n = if b == crate::Bucket::MonthOfYear { 12 } else { 4 };
            (1..=n).map(|i| Window { period: q.period, cyclic: Some((b, i)) }).collect()
        }
        Some(b) => q.period.split(b, q.options.fiscal_year_start)?.into_iter().map(Window::new).collect(),
    };
    let needs = q.compare_to.is_some() || q.metrics.iter().any(|m| m.needs_previous());
    if !needs {
        let n = main.len();
        return Ok((main, vec![None; n]));
    }
    let cmp: Vec<Window> = match q.compare_to.unwrap_or(Compare::PreviousPeriod) {
        Compare::PreviousPeriod => {
            main.iter().map(|w| Ok(Window { period: w.period.previous()?, cyclic: w.cyclic })).collect::<Result<_>>()?
        }
        Compare::YearAgo => main.iter().map(|w| Ok(Window { period: w.period.year_ago()?, cyclic: w.cyclic })).collect::<Result<_>>()?,
        Compare::Period(p) => match q.buckets {
            None => vec![Window::new(p)],
            Some(_) if main[0].cyclic.is_some() => main.iter().map(|w| Window { period: p, cyclic: w.cyclic }).collect(),
            Some(b) => {
                let parts = p.split(b, q.options.fiscal_year_start)?;
                if parts.len() != main.len() {
                    return Err(Error::Query(format!(
                        "compare_to {p} splits into {} {} buckets but the period {} into {}",
                        parts.len(),
                        b.name(),
                        q.period,
                        main.len()
                    )));
                }
                parts.into_iter().map(Window::new).collect()
            }
        },
    };
    let n = main.len();
    let idx = (0..n).map(|i| Some(n + i)).collect();
    Ok((main.into_iter().chain(cmp).collect(), idx))
}
