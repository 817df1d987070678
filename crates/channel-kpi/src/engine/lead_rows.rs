//! [`Engine::push_leads`]: leads folded from the columns of [`Leads`].
//!
//! The same fold as [`Engine::push`] of each lead as a [`crate::Lead`] (same groups, windows and
//! states), read from the columns: a lead's groups are found once per combination of the value
//! ids of the query's dimensions (`GroupKeys`), the windows it can count in from its creation
//! date (`Spans`), and each lead adds one to the [`LeadTally`] of each of its (group, window)
//! cells. Once every lead is added, each tally is folded into its cell's states by the fold
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
use crate::domain::{Lead, Leads};
use crate::error::Result;
use crate::kpi::lead_tally::{LeadTally, converted, fold_leads, reads_leads};

impl Engine<'_> {
    /// Folds leads `rows` of `leads`: the same as [`Engine::push`] of each lead as a
    /// [`crate::Lead`] ([`Leads::get`]), without building one per lead (one is built only to
    /// find the groups of the first lead of each combination of dimension values).
    pub fn push_leads(&mut self, leads: &Leads, rows: std::ops::Range<usize>) -> Result<()> {
        if rows.is_empty() || !self.query.metrics.iter().any(|m| reads_leads(*m)) {
            return Ok(());
        }
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
        let nw = self.windows.len();
        // the windows holding a day: from the spans when the windows are disjoint periods,
        // else every window is asked
        let (spans, every) = (Spans::of(&self.windows, 0), (0..nw).collect::<Vec<usize>>());
        let (windows, as_of) = (self.windows.clone(), self.as_of);
        // `tallies[group * nw + window]`
        let mut tallies: Vec<LeadTally> = Vec::new();
        let mut lead: Option<Lead> = None;
        for i in rows {
            crate::interrupt::check()?;
            let created = leads.created_on[i];
            let span = spans.as_ref().map_or(every.as_slice(), |s| s.touched(created, Some(created)));
            if span.is_empty() {
                continue;
            }
            let conv = converted(leads.won_on[i], as_of);
            let groups = self.keyed_groups(&mut keys, i, |e, out| {
                let l = lead.get_or_insert_with(|| leads.get(i));
                leads.fill(i, l);
                e.group_ids(&Record::Lead(l), out);
            });
            for &g in groups {
                let g = g as usize;
                if tallies.len() < (g + 1) * nw {
                    tallies.resize((g + 1) * nw, LeadTally::default());
                }
                for &k in span {
                    if windows[k].contains(created) {
                        tallies[g * nw + k].add(conv);
                    }
                }
            }
        }
        self.fold_lead_tallies(&tallies);
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
