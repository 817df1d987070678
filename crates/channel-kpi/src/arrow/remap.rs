//! A text column translated value by value (a mapping's value map and default), as a
//! dictionary-encoded column: the translation runs once per distinct text, not once per row,
//! and the rows only get a key.

use super::columns::Strs;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, Int32Array, StringArray};
use arrow_buffer::{BooleanBuffer, NullBuffer, ScalarBuffer};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// The `n` texts of `c` (an absent column: `None` in every row) each through `f`, as a
/// `dictionary<int32, utf8>` column: row `i` holds `f(c[i])`, null where that is `None`.
///
/// `f` is called once per distinct text of `c` (and once for its nulls), so a value map over
/// a million rows of four statuses costs four look-ups; the dictionary holds each distinct
/// result once. Edge cases: an empty column gives an empty one; when `f` gives `None` for
/// every text the dictionary is empty and every key null.
///
/// ```ignore
/// // "Won" → "won", "Engaging" → "open", a null → the default "open"
/// let c = remapped(Some(&stage), 3, |v| match v { Some("Won") => Some("won"), _ => Some("open") });
/// ```
pub(crate) fn remapped<'a, 'o>(c: Option<&Strs<'a>>, n: usize, mut f: impl FnMut(Option<&'a str>) -> Option<&'o str>) -> ArrayRef
where
    'a: 'o,
{
    let mut values: Vec<&'o str> = Vec::new();
    let mut index: FxHashMap<&'o str, i32> = FxHashMap::default();
    let mut key_of = |v: Option<&'a str>| -> Option<i32> {
        let t = f(v)?;
        Some(*index.entry(t).or_insert_with(|| {
            values.push(t);
            values.len() as i32 - 1
        }))
    };
    // each row's key, `NULL` where `f` gave none (keys index a dictionary of under 2^31 texts)
    const NULL: i32 = -1;
    let raw: Vec<i32> = match c {
        None => vec![key_of(None).unwrap_or(NULL); n],
        Some(Strs::Dict { keys: ks, values: vs }) => {
            // the key of each dictionary value, found at its first row (`UNSEEN` until then)
            const UNSEEN: i32 = i32::MIN;
            let mut memo: Vec<i32> = vec![UNSEEN; vs.len()];
            let absent = key_of(None).unwrap_or(NULL);
            (0..n)
                .map(|i| match ks.get(i) {
                    None => absent,
                    Some(k) => match memo[k] {
                        UNSEEN => {
                            memo[k] = key_of(vs.get(k)).unwrap_or(NULL);
                            memo[k]
                        }
                        key => key,
                    },
                })
                .collect()
        }
        Some(Strs::Flat(fl)) => {
            let mut memo: FxHashMap<&'a str, i32> = FxHashMap::default();
            let mut absent = None;
            (0..n)
                .map(|i| match fl.get(i) {
                    None => *absent.get_or_insert_with(|| key_of(None).unwrap_or(NULL)),
                    Some(t) => *memo.entry(t).or_insert_with(|| key_of(Some(t)).unwrap_or(NULL)),
                })
                .collect()
        }
    };
    // (one pass over the keys as integers, where an `Option` per row took three: 34
    // instructions a row of a value-mapped or defaulted column, 69 M of the 401 M of the
    // converting thread on 1 M Maven-mapped Parquet deals)
    let nulls = raw.contains(&NULL).then(|| NullBuffer::new(BooleanBuffer::collect_bool(n, |i| raw[i] != NULL)));
    let raw: ScalarBuffer<i32> = match nulls {
        Some(_) => raw.into_iter().map(|k| k.max(0)).collect(),
        None => raw.into(),
    };
    let dictionary = Arc::new(StringArray::from(values));
    let keys = Int32Array::new(raw, nulls);
    Arc::new(DictionaryArray::<Int32Type>::try_new(keys, dictionary).expect("every key indexes the dictionary"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    fn texts(a: &ArrayRef) -> Vec<Option<String>> {
        let s = Strs::of(a).unwrap();
        (0..a.len()).map(|i| s.get(i).map(str::to_string)).collect()
    }

    #[test]
    fn each_distinct_text_is_translated_once_and_rows_keep_their_order() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("Won"), None, Some("Lost"), Some("Won"), Some(" Won "), Some("x")]));
        let mut calls = 0;
        let out = remapped(Strs::of(&a).as_ref(), 6, |v| {
            calls += 1;
            match v.map(str::trim) {
                Some("Won") => Some("won"),
                Some("Lost") => Some("lost"),
                Some(_) => None,
                None => Some("open"),
            }
        });
        assert_eq!(calls, 5, "Won, null, Lost, ' Won ', x: once each");
        let want = [Some("won"), Some("open"), Some("lost"), Some("won"), Some("won"), None];
        assert_eq!(texts(&out), want.map(|s| s.map(String::from)));
        assert_eq!(out.null_count(), 1);
        let d = out.as_any().downcast_ref::<DictionaryArray<Int32Type>>().unwrap();
        assert_eq!(d.values().len(), 3, "won, open, lost: each result once");
    }

    #[test]
    fn dictionary_input_absent_column_and_nothing_kept() {
        let dict: ArrayRef = Arc::new(
            DictionaryArray::<Int32Type>::try_new(
                Int32Array::from(vec![Some(1), None, Some(0), Some(1)]),
                Arc::new(StringArray::from(vec!["a", "b"])),
            )
            .unwrap(),
        );
        let mut calls = 0;
        let out = remapped(Strs::of(&dict).as_ref(), 4, |v| {
            calls += 1;
            Some(v.unwrap_or("-"))
        });
        assert_eq!(calls, 3, "b, null, a");
        assert_eq!(texts(&out), ["b", "-", "a", "b"].map(|s| Some(s.to_string())));
        assert_eq!(out.null_count(), 0);
        let absent = remapped(None, 3, |_| Some("USD"));
        assert_eq!(texts(&absent), vec![Some("USD".to_string()); 3]);
        let none = remapped(Strs::of(&dict).as_ref(), 4, |_| None);
        assert_eq!((none.len(), none.null_count()), (4, 4));
        assert_eq!(remapped(None, 0, |_| Some("x")).len(), 0);
    }
}
