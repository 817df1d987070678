//! [`Partial::finish`] for a long KPI (several rows per group and window: `cohorts`): group
//! keys, window, the KPI's row keys, then its values, one row per (group, window, row).

use super::groups::GroupKey;
use super::kpi::{Ctx, LongRow};
use super::metric::Metric;
use super::partial::Partial;
use super::plan::Plan;
use super::record::Reference;
use super::registry::KpiState;
use super::rows::row_prefix;
use super::table::{Column, ColumnKind, ColumnRole, ResultTable};
use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashMap};

impl Partial {
    /// The table of the long metric `m`, the query's only metric (checked by `Engine::new`).
    pub(super) fn finish_long(&self, refs: &Reference, m: Metric) -> Result<ResultTable> {
        let q = &self.query;
        let as_of = q.as_of.unwrap_or(q.period.last_day());
        let ctx = Ctx { query: q, refs, as_of, account: 0 };
        let Plan { windows, compare: cmp_of } = Plan::of(q)?;
        let specs = m.columns(&ctx)?;
        let keys = m.row_keys();
        let mut per_window: Vec<HashMap<&GroupKey, Vec<LongRow>>> = Vec::new();
        for (wi, w) in windows.iter().enumerate().take(cmp_of.len()) {
            let cells = self.cells.get(wi).ok_or_else(|| Error::Merge(format!("the partial result has no cells for window {wi}")))?;
            let mut by_level: BTreeMap<u8, Vec<(&GroupKey, &KpiState)>> = BTreeMap::new();
            for (k, s) in cells {
                let state = s.first().ok_or_else(|| Error::Merge("a cell without states".into()))?;
                by_level.entry(k.level).or_default().push((k, state));
            }
            let mut out = HashMap::new();
            for cells in by_level.values() {
                let states: Vec<&KpiState> = cells.iter().map(|(_, s)| *s).collect();
                for ((k, _), rows) in cells.iter().zip(m.finish_long(&states, w, &ctx)?) {
                    for r in &rows {
                        if r.keys.len() != keys.len() || r.values.len() != specs.len() {
                            return Err(Error::Merge(format!("{} produced a row of the wrong width", m.id())));
                        }
                    }
                    out.insert(*k, rows);
                }
            }
            per_window.push(out);
        }
        let col = |name: &str, kind, role, metric| Column { name: name.to_string(), kind, role, metric };
        let mut columns: Vec<Column> =
            q.group_by.iter().map(|d| col(&d.column_name(), ColumnKind::Text, ColumnRole::Group, None)).collect();
        if q.rollup {
            columns.push(col("rollup_level", ColumnKind::Int, ColumnRole::RollupLevel, None));
        }
        columns.push(col("period_start", ColumnKind::Date, ColumnRole::PeriodStart, None));
        columns.push(col("period_end", ColumnKind::Date, ColumnRole::PeriodEnd, None));
        let cyclic = windows[0].cyclic.map(|(b, _)| b);
        if let Some(b) = cyclic {
            columns.push(col(b.name(), ColumnKind::Int, ColumnRole::Bucket, None));
        }
        columns.extend(keys.iter().map(|k| col(&k.name, k.kind, ColumnRole::RowKey, Some(m))));
        columns.extend(specs.iter().map(|s| col(&s.name, s.kind, ColumnRole::Value, Some(m))));

        let mut rows = Vec::new();
        for g in self.sorted_groups() {
            for (wi, w) in windows.iter().enumerate().take(cmp_of.len()) {
                for r in per_window[wi].get(g).into_iter().flatten() {
                    let mut row = row_prefix(g, w, q.rollup);
                    row.extend(r.keys.iter().cloned());
                    row.extend(r.values.iter().cloned());
                    rows.push(row);
                }
            }
        }
        Ok(ResultTable { columns, rows, currency: q.currency.or(self.currency), period: Some(q.period), as_of: Some(as_of) })
    }
}
