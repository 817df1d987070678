//! A leads table with typed columns read through the loader's shortcut (`arrow/typed_leads.rs`)
//! gives the dataset, report and errors of the row path: the same table read row by row
//! (`LoadOptions::row_path_only`) is the oracle — in memory and as a Parquet file, in the
//! canonical format and through a mapping (renamed columns, a channel value map, a default).
//! Tables mix clean rows with padded and mixed-case texts, empty strings, nulls, dictionary
//! columns, text and number columns kept as attrs, and bad rows (an empty id, a missing
//! creation date, an unknown channel, a repeated id), whole or in several batches.
//! A query on the same tables (`load::run_tables`: leads folded as they are read) gives the
//! result or error of the whole load, then the query.
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
    deals_of(40)
}

/// The deals `D0` … `D{n - 1}` of [`deals`].
fn deals_of(n: usize) -> Source {
    Source::from_arrow(RecordKind::Deals, "deals", Box::new(std::iter::once(Ok(deals_batch(n)))))
}

/// The deals of [`deals_of`] as one batch.
fn deals_batch(n: usize) -> RecordBatch {
    let status = |i: usize| ["won", "lost", "open"][i % 3];
    RecordBatch::try_from_iter([
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
    .unwrap()
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

/// A query on the leads `batches` beside the deals `D0` … `D{deals - 1}`, a spend table and
/// (`partners`) a partners table naming `P0` … `P4` (the generated leads name up to `P6`)
/// through `load::run_tables` (leads folded as they are read, `load/stream.rs`) equals the same
/// tables loaded whole, then queried: the same result, files and bad rows, or the same error.
/// Per query of [`queries`]: whether it was folded as it was read (`None`: an error).
#[cfg(feature = "parquet")]
fn streamed_equals_whole(
    batches: &[RecordBatch],
    mapping: &Mapping,
    collect: bool,
    deals: usize,
    partners: bool,
) -> Result<Vec<Option<bool>>, TestCaseError> {
    let sources = || {
        let mut s = vec![deals_of(deals)];
        let text = |v: Vec<String>| Arc::new(StringArray::from(v)) as ArrayRef;
        if partners {
            let t = RecordBatch::try_from_iter([("partner_id", text((0..5).map(|p| format!("P{p}")).collect()))]).unwrap();
            s.push(Source::from_arrow(RecordKind::Partners, "partners", Box::new(std::iter::once(Ok(t)))));
        }
        let spend = RecordBatch::try_from_iter([
            ("channel", text(["paid", "owned", "earned"].map(String::from).to_vec())),
            ("source", text(["webinar", "ads", "newsletter"].map(String::from).to_vec())),
            ("spent_on", Arc::new(Date32Array::from(vec![20_100, 20_200, 20_300])) as ArrayRef),
            ("amount", Arc::new(Int64Array::from(vec![500, 700, 900])) as ArrayRef),
            ("currency", text(vec!["USD".into(); 3])),
        ])
        .unwrap();
        s.push(Source::from_arrow(RecordKind::Spend, "spend", Box::new(std::iter::once(Ok(spend)))));
        let b: Vec<_> = batches.iter().cloned().map(Ok).collect();
        s.push(Source::from_arrow(RecordKind::Leads, "leads", Box::new(b.into_iter())));
        s
    };
    let opts = LoadOptions { collect_errors: collect, ..LoadOptions::default() };
    let mut streamed_each = Vec::new();
    for q in queries() {
        streamed_each.push(common::streamed_equals_whole(sources, mapping, &opts, &q)?);
    }
    Ok(streamed_each)
}

#[cfg(feature = "parquet")]
proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    /// Any table, clean or not, linking to known deals or not (`deals`: the generated leads
    /// link to up to `D39`), its partners known or not, plain or mapped: a query on it equals a
    /// whole load; a clean one (unique ids, known channels, deals and partners) is folded as it
    /// is read.
    #[test]
    fn a_query_on_lead_tables_equals_a_whole_load(rows in proptest::collection::vec(gen_row(), 1..60), clean: bool, dictionary: bool, batches in 1usize..4, collect: bool, deals in prop_oneof![Just(40usize), 0usize..40], partners: bool, variant in 0u8..7) {
        let rows = if clean { one_trouble(rows, 0, 0) } else { rows };
        let t = table(&rows, dictionary, batches);
        let (t, m) = if variant < 6 { mapped(&t, variant) } else { (t, Mapping::default()) };
        let streamed = streamed_equals_whole(&t, &m, collect, deals, partners)?;
        let known = |r: &Gen| r.5.is_none_or(|d| usize::from(d) < deals) && (!partners || r.4.is_none_or(|p| p % 7 < 5));
        if clean && rows.iter().all(known) {
            // (by an attr the mapping drops: an error, as in a whole load)
            prop_assert!(streamed[0] == Some(true) && !streamed.contains(&Some(false)), "a clean table is folded as it is read: {:?}", streamed);
        }
    }
}

/// A leads table of several fold chunks (64 k rows each), clean, then with a repeated id or a
/// link to an unknown deal in a late chunk: a query on it equals a whole load then the query,
/// and the repeat is named with both rows.
#[cfg(feature = "parquet")]
#[test]
fn a_query_on_a_big_lead_table_equals_a_whole_load() {
    let rows: Vec<Gen> = (0..150_000u32)
        .map(|i| {
            ((i % 60_000) as u16, (i % 500) as u16, (i % 5) as u8, Some((i % 4) as u8), None, Some((i % 40) as u8), None, None, None, 0)
        })
        .collect();
    let with_ids = |t: Vec<RecordBatch>, id: &dyn Fn(usize) -> String| -> Vec<RecordBatch> {
        t.iter()
            .scan(0usize, |at, b| {
                let ids: Vec<String> = (*at..*at + b.num_rows()).map(id).collect();
                *at += b.num_rows();
                let mut cols = b.columns().to_vec();
                cols[0] = Arc::new(StringArray::from(ids));
                Some(RecordBatch::try_new(b.schema(), cols).unwrap())
            })
            .collect()
    };
    let clean = with_ids(table(&rows, false, 3), &|i| format!("L{i}"));
    let every = |b| vec![Some(b); queries().len()];
    assert_eq!(
        streamed_equals_whole(&clean, &Mapping::default(), false, 40, false).unwrap(),
        every(true),
        "a clean table is folded as it is read"
    );
    let repeat = with_ids(table(&rows, false, 5), &|i| if i == 140_000 { "L3".into() } else { format!("L{i}") });
    assert_eq!(streamed_equals_whole(&repeat, &Mapping::default(), false, 40, false).unwrap(), vec![None; 3]);
    // the repeat skipped (and reported) under collect_errors: the whole load's result
    assert_eq!(streamed_equals_whole(&repeat, &Mapping::default(), true, 40, false).unwrap(), every(false));
    let q = queries().remove(0);
    let src = Source::from_arrow(RecordKind::Leads, "leads", Box::new(repeat.into_iter().map(Ok).collect::<Vec<_>>().into_iter()));
    let e = channel_kpi::load::run_tables(vec![deals(), src], &Mapping::default(), &LoadOptions::default(), &q).expect_err("a repeated id");
    assert!(e.to_string().contains("duplicate lead id (first on row 3)"), "{e}");
    assert_eq!(e.location().and_then(|l| l.row), Some(140_000));
    // lead 130,000 links to D10: not among the deals D0 … D9 (nor are the others' D10 … D39)
    let mut linked = rows.clone();
    linked.iter_mut().for_each(|r| r.5 = r.5.map(|d| d % 10));
    linked[130_000].5 = Some(10);
    let dangling = with_ids(table(&linked, false, 4), &|i| format!("L{i}"));
    assert_eq!(streamed_equals_whole(&dangling, &Mapping::default(), true, 10, false).unwrap(), vec![None; 3]);
    let before = with_ids(table(&linked[..129_000], false, 4), &|i| format!("L{i}"));
    assert_eq!(streamed_equals_whole(&before, &Mapping::default(), true, 10, false).unwrap(), every(true));
}

/// A Parquet leads file beside a deals file through `load::run_files` (the leads folded from
/// the typed reader's chunks as they are read): the result or error of the whole load — a
/// clean file (folded as read), one with a repeated id, one linking to unknown deals.
#[cfg(feature = "parquet")]
#[test]
fn a_query_on_parquet_lead_files_equals_a_whole_load() {
    let lead = |i: u32| (0, (i % 500) as u16, (i % 5) as u8, Some((i % 4) as u8), None, Some((i % 40) as u8), None, Some(1), None, 0);
    for (trouble, deals) in [(0u8, 40usize), (4, 40), (0, 10)] {
        let rows = one_trouble((0..3_000u32).map(lead).collect(), trouble, 2_500);
        let dir = common::Scratch::new(&format!("leads-files-{trouble}-{deals}"));
        common::write_parquet(&dir.join("leads.parquet"), &table(&rows, false, 3), 700);
        common::write_parquet(&dir.join("deals.parquet"), &[deals_batch(deals)], 16);
        let paths = [dir.join("deals.parquet"), dir.join("leads.parquet")];
        for q in queries() {
            let opts = LoadOptions::default();
            let streamed = channel_kpi::load::run_files(&paths, &Mapping::default(), &opts, &q);
            let whole = channel_kpi::load::load_paths(&paths, &Mapping::default(), &opts).and_then(|(d, r)| Ok((d.run_checked(&q)?, r)));
            match (streamed, whole) {
                (Ok((a, ra)), Ok((b, rb))) => {
                    assert_eq!((a, &ra.files), (b, &rb.files));
                    assert!(ra.streamed, "a clean file is folded as it is read");
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string());
                    assert!(trouble != 0 || deals != 40, "{a}");
                }
                (a, b) => panic!("run_files {:?} vs whole load {:?}", a.map(|x| x.0.rows.len()), b.map(|x| x.0.rows.len())),
            }
        }
    }
}

/// A repeated lead id is reported before any error of a later row or table, as by the whole
/// load: a repeat in a table the typed reader leaves to the row path (a later row it refuses),
/// a repeat in a typed table followed by a spend table with a bad row, and an id of a typed
/// table repeated in a later table read row by row (and the other way round).
#[cfg(feature = "parquet")]
#[test]
fn a_repeat_is_reported_before_later_errors_as_by_a_whole_load() {
    let lead = |id: u16, trouble: u8| (id, 10, 1, Some(0), None, Some(3), None, None, None, trouble);
    let q = queries().remove(0);
    let opts = LoadOptions::default();
    let text = |v: Vec<&str>| Arc::new(StringArray::from(v)) as ArrayRef;
    // leads as a table with text dates: the typed reader leaves it to the row path
    let untyped = |ids: Vec<&str>| {
        let n = ids.len();
        let b = RecordBatch::try_from_iter([("lead_id", text(ids)), ("created_on", text(vec!["2025-02-01"; n]))]).unwrap();
        Source::from_arrow(RecordKind::Leads, "more_leads", Box::new(std::iter::once(Ok(b))))
    };
    let leads = |rows: &[Gen]| {
        Source::from_arrow(RecordKind::Leads, "leads", Box::new(table(rows, false, 1).into_iter().map(Ok).collect::<Vec<_>>().into_iter()))
    };
    let spend = |amount: &str| {
        let b = RecordBatch::try_from_iter([
            ("channel", text(vec!["paid"])),
            ("spent_on", text(vec!["2025-01-01"])),
            ("amount", text(vec![amount])),
            ("currency", text(vec!["USD"])),
        ])
        .unwrap();
        Source::from_arrow(RecordKind::Spend, "spend", Box::new(std::iter::once(Ok(b))))
    };
    type Sources<'a> = Box<dyn Fn() -> Vec<Source> + 'a>;
    let cases: Vec<(&str, Sources)> = vec![
        ("a repeat, then a row the typed reader refuses", Box::new(move || vec![deals(), leads(&[lead(7, 0), lead(7, 0), lead(8, 2)])])),
        ("a repeat, then a bad spend row", Box::new(move || vec![deals(), leads(&[lead(7, 0), lead(7, 0)]), spend("oops")])),
        ("typed, then row by row", Box::new(move || vec![deals(), leads(&[lead(7, 0), lead(8, 0)]), untyped(vec!["L9", "L8"])])),
        ("row by row, then typed", Box::new(move || vec![deals(), untyped(vec!["L9", "L8"]), leads(&[lead(7, 0), lead(8, 0)])])),
        ("no repeat", Box::new(move || vec![deals(), leads(&[lead(7, 0), lead(8, 0)]), untyped(vec!["L9"]), spend("10")])),
    ];
    for (case, sources) in cases {
        let streamed = channel_kpi::load::run_tables(sources(), &Mapping::default(), &opts, &q);
        let whole = channel_kpi::arrow::load_tables(sources(), &Mapping::default(), &opts).and_then(|(d, r)| Ok((d.run_checked(&q)?, r)));
        match (streamed, whole) {
            (Ok((a, ra)), Ok((b, _))) => assert!(a == b && ra.streamed && case == "no repeat", "{case}"),
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string(), "{case}");
                assert!(a.to_string().contains("duplicate lead id"), "{case}: {a}");
            }
            (a, b) => panic!("{case}: run_tables {:?} vs whole load {:?}", a.map(|x| x.0.rows.len()), b.map(|x| x.0.rows.len())),
        }
    }
}
