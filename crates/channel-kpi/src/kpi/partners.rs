//! Section 4 of the catalog, partner program: partner counts, revenue and ROI, stage
//! influence, registered deals, and the per-partner views of deal size and time to close.
//!
//! Partners are *streamed* as [`Record::Partner`] (the dataset's partner table, one record per
//! partner) rather than read from `ctx.refs` in `finish`: `finish` does not know which group a
//! state belongs to, while a streamed partner is routed by the engine like any record, so
//! counts group by tier, region or org unit, roll up and merge exactly like the deal KPIs.
//!
//! ```
//! use channel_kpi::{CostKind, Dataset, Deal, DealStatus, Dimension, Metric, Period, ProgramCost, Query};
//! let day = |s: &str| s.parse().unwrap();
//! let mut data = Dataset::default();
//! let mut d = Deal::new("D1", day("2025-01-05"), DealStatus::Won);
//! d.partner_id = Some("P1".into());
//! d.closed_on = Some(day("2025-02-01"));
//! d.amount = Some("3000 USD".parse().unwrap());
//! data.deals.push(d);
//! data.program_costs.push(ProgramCost {
//!     partner_id: "P1".into(),
//!     period: Period::parse("2025-Q1").unwrap(),
//!     kind: CostKind::Mdf,
//!     amount: "1000 USD".parse().unwrap(),
//! });
//! data.validate().unwrap();
//! let t = data.run(&Query::new(vec![Metric::PartnerRevenue], Period::parse("2025-Q1").unwrap()).by(Dimension::Partner)).unwrap();
//! assert_eq!(t.get(&[Some("P1")], "partner_roi").unwrap().as_f64(), Some(2.0)); // (3000 − 1000) ÷ 1000
//! ```

use super::common::{Count, Proportion, Sum, ratio, state};
use super::deals::{AvgDealSize, CycleState, SalesCycleDays, WonState};
use crate::domain::{DealStatus, Partner, PartnerStage, RegistrationStatus};
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Merge, Record, Value, Window, each};
use crate::error::Result;
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

/// Active at the *instant* `t` (the start of day `t`): joined before `t` and not left before
/// `t`. With this convention `active at end − active at start = joined − left` in a window.
fn active_at_instant(p: &Partner, t: NaiveDate) -> bool {
    p.joined_on.is_none_or(|j| j < t) && p.left_on.is_none_or(|l| l >= t)
}

state! {
    /// Partner counts at the window's edges and movements inside it.
    pub struct PartnerCountState { pub start: Count, pub end: Count, pub joined: Count, pub left: Count, pub churned: Proportion }
}

/// `partner_count_change`: partners active at the start and at the end of the window
/// (`partners_start`, `partners_end`; active at an instant = joined before it, not left before
/// it), partners that joined (`partners_joined`) and left (`partners_left`) in the window, the
/// net change (`partner_net_change` = end − start = joined − left), and the churn rate
/// (`partner_churn_rate` = partners active at the start that left in the window ÷ partners
/// active at the start, with `_n`, `_lo`, `_hi`; absent when none was active at the start).
///
/// Example: 4 partners at 2025-01-01, one joins in March, one of the four leaves in May → start
/// 4, end 4, joined 1, left 1, net 0, churn 1 ÷ 4 = 0.25 for 2025.
pub struct PartnerCountChange;
impl Kpi for PartnerCountChange {
    type State = PartnerCountState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c: Vec<ColumnSpec> = ["partners_start", "partners_end", "partners_joined", "partners_left", "partner_net_change"]
            .map(|n| ColumnSpec::new(n, ColumnKind::Int))
            .to_vec();
        c.extend(Proportion::columns("partner_churn_rate"));
        Ok(c)
    }
    fn observe(s: &mut PartnerCountState, rec: &Record, w: &Window, _: &Ctx) -> Result<bool> {
        let Record::Partner(p) = rec else { return Ok(false) };
        let at_start = active_at_instant(p, w.start_instant());
        let at_end = active_at_instant(p, w.instant());
        let joined = p.joined_on.is_some_and(|d| w.contains(d));
        let left = p.left_on.is_some_and(|d| w.contains(d));
        for (hit, c) in [(at_start, &mut s.start), (at_end, &mut s.end), (joined, &mut s.joined), (left, &mut s.left)] {
            if hit {
                c.inc();
            }
        }
        if at_start {
            s.churned.add(left);
        }
        Ok(at_start || at_end || joined || left)
    }
    fn finish(states: &[&PartnerCountState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            let mut v = vec![Value::count(s.start.0), Value::count(s.end.0), Value::count(s.joined.0), Value::count(s.left.0)];
            v.push(Value::Int(s.end.0 as i64 - s.start.0 as i64));
            v.extend(s.churned.values(ctx));
            Ok(v)
        })
    }
}

state! {
    /// Won revenue (the deal KPIs' state) and program costs.
    pub struct PartnerRevenueState { pub won: WonState, pub cost: Sum, pub costs: Count }
    check(s) { s.costs.0 > 0 || s.cost.0.is_zero(), "a program cost without a cost record"; }
}

/// `partner_revenue`: revenue won in the window (`partner_revenue`, computed by the same code
/// as `won_revenue`), its share of the revenue of all groups at the same roll-up level
/// (`partner_revenue_share`; grouped by partner, the direct deals are the empty group), the
/// program costs whose period starts in the window (`program_cost`), and
/// **ROI** = (revenue − cost) ÷ cost (`partner_roi`, absent where no cost was supplied or it
/// is 0). Always reported with the previous period (`_prev`, `_change`, `_change_pct`).
///
/// Example: P1 won 3,000 and cost 1,000 → ROI 2.0; P2 won 1,000 with no cost → ROI absent;
/// shares 0.75 and 0.25.
pub struct PartnerRevenue;
impl Kpi for PartnerRevenue {
    type State = PartnerRevenueState;
    const NEEDS_PREVIOUS: bool = true;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![
            ColumnSpec::new("partner_revenue", ColumnKind::Money),
            ColumnSpec::new("partner_revenue_share", ColumnKind::Float),
            ColumnSpec::new("program_cost", ColumnKind::Money),
            ColumnSpec::new("partner_roi", ColumnKind::Float),
        ])
    }
    fn observe(s: &mut PartnerRevenueState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        if let Record::Cost(c) = rec {
            if !w.contains(c.period.start()) {
                return Ok(false);
            }
            s.cost.add(ctx.money(c.amount, c.period.start())?)?;
            s.costs.inc();
            return Ok(true);
        }
        s.won.observe(rec, w, ctx)
    }
    fn finish(states: &[&PartnerRevenueState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        let mut total = Sum::default();
        for s in states {
            total.merge(&s.won.sum)?;
        }
        each(states, |s| {
            let rev = s.won.sum.0;
            let roi = if s.costs.0 == 0 { None } else { rev.checked_sub(s.cost.0).and_then(|net| ratio(net, s.cost.0)) };
            Ok(vec![Value::Decimal(rev), Value::float(ratio(rev, total.0)), Value::Decimal(s.cost.0), Value::float(roi)])
        })
    }
}

state! {
    /// Deals with and without the partner at one stage.
    pub struct StageInfluence { pub with: Proportion, pub without: Proportion, pub value_with: Sum }
}

state! {
    /// One [`StageInfluence`] per partner stage, and the value of all closed deals.
    pub struct InfluenceState {
        pub lead_generation: StageInfluence,
        pub qualification: StageInfluence,
        pub value_demonstration: StageInfluence,
        pub guidance: StageInfluence,
        pub value_delivery: StageInfluence,
        pub value: Sum,
    }
}

impl InfluenceState {
    fn stage(&mut self, st: PartnerStage) -> &mut StageInfluence {
        match st {
            PartnerStage::LeadGeneration => &mut self.lead_generation,
            PartnerStage::Qualification => &mut self.qualification,
            PartnerStage::ValueDemonstration => &mut self.value_demonstration,
            PartnerStage::Guidance => &mut self.guidance,
            PartnerStage::ValueDelivery => &mut self.value_delivery,
        }
    }
}

/// `partner_stage_influence`: over the deals closed (won or lost) in the window, for each of
/// the five stages (`lead_generation`, `qualification`, `value_demonstration`, `guidance`,
/// `value_delivery`): the share of deals where a partner took part in that stage
/// (`influence_<stage>_deal_share`), the share of their value (`influence_<stage>_value_share`,
/// absent when the closed value is 0), and the win rate of deals with and without the partner
/// at that stage (`influence_<stage>_win_rate_with` / `_without`, absent when there is no such
/// deal). `influence_closed_deals` counts the deals.
///
/// Example: 4 closed deals, the partner generated the lead of 2 (one won, 1,000 of a total
/// 4,000 value) → lead-generation deal share 0.5, value share 0.25, win rate with 0.5.
pub struct PartnerStageInfluence;
impl Kpi for PartnerStageInfluence {
    type State = InfluenceState;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c = vec![ColumnSpec::new("influence_closed_deals", ColumnKind::Int)];
        for st in PartnerStage::ALL {
            for suffix in ["deal_share", "value_share", "win_rate_with", "win_rate_without"] {
                c.push(ColumnSpec::new(format!("influence_{}_{suffix}", st.name()), ColumnKind::Float));
            }
        }
        Ok(c)
    }
    fn observe(s: &mut InfluenceState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Deal(d) = rec else { return Ok(false) };
        if d.status == DealStatus::Open || !d.closed_on.is_some_and(|c| w.contains(c)) {
            return Ok(false);
        }
        let won = d.status == DealStatus::Won;
        let value = match d.amount {
            Some(m) => ctx.money(m, d.closed_on.unwrap_or(d.created_on))?,
            None => Decimal::ZERO,
        };
        s.value.add(value)?;
        for st in PartnerStage::ALL {
            let cell = s.stage(*st);
            if d.partner_stages.contains(*st) {
                cell.with.add(won);
                cell.value_with.add(value)?;
            } else {
                cell.without.add(won);
            }
        }
        Ok(true)
    }
    fn finish(states: &[&InfluenceState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            let mut s = (*s).clone();
            let value = s.value.0;
            let closed = s.lead_generation.with.n + s.lead_generation.without.n;
            let mut v = vec![Value::count(closed)];
            for st in PartnerStage::ALL {
                let c = s.stage(*st);
                let share = (closed > 0).then(|| c.with.n as f64 / closed as f64);
                v.extend([
                    Value::float(share),
                    Value::float(ratio(c.value_with.0, value)),
                    Value::float(c.with.rate()),
                    Value::float(c.without.rate()),
                ]);
            }
            Ok(v)
        })
    }
}

state! {
    /// Registration counts of a window.
    pub struct RegistrationState {
        pub registered: Count, pub approved: Count, pub rejected: Count, pub open: Count, pub active: Count, pub won: Proportion,
        /// Registered deals of the window that carry a registration status (any, pending too).
        #[serde(default)]
        pub with_status: Count,
    }
}

/// `registered_deals`, over deals with `registered_on`. In the window: registered
/// (`registered_deals`), of which approved and rejected (`registered_approved`,
/// `registered_rejected`), still open at `t` (`registered_open`: registered but not closed),
/// and won by `as_of` (`registered_to_won_rate` = won ÷ registered, with `_n`, `_lo`, `_hi`).
/// Approved and rejected are **absent** when none of the window's registered deals carries a
/// registration status (the data says nothing about decisions; 0 would claim none was made).
/// **Active** (`registered_active`, an "as at `t`" count that also includes deals registered
/// before the window): registered on or before `t`, not rejected, still open at `t`, and moved
/// within the last N days (`options.active_days`, default 30) — its latest registration or
/// stage entry lies in `(t − N, t]`. `t` is the window's last day, or `as_of` when earlier.
///
/// Example (`as_of` 2025-03-31, N = 30): a deal registered 2025-01-10 that entered *Proposal*
/// on 2025-03-15 and is still open is active; one whose last entry was 2025-02-01 is not.
pub struct RegisteredDeals;
impl Kpi for RegisteredDeals {
    type State = RegistrationState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c: Vec<ColumnSpec> =
            ["registered_deals", "registered_approved", "registered_rejected", "registered_open", "registered_active"]
                .map(|n| ColumnSpec::new(n, ColumnKind::Int))
                .to_vec();
        c.extend(Proportion::columns("registered_to_won_rate"));
        Ok(c)
    }
    fn observe(s: &mut RegistrationState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Deal(d) = rec else { return Ok(false) };
        let Some(reg) = d.registered_on else { return Ok(false) };
        let t = ctx.as_of.min(w.period.last_day());
        let open_at_t = d.closed_on.is_none_or(|c| c > t);
        let mut hit = false;
        if w.contains(reg) {
            hit = true;
            s.registered.inc();
            if d.registration_status.is_some() {
                s.with_status.inc();
            }
            match d.registration_status {
                Some(RegistrationStatus::Approved) => s.approved.inc(),
                Some(RegistrationStatus::Rejected) => s.rejected.inc(),
                _ => {}
            }
            if open_at_t {
                s.open.inc();
            }
            s.won.add(d.status == DealStatus::Won && d.closed_on.is_some_and(|c| c <= ctx.as_of));
        }
        let since = t.checked_sub_days(Days::new(ctx.query.options.active_days as u64)).unwrap_or(NaiveDate::MIN);
        let last_move = d.stage_history.iter().map(|e| e.entered_on).filter(|e| *e <= t).max().max(Some(reg).filter(|r| *r <= t));
        if reg <= t && open_at_t && d.registration_status != Some(RegistrationStatus::Rejected) && last_move.is_some_and(|m| m > since) {
            s.active.inc();
            hit = true;
        }
        Ok(hit)
    }
    fn finish(states: &[&RegistrationState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            let decided = |c: Count| if s.with_status.0 > 0 { Value::count(c.0) } else { Value::Absent };
            let mut v = vec![
                Value::count(s.registered.0),
                decided(s.approved),
                decided(s.rejected),
                Value::count(s.open.0),
                Value::count(s.active.0),
            ];
            v.extend(s.won.values(ctx));
            Ok(v)
        })
    }
}

/// `avg_closed_deal_size`: `avg_deal_size` under the partner program's name — Σ won amount ÷
/// won deals in the window, by the very same state and code ([`AvgDealSize`]); group by
/// `partner` for the per-partner view.
pub struct AvgClosedDealSize;
impl Kpi for AvgClosedDealSize {
    type State = WonState;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![ColumnSpec::new("avg_closed_deal_size", ColumnKind::Money)])
    }
    fn observe(s: &mut WonState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        AvgDealSize::observe(s, rec, w, ctx)
    }
    fn finish(states: &[&WonState], w: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        AvgDealSize::finish(states, w, ctx)
    }
}

/// `time_to_close`: `sales_cycle_days` under the partner program's name — mean, median and
/// count of `closed_on − created_on` over deals won in the window (`time_to_close_days`,
/// `time_to_close_days_median`, `time_to_close_n`), by the same state and code
/// ([`SalesCycleDays`]). Before vs after training: `training_impact` with
/// `training_metric = time_to_close`.
pub struct TimeToClose;
impl Kpi for TimeToClose {
    type State = CycleState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![
            ColumnSpec::new("time_to_close_days", ColumnKind::Float),
            ColumnSpec::new("time_to_close_days_median", ColumnKind::Float),
            ColumnSpec::new("time_to_close_n", ColumnKind::Int),
        ])
    }
    fn observe(s: &mut CycleState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        SalesCycleDays::observe(s, rec, w, ctx)
    }
    fn finish(states: &[&CycleState], w: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        SalesCycleDays::finish(states, w, ctx)
    }
}
