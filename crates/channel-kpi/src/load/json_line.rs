//! One JSON Lines record read into the cells a typed reader wants (`load/csv_deals.rs`), as the
//! row path (`load/jsonl_file.rs`) reads it: one object per line, strings unescaped, numbers
//! and booleans as their source text, `null` as an empty cell. What the row path refuses — not
//! an object, text after it, a key given twice, a nested array or object, a string that does
//! not unescape — gives `None` here (the file then goes to the row path, which says so).
//!
//! The keys are looked up among the source columns the reader reads ([`Slots`]); under
//! `attrs: "all"`, any other key the mapping keeps becomes an attr.

use super::row::AttrFilter;
use rustc_hash::FxHashMap;
use serde::Deserializer;
use serde::de::{self, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// The source columns a reader reads, each at its slot; under `attrs: "all"`, the columns
/// never kept as attrs.
pub(super) struct Slots {
    index: FxHashMap<Box<str>, usize>,
    all: Option<rustc_hash::FxHashSet<String>>,
}

impl Slots {
    /// `names` at slots 0, 1, …; `all`: the filter of `attrs: "all"` (other keys it keeps are
    /// attrs).
    pub(super) fn new(names: &[String], all: Option<AttrFilter>) -> Slots {
        let index = names.iter().enumerate().map(|(i, n)| (Box::from(n.as_str()), i)).collect();
        Slots { index, all: all.map(AttrFilter::into_excluded) }
    }
}

/// The cells of the record last read (buffers reused from line to line).
#[derive(Default)]
pub(super) struct JsonCells {
    values: Vec<String>,
    present: Vec<bool>,
    /// Keys read that are no slot: (key, trimmed value), the first `others` in use.
    other: Vec<(String, String)>,
    others: usize,
    /// How many of `other` are attrs (moved to the front).
    attrs: usize,
}

impl JsonCells {
    /// Reads the object on one (trimmed, non-blank) line.
    pub(super) fn read(&mut self, text: &str, slots: &Slots) -> Option<()> {
        let n = slots.index.len();
        self.values.resize_with(n, String::new);
        self.present.clear();
        self.present.resize(n, false);
        (self.others, self.attrs) = (0, 0);
        let mut de = serde_json::Deserializer::from_str(text);
        de.deserialize_map(Object { cells: self, slots }).ok()?;
        de.end().ok()?;
        // Attrs to the front (`others` is small: a few extra keys at most).
        let all = slots.all.as_ref();
        for i in 0..self.others {
            let (k, v) = &self.other[i];
            if all.is_some_and(|never| !never.contains(k)) && !v.is_empty() {
                self.other.swap(self.attrs, i);
                self.attrs += 1;
            }
        }
        Some(())
    }

    /// The cell at `slot` (`None`: the key was not in the object).
    #[inline]
    pub(super) fn cell(&self, slot: usize) -> Option<&str> {
        self.present.get(slot).copied().unwrap_or(false).then(|| self.values[slot].as_str())
    }

    /// The attrs of `attrs: "all"`: (key, trimmed non-empty value).
    pub(super) fn attrs(&self) -> &[(String, String)] {
        &self.other[..self.attrs]
    }

    /// One key's value; `None` when the row path refuses it.
    fn put(&mut self, key: &str, raw: &str, slots: &Slots) -> Option<()> {
        match slots.index.get(key) {
            Some(&i) => {
                if std::mem::replace(&mut self.present[i], true) {
                    return None; // a key twice
                }
                value(raw, &mut self.values[i])
            }
            None => {
                if self.other[..self.others].iter().any(|(k, _)| k == key) {
                    return None;
                }
                if self.others == self.other.len() {
                    self.other.push(Default::default());
                }
                let (k, v) = &mut self.other[self.others];
                self.others += 1;
                k.clear();
                k.push_str(key);
                value(raw, v)?;
                let t = v.trim();
                if t.len() != v.len() {
                    *v = t.to_string();
                }
                Some(())
            }
        }
    }
}

/// The cell text of a raw JSON value into `out`, as the row path reads it.
fn value(raw: &str, out: &mut String) -> Option<()> {
    out.clear();
    match raw.as_bytes().first() {
        Some(b'"') => {
            let inner = &raw[1..raw.len() - 1];
            if inner.bytes().any(|b| b == b'\\' || b < 0x20) {
                *out = serde_json::from_str::<String>(raw).ok()?;
            } else {
                out.push_str(inner);
            }
        }
        Some(b'{' | b'[') => return None,
        _ if raw == "null" => {}
        _ => out.push_str(raw),
    }
    Some(())
}

/// A key, borrowed from the line when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The object of one line, each entry put into the cells as it is read.
struct Object<'s> {
    cells: &'s mut JsonCells,
    slots: &'s Slots,
}

impl<'de> Visitor<'de> for Object<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            let raw: &'de RawValue = map.next_value()?;
            self.cells.put(&k, raw.get(), self.slots).ok_or_else(|| de::Error::custom("not read typed"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_as_the_row_path_reads_them() {
        let slots = Slots::new(&["a".into(), "b".into(), "c".into(), "d".into()], Some(AttrFilter::new(&Default::default())));
        let mut c = JsonCells::default();
        c.read(r#"{"a": "x\"y", "b": 12.50, "c": null, "zone": " EU ", "e": ""}"#, &slots).unwrap();
        assert_eq!((c.cell(0), c.cell(1), c.cell(2), c.cell(3)), (Some("x\"y"), Some("12.50"), Some(""), None));
        assert_eq!(c.attrs(), &[("zone".to_string(), "EU".to_string())]);
        c.read(r#"{"b": true}"#, &slots).unwrap();
        assert_eq!((c.cell(0), c.cell(1), c.attrs().len()), (None, Some("true"), 0));
        for bad in
            [r#"{"a": 1, "a": 2}"#, r#"{"q": 1, "q": 2}"#, r#"{"a": [1]}"#, r#"{"q": {}}"#, r#"[1]"#, r#"{"a": 1} x"#, "{\"a\": \"\t\"}"]
        {
            assert!(c.read(bad, &slots).is_none(), "{bad}");
        }
    }
}
