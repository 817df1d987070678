//! [`Engine::push_leads`]: leads folded from the columns of [`Leads`].
//!
//! The same fold as [`Engine::push`] of each lead as a [`crate::Lead`] (same groups, windows and
//! states), read from the columns: a lead's groups are found once per combination of the value
//! ids of the query's dimensions (`Combos`: the leads of each combination and window counted
//! in one table, each combination's groups found for its first lead; else `GroupKeys`), the
//! windows it can count in from its creation date (`Spans`), and each lead adds one to the
//! [`LeadTally`] of each of its (group, window) cells. Once every lead is added, each tally is folded into its cell's states by the fold
//! the lead KPIs' own `observe` runs ([`fold_leads`]). A query without a lead KPI
//! ([`reads_leads`]) reads no lead: every other KPI ignores them.
//!
//! ```text
//! lead  created_on  channel  source   won_on      →  cell (paid/ads, 2025-Q1): leads +1, converted +1
//! L1    2025-02-01  paid     ads      2025-03-10
//! ```

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
        if let Some(combos) = Combos::new(&self.query.group_by, leads).filter(|c| c.count * nw <= DENSE) {
            // the leads of each (combination, window), `by_combo[c * nw + k]`, and the first
            // lead of each combination counted: its groups are every such lead's groups
            let (mut by_combo, mut first) = (vec![LeadTally::default(); combos.count * nw], vec![usize::MAX; combos.count]);
            for i in rows {
                crate::interrupt::check()?;
                let created = leads.created_on[i];
                let span = span(created);
                if span.is_empty() {
                    continue;
                }
                let (c, conv) = (combos.of(i), converted(leads.won_on[i], as_of));
                let mut counted = false;
                for &k in span {
                    if windows[k].contains(created) {
                        by_combo[c * nw + k].add(conv);
                        counted = true;
                    }
                }
                if counted && first[c] == usize::MAX {
                    first[c] = i;
                }
            }
            let mut groups = Vec::new();
            for (c, &i) in first.iter().enumerate().filter(|(_, i)| **i != usize::MAX) {
                find(self, i, &mut groups);
                t.add_all(&groups, &by_combo[c * nw..(c + 1) * nw]);
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

    /// Adds the leads of `tallies` (one per window) to the tallies of each of `groups`.
    fn add_all(&mut self, groups: &[u32], tallies: &[LeadTally]) {
        for &g in groups {
            self.of(g).iter_mut().zip(tallies).for_each(|(mine, t)| mine.add_all(t));
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

/// Most (combination, window) tallies `push_leads` keeps by the numbers of [`Combos`] (a table
/// of that many 16-byte tallies per call: 128 kB).
const DENSE: usize = 1 << 13;

/// A lead's combination of the value ids of the query's dimensions as one small number, read
/// straight from the lead columns: for a query grouping by channel, source, partner (or its
/// tier or region: decided by the partner), or dimensions that do not apply to a lead, with
/// few combinations (the dictionary of the leads' texts is small). `push_leads` then counts the
/// leads of each combination and window in a table indexed by that number, and finds the
/// groups of each combination once, for its first lead (not each lead's by hashing its ids:
/// `GroupKeys`, ≈ a fifth of the folding thread on 10 M leads).
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
