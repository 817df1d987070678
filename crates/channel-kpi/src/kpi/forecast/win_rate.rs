//! `stage_win_rate`: stage-to-win probabilities learned from closed deals.

use super::estimate::shrunk_rate;
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Merge, Record, Value, Window};
use crate::error::{Error, Location, Result};
use crate::kpi::common::{ByKey, Proportion, open_stage_slugs, state};
use rust_decimal::prelude::ToPrimitive;
use std::collections::BTreeSet;

state! {
    /// Per open stage: closed deals that passed through it, and how many of them were won.
    pub struct WinRateState { pub stages: ByKey<Proportion> }
}

/// `stage_win_rate`: for each open stage of the pipeline definition, the share of the deals
/// **closed in the period** (won or lost) that passed through the stage and were won: the
/// probability that a deal which reaches the stage is eventually won.
///
/// * A deal passed through every open stage its `stage_history` names (entries up to its
///   close; each stage counts once per deal). A closed deal without history counts nowhere.
/// * `win_<s>_raw` = won ÷ closed through s, `win_<s>_n` = closed through s, `win_<s>_lo` /
///   `_hi` its Wilson interval at `options.confidence`.
/// * `win_<s>` is the estimate to use: shrunk toward the pooled rate of the stage over every
///   group of the same level, `(won + k·pooled) ÷ (n + k)` with prior strength `k =
///   options.forecast_prior` (20): a beta prior worth k deals centred on the pooled rate (the
///   posterior mean, i.e. empirical Bayes). A group with few closed deals gets nearly the pooled
///   rate, one with many keeps its own. Ungrouped, `win_<s>` = `win_<s>_raw`.
/// * `win_<s>_static`: the definition's probability, for comparison.
///
/// Rates are absent when no deal of the level passed through the stage.
///
/// Example: pooled over partners, 3 of 10 deals through Demo were won (0.3); partner P has 1 of
/// 2: raw 0.5, shrunk (1 + 20·0.3) ÷ (2 + 20) = 0.318.
pub struct StageWinRate;
impl Kpi for StageWinRate {
    type State = WinRateState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(ctx: &Ctx) -> Result<Vec<ColumnSpec>> {
        if ctx.refs.pipeline.is_empty() {
            return Err(Error::Query("stage_win_rate needs a pipeline definition (the stages, in order: pipeline.csv)".into()));
        }
        let mut c = Vec::new();
        for (_, s) in open_stage_slugs(ctx)? {
            c.push(ColumnSpec::new(format!("win_{s}"), ColumnKind::Float));
            c.push(ColumnSpec::new(format!("win_{s}_raw"), ColumnKind::Float));
            c.push(ColumnSpec::new(format!("win_{s}_n"), ColumnKind::Int));
            c.push(ColumnSpec::plain(format!("win_{s}_lo"), ColumnKind::Float));
            c.push(ColumnSpec::plain(format!("win_{s}_hi"), ColumnKind::Float));
            c.push(ColumnSpec::plain(format!("win_{s}_static"), ColumnKind::Float));
        }
        Ok(c)
    }
    fn observe(s: &mut WinRateState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Deal(d) = rec else { return Ok(false) };
        let Some(closed) = d.closed_on.filter(|c| w.contains(*c)) else { return Ok(false) };
        let won = d.status == crate::domain::DealStatus::Won;
        let mut seen = BTreeSet::new();
        for e in d.stage_history.iter().filter(|e| e.entered_on <= closed) {
            let def = ctx.refs.pipeline.stage(&e.stage).ok_or_else(|| Error::Reference {
                location: Location::record("deal", &d.id, "stage_history").with_value(&e.stage),
                reason: "unknown stage (not in the pipeline definition)".into(),
            })?;
            if def.outcome.is_none() && seen.insert(e.stage.as_str()) {
                s.stages.with(&e.stage, |p| p.add(won));
            }
        }
        Ok(!seen.is_empty())
    }
    fn finish(states: &[&WinRateState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        let stages = open_stage_slugs(ctx)?;
        let mut pooled = vec![Proportion::default(); stages.len()];
        for s in states {
            for (i, (name, _)) in stages.iter().enumerate() {
                if let Some(p) = s.stages.0.get(name) {
                    pooled[i].merge(p)?;
                }
            }
        }
        let k = ctx.query.options.forecast_prior;
        let conf = ctx.query.options.confidence;
        Ok(states
            .iter()
            .map(|s| {
                let mut v = Vec::with_capacity(stages.len() * 6);
                for (i, (name, _)) in stages.iter().enumerate() {
                    let own = s.stages.0.get(name).copied().unwrap_or_default();
                    let iv = crate::stats::wilson(own.hits, own.n, conf);
                    v.push(Value::float(pooled[i].rate().and_then(|prior| shrunk_rate(own.hits, own.n, prior, k))));
                    v.push(Value::float(own.rate()));
                    v.push(Value::count(own.n));
                    v.push(Value::float(iv.map(|x| x.0)));
                    v.push(Value::float(iv.map(|x| x.1)));
                    v.push(Value::float(ctx.refs.pipeline.stage(name).and_then(|d| d.probability.to_f64())));
                }
                v
            })
            .collect())
    }
}
