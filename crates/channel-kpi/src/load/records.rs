//! The reader protocol every input format implements: [`Records`] lends one row at a time
//! ([`Next`]); the CSV, JSON Lines, Parquet and Arrow readers, and the chunks of rows converted on
//! several threads, all speak it.

use super::row::Cells;
use crate::error::{Error, Location, Result};

/// The next thing a reader produced.
pub(crate) enum Next<'a> {
    /// A record and its line number, borrowed from the reader until its next call (readers
    /// reuse one buffer for every row: no allocation per cell).
    Row(u64, &'a dyn Cells),
    /// A row that could not be read (wrong field count, bad JSON): skipped in collect mode.
    Bad(Error),
    /// End of input.
    End,
}

/// A record-by-record reader. `Err` is fatal (I/O, an over-long line).
pub(crate) trait Records {
    fn next_record(&mut self) -> Result<Next<'_>>;
    /// Every column of the source, when the reader reads only some of them (Parquet
    /// projection): the column checks and their messages see the whole table.
    fn all_columns(&self) -> Option<Vec<String>> {
        None
    }
    /// The number of rows, when the reader knows it before reading them (Parquet's footer).
    fn total_rows(&self) -> Option<u64> {
        None
    }
    /// For an in-memory table, all its record batches (taken out of the reader, which is then
    /// empty), so its rows can be converted on several threads; `None` for a reader that must
    /// be read in order (files).
    #[cfg(feature = "arrow")]
    fn take_table(&mut self) -> Option<Result<Vec<arrow_array::RecordBatch>>> {
        None
    }
}

/// The error for a line longer than the limit.
pub(crate) fn too_long(file: &str, line: u64, max: usize) -> Error {
    Error::parse(
        Location { file: Some(file.into()), line: Some(line), ..Default::default() },
        format!("line longer than {max} bytes (LoadOptions::max_line_bytes); is this the right file and format?"),
    )
}

/// The error for an empty input.
pub(crate) fn empty_file(file: &str) -> Error {
    Error::parse(Location { file: Some(file.into()), line: Some(1), ..Default::default() }, "the file is empty: expected a header row")
}
