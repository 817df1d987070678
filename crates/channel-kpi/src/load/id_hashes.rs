//! [`IdHashes`]: the ids of one record kind seen so far, as 64-bit hashes, for a read that does
//! not keep its records ([`super::run_files`]): a duplicate id, and a lead naming an unknown
//! deal, are found without the records.
//!
//! Cost: 8 bytes per slot of an open-addressing table (linear probing, at most 7/8 full, grown
//! by doubling): 9–16 bytes per record (`benches/README.md` has the measured peaks), against
//! the ≈ 500 bytes per record a whole [`crate::Dataset`] holds. A slot is the hash itself (0:
//! empty), so a look-up reads one cache line, and [`IdHashes::insert_all`] looks a few hashes
//! ahead so the lines of the next ones are on their way while one is inserted.
//!
//! Ids in ascending order cost no table: a reader that sees its ids come in strictly ascending
//! order (a table sorted by its id, as CRM exports of numbered records usually are) knows them
//! distinct without hashing them into anything, and notes their hashes in a plain list
//! ([`IdHashes::extend_distinct`]), put into the table only when a look-up or an id of another
//! order needs it. (On 1 M ids the table's random accesses and its zeroing were about a fifth
//! of a monthly trend's CPU.) When the ids are those of the query's only deals source and
//! nothing looks a deal up ([`IdHashes::sole`]: no leads), such a run is not even hashed: no
//! other id is ever compared with it. Should a later chunk break the order, the rows before it
//! are read again and their hashes put in the table then (`parquet_chunks::fold_each`).
//!
//! Exactness: two different ids share a 64-bit hash with probability about n² / 2⁶⁵ (3 · 10⁻⁶
//! for 10 M ids); the hashes 0 and 1 count as one (an empty slot is 0), which adds n / 2⁶³. A
//! repeated hash is therefore not taken as a duplicate: the caller falls back to a whole load,
//! which compares the ids themselves. A lead naming a deal that does not exist goes unnoticed
//! only if its id's hash equals a deal's (about n / 2⁶⁴ per such lead: 5 · 10⁻¹³ with 10 M
//! deals).

use super::home_order::home_order;

/// The XXH3-128 hash of an id (its low 64 bits are what [`IdHashes`] keeps).
pub(super) fn id_hash(id: &str) -> u128 {
    twox_hash::XxHash3_128::oneshot(id.as_bytes())
}

/// What an [`IdHashes`] keeps of an id: [`id_hash`]'s low 64 bits (never 0).
pub(super) fn id_key(id: &str) -> u64 {
    key(id_hash(id))
}

/// A set of id hashes (the low 64 bits of [`id_hash`]).
#[derive(Default)]
pub(super) struct IdHashes {
    /// A power of two of slots (or none), each a hash or 0 (empty).
    slots: Vec<u64>,
    len: usize,
    /// Hashes of ids known distinct from each other and from every other id noted
    /// ([`IdHashes::extend_distinct`]), not yet in `slots`.
    distinct: Vec<u64>,
    /// Whether these are the ids of the query's only deals source, which nothing looks up
    /// ([`IdHashes::sole`]; read by the chunked readers of the `parquet` feature).
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))]
    sole: bool,
}

/// What a slot holds for `h`: its low 64 bits, never 0 (0 marks an empty slot).
#[inline]
fn key(h: u128) -> u64 {
    (h as u64).max(1)
}

impl IdHashes {
    /// The ids of the query's only deals source when no record looks a deal up (no leads): an
    /// ascending run of them need not be noted at all (`NoteIds::lists_runs`).
    pub(super) fn sole() -> Self {
        IdHashes { sole: true, ..IdHashes::default() }
    }

    /// Whether these are such ids ([`IdHashes::sole`]).
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))]
    pub(super) fn is_sole(&self) -> bool {
        self.sole
    }

    /// The first slot to look at for `k`.
    #[inline]
    fn home(&self, k: u64) -> usize {
        k as usize & (self.slots.len() - 1)
    }

    /// Adds `k` to a table with room for it; false when it was there.
    #[inline]
    fn put(&mut self, k: u64) -> bool {
        let mask = self.slots.len() - 1;
        let mut i = self.home(k);
        loop {
            match self.slots[i] {
                0 => {
                    self.slots[i] = k;
                    self.len += 1;
                    return true;
                }
                s if s == k => return false,
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Whether no id was noted.
    #[cfg(any(feature = "parquet", test))]
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0 && self.distinct.is_empty()
    }

    /// Notes the hashes `hs` of ids the caller knows distinct from each other and from every id
    /// noted so far (ids in strictly ascending order, with nothing noted before them or only
    /// smaller ids this way): kept in a list, not looked up. `expected`: how many such ids may
    /// come in all (the list is sized once).
    #[cfg(any(feature = "parquet", test))]
    pub(super) fn extend_distinct(&mut self, hs: &[u128], expected: usize) {
        if self.distinct.capacity() == 0 {
            self.distinct.reserve(expected.max(hs.len()));
        }
        self.distinct.extend(hs.iter().map(|&h| key(h)));
    }

    /// Puts the hashes of [`IdHashes::extend_distinct`] into the table (a look-up needs them
    /// there). Two distinct ids whose hashes meet here take one slot: a later repeat of either
    /// is still found.
    ///
    /// They are put in in the table's order ([`home_order`]): in the order listed, each was a
    /// cache miss once the table outgrew the caches.
    pub(super) fn settle(&mut self) {
        if self.distinct.is_empty() {
            return;
        }
        let listed = std::mem::take(&mut self.distinct);
        self.grow_for(listed.len());
        for k in home_order(listed, self.slots.len(), |&k| k) {
            self.put(k);
        }
    }

    /// Adds the keys `ks` ([`id_key`]) at once, in the table's order ([`home_order`]); false
    /// when one was already there or two of them are equal (the table then holds some of them:
    /// the caller falls back to a whole load, which compares the ids themselves).
    ///
    /// A file's ids noted as its chunks came were each a cache and TLB miss once the table
    /// outgrew the caches (134 MB for 10 M deals): ~1 s of CPU of a 10 M-row CSV scorecard.
    pub(super) fn insert_keys(&mut self, ks: Vec<u64>) -> bool {
        self.reserve(ks.len());
        let ordered = home_order(ks, self.slots.len(), |&k| k);
        ordered.into_iter().all(|k| self.put(k))
    }

    /// Adds `h`; false when a hash equal to it was already there.
    pub(super) fn insert(&mut self, h: u128) -> bool {
        self.reserve(1);
        self.put(key(h))
    }

    /// Adds `hs` in order, up to the first already there (false: the hashes after it are not
    /// added).
    #[cfg(any(feature = "parquet", test))]
    pub(super) fn insert_all(&mut self, hs: &[u128]) -> bool {
        self.reserve(hs.len());
        // the slot of the hash `AHEAD` places on is read meanwhile (its value unused), so its
        // cache line is loaded by the time that hash is inserted
        const AHEAD: usize = 8;
        let mut seen = 0u64;
        for (i, &h) in hs.iter().enumerate() {
            if let Some(&next) = hs.get(i + AHEAD) {
                seen ^= self.slots[self.home(key(next))];
            }
            if !self.put(key(h)) {
                return false;
            }
        }
        std::hint::black_box(seen);
        true
    }

    /// Makes room for `n` more hashes at once (a table grown by doubling holds both sizes
    /// while it grows, and places every entry again each time), the listed ones put in.
    pub(super) fn reserve(&mut self, n: usize) {
        self.settle();
        self.grow_for(n);
    }

    /// Makes room in the table for `n` more hashes.
    fn grow_for(&mut self, n: usize) {
        let need = self.len + n;
        if need * 8 <= self.slots.len() * 7 {
            return;
        }
        let size = (need * 8 / 7 + 1).next_power_of_two().max(16);
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        self.len = 0;
        for k in old.into_iter().filter(|&k| k != 0) {
            self.put(k);
        }
    }

    /// The slot holding `k`.
    fn find(&self, k: u64) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(k);
        loop {
            match self.slots[i] {
                0 => return None,
                s if s == k => return Some(i),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Whether a hash equal to `h` was added.
    pub(super) fn contains(&mut self, h: u128) -> bool {
        self.settle();
        self.find(key(h)).is_some()
    }

    /// What the first slot to look at for `h` holds (0 in an empty table), once
    /// [`IdHashes::settle`]d: read apart from [`IdHashes::contains_from`] by a caller with many
    /// look-ups, so that their loads, with no branch between them, are under way together.
    #[cfg(any(feature = "parquet", test))]
    #[inline]
    pub(super) fn first(&self, h: u128) -> u64 {
        if self.slots.is_empty() { 0 } else { self.slots[self.home(key(h))] }
    }

    /// [`IdHashes::contains`] of `h`, whose first slot ([`IdHashes::first`]) holds `first`, in
    /// a settled table: no other slot is read when it holds `h` or nothing.
    #[cfg(any(feature = "parquet", test))]
    #[inline]
    pub(super) fn contains_from(&self, h: u128, first: u64) -> bool {
        debug_assert!(self.distinct.is_empty(), "settled");
        let k = key(h);
        first == k || (first != 0 && self.find(k).is_some())
    }

    /// Ids added.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.len + self.distinct.len()
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
        // 0 marks an empty slot: the hashes 0 and 1 count as one (a repeat: the caller checks
        // the ids themselves)
        assert!(s.insert(1 << 64) && !s.insert(1) && s.contains(0));
        // the same answers with the first slot read apart
        for i in (0..100_010).step_by(7) {
            let h = id_hash(&format!("D{i}"));
            assert_eq!(s.contains_from(h, s.first(h)), i < 100_000, "D{i}");
        }
        assert!(!IdHashes::default().contains_from(id_hash("D0"), IdHashes::default().first(id_hash("D0"))));
    }

    #[test]
    fn insert_all_adds_in_order_up_to_the_first_repeat() {
        let mut s = IdHashes::default();
        let hs: Vec<u128> = (0..1_000).map(|i| id_hash(&format!("D{i}"))).collect();
        assert!(s.insert_all(&hs[..600]));
        let mut more = hs[600..700].to_vec();
        more.push(hs[3]);
        more.extend_from_slice(&hs[700..]);
        assert!(!s.insert_all(&more));
        assert_eq!(s.len(), 700, "the hashes after the repeat are not added");
        assert!(s.contains(hs[699]) && !s.contains(hs[700]));
    }

    /// Listed hashes count as added: found, repeated by an insert, and put into the table
    /// once (a later insert of many settles them first).
    #[test]
    fn listed_hashes_are_found_and_repeated_like_added_ones() {
        let mut s = IdHashes::default();
        let hs: Vec<u128> = (0..5_000).map(|i| id_hash(&format!("D{i}"))).collect();
        s.extend_distinct(&hs[..3_000], 5_000);
        assert!(!s.is_empty() && s.len() == 3_000 && s.slots.is_empty(), "listed, no table");
        s.extend_distinct(&hs[3_000..4_000], 5_000);
        assert!(!s.insert_all(&[hs[4_000], hs[10]]), "a listed hash repeats");
        assert_eq!(s.len(), 4_001);
        assert!(s.contains(hs[3_999]) && s.contains(hs[4_000]) && !s.contains(hs[4_001]));
        let mut listed = IdHashes::default();
        listed.extend_distinct(&hs[..2], 2);
        assert!(!listed.insert(hs[1]) && listed.insert(hs[2]) && listed.len() == 3);
        assert!(IdHashes::default().is_empty());
    }

    /// Keys put in at once find a repeat among themselves or of a hash there before, and
    /// every key is found after (a table grown from small, keys scattered over its parts).
    #[test]
    fn keys_put_in_at_once_are_found_and_repeats_refused() {
        let mut s = IdHashes::default();
        assert!(s.insert(id_hash("D7")));
        let keys = |r: std::ops::Range<u32>| r.map(|i| id_key(&format!("D{i}"))).collect::<Vec<_>>();
        assert!(s.insert_keys(keys(8..200_000)));
        assert!(s.slots.len() >= 1 << 16, "big enough to be put in by parts");
        assert!((0..200_000).filter(|i| *i != 7).all(|i| s.contains(id_hash(&format!("D{i}"))) == (i >= 8)));
        assert!(!s.insert_keys(keys(300_000..300_010).into_iter().chain([id_key("D7")]).collect()), "one there before");
        let mut t = IdHashes::default();
        assert!(!t.insert_keys([keys(0..100_000), keys(99_999..100_000)].concat()), "two equal");
        assert!(IdHashes::default().insert_keys(Vec::new()));
    }
}
