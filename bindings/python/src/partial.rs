//! Partial results in Python: deals tables (in memory or streamed) folded into the core's
//! partial states, which serialize to bytes, merge and finish — the seam for Dask / Spark
//! (`channel_kpi.scale`). All computation is the core's (`channel_kpi::arrow::fold_deal_*`).

use crate::errors::{IntoPy, detached};
use crate::results::PyResultTable;
use crate::tables;
use channel_kpi::{Partial, Query, Reference};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Partial states of one query: `to_bytes()` / `Partial.from_bytes(b)` to ship them,
/// `merge(other)` to combine (exact, associative), `finish()` for the result table.
#[pyclass(module = "channel_kpi._native", name = "Partial")]
pub struct PyPartial {
    partial: Partial,
}

#[pymethods]
impl PyPartial {
    /// The states as bytes (JSON text of the core's `Partial`).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let v = serde_json::to_vec(&self.partial)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("serializing partial states: {e}")))?;
        Ok(PyBytes::new(py, &v))
    }
    /// States from `to_bytes()`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        let partial: Partial = serde_json::from_slice(data).map_err(|e| {
            crate::errors::to_py(channel_kpi::Error::Merge(format!("these bytes are not partial states of channel_kpi: {e}")))
        })?;
        Ok(PyPartial { partial })
    }
    /// Folds `other` in (both must answer the same query).
    fn merge(&mut self, other: &PyPartial) -> PyResult<()> {
        self.partial.merge(&other.partial).py()
    }
    /// Number of (window, group) cells held.
    fn cell_count(&self) -> usize {
        self.partial.cell_count()
    }
    /// The result table.
    fn finish(&self, py: Python<'_>) -> PyResult<PyResultTable> {
        let p = &self.partial;
        let table = detached(py, || p.finish(&Reference::default()))?;
        Ok(PyResultTable { table })
    }
    fn __repr__(&self) -> String {
        format!("<channel_kpi Partial: {} cells>", self.partial.cell_count())
    }
}

/// Folds a deals table held in memory (anything exporting `__arrow_c_stream__`) on `threads`
/// threads (0 = all cores) with the GIL released.
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
