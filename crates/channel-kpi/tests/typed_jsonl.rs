//! A JSON Lines deals file read through the loader's typed reader (`load/csv_deals.rs`,
//! `load/line_chunks.rs`, `load/json_line.rs`) gives the dataset, report and errors of the row
//! path (`LoadOptions::row_path_only`), in a whole load and in a query on files
//! (`load::run_files`), in the canonical format and through mappings. Lines mix clean records
//! with keys in any order, numbers, booleans, `null`, escaped strings, padded values, extra
//! keys (attrs), blank lines, CRLF, a byte-order mark, and every kind of bad line (not an
//! object, a key twice, a nested value, an unknown status or currency, a bad date or amount,
//! an empty id, a duplicate id).
#![allow(clippy::result_large_err)]

mod common;

use channel_kpi::load::{LoadOptions, Mapping, RecordKind, Source, load_sources, run_files};
use channel_kpi::{Dimension, Metric, Period, Query};
use common::{Loaded, same};
use proptest::prelude::*;

/// One generated line: id, partner, status, created, cycle, amount (cents), amount as a JSON
/// number, currency, trouble, key order rotation, an extra key.
type Gen = (u16, Option<u8>, u8, u16, Option<u16>, Option<u32>, bool, u8, u8, u8, bool);

const STATUSES: [&str; 6] = ["open", "won", "lost", " Won ", "LOST", "sold"];
const CURRENCIES: [&str; 4] = ["USD", " usd", "EUR", "XX1"];

fn day(offset: i64, datetime: bool) -> String {
    let d = (chrono::NaiveDate::from_ymd_opt(2024, 10, 4).unwrap() + chrono::Duration::days(offset)).to_string();
    if datetime { format!("{d} 08:00:00") } else { d }
}

fn jsonl(rows: &[Gen], crlf: bool, bom: bool, renamed: bool, datetime: bool) -> Vec<u8> {
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut s = String::new();
    if bom {
        s.push('\u{feff}');
    }
    let name = |c: &'static str| match (renamed, c) {
        (true, "deal_id") => "opportunity_id",
        (true, "created_on") => "engage_date",
        (true, "status") => "deal_stage",
        (_, c) => c,
    };
    for (r, g) in rows.iter().enumerate() {
        let &(id, partner, status, created, cycle, amount, number, currency, trouble, rotate, extra) = g;
        let st = STATUSES[status as usize % STATUSES.len()];
        let created = i64::from(created);
        let closed = match (trouble, st == "open", cycle) {
            (3, _, _) => Some(day(created - 3, datetime)),
            (_, false, Some(c)) => Some(day(created + i64::from(c), datetime)),
            _ => None,
        };
        let q = |v: &str| serde_json::to_string(v).unwrap();
        let mut pairs: Vec<(String, String)> = vec![
            (q(name("deal_id")), if trouble == 6 { q(" ") } else { q(&format!("D{id}")) }),
            (q("partner_id"), partner.map_or("null".into(), |p| q(&format!("P{p}")))),
            (q(name("created_on")), if trouble == 1 { q("2025-13-01") } else { q(&day(created, datetime)) }),
            (q("closed_on"), closed.map_or("null".into(), |c| q(&c))),
            (q(name("status")), q(st)),
            (
                q("amount"),
                match (trouble, amount, number) {
                    (2, Some(a), _) => q(&format!("-{}.{:02}", a / 100 + 1, a % 100)),
                    (_, Some(a), true) => format!("{}.{:02}", a / 100, a % 100),
                    (_, Some(a), false) => q(&format!(" {}.{:02}", a / 100, a % 100)),
                    (_, None, _) => "null".into(),
                },
            ),
            (q("currency"), q(CURRENCIES[currency as usize % CURRENCIES.len()])),
            (q("product"), q(if id % 5 == 0 { "line\n\"two\"\u{e9}" } else { "p" })),
        ];
        if extra {
            pairs.push((q("segment"), if id % 3 == 0 { "true".into() } else { q(&format!(" s{} ", id % 4)) }));
        }
        match trouble {
            4 => pairs.push((q("partner_id"), q("P2"))),
            5 => pairs.push((q("tags"), "[1, 2]".into())),
            _ => {}
        }
        let n = pairs.len();
        pairs.rotate_left(rotate as usize % n);
        let body: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
        match trouble {
            7 => s.push_str("[1, 2]"),
            8 => s.push_str(&format!("{{{}}} x", body.join(", "))),
            _ => s.push_str(&format!("  {{{}}}", body.join(", "))),
        }
        s.push_str(nl);
        if r % 7 == 3 {
            s.push_str(nl);
        }
    }
    s.into_bytes()
}

/// The canonical format (0) or a Maven-like export through a mapping (1 …).
fn mapping(variant: u8, renamed: bool, datetime: bool) -> Mapping {
    if variant == 0 && !renamed && !datetime {
        return Mapping::default();
    }
    let formats = if datetime { r#"["%d/%m/%Y", "%Y-%m-%d %H:%M:%S"]"# } else { r#"["%Y-%m-%d"]"# };
    let attrs = [r#""all""#, r#""none""#, r#"["segment", "nope"]"#][variant as usize % 3];
    let renames = if renamed {
        r#""deal_id": "opportunity_id", "created_on": "engage_date", "status": "deal_stage", "stage": "deal_stage","#
    } else {
        ""
    };
    let defaults = [r#"{}"#, r#"{"currency": "USD", "lost_reason": "n/a"}"#][variant as usize % 2];
    Mapping::from_json_str(&format!(
        r#"{{"deals": {{"columns": {{{renames} "owner_id": "partner_id"}},
            "values": {{"status": {{"LOST": "Lost", "sold": ""}}}},
            "defaults": {defaults}, "date_formats": {formats}, "attrs": {attrs}}}}}"#
    ))
    .unwrap()
}

fn load(files: &[Vec<u8>], mapping: &Mapping, collect: bool, row_path_only: bool) -> Loaded {
    let sources =
        files.iter().enumerate().map(|(i, b)| Source::from_bytes(RecordKind::Deals, &format!("deals{i}.jsonl"), b.clone())).collect();
    load_sources(sources, mapping, &LoadOptions { collect_errors: collect, row_path_only, ..LoadOptions::default() })
}

fn same_load(files: &[Vec<u8>], mapping: &Mapping, collect: bool) -> std::result::Result<(), TestCaseError> {
    same(load(files, mapping, collect, false), load(files, mapping, collect, true), &[])
}

fn same_query(file: &[u8], mapping: &Mapping, collect: bool, tag: &str) -> std::result::Result<(), TestCaseError> {
    let dir = std::env::temp_dir().join(format!("ckpi-typed-jsonl-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("deals.jsonl");
    std::fs::write(&path, file).unwrap();
    let q = || Query::new(vec![Metric::DealCount, Metric::WonRevenue, Metric::CloseRate, Metric::Pipeline], Period::parse("2025").unwrap());
    // by the partner, and by the `segment` attr (read into its column) and the partner
    let queries = [q().by(Dimension::Partner).rollup(), q().by(Dimension::Attr("segment".into())).by(Dimension::Partner)];
    let opts = LoadOptions { collect_errors: collect, ..LoadOptions::default() };
    let slow = LoadOptions { row_path_only: true, ..opts.clone() };
    let paths = [path];
    let r = queries.iter().try_for_each(|q| match (run_files(&paths, mapping, &opts, q), run_files(&paths, mapping, &slow, q)) {
        (Ok((a, ra)), Ok((b, rb))) => {
            prop_assert_eq!(a, b);
            prop_assert_eq!(&ra.files, &rb.files);
            prop_assert_eq!(format!("{:?}", ra.errors), format!("{:?}", rb.errors));
            Ok(())
        }
        (Err(a), Err(b)) => {
            prop_assert_eq!(a.to_string(), b.to_string());
            Ok(())
        }
        (a, b) => Err(TestCaseError::fail(format!("typed {:?} vs row path {:?}", a.map(|x| x.0.rows.len()), b.map(|x| x.0.rows.len())))),
    });
    let _ = std::fs::remove_dir_all(&dir);
    r
}

fn gen_row() -> impl Strategy<Value = Gen> {
    (
        0u16..400,
        proptest::option::of(0u8..30),
        prop_oneof![8 => 0u8..3, 1 => 3u8..6],
        0u16..400,
        proptest::option::of(0u16..90),
        proptest::option::weighted(0.9, 0u32..10_000_000),
        any::<bool>(),
        prop_oneof![8 => Just(0u8), 1 => 1u8..4],
        prop_oneof![30 => Just(0u8), 1 => 1u8..9],
        0u8..3,
        proptest::bool::weighted(0.2),
    )
}

/// Rows the typed reader reads to the end (no bad value, no repeated id), or as generated.
fn clean(rows: Vec<Gen>, clean: bool) -> Vec<Gen> {
    if !clean {
        return rows;
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, (_, p, status, created, cycle, amount, number, currency, _, rotate, extra))| {
            (
                1000 + i as u16,
                p,
                status % 5,
                created,
                Some(cycle.unwrap_or(3)),
                Some(amount.unwrap_or(700)),
                number,
                currency % 2,
                0,
                rotate,
                extra,
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn typed_jsonl_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..60), more in proptest::collection::vec(gen_row(), 0..8),
                                   crlf: bool, bom: bool, renamed: bool, datetime in proptest::bool::weighted(0.3), variant in 0u8..6, collect: bool, is_clean: bool) {
        let files = vec![jsonl(&clean(rows, is_clean), crlf, bom, renamed, datetime), jsonl(&more, crlf, false, renamed, datetime)];
        same_load(&files, &mapping(variant, renamed, datetime), collect)?;
    }

    #[test]
    fn typed_jsonl_query_on_files_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..60), crlf: bool, renamed: bool, variant in 0u8..6, collect: bool, is_clean: bool) {
        let file = jsonl(&clean(rows, is_clean), crlf, false, renamed, false);
        same_query(&file, &mapping(variant, renamed, false), collect, &format!("{variant}"))?;
    }
}

/// Rows that make a file of many chunks (several MiB), clean or with one bad line late.
#[test]
fn files_of_many_chunks_equal_the_row_path() {
    for (case, trouble) in [None, Some((29_000, 1)), Some((28_000, 8)), Some((27_000, 4))].into_iter().enumerate() {
        let rows: Vec<Gen> = (0..30_000u32)
            .map(|i| {
                let t = trouble.filter(|(at, _)| *at == i as usize).map_or(0, |(_, t)| t);
                (
                    i as u16,
                    Some((i % 30) as u8),
                    (i % 3) as u8,
                    (i % 400) as u16,
                    Some((i % 90) as u16),
                    Some(i * 37),
                    i % 2 == 0,
                    0,
                    t,
                    (i % 3) as u8,
                    i % 5 == 0,
                )
            })
            .collect();
        let file = jsonl(&rows, case % 2 == 0, true, case > 1, false);
        assert!(file.len() > 4 << 20, "{} bytes", file.len());
        let m = mapping(case as u8, case > 1, false);
        for collect in [false, true] {
            same_load(std::slice::from_ref(&file), &m, collect).unwrap_or_else(|e| panic!("case {case}: {e}"));
        }
        same_query(&file, &m, false, &format!("big{case}")).unwrap_or_else(|e| panic!("case {case}: {e}"));
    }
}
