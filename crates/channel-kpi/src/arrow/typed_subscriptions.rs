//! Subscription-month tables whose columns have their natural Arrow types (the month as
//! `date32`, the MRR as `decimal128` or an integer, texts as strings of any layout) read
//! straight into the columns of [`Subscriptions`], without rendering each cell as text and
//! parsing it back: the subscriptions' shortcut of the loader's row conversion
//! (`load::subscription_from_row` through the identity mapping).
//!
//! The rules are those of `typed_deals.rs`: [`append_subscriptions`] reads a clean table and
//! returns `None` at the first thing it does not read exactly like the row path — a column of
//! another type (a month as `YYYY-MM` text, an MRR as a float), a missing account, month, MRR
//! or currency, a bad currency code, a negative MRR, an attr column of a type the row path
//! refuses. The loader then reads the whole table through the row path, which reports errors
//! with their row, column and value as always.
//!
//! ```text
//! account_id  month   mrr              currency  partner_id  plan
//! utf8|dict   date32  decimal128(p,s)  utf8      utf8|dict   utf8 (an attr)
//! ```

use super::columns::Strs;
use super::short_keys::packed_bytes;
use super::typed_deals::{Days, LastCurrency, amounts, dates, fill_attrs, push_required_dates, text, texts, word_ids};
use crate::domain::{Subscriptions, Words};
use crate::money::Money;
use arrow_array::RecordBatch;
use rust_decimal::Decimal;

/// Appends every row of `batch` to `subs`, read as the row path reads them, with the attrs of
/// the columns `attrs` of `table` (the table `batch` was mapped from: the same rows); `None`
/// (with `subs` possibly holding some of the rows: the caller truncates) when a column or a
/// value is not one this shortcut reads exactly like the row path.
///
/// Column by column: the account and partner through the dictionary (once per dictionary value
/// for dictionary-encoded columns, once per run of one text otherwise), a currency column of
/// one code read once ([`super::columns::Flat::constant`]), another's runs of one code parsed
/// once each.
pub(crate) fn append_subscriptions(subs: &mut Subscriptions, batch: &RecordBatch, table: &RecordBatch, attrs: &[&str]) -> Option<()> {
    let b = batch;
    let account = texts(b, "account_id")??;
    let month = dates(b, "month")??;
    let mrr = amounts(b.column_by_name("mrr")?)?;
    let (currency, partner) = (texts(b, "currency")??, texts(b, "partner_id")?);
    let (n, start) = (b.num_rows(), subs.len());
    let s = subs;
    run_ids(Some(&account), n, &mut s.words, &mut s.account);
    run_ids(partner.as_ref(), n, &mut s.words, &mut s.partner);
    if s.account[start..].contains(&0) {
        return None; // an account missing: the row path names the row
    }
    push_required_dates(month, n, &mut Days::new(), &mut s.month)?;
    let (scale, mut currencies) = (mrr.scale(), LastCurrency::default());
    // one code in every row (a one-currency table): read once, not row by row
    let one = match &currency {
        Strs::Flat(f) if f.constant(n) => Some(currencies.get(text(Some(&currency), 0)?)?),
        _ => None,
    };
    s.mrr.reserve(n);
    for i in 0..n {
        let value = Decimal::try_from_i128_with_scale(mrr.get(i)?, scale).ok()?;
        if value.is_sign_negative() && !value.is_zero() {
            return None;
        }
        let code = match one {
            Some(c) => c,
            None => currencies.get(text(Some(&currency), i)?)?,
        };
        s.mrr.push(Money::new(value, code));
    }
    fill_attrs(&mut s.attrs, start, table, attrs)
}

/// The dictionary ids of rows `0..n` of text column `c` ([`word_ids`]'s: the trimmed,
/// non-empty text's id in `words`, 0 for none), for a column whose equal texts mostly come in
/// runs — an account's months one after another, and with them its partner: a row whose text
/// is the row before's takes its id (one short compare), the others are looked up in `words`
/// (one hash of the text; a new text is the run's first row most of the time, so a memo of
/// texts seen would hash it twice). A dictionary-encoded column goes to [`word_ids`] (an
/// array read per row).
///
/// Example: `A1 A1 A1 A2 A2 A1` → `words` asked 3 times.
fn run_ids(c: Option<&Strs>, n: usize, words: &mut Words, out: &mut Vec<u32>) {
    let Some(Strs::Flat(f)) = c else { return word_ids(c, n, words, out) };
    out.reserve(n);
    let mut last: Option<(Option<&str>, u32)> = None;
    for i in 0..n {
        let raw = f.get(i);
        let id = match last {
            Some((t, id)) if same(t, raw) => id,
            _ => match raw {
                None => 0,
                Some(_) => words.id(text(c, i)),
            },
        };
        last = Some((raw, id));
        out.push(id);
    }
}

/// `a == b` for texts, short ones (ids, codes: under 16 bytes) compared as one integer each
/// ([`packed_bytes`]: overlapping loads, its length in it) instead of a call to `memcmp`.
#[inline(always)]
fn same(a: Option<&str>, b: Option<&str>) -> bool {
    let (Some(a), Some(b)) = (a, b) else { return a.is_none() && b.is_none() };
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() < 16 && b.len() < 16 { packed_bytes(a) == packed_bytes(b) } else { a == b }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::types::Int32Type;
    use arrow_array::{ArrayRef, Date32Array, Decimal128Array, DictionaryArray, Int64Array, StringArray};
    use std::sync::Arc;

    fn batch() -> RecordBatch {
        let text = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
        let account: DictionaryArray<Int32Type> = vec![Some("A1 "), Some("A2"), Some("A1")].into_iter().collect();
        let mrr = Decimal128Array::from(vec![10_050, 0, 12_000]).with_precision_and_scale(18, 2).unwrap();
        RecordBatch::try_from_iter([
            ("account_id", Arc::new(account) as ArrayRef),
            ("month", Arc::new(Date32Array::from(vec![20_000, 20_031, 20_059])) as ArrayRef),
            ("mrr", Arc::new(mrr) as ArrayRef),
            ("currency", text(vec![Some("USD"), Some(" USD"), Some("USD")])),
            ("partner_id", text(vec![Some("P1"), None, Some("")])),
            ("seats", Arc::new(Int64Array::from(vec![Some(5), None, Some(7)])) as ArrayRef),
        ])
        .unwrap()
    }

    #[test]
    fn rows_are_read_as_the_row_path_reads_them() {
        let mut subs = Subscriptions::default();
        append_subscriptions(&mut subs, &batch(), &batch(), &["seats"]).unwrap();
        let rows = subs.to_vec();
        let day = |n: i32| arrow_array::types::Date32Type::to_naive_date_opt(n).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].account_id.as_str(), rows[0].month, rows[0].mrr.to_string()), ("A1", day(20_000), "100.50 USD".into()));
        assert_eq!(subs.account[0], subs.account[2], "A1 trimmed is A1");
        assert_eq!((rows[1].mrr.to_string(), rows[1].partner_id.as_deref()), ("0.00 USD".into(), None));
        assert_eq!((rows[0].partner_id.as_deref(), rows[2].partner_id.as_deref()), (Some("P1"), None), "an empty cell is no value");
        assert_eq!(rows[0].attrs.get("seats").map(String::as_str), Some("5"));
        assert!(rows[1].attrs.is_empty());
    }

    /// `run_ids` gives `word_ids`' ids and dictionary, whatever the runs: texts repeated in
    /// runs and apart, padded, empty, null, and a dictionary-encoded column.
    #[test]
    fn run_ids_are_word_ids() {
        let cells =
            [Some("A1"), Some("A1"), Some(" A1"), None, None, Some(""), Some("A2"), Some("A1"), Some("A2 "), Some("A2"), None, Some("B")];
        let flat: ArrayRef = Arc::new(StringArray::from(cells.to_vec()));
        let dict: ArrayRef = Arc::new(cells.iter().copied().collect::<DictionaryArray<Int32Type>>());
        for a in [flat, dict] {
            let c = Strs::of(&a).unwrap();
            let (mut w1, mut w2, mut o1, mut o2) = (Words::default(), Words::default(), vec![7], vec![7]);
            w1.id(Some("P0"));
            w2.id(Some("P0"));
            run_ids(Some(&c), cells.len(), &mut w1, &mut o1);
            word_ids(Some(&c), cells.len(), &mut w2, &mut o2);
            assert_eq!(o1, o2);
            assert_eq!(w1.values().collect::<Vec<_>>(), w2.values().collect::<Vec<_>>());
            assert_eq!(o1[1..].iter().filter(|&&i| i == 0).count(), 4, "null and empty are no value");
        }
        let (mut w, mut o) = (Words::default(), Vec::new());
        run_ids(None, 3, &mut w, &mut o);
        assert_eq!(o, [0, 0, 0]);
    }

    #[test]
    fn same_texts_are_same() {
        let texts = [
            "",
            "A",
            "AB",
            "ABC",
            "ABCD",
            "ABCE",
            "ABCDEFG",
            "ABCDEFH",
            "XBCDEFG",
            "ABCDEFGH",
            "ABCDEFGI",
            "ABCDEFGHIJKLMNOP",
            "ABCDEFGHIJKLMNOQ",
            "ABCDEFGHIJKLMNOPQ",
            "ABCDEFGHIJKLMNOPR",
        ];
        let all: Vec<Option<&str>> = std::iter::once(None).chain(texts.iter().map(|t| Some(*t))).collect();
        for a in &all {
            for b in &all {
                assert_eq!(same(*a, *b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn what_the_row_path_would_refuse_is_not_read() {
        let b = batch();
        let with = |name: &str, a: ArrayRef| {
            let others: Vec<usize> = (0..b.num_columns()).filter(|&i| b.schema().field(i).name() != name).collect();
            crate::arrow::with_column(&b.project(&others).unwrap(), name, a)
        };
        let bad = [
            with("account_id", Arc::new(StringArray::from(vec![Some("A1"), Some(" "), Some("A3")]))),
            with("month", Arc::new(StringArray::from(vec!["2025-01"; 3]))),
            with("month", Arc::new(Date32Array::from(vec![Some(1), None, Some(2)]))),
            with("mrr", Arc::new(Int64Array::from(vec![Some(1), Some(-2), Some(3)]))),
            with("mrr", Arc::new(Int64Array::from(vec![Some(1), None, Some(3)]))),
            with("mrr", Arc::new(arrow_array::Float64Array::from(vec![1.5; 3]))),
            with("currency", Arc::new(StringArray::from(vec![Some("USD"), Some("dollars"), Some("USD")]))),
            with("currency", Arc::new(StringArray::from(vec![Some("USD"), None, Some("USD")]))),
            // one code in every row, read once: refused as a whole when bad
            with("currency", Arc::new(StringArray::from(vec![Some(" dollars"); 3]))),
            b.project(&[0, 1, 2]).unwrap(),
        ];
        for b in bad {
            assert!(append_subscriptions(&mut Subscriptions::default(), &b, &b, &[]).is_none(), "{:?}", b.schema());
        }
    }
}
