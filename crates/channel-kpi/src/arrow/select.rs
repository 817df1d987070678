//! The columnar path's first pass over a chunk of rows ([`CHUNK`] at a time, so its scratch
//! stays in L1): status codes, validity flags, the record checks and the **selection** of the
//! rows that touch any window, in straight loops over the raw Arrow buffers (day numbers as
//! `i32`, validity bitmaps as flags) without branches per row, which the compiler can
//! vectorize. Only the selected rows (≈ 40 % on the standard workload) are then grouped and
//! added to their group's tallies; the rest cost a few compares.
//!
//! The selection and the folder's per-row classification use one function, [`facts`]:
//! [`crate::kpi::deals::DealFacts::classify`] written on day numbers without branches
//! (`facts_match_classify` in the tests checks the two agree). A chunk where any row fails a
//! check (an unknown or non-lowercase status, a close date that does not match the status or
//! precedes the creation, a won deal without an amount, a negative amount) is left to the exact
//! per-row loop, which folds it or reports the first bad row as before.

use super::columns::{Amounts, Flat, Strs};
use arrow_buffer::NullBuffer;

/// Rows per first pass.
pub(super) const CHUNK: usize = 1024;

/// Status codes of the first pass.
pub(super) const OPEN: u8 = 0;
pub(super) const WON: u8 = 1;
pub(super) const LOST: u8 = 2;
/// Anything else (null, unknown, another case): the chunk goes to the exact loop.
pub(super) const OTHER: u8 = 3;

/// The code of an exact lowercase status.
#[inline(always)]
pub(super) fn code(s: &[u8]) -> u8 {
    match s {
        b"open" => OPEN,
        b"won" => WON,
        b"lost" => LOST,
        _ => OTHER,
    }
}

/// The code of the status in `data[from..to]`: the first four bytes read as one word (the
/// match on the slice where they do not exist).
#[inline(always)]
fn code_at(data: &[u8], from: usize, to: usize) -> u8 {
    const fn w(s: &[u8; 4]) -> u32 {
        u32::from_le_bytes(*s)
    }
    match data.get(from..from + 4) {
        Some(&[a, b, c, d]) => {
            // compares OR-ed, not matched: consecutive statuses are random, a branch on each
            // would be mispredicted every other row
            let x = u32::from_le_bytes([a, b, c, d]);
            let len = to.wrapping_sub(from);
            let won = (len == 3) & (x & 0x00ff_ffff == w(b"won\0"));
            let lost = (len == 4) & (x == w(b"lost"));
            let open = (len == 4) & (x == w(b"open"));
            u8::from(won) * WON + u8::from(lost) * LOST + u8::from(!(won | lost | open)) * OTHER
        }
        _ => code(data.get(from..to).unwrap_or(&[])),
    }
}

/// A window as day numbers (`date32`): the half-open `start..end` and the instant "as at"
/// measures are taken.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct DayWindow {
    pub(super) start: i32,
    pub(super) end: i32,
    pub(super) instant: i32,
}

/// [`crate::kpi::deals::DealFacts::classify`] of a checked row on day numbers, without a
/// branch: `[won, lost, created, open_at_end]` in the window `w`, from the status code, whether
/// `closed_on` is present, `created_on` and `closed_on` (any value when absent). The test
/// `facts_match_classify` checks the two agree.
#[inline(always)]
pub(super) fn facts(st: u8, cv: bool, cr: i32, cl: i32, w: DayWindow) -> [bool; 4] {
    let DayWindow { start: s, end: e, instant } = w;
    let closed_in = cv & (s <= cl) & (cl < e);
    [(st == WON) & closed_in, (st == LOST) & closed_in, (s <= cr) & (cr < e), (cr < instant) & (!cv | (cl >= instant))]
}

/// Per-chunk scratch of the first pass.
pub(super) struct Scratch {
    pub(super) status: [u8; CHUNK],
    pub(super) closed_ok: [bool; CHUNK],
    pub(super) amount_ok: [bool; CHUNK],
    /// Offsets in the chunk of the selected rows (the first `n` entries).
    pub(super) sel: [u16; CHUNK],
    /// The group of each selected row (filled by the folder).
    pub(super) groups: [u32; CHUNK],
    /// Whether each row touches any window.
    any: [u8; CHUNK],
    /// Status code per dictionary value of the current batch (dictionary-encoded statuses).
    pub(super) dict_codes: Vec<u8>,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            status: [OTHER; CHUNK],
            closed_ok: [false; CHUNK],
            amount_ok: [false; CHUNK],
            sel: [0; CHUNK],
            groups: [0; CHUNK],
            any: [0; CHUNK],
            dict_codes: Vec::new(),
        }
    }
}

const NO_DAYS: [i32; CHUNK] = [0; CHUNK];

/// The codes of a batch's dictionary values (once per batch, not per row).
pub(super) fn dict_codes(status: &Strs, out: &mut Vec<u8>) {
    out.clear();
    if let Strs::Dict { values, .. } = status {
        out.extend((0..values.len()).map(|j| values.get(j).map_or(OTHER, |s| code(s.as_bytes()))));
    }
}

/// Status codes of rows `start..start + out.len()`.
fn status_codes(status: &Strs, dict: &[u8], start: usize, out: &mut [u8]) {
    match status {
        Strs::Flat(Flat::Utf8(a)) => {
            let offs = &a.value_offsets()[start..start + out.len() + 1];
            let data = a.value_data();
            for (o, w) in out.iter_mut().zip(offs.windows(2)) {
                *o = code_at(data, w[0] as usize, w[1] as usize);
            }
            null_as_other(a.nulls(), start, out);
        }
        Strs::Flat(Flat::Large(a)) => {
            let offs = &a.value_offsets()[start..start + out.len() + 1];
            let data = a.value_data();
            for (o, w) in out.iter_mut().zip(offs.windows(2)) {
                *o = code(data.get(w[0] as usize..w[1] as usize).unwrap_or(&[]));
            }
            null_as_other(a.nulls(), start, out);
        }
        Strs::Flat(f) => {
            for (j, o) in out.iter_mut().enumerate() {
                *o = f.get(start + j).map_or(OTHER, |s| code(s.as_bytes()));
            }
        }
        Strs::Dict { keys, .. } => {
            for (j, o) in out.iter_mut().enumerate() {
                *o = keys.get(start + j).and_then(|k| dict.get(k).copied()).unwrap_or(OTHER);
            }
        }
    }
}

use arrow_array::Array;

fn null_as_other(nulls: Option<&NullBuffer>, start: usize, out: &mut [u8]) {
    if let Some(n) = nulls {
        for_bits(n, start, out.len(), |j, v| {
            if !v {
                out[j] = OTHER;
            }
        });
    }
}

/// Calls `f(j, bit)` for the validity bits of rows `start..start + len`, 64 at a time.
#[inline(always)]
fn for_bits(n: &NullBuffer, start: usize, len: usize, mut f: impl FnMut(usize, bool)) {
    let bits = n.inner().slice(start, len);
    let chunks = bits.bit_chunks();
    let mut j = 0;
    for w in chunks.iter() {
        for k in 0..64 {
            f(j + k, (w >> k) & 1 != 0);
        }
        j += 64;
    }
    let w = chunks.remainder_bits();
    for k in 0..chunks.remainder_len() {
        f(j + k, (w >> k) & 1 != 0);
    }
}

/// Validity flags of rows `start..start + out.len()` (`true` without a null buffer).
fn valid_into(nulls: Option<&NullBuffer>, start: usize, out: &mut [bool]) {
    match nulls {
        None => out.fill(true),
        Some(n) => {
            let len = out.len();
            for_bits(n, start, len, |j, v| out[j] = v);
        }
    }
}

/// Whether a valued row of `start..start + ok.len()` holds a negative amount.
fn any_negative(amount: &Amounts, start: usize, ok: &[bool]) -> bool {
    fn neg<T: Copy + Default + PartialOrd>(v: &[T], ok: &[bool]) -> bool {
        v.iter().zip(ok).fold(false, |acc, (v, ok)| acc | (*ok & (*v < T::default())))
    }
    let e = start + ok.len();
    match amount {
        Amounts::None => false,
        Amounts::Decimal(a, _) => neg(&a.values()[start..e], ok),
        Amounts::Int64(a) => neg(&a.values()[start..e], ok),
        Amounts::Int32(a) => neg(&a.values()[start..e], ok),
    }
}

/// The chunk's first pass: fills `sc` for rows `start..start + len` and returns the number of
/// selected rows (their offsets in `sc.sel[..n]`), or `None` when a row fails a check.
/// `created` and `closed` are the batch's day numbers; `closed_nulls` its validity.
#[allow(clippy::too_many_arguments)]
pub(super) fn first_pass(
    sc: &mut Scratch,
    status: &Strs,
    created: &[i32],
    closed: Option<(&[i32], Option<&NullBuffer>)>,
    amount: &Amounts,
    windows: &[DayWindow],
    start: usize,
    len: usize,
) -> Option<usize> {
    let Scratch { status: codes, closed_ok, amount_ok, sel, dict_codes, any, .. } = sc;
    let (codes, closed_ok, amount_ok) = (&mut codes[..len], &mut closed_ok[..len], &mut amount_ok[..len]);
    status_codes(status, dict_codes, start, codes);
    let closed_days = match closed {
        Some((days, nulls)) => {
            valid_into(nulls, start, closed_ok);
            &days[start..start + len]
        }
        None => {
            closed_ok.fill(false);
            &NO_DAYS[..len]
        }
    };
    match amount {
        Amounts::None => amount_ok.fill(false),
        Amounts::Decimal(a, _) => valid_into(a.nulls(), start, amount_ok),
        Amounts::Int64(a) => valid_into(a.nulls(), start, amount_ok),
        Amounts::Int32(a) => valid_into(a.nulls(), start, amount_ok),
    }
    let created = &created[start..start + len];
    // the record checks, OR-ed over the chunk
    let mut bad = false;
    for ((((&st, &cv), &cr), &cl), &av) in codes.iter().zip(closed_ok.iter()).zip(created).zip(closed_days).zip(amount_ok.iter()) {
        let closed_status = (st == WON) | (st == LOST);
        bad |= (st == OTHER) | (cv != closed_status) | (cv & (cl < cr)) | ((st == WON) & !av);
    }
    if bad || any_negative(amount, start, amount_ok) {
        return None;
    }
    // the selection: rows touching any window (DealFacts::any on day numbers), flagged in a
    // loop the compiler vectorizes, then their offsets gathered
    let any = &mut any[..len];
    any.fill(0);
    for &w in windows {
        for ((((a, &st), &cv), &cr), &cl) in any.iter_mut().zip(codes.iter()).zip(closed_ok.iter()).zip(created).zip(closed_days) {
            let [won, lost, created, open] = facts(st, cv, cr, cl, w);
            *a |= u8::from(won | lost | created | open);
        }
    }
    let mut n = 0;
    for (j, &a) in any.iter().enumerate() {
        sel[n] = j as u16;
        n += usize::from(a);
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DealStatus;
    use crate::kpi::deals::DealFacts;

    /// [`facts`] equals `DealFacts::classify` on every shape of checked deal around a window's
    /// edges (the closed day of an open deal is any value: the column's slot under a null).
    #[test]
    fn facts_match_classify() {
        let (s, e, instant) = (100, 200, 199);
        let days = [-1, 0, 98, 99, 100, 101, 150, 198, 199, 200, 201, 300];
        for (st, status) in [(OPEN, DealStatus::Open), (WON, DealStatus::Won), (LOST, DealStatus::Lost)] {
            for &cr in &days {
                for cl in days.iter().map(|d| Some(*d)).chain([None]) {
                    if (st == OPEN) != cl.is_none() || cl.is_some_and(|c| c < cr) {
                        continue;
                    }
                    let f = DealFacts::classify(status, cr, cl, |d| s <= d && d < e, instant, |a, b| i64::from(b - a));
                    for slot in cl.map_or(vec![i32::MIN, 0, 150, 199, i32::MAX], |c| vec![c]) {
                        let got = facts(st, cl.is_some(), cr, slot, DayWindow { start: s, end: e, instant });
                        assert_eq!(
                            got,
                            [f.won, f.lost, f.created, f.open_at_end],
                            "status {st}, created {cr}, closed {cl:?} (slot {slot})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn codes_are_exact() {
        assert_eq!([code(b"open"), code(b"won"), code(b"lost")], [OPEN, WON, LOST]);
        for s in [&b"Won"[..], b"wo", b"wonn", b"", b"OPEN", b"lost "] {
            assert_eq!(code(s), OTHER);
        }
        // the word-wise reading equals the slice match, at any place in the buffer
        let words = [&b"open"[..], b"won", b"lost", b"Won", b"wo", b"wonn", b"", b"lost ", b"w", b"opens", b"wox", b"lose"];
        for a in words {
            for b in words {
                let data = [a, b].concat();
                assert_eq!(code_at(&data, 0, a.len()), code(a), "{a:?} then {b:?}");
                assert_eq!(code_at(&data, a.len(), data.len()), code(b), "{b:?} after {a:?}");
            }
        }
    }
}
