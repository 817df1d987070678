//! [`GroupKeys`]: the groups of records found once per combination of the value ids that decide
//! them, not by hashing their texts per record — the mechanism `push_leads` and
//! `push_subscriptions` share (`push_deals` has its own, fused with its tallies).
//!
//! A record's groups depend only on its values of the query's dimensions; a column store holds
//! those values as dictionary ids (a partner's id decides the partner, its tier and region; a
//! source's id the source; an attr's id the attr). Records whose ids agree on every dimension
//! of the query have the same groups, so the groups of the first such record are kept and
//! reused: a hash-map lookup of the packed ids per record.

use super::dimension::Dimension;
use super::partial::{Engine, Found, check_currency};
use super::record::Record;
use crate::error::Result;
use rustc_hash::FxHashMap;

/// Reads the value id of one dimension for record `i` (0: no value).
pub(crate) type IdColumn<'a> = Box<dyn Fn(usize) -> u32 + 'a>;

/// The groups of records by the packed value ids of the query's dimensions.
pub(crate) struct GroupKeys<'a> {
    /// One reader per dimension; `None` when the query has more than four.
    columns: Option<Vec<IdColumn<'a>>>,
    groups: FxHashMap<u128, Box<[u32]>>,
    scratch: Vec<u32>,
}

impl<'a> GroupKeys<'a> {
    /// For `dims` (the query's `group_by`), with `column(dim)` the reader of a dimension's
    /// value ids — `None` for a dimension no column decides, which makes every record's groups
    /// computed (no cache).
    pub(crate) fn new(dims: &[Dimension], column: impl Fn(&Dimension) -> Option<IdColumn<'a>>) -> Self {
        let columns = (dims.len() <= 4).then(|| dims.iter().map(&column).collect::<Option<Vec<_>>>()).flatten();
        GroupKeys { columns, groups: FxHashMap::default(), scratch: Vec::new() }
    }
}

impl Engine<'_> {
    /// [`Engine::push`] of `rec`, record `i` of a column store whose value ids `keys` reads:
    /// the same currency check and the same cells, its groups those of the first record with
    /// the same ids; `found` what the caller found of the record (its account number, the
    /// windows it can count in), as [`Engine::push`] would find it.
    pub(crate) fn push_keyed(&mut self, rec: &Record, i: usize, keys: &mut GroupKeys, found: Found) -> Result<()> {
        check_currency(&mut self.currency, !self.one_currency, rec)?;
        let groups = self.keyed_groups(keys, i, |e, out| e.group_ids(rec, out));
        groups.iter().try_for_each(|&g| self.fold_group(rec, g as usize, found))
    }

    /// The ids of the groups record `i` of a column store whose value ids `keys` reads counts
    /// in ([`Engine::group_ids`]): those of the first record with the same ids, found by
    /// `find(engine, out)` (the record's `group_ids` into `out`) for the first one — or for
    /// every record when no column decides the groups.
    pub(crate) fn keyed_groups<'k>(&mut self, keys: &'k mut GroupKeys, i: usize, find: impl FnOnce(&mut Self, &mut Vec<u32>)) -> &'k [u32] {
        let Some(columns) = &keys.columns else {
            find(self, &mut keys.scratch);
            return &keys.scratch;
        };
        let key = columns.iter().fold(0u128, |k, c| k << 32 | u128::from(c(i)));
        keys.groups.entry(key).or_insert_with(|| {
            find(self, &mut keys.scratch);
            keys.scratch.as_slice().into()
        })
    }
}
