//! [`WonDates`]: the close dates of won deals by the 128-bit hash of their ids, for a streamed
//! query that links leads to the deals they became (`won_on`, as `Dataset::link_leads` does).
//!
//! The dates are noted as the deals are read (appended: [`WonDates::insert`]) and put in an
//! open-addressing table (linear probing, at most half full) of 24-byte slots — the hash's two
//! halves and the date — once, sized for all of them, when the first lead is linked
//! ([`WonDates::sealed`]), in the table's order (`home_order`): grown by doubling as the deals
//! came, each insert was a cache miss and every date was placed twice (≈ 0.04 s of the folding
//! thread for 330 k won deals). A look-up is one cache line, and a caller with many look-ups
//! reads their first slots in one pass ([`Sealed::first`]) before it resolves each
//! ([`Sealed::get_from`]): a linked lead's look-ups are a cache and TLB miss each once the
//! deals outgrow the caches, ≈ 100 ns on the project VM one at a time. A `FxHashMap<u128,
//! NaiveDate>` did the same but cannot be asked for a slot apart.
//!
//! Exactness: the whole 128-bit hash is compared, so a lead takes another deal's date only if
//! the two ids share an XXH3-128 hash.
//!
//! ```text
//! insert(id_hash("D1"), 2025-03-01)   sealed().get(id_hash("D1")) == Some(2025-03-01)
//! ```

use super::home_order::home_order;
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
    /// Dates noted since the table was last sealed, in the order noted.
    pending: Vec<(u128, NaiveDate)>,
}

/// The table of [`WonDates`] with every noted date in it: what look-ups go through.
#[derive(Clone, Copy)]
pub(super) struct Sealed<'a>(&'a WonDates);

impl WonDates {
    /// The first slot to look at for `h`.
    #[inline]
    fn home(&self, h: u128) -> usize {
        h as usize & (self.slots.len() - 1)
    }

    /// Notes that the deal with id hash `h` was won on `on` (replacing a date noted for `h`
    /// before, once sealed).
    pub(super) fn insert(&mut self, h: u128, on: NaiveDate) {
        self.pending.push((h, on));
    }

    /// The table with every date noted so far in it (the dates noted since the last call put
    /// in at once, in the order noted).
    pub(super) fn sealed(&mut self) -> Sealed<'_> {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            let need = self.len + pending.len();
            if need * 2 > self.slots.len() {
                let size = (need * 2).next_power_of_two().max(16);
                let old = std::mem::replace(&mut self.slots, vec![Slot::default(); size]);
                self.len = 0;
                for s in old.into_iter().filter(|s| s.on.is_some()) {
                    self.put(u128::from(s.hi) << 64 | u128::from(s.lo), s);
                }
            }
            // in the table's order (stable: a hash noted twice keeps its last date)
            for (h, on) in home_order(pending, self.slots.len(), |&(h, _)| h as u64) {
                self.put(h, Slot { lo: h as u64, hi: (h >> 64) as u64, on: Some(on) });
            }
        }
        Sealed(self)
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
}

impl Sealed<'_> {
    /// The close date noted for hash `h`.
    #[inline]
    pub(super) fn get(self, h: u128) -> Option<NaiveDate> {
        self.get_from(h, self.first(h))
    }

    /// The first slot to look at for `h` (an empty one in an empty table): read apart from
    /// [`Sealed::get_from`] by a caller with many look-ups, so that their loads, with no branch
    /// between them, are under way together.
    #[inline]
    pub(super) fn first(self, h: u128) -> FirstSlot {
        let w = self.0;
        FirstSlot(if w.slots.is_empty() { Slot::default() } else { w.slots[w.home(h)] })
    }

    /// [`Sealed::get`] of `h`, whose first slot ([`Sealed::first`]) holds `first`: no other
    /// slot is read when it holds `h` or nothing.
    #[inline]
    pub(super) fn get_from(self, h: u128, first: FirstSlot) -> Option<NaiveDate> {
        let (w, s) = (self.0, first.0);
        let (lo, hi) = (h as u64, (h >> 64) as u64);
        match s.on {
            None => return None,
            Some(on) if (s.lo, s.hi) == (lo, hi) => return Some(on),
            _ => {}
        }
        let mask = w.slots.len() - 1;
        let mut i = (w.home(h) + 1) & mask;
        loop {
            let s = &w.slots[i];
            match s.on {
                None => return None,
                Some(on) if (s.lo, s.hi) == (lo, hi) => return Some(on),
                _ => i = (i + 1) & mask,
            }
        }
    }
}

/// What the first slot of a hash held ([`Sealed::first`]).
#[derive(Clone, Copy)]
pub(super) struct FirstSlot(Slot);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::id_hashes::id_hash;

    #[test]
    fn each_won_deal_gives_its_date_and_no_other_hash_gets_one() {
        let day = |n: u32| NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(u64::from(n % 365));
        let mut won = WonDates::default();
        let empty = won.sealed();
        assert_eq!(empty.get(id_hash("D1")), None, "empty");
        assert_eq!(empty.get_from(id_hash("D1"), empty.first(id_hash("D1"))), None, "empty, its first slot read apart");
        // noted in two rounds (the table grown between), sealed after each
        for round in [0..5_000u32, 5_000..20_000] {
            for i in round.clone() {
                won.insert(id_hash(&format!("D{i}")), day(i));
            }
            let w = won.sealed();
            assert!((0..round.end).all(|i| w.get(id_hash(&format!("D{i}"))) == Some(day(i))));
            assert!((round.end..40_000u32).all(|i| w.get(id_hash(&format!("D{i}"))).is_none()));
        }
        // two hashes with the same low half are two deals
        let (a, b) = (7u128, 7u128 | 1 << 64);
        won.insert(a, day(1));
        assert_eq!((won.sealed().get(a), won.sealed().get(b)), (Some(day(1)), None));
        won.insert(b, day(2));
        won.insert(a, day(3));
        assert_eq!((won.sealed().get(a), won.sealed().get(b)), (Some(day(3)), Some(day(2))), "noted again: the date noted last");
    }
}
