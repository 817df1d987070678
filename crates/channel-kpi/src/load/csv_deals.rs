//! CSV deals files read straight into [`Deals`], on every core: the loader's shortcut of the row
//! conversion (`deal_from_row` through the identity mapping) for CSV, as `load/typed.rs` is for
//! Arrow tables and Parquet files.
//!
//! The file's raw bytes are cut into chunks and split into fields by `csv-core`
//! (`load/csv_chunks.rs`); each field is read with the functions the row path reads it with —
//! trimmed, empty as absent, dates by [`parse_date`] with the mapping's formats (ISO first),
//! amounts by [`parse_decimal`], statuses and the other vocabularies by their `FromStr`,
//! currencies by [`Currency::new`], the record checked by [`Deal::validate`] — into one
//! [`Deals`] per chunk, appended (or folded) in file order. The first thing the shortcut does
//! not read exactly like the row path (a column kept as an attr, a bad value, a field count
//! other than the header's, a line over the limit …) hands the whole file to the row path,
//! which reads it and reports its errors as always: `None` from [`read`], after which the
//! caller removes what it kept.

use super::csv_chunks::{Decoder, Fields, How, Part, read_parts};
use super::kinds::RecordKind;
use super::mapping::Mapping;
use super::read::Progressing;
use super::report::LoadOptions;
use super::row::{Header, parse_date};
use super::source::{Format, Source};
use crate::domain::{Channel, Deal, DealKind, DealStatus, Deals, PartnerStages, RegistrationStatus, put_text};
use crate::money::{Currency, Money, parse_decimal};
use chrono::NaiveDate;
use std::str::FromStr;
use std::sync::atomic::AtomicU64;

/// What [`read`] hands each chunk's deals to: the deals (to take or leave), each deal's line
/// (when asked for) and the chunk's size in bytes; `None` stops the read.
pub(super) type Each<'a> = &'a mut dyn FnMut(&mut Deals, Vec<u64>, usize) -> Option<()>;

/// What [`read`] has each chunk's deals checked with on the worker that decoded them (with the
/// chunk's size in bytes), before they are handed on; `None` stops the read.
pub(super) type Check<'a> = &'a (dyn Fn(&Deals, usize) -> Option<()> + Sync);

/// A CSV deals file read by the shortcut: its columns and its rows.
pub(super) struct Read {
    pub(super) columns: super::TableColumns,
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
    if src.kind != kind || src.format != Format::Csv {
        return Err(src);
    }
    let Some(map) = super::shortcut::shortcut_map(mapping, opts) else { return Err(src) };
    let Some(input) = src.bytes_again() else { return Err(src) };
    let formats = mapping.date_formats(kind);
    let counted = AtomicU64::new(0);
    let name = src.name.clone();
    let progress = Progressing { opts, file: &name, total_rows: None, size: src.size, bytes_read: Some(&counted) };
    let mut found: Option<super::TableColumns> = None;
    let at = std::sync::OnceLock::new();
    let mut header = |names: Vec<String>| -> Option<()> {
        let columns = super::shortcut::columns(&name, &names, &map)?;
        let cols = Cols::new(&Header::new(names).ok()?)?;
        found = Some(columns);
        at.set(cols).ok()
    };
    // Chunks decoded and handed on are used again (their vectors, their caches).
    let spare = std::sync::Mutex::new(Vec::<Chunk>::new());
    let new = || spare.lock().ok().and_then(|mut s| s.pop()).unwrap_or_default();
    let row = |c: &mut Chunk, f: &Fields| at.get().and_then(|at: &Cols| c.row(f, at, &formats));
    let mut rows = 0u64;
    let mut each_part = |mut p: Part<Chunk>| {
        let before = rows;
        rows += p.out.deals.len() as u64;
        each(&mut p.out.deals, p.lines, p.bytes)?;
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
    let dec = Decoder { new: &new, row: &row, done: &done };
    let how = How { block: super::csv_chunks::BLOCK, max_line: opts.max_line_bytes, threads, lines, counted: &counted };
    let read = read_parts(input, how, &mut header, dec, &mut each_part);
    match (read, found) {
        // An empty file: the row path says what it says about it.
        (Some(rows), Some(columns)) if rows > 0 => {
            progress.report(rows, true);
            Ok(Read { columns, rows })
        }
        _ => Err(src),
    }
}

/// The position of each deal field in the header.
#[derive(Clone)]
struct Cols {
    n: usize,
    id: usize,
    created: usize,
    status: usize,
    partner: Option<usize>,
    owner: Option<usize>,
    channel: Option<usize>,
    source: Option<usize>,
    product: Option<usize>,
    kind: Option<usize>,
    registered: Option<usize>,
    registration: Option<usize>,
    expected: Option<usize>,
    closed: Option<usize>,
    amount: Option<usize>,
    currency: Option<usize>,
    lost_reason: Option<usize>,
    stage: Option<usize>,
    partner_stages: Option<usize>,
}

impl Cols {
    fn new(h: &Header) -> Option<Cols> {
        let c = |f: &str| h.index_of(f);
        Some(Cols {
            n: h.names().len(),
            id: c("deal_id")?,
            created: c("created_on")?,
            status: c("status")?,
            partner: c("partner_id"),
            owner: c("owner_id"),
            channel: c("channel"),
            source: c("source"),
            product: c("product"),
            kind: c("kind"),
            registered: c("registered_on"),
            registration: c("registration_status"),
            expected: c("expected_close_on"),
            closed: c("closed_on"),
            amount: c("amount"),
            currency: c("currency"),
            lost_reason: c("lost_reason"),
            stage: c("stage"),
            partner_stages: c("partner_stages"),
        })
    }
}

/// What one worker decodes a chunk into: the deals, a reused [`Deal`], and what it remembers
/// of values already parsed.
struct Chunk {
    deals: Deals,
    deal: Deal,
    dates: Dates,
    currency: Option<(Box<str>, Currency)>,
}

impl Default for Chunk {
    fn default() -> Self {
        Chunk {
            deals: Deals::default(),
            deal: Deal::new(String::new(), NaiveDate::MIN, DealStatus::Open),
            dates: Dates::new(),
            currency: None,
        }
    }
}

impl Chunk {
    /// Adds the deal of one record, read as `deal_from_row` reads it; `None` when the row path
    /// would refuse it (or read it some other way).
    fn row(&mut self, f: &Fields, at: &Cols, formats: &[String]) -> Option<()> {
        if f.len() != at.n {
            return None;
        }
        // What the row path reads as a value: the trimmed, non-empty text.
        let t = |i: Option<usize>| i.and_then(|i| f.get(i)).map(str::trim).filter(|s| !s.is_empty());
        let d = &mut self.deal;
        let dates = &mut self.dates;
        d.id.clear();
        d.id.push_str(t(Some(at.id))?);
        d.created_on = dates.get(t(Some(at.created))?, formats)?;
        d.status = DealStatus::from_str(t(Some(at.status))?).ok()?;
        put_text(&mut d.partner_id, t(at.partner));
        put_text(&mut d.owner_id, t(at.owner));
        d.channel = t(at.channel).map(Channel::from_str).transpose().ok()?;
        put_text(&mut d.source, t(at.source));
        put_text(&mut d.product, t(at.product));
        d.kind = t(at.kind).map(DealKind::from_str).transpose().ok()?.unwrap_or_default();
        let mut date = |i: Option<usize>| -> Option<Option<NaiveDate>> {
            match t(i) {
                None => Some(None),
                Some(v) => dates.get(v, formats).map(Some),
            }
        };
        d.registered_on = date(at.registered)?;
        d.registration_status = t(at.registration).map(RegistrationStatus::from_str).transpose().ok()?;
        d.expected_close_on = date(at.expected)?;
        d.closed_on = date(at.closed)?;
        d.amount = match t(at.amount) {
            None => None,
            Some(a) => {
                let amount = parse_decimal(a).ok()?;
                let code = t(at.currency)?;
                let cur = match &self.currency {
                    Some((text, c)) if **text == *code => *c,
                    _ => {
                        let c = Currency::new(code).ok()?;
                        self.currency = Some((Box::from(code), c));
                        c
                    }
                };
                Some(Money::new(amount, cur))
            }
        };
        put_text(&mut d.lost_reason, t(at.lost_reason));
        put_text(&mut d.stage, t(at.stage));
        d.partner_stages = t(at.partner_stages).map(PartnerStages::parse).transpose().ok()?.unwrap_or_default();
        d.validate().ok()?;
        self.deals.push_ref(d);
        Some(())
    }
}

/// Dates already parsed by [`parse_date`] with the file's formats, by their text (up to 15
/// bytes, its length in the key's last byte), the last 4,096 distinct texts remembered: a deals
/// file's dates span a few years, so nearly every date is one lookup instead of a parse.
struct Dates(Box<[(u128, NaiveDate); 4096]>);

impl Dates {
    fn new() -> Self {
        Dates(Box::new([(0, NaiveDate::MIN); 4096]))
    }
    #[inline]
    fn get(&mut self, v: &str, formats: &[String]) -> Option<NaiveDate> {
        let b = v.as_bytes();
        if b.is_empty() || b.len() > 15 {
            return parse_date(v, formats).ok();
        }
        let mut key = [0u8; 16];
        key[..b.len()].copy_from_slice(b);
        key[15] = b.len() as u8;
        let key = u128::from_le_bytes(key);
        let slot = &mut self.0[((key as u64 ^ (key >> 64) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 52) as usize];
        if slot.0 != key {
            *slot = (key, parse_date(v, formats).ok()?);
        }
        Some(slot.1)
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
            report.columns.push((kind, r.columns));
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
