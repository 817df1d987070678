//! How [`DealFolder`] folds one batch: the row path for a batch the columnar path does not take,
//! and the loops over a batch's columns: per chunk, the first pass
//! ([`super::select::first_pass`]) and the selected rows' groups and tallies; the exact per-row
//! loop for chunks that fail a check (it names the first bad row); and [`add_row`], the one way
//! both add a row to its group's tallies.

use super::columns::{Amounts, Columns, Flat, Strs};
use super::folder::{DEALS, DealFolder, Plan, date, shift_rows};
use super::intern::short_key;
use super::select::{self, CHUNK, Scratch};
use super::tally::{FLUSH_EVERY, Tally};
use crate::error::Result;
use crate::load::{LoadOptions, Mapping, RecordKind, Source};
use arrow_array::{Array, RecordBatch};

impl DealFolder<'_> {
    /// Folds one batch of deals.
    pub fn push_batch(&mut self, b: &RecordBatch) -> Result<()> {
        let cols = self.plan.as_ref().and_then(|p| Columns::of(b, p.by_partner));
        match (cols, self.plan.clone()) {
            (Some(c), Some(p)) => self.fold_columns(&p, &c, b.num_rows())?,
            _ => self.fold_rows(b)?,
        }
        self.row += b.num_rows() as u64;
        Ok(())
    }

    /// The row path for a batch the columnar path does not take: the loader's conversions and
    /// checks, then [`Engine::push`].
    fn fold_rows(&mut self, b: &RecordBatch) -> Result<()> {
        let src = Source::from_arrow(RecordKind::Deals, DEALS, Box::new(std::iter::once(Ok(b.clone()))));
        let (data, _) = super::load_tables(vec![src], &Mapping::default(), &LoadOptions::default()).map_err(|e| shift_rows(e, self.row))?;
        self.rows.push_deals(&data.deals, 0..data.deals.len())?;
        Ok(())
    }

    pub(super) fn fold_columns(&mut self, p: &Plan, c: &Columns, n: usize) -> Result<()> {
        let factor = self.align_scale(c.amount.scale())?;
        let dict_groups: Option<Vec<u32>> = match &c.partner {
            Some(Strs::Dict { values, .. }) => Some((0..values.len()).map(|j| self.group_of(values.get(j))).collect()),
            _ => None,
        };
        // one currency for the whole batch: checked once (at its first valued row), not per row
        let uniform = c.currency.as_ref().and_then(Strs::uniform);
        if uniform.is_some()
            && let Some(first) = (0..n).find(|&i| c.amount.get(i).is_some())
        {
            self.check_currency(c, first)?;
        }
        // the first pass per chunk needs: no per-row currency check, amounts at the folder's
        // scale, every creation date present
        let fast = (uniform.is_some() || matches!(c.amount, Amounts::None)) && factor == 1 && c.created.null_count() == 0;
        if !fast {
            return self.fold_exact(p, c, 0..n, uniform.is_some(), factor, dict_groups.as_deref());
        }
        let mut sc = std::mem::take(&mut self.scratch);
        select::dict_codes(&c.status, &mut sc.dict_codes);
        let created = c.created.values().as_ref();
        let closed = c.closed.map(|a| (a.values().as_ref(), a.nulls()));
        let mut r = Ok(());
        for start in (0..n).step_by(CHUNK) {
            let len = CHUNK.min(n - start);
            r = match select::first_pass(&mut sc, &c.status, created, closed, &c.amount, &p.windows, start, len) {
                Some(k) => self.fold_selected(p, c, &mut sc, start, k, dict_groups.as_deref()),
                None => self.fold_exact(p, c, start..start + len, true, factor, dict_groups.as_deref()),
            };
            if r.is_err() {
                break;
            }
        }
        self.scratch = sc;
        r
    }

    /// Folds the rows the first pass selected in the chunk at `start` (checked, amounts at the
    /// folder's scale): their groups looked up first, in one loop, then each row's facts per
    /// window ([`select::facts`]) added to its group's tallies without a branch per fact.
    fn fold_selected(
        &mut self,
        p: &Plan,
        c: &Columns,
        sc: &mut Scratch,
        start: usize,
        k: usize,
        dict_groups: Option<&[u32]>,
    ) -> Result<()> {
        self.groups_of_selected(p, c, sc, start, k, dict_groups);
        self.note_adds(k);
        let created = &c.created.values()[start..];
        let closed: &[i32] = c.closed.map_or(&[], |a| &a.values()[start..]);
        let tallies = &mut self.tallies[..]; // a local borrow: its address stays in a register
        for (&j, &g) in sc.sel[..k].iter().zip(&sc.groups[..k]) {
            let j = usize::from(j);
            let (cr, cl) = (created[j], closed.get(j).copied().unwrap_or(0));
            let row = Row {
                status: sc.status[j],
                closed: sc.closed_ok[j],
                created: cr,
                closed_on: cl,
                valued: sc.amount_ok[j],
                raw: c.amount.raw(start + j),
            };
            if add_row(tallies, p, g, row).is_err() {
                return Err(self.bad(start + j, "amount", "", SUM_OVERFLOW));
            }
        }
        Ok(())
    }

    /// Notes that up to `n` more rows are about to be added to each tally, flushing the packed
    /// counts first when they could overflow (a tally takes [`FLUSH_EVERY`] rows between
    /// flushes; a row adds at most one to each of its windows' tallies).
    #[inline]
    fn note_adds(&mut self, n: usize) {
        if self.unflushed + n as u64 > FLUSH_EVERY {
            self.tallies.iter_mut().for_each(Tally::flush);
            self.unflushed = 0;
        }
        self.unflushed += n as u64;
    }

    /// The groups of the rows selected in the chunk at `start`, into `sc.groups[..k]`. Plain
    /// `utf8` ids of up to 8 bytes are read in place as one word ([`super::intern::short_key`]);
    /// an empty or null id finds the direct group the same way (interned as the empty key).
    fn groups_of_selected(&mut self, p: &Plan, c: &Columns, sc: &mut Scratch, start: usize, k: usize, dict_groups: Option<&[u32]>) {
        let (sel, out) = (&sc.sel[..k], &mut sc.groups[..k]);
        match &c.partner {
            Some(Strs::Flat(Flat::Utf8(a))) => {
                let (offs, data, nulls) = (a.value_offsets(), a.value_data(), a.nulls());
                // known ids first, with the interner borrowed immutably (its table's address
                // and size stay in registers); the others (new ids, longer or padded ones)
                // marked and looked up after by the slow path
                const MISS: u32 = u32::MAX;
                let interned = &self.groups;
                let mut missed = false;
                for (&j, g) in sel.iter().zip(out.iter_mut()) {
                    let i = start + usize::from(j);
                    let valid = nulls.is_none_or(|n| n.is_valid(i));
                    let (from, to) = (offs[i] as usize, offs[i + 1] as usize);
                    let len = to.saturating_sub(from) * usize::from(valid);
                    *g = short_key(data, from, len).and_then(|(w, tag)| interned.get_short(w, tag)).unwrap_or(MISS);
                    missed |= *g == MISS;
                }
                if missed {
                    for (&j, g) in sel.iter().zip(out.iter_mut()).filter(|(_, g)| **g == MISS) {
                        let i = start + usize::from(j);
                        *g = self.group_of(nulls.is_none_or(|n| n.is_valid(i)).then(|| a.value(i)));
                    }
                }
            }
            _ => {
                for (&j, g) in sel.iter().zip(out.iter_mut()) {
                    *g = self.group_at(p, c, start + usize::from(j), dict_groups);
                }
            }
        }
    }

    /// The group of row `i`.
    #[inline(always)]
    fn group_at(&mut self, p: &Plan, c: &Columns, i: usize, dict_groups: Option<&[u32]>) -> u32 {
        match (&c.partner, dict_groups) {
            (Some(Strs::Dict { keys, .. }), Some(groups)) => match keys.get(i) {
                Some(k) => groups[k],
                None => self.group_of(None),
            },
            (Some(s), _) => self.group_of(s.get(i)),
            (None, _) if p.by_partner => self.group_of(None),
            (None, _) => 0,
        }
    }

    /// The exact per-row loop over `rows`: every check with its error, case-insensitive
    /// statuses, the currency per valued row unless `uniform` (checked once for the batch),
    /// amounts multiplied by `factor`.
    fn fold_exact(
        &mut self,
        p: &Plan,
        c: &Columns,
        rows: std::ops::Range<usize>,
        uniform: bool,
        factor: i128,
        dict_groups: Option<&[u32]>,
    ) -> Result<()> {
        let created_nulls = c.created.null_count() > 0;
        for i in rows {
            if created_nulls && c.created.is_null(i) {
                return Err(self.missing(i, "created_on"));
            }
            let created = c.created.value(i);
            let closed = c.closed.and_then(|a| a.is_valid(i).then(|| a.value(i)));
            let st = match c.status.get(i) {
                Some("won") => select::WON,
                Some("lost") => select::LOST,
                Some("open") => select::OPEN,
                Some(s) if s.eq_ignore_ascii_case("won") => select::WON,
                Some(s) if s.eq_ignore_ascii_case("lost") => select::LOST,
                Some(s) if s.eq_ignore_ascii_case("open") => select::OPEN,
                Some(s) => return Err(self.bad(i, "status", s, "expected open, won or lost")),
                None => return Err(self.missing(i, "status")),
            };
            match (st, closed) {
                (select::OPEN, Some(d)) => return Err(self.bad(i, "closed_on", &date(d), "an open deal has no close date")),
                (select::WON | select::LOST, None) => return Err(self.missing(i, "closed_on")),
                (_, Some(d)) if d < created => {
                    return Err(self.bad(i, "closed_on", &date(d), &format!("closed before it was created ({})", date(created))));
                }
                _ => {}
            }
            let raw = c.amount.get(i);
            match raw {
                None if st == select::WON => return Err(self.missing(i, "amount")),
                Some(v) if v < 0 => return Err(self.bad(i, "amount", &c.amount.text(v), "amount is negative")),
                Some(_) if uniform => {}
                Some(_) => self.check_currency(c, i)?,
                None => {}
            }
            let raw = match raw {
                Some(v) if factor != 1 => Some(v.checked_mul(factor).ok_or_else(|| self.bad(i, "amount", &c.amount.text(v), "too large"))?),
                r => r,
            };
            let (cv, cl) = (closed.is_some(), closed.unwrap_or(0));
            // rows touching no window are not grouped (a partner seen only there gets no group)
            if p.windows.iter().all(|&w| select::facts(st, cv, created, cl, w) == [false; 4]) {
                continue;
            }
            let g = self.group_at(p, c, i, dict_groups);
            self.note_adds(1);
            let row = Row { status: st, closed: cv, created, closed_on: cl, valued: raw.is_some(), raw: raw.unwrap_or(0) };
            if add_row(&mut self.tallies, p, g, row).is_err() {
                return Err(self.bad(i, "amount", "", SUM_OVERFLOW));
            }
        }
        Ok(())
    }
}

const SUM_OVERFLOW: &str = "the sum of amounts exceeds 128-bit integers";

/// A checked row as [`add_row`] takes it.
#[derive(Clone, Copy)]
struct Row {
    /// Status code ([`select::OPEN`], [`select::WON`], [`select::LOST`]).
    status: u8,
    /// Whether `closed_on` is present.
    closed: bool,
    /// `created_on` as a day number.
    created: i32,
    /// `closed_on` as a day number (any value when absent).
    closed_on: i32,
    /// Whether the row has an amount.
    valued: bool,
    /// The raw amount at the folder's scale (any value when absent).
    raw: i128,
}

/// Adds a checked row's facts ([`select::facts`]) in each window it touches to the tallies of
/// group `g` (and of the total group with roll-up): the one way both the chunk loop and the
/// exact per-row loop add a row. `Err` when a sum overflows.
#[inline(always)]
fn add_row(tallies: &mut [Tally], p: &Plan, g: u32, row: Row) -> std::result::Result<(), ()> {
    let Row { status: st, closed: cv, created: cr, closed_on: cl, valued, raw } = row;
    let nw = p.windows.len();
    for (wi, &w) in p.windows.iter().enumerate() {
        let flags = select::facts(st, cv, cr, cl, w);
        if flags == [false; 4] {
            continue;
        }
        let cycle = i64::from(cl) - i64::from(cr);
        let mut ok = tallies[g as usize * nw + wi].add_row(flags, valued, raw, cycle).is_ok();
        if p.total && g != 0 {
            ok &= tallies[wi].add_row(flags, valued, raw, cycle).is_ok();
        }
        if !ok {
            return Err(());
        }
    }
    Ok(())
}
