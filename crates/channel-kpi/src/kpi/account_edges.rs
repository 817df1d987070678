//! [`AccountEdges`]: the per-account state of the subscription KPIs (`kpi/retention.rs`):
//! each account's MRR at a window's two edges, kept by the engine's account numbers while it
//! folds and in the partials it gives, by text when serialized or merged with a partial
//! numbered otherwise.

use super::account_log::ByNumber;
use super::common::state;
use super::common::{Sum, overflow};
use crate::domain::AccountNames;
use crate::engine::{Ctx, Merge, Record, Window};
use crate::error::Result;
use chrono::{Datelike, NaiveDate};
#[cfg(test)]
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// `d`'s month as a number (year × 12 + month − 1): consecutive months, consecutive numbers.
#[inline]
pub(crate) fn month_index(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

/// The [`month_index`] of `w`'s two edges: the month of the day before the window, and the
/// month of its last day.
#[inline]
pub(crate) fn edge_months(w: &Window) -> (i32, i32) {
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

/// MRR at the window's edges, per account: by account text, or by number — the engine's
/// numbers for accounts ([`Ctx::account`]): a row then costs a hash of a number, not
/// comparisons of texts. [`crate::engine::Kpi::resolve`] hands the state the engine's [`AccountNames`] as
/// it leaves the engine, and the [`crate::Partial`] keeps the numbers: partials whose states
/// share one names value (the engines of one dataset folded on several threads) merge by
/// number; any other merge turns both sides to texts first. Serialized, the state is a map
/// from text to [`Edges`], as it always was (texts sorted, numbers never written).
///
/// Once out of the engine an account is held one way only: every account by number, or every
/// one by text.
///
/// Example: folding A (number 1) and B (number 2) fills `numbered` {1, 2}; told the names
/// 1 → "A", 2 → "B", it serializes as {"A": …, "B": …}, and merges by number with a state
/// told the same names.
#[derive(Clone, Debug, Default)]
pub struct AccountEdges {
    /// Per account text.
    pub accounts: BTreeMap<Arc<str>, Edges>,
    /// Per account number: of the engine folding while `names` is `None` (numbers of two
    /// engines never meet: only an engine's own states hold numbers without names), of
    /// `names` after (compacted then: [`ByNumber::compact`]).
    numbered: ByNumber,
    /// What the numbers are ([`crate::engine::Kpi::resolve`]).
    names: Option<Arc<AccountNames>>,
    /// An account's sums overflowed when its numbered and text-keyed edges were added up
    /// (in [`crate::engine::Kpi::resolve`] or a merge by text): reported by the finish, refused by
    /// serialization.
    overflowed: bool,
}
impl Serialize for AccountEdges {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if self.overflowed {
            return Err(serde::ser::Error::custom("an account's MRR sums overflowed"));
        }
        if self.numbered.is_empty() {
            return s.serialize_newtype_struct("AccountEdges", &Texts(&self.accounts));
        }
        let by_text = self.by_text().map_err(serde::ser::Error::custom)?;
        s.serialize_newtype_struct("AccountEdges", &Texts(&by_text))
    }
}
/// The accounts as a map from text to edges (what `BTreeMap<String, Edges>` serializes to).
struct Texts<'a, K: std::ops::Deref<Target = str> + Ord>(&'a BTreeMap<K, Edges>);
impl<K: std::ops::Deref<Target = str> + Ord> Serialize for Texts<'_, K> {
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
        Ok(AccountEdges { accounts, ..Default::default() })
    }
}
impl PartialEq for AccountEdges {
    /// Equal accounts with equal edges, whichever way each side holds them.
    fn eq(&self, o: &Self) -> bool {
        if self.overflowed != o.overflowed {
            return false;
        }
        // a side without accounts (a fresh state: the finish asks this of every cell) equals
        // only another without any, with no texts looked up (by text, each compare built a
        // map of every account: a fifth of a customer-success query on 100 k accounts)
        let empty = |e: &Self| e.accounts.is_empty() && e.numbered.is_empty();
        if empty(self) || empty(o) {
            return empty(self) && empty(o);
        }
        if AccountNames::same(&self.names, &o.names) && self.accounts == o.accounts && self.numbered == o.numbered {
            return true;
        }
        matches!((self.by_text(), o.by_text()), (Ok(a), Ok(b)) if a == b)
    }
}
impl crate::engine::Check for AccountEdges {
    fn check(&self) -> std::result::Result<(), String> {
        crate::engine::check::each(&self.accounts)?;
        crate::engine::check::each(self.numbered.iter())?;
        match &self.names {
            Some(names) if self.numbered.iter().any(|(n, _)| names.text(n).is_none()) => Err("an account number without a name".into()),
            _ => Ok(()),
        }
    }
}
impl Merge for AccountEdges {
    /// By number when both sides hold every account by number of one names value (or of one
    /// engine), by text otherwise.
    fn merge(&mut self, o: &Self) -> Result<()> {
        self.overflowed |= o.overflowed;
        if o.accounts.is_empty() && o.numbered.is_empty() {
            return Ok(());
        }
        if self.accounts.is_empty() && self.numbered.is_empty() {
            (self.accounts, self.numbered, self.names) = (o.accounts.clone(), o.numbered.clone(), o.names.clone());
            return Ok(());
        }
        if self.accounts.is_empty() && o.accounts.is_empty() && AccountNames::same(&self.names, &o.names) {
            return self.numbered.add(&o.numbered);
        }
        self.name_accounts();
        for (a, e) in &o.accounts {
            self.add_text(a.clone(), e)?;
        }
        match &o.names {
            Some(names) => {
                for (n, e) in o.numbered.iter() {
                    self.add_text(name(names, n), e)?;
                }
            }
            // an engine's own states (numbers of that engine on both sides)
            None => self.numbered.add(&o.numbered)?,
        }
        Ok(())
    }
}

/// The text of number `n` of `names`, shared ("" for a number without a name, which
/// [`crate::engine::Check`] refuses in a decoded state and an engine never gives).
fn name(names: &AccountNames, n: u32) -> Arc<str> {
    Arc::from(names.text(n).unwrap_or(""))
}

impl AccountEdges {
    /// Folds a subscription month that falls on an edge of `w` (by account number when the
    /// engine gives one, by text otherwise).
    pub(super) fn observe(&mut self, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Subscription(s) = rec else { return Ok(false) };
        let m = month_index(s.month);
        let (start, end) = edge_months(w);
        if m != start && m != end {
            return Ok(false);
        }
        let mrr = ctx.money(s.mrr, s.month_start())?;
        let add = |e: &mut Edges| -> Result<()> {
            if m == start {
                e.start.add(mrr)?;
                e.start_rows.inc();
            }
            if m == end {
                e.end.add(mrr)?;
                e.end_rows.inc();
            }
            Ok(())
        };
        match ctx.account {
            0 => match self.accounts.get_mut(s.account_id.as_str()) {
                Some(e) => add(e)?,
                None => add(self.accounts.entry(Arc::from(s.account_id.as_str())).or_default())?,
            },
            n => self.numbered.add_row(n, add)?,
        }
        Ok(true)
    }
    /// Every account's edges (an account is listed once out of the engine: held one way).
    pub(super) fn values(&self) -> impl Iterator<Item = &Edges> {
        self.accounts.values().chain(self.numbered.values())
    }
    /// Told what the numbers are: kept by number (compacted: each account once, in order),
    /// unless accounts are held by text too (a state observed both ways), which then all go by
    /// text. An overflow adding an account's entries up is kept for the finish to report.
    pub(super) fn resolve(&mut self, names: &Arc<AccountNames>) {
        if self.numbered.is_empty() {
            return;
        }
        self.overflowed |= self.numbered.share().is_err();
        self.names = Some(names.clone());
        if !self.accounts.is_empty() {
            self.name_accounts();
        }
    }
    /// Moves the accounts held by number to their texts (adding to an account already there;
    /// an overflow is kept for the finish to report). Numbers without names (an engine's own
    /// state) stay.
    fn name_accounts(&mut self) {
        let Some(names) = self.names.take() else { return };
        for (n, e) in self.numbered.take() {
            match self.accounts.get_mut(names.text(n).unwrap_or("")) {
                Some(mine) => self.overflowed |= mine.merge(&e).is_err(),
                None => {
                    self.accounts.insert(name(&names, n), e);
                }
            }
        }
    }
    /// Whether `self` is a copy of `o` sharing its accounts (both held by number only, of one
    /// names value): then equal, and a merge into one is the same merge into the other.
    pub(super) fn shares(&self, o: &AccountEdges) -> bool {
        self.accounts.is_empty()
            && o.accounts.is_empty()
            && self.overflowed == o.overflowed
            && AccountNames::same(&self.names, &o.names)
            && self.numbered.shares(&o.numbered)
    }
    /// Adds `e` to account `a` held by text.
    fn add_text(&mut self, a: Arc<str>, e: &Edges) -> Result<()> {
        match self.accounts.get_mut(&a) {
            Some(mine) => mine.merge(e),
            None => {
                self.accounts.insert(a, e.clone());
                Ok(())
            }
        }
    }
    /// Every account's edges by text (those held by number named), or why not: a number
    /// without names or a name, an overflow adding an account's two ways up.
    fn by_text(&self) -> std::result::Result<BTreeMap<&str, Edges>, String> {
        let mut out: BTreeMap<&str, Edges> = self.accounts.iter().map(|(a, e)| (&**a, e.clone())).collect();
        if self.numbered.is_empty() {
            return Ok(out);
        }
        let Some(names) = &self.names else { return Err("account edges not resolved to texts (an engine's state serialized)".into()) };
        for (n, e) in self.numbered.iter() {
            let a = names.text(n).ok_or("an account number without a name")?;
            out.entry(a).or_default().merge(e).map_err(|e| e.to_string())?;
        }
        Ok(out)
    }
    /// Every account's edges, or the overflow [`crate::engine::Kpi::resolve`] met.
    pub(super) fn edges(&self) -> Result<impl Iterator<Item = &Edges>> {
        if self.overflowed {
            return Err(overflow("summing an account's MRR"));
        }
        Ok(self.values())
    }
    /// Whether any account of any of `states` has a row in the start month / in the end month
    /// (see the module doc: an edge without any row is unknown).
    pub(super) fn known_edges(states: &[&AccountEdges]) -> (bool, bool) {
        let any = |f: fn(&Edges) -> bool| states.iter().any(|s| s.values().any(f));
        (any(|e| e.start_rows.0 > 0), any(|e| e.end_rows.0 > 0))
    }
    /// (accounts active at start, Σ start MRR, accounts active at end, Σ end MRR).
    pub(super) fn totals(&self) -> Result<(u64, Sum, u64, Sum)> {
        let (mut a0, mut m0, mut a1, mut m1) = (0, Sum::default(), 0, Sum::default());
        for e in self.edges()? {
            if super::exact_add::positive(e.start.0) {
                a0 += 1;
                m0.add(e.start.0)?;
            }
            if super::exact_add::positive(e.end.0) {
                a1 += 1;
                m1.add(e.end.0)?;
            }
        }
        Ok((a0, m0, a1, m1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names where 3 is "A10" and 7 is "A2" (the others unused).
    fn names() -> Arc<AccountNames> {
        Arc::new(AccountNames::from_texts(["x1", "x2", "A10", "x4", "x5", "x6", "A2"]))
    }

    fn edges(start: i64, end: i64) -> Edges {
        let mut e = Edges::default();
        for (sum, rows, v) in [(&mut e.start, &mut e.start_rows, start), (&mut e.end, &mut e.end_rows, end)] {
            if v > 0 {
                sum.add(Decimal::new(v, 2)).unwrap();
                rows.inc();
            }
        }
        e
    }

    /// The state serializes as the `AccountEdges(BTreeMap<String, Edges>)` it was before
    /// accounts were numbered (JSON and the binary form alike), kept by number or not, and
    /// reads back equal.
    #[test]
    fn serializes_as_the_map_by_text_it_always_was() {
        #[derive(Serialize)]
        struct AccountEdges(BTreeMap<String, Edges>);
        let e = edges(12_345, 0);
        let old = AccountEdges([("A2".to_string(), e.clone()), ("A10".to_string(), Edges::default())].into());
        let mut new = super::AccountEdges::default();
        new.numbered.entry(7).unwrap().merge(&e).unwrap();
        new.numbered.entry(3).unwrap();
        assert!(serde_json::to_string(&new).is_err(), "numbers without names cannot leave the engine");
        new.resolve(&names());
        assert!(!new.numbered.is_empty(), "kept by number");
        assert_eq!(serde_json::to_string(&new).unwrap(), serde_json::to_string(&old).unwrap());
        assert_eq!(postcard::to_stdvec(&new).unwrap(), postcard::to_stdvec(&old).unwrap());
        let back: super::AccountEdges = postcard::from_bytes(&postcard::to_stdvec(&old).unwrap()).unwrap();
        assert!(back.numbered.is_empty(), "read back by text");
        assert_eq!(back, new);
        let mut other = new.clone();
        other.numbered.entry(3).unwrap().merge(&edges(1, 0)).unwrap();
        assert_ne!(other, new);
        assert_ne!(back, other);
    }

    /// A fresh state equals only another fresh one, whichever way the other holds its
    /// accounts (by number with names, by number without, by text), even all of them zero.
    #[test]
    fn a_fresh_state_equals_only_a_fresh_one() {
        let fresh = AccountEdges::default();
        assert_eq!(fresh, AccountEdges::default());
        let mut numbered = AccountEdges::default();
        numbered.numbered.entry(3).unwrap();
        assert_ne!(numbered, fresh, "numbers without names");
        assert_ne!(fresh, numbered);
        numbered.resolve(&names());
        assert_ne!(numbered, fresh, "an account with no MRR is still an account");
        assert_ne!(fresh, numbered);
        let mut by_text = AccountEdges::default();
        by_text.accounts.insert(Arc::from("A10"), Edges::default());
        assert_ne!(by_text, fresh);
        assert_ne!(fresh, by_text);
        assert_eq!(by_text, numbered, "the same account, held either way");
    }

    /// An account held both by text and by number whose sums overflow when resolved: the
    /// finish reports the overflow, and the state refuses to serialize (nothing is dropped).
    #[test]
    fn an_overflow_while_resolving_is_reported_not_dropped() {
        let mut big = Edges::default();
        big.start.add(Decimal::MAX).unwrap();
        big.start_rows.inc();
        let mut s = AccountEdges::default();
        s.accounts.insert(Arc::from("A10"), big.clone());
        s.numbered.entry(3).unwrap().merge(&big).unwrap();
        s.resolve(&names());
        let e = s.totals().expect_err("the overflow is reported");
        assert!(e.to_string().contains("overflow"), "{e}");
        assert!(serde_json::to_string(&s).is_err());
        let mut merged = AccountEdges::default();
        merged.merge(&s).unwrap();
        assert!(merged.totals().is_err(), "a merge keeps the overflow");
    }

    /// States told one shared names value merge by number; told equal copies, or read back
    /// from bytes, by text — with the same result in any order, equal to the one state that
    /// saw every account.
    #[test]
    fn merges_by_number_or_by_text_alike_in_any_order() {
        let shared = names();
        let part = |rows: &[(u32, i64, i64)], names: &Arc<AccountNames>| {
            let mut s = AccountEdges::default();
            for &(n, a, b) in rows {
                s.numbered.entry(n).unwrap().merge(&edges(a, b)).unwrap();
            }
            s.resolve(names);
            s
        };
        let (a, b) = (&[(3, 100, 50), (7, 10, 0)][..], &[(7, 5, 20), (1, 0, 30)][..]);
        let whole = part(&[(3, 100, 50), (7, 10, 0), (7, 5, 20), (1, 0, 30)], &shared);
        let copy = Arc::new((*shared).clone());
        let decoded = |s: &AccountEdges| -> AccountEdges { postcard::from_bytes(&postcard::to_stdvec(s).unwrap()).unwrap() };
        for (x, y) in [
            (part(a, &shared), part(b, &shared)),
            (part(a, &shared), part(b, &copy)),
            (decoded(&part(a, &shared)), part(b, &shared)),
            (part(a, &copy), decoded(&part(b, &shared))),
        ] {
            for (first, second) in [(&x, &y), (&y, &x)] {
                let mut m = AccountEdges::default();
                m.merge(first).unwrap();
                m.merge(second).unwrap();
                assert_eq!(m, whole);
                assert_eq!(serde_json::to_string(&m).unwrap(), serde_json::to_string(&whole).unwrap());
                assert!(m.accounts.is_empty() || m.numbered.is_empty(), "held one way");
                let (t, w) = (m.totals().unwrap(), whole.totals().unwrap());
                assert_eq!((t.0, t.1.0, t.2, t.3.0), (w.0, w.1.0, w.2, w.3.0));
            }
        }
        // a copy shares the resolved state; merged with another pair of copies, it merges alike
        let (x, y) = (part(a, &shared), part(b, &shared));
        let (x2, y2) = (x.clone(), y.clone());
        assert!(x.shares(&x2) && y.shares(&y2) && !x.shares(&y));
        let (mut m, mut m2) = (x, x2);
        m.merge(&y).unwrap();
        m2.merge(&y2).unwrap();
        assert!(!m.shares(&m2), "two merges, two results");
        assert_eq!((&m, &m2), (&whole, &whole));
        let mut by_number = part(a, &shared);
        by_number.merge(&part(b, &shared)).unwrap();
        assert!(by_number.accounts.is_empty(), "one shared names value: merged by number");
    }
}
