//! A query on in-memory deals tables through `load::run_tables` (deals folded as they are
//! read, `load/stream.rs`) equals the same tables loaded whole, then queried: the same result,
//! files and bad rows, or the same error — on the generated tables of `typed_rows` (clean, with
//! one bad row, mapped, and big enough for several fold chunks).
#![cfg(feature = "parquet")]
#![allow(clippy::result_large_err)]

mod common;
mod typed_rows;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use channel_kpi::load::{LoadOptions, Mapping, RecordKind, Source};
use proptest::prelude::*;
use std::sync::Arc;
use typed_rows::*;

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
        common::streamed_equals_whole(sources, mapping, &opts, &q)?;
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
    // the last batch's ids changed by `f`
    let last_ids = |f: &dyn Fn(&mut Vec<String>)| {
        let mut t = clean.clone();
        let last = t.len() - 1;
        let b = &t[last];
        let idx = b.schema().index_of("deal_id").unwrap();
        let col = b.column(idx).as_any().downcast_ref::<StringArray>().unwrap();
        let mut ids: Vec<String> = (0..b.num_rows()).map(|i| col.value(i).to_string()).collect();
        f(&mut ids);
        let mut cols = b.columns().to_vec();
        cols[idx] = Arc::new(StringArray::from(ids));
        t[last] = RecordBatch::try_new(b.schema(), cols).unwrap();
        t
    };
    // a repeat of row 3's id in the last chunk (the ids before it, ascending, were not hashed:
    // they are read again when the order breaks)
    let t = last_ids(&|ids| ids[10] = "D3".into());
    let e = run(&t).expect_err("a repeated id is an error");
    assert!(e.to_string().contains("duplicate deal id (first on row 3)"), "{e}");
    streamed_equals_load_then_run_for(&t, &Mapping::default(), false, false, 1).unwrap();
    // the order broken in the last chunk, no id repeated: still folded as it is read
    let t = last_ids(&|ids| ids.swap(10, 11));
    assert!(run(&t).unwrap().1.streamed, "a break in the order is not a repeat");
    streamed_equals_load_then_run_for(&t, &Mapping::default(), false, false, 1).unwrap();
}

/// Deals in two currencies, queried by partner and by source without exchange rates: the
/// fold's chunks leave the text columns it reads none of unwritten (owner, source, …), yet the
/// deal named in the currency error is built whole, as by a whole load: the same error.
#[cfg(feature = "parquet")]
#[test]
fn a_currency_error_names_the_deal_as_a_whole_load_does() {
    use arrow_array::{Date32Array, Decimal128Array};
    use channel_kpi::{Dimension, Metric, Period, Query};
    let n = 10;
    let t = RecordBatch::try_from_iter([
        ("deal_id", Arc::new(StringArray::from((0..n).map(|i| format!("D{i}")).collect::<Vec<_>>())) as ArrayRef),
        ("partner_id", Arc::new(StringArray::from(vec!["P1"; n])) as ArrayRef),
        ("owner_id", Arc::new(StringArray::from(vec!["E1"; n])) as ArrayRef),
        ("source", Arc::new(StringArray::from(vec!["web"; n])) as ArrayRef),
        ("created_on", Arc::new(Date32Array::from(vec![20_100; n])) as ArrayRef),
        ("closed_on", Arc::new(Date32Array::from(vec![20_110; n])) as ArrayRef),
        ("status", Arc::new(StringArray::from(vec!["won"; n])) as ArrayRef),
        ("amount", Arc::new(Decimal128Array::from(vec![100; n]).with_precision_and_scale(18, 2).unwrap()) as ArrayRef),
        ("currency", Arc::new(StringArray::from((0..n).map(|i| if i < 6 { "USD" } else { "EUR" }).collect::<Vec<_>>())) as ArrayRef),
    ])
    .unwrap();
    let sources = || vec![Source::from_arrow(RecordKind::Deals, "deals", Box::new(std::iter::once(Ok(t.clone()))))];
    let q = Query::new(vec![Metric::DealCount, Metric::WonRevenue], Period::parse("2025").unwrap());
    for q in [q.clone().by(Dimension::Partner), q.by(Dimension::Source)] {
        let e = channel_kpi::load::run_tables(sources(), &Mapping::default(), &LoadOptions::default(), &q).expect_err("two currencies");
        assert!(e.to_string().contains("deal D6"), "{e}");
        assert_eq!(common::streamed_equals_whole(sources, &Mapping::default(), &LoadOptions::default(), &q).unwrap(), None);
    }
}
