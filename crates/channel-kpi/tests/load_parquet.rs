//! Parquet input (feature `parquet`): the same records as from CSV, only the mapped columns
//! decoded, rows numbered from 0 across row groups in errors, lookups from Parquet files,
//! in-memory Parquet bytes. The bad-input catalog (`parquet_*` cases) covers corrupt, cut-short
//! and wrongly typed files from Rust, Python and C.
#![allow(clippy::result_large_err)]

mod common;

use arrow_array::{ArrayRef, BinaryArray, Date32Array, Decimal128Array, RecordBatch, StringArray};
use channel_kpi::load::*;
use common::Scratch;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use std::path::Path;
use std::sync::Arc;

/// A fresh directory under the system temp dir, removed when the guard is dropped (also when
/// the test fails).
fn scratch(name: &str) -> Scratch {
    Scratch::new(&format!("parquet-{name}"))
}

fn text(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.iter().map(|s| (!s.is_empty()).then_some(*s)).collect::<Vec<_>>()))
}

fn days(v: &[&str]) -> ArrayRef {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let d = |s: &&str| (!s.is_empty()).then(|| (s.parse::<chrono::NaiveDate>().unwrap() - epoch).num_days() as i32);
    Arc::new(Date32Array::from(v.iter().map(d).collect::<Vec<_>>()))
}

fn write(path: &Path, batch: &RecordBatch, rows_per_group: usize) {
    let props = WriterProperties::builder().set_max_row_group_row_count(Some(rows_per_group)).build();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

const CSV: &str = "deal_id,partner_id,created_on,closed_on,status,amount,currency\n\
D1,acme,2025-01-01,2025-01-21,won,100.10,USD\n\
D2,acme,2025-01-05,2025-02-04,lost,,\n\
D3,,2025-02-01,,open,50.00,USD\n\
D4,beta,2025-02-03,2025-03-01,won,7.05,USD\n\
D5,beta,2025-02-04,,open,,\n";

/// The deals of `CSV`, typed as a data lake holds them (date32, decimal128(18, 2)).
fn typed() -> RecordBatch {
    let amounts = Decimal128Array::from(vec![Some(10010), None, Some(5000), Some(705), None]).with_precision_and_scale(18, 2).unwrap();
    RecordBatch::try_from_iter([
        ("deal_id", text(&["D1", "D2", "D3", "D4", "D5"])),
        ("partner_id", text(&["acme", "acme", "", "beta", "beta"])),
        ("created_on", days(&["2025-01-01", "2025-01-05", "2025-02-01", "2025-02-03", "2025-02-04"])),
        ("closed_on", days(&["2025-01-21", "2025-02-04", "", "2025-03-01", ""])),
        ("status", text(&["won", "lost", "open", "won", "open"])),
        ("amount", Arc::new(amounts) as ArrayRef),
        ("currency", text(&["USD", "", "USD", "USD", ""])),
    ])
    .unwrap()
}

fn with_column(b: &RecordBatch, name: &str, col: ArrayRef) -> RecordBatch {
    let mut cols: Vec<(String, ArrayRef)> = b.schema().fields().iter().map(|f| f.name().clone()).zip(b.columns().iter().cloned()).collect();
    cols.push((name.to_string(), col));
    RecordBatch::try_from_iter(cols).unwrap()
}

#[test]
fn a_parquet_file_loads_the_same_deals_as_the_csv() {
    let dir = scratch("same");
    std::fs::write(dir.join("deals.csv"), CSV).unwrap();
    let (from_csv, _) = load_dir(&dir, &Mapping::default(), &LoadOptions::default()).unwrap();
    std::fs::remove_file(dir.join("deals.csv")).unwrap();
    write(&dir.join("deals.parquet"), &typed(), 2); // three row groups
    let (from_parquet, report) = load_dir(&dir, &Mapping::default(), &LoadOptions::default()).unwrap();
    assert_eq!(from_parquet.deals, from_csv.deals);
    assert_eq!((report.rows_read(), report.rows_loaded()), (5, 5));
    assert_eq!(from_parquet.deals.get(0).amount.unwrap().to_string(), "100.10 USD", "exact decimal");
    // load_paths and load_file read it too.
    let (ds, _) = load_paths(&[dir.join("deals.parquet")], &Mapping::default(), &LoadOptions::default()).unwrap();
    assert_eq!(ds.deals, from_csv.deals);
    // The same bytes in memory.
    let bytes = std::fs::read(dir.join("deals.parquet")).unwrap();
    let (ds, _) =
        load_sources(vec![Source::from_bytes(RecordKind::Deals, "deals.parquet", bytes)], &Mapping::default(), &LoadOptions::default())
            .unwrap();
    assert_eq!(ds.deals, from_csv.deals);
}

#[test]
fn only_the_columns_the_mapping_reads_are_decoded() {
    let dir = scratch("projection");
    // A binary column no record field can take: decoding it is an error naming it.
    let blob: ArrayRef = Arc::new(BinaryArray::from(vec![&b"\x00"[..]; 5]));
    write(&dir.join("deals.parquet"), &with_column(&typed(), "thumbnail", blob), 1024);
    // attrs "all" (the default) keeps every extra column: the blob is read and rejected.
    let e = load_dir(&dir, &Mapping::default(), &LoadOptions::default()).unwrap_err();
    assert_eq!(e.location().unwrap().field.as_deref(), Some("thumbnail"), "{e}");
    assert!(e.to_string().contains("unsupported Arrow type"), "{e}");
    // attrs "none": the blob is never decoded, the deals load.
    let m = Mapping::from_json_str(r#"{"deals": {"attrs": "none"}}"#).unwrap();
    let (ds, _) = load_dir(&dir, &m, &LoadOptions::default()).unwrap();
    assert_eq!(ds.deals.len(), 5);
    // The column check still sees every column of the file.
    let t = &ds.columns["deals"];
    assert!(t.source.iter().any(|c| c == "thumbnail"), "{:?}", t.source);
}

#[test]
fn errors_name_the_file_and_the_row_across_row_groups() {
    let dir = scratch("rows");
    let b = typed();
    let status = text(&["won", "lost", "open", "won", "pending"]);
    let cols: Vec<(String, ArrayRef)> = b
        .schema()
        .fields()
        .iter()
        .zip(b.columns())
        .map(|(f, c)| (f.name().clone(), if f.name() == "status" { status.clone() } else { c.clone() }))
        .collect();
    write(&dir.join("deals.parquet"), &RecordBatch::try_from_iter(cols).unwrap(), 2);
    let e = load_dir(&dir, &Mapping::default(), &LoadOptions::default()).unwrap_err();
    let loc = e.location().unwrap();
    assert_eq!((loc.row, loc.line, loc.field.as_deref(), loc.value.as_deref()), (Some(4), None, Some("status"), Some("pending")), "{e}");
    assert!(e.to_string().contains("deals.parquet row 4, deal D5"), "{e}");
    // Collect mode: the bad row reported, the others loaded.
    let opts = LoadOptions { collect_errors: true, ..LoadOptions::default() };
    let (ds, report) = load_dir(&dir, &Mapping::default(), &opts).unwrap();
    assert_eq!((ds.deals.len(), report.errors.len()), (4, 1));
    assert_eq!(report.errors[0].location().unwrap().row, Some(4));
}

#[test]
fn a_mapped_export_with_a_parquet_lookup() {
    let dir = scratch("lookup");
    // Olist-shaped: closed deals take created_on from the leads file, joined on mql_id.
    let deals = RecordBatch::try_from_iter([
        ("mql_id", text(&["m1", "m2"])),
        ("won_date", text(&["2018-02-26 03:00:00", "2018-03-01 10:00:00"])),
        ("declared_monthly_revenue", text(&["0", "1200.5"])),
        ("unused_blob", Arc::new(BinaryArray::from(vec![&b"x"[..]; 2])) as ArrayRef),
    ])
    .unwrap();
    let leads = RecordBatch::try_from_iter([
        ("mql_id", text(&["m1", "m2", "m3"])),
        ("first_contact_date", days(&["2018-01-02", "2018-02-10", "2018-02-11"])),
        ("other_blob", Arc::new(BinaryArray::from(vec![&b"y"[..]; 3])) as ArrayRef),
    ])
    .unwrap();
    write(&dir.join("closed.parquet"), &deals, 1024);
    write(&dir.join("mql.parquet"), &leads, 2);
    let m = Mapping::from_json_str(
        r#"{"date_formats": ["%Y-%m-%d %H:%M:%S"],
            "deals": {"file": "closed.parquet", "attrs": "none",
                      "columns": {"deal_id": "mql_id", "closed_on": "won_date", "amount": "declared_monthly_revenue"},
                      "defaults": {"status": "won", "currency": "BRL"},
                      "lookups": [{"file": "mql.parquet", "on": "mql_id", "columns": {"created_on": "first_contact_date"}}]}}"#,
    )
    .unwrap();
    let (ds, _) = load_dir(&dir, &m, &LoadOptions::default()).unwrap();
    assert_eq!(ds.deals.len(), 2);
    assert_eq!(ds.deals.get(1).created_on.to_string(), "2018-02-10", "typed date from the Parquet lookup");
    assert_eq!(ds.deals.get(1).closed_on.unwrap().to_string(), "2018-03-01");
    assert_eq!(ds.deals.get(1).amount.unwrap().to_string(), "1200.5 BRL");
}

#[test]
fn a_directory_with_a_csv_and_a_parquet_of_one_kind_is_ambiguous() {
    let dir = scratch("ambiguous");
    std::fs::write(dir.join("deals.csv"), CSV).unwrap();
    write(&dir.join("deals.parquet"), &typed(), 1024);
    let e = load_dir(&dir, &Mapping::default(), &LoadOptions::default()).unwrap_err().to_string();
    assert!(e.contains("several files for deals") && e.contains("deals.parquet"), "{e}");
}

#[test]
fn progress_counts_rows_and_the_share_of_the_file_read() {
    use std::sync::Mutex;
    let dir = scratch("progress");
    write(&dir.join("deals.parquet"), &typed(), 2);
    let size = std::fs::metadata(dir.join("deals.parquet")).unwrap().len();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let progress: ProgressFn = Arc::new(move |p: &Progress<'_>| log.lock().unwrap().push((p.rows, p.bytes, p.total_bytes, p.done)));
    let opts = LoadOptions { progress: Some(progress), ..LoadOptions::default() };
    load_dir(&dir, &Mapping::default(), &opts).unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![(5, size, Some(size), true)]);
}

#[test]
fn only_attrs_keeps_and_decodes_just_the_attrs_a_query_groups_by() {
    let dir = scratch("only-attrs");
    let blob: ArrayRef = Arc::new(BinaryArray::from(vec![&b"\x00"[..]; 5]));
    let b = with_column(&with_column(&typed(), "segment", text(&["smb", "ent", "smb", "", "ent"])), "blob", blob);
    write(&dir.join("deals.parquet"), &b, 2);
    let only = |cols: &[&str]| LoadOptions { only_attrs: Some(cols.iter().map(|c| c.to_string()).collect()), ..LoadOptions::default() };
    // The query groups by attr:segment: segment is kept, the blob is never decoded.
    let (ds, _) = load_dir(&dir, &Mapping::default(), &only(&["segment"])).unwrap();
    assert_eq!(ds.deals.get(1).attrs.get("segment").map(String::as_str), Some("ent"));
    assert!(ds.deals.iter().all(|d| !d.attrs.contains_key("blob")));
    assert_eq!(ds.columns["deals"].attrs.iter().collect::<Vec<_>>(), ["segment"]);
    // No attr dimension: no attrs at all; a canonical column asked for as an attr stays a field.
    let (ds, _) = load_dir(&dir, &Mapping::default(), &only(&["partner_id"])).unwrap();
    assert!(ds.deals.iter().all(|d| d.attrs.is_empty()) && ds.columns["deals"].attrs.is_empty());
    assert_eq!(ds.deals.get(0).partner_id.as_deref(), Some("acme"));
    // A mapping's own list is narrowed, never widened.
    let m = Mapping::from_json_str(r#"{"deals": {"attrs": ["blob"]}}"#).unwrap();
    let (ds, _) = load_dir(&dir, &m, &only(&["segment"])).unwrap();
    assert!(ds.deals.iter().all(|d| d.attrs.is_empty()));
}
