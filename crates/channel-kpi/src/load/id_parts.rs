//! [`IdParts`]: the ids of one record kind seen so far, as 64-bit hashes, checked for a repeat
//! once all of them are in — for records whose ids nothing looks up while they are read (a
//! streamed query's leads: no record links to a lead), so the check can wait — as long as no
//! error of a later row could be reported first (the leads a typed reader reads in chunks: a
//! row it does not take sends the query to the whole load; the row path checks as it reads).
//!
//! [`super::id_hashes::IdHashes`] checks each id as it comes: one random access into a table of
//! 16 bytes a record (8 bytes a slot, at most 7/8 full, a power of two), a cache and TLB miss
//! each once the table outgrows the caches — on 10 M leads about 0.27 s of the folding thread,
//! and its 128 MB zeroed first. Here each hash is appended to one of [`PARTS`] vectors chosen
//! by its top bits (appends, 8 bytes a record), and [`IdParts::repeats`] then checks one part
//! at a time with a small table that stays in the cache (≈ 39 k hashes a part for 10 M ids: a
//! 1 MB table). 256 parts, not 1,024: appends to 1,024 places at once missed the TLB (the
//! appends and the check measured ≈ 25 % more CPU, perf samples on 10 M leads).
//!
//! Exactness: as for `IdHashes`, a repeated hash (the same id, or two ids with one 64-bit hash:
//! about n² / 2⁶⁵) is not taken for a duplicate id: the caller falls back to the whole load,
//! which compares the ids themselves and names the rows.
//!
//! Ids that ascend cost nothing: when the query reads its leads from one source only
//! ([`IdParts::sole`]), ids in strictly ascending order (`L1`, `L2`, … `L10`: shorter first, then
//! by bytes) are distinct, and no other source's ids are compared with them, so the chunks of
//! such a run are not even hashed; should a later chunk break the order, the run's rows are
//! read again and their hashes added then (`parquet_chunks::fold_each`). (On 10 M leads the
//! hashing, the appends and the check were about a third of the folding thread.)
//!
//! ```text
//! add(hashes of chunk 0) … add(hashes of chunk k)   appends only
//! repeats()                                         part by part, cache-sized tables
//! ```

/// How many parts the hashes are spread over (by their top bits).
const PARTS: usize = 1 << 8;

/// The hashes of the ids added, spread over [`PARTS`] vectors by their top bits.
#[derive(Default)]
pub(super) struct IdParts {
    /// Empty until the first hash comes; then [`PARTS`] vectors.
    parts: Vec<Vec<u64>>,
    /// Whether these are the ids of the query's only leads source ([`IdParts::sole`]).
    sole: bool,
}

/// What is kept of `h` (an [`super::id_hashes::id_hash`]): its low 64 bits, never 0 (0 marks
/// an empty slot of the check's table; 0 and 1 then count as one hash, which adds n / 2⁶³ to
/// the chance of a needless fall-back).
#[inline]
fn key(h: u128) -> u64 {
    (h as u64).max(1)
}

impl IdParts {
    /// The ids of the query's only leads source: an ascending run of them need not be added
    /// (`NoteIds::lists_runs`), since no other source's ids are compared with them.
    pub(super) fn sole() -> Self {
        IdParts { parts: Vec::new(), sole: true }
    }

    /// Whether these are the ids of the query's only leads source ([`IdParts::sole`]).
    pub(super) fn is_sole(&self) -> bool {
        self.sole
    }

    /// Makes room for `n` more hashes (spread evenly, with some slack), so the parts do not
    /// grow by doubling while a big table is read.
    pub(super) fn reserve(&mut self, n: usize) {
        if self.parts.is_empty() {
            self.parts = vec![Vec::new(); PARTS];
        }
        let each = n / PARTS;
        let each = each + each / 8 + 16;
        self.parts.iter_mut().for_each(|p| p.reserve(each));
    }

    /// Adds hashes `hs`; a repeat is found by [`IdParts::repeats`].
    pub(super) fn add(&mut self, hs: &[u128]) {
        if self.parts.is_empty() {
            self.reserve(hs.len());
        }
        let shift = 64 - PARTS.trailing_zeros();
        for &h in hs {
            let k = key(h);
            self.parts[(k >> shift) as usize].push(k);
        }
    }

    /// Number of hashes added.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.parts.iter().map(Vec::len).sum()
    }

    /// True when no hash was added (since the last [`IdParts::take`]).
    pub(super) fn is_empty(&self) -> bool {
        self.parts.iter().all(Vec::is_empty)
    }

    /// The hashes added, as [`super::id_hashes::id_hash`]es with the bits kept (the low 64;
    /// the order is not the order added).
    pub(super) fn hashes(&self) -> impl Iterator<Item = u128> + '_ {
        self.parts.iter().flatten().map(|&k| u128::from(k))
    }

    /// The hashes added ([`IdParts::hashes`]), forgotten here.
    pub(super) fn take(&mut self) -> Vec<u128> {
        let all = self.hashes().collect();
        self.parts.clear();
        all
    }

    /// Whether some hash was added twice.
    pub(super) fn repeats(&self) -> bool {
        let mut slots: Vec<u64> = Vec::new();
        self.parts.iter().any(|part| {
            // at most half full: a miss ends after a slot or two
            let size = (part.len() * 2).next_power_of_two().max(16);
            slots.clear();
            slots.resize(size, 0);
            let mask = size - 1;
            part.iter().any(|&k| {
                // the low bits place it (the top bits chose the part)
                let mut i = k as usize & mask;
                loop {
                    match slots[i] {
                        0 => {
                            slots[i] = k;
                            return false;
                        }
                        s if s == k => return true,
                        _ => i = (i + 1) & mask,
                    }
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::id_hashes::id_hash;

    #[test]
    fn a_repeat_is_found_once_every_hash_is_in() {
        let ids: Vec<String> = (0..50_000).map(|i| format!("L{i}")).collect();
        let hashes: Vec<u128> = ids.iter().map(|i| id_hash(i)).collect();
        let mut parts = IdParts::default();
        parts.reserve(ids.len());
        for chunk in hashes.chunks(7_000) {
            parts.add(chunk);
        }
        assert_eq!(parts.len(), 50_000);
        assert!(!parts.repeats(), "distinct ids");
        // a repeat in a later call, and within one call
        let mut again = parts;
        again.add(&[id_hash("L49999")]);
        assert!(again.repeats());
        let mut one = IdParts::default();
        one.add(&[id_hash("a"), id_hash("b"), id_hash("a")]);
        assert!(one.repeats());
        assert!(!IdParts::default().repeats(), "nothing added");
        // hashes 0 and 1 count as one (a needless fall-back, never a missed repeat)
        let mut low = IdParts::default();
        low.add(&[0, 1 << 64]);
        assert!(low.repeats());
    }
}
