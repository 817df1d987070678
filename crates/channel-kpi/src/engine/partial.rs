//! [`Engine`] (records → partial states) and [`Partial`] (merge, serialize, finish).

use super::dimension::DimValue;
use super::kpi::{Ctx, Merge};
use super::query::{Compare, Query};
use super::record::{Record, Reference};
use super::registry::KpiState;
use super::table::{Column, ColumnKind, ColumnRole, ColumnSpec, ResultTable, Value};
use super::window::Window;
use crate::error::{Error, Location, Result};
use crate::money::Currency;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::collections::HashMap;

/// A group: its roll-up level (number of grouped dimensions) and key (one value per
/// `group_by` dimension; `None` = empty value, or "all" beyond the level).
pub type GroupKey = (u8, Vec<Option<String>>);

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
/// // ship `b` as JSON, merge it back
/// let json = serde_json::to_string(&b.into_partial()).unwrap();
/// let mut whole = a.into_partial();
/// whole.merge(&serde_json::from_str(&json).unwrap()).unwrap();
/// let t = whole.finish(&data.refs).unwrap();
/// assert_eq!(t.value(0, "won_count").unwrap().to_string(), "2");
/// ```
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Partial {
    query: Query,
    currency: Option<Currency>,
    #[serde(with = "cells_serde")]
    cells: Vec<BTreeMap<GroupKey, Vec<KpiState>>>,
}

mod cells_serde {
    use super::*;
    use serde::{Deserializer, Serializer};
    type Cells = Vec<BTreeMap<GroupKey, Vec<KpiState>>>;
    pub fn serialize<S: Serializer>(c: &Cells, s: S) -> std::result::Result<S::Ok, S::Error> {
        let v: Vec<Vec<(&GroupKey, &Vec<KpiState>)>> = c.iter().map(|m| m.iter().collect()).collect();
        v.serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Cells, D::Error> {
        let v: Vec<Vec<(GroupKey, Vec<KpiState>)>> = Vec::deserialize(d)?;
        Ok(v.into_iter().map(|m| m.into_iter().collect()).collect())
    }
}

/// The windows of a query: the main ones (one per bucket), then the comparison ones; and for
/// each main window the index of its comparison window.
pub(crate) fn plan_windows(q: &Query) -> Result<(Vec<Window>, Vec<Option<usize>>)> {
    let main = match q.buckets {
        None => vec![Window::new(q.period)],
        Some(b) if b.is_cyclic() => {
            let n = if b == crate::Bucket::MonthOfYear { 12 } else { 4 };
            (1..=n).map(|i| Window { period: q.period, cyclic: Some((b, i)) }).collect()
        }
        Some(b) => q.period.split(b, q.options.fiscal_year_start)?.into_iter().map(Window::new).collect(),
    };
    let needs = q.compare_to.is_some() || q.metrics.iter().any(|m| m.needs_previous());
    if !needs {
        let n = main.len();
        return Ok((main, vec![None; n]));
    }
    let cmp: Vec<Window> = match q.compare_to.unwrap_or(Compare::PreviousPeriod) {
        Compare::PreviousPeriod => {
            main.iter().map(|w| Ok(Window { period: w.period.previous()?, cyclic: w.cyclic })).collect::<Result<_>>()?
        }
        Compare::YearAgo => main.iter().map(|w| Ok(Window { period: w.period.year_ago()?, cyclic: w.cyclic })).collect::<Result<_>>()?,
        Compare::Period(p) => match q.buckets {
            None => vec![Window::new(p)],
            Some(_) if main[0].cyclic.is_some() => main.iter().map(|w| Window { period: p, cyclic: w.cyclic }).collect(),
            Some(b) => {
                let parts = p.split(b, q.options.fiscal_year_start)?;
                if parts.len() != main.len() {
                    return Err(Error::Query(format!(
                        "compare_to {p} splits into {} {} buckets but the period {} into {}",
                        parts.len(),
                        b.name(),
                        q.period,
                        main.len()
                    )));
                }
                parts.into_iter().map(Window::new).collect()
            }
        },
    };
    let n = main.len();
    let idx = (0..n).map(|i| Some(n + i)).collect();
    Ok((main.into_iter().chain(cmp).collect(), idx))
}

/// Folds records into a [`Partial`]. Memory grows with the number of groups × windows, not
/// with the number of records.
#[derive(Debug)]
pub struct Engine<'r> {
    refs: &'r Reference,
    windows: Vec<Window>,
    as_of: NaiveDate,
    partial: Partial,
}

impl<'r> Engine<'r> {
    /// Validates the query against the reference data and prepares empty partial states.
    pub fn new(query: &Query, refs: &'r Reference) -> Result<Self> {
        let query = query.normalized()?;
        let (windows, _) = plan_windows(&query)?;
        let as_of = query.as_of.unwrap_or(query.period.last_day());
        {
            let ctx = Ctx { query: &query, refs, as_of };
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
        let partial = Partial { currency: query.currency, cells: vec![BTreeMap::new(); windows.len()], query };
        Ok(Engine { refs, windows, as_of, partial })
    }

    /// The normalized query.
    pub fn query(&self) -> &Query {
        &self.partial.query
    }

    /// Folds one record into every cell it belongs to.
    pub fn push(&mut self, rec: &Record) -> Result<()> {
        check_currency(&mut self.partial.currency, self.partial.query.currency.is_some(), rec)?;
        let keys = keys_of(&self.partial.query, self.refs, rec);
        if keys.is_empty() {
            return Ok(());
        }
        let Partial { query, cells, .. } = &mut self.partial;
        let ctx = Ctx { query, refs: self.refs, as_of: self.as_of };
        for (w, map) in self.windows.iter().zip(cells.iter_mut()) {
            for key in &keys {
                if let Some(states) = map.get_mut(key) {
                    for s in states.iter_mut() {
                        s.observe(rec, w, &ctx)?;
                    }
                } else {
                    let mut states: Vec<KpiState> = query.metrics.iter().map(|m| m.new_state()).collect();
                    let mut touched = false;
                    for s in states.iter_mut() {
                        touched |= s.observe(rec, w, &ctx)?;
                    }
                    if touched {
                        map.insert(key.clone(), states);
                    }
                }
            }
        }
        Ok(())
    }

    /// The partial states so far.
    pub fn into_partial(self) -> Partial {
        self.partial
    }

    /// Finishes into a table.
    pub fn finish(&self) -> Result<ResultTable> {
        self.partial.finish(self.refs)
    }
}

fn check_currency(seen: &mut Option<Currency>, converting: bool, rec: &Record) -> Result<()> {
    if converting {
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

/// The groups a record belongs to: its key at the detail level, and with roll-up at every
/// coarser level. A record kind that lacks a dimension is left out of levels grouping by it.
/// A target counts only at the level it was set for, so partner targets are never summed
/// into a company total.
fn keys_of(q: &Query, refs: &Reference, rec: &Record) -> Vec<GroupKey> {
    let full = q.group_by.len();
    let vals: Vec<DimValue> = q.group_by.iter().map(|d| rec.dim_value(d, refs)).collect();
    let fixed_level = match rec {
        Record::Target(t) if t.dimension == crate::Dimension::All => Some(0),
        Record::Target(t) if q.group_by.first() == Some(&t.dimension) => Some(1),
        Record::Target(_) => return Vec::new(),
        _ => None,
    };
    let levels: Vec<usize> = if q.rollup { (0..=full).rev().collect() } else { vec![full] };
    levels
        .into_iter()
        .filter(|l| fixed_level.is_none_or(|f| f == *l))
        .filter(|&l| vals[..l].iter().all(|v| *v != DimValue::NotApplicable))
        .map(|l| {
            let key = (0..full)
                .map(|i| match (&vals[i], i < l) {
                    (DimValue::Value(v), true) => v.clone(),
                    _ => None,
                })
                .collect();
            (l as u8, key)
        })
        .collect()
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

    /// Folds `other` in. Both must come from the same query.
    pub fn merge(&mut self, other: &Partial) -> Result<()> {
        if self.query != other.query {
            return Err(Error::Merge("the partial results answer different queries".into()));
        }
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
                    Some(m) => {
                        for (a, b) in m.iter_mut().zip(states) {
                            a.merge(b)?;
                        }
                    }
                    None => {
                        mine.insert(k.clone(), states.clone());
                    }
                }
            }
        }
        Ok(())
    }

    /// Turns the states into a [`ResultTable`].
    pub fn finish(&self, refs: &Reference) -> Result<ResultTable> {
        let q = &self.query;
        let as_of = q.as_of.unwrap_or(q.period.last_day());
        let ctx = Ctx { query: q, refs, as_of };
        let (windows, cmp_of) = plan_windows(q)?;
        let n_main = cmp_of.len();
        let specs: Vec<Vec<ColumnSpec>> = q.metrics.iter().map(|m| m.columns(&ctx)).collect::<Result<_>>()?;
        let show_cmp: Vec<bool> = q.metrics.iter().map(|m| q.compare_to.is_some() || m.needs_previous()).collect();

        // Values of every cell, per window.
        let mut values: Vec<HashMap<&GroupKey, Vec<Value>>> = Vec::with_capacity(windows.len());
        let mut empty: Vec<Vec<Value>> = Vec::with_capacity(windows.len());
        for (wi, w) in windows.iter().enumerate() {
            let mut by_level: BTreeMap<u8, Vec<(&GroupKey, &Vec<KpiState>)>> = BTreeMap::new();
            for (k, s) in &self.cells[wi] {
                by_level.entry(k.0).or_default().push((k, s));
            }
            let mut out: HashMap<&GroupKey, Vec<Value>> = HashMap::new();
            for cells in by_level.values() {
                for (mi, m) in q.metrics.iter().enumerate() {
                    for peers in peer_sets(cells, m.ranks_known_keys_only()) {
                        let states: Vec<&KpiState> = peers.iter().map(|(_, s)| &s[mi]).collect();
                        let rows = m.finish(&states, w, &ctx)?;
                        for ((k, _), row) in peers.iter().zip(rows) {
                            check_width(m.id(), &row, &specs[mi])?;
                            out.entry(*k).or_default().extend(row);
                        }
                    }
                }
            }
            let mut e = Vec::new();
            for (mi, m) in q.metrics.iter().enumerate() {
                let st = m.new_state();
                let row = m.finish(&[&st], w, &ctx)?.pop().unwrap_or_default();
                check_width(m.id(), &row, &specs[mi])?;
                e.extend(row);
            }
            values.push(out);
            empty.push(e);
        }

        // Columns.
        let mut columns: Vec<Column> = q
            .group_by
            .iter()
            .map(|d| Column { name: d.column_name(), kind: ColumnKind::Text, role: ColumnRole::Group, metric: None })
            .collect();
        let col = |name: &str, kind, role| Column { name: name.to_string(), kind, role, metric: None };
        if q.rollup {
            columns.push(col("rollup_level", ColumnKind::Int, ColumnRole::RollupLevel));
        }
        columns.push(col("period_start", ColumnKind::Date, ColumnRole::PeriodStart));
        columns.push(col("period_end", ColumnKind::Date, ColumnRole::PeriodEnd));
        let cyclic = windows[0].cyclic.map(|(b, _)| b);
        if let Some(b) = cyclic {
            columns.push(col(b.name(), ColumnKind::Int, ColumnRole::Bucket));
        }
        for (mi, m) in q.metrics.iter().enumerate() {
            for s in &specs[mi] {
                let c = |name: String, kind, role| Column { name, kind, role, metric: Some(*m) };
                columns.push(c(s.name.clone(), s.kind, ColumnRole::Value));
                if show_cmp[mi] && s.comparable {
                    columns.push(c(format!("{}_prev", s.name), s.kind, ColumnRole::Previous));
                    columns.push(c(format!("{}_change", s.name), s.kind, ColumnRole::Change));
                    columns.push(c(format!("{}_change_pct", s.name), ColumnKind::Float, ColumnRole::ChangePct));
                }
            }
        }

        // Rows: every group seen in any window, for every main window.
        let mut groups: Vec<&GroupKey> = self.cells.iter().flat_map(|m| m.keys()).collect();
        groups.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        groups.dedup();
        let mut rows = Vec::with_capacity(groups.len() * n_main);
        for g in groups {
            for (wi, w) in windows.iter().enumerate().take(n_main) {
                let mut row: Vec<Value> = g.1.iter().map(|k| Value::text(k.as_deref())).collect();
                if q.rollup {
                    row.push(Value::Int(g.0 as i64));
                }
                row.push(Value::Date(w.period.start()));
                row.push(Value::Date(w.period.end()));
                if let Some((_, n)) = w.cyclic {
                    row.push(Value::Int(n as i64));
                }
                let cur = values[wi].get(g).unwrap_or(&empty[wi]);
                let prev = cmp_of[wi].map(|ci| values[ci].get(g).unwrap_or(&empty[ci]));
                let mut offset = 0;
                for (mi, _) in q.metrics.iter().enumerate() {
                    for s in &specs[mi] {
                        let v = &cur[offset];
                        row.push(v.clone());
                        if let (true, true, Some(p)) = (show_cmp[mi], s.comparable, prev) {
                            let pv = &p[offset];
                            row.push(pv.clone());
                            row.push(change(v, pv));
                            row.push(change_pct(v, pv));
                        }
                        offset += 1;
                    }
                }
                rows.push(row);
            }
        }
        Ok(ResultTable { columns, rows, currency: q.currency.or(self.currency) })
    }
}

type Cell<'a> = (&'a GroupKey, &'a Vec<KpiState>);

/// The sets of groups a metric's `finish` sees together: all groups of a level, or — for
/// rankings — the groups with a known key together and each group with an empty key value
/// (e.g. direct deals when grouping by partner) alone, so it is reported but not ranked.
fn peer_sets<'a>(cells: &[Cell<'a>], known_only: bool) -> Vec<Vec<Cell<'a>>> {
    if !known_only {
        return vec![cells.to_vec()];
    }
    let (known, unknown): (Vec<Cell>, Vec<Cell>) = cells.iter().partition(|(k, _)| k.1[..k.0 as usize].iter().all(Option::is_some));
    std::iter::once(known).chain(unknown.into_iter().map(|c| vec![c])).filter(|v| !v.is_empty()).collect()
}

fn check_width(id: &str, row: &[Value], specs: &[ColumnSpec]) -> Result<()> {
    if row.len() != specs.len() {
        return Err(Error::Merge(format!("{id} produced {} values for {} columns", row.len(), specs.len())));
    }
    Ok(())
}

fn change(v: &Value, p: &Value) -> Value {
    match (v, p) {
        (Value::Int(a), Value::Int(b)) => Value::Int(a - b),
        (Value::Decimal(a), Value::Decimal(b)) => Value::decimal(a.checked_sub(*b)),
        (Value::Float(a), Value::Float(b)) => Value::float(Some(a - b)),
        _ => Value::Absent,
    }
}

fn change_pct(v: &Value, p: &Value) -> Value {
    match (v.as_f64(), p.as_f64()) {
        (Some(a), Some(b)) if b != 0.0 => Value::float(Some((a - b) / b.abs())),
        _ => Value::Absent,
    }
}
