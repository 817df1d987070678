//! The `render` target: any cell text (length, Unicode, newlines, quotes) through the CSV
//! loader — with a small `max_line_bytes`, so quoted fields spread over many short lines meet
//! the record limit — and then through every renderer of a result (text table, CSV, JSON).
//!
//! Input: byte 0 picks how often the text is repeated in `partner_id` (2^(b % 18), at most
//! 131,072 times — past the 65,535 a format width can take); byte 1 picks `max_line_bytes`
//! (0: the default 1 MiB, else b × 64); the rest (lossy UTF-8) is the text, also used whole as
//! `product`.

use channel_kpi::load::{LoadOptions, Mapping, RecordKind, Source, load_sources};
use channel_kpi::{Query, ResultTable};

/// Upper bound of the repeated cell, in bytes (keeps one run fast).
const MAX_CELL: usize = 600_000;

pub fn render(data: &[u8]) {
    let [b0, b1, rest @ ..] = data else { return };
    let text = String::from_utf8_lossy(rest);
    let repeat = 1usize << (b0 % 18);
    let mut partner = text.repeat(repeat.min(MAX_CELL / text.len().max(1)).max(1));
    if partner.trim().is_empty() {
        partner.insert(0, 'p');
    }
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let csv = format!(
        "deal_id,created_on,closed_on,status,amount,currency,partner_id,product\n\
         D1,2025-01-01,2025-01-21,won,100,USD,{},{}\nD2,2025-02-01,2025-02-11,won,50,USD,acme,box\n",
        quote(&partner),
        quote(&text)
    );
    let mut opts = LoadOptions::default();
    if *b1 != 0 {
        opts.max_line_bytes = usize::from(*b1) * 64;
    }
    let src = Source::from_bytes(RecordKind::Deals, "deals.csv", csv.into_bytes());
    let ds = match load_sources(vec![src], &Mapping::default(), &opts) {
        Ok((ds, _)) => ds,
        Err(e) => return drop(e.to_string()),
    };
    let q = Query::from_json(
        r#"{"metrics": ["won_revenue", "deal_count", "close_rate"], "period": "2025", "group_by": ["partner", "product"], "rollup": true}"#,
    )
    .expect("the harness's query is valid");
    match ds.run(&q) {
        Ok(t) => render_all(&t),
        Err(e) => drop(e.to_string()),
    }
}

/// Every renderer; each must show the longest cell whole.
fn render_all(t: &ResultTable) {
    let longest = t.rows.iter().flatten().map(|v| v.to_string().chars().count()).max().unwrap_or(0);
    let text = t.to_text();
    assert!(text.lines().map(|l| l.chars().count()).max().unwrap_or(0) >= longest.min(1), "text table lost a cell");
    let csv = t.to_csv();
    assert!(!csv.is_empty(), "CSV rendering is empty");
    let json = t.to_json().to_string();
    assert!(json.len() >= longest, "JSON rendering lost a cell");
}
