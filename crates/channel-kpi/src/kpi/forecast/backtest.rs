//! `forecast_backtest`: the forecast made at the start of each past period against what its
//! pipeline won, learned and static probabilities side by side.

use super::snapshot::{self, Outcome, Snapshot};
use super::{METHODS, not_cyclic};
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Record, Value, Window};
use crate::error::Result;
use crate::kpi::common::{ByKey, state};
use rust_decimal::prelude::ToPrimitive;
use std::collections::BTreeSet;

state! {
    /// One pipeline snapshot per forecast period, keyed by the period's first day (ISO date).
    pub struct BacktestState { pub periods: ByKey<Snapshot> }
}

/// `forecast_backtest`: splits the period into `options.forecast_horizon` periods (quarters by
/// default) and, for each one that is over by `as_of`, makes the [`super::Forecast`] at its
/// start — using only what was known then: the deals open at that instant in the stage they
/// were in, probabilities learned from the periods before — and compares it with what that
/// pipeline won in the period.
///
/// Over the periods in which the group had a pipeline and there was history to learn from
/// (`backtest_periods`; the same periods for both methods), per method m
/// (`learned`, `static`):
/// * `backtest_<m>_count_mae`: mean |expected wins − actual wins|; `_count_bias`: mean
///   (expected − actual), positive when the forecast is too high; `_count_wape`: Σ |error| ÷
///   Σ actual (absent when nothing was won); `_count_coverage`: share of periods whose actual
///   wins fall inside the forecast's interval (at `options.confidence`, so about that share
///   when the probabilities are right).
/// * the same for the won value (`_value_…`, over periods with valued deals).
///
/// `backtest_won` / `backtest_won_value`: the pipeline's actual wins over those periods.
/// A method's columns are absent when it gave no forecast (no history yet; no definition).
pub struct ForecastBacktest;

#[derive(Default)]
struct Errors {
    n: u64,
    abs: f64,
    signed: f64,
    actual: f64,
    covered: u64,
}
impl Errors {
    fn add(&mut self, forecast: f64, (lo, hi): (f64, f64), actual: f64) {
        self.n += 1;
        self.abs += (forecast - actual).abs();
        self.signed += forecast - actual;
        self.actual += actual;
        self.covered += u64::from(lo <= actual && actual <= hi);
    }
    fn values(&self, money: bool) -> [Value; 4] {
        let n = self.n as f64;
        let mean = |x: f64| (self.n > 0).then_some(x / n);
        let wrap = |x: Option<f64>| if money { Value::decimal(snapshot::money(x)) } else { Value::float(x) };
        [
            wrap(mean(self.abs)),
            wrap(mean(self.signed)),
            Value::float((self.n > 0 && self.actual > 0.0).then(|| self.abs / self.actual)),
            Value::float(mean(self.covered as f64)),
        ]
    }
}

#[derive(Default)]
struct Acc {
    periods: u64,
    won: u64,
    won_value: rust_decimal::Decimal,
    count: [Errors; 2],
    value: [Errors; 2],
}
impl Acc {
    fn add(&mut self, o: &Outcome) -> Result<()> {
        // Both methods on the same periods: those with a pipeline and a learned forecast.
        if o.open == 0 || o.learned.is_none() {
            return Ok(());
        }
        self.periods += 1;
        self.won += o.won;
        self.won_value = self.won_value.checked_add(o.won_value).ok_or_else(|| crate::kpi::common::overflow("summing amounts"))?;
        for (i, e) in [o.learned, o.static_].iter().enumerate() {
            let Some(e) = e else { continue };
            let (lo, hi) = e.count_interval;
            self.count[i].add(e.count, (lo as f64, hi as f64), o.won as f64);
            if let (Some(v), Some(iv)) = (e.value, e.value_interval) {
                self.value[i].add(v, iv, o.won_value.to_f64().unwrap_or(f64::NAN));
            }
        }
        Ok(())
    }
}

impl Kpi for ForecastBacktest {
    type State = BacktestState;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c = vec![
            ColumnSpec::new("backtest_periods", ColumnKind::Int),
            ColumnSpec::new("backtest_won", ColumnKind::Int),
            ColumnSpec::new("backtest_won_value", ColumnKind::Money),
        ];
        for m in METHODS {
            for (what, money) in [("count", false), ("value", true)] {
                let unit = if money { ColumnKind::Money } else { ColumnKind::Float };
                c.push(ColumnSpec::new(format!("backtest_{m}_{what}_mae"), unit));
                c.push(ColumnSpec::new(format!("backtest_{m}_{what}_bias"), unit));
                c.push(ColumnSpec::new(format!("backtest_{m}_{what}_wape"), ColumnKind::Float));
                c.push(ColumnSpec::new(format!("backtest_{m}_{what}_coverage"), ColumnKind::Float));
            }
        }
        Ok(c)
    }
    fn observe(s: &mut BacktestState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Deal(d) = rec else { return Ok(false) };
        not_cyclic(w, "forecast_backtest")?;
        let mut hit = false;
        for p in w.period.split(ctx.query.options.forecast_horizon, ctx.query.options.fiscal_year_start)? {
            if p.last_day() > ctx.as_of {
                break;
            }
            let key = p.start().to_string();
            let counted = s.periods.with(&key, |snap| snapshot::observe(snap, d, &p, ctx))?;
            if !counted && s.periods.0.get(&key).is_some_and(|x| *x == Snapshot::default()) {
                s.periods.0.remove(&key);
            }
            hit |= counted;
        }
        Ok(hit)
    }
    fn finish(states: &[&BacktestState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        let keys: BTreeSet<&String> = states.iter().flat_map(|s| s.periods.0.keys()).collect();
        let mut acc: Vec<Acc> = states.iter().map(|_| Acc::default()).collect();
        let empty = Snapshot::default();
        for key in keys {
            let snaps: Vec<&Snapshot> = states.iter().map(|s| s.periods.0.get(key).unwrap_or(&empty)).collect();
            for (a, o) in acc.iter_mut().zip(snapshot::evaluate(&snaps, ctx)?) {
                a.add(&o)?;
            }
        }
        Ok(acc
            .iter()
            .map(|a| {
                let mut v = vec![Value::count(a.periods), Value::count(a.won), Value::Decimal(a.won_value)];
                for i in 0..METHODS.len() {
                    v.extend(a.count[i].values(false));
                    v.extend(a.value[i].values(true));
                }
                v
            })
            .collect())
    }
}
