//! What each fuzz target does with its input bytes. Every function must return normally for
//! *any* input: errors are fine (and are formatted, to exercise `Display`), panics, aborts,
//! hangs and memory errors are bugs. The targets in `fuzz/fuzz_targets/` call these; the test
//! `tests/replay.rs` feeds them every seed and every input that once crashed.

use channel_kpi::load::{LoadOptions, Mapping, RecordKind, Source, load_sources};
use channel_kpi::{Dataset, Metric, Period, Query};

mod c_api;
mod render;
pub use c_api::c_api;
pub use render::render;

/// Small enough that over-long lines are met, large enough for real rows.
const MAX_LINE: usize = 512;

/// Metrics that need a pipeline definition (which a single loaded file never has), and
/// seasonality, which needs cyclic buckets.
const NEEDS_PIPELINE: &[&str] = &["deal_success_rate", "stage_duration", "stage_funnel", "close_rate_seasonality"];

/// Queries run on whatever loaded: every metric (but those needing a pipeline), by partner
/// with roll-up, compared with the previous period; and by quarter.
fn load_queries() -> Vec<Query> {
    let metrics: Vec<&str> = Metric::ALL.iter().map(|m| m.id()).filter(|id| !NEEDS_PIPELINE.contains(id)).collect();
    let q = |extra: &str| {
        let json = format!(r#"{{"metrics": {}, "period": "2024-07-01..2026-01-01"{extra}}}"#, serde_json::to_string(&metrics).unwrap());
        Query::from_json(&json).expect("the harness's own queries are valid")
    };
    vec![q(r#", "group_by": ["partner"], "rollup": true, "compare_to": "previous_period""#), q(r#", "buckets": "quarter""#)]
}

fn load(data: &[u8], ext: &str) {
    let Some((&first, body)) = data.split_first() else { return };
    let kind = RecordKind::ALL[first as usize % RecordKind::ALL.len()];
    let opts = LoadOptions { collect_errors: first & 0x80 != 0, max_line_bytes: MAX_LINE, ..LoadOptions::default() };
    let src = Source::from_bytes(kind, &format!("{}.{ext}", kind.name()), body.to_vec());
    match load_sources(vec![src], &Mapping::default(), &opts) {
        Err(e) => drop(e.to_string()),
        Ok((ds, report)) => {
            drop(report.to_string());
            run_queries(&ds);
        }
    }
}

fn run_queries(ds: &Dataset) {
    static QUERIES: std::sync::OnceLock<Vec<Query>> = std::sync::OnceLock::new();
    for q in QUERIES.get_or_init(load_queries) {
        if let Err(e) = ds.run(q) {
            drop(e.to_string());
        }
    }
}

/// CSV bytes: the first byte picks the record kind (and, with its high bit, collect mode).
pub fn load_csv(data: &[u8]) {
    load(data, "csv");
}

/// JSON Lines bytes, as [`load_csv`].
pub fn load_jsonl(data: &[u8]) {
    load(data, "jsonl");
}

/// Period text: parsing must not panic, and a parsed period must print as text that parses
/// back to itself; its neighbours and buckets must not panic either.
pub fn period(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (fiscal, text) = match text.split_once('|') {
        Some((m, t)) => (m.parse::<u32>().ok(), t),
        None => (None, text),
    };
    let parsed = match fiscal {
        Some(m) => Period::parse_fiscal(text, m),
        None => Period::parse(text),
    };
    let Ok(p) = parsed else { return };
    let again = Period::parse(&p.to_string()).unwrap_or_else(|e| panic!("{p} does not parse back: {e}"));
    assert_eq!(again, p, "{text:?} → {p} → {again}");
    assert!(p.start() < p.end(), "{text:?} gives an empty period {p}");
    let _ = (p.previous(), p.year_ago(), p.days(), p.last_day());
    if p.days() <= 800 {
        for b in ["day", "week", "month", "quarter", "year", "month_of_year"] {
            if let Ok(bucket) = b.parse() {
                let _ = p.split(bucket, fiscal.unwrap_or(1).clamp(1, 12));
            }
        }
    }
}

/// A query built from fuzzed parts (metric ids, group-by dimensions, period, buckets,
/// comparison, options …) as JSON, run on a small fixed dataset; or, when the input starts
/// with `{`, the bytes themselves as query JSON. The parts also go through the command line's
/// `QueryText` (part 6 then names a preset, part 7 is `as_of`). A `!` runs on the copy of the
/// dataset whose amounts sit at the decimal maximum, a `^` asks for roll-up.
pub fn query(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if !text.starts_with('{') {
        // The same parts through the command line's QueryText (comma lists, presets).
        let p: Vec<&str> = text.split(';').collect();
        let part = |i: usize| p.get(i).map(|s| s.to_string());
        let qt = channel_kpi::query_text::QueryText {
            metrics: part(0).into_iter().collect(),
            by: part(1).into_iter().collect(),
            period: part(2).unwrap_or_default(),
            buckets: part(3).filter(|s| !s.is_empty()),
            compare: part(4).filter(|s| !s.is_empty()),
            currency: part(5).filter(|s| !s.is_empty()),
            as_of: part(7).filter(|s| !s.is_empty()),
            rollup: text.contains('^'),
        };
        match qt.to_query_with_preset(p.get(6).copied().unwrap_or("scorecard")) {
            Ok(q) if q.period.days() <= 3000 => drop(sample().run(&q).map_err(|e| e.to_string())),
            Ok(_) => {}
            Err(e) => drop(e.to_string()),
        }
    }
    let json = if text.starts_with('{') { text.to_string() } else { query_json(text) };
    let q = match Query::from_json(&json) {
        Ok(q) => q,
        Err(e) => return drop(e.to_string()),
    };
    if q.period.days() > 3000 {
        return; // a 10,000-year daily trend is slow, not wrong
    }
    let data = if text.contains('!') { huge() } else { sample() };
    match data.run(&q) {
        Ok(t) => drop(format!("{t:?}")),
        Err(e) => drop(e.to_string()),
    }
}

/// `metric,metric;dimension,dimension;period;buckets;compare;currency;option=value` — each
/// part may be a name or a number picking a known metric (so the fuzzer reaches real runs).
fn query_json(text: &str) -> String {
    let mut parts = text.split(';');
    let mut next = || parts.next().unwrap_or("");
    let metric = |s: &str| match s.trim().parse::<usize>() {
        Ok(i) => Metric::ALL[i % Metric::ALL.len()].id().to_string(),
        Err(_) => s.to_string(),
    };
    let metrics: Vec<String> = next().split(',').filter(|s| !s.is_empty()).map(metric).collect();
    let group_by: Vec<&str> = next().split(',').filter(|s| !s.is_empty()).collect();
    let mut q = serde_json::json!({"metrics": metrics, "group_by": group_by, "period": next()});
    let buckets = next();
    if !buckets.is_empty() {
        q["buckets"] = buckets.into();
    }
    match next() {
        "" => {}
        c @ ("previous_period" | "year_ago") => q["compare_to"] = c.into(),
        c => q["compare_to"] = serde_json::json!({"period": c}),
    }
    let currency = next();
    if !currency.is_empty() {
        q["currency"] = currency.into();
    }
    if let Some((k, v)) = next().split_once('=') {
        q["options"] = serde_json::json!({ k: serde_json::from_str::<serde_json::Value>(v).unwrap_or(v.into()) });
    }
    q["rollup"] = text.contains('^').into();
    q.to_string()
}

/// A small dataset with a bit of everything the query target's metrics read.
fn sample() -> &'static Dataset {
    static DATA: std::sync::OnceLock<Dataset> = std::sync::OnceLock::new();
    DATA.get_or_init(|| Dataset::from_json(SAMPLE).expect("the harness's sample dataset is valid"))
}

/// The sample with every amount at the decimal maximum: sums overflow, means and medians must not.
fn huge() -> &'static Dataset {
    static DATA: std::sync::OnceLock<Dataset> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        let text = SAMPLE.replace(r#""amount": "1200.50""#, MAX).replace(r#""amount": "300""#, MAX).replace(r#""amount": "800""#, MAX);
        Dataset::from_json(&text.replace(r#""amount": "50""#, MAX).replace(r#""amount": "100""#, MAX)).expect("valid")
    })
}

const MAX: &str = r#""amount": "79228162514264337593543950335""#;

const SAMPLE: &str = r#"{
 "partners": [{"id": "acme", "tier": "gold", "region": "EMEA", "joined_on": "2024-01-01"},
              {"id": "beta", "tier": "silver", "region": "AMER", "joined_on": "2025-03-01"}],
 "deals": [
  {"id": "D1", "partner_id": "acme", "created_on": "2025-01-05", "closed_on": "2025-02-10", "status": "won", "amount": {"amount": "1200.50", "currency": "USD"}, "channel": "paid"},
  {"id": "D2", "partner_id": "beta", "created_on": "2025-02-01", "closed_on": "2025-04-01", "status": "lost", "amount": {"amount": "300", "currency": "USD"}},
  {"id": "D3", "partner_id": "acme", "created_on": "2025-03-01", "status": "open", "amount": {"amount": "800", "currency": "USD"}},
  {"id": "D4", "created_on": "2024-11-20", "closed_on": "2025-01-15", "status": "won", "amount": {"amount": "50", "currency": "USD"}, "kind": "renewal"}
 ],
 "leads": [{"id": "L1", "created_on": "2025-01-01", "channel": "paid", "deal_id": "D1"},
           {"id": "L2", "created_on": "2025-02-11", "channel": "owned", "partner_id": "beta"}],
 "spend": [{"channel": "paid", "spent_on": "2025-01-10", "amount": {"amount": "100", "currency": "USD"}}]
}"#;
