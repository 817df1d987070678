//! [`ClosedDays`]: the deals `training_impact` keeps (won and lost deals of a partner closed
//! near the window, [`super::training_impact::close_span`]) of one group in one window, summed
//! per (partner, closing day) as `Engine::push_deals` reads them from the columns of
//! [`crate::Deals`] (a batch of deals at a time, sorted by partner), then folded into the
//! KPI's state once per (partner, day) instead of once per deal ([`ClosedDays::fold_into`]).
//! The sums are the state's own [`DayAgg`](super::training_impact::DayAgg), each deal added
//! with the fold its `observe` runs
//! ([`DayAgg::add_deal`](super::training_impact::DayAgg::add_deal)), so the state is the same.
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

/// The deals closed per partner (by the engine's number, [`PartnerNames`]) and closing day.
///
/// A deal is appended to one batch of the deals added since the last compaction, as it comes:
/// a sequential write, whatever its partner. When the batch is full ([`ClosedDays::full`]), and
/// before the sums are read, it is sorted by partner in place ([`by_partner`]), and each
/// partner's run is summed per day into its per-day sums ([`DaySums::add`]).
///
/// Why: the sums of 2,000 partners over a window and its margins are ~44 MB (545 days × 40
/// bytes each), and the pending deals of one list per partner were on pages of their own.
/// Adding each deal where it belongs as it came cost a cache or TLB miss per deal (on this VM a
/// nested page walk, ~100 ns: over a third of the fold of `training_impact` over 10 M deals).
/// A batch sorted by partner adds about as many deals to a partner's sums as they have days,
/// so its lines are loaded once per batch, not once per deal.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClosedDays {
    /// Per partner number ([`PartnerNames`], dense from 0): its index in `partners`
    /// (`u32::MAX`: no deal yet).
    slots: Vec<u32>,
    partners: Vec<PartnerDays>,
    /// The deals added since the last compaction, in the order they came, and their partners'
    /// indexes in `partners`.
    batch: Vec<Pending>,
    batch_slots: Vec<u32>,
    /// The slots the partners' sums held at the last compaction ([`DaySums::len`], summed).
    held: usize,
}

/// One partner's deals in a [`ClosedDays`].
#[derive(Clone, Debug)]
struct PartnerDays {
    partner: u32,
    /// Sums per closing day as of the last compaction.
    sums: DaySums,
}

/// Deals a [`ClosedDays`] gathers at most before it sums them per partner and day: 2²⁰ (32
/// MB; ~500 deals a partner at 2,000 partners, about the days of each one's sums). Fewer while
/// its sums hold fewer slots, or it has fewer partners ([`ClosedDays::full`]): the batch stays
/// within what the sums hold (a query by partner keeps a [`ClosedDays`] per group and window,
/// each with a partner or a few), and a compaction, which visits every partner, comes at most
/// once per deal of each.
const BATCH: usize = 1 << 20;

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
        // looked up by the text first: each table names every partner again (a chunk of a
        // streamed query is a table), so a partner is mostly met again, and its name is then
        // not copied
        let n = match self.numbers.get(name) {
            Some(&n) => n,
            None => {
                let n = self.names.len() as u32;
                self.numbers.insert(Box::from(name), n);
                self.names.push(Box::from(name));
                n
            }
        };
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
            Some(&s) if s != u32::MAX => s,
            _ => self.slot(d.partner),
        };
        self.batch.push(Pending { day: day.num_days_from_ce(), cycle_days: d.cycle_days, revenue: d.revenue, won: d.won });
        self.batch_slots.push(slot);
        if self.batch.len() >= self.full() {
            self.compact()?;
        }
        Ok(())
    }

    /// How many deals fill the batch: [`BATCH`], or as many as the slots of the sums or the
    /// partners, when fewer (at least 256).
    #[inline]
    fn full(&self) -> usize {
        self.held.max(self.partners.len()).clamp(256, BATCH)
    }

    /// Gives partner number `partner` its [`PartnerDays`] (its first deal): its index.
    #[cold]
    fn slot(&mut self, partner: u32) -> u32 {
        if self.slots.len() <= partner as usize {
            self.slots.resize(partner as usize + 1, u32::MAX);
        }
        self.partners.push(PartnerDays { partner, sums: DaySums::default() });
        let slot = (self.partners.len() - 1) as u32;
        self.slots[partner as usize] = slot;
        slot
    }

    /// Whether no deal was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.partners.is_empty()
    }

    /// Sums every deal added so far into its partner's per-day sums: the batch sorted by
    /// partner in place ([`by_partner`]; as it is with one partner), then each partner's run
    /// added to its sums.
    pub(crate) fn compact(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let starts = if self.partners.len() == 1 {
            vec![0, self.batch.len() as u32]
        } else {
            by_partner(&mut self.batch, &mut self.batch_slots, self.partners.len())
        };
        let r = self.partners.iter_mut().enumerate().try_for_each(|(k, p)| {
            let run = &mut self.batch[starts[k] as usize..starts[k + 1] as usize];
            if run.is_empty() { Ok(()) } else { p.sums.add(run) }
        });
        self.batch.clear();
        self.batch_slots.clear();
        self.held = self.partners.iter().map(|p| p.sums.len()).sum();
        r
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

/// Sorts `deals` by their partners' indexes `slots` (both permuted alike; `0..partners`) in
/// place: one counting pass, then each deal swapped straight into the next free place of its
/// partner's run (an American flag sort: each swap puts one deal where it belongs, so at most
/// one swap a deal, and no copy of the batch). Returns where each partner's run starts (and
/// the end, last). The order within a run is not kept: the sums do not depend on it.
///
/// Example: slots `[1, 0, 1, 0]` become `[0, 0, 1, 1]`, the runs starting at `[0, 2, 4]`.
fn by_partner(deals: &mut [Pending], slots: &mut [u32], partners: usize) -> Vec<u32> {
    let mut starts = vec![0u32; partners + 1];
    for &s in slots.iter() {
        starts[s as usize + 1] += 1;
    }
    for k in 1..starts.len() {
        starts[k] += starts[k - 1];
    }
    let mut next = starts.clone();
    for run in 0..partners {
        let end = starts[run + 1];
        while next[run] < end {
            let i = next[run] as usize;
            let s = slots[i] as usize;
            if s == run {
                next[run] += 1;
            } else {
                let j = next[s] as usize;
                deals.swap(i, j);
                slots.swap(i, j);
                next[s] += 1;
            }
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Merge;

    /// Deals of a few partners, or of many, in scrambled day order, with amounts of mixed
    /// scales — compacted many times on the way, in batches sorted by partner — sum to what
    /// adding each deal to its (partner, day) in a map gives, scales included: days close
    /// together (summed per day without a sort), far apart (sorted), and both in one run.
    #[test]
    fn compactions_sum_like_one_deal_at_a_time() {
        check(20_000, &[90], 3);
        check(2_000, &[7_300], 3);
        check(6_000, &[60, 5_000], 3);
        // more partners than a batch of 256: batches grow with the partners, then the sums
        check(150_000, &[200], 700);
    }

    /// A tally with one kept deal holds room for a few deals, not for a full batch: a query by a
    /// dimension of many values keeps a `ClosedDays` per (group, window), most with few deals.
    #[test]
    fn a_batch_grows_with_its_deals() {
        let mut days = ClosedDays::default();
        let d = ClosedDeal { partner: 3, closed_on: "2025-02-01".parse().ok(), won: true, revenue: Decimal::ONE, cycle_days: 9 };
        days.add(&d).unwrap();
        assert_eq!(days.batch.len(), 1);
        assert!(days.batch.capacity() <= 16 && days.batch_slots.capacity() <= 16, "{}", days.batch.capacity());
    }

    /// The batch sorted in place: every run holds exactly its partner's deals, each deal once.
    #[test]
    fn a_batch_sorts_into_one_run_per_partner() {
        let deal = |day: i32| Pending { day, cycle_days: 0, revenue: Decimal::ZERO, won: false };
        let mut slots: Vec<u32> = (0..1000u32).map(|i| (i * 7919 + 13) % 37).collect();
        // the day says which deal it was
        let mut deals: Vec<Pending> = (0..1000).map(deal).collect();
        let want: Vec<u32> = slots.clone();
        let starts = by_partner(&mut deals, &mut slots, 37);
        assert_eq!(starts.len(), 38);
        let mut seen = vec![false; 1000];
        for k in 0..37 {
            for i in starts[k] as usize..starts[k + 1] as usize {
                assert_eq!(slots[i], k as u32);
                let d = deals[i].day as usize;
                assert_eq!(want[d], k as u32, "deal {d} in the run of partner {k}");
                assert!(!std::mem::replace(&mut seen[d], true), "deal {d} twice");
            }
        }
        assert!(seen.iter().all(|&s| s));
    }

    /// `n` deals of `partners` partners, the `i`-th closed within `spans[i % spans.len()]`
    /// days of 2025-01-01.
    fn check(n: u64, spans: &[u64], partners: u64) {
        let mut deals = crate::Deals::default();
        for p in (0..partners).map(|k| format!("p{k}")) {
            let mut d = crate::Deal::new(&p, "2025-01-01".parse().unwrap(), DealStatus::Open);
            d.partner_id = Some(p.clone());
            deals.push(d);
        }
        let (mut days, mut want, mut names) = (ClosedDays::default(), ImpactState::default(), PartnerNames::default());
        names.start();
        let first: NaiveDate = "2025-01-01".parse().unwrap();
        let mut x: u64 = 7;
        for i in 0..n {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let key = deals.word_key(crate::domain::WordField::Partner, ((x >> 44) % partners) as usize);
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
