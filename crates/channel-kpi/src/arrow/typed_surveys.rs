//! Survey tables whose columns have their natural Arrow types (dates as `date32`, scores as
//! `decimal128` or integers, scales as integers, texts as strings of any layout) read straight
//! into the columns of [`Surveys`], without rendering each cell as text and parsing it back:
//! the surveys' shortcut of the loader's row conversion (`load::survey_from_row` through the
//! identity mapping).
//!
//! The rules are those of `typed_deals.rs`: [`append_surveys`] reads a clean table and returns
//! `None` at the first thing it does not read exactly like the row path — a column of another
//! type (a score as text or float, a date as text), a missing kind, score or date, an unknown
//! kind or topic, a scale that is not a whole number ≥ 0, an answer
//! [`crate::SurveyResponse::validate`] refuses (a score off its scale …), an attr column of a
//! type the row path refuses. The loader then reads the whole table through the row path,
//! which reports errors with their row, column and value as always.
//!
//! ```text
//! survey_id  kind  topic  scale  score          submitted_on  respondent  partner_id  region
//! utf8       dict  dict   int32  decimal128(4,1) date32       utf8        dict        utf8 (an attr)
//! ```

use super::columns::Amounts;
use super::typed_deals::{Days, amounts, append_ids, dates, fill_attrs, parsed, push_required_dates, text, texts, word_ids};
use crate::domain::{SurveyKind, SurveyTopic, Surveys};
use arrow_array::RecordBatch;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Appends every row of `batch` to `surveys`, read as the row path reads them, with the attrs
/// of the columns `attrs` of `table` (the table `batch` was mapped from: the same rows; each
/// column read as `typed_deals::append_attrs` reads one); `None` (with `surveys` possibly
/// holding some of the rows: the caller truncates) when a column or a value is not one this
/// shortcut reads exactly like the row path.
///
/// Column by column into the columns of [`Surveys`]: ids copied as one buffer when clean,
/// respondents and partners through the dictionary (once per dictionary value for
/// dictionary-encoded columns), each distinct kind and topic text parsed once, then the new
/// answers checked as [`crate::SurveyResponse::validate`] checks one.
pub(crate) fn append_surveys(surveys: &mut Surveys, batch: &RecordBatch, table: &RecordBatch, attrs: &[&str]) -> Option<()> {
    let b = batch;
    let ids = texts(b, "survey_id")?;
    let (kind, topic, respondent, partner) = (texts(b, "kind")??, texts(b, "topic")?, texts(b, "respondent")?, texts(b, "partner_id")?);
    let submitted = dates(b, "submitted_on")??;
    let number = |name: &str| match b.column_by_name(name) {
        None => Some(Amounts::None),
        Some(a) => amounts(a),
    };
    let (scale, score) = (number("scale")?, number("score")?);
    if scale.scale() != 0 {
        return None; // `5.0` is not a whole number to the row path
    }
    let (n, start) = (b.num_rows(), surveys.len());
    let s = surveys;
    // ids: optional, so an empty one is no id (the clean copy refuses it: read row by row)
    let (buf, ends) = (s.ids.len(), s.id_end.len());
    match &ids {
        None => {
            s.id_end.resize(ends + n, buf);
            s.has_id.resize(ends + n, false);
        }
        Some(ids) if append_ids(&mut s.ids, &mut s.id_end, ids, n).is_some() => s.has_id.resize(ends + n, true),
        Some(ids) => {
            s.ids.truncate(buf);
            s.id_end.truncate(ends);
            for i in 0..n {
                let id = text(Some(ids), i);
                s.ids.push_str(id.unwrap_or_default());
                s.id_end.push(s.ids.len());
                s.has_id.push(id.is_some());
            }
        }
    }
    parsed(Some(&kind), n, &mut s.kind, |k| SurveyKind::from_str(k?).ok())?;
    parsed(topic.as_ref(), n, &mut s.topic, |t| t.map(SurveyTopic::from_str).transpose().ok())?;
    for (c, out) in [(&respondent, &mut s.respondent), (&partner, &mut s.partner)] {
        word_ids(c.as_ref(), n, &mut s.words, out);
    }
    let kinds = &s.kind[start..];
    s.scale.reserve(n);
    scale.each(n, |i, raw| {
        s.scale.push(match raw {
            Some(raw) => u32::try_from(raw).ok()?,
            None if kinds[i] == SurveyKind::Nps => 10,
            None => 5,
        });
        Some(())
    })?;
    let places = score.scale();
    s.score.reserve(n);
    score.each(n, |_, raw| {
        s.score.push(Decimal::try_from_i128_with_scale(raw?, places).ok()?);
        Some(())
    })?;
    push_required_dates(submitted, n, &mut Days::new(), &mut s.submitted_on)?;
    if !s.all_valid(start..start + n) {
        return None;
    }
    fill_attrs(&mut s.attrs, start, table, attrs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Date32Array, Decimal128Array, DictionaryArray, Int32Array, Int64Array, StringArray, types::Int32Type};
    use std::sync::Arc;

    fn batch() -> RecordBatch {
        let text = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
        let kind: DictionaryArray<Int32Type> = vec![Some("csat"), Some(" NPS"), Some("partner satisfaction")].into_iter().collect();
        let score = Decimal128Array::from(vec![45, 90, 35]).with_precision_and_scale(4, 1).unwrap();
        RecordBatch::try_from_iter([
            ("survey_id", text(vec![Some("S1"), None, Some(" S3 ")])),
            ("kind", Arc::new(kind) as ArrayRef),
            ("topic", text(vec![None, Some(""), Some("Rewards")])),
            ("scale", Arc::new(Int32Array::from(vec![Some(5), None, None])) as ArrayRef),
            ("score", Arc::new(score) as ArrayRef),
            ("submitted_on", Arc::new(Date32Array::from(vec![20_000, 20_001, 20_002])) as ArrayRef),
            ("partner_id", text(vec![Some("P1"), Some(" P1"), None])),
            ("seats", Arc::new(Int64Array::from(vec![Some(5), None, Some(7)])) as ArrayRef),
        ])
        .unwrap()
    }

    #[test]
    fn answers_are_read_as_the_row_path_reads_them() {
        let mut columns = Surveys::default();
        append_surveys(&mut columns, &batch(), &batch(), &["seats", "absent"]).unwrap();
        let s = columns.to_vec();
        let day = |n: i32| arrow_array::types::Date32Type::to_naive_date_opt(n).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].id.as_deref(), s[1].id.as_deref(), s[2].id.as_deref()), (Some("S1"), None, Some("S3")));
        assert_eq!((s[0].kind, s[1].kind, s[2].kind), (SurveyKind::Csat, SurveyKind::Nps, SurveyKind::PartnerSatisfaction));
        assert_eq!((s[0].topic, s[1].topic, s[2].topic), (None, None, Some(SurveyTopic::Rewards)));
        assert_eq!((s[0].scale, s[1].scale, s[2].scale), (5, 10, 5), "NPS defaults to 10, the others to 5");
        assert_eq!((s[0].score.to_string(), s[1].score.to_string()), ("4.5".into(), "9.0".into()));
        assert_eq!(s[2].submitted_on, day(20_002));
        assert_eq!((s[0].partner_id.as_deref(), s[1].partner_id.as_deref(), s[2].partner_id.as_deref()), (Some("P1"), Some("P1"), None));
        assert_eq!((s[0].attrs.get("seats").map(String::as_str), s[1].attrs.is_empty()), (Some("5"), true));
    }

    #[test]
    fn what_the_row_path_would_refuse_is_not_read() {
        let b = batch();
        let with = |name: &str, a: ArrayRef| {
            let keep: Vec<usize> = (0..b.num_columns()).filter(|&i| b.schema().field(i).name() != name).collect();
            crate::arrow::with_column(&b.project(&keep).unwrap(), name, a)
        };
        let bad = [
            with("kind", Arc::new(StringArray::from(vec!["csat", "cast", "nps"]))),
            with("kind", Arc::new(StringArray::from(vec![Some("csat"), None, Some("nps")]))),
            with("topic", Arc::new(StringArray::from(vec!["rewards", "pay", "other"]))),
            with("scale", Arc::new(Int32Array::from(vec![5, -1, 5]))),
            with("scale", Arc::new(Decimal128Array::from(vec![50, 100, 50]).with_precision_and_scale(4, 1).unwrap())),
            with("score", Arc::new(StringArray::from(vec!["4", "9", "3"]))),
            with("score", Arc::new(Int64Array::from(vec![Some(4), None, Some(3)]))),
            with("score", Arc::new(Int64Array::from(vec![4, 11, 3]))),
            with("submitted_on", Arc::new(StringArray::from(vec!["2025-01-01"; 3]))),
            with("submitted_on", Arc::new(Date32Array::from(vec![Some(1), None, Some(2)]))),
        ];
        for b in bad {
            assert!(append_surveys(&mut Surveys::default(), &b, &b, &[]).is_none(), "{:?}", b.schema());
        }
    }
}
