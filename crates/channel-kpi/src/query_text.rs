//! [`QueryText`]: a [`Query`] written as strings, as a command line or a form gives it, and
//! the named metric presets (`scorecard`, `deals`, `pipeline`, `channels`, `partners`,
//! `training`, `satisfaction`, `customers`).
//!
//! ```
//! use channel_kpi::query_text::QueryText;
//! let q = QueryText {
//!     metrics: vec!["close_rate,avg_deal_size".into()],
//!     by: vec!["partner".into()],
//!     period: "2025".into(),
//!     buckets: Some("quarter".into()),
//!     compare: Some("year_ago".into()),
//!     ..Default::default()
//! }
//! .to_query()
//! .unwrap();
//! assert_eq!(q.metrics.len(), 2);
//! assert_eq!(q.period.to_string(), "2025-01-01..2026-01-01");
//! assert!(QueryText { metrics: vec!["close_rat".into()], period: "2025".into(), ..Default::default() }.to_query().is_err());
//! ```

use crate::engine::{Compare, Dimension, Metric, Query};
use crate::error::{Error, Result};
use crate::money::Currency;
use crate::period::{Bucket, Period, parse_date_iso};
use serde::{Deserialize, Serialize};

/// The default metrics of a partner scorecard, by id. Ids not (yet) in the registry are
/// skipped, so the list grows with the registry (`pipeline` appears once it exists).
pub const SCORECARD: &[&str] =
    &["deal_count", "won_revenue", "avg_deal_size", "close_rate", "sales_cycle_days", "sales_velocity", "quality_score", "pipeline"];

/// The columns a partner scorecard shows in a terminal (the other columns of the scorecard
/// metrics stay available with `--format csv|json` or `--columns`).
pub const SCORECARD_COLUMNS: &[&str] = &[
    "won_count",
    "lost_count",
    "won_revenue",
    "avg_deal_size",
    "close_rate",
    "close_rate_n",
    "sales_cycle_days",
    "sales_velocity",
    "pipeline_value",
    "quality_score",
    "quality_rank",
];

/// Default metrics of the `deals` family view (not `close_rate_seasonality`, which needs its
/// own cyclic buckets, nor `deal_success_rate`, which needs a pipeline with a qualified stage).
pub const DEALS: &[&str] = &[
    "deal_count",
    "won_revenue",
    "avg_deal_size",
    "median_deal_size",
    "close_rate",
    "sales_cycle_days",
    "sales_velocity",
    "upsell_rate",
    "new_net_revenue",
];

/// Default metrics of the `pipeline` family view.
pub const PIPELINE: &[&str] = &["pipeline", "pipeline_change", "pipeline_aging", "stage_duration", "stage_funnel"];

/// Default metrics of the `channels` family view.
pub const CHANNELS: &[&str] = &["channel_performance"];

/// Default metrics of the partner-program view.
pub const PARTNERS: &[&str] = &[
    "partner_count_change",
    "partner_revenue",
    "registered_deals",
    "avg_closed_deal_size",
    "time_to_close",
    "courses_per_partner",
    "partner_csat",
];

/// Default metrics of the training view: does training pay off?
pub const TRAINING: &[&str] = &["training_impact", "courses_per_partner"];

/// Default metrics of the satisfaction view.
pub const SATISFACTION: &[&str] = &["partner_csat", "partner_satisfaction"];

/// Default metrics of the customer-success view.
pub const CUSTOMERS: &[&str] = &[
    "portfolio_growth",
    "mrr_retention",
    "account_retention",
    "referrals",
    "product_adoption",
    "support_tickets",
    "onboarding_time",
    "monthly_engagement",
];

/// Default metrics of the subscriptions view.
pub const SUBSCRIPTIONS: &[&str] = &["mrr_movements", "mrr_retention", "account_retention", "portfolio_growth"];

/// Default metrics of the cohorts view.
pub const COHORTS: &[&str] = &["cohorts"];

/// The metrics of a named preset (`scorecard`, `deals`, `pipeline`, `channels`) that this
/// build knows; an error when none is available.
pub fn preset(name: &str) -> Result<Vec<Metric>> {
    let ids = match name {
        "scorecard" => SCORECARD,
        "deals" => DEALS,
        "pipeline" => PIPELINE,
        "channels" => CHANNELS,
        "partners" => PARTNERS,
        "training" => TRAINING,
        "satisfaction" => SATISFACTION,
        "customers" => CUSTOMERS,
        "subscriptions" => SUBSCRIPTIONS,
        "cohorts" => COHORTS,
        other => {
            return Err(Error::Query(format!(
                "unknown preset {other:?}; expected scorecard, deals, pipeline, channels, partners, training, satisfaction, customers, subscriptions or cohorts"
            )));
        }
    };
    let metrics: Vec<Metric> = ids.iter().filter_map(|id| id.parse().ok()).collect();
    if metrics.is_empty() {
        return Err(Error::Query(format!("no {name} metric is available in this version (looked for {})", ids.join(", "))));
    }
    Ok(metrics)
}

/// A query as text. Every list entry may itself be comma-separated (`"close_rate,won_revenue"`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueryText {
    /// Metric ids.
    pub metrics: Vec<String>,
    /// Grouping dimensions (`partner`, `org:team`, `attr:segment`, …).
    pub by: Vec<String>,
    /// A period string (`2025`, `2025-Q1`, `2025-03`, `2025-01-01..2025-04-01`, `FY2025`).
    pub period: String,
    /// A bucket name (`month`, `quarter`, …).
    pub buckets: Option<String>,
    /// `previous`, `year_ago`, or a period to compare with.
    pub compare: Option<String>,
    /// Subtotal and total rows.
    pub rollup: bool,
    /// `YYYY-MM-DD`.
    pub as_of: Option<String>,
    /// Reporting currency (ISO-4217).
    pub currency: Option<String>,
}

fn split(items: &[String]) -> impl Iterator<Item = &str> {
    items.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty())
}

impl QueryText {
    /// Parses every part; the error names the part and the value.
    pub fn to_query(&self) -> Result<Query> {
        self.build(None)
    }

    /// Like [`QueryText::to_query`], with the metrics of [`preset`] `name` when none are given.
    pub fn to_query_with_preset(&self, name: &str) -> Result<Query> {
        self.build(Some(name))
    }

    fn build(&self, preset_name: Option<&str>) -> Result<Query> {
        let mut metrics = split(&self.metrics).map(str::parse).collect::<Result<Vec<Metric>>>()?;
        if let (true, Some(name)) = (metrics.is_empty(), preset_name) {
            metrics = preset(name)?;
        }
        let period = Period::parse(&self.period)?;
        let mut q = Query::new(metrics, period);
        q.group_by = split(&self.by).map(str::parse).collect::<Result<Vec<Dimension>>>()?;
        q.buckets = self.buckets.as_deref().map(str::parse::<Bucket>).transpose()?;
        q.compare_to = self.compare.as_deref().map(str::parse::<Compare>).transpose()?;
        q.rollup = self.rollup;
        q.as_of = self.as_of.as_deref().map(parse_date_iso).transpose().map_err(|e| Error::Query(format!("as_of: {e}")))?;
        q.currency = self.currency.as_deref().map(Currency::new).transpose()?;
        q.normalized()?;
        Ok(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_keep_only_known_metrics() {
        let s = preset("scorecard").unwrap();
        assert_eq!(s[0], Metric::DealCount);
        assert!(s.iter().all(|m| SCORECARD.contains(&m.id())));
        assert!(preset("deals").unwrap().contains(&Metric::UpsellRate));
        assert!(preset("nope").is_err());
        let q = QueryText { period: "2025".into(), ..Default::default() }.to_query_with_preset("deals").unwrap();
        assert_eq!(q.metrics, preset("deals").unwrap());
    }

    #[test]
    fn every_part_is_parsed_or_named() {
        let base = QueryText { metrics: vec!["close_rate".into()], period: "2025".into(), ..Default::default() };
        let q = QueryText { by: vec!["partner, org:team".into()], rollup: true, as_of: Some("2026-01-15".into()), ..base.clone() }
            .to_query()
            .unwrap();
        assert_eq!(q.group_by, vec![Dimension::Partner, Dimension::Org("team".into())]);
        assert_eq!(q.as_of.unwrap().to_string(), "2026-01-15");
        for bad in [
            QueryText { period: "2025-Q5".into(), ..base.clone() },
            QueryText { buckets: Some("fortnight".into()), ..base.clone() },
            QueryText { compare: Some("last".into()), ..base.clone() },
            QueryText { as_of: Some("15/01/2026".into()), ..base.clone() },
            QueryText { currency: Some("EURO".into()), ..base.clone() },
            QueryText { by: vec!["planet".into()], ..base.clone() },
            QueryText { metrics: vec![], ..base.clone() },
        ] {
            assert!(bad.to_query().is_err(), "{bad:?}");
        }
    }
}
