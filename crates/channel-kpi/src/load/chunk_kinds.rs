//! What a streamed chunk is read into ([`Chunked`]: deals or leads) and where its ids are
//! noted before it is folded ([`NoteIds`]: deals' [`IdHashes`], leads' [`IdParts`]), for
//! `load/parquet_chunks.rs`.

use super::id_hashes::IdHashes;
use super::id_parts::IdParts;
use super::mapping::KindMapping;
use crate::{Deals, Leads};
use arrow_array::RecordBatch;

/// The records a chunk is read into: the column stores of the kinds with unique ids that a
/// streamed query folds from their columns.
pub(super) trait Chunked: Default + Send {
    /// Every record's id in one buffer, and where each ends (record `i`'s id is
    /// `buf[ends[i - 1]..ends[i]]`, the first one's from 0).
    fn id_column(&self) -> (&str, &[usize]);
    /// Number of records.
    fn count(&self) -> usize {
        self.id_column().1.len()
    }
    /// The id of record `i`.
    fn id_of(&self, i: usize) -> &str {
        let (buf, ends) = self.id_column();
        &buf[if i == 0 { 0 } else { ends[i - 1] }..ends[i]]
    }
    /// Removes every record, keeping the memory (and dictionary) for the next chunk.
    fn clear(&mut self);
    /// Appends the rows of `b` read through `map` but the canonical text columns `unread`
    /// (deals only: a lead's columns are all read); `None` when one is not read exactly like
    /// the row path.
    fn append_read(&mut self, b: &RecordBatch, map: &KindMapping, unread: &[&str]) -> Option<()>;
}

/// Where a chunk's id hashes are noted before it is folded: checked as they come
/// ([`IdHashes`]: deals, which leads look up) or once all are in ([`IdParts`]: leads, which
/// nothing looks up while they are read; the caller asks [`IdParts::repeats`] at the end).
pub(super) trait NoteIds {
    /// Makes room for `n` more ids.
    fn reserve(&mut self, n: usize);
    /// Notes hashes `hs`; false when one repeats a hash noted (the rest then may not be).
    fn note(&mut self, hs: &[u128]) -> bool;
    /// Whether no id was noted: a file whose ids then ascend may note them with
    /// [`NoteIds::note_distinct`] (`parquet_chunks::fold_each`). False unless the set says so.
    fn is_empty(&self) -> bool {
        false
    }
    /// Whether the hashes of an ascending run are noted ([`NoteIds::note_distinct`]); when not,
    /// they are not even computed unless a later chunk breaks the order (the run's rows are
    /// then read again and noted, `parquet_chunks::fold_each`).
    fn lists_runs(&self) -> bool {
        true
    }
    /// Notes hashes `hs` of ids known distinct from each other and from every id noted (an
    /// ascending run, `parquet_chunks::before`); about `expected` of them may come in all.
    fn note_distinct(&mut self, hs: &[u128], _expected: usize) {
        self.note(hs);
    }
}

impl NoteIds for IdHashes {
    fn reserve(&mut self, n: usize) {
        IdHashes::reserve(self, n);
    }
    fn note(&mut self, hs: &[u128]) -> bool {
        self.insert_all(hs)
    }
    fn is_empty(&self) -> bool {
        IdHashes::is_empty(self)
    }
    fn note_distinct(&mut self, hs: &[u128], expected: usize) {
        self.extend_distinct(hs, expected);
    }
    fn lists_runs(&self) -> bool {
        !self.is_sole()
    }
}

impl NoteIds for IdParts {
    fn reserve(&mut self, n: usize) {
        IdParts::reserve(self, n);
    }
    fn note(&mut self, hs: &[u128]) -> bool {
        self.add(hs);
        true
    }
    fn is_empty(&self) -> bool {
        IdParts::is_empty(self)
    }
    fn lists_runs(&self) -> bool {
        !self.is_sole()
    }
}

impl Chunked for Deals {
    fn id_column(&self) -> (&str, &[usize]) {
        (&self.ids, &self.id_end)
    }
    fn clear(&mut self) {
        self.clear_keeping_capacity();
    }
    fn append_read(&mut self, b: &RecordBatch, map: &KindMapping, unread: &[&str]) -> Option<()> {
        super::mapped_batch::append_but(self, b, map, unread)
    }
}

impl Chunked for Leads {
    fn id_column(&self) -> (&str, &[usize]) {
        (&self.ids, &self.id_end)
    }
    fn clear(&mut self) {
        self.truncate(0); // the dictionary stays: a chunk's texts are mostly the last one's
    }
    fn append_read(&mut self, b: &RecordBatch, map: &KindMapping, _unread: &[&str]) -> Option<()> {
        super::mapped_batch::append_leads(self, b, map)
    }
}
