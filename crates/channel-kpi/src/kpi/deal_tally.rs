//! The deal-reading KPIs as the columnar folds see them: which metrics fold from a deal's
//! [`DealFacts`] (the deal-outcome KPIs) or [`ClosedDeal`] (`training_impact`)
//! ([`columnar_metric`]), what they read and convert ([`TallyNeeds`]), the facts of one row of
//! a [`crate::Deals`] table ([`DealFacts::of_row`], [`ClosedDeal::of_row`]) and the fold itself
//! ([`fold_columnar`], the `fold` each KPI's own `observe` runs).

#[cfg(doc)]
use super::closed_days::ClosedDeal;
use super::closed_days::{ClosedDays, PartnerNames};
use super::deals::{DealFacts, DealTally, amount_on};
use super::pipeline::open_amount_of;
use crate::engine::{Ctx, Window};
use crate::error::Result;

/// Whether `Engine::push_deals` folds metric `m` from the columns by [`fold_columnar`]: the
/// deal-outcome KPIs whose whole `observe` on a deal is their `fold` of [`DealFacts`]
/// (`pipeline` only without a pipeline definition, since stages need the stage history;
/// `channel_performance`, whose leads and spend still reach its `observe`; and
/// `lead_conversion_rate`, which reads no deal), and `training_impact`, whose `observe` on a
/// deal is [`ClosedDays`]' fold of a [`ClosedDeal`] (its course records still reach its
/// `observe`).
pub(crate) fn columnar_metric(m: crate::Metric, ctx: &Ctx) -> bool {
    use crate::Metric::*;
    match m {
        AvgDealSize | WonRevenue | DealCount | CloseRate | SalesCycleDays | SalesVelocity | AvgClosedDealSize | QualityScore => true,
        // deals won in the window and their revenue; the leads and spend still come one by one
        ChannelPerformance => true,
        // reads no deal
        LeadConversionRate => true,
        Pipeline => ctx.refs.pipeline.is_empty(),
        TrainingImpact => true,
        _ => false,
    }
}

/// What the metrics accepted by [`columnar_metric`] read from a deal: its [`DealFacts`]
/// (`facts`) with the amounts their own `observe` converts — the won amount at the close date,
/// the open amount at the day before the instant (a conversion can fail, so only the ones a
/// query needs are computed) — and its [`ClosedDeal`] (`closed`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TallyNeeds {
    pub facts: bool,
    pub won_amount: bool,
    pub open_amount: bool,
    /// Whether a deal open at a window's end counts there (the tallied metrics that read
    /// [`DealTally::open`](super::deals::DealTally): the pipeline and velocity); without it an
    /// open deal counts only where it was created (or closed), so it is not tried in every
    /// later window.
    pub open: bool,
    pub closed: bool,
    /// Whether the won deals' cycle lengths are summed (`sales_cycle_days`, `sales_velocity`).
    pub cycles: bool,
}

impl TallyNeeds {
    /// What `m` needs, added to `self`.
    pub(crate) fn with(self, m: crate::Metric) -> TallyNeeds {
        use crate::Metric::*;
        TallyNeeds {
            facts: self.facts || m != TrainingImpact,
            won_amount: self.won_amount
                || matches!(m, AvgDealSize | WonRevenue | AvgClosedDealSize | SalesVelocity | ChannelPerformance | QualityScore),
            open_amount: self.open_amount || m == Pipeline,
            open: self.open || matches!(m, Pipeline | SalesVelocity),
            closed: self.closed || m == TrainingImpact,
            cycles: self.cycles || matches!(m, SalesCycleDays | SalesVelocity),
        }
    }
}

impl DealFacts {
    /// The facts of deal `i` of `deals` in window `w`, with the amounts `needs` asks for:
    /// the same as [`DealFacts::of`](super::deals::DealFacts::of) (and the pipeline's open amount) on that deal as a
    /// [`crate::Deal`], read from the columns. `cycle_days`: the deal's `closed_on − created_on`
    /// in days (0 when open), the same in every window, so computed once per deal by the caller.
    ///
    /// An amount taken as it is ([`Ctx::as_is`]: no conversion, so no error) is written to
    /// `won_amount` and `open_amount` whatever the deal counts as; [`Tally::add`] keeps it only
    /// where the flag is set, by a mask. The flags are as random as the deals' statuses, so a
    /// branch on them here missed about every other time; a converted amount is still computed
    /// only where it counts (a rate can be missing).
    ///
    /// [`Tally::add`]: super::deal_sums::Tally::add
    #[inline]
    pub(crate) fn of_row(deals: &crate::Deals, i: usize, w: &Window, ctx: &Ctx, needs: TallyNeeds, cycle_days: i64) -> Result<DealFacts> {
        let (created, closed) = (deals.created_on(i), deals.closed_on(i));
        let instant = w.instant();
        let mut f = DealFacts::classify(deals.status(i), created, closed, |c| w.contains(c), instant, |_, _| cycle_days);
        f.open_at_end &= needs.open;
        if !(needs.won_amount || needs.open_amount) {
            return Ok(f);
        }
        let amount = deals.amount(i);
        match amount {
            Some(m) if ctx.as_is(&m) => {
                f.won_amount = m.amount;
                f.open_amount = needs.open_amount.then_some(m.amount);
            }
            _ => {
                if f.won && needs.won_amount {
                    f.won_amount = amount_on(amount, closed.unwrap_or(created), ctx)?;
                }
                if f.open_at_end && needs.open_amount {
                    f.open_amount = open_amount_of(amount, instant, ctx)?;
                }
            }
        }
        Ok(f)
    }
}

/// Folds a tally — the deals' facts summed (`f`) and the deals `training_impact` keeps, per
/// partner and day (`closed`, partners named by `names`) — into the state of a metric accepted
/// by [`columnar_metric`], with the same `fold` its `Kpi::observe` uses.
#[inline]
pub(crate) fn fold_columnar(state: &mut crate::engine::KpiState, f: &DealTally, closed: &ClosedDays, names: &PartnerNames) -> Result<bool> {
    use crate::engine::KpiState as S;
    match state {
        S::AvgDealSize(s) | S::WonRevenue(s) | S::AvgClosedDealSize(s) => s.fold(f),
        S::DealCount(s) => Ok(s.fold(f)),
        S::CloseRate(s) => Ok(s.fold(f)),
        S::SalesCycleDays(s) => Ok(s.fold(f)),
        S::SalesVelocity(s) => s.fold(f),
        S::Pipeline(s) => s.fold_open(f),
        S::TrainingImpact(s) => closed.fold_into(s, names),
        S::ChannelPerformance(s) => s.fold_deals(f),
        S::QualityScore(s) => s.fold(f),
        S::LeadConversionRate(_) => Ok(false),
        _ => Err(crate::Error::Query("internal: a metric outside the columnar set reached the columnar fold".into())),
    }
}
