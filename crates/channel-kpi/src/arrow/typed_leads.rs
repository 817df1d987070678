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

use super::columns::{Flat, Strs};
use super::typed_deals::{Days, ShortMemo, append_ids, dates, fill_attrs, parsed, push_dates, push_required_dates, text, texts, word_ids};
use crate::domain::{Channel, Leads, OptionalTexts, Words};
use arrow_array::{Array, GenericStringArray, OffsetSizeTrait, RecordBatch};
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
    let run = match c {
        Some(Strs::Flat(Flat::Utf8(a))) => trimmed_run(a, n, out),
        Some(Strs::Flat(Flat::Large(a))) => trimmed_run(a, n, out),
        _ => None,
    };
    if run.is_some() {
        return;
    }
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

/// [`optional_texts`] of an offsets layout whose texts need no trimming (each non-empty one
/// starts and ends with an ASCII graphic byte) and whose null rows are empty — a column as
/// tools write it: rows `0..n` appended as one copy of their bytes and an end per row
/// ([`OptionalTexts::push_run`]), where each row with a text was copied alone (a `memcpy`
/// call and a bounds check each; ~100 instructions a linked lead). A run of null rows is
/// checked empty by its first and last offsets and filled at once. `None` (nothing appended)
/// for any other column, which is then read row by row.
fn trimmed_run<O: OffsetSizeTrait>(a: &GenericStringArray<O>, n: usize, out: &mut OptionalTexts) -> Option<()> {
    let offsets = a.value_offsets().get(..=n)?;
    let data = a.value_data();
    let first = offsets[0].as_usize();
    let at = |i: usize| offsets[i].as_usize() - first;
    let texts = std::str::from_utf8(data.get(first..offsets[n].as_usize())?).ok()?;
    let graphic = |at: usize| texts.as_bytes().get(at).is_some_and(u8::is_ascii_graphic);
    let mut clean = true;
    let valid_rows: Box<dyn Iterator<Item = usize>> = match a.nulls() {
        Some(nulls) => Box::new(nulls.valid_indices().take_while(|&i| i < n)),
        None => Box::new(0..n),
    };
    out.push_run(texts, |ends| {
        let mut next = 0;
        for i in valid_rows {
            // the null rows next..i, empty when their offsets do not move
            clean &= at(next) == at(i);
            ends.absent(i - next, at(i));
            let (start, end) = (at(i), at(i + 1));
            if end > start {
                clean &= graphic(start) & graphic(end - 1);
                ends.text(end);
            } else {
                ends.absent(1, end);
            }
            next = i + 1;
        }
        clean &= at(next) == at(n);
        ends.absent(n - next, at(n));
        clean
    });
    clean.then_some(())
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
    fn linked_deal_ids_read_at_once_or_row_by_row_are_the_same() {
        use arrow_buffer::{NullBuffer, OffsetBuffer};
        let read = |a: StringArray| {
            let a: ArrayRef = Arc::new(a);
            let mut out = OptionalTexts::default();
            out.push(Some("D0"));
            optional_texts(Strs::of(&a).as_ref(), a.len(), &mut out);
            (0..out.len()).map(|i| out.get(i).map(str::to_owned)).collect::<Vec<_>>()
        };
        let some = |s: &str| Some(s.to_owned());
        let clean = StringArray::from(vec![None, Some("D9"), Some(""), Some("D10"), None]);
        assert_eq!(read(clean), [some("D0"), None, some("D9"), None, some("D10"), None]);
        let padded = StringArray::from(vec![Some(" D9"), None, Some("D1 "), Some("  ")]);
        assert_eq!(read(padded), [some("D0"), some("D9"), None, some("D1"), None]);
        // a null row holding bytes (allowed by Arrow): not one of the run's texts
        let values = "D1xxD2";
        let held = StringArray::new(
            OffsetBuffer::from_lengths([2, 2, 2]),
            arrow_buffer::Buffer::from_slice_ref(values.as_bytes()),
            Some(NullBuffer::from(vec![true, false, true])),
        );
        assert_eq!(read(held), [some("D0"), some("D1"), None, some("D2")]);
        let sliced = StringArray::from(vec![Some("D7"), None, Some("D8")]).slice(1, 2);
        assert_eq!(read(sliced), [some("D0"), None, some("D8")]);
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
