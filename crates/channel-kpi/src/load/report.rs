//! [`LoadOptions`] and [`LoadReport`]: how strictly to read, and what was read.

use super::kinds::RecordKind;
use crate::error::Error;
use std::fmt;
use std::sync::Arc;

/// Called with what a load has read of one file: every 50,000 rows and at the end of each file.
pub type ProgressFn = Arc<dyn Fn(&Progress<'_>) + Send + Sync>;

/// How far a load is in one file (see [`LoadOptions::progress`]).
///
/// ```
/// use channel_kpi::load::{load_sources, LoadOptions, Mapping, Progress, RecordKind, Source};
/// use std::sync::{Arc, Mutex};
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let log = seen.clone();
/// let opts = LoadOptions {
///     progress: Some(Arc::new(move |p: &Progress<'_>| log.lock().unwrap().push((p.rows, p.done)))),
///     ..LoadOptions::default()
/// };
/// let src = Source::from_text(RecordKind::Leads, "leads.csv", "lead_id,created_on\nL1,2025-01-02\n");
/// load_sources(vec![src], &Mapping::default(), &opts).unwrap();
/// assert_eq!(*seen.lock().unwrap(), vec![(1, true)]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress<'a> {
    /// The file (or table), as named in errors.
    pub file: &'a str,
    /// Data rows read so far.
    pub rows: u64,
    /// Bytes of the file read so far (a Parquet file: its size × the share of its rows read).
    pub bytes: u64,
    /// The file's size, when it is a file.
    pub total_bytes: Option<u64>,
    /// True on the last call for this file.
    pub done: bool,
}

/// In-memory tables a mapping's lookups may join, by name (a lookup's `file`, or the kind
/// whose mapping names that file, e.g. `deals`).
#[cfg(feature = "arrow")]
pub type MemoryTables = std::collections::HashMap<String, Vec<arrow_array::RecordBatch>>;

/// How to read.
///
/// ```
/// use channel_kpi::load::LoadOptions;
/// let o = LoadOptions { collect_errors: true, ..LoadOptions::default() };
/// assert_eq!(o.max_line_bytes, 1 << 20);
/// ```
#[derive(Clone)]
pub struct LoadOptions {
    /// false (default): stop at the first bad row with its error. true: skip bad rows, keep
    /// every row's error in the [`LoadReport`], and load the rest. Errors that concern the
    /// whole dataset (an unknown parent unit, a dangling reference found by
    /// [`crate::Dataset::validate`], an unreadable or over-long line) still stop loading.
    pub collect_errors: bool,
    /// The longest physical line accepted, in bytes (default 1 MiB). A longer line stops
    /// loading with an error naming it, without reading the rest of the file into memory. A
    /// CSV record (a quoted field may span lines) longer than this is rejected too.
    pub max_line_bytes: usize,
    /// Keep only these `attrs` columns (among those the mapping would keep), when the caller
    /// knows every query it will run: the CLI passes the `attr:` dimensions of its one query,
    /// so a table's other extra columns are neither kept per record nor, in a Parquet file,
    /// decoded. `None` (default): the mapping decides (a dataset loaded for any later query).
    pub only_attrs: Option<std::collections::BTreeSet<String>>,
    /// Progress callback for long loads (the CLI draws a progress bar from it when stderr is a
    /// terminal).
    pub progress: Option<ProgressFn>,
    /// Tables for lookups of in-memory input: a lookup's `file` is looked up here by its name,
    /// then by the kind whose mapping `file` it is (Olist's leads join the closed deals given
    /// as `deals`). A lookup of a file on disk reads the file.
    #[cfg(feature = "arrow")]
    pub memory_tables: MemoryTables,
    /// Read every file row by row, never through the typed deals readers (CSV, Arrow tables,
    /// Parquet): the reference those readers are tested against. Default false.
    #[doc(hidden)]
    pub row_path_only: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            collect_errors: false,
            max_line_bytes: 1 << 20,
            only_attrs: None,
            progress: None,
            #[cfg(feature = "arrow")]
            memory_tables: MemoryTables::new(),
            row_path_only: false,
        }
    }
}

impl LoadOptions {
    /// These options for a load that serves one query: when [`LoadOptions::only_attrs`] is
    /// unset, it becomes the `attrs` columns the query reads (its `attr:` dimensions and an
    /// `attr:` cohort date), so a table's other extra columns are neither kept nor decoded.
    ///
    /// ```
    /// use channel_kpi::load::LoadOptions;
    /// use channel_kpi::{Dimension, Metric, Period, Query};
    /// let q = Query::new(vec![Metric::DealCount], Period::parse("2025").unwrap()).by(Dimension::Attr("region".into()));
    /// let o = LoadOptions::default().for_query(&q);
    /// assert_eq!(o.only_attrs, Some(["region".to_string()].into()));
    /// ```
    pub fn for_query(mut self, query: &crate::Query) -> LoadOptions {
        if self.only_attrs.is_none() {
            let mut attrs: std::collections::BTreeSet<String> =
                query.group_by.iter().filter_map(|d| if let crate::Dimension::Attr(a) = d { Some(a.clone()) } else { None }).collect();
            if let crate::CohortBy::Attr(a) = &query.options.cohort_by {
                attrs.insert(a.clone());
            }
            self.only_attrs = Some(attrs);
        }
        self
    }
}

impl fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadOptions")
            .field("collect_errors", &self.collect_errors)
            .field("max_line_bytes", &self.max_line_bytes)
            .field("only_attrs", &self.only_attrs)
            .field("progress", &self.progress.is_some())
            .field("row_path_only", &self.row_path_only)
            .finish()
    }
}

/// What one file contributed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileReport {
    /// The file, as named in errors.
    pub file: String,
    /// The record kind read from it.
    pub kind: RecordKind,
    /// Data rows read (header and blank lines excluded).
    pub rows_read: u64,
    /// Rows that became records.
    pub rows_loaded: u64,
}

/// What a load read, loaded and rejected.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// One entry per file, in loading order.
    pub files: Vec<FileReport>,
    /// Every bad row's error (collect mode only; otherwise loading stops at the first).
    pub errors: Vec<Error>,
    /// The columns of every table read (CSV and Arrow; JSON Lines rows may differ), in
    /// reading order.
    pub columns: Vec<(RecordKind, super::TableColumns)>,
    /// True when [`run_files`](super::run_files) folded the fact records into the query as
    /// they were read, without a whole dataset; false for a load, and for a query on files
    /// that fell back to one.
    pub streamed: bool,
}

impl LoadReport {
    /// Data rows read, all files.
    pub fn rows_read(&self) -> u64 {
        self.files.iter().map(|f| f.rows_read).sum()
    }
    /// Rows loaded, all files.
    pub fn rows_loaded(&self) -> u64 {
        self.files.iter().map(|f| f.rows_loaded).sum()
    }
    /// True when no row was rejected.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
    /// `Err(Error::Many)` when rows were rejected.
    pub fn into_result(self) -> Result<LoadReport, Error> {
        if self.errors.is_empty() { Ok(self) } else { Err(Error::Many(self.errors)) }
    }
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.files {
            writeln!(f, "{} ({}): {} rows read, {} loaded", r.file, r.kind, r.rows_read, r.rows_loaded)?;
        }
        if !self.errors.is_empty() {
            writeln!(f, "{} rows rejected:", self.errors.len())?;
            for e in &self.errors {
                writeln!(f, "  {e}")?;
            }
        }
        Ok(())
    }
}
