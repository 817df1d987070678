//! A pipeline snapshot at one forecast origin: the deals open then (stage, amount, whether
//! they were won in the forecast period) and the training counts known then. Mergeable and
//! exact: training counts add, the open deals of two parts are a disjoint union.

use super::estimate::{count_interval, poisson_binomial, shrunk_rate};
use super::posterior::value_interval;
use super::posterior::{Beta, WinProbability, count_distribution, simulate_value};
use crate::domain::{Deal, DealStatus};
use crate::engine::{Check, Ctx, Merge};
use crate::error::{Error, Location, Result};
use crate::kpi::common::{ByKey, Count, Proportion, state};
use crate::period::Period;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One deal of the pipeline at the origin.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OpenDeal {
    /// Its stage at the origin.
    pub stage: String,
    /// Its amount in the query currency (absent amounts are not valued).
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    /// Won with a close date inside the forecast period.
    pub won: bool,
    /// Older than `options.aging_days` at the origin (learned apart: stale pipeline rarely closes).
    #[serde(default)]
    pub stale: bool,
}

/// The open deals by id (ordered: the Monte Carlo draws deals in id order).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OpenDeals(pub BTreeMap<String, OpenDeal>);
impl Check for OpenDeals {
    fn check(&self) -> std::result::Result<(), String> {
        match self.0.iter().find(|(_, d)| d.amount.is_some_and(|a| a.is_sign_negative() && !a.is_zero())) {
            Some((id, _)) => Err(format!("open deal {id} has a negative amount")),
            None => Ok(()),
        }
    }
}
impl Merge for OpenDeals {
    /// A disjoint union: a deal id in both parts is an error (the same deal counted twice).
    fn merge(&mut self, o: &Self) -> Result<()> {
        if let Some(id) = o.0.keys().find(|k| self.0.contains_key(*k)) {
            return Err(Error::Merge(format!("deal {id} is in the pipeline of both partial results")));
        }
        self.0.extend(o.0.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(())
    }
}

state! {
    /// Training counts per stage (deals open in that stage at the start of an earlier period,
    /// won or not within it; `train` for deals at most `aging_days` old then, `train_stale`
    /// for older ones), the pipeline at the origin, and the open deals without a known open
    /// stage (left out of the forecast).
    pub struct Snapshot {
        pub train: ByKey<Proportion>,
        #[serde(default)]
        pub train_stale: ByKey<Proportion>,
        pub open: OpenDeals,
        pub unstaged: Count,
    }
}

/// The open stage a deal was in at instant `t`: `Ok(None)` when it has none (no stage, or a
/// terminal one); an error naming the deal for a stage missing from the pipeline definition.
fn open_stage_at<'d>(d: &'d Deal, t: chrono::NaiveDate, ctx: &Ctx) -> Result<Option<&'d str>> {
    let Some(s) = d.stage_at(t) else { return Ok(None) };
    let p = &ctx.refs.pipeline;
    if p.is_empty() {
        return Ok(Some(s));
    }
    match p.stage(s) {
        Some(def) => Ok(def.outcome.is_none().then_some(s)),
        None => Err(Error::Reference {
            location: Location::record("deal", &d.id, "stage_history").with_value(s),
            reason: "unknown stage (not in the pipeline definition)".into(),
        }),
    }
}

/// Whether a deal open at `t` is stale then: created more than `options.aging_days` before.
fn stale_at(d: &Deal, t: chrono::NaiveDate, ctx: &Ctx) -> bool {
    (t - d.created_on).num_days() > i64::from(ctx.query.options.aging_days)
}

fn won_in(d: &Deal, p: &Period) -> bool {
    d.closed_in(DealStatus::Won, |c| p.contains(c))
}

/// The latest period of the same length as `period`, before it, whose outcome is known: over
/// by `as_of` (so the forecast of a future period learns from the last complete ones, not from
/// a period still running). `None` when none is found within 1,200 steps back.
fn last_known_period(period: &Period, ctx: &Ctx) -> Result<Option<Period>> {
    let cutoff = period.start().min(ctx.as_of.succ_opt().unwrap_or(ctx.as_of));
    let mut past = *period;
    for _ in 0..1200 {
        past = past.previous()?;
        if past.end() <= cutoff {
            return Ok(Some(past));
        }
    }
    Ok(None)
}

/// Folds one deal into the snapshot of the forecast for `period`: the pipeline at its start
/// and the training periods before it (`options.forecast_lookback` periods of the same
/// length, stepping back with [`Period::previous`] from the last one over by `as_of`).
/// Returns whether the deal counted.
pub(crate) fn observe(s: &mut Snapshot, d: &Deal, period: &Period, ctx: &Ctx) -> Result<bool> {
    let mut hit = false;
    let t0 = period.start();
    if d.open_at(t0) {
        hit = true;
        match open_stage_at(d, t0, ctx)? {
            Some(stage) => {
                let amount = d.amount.map(|m| ctx.money(m, t0)).transpose()?;
                let deal = OpenDeal { stage: stage.to_string(), amount, won: won_in(d, period), stale: stale_at(d, t0, ctx) };
                if s.open.0.insert(d.id.clone(), deal).is_some() {
                    return Err(Error::invalid(Location::record("deal", &d.id, "deal_id"), "duplicate deal id"));
                }
            }
            None => s.unstaged.inc(),
        }
    }
    let Some(mut past) = last_known_period(period, ctx)? else { return Ok(hit) };
    for k in 0..ctx.query.options.forecast_lookback {
        if k > 0 {
            past = past.previous()?;
        }
        if d.open_at(past.start())
            && let Some(stage) = open_stage_at(d, past.start(), ctx)?
        {
            let train = if stale_at(d, past.start(), ctx) { &mut s.train_stale } else { &mut s.train };
            train.with(stage, |p| p.add(won_in(d, &past)));
            hit = true;
        }
    }
    Ok(hit)
}

/// A forecast with one set of probabilities: expected wins and won value with intervals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Expected number of wins (Σ p).
    pub count: f64,
    /// Central interval of the number of wins (exact Poisson-binomial).
    pub count_interval: (u64, u64),
    /// Expected won value (Σ p · amount over deals with an amount); `None` when none has one.
    pub value: Option<f64>,
    /// Monte Carlo interval of the won value.
    pub value_interval: Option<(f64, f64)>,
}

/// What one group's snapshot gives: the pipeline, what happened, and both forecasts.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Deals in the pipeline at the origin (with an open stage).
    pub open: u64,
    /// Of them, with an amount.
    pub valued: u64,
    /// Open deals without an open stage (left out).
    pub unstaged: u64,
    /// Pipeline deals won in the period.
    pub won: u64,
    /// Their value (deals with an amount).
    pub won_value: Decimal,
    /// With learned probabilities; `None` without any training data at the level.
    pub learned: Option<Estimate>,
    /// With the pipeline definition's probabilities; `None` without a definition.
    pub static_: Option<Estimate>,
}

/// Learned probabilities of a group's pipeline: per deal its rate (the posterior mean) and
/// how the simulation draws it; the posteriors shared by deals of one stage and age band.
struct Learned {
    means: Vec<f64>,
    draws: Vec<WinProbability>,
    posteriors: Vec<Beta>,
}

fn estimate(deals: &[&OpenDeal], ps: &[f64], ctx: &Ctx) -> Estimate {
    let o = &ctx.query.options;
    let conf = o.confidence;
    let pmf = poisson_binomial(ps);
    let (vps, amounts): (Vec<f64>, Vec<f64>) =
        deals.iter().zip(ps).filter_map(|(d, p)| d.amount.and_then(|a| a.to_f64()).map(|a| (*p, a))).unzip();
    let valued = !amounts.is_empty();
    Estimate {
        count: ps.iter().sum(),
        count_interval: count_interval(&pmf, conf),
        value: valued.then(|| vps.iter().zip(&amounts).map(|(p, a)| p * a).sum()),
        value_interval: if valued { value_interval(&vps, &amounts, o.forecast_simulations, o.forecast_seed, conf) } else { None },
    }
}

/// The forecast with learned rates: the same expected values as with fixed ones (the rates
/// are the posterior means), intervals that include the rates' uncertainty — the exact
/// distribution of the wins ([`count_distribution`]: beta-binomial per posterior) and the
/// Monte Carlo of the value drawing every posterior's rate per run ([`simulate_value`]).
fn estimate_learned(deals: &[&OpenDeal], l: &Learned, ctx: &Ctx) -> Estimate {
    let o = &ctx.query.options;
    let mut fixed = Vec::new();
    let mut shared: Vec<(u64, Beta)> = l.posteriors.iter().map(|b| (0, *b)).collect();
    for d in &l.draws {
        match d {
            WinProbability::Fixed(p) => fixed.push(*p),
            WinProbability::Posterior(i) => shared[*i].0 += 1,
        }
    }
    let pmf = count_distribution(&fixed, &shared);
    let valued: Vec<(WinProbability, f64, f64)> = deals
        .iter()
        .zip(l.draws.iter().zip(&l.means))
        .filter_map(|(d, (w, p))| d.amount.and_then(|a| a.to_f64()).map(|a| (*w, *p, a)))
        .collect();
    let sims: Vec<(WinProbability, f64)> = valued.iter().map(|(w, _, a)| (*w, *a)).collect();
    Estimate {
        count: l.means.iter().sum(),
        count_interval: count_interval(&pmf, o.confidence),
        value: (!valued.is_empty()).then(|| valued.iter().map(|(_, p, a)| p * a).sum()),
        value_interval: if valued.is_empty() {
            None
        } else {
            simulate_value(&l.posteriors, &sims, o.forecast_simulations, o.forecast_seed, o.confidence)
        },
    }
}

/// The forecasts of every group of one level for one origin. Learned probabilities: each
/// group's training counts for the deal's stage and age band (fresh / stale) shrunk
/// ([`shrunk_rate`], strength `options.forecast_prior`) toward the level's pooled rate for
/// that stage and band; without pooled data for the band, the stage's pooled rate over both
/// bands; without any for the stage, the pooled rate over all stages; no training at all → no
/// learned forecast. Static: the pipeline definition's probability of the stage.
pub(crate) fn evaluate(snaps: &[&Snapshot], ctx: &Ctx) -> Result<Vec<Outcome>> {
    // pooled[band][stage], band 0 = fresh, 1 = stale; by_stage: both bands
    let mut pooled: [BTreeMap<&str, Proportion>; 2] = Default::default();
    let mut by_stage: BTreeMap<&str, Proportion> = BTreeMap::new();
    let mut all = Proportion::default();
    for s in snaps {
        for (band, train) in [&s.train, &s.train_stale].into_iter().enumerate() {
            for (stage, p) in &train.0 {
                pooled[band].entry(stage).or_default().merge(p)?;
                by_stage.entry(stage).or_default().merge(p)?;
                all.merge(p)?;
            }
        }
    }
    let k = ctx.query.options.forecast_prior;
    let def = &ctx.refs.pipeline;
    snaps
        .iter()
        .map(|s| {
            let deals: Vec<&OpenDeal> = s.open.0.values().collect();
            let learned: Option<Learned> = all.rate().map(|overall| {
                let mut l = Learned { means: Vec::new(), draws: Vec::new(), posteriors: Vec::new() };
                let mut index: BTreeMap<(usize, &str), usize> = BTreeMap::new();
                for d in &deals {
                    let (band, train) = if d.stale { (1, &s.train_stale) } else { (0, &s.train) };
                    let stage = d.stage.as_str();
                    let prior = pooled[band]
                        .get(stage)
                        .and_then(Proportion::rate)
                        .or_else(|| by_stage.get(stage).and_then(Proportion::rate))
                        .unwrap_or(overall);
                    let own = train.0.get(stage).copied().unwrap_or_default();
                    l.means.push(shrunk_rate(own.hits, own.n, prior, k).unwrap_or(prior));
                    l.draws.push(match Beta::posterior(own.hits, own.n, prior, k) {
                        Some(b) => WinProbability::Posterior(*index.entry((band, stage)).or_insert_with(|| {
                            l.posteriors.push(b);
                            l.posteriors.len() - 1
                        })),
                        None => WinProbability::Fixed(prior),
                    });
                }
                l
            });
            let static_: Option<Vec<f64>> = (!def.is_empty())
                .then(|| deals.iter().map(|d| def.stage(&d.stage).and_then(|x| x.probability.to_f64())).collect::<Option<Vec<f64>>>())
                .flatten();
            let mut won_value = Decimal::ZERO;
            for d in deals.iter().filter(|d| d.won) {
                won_value =
                    won_value.checked_add(d.amount.unwrap_or_default()).ok_or_else(|| crate::kpi::common::overflow("summing amounts"))?;
            }
            Ok(Outcome {
                open: deals.len() as u64,
                valued: deals.iter().filter(|d| d.amount.is_some()).count() as u64,
                unstaged: s.unstaged.0,
                won: deals.iter().filter(|d| d.won).count() as u64,
                won_value,
                learned: learned.map(|l| estimate_learned(&deals, &l, ctx)),
                static_: static_.map(|ps| estimate(&deals, &ps, ctx)),
            })
        })
        .collect()
}

/// An f64 amount as money, rounded to cents.
pub(crate) fn money(x: Option<f64>) -> Option<Decimal> {
    x.and_then(Decimal::from_f64_retain).map(|d| d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointNearestEven))
}
