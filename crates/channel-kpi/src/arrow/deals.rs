//! The columnar path for deals: Arrow record batches folded straight into partial states,
//! without building a [`crate::Deal`] per row.
//!
//! [`DealFolder`] reads the columns of a deals batch once (dates as `date32` day numbers,
//! amounts as raw `decimal128` integers, strings as views), classifies each row against each
//! window on day numbers ([`super::select::facts`], which equals
//! [`crate::kpi::deals::DealFacts::classify`]), sums the facts per group and window in a
//! [`Tally`] (integer arithmetic), and at the end folds each tally into the states of its group
//! with the KPIs' own `fold` (the code their `Kpi::observe` runs), so results equal the row
//! path's exactly. Group keys are interned: one
//! hash lookup of the partner id per row that touches a window (ids of up to 8 bytes read in
//! place as one word; one lookup per dictionary value for dictionary-encoded columns), giving
//! an index into a flat vector of tallies. A first pass per chunk of rows ([`super::select`])
//! computes status codes, checks the records and selects the rows that touch any window
//! without a branch per row; only those are grouped and added, again without a branch per
//! fact.
//!
//! The columnar path takes queries of the deal-outcome KPIs (`deal_count`, `won_revenue`,
//! `avg_deal_size`, `avg_closed_deal_size`, `close_rate`, `sales_cycle_days`, `sales_velocity`,
//! and `pipeline` without a pipeline definition), grouped by nothing or by `partner` (with or
//! without roll-up), plain or bucketed windows, no currency conversion; and batches whose
//! `created_on` / `closed_on` are `date32`, `amount` is `decimal128` or an integer and
//! `status`, `partner_id`, `currency` are strings (plain, large, view or dictionary). Any other
//! query or batch goes through the row path (the loader's conversions, one batch at a time),
//! so every query works and the memory stays bounded either way.
//!
//! Checks per row are those of [`crate::Deal::validate`] that these KPIs depend on (status
//! against `closed_on`, closed before created, a won deal's amount, negative amounts) and the
//! one-currency rule, with errors naming the table `deals`, the 0-based row, column and value.
//! **Trade-off:** deal ids are not checked for duplicates — that needs memory growing with the
//! number of rows; load the table with [`super::load_tables`] to validate ids.
//!
//! ```
//! use arrow_array::{ArrayRef, Date32Array, Decimal128Array, RecordBatch, StringArray};
//! use channel_kpi::{Metric, Period, Query, Dimension, Reference};
//! use std::sync::Arc;
//! let s = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
//! let batch = RecordBatch::try_from_iter([
//!     ("deal_id", s(vec![Some("A"), Some("B")])),
//!     ("partner_id", s(vec![Some("p1"), None])),
//!     ("status", s(vec![Some("won"), Some("open")])),
//!     ("created_on", Arc::new(Date32Array::from(vec![20089, 20089])) as ArrayRef), // 2025-01-01
//!     ("closed_on", Arc::new(Date32Array::from(vec![Some(20099), None])) as ArrayRef),
//!     ("amount", Arc::new(Decimal128Array::from(vec![20000, 5000]).with_precision_and_scale(18, 2).unwrap()) as ArrayRef),
//!     ("currency", s(vec![Some("USD"), Some("USD")])),
//! ]).unwrap();
//! let q = Query::new(vec![Metric::WonRevenue, Metric::Pipeline], Period::parse("2025-01").unwrap()).by(Dimension::Partner);
//! let refs = Reference::default();
//! let partial = channel_kpi::arrow::fold_deal_batches(&q, &refs, &[batch], 2).unwrap();
//! let t = partial.finish(&refs).unwrap();
//! assert_eq!(t.value(1, "won_revenue").unwrap().to_string(), "200");
//! assert_eq!(t.value(0, "pipeline_value").unwrap().to_string(), "50");
//! ```

use super::columns::{Amounts, Columns, Flat, Strs};
use super::input::Batches;
use super::intern::{Interner, short_key};
use super::select::{self, CHUNK, Scratch};
use super::tally::{FLUSH_EVERY, Tally};
use crate::engine::{Ctx, Dimension, Engine, GroupKey, Partial, Query, Record, Reference};
use crate::error::{Error, Location, Result};
use crate::kpi::deals::columnar_metric;
use crate::load::{LoadOptions, Mapping, RecordKind, Source};
use crate::money::Currency;
use arrow_array::types::Date32Type;
use arrow_array::{Array, RecordBatch};

/// Folds deals batches into the partial states of one query (see the module docs).
pub struct DealFolder<'r> {
    rows: Engine<'r>,
    plan: Option<Plan>,
    groups: Interner,
    keys: Vec<Option<Box<str>>>,
    /// The group of direct deals (no partner), when grouping by partner.
    direct: Option<u32>,
    /// Per group, per window: the running tally.
    tallies: Vec<Tally>,
    /// Decimal places of the raw amounts summed in the tallies.
    scale: u32,
    currency: Option<Currency>,
    row: u64,
    /// Rows added to the tallies since their packed counts were last flushed.
    unflushed: u64,
    /// The first pass's scratch (kept across batches).
    scratch: Box<Scratch>,
}

/// What the columnar path needs of the query: the windows as day numbers and the grouping.
#[derive(Clone)]
struct Plan {
    windows: Vec<(i32, i32, i32)>,
    by_partner: bool,
    /// A total group (group 0): with roll-up, or when not grouping at all.
    total: bool,
}

const DEALS: &str = "deals";

impl<'r> DealFolder<'r> {
    /// Prepares empty states for `query` (checked as by [`Engine::new`]).
    pub fn new(query: &Query, refs: &'r Reference) -> Result<Self> {
        let rows = Engine::new(query, refs)?;
        let q = rows.query().clone();
        let as_of = q.as_of.unwrap_or(q.period.last_day());
        let ctx = Ctx { query: &q, refs, as_of };
        let windows = rows.windows();
        let columnar = q.metrics.iter().all(|m| columnar_metric(*m, &ctx))
            && q.currency.is_none()
            && windows.iter().all(|w| w.cyclic.is_none())
            && matches!(q.group_by.as_slice(), [] | [Dimension::Partner]);
        let plan = columnar.then(|| Plan {
            windows: windows.iter().map(|w| (day(w.period.start()), day(w.period.end()), day(w.instant()))).collect(),
            by_partner: !q.group_by.is_empty(),
            total: q.rollup || q.group_by.is_empty(),
        });
        let mut f = DealFolder {
            rows,
            plan,
            groups: Interner::default(),
            keys: Vec::new(),
            direct: None,
            tallies: Vec::new(),
            scale: 0,
            currency: None,
            row: 0,
            unflushed: 0,
            scratch: Box::default(),
        };
        if f.plan.as_ref().is_some_and(|p| p.total) {
            f.add_group(None);
        }
        Ok(f)
    }

    /// Numbers error rows from `row` (for a folder that starts in the middle of a table).
    pub fn starting_at_row(mut self, row: u64) -> Self {
        self.row = row;
        self
    }

    /// Whether batches of this query take the columnar path (when their column types allow).
    pub fn is_columnar(&self) -> bool {
        self.plan.is_some()
    }

    fn add_group(&mut self, key: Option<Box<str>>) -> u32 {
        let g = self.keys.len() as u32;
        let n = self.rows.windows().len();
        self.tallies.resize(self.tallies.len() + n, Tally::default());
        if let Some(k) = &key {
            self.groups.insert(k.as_bytes(), g);
        }
        self.keys.push(key);
        g
    }

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
        for d in &data.deals {
            self.rows.push(&Record::Deal(d))?;
        }
        Ok(())
    }

    /// Brings the tallies and this batch's amounts to one scale (the larger); returns the
    /// factor for this batch's raw amounts.
    fn align_scale(&mut self, batch_scale: u32) -> Result<i128> {
        let overflow = || Error::Overflow {
            location: Location { file: Some(DEALS.into()), field: Some("amount".into()), ..Default::default() },
            reason: "amounts of different scales exceed exact decimal arithmetic".into(),
        };
        if batch_scale > self.scale {
            for t in &mut self.tallies {
                t.rescale(batch_scale - self.scale).map_err(|_| overflow())?;
            }
            self.scale = batch_scale;
        }
        10i128.checked_pow(self.scale - batch_scale).ok_or_else(overflow)
    }

    fn fold_columns(&mut self, p: &Plan, c: &Columns, n: usize) -> Result<()> {
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
            let row = (sc.status[j], sc.closed_ok[j], cr, cl, sc.amount_ok[j], c.amount.raw(start + j));
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
            if add_row(&mut self.tallies, p, g, (st, cv, created, cl, raw.is_some(), raw.unwrap_or(0))).is_err() {
                return Err(self.bad(i, "amount", "", SUM_OVERFLOW));
            }
        }
        Ok(())
    }

    /// The group of a partner id (empty or absent: the direct-deals group).
    #[inline]
    fn group_of(&mut self, partner: Option<&str>) -> u32 {
        match partner.map(trimmed).filter(|s| !s.is_empty()) {
            Some(k) => match self.groups.get(k.as_bytes()) {
                Some(g) => g,
                None => self.add_group(Some(Box::from(k))),
            },
            None => match self.direct {
                Some(g) => g,
                None => {
                    let g = self.add_group(None);
                    self.groups.insert(b"", g);
                    self.direct = Some(g);
                    g
                }
            },
        }
    }

    fn check_currency(&mut self, c: &Columns, i: usize) -> Result<()> {
        let Some(text) = c.currency.as_ref().and_then(|s| s.get(i)) else {
            return Err(self.missing(i, "currency"));
        };
        if let Some(seen) = self.currency
            && seen.code().as_slice() == text.as_bytes()
        {
            return Ok(());
        }
        let cur = Currency::new(text).map_err(|_| self.bad(i, "currency", text, "expected a three-letter currency code"))?;
        if !self.rows.query().needs_one_currency() {
            return Ok(()); // counts and durations only: any mix of currencies
        }
        match self.currency {
            None => self.currency = Some(cur),
            Some(seen) if seen != cur => {
                return Err(Error::Currency {
                    expected: seen.to_string(),
                    found: cur.to_string(),
                    location: self.loc(i, "currency", text),
                    reason: "set the query's currency and supply exchange rates to combine currencies".into(),
                });
            }
            _ => {}
        }
        Ok(())
    }

    fn loc(&self, i: usize, field: &str, value: &str) -> Location {
        Location {
            file: Some(DEALS.into()),
            row: Some(self.row + i as u64),
            field: Some(field.into()),
            value: (!value.is_empty()).then(|| value.to_string()),
            ..Default::default()
        }
    }
    fn missing(&self, i: usize, field: &str) -> Error {
        Error::Missing { location: self.loc(i, field, "") }
    }
    fn bad(&self, i: usize, field: &str, value: &str, reason: &str) -> Error {
        Error::invalid(self.loc(i, field, value), reason)
    }

    /// Moves the tallies of `other` (a folder of the same query) into this one, group by
    /// group, leaving `other` with only what its row path folded.
    fn absorb(&mut self, other: &mut DealFolder) -> Result<()> {
        let (Some(p), Some(_)) = (self.plan.clone(), &other.plan) else { return Ok(()) };
        if let Some(c) = other.currency {
            match self.currency {
                Some(mine) if mine != c => {
                    return Err(Error::Currency {
                        expected: mine.to_string(),
                        found: c.to_string(),
                        location: Location { file: Some(DEALS.into()), field: Some("currency".into()), ..Default::default() },
                        reason: "set the query's currency and supply exchange rates to combine currencies".into(),
                    });
                }
                _ => self.currency = Some(c),
            }
        }
        let overflow = || Error::Overflow {
            location: Location { file: Some(DEALS.into()), field: Some("amount".into()), ..Default::default() },
            reason: "amounts of different scales exceed exact decimal arithmetic".into(),
        };
        self.align_scale(other.scale)?;
        let k = self.scale - other.scale;
        let nw = p.windows.len();
        let mut tallies = std::mem::take(&mut other.tallies);
        for (g, key) in std::mem::take(&mut other.keys).into_iter().enumerate() {
            let mine = if g == 0 && p.total { 0 } else { self.group_of(key.as_deref()) } as usize;
            for wi in 0..nw {
                let mut t = std::mem::take(&mut tallies[g * nw + wi]);
                if k > 0 {
                    t.rescale(k).map_err(|_| overflow())?;
                }
                self.tallies[mine * nw + wi].merge(t).map_err(|_| overflow())?;
            }
        }
        other.groups = Interner::default();
        other.direct = None;
        other.currency = None;
        Ok(())
    }

    /// The partial states of everything folded: each group's tallies folded into fresh states
    /// by the KPIs' `fold`, merged with what the row path folded.
    pub fn into_partial(mut self) -> Result<Partial> {
        let metrics = self.rows.query().metrics.clone();
        let mut partial = self.rows.into_partial();
        let Some(p) = self.plan else { return Ok(partial) };
        if let Some(c) = self.currency {
            partial.note_currency(c)?;
        }
        let levels = partial.query().group_by.len();
        let nw = p.windows.len();
        let mut buf = Vec::new();
        for (g, key) in self.keys.into_iter().enumerate() {
            let gk: GroupKey = if g == 0 && p.total { (0, vec![None; levels]) } else { (levels as u8, vec![key.map(String::from)]) }.into();
            for (wi, t) in self.tallies[g * nw..(g + 1) * nw].iter_mut().enumerate() {
                if t.is_empty() {
                    continue;
                }
                let (states, hit) = t.states(&metrics, self.scale, &mut buf)?;
                if hit {
                    partial.merge_cell(wi, gk.clone(), states)?;
                }
            }
        }
        Ok(partial)
    }
}

const SUM_OVERFLOW: &str = "the sum of amounts exceeds 128-bit integers";

/// A checked row as [`add_row`] takes it: status code, whether `closed_on` is present,
/// `created_on` and `closed_on` as day numbers (any value when absent), whether it has an
/// amount, its raw amount at the folder's scale (any value when absent).
type Row = (u8, bool, i32, i32, bool, i128);

/// Adds a checked row's facts ([`select::facts`]) in each window it touches to the tallies of
/// group `g` (and of the total group with roll-up): the one way both the chunk loop and the
/// exact per-row loop add a row. `Err` when a sum overflows.
#[inline(always)]
fn add_row(tallies: &mut [Tally], p: &Plan, g: u32, (st, cv, cr, cl, valued, raw): Row) -> std::result::Result<(), ()> {
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

/// Folds in-memory batches on `threads` threads (0 = all cores): the rows are split into
/// contiguous ranges (batches sliced without copying), each folded into its own partial
/// states, then merged by [`Partial::merge`].
pub fn fold_deal_batches(query: &Query, refs: &Reference, batches: &[RecordBatch], threads: usize) -> Result<Partial> {
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
    let total: usize = batches.iter().map(|b| b.num_rows()).sum();
    let per = total.div_ceil(threads.max(1)).max(1);
    let mut parts: Vec<(u64, Vec<RecordBatch>)> = Vec::new();
    let (mut cur, mut cur_rows, mut start) = (Vec::new(), 0usize, 0u64);
    for b in batches {
        let mut off = 0;
        while off < b.num_rows() {
            let take = (per - cur_rows).min(b.num_rows() - off);
            cur.push(b.slice(off, take));
            off += take;
            cur_rows += take;
            if cur_rows == per {
                parts.push((start, std::mem::take(&mut cur)));
                start += cur_rows as u64;
                cur_rows = 0;
            }
        }
    }
    if !cur.is_empty() || parts.is_empty() {
        parts.push((start, cur));
    }
    let results: Vec<Result<DealFolder>> = std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .iter()
            .map(|(row, bs)| {
                s.spawn(move || {
                    let mut f = DealFolder::new(query, refs)?.starting_at_row(*row);
                    for b in bs {
                        f.push_batch(b)?;
                    }
                    Ok(f)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(Error::Query("a folding thread panicked".into())))).collect()
    });
    combine(results.into_iter().collect::<Result<Vec<_>>>()?, query, refs)
}

/// One partial from the folders of several threads: their tallies summed group by group
/// into the first folder (integer adds), which is then finished once; the row-path parts
/// merged by [`Partial::merge`].
fn combine(folders: Vec<DealFolder>, query: &Query, refs: &Reference) -> Result<Partial> {
    let mut folders = folders.into_iter();
    let Some(mut first) = folders.next() else { return Ok(Engine::new(query, refs)?.into_partial()) };
    let mut rest = Vec::new();
    for mut f in folders {
        first.absorb(&mut f)?;
        rest.push(f.into_partial()?);
    }
    let mut out = first.into_partial()?;
    for p in &rest {
        out.merge(p)?;
    }
    Ok(out)
}

/// Folds a stream of batches (an Arrow reader, a Parquet or CSV file read in batches) with
/// memory bounded by `threads` batches plus the states: `threads` batches are read, folded in
/// parallel (one [`DealFolder`] per thread, kept across rounds), and dropped before the next
/// ones are read; the folders' states are merged at the end.
pub fn fold_deal_stream(query: &Query, refs: &Reference, mut batches: Batches, threads: usize) -> Result<Partial> {
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads }.max(1);
    let mut folders: Vec<DealFolder> = (0..threads).map(|_| DealFolder::new(query, refs)).collect::<Result<_>>()?;
    let mut row = 0u64;
    loop {
        let mut round = Vec::with_capacity(threads);
        for _ in 0..threads {
            match batches.next() {
                None => break,
                Some(Err(e)) => {
                    let loc = Location { file: Some(DEALS.into()), row: Some(row), ..Default::default() };
                    return Err(Error::parse(loc, format!("reading the Arrow stream: {e}")));
                }
                Some(Ok(b)) => {
                    let start = row;
                    row += b.num_rows() as u64;
                    round.push((start, b));
                }
            }
        }
        if round.is_empty() {
            break;
        }
        let results: Vec<Result<()>> = std::thread::scope(|s| {
            let handles: Vec<_> = folders
                .iter_mut()
                .zip(&round)
                .map(|(f, (start, b))| {
                    s.spawn(move || {
                        let keep = f.row;
                        f.row = *start;
                        let r = f.push_batch(b);
                        f.row = keep;
                        r
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(Error::Query("a folding thread panicked".into())))).collect()
        });
        results.into_iter().collect::<Result<Vec<()>>>()?;
    }
    combine(folders, query, refs)
}

/// Row numbers of an error from the loader (numbered within one batch) made table-wide.
fn shift_rows(e: Error, by: u64) -> Error {
    e.map_locations(&|l: &mut Location| l.row = l.row.map(|r| r + by))
}

/// `s.trim()`, without the call when neither end is whitespace (ids usually are not padded).
#[inline(always)]
fn trimmed(s: &str) -> &str {
    match s.as_bytes() {
        [a, .., b] if !a.is_ascii_whitespace() && !b.is_ascii_whitespace() && a.is_ascii() && b.is_ascii() => s,
        [a] if !a.is_ascii_whitespace() && a.is_ascii() => s,
        _ => s.trim(),
    }
}

fn day(d: chrono::NaiveDate) -> i32 {
    Date32Type::from_naive_date(d)
}

fn date(d: i32) -> String {
    Date32Type::to_naive_date_opt(d).map_or_else(|| d.to_string(), |x| x.to_string())
}
