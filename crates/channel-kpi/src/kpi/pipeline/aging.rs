//! `pipeline_aging`: expiring opportunities.

use super::{closed_amount, int_col, money_col, open_amount, reject_cyclic};
use crate::domain::DealStatus;
use crate::engine::{ColumnSpec, Ctx, Kpi, Record, Value, Window, each};
use crate::error::{Error, Result};
use crate::kpi::common::{Count, Sum, state};

state! {
    /// Stale and overdue open deals; deals lost to a competitor.
    pub struct AgingState {
        pub stale: Count,
        pub stale_value: Sum,
        pub overdue: Count,
        pub overdue_value: Sum,
        pub competitor: Count,
        pub competitor_value: Sum,
    }
}

/// `pipeline_aging`: expiring opportunities at the instant T the window ends.
///
/// * `stale_count` / `stale_value`: deals open at T created at least `options.aging_days`
///   (default 90) days before T.
/// * `overdue_count` / `overdue_value`: deals open at T whose `expected_close_on` is before T
///   (on or before the window's last day).
/// * `lost_to_competitor_count` / `_value`: deals lost in the window whose `lost_reason`
///   contains `options.competitor_pattern` (default `competitor`), ignoring case. An empty
///   pattern is rejected (it would match every reason).
///
/// Counts and values are 0 for a group with open or lost deals but none of these. Example:
/// at T = 2025-04-01 with `aging_days` 90, a deal created 2025-01-01 (90 days before) is
/// stale, one created 2025-01-02 (89 days) is not.
pub struct PipelineAging;
impl Kpi for PipelineAging {
    type State = AgingState;
    fn columns(ctx: &Ctx) -> Result<Vec<ColumnSpec>> {
        reject_cyclic(ctx, "pipeline_aging")?;
        if ctx.query.options.competitor_pattern.trim().is_empty() {
            return Err(Error::Query("pipeline_aging: competitor_pattern is empty; it would match every lost reason".into()));
        }
        Ok(vec![
            int_col("stale_count"),
            money_col("stale_value"),
            int_col("overdue_count"),
            money_col("overdue_value"),
            int_col("lost_to_competitor_count"),
            money_col("lost_to_competitor_value"),
        ])
    }
    fn observe(s: &mut AgingState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Deal(d) = rec else { return Ok(false) };
        let t = w.instant();
        let mut hit = false;
        if d.open_at(t) {
            let a = open_amount(d, t, ctx)?.unwrap_or_default();
            if (t - d.created_on).num_days() >= i64::from(ctx.query.options.aging_days) {
                s.stale.inc();
                s.stale_value.add(a)?;
            }
            if d.expected_close_on.is_some_and(|e| e < t) {
                s.overdue.inc();
                s.overdue_value.add(a)?;
            }
            hit = true;
        }
        if d.closed_in(DealStatus::Lost, |c| w.contains(c)) {
            let pattern = ctx.query.options.competitor_pattern.to_lowercase();
            if d.lost_reason.as_deref().is_some_and(|r| r.to_lowercase().contains(pattern.trim())) {
                s.competitor.inc();
                s.competitor_value.add(closed_amount(d, ctx)?)?;
            }
            hit = true;
        }
        Ok(hit)
    }
    fn finish(states: &[&AgingState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            Ok(vec![
                Value::count(s.stale.0),
                Value::Decimal(s.stale_value.0),
                Value::count(s.overdue.0),
                Value::Decimal(s.overdue_value.0),
                Value::count(s.competitor.0),
                Value::Decimal(s.competitor_value.0),
            ])
        })
    }
}
