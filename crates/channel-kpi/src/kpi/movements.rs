//! Section 5 of the catalog, subscription revenue movements (`mrr_movements`): how MRR moved
//! month by month inside a window — new, expansion, contraction, churn, reactivation — with net
//! new MRR, ARR, the quick ratio and churn rates, as ChartMogul and Baremetrics report them
//! (docs/kpis.md compares the definitions).
//!
//! Each account's MRR in each month is the sum of its subscription rows of that month
//! (contracts are expanded into such rows by the engine). For every month M of the window, an
//! account's MRR in M is compared with its MRR in the month before:
//!
//! * 0 → > 0: **new** when the account never had MRR > 0 before, else **reactivation** (it
//!   returns after at least one month at zero);
//! * > 0 → 0: **churn** (the MRR of the month before);
//! * > 0 → more: **expansion** (the increase); > 0 → less but > 0: **contraction**.
//!
//! Movements add up over the window's months, so `ending_mrr` = `starting_mrr` + `net_new_mrr`
//! exactly. The state keeps, per account, its MRR in each month from the month before the
//! window to its last month, and the first month it had MRR > 0 before that (to tell a
//! reactivation from a new account): exact, and mergeable per account.
//!
//! **Months without data.** A month in which no subscription row of the whole result falls says
//! nothing (an export that stops, a gap). From the first month with data on, every month through
//! the window's last month must have data, else every value of the window is absent, never a
//! wave of churn. Months before the first month with data are zero: at the start of the history
//! every account is new, as in any MRR report that starts with the import.
//!
//! ```
//! use channel_kpi::{Dataset, Metric, Period, Query, SubscriptionMonth};
//! let day = |s: &str| s.parse().unwrap();
//! let mut data = Dataset::default();
//! // A: 100 in January, 150 in February (expansion). B: 100 in January, gone in February (churn).
//! for (acc, month, mrr) in [("A", "2025-01-01", "100"), ("A", "2025-02-01", "150"), ("B", "2025-01-01", "100")] {
//!     data.subscriptions.push(SubscriptionMonth::new(acc, day(month), format!("{mrr} USD").parse().unwrap()));
//! }
//! let t = data.run(&Query::new(vec![Metric::MrrMovements], Period::parse("2025-02").unwrap())).unwrap();
//! assert_eq!(t.value(0, "expansion_mrr").unwrap().to_string(), "50");
//! assert_eq!(t.value(0, "churned_mrr").unwrap().to_string(), "100");
//! assert_eq!(t.value(0, "net_new_mrr").unwrap().to_string(), "-50");
//! assert_eq!(t.value(0, "quick_ratio").unwrap().to_string(), "0.5"); // 50 ÷ 100
//! assert_eq!(t.value(0, "logo_churn_rate").unwrap().as_f64(), Some(0.5));
//! ```

use super::common::{Count, Sum, div, state};
use super::retention::month_of;
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Merge, Record, Value, Window, each};
use crate::error::Result;
use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One account's MRR per month in a window's range, and whether it had MRR before.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountMonths {
    /// The first month with MRR > 0 before the month before the window.
    #[serde(default)]
    pub first_before: Option<NaiveDate>,
    /// MRR per month, from the month before the window to its last month.
    pub mrr: BTreeMap<NaiveDate, Sum>,
}
impl crate::engine::Check for AccountMonths {
    fn check(&self) -> std::result::Result<(), String> {
        crate::engine::check::ensure(self.mrr.values().all(|s| !s.0.is_sign_negative() || s.0.is_zero()), || "negative MRR".into())
    }
}
impl Merge for AccountMonths {
    fn merge(&mut self, o: &Self) -> Result<()> {
        self.first_before = match (self.first_before, o.first_before) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        for (m, s) in &o.mrr {
            self.mrr.entry(*m).or_default().merge(s)?;
        }
        Ok(())
    }
}

/// Months with any subscription row (of any account), and whether any row came before.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MonthsSeen {
    /// Months of the window's range with a row.
    pub months: BTreeSet<NaiveDate>,
    /// Rows before the month before the window.
    pub before: Count,
}
impl crate::engine::Check for MonthsSeen {
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}
impl Merge for MonthsSeen {
    fn merge(&mut self, o: &Self) -> Result<()> {
        self.months.extend(o.months.iter().copied());
        self.before.merge(&o.before)
    }
}

/// [`AccountMonths`] per account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Accounts(pub BTreeMap<String, AccountMonths>);
impl crate::engine::Check for Accounts {
    fn check(&self) -> std::result::Result<(), String> {
        crate::engine::check::each(&self.0)
    }
}
impl Merge for Accounts {
    fn merge(&mut self, o: &Self) -> Result<()> {
        for (a, m) in &o.0 {
            self.0.entry(a.clone()).or_default().merge(m)?;
        }
        Ok(())
    }
}

state! {
    /// Per-account monthly MRR of a window (and the month before it), and the months with data.
    pub struct MovementState { pub accounts: Accounts, pub seen: MonthsSeen }
}

impl MovementState {
    /// Folds a subscription row: its MRR when its month is in `first..=last`, the account's
    /// first active month when before `first`; later months are not this state's.
    pub(crate) fn observe_months(&mut self, rec: &Record, first: NaiveDate, last: NaiveDate, ctx: &Ctx) -> Result<bool> {
        let Record::Subscription(r) = rec else { return Ok(false) };
        let m = r.month_start();
        if m > last {
            return Ok(false);
        }
        if m < first {
            self.seen.before.inc();
            if r.mrr.amount > Decimal::ZERO {
                let a = self.accounts.0.entry(r.account_id.clone()).or_default();
                a.first_before = Some(a.first_before.map_or(m, |f| f.min(m)));
            }
            return Ok(true);
        }
        let mrr = ctx.money(r.mrr, m)?;
        self.accounts.0.entry(r.account_id.clone()).or_default().mrr.entry(m).or_default().add(mrr)?;
        self.seen.months.insert(m);
        Ok(true)
    }
}

/// The month before the window and the window's last month.
pub(crate) fn window_months(w: &Window) -> (NaiveDate, NaiveDate) {
    let last = month_of(w.period.last_day());
    let before = w.start_instant().checked_sub_days(Days::new(1)).map_or(month_of(w.start_instant()), month_of);
    (before, last)
}

/// Every month from `first` to `last`, both included.
pub(crate) fn months_between(first: NaiveDate, last: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    std::iter::successors(Some(first), |m| m.checked_add_months(Months::new(1))).take_while(move |m| *m <= last)
}

/// Whether every month from the first month with data (or from `first`, when rows came before
/// it) through `last` has data in some state: the window is then known.
pub(crate) fn known(seen: &[&MonthsSeen], first: NaiveDate, last: NaiveDate) -> bool {
    let all: BTreeSet<NaiveDate> = seen.iter().flat_map(|s| s.months.iter().copied()).collect();
    let from = if seen.iter().any(|s| s.before.0 > 0) { Some(first) } else { all.iter().next().copied() };
    from.is_some_and(|from| months_between(from, last).all(|m| all.contains(&m)))
}

/// Totals of one group's movements over a window.
#[derive(Default)]
struct Totals {
    new: Sum,
    expansion: Sum,
    contraction: Sum,
    churn: Sum,
    reactivation: Sum,
    start: Sum,
    end: Sum,
    new_n: u64,
    reactivated_n: u64,
    churned_n: u64,
    start_n: u64,
    end_n: u64,
}

impl Totals {
    fn of(s: &MovementState, first: NaiveDate, last: NaiveDate) -> Result<Totals> {
        let mut t = Totals::default();
        let months: Vec<NaiveDate> = months_between(first, last).collect();
        for acc in s.accounts.0.values() {
            let at = |m: &NaiveDate| acc.mrr.get(m).map_or(Decimal::ZERO, |s| s.0);
            let mut active_before = acc.first_before.is_some();
            for pair in months.windows(2) {
                let (prev, cur) = (at(&pair[0]), at(&pair[1]));
                let (was, is) = (prev > Decimal::ZERO, cur > Decimal::ZERO);
                match (was, is) {
                    (false, true) if active_before => {
                        t.reactivation.add(cur)?;
                        t.reactivated_n += 1;
                    }
                    (false, true) => {
                        t.new.add(cur)?;
                        t.new_n += 1;
                    }
                    (true, false) => {
                        t.churn.add(prev)?;
                        t.churned_n += 1;
                    }
                    (true, true) if cur > prev => t.expansion.add(cur - prev)?,
                    (true, true) if cur < prev => t.contraction.add(prev - cur)?,
                    _ => {}
                }
                active_before |= was;
            }
            let (a, b) = (at(&first), at(&last));
            if a > Decimal::ZERO {
                t.start.add(a)?;
                t.start_n += 1;
            }
            if b > Decimal::ZERO {
                t.end.add(b)?;
                t.end_n += 1;
            }
        }
        Ok(t)
    }
}

/// `mrr_movements`: per window and group, summed over the window's months —
/// `new_mrr`, `expansion_mrr`, `contraction_mrr`, `churned_mrr`, `reactivation_mrr`,
/// `net_new_mrr` (= new + expansion + reactivation − contraction − churn), `starting_mrr` (MRR
/// of the month before the window), `ending_mrr` (of its last month; = starting + net new),
/// `arr` (12 × ending MRR), `quick_ratio` ((new + expansion + reactivation) ÷ (contraction +
/// churn); absent when nothing was lost), account counts (`new_accounts`,
/// `reactivated_accounts`, `churned_accounts` — events, `starting_accounts`,
/// `ending_accounts`), `logo_churn_rate` (churned accounts ÷ starting accounts),
/// `gross_mrr_churn_rate` ((churn + contraction) ÷ starting MRR) and `net_mrr_churn_rate`
/// ((churn + contraction − expansion − reactivation) ÷ starting MRR; negative when existing
/// customers grew). Rates are absent when the start is 0; money ratios are exact decimals
/// rounded to 6 places. Every value is absent when a month the window needs has no data (module
/// doc).
pub struct MrrMovements;
impl Kpi for MrrMovements {
    type State = MovementState;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let money = ["new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr", "reactivation_mrr", "net_new_mrr", "starting_mrr"];
        let mut c: Vec<ColumnSpec> = money.iter().chain(&["ending_mrr", "arr"]).map(|n| ColumnSpec::new(*n, ColumnKind::Money)).collect();
        c.push(ColumnSpec::new("quick_ratio", ColumnKind::Decimal));
        for n in ["new_accounts", "reactivated_accounts", "churned_accounts", "starting_accounts", "ending_accounts"] {
            c.push(ColumnSpec::new(n, ColumnKind::Int));
        }
        c.push(ColumnSpec::new("logo_churn_rate", ColumnKind::Float));
        c.push(ColumnSpec::new("gross_mrr_churn_rate", ColumnKind::Decimal));
        c.push(ColumnSpec::new("net_mrr_churn_rate", ColumnKind::Decimal));
        Ok(c)
    }
    fn observe(s: &mut MovementState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let (first, last) = window_months(w);
        s.observe_months(rec, first, last, ctx)
    }
    fn finish(states: &[&MovementState], w: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        let (first, last) = window_months(w);
        let seen: Vec<&MonthsSeen> = states.iter().map(|s| &s.seen).collect();
        let is_known = known(&seen, first, last);
        each(states, |s| {
            let width = 18;
            if !is_known {
                return Ok(vec![Value::Absent; width]);
            }
            let t = Totals::of(s, first, last)?;
            let mut gained = t.new;
            gained.add(t.expansion.0)?;
            gained.add(t.reactivation.0)?;
            let mut lost = t.contraction;
            lost.add(t.churn.0)?;
            let (gained, lost) = (gained.0, lost.0);
            let net = gained.checked_sub(lost);
            let net_lost = lost.checked_sub(t.expansion.0).and_then(|x| x.checked_sub(t.reactivation.0));
            let money = |d: Decimal| Value::Decimal(d);
            Ok(vec![
                money(t.new.0),
                money(t.expansion.0),
                money(t.contraction.0),
                money(t.churn.0),
                money(t.reactivation.0),
                Value::decimal(net),
                money(t.start.0),
                money(t.end.0),
                Value::decimal(t.end.0.checked_mul(Decimal::from(12))),
                Value::decimal(div(gained, lost)),
                Value::count(t.new_n),
                Value::count(t.reactivated_n),
                Value::count(t.churned_n),
                Value::count(t.start_n),
                Value::count(t.end_n),
                Value::float((t.start_n > 0).then(|| t.churned_n as f64 / t.start_n as f64)),
                Value::decimal(div(lost, t.start.0)),
                Value::decimal(net_lost.and_then(|x| div(x, t.start.0))),
            ])
        })
    }
}
