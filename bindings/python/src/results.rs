//! Results out: a core `ResultTable` as an Arrow C stream (`__arrow_c_stream__`, read by
//! `pyarrow.table(...)`) and single values as Python objects.

use crate::errors::{IntoPy, guard};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator};
use channel_kpi::{ColumnKind, ResultTable, Value};
use pyo3::IntoPyObjectExt;
use pyo3::exceptions::{PyIndexError, PyKeyError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

/// The result of a query. Convert it with `pyarrow.table(result)`; `value(row, column)` gives
/// one cell as `int`, `decimal.Decimal`, `float`, `datetime.date`, `str` or `None`.
#[pyclass(frozen, module = "channel_kpi._native", name = "ResultTable")]
pub struct PyResultTable {
    pub table: ResultTable,
}

/// One value as a Python object (money normalized: `Decimal("300")`, not `300.000000`).
pub fn value_to_py(py: Python<'_>, v: &Value) -> PyResult<Py<PyAny>> {
    match v {
        Value::Absent => Ok(py.None()),
        Value::Int(i) => i.into_py_any(py),
        Value::Decimal(d) => d.normalize().into_py_any(py),
        Value::Float(x) => x.into_py_any(py),
        Value::Text(s) => s.into_py_any(py),
        Value::Date(d) => d.into_py_any(py),
    }
}

fn kind(k: ColumnKind) -> &'static str {
    match k {
        ColumnKind::Text => "text",
        ColumnKind::Int => "int",
        ColumnKind::Money => "money",
        ColumnKind::Decimal => "decimal",
        ColumnKind::Float => "float",
        ColumnKind::Date => "date",
    }
}

/// `(name, kind, role, metric)` of one column.
type ColumnInfo = (String, &'static str, String, Option<&'static str>);

#[pymethods]
impl PyResultTable {
    /// Column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.table.columns.iter().map(|c| c.name.clone()).collect()
    }
    /// `(name, kind, role, metric)` of every column; kind is text, int, money, decimal, float
    /// or date; role is group, rollup_level, period_start, period_end, bucket, value, previous,
    /// change or change_pct.
    #[getter]
    fn columns(&self) -> PyResult<Vec<ColumnInfo>> {
        self.table
            .columns
            .iter()
            .map(|c| {
                let role = serde_json::to_value(c.role).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
                Ok((c.name.clone(), kind(c.kind), role, c.metric.map(|m| m.id())))
            })
            .collect()
    }
    /// The query's period as `start..end` (end exclusive), e.g. `2025-01-01..2026-01-01`.
    #[getter]
    fn period(&self) -> Option<String> {
        self.table.period.map(|p| p.to_string())
    }
    /// The "now" the values were computed at (the query's `as_of`, by default the period's
    /// last day): KPIs about the present, such as lead conversion by `as_of`, depend on it.
    #[getter]
    fn as_of(&self) -> Option<chrono::NaiveDate> {
        self.table.as_of
    }
    /// The ISO code of every money column, or None when no amount was seen.
    #[getter]
    fn currency(&self) -> Option<String> {
        self.table.currency.map(|c| c.to_string())
    }
    /// Number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.table.rows.len()
    }
    fn __len__(&self) -> usize {
        self.table.rows.len()
    }
    /// The value at `row`, `column`.
    fn value(&self, py: Python<'_>, row: usize, column: &str) -> PyResult<Py<PyAny>> {
        let c = self.table.column_index(column).ok_or_else(|| PyKeyError::new_err(format!("no column {column:?}")))?;
        let r = self.table.rows.get(row).ok_or_else(|| PyIndexError::new_err(format!("row {row} out of range")))?;
        value_to_py(py, &r[c])
    }
    /// The plain-text table (as the CLI prints it).
    fn to_text(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || Ok(self.table.to_text()))
    }
    /// The JSON form (`{"currency", "columns", "rows"}`).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || Ok(self.table.to_json().to_string()))
    }
    /// The Arrow PyCapsule interface: one record batch, money as decimal128(38, 6).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(&self, py: Python<'py>, requested_schema: Option<Py<PyAny>>) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema; // the schema is fixed; consumers cast if they wish
        guard(py, || {
            let batch: RecordBatch = channel_kpi::arrow::to_record_batch(&self.table).py()?;
            let schema = batch.schema();
            let reader = RecordBatchIterator::new(vec![Ok(batch)], schema);
            let stream = FFI_ArrowArrayStream::new(Box::new(reader));
            PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
        })
    }
    fn __repr__(&self) -> String {
        format!("<channel_kpi ResultTable: {} rows × {} columns>", self.table.rows.len(), self.table.columns.len())
    }
}
