//! Partial results in Python: tables folded into the core's partial states, which encode to
//! bytes (versioned, checksummed, validated on decoding), merge (refusing a part covered
//! twice) and finish with the reference data they were folded with — the seam for Dask and
//! Spark (`channel_kpi.scale`, `channel_kpi.spark`). All computation is the core's.

use crate::errors::{IntoPy, detached};
use crate::results::PyResultTable;
use crate::tables;
use channel_kpi::load::Mapping;
use channel_kpi::{Part, Partial, Query, Reference};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::sync::Arc;

/// Partial states of one query: `to_bytes()` / `Partial.from_bytes(b)` to ship them,
/// `merge(other)` to combine (exact, associative; a part covered twice is a `MergeError`),
/// `finish(reference)` for the result table.
#[pyclass(module = "channel_kpi._native", name = "Partial")]
pub struct PyPartial {
    pub partial: Partial,
}

#[pymethods]
impl PyPartial {
    /// The compact encoding: magic number, format version, query fingerprint, checksum.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.partial.to_bytes().py()?))
    }
    /// States from `to_bytes()`, validated (a `MergeError` says what is wrong).
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyPartial { partial: Partial::from_bytes(data).py()? })
    }
    /// The JSON form (for debugging).
    fn to_json(&self) -> PyResult<String> {
        self.partial.to_json().py()
    }
    /// States from `to_json()`, validated like `from_bytes`.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        Ok(PyPartial { partial: Partial::from_json(text).py()? })
    }
    /// Folds `other` in (same query, same reference data, no part in common).
    fn merge(&mut self, other: &PyPartial) -> PyResult<()> {
        self.partial.merge(&other.partial).py()
    }
    /// Records that these states cover `part` (rows `start`..`end` of it when given).
    #[pyo3(signature = (part, start = None, end = None))]
    fn cover(&mut self, part: &str, start: Option<u64>, end: Option<u64>) -> PyResult<()> {
        self.partial.cover(&make_part(part, start, end)?).py()
    }
    /// The parts covered: `[(id, start, end)]`, `start`/`end` `None` for a whole part.
    fn parts(&self) -> Vec<(String, Option<u64>, Option<u64>)> {
        self.partial.parts().into_iter().map(|p| (p.id, p.rows.map(|r| r.0), p.rows.map(|r| r.1))).collect()
    }
    /// Number of (window, group) cells held.
    fn cell_count(&self) -> usize {
        self.partial.cell_count()
    }
    /// The result table, with the reference data the states were folded with (none: empty).
    #[pyo3(signature = (reference = None))]
    fn finish(&self, py: Python<'_>, reference: Option<&PyReference>) -> PyResult<PyResultTable> {
        let p = &self.partial;
        let empty = Reference::default();
        let refs = reference.map_or(&empty, |r| &*r.refs);
        let table = detached(py, || p.finish(refs))?;
        Ok(PyResultTable { table })
    }
    fn __repr__(&self) -> String {
        format!("<channel_kpi Partial: {} cells, {} parts>", self.partial.cell_count(), self.partial.parts().len())
    }
}

fn make_part(id: &str, start: Option<u64>, end: Option<u64>) -> PyResult<Part> {
    match (start, end) {
        (None, None) => Ok(Part::id(id)),
        (Some(a), Some(b)) => Ok(Part::rows(id, a, b)),
        _ => Err(pyo3::exceptions::PyValueError::new_err("part: give both start and end of the row range, or neither")),
    }
}

/// Reference data (partners, org units, pipeline, exchange rates), loaded once and shipped to
/// the workers as bytes: every part is folded with it, and the merged states finish with it.
#[pyclass(frozen, module = "channel_kpi._native", name = "Reference")]
pub struct PyReference {
    pub refs: Arc<Reference>,
}

#[pymethods]
impl PyReference {
    /// From tables by kind (`{"partners": df, "org_units": df, "pipeline": df, "fx_rates": df}`)
    /// through an optional JSON mapping; `{}` is the empty reference.
    #[staticmethod]
    #[pyo3(signature = (tables, mapping_json = None))]
    fn from_tables(py: Python<'_>, tables: &Bound<'_, PyDict>, mapping_json: Option<&str>) -> PyResult<Self> {
        let m = mapping_json.map_or(Ok(Mapping::default()), |t| Mapping::from_json_str(t).py())?;
        let (sources, _) = tables::sources(tables, None)?;
        let refs = detached(py, move || channel_kpi::arrow::load_reference(sources, &m))?;
        Ok(PyReference { refs: Arc::new(refs) })
    }
    /// The JSON form, to broadcast.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let v = serde_json::to_vec(&*self.refs)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("serializing reference data: {e}")))?;
        Ok(PyBytes::new(py, &v))
    }
    /// From `to_bytes()`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        let refs: Reference = serde_json::from_slice(data)
            .map_err(|e| crate::errors::to_py(channel_kpi::Error::Merge(format!("these bytes are not reference data: {e}"))))?;
        Ok(PyReference { refs: Arc::new(refs) })
    }
    /// Fingerprint (16 hex digits): equal for equal reference data.
    fn fingerprint(&self) -> String {
        format!("{:016x}", self.refs.fingerprint())
    }
    /// The partial of the partner records (for partner counts), covering the part
    /// `reference:partners`: fold it once, on the driver.
    fn partial(&self, py: Python<'_>, query_json: &str) -> PyResult<PyPartial> {
        let q = Query::from_json(query_json).py()?;
        let refs = self.refs.clone();
        Ok(PyPartial { partial: detached(py, move || refs.partial(&q))? })
    }
    fn __repr__(&self) -> String {
        format!("<channel_kpi Reference: {} partners>", self.refs.partners.len())
    }
}

/// Folds one partition's fact tables (`{"deals": t, "leads": t, …}`) against `reference` into
/// partial states covering `part` (rows `start`..`end` of it when `rows = (start, end)`), with
/// the GIL released.
#[pyfunction]
#[pyo3(signature = (tables, query_json, part, reference = None, mapping_json = None, rows = None))]
pub fn fold_tables(
    py: Python<'_>,
    tables: &Bound<'_, PyDict>,
    query_json: &str,
    part: &str,
    reference: Option<&PyReference>,
    mapping_json: Option<&str>,
    rows: Option<(u64, u64)>,
) -> PyResult<PyPartial> {
    let q = Query::from_json(query_json).py()?;
    let part = make_part(part, rows.map(|r| r.0), rows.map(|r| r.1))?;
    let m = mapping_json.map_or(Ok(Mapping::default()), |t| Mapping::from_json_str(t).py())?;
    let (sources, _) = tables::sources(tables, None)?;
    let refs = reference.map_or_else(|| Arc::new(Reference::default()), |r| r.refs.clone());
    let partial = detached(py, move || channel_kpi::arrow::fold_tables(sources, &m, &refs, &q, &part))?;
    Ok(PyPartial { partial })
}

/// Folds a deals table held in memory (anything exporting `__arrow_c_stream__`) on `threads`
/// threads (0 = all cores) with the GIL released (the deal-outcome columnar path).
#[pyfunction]
#[pyo3(signature = (deals, query_json, threads = 0))]
pub fn fold_deals(py: Python<'_>, deals: &Bound<'_, PyAny>, query_json: &str, threads: usize) -> PyResult<PyPartial> {
    let q = Query::from_json(query_json).py()?;
    let batches = tables::batches(deals, "deals")?;
    let partial = detached(py, || channel_kpi::arrow::fold_deal_batches(&q, &Reference::default(), &batches, threads))?;
    Ok(PyPartial { partial })
}

/// Folds a stream of deals batches (a `pyarrow.RecordBatchReader`, a Parquet or CSV file read
/// in batches) one round of `threads` batches at a time: memory stays bounded by the batches
/// in flight and the states, whatever the number of rows.
#[pyfunction]
#[pyo3(signature = (deals, query_json, threads = 0))]
pub fn fold_deal_stream(py: Python<'_>, deals: &Bound<'_, PyAny>, query_json: &str, threads: usize) -> PyResult<PyPartial> {
    let q = Query::from_json(query_json).py()?;
    let reader = tables::reader(deals, "deals")?;
    let partial = detached(py, || channel_kpi::arrow::fold_deal_stream(&q, &Reference::default(), Box::new(reader), threads))?;
    Ok(PyPartial { partial })
}
