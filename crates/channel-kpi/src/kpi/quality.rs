//! `quality_score`: a peer-relative 0–100 score and ranking of groups (partners, usually).

use super::common::{Count, Sum, state};
use super::deals::{DealFacts, DealTally};
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Record, Value, Window};
use crate::error::Result;

state! {
    /// Deals and revenue won, and the deals lost or created (`active`): a group with any of
    /// them in the window is one of the peers it is ranked among (a deal created and lost
    /// there counts twice; only whether there are any is read).
    pub struct QualityState { pub won: Count, pub revenue: Sum, pub active: Count }
    check(s) { s.won.0 > 0 || s.revenue.0.is_zero(), "won revenue without a won deal"; }
}

impl QualityState {
    /// Folds a tally: deals won in the window and their revenue (in the query currency, at
    /// each deal's close date; a won deal without an amount adds none). True when a deal closed
    /// or was created in the window, so a group with deals there but none won is ranked
    /// (with 0 and 0) rather than left out: its state is not the fresh one, which the
    /// finish leaves out of every peer set. The one fold of both the record path
    /// ([`Kpi::observe`]) and the columnar one (`kpi::deal_tally::fold_columnar`).
    #[inline]
    pub fn fold(&mut self, t: &DealTally) -> Result<bool> {
        if t.won > 0 {
            self.won.0 += t.won;
            self.revenue.add(t.won_amount)?;
        }
        self.active.0 += t.lost + t.created;
        Ok(t.won + t.lost + t.created > 0)
    }
}

/// `quality_score`: per group, deals won and revenue won in the window are each turned into a
/// percentile rank among the peer groups: `(peers below + ½ · peers tied) ÷ (peers − 1)`. The
/// peers are the groups of the same roll-up level with deals won, lost or created in the
/// window and a known key (direct deals, grouped by partner, are reported but not ranked).
/// The score is `100 × (w₁·rank_deals + w₂·rank_revenue) ÷ (w₁ + w₂)` with the query's
/// `quality_weights` (default ½, ½). `quality_rank` is 1 for the best score (ties share a
/// rank). The score of the previous period and the change are always reported
/// (`quality_score_prev`, `quality_score_change`).
///
/// Edge cases: a group without deals won, lost or created in the window (only an open deal,
/// say, shown by another metric of the query) keeps the fresh state there, which the finish
/// leaves out of every peer set (`engine::finish`): it has no score or rank and is no one's
/// peer, so the scores never depend on the other metrics asked for. A group with no other
/// peer has no score or rank (its deals and revenue won are reported).
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
        DealFacts::of(rec, w, ctx)?.tally(|t| s.fold(t))
    }
    fn finish(states: &[&QualityState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        let n = states.len();
        let (w1, w2) = ctx.query.options.quality_weights;
        let won = mid_ranks(&states.iter().map(|s| s.won.0).collect::<Vec<_>>());
        let revenue = mid_ranks(&states.iter().map(|s| s.revenue.0).collect::<Vec<_>>());
        let scores: Vec<Option<f64>> = (0..n).map(|i| (n >= 2).then(|| 100.0 * (w1 * won[i] + w2 * revenue[i]) / (w1 + w2))).collect();
        // the scores ascending, to count those above each one (NaN, from weights summing to 0,
        // is above none and has none above it)
        let mut ascending: Vec<f64> = scores.iter().flatten().copied().filter(|x| !x.is_nan()).collect();
        ascending.sort_unstable_by(f64::total_cmp);
        let above = |x: f64| if x.is_nan() { 0 } else { ascending.len() - ascending.partition_point(|y| *y <= x) };
        Ok((0..n)
            .map(|i| {
                let r = scores[i].map(|x| 1 + above(x) as u64);
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

/// Each key's mid-rank among `keys` as a fraction, `(below + ½ · tied) ÷ (n − 1)`: `below` the
/// keys less than it, `tied` the others equal to it. From the keys sorted once, O(n log n): each
/// key compared with every other (O(n²)) was 2.7 G instructions, most of a 1 M-deal scorecard,
/// for ~2,000 partners. Example: keys 5, 7, 7 give 0, 0.75, 0.75.
fn mid_ranks<K: Ord + Copy>(keys: &[K]) -> Vec<f64> {
    let n = keys.len();
    let mut sorted = keys.to_vec();
    sorted.sort_unstable();
    keys.iter()
        .map(|x| {
            let below = sorted.partition_point(|k| k < x);
            let equal = sorted[below..].partition_point(|k| k == x);
            (below as f64 + 0.5 * (equal as f64 - 1.0)) / (n as f64 - 1.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::mid_ranks;

    /// The mid-ranks are those of comparing each key with every other, ties and all.
    #[test]
    fn mid_ranks_are_the_pairwise_ones() {
        let pairwise = |keys: &[i64]| -> Vec<f64> {
            let n = keys.len() as f64;
            let below = |x: i64| keys.iter().filter(|k| **k < x).count() as f64;
            let tied = |x: i64| keys.iter().filter(|k| **k == x).count() as f64 - 1.0;
            keys.iter().map(|&x| (below(x) + 0.5 * tied(x)) / (n - 1.0)).collect()
        };
        assert_eq!(mid_ranks(&[5, 7, 7]), [0.0, 0.75, 0.75]);
        for keys in [vec![3, 1, 2], vec![4, 4, 4, 4], vec![9, -1, 9, 0, -1, 9, 2], vec![1, 2]] {
            assert_eq!(mid_ranks(&keys), pairwise(&keys), "{keys:?}");
        }
    }
}
