//! [`Accounts`]: the engine's numbers for the accounts of subscription months, so that a KPI
//! keeping a state per account ([`crate::kpi::retention::AccountEdges`]) finds it by a number
//! ([`super::Ctx::account`]) instead of comparing texts for every row.
//!
//! Numbers are the engine's own (1, 2, … in order of first sight; 0 is "no account"): equal
//! numbers are equal `account_id` texts within one engine, and mean nothing outside it. A
//! state keyed by them is turned into its by-text form ([`super::Kpi::resolve`]) before it
//! leaves the engine as a [`super::Partial`], so partials serialize and merge by text as
//! before.
//!
//! Rows of a [`crate::Subscriptions`] store already carry a dictionary id per account; the
//! engine maps each id to its number once ([`Accounts::of_store`]), so a row costs an array
//! read, not a hash of its account text.
//!
//! ```text
//! store ids:  A7→3  A2→5  A7→3          engine numbers:  A7→1  A2→2  A7→1
//! ```

use rustc_hash::FxHashMap;
use std::sync::Arc;

/// Account texts ↔ the engine's numbers for them.
#[derive(Debug, Default)]
pub(super) struct Accounts {
    numbers: FxHashMap<Arc<str>, u32>,
    texts: Vec<Arc<str>>,
}

impl Accounts {
    /// The number of account `text` (a new one the first time).
    pub(super) fn number(&mut self, text: &str) -> u32 {
        if let Some(&n) = self.numbers.get(text) {
            return n;
        }
        let t: Arc<str> = text.into();
        self.texts.push(t.clone());
        let n = u32::try_from(self.texts.len()).expect("fewer than 4 billion accounts");
        self.numbers.insert(t, n);
        n
    }

    /// The text of number `n`, shared ("" for 0 or a number this engine never gave).
    pub(super) fn text(&self, n: u32) -> Arc<str> {
        n.checked_sub(1).and_then(|i| self.texts.get(i as usize)).map_or_else(|| Arc::from(""), Arc::clone)
    }

    /// The number of the account whose store id is `id`, with `text(id)` its text: from
    /// `cache` (indexed by store id, 0 = not seen yet), filled on first sight.
    #[inline]
    pub(super) fn of_store<'t>(&mut self, cache: &mut Vec<u32>, id: u32, text: impl FnOnce(u32) -> &'t str) -> u32 {
        let i = id as usize;
        if cache.len() <= i {
            cache.resize(i + 1, 0);
        }
        if cache[i] == 0 {
            cache[i] = self.number(text(id));
        }
        cache[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_get_equal_numbers_and_numbers_give_back_their_texts() {
        let mut a = Accounts::default();
        let (x, y) = (a.number("A7"), a.number("A2"));
        assert_eq!((x, y, a.number("A7")), (1, 2, 1));
        assert_eq!([&*a.text(1), &*a.text(2), &*a.text(0), &*a.text(9)], ["A7", "A2", "", ""]);
        // store ids map to the same numbers, looked up once each
        let mut cache = Vec::new();
        let words = ["", "", "", "A7", "", "A9"];
        assert_eq!(a.of_store(&mut cache, 3, |i| words[i as usize]), 1);
        assert_eq!(a.of_store(&mut cache, 5, |i| words[i as usize]), 3);
        assert_eq!(a.of_store(&mut cache, 3, |_| unreachable!("cached")), 1);
        assert_eq!(&*a.text(3), "A9");
    }
}
