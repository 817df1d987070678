//! Builders shared by the integration tests.
#![allow(dead_code)]

use channel_kpi::*;
use chrono::NaiveDate;

pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn usd(a: &str) -> Money {
    format!("{a} USD").parse().unwrap()
}

/// A closed deal: `status` won/lost, created on `created`, closed on `closed`.
pub fn closed(id: &str, partner: Option<&str>, status: DealStatus, created: &str, closed: &str, amount: &str) -> Deal {
    let mut d = Deal::new(id, day(created), status);
    d.partner_id = partner.map(Into::into);
    d.closed_on = Some(day(closed));
    d.amount = Some(usd(amount));
    d
}

pub fn open(id: &str, partner: Option<&str>, created: &str, amount: &str) -> Deal {
    let mut d = Deal::new(id, day(created), DealStatus::Open);
    d.partner_id = partner.map(Into::into);
    d.amount = Some(usd(amount));
    d
}

pub fn dataset(deals: Vec<Deal>) -> Dataset {
    let mut ds = Dataset { deals, ..Default::default() };
    ds.validate().unwrap();
    ds
}

pub fn f(t: &ResultTable, key: &[Option<&str>], col: &str) -> Option<f64> {
    t.get(key, col).and_then(|v| v.as_f64())
}

pub fn dec(t: &ResultTable, key: &[Option<&str>], col: &str) -> String {
    t.get(key, col).map(|v| v.to_string()).unwrap_or_else(|| "<no row>".into())
}
