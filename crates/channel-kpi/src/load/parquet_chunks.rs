//! A Parquet deals file folded as it is read (`load::run_files`), in two stages on two threads:
//! a reader decodes the file's batches into [`Deals`] through the typed reader
//! (`load/mapped_batch.rs`), [`FOLD_ROWS`] deals a chunk, and notes each chunk's ids; the
//! calling thread folds the chunk before meanwhile. The file is read once, in file order, and
//! each chunk is folded exactly once, in file order.
//!
//! Why chunks of [`FOLD_ROWS`]: a fold has a fixed cost per chunk (each group found by its text
//! once, each group's tallies folded into its states), paid per Parquet batch (8,192 rows) it
//! was a third of the command's time on 1 M deals (510 → 355 ms CPU at 64 k rows a chunk).
//! Memory: three chunks at most (one being read, one waiting, one being folded), ≈ 6 MB each.

use super::id_hashes::{IdHashes, id_hash};
use super::mapping::KindMapping;
use crate::Deals;
use arrow_array::RecordBatch;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Deals folded at a time.
pub(super) const FOLD_ROWS: usize = 1 << 16;

/// How reading and folding a file ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum End {
    /// Every batch read and folded.
    Done,
    /// A batch the typed reader does not read like the row path (or cannot decode).
    Unread,
    /// An id whose hash was noted before (in this file or an earlier one).
    Repeat,
    /// `fold` said stop (or the reader panicked).
    Stopped,
}

/// What the reader hands on.
enum Chunk {
    Deals(Box<Deals>),
    End(End),
}

/// Reads `batches` through `map` into chunks of at least `per` deals (the last may be smaller;
/// [`FOLD_ROWS`] outside tests) on a second thread, their ids noted in `ids`, and hands each
/// chunk to `fold` on this thread, in file order. Returns
/// the id set (with the ids of every chunk read, folded or not) and how it ended; a chunk is
/// never folded after its ids repeat, nor after `fold` said stop.
pub(super) fn fold_chunks(
    batches: impl Iterator<Item = crate::Result<RecordBatch>> + Send,
    map: &KindMapping,
    ids: IdHashes,
    per: usize,
    fold: &mut dyn FnMut(&Deals) -> Result<(), ()>,
) -> (IdHashes, End) {
    let (chunks, from_reader) = sync_channel::<Chunk>(1);
    // folded chunks go back to the reader, which refills them (their capacity kept)
    let (spare, spares) = sync_channel::<Box<Deals>>(2);
    std::thread::scope(|s| {
        let reader = s.spawn(move || read(batches, map, ids, per, &chunks, &spares));
        let end = fold_each(&from_reader, &spare, fold);
        // the reader stops at its next chunk when this side hangs up
        drop((from_reader, spare));
        match reader.join() {
            Ok(ids) => (ids, end),
            // a panic while decoding: the query goes to the whole load (the id set is lost)
            Err(_) => (IdHashes::default(), End::Stopped),
        }
    })
}

fn fold_each(chunks: &Receiver<Chunk>, spare: &SyncSender<Box<Deals>>, fold: &mut dyn FnMut(&Deals) -> Result<(), ()>) -> End {
    for chunk in chunks {
        match chunk {
            Chunk::Deals(d) => {
                if fold(&d).is_err() {
                    return End::Stopped;
                }
                let _ = spare.try_send(d);
            }
            Chunk::End(end) => return end,
        }
    }
    End::Stopped // the reader ended without saying how: it panicked
}

/// The reader: batches appended into a chunk until it holds `per` deals (or the file ends),
/// its ids noted, the chunk sent. Gives the id set back.
fn read(
    batches: impl Iterator<Item = crate::Result<RecordBatch>>,
    map: &KindMapping,
    mut ids: IdHashes,
    per: usize,
    out: &SyncSender<Chunk>,
    spares: &Receiver<Box<Deals>>,
) -> IdHashes {
    let mut chunk = Box::<Deals>::default();
    let mut batches = batches.peekable();
    while let Some(b) = batches.next() {
        if b.ok().and_then(|b| super::mapped_batch::append(&mut chunk, &b, map)).is_none() {
            let _ = out.send(Chunk::End(End::Unread));
            return ids;
        }
        if chunk.len() < per && batches.peek().is_some() {
            continue;
        }
        if !(0..chunk.len()).all(|i| ids.insert(id_hash(chunk.id(i)))) {
            let _ = out.send(Chunk::End(End::Repeat));
            return ids;
        }
        let mut next = spares.try_recv().unwrap_or_default();
        next.clear_keeping_capacity();
        if out.send(Chunk::Deals(std::mem::replace(&mut chunk, next))).is_err() {
            return ids; // the folding side stopped
        }
    }
    let _ = out.send(Chunk::End(End::Done));
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Date32Array, StringArray};
    use std::sync::Arc;

    /// Open deals with ids `ids` as one batch (status `"?"`: rows the typed reader leaves to
    /// the row path).
    fn batch(ids: &[&str], status: &str) -> crate::Result<RecordBatch> {
        let n = ids.len();
        let cols: Vec<(&str, ArrayRef)> = vec![
            ("deal_id", Arc::new(StringArray::from(ids.to_vec()))),
            ("status", Arc::new(StringArray::from(vec![status; n]))),
            ("created_on", Arc::new(Date32Array::from(vec![20000; n]))),
        ];
        Ok(RecordBatch::try_from_iter(cols).unwrap())
    }

    /// Folds `batches` `per` deals a chunk; the ids of each chunk folded, and how it ended.
    fn fold(batches: Vec<crate::Result<RecordBatch>>, ids: IdHashes, per: usize, stop_after: usize) -> (Vec<Vec<String>>, End, IdHashes) {
        let mut folded = Vec::new();
        let map = KindMapping::default();
        let (ids, end) = fold_chunks(batches.into_iter(), &map, ids, per, &mut |d| {
            folded.push((0..d.len()).map(|i| d.id(i).to_string()).collect());
            if folded.len() == stop_after { Err(()) } else { Ok(()) }
        });
        (folded, end, ids)
    }

    #[test]
    fn every_deal_is_folded_once_in_file_order_in_chunks_of_at_least_per() {
        let b = vec![batch(&["a", "b"], "open"), batch(&["c"], "open"), batch(&["d", "e"], "open"), batch(&["f"], "open")];
        let (folded, end, mut ids) = fold(b, IdHashes::default(), 3, 0);
        assert_eq!(end, End::Done);
        assert_eq!(folded, vec![vec!["a", "b", "c"], vec!["d", "e", "f"]]);
        // every id noted
        assert!(!ids.insert(id_hash("f")) && ids.insert(id_hash("g")));
    }

    #[test]
    fn a_repeat_across_chunks_or_files_stops_before_its_chunk_is_folded() {
        let b = vec![batch(&["a", "b"], "open"), batch(&["c", "a"], "open")];
        let (folded, end, _) = fold(b, IdHashes::default(), 2, 0);
        assert_eq!((folded, end), (vec![vec!["a".to_string(), "b".into()]], End::Repeat));
        let mut earlier = IdHashes::default();
        earlier.insert(id_hash("b"));
        let (folded, end, _) = fold(vec![batch(&["a", "b"], "open")], earlier, 2, 0);
        assert_eq!((folded.len(), end), (0, End::Repeat));
    }

    #[test]
    fn an_unread_batch_ends_it_and_notes_nothing_of_its_chunk() {
        let b = vec![batch(&["a"], "open"), batch(&["b"], "?"), batch(&["c"], "open")];
        let (folded, end, mut ids) = fold(b, IdHashes::default(), 2, 0);
        assert_eq!((folded.len(), end), (0, End::Unread));
        assert!(ids.insert(id_hash("a")), "the unread chunk's ids are not noted");
        let b = vec![batch(&["a"], "open"), Err(crate::Error::Query("corrupt page".into()))];
        assert_eq!(fold(b, IdHashes::default(), 1, 0).1, End::Unread);
    }

    #[test]
    fn the_fold_saying_stop_ends_it() {
        let b = (0..50).map(|i| batch(&[&format!("d{i}")], "open")).collect();
        let (folded, end, _) = fold(b, IdHashes::default(), 1, 2);
        assert_eq!((folded.len(), end), (2, End::Stopped));
    }
}
