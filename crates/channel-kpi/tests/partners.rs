//! Hand-checked values for the partner-program KPIs (catalog section 4).

mod common;
use channel_kpi::*;
use common::*;

fn partner(id: &str, tier: &str, joined: Option<&str>, left: Option<&str>) -> Partner {
    let mut p = Partner::new(id);
    p.tier = Some(tier.into());
    p.joined_on = joined.map(day);
    p.left_on = left.map(day);
    p
}

fn with_partners(mut ds: Dataset, ps: Vec<Partner>) -> Dataset {
    ds.refs.add_partners(ps).unwrap();
    ds.validate().unwrap();
    ds
}

fn int(t: &ResultTable, key: &[Option<&str>], col: &str) -> i64 {
    match t.get(key, col) {
        Some(Value::Int(i)) => *i,
        other => panic!("{col}: {other:?}"),
    }
}

#[test]
fn partner_count_change_start_end_joined_left_churn() {
    // 2025: P1, P2, P3 (gold) and P4 (silver) active at 2025-01-01; P5 (silver) joins in March;
    // P2 leaves in May; P6 joined and left in 2024 (not counted).
    // start 4, end 4 (P1 P3 P4 P5), joined 1, left 1, net 0, churn 1 of 4 at start = 0.25.
    let ps = vec![
        partner("P1", "gold", Some("2023-05-01"), None),
        partner("P2", "gold", Some("2023-05-01"), Some("2025-05-10")),
        partner("P3", "gold", None, None),
        partner("P4", "silver", Some("2024-12-31"), None),
        partner("P5", "silver", Some("2025-03-01"), None),
        partner("P6", "silver", Some("2024-01-01"), Some("2024-06-01")),
    ];
    let ds = with_partners(Dataset::default(), ps);
    let q = Query::new(vec![Metric::PartnerCountChange], Period::parse("2025").unwrap());
    let t = ds.run(&q).unwrap();
    for (c, v) in [("partners_start", 4), ("partners_end", 4), ("partners_joined", 1), ("partners_left", 1), ("partner_net_change", 0)] {
        assert_eq!(int(&t, &[], c), v, "{c}");
    }
    assert_eq!(f(&t, &[], "partner_churn_rate"), Some(0.25));
    // By tier: gold 3 → 2 (P2 left, churn 1/3); silver 1 → 2 (P5 joined, churn 0).
    let t = ds.run(&q.clone().by(Dimension::PartnerTier)).unwrap();
    assert_eq!(int(&t, &[Some("gold")], "partners_start"), 3);
    assert_eq!(int(&t, &[Some("gold")], "partner_net_change"), -1);
    assert!((f(&t, &[Some("gold")], "partner_churn_rate").unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(int(&t, &[Some("silver")], "partners_end"), 2);
    assert_eq!(f(&t, &[Some("silver")], "partner_churn_rate"), Some(0.0));
    // Quarterly: P4 joined 2024-12-31, so active at the start of Q1; P5 joins in Q1.
    let t = ds.run(&q.buckets(Bucket::Quarter)).unwrap();
    let q1 = t.rows_for(&[])[0];
    assert_eq!(t.value(q1, "partners_start"), Some(&Value::Int(4)));
    assert_eq!(t.value(q1, "partners_end"), Some(&Value::Int(5)));
}

#[test]
fn partner_revenue_share_roi_and_previous_period() {
    // 2025-Q2: P1 won 1,000 + 2,000 = 3,000, program cost 1,000 (MDF, period 2025-Q2) → ROI 2;
    // P2 won 1,000, no cost → ROI absent; shares 0.75 / 0.25. Q1 (previous): P1 won 500.
    let mut ds = dataset(vec![
        closed("1", Some("P1"), DealStatus::Won, "2025-03-01", "2025-04-10", "1000"),
        closed("2", Some("P1"), DealStatus::Won, "2025-03-01", "2025-05-10", "2000"),
        closed("3", Some("P2"), DealStatus::Won, "2025-03-01", "2025-06-30", "1000"),
        closed("4", Some("P1"), DealStatus::Won, "2025-01-01", "2025-02-01", "500"),
        closed("5", Some("P2"), DealStatus::Lost, "2025-03-01", "2025-05-10", "9999"),
    ]);
    ds.program_costs.push(ProgramCost {
        partner_id: "P1".into(),
        period: Period::parse("2025-Q2").unwrap(),
        kind: CostKind::Mdf,
        amount: usd("1000"),
    });
    // A cost whose period starts in Q3 does not count in Q2.
    ds.program_costs.push(ProgramCost {
        partner_id: "P2".into(),
        period: Period::parse("2025-Q3").unwrap(),
        kind: CostKind::Training,
        amount: usd("50"),
    });
    ds.validate().unwrap();
    let q = Query::new(vec![Metric::PartnerRevenue], Period::parse("2025-Q2").unwrap()).by(Dimension::Partner);
    let t = ds.run(&q).unwrap();
    assert_eq!(dec(&t, &[Some("P1")], "partner_revenue"), "3000");
    assert_eq!(dec(&t, &[Some("P1")], "program_cost"), "1000");
    assert_eq!(f(&t, &[Some("P1")], "partner_roi"), Some(2.0));
    assert_eq!(f(&t, &[Some("P1")], "partner_revenue_share"), Some(0.75));
    assert_eq!(f(&t, &[Some("P2")], "partner_revenue_share"), Some(0.25));
    assert_eq!(t.get(&[Some("P2")], "partner_roi"), Some(&Value::Absent));
    // Always compared with the previous period: P1 500 → 3000, +2500, +500 %.
    assert_eq!(dec(&t, &[Some("P1")], "partner_revenue_prev"), "500");
    assert_eq!(dec(&t, &[Some("P1")], "partner_revenue_change"), "2500");
    assert_eq!(f(&t, &[Some("P1")], "partner_revenue_change_pct"), Some(5.0));
}

#[test]
fn stage_influence_shares_and_win_rates() {
    // Closed in 2025: D1 won 1,000 (partner generated the lead), D2 lost 500 (lead generation and
    // qualification), D3 won 1,500 (none), D4 lost 1,000 (none). Total value 4,000.
    // Lead generation: 2 of 4 deals = 0.5; value 1,500 ÷ 4,000 = 0.375; win rate with 1/2,
    // without 1/2. Qualification: 1 of 4 = 0.25; value 500/4000 = 0.125; with 0/1; without 2/3.
    // Value delivery: no deal → share 0, win rate with absent, without 2/4.
    let mut deals = vec![
        closed("1", Some("P1"), DealStatus::Won, "2025-01-01", "2025-02-01", "1000"),
        closed("2", Some("P1"), DealStatus::Lost, "2025-01-01", "2025-02-01", "500"),
        closed("3", None, DealStatus::Won, "2025-01-01", "2025-02-01", "1500"),
        closed("4", None, DealStatus::Lost, "2025-01-01", "2025-02-01", "1000"),
    ];
    deals[0].partner_stages = PartnerStages::parse("lead_generation").unwrap();
    deals[1].partner_stages = PartnerStages::parse("lead_generation;qualification").unwrap();
    let t = dataset(deals).run(&Query::new(vec![Metric::PartnerStageInfluence], Period::parse("2025").unwrap())).unwrap();
    assert_eq!(int(&t, &[], "influence_closed_deals"), 4);
    assert_eq!(f(&t, &[], "influence_lead_generation_deal_share"), Some(0.5));
    assert_eq!(f(&t, &[], "influence_lead_generation_value_share"), Some(0.375));
    assert_eq!(f(&t, &[], "influence_lead_generation_win_rate_with"), Some(0.5));
    assert_eq!(f(&t, &[], "influence_lead_generation_win_rate_without"), Some(0.5));
    assert_eq!(f(&t, &[], "influence_qualification_deal_share"), Some(0.25));
    assert_eq!(f(&t, &[], "influence_qualification_value_share"), Some(0.125));
    assert_eq!(f(&t, &[], "influence_qualification_win_rate_with"), Some(0.0));
    assert!((f(&t, &[], "influence_qualification_win_rate_without").unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(f(&t, &[], "influence_value_delivery_deal_share"), Some(0.0));
    assert_eq!(t.get(&[], "influence_value_delivery_win_rate_with"), Some(&Value::Absent));
}

#[test]
fn registered_deals_active_open_and_conversion() {
    // as_of 2025-03-31, active = moved within the last 30 days: after 2025-03-01.
    let reg = |mut d: Deal, on: &str, st: Option<RegistrationStatus>, moves: &[&str]| {
        d.registered_on = Some(day(on));
        d.registration_status = st;
        d.stage_history = moves.iter().map(|m| StageEntry { stage: "S".into(), entered_on: day(m) }).collect();
        d
    };
    let deals = vec![
        // Q1 registrations: A open, moved 03-15 → active; B open, last move 02-01 → not active;
        // C won 03-20 (closed: not active, converted); D rejected, open, moved 03-30 → not active.
        reg(open("A", Some("P1"), "2025-01-05", "10"), "2025-01-10", Some(RegistrationStatus::Approved), &["2025-01-10", "2025-03-15"]),
        reg(open("B", Some("P1"), "2025-01-05", "10"), "2025-01-10", Some(RegistrationStatus::Approved), &["2025-02-01"]),
        reg(
            closed("C", Some("P1"), DealStatus::Won, "2025-01-05", "2025-03-20", "10"),
            "2025-02-01",
            Some(RegistrationStatus::Approved),
            &["2025-02-01"],
        ),
        reg(open("D", Some("P1"), "2025-01-05", "10"), "2025-02-10", Some(RegistrationStatus::Rejected), &["2025-03-30"]),
        // Registered in 2024 and still moving: active as at 2025-03-31, not registered in Q1.
        reg(open("E", Some("P1"), "2024-11-01", "10"), "2024-11-02", Some(RegistrationStatus::Approved), &["2025-03-31"]),
        // Not registered at all.
        open("F", Some("P1"), "2025-01-05", "10"),
    ];
    let t = dataset(deals).run(&Query::new(vec![Metric::RegisteredDeals], Period::parse("2025-Q1").unwrap())).unwrap();
    assert_eq!(int(&t, &[], "registered_deals"), 4);
    assert_eq!(int(&t, &[], "registered_approved"), 3);
    assert_eq!(int(&t, &[], "registered_rejected"), 1);
    assert_eq!(int(&t, &[], "registered_open"), 3); // A, B, D
    assert_eq!(int(&t, &[], "registered_active"), 2); // A, E
    assert_eq!(f(&t, &[], "registered_to_won_rate"), Some(0.25)); // C of 4
}

#[test]
fn avg_closed_deal_size_and_time_to_close_equal_the_deal_kpis() {
    let ds = dataset(vec![
        closed("1", Some("P1"), DealStatus::Won, "2025-01-01", "2025-01-11", "200"), // 10 days
        closed("2", Some("P1"), DealStatus::Won, "2025-01-01", "2025-01-31", "400"), // 30 days
        closed("3", Some("P2"), DealStatus::Won, "2025-01-01", "2025-03-02", "1000"), // 60 days
        closed("4", Some("P1"), DealStatus::Lost, "2025-01-01", "2025-01-31", "50"),
    ]);
    let q = Query::new(
        vec![Metric::AvgClosedDealSize, Metric::TimeToClose, Metric::AvgDealSize, Metric::SalesCycleDays],
        Period::parse("2025").unwrap(),
    )
    .by(Dimension::Partner);
    let t = ds.run(&q).unwrap();
    // P1: (200 + 400) ÷ 2 = 300; cycle (10 + 30) ÷ 2 = 20.
    assert_eq!(dec(&t, &[Some("P1")], "avg_closed_deal_size"), "300");
    assert_eq!(f(&t, &[Some("P1")], "time_to_close_days"), Some(20.0));
    assert_eq!(f(&t, &[Some("P2")], "time_to_close_days_median"), Some(60.0));
    for p in ["P1", "P2"] {
        assert_eq!(t.get(&[Some(p)], "avg_closed_deal_size"), t.get(&[Some(p)], "avg_deal_size"));
        assert_eq!(t.get(&[Some(p)], "time_to_close_days"), t.get(&[Some(p)], "sales_cycle_days"));
    }
}

#[test]
fn courses_per_partner_and_participation() {
    // 4 active partners in 2025 (P4 left 2024 is not active). P1 attended A (twice) and B,
    // completed A; P2 attended A; → 3 courses attended, 1 completed, 2 partners with a course,
    // 3 ÷ 4 = 0.75 courses per partner, participation 2 ÷ 4 = 0.5.
    let ps = vec![
        partner("P1", "gold", None, None),
        partner("P2", "gold", None, None),
        partner("P3", "silver", None, None),
        partner("P5", "silver", Some("2025-06-01"), None),
        partner("P4", "silver", Some("2023-01-01"), Some("2024-06-01")),
    ];
    let mut ds = Dataset::default();
    let mut a = CourseAttendance::new("P1", "A", day("2025-02-01"));
    a.completed_on = Some(day("2025-02-20"));
    ds.courses.push(a);
    ds.courses.push(CourseAttendance::new("P1", "A", day("2025-03-01")));
    ds.courses.push(CourseAttendance::new("P1", "B", day("2025-04-01")));
    ds.courses.push(CourseAttendance::new("P2", "A", day("2025-05-01")));
    ds.courses.push(CourseAttendance::new("P3", "A", day("2024-05-01"))); // 2024: not counted
    let ds = with_partners(ds, ps);
    let t = ds.run(&Query::new(vec![Metric::CoursesPerPartner], Period::parse("2025").unwrap())).unwrap();
    assert_eq!(int(&t, &[], "courses_attended"), 3);
    assert_eq!(int(&t, &[], "courses_completed"), 1);
    assert_eq!(int(&t, &[], "partners_with_course"), 2);
    assert_eq!(int(&t, &[], "active_partners"), 4);
    assert_eq!(f(&t, &[], "courses_per_partner"), Some(0.75));
    assert_eq!(f(&t, &[], "course_participation_rate"), Some(0.5));
    // Per partner: P3 is active with no course → 0 courses, participation 0.
    let t = ds.run(&Query::new(vec![Metric::CoursesPerPartner], Period::parse("2025").unwrap()).by(Dimension::Partner)).unwrap();
    assert_eq!(int(&t, &[Some("P1")], "courses_attended"), 2);
    assert_eq!(f(&t, &[Some("P3")], "courses_per_partner"), Some(0.0));
    assert!(t.rows_for(&[Some("P4")]).is_empty());
}

fn survey(kind: SurveyKind, partner: &str, score: i64, on: &str, topic: Option<SurveyTopic>) -> SurveyResponse {
    let scale = if kind == SurveyKind::Nps { 10 } else { 5 };
    let mut s = SurveyResponse::new(kind, scale, score.into(), day(on));
    s.partner_id = Some(partner.into());
    s.topic = topic;
    s
}

#[test]
fn csat_and_nps_per_partner() {
    // P1 CSAT 5, 4, 3, 2 → 2 of 4 ≥ 4 = 0.5, mean 3.5; NPS 10, 9, 8, 3 → (2 − 1) ÷ 4 × 100 = 25.
    // P2 one CSAT answer 1 → 0, and no NPS → absent (small partners are tracked too).
    let mut ds = Dataset::default();
    for s in [5, 4, 3, 2] {
        ds.surveys.push(survey(SurveyKind::Csat, "P1", s, "2025-02-01", None));
    }
    for s in [10, 9, 8, 3] {
        ds.surveys.push(survey(SurveyKind::Nps, "P1", s, "2025-02-01", None));
    }
    ds.surveys.push(survey(SurveyKind::Csat, "P2", 1, "2025-03-01", None));
    ds.validate().unwrap();
    let q = Query::new(vec![Metric::PartnerCsat], Period::parse("2025-Q1").unwrap()).by(Dimension::Partner);
    let t = ds.run(&q).unwrap();
    assert_eq!(f(&t, &[Some("P1")], "csat"), Some(0.5));
    assert_eq!(f(&t, &[Some("P1")], "csat_mean"), Some(3.5));
    assert_eq!(f(&t, &[Some("P1")], "nps"), Some(25.0));
    assert_eq!(int(&t, &[Some("P1")], "nps_promoters"), 2);
    assert_eq!(f(&t, &[Some("P2")], "csat"), Some(0.0));
    assert_eq!(t.get(&[Some("P2")], "nps"), Some(&Value::Absent));
    // A threshold of 3 counts 5, 4, 3 → 0.75.
    let mut q3 = q.clone();
    q3.options.csat_threshold = 3;
    assert_eq!(f(&ds.run(&q3).unwrap(), &[Some("P1")], "csat"), Some(0.75));
    // An answer on a 1–10 scale cannot be pooled with a 1–5 query: the error names it.
    let mut bad = survey(SurveyKind::Csat, "P1", 7, "2025-02-01", None);
    bad.scale = 10;
    bad.id = Some("R9".into());
    ds.surveys.push(bad);
    let e = ds.run(&q).unwrap_err().to_string();
    assert!(e.contains("survey R9") && e.contains("scale") && e.contains("10"), "{e}");
    // Impossible scores are rejected when validating.
    let mut ds2 = Dataset::default();
    ds2.surveys.push(survey(SurveyKind::Csat, "P1", 6, "2025-02-01", None));
    assert!(ds2.validate().unwrap_err().to_string().contains("outside the scale"));
}

#[test]
fn partner_satisfaction_by_topic_and_quarter() {
    // Q1: rewards 2 and 4, training 5 → mean 11 ÷ 3, rewards mean 3, scores 2, 4, 5 once each.
    // Q2: rewards 5 → rewards mean 5, change vs Q1 +2.
    let mut ds = Dataset::default();
    ds.surveys.push(survey(SurveyKind::PartnerSatisfaction, "P1", 2, "2025-01-15", Some(SurveyTopic::Rewards)));
    ds.surveys.push(survey(SurveyKind::PartnerSatisfaction, "P2", 4, "2025-02-15", Some(SurveyTopic::Rewards)));
    ds.surveys.push(survey(SurveyKind::PartnerSatisfaction, "P1", 5, "2025-03-15", Some(SurveyTopic::Training)));
    ds.surveys.push(survey(SurveyKind::PartnerSatisfaction, "P1", 5, "2025-04-15", Some(SurveyTopic::Rewards)));
    ds.surveys.push(survey(SurveyKind::Csat, "P1", 1, "2025-01-15", None)); // not a partner answer
    ds.validate().unwrap();
    let q =
        Query::new(vec![Metric::PartnerSatisfaction], Period::parse("2025-H1").unwrap_or(Period::parse("2025-01-01..2025-07-01").unwrap()))
            .buckets(Bucket::Quarter)
            .compare(Compare::PreviousPeriod);
    let t = ds.run(&q).unwrap();
    let (q1, q2) = (0, 1);
    assert_eq!(t.value(q1, "satisfaction_responses"), Some(&Value::Int(3)));
    assert!((t.value(q1, "satisfaction_mean").unwrap().as_f64().unwrap() - 11.0 / 3.0).abs() < 1e-12);
    assert_eq!(t.value(q1, "satisfaction_rewards_mean").unwrap().as_f64(), Some(3.0));
    assert_eq!(t.value(q1, "satisfaction_training_n"), Some(&Value::Int(1)));
    assert_eq!(t.value(q1, "satisfaction_support_mean"), Some(&Value::Absent));
    assert_eq!(t.value(q1, "satisfaction_score_4"), Some(&Value::Int(1)));
    assert_eq!(t.value(q1, "satisfaction_score_1"), Some(&Value::Int(0)));
    assert_eq!(t.value(q2, "satisfaction_rewards_mean").unwrap().as_f64(), Some(5.0));
    assert_eq!(t.value(q2, "satisfaction_rewards_mean_change").unwrap().as_f64(), Some(2.0));
    // Grouping by the topic works too.
    let t =
        ds.run(&Query::new(vec![Metric::PartnerSatisfaction], Period::parse("2025").unwrap()).by("attr:topic".parse().unwrap())).unwrap();
    assert_eq!(t.get(&[Some("rewards")], "satisfaction_responses"), Some(&Value::Int(3)));
}
