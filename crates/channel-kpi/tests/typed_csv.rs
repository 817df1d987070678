//! A CSV deals file read through the loader's typed reader (`load/csv_deals.rs`) gives the
//! dataset, report and errors of the row path, in a whole load and in a query on files
//! (`load::run_files`): the same files read row by row (`LoadOptions::row_path_only`) are the
//! oracle. Files mix clean rows with quoted, padded and mixed-case values, empty cells, CRLF or
//! LF, a BOM, blank lines, a quoted line break, an attr column, and every kind of bad row
//! (unknown status, channel or currency, a bad date or amount, a negative amount, a won deal
//! without amount or close date, closed before created, an empty id, too few or too many
//! fields, duplicate ids within and across files); in the canonical format and through
//! mappings (renamed columns, value maps, defaults, date formats, attrs).
#![allow(clippy::result_large_err)]

mod common;

use channel_kpi::load::{LoadOptions, Mapping, RecordKind, Source, load_sources, run_files};
use channel_kpi::{Dimension, Metric, Period, Query};
use common::{Loaded, same};
use proptest::prelude::*;
use std::path::PathBuf;

/// One generated row: id, partner, status, channel, created, cycle, amount (cents), currency,
/// trouble, quote every field, pad every field.
type Gen = (u16, Option<u8>, u8, u8, u16, Option<u16>, Option<u32>, u8, u8, bool, bool);

const STATUSES: [&str; 6] = ["open", "won", "lost", " Won ", "LOST", "sold"];
const CHANNELS: [&str; 5] = ["", "paid", "Earned", " owned", "tv"];
const CURRENCIES: [&str; 5] = ["USD", " usd", "EUR", "XX1", ""];
const COLUMNS: [&str; 11] =
    ["deal_id", "partner_id", "channel", "created_on", "closed_on", "status", "amount", "currency", "product", "segment", "region"];
/// The `region` attr's texts: padded, empty, blank, quoted, differing in case only.
const REGIONS: [&str; 6] = ["EU", " us ", "", "  ", "a, b", "Eu"];

/// How a file is written.
#[derive(Clone, Debug)]
struct Style {
    crlf: bool,
    bom: bool,
    /// Keep the `segment` and `region` columns (attrs under the default mapping).
    attr: bool,
    /// Blank lines after every this many rows (0: none).
    blank_every: usize,
    /// Header names of a Maven-like export (`opportunity_id`, `engage_date`, `deal_stage`) in
    /// place of `deal_id`, `created_on`, `status`.
    renamed: bool,
    /// Dates written as `YYYY-MM-DD 12:34:56`.
    datetime: bool,
}

fn csv(rows: &[Gen], style: &Style) -> Vec<u8> {
    let nl = if style.crlf { "\r\n" } else { "\n" };
    let cols = if style.attr { &COLUMNS[..] } else { &COLUMNS[..9] };
    let day = |offset: i64| {
        let d = (chrono::NaiveDate::from_ymd_opt(2024, 10, 4).unwrap() + chrono::Duration::days(offset)).to_string();
        if style.datetime { format!("{d} 12:34:56") } else { d }
    };
    let mut s = String::new();
    if style.bom {
        s.push('\u{feff}');
    }
    let header: Vec<&str> = cols
        .iter()
        .map(|c| match (style.renamed, *c) {
            (true, "deal_id") => "opportunity_id",
            (true, "created_on") => "engage_date",
            (true, "status") => "deal_stage",
            (_, c) => c,
        })
        .collect();
    s.push_str(&header.join(","));
    for (r, g) in rows.iter().enumerate() {
        s.push_str(nl);
        let &(id, partner, status, channel, created, cycle, amount, currency, trouble, quote, pad) = g;
        let st = STATUSES[status as usize % STATUSES.len()];
        let open = st == "open";
        let created_on = i64::from(created);
        let closed = match (trouble, open, cycle) {
            (3, _, _) => Some(day(created_on - 3)),
            (_, false, Some(c)) => Some(day(created_on + i64::from(c))),
            _ => None,
        };
        let mut cells: Vec<String> = vec![
            match trouble {
                6 => " ".into(),
                5 => "D0".into(),
                _ => format!("D{id}"),
            },
            partner.map(|p| format!("P{p}")).unwrap_or_default(),
            CHANNELS[channel as usize % CHANNELS.len()].into(),
            if trouble == 1 { "2025-13-01".into() } else { day(created_on) },
            closed.unwrap_or_default(),
            st.into(),
            match (trouble, amount) {
                (2, Some(a)) => format!("-{}.{:02}", a / 100 + 1, a % 100),
                (8, Some(_)) => "12e3".into(),
                (_, Some(a)) => format!("{}.{:02}", a / 100, a % 100),
                (_, None) => String::new(),
            },
            CURRENCIES[currency as usize % CURRENCIES.len()].into(),
            if id % 7 == 0 { "a, \"b\"\nc".into() } else { format!("prod{}", id % 3) },
            if id % 2 == 0 { format!("s{}", id % 5) } else { String::new() },
            REGIONS[(id as usize / 2) % REGIONS.len()].into(),
        ];
        cells.truncate(cols.len());
        match trouble {
            4 => {
                cells.pop();
            }
            7 => cells.push("x".into()),
            _ => {}
        }
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| {
                let c = if pad && !c.contains('\n') { format!("  {c} ") } else { c };
                if quote || c.contains([',', '"', '\n']) { format!("\"{}\"", c.replace('"', "\"\"")) } else { c }
            })
            .collect();
        s.push_str(&cells.join(","));
        if style.blank_every > 0 && r % style.blank_every == 0 {
            s.push_str(nl);
        }
    }
    s.push_str(nl);
    s.into_bytes()
}

/// The mappings the files are read through: the canonical format (0), or a Maven-like export
/// (1 …): renamed columns (`deal_stage` read as both status and stage), a status and a channel
/// value map (a value mapped to empty), defaults (currency, status, a date), date formats
/// (ISO after another format, or a datetime format), and each `attrs` choice.
fn mapping(variant: u8, style: &Style) -> Mapping {
    if variant == 0 && !style.renamed && !style.datetime {
        return Mapping::default();
    }
    let formats = match (style.datetime, variant % 3) {
        (true, 0) => r#"["%Y-%m-%d %H:%M:%S"]"#,
        (true, _) => r#"["%d/%m/%Y", "%Y-%m-%d %H:%M:%S"]"#,
        (false, 1) => r#"["%m/%d/%Y", "%Y-%m-%d"]"#,
        (false, _) => r#"["%Y-%m-%d"]"#,
    };
    let attrs =
        [r#""all""#, r#""none""#, r#"["segment", "product", "nope"]"#, r#"["region", "segment", "region"]"#][variant as usize / 3 % 4];
    let renames = if style.renamed {
        r#""deal_id": "opportunity_id", "created_on": "engage_date", "status": "deal_stage", "stage": "deal_stage","#
    } else {
        ""
    };
    let defaults = match variant % 4 {
        0 => r#"{}"#,
        1 => r#"{"currency": "USD"}"#,
        2 => r#"{"currency": "EUR", "status": "open", "expected_close_on": "2026-01-31", "lost_reason": "n/a"}"#,
        _ => r#"{"currency": "usd", "registered_on": "2025-02-30"}"#,
    };
    Mapping::from_json_str(&format!(
        r#"{{"deals": {{"columns": {{{renames} "owner_id": "partner_id"}},
            "values": {{"status": {{"LOST": "Lost", "sold": "", " Won ": "won"}}, "channel": {{"tv": "paid", "Earned": " "}}}},
            "defaults": {defaults}, "date_formats": {formats}, "attrs": {attrs}}}}}"#
    ))
    .unwrap()
}

fn load(files: &[Vec<u8>], mapping: &Mapping, collect: bool, row_path_only: bool) -> Loaded {
    let sources =
        files.iter().enumerate().map(|(i, b)| Source::from_bytes(RecordKind::Deals, &format!("deals{i}.csv"), b.clone())).collect();
    load_sources(sources, mapping, &LoadOptions { collect_errors: collect, row_path_only, ..LoadOptions::default() })
}

/// `same` of the typed reader's load and the row path's.
fn same_load(files: &[Vec<u8>], mapping: &Mapping, collect: bool) -> std::result::Result<(), TestCaseError> {
    same(load(files, mapping, collect, false), load(files, mapping, collect, true), &[])
}

/// The files written into directories of their own, as `deals.csv` each.
fn write(files: &[Vec<u8>], tag: &str) -> Vec<PathBuf> {
    let base = std::env::temp_dir().join(format!("ckpi-typed-csv-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    files
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let dir = base.join(i.to_string());
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("deals.csv"), b).unwrap();
            dir.join("deals.csv")
        })
        .collect()
}

/// A query on the files through the typed reader equals the same query through the row path:
/// by nothing (`by` 0), the partner (1), the `segment` attr (2), the `region` attr and the
/// partner (3).
fn same_query(paths: &[PathBuf], mapping: &Mapping, by: u8, collect: bool) -> std::result::Result<(), TestCaseError> {
    let mut q =
        Query::new(vec![Metric::DealCount, Metric::WonRevenue, Metric::CloseRate, Metric::Pipeline], Period::parse("2025").unwrap());
    q = match by {
        0 => q,
        1 => q.by(Dimension::Partner).rollup(),
        2 => q.by(Dimension::Attr("segment".into())),
        _ => q.by(Dimension::Attr("region".into())).by(Dimension::Partner).rollup(),
    };
    let opts = LoadOptions { collect_errors: collect, ..LoadOptions::default() };
    let slow = LoadOptions { row_path_only: true, ..opts.clone() };
    match (run_files(paths, mapping, &opts, &q), run_files(paths, mapping, &slow, &q)) {
        (Ok((a, ra)), Ok((b, rb))) => {
            prop_assert_eq!(a, b);
            prop_assert_eq!(&ra.files, &rb.files);
            prop_assert_eq!(format!("{:?}", ra.errors), format!("{:?}", rb.errors));
        }
        (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
        (a, b) => prop_assert!(false, "typed {:?} vs row path {:?}", a.map(|x| x.0.rows.len()), b.map(|x| x.0.rows.len())),
    }
    Ok(())
}

fn gen_row() -> impl Strategy<Value = Gen> {
    (
        0u16..400,
        proptest::option::of(0u8..30),
        prop_oneof![8 => 0u8..3, 1 => 3u8..6],
        0u8..5,
        0u16..400,
        proptest::option::of(0u16..90),
        proptest::option::weighted(0.9, 0u32..10_000_000),
        prop_oneof![8 => Just(0u8), 1 => 1u8..5],
        prop_oneof![30 => Just(0u8), 1 => 1u8..9],
        proptest::bool::weighted(0.2),
        proptest::bool::weighted(0.1),
    )
}

fn style() -> impl Strategy<Value = Style> {
    (any::<bool>(), any::<bool>(), proptest::bool::weighted(0.1), prop_oneof![4 => Just(0usize), 1 => 1usize..9])
        .prop_map(|(crlf, bom, attr, blank_every)| Style { crlf, bom, attr, blank_every, renamed: false, datetime: false })
}

/// A style through a mapping: renamed columns, datetimes, an attr column more often.
fn mapped_style() -> impl Strategy<Value = Style> {
    (style(), any::<bool>(), proptest::bool::weighted(0.3), proptest::bool::weighted(0.4)).prop_map(|(s, renamed, datetime, attr)| Style {
        renamed,
        datetime,
        attr: attr || s.attr,
        ..s
    })
}

/// Half the files without a bad row or value or a repeated id (the typed reader reads them),
/// half as generated.
fn files(rows: Vec<Gen>, clean: bool) -> Vec<Gen> {
    if !clean {
        return rows;
    }
    rows.into_iter()
        .enumerate()
        .map(|(i, (_, p, status, channel, created, cycle, amount, currency, _, quote, pad))| {
            (
                1000 + i as u16,
                p,
                status % 5,
                channel % 4,
                created,
                Some(cycle.unwrap_or(3)),
                Some(amount.unwrap_or(700)),
                currency % 2,
                0,
                quote,
                pad,
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn typed_csv_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..60), more in proptest::collection::vec(gen_row(), 0..8), style in style(), collect: bool, clean: bool) {
        let rows = files(rows, clean);
        let mut files = vec![csv(&rows, &style)];
        if !more.is_empty() {
            files.push(csv(&more, &Style { attr: false, ..style.clone() }));
        }
        same_load(&files, &Mapping::default(), collect)?;
    }

    #[test]
    fn typed_csv_through_a_mapping_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..60), more in proptest::collection::vec(gen_row(), 0..8), style in mapped_style(), variant in 0u8..12, collect: bool, clean: bool) {
        let rows = files(rows, clean);
        let mut files = vec![csv(&rows, &style)];
        if !more.is_empty() {
            files.push(csv(&more, &Style { attr: false, ..style.clone() }));
        }
        same_load(&files, &mapping(variant, &style), collect)?;
    }

    #[test]
    fn typed_csv_query_on_files_equals_row_path(rows in proptest::collection::vec(gen_row(), 1..60), style in mapped_style(), variant in 0u8..12, by in 0u8..4, collect: bool, clean: bool) {
        let rows = files(rows, clean);
        let paths = write(&[csv(&rows, &style)], &format!("q{variant}"));
        let r = same_query(&paths, &mapping(variant, &style), by, collect);
        let _ = std::fs::remove_dir_all(paths[0].parent().unwrap().parent().unwrap());
        r?;
    }
}

/// Rows that make a file of several chunks (over 1 MiB), clean or with one bad row, a duplicate
/// id or a blank line in a late chunk.
fn big(trouble_at: Option<(usize, u8)>, style: &Style) -> Vec<u8> {
    let rows: Vec<Gen> = (0..40_000u32)
        .map(|i| {
            let trouble = match trouble_at {
                Some((at, t)) if at == i as usize => t,
                _ => 0,
            };
            let id = (i % 60_000) as u16;
            (
                id,
                Some((i % 30) as u8),
                (i % 3) as u8,
                (i % 4) as u8,
                (i % 400) as u16,
                Some((i % 90) as u16),
                Some(i * 37),
                0,
                trouble,
                i % 3 == 0,
                false,
            )
        })
        .collect();
    // Ids from a u16 repeat past 65,535 rows only: 40,000 distinct (D0 … D39999).
    csv(&rows, style)
}

#[test]
fn files_of_many_chunks_equal_the_row_path() {
    let style = Style { crlf: true, bom: true, attr: false, blank_every: 997, renamed: false, datetime: false };
    for (case, trouble) in [None, Some((39_000, 1)), Some((38_500, 5)), Some((30_000, 4)), Some((20_000, 7))].into_iter().enumerate() {
        let file = big(trouble, &style);
        assert!(file.len() > 2 << 20, "{} bytes", file.len());
        for collect in [false, true] {
            same_load(std::slice::from_ref(&file), &Mapping::default(), collect).unwrap_or_else(|e| panic!("case {case}: {e}"));
            // A second file naming an id of the first: the error names the first file's line.
            let dup = b"deal_id,created_on,status\nD39990,2025-01-01,open\n".to_vec();
            let both = [file.clone(), dup];
            same_load(&both, &Mapping::default(), collect).unwrap_or_else(|e| panic!("case {case}: {e}"));
        }
        let paths = write(std::slice::from_ref(&file), &format!("big{case}"));
        same_query(&paths, &Mapping::default(), 1, false).unwrap_or_else(|e| panic!("case {case}: {e}"));
        let _ = std::fs::remove_dir_all(paths[0].parent().unwrap().parent().unwrap());
    }
}

#[test]
fn mapped_files_of_many_chunks_equal_the_row_path() {
    let style = Style { crlf: false, bom: false, attr: true, blank_every: 0, renamed: true, datetime: false };
    for (case, trouble) in [None, Some((39_000, 1)), Some((38_500, 5))].into_iter().enumerate() {
        let file = big(trouble, &style);
        for variant in [1, 5, 6] {
            let m = mapping(variant, &style);
            same_load(std::slice::from_ref(&file), &m, false).unwrap_or_else(|e| panic!("case {case}, mapping {variant}: {e}"));
            let paths = write(std::slice::from_ref(&file), &format!("mbig{case}-{variant}"));
            same_query(&paths, &m, 3, true).unwrap_or_else(|e| panic!("case {case}, mapping {variant}: {e}"));
            let _ = std::fs::remove_dir_all(paths[0].parent().unwrap().parent().unwrap());
        }
    }
}

#[test]
fn a_clean_file_keeps_every_field() {
    let rows: Vec<Gen> = (0..50)
        .map(|i| (i, Some((i % 7) as u8), (i % 3) as u8, 1, i, Some(5), Some(u32::from(i) * 100 + 1), 0, 0, i % 2 == 0, i % 5 == 0))
        .collect();
    let file = csv(&rows, &Style { crlf: false, bom: false, attr: false, blank_every: 0, renamed: false, datetime: false });
    let (a, ra) = load(std::slice::from_ref(&file), &Mapping::default(), false, false).unwrap();
    let (b, _) = load(&[file], &Mapping::default(), false, true).unwrap();
    assert_eq!(a.deals.len(), 50);
    assert_eq!(a.deals, b.deals);
    assert_eq!(ra.files[0].rows_loaded, 50);
    let d = a.deals.get(1);
    assert_eq!((d.id.as_str(), d.partner_id.as_deref(), d.channel.map(|c| c.name())), ("D1", Some("P1"), Some("paid")));
    assert_eq!(d.amount.unwrap().to_string(), "1.01 USD");
    assert_eq!(a.deals.get(7).product.as_deref(), Some("a, \"b\"\nc"));
}

/// A directory loaded through `mapping` by the typed readers and row by row: the same deals,
/// report and errors, or the same error.
fn same_dir(dir: &std::path::Path, mapping: &Mapping, collect: bool) {
    let opts = LoadOptions { collect_errors: collect, ..LoadOptions::default() };
    let slow = LoadOptions { row_path_only: true, ..opts.clone() };
    let (fast, slow) = (channel_kpi::load::load_dir(dir, mapping, &opts), channel_kpi::load::load_dir(dir, mapping, &slow));
    same(fast, slow, &[]).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
}

/// Lookups are hash joins on the typed path: fields joined from another file by key, a key
/// missing from a required lookup (the row path's error), or from an optional one (empty).
#[test]
fn lookups_join_as_the_row_path_joins() {
    let base = std::env::temp_dir().join(format!("ckpi-typed-csv-lookups-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let mql = "mql_id,first_contact_date,origin\nm1,2018-01-02 10:00:00,paid search\nm2,2018-01-05 08:00:00, social \nm3,,unknown\n";
    for (case, (deals, required)) in [
        ("mql_id,won_date,sr_id,declared_monthly_revenue\nm1,2018-02-01 12:00:00,s1,100\nm2,2018-03-01 00:00:00,s2,0\n", true),
        ("mql_id,won_date,sr_id,declared_monthly_revenue\nm1,2018-02-01 12:00:00,s1,100\nm9,2018-03-01 00:00:00,s2,0\n", true),
        ("mql_id,won_date,sr_id,declared_monthly_revenue\nm1,2018-02-01 12:00:00,s1,100\nm9,2018-03-01 00:00:00,s2,0\n", false),
        ("mql_id,won_date,sr_id,declared_monthly_revenue\nm3,2018-02-01 12:00:00,s1,100\n", true),
    ]
    .into_iter()
    .enumerate()
    {
        let dir = base.join(case.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("deals.csv"), deals).unwrap();
        std::fs::write(dir.join("mql.csv"), mql).unwrap();
        let m = Mapping::from_json_str(&format!(
            r#"{{"date_formats": ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S"],
                "deals": {{"columns": {{"deal_id": "mql_id", "owner_id": "sr_id", "closed_on": "won_date", "amount": "declared_monthly_revenue"}},
                "defaults": {{"status": "won", "currency": "BRL", "created_on": "2017-12-31"}},
                "lookups": [{{"file": "mql.csv", "on": "mql_id", "required": {required},
                              "columns": {{"created_on": "first_contact_date", "source": "origin"}}}}]}}}}"#
        ))
        .unwrap();
        for collect in [false, true] {
            same_dir(&dir, &m, collect);
        }
    }
    let _ = std::fs::remove_dir_all(&base);
}

/// The real exports (Maven, Olist: renames, value maps, defaults, attrs, lookups, datetimes).
#[test]
fn real_exports_read_typed_as_row_by_row() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets");
    if !data.is_dir() {
        eprintln!("SKIPPED: {} not found", data.display());
        return;
    }
    let mapping = |f: &str| {
        Mapping::from_json_file(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mappings").join(f)).unwrap()
    };
    same_dir(&data.join("maven-crm-sales-opportunities"), &mapping("maven.json"), false);
    same_dir(&data.join("olist-marketing-funnel"), &mapping("olist.json"), false);
}
