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

use super::common::{Proportion, Sum, div, overflow, ratio, state};
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Merge, Record, Value, Window, each};
use crate::error::Result;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// First day of the month of `d`.
pub(crate) fn month_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// `d`'s month as a number (year × 12 + month − 1): consecutive months, consecutive numbers.
#[inline]
pub(crate) fn month_index(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

/// The [`month_index`] of `w`'s two edges: the month of the day before the window, and the
/// month of its last day.
#[inline]
fn edge_months(w: &Window) -> (i32, i32) {
    let (first, last) = (w.start_instant(), w.period.last_day());
    (month_index(first) - i32::from(first.day() == 1), month_index(last))
}

state! {
    /// An account's MRR at the start and at the end of a window.
    pub struct Edges {
        pub start: Sum, pub end: Sum,
        /// Rows of the account that fell in the start month.
        #[serde(default)]
        pub start_rows: super::common::Count,
        /// Rows of the account that fell in the end month.
        #[serde(default)]
        pub end_rows: super::common::Count,
    }
}

/// MRR at the window's edges, per account: by account text — the form a [`crate::Partial`]
/// holds, serializes (as a map from text to [`Edges`], as it always has) and merges — and,
/// while an engine folds, by the engine's number for the account ([`Ctx::account`]): a row
/// then costs a hash of a number, not comparisons of texts. [`Kpi::resolve`] moves the
/// numbered accounts to their texts (adding to an account already there) before the state
/// leaves the engine. The texts are shared ([`Arc`]): the states of every window and metric
/// hold one allocation per account, the engine's.
///
/// Example: folding A (number 1) and B (number 2) fills `folding` {1, 2}; resolved with
/// 1 → "A", 2 → "B", `accounts` is {"A", "B"} and `folding` empty.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AccountEdges {
    /// Per account text.
    pub accounts: BTreeMap<Arc<str>, Edges>,
    /// Per account number of the engine folding (empty outside it: numbers of two engines
    /// must never meet, so only the engine's own states hold any).
    folding: FxHashMap<u32, Edges>,
    /// An account's sums overflowed when its numbered and text-keyed edges were added up in
    /// [`Kpi::resolve`] (which cannot fail): reported by the finish, refused by serialization.
    overflowed: bool,
}
impl Serialize for AccountEdges {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if !self.folding.is_empty() {
            return Err(serde::ser::Error::custom("account edges not resolved to texts (an engine's state serialized)"));
        }
        if self.overflowed {
            return Err(serde::ser::Error::custom("an account's MRR sums overflowed"));
        }
        s.serialize_newtype_struct("AccountEdges", &Texts(&self.accounts))
    }
}
/// The accounts as a map from text to edges (what `BTreeMap<String, Edges>` serializes to).
struct Texts<'a>(&'a BTreeMap<Arc<str>, Edges>);
impl Serialize for Texts<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(a, e)| (&**a, e)))
    }
}
impl<'de> Deserialize<'de> for AccountEdges {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        /// The serialized form: the newtype `AccountEdges(BTreeMap<String, Edges>)` of before.
        #[derive(Deserialize)]
        #[serde(rename = "AccountEdges")]
        struct ByText(BTreeMap<String, Edges>);
        let accounts = ByText::deserialize(d)?.0.into_iter().map(|(a, e)| (Arc::from(a), e)).collect();
        Ok(AccountEdges { accounts, folding: FxHashMap::default(), overflowed: false })
    }
}
impl crate::engine::Check for AccountEdges {
    fn check(&self) -> std::result::Result<(), String> {
        crate::engine::check::each(&self.accounts)?;
        crate::engine::check::each(&self.folding)
    }
}
impl Merge for AccountEdges {
    /// By text, and by number for the numbered accounts (only ever of one engine).
    fn merge(&mut self, o: &Self) -> Result<()> {
        for (a, e) in &o.accounts {
            match self.accounts.get_mut(a) {
                Some(mine) => mine.merge(e)?,
                None => {
                    self.accounts.insert(a.clone(), e.clone());
                }
            }
        }
        for (n, e) in &o.folding {
            self.folding.entry(*n).or_default().merge(e)?;
        }
        self.overflowed |= o.overflowed;
        Ok(())
    }
}

impl AccountEdges {
    /// Folds a subscription month that falls on an edge of `w` (by account number when the
    /// engine gives one, by text otherwise).
    fn observe(&mut self, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Subscription(s) = rec else { return Ok(false) };
        let m = month_index(s.month);
        let (start, end) = edge_months(w);
        if m != start && m != end {
            return Ok(false);
        }
        let mrr = ctx.money(s.mrr, s.month_start())?;
        let e = match ctx.account {
            0 => match self.accounts.get_mut(s.account_id.as_str()) {
                Some(e) => e,
                None => self.accounts.entry(Arc::from(s.account_id.as_str())).or_default(),
            },
            n => self.folding.entry(n).or_default(),
        };
        if m == start {
            e.start.add(mrr)?;
            e.start_rows.inc();
        }
        if m == end {
            e.end.add(mrr)?;
            e.end_rows.inc();
        }
        Ok(true)
    }
    /// Every account's edges (`folding` is empty once resolved, as in every [`crate::Partial`]:
    /// an account is then listed once).
    fn values(&self) -> impl Iterator<Item = &Edges> {
        self.accounts.values().chain(self.folding.values())
    }
    /// Moves the numbered accounts to their texts, `account(n)` being number `n`'s.
    fn resolve(&mut self, account: &dyn Fn(u32) -> Arc<str>) {
        if self.accounts.is_empty() {
            // the engine's case: one sort and a bulk build, not an insertion per account
            self.accounts = self.folding.drain().map(|(n, e)| (account(n), e)).collect();
            return;
        }
        for (n, e) in self.folding.drain() {
            let a = account(n);
            match self.accounts.get_mut(&a) {
                // never for the engine's states (it numbers every subscription month, so they
                // hold no text before this); for a state observed both ways, an overflow of
                // one account's sums (beyond ±7.9e28) is kept for the finish to report
                Some(mine) => {
                    self.overflowed |= mine.merge(&e).is_err();
                }
                None => {
                    self.accounts.insert(a, e);
                }
            }
        }
    }
    /// Every account's edges, or the overflow [`Kpi::resolve`] met.
    fn edges(&self) -> Result<impl Iterator<Item = &Edges>> {
        if self.overflowed {
            return Err(overflow("summing an account's MRR"));
        }
        Ok(self.values())
    }
    /// Whether any account of any of `states` has a row in the start month / in the end month
    /// (see the module doc: an edge without any row is unknown).
    fn known_edges(states: &[&AccountEdges]) -> (bool, bool) {
        let any = |f: fn(&Edges) -> bool| states.iter().any(|s| s.values().any(f));
        (any(|e| e.start_rows.0 > 0), any(|e| e.end_rows.0 > 0))
    }
    /// (accounts active at start, Σ start MRR, accounts active at end, Σ end MRR).
    fn totals(&self) -> Result<(u64, Sum, u64, Sum)> {
        let (mut a0, mut m0, mut a1, mut m1) = (0, Sum::default(), 0, Sum::default());
        for e in self.edges()? {
            if e.start.0 > Decimal::ZERO {
                a0 += 1;
                m0.add(e.start.0)?;
            }
            if e.end.0 > Decimal::ZERO {
                a1 += 1;
                m1.add(e.end.0)?;
            }
        }
        Ok((a0, m0, a1, m1))
    }
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
    fn resolve(s: &mut AccountEdges, account: &dyn Fn(u32) -> Arc<str>) {
        s.resolve(account)
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
    fn resolve(s: &mut AccountEdges, account: &dyn Fn(u32) -> Arc<str>) {
        s.resolve(account)
    }
    fn finish(states: &[&AccountEdges], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        let (start_known, end_known) = AccountEdges::known_edges(states);
        let both = start_known && end_known;
        each(states, |s| {
            let [mut start, mut exp, mut contr, mut churn, mut new] = [Sum::default(); 5];
            for e in s.edges()? {
                let (a, b) = (e.start.0, e.end.0);
                if a <= Decimal::ZERO {
                    new.add(b.max(Decimal::ZERO))?;
                    continue;
                }
                start.add(a)?;
                if b <= Decimal::ZERO {
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
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c = Proportion::columns("account_retention");
        c.push(ColumnSpec::new("accounts_churned", ColumnKind::Int));
        Ok(c)
    }
    fn observe(s: &mut AccountEdges, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        s.observe(rec, w, ctx)
    }
    fn resolve(s: &mut AccountEdges, account: &dyn Fn(u32) -> Arc<str>) {
        s.resolve(account)
    }
    fn finish(states: &[&AccountEdges], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        let (start_known, end_known) = AccountEdges::known_edges(states);
        each(states, |s| {
            let mut p = Proportion::default();
            if start_known && end_known {
                for e in s.edges()?.filter(|e| e.start.0 > Decimal::ZERO) {
                    p.add(e.end.0 > Decimal::ZERO);
                }
            }
            let mut v = p.values(ctx);
            v.push(known(start_known && end_known, Value::count(p.n - p.hits)));
            Ok(v)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The state serializes as the `AccountEdges(BTreeMap<String, Edges>)` it was before
    /// accounts were numbered while folding (JSON and the binary form alike), and reads back.
    #[test]
    fn serializes_as_the_map_by_text_it_always_was() {
        #[derive(Serialize)]
        struct AccountEdges(BTreeMap<String, Edges>);
        let mut e = Edges::default();
        e.start.add(Decimal::new(12_345, 2)).unwrap();
        e.start_rows.inc();
        let old = AccountEdges([("A2".to_string(), e.clone()), ("A10".to_string(), Edges::default())].into());
        let mut new = super::AccountEdges::default();
        new.folding.insert(7, e);
        new.folding.insert(3, Edges::default());
        assert!(serde_json::to_string(&new).is_err(), "numbers cannot leave the engine");
        new.resolve(&|n| Arc::from(if n == 7 { "A2" } else { "A10" }));
        assert_eq!(serde_json::to_string(&new).unwrap(), serde_json::to_string(&old).unwrap());
        assert_eq!(postcard::to_stdvec(&new).unwrap(), postcard::to_stdvec(&old).unwrap());
        let back: super::AccountEdges = postcard::from_bytes(&postcard::to_stdvec(&old).unwrap()).unwrap();
        assert_eq!(back, new);
    }

    /// An account held both by text and by number whose sums overflow when resolved: the
    /// finish reports the overflow, and the state refuses to serialize (nothing is dropped).
    #[test]
    fn an_overflow_while_resolving_is_reported_not_dropped() {
        let mut big = Edges::default();
        big.start.add(Decimal::MAX).unwrap();
        big.start_rows.inc();
        let mut s = AccountEdges::default();
        s.accounts.insert(Arc::from("A"), big.clone());
        s.folding.insert(1, big);
        s.resolve(&|_| Arc::from("A"));
        let e = s.totals().expect_err("the overflow is reported");
        assert!(e.to_string().contains("overflow"), "{e}");
        assert!(serde_json::to_string(&s).is_err());
        let mut merged = AccountEdges::default();
        merged.merge(&s).unwrap();
        assert!(merged.totals().is_err(), "a merge keeps the overflow");
    }
}
