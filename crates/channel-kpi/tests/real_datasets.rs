//! Real CRM exports loaded through their mappings (`examples/mappings/*.json`), checked
//! against oracle values computed independently in plain Python
//! (`tests/expected/compute_expected.py` → `tests/expected/{maven,olist}.json`).
//!
//! The datasets live outside the repository (`../shared/datasets`); without them each test
//! prints `SKIPPED: ../shared/datasets not found` to stderr and returns. The environment
//! variable `CHANNEL_KPI_DATASETS` points elsewhere (and lets the skip itself be tried).

use channel_kpi::load::{LoadOptions, Mapping, load_dir};
use channel_kpi::*;
use rust_decimal::Decimal;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn datasets() -> Option<PathBuf> {
    let d = std::env::var_os("CHANNEL_KPI_DATASETS").map_or_else(|| root().join("../shared/datasets"), PathBuf::from);
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!("SKIPPED: ../shared/datasets not found (looked in {})", d.display());
        None
    }
}

fn expected(name: &str) -> Json {
    let text = std::fs::read_to_string(root().join("tests/expected").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn mapping(name: &str) -> Mapping {
    Mapping::from_json_file(root().join("examples/mappings").join(name)).unwrap()
}

fn close(got: Option<f64>, want: &Json, tol: f64, what: &str) {
    match (got, want.as_f64()) {
        (None, None) => {}
        (Some(g), Some(w)) => assert!((g - w).abs() <= tol, "{what}: got {g}, expected {w}"),
        (g, _) => panic!("{what}: got {g:?}, expected {want}"),
    }
}

/// Every oracle field of one group: counts, close rate with its Wilson bounds, won revenue
/// (exact), average deal size (to the engine's 6 places), mean and median cycle.
fn check_group(t: &ResultTable, key: &[Option<&str>], want: &Json, what: &str) {
    let row = *t.rows_for(key).first().unwrap_or_else(|| panic!("{what}: no row"));
    let v = |c: &str| t.value(row, c).unwrap_or_else(|| panic!("no column {c}")).clone();
    assert_eq!(v("won_count"), Value::Int(want["won_count"].as_i64().unwrap()), "{what} won");
    assert_eq!(v("lost_count"), Value::Int(want["lost_count"].as_i64().unwrap()), "{what} lost");
    close(v("close_rate").as_f64(), &want["close_rate"], 1e-12, &format!("{what} close_rate"));
    close(v("close_rate_lo").as_f64(), &want["close_rate_lo"], 1e-9, &format!("{what} close_rate_lo"));
    close(v("close_rate_hi").as_f64(), &want["close_rate_hi"], 1e-9, &format!("{what} close_rate_hi"));
    assert_eq!(v("won_revenue").to_string(), want["won_revenue"].as_str().unwrap(), "{what} won_revenue");
    // The oracle rounds Σ/n to 10 places, the engine to 6: compare the exact quotient rounded.
    let exact = want["won_revenue"].as_str().unwrap().parse::<Decimal>().unwrap() / Decimal::from(want["won_count"].as_i64().unwrap());
    assert_eq!(v("avg_deal_size").as_decimal().unwrap(), exact.round_dp(6), "{what} avg_deal_size");
    close(v("sales_cycle_days").as_f64(), &want["cycle_mean_days"], 1e-9, &format!("{what} cycle mean"));
    close(v("sales_cycle_days_median").as_f64(), &want["cycle_median_days"], 0.0, &format!("{what} cycle median"));
}

fn maven_query(by: Option<&str>) -> Query {
    let metrics = ["deal_count", "close_rate", "won_revenue", "avg_deal_size", "sales_cycle_days", "sales_velocity"];
    let mut q = Query::new(metrics.iter().map(|m| m.parse().unwrap()).collect(), Period::parse("2017").unwrap());
    if let Some(d) = by {
        q = q.by(d.parse().unwrap());
    }
    q
}

#[test]
fn maven_matches_the_oracle() {
    let Some(data) = datasets() else { return };
    check_maven(&data.join("maven-crm-sales-opportunities"), &mapping("maven.json"));
}

/// The Maven checks on the export in `dir`, read through `m`.
fn check_maven(dir: &Path, m: &Mapping) {
    let want = expected("maven.json");
    let (ds, report) = load_dir(dir, m, &LoadOptions::default()).unwrap();
    assert!(report.is_clean());
    assert_eq!(ds.deals.len() as u64, want["deal_rows"].as_u64().unwrap());
    // sales_teams.csv: 35 agents + 6 managers + 3 offices.
    assert_eq!(ds.refs.org.units().len(), 35 + 6 + 3);
    assert_eq!(ds.refs.org.ancestor_at_level("Anna Snelling", "office"), Some("Central"));
    assert_eq!(ds.deals.iter().filter(|d| d.attrs.contains_key("account")).count(), 8800 - 1425, "account empty in 1,425 rows");

    let overall = ds.run(&maven_query(None)).unwrap();
    check_group(&overall, &[], &want["overall"], "overall");
    assert_eq!(overall.currency.map(|c| c.to_string()).as_deref(), Some("USD"));

    for (dim, section) in [("owner", "by_sales_agent"), ("org:manager", "by_manager"), ("org:office", "by_regional_office")] {
        let t = ds.run(&maven_query(Some(dim))).unwrap();
        let groups = want[section].as_object().unwrap();
        assert_eq!(t.rows.len(), groups.len(), "{dim}: one row per group with closed deals");
        for (k, w) in groups {
            check_group(&t, &[Some(k)], w, &format!("{dim}={k}"));
        }
    }

    // Open pipeline at the instant 2018-01-01 (the end of period 2017), per office: Engaging
    // deals plus the Prospecting deals, whose created_on is the mapping's default 2017-12-31.
    let t = ds.run(&maven_query(Some("org:office"))).unwrap();
    for (office, w) in want["open_pipeline_by_regional_office"].as_object().unwrap() {
        assert_eq!(t.get(&[Some(office)], "open_deals_at_end"), Some(&Value::Int(w["open"].as_i64().unwrap())), "open deals {office}");
    }
    assert_eq!(overall.value(0, "open_deals_at_end"), Some(&Value::Int(want["open_pipeline_total"].as_i64().unwrap())));

    // Quarterly overall close rates.
    let mut q = Query::new(vec![Metric::CloseRate, Metric::DealCount], Period::parse("2017").unwrap());
    q.buckets = Some(Bucket::Quarter);
    let t = ds.run(&q).unwrap();
    let quarters = want["by_quarter"].as_object().unwrap();
    assert_eq!(t.rows.len(), 4);
    for (row, (name, w)) in quarters.iter().enumerate() {
        assert_eq!(t.value(row, "period_start").unwrap().to_string(), w["start"].as_str().unwrap(), "{name}");
        assert_eq!(t.value(row, "won_count"), Some(&Value::Int(w["won_count"].as_i64().unwrap())), "{name}");
        assert_eq!(t.value(row, "lost_count"), Some(&Value::Int(w["lost_count"].as_i64().unwrap())), "{name}");
        for c in ["close_rate", "close_rate_lo", "close_rate_hi"] {
            close(t.value(row, c).and_then(Value::as_f64), &w[c], 1e-9, &format!("{name} {c}"));
        }
    }
}

fn check_conversion(t: &ResultTable, row: usize, want: &Json, what: &str) {
    let n = want["leads"].as_i64().unwrap();
    assert_eq!(t.value(row, "lead_conversion_rate_n"), Some(&Value::Int(n)), "{what} leads");
    for c in ["lead_conversion_rate", "lead_conversion_rate_lo", "lead_conversion_rate_hi"] {
        close(t.value(row, c).and_then(Value::as_f64), &want[c], 1e-9, &format!("{what} {c}"));
    }
    // converted = rate × leads, exactly an integer.
    let k = t.value(row, "lead_conversion_rate").and_then(Value::as_f64).unwrap() * n as f64;
    assert_eq!(k.round() as i64, want["converted"].as_i64().unwrap(), "{what} converted");
}

#[test]
fn olist_matches_the_oracle() {
    let Some(data) = datasets() else { return };
    // `grep -n b91cf8812365f50ff4bda4bcd6206b05 olist_closed_deals_dataset.csv` → line 669.
    check_olist(&data.join("olist-marketing-funnel"), &mapping("olist.json"), "olist_closed_deals_dataset.csv:669");
}

/// The Olist checks on the export in `dir`, read through `m`; `odd_at` is where the impossible
/// deal is (file and line, or file and row).
fn check_olist(dir: &Path, m: &Mapping, odd_at: &str) {
    let want = expected("olist.json");
    let (dir, m) = (dir.to_path_buf(), m.clone());

    // One closed deal was won two days before its first contact: as a deal it is impossible
    // (closed before created), so a strict load stops there, naming the file, line and deal.
    let e = load_dir(&dir, &m, &LoadOptions::default()).unwrap_err().to_string();
    assert!(e.contains(&format!("{odd_at}, deal b91cf8812365f50ff4bda4bcd6206b05")), "{e}");
    assert!(e.contains("column `won_date`, value \"2018-03-06\": invalid: closed before it was created (2018-03-08)"), "{e}");

    // Collect mode: that row is reported and skipped; the lead still converted (its won_on
    // comes from the closed-deals file through the leads' lookup).
    let opts = LoadOptions { collect_errors: true, ..Default::default() };
    let (ds, report) = load_dir(&dir, &m, &opts).unwrap();
    assert_eq!(report.errors.len(), 1, "{report}");
    assert_eq!(report.rows_read(), 8000 + 842);
    assert_eq!(report.rows_loaded(), 8000 + 841);
    assert_eq!(ds.leads.len(), 8000);
    let odd = ds.leads.iter().find(|l| l.id == "b91cf8812365f50ff4bda4bcd6206b05").unwrap();
    assert_eq!((odd.created_on.to_string(), odd.won_on.unwrap().to_string()), ("2018-03-08".into(), "2018-03-06".into()));
    assert_eq!(ds.deals.get(0).attrs.get("business_segment").map(String::as_str), Some("pet"));

    // MQLs run 2017-06-14..2018-05-31; deals are won until 2018-11-14: as_of after that.
    let mut q = Query::new(vec![Metric::LeadConversionRate], Period::parse("2017-06-01..2018-06-01").unwrap());
    q.as_of = Some("2018-12-31".parse().unwrap());
    let t = ds.run(&q).unwrap();
    check_conversion(&t, 0, &want["overall"], "overall");

    let t = ds.run(&q.clone().by(Dimension::Source)).unwrap();
    let origins = want["by_origin"].as_object().unwrap();
    assert_eq!(t.rows.len(), origins.len());
    for (origin, w) in origins {
        let key = if origin == "null" { None } else { Some(origin.as_str()) };
        check_conversion(&t, t.rows_for(&[key])[0], w, &format!("origin {origin}"));
    }

    let t = ds.run(&q.clone().buckets(Bucket::Month)).unwrap();
    let months = want["by_first_contact_month"].as_object().unwrap();
    assert_eq!(t.rows.len(), months.len());
    for (row, (month, w)) in months.iter().enumerate() {
        assert_eq!(t.value(row, "period_start").unwrap().to_string(), format!("{month}-01"));
        check_conversion(&t, row, w, &format!("cohort {month}"));
    }
}

/// Copies a CSV export to Parquet (every column as text, empty cells as nulls, row groups of
/// 1,000 rows), as a data lake would hold it after a plain CSV import.
#[cfg(feature = "parquet")]
fn csv_to_parquet(src: &Path, dst: &Path) {
    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    let mut r = csv::Reader::from_path(src).unwrap();
    let names: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mut cols: Vec<Vec<Option<String>>> = vec![Vec::new(); names.len()];
    for rec in r.records() {
        for (c, v) in cols.iter_mut().zip(rec.unwrap().iter()) {
            c.push((!v.is_empty()).then(|| v.to_string()));
        }
    }
    let arrays = names.into_iter().zip(cols).map(|(n, c)| (n, std::sync::Arc::new(StringArray::from(c)) as ArrayRef));
    let batch = RecordBatch::try_from_iter(arrays).unwrap();
    let props = parquet::file::properties::WriterProperties::builder().set_max_row_group_row_count(Some(1000)).build();
    let mut w = parquet::arrow::ArrowWriter::try_new(std::fs::File::create(dst).unwrap(), batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// `dir`'s CSV files as Parquet in a fresh directory, and the mapping with its file names
/// (and lookup files) renamed to match.
#[cfg(feature = "parquet")]
fn as_parquet(dir: &Path, m: &Mapping, name: &str) -> (PathBuf, Mapping) {
    let out = std::env::temp_dir().join(format!("ckpi-real-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    for f in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "csv")) {
        csv_to_parquet(&f, &out.join(f.with_extension("parquet").file_name().unwrap()));
    }
    let text = serde_json::to_string(m).unwrap().replace(".csv\"", ".parquet\"");
    (out, Mapping::from_json_str(&text).unwrap())
}

#[cfg(feature = "parquet")]
#[test]
fn maven_through_parquet_matches_the_oracle() {
    let Some(data) = datasets() else { return };
    let (dir, m) = as_parquet(&data.join("maven-crm-sales-opportunities"), &mapping("maven.json"), "maven");
    assert_eq!(m.deals.file.as_deref(), Some("sales_pipeline.parquet"));
    check_maven(&dir, &m);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(feature = "parquet")]
#[test]
fn olist_through_parquet_matches_the_oracle() {
    let Some(data) = datasets() else { return };
    let (dir, m) = as_parquet(&data.join("olist-marketing-funnel"), &mapping("olist.json"), "olist");
    assert_eq!(m.deals.lookups[0].file, "olist_marketing_qualified_leads_dataset.parquet");
    // Line 669 of the CSV is its 0-based row 667.
    check_olist(&dir, &m, "olist_closed_deals_dataset.parquet row 667");
    std::fs::remove_dir_all(&dir).unwrap();
}
