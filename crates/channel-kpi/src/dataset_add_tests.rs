//! Tests of [`super`]: what `add_*` rejects, and that a rejected record is not added.

use super::*;
use crate::{DealStatus, Money};
use chrono::NaiveDate;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, m, d).unwrap()
}

#[test]
fn a_duplicate_deal_id_is_rejected_naming_the_deal_and_not_added() {
    let (mut ds, mut ix) = (Dataset::default(), PushIndex::default());
    ds.add_deal(&mut ix, Deal::new("D1", day(1, 2), DealStatus::Open)).unwrap();
    let e = ds.add_deal(&mut ix, Deal::new("D1", day(1, 3), DealStatus::Open)).unwrap_err();
    assert_eq!(e.kind(), "reference");
    let loc = e.location().unwrap();
    assert_eq!((loc.record.as_deref(), loc.field.as_deref(), loc.value.as_deref()), (Some("deal D1"), Some("deal_id"), Some("D1")));
    assert_eq!(ds.deals.len(), 1);
    ds.validate().expect("the dataset stays valid");
}

#[test]
fn the_index_catches_up_with_records_added_another_way() {
    let (mut ds, mut ix) = (Dataset::default(), PushIndex::default());
    ds.deals.push(Deal::new("D9", day(1, 2), DealStatus::Open));
    assert!(ds.add_deal(&mut ix, Deal::new("D9", day(1, 2), DealStatus::Open)).is_err());
    ds.deals.clear(); // the list shrank: the index starts over
    ds.add_deal(&mut ix, Deal::new("D9", day(1, 2), DealStatus::Open)).unwrap();
}

#[test]
fn duplicate_leads_tickets_referrals_partners_and_org_units_are_rejected() {
    let (mut ds, mut ix) = (Dataset::default(), PushIndex::default());
    ds.add_lead(&mut ix, Lead::new("L1", day(1, 2))).unwrap();
    assert_eq!(ds.add_lead(&mut ix, Lead::new("L1", day(1, 2))).unwrap_err().location().unwrap().record.as_deref(), Some("lead L1"));
    let t = SupportTicket { id: "T1".into(), account_id: "a".into(), opened_on: day(1, 2), closed_on: None, partner_id: None };
    ds.add_ticket(&mut ix, t.clone()).unwrap();
    assert_eq!(ds.add_ticket(&mut ix, t).unwrap_err().kind(), "reference");
    let r = Referral {
        id: "R1".into(),
        referred_on: day(1, 2),
        referrer_account_id: None,
        partner_id: None,
        referred_account_id: None,
        converted_on: None,
    };
    ds.add_referral(&mut ix, r.clone()).unwrap();
    assert_eq!(ds.add_referral(&mut ix, r).unwrap_err().kind(), "reference");
    ds.add_partner(Partner::new("acme")).unwrap();
    assert_eq!(ds.add_partner(Partner::new("acme")).unwrap_err().kind(), "reference");
    let u = OrgUnit { id: "t1".into(), name: None, level: "team".into(), parent_id: None };
    ix.claim_org_unit(&ds.refs.org, &u).unwrap();
    assert_eq!(ix.claim_org_unit(&ds.refs.org, &u).unwrap_err().location().unwrap().record.as_deref(), Some("org unit t1"));
    assert_eq!((ds.leads.len(), ds.tickets.len(), ds.referrals.len(), ds.refs.partners.len()), (1, 1, 1, 1));
}

#[test]
fn negative_targets_and_spend_are_rejected_like_the_file_loaders_do() {
    let mut ds = Dataset::default();
    let usd = crate::Currency::new("USD").unwrap();
    let minus = Money::parse_amount("-5", usd).unwrap();
    let t = Target { dimension: crate::Dimension::All, key: None, period: crate::Period::year(2025).unwrap(), amount: minus };
    let e = ds.add_target(t).unwrap_err();
    assert_eq!((e.kind(), e.location().unwrap().field.as_deref()), ("invalid", Some("amount")));
    assert!(e.to_string().contains("a revenue target is negative"), "{e}");
    let s = Spend { channel: crate::Channel::Paid, source: None, spent_on: day(1, 2), amount: minus };
    let e = ds.add_spend(s).unwrap_err();
    assert!(e.to_string().contains("spend is negative"), "{e}");
    assert!(ds.targets.is_empty() && ds.spend.is_empty());
    let zero = Money::parse_amount("0", usd).unwrap();
    ds.add_spend(Spend { channel: crate::Channel::Paid, source: None, spent_on: day(1, 2), amount: zero }).unwrap();
}

#[test]
fn check_unique_ids_names_the_first_id_used_twice() {
    let mut ds = Dataset::default();
    ds.deals.push(Deal::new("A", day(1, 2), DealStatus::Open));
    ds.leads.push(Lead::new("L", day(1, 2)));
    ds.check_unique_ids().unwrap();
    ds.leads.push(Lead::new("L", day(1, 3)));
    let e = ds.check_unique_ids().unwrap_err();
    assert_eq!((e.kind(), e.location().unwrap().record.as_deref()), ("reference", Some("lead L")));
}

/// A check remembers that the deals passed, and every change that can break that makes the
/// next check look again: a bad or repeated deal added, a stage history reordered; a new
/// reference rule (partners given) is always checked.
#[test]
fn a_passed_check_is_remembered_until_the_deals_change() {
    let mut ds = Dataset::default();
    let mut d = Deal::new("D1", day(1, 2), DealStatus::Open);
    d.partner_id = Some("P1".into());
    ds.deals.push(d);
    ds.check().unwrap();
    assert!(ds.deals.checked.get());
    let mut bad = Deal::new("D2", day(1, 2), DealStatus::Won); // won without a close date
    bad.amount = Some(Money::new(rust_decimal::Decimal::ONE, "USD".parse().unwrap()));
    ds.deals.push(bad);
    assert_eq!(ds.check().unwrap_err().location().unwrap().field.as_deref(), Some("closed_on"));
    ds.deals.truncate(1);
    ds.check().unwrap();
    ds.deals.append(std::iter::once(Deal::new("D1", day(1, 3), DealStatus::Open)).collect());
    assert!(ds.check().unwrap_err().to_string().contains("duplicate deal id"));
    ds.deals.truncate(1);
    ds.check().unwrap();
    ds.deals.stage_history_mut(0).push(crate::StageEntry { stage: "s".into(), entered_on: day(1, 1) }); // before created
    assert!(ds.check().unwrap_err().to_string().contains("stage entries must be in date order"));
    ds.deals.stage_histories_mut().for_each(|h| h[0].entered_on = day(1, 5));
    ds.check().unwrap();
    ds.refs.partners.insert("P2".into(), crate::Partner::new("P2"));
    assert!(ds.check().unwrap_err().to_string().contains("unknown partner"));
}
