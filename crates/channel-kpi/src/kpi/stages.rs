//! Section 2 of the catalog, the stages of the pipeline: `stage_duration` (length of each
//! stage) and `stage_funnel` (stage conversion). Both need a pipeline definition
//! ([`crate::PipelineDef`]): its open stages, in order, give the columns.
//!
//! ```
//! use channel_kpi::{Dataset, Deal, DealStatus, Metric, Period, PipelineDef, Query, StageDef, StageEntry};
//! let day = |s: &str| s.parse().unwrap();
//! let stage = |n: &str, p: &str| StageDef { name: n.into(), probability: p.parse().unwrap(), qualified: false, outcome: None };
//! let mut data = Dataset::default();
//! data.refs.pipeline = PipelineDef::new(vec![stage("Lead", "0.1"), stage("Demo", "0.5"), stage("Won", "1")]).unwrap();
//! let mut d = Deal::new("A", day("2025-01-01"), DealStatus::Won);
//! d.closed_on = Some(day("2025-01-31"));
//! d.amount = Some("100 USD".parse().unwrap());
//! d.stage_history = vec![
//!     StageEntry { stage: "Lead".into(), entered_on: day("2025-01-01") },
//!     StageEntry { stage: "Demo".into(), entered_on: day("2025-01-11") },
//!     StageEntry { stage: "Won".into(), entered_on: day("2025-01-31") },
//! ];
//! data.deals.push(d);
//! data.validate().unwrap();
//! let t = data.run(&Query::new(vec![Metric::StageDuration], Period::parse("2025-01").unwrap())).unwrap();
//! assert_eq!(t.value(0, "stage_lead_days").unwrap().as_f64(), Some(10.0));
//! assert_eq!(t.value(0, "stage_demo_days").unwrap().as_f64(), Some(20.0));
//! ```

use super::common::{ByKey, Count, Days, open_stage_slugs, state};
use crate::domain::{Deal, DealStatus, StageDef};
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Record, Value, Window, each};
use crate::error::{Error, Location, Result};

fn needs_pipeline(ctx: &Ctx, id: &str) -> Result<()> {
    if ctx.refs.pipeline.is_empty() {
        return Err(Error::Query(format!("{id} needs a pipeline definition (the stages, in order: pipeline.csv)")));
    }
    Ok(())
}

/// The definition of a stage a deal names; an unknown stage is an error naming the deal.
fn stage_def<'a>(ctx: &'a Ctx, d: &Deal, field: &str, name: &str) -> Result<&'a StageDef> {
    ctx.refs.pipeline.stage(name).ok_or_else(|| Error::Reference {
        location: Location::record("deal", &d.id, field).with_value(name),
        reason: "unknown stage (not in the pipeline definition)".into(),
    })
}

state! {
    /// Per open stage: completed stays and current stays (days).
    pub struct DurationState { pub done: ByKey<Days>, pub current: ByKey<Days> }
}

/// `stage_duration`: days spent in each open stage of the pipeline, from the deals'
/// `stage_history`.
///
/// * A *stay* in a stage lasts from its entry to the next entry of the history. A deal that
///   re-enters a stage adds the new stay (each stay is one observation). The last stay of a
///   closed deal ends at `closed_on`. Stays in terminal stages (won / lost outcome) have no
///   duration. Deals without a stage history contribute nothing (the current `stage` alone
///   carries no date).
/// * A completed stay counts in the window where it **ends**: `stage_<s>_days` (mean, f64),
///   `stage_<s>_days_median`, `stage_<s>_n` (number of stays).
/// * The data is read as known at `as_of`: entries after `as_of` are ignored, and the stay a
///   deal is in at `as_of` (a deal still open then) is its *current stay*, counted up to
///   `as_of` (`as_of − entered_on` days) and reported apart, in the window containing `as_of`:
///   `stage_<s>_open_days` (mean), `stage_<s>_open_n`.
///
/// Means and medians are absent when there is no stay. Errors: no pipeline definition
/// ([`Error::Query`]); a history stage missing from the definition, or a close date before
/// the last stage entry (naming the deal).
///
/// Example: Lead on 01-01, Demo on 01-11, Lead again on 01-15, Demo on 01-20, closed won on
/// 01-31 gives Lead stays of 10 and 5 days (mean 7.5, n 2) and Demo stays of 4 and 11 days.
pub struct StageDuration;
impl Kpi for StageDuration {
    type State = DurationState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(ctx: &Ctx) -> Result<Vec<ColumnSpec>> {
        needs_pipeline(ctx, "stage_duration")?;
        let mut c = Vec::new();
        for (_, s) in open_stage_slugs(ctx)? {
            c.push(ColumnSpec::new(format!("stage_{s}_days"), ColumnKind::Float));
            c.push(ColumnSpec::new(format!("stage_{s}_days_median"), ColumnKind::Float));
            c.push(ColumnSpec::new(format!("stage_{s}_n"), ColumnKind::Int));
            c.push(ColumnSpec::new(format!("stage_{s}_open_days"), ColumnKind::Float));
            c.push(ColumnSpec::new(format!("stage_{s}_open_n"), ColumnKind::Int));
        }
        Ok(c)
    }
    fn observe(s: &mut DurationState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Deal(d) = rec else { return Ok(false) };
        let as_of = ctx.as_of;
        let mut hit = false;
        for (i, e) in d.stage_history.iter().enumerate() {
            let def = stage_def(ctx, d, "stage_history", &e.stage)?;
            let end = d.stage_history.get(i + 1).map(|n| n.entered_on).or(d.closed_on);
            if let Some(c) = end.filter(|c| *c < e.entered_on) {
                return Err(Error::invalid(
                    Location::record("deal", &d.id, "closed_on").with_value(c),
                    format!("closed before entering stage {} on {}", e.stage, e.entered_on),
                ));
            }
            if def.outcome.is_some() || e.entered_on > as_of {
                continue;
            }
            match end {
                Some(end) if end <= as_of => {
                    if w.contains(end) {
                        s.done.with(&e.stage, |x| x.add((end - e.entered_on).num_days()));
                        hit = true;
                    }
                }
                _ => {
                    if w.contains(as_of) {
                        s.current.with(&e.stage, |x| x.add((as_of - e.entered_on).num_days()));
                        hit = true;
                    }
                }
            }
        }
        Ok(hit)
    }
    fn finish(states: &[&DurationState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        let stages = open_stage_slugs(ctx)?;
        let empty = Days::default();
        each(states, |s| {
            let mut v = Vec::with_capacity(stages.len() * 5);
            for (name, _) in &stages {
                let done = s.done.0.get(name).unwrap_or(&empty);
                let cur = s.current.0.get(name).unwrap_or(&empty);
                v.push(Value::float(done.mean()));
                v.push(Value::float(done.median()));
                v.push(Value::count(done.count()));
                v.push(Value::float(cur.mean()));
                v.push(Value::count(cur.count()));
            }
            Ok(v)
        })
    }
}

state! {
    /// Deals created in the window, how many reached each open stage, how many were won.
    pub struct FunnelState { pub cohort: Count, pub reached: ByKey<Count>, pub won: Count }
}

/// `stage_funnel`: how far the deals created in the window got.
///
/// * Cohort (`funnel_cohort`): deals with `created_on` in the window.
/// * A deal *reached* open stage i when its stage history (entries up to `as_of`) or its
///   current stage contains stage i or a later open stage, or it was won by `as_of`; so a
///   deal that skipped a stage still reached it. `funnel_<s>_reached` counts them,
///   `funnel_<s>_share` = reached ÷ cohort, `funnel_<s>_conversion` = reached_i ÷
///   reached_{i−1} (absent for the first stage or a zero denominator).
/// * `funnel_won`: cohort deals won by `as_of`; `funnel_won_share` = won ÷ cohort.
///
/// Errors: no pipeline definition ([`Error::Query`]); a stage missing from the definition.
///
/// Example: stages Lead, Demo, Proposal; a cohort of 4 where one deal stopped in Lead, one
/// went Lead → Proposal (skipping Demo), one was won from Demo and one has no stage: Lead
/// reached 3 (share 0.75), Demo 2 (conversion 2/3), Proposal 2 (conversion 1), won 1.
pub struct StageFunnel;
impl Kpi for StageFunnel {
    type State = FunnelState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(ctx: &Ctx) -> Result<Vec<ColumnSpec>> {
        needs_pipeline(ctx, "stage_funnel")?;
        let mut c = vec![ColumnSpec::new("funnel_cohort", ColumnKind::Int)];
        for (_, s) in open_stage_slugs(ctx)? {
            c.push(ColumnSpec::new(format!("funnel_{s}_reached"), ColumnKind::Int));
            c.push(ColumnSpec::new(format!("funnel_{s}_share"), ColumnKind::Float));
            c.push(ColumnSpec::new(format!("funnel_{s}_conversion"), ColumnKind::Float));
        }
        c.push(ColumnSpec::new("funnel_won", ColumnKind::Int));
        c.push(ColumnSpec::new("funnel_won_share", ColumnKind::Float));
        Ok(c)
    }
    fn observe(s: &mut FunnelState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Deal(d) = rec else { return Ok(false) };
        if !w.contains(d.created_on) {
            return Ok(false);
        }
        let p = &ctx.refs.pipeline;
        s.cohort.inc();
        let won = d.closed_in(DealStatus::Won, |c| c <= ctx.as_of);
        let dated = d.stage_history.iter().filter(|e| e.entered_on <= ctx.as_of).map(|e| ("stage_history", e.stage.as_str()));
        let mut furthest: Option<usize> = None;
        for (field, name) in dated.chain(d.stage.as_deref().map(|n| ("stage", n))) {
            stage_def(ctx, d, field, name)?;
            furthest = furthest.max(p.open_index(name));
        }
        let n_open = p.open_stages().count();
        let reached = if won { n_open } else { furthest.map_or(0, |i| i + 1) };
        for st in p.open_stages().take(reached) {
            s.reached.with(&st.name, Count::inc);
        }
        if won {
            s.won.inc();
        }
        Ok(true)
    }
    fn finish(states: &[&FunnelState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        let stages = open_stage_slugs(ctx)?;
        each(states, |s| {
            let share = |n: u64| Value::float((s.cohort.0 > 0).then(|| n as f64 / s.cohort.0 as f64));
            let mut v = vec![Value::count(s.cohort.0)];
            let mut prev: Option<u64> = None;
            for (name, _) in &stages {
                let n = s.reached.0.get(name).map_or(0, |c| c.0);
                v.push(Value::count(n));
                v.push(share(n));
                v.push(Value::float(prev.filter(|p| *p > 0).map(|p| n as f64 / p as f64)));
                prev = Some(n);
            }
            v.push(Value::count(s.won.0));
            v.push(share(s.won.0));
            Ok(v)
        })
    }
}
