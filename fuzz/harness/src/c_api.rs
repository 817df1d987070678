//! Arbitrary call sequences through the C entry points, as a C caller could make them: NULL
//! handles and out-pointers, freed and double-freed handles, handles of the wrong kind,
//! strings that are not UTF-8 or are NULL with a length, raw enum codes and dates, buffers of
//! any size. Only what the header forbids is never done (pointers to garbage memory, lengths
//! longer than the buffer). Every call must return a status; none may crash or leak.

use channel_kpi::Metric;
use channel_kpi_c::dataset::*;
use channel_kpi_c::date::*;
use channel_kpi_c::error::ckpi_status_message;
use channel_kpi_c::init::*;
use channel_kpi_c::query::*;
use channel_kpi_c::records::*;
use channel_kpi_c::result::*;
use channel_kpi_c::status::*;
use std::ffi::c_char;
use std::ptr::{null, null_mut};

/// Reads the fuzzer's bytes as choices; past the end everything is zero.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn i32(&mut self) -> i32 {
        // Mostly plausible dates (2015–2035), sometimes anything (CKPI_DATE_NONE, INT32_MAX …).
        match self.u8() % 8 {
            0 => self.u32() as i32,
            1 => i32::MIN,
            _ => 16_436 + (self.u32() % 7_300) as i32,
        }
    }
    fn bytes(&mut self) -> Vec<u8> {
        let n = (self.u8() % 24) as usize;
        let n = n.min(self.0.len());
        let (b, rest) = self.0.split_at(n);
        self.0 = rest;
        b.to_vec()
    }
    /// A string: a known word (metric id, dimension, period, code …) or raw bytes.
    fn text(&mut self, words: &[&str]) -> Vec<u8> {
        let pick = self.u8();
        if (pick as usize) < words.len() * 2 { words[pick as usize % words.len()].as_bytes().to_vec() } else { self.bytes() }
    }
    fn done(&self) -> bool {
        self.0.is_empty()
    }
}

/// Strings alive for one call; `ckpi_str`s point into them.
#[derive(Default)]
struct Arena(Vec<Vec<u8>>);

impl Arena {
    fn str(&mut self, b: &mut Bytes, words: &[&str]) -> ckpi_str {
        match b.u8() % 16 {
            0 => ckpi_str { ptr: null(), len: 0 },
            1 => ckpi_str { ptr: null(), len: 3 }, // NULL with a length: must be NULL_ARGUMENT
            _ => {
                let v = b.text(words);
                let s = ckpi_str { ptr: v.as_ptr() as *const c_char, len: v.len() };
                self.0.push(v); // moving the Vec does not move its heap buffer
                s
            }
        }
    }
}

const WORDS: &[&str] = &["D1", "D2", "acme", "beta", "USD", "EUR", "100.50", "-3", "1e3", "79228162514264337593543950335", "NaN", ""];
const DIMS: &[&str] = &["partner", "partner_tier", "region", "channel", "owner", "org:team", "attr:segment", "product", "bogus"];
const PERIODS: &[&str] = &["2025", "2025-Q1", "2025-03", "2025-01-01..2025-04-01", "FY2025", "2025-W10", "2025-13", "x"];
const BUCKETS: &[&str] = &["month", "quarter", "week", "month_of_year", "year", "day", "hour"];

/// Handles created so far (freed ones stay in the list: using them must be caught).
#[derive(Default)]
struct Handles {
    ds: Vec<*mut ckpi_dataset>,
    qs: Vec<*mut ckpi_query>,
    rs: Vec<*mut ckpi_result>,
    freed_ds: Vec<bool>,
    freed_qs: Vec<bool>,
    freed_rs: Vec<bool>,
}

/// One of `v`, or NULL (index = len).
/// A record as its `ckpi_*_init` leaves it (`init(ckpi_deal_init)`).
fn init<T>(f: unsafe extern "C" fn(*mut T, usize) -> ckpi_status) -> T {
    let mut v = std::mem::MaybeUninit::<T>::zeroed();
    // SAFETY: `v` has size_of::<T>() writable bytes; the init writes them all.
    assert_eq!(unsafe { f(v.as_mut_ptr(), size_of::<T>()) }, ckpi_status::CKPI_OK);
    // SAFETY: zeroed, then initialised by the library; every field is an integer or pointer.
    unsafe { v.assume_init() }
}

fn pick<T>(b: &mut Bytes, v: &[*mut T]) -> *mut T {
    let i = b.u8() as usize % (v.len() + 1);
    v.get(i).copied().unwrap_or(null_mut())
}

fn index<T>(b: &mut Bytes, v: &[*mut T]) -> Option<usize> {
    let i = b.u8() as usize % (v.len() + 1);
    (i < v.len()).then_some(i)
}

/// Runs the call sequence the bytes describe.
pub fn c_api(data: &[u8]) {
    let mut b = Bytes(data);
    let mut h = Handles::default();
    let mut steps = 0;
    while !b.done() && steps < 64 {
        steps += 1;
        // SAFETY: every pointer passed is NULL, a handle this library returned (possibly freed
        // — the library promises to detect that), or points into a live buffer of the stated
        // length; that is the header's contract.
        unsafe { step(&mut b, &mut h) };
    }
    // Release what is still live, so leak checkers see a clean exit.
    unsafe {
        for (i, r) in h.rs.iter().enumerate() {
            if !h.freed_rs[i] {
                ckpi_result_free(*r);
            }
        }
        for (i, q) in h.qs.iter().enumerate() {
            if !h.freed_qs[i] {
                ckpi_query_free(*q);
            }
        }
        for (i, d) in h.ds.iter().enumerate() {
            if !h.freed_ds[i] {
                ckpi_dataset_free(*d);
            }
        }
    }
}

unsafe fn step(b: &mut Bytes, h: &mut Handles) {
    let mut a = Arena::default();
    let mut buf = vec![0u8; (b.u8() % 80) as usize];
    let (bp, bl) = (buf.as_mut_ptr() as *mut c_char, buf.len());
    let mut n = 0usize;
    let op = b.u8() % 24;
    unsafe {
        match op {
            0 => {
                let mut d = null_mut();
                if ckpi_dataset_new(&mut d) == ckpi_status::CKPI_OK {
                    h.ds.push(d);
                    h.freed_ds.push(false);
                }
            }
            1 => {
                if let Some(i) = index(b, &h.ds) {
                    ckpi_dataset_free(h.ds[i]);
                    h.freed_ds[i] = true;
                }
            }
            2 => {
                let mut q = null_mut();
                if ckpi_query_new(&mut q) == ckpi_status::CKPI_OK {
                    h.qs.push(q);
                    h.freed_qs.push(false);
                }
            }
            3 => {
                if let Some(i) = index(b, &h.qs) {
                    ckpi_query_free(h.qs[i]);
                    h.freed_qs[i] = true;
                }
            }
            4 => {
                let mut d = init(ckpi_deal_init);
                if b.u8() % 8 == 0 {
                    // Any struct_size: a prefix (an older header), too small (never initialised),
                    // exact, or larger (a newer header: refused before reading past the struct).
                    d.struct_size = b.u32() % 512;
                }
                d.id = a.str(b, WORDS);
                d.status = b.u32() % 5;
                d.created_on = b.i32();
                d.closed_on = b.i32();
                d.amount = a.str(b, WORDS);
                d.currency = a.str(b, WORDS);
                d.partner_id = a.str(b, WORDS);
                d.channel = b.u32() % 6;
                d.kind = b.u32() % 4;
                d.partner_stages = b.u32() % 64;
                d.stage = a.str(b, WORDS);
                let entries: Vec<ckpi_stage_entry> =
                    (0..b.u8() % 3).map(|_| ckpi_stage_entry { stage: a.str(b, WORDS), entered_on: b.i32() }).collect();
                d.stage_history = if entries.is_empty() && b.u8().is_multiple_of(2) { null() } else { entries.as_ptr() };
                d.stage_history_len = entries.len();
                let attrs: Vec<ckpi_attr> = (0..b.u8() % 3).map(|_| ckpi_attr { key: a.str(b, DIMS), value: a.str(b, WORDS) }).collect();
                d.attrs = attrs.as_ptr();
                d.attrs_len = attrs.len();
                let ds = pick(b, &h.ds);
                let dp = if b.u8().is_multiple_of(16) { null() } else { &d as *const ckpi_deal };
                ckpi_dataset_add_deal(ds, dp);
            }
            5 => {
                let mut l = init(ckpi_lead_init);
                l.id = a.str(b, WORDS);
                l.created_on = b.i32();
                l.channel = b.u32() % 6;
                l.partner_id = a.str(b, WORDS);
                l.deal_id = a.str(b, WORDS);
                l.won_on = b.i32();
                ckpi_dataset_add_lead(pick(b, &h.ds), &l);
            }
            6 => {
                let mut p = init(ckpi_partner_init);
                p.id = a.str(b, WORDS);
                p.tier = a.str(b, WORDS);
                p.joined_on = b.i32();
                p.left_on = b.i32();
                ckpi_dataset_add_partner(pick(b, &h.ds), &p);
            }
            7 => {
                let json = b.text(&[
                    r#"{"deals": [{"id": "J1", "created_on": "2025-01-01", "status": "open"}]}"#,
                    r#"{"deals": [{"id": "J2", "created_on": "2025-01-01", "closed_on": "2025-01-09", "status": "won", "amount": {"amount": "79228162514264337593543950335", "currency": "USD"}}]}"#,
                    r#"{"partners": [{"id": "acme"}]}"#,
                    r#"{"deals": [{"id": 5}]}"#,
                ]);
                ckpi_dataset_load_json(pick(b, &h.ds), json.as_ptr() as *const c_char, json.len());
            }
            8 => {
                let id = if b.u8().is_multiple_of(2) {
                    Metric::ALL[b.u8() as usize % Metric::ALL.len()].id().as_bytes().to_vec()
                } else {
                    b.bytes()
                };
                ckpi_query_add_metric(pick(b, &h.qs), id.as_ptr() as *const c_char, id.len());
            }
            9 => {
                let s = b.text(DIMS);
                ckpi_query_add_group_by(pick(b, &h.qs), s.as_ptr() as *const c_char, s.len());
            }
            10 => {
                let s = b.text(PERIODS);
                ckpi_query_set_period(pick(b, &h.qs), s.as_ptr() as *const c_char, s.len());
            }
            11 => {
                let (s, e) = (b.i32(), b.i32());
                ckpi_query_set_period_days(pick(b, &h.qs), s, e);
            }
            12 => {
                let s = b.text(BUCKETS);
                ckpi_query_set_buckets(pick(b, &h.qs), s.as_ptr() as *const c_char, s.len());
            }
            13 => {
                let s = b.text(&["previous_period", "year_ago", "2024", "x"]);
                ckpi_query_set_compare(pick(b, &h.qs), s.as_ptr() as *const c_char, s.len());
            }
            14 => {
                let s = b.text(WORDS);
                let q = pick(b, &h.qs);
                match b.u8() % 4 {
                    0 => ckpi_query_set_currency(q, s.as_ptr() as *const c_char, s.len()),
                    1 => ckpi_query_set_rollup(q, b.u32()),
                    2 => ckpi_query_set_as_of(q, b.i32()),
                    _ => ckpi_query_set_last_days(q, b.u32() % 4000, b.i32()),
                };
            }
            15 => {
                let s = b.text(&[r#"{"metrics": ["won_revenue"], "period": "2025"}"#, r#"{"metrics": []}"#]);
                ckpi_query_from_json(pick(b, &h.qs), s.as_ptr() as *const c_char, s.len());
            }
            16 | 17 => {
                let mut r = null_mut();
                let out = if b.u8().is_multiple_of(16) { null_mut() } else { &mut r as *mut _ };
                let (ds, q) = (pick(b, &h.ds), pick(b, &h.qs));
                if ckpi_dataset_run(ds, q, out) == ckpi_status::CKPI_OK {
                    h.rs.push(r);
                    h.freed_rs.push(false);
                }
            }
            18 => {
                if let Some(i) = index(b, &h.rs) {
                    ckpi_result_free(h.rs[i]);
                    h.freed_rs[i] = true;
                }
            }
            19 | 20 => {
                let r = pick(b, &h.rs);
                let (row, col) = ((b.u8() % 8) as usize, (b.u8() % 48) as usize);
                let (mut i, mut f, mut d, mut k, mut m, mut sc) = (0i64, 0f64, 0i32, 0u32, 0i64, 0u32);
                let mut count = 0usize;
                match b.u8() % 16 {
                    0 => ckpi_result_row_count(r, &mut count),
                    1 => ckpi_result_column_count(r, &mut count),
                    2 => ckpi_result_column_name(r, col, bp, bl, &mut n),
                    3 => ckpi_result_column_kind(r, col, &mut k),
                    4 => ckpi_result_column_role(r, col, &mut k),
                    5 => ckpi_result_currency(r, bp, bl, &mut n),
                    6 => ckpi_result_is_absent(r, row, col, &mut k),
                    7 => ckpi_result_get_int(r, row, col, &mut i),
                    8 => ckpi_result_get_float(r, row, col, &mut f),
                    9 => ckpi_result_get_decimal(r, row, col, bp, bl, &mut n),
                    10 => ckpi_result_get_decimal_parts(r, row, col, &mut m, &mut sc),
                    11 => ckpi_result_get_text(r, row, col, bp, bl, &mut n),
                    12 => ckpi_result_get_date(r, row, col, &mut d),
                    13 => ckpi_result_format_value(r, row, col, bp, bl, &mut n),
                    14 => ckpi_result_to_json(r, bp, bl, &mut n),
                    _ => {
                        let name = b.text(&["won_revenue", "partner", "period_start"]);
                        ckpi_result_column_index(r, name.as_ptr() as *const c_char, name.len(), &mut count)
                    }
                };
            }
            21 => {
                let part = b.u32() % 9;
                match b.u8() % 4 {
                    0 => ckpi_dataset_last_error(pick(b, &h.ds), part, bp, bl, &mut n),
                    1 => ckpi_query_last_error(pick(b, &h.qs), part, bp, bl, &mut n),
                    2 => ckpi_dataset_to_json(pick(b, &h.ds), bp, bl, &mut n),
                    _ => ckpi_query_to_json(pick(b, &h.qs), bp, bl, &mut n),
                };
            }
            22 => {
                // Handles of the wrong kind: a query where a dataset belongs and back.
                let q = pick(b, &h.qs) as *mut ckpi_dataset;
                ckpi_dataset_validate(q);
                let ds = pick(b, &h.ds) as *mut ckpi_query;
                ckpi_query_set_rollup(ds, 1);
                let r = pick(b, &h.ds) as *const ckpi_result;
                let mut count = 0usize;
                ckpi_result_row_count(r, &mut count);
            }
            _ => {
                let (mut y, mut mo, mut dd, mut days) = (0i32, 0u32, 0u32, 0i32);
                ckpi_date_from_ymd(b.u32() as i32, b.u8() as u32 % 16, b.u8() as u32 % 40, &mut days);
                ckpi_date_to_ymd(b.i32(), &mut y, &mut mo, &mut dd);
                ckpi_status_message(b.u32() % 300, bp, bl, &mut n);
                ckpi_dataset_validate(pick(b, &h.ds));
            }
        }
    }
    drop(a);
}
