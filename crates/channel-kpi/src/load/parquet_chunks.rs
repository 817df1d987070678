//! A Parquet deals or leads file (or an in-memory table) folded as it is read (`load::run_files`,
//! `load::run_tables`), on several threads: the file's rows are cut into chunks of
//! [`FOLD_ROWS`]; reader `t` of `T` decodes chunks `t`, `t + T`, `t + 2T` … through the typed
//! reader (`load/mapped_batch.rs`) into [`Deals`] or [`Leads`] ([`Chunked`]) and hashes their
//! ids, and the calling thread notes each chunk's ids and folds it, strictly in file order.
//! Each chunk is read once and folded at most once.
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
use crate::arrow::packed_bytes;
use arrow_array::RecordBatch;
use std::ops::Range;
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

/// A chunk read: its records, their id hashes in row order, and whether their ids ascend
/// strictly ([`before`]).
#[derive(Default)]
struct Part<T> {
    records: T,
    hashes: Vec<u128>,
    ascending: bool,
    /// Whether `hashes` and `ascending` are set ([`Part::note_ids`]).
    noted: bool,
}

impl<T: Chunked> Part<T> {
    /// Hashes the records' ids and sees whether they ascend, once.
    fn note_ids(&mut self) {
        if !self.noted {
            let r = &self.records;
            self.hashes.clear();
            self.hashes.extend((0..r.count()).map(|i| id_hash(r.id_of(i))));
            self.ascending = (1..r.count()).all(|i| before(r.id_of(i - 1), r.id_of(i)));
            self.noted = true;
        }
    }
}

/// Whether id `a` comes before id `b` in the order that makes a run of ids distinct without a
/// look-up: shorter first, then by bytes, so numbered ids ascend as their numbers do, padded
/// or not (`D9` before `D10`). Any strict total order would do: ids strictly ascending in it
/// are all different.
///
/// Ids of one length under 16 bytes (most are) compare as one integer each: their bytes
/// packed, the first the most significant (no `memcmp` call per id).
#[inline]
fn before(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal if a.len() < 16 => packed_bytes(a).swap_bytes() < packed_bytes(b).swap_bytes(),
        std::cmp::Ordering::Equal => a < b,
        shorter => shorter.is_lt(),
    }
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
/// canonical text columns `unread` (their deals hold no value there: for a fold that reads
/// none of them, `Engine::deal_texts_read`), and hands each chunk to `fold` on this thread,
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
    std::thread::scope(|s| {
        let (mut parts, mut handles) = (Vec::new(), Vec::new());
        for t in 0..readers {
            // a rendezvous: a chunk is handed over when this thread takes it
            let (out, part) = sync_channel::<Chunk<T>>(0);
            let mine: Vec<Range<u64>> = (t..chunks).step_by(readers as usize).map(chunk).collect();
            let spares = &spares;
            handles.push(s.spawn(move || read(open, mine, (map, unread), &out, spares)));
            parts.push(part);
        }
        let end = fold_each(&parts, &spares, (chunks, total), &mut ids, fold);
        // a reader stops at its next chunk when this side hangs up
        drop(parts);
        // a reader that panicked: its chunks are not all folded (the query goes to the whole load)
        let panicked = handles.into_iter().map(|h| h.join().is_err()).fold(false, |a, b| a | b);
        (ids, if panicked { End::Stopped } else { end })
    })
}

/// Takes chunks `0..chunks` from their readers in turn (chunk `c` from reader `c % T`), notes
/// each one's ids and folds it. While every id so far ascends strictly ([`before`]: each chunk
/// ascending, and its first id after the last one before it) and no id was noted before the
/// file, the ids are distinct without a look-up and their hashes are only listed
/// ([`NoteIds::note_distinct`]); from the first chunk that breaks the order on, each id is
/// looked up (the set sized once, for the file's rows, when the first chunk goes there).
fn fold_each<T: Chunked>(
    parts: &[Receiver<Chunk<T>>],
    spares: &Spares<T>,
    (chunks, total): (u64, u64),
    ids: &mut impl NoteIds,
    fold: &mut dyn FnMut(&mut T) -> Result<(), ()>,
) -> End {
    let expected = usize::try_from(total).unwrap_or(0);
    // the last id of the ascending run so far (`None`: no run, every id is looked up)
    let mut last: Option<String> = ids.is_empty().then(String::new);
    if last.is_none() {
        ids.reserve(expected); // while the readers read the first chunks
    }
    for c in 0..chunks {
        let t = (c % parts.len() as u64) as usize;
        let mut part = match parts[t].recv() {
            Ok(Chunk::Read(p)) => p,
            Ok(Chunk::Unread) => return End::Unread,
            Err(_) => return End::Stopped, // the reader ended without saying why: it panicked
        };
        part.note_ids();
        let (r, n) = (&part.records, part.records.count());
        let run = last.as_ref().filter(|l| part.ascending && (n == 0 || (c == 0 && l.is_empty()) || before(l, r.id_of(0))));
        if run.is_some() {
            ids.note_distinct(&part.hashes, expected);
            if let (Some(l), true) = (&mut last, n > 0) {
                l.clear();
                l.push_str(r.id_of(n - 1));
            }
        } else {
            if last.take().is_some() {
                ids.reserve(expected);
            }
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

/// A reader: the rows of `chunks` (ascending) read through one [`OpenRows`] call, each batch
/// appended to the chunk it falls in (cut at the chunk's end), and the chunk handed on. Its
/// ids are hashed ([`Part::note_ids`]) by whichever thread would wait otherwise: handed over
/// at once when the folding thread is waiting for it (the reader is the longer of the two, as
/// on a scorecard by partner: the folding thread hashes), else hashed here while the folding
/// thread finishes the chunk before (a monthly trend, whose fold is the longer). Stops at the
/// first batch that does not read (saying so), or when the folding side hangs up.
fn read<T: Chunked>(
    open: &OpenRows,
    chunks: Vec<Range<u64>>,
    (map, unread): (&KindMapping, &[&str]),
    out: &SyncSender<Chunk<T>>,
    spares: &Spares<T>,
) {
    let mut batches = open(chunks.clone());
    // the rows of a batch past the end of the chunk it began in
    let mut rest: Option<RecordBatch> = None;
    for rows in chunks {
        let mut part = spares.lock().ok().and_then(|mut s| s.pop()).unwrap_or_default();
        part.records.clear();
        part.hashes.clear();
        part.noted = false;
        let mut need = (rows.end - rows.start) as usize;
        while need > 0 {
            let b = match rest.take().map(Ok).or_else(|| batches.next()) {
                Some(Ok(b)) => b,
                // an unreadable batch, or the rows ended early
                _ => return drop(out.send(Chunk::Unread)),
            };
            let n = b.num_rows().min(need);
            if n < b.num_rows() {
                rest = Some(b.slice(n, b.num_rows() - n));
            }
            let b = if n < b.num_rows() { b.slice(0, n) } else { b };
            if n > 0 && part.records.append_read(&b, map, unread).is_none() {
                return drop(out.send(Chunk::Unread));
            }
            need -= n;
        }
        let part = match out.try_send(Chunk::Read(part)) {
            Ok(()) => continue,
            Err(TrySendError::Full(Chunk::Read(mut part))) => {
                part.note_ids();
                part
            }
            Err(_) => return, // the folding side stopped
        };
        if out.send(Chunk::Read(part)).is_err() {
            return; // the folding side stopped
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::id_hashes::IdHashes;
    use super::*;
    use crate::Deals;
    use arrow_array::{ArrayRef, Date32Array, StringArray};
    use std::sync::{Arc, Mutex};

    /// Open deals with ids `ids` as one batch; a status `"?"` (a row the typed reader leaves
    /// to the row path) for the ids starting with `?`.
    fn batch(ids: &[&str]) -> RecordBatch {
        let n = ids.len();
        let status: Vec<&str> = ids.iter().map(|i| if i.starts_with('?') { "?" } else { "open" }).collect();
        let cols: Vec<(&str, ArrayRef)> = vec![
            ("deal_id", Arc::new(StringArray::from(ids.to_vec()))),
            ("status", Arc::new(StringArray::from(status))),
            ("created_on", Arc::new(Date32Array::from(vec![20000; n]))),
        ];
        RecordBatch::try_from_iter(cols).unwrap()
    }

    /// A file of deals `ids` as [`OpenRows`] reads one: the rows asked for, in batches of
    /// `size` rows that run across the gaps between the ranges (as a Parquet reader's batches
    /// of a row selection do); an unreadable batch in place of any batch holding the id
    /// `"corrupt"`. Each call's ranges are kept in `calls`.
    struct File {
        ids: Vec<String>,
        size: usize,
        calls: Mutex<Vec<Vec<Range<u64>>>>,
    }

    impl File {
        fn new(ids: &[&str], size: usize) -> Self {
            File { ids: ids.iter().map(|s| s.to_string()).collect(), size, calls: Mutex::default() }
        }
        fn open(&self, rows: Vec<Range<u64>>) -> Box<dyn Iterator<Item = crate::Result<RecordBatch>> + '_> {
            self.calls.lock().unwrap().push(rows.clone());
            let picked: Vec<&str> = rows.into_iter().flatten().filter_map(|r| self.ids.get(r as usize)).map(String::as_str).collect();
            let batches: Vec<crate::Result<RecordBatch>> = picked
                .chunks(self.size)
                .map(|b| if b.contains(&"corrupt") { Err(crate::Error::Query("corrupt page".into())) } else { Ok(batch(b)) })
                .collect();
            Box::new(batches.into_iter())
        }
    }

    /// Folds `file` (`total` rows said) on `readers` threads, `per` deals a chunk, `fold`
    /// saying stop after `stop_after` chunks (never: 0); the ids of each chunk folded, how it
    /// ended, and the id set.
    fn fold(file: &File, total: u64, readers: usize, ids: IdHashes, per: usize, stop_after: usize) -> (Vec<Vec<String>>, End, IdHashes) {
        let mut folded = Vec::new();
        let map = KindMapping::default();
        let open = |rows| file.open(rows);
        let (ids, end) = fold_chunks(&open, total, readers, (&map, &[]), ids, per, &mut |d: &mut Deals| {
            folded.push((0..d.len()).map(|i| d.id(i).to_string()).collect());
            if folded.len() == stop_after { Err(()) } else { Ok(()) }
        });
        (folded, end, ids)
    }

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("d{i}")).collect()
    }

    #[test]
    fn every_deal_is_folded_once_in_file_order_in_chunks_of_per() {
        let all = names(10);
        let ids: Vec<&str> = all.iter().map(String::as_str).collect();
        let want: Vec<Vec<String>> = all.chunks(3).map(<[String]>::to_vec).collect();
        // batches of 1 to 7 rows: chunk ends fall inside batches, and batches span the rows of
        // two chunks of one reader
        for readers in 1..=5 {
            for size in [1, 2, 4, 7, 20] {
                let file = File::new(&ids, size);
                let (folded, end, mut noted) = fold(&file, 10, readers, IdHashes::default(), 3, 0);
                assert_eq!((&folded, &end), (&want, &End::Done), "{readers} readers, batches of {size}");
                assert!(all.iter().all(|i| !noted.insert(id_hash(i))) && noted.insert(id_hash("d10")), "every id noted");
                // one call per reader, with all of its chunks: reader t reads chunks t, t + T, …
                let mut calls = file.calls.into_inner().unwrap();
                calls.sort_by_key(|c| c[0].start);
                let t = readers.min(4);
                let expected: Vec<Vec<Range<u64>>> =
                    (0..t).map(|r| (r..4).step_by(t).map(|c| c as u64 * 3..(c as u64 * 3 + 3).min(10)).collect()).collect();
                assert_eq!(calls, expected);
            }
        }
        let (folded, end, _) = fold(&File::new(&[], 4), 0, 2, IdHashes::default(), 3, 0);
        assert_eq!((folded.len(), end), (0, End::Done), "an empty file");
    }

    #[test]
    fn a_repeat_across_chunks_or_files_stops_before_its_chunk_is_folded() {
        for readers in 1..=3 {
            let file = File::new(&["a", "b", "c", "d", "e", "a"], 4);
            let (folded, end, mut noted) = fold(&file, 6, readers, IdHashes::default(), 2, 0);
            assert_eq!((folded.len(), end), (2, End::Repeat), "{readers} readers");
            assert!(!noted.insert(id_hash("e")), "the ids of the chunk with the repeat are noted up to it");
            // within one chunk
            let (folded, end, _) = fold(&File::new(&["a", "b", "b"], 2), 3, readers, IdHashes::default(), 3, 0);
            assert_eq!((folded.len(), end), (0, End::Repeat));
            // an id of an earlier file
            let mut earlier = IdHashes::default();
            earlier.insert(id_hash("c"));
            let (folded, end, _) = fold(&File::new(&["a", "b", "c"], 2), 3, readers, earlier, 2, 0);
            assert_eq!((folded, end), (vec![vec!["a".to_string(), "b".into()]], End::Repeat));
        }
    }

    /// `before` is the order of (length, bytes), whichever way it compares (packed or not).
    #[test]
    fn before_orders_by_length_then_bytes() {
        let texts = [
            "",
            "a",
            "b",
            "D9",
            "D10",
            "D19",
            "D20",
            "é",
            "\u{7f}",
            "abcdefgh",
            "abcdefgi",
            "abcdefghijklmno",
            "abcdefghijklmnp",
            "bbcdefghijklmno",
            "abcdefghijklmnop",
            "abcdefghijklmnoq",
        ];
        let mut bytes = texts.map(String::from).to_vec();
        for len in [1, 7, 8, 9, 15, 16] {
            for pos in [0, len / 2, len - 1] {
                for v in [0u8, 1, 0x7f] {
                    let mut b = vec![b'x'; len];
                    b[pos] = v;
                    bytes.push(String::from_utf8(b).unwrap());
                }
            }
        }
        for a in &bytes {
            for b in &bytes {
                assert_eq!(before(a, b), (a.len(), a.as_bytes()) < (b.len(), b.as_bytes()), "{a:?} {b:?}");
            }
        }
    }

    /// Ids that ascend are listed, not looked up, and a file whose order breaks goes on through
    /// the table: a repeat of an id listed before the break is still found, wherever the break
    /// is (inside a chunk, or between two chunks that each ascend); an earlier file's ids
    /// keep the table from the start.
    #[test]
    fn ascending_ids_are_distinct_and_a_break_in_the_order_goes_to_the_table() {
        assert!(before("D9", "D10") && before("D10", "D11") && !before("D10", "D9") && !before("a", "a"));
        for readers in 1..=3 {
            // every chunk ascends, and each starts after the last: listed, every id noted
            let file = File::new(&["a", "b", "c", "d", "e", "f"], 4);
            let (folded, end, mut noted) = fold(&file, 6, readers, IdHashes::default(), 2, 0);
            assert_eq!((folded.len(), &end, noted.len()), (3, &End::Done, 6), "{readers} readers");
            assert!(noted.contains(id_hash("a")) && noted.contains(id_hash("f")) && !noted.contains(id_hash("g")));
            assert!(!noted.insert(id_hash("c")), "a listed id is a repeat");
            // [b c] [d e] [a c]: the third chunk ascends but starts before the last id
            let (folded, end, _) = fold(&File::new(&["b", "c", "d", "e", "a", "c"], 4), 6, readers, IdHashes::default(), 2, 0);
            assert_eq!((folded.len(), end), (2, End::Repeat));
            // [b c] [d b]: the order breaks inside the second chunk
            let (folded, end, _) = fold(&File::new(&["b", "c", "d", "b"], 3), 4, readers, IdHashes::default(), 2, 0);
            assert_eq!((folded.len(), end), (1, End::Repeat));
            // [a b] [c b2] [x d]: ascending, then distinct ids out of order
            let (folded, end, noted) = fold(&File::new(&["a", "b", "c", "b2", "x", "d"], 4), 6, readers, IdHashes::default(), 2, 0);
            assert_eq!((folded.len(), end, noted.len()), (3, End::Done, 6));
            // an earlier file's id, after ascending ids of this one
            let mut earlier = IdHashes::default();
            earlier.insert(id_hash("e"));
            let (folded, end, _) = fold(&File::new(&["c", "d", "e"], 2), 3, readers, earlier, 2, 0);
            assert_eq!((folded.len(), end), (1, End::Repeat));
        }
    }

    #[test]
    fn an_unread_batch_ends_it_after_the_chunks_before_and_notes_no_later_id() {
        for readers in 1..=3 {
            for size in [1, 2, 5] {
                // a row the typed reader does not read, in the second chunk
                let file = File::new(&["a", "b", "c", "?d", "e", "f", "g"], size);
                let (folded, end, mut noted) = fold(&file, 7, readers, IdHashes::default(), 3, 0);
                assert_eq!((folded, end), (vec![vec!["a".to_string(), "b".into(), "c".into()]], End::Unread), "{readers}, {size}");
                assert!(noted.insert(id_hash("e")) && noted.insert(id_hash("g")), "later chunks' ids are not noted");
                // a batch that cannot be decoded (the batch of the third chunk, or a batch of
                // the reader's that starts in an earlier chunk): the chunks before it
                let file = File::new(&["a", "b", "c", "d", "corrupt", "f"], size);
                let (folded, end, _) = fold(&file, 6, readers, IdHashes::default(), 2, 0);
                let before = [vec!["a".to_string(), "b".into()], vec!["c".into(), "d".into()]];
                assert_eq!(end, End::Unread);
                assert!(folded.len() <= 2 && folded[..] == before[..folded.len()], "{folded:?}");
                assert!(size > 1 || folded.len() == 2);
                // in the first chunk: nothing folded, nothing noted (the row path may take it)
                let (folded, end, noted) = fold(&File::new(&["?a", "b"], size), 2, readers, IdHashes::default(), 1, 0);
                assert_eq!((folded.len(), end, noted.len()), (0, End::Unread, 0));
            }
        }
        // the file has fewer rows than it said
        let (folded, end, _) = fold(&File::new(&["a", "b", "c"], 2), 5, 2, IdHashes::default(), 2, 0);
        assert_eq!((folded.len(), end), (1, End::Unread));
    }

    #[test]
    fn the_fold_saying_stop_ends_it_and_its_readers() {
        let all = names(500);
        let ids: Vec<&str> = all.iter().map(String::as_str).collect();
        for readers in 1..=3 {
            let (folded, end, _) = fold(&File::new(&ids, 3), 500, readers, IdHashes::default(), 1, 2);
            assert_eq!((folded.len(), end), (2, End::Stopped));
        }
    }

    #[test]
    fn a_reader_that_panics_stops_it() {
        let file = File::new(&["a", "b", "c", "d"], 1);
        let open = |rows: Vec<Range<u64>>| {
            assert!(rows[0].start == 0, "a reader's failure");
            file.open(rows)
        };
        let mut folded = 0;
        let (_, end) = fold_chunks(&open, 4, 2, (&KindMapping::default(), &[]), IdHashes::default(), 1, &mut |_: &mut Deals| {
            folded += 1;
            Ok(())
        });
        assert_eq!((folded, end), (1, End::Stopped));
    }
}
