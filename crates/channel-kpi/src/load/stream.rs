//! Queries straight from files, in memory that does not grow with the files: [`run_files`].
//!
//! A query on files needs no [`Dataset`](crate::Dataset): each fact record can be folded into an [`Engine`]
//! as soon as the loader has converted it, once the reference data it is checked and grouped
//! against is known. So [`run_files`]
//! 1. reads the reference kinds (org units, partners, pipeline, exchange rates: small) as a
//!    whole load does;
//! 2. reads each fact file in the loader's chunks (converted on every core, handed on in row
//!    order: the same conversion, the same row errors, the same report as a whole load) and,
//!    instead of keeping each record, checks what a whole load checks about it afterwards —
//!    its id unused (deals, tickets, referrals, leads read row by row: [`IdHashes`](super::id_hashes::IdHashes), 8–16
//!    bytes per id; leads a typed reader reads in chunks: `IdParts`, 8 bytes per id, checked
//!    once the source is read, since nothing looks a lead up),
//!    the partner, owner, stage and deal it names known — and pushes it into the engine;
//! 3. checks `group_by` against the columns read and finishes the partial.
//!
//! Every query streams, with these exceptions, which fall back to the whole load
//! ([`load_paths`] + [`Dataset::run_checked`](crate::Dataset::run_checked)), so results and errors are always a whole
//! load's:
//! * a `stage_history` file: its entries are attached to deals read before them;
//! * a repeated id hash (a duplicate id, or two ids with one 64-bit hash: the whole load
//!   compares the ids, and names the line of the first one), a reference a whole load would refuse, an error of the query while folding, or a
//!   reference file that fails to load: the whole load then reports what it reports (the
//!   first bad row of any file comes before these in a whole load).
//!
//! Leads are linked to the deals they became as a whole load does (`won_on` from a won deal):
//! when a leads file is read, the close dates of won deals are kept by id hash meanwhile
//! ([`WonDates`](super::won_dates::WonDates), by 128-bit hash: 48–96 bytes per won deal, 32 until the first lead). A
//! Parquet leads file, or an in-memory leads table, the typed reader takes is read in chunks
//! like a deals one (`load/stream_deals.rs`), each chunk's links looked up together.

use super::assemble::{load_sources, loaded, table_columns, to_rows};
use super::folder::Folder;
use super::kinds::RecordKind;
use super::mapping::Mapping;
use super::paths::{load_paths, path_sources};
use super::read::read_into;
use super::report::{LoadOptions, LoadReport};
use super::row::MappedRow;
use super::source::Source;
use crate::engine::{Engine, Query, ResultTable};
use crate::error::{Error, Result};
use std::collections::HashSet;
use std::path::PathBuf;

/// Runs `query` on files and directories (what [`load_paths`] reads), folding the fact records
/// into the query's partial states as they are read (see the module doc: which queries stream,
/// and the fallback to a whole load). The result, the report and every error are those of
/// [`load_paths`] + [`Dataset::run_checked`](crate::Dataset::run_checked) with the same options; when `opts.only_attrs` is
/// unset, only the `attrs` columns the query reads are kept ([`LoadOptions::for_query`]).
///
/// ```
/// use channel_kpi::load::{run_files, LoadOptions, Mapping};
/// use channel_kpi::{Metric, Period, Query};
/// let q = Query::new(vec![Metric::DealCount], Period::parse("2025").unwrap());
/// let (table, report) = run_files(&["../../examples/data".into()], &Mapping::default(), &LoadOptions::default(), &q).unwrap();
/// assert!(report.rows_read() > 0 && table.rows.len() == 1);
/// ```
pub fn run_files(paths: &[PathBuf], mapping: &Mapping, opts: &LoadOptions, query: &Query) -> Result<(ResultTable, LoadReport)> {
    let opts = &opts.clone().for_query(query);
    let sources = path_sources(paths, mapping)?;
    if sources.iter().all(|s| s.kind != RecordKind::StageHistory)
        && let Some(done) = stream(sources, mapping, opts, query)?
    {
        return Ok(done);
    }
    let (data, report) = load_paths(paths, mapping, opts)?;
    Ok((data.run_checked_and_drop(query)?, report))
}

/// Runs `query` on in-memory tables ([`Source::from_arrow`]): the result, the report and every
/// error of [`load_sources`] + [`Dataset::run_checked`](crate::Dataset::run_checked) with the
/// same options — but when the fact tables are deals and leads tables (spend, targets, course
/// rows and reference tables beside them), they are folded as they are read, as [`run_files`] folds
/// files: deals and leads cut in chunks of 64 k rows, each read into columns on one core while
/// the one before is folded on another; no [`Dataset`](crate::Dataset) is built. Whatever does
/// not stream (other kinds) is loaded whole first, as [`load_sources`] loads it; a table the
/// typed reader does not take is read through the row path, converted on every core.
///
/// ```
/// use arrow_array::{ArrayRef, RecordBatch, StringArray};
/// use channel_kpi::load::{run_tables, LoadOptions, Mapping, RecordKind, Source};
/// use channel_kpi::{Metric, Period, Query};
/// use std::sync::Arc;
/// let col = |v: Vec<&str>| Arc::new(StringArray::from(v)) as ArrayRef;
/// let deals = RecordBatch::try_from_iter([
///     ("deal_id", col(vec!["A", "B"])),
///     ("status", col(vec!["won", "open"])),
///     ("created_on", col(vec!["2025-01-10", "2025-02-01"])),
///     ("closed_on", col(vec!["2025-03-01", ""])),
///     ("amount", col(vec!["100", "50"])),
///     ("currency", col(vec!["EUR", "EUR"])),
/// ]).unwrap();
/// let src = Source::from_arrow(RecordKind::Deals, "deals", Box::new(std::iter::once(Ok(deals))));
/// let q = Query::new(vec![Metric::DealCount], Period::parse("2025").unwrap());
/// let (table, _) = run_tables(vec![src], &Mapping::default(), &LoadOptions::default(), &q).unwrap();
/// assert_eq!(table.rows.len(), 1);
/// ```
#[cfg(feature = "arrow")]
pub fn run_tables(sources: Vec<Source>, mapping: &Mapping, opts: &LoadOptions, query: &Query) -> Result<(ResultTable, LoadReport)> {
    let mut sources = sources;
    let streams = cfg!(feature = "parquet")
        && sources.iter().any(|s| matches!(s.kind, RecordKind::Deals | RecordKind::Leads))
        && sources.iter().all(|s| is_reference(s.kind) || streams_from_table(s.kind));
    if streams {
        // the tables again for the whole load, should the fold fall back to it
        let twins: Option<Vec<Source>> = sources.iter_mut().map(Source::arrow_twin).collect();
        if let Some(twins) = twins {
            if let Some(done) = stream(sources, mapping, opts, query)? {
                return Ok(done);
            }
            sources = twins;
        }
    }
    let (data, report) = load_sources(sources, mapping, opts)?;
    Ok((data.run_checked_and_drop(query)?, report))
}

/// The fact kinds a query on tables folds as it reads them: deals and leads (read into columns
/// chunk by chunk, `load/stream_deals.rs`), and the kinds a [`crate::Dataset`] keeps as records
/// and its query pushes one by one anyway (spend, targets, course rows: few rows; the courses
/// of `training_impact`, pushed after the deals, session 23). Subscription months and
/// survey answers, read into columns by a whole load, are not streamed (the streamed row path
/// would convert and push them one by one).
#[cfg(feature = "arrow")]
fn streams_from_table(kind: RecordKind) -> bool {
    matches!(kind, RecordKind::Deals | RecordKind::Leads | RecordKind::Spend | RecordKind::Targets | RecordKind::Courses)
}

/// The reference kinds, read whole before any fact record is folded.
fn is_reference(kind: RecordKind) -> bool {
    matches!(kind, RecordKind::OrgUnits | RecordKind::Partners | RecordKind::Pipeline | RecordKind::FxRates)
}

/// The streamed query; `None` when it must fall back to a whole load.
fn stream(sources: Vec<Source>, mapping: &Mapping, opts: &LoadOptions, query: &Query) -> Result<Option<(ResultTable, LoadReport)>> {
    let tables: HashSet<String> = sources.iter().filter(|s| s.format.has_rows()).map(|s| s.name.clone()).collect();
    let (refs, mut facts): (Vec<Source>, Vec<Source>) = sources.into_iter().partition(|s| is_reference(s.kind));
    facts.sort_by_key(|s| s.kind);
    let (refs, mut report) = match load_sources(refs, mapping, opts) {
        Ok((ds, report)) => (ds.refs, report),
        Err(Error::Interrupted) => return Err(Error::Interrupted),
        Err(_) => return Ok(None),
    };
    // An invalid query is reported after the load, as a whole load reports it.
    let (engine, query_error) = match Engine::new(query, &refs) {
        Ok(e) => (Some(e), None),
        Err(e) => (None, Some(e)),
    };
    let count = |kind| facts.iter().filter(|s| s.kind == kind).count();
    let mut folder = Folder::new(&refs, engine, (count(RecordKind::Deals), count(RecordKind::Leads)));
    if folder.partners().is_err() {
        return Ok(None);
    }
    for src in facts {
        #[cfg(feature = "parquet")]
        let Some(src) = (match super::stream_deals::typed_facts(src, mapping, opts, &mut report, &mut folder) {
            Ok(src) => src,
            Err(()) => return Ok(None),
        }) else {
            continue;
        };
        let Some(src) = (match super::stream_deals::csv_deals(src, mapping, opts, &mut report, &mut folder) {
            Ok(src) => src,
            Err(()) => return Ok(None),
        }) else {
            continue;
        };
        let kind = src.kind;
        let levels = mapping.kind(kind).levels.clone();
        let convert = |row: &MappedRow| loaded(kind, &levels, row);
        let mut fell_back = false;
        let read = read_into(src, mapping, opts, &mut report, &convert, |rec, _| {
            folder.fold(rec).map_err(|()| {
                fell_back = true;
                Error::Interrupted
            })
        });
        match read {
            Ok(()) => {}
            Err(_) if fell_back => return Ok(None),
            Err(e) => return Err(to_rows(e, &tables)),
        }
    }
    report.errors = std::mem::take(&mut report.errors).into_iter().map(|e| to_rows(e, &tables)).collect();
    super::check_group_by(&table_columns(&report), &refs, query)?;
    if let Some(e) = query_error {
        return Err(e);
    }
    let partial = folder.engine.ok_or_else(|| Error::Query("no engine".into()))?.into_partial()?;
    report.streamed = true;
    Ok(Some((partial.finish(&refs)?, report)))
}
