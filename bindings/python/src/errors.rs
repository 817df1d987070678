//! Core errors → Python exceptions. `ChannelKpiError` is the base; each core error kind has a
//! subclass that also derives the natural built-in (`ValueError`, `ArithmeticError`,
//! `OSError`), built at import time with `type(name, bases, ns)` because pyo3's
//! `create_exception!` allows one base only. Location parts become attributes.
//!
//! Every entry point runs its work through [`guard`] (or [`detached`], which also releases the
//! GIL and polls Ctrl-C): a Rust panic becomes an `InternalError` (a `ChannelKpiError`), never
//! pyo3's `PanicException`, which is a `BaseException` that `except Exception` misses.

use channel_kpi::Error;
use pyo3::exceptions::{PyException, PyKeyboardInterrupt};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

pyo3::create_exception!(
    channel_kpi,
    ChannelKpiError,
    PyException,
    "Base of every channel_kpi error. Attributes: kind, file, line, row, record, column, value, reason."
);

/// (class, built-in base, core kind, doc).
const CLASSES: &[(&str, &str, &str, &str)] = &[
    ("ParseError", "ValueError", "parse", "A value could not be parsed (a date, an amount, a status)."),
    ("InvalidRecordError", "ValueError", "invalid", "A record is impossible (closed before created, negative amount)."),
    ("MissingValueError", "ValueError", "missing", "A required column or value is missing (or null)."),
    ("UnknownReferenceError", "ValueError", "reference", "A duplicate id, or a reference to an id that does not exist."),
    ("CurrencyMismatchError", "ValueError", "currency", "Two currencies met without an exchange rate."),
    ("DecimalOverflowError", "ArithmeticError", "overflow", "A sum exceeded the 28 significant digits of an exact decimal."),
    ("QueryError", "ValueError", "query", "The query is not valid (unknown metric, bad period, impossible combination)."),
    ("MergeError", "ValueError", "merge", "Partial results of different queries were merged."),
    ("LoadIOError", "OSError", "io", "A file could not be read."),
    ("BadRowsError", "ValueError", "many", "Several bad rows; `errors` holds one exception per row."),
    ("TableTypeError", "TypeError", "type", "An argument is not a table (nothing exporting __arrow_c_stream__)."),
    ("InternalError", "RuntimeError", "internal", "A bug inside channel_kpi (a Rust panic); please report it with the message."),
];

/// Creates the subclasses in `m`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<ChannelKpiError>();
    m.add("ChannelKpiError", &base)?;
    let builtins = py.import("builtins")?;
    for (name, builtin, _, doc) in CLASSES {
        let ns = PyDict::new(py);
        ns.set_item("__module__", "channel_kpi")?;
        ns.set_item("__doc__", *doc)?;
        let bases = PyTuple::new(py, [base.as_any(), &builtins.getattr(*builtin)?])?;
        let cls = builtins.getattr("type")?.call1((*name, bases, ns))?;
        m.add(*name, cls)?;
    }
    Ok(())
}

fn class<'py>(py: Python<'py>, kind: &str) -> PyResult<Bound<'py, PyAny>> {
    let name = CLASSES.iter().find(|c| c.2 == kind).map_or("ChannelKpiError", |c| c.0);
    py.import("channel_kpi._native")?.getattr(name)
}

fn instance<'py>(py: Python<'py>, e: &Error) -> PyResult<Bound<'py, PyAny>> {
    let exc = class(py, e.kind())?.call1((e.to_string(),))?;
    let loc = e.location().cloned().unwrap_or_default();
    exc.setattr("kind", e.kind())?;
    exc.setattr("file", loc.file)?;
    exc.setattr("line", loc.line)?;
    exc.setattr("row", loc.row)?;
    exc.setattr("record", loc.record)?;
    exc.setattr("column", loc.field)?;
    exc.setattr("value", loc.value)?;
    exc.setattr("reason", e.reason())?;
    let nested = match e {
        Error::Many(v) => v.iter().map(|x| instance(py, x)).collect::<PyResult<Vec<_>>>()?,
        _ => Vec::new(),
    };
    exc.setattr("errors", nested)?;
    Ok(exc)
}

/// The exception object for a core error (not raised: e.g. a skipped bad row).
pub fn exception(py: Python<'_>, e: &Error) -> PyResult<Py<PyAny>> {
    instance(py, e).map(Bound::unbind)
}

/// The Python exception for a core error.
pub fn to_py(e: Error) -> PyErr {
    Python::attach(|py| match instance(py, &e) {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    })
}

/// A `TableTypeError` with a message.
pub fn table_type(py: Python<'_>, msg: String) -> PyErr {
    match class(py, "type").and_then(|c| c.call1((msg,))) {
        Ok(exc) => {
            let _ = exc.setattr("kind", "type");
            PyErr::from_value(exc)
        }
        Err(err) => err,
    }
}

/// `.map_err(errors::to_py)` shorthand.
pub trait IntoPy<T> {
    /// Converts the core error.
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// The message of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// An `InternalError` for a caught panic.
fn internal(py: Python<'_>, payload: &(dyn std::any::Any + Send)) -> PyErr {
    let msg = format!("internal error in channel_kpi (please report it): {}", panic_message(payload));
    match class(py, "internal").and_then(|c| c.call1((msg.clone(),))) {
        Ok(exc) => {
            let _ = exc.setattr("kind", "internal");
            let _ = exc.setattr("reason", msg);
            PyErr::from_value(exc)
        }
        Err(err) => err,
    }
}

/// Runs `f` (the body of an entry point, GIL held) and turns a panic into `InternalError`.
pub fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(internal(py, payload.as_ref())))
}

/// Runs core work `f` with the GIL released: Ctrl-C is polled through the core's interrupt
/// hook (`py.check_signals()` every few thousand rows, see `channel_kpi::interrupt`) and comes
/// back as the `KeyboardInterrupt` the signal handler raised; a panic becomes `InternalError`;
/// a core error its `ChannelKpiError` subclass.
pub fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> channel_kpi::Result<T> + Send) -> PyResult<T> {
    let pending: Arc<Mutex<Option<PyErr>>> = Arc::default();
    let slot = pending.clone();
    let out = py.detach(move || {
        catch_unwind(AssertUnwindSafe(move || {
            let hook = move || {
                Python::attach(|py| match py.check_signals() {
                    Ok(()) => false,
                    Err(e) => {
                        if let Ok(mut s) = slot.lock() {
                            *s = Some(e);
                        }
                        true
                    }
                })
            };
            channel_kpi::interrupt::with_hook(hook, f)
        }))
    });
    match out {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(Error::Interrupted)) => {
            Err(pending.lock().ok().and_then(|mut s| s.take()).unwrap_or_else(|| PyKeyboardInterrupt::new_err("interrupted")))
        }
        Ok(Err(e)) => Err(to_py(e)),
        Err(payload) => Err(internal(py, payload.as_ref())),
    }
}
