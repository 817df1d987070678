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

/// The cells of the record last read (buffers reused from line to line), each line read with
/// the same [`Slots`] (the keys' slots are remembered from line to line).
#[derive(Default)]
pub(super) struct JsonCells {
    /// Each slot's cell, by where its text is.
    cells: Vec<Cell>,
    /// The texts of [`Cell::Owned`] cells, by slot.
    values: Vec<String>,
    /// Keys read that are no slot: (key, trimmed value), the first `others` in use.
    other: Vec<(String, String)>,
    others: usize,
    /// How many of `other` are attrs (moved to the front).
    attrs: usize,
    /// The keys of the last lines by their place in the object (up to 64), with their slots.
    order: Vec<(Box<str>, Option<usize>)>,
}

impl JsonCells {
    /// Reads the object on one (trimmed, non-blank) line.
    ///
    /// The usual line (no escapes, no nesting) is walked by hand ([`super::json_scan`]); any
    /// other, or one the hand walk stops on, is read again from the start by `serde_json`,
    /// which accepts or refuses it as the row path does.
    pub(super) fn read(&mut self, text: &str, slots: &Slots) -> Option<()> {
        self.clear(slots);
        let mut at = 0;
        let hand = super::json_scan::entries(text, |k, raw| {
            at += 1;
            self.put(at - 1, k, raw, slots, Some(text))
        });
        if hand.is_none() {
            self.clear(slots);
            let mut de = serde_json::Deserializer::from_str(text);
            de.deserialize_map(Object { cells: self, slots }).ok()?;
            de.end().ok()?;
        }
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

    /// No cell read yet.
    fn clear(&mut self, slots: &Slots) {
        let n = slots.index.len();
        self.values.resize_with(n, String::new);
        self.cells.clear();
        self.cells.resize(n, Cell::Absent);
        (self.others, self.attrs) = (0, 0);
    }

    /// The cell at `slot` of the object on `text`, the line last read (`None`: the key was
    /// not in the object).
    #[inline]
    pub(super) fn cell<'t>(&'t self, text: &'t str, slot: usize) -> Option<&'t str> {
        match *self.cells.get(slot)? {
            Cell::Absent => None,
            Cell::Span(a, b) => text.get(a as usize..b as usize),
            Cell::Owned => Some(&self.values[slot]),
        }
    }

    /// The attrs of `attrs: "all"`: (key, trimmed non-empty value).
    pub(super) fn attrs(&self) -> &[(String, String)] {
        &self.other[..self.attrs]
    }

    /// The slot of the key at place `at` of its object (`None`: no source column): the slot
    /// that key had at that place in the line before, else a look-up (remembered for the next
    /// line: a file's lines mostly list their keys in one order).
    #[inline]
    fn slot(&mut self, at: usize, key: &str, slots: &Slots) -> Option<usize> {
        match self.order.get(at) {
            Some((k, slot)) if **k == *key => *slot,
            _ => {
                let slot = slots.index.get(key).copied();
                // (every earlier place of this line is remembered already: `at` is at most the length)
                match self.order.get_mut(at) {
                    Some(e) => *e = (Box::from(key), slot),
                    None if at < 64 => self.order.push((Box::from(key), slot)),
                    None => {}
                }
                slot
            }
        }
    }

    /// The value of the key at place `at` of its object; `None` when the row path refuses
    /// it. `line`: the line `raw` is part of, when `raw` is a plain value of the hand walk
    /// ([`super::json_scan::entries`]: a string with no escape, or a scalar), its cell then
    /// kept as its place in the line, not copied.
    fn put(&mut self, at: usize, key: &str, raw: &str, slots: &Slots, line: Option<&str>) -> Option<()> {
        let plain = line.is_some();
        match self.slot(at, key, slots) {
            Some(i) => {
                if !matches!(self.cells[i], Cell::Absent) {
                    return None; // a key twice
                }
                self.cells[i] = match line {
                    Some(line) => {
                        let cell = plain_cell(raw);
                        let a = cell.as_ptr() as usize - line.as_ptr() as usize;
                        Cell::Span(u32::try_from(a).ok()?, u32::try_from(a + cell.len()).ok()?)
                    }
                    None => {
                        value(raw, &mut self.values[i], false)?;
                        Cell::Owned
                    }
                };
                Some(())
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
                value(raw, v, plain)?;
                let t = v.trim();
                if t.len() != v.len() {
                    *v = t.to_string();
                }
                Some(())
            }
        }
    }
}

/// Where a cell's text is: not given, a part of the line, or in `JsonCells::values`.
#[derive(Clone, Copy)]
enum Cell {
    Absent,
    Span(u32, u32),
    Owned,
}

/// The cell text of a plain raw value (a string with no escape or control byte, a number, a
/// literal), as [`value`] gives it: a string's text without its quotes, `null` empty.
fn plain_cell(raw: &str) -> &str {
    match raw.as_bytes().first() {
        Some(b'"') => &raw[1..raw.len() - 1],
        _ if raw == "null" => &raw[..0],
        _ => raw,
    }
}

/// The cell text of a raw JSON value into `out`, as the row path reads it (`plain`: a string
/// known to have no escape or control byte, copied as it is).
fn value(raw: &str, out: &mut String, plain: bool) -> Option<()> {
    out.clear();
    match raw.as_bytes().first() {
        Some(b'"') => {
            let inner = &raw[1..raw.len() - 1];
            if !plain && inner.bytes().any(|b| b == b'\\' || b < 0x20) {
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
        let mut at = 0;
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            let raw: &'de RawValue = map.next_value()?;
            self.cells.put(at, &k, raw.get(), self.slots, None).ok_or_else(|| de::Error::custom("not read typed"))?;
            at += 1;
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
        let l = r#"{"a": "x\"y", "b": 12.50, "c": null, "zone": " EU ", "e": ""}"#;
        c.read(l, &slots).unwrap();
        assert_eq!((c.cell(l, 0), c.cell(l, 1), c.cell(l, 2), c.cell(l, 3)), (Some("x\"y"), Some("12.50"), Some(""), None));
        assert_eq!(c.attrs(), &[("zone".to_string(), "EU".to_string())]);
        let l = r#"{"b": true}"#;
        c.read(l, &slots).unwrap();
        assert_eq!((c.cell(l, 0), c.cell(l, 1), c.attrs().len()), (None, Some("true"), 0));
        // read by hand (cells kept as places in the line), then by serde_json from an escape on
        for l in [r#"{"c": "plain", "b": 7, "d": null}"#, r#"{"c": "plain", "b": 7, "d": null, "a": "\u0041"}"#] {
            c.read(l, &slots).unwrap();
            assert_eq!((c.cell(l, 1), c.cell(l, 2), c.cell(l, 3)), (Some("7"), Some("plain"), Some("")), "{l}");
        }
        let l = r#"{"c": "plain", "b": 7, "d": null, "a": "\u0041"}"#;
        assert_eq!(c.cell(l, 0), Some("A"));
        for bad in
            [r#"{"a": 1, "a": 2}"#, r#"{"q": 1, "q": 2}"#, r#"{"a": [1]}"#, r#"{"q": {}}"#, r#"[1]"#, r#"{"a": 1} x"#, "{\"a\": \"\t\"}"]
        {
            assert!(c.read(bad, &slots).is_none(), "{bad}");
        }
    }
}
