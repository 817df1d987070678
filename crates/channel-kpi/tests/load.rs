//! The loader on small hand-made files: formats, edge cases of real exports, error locations,
#![allow(clippy::result_large_err)]
//! collect mode, and the bundled sample dataset.

mod common;

use channel_kpi::load::*;
use channel_kpi::*;
use std::path::{Path, PathBuf};

fn strict() -> LoadOptions {
    LoadOptions::default()
}
fn collect() -> LoadOptions {
    LoadOptions { collect_errors: true, ..LoadOptions::default() }
}

fn load(kind: RecordKind, name: &str, text: &str, opts: &LoadOptions) -> Result<(Dataset, LoadReport)> {
    load_sources(vec![Source::from_text(kind, name, text)], &Mapping::default(), opts)
}

const DEALS: &str = "deal_id,created_on,closed_on,status,amount,currency\n\
D1,2025-01-01,2025-01-21,won,100.10,USD\n\
D2,2025-01-05,2025-02-04,lost,,\n\
D3,2025-02-01,,open,50,USD\n";

#[test]
fn csv_with_bom_and_crlf_reads_like_plain_csv() {
    let plain = load(RecordKind::Deals, "deals.csv", DEALS, &strict()).unwrap().0;
    let crlf = format!("\u{feff}{}", DEALS.replace('\n', "\r\n"));
    let (ds, report) = load(RecordKind::Deals, "deals.csv", &crlf, &strict()).unwrap();
    assert_eq!(ds.deals, plain.deals);
    assert_eq!(ds.deals.get(0).amount.unwrap().to_string(), "100.10 USD", "exact decimal");
    assert_eq!((report.rows_read(), report.rows_loaded()), (3, 3));
}

#[test]
fn jsonl_reads_the_same_records_with_exact_numbers() {
    let jsonl = r#"{"deal_id": "D1", "created_on": "2025-01-01", "closed_on": "2025-01-21", "status": "won", "amount": 100.10, "currency": "USD"}
{"deal_id": "D2", "created_on": "2025-01-05", "closed_on": "2025-02-04", "status": "lost", "amount": null}

{"deal_id": "D3", "created_on": "2025-02-01", "status": "open", "amount": "50", "currency": "USD"}
"#;
    let csv = load(RecordKind::Deals, "deals.csv", DEALS, &strict()).unwrap().0;
    let (ds, report) = load(RecordKind::Deals, "deals.jsonl", jsonl, &strict()).unwrap();
    assert_eq!(ds.deals, csv.deals, "100.10 stays 100.10 (not the f64 100.1)");
    assert_eq!(report.rows_read(), 3, "the blank line is not a row");
    let e = load(RecordKind::Deals, "d.jsonl", "{\"deal_id\": \"D1\", \"deal_id\": \"D2\"}\n", &strict()).unwrap_err().to_string();
    assert!(e.contains("d.jsonl:1") && e.contains("deal_id") && e.contains("twice"), "{e}");
    let e = load(RecordKind::Deals, "d.jsonl", "{\"deal_id\": [1]}\n", &strict()).unwrap_err().to_string();
    assert!(e.contains("nested"), "{e}");
    let e = load(RecordKind::Deals, "d.jsonl", "{\"deal_id\": \"D1\",\n", &strict()).unwrap_err().to_string();
    assert!(e.contains("d.jsonl:1") && e.contains("not a JSON object"), "{e}");
}

#[test]
fn empty_and_header_only_files() {
    for name in ["deals.csv", "deals.jsonl"] {
        let e = load(RecordKind::Deals, name, "", &strict()).unwrap_err().to_string();
        assert!(e.contains(name) && e.contains("empty"), "{e}");
    }
    let (ds, report) = load(RecordKind::Deals, "deals.csv", "deal_id,created_on,status\r\n", &strict()).unwrap();
    assert!(ds.deals.is_empty());
    assert_eq!(report.rows_read(), 0);
}

#[test]
fn duplicate_headers_are_rejected_by_name_and_position() {
    let e = load(RecordKind::Deals, "deals.csv", "deal_id,status,deal_id\nD1,open,D2\n", &strict()).unwrap_err().to_string();
    assert!(e.contains("deals.csv:1") && e.contains("deal_id") && e.contains("columns 1 and 3"), "{e}");
}

#[test]
fn an_overlong_line_stops_loading_and_names_the_line() {
    let long = format!("{DEALS}D4,2025-03-01,,open,{},USD\nD5,2025-03-01,,open,1,USD\n", "9".repeat(200));
    let opts = LoadOptions { max_line_bytes: 100, collect_errors: true, ..LoadOptions::default() };
    for name in ["deals.csv", "deals.jsonl"] {
        let text =
            if name.ends_with("csv") { long.clone() } else { format!("{{\"deal_id\": \"D1\"}}\n{{\"x\": \"{}\"}}\n", "9".repeat(200)) };
        let e = load(RecordKind::Deals, name, &text, &opts).unwrap_err().to_string();
        let line = if name.ends_with("csv") { 5 } else { 2 };
        assert!(e.contains(&format!("{name}:{line}")) && e.contains("longer than 100 bytes"), "{e}");
    }
}

#[test]
fn collect_mode_reports_every_bad_row_and_loads_the_rest() {
    let text = "deal_id,created_on,closed_on,status,amount,currency\n\
D1,2025-01-01,2025-01-21,won,100,USD\n\
D2,2025-13-01,,open,,\n\
D3,2025-01-01,2025-01-02,won,12x,USD\n\
D1,2025-01-01,,open,,\n\
D5,2025-01-01\n\
D6,2025-01-01,,open,,\n";
    let e = load(RecordKind::Deals, "deals.csv", text, &strict()).unwrap_err();
    let Error::Parse { location, .. } = &e else { panic!("{e:?}") };
    assert_eq!(
        (location.file.as_deref(), location.line, location.field.as_deref(), location.value.as_deref()),
        (Some("deals.csv"), Some(3), Some("created_on"), Some("2025-13-01"))
    );
    // CRLF files (Maven's) name the same lines.
    let crlf_err = load(RecordKind::Deals, "deals.csv", &text.replace('\n', "\r\n"), &strict()).unwrap_err();
    assert_eq!(crlf_err.location().and_then(|l| l.line), Some(3));
    let (ds, report) = load(RecordKind::Deals, "deals.csv", text, &collect()).unwrap();
    assert_eq!(ds.deals.iter().map(|d| d.id).collect::<Vec<_>>(), ["D1", "D6"]);
    assert_eq!((report.rows_read(), report.rows_loaded()), (6, 2));
    let msgs: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(msgs.len(), 4, "{msgs:#?}");
    assert!(msgs[0].starts_with("deals.csv:3, deal D2, column `created_on`, value \"2025-13-01\""), "{}", msgs[0]);
    assert!(msgs[1].starts_with("deals.csv:4, deal D3, column `amount`, value \"12x\""), "{}", msgs[1]);
    assert!(msgs[2].contains("deals.csv:5") && msgs[2].contains("duplicate deal id (first on line 2)"), "{}", msgs[2]);
    assert!(msgs[3].contains("deals.csv:6") && msgs[3].contains("expected 6 fields"), "{}", msgs[3]);
    assert!(report.to_string().contains("4 rows rejected"));
    let (_, crlf) = load(RecordKind::Deals, "deals.csv", &text.replace('\n', "\r\n"), &collect()).unwrap();
    let lines: Vec<Option<u64>> = crlf.errors.iter().map(|e| e.location().and_then(|l| l.line)).collect();
    assert_eq!(lines, [Some(3), Some(4), Some(5), Some(6)]);
}

#[test]
fn stage_history_is_attached_in_date_order_and_unknown_deals_are_named() {
    let history = "deal_id,stage,entered_on\nD3,Demo,2025-02-10\nD3,Prospecting,2025-02-01\nD9,Demo,2025-02-01\n";
    let sources =
        || vec![Source::from_text(RecordKind::StageHistory, "sh.csv", history), Source::from_text(RecordKind::Deals, "deals.csv", DEALS)];
    let e = load_sources(sources(), &Mapping::default(), &strict()).unwrap_err().to_string();
    assert!(e.contains("sh.csv:4") && e.contains("D9") && e.contains("unknown deal"), "{e}");
    let (ds, report) = load_sources(sources(), &Mapping::default(), &collect()).unwrap();
    let d3 = ds.deals.iter().find(|d| d.id == "D3").unwrap();
    assert_eq!(d3.stage_history.iter().map(|e| e.stage.as_str()).collect::<Vec<_>>(), ["Prospecting", "Demo"]);
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.files.iter().find(|f| f.kind == RecordKind::StageHistory).unwrap().rows_loaded, 2);
}

#[test]
fn a_mapping_renames_translates_and_defaults() {
    let mapping = Mapping::from_json_str(
        r#"{"deals": {
            "columns": {"deal_id": "Opportunity", "status": "Stage", "created_on": "Created", "closed_on": "Closed", "amount": "Value"},
            "values": {"status": {"Closed Won": "won", "Closed Lost": "lost", "Negotiation": "open"}},
            "date_formats": ["%d/%m/%Y", "%Y-%m-%d %H:%M:%S"],
            "defaults": {"currency": "EUR"},
            "attrs": "all"
        }}"#,
    )
    .unwrap();
    let text = "Opportunity,Stage,Created,Closed,Value,Segment\nO1,Closed Won,03/02/2025,2025-02-20 10:00:00,900,SMB\nO2,Negotiation,04/02/2025,,,\n";
    let (ds, _) = load_sources(vec![Source::from_text(RecordKind::Deals, "export.csv", text)], &mapping, &strict()).unwrap();
    let d = &ds.deals.get(0);
    assert_eq!(
        (d.status, d.created_on.to_string(), d.closed_on.unwrap().to_string()),
        (DealStatus::Won, "2025-02-03".into(), "2025-02-20".into())
    );
    assert_eq!(d.amount.unwrap().to_string(), "900 EUR");
    assert_eq!(d.attrs.get("Segment").map(String::as_str), Some("SMB"));
    assert!(ds.deals.get(1).attrs.is_empty(), "empty cells are not attrs");
    // An unmapped value names the source column and the value.
    let bad = "Opportunity,Stage,Created\nO3,Closed Maybe,03/02/2025\n";
    let e = load_sources(vec![Source::from_text(RecordKind::Deals, "export.csv", bad)], &mapping, &strict()).unwrap_err().to_string();
    assert!(e.contains("export.csv:2") && e.contains("column `Stage`") && e.contains("Closed Maybe"), "{e}");
}

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data")
}

#[test]
fn the_sample_dataset_loads_completely() {
    let (ds, report) = load_dir(sample_dir(), &Mapping::default(), &strict()).unwrap();
    // Row counts: `wc -l examples/data/*.csv` minus the header.
    assert_eq!(ds.deals.len(), 4000);
    assert_eq!(ds.leads.len(), 12000);
    assert_eq!(ds.refs.partners.len(), 36);
    assert_eq!(ds.refs.org.units().len(), 34);
    assert_eq!(ds.refs.pipeline.stages.len(), 7);
    assert_eq!(ds.targets.len(), 59);
    assert_eq!(ds.spend.len(), 185);
    assert_eq!(ds.deals.iter().map(|d| d.stage_history.len()).sum::<usize>(), 16745);
    // The partner-program and customer-success files (scripts/gen_sample_program.py).
    assert_eq!(
        [ds.courses.len(), ds.program_costs.len(), ds.surveys.len(), ds.subscriptions.len(), ds.usage.len()],
        [38, 355, 1432, 11240, 11240]
    );
    assert_eq!([ds.onboarding.len(), ds.tickets.len(), ds.engagement.len(), ds.referrals.len()], [1102, 3476, 13505, 968]);
    assert_eq!(report.files.len(), 17);
    assert!(report.is_clean());
    // The same directory named as a list of files loads the same records.
    let files: Vec<PathBuf> = ["deals.csv", "stage_history.csv", "partners.csv"].iter().map(|f| sample_dir().join(f)).collect();
    let (ds2, _) = load_paths(&files, &Mapping::default(), &strict()).unwrap();
    assert_eq!(ds2.deals, ds.deals);
    let e = load_paths(&[sample_dir().join("nope.csv")], &Mapping::default(), &strict()).unwrap_err().to_string();
    assert!(e.contains("nope.csv"), "{e}");
}

#[test]
fn progress_reports_rows_and_bytes_of_each_file() {
    use std::sync::{Arc, Mutex};
    let dir = common::Scratch::new("progress");
    let mut csv = String::from("deal_id,created_on,status\n");
    (0..100_000).for_each(|i| csv.push_str(&format!("D{i},2025-01-01,open\n")));
    std::fs::write(dir.join("deals.csv"), &csv).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let opts = LoadOptions {
        progress: Some(Arc::new(move |p: &Progress<'_>| {
            log.lock().unwrap().push((p.file.ends_with("deals.csv"), p.rows, p.bytes, p.total_bytes, p.done))
        })),
        ..LoadOptions::default()
    };
    load_dir(&dir, &Mapping::default(), &opts).unwrap();
    let size = csv.len() as u64;
    let calls = seen.lock().unwrap().clone();
    // Every 50,000 rows, then once at the end with every byte read.
    assert_eq!(
        calls.iter().map(|c| (c.0, c.1, c.3, c.4)).collect::<Vec<_>>(),
        vec![(true, 50_000, Some(size), false), (true, 100_000, Some(size), false), (true, 100_000, Some(size), true)]
    );
    assert!(calls[0].2 > 0 && calls[0].2 <= calls[1].2 && calls[2].2 == size, "{calls:?}");
}
