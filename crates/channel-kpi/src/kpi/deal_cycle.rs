//! Section 1 of the catalog, the deal KPIs over time: lead conversion, sales cycle, sales
//! velocity and deal success (the outcome counts and amounts are in [`super::deals`]).

use super::common::{Count, Days, Proportion, Total, div, state};
use super::deals::*;
use super::lead_tally::LeadTally;
use crate::domain::DealStatus;
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Record, Value, Window, each};
use crate::error::Result;
use rust_decimal::Decimal;

state! {
    /// Converted among leads created.
    pub struct LeadState { pub leads: Proportion }
}

impl LeadState {
    /// Folds a tally of leads created in the window (`n`) and converted (`hits`); true when
    /// it holds a lead.
    #[inline]
    pub(crate) fn fold(&mut self, t: &LeadTally) -> bool {
        self.leads.n += t.leads;
        self.leads.hits += t.converted;
        t.leads > 0
    }
}

/// `lead_conversion_rate` = leads created in the window that became a won deal on or before
/// `as_of` ÷ leads created in the window (a cohort measure: a lead created in March and won
/// in May counts for March). Absent when no lead was created. Columns: `lead_conversion_rate`,
/// `_n` (leads), `_lo`, `_hi`.
pub struct LeadConversionRate;
impl Kpi for LeadConversionRate {
    type State = LeadState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(Proportion::columns("lead_conversion_rate"))
    }
    fn observe(s: &mut LeadState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Lead(l) = rec else { return Ok(false) };
        Ok(s.fold(&LeadTally::of(l.created_on, l.won_on, w, ctx.as_of)))
    }
    fn finish(states: &[&LeadState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| Ok(s.leads.values(ctx)))
    }
}

state! {
    /// Cycle lengths of won deals.
    pub struct CycleState { pub days: Days }
}

impl CycleState {
    /// Folds a deal won in `w`; true when it counted.
    pub(crate) fn observe(&mut self, rec: &Record, w: &Window) -> bool {
        let Record::Deal(d) = rec else { return false };
        DealFacts::classify(d.status, d.created_on, d.closed_on, |c| w.contains(c), w.instant(), crate::period::days_between)
            .tally(|t| self.fold(t))
    }
    /// Folds a tally: the cycle lengths of won deals.
    #[inline]
    pub fn fold(&mut self, t: &DealTally) -> bool {
        self.days.add_sorted(t.won_cycles);
        t.won > 0
    }
}

/// `sales_cycle_days`: mean and median of `closed_on − created_on` in days over deals won in
/// the window (`sales_cycle_days`, `sales_cycle_days_median`, `sales_cycle_days_n`); absent
/// when nothing was won. A deal closed before it was created is rejected when loading.
pub struct SalesCycleDays;
impl Kpi for SalesCycleDays {
    type State = CycleState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![
            ColumnSpec::new("sales_cycle_days", ColumnKind::Float),
            ColumnSpec::new("sales_cycle_days_median", ColumnKind::Float),
            ColumnSpec::new("sales_cycle_days_n", ColumnKind::Int),
        ])
    }
    fn observe(s: &mut CycleState, rec: &Record, w: &Window, _: &Ctx) -> Result<bool> {
        Ok(s.observe(rec, w))
    }
    fn finish(states: &[&CycleState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| Ok(vec![Value::float(s.days.mean()), Value::float(s.days.median()), Value::count(s.days.count())]))
    }
}

state! {
    /// Σ of the cycle lengths of won deals: what velocity needs of them (the mean's numerator;
    /// its denominator is the won count), without the histogram [`CycleState`] keeps for the
    /// median.
    pub struct CycleTotal { pub days: Total }
}

impl CycleTotal {
    /// Folds a tally: the total of its cycle lengths.
    #[inline]
    pub fn fold(&mut self, t: &DealTally) -> Result<bool> {
        self.days.add(t.won_days, 1)?;
        Ok(t.won > 0)
    }
}

state! {
    /// The factors of velocity, each folded by its own KPI's code.
    pub struct VelocityState { pub open_at_end: Count, pub close: CloseState, pub won: WonState, pub cycle: CycleTotal }
    check(s) {
        s.won.n.0 == s.close.closed.hits, "won deals differ from the won count of the close rate";
        s.won.n.0 > 0 || s.cycle.days.0 == 0, "cycle days without a won deal";
    }
}

impl VelocityState {
    /// Folds a tally into each factor with that factor's own `fold`, and counts the deals
    /// open at the instant.
    #[inline]
    pub fn fold(&mut self, t: &DealTally) -> Result<bool> {
        let mut hit = self.close.fold(t);
        hit |= self.won.fold(t)?;
        hit |= self.cycle.fold(t)?;
        self.open_at_end.0 += t.open;
        Ok(hit || t.open > 0)
    }
}

/// `sales_velocity` = open deals at the window's end × close rate × average deal size ÷
/// average sales-cycle days, in money per day. Computed exactly as
/// `open × Σwon × won ÷ ((won + lost) × Σcycle_days)`, rounded to 6 places. Absent when any
/// factor is absent or the cycle is 0 days.
pub struct SalesVelocity;
impl Kpi for SalesVelocity {
    type State = VelocityState;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![ColumnSpec::new("sales_velocity", ColumnKind::Money), ColumnSpec::new("open_deals_at_end", ColumnKind::Int)])
    }
    fn observe(s: &mut VelocityState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        DealFacts::of(rec, w, ctx)?.tally(|t| s.fold(t))
    }
    fn finish(states: &[&VelocityState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            let (open, won, closed) = (s.open_at_end.0, s.won.n.0, s.close.closed.n);
            let cycle = s.cycle.days.0;
            let v = if won == 0 || closed == 0 || cycle <= 0 {
                None
            } else {
                let num = Decimal::from(open).checked_mul(s.won.sum.0).and_then(|x| x.checked_mul(Decimal::from(won)));
                let den = Decimal::from(closed).checked_mul(Decimal::from(cycle));
                num.zip(den).and_then(|(n, d)| div(n, d))
            };
            Ok(vec![Value::decimal(v), Value::count(open)])
        })
    }
}

state! {
    /// Won among closed deals that reached the qualified stage.
    pub struct SuccessState { pub qualified: Proportion }
}

/// `deal_success_rate` = deals won ÷ deals closed in the window that reached the pipeline's
/// *qualified* stage (entered it or any later open stage, or were won). Needs a pipeline
/// definition with a qualified stage; absent when no such deal closed.
pub struct DealSuccessRate;
impl Kpi for DealSuccessRate {
    type State = SuccessState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(ctx: &Ctx) -> Result<Vec<ColumnSpec>> {
        if ctx.refs.pipeline.qualified_index().is_none() {
            return Err(crate::Error::Query(
                "deal_success_rate needs a pipeline definition with a qualified stage (pipeline.csv column `qualified`)".into(),
            ));
        }
        Ok(Proportion::columns("deal_success_rate"))
    }
    fn observe(s: &mut SuccessState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Deal(d) = rec else { return Ok(false) };
        if d.status == DealStatus::Open || !d.closed_on.is_some_and(|c| w.contains(c)) {
            return Ok(false);
        }
        let p = &ctx.refs.pipeline;
        let q = p.qualified_index().unwrap_or(usize::MAX);
        let reached = d.status == DealStatus::Won
            || d.stage_history
                .iter()
                .map(|e| e.stage.as_str())
                .chain(d.stage.as_deref())
                .any(|st| p.open_index(st).is_some_and(|i| i >= q));
        if reached {
            s.qualified.add(d.status == DealStatus::Won);
        }
        Ok(reached)
    }
    fn finish(states: &[&SuccessState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| Ok(s.qualified.values(ctx)))
    }
}
