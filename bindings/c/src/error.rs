//! Status messages (`ckpi_status_message`), failures (`Fail`, `core_fail`), and the last-error
//! detail of datasets and queries: status, kind, message and the location
//! (file, line, record, field, value) of the most recent failed call **made by this thread** on
//! that handle. Each thread keeps its own (a `thread_local` map from handle to error), so a
//! success on another thread can never clear, and another thread's failure never replace, the
//! error a thread is about to read. An entry lives until the thread's next success on that
//! handle, the handle's free by that thread, or the thread's exit (handle values are never
//! reused, so an entry can never describe another handle).

use crate::boundary::{copy_out, ffi_boundary};
use crate::status::ckpi_status;
use channel_kpi::{Error, Location};
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_char;

/// A failed call: its status and the detail for the last-error record.
pub(crate) type Fail = (ckpi_status, LastError);

/// The failure of a call for an error of the core.
pub(crate) fn core_fail(e: Error) -> Fail {
    (ckpi_status::from_error(&e), LastError::core(&e))
}

thread_local! {
    /// This thread's last error per handle (by handle value; handle values are never reused).
    static LAST: RefCell<HashMap<usize, LastError>> = RefCell::new(HashMap::new());
}

/// Records the outcome of a call on handle `h` for this thread: a failure becomes its last
/// error, a success clears it. Returns the call's status.
pub(crate) fn record<H>(h: *const H, outcome: Result<(), (ckpi_status, LastError)>) -> ckpi_status {
    let key = h as usize;
    // `try_with`: during thread exit the map may be gone; the status is still returned.
    let _ = LAST.try_with(|m| {
        let mut m = m.borrow_mut();
        match &outcome {
            Ok(()) => drop(m.remove(&key)),
            Err((_, e)) => drop(m.insert(key, e.clone())),
        }
        if m.is_empty() {
            m.shrink_to_fit();
        }
    });
    match outcome {
        Ok(()) => ckpi_status::CKPI_OK,
        Err((s, _)) => s,
    }
}

/// This thread's last error on handle `h`.
pub(crate) fn last<H>(h: *const H) -> Option<LastError> {
    LAST.try_with(|m| m.borrow().get(&(h as usize)).cloned()).ok().flatten()
}

/// Forgets this thread's last error on a freed handle.
pub(crate) fn forget<H>(h: *const H) {
    let _ = record(h, Ok(()));
}

/// The full message (`deal D1, column `closed_on`, value "2025-02-01": invalid: …`).
pub const CKPI_ERROR_MESSAGE: u32 = 0;
/// The stable kind: `parse`, `invalid`, `missing`, `reference`, `currency`, `overflow`,
/// `query`, `merge`, `io`, `many`, or for boundary errors `null`, `utf8`, `argument`, `date`,
/// `version` (a struct newer than the library).
pub const CKPI_ERROR_KIND: u32 = 1;
/// The file (loaders).
pub const CKPI_ERROR_FILE: u32 = 2;
/// The 1-based line in that file, as decimal text.
pub const CKPI_ERROR_LINE: u32 = 3;
/// The record, e.g. `deal D-17` — the "row" of a pushed record.
pub const CKPI_ERROR_RECORD: u32 = 4;
/// The field (column) name.
pub const CKPI_ERROR_FIELD: u32 = 5;
/// The offending value, as text.
pub const CKPI_ERROR_VALUE: u32 = 6;
/// The 0-based row, as decimal text, of an error in a file that has rows instead of lines
/// (Parquet; rows are numbered across row groups, as pyarrow and polars number them).
pub const CKPI_ERROR_ROW: u32 = 7;

/// One failed call, as remembered by a handle.
#[derive(Clone, Debug, Default)]
pub(crate) struct LastError {
    pub kind: String,
    pub message: String,
    pub location: Location,
}

impl LastError {
    /// From a core error.
    pub fn core(e: &Error) -> Self {
        let location = match e {
            Error::Many(v) => v.first().and_then(Error::location).cloned().unwrap_or_default(),
            other => other.location().cloned().unwrap_or_default(),
        };
        LastError { kind: e.kind().to_string(), message: e.to_string(), location }
    }

    /// From a boundary status raised while reading `field` of `record` (for example invalid
    /// UTF-8 in `deal D-1`'s `partner_id`).
    pub fn boundary(status: ckpi_status, record: Option<String>, field: &str, value: Option<String>) -> Self {
        let kind = match status {
            ckpi_status::CKPI_NULL_ARGUMENT => "null",
            ckpi_status::CKPI_INVALID_UTF8 => "utf8",
            ckpi_status::CKPI_DATE_OUT_OF_RANGE => "date",
            ckpi_status::CKPI_MISSING_VALUE => "missing",
            ckpi_status::CKPI_STRUCT_TOO_NEW => "version",
            _ => "argument",
        };
        let location = Location { record, field: Some(field.to_string()), value, ..Default::default() };
        LastError { kind: kind.into(), message: format!("{location}: {}", status.message()), location }
    }

    /// The text of one part (`CKPI_ERROR_*`); `None` when the part is unknown to this error.
    pub fn part(&self, part: u32) -> Result<Option<String>, ckpi_status> {
        let l = &self.location;
        Ok(match part {
            CKPI_ERROR_MESSAGE => Some(self.message.clone()),
            CKPI_ERROR_KIND => Some(self.kind.clone()),
            CKPI_ERROR_FILE => l.file.clone(),
            CKPI_ERROR_LINE => l.line.map(|n| n.to_string()),
            CKPI_ERROR_RECORD => l.record.clone(),
            CKPI_ERROR_FIELD => l.field.clone(),
            CKPI_ERROR_VALUE => l.value.clone(),
            CKPI_ERROR_ROW => l.row.map(|n| n.to_string()),
            _ => return Err(ckpi_status::CKPI_INVALID_ARGUMENT),
        })
    }
}

/// Shared body of `ckpi_dataset_last_error` and `ckpi_query_last_error`: copies a part of the
/// last error out; `CKPI_VALUE_ABSENT` when there is no last error or the part is unknown.
///
/// # Safety
/// As [`copy_out`].
pub(crate) unsafe fn last_error_out(err: Option<&LastError>, part: u32, buf: *mut c_char, len: usize, written: *mut usize) -> ckpi_status {
    let Some(err) = err else {
        return ckpi_status::CKPI_VALUE_ABSENT;
    };
    match err.part(part) {
        Err(s) => s,
        Ok(None) => ckpi_status::CKPI_VALUE_ABSENT,
        Ok(Some(text)) => unsafe { copy_out(text.as_bytes(), buf, len, written) },
    }
}

/// Copies the message of status `code` (a `ckpi_status` value; unknown codes get
/// "unknown status code") into `buf` as a NUL-terminated string and stores its length
/// (without the NUL) in `*written`.
///
/// `buf = NULL, len = 0` only stores the length. Returns `CKPI_BUFFER_TOO_SMALL` (writing
/// nothing) when `len` is not at least length + 1. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_status_message(code: u32, buf: *mut c_char, len: usize, written: *mut usize) -> ckpi_status {
    ffi_boundary!(written; {
        let msg = ckpi_status::from_code(code).map_or("unknown status code", ckpi_status::message);
        unsafe { copy_out(msg.as_bytes(), buf, len, written) }
    })
}
