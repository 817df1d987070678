//! CSV and JSON Lines deals files read straight into [`Deals`], on every core: the loader's
//! shortcut of the row conversion (`deal_from_row` through the deals mapping) for those
//! formats, as `load/typed.rs` is for Arrow tables and Parquet files.
//!
//! The file's raw bytes are cut into chunks, a CSV file's split into fields by `csv-core`
//! (`load/csv_chunks.rs`), a JSON Lines file's into lines, each an object read by
//! `serde_json` (`load/line_chunks.rs`, `load/json_line.rs`); each record is read through the mapping as the row path reads it
//! (`load/deal_plan.rs`: renames resolved at the header, value maps, defaults, the kind's date
//! formats, attrs) with the row path's parse functions — trimmed, empty as absent, dates by
//! `parse_date` (ISO first), amounts by `parse_decimal`, statuses and the other vocabularies
//! by their `FromStr`, currencies by `Currency::new`, the record checked by `Deal::validate`
//! — into one [`Deals`] per chunk, appended (or folded) in file order. The first thing the
//! shortcut does not read exactly like the row path (a lookup file that does not read, a key a
//! required lookup does not find, a bad value, a field count other than the header's, a line
//! over the limit …) hands the whole file to the row path, which reads it and reports its
//! errors as always: `None` from [`read`], after which the caller removes what it kept.

use super::csv_chunks::{Decoder, Fields, How, Part, read_parts};
use super::deal_plan::{Chunk, Plan, source_columns};
use super::json_line::Slots;
use super::kinds::RecordKind;
use super::line_chunks::{LineDecoder, read_lines};
use super::mapping::{Attrs, AttrsMode, Mapping};
use super::read::Progressing;
use super::report::LoadOptions;
use super::row::{AttrFilter, Header};
use super::source::{Format, Source};
use crate::domain::Deals;
use std::sync::atomic::AtomicU64;

/// What [`read`] hands each chunk's deals to: the deals (to take or leave), each deal's line
/// (when asked for) and the chunk's size in bytes; `None` stops the read.
pub(super) type Each<'a> = &'a mut dyn FnMut(&mut Deals, Vec<u64>, usize) -> Option<()>;

/// What [`read`] has each chunk's deals checked with on the worker that decoded them (with the
/// chunk's size in bytes), before they are handed on; `None` stops the read.
pub(super) type Check<'a> = &'a (dyn Fn(&Deals, usize) -> Option<()> + Sync);

/// A deals file read by the shortcut: its columns (a CSV file's header; a JSON Lines file
/// has none, as in the row path) and its rows.
pub(super) struct Read {
    pub(super) columns: Option<super::TableColumns>,
    pub(super) rows: u64,
}

/// Reads `src` through the shortcut, having each chunk's deals checked by `check` on the
/// worker that decoded it, then handing them (with their lines when `lines`, and the chunk's
/// size in bytes) to `each` in file order: `Ok(read)`, or `Err(src)` (unread: the caller's row
/// path reads it) when the shortcut does not take the file, or stopped (a value it does not
/// read like the row path, or `check` or `each` said stop) — the caller then undoes what they
/// did.
pub(super) fn read(
    src: Source,
    mapping: &Mapping,
    opts: &LoadOptions,
    each: Each<'_>,
    lines: bool,
    check: Check<'_>,
) -> std::result::Result<Read, Source> {
    let kind = RecordKind::Deals;
    if src.kind != kind || !matches!(src.format, Format::Csv | Format::JsonLines) {
        return Err(src);
    }
    let Some(map) = super::shortcut::mapped(RecordKind::Deals, mapping, opts) else { return Err(src) };
    let Some(input) = src.bytes_again() else { return Err(src) };
    // Lookup files read once, before the chunks (one that does not read: the row path says why).
    let Ok(tables) = super::lookups::lookups_for(&map, mapping, &src.dir, false, &src.name, opts) else { return Err(src) };
    let formats = mapping.date_formats(kind);
    let counted = AtomicU64::new(0);
    let name = src.name.clone();
    let progress = Progressing { opts, file: &name, total_rows: None, size: src.size, bytes_read: Some(&counted) };
    let mut found: Option<super::TableColumns> = None;
    let at = std::sync::OnceLock::new();
    let mut header = |names: Vec<String>| -> Option<()> {
        let columns = super::TableColumns::new(kind, &name, &names, &map);
        super::check_required(&columns, kind).ok()?;
        let h = Header::new(names).ok()?;
        let plan = Plan::new(&map, formats.clone(), h.names(), &|c| h.index_of(c))?;
        found = Some(columns);
        at.set((h.names().len(), plan)).ok()
    };
    // Chunks decoded and handed on are used again (their vectors, their caches).
    let spare = std::sync::Mutex::new(Vec::<Chunk>::new());
    let new = || spare.lock().ok().and_then(|mut s| s.pop()).unwrap_or_default();
    let row = |c: &mut Chunk, f: &Fields| {
        let (width, plan) = at.get()?;
        if f.len() != *width {
            return None;
        }
        c.row(plan, |i| f.get(i), &[], &tables)
    };
    let mut rows = 0u64;
    let mut each_part = |mut p: Part<Chunk>| {
        let before = rows;
        rows += p.out.deals.len() as u64;
        // A chunk of blank lines hands nothing on (a caller that folded nothing can still
        // give the file to the row path).
        if !p.out.deals.is_empty() {
            each(&mut p.out.deals, p.lines, p.bytes)?;
        }
        // Reported at every multiple of the row path's interval, as the row path reports.
        let every = super::read::PROGRESS_EVERY;
        (before / every + 1..=rows / every).for_each(|m| progress.report(m * every, false));
        p.out.deals.clear_keeping_capacity();
        if let Ok(mut s) = spare.lock()
            && s.len() < 8
        {
            s.push(p.out);
        }
        Some(())
    };
    let threads = super::chunks::threads_for(None);
    let done = |c: &mut Chunk, bytes: usize| check(&c.deals, bytes);
    let how = How { block: super::csv_chunks::BLOCK, max_line: opts.max_line_bytes, threads, lines, counted: &counted };
    let read = match src.format {
        Format::Csv => {
            let dec = Decoder { new: &new, row: &row, done: &done };
            read_parts(input, how, &mut header, dec, &mut each_part)
        }
        _ => {
            // JSON Lines: no header; each object's keys looked up among the columns read.
            let names = source_columns(&map);
            let Some(plan) = Plan::new(&map, formats.clone(), &[], &|c| names.iter().position(|n| n == c)) else { return Err(src) };
            let all = matches!(map.attrs, Attrs::Mode(AttrsMode::All)).then(|| AttrFilter::new(&map));
            let slots = Slots::new(&names, all);
            let row = |c: &mut Chunk, text: &str| {
                let mut json = std::mem::take(&mut c.json);
                json.read(text, &slots)?;
                let r = c.row(&plan, |i| json.cell(text, i), json.attrs(), &tables);
                c.json = json;
                r
            };
            read_lines(input, how, LineDecoder { new: &new, row: &row, done: &done }, &mut each_part)
        }
    };
    match read {
        // An empty file: the row path says what it says about it.
        Some(rows) if rows > 0 && (found.is_some() || src.format == Format::JsonLines) => {
            progress.report(rows, true);
            Ok(Read { columns: found, rows })
        }
        _ => Err(src),
    }
}

/// A whole load's read of a CSV deals file: its deals appended to `ds.deals`, each id noted in
/// `lines` with its line (`None`); or the file handed back unread (`Some`) for the row path,
/// which reports what it reports, the deals appended removed — also on a duplicate id, which
/// the row path names with both lines.
pub(super) fn load_deals(
    src: Source,
    mapping: &Mapping,
    opts: &LoadOptions,
    report: &mut super::LoadReport,
    ds: &mut crate::Dataset,
    lines: &mut super::first_lines::FirstLines,
) -> Option<Source> {
    let (start, name) = (ds.deals.len(), src.name.clone());
    let deals = &mut ds.deals;
    let mut each = |part: &mut Deals, at: Vec<u64>, _| -> Option<()> {
        let from = deals.len();
        deals.append(std::mem::take(part));
        let d = &*deals;
        (from..d.len()).zip(at).all(|(p, line)| lines.insert(d.id(p), p, line, |q| d.id(q)).is_none()).then_some(())
    };
    match read(src, mapping, opts, &mut each, true, &|_, _| Some(())) {
        Ok(r) => {
            let kind = RecordKind::Deals;
            report.columns.extend(r.columns.map(|c| (kind, c)));
            report.files.push(super::FileReport { file: name, kind, rows_read: r.rows, rows_loaded: r.rows });
            None
        }
        Err(src) => {
            lines.forget_from(start);
            ds.deals.truncate(start);
            Some(src)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DealStatus;

    /// `read` of `text` through `mapping`: the deals, or `None` when the file went to the row path.
    fn typed(text: &str, mapping: &str) -> Option<Deals> {
        typed_file("deals.csv", text, mapping)
    }

    fn typed_file(name: &str, text: &str, mapping: &str) -> Option<Deals> {
        let src = Source::from_text(RecordKind::Deals, name, text);
        let mapping = Mapping::from_json_str(mapping).unwrap();
        let mut all = Deals::default();
        let mut each = |d: &mut Deals, _, _| {
            all.append(std::mem::take(d));
            Some(())
        };
        read(src, &mapping, &LoadOptions::default(), &mut each, true, &|_, _| Some(())).ok()?;
        Some(all)
    }

    const MAVEN: &str = r#"{"deals": {
        "columns": {"deal_id": "opportunity_id", "owner_id": "sales_agent", "status": "deal_stage", "stage": "deal_stage",
                    "created_on": "engage_date", "closed_on": "close_date", "amount": "close_value"},
        "values": {"status": {"Prospecting": "open", "Engaging": "open", "Won": "won", "Lost": "lost"}},
        "defaults": {"currency": "USD", "created_on": "2017-12-31"},
        "date_formats": ["%d/%m/%Y", "%Y-%m-%d"],
        "attrs": ["account"]}}"#;

    #[test]
    fn a_mapped_export_is_read_typed() {
        let text = "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n\
                    A1,Moses, GTX ,Cancity,Won,2016-10-20,01/03/2017,1054\n\
                    A2,Moses,GTX,,Prospecting,,,\n\
                    A3,Ann,GTX, Isdom ,Lost,20/10/2016,2017-03-11,0\n";
        let d = typed(text, MAVEN).expect("read typed");
        assert_eq!(d.len(), 3);
        let (a1, a2, a3) = (d.get(0), d.get(1), d.get(2));
        assert_eq!((a1.status, a1.stage.as_deref(), a1.owner_id.as_deref()), (DealStatus::Won, Some("Won"), Some("Moses")));
        assert_eq!((a1.created_on.to_string(), a1.closed_on.unwrap().to_string()), ("2016-10-20".into(), "2017-03-01".into()));
        assert_eq!(a1.amount.unwrap().to_string(), "1054 USD");
        assert_eq!(a1.product.as_deref(), Some("GTX"));
        assert_eq!(a1.attrs.get("account").map(String::as_str), Some("Cancity"));
        assert_eq!((a2.status, a2.created_on.to_string(), a2.amount, a2.attrs.len()), (DealStatus::Open, "2017-12-31".into(), None, 0));
        assert_eq!((a3.created_on.to_string(), a3.attrs.get("account").map(String::as_str)), ("2016-10-20".into(), Some("Isdom")));
    }

    #[test]
    fn what_the_typed_reader_leaves_to_the_row_path() {
        let text = "opportunity_id,deal_stage,engage_date\nA1,Won,2016-10-20\n";
        // A won deal without a close date: the row path names the error.
        assert!(typed(text, MAVEN).is_none());
        // A lookup file that is not there: the row path names it.
        let lookup = r#"{"deals": {"lookups": [{"file": "x.csv", "on": "opportunity_id", "columns": {"source": "s"}}]}}"#;
        assert!(typed("deal_id,created_on,status\nD1,2025-01-01,open\n", lookup).is_none());
        // An extra column kept as an attr under the default mapping is read typed.
        let d = typed("deal_id,created_on,status,region\nD1,2025-01-01,open,EMEA\n", "{}").expect("read typed");
        assert_eq!(d.get(0).attrs.get("region").map(String::as_str), Some("EMEA"));
        // A default that is not an ISO date: the row path reports it.
        let bad = r#"{"deals": {"defaults": {"closed_on": "31/12/2017"}}}"#;
        assert!(typed("deal_id,created_on,status\nD1,2025-01-01,open\n", bad).is_none());
    }

    #[test]
    fn json_lines_are_read_typed() {
        let text = "\u{feff}{\"opportunity_id\": \"A1\", \"deal_stage\": \"Won\", \"engage_date\": \"2016-10-20\", \"close_date\": \"01/03/2017\", \"close_value\": 1054.5, \"account\": \"Cancity\"}\r\n\r\n\
                    {\"deal_stage\": \"Prospecting\", \"opportunity_id\": \"A2\", \"close_value\": null, \"sales_agent\": \"Mo\\u00efse\"}";
        let d = typed_file("deals.jsonl", text, MAVEN).expect("read typed");
        assert_eq!(d.len(), 2);
        let (a1, a2) = (d.get(0), d.get(1));
        assert_eq!((a1.status, a1.closed_on.unwrap().to_string()), (DealStatus::Won, "2017-03-01".into()));
        assert_eq!((a1.amount.unwrap().to_string(), a1.attrs.get("account").map(String::as_str)), ("1054.5 USD".into(), Some("Cancity")));
        assert_eq!((a2.owner_id.as_deref(), a2.created_on.to_string(), a2.amount), (Some("Mo\u{ef}se"), "2017-12-31".into(), None));
        // A key twice: the row path names it.
        assert!(
            typed_file(
                "deals.jsonl",
                "{\"deal_id\": \"D1\", \"deal_id\": \"D2\", \"created_on\": \"2025-01-01\", \"status\": \"open\"}",
                "{}"
            )
            .is_none()
        );
    }

    #[test]
    fn lookups_are_joined_typed() {
        let dir = std::env::temp_dir().join(format!("ckpi-csv-deals-lookup-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("deals.csv"), "mql_id,won_date\nm1,2018-02-01\nm2,2018-03-01\n").unwrap();
        std::fs::write(dir.join("mql.csv"), "mql_id,first,origin\nm2,2018-01-05, social \nm1,2018-01-02,paid\n").unwrap();
        let m = Mapping::from_json_str(
            r#"{"deals": {"columns": {"deal_id": "mql_id", "closed_on": "won_date"}, "defaults": {"status": "lost"},
                "lookups": [{"file": "mql.csv", "on": "mql_id", "columns": {"created_on": "first", "source": "origin"}}]}}"#,
        )
        .unwrap();
        let mut all = Deals::default();
        let mut each = |d: &mut Deals, _, _| {
            all.append(std::mem::take(d));
            Some(())
        };
        let src = Source::open(RecordKind::Deals, dir.join("deals.csv")).unwrap();
        let read = read(src, &m, &LoadOptions::default(), &mut each, true, &|_, _| Some(()));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(read.is_ok(), "read typed");
        let d = all.get(1);
        assert_eq!((d.created_on.to_string(), d.source.as_deref(), d.status), ("2018-01-05".into(), Some("social"), DealStatus::Lost));
    }
}
