//! [`Accounts`]: the engine's numbers for the accounts of subscription months, so that a KPI
//! keeping a state per account ([`crate::kpi::retention::AccountEdges`]) finds it by a number
//! ([`super::Ctx::account`]) instead of comparing texts for every row, and keeps it by number
//! in the [`super::Partial`] it gives ([`super::Kpi::resolve`] hands it the names).
//!
//! Numbers are 1, 2, … (0 is "no account"); equal numbers are equal `account_id` texts within
//! one engine, and the engine's [`AccountNames`] say which. The first
//! [`crate::Subscriptions`] store an engine folds, when it has numbered nothing yet, lends its
//! numbering: a row's number is its store id (an array read, no hash), and the names are the
//! store's shared value ([`crate::Subscriptions::account_names`]) — the same for every engine
//! folding parts of that store, so their partials merge by number. Accounts met otherwise (a
//! row pushed as a record, another store) are numbered by text: after the store's ids, each
//! new text once.
//!
//! ```text
//! store ids:  A7→3  A2→5  A7→3          engine numbers:  A7→3  A2→5  (store lent)
//! pushed record "A9"                    → 6 (after the store's 5 texts), "A2" → 5
//! ```

use crate::domain::{AccountNames, Subscriptions};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// Account texts ↔ the engine's numbers for them.
#[derive(Debug, Default)]
pub(super) struct Accounts {
    /// Every text numbered so far (shared with partials made so far: copied on the next new
    /// text).
    names: Arc<AccountNames>,
    /// The store whose ids are numbers (its names as they were lent).
    lent: Option<Arc<AccountNames>>,
    /// Text → number, for the first `indexed` names (filled only once a text must be
    /// numbered: a store lending its ids needs none).
    numbers: FxHashMap<Box<str>, u32>,
    indexed: usize,
}

/// How the accounts of a store's rows get their numbers ([`Accounts::of`]).
pub(super) enum StoreNumbers {
    /// The store's id is the number.
    Ids,
    /// Looked up by text once per store id (`cache[id]`, 0 = not yet).
    ByText(Vec<u32>),
}

impl Accounts {
    /// The number of account `text` (a new one the first time).
    pub(super) fn number(&mut self, text: &str) -> u32 {
        while self.indexed < self.names.len() {
            self.indexed += 1;
            let n = self.indexed as u32;
            let t: Box<str> = self.names.text(n).unwrap_or_default().into();
            self.numbers.entry(t).or_insert(n);
        }
        if let Some(&n) = self.numbers.get(text) {
            return n;
        }
        let n = Arc::make_mut(&mut self.names).push(text);
        self.indexed += 1;
        self.numbers.insert(text.into(), n);
        n
    }

    /// How the rows of `subs` are numbered: by their ids when the store lends its numbering
    /// (the first store, before anything was numbered, or the one lent), by text otherwise.
    pub(super) fn of(&mut self, subs: &Subscriptions) -> StoreNumbers {
        let names = subs.account_names();
        if self.names.is_empty() && self.lent.is_none() {
            self.names = names.clone();
            self.lent = Some(names);
            return StoreNumbers::Ids;
        }
        // lent before: the names still start with the store's (later texts come after them)
        match &self.lent {
            Some(l) if Arc::ptr_eq(l, &names) => StoreNumbers::Ids,
            _ => StoreNumbers::ByText(Vec::new()),
        }
    }

    /// The number of the account of row `i` of `subs`, numbered as `how` says.
    #[inline]
    pub(super) fn of_row(&mut self, how: &mut StoreNumbers, subs: &Subscriptions, i: usize) -> u32 {
        let id = subs.account[i];
        match how {
            StoreNumbers::Ids => id,
            StoreNumbers::ByText(cache) => {
                let k = id as usize;
                if cache.len() <= k {
                    cache.resize(k + 1, 0);
                }
                if cache[k] == 0 {
                    cache[k] = self.number(subs.account_id(i));
                }
                cache[k]
            }
        }
    }

    /// The names of every number given so far (shared, not copied).
    pub(super) fn names(&self) -> &Arc<AccountNames> {
        &self.names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SubscriptionMonth;

    fn store(accounts: &[&str]) -> Subscriptions {
        let m = |a: &&str| SubscriptionMonth::new(*a, "2025-01-01".parse().unwrap(), "1 USD".parse().unwrap());
        accounts.iter().map(m).collect()
    }

    #[test]
    fn equal_texts_get_equal_numbers_and_numbers_give_back_their_texts() {
        let mut a = Accounts::default();
        let (x, y) = (a.number("A7"), a.number("A2"));
        assert_eq!((x, y, a.number("A7")), (1, 2, 1));
        assert_eq!([a.names().text(1), a.names().text(2), a.names().text(0)], [Some("A7"), Some("A2"), None]);
        // a store met after texts were numbered is numbered by text, once per id
        let s = store(&["A9", "A7", "A9"]);
        let mut how = a.of(&s);
        assert!(matches!(how, StoreNumbers::ByText(_)));
        assert_eq!((0..3).map(|i| a.of_row(&mut how, &s, i)).collect::<Vec<_>>(), [3, 1, 3]);
        assert_eq!(a.names().text(3), Some("A9"));
    }

    #[test]
    fn the_first_store_lends_its_ids_and_later_texts_come_after_them() {
        let s = store(&["A7", "A2", "A7"]);
        let mut a = Accounts::default();
        let mut how = a.of(&s);
        assert!(matches!(how, StoreNumbers::Ids));
        let numbers: Vec<u32> = (0..3).map(|i| a.of_row(&mut how, &s, i)).collect();
        assert_eq!(numbers, [s.account[0], s.account[1], s.account[2]]);
        assert!(Arc::ptr_eq(a.names(), &s.account_names()), "the store's names, shared");
        // a pushed record's text: the store's number when the store has it, a new one after
        let a2 = a.number("A2");
        assert_eq!(a2, s.account[1]);
        let a9 = a.number("A9");
        assert_eq!(a9 as usize, s.words.len() + 1);
        assert_eq!(a.names().text(a9), Some("A9"));
        // the same store again still lends its ids; another one is numbered by text
        assert!(matches!(a.of(&s), StoreNumbers::Ids));
        let t = store(&["A9", "A7"]);
        let mut how = a.of(&t);
        assert_eq!((a.of_row(&mut how, &t, 0), a.of_row(&mut how, &t, 1)), (a9, s.account[0]));
    }
}
