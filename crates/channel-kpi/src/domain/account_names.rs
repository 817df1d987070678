//! [`AccountNames`]: account texts by number (1, 2, …), owned and shared, so that a state kept
//! per account ([`crate::kpi::retention::AccountEdges`]) can hold its accounts by number in a
//! [`crate::Partial`] and still say which texts they are when it must (serializing, merging
//! with a partial numbered otherwise).
//!
//! One buffer of text and the end of each text in it: taking the names of a store of 100 k
//! accounts is two copies, not an allocation per account. Names only grow ([`AccountNames::push`]);
//! a number never changes its text. [`crate::Subscriptions::account_names`] gives the names of
//! a store's dictionary (numbers = the store's ids), the same shared value for every engine
//! folding that store, so their partials merge by number ([`AccountNames::same`]).
//!
//! ```
//! use channel_kpi::domain::AccountNames;
//! let mut n = AccountNames::default();
//! assert_eq!((n.push("A7"), n.push("A2")), (1, 2));
//! assert_eq!((n.text(1), n.text(2), n.text(0), n.text(3)), (Some("A7"), Some("A2"), None, None));
//! assert_eq!(n.len(), 2);
//! ```

use std::sync::Arc;

/// Texts numbered 1, 2, … (0 is "no text").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountNames {
    text: String,
    /// `ends[n - 1]`: where text `n` ends in `text` (it starts where `n - 1` ends).
    ends: Vec<usize>,
}

impl AccountNames {
    /// Names numbered in the order of `texts` (the first is 1).
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut n = AccountNames::default();
        texts.into_iter().for_each(|t| {
            n.push(t);
        });
        n
    }

    /// Adds `t` as the next number, returned (equal texts pushed twice get two numbers: the
    /// caller keeps one per text).
    pub fn push(&mut self, t: &str) -> u32 {
        self.text.push_str(t);
        self.ends.push(self.text.len());
        u32::try_from(self.ends.len()).expect("fewer than 4 billion accounts")
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The text of number `n` (`None` for 0 or a number beyond the last).
    #[inline]
    pub fn text(&self, n: u32) -> Option<&str> {
        let i = (n as usize).checked_sub(1)?;
        let end = *self.ends.get(i)?;
        let start = i.checked_sub(1).map_or(0, |j| self.ends[j]);
        Some(&self.text[start..end])
    }

    /// Whether numbers of `a` and of `b` mean the same texts because they are the one shared
    /// value (checked by address: two equal copies are not the same, and their states merge
    /// by text instead).
    pub fn same(a: &Option<Arc<AccountNames>>, b: &Option<Arc<AccountNames>>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_give_back_their_texts_empty_ones_too() {
        let n = AccountNames::from_texts(["A1", "", "Bé", "A1"]);
        assert_eq!(n.len(), 4);
        assert_eq!((1..=5).map(|i| n.text(i)).collect::<Vec<_>>(), [Some("A1"), Some(""), Some("Bé"), Some("A1"), None]);
        assert_eq!(n.text(0), None);
        let (a, b) = (Some(Arc::new(n.clone())), Some(Arc::new(n)));
        assert!(AccountNames::same(&a, &a.clone()) && AccountNames::same(&None, &None));
        assert!(!AccountNames::same(&a, &b), "equal copies are not the one shared value");
        assert!(!AccountNames::same(&a, &None));
    }
}
