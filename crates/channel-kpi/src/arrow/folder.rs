//! The columnar path for deals: Arrow record batches folded straight into partial states,
//! without building a [`crate::Deal`] per row. This file holds [`DealFolder`] (its plan,
//! groups, checks and errors, and the way its tallies become states); `fold_batch.rs` its loops
//! over one batch's columns; `threads.rs` the parallel entry points.
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

use super::columns::Columns;
use super::intern::Interner;
use super::select::{DayWindow, Scratch};
use super::tally::Tally;
use crate::engine::{Ctx, Dimension, Engine, GroupKey, Partial, Query, Reference};
use crate::error::{Error, Location, Result};
use crate::kpi::deal_tally::columnar_metric;
use crate::money::Currency;
use arrow_array::types::Date32Type;

/// Folds deals batches into the partial states of one query (see the module docs).
pub struct DealFolder<'r> {
    pub(super) rows: Engine<'r>,
    pub(super) plan: Option<Plan>,
    pub(super) groups: Interner,
    pub(super) keys: Vec<Option<Box<str>>>,
    /// The group of direct deals (no partner), when grouping by partner.
    pub(super) direct: Option<u32>,
    /// Per group, per window: the running tally.
    pub(super) tallies: Vec<Tally>,
    /// Decimal places of the raw amounts summed in the tallies.
    pub(super) scale: u32,
    pub(super) currency: Option<Currency>,
    pub(super) row: u64,
    /// Rows added to the tallies since their packed counts were last flushed.
    pub(super) unflushed: u64,
    /// The first pass's scratch (kept across batches).
    pub(super) scratch: Box<Scratch>,
}

/// What the columnar path needs of the query: the windows as day numbers and the grouping.
#[derive(Clone)]
pub(super) struct Plan {
    pub(super) windows: Vec<DayWindow>,
    pub(super) by_partner: bool,
    /// A total group (group 0): with roll-up, or when not grouping at all.
    pub(super) total: bool,
}

pub(super) const DEALS: &str = "deals";

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
            windows: windows
                .iter()
                .map(|w| DayWindow { start: day(w.period.start()), end: day(w.period.end()), instant: day(w.instant()) })
                .collect(),
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

    /// Brings the tallies and this batch's amounts to one scale (the larger); returns the
    /// factor for this batch's raw amounts.
    pub(super) fn align_scale(&mut self, batch_scale: u32) -> Result<i128> {
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

    /// The group of a partner id (empty or absent: the direct-deals group).
    #[inline]
    pub(super) fn group_of(&mut self, partner: Option<&str>) -> u32 {
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

    pub(super) fn check_currency(&mut self, c: &Columns, i: usize) -> Result<()> {
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
    pub(super) fn missing(&self, i: usize, field: &str) -> Error {
        Error::Missing { location: self.loc(i, field, "") }
    }
    pub(super) fn bad(&self, i: usize, field: &str, value: &str, reason: &str) -> Error {
        Error::invalid(self.loc(i, field, value), reason)
    }

    /// Moves the tallies of `other` (a folder of the same query) into this one, group by
    /// group, leaving `other` with only what its row path folded.
    pub(super) fn absorb(&mut self, other: &mut DealFolder) -> Result<()> {
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
            let gk = if g == 0 && p.total {
                GroupKey { level: 0, values: vec![None; levels] }
            } else {
                GroupKey { level: levels as u8, values: vec![key.map(String::from)] }
            };
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

/// Row numbers of an error from the loader (numbered within one batch) made table-wide.
pub(super) fn shift_rows(e: Error, by: u64) -> Error {
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

pub(super) fn date(d: i32) -> String {
    Date32Type::to_naive_date_opt(d).map_or_else(|| d.to_string(), |x| x.to_string())
}
