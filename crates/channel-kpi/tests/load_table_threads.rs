//! An in-memory table is converted on several threads, in chunks of rows (`load/read.rs`): the
//! dataset, the report and the errors must be those of the same rows read one by one (here:
//! the same text as a CSV file, which is read row by row), and a duplicate or a bad value in
//! a later chunk must be found in row order.
#![cfg(feature = "arrow")]
#![allow(clippy::result_large_err)]

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use channel_kpi::load::{LoadOptions, LoadReport, Mapping, RecordKind, Source};
use channel_kpi::{Dataset, Error, Result};
use std::sync::Arc;

const COLUMNS: [&str; 7] = ["deal_id", "created_on", "status", "closed_on", "amount", "currency", "partner_id"];

/// `n` deal rows as text; `edit` changes any row.
fn rows(n: usize, edit: impl Fn(usize, &mut [String; 7])) -> Vec<[String; 7]> {
    (0..n)
        .map(|i| {
            let created = format!("2025-{:02}-{:02}", 1 + i % 12, 1 + i % 28);
            let (status, closed) = match i % 3 {
                0 => ("open", String::new()),
                1 => ("won", format!("2025-12-{:02}", 1 + i % 28)),
                _ => ("lost", format!("2025-12-{:02}", 1 + i % 28)),
            };
            let partner = if i % 10 == 0 { String::new() } else { format!("P{}", i % 37) };
            let mut r = [format!("D{i}"), created, status.into(), closed, format!("{}.{:02}", i % 5000, i % 100), "EUR".into(), partner];
            edit(i, &mut r);
            r
        })
        .collect()
}

/// The rows as one CSV file (read row by row).
fn csv(rows: &[[String; 7]], opts: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    let mut text = COLUMNS.join(",") + "\n";
    for r in rows {
        text += &(r.join(",") + "\n");
    }
    let src = Source::from_text(RecordKind::Deals, "deals.csv", text);
    channel_kpi::load::load_sources(vec![src], &Mapping::default(), opts)
}

/// The rows as an Arrow table of uneven batches (converted in chunks on every core).
fn table(rows: &[[String; 7]], opts: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    let mut batches = Vec::new();
    let mut start = 0;
    for size in [7_001, 30_000, 1, 45_000].iter().cycle() {
        if start >= rows.len() {
            break;
        }
        let part = &rows[start..(start + size).min(rows.len())];
        let cols = (0..COLUMNS.len()).map(|c| {
            let a: StringArray = part.iter().map(|r| (!r[c].is_empty()).then_some(r[c].as_str())).collect();
            (COLUMNS[c], Arc::new(a) as ArrayRef)
        });
        batches.push(Ok(RecordBatch::try_from_iter(cols).unwrap()));
        start += size;
    }
    let src = Source::from_arrow(RecordKind::Deals, "deals", Box::new(batches.into_iter()));
    channel_kpi::arrow::load_tables(vec![src], &Mapping::default(), opts)
}

#[test]
fn a_table_loads_like_the_same_rows_read_one_by_one() {
    let rows = rows(120_000, |_, _| {});
    let (by_row, report_rows) = csv(&rows, &LoadOptions::default()).unwrap();
    let (by_table, report_table) = table(&rows, &LoadOptions::default()).unwrap();
    assert_eq!(by_table.deals.len(), 120_000);
    assert!(by_table.deals == by_row.deals, "same deals, same order");
    assert_eq!(report_table.rows_read(), report_rows.rows_read());
    assert_eq!(report_table.files[0].rows_loaded, 120_000);
}

#[test]
fn the_first_bad_row_in_row_order_stops_the_load() {
    // Row 70,000 repeats the id of row 10; row 90,000 has a bad date: both in later chunks,
    // converted by different threads.
    let rows = rows(120_000, |i, r| match i {
        70_000 => r[0] = "D10".into(),
        90_000 => r[1] = "2025-02-30".into(),
        _ => {}
    });
    let e = table(&rows, &LoadOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Reference { .. }), "{e}");
    let loc = e.location().unwrap();
    assert_eq!((loc.file.as_deref(), loc.row, loc.value.as_deref()), (Some("deals"), Some(70_000), Some("D10")), "{e}");
    assert!(e.to_string().contains("duplicate deal id (first on row 10)"), "{e}");
    // The same rows read one by one stop at the same row (a CSV names its line).
    let by_row = csv(&rows, &LoadOptions::default()).unwrap_err();
    assert_eq!(by_row.location().unwrap().line, Some(70_002), "{by_row}");
}

#[test]
fn collect_mode_reports_every_bad_row_in_row_order() {
    let rows = rows(120_000, |i, r| match i {
        5 => r[2] = "sold".into(),
        70_000 => r[0] = "D10".into(),
        90_000 => r[1] = "2025-02-30".into(),
        _ => {}
    });
    let opts = LoadOptions { collect_errors: true, ..Default::default() };
    let (ds, report) = table(&rows, &opts).unwrap();
    let at: Vec<_> = report.errors.iter().map(|e| e.location().and_then(|l| l.row)).collect();
    assert_eq!(at, vec![Some(5), Some(70_000), Some(90_000)]);
    assert_eq!((report.files[0].rows_read, report.files[0].rows_loaded), (120_000, 119_997));
    let (by_row, _) = csv(&rows, &opts).unwrap();
    assert!(ds.deals == by_row.deals, "the same rows kept");
}
