//! `channel_kpi._native`: the compiled half of the `channel_kpi` Python package. Thin: type
//! and error conversion around the core engine (`channel-kpi`); the Python package on top
//! only detects DataFrame kinds and converts results back to them.

// Core errors carry a full Location and are cold; same allowance as the core crate.
#![allow(clippy::result_large_err)]

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod dataset;
mod errors;
mod partial;
mod period;
mod results;
mod tables;

use channel_kpi::Metric;
use errors::IntoPy;
use pyo3::prelude::*;

/// `(id, family, description)` of every KPI, in catalog order.
#[pyfunction]
fn metrics() -> Vec<(&'static str, &'static str, &'static str)> {
    Metric::ALL.iter().map(|m| (m.id(), m.family(), m.description())).collect()
}

/// The metric ids of a named preset: `scorecard`, `deals`, `pipeline`, `channels`.
#[pyfunction]
fn preset(name: &str) -> PyResult<Vec<&'static str>> {
    Ok(channel_kpi::query_text::preset(name).py()?.iter().map(|m| m.id()).collect())
}

/// The record kinds the loader takes, in loading order (`org_units`, `partners`, …, `usage`).
#[pyfunction]
fn record_kinds() -> Vec<&'static str> {
    channel_kpi::load::RecordKind::ALL.iter().map(|k| k.name()).collect()
}

/// A deliberate panic, for the test that every panic reaches Python as `InternalError` (a
/// `ChannelKpiError`), through the same guard every entry point uses.
#[pyfunction]
fn _panic(py: Python<'_>, message: &str) -> PyResult<()> {
    errors::guard(py, || panic!("{message}"))
}

/// The library's version (`channel_kpi.__version__`).
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Decimal places of money columns in result tables (`decimal128(38, 6)`).
const MONEY_SCALE: i8 = channel_kpi::arrow::MONEY_SCALE;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<period::PyPeriod>()?;
    m.add_class::<dataset::PyDataset>()?;
    m.add_class::<results::PyResultTable>()?;
    m.add_class::<partial::PyPartial>()?;
    m.add_class::<partial::PyReference>()?;
    m.add_function(wrap_pyfunction!(partial::fold_tables, m)?)?;
    m.add_function(wrap_pyfunction!(partial::fold_deals, m)?)?;
    m.add_function(wrap_pyfunction!(partial::fold_deal_stream, m)?)?;
    m.add_function(wrap_pyfunction!(dataset::run_files, m)?)?;
    m.add_function(wrap_pyfunction!(dataset::run_tables, m)?)?;
    m.add_function(wrap_pyfunction!(metrics, m)?)?;
    m.add_function(wrap_pyfunction!(preset, m)?)?;
    m.add_function(wrap_pyfunction!(record_kinds, m)?)?;
    m.add_function(wrap_pyfunction!(_panic, m)?)?;
    m.add("MONEY_SCALE", MONEY_SCALE)?;
    m.add("__version__", VERSION)?;
    Ok(())
}
