//! Tests of `parquet_chunks.rs`: chunks read on several threads and folded in file order, ids
//! noted (listed while they ascend, else looked up), and every way the read can end.

use super::super::id_hashes::IdHashes;
use super::super::id_parts::IdParts;
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
fn fold<I: NoteIds>(file: &File, total: u64, readers: usize, ids: I, per: usize, stop_after: usize) -> (Vec<Vec<String>>, End, I) {
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

/// The ids of a query's only leads source that ascend are not hashed at all; a chunk that
/// breaks the order has the rows before it read again and noted, so a repeat of an id of the
/// run is still found (the leads' ids are checked once all are in: `IdParts::repeats`).
#[test]
fn a_sole_run_is_not_noted_and_a_break_notes_the_rows_before_it_read_again() {
    for readers in 1..=3 {
        let file = File::new(&["a", "b", "c", "d", "e", "f"], 4);
        let (folded, end, ids) = fold(&file, 6, readers, IdParts::sole(), 2, 0);
        assert_eq!((folded.len(), &end, ids.is_empty()), (3, &End::Done, true), "{readers} readers: nothing noted");
        assert_eq!(file.calls.into_inner().unwrap().len(), readers, "no row read again");
        // [b c] [d e] [a c]: the third chunk breaks the order; `c` repeats an id of the run
        let file = File::new(&["b", "c", "d", "e", "a", "c"], 4);
        let (folded, end, ids) = fold(&file, 6, readers, IdParts::sole(), 2, 0);
        assert_eq!((folded.len(), end, ids.hashes().count()), (3, End::Done, 6));
        assert!(ids.repeats(), "{readers} readers: the repeat of `c` is found");
        assert!(file.calls.into_inner().unwrap().contains(&vec![0..2, 2..4]), "the run's rows read again");
        // [a b] [c d] [x e]: out of order, no repeat
        let (_, end, ids) = fold(&File::new(&["a", "b", "c", "d", "x", "e"], 3), 6, readers, IdParts::sole(), 2, 0);
        assert_eq!((end, ids.hashes().count(), ids.repeats()), (End::Done, 6, false));
        // not the only leads source: every id is noted
        let (_, end, ids) = fold(&File::new(&["a", "b", "c", "d"], 4), 4, readers, IdParts::default(), 2, 0);
        assert_eq!((end, ids.hashes().count()), (End::Done, 4));
        // the run's rows read again, unreadable this time: the whole load
        let (file, opened) = (File::new(&["a", "b", "c", "b"], 4), std::sync::atomic::AtomicUsize::new(0));
        let open = |rows| -> Box<dyn Iterator<Item = _>> {
            match opened.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == readers.min(2) {
                true => Box::new(std::iter::once(Err(crate::Error::Query("gone".into())))),
                false => file.open(rows),
            }
        };
        let (_, end) = fold_chunks(&open, 4, readers, (&KindMapping::default(), &[]), IdParts::sole(), 2, &mut |_: &mut Deals| Ok(()));
        assert_eq!(end, End::Unread);
    }
}

/// [`ascending`] answers as [`before`] does on each pair of neighbours, whatever the lengths
/// (more than eight bytes: compared a word at a time) and the bytes.
#[test]
fn ascending_agrees_with_before() {
    let words = [
        "",
        "a",
        "b",
        "ab",
        "ba",
        "D9",
        "D10",
        "D11",
        "abcdefgh",
        "abcdefgi",
        "abcdefgh0",
        "abcdefgh1",
        "abcdefghijklmnop",
        "abcdefghijklmnoq",
        "\u{e9}t\u{e9}",
        "\u{ff}",
    ];
    // after 0 to 9 one-byte ids (each before the next and before any of `words` but ""), so
    // the pair is read byte by byte at the buffer's start and as words further on
    let lead: Vec<String> = (1..=9u8).map(|b| char::from(b).to_string()).collect();
    for k in 0..=lead.len() {
        for a in words {
            for b in words {
                let ids: Vec<&str> = lead[..k].iter().map(String::as_str).chain([a, b]).collect();
                let (buf, ends) = (ids.concat(), ends_of(&ids));
                let want = ids.windows(2).all(|w| before(w[0], w[1]));
                assert_eq!(ascending(buf.as_bytes(), &ends), want, "{k} ids, then {a:?} {b:?}");
            }
        }
    }
    let ids: Vec<String> = (0..300).map(|i| format!("L{i}")).collect();
    let (buf, ends) = (ids.concat(), ends_of(&ids));
    assert!(ascending(buf.as_bytes(), &ends) && ascending(b"", &[]));
    assert!(!ascending(buf.as_bytes(), &[ends[1], ends[0]]), "ends out of order");
    assert!(!ascending(buf.as_bytes(), &[ends[0], buf.len() + 1]), "an end past the buffer");
    // numbered ids as a file has them: each ascends, a swap or a repeat anywhere does not
    let ids: Vec<String> = (0..2_000).map(|i| format!("D{i}")).collect();
    let (buf, ends) = (ids.concat(), ends_of(&ids));
    assert!(ascending(buf.as_bytes(), &ends));
    for at in [1, 7, 9, 10, 11, 99, 100, 1_000, 1_999] {
        let mut swapped = ids.clone();
        swapped.swap(at - 1, at);
        let mut repeated = ids.clone();
        repeated[at] = repeated[at - 1].clone();
        for bad in [swapped, repeated] {
            let (buf, ends) = (bad.concat(), ends_of(&bad));
            assert!(!ascending(buf.as_bytes(), &ends), "at {at}");
        }
    }
}

/// Where each of `ids` ends in their concatenation.
fn ends_of<S: AsRef<str>>(ids: &[S]) -> Vec<usize> {
    ids.iter()
        .scan(0, |end, i| {
            *end += i.as_ref().len();
            Some(*end)
        })
        .collect()
}
