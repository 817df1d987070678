//! [`WonDates`]: the close dates of won deals by the 128-bit hash of their ids, for a streamed
//! query that links leads to the deals they became (`won_on`, as `Dataset::link_leads` does).
//!
//! An open-addressing table (linear probing, at most half full) of 24-byte slots: the hash's
//! two halves and the date. A look-up is one cache line, and [`WonDates::touch`] lets a caller
//! start loading the line of a hash it will look up a few leads later (a linked lead's look-ups
//! are a cache and TLB miss each once the deals outgrow the caches: ≈ 100 ns on the project VM,
//! most of the link check of 1 M linked leads). A `FxHashMap<u128, NaiveDate>` did the same
//! but cannot be asked to load a line ahead.
//!
//! Exactness: the whole 128-bit hash is compared, so a lead takes another deal's date only if
//! the two ids share an XXH3-128 hash.
//!
//! ```text
//! insert(id_hash("D1"), 2025-03-01)   get(id_hash("D1")) == Some(2025-03-01)
//! ```

use chrono::NaiveDate;

/// One slot: a hash and its date (`None`: empty).
#[derive(Clone, Copy, Default)]
struct Slot {
    lo: u64,
    hi: u64,
    on: Option<NaiveDate>,
}

/// Close dates of won deals by id hash.
#[derive(Default)]
pub(super) struct WonDates {
    /// A power of two of slots (or none), at most half full.
    slots: Vec<Slot>,
    len: usize,
}

impl WonDates {
    /// The first slot to look at for `h`.
    #[inline]
    fn home(&self, h: u128) -> usize {
        h as usize & (self.slots.len() - 1)
    }

    /// Notes that the deal with id hash `h` was won on `on` (replacing a date noted for `h`
    /// before).
    pub(super) fn insert(&mut self, h: u128, on: NaiveDate) {
        if (self.len + 1) * 2 > self.slots.len() {
            let size = (self.slots.len() * 2).max(16);
            let old = std::mem::replace(&mut self.slots, vec![Slot::default(); size]);
            self.len = 0;
            for s in old.into_iter().filter(|s| s.on.is_some()) {
                self.put(u128::from(s.hi) << 64 | u128::from(s.lo), s);
            }
        }
        self.put(h, Slot { lo: h as u64, hi: (h >> 64) as u64, on: Some(on) });
    }

    /// Puts `slot` (of hash `h`) in a table with room for it.
    fn put(&mut self, h: u128, slot: Slot) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(h);
        loop {
            let s = &mut self.slots[i];
            if s.on.is_none() {
                self.len += 1;
                *s = slot;
                return;
            }
            if (s.lo, s.hi) == (slot.lo, slot.hi) {
                s.on = slot.on;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// The close date noted for hash `h`.
    #[inline]
    pub(super) fn get(&self, h: u128) -> Option<NaiveDate> {
        if self.slots.is_empty() {
            return None;
        }
        let (mask, lo, hi) = (self.slots.len() - 1, h as u64, (h >> 64) as u64);
        let mut i = self.home(h);
        loop {
            let s = &self.slots[i];
            match s.on {
                None => return None,
                Some(on) if (s.lo, s.hi) == (lo, hi) => return Some(on),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Reads the first slot of hash `h` (the value means nothing), so its cache line is on its
    /// way when `h` is looked up a little later.
    #[cfg(any(feature = "parquet", test))]
    #[inline]
    pub(super) fn touch(&self, h: u128) -> u64 {
        self.slots.get(self.home_or_0(h)).map_or(0, |s| s.lo)
    }

    #[cfg(any(feature = "parquet", test))]
    fn home_or_0(&self, h: u128) -> usize {
        if self.slots.is_empty() { 0 } else { self.home(h) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::id_hashes::id_hash;

    #[test]
    fn each_won_deal_gives_its_date_and_no_other_hash_gets_one() {
        let day = |n: u32| NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(u64::from(n % 365));
        let mut won = WonDates::default();
        assert_eq!((won.get(id_hash("D1")), won.touch(id_hash("D1"))), (None, 0), "empty");
        for i in 0..20_000u32 {
            won.insert(id_hash(&format!("D{i}")), day(i));
        }
        assert!((0..20_000u32).all(|i| won.get(id_hash(&format!("D{i}"))) == Some(day(i))));
        assert!((20_000..40_000u32).all(|i| won.get(id_hash(&format!("D{i}"))).is_none()));
        // two hashes with the same low half are two deals
        let (a, b) = (7u128, 7u128 | 1 << 64);
        won.insert(a, day(1));
        assert_eq!((won.get(a), won.get(b)), (Some(day(1)), None));
        won.insert(b, day(2));
        assert_eq!((won.get(a), won.get(b)), (Some(day(1)), Some(day(2))));
        won.insert(a, day(3));
        assert_eq!(won.get(a), Some(day(3)), "noted again: the date noted last");
    }
}
