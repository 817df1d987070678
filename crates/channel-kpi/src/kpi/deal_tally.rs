//! The deal-outcome KPIs as the columnar folds see them: which metrics fold from a deal's
//! [`DealFacts`] ([`columnar_metric`]), which amounts they convert ([`TallyNeeds`]), the facts
//! of one row of a [`crate::Deals`] table ([`DealFacts::of_row`]) and the fold itself
//! ([`fold_columnar`], the `fold` each KPI's own `observe` runs).

use super::deals::{DealFacts, DealTally, amount_on};
use super::pipeline::open_amount_of;
use crate::engine::{Ctx, Window};
use crate::error::Result;

/// Whether `Engine::push_deals` folds metric `m` from each deal's facts by [`fold_columnar`]:
/// the deal-outcome KPIs whose whole `observe` is their `fold` of [`DealFacts`] (`pipeline`
/// only without a pipeline definition, since stages need the stage history).
pub(crate) fn columnar_metric(m: crate::Metric, ctx: &Ctx) -> bool {
    use crate::Metric::*;
    match m {
        AvgDealSize | WonRevenue | DealCount | CloseRate | SalesCycleDays | SalesVelocity | AvgClosedDealSize => true,
        Pipeline => ctx.refs.pipeline.is_empty(),
        _ => false,
    }
}

/// The amounts a metric accepted by [`columnar_metric`] reads from a deal's facts, as its own
/// `observe` converts them: the won amount at the close date, the open amount at the day
/// before the instant (a conversion can fail, so only the ones a query needs are computed).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TallyNeeds {
    pub won_amount: bool,
    pub open_amount: bool,
}

impl TallyNeeds {
    /// What `m` needs, added to `self`.
    pub(crate) fn with(self, m: crate::Metric) -> TallyNeeds {
        use crate::Metric::*;
        TallyNeeds {
            won_amount: self.won_amount || matches!(m, AvgDealSize | WonRevenue | AvgClosedDealSize | SalesVelocity),
            open_amount: self.open_amount || m == Pipeline,
        }
    }
}

impl DealFacts {
    /// The facts of deal `i` of `deals` in window `w`, with the amounts `needs` asks for:
    /// the same as [`DealFacts::of`](super::deals::DealFacts::of) (and the pipeline's open amount) on that deal as a
    /// [`crate::Deal`], read from the columns.
    #[inline]
    pub(crate) fn of_row(deals: &crate::Deals, i: usize, w: &Window, ctx: &Ctx, needs: TallyNeeds) -> Result<DealFacts> {
        let (created, closed) = (deals.created_on(i), deals.closed_on(i));
        let instant = w.instant();
        let mut f = DealFacts::classify(deals.status(i), created, closed, |c| w.contains(c), instant, |a, b| (b - a).num_days());
        if f.won && needs.won_amount {
            f.won_amount = amount_on(deals.amount(i), closed.unwrap_or(created), ctx)?;
        }
        if f.open_at_end && needs.open_amount {
            f.open_amount = open_amount_of(deals.amount(i), instant, ctx)?;
        }
        Ok(f)
    }
}

/// Folds a tally into the state of a metric accepted by [`columnar_metric`], with the same
/// `fold` its `Kpi::observe` uses.
#[inline]
pub(crate) fn fold_columnar(state: &mut crate::engine::KpiState, f: &DealTally) -> Result<bool> {
    use crate::engine::KpiState as S;
    match state {
        S::AvgDealSize(s) | S::WonRevenue(s) | S::AvgClosedDealSize(s) => s.fold(f),
        S::DealCount(s) => Ok(s.fold(f)),
        S::CloseRate(s) => Ok(s.fold(f)),
        S::SalesCycleDays(s) => Ok(s.fold(f)),
        S::SalesVelocity(s) => s.fold(f),
        S::Pipeline(s) => s.fold_open(f),
        _ => Err(crate::Error::Query("internal: a metric outside the columnar set reached the columnar fold".into())),
    }
}
