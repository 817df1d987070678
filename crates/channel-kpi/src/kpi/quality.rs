//! `quality_score`: a peer-relative 0–100 score and ranking of groups (partners, usually).

use super::common::{Count, Sum, state};
use crate::domain::DealStatus;
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Record, Value, Window};
use crate::error::Result;

state! {
    /// Deals and revenue won.
    pub struct QualityState { pub won: Count, pub revenue: Sum }
    check(s) { s.won.0 > 0 || s.revenue.0.is_zero(), "won revenue without a won deal"; }
}

/// `quality_score`: per group, deals won and revenue won in the window are each turned into a
/// percentile rank among the peer groups (the groups of the same roll-up level with data in
/// the window, with a known key — direct deals, grouped by partner, are reported but not
/// ranked): `(peers below + ½ · peers tied) ÷ (peers − 1)`. The score is
/// `100 × (w₁·rank_deals + w₂·rank_revenue) ÷ (w₁ + w₂)` with the query's `quality_weights`
/// (default ½, ½). `quality_rank` is 1 for the best score (ties share a rank). The score of
/// the previous period and the change are always reported (`quality_score_prev`,
/// `quality_score_change`). Absent when a group has no peers.
///
/// The article: "partner A has a higher quality score than partner B = A produced more".
pub struct QualityScore;
impl Kpi for QualityScore {
    type State = QualityState;
    const NEEDS_PREVIOUS: bool = true;
    const RANKS_KNOWN_KEYS_ONLY: bool = true;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![
            ColumnSpec::new("quality_score", ColumnKind::Float),
            ColumnSpec::plain("quality_rank", ColumnKind::Int),
            ColumnSpec::plain("quality_deals_won", ColumnKind::Int),
            ColumnSpec::plain("quality_revenue_won", ColumnKind::Money),
        ])
    }
    fn observe(s: &mut QualityState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Deal(d) = rec else { return Ok(false) };
        if !d.closed_on.is_some_and(|c| w.contains(c)) && !w.contains(d.created_on) {
            return Ok(false);
        }
        if d.closed_in(DealStatus::Won, |c| w.contains(c)) {
            s.won.inc();
            if let (Some(m), Some(c)) = (d.amount, d.closed_on) {
                s.revenue.add(ctx.money(m, c)?)?;
            }
        }
        Ok(true)
    }
    fn finish(states: &[&QualityState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        let n = states.len();
        let (w1, w2) = ctx.query.options.quality_weights;
        let rank = |i: usize, key: &dyn Fn(&QualityState) -> rust_decimal::Decimal| -> f64 {
            let x = key(states[i]);
            let below = states.iter().filter(|s| key(s) < x).count() as f64;
            let tied = states.iter().filter(|s| key(s) == x).count() as f64 - 1.0;
            (below + 0.5 * tied) / (n as f64 - 1.0)
        };
        let scores: Vec<Option<f64>> = (0..n)
            .map(|i| {
                (n >= 2).then(|| {
                    let a = rank(i, &|s| s.won.0.into());
                    let b = rank(i, &|s| s.revenue.0);
                    100.0 * (w1 * a + w2 * b) / (w1 + w2)
                })
            })
            .collect();
        Ok((0..n)
            .map(|i| {
                let r = scores[i].map(|x| 1 + scores.iter().filter(|o| o.is_some_and(|y| y > x)).count() as u64);
                vec![
                    Value::float(scores[i]),
                    r.map_or(Value::Absent, Value::count),
                    Value::count(states[i].won.0),
                    Value::Decimal(states[i].revenue.0),
                ]
            })
            .collect())
    }
}
