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
mod typed_rows;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use channel_kpi::load::Mapping;
use proptest::prelude::*;
use std::sync::Arc;
use typed_rows::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn shortcut_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..60), dictionary: bool, ints: bool, batches in 1usize..4, collect: bool) {
        let t = table(&rows, dictionary, ints, batches);
        let (fast, slow) = (load(&t, &Mapping::default(), collect), slow(&t, collect));
        same(fast, slow)?;
    }
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
        let opts = channel_kpi::load::LoadOptions::default();
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
