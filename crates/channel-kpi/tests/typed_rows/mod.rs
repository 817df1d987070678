//! The generated deals tables of the typed-reader tests (`typed_tables.rs`, `query_tables.rs`):
//! rows mixing clean values with padded and mixed-case texts, empty strings, nulls, dictionary
//! columns, integer amounts, attr columns and every kind of bad row; the loads through the
//! shortcut and the row path that the tests compare; Maven-shaped mappings.
#![allow(dead_code)]

use super::common::{self, Loaded};
use arrow_array::{ArrayRef, Date32Array, Decimal128Array, Float64Array, Int64Array, RecordBatch};
use channel_kpi::arrow::load_tables;
use channel_kpi::load::{LoadOptions, Mapping, RecordKind, Source};
use channel_kpi::{Dataset, Result};
use proptest::prelude::*;
use std::sync::Arc;

/// One generated row: id, partner, status, channel, created, cycle, amount, currency, trouble,
/// and the other fields ([`Extra`]).
pub type Gen = (u16, Option<u8>, u8, u8, u16, Option<u16>, Option<i64>, u8, u8, Extra);
/// Owner, source / product / stage / lost reason (one index), kind, registration status,
/// partner stages, registered and expected close (days after created; negative: before), and
/// two extra text columns kept as attrs (`region`, `plan`: null when `None`).
pub type Extra = (Option<u8>, Option<u8>, u8, u8, u8, Option<i8>, Option<i8>, Option<u8>, Option<u8>);

pub const STATUSES: [&str; 6] = ["open", "won", "lost", " Won ", "LOST", "sold"];
pub const CHANNELS: [&str; 5] = ["", "paid", "Earned", " owned", "tv"];
pub const CURRENCIES: [&str; 4] = ["USD", " usd", "EUR", "XX1"];
pub const KINDS: [&str; 5] = ["", "new", "Upsell", "renewal ", "resale"];
pub const REGISTRATIONS: [&str; 5] = ["", "pending", "Approved", "rejected", "maybe"];
pub const PARTNER_STAGES: [&str; 5] = ["", "guidance", "lead_generation; value delivery", "Qualification,", "closing"];
/// The `region` attr's texts: padded, empty, blank, differing in case only.
pub const REGIONS: [&str; 6] = ["EMEA", " APAC ", "", "  ", "emea", "Amér"];

pub fn table(rows: &[Gen], dictionary: bool, int_amounts: bool, batches: usize) -> Vec<RecordBatch> {
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

pub fn load(batches: &[RecordBatch], mapping: &Mapping, collect: bool) -> Result<(Dataset, channel_kpi::load::LoadReport)> {
    load_as(batches, mapping, collect, false)
}

pub fn load_as(batches: &[RecordBatch], mapping: &Mapping, collect: bool, row_path_only: bool) -> Loaded {
    let b: Vec<_> = batches.iter().cloned().map(Ok).collect();
    let src = Source::from_arrow(RecordKind::Deals, "deals", Box::new(b.into_iter()));
    load_tables(vec![src], mapping, &LoadOptions { collect_errors: collect, row_path_only, ..LoadOptions::default() })
}

/// The row path's load (the oracle).
pub fn slow(batches: &[RecordBatch], collect: bool) -> Loaded {
    load_as(batches, &Mapping::default(), collect, true)
}

/// The same rows as a Parquet file (row groups of `group` rows), loaded from disk.
#[cfg(feature = "parquet")]
pub fn load_parquet(
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
pub fn same(fast: Loaded, slow: Loaded) -> std::result::Result<(), TestCaseError> {
    common::same(fast, slow, &by_attrs())
}

/// Queries by attrs: `attr:region` alone, `attr:plan` with the partner (and a roll-up),
/// `attr:seats` (numbers rendered as text).
pub fn by_attrs() -> [channel_kpi::Query; 3] {
    use channel_kpi::{Dimension, Metric, Period, Query};
    let q = || Query::new(vec![Metric::DealCount, Metric::CloseRate], Period::parse("2025").unwrap());
    let by = |a: &str| Dimension::Attr(a.into());
    [q().by(by("region")), q().by(by("plan")).by(Dimension::Partner).rollup(), q().by(by("seats"))]
}

/// A Maven-like export: the table's `deal_id`, `status` and `created_on` renamed, read
/// through a mapping that renames them back (and reads `status` as `stage` too), with value
/// maps, defaults (`variant`) and each `attrs` choice.
pub fn maven(batches: &[RecordBatch], variant: u8) -> (Vec<RecordBatch>, Mapping) {
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

pub fn gen_row() -> impl Strategy<Value = Gen> {
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

/// `rows` made clean (unique ids, known statuses and channels, one currency, no trouble) but for one kind of
/// `trouble` in row `at` (none: 0; 16: a repeated id), so the shortcut reads the rest and meets that one row.
pub fn one_trouble(mut rows: Vec<Gen>, trouble: u8, at: usize) -> Vec<Gen> {
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
