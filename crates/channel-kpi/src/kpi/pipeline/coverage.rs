//! `pipeline_coverage`: progress against goals.

use super::{closed_amount, money_col, open_amount, reject_cyclic};
use crate::domain::DealStatus;
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Record, Value, Window, each};
use crate::error::Result;
use crate::kpi::common::{Count, Sum, div, overflow, ratio, state};
use rust_decimal::Decimal;

state! {
    /// Targets of the window (prorated), open value at its end and won value in it.
    pub struct CoverageState { pub targets: Count, pub target: Sum, pub pipeline: Sum, pub won: Sum }
    check(s) { s.targets.0 > 0 || s.target.0.is_zero(), "a target amount without a target"; }
}

/// `pipeline_coverage`: progress against goals, per group and window.
///
/// * `coverage_target` = Σ targets of the group in the window. A target whose period lies
///   inside the window counts fully; one that overlaps it partly counts
///   `amount × overlap_days ÷ target_days`, rounded half-even to 6 places (a 2025 target of
///   36 500 counts 3 100 in January). Targets are converted at the rate of the window's last
///   day. Absent when no target touches the window.
/// * `pipeline_coverage` = open pipeline value at the window's end (`coverage_pipeline_value`)
///   ÷ target; `attainment` = value won in the window (`coverage_won_value`) ÷ target. Both
///   f64, absent without a target or with a target of 0.
///
/// Targets reach only the rows of the dimension they are set for: a partner target the rows
/// grouped first by partner, a company target (`dimension = all`) the grand-total row.
pub struct PipelineCoverage;
impl Kpi for PipelineCoverage {
    type State = CoverageState;
    fn columns(ctx: &Ctx) -> Result<Vec<ColumnSpec>> {
        reject_cyclic(ctx, "pipeline_coverage")?;
        Ok(vec![
            money_col("coverage_target"),
            ColumnSpec::new("pipeline_coverage", ColumnKind::Float),
            ColumnSpec::new("attainment", ColumnKind::Float),
            money_col("coverage_pipeline_value"),
            money_col("coverage_won_value"),
        ])
    }
    fn observe(s: &mut CoverageState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        match rec {
            Record::Target(t) => {
                let (overlap, days) = (t.period.overlap_days(&w.period), t.period.days());
                if overlap <= 0 {
                    return Ok(false);
                }
                let amount = ctx.money(t.amount, w.period.last_day())?;
                let part = if overlap >= days {
                    amount
                } else {
                    let scaled = amount.checked_mul(Decimal::from(overlap)).ok_or_else(|| overflow("prorating a target"))?;
                    div(scaled, Decimal::from(days)).ok_or_else(|| overflow("prorating a target"))?
                };
                s.targets.inc();
                s.target.add(part)?;
                Ok(true)
            }
            Record::Deal(d) => {
                let mut hit = false;
                if d.open_at(w.instant()) {
                    if let Some(a) = open_amount(d, w.instant(), ctx)? {
                        s.pipeline.add(a)?;
                    }
                    hit = true;
                }
                if d.closed_in(DealStatus::Won, |c| w.contains(c)) {
                    s.won.add(closed_amount(d, ctx)?)?;
                    hit = true;
                }
                Ok(hit)
            }
            _ => Ok(false),
        }
    }
    fn finish(states: &[&CoverageState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            let has = s.targets.0 > 0;
            let r = |x: Decimal| if has { Value::float(ratio(x, s.target.0)) } else { Value::Absent };
            Ok(vec![
                if has { Value::Decimal(s.target.0) } else { Value::Absent },
                r(s.pipeline.0),
                r(s.won.0),
                Value::Decimal(s.pipeline.0),
                Value::Decimal(s.won.0),
            ])
        })
    }
}
