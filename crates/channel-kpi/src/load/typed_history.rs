//! The loader's shortcut for stage history with typed columns (`arrow/typed_history.rs`): an
//! in-memory Arrow table or a Parquet file, read through a mapping without lookups
//! (`load/mapped_batch.rs`), whose every entry names a loaded deal, is read column by column
//! into entries already matched to their deals — no cell rendered as text and parsed back, no
//! location kept per row. Any other source, or one with a row the shortcut does not read
//! exactly like the row path (a missing value, a date as text, a deal id no loaded deal has),
//! goes whole to the row path, which reads it and reports its errors as always.

use super::mapping::Mapping;
use super::pending_history::Pending;
use super::read::Progressing;
use super::report::{FileReport, LoadOptions, LoadReport};
use super::shortcut::columns;
use super::source::{Format, Source};
use super::typed::shortcut_map;
use super::{RecordKind, TableColumns};
use crate::Dataset;
use crate::error::Result;

/// Reads `src` into `pending` through the shortcut (`Ok(None)`), or hands it back, unread, for
/// the row path (`Ok(Some(src))`).
pub(super) fn typed_history(
    mut src: Source,
    mapping: &Mapping,
    opts: &LoadOptions,
    report: &mut LoadReport,
    ds: &Dataset,
    pending: &mut Vec<Pending>,
) -> Result<Option<Source>> {
    let kind = RecordKind::StageHistory;
    let Some(map) = shortcut_map(kind, mapping, opts).filter(|_| src.kind == kind) else { return Ok(Some(src)) };
    // the deals by id: the deal of the row before or the one after it, else a hash index
    let mut finder = super::deal_finder::DealFinder::new(&ds.deals);
    let mut found = Vec::new();
    let (name, size) = (src.name.clone(), src.size);
    let mut read_all = |cols: TableColumns, total: Option<u64>, batches: &mut dyn Iterator<Item = Option<arrow_array::RecordBatch>>| {
        let progress = Progressing { opts, file: &name, total_rows: total, size, bytes_read: None };
        for b in batches {
            crate::interrupt::check().ok()?;
            let before = found.len() as u64;
            let b = super::mapped_batch::canonical(kind, &b?, &map)?;
            crate::arrow::append_history(&b, |id| finder.find(id), &mut found)?;
            progress.advance(before, found.len() as u64);
        }
        (!found.is_empty()).then(|| {
            progress.report(found.len() as u64, true);
            cols
        })
    };
    // an in-memory table's batches, taken from `src`: put back when the row path reads it
    let mut taken = None;
    let read = match src.format {
        Format::Arrow => match src.take_arrow() {
            None => None,
            Some(batches) => {
                let batches: Vec<_> = batches.collect();
                let first = batches.first().and_then(|b| b.as_ref().ok()).map(|b| b.schema());
                let same = batches.iter().all(|b| b.as_ref().is_ok_and(|b| Some(b.schema()) == first));
                let header: Option<Vec<String>> = first.map(|s| s.fields().iter().map(|f| f.name().clone()).collect());
                let read = match header.filter(|_| same).and_then(|h| columns(kind, &name, &h, &map)) {
                    Some(cols) => read_all(cols, None, &mut batches.iter().map(|b| b.as_ref().ok().cloned())),
                    None => None,
                };
                taken = Some(batches);
                read
            }
        },
        #[cfg(feature = "parquet")]
        Format::Parquet => match super::typed::parquet_table(&src, &map) {
            Some((cols, total, batches)) => read_all(cols, Some(total), &mut batches.map(|b| b.ok())),
            None => None,
        },
        _ => None,
    };
    let Some(cols) = read else {
        if let Some(batches) = taken {
            src.put_arrow(batches);
        }
        return Ok(Some(src));
    };
    let rows = found.len() as u64;
    pending.push(Pending::Found(found));
    report.columns.push((kind, cols));
    report.files.push(FileReport { file: name, kind, rows_read: rows, rows_loaded: rows });
    Ok(None)
}
