//! Tables in: anything exporting `__arrow_c_stream__` (pyarrow, pandas ≥ 2.2, polars, duckdb)
//! read through the Arrow PyCapsule interface into record batches. The only `unsafe` of the
//! binding is here: taking the C stream out of its capsule.

use crate::errors::table_type;
use arrow_array::RecordBatch;
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use channel_kpi::load::{MemoryTables, RecordKind, Source};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyDict};

/// Reads every batch of one table (with the GIL held: the producer may need it).
pub fn batches(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<RecordBatch>> {
    reader(obj, name)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("{name}: reading the Arrow stream failed: {e}")))
}

/// The table's Arrow C stream, to read batch by batch (a producer that needs the GIL takes it).
pub fn reader(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<ArrowArrayStreamReader> {
    let py = obj.py();
    if !obj.hasattr("__arrow_c_stream__")? {
        let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        return Err(table_type(
            py,
            format!("{name}: expected a table (pandas, polars, pyarrow, or anything with __arrow_c_stream__), got {ty}"),
        ));
    }
    let capsule = obj.call_method0("__arrow_c_stream__")?.cast_into::<PyCapsule>()?;
    let ptr = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
    // SAFETY: the capsule is named `arrow_array_stream`, so by the Arrow PyCapsule protocol it
    // points to a valid FFI_ArrowArrayStream; `from_raw` moves it out and leaves a released
    // (empty) stream behind, so the capsule's destructor does not release it twice.
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(ptr.as_ptr().cast::<FFI_ArrowArrayStream>()) };
    ArrowArrayStreamReader::try_new(stream).map_err(|e| table_type(py, format!("{name}: cannot read the Arrow stream: {e}")))
}

/// `{kind: table}` → loader sources (kinds: the canonical names of every `RecordKind`, from
/// `org_units` to `usage`; `record_kinds()` lists them), and every table's batches by name for
/// a mapping's lookups: each kind's table under the kind's name, and `lookups` (`{file name:
/// table}`) under their file names.
pub fn sources(tables: &Bound<'_, PyDict>, lookups: Option<&Bound<'_, PyDict>>) -> PyResult<(Vec<Source>, MemoryTables)> {
    let mut out = Vec::with_capacity(tables.len());
    let mut memory = MemoryTables::new();
    for (k, v) in lookups.into_iter().flat_map(|d| d.iter()) {
        let name: String = k.extract()?;
        let b = batches(&v, &name)?;
        memory.insert(name, b);
    }
    for (k, v) in tables.iter() {
        if v.is_none() {
            continue;
        }
        let name: String = k.extract()?;
        let kind = RecordKind::from_name(&name).ok_or_else(|| {
            let known: Vec<&str> = RecordKind::ALL.iter().map(|k| k.name()).collect();
            pyo3::exceptions::PyValueError::new_err(format!("unknown table kind {name:?}; expected one of {}", known.join(", ")))
        })?;
        let b = batches(&v, &name)?;
        memory.insert(name.clone(), b.clone());
        out.push(Source::from_arrow(kind, &name, Box::new(b.into_iter().map(Ok))));
    }
    Ok((out, memory))
}
