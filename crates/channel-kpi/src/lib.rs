//! # channel-kpi
//!
//! The KPIs of channel-partner management and the sales pipeline behind it, computed
//! exactly: deal size and count, close rate, pipeline and its change, stage durations,
//! velocity, quality score, marketing-channel performance, … (see [`Metric`] for every id and
//! `docs/kpis.md` for the formulas) — grouped by partner, employee, team, channel or any
//! dimension, over any period, with trends, roll-ups and comparisons.
//!
//! * Money is [`rust_decimal::Decimal`] with an ISO-4217 [`Currency`]; currencies never mix
//!   silently.
//! * Periods are half-open calendar-date ranges ([`Period`]).
//! * A KPI with no data is **absent** ([`Value::Absent`]), never 0 or NaN.
//! * One engine: every KPI folds records into mergeable, serializable partial states
//!   ([`Partial`]), so data can be split and combined exactly.
//!
//! ```
//! use channel_kpi::{Dataset, Deal, DealStatus, Dimension, Metric, Period, Query};
//! let day = |s: &str| s.parse().unwrap();
//! let mut data = Dataset::default();
//! for (id, partner, status, amount) in [("1", "acme", DealStatus::Won, "200"), ("2", "acme", DealStatus::Lost, "50"), ("3", "bolt", DealStatus::Won, "400")] {
//!     let mut d = Deal::new(id, day("2025-01-10"), status);
//!     d.partner_id = Some(partner.into());
//!     d.closed_on = Some(day("2025-02-01"));
//!     d.amount = Some(format!("{amount} USD").parse().unwrap());
//!     data.deals.push(d);
//! }
//! data.validate().unwrap();
//! let q = Query::new(vec![Metric::CloseRate, Metric::WonRevenue], Period::parse("2025-Q1").unwrap())
//!     .by(Dimension::Partner);
//! let t = data.run(&q).unwrap();
//! assert_eq!(t.get(&[Some("acme")], "close_rate").unwrap().as_f64(), Some(0.5));
//! assert_eq!(t.get(&[Some("bolt")], "won_revenue").unwrap().to_string(), "400");
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Errors carry a full `Location` (file, line, record, field, value); they are cold, so their
// size does not matter and boxing would only make every construction noisier.
#![allow(clippy::result_large_err)]

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod currency_codes;
pub mod dataset;
pub mod dataset_add;
mod dataset_leads;
mod dataset_subscriptions;
mod dataset_surveys;
pub mod domain;
pub mod engine;
pub mod error;
pub mod interrupt;
pub mod kpi;
pub mod load;
pub mod money;
pub mod period;
pub mod query_text;
pub mod stats;

pub use dataset::{Dataset, PART_MIN_RECORDS};
pub use dataset_add::PushIndex;
pub use domain::Surveys;
pub use domain::{
    Amendment, Channel, Contract, CostKind, CourseAttendance, Deal, DealKind, DealStatus, Deals, EngagementEvent, Lead, Leads, Onboarding,
    OrgTree, OrgUnit, Partner, PartnerStage, PartnerStages, PipelineDef, ProductUsage, ProgramCost, Referral, RegistrationStatus, Spend,
    StageDef, StageEntry, StageOutcome, SubscriptionMonth, Subscriptions, SupportTicket, SurveyKind, SurveyResponse, SurveyTopic, Target,
};
pub use engine::{
    Check, CohortBy, Column, ColumnKind, ColumnRole, Compare, Dimension, Engine, GroupComparison, GroupKey, Metric, Options, Part, Partial,
    Query, Record, Reference, ResultTable, TrainingMetric, Value, Window,
};
pub use error::{Error, Location, Result};
pub use money::{Currency, FxRate, FxTable, Money, RateDateRule};
pub use period::{Bucket, Period};

/// The README's Rust examples run as doc tests, so the front door stays true.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
