//! [`Deals`]: the deals of a dataset stored column by column.

use super::deal::{Channel, Deal, DealChecked, DealKind, DealStatus, PartnerStages, RegistrationStatus, StageEntry};
use crate::money::{Currency, Money};
use chrono::NaiveDate;
// the column stores share the dictionary type (`domain/words.rs`)
pub(crate) use super::words::Words;

/// The deals of a [`crate::Dataset`], stored column by column: one vector per field, the text
/// fields that repeat (partner, owner, source, product, stage, lost reason) as ids into one
/// dictionary of distinct values, every deal id in one string buffer, the attrs as one column
/// of text ids per attr name (`domain/deal_attrs.rs`), and stage histories (which most deals
/// lack) in a side table. A deal costs about 90 bytes here (4 more per attr) against about 350
/// as a [`Deal`] with its own strings, and the engine reads the columns it needs
/// ([`crate::Engine::push_deals`]).
///
/// Deals go in as [`Deal`] values ([`Deals::push`], `collect`, `From<Vec<Deal>>`) and come
/// out as [`Deal`] values ([`Deals::get`], [`Deals::iter`]) or one field at a time
/// ([`Deals::id`], [`Deals::status`] …). As JSON (serde) they are a list of deals, as before.
///
/// ```
/// use channel_kpi::{Deal, DealStatus, Deals};
/// let day = |s: &str| s.parse().unwrap();
/// let mut deals = Deals::default();
/// let mut d = Deal::new("D1", day("2025-01-02"), DealStatus::Open);
/// d.partner_id = Some("P1".into());
/// deals.push(d.clone());
/// assert_eq!(deals.len(), 1);
/// assert_eq!(deals.partner_id(0), Some("P1"));
/// assert_eq!(deals.get(0), d);
/// ```
// The fields are visible in the crate for the appenders that fill whole columns at once
// (`arrow/typed_deals.rs`); they leave every per-deal column with the same length.
#[derive(Clone, Default)]
pub struct Deals {
    pub(crate) ids: String,
    /// `ids[id_end[i - 1]..id_end[i]]` is the id of deal `i`.
    pub(crate) id_end: Vec<usize>,
    pub(crate) words: Words,
    pub(crate) partner: Vec<u32>,
    pub(crate) owner: Vec<u32>,
    pub(crate) source: Vec<u32>,
    pub(crate) product: Vec<u32>,
    pub(crate) lost_reason: Vec<u32>,
    pub(crate) stage: Vec<u32>,
    pub(crate) channel: Vec<Option<Channel>>,
    pub(crate) kind: Vec<DealKind>,
    pub(crate) status: Vec<DealStatus>,
    pub(crate) registration_status: Vec<Option<RegistrationStatus>>,
    pub(crate) partner_stages: Vec<PartnerStages>,
    pub(crate) created_on: Vec<NaiveDate>,
    pub(crate) registered_on: Vec<Option<NaiveDate>>,
    pub(crate) expected_close_on: Vec<Option<NaiveDate>>,
    pub(crate) closed_on: Vec<Option<NaiveDate>>,
    pub(crate) amount: Vec<Option<Money>>,
    /// Per deal, 0 or 1 + the index of its stage history in `histories`.
    pub(crate) history: Vec<u32>,
    pub(crate) histories: Vec<Vec<StageEntry>>,
    /// The attrs, one column per attr name.
    pub(crate) attrs: Attrs,
    /// What checks and queries learned about these deals and remember until they change
    /// ([`Memo`]). A writer of the columns above calls `memo.changed()`.
    pub(crate) memo: Memo,
}

/// A field of [`Deals`] whose values have small dense ids ([`Deals::word_key`]): the texts
/// stored as dictionary ids, the channel and kind, and an attr column (its number in
/// [`Deals::attr_column`]; `u32::MAX`: a name no deal has).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WordField {
    Partner,
    Owner,
    Source,
    Product,
    Channel,
    Kind,
    Attr(u32),
}

/// `src` into `dst`, reusing its buffer (a reused `Deal` allocates no text once warm).
pub(crate) fn put_text(dst: &mut Option<String>, src: Option<&str>) {
    match (dst.as_mut(), src) {
        (Some(d), Some(s)) => {
            d.clear();
            d.push_str(s);
        }
        (_, s) => *dst = s.map(String::from),
    }
}

/// Row `i` of a text column, 0 (none) past its end: a streamed chunk leaves the text columns
/// its fold reads none of unwritten (`arrow::append_deals`), and a deal of it built whole
/// (to name it in an error) has none there.
#[inline(always)]
fn word_at(column: &[u32], i: usize) -> u32 {
    column.get(i).copied().unwrap_or(0)
}

impl Deals {
    /// Number of deals.
    pub fn len(&self) -> usize {
        self.id_end.len()
    }

    /// True when there are no deals.
    pub fn is_empty(&self) -> bool {
        self.id_end.is_empty()
    }

    /// Adds a deal at the end (not checked: [`crate::Dataset::add_deal`] checks).
    pub fn push(&mut self, d: Deal) {
        self.memo.changed();
        self.push_texts(&d);
        self.history.push(side(&mut self.histories, d.stage_history, Vec::is_empty));
        if !d.attrs.is_empty() {
            self.attrs.set_all(self.len() - 1, &d.attrs);
        }
    }

    /// Adds a copy of a deal at the end (a reused `Deal` costs no allocation once its texts
    /// are in the dictionary).
    pub fn push_ref(&mut self, d: &Deal) {
        self.memo.changed();
        self.push_texts(d);
        let history = if d.stage_history.is_empty() { Vec::new() } else { d.stage_history.clone() };
        self.history.push(side(&mut self.histories, history, Vec::is_empty));
        if !d.attrs.is_empty() {
            self.attrs.set_all(self.len() - 1, &d.attrs);
        }
    }

    /// Every field but the side tables.
    fn push_texts(&mut self, d: &Deal) {
        self.ids.push_str(&d.id);
        self.id_end.push(self.ids.len());
        let w = &mut self.words;
        self.partner.push(w.id(d.partner_id.as_deref()));
        self.owner.push(w.id(d.owner_id.as_deref()));
        self.source.push(w.id(d.source.as_deref()));
        self.product.push(w.id(d.product.as_deref()));
        self.lost_reason.push(w.id(d.lost_reason.as_deref()));
        self.stage.push(w.id(d.stage.as_deref()));
        self.channel.push(d.channel);
        self.kind.push(d.kind);
        self.status.push(d.status);
        self.registration_status.push(d.registration_status);
        self.partner_stages.push(d.partner_stages);
        self.created_on.push(d.created_on);
        self.registered_on.push(d.registered_on);
        self.expected_close_on.push(d.expected_close_on);
        self.closed_on.push(d.closed_on);
        self.amount.push(d.amount);
    }

    /// Moves every deal of `other` to the end of `self`, in order (its texts looked up in this
    /// dictionary once each).
    pub fn append(&mut self, other: Deals) {
        self.memo.changed();
        if self.is_empty() && self.words.is_empty() && self.histories.is_empty() && self.attrs.is_empty() {
            *self = other; // nothing to remap or shift: taken as it is, not copied
            return;
        }
        let remap: Vec<u32> = std::iter::once(0).chain(other.words.values().map(|w| self.words.id(Some(w)))).collect();
        let shift = self.ids.len();
        self.ids.push_str(&other.ids);
        self.id_end.extend(other.id_end.iter().map(|e| e + shift));
        for (mine, theirs) in [
            (&mut self.partner, &other.partner),
            (&mut self.owner, &other.owner),
            (&mut self.source, &other.source),
            (&mut self.product, &other.product),
            (&mut self.lost_reason, &other.lost_reason),
            (&mut self.stage, &other.stage),
        ] {
            mine.extend(theirs.iter().map(|&w| remap[w as usize]));
        }
        self.channel.extend_from_slice(&other.channel);
        self.kind.extend_from_slice(&other.kind);
        self.status.extend_from_slice(&other.status);
        self.registration_status.extend_from_slice(&other.registration_status);
        self.partner_stages.extend_from_slice(&other.partner_stages);
        self.created_on.extend_from_slice(&other.created_on);
        self.registered_on.extend_from_slice(&other.registered_on);
        self.expected_close_on.extend_from_slice(&other.expected_close_on);
        self.closed_on.extend_from_slice(&other.closed_on);
        self.amount.extend_from_slice(&other.amount);
        let h = self.histories.len() as u32;
        self.history.extend(other.history.iter().map(|&k| if k == 0 { 0 } else { k + h }));
        self.histories.extend(other.histories);
        self.attrs.append(&other.attrs, self.id_end.len() - other.id_end.len());
    }

    /// Keeps the first `len` deals (texts of the removed ones stay in the dictionary; the
    /// columns keep their capacity).
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        self.ids.truncate(if len == 0 { 0 } else { self.id_end[len - 1] });
        // side tables: drop the entries only removed deals referred to
        let keep_h = self.history[..len].iter().copied().max().unwrap_or(0) as usize;
        self.histories.truncate(keep_h);
        self.attrs.keep(len);
        for c in self.columns_mut() {
            c.keep(len);
        }
    }

    /// Removes every deal.
    pub fn clear(&mut self) {
        *self = Deals::default();
    }

    /// Deal `i` as a [`Deal`]. Panics when `i >= len()`.
    pub fn get(&self, i: usize) -> Deal {
        let mut d = Deal::new(String::new(), self.created_on[i], self.status[i]);
        self.fill(i, &mut d);
        d
    }

    /// Writes deal `i` into `d`, reusing its strings and vectors (no allocation once they
    /// are large enough). Panics when `i >= len()`.
    pub fn fill(&self, i: usize, d: &mut Deal) {
        d.id.clear();
        d.id.push_str(self.id(i));
        let w = &self.words;
        put_text(&mut d.partner_id, w.get(word_at(&self.partner, i)));
        put_text(&mut d.owner_id, w.get(word_at(&self.owner, i)));
        put_text(&mut d.source, w.get(word_at(&self.source, i)));
        put_text(&mut d.product, w.get(word_at(&self.product, i)));
        put_text(&mut d.lost_reason, w.get(word_at(&self.lost_reason, i)));
        put_text(&mut d.stage, w.get(word_at(&self.stage, i)));
        d.channel = self.channel[i];
        d.kind = self.kind[i];
        d.status = self.status[i];
        d.registration_status = self.registration_status[i];
        d.partner_stages = self.partner_stages[i];
        d.created_on = self.created_on[i];
        d.registered_on = self.registered_on[i];
        d.expected_close_on = self.expected_close_on[i];
        d.closed_on = self.closed_on[i];
        d.amount = self.amount[i];
        super::deal::copy_stage_entries(&mut d.stage_history, self.stage_history(i));
        self.attrs.fill(i, &mut d.attrs);
    }

    /// The id of deal `i`'s `field` (0: absent; equal ids, equal values): a dense key for
    /// caching what depends on that value alone. Ids are below [`Deals::word_count`].
    #[inline(always)]
    pub(crate) fn word_key(&self, field: WordField, i: usize) -> u32 {
        match field {
            WordField::Partner => self.partner[i],
            WordField::Owner => self.owner[i],
            WordField::Source => self.source[i],
            WordField::Product => self.product[i],
            WordField::Channel => self.channel[i].map_or(0, |c| c as u32 + 1),
            WordField::Kind => self.kind[i] as u32,
            WordField::Attr(c) => self.attrs.id(c, i),
        }
    }

    /// One past the largest id [`Deals::word_key`] gives for a field that is not an attr.
    pub(crate) fn word_count(&self) -> usize {
        (self.words.len() + 1).max(4)
    }

    /// One past the largest id [`Deals::word_key`] gives for `field`.
    pub(crate) fn word_count_of(&self, field: WordField) -> usize {
        match field {
            WordField::Attr(_) => self.attrs.words.len() + 1,
            _ => self.word_count(),
        }
    }

    /// The column of attr `name` ([`WordField::Attr`]; `u32::MAX` when no deal has it).
    pub(crate) fn attr_column(&self, name: &str) -> u32 {
        self.attrs.column(name).unwrap_or(u32::MAX)
    }

    /// The one currency of every amount (`Some(None)`: no deal has an amount; `None`: several
    /// currencies), found once and remembered until the deals change.
    pub(crate) fn single_currency(&self) -> Option<Option<Currency>> {
        *self.memo.currency.get_or_init(|| {
            let mut one = None;
            for m in self.amount.iter().flatten() {
                match one {
                    None => one = Some(m.currency),
                    Some(c) if c != m.currency => return None,
                    _ => {}
                }
            }
            Some(one)
        })
    }

    /// Checks deal `i` as [`Deal::validate`] does.
    pub fn validate(&self, i: usize) -> crate::Result<()> {
        DealChecked {
            id: self.id(i),
            status: self.status[i],
            created_on: self.created_on[i],
            closed_on: self.closed_on[i],
            registered_on: self.registered_on[i],
            amount: self.amount[i].as_ref(),
            stage_history: self.stage_history(i),
        }
        .validate()
    }

    /// Every deal, in order, as a vector of [`Deal`] values.
    pub fn to_vec(&self) -> Vec<Deal> {
        self.iter().collect()
    }

    /// Splits the deals at `at`: `self` keeps `[0, at)`, the rest is returned (as
    /// `Vec::split_off`; to fold parts of a dataset apart). Panics when `at > len()`.
    pub fn split_off(&mut self, at: usize) -> Deals {
        assert!(at <= self.len(), "split at {at} of {} deals", self.len());
        let tail = (at..self.len()).map(|i| self.get(i)).collect();
        *self = (0..at).map(|i| self.get(i)).collect();
        tail
    }

    /// Every deal, in order, as [`Deal`] values.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Deal> + ExactSizeIterator + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The id of deal `i`.
    #[inline]
    pub fn id(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.id_end[i - 1] };
        &self.ids[start..self.id_end[i]]
    }
    /// The partner of deal `i` (`None`: a direct deal).
    #[inline]
    pub fn partner_id(&self, i: usize) -> Option<&str> {
        self.words.get(word_at(&self.partner, i))
    }
    /// The owner of deal `i`.
    #[inline]
    pub fn owner_id(&self, i: usize) -> Option<&str> {
        self.words.get(word_at(&self.owner, i))
    }
    /// The marketing channel of deal `i`.
    #[inline]
    pub fn channel(&self, i: usize) -> Option<Channel> {
        self.channel[i]
    }
    /// The marketing source of deal `i`.
    #[inline]
    pub fn source(&self, i: usize) -> Option<&str> {
        self.words.get(word_at(&self.source, i))
    }
    /// The product of deal `i`.
    #[inline]
    pub fn product(&self, i: usize) -> Option<&str> {
        self.words.get(word_at(&self.product, i))
    }
    /// New, upsell or renewal.
    #[inline]
    pub fn kind(&self, i: usize) -> DealKind {
        self.kind[i]
    }
    /// The attribute `name` of deal `i`.
    #[inline]
    pub fn attr(&self, i: usize, name: &str) -> Option<&str> {
        self.attrs.get(i, name)
    }
    /// The current stage of deal `i`.
    #[inline]
    pub fn stage(&self, i: usize) -> Option<&str> {
        self.words.get(word_at(&self.stage, i))
    }
    /// The status of deal `i`.
    #[inline]
    pub fn status(&self, i: usize) -> DealStatus {
        self.status[i]
    }
    /// The creation date of deal `i`.
    #[inline]
    pub fn created_on(&self, i: usize) -> NaiveDate {
        self.created_on[i]
    }
    /// The close date of deal `i`.
    #[inline]
    pub fn closed_on(&self, i: usize) -> Option<NaiveDate> {
        self.closed_on[i]
    }
    /// The amount of deal `i`.
    #[inline]
    pub fn amount(&self, i: usize) -> Option<Money> {
        self.amount[i]
    }
    /// The stage history of deal `i`, oldest first.
    #[inline]
    pub fn stage_history(&self, i: usize) -> &[StageEntry] {
        match self.history[i] {
            0 => &[],
            k => &self.histories[k as usize - 1],
        }
    }
    /// The stage history of deal `i`, to change (the loader attaches history rows).
    pub fn stage_history_mut(&mut self, i: usize) -> &mut Vec<StageEntry> {
        self.memo.changed();
        if self.history[i] == 0 {
            self.histories.push(Vec::new());
            self.history[i] = u32::try_from(self.histories.len()).expect("fewer than 4 billion stage histories");
        }
        &mut self.histories[self.history[i] as usize - 1]
    }
    /// The stage histories that are not empty, to change.
    pub fn stage_histories_mut(&mut self) -> impl Iterator<Item = &mut Vec<StageEntry>> {
        self.memo.changed();
        self.histories.iter_mut()
    }

    /// Heap bytes held (the vectors' capacities, the dictionary, the side tables), for memory
    /// reports.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of_val;
        let v = |n: usize, one: usize| n * one;
        self.ids.capacity()
            + v(self.id_end.capacity(), 8)
            + self.words.heap_bytes()
            + v(self.partner.capacity() + self.owner.capacity() + self.source.capacity(), 4)
            + v(self.product.capacity() + self.lost_reason.capacity() + self.stage.capacity(), 4)
            + self.channel.capacity()
            + self.kind.capacity()
            + self.status.capacity()
            + self.registration_status.capacity()
            + self.partner_stages.capacity()
            + v(self.created_on.capacity() + self.registered_on.capacity(), 4)
            + v(self.expected_close_on.capacity() + self.closed_on.capacity(), 4)
            + v(self.amount.capacity(), size_of_val(&None::<Money>))
            + v(self.history.capacity(), 4)
            + self
                .histories
                .iter()
                .map(|h| 24 + h.capacity() * (24 + 4) + h.iter().map(|e| e.stage.capacity()).sum::<usize>())
                .sum::<usize>()
            + self.attrs.heap_bytes()
    }
}

/// Stores `value` in `table` unless it is empty; its reference (0: none).
fn side<T>(table: &mut Vec<T>, value: T, empty: fn(&T) -> bool) -> u32 {
    if empty(&value) {
        return 0;
    }
    table.push(value);
    u32::try_from(table.len()).expect("fewer than 4 billion side records")
}

#[path = "deal_attrs.rs"]
mod attrs;
pub(crate) use attrs::Attrs;
super::columns_as_list::as_list!(Deals, Deal, "a list of deals");
#[path = "deal_columns_memo.rs"]
mod memo;
pub(crate) use memo::Memo;
#[path = "deal_columns_reuse.rs"]
mod reuse;

#[cfg(test)]
#[path = "deal_columns_tests.rs"]
mod tests;
