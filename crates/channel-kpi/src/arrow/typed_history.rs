//! Stage-history tables whose columns have their natural Arrow types (`entered_on` as `date32`,
//! texts as strings of any layout) read straight into stage entries of known deals, without
//! rendering each cell as text and parsing it back: the stage history's shortcut of the
//! loader's row conversion (`load::stage_entry_from_row` through the identity mapping).
//!
//! The rules are those of `typed_deals.rs`: [`append_history`] reads a clean table and returns
//! `None` at the first thing it does not read exactly like the row path — a column of another
//! type (a date as text), a missing deal id, stage or date, or a deal id no loaded deal has.
//! The loader then reads the whole table through the row path, which reports errors with their
//! row, column and value as always.
//!
//! ```text
//! deal_id    stage      entered_on
//! utf8|dict  utf8|dict  date32
//! ```

use super::typed_deals::{Days, date, dates, text, texts};
use crate::domain::StageEntry;
use arrow_array::RecordBatch;

/// Appends the stage entries of `batch` to `out`, each with the index of its deal
/// (`deal_of(id)`, `None` for an id no deal has); `None` (with `out` possibly holding some
/// of the rows: the caller truncates) when a column or a value is not one this shortcut reads
/// exactly like the row path.
pub(crate) fn append_history(
    batch: &RecordBatch,
    mut deal_of: impl FnMut(&str) -> Option<usize>,
    out: &mut Vec<(usize, StageEntry)>,
) -> Option<()> {
    let b = batch;
    let (deal, stage, entered) = (texts(b, "deal_id")??, texts(b, "stage")??, dates(b, "entered_on")??);
    let mut days = Days::new();
    out.reserve(b.num_rows());
    for i in 0..b.num_rows() {
        let d = deal_of(text(Some(&deal), i)?)?;
        let stage = text(Some(&stage), i)?.to_string();
        out.push((d, StageEntry { stage, entered_on: date(Some(entered), i, &mut days)?? }));
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::types::Int32Type;
    use arrow_array::{ArrayRef, Date32Array, DictionaryArray, StringArray};
    use std::sync::Arc;

    fn batch(deals: Vec<Option<&str>>, stages: Vec<Option<&str>>, days: Vec<Option<i32>>) -> RecordBatch {
        let stage: DictionaryArray<Int32Type> = stages.into_iter().collect();
        RecordBatch::try_from_iter([
            ("deal_id", Arc::new(StringArray::from(deals)) as ArrayRef),
            ("stage", Arc::new(stage) as ArrayRef),
            ("entered_on", Arc::new(Date32Array::from(days)) as ArrayRef),
        ])
        .unwrap()
    }

    fn deal_of(id: &str) -> Option<usize> {
        ["D1", "D2"].iter().position(|d| *d == id)
    }

    #[test]
    fn entries_of_known_deals_are_read_as_the_row_path_reads_them() {
        let mut out = Vec::new();
        append_history(
            &batch(vec![Some("D2"), Some(" D1 ")], vec![Some(" Qualify"), Some("Won")], vec![Some(20_000), Some(20_010)]),
            deal_of,
            &mut out,
        )
        .unwrap();
        let day = |n: i32| arrow_array::types::Date32Type::to_naive_date_opt(n).unwrap();
        assert_eq!(
            out,
            vec![
                (1, StageEntry { stage: "Qualify".into(), entered_on: day(20_000) }),
                (0, StageEntry { stage: "Won".into(), entered_on: day(20_010) })
            ]
        );
    }

    #[test]
    fn what_the_row_path_would_refuse_or_name_is_not_read() {
        for b in [
            batch(vec![Some("D1"), Some("D9")], vec![Some("Won"); 2], vec![Some(1); 2]),
            batch(vec![Some("D1"), None], vec![Some("Won"); 2], vec![Some(1); 2]),
            batch(vec![Some("D1"); 2], vec![Some("Won"), Some(" ")], vec![Some(1); 2]),
            batch(vec![Some("D1"); 2], vec![Some("Won"); 2], vec![Some(1), None]),
        ] {
            assert!(append_history(&b, deal_of, &mut Vec::new()).is_none(), "{b:?}");
        }
    }
}
