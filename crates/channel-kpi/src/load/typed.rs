//! The loader's shortcut for in-memory deals tables with typed columns
//! (`arrow/typed_deals.rs`): a table through the identity mapping whose every column is a
//! canonical deal field is read column by column into the dataset's [`crate::Deals`]; any
//! other table — or any row the shortcut does not read exactly like the row path, or a
//! duplicate id — is handed back whole to the row path, which reads it (and reports its errors)
//! as always.

use super::first_lines::FirstLines;
use super::kinds::RecordKind;
use super::mapping::Mapping;
use super::report::{FileReport, LoadOptions, LoadReport, Progress};
use super::source::{Format, Source};
use crate::Dataset;
use crate::error::Result;

/// Reads `src` into `ds.deals` through the shortcut (`Ok(None)`), or hands it back with its
/// batches intact for the row path (`Ok(Some(src))`).
pub(super) fn typed_deals(
    mut src: Source,
    mapping: &Mapping,
    opts: &LoadOptions,
    report: &mut LoadReport,
    ds: &mut Dataset,
    lines: &mut FirstLines,
) -> Result<Option<Source>> {
    let kind = RecordKind::Deals;
    let map = mapping.kind(kind);
    let identity = map.columns.is_empty() && map.values.is_empty() && map.defaults.is_empty() && map.lookups.is_empty();
    if src.kind != kind || src.format != Format::Arrow || !identity {
        return Ok(Some(src));
    }
    let Some(batches) = src.take_arrow() else { return Ok(Some(src)) };
    let batches: Vec<_> = batches.collect();
    let Some(header) = canonical_header(&batches) else {
        src.put_arrow(batches);
        return Ok(Some(src));
    };
    let cols = super::TableColumns::new(kind, &src.name, &header, map);
    if super::check_required(&cols, kind).is_err() {
        src.put_arrow(batches);
        return Ok(Some(src));
    }
    let start = ds.deals.len();
    let read = batches.iter().flatten().try_for_each(|b| crate::arrow::append_deals(&mut ds.deals, b));
    // Duplicate ids: noted as the row path notes them (position, row); a duplicate is left to
    // the row path, which names both rows (and skips the row under `collect_errors`).
    let unique = read.is_some() && {
        let deals = &ds.deals;
        (start..deals.len()).all(|p| lines.insert(deals.id(p), p, (p - start) as u64, |q| deals.id(q)).is_none())
    };
    if !unique {
        lines.forget_from(start);
        ds.deals.truncate(start);
        src.put_arrow(batches);
        return Ok(Some(src));
    }
    let rows = (ds.deals.len() - start) as u64;
    report.columns.push((kind, cols));
    if let Some(p) = &opts.progress {
        p(&Progress { file: &src.name, rows, bytes: 0, total_bytes: None, done: true });
    }
    report.files.push(FileReport { file: src.name.clone(), kind, rows_read: rows, rows_loaded: rows });
    Ok(None)
}

/// The column names of a table whose batches all read, share one schema, hold rows, and name
/// only canonical deal fields (an attr column is read by the row path).
fn canonical_header(batches: &[std::result::Result<arrow_array::RecordBatch, arrow_schema::ArrowError>]) -> Option<Vec<String>> {
    let first = batches.first()?.as_ref().ok()?;
    let schema = first.schema();
    let fields = RecordKind::Deals.fields();
    let header: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let same = batches.iter().all(|b| b.as_ref().is_ok_and(|b| b.schema() == schema));
    let rows: usize = batches.iter().flatten().map(|b| b.num_rows()).sum();
    (same && rows > 0 && header.iter().all(|h| fields.contains(&h.as_str()))).then_some(header)
}
