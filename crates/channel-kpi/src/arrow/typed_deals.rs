//! Deals tables whose columns have their natural Arrow types (dates as `date32`, amounts as
//! `decimal128` or integers, texts as strings of any layout) read straight into [`Deals`],
//! without rendering each cell as text and parsing it back.
//!
//! This is a shortcut of the loader's row conversion (`load::deal_from_row` through the
//! identity mapping), taken only when it gives the same deals: [`append_deals`] reads a clean
//! table and returns `None` at the first thing it does not read exactly like the row path — a
//! column of another type, a value the row path would refuse (an unknown status, a bad
//! currency, a won deal without an amount …), an attr column. The loader then reads the whole
//! table through the row path, which reports errors with their row, column and value as
//! always. So errors never depend on which way a table was read; the shortcut only makes clean
//! tables fast.

use super::columns::{Amounts, Strs};
use crate::domain::{Channel, Deal, DealKind, DealStatus, Deals, PartnerStages, RegistrationStatus, put_text};
use crate::money::{Currency, Money};
use arrow_array::cast::AsArray;
use arrow_array::types::Date32Type;
use arrow_array::{Array, ArrayRef, PrimitiveArray, RecordBatch};
use arrow_schema::DataType;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::str::FromStr;

/// A text column: absent, all null, or strings.
fn texts<'a>(b: &'a RecordBatch, name: &str) -> Option<Option<Strs<'a>>> {
    match b.column_by_name(name) {
        None => Some(None),
        Some(a) if a.data_type() == &DataType::Null => Some(None),
        Some(a) => Strs::of(a).map(Some),
    }
}

/// A date column: absent, all null, or `date32`.
fn dates<'a>(b: &'a RecordBatch, name: &str) -> Option<Option<&'a PrimitiveArray<Date32Type>>> {
    match b.column_by_name(name) {
        None => Some(None),
        Some(a) if a.data_type() == &DataType::Null => Some(None),
        Some(a) if a.data_type() == &DataType::Date32 => Some(Some(a.as_primitive())),
        Some(_) => None,
    }
}

/// The trimmed, non-empty text of row `i` (what the row path reads as a value).
#[inline]
fn text<'a>(c: Option<&Strs<'a>>, i: usize) -> Option<&'a str> {
    c.and_then(|s| s.get(i)).map(str::trim).filter(|s| !s.is_empty())
}

#[inline]
fn date(c: Option<&PrimitiveArray<Date32Type>>, i: usize, days: &mut Days) -> Option<Option<NaiveDate>> {
    match c {
        Some(a) if a.is_valid(i) => days.get(a.value(i)).map(Some),
        _ => Some(None),
    }
}

/// Day numbers as dates, the last 4,096 distinct days remembered (a deals table's dates span a
/// few years, so nearly every row is one array read instead of a calendar computation).
struct Days(Box<[(i32, Option<NaiveDate>); 4096]>);

impl Days {
    fn new() -> Self {
        Days(Box::new([(i32::MIN, None); 4096]))
    }
    #[inline]
    fn get(&mut self, day: i32) -> Option<NaiveDate> {
        let slot = &mut self.0[day as usize & 4095];
        if slot.0 != day {
            *slot = (day, Date32Type::to_naive_date_opt(day));
        }
        slot.1
    }
}

/// The currency of the previous row, when the next has the same text (one code per table is
/// the rule), so a code is checked once.
#[derive(Default)]
struct LastCurrency(Option<(Box<str>, Currency)>);

impl LastCurrency {
    #[inline]
    fn get(&mut self, text: &str) -> Option<Currency> {
        match &self.0 {
            Some((t, c)) if **t == *text => Some(*c),
            _ => {
                let c = Currency::new(text).ok()?;
                self.0 = Some((Box::from(text), c));
                Some(c)
            }
        }
    }
}

/// Appends every row of `batch` to `deals`, read as the row path reads them; `None` (with
/// `deals` possibly holding some of the rows: the caller truncates) when a column or a value is
/// not one this shortcut reads exactly like the row path. The caller has checked that every
/// column is a canonical deal field (attrs are not read here).
pub(crate) fn append_deals(deals: &mut Deals, batch: &RecordBatch) -> Option<()> {
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
    let scale = amount.scale();
    let mut d = Deal::new(String::new(), NaiveDate::MIN, DealStatus::Open);
    let (mut days, mut currencies) = (Days::new(), LastCurrency::default());
    for i in 0..b.num_rows() {
        let id = text(Some(&ids), i)?;
        d.id.clear();
        d.id.push_str(id);
        d.created_on = date(Some(created), i, &mut days)??;
        d.status = DealStatus::from_str(text(Some(&status), i)?).ok()?;
        put_text(&mut d.partner_id, text(partner.as_ref(), i));
        put_text(&mut d.owner_id, text(owner.as_ref(), i));
        d.channel = text(channel.as_ref(), i).map(Channel::from_str).transpose().ok()?;
        put_text(&mut d.source, text(source.as_ref(), i));
        put_text(&mut d.product, text(product.as_ref(), i));
        d.kind = text(kind.as_ref(), i).map(DealKind::from_str).transpose().ok()?.unwrap_or_default();
        d.registered_on = date(registered, i, &mut days)?;
        d.registration_status = text(registration.as_ref(), i).map(RegistrationStatus::from_str).transpose().ok()?;
        d.expected_close_on = date(expected, i, &mut days)?;
        d.closed_on = date(closed, i, &mut days)?;
        d.amount = match amount.get(i) {
            None => None,
            Some(raw) => {
                let value = Decimal::try_from_i128_with_scale(raw, scale).ok()?;
                Some(Money::new(value, currencies.get(text(currency.as_ref(), i)?)?))
            }
        };
        put_text(&mut d.lost_reason, text(lost_reason.as_ref(), i));
        put_text(&mut d.stage, text(stage.as_ref(), i));
        d.partner_stages = text(partner_stages.as_ref(), i).map(PartnerStages::parse).transpose().ok()?.unwrap_or_default();
        d.validate().ok()?;
        deals.push_ref(&d);
    }
    Some(())
}

/// Amounts the row path reads to the same decimal: `decimal128` and integers (floats are read
/// through their text, which this shortcut does not reproduce).
fn amounts(a: &ArrayRef) -> Option<Amounts<'_>> {
    match a.data_type() {
        DataType::Decimal128(..) | DataType::Int64 | DataType::Int32 | DataType::Null => Amounts::of(a),
        _ => None,
    }
}
