//! Leads tables whose columns have their natural Arrow types (dates as `date32`, texts as
//! strings of any layout) read straight into the columns of [`Leads`], without rendering each
//! cell as text and parsing it back: the leads' shortcut of the loader's row conversion
//! (`load::lead_from_row` through the identity mapping).
//!
//! The rules are those of `typed_deals.rs`: [`append_leads`] reads a clean table and returns
//! `None` at the first thing it does not read exactly like the row path — a column of another
//! type (a date as text, say), an empty lead id, a missing creation date, an unknown channel, an
//! attr column of a type the row path refuses. The loader then reads the whole table through
//! the row path, which reports errors with their row, column and value as always.
//!
//! ```text
//! lead_id  created_on  channel  source   partner_id  deal_id  won_on      region
//! utf8     date32      utf8     dict     utf8        utf8     date32      utf8 (an attr)
//! ```

use super::columns::Strs;
use super::typed_deals::{Days, ShortMemo, append_ids, dates, fill_attrs, parsed, push_dates, push_required_dates, text, texts, word_ids};
use crate::domain::{Channel, Leads, OptionalTexts, Words};
use arrow_array::RecordBatch;
use std::str::FromStr;

/// Appends every row of `batch` to `leads`, read as the row path reads them, with the attrs of
/// the columns `attrs` of `table` (the table `batch` was mapped from: the same rows; each
/// column read as `typed_deals::append_attrs` reads one); `None` (with `leads` possibly holding
/// some of the rows: the caller truncates) when a column or a value is not one this shortcut
/// reads exactly like the row path.
///
/// Column by column into the columns of [`Leads`]: ids copied as one buffer when clean, linked
/// deal ids copied row by row, the other texts through the dictionary (once per dictionary value for dictionary-encoded columns), each
/// distinct channel text parsed once.
pub(crate) fn append_leads(leads: &mut Leads, batch: &RecordBatch, table: &RecordBatch, attrs: &[&str]) -> Option<()> {
    let b = batch;
    let ids = texts(b, "lead_id")??;
    let created = dates(b, "created_on")??;
    let (channel, source, partner, deal) = (texts(b, "channel")?, texts(b, "source")?, texts(b, "partner_id")?, texts(b, "deal_id")?);
    let won = dates(b, "won_on")?;
    let (n, start) = (b.num_rows(), leads.len());
    let l = leads;
    append_ids(&mut l.ids, &mut l.id_end, &ids, n)?;
    channels(channel.as_ref(), n, &mut l.channel)?;
    for (c, out) in [(&source, &mut l.source), (&partner, &mut l.partner)] {
        few_word_ids(c.as_ref(), n, &mut l.words, out);
    }
    optional_texts(deal.as_ref(), n, &mut l.deal);
    let mut days = Days::new();
    push_required_dates(created, n, &mut days, &mut l.created_on)?;
    push_dates(won, n, &mut days, &mut l.won_on)?;
    fill_attrs(&mut l.attrs, start, table, attrs)
}

/// [`word_ids`] (the same ids appended to `out`), for a plain text column through a memo of 64
/// slots in front of `words`: each short text found again by its bytes as one integer
/// ([`Flat::short_key_blocks`](super::columns::Flat::short_key_blocks): one compare) — for the few distinct
/// texts of a lead's source or partner column (the map `word_ids` hashes and probes per row was
/// a quarter of reading 10 M leads). A text of 16 bytes or more, and a text whose slot another
/// one took, is looked up in `words`.
fn few_word_ids(c: Option<&Strs>, n: usize, words: &mut Words, out: &mut Vec<u32>) {
    let Some(Strs::Flat(f)) = c else { return word_ids(c, n, words, out) };
    out.reserve(n);
    let mut memo = ShortMemo::new(0u32);
    let word = |words: &mut Words, i: usize| words.id(f.get(i).map(str::trim).filter(|s| !s.is_empty()));
    let mut ids = [0u32; 64];
    let mut miss = |_, i| word(words, i);
    f.short_key_blocks(n, |start, keys| {
        for ((id, i), &key) in ids.iter_mut().zip(start..).zip(keys) {
            *id = memo.get(key, i, &mut miss);
        }
        out.extend_from_slice(&ids[..keys.len()]);
        Some(())
    });
}

/// The channels of a text column's `n` rows appended to `out`, as `parsed` reads them (trimmed,
/// `None` where empty or absent; `None` returned at a text no channel has).
fn channels(c: Option<&Strs>, n: usize, out: &mut Vec<Option<Channel>>) -> Option<()> {
    parsed(c, n, out, |s: Option<&str>| s.map(Channel::from_str).transpose().ok())
}

/// The trimmed, non-empty texts of a text column's `n` rows ([`text`]) appended to `out`
/// (`None` where absent): linked deal ids nearly never repeat, so they are copied, not
/// interned. A plain column with nulls is read by its validity (9 in 10 leads have no deal):
/// each run of null rows added at once ([`OptionalTexts::push_absent`]), each valid row read
/// ([`super::columns::Flat::nulls`]: the valid rows found 64 at a time, not asked one by one —
/// 41 → ~8 instructions a lead on 10 M leads).
fn optional_texts(c: Option<&Strs>, n: usize, out: &mut OptionalTexts) {
    out.reserve(n);
    match c {
        None => out.push_absent(n),
        Some(Strs::Flat(f)) => match f.nulls() {
            Some(nulls) => {
                let mut next = 0;
                for i in nulls.valid_indices().take_while(|&i| i < n) {
                    out.push_absent(i - next);
                    out.push(text(c, i));
                    next = i + 1;
                }
                out.push_absent(n - next);
            }
            None => (0..n).for_each(|i| out.push(text(c, i))),
        },
        _ => (0..n).for_each(|i| out.push(text(c, i))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Date32Array, DictionaryArray, Int64Array, StringArray, types::Int32Type};
    use arrow_schema::DataType;
    use std::sync::Arc;

    fn batch() -> RecordBatch {
        let text = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
        let source: DictionaryArray<Int32Type> = vec![Some("webinar "), None, Some("ads")].into_iter().collect();
        RecordBatch::try_from_iter([
            ("lead_id", text(vec![Some("L1"), Some(" L2"), Some("L3")])),
            ("created_on", Arc::new(Date32Array::from(vec![20_000, 20_001, 20_002])) as ArrayRef),
            ("channel", text(vec![Some("paid"), None, Some(" owned ")])),
            ("source", Arc::new(source) as ArrayRef),
            ("deal_id", text(vec![None, Some("D9"), Some("")])),
            ("won_on", Arc::new(Date32Array::from(vec![None, Some(20_010), None])) as ArrayRef),
            ("score", Arc::new(Int64Array::from(vec![Some(5), None, Some(7)])) as ArrayRef),
        ])
        .unwrap()
    }

    #[test]
    fn leads_are_read_as_the_row_path_reads_them() {
        let mut columns = Leads::default();
        append_leads(&mut columns, &batch(), &batch(), &["score", "absent"]).unwrap();
        let leads = columns.to_vec();
        let day = |n: i32| arrow_array::types::Date32Type::to_naive_date_opt(n).unwrap();
        assert_eq!(leads.len(), 3);
        assert_eq!((leads[1].id.as_str(), leads[1].created_on, leads[1].channel), ("L2", day(20_001), None));
        assert_eq!(leads[0].channel, Some(Channel::Paid));
        assert_eq!(leads[2].channel, Some(Channel::Owned));
        assert_eq!(leads[0].source.as_deref(), Some("webinar"));
        assert_eq!(leads[1].source, None);
        assert_eq!((leads[1].deal_id.as_deref(), leads[1].won_on), (Some("D9"), Some(day(20_010))));
        assert_eq!(leads[2].deal_id, None, "an empty cell is no value");
        assert_eq!(leads[0].attrs.get("score").map(String::as_str), Some("5"));
        assert!(leads[1].attrs.is_empty());
        assert_eq!(leads[0].partner_id, None);
    }

    #[test]
    fn what_the_row_path_would_refuse_is_not_read() {
        let b = batch();
        let with = |name: &str, a: ArrayRef| crate::arrow::with_column(&b.project(&[0, 1]).unwrap(), name, a);
        let bad = [
            with("channel", Arc::new(StringArray::from(vec!["paid", "tv", "owned"]))),
            crate::arrow::with_column(&b.project(&[1]).unwrap(), "lead_id", Arc::new(StringArray::from(vec!["L1", " ", "L3"]))),
            crate::arrow::with_column(&b.project(&[0]).unwrap(), "created_on", Arc::new(StringArray::from(vec!["2025-01-01"; 3]))),
            crate::arrow::with_column(&b.project(&[0]).unwrap(), "created_on", Arc::new(Date32Array::from(vec![Some(1), None, Some(2)]))),
        ];
        for b in bad {
            assert!(append_leads(&mut Leads::default(), &b, &b, &[]).is_none(), "{:?}", b.schema());
        }
        let listed =
            with("tags", Arc::new(arrow_array::ListArray::new_null(Arc::new(arrow_schema::Field::new("item", DataType::Utf8, true)), 3)));
        assert!(append_leads(&mut Leads::default(), &listed, &listed, &["tags"]).is_none(), "an attr of a refused type");
    }
}
