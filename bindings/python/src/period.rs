//! `Period`: a half-open range of calendar dates, as in the core.

use crate::errors::IntoPy;
use channel_kpi::Period;
use chrono::NaiveDate;
use pyo3::prelude::*;

/// A half-open date range `[start, end)`. Build it with `Period.parse("2025-Q1")`,
/// `Period.last_days(15, as_of=date(2025, 6, 30))` or `Period(start, end)`.
#[pyclass(frozen, eq, hash, module = "channel_kpi", name = "Period")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyPeriod(pub Period);

#[pymethods]
impl PyPeriod {
    /// `[start, end)`; `end` must be after `start`.
    #[new]
    fn new(start: NaiveDate, end: NaiveDate) -> PyResult<Self> {
        Period::new(start, end).py().map(PyPeriod)
    }
    /// `2025`, `2025-Q1`, `2025-03`, `2025-W07`, `2025-03-14`, `2025-01-01..2025-04-01`, `FY2025` …
    #[staticmethod]
    fn parse(text: &str) -> PyResult<Self> {
        Period::parse(text).py().map(PyPeriod)
    }
    /// The `n` days ending with `as_of` (inclusive): `[as_of − n + 1, as_of + 1)`.
    #[staticmethod]
    #[pyo3(signature = (n, *, as_of))]
    fn last_days(n: u32, as_of: NaiveDate) -> PyResult<Self> {
        Period::last_days(n, as_of).py().map(PyPeriod)
    }
    /// First day.
    #[getter]
    fn start(&self) -> NaiveDate {
        self.0.start()
    }
    /// Day after the last day.
    #[getter]
    fn end(&self) -> NaiveDate {
        self.0.end()
    }
    /// Last day (inclusive).
    #[getter]
    fn last_day(&self) -> NaiveDate {
        self.0.last_day()
    }
    /// Number of days.
    #[getter]
    fn days(&self) -> i64 {
        self.0.days()
    }
    /// Whether `day` is in the period.
    fn __contains__(&self, day: NaiveDate) -> bool {
        self.0.contains(day)
    }
    fn __str__(&self) -> String {
        self.0.to_string()
    }
    fn __repr__(&self) -> String {
        format!("Period('{}')", self.0)
    }
}
