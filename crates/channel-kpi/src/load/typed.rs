//! The loader's shortcut for deals with typed columns (`arrow/typed_deals.rs`): an in-memory
//! Arrow table, or a Parquet file, read through a mapping without lookups (renames, value maps
//! and defaults applied to whole columns: `load/mapped_batch.rs`), is read batch by batch,
//! column by column, into the dataset's [`crate::Deals`]. Any other source — or any row the shortcut does not read exactly
//! like the row path, an unreadable batch, or a duplicate id — goes whole to the row path,
//! which reads it (and reports its errors) as always; the deals the shortcut had appended are
//! removed first.

use super::first_lines::FirstLines;
use super::kinds::RecordKind;
use super::mapping::{KindMapping, Mapping};
use super::read::Progressing;
use super::report::{FileReport, LoadOptions, LoadReport};
use super::shortcut::columns;
pub(super) use super::shortcut::shortcut_map;
use super::source::{Format, Source};
use crate::Dataset;
use crate::error::Result;
use arrow_array::RecordBatch;

/// Reads `src` into `ds.deals` through the shortcut (`Ok(None)`), or hands it back, unread,
/// for the row path (`Ok(Some(src))`).
pub(super) fn typed_deals(
    mut src: Source,
    mapping: &Mapping,
    opts: &LoadOptions,
    report: &mut LoadReport,
    ds: &mut Dataset,
    lines: &mut FirstLines,
) -> Result<Option<Source>> {
    let kind = RecordKind::Deals;
    let Some(map) = shortcut_map(mapping, opts).filter(|_| src.kind == kind) else { return Ok(Some(src)) };
    let start = ds.deals.len();
    let name = src.name.clone();
    // an in-memory table's batches, taken from `src`: put back when the row path reads it
    let mut taken = None;
    let read = match src.format {
        Format::Arrow => {
            let Some(batches) = src.take_arrow() else { return Ok(Some(src)) };
            let batches: Vec<_> = batches.collect();
            let header: Option<Vec<String>> =
                batches.first().and_then(|b| b.as_ref().ok()).map(|b| b.schema().fields().iter().map(|f| f.name().clone()).collect());
            let same = batches.iter().all(|b| b.as_ref().is_ok_and(|b| Some(b.schema()) == batches[0].as_ref().ok().map(|f| f.schema())));
            let progress = Progressing { opts, file: &name, total_rows: None, size: None, bytes_read: None };
            let read = match header.filter(|_| same).and_then(|h| columns(&name, &h, &map)) {
                Some(cols) => {
                    let ok: Vec<RecordBatch> = batches.iter().filter_map(|b| b.as_ref().ok().cloned()).collect();
                    append(ds, cols, &map, &progress, in_parts(&ok, &map).into_iter())
                }
                None => None,
            };
            taken = Some(batches);
            read
        }
        #[cfg(feature = "parquet")]
        Format::Parquet => match parquet_deals(&src, &map) {
            Some((cols, total, batches)) => {
                let progress = Progressing { opts, file: &name, total_rows: Some(total), size: src.size, bytes_read: None };
                append(ds, cols, &map, &progress, parquet_parts(batches, total, &map))
            }
            None => None,
        },
        _ => None,
    };
    // Duplicate ids: noted as the row path notes them (position, row); a duplicate is left to
    // the row path, which names both rows (and skips the row under `collect_errors`).
    let unique = read.is_some() && {
        let deals = &ds.deals;
        lines.insert_all(start..deals.len(), |p| (p - start) as u64, |q| deals.id(q))
    };
    let Some(cols) = read.filter(|_| unique) else {
        lines.forget_from(start);
        ds.deals.truncate(start);
        if let Some(batches) = taken {
            src.put_arrow(batches);
        }
        return Ok(Some(src));
    };
    let rows = (ds.deals.len() - start) as u64;
    report.columns.push((kind, cols));
    report.files.push(FileReport { file: name, kind, rows_read: rows, rows_loaded: rows });
    Ok(None)
}

/// Appends the rows of `batches` (`None`: a batch that did not read) to `ds.deals` when every
/// row is one the shortcut reads; the table's columns, or `None` (the caller removes what was
/// appended).
fn append(
    ds: &mut Dataset,
    cols: super::TableColumns,
    map: &KindMapping,
    progress: &Progressing,
    batches: impl Iterator<Item = Option<Part>>,
) -> Option<super::TableColumns> {
    let (mut rows, start) = (0u64, ds.deals.len());
    for b in batches {
        crate::interrupt::check().ok()?;
        match b? {
            Part::Batch(b) => super::mapped_batch::append(&mut ds.deals, &b, map)?,
            Part::Read(d) => ds.deals.append(*d),
        }
        let before = rows;
        rows = (ds.deals.len() - start) as u64;
        progress.advance(before, rows);
    }
    if rows == 0 {
        return None; // an empty table: the row path says what it says about those
    }
    progress.report(rows, true);
    Some(cols)
}

/// A Parquet deals file as the shortcut reads it: its columns, its rows, and the batches of the
/// columns read (`None`: the shortcut does not take it; the source is left unread).
#[cfg(feature = "parquet")]
pub(super) fn parquet_deals(src: &Source, map: &KindMapping) -> Option<(super::TableColumns, u64, super::parquet_file::ParquetBatches)> {
    if src.kind != RecordKind::Deals || src.format != Format::Parquet {
        return None;
    }
    let wanted = super::read::source_columns(RecordKind::Deals, map);
    let (header, total, batches) = src.parquet_batches(wanted.as_deref())?.ok()?;
    Some((columns(&src.name, &header, map)?, total, batches))
}

/// What [`append`] appends: a batch to read, or deals already read from one.
enum Part {
    Batch(RecordBatch),
    Read(Box<crate::Deals>),
}

/// An in-memory table read on every core: one contiguous run of rows per thread (zero-copy
/// slices), each into its own [`crate::Deals`], appended in row order; `None` in place of a part
/// that does not read (or of every part, when interrupted).
fn in_parts(batches: &[RecordBatch], map: &KindMapping) -> Vec<Option<Part>> {
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let threads = super::chunks::threads_for(Some(rows));
    if threads <= 1 {
        return batches.iter().map(|b| Some(Part::Batch(b.clone()))).collect();
    }
    on_threads(threads, |part, deals| {
        let (from, to) = (rows * part / threads, rows * (part + 1) / threads);
        let mut at = 0;
        for b in batches {
            let (lo, hi) = (from.max(at), to.min(at + b.num_rows()));
            if lo < hi {
                super::mapped_batch::append(deals, &b.slice(lo - at, hi - lo), map)?;
            }
            at += b.num_rows();
        }
        Some(())
    })
}

/// A Parquet file (of `total` rows) read on every core: one contiguous run of rows per thread,
/// each decoding only its rows (the pages of the others skipped) into its own
/// [`crate::Deals`]; a small file batch by batch on this thread.
#[cfg(feature = "parquet")]
fn parquet_parts(
    batches: super::parquet_file::ParquetBatches,
    total: u64,
    map: &KindMapping,
) -> Box<dyn Iterator<Item = Option<Part>> + '_> {
    let threads = super::chunks::threads_for(usize::try_from(total).ok());
    if threads <= 1 {
        return Box::new(batches.map(|b| b.ok().map(Part::Batch)));
    }
    let (t, n, file) = (threads as u64, total, batches.rows());
    Box::new(
        on_threads(threads, |part, deals| {
            let p = part as u64;
            file.only(n * p / t..n * (p + 1) / t).try_for_each(|b| super::mapped_batch::append(deals, &b.ok()?, map))
        })
        .into_iter(),
    )
}

/// Runs `read(part, deals)` for parts `0..threads` on as many threads, each into its own
/// [`crate::Deals`]; the parts in order, `None` in place of one that does not read (or of
/// every part, when interrupted).
fn on_threads(threads: usize, read: impl Fn(usize, &mut crate::Deals) -> Option<()> + Sync) -> Vec<Option<Part>> {
    let read = |part: usize| -> Result<Option<Part>> {
        let mut deals = crate::Deals::default();
        Ok(read(part, &mut deals).map(|()| Part::Read(Box::new(deals))))
    };
    match crate::interrupt::scoped(threads, read) {
        Ok(parts) => parts.into_iter().map(|p| p.ok().flatten()).collect(),
        Err(_) => vec![None],
    }
}
