//! [`Engine::push_leads`]: leads folded from the columns of [`Leads`].
//!
//! The same fold as [`Engine::push`] of each lead as a [`crate::Lead`] (same groups, windows and
//! states), read from the columns. Usually (`Combos`, few combinations of the value ids of the
//! query's dimensions) the leads are counted by (combination, segment of days, converted or
//! not) in one table, a block of leads at a time, column by column — a segment being a run of
//! days held by the same windows ([`DaySegments`]), found by a few compares of the creation
//! date — and each combination's groups are found once, from its first lead; each count then
//! goes to the [`LeadTally`] of each (group, window) cell of its combination and segment.
//! Else (`GroupKeys`) each lead's groups are found by its ids and the windows it can count in
//! from its creation date (`Spans`), and it adds one to each of its cells' tallies. Once every
//! lead is added, each tally is folded into its cell's states by the fold
//! the lead KPIs' own `observe` runs ([`fold_leads`]). A query without a lead KPI
//! ([`reads_leads`]) reads no lead: every other KPI ignores them.
//!
//! ```text
//! lead  created_on  channel  source   won_on      →  cell (paid/ads, 2025-Q1): leads +1, converted +1
//! L1    2025-02-01  paid     ads      2025-03-10
//! ```

use super::day_counts::{Counting, few, tabled};
use super::day_segments::DaySegments;
use super::dimension::Dimension;
use super::group_cache::{GroupKeys, IdColumn};
use super::partial::Engine;
use super::record::Record;
use super::registry::KpiState;
use super::window_spans::Spans;
use crate::domain::{Channel, Lead, Leads};
use crate::error::Result;
use crate::kpi::lead_tally::{LeadTally, converted, fold_leads, reads_leads};
use chrono::NaiveDate;

impl Engine<'_> {
    /// Folds leads `rows` of `leads`: the same as [`Engine::push`] of each lead as a
    /// [`crate::Lead`] ([`Leads::get`]), without building one per lead (one is built only to
    /// find the groups of the first lead of each combination of dimension values).
    pub fn push_leads(&mut self, leads: &Leads, rows: std::ops::Range<usize>) -> Result<()> {
        if rows.is_empty() || !self.query.metrics.iter().any(|m| reads_leads(*m)) {
            return Ok(());
        }
        let nw = self.windows.len();
        // the windows holding a day: from the spans when the windows are disjoint periods,
        // else every window is asked
        let (spans, every) = (Spans::of(&self.windows, 0), (0..nw).collect::<Vec<usize>>());
        let (windows, as_of) = (self.windows.clone(), self.as_of);
        let mut t = Tallies { nw, windows: &windows, cells: Vec::new() };
        let mut lead: Option<Lead> = None;
        let mut find = |e: &mut Self, i: usize, out: &mut Vec<u32>| {
            let l = lead.get_or_insert_with(|| leads.get(i));
            leads.fill(i, l);
            e.group_ids(&Record::Lead(l), out);
        };
        let span = |created| spans.as_ref().map_or(every.as_slice(), |s| s.touched(created, Some(created)));
        let combos = Combos::new(&self.query.group_by, leads);
        if let Some((combos, segs)) = combos.and_then(|c| DaySegments::of(&windows, DENSE / c.count).map(|s| (c, s))) {
            // the leads of each (combination, segment of days), converted or not, counted in one
            // table; then each combination's groups found once, from its first lead, and each
            // segment's leads added to the windows holding its days
            let ns = segs.count();
            let counts = combos.count_leads(leads, rows.clone(), &segs, as_of)?;
            let tally = |c: usize, s: usize| LeadTally {
                leads: counts[(c * ns + s) * 2] + counts[(c * ns + s) * 2 + 1],
                converted: counts[(c * ns + s) * 2 + 1],
            };
            let mut wanted: Vec<bool> =
                (0..combos.count).map(|c| (0..ns).any(|s| !segs.windows(s).is_empty() && !tally(c, s).is_empty())).collect();
            let (mut left, mut groups) = (wanted.iter().filter(|w| **w).count(), Vec::new());
            for i in rows {
                if left == 0 {
                    break;
                }
                let c = combos.of(i);
                if std::mem::take(&mut wanted[c]) {
                    left -= 1;
                    find(self, i, &mut groups);
                    for s in 0..ns {
                        for &k in segs.windows(s) {
                            t.add_one(&groups, k, &tally(c, s));
                        }
                    }
                }
            }
        } else {
            let mut keys = GroupKeys::new(&self.query.group_by, |dim| -> Option<IdColumn> {
                Some(match dim {
                    Dimension::Partner | Dimension::PartnerTier | Dimension::Region => Box::new(|i| leads.partner[i]),
                    Dimension::Channel => Box::new(|i| leads.channel[i].map_or(0, |c| c as u32 + 1)),
                    Dimension::Source => Box::new(|i| leads.source[i]),
                    Dimension::Attr(name) => match leads.attrs.column(name) {
                        Some(c) => Box::new(move |i| leads.attrs.id(c, i)),
                        None => Box::new(|_| 0),
                    },
                    // the others do not apply to a lead: the same for every lead
                    _ => Box::new(|_| 0),
                })
            });
            for i in rows {
                crate::interrupt::check()?;
                let created = leads.created_on[i];
                let span = span(created);
                if span.is_empty() {
                    continue;
                }
                let groups = self.keyed_groups(&mut keys, i, |e, out| find(e, i, out));
                t.add(groups, span, created, converted(leads.won_on[i], as_of));
            }
        }
        self.fold_lead_tallies(&t.cells);
        Ok(())
    }

    /// Folds each (group, window) tally of leads into its cell's states (created, every
    /// metric's empty state, when the tally holds a lead) with [`fold_leads`].
    fn fold_lead_tallies(&mut self, tallies: &[LeadTally]) {
        if self.cells.len() < tallies.len() {
            self.cells.resize_with(tallies.len(), || None);
        }
        let metrics = &self.query.metrics;
        for (t, cell) in tallies.iter().zip(&mut self.cells).filter(|(t, _)| !t.is_empty()) {
            let states = cell.get_or_insert_with(|| metrics.iter().map(|m| m.new_state()).collect::<Vec<KpiState>>());
            for s in states.iter_mut() {
                fold_leads(s, t);
            }
        }
    }
}

/// The (group, window) tallies of leads: `cells[group * nw + window]`.
struct Tallies<'w> {
    nw: usize,
    windows: &'w [crate::engine::Window],
    cells: Vec<LeadTally>,
}

impl Tallies<'_> {
    /// The tallies of group `g`, one per window.
    #[inline(always)]
    fn of(&mut self, g: u32) -> &mut [LeadTally] {
        let (g, nw) = (g as usize, self.nw);
        if self.cells.len() < (g + 1) * nw {
            self.cells.resize((g + 1) * nw, LeadTally::default());
        }
        &mut self.cells[g * nw..(g + 1) * nw]
    }

    /// Adds the leads of `tally` to the tallies of each of `groups` in window `k`.
    fn add_one(&mut self, groups: &[u32], k: usize, tally: &LeadTally) {
        for &g in groups {
            self.of(g)[k].add_all(tally);
        }
    }

    /// Adds a lead created on `created` (`converted` or not) to the tallies of `groups` in each
    /// window of `span` holding that day.
    #[inline(always)]
    fn add(&mut self, groups: &[u32], span: &[usize], created: NaiveDate, converted: bool) {
        for &g in groups {
            let windows = self.windows;
            let cells = self.of(g);
            for &k in span {
                if windows[k].contains(created) {
                    cells[k].add(converted);
                }
            }
        }
    }
}

/// Most (combination, segment of days) counts `push_leads` keeps by the numbers of [`Combos`]
/// (a table of twice that many 8-byte counts per call: 128 kB).
const DENSE: usize = 1 << 13;

/// [`Combos::count_leads`]' count of a block of leads, by their numbers `numbers`, creation
/// days `created` and won dates `won`: each lead's (number, segment `segment(created)`,
/// converted by `as_of` or not) counted in `counts`, with `ns` segments.
#[inline(always)]
fn count_block(
    counts: &mut [u64],
    numbers: &[u32],
    created: &[NaiveDate],
    won: &[Option<NaiveDate>],
    (ns, as_of): (usize, NaiveDate),
    segment: impl Fn(NaiveDate) -> usize,
) {
    for ((&n, &created), &won) in numbers.iter().zip(created).zip(won) {
        counts[(n as usize * ns + segment(created)) * 2 + usize::from(converted(won, as_of))] += 1;
    }
}

/// A lead's combination of the value ids of the query's dimensions as one small number, read
/// straight from the lead columns: for a query grouping by channel, source, partner (or its
/// tier or region: decided by the partner), or dimensions that do not apply to a lead, with
/// few combinations (the dictionary of the leads' texts is small). `push_leads` then counts the
/// leads of each combination and segment of days in a table indexed by that number
/// ([`Combos::count_leads`]), and finds the groups of each combination once, for its first
/// lead (not each lead's by hashing its ids: `GroupKeys`, ≈ a fifth of the folding thread on
/// 10 M leads).
///
/// Two leads with one number have the same ids on every dimension, so the same groups.
/// Example: by channel and source with 4 texts, lead (owned, text 2) is `3 * 5 + 2 = 17`.
struct Combos<'a> {
    /// Each dimension's column and how many ids it takes; ids `0..n`.
    cols: Vec<(Col<'a>, usize)>,
    /// How many numbers there are: the product of the counts.
    count: usize,
}

/// Where a dimension's value id of a lead is read.
enum Col<'a> {
    /// 0 without one, else 1 + the channel's position.
    Channel(&'a [Option<Channel>]),
    /// A dictionary id of the leads' texts (0: none).
    Words(&'a [u32]),
    /// A dimension that does not apply to a lead: 0.
    None,
}

impl<'a> Combos<'a> {
    /// The combinations of `dims` in `leads`; `None` when a dimension is an attr (its own
    /// dictionary) or the combinations are more than [`DENSE`].
    fn new(dims: &[Dimension], leads: &'a Leads) -> Option<Self> {
        let words = leads.words.len() + 1;
        let cols: Vec<(Col, usize)> = dims
            .iter()
            .map(|d| match d {
                Dimension::Partner | Dimension::PartnerTier | Dimension::Region => Some((Col::Words(&leads.partner), words)),
                Dimension::Channel => Some((Col::Channel(&leads.channel), Channel::ALL.len() + 1)),
                Dimension::Source => Some((Col::Words(&leads.source), words)),
                Dimension::Attr(_) => None,
                _ => Some((Col::None, 1)),
            })
            .collect::<Option<_>>()?;
        let count = cols.iter().try_fold(1usize, |n, (_, k)| n.checked_mul(*k).filter(|&n| n <= DENSE))?;
        Some(Combos { cols, count })
    }

    /// The leads of `rows` counted by (combination, segment of their creation day, converted
    /// by `as_of` or not): `counts[(c * segs.count() + s) * 2 + converted]`. Column by column
    /// a block at a time (each dimension's ids folded into the block's numbers, then each
    /// lead counted): no per-lead match on the dimensions, no window asked.
    fn count_leads(&self, leads: &Leads, rows: std::ops::Range<usize>, segs: &DaySegments, as_of: NaiveDate) -> Result<Vec<u64>> {
        let ns = segs.count();
        let mut counts = vec![0u64; self.count * ns * 2];
        // (as many leads a block as `interrupt::check` counts between two asks of its hook)
        let mut block = vec![0u32; crate::interrupt::CHECK_EVERY as usize];
        for start in rows.clone().step_by(block.len()) {
            let end = (start + block.len()).min(rows.end);
            crate::interrupt::check_n((end - start) as u32)?;
            let numbers = &mut block[..end - start];
            numbers.fill(0);
            for (col, k) in &self.cols {
                let k = *k as u32;
                match col {
                    Col::Channel(c) => {
                        numbers.iter_mut().zip(&c[start..end]).for_each(|(n, c)| *n = *n * k + c.map_or(0, |c| c as u32 + 1))
                    }
                    Col::Words(w) => numbers.iter_mut().zip(&w[start..end]).for_each(|(n, &w)| *n = *n * k + w),
                    Col::None => {}
                }
            }
            // each lead's segment counted the way decided once for the call ([`Counting`]),
            // not chosen per lead
            let (created, won, counts) = (&leads.created_on[start..end], &leads.won_on[start..end], &mut counts[..]);
            match segs.counting() {
                Counting::Few { days, n } => count_block(counts, numbers, created, won, (ns, as_of), |d| few(days, n, d)),
                Counting::Table { first_year, table } => {
                    count_block(counts, numbers, created, won, (ns, as_of), |d| tabled(first_year, table, d))
                }
                c => count_block(counts, numbers, created, won, (ns, as_of), |d| c.count(d)),
            }
        }
        Ok(counts)
    }

    /// The number of lead `i`'s combination, below [`Combos::count`].
    #[inline(always)]
    fn of(&self, i: usize) -> usize {
        self.cols.iter().fold(0, |n, (col, k)| {
            let id = match col {
                Col::Channel(c) => c[i].map_or(0, |c| c as usize + 1),
                Col::Words(w) => w[i] as usize,
                Col::None => 0,
            };
            n * k + id
        })
    }
}
