//! The metric registry: the one list that maps a metric id to the code computing it.
//! Adding a KPI = writing its module in `crate::kpi` and adding one line here.

use super::kpi::{Ctx, Kpi, LongRows, Merge};
use super::record::Record;
use super::table::{ColumnSpec, Value};
use super::window::Window;
use crate::error::{Error, Result};
use crate::kpi;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! registry {
    ($($variant:ident => $id:literal, $family:literal, $ty:ty, $doc:literal;)+) => {
        /// Every KPI, by catalog id (`avg_deal_size`, …). The id is the text form used in
        /// queries, files, the CLI and the bindings.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[non_exhaustive]
        pub enum Metric {
            $(#[doc = $doc] $variant,)+
        }

        impl Metric {
            /// Every metric, in catalog order.
            pub const ALL: &'static [Metric] = &[$(Metric::$variant),+];
            /// The catalog id.
            pub fn id(&self) -> &'static str {
                match self { $(Metric::$variant => $id),+ }
            }
            /// The catalog family (`deals`, `pipeline`, `channels`, …).
            pub fn family(&self) -> &'static str {
                match self { $(Metric::$variant => $family),+ }
            }
            /// One-line description.
            pub fn description(&self) -> &'static str {
                match self { $(Metric::$variant => $doc),+ }
            }
            pub(crate) fn needs_previous(&self) -> bool {
                match self { $(Metric::$variant => <$ty as Kpi>::NEEDS_PREVIOUS),+ }
            }
            /// Whether the metric adds or compares amounts, so they must share one currency
            /// (or the query converts them); `false` for counts, rates of counts and durations.
            pub fn combines_amounts(&self) -> bool {
                match self { $(Metric::$variant => <$ty as Kpi>::COMBINES_AMOUNTS),+ }
            }
            pub(crate) fn ranks_known_keys_only(&self) -> bool {
                match self { $(Metric::$variant => <$ty as Kpi>::RANKS_KNOWN_KEYS_ONLY),+ }
            }
            pub(crate) fn new_state(&self) -> KpiState {
                match self { $(Metric::$variant => KpiState::$variant(Default::default())),+ }
            }
            pub(crate) fn columns(&self, ctx: &Ctx) -> Result<Vec<ColumnSpec>> {
                match self { $(Metric::$variant => <$ty as Kpi>::columns(ctx)),+ }
            }
            /// Key columns of a long result (empty: one row per group).
            pub fn row_keys(&self) -> Vec<ColumnSpec> {
                match self { $(Metric::$variant => <$ty as Kpi>::row_keys()),+ }
            }
            pub(crate) fn finish_long(&self, states: &[&KpiState], w: &Window, ctx: &Ctx) -> Result<LongRows> {
                match self {
                    $(Metric::$variant => {
                        let inner: Vec<_> = states.iter().map(|s| match s {
                            KpiState::$variant(x) => Ok(x),
                            _ => Err(Error::Merge(format!("state of another metric given to {}", $id))),
                        }).collect::<Result<_>>()?;
                        <$ty as Kpi>::finish_long(&inner, w, ctx)
                    })+
                }
            }
            pub(crate) fn finish(&self, states: &[&KpiState], w: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
                match self {
                    $(Metric::$variant => {
                        let inner: Vec<_> = states.iter().map(|s| match s {
                            KpiState::$variant(x) => Ok(x),
                            _ => Err(Error::Merge(format!("state of another metric given to {}", $id))),
                        }).collect::<Result<_>>()?;
                        <$ty as Kpi>::finish(&inner, w, ctx)
                    })+
                }
            }
        }

        /// The partial state of one metric in one cell (serializable, mergeable).
        #[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[allow(missing_docs)]
        pub enum KpiState {
            $($variant(<$ty as Kpi>::State),)+
        }

        impl KpiState {
            /// The metric this state belongs to.
            pub fn metric(&self) -> Metric {
                match self { $(KpiState::$variant(_) => Metric::$variant),+ }
            }
            pub(crate) fn observe(&mut self, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
                match self { $(KpiState::$variant(s) => <$ty as Kpi>::observe(s, rec, w, ctx)),+ }
            }
        }

        impl super::Check for KpiState {
            fn check(&self) -> std::result::Result<(), String> {
                match self { $(KpiState::$variant(s) => s.check()),+ }
            }
        }

        impl Merge for KpiState {
            fn merge(&mut self, other: &Self) -> Result<()> {
                match (self, other) {
                    $((KpiState::$variant(a), KpiState::$variant(b)) => a.merge(b),)+
                    #[allow(unreachable_patterns)]
                    _ => Err(Error::Merge("states of different metrics".into())),
                }
            }
        }

        impl FromStr for Metric {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                let t = s.trim().to_ascii_lowercase();
                match t.as_str() {
                    $($id => Ok(Metric::$variant),)+
                    _ => Err(Error::Query(format!("unknown metric {s:?}; known: {}", Metric::ALL.iter().map(|m| m.id()).collect::<Vec<_>>().join(", ")))),
                }
            }
        }
    };
}

registry! {
    AvgDealSize => "avg_deal_size", "deals", kpi::deals::AvgDealSize, "Average won deal size: Σ amount of deals won in the period ÷ their count.";
    MedianDealSize => "median_deal_size", "deals", kpi::deals::MedianDealSize, "Median amount of deals won in the period.";
    DealCount => "deal_count", "deals", kpi::deals::DealCount, "Deals won, lost and created in the period.";
    WonRevenue => "won_revenue", "deals", kpi::deals::WonRevenue, "Σ amount of deals won in the period.";
    CloseRate => "close_rate", "deals", kpi::deals::CloseRate, "Won ÷ (won + lost), both closed in the period, with a Wilson interval.";
    LeadConversionRate => "lead_conversion_rate", "deals", kpi::deals::LeadConversionRate, "Leads created in the period that became a won deal by as_of ÷ leads created in the period.";
    CloseRateSeasonality => "close_rate_seasonality", "deals", kpi::deals::CloseRateSeasonality, "Close rate per month (or quarter) of the year, pooled across years.";
    SalesCycleDays => "sales_cycle_days", "deals", kpi::deals::SalesCycleDays, "Mean and median of closed_on − created_on (days) over deals won in the period.";
    SalesVelocity => "sales_velocity", "deals", kpi::deals::SalesVelocity, "Open deals at period end × close rate × average deal size ÷ average cycle days: money per day.";
    QualityScore => "quality_score", "deals", kpi::quality::QualityScore, "0–100 score from percentile ranks of deals won and revenue won among peers, with rank and previous-period score.";
    DealSuccessRate => "deal_success_rate", "deals", kpi::deals::DealSuccessRate, "Deals won ÷ deals closed in the period that reached the qualified stage.";
    UpsellRate => "upsell_rate", "deals", kpi::deals::UpsellRate, "Won upsell deals ÷ all won deals in the period, by count and by revenue.";
    NewNetRevenue => "new_net_revenue", "deals", kpi::deals::NewNetRevenue, "Revenue won in the period from deals of kind new.";
    Pipeline => "pipeline", "pipeline", kpi::pipeline::Pipeline, "Deals open at the end of the period: count, value, weighted value, value per stage.";
    PipelineCoverage => "pipeline_coverage", "pipeline", kpi::pipeline::PipelineCoverage, "Pipeline value ÷ target and won value ÷ target.";
    PipelineChange => "pipeline_change", "pipeline", kpi::pipeline::PipelineChange, "Pipeline movement between the start and end of the period: added, won, lost, advanced, moved back, slipped, value change.";
    PipelineAging => "pipeline_aging", "pipeline", kpi::pipeline::PipelineAging, "Open deals older than N days or past expected close; deals lost to a competitor.";
    StageDuration => "stage_duration", "pipeline", kpi::stages::StageDuration, "Days spent in each pipeline stage (mean, median); current stays of open deals apart.";
    StageFunnel => "stage_funnel", "pipeline", kpi::stages::StageFunnel, "Share of deals created in the period that reached each stage, and stage-to-stage conversion.";
    ChannelPerformance => "channel_performance", "channels", kpi::channels::ChannelPerformance, "Leads, won deals, conversion, revenue, share of revenue, cost per lead / acquisition and ROI per channel and source.";
    PartnerCountChange => "partner_count_change", "partners", kpi::partners::PartnerCountChange, "Partners active at start and end, joined, left, net change and churn rate.";
    PartnerRevenue => "partner_revenue", "partners", kpi::partners::PartnerRevenue, "Won revenue per partner, share of total, program cost and ROI, with the previous period.";
    PartnerStageInfluence => "partner_stage_influence", "partners", kpi::partners::PartnerStageInfluence, "Per sales-cycle stage: share of closed deals and value with partner involvement, win rate with vs without.";
    RegisteredDeals => "registered_deals", "partners", kpi::partners::RegisteredDeals, "Deals registered in the period (approved, rejected, open), active registrations, registered-to-won rate.";
    AvgClosedDealSize => "avg_closed_deal_size", "partners", kpi::partners::AvgClosedDealSize, "Average won deal size (avg_deal_size) for the partner view.";
    TimeToClose => "time_to_close", "partners", kpi::partners::TimeToClose, "Mean and median days from creation to win (sales_cycle_days) for the partner view.";
    CoursesPerPartner => "courses_per_partner", "partners", kpi::training::CoursesPerPartner, "Distinct courses attended and completed per partner; participation rate among active partners.";
    PartnerCsat => "partner_csat", "partners", kpi::satisfaction::PartnerCsat, "Customer satisfaction with partners: CSAT % (answers ≥ threshold), mean score, and NPS.";
    PartnerSatisfaction => "partner_satisfaction", "partners", kpi::satisfaction::PartnerSatisfaction, "Partners' satisfaction with the program: answers and mean per topic, score distribution.";
    PortfolioGrowth => "portfolio_growth", "customer_success", kpi::retention::PortfolioGrowth, "Accounts and MRR at start and end of the period and their growth rates.";
    MrrRetention => "mrr_retention", "customer_success", kpi::retention::MrrRetention, "Net and gross revenue retention of the accounts active at the start, with expansion, contraction, churn and new MRR.";
    AccountRetention => "account_retention", "customer_success", kpi::retention::AccountRetention, "Accounts active at the start and still active at the end ÷ accounts active at the start.";
    MrrMovements => "mrr_movements", "customer_success", kpi::movements::MrrMovements, "MRR movements per month summed over the period: new, expansion, contraction, churn, reactivation, net new MRR, ARR, quick ratio, logo and MRR churn rates.";
    Referrals => "referrals", "customer_success", kpi::customer_success::Referrals, "Referrals made in the period and the share whose referred account became a customer.";
    ProductAdoption => "product_adoption", "customer_success", kpi::customer_success::ProductAdoption, "Share of accounts active in the product; users and features per active account.";
    SupportTickets => "support_tickets", "customer_success", kpi::customer_success::SupportTickets, "Tickets opened per account and ticket resolution days.";
    OnboardingTime => "onboarding_time", "customer_success", kpi::customer_success::OnboardingTime, "Days from contract to onboarding complete: mean, median; onboardings in progress.";
    Cohorts => "cohorts", "cohorts", kpi::cohorts::Cohorts, "Customers by first month with MRR (or a date column: options.cohort_by = attr:COLUMN): logo and revenue retention per cohort and age in months (a long table: cohort, age, values).";
    PartnerCohorts => "partner_cohorts", "cohorts", kpi::partner_cohorts::PartnerCohorts, "Partners by join quarter (or first deal / first win: options.cohort_by): share still in the program and their won revenue per quarter since, against the first quarter (a long table: cohort, age, values).";
    MonthlyEngagement => "monthly_engagement", "customer_success", kpi::customer_success::MonthlyEngagement, "Engagement events per active account per month.";
    TrainingImpact => "training_impact", "partners", kpi::training_impact::TrainingImpact, "A KPI in equal windows before and after each partner's course completion, against untrained partners (difference-in-differences), with a seeded bootstrap interval.";
    StageWinRate => "stage_win_rate", "forecast", kpi::forecast::StageWinRate, "Stage-to-win probability per open stage, learned from the deals closed in the period, shrunk toward the pooled rate, with Wilson intervals and the static probability.";
    Forecast => "forecast", "forecast", kpi::forecast::Forecast, "Expected wins and won value of the pipeline open at the period's start, with learned and static probabilities and intervals; what it actually won.";
    ForecastBacktest => "forecast_backtest", "forecast", kpi::forecast::ForecastBacktest, "The forecast made at the start of each past quarter (options.forecast_horizon) against what closed: error, bias and interval coverage, learned vs static.";
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
impl TryFrom<String> for Metric {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}
impl From<Metric> for String {
    fn from(m: Metric) -> String {
        m.id().to_string()
    }
}
