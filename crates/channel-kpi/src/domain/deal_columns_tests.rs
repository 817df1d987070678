//! Tests of [`super::Deals`]: every field back, JSON, history attached later, append.

use super::*;
use crate::domain::{PartnerStage, StageEntry};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn full(id: &str) -> Deal {
    let mut d = Deal::new(id, day("2025-01-02"), DealStatus::Won);
    d.partner_id = Some("P1".into());
    d.owner_id = Some("E1".into());
    d.channel = Some(Channel::Paid);
    d.source = Some("ads".into());
    d.product = Some("P1".into()); // same text as the partner: one dictionary entry
    d.kind = DealKind::Upsell;
    d.registered_on = Some(day("2025-01-03"));
    d.registration_status = Some(RegistrationStatus::Approved);
    d.expected_close_on = Some(day("2025-02-01"));
    d.closed_on = Some(day("2025-02-03"));
    d.amount = Some("12.50 EUR".parse().unwrap());
    d.lost_reason = Some("price".into());
    d.stage = Some("won".into());
    d.stage_history = vec![StageEntry { stage: "qualify".into(), entered_on: day("2025-01-05") }];
    d.partner_stages.insert(PartnerStage::Qualification);
    d.attrs.insert("region".into(), "EMEA".into());
    d.attrs.insert("note".into(), String::new()); // an empty text is a value too
    d
}

#[test]
fn every_field_comes_back() {
    let deals: Deals = vec![full("A"), Deal::new("", day("2024-12-31"), DealStatus::Open), full("C")].into();
    assert_eq!(deals.len(), 3);
    assert_eq!(deals.get(0), full("A"));
    assert_eq!(deals.get(1), Deal::new("", day("2024-12-31"), DealStatus::Open));
    assert_eq!(deals.id(2), "C");
    // a reused deal takes every field of the next one, the empty ones too
    let mut buf = full("X");
    deals.fill(1, &mut buf);
    assert_eq!(buf, deals.get(1));
    deals.fill(2, &mut buf);
    assert_eq!(buf, full("C"));
    assert_eq!(deals.words.len(), 5, "P1, E1, ads, price, won: each text once");
}

#[test]
fn json_is_a_list_of_deals() {
    let deals: Deals = vec![full("A"), full("B")].into();
    let json = serde_json::to_string(&deals).unwrap();
    assert_eq!(json, serde_json::to_string(&vec![full("A"), full("B")]).unwrap());
    let back: Deals = serde_json::from_str(&json).unwrap();
    assert_eq!(back, deals);
}

#[test]
fn append_keeps_order_and_texts() {
    let mut d = Deal::new("B", day("2025-01-01"), DealStatus::Open);
    d.partner_id = Some("P2".into());
    d.stage_history = vec![StageEntry { stage: "s".into(), entered_on: day("2025-01-02") }];
    let mut a: Deals = vec![full("A")].into();
    a.append(vec![d.clone(), full("C")].into());
    assert_eq!(a.to_vec(), vec![full("A"), d, full("C")]);
    a.truncate(1);
    assert_eq!(a.to_vec(), vec![full("A")]);
}

#[test]
fn history_is_attached_later() {
    let mut deals: Deals = vec![Deal::new("A", day("2025-01-01"), DealStatus::Open)].into();
    deals.stage_history_mut(0).push(StageEntry { stage: "s".into(), entered_on: day("2025-01-02") });
    assert_eq!(deals.stage_history(0).len(), 1);
    assert_eq!(deals.get(0).stage_history[0].stage, "s");
}

#[test]
fn a_reused_deal_takes_each_history_whole() {
    // histories longer, shorter, empty and equal in turn, filled into one reused deal
    let entry = |s: &str, d: &str| StageEntry { stage: s.into(), entered_on: day(d) };
    let histories = [
        vec![entry("qualify", "2025-01-05"), entry("demo", "2025-01-09")],
        vec![entry("proposal", "2025-01-03"), entry("demo", "2025-01-04"), entry("negotiation_long_name", "2025-01-07")],
        vec![entry("q", "2025-01-06")],
        vec![],
        vec![entry("demo", "2025-01-08"), entry("won", "2025-02-03")],
    ];
    let mut deals = Deals::default();
    for (k, h) in histories.iter().enumerate() {
        let mut d = full(&format!("D{k}"));
        d.stage_history = h.clone();
        deals.push(d);
    }
    let mut reused = full("X");
    for (k, h) in histories.iter().enumerate() {
        deals.fill(k, &mut reused);
        assert_eq!(&reused.stage_history, h, "deal {k}");
    }
}
