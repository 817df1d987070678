//! [`ClosedDays`]: the deals `training_impact` keeps (won and lost deals of a partner closed
//! near the window, [`super::training_impact::close_span`]) of one group in one window, summed
//! per (partner, closing day) as `Engine::push_deals` reads them from the columns of
//! [`crate::Deals`], then folded into the KPI's state once per (partner, day) instead of once
//! per deal ([`ClosedDays::fold_into`]). The sums are the state's own [`DayAgg`](super::training_impact::DayAgg), each deal
//! added with the fold its `observe` runs ([`DayAgg::add_deal`](super::training_impact::DayAgg::add_deal)), so the state is the same.
//!
//! Partners are numbered by the engine ([`PartnerNames`]), not by the dictionary of the
//! [`crate::Deals`] they were read from: the sums of every table an engine folds (a streamed
//! query's chunks, each read into a `Deals` of its own) add up in one [`ClosedDays`], turned
//! into the state once, when the engine's partial is taken.

use super::day_sums::{DaySums, Pending};
use super::deals::amount_on;
use super::training_impact::ImpactState;
use crate::domain::DealStatus;
use crate::engine::{Ctx, Merge};
use crate::error::Result;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// The deals closed per partner (by the engine's number, [`PartnerNames`]) and closing day. A deal
/// is appended to its partner's list as it comes (one array read finds the partner, whose list
/// ends stay in cache, not among every partner-day); a partner's list is summed per day into
/// its per-day sums when it outgrows them ([`DaySums::add`]), so memory stays within
/// about twice the partner-days with deals.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClosedDays {
    /// Per partner number ([`PartnerNames`], dense from 0): its index in `partners`
    /// (`u32::MAX`: no deal yet).
    slots: Vec<u32>,
    partners: Vec<PartnerDays>,
}

/// One partner's deals in a [`ClosedDays`].
#[derive(Clone, Debug)]
struct PartnerDays {
    partner: u32,
    /// Sums per closing day as of the last compaction.
    sums: DaySums,
    /// The deals added since, in the order they came.
    pending: Vec<Pending>,
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
    /// `closed_on − created_on` in days, at least 0 (within the 32 bits two dates are apart at
    /// most: chrono's dates span about 2²⁸ days).
    pub cycle_days: u32,
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
                    cycle_days: u32::try_from(cycle_days.max(0)).unwrap_or(u32::MAX),
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
        let slot = match self.slots.get(d.partner as usize) {
            Some(&s) if s != u32::MAX => s as usize,
            _ => self.slot(d.partner),
        };
        let p = &mut self.partners[slot];
        p.pending.push(Pending { day: day.num_days_from_ce(), cycle_days: d.cycle_days, revenue: d.revenue, won: d.won });
        if p.pending.len() >= p.sums.len().max(COMPACT_MIN) {
            p.sums.add(&mut p.pending)?;
        }
        Ok(())
    }

    /// Gives partner number `partner` its [`PartnerDays`] (its first deal).
    #[cold]
    fn slot(&mut self, partner: u32) -> usize {
        if self.slots.len() <= partner as usize {
            self.slots.resize(partner as usize + 1, u32::MAX);
        }
        self.partners.push(PartnerDays { partner, sums: DaySums::default(), pending: Vec::new() });
        self.slots[partner as usize] = (self.partners.len() - 1) as u32;
        self.partners.len() - 1
    }

    /// Whether no deal was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.partners.is_empty()
    }

    /// Sums every deal added so far into its partner's per-day sums.
    pub(crate) fn compact(&mut self) -> Result<()> {
        self.partners.iter_mut().try_for_each(|p| p.sums.add(&mut p.pending))
    }

    /// Folds the sums into `state` (partners named by `names`); whether any deal counted. Call
    /// [`ClosedDays::compact`] first (deals still pending are left out).
    pub(crate) fn fold_into(&self, state: &mut ImpactState, names: &PartnerNames) -> Result<bool> {
        for p in &self.partners {
            let Some(name) = names.name(p.partner) else { continue };
            let track = state.track(name);
            // the days of dates, so days since the common era within chrono's range
            let days = p.sums.iter().filter_map(|(d, a)| Some((NaiveDate::from_num_days_from_ce_opt(d)?, a)));
            if track.days.is_empty() {
                track.days = days.map(|(d, a)| (d, a.clone())).collect(); // in order: built in one go
                continue;
            }
            for (day, a) in days {
                track.days.entry(day).or_default().merge(a)?;
            }
        }
        Ok(!self.partners.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Merge;

    /// Deals of a few partners in scrambled day order, with amounts of mixed scales —
    /// compacted many times on the way — sum to what adding each deal to its (partner, day) in
    /// a map gives, scales included: days close together (summed per day without a sort),
    /// far apart (sorted), and both in one run.
    #[test]
    fn compactions_sum_like_one_deal_at_a_time() {
        check(20_000, &[90]);
        check(2_000, &[7_300]);
        check(6_000, &[60, 5_000]);
    }

    /// `n` deals, the `i`-th closed within `spans[i % spans.len()]` days of 2025-01-01.
    fn check(n: u64, spans: &[u64]) {
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
        for i in 0..n {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let key = deals.word_key(crate::domain::WordField::Partner, (x >> 60) as usize % 3);
            let partner = names.number(key, &deals);
            let day = first + chrono::Days::new((x >> 33) % spans[i as usize % spans.len()]);
            let won = x & 1 == 1;
            let revenue = if won { Decimal::new((x >> 40) as i64 % 100_000, (i % 4) as u32) } else { Decimal::ZERO };
            let d = ClosedDeal { partner, closed_on: Some(day), won, revenue, cycle_days: ((x >> 20) % 300) as u32 };
            days.add(&d).unwrap();
            want.track(deals.words.get(key).unwrap()).days.entry(day).or_default().add_deal(won, revenue, u64::from(d.cycle_days)).unwrap();
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
