//! `training_impact` on in-memory tables through `load::run_tables`: the deals folded as they are
//! read (`load/stream.rs`, courses pushed beside them) equal the same tables loaded whole, then
//! queried — the same result, files and bad rows, or the same error — for random deals and
//! course rows, with or without a partners table, with bad course rows, errors collected or
//! not; and on a table of several fold chunks whose chunks number their partners differently.
#![cfg(feature = "parquet")]
#![allow(clippy::result_large_err)]

mod common;

use arrow_array::{ArrayRef, Date32Array, Decimal128Array, RecordBatch, StringArray};
use channel_kpi::load::{LoadOptions, Mapping, RecordKind, Source};
use channel_kpi::{Bucket, Dimension, Metric, Period, Query};
use proptest::prelude::*;
use std::sync::Arc;

/// A deal: partner `p0`–`p7` (or none), created on day 19,700 + `created` (2023-12-09 on),
/// status open / won / lost, closed `cycle` days later unless open, amount in cents (none on
/// some deals that are not won).
type GenDeal = (Option<u8>, u16, u8, u16, Option<i64>);

/// A course row: partner `p0`–`p7`, course (empty: a bad row), attended on day 19,700 + `on`,
/// completed `done` days later (or never; a negative `done`: completed before attending, a bad
/// row).
type GenCourse = (u8, bool, u16, Option<i16>);

fn gen_deal() -> impl Strategy<Value = GenDeal> {
    (proptest::option::weighted(0.9, 0u8..8), 0u16..800, 0u8..3, 0u16..200, proptest::option::weighted(0.9, 0i64..5_000_000))
}

fn gen_course() -> impl Strategy<Value = GenCourse> {
    (0u8..8, proptest::bool::weighted(0.95), 0u16..800, proptest::option::weighted(0.8, -3i16..60))
}

fn text(v: Vec<Option<String>>) -> ArrayRef {
    Arc::new(StringArray::from(v))
}

/// The deals `D{first}` … in batches of about `batches` equal parts.
fn deal_table(rows: &[GenDeal], first: usize, batches: usize) -> Vec<RecordBatch> {
    let per = rows.len().div_ceil(batches.max(1)).max(1);
    rows.chunks(per)
        .enumerate()
        .map(|(k, part)| {
            let at = first + k * per;
            let won_or_amount = |r: &GenDeal| r.4.or((r.2 == 1).then_some(100));
            RecordBatch::try_from_iter([
                ("deal_id", text((at..at + part.len()).map(|i| Some(format!("D{i}"))).collect())),
                ("partner_id", text(part.iter().map(|r| r.0.map(|p| format!("p{p}"))).collect())),
                ("status", text(part.iter().map(|r| Some(["open", "won", "lost"][r.2 as usize].to_string())).collect())),
                ("created_on", Arc::new(Date32Array::from(part.iter().map(|r| 19_700 + i32::from(r.1)).collect::<Vec<_>>())) as ArrayRef),
                (
                    "closed_on",
                    Arc::new(Date32Array::from(part.iter().map(|r| (r.2 != 0).then(|| 19_700 + i32::from(r.1 + r.3))).collect::<Vec<_>>())),
                ),
                (
                    "amount",
                    Arc::new(
                        Decimal128Array::from(part.iter().map(|r| won_or_amount(r).map(i128::from)).collect::<Vec<_>>())
                            .with_precision_and_scale(18, 2)
                            .unwrap(),
                    ),
                ),
                ("currency", text(vec![Some("EUR".to_string()); part.len()])),
            ])
            .unwrap()
        })
        .collect()
}

fn course_table(rows: &[GenCourse]) -> RecordBatch {
    let on = |r: &GenCourse| 19_700 + i32::from(r.2);
    RecordBatch::try_from_iter([
        ("partner_id", text(rows.iter().map(|r| Some(format!("p{}", r.0))).collect())),
        ("course_id", text(rows.iter().map(|r| r.1.then(|| "C1".to_string())).collect())),
        ("attended_on", Arc::new(Date32Array::from(rows.iter().map(on).collect::<Vec<_>>())) as ArrayRef),
        ("completed_on", Arc::new(Date32Array::from(rows.iter().map(|r| r.3.map(|d| on(r) + i32::from(d))).collect::<Vec<_>>()))),
    ])
    .unwrap()
}

/// The queries: `training_impact` alone (ungrouped, close rate; by partner with roll-up,
/// revenue, a 60-day window; by quarter, time to close) and beside `close_rate` and
/// `courses_per_partner`.
fn queries() -> Vec<Query> {
    let one = |m: Vec<Metric>| Query::new(m, Period::parse("2025").unwrap());
    let mut by_partner = one(vec![Metric::TrainingImpact]).by(Dimension::Partner).rollup();
    by_partner.options.training_metric = "revenue".parse().unwrap();
    by_partner.options.training_window_days = 60;
    let mut quarters = one(vec![Metric::TrainingImpact]).buckets(Bucket::Quarter);
    quarters.options.training_metric = "time_to_close".parse().unwrap();
    vec![
        one(vec![Metric::TrainingImpact]),
        by_partner,
        quarters,
        one(vec![Metric::TrainingImpact, Metric::CloseRate, Metric::CoursesPerPartner]),
    ]
}

/// Each query of [`queries`] on the deals `deals`, the courses `courses` and (`partners`) a
/// partners table naming `p0` … `p{partners - 1}`, through `load::run_tables` and through a
/// whole load: per query, whether it was folded as it was read (`None`: an error).
fn streamed_equals_whole(
    deals: &[RecordBatch],
    courses: &RecordBatch,
    partners: Option<u8>,
    collect: bool,
) -> Result<Vec<Option<bool>>, TestCaseError> {
    let sources = || {
        let d: Vec<_> = deals.iter().cloned().map(Ok).collect();
        let mut s = vec![
            Source::from_arrow(RecordKind::Deals, "deals", Box::new(d.into_iter())),
            Source::from_arrow(RecordKind::Courses, "courses", Box::new(std::iter::once(Ok(courses.clone())))),
        ];
        if let Some(n) = partners {
            let t = RecordBatch::try_from_iter([("partner_id", text((0..n).map(|p| Some(format!("p{p}"))).collect()))]).unwrap();
            s.push(Source::from_arrow(RecordKind::Partners, "partners", Box::new(std::iter::once(Ok(t)))));
        }
        s
    };
    let opts = LoadOptions { collect_errors: collect, ..LoadOptions::default() };
    queries().iter().map(|q| common::streamed_equals_whole(sources, &Mapping::default(), &opts, q)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any deals and course rows, bad or not, their partners known or not: a query equals a
    /// whole load; with every partner known and no bad course row (or bad rows collected), it
    /// is folded as it is read.
    #[test]
    fn training_on_tables_equals_a_whole_load(deals in proptest::collection::vec(gen_deal(), 0..120),
                                              courses in proptest::collection::vec(gen_course(), 1..20),
                                              batches in 1usize..4, partners in proptest::option::of(5u8..9), collect: bool) {
        let streamed = streamed_equals_whole(&deal_table(&deals, 0, batches), &course_table(&courses), partners, collect)?;
        let bad = courses.iter().any(|c| !c.1 || c.3.is_some_and(|d| d < 0));
        let known = |p: u8| partners.is_none_or(|n| p < n);
        if !deals.is_empty() && deals.iter().all(|d| d.0.is_none_or(known)) && courses.iter().all(|c| known(c.0)) && (!bad || collect) {
            prop_assert!(streamed.iter().all(|s| *s == Some(true)), "folded as read: {:?}", streamed);
        }
    }
}

/// 200,000 deals (four fold chunks of 64 k rows) whose chunks meet their partners in different
/// orders (the second chunk in reverse, the third from the middle), so that each chunk's reader
/// numbers them its own way: the sums of all chunks still add up per partner, as in a whole load.
#[test]
fn training_on_a_table_of_several_chunks_equals_a_whole_load() {
    let n = 200_000usize;
    let deals: Vec<GenDeal> = (0..n)
        .map(|i| {
            let k = (i % 40) as u8;
            let p = match i / 65_536 {
                0 => k,
                1 => 39 - k,
                _ => (k + 20) % 40,
            };
            let status = ((i / 40) % 3) as u8;
            (Some(p % 8), (i % 800) as u16, status, ((i * 7) % 200) as u16, Some((i as i64 * 37) % 5_000_000))
        })
        .collect();
    let courses: Vec<GenCourse> = (0..60).map(|i| ((i % 6) as u8, true, (i * 13 % 800) as u16, Some((i % 50) as i16))).collect();
    let every = vec![Some(true); queries().len()];
    for partners in [None, Some(8)] {
        let streamed = streamed_equals_whole(&deal_table(&deals, 0, 3), &course_table(&courses), partners, false).unwrap();
        assert_eq!(streamed, every, "folded as it is read ({partners:?})");
    }
    // a partner the partners table does not name, in the last chunk: the whole load's error
    let mut unknown = deals.clone();
    unknown[190_000].0 = Some(9);
    let streamed = streamed_equals_whole(&deal_table(&unknown, 0, 3), &course_table(&courses), Some(8), false).unwrap();
    assert_eq!(streamed, vec![None; queries().len()]);
}
