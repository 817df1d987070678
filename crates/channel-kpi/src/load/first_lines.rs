//! [`FirstLines`]: the line each record id was first read on, so a duplicate id names both
//! lines — without copying the ids.
//!
//! A loader keeps the records it reads in a vector; the table holds, per id, the record's
//! position in that vector and its line, and compares ids by looking them up there. Copying
//! every id into a `String`-keyed map cost a third of an Arrow table's load (1 M deals: an
//! allocation and a rehash per row).
//!
//! ```text
//! deals.csv:7 … duplicate deal id (first on line 3)
//! ```

use hashbrown::HashTable;
use std::hash::BuildHasher;

/// First line per id of one record kind, keyed by the position of the record holding the id.
#[derive(Default)]
pub(super) struct FirstLines {
    /// (hash of the id, position of the record, its line): growing the table re-uses the
    /// stored hashes instead of reading every id again.
    table: HashTable<(u64, usize, u64)>,
    hasher: rustc_hash::FxBuildHasher,
}

impl FirstLines {
    /// Notes that the record at position `at` (id `id`, read on `line`) is about to be kept;
    /// `id_at(p)` gives the id of the kept record at position `p`. Returns the first line of
    /// an earlier record with the same id instead (the record is then not noted).
    pub(super) fn insert<'a>(&mut self, id: &str, at: usize, line: u64, id_at: impl Fn(usize) -> &'a str) -> Option<u64> {
        let h = self.hasher.hash_one(id);
        if let Some(&(_, _, first)) = self.table.find(h, |&(hash, p, _)| hash == h && id_at(p) == id) {
            return Some(first);
        }
        self.table.insert_unique(h, (h, at, line), |&(hash, _, _)| hash);
        None
    }

    /// Makes room for `additional` more ids (no rehash while they are inserted).
    #[cfg(feature = "arrow")]
    pub(super) fn reserve(&mut self, additional: usize) {
        self.table.reserve(additional, |&(hash, _, _)| hash);
    }

    /// Forgets the records at positions `start` and after (they were not kept after all).
    pub(super) fn forget_from(&mut self, start: usize) {
        self.table.retain(|&mut (_, p, _)| p < start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_first_line_of_a_duplicate_and_keeps_distinct_ids() {
        let mut kept: Vec<String> = Vec::new();
        let mut lines = FirstLines::default();
        let mut dups = Vec::new();
        // Enough ids to make the table grow (rehash through `id_at`).
        for (line, id) in (2u64..).zip((0..1000).map(|i| format!("D{i}")).chain(["D7".to_string(), "D999".to_string()])) {
            let ids = &kept;
            match lines.insert(&id, ids.len(), line, |p| ids[p].as_str()) {
                Some(first) => dups.push((id, first, line)),
                None => kept.push(id),
            }
        }
        assert_eq!(kept.len(), 1000);
        assert_eq!(dups, vec![("D7".to_string(), 9, 1002), ("D999".to_string(), 1001, 1003)]);
    }
}
