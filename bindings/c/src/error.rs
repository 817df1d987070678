//! The last-error detail each dataset and query handle keeps: status, kind, message and the
//! location (file, line, record, field, value) of the most recent failed call on that handle.

use crate::boundary::copy_out;
use crate::status::ckpi_status;
use channel_kpi::{Error, Location};
use std::ffi::c_char;

/// The full message (`deal D1, column `closed_on`, value "2025-02-01": invalid: …`).
pub const CKPI_ERROR_MESSAGE: u32 = 0;
/// The stable kind: `parse`, `invalid`, `missing`, `reference`, `currency`, `overflow`,
/// `query`, `merge`, `io`, `many`, or for boundary errors `null`, `utf8`, `argument`, `date`.
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
