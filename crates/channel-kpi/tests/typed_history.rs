//! A stage-history table with typed columns read through the loader's shortcut
//! (`arrow/typed_history.rs`, `load/typed_history.rs`) gives the dataset, report and errors of
//! the row path: the same table read row by row (`LoadOptions::row_path_only`) is the oracle —
//! in memory and as a Parquet file, in the canonical format and through a mapping (renamed
//! columns, a stage value map). Tables mix clean rows with padded texts, dictionary columns and
//! bad rows (a deal no deal file has, a blank deal id, a missing stage or date), whole or in
//! several batches, next to a CSV stage history the row path reads.
#![cfg(feature = "arrow")]
#![allow(clippy::result_large_err)]

mod common;

use arrow_array::{ArrayRef, Date32Array, RecordBatch};
use channel_kpi::load::{LoadOptions, Mapping, RecordKind, Source};
use channel_kpi::{Dimension, Metric, Period, Query};
use common::Loaded;
use proptest::prelude::*;
use std::sync::Arc;

/// One generated entry: deal (D0 … D19), stage, days after 2025-01-01, trouble (0: none;
/// 1: an unknown deal; 2: a blank deal id; 3: no stage; 4: no date; 5: a padded deal id).
type Gen = (u8, u8, u16, u8);

const STAGES: [&str; 5] = ["Prospect", " Qualify", "Proposal ", "Won", "Lost"];

/// Deals D0 … D19 created 2024-12-01, every fourth won and every fourth lost in 2025-09, as CSV
/// (the row path reads them either way), and the pipeline.
fn reference() -> Vec<Source> {
    let mut deals = String::from("deal_id,partner_id,created_on,closed_on,status,amount,currency\n");
    for i in 0..20 {
        let (status, closed) = match i % 4 {
            0 => ("won", "2025-09-01"),
            1 => ("lost", "2025-09-01"),
            _ => ("open", ""),
        };
        deals.push_str(&format!("D{i},P{},2024-12-01,{closed},{status},100,USD\n", i % 3));
    }
    let pipeline = "stage,probability\nProspect,0.1\nQualify,0.3\nProposal,0.6\nWon,1\nLost,0\n";
    vec![Source::from_text(RecordKind::Deals, "deals.csv", deals), Source::from_text(RecordKind::Pipeline, "pipeline.csv", pipeline)]
}

fn table(rows: &[Gen], dictionary: bool, batches: usize) -> Vec<RecordBatch> {
    let s = |v: Vec<Option<String>>| common::text_column(v, dictionary);
    let deal = |r: &Gen| match r.3 {
        1 => Some(format!("X{}", r.0)),
        2 => Some("  ".into()),
        5 => Some(format!(" D{} ", r.0 % 20)),
        _ => Some(format!("D{}", r.0 % 20)),
    };
    let whole = RecordBatch::try_from_iter([
        ("deal_id", s(rows.iter().map(deal).collect())),
        ("stage", s(rows.iter().map(|r| (r.3 != 3).then(|| STAGES[r.1 as usize % 5].to_string())).collect())),
        (
            "entered_on",
            Arc::new(Date32Array::from(rows.iter().map(|r| (r.3 != 4).then_some(20_089 + i32::from(r.2))).collect::<Vec<_>>())) as ArrayRef,
        ),
    ])
    .unwrap();
    let n = whole.num_rows();
    let per = n.div_ceil(batches.max(1)).max(1);
    (0..n).step_by(per).map(|at| whole.slice(at, per.min(n - at))).collect()
}

fn options(collect: bool, row_path_only: bool) -> LoadOptions {
    LoadOptions { collect_errors: collect, row_path_only, ..LoadOptions::default() }
}

/// The table, and beside it a CSV stage history read by the row path (its entries come first
/// in kind order only by source order: the same in both loads).
fn load_as(batches: &[RecordBatch], mapping: &Mapping, collect: bool, row_path_only: bool) -> Loaded {
    let mut before = reference();
    before.push(Source::from_text(RecordKind::StageHistory, "history.csv", "deal_id,stage,entered_on\nD1,Prospect,2025-02-01\n"));
    common::load_table(RecordKind::StageHistory, "stage_history", batches, before, mapping, &options(collect, row_path_only))
}

/// The same rows as a Parquet file (row groups of `group` rows), loaded from disk.
#[cfg(feature = "parquet")]
fn load_parquet(batches: &[RecordBatch], group: usize, mapping: &Mapping, collect: bool, row_path_only: bool) -> Loaded {
    let opts = options(collect, row_path_only);
    common::load_parquet_table((RecordKind::StageHistory, "stage_history"), batches, group, reference(), mapping, &opts)
}

/// The pipeline KPIs by partner with a roll-up.
fn queries() -> Vec<Query> {
    let q = Query::new(vec![Metric::StageDuration, Metric::StageFunnel, Metric::PipelineChange], Period::parse("2025").unwrap());
    vec![q.by(Dimension::Partner).rollup()]
}

fn same(fast: Loaded, slow: Loaded) -> Result<(), TestCaseError> {
    common::same(fast, slow, &queries())
}

/// `deal_id` → `Opportunity`, `stage` → `Step`, read through a mapping that renames them back
/// and, for an even `variant`, maps a step's name.
fn mapped(batches: &[RecordBatch], variant: u8) -> (Vec<RecordBatch>, Mapping) {
    let rename = |n: &str| match n {
        "deal_id" => "Opportunity".to_string(),
        "stage" => "Step".to_string(),
        n => n.to_string(),
    };
    let values = if variant.is_multiple_of(2) { r#"{"stage": {"Proposal": "Qualify"}}"# } else { "{}" };
    let m = Mapping::from_json_str(&format!(
        r#"{{"stage_history": {{"columns": {{"deal_id": "Opportunity", "stage": "Step"}}, "values": {values}}}}}"#
    ))
    .unwrap();
    (common::renamed(batches, rename), m)
}

fn gen_row() -> impl Strategy<Value = Gen> {
    (0u8..40, 0u8..5, 0u16..300, prop_oneof![30 => Just(0u8), 1 => 1u8..6])
}

/// `rows` made clean but for `trouble` in row `at`.
fn one_trouble(mut rows: Vec<Gen>, trouble: u8, at: usize) -> Vec<Gen> {
    rows.iter_mut().for_each(|r| r.3 = 0);
    let n = rows.len();
    rows[at % n].3 = trouble;
    rows
}

common::typed_reader_proptests!(troubles: 0u8..6);

/// A clean table: every entry attached to its deal in date order (the CSV's entry of D1 among
/// them), as the row path attaches them, and the report counts every row.
#[test]
fn entries_are_attached_to_their_deals_in_date_order() {
    let rows: Vec<Gen> = (0..3000u32).map(|i| ((i % 20) as u8, (i % 5) as u8, (i % 97) as u16, 0)).collect();
    let t = table(&rows, true, 3);
    let (fast, report) = load_as(&t, &Mapping::default(), false, false).unwrap();
    let (slow, _) = load_as(&t, &Mapping::default(), false, true).unwrap();
    assert_eq!(fast.deals, slow.deals);
    let files: Vec<_> = report.files.iter().filter(|f| f.kind == RecordKind::StageHistory).map(|f| (f.rows_read, f.rows_loaded)).collect();
    assert_eq!(files, [(1, 1), (3000, 3000)]);
    let h = fast.deals.stage_history(1);
    assert_eq!(h.len(), 151, "150 table entries of D1 and the CSV's");
    assert!(h.windows(2).all(|w| w[0].entered_on <= w[1].entered_on));
    let prospect: Vec<String> = h.iter().filter(|e| e.stage == "Prospect").map(|e| e.entered_on.to_string()).collect();
    assert_eq!(prospect, ["2025-02-01"], "the CSV's entry (the table's entries of D1 are all at Qualify)");
    assert_eq!((h[0].entered_on.to_string(), h[0].stage.as_str()), ("2025-01-01".into(), "Qualify"));
    assert!(fast.deals.stage_history(3).iter().all(|e| STAGES.iter().any(|s| s.trim() == e.stage)), "stages trimmed");
}

/// A deal no deal file has: the row path reads the table and names the row and the id.
#[test]
fn an_unknown_deal_is_named_with_its_row() {
    let rows: Vec<Gen> = [(1, 0, 5, 0), (2, 1, 6, 0), (3, 2, 7, 1)].to_vec();
    let t = table(&rows, false, 1);
    let e = load_as(&t, &Mapping::default(), false, false).expect_err("an unknown deal is an error");
    assert!(e.to_string().contains("stage entry of an unknown deal"), "{e}");
    let loc = e.location().expect("located");
    assert_eq!((loc.file.as_deref(), loc.row, loc.value.as_deref()), (Some("stage_history"), Some(2), Some("X3")), "{e}");
}
