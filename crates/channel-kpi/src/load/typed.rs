//! The loader's shortcut for deals, leads, subscription months and survey answers with typed
//! columns (`arrow/typed_deals.rs`, `arrow/typed_leads.rs`, `arrow/typed_subscriptions.rs`,
//! `arrow/typed_surveys.rs`): an in-memory Arrow table, or a Parquet file, read through a
//! mapping without lookups (renames, value maps and defaults applied to whole columns:
//! `load/mapped_batch.rs`), is read batch by batch, column by column, into the dataset's column
//! store of its kind ([`Typed`]), on every core. Any other source — or any row the shortcut
//! does not read exactly like the row path, an unreadable batch, or a duplicate id — goes whole
//! to the row path, which reads it (and reports its errors) as always; the records the shortcut
//! had appended are removed first.

use super::first_lines::{FirstLines, HashedIds};
use super::kinds::RecordKind;
use super::mapping::{KindMapping, Mapping};
use super::read::Progressing;
use super::report::{FileReport, LoadOptions, LoadReport};
use super::shortcut::columns;
pub(super) use super::shortcut::shortcut_map;
use super::source::{Format, Source};
use crate::error::Result;
use crate::{Dataset, Deals, Leads, Subscriptions, Surveys};
use arrow_array::RecordBatch;

/// The records the typed readers append a table to: a dataset's deals, leads, subscription
/// months and survey answers.
pub(super) trait Typed: Default + Send + 'static {
    /// The kind of the records.
    const KIND: RecordKind;
    /// The dataset's records of this kind.
    fn of(ds: &mut Dataset) -> &mut Self;
    /// Number of records.
    fn count(&self) -> usize;
    /// Keeps the first `len` records.
    fn keep(&mut self, len: usize);
    /// Appends the records of `other`.
    fn append_all(&mut self, other: Self);
    /// The id of record `i`, when records of this kind have unique ids (subscription months
    /// have none: several rows of one account and month add up; survey answers' ids are
    /// optional and may repeat).
    fn id_at(&self, i: usize) -> Option<&str>;
    /// Appends the records of `b` read through `map`; `None` when one is not read exactly
    /// like the row path (the caller removes what was appended).
    fn append_batch(&mut self, b: &RecordBatch, map: &KindMapping) -> Option<()>;
    /// Makes room for `n` more records (a reader that knows how many it will append).
    fn reserve_records(&mut self, n: usize);
}

/// `Typed` for a dataset's column store `$store` of kind `$kind` in field `$field`, appending
/// batches with `$append`, its records' ids given by `$id` (`|records, i| …`).
macro_rules! typed {
    ($($store:ident: $kind:ident in $field:ident by $append:ident, ids $id:expr, room $room:expr),+) => {$(
        impl Typed for $store {
            const KIND: RecordKind = RecordKind::$kind;
            fn of(ds: &mut Dataset) -> &mut Self {
                &mut ds.$field
            }
            fn count(&self) -> usize {
                self.len()
            }
            fn keep(&mut self, len: usize) {
                self.truncate(len);
            }
            fn append_all(&mut self, other: Self) {
                self.append(other);
            }
            fn id_at(&self, i: usize) -> Option<&str> {
                let id: fn(&Self, usize) -> Option<&str> = $id;
                id(self, i)
            }
            fn append_batch(&mut self, b: &RecordBatch, map: &KindMapping) -> Option<()> {
                super::mapped_batch::$append(self, b, map)
            }
            fn reserve_records(&mut self, n: usize) {
                let room: fn(&mut Self, usize) = $room;
                room(self, n)
            }
        }
    )+};
}
typed!(
    Deals: Deals in deals by append, ids |d, i| Some(d.id(i)), room |d, n| d.reserve(n),
    Leads: Leads in leads by append_leads, ids |l, i| Some(l.id(i)), room |_, _| {},
    Subscriptions: Subscriptions in subscriptions by append_subscriptions, ids |_, _| None, room |s, n| s.reserve(n),
    // answer ids are optional and may repeat: the row path keeps them all
    Surveys: Surveys in surveys by append_surveys, ids |_, _| None, room |s, n| s.reserve(n)
);

/// Reads `src` into the dataset's records of kind `T` through the shortcut (`Ok(None)`), or
/// hands it back, unread, for the row path (`Ok(Some(src))`); `lines` notes the ids of kind `T`.
pub(super) fn typed_table<T: Typed>(
    mut src: Source,
    mapping: &Mapping,
    opts: &LoadOptions,
    report: &mut LoadReport,
    ds: &mut Dataset,
    lines: &mut FirstLines,
) -> Result<Option<Source>> {
    let kind = T::KIND;
    let Some(map) = shortcut_map(kind, mapping, opts).filter(|_| src.kind == kind) else { return Ok(Some(src)) };
    let start = T::of(ds).count();
    let name = src.name.clone();
    // an in-memory table's batches, taken from `src`: put back when the row path reads it
    let mut taken = None;
    let read = match src.format {
        Format::Arrow => {
            let Some(batches) = src.take_arrow() else { return Ok(Some(src)) };
            let batches: Vec<_> = batches.collect();
            let progress = Progressing { opts, file: &name, total_rows: None, size: None, bytes_read: None };
            let read = match table_header(&batches).and_then(|h| columns(kind, &name, &h, &map)) {
                Some(cols) => {
                    let ok: Vec<RecordBatch> = batches.iter().filter_map(|b| b.as_ref().ok().cloned()).collect();
                    append(T::of(ds), cols, &map, &progress, in_parts::<T>(&ok, &map).into_iter())
                }
                None => None,
            };
            taken = Some(batches);
            read
        }
        #[cfg(feature = "parquet")]
        Format::Parquet => match parquet_table(&src, &map) {
            Some((cols, total, batches)) => {
                let progress = Progressing { opts, file: &name, total_rows: Some(total), size: src.size, bytes_read: None };
                append(T::of(ds), cols, &map, &progress, parquet_parts::<T>(batches, total, &map))
            }
            None => None,
        },
        _ => None,
    };
    // Duplicate ids: noted as the row path notes them (position, row); a duplicate is left to
    // the row path, which names both rows (and skips the row under `collect_errors`). Parts
    // read on other threads come with their ids sorted there.
    let (mut read, records) = (read, T::of(ds));
    let unique = read.as_mut().is_some_and(|(_, sorted)| {
        let id_at = |q| records.id_at(q).unwrap_or_default();
        records.count() == start
            || records.id_at(start).is_none()
            || match sorted.take() {
                Some(runs) => lines.insert_sorted(runs, id_at),
                None => lines.insert_all(start..records.count(), |p| (p - start) as u64, id_at),
            }
    });
    let Some((cols, _)) = read.filter(|_| unique) else {
        lines.forget_from(start);
        T::of(ds).keep(start);
        if let Some(batches) = taken {
            src.put_arrow(batches);
        }
        return Ok(Some(src));
    };
    let rows = (T::of(ds).count() - start) as u64;
    report.columns.push((kind, cols));
    report.files.push(FileReport { file: name, kind, rows_read: rows, rows_loaded: rows });
    Ok(None)
}

/// The column names of an in-memory table's `batches`, when every batch read and all share
/// one schema (`None` otherwise, or for no batch).
fn table_header(batches: &[std::result::Result<RecordBatch, arrow_schema::ArrowError>]) -> Option<Vec<String>> {
    let first = batches.first()?.as_ref().ok()?.schema();
    batches.iter().all(|b| b.as_ref().is_ok_and(|b| b.schema() == first)).then(|| first.fields().iter().map(|f| f.name().clone()).collect())
}

/// An in-memory table of `kind` as the shortcut reads it ([`typed_table`]'s test): its columns,
/// its rows and its batches, taken from `src`; `None`, with `src` left as it was, when the
/// shortcut does not take it (or `src` is of another kind).
#[cfg(feature = "parquet")]
pub(super) fn arrow_of(kind: RecordKind, src: &mut Source, map: &KindMapping) -> Option<(super::TableColumns, u64, Vec<RecordBatch>)> {
    if src.kind != kind || src.format != Format::Arrow {
        return None;
    }
    let batches: Vec<_> = src.take_arrow()?.collect();
    match table_header(&batches).and_then(|h| columns(src.kind, &src.name, &h, map)) {
        Some(cols) => {
            let batches: Vec<RecordBatch> = batches.into_iter().filter_map(|b| b.ok()).collect();
            let total = batches.iter().map(|b| b.num_rows() as u64).sum();
            Some((cols, total, batches))
        }
        None => {
            src.put_arrow(batches);
            None
        }
    }
}

/// The rows `ranges` (ascending, not overlapping) of a table of `batches`, as zero-copy slices
/// in row order.
#[cfg(feature = "parquet")]
pub(super) fn table_ranges(batches: &[RecordBatch], ranges: &[std::ops::Range<u64>]) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    let (mut b, mut at) = (0, 0u64);
    for r in ranges {
        while b < batches.len() && at < r.end {
            let n = batches[b].num_rows() as u64;
            let (lo, hi) = (r.start.max(at), r.end.min(at + n));
            if lo < hi {
                out.push(batches[b].slice((lo - at) as usize, (hi - lo) as usize));
            }
            if at + n > r.end {
                break; // the next range may start in this batch
            }
            at += n;
            b += 1;
        }
    }
    out
}

/// Appends the rows of `batches` (`None`: a batch that did not read) to `records` when every
/// row is one the shortcut reads; the table's columns and, when every part came read with its
/// ids sorted, those ids (at their positions in `records`, lines counted from the first
/// appended record) — or `None` (the caller removes what was appended).
fn append<T: Typed>(
    records: &mut T,
    cols: super::TableColumns,
    map: &KindMapping,
    progress: &Progressing,
    batches: impl Iterator<Item = Option<Part<T>>>,
) -> Option<(super::TableColumns, Option<Vec<HashedIds>>)> {
    let (mut rows, start) = (0u64, records.count());
    let mut sorted = Some(Vec::new());
    for b in batches {
        crate::interrupt::check().ok()?;
        let at = records.count();
        match b? {
            Part::Batch(b) => {
                records.append_batch(&b, map)?;
                sorted = None;
            }
            Part::Read(d, ids) => {
                records.append_all(*d);
                match (ids, &mut sorted) {
                    (Some(ids), Some(runs)) => runs.push(ids.shifted(at, (at - start) as u64)),
                    _ => sorted = None,
                }
            }
        }
        let before = rows;
        rows = (records.count() - start) as u64;
        progress.advance(before, rows);
    }
    if rows == 0 {
        return None; // an empty table: the row path says what it says about those
    }
    progress.report(rows, true);
    Some((cols, sorted))
}

/// A Parquet file of `kind` as the shortcut reads it ([`parquet_table`]).
#[cfg(feature = "parquet")]
pub(super) fn parquet_of(
    kind: RecordKind,
    src: &Source,
    map: &KindMapping,
) -> Option<(super::TableColumns, u64, super::parquet_file::ParquetBatches)> {
    (src.kind == kind).then(|| parquet_table(src, map)).flatten()
}

/// A Parquet file as the shortcut reads it: its columns, its rows, and the batches of the
/// columns read (`None`: the shortcut does not take it; the source is left unread).
#[cfg(feature = "parquet")]
pub(super) fn parquet_table(src: &Source, map: &KindMapping) -> Option<(super::TableColumns, u64, super::parquet_file::ParquetBatches)> {
    if src.format != Format::Parquet {
        return None;
    }
    let wanted = super::read::source_columns(src.kind, map);
    let ids = super::parquet_file::id_column(src.kind, map);
    let (header, total, batches) = src.parquet_batches(wanted.as_deref(), ids)?.ok()?;
    Some((columns(src.kind, &src.name, &header, map)?, total, batches))
}

/// What [`append`] appends: a batch to read, or records already read from one (with their ids
/// sorted by hash when records of this kind have ids).
enum Part<T> {
    Batch(RecordBatch),
    Read(Box<T>, Option<Box<HashedIds>>),
}

/// An in-memory table read on every core: one contiguous run of rows per thread (zero-copy
/// slices), each into its own records, appended in row order; `None` in place of a part that
/// does not read (or of every part, when interrupted).
fn in_parts<T: Typed>(batches: &[RecordBatch], map: &KindMapping) -> Vec<Option<Part<T>>> {
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let threads = super::chunks::threads_for(Some(rows));
    if threads <= 1 {
        return batches.iter().map(|b| Some(Part::Batch(b.clone()))).collect();
    }
    on_threads(threads, |part, records: &mut T| {
        let (from, to) = (rows * part / threads, rows * (part + 1) / threads);
        records.reserve_records(room(part, from, to, rows));
        let mut at = 0;
        for b in batches {
            let (lo, hi) = (from.max(at), to.min(at + b.num_rows()));
            if lo < hi {
                records.append_batch(&b.slice(lo - at, hi - lo), map)?;
            }
            at += b.num_rows();
        }
        Some(())
    })
}

/// A Parquet file (of `total` rows) read on every core: one contiguous run of rows per thread,
/// each decoding only its rows (the pages of the others skipped) into its own records; a small
/// file batch by batch on this thread.
#[cfg(feature = "parquet")]
fn parquet_parts<T: Typed>(
    batches: super::parquet_file::ParquetBatches,
    total: u64,
    map: &KindMapping,
) -> Box<dyn Iterator<Item = Option<Part<T>>> + '_> {
    let threads = super::chunks::threads_for(usize::try_from(total).ok());
    if threads <= 1 {
        return Box::new(batches.map(|b| b.ok().map(Part::Batch)));
    }
    let (t, n, file) = (threads as u64, total, batches.rows());
    Box::new(
        on_threads(threads, |part, records: &mut T| {
            let p = part as u64;
            let (from, to) = (n * p / t, n * (p + 1) / t);
            records.reserve_records(usize::try_from(room(part as u64, from, to, n)).unwrap_or(0));
            file.only(from..to).try_for_each(|b| records.append_batch(&b.ok()?, map))
        })
        .into_iter(),
    )
}

/// The records part `part` (rows `from..to` of `total`) makes room for: its own, and for the
/// first part every row, as the later parts are appended to it in order (`append` takes the
/// first part as it is): the appends then copy nothing already read and grow no column.
fn room<N: std::ops::Sub<Output = N> + Default + PartialEq>(part: N, from: N, to: N, total: N) -> N {
    if part == N::default() { total } else { to - from }
}

/// Runs `read(part, records)` for parts `0..threads` on as many threads, each into its own
/// records; the parts in order, `None` in place of one that does not read (or of every part,
/// when interrupted).
fn on_threads<T: Typed>(threads: usize, read: impl Fn(usize, &mut T) -> Option<()> + Sync) -> Vec<Option<Part<T>>> {
    let read = |part: usize| -> Result<Option<Part<T>>> {
        let mut records = T::default();
        Ok(read(part, &mut records).map(|()| {
            let n = records.count();
            let ids = (n > 0 && records.id_at(0).is_some())
                .then(|| Box::new(HashedIds::new(0..n, |p| p as u64, |q| records.id_at(q).unwrap_or_default())));
            Part::Read(Box::new(records), ids)
        }))
    };
    match crate::interrupt::scoped(threads, read) {
        Ok(parts) => parts.into_iter().map(|p| p.ok().flatten()).collect(),
        Err(_) => vec![None],
    }
}
