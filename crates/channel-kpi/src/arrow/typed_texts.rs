//! The text columns of a table as the typed readers read them (`typed_deals.rs` and the other
//! `typed_*` readers): each text trimmed as the row path trims it ([`trimmed`]), the ids of a
//! column store ([`append_ids`]), dictionary ids of free texts ([`word_ids`]), enumerations
//! parsed once per distinct text ([`parsed`], [`ShortMemo`]) and the currency of one-code
//! tables ([`LastCurrency`]).

use super::columns::{Flat, Strs};
use super::short_keys::{KeyIds, LONG_KEY, packed_bytes};
use crate::domain::{Words, trimmed};
use crate::money::Currency;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;

/// A text column: absent, all null, or strings.
pub(super) fn texts<'a>(b: &'a RecordBatch, name: &str) -> Option<Option<Strs<'a>>> {
    match b.column_by_name(name) {
        None => Some(None),
        Some(a) if a.data_type() == &DataType::Null => Some(None),
        Some(a) => Strs::of(a).map(Some),
    }
}

/// The trimmed, non-empty text of row `i` (what the row path reads as a value).
#[inline]
pub(super) fn text<'a>(c: Option<&Strs<'a>>, i: usize) -> Option<&'a str> {
    c.and_then(|s| s.get(i)).map(trimmed).filter(|s| !s.is_empty())
}

/// The currency of the previous row, when the next has the same text (one code per table is
/// the rule), so a code is checked once; a short text is compared as one integer ([`packed`]).
#[derive(Default)]
pub(super) struct LastCurrency(Option<(Option<u128>, Box<str>, Currency)>);

impl LastCurrency {
    #[inline]
    pub(super) fn get(&mut self, text: &str) -> Option<Currency> {
        let key = (text.len() < 16).then(|| packed(text));
        match &self.0 {
            Some((k, t, c)) if *k == key && (key.is_some() || **t == *text) => Some(*c),
            _ => {
                let c = Currency::new(text).ok()?;
                self.0 = Some((key, Box::from(text), c));
                Some(c)
            }
        }
    }
}

/// The ids of `n` rows appended to a column store's id buffer `buf` and ends `ends` (`None` at
/// an empty one, which the row path refuses).
/// A plain `utf8` column without nulls whose ids are all unpadded (each starts and ends with
/// a visible ASCII character: what [`trimmed`] leaves as it is) is copied as one buffer, its
/// offsets shifted; a `utf8view` one (a Parquet file's ids: `load/parquet_file.rs`) is
/// gathered into one buffer ([`view_ids`]); any other column row by row.
pub(super) fn append_ids(buf: &mut String, ends: &mut Vec<usize>, ids: &Strs, n: usize) -> Option<()> {
    if let Strs::Flat(Flat::View(a)) = ids
        && view_ids(buf, ends, a, n)
    {
        return Some(());
    }
    if let Strs::Flat(Flat::Utf8(a)) = ids
        && a.null_count() == 0
    {
        let offsets = &a.value_offsets()[..=n];
        let (lo, hi) = (offsets[0] as usize, offsets[n] as usize);
        let bytes = &a.value_data()[lo..hi];
        // no id empty, and each one's first and last bytes visible: at once for every byte
        // (ids without a space inside: two passes the compiler vectorizes, 25 → ~3
        // instructions an id on 10 M leads), else id by id
        let clean = (offsets.windows(2).fold(true, |ok, w| ok & (w[0] < w[1]))
            && bytes.iter().fold(true, |ok, b| ok & b.is_ascii_graphic()))
            || offsets
                .windows(2)
                .all(|w| w[0] < w[1] && bytes[w[0] as usize - lo].is_ascii_graphic() && bytes[w[1] as usize - 1 - lo].is_ascii_graphic());
        if let Some(text) = clean.then(|| std::str::from_utf8(bytes).ok()).flatten() {
            let base = buf.len();
            buf.push_str(text);
            ends.extend(offsets[1..].iter().map(|&o| base + (o as usize - lo)));
            return Some(());
        }
    }
    ends.reserve(n);
    for i in 0..n {
        buf.push_str(text(Some(ids), i)?);
        ends.push(buf.len());
    }
    Some(())
}

/// [`append_ids`] of the first `n` rows of a `utf8view` column when none is null and every id
/// is unpadded (as for a plain `utf8` one), true; else false, with nothing appended (the caller
/// reads the rows one by one). The ends come from the views' lengths alone; then each id's
/// bytes go to one scratch buffer (up to 12 bytes, in the view itself: one fixed 16-byte store
/// of the view's top bytes, the next id overwriting what lies past its end; longer ones from
/// their data buffer), checked as UTF-8 once and appended to `buf` at once. (Extending a
/// vector id by id, its capacity checked and a cut made each time, cost 67 instructions an id.)
fn view_ids(buf: &mut String, ends: &mut Vec<usize>, a: &arrow_array::StringViewArray, n: usize) -> bool {
    if a.null_count() > 0 || a.len() < n {
        return false;
    }
    let (views, blocks) = (&a.views()[..n], a.data_buffers());
    let (base, before) = (buf.len(), ends.len());
    // a view: the length in its low 4 bytes, then up to 12 bytes of text, or a longer text's
    // first 4 bytes, its buffer and its offset
    let mut total = 0;
    ends.extend(views.iter().map(|&v| {
        total += v as u32 as usize;
        base + total
    }));
    let mut bytes = vec![0u8; total + 16];
    let (mut at, mut clean) = (0, true);
    for &v in views {
        let len = v as u32 as usize;
        if len <= 12 {
            bytes[at..at + 16].copy_from_slice(&(v >> 32).to_le_bytes());
        } else {
            let (block, offset) = ((v >> 64) as u32 as usize, (v >> 96) as u32 as usize);
            match blocks.get(block).and_then(|d| d.get(offset..offset + len)) {
                Some(text) => bytes[at..at + len].copy_from_slice(text),
                None => clean = false,
            }
        }
        let id = &bytes[at..at + len];
        clean &= matches!((id.first(), id.last()), (Some(&f), Some(&l)) if f.is_ascii_graphic() && l.is_ascii_graphic());
        at += len;
    }
    bytes.truncate(total);
    match std::str::from_utf8(&bytes) {
        Ok(text) if clean => {
            buf.push_str(text);
            true
        }
        _ => {
            ends.truncate(before);
            false
        }
    }
}

/// The dictionary ids of a text column's `n` rows (0 where absent), appended to `out`: for a
/// dictionary-encoded column, one lookup per dictionary value used.
pub(super) fn word_ids(c: Option<&Strs>, n: usize, words: &mut Words, out: &mut Vec<u32>) {
    out.reserve(n);
    match c {
        None => out.resize(out.len() + n, 0),
        Some(Strs::Dict { keys, values }) => {
            // each dictionary value's id, looked up when a row first uses it (`u32::MAX`: not
            // yet), null rows reading the id 0 past the values; a block's ids found first, then
            // appended at once (the keys read per row, their type matched and the bitmap looked
            // up each time, were 44 instructions a row on 1 M Parquet deals' partners and owners)
            let nv = values.len();
            let mut ids = vec![u32::MAX; nv + 1];
            ids[nv] = 0;
            keys.blocks(n, nv as u32, |_, block| {
                for &k in block {
                    if ids[k as usize] == u32::MAX {
                        ids[k as usize] = words.id(values.get(k as usize).map(trimmed).filter(|s| !s.is_empty()));
                    }
                }
                out.extend(block.iter().map(|&k| ids[k as usize]));
                Some(())
            });
        }
        Some(Strs::Flat(c)) => {
            // Short texts (ids, names and codes mostly are) are looked up by their raw bytes
            // packed in one integer ([`KeyIds`]): no string hash or compare per row, and each
            // distinct text trimmed and looked up in `words` once; a block's ids written to an
            // array, then appended at once.
            let (mut short, mut ids) = (KeyIds::new(), [0u32; 64]);
            let mut word = |i: usize| words.id(c.get(i).map(trimmed).filter(|s| !s.is_empty()));
            c.short_key_blocks(n, |start, keys| {
                for ((id, i), &key) in ids.iter_mut().zip(start..).zip(keys) {
                    *id = match key {
                        LONG_KEY => word(i),
                        key => short.get(key, i, &mut word),
                    };
                }
                out.extend_from_slice(&ids[..keys.len()]);
                Some(())
            });
        }
    }
}

/// A text shorter than 16 bytes as one integer: its bytes, then zeros, its length in the last
/// byte (two texts give the same integer only when they are equal).
/// Read with a few overlapping loads instead of a copy through memory.
#[inline]
fn packed(s: &str) -> u128 {
    packed_bytes(s.as_bytes())
}

/// The values of a text column's `n` rows as `parse` reads each (trimmed, `None` where empty
/// or absent), appended to `out`; `None` when `parse` refuses one. A dictionary-encoded column
/// parses each dictionary value once; a plain one its distinct texts once each (one text in
/// every row: once for the column, [`super::columns::Flat::constant`]).
pub(super) fn parsed<T: Copy>(c: Option<&Strs>, n: usize, out: &mut Vec<T>, parse: impl Fn(Option<&str>) -> Option<T>) -> Option<()> {
    out.reserve(n);
    // an absent column, or one text in every row (a one-currency table's currency column):
    // parsed once
    if let Some(v) = one_parsed(c, n, &parse) {
        out.resize(out.len() + n, v?);
        return Some(());
    }
    match c {
        None => {} // read above
        Some(Strs::Dict { keys, values }) => {
            // each dictionary value parsed when a row first uses it (null rows: the slot past
            // the values, `parse(None)`), a block's new values first, then its rows' values
            // appended at once; `parsed` stays `[]` until the first value is parsed, then fills
            // every slot not parsed yet with that value (never read: a row's slot is parsed
            // before its value is appended)
            let nv = values.len();
            let (mut seen, mut parsed) = (vec![false; nv + 1], Vec::new());
            keys.blocks(n, nv as u32, |_, block| {
                for &k in block {
                    if !seen[k as usize] {
                        let text = (k < nv as u32).then(|| values.get(k as usize)).flatten();
                        let v = parse(text.map(trimmed).filter(|s| !s.is_empty()))?;
                        if parsed.is_empty() {
                            parsed = vec![v; nv + 1];
                        }
                        (seen[k as usize], parsed[k as usize]) = (true, v);
                    }
                }
                out.extend(block.iter().map(|&k| parsed[k as usize]));
                Some(())
            })?;
        }
        Some(Strs::Flat(c)) => {
            // the columns parsed are enumerations: each short text parsed once, found again by
            // its bytes as one integer ([`Flat::short_key_blocks`](super::columns::Flat::short_key_blocks))
            // in a table of 64 slots (one compare, a branch taken the same way nearly every row,
            // whatever order the values come in) (a longer text, `partner_satisfaction`, is
            // found by its bytes in a hash map)
            let read = |i: usize| parse(c.get(i).map(trimmed).filter(|s| !s.is_empty()));
            // a block's values written to an array, then appended at once; a refused text
            // (given the first row's value meanwhile) ends the read after its block
            let Some(first) = (n > 0).then(|| read(0)) else { return Some(()) };
            let first = first?;
            let (mut values, mut memo, refused) = ([first; 64], ShortMemo::new(first), std::cell::Cell::new(false));
            let mut long: rustc_hash::FxHashMap<&[u8], Option<T>> = Default::default();
            // the first row's text is known now: parsed once, as every other
            c.short_key_blocks(1, |_, keys| {
                match keys[0] {
                    LONG_KEY => drop(long.insert(c.get(0).map_or(&[][..], str::as_bytes), Some(first))),
                    key => memo.put(key, first),
                }
                Some(())
            });
            let mut miss = |key: u128, i: usize| {
                let got = match key {
                    LONG_KEY => *long.entry(c.get(i).map_or(&[][..], str::as_bytes)).or_insert_with(|| read(i)),
                    _ => read(i),
                };
                refused.set(refused.get() | got.is_none());
                got.unwrap_or(first)
            };
            c.short_key_blocks(n, |start, keys| {
                for ((v, i), &key) in values.iter_mut().zip(start..).zip(keys) {
                    *v = memo.get(key, i, &mut miss);
                }
                out.extend_from_slice(&values[..keys.len()]);
                (!refused.get()).then_some(())
            })?;
        }
    }
    Some(())
}

/// The value of every one of a text column's `n` rows as [`parsed`] reads them, when it is the
/// same for all: an absent column (`parse(None)`), or one text in every row (parsed once:
/// [`Flat::constant`], or a dictionary of one value without a null key); `None` otherwise
/// (each row is to be read: [`parsed`]). The inner `None`: `parse` refuses the value.
pub(super) fn one_parsed<T>(c: Option<&Strs>, n: usize, parse: impl Fn(Option<&str>) -> Option<T>) -> Option<Option<T>> {
    match c {
        None => Some(parse(None)),
        Some(Strs::Flat(c)) if c.constant(n) => Some(parse(c.get(0).map(trimmed).filter(|s| !s.is_empty()))),
        // a dictionary of one value that every row uses (a one-currency Parquet file's row
        // group: `load/parquet_file.rs` reads it as a dictionary)
        Some(Strs::Dict { keys, values }) if n > 0 && values.len() == 1 && keys.no_null() => {
            Some(parse(values.get(0).map(trimmed).filter(|s| !s.is_empty())))
        }
        Some(_) => None,
    }
}

/// The slot of a [`packed`] text among 64 (its bytes mixed by a multiply, the top six bits).
#[inline(always)]
fn slot_of(key: u128) -> usize {
    ((((key >> 64) as u64 ^ key as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 58) as usize
}

/// What was computed for the last short text in each of 64 slots, by the text's key (its
/// bytes as one integer, [`packed`] or `Flat::short_key_blocks`, which never is `u128::MAX`):
/// a text met again costs one compare, whatever order the texts come in; a text whose slot
/// another one took is computed again. [`LONG_KEY`] (a longer text, not known by its key) is
/// computed every time, never kept: so a caller asks for every key alike, and only the miss
/// tells a long text apart.
pub(super) struct ShortMemo<T>([(u128, T); 64]);

impl<T: Copy> ShortMemo<T> {
    /// Every slot empty (`empty` is never returned: no key is `u128::MAX`).
    pub(super) fn new(empty: T) -> Self {
        ShortMemo([(u128::MAX, empty); 64])
    }

    /// Keeps `v` as the value of the text keyed `key` (unless [`LONG_KEY`]).
    pub(super) fn put(&mut self, key: u128, v: T) {
        if key != LONG_KEY {
            self.0[slot_of(key)] = (key, v);
        }
    }

    /// The value of the text keyed `key` (of row `row`): the one kept, or `miss(key, row)`
    /// (kept in its slot unless `key` is [`LONG_KEY`]). The miss is called out of line, its
    /// arguments in registers: nothing is stored for it on the way to a hit.
    #[inline(always)]
    pub(super) fn get(&mut self, key: u128, row: usize, miss: &mut dyn FnMut(u128, usize) -> T) -> T {
        let slot = &mut self.0[slot_of(key)];
        if slot.0 == key { slot.1 } else { missed(slot, key, row, miss) }
    }
}

/// [`ShortMemo::get`]'s miss.
#[cold]
#[inline(never)]
fn missed<T: Copy>(slot: &mut (u128, T), key: u128, row: usize, miss: &mut dyn FnMut(u128, usize) -> T) -> T {
    let v = miss(key, row);
    if key != LONG_KEY {
        *slot = (key, v);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::packed;

    /// `packed` is the text's bytes, zero-padded, with its length in the last byte: so two
    /// texts pack alike only when they are equal (trailing NULs included).
    #[test]
    fn packed_is_the_bytes_then_the_length() {
        let mut texts: Vec<String> = (0..16).map(|n| "abcdefghijklmnop"[..n].to_string()).collect();
        texts.extend(["\0", "\0\0", "a\0", "P0001", "E001", "é", "ab\0\0\0\0\0\0\0"].map(String::from));
        let mut seen = std::collections::HashMap::new();
        for t in &texts {
            let mut b = [0u8; 16];
            b[..t.len()].copy_from_slice(t.as_bytes());
            b[15] = t.len() as u8;
            assert_eq!(packed(t), u128::from_le_bytes(b), "{t:?}");
            assert_eq!(seen.insert(packed(t), t), None, "{t:?}");
        }
    }

    /// Texts are trimmed as the row path trims them (`str::trim`), control characters of the
    /// white space set included: a vertical tab or form feed at either end is dropped, so the
    /// padded partner is the same word as the plain one, in a plain and a dictionary column.
    #[test]
    fn texts_are_trimmed_as_the_row_path_trims_them() {
        use super::super::columns::Strs;
        use arrow_array::{ArrayRef, DictionaryArray, StringArray, types::Int32Type};
        let raw = ["P1", "\u{b}P1", "P1\u{b}", "\u{c}P1 ", "\u{b}", "\u{1}P1"];
        let plain: ArrayRef = std::sync::Arc::new(StringArray::from(raw.to_vec()));
        let dict: ArrayRef = std::sync::Arc::new(raw.iter().copied().collect::<DictionaryArray<Int32Type>>());
        for a in [plain, dict] {
            let (mut words, mut ids) = (crate::domain::Words::default(), Vec::new());
            super::word_ids(Strs::of(&a).as_ref(), raw.len(), &mut words, &mut ids);
            let texts: Vec<Option<&str>> = ids.iter().map(|&id| words.get(id)).collect();
            let want: Vec<Option<&str>> = raw.iter().map(|t| Some(t.trim()).filter(|t| !t.is_empty())).collect();
            assert_eq!(texts, want, "{:?}", a.data_type());
        }
    }

    /// A `utf8view` column's ids are appended as the same texts in a plain `utf8` column are:
    /// ids up to 12 bytes (held in the view) and longer (in a data buffer), non-ASCII ones,
    /// columns sliced; gathered at once when none is padded, empty or null (nor starts or ends
    /// with a non-ASCII character), else row by row (trimmed, `None` at an empty or null id),
    /// as for `utf8`.
    #[test]
    fn view_ids_are_appended_as_plain_ones() {
        use super::super::columns::Strs;
        use arrow_array::{ArrayRef, StringArray, StringViewArray};
        let long = "0123456789abcdef0123";
        let cases: [(&[Option<&str>], bool); 7] = [
            (&[Some("D0"), Some("abcdefghijkl"), Some("abcdefghijklm"), Some(long), Some("1\u{e9}1"), Some("D9")], true),
            (&[Some(long), Some("a"), Some(long), Some(long)], true),
            (&[Some("D1"), Some(" D2 "), Some("D3")], false),
            (&[Some("D1"), Some(""), Some("D3")], false),
            (&[Some("D1"), None, Some("D3")], false),
            (&[Some("D1"), Some("abcdefghijklmnop "), Some("D3")], false),
            (&[Some("D1"), Some("\u{e9}1"), Some("D3")], false),
        ];
        for (ids, gathered) in cases {
            let plain: ArrayRef = std::sync::Arc::new(StringArray::from(ids.to_vec()));
            let view: ArrayRef = std::sync::Arc::new(StringViewArray::from(ids.to_vec()));
            for (from, n) in [(0, ids.len()), (1, ids.len() - 1), (1, 1)] {
                let (p, v) = (plain.slice(from, n), view.slice(from, n));
                let (mut a, mut b) = ((String::from("x"), vec![1]), (String::from("x"), vec![1]));
                let read = super::append_ids(&mut a.0, &mut a.1, &Strs::of(&p).unwrap(), n);
                assert_eq!(super::append_ids(&mut b.0, &mut b.1, &Strs::of(&v).unwrap(), n), read, "{ids:?} {from} {n}");
                if read.is_some() {
                    assert_eq!(a, b, "{ids:?} {from} {n}");
                }
                let mut c = (String::from("x"), vec![1]);
                let unpadded = |i: &str| {
                    i.bytes().next().is_some_and(|b| b.is_ascii_graphic()) && i.bytes().last().is_some_and(|b| b.is_ascii_graphic())
                };
                let whole = gathered || ids[from..from + n].iter().all(|i| i.is_some_and(unpadded));
                assert_eq!(super::view_ids(&mut c.0, &mut c.1, v.as_any().downcast_ref().unwrap(), n), whole, "{ids:?} {from} {n}");
                assert_eq!(c.1.len(), if whole { n + 1 } else { 1 }, "nothing appended unless all");
                if whole {
                    let want: String = ids[from..from + n].iter().map(|i| i.unwrap()).collect();
                    assert_eq!(c.0, format!("x{want}"));
                }
            }
        }
    }

    /// A plain column's texts are parsed once per distinct raw text, short or long (16 bytes
    /// and more: `partner_satisfaction`), each row getting its own text's value; a text the
    /// parser refuses fails the column, wherever it is.
    #[test]
    fn parsed_parses_each_distinct_text_once_long_ones_too() {
        use super::super::columns::Strs;
        let raw = [
            Some("partner_satisfaction"),
            Some("csat"),
            Some("partner_satisfaction"),
            Some(" partner_satisfaction "),
            Some("partner_satisfactions"),
            None,
            Some("csat"),
        ];
        let a: arrow_array::ArrayRef = std::sync::Arc::new(arrow_array::StringArray::from(raw.to_vec()));
        let calls = std::cell::Cell::new(0);
        let len = |s: Option<&str>| {
            calls.set(calls.get() + 1);
            Some(s.map_or(0, str::len))
        };
        let mut out = Vec::new();
        super::parsed(Strs::of(&a).as_ref(), raw.len(), &mut out, len).unwrap();
        assert_eq!(out, [20, 4, 20, 20, 21, 0, 4], "trimmed texts' lengths, 0 for the null");
        assert_eq!(calls.get(), 5, "partner_satisfaction, csat, its padded form, partner_satisfactions, the null");
        let refuse_long = |s: Option<&str>| (s != Some("partner_satisfactions")).then_some(1u8);
        assert_eq!(super::parsed(Strs::of(&a).as_ref(), raw.len(), &mut Vec::new(), refuse_long), None);
    }

    /// A dictionary column reads as the same texts in a plain column: each row's parsed value
    /// and word (null rows too, over several blocks of 64, sliced), a refused value or a
    /// refused null failing both; a dictionary of one value without nulls is one value.
    #[test]
    fn a_dictionary_column_reads_as_a_plain_one() {
        use super::super::columns::Strs;
        use arrow_array::{ArrayRef, DictionaryArray, StringArray, types::Int16Type};
        let raw: Vec<Option<&str>> = (0..150).map(|i| [Some("won"), None, Some(" open "), Some("lost"), Some("")][i % 5]).collect();
        let plain: ArrayRef = std::sync::Arc::new(StringArray::from(raw.clone()));
        let dict: ArrayRef = std::sync::Arc::new(raw.iter().copied().collect::<DictionaryArray<Int16Type>>());
        let len = |s: Option<&str>| Some(s.map_or(9, str::len));
        let no_open = |s: Option<&str>| (s != Some("open")).then_some(1);
        let no_null = |s: Option<&str>| s.map(str::len);
        for (p, d) in [(plain.clone(), dict.clone()), (plain.slice(3, 140), dict.slice(3, 140))] {
            let n = p.len();
            let (p, d) = (Strs::of(&p).unwrap(), Strs::of(&d).unwrap());
            let read = |s: &Strs, f: &dyn Fn(Option<&str>) -> Option<usize>| {
                let mut out = Vec::new();
                super::parsed(Some(s), n, &mut out, f).map(|_| out)
            };
            assert_eq!(read(&d, &len), read(&p, &len));
            assert!(read(&d, &len).is_some());
            assert_eq!((read(&d, &no_open), read(&d, &no_null)), (None, None));
            let words = |s: &Strs| {
                let (mut words, mut ids) = (crate::domain::Words::default(), Vec::new());
                super::word_ids(Some(s), n, &mut words, &mut ids);
                ids.iter().map(|&id| words.get(id).map(String::from)).collect::<Vec<_>>()
            };
            assert_eq!(words(&d), words(&p));
        }
        let usd: ArrayRef = std::sync::Arc::new(["USD"; 70].into_iter().collect::<DictionaryArray<Int16Type>>());
        assert_eq!(super::one_parsed(Strs::of(&usd).as_ref(), 70, len), Some(Some(3)));
        assert_eq!(super::one_parsed(Strs::of(&dict).as_ref(), 150, len), None);
    }
}
