//! Deals folded from Arrow batches (`arrow::fold_deal_batches`, `fold_deal_stream`: each batch
//! read into `Deals` columns and folded by `Engine::push_deals`, which sums the deal-outcome
//! KPIs' facts per group and window) equal each deal folded on its own (`Engine::push` of a
//! `Deal` record) and a dataset's run on generated deals, for any query (metrics, grouping, roll-up, buckets,
//! comparisons), however the rows are split into batches and threads (split and merge of
//! partials) and whatever the string layout; a batch the typed reading does not take goes
//! through the loader's conversions.
#![cfg(feature = "arrow")]
#![allow(clippy::result_large_err)]

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, Date32Array, Decimal128Array, RecordBatch, StringArray};
use channel_kpi::arrow::{fold_deal_batches, fold_deal_stream};
use channel_kpi::*;
use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use std::sync::Arc;

type Row = (u64, u64, u8, Option<i64>, Option<u8>);

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
}

fn deals(rows: &[Row]) -> Vec<Deal> {
    rows.iter()
        .enumerate()
        .map(|(i, &(created, cycle, status, cents, partner))| {
            let status = [DealStatus::Open, DealStatus::Won, DealStatus::Lost][status as usize];
            let created_on = base() + Days::new(created);
            let mut d = Deal::new(format!("D{i}"), created_on, status);
            d.partner_id = partner.map(|p| format!("p{p}"));
            d.owner_id = (i % 4 != 0).then(|| format!("e{}", created % 3));
            if status != DealStatus::Open {
                d.closed_on = Some(created_on + Days::new(cycle));
            }
            d.amount = cents.map(|c| Money::new(rust_decimal::Decimal::new(c, 2), Currency::new("EUR").unwrap()));
            // an attr most deals have, another only a few
            if i % 5 != 0 {
                d.attrs.insert("region".into(), ["EMEA", "APAC", "LATAM", "AMER"][(created % 4) as usize].into());
            }
            if i % 11 == 3 {
                d.attrs.insert("segment".into(), format!("s{}", cycle % 2));
            }
            // a number (an Int64 column, rendered as the row path renders it)
            if i % 7 != 0 {
                d.attrs.insert("seats".into(), (cycle % 3).to_string());
            }
            d
        })
        .collect()
}

/// The deals as a batch; with `attrs`, their attrs as columns too, kept under the default
/// `attrs: "all"` and read on the columnar path like the deal fields (`region` dictionary-encoded
/// with `dictionary`, `segment` plain text, `seats` an Int64 column).
fn batch(ds: &[Deal], dictionary: bool, attrs: bool) -> RecordBatch {
    let day = |d: NaiveDate| arrow_array::types::Date32Type::from_naive_date(d);
    let s = |v: Vec<Option<String>>| Arc::new(StringArray::from(v)) as ArrayRef;
    let partner: Vec<Option<String>> = ds.iter().map(|d| d.partner_id.clone()).collect();
    let partner: ArrayRef = if dictionary {
        let mut b = StringDictionaryBuilder::<Int32Type>::new();
        for p in &partner {
            b.append_option(p.as_deref());
        }
        Arc::new(b.finish())
    } else {
        s(partner)
    };
    let amount: Vec<Option<i128>> = ds.iter().map(|d| d.amount.map(|m| m.amount.mantissa())).collect();
    let attr = |name: &str| s(ds.iter().map(|d| d.attrs.get(name).cloned()).collect());
    let region: ArrayRef = if dictionary {
        let mut b = StringDictionaryBuilder::<Int32Type>::new();
        ds.iter().for_each(|d| b.append_option(d.attrs.get("region")));
        Arc::new(b.finish())
    } else {
        attr("region")
    };
    let seats = ds.iter().map(|d| d.attrs.get("seats").map(|s| s.parse::<i64>().unwrap())).collect::<Vec<_>>();
    let seats = Arc::new(arrow_array::Int64Array::from(seats)) as ArrayRef;
    let attr_columns = if attrs { vec![("region", region), ("segment", attr("segment")), ("seats", seats)] } else { Vec::new() };
    RecordBatch::try_from_iter(
        [
            ("deal_id", s(ds.iter().map(|d| Some(d.id.clone())).collect())),
            ("partner_id", partner),
            ("owner_id", s(ds.iter().map(|d| d.owner_id.clone()).collect())),
            ("status", s(ds.iter().map(|d| Some(format!("{:?}", d.status).to_lowercase())).collect())),
            ("created_on", Arc::new(Date32Array::from(ds.iter().map(|d| day(d.created_on)).collect::<Vec<_>>())) as ArrayRef),
            ("closed_on", Arc::new(Date32Array::from(ds.iter().map(|d| d.closed_on.map(day)).collect::<Vec<_>>())) as ArrayRef),
            ("amount", Arc::new(Decimal128Array::from(amount).with_precision_and_scale(18, 2).unwrap()) as ArrayRef),
            ("currency", s(ds.iter().map(|_| Some("EUR".to_string())).collect())),
        ]
        .into_iter()
        .chain(attr_columns),
    )
    .unwrap()
}

const COLUMNAR: [Metric; 10] = [
    Metric::DealCount,
    Metric::WonRevenue,
    Metric::AvgDealSize,
    Metric::AvgClosedDealSize,
    Metric::CloseRate,
    Metric::SalesCycleDays,
    Metric::SalesVelocity,
    Metric::Pipeline,
    Metric::ChannelPerformance,
    Metric::LeadConversionRate,
];

prop_compose! {
    fn row()(created in 0u64..500, cycle in prop_oneof![9 => 0u64..150, 1 => 2040u64..2060], status in 0u8..3, cents in 0i64..5_000_000,
             has_amount in proptest::bool::weighted(0.9), partner in proptest::option::weighted(0.85, 0u8..6)) -> Row {
        (created, cycle, status, (has_amount || status == 1).then_some(cents), partner)
    }
}

prop_compose! {
    fn query()(mask in 1u16..1024, by in 0u8..7, rollup in any::<bool>(), shape in 0u8..6) -> Query {
        let mut metrics: Vec<Metric> = COLUMNAR.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, m)| *m).collect();
        if shape == 4 {
            // cyclic buckets have no instants for the pipeline
            metrics.retain(|m| *m != Metric::Pipeline);
            if metrics.is_empty() {
                metrics.push(Metric::CloseRate);
            }
        }
        let mut q = Query::new(metrics, Period::parse("2025").unwrap());
        if by == 1 {
            q = q.by(Dimension::Partner);
        }
        if by == 2 {
            q = q.by(Dimension::Partner).by(Dimension::Owner);
        }
        // by attrs: alone (group ids cached per attr id), with the partner (cached per pair of
        // ids), a name no deal has
        if by == 3 {
            q = q.by(Dimension::Attr("region".into()));
        }
        if by == 4 {
            q = q.by(Dimension::Attr("segment".into())).by(Dimension::Partner).by(Dimension::Attr("region".into()));
        }
        if by == 5 {
            q = q.by(Dimension::Attr("nope".into()));
        }
        if by == 6 {
            q = q.by(Dimension::Attr("seats".into()));
        }
        if rollup {
            q = q.rollup();
        }
        match shape {
            1 => q.buckets(Bucket::Quarter),
            2 => q.compare(Compare::PreviousPeriod),
            3 => q.buckets(Bucket::Month).compare(Compare::YearAgo),
            4 => q.buckets(Bucket::MonthOfYear),
            5 => q.buckets(Bucket::Week).compare(Compare::PreviousPeriod),
            _ => q,
        }
    }
}

/// The expected result: each deal folded as a `Deal` record on its own (`Engine::push`: every
/// KPI's `observe`, one deal at a time), not summed per group first as `push_deals` does — and
/// equal to a dataset's run.
fn row_path(ds: Vec<Deal>, q: &Query) -> ResultTable {
    let refs = Reference::default();
    let mut e = Engine::new(q, &refs).unwrap();
    ds.iter().for_each(|d| e.push(&Record::Deal(d)).unwrap());
    let one_by_one = e.into_partial().unwrap().finish(&refs).unwrap();
    let data = Dataset { deals: ds.into(), ..Dataset::default() };
    assert_eq!(data.run(q).unwrap(), one_by_one);
    one_by_one
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn columnar_equals_row_path(rows in proptest::collection::vec(row(), 0..120), q in query(),
                                cut in 0usize..120, threads in 1usize..4, dictionary in any::<bool>()) {
        let ds = deals(&rows);
        let expected = row_path(ds.clone(), &q);
        let refs = Reference::default();
        let cut = cut.min(ds.len());
        let attrs = q.group_by.iter().any(|d| matches!(d, Dimension::Attr(_)));
        let batches = vec![batch(&ds[..cut], dictionary, attrs), batch(&ds[cut..], !dictionary, attrs)];
        let p = fold_deal_batches(&q, &refs, &batches, threads).unwrap();
        prop_assert_eq!(&p.finish(&refs).unwrap(), &expected);
        let stream = Box::new(batches.clone().into_iter().map(Ok));
        let p = fold_deal_stream(&q, &refs, stream, threads).unwrap();
        prop_assert_eq!(&p.finish(&refs).unwrap(), &expected);
    }
}

/// `batch` of `ds` behind `pad` rows of other deals, sliced off again: every column an array
/// with an offset (validity bitmaps not starting at a byte), as `RecordBatch::slice` makes.
fn sliced(ds: &[Deal], pad: usize, dictionary: bool) -> RecordBatch {
    let mut all: Vec<Deal> = ds.iter().take(pad).cloned().collect();
    all.resize(pad.min(ds.len()), Deal::new("x", base(), DealStatus::Open));
    let pad = all.len();
    all.extend(ds.iter().cloned());
    batch(&all, dictionary, false).slice(pad, ds.len())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    /// Batches longer than the first pass's chunk (1,024 rows) and sliced at any offset, with
    /// some statuses not in lowercase (their chunk goes through the exact per-row loop).
    #[test]
    fn long_and_sliced_batches_equal_the_row_path(rows in proptest::collection::vec(row(), 1..40), copies in 1usize..80,
                                                  pad in 0usize..70, shout in proptest::option::of(0usize..3000),
                                                  threads in 1usize..3, dictionary in any::<bool>()) {
        let rows: Vec<Row> = rows.iter().cycle().take(rows.len() * copies).copied().collect();
        let ds = deals(&rows);
        let q = Query::new(COLUMNAR.to_vec(), Period::parse("2025").unwrap()).by(Dimension::Partner).rollup();
        let expected = row_path(ds.clone(), &q);
        let refs = Reference::default();
        let mut b = sliced(&ds, pad, dictionary);
        if let Some(k) = shout.filter(|k| *k < ds.len()) {
            let status: Vec<String> = ds.iter().enumerate().map(|(i, d)| {
                let s = format!("{:?}", d.status).to_lowercase();
                if i == k { s.to_uppercase() } else { s }
            }).collect();
            let mut cols = b.columns().to_vec();
            cols[b.schema().index_of("status").unwrap()] = Arc::new(StringArray::from(status));
            b = RecordBatch::try_new(b.schema(), cols).unwrap();
        }
        let p = fold_deal_batches(&q, &refs, std::slice::from_ref(&b), threads).unwrap();
        prop_assert_eq!(&p.finish(&refs).unwrap(), &expected);
    }
}

#[test]
fn other_queries_take_the_row_path_per_batch() {
    let rows: Vec<Row> = (0..50).map(|i| (i * 9, i % 40, (i % 3) as u8, Some(1000 + i as i64), Some((i % 4) as u8))).collect();
    let ds = deals(&rows);
    let q = Query::new(vec![Metric::MedianDealSize, Metric::WonRevenue], Period::parse("2025").unwrap()).by(Dimension::Partner);
    let refs = Reference::default();
    let batches = vec![batch(&ds[..20], false, false), batch(&ds[20..], true, false)];
    let p = fold_deal_batches(&q, &refs, &batches, 2).unwrap();
    assert_eq!(p.finish(&refs).unwrap(), row_path(ds, &q));
}

#[test]
fn bad_rows_are_errors_naming_row_column_and_value() {
    let rows: Vec<Row> = (0..10).map(|i| (i * 30, 5, 1, Some(100), Some(1))).collect();
    let ds = deals(&rows);
    let q = Query::new(vec![Metric::WonRevenue], Period::parse("2025").unwrap());
    let refs = Reference::default();
    let mut b = batch(&ds, false, false);
    // row 7: a status nobody knows
    let mut status: Vec<&str> = vec!["won"; 10];
    status[7] = "maybe";
    let mut cols = b.columns().to_vec();
    cols[b.schema().index_of("status").unwrap()] = Arc::new(StringArray::from(status));
    b = RecordBatch::try_new(b.schema(), cols).unwrap();
    let e = fold_deal_batches(&q, &refs, &[batch(&ds, false, false), b], 1).unwrap_err().to_string();
    assert!(e.contains("row 17") && e.contains("status") && e.contains("maybe"), "{e}");
    // a second currency
    let mut b = batch(&ds, false, false);
    let mut cols = b.columns().to_vec();
    cols[b.schema().index_of("currency").unwrap()] =
        Arc::new(StringArray::from(vec!["EUR", "EUR", "USD", "EUR", "EUR", "EUR", "EUR", "EUR", "EUR", "EUR"]));
    b = RecordBatch::try_new(b.schema(), cols).unwrap();
    let e = fold_deal_batches(&q, &refs, &[b], 1).unwrap_err().to_string();
    assert!(e.contains("USD") && e.contains("row 2"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Deals pushed in pieces (each its own `Deals`, with its own dictionary, as a file is folded
    /// chunk by chunk), a deal pushed as a record between them: the engine keeps the pieces'
    /// sums until `finish` or `into_partial` (`Engine::tallies`), and a `finish` between pieces
    /// sees everything pushed so far.
    #[test]
    fn deals_pushed_in_pieces_equal_the_row_path(rows in proptest::collection::vec(row(), 1..90), q in query(),
                                                  cuts in proptest::collection::vec(0usize..90, 0..4), lone in 0usize..90) {
        let ds = deals(&rows);
        let refs = Reference::default();
        let lone = lone.min(ds.len() - 1);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(ds.len())).chain([0, ds.len()]).collect();
        cuts.sort();
        let mut e = Engine::new(&q, &refs).unwrap();
        let mut pushed: Vec<Deal> = Vec::new();
        for piece in cuts.windows(2) {
            let part: Vec<Deal> = ds[piece[0]..piece[1]].iter().enumerate().filter(|(i, _)| piece[0] + i != lone).map(|(_, d)| d.clone()).collect();
            let cols: Deals = part.clone().into();
            e.push_deals(&cols, 0..cols.len()).unwrap();
            pushed.extend(part);
            if (piece[0]..piece[1]).contains(&lone) {
                e.push(&Record::Deal(&ds[lone])).unwrap();
                pushed.push(ds[lone].clone());
            }
            prop_assert_eq!(e.finish().unwrap(), row_path(pushed.clone(), &q));
        }
        prop_assert_eq!(e.into_partial().unwrap().finish(&refs).unwrap(), row_path(ds, &q));
    }
}

/// Sums that overflow only once pieces pushed apart are added up are an error of
/// `into_partial` and `finish`, not dropped.
#[test]
fn sums_that_overflow_across_pieces_are_an_error() {
    let q = Query::new(vec![Metric::WonRevenue], Period::parse("2025").unwrap());
    let refs = Reference::default();
    let big = |id: &str| {
        let mut d = Deal::new(id, "2025-02-01".parse().unwrap(), DealStatus::Won);
        d.closed_on = Some("2025-03-01".parse().unwrap());
        d.amount = Some(Money::new(
            rust_decimal::Decimal::from_i128_with_scale(50_000_000_000_000_000_000_000_000_000, 0),
            Currency::new("USD").unwrap(),
        ));
        d
    };
    let mut e = Engine::new(&q, &refs).unwrap();
    for id in ["D1", "D2"] {
        let piece: Deals = vec![big(id)].into();
        e.push_deals(&piece, 0..1).unwrap();
    }
    let shown = e.finish().unwrap_err().to_string();
    assert!(shown.contains("amount") && shown.contains("28 significant digits"), "{shown}");
    assert!(matches!(e.into_partial(), Err(channel_kpi::Error::Overflow { .. })));
}
