//! Property tests of the partner-program and customer-success KPIs: record order does not
//! matter, split + merge (through JSON) equals the whole, rates stay in their bounds, and the
//! MRR movements add up exactly.
#![allow(clippy::result_large_err)]

mod common;

use channel_kpi::*;
use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;

const PARTNERS: [&str; 4] = ["p0", "p1", "p2", "p3"];

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 7, 1).unwrap()
}
fn at(d: u64) -> NaiveDate {
    base() + Days::new(d)
}
fn usd(cents: i64) -> Money {
    Money::new(Decimal::new(cents, 2), Currency::new("USD").unwrap())
}

prop_compose! {
    fn deal()(p in 0usize..4, created in 0u64..500, cycle in 0u64..120, st in 0u8..3, cents in 0i64..1_000_000,
              reg in proptest::option::of(0u64..30), stages in 0u8..32, moves in proptest::collection::vec(0u64..60, 0..3)) -> Deal {
        let status = [DealStatus::Open, DealStatus::Won, DealStatus::Lost][st as usize];
        let mut d = Deal::new("", at(created), status);
        d.partner_id = Some(PARTNERS[p].into());
        if status != DealStatus::Open { d.closed_on = Some(at(created + cycle)); }
        d.amount = Some(usd(cents));
        d.registered_on = reg.map(|r| at(created + r.min(cycle)));
        d.registration_status = reg.map(|r| [RegistrationStatus::Approved, RegistrationStatus::Rejected, RegistrationStatus::Pending][r as usize % 3]);
        d.partner_stages = PartnerStage::ALL.iter().enumerate().filter(|(i, _)| stages & (1 << i) != 0).map(|(_, s)| *s).collect::<Vec<_>>().into();
        let mut day = created;
        for m in moves {
            day += m;
            if status != DealStatus::Open && day > created + cycle { break; }
            d.stage_history.push(StageEntry { stage: "S".into(), entered_on: at(day) });
        }
        d
    }
}

prop_compose! {
    fn course()(p in 0usize..4, c in 0u8..3, att in 0u64..500, done in proptest::option::of(0u64..60)) -> CourseAttendance {
        let mut a = CourseAttendance::new(PARTNERS[p], format!("C{c}"), at(att));
        a.completed_on = done.map(|d| at(att + d));
        a
    }
}

prop_compose! {
    fn survey()(p in 0usize..4, k in 0u8..3, s in 0i64..11, on in 0u64..500, topic in 0usize..5) -> SurveyResponse {
        common::survey_answer(k, s, at(on), PARTNERS[p], topic)
    }
}

prop_compose! {
    fn sub()(a in 0u8..12, m in 0u32..18, cents in 0i64..50_000, p in 0usize..4) -> SubscriptionMonth {
        let month = base().checked_add_months(chrono::Months::new(m)).unwrap();
        let mut s = SubscriptionMonth::new(format!("A{a}"), month, usd(cents));
        s.partner_id = Some(PARTNERS[p].into());
        s
    }
}

prop_compose! {
    fn cs()(a in 0u8..12, o in 0u64..500, len in proptest::option::of(0u64..40), users in 0u32..5, p in 0usize..4) -> (SupportTicket, Onboarding, EngagementEvent, Referral, ProductUsage) {
        let (acc, pid) = (format!("A{a}"), Some(PARTNERS[p].to_string()));
        (
            SupportTicket { id: String::new(), account_id: acc.clone(), opened_on: at(o), closed_on: len.map(|l| at(o + l)), partner_id: pid.clone() },
            Onboarding { account_id: acc.clone(), started_on: at(o), completed_on: len.map(|l| at(o + l)), partner_id: pid.clone() },
            EngagementEvent { account_id: acc.clone(), occurred_on: at(o), kind: None, partner_id: pid.clone() },
            Referral { id: String::new(), referred_on: at(o), referrer_account_id: None, partner_id: pid.clone(), referred_account_id: None, converted_on: len.map(|l| at(o + l)) },
            ProductUsage { account_id: acc, month: at(o), active_users: users, features_used: users * 2, partner_id: pid },
        )
    }
}

prop_compose! {
    fn partner()(joined in proptest::option::of(0u64..400), stay in proptest::option::of(1u64..300)) -> (Option<NaiveDate>, Option<NaiveDate>) {
        (joined.map(at), joined.zip(stay).map(|(j, s)| at(j + s)))
    }
}

fn dataset() -> impl Strategy<Value = Dataset> {
    (
        proptest::collection::vec(deal(), 0..25),
        proptest::collection::vec(course(), 0..10),
        proptest::collection::vec(survey(), 0..15),
        proptest::collection::vec(sub(), 0..30),
        proptest::collection::vec(cs(), 0..12),
        proptest::collection::vec(partner(), 4),
        proptest::collection::vec((0usize..4, 0u64..500, 0i64..100_000), 0..5),
    )
        .prop_map(|(mut deals, courses, surveys, subscriptions, cs, partners, costs)| {
            for (i, d) in deals.iter_mut().enumerate() {
                d.id = format!("D{i}");
            }
            let mut ds = Dataset {
                deals: deals.into(),
                courses,
                surveys: surveys.into(),
                subscriptions: subscriptions.into(),
                ..Default::default()
            };
            for (i, (mut t, o, e, mut r, u)) in cs.into_iter().enumerate() {
                t.id = format!("T{i}");
                r.id = format!("R{i}");
                ds.tickets.push(t);
                ds.onboarding.push(o);
                ds.engagement.push(e);
                ds.referrals.push(r);
                ds.usage.push(u);
            }
            for (p, start, cents) in costs {
                ds.program_costs.push(ProgramCost {
                    partner_id: PARTNERS[p].into(),
                    period: Period::day(at(start)).unwrap(),
                    kind: CostKind::Mdf,
                    amount: usd(cents),
                });
            }
            let ps = PARTNERS.iter().zip(partners).map(|(id, (j, l))| Partner {
                joined_on: j,
                left_on: l,
                tier: Some(if id < &"p2" { "gold" } else { "silver" }.into()),
                ..Partner::new(*id)
            });
            ds.refs.add_partners(ps).unwrap();
            ds.validate().unwrap();
            ds
        })
}

fn metrics() -> Vec<Metric> {
    Metric::ALL.iter().copied().filter(|m| matches!(m.family(), "partners" | "customer_success")).collect()
}

fn query() -> Query {
    Query::new(metrics(), Period::parse("2025").unwrap()).by(Dimension::Partner).buckets(Bucket::Quarter)
}

fn split(ds: &Dataset, k: usize) -> (Dataset, Dataset) {
    fn cut<T: Clone>(v: &[T], k: usize) -> (Vec<T>, Vec<T>) {
        let k = k.min(v.len());
        (v[..k].to_vec(), v[k..].to_vec())
    }
    let mut a = ds.clone();
    let mut b = ds.clone();
    let (da, db) = cut(&ds.deals.to_vec(), k);
    (a.deals, b.deals) = (da.into(), db.into());
    (a.courses, b.courses) = cut(&ds.courses, k / 2);
    let (sa, sb) = cut(&ds.surveys.to_vec(), k);
    (a.surveys, b.surveys) = (sa.into(), sb.into());
    let (sa, sb) = cut(&ds.subscriptions.to_vec(), k);
    (a.subscriptions, b.subscriptions) = (sa.into(), sb.into());
    (a.tickets, b.tickets) = cut(&ds.tickets, k / 3);
    (a.onboarding, b.onboarding) = cut(&ds.onboarding, k);
    (a.engagement, b.engagement) = cut(&ds.engagement, k / 2);
    (a.referrals, b.referrals) = cut(&ds.referrals, k);
    (a.usage, b.usage) = cut(&ds.usage, k / 2);
    (a.program_costs, b.program_costs) = cut(&ds.program_costs, k / 4);
    // Partners are reference data present on both sides; they are streamed from one side only.
    b.refs.partners.clear();
    (a, b)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn record_order_does_not_matter(ds in dataset()) {
        let q = query().compare(Compare::PreviousPeriod);
        let mut r = ds.clone();
        r.deals = r.deals.iter().rev().collect(); r.courses.reverse(); r.surveys = r.surveys.iter().rev().collect(); r.subscriptions = r.subscriptions.iter().rev().collect(); r.tickets.reverse();
        r.onboarding.reverse(); r.engagement.reverse(); r.referrals.reverse(); r.usage.reverse(); r.program_costs.reverse();
        prop_assert_eq!(ds.run(&q).unwrap(), r.run(&q).unwrap());
    }

    #[test]
    fn split_partial_merge_equals_whole(ds in dataset(), k in 0usize..30) {
        for q in [query(), Query::new(metrics(), Period::parse("2025-Q2").unwrap()).by(Dimension::PartnerTier).by(Dimension::Partner).rollup()] {
            let (a, b) = split(&ds, k);
            let mut pa = a.partial(&q).unwrap();
            let mut refs_b = b.refs.clone();
            refs_b.partners = ds.refs.partners.clone();
            let mut e = Engine::new(&q, &refs_b).unwrap();
            b.push_into(&mut e).unwrap();
            let pb: Partial = serde_json::from_str(&serde_json::to_string(&e.into_partial().unwrap()).unwrap()).unwrap();
            pa.merge(&pb).unwrap();
            prop_assert_eq!(pa.finish(&ds.refs).unwrap(), ds.run(&q).unwrap());
        }
    }

    #[test]
    fn bounds_and_identities(ds in dataset()) {
        let t = ds.run(&query()).unwrap();
        for c in &t.columns {
            if c.role != ColumnRole::Value { continue; }
            // Churn rates over a window of several months divide every churn event of the window
            // (new accounts that churn included) by the accounts / MRR at its start (ChartMogul's
            // definition): not proportions, they may exceed 1; the net MRR churn rate is negative
            // when existing customers grew.
            let period_rate = ["logo_churn_rate", "gross_mrr_churn_rate", "net_mrr_churn_rate"].contains(&c.name.as_str());
            let unit = !period_rate && (c.name.ends_with("rate") || c.name.ends_with("_share") || c.name.ends_with("_lo") || c.name.ends_with("_hi")
                || c.name.contains("win_rate") || ["csat", "grr"].contains(&c.name.as_str()));
            let i = t.column_index(&c.name).unwrap();
            for r in &t.rows {
                let Some(x) = r[i].as_f64() else { continue };
                prop_assert!(x.is_finite(), "{} = {}", c.name, x);
                if unit { prop_assert!((0.0..=1.0).contains(&x), "{} = {}", c.name, x); }
                if c.name == "nps" { prop_assert!((-100.0..=100.0).contains(&x)); }
                if c.name == "logo_churn_rate" || c.name == "gross_mrr_churn_rate" || c.name.ends_with("_mrr") && c.kind == ColumnKind::Money && c.name != "net_new_mrr" {
                    prop_assert!(x >= 0.0, "{} = {}", c.name, x);
                }
                if c.name == "nrr" || c.name.starts_with("mrr_") && c.kind == ColumnKind::Money { prop_assert!(x >= 0.0, "{} = {}", c.name, x); }
            }
        }
        for r in 0..t.rows.len() {
            let d = |c: &str| t.value(r, c).and_then(|v| v.as_decimal()).unwrap();
            let known = |c: &str| t.value(r, c).is_some_and(|v| !v.is_absent());
            // An edge month without any subscription row is unknown: its values are absent.
            prop_assert_eq!(known("mrr_end"), known("mrr_new"));
            prop_assert_eq!(known("mrr_start"), known("retention_mrr_start"));
            // end MRR = start + expansion − contraction − churn + new, exactly (both edges known).
            if known("mrr_end") && known("mrr_start") {
                prop_assert_eq!(d("mrr_end"), d("retention_mrr_start") + d("mrr_expansion") - d("mrr_contraction") - d("mrr_churned") + d("mrr_new"));
            }
            // MRR movements: ending = starting + net new, net new = the five movements (known windows).
            if known("ending_mrr") {
                prop_assert_eq!(d("ending_mrr"), d("starting_mrr") + d("net_new_mrr"));
                prop_assert_eq!(d("net_new_mrr"), d("new_mrr") + d("expansion_mrr") + d("reactivation_mrr") - d("contraction_mrr") - d("churned_mrr"));
            }
            prop_assert_eq!(d("partner_net_change"), d("partners_joined") - d("partners_left"));
            prop_assert_eq!(d("partner_net_change"), d("partners_end") - d("partners_start"));
        }
    }
}
