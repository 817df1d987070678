//! Section 5 of the catalog, subscription KPIs: portfolio growth, MRR retention (NRR, GRR)
//! and account retention. All three compare each account's MRR at the window's start with its
//! MRR at the end:
//!
//! * MRR **at the start** of a window = the account's MRR in the month containing the day
//!   before the window (for 2025-Q1: December 2024);
//! * MRR **at the end** = its MRR in the month containing the window's last day (March 2025).
//!
//! An account is active at an edge when that MRR is > 0. The state keeps the two amounts per
//! account (memory grows with the accounts of a group; merging adds per account, exactly).
//!
//! **Unknown edges.** An edge month in which *no* subscription row of the whole result (any
//! group) falls says nothing: a snapshot of one month cannot tell churn from "not exported
//! yet". The values that need that edge are then **absent**, not 0 (not "100 % churn"): with
//! no data for the month before the window, the start-side values and every ratio; with no data
//! for the window's last month, the end-side values and every ratio. An account with no row
//! in an edge month that other accounts have rows for is inactive there (churned or new).
//!
//! ```
//! use channel_kpi::{Dataset, Metric, Period, Query, SubscriptionMonth};
//! let day = |s: &str| s.parse().unwrap();
//! let mut data = Dataset::default();
//! // A: 100 → 150 (expansion), B: 100 → 0 (churn) between December and March.
//! for (acc, month, mrr) in [("A", "2024-12-01", "100"), ("A", "2025-03-01", "150"), ("B", "2024-12-01", "100")] {
//!     data.subscriptions.push(SubscriptionMonth::new(acc, day(month), format!("{mrr} USD").parse().unwrap()));
//! }
//! data.validate().unwrap();
//! let q = Query::new(vec![Metric::MrrRetention, Metric::AccountRetention], Period::parse("2025-Q1").unwrap());
//! let t = data.run(&q).unwrap();
//! assert_eq!(t.value(0, "nrr").unwrap().to_string(), "0.75"); // (200 + 50 − 100) ÷ 200
//! assert_eq!(t.value(0, "grr").unwrap().to_string(), "0.5"); // (200 − 100) ÷ 200
//! assert_eq!(t.value(0, "account_retention").unwrap().as_f64(), Some(0.5));
//! ```

pub use super::account_edges::{AccountEdges, Edges};
use super::common::{Proportion, Sum, div, ratio};
use super::exact_add::positive;
use crate::domain::AccountNames;
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Record, Value, Window, each};
use crate::error::Result;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use std::sync::Arc;

/// First day of the month of `d`.
pub(crate) fn month_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// `v` when its edge is known, else absent.
fn known(is_known: bool, v: Value) -> Value {
    if is_known { v } else { Value::Absent }
}

fn growth(start: f64, end: f64) -> Option<f64> {
    (start != 0.0).then(|| (end - start) / start)
}

/// `portfolio_growth`: accounts and MRR at the window's start and end (`accounts_start`,
/// `accounts_end`, `mrr_start`, `mrr_end`) and their growth rates (`account_growth` =
/// (end − start) ÷ start, `mrr_growth` likewise; absent when the start is 0).
///
/// Example: 4 accounts with 100 each in December, 5 accounts with 480 in total in March →
/// account growth 0.25, MRR growth (480 − 400) ÷ 400 = 0.2 for 2025-Q1.
pub struct PortfolioGrowth;
impl Kpi for PortfolioGrowth {
    type State = AccountEdges;
    /// The window's start edge is the month before it.
    const SUBSCRIPTION_LEAD_MONTHS: Option<u32> = Some(1);
    /// Only the window's edge months count.
    const SUBSCRIPTION_EDGE_MONTHS_ONLY: bool = true;
    const OBSERVES_LIKE: Option<&'static str> = Some("account edges");
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![
            ColumnSpec::new("accounts_start", ColumnKind::Int),
            ColumnSpec::new("accounts_end", ColumnKind::Int),
            ColumnSpec::new("account_growth", ColumnKind::Float),
            ColumnSpec::new("mrr_start", ColumnKind::Money),
            ColumnSpec::new("mrr_end", ColumnKind::Money),
            ColumnSpec::new("mrr_growth", ColumnKind::Float),
        ])
    }
    fn observe(s: &mut AccountEdges, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        s.observe(rec, w, ctx)
    }
    fn resolve(s: &mut AccountEdges, names: &Arc<AccountNames>) {
        s.resolve(names)
    }
    fn shares(a: &AccountEdges, b: &AccountEdges) -> bool {
        a.shares(b)
    }
    fn finish(states: &[&AccountEdges], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        let (start_known, end_known) = AccountEdges::known_edges(states);
        let both = start_known && end_known;
        each(states, |s| {
            let (a0, m0, a1, m1) = s.totals()?;
            let mg = m1.0.checked_sub(m0.0).and_then(|d| ratio(d, m0.0));
            Ok(vec![
                known(start_known, Value::count(a0)),
                known(end_known, Value::count(a1)),
                known(both, Value::float(growth(a0 as f64, a1 as f64))),
                known(start_known, Value::Decimal(m0.0)),
                known(end_known, Value::Decimal(m1.0)),
                known(both, Value::float(mg)),
            ])
        })
    }
}

/// `mrr_retention`, over the cohort of accounts active at the window's start: start MRR
/// (`retention_mrr_start`), expansion (Σ end − start where it grew), contraction (Σ start −
/// end where it shrank but stayed > 0), churn (Σ start where the end MRR is 0), new MRR of
/// accounts not active at the start (`mrr_new`, outside the ratios), and
/// * **NRR** = (start + expansion − contraction − churn) ÷ start (`nrr`, may exceed 1),
/// * **GRR** = (start − contraction − churn) ÷ start (`grr`, in [0, 1]),
///
/// absent when no account was active at the start, and — like every value needing an edge
/// month without any row — when the month before the window or its last month has no data
/// at all (module doc). Ratios are exact decimals rounded to 6
/// places. Example: A 100 → 150, B 100 → 50, C 100 → 0, D new 80 → start 300, expansion
/// 50, contraction 50, churn 100, NRR 200 ÷ 300 = 0.666667, GRR 150 ÷ 300 = 0.5.
pub struct MrrRetention;
impl Kpi for MrrRetention {
    type State = AccountEdges;
    /// The window's start edge is the month before it.
    const SUBSCRIPTION_LEAD_MONTHS: Option<u32> = Some(1);
    /// Only the window's edge months count.
    const SUBSCRIPTION_EDGE_MONTHS_ONLY: bool = true;
    const OBSERVES_LIKE: Option<&'static str> = Some("account edges");
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c: Vec<ColumnSpec> = ["retention_mrr_start", "mrr_expansion", "mrr_contraction", "mrr_churned", "mrr_new"]
            .map(|n| ColumnSpec::new(n, ColumnKind::Money))
            .to_vec();
        c.push(ColumnSpec::new("nrr", ColumnKind::Decimal));
        c.push(ColumnSpec::new("grr", ColumnKind::Decimal));
        Ok(c)
    }
    fn observe(s: &mut AccountEdges, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        s.observe(rec, w, ctx)
    }
    fn resolve(s: &mut AccountEdges, names: &Arc<AccountNames>) {
        s.resolve(names)
    }
    fn shares(a: &AccountEdges, b: &AccountEdges) -> bool {
        a.shares(b)
    }
    fn finish(states: &[&AccountEdges], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        let (start_known, end_known) = AccountEdges::known_edges(states);
        let both = start_known && end_known;
        each(states, |s| {
            let [mut start, mut exp, mut contr, mut churn, mut new] = [Sum::default(); 5];
            for e in s.edges()? {
                let (a, b) = (e.start.0, e.end.0);
                if !positive(a) {
                    new.add(if positive(b) { b } else { Decimal::ZERO })?;
                    continue;
                }
                start.add(a)?;
                if !positive(b) {
                    churn.add(a)?;
                } else if b > a {
                    exp.add(b - a)?;
                } else {
                    contr.add(a - b)?;
                }
            }
            let kept = start.0.checked_sub(contr.0).and_then(|x| x.checked_sub(churn.0));
            let nrr = kept.and_then(|k| k.checked_add(exp.0)).and_then(|n| div(n, start.0));
            let grr = kept.and_then(|k| div(k, start.0));
            Ok(vec![
                known(start_known, Value::Decimal(start.0)),
                known(both, Value::Decimal(exp.0)),
                known(both, Value::Decimal(contr.0)),
                known(both, Value::Decimal(churn.0)),
                known(end_known, Value::Decimal(new.0)),
                known(both, Value::decimal(nrr)),
                known(both, Value::decimal(grr)),
            ])
        })
    }
}

/// `account_retention` = accounts active at the window's start and still active at its end ÷
/// accounts active at the start (`account_retention`, with `_n` = accounts at the start,
/// `_lo`, `_hi`), and `accounts_churned`; absent when no account was active at the start, or
/// when either edge month has no data at all (a one-month snapshot: unknown, not 100 % churn).
///
/// Example: 7,043 accounts at the start, 1,869 gone at the end → 5,174 ÷ 7,043 = 0.734630.
pub struct AccountRetention;
impl Kpi for AccountRetention {
    type State = AccountEdges;
    /// The window's start edge is the month before it.
    const SUBSCRIPTION_LEAD_MONTHS: Option<u32> = Some(1);
    /// Only the window's edge months count.
    const SUBSCRIPTION_EDGE_MONTHS_ONLY: bool = true;
    const OBSERVES_LIKE: Option<&'static str> = Some("account edges");
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c = Proportion::columns("account_retention");
        c.push(ColumnSpec::new("accounts_churned", ColumnKind::Int));
        Ok(c)
    }
    fn observe(s: &mut AccountEdges, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        s.observe(rec, w, ctx)
    }
    fn resolve(s: &mut AccountEdges, names: &Arc<AccountNames>) {
        s.resolve(names)
    }
    fn shares(a: &AccountEdges, b: &AccountEdges) -> bool {
        a.shares(b)
    }
    fn finish(states: &[&AccountEdges], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        let (start_known, end_known) = AccountEdges::known_edges(states);
        each(states, |s| {
            let mut p = Proportion::default();
            if start_known && end_known {
                for e in s.edges()?.filter(|e| positive(e.start.0)) {
                    p.add(positive(e.end.0));
                }
            }
            let mut v = p.values(ctx);
            v.push(known(start_known && end_known, Value::count(p.n - p.hits)));
            Ok(v)
        })
    }
}
