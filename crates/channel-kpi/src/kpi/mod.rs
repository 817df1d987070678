//! Every KPI of the catalog, one module per family. Each KPI is a type implementing
//! [`crate::Kpi`]; the engine does grouping, buckets, roll-ups, comparison and merging.

pub mod common;
pub mod deals;
pub mod quality;
pub mod partners;
pub mod satisfaction;
pub mod training;
pub mod customer_success;
pub mod retention;
