//! [`Source`]: one input file (or in-memory text), its record kind and format, and the
//! record-by-record readers behind it.

use super::kinds::RecordKind;
use super::records::Records;
use super::{csv_file, jsonl_file};
use crate::error::{Error, Result};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// File format, chosen by extension: `.jsonl`, `.ndjson` and `.json` are JSON Lines,
/// `.parquet` and `.pq` are Parquet (cargo feature `parquet`), anything else is CSV.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    JsonLines,
    /// Arrow record batches (an in-memory table: pandas, polars, pyarrow), see
    /// [`crate::arrow`].
    #[cfg(feature = "arrow")]
    Arrow,
    /// A Parquet file (cargo feature `parquet`): read row group by row group through the
    /// Arrow path, only the columns the mapping reads. A build without the feature knows the
    /// format by name and refuses such a file (an `io` error naming the feature), rather than
    /// reading it as CSV.
    Parquet,
}

impl Format {
    /// The format of a file name.
    pub fn of(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("jsonl" | "ndjson" | "json") => Format::JsonLines,
            Some("parquet" | "pq") => Format::Parquet,
            _ => Format::Csv,
        }
    }

    /// True when error locations carry a 0-based `row` instead of a line (tables and Parquet
    /// files have rows, not lines).
    pub fn has_rows(self) -> bool {
        match self {
            #[cfg(feature = "arrow")]
            Format::Arrow => true,
            Format::Parquet => true,
            _ => false,
        }
    }
}

/// One input: a record kind, a name for messages, a format and a reader.
pub struct Source {
    /// What the file holds.
    pub kind: RecordKind,
    /// The name used in error messages (the path as given).
    pub name: String,
    /// CSV or JSON Lines.
    pub format: Format,
    /// Where lookup files named by the mapping are resolved (the file's directory; the
    /// working directory for in-memory text).
    pub dir: PathBuf,
    /// The size of the file in bytes (for progress), when it is a file.
    pub size: Option<u64>,
    /// Bytes read so far by a byte reader (CSV, JSON Lines), for progress.
    read: Arc<AtomicU64>,
    input: Input,
    /// Where the bytes can be read again from the start (a file's path, in-memory bytes), for
    /// a reader that may hand the source back unread (`load/csv_deals.rs`).
    again: Again,
}

/// In-memory bytes shared by the source's reader and [`Source::bytes_again`] (no copy).
#[derive(Clone)]
struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// See [`Source::again`].
enum Again {
    Path(PathBuf),
    Memory(Shared),
    Never,
}

/// A reader that counts the bytes it hands out.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

enum Input {
    Bytes(Box<dyn Read + Send>),
    #[cfg(feature = "parquet")]
    File(std::fs::File),
    #[cfg(feature = "arrow")]
    Arrow(crate::arrow::Batches),
}

impl Source {
    /// Opens a file.
    pub fn open(kind: RecordKind, path: impl AsRef<Path>) -> Result<Source> {
        let p = path.as_ref();
        let f = std::fs::File::open(p).map_err(|source| Error::Io { path: p.display().to_string(), source })?;
        let format = Format::of(p);
        let (size, read) = (f.metadata().ok().map(|m| m.len()), Arc::new(AtomicU64::new(0)));
        let input = match format {
            #[cfg(feature = "parquet")]
            Format::Parquet => Input::File(f),
            _ => Input::Bytes(Box::new(Counted { inner: f, read: read.clone() })),
        };
        let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
        let again = Again::Path(p.to_path_buf());
        Ok(Source { kind, name: p.display().to_string(), format, dir, size, read, input, again })
    }

    /// In-memory text (embedded sample data, tests).
    pub fn from_text(kind: RecordKind, name: &str, text: impl Into<String>) -> Source {
        Source::from_bytes(kind, name, text.into().into_bytes())
    }

    /// In-memory bytes, read exactly like a file of that name (not necessarily UTF-8: invalid
    /// bytes are reported with their line, as from a file). Used by the fuzz targets and
    /// bindings that receive raw buffers.
    pub fn from_bytes(kind: RecordKind, name: &str, bytes: impl Into<Vec<u8>>) -> Source {
        let bytes = Shared(Arc::new(bytes.into()));
        Source {
            kind,
            name: name.to_string(),
            format: Format::of(Path::new(name)),
            dir: PathBuf::from("."),
            size: None,
            read: Arc::default(),
            input: Input::Bytes(Box::new(std::io::Cursor::new(bytes.clone()))),
            again: Again::Memory(bytes),
        }
    }

    /// Any reader (a socket, a pipe, a decompressor), read like a file named `name`.
    pub fn from_reader(kind: RecordKind, name: &str, reader: impl Read + Send + 'static) -> Source {
        Source {
            kind,
            name: name.to_string(),
            format: Format::of(Path::new(name)),
            dir: PathBuf::from("."),
            size: None,
            read: Arc::default(),
            input: Input::Bytes(Box::new(reader)),
            again: Again::Never,
        }
    }

    /// An in-memory Arrow table (record batches sharing one schema); `name` names it in
    /// errors (e.g. `deals`), whose locations then carry the 0-based `row` instead of a line.
    #[cfg(feature = "arrow")]
    pub fn from_arrow(kind: RecordKind, name: &str, batches: crate::arrow::Batches) -> Source {
        let (dir, size, read) = (PathBuf::from("."), None, Arc::default());
        Source { kind, name: name.to_string(), format: Format::Arrow, dir, size, read, input: Input::Arrow(batches), again: Again::Never }
    }

    /// The source's bytes from the start through a new reader (another handle of the file, or
    /// the bytes in memory), the source itself left unread; `None` for a reader that cannot be
    /// read twice (`from_reader`, tables), or a file that no longer opens.
    pub(crate) fn bytes_again(&self) -> Option<Box<dyn Read + Send>> {
        match &self.again {
            Again::Path(p) => Some(Box::new(std::fs::File::open(p).ok()?)),
            Again::Memory(b) => Some(Box::new(std::io::Cursor::new(b.clone()))),
            Again::Never => None,
        }
    }

    /// The records of this source. `columns`: the source columns the caller reads (`None`:
    /// all); a Parquet file decodes only those (the others are never read from disk), every
    /// other format reads whole rows anyway.
    /// The batches of an in-memory table (`None` for other sources), leaving none behind;
    /// [`Source::put_arrow`] gives them back.
    #[cfg(feature = "arrow")]
    pub(crate) fn take_arrow(&mut self) -> Option<crate::arrow::Batches> {
        match &mut self.input {
            Input::Arrow(b) => Some(std::mem::replace(b, Box::new(std::iter::empty()))),
            _ => None,
        }
    }

    /// A second source of this in-memory table (its batches share their buffers: nothing is
    /// copied); `None` for other sources, or a table one of whose batches failed.
    #[cfg(feature = "arrow")]
    pub(crate) fn arrow_twin(&mut self) -> Option<Source> {
        let batches: Vec<_> = self.take_arrow()?.collect();
        let copy: Option<Vec<_>> = batches.iter().map(|b| b.as_ref().ok().cloned().map(Ok)).collect();
        self.put_arrow(batches);
        let mut twin = Source::from_arrow(self.kind, &self.name, Box::new(std::iter::empty()));
        twin.put_arrow(copy?);
        Some(twin)
    }

    /// Makes `batches` the table's batches again (after [`Source::take_arrow`]).
    #[cfg(feature = "arrow")]
    pub(crate) fn put_arrow(&mut self, batches: Vec<std::result::Result<arrow_array::RecordBatch, arrow_schema::ArrowError>>) {
        self.input = Input::Arrow(Box::new(batches.into_iter()));
    }

    /// A Parquet file's batches of the `wanted` columns, its id column `ids` as string views,
    /// read through another handle of the file (the source itself is left as it was); `None`
    /// for other sources.
    #[cfg(feature = "parquet")]
    pub(crate) fn parquet_batches(
        &self,
        wanted: Option<&[String]>,
        ids: Option<&str>,
    ) -> Option<Result<(Vec<String>, u64, super::parquet_file::ParquetBatches)>> {
        match &self.input {
            Input::File(f) => Some(super::parquet_file::file_batches(f, self.name.clone(), wanted, ids)),
            _ => None,
        }
    }

    /// The counter of bytes read (shared with the reader [`Source::records`] returns).
    pub(crate) fn bytes_read(&self) -> Arc<AtomicU64> {
        self.read.clone()
    }

    pub(crate) fn records(self, max_line_bytes: usize, columns: Option<&[String]>) -> Result<Box<dyn Records>> {
        #[cfg(not(feature = "parquet"))]
        let _ = columns;
        match (self.format, self.input) {
            #[cfg(feature = "parquet")]
            (_, Input::File(f)) => Ok(Box::new(super::parquet_file::ParquetRecords::open(f, self.name, columns)?)),
            #[cfg(feature = "parquet")]
            (Format::Parquet, Input::Bytes(r)) => Ok(Box::new(super::parquet_file::ParquetRecords::from_reader(r, self.name, columns)?)),
            #[cfg(not(feature = "parquet"))]
            (Format::Parquet, _) => Err(Error::Io {
                path: self.name,
                source: std::io::Error::new(
                    std::io::ErrorKind::Unsupported,
                    "a Parquet file, but this build of channel-kpi reads no Parquet: build it with the cargo feature `parquet`",
                ),
            }),
            #[cfg(feature = "arrow")]
            (_, Input::Arrow(b)) => Ok(Box::new(crate::arrow::ArrowRecords::new(b, self.name))),
            (Format::JsonLines, Input::Bytes(r)) => Ok(Box::new(jsonl_file::JsonlRecords::new(r, self.name, max_line_bytes))),
            (_, Input::Bytes(r)) => Ok(Box::new(csv_file::CsvRecords::new(r, self.name, max_line_bytes)?)),
        }
    }
}
