//! Section 2 of the catalog, the pipeline at an instant: `pipeline`, `pipeline_coverage`,
//! `pipeline_change`, `pipeline_aging` (stage durations and the funnel are in [`super::stages`]).
//!
//! "At the instant T" is the start of the day after the window ([`Window::instant`]); the window
//! opens at the instant S ([`Window::start_instant`]). A deal is open at an instant when it was
//! created before it and not closed before it ([`crate::Deal::open_at`]). The amount of a deal
//! open at an instant is converted to the query currency at the rate of the day before the
//! instant; a won or lost amount at the rate of its `closed_on`. These KPIs are measured between
//! instants, so cyclic buckets (`month_of_year`, `quarter_of_year`) are rejected.
//!
//! ```
//! use channel_kpi::{Dataset, Deal, DealStatus, Metric, Period, Query};
//! let day = |s: &str| s.parse().unwrap();
//! let mut data = Dataset::default();
//! let mut a = Deal::new("A", day("2025-01-10"), DealStatus::Open);
//! a.amount = Some("1000 USD".parse().unwrap());
//! let mut b = Deal::new("B", day("2025-02-01"), DealStatus::Won); // closed in the window
//! b.closed_on = Some(day("2025-03-15"));
//! b.amount = Some("400 USD".parse().unwrap());
//! data.deals = vec![a, b].into();
//! data.validate().unwrap();
//! let t = data.run(&Query::new(vec![Metric::Pipeline, Metric::PipelineChange], Period::parse("2025-03").unwrap())).unwrap();
//! // Open at 2025-04-01: A only. Open at 2025-03-01: A and B; B was won in March.
//! assert_eq!(t.value(0, "pipeline_count").unwrap().to_string(), "1");
//! assert_eq!(t.value(0, "pipeline_value").unwrap().to_string(), "1000");
//! assert_eq!(t.value(0, "value_change").unwrap().to_string(), "-400");
//! assert_eq!(t.value(0, "net_change").unwrap().to_string(), "-1");
//! ```

mod aging;
mod coverage;

pub use aging::PipelineAging;
pub use coverage::PipelineCoverage;

use super::common::{ByKey, Count, Sum, open_stage_slugs, overflow, state};
use super::deals::{CountState, DealFacts, DealTally};
use crate::domain::Deal;
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Record, Value, Window, each};
use crate::error::{Error, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The amount of a deal open at instant `t`, converted at the rate of the day before `t`;
/// `None` for a deal without an amount.
pub(crate) fn open_amount(d: &Deal, t: NaiveDate, ctx: &Ctx) -> Result<Option<Decimal>> {
    open_amount_of(d.amount, t, ctx)
}

/// [`open_amount`] of an amount (a deal read from columns).
pub(crate) fn open_amount_of(amount: Option<crate::Money>, t: NaiveDate, ctx: &Ctx) -> Result<Option<Decimal>> {
    amount.map(|m| ctx.money_at(m, || t.pred_opt().unwrap_or(t))).transpose()
}

/// The amount of a closed deal at the rate of its close date (0 when it has none).
pub(crate) fn closed_amount(d: &Deal, ctx: &Ctx) -> Result<Decimal> {
    match (d.amount, d.closed_on) {
        (Some(m), Some(c)) => ctx.money(m, c),
        _ => Ok(Decimal::ZERO),
    }
}

/// Instant-based KPIs make no sense over months pooled across years.
pub(crate) fn reject_cyclic(ctx: &Ctx, id: &str) -> Result<()> {
    match ctx.query.buckets {
        Some(b) if b.is_cyclic() => Err(Error::Query(format!(
            "{id} is measured at instants (the start and end of each window); it cannot use the cyclic buckets {}",
            b.name()
        ))),
        _ => Ok(()),
    }
}

pub(crate) fn money_col(name: impl Into<String>) -> ColumnSpec {
    ColumnSpec::new(name, ColumnKind::Money)
}
pub(crate) fn int_col(name: impl Into<String>) -> ColumnSpec {
    ColumnSpec::new(name, ColumnKind::Int)
}

state! {
    /// Open deals at the instant, their value, and their value per stage.
    pub struct PipelineState {
        pub count: Count,
        pub value: Sum,
        pub unvalued: Count,
        pub weighted: Sum,
        pub unstaged: Count,
        pub by_stage: ByKey<Sum>,
    }
    check(s) { s.unvalued.0 <= s.count.0, "more unvalued open deals than open deals"; }
}

impl PipelineState {
    /// Folds a tally into the count and value of open deals (the stage-weighted parts need
    /// the deal's stage history and are folded by `Pipeline::observe`).
    #[inline]
    pub fn fold_open(&mut self, t: &DealTally) -> Result<bool> {
        self.count.0 += t.open;
        if t.open > t.open_unvalued {
            self.value.add(t.open_amount)?;
        }
        self.unvalued.0 += t.open_unvalued;
        Ok(t.open > 0)
    }
}

/// `pipeline`: the deals open at the instant T the window ends.
///
/// * `pipeline_count`: number of open deals; `pipeline_value`: Σ amount of the open deals that
///   have one; `pipeline_unvalued_count`: open deals without an amount (not valued at 0, but
///   counted so that the value can be judged).
/// * `pipeline_weighted_value` = Σ amount × probability of the deal's stage at T
///   ([`crate::Deal::stage_at`]) from the pipeline definition. Deals whose stage at T is
///   unknown contribute nothing and are counted in `pipeline_unstaged_count`. Both are
///   absent when no pipeline definition is given.
/// * `pipeline_value_<stage>`: Σ amount of open deals in each open stage of the definition
///   (stage name lower-cased, other characters than letters and digits → `_`).
///
/// Example: deals of 1000 in *Demo* (probability 0.2) and 500 in *Proposal* (0.6), and one
/// unvalued deal in *Demo*: count 3, value 1500, unvalued 1, weighted 1000 × 0.2 + 500 × 0.6
/// = 500, `pipeline_value_demo` 1000, `pipeline_value_proposal` 500.
pub struct Pipeline;
impl Kpi for Pipeline {
    type State = PipelineState;
    fn columns(ctx: &Ctx) -> Result<Vec<ColumnSpec>> {
        reject_cyclic(ctx, "pipeline")?;
        let mut c = vec![
            int_col("pipeline_count"),
            money_col("pipeline_value"),
            int_col("pipeline_unvalued_count"),
            money_col("pipeline_weighted_value"),
            int_col("pipeline_unstaged_count"),
        ];
        c.extend(open_stage_slugs(ctx)?.into_iter().map(|(_, slug)| money_col(format!("pipeline_value_{slug}"))));
        Ok(c)
    }
    fn observe(s: &mut PipelineState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Deal(d) = rec else { return Ok(false) };
        let t = w.instant();
        if !d.open_at(t) {
            return Ok(false);
        }
        let amount = open_amount(d, t, ctx)?;
        DealFacts { open_at_end: true, open_amount: amount, ..DealFacts::default() }.tally(|t| s.fold_open(t))?;
        let p = &ctx.refs.pipeline;
        if !p.is_empty() {
            match d.stage_at(t).and_then(|n| p.stage(n)) {
                None => s.unstaged.inc(),
                Some(st) => {
                    if let Some(a) = amount {
                        s.weighted.add(a.checked_mul(st.probability).ok_or_else(|| overflow("weighting the pipeline"))?)?;
                        if st.outcome.is_none() {
                            s.by_stage.with(&st.name, |x| x.add(a))?;
                        }
                    }
                }
            }
        }
        Ok(true)
    }
    fn finish(states: &[&PipelineState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        let stages = open_stage_slugs(ctx)?;
        let defined = !ctx.refs.pipeline.is_empty();
        each(states, |s| {
            let mut v = vec![
                Value::count(s.count.0),
                Value::Decimal(s.value.0),
                Value::count(s.unvalued.0),
                if defined { Value::Decimal(s.weighted.0) } else { Value::Absent },
                if defined { Value::count(s.unstaged.0) } else { Value::Absent },
            ];
            v.extend(stages.iter().map(|(name, _)| Value::Decimal(s.by_stage.0.get(name).map_or(Decimal::ZERO, |x| x.0))));
            Ok(v)
        })
    }
}

state! {
    /// Movement of the pipeline between the window's two instants.
    pub struct ChangeState {
        pub open_at_start: Count,
        pub open_at_end: Count,
        pub value_at_start: Sum,
        pub value_at_end: Sum,
        pub flows: CountState,
        pub advanced: Count,
        pub moved_back: Count,
        pub slipped: Count,
    }
}

/// `pipeline_change`: what changed between the instant S the window opens and the instant T
/// it ends ("what changed since last month?" = a one-month window).
///
/// * `open_at_start`, `open_at_end`: deals open at S and at T; `value_at_start`,
///   `value_at_end`: their Σ amount; `value_change` = end − start.
/// * `added`: deals created in the window; `won`, `lost`: deals closed in the window.
/// * `advanced` / `moved_back`: deals open at both S and T whose stage at T stands later /
///   earlier in the pipeline's open-stage order than their stage at S (deals whose stage at
///   either instant is unknown or terminal count in neither). Absent without a pipeline
///   definition.
/// * `slipped`: deals still open at T whose `expected_close_on` fell in the window — expected
///   to close, but didn't.
/// * `net_change` = `open_at_end − open_at_start`, which always equals `added − won − lost`.
pub struct PipelineChange;
impl Kpi for PipelineChange {
    type State = ChangeState;
    fn columns(ctx: &Ctx) -> Result<Vec<ColumnSpec>> {
        reject_cyclic(ctx, "pipeline_change")?;
        Ok(vec![
            int_col("open_at_start"),
            int_col("open_at_end"),
            money_col("value_at_start"),
            money_col("value_at_end"),
            money_col("value_change"),
            int_col("added"),
            int_col("won"),
            int_col("lost"),
            int_col("advanced"),
            int_col("moved_back"),
            int_col("slipped"),
            int_col("net_change"),
        ])
    }
    fn observe(s: &mut ChangeState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Deal(d) = rec else { return Ok(false) };
        let (start, end) = (w.start_instant(), w.instant());
        let (at_start, at_end) = (d.open_at(start), d.open_at(end));
        let mut hit = false;
        if at_start {
            s.open_at_start.inc();
            if let Some(a) = open_amount(d, start, ctx)? {
                s.value_at_start.add(a)?;
            }
            hit = true;
        }
        if at_end {
            s.open_at_end.inc();
            if let Some(a) = open_amount(d, end, ctx)? {
                s.value_at_end.add(a)?;
            }
            if d.expected_close_on.is_some_and(|e| w.contains(e)) {
                s.slipped.inc();
            }
            hit = true;
        }
        hit |= s.flows.observe(rec, w);
        let p = &ctx.refs.pipeline;
        if at_start && at_end && !p.is_empty() {
            let index = |t: NaiveDate| d.stage_at(t).and_then(|n| p.open_index(n));
            if let (Some(a), Some(b)) = (index(start), index(end)) {
                if b > a {
                    s.advanced.inc();
                } else if b < a {
                    s.moved_back.inc();
                }
            }
        }
        Ok(hit)
    }
    fn finish(states: &[&ChangeState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        let defined = !ctx.refs.pipeline.is_empty();
        let staged = |c: Count| if defined { Value::count(c.0) } else { Value::Absent };
        each(states, |s| {
            Ok(vec![
                Value::count(s.open_at_start.0),
                Value::count(s.open_at_end.0),
                Value::Decimal(s.value_at_start.0),
                Value::Decimal(s.value_at_end.0),
                Value::decimal(s.value_at_end.0.checked_sub(s.value_at_start.0)),
                Value::count(s.flows.created.0),
                Value::count(s.flows.won.0),
                Value::count(s.flows.lost.0),
                staged(s.advanced),
                staged(s.moved_back),
                Value::count(s.slipped.0),
                Value::Int(s.open_at_end.0 as i64 - s.open_at_start.0 as i64),
            ])
        })
    }
}
