//! Hand-checked values for `channel_performance` (catalog section 3).

mod common;
use Channel::{Earned, Owned, Paid};
use channel_kpi::*;
use common::*;

fn won(id: &str, channel: Channel, source: &str, partner: &str, closed_on: &str, amount: &str) -> Deal {
    let mut d = closed(id, Some(partner), DealStatus::Won, "2025-01-01", closed_on, amount);
    d.channel = Some(channel);
    d.source = Some(source.into());
    d
}

/// Q1 2025, as_of 2025-03-31.
fn data() -> Dataset {
    let mut lost = closed("D6", Some("p1"), DealStatus::Lost, "2025-01-01", "2025-02-01", "50");
    lost.channel = Some(Paid);
    lost.source = Some("google".into());
    let mut data = dataset(vec![
        won("D1", Paid, "google", "p1", "2025-02-01", "1000"),
        won("D2", Paid, "google", "p1", "2025-04-15", "5000"), // won after the quarter
        won("D3", Paid, "linkedin", "p2", "2025-03-01", "3000"),
        won("D4", Earned, "referral", "p2", "2025-03-10", "1000"),
        won("D5", Owned, "webinar", "p2", "2025-03-20", "5000"), // no lead, no spend
        lost,
    ]);
    data.leads = vec![
        lead("L1", Paid, "google", "2025-01-05", Some("D1")),
        lead("L2", Paid, "google", "2025-01-10", None),
        lead("L3", Paid, "google", "2025-02-01", Some("D2")), // converts after as_of
        lead("L4", Paid, "google", "2024-12-30", None),       // before the quarter
        lead("L5", Paid, "linkedin", "2025-01-15", Some("D3")),
        lead("L6", Earned, "referral", "2025-01-20", None),
        lead("L7", Earned, "referral", "2025-02-20", Some("D4")),
    ]
    .into();
    data.spend = vec![
        spend(Paid, "google", "2025-01-01", "300"),
        spend(Paid, "google", "2025-02-01", "200"),
        spend(Paid, "google", "2025-04-01", "999"), // after the quarter
        spend(Paid, "linkedin", "2025-01-01", "1500"),
    ];
    data.validate().unwrap();
    data
}

fn q1() -> Query {
    Query::new(vec![Metric::ChannelPerformance], Period::parse("2025-Q1").unwrap())
}

#[test]
fn per_channel_and_source_with_rollup() {
    let t = data().run(&q1().by(Dimension::Channel).by(Dimension::Source).rollup()).unwrap();
    let at = |level: u64, key: &[Option<&str>], c: &str| rolled(&t, level, key, c).cloned();
    let g = [Some("paid"), Some("google")];
    assert_eq!(text(at(2, &g, "channel_leads").as_ref()), "3"); // L1, L2, L3
    assert_eq!(text(at(2, &g, "channel_converted").as_ref()), "1"); // L1 (L3 was won after as_of)
    assert_close(at(2, &g, "channel_lead_conversion").as_ref(), 1.0 / 3.0);
    assert_eq!(text(at(2, &g, "channel_won_deals").as_ref()), "1");
    assert_eq!(text(at(2, &g, "channel_revenue").as_ref()), "1000");
    assert_eq!(text(at(2, &g, "channel_spend").as_ref()), "500"); // 300 + 200
    assert_eq!(text(at(2, &g, "cost_per_lead").as_ref()), "166.666667"); // 500 ÷ 3, 6 places
    assert_eq!(text(at(2, &g, "cost_per_acquisition").as_ref()), "500");
    assert_close(at(2, &g, "channel_roi").as_ref(), 1.0); // (1000 − 500) ÷ 500
    // Revenue of the detail rows: 1000 + 3000 + 1000 + 5000 = 10000.
    assert_close(at(2, &g, "channel_revenue_share").as_ref(), 0.1);
    assert_close(at(2, &[Some("paid"), Some("linkedin")], "channel_revenue_share").as_ref(), 0.3);
    assert_close(at(2, &[Some("paid"), Some("linkedin")], "channel_roi").as_ref(), 1.0); // (3000 − 1500) ÷ 1500
    assert_close(at(2, &[Some("owned"), Some("webinar")], "channel_revenue_share").as_ref(), 0.5);

    // No spend recorded for earned media: spend and the ratios built on it are absent.
    let r = [Some("earned"), Some("referral")];
    assert_close(at(2, &r, "channel_lead_conversion").as_ref(), 0.5); // L7 of L6, L7
    for c in ["channel_spend", "cost_per_lead", "cost_per_acquisition", "channel_roi"] {
        assert_eq!(at(2, &r, c), Some(Value::Absent), "{c}");
    }
    // No leads: conversion absent, not 0.
    assert_eq!(at(2, &[Some("owned"), Some("webinar")], "channel_lead_conversion"), Some(Value::Absent));

    // Channel level: paid = google + linkedin, recomputed, not averaged.
    let p = [Some("paid"), None];
    assert_eq!(text(at(1, &p, "channel_leads").as_ref()), "4");
    assert_close(at(1, &p, "channel_lead_conversion").as_ref(), 0.5); // 2 ÷ 4
    assert_eq!(text(at(1, &p, "channel_spend").as_ref()), "2000");
    assert_eq!(text(at(1, &p, "cost_per_lead").as_ref()), "500"); // 2000 ÷ 4
    assert_eq!(text(at(1, &p, "cost_per_acquisition").as_ref()), "1000"); // 2000 ÷ 2
    assert_close(at(1, &p, "channel_roi").as_ref(), 1.0); // (4000 − 2000) ÷ 2000
    assert_close(at(1, &p, "channel_revenue_share").as_ref(), 0.4);

    // Grand total: share 1, spend 2000 over 6 leads and 4 won deals.
    let all = [None, None];
    assert_close(at(0, &all, "channel_revenue_share").as_ref(), 1.0);
    assert_eq!(text(at(0, &all, "cost_per_lead").as_ref()), "333.333333");
    assert_eq!(text(at(0, &all, "cost_per_acquisition").as_ref()), "500");
    assert_close(at(0, &all, "channel_roi").as_ref(), 4.0); // (10000 − 2000) ÷ 2000

    // The shares of each level sum to 1.
    let level_col = t.column_index("rollup_level").unwrap();
    for level in 0..=2 {
        let sum: f64 = (0..t.rows.len())
            .filter(|&r| t.rows[r][level_col] == Value::count(level))
            .filter_map(|r| t.value(r, "channel_revenue_share").and_then(Value::as_f64))
            .sum();
        assert!((sum - 1.0).abs() < 1e-12, "level {level}: {sum}");
    }
}

#[test]
fn grouping_by_partner_sees_no_spend() {
    let t = data().run(&q1().by(Dimension::Partner)).unwrap();
    // p2: D3 3000 + D4 1000 + D5 5000 = 9000 of 10000.
    assert_close(t.get(&[Some("p2")], "channel_revenue_share"), 0.9);
    assert_eq!(t.get(&[Some("p2")], "channel_spend"), Some(&Value::Absent));
    assert_eq!(t.get(&[Some("p2")], "channel_roi"), Some(&Value::Absent));
    // Leads carry no partner here: they form the empty-partner group.
    assert_eq!(text(t.get(&[None], "channel_leads")), "6");
}

#[test]
fn zero_spend_costs_nothing_but_has_no_roi() {
    let mut data = data();
    data.spend.push(spend(Earned, "referral", "2025-02-01", "0"));
    let t = data.run(&q1().by(Dimension::Channel).by(Dimension::Source)).unwrap();
    let r = [Some("earned"), Some("referral")];
    assert_eq!(text(t.get(&r, "channel_spend")), "0");
    assert_eq!(text(t.get(&r, "cost_per_lead")), "0");
    assert_eq!(t.get(&r, "channel_roi"), Some(&Value::Absent));
}

#[test]
fn losing_money_gives_a_negative_roi() {
    let mut data = data();
    data.spend.push(spend(Paid, "google", "2025-03-01", "1500")); // google spend 2000, revenue 1000
    let t = data.run(&q1().by(Dimension::Channel).by(Dimension::Source)).unwrap();
    assert_close(t.get(&[Some("paid"), Some("google")], "channel_roi"), -0.5); // (1000 − 2000) ÷ 2000
}
