//! [`DaySums`]: one partner's closed deals summed per closing day, as `training_impact` keeps
//! them ([`super::closed_days::ClosedDays`]), and the deals waiting to be added ([`Pending`]).
//!
//! Days close together — a partner's deals near one window, the usual case — are held as one
//! slot per day from the first ([`DaySums::Dense`]): the waiting deals are added straight into
//! their slots, with no sort and no merge. Days far apart (a partner with few deals over
//! years) are held as a sorted list of the days with deals ([`DaySums::Sparse`]), the waiting
//! deals sorted by day and merged in. The form follows the days: dense while the slots are at
//! most twice the days with deals plus 64, sparse otherwise, so memory stays within about
//! twice the partner-days with deals either way.
//!
//! Both give the same sums as adding each deal to its day's sum: the sums are exact (counts
//! and decimal sums), so neither the order of the additions nor their grouping changes them,
//! scales included.
//!
//! ```text
//! pending  (day 3, won 10) (day 1, lost) (day 3, won 5)
//! Dense    first = 1: [1: lost 1] [2: –] [3: won 2, revenue 15]
//! Sparse   [(1, lost 1), (3, won 2, revenue 15)]
//! ```

use super::training_impact::DayAgg;
use crate::engine::Merge;
use crate::error::Result;
use rust_decimal::Decimal;

/// A deal waiting to be added to a [`DaySums`]: 28 bytes (every field 4-byte aligned; a
/// batch of them is what the fold of `training_impact` writes per deal).
#[derive(Clone, Copy, Debug)]
pub(super) struct Pending {
    /// The closing day, as days since the common era (`NaiveDate::num_days_from_ce`).
    pub day: i32,
    /// `closed_on − created_on` in days: within the 32 bits two dates are apart at most.
    pub cycle_days: u32,
    pub revenue: Decimal,
    pub won: bool,
}

/// Sums per closing day (days since the common era), in one of two forms (see the module).
#[derive(Clone, Debug)]
pub(super) enum DaySums {
    /// Slot `i` sums the deals closed on day `first + i`; `filled` slots hold a deal.
    Dense { first: i32, days: Vec<DayAgg>, filled: usize },
    /// The days with deals, ascending.
    Sparse(Vec<(i32, DayAgg)>),
}

impl Default for DaySums {
    fn default() -> Self {
        DaySums::Sparse(Vec::new())
    }
}

/// Whether `slots` slots may hold `filled` days with deals densely.
fn dense_enough(slots: u64, filled: u64) -> bool {
    slots <= 2 * filled + 64
}

/// Whether a day sum holds a deal.
fn holds(a: &DayAgg) -> bool {
    a.won.0 + a.lost.0 > 0
}

impl DaySums {
    /// Slots held: the days of the dense form, the days with deals of the sparse one.
    pub(super) fn len(&self) -> usize {
        match self {
            DaySums::Dense { days, .. } => days.len(),
            DaySums::Sparse(v) => v.len(),
        }
    }

    /// The days with deals and their sums, ascending.
    pub(super) fn iter(&self) -> impl Iterator<Item = (i32, &DayAgg)> {
        let (dense, sparse) = match self {
            DaySums::Dense { first, days, .. } => (Some((*first, days)), None),
            DaySums::Sparse(v) => (None, Some(v)),
        };
        let dense = dense
            .into_iter()
            .flat_map(|(first, days)| days.iter().enumerate().filter(|(_, a)| holds(a)).map(move |(i, a)| (first + i as i32, a)));
        dense.chain(sparse.into_iter().flat_map(|v| v.iter().map(|(d, a)| (*d, a))))
    }

    /// Adds the deals of `pending` (left in any order) to the sums of their days.
    pub(super) fn add(&mut self, pending: &mut [Pending]) -> Result<()> {
        let Some(lo) = pending.iter().map(|p| p.day).min() else { return Ok(()) };
        let hi = pending.iter().map(|p| p.day).max().unwrap_or(lo);
        // the days the sums and the pending deals span, and (at most) how many hold a deal
        let (lo, hi, filled) = match self {
            DaySums::Dense { first, days, filled } => (lo.min(*first), hi.max(*first + days.len() as i32 - 1), *filled),
            DaySums::Sparse(v) => match (v.first(), v.last()) {
                (Some(a), Some(b)) => (lo.min(a.0), hi.max(b.0), v.len()),
                _ => (lo, hi, 0),
            },
        };
        let slots = u64::from(hi.abs_diff(lo)) + 1;
        if dense_enough(slots, (filled + pending.len()) as u64) {
            self.make_dense(lo, slots as usize);
        } else if let DaySums::Dense { .. } = self {
            *self = DaySums::Sparse(self.iter().map(|(d, a)| (d, a.clone())).collect());
        }
        match self {
            DaySums::Dense { first, days, filled } => add_dense(*first, days, filled, pending),
            DaySums::Sparse(v) => add_sparse(v, pending),
        }
    }

    /// Makes the sums dense over `slots` days from `lo` (covering every day they hold).
    fn make_dense(&mut self, lo: i32, slots: usize) {
        match self {
            DaySums::Dense { first, days, .. } => {
                // grown at either end; the days before the old first slot shift the rest up
                let before = first.abs_diff(lo) as usize;
                days.resize(slots - before, DayAgg::default());
                if before > 0 {
                    days.splice(0..0, std::iter::repeat_n(DayAgg::default(), before));
                }
                *first = lo;
            }
            DaySums::Sparse(v) => {
                let mut days = vec![DayAgg::default(); slots];
                let filled = v.len();
                for (d, a) in v.drain(..) {
                    days[d.abs_diff(lo) as usize] = a;
                }
                *self = DaySums::Dense { first: lo, days, filled };
            }
        }
    }
}

/// Adds each pending deal into the slot of its day (every day within the slots).
fn add_dense(first: i32, days: &mut [DayAgg], filled: &mut usize, pending: &[Pending]) -> Result<()> {
    for p in pending {
        let a = &mut days[p.day.abs_diff(first) as usize];
        *filled += usize::from(!holds(a));
        a.add_deal(p.won, p.revenue, u64::from(p.cycle_days))?;
    }
    Ok(())
}

/// Sorts the pending deals by day, sums each day's, and merges the day sums into `sums`.
fn add_sparse(sums: &mut Vec<(i32, DayAgg)>, pending: &mut [Pending]) -> Result<()> {
    pending.sort_unstable_by_key(|p| p.day);
    let mut merged = Vec::with_capacity(sums.len() + pending.len());
    let mut held = std::mem::take(sums).into_iter().peekable();
    for run in pending.chunk_by(|a, b| a.day == b.day) {
        let day = run[0].day;
        while let Some(earlier) = held.next_if(|s| s.0 < day) {
            merged.push(earlier);
        }
        let mut a = DayAgg::default();
        for p in run {
            a.add_deal(p.won, p.revenue, u64::from(p.cycle_days))?;
        }
        match held.next_if(|s| s.0 == day) {
            Some((_, mut s)) => {
                s.merge(&a)?;
                merged.push((day, s));
            }
            None => merged.push((day, a)),
        }
    }
    merged.extend(held);
    *sums = merged;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deal(day: i32, won: bool, revenue: i64, scale: u32) -> Pending {
        Pending { day, cycle_days: day as u32 % 7, revenue: Decimal::new(revenue, scale), won }
    }

    /// The forms change as the days spread and gather, and the sums stay those of adding each
    /// deal to a map of days.
    #[test]
    fn dense_and_sparse_sum_alike_and_switch_with_the_days() {
        let mut sums = DaySums::default();
        let mut want = std::collections::BTreeMap::<i32, DayAgg>::new();
        let mut add = |sums: &mut DaySums, deals: Vec<Pending>| {
            for p in &deals {
                want.entry(p.day).or_default().add_deal(p.won, p.revenue, u64::from(p.cycle_days)).unwrap();
            }
            sums.add(&mut deals.clone()).unwrap();
            let got: Vec<(i32, DayAgg)> = sums.iter().map(|(d, a)| (d, a.clone())).collect();
            let expected: Vec<(i32, DayAgg)> = want.iter().map(|(d, a)| (*d, a.clone())).collect();
            assert_eq!(serde_json::to_string(&got).unwrap(), serde_json::to_string(&expected).unwrap());
        };
        // 100 deals over 50 days: dense
        add(&mut sums, (0..100).map(|i| deal(1000 + (i * 7) % 50, i % 3 == 0, i64::from(i), (i % 3) as u32)).collect());
        assert!(matches!(sums, DaySums::Dense { first: 1000, .. }) && sums.len() == 50);
        // earlier days: grown at the front, still dense
        add(&mut sums, (0..40).map(|i| deal(990 + i % 10, true, 5, 1)).collect());
        assert!(matches!(sums, DaySums::Dense { first: 990, .. }) && sums.len() == 60);
        // one deal ten years on: sparse
        add(&mut sums, vec![deal(4650, true, 1, 4)]);
        assert!(matches!(sums, DaySums::Sparse(_)) && sums.len() == 61);
        // the gap filled with deals: dense again
        add(&mut sums, (0..4000).map(|i| deal(1040 + i % 3600, i % 2 == 0, 3, 2)).collect());
        assert!(matches!(sums, DaySums::Dense { first: 990, .. }));
        assert_eq!(sums.iter().count(), want.len());
    }
}
