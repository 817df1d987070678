//! The one engine every KPI runs through.
//!
//! A [`Query`] names metrics, a period, grouping dimensions, optional time buckets and an
//! optional comparison. The engine turns the period into [`Window`]s, routes every record to
//! the cells `(window, group)` it belongs to, and lets each KPI fold the record into its own
//! partial state. Partial states merge associatively and serialize ([`Partial`]), so data can
//! be split, processed anywhere and combined exactly. [`Partial::finish`] turns the states
//! into a [`ResultTable`]: one row per group and bucket, one column per KPI value.
//!
//! ```
//! use channel_kpi::{Dataset, Deal, DealStatus, Metric, Period, Query};
//! use chrono::NaiveDate;
//! let day = |s: &str| s.parse::<NaiveDate>().unwrap();
//! let mut data = Dataset::default();
//! for (id, amount) in [("A", "200"), ("B", "400")] {
//!     let mut d = Deal::new(id, day("2025-06-01"), DealStatus::Won);
//!     d.closed_on = Some(day("2025-06-20"));
//!     d.amount = Some(format!("{amount} USD").parse().unwrap());
//!     data.deals.push(d);
//! }
//! let period = Period::last_days(15, day("2025-06-30")).unwrap();
//! let table = data.run(&Query::new(vec![Metric::AvgDealSize], period)).unwrap();
//! assert_eq!(table.value(0, "avg_deal_size").unwrap().to_string(), "300");
//! ```

// Layered: each module uses only modules of lower layers (docs/architecture.md;
// `python3 scripts/module_deps.py crates/channel-kpi/src/engine` checks it).
mod accounts;
mod binary;
mod catalog;
pub(crate) mod check;
mod coverage;
mod day_counts;
mod day_segments;
mod deal_groups;
mod deal_rows;
mod dimension;
mod fingerprint;
mod finish;
mod finish_long;
mod format;
mod group_cache;
mod groups;
mod kpi;
mod lead_rows;
mod metric;
mod partial;
mod plan;
mod query;
mod record;
mod registry;
mod rows;
mod subscription_rows;
mod subscription_split;
mod survey_rows;
mod table;
mod window;
mod window_spans;

pub use check::Check;
pub use coverage::{Coverage, Part};
#[cfg(feature = "parquet")]
pub(crate) use deal_rows::DEAL_TEXTS;
pub use dimension::{DimValue, Dimension};
pub use groups::GroupKey;
pub use kpi::{Ctx, Kpi, LongRow, LongRows, Merge, each};
pub use metric::Metric;
pub use partial::{Engine, Partial};
pub(crate) use partial::{check_currency, check_deal_currency, one_deal_currency};
pub use query::{CohortBy, Compare, Options, Query, TrainingMetric};
pub use record::{Record, Reference};
pub use registry::KpiState;
pub(crate) use subscription_split::GroupSplit;
pub use table::{Column, ColumnKind, ColumnRole, ColumnSpec, GroupComparison, ResultTable, Value};
pub use window::Window;
