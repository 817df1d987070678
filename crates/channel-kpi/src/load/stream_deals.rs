//! Deals and leads files and tables folded straight from the typed readers' columns, for a
//! streamed query (`load/stream.rs`): a Parquet file or an in-memory table cut into chunks read
//! on other cores ([`typed_facts`]), a CSV or JSON Lines deals file decoded in chunks on every
//! core ([`csv_deals`]). Each hands the source back, unread, for the row path when the typed
//! reader does not take it, and says when the query must fall back to the whole load.

#[cfg(feature = "parquet")]
use super::folder::Fold;
use super::folder::Folder;
#[cfg(feature = "parquet")]
use super::id_hashes::IdHashes;
use super::id_hashes::id_key;
use super::kinds::RecordKind;
use super::mapping::Mapping;
use super::report::{LoadOptions, LoadReport};
use super::source::Source;

/// The kinds a typed read folds chunk by chunk: where the folder notes their ids, which text
/// columns a chunk can leave out, and how a chunk is checked and folded.
#[cfg(feature = "parquet")]
trait Streamed: super::parquet_chunks::Chunked {
    const KIND: RecordKind;
    /// Where the ids of this kind are noted.
    type Ids: super::parquet_chunks::NoteIds + Default;
    /// The ids of this kind noted so far.
    fn ids<'f>(folder: &'f mut Folder) -> &'f mut Self::Ids;
    /// The canonical text columns a chunk can leave out.
    fn unread(folder: &Folder) -> Vec<&'static str>;
    /// Checks a chunk whose ids are noted, and folds it.
    fn fold(folder: &mut Folder, chunk: &mut Self) -> Fold;
    /// Checks what waited for the whole source to be read (the ids, for leads).
    fn settle(folder: &mut Folder) -> Fold;
}

#[cfg(feature = "parquet")]
impl Streamed for crate::Deals {
    const KIND: RecordKind = RecordKind::Deals;
    type Ids = IdHashes;
    fn ids<'f>(folder: &'f mut Folder) -> &'f mut IdHashes {
        &mut folder.deals
    }
    fn unread(folder: &Folder) -> Vec<&'static str> {
        folder.deal_texts_unread()
    }
    fn fold(folder: &mut Folder, chunk: &mut Self) -> Fold {
        folder.fold_noted_deals(chunk)
    }
    fn settle(_: &mut Folder) -> Fold {
        Ok(()) // ids checked as each chunk came: leads link to deals
    }
}

#[cfg(feature = "parquet")]
impl Streamed for crate::Leads {
    const KIND: RecordKind = RecordKind::Leads;
    type Ids = super::id_parts::IdParts;
    fn ids<'f>(folder: &'f mut Folder) -> &'f mut Self::Ids {
        &mut folder.leads
    }
    fn unread(_: &Folder) -> Vec<&'static str> {
        Vec::new()
    }
    fn fold(folder: &mut Folder, chunk: &mut Self) -> Fold {
        folder.fold_noted_leads(chunk)
    }
    fn settle(folder: &mut Folder) -> Fold {
        folder.settle_leads()
    }
}

/// A Parquet deals or leads file, or an in-memory deals or leads table, read through the
/// loader's typed shortcut (`load/typed.rs`), each chunk checked and folded from its columns as
/// it is read: `Ok(None)` when done, `Ok(Some(src))` (for the row path) when the shortcut does
/// not take the source (or it is of another kind) or stops before folding a row, `Err(())` when
/// the query must fall back to the whole load (a later batch the shortcut does not read like
/// the row path or cannot read, a repeated id hash, a reference a whole load refuses), which
/// reports what it reports.
#[cfg(feature = "parquet")]
pub(super) fn typed_facts(
    src: Source,
    mapping: &Mapping,
    opts: &LoadOptions,
    report: &mut LoadReport,
    folder: &mut Folder,
) -> std::result::Result<Option<Source>, ()> {
    match src.kind {
        RecordKind::Deals => typed::<crate::Deals>(src, mapping, opts, report, folder),
        RecordKind::Leads => typed::<crate::Leads>(src, mapping, opts, report, folder),
        _ => Ok(Some(src)),
    }
}

/// [`typed_facts`] for the records of kind `T`.
#[cfg(feature = "parquet")]
fn typed<T: Streamed>(
    mut src: Source,
    mapping: &Mapping,
    opts: &LoadOptions,
    report: &mut LoadReport,
    folder: &mut Folder,
) -> std::result::Result<Option<Source>, ()> {
    let Some(map) = super::typed::shortcut_map(T::KIND, mapping, opts) else { return Ok(Some(src)) };
    if let Some((cols, total, batches)) = super::typed::parquet_of(T::KIND, &src, &map) {
        let file = batches.rows();
        let open = |rows| Box::new(file.ranges(rows)) as Box<dyn Iterator<Item = _>>;
        let shown = Shown { name: src.name.clone(), size: src.size, total, cols };
        return Ok(fold_typed::<T>(shown, &open, &map, opts, report, folder)?.then_some(src));
    }
    if let Some((cols, total, batches)) = super::typed::arrow_of(T::KIND, &mut src, &map) {
        let open = |rows: Vec<std::ops::Range<u64>>| {
            Box::new(super::typed::table_ranges(&batches, &rows).into_iter().map(Ok)) as Box<dyn Iterator<Item = _>>
        };
        let shown = Shown { name: src.name.clone(), size: None, total, cols };
        let unread = fold_typed::<T>(shown, &open, &map, opts, report, folder)?;
        src.put_arrow(batches.into_iter().map(Ok).collect());
        return Ok(unread.then_some(src));
    }
    Ok(Some(src))
}

/// What the report says of a source folded by [`fold_typed`].
#[cfg(feature = "parquet")]
struct Shown {
    name: String,
    size: Option<u64>,
    total: u64,
    cols: super::TableColumns,
}

/// Folds the `total` rows that `open` reads (on every core but this thread's, which folds),
/// each chunk's ids noted and its records checked and folded in row order: `Ok(false)` when done,
/// `Ok(true)` when nothing was folded and the row path can still take the source, `Err(())`
/// when the query must fall back to the whole load.
#[cfg(feature = "parquet")]
fn fold_typed<T: Streamed>(
    shown: Shown,
    open: &super::parquet_chunks::OpenRows,
    map: &super::mapping::KindMapping,
    opts: &LoadOptions,
    report: &mut LoadReport,
    folder: &mut Folder,
) -> std::result::Result<bool, ()> {
    use super::report::FileReport;
    let (kind, total) = (T::KIND, shown.total);
    let progress = super::read::Progressing { opts, file: &shown.name, total_rows: Some(total), size: shown.size, bytes_read: None };
    let mut rows = 0u64;
    let ids = std::mem::take(T::ids(folder));
    // a reader (two threads: one decodes, one converts, `parquet_chunks::read`) for every two
    // cores but the one this thread folds on, at least one, each reading only its own chunks'
    // rows (a Parquet reader decompresses every page holding any of its rows and holds its own
    // pages and chunk: on 2 cores a second reader took more CPU, memory and wall time than it
    // saved, benches/README.md, session 18; on 2 cores: one reader, three threads)
    let readers = (super::chunks::threads_for(usize::try_from(total).ok()).saturating_sub(1) / 2).max(1);
    let chunks = super::parquet_chunks::FOLD_ROWS;
    let unread = T::unread(folder);
    let (ids, end) = super::parquet_chunks::fold_chunks(open, total, readers, (map, &unread), ids, chunks, &mut |chunk: &mut T| {
        T::fold(folder, chunk)?;
        let before = rows;
        rows += chunk.count() as u64;
        progress.advance(before, rows);
        Ok(())
    });
    *T::ids(folder) = ids;
    match end {
        super::parquet_chunks::End::Done => {}
        // Before the first deals are folded the row path can still take the source (and
        // stream it); no ids were noted (a chunk's ids are noted as it is folded).
        super::parquet_chunks::End::Unread if rows == 0 => return Ok(true),
        _ => return Err(()),
    }
    if rows == 0 {
        return Ok(true); // an empty source: the row path says what it says about it
    }
    T::settle(folder)?;
    progress.report(rows, true);
    report.columns.push((kind, shown.cols));
    report.files.push(FileReport { file: shown.name, kind, rows_read: rows, rows_loaded: rows });
    Ok(false)
}

/// How many deal ids a CSV or JSON Lines file's workers hash before they put them in the id
/// table at once (`csv_deals`): 2 MB of keys, ~64 a part of the table's 4,096 at 10 M deals
/// (so each of its 4 KB pages is met ~8 times a sweep). With 2²⁰ the command on 10 M rows was
/// as fast and peaked ~10 MB higher; on 1 M rows every key waited for the end (a peak of
/// 76–82 MB against 64–72 MB).
const ID_BATCH: usize = 1 << 18;

/// A CSV or JSON Lines deals file read through the loader's typed shortcut (`load/csv_deals.rs`), each
/// chunk's deals checked and folded from their columns as they are read: `Ok(None)` when done,
/// `Ok(Some(src))` (for the row path) when the shortcut does not take the file or stops before
/// folding a deal, `Err(())` when the query must fall back to the whole load (a later chunk the
/// shortcut does not read like the row path, a repeated id hash, a reference a whole load
/// refuses), which reports what it reports.
pub(super) fn csv_deals(
    src: Source,
    mapping: &Mapping,
    opts: &LoadOptions,
    report: &mut LoadReport,
    folder: &mut Folder,
) -> std::result::Result<Option<Source>, ()> {
    let (kind, name, size) = (RecordKind::Deals, src.name.clone(), src.size);
    // Ids are hashed on the workers, a chunk at a time, and put in the table (sized once for
    // the whole file, from the first chunk's bytes per row) [`ID_BATCH`] at a time, in the
    // table's order (`IdHashes::insert_keys`): put in as each chunk came, each was a cache and
    // TLB miss once the table outgrew the caches (~1 s of CPU for 10 M deals). Keys are put in
    // only once a chunk is folded, so a file that goes to the row path before that (a chunk
    // the workers cannot read) left nothing in the table; a repeat found after sends the query
    // to the whole load, which reports it.
    let ids = std::sync::Mutex::new((std::mem::take(&mut folder.deals), Vec::new()));
    let (noted, folded) = (std::sync::atomic::AtomicBool::new(false), std::sync::atomic::AtomicBool::new(false));
    let note = |deals: &crate::Deals, bytes: usize| -> Option<()> {
        let mut chunk: Vec<u64> = (0..deals.len()).map(|i| id_key(deals.id(i))).collect();
        let mut guard = ids.lock().ok()?;
        let (table, keys) = &mut *guard;
        if !noted.swap(true, std::sync::atomic::Ordering::Relaxed) {
            let rows = size.map_or(0, |s| s as usize / bytes.max(1) * deals.len());
            table.reserve(rows + rows / 16);
        }
        keys.append(&mut chunk);
        if keys.len() >= ID_BATCH && folded.load(std::sync::atomic::Ordering::Relaxed) {
            return table.insert_keys(std::mem::take(keys)).then_some(());
        }
        Some(())
    };
    let mut each = |deals: &mut crate::Deals, _, _| {
        folded.store(true, std::sync::atomic::Ordering::Relaxed);
        folder.fold_noted_deals(deals).ok()
    };
    let read = super::csv_deals::read(src, mapping, opts, &mut each, false, &note);
    let (table, keys) = ids.into_inner().map_err(|_| ())?;
    folder.deals = table;
    match read {
        Ok(r) => {
            if !folder.deals.insert_keys(keys) {
                return Err(());
            }
            report.columns.extend(r.columns.map(|c| (kind, c)));
            report.files.push(super::report::FileReport { file: name, kind, rows_read: r.rows, rows_loaded: r.rows });
            Ok(None)
        }
        // Nothing folded: the row path reads the file (and streams it); no key was put in.
        Err(src) if !folded.load(std::sync::atomic::Ordering::Relaxed) => Ok(Some(src)),
        Err(_) => Err(()),
    }
}
