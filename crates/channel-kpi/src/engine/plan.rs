//! [`Plan`]: what a query implies once the KPIs' code is known: its windows (one per bucket,
//! then comparison windows when the query compares or a metric reports its previous value) and
//! whether its amounts must share one currency. Above the registry (it asks the metrics), below
//! the engine that folds into the planned windows.

use super::metric::Metric;
use super::query::{Compare, Query};
use super::window::Window;
use crate::error::{Error, Result};
use crate::period::Bucket;

/// The windows of a query, in the order of a partial's cells.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Plan {
    /// The main windows (one per bucket), then the comparison windows.
    pub(crate) windows: Vec<Window>,
    /// For each main window, the index in `windows` of its comparison window (`None`: the
    /// query compares nothing); as long as the main windows.
    pub(crate) compare: Vec<Option<usize>>,
}

impl Plan {
    /// The windows of `q` (normalized).
    pub(crate) fn of(q: &Query) -> Result<Plan> {
        let main = match q.buckets {
            None => vec![Window::new(q.period)],
            Some(b) if b.is_cyclic() => {
                let n = if b == Bucket::MonthOfYear { 12 } else { 4 };
                (1..=n).map(|i| Window { period: q.period, cyclic: Some((b, i)) }).collect()
            }
            Some(b) => q.period.split(b, q.options.fiscal_year_start)?.into_iter().map(Window::new).collect(),
        };
        let needs = q.compare_to.is_some() || q.metrics.iter().any(|m| m.needs_previous());
        if !needs {
            let n = main.len();
            return Ok(Plan { windows: main, compare: vec![None; n] });
        }
        let cmp: Vec<Window> = match q.compare_to.unwrap_or(Compare::PreviousPeriod) {
            Compare::PreviousPeriod => {
                main.iter().map(|w| Ok(Window { period: w.period.previous()?, cyclic: w.cyclic })).collect::<Result<_>>()?
            }
            Compare::YearAgo => {
                main.iter().map(|w| Ok(Window { period: w.period.year_ago()?, cyclic: w.cyclic })).collect::<Result<_>>()?
            }
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
        Ok(Plan { windows: main.into_iter().chain(cmp).collect(), compare: idx })
    }
}

impl Query {
    /// Whether every amount the query reads must share one currency: it computes a metric that
    /// adds or compares amounts ([`Metric::combines_amounts`]) and converts none (no
    /// `currency`). A query of counts and durations alone accepts any mix of currencies.
    pub fn needs_one_currency(&self) -> bool {
        self.currency.is_none() && self.metrics.iter().any(Metric::combines_amounts)
    }
}
