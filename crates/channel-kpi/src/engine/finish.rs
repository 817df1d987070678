//! [`Partial::finish`]: partial states → [`ResultTable`] (values, comparison columns, rows).

use super::groups::GroupKey;
use super::kpi::Ctx;
use super::partial::{Engine, Partial};
use super::plan::Plan;
use super::record::Reference;
use super::registry::KpiState;
use super::rows::row_prefix;
use super::table::{Column, ColumnKind, ColumnRole, ColumnSpec, ResultTable, Value};
use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashMap};

impl Partial {
    /// Turns the states into a [`ResultTable`] (the reference data already checked).
    pub(super) fn finish_with(&self, refs: &Reference) -> Result<ResultTable> {
        if let [m] = self.query.metrics.as_slice()
            && !m.row_keys().is_empty()
        {
            return self.finish_long(refs, *m);
        }
        let q = &self.query;
        let as_of = q.as_of.unwrap_or(q.period.last_day());
        let ctx = Ctx { query: q, refs, as_of, account: 0 };
        let Plan { windows, compare: cmp_of } = Plan::of(q)?;
        let n_main = cmp_of.len();
        let specs: Vec<Vec<ColumnSpec>> = q.metrics.iter().map(|m| m.columns(&ctx)).collect::<Result<_>>()?;
        let show_cmp: Vec<bool> = q.metrics.iter().map(|m| q.compare_to.is_some() || m.needs_previous()).collect();

        // Values of every cell, per window.
        let mut values: Vec<HashMap<&GroupKey, Vec<Value>>> = Vec::with_capacity(windows.len());
        let mut empty: Vec<Vec<Value>> = Vec::with_capacity(windows.len());
        for (wi, w) in windows.iter().enumerate() {
            let mut by_level: BTreeMap<u8, Vec<Cell>> = BTreeMap::new();
            let cells = self.cells.get(wi).ok_or_else(|| Error::Merge(format!("the partial result has no cells for window {wi}")))?;
            for (key, states) in cells {
                by_level.entry(key.level).or_default().push(Cell { key, states });
            }
            let mut out: HashMap<&GroupKey, Vec<Value>> = HashMap::with_capacity(cells.len());
            let width: usize = specs.iter().map(Vec::len).sum();
            for cells in by_level.values() {
                // each cell's values, metric after metric, in the order of `cells`
                let mut vals: Vec<Vec<Value>> = (0..cells.len()).map(|_| Vec::with_capacity(width)).collect();
                for (mi, m) in q.metrics.iter().enumerate() {
                    for peers in peer_sets(cells, m.ranks_known_keys_only()) {
                        let states: Vec<&KpiState> = peers.iter().map(|&i| &cells[i].states[mi]).collect();
                        let rows = m.finish(&states, w, &ctx)?;
                        for (&i, row) in peers.iter().zip(rows) {
                            check_width(m.id(), &row, &specs[mi])?;
                            vals[i].extend(row);
                        }
                    }
                }
                out.extend(cells.iter().map(|c| c.key).zip(vals));
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
        let groups = self.sorted_groups();
        let mut rows = Vec::with_capacity(groups.len() * n_main);
        for g in groups {
            for (wi, w) in windows.iter().enumerate().take(n_main) {
                let mut row = row_prefix(g, w, q.rollup);
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
        Ok(ResultTable { columns, rows, currency: q.currency.or(self.currency), period: Some(q.period), as_of: Some(as_of) })
    }
}

impl Engine<'_> {
    /// Finishes the states so far into a table.
    pub fn finish(&self) -> Result<ResultTable> {
        self.partial_so_far()?.finish_with(self.refs())
    }
}

/// One group's states in one window.
struct Cell<'a> {
    key: &'a GroupKey,
    /// One per metric of the query.
    states: &'a Vec<KpiState>,
}

/// The sets of groups a metric's `finish` sees together, as indexes into `cells`: all groups of
/// a level, or — for rankings — the groups with a known key together and each group with an
/// empty key value (e.g. direct deals when grouping by partner) alone, so it is reported but not
/// ranked.
fn peer_sets(cells: &[Cell], known_only: bool) -> Vec<Vec<usize>> {
    if !known_only {
        return vec![(0..cells.len()).collect()];
    }
    let (known, unknown): (Vec<usize>, Vec<usize>) = (0..cells.len()).partition(|&i| cells[i].key.is_known());
    std::iter::once(known).chain(unknown.into_iter().map(|i| vec![i])).filter(|v| !v.is_empty()).collect()
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
