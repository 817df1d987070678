//! [`Partial::finish`]: partial states → [`ResultTable`] (values, comparison columns, rows).

use super::groups::GroupKey;
use super::kpi::Ctx;
use super::metric::Metric;
use super::partial::{Engine, Partial};
use super::plan::Plan;
use super::record::Reference;
use super::registry::KpiState;
use super::rows::row_prefix;
use super::table::{Column, ColumnKind, ColumnRole, ColumnSpec, ResultTable, Value};
use super::window::Window;
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

        // Values of every cell, per window: the finish of each (window, level, metric) on up
        // to [`finish_threads`] threads, then put together cell by cell in order.
        let mut levels: Vec<(usize, Vec<Cell>)> = Vec::new();
        for wi in 0..windows.len() {
            let mut by_level: BTreeMap<u8, Vec<Cell>> = BTreeMap::new();
            let cells = self.cells.get(wi).ok_or_else(|| Error::Merge(format!("the partial result has no cells for window {wi}")))?;
            for (key, states) in cells {
                by_level.entry(key.level).or_default().push(Cell { key, states });
            }
            levels.extend(by_level.into_values().map(|cells| (wi, cells)));
        }
        // Each metric's fresh state, and its values alone per window: those of a group without
        // a cell there, or whose cell holds nothing of the metric (`finish_metric`).
        let fresh: Vec<KpiState> = q.metrics.iter().map(|m| m.new_state()).collect();
        let mut lone: Vec<Vec<Vec<Value>>> = Vec::with_capacity(windows.len());
        for w in &windows {
            let mut rows = Vec::with_capacity(q.metrics.len());
            for (mi, m) in q.metrics.iter().enumerate() {
                let row = m.finish(&[&fresh[mi]], w, &ctx)?.pop().unwrap_or_default();
                check_width(m.id(), &row, &specs[mi])?;
                rows.push(row);
            }
            lone.push(rows);
        }
        let nm = q.metrics.len();
        let finished = finish_jobs(levels.len() * nm, levels.iter().map(|(_, c)| c.len()).sum(), |job| {
            let ((wi, cells), mi) = (&levels[job / nm], job % nm);
            let alone = Alone { state: &fresh[mi], row: &lone[*wi][mi] };
            finish_metric(q.metrics[mi], mi, cells, &windows[*wi], &ctx, &specs[mi], alone)
        });
        let mut finished = finished.into_iter();
        let mut values: Vec<HashMap<&GroupKey, Vec<Value>>> = Vec::with_capacity(windows.len());
        let empty: Vec<Vec<Value>> = lone.iter().map(|rows| rows.concat()).collect();
        let width: usize = specs.iter().map(Vec::len).sum();
        let mut levels = levels.iter().peekable();
        for wi in 0..windows.len() {
            let mut out: HashMap<&GroupKey, Vec<Value>> = HashMap::with_capacity(self.cells[wi].len());
            while let Some((_, cells)) = levels.next_if(|(lw, _)| *lw == wi) {
                // each cell's values, metric after metric, in the order of `cells`
                let mut vals: Vec<Vec<Value>> = (0..cells.len()).map(|_| Vec::with_capacity(width)).collect();
                for _ in 0..nm {
                    let rows = finished.next().unwrap_or_else(|| Err(Error::Merge("a metric's values are missing".into())))?;
                    for (v, row) in vals.iter_mut().zip(rows) {
                        v.extend(row);
                    }
                }
                out.extend(cells.iter().map(|c| c.key).zip(vals));
            }
            values.push(out);
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

/// The sets of groups a metric's `finish` sees together, as indexes into `cells`, among
/// `counted` (the cells whose state of the metric counted something): all of them, or — for
/// rankings — the groups with a known key together and each group with an empty key value
/// (e.g. direct deals when grouping by partner) alone, so it is reported but not ranked.
fn peer_sets(cells: &[Cell], counted: Vec<usize>, known_only: bool) -> Vec<Vec<usize>> {
    if !known_only {
        return vec![counted].into_iter().filter(|v| !v.is_empty()).collect();
    }
    let (known, unknown): (Vec<usize>, Vec<usize>) = counted.into_iter().partition(|&i| cells[i].key.is_known());
    std::iter::once(known).chain(unknown.into_iter().map(|i| vec![i])).filter(|v| !v.is_empty()).collect()
}

/// The values of metric `m` (the `mi`-th of the query) for each of `cells` (one window's cells
/// of one level), in their order: its finish of each set of peers ([`peer_sets`]), each row
/// checked against `specs` (a cell the finish gave no row keeps none).
///
/// A cell whose state of `m` is still the fresh one (`alone.state`) exists for another metric
/// of the query (an open deal the pipeline counts, say) and holds nothing of `m`: it gets the
/// values of a group without a cell (`alone.row`, the fresh state finished alone) and is no
/// one's peer, so what `m` reports — a rank, a share of the level's total — never depends on
/// the metrics beside it.
fn finish_metric(
    m: Metric,
    mi: usize,
    cells: &[Cell],
    w: &Window,
    ctx: &Ctx,
    specs: &[ColumnSpec],
    alone: Alone,
) -> Result<Vec<Vec<Value>>> {
    let mut rows = vec![Vec::new(); cells.len()];
    let (counted, untouched): (Vec<usize>, Vec<usize>) = (0..cells.len()).partition(|&i| cells[i].states[mi] != *alone.state);
    for peers in peer_sets(cells, counted, m.ranks_known_keys_only()) {
        let states: Vec<&KpiState> = peers.iter().map(|&i| &cells[i].states[mi]).collect();
        for (&i, row) in peers.iter().zip(m.finish(&states, w, ctx)?) {
            check_width(m.id(), &row, specs)?;
            rows[i] = row;
        }
    }
    for i in untouched {
        rows[i] = alone.row.to_vec();
    }
    Ok(rows)
}

/// A metric's fresh state and its values finished alone in one window (width checked).
#[derive(Clone, Copy)]
struct Alone<'a> {
    state: &'a KpiState,
    row: &'a [Value],
}

/// Cells from which the finish runs on several threads (below, one thread is quicker than
/// starting others).
const PARALLEL_MIN_CELLS: usize = 512;

/// `run(0)` … `run(jobs − 1)`, in order: on the calling thread when the partial holds fewer
/// than [`PARALLEL_MIN_CELLS`] cells (or one core, or one job), else on one thread per core
/// (at most one per job), each taking the next job not yet taken. A job's error is returned in
/// its place, so the first error in job order is the one a run on one thread meets first.
fn finish_jobs<R: Send>(jobs: usize, cells: usize, run: impl Fn(usize) -> Result<R> + Sync) -> Vec<Result<R>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(jobs);
    if threads < 2 || cells < PARALLEL_MIN_CELLS {
        return (0..jobs).map(run).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let take = || {
        let mut done = Vec::new();
        loop {
            let j = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if j >= jobs {
                return done;
            }
            done.push((j, run(j)));
        }
    };
    let mut slots: Vec<Option<Result<R>>> = (0..jobs).map(|_| None).collect();
    std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads).map(|_| s.spawn(take)).collect();
        let mine = take();
        for done in helpers.into_iter().map(|h| h.join().unwrap_or_default()).chain([mine]) {
            for (j, r) in done {
                slots[j] = Some(r);
            }
        }
    });
    slots.into_iter().map(|r| r.unwrap_or_else(|| Err(Error::Query("a finishing thread panicked".into())))).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Jobs run on several threads (enough cells) or on one give their results in job order,
    /// each error in its job's place.
    #[test]
    fn jobs_give_their_results_in_order_on_any_number_of_threads() {
        let run = |j: usize| if j % 7 == 3 { Err(Error::Query(format!("job {j}"))) } else { Ok(j * j) };
        for cells in [1, PARALLEL_MIN_CELLS, 10 * PARALLEL_MIN_CELLS] {
            let got = finish_jobs(50, cells, run);
            assert_eq!(got.len(), 50);
            for (j, r) in got.into_iter().enumerate() {
                match r {
                    Ok(v) => assert_eq!(v, j * j),
                    Err(e) => assert_eq!((j % 7, e.to_string()), (3, Error::Query(format!("job {j}")).to_string())),
                }
            }
        }
        assert!(finish_jobs(0, 10 * PARALLEL_MIN_CELLS, run).is_empty());
    }
}
