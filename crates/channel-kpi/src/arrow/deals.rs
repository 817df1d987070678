//! The columnar path for deals: Arrow record batches folded straight into partial states,
//! without building a [`crate::Deal`] per row.
//!
//! [`DealFolder`] reads the columns of a deals batch once (dates as `date32` day numbers,
//! amounts as raw `decimal128` integers, strings as views), classifies each row against each
//! window with [`DealFacts::classify`] on day numbers, and folds the facts into the states of
//! the row's group with the KPIs' own `fold` (the code their `Kpi::observe` runs), so results
//! equal the row path's exactly. Group keys are interned: one hash lookup of the partner id
//! per row that touches a window (one per dictionary value for dictionary-encoded columns),
//! giving an index into a flat vector of states. Rows that touch no window are skipped after
//! comparing two or three integers.
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

use super::input::Batches;
use crate::domain::DealStatus;
use crate::engine::{Ctx, Dimension, Engine, KpiState, Partial, Query, Record, Reference};
use crate::error::{Error, Location, Result};
use crate::kpi::deals::{DealFacts, columnar_metric, fold_columnar};
use crate::load::{LoadOptions, Mapping, RecordKind, Source};
use crate::money::Currency;
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Decimal128Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, PrimitiveArray, RecordBatch};
use arrow_schema::DataType;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Folds deals batches into the partial states of one query (see the module docs).
pub struct DealFolder<'r> {
    rows: Engine<'r>,
    plan: Option<Plan>,
    groups: HashMap<Box<str>, u32, BuildHasherDefault<FxHasher>>,
    keys: Vec<Option<Box<str>>>,
    /// The group of direct deals (no partner), when grouping by partner.
    direct: Option<u32>,
    /// Per group: windows × metrics states, then the group's `touched` flags per window.
    states: Vec<KpiState>,
    touched: Vec<bool>,
    currency: Option<Currency>,
    row: u64,
}

/// What the columnar path needs of the query: the windows as day numbers and the grouping.
struct Plan {
    windows: Vec<(i32, i32, i32)>,
    metrics: usize,
    by_partner: bool,
    rollup: bool,
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
            metrics: q.metrics.len(),
            by_partner: !q.group_by.is_empty(),
            rollup: q.rollup && !q.group_by.is_empty(),
        });
        let mut f = DealFolder {
            rows,
            plan,
            groups: HashMap::default(),
            keys: Vec::new(),
            direct: None,
            states: Vec::new(),
            touched: Vec::new(),
            currency: None,
            row: 0,
        };
        if f.plan.as_ref().is_some_and(|p| p.rollup || !p.by_partner) {
            f.add_group(None); // group 0: the total (roll-up level 0, or the only group)
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
        let q = self.rows.query();
        let g = self.keys.len() as u32;
        for _ in 0..self.rows.windows().len() {
            self.states.extend(q.metrics.iter().map(|m| m.new_state()));
            self.touched.push(false);
        }
        if let Some(k) = &key {
            self.groups.insert(k.clone(), g);
        }
        self.keys.push(key);
        g
    }

    /// Folds one batch of deals.
    pub fn push_batch(&mut self, b: &RecordBatch) -> Result<()> {
        match self.plan.is_some().then(|| Columns::of(b, self.plan.as_ref().is_some_and(|p| p.by_partner))).flatten() {
            Some(c) => self.fold_columns(&c, b.num_rows())?,
            None => self.fold_rows(b)?,
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

    fn fold_columns(&mut self, c: &Columns, n: usize) -> Result<()> {
        let Some(plan) = self.plan.take() else { return Ok(()) };
        let r = self.fold_columns_with(&plan, c, n);
        self.plan = Some(plan);
        r
    }

    fn fold_columns_with(&mut self, p: &Plan, c: &Columns, n: usize) -> Result<()> {
        let per_group = p.windows.len() * p.metrics;
        let dict_groups: Option<Vec<u32>> = match &c.partner {
            Some(Strs::Dict { values, .. }) => Some((0..values.len()).map(|j| self.group_of(values.get(j))).collect()),
            _ => None,
        };
        for i in 0..n {
            if c.created.is_null(i) {
                return Err(self.missing(i, "created_on"));
            }
            let created = c.created.value(i);
            let closed = c.closed.as_ref().and_then(|a| a.is_valid(i).then(|| a.value(i)));
            let status = match c.status.get(i) {
                Some(s) if s.eq_ignore_ascii_case("won") => DealStatus::Won,
                Some(s) if s.eq_ignore_ascii_case("lost") => DealStatus::Lost,
                Some(s) if s.eq_ignore_ascii_case("open") => DealStatus::Open,
                Some(s) => return Err(self.bad(i, "status", s, "expected open, won or lost")),
                None => return Err(self.missing(i, "status")),
            };
            match (status, closed) {
                (DealStatus::Open, Some(d)) => return Err(self.bad(i, "closed_on", &date(d), "an open deal has no close date")),
                (DealStatus::Won | DealStatus::Lost, None) => return Err(self.missing(i, "closed_on")),
                (_, Some(d)) if d < created => {
                    return Err(self.bad(i, "closed_on", &date(d), &format!("closed before it was created ({})", date(created))));
                }
                _ => {}
            }
            let raw = c.amount.get(i);
            match raw {
                None if status == DealStatus::Won => return Err(self.missing(i, "amount")),
                Some(v) if v < 0 => return Err(self.bad(i, "amount", &c.amount.text(v), "amount is negative")),
                Some(_) => self.check_currency(c, i)?,
                None => {}
            }
            let mut group: Option<u32> = None;
            for (wi, &(start, end, instant)) in p.windows.iter().enumerate() {
                let mut f =
                    DealFacts::classify(status, created, closed, |d| start <= d && d < end, instant, |a, b| i64::from(b) - i64::from(a));
                if !f.any() {
                    continue;
                }
                let amount = raw.map(|v| c.amount.decimal(v)).transpose().map_err(|reason| self.bad(i, "amount", &reason.0, &reason.1))?;
                f.won_amount = if f.won { amount.unwrap_or(Decimal::ZERO) } else { Decimal::ZERO };
                f.open_amount = if f.open_at_end { amount } else { None };
                let g = match group {
                    Some(g) => g,
                    None => {
                        let g = match (&c.partner, &dict_groups) {
                            (Some(Strs::Dict { keys, .. }), Some(groups)) => match keys[i] {
                                Some(k) => groups[k],
                                None => self.group_of(None),
                            },
                            (Some(s), _) => self.group_of(s.get(i)),
                            (None, _) if p.by_partner => self.group_of(None),
                            (None, _) => 0,
                        };
                        *group.get_or_insert(g)
                    }
                };
                let mut fold = |g: u32| -> Result<()> {
                    let at = g as usize * per_group + wi * p.metrics;
                    let mut hit = false;
                    for s in &mut self.states[at..at + p.metrics] {
                        hit |= fold_columnar(s, &f)?;
                    }
                    self.touched[g as usize * p.windows.len() + wi] |= hit;
                    Ok(())
                };
                fold(g)?;
                if p.rollup {
                    fold(0)?;
                }
            }
        }
        Ok(())
    }

    /// The group of a partner id (empty or absent: the direct-deals group).
    fn group_of(&mut self, partner: Option<&str>) -> u32 {
        let key = partner.map(str::trim).filter(|s| !s.is_empty());
        match key {
            Some(k) => match self.groups.get(k) {
                Some(g) => *g,
                None => self.add_group(Some(Box::from(k))),
            },
            None => match self.direct {
                Some(g) => g,
                None => {
                    let g = self.add_group(None);
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
            && seen.as_str() == text
        {
            return Ok(());
        }
        let cur = Currency::new(text).map_err(|_| self.bad(i, "currency", text, "expected a three-letter currency code"))?;
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

    /// The partial states of everything folded.
    pub fn into_partial(self) -> Result<Partial> {
        let mut partial = self.rows.into_partial();
        let Some(p) = self.plan else { return Ok(partial) };
        if let Some(c) = self.currency {
            partial.note_currency(c)?;
        }
        let levels = partial.query().group_by.len() as u8;
        let mut states = self.states.into_iter();
        for (g, key) in self.keys.into_iter().enumerate() {
            let total = g == 0 && (p.rollup || !p.by_partner);
            let gk = if total { (0, vec![None; levels as usize]) } else { (levels, vec![key.map(String::from)]) };
            for wi in 0..p.windows.len() {
                let cell: Vec<KpiState> = states.by_ref().take(p.metrics).collect();
                if self.touched[g * p.windows.len() + wi] {
                    partial.merge_cell(wi, gk.clone(), cell)?;
                }
            }
        }
        Ok(partial)
    }
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
    let results: Vec<Result<Partial>> = std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .iter()
            .map(|(row, bs)| {
                s.spawn(move || {
                    let mut f = DealFolder::new(query, refs)?.starting_at_row(*row);
                    for b in bs {
                        f.push_batch(b)?;
                    }
                    f.into_partial()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(Error::Query("a folding thread panicked".into())))).collect()
    });
    let mut out: Option<Partial> = None;
    for r in results {
        let p = r?;
        match &mut out {
            None => out = Some(p),
            Some(o) => o.merge(&p)?,
        }
    }
    match out {
        Some(p) => Ok(p),
        None => Ok(Engine::new(query, refs)?.into_partial()),
    }
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
    let mut out = Engine::new(query, refs)?.into_partial();
    for f in folders {
        out.merge(&f.into_partial()?)?;
    }
    Ok(out)
}

/// Row numbers of an error from the loader (numbered within one batch) made table-wide.
fn shift_rows(e: Error, by: u64) -> Error {
    let fix = |mut l: Location| {
        l.row = l.row.map(|r| r + by);
        l
    };
    match e {
        Error::Parse { location, reason } => Error::Parse { location: fix(location), reason },
        Error::Invalid { location, reason } => Error::Invalid { location: fix(location), reason },
        Error::Missing { location } => Error::Missing { location: fix(location) },
        Error::Reference { location, reason } => Error::Reference { location: fix(location), reason },
        Error::Currency { expected, found, location, reason } => Error::Currency { expected, found, location: fix(location), reason },
        Error::Overflow { location, reason } => Error::Overflow { location: fix(location), reason },
        Error::Many(v) => Error::Many(v.into_iter().map(|e| shift_rows(e, by)).collect()),
        other => other,
    }
}

fn day(d: chrono::NaiveDate) -> i32 {
    Date32Type::from_naive_date(d)
}

fn date(d: i32) -> String {
    Date32Type::to_naive_date_opt(d).map_or_else(|| d.to_string(), |x| x.to_string())
}

/// The columns of one batch, typed for the columnar path.
struct Columns<'a> {
    created: &'a PrimitiveArray<Date32Type>,
    closed: Option<&'a PrimitiveArray<Date32Type>>,
    status: Strs<'a>,
    partner: Option<Strs<'a>>,
    currency: Option<Strs<'a>>,
    amount: Amounts<'a>,
}

impl<'a> Columns<'a> {
    /// The columns when every one has a type the columnar path reads (else `None`: the row
    /// path takes the batch and reports type problems itself).
    fn of(b: &'a RecordBatch, by_partner: bool) -> Option<Columns<'a>> {
        let col = |n: &str| b.column_by_name(n);
        let date = |a: &'a ArrayRef| (a.data_type() == &DataType::Date32).then(|| a.as_primitive::<Date32Type>());
        let deal_id = col("deal_id")?;
        if deal_id.null_count() > 0 || Strs::of(deal_id).is_none() {
            return None;
        }
        let closed = match col("closed_on") {
            None => None,
            Some(a) if a.data_type() == &DataType::Null => None,
            Some(a) => Some(date(a)?),
        };
        let partner = match col("partner_id") {
            Some(a) if by_partner && a.data_type() != &DataType::Null => Some(Strs::of(a)?),
            _ => None,
        };
        Some(Columns {
            created: date(col("created_on")?)?,
            closed,
            status: Strs::of(col("status")?)?,
            partner,
            currency: match col("currency") {
                Some(a) => Some(Strs::of(a)?),
                None => None,
            },
            amount: match col("amount") {
                None => Amounts::None,
                Some(a) => Amounts::of(a)?,
            },
        })
    }
}

/// A string column of any Arrow string layout.
enum Strs<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    Dict { keys: Vec<Option<usize>>, values: Box<Strs<'a>> },
}

impl<'a> Strs<'a> {
    fn of(a: &'a ArrayRef) -> Option<Strs<'a>> {
        Self::of_dyn(a.as_ref())
    }
    fn of_dyn(a: &'a dyn Array) -> Option<Strs<'a>> {
        Some(match a.data_type() {
            DataType::Utf8 => Strs::Utf8(a.as_string::<i32>()),
            DataType::LargeUtf8 => Strs::Large(a.as_string::<i64>()),
            DataType::Utf8View => Strs::View(a.as_string_view()),
            DataType::Dictionary(..) => {
                let d = a.as_any_dictionary_opt()?;
                let values = Box::new(Self::of_dyn(d.values().as_ref())?);
                // (`normalized_keys` asserts a non-empty dictionary: then every key is null)
                let keys = if d.values().is_empty() {
                    vec![None; a.len()]
                } else {
                    d.normalized_keys().into_iter().enumerate().map(|(i, k)| a.is_valid(i).then_some(k)).collect()
                };
                Strs::Dict { keys, values }
            }
            _ => return None,
        })
    }
    fn len(&self) -> usize {
        match self {
            Strs::Utf8(a) => a.len(),
            Strs::Large(a) => a.len(),
            Strs::View(a) => a.len(),
            Strs::Dict { keys, .. } => keys.len(),
        }
    }
    #[inline]
    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strs::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::View(a) => a.is_valid(i).then(|| a.value(i)),
            Strs::Dict { keys, values } => keys[i].and_then(|k| values.get(k)),
        }
    }
}

/// The amount column as raw integers and their scale.
enum Amounts<'a> {
    None,
    Decimal(&'a PrimitiveArray<Decimal128Type>, u32),
    Int64(&'a PrimitiveArray<Int64Type>),
    Int32(&'a PrimitiveArray<Int32Type>),
}

impl<'a> Amounts<'a> {
    fn of(a: &'a ArrayRef) -> Option<Amounts<'a>> {
        Some(match a.data_type() {
            DataType::Null => Amounts::None,
            DataType::Decimal128(_, s) if (0..=28).contains(s) => Amounts::Decimal(a.as_primitive(), *s as u32),
            DataType::Int64 => Amounts::Int64(a.as_primitive()),
            DataType::Int32 => Amounts::Int32(a.as_primitive()),
            _ => return None,
        })
    }
    #[inline]
    fn get(&self, i: usize) -> Option<i128> {
        match self {
            Amounts::None => None,
            Amounts::Decimal(a, _) => a.is_valid(i).then(|| a.value(i)),
            Amounts::Int64(a) => a.is_valid(i).then(|| i128::from(a.value(i))),
            Amounts::Int32(a) => a.is_valid(i).then(|| i128::from(a.value(i))),
        }
    }
    fn scale(&self) -> u32 {
        match self {
            Amounts::Decimal(_, s) => *s,
            _ => 0,
        }
    }
    /// The exact decimal of a raw value; beyond the 28 significant digits of `rust_decimal` an
    /// error (value text, reason).
    #[inline]
    fn decimal(&self, v: i128) -> std::result::Result<Decimal, (String, String)> {
        Decimal::try_from_i128_with_scale(v, self.scale())
            .map_err(|_| (self.text(v), "more than 28 significant digits: beyond exact decimal arithmetic".to_string()))
    }
    fn text(&self, v: i128) -> String {
        match self {
            Amounts::Decimal(_, s) => <Decimal128Type as arrow_array::types::DecimalType>::format_decimal(v, 38, *s as i8),
            _ => v.to_string(),
        }
    }
}

/// FxHash (rustc's): a fast hash for short keys such as partner ids; not DoS-resistant, which
/// is fine for keys of the caller's own data.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strs_len_matches() {
        let a: ArrayRef = std::sync::Arc::new(arrow_array::StringArray::from(vec![Some("a"), None]));
        let s = Strs::of(&a).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s.get(0), Some("a"));
        assert_eq!(s.get(1), None);
    }
}
