//! [`Engine::push_deals`]: deals folded straight from the columns of [`Deals`].
//!
//! The same fold as [`Engine::push`] of each deal (same groups, windows, states, errors), read
//! from the columns: the group values come from [`deal_dim`](super::record::deal_dim) (the code `Record::dim_value`
//! runs for a [`crate::Deal`]); the KPIs that fold from the columns
//! (`kpi::deal_tally::columnar_metric`) get one [`DealFacts`] (deal outcomes) or [`ClosedDeal`]
//! (`training_impact`) per deal and window, read once and summed per group and window
//! ([`Tally`]), then folded into each of their states by the `fold` their own `observe` runs;
//! every other KPI sees the deal as a [`crate::Deal`], written into one reused value only when
//! the query has such a KPI.

use super::deal_groups::DealGroups;
use super::kpi::Ctx;
use super::partial::{Engine, Partial, check_deal_currency, fold_cells, one_deal_currency};
use super::record::Record;
use super::registry::KpiState;
use super::window_spans::Spans;
use crate::domain::{Deal, Deals};
use crate::error::Result;
use crate::kpi::closed_days::ClosedDeal;
use crate::kpi::deal_sums::Tally;
use crate::kpi::deal_tally::TallyNeeds;
use crate::kpi::deals::DealFacts;

/// The canonical deal columns of free text: no value there is refused, so a fold that reads
/// none of them may leave them unread ([`Engine::deal_texts_read`]).
#[cfg(feature = "parquet")]
pub(crate) const DEAL_TEXTS: [&str; 6] = ["partner_id", "owner_id", "source", "product", "lost_reason", "stage"];

impl Engine<'_> {
    /// Folds deals `rows` of `deals` in order: the same as [`Engine::push`] of each deal as a
    /// [`Deal`] ([`Deals::get`]), without building one per row for the deal-outcome KPIs.
    pub fn push_deals(&mut self, deals: &Deals, rows: std::ops::Range<usize>) -> Result<()> {
        self.push_deals_from_row(deals, rows, None)
    }

    /// [`Engine::push_deals`] of rows read from a table: an error about deal `i` that names no
    /// row is located at `(table, first_row + i - rows.start)` (`at`).
    pub(crate) fn push_deals_from_row(&mut self, deals: &Deals, rows: std::ops::Range<usize>, at: Option<(&str, u64)>) -> Result<()> {
        let first = rows.start;
        let by_facts = std::mem::take(&mut self.by_facts);
        // The sums so far, kept in the engine between calls (see `Engine::tallies`); after an
        // error they hold what was folded before it, as the cells do.
        let (mut done, mut tallies) = (first, std::mem::take(&mut self.tallies));
        let r = self.fold_deal_rows(deals, rows, &by_facts, &mut done, &mut tallies);
        self.by_facts = by_facts;
        self.tallies = tallies;
        match (r, at) {
            (Err(e), Some((table, row))) => Err(e.map_locations(&|l: &mut crate::Location| {
                if l.row.is_none() {
                    l.row = Some(row + (done - first) as u64);
                    l.file.get_or_insert_with(|| table.into());
                }
            })),
            (r, _) => r,
        }
    }

    /// The deal text columns ([`DEAL_TEXTS`]) this engine's fold of deals reads, `None` when it
    /// may read any: with every metric folded from the deals' facts (status, dates, amount)
    /// or kept closed deals (`training_impact`, which reads the partner), only the columns of
    /// the dimensions grouped by and `partner_id` for `training_impact`. A reader of a deals
    /// table feeding only this engine can leave the others out (`load::run_tables`: a monthly
    /// trend by channel reads no partner or owner, `training_impact` no owner).
    #[cfg(feature = "parquet")]
    pub(crate) fn deal_texts_read(&self) -> Option<Vec<&'static str>> {
        use crate::domain::WordField;
        if !self.by_facts.iter().all(|&f| f) {
            return None;
        }
        let training = self.query.metrics.contains(&crate::Metric::TrainingImpact).then_some("partner_id");
        // the free-text columns among those deciding a group (channel and kind are enumerations)
        let read = self.query.group_by.iter().filter_map(super::deal_groups::fixed_key_field).filter_map(|f| match f {
            WordField::Partner => Some("partner_id"),
            WordField::Owner => Some("owner_id"),
            WordField::Source => Some("source"),
            WordField::Product => Some("product"),
            WordField::Channel | WordField::Kind | WordField::Attr(_) => None,
        });
        Some(read.chain(training).collect())
    }

    /// The partial states so far (what the states keep by account number turned into texts:
    /// [`crate::engine::Kpi::resolve`]); an error when the deal sums not yet in the states
    /// overflow as they are added ([`Engine::push_deals`]).
    pub fn into_partial(mut self) -> Result<Partial> {
        self.settle_tallies()?;
        let cells = std::mem::take(&mut self.cells);
        Ok(self.partial_of(cells))
    }

    /// A copy of the partial states so far (the engine keeps folding).
    pub(super) fn partial_so_far(&self) -> Result<Partial> {
        let mut cells = self.cells.clone();
        self.fold_tallies(self.tallies.clone(), &mut cells)?;
        Ok(self.partial_of(cells))
    }

    /// Adds the deal sums not yet in the states ([`Engine::tallies`]) to them.
    fn settle_tallies(&mut self) -> Result<()> {
        let (tallies, mut cells) = (std::mem::take(&mut self.tallies), std::mem::take(&mut self.cells));
        let r = self.fold_tallies(tallies, &mut cells);
        self.cells = cells;
        r
    }

    /// Folds each (group, window) tally of the deal-outcome KPIs into its cell's states (created
    /// when the tally counts), with the `fold` their `observe` runs.
    pub(super) fn fold_tallies(&self, mut tallies: Vec<Tally>, cells: &mut Vec<Option<Vec<KpiState>>>) -> Result<()> {
        if cells.len() < tallies.len() {
            cells.resize_with(tallies.len(), || None);
        }
        let (nw, firsts) = (self.windows.len(), &self.firsts);
        let mut buf = Vec::new();
        // by reference: a tally is a few cache lines, not moved out one by one
        for (i, t) in tallies.iter_mut().enumerate().filter(|(_, t)| !t.is_empty()) {
            let (g, k) = (i / nw, i % nw);
            // the window's own cell, and those of the windows equal to it (folding a tally
            // again adds the same sums: it is only read)
            for same in (k..nw).filter(|&w| w == k || firsts[w] == k) {
                let cell = &mut cells[g * nw + same];
                match cell {
                    Some(states) => {
                        t.fold_into(states, &self.by_facts, &mut buf, &self.closed_names)?;
                    }
                    None => {
                        let mut states: Vec<KpiState> = self.query.metrics.iter().map(|m| m.new_state()).collect();
                        if t.fold_into(&mut states, &self.by_facts, &mut buf, &self.closed_names)? {
                            *cell = Some(states);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The fold of [`Engine::push_deals`]: the columnar KPIs' facts summed into `tallies`
    /// (`group * windows + window`), the other KPIs folded into the cells; `at` follows the deal
    /// being folded.
    fn fold_deal_rows(
        &mut self,
        deals: &Deals,
        rows: std::ops::Range<usize>,
        by_facts: &[bool],
        at: &mut usize,
        tallies: &mut Vec<Tally>,
    ) -> Result<()> {
        let q = self.query.clone();
        let refs = self.refs;
        let ctx = Ctx { query: &q, refs, as_of: self.as_of, account: 0 };
        let needs = q.metrics.iter().zip(by_facts).filter(|(_, f)| **f).fold(TallyNeeds::default(), |n, (m, _)| n.with(*m));
        let (tallied, observed) = (by_facts.contains(&true), by_facts.contains(&false));
        let mut deal: Option<Deal> = None;
        let nw = self.windows.len();
        self.closed_names.start();
        let (mut facts, mut touches, mut kept) = (vec![DealFacts::default(); nw], vec![false; nw], vec![ClosedDeal::default(); nw]);
        // the windows a deal can count in, from its dates (every window when they overlap);
        // training_impact keeps deals closed up to its window (W days) outside a window
        let margin = if needs.closed { q.options.training_window_days } else { 0 };
        // a window equal to an earlier one (a comparison window repeating a main one) is not
        // tallied: `fold_tallies` gives it the earlier one's sums
        let (spans, every) = (Spans::of_distinct(&self.windows, margin), (0..nw).filter(|&k| self.firsts[k] == k).collect::<Vec<usize>>());
        let close_spans: Vec<_> = self.windows.iter().map(|w| crate::kpi::training_impact::close_span(w, &ctx)).collect();
        let Some(mut groups) = DealGroups::new(&q, deals) else { return Ok(()) };
        let levels = groups.levels().to_vec();
        // one currency for every amount: checked once for the rows, not row by row
        let per_row_currency = self.one_currency && !one_deal_currency(&mut self.currency, deals, rows.clone());
        // the deal's group at each level
        let mut ids = vec![0u32; groups.width()];
        // A deal no window's tally counts, with no KPI observing deals, adds nothing (its
        // group, unseen otherwise, would get no cell either): only the deals whose dates reach
        // a window are folded, unless a KPI observes every deal or each one's currency is checked.
        let every_deal = observed || per_row_currency || spans.is_none();
        // The rows in blocks of up to 64 ending at multiples of 64: a block's deals to fold are
        // picked first, a bit each, in a tight loop over their dates (`Spans::pick`), then
        // folded in order.
        // Cancellation is counted per block: one thread-local access, not one per deal.
        let (created_on, closed_on) = (&deals.created_on[..rows.end], &deals.closed_on[..rows.end]);
        // per deal of a block, the bounds of the windows it reaches (`Spans::bounds`)
        let mut bounds = [(0, 0); 64];
        // Without the open deals and the kept closed ones, a deal counts only in the window
        // holding its creation date and the one holding its close date: with the windows
        // disjoint and in order, the first and the last of its span (`Spans::ends`), never
        // those between (a deal of March to June in a monthly trend: March and June, not
        // April and May). The deals of a block whose span has windows between are marked
        // (`wide`), and only theirs is cut to its ends.
        let two_ends = !needs.open && !needs.closed;
        let mut ends = [0usize; 2];
        let mut next = rows.start;
        while next < rows.end {
            let (first, end) = (next, (next / 64 * 64 + 64).min(rows.end));
            next = end;
            *at = first;
            if first % 64 == 0 {
                crate::interrupt::check_n(64)?;
            }
            let all = u64::MAX >> (64 - (end - first));
            let mut picked = match &spans {
                Some(s) => {
                    s.pick(&created_on[first..end], &closed_on[first..end], needs.open, &mut bounds) | if every_deal { all } else { 0 }
                }
                None => all,
            };
            let wide = if two_ends && spans.is_some() { wide_spans(picked, &bounds) } else { 0 };
            let span_of = |j: usize| spans.as_ref().map_or(every.as_slice(), |s| s.between(bounds[j]));
            while picked != 0 {
                let j = picked.trailing_zeros() as usize;
                picked &= picked - 1;
                let i = first + j;
                *at = i;
                if per_row_currency {
                    check_deal_currency(&mut self.currency, deals, i)?;
                }
                if observed {
                    let d = deal.get_or_insert_with(|| deals.get(i));
                    deals.fill(i, d);
                }
                let span = if wide >> j & 1 == 0 { span_of(j) } else { spans.as_ref().map_or(&[][..], |s| s.ends(bounds[j], &mut ends)) };
                if span.is_empty() && !observed {
                    continue;
                }
                groups.ids(deals, i, &mut self.groups, &q, refs, &mut ids);
                let (created, closed) = (created_on[i], closed_on[i]);
                if tallied {
                    // the deal's facts per window, once for every level's tallies
                    // read only by the cycle lengths and training_impact's kept deals; 0 when
                    // open (the days from its creation to itself): no branch on the deal being
                    // open
                    let cycle =
                        if needs.cycles || needs.closed { crate::period::days_between(created, closed.unwrap_or(created)) } else { 0 };
                    for &k in span {
                        if needs.facts {
                            facts[k] = DealFacts::of_row(deals, i, &self.windows[k], &ctx, needs, cycle)?;
                            touches[k] = facts[k].any();
                        }
                        if needs.closed {
                            kept[k] = ClosedDeal::of_row(deals, i, close_spans[k], &ctx, cycle)?;
                            if kept[k].closed_on.is_some() {
                                kept[k].partner = self.closed_names.number(kept[k].partner, deals);
                            }
                        }
                    }
                }
                for &level in &levels {
                    let g = ids[level] as usize;
                    if tallied {
                        if tallies.len() < (g + 1) * nw {
                            tallies.resize_with((g + 1) * nw, Tally::default);
                        }
                        let group = &mut tallies[g * nw..(g + 1) * nw];
                        for &k in span {
                            if touches[k] {
                                group[k].add(&facts[k], needs.cycles).map_err(|_| overflow())?;
                            }
                            if needs.closed {
                                group[k].closed.add(&kept[k])?;
                            }
                        }
                    }
                    if observed {
                        let d = Record::Deal(deal.as_ref().expect("filled above"));
                        fold_cells(&mut self.cells, &self.windows, &q.metrics, g, None, |_, w, states| {
                            let mut touched = false;
                            for (s, _) in states.iter_mut().zip(by_facts).filter(|(_, f)| !**f) {
                                touched |= s.observe(&d, w, &ctx)?;
                            }
                            Ok(touched)
                        })?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The deals of `picked` whose bounds hold more than two windows, as bits.
fn wide_spans(mut picked: u64, bounds: &[(u32, u32); 64]) -> u64 {
    let mut wide = 0;
    while picked != 0 {
        let j = picked.trailing_zeros() as usize;
        picked &= picked - 1;
        let (lo, hi) = bounds[j];
        wide |= u64::from(hi > lo + 2) << j;
    }
    wide
}

/// Sums of amounts beyond 128-bit integers (far beyond what an exact decimal holds).
fn overflow() -> crate::Error {
    crate::Error::Overflow {
        location: crate::Location { file: Some("deals".into()), field: Some("amount".into()), ..Default::default() },
        reason: "summing amounts beyond 128-bit integers".into(),
    }
}
