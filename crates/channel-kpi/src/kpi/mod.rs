//! Every KPI of the catalog, one module per family. Each KPI is a type implementing
//! [`crate::engine::Kpi`]; the engine does grouping, buckets, roll-ups, comparison and merging.

pub mod account_edges;
mod account_log;
pub mod channels;
pub(crate) mod closed_days;
pub mod cohorts;
pub mod common;
pub mod customer_success;
pub(crate) mod day_sums;
pub mod deal_cycle;
pub(crate) mod deal_sums;
pub(crate) mod deal_tally;
pub mod deals;
pub(crate) mod exact_add;
pub mod forecast;
pub(crate) mod lead_tally;
pub mod movements;
pub mod partner_cohorts;
pub mod partners;
pub mod pipeline;
pub mod quality;
pub mod retention;
pub mod satisfaction;
pub mod stages;
pub(crate) mod survey_tally;
pub mod training;
pub mod training_impact;
