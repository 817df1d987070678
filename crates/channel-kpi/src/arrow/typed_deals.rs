//! Deals tables whose columns have their natural Arrow types (dates as `date32`, amounts as
//! `decimal128` or integers, texts as strings of any layout) read straight into [`Deals`],
//! without rendering each cell as text and parsing it back.
//!
//! This is a shortcut of the loader's row conversion (`load::deal_from_row` through the
//! identity mapping), taken only when it gives the same deals: [`append_deals`] reads a clean
//! table and returns `None` at the first thing it does not read exactly like the row path — a
//! column of another type, a value the row path would refuse (an unknown status, a bad
//! currency, a won deal without an amount …), an attr column of a type the row path refuses
//! ([`append_attrs`] reads the others). The loader then reads the whole
//! table through the row path, which reports errors with their row, column and value as
//! always. So errors never depend on which way a table was read; the shortcut only makes clean
//! tables fast.

use super::columns::{Amounts, Strs};
pub(super) use super::typed_dates::{Days, date, dates, push_dates, push_required_dates};
pub(super) use super::typed_texts::{LastCurrency, ShortMemo, append_ids, one_parsed, parsed, text, texts, word_ids};
use crate::domain::{Attrs, Channel, DealKind, DealStatus, Deals, PartnerStages, RegistrationStatus, trimmed};
use crate::money::{Currency, Money};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Appends every row of `batch` to `deals`, read as the row path reads them; `None` (with
/// `deals` possibly holding some of the rows: the caller truncates) when a column or a value is
/// not one this shortcut reads exactly like the row path. Other columns are not read here
/// (the attrs: [`append_attrs`]).
///
/// Column by column: each Arrow column is read in one loop into its column of [`Deals`]
/// (texts that repeat through the dictionary, once per dictionary value for dictionary-encoded
/// columns), then the new rows are checked as [`crate::Deal::validate`] checks a deal.
///
/// The canonical text columns `unread` (of [`crate::engine::DEAL_TEXTS`]; `batch` holds none
/// of them) are not written at all: their columns in `deals` stay shorter than the deals, and
/// read as none past their end (`Deals::fill`), for the chunks of a streamed query whose fold
/// reads none of them (`load/parquet_chunks.rs`). A zero per row, four bytes a deal per column,
/// was 21 M of the 1,354 M instructions of a scorecard by partner on 1 M Parquet deals.
pub(crate) fn append_deals(deals: &mut Deals, batch: &RecordBatch, unread: &[&str]) -> Option<()> {
    let b = batch;
    let ids = texts(b, "deal_id")??;
    let (partner, owner, source, product) = (texts(b, "partner_id")?, texts(b, "owner_id")?, texts(b, "source")?, texts(b, "product")?);
    let (lost_reason, stage) = (texts(b, "lost_reason")?, texts(b, "stage")?);
    let (channel, kind, status) = (texts(b, "channel")?, texts(b, "kind")?, texts(b, "status")??);
    let (registration, partner_stages, currency) = (texts(b, "registration_status")?, texts(b, "partner_stages")?, texts(b, "currency")?);
    let created = dates(b, "created_on")??;
    let (registered, expected, closed) = (dates(b, "registered_on")?, dates(b, "expected_close_on")?, dates(b, "closed_on")?);
    let amount = match b.column_by_name("amount") {
        None => Amounts::None,
        Some(a) => amounts(a)?,
    };
    let n = b.num_rows();
    let start = deals.len();
    let d = deals;
    d.memo.changed();
    append_ids(&mut d.ids, &mut d.id_end, &ids, n)?;
    for (name, c, out) in [
        ("partner_id", &partner, &mut d.partner),
        ("owner_id", &owner, &mut d.owner),
        ("source", &source, &mut d.source),
        ("product", &product, &mut d.product),
        ("lost_reason", &lost_reason, &mut d.lost_reason),
        ("stage", &stage, &mut d.stage),
    ] {
        if !unread.contains(&name) {
            word_ids(c.as_ref(), n, &mut d.words, out);
        }
    }
    parsed(Some(&status), n, &mut d.status, |s| match s {
        Some("won") => Some(DealStatus::Won),
        Some("lost") => Some(DealStatus::Lost),
        Some("open") => Some(DealStatus::Open),
        s => DealStatus::from_str(s?).ok(),
    })?;
    parsed(channel.as_ref(), n, &mut d.channel, |s| s.map(Channel::from_str).transpose().ok())?;
    parsed(kind.as_ref(), n, &mut d.kind, |s| s.map(DealKind::from_str).transpose().ok().map(Option::unwrap_or_default))?;
    parsed(registration.as_ref(), n, &mut d.registration_status, |s| s.map(RegistrationStatus::from_str).transpose().ok())?;
    parsed(partner_stages.as_ref(), n, &mut d.partner_stages, |s| {
        s.map(PartnerStages::parse).transpose().ok().map(Option::unwrap_or_default)
    })?;
    let mut days = Days::new();
    push_required_dates(created, n, &mut days, &mut d.created_on)?;
    for (c, out) in [(registered, &mut d.registered_on), (expected, &mut d.expected_close_on), (closed, &mut d.closed_on)] {
        push_dates(c, n, &mut days, out)?;
    }
    // each row's currency, read only where there is an amount (a row without one may hold
    // any text there, as in the row path); the currency of every amount noted when the deals
    // are all new
    let codes = if amount.any() { codes(currency.as_ref(), n)? } else { Codes::One(None) };
    let one = push_amounts(&amount, n, &codes, &d.status[start..], &mut d.amount)?;
    d.history.resize(start + n, 0);
    if start == 0 {
        d.memo.set_currency(one);
    }
    valid(d, start).then_some(())
}

/// Appends the attrs of `batch`'s rows, the deals `start..` of `deals` ([`append_deals`] has
/// appended them): each column of `names` into its attr column of [`Deals`], its texts read as
/// the row path reads an attr (trimmed, none where empty or null), a dictionary-encoded
/// text column's through the dictionary once per value, a column of another type (numbers,
/// dates, …) rendered cell by cell as the row path renders it; an absent or all-null
/// (`null`-typed) column gives none. `None` when a column's type is one the row path refuses
/// (it names the column).
pub(crate) fn append_attrs(deals: &mut Deals, start: usize, batch: &RecordBatch, names: &[&str]) -> Option<()> {
    debug_assert_eq!(deals.len(), start + batch.num_rows());
    fill_attrs(&mut deals.attrs, start, batch, names)
}

/// [`append_attrs`] into the attr columns `attrs` (of deals or of leads), rows `start..`.
pub(super) fn fill_attrs(attrs: &mut Attrs, start: usize, batch: &RecordBatch, names: &[&str]) -> Option<()> {
    let n = batch.num_rows();
    for name in names {
        let Some(a) = batch.column_by_name(name).filter(|a| a.data_type() != &DataType::Null) else { continue };
        let c = attrs.column_or_new(name);
        if let Some(Strs::Dict { keys, values }) = Strs::of(a) {
            let mut ids = vec![u32::MAX; values.len()];
            for i in 0..n {
                let Some(k) = keys.get(i) else { continue };
                if ids[k] == u32::MAX {
                    ids[k] = attrs.words.id(values.get(k).map(trimmed).filter(|s| !s.is_empty()));
                }
                attrs.set_id(c, start + i, ids[k]);
            }
            continue;
        }
        attr_cells(a, n, |i, v| attrs.set(c, start + i, v))?;
    }
    Some(())
}

/// Calls `f(i, value)` for each of the `n` cells of attr column `a`, the value read as the row
/// path reads an attr: trimmed, `None` where empty or null; a column that is not text rendered
/// cell by cell as the row path renders it. `None` when the row path refuses the column's type.
fn attr_cells(a: &ArrayRef, n: usize, mut f: impl FnMut(usize, Option<&str>)) -> Option<()> {
    match Strs::of(a) {
        Some(col) => (0..n).for_each(|i| f(i, text(Some(&col), i))),
        None => {
            super::input::check_type(a.data_type()).ok()?;
            let mut cell = String::new();
            for i in 0..n {
                cell.clear();
                super::input::render(a.as_ref(), i, &mut cell);
                let t = cell.trim();
                f(i, (!t.is_empty()).then_some(t));
            }
        }
    }
    Some(())
}

/// The currency codes of a batch's rows (`None` where the row path reads none: no text, or
/// not an ISO code): one for every row (an absent column, or one text in every row, read
/// once: a one-currency table), or each row's.
enum Codes {
    One(Option<Currency>),
    Each(Vec<Option<Currency>>),
}

/// The [`Codes`] of the first `n` rows of currency column `c`.
fn codes(c: Option<&Strs>, n: usize) -> Option<Codes> {
    let code = |s: Option<&str>| Some(s.and_then(|s| Currency::new(s).ok()));
    if let Some(one) = one_parsed(c, n, code) {
        return Some(Codes::One(one?));
    }
    let mut each = Vec::new();
    parsed(c, n, &mut each, code)?;
    Some(Codes::Each(each))
}

/// Appends the first `n` amounts of `amount` to `out` as money in their rows' currencies
/// `codes` (`None` where a row has no amount), and returns the currency of every amount
/// (`None` when they have several; `Some(None)` when there is none) — the amounts' part of
/// `Deal::validate`, checked here where the raw amounts are at hand: `None` (with some rows
/// possibly appended) when the row path refuses a row: a won deal (`status`, the rows'
/// statuses) without an amount, a negative amount, one past a decimal's 96 bits, an amount
/// without a currency.
///
/// A raw amount `v` is checked as one shift (`v >> 96 == 0`: neither negative nor too big)
/// and made a decimal of its three 32-bit words, with no error path per row; with one code for
/// every row (a one-currency table) no row's currency is looked at (the checks and the
/// per-row code of a `try_from_i128_with_scale`, a code look-up and the running common
/// currency were 94 instructions a deal).
fn push_amounts(
    amount: &Amounts,
    n: usize,
    codes: &Codes,
    status: &[DealStatus],
    out: &mut Vec<Option<Money>>,
) -> Option<Option<Option<Currency>>> {
    let scale = amount.scale();
    let money = |raw: i128, c| Money::new(Decimal::from_parts(raw as u32, (raw >> 32) as u32, (raw >> 64) as u32, false, scale), c);
    // a won deal without an amount, a negative amount or one past 96 bits
    let mut bad = false;
    out.reserve(n);
    let one = match codes {
        _ if !amount.any() => {
            out.resize(out.len() + n, None);
            bad = status[..n].contains(&DealStatus::Won);
            Some(None)
        }
        Codes::One(None) => return None, // amounts without a currency
        &Codes::One(Some(c)) => {
            amount.each(n, |i, raw| {
                out.push(checked(raw, || status[i] == DealStatus::Won, &mut bad).map(|raw| money(raw, c)));
                Some(())
            });
            Some(Some(c))
        }
        Codes::Each(codes) => {
            let mut one: Option<Option<Currency>> = Some(None);
            amount.each(n, |i, raw| {
                out.push(match checked(raw, || status[i] == DealStatus::Won, &mut bad) {
                    None => None,
                    Some(raw) => {
                        let c = codes.get(i).copied().flatten()?;
                        one = one.and_then(|o| o.is_none_or(|o| o == c).then_some(Some(c)));
                        Some(money(raw, c))
                    }
                });
                Some(())
            })?;
            one
        }
    };
    (!bad).then_some(one)
}

/// A row's raw amount, `bad` set when it is refused: none on a won deal (`won`, asked only
/// then), or a negative one or one past a decimal's 96 bits (one shift).
#[inline(always)]
fn checked(raw: Option<i128>, won: impl FnOnce() -> bool, bad: &mut bool) -> Option<i128> {
    match raw {
        None => {
            *bad |= won();
            None
        }
        Some(raw) => {
            *bad |= raw >> 96 != 0;
            Some(raw)
        }
    }
}

/// Whether deals `start..` pass the status and date checks of [`crate::Deal::validate`]
/// ([`append_deals`] checks the amounts as it reads them; the deals have no stage history, and
/// their ids are not empty): a fold of flags, no error built.
fn valid(d: &Deals, start: usize) -> bool {
    let rows = start..d.len();
    let mut ok = true;
    for (((&status, &created), &closed), &registered) in
        d.status[rows.clone()].iter().zip(&d.created_on[rows.clone()]).zip(&d.closed_on[rows.clone()]).zip(&d.registered_on[rows])
    {
        ok &= match status {
            DealStatus::Open => closed.is_none(),
            DealStatus::Won | DealStatus::Lost => closed.is_some(),
        };
        ok &= closed.is_none_or(|c| c >= created) && registered.is_none_or(|r| r >= created);
    }
    ok
}

/// Amounts the row path reads to the same decimal: `decimal128` and integers (floats are read
/// through their text, which this shortcut does not reproduce).
pub(super) fn amounts(a: &ArrayRef) -> Option<Amounts<'_>> {
    match a.data_type() {
        DataType::Decimal128(..) | DataType::Int64 | DataType::Int32 | DataType::Null => Amounts::of(a),
        _ => None,
    }
}
