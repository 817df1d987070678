//! `training_impact`: does training pay off? A before/after comparison around each partner's
//! course completion, against untrained partners over the same calendar windows
//! (difference-in-differences), with a seeded bootstrap confidence interval.
//!
//! It runs through the engine like every KPI. The state of a cell is, per partner, the dates
//! of its course completions and the **daily aggregates** (won, lost, won amount, cycle days)
//! of its deals closed within `W` days of the cell's window — everything the analysis needs,
//! exact and mergeable (sums per day, unions of dates). `finish` does the analysis on the
//! merged states; controls are pooled over every group of the same roll-up level, so a
//! per-partner row is compared with all untrained partners.

use super::common::{Count, Sum, state};
use super::deals::amount_on;
use crate::domain::DealStatus;
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Merge, Record, TrainingMetric, Value, Window};
use crate::error::Result;
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

state! {
    /// Deals of one partner closed on one day.
    pub struct DayAgg { pub won: Count, pub lost: Count, pub revenue: Sum, pub cycle_days: Count }
}

impl DayAgg {
    /// Adds one deal closed that day: won (its amount in the query currency, its cycle days)
    /// or lost. The one fold of a deal for `training_impact`: its `observe` runs it per deal,
    /// the columnar fold (`kpi::closed_days`) per deal into a per-(partner, day) sum first.
    #[inline]
    pub(crate) fn add_deal(&mut self, won: bool, revenue: Decimal, cycle_days: u64) -> Result<()> {
        if won {
            self.won.inc();
            self.revenue.add(revenue)?;
            self.cycle_days.merge(&Count(cycle_days))
        } else {
            self.lost.inc();
            Ok(())
        }
    }
}

/// One partner's completions (all dates) and daily deal aggregates near the window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PartnerTrack {
    /// Course completion dates.
    pub completions: BTreeSet<NaiveDate>,
    /// Closed deals per closing day.
    pub days: BTreeMap<NaiveDate, DayAgg>,
}
impl crate::engine::Check for PartnerTrack {
    fn check(&self) -> std::result::Result<(), String> {
        crate::engine::check::each(&self.days)
    }
}
impl Merge for PartnerTrack {
    fn merge(&mut self, o: &Self) -> Result<()> {
        self.completions.extend(o.completions.iter().copied());
        for (d, a) in &o.days {
            self.days.entry(*d).or_default().merge(a)?;
        }
        Ok(())
    }
}

/// [`PartnerTrack`] per partner id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImpactState(pub BTreeMap<String, PartnerTrack>);
impl crate::engine::Check for ImpactState {
    fn check(&self) -> std::result::Result<(), String> {
        crate::engine::check::each(&self.0)
    }
}
impl Merge for ImpactState {
    fn merge(&mut self, o: &Self) -> Result<()> {
        for (p, t) in &o.0 {
            self.0.entry(p.clone()).or_default().merge(t)?;
        }
        Ok(())
    }
}

impl ImpactState {
    /// The track of `partner` (created empty when new).
    pub(crate) fn track(&mut self, partner: &str) -> &mut PartnerTrack {
        if !self.0.contains_key(partner) {
            self.0.insert(partner.to_string(), PartnerTrack::default());
        }
        self.0.get_mut(partner).expect("inserted above")
    }
}

/// The close dates of the deals `training_impact` keeps for window `w`: `[start − W, end + W)`
/// with `W` = `options.training_window_days` (won and lost deals of a partner, closed then).
#[inline]
pub(crate) fn close_span(w: &Window, ctx: &Ctx) -> (NaiveDate, NaiveDate) {
    let wd = ctx.query.options.training_window_days as i64;
    (shift(w.period.start(), -wd), shift(w.period.end(), wd))
}

fn shift(d: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 { d.checked_add_days(Days::new(days as u64)) } else { d.checked_sub_days(Days::new(days.unsigned_abs())) }
        .unwrap_or(if days >= 0 { NaiveDate::MAX } else { NaiveDate::MIN })
}

/// Σ of the daily aggregates of `t` in `[from, to)`.
fn window_sum(t: &PartnerTrack, from: NaiveDate, to: NaiveDate) -> Result<DayAgg> {
    let mut acc = DayAgg::default();
    for (_, a) in t.days.range(from..to) {
        acc.merge(a)?;
    }
    Ok(acc)
}

/// The control group of one window at one roll-up level: the partners without a completion in
/// any of its states, their deals pooled per closing day once (each trained partner's control
/// windows are then sums over one calendar, not over every control partner).
struct Controls {
    /// Number of control partners.
    partners: usize,
    days: PartnerTrack,
}

impl Controls {
    fn of(states: &[&ImpactState]) -> Result<Controls> {
        let trained: BTreeSet<&str> =
            states.iter().flat_map(|s| s.0.iter()).filter(|(_, t)| !t.completions.is_empty()).map(|(p, _)| p.as_str()).collect();
        let mut partners = BTreeSet::new();
        let mut days = PartnerTrack::default();
        for (p, t) in states.iter().flat_map(|s| s.0.iter()).filter(|(p, _)| !trained.contains(p.as_str())) {
            partners.insert(p.as_str());
            for (d, a) in &t.days {
                days.days.entry(*d).or_default().merge(a)?;
            }
        }
        Ok(Controls { partners: partners.len(), days })
    }

    /// Σ of the control partners' daily aggregates in `[from, to)`.
    fn sum(&self, from: NaiveDate, to: NaiveDate) -> Result<DayAgg> {
        window_sum(&self.days, from, to)
    }
}

/// The training metric of an aggregate; `None` when it has fewer than `min` closed deals or
/// the metric is undefined (no won deal for a size or a cycle).
fn metric(m: TrainingMetric, a: &DayAgg, min: u32) -> Option<f64> {
    let closed = a.won.0 + a.lost.0;
    if closed < min.max(1) as u64 {
        return None;
    }
    let won = a.won.0 as f64;
    let revenue: f64 = a.revenue.0.to_string().parse().ok()?;
    match m {
        TrainingMetric::CloseRate => Some(won / closed as f64),
        TrainingMetric::Revenue => Some(revenue),
        TrainingMetric::DealCount => Some(won),
        TrainingMetric::AvgDealSize => (a.won.0 > 0).then(|| revenue / won),
        TrainingMetric::TimeToClose => (a.won.0 > 0).then(|| a.cycle_days.0 as f64 / won),
    }
}

/// splitmix64 (Steele, Lea & Flood 2014): a tiny, well-mixed 64-bit generator; the same seed
/// gives the same sequence on every platform, which makes the bootstrap reproducible.
pub(crate) struct SplitMix64(u64);
impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (Lemire's multiply-shift; n > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
}

/// Percentile-bootstrap interval of the mean of `xs` at `confidence`, from `samples`
/// resamples with replacement; `None` for fewer than 2 values or no samples.
pub(crate) fn bootstrap_mean_ci(xs: &[f64], samples: u32, seed: u64, confidence: f64) -> Option<(f64, f64)> {
    if xs.len() < 2 || samples == 0 {
        return None;
    }
    let mut rng = SplitMix64::new(seed);
    let mut means: Vec<f64> = (0..samples).map(|_| (0..xs.len()).map(|_| xs[rng.below(xs.len())]).sum::<f64>() / xs.len() as f64).collect();
    means.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let pos = p * (means.len() - 1) as f64;
        let (i, frac) = (pos.floor() as usize, pos - pos.floor());
        means[i] + (means[(i + 1).min(means.len() - 1)] - means[i]) * frac
    };
    let alpha = 1.0 - confidence;
    Some((q(alpha / 2.0), q(1.0 - alpha / 2.0)))
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// `training_impact`: for the metric `options.training_metric` (`close_rate` by default;
/// `revenue`, `avg_deal_size`, `time_to_close`, `deal_count`), computed from deals closed by
/// the partner:
///
/// * the **event** of a partner is its first course completion inside the window (partners
///   with one are `training_partners`);
/// * **before** = the metric over `[c − W, c)`, **after** = over `[c, c + W)`, with `W` =
///   `options.training_window_days` (90); a window with fewer than
///   `options.training_min_deals` (1) closed deals, or where the metric is undefined, is
///   absent, and so is the partner's change;
/// * **control** = untrained partners (no completion on record, with a deal near the window)
///   of every group at the same roll-up level, pooled over the *same calendar windows* as each
///   trained partner: their deals pooled for the ratios (close rate, deal size, time to close),
///   their sums divided by their number for revenue and deal count (a per-partner mean);
/// * per partner: change = after − before, control change, DiD = change − control change.
///
/// Columns (means over the partners with the value present): `training_partners`,
/// `training_n` (partners with a change), `training_before`, `training_after`,
/// `training_change`, `training_did_n`, `training_control_change`, `training_did`, and
/// `training_did_ci_low` / `training_did_ci_high`: the percentile-bootstrap interval of the
/// mean DiD at `options.confidence`, resampling partners `options.bootstrap_samples` times
/// with the splitmix64 generator seeded by `options.bootstrap_seed` (same seed → same
/// interval; absent for fewer than 2 partners). The estimates are statistics, reported as
/// floats (revenue too); the state behind them is exact.
///
/// Example (close rate, W = 90): P1 completes a course on 2025-04-01 after winning 1 of 4
/// deals in the 90 days before and 3 of 4 after → change +0.5; untrained partners won 2 of 4
/// in both windows → control change 0, DiD +0.5.
pub struct TrainingImpact;
impl Kpi for TrainingImpact {
    type State = ImpactState;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c = vec![ColumnSpec::new("training_partners", ColumnKind::Int), ColumnSpec::new("training_n", ColumnKind::Int)];
        for n in ["training_before", "training_after", "training_change"] {
            c.push(ColumnSpec::new(n, ColumnKind::Float));
        }
        c.push(ColumnSpec::new("training_did_n", ColumnKind::Int));
        for n in ["training_control_change", "training_did"] {
            c.push(ColumnSpec::new(n, ColumnKind::Float));
        }
        c.push(ColumnSpec::plain("training_did_ci_low", ColumnKind::Float));
        c.push(ColumnSpec::plain("training_did_ci_high", ColumnKind::Float));
        Ok(c)
    }
    fn observe(s: &mut ImpactState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        match rec {
            Record::Course(c) => match c.completed_on {
                Some(d) => {
                    s.track(&c.partner_id).completions.insert(d);
                    Ok(true)
                }
                None => Ok(false),
            },
            Record::Deal(d) => {
                let (Some(p), Some(closed)) = (d.partner_id.as_ref(), d.closed_on) else { return Ok(false) };
                let (from, to) = close_span(w, ctx);
                if d.status == DealStatus::Open || closed < from || closed >= to {
                    return Ok(false);
                }
                let won = d.status == DealStatus::Won;
                let revenue = if won { amount_on(d.amount, closed, ctx)? } else { Decimal::ZERO };
                let cycle = d.cycle_days().unwrap_or(0).max(0) as u64;
                s.track(p).days.entry(closed).or_default().add_deal(won, revenue, cycle)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
    fn finish(states: &[&ImpactState], w: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        let o = &ctx.query.options;
        let (m, wd, min) = (o.training_metric, o.training_window_days as i64, o.training_min_deals);
        let controls = Controls::of(states)?;
        states
            .iter()
            .map(|s| {
                let (mut trained, mut before, mut after, mut change, mut ctrl, mut did) = (0u64, vec![], vec![], vec![], vec![], vec![]);
                for t in s.0.values() {
                    let Some(&c) = t.completions.iter().find(|d| w.contains(**d)) else { continue };
                    trained += 1;
                    let (b0, a1) = (shift(c, -wd), shift(c, wd));
                    let own = |from, to| window_sum(t, from, to).map(|a| metric(m, &a, min));
                    let (Some(b), Some(a)) = (own(b0, c)?, own(c, a1)?) else { continue };
                    before.push(b);
                    after.push(a);
                    change.push(a - b);
                    // Sums (revenue, deal count) are per control partner; ratios pool the deals.
                    let per_partner = if matches!(m, TrainingMetric::Revenue | TrainingMetric::DealCount) {
                        controls.partners.max(1) as f64
                    } else {
                        1.0
                    };
                    let pool = |from, to| controls.sum(from, to).map(|a| metric(m, &a, min).map(|v| v / per_partner));
                    if let (Some(cb), Some(ca)) = (pool(b0, c)?, pool(c, a1)?) {
                        ctrl.push(ca - cb);
                        did.push((a - b) - (ca - cb));
                    }
                }
                let ci = bootstrap_mean_ci(&did, o.bootstrap_samples, o.bootstrap_seed, o.confidence);
                Ok(vec![
                    Value::count(trained),
                    Value::count(change.len() as u64),
                    Value::float(mean(&before)),
                    Value::float(mean(&after)),
                    Value::float(mean(&change)),
                    Value::count(did.len() as u64),
                    Value::float(mean(&ctrl)),
                    Value::float(mean(&did)),
                    Value::float(ci.map(|x| x.0)),
                    Value::float(ci.map(|x| x.1)),
                ])
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference_values() {
        // First outputs for seed 0 (the reference implementation's published sequence).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn bootstrap_is_reproducible_and_brackets_the_mean() {
        let xs = [0.1, 0.4, 0.2, 0.5, 0.3];
        let a = bootstrap_mean_ci(&xs, 2000, 7, 0.95).unwrap();
        assert_eq!(a, bootstrap_mean_ci(&xs, 2000, 7, 0.95).unwrap());
        // Normal approximation: mean 0.3, population sd √0.02, SE √0.02 ÷ √5 = 0.0632, so
        // ±1.96 SE ≈ (0.176, 0.424); the percentile interval lands on the 0.02 grid of
        // possible resample means.
        assert!((a.0 - 0.176).abs() < 0.02 && (a.1 - 0.424).abs() < 0.02, "{a:?}");
        let b = bootstrap_mean_ci(&xs, 2000, 8, 0.95).unwrap();
        assert!((b.0 - a.0).abs() <= 0.02 && (b.1 - a.1).abs() <= 0.02, "another seed, nearly the same interval: {b:?}");
        assert_eq!(bootstrap_mean_ci(&[1.0], 100, 7, 0.95), None);
    }
}
