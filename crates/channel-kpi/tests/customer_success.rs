//! Hand-checked values for the customer-success KPIs (catalog section 5).

mod common;
use channel_kpi::*;
use common::*;

fn sub(account: &str, month: &str, mrr: &str, partner: Option<&str>) -> SubscriptionMonth {
    let mut s = SubscriptionMonth::new(account, day(&format!("{month}-01")), usd(mrr));
    s.partner_id = partner.map(Into::into);
    s
}

fn run(ds: &mut Dataset, metrics: Vec<Metric>, period: &str) -> ResultTable {
    ds.validate().unwrap();
    ds.run(&Query::new(metrics, Period::parse(period).unwrap())).unwrap()
}

fn int(t: &ResultTable, col: &str) -> i64 {
    match t.value(0, col) {
        Some(Value::Int(i)) => *i,
        other => panic!("{col}: {other:?}"),
    }
}

fn num(t: &ResultTable, col: &str) -> Option<f64> {
    t.value(0, col).and_then(|v| v.as_f64())
}

/// 2025-Q1: start = December 2024, end = March 2025.
/// A 100 → 150 (expansion 50), B 100 → 50 (contraction 50), C 100 → 0 (churn 100),
/// D 0 → 80 (new), E 100 → 100. January rows do not matter.
fn mrr_dataset() -> Dataset {
    Dataset {
        subscriptions: vec![
            sub("A", "2024-12", "100", Some("P1")),
            sub("A", "2025-01", "999", Some("P1")),
            sub("A", "2025-03", "150", Some("P1")),
            sub("B", "2024-12", "100", Some("P1")),
            sub("B", "2025-03", "30", Some("P1")),
            sub("B", "2025-03", "20", Some("P1")), // two subscriptions of B add up to 50
            sub("C", "2024-12", "100", Some("P2")),
            sub("D", "2025-03", "80", Some("P2")),
            sub("E", "2024-12", "100", None),
            sub("E", "2025-03", "100", None),
        ]
        .into(),
        ..Default::default()
    }
}

#[test]
fn nrr_grr_and_movements() {
    // start 400; expansion 50, contraction 50, churn 100, new 80.
    // NRR = (400 + 50 − 50 − 100) ÷ 400 = 0.75; GRR = (400 − 50 − 100) ÷ 400 = 0.625.
    let t = run(&mut mrr_dataset(), vec![Metric::MrrRetention], "2025-Q1");
    assert_eq!(dec(&t, &[], "retention_mrr_start"), "400");
    assert_eq!(dec(&t, &[], "mrr_expansion"), "50");
    assert_eq!(dec(&t, &[], "mrr_contraction"), "50");
    assert_eq!(dec(&t, &[], "mrr_churned"), "100");
    assert_eq!(dec(&t, &[], "mrr_new"), "80");
    assert_eq!(dec(&t, &[], "nrr"), "0.75");
    assert_eq!(dec(&t, &[], "grr"), "0.625");
    // By sourcing partner: P1 (A, B): start 200, NRR (200 + 50 − 50) ÷ 200 = 1, GRR 150 ÷ 200 = 0.75.
    let mut ds = mrr_dataset();
    ds.validate().unwrap();
    let t = ds.run(&Query::new(vec![Metric::MrrRetention], Period::parse("2025-Q1").unwrap()).by(Dimension::Partner)).unwrap();
    assert_eq!(dec(&t, &[Some("P1")], "nrr"), "1");
    assert_eq!(dec(&t, &[Some("P1")], "grr"), "0.75");
    // P2: C churned, D is new → NRR 0, GRR 0; new 80 outside the ratios.
    assert_eq!(dec(&t, &[Some("P2")], "nrr"), "0");
    assert_eq!(dec(&t, &[Some("P2")], "mrr_new"), "80");
}

#[test]
fn account_retention_and_portfolio_growth() {
    // Active at start: A, B, C, E (4); still active at end: A, B, E → 3 ÷ 4 = 0.75, 1 churned.
    // Portfolio: accounts 4 → 4 (A, B, D, E): growth 0; MRR 400 → 150 + 50 + 80 + 100 = 380:
    // (380 − 400) ÷ 400 = −0.05.
    let t = run(&mut mrr_dataset(), vec![Metric::AccountRetention, Metric::PortfolioGrowth], "2025-Q1");
    assert_eq!(num(&t, "account_retention"), Some(0.75));
    assert_eq!(int(&t, "account_retention_n"), 4);
    assert_eq!(int(&t, "accounts_churned"), 1);
    assert_eq!(int(&t, "accounts_start"), 4);
    assert_eq!(int(&t, "accounts_end"), 4);
    assert_eq!(num(&t, "account_growth"), Some(0.0));
    assert_eq!(dec(&t, &[], "mrr_end"), "380");
    assert_eq!(num(&t, "mrr_growth"), Some(-0.05));
    // No account at the start (2024-Q1: nothing before) → absent, not 0.
    let t = run(&mut mrr_dataset(), vec![Metric::AccountRetention, Metric::MrrRetention, Metric::PortfolioGrowth], "2025-01");
    // January 2025: start = December (A, B, C, E), end = January (A only: 999).
    assert_eq!(num(&t, "account_retention"), Some(0.25));
    let mut empty = Dataset::default();
    empty.subscriptions.push(sub("Z", "2025-03", "10", None));
    let t = run(&mut empty, vec![Metric::AccountRetention, Metric::MrrRetention, Metric::PortfolioGrowth], "2025-Q1");
    assert_eq!(t.value(0, "account_retention"), Some(&Value::Absent));
    assert_eq!(t.value(0, "nrr"), Some(&Value::Absent));
    assert_eq!(t.value(0, "mrr_growth"), Some(&Value::Absent));
    assert_eq!(dec(&t, &[], "mrr_new"), "10");
}

#[test]
fn referrals_made_and_converted() {
    // March: 4 referrals (3 by P1, 1 by a customer); R1 converted in April, R2 converts after
    // as_of (2025-04-30) → 1 ÷ 4 = 0.25. R5 in February is outside.
    let r = |id: &str, on: &str, partner: Option<&str>, conv: Option<&str>| Referral {
        id: id.into(),
        referred_on: day(on),
        referrer_account_id: partner.is_none().then(|| "A1".to_string()),
        partner_id: partner.map(Into::into),
        referred_account_id: Some(format!("N{id}")),
        converted_on: conv.map(day),
    };
    let mut ds = Dataset {
        referrals: vec![
            r("R1", "2025-03-01", Some("P1"), Some("2025-04-10")),
            r("R2", "2025-03-02", Some("P1"), Some("2025-05-10")),
            r("R3", "2025-03-03", Some("P1"), None),
            r("R4", "2025-03-04", None, None),
            r("R5", "2025-02-04", None, Some("2025-02-20")),
        ],
        ..Default::default()
    };
    ds.validate().unwrap();
    let q = Query::new(vec![Metric::Referrals], Period::parse("2025-03").unwrap()).as_of(day("2025-04-30"));
    let t = ds.run(&q).unwrap();
    assert_eq!(int(&t, "referrals_made"), 4);
    assert_eq!(int(&t, "referrals_converted"), 1);
    assert_eq!(num(&t, "referral_conversion_rate"), Some(0.25));
    let t = ds.run(&q.by(Dimension::Partner)).unwrap();
    assert_eq!(t.get(&[Some("P1")], "referrals_made"), Some(&Value::Int(3)));
    assert_eq!(t.get(&[None], "referrals_made"), Some(&Value::Int(1)));
}

#[test]
fn product_adoption_share_users_features() {
    // March 2025: A, B, C, D subscribed. A used 3 features with 5 users (and 1/1 in another row
    // of March: max is kept), B 1 feature with 1 user, C a row with 0 users (not active).
    // → adoption 2 ÷ 4 = 0.5, users per active account (5 + 1) ÷ 2 = 3, features (3 + 1) ÷ 2 = 2.
    let u = |a: &str, users: u32, features: u32| ProductUsage {
        account_id: a.into(),
        month: day("2025-03-15"),
        active_users: users,
        features_used: features,
        partner_id: None,
    };
    let mut ds = Dataset::default();
    for a in ["A", "B", "C", "D"] {
        ds.subscriptions.push(sub(a, "2025-03", "10", None));
    }
    ds.usage = vec![u("A", 5, 3), u("A", 1, 1), u("B", 1, 1), u("C", 0, 0)];
    let t = run(&mut ds, vec![Metric::ProductAdoption], "2025-03");
    assert_eq!(num(&t, "product_adoption_rate"), Some(0.5));
    assert_eq!(int(&t, "product_adoption_rate_n"), 4);
    assert_eq!(num(&t, "users_per_account"), Some(3.0));
    assert_eq!(num(&t, "features_per_account"), Some(2.0));
}

#[test]
fn tickets_onboarding_engagement() {
    let mut ds = Dataset::default();
    for a in ["A", "B", "C", "D"] {
        ds.subscriptions.push(sub(a, "2025-03", "10", None));
    }
    // 3 tickets opened in March by A, A, B → 3 ÷ 4 accounts = 0.75. Closed in March: T1 after
    // 2 days, T2 after 4 → resolution mean 3, median 3. T4 (February) is outside.
    let t = |id: &str, a: &str, o: &str, c: Option<&str>| SupportTicket {
        id: id.into(),
        account_id: a.into(),
        opened_on: day(o),
        closed_on: c.map(day),
        partner_id: None,
    };
    ds.tickets = vec![
        t("T1", "A", "2025-03-01", Some("2025-03-03")),
        t("T2", "A", "2025-03-05", Some("2025-03-09")),
        t("T3", "B", "2025-03-10", None),
        t("T4", "C", "2025-02-10", None),
    ];
    // Onboardings completed in March after 10, 20 and 60 days → mean 30, median 20; one started
    // in March still running.
    let o = |a: &str, s: &str, c: Option<&str>| Onboarding {
        account_id: a.into(),
        started_on: day(s),
        completed_on: c.map(day),
        partner_id: None,
    };
    ds.onboarding = vec![
        o("A", "2025-02-19", Some("2025-03-01")),
        o("B", "2025-02-09", Some("2025-03-01")),
        o("C", "2025-01-01", Some("2025-03-02")),
        o("D", "2025-03-20", None),
    ];
    // 6 events in March from A and B over 4 account-months → 1.5 per account per month.
    for (a, d) in [("A", "01"), ("A", "02"), ("A", "03"), ("B", "04"), ("B", "05"), ("B", "06")] {
        ds.engagement.push(EngagementEvent {
            account_id: a.into(),
            occurred_on: day(&format!("2025-03-{d}")),
            kind: Some("login".into()),
            partner_id: None,
        });
    }
    let t = run(&mut ds, vec![Metric::SupportTickets, Metric::OnboardingTime, Metric::MonthlyEngagement], "2025-03");
    assert_eq!(int(&t, "tickets_opened"), 3);
    assert_eq!(int(&t, "ticket_accounts"), 4);
    assert_eq!(num(&t, "tickets_per_account"), Some(0.75));
    assert_eq!(num(&t, "ticket_resolution_days"), Some(3.0));
    assert_eq!(num(&t, "onboarding_days"), Some(30.0));
    assert_eq!(num(&t, "onboarding_days_median"), Some(20.0));
    assert_eq!(int(&t, "onboardings_completed"), 3);
    assert_eq!(int(&t, "onboardings_in_progress"), 1);
    assert_eq!(int(&t, "engagement_events"), 6);
    assert_eq!(int(&t, "engaged_accounts"), 2);
    assert_eq!(int(&t, "active_account_months"), 4);
    assert_eq!(num(&t, "engagement_per_account_month"), Some(1.5));
    // Over 2025-Q1 the same 4 subscriptions give 4 account-months (only March has rows).
    let t = run(&mut ds, vec![Metric::MonthlyEngagement, Metric::SupportTickets], "2025-Q1");
    assert_eq!(int(&t, "active_account_months"), 4);
    assert_eq!(int(&t, "tickets_opened"), 4);
}

#[test]
fn bad_records_are_named() {
    let mut ds = Dataset::default();
    ds.tickets.push(SupportTicket {
        id: "T9".into(),
        account_id: "A".into(),
        opened_on: day("2025-03-05"),
        closed_on: Some(day("2025-03-01")),
        partner_id: None,
    });
    let e = ds.validate().unwrap_err().to_string();
    assert!(e.contains("ticket T9") && e.contains("closed_on") && e.contains("2025-03-01"), "{e}");
    let mut ds = Dataset::default();
    ds.subscriptions.push(sub("A", "2025-03", "-5", Some("P1")));
    let e = ds.validate().unwrap_err().to_string();
    assert!(e.contains("subscription A 2025-03") && e.contains("negative"), "{e}");
    // A record naming an unknown partner, when partners are given.
    let mut ds = Dataset::default();
    ds.refs.add_partners([Partner::new("P1")]).unwrap();
    ds.subscriptions.push(sub("A", "2025-03", "5", Some("P7")));
    let e = ds.validate().unwrap_err().to_string();
    assert!(e.contains("unknown partner") && e.contains("P7"), "{e}");
}
