//! [`Leads`]: the leads of a dataset stored column by column.

use super::deal_columns::{Attrs, Words, put_text};
use super::optional_texts::OptionalTexts;
use super::{Channel, Lead};
use chrono::NaiveDate;

/// The leads of a [`crate::Dataset`], stored column by column, as [`crate::Deals`] are: every
/// lead id in one string buffer, the linked deal ids in another (nearly one deal per lead: not
/// worth a dictionary), the texts that repeat (source, partner) as ids into one dictionary of
/// distinct values, the attrs as one column of text ids per attr name.
/// A lead costs about 40 bytes here against about 230 as a [`Lead`] with its own strings (10 M
/// leads: 0.4 GB, not 2.3 GB), and the engine reads the columns it groups by.
///
/// Leads go in as [`Lead`] values ([`Leads::push`], `collect`, `From<Vec<Lead>>`) and come out
/// as [`Lead`] values ([`Leads::get`], [`Leads::iter`]) or one field at a time ([`Leads::id`],
/// [`Leads::deal_id`] …). As JSON (serde) they are a list of leads.
///
/// ```
/// use channel_kpi::{Lead, Leads};
/// let mut leads = Leads::default();
/// let mut l = Lead::new("L1", "2025-01-02".parse().unwrap());
/// l.deal_id = Some("D1".into());
/// leads.push(l.clone());
/// assert_eq!(leads.len(), 1);
/// assert_eq!(leads.deal_id(0), Some("D1"));
/// assert_eq!(leads.get(0), l);
/// ```
// The fields are visible in the crate for the typed reader that fills whole columns at once
// (`arrow/typed_leads.rs`); it leaves every per-lead column with the same length.
#[derive(Clone, Default)]
pub struct Leads {
    pub(crate) ids: String,
    /// `ids[id_end[i - 1]..id_end[i]]` is the id of lead `i`.
    pub(crate) id_end: Vec<usize>,
    pub(crate) words: Words,
    pub(crate) created_on: Vec<NaiveDate>,
    pub(crate) channel: Vec<Option<Channel>>,
    pub(crate) source: Vec<u32>,
    pub(crate) partner: Vec<u32>,
    pub(crate) deal: OptionalTexts,
    pub(crate) won_on: Vec<Option<NaiveDate>>,
    pub(crate) attrs: Attrs,
}

impl Leads {
    /// Number of leads.
    pub fn len(&self) -> usize {
        self.id_end.len()
    }

    /// True when there are no leads.
    pub fn is_empty(&self) -> bool {
        self.id_end.is_empty()
    }

    /// Adds a lead at the end (not checked: [`crate::Dataset::validate`] checks).
    pub fn push(&mut self, l: Lead) {
        self.push_ref(&l);
    }

    /// Adds a copy of a lead at the end.
    pub fn push_ref(&mut self, l: &Lead) {
        self.ids.push_str(&l.id);
        self.id_end.push(self.ids.len());
        let w = &mut self.words;
        self.source.push(w.id(l.source.as_deref()));
        self.partner.push(w.id(l.partner_id.as_deref()));
        self.deal.push(l.deal_id.as_deref());
        self.created_on.push(l.created_on);
        self.channel.push(l.channel);
        self.won_on.push(l.won_on);
        if !l.attrs.is_empty() {
            self.attrs.set_all(self.len() - 1, &l.attrs);
        }
    }

    /// Moves every lead of `other` to the end of `self`, in order (its texts looked up in this
    /// dictionary once each).
    pub fn append(&mut self, other: Leads) {
        if self.is_empty() && self.words.is_empty() && self.attrs.is_empty() {
            *self = other; // nothing to remap or shift: taken as it is, not copied
            return;
        }
        let remap: Vec<u32> = std::iter::once(0).chain(other.words.values().map(|w| self.words.id(Some(w)))).collect();
        let shift = self.ids.len();
        self.ids.push_str(&other.ids);
        self.id_end.extend(other.id_end.iter().map(|e| e + shift));
        for (mine, theirs) in [(&mut self.source, &other.source), (&mut self.partner, &other.partner)] {
            mine.extend(theirs.iter().map(|&w| remap[w as usize]));
        }
        self.deal.append(&other.deal);
        self.created_on.extend_from_slice(&other.created_on);
        self.channel.extend_from_slice(&other.channel);
        self.won_on.extend_from_slice(&other.won_on);
        self.attrs.append(&other.attrs, self.id_end.len() - other.id_end.len());
    }

    /// Keeps the first `len` leads (texts of the removed ones stay in the dictionary).
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        self.ids.truncate(if len == 0 { 0 } else { self.id_end[len - 1] });
        self.id_end.truncate(len);
        for c in [&mut self.source, &mut self.partner] {
            c.truncate(len);
        }
        self.deal.truncate(len);
        self.created_on.truncate(len);
        self.channel.truncate(len);
        self.won_on.truncate(len);
        self.attrs.keep(len);
    }

    /// Splits the leads at `at`: `self` keeps `..at`, the rest is returned. Panics when
    /// `at > len()`.
    pub fn split_off(&mut self, at: usize) -> Leads {
        assert!(at <= self.len(), "split_off at {at} beyond {} leads", self.len());
        let tail: Leads = (at..self.len()).map(|i| self.get(i)).collect();
        self.truncate(at);
        tail
    }

    /// Lead `i` as a [`Lead`]. Panics when `i >= len()`.
    pub fn get(&self, i: usize) -> Lead {
        let mut l = Lead::new(String::new(), self.created_on[i]);
        self.fill(i, &mut l);
        l
    }

    /// Writes lead `i` into `l`, reusing its strings (no allocation once they are large
    /// enough). Panics when `i >= len()`.
    pub fn fill(&self, i: usize, l: &mut Lead) {
        l.id.clear();
        l.id.push_str(self.id(i));
        l.created_on = self.created_on[i];
        l.channel = self.channel[i];
        put_text(&mut l.source, self.source(i));
        put_text(&mut l.partner_id, self.partner_id(i));
        put_text(&mut l.deal_id, self.deal_id(i));
        l.won_on = self.won_on[i];
        self.attrs.fill(i, &mut l.attrs);
    }

    /// Every lead, in order, as [`Lead`] values.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Lead> + ExactSizeIterator + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Every lead as a [`Lead`] value.
    pub fn to_vec(&self) -> Vec<Lead> {
        self.iter().collect()
    }

    /// Lead `i`'s id.
    pub fn id(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.id_end[i - 1] };
        &self.ids[start..self.id_end[i]]
    }

    /// Lead `i`'s creation date.
    pub fn created_on(&self, i: usize) -> NaiveDate {
        self.created_on[i]
    }

    /// Lead `i`'s channel.
    pub fn channel(&self, i: usize) -> Option<Channel> {
        self.channel[i]
    }

    /// Lead `i`'s source.
    pub fn source(&self, i: usize) -> Option<&str> {
        self.words.get(self.source[i])
    }

    /// The partner who referred lead `i`.
    pub fn partner_id(&self, i: usize) -> Option<&str> {
        self.words.get(self.partner[i])
    }

    /// The deal lead `i` became.
    pub fn deal_id(&self, i: usize) -> Option<&str> {
        self.deal.get(i)
    }

    /// Whether any lead links to a deal.
    pub(crate) fn has_deals(&self) -> bool {
        self.deal.any()
    }

    /// The date the deal lead `i` became was won.
    pub fn won_on(&self, i: usize) -> Option<NaiveDate> {
        self.won_on[i]
    }

    /// Sets the date lead `i`'s deal was won ([`crate::Dataset::validate`] fills it from the
    /// linked deal).
    pub fn set_won_on(&mut self, i: usize, on: Option<NaiveDate>) {
        self.won_on[i] = on;
    }

    /// Lead `i`'s value of attr `name`.
    pub fn attr(&self, i: usize, name: &str) -> Option<&str> {
        self.attrs.get(i, name)
    }

    /// Heap bytes held by the columns and dictionaries.
    pub fn heap_bytes(&self) -> usize {
        self.ids.capacity()
            + self.id_end.capacity() * 8
            + self.words.heap_bytes()
            + self.created_on.capacity() * 4
            + self.channel.capacity()
            + (self.source.capacity() + self.partner.capacity()) * 4
            + self.deal.heap_bytes()
            + self.won_on.capacity() * 8
            + self.attrs.heap_bytes()
    }
}

super::columns_as_list::as_list!(Leads, Lead, "a list of leads");

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(id: &str, deal: Option<&str>, region: Option<&str>) -> Lead {
        let mut l = Lead::new(id, "2025-03-01".parse().unwrap());
        l.channel = Some(Channel::Paid);
        l.source = Some("ads".into());
        l.deal_id = deal.map(String::from);
        if let Some(r) = region {
            l.attrs.insert("region".into(), r.into());
        }
        l
    }

    #[test]
    fn leads_come_back_as_they_went_in() {
        let all = vec![lead("L1", Some("D1"), Some("EMEA")), lead("L2", None, None), lead("L3", Some("D1"), Some("APAC"))];
        let leads: Leads = all.clone().into();
        assert_eq!(leads.to_vec(), all);
        assert_eq!((leads.id(2), leads.deal_id(2), leads.attr(0, "region")), ("L3", Some("D1"), Some("EMEA")));
        let json = serde_json::to_string(&leads).unwrap();
        assert_eq!(json, serde_json::to_string(&all).unwrap());
        assert_eq!(serde_json::from_str::<Leads>(&json).unwrap(), leads);
    }

    #[test]
    fn append_remaps_texts_and_truncate_forgets_the_tail() {
        let mut a: Leads = vec![lead("L1", Some("D1"), None)].into();
        let b: Leads = vec![lead("L2", Some("D2"), Some("EMEA")), lead("L3", None, Some("APAC"))].into();
        a.append(b);
        assert_eq!(a.to_vec(), vec![lead("L1", Some("D1"), None), lead("L2", Some("D2"), Some("EMEA")), lead("L3", None, Some("APAC"))]);
        a.truncate(2);
        assert_eq!(a.to_vec(), vec![lead("L1", Some("D1"), None), lead("L2", Some("D2"), Some("EMEA"))]);
        a.push(lead("L4", None, None));
        assert_eq!((a.len(), a.id(2), a.attr(2, "region")), (3, "L4", None));
        a.set_won_on(0, Some("2025-04-01".parse().unwrap()));
        assert_eq!(a.get(0).won_on, Some("2025-04-01".parse().unwrap()));
    }
}
