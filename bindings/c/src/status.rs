//! [`ckpi_status`]: the stable status codes every fallible function returns, and their messages
//! (`ckpi_status_message`, which crosses the boundary, is in `error.rs`). Uses no other module.

/// The result of every fallible `ckpi_` function. The numeric codes are stable: new codes may
/// be added, existing ones never change meaning.
///
/// * `0` is success. Out-parameters are written **only** when the status is `CKPI_OK`.
/// * `1..=99`: the caller passed something unusable (NULL, a freed handle, bad UTF-8, an index
///   out of range, a too-small buffer …).
/// * `100..=199`: the data or query was rejected by the KPI engine; the handle's last-error
///   detail (`ckpi_dataset_last_error`, `ckpi_query_last_error`) says which record, field and
///   value. These mirror `channel_kpi::Error::kind()`.
/// * `255`: a bug inside the library was caught before it could cross into your program.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[allow(non_camel_case_types)]
pub enum ckpi_status {
    /// Success.
    CKPI_OK = 0,
    /// A required pointer argument was NULL.
    CKPI_NULL_ARGUMENT = 1,
    /// The handle is not a live handle of the expected type (already freed, or another kind).
    CKPI_INVALID_HANDLE = 2,
    /// A string argument is not valid UTF-8.
    CKPI_INVALID_UTF8 = 3,
    /// An argument is outside its documented set (an unknown code, a flag that is not 0 or 1, …).
    CKPI_INVALID_ARGUMENT = 4,
    /// A date (days since 1970-01-01) is outside the supported calendar range.
    CKPI_DATE_OUT_OF_RANGE = 5,
    /// A row or column index is out of range.
    CKPI_INDEX_OUT_OF_RANGE = 6,
    /// The typed accessor does not match the column's kind.
    CKPI_WRONG_TYPE = 7,
    /// The value is absent (a KPI with no data); nothing was written.
    CKPI_VALUE_ABSENT = 8,
    /// The caller's buffer is too small; nothing was written. Ask for the size first with
    /// `buf = NULL, len = 0`.
    CKPI_BUFFER_TOO_SMALL = 9,
    /// No column (or item) of that name.
    CKPI_NOT_FOUND = 10,
    /// The decimal's mantissa does not fit in an `int64_t`: read it as a string instead.
    CKPI_DECIMAL_TOO_WIDE = 11,
    /// A struct's `struct_size` is larger than this library's struct: the program was built
    /// against a newer header than the library it runs with. Upgrade the library (nothing was
    /// read or written).
    CKPI_STRUCT_TOO_NEW = 12,
    /// A value could not be parsed (a date, an amount, a status, JSON …).
    CKPI_PARSE_ERROR = 100,
    /// A record is well-formed but impossible (closed before created, negative amount, …).
    CKPI_INVALID_RECORD = 101,
    /// A required field is missing.
    CKPI_MISSING_VALUE = 102,
    /// Duplicate id, or a reference to an id that does not exist.
    CKPI_REFERENCE_ERROR = 103,
    /// Two currencies met without an exchange rate.
    CKPI_CURRENCY_ERROR = 104,
    /// A decimal computation exceeded 28 significant digits.
    CKPI_OVERFLOW = 105,
    /// The query is not valid (unknown metric, bad period, impossible combination).
    CKPI_QUERY_ERROR = 106,
    /// Partial results of different queries were merged.
    CKPI_MERGE_ERROR = 107,
    /// Reading a file failed.
    CKPI_IO_ERROR = 108,
    /// Several bad rows (the detail names the first).
    CKPI_MANY_ERRORS = 109,
    /// An engine error of a kind this version does not know.
    CKPI_OTHER_ERROR = 199,
    /// A panic (a bug in the library) was caught at the boundary.
    CKPI_PANIC = 255,
}

impl ckpi_status {
    /// Every status, for tests and listings.
    pub const ALL: &'static [ckpi_status] = &[
        Self::CKPI_OK,
        Self::CKPI_NULL_ARGUMENT,
        Self::CKPI_INVALID_HANDLE,
        Self::CKPI_INVALID_UTF8,
        Self::CKPI_INVALID_ARGUMENT,
        Self::CKPI_DATE_OUT_OF_RANGE,
        Self::CKPI_INDEX_OUT_OF_RANGE,
        Self::CKPI_WRONG_TYPE,
        Self::CKPI_VALUE_ABSENT,
        Self::CKPI_BUFFER_TOO_SMALL,
        Self::CKPI_NOT_FOUND,
        Self::CKPI_DECIMAL_TOO_WIDE,
        Self::CKPI_STRUCT_TOO_NEW,
        Self::CKPI_PARSE_ERROR,
        Self::CKPI_INVALID_RECORD,
        Self::CKPI_MISSING_VALUE,
        Self::CKPI_REFERENCE_ERROR,
        Self::CKPI_CURRENCY_ERROR,
        Self::CKPI_OVERFLOW,
        Self::CKPI_QUERY_ERROR,
        Self::CKPI_MERGE_ERROR,
        Self::CKPI_IO_ERROR,
        Self::CKPI_MANY_ERRORS,
        Self::CKPI_OTHER_ERROR,
        Self::CKPI_PANIC,
    ];

    /// The status for a core error, by its stable kind.
    pub fn from_error(e: &channel_kpi::Error) -> Self {
        match e.kind() {
            "parse" => Self::CKPI_PARSE_ERROR,
            "invalid" => Self::CKPI_INVALID_RECORD,
            "missing" => Self::CKPI_MISSING_VALUE,
            "reference" => Self::CKPI_REFERENCE_ERROR,
            "currency" => Self::CKPI_CURRENCY_ERROR,
            "overflow" => Self::CKPI_OVERFLOW,
            "query" => Self::CKPI_QUERY_ERROR,
            "merge" => Self::CKPI_MERGE_ERROR,
            "io" => Self::CKPI_IO_ERROR,
            "many" => Self::CKPI_MANY_ERRORS,
            _ => Self::CKPI_OTHER_ERROR,
        }
    }

    /// The code from its number, when it is one of ours.
    pub fn from_code(code: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| *s as u32 == code)
    }

    /// A short English description.
    pub fn message(self) -> &'static str {
        match self {
            Self::CKPI_OK => "success",
            Self::CKPI_NULL_ARGUMENT => "a required pointer argument was NULL",
            Self::CKPI_INVALID_HANDLE => "not a live handle of the expected type (freed, or another kind of handle)",
            Self::CKPI_INVALID_UTF8 => "a string argument is not valid UTF-8",
            Self::CKPI_INVALID_ARGUMENT => "an argument is outside its documented set of values",
            Self::CKPI_DATE_OUT_OF_RANGE => "a date (days since 1970-01-01) is outside the supported range",
            Self::CKPI_INDEX_OUT_OF_RANGE => "row or column index out of range",
            Self::CKPI_WRONG_TYPE => "the accessor does not match the column's kind",
            Self::CKPI_VALUE_ABSENT => "the value is absent (no data)",
            Self::CKPI_BUFFER_TOO_SMALL => "the buffer is too small",
            Self::CKPI_NOT_FOUND => "no such column or item",
            Self::CKPI_DECIMAL_TOO_WIDE => "the decimal's mantissa does not fit in int64_t; read it as a string",
            Self::CKPI_STRUCT_TOO_NEW => {
                "the struct is from a newer header than this library knows (struct_size too large): upgrade the library"
            }
            Self::CKPI_PARSE_ERROR => "a value could not be parsed",
            Self::CKPI_INVALID_RECORD => "a record is invalid",
            Self::CKPI_MISSING_VALUE => "a required field is missing",
            Self::CKPI_REFERENCE_ERROR => "duplicate id or reference to an unknown id",
            Self::CKPI_CURRENCY_ERROR => "currencies cannot be combined without an exchange rate",
            Self::CKPI_OVERFLOW => "decimal overflow (more than 28 significant digits)",
            Self::CKPI_QUERY_ERROR => "invalid query",
            Self::CKPI_MERGE_ERROR => "partial results cannot be merged, decoded or finished",
            Self::CKPI_IO_ERROR => "reading a file failed",
            Self::CKPI_MANY_ERRORS => "several bad rows",
            Self::CKPI_OTHER_ERROR => "engine error",
            Self::CKPI_PANIC => "internal error (a panic was caught at the library boundary)",
        }
    }
}
