//! The one error type of the core crate.
//!
//! Every variant says *what* was wrong and *where*: the [`Location`] names the file, line,
//! record, field and offending value when they are known. Bindings map variants (not message
//! strings) onto their own error types.

use std::fmt;

/// Where a problem was found. Every part is optional: an error raised while validating an
/// in-memory record has no file or line, one raised by the CSV loader has all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// Source file, as given to the loader.
    pub file: Option<String>,
    /// 1-based line number in the file (the header is line 1).
    pub line: Option<u64>,
    /// 0-based row of an in-memory table (Arrow / DataFrame input), in place of a line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// The record, e.g. `deal D-17`.
    pub record: Option<String>,
    /// The column or field name.
    pub field: Option<String>,
    /// The offending value, as text.
    pub value: Option<String>,
}

impl Location {
    /// A location naming a record (`deal D-17`) and a field.
    pub fn record(kind: &str, id: &str, field: &str) -> Self {
        Location { record: Some(format!("{kind} {id}")), field: Some(field.to_string()), ..Default::default() }
    }
    /// Adds the offending value.
    pub fn with_value(mut self, value: impl fmt::Display) -> Self {
        self.value = Some(value.to_string());
        self
    }
    /// Adds file and line (used by the loaders).
    pub fn at(mut self, file: &str, line: u64) -> Self {
        self.file = Some(file.to_string());
        self.line = Some(line);
        self
    }
    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        *self == Location::default()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        match (&self.file, self.line) {
            (Some(file), Some(line)) => parts.push(format!("{file}:{line}")),
            (Some(file), None) => parts.push(file.clone()),
            (None, Some(line)) => parts.push(format!("line {line}")),
            (None, None) => {}
        }
        if let Some(row) = self.row {
            match parts.pop() {
                Some(file) => parts.push(format!("{file} row {row}")),
                None => parts.push(format!("row {row}")),
            }
        }
        if let Some(r) = &self.record {
            parts.push(r.clone());
        }
        if let Some(c) = &self.field {
            parts.push(format!("column `{c}`"));
        }
        if let Some(v) = &self.value {
            parts.push(format!("value {v:?}"));
        }
        write!(f, "{}", parts.join(", "))
    }
}

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value could not be parsed (a date, an amount, a status …).
    #[error("{location}: cannot parse: {reason}")]
    Parse {
        /// Where.
        location: Location,
        /// What is wrong.
        reason: String,
    },
    /// A record is well-formed but impossible (closed before created, negative amount, …).
    #[error("{location}: invalid: {reason}")]
    Invalid {
        /// Where.
        location: Location,
        /// What is wrong.
        reason: String,
    },
    /// A required column or field is missing.
    #[error("{location}: missing required column or value")]
    Missing {
        /// Where.
        location: Location,
    },
    /// A table lacks columns it needs, or has columns that look like canonical fields but
    /// are not read (`Amount`); the reason lists every missing column, the columns found and
    /// close matches. Kind `missing`, like [`Error::Missing`].
    #[error("{location}: {reason}")]
    Columns {
        /// The table (file) and the first missing field.
        location: Location,
        /// What is wrong, with the columns found.
        reason: String,
    },
    /// Two ids collide, or a record refers to an id that does not exist.
    #[error("{location}: {reason}")]
    Reference {
        /// Where.
        location: Location,
        /// What is wrong.
        reason: String,
    },
    /// Two currencies met without a conversion rate.
    #[error("{location}: currency {found} cannot be combined with {expected}: {reason}")]
    Currency {
        /// The currency in use.
        expected: String,
        /// The currency met.
        found: String,
        /// Where.
        location: Location,
        /// What is wrong.
        reason: String,
    },
    /// A decimal sum overflowed the 28 significant digits of `rust_decimal`.
    #[error("{location}: decimal overflow while {reason}")]
    Overflow {
        /// Where.
        location: Location,
        /// What is wrong.
        reason: String,
    },
    /// The query itself is not valid (unknown metric, bad period, impossible combination).
    #[error("invalid query: {0}")]
    Query(String),
    /// Partial results could not be merged, decoded or finished: different queries or
    /// reference data, a part covered twice, bytes that are not a valid partial of this format.
    #[error("cannot merge partial results: {0}")]
    Merge(String),
    /// Reading a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The caller's interrupt hook asked to stop ([`crate::interrupt`], e.g. Ctrl-C).
    #[error("interrupted")]
    Interrupted,
    /// Several bad rows, collected by a loader in report mode.
    #[error("{} bad rows; first: {}", .0.len(), .0.first().map(|e| e.to_string()).unwrap_or_default())]
    Many(Vec<Error>),
}

impl Error {
    /// The location, when the variant has one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Parse { location, .. }
            | Error::Invalid { location, .. }
            | Error::Missing { location }
            | Error::Columns { location, .. }
            | Error::Reference { location, .. }
            | Error::Currency { location, .. }
            | Error::Overflow { location, .. } => Some(location),
            _ => None,
        }
    }

    /// A stable, lower-case name of the variant: `parse`, `invalid`, `missing`, `reference`,
    /// `currency`, `overflow`, `query`, `merge`, `io`, `interrupted`, `many`. Bindings and golden vectors use it.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Parse { .. } => "parse",
            Error::Invalid { .. } => "invalid",
            Error::Missing { .. } | Error::Columns { .. } => "missing",
            Error::Reference { .. } => "reference",
            Error::Currency { .. } => "currency",
            Error::Overflow { .. } => "overflow",
            Error::Query(_) => "query",
            Error::Merge(_) => "merge",
            Error::Io { .. } => "io",
            Error::Interrupted => "interrupted",
            Error::Many(_) => "many",
        }
    }

    /// The reason text of the variants that have one.
    pub fn reason(&self) -> Option<String> {
        match self {
            Error::Parse { reason, .. }
            | Error::Invalid { reason, .. }
            | Error::Columns { reason, .. }
            | Error::Reference { reason, .. }
            | Error::Currency { reason, .. }
            | Error::Overflow { reason, .. } => Some(reason.clone()),
            Error::Query(r) | Error::Merge(r) => Some(r.clone()),
            _ => None,
        }
    }

    /// Adds file and line to an error raised while converting one row.
    pub fn at(mut self, file: &str, line: u64) -> Self {
        if let Some(loc) = self.location_mut() {
            loc.file = Some(file.to_string());
            loc.line = Some(line);
        }
        self
    }

    /// Rewrites the location of this error and, for [`Error::Many`], of every nested error
    /// (e.g. row numbers of one batch made table-wide). Errors without a location are kept.
    pub fn map_locations(mut self, f: &impl Fn(&mut Location)) -> Self {
        if let Error::Many(v) = self {
            return Error::Many(v.into_iter().map(|e| e.map_locations(f)).collect());
        }
        if let Some(loc) = self.location_mut() {
            f(loc);
        }
        self
    }

    fn location_mut(&mut self) -> Option<&mut Location> {
        match self {
            Error::Parse { location, .. }
            | Error::Invalid { location, .. }
            | Error::Missing { location }
            | Error::Columns { location, .. }
            | Error::Reference { location, .. }
            | Error::Currency { location, .. }
            | Error::Overflow { location, .. } => Some(location),
            _ => None,
        }
    }

    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(location: Location, reason: impl Into<String>) -> Self {
        Error::Invalid { location, reason: reason.into() }
    }
    /// Shorthand for [`Error::Parse`].
    pub fn parse(location: Location, reason: impl Into<String>) -> Self {
        Error::Parse { location, reason: reason.into() }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
