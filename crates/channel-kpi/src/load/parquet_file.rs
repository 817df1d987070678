//! Parquet reading (cargo feature `parquet`): a `.parquet` file is read row group by row group
//! into Arrow record batches, whose rows then go through the Arrow input path
//! ([`crate::arrow::ArrowRecords`]): the same cell rules (typed dates, exact decimals,
//! shortest round-trip floats), the same mapping and conversion functions as a CSV row.
//!
//! * **Projection**: only the columns the mapping reads are decoded ([`needed_columns`]); the
//!   others are never read from disk. The column checks still see every column of the file
//!   (`columns found: …`, close matches), as for CSV.
//! * **Errors** name the file and a 0-based `row` (rows are numbered across row groups, as
//!   pyarrow and polars number them); a file that is not Parquet or is cut short names the
//!   file; a row group that cannot be decoded (a corrupt page) names the row group, its rows and
//!   the column (found by decoding the group's columns one by one, on the error path only); a
//!   column of a type no record field takes (binary, lists, structs) names the column.

use super::kinds::RecordKind;
use super::mapping::{Attrs, AttrsMode, KindMapping};
use super::records::{Next, Records};
use crate::arrow::ArrowRecords;
use crate::error::{Error, Location, Result};
use arrow_array::RecordBatch;
use arrow_schema::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder, RowSelection, RowSelector,
};
use parquet::errors::ParquetError;
use parquet::file::reader::ChunkReader;
use std::io::Read;

/// Rows per record batch read row by row (the reader's unit of decoding; at most one batch is
/// held at a time).
const BATCH_ROWS: usize = 8192;

/// Rows per record batch for the typed readers ([`file_batches`]): a streamed chunk's rows
/// (`parquet_chunks::FOLD_ROWS`), so a chunk is one batch read in one call of the typed
/// reader, whose fixed costs per batch (each column's type matched, dates' tables, dictionary
/// memos) were paid eight times a chunk: on 1 M canonical deals the converting thread 451 ->
/// 379 M instructions, the folding thread 376 -> 360 M (the decoder's buffers grow once more:
/// 453 -> 472 M).
const TYPED_BATCH_ROWS: usize = 1 << 16;

/// The source columns the loader reads for `kind` through `map`: every canonical field's
/// column (renamed or not), lookup keys, org level columns and the `attrs` columns. `None`
/// when every column is needed (`attrs: "all"`, the default, on a kind with attrs).
pub(crate) fn needed_columns(kind: RecordKind, map: &KindMapping) -> Option<Vec<String>> {
    let mut cols: Vec<String> = Vec::new();
    match &map.attrs {
        Attrs::Mode(AttrsMode::All) if kind.has_attrs() => return None,
        Attrs::Columns(c) if kind.has_attrs() => cols.extend(c.iter().cloned()),
        _ => {}
    }
    cols.extend(kind.fields().iter().map(|f| map.source_column(f).to_string()));
    cols.extend(map.columns.values().cloned());
    cols.extend(map.lookups.iter().map(|l| l.on.clone()));
    cols.extend(map.levels.iter().map(|l| l.column.clone()));
    cols.sort();
    cols.dedup();
    Some(cols)
}

/// The source column of the ids of `kind`'s records through `map`, which [`file_batches`] reads
/// as string views (`None`: a kind whose typed reader reads no ids: `append_ids`).
pub(crate) fn id_column(kind: RecordKind, map: &KindMapping) -> Option<&str> {
    let field = match kind {
        RecordKind::Deals => "deal_id",
        RecordKind::Leads => "lead_id",
        RecordKind::Surveys => "survey_id",
        _ => return None,
    };
    Some(map.source_column(field))
}

/// A Parquet file (or bytes) as records.
pub(crate) struct ParquetRecords {
    rows: ArrowRecords,
    columns: Vec<String>,
    total: u64,
}

impl ParquetRecords {
    /// Opens a file: reads its footer (the schema and row groups), nothing else yet.
    pub(crate) fn open(file: std::fs::File, name: String, wanted: Option<&[String]>) -> Result<Self> {
        Self::new(SharedFile(std::sync::Arc::new(file)), name, wanted)
    }

    /// Parquet bytes from any reader (read whole: Parquet's footer is at the end).
    pub(crate) fn from_reader(mut r: Box<dyn Read + Send>, name: String, wanted: Option<&[String]>) -> Result<Self> {
        let mut buf = Vec::new();
        r.read_to_end(&mut buf).map_err(|source| Error::Io { path: name.clone(), source })?;
        Self::new(bytes::Bytes::from(buf), name, wanted)
    }

    fn new<R: ChunkReader + Clone + Send + 'static>(input: R, name: String, wanted: Option<&[String]>) -> Result<Self> {
        let (columns, total, groups) = batches_of(input, name.clone(), wanted, Layout::AsStored)?;
        Ok(ParquetRecords { rows: ArrowRecords::from_results(Box::new(groups), name), columns, total })
    }
}

/// A Parquet file's record batches of the `wanted` columns (all: `None`), row group after row
/// group, with every column name of the file and its number of rows: what the loader's typed
/// shortcut reads (`load/typed.rs`); errors as [`ParquetRecords`] reports them. A text column
/// stored as a dictionary throughout is read as one, and the records' id column `ids` (when it
/// is a text column stored otherwise) as string views ([`typed_layout`]).
pub(crate) fn file_batches(
    file: &std::fs::File,
    name: String,
    wanted: Option<&[String]>,
    ids: Option<&str>,
) -> Result<(Vec<String>, u64, ParquetBatches)> {
    let file = file.try_clone().map_err(|source| Error::Io { path: name.clone(), source })?;
    let (columns, total, groups) = batches_of(SharedFile(std::sync::Arc::new(file)), name, wanted, Layout::Typed { ids })?;
    Ok((columns, total, ParquetBatches(groups)))
}

/// Record batches of a Parquet file, one row group after the other.
pub(crate) struct ParquetBatches(Groups);

impl Iterator for ParquetBatches {
    type Item = Result<RecordBatch>;
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next()
    }
}

impl ParquetBatches {
    /// What reads any of the file's rows, to share between threads.
    pub(crate) fn rows(&self) -> ParquetRows {
        self.0.of.clone()
    }
}

/// Reads any rows of a Parquet file ([`ParquetBatches::rows`]); several threads can each decode
/// a part of one row group.
#[derive(Clone)]
pub(crate) struct ParquetRows {
    open: Open,
    /// The file's name, for errors.
    file: String,
    /// Every column name (root fields of the schema).
    names: Vec<String>,
    /// The projected columns.
    roots: Vec<usize>,
    /// Rows per row group.
    sizes: Vec<u64>,
}

impl ParquetRows {
    /// The batches of the file's rows `rows` (numbered across row groups from 0): row groups
    /// without such rows are not read, and within a row group the pages of other rows are
    /// skipped, not decoded.
    pub(crate) fn only(&self, rows: std::ops::Range<u64>) -> ParquetBatches {
        self.ranges(vec![rows])
    }

    /// The batches of the file's rows in `rows` (ranges in ascending order, not overlapping),
    /// in row order, as [`ParquetRows::only`] reads one range: one row selection per row
    /// group covers all of the group's ranges, so the rows between them are skipped once.
    pub(crate) fn ranges(&self, rows: Vec<std::ops::Range<u64>>) -> ParquetBatches {
        ParquetBatches(Groups::new(self.clone(), Some(rows)))
    }
}

/// The Arrow types a file's text columns are read as.
enum Layout<'a> {
    /// As the file's schema says (strings).
    AsStored,
    /// As the typed readers read them fastest ([`typed_layout`]), `ids` naming the records' id
    /// column.
    Typed { ids: Option<&'a str> },
}

fn batches_of<R: ChunkReader + Clone + Send + 'static>(
    input: R,
    name: String,
    wanted: Option<&[String]>,
    layout: Layout,
) -> Result<(Vec<String>, u64, Groups)> {
    let meta = ArrowReaderMetadata::load(&input, ArrowReaderOptions::new()).map_err(|e| unreadable(&name, e))?;
    let (meta, batch_rows) = match layout {
        Layout::AsStored => (meta, BATCH_ROWS),
        Layout::Typed { ids } => (typed_layout(meta, ids), TYPED_BATCH_ROWS),
    };
    let columns: Vec<String> = meta.schema().fields().iter().map(|f| f.name().clone()).collect();
    let mut roots: Vec<usize> = match wanted {
        None => (0..columns.len()).collect(),
        Some(w) => (0..columns.len()).filter(|&i| w.contains(&columns[i])).collect(),
    };
    if roots.is_empty() && !columns.is_empty() {
        // None of the needed columns is there: read one anyway, so rows are counted and the
        // column check reports what is missing.
        roots.push(0);
    }
    let sizes: Vec<u64> = meta.metadata().row_groups().iter().map(|g| g.num_rows().max(0) as u64).collect();
    let (m, file) = (meta.clone(), name.clone());
    let open =
        move |group: usize, cols: &[usize], rows: Option<RowSelection>| -> std::result::Result<ParquetRecordBatchReader, ParquetError> {
            let mask = ProjectionMask::roots(m.parquet_schema(), cols.iter().copied());
            let b = ParquetRecordBatchReaderBuilder::new_with_metadata(input.clone(), m.clone())
                .with_projection(mask)
                .with_row_groups(vec![group])
                .with_batch_size(batch_rows);
            match rows {
                Some(rows) => b.with_row_selection(rows).build(),
                None => b.build(),
            }
        };
    let total = sizes.iter().sum();
    let groups = Groups::new(ParquetRows { open: std::sync::Arc::new(open), file, names: columns.clone(), roots, sizes }, None);
    Ok((columns, total, groups))
}

/// `meta` reading each text column whose pages are all dictionary-encoded, in every row group,
/// as a dictionary array (`Dictionary(Int32, Utf8)`) instead of a string array: the typed
/// reader then finds each distinct text once per batch (`arrow/typed_deals.rs` `word_ids`),
/// where a string array has each row's text copied out of the dictionary and looked up
/// again (a third of the command's decoding time on 1 M deals). The id column `ids` otherwise
/// stored (unique ids: the writer falls back to plain pages once the dictionary is full) is
/// read as string views (`Utf8View`): a view holds a text of up to 12 bytes itself and points
/// into the decompressed page for a longer one, where a string array has the decoder copy
/// each text and push its offset (on 1 M ids of 2–7 bytes: 178 → 127 M instructions to decode
/// the column; `append_ids` reads the views). Other columns are read as before. The same texts
/// either way; only the arrays' layout differs.
fn typed_layout(meta: ArrowReaderMetadata, ids: Option<&str>) -> ArrowReaderMetadata {
    use parquet::basic::Encoding;
    let (md, leaves) = (meta.metadata(), meta.parquet_schema());
    let in_dictionary = |leaf: usize| {
        md.row_groups().iter().all(|g| {
            let c = g.column(leaf);
            c.dictionary_page_offset().is_some()
                && c.page_encoding_stats_mask()
                    .is_some_and(|m| m.is_only(Encoding::RLE_DICTIONARY) || m.is_only(Encoding::PLAIN_DICTIONARY))
        })
    };
    let mut changed = false;
    let fields: Vec<arrow_schema::FieldRef> = (meta.schema().fields().iter().enumerate())
        .map(|(root, f)| {
            let mut of_root = (0..leaves.num_columns()).filter(|&l| leaves.get_column_root_idx(l) == root);
            let leaf = match (of_root.next(), of_root.next()) {
                (Some(l), None) => Some(l),
                _ => None,
            };
            match (f.data_type(), leaf) {
                (t @ (DataType::Utf8 | DataType::LargeUtf8), Some(l)) if !md.row_groups().is_empty() && in_dictionary(l) => {
                    changed = true;
                    let t = DataType::Dictionary(Box::new(DataType::Int32), Box::new(t.clone()));
                    std::sync::Arc::new(f.as_ref().clone().with_data_type(t))
                }
                (DataType::Utf8, Some(_)) if ids == Some(f.name().as_str()) => {
                    changed = true;
                    std::sync::Arc::new(f.as_ref().clone().with_data_type(DataType::Utf8View))
                }
                _ => f.clone(),
            }
        })
        .collect();
    if !changed {
        return meta;
    }
    let schema = arrow_schema::Schema::new_with_metadata(fields, meta.schema().metadata().clone());
    ArrowReaderMetadata::try_new(md.clone(), ArrowReaderOptions::new().with_schema(std::sync::Arc::new(schema))).unwrap_or(meta)
}

impl Records for ParquetRecords {
    fn next_record(&mut self) -> Result<Next<'_>> {
        self.rows.next_record()
    }
    fn all_columns(&self) -> Option<Vec<String>> {
        Some(self.columns.clone())
    }
    fn total_rows(&self) -> Option<u64> {
        Some(self.total)
    }
}

/// A file shared by the readers of its row groups, read at positions (`pread`), never through
/// the handle's cursor: clones of a handle share one cursor, so two threads seeking it would
/// read each other's bytes.
#[derive(Clone)]
struct SharedFile(std::sync::Arc<std::fs::File>);

impl parquet::file::reader::Length for SharedFile {
    fn len(&self) -> u64 {
        self.0.len()
    }
}

impl ChunkReader for SharedFile {
    type T = At;
    fn get_read(&self, start: u64) -> parquet::errors::Result<At> {
        Ok(At { file: self.0.clone(), at: start })
    }
    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<bytes::Bytes> {
        let mut buf = vec![0; length];
        let mut r = At { file: self.0.clone(), at: start };
        r.read_exact(&mut buf)?;
        Ok(buf.into())
    }
}

/// A reader of a [`SharedFile`] from a position.
pub(crate) struct At {
    file: std::sync::Arc<std::fs::File>,
    at: u64,
}

impl Read for At {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(&*self.file, buf, self.at)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(&*self.file, buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// Opens a reader of row group `g`'s columns `cols` (their indexes among the roots), of the
/// group's rows the selection selects (all: `None`).
type Open = std::sync::Arc<
    dyn Fn(usize, &[usize], Option<RowSelection>) -> std::result::Result<ParquetRecordBatchReader, ParquetError> + Send + Sync,
>;

/// The record batches of the projected columns, one row group after the other.
struct Groups {
    of: ParquetRows,
    /// The file's rows read (ascending ranges); all: `None`.
    rows: Option<Vec<std::ops::Range<u64>>>,
    /// The next row group to open.
    next: usize,
    /// The first row of the open row group.
    start: u64,
    reader: Option<ParquetRecordBatchReader>,
}

impl Groups {
    fn new(of: ParquetRows, rows: Option<Vec<std::ops::Range<u64>>>) -> Self {
        Groups { of, rows, next: 0, start: 0, reader: None }
    }

    /// The error for row group `g`: which column fails, found by decoding each projected
    /// column of the group alone (the error path only).
    fn group_error(&self, g: usize, e: impl std::fmt::Display) -> Error {
        let failing = self.of.roots.iter().find_map(|&c| {
            let bad = match (self.of.open)(g, &[c], None) {
                Err(e) => Some(e.to_string()),
                Ok(mut r) => r.find_map(|b| b.err()).map(|e| e.to_string()),
            };
            bad.map(|why| (self.of.names[c].clone(), why))
        });
        let end = self.start + self.of.sizes[g];
        let (field, why) = match failing {
            Some((c, why)) => (Some(c), why),
            None => (None, e.to_string()),
        };
        Error::parse(
            Location { file: Some(self.of.file.clone()), field, ..Default::default() },
            format!("row group {g} (rows {}..{end}) cannot be decoded: {why}; the file is corrupt or was cut short", self.start),
        )
    }
}

impl Iterator for Groups {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = &mut self.reader {
                match r.next() {
                    Some(Ok(b)) => return Some(Ok(b)),
                    Some(Err(e)) => {
                        self.reader = None;
                        let g = self.next - 1;
                        self.next = self.of.sizes.len(); // nothing is read after a corrupt group
                        return Some(Err(self.group_error(g, e)));
                    }
                    None => {
                        self.reader = None;
                        self.start += self.of.sizes[self.next - 1];
                    }
                }
            }
            if self.next >= self.of.sizes.len() {
                return None;
            }
            let g = self.next;
            self.next += 1;
            let selection = self.rows.as_deref().map(|rows| selection(rows, self.start..self.start + self.of.sizes[g]));
            if selection.as_ref().is_some_and(|s| !s.selects_any()) {
                self.start += self.of.sizes[g];
                continue; // none of the group's rows is read
            }
            match (self.of.open)(g, &self.of.roots, selection) {
                Ok(r) => self.reader = Some(r),
                Err(e) => {
                    self.next = self.of.sizes.len();
                    return Some(Err(self.group_error(g, e)));
                }
            }
        }
    }
}

/// The file's rows in `rows` (ascending ranges) within the row group holding the file's rows
/// `group`, as a selection of the group's rows.
fn selection(rows: &[std::ops::Range<u64>], group: std::ops::Range<u64>) -> RowSelection {
    let mut out = Vec::new();
    let mut at = group.start; // the group's rows before `at` are in `out`
    for r in rows {
        let from = r.start.clamp(at, group.end);
        let to = r.end.clamp(from, group.end);
        if from < to {
            out.push(RowSelector::skip((from - at) as usize));
            out.push(RowSelector::select((to - from) as usize));
            at = to;
        }
    }
    out.push(RowSelector::skip((group.end - at) as usize));
    RowSelection::from(out)
}

/// The error for a file whose footer cannot be read: not Parquet, empty, or cut short.
fn unreadable(file: &str, e: ParquetError) -> Error {
    let loc = Location { file: Some(file.into()), ..Default::default() };
    Error::parse(loc, format!("not a readable Parquet file (cut short, or another format named .parquet?): {e}"))
}

#[cfg(test)]
#[path = "parquet_file_tests.rs"]
mod tests;
