//! [`Tally`]: the columnar path's running sum of [`DealFacts`] for one group in one window, in
//! integer arithmetic (counts, `i128` sums of raw decimal amounts, a cycle-days histogram),
//! handed to the KPIs' `fold` as a [`DealTally`] once, when the folder finishes.

use crate::engine::{KpiState, Metric};
use crate::error::{Error, Location, Result};
use crate::kpi::deals::{DealFacts, DealTally, fold_columnar};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Cycle lengths below this many days are counted in a dense histogram, longer ones in a map.
const DENSE_DAYS: usize = 2048;
/// Cycle lengths wait in a small buffer inside the tally and reach the histogram this many at
/// a time: the histograms of all groups (KiBs each) do not fit in cache, the buffers do, so
/// a won deal costs a cache miss only once per `PENDING` deals of its group.
const PENDING: usize = 32;

/// Σ of the [`DealFacts::tally`] of the deals folded so far (amounts as raw integers at the
/// folder's scale).
#[derive(Clone, Debug, Default)]
pub(super) struct Tally {
    won: u64,
    lost: u64,
    created: u64,
    open: u64,
    open_unvalued: u64,
    won_raw: i128,
    open_raw: i128,
    pending: [u16; PENDING],
    n_pending: usize,
    dense: Vec<u64>,
    far: BTreeMap<i64, u64>,
}

impl Tally {
    /// Adds one deal: its facts and its raw amount (`None` without one). Equals summing
    /// [`DealFacts::tally`] (a won deal without an amount is rejected before).
    #[inline(always)]
    pub(super) fn add(&mut self, f: &DealFacts, raw: Option<i128>) -> std::result::Result<(), ()> {
        self.lost += u64::from(f.lost);
        self.created += u64::from(f.created);
        if f.won {
            self.won += 1;
            self.won_raw = self.won_raw.checked_add(raw.unwrap_or(0)).ok_or(())?;
            match usize::try_from(f.cycle_days) {
                Ok(d) if d < DENSE_DAYS => {
                    self.pending[self.n_pending] = d as u16;
                    self.n_pending += 1;
                    if self.n_pending == PENDING {
                        self.drain();
                    }
                }
                _ => *self.far.entry(f.cycle_days).or_default() += 1,
            }
        }
        if f.open_at_end {
            self.open += 1;
            match raw {
                Some(v) => self.open_raw = self.open_raw.checked_add(v).ok_or(())?,
                None => self.open_unvalued += 1,
            }
        }
        Ok(())
    }

    /// Moves the buffered cycle lengths into the histogram.
    #[cold]
    fn drain(&mut self) {
        for &d in &self.pending[..self.n_pending] {
            let d = usize::from(d);
            if self.dense.len() <= d {
                self.dense.resize(d + 1, 0);
            }
            self.dense[d] += 1;
        }
        self.n_pending = 0;
    }

    /// Adds the deals of another tally (at the same scale).
    pub(super) fn merge(&mut self, o: &Tally) -> std::result::Result<(), ()> {
        self.won += o.won;
        self.lost += o.lost;
        self.created += o.created;
        self.open += o.open;
        self.open_unvalued += o.open_unvalued;
        self.won_raw = self.won_raw.checked_add(o.won_raw).ok_or(())?;
        self.open_raw = self.open_raw.checked_add(o.open_raw).ok_or(())?;
        self.drain();
        if self.dense.len() < o.dense.len() {
            self.dense.resize(o.dense.len(), 0);
        }
        for (a, b) in self.dense.iter_mut().zip(&o.dense) {
            *a += b;
        }
        for &d in &o.pending[..o.n_pending] {
            let d = usize::from(d);
            if self.dense.len() <= d {
                self.dense.resize(d + 1, 0);
            }
            self.dense[d] += 1;
        }
        for (d, n) in &o.far {
            *self.far.entry(*d).or_default() += n;
        }
        Ok(())
    }

    /// Whether any deal counted.
    pub(super) fn is_empty(&self) -> bool {
        self.won + self.lost + self.created + self.open == 0
    }

    /// Multiplies the sums by 10^`by` (the folder's amount scale grew).
    pub(super) fn rescale(&mut self, by: u32) -> std::result::Result<(), ()> {
        let k = 10i128.checked_pow(by).ok_or(())?;
        self.won_raw = self.won_raw.checked_mul(k).ok_or(())?;
        self.open_raw = self.open_raw.checked_mul(k).ok_or(())?;
        Ok(())
    }

    /// The states of `metrics` folded from this tally (amounts at `scale` decimal places), and
    /// whether any metric counted it. `buf` is scratch space for the cycle histogram.
    pub(super) fn states(&mut self, metrics: &[Metric], scale: u32, buf: &mut Vec<(i64, u64)>) -> Result<(Vec<KpiState>, bool)> {
        self.drain();
        buf.clear();
        buf.extend(self.dense.iter().enumerate().filter(|(_, n)| **n > 0).map(|(d, n)| (d as i64, *n)));
        buf.extend(self.far.iter().map(|(d, n)| (*d, *n)));
        let t = DealTally {
            won: self.won,
            lost: self.lost,
            created: self.created,
            open: self.open,
            open_unvalued: self.open_unvalued,
            won_amount: decimal(self.won_raw, scale, "won")?,
            open_amount: decimal(self.open_raw, scale, "open")?,
            won_cycles: buf,
        };
        let mut hit = false;
        let mut states: Vec<KpiState> = metrics.iter().map(|m| m.new_state()).collect();
        for s in &mut states {
            hit |= fold_columnar(s, &t)?;
        }
        Ok((states, hit))
    }
}

/// An exact sum as a decimal; beyond the 28 significant digits of `rust_decimal` an error.
fn decimal(raw: i128, scale: u32, what: &str) -> Result<Decimal> {
    Decimal::try_from_i128_with_scale(raw, scale).map_err(|_| Error::Overflow {
        location: Location { file: Some("deals".into()), field: Some("amount".into()), ..Default::default() },
        reason: format!("the sum of {what} amounts exceeds the 28 significant digits of an exact decimal"),
    })
}
