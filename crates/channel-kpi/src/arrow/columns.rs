//! The columns of a deals batch as the typed reading takes them (`typed_deals.rs`): amounts as
//! raw integers with their scale, strings of any Arrow layout.

use super::dict_keys::Keys;
use super::short_keys::offsets_keys;
use super::short_keys::{LONG_KEY, NULL_KEY, packed_bytes};
use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, PrimitiveArray};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType;

/// A string column without dictionary encoding.
pub(crate) enum Flat<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
}

impl<'a> Flat<'a> {
    fn of(a: &'a dyn Array) -> Option<Flat<'a>> {
        Some(match a.data_type() {
            DataType::Utf8 => Flat::Utf8(a.as_string::<i32>()),
            DataType::LargeUtf8 => Flat::Large(a.as_string::<i64>()),
            DataType::Utf8View => Flat::View(a.as_string_view()),
            _ => return None,
        })
    }
    pub(super) fn len(&self) -> usize {
        match self {
            Flat::Utf8(a) => a.len(),
            Flat::Large(a) => a.len(),
            Flat::View(a) => a.len(),
        }
    }
    #[inline(always)]
    pub(super) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Flat::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Flat::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Flat::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
    /// Whether rows `0..n` (at least one) all hold the same text, none null: a column of one
    /// value (a currency column of a one-currency table), read once instead of row by row.
    /// Found from the layout, without looking at a row: equal lengths (the offsets step by one
    /// length) and bytes that repeat with that period (one `memcmp` of the data against itself
    /// shifted by a length). A view column is not looked at (`false`).
    pub(super) fn constant(&self, n: usize) -> bool {
        match self {
            Flat::Utf8(a) => n > 0 && a.null_count() == 0 && one_text(a.value_offsets(), a.value_data(), n),
            Flat::Large(a) => n > 0 && a.null_count() == 0 && one_text(a.value_offsets(), a.value_data(), n),
            Flat::View(_) => false,
        }
    }
    /// The keys of the first `n` rows, 64 rows at a time: `f(start, keys)` with `keys[j]` the
    /// key of row `start + j`: the row's text as one integer when it is shorter than 16 bytes
    /// ([`packed_bytes`]: its bytes, then zeros, its length in the top byte — equal keys, equal
    /// texts), [`NULL_KEY`] for a null row, [`LONG_KEY`] for a text of 16 bytes or more; stops
    /// at the first `None` `f` returns (example: `"paid"` is
    /// `0x04 << 120 | u32::from_le_bytes(*b"paid")`). For the offsets layouts, sixteen bytes are read from the text's start
    /// and those past its end masked off: no branch on the length, which mispredicts on texts of
    /// mixed lengths (`packed_bytes`, ≈ 8 ns a row on 10 M leads' sources of 6 to 10 bytes); a
    /// text within 16 bytes of the data's end is packed by [`packed_bytes`]. A block's validity
    /// is one word of the null bitmap. (A loop over a block's keys keeps fewer values live than
    /// one that also finds each key: with [`ShortMemo`](super::typed_texts::ShortMemo)'s miss
    /// out of line, 10 M leads' channels read in 52 instructions a row, not 69.)
    #[inline(always)]
    pub(super) fn short_key_blocks(&self, n: usize, mut f: impl FnMut(usize, &[u128]) -> Option<()>) -> Option<()> {
        let mut keys = [0u128; 64];
        match self {
            Flat::Utf8(a) => offsets_keys(a.value_offsets(), a.value_data(), a.nulls(), n, &mut keys, f),
            Flat::Large(a) => offsets_keys(a.value_offsets(), a.value_data(), a.nulls(), n, &mut keys, f),
            Flat::View(a) => (0..n).step_by(64).try_for_each(|start| {
                let block = &mut keys[..(n - start).min(64)];
                for (j, k) in block.iter_mut().enumerate() {
                    let b = a.is_valid(start + j).then(|| a.value(start + j).as_bytes());
                    *k = b.map_or(NULL_KEY, |b| if b.len() < 16 { packed_bytes(b) } else { LONG_KEY });
                }
                f(start, block)
            }),
        }
    }
    /// The column's validity (`None`: no row is null).
    pub(super) fn nulls(&self) -> Option<&'a NullBuffer> {
        match self {
            Flat::Utf8(a) => Array::nulls(*a),
            Flat::Large(a) => Array::nulls(*a),
            Flat::View(a) => Array::nulls(*a),
        }
        .filter(|b| b.null_count() > 0)
    }
}

/// [`Flat::constant`] of an offsets-and-data layout (`n ≥ 1` rows, no nulls): every row's
/// length is the first one's, and the bytes of rows `1..n` are those of rows `0..n-1`.
fn one_text<O: arrow_array::OffsetSizeTrait>(offsets: &[O], data: &[u8], n: usize) -> bool {
    let (first, len) = (offsets[0].as_usize(), offsets[1].as_usize() - offsets[0].as_usize());
    // no early exit within a block: a loop the compiler vectorizes; a column of several values
    // usually shows a second one in its first block
    let same = |rows: usize| {
        let lengths = offsets[..=rows].windows(2).fold(true, |ok, w| ok & (w[1].as_usize() - w[0].as_usize() == len));
        lengths && data[first + len..first + rows * len] == data[first..first + (rows - 1) * len]
    };
    same(n.min(16)) && same(n)
}

/// A string column of any Arrow string layout, dictionary-encoded or not.
pub(crate) enum Strs<'a> {
    Flat(Flat<'a>),
    Dict { keys: Keys<'a>, values: Flat<'a> },
}

impl<'a> Strs<'a> {
    pub(crate) fn of(a: &'a ArrayRef) -> Option<Strs<'a>> {
        let a = a.as_ref();
        Some(match a.data_type() {
            DataType::Dictionary(..) => {
                let d = a.as_any_dictionary_opt()?;
                let values = Flat::of(d.values().as_ref())?;
                let keys = Keys::of(d.keys(), d.values().is_empty())?;
                Strs::Dict { keys, values }
            }
            _ => Strs::Flat(Flat::of(a)?),
        })
    }
    #[cfg(test)]
    fn len(&self) -> usize {
        match self {
            Strs::Flat(f) => f.len(),
            Strs::Dict { keys, .. } => keys.len(),
        }
    }
    #[inline(always)]
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strs::Flat(f) => f.get(i),
            Strs::Dict { keys, values } => keys.get(i).and_then(|k| values.get(k)),
        }
    }
}

/// The amount column as raw integers and their scale.
pub(super) enum Amounts<'a> {
    None,
    Decimal(&'a PrimitiveArray<Decimal128Type>, u32),
    Int64(&'a PrimitiveArray<Int64Type>),
    Int32(&'a PrimitiveArray<Int32Type>),
}

impl<'a> Amounts<'a> {
    pub(super) fn of(a: &'a ArrayRef) -> Option<Amounts<'a>> {
        Some(match a.data_type() {
            DataType::Null => Amounts::None,
            DataType::Decimal128(_, s) if (0..=28).contains(s) => Amounts::Decimal(a.as_primitive(), *s as u32),
            DataType::Int64 => Amounts::Int64(a.as_primitive()),
            DataType::Int32 => Amounts::Int32(a.as_primitive()),
            _ => return None,
        })
    }
    #[inline]
    pub(super) fn get(&self, i: usize) -> Option<i128> {
        match self {
            Amounts::None => None,
            Amounts::Decimal(a, _) => a.is_valid(i).then(|| a.value(i)),
            Amounts::Int64(a) => a.is_valid(i).then(|| i128::from(a.value(i))),
            Amounts::Int32(a) => a.is_valid(i).then(|| i128::from(a.value(i))),
        }
    }
    /// Whether any row has an amount.
    pub(super) fn any(&self) -> bool {
        match self {
            Amounts::None => false,
            Amounts::Decimal(a, _) => a.null_count() < a.len(),
            Amounts::Int64(a) => a.null_count() < a.len(),
            Amounts::Int32(a) => a.null_count() < a.len(),
        }
    }
    pub(super) fn scale(&self) -> u32 {
        match self {
            Amounts::Decimal(_, s) => *s,
            _ => 0,
        }
    }
    /// The first `n` rows as [`Amounts::get`] reads each (`None` where null or the column is
    /// absent), handed to `f` in order with one match on the column's type for all of them
    /// (and no validity check per row when there is no null); `None` as soon as `f` refuses one.
    #[inline(always)]
    pub(super) fn each(&self, n: usize, mut f: impl FnMut(usize, Option<i128>) -> Option<()>) -> Option<()> {
        fn each<T: ArrowPrimitiveType>(a: &PrimitiveArray<T>, n: usize, f: &mut impl FnMut(usize, Option<i128>) -> Option<()>) -> Option<()>
        where
            T::Native: Into<i128>,
        {
            let values = &a.values()[..n];
            if a.null_count() == 0 {
                values.iter().enumerate().try_for_each(|(i, v)| f(i, Some((*v).into())))
            } else {
                values.iter().enumerate().try_for_each(|(i, v)| f(i, a.is_valid(i).then(|| (*v).into())))
            }
        }
        match self {
            Amounts::None => (0..n).try_for_each(|i| f(i, None)),
            Amounts::Decimal(c, _) => each(*c, n, &mut f),
            Amounts::Int64(c) => each(*c, n, &mut f),
            Amounts::Int32(c) => each(*c, n, &mut f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each of the first `n` rows' key ([`Flat::short_key_blocks`]) in turn, `None` for a long
    /// text; stops at the first `None` `f` returns.
    fn short_keys(f: &Flat, n: usize, mut g: impl FnMut(usize, Option<u128>) -> Option<()>) -> Option<()> {
        f.short_key_blocks(n, |start, keys| keys.iter().enumerate().try_for_each(|(j, &k)| g(start + j, (k != LONG_KEY).then_some(k))))
    }

    /// Two rows get one key only when their texts are equal (a null row: [`NULL_KEY`]), in
    /// every string layout, sliced or not; a text of 16 bytes or more gets none; a text near
    /// the end of the data (too near to read 16 bytes from it) gets the key its twin earlier
    /// in the column gets; keys are [`packed_bytes`] of the text.
    #[test]
    fn short_keys_are_equal_for_equal_texts_only() {
        let texts = [
            Some("paid"),
            None,
            Some(""),
            Some("paid"),
            Some("pai"),
            Some("paid "),
            Some("google ads"),
            Some("abcdefghijklmno"),
            Some("abcdefghijklmnop"),
            Some("webinar"),
            Some("paid"),
            Some("pai"),
            Some("x"),
            Some("webinar"),
        ];
        let utf8 = arrow_array::StringArray::from(texts.to_vec());
        let arrays: Vec<ArrayRef> = vec![
            std::sync::Arc::new(utf8.clone()),
            std::sync::Arc::new(utf8.slice(3, 9)),
            std::sync::Arc::new(arrow_array::LargeStringArray::from(texts.to_vec())),
            std::sync::Arc::new(arrow_array::StringViewArray::from(texts.to_vec())),
        ];
        for a in &arrays {
            let texts = if a.len() == 9 { &texts[3..12] } else { &texts[..] };
            let Some(Strs::Flat(f)) = Strs::of(a) else { panic!("a plain column") };
            let mut keys = Vec::new();
            short_keys(&f, texts.len(), |_, k| {
                keys.push(k);
                Some(())
            });
            for (i, ki) in keys.iter().enumerate() {
                for (j, kj) in keys.iter().enumerate() {
                    if let (Some(x), Some(y)) = (ki, kj) {
                        assert_eq!(x == y, texts[i] == texts[j], "{:?} {:?}", texts[i], texts[j]);
                    }
                }
                let want = texts[i].map_or(Some(NULL_KEY), |t| (t.len() < 16).then(|| packed_bytes(t.as_bytes())));
                assert_eq!(*ki, want, "{:?}", texts[i]);
            }
        }
        let mut keys = Vec::new();
        let Some(Strs::Flat(f)) = Strs::of(&arrays[0]) else { unreachable!() };
        short_keys(&f, texts.len(), |_, k| {
            keys.push(k);
            Some(())
        });
        assert_eq!((keys[0], keys[1], keys[2]), (Some(4 << 120 | u128::from(u32::from_le_bytes(*b"paid"))), Some(NULL_KEY), Some(0)));
        assert_eq!((keys[8], keys[13]), (None, keys[9]), "16 bytes; the last text, near the data's end, as its twin");
        // a refusal stops the walk
        let mut seen = 0;
        assert_eq!(short_keys(&f, texts.len(), |i, _| (i < 3).then(|| seen += 1)), None);
        assert_eq!(seen, 3);
    }

    #[test]
    fn strs_len_matches() {
        let a: ArrayRef = std::sync::Arc::new(arrow_array::StringArray::from(vec![Some("a"), None]));
        let s = Strs::of(&a).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s.get(0), Some("a"));
        assert_eq!(s.get(1), None);
    }

    /// A column is constant only when every row holds the same text: not with one row that
    /// differs (same length, or a shift that keeps the bytes periodic), a null, an empty row
    /// among texts; yes in a slice of the same rows, and for a large-offsets column.
    #[test]
    fn a_column_is_constant_only_when_every_row_holds_one_text() {
        use arrow_array::{Array, LargeStringArray, StringArray};
        let flat = |a: &dyn Array, n: usize| Flat::of(a).unwrap().constant(n);
        let usd = StringArray::from(vec!["USD"; 5]);
        assert!(flat(&usd, 5) && flat(&usd, 1));
        assert!(!flat(&usd, 0));
        assert!(!flat(&StringArray::from(vec!["USD", "USD", "EUR", "USD"]), 4));
        // "ab" "ab" "ba": same lengths, data "ababba" is not periodic
        assert!(!flat(&StringArray::from(vec!["ab", "ab", "ba"]), 3));
        // "a" "aa" … : the bytes repeat but the lengths differ
        assert!(!flat(&StringArray::from(vec!["a", "aa", "a"]), 3));
        assert!(!flat(&StringArray::from(vec![Some("USD"), None, Some("USD")]), 3));
        assert!(!flat(&StringArray::from(vec!["USD", ""]), 2));
        assert!(flat(&StringArray::from(vec!["", ""]), 2));
        // only the first n rows count; a slice starts at its own first row
        assert!(flat(&StringArray::from(vec!["USD", "USD", "EUR"]), 2));
        let sliced = StringArray::from(vec!["EUR", "USD", "USD", "USD"]).slice(1, 3);
        assert!(flat(&sliced, 3));
        // past the first block of 16 rows
        let mut long = vec!["USD"; 40];
        assert!(flat(&StringArray::from(long.clone()), 40));
        long[39] = "EUR";
        assert!(!flat(&StringArray::from(long.clone()), 40) && flat(&StringArray::from(long.clone()), 39));
        long[39] = "USDX";
        assert!(!flat(&StringArray::from(long), 40));
        assert!(flat(&LargeStringArray::from(vec!["USD"; 3]), 3));
        assert!(!flat(&LargeStringArray::from(vec!["USD", "USX"]), 2));
    }

    #[test]
    fn dictionary_keys_of_any_width_sliced() {
        use arrow_array::types::{Int8Type, Int64Type, UInt8Type, UInt32Type};
        use arrow_array::{DictionaryArray, StringArray};
        let values = || std::sync::Arc::new(StringArray::from(vec![Some("a"), None, Some("c")]));
        let keys = [Some(2), Some(0), Some(0), None, Some(1), Some(2)];
        macro_rules! check {
            ($t:ty) => {
                let k: arrow_array::PrimitiveArray<$t> = keys.iter().map(|k| k.map(|k| k as _)).collect();
                let a: ArrayRef = std::sync::Arc::new(DictionaryArray::<$t>::try_new(k, values()).unwrap());
                let a = a.slice(1, 5);
                let s = Strs::of(&a).unwrap();
                assert_eq!(s.len(), 5);
                let got: Vec<Option<&str>> = (0..5).map(|i| s.get(i)).collect();
                assert_eq!(got, [Some("a"), Some("a"), None, None, Some("c")]);
            };
        }
        check!(Int8Type);
        check!(UInt8Type);
        check!(UInt32Type);
        check!(Int64Type);
    }
}
