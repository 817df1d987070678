//! The `channel-kpi` binary run as a user would, on the bundled sample data. Expected numbers
//! were computed independently with a few lines of Python over examples/data/deals.csv
//! (csv + decimal; shown next to each assertion).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_channel-kpi")).args(args).output().expect("run channel-kpi")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "exit {:?}, stderr: {}", o.status, String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// CSV output as (header, rows).
fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines().map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
    (lines.next().unwrap(), lines.collect())
}

fn cell<'a>(header: &[String], row: &'a [String], col: &str) -> &'a str {
    &row[header.iter().position(|h| h == col).unwrap_or_else(|| panic!("no column {col}"))]
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("channel-kpi-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn scorecard_on_the_sample_has_the_hand_computed_values() {
    let out = stdout(&bin(&["scorecard", "--format", "csv"]));
    let (h, rows) = csv_rows(&out);
    let p9 = rows.iter().find(|r| r[0] == "P009").expect("row P009");
    // Partner P009, deals closed in 2025: 91 won, 21 lost; Σ won amount 3,170,970.00.
    assert_eq!(cell(&h, p9, "won_count"), "91");
    assert_eq!(cell(&h, p9, "lost_count"), "21");
    assert_eq!(cell(&h, p9, "won_revenue"), "3170970");
    // 3170970 / 91 = 34845.824175… → 6 places half-even.
    assert_eq!(cell(&h, p9, "avg_deal_size"), "34845.824176");
    // 91 / (91 + 21) = 0.8125.
    assert_eq!(cell(&h, p9, "close_rate"), "0.8125");
    assert_eq!(cell(&h, p9, "close_rate_n"), "112");
    // Cycle days of the 91 won deals: mean 4124/91 = 45.318681…, median 35.
    assert!(cell(&h, p9, "sales_cycle_days").starts_with("45.31868131868"));
    assert_eq!(cell(&h, p9, "sales_cycle_days_median"), "35");
    // Open at 2026-01-01: 76 deals; velocity = 76 × 3170970 × 91 / (112 × 4124) = 47479.970296.
    assert_eq!(cell(&h, p9, "open_deals_at_end"), "76");
    assert_eq!(cell(&h, p9, "sales_velocity"), "47479.970296");
    // Direct deals (empty partner): 253 won, 184 lost, Σ 4,608,920.00.
    let direct = rows.iter().find(|r| r[0].is_empty()).expect("direct row");
    assert_eq!((cell(&h, direct, "won_count"), cell(&h, direct, "won_revenue")), ("253", "4608920"));
    // 36 partners + the direct row.
    assert_eq!(rows.len(), 37);
    assert!(h.contains(&"quality_score".to_string()));
}

#[test]
fn table_and_json_formats_and_the_directory_give_the_same_numbers() {
    let table = stdout(&bin(&["scorecard"]));
    assert!(table.starts_with("partner  period_start"), "{table}");
    assert!(table.trim_end().ends_with("(money in USD)"));
    let p9 = table.lines().find(|l| l.starts_with("P009")).unwrap();
    assert!(p9.contains("3170970.00") && p9.contains("0.8125"), "{p9}");

    let json: serde_json::Value = serde_json::from_str(&stdout(&bin(&["scorecard", "--format", "json"]))).unwrap();
    assert_eq!(json["currency"], "USD");
    let row = json["rows"].as_array().unwrap().iter().find(|r| r["partner"] == "P009").unwrap();
    assert_eq!((row["won_count"].as_i64(), row["won_revenue"].as_str()), (Some(91), Some("3170970.00")));
    let direct = json["rows"].as_array().unwrap().iter().find(|r| r["partner"].is_null()).unwrap();
    assert_eq!(direct["won_count"], 253);

    // The same files named on the command line (the sample's default as_of is the period end).
    let dir = root().join("examples/data");
    let embedded = stdout(&bin(&["scorecard", "--format", "csv"]));
    let from_dir = stdout(&bin(&["scorecard", dir.to_str().unwrap(), "--period", "2025", "--format", "csv"]));
    assert_eq!(embedded, from_dir);
}

#[test]
fn quarterly_close_rates_and_rollup_totals() {
    let out = stdout(&bin(&["deals", "--metrics", "close_rate,deal_count", "--buckets", "quarter", "--format", "csv"]));
    let (h, rows) = csv_rows(&out);
    // Won / lost closed per quarter of 2025: 226/182, 253/156, 228/129, 177/101.
    let want = [("2025-01-01", "226", "182", "0.553921568627451"), ("2025-04-01", "253", "156", "0.6185819070904646")];
    assert_eq!(rows.len(), 4);
    for (row, (start, won, lost, rate)) in rows.iter().zip(want) {
        assert_eq!(cell(&h, row, "period_start"), start);
        assert_eq!((cell(&h, row, "won_count"), cell(&h, row, "lost_count")), (won, lost));
        assert_eq!(cell(&h, row, "close_rate"), rate);
    }
    assert_eq!((cell(&h, &rows[3], "won_count"), cell(&h, &rows[3], "lost_count")), ("177", "101"));

    // Roll-up: the grand-total row (rollup_level 0) holds all 2025: 884 won, Σ 20,529,850.00.
    let out = stdout(&bin(&["scorecard", "--metrics", "deal_count,won_revenue", "--rollup", "--format", "csv"]));
    let (h, rows) = csv_rows(&out);
    let total = rows.iter().find(|r| cell(&h, r, "rollup_level") == "0").expect("total row");
    assert_eq!((cell(&h, total, "won_count"), cell(&h, total, "won_revenue")), ("884", "20529850"));
}

#[test]
fn compare_adds_previous_period_columns() {
    let out = stdout(&bin(&["deals", "--metrics", "won_revenue", "--compare", "previous", "--format", "csv"]));
    let (h, rows) = csv_rows(&out);
    assert!(h.contains(&"won_revenue_prev".to_string()) && h.contains(&"won_revenue_change".to_string()), "{h:?}");
    assert_eq!(cell(&h, &rows[0], "won_revenue"), "20529850");
}

#[test]
fn query_json_and_metrics_list() {
    let dir = scratch("query");
    let q = dir.join("q.json");
    std::fs::write(&q, r#"{"metrics": ["won_revenue"], "group_by": ["partner"], "period": "2025"}"#).unwrap();
    let out = stdout(&bin(&["query", "--json", q.to_str().unwrap(), "--format", "csv"]));
    assert!(out.lines().any(|l| l == "P009,2025-01-01,2026-01-01,3170970"), "{out}");

    let list = stdout(&bin(&["metrics"]));
    assert!(list.lines().any(|l| l.starts_with("close_rate ") && l.contains("deals") && l.contains("Wilson")), "{list}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&bin(&["metrics", "--format", "json"]))).unwrap();
    assert!(json.as_array().unwrap().iter().any(|m| m["id"] == "avg_deal_size"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_input_exits_2_with_the_core_message() {
    let o = bin(&["scorecard", "--period", "2025-Q5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("2025-Q5"));
    let o = bin(&["scorecard", "--metrics", "close_rat"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown metric \"close_rat\""));

    let dir = scratch("bad");
    std::fs::write(
        dir.join("deals.csv"),
        "deal_id,created_on,closed_on,status,amount,currency\nD1,2025-01-01,2025-02-01,won,10,USD\nD2,2025-02-30,,open,,\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let o = bin(&["deals", d]);
    assert_eq!(o.status.code(), Some(2), "files need --period");
    let o = bin(&["deals", d, "--period", "2025"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("deals.csv:3, deal D2, column `created_on`, value \"2025-02-30\""), "{err}");
    // Collect mode: the bad row is reported, the rest is computed.
    let o = bin(&["deals", d, "--period", "2025", "--collect-errors", "--metrics", "won_revenue", "--format", "csv"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 of 2 rows rejected"));
    assert_eq!(stdout(&o).lines().nth(1), Some("2025-01-01,2026-01-01,10"));
    let o = bin(&["deals", "/nonexistent/deals.csv", "--period", "2025"]);
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_real_export_through_its_mapping() {
    let maven = root().join("../shared/datasets/maven-crm-sales-opportunities");
    if !maven.is_dir() {
        eprintln!("SKIPPED: ../shared/datasets not found");
        return;
    }
    let mapping = root().join("examples/mappings/maven.json");
    let out = stdout(&bin(&[
        "scorecard",
        maven.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--by",
        "org:office",
        "--period",
        "2017",
        "--metrics",
        "deal_count,close_rate",
        "--format",
        "csv",
    ]));
    let (h, rows) = csv_rows(&out);
    // tests/expected/maven.json, by_regional_office.
    let central = rows.iter().find(|r| r[0] == "Central").unwrap();
    assert_eq!((cell(&h, central, "won_count"), cell(&h, central, "lost_count")), ("1629", "975"));
}

#[test]
fn training_and_customers_on_the_sample_match_an_independent_computation() {
    // A few lines of Python over examples/data/deals.csv + courses.csv: the 6 partners with a
    // completion in 2025; close rate 90 days before / after each first completion, untrained
    // partners' deals pooled over the same windows → mean before 0.376878662684…, mean DiD
    // 0.366394002509….
    let (h, rows) = csv_rows(&stdout(&bin(&["training", "--format", "csv"])));
    assert_eq!(cell(&h, &rows[0], "training_partners"), "6");
    assert!(cell(&h, &rows[0], "training_before").starts_with("0.37687866268"));
    assert!(cell(&h, &rows[0], "training_did").starts_with("0.36639400250"));
    let lo: f64 = cell(&h, &rows[0], "training_did_ci_low").parse().unwrap();
    assert!(lo > 0.0, "the sample's trained cohort improved more than the controls: {lo}");
    // Same seed, same interval; another seed, another (close) interval.
    let again = csv_rows(&stdout(&bin(&["training", "--format", "csv"])));
    assert_eq!(cell(&again.0, &again.1[0], "training_did_ci_low"), cell(&h, &rows[0], "training_did_ci_low"));
    // subscriptions.csv, December 2024 vs December 2025 MRR over the 480 accounts active at
    // the start: NRR 0.853089, GRR 0.753971, 378 retained.
    let (h, rows) = csv_rows(&stdout(&bin(&["customers", "--format", "csv"])));
    assert_eq!(cell(&h, &rows[0], "retention_mrr_start"), "1095642.76");
    assert_eq!(cell(&h, &rows[0], "nrr"), "0.853089");
    assert_eq!(cell(&h, &rows[0], "grr"), "0.753971");
    assert_eq!(cell(&h, &rows[0], "account_retention_n"), "480");
    assert_eq!(cell(&h, &rows[0], "accounts_churned"), "102");
    // Options reach the KPIs; unknown ones are named.
    let o = bin(&["training", "--option", "lunch=1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown option \"lunch\""));
    let (h, rows) = csv_rows(&stdout(&bin(&["training", "--option", "training_min_deals=1000", "--format", "csv"])));
    assert_eq!(cell(&h, &rows[0], "training_n"), "0");
    assert_eq!(cell(&h, &rows[0], "training_did"), "");
    // The other views run on the sample.
    // partners: 36 partners and the direct row; satisfaction: the 34 partners with an answer
    // submitted in 2025 (surveys.csv).
    for (cmd, n) in [("partners", 37), ("satisfaction", 34)] {
        let (h, rows) = csv_rows(&stdout(&bin(&[cmd, "--format", "csv"])));
        assert_eq!(h[0], "partner");
        assert_eq!(rows.len(), n, "{cmd}");
    }
}

#[test]
fn parquet_files_are_read_and_their_errors_name_the_row() {
    let cases = root().join("tests/bad_inputs/cases");
    // A bad cell: file, 0-based row, deal, column and value.
    let o = bin(&["deals", cases.join("parquet_bad_cell/deals.parquet").to_str().unwrap(), "--period", "2025"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("deals.parquet row 2, deal D3, column `status`, value \"pending\""), "{err}");
    // Collect mode on a directory holding deals.parquet: bad rows reported, the rest computed.
    let d = cases.join("parquet_collect_bad_rows");
    let o = bin(&["deals", d.to_str().unwrap(), "--period", "2025", "--collect-errors", "--metrics", "won_revenue", "--format", "csv"]);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("2 of 5 rows rejected") && err.contains("deals.parquet row 1, deal D2"), "{err}");
    // Rows 0, 2 (bad), 4 are won at 100.50 each.
    assert_eq!(stdout(&o).lines().nth(1), Some("2025-01-01,2026-01-01,201"));
    // A corrupt page: the row group and the column.
    let o = bin(&["deals", cases.join("parquet_corrupt_page").to_str().unwrap(), "--period", "2025"]);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("column `status`") && err.contains("row group 1 (rows 2..4)"), "{err}");
}

#[test]
fn no_progress_output_when_stderr_is_not_a_terminal() {
    // Here stderr is a pipe (as in scripts, CI and these tests): it holds errors and warnings only.
    let data = root().join("examples/data");
    let o = bin(&["scorecard", data.to_str().unwrap(), "--period", "2025", "--format", "csv"]);
    assert!(o.status.success());
    assert!(o.stderr.is_empty(), "{:?}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_terminal_gets_a_progress_bar_with_rows_speed_and_time_left() {
    // `script` (util-linux) runs the command on a pseudo-terminal and records what it drew.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED: no `script` command to give the CLI a terminal");
        return;
    }
    let dir = scratch("progress");
    let mut csv = String::from("deal_id,created_on,status\n");
    for i in 0..120_000 {
        csv.push_str(&format!("D{i},2025-01-01,open\n"));
    }
    std::fs::write(dir.join("deals.csv"), csv).unwrap();
    let cmd = format!("{} deals {} --period 2025 --metrics deal_count --format csv", env!("CARGO_BIN_EXE_channel-kpi"), dir.display());
    let o = Command::new("script").args(["-qec", &cmd, "/dev/null"]).output().expect("run script");
    let tty = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{tty}");
    // The bar (drawn, then cleared): the file, the bytes of its size, the speed, the time left
    // and the rows; then the result.
    assert!(tty.contains("reading deals.csv") && tty.contains("MB/s") && tty.contains("ETA") && tty.contains(" rows"), "{tty:?}");
    assert!(tty.contains("2025-01-01,2026-01-01,0,0,120000"), "{tty:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn extra_columns_are_kept_only_when_the_query_groups_by_them() {
    let dir = scratch("attrs");
    std::fs::write(
        dir.join("deals.csv"),
        "deal_id,created_on,closed_on,status,amount,currency,segment,notes\n\
         D1,2025-01-01,2025-02-01,won,10,USD,smb,x\nD2,2025-01-01,2025-02-01,won,5,USD,ent,y\nD3,2025-01-01,2025-02-01,won,7,USD,smb,z\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let o = bin(&["deals", d, "--period", "2025", "--by", "attr:segment", "--metrics", "won_revenue", "--format", "csv"]);
    let out = stdout(&o);
    assert!(out.contains("smb,2025-01-01,2026-01-01,17") && out.contains("ent,2025-01-01,2026-01-01,5"), "{out}");
    // An attr the file lacks is still an error naming the columns found.
    let o = bin(&["deals", d, "--period", "2025", "--by", "attr:region_x", "--metrics", "won_revenue"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("segment"), "{}", String::from_utf8_lossy(&o.stderr));
    let _ = std::fs::remove_dir_all(dir);
}
