//! [`Keys`]: the keys of a dictionary-encoded text column as stored (no copy per batch), read as
//! indexes into its values, row by row ([`Keys::get`]) or 64 rows a block ([`Keys::blocks`]).
//!
//! ```text
//! keys     [2, 0, null, 1]   values ["won", "lost", "open"]
//! blocks   [2, 0, 3, 1]      (null: the index given for a null row, here 3)
//! ```

use super::valid_words::ValidWords;
use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType;

/// The keys of a dictionary array as stored (no copy per batch), read as indexes.
pub(crate) struct Keys<'a> {
    data: KeyData<'a>,
    /// The keys' validity (an `Arc` clone of the array's).
    nulls: Option<NullBuffer>,
    #[cfg(test)]
    len: usize,
}

enum KeyData<'a> {
    I8(&'a [i8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
    U64(&'a [u64]),
    /// An empty dictionary: every key is null.
    None,
}

impl<'a> Keys<'a> {
    pub(super) fn of(k: &'a dyn Array, empty_dictionary: bool) -> Option<Keys<'a>> {
        use arrow_array::types::{Int8Type, Int16Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type};
        let data = match k.data_type() {
            _ if empty_dictionary => KeyData::None,
            DataType::Int8 => KeyData::I8(k.as_primitive::<Int8Type>().values()),
            DataType::Int16 => KeyData::I16(k.as_primitive::<Int16Type>().values()),
            DataType::Int32 => KeyData::I32(k.as_primitive::<Int32Type>().values()),
            DataType::Int64 => KeyData::I64(k.as_primitive::<Int64Type>().values()),
            DataType::UInt8 => KeyData::U8(k.as_primitive::<UInt8Type>().values()),
            DataType::UInt16 => KeyData::U16(k.as_primitive::<UInt16Type>().values()),
            DataType::UInt32 => KeyData::U32(k.as_primitive::<UInt32Type>().values()),
            DataType::UInt64 => KeyData::U64(k.as_primitive::<UInt64Type>().values()),
            _ => return None,
        };
        Some(Keys {
            data,
            nulls: k.logical_nulls(),
            #[cfg(test)]
            len: k.len(),
        })
    }
    /// The dictionary indexes of the first `n` rows, 64 rows at a time: `f(start, idx)` with
    /// `idx[j]` the index of row `start + j`, `null` for a null row (of the keys or an empty
    /// dictionary); stops at the first `None` `f` returns. The key type is matched once a
    /// block, and a block's validity is one word ([`ValidWords`]), where [`Keys::get`] per row
    /// matches the type and looks up the bitmap each time.
    #[inline(always)]
    pub(super) fn blocks(&self, n: usize, null: u32, mut f: impl FnMut(usize, &[u32]) -> Option<()>) -> Option<()> {
        let mut valid = ValidWords::of(self.nulls.as_ref());
        let mut idx = [0u32; 64];
        for start in (0..n).step_by(64) {
            let block = &mut idx[..(n - start).min(64)];
            self.fill(start, block, null);
            valid.mark_nulls(block, null);
            f(start, block)?;
        }
        Some(())
    }

    /// The keys of rows `start..start + out.len()` into `out` as indexes (`null` for all of an
    /// empty dictionary's; the validity is not read here: [`Keys::blocks`]). A key is below the
    /// dictionary's length (checked when the array was built), so below `u32::MAX`.
    fn fill(&self, start: usize, out: &mut [u32], null: u32) {
        fn copy<K: Copy>(keys: &[K], out: &mut [u32], idx: impl Fn(K) -> u32) {
            for (o, &k) in out.iter_mut().zip(keys) {
                *o = idx(k);
            }
        }
        let rows = start..start + out.len();
        match self.data {
            KeyData::I8(v) => copy(&v[rows], out, |k| k as u32),
            KeyData::I16(v) => copy(&v[rows], out, |k| k as u32),
            KeyData::I32(v) => copy(&v[rows], out, |k| k as u32),
            KeyData::I64(v) => copy(&v[rows], out, |k| k as u32),
            KeyData::U8(v) => copy(&v[rows], out, u32::from),
            KeyData::U16(v) => copy(&v[rows], out, u32::from),
            KeyData::U32(v) => copy(&v[rows], out, |k| k),
            KeyData::U64(v) => copy(&v[rows], out, |k| k as u32),
            KeyData::None => out.fill(null),
        }
    }

    /// Whether no row is null.
    pub(super) fn no_null(&self) -> bool {
        !matches!(self.data, KeyData::None) && self.nulls.as_ref().is_none_or(|b| b.null_count() == 0)
    }

    /// The dictionary index of row `i` (`None`: null).
    #[inline(always)]
    pub(super) fn get(&self, i: usize) -> Option<usize> {
        if self.nulls.as_ref().is_some_and(|n| n.is_null(i)) {
            return None;
        }
        Some(match self.data {
            KeyData::I8(v) => v[i] as usize,
            KeyData::I16(v) => v[i] as usize,
            KeyData::I32(v) => v[i] as usize,
            KeyData::I64(v) => v[i] as usize,
            KeyData::U8(v) => usize::from(v[i]),
            KeyData::U16(v) => usize::from(v[i]),
            KeyData::U32(v) => v[i] as usize,
            KeyData::U64(v) => v[i] as usize,
            KeyData::None => return None,
        })
    }
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, PrimitiveArray};

    /// [`Keys::blocks`] gives each row the index [`Keys::get`] gives it (`null` for a null
    /// row), over several blocks, sliced, for keys of several widths and an empty dictionary.
    #[test]
    fn key_blocks_are_each_rows_index() {
        use arrow_array::types::{Int8Type, UInt16Type};
        use arrow_array::{DictionaryArray, StringArray};
        let keys: Vec<Option<i64>> = (0..150).map(|i| (i % 5 != 2).then_some(i % 3)).collect();
        let values = || std::sync::Arc::new(StringArray::from(vec!["a", "b", "c"]));
        let k8: PrimitiveArray<Int8Type> = keys.iter().map(|k| k.map(|k| k as i8)).collect();
        let k16: PrimitiveArray<UInt16Type> = keys.iter().map(|k| k.map(|k| k as u16)).collect();
        let empty: PrimitiveArray<Int8Type> = keys.iter().map(|_| None).collect();
        let arrays: Vec<ArrayRef> = vec![
            std::sync::Arc::new(DictionaryArray::<Int8Type>::try_new(k8, values()).unwrap()),
            std::sync::Arc::new(DictionaryArray::<UInt16Type>::try_new(k16, values()).unwrap()),
            std::sync::Arc::new(
                DictionaryArray::<Int8Type>::try_new(empty, std::sync::Arc::new(StringArray::from(Vec::<&str>::new()))).unwrap(),
            ),
        ];
        for a in arrays {
            for a in [a.clone(), a.slice(7, 130), a.slice(64, 64)] {
                let d = a.as_any_dictionary_opt().expect("a dictionary");
                let keys = Keys::of(d.keys(), d.values().is_empty()).unwrap();
                let mut got = Vec::new();
                keys.blocks(a.len(), 99, |start, idx| {
                    assert_eq!(start, got.len());
                    got.extend(idx.iter().map(|&k| (k != 99).then_some(k as usize)));
                    Some(())
                });
                let want: Vec<Option<usize>> = (0..a.len()).map(|i| keys.get(i)).collect();
                assert_eq!(got, want);
                assert_eq!(keys.no_null(), want.iter().all(Option::is_some));
            }
        }
    }
}
