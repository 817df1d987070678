//! A deals table with typed columns read through the loader's shortcut (`arrow/typed_deals.rs`)
//! gives the dataset, report and errors of the row path: the same table read row by row
//! (`LoadOptions::row_path_only`) is the oracle, in the canonical format and through mappings
//! (renamed columns, value maps, defaults: `load/mapped_batch.rs`).
//! Tables mix clean rows with padded and mixed-case texts, empty strings, nulls, dictionary
//! columns, integer amounts, extra text, number and date columns kept as attrs (`"all"`, a
//! list, `"none"`; compared also grouped by them) and every kind of bad row (unknown status or channel, bad currency,
//! negative amount, a won deal without amount or close date, closed before created, duplicate
//! ids), whole or in several batches.
#![cfg(feature = "arrow")]
#![allow(clippy::result_large_err)]

mod common;

use arrow_array::{ArrayRef, Date32Array, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray};
use channel_kpi::arrow::load_tables;
use channel_kpi::load::{LoadOptions, Mapping, RecordKind, Source};
use channel_kpi::{Dataset, Result};
use common::Loaded;
use proptest::prelude::*;
use std::sync::Arc;

/// One generated row: id, partner, status, channel, created, cycle, amount, currency, trouble,
/// and the other fields ([`Extra`]).
type Gen = (u16, Option<u8>, u8, u8, u16, Option<u16>, Option<i64>, u8, u8, Extra);
/// Owner, source / product / stage / lost reason (one index), kind, registration status,
/// partner stages, registered and expected close (days after created; negative: before), and
/// two extra text columns kept as attrs (`region`, `plan`: null when `None`).
type Extra = (Option<u8>, Option<u8>, u8, u8, u8, Option<i8>, Option<i8>, Option<u8>, Option<u8>);

const STATUSES: [&str; 6] = ["open", "won", "lost", " Won ", "LOST", "sold"];
const CHANNELS: [&str; 5] = ["", "paid", "Earned", " owned", "tv"];
const CURRENCIES: [&str; 4] = ["USD", " usd", "EUR", "XX1"];
const KINDS: [&str; 5] = ["", "new", "Upsell", "renewal ", "resale"];
const REGISTRATIONS: [&str; 5] = ["", "pending", "Approved", "rejected", "maybe"];
const PARTNER_STAGES: [&str; 5] = ["", "guidance", "lead_generation; value delivery", "Qualification,", "closing"];
/// The `region` attr's texts: padded, empty, blank, differing in case only.
const REGIONS: [&str; 6] = ["EMEA", " APAC ", "", "  ", "emea", "Amér"];

fn table(rows: &[Gen], dictionary: bool, int_amounts: bool, batches: usize) -> Vec<RecordBatch> {
    let s = |v: Vec<Option<String>>| common::text_column(v, dictionary);
    let day0 = 20000; // 2024-10-04
    // troubles 14 and 15: a padded id, an id starting with a non-ASCII letter (both fine: read
    // row by row, not copied as one buffer)
    let ids: Vec<Option<String>> = rows
        .iter()
        .map(|r| {
            Some(match r.8 {
                9 => " ".into(),
                14 => format!(" D{} ", r.0),
                15 => format!("Ω{}", r.0),
                _ => format!("D{}", r.0),
            })
        })
        .collect();
    let partners = rows.iter().map(|r| r.1.map(|p| if p % 5 == 0 { format!(" p{p} ") } else { format!("p{p}") })).collect();
    let status = rows.iter().map(|r| Some(STATUSES[r.2 as usize % STATUSES.len()].to_string())).collect();
    let channel = rows.iter().map(|r| Some(CHANNELS[r.3 as usize % CHANNELS.len()].to_string())).collect();
    let created: Vec<i32> = rows.iter().map(|r| day0 + i32::from(r.4)).collect();
    let closed: Vec<Option<i32>> = rows
        .iter()
        .map(|r| {
            let open = STATUSES[r.2 as usize % STATUSES.len()] == "open";
            match (open, r.5, r.8) {
                (_, _, 7) => Some(day0 + i32::from(r.4) - 3), // closed before created
                (false, Some(c), _) => Some(day0 + i32::from(r.4) + i32::from(c)),
                (true, Some(c), 8) => Some(day0 + i32::from(r.4) + i32::from(c)), // an open deal with a close date
                _ => None,
            }
        })
        .collect();
    let amount: Vec<Option<i64>> = rows.iter().map(|r| if r.8 == 6 { r.6.map(|a| -a.abs() - 1) } else { r.6 }).collect();
    let currency = rows.iter().map(|r| Some(CURRENCIES[r.7 as usize % CURRENCIES.len()].to_string())).collect();
    let amount: ArrayRef = if int_amounts {
        Arc::new(Int64Array::from(amount))
    } else {
        Arc::new(
            Decimal128Array::from(amount.iter().map(|a| a.map(i128::from)).collect::<Vec<_>>()).with_precision_and_scale(18, 2).unwrap(),
        )
    };
    let pick = |texts: &[&str], k: u8| Some(texts[k as usize % texts.len()].to_string());
    let owner = rows.iter().map(|r| r.9.0.map(|o| format!("e{}", o % 7))).collect();
    let word = |what: &str| rows.iter().map(|r| r.9.1.map(|w| format!("{what} {}", w % 4))).collect::<Vec<_>>();
    // troubles 10..=13: an unknown kind, registration status or partner stage, registered
    // before created
    let kind = rows.iter().map(|r| pick(&KINDS, if r.8 == 10 { 4 } else { r.9.2 % 4 })).collect();
    let registration = rows.iter().map(|r| pick(&REGISTRATIONS, if r.8 == 11 { 4 } else { r.9.3 % 4 })).collect();
    let partner_stages = rows.iter().map(|r| pick(&PARTNER_STAGES, if r.8 == 12 { 4 } else { r.9.4 % 4 })).collect();
    let after = |k: fn(&Gen) -> Option<i8>| -> ArrayRef {
        Arc::new(Date32Array::from(rows.iter().map(|r| k(r).map(|d| day0 + i32::from(r.4) + i32::from(d))).collect::<Vec<_>>()))
    };
    let whole = RecordBatch::try_from_iter([
        ("deal_id", s(ids)),
        ("owner_id", s(owner)),
        ("source", s(word("source"))),
        ("product", s(word("product"))),
        ("stage", s(word("stage"))),
        ("lost_reason", s(word("reason"))),
        ("kind", s(kind)),
        ("registration_status", s(registration)),
        ("partner_stages", s(partner_stages)),
        ("registered_on", after(|r| if r.8 == 13 { Some(-2) } else { r.9.5 })),
        ("expected_close_on", after(|r| r.9.6)),
        ("partner_id", s(partners)),
        ("status", s(status)),
        ("channel", s(channel)),
        ("created_on", Arc::new(Date32Array::from(created)) as ArrayRef),
        ("closed_on", Arc::new(Date32Array::from(closed)) as ArrayRef),
        ("amount", amount),
        ("currency", s(currency)),
        ("region", s(rows.iter().map(|r| r.9.7.map(|k| REGIONS[k as usize % REGIONS.len()].to_string())).collect())),
        ("plan", s(rows.iter().map(|r| r.9.8.map(|k| format!("plan {}", k % 3))).collect())),
        // attrs of other types, rendered as text (the row path's rendering)
        ("seats", Arc::new(Int64Array::from(rows.iter().map(|r| r.9.8.map(|k| i64::from(k) * 7 - 10)).collect::<Vec<_>>())) as ArrayRef),
        ("score", Arc::new(Float64Array::from(rows.iter().map(|r| r.9.7.map(|k| f64::from(k) / 3.0)).collect::<Vec<_>>())) as ArrayRef),
        ("signed", after(|r| r.9.5)),
    ])
    .unwrap();
    let n = whole.num_rows();
    let per = n.div_ceil(batches.max(1)).max(1);
    (0..n).step_by(per).map(|at| whole.slice(at, per.min(n - at))).collect()
}

fn load(batches: &[RecordBatch], mapping: &Mapping, collect: bool) -> Result<(Dataset, channel_kpi::load::LoadReport)> {
    load_as(batches, mapping, collect, false)
}

fn load_as(batches: &[RecordBatch], mapping: &Mapping, collect: bool, row_path_only: bool) -> Loaded {
    let b: Vec<_> = batches.iter().cloned().map(Ok).collect();
    let src = Source::from_arrow(RecordKind::Deals, "deals", Box::new(b.into_iter()));
    load_tables(vec![src], mapping, &LoadOptions { collect_errors: collect, row_path_only, ..LoadOptions::default() })
}

/// The row path's load (the oracle).
fn slow(batches: &[RecordBatch], collect: bool) -> Loaded {
    load_as(batches, &Mapping::default(), collect, true)
}

/// The same rows as a Parquet file (row groups of `group` rows), loaded from disk.
#[cfg(feature = "parquet")]
fn load_parquet(
    batches: &[RecordBatch],
    group: usize,
    mapping: &Mapping,
    collect: bool,
    tag: &str,
    row_path_only: bool,
) -> Result<(Dataset, channel_kpi::load::LoadReport)> {
    let dir = std::env::temp_dir().join(format!("ckpi-typed-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("deals.parquet");
    common::write_parquet(&path, batches, group);
    let opts = LoadOptions { collect_errors: collect, row_path_only, ..LoadOptions::default() };
    let r = channel_kpi::load::load_file(&path, RecordKind::Deals, mapping, &opts);
    let _ = std::fs::remove_dir_all(&dir);
    r
}

/// The shortcut's load equals the row path's ([`common::same`]), grouped by attrs too.
fn same(fast: Loaded, slow: Loaded) -> std::result::Result<(), TestCaseError> {
    common::same(fast, slow, &by_attrs())
}

/// Queries by attrs: `attr:region` alone, `attr:plan` with the partner (and a roll-up),
/// `attr:seats` (numbers rendered as text).
fn by_attrs() -> [channel_kpi::Query; 3] {
    use channel_kpi::{Dimension, Metric, Period, Query};
    let q = || Query::new(vec![Metric::DealCount, Metric::CloseRate], Period::parse("2025").unwrap());
    let by = |a: &str| Dimension::Attr(a.into());
    [q().by(by("region")), q().by(by("plan")).by(Dimension::Partner).rollup(), q().by(by("seats"))]
}

/// A Maven-like export: the table's `deal_id`, `status` and `created_on` renamed, read
/// through a mapping that renames them back (and reads `status` as `stage` too), with value
/// maps, defaults (`variant`) and each `attrs` choice.
fn maven(batches: &[RecordBatch], variant: u8) -> (Vec<RecordBatch>, Mapping) {
    let rename = |n: &str| -> String {
        match n {
            "deal_id" => "opportunity_id",
            "status" => "deal_stage",
            "created_on" => "engage_date",
            "lost_reason" if variant % 2 == 1 => "segment",
            n => n,
        }
        .to_string()
    };
    let renamed = common::renamed(batches, rename);
    let defaults = [
        r#"{}"#,
        r#"{"currency": "USD", "lost_reason": "n/a"}"#,
        r#"{"currency": "EUR", "expected_close_on": "2026-01-31", "source": "web"}"#,
        r#"{"currency": " USD"}"#,
        r#"{"registered_on": "2025-02-30"}"#,
    ][variant as usize % 5];
    let attrs = [r#""all""#, r#""none""#, r#"["segment"]"#, r#"["plan", "region", "plan", "nope", "seats"]"#][variant as usize % 4];
    let m = Mapping::from_json_str(&format!(
        r#"{{"deals": {{"columns": {{"deal_id": "opportunity_id", "status": "deal_stage", "stage": "deal_stage", "created_on": "engage_date"}},
            "values": {{"status": {{"LOST": "Lost", "sold": "", " Won ": "won"}}, "channel": {{"tv": "paid", "Earned": " "}}, "kind": {{"resale": "new"}}}},
            "defaults": {defaults}, "attrs": {attrs}}}}}"#
    ))
    .unwrap();
    (renamed, m)
}

fn gen_row() -> impl Strategy<Value = Gen> {
    (
        0u16..400,
        proptest::option::of(0u8..30),
        prop_oneof![8 => 0u8..3, 1 => 3u8..6],
        0u8..5,
        0u16..300,
        proptest::option::of(0u16..90),
        proptest::option::weighted(0.9, 0i64..10_000_000),
        prop_oneof![8 => Just(0u8), 1 => 1u8..4],
        prop_oneof![20 => Just(0u8), 1 => 6u8..16],
        (
            proptest::option::of(0u8..20),
            proptest::option::of(0u8..20),
            0u8..4,
            0u8..4,
            0u8..4,
            proptest::option::weighted(0.3, 0i8..30),
            proptest::option::weighted(0.3, -5i8..60),
            proptest::option::weighted(0.8, 0u8..12),
            proptest::option::weighted(0.3, 0u8..6),
        ),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn shortcut_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..60), dictionary: bool, ints: bool, batches in 1usize..4, collect: bool) {
        let t = table(&rows, dictionary, ints, batches);
        let (fast, slow) = (load(&t, &Mapping::default(), collect), slow(&t, collect));
        same(fast, slow)?;
    }
}

/// `rows` made clean (unique ids, known statuses and channels, one currency, no trouble) but for one kind of
/// `trouble` in row `at` (none: 0; 16: a repeated id), so the shortcut reads the rest and meets that one row.
fn one_trouble(mut rows: Vec<Gen>, trouble: u8, at: usize) -> Vec<Gen> {
    for (i, r) in rows.iter_mut().enumerate() {
        (r.0, r.2, r.3, r.7, r.8) = (i as u16, r.2 % 3, r.3 % 4, 0, 0);
        (r.5, r.6) = (r.5.or(Some(3)), r.6.or(Some(100)));
    }
    let n = rows.len();
    if trouble == 16 {
        // the row's id repeats another's (the table's first row: a table of one row stays clean)
        rows[at % n].0 = 0;
    } else {
        rows[at % n].8 = trouble;
    }
    rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    /// Each kind of bad row alone among clean ones: the shortcut gives it to the row path.
    #[test]
    fn one_bad_row_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..40), trouble in prop_oneof![1 => Just(0u8), 4 => 6u8..17], at: usize, dictionary: bool, collect: bool) {
        let t = table(&one_trouble(rows, trouble, at), dictionary, false, 2);
        same(load(&t, &Mapping::default(), collect), slow(&t, collect))?;
    }

    /// The same tables as a Maven-like export read through a mapping.
    #[test]
    fn mapped_shortcut_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..40), clean: bool, variant in 0u8..20, dictionary: bool, batches in 1usize..3, collect: bool) {
        let rows = if clean { one_trouble(rows, 0, 0) } else { rows };
        let (t, m) = maven(&table(&rows, dictionary, false, batches), variant);
        same(load_as(&t, &m, collect, false), load_as(&t, &m, collect, true))?;
    }
}

#[cfg(feature = "parquet")]
proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    #[test]
    fn parquet_shortcut_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..60), dictionary: bool, group in 1usize..40, collect: bool) {
        let t = table(&rows, dictionary, false, 1);
        let fast = load_parquet(&t, group, &Mapping::default(), collect, "p", false);
        let slow = load_parquet(&t, group, &Mapping::default(), collect, "p", true);
        same(fast, slow)?;
    }

    #[test]
    fn mapped_parquet_shortcut_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..60), clean: bool, variant in 0u8..20, group in 1usize..40, collect: bool) {
        let rows = if clean { one_trouble(rows, 0, 0) } else { rows };
        let (t, m) = maven(&table(&rows, false, false, 1), variant);
        let fast = load_parquet(&t, group, &m, collect, "mp", false);
        let slow = load_parquet(&t, group, &m, collect, "mp", true);
        same(fast, slow)?;
    }
}

#[cfg(feature = "parquet")]
proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    /// A query on a Parquet file (`load::run_files`, which folds the shortcut's batches as it
    /// reads them) equals a whole load of the file and the query on the dataset.
    #[test]
    fn parquet_query_on_files_equals_a_whole_load(rows in proptest::collection::vec(gen_row(), 1..60), group in 1usize..40, by_partner: bool) {
        use channel_kpi::{Dimension, Metric, Period, Query};
        let t = table(&rows, false, false, 1);
        let dir = std::env::temp_dir().join(format!("ckpi-typed-q-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        common::write_parquet(&dir.join("deals.parquet"), &t, group);
        let mut q = Query::new(vec![Metric::DealCount, Metric::WonRevenue, Metric::CloseRate, Metric::Pipeline], Period::parse("2025").unwrap());
        if by_partner {
            q = q.by(Dimension::Partner).rollup();
        }
        let opts = LoadOptions::default();
        let streamed = channel_kpi::load::run_files(std::slice::from_ref(&dir), &Mapping::default(), &opts, &q);
        let whole = channel_kpi::load::load_paths(std::slice::from_ref(&dir), &Mapping::default(), &opts).and_then(|(d, r)| Ok((d.run_checked(&q)?, r)));
        let _ = std::fs::remove_dir_all(&dir);
        match (streamed, whole) {
            (Ok((a, ra)), Ok((b, rb))) => {
                prop_assert_eq!(a, b);
                prop_assert_eq!(&ra.files, &rb.files);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (a, b) => prop_assert!(false, "run_files {:?} vs whole load {:?}", a.map(|x| x.0.rows.len()), b.map(|x| x.0.rows.len())),
        }
    }
}

#[test]
fn extra_columns_are_attrs_as_before() {
    let rows: Vec<Gen> = (0..5).map(|i| (i, Some(1), 1, 1, i, Some(5), Some(100), 0, 0, Extra::default())).collect();
    let t = &table(&rows, false, false, 1)[0];
    let note: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None, Some(" b "), Some(""), Some("c")]));
    let schema = t.schema();
    let mut cols: Vec<(&str, ArrayRef)> = schema.fields().iter().map(|f| f.name().as_str()).zip(t.columns().iter().cloned()).collect();
    cols.push(("segment", note));
    let t = RecordBatch::try_from_iter(cols).unwrap();
    let (a, _) = load(std::slice::from_ref(&t), &Mapping::default(), false).unwrap();
    let (b, _) = slow(&[t], false).unwrap();
    assert_eq!(a.deals, b.deals);
    assert_eq!(a.deals.get(2).attrs.get("segment").map(String::as_str), Some("b"));
}

#[test]
fn clean_tables_take_the_shortcut_and_keep_every_field() {
    let rows: Vec<Gen> = (0..50)
        .map(|i| (i, Some((i % 7) as u8), (i % 3) as u8, (i % 4) as u8, i, Some(5), Some(i64::from(i) * 100 + 1), 0, 0, Extra::default()))
        .collect();
    let t = table(&rows, false, false, 2);
    let (a, _) = load(&t, &Mapping::default(), false).unwrap();
    let (b, _) = slow(&t, false).unwrap();
    assert_eq!(a.deals.len(), 50);
    assert_eq!(a.deals, b.deals);
    let d = a.deals.get(1);
    assert_eq!((d.id.as_str(), d.partner_id.as_deref(), d.channel.map(|c| c.name())), ("D1", Some("p1"), Some("paid")));
    assert_eq!(d.amount.unwrap().to_string(), "1.01 USD");
}

/// A clean table but for one repeated id: the row path reads it and names both rows (once the
/// typed reader kept the table from it, and loaded nothing without a word).
#[test]
fn a_repeated_id_in_a_clean_table_is_named() {
    let rows: Vec<Gen> = [7, 8, 7].iter().map(|&i| (i, Some(1), 1, 1, i, Some(5), Some(100), 0, 0, Extra::default())).collect();
    let t = table(&rows, false, false, 1);
    let e = load(&t, &Mapping::default(), false).expect_err("a repeated id is an error");
    assert!(e.to_string().contains("duplicate deal id (first on row 0)"), "{e}");
    let loc = e.location().expect("located");
    assert_eq!((loc.row, loc.value.as_deref()), (Some(2), Some("D7")));
    let (ds, report) = load(&t, &Mapping::default(), true).unwrap();
    assert_eq!((ds.deals.len(), report.errors.len()), (2, 1));
}

/// A Parquet file big enough to be read on every core (each thread decodes its own rows of a
/// row group, skipping the others' pages), cut mid-group: the row path's dataset; with one bad
/// row in the last part, the row path's error.
#[cfg(feature = "parquet")]
#[test]
fn a_big_parquet_file_read_in_parts_equals_row_path() {
    let rows: Vec<Gen> = (0..20_000u16)
        .map(|i| {
            let extra = (
                Some((i % 13) as u8),
                Some((i % 7) as u8),
                (i % 4) as u8,
                (i % 3) as u8,
                (i % 4) as u8,
                Some((i % 9) as i8),
                None,
                Some((i % 5) as u8),
                None,
            );
            (i, Some((i % 29) as u8), (i % 3) as u8, (i % 4) as u8, i % 300, Some(i % 90), Some(i64::from(i) * 37 + 1), 0, 0, extra)
        })
        .collect();
    for (group, bad) in [(7_000, None), (20_000, None), (3_001, Some(19_990))] {
        let mut rows = rows.clone();
        if let Some(at) = bad {
            rows[at].8 = 6; // a negative amount
        }
        let t = table(&rows, false, false, 3);
        let fast = load_parquet(&t, group, &Mapping::default(), false, "big", false);
        let slow = load_parquet(&t, group, &Mapping::default(), false, "big", true);
        if bad.is_none() {
            assert_eq!(fast.as_ref().map(|(d, _)| d.deals.len()).ok(), Some(20_000));
        }
        same(fast, slow).unwrap();
    }
}

/// A query on in-memory tables through `load::run_tables` (deals folded as they are read,
/// `load/stream.rs`) and the same tables loaded whole, then queried: the same result, files
/// and bad rows, or the same error. `partners` adds a partners table naming `p0` … `p19` (the
/// generated deals name up to `p29`: those deals send the fold to the whole load, which
/// refuses them).
#[cfg(feature = "parquet")]
fn streamed_equals_load_then_run(
    batches: &[RecordBatch],
    mapping: &Mapping,
    collect: bool,
    partners: bool,
) -> std::result::Result<(), TestCaseError> {
    streamed_equals_load_then_run_for(batches, mapping, collect, partners, usize::MAX)
}

/// [`streamed_equals_load_then_run`] for the first `queries` queries only.
#[cfg(feature = "parquet")]
fn streamed_equals_load_then_run_for(
    batches: &[RecordBatch],
    mapping: &Mapping,
    collect: bool,
    partners: bool,
    queries: usize,
) -> std::result::Result<(), TestCaseError> {
    use channel_kpi::{Dimension, Metric, Period, Query};
    let sources = || {
        let b: Vec<_> = batches.iter().cloned().map(Ok).collect();
        let mut s = vec![Source::from_arrow(RecordKind::Deals, "deals", Box::new(b.into_iter()))];
        if partners {
            let ids: ArrayRef = Arc::new(StringArray::from((0..20).map(|p| format!("p{p}")).collect::<Vec<_>>()));
            let t = RecordBatch::try_from_iter([("partner_id", ids)]).unwrap();
            s.push(Source::from_arrow(RecordKind::Partners, "partners", Box::new(std::iter::once(Ok(t)))));
        }
        s
    };
    let standard = Query::new(
        vec![Metric::DealCount, Metric::WonRevenue, Metric::CloseRate, Metric::Pipeline, Metric::SalesCycleDays],
        Period::parse("2025").unwrap(),
    );
    let opts = LoadOptions { collect_errors: collect, ..LoadOptions::default() };
    // by partner, by channel (no partner read), ungrouped (no text read but the ids), by attrs
    let queries_run = [standard.clone().by(Dimension::Partner).rollup(), standard.clone().by(Dimension::Channel), standard];
    for q in queries_run.into_iter().chain(by_attrs()).take(queries) {
        let streamed = channel_kpi::load::run_tables(sources(), mapping, &opts, &q);
        let whole = load_tables(sources(), mapping, &opts).and_then(|(d, r)| Ok((d.run_checked(&q)?, r)));
        match (streamed, whole) {
            (Ok((a, ra)), Ok((b, rb))) => {
                prop_assert_eq!(a, b);
                prop_assert_eq!(&ra.files, &rb.files);
                let text = |e: &[channel_kpi::Error]| e.iter().map(|e| e.to_string()).collect::<Vec<_>>();
                prop_assert_eq!(text(&ra.errors), text(&rb.errors));
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (a, b) => prop_assert!(false, "run_tables {:?} vs whole load {:?}", a.map(|x| x.0.rows.len()), b.map(|x| x.0.rows.len())),
        }
    }
    Ok(())
}

#[cfg(feature = "parquet")]
proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    #[test]
    fn a_query_on_tables_equals_a_whole_load(rows in proptest::collection::vec(gen_row(), 1..60), dictionary: bool, batches in 1usize..4, collect: bool, partners: bool) {
        streamed_equals_load_then_run(&table(&rows, dictionary, false, batches), &Mapping::default(), collect, partners)?;
    }

    #[test]
    fn a_query_on_clean_or_mapped_tables_equals_a_whole_load(rows in proptest::collection::vec(gen_row(), 1..40), trouble in prop_oneof![2 => Just(0u8), 3 => 6u8..17], at: usize, variant in 0u8..20, mapped: bool, collect: bool) {
        let t = table(&one_trouble(rows, trouble, at), false, false, 2);
        let (t, m) = if mapped { maven(&t, variant) } else { (t, Mapping::default()) };
        streamed_equals_load_then_run(&t, &m, collect, false)?;
    }
}

/// A table of several fold chunks (64 k rows each) in uneven batches, clean, then with one bad
/// row or a repeated id in a late chunk: a query on it equals a whole load then the query.
#[cfg(feature = "parquet")]
#[test]
fn a_query_on_a_big_table_equals_a_whole_load() {
    let n = 150_000u32;
    let rows: Vec<Gen> = (0..n)
        .map(|i| {
            (
                (i % 60_000) as u16,
                Some((i % 29) as u8),
                (i % 3) as u8,
                (i % 4) as u8,
                (i % 300) as u16,
                Some((i % 90) as u16),
                Some(i64::from(i) * 37 + 1),
                0,
                0,
                Extra::default(),
            )
        })
        .collect();
    // ids: the generator's are u16; make them unique with the row number as the trouble-free id
    let unique = |mut t: Vec<RecordBatch>| {
        let mut at = 0usize;
        for b in &mut t {
            let ids: ArrayRef = Arc::new(StringArray::from((at..at + b.num_rows()).map(|i| format!("D{i}")).collect::<Vec<_>>()));
            at += b.num_rows();
            let mut cols = b.columns().to_vec();
            cols[b.schema().index_of("deal_id").unwrap()] = ids;
            *b = RecordBatch::try_new(b.schema(), cols).unwrap();
        }
        t
    };
    let clean = unique(table(&rows, false, false, 7));
    streamed_equals_load_then_run_for(&clean, &Mapping::default(), false, false, 1).unwrap();
    let q = channel_kpi::Query::new(vec![channel_kpi::Metric::DealCount], channel_kpi::Period::parse("2025").unwrap());
    let run = |t: &[RecordBatch]| {
        let src = Source::from_arrow(RecordKind::Deals, "deals", Box::new(t.iter().cloned().map(Ok).collect::<Vec<_>>().into_iter()));
        channel_kpi::load::run_tables(vec![src], &Mapping::default(), &LoadOptions::default(), &q)
    };
    assert!(run(&clean).unwrap().1.streamed, "a clean table is folded as it is read");
    let mut bad = rows.clone();
    bad[140_000].8 = 6; // a negative amount
    for collect in [false, true] {
        streamed_equals_load_then_run_for(&unique(table(&bad, false, false, 5)), &Mapping::default(), collect, false, 1).unwrap();
    }
    // a repeat of row 3's id in the last chunk
    let mut t = clean.clone();
    let last = t.len() - 1;
    let b = &t[last];
    let idx = b.schema().index_of("deal_id").unwrap();
    let mut ids: Vec<String> =
        (0..b.num_rows()).map(|i| b.column(idx).as_any().downcast_ref::<StringArray>().unwrap().value(i).to_string()).collect();
    ids[10] = "D3".into();
    let mut cols = b.columns().to_vec();
    cols[idx] = Arc::new(StringArray::from(ids));
    t[last] = RecordBatch::try_new(b.schema(), cols).unwrap();
    let e = run(&t).expect_err("a repeated id is an error");
    assert!(e.to_string().contains("duplicate deal id (first on row 3)"), "{e}");
    streamed_equals_load_then_run_for(&t, &Mapping::default(), false, false, 1).unwrap();
}
