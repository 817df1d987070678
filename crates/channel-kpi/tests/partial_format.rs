//! The partial-result format: bytes and JSON round-trip; tampered, truncated, foreign-version
//! and twice-merged partials are refused with a clear error; hand-edited states that break an
//! invariant are refused naming the state; a stored fixture of format version 2 keeps loading,
//! whatever KPIs are added after it (the header fingerprints only the query's own metrics), and
//! one of version 1 is refused clearly.
#![allow(clippy::result_large_err)]

mod common;

use channel_kpi::*;
use common::*;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/partial-v2.bin");
const FIXTURE_V1: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/partial-v1.bin");

fn data() -> Dataset {
    let mut ds = dataset(vec![
        closed("D1", Some("acme"), DealStatus::Won, "2025-01-05", "2025-02-01", "200"),
        closed("D2", Some("acme"), DealStatus::Lost, "2025-01-06", "2025-02-03", "50"),
        closed("D3", Some("bolt"), DealStatus::Won, "2025-01-07", "2025-03-01", "400"),
        open("D4", Some("bolt"), "2025-02-01", "70"),
    ]);
    let mut gold = Partner::new("acme");
    gold.tier = Some("gold".into());
    ds.refs.add_partners([gold, Partner::new("bolt")]).unwrap();
    ds.validate().unwrap();
    ds
}

fn query() -> Query {
    Query::new(vec![Metric::CloseRate, Metric::WonRevenue, Metric::PartnerCountChange], Period::parse("2025-Q1").unwrap())
        .by(Dimension::Partner)
}

fn part() -> Partial {
    let ds = data();
    let mut p = ds.refs.partial(&query()).unwrap();
    p.merge(&ds.partial_part(&query(), &Part::id("deals:0")).unwrap()).unwrap();
    p
}

fn merge_err(bytes: &[u8]) -> String {
    Partial::from_bytes(bytes).unwrap_err().to_string()
}

#[test]
fn bytes_and_json_round_trip_and_finish_like_one_machine() {
    let ds = data();
    let p = part();
    let bytes = p.to_bytes().unwrap();
    let json = p.to_json().unwrap();
    assert!(bytes.len() < json.len() / 2, "binary {} bytes, JSON {}", bytes.len(), json.len());
    assert_eq!(Partial::from_bytes(&bytes).unwrap(), p);
    assert_eq!(Partial::from_json(&json).unwrap(), p);
    assert_eq!(p.finish(&ds.refs).unwrap(), ds.run(&query()).unwrap());
    assert_eq!(p.parts(), vec![Part::id("deals:0"), Part::id(Part::REFERENCE)]);
}

#[test]
fn every_query_option_survives_the_binary_form() {
    // Regression: compare_to once decoded only from JSON's untagged forms, so a bucketed,
    // compared query's partial failed to decode on a Spark or Dask worker.
    let ds = data();
    let compares = [Compare::PreviousPeriod, Compare::YearAgo, Compare::Period(Period::parse("2024-Q1").unwrap())];
    for compare in compares {
        let mut q = query().by(Dimension::PartnerTier);
        q.buckets = Some(Bucket::Month);
        q.compare_to = Some(compare);
        q.rollup = true;
        q.as_of = Some(chrono::NaiveDate::from_ymd_opt(2025, 3, 15).unwrap());
        let p = ds.partial(&q).unwrap();
        let back = Partial::from_bytes(&p.to_bytes().unwrap()).unwrap();
        assert_eq!(back, p, "{compare:?}");
        assert_eq!(back.finish(&ds.refs).unwrap(), ds.run(&q).unwrap(), "{compare:?}");
    }
}

#[test]
fn tampered_truncated_and_foreign_bytes_are_refused() {
    let bytes = part().to_bytes().unwrap();
    // every single altered byte of the body is caught by the checksum
    for i in (50..bytes.len()).step_by(7) {
        let mut b = bytes.clone();
        b[i] ^= 0x01;
        assert!(merge_err(&b).contains("corrupted: the checksum"), "byte {i}");
    }
    let mut b = bytes.clone();
    b[20] ^= 0xff; // the query fingerprint
    assert!(merge_err(&b).contains("the query does not match the fingerprint"));
    assert!(merge_err(&bytes[..bytes.len() - 1]).contains("truncated or padded: the header announces"));
    assert!(merge_err(&bytes[..30]).contains("truncated: 30 bytes"));
    assert!(merge_err(b"hello").contains("not a channel-kpi partial result"));
    assert!(merge_err(br#"{"version": 1}"#).contains("looks like JSON"));
    let mut b = bytes.clone();
    b[8] = 3;
    assert!(merge_err(&b).contains("format version 3; this build reads version 2"));
    let mut b = bytes.clone();
    b[12] ^= 1; // the fingerprint of the query's metrics' state layouts
    assert!(merge_err(&b).contains("partial states of close_rate, won_revenue, partner_count_change are laid out differently"));
}

#[test]
fn a_part_merged_twice_is_refused_and_leaves_the_partial_unchanged() {
    let ds = data();
    let q = query();
    let mut whole = ds.refs.partial(&q).unwrap();
    let p0 = ds.partial_part(&q, &Part::rows("deals.parquet", 0, 4)).unwrap();
    whole.merge(&p0).unwrap();
    let before = whole.clone();
    let again = ds.partial_part(&q, &Part::rows("deals.parquet", 3, 8)).unwrap();
    let e = whole.merge(&again).unwrap_err().to_string();
    assert_eq!(
        e,
        "cannot merge partial results: part \"deals.parquet\" rows 3..8 would be counted twice: it is already covered by this partial result"
    );
    assert_eq!(whole, before);
    // the partner records too: a second reference part
    assert!(whole.merge(&ds.refs.partial(&q).unwrap()).unwrap_err().to_string().contains("\"reference:partners\" would be counted twice"));
    assert_eq!(whole.finish(&ds.refs).unwrap(), ds.run(&q).unwrap());
}

#[test]
fn finishing_or_merging_with_other_reference_data_is_refused() {
    let ds = data();
    let p = part();
    let e = p.finish(&Reference::default()).unwrap_err().to_string();
    assert!(e.contains("folded with other reference data"), "{e}");
    let mut other = ds.clone();
    other.refs.partners.get_mut("bolt").unwrap().tier = Some("silver".into());
    let q = query();
    let e = p.clone().merge(&other.partial_part(&q, &Part::id("deals:1")).unwrap()).unwrap_err().to_string();
    assert!(e.contains("different reference data"), "{e}");
}

/// The JSON form with one edit applied to its `serde_json::Value`.
fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&part().to_json().unwrap()).unwrap();
    edit(&mut v);
    Partial::from_json(&v.to_string()).unwrap_err().to_string()
}

#[test]
fn hand_edited_json_is_refused_naming_the_state() {
    // more wins than closed deals (was: a close rate of 3.5)
    let e = edited(|v| {
        let cells = v["cells"][0].as_array_mut().unwrap();
        let acme = cells.iter_mut().find(|c| c[0][1][0] == "acme").unwrap();
        acme[1][0]["close_rate"]["closed"]["hits"] = 7.into();
    });
    assert!(e.contains("group [Some(\"acme\")] (level 1), state of close_rate: closed: 7 successes out of 2 trials"), "{e}");
    // a won sum without a won deal
    let e = edited(|v| v["cells"][0][0][1][1]["won_revenue"]["n"] = 0.into());
    assert!(e.contains("state of won_revenue: a sum of won amounts without a won deal"), "{e}");
    // no cells at all (was: a panic in finish)
    let e = edited(|v| v["cells"] = serde_json::json!([]));
    assert!(e.contains("cells for 0 windows, its query has 1"), "{e}");
    // a state missing from a cell
    let e = edited(|v| {
        v["cells"][0][0][1].as_array_mut().unwrap().pop();
    });
    assert!(e.contains("2 states for 3 metrics"), "{e}");
    // a group of another shape
    let e = edited(|v| v["cells"][0][0][0] = serde_json::json!([1, ["acme", "x"]]));
    assert!(e.contains("not a group of this query"), "{e}");
    // a negative count names its path
    let e = edited(|v| v["cells"][0][0][1][1]["won_revenue"]["n"] = (-1).into());
    assert!(e.contains("at cells[0][0][1][1].won_revenue.n") || e.contains("at cells"), "{e}");
    // a foreign version, an unknown field, another query
    assert!(edited(|v| v["version"] = 99.into()).contains("format version 99; this build reads version 2"));
    assert!(edited(|v| v["extra"] = 1.into()).contains("unknown field `extra`"));
    assert!(edited(|v| v["query"]["rollup"] = true.into()).contains("does not match query_fingerprint"));
}

/// FNV-1a 64, as the format documents it.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// The header's layout fingerprint by the documented formula: FNV-1a 64 of the JSON list of
/// the query's metrics' state layouts, each given by `layout`.
fn layouts(metrics: &[Metric], layout: impl Fn(Metric) -> String) -> u64 {
    fnv(&serde_json::to_vec(&metrics.iter().map(|m| layout(*m)).collect::<Vec<_>>()).unwrap())
}

fn with_layout_fingerprint(bytes: &[u8], f: u64) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[10..18].copy_from_slice(&f.to_le_bytes());
    b
}

/// Adding a KPI is a compatible change. The header used to fingerprint the whole list of
/// metrics, so a partial written by a build without the newest KPI was refused by this one
/// ("another list of metrics") and every new KPI made every stored partial unreadable. Now it
/// fingerprints the query's own metrics and their state layouts only: what a build without the
/// newest metric writes for this query is exactly what this build reads.
#[test]
fn a_partial_of_a_build_without_the_newest_metric_still_decodes() {
    let newest = *Metric::ALL.last().unwrap();
    let q = query();
    assert!(!q.metrics.contains(&newest));
    let bytes = part().to_bytes().unwrap();
    let header = u64::from_le_bytes(bytes[10..18].try_into().unwrap());
    // the list of metrics of a build without `newest` …
    let older_registry: Vec<Metric> = Metric::ALL.iter().copied().filter(|m| *m != newest).collect();
    let older_registry_ids: Vec<&str> = older_registry.iter().map(|m| m.id()).collect();
    assert_ne!(header, fnv(&serde_json::to_vec(&older_registry_ids).unwrap()), "the header must not depend on the list of metrics");
    // … is not what the header holds: only the query's metrics' layouts, which that build shares
    let older_build_header = layouts(&q.metrics, |m| {
        assert!(older_registry.contains(&m));
        m.state_layout()
    });
    assert_eq!(header, older_build_header);
    let from_older_build = with_layout_fingerprint(&bytes, older_build_header);
    assert_eq!(Partial::from_bytes(&from_older_build).unwrap(), part());
    // the bytes hold no registry position either: each state is untagged, so the body of a
    // one-metric partial is the same whichever metrics come before it in the list
    let one = Query::new(vec![newest], Period::parse("2025-Q1").unwrap());
    let p = data().partial(&one).unwrap();
    assert_eq!(Partial::from_bytes(&p.to_bytes().unwrap()).unwrap(), p);
}

/// What the stored states depend on is still checked: a partial whose metric's state changed
/// shape (a field added, a STATE_VERSION bumped) since it was written is refused, naming the
/// query's metrics, never misread.
#[test]
fn a_partial_whose_metric_state_layout_changed_is_refused() {
    let bytes = part().to_bytes().unwrap();
    let q = query();
    assert_eq!(Metric::CloseRate.state_layout(), r#"close_rate v1 {"closed":{"hits":0,"n":0}}"#);
    let one_more_field = layouts(&q.metrics, |m| match m {
        Metric::CloseRate => r#"close_rate v1 {"closed":{"hits":0,"n":0},"open":0}"#.into(),
        _ => m.state_layout(),
    });
    let version_bumped = layouts(&q.metrics, |m| match m {
        Metric::WonRevenue => m.state_layout().replacen(" v1 ", " v2 ", 1),
        _ => m.state_layout(),
    });
    for f in [one_more_field, version_bumped] {
        let e = Partial::from_bytes(&with_layout_fingerprint(&bytes, f)).unwrap_err();
        assert_eq!(e.kind(), "merge");
        assert_eq!(
            e.to_string(),
            "cannot merge partial results: partial result bytes: written by a build whose partial states of close_rate, \
             won_revenue, partner_count_change are laid out differently; fold the parts again with this build"
        );
    }
}

/// A partial of format version 1 (whole-registry fingerprint, tagged states) is refused with
/// the versions named.
#[test]
fn a_partial_of_format_version_1_is_refused_clearly() {
    let e = merge_err(&std::fs::read(FIXTURE_V1).unwrap());
    assert!(e.contains("format version 1; this build reads version 2"), "{e}");
}

/// Rewrite with `UPDATE_FIXTURES=1 cargo test -p channel-kpi --all-features --test
/// partial_format` only when the format version changes (keep the old fixture and check it is
/// refused, as for version 1 above), or when the query's options or the state of
/// `close_rate`, `won_revenue` or `partner_count_change` change (their layouts and the query
/// are fingerprinted: partials of another build are refused by design). **Never for a new
/// KPI**: a new KPI changes nothing in this partial, and this test shows that it still loads.
#[test]
fn stored_fixture_of_version_2_keeps_loading() {
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(FIXTURE, part().to_bytes().unwrap()).unwrap();
    }
    let bytes = std::fs::read(FIXTURE).unwrap();
    assert_eq!(u16::from_le_bytes([bytes[8], bytes[9]]), Partial::FORMAT_VERSION, "format changed: see this test's doc");
    let p = Partial::from_bytes(&bytes).unwrap();
    assert_eq!(p, part());
    let t = p.finish(&data().refs).unwrap();
    assert_eq!(f(&t, &[Some("acme")], "close_rate"), Some(0.5));
    assert_eq!(dec(&t, &[Some("bolt")], "won_revenue"), "400");
}
