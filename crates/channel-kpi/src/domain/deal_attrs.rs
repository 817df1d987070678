//! [`Attrs`]: the attrs of a [`Deals`](super::Deals) table (the extra columns a mapping keeps,
//! `Deal::attrs`) stored as columns: per attr name one column of text ids.
//!
//! Why: a `BTreeMap<String, String>` per deal cost ~700 bytes for one attr (a 1 M-row Maven
//! export keeping `account` held 715 MB instead of ~200 MB), and the typed readers could not
//! fill it without building the map row by row. Here a deal with one attr costs 4 bytes (an id
//! in its column) and a value repeated across deals is stored once; the typed readers append a
//! whole column's ids at once, and grouping by `attr:<name>` reads the ids.

use super::Words;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// The attrs of every deal of a table: one column per attr name (in order of first use), all
/// values in one dictionary of their own ([`Words`]: id 0 is "no value"), so a column of
/// distinct account names does not grow the caches sized by the other texts' ids.
#[derive(Clone, Default)]
pub(crate) struct Attrs {
    pub(crate) words: Words,
    names: Vec<Box<str>>,
    index: FxHashMap<Box<str>, u32>,
    cols: Vec<Column>,
}

/// One attr's value ids by deal. A column is kept **dense** (`ids[i]` for deal `i`; deals past
/// its end have no value, so deals without this attr cost nothing when they come last) once at
/// least a quarter of the deals up to its last value have one, **sparse** (`(deal, id)` pairs
/// in deal order) before: a name only a few deals carry costs 16 bytes per value, not 4 per
/// deal, whatever the number of distinct names.
#[derive(Clone)]
enum Column {
    Dense(Vec<u32>),
    Sparse(Vec<(usize, u32)>),
}

impl Column {
    #[inline]
    fn get(&self, i: usize) -> u32 {
        match self {
            Column::Dense(ids) => ids.get(i).copied().unwrap_or(0),
            Column::Sparse(pairs) => pairs.binary_search_by_key(&i, |p| p.0).map_or(0, |k| pairs[k].1),
        }
    }

    /// Sets deal `i`'s id (`id > 0`); `i` is at or after every deal set before.
    fn set(&mut self, i: usize, id: u32) {
        match self {
            Column::Dense(ids) if ids.len() == i + 1 => ids[i] = id,
            Column::Dense(ids) => {
                ids.resize(i, 0);
                ids.push(id);
            }
            Column::Sparse(pairs) => {
                match pairs.last_mut() {
                    Some(last) if last.0 == i => last.1 = id,
                    _ => pairs.push((i, id)),
                }
                if pairs.len() * 4 > i {
                    let mut ids = vec![0; i + 1];
                    pairs.iter().for_each(|&(k, v)| ids[k] = v);
                    *self = Column::Dense(ids);
                }
            }
        }
    }

    /// Keeps the values of deals `..len`.
    fn keep(&mut self, len: usize) {
        match self {
            Column::Dense(ids) => ids.truncate(len),
            Column::Sparse(pairs) => pairs.truncate(pairs.partition_point(|p| p.0 < len)),
        }
    }

    /// Every (deal, id) with a value, in deal order.
    fn values(&self) -> Box<dyn Iterator<Item = (usize, u32)> + '_> {
        match self {
            Column::Dense(ids) => Box::new(ids.iter().enumerate().filter(|p| *p.1 > 0).map(|(i, &v)| (i, v))),
            Column::Sparse(pairs) => Box::new(pairs.iter().copied()),
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Column::Dense(ids) => ids.capacity() * 4,
            Column::Sparse(pairs) => pairs.capacity() * 16,
        }
    }
}

impl Attrs {
    /// True when no deal has an attr and no name or text is remembered.
    pub(crate) fn is_empty(&self) -> bool {
        self.names.is_empty() && self.words.is_empty()
    }

    /// The column of attr `name`, if some deal ever had it.
    #[inline]
    pub(crate) fn column(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// The column of attr `name`, made when new.
    pub(crate) fn column_or_new(&mut self, name: &str) -> u32 {
        if let Some(&c) = self.index.get(name) {
            return c;
        }
        let c = u32::try_from(self.names.len()).expect("fewer than 4 billion attr names");
        self.names.push(Box::from(name));
        self.index.insert(Box::from(name), c);
        self.cols.push(Column::Sparse(Vec::new()));
        c
    }

    /// The id of deal `i`'s value in column `c` (0: none; `u32::MAX` names no column).
    #[inline]
    pub(crate) fn id(&self, c: u32, i: usize) -> u32 {
        self.cols.get(c as usize).map_or(0, |col| col.get(i))
    }

    /// The text of an id [`Attrs::id`] gave.
    #[inline]
    pub(crate) fn text(&self, id: u32) -> Option<&str> {
        self.words.get(id)
    }

    /// Deal `i`'s value of attr `name`.
    #[inline]
    pub(crate) fn get(&self, i: usize, name: &str) -> Option<&str> {
        self.text(self.id(self.column(name)?, i))
    }

    /// Sets deal `i`'s value in column `c` (`None`: none; an empty text is a value, as a
    /// `Deal`'s map may hold one). Deals are set in order: `i` is at or after every deal set
    /// before in that column.
    #[inline]
    pub(crate) fn set(&mut self, c: u32, i: usize, value: Option<&str>) {
        let id = self.words.id(value);
        if id > 0 {
            self.cols[c as usize].set(i, id);
        }
    }

    /// Sets deal `i`'s id in column `c` (an id of [`Attrs::words`]; 0: none), in order as
    /// [`Attrs::set`].
    #[cfg(feature = "arrow")]
    #[inline]
    pub(crate) fn set_id(&mut self, c: u32, i: usize, id: u32) {
        if id > 0 {
            self.cols[c as usize].set(i, id);
        }
    }

    /// Sets deal `i`'s attrs (its map, as a [`super::Deal`] holds them).
    pub(crate) fn set_all(&mut self, i: usize, attrs: &BTreeMap<String, String>) {
        for (name, value) in attrs {
            let c = self.column_or_new(name);
            self.set(c, i, Some(value));
        }
    }

    /// Writes deal `i`'s attrs into `out` (as a map, reusing its strings when the names repeat).
    pub(crate) fn fill(&self, i: usize, out: &mut BTreeMap<String, String>) {
        if self.cols.is_empty() {
            out.clear();
            return;
        }
        out.retain(|name, _| self.get(i, name).is_some());
        for (name, col) in self.names.iter().zip(&self.cols) {
            let Some(v) = self.text(col.get(i)) else { continue };
            match out.get_mut(&**name) {
                Some(s) => {
                    s.clear();
                    s.push_str(v);
                }
                None => {
                    out.insert(name.to_string(), v.to_string());
                }
            }
        }
    }

    /// Keeps the attrs of deals `..len` (names and texts stay known).
    pub(crate) fn keep(&mut self, len: usize) {
        self.cols.iter_mut().for_each(|c| c.keep(len));
    }

    /// Appends the attrs of `other`'s deals as deals `shift..` of this table.
    pub(crate) fn append(&mut self, other: &Attrs, shift: usize) {
        let remap: Vec<u32> = std::iter::once(0).chain(other.words.values().map(|w| self.words.id(Some(w)))).collect();
        for (name, col) in other.names.iter().zip(&other.cols) {
            let c = self.column_or_new(name);
            for (i, id) in col.values() {
                self.cols[c as usize].set(shift + i, remap[id as usize]);
            }
        }
    }

    /// Heap bytes held (columns, names, dictionary).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.cols.iter().map(Column::heap_bytes).sum::<usize>()
            + self.names.iter().map(|n| 2 * n.len() + 56).sum::<usize>()
            + self.words.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn read(a: &Attrs, i: usize) -> BTreeMap<String, String> {
        let mut m = map(&[("stale", "x")]);
        a.fill(i, &mut m);
        m
    }

    #[test]
    fn dense_and_sparse_columns_read_back() {
        let mut a = Attrs::default();
        a.set_all(0, &map(&[("account", "Acme"), ("zone", "EU")]));
        a.set_all(2, &map(&[("account", "Bolt")]));
        // a name first seen late, on few deals: sparse
        a.set_all(100, &map(&[("rare", "r")]));
        assert!(matches!(a.cols[2], Column::Sparse(_)));
        assert!(matches!(a.cols[0], Column::Dense(_)));
        assert_eq!(read(&a, 0), map(&[("account", "Acme"), ("zone", "EU")]));
        assert_eq!(read(&a, 1), map(&[]));
        assert_eq!(read(&a, 2), map(&[("account", "Bolt")]));
        assert_eq!(read(&a, 100), map(&[("rare", "r")]));
        assert_eq!(a.get(101, "rare"), None);
        // truncating drops later values only
        a.keep(2);
        assert_eq!((a.get(0, "account"), a.get(2, "account"), a.get(100, "rare")), (Some("Acme"), None, None));
        a.set_all(2, &map(&[("rare", "s")]));
        assert_eq!(read(&a, 2), map(&[("rare", "s")]));
    }

    #[test]
    fn sparse_becomes_dense_when_common() {
        let mut a = Attrs::default();
        let c = a.column_or_new("x");
        a.set(c, 40, Some("v"));
        assert!(matches!(a.cols[0], Column::Sparse(_)));
        for i in 41..60 {
            a.set(c, i, Some(if i % 2 == 0 { "v" } else { "w" }));
        }
        assert!(matches!(a.cols[0], Column::Dense(_)));
        assert_eq!((a.get(39, "x"), a.get(40, "x"), a.get(41, "x"), a.get(59, "x")), (None, Some("v"), Some("w"), Some("w")));
        // an empty text is a value, `None` is none; a value set twice for one deal keeps the last
        a.set(c, 60, Some(""));
        a.set(c, 61, None);
        a.set(c, 62, Some("a"));
        a.set(c, 62, Some("b"));
        assert_eq!((a.get(60, "x"), a.get(61, "x"), a.get(62, "x")), (Some(""), None, Some("b")));
    }

    #[test]
    fn append_remaps_texts_and_shifts_deals() {
        let mut a = Attrs::default();
        a.set_all(0, &map(&[("k", "one")]));
        let mut b = Attrs::default();
        b.set_all(0, &map(&[("j", "two")]));
        b.set_all(1, &map(&[("k", "one"), ("j", "three")]));
        a.append(&b, 1);
        assert_eq!(read(&a, 0), map(&[("k", "one")]));
        assert_eq!(read(&a, 1), map(&[("j", "two")]));
        assert_eq!(read(&a, 2), map(&[("k", "one"), ("j", "three")]));
        assert_eq!(a.words.values().count(), 3, "one, two, three: each text once");
    }
}
