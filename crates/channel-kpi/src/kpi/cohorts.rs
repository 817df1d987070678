//! Cohorts: `partner_cohorts` (partners by the quarter they joined: still in the program, and
//! their won revenue, per quarter since) and, section 5 of the catalog, `cohorts`: customers by the month they first had MRR > 0, and for
//! every month since (age 0, 1, 2, …) how many are still active and how much MRR they bring —
//! logo and revenue retention per cohort and age, as a **long** table (one row per cohort and
//! age), the shape a cohort heatmap is drawn from.
//!
//! The cohorts of a window are the accounts whose first month with MRR > 0 **ever** falls in it
//! (an account active before the window belongs to an older cohort). Ages run through the month
//! of `as_of` (by default the period's last day) and stop before the first month without any
//! subscription row in the result (unknown, not a cohort that churned). The state is the
//! per-account monthly MRR of `mrr_movements` (exact, mergeable per account).
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

use super::common::{ByKey, Sum, div, state};
use super::movements::{MovementState, months_between};
use super::retention::month_of;
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, LongRow, LongRows, Merge, Value, Window};
use crate::error::{Error, Result};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The first month of the window and the last month ages run to (the month of `as_of`, or the
/// window's last month when later).
fn range(w: &Window, ctx: &Ctx) -> (NaiveDate, NaiveDate) {
    (month_of(w.start_instant()), month_of(ctx.as_of.max(w.period.last_day())))
}

/// `cohorts` (long result: row keys `cohort`, the cohort's first month, and `age`, months since
/// it): `cohort_size` (accounts of the cohort), `active_accounts` (with MRR > 0 at that age),
/// `logo_retention` = active ÷ size, `cohort_mrr` (the cohort's MRR at age 0), `active_mrr`
/// (its MRR at that age), `revenue_retention` = active MRR ÷ cohort MRR (net of expansion and
/// contraction, may exceed 1; exact decimal, 6 places). Queried alone, without comparison.
pub struct Cohorts;
impl Kpi for Cohorts {
    type State = MovementState;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
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
    fn observe(s: &mut MovementState, rec: &crate::engine::Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let (first, last) = range(w, ctx);
        s.observe_months(rec, first, last, ctx)
    }
    fn finish(_: &[&MovementState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        Err(Error::Query("cohorts gives a long table (one row per cohort and age): query it alone".into()))
    }
    fn finish_long(states: &[&MovementState], w: &Window, ctx: &Ctx) -> Result<LongRows> {
        let (first, last) = range(w, ctx);
        let window_last = month_of(w.period.last_day());
        // Ages stop before the first month without data (from the first month with data on).
        let seen: BTreeSet<NaiveDate> = states.iter().flat_map(|s| s.seen.months.iter().copied()).collect();
        let from = if states.iter().any(|s| s.seen.before.0 > 0) { Some(first) } else { seen.iter().next().copied() };
        let known_until = from.map(|f| months_between(f, last).take_while(|m| seen.contains(m)).last());
        states
            .iter()
            .map(|s| {
                let mut cohorts: BTreeMap<NaiveDate, Vec<&BTreeMap<NaiveDate, Sum>>> = BTreeMap::new();
                for acc in s.accounts.0.values().filter(|a| a.first_before.is_none()) {
                    let start = acc.mrr.iter().find(|(_, v)| v.0 > Decimal::ZERO).map(|(m, _)| *m);
                    if let Some(c) = start.filter(|c| *c <= window_last) {
                        cohorts.entry(c).or_default().push(&acc.mrr);
                    }
                }
                let mut rows = Vec::new();
                let Some(Some(until)) = known_until else { return Ok(rows) };
                for (c, members) in cohorts {
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
                    let (size, mrr0) = at(c)?;
                    for (age, m) in months_between(c, until).enumerate() {
                        let (n, mrr) = at(m)?;
                        let keys = vec![Value::Date(c), Value::count(age as u64)];
                        let vals = vec![
                            Value::count(size),
                            Value::count(n),
                            Value::float((size > 0).then(|| n as f64 / size as f64)),
                            Value::Decimal(mrr0.0),
                            Value::Decimal(mrr.0),
                            Value::decimal(div(mrr.0, mrr0.0)),
                        ];
                        rows.push(LongRow { keys, values: vals });
                    }
                }
                Ok(rows)
            })
            .collect()
    }
}

/// First day of the quarter of `d`.
fn quarter_of(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), (d.month() - 1) / 3 * 3 + 1, 1).unwrap_or(d)
}

/// A partner's program dates, as streamed (`Record::Partner`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    /// Joined the program.
    pub joined_on: Option<NaiveDate>,
    /// Left it (`None`: still a member).
    pub left_on: Option<NaiveDate>,
}
impl crate::engine::Check for Membership {
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}
impl Merge for Membership {
    fn merge(&mut self, o: &Self) -> Result<()> {
        self.joined_on = self.joined_on.or(o.joined_on);
        self.left_on = self.left_on.or(o.left_on);
        Ok(())
    }
}

state! {
    /// Partners' program dates and their won revenue per quarter.
    pub struct PartnerCohortState { pub partners: ByKey<Membership>, pub revenue: ByKey<ByKey<Sum>> }
}

/// `partner_cohorts` (long result: `cohort`, the quarter the partners joined, and `age`,
/// quarters since): `cohort_size` (partners who joined in that quarter, in the window),
/// `active_partners` (still members at the end of the age's quarter), `logo_retention` =
/// active ÷ size, `cohort_revenue` (revenue won by the cohort's partners in the quarter they
/// joined), `revenue` (won in the age's quarter, by every partner of the cohort, left or not),
/// `revenue_retention` = revenue ÷ cohort revenue (absent when the cohort won nothing in its
/// first quarter). Ages run through the quarter of `as_of`. Queried alone, without comparison.
///
/// Example: P1 and P2 join in 2025-Q1, P2 leaves in May → age 1 (Q2): 1 of 2 active (0.5).
pub struct PartnerCohorts;
impl Kpi for PartnerCohorts {
    type State = PartnerCohortState;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![
            ColumnSpec::new("cohort_size", ColumnKind::Int),
            ColumnSpec::new("active_partners", ColumnKind::Int),
            ColumnSpec::new("logo_retention", ColumnKind::Float),
            ColumnSpec::new("cohort_revenue", ColumnKind::Money),
            ColumnSpec::new("revenue", ColumnKind::Money),
            ColumnSpec::new("revenue_retention", ColumnKind::Decimal),
        ])
    }
    fn row_keys() -> Vec<ColumnSpec> {
        Cohorts::row_keys()
    }
    fn observe(s: &mut PartnerCohortState, rec: &crate::engine::Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let horizon = ctx.as_of.max(w.period.last_day());
        match rec {
            crate::engine::Record::Partner(p) => {
                let Some(j) = p.joined_on.filter(|j| w.contains(*j)) else { return Ok(false) };
                s.partners.with(&p.id, |m| *m = Membership { joined_on: Some(j), left_on: p.left_on });
                Ok(true)
            }
            crate::engine::Record::Deal(d) if d.status == crate::DealStatus::Won => {
                let (Some(pid), Some(c)) = (d.partner_id.as_deref(), d.closed_on) else { return Ok(false) };
                if c < w.start_instant() || c > horizon {
                    return Ok(false);
                }
                let amount = d.amount.map(|m| ctx.money(m, c)).transpose()?.unwrap_or(Decimal::ZERO);
                s.revenue.with(pid, |q| q.with(&quarter_of(c).to_string(), |x| x.add(amount)))?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
    fn finish(_: &[&PartnerCohortState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        Err(Error::Query("partner_cohorts gives a long table (one row per cohort and age): query it alone".into()))
    }
    fn finish_long(states: &[&PartnerCohortState], w: &Window, ctx: &Ctx) -> Result<LongRows> {
        let last = quarter_of(ctx.as_of.max(w.period.last_day()));
        states
            .iter()
            .map(|s| {
                let mut cohorts: BTreeMap<NaiveDate, Vec<(&String, &Membership)>> = BTreeMap::new();
                for (id, m) in &s.partners.0 {
                    if let Some(j) = m.joined_on {
                        cohorts.entry(quarter_of(j)).or_default().push((id, m));
                    }
                }
                let mut rows = Vec::new();
                for (c, members) in cohorts {
                    let won = |q: NaiveDate| -> Result<Sum> {
                        let mut sum = Sum::default();
                        for (id, _) in &members {
                            if let Some(v) = s.revenue.0.get(*id).and_then(|r| r.0.get(&q.to_string())) {
                                sum.add(v.0)?;
                            }
                        }
                        Ok(sum)
                    };
                    let first = won(c)?;
                    let quarters =
                        std::iter::successors(Some(c), |q| q.checked_add_months(chrono::Months::new(3))).take_while(|q| *q <= last);
                    for (age, q) in quarters.enumerate() {
                        let end = q.checked_add_months(chrono::Months::new(3)).unwrap_or(q);
                        let active = members.iter().filter(|(_, m)| m.left_on.is_none_or(|l| l > end)).count() as u64;
                        let size = members.len() as u64;
                        let rev = won(q)?;
                        rows.push(LongRow {
                            keys: vec![Value::Date(c), Value::count(age as u64)],
                            values: vec![
                                Value::count(size),
                                Value::count(active),
                                Value::float((size > 0).then(|| active as f64 / size as f64)),
                                Value::Decimal(first.0),
                                Value::Decimal(rev.0),
                                Value::decimal(div(rev.0, first.0)),
                            ],
                        });
                    }
                }
                Ok(rows)
            })
            .collect()
    }
}
