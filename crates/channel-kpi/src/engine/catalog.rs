//! THE list of metrics: one line per KPI (variant, catalog id, family, the type implementing
//! [`super::Kpi`], one-line description). Adding a KPI = writing its module in `crate::kpi` and
//! adding one line here.
//!
//! The list is a macro that hands its lines to another macro, so the two layers built from it
//! stay one-directional: `metric.rs` makes the [`super::Metric`] ids (below the query, which
//! names metrics; it ignores the types), `registry.rs` the states and the dispatch to each
//! KPI's code (above the `Kpi` trait).

/// Calls `$then! { Variant => "id", "family", Type, "description"; … }` with every metric, in
/// catalog order.
macro_rules! catalog {
    ($then:ident) => {
        $then! {
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
    };
}
pub(crate) use catalog;
