//! [`GroupKey`] (a group of a query's result) and [`GroupIndex`], which gives every group a
//! dense id without allocating for groups already seen, so the engine keeps its states in flat
//! vectors indexed by group and window.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// A group: its roll-up level (how many of the query's `group_by` dimensions it is grouped by)
/// and one value per dimension (`None` = an empty value, or "all" beyond the level).
///
/// Serialized as `[level, [values…]]`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(from = "(u8, Vec<Option<String>>)", into = "(u8, Vec<Option<String>>)")]
pub struct GroupKey {
    /// Number of grouped dimensions (the detail level is `group_by.len()`).
    pub level: u8,
    /// One value per `group_by` dimension.
    pub values: Vec<Option<String>>,
}

impl From<(u8, Vec<Option<String>>)> for GroupKey {
    fn from((level, values): (u8, Vec<Option<String>>)) -> Self {
        GroupKey { level, values }
    }
}
impl From<GroupKey> for (u8, Vec<Option<String>>) {
    fn from(k: GroupKey) -> Self {
        (k.level, k.values)
    }
}

impl GroupKey {
    /// Whether every grouped value (up to the level) is known: a group with an empty value
    /// (direct deals when grouping by partner) is reported but not ranked against its peers.
    pub fn is_known(&self) -> bool {
        self.values[..self.level as usize].iter().all(Option::is_some)
    }
}

/// Dense ids for the groups of one query: each dimension's values are interned once, and a
/// group is found by the ids of its values, so a known group costs one hash of a few bytes per
/// dimension and no allocation. Ids are given in order of first sight (0, 1, 2, …); the same
/// values at another level are another group (the unit tests show both).
#[derive(Debug, Default)]
pub(crate) struct GroupIndex {
    /// Per dimension: value → id (from 1; 0 is the empty value).
    values: Vec<FxHashMap<Box<str>, u32>>,
    /// `[level, value ids…]` → group id.
    ids: FxHashMap<Box<[u32]>, u32>,
    /// Group id → key.
    keys: Vec<GroupKey>,
    buf: Vec<u32>,
}

impl GroupIndex {
    /// An index for keys of `dims` dimensions.
    pub(crate) fn new(dims: usize) -> Self {
        GroupIndex { values: vec![FxHashMap::default(); dims], ..Default::default() }
    }

    /// The id of the group at `level` with `values` (one per dimension; those at or beyond the
    /// level are ignored).
    pub(crate) fn id(&mut self, level: usize, values: &[Option<&str>]) -> u32 {
        self.buf.clear();
        self.buf.push(level as u32);
        for (i, v) in values.iter().enumerate() {
            let id = match v {
                Some(s) if i < level => {
                    let map = &mut self.values[i];
                    match map.get(*s) {
                        Some(&id) => id,
                        None => {
                            let id = map.len() as u32 + 1;
                            map.insert((*s).into(), id);
                            id
                        }
                    }
                }
                _ => 0,
            };
            self.buf.push(id);
        }
        if let Some(&g) = self.ids.get(self.buf.as_slice()) {
            return g;
        }
        let g = self.keys.len() as u32;
        let key_values = values.iter().enumerate().map(|(i, v)| v.filter(|_| i < level).map(str::to_string)).collect();
        self.keys.push(GroupKey { level: level as u8, values: key_values });
        self.ids.insert(self.buf.as_slice().into(), g);
        g
    }

    /// The key of group `g`.
    pub(crate) fn key(&self, g: u32) -> &GroupKey {
        &self.keys[g as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_and_stable() {
        let mut g = GroupIndex::new(2);
        let a = g.id(2, &[Some("P1"), Some("EU")]);
        let b = g.id(2, &[Some("P1"), None]);
        let c = g.id(1, &[Some("P1"), Some("EU")]);
        let d = g.id(0, &[Some("P1"), Some("EU")]);
        assert_eq!((a, b, c, d), (0, 1, 2, 3));
        assert_eq!(g.id(2, &[Some("P1"), Some("EU")]), a);
        assert_eq!(g.id(1, &[Some("P1"), Some("US")]), c, "values beyond the level are ignored");
        assert_eq!(g.key(c), &GroupKey { level: 1, values: vec![Some("P1".into()), None] });
        assert_eq!(g.key(d), &GroupKey { level: 0, values: vec![None, None] });
        assert!(!g.key(b).is_known() && g.key(a).is_known() && g.key(d).is_known());
    }

    #[test]
    fn serializes_as_a_pair() {
        let k = GroupKey { level: 1, values: vec![Some("P1".into())] };
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, r#"[1,["P1"]]"#);
        assert_eq!(serde_json::from_str::<GroupKey>(&json).unwrap(), k);
    }
}
