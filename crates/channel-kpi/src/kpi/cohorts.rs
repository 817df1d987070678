//! Cohorts, section 5 of the catalog: `cohorts`, customers by the month they first had MRR > 0
//! (or by any date column of theirs: `options.cohort_by = "attr:<name>"`), and for every month
//! since (age 0, 1, 2, …) how many are still active and how much MRR they bring — logo and
//! revenue retention per cohort and age, as a **long** table (one row per cohort and age), the
//! shape a cohort heatmap is drawn from. Partners by join quarter: [`super::partner_cohorts`].
//!
//! The cohorts of a window are the accounts whose cohort month falls in it: by default the
//! first month with MRR > 0 **ever** (an account active before the window belongs to an older
//! cohort); with `cohort_by = "attr:<name>"` the month of the earliest date in that column of
//! the account's subscription rows or contracts (an account without one is in no cohort). Ages
//! run through the month of `as_of` (by default the period's last day) and stop before the first
//! month without any subscription row in the result (unknown, not a cohort that churned). The
//! state is the per-account monthly MRR of `mrr_movements` (exact, mergeable per account) and
//! the earliest cohort date per account (merged by taking the earlier).
//!
//! ```
//! use channel_kpi::{Dataset, Metric, Period, Query, SubscriptionMonth, Value};
//! let day = |s: &str| s.parse().unwrap();
//! let mut data = Dataset::default();
//! // A and B start in January (100 + 50); in February only A is left.
//! for (acc, month, mrr) in [("A", "2025-01-01", "100"), ("B", "2025-01-01", "50"), ("A", "2025-02-01", "100")] {
//!     data.subscriptions.push(SubscriptionMonth::new(acc, day(month), format!("{mrr} USD").parse().unwrap()));
//! }
//! let t = data.run(&Query::new(vec![Metric::Cohorts], Period::parse("2025-01-01..2025-03-01").unwrap())).unwrap();
//! assert_eq!(t.rows.len(), 2); // cohort 2025-01 at ages 0 and 1
//! assert_eq!(t.value(1, "age"), Some(&Value::Int(1)));
//! assert_eq!(t.value(1, "logo_retention").unwrap().as_f64(), Some(0.5));
//! assert_eq!(t.value(1, "revenue_retention").unwrap().to_string(), "0.666667"); // 100 ÷ 150
//! ```

use super::common::{ByKey, Earliest, Sum, div, state};
use super::movements::{MovementState, months_between};
use super::retention::month_of;
use crate::engine::{CohortBy, ColumnKind, ColumnSpec, Ctx, Kpi, LongRow, LongRows, Record, Value, Window};
use crate::error::{Error, Location, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// The first month of the window and the last month ages run to (the month of `as_of`, or the
/// window's last month when later).
fn range(w: &Window, ctx: &Ctx) -> (NaiveDate, NaiveDate) {
    (month_of(w.start_instant()), month_of(ctx.as_of.max(w.period.last_day())))
}

/// A cohort date as written in a column: `YYYY-MM-DD`, optionally followed by a time
/// (`2025-01-15 00:00:00`, `2025-01-15T08:00`, as a datetime column prints).
pub(crate) fn cohort_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let day = match t.get(10..11) {
        Some("T" | " ") => &t[..10],
        _ => t,
    };
    crate::period::parse_date_iso(day).ok()
}

state! {
    /// Per-account monthly MRR (as `mrr_movements`) and, with `cohort_by = "attr:<name>"`,
    /// the earliest date of that column per account.
    pub struct CohortState { pub months: MovementState, #[serde(default)] pub starts: ByKey<Earliest> }
}

/// `cohorts` (long result: row keys `cohort`, the cohort's first month, and `age`, months since
/// it): `cohort_size` (accounts of the cohort), `active_accounts` (with MRR > 0 at that age),
/// `logo_retention` = active ÷ size, `cohort_mrr` (the MRR the cohort's accounts started with:
/// each one's first month with MRR > 0 from the cohort month on — by default the cohort's MRR
/// at age 0), `active_mrr` (its MRR at that age), `revenue_retention` = active MRR ÷ cohort MRR
/// (net of expansion and contraction, may exceed 1; exact decimal, 6 places; absent when the
/// cohort has not paid yet). Queried alone, without comparison.
///
/// `options.cohort_by`: `default` (first month with MRR > 0) or `attr:<name>` (a date column of
/// the subscription rows or contracts, e.g. a signup date; a value that is not a date is an
/// error naming the account, the column and the value). With a signup date, an account that
/// starts paying later is in its signup cohort, inactive until it pays.
pub struct Cohorts;
impl Kpi for Cohorts {
    type State = CohortState;
    fn columns(ctx: &Ctx) -> Result<Vec<ColumnSpec>> {
        if let c @ (CohortBy::FirstDeal | CohortBy::FirstWon) = &ctx.query.options.cohort_by {
            return Err(Error::Query(format!(
                "cohorts: cohort_by {c} is for partner_cohorts; accounts take default (first month with MRR) or attr:<date column>"
            )));
        }
        Ok(vec![
            ColumnSpec::new("cohort_size", ColumnKind::Int),
            ColumnSpec::new("active_accounts", ColumnKind::Int),
            ColumnSpec::new("logo_retention", ColumnKind::Float),
            ColumnSpec::new("cohort_mrr", ColumnKind::Money),
            ColumnSpec::new("active_mrr", ColumnKind::Money),
            ColumnSpec::new("revenue_retention", ColumnKind::Decimal),
        ])
    }
    fn row_keys() -> Vec<ColumnSpec> {
        vec![ColumnSpec::plain("cohort", ColumnKind::Date), ColumnSpec::plain("age", ColumnKind::Int)]
    }
    fn observe(s: &mut CohortState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let mut started = false;
        if let (CohortBy::Attr(name), Record::Subscription(r)) = (&ctx.query.options.cohort_by, rec)
            && let Some(text) = r.attrs.get(name).map(|t| t.trim()).filter(|t| !t.is_empty())
        {
            let d = cohort_date(text).ok_or_else(|| {
                Error::invalid(Location::record("subscription", &r.account_id, name).with_value(text), "cohort_by: not a date (YYYY-MM-DD)")
            })?;
            // A date after the window cannot put the account in one of its cohorts.
            if d <= w.period.last_day() {
                s.starts.with(&r.account_id, |e| e.add(d));
                started = true;
            }
        }
        let (first, last) = range(w, ctx);
        Ok(s.months.observe_months(rec, first, last, ctx)? | started)
    }
    fn finish(_: &[&CohortState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        Err(Error::Query("cohorts gives a long table (one row per cohort and age): query it alone".into()))
    }
    fn finish_long(states: &[&CohortState], w: &Window, ctx: &Ctx) -> Result<LongRows> {
        let (first, last) = range(w, ctx);
        let window_last = month_of(w.period.last_day());
        // Ages stop before the first month without data (from the first month with data on).
        let seen: BTreeSet<NaiveDate> = states.iter().flat_map(|s| s.months.seen.months.iter().copied()).collect();
        let from = if states.iter().any(|s| s.months.seen.before.0 > 0) { Some(first) } else { seen.iter().next().copied() };
        let known_until = from.map(|f| months_between(f, last).take_while(|m| seen.contains(m)).last());
        let by_attr = matches!(ctx.query.options.cohort_by, CohortBy::Attr(_));
        let none = BTreeMap::new();
        states
            .iter()
            .map(|s| {
                let accounts = &s.months.accounts.0;
                let mut cohorts: BTreeMap<NaiveDate, Vec<&BTreeMap<NaiveDate, Sum>>> = BTreeMap::new();
                if by_attr {
                    for (id, start) in &s.starts.0 {
                        let Some(c) = start.0.map(month_of).filter(|c| (first..=window_last).contains(c)) else { continue };
                        cohorts.entry(c).or_default().push(accounts.get(id).map_or(&none, |a| &a.mrr));
                    }
                } else {
                    for acc in accounts.values().filter(|a| a.first_before.is_none()) {
                        let start = acc.mrr.iter().find(|(_, v)| v.0 > Decimal::ZERO).map(|(m, _)| *m);
                        if let Some(c) = start.filter(|c| *c <= window_last) {
                            cohorts.entry(c).or_default().push(&acc.mrr);
                        }
                    }
                }
                let mut rows = Vec::new();
                let Some(Some(until)) = known_until else { return Ok(rows) };
                // A cohort that starts after the last month with data has no known age.
                for (c, members) in cohorts.into_iter().filter(|(c, _)| *c <= until) {
                    let at = |m: NaiveDate| -> Result<(u64, Sum)> {
                        let (mut n, mut sum) = (0, Sum::default());
                        for mrr in &members {
                            if let Some(v) = mrr.get(&m).filter(|v| v.0 > Decimal::ZERO) {
                                n += 1;
                                sum.add(v.0)?;
                            }
                        }
                        Ok((n, sum))
                    };
                    let mut started = Sum::default();
                    for mrr in &members {
                        if let Some((_, v)) = mrr.range(c..=until).find(|(_, v)| v.0 > Decimal::ZERO) {
                            started.add(v.0)?;
                        }
                    }
                    let size = members.len() as u64;
                    for (age, m) in months_between(c, until).enumerate() {
                        let (n, mrr) = at(m)?;
                        let keys = vec![Value::Date(c), Value::count(age as u64)];
                        let vals = vec![
                            Value::count(size),
                            Value::count(n),
                            Value::float((size > 0).then(|| n as f64 / size as f64)),
                            Value::Decimal(started.0),
                            Value::Decimal(mrr.0),
                            Value::decimal(div(mrr.0, started.0)),
                        ];
                        rows.push(LongRow { keys, values: vals });
                    }
                }
                Ok(rows)
            })
            .collect()
    }
}
