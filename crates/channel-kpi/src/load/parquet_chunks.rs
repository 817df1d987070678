//! A Parquet deals or leads file (or an in-memory table) folded as it is read (`load::run_files`,
//! `load::run_tables`), on several threads: the file's rows are cut into chunks of
//! [`FOLD_ROWS`]; reader `t` of `T` decodes chunks `t`, `t + T`, `t + 2T` … on one thread and
//! converts them on another ([`read`]: two stages of a pipeline) through the typed reader
//! (`load/mapped_batch.rs`) into [`crate::Deals`] or [`crate::Leads`] ([`Chunked`]) and hashes their ids, and
//! the calling thread notes each chunk's ids and folds it, strictly in file order. Each chunk
//! is read once and folded at most once.
//!
//! A reader reads all its chunks through ONE row selection ([`OpenRows`]: for a Parquet file
//! `ParquetRows::ranges`, one selection per row group), so the rows between its chunks are
//! skipped once, in one pass; a batch that runs past a chunk's end is cut there (zero-copy
//! slices) and its rest starts the reader's next chunk. (A fresh selection per chunk skips
//! from the row group's start each time: CPU 350 → 500 ms on 1 M rows, session 17.)
//!
//! Why chunks of [`FOLD_ROWS`]: a fold has a fixed cost per chunk (each group found by its text
//! once, each group's tallies folded into its states), paid per Parquet batch (8,192 rows) it
//! was a third of the command's time on 1 M deals (510 → 355 ms CPU at 64 k rows a chunk).
//! Memory: a reader hands a chunk over only when the calling thread takes it (a rendezvous),
//! so one chunk per reader and the one being folded are held (≈ 6 MB each), and folded chunks
//! wait in one pool for the next reader to start a chunk.

pub(super) use super::chunk_kinds::{Chunked, NoteIds};
use super::id_hashes::id_hash;
use super::mapping::KindMapping;
use arrow_array::RecordBatch;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

/// Deals (or leads) folded at a time.
pub(super) const FOLD_ROWS: usize = 1 << 16;

/// The batches of a set of a file's rows (ranges in ascending order, not overlapping), in row
/// order; called once per reader, on the reader's thread.
pub(super) type OpenRows<'a> = dyn Fn(Vec<Range<u64>>) -> Box<dyn Iterator<Item = crate::Result<RecordBatch>> + 'a> + Sync + 'a;

/// How reading and folding a file ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum End {
    /// Every chunk read and folded.
    Done,
    /// A batch the typed reader does not read like the row path (or cannot decode), or fewer
    /// rows than the file said it has.
    Unread,
    /// An id whose hash was noted before (in this file or an earlier one).
    Repeat,
    /// `fold` said stop (or a reader panicked).
    Stopped,
}

/// A chunk read: its records, whether their ids ascend strictly ([`before`]), and their id
/// hashes in row order (when wanted: [`NoteIds::lists_runs`]).
#[derive(Default)]
struct Part<T> {
    records: T,
    hashes: Vec<u128>,
    ascending: bool,
    /// Whether `ascending` is set ([`Part::order`]).
    ordered: bool,
    /// Whether `hashes` are set ([`Part::hash`]).
    hashed: bool,
}

impl<T: Chunked> Part<T> {
    /// Sees whether the records' ids ascend, once.
    fn order(&mut self) {
        if !self.ordered {
            let (buf, ends) = self.records.id_column();
            self.ascending = ascending(buf.as_bytes(), ends);
            self.ordered = true;
        }
    }

    /// Hashes the records' ids, once.
    fn hash(&mut self) {
        if !self.hashed {
            let r = &self.records;
            self.hashes.clear();
            self.hashes.extend((0..r.count()).map(|i| id_hash(r.id_of(i))));
            self.hashed = true;
        }
    }
}

/// Whether the ids in `buf` (id `i` ending at `ends[i]`, the first starting at 0) ascend
/// strictly ([`before`]): the same answer as comparing each with the one before by [`before`].
///
/// An id of up to 8 bytes is one number, its bytes read big-endian ([`short_key`]: the one
/// 8-byte word that ends where the id ends, the bytes before the id masked off). A run of ids
/// of one such length is checked in a loop of its own, one load and one compare an id (ids
/// of 7 bytes, `D123456`, are all of this kind; 39 → ~16 instructions an id on 10 M lead ids);
/// a longer id is compared with a neighbour of its length word by word ([`less_next`]).
fn ascending(buf: &[u8], ends: &[usize]) -> bool {
    // (length, number) of the id before; a longer id's number is 0, unused
    let (mut start, mut prev, mut i) = (0, None::<(usize, u64)>, 0);
    while let Some(&end) = ends.get(i) {
        let Some(n) = end.checked_sub(start).filter(|_| end <= buf.len()) else { return false };
        i += 1;
        if n > 8 {
            if prev.is_some_and(|(m, _)| !(m < n || (m == n && less_next(buf, start, n)))) {
                return false;
            }
            (start, prev) = (end, Some((n, 0)));
            continue;
        }
        let mut key = short_key(buf, end, n);
        if prev.is_some_and(|p| p >= (n, key)) {
            return false;
        }
        start = end;
        if end >= 8 {
            // the ids of this length that follow, each one masked word
            let mask = MASKS[n];
            for &next in &ends[i..] {
                if next.wrapping_sub(start) != n {
                    break;
                }
                let Some(word) = buf.get(next - 8..next) else { return false };
                let k = u64::from_be_bytes(word.try_into().unwrap_or_default()) & mask;
                if k <= key {
                    return false;
                }
                (key, start, i) = (k, next, i + 1);
            }
        }
        prev = Some((n, key));
    }
    true
}

/// The masks keeping the last `n` bytes of a big-endian word, by `n`.
const MASKS: [u64; 9] = [0, 0xff, 0xffff, 0xff_ffff, 0xffff_ffff, 0xff_ffff_ffff, 0xffff_ffff_ffff, 0xff_ffff_ffff_ffff, u64::MAX];

/// The id of `n` ≤ 8 bytes ending at `end` of `buf` as a big-endian number.
#[inline(always)]
fn short_key(buf: &[u8], end: usize, n: usize) -> u64 {
    if end >= 8 {
        word_ending(buf, end) & MASKS[n]
    } else {
        // the first ids: fewer than 8 bytes before this one's end
        buf[end - n..end].iter().fold(0u64, |w, &x| w << 8 | u64::from(x))
    }
}

/// The big-endian word of the 8 bytes of `buf` ending at `end` (at least 8).
#[inline(always)]
fn word_ending(buf: &[u8], end: usize) -> u64 {
    <[u8; 8]>::try_from(&buf[end - 8..end]).map_or(0, u64::from_be_bytes)
}

/// `buf[s - n..s] < buf[s..s + n]` by bytes (`8 < n <= s`, `s + n <= buf.len()`), as
/// big-endian 8-byte words ([`ascending`]).
#[inline(always)]
fn less_next(buf: &[u8], s: usize, n: usize) -> bool {
    let mut k = 8;
    while k < n {
        let (x, y) = (word_ending(buf, s - n + k), word_ending(buf, s + k));
        if x != y {
            return x < y;
        }
        k += 8;
    }
    // the last word, ending at each id's end (bytes before it, compared above, are equal)
    word_ending(buf, s) < word_ending(buf, s + n)
}

/// Whether id `a` comes before id `b` in the order that makes a run of ids distinct without a
/// look-up: shorter first, then by bytes, so numbered ids ascend as their numbers do, padded
/// or not (`D9` before `D10`). Any strict total order would do: ids strictly ascending in it
/// are all different.
#[inline]
fn before(a: &str, b: &str) -> bool {
    (a.len(), a.as_bytes()) < (b.len(), b.as_bytes())
}

/// Chunks folded, for any reader to refill: one pool, so a chunk waits for the first reader
/// to start a chunk, not for its own reader.
type Spares<T> = std::sync::Mutex<Vec<Box<Part<T>>>>;

/// What a reader hands on.
enum Chunk<T> {
    Read(Box<Part<T>>),
    Unread,
}

/// Reads a file's `total` rows with `open`, on `readers` threads, in chunks of `per` rows
/// ([`FOLD_ROWS`] outside tests; the last chunk may be smaller), read through `map` but the
/// canonical text columns `unread` (not read, and a chunk's columns of them left unwritten,
/// `arrow::append_deals`: for a fold that reads none of them, `Engine::deal_texts_read`),
/// and hands each chunk to `fold` on this thread,
/// in file order, after noting its ids in `ids` (listed while they ascend, else looked up:
/// [`fold_each`]).
/// Returns the id set and how it ended: `ids` holds the ids of every chunk folded, and of the
/// chunk whose repeat ended it, up to the repeat (no others); a chunk is never folded after its
/// ids repeat, after a chunk before it did not read, nor after `fold` said stop.
pub(super) fn fold_chunks<T: Chunked, I: NoteIds>(
    open: &OpenRows,
    total: u64,
    readers: usize,
    (map, unread): (&KindMapping, &[&str]),
    mut ids: I,
    per: usize,
    fold: &mut dyn FnMut(&mut T) -> Result<(), ()>,
) -> (I, End) {
    let per = per.max(1) as u64;
    let chunks = total.div_ceil(per);
    let readers = (readers.max(1) as u64).min(chunks.max(1));
    let chunk = |c: u64| c * per..((c + 1) * per).min(total);
    // folded chunks go back to the readers, which refill them (their capacity kept)
    let spares = Spares::<T>::default();
    // whether the readers hash their chunks' ids (the folding thread hashes those they did not)
    let hashing = AtomicBool::new(ids.lists_runs() || !ids.is_empty());
    // the ids of rows `0..end` noted, read again ([`fold_each`]: a run not listed)
    let again = |end: u64, ids: &mut I| -> bool {
        let mut scratch = T::default();
        let ranges = (0..end.div_ceil(per)).map(chunk).map(|r| r.start..r.end.min(end)).collect();
        open(ranges).all(|b| {
            let Ok(b) = b else { return false };
            scratch.clear();
            if b.num_rows() > 0 && scratch.append_read(&b, map, unread).is_none() {
                return false;
            }
            let hashes: Vec<u128> = (0..scratch.count()).map(|i| id_hash(scratch.id_of(i))).collect();
            ids.note(&hashes)
        })
    };
    std::thread::scope(|s| {
        let (mut parts, mut handles) = (Vec::new(), Vec::new());
        for t in 0..readers {
            // a rendezvous: a chunk is handed over when this thread takes it
            let (out, part) = sync_channel::<Chunk<T>>(0);
            let mine: Vec<Range<u64>> = (t..chunks).step_by(readers as usize).map(chunk).collect();
            let (spares, hashing) = (&spares, &hashing);
            handles.push(s.spawn(move || read(open, mine, (map, unread), &out, (spares, hashing))));
            parts.push(part);
        }
        let end = fold_each(&parts, (&spares, &hashing), (chunks, total, per), (&mut ids, &again), fold);
        // a reader stops at its next chunk when this side hangs up
        drop(parts);
        // a reader that panicked: its chunks are not all folded (the query goes to the whole load)
        let panicked = handles.into_iter().map(|h| h.join().is_err()).fold(false, |a, b| a | b);
        (ids, if panicked { End::Stopped } else { end })
    })
}

/// Notes again the ids of the rows before a given row (all rows of the chunks before it), read
/// again; false when a row does not read (or an id repeats).
type Again<'a, I> = dyn Fn(u64, &mut I) -> bool + 'a;

/// Takes chunks `0..chunks` from their readers in turn (chunk `c` from reader `c % T`), notes
/// each one's ids and folds it. While every id so far ascends strictly ([`before`]: each chunk
/// ascending, and its first id after the last one before it) and no id was noted before the
/// file, the ids are distinct without a look-up: their hashes are only listed
/// ([`NoteIds::note_distinct`]), or not even computed when the set does not list such a run
/// ([`NoteIds::lists_runs`]: then, should a later chunk break the order, the rows before it are
/// read again by `again` and their ids noted then). From the first chunk that breaks the order
/// on, each id is looked up (the set sized once, for the file's rows, when the first chunk goes
/// there), and the readers hash the ids as they read (`hashing`).
fn fold_each<T: Chunked, I: NoteIds>(
    parts: &[Receiver<Chunk<T>>],
    (spares, hashing): (&Spares<T>, &AtomicBool),
    (chunks, total, per): (u64, u64, u64),
    (ids, again): (&mut I, &Again<I>),
    fold: &mut dyn FnMut(&mut T) -> Result<(), ()>,
) -> End {
    let expected = usize::try_from(total).unwrap_or(0);
    // the last id of the ascending run so far (`None`: no run, every id is looked up)
    let mut last: Option<String> = ids.is_empty().then(String::new);
    if last.is_none() {
        ids.reserve(expected); // while the readers read the first chunks
    }
    let lists = ids.lists_runs();
    for c in 0..chunks {
        let t = (c % parts.len() as u64) as usize;
        let mut part = match parts[t].recv() {
            Ok(Chunk::Read(p)) => p,
            Ok(Chunk::Unread) => return End::Unread,
            Err(_) => return End::Stopped, // the reader ended without saying why: it panicked
        };
        part.order();
        let (r, n) = (&part.records, part.records.count());
        let run = last.as_ref().filter(|l| part.ascending && (n == 0 || (c == 0 && l.is_empty()) || before(l, r.id_of(0))));
        if run.is_some() {
            if lists {
                part.hash();
                ids.note_distinct(&part.hashes, expected);
            }
            let r = &part.records;
            if let (Some(l), true) = (&mut last, n > 0) {
                l.clear();
                l.push_str(r.id_of(n - 1));
            }
        } else {
            if last.take().is_some() {
                hashing.store(true, Ordering::Relaxed);
                ids.reserve(expected);
                // the run before this chunk, not listed: its ids noted now
                if !lists && c > 0 && !again(c * per, ids) {
                    return End::Unread;
                }
            }
            part.hash();
            if !ids.note(&part.hashes) {
                return End::Repeat;
            }
        }
        if fold(&mut part.records).is_err() {
            return End::Stopped;
        }
        if let Ok(mut s) = spares.lock() {
            s.push(part);
        }
    }
    End::Done
}

/// What a reader's decoding thread hands its converting thread ([`read`]): a batch of the
/// chunk being read, the end of that chunk, or a batch that does not decode (or rows that ended
/// early).
enum Batch {
    Rows(RecordBatch),
    ChunkEnd,
    Unread,
}

/// Batches queued between the decoding and the converting thread: none (a rendezvous). A
/// Parquet file's batches are a chunk's rows (`parquet_file::TYPED_BATCH_ROWS`), so the
/// decoding thread decodes the next chunk while the converting thread converts one, and holds
/// it until taken; one more queued kept a third batch alive: peak memory of the CLI scorecard
/// 53 -> 44 MB on 1 M canonical Parquet deals, 67 -> 50 MB on 10 M (Maven-mapped 54 -> 39 MB,
/// 59 -> 42 MB), instructions unchanged.
const AHEAD: usize = 0;

/// A reader: the rows of `chunks` (ascending) decoded through one [`OpenRows`] call on this
/// thread, each batch cut at the end of the chunk it falls in, and handed to a second thread
/// that appends it to its chunk's records and hands the chunk on ([`convert`]). Decoding Parquet
/// pages and converting Arrow columns into records are each about half of a reader's work (on
/// 1 M canonical deals, 450 M + 450 M instructions against the folding thread's 375 M), so a
/// reader on one thread was the longest of the two threads on 2 cores; as two stages of one
/// pipeline, each stage is about as long as the fold, the three share the cores, and chunks
/// still come in file order. Stops at the first batch that does not decode (saying so), or
/// when the converting side stops.
fn read<T: Chunked>(
    open: &OpenRows,
    chunks: Vec<Range<u64>>,
    (map, unread): (&KindMapping, &[&str]),
    out: &SyncSender<Chunk<T>>,
    (spares, hashing): (&Spares<T>, &AtomicBool),
) {
    let (to_convert, batches_in) = sync_channel::<Batch>(AHEAD);
    let sizes: Vec<usize> = chunks.iter().map(|r| (r.end - r.start) as usize).collect();
    std::thread::scope(|s| {
        s.spawn(move || convert(&batches_in, (map, unread), out, (spares, hashing)));
        // owned here, so a panic below hangs up on the converting thread before the scope waits
        let to_convert = to_convert;
        let mut batches = open(chunks);
        // the rows of a batch past the end of the chunk it began in
        let mut rest: Option<RecordBatch> = None;
        for mut need in sizes {
            while need > 0 {
                let b = match rest.take().map(Ok).or_else(|| batches.next()) {
                    Some(Ok(b)) => b,
                    // an unreadable batch, or the rows ended early
                    _ => return drop(to_convert.send(Batch::Unread)),
                };
                let n = b.num_rows().min(need);
                if n < b.num_rows() {
                    rest = Some(b.slice(n, b.num_rows() - n));
                }
                let b = if n < b.num_rows() { b.slice(0, n) } else { b };
                if n > 0 && to_convert.send(Batch::Rows(b)).is_err() {
                    return; // the converting side stopped
                }
                need -= n;
            }
            if to_convert.send(Batch::ChunkEnd).is_err() {
                return;
            }
        }
    });
}

/// A reader's converting thread: the batches of each chunk ([`read`]) appended to the chunk's
/// records, and the chunk handed on. Its ids are ordered ([`Part::order`]) and, while `hashing`
/// says so, hashed ([`Part::hash`]) by whichever thread would wait otherwise: handed over at once
/// when the folding thread is waiting for it (the reader is the longer of the two, as on a
/// scorecard by partner: the folding thread hashes), else hashed here while the folding thread
/// finishes the chunk before (a monthly trend, whose fold is the longer). Stops at the first
/// batch that does not read (saying so), or when the folding side hangs up (or the decoding
/// side ends without saying why: it panicked, and its reader's join says so).
fn convert<T: Chunked>(
    batches: &Receiver<Batch>,
    (map, unread): (&KindMapping, &[&str]),
    out: &SyncSender<Chunk<T>>,
    (spares, hashing): (&Spares<T>, &AtomicBool),
) {
    let mut part: Option<Box<Part<T>>> = None;
    loop {
        let Ok(b) = batches.recv() else { return };
        let p = part.get_or_insert_with(|| {
            let mut p = spares.lock().ok().and_then(|mut s| s.pop()).unwrap_or_default();
            p.records.clear();
            p.hashes.clear();
            (p.ordered, p.hashed) = (false, false);
            p
        });
        match b {
            Batch::Rows(b) => {
                if p.records.append_read(&b, map, unread).is_none() {
                    return drop(out.send(Chunk::Unread));
                }
                continue;
            }
            Batch::Unread => return drop(out.send(Chunk::Unread)),
            Batch::ChunkEnd => {}
        }
        let Some(p) = part.take() else { return };
        let p = match out.try_send(Chunk::Read(p)) {
            Ok(()) => continue,
            Err(TrySendError::Full(Chunk::Read(mut p))) => {
                p.order();
                if hashing.load(Ordering::Relaxed) {
                    p.hash();
                }
                p
            }
            Err(_) => return, // the folding side stopped
        };
        if out.send(Chunk::Read(p)).is_err() {
            return; // the folding side stopped
        }
    }
}

#[cfg(test)]
#[path = "parquet_chunks_tests.rs"]
mod tests;
