//! The forecast family: what will the open pipeline win, and were the probabilities right?
//!
//! * [`StageWinRate`] (`stage_win_rate`): stage-to-win probabilities learned from the deals
//!   closed in the period, per open stage, shrunk toward the level's pooled rate, with Wilson
//!   intervals and the pipeline definition's probability beside them.
//! * [`Forecast`] (`forecast`): at the start of the period, the expected number and value of
//!   wins of the pipeline open then, with learned and with static probabilities, each with an
//!   interval; and what that pipeline actually won in the period once it is over.
//! * [`ForecastBacktest`] (`forecast_backtest`): the same forecast made at the start of every
//!   `options.forecast_horizon` (quarter by default) of the period, against what happened:
//!   mean absolute error, bias, weighted error and interval coverage, learned and static side
//!   by side.
//!
//! Every state is exact and mergeable: training counts add and pipelines are disjoint unions
//! of deals, so a forecast computed over partial results (threads, Dask, Spark) equals the one
//! on all records; the Monte Carlo draws posteriors' rates and deals in id order with
//! `options.forecast_seed`.
//!
//! ```
//! use channel_kpi::{Dataset, Deal, DealStatus, Metric, Period, PipelineDef, Query, StageDef, StageEntry};
//! let day = |s: &str| s.parse().unwrap();
//! let stage = |n: &str, p: &str| StageDef { name: n.into(), probability: p.parse().unwrap(), qualified: false, outcome: None };
//! let mut data = Dataset::default();
//! data.refs.pipeline = PipelineDef::new(vec![stage("Demo", "0.5"), stage("Won", "1"), stage("Lost", "0")]).unwrap();
//! let mut d = Deal::new("A", day("2024-12-01"), DealStatus::Won);
//! (d.closed_on, d.amount) = (Some(day("2025-01-20")), Some("100 USD".parse().unwrap()));
//! d.stage_history = vec![StageEntry { stage: "Demo".into(), entered_on: day("2024-12-01") }];
//! data.deals.push(d);
//! let t = data.run(&Query::new(vec![Metric::Forecast], Period::parse("2025-01").unwrap())).unwrap();
//! assert_eq!(t.value(0, "forecast_open").unwrap().as_f64(), Some(1.0));
//! assert_eq!(t.value(0, "forecast_static_count").unwrap().as_f64(), Some(0.5));
//! assert_eq!(t.value(0, "forecast_won").unwrap().as_f64(), Some(1.0));
//! // No deal was open in an earlier month: nothing to learn from.
//! assert!(t.value(0, "forecast_learned_count").unwrap().is_absent());
//! ```

mod backtest;
mod estimate;
mod posterior;
mod snapshot;
mod win_rate;

pub use backtest::ForecastBacktest;
pub use estimate::{count_interval, poisson_binomial, shrunk_rate};
pub use posterior::{Beta, WinProbability, beta_binomial, count_distribution, simulate_value, value_interval};
pub use snapshot::{Estimate, OpenDeal, OpenDeals, Outcome, Snapshot};
pub use win_rate::{StageWinRate, WinRateState};

use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Record, Value, Window};
use crate::error::{Error, Result};

const METHODS: [&str; 2] = ["learned", "static"];

fn not_cyclic(w: &Window, id: &str) -> Result<()> {
    match w.cyclic {
        Some(_) => Err(Error::Query(format!("{id} needs periods, not month_of_year / quarter_of_year buckets"))),
        None => Ok(()),
    }
}

/// `forecast`: the pipeline open at the start of the period (deals created before it and not
/// closed before it, each in the stage its history gives at that instant) and what it will
/// win in the period.
///
/// * **Learned probabilities**: for a deal in stage s, the share of deals that were open in
///   stage s at the start of one of the `options.forecast_lookback` (4) periods of the same
///   length before this one (the last ones over by `as_of`, so a future period learns from
///   complete ones) and were won within that period — only outcomes known at the origin. Per group, shrunk toward the pooled rate of the level: `(won + k·pooled) ÷ (n +
///   k)` with `k = options.forecast_prior` (20 pseudo-deals; [`shrunk_rate`]); a stage with no
///   history takes the pooled rate over all stages. No history at all → the learned columns
///   are absent.
/// * **Static probabilities**: the pipeline definition's probability of the stage (absent
///   without a definition).
/// * `forecast_<m>_count` = Σ p over the pipeline, `forecast_<m>_value` = Σ p · amount over
///   deals with an amount. Static p: the exact Poisson-binomial central interval
///   `_count_lo`/`_count_hi` at `options.confidence`, and a Monte Carlo value interval
///   (`options.forecast_simulations` draws, splitmix64 seeded by `options.forecast_seed`, deals
///   in id order: deterministic). Learned p is the mean of its Beta posterior
///   ([`Beta::posterior`]), shared by a group's deals of one stage and age band: the count
///   interval is exact from the beta-binomials' convolution ([`count_distribution`]), the
///   value's Monte Carlo draws each posterior's rate per run ([`simulate_value`]), so both
///   include the rates' uncertainty.
/// * `forecast_open` (pipeline deals), `forecast_valued` (of them with an amount),
///   `forecast_unstaged` (open deals with no open stage at the origin, left out),
///   `forecast_won` / `forecast_won_value`: pipeline deals won in the period — absent until
///   the period is over (its last day ≤ `as_of`).
///
/// A deal without stage history is in its current stage while it is still open (which, for a
/// past period, may be later than the stage it had then). Amounts are today's (a CRM export
/// rarely keeps past amounts). Errors: cyclic buckets; a stage missing from the definition.
pub struct Forecast;
impl Kpi for Forecast {
    type State = Snapshot;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c = vec![
            ColumnSpec::new("forecast_open", ColumnKind::Int),
            ColumnSpec::new("forecast_valued", ColumnKind::Int),
            ColumnSpec::new("forecast_unstaged", ColumnKind::Int),
            ColumnSpec::new("forecast_won", ColumnKind::Int),
            ColumnSpec::new("forecast_won_value", ColumnKind::Money),
        ];
        for m in METHODS {
            c.push(ColumnSpec::new(format!("forecast_{m}_count"), ColumnKind::Float));
            c.push(ColumnSpec::plain(format!("forecast_{m}_count_lo"), ColumnKind::Int));
            c.push(ColumnSpec::plain(format!("forecast_{m}_count_hi"), ColumnKind::Int));
            c.push(ColumnSpec::new(format!("forecast_{m}_value"), ColumnKind::Money));
            c.push(ColumnSpec::plain(format!("forecast_{m}_value_lo"), ColumnKind::Money));
            c.push(ColumnSpec::plain(format!("forecast_{m}_value_hi"), ColumnKind::Money));
        }
        Ok(c)
    }
    fn observe(s: &mut Snapshot, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Deal(d) = rec else { return Ok(false) };
        not_cyclic(w, "forecast")?;
        snapshot::observe(s, d, &w.period, ctx)
    }
    fn finish(states: &[&Snapshot], w: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        let over = w.period.last_day() <= ctx.as_of;
        Ok(snapshot::evaluate(states, ctx)?
            .into_iter()
            .map(|o| {
                let mut v = vec![
                    Value::count(o.open),
                    Value::count(o.valued),
                    Value::count(o.unstaged),
                    if over { Value::count(o.won) } else { Value::Absent },
                    if over { Value::Decimal(o.won_value) } else { Value::Absent },
                ];
                for e in [o.learned, o.static_] {
                    v.push(Value::float(e.map(|e| e.count)));
                    v.push(e.map_or(Value::Absent, |e| Value::count(e.count_interval.0)));
                    v.push(e.map_or(Value::Absent, |e| Value::count(e.count_interval.1)));
                    v.push(Value::decimal(snapshot::money(e.and_then(|e| e.value))));
                    v.push(Value::decimal(snapshot::money(e.and_then(|e| e.value_interval).map(|x| x.0))));
                    v.push(Value::decimal(snapshot::money(e.and_then(|e| e.value_interval).map(|x| x.1))));
                }
                v
            })
            .collect())
    }
}
