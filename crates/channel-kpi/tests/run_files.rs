//! Queries on files (`load::run_files`): folded batch by batch as the files are read, with
//! exactly the results, reports and errors of a whole load (`load_paths` + `run_checked`).
#![allow(clippy::result_large_err)]

mod common;

use channel_kpi::load::{LoadOptions, LoadReport, Mapping, load_paths, run_files};
use channel_kpi::query_text::QueryText;
use channel_kpi::{Error, Query, ResultTable};
use common::Scratch;
use std::path::{Path, PathBuf};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data")
}

/// A fresh directory under the system temp dir, removed when the guard is dropped.
fn scratch(name: &str) -> Scratch {
    Scratch::new(&format!("run-files-{name}"))
}

/// The sample data, without the files named.
fn sample_without(name: &str, skip: &[&str]) -> Scratch {
    let d = scratch(name);
    for e in std::fs::read_dir(examples()).unwrap() {
        let p = e.unwrap().path();
        if !skip.iter().any(|s| p.file_name().unwrap() == *s) {
            std::fs::copy(&p, d.join(p.file_name().unwrap())).unwrap();
        }
    }
    d
}

type Ran = Result<(ResultTable, LoadReport), Error>;

fn whole(paths: &[PathBuf], mapping: &Mapping, opts: &LoadOptions, q: &Query) -> Ran {
    let (ds, report) = load_paths(paths, mapping, &opts.clone().for_query(q))?;
    Ok((ds.run_checked(q)?, report))
}

/// Asserts `run_files` equals the whole load; returns whether it streamed (false on an error).
fn same(paths: &[PathBuf], mapping: &Mapping, opts: &LoadOptions, q: &Query) -> bool {
    let (s, w) = (run_files(paths, mapping, opts, q), whole(paths, mapping, opts, q));
    match (s, w) {
        (Ok((t, r)), Ok((u, v))) => {
            assert_eq!(t.to_json(), u.to_json(), "{q:?}:\n{}\n{}", t.to_text(), u.to_text());
            assert_eq!(r.files, v.files);
            assert_eq!(
                r.errors.iter().map(|e| format!("{e} {:?}", e.location())).collect::<Vec<_>>(),
                v.errors.iter().map(|e| format!("{e} {:?}", e.location())).collect::<Vec<_>>()
            ); // fmt: skip
            r.streamed
        }
        (Err(e), Err(f)) => {
            assert_eq!((e.kind(), e.to_string(), e.location()), (f.kind(), f.to_string(), f.location()));
            false
        }
        (s, w) => panic!("{q:?}: streamed {:?}, whole {:?}", s.map(|_| ()), w.map(|_| ())),
    }
}

/// Every CLI view's query over the sample data, by nothing and by partner, by month, compared
/// with the previous period, rolled up.
fn presets() -> Vec<Query> {
    let mut out = Vec::new();
    for name in [
        "scorecard",
        "deals",
        "pipeline",
        "channels",
        "partners",
        "training",
        "satisfaction",
        "customers",
        "subscriptions",
        "cohorts",
        "forecast",
    ] {
        for (by, buckets, compare) in [(vec!["partner".to_string()], Some("quarter"), Some("previous")), (vec![], None, None)] {
            let text = QueryText {
                metrics: vec![],
                by,
                period: "2025".into(),
                buckets: buckets.map(String::from),
                compare: compare.map(String::from),
                rollup: compare.is_some(),
                as_of: Some("2025-12-31".into()),
                currency: None,
            };
            // One shape per view: the first it accepts (cohorts take no comparison).
            if let Ok(q) = text.to_query_with_preset(name)
                && q.normalized().is_ok()
                && channel_kpi::Engine::new(&q, &Default::default()).is_ok()
            {
                out.push(q);
                break;
            }
        }
    }
    out
}

#[test]
fn every_view_on_the_sample_streams_and_equals_a_whole_load() {
    let scratch = sample_without("no-history", &["stage_history.csv"]);
    let dir = scratch.to_path_buf();
    let (m, o) = (Mapping::default(), LoadOptions::default());
    let qs = presets();
    assert!(qs.len() >= 10, "{} views", qs.len());
    for q in &qs {
        assert!(same(std::slice::from_ref(&dir), &m, &o, q), "{q:?} did not stream");
    }
    // Stage history is attached to deals read before it: the query falls back to a whole load.
    for q in &qs[..2] {
        assert!(!same(&[examples()], &m, &o, q), "{q:?} streamed with a stage history");
    }
}

#[test]
fn files_given_one_by_one_and_a_bad_reference_fall_back_with_a_whole_loads_error() {
    let scratch = sample_without("refs", &["stage_history.csv"]);
    let dir = scratch.to_path_buf();
    let q = &presets()[0];
    let files: Vec<PathBuf> = ["partners.csv", "deals.csv", "leads.csv"].iter().map(|f| dir.join(f)).collect();
    assert!(same(&files, &Mapping::default(), &LoadOptions::default(), q));
    // A deal of a partner that does not exist, and a lead of a deal that does not exist.
    let deals = std::fs::read_to_string(dir.join("deals.csv")).unwrap();
    let first = deals.lines().nth(1).unwrap().to_string();
    let to = first.replacen(",P", ",nobody-P", 1);
    assert_ne!(first, to, "the sample's deals name partners P…");
    std::fs::write(dir.join("deals.csv"), deals.replacen(&first, &to, 1)).unwrap();
    let e = run_files(std::slice::from_ref(&dir), &Mapping::default(), &LoadOptions::default(), q).unwrap_err();
    assert!(e.kind() == "reference" && e.to_string().contains("nobody-P"), "{e}");
    assert!(!same(std::slice::from_ref(&dir), &Mapping::default(), &LoadOptions::default(), q));
    std::fs::write(dir.join("deals.csv"), &deals).unwrap();
    let leads = std::fs::read_to_string(dir.join("leads.csv")).unwrap();
    let linked = leads.lines().skip(1).find(|l| !l.ends_with(',')).expect("a lead linked to a deal").to_string();
    let (head, _) = linked.rsplit_once(',').unwrap();
    std::fs::write(dir.join("leads.csv"), leads.replacen(&linked, &format!("{head},NO-SUCH-DEAL"), 1)).unwrap();
    let e = run_files(std::slice::from_ref(&dir), &Mapping::default(), &LoadOptions::default(), q).unwrap_err();
    assert!(e.to_string().contains("NO-SUCH-DEAL") && e.kind() == "reference", "{e}");
    assert!(!same(std::slice::from_ref(&dir), &Mapping::default(), &LoadOptions::default(), q));
}

/// `n` generated deals in the canonical CSV format (several partners, currencies USD only).
fn deals_csv(n: usize) -> String {
    let mut s = String::from("deal_id,partner_id,created_on,closed_on,status,amount,currency,region\n");
    for i in 0..n {
        let status = ["won", "lost", "open"][i % 3];
        let closed = if status == "open" { String::new() } else { format!("2025-{:02}-{:02}", 2 + i % 10, 1 + i % 27) };
        s.push_str(&format!(
            "D{i:07},p{},2025-01-{:02},{closed},{status},{}.{:02},USD,r{}\n",
            i % 97,
            1 + i % 28,
            100 + i % 5000,
            i % 100,
            i % 5
        ));
    }
    s
}

#[test]
fn many_chunks_stream_and_equal_a_whole_load_and_a_duplicate_id_is_named_as_a_whole_load_names_it() {
    let scratch = scratch("many");
    let dir = scratch.to_path_buf();
    let text = deals_csv(40_000);
    std::fs::write(dir.join("deals.csv"), &text).unwrap();
    let (m, o) = (Mapping::default(), LoadOptions::default());
    let by = |dims: &str| -> Query {
        serde_json::from_str(&format!(r#"{{"metrics": ["deal_count", "won_revenue", "avg_deal_size", "close_rate", "sales_cycle_days", "pipeline", "sales_velocity", "median_deal_size"], "period": "2025", "group_by": {dims}, "buckets": "month"}}"#)).unwrap()
    };
    for dims in [r#"[]"#, r#"["attr:region", "partner"]"#] {
        assert!(same(std::slice::from_ref(&dir), &m, &o, &by(dims)), "{dims}");
    }
    // A duplicate far from the first: the whole load's error, both lines named.
    std::fs::write(dir.join("deals.csv"), format!("{text}D0000007,p1,2025-01-01,,open,1.00,USD,r1\n")).unwrap();
    let e = run_files(std::slice::from_ref(&dir), &m, &o, &by("[]")).unwrap_err();
    assert!(e.to_string().contains("duplicate deal id (first on line 9)"), "{e}");
    assert_eq!(e.location().unwrap().line, Some(40_002));
    assert!(!same(std::slice::from_ref(&dir), &m, &o, &by("[]")));
    // Bad rows collected: every one reported, the rest folded.
    let bad = text.replacen(",2025-01-05,", ",2025-13-05,", 3).replacen(",USD,", ",US,", 2);
    std::fs::write(dir.join("deals.csv"), &bad).unwrap();
    let collect = LoadOptions { collect_errors: true, ..LoadOptions::default() };
    assert!(same(std::slice::from_ref(&dir), &m, &collect, &by(r#"["partner"]"#)));
    let (_, report) = run_files(std::slice::from_ref(&dir), &m, &collect, &by("[]")).unwrap();
    assert_eq!((report.errors.len(), report.rows_loaded()), (5, 40_000 - 5));
}
