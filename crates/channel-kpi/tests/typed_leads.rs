//! A leads table with typed columns read through the loader's shortcut (`arrow/typed_leads.rs`)
//! gives the dataset, report and errors of the row path: the same table read row by row
//! (`LoadOptions::row_path_only`) is the oracle — in memory and as a Parquet file, in the
//! canonical format and through a mapping (renamed columns, a channel value map, a default).
//! Tables mix clean rows with padded and mixed-case texts, empty strings, nulls, dictionary
//! columns, text and number columns kept as attrs, and bad rows (an empty id, a missing
//! creation date, an unknown channel, a repeated id), whole or in several batches.
#![cfg(feature = "arrow")]
#![allow(clippy::result_large_err)]

mod common;

use arrow_array::{ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray};
use channel_kpi::load::{LoadOptions, Mapping, RecordKind, Source};
use channel_kpi::{Dimension, Metric, Period, Query};
use common::Loaded;
use proptest::prelude::*;
use std::sync::Arc;

/// One generated lead: id, created (days after 2024-10-04), channel, source, partner, deal,
/// won (days after created; else from the linked deal), region attr, score attr, trouble (0: none; 1: empty id; 2: no
/// creation date; 3: padded id; 4: its id repeats the first row's).
type Gen = (u16, u16, u8, Option<u8>, Option<u8>, Option<u8>, Option<u8>, Option<u8>, Option<i64>, u8);

const CHANNELS: [&str; 6] = ["", "paid", "Earned", " owned", "PAID ", "tv"];
const SOURCES: [&str; 5] = ["webinar", " ads", "", "Ads", "newsletter "];
const REGIONS: [&str; 4] = ["EMEA", " APAC ", "", "emea"];

fn table(rows: &[Gen], dictionary: bool, batches: usize) -> Vec<RecordBatch> {
    let s = |v: Vec<Option<String>>| common::text_column(v, dictionary);
    let day0 = 20000;
    let first = rows.first().map_or(0, |r| r.0);
    let ids = rows
        .iter()
        .map(|r| {
            Some(match r.9 {
                1 => "  ".to_string(),
                3 => format!(" L{} ", r.0),
                4 => format!("L{first}"),
                _ => format!("L{}", r.0),
            })
        })
        .collect();
    let created: Vec<Option<i32>> = rows.iter().map(|r| (r.9 != 2).then_some(day0 + i32::from(r.1))).collect();
    let won: Vec<Option<i32>> = rows.iter().map(|r| r.6.map(|w| day0 + i32::from(r.1) + i32::from(w))).collect();
    let pick = |v: Option<u8>, texts: &[&str]| v.map(|i| texts[i as usize % texts.len()].to_string());
    let whole = RecordBatch::try_from_iter([
        ("lead_id", s(ids)),
        ("created_on", Arc::new(Date32Array::from(created)) as ArrayRef),
        ("channel", s(rows.iter().map(|r| pick(Some(r.2), &CHANNELS)).collect())),
        ("source", s(rows.iter().map(|r| pick(r.3, &SOURCES)).collect())),
        ("partner_id", s(rows.iter().map(|r| r.4.map(|p| format!("P{}", p % 7))).collect())),
        ("deal_id", s(rows.iter().map(|r| r.5.map(|d| format!("D{d}"))).collect())),
        ("won_on", Arc::new(Date32Array::from(won)) as ArrayRef),
        ("region", s(rows.iter().map(|r| pick(r.7, &REGIONS)).collect())),
        ("score", Arc::new(Int64Array::from(rows.iter().map(|r| r.8).collect::<Vec<_>>())) as ArrayRef),
    ])
    .unwrap();
    let n = whole.num_rows();
    let per = n.div_ceil(batches.max(1)).max(1);
    (0..n).step_by(per).map(|at| whole.slice(at, per.min(n - at))).collect()
}

/// The deals the leads link to: `D0` … `D39`, every third won (in 2025), every third lost.
fn deals() -> Source {
    let n = 40;
    let status = |i: usize| ["won", "lost", "open"][i % 3];
    let b = RecordBatch::try_from_iter([
        ("deal_id", Arc::new(StringArray::from((0..n).map(|i| format!("D{i}")).collect::<Vec<_>>())) as ArrayRef),
        ("status", Arc::new(StringArray::from((0..n).map(status).collect::<Vec<_>>())) as ArrayRef),
        ("created_on", Arc::new(Date32Array::from(vec![20_000; n])) as ArrayRef),
        (
            "closed_on",
            Arc::new(Date32Array::from((0..n).map(|i| (i % 3 != 2).then_some(20_100 + i as i32 * 5)).collect::<Vec<_>>())) as ArrayRef,
        ),
        ("amount", Arc::new(Int64Array::from((0..n).map(|i| (i % 3 == 0).then_some(100 * i as i64)).collect::<Vec<_>>())) as ArrayRef),
        ("currency", Arc::new(StringArray::from(vec!["USD"; n])) as ArrayRef),
    ])
    .unwrap();
    Source::from_arrow(RecordKind::Deals, "deals", Box::new(std::iter::once(Ok(b))))
}

fn load_as(batches: &[RecordBatch], mapping: &Mapping, collect: bool, row_path_only: bool) -> Loaded {
    let opts = LoadOptions { collect_errors: collect, row_path_only, ..LoadOptions::default() };
    common::load_table(RecordKind::Leads, "leads", batches, vec![deals()], mapping, &opts)
}

/// The same rows as a Parquet file (row groups of `group` rows), loaded from disk.
#[cfg(feature = "parquet")]
fn load_parquet(batches: &[RecordBatch], group: usize, mapping: &Mapping, collect: bool, row_path_only: bool) -> Loaded {
    let opts = LoadOptions { collect_errors: collect, row_path_only, ..LoadOptions::default() };
    common::load_parquet_table((RecordKind::Leads, "leads"), batches, group, vec![deals()], mapping, &opts)
}

/// The lead KPIs by channel and source, by the region attr, and by partner with a roll-up.
fn queries() -> Vec<Query> {
    let q = || Query::new(vec![Metric::LeadConversionRate, Metric::ChannelPerformance], Period::parse("2025").unwrap());
    vec![q().by(Dimension::Channel).by(Dimension::Source), q().by(Dimension::Attr("region".into())), q().by(Dimension::Partner).rollup()]
}

fn same(fast: Loaded, slow: Loaded) -> Result<(), TestCaseError> {
    common::same(fast, slow, &queries())
}

/// The canonical names renamed (`lead_id` → `Lead`, `created_on` → `First contact`), read
/// through a mapping that renames them back, maps channel values and defaults the source;
/// attrs `"all"`, a list, or none.
fn mapped(batches: &[RecordBatch], variant: u8) -> (Vec<RecordBatch>, Mapping) {
    let rename = |n: &str| match n {
        "lead_id" => "Lead".to_string(),
        "created_on" => "First contact".to_string(),
        n => n.to_string(),
    };
    let renamed = common::renamed(batches, rename);
    let attrs = [r#""all""#, r#"["region"]"#, r#""none""#][variant as usize % 3];
    let m = Mapping::from_json_str(&format!(
        r#"{{"leads": {{"columns": {{"lead_id": "Lead", "created_on": "First contact"}},
            "values": {{"channel": {{"tv": "paid", "Earned": " "}}}}, "defaults": {{"source": "direct"}}, "attrs": {attrs}}}}}"#
    ))
    .unwrap();
    (renamed, m)
}

fn gen_row() -> impl Strategy<Value = Gen> {
    (
        0u16..300,
        0u16..500,
        0u8..6,
        proptest::option::of(0u8..5),
        proptest::option::of(0u8..20),
        proptest::option::weighted(0.3, 0u8..40),
        proptest::option::weighted(0.2, 0u8..90),
        proptest::option::weighted(0.7, 0u8..4),
        proptest::option::weighted(0.5, -3i64..100),
        prop_oneof![30 => Just(0u8), 1 => 1u8..5],
    )
}

/// `rows` made clean (unique ids, known channels, no trouble) but for `trouble` in row `at`.
fn one_trouble(mut rows: Vec<Gen>, trouble: u8, at: usize) -> Vec<Gen> {
    for (i, r) in rows.iter_mut().enumerate() {
        (r.0, r.2, r.9) = (i as u16, r.2 % 5, 0);
    }
    let n = rows.len();
    rows[at % n].9 = trouble;
    if trouble == 5 {
        rows[at % n].2 = 5; // an unknown channel
    }
    rows
}

common::typed_reader_proptests!(troubles: 0u8..6);

/// A clean table big enough to be read on every core (one run of rows per thread, each into
/// its own leads, appended in order): every field, in row order, as the row path reads it.
#[test]
fn a_big_table_read_in_parts_keeps_every_lead_in_order() {
    let rows: Vec<Gen> = (0..150_000u32)
        .map(|i| {
            let k = (i % 251) as u8;
            (
                (i % 60_000) as u16,
                (i % 500) as u16,
                k % 5,
                Some(k),
                Some(k),
                Some(k % 40),
                k.is_multiple_of(3).then_some(k),
                Some(k),
                Some(i64::from(k)),
                0,
            )
        })
        .collect();
    // unique ids: the first 60,000 rows as generated, the rest renamed below
    let t = table(&rows, false, 3);
    let t: Vec<RecordBatch> = t
        .iter()
        .scan(0usize, |at, b| {
            let ids: Vec<String> = (0..b.num_rows()).map(|i| format!("L{}", *at + i)).collect();
            *at += b.num_rows();
            let mut cols = b.columns().to_vec();
            cols[0] = Arc::new(StringArray::from(ids));
            Some(RecordBatch::try_new(b.schema(), cols).unwrap())
        })
        .collect();
    let (fast, _) = load_as(&t, &Mapping::default(), false, false).unwrap();
    let (slow, _) = load_as(&t, &Mapping::default(), false, true).unwrap();
    assert_eq!(fast.leads.len(), 150_000);
    assert_eq!(fast.leads, slow.leads);
    assert_eq!(fast.leads.id(149_999), "L149999");
    assert_eq!(fast.leads.attr(7, "score"), Some("7"));
}

/// A clean table but for one repeated id: the row path reads it and names both rows.
#[test]
fn a_repeated_lead_id_is_named_with_both_rows() {
    let rows: Vec<Gen> = [7u16, 8, 7].iter().map(|&i| (i, 10, 1, Some(0), None, None, None, None, None, 0)).collect();
    let t = table(&rows, false, 1);
    let e = load_as(&t, &Mapping::default(), false, false).expect_err("a repeated id is an error");
    assert!(e.to_string().contains("duplicate lead id (first on row 0)"), "{e}");
    let loc = e.location().expect("located");
    assert_eq!((loc.row, loc.value.as_deref()), (Some(2), Some("L7")));
    let (ds, report) = load_as(&t, &Mapping::default(), true, false).unwrap();
    assert_eq!((ds.leads.len(), report.errors.len()), (2, 1));
}
