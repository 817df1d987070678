//! `Dataset` and the query entry point: records in (JSON or Arrow tables), a JSON query, a
//! result table out. Computation runs with the GIL released.

use crate::errors::{IntoPy, detached, guard};
use crate::results::PyResultTable;
use crate::tables;
use channel_kpi::load::{LoadOptions, LoadReport, Mapping};
use channel_kpi::{Dataset, Query};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::Arc;

/// Validated records of one analysis, ready to query many times.
#[pyclass(frozen, module = "channel_kpi._native", name = "Dataset")]
pub struct PyDataset {
    pub data: Arc<Dataset>,
    /// With `collect_errors`: one exception per bad row that was skipped.
    pub bad_rows: Vec<Py<PyAny>>,
}

impl PyDataset {
    fn new(data: Dataset) -> Self {
        PyDataset { data: Arc::new(data), bad_rows: Vec::new() }
    }
    /// The dataset and, in collect mode, its bad rows as exceptions.
    fn with_report(py: Python<'_>, data: Dataset, report: LoadReport) -> PyResult<Self> {
        let bad_rows = report.errors.iter().map(|e| crate::errors::exception(py, e)).collect::<PyResult<_>>()?;
        Ok(PyDataset { data: Arc::new(data), bad_rows })
    }
}

fn mapping(text: Option<&str>) -> PyResult<Mapping> {
    text.map_or(Ok(Mapping::default()), |t| Mapping::from_json_str(t).py())
}

#[pymethods]
impl PyDataset {
    /// The JSON form of the core's Dataset (`{"deals": [...], "leads": [...], ...}`), validated.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let text = text.to_string();
        let data = detached(py, move || Dataset::from_json(&text))?;
        Ok(PyDataset::new(data))
    }
    /// Tables by kind (`{"deals": df, "leads": df, ...}`) through an optional mapping (the
    /// JSON mapping of the CSV loader: renames, value maps, date formats, defaults, attrs,
    /// lookups). A lookup's `file` is the table given for the kind whose mapping names that
    /// file, or one of `lookups` (`{"file name": table}`). `collect_errors` skips bad rows and
    /// keeps one exception per row in `errors`.
    #[staticmethod]
    #[pyo3(signature = (tables, mapping_json = None, collect_errors = false, lookups = None))]
    fn from_tables(
        py: Python<'_>,
        tables: &Bound<'_, PyDict>,
        mapping_json: Option<&str>,
        collect_errors: bool,
        lookups: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        guard(py, || {
            let m = mapping(mapping_json)?;
            let (sources, memory) = tables::sources(tables, lookups)?;
            let opts = LoadOptions { collect_errors, memory_tables: memory, ..LoadOptions::default() };
            let (data, report) = detached(py, move || channel_kpi::arrow::load_tables(sources, &m, &opts))?;
            PyDataset::with_report(py, data, report)
        })
    }
    /// CSV / JSON Lines files and directories of them (canonical names such as `deals.csv`, or
    /// the files a mapping names), read by the core's loader. `max_line_bytes` (default 1 MiB)
    /// rejects a longer line without reading the rest of the file; `collect_errors` reads
    /// every row, skips the bad ones and keeps one exception per bad row in `errors`.
    #[staticmethod]
    #[pyo3(signature = (paths, mapping_json = None, max_line_bytes = None, collect_errors = false))]
    fn from_files(
        py: Python<'_>,
        paths: Vec<std::path::PathBuf>,
        mapping_json: Option<&str>,
        max_line_bytes: Option<usize>,
        collect_errors: bool,
    ) -> PyResult<Self> {
        let m = mapping(mapping_json)?;
        let mut opts = LoadOptions { collect_errors, ..LoadOptions::default() };
        if let Some(n) = max_line_bytes {
            opts.max_line_bytes = n;
        }
        let (data, report) = detached(py, move || channel_kpi::load::load_paths(&paths, &m, &opts))?;
        PyDataset::with_report(py, data, report)
    }
    /// Runs a query given in the core's JSON form (`{"metrics": [...], "period": "2025", ...}`).
    fn run(&self, py: Python<'_>, query_json: &str) -> PyResult<PyResultTable> {
        let q = Query::from_json(query_json).py()?;
        let data = self.data.clone();
        // every constructor validated the records, and Python cannot change them
        let table = detached(py, move || data.run_checked(&q))?;
        Ok(PyResultTable { table })
    }
    /// The bad rows skipped in collect mode, one exception each (file, line or row, column,
    /// value); empty otherwise.
    #[getter]
    fn errors(&self, py: Python<'_>) -> Vec<Py<PyAny>> {
        self.bad_rows.iter().map(|e| e.clone_ref(py)).collect()
    }
    /// The JSON form.
    fn to_json(&self) -> String {
        self.data.to_json()
    }
    /// Records per kind: `[("deals", n), ("leads", n), …]` for every fact-record kind and
    /// the partners (org units, pipeline stages and exchange rates are reference data).
    fn counts(&self) -> Vec<(&'static str, usize)> {
        let d = &self.data;
        vec![
            ("deals", d.deals.len()),
            ("leads", d.leads.len()),
            ("targets", d.targets.len()),
            ("spend", d.spend.len()),
            ("partners", d.refs.partners.len()),
            ("courses", d.courses.len()),
            ("surveys", d.surveys.len()),
            ("program_costs", d.program_costs.len()),
            ("subscriptions", d.subscriptions.len()),
            ("contracts", d.contracts.len()),
            ("tickets", d.tickets.len()),
            ("onboarding", d.onboarding.len()),
            ("engagement", d.engagement.len()),
            ("referrals", d.referrals.len()),
            ("usage", d.usage.len()),
        ]
    }
    fn __repr__(&self) -> String {
        let bad = if self.bad_rows.is_empty() { String::new() } else { format!(", {} bad rows skipped", self.bad_rows.len()) };
        format!("<channel_kpi Dataset: {} deals, {} leads{bad}>", self.data.deals.len(), self.data.leads.len())
    }
}

/// Runs a query on tables by kind (as `Dataset.from_tables` takes them), deals tables folded
/// into the query as they are read (`load::run_tables`: no Dataset is built; results and
/// errors are those of `Dataset.from_tables` then `run`). With `collect_errors`, bad rows are
/// skipped and returned as exceptions beside the table.
#[pyfunction]
#[pyo3(signature = (tables, query_json, mapping_json = None, collect_errors = false, lookups = None))]
pub fn run_tables(
    py: Python<'_>,
    tables: &Bound<'_, PyDict>,
    query_json: &str,
    mapping_json: Option<&str>,
    collect_errors: bool,
    lookups: Option<&Bound<'_, PyDict>>,
) -> PyResult<(PyResultTable, Vec<Py<PyAny>>)> {
    guard(py, || {
        let m = mapping(mapping_json)?;
        let q = Query::from_json(query_json).py()?;
        let (sources, memory) = tables::sources(tables, lookups)?;
        let opts = LoadOptions { collect_errors, memory_tables: memory, ..LoadOptions::default() };
        let (table, report) = detached(py, move || channel_kpi::load::run_tables(sources, &m, &opts, &q))?;
        let bad_rows = report.errors.iter().map(|e| crate::errors::exception(py, e)).collect::<PyResult<_>>()?;
        Ok((PyResultTable { table }, bad_rows))
    })
}

/// Runs a query (the core's JSON form) on CSV / JSON Lines / Parquet files and directories of
/// them, folding each record into the query as it is read (`load::run_files`: memory does not
/// grow with the files; results and errors are those of `Dataset.from_files` then `run`). With
/// `collect_errors`, bad rows are skipped and returned as exceptions beside the table.
#[pyfunction]
#[pyo3(signature = (paths, query_json, mapping_json = None, max_line_bytes = None, collect_errors = false))]
pub fn run_files(
    py: Python<'_>,
    paths: Vec<std::path::PathBuf>,
    query_json: &str,
    mapping_json: Option<&str>,
    max_line_bytes: Option<usize>,
    collect_errors: bool,
) -> PyResult<(PyResultTable, Vec<Py<PyAny>>)> {
    let m = mapping(mapping_json)?;
    let q = Query::from_json(query_json).py()?;
    let mut opts = LoadOptions { collect_errors, ..LoadOptions::default() };
    if let Some(n) = max_line_bytes {
        opts.max_line_bytes = n;
    }
    let (table, report) = detached(py, move || channel_kpi::load::run_files(&paths, &m, &opts, &q))?;
    let bad_rows = report.errors.iter().map(|e| crate::errors::exception(py, e)).collect::<PyResult<_>>()?;
    Ok((PyResultTable { table }, bad_rows))
}
