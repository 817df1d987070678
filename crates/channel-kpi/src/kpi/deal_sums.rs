//! [`Tally`]: the running sum of the [`DealFacts`] of the deals of one group in one window, in
//! integer arithmetic (counts, `i128` sums of the amounts' raw decimal digits, a cycle-days
//! histogram), folded into the KPIs' states by their own `fold` as one [`DealTally`] once
//! `Engine::push_deals` has added its deals (instead of folding every deal into every state).

use crate::engine::KpiState;
use crate::error::{Error, Location, Result};
use crate::kpi::closed_days::{ClosedDays, PartnerNames};
use crate::kpi::deal_tally::fold_columnar;
use crate::kpi::deals::{DealFacts, DealTally};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Cycle lengths below this many days are counted in a dense histogram, longer ones in a map.
const DENSE_DAYS: usize = 2048;
/// The low half of a packed pair of counts.
const LOW: u64 = u32::MAX as u64;

/// Σ of the [`crate::kpi::deals::DealFacts::tally`] of the deals folded so far (amounts as raw integers at the
/// folder's scale).
///
/// Layout, for the hot loop (one deal = one tally touched, in random order over the groups):
/// what every deal updates lies in the first 64-byte line — the counts packed in pairs of
/// 32-bit lanes ([`Tally::flush`] moves them to the `u64` totals before a lane can overflow)
/// and the two sums. A won deal's cycle length waits in the second line, [`PENDING`] at a
/// time, before reaching the histogram (one byte per day; a wrap past 255 carries 256 into
/// `carry`): the histograms of all groups do not stay in cache, so draining many lengths at
/// once touches each of the few lines they fall in once instead of once per deal.
#[derive(Clone, Debug, Default)]
#[repr(C, align(64))]
pub(crate) struct Tally {
    /// won (low lane) | lost (high lane) since the last flush.
    won_lost: u64,
    /// created (low lane) | open at the end (high lane) since the last flush.
    created_open: u64,
    won_raw: i128,
    open_raw: i128,
    /// Won deals per cycle length in days, modulo 256.
    hist: Box<[u8]>,
    /// Cycle lengths of won deals not yet in `hist` (the first `n_pending`).
    pending: [u16; PENDING],
    n_pending: u16,
    won: u64,
    lost: u64,
    created: u64,
    open: u64,
    open_unvalued: u64,
    /// Per cycle length: how many times its `hist` byte wrapped.
    carry: Vec<u64>,
    far: BTreeMap<i64, u64>,
    /// Decimal places of the raw amounts summed.
    scale: u32,
    /// Deals added since the packed counts were last flushed.
    unflushed: u64,
    /// The deals `training_impact` keeps, per partner and closing day.
    pub(crate) closed: ClosedDays,
}

/// Cycle lengths a tally holds before draining them into its histogram (fills its second
/// cache line with the count).
const PENDING: usize = 31;

impl Tally {
    /// Adds one deal as flags (won, lost, created, open at the end, as by
    /// [`DealFacts::classify`]), whether its open amount is known, its raw won and open amounts
    /// (any value where the flag is not set) and its cycle days (used when won; `None` when the
    /// tally keeps no cycle lengths): additions
    /// masked by the flags instead of a branch each, since the flags of consecutive deals are as
    /// random as their statuses. The caller flushes at least every `u32::MAX` deals.
    #[inline(always)]
    fn add_row(
        &mut self,
        [won, lost, created, open]: [bool; 4],
        valued: bool,
        won_raw: i128,
        open_raw: i128,
        cycle_days: Option<i64>,
    ) -> std::result::Result<(), ()> {
        let mask = |b: bool| -i128::from(b);
        self.won_lost += u64::from(won) | u64::from(lost) << 32;
        self.created_open += u64::from(created) | u64::from(open) << 32;
        self.open_unvalued += u64::from(open & !valued);
        self.won_raw = self.won_raw.checked_add(won_raw & mask(won)).ok_or(())?;
        self.open_raw = self.open_raw.checked_add(open_raw & mask(open & valued)).ok_or(())?;
        // the cycle length (when the tally keeps them) is written always and kept (the count
        // moves) when won
        let (kept, cycle_days) = (won & cycle_days.is_some(), cycle_days.unwrap_or(0));
        let dense = kept & (0..DENSE_DAYS as i64).contains(&cycle_days);
        if kept & !dense {
            *self.far.entry(cycle_days).or_default() += 1;
        }
        self.pending[usize::from(self.n_pending)] = cycle_days as u16;
        self.n_pending += u16::from(dense);
        if usize::from(self.n_pending) == PENDING {
            self.drain();
        }
        Ok(())
    }

    /// Adds one checked deal's facts in a window (as [`DealFacts::tally`] would count it), with
    /// the won deals' cycle lengths when `cycles`. `f`'s amounts may be set where their flag is
    /// not (`DealFacts::of_row`): each is kept by a mask, not a branch on the flag; an amount
    /// at another scale than the tally's changes its scale only where it counts.
    /// `Err` when the sums leave 128-bit integers.
    #[inline]
    pub(crate) fn add(&mut self, f: &DealFacts, cycles: bool) -> std::result::Result<(), ()> {
        let won = self.raw_if(f.won_amount, f.won)?;
        let (valued, open) = match f.open_amount {
            Some(a) => (true, self.raw_if(a, f.open_at_end)?),
            None => (false, 0),
        };
        self.add_row([f.won, f.lost, f.created, f.open_at_end], valued, won, open, cycles.then_some(f.cycle_days))?;
        self.unflushed += 1;
        if self.unflushed == LOW {
            self.flush(); // a 32-bit lane grows by at most one per deal
        }
        Ok(())
    }

    /// An amount's raw digits at this tally's scale when it `counts` (the tally's sums rescaled
    /// first when the amount has more decimal places); at the tally's scale, its digits
    /// whatever `counts` (the caller masks them); else 0.
    #[inline(always)]
    fn raw_if(&mut self, d: Decimal, counts: bool) -> std::result::Result<i128, ()> {
        // the amounts of a column mostly share one scale: one compare, the rest out of line
        if d.scale() == self.scale {
            Ok(d.mantissa())
        } else if counts {
            self.raw_rescaled(d)
        } else {
            Ok(0)
        }
    }

    /// [`Tally::raw_if`] of a counted amount at another scale than the tally's.
    #[cold]
    #[inline(never)]
    fn raw_rescaled(&mut self, d: Decimal) -> std::result::Result<i128, ()> {
        let s = d.scale();
        if s > self.scale {
            self.rescale(s - self.scale)?;
            self.scale = s;
        }
        match self.scale - s {
            0 => Ok(d.mantissa()),
            k => d.mantissa().checked_mul(10i128.checked_pow(k).ok_or(())?).ok_or(()),
        }
    }

    /// Moves the pending cycle lengths into the histogram.
    #[cold]
    #[inline(never)]
    fn drain(&mut self) {
        let n = usize::from(self.n_pending);
        self.n_pending = 0;
        let longest = self.pending[..n].iter().copied().max().map_or(0, usize::from);
        if longest >= self.hist.len() {
            self.grow(longest);
        }
        for i in 0..n {
            let d = usize::from(self.pending[i]);
            let (byte, wrapped) = self.hist[d].overflowing_add(1);
            self.hist[d] = byte;
            if wrapped {
                self.count(d, 256); // the byte is 0: 256 more is one carry
            }
        }
    }

    /// Adds `n` deals of cycle length `d` (< [`DENSE_DAYS`]) to the histogram.
    fn count(&mut self, d: usize, n: u64) {
        if d >= self.hist.len() {
            self.grow(d);
        }
        let sum = u64::from(self.hist[d]) + n;
        self.hist[d] = sum as u8;
        if sum >= 256 {
            self.carry(d, sum / 256);
        }
    }

    /// Notes that the byte of cycle length `d` wrapped `wraps` times (256 deals each).
    fn carry(&mut self, d: usize, wraps: u64) {
        if self.carry.len() <= d {
            self.carry.resize(d + 1, 0);
        }
        self.carry[d] += wraps;
    }

    /// Makes room in the histogram for cycle length `d`.
    #[cold]
    fn grow(&mut self, d: usize) {
        let mut h = vec![0u8; (d + 1).max(self.hist.len() * 3 / 2).clamp(64, DENSE_DAYS)];
        h[..self.hist.len()].copy_from_slice(&self.hist);
        self.hist = h.into_boxed_slice();
    }

    /// Moves the packed counts into the totals.
    #[inline]
    pub(crate) fn flush(&mut self) {
        self.unflushed = 0;
        self.won += self.won_lost & LOW;
        self.lost += self.won_lost >> 32;
        self.created += self.created_open & LOW;
        self.open += self.created_open >> 32;
        self.won_lost = 0;
        self.created_open = 0;
    }

    /// Appends the won deals per cycle length (ascending), with their multiplicities, to `out`;
    /// returns Σ cycle length × multiplicity (`None` beyond 64-bit integers).
    fn cycles_into(&self, out: &mut Vec<(i64, u64)>) -> Option<i64> {
        out.reserve(self.hist.len() + self.far.len());
        let mut total: i128 = 0;
        if self.carry.is_empty() {
            // no byte wrapped: the counts are the bytes; 8 days at a time, a word of zeros (no
            // won deal of those lengths) skipped whole; the dense total fits 64 bits (< 2^30)
            let mut dense: u64 = 0;
            for (w, bytes) in self.hist.chunks(8).enumerate() {
                if bytes.iter().fold(0u8, |a, b| a | b) == 0 {
                    continue;
                }
                for (d, &n) in (w * 8..).zip(bytes).filter(|(_, n)| **n > 0) {
                    out.push((d as i64, u64::from(n)));
                    dense += d as u64 * u64::from(n);
                }
            }
            total = i128::from(dense);
        } else {
            for (d, &n) in self.hist.iter().enumerate() {
                let n = u64::from(n) + self.carry.get(d).map_or(0, |c| c * 256);
                if n > 0 {
                    out.push((d as i64, n));
                    total += d as i128 * i128::from(n);
                }
            }
        }
        for (&d, &n) in &self.far {
            out.push((d, n));
            total = total.checked_add(i128::from(d).checked_mul(i128::from(n))?)?;
        }
        i64::try_from(total).ok()
    }

    /// Adds the deals of another tally (at the same scale).
    #[cfg(test)]
    fn merge(&mut self, mut o: Tally) -> std::result::Result<(), ()> {
        for t in [&mut *self, &mut o] {
            t.flush();
            t.drain();
        }
        self.won += o.won;
        self.lost += o.lost;
        self.created += o.created;
        self.open += o.open;
        self.open_unvalued += o.open_unvalued;
        self.won_raw = self.won_raw.checked_add(o.won_raw).ok_or(())?;
        self.open_raw = self.open_raw.checked_add(o.open_raw).ok_or(())?;
        // the histograms byte by byte (a loop the compiler vectorizes), wraps carried after
        if self.hist.len() < o.hist.len() {
            self.grow(o.hist.len() - 1);
        }
        let mut wrapped = false;
        for (a, &b) in self.hist.iter_mut().zip(o.hist.iter()) {
            let (sum, w) = a.overflowing_add(b);
            *a = sum;
            wrapped |= w;
        }
        if wrapped {
            self.recount_wraps(&o);
        }
        for (d, &c) in o.carry.iter().enumerate().filter(|(_, c)| **c > 0) {
            self.count(d, c * 256);
        }
        for (d, n) in o.far {
            *self.far.entry(d).or_default() += n;
        }
        Ok(())
    }

    /// After adding `o`'s histogram bytes to this one's: carries 256 for each byte that wrapped
    /// (its sum is now smaller than the byte added).
    #[cfg(test)]
    #[cold]
    fn recount_wraps(&mut self, o: &Tally) {
        for d in 0..self.hist.len().min(o.hist.len()) {
            if self.hist[d] < o.hist[d] {
                self.carry(d, 1);
            }
        }
    }

    /// Whether any deal counted.
    pub(crate) fn is_empty(&self) -> bool {
        self.won + self.lost + self.created + self.open + self.won_lost + self.created_open == 0 && self.closed.is_empty()
    }

    /// Multiplies the sums by 10^`by` (the folder's amount scale grew).
    pub(crate) fn rescale(&mut self, by: u32) -> std::result::Result<(), ()> {
        let k = 10i128.checked_pow(by).ok_or(())?;
        self.won_raw = self.won_raw.checked_mul(k).ok_or(())?;
        self.open_raw = self.open_raw.checked_mul(k).ok_or(())?;
        Ok(())
    }

    /// Folds this tally into the states whose `folded` flag is set, with the `fold` their KPIs'
    /// `observe` runs; whether any counted it. `buf` is scratch space for the cycle histogram;
    /// `names` names the partners of `closed`.
    pub(crate) fn fold_into(
        &mut self,
        states: &mut [KpiState],
        folded: &[bool],
        buf: &mut Vec<(i64, u64)>,
        names: &PartnerNames,
    ) -> Result<bool> {
        self.flush();
        self.drain();
        buf.clear();
        let won_days = self.cycles_into(buf).ok_or_else(|| Error::Overflow {
            location: Location { file: Some("deals".into()), field: Some("closed_on".into()), ..Default::default() },
            reason: "summing cycle days beyond 64-bit integers".into(),
        })?;
        let t = DealTally {
            won: self.won,
            lost: self.lost,
            created: self.created,
            open: self.open,
            open_unvalued: self.open_unvalued,
            won_amount: decimal(self.won_raw, self.scale, "won")?,
            open_amount: decimal(self.open_raw, self.scale, "open")?,
            won_cycles: buf,
            won_days,
        };
        self.closed.compact()?;
        let mut hit = false;
        for (s, _) in states.iter_mut().zip(folded).filter(|(_, f)| **f) {
            hit |= fold_columnar(s, &t, &self.closed, names)?;
        }
        Ok(hit)
    }
}

/// An exact sum as a decimal; beyond the 28 significant digits of `rust_decimal` an error.
fn decimal(raw: i128, scale: u32, what: &str) -> Result<Decimal> {
    Decimal::try_from_i128_with_scale(raw, scale).map_err(|_| Error::Overflow {
        location: Location { file: Some("deals".into()), field: Some("amount".into()), ..Default::default() },
        reason: format!("summing {what} amounts beyond the 28 significant digits of an exact decimal"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts, sums and the histogram survive byte wraps (700 deals of one length), lengths
    /// beyond the dense range, pending lengths and a merge, against a plain count.
    #[test]
    fn tallies_count_exactly_across_wraps_and_merges() {
        let (mut a, mut b) = (Tally::default(), Tally::default());
        let mut want: BTreeMap<i64, u64> = BTreeMap::new();
        let (mut won, mut open, mut unvalued, mut sum) = (0, 0, 0, 0i128);
        // 700 deals of 5 days (each tally's byte wraps), 400 of 7 (only the merged byte wraps)
        let lengths = (0..700).map(|_| 5).chain([0, 1, 2047, 2048, 5000]).chain((0..300).map(|i| i % 40)).chain((0..400).map(|_| 7));
        for (i, d) in lengths.enumerate() {
            let t = if i % 2 == 0 { &mut a } else { &mut b };
            let raw = i as i128 * 100;
            t.add_row([true, false, i % 3 == 0, false], true, raw, raw, Some(d)).unwrap();
            *want.entry(d).or_default() += 1;
            won += 1;
            sum += raw;
            // a lost deal and an open one (every 7th without an amount) between the won ones
            t.add_row([false, true, false, false], true, 1, 1, Some(99)).unwrap();
            let valued = i % 7 != 0;
            t.add_row([false, false, false, true], valued, 3, 3, Some(0)).unwrap();
            open += 1;
            unvalued += u64::from(!valued);
        }
        // a tally where no byte wrapped takes the other path of `cycles_into`
        let mut c = Tally::default();
        for d in [0, 3, 3, 9, 100, 2047, 5000] {
            c.add_row([true, false, false, false], true, 1, 1, Some(d)).unwrap();
        }
        c.drain();
        let mut listed = Vec::new();
        assert_eq!(c.cycles_into(&mut listed), Some(7162));
        assert_eq!(listed, [(0, 1), (3, 2), (9, 1), (100, 1), (2047, 1), (5000, 1)]);
        a.merge(b).unwrap();
        a.flush();
        let mut got = Vec::new();
        let total = a.cycles_into(&mut got);
        assert_eq!(total, Some(want.iter().map(|(d, n)| d * *n as i64).sum()));
        assert_eq!(got, want.into_iter().collect::<Vec<_>>());
        assert_eq!((a.won, a.lost, a.open, a.open_unvalued), (won, won, open, unvalued));
        assert_eq!((a.won_raw, a.open_raw), (sum, 3 * (open - unvalued) as i128));
    }
}
