//! [`DealFinder`]: the index of a loaded deal by its id, for attaching stage-history rows.
//!
//! Stage histories come grouped by deal, and usually in the order of the deals table (CRM
//! exports, and tables built from the deals): a history row names the deal of the row before,
//! or the deal after it. The finder tries those two first (one comparison of ids each) and
//! looks the id up in a hash index of every deal only when neither matches; the index is built
//! the first time it is needed, so a history in deal order never builds it.
//!
//! The answer is the index lookup's for every order: the loaded deals' ids are unique (a
//! duplicate sends the deals table to the row path, which reports or skips it before any
//! history is attached), so the deal found by a guess is the only deal with that id.
//!
//! Example: deals `A B C`; rows naming `A A B B B C A` take two comparisons for each of the
//! first six and one index lookup (the index built then) for the last.

use crate::Deals;
use rustc_hash::FxHashMap;

/// Finds deals of `deals` by id: the last deal found, the deal after it, else a hash index.
pub(super) struct DealFinder<'a> {
    deals: &'a Deals,
    /// The deal the last id named (`None` before the first).
    last: Option<usize>,
    /// Every deal by id, built at the first id neither guess matches.
    index: Option<FxHashMap<&'a str, usize>>,
}

impl<'a> DealFinder<'a> {
    pub(super) fn new(deals: &'a Deals) -> Self {
        DealFinder { deals, last: None, index: None }
    }

    /// The index of the deal whose id is `id`; `None` when no deal has it.
    pub(super) fn find(&mut self, id: &str) -> Option<usize> {
        let next = self.last.map_or(0, |l| l + 1);
        let guesses = self.last.into_iter().chain((next < self.deals.len()).then_some(next));
        for g in guesses {
            if self.deals.id(g) == id {
                self.last = Some(g);
                return Some(g);
            }
        }
        let deals = self.deals;
        let index = self.index.get_or_insert_with(|| (0..deals.len()).map(|i| (deals.id(i), i)).collect());
        let found = index.get(id).copied();
        if found.is_some() {
            self.last = found;
        }
        found
    }

    /// Whether the hash index was built (for tests).
    #[cfg(test)]
    fn indexed(&self) -> bool {
        self.index.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Deal, DealStatus};

    fn deals(ids: &[&str]) -> Deals {
        let mut d = Deals::default();
        for id in ids {
            d.push(Deal::new(*id, "2025-01-01".parse().unwrap(), DealStatus::Open));
        }
        d
    }

    #[test]
    fn rows_in_deal_order_are_found_without_the_index() {
        let d = deals(&["A", "B", "C"]);
        let mut f = DealFinder::new(&d);
        let found: Vec<_> = ["A", "A", "B", "B", "B", "C"].iter().map(|id| f.find(id)).collect();
        assert_eq!(found, [Some(0), Some(0), Some(1), Some(1), Some(1), Some(2)]);
        assert!(!f.indexed());
    }

    #[test]
    fn any_other_order_and_unknown_ids_give_the_index_answer() {
        let d = deals(&["A", "B", "C", "D"]);
        let mut f = DealFinder::new(&d);
        let ids = ["C", "C", "D", "A", "X", "B", "", "D", "A", "B", "B", "C"];
        let found: Vec<_> = ids.iter().map(|id| f.find(id)).collect();
        let expected: Vec<_> = ids.iter().map(|id| (0..d.len()).find(|&i| d.id(i) == *id)).collect();
        assert_eq!(found, expected);
        assert!(f.indexed());
        // after an unknown id the guesses start again from the last deal found
        assert_eq!(f.find("D"), Some(3));
    }

    #[test]
    fn no_deals_finds_nothing() {
        let d = deals(&[]);
        assert_eq!(DealFinder::new(&d).find("A"), None);
    }
}
