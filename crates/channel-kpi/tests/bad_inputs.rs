//! The bad-input catalog (`tests/bad_inputs/cases/`, documented in `tests/bad_inputs/README.md`)
//! asserted from Rust: every case directory holds input files (`deals.csv`, `leads.jsonl`, …,
//! or `dataset.json` for the Dataset JSON form), maybe a `mapping.json`, and a `case.json`
//! with the expected outcome:
//! an error of a given kind naming file / line / field / value / record, or a successful load
//! with the documented repair. The Python and C runners read the same cases.
#![allow(clippy::result_large_err)]

use channel_kpi::load::{Format, LoadOptions, Mapping, RecordKind, load_dir, run_files};
use channel_kpi::{Dataset, Error, Query};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bad_inputs/cases")
}

/// Whether a case reads a Parquet file, which a build without the feature `parquet` refuses.
fn reads_parquet(dir: &Path) -> bool {
    std::fs::read_dir(dir).expect("a case directory").any(|e| Format::of(&e.expect("a case file").path()) == Format::Parquet)
}

/// The catalog's case directories, sorted. A build without the feature `parquet` leaves out
/// (and names) the Parquet cases, after checking each is refused with an error saying so.
fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir()).expect("tests/bad_inputs/cases").map(|e| e.unwrap().path()).collect();
    dirs.sort();
    if !cfg!(feature = "parquet") {
        let (parquet, rest): (Vec<PathBuf>, Vec<PathBuf>) = dirs.into_iter().partition(|d| reads_parquet(d));
        for d in &parquet {
            let case: Value = serde_json::from_str(&std::fs::read_to_string(d.join("case.json")).unwrap()).unwrap();
            let e = outcome(d, &case).err().unwrap_or_else(|| panic!("{}: loaded without the feature `parquet`", d.display()));
            assert!(e.to_string().contains("cargo feature `parquet`"), "{}: {e}", d.display());
        }
        eprintln!("built without the feature `parquet`: {} Parquet cases checked refused, not run", parquet.len());
        dirs = rest;
    }
    dirs
}

/// The mapping and load options of a file case.
fn load_setup(dir: &Path, case: &Value) -> Result<(Mapping, LoadOptions), Error> {
    let mut opts = LoadOptions::default();
    if let Some(n) = case["load"]["max_line_bytes"].as_u64() {
        opts.max_line_bytes = n as usize;
    }
    opts.collect_errors = case["load"]["collect_errors"].as_bool().unwrap_or(false);
    let mapping = match dir.join("mapping.json") {
        m if m.is_file() => Mapping::from_json_str(&std::fs::read_to_string(m).expect("read mapping.json"))?,
        _ => Mapping::default(),
    };
    Ok((mapping, opts))
}

/// Loads (and, when the case has a query, runs) one case.
fn outcome(dir: &Path, case: &Value) -> Result<Dataset, Error> {
    let json = dir.join("dataset.json");
    let ds = if json.is_file() {
        Dataset::from_json_bytes(&std::fs::read(&json).expect("read dataset.json"))?
    } else {
        let (mapping, opts) = load_setup(dir, case)?;
        let (ds, report) = load_dir(dir, &mapping, &opts)?;
        report.into_result()?;
        ds
    };
    if !case["query"].is_null() {
        let q = Query::from_json(&case["query"].to_string())?;
        let table = ds.run(&q)?;
        // Every renderer must take any cell (length, Unicode) without panicking, and show it
        // whole: `renders` names a character and how many of it in a row each output holds.
        let outputs = [table.to_text(), table.to_csv(), table.to_json().to_string()];
        if let (Some(c), Some(n)) = (case["renders"]["char"].as_str(), case["renders"]["count"].as_u64()) {
            let run = c.repeat(n as usize);
            for (name, out) in ["text", "CSV", "JSON"].iter().zip(&outputs) {
                assert!(out.contains(&run), "{}: the {name} rendering lacks {n} × {c:?}", dir.display());
            }
        }
    }
    Ok(ds)
}

/// Differences between an error and one expectation (`{"error": kind, "file": …}`).
fn check_error(e: &Error, want: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    let msg = e.to_string();
    if want["error"].as_str() != Some(e.kind()) {
        bad.push(format!("kind {} (want {})", e.kind(), want["error"]));
    }
    let loc = e.location().cloned().unwrap_or_default();
    let text = |k: &str, got: Option<&str>| match (want[k].as_str(), got) {
        (None, _) => None,
        (Some(w), Some(g)) if k == "file" && (g == w || g.ends_with(&format!("/{w}"))) => None,
        (Some(w), Some(g)) if g == w => None,
        (Some(w), g) => Some(format!("{k} {g:?} (want {w:?})")),
    };
    bad.extend(text("file", loc.file.as_deref()));
    bad.extend(text("field", loc.field.as_deref()));
    bad.extend(text("value", loc.value.as_deref()));
    bad.extend(text("record", loc.record.as_deref()));
    if let Some(line) = want["line"].as_u64()
        && loc.line != Some(line)
    {
        bad.push(format!("line {:?} (want {line})", loc.line));
    }
    if let Some(row) = want["row"].as_u64()
        && loc.row != Some(row)
    {
        bad.push(format!("row {:?} (want {row})", loc.row));
    }
    if let Some(c) = want["contains"].as_str()
        && !msg.contains(c)
    {
        bad.push(format!("message lacks {c:?}"));
    }
    if let (Error::Many(errs), Some(wants)) = (e, want["errors"].as_array()) {
        if errs.len() != wants.len() {
            bad.push(format!("{} nested errors (want {})", errs.len(), wants.len()));
        }
        for (i, (e, w)) in errs.iter().zip(wants).enumerate() {
            bad.extend(check_error(e, w).into_iter().map(|b| format!("error {i}: {b}")));
        }
    }
    if !bad.is_empty() {
        bad.push(format!("message: {msg}"));
    }
    bad
}

fn check(dir: &Path) -> Vec<String> {
    let case: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("case.json")).expect("case.json")).expect("case.json parses");
    let want = &case["expect"];
    match (outcome(dir, &case), want["ok"].as_object()) {
        (Err(e), None) => check_error(&e, want),
        (Err(e), Some(_)) => vec![format!("want a successful load ({}), got: {e}", want["repair"])],
        (Ok(_), None) => vec![format!("want a {} error, but it loaded", want["error"])],
        (Ok(ds), Some(counts)) => counts
            .iter()
            .filter_map(|(k, n)| {
                let got = match k.as_str() {
                    "deals" => ds.deals.len(),
                    "leads" => ds.leads.len(),
                    other => return Some(format!("unknown count {other}")),
                };
                (Some(got as u64) != n.as_u64()).then(|| format!("{got} {k} (want {n})"))
            })
            .collect(),
    }
}

#[test]
fn every_case_of_the_catalog_has_its_expected_outcome() {
    let dirs = case_dirs();
    assert!(dirs.len() >= 80, "the catalog has {} cases; it promises at least 80", dirs.len());
    let failures: Vec<String> = dirs
        .iter()
        .flat_map(|d| {
            let name = d.file_name().unwrap().to_string_lossy().to_string();
            check(d).into_iter().map(move |b| format!("{name}: {b}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
}

/// The query a file case runs on its files: its own, or the deal count of 2025.
fn case_query(case: &Value) -> Result<Query, Error> {
    match &case["query"] {
        Value::Null => Query::from_json(r#"{"metrics": ["deal_count"], "period": "2025"}"#),
        q => Query::from_json(&q.to_string()),
    }
}

type Ran = Result<(channel_kpi::ResultTable, channel_kpi::load::LoadReport), Error>;

/// The case's query on its files (`run_files`: streamed when it can be), and on a whole load
/// with the same options.
fn streamed_and_whole(dir: &Path, case: &Value) -> (Ran, Ran) {
    let setup = || -> Result<(Mapping, LoadOptions, Query), Error> {
        let (m, o) = load_setup(dir, case)?;
        let q = case_query(case)?;
        Ok((m, o, q))
    };
    let streamed = setup().and_then(|(m, o, q)| run_files(&[dir.to_path_buf()], &m, &o, &q));
    let whole = setup().and_then(|(m, o, q)| {
        let (ds, report) = load_dir(dir, &m, &o.for_query(&q))?;
        Ok((ds.run_checked(&q)?, report))
    });
    (streamed, whole)
}

/// Everything an error says: kind, message, location (nested errors included).
fn described(e: &Error) -> String {
    format!("{} | {e} | {:?}", e.kind(), e.location())
}

/// File cases whose query streamed.
static STREAMED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn check_streamed(dir: &Path) -> Vec<String> {
    let case: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("case.json")).expect("case.json")).expect("case.json parses");
    let (streamed, whole) = streamed_and_whole(dir, &case);
    if streamed.as_ref().is_ok_and(|(_, r)| r.streamed) {
        STREAMED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let mut bad = Vec::new();
    let errors = |r: &channel_kpi::load::LoadReport| r.errors.iter().map(described).collect::<Vec<_>>();
    match (&streamed, &whole) {
        (Ok((t, r)), Ok((u, w))) => {
            if t.to_json() != u.to_json() {
                bad.push(format!("tables differ:\n{}\n{}", t.to_text(), u.to_text()));
            }
            if errors(r) != errors(w) || r.rows_loaded() != w.rows_loaded() || r.files != w.files {
                bad.push(format!("reports differ:\n{r}\n{w}"));
            }
        }
        (Err(e), Err(f)) if described(e) == described(f) => {}
        (s, w) => bad.push(format!(
            "streamed {:?} but whole {:?}",
            s.as_ref().map(|_| "ok").map_err(described),
            w.as_ref().map(|_| "ok").map_err(described)
        )),
    }
    // And the catalog's expectation, through the streamed query.
    let want = &case["expect"];
    let counted = streamed.and_then(|(_, r)| {
        let rows = |k: RecordKind| r.files.iter().filter(|f| f.kind == k).map(|f| f.rows_loaded).sum::<u64>();
        let counts = (rows(RecordKind::Deals), rows(RecordKind::Leads));
        r.into_result().map(|_| counts)
    });
    match (counted, want["ok"].as_object()) {
        (Err(e), None) => bad.extend(check_error(&e, want)),
        (Err(e), Some(_)) => bad.push(format!("want success ({}), got: {e}", want["repair"])),
        (Ok(_), None) => bad.push(format!("want a {} error, but it ran", want["error"])),
        (Ok((deals, leads)), Some(counts)) => {
            for (k, n) in counts {
                let got = if k == "deals" { deals } else { leads };
                if Some(got) != n.as_u64() {
                    bad.push(format!("{got} {k} (want {n})"));
                }
            }
        }
    }
    bad
}

/// `run_files` (a query on files, streamed when it can be) gives every file case of the
/// catalog exactly a whole load's outcome: the same table and report, or the same error
/// (kind, message, file, line or row, record, column, value); and so the catalog's expectation.
#[test]
fn every_file_case_queried_on_its_files_has_a_whole_loads_outcome() {
    let mut dirs = case_dirs();
    dirs.retain(|d| !d.join("dataset.json").is_file());
    assert!(dirs.len() >= 80, "{} file cases", dirs.len());
    let failures: Vec<String> = dirs
        .iter()
        .flat_map(|d| {
            let name = d.file_name().unwrap().to_string_lossy().to_string();
            check_streamed(d).into_iter().map(move |b| format!("{name}: {b}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
    // The cases that load (repairs, collected bad rows) streamed; the rest failed as a whole load does.
    // (one of them, parquet_collect_bad_rows, is left out by a build without the feature `parquet`)
    let floor = if cfg!(feature = "parquet") { 20 } else { 19 };
    assert!(STREAMED.load(std::sync::atomic::Ordering::Relaxed) >= floor, "only {STREAMED:?} cases streamed");
}

#[test]
fn the_catalog_readme_lists_every_case() {
    let readme = std::fs::read_to_string(cases_dir().join("../README.md")).expect("tests/bad_inputs/README.md");
    let missing: Vec<String> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| !readme.contains(&format!("| `{n}` |")))
        .collect();
    assert!(missing.is_empty(), "not in tests/bad_inputs/README.md (run tests/bad_inputs/readme_table.py): {missing:?}");
}

/// Counts the bytes handed out by an endless reader.
struct Endless {
    head: std::io::Cursor<Vec<u8>>,
    served: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl std::io::Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = self.head.read(buf)?;
        if n == 0 {
            buf.fill(b'9');
            n = buf.len();
        }
        self.served.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

#[test]
fn an_endless_line_is_rejected_after_reading_little_more_than_the_limit() {
    use channel_kpi::load::{RecordKind, Source, load_sources};
    for (name, head) in
        [("deals.csv", "deal_id,created_on,status,amount\nD1,2025-01-01,open,"), ("deals.jsonl", "{\"deal_id\": \"D1\", \"amount\": ")]
    {
        let served = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let src = Source::from_reader(
            RecordKind::Deals,
            name,
            Endless { head: std::io::Cursor::new(head.as_bytes().to_vec()), served: served.clone() },
        );
        let opts = LoadOptions { max_line_bytes: 4096, ..LoadOptions::default() };
        let e = load_sources(vec![src], &Mapping::default(), &opts).unwrap_err();
        assert!(e.to_string().contains("longer than 4096 bytes"), "{e}");
        let read = served.load(std::sync::atomic::Ordering::Relaxed);
        assert!(read < 4096 + 64 * 1024, "{name}: read {read} bytes of an endless line before giving up");
    }
}

/// Typed Arrow dates beyond the calendar are errors naming the raw value — never taken for a
/// null, and never a panic (a timestamp at the last instant with a fixed offset used to panic
/// in chrono's `+`).
#[cfg(feature = "arrow")]
#[test]
fn arrow_dates_beyond_the_calendar_are_named_not_nulls_and_do_not_panic() {
    use arrow_array::{ArrayRef, Date32Array, RecordBatch, StringArray, TimestampSecondArray};
    use channel_kpi::load::{RecordKind, Source};
    use std::sync::Arc;
    let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
    let last_second = 8_210_266_876_799; // 262143-12-31T23:59:59, chrono's last
    let dates: [(ArrayRef, &str); 3] = [
        (Arc::new(Date32Array::from(vec![i32::MAX])), "2147483647 days"),
        (Arc::new(TimestampSecondArray::from(vec![last_second]).with_timezone("+05:00")), "8210266876799 s"),
        (Arc::new(TimestampSecondArray::from(vec![i64::MIN])), "-9223372036854775808 s"),
    ];
    for (created, raw) in dates {
        let batch = RecordBatch::try_from_iter([("deal_id", text("A")), ("status", text("open")), ("created_on", created)]).unwrap();
        let src = Source::from_arrow(RecordKind::Deals, "deals", Box::new(vec![Ok(batch)].into_iter()));
        let e = channel_kpi::arrow::load_tables(vec![src], &Mapping::default(), &LoadOptions::default()).unwrap_err();
        let loc = e.location().unwrap();
        assert_eq!((e.kind(), loc.field.as_deref(), loc.row), ("parse", Some("created_on"), Some(0)), "{e}");
        assert!(loc.value.as_deref().unwrap_or_default().starts_with(raw), "{e}");
    }
}
