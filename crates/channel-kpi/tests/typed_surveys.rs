//! A surveys table with typed columns read through the loader's shortcut
//! (`arrow/typed_surveys.rs`) gives the dataset, report and errors of the row path: the same
//! table read row by row (`LoadOptions::row_path_only`) is the oracle — in memory and as a
//! Parquet file, in the canonical format and through a mapping (renamed columns, a kind value
//! map, a topic default). Tables mix clean rows with padded and mixed-case texts, absent and
//! empty ids, repeated ids (kept: answers need no unique id), nulls, dictionary columns, text
//! and number columns kept as attrs, and bad rows (no kind, no date, an unknown kind or topic,
//! a score off its scale, an NPS answer on a 1–5 scale, a negative scale, no score), whole or
//! in several batches.
#![cfg(feature = "arrow")]
#![allow(clippy::result_large_err)]

mod common;

use arrow_array::{ArrayRef, Date32Array, Decimal128Array, Int32Array, Int64Array, RecordBatch};
use channel_kpi::load::{LoadOptions, Mapping, RecordKind};
use channel_kpi::{Dimension, Metric, Period, Query, SurveyKind};
use common::Loaded;
use proptest::prelude::*;
use std::sync::Arc;

/// One generated answer: id (0: none, 1: empty, 2: padded, else `S{n}`), submitted (days after
/// 2024-10-04), kind text, topic text, whether the scale is given, score (tenths of a point on
/// the answer's scale, before clamping), partner, respondent, region attr, seats attr, trouble
/// (0: none; 1: no kind; 2: no date; 3: unknown kind; 4: unknown topic; 5: score off the
/// scale; 6: NPS on a 1–5 scale; 7: a negative scale; 8: no score; 9: a CSAT scale of 7, which
/// the query refuses).
type Gen = (u16, u16, u8, Option<u8>, bool, u16, Option<u8>, Option<u8>, Option<u8>, Option<i64>, u8);

const KINDS: [&str; 6] = ["csat", " NPS", "partner_satisfaction", "Partner Satisfaction ", "CSAT", "nps"];
const TOPICS: [&str; 6] = ["rewards", " Training", "", "other", "SUPPORT ", "communications"];
const REGIONS: [&str; 4] = ["EMEA", " APAC ", "", "emea"];

/// What `kind` text `k` is.
fn kind_of(k: u8) -> SurveyKind {
    KINDS[k as usize % KINDS.len()].trim().parse().unwrap()
}

fn table(rows: &[Gen], dictionary: bool, batches: usize) -> Vec<RecordBatch> {
    let s = |v: Vec<Option<String>>| common::text_column(v, dictionary);
    let day0 = 20000;
    let ids = rows
        .iter()
        .map(|r| match r.0 % 17 {
            0 => None,
            1 => Some(" ".to_string()),
            2 => Some(format!(" S{} ", r.0)),
            _ => Some(format!("S{}", r.0)),
        })
        .collect();
    let kinds = rows
        .iter()
        .map(|r| match r.10 {
            1 => None,
            3 => Some("cast".to_string()),
            _ => Some(KINDS[r.2 as usize % KINDS.len()].to_string()),
        })
        .collect();
    let topics =
        rows.iter().map(|r| if r.10 == 4 { Some("pay".into()) } else { r.3.map(|t| TOPICS[t as usize % TOPICS.len()].into()) }).collect();
    let scale = |r: &Gen| -> Option<i32> {
        let nps = kind_of(r.2) == SurveyKind::Nps && r.10 != 3 && r.10 != 1;
        match r.10 {
            6 if nps => Some(5),
            7 => Some(-1),
            9 if !nps => Some(7),
            _ => r.4.then_some(if nps { 10 } else { 5 }),
        }
    };
    let score = |r: &Gen| -> Option<i128> {
        let nps = kind_of(r.2) == SurveyKind::Nps;
        let tenths = if nps { i128::from(r.5 % 101) } else { 10 + i128::from(r.5 % 41) };
        match r.10 {
            5 => Some(if nps { 105 } else { 55 }),
            8 => None,
            _ => Some(tenths),
        }
    };
    let submitted: Vec<Option<i32>> = rows.iter().map(|r| (r.10 != 2).then_some(day0 + i32::from(r.1))).collect();
    let pick = |v: Option<u8>, texts: &[&str]| v.map(|i| texts[i as usize % texts.len()].to_string());
    let scores = Decimal128Array::from(rows.iter().map(score).collect::<Vec<_>>()).with_precision_and_scale(4, 1).unwrap();
    let whole = RecordBatch::try_from_iter([
        ("survey_id", s(ids)),
        ("kind", s(kinds)),
        ("topic", s(topics)),
        ("scale", Arc::new(Int32Array::from(rows.iter().map(scale).collect::<Vec<_>>())) as ArrayRef),
        ("score", Arc::new(scores) as ArrayRef),
        ("submitted_on", Arc::new(Date32Array::from(submitted)) as ArrayRef),
        ("partner_id", s(rows.iter().map(|r| r.6.map(|p| if p % 5 == 0 { format!(" P{p} ") } else { format!("P{}", p % 7) })).collect())),
        ("respondent", s(rows.iter().map(|r| r.7.map(|p| format!("A{}", p % 9))).collect())),
        ("region", s(rows.iter().map(|r| pick(r.8, &REGIONS)).collect())),
        ("seats", Arc::new(Int64Array::from(rows.iter().map(|r| r.9).collect::<Vec<_>>())) as ArrayRef),
    ])
    .unwrap();
    let n = whole.num_rows();
    let per = n.div_ceil(batches.max(1)).max(1);
    (0..n).step_by(per).map(|at| whole.slice(at, per.min(n - at))).collect()
}

fn load_as(batches: &[RecordBatch], mapping: &Mapping, collect: bool, row_path_only: bool) -> Loaded {
    let opts = LoadOptions { collect_errors: collect, row_path_only, ..LoadOptions::default() };
    common::load_table(RecordKind::Surveys, "surveys", batches, vec![], mapping, &opts)
}

/// The same rows as a Parquet file (row groups of `group` rows), loaded from disk.
#[cfg(feature = "parquet")]
fn load_parquet(batches: &[RecordBatch], group: usize, mapping: &Mapping, collect: bool, row_path_only: bool) -> Loaded {
    let opts = LoadOptions { collect_errors: collect, row_path_only, ..LoadOptions::default() };
    common::load_parquet_table((RecordKind::Surveys, "surveys"), batches, group, vec![], mapping, &opts)
}

/// The satisfaction KPIs by quarter and partner, by the region attr, and by topic.
fn queries() -> Vec<Query> {
    let q = || Query::new(vec![Metric::PartnerCsat, Metric::PartnerSatisfaction], Period::parse("2025").unwrap());
    vec![q().by(Dimension::Partner), q().by(Dimension::Attr("region".into())).rollup(), q().by(Dimension::Attr("topic".into()))]
}

fn same(fast: Loaded, slow: Loaded) -> Result<(), TestCaseError> {
    common::same(fast, slow, &queries())
}

/// The canonical names renamed (`survey_id` → `Response`, `submitted_on` → `Answered`), read
/// through a mapping that renames them back, maps kind values and defaults the topic; attrs
/// `"all"`, a list (naming a canonical field, which is not an attr), or none.
fn mapped(batches: &[RecordBatch], variant: u8) -> (Vec<RecordBatch>, Mapping) {
    let rename = |n: &str| match n {
        "survey_id" => "Response".to_string(),
        "submitted_on" => "Answered".to_string(),
        n => n.to_string(),
    };
    let renamed = common::renamed(batches, rename);
    let attrs = [r#""all""#, r#"["region", "score", "seats"]"#, r#""none""#][variant as usize % 3];
    let m = Mapping::from_json_str(&format!(
        r#"{{"surveys": {{"columns": {{"survey_id": "Response", "submitted_on": "Answered"}},
            "values": {{"kind": {{"cast": "csat", "CSAT": "Csat"}}}}, "defaults": {{"topic": "other"}}, "attrs": {attrs}}}}}"#
    ))
    .unwrap();
    (renamed, m)
}

fn gen_row() -> impl Strategy<Value = Gen> {
    (
        0u16..300,
        0u16..500,
        0u8..6,
        proptest::option::of(0u8..6),
        any::<bool>(),
        0u16..1000,
        proptest::option::weighted(0.9, 0u8..20),
        proptest::option::weighted(0.5, 0u8..20),
        proptest::option::weighted(0.7, 0u8..4),
        proptest::option::weighted(0.5, -3i64..100),
        prop_oneof![40 => Just(0u8), 1 => 1u8..10],
    )
}

/// `rows` made clean (no trouble) but for `trouble` in row `at`.
fn one_trouble(mut rows: Vec<Gen>, trouble: u8, at: usize) -> Vec<Gen> {
    rows.iter_mut().for_each(|r| r.10 = 0);
    let n = rows.len();
    rows[at % n].10 = trouble;
    rows
}

common::typed_reader_proptests!(troubles: 0u8..10);

/// A clean table big enough to be read on every core (one run of rows per thread, each into
/// its own answers, appended in order): every field, in row order, as the row path reads it,
/// and the same results.
#[test]
fn a_big_table_read_in_parts_keeps_every_answer_in_order() {
    let rows: Vec<Gen> = (0..150_000u32)
        .map(|i| {
            let k = (i % 251) as u8;
            (
                (i % 300) as u16,
                (i % 500) as u16,
                k % 6,
                Some(k),
                k.is_multiple_of(2),
                (i % 997) as u16,
                Some(k % 20),
                Some(k),
                Some(k),
                Some(i64::from(k)),
                0,
            )
        })
        .collect();
    let t = table(&rows, false, 3);
    let (fast, report) = load_as(&t, &Mapping::default(), false, false).unwrap();
    let (slow, _) = load_as(&t, &Mapping::default(), false, true).unwrap();
    assert_eq!(fast.surveys.len(), 150_000);
    assert_eq!(format!("{:?}", fast.surveys), format!("{:?}", slow.surveys));
    assert_eq!((fast.surveys.id(3), fast.surveys.id(0), fast.surveys.attr(7, "seats")), (Some("S3"), None, Some("7")));
    assert_eq!(report.files[0].rows_loaded, 150_000);
    for q in queries() {
        assert_eq!(fast.run(&q).unwrap(), slow.run(&q).unwrap());
    }
}
