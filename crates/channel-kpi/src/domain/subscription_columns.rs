//! [`Subscriptions`]: the subscription months of a dataset stored column by column.

use super::SubscriptionMonth;
use super::account_names::AccountNames;
use super::deal_columns::{Attrs, Words, put_text};
use crate::money::Money;
use chrono::NaiveDate;

/// The subscription months of a [`crate::Dataset`], stored column by column, as
/// [`crate::Deals`] and [`crate::Leads`] are: the texts that repeat (the account, which has a
/// row per month, and the partner) as ids into one dictionary of distinct values, the attrs as
/// one column of text ids per attr name. A row costs about 40 bytes here against about 110 as
/// a [`SubscriptionMonth`] with its own strings, and the engine folds the accounts by id.
///
/// Rows go in as [`SubscriptionMonth`] values ([`Subscriptions::push`], `collect`,
/// `From<Vec<SubscriptionMonth>>`) and come out as values ([`Subscriptions::get`],
/// [`Subscriptions::iter`]) or one field at a time ([`Subscriptions::account_id`] …). As JSON
/// (serde) they are a list of subscription months.
///
/// ```
/// use channel_kpi::{SubscriptionMonth, Subscriptions};
/// let mut subs = Subscriptions::default();
/// let mut m = SubscriptionMonth::new("A1", "2025-03-01".parse().unwrap(), "120 USD".parse().unwrap());
/// m.partner_id = Some("P1".into());
/// subs.push(m.clone());
/// subs.push(SubscriptionMonth::new("A1", "2025-04-01".parse().unwrap(), "150 USD".parse().unwrap()));
/// assert_eq!(subs.len(), 2);
/// assert_eq!((subs.account_id(1), subs.partner_id(0)), ("A1", Some("P1")));
/// assert_eq!(subs.get(0), m);
/// ```
// The fields are visible in the crate for the typed reader that fills whole columns at once
// (`arrow/typed_subscriptions.rs`); it leaves every per-row column with the same length.
#[derive(Clone, Default)]
pub struct Subscriptions {
    pub(crate) words: Words,
    /// Dictionary id of each row's account (never 0: the account is required).
    pub(crate) account: Vec<u32>,
    pub(crate) month: Vec<NaiveDate>,
    pub(crate) mrr: Vec<Money>,
    pub(crate) partner: Vec<u32>,
    pub(crate) attrs: Attrs,
    /// [`Subscriptions::account_names`], made on first use (dropped by every change of the
    /// rows through a method; one of the dictionary's length is never given out).
    names: std::sync::OnceLock<std::sync::Arc<AccountNames>>,
}

impl Subscriptions {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.month.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.month.is_empty()
    }

    /// Adds a row at the end (not checked: [`crate::Dataset::validate`] checks).
    pub fn push(&mut self, s: SubscriptionMonth) {
        self.push_ref(&s);
    }

    /// The texts of the store's dictionary by id (accounts and partners alike), so that the
    /// number of a row's account is its id ([`Subscriptions::account`]): one shared value per
    /// store while its dictionary does not change, made once (two copies of the texts), so the
    /// engines folding parts of the store on several threads number accounts alike and their
    /// partials merge by number (`engine/accounts.rs`).
    pub(crate) fn account_names(&self) -> std::sync::Arc<AccountNames> {
        let make = || std::sync::Arc::new(AccountNames::from_texts(self.words.values()));
        let names = self.names.get_or_init(make);
        // the dictionary only grows: a value of another length is of before a change made
        // through a field (the typed reader's), and a fresh one is made
        if names.len() == self.words.len() { names.clone() } else { make() }
    }

    /// Makes room for `n` more rows in every per-row column (a reader that knows how many it
    /// will append: no column grows by copying as they go in).
    #[cfg(feature = "arrow")]
    pub(crate) fn reserve(&mut self, n: usize) {
        self.account.reserve(n);
        self.partner.reserve(n);
        self.month.reserve(n);
        self.mrr.reserve(n);
    }

    /// Adds a copy of a row at the end.
    pub fn push_ref(&mut self, s: &SubscriptionMonth) {
        self.names.take();
        let w = &mut self.words;
        self.account.push(w.id(Some(&s.account_id)));
        self.partner.push(w.id(s.partner_id.as_deref()));
        self.month.push(s.month);
        self.mrr.push(s.mrr);
        if !s.attrs.is_empty() {
            self.attrs.set_all(self.len() - 1, &s.attrs);
        }
    }

    /// Moves every row of `other` to the end of `self`, in order (its texts looked up in this
    /// dictionary once each).
    pub fn append(&mut self, other: Subscriptions) {
        if self.is_empty() && self.words.is_empty() && self.attrs.is_empty() {
            *self = other; // nothing to remap or shift: taken as it is, not copied
            return;
        }
        self.names.take();
        let remap: Vec<u32> = std::iter::once(0).chain(other.words.values().map(|w| self.words.id(Some(w)))).collect();
        for (mine, theirs) in [(&mut self.account, &other.account), (&mut self.partner, &other.partner)] {
            mine.extend(theirs.iter().map(|&w| remap[w as usize]));
        }
        self.month.extend_from_slice(&other.month);
        self.mrr.extend_from_slice(&other.mrr);
        self.attrs.append(&other.attrs, self.len() - other.len());
    }

    /// Keeps the first `len` rows (texts of the removed ones stay in the dictionary). Every
    /// column is cut, so a typed read that stopped part way through a batch (some columns
    /// longer than others) is undone.
    pub fn truncate(&mut self, len: usize) {
        self.names.take();
        self.account.truncate(len);
        self.partner.truncate(len);
        self.month.truncate(len);
        self.mrr.truncate(len);
        self.attrs.keep(len);
    }

    /// Splits the rows at `at`: `self` keeps `..at`, the rest is returned. Panics when
    /// `at > len()`.
    pub fn split_off(&mut self, at: usize) -> Subscriptions {
        assert!(at <= self.len(), "split_off at {at} beyond {} rows", self.len());
        let tail: Subscriptions = (at..self.len()).map(|i| self.get(i)).collect();
        self.truncate(at);
        tail
    }

    /// Row `i` as a [`SubscriptionMonth`]. Panics when `i >= len()`.
    pub fn get(&self, i: usize) -> SubscriptionMonth {
        let mut s = SubscriptionMonth::new(String::new(), self.month[i], self.mrr[i]);
        self.fill(i, &mut s);
        s
    }

    /// Writes row `i` into `s`, reusing its strings (no allocation once they are large
    /// enough). Panics when `i >= len()`.
    pub fn fill(&self, i: usize, s: &mut SubscriptionMonth) {
        self.fill_after(i, None, s)
    }

    /// [`Subscriptions::fill`] of row `i` into `s` that holds row `prev`: the account's and
    /// the partner's texts are copied only when they are not `prev`'s (an account's months
    /// come one after another).
    pub(crate) fn fill_after(&self, i: usize, prev: Option<usize>, s: &mut SubscriptionMonth) {
        if prev.is_none_or(|p| self.account[p] != self.account[i]) {
            s.account_id.clear();
            s.account_id.push_str(self.account_id(i));
        }
        s.month = self.month[i];
        s.mrr = self.mrr[i];
        if prev.is_none_or(|p| self.partner[p] != self.partner[i]) {
            put_text(&mut s.partner_id, self.partner_id(i));
        }
        self.attrs.fill(i, &mut s.attrs);
    }

    /// Every row, in order, as [`SubscriptionMonth`] values.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = SubscriptionMonth> + ExactSizeIterator + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Every row as a [`SubscriptionMonth`] value.
    pub fn to_vec(&self) -> Vec<SubscriptionMonth> {
        self.iter().collect()
    }

    /// Row `i`'s account.
    pub fn account_id(&self, i: usize) -> &str {
        self.words.get(self.account[i]).unwrap_or("")
    }

    /// Row `i`'s month (any day of it, as given).
    pub fn month(&self, i: usize) -> NaiveDate {
        self.month[i]
    }

    /// Row `i`'s MRR.
    pub fn mrr(&self, i: usize) -> Money {
        self.mrr[i]
    }

    /// The partner that sourced row `i`'s account.
    pub fn partner_id(&self, i: usize) -> Option<&str> {
        self.words.get(self.partner[i])
    }

    /// Row `i`'s value of attr `name`.
    pub fn attr(&self, i: usize, name: &str) -> Option<&str> {
        self.attrs.get(i, name)
    }

    /// Heap bytes held by the columns and dictionaries.
    pub fn heap_bytes(&self) -> usize {
        self.words.heap_bytes()
            + (self.account.capacity() + self.partner.capacity()) * 4
            + self.month.capacity() * 4
            + self.mrr.capacity() * std::mem::size_of::<Money>()
            + self.attrs.heap_bytes()
    }
}

super::columns_as_list::as_list!(Subscriptions, SubscriptionMonth, "a list of subscription months");

#[cfg(test)]
mod tests {
    use super::*;

    fn row(account: &str, month: &str, mrr: &str, partner: Option<&str>, plan: Option<&str>) -> SubscriptionMonth {
        let mut s = SubscriptionMonth::new(account, month.parse().unwrap(), mrr.parse().unwrap());
        s.partner_id = partner.map(String::from);
        if let Some(p) = plan {
            s.attrs.insert("plan".into(), p.into());
        }
        s
    }

    #[test]
    fn rows_come_back_as_they_went_in() {
        let all = vec![
            row("A1", "2025-01-01", "100 USD", Some("P1"), Some("pro")),
            row("A2", "2025-01-15", "0 USD", None, None),
            row("A1", "2025-02-01", "120.50 USD", Some("P1"), Some("team")),
        ];
        let subs: Subscriptions = all.clone().into();
        assert_eq!(subs.to_vec(), all);
        assert_eq!(subs.account[0], subs.account[2], "one id per account");
        assert_ne!(subs.account[0], subs.account[1]);
        assert_eq!((subs.account_id(2), subs.attr(2, "plan"), subs.mrr(2).to_string()), ("A1", Some("team"), "120.50 USD".into()));
        let json = serde_json::to_string(&subs).unwrap();
        assert_eq!(json, serde_json::to_string(&all).unwrap());
        assert_eq!(serde_json::from_str::<Subscriptions>(&json).unwrap(), subs);
    }

    /// `fill_after` of row `i` into a value holding row `prev` gives row `i`, whichever
    /// rows those are (same account and partner or not, none, attrs or not).
    #[test]
    fn fill_after_a_row_gives_the_row() {
        let all = vec![
            row("A1", "2025-01-01", "1 USD", Some("P1"), Some("pro")),
            row("A1", "2025-02-01", "2 USD", Some("P1"), None),
            row("A2", "2025-02-01", "3 USD", None, None),
            row("A1", "2025-03-01", "4 USD", Some("P2"), Some("team")),
        ];
        let subs: Subscriptions = all.clone().into();
        for prev in 0..all.len() {
            for (i, want) in all.iter().enumerate() {
                let mut s = subs.get(prev);
                subs.fill_after(i, Some(prev), &mut s);
                assert_eq!(&s, want, "row {i} after row {prev}");
            }
        }
        let mut s = subs.get(3);
        subs.fill_after(2, None, &mut s);
        assert_eq!(s, all[2]);
    }

    #[test]
    fn append_remaps_texts_and_truncate_forgets_the_tail() {
        let mut a: Subscriptions = vec![row("A1", "2025-01-01", "1 USD", Some("P1"), None)].into();
        let b: Subscriptions =
            vec![row("A2", "2025-01-01", "2 USD", Some("P2"), Some("pro")), row("A1", "2025-02-01", "3 USD", None, None)].into();
        a.append(b);
        assert_eq!(
            a.to_vec(),
            vec![
                row("A1", "2025-01-01", "1 USD", Some("P1"), None),
                row("A2", "2025-01-01", "2 USD", Some("P2"), Some("pro")),
                row("A1", "2025-02-01", "3 USD", None, None)
            ]
        );
        assert_eq!(a.account[0], a.account[2], "an account of the appended rows keeps this store's id");
        a.truncate(1);
        assert_eq!(a.to_vec(), vec![row("A1", "2025-01-01", "1 USD", Some("P1"), None)]);
        a.push(row("A3", "2025-03-01", "4 USD", None, None));
        assert_eq!((a.len(), a.account_id(1), a.attr(1, "plan")), (2, "A3", None));
    }
}
