//! Reading the rows of one [`Source`]: each row seen through the kind's mapping, converted by
//! a pure function (`conv`), then kept in row order by the caller (`keep`: duplicate checks,
//! pushing into the dataset). Bad rows stop the read, or with `collect_errors` are recorded
//! and skipped.
//!
//! Rows are converted on every core, in chunks kept in row order (`load/chunks.rs`), so the
//! dataset, the report and the first error are the same as one thread reading row by row.

use super::chunks::{Chunks, Convert, RowContext, threads_for};
use super::kinds::RecordKind;
use super::mapping::{KindMapping, Mapping};
#[cfg(feature = "arrow")]
use super::records::{Next, Records};
use super::report::{FileReport, LoadOptions, LoadReport};
use super::row::{AttrFilter, Cells, MappedRow};
use super::source::Source;
use crate::error::{Error, Location, Result};

/// Rows between two progress reports.
pub(super) const PROGRESS_EVERY: u64 = 50_000;

/// The progress reports of one source ([`LoadOptions::progress`]): rows read, and bytes as the
/// share of the rows read × the file's size when both totals are known (Parquet), else what
/// its byte reader counted (CSV, JSON Lines; 0 for an in-memory table).
pub(super) struct Progressing<'a> {
    pub(super) opts: &'a LoadOptions,
    pub(super) file: &'a str,
    pub(super) total_rows: Option<u64>,
    pub(super) size: Option<u64>,
    pub(super) bytes_read: Option<&'a std::sync::atomic::AtomicU64>,
}

impl Progressing<'_> {
    /// Reports `rows` read (`done`: the last report of this source).
    pub(super) fn report(&self, rows: u64, done: bool) {
        if let Some(p) = &self.opts.progress {
            let bytes = match (self.total_rows, self.size) {
                (Some(t), Some(s)) if t > 0 => (u128::from(s) * u128::from(rows.min(t)) / u128::from(t)) as u64,
                _ => self.bytes_read.map_or(0, |b| b.load(std::sync::atomic::Ordering::Relaxed)),
            };
            p(&super::Progress { file: self.file, rows, bytes, total_bytes: self.size, done });
        }
    }

    /// Reports when the rows read went from `before` past another multiple of
    /// [`PROGRESS_EVERY`].
    pub(super) fn advance(&self, before: u64, rows: u64) {
        if rows / PROGRESS_EVERY > before / PROGRESS_EVERY {
            self.report(rows, false);
        }
    }
}

/// Reads every row of `src` through `mapping` and `conv`. Bad rows stop the read, or with
/// `collect_errors` are recorded in the report and skipped.
///
/// ```
/// use channel_kpi::load::{read_rows, lead_from_row, LoadOptions, Mapping, RecordKind, Source};
/// let src = Source::from_text(RecordKind::Leads, "leads.csv", "lead_id,created_on\r\nL1,2025-01-02\r\nL2,2025-13-01\r\n");
/// let opts = LoadOptions { collect_errors: true, ..Default::default() };
/// let (leads, report) = read_rows(src, &Mapping::default(), &opts, |r| lead_from_row(r)).unwrap();
/// assert_eq!(leads.len(), 1);
/// assert_eq!(report.errors[0].to_string(), r#"leads.csv:3, lead L2, column `created_on`, value "2025-13-01": cannot parse: not a date in any of the formats %Y-%m-%d"#);
/// ```
pub fn read_rows<T: Send>(
    src: Source,
    mapping: &Mapping,
    opts: &LoadOptions,
    conv: impl Fn(&MappedRow) -> Result<T> + Sync,
) -> Result<(Vec<T>, LoadReport)> {
    let mut report = LoadReport::default();
    let mut out = Vec::new();
    read_into(src, mapping, opts, &mut report, &conv, |t, _| {
        out.push(t);
        Ok(())
    })?;
    Ok((out, report))
}

pub(super) fn read_into<T: Send>(
    src: Source,
    mapping: &Mapping,
    opts: &LoadOptions,
    report: &mut LoadReport,
    conv: Convert<'_, T>,
    mut keep: impl FnMut(T, u64) -> Result<()>,
) -> Result<()> {
    let kind = src.kind;
    let restricted = only_attrs(kind, mapping.kind(kind), opts);
    let map = restricted.as_ref().unwrap_or(mapping.kind(kind));
    #[allow(unused_mut)]
    let mut formats = mapping.date_formats(kind);
    #[allow(unused_mut)]
    let mut in_memory = false;
    #[cfg(feature = "arrow")]
    if src.format.has_rows() {
        // Typed Arrow date and timestamp cells (tables, Parquet) are rendered as ISO dates.
        crate::arrow::add_iso(&mut formats);
        in_memory = src.format == super::Format::Arrow;
    }
    let tables = super::lookups::lookups_for(map, mapping, &src.dir, in_memory, &src.name, opts)?;
    let name = src.name.clone();
    let (size, bytes_read) = (src.size, src.bytes_read());
    let fixed_header = src.format != super::Format::JsonLines;
    let wanted = source_columns(kind, map);
    let recs = src.records(opts.max_line_bytes, wanted.as_deref())?;
    let (all_columns, total_rows) = (recs.all_columns(), recs.total_rows());
    let progress = Progressing { opts, file: &name, total_rows, size, bytes_read: Some(&bytes_read) };
    let mut file = FileReport { file: name.clone(), kind, rows_read: 0, rows_loaded: 0 };
    // Every column checked once, before any row is converted.
    let mut columns = None;
    let mut first_row = |line: u64, rec: &dyn Cells| -> Result<()> {
        if fixed_header {
            let header: Vec<String> = all_columns.clone().unwrap_or_else(|| rec.pairs().iter().map(|(c, _)| c.to_string()).collect());
            let cols = super::TableColumns::new(kind, &name, &header, map);
            super::check_required(&cols, kind).map_err(|e| e.map_locations(&|l: &mut Location| l.line = Some(line)))?;
            columns = Some(cols);
        }
        Ok(())
    };
    // Each converted row, in row order: kept, or its error recorded (collect) or returned.
    let mut settle = |line: u64, result: Result<T>| -> Result<()> {
        file.rows_read += 1;
        match result.and_then(|t| keep(t, line)) {
            Ok(()) => file.rows_loaded += 1,
            // An interrupt (or a caller stopping the read from `keep`) is no bad row.
            Err(e) if opts.collect_errors && !matches!(e, Error::Interrupted) => report.errors.push(e),
            Err(e) => return Err(e),
        }
        progress.advance(file.rows_read - 1, file.rows_read);
        Ok(())
    };
    let cx = RowContext { map, formats: &formats, tables: &tables, name: &name };
    let mut recs = recs;
    #[cfg(feature = "arrow")]
    let table = recs.take_table();
    #[cfg(not(feature = "arrow"))]
    let table: Option<()> = None;
    let collect = opts.collect_errors;
    match table {
        #[cfg(feature = "arrow")]
        Some(batches) => {
            let batches = batches?;
            let rows = batches.iter().map(|b| b.num_rows()).sum();
            let all = |len| crate::arrow::ArrowRecords::rows_of(&batches, 0, len, &name);
            match threads_for(Some(rows)) {
                0 | 1 => cx.convert(&mut all(rows), conv, collect, &mut first_row, &mut settle)?,
                threads => {
                    if let Next::Row(line, rec) = all(1).next_record()? {
                        first_row(line, rec)?;
                    }
                    cx.convert_parallel(Chunks::Table(&batches, rows), threads, conv, collect, &mut settle)?
                }
            }
        }
        _ => match threads_for(None) {
            threads if threads > 1 && fixed_header => {
                cx.convert_parallel(Chunks::File(&mut *recs, &mut first_row), threads, conv, collect, &mut settle)?
            }
            _ => cx.convert(&mut *recs, conv, collect, &mut first_row, &mut settle)?,
        },
    }
    if let Some(c) = columns {
        report.columns.push((kind, c));
    }
    progress.report(file.rows_read, true);
    report.files.push(file);
    Ok(())
}

/// `map` with its `attrs` narrowed to [`LoadOptions::only_attrs`] (`None`: unchanged). Under
/// `"all"`, a wanted column the mapping would not keep (a mapped or canonical column) stays out.
pub(super) fn only_attrs(kind: RecordKind, map: &KindMapping, opts: &LoadOptions) -> Option<KindMapping> {
    use super::mapping::{Attrs, AttrsMode};
    let only = opts.only_attrs.as_ref().filter(|_| kind.has_attrs())?;
    let attrs = match &map.attrs {
        Attrs::Mode(AttrsMode::None) => return None,
        Attrs::Mode(AttrsMode::All) => {
            let filter = AttrFilter::new(map);
            only.iter().filter(|c| filter.keeps(c)).cloned().collect()
        }
        Attrs::Columns(cols) => cols.iter().filter(|c| only.contains(*c)).cloned().collect(),
    };
    Some(KindMapping { attrs: Attrs::Columns(attrs), ..map.clone() })
}

/// The source columns a reader must decode for `kind` (`None`: all); only a Parquet reader
/// can skip the others.
pub(super) fn source_columns(kind: RecordKind, map: &KindMapping) -> Option<Vec<String>> {
    #[cfg(feature = "parquet")]
    return super::parquet_file::needed_columns(kind, map);
    #[cfg(not(feature = "parquet"))]
    {
        let _ = (kind, map);
        None
    }
}
