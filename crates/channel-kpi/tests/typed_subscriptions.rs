//! A subscriptions table with typed columns read through the loader's shortcut
//! (`arrow/typed_subscriptions.rs`) gives the dataset, report and errors of the row path: the
//! same table read row by row (`LoadOptions::row_path_only`) is the oracle — in memory and as
//! a Parquet file, in the canonical format and through a mapping (renamed columns, a partner
//! value map, a currency default). Tables mix clean rows with padded texts, empty strings,
//! nulls, dictionary columns, text and number columns kept as attrs, and bad rows (a blank
//! account, a missing month, a negative or missing MRR, a missing or bad currency), whole or
//! in several batches.
#![cfg(feature = "arrow")]
#![allow(clippy::result_large_err)]

mod common;

use arrow_array::{ArrayRef, Date32Array, Decimal128Array, Int64Array, RecordBatch};
use channel_kpi::load::{LoadOptions, Mapping, RecordKind};
use channel_kpi::{Dimension, Metric, Period, Query};
use common::Loaded;
use proptest::prelude::*;
use std::sync::Arc;

/// One generated row: account, month (months after 2024-10), day of the month (0: the 1st),
/// MRR in cents, currency, partner, plan attr, seats attr, trouble (0: none; 1: blank account;
/// 2: no month; 3: negative MRR; 4: no MRR; 5: no currency; 6: a bad currency).
type Gen = (u8, u8, u8, i64, u8, Option<u8>, Option<u8>, Option<i64>, u8);

const CURRENCIES: [&str; 3] = ["USD", " USD", "USD "];
const PLANS: [&str; 4] = ["pro", " team ", "", "Pro"];

fn table(rows: &[Gen], dictionary: bool, batches: usize) -> Vec<RecordBatch> {
    let s = |v: Vec<Option<String>>| common::text_column(v, dictionary);
    let month = |r: &Gen| {
        let m = 9 + i32::from(r.1); // months since 2024-01
        let first = chrono::NaiveDate::from_ymd_opt(2024 + m / 12, (m % 12) as u32 + 1, 1).unwrap();
        arrow_array::types::Date32Type::from_naive_date(first) + i32::from(r.2 % 28)
    };
    let accounts = rows.iter().map(|r| Some(if r.8 == 1 { " ".to_string() } else { format!("A{}", r.0 % 30) })).collect();
    let months: Vec<Option<i32>> = rows.iter().map(|r| (r.8 != 2).then(|| month(r))).collect();
    let mrr: Vec<Option<i128>> = rows
        .iter()
        .map(|r| match r.8 {
            3 => Some(-i128::from(r.3) - 1),
            4 => None,
            _ => Some(i128::from(r.3)),
        })
        .collect();
    let currency = rows
        .iter()
        .map(|r| match r.8 {
            5 => None,
            6 => Some("dollars".to_string()),
            _ => Some(CURRENCIES[r.4 as usize % 3].to_string()),
        })
        .collect();
    let pick = |v: Option<u8>, texts: &[&str]| v.map(|i| texts[i as usize % texts.len()].to_string());
    let whole = RecordBatch::try_from_iter([
        ("account_id", s(accounts)),
        ("month", Arc::new(Date32Array::from(months)) as ArrayRef),
        ("mrr", Arc::new(Decimal128Array::from(mrr).with_precision_and_scale(18, 2).unwrap()) as ArrayRef),
        ("currency", s(currency)),
        ("partner_id", s(rows.iter().map(|r| r.5.map(|p| format!("P{}", p % 7))).collect())),
        ("plan", s(rows.iter().map(|r| pick(r.6, &PLANS)).collect())),
        ("seats", Arc::new(Int64Array::from(rows.iter().map(|r| r.7).collect::<Vec<_>>())) as ArrayRef),
    ])
    .unwrap();
    let n = whole.num_rows();
    let per = n.div_ceil(batches.max(1)).max(1);
    (0..n).step_by(per).map(|at| whole.slice(at, per.min(n - at))).collect()
}

fn load_as(batches: &[RecordBatch], mapping: &Mapping, collect: bool, row_path_only: bool) -> Loaded {
    let opts = LoadOptions { collect_errors: collect, row_path_only, ..LoadOptions::default() };
    common::load_table(RecordKind::Subscriptions, "subscriptions", batches, vec![], mapping, &opts)
}

/// The same rows as a Parquet file (row groups of `group` rows), loaded from disk.
#[cfg(feature = "parquet")]
fn load_parquet(batches: &[RecordBatch], group: usize, mapping: &Mapping, collect: bool, row_path_only: bool) -> Loaded {
    let opts = LoadOptions { collect_errors: collect, row_path_only, ..LoadOptions::default() };
    common::load_parquet_table((RecordKind::Subscriptions, "subscriptions"), batches, group, vec![], mapping, &opts)
}

/// The subscription KPIs by partner with a roll-up, by the plan attr, and over nothing.
fn queries() -> Vec<Query> {
    let q = || {
        Query::new(vec![Metric::MrrRetention, Metric::AccountRetention, Metric::PortfolioGrowth], Period::parse("2025").unwrap())
            .buckets(channel_kpi::Bucket::Quarter)
    };
    vec![
        q().by(Dimension::Partner).rollup(),
        q().by(Dimension::Attr("plan".into())),
        Query::new(vec![Metric::MrrMovements], Period::parse("2025-Q1").unwrap()),
    ]
}

fn same(fast: Loaded, slow: Loaded) -> Result<(), TestCaseError> {
    common::same(fast, slow, &queries())
}

/// The canonical names renamed (`account_id` → `Account`, `mrr` → `MRR`), read through a
/// mapping that renames them back, maps partner values and defaults the currency; attrs
/// `"all"`, a list, or none.
fn mapped(batches: &[RecordBatch], variant: u8) -> (Vec<RecordBatch>, Mapping) {
    let rename = |n: &str| match n {
        "account_id" => "Account".to_string(),
        "mrr" => "MRR".to_string(),
        n => n.to_string(),
    };
    let renamed = common::renamed(batches, rename);
    let attrs = [r#""all""#, r#"["plan"]"#, r#""none""#][variant as usize % 3];
    let m = Mapping::from_json_str(&format!(
        r#"{{"subscriptions": {{"columns": {{"account_id": "Account", "mrr": "MRR"}},
            "values": {{"partner_id": {{"P1": "P2", "P3": " "}}}}, "defaults": {{"currency": "USD"}}, "attrs": {attrs}}}}}"#
    ))
    .unwrap();
    (renamed, m)
}

fn gen_row() -> impl Strategy<Value = Gen> {
    (
        0u8..40,
        0u8..20,
        prop_oneof![3 => Just(0u8), 1 => 1u8..40],
        0i64..100_000,
        0u8..3,
        proptest::option::weighted(0.8, 0u8..20),
        proptest::option::weighted(0.6, 0u8..4),
        proptest::option::weighted(0.3, -3i64..100),
        prop_oneof![30 => Just(0u8), 1 => 1u8..7],
    )
}

/// `rows` made clean (no trouble) but for `trouble` in row `at`.
fn one_trouble(mut rows: Vec<Gen>, trouble: u8, at: usize) -> Vec<Gen> {
    rows.iter_mut().for_each(|r| r.8 = 0);
    let n = rows.len();
    rows[at % n].8 = trouble;
    rows
}

common::typed_reader_proptests!(troubles: 0u8..7);

/// A clean table big enough to be read on every core (one run of rows per thread, each into
/// its own columns, appended in order): every field, in row order, as the row path reads it,
/// and the KPIs a user reads off it.
#[test]
fn a_big_table_read_in_parts_keeps_every_row_in_order() {
    let rows: Vec<Gen> = (0..120_000u32)
        .map(|i| {
            let k = (i % 251) as u8;
            (k % 40, (i / 40 % 20) as u8, 0, i64::from(i % 1000) * 100, k % 3, Some(k % 20), Some(k % 4), Some(i64::from(k)), 0)
        })
        .collect();
    let t = table(&rows, false, 3);
    let (fast, report) = load_as(&t, &Mapping::default(), false, false).unwrap();
    let (slow, _) = load_as(&t, &Mapping::default(), false, true).unwrap();
    assert_eq!(fast.subscriptions.len(), 120_000);
    assert_eq!(fast.subscriptions, slow.subscriptions);
    assert_eq!((report.files[0].rows_read, report.files[0].rows_loaded), (120_000, 120_000));
    assert_eq!(fast.subscriptions.account_id(119_999), "A21"); // k = 119,999 mod 251 = 21
    assert_eq!(fast.subscriptions.attr(7, "seats"), Some("7"));
    assert_eq!(fast.subscriptions.attr(7, "mrr"), None, "a canonical column is no attr");
    for q in queries() {
        assert_eq!(fast.run(&q).unwrap(), slow.run(&q).unwrap());
    }
}

/// A negative MRR in a clean table: the row path reads it and names the row, column and value.
#[test]
fn a_negative_mrr_is_named_with_its_row() {
    let rows: Vec<Gen> = (0..5u8).map(|i| (i, i, 0, 1_000, 0, None, None, None, if i == 3 { 3 } else { 0 })).collect();
    let t = table(&rows, false, 1);
    let e = load_as(&t, &Mapping::default(), false, false).expect_err("a negative MRR is an error");
    let loc = e.location().expect("located");
    assert_eq!((loc.row, loc.field.as_deref(), loc.value.as_deref()), (Some(3), Some("mrr"), Some("-10.01 USD")), "{e}");
    let (ds, report) = load_as(&t, &Mapping::default(), true, false).unwrap();
    assert_eq!((ds.subscriptions.len(), report.errors.len()), (4, 1));
}
