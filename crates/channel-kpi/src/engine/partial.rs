//! [`Engine`] (records → partial states) and [`Partial`] (merge; its encodings are in
//! `format.rs`, its finish in `finish.rs`).

use super::accounts::Accounts;
use super::coverage::Coverage;
use super::dimension::{DimValue, Dimension};
use super::fingerprint::hex;
use super::groups::{GroupIndex, GroupKey};
use super::kpi::{Ctx, Merge};
use super::plan::Plan;
use super::query::Query;
use super::record::{Record, Reference};
use super::registry::KpiState;
use super::window::Window;
use crate::error::{Error, Location, Result};
use crate::money::Currency;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Partial results: per window and group, one state per metric. Serializable; merging two
/// partials of the same query is exact and associative, so a dataset can be split, each part
/// folded anywhere (threads, processes, machines), and the parts merged in any order.
///
/// ```
/// use channel_kpi::{Dataset, Deal, DealStatus, Engine, Metric, Period, Query, Record};
/// let day = |s: &str| s.parse().unwrap();
/// let q = Query::new(vec![Metric::DealCount], Period::parse("2025").unwrap());
/// let data = Dataset::default();
/// let mut a = Engine::new(&q, &data.refs).unwrap();
/// let mut b = Engine::new(&q, &data.refs).unwrap();
/// let mut d = Deal::new("D1", day("2025-01-02"), DealStatus::Won);
/// d.closed_on = Some(day("2025-02-01"));
/// d.amount = Some("10 USD".parse().unwrap());
/// a.push(&Record::Deal(&d)).unwrap();
/// b.push(&Record::Deal(&d)).unwrap();
/// // ship `b` as bytes, merge it back
/// let bytes = b.into_partial().unwrap().to_bytes().unwrap();
/// let mut whole = a.into_partial().unwrap();
/// whole.merge(&channel_kpi::Partial::from_bytes(&bytes).unwrap()).unwrap();
/// let t = whole.finish(&data.refs).unwrap();
/// assert_eq!(t.value(0, "won_count").unwrap().to_string(), "2");
/// ```
///
/// Serialized (serde, e.g. JSON for debugging) and encoded ([`Partial::to_bytes`]) with a
/// format version and the query's fingerprint; decoding validates every state
/// ([`Partial::validate`]). A partial records the parts of the input it covers
/// ([`Partial::cover`]) and, when folded for scale-out, the fingerprint of the reference data
/// it was folded with: merging the same part twice, or finishing with other reference data,
/// is an error (see `engine/format.rs`).
#[derive(Clone, PartialEq, Debug)]
pub struct Partial {
    pub(super) query: Query,
    pub(super) currency: Option<Currency>,
    pub(super) cells: Vec<BTreeMap<GroupKey, Vec<KpiState>>>,
    /// The parts of the input folded in.
    pub(super) coverage: Coverage,
    /// Fingerprint of the reference data the records were folded with (`None`: not recorded).
    pub(super) reference: Option<u64>,
}

/// Dimensions whose values a record push keeps on the stack (more take a heap vector).
pub(super) const INLINE_DIMS: usize = 8;

/// Folds records into a [`Partial`]. Memory grows with the number of groups × windows, not
/// with the number of records.
///
/// Groups get dense ids (a `GroupIndex`), and states live in one flat vector indexed by group
/// and window: a record of a known group costs no allocation.
#[derive(Debug)]
pub struct Engine<'r> {
    pub(super) refs: &'r Reference,
    pub(super) windows: Vec<Window>,
    pub(super) as_of: NaiveDate,
    /// The last day any window or `as_of` reaches: contracts are expanded into months up to it.
    pub(super) horizon: NaiveDate,
    pub(super) query: Query,
    pub(super) currency: Option<Currency>,
    pub(super) groups: GroupIndex,
    /// Every amount must share one currency ([`Query::needs_one_currency`]).
    pub(super) one_currency: bool,
    /// `cells[group * windows.len() + window]`: the metrics' states, once a record counted.
    pub(super) cells: Vec<Option<Vec<KpiState>>>,
    /// `tallies[group * windows.len() + window]`: the deal-outcome sums of the deals
    /// [`Engine::push_deals`] has folded and not yet added to `cells` (they are added once, by
    /// [`Engine::into_partial`] and [`Engine::finish`], not once per call: a query folding a
    /// file chunk by chunk turns each group's sums into states once).
    pub(super) tallies: Vec<crate::kpi::deal_sums::Tally>,
    /// The partners of the deals `training_impact` keeps in `tallies`, numbered by the engine
    /// (the same in every [`crate::Deals`] folded).
    pub(super) closed_names: crate::kpi::closed_days::PartnerNames,
    /// [`Engine::push`]'s group ids of a record, kept to reuse the buffer.
    scratch: Vec<u32>,
    /// The engine's numbers for the accounts of subscription months ([`Ctx::account`]).
    pub(super) accounts: Accounts,
    /// Per metric, the earlier metric whose state it copies instead of observing
    /// ([`crate::engine::Kpi::OBSERVES_LIKE`]).
    copies: Vec<Option<usize>>,
    /// Per metric: folded from the deals' facts (`kpi::deal_tally::columnar_metric`: summed in
    /// [`Engine::tallies`]) or observing each deal.
    pub(super) by_facts: Vec<bool>,
    /// Per window, the first window equal to it ([`super::window_spans::first_equal`]): a
    /// repeated window is tallied once.
    pub(super) firsts: Vec<usize>,
}

/// What the engine knows of a record besides its fields, found once before it is folded into
/// its groups: its account number ([`Ctx::account`], 0 when none) and, when known, the only
/// windows (indexes) it can count in — `None`: every window is tried.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Found<'s> {
    pub(crate) account: u32,
    pub(crate) windows: Option<&'s [usize]>,
}

impl<'r> Engine<'r> {
    /// Validates the query against the reference data and prepares empty partial states.
    pub fn new(query: &Query, refs: &'r Reference) -> Result<Self> {
        let query = query.normalized()?;
        let windows = Plan::of(&query)?.windows;
        let as_of = query.as_of.unwrap_or(query.period.last_day());
        {
            let ctx = Ctx { query: &query, refs, as_of, account: 0 };
            let mut seen = std::collections::HashSet::new();
            for m in &query.metrics {
                for c in m.columns(&ctx)? {
                    if !seen.insert(c.name.clone()) {
                        return Err(Error::Query(format!(
                            "the column {} would be produced twice (by {} or an earlier metric, or two stages with the same column name)",
                            c.name,
                            m.id()
                        )));
                    }
                }
            }
        }
        if let Some(m) = query.metrics.iter().find(|m| !m.row_keys().is_empty())
            && (query.metrics.len() > 1 || query.compare_to.is_some())
        {
            return Err(Error::Query(format!(
                "{} gives a long table (one row per {}): query it alone and without compare_to",
                m.id(),
                m.row_keys().iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(" and ")
            )));
        }
        let by_facts = {
            let ctx = Ctx { query: &query, refs, as_of, account: 0 };
            query.metrics.iter().map(|m| crate::kpi::deal_tally::columnar_metric(*m, &ctx)).collect()
        };
        let firsts = super::window_spans::first_equal(&windows);
        let groups = GroupIndex::new(query.group_by.len());
        let horizon = windows.iter().map(|w| w.period.last_day()).fold(as_of, NaiveDate::max);
        let one_currency = query.needs_one_currency();
        let like = |m: &crate::Metric| m.observes_like();
        let copies = (0..query.metrics.len())
            .map(|j| like(&query.metrics[j]).and_then(|k| query.metrics[..j].iter().position(|m| like(m) == Some(k))))
            .collect();
        Ok(Engine {
            refs,
            windows,
            as_of,
            horizon,
            currency: query.currency,
            one_currency,
            query,
            groups,
            cells: Vec::new(),
            tallies: Vec::new(),
            closed_names: Default::default(),
            scratch: Vec::new(),
            accounts: Accounts::default(),
            copies,
            by_facts,
            firsts,
        })
    }

    /// The normalized query.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// Folds one record into every cell it belongs to.
    pub fn push(&mut self, rec: &Record) -> Result<()> {
        check_currency(&mut self.currency, !self.one_currency, rec)?;
        if let Record::Contract(c) = rec {
            // The one place contracts become monthly MRR: every KPI sees the months.
            for m in c.months(self.horizon) {
                self.push(&Record::Subscription(&m))?;
            }
            return Ok(());
        }
        let account = match rec {
            Record::Subscription(s) => self.accounts.number(&s.account_id),
            _ => 0,
        };
        let mut ids = std::mem::take(&mut self.scratch);
        let r = self.fold_groups(rec, &mut ids, Found { account, windows: None });
        self.scratch = ids;
        r
    }

    /// Folds `rec` into each of its groups ([`Engine::group_ids`], found into `ids`).
    pub(super) fn fold_groups(&mut self, rec: &Record, ids: &mut Vec<u32>, found: Found) -> Result<()> {
        self.group_ids(rec, ids);
        ids.iter().try_for_each(|&g| self.fold_group(rec, g as usize, found))
    }

    /// The ids of the groups `rec` counts in, one per roll-up level (most detailed first),
    /// into `out` (cleared first; left empty when the record counts in no group).
    pub(super) fn group_ids(&mut self, rec: &Record, out: &mut Vec<u32>) {
        out.clear();
        let q = &self.query;
        // The record's value per dimension, on the stack for the usual few dimensions.
        let n = q.group_by.len();
        let (mut values, mut texts) = ([DimValue::Value(None); INLINE_DIMS], [None; INLINE_DIMS]);
        let (many_values, many_texts): (Vec<DimValue>, Vec<Option<&str>>);
        let (values, texts): (&[DimValue], &[Option<&str>]) = if n <= INLINE_DIMS {
            for ((v, t), d) in values.iter_mut().zip(&mut texts).zip(&q.group_by) {
                *v = rec.dim_value(d, self.refs);
                *t = v.text();
            }
            (&values[..n], &texts[..n])
        } else {
            many_values = q.group_by.iter().map(|d| rec.dim_value(d, self.refs)).collect();
            many_texts = many_values.iter().map(DimValue::text).collect();
            (&many_values, &many_texts)
        };
        let Some(levels) = levels_of(q, rec, values) else { return };
        out.extend(levels.map(|level| self.groups.id(level, texts)));
    }

    /// Folds `rec` into every window's cell of group `g` (those of `found.windows` only, when
    /// given).
    pub(super) fn fold_group(&mut self, rec: &Record, g: usize, found: Found) -> Result<()> {
        let ctx = Ctx { query: &self.query, refs: self.refs, as_of: self.as_of, account: found.account };
        let copies = &self.copies;
        fold_cells(&mut self.cells, &self.windows, &self.query.metrics, g, found.windows, |_, w, states| {
            let mut touched = false;
            // a copy's state is made from the one it copies as it leaves the engine
            for (s, _) in states.iter_mut().zip(copies).filter(|(_, c)| c.is_none()) {
                touched |= s.observe(rec, w, &ctx)?;
            }
            Ok(touched)
        })
    }

    /// `cells` keyed by window and group.
    pub(super) fn partial_of(&self, cells: Vec<Option<Vec<KpiState>>>) -> Partial {
        let nw = self.windows.len();
        let mut by_window = vec![BTreeMap::new(); nw];
        let names = self.accounts.names();
        for (i, states) in cells.into_iter().enumerate() {
            if let Some(mut states) = states {
                // resolved first, so a copy shares what its original resolved to
                states.iter_mut().for_each(|s| s.resolve(names));
                copy_states(&mut states, &self.copies);
                by_window[i % nw].insert(self.groups.key((i / nw) as u32).clone(), states);
            }
        }
        Partial { query: self.query.clone(), currency: self.currency, cells: by_window, coverage: Coverage::default(), reference: None }
    }

    /// The reference data records are folded with.
    pub(super) fn refs(&self) -> &Reference {
        self.refs
    }
}

/// Gives each metric that copies another's state ([`crate::engine::Kpi::OBSERVES_LIKE`],
/// `copies[j] = Some(i)`, `i < j`) a copy of that state.
fn copy_states(states: &mut [KpiState], copies: &[Option<usize>]) {
    for (j, i) in copies.iter().enumerate().filter_map(|(j, c)| Some((j, (*c)?))) {
        let (first, rest) = states.split_at_mut(j);
        let copied = rest[0].copy_from(&first[i]);
        debug_assert!(copied, "metrics observing alike hold one state type");
    }
}

/// Merges `theirs` into `mine` (one cell's states, one per metric). A state that is a copy
/// of an earlier one on both sides ([`crate::engine::Kpi::shares`]) is not merged again: it
/// becomes a copy of that one merged, which is what merging it would give.
fn merge_states(mine: &mut [KpiState], theirs: &[KpiState]) -> Result<()> {
    let copy_of = |j: usize, m: &[KpiState]| (0..j).find(|&i| m[j].shares(&m[i]) && theirs[j].shares(&theirs[i]));
    let copies: Vec<Option<usize>> = (0..mine.len()).map(|j| copy_of(j, mine)).collect();
    for ((a, b), c) in mine.iter_mut().zip(theirs).zip(&copies) {
        if c.is_none() {
            a.merge(b)?;
        }
    }
    copy_states(mine, &copies);
    Ok(())
}

/// Checks that `rec`'s amount shares the currency `seen` so far (and notes it); `mixed_ok` when
/// the query converts or combines no amounts.
pub(crate) fn check_currency(seen: &mut Option<Currency>, mixed_ok: bool, rec: &Record) -> Result<()> {
    if mixed_ok {
        return Ok(());
    }
    if let Some(m) = rec.amounts() {
        match seen {
            None => *seen = Some(m.currency),
            Some(c) if *c != m.currency => {
                return Err(Error::Currency {
                    expected: c.to_string(),
                    found: m.currency.to_string(),
                    location: Location {
                        record: Some(rec.describe()),
                        field: Some("currency".into()),
                        value: Some(m.to_string()),
                        ..Default::default()
                    },
                    reason: "set the query's currency and supply exchange rates to combine currencies".into(),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Folds a record into the cells of group `g` (`cells[g * windows + w]`, one per window; only
/// the windows of `only`, in its order, when given): `observe(w, window, states)` updates the
/// states and says whether the record counted. A cell is created (every metric's empty state)
/// only once something counted in it, so groups appear only in the windows where they have
/// data.
pub(super) fn fold_cells(
    cells: &mut Vec<Option<Vec<KpiState>>>,
    windows: &[Window],
    metrics: &[crate::Metric],
    g: usize,
    only: Option<&[usize]>,
    mut observe: impl FnMut(usize, &Window, &mut [KpiState]) -> Result<bool>,
) -> Result<()> {
    let nw = windows.len();
    if cells.len() < (g + 1) * nw {
        cells.resize_with((g + 1) * nw, || None);
    }
    let group = &mut cells[g * nw..(g + 1) * nw];
    let mut one = |wi: usize| -> Result<()> {
        let (w, slot) = (&windows[wi], &mut group[wi]);
        match slot {
            Some(states) => {
                observe(wi, w, states)?;
            }
            None => {
                let mut states: Vec<KpiState> = metrics.iter().map(|m| m.new_state()).collect();
                if observe(wi, w, &mut states)? {
                    *slot = Some(states);
                }
            }
        }
        Ok(())
    };
    match only {
        Some(only) => only.iter().try_for_each(|&wi| one(wi)),
        None => (0..nw).try_for_each(one),
    }
}

/// [`check_deal_currency`] for every deal of `rows` at once, when the table's amounts share one
/// currency ([`crate::Deals::single_currency`], remembered) that agrees with `seen`: then `seen` is set
/// as the row-by-row checks would set it and `true` is returned; `false` when the rows must be
/// checked one by one (several currencies, or another one seen before), in their order.
pub(crate) fn one_deal_currency(seen: &mut Option<Currency>, deals: &crate::Deals, rows: std::ops::Range<usize>) -> bool {
    match deals.single_currency() {
        Some(None) => true,
        Some(Some(c)) if seen.is_none_or(|s| s == c) => {
            if seen.is_none() && rows.into_iter().any(|i| deals.amount(i).is_some()) {
                *seen = Some(c);
            }
            true
        }
        _ => false,
    }
}

/// [`check_currency`] for deal `i` of `deals`, without building the deal unless its currency
/// is refused (then the error names it as for a [`Record::Deal`]).
pub(crate) fn check_deal_currency(seen: &mut Option<Currency>, deals: &crate::Deals, i: usize) -> Result<()> {
    match (deals.amount(i), *seen) {
        (Some(m), Some(c)) if c != m.currency => check_currency(seen, false, &Record::Deal(&deals.get(i))),
        (Some(m), None) => {
            *seen = Some(m.currency);
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The roll-up levels a record is counted at: the detail level, and with roll-up every coarser
/// one (most detailed first); `None` when there is none. A record kind that lacks a dimension
/// is left out of levels grouping by it. A target counts only at the level it was set for, so
/// partner targets are never summed into a company total.
fn levels_of(q: &Query, rec: &Record, values: &[DimValue]) -> Option<Levels> {
    let fixed = match rec {
        Record::Target(t) if t.dimension == Dimension::All => Some(0),
        Record::Target(t) if q.group_by.first() == Some(&t.dimension) => Some(1),
        Record::Target(_) => return None,
        _ => None,
    };
    levels(q, fixed, values)
}

/// Roll-up levels, most detailed first.
pub(super) type Levels = std::iter::Rev<std::ops::RangeInclusive<usize>>;

/// [`levels_of`] for a record counted at level `fixed` only (`None`: at the levels its
/// dimension values allow).
pub(super) fn levels(q: &Query, fixed: Option<usize>, values: &[DimValue]) -> Option<Levels> {
    let full = q.group_by.len();
    // The deepest level whose dimensions all apply to this record.
    let applicable = values.iter().position(|v| *v == DimValue::NotApplicable).unwrap_or(full);
    let (lo, hi) = match (fixed, q.rollup) {
        (Some(f), _) if f > full || (!q.rollup && f != full) => return None,
        (Some(f), _) => (f, f),
        (None, true) => (0, full),
        (None, false) => (full, full),
    };
    let hi = hi.min(applicable);
    (lo <= hi).then(|| (lo..=hi).rev())
}

impl Partial {
    /// The (normalized) query these states answer.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// Number of (window, group) cells held.
    pub fn cell_count(&self) -> usize {
        self.cells.iter().map(|m| m.len()).sum()
    }

    /// Folds `other` in. Both must come from the same query and reference data, and cover
    /// no common part of the input (an error names the part that would count twice).
    pub fn merge(&mut self, other: &Partial) -> Result<()> {
        if self.query != other.query {
            return Err(Error::Merge("the partial results answer different queries".into()));
        }
        if self.reference != other.reference {
            return Err(Error::Merge(format!(
                "the partial results were folded with different reference data (fingerprints {} and {})",
                hex(self.reference),
                hex(other.reference)
            )));
        }
        let coverage = self.coverage.union(&other.coverage)?;
        match (self.currency, other.currency) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error::Currency {
                    expected: a.to_string(),
                    found: b.to_string(),
                    location: Location::default(),
                    reason: "merging partial results in different currencies".into(),
                });
            }
            (None, b) => self.currency = b,
            _ => {}
        }
        for (mine, theirs) in self.cells.iter_mut().zip(&other.cells) {
            for (k, states) in theirs {
                match mine.get_mut(k) {
                    Some(m) => merge_states(m, states)?,
                    None => {
                        mine.insert(k.clone(), states.clone());
                    }
                }
            }
        }
        self.coverage = coverage;
        Ok(())
    }
}
