//! `partner_cohorts`: partners by the quarter they joined the program (or by the quarter of
//! their first deal or first win: `options.cohort_by`), and for every quarter since, how many
//! are still in the program and what they won — a long table (cohort × age) like
//! [`super::cohorts`].
//!
//! The state holds the partners' program dates, their won revenue per quarter and, with
//! `cohort_by = first_deal | first_won`, each partner's earliest such date: all exact and
//! mergeable (dates merge by taking the earlier, sums add), so partials from threads, Dask or
//! Spark finish to the same table.
//!
//! ```
//! use channel_kpi::{Dataset, Deal, DealStatus, Metric, Partner, Period, Query, Value};
//! let day = |s: &str| s.parse().unwrap();
//! let mut data = Dataset::default();
//! let mut p = Partner::new("P1");
//! p.joined_on = Some(day("2024-03-01")); // joined in 2024, first win in 2025-Q1
//! data.refs.add_partners([p]).unwrap();
//! let mut d = Deal::new("D1", day("2025-01-10"), DealStatus::Won);
//! (d.partner_id, d.closed_on, d.amount) = (Some("P1".into()), Some(day("2025-02-01")), Some("100 USD".parse().unwrap()));
//! data.deals.push(d);
//! let mut q = Query::new(vec![Metric::PartnerCohorts], Period::parse("2025-Q1").unwrap());
//! assert!(data.run(&q).unwrap().rows.is_empty()); // by join quarter: no cohort in 2025-Q1
//! q.options.cohort_by = "first_won".parse().unwrap();
//! let t = data.run(&q).unwrap();
//! assert_eq!(t.value(0, "cohort").unwrap().to_string(), "2025-01-01");
//! assert_eq!(t.value(0, "cohort_revenue").unwrap().to_string(), "100");
//! ```

use super::common::{ByKey, Earliest, Sum, div, state};
use crate::engine::{CohortBy, ColumnKind, ColumnSpec, Ctx, Kpi, LongRow, LongRows, Merge, Record, Value, Window};
use crate::error::{Error, Result};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Partners' program dates, their won revenue per quarter, and (with `cohort_by` =
    /// `first_deal` / `first_won`) each partner's earliest such date.
    pub struct PartnerCohortState {
        pub partners: ByKey<Membership>,
        pub revenue: ByKey<ByKey<Sum>>,
        #[serde(default)]
        pub first: ByKey<Earliest>,
    }
}

/// `partner_cohorts` (long result: `cohort`, the quarter of the partners' cohort date, and
/// `age`, quarters since): `cohort_size` (partners whose cohort date is in the window),
/// `active_partners` (still members at the end of the age's quarter: not left by then),
/// `logo_retention` = active ÷ size, `cohort_revenue` (revenue won by the cohort's partners in
/// its first quarter), `revenue` (won in the age's quarter, by every partner of the cohort,
/// left or not), `revenue_retention` = revenue ÷ cohort revenue (absent when the cohort won
/// nothing in its first quarter). Ages run through the quarter of `as_of`. Queried alone,
/// without comparison.
///
/// The cohort date (`options.cohort_by`): `default` = `joined_on`; `first_deal` = the
/// partner's earliest deal `created_on`; `first_won` = its earliest won `closed_on` (ever: deals
/// before the window count, so a partner who first won earlier belongs to an older cohort). A
/// partner without a partner record is then a member who never left.
///
/// Example: P1 and P2 join in 2025-Q1, P2 leaves in May → age 1 (Q2): 1 of 2 active (0.5).
pub struct PartnerCohorts;
impl Kpi for PartnerCohorts {
    type State = PartnerCohortState;
    fn columns(ctx: &Ctx) -> Result<Vec<ColumnSpec>> {
        if let c @ CohortBy::Attr(_) = &ctx.query.options.cohort_by {
            return Err(Error::Query(format!(
                "partner_cohorts: cohort_by {c} is for cohorts (accounts); partners take default (joined_on), first_deal or first_won"
            )));
        }
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
        super::cohorts::Cohorts::row_keys()
    }
    fn observe(s: &mut PartnerCohortState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let horizon = ctx.as_of.max(w.period.last_day());
        let by = &ctx.query.options.cohort_by;
        match rec {
            Record::Partner(p) => {
                let joined = match by {
                    CohortBy::Default => match p.joined_on.filter(|j| w.contains(*j)) {
                        Some(j) => Some(j),
                        None => return Ok(false),
                    },
                    _ => p.joined_on,
                };
                s.partners.with(&p.id, |m| *m = Membership { joined_on: joined, left_on: p.left_on });
                Ok(true)
            }
            Record::Deal(d) => {
                let Some(pid) = d.partner_id.as_deref() else { return Ok(false) };
                let won = d.status == crate::DealStatus::Won;
                // A date after the window cannot put the partner in one of its cohorts.
                let start = match by {
                    CohortBy::FirstDeal => Some(d.created_on),
                    CohortBy::FirstWon => d.closed_on.filter(|_| won),
                    _ => None,
                }
                .filter(|c| *c <= w.period.last_day());
                if let Some(c) = start {
                    s.first.with(pid, |e| e.add(c));
                }
                let Some(c) = d.closed_on.filter(|c| won && *c >= w.start_instant() && *c <= horizon) else {
                    return Ok(start.is_some());
                };
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
        let by_join = ctx.query.options.cohort_by == CohortBy::Default;
        let never_left = Membership::default();
        states
            .iter()
            .map(|s| {
                let mut cohorts: BTreeMap<NaiveDate, Vec<(&String, &Membership)>> = BTreeMap::new();
                if by_join {
                    for (id, m) in &s.partners.0 {
                        if let Some(j) = m.joined_on {
                            cohorts.entry(quarter_of(j)).or_default().push((id, m));
                        }
                    }
                } else {
                    for (id, e) in &s.first.0 {
                        if let Some(d) = e.0.filter(|d| w.contains(*d)) {
                            cohorts.entry(quarter_of(d)).or_default().push((id, s.partners.0.get(id).unwrap_or(&never_left)));
                        }
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
