//! Building blocks of partial states: counters, exact sums, day histograms, proportions.
//! All merge exactly and associatively.

use crate::engine::{ColumnKind, ColumnSpec, Ctx, Merge, Value};
use crate::error::{Error, Location, Result};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Decimal places of money averages and ratios of money (rounded half to even).
pub const MONEY_SCALE: u32 = 6;

/// Defines a partial-state struct whose `merge` merges field by field.
/// `check(s) { cond, "message"; … }` adds invariants between the fields to the field-by-field
/// [`crate::engine::Check`].
macro_rules! state {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $f:ident : $t:ty),* $(,)? }
     $(check($s:ident) { $($cond:expr, $msg:literal;)+ })?) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[allow(missing_docs)]
        pub struct $name { $($(#[$fm])* pub $f: $t),* }
        impl $crate::engine::Merge for $name {
            fn merge(&mut self, o: &Self) -> $crate::error::Result<()> {
                $(self.$f.merge(&o.$f)?;)*
                Ok(())
            }
        }
        impl $crate::engine::Check for $name {
            fn check(&self) -> ::std::result::Result<(), String> {
                $($crate::engine::Check::check(&self.$f).map_err(|e| format!("{}: {e}", stringify!($f)))?;)*
                $(let $s = self; $(if !($cond) { return Err($msg.to_string()); })+)?
                Ok(())
            }
        }
    };
}
pub(crate) use state;

/// A count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count(pub u64);
impl Count {
    /// Adds one.
    pub fn inc(&mut self) {
        self.0 += 1;
    }
}
impl crate::engine::Check for Count {
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}
impl Merge for Count {
    fn merge(&mut self, o: &Self) -> Result<()> {
        self.0 = self.0.checked_add(o.0).ok_or_else(|| overflow("adding counts"))?;
        Ok(())
    }
}

/// An exact money sum (the engine guarantees one currency).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sum(#[serde(with = "rust_decimal::serde::str")] pub Decimal);
impl Sum {
    /// Adds an amount; overflow is an error, never a wrap.
    #[inline]
    pub fn add(&mut self, x: Decimal) -> Result<()> {
        self.0 = super::exact_add::checked_add(self.0, x).ok_or_else(|| overflow("summing amounts"))?;
        Ok(())
    }
}
impl crate::engine::Check for Sum {
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}
impl Merge for Sum {
    fn merge(&mut self, o: &Self) -> Result<()> {
        self.add(o.0)
    }
}

/// Integer-valued observations (days) as a histogram: exact mean and median, memory bounded
/// by the number of distinct values. Held as `(value, count)` pairs sorted by value in one
/// vector (the statistics are one linear scan; histograms arrive sorted from the columnar
/// path), serialized as a map from value to count.
///
/// ```
/// use channel_kpi::kpi::common::Days;
/// let mut d = Days::default();
/// for x in [3, 1, 3, 10] {
///     d.add(x);
/// }
/// assert_eq!((d.count(), d.sum(), d.get(3)), (4, 17, 2));
/// assert_eq!((d.mean(), d.median()), (Some(4.25), Some(3.0)));
/// d.add(11);
/// assert_eq!(d.median(), Some(3.0)); // 1 3 3 10 11
/// d.add(12);
/// assert_eq!(d.median(), Some(6.5)); // 1 3 3 | 10 11 12: (3 + 10) / 2
/// assert_eq!(Days::default().median(), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "BTreeMap<i64, u64>", into = "BTreeMap<i64, u64>")]
pub struct Days(Vec<(i64, u64)>);
impl From<BTreeMap<i64, u64>> for Days {
    fn from(m: BTreeMap<i64, u64>) -> Self {
        Days(m.into_iter().filter(|(_, n)| *n > 0).collect())
    }
}
impl From<Days> for BTreeMap<i64, u64> {
    fn from(d: Days) -> Self {
        d.0.into_iter().collect()
    }
}
impl Days {
    /// Adds one observation.
    pub fn add(&mut self, d: i64) {
        self.add_n(d, 1);
    }
    /// Adds `n` observations of `d`.
    pub fn add_n(&mut self, d: i64, n: u64) {
        if n == 0 {
            return;
        }
        match self.0.binary_search_by_key(&d, |(x, _)| *x) {
            Ok(i) => self.0[i].1 += n,
            Err(i) => self.0.insert(i, (d, n)),
        }
    }
    /// Adds `(value, count)` pairs: when sorted by value (as a histogram is), by one merge of
    /// two sorted lists; else one by one.
    pub fn add_sorted(&mut self, pairs: &[(i64, u64)]) {
        // Nothing, or one value (a single deal's tally): no list to rebuild.
        if let [] | [_] = pairs {
            pairs.iter().for_each(|&(d, n)| self.add_n(d, n));
            return;
        }
        if !pairs.windows(2).all(|w| w[0].0 < w[1].0) {
            pairs.iter().for_each(|&(d, n)| self.add_n(d, n));
            return;
        }
        if self.0.is_empty() {
            self.0.reserve_exact(pairs.len());
            self.0.extend(pairs.iter().filter(|(_, n)| *n > 0));
            return;
        }
        let mine = std::mem::take(&mut self.0);
        let mut out = Vec::with_capacity(mine.len() + pairs.len());
        let (mut a, mut b) = (mine.into_iter().peekable(), pairs.iter().copied().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.0 <= y.0 => a.next(),
                (_, Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, None) => break,
            };
            match (next, out.last_mut()) {
                (Some((d, n)), Some((last, m))) if *last == d => *m += n,
                (Some((d, n)), _) if n > 0 => out.push((d, n)),
                _ => {}
            }
        }
        self.0 = out;
    }
    /// Observations of exactly `d`.
    pub fn get(&self, d: i64) -> u64 {
        self.0.binary_search_by_key(&d, |(x, _)| *x).map_or(0, |i| self.0[i].1)
    }
    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.0.iter().map(|(_, n)| n).sum()
    }
    /// Sum of observations.
    pub fn sum(&self) -> i128 {
        self.0.iter().map(|(d, n)| *d as i128 * *n as i128).sum()
    }
    /// Mean; `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        let (n, sum) = self.0.iter().fold((0u64, 0i128), |(n, s), &(d, c)| (n + c, s + i128::from(d) * i128::from(c)));
        (n > 0).then(|| sum as f64 / n as f64)
    }
    /// Median (mean of the two middle values for an even count); `None` when empty. One pass
    /// to count, one up to the middle.
    pub fn median(&self) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        // the 0-based ranks of the middle value(s)
        let (lo_rank, hi_rank) = if n % 2 == 1 { (n / 2, n / 2) } else { (n / 2 - 1, n / 2) };
        let (mut seen, mut lo) = (0, None);
        for &(d, c) in &self.0 {
            seen += c;
            if lo.is_none() && seen > lo_rank {
                lo = Some(d);
            }
            if seen > hi_rank {
                let lo = lo.unwrap_or(d);
                return Some(if lo == d { d as f64 } else { (lo + d) as f64 / 2.0 });
            }
        }
        None
    }
}
impl crate::engine::Check for Days {
    /// Sorted distinct values, no empty bin, a total that fits in a count.
    fn check(&self) -> std::result::Result<(), String> {
        if !self.0.windows(2).all(|w| w[0].0 < w[1].0) {
            return Err("day histogram not sorted by value".into());
        }
        crate::engine::check::bins(self.0.iter().copied())
    }
}
impl Merge for Days {
    fn merge(&mut self, o: &Self) -> Result<()> {
        self.add_sorted(&o.0);
        Ok(())
    }
}

/// An exact integer sum (days); overflow is an error, never a wrap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Total(pub i64);
impl Total {
    /// Adds `n` times `x`.
    pub fn add(&mut self, x: i64, n: u64) -> Result<()> {
        let err = || overflow("summing days");
        let add = i64::try_from(n).ok().and_then(|n| x.checked_mul(n)).ok_or_else(err)?;
        self.0 = self.0.checked_add(add).ok_or_else(err)?;
        Ok(())
    }
}
impl crate::engine::Check for Total {
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}
impl Merge for Total {
    fn merge(&mut self, o: &Self) -> Result<()> {
        self.add(o.0, 1)
    }
}

/// `successes` out of `n`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proportion {
    /// Successes.
    pub hits: u64,
    /// Trials.
    pub n: u64,
}
impl Proportion {
    /// Records one trial.
    pub fn add(&mut self, hit: bool) {
        self.n += 1;
        self.hits += hit as u64;
    }
    /// hits ÷ n; `None` when n = 0.
    pub fn rate(&self) -> Option<f64> {
        (self.n > 0).then(|| self.hits as f64 / self.n as f64)
    }
    /// Columns `<name>`, `<name>_n` (trials), `<name>_lo`, `<name>_hi` (Wilson interval).
    pub fn columns(name: &str) -> Vec<ColumnSpec> {
        vec![
            ColumnSpec::new(name, ColumnKind::Float),
            ColumnSpec::new(format!("{name}_n"), ColumnKind::Int),
            ColumnSpec::plain(format!("{name}_lo"), ColumnKind::Float),
            ColumnSpec::plain(format!("{name}_hi"), ColumnKind::Float),
        ]
    }
    /// Values for [`Proportion::columns`].
    pub fn values(&self, ctx: &Ctx) -> Vec<Value> {
        let iv = crate::stats::wilson(self.hits, self.n, ctx.query.options.confidence);
        vec![Value::float(self.rate()), Value::count(self.n), Value::float(iv.map(|x| x.0)), Value::float(iv.map(|x| x.1))]
    }
}
impl crate::engine::Check for Proportion {
    /// At most as many successes as trials.
    fn check(&self) -> std::result::Result<(), String> {
        crate::engine::check::ensure(self.hits <= self.n, || format!("{} successes out of {} trials", self.hits, self.n))
    }
}
impl Merge for Proportion {
    fn merge(&mut self, o: &Self) -> Result<()> {
        self.hits += o.hits;
        self.n += o.n;
        Ok(())
    }
}

/// The earliest of some dates (a cohort's start); merges by taking the earlier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earliest(pub Option<chrono::NaiveDate>);
impl Earliest {
    /// Keeps `d` when it is earlier than what is held.
    pub fn add(&mut self, d: chrono::NaiveDate) {
        self.0 = Some(self.0.map_or(d, |e| e.min(d)));
    }
}
impl crate::engine::Check for Earliest {
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}
impl Merge for Earliest {
    fn merge(&mut self, o: &Self) -> Result<()> {
        if let Some(d) = o.0 {
            self.add(d);
        }
        Ok(())
    }
}

/// One mergeable value per key (per pipeline stage, usually): merging merges the values of
/// equal keys and keeps the others.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "V: Serialize", deserialize = "V: Deserialize<'de>"))]
pub struct ByKey<V>(pub BTreeMap<String, V>);
impl<V> Default for ByKey<V> {
    fn default() -> Self {
        ByKey(BTreeMap::new())
    }
}
impl<V: Default> ByKey<V> {
    /// Applies `f` to the value of `key`, created empty when missing (the key is copied only
    /// the first time).
    pub fn with<R>(&mut self, key: &str, f: impl FnOnce(&mut V) -> R) -> R {
        if let Some(v) = self.0.get_mut(key) {
            return f(v);
        }
        f(self.0.entry(key.to_string()).or_default())
    }
}
impl<V: crate::engine::Check> crate::engine::Check for ByKey<V> {
    fn check(&self) -> std::result::Result<(), String> {
        crate::engine::check::each(&self.0)
    }
}
impl<V: Merge + Clone> Merge for ByKey<V> {
    fn merge(&mut self, o: &Self) -> Result<()> {
        for (k, v) in &o.0 {
            match self.0.get_mut(k) {
                Some(mine) => mine.merge(v)?,
                None => {
                    self.0.insert(k.clone(), v.clone());
                }
            }
        }
        Ok(())
    }
}

/// The open stages of the query's pipeline definition, in funnel order, as
/// `(stage name, column slug)`: the slug is the name lower-cased with every character that is
/// not an ASCII letter or digit replaced by `_` (`"Closed Won"` → `closed_won`). Two stages
/// with the same slug are an error (their columns would collide).
pub fn open_stage_slugs(ctx: &Ctx) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for s in ctx.refs.pipeline.open_stages() {
        let slug: String = s.name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
        if let Some((other, _)) = out.iter().find(|(_, o)| *o == slug) {
            return Err(Error::Query(format!("pipeline stages {other:?} and {:?} both give the column name {slug:?}", s.name)));
        }
        out.push((s.name.clone(), slug));
    }
    Ok(out)
}

/// `a ÷ b` for money, rounded to [`MONEY_SCALE`] places; `None` when `b` is zero.
pub fn div(a: Decimal, b: Decimal) -> Option<Decimal> {
    if b.is_zero() {
        return None;
    }
    a.checked_div(b).map(|x| x.round_dp_with_strategy(MONEY_SCALE, RoundingStrategy::MidpointNearestEven))
}

/// `a ÷ b` as f64 (shares, ROI); `None` when `b` is zero.
pub fn ratio(a: Decimal, b: Decimal) -> Option<f64> {
    if b.is_zero() {
        return None;
    }
    a.checked_div(b).and_then(|x| x.to_string().parse().ok())
}

pub(crate) fn overflow(what: &str) -> Error {
    Error::Overflow { location: Location::default(), reason: what.to_string() }
}
