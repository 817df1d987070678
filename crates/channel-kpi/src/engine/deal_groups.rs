//! [`DealGroups`]: the groups of the deals `Engine::push_deals` folds, found deal by deal as
//! each picked deal is folded and cached per value id, so a deal's group costs one array read
//! per roll-up level, not the texts' hashes.
//!
//! A deal's groups depend only on its values of the query's dimensions. Grouping by one
//! dimension that one column decides (partner, its tier or region, owner, an org level, source,
//! product, channel, kind, an attr), the group ids are kept per value id of that column; by two
//! to four such dimensions, per number of their packed ids (numbered densely as they come);
//! by no dimension, every deal is in group 0 of the one key. Otherwise (more dimensions, or
//! one no column decides) each deal's values are looked up ([`GroupIndex::id`]).
//!
//! ```text
//! by partner, levels [1]:  cache[partner id × 2 + 1] = group id (u32::MAX: not yet seen)
//! ```

use super::dimension::{DimValue, Dimension};
use super::groups::GroupIndex;
use super::partial::{INLINE_DIMS, levels};
use super::record::{Reference, deal_dim};
use crate::Query;
use crate::domain::{Deals, WordField};
use rustc_hash::FxHashMap;

/// The column of `deals` that alone decides a deal's value of `dim`, if one does.
fn key_field(dim: &Dimension, deals: &Deals) -> Option<WordField> {
    match dim {
        Dimension::Attr(name) => Some(WordField::Attr(deals.attr_column(name))),
        d => fixed_key_field(d),
    }
}

/// [`key_field`] of the dimensions whose column is the same for every `deals` (all but `attr:`).
pub(super) fn fixed_key_field(dim: &Dimension) -> Option<WordField> {
    match dim {
        Dimension::Partner | Dimension::PartnerTier | Dimension::Region => Some(WordField::Partner),
        Dimension::Owner | Dimension::Org(_) => Some(WordField::Owner),
        Dimension::Source => Some(WordField::Source),
        Dimension::Product => Some(WordField::Product),
        Dimension::Channel => Some(WordField::Channel),
        Dimension::Kind => Some(WordField::Kind),
        Dimension::Attr(_) | Dimension::All => None,
    }
}

/// The group ids of deals at each roll-up level of a query, cached per value id (see the
/// module doc).
pub(super) struct DealGroups {
    /// `Some(None)`: no dimension (key 0); `Some(Some(f))`: one dimension, decided by `f`.
    key: Option<Option<WordField>>,
    /// Two to four dimensions, each decided by one column.
    fields: Option<Vec<WordField>>,
    /// Packed ids of `fields` → dense number.
    combos: FxHashMap<u128, usize>,
    /// `key × levels_len + level` → group id (`u32::MAX`: not yet looked up).
    cache: Vec<u32>,
    /// The roll-up levels every deal is counted at, most detailed first.
    levels: Vec<usize>,
    /// Levels of a key: `group_by.len() + 1`.
    nl: usize,
}

impl DealGroups {
    /// The groups of `deals` for query `q`; `None` when a deal is counted at no level.
    pub(super) fn new(q: &Query, deals: &Deals) -> Option<DealGroups> {
        let n = q.group_by.len();
        // Every dimension applies to a deal, so its levels depend on the query only.
        let levels: Vec<usize> = levels(q, None, &vec![DimValue::Value(None); n])?.collect();
        let key = match q.group_by.as_slice() {
            [] => Some(None),
            [d] => key_field(d, deals).map(Some),
            _ => None,
        };
        let fields =
            (key.is_none() && n <= 4).then(|| q.group_by.iter().map(|d| key_field(d, deals)).collect::<Option<Vec<_>>>()).flatten();
        Some(DealGroups { key, fields, combos: FxHashMap::default(), cache: Vec::new(), levels, nl: n + 1 })
    }

    /// The levels a deal is counted at (each deal's [`DealGroups::ids`] fill these entries).
    pub(super) fn levels(&self) -> &[usize] {
        &self.levels
    }

    /// Entries of [`DealGroups::ids`]' `out` (one per level of a key: `group_by.len() + 1`).
    pub(super) fn width(&self) -> usize {
        self.nl
    }

    /// Writes deal `i`'s group id at each of [`DealGroups::levels`] into `out[level]` (`out`:
    /// [`DealGroups::width`] entries), looking the values up in `index` the first time a
    /// cached key is seen (or every time when none is).
    #[inline(always)]
    pub(super) fn ids(&mut self, deals: &Deals, i: usize, index: &mut GroupIndex, q: &Query, refs: &Reference, out: &mut [u32]) {
        let nl = self.nl;
        let cached = match (self.key, &self.fields) {
            (Some(f), _) => Some(f.map_or(0, |f| deals.word_key(f, i) as usize * nl)),
            (None, Some(fields)) => {
                let packed = fields.iter().fold(0u128, |p, f| p << 32 | u128::from(deals.word_key(*f, i)));
                let fresh = self.combos.len();
                Some(*self.combos.entry(packed).or_insert(fresh) * nl)
            }
            (None, None) => None,
        };
        let Some(k) = cached else {
            return self.look_up(deals, i, index, q, refs, out, None);
        };
        match self.cache.get(k..k + nl) {
            // the detail level alone (no roll-up): one read
            Some(row) if self.levels.len() == 1 => {
                let l = self.levels[0];
                if row[l] != u32::MAX {
                    out[l] = row[l];
                    return;
                }
            }
            Some(row) if self.levels.iter().all(|&l| row[l] != u32::MAX) => {
                for &l in &self.levels {
                    out[l] = row[l];
                }
                return;
            }
            Some(_) => {}
            None => {
                let words = match self.key {
                    Some(Some(f)) => deals.word_count_of(f),
                    _ => 0,
                };
                self.cache.resize(words.max(k / nl + 1) * nl, u32::MAX);
            }
        }
        self.look_up(deals, i, index, q, refs, out, Some(k));
    }

    /// Deal `i`'s groups from its values' texts (kept at `cache[k + level]` when cached).
    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn look_up(&mut self, deals: &Deals, i: usize, index: &mut GroupIndex, q: &Query, refs: &Reference, out: &mut [u32], k: Option<usize>) {
        let n = q.group_by.len();
        let (mut values, mut texts) = ([DimValue::Value(None); INLINE_DIMS], [None; INLINE_DIMS]);
        let (mut many_values, mut many_texts) = (Vec::new(), Vec::new());
        let (values, texts): (&mut [DimValue], &mut [Option<&str>]) = if n <= INLINE_DIMS {
            (&mut values[..n], &mut texts[..n])
        } else {
            many_values.resize(n, DimValue::Value(None));
            many_texts.resize(n, None);
            (&mut many_values, &mut many_texts)
        };
        for ((v, t), d) in values.iter_mut().zip(texts.iter_mut()).zip(&q.group_by) {
            *v = deal_dim((deals, i), d, refs);
            *t = v.text();
        }
        for &level in &self.levels {
            out[level] = index.id(level, texts);
            if let Some(k) = k {
                self.cache[k + level] = out[level];
            }
        }
    }
}
