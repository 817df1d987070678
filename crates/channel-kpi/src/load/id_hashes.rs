//! [`IdHashes`]: the ids of one record kind seen so far, as 64-bit hashes, for a read that does
//! not keep its records ([`super::run_files`]): a duplicate id, and a lead naming an unknown
//! deal, are found without the records.
//!
//! Cost: 8 bytes per id in a hash table (one control byte more per slot, at most 7/8 full,
//! grown by doubling): 10–20 bytes per record (`benches/README.md` has the measured peaks),
//! against the ≈ 500 bytes per record a whole [`crate::Dataset`] holds.
//!
//! Exactness: two different ids share a 64-bit hash with probability about n² / 2⁶⁵ (3 · 10⁻⁶
//! for 10 M ids). A repeated hash is therefore not taken as a duplicate: the caller falls back
//! to a whole load, which compares the ids themselves. A lead naming a deal that does not
//! exist goes unnoticed only if its id's hash equals a deal's (about n / 2⁶⁴ per such lead:
//! 5 · 10⁻¹³ with 10 M deals).

use hashbrown::HashTable;

/// The XXH3-128 hash of an id (its low 64 bits are what [`IdHashes`] keeps).
pub(super) fn id_hash(id: &str) -> u128 {
    twox_hash::XxHash3_128::oneshot(id.as_bytes())
}

/// A set of id hashes (the low 64 bits of [`id_hash`]).
#[derive(Default)]
pub(super) struct IdHashes {
    table: HashTable<u64>,
}

impl IdHashes {
    /// Adds `h`; false when a hash equal to it was already there.
    pub(super) fn insert(&mut self, h: u128) -> bool {
        let h = h as u64;
        if self.table.find(h, |&x| x == h).is_some() {
            return false;
        }
        self.table.insert_unique(h, h, |&x| x);
        true
    }

    /// Makes room for `n` more hashes at once (a table grown by doubling holds both sizes
    /// while it grows, and hashes every entry again each time).
    /// Forgets hash `h` (noted by a reader whose rows were not kept after all).
    pub(super) fn remove(&mut self, h: u128) {
        let h = h as u64;
        if let Ok(e) = self.table.find_entry(h, |&x| x == h) {
            e.remove();
        }
    }

    pub(super) fn reserve(&mut self, n: usize) {
        self.table.reserve(n, |&x| x);
    }

    /// Whether a hash equal to `h` was added.
    pub(super) fn contains(&self, h: u128) -> bool {
        let h = h as u64;
        self.table.find(h, |&x| x == h).is_some()
    }

    /// Ids added.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_repeats_and_only_repeats() {
        let mut s = IdHashes::default();
        for i in 0..100_000 {
            assert!(s.insert(id_hash(&format!("D{i}"))));
        }
        assert!(!s.insert(id_hash("D7")));
        assert!(!s.insert(id_hash("D99999")));
        assert!(s.contains(id_hash("D0")) && !s.contains(id_hash("D100000")) && !s.contains(id_hash("")));
        assert_eq!(s.len(), 100_000);
    }
}
