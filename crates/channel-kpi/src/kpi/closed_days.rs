//! [`ClosedDays`]: the deals `training_impact` keeps (won and lost deals of a partner closed
//! near the window, [`super::training_impact::close_span`]) of one group in one window, summed
//! per (partner, closing day) as `Engine::push_deals` reads them from the columns of
//! [`crate::Deals`], then folded into the KPI's state once per (partner, day) instead of once
//! per deal ([`ClosedDays::fold_into`]). The sums are the state's own [`DayAgg`], each deal
//! added with the fold its `observe` runs ([`DayAgg::add_deal`]), so the state is the same.
//!
//! Partners are numbered by the engine ([`PartnerNames`]), not by the dictionary of the
//! [`crate::Deals`] they were read from: the sums of every table an engine folds (a streamed
//! query's chunks, each read into a `Deals` of its own) add up in one [`ClosedDays`], turned
//! into the state once, when the engine's partial is taken.

use super::deals::amount_on;
use super::training_impact::{DayAgg, ImpactState};
use crate::domain::DealStatus;
use crate::engine::{Ctx, Merge};
use crate::error::Result;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The deals closed per partner (by the engine's number, [`PartnerNames`]) and closing day. A deal
/// is appended to its partner's list as it comes (one lookup among the partners, whose list
/// ends stay in cache, not among every partner-day); a partner's list is sorted by day and
/// summed into its per-day sums when it outgrows them ([`ClosedDays::compact`]), so memory
/// stays within about twice the partner-days with deals.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClosedDays {
    /// Partner id → its index in `partners`.
    slots: rustc_hash::FxHashMap<u32, u32>,
    partners: Vec<PartnerDays>,
}

/// One partner's deals in a [`ClosedDays`].
#[derive(Clone, Debug)]
struct PartnerDays {
    partner: u32,
    /// Sums per closing day, ascending, as of the last compaction.
    sums: Vec<(NaiveDate, DayAgg)>,
    /// The deals added since, in the order they came.
    pending: Vec<Pending>,
}

/// A deal waiting in [`PartnerDays::pending`].
#[derive(Clone, Copy, Debug)]
struct Pending {
    day: NaiveDate,
    won: bool,
    revenue: Decimal,
    cycle_days: u64,
}

/// Deals a partner's list holds before its first compaction (then as many as its sums).
const COMPACT_MIN: usize = 256;

/// A deal as `training_impact` sees it in one window: closed by a partner within the window's
/// close span (`None` for any other deal).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ClosedDeal {
    /// The partner: its dictionary id in the deals read ([`crate::Deals::word_key`]), made the
    /// engine's number ([`PartnerNames::number`]) before the deal is added to a [`ClosedDays`].
    pub partner: u32,
    pub closed_on: Option<NaiveDate>,
    pub won: bool,
    /// A won deal's amount in the query currency at its close date (0 without one).
    pub revenue: Decimal,
    /// `closed_on − created_on` in days, at least 0.
    pub cycle_days: u64,
}

impl ClosedDeal {
    /// Deal `i` of `deals` in a window whose close span ([`super::training_impact::close_span`])
    /// is `span`: kept (a partner's won or lost deal closed in the span) with its amount
    /// converted as `training_impact`'s `observe` converts it, or not (`closed_on: None`).
    /// `cycle_days`: `closed_on − created_on` in days (0 when open), computed once per deal.
    #[inline]
    pub(crate) fn of_row(deals: &crate::Deals, i: usize, span: (NaiveDate, NaiveDate), ctx: &Ctx, cycle_days: i64) -> Result<ClosedDeal> {
        let (partner, status) = (deals.word_key(crate::domain::WordField::Partner, i), deals.status(i));
        match deals.closed_on(i) {
            Some(c) if partner != 0 && status != DealStatus::Open && span.0 <= c && c < span.1 => {
                let won = status == DealStatus::Won;
                Ok(ClosedDeal {
                    partner,
                    closed_on: Some(c),
                    won,
                    revenue: if won { amount_on(deals.amount(i), c, ctx)? } else { Decimal::ZERO },
                    cycle_days: cycle_days.max(0) as u64,
                })
            }
            _ => Ok(ClosedDeal::default()),
        }
    }
}

/// The engine's numbers of the partners of kept deals (0, 1, 2 … as they come), the same for
/// every [`crate::Deals`] it folds: [`PartnerNames::number`] turns a dictionary id of the deals
/// being folded into one, looking each id up once per table ([`PartnerNames::start`] begins a
/// table).
///
/// Example: chunk 1 names P7 with dictionary id 3 and chunk 2 names it with id 1: both become
/// number 0, so their deals add up under one partner.
#[derive(Clone, Debug, Default)]
pub(crate) struct PartnerNames {
    names: Vec<Box<str>>,
    numbers: rustc_hash::FxHashMap<Box<str>, u32>,
    /// Per dictionary id of the table being folded: its number (`u32::MAX`: not looked up).
    of: Vec<u32>,
    /// The dictionary ids set in `of` (reset when the next table starts).
    set: Vec<u32>,
}

impl PartnerNames {
    /// Begins a table: the dictionary ids of the one before are forgotten.
    pub(crate) fn start(&mut self) {
        for k in self.set.drain(..) {
            self.of[k as usize] = u32::MAX;
        }
    }

    /// The number of the partner with dictionary id `key` (not 0) in `deals`, the table begun
    /// by the last [`PartnerNames::start`].
    #[inline]
    pub(crate) fn number(&mut self, key: u32, deals: &crate::Deals) -> u32 {
        match self.of.get(key as usize) {
            Some(&n) if n != u32::MAX => n,
            _ => self.look_up(key, deals),
        }
    }

    #[cold]
    fn look_up(&mut self, key: u32, deals: &crate::Deals) -> u32 {
        let name = deals.words.get(key).unwrap_or_default();
        let next = self.names.len() as u32;
        let n = *self.numbers.entry(Box::from(name)).or_insert_with(|| next);
        if n == next {
            self.names.push(Box::from(name));
        }
        if self.of.len() <= key as usize {
            self.of.resize(key as usize + 1, u32::MAX);
        }
        self.of[key as usize] = n;
        self.set.push(key);
        n
    }

    /// The partner numbered `n`.
    pub(crate) fn name(&self, n: u32) -> Option<&str> {
        self.names.get(n as usize).map(|s| &**s)
    }
}

impl ClosedDays {
    /// Adds one deal (a `closed_on` of `None`: not kept, nothing added).
    #[inline]
    pub(crate) fn add(&mut self, d: &ClosedDeal) -> Result<()> {
        let Some(day) = d.closed_on else { return Ok(()) };
        let partners = &mut self.partners;
        let slot = *self.slots.entry(d.partner).or_insert_with(|| {
            partners.push(PartnerDays { partner: d.partner, sums: Vec::new(), pending: Vec::new() });
            (partners.len() - 1) as u32
        });
        let p = &mut partners[slot as usize];
        p.pending.push(Pending { day, won: d.won, revenue: d.revenue, cycle_days: d.cycle_days });
        if p.pending.len() >= p.sums.len().max(COMPACT_MIN) {
            p.compact()?;
        }
        Ok(())
    }

    /// Whether no deal was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.partners.is_empty()
    }

    /// Sums every deal added so far into its partner's per-day sums.
    pub(crate) fn compact(&mut self) -> Result<()> {
        self.partners.iter_mut().try_for_each(PartnerDays::compact)
    }

    /// Folds the sums into `state` (partners named by `names`); whether any deal counted. Call
    /// [`ClosedDays::compact`] first (deals still pending are left out).
    pub(crate) fn fold_into(&self, state: &mut ImpactState, names: &PartnerNames) -> Result<bool> {
        for p in &self.partners {
            let Some(name) = names.name(p.partner) else { continue };
            let track = state.track(name);
            if track.days.is_empty() {
                track.days = p.sums.iter().cloned().collect(); // in order: built in one go
                continue;
            }
            for (day, a) in &p.sums {
                track.days.entry(*day).or_default().merge(a)?;
            }
        }
        Ok(!self.partners.is_empty())
    }
}

impl PartnerDays {
    /// Adds the pending deals to the sums of their days (sorted by day first), in the order
    /// they came within a day.
    fn compact(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.pending.sort_by_key(|p| p.day);
        let mut merged = Vec::with_capacity(self.sums.len() + self.pending.len());
        let mut sums = std::mem::take(&mut self.sums).into_iter().peekable();
        for run in self.pending.chunk_by(|a, b| a.day == b.day) {
            let day = run[0].day;
            while let Some(earlier) = sums.next_if(|s| s.0 < day) {
                merged.push(earlier);
            }
            let (_, mut a) = sums.next_if(|s| s.0 == day).unwrap_or_default();
            for p in run {
                a.add_deal(p.won, p.revenue, p.cycle_days)?;
            }
            merged.push((day, a));
        }
        merged.extend(sums);
        self.sums = merged;
        self.pending.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Merge;

    /// Thousands of deals of a few partners in scrambled day order, with amounts of mixed
    /// scales — compacted many times on the way — sum to what adding each deal to its
    /// (partner, day) in a map gives, scales included.
    #[test]
    fn compactions_sum_like_one_deal_at_a_time() {
        let mut deals = crate::Deals::default();
        for p in ["p0", "p1", "p2"] {
            let mut d = crate::Deal::new(p, "2025-01-01".parse().unwrap(), DealStatus::Open);
            d.partner_id = Some(p.into());
            deals.push(d);
        }
        let (mut days, mut want, mut names) = (ClosedDays::default(), ImpactState::default(), PartnerNames::default());
        names.start();
        let first: NaiveDate = "2025-01-01".parse().unwrap();
        let mut x: u64 = 7;
        for i in 0..20_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let key = deals.word_key(crate::domain::WordField::Partner, (x >> 60) as usize % 3);
            let partner = names.number(key, &deals);
            let day = first + chrono::Days::new((x >> 33) % 90);
            let won = x & 1 == 1;
            let revenue = if won { Decimal::new((x >> 40) as i64 % 100_000, (i % 4) as u32) } else { Decimal::ZERO };
            let d = ClosedDeal { partner, closed_on: Some(day), won, revenue, cycle_days: (x >> 20) % 300 };
            days.add(&d).unwrap();
            want.track(deals.words.get(key).unwrap()).days.entry(day).or_default().add_deal(won, revenue, d.cycle_days).unwrap();
        }
        days.add(&ClosedDeal::default()).unwrap(); // not kept
        days.compact().unwrap();
        let mut got = ImpactState::default();
        assert!(days.fold_into(&mut got, &names).unwrap());
        assert_eq!(serde_json::to_string(&got).unwrap(), serde_json::to_string(&want).unwrap());
        // folded into a state that has days already: merged
        let mut twice = got.clone();
        assert!(days.fold_into(&mut twice, &names).unwrap());
        got.merge(&want).unwrap();
        assert_eq!(twice, got);
    }
}
