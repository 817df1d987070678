//! Hand-checked values for the pipeline KPIs at an instant (catalog section 2): `pipeline`,
//! `pipeline_coverage`, `pipeline_change`, `pipeline_aging`.

mod common;
use channel_kpi::*;
use common::*;

const STAGES: &[(&str, &str)] = &[("Lead", "0.1"), ("Demo", "0.2"), ("Proposal", "0.6"), ("Won", "1"), ("Lost", "0")];

fn march() -> Period {
    Period::parse("2025-03").unwrap() // S = 2025-03-01, T = 2025-04-01
}

fn pipeline_deals() -> Vec<Deal> {
    let mut c = open("C", None, "2025-03-05", "0");
    c.amount = None; // unvalued
    let d = open("D", None, "2025-03-10", "200"); // no stage at all: unstaged
    vec![
        with_history(open("A", None, "2025-01-10", "1000"), &[("Lead", "2025-01-10"), ("Demo", "2025-02-01")]),
        with_history(open("B", None, "2025-02-01", "500"), &[("Lead", "2025-02-01"), ("Proposal", "2025-03-31")]),
        with_history(c, &[("Demo", "2025-03-05")]),
        d,
        // Won during 2025-04-01: still open at the instant T; entered Won on T, so Proposal at T.
        with_history(
            closed("E", None, DealStatus::Won, "2025-02-01", "2025-04-01", "300"),
            &[("Lead", "2025-02-01"), ("Proposal", "2025-03-20"), ("Won", "2025-04-01")],
        ),
        open("F", None, "2025-04-01", "9999"), // created on T: not yet open
        closed("G", None, DealStatus::Lost, "2025-01-01", "2025-03-31", "8888"), // closed before T
    ]
}

#[test]
fn pipeline_counts_values_and_weights_open_deals_at_the_instant() {
    let mut data = dataset(pipeline_deals());
    data.refs.pipeline = pipeline_def(STAGES);
    let t = data.run(&Query::new(vec![Metric::Pipeline], march())).unwrap();
    assert_eq!(t.rows.len(), 1);
    // Open at 2025-04-01: A, B, C, D, E.
    assert_eq!(text(t.value(0, "pipeline_count")), "5");
    // 1000 + 500 + 200 + 300 (C has no amount).
    assert_eq!(text(t.value(0, "pipeline_value")), "2000");
    assert_eq!(text(t.value(0, "pipeline_unvalued_count")), "1");
    // A 1000 × 0.2 (Demo) + B 500 × 0.6 (Proposal) + E 300 × 0.6 (Proposal) = 200 + 300 + 180.
    assert_eq!(text(t.value(0, "pipeline_weighted_value")), "680");
    assert_eq!(text(t.value(0, "pipeline_unstaged_count")), "1"); // D
    assert_eq!(text(t.value(0, "pipeline_value_lead")), "0");
    assert_eq!(text(t.value(0, "pipeline_value_demo")), "1000");
    assert_eq!(text(t.value(0, "pipeline_value_proposal")), "800"); // B 500 + E 300
    assert!(t.column_index("pipeline_value_won").is_none(), "terminal stages get no column");
}

#[test]
fn pipeline_without_a_definition_has_no_weighted_value() {
    let data = dataset(pipeline_deals());
    let t = data.run(&Query::new(vec![Metric::Pipeline], march())).unwrap();
    assert_eq!(text(t.value(0, "pipeline_value")), "2000");
    assert_eq!(t.value(0, "pipeline_weighted_value"), Some(&Value::Absent));
    assert_eq!(t.value(0, "pipeline_unstaged_count"), Some(&Value::Absent));
    assert!(t.column_index("pipeline_value_demo").is_none());
}

#[test]
fn stage_columns_are_slugs_and_colliding_slugs_are_rejected() {
    let mut data = dataset(vec![open("A", None, "2025-01-10", "10")]);
    data.refs.pipeline = pipeline_def(&[("Needs Analysis", "0.3"), ("Closed Won", "1")]);
    let t = data.run(&Query::new(vec![Metric::Pipeline], march())).unwrap();
    assert!(t.column_index("pipeline_value_needs_analysis").is_some());
    data.refs.pipeline = pipeline_def(&[("Needs Analysis", "0.3"), ("needs-analysis", "0.4")]);
    let e = data.run(&Query::new(vec![Metric::Pipeline], march())).unwrap_err();
    assert!(matches!(e, Error::Query(_)) && e.to_string().contains("needs_analysis"), "{e}");
}

#[test]
fn coverage_prorates_targets_and_keeps_levels_apart() {
    let mut data = dataset(vec![
        open("1", Some("p1"), "2024-12-01", "6000"),
        closed("2", Some("p1"), DealStatus::Won, "2024-12-01", "2025-01-15", "1000"),
        closed("3", Some("p2"), DealStatus::Won, "2025-01-02", "2025-01-20", "100"),
        open("4", Some("p3"), "2025-01-05", "2000"),
    ]);
    data.targets = vec![
        target(Dimension::Partner, Some("p1"), "2025", "36500"), // 36500 × 31 ÷ 365 = 3100 in January
        target(Dimension::Partner, Some("p1"), "2025-01", "900"), // inside: counts fully
        target(Dimension::Partner, Some("p1"), "2024", "1000000"), // no overlap
        target(Dimension::Partner, Some("p2"), "2025-Q1", "1000"), // 1000 × 31 ÷ 90 = 344.444444(4…)
        target(Dimension::Partner, Some("p4"), "2025-01", "700"), // a goal, no deals
        target(Dimension::All, None, "2025-01", "10000"),        // the company goal
    ];
    let q = Query::new(vec![Metric::PipelineCoverage], Period::parse("2025-01").unwrap()).by(Dimension::Partner).rollup();
    let t = data.run(&q).unwrap();
    let p = |k: &str, c: &str| rolled(&t, 1, &[Some(k)], c);
    assert_eq!(text(p("p1", "coverage_target")), "4000"); // 3100 + 900
    assert_close(p("p1", "pipeline_coverage"), 1.5); // 6000 open at 2025-02-01 ÷ 4000
    assert_close(p("p1", "attainment"), 0.25); // 1000 won ÷ 4000
    assert_eq!(text(p("p2", "coverage_target")), "344.444444");
    assert_close(p("p2", "attainment"), 100.0 / 344.444444);
    assert_close(p("p2", "pipeline_coverage"), 0.0);
    // No target: absent, while the numerators are still reported.
    assert_eq!(p("p3", "coverage_target"), Some(&Value::Absent));
    assert_eq!(p("p3", "pipeline_coverage"), Some(&Value::Absent));
    assert_eq!(p("p3", "attainment"), Some(&Value::Absent));
    assert_eq!(text(p("p3", "coverage_pipeline_value")), "2000");
    // A target without deals still makes a row: nothing open, nothing won.
    assert_close(p("p4", "pipeline_coverage"), 0.0);
    // Grand total: only the company target counts (partner targets are not summed into it).
    let all = |c: &str| rolled(&t, 0, &[None], c);
    assert_eq!(text(all("coverage_target")), "10000");
    assert_close(all("pipeline_coverage"), 0.8); // (6000 + 2000) ÷ 10000
    assert_close(all("attainment"), 0.11); // (1000 + 100) ÷ 10000
}

fn change_deals() -> Vec<Deal> {
    let mut b =
        with_history(open("B", None, "2025-02-01", "500"), &[("Lead", "2025-02-01"), ("Proposal", "2025-02-15"), ("Demo", "2025-03-20")]);
    b.expected_close_on = Some(day("2025-03-25")); // expected in March, still open: slipped
    let mut e = open("E", None, "2025-03-05", "250");
    e.expected_close_on = Some(day("2025-04-15")); // expected later: not slipped
    let mut g = open("G", None, "2025-01-01", "100");
    g.stage = Some("Demo".into()); // no history: Demo at both instants
    g.expected_close_on = Some(day("2025-02-20")); // overdue, but it slipped in February, not March
    vec![
        with_history(open("A", None, "2025-01-10", "1000"), &[("Lead", "2025-01-10"), ("Demo", "2025-03-10")]),
        b,
        closed("C", None, DealStatus::Won, "2025-02-10", "2025-03-15", "400"),
        closed("D", None, DealStatus::Lost, "2025-02-10", "2025-03-20", "300"),
        e,
        closed("F", None, DealStatus::Won, "2025-03-06", "2025-03-25", "50"),
        g,
        open("H", None, "2025-04-01", "7777"), // after the window
    ]
}

#[test]
fn change_between_the_start_and_end_of_the_window() {
    let mut data = dataset(change_deals());
    data.refs.pipeline = pipeline_def(STAGES);
    let t = data.run(&Query::new(vec![Metric::PipelineChange], march())).unwrap();
    let v = |c: &str| text(t.value(0, c));
    assert_eq!(v("open_at_start"), "5"); // A, B, C, D, G
    assert_eq!(v("value_at_start"), "2300"); // 1000 + 500 + 400 + 300 + 100
    assert_eq!(v("open_at_end"), "4"); // A, B, E, G
    assert_eq!(v("value_at_end"), "1850"); // 1000 + 500 + 250 + 100
    assert_eq!(v("value_change"), "-450");
    assert_eq!(v("added"), "2"); // E, F
    assert_eq!(v("won"), "2"); // C, F
    assert_eq!(v("lost"), "1"); // D
    assert_eq!(v("advanced"), "1"); // A: Lead → Demo
    assert_eq!(v("moved_back"), "1"); // B: Proposal → Demo
    assert_eq!(v("slipped"), "1"); // B
    assert_eq!(v("net_change"), "-1"); // 4 − 5 = added 2 − won 2 − lost 1
}

#[test]
fn change_without_a_definition_cannot_tell_advanced_from_moved_back() {
    let data = dataset(change_deals());
    let t = data.run(&Query::new(vec![Metric::PipelineChange], march())).unwrap();
    assert_eq!(t.value(0, "advanced"), Some(&Value::Absent));
    assert_eq!(t.value(0, "moved_back"), Some(&Value::Absent));
    assert_eq!(text(t.value(0, "slipped")), "1");
}

#[test]
fn change_per_month_chains_instants() {
    // With monthly buckets the end of February is the start of March.
    let data = dataset(change_deals());
    let q = Query::new(vec![Metric::PipelineChange], Period::parse("2025-Q1").unwrap()).buckets(Bucket::Month);
    let t = data.run(&q).unwrap();
    assert_eq!(text(in_window(&t, &[], "2025-02-01", "open_at_end")), "5");
    assert_eq!(text(in_window(&t, &[], "2025-03-01", "open_at_start")), "5");
    assert_eq!(text(in_window(&t, &[], "2025-02-01", "slipped")), "1"); // G expected 02-20
    // January: A and G are created; nothing was open at 2025-01-01.
    assert_eq!(text(in_window(&t, &[], "2025-01-01", "net_change")), "2");
}

#[test]
fn aging_finds_stale_overdue_and_lost_to_competitor() {
    let mut b = open("B", None, "2025-01-02", "500"); // 89 days before 2025-04-01
    b.expected_close_on = Some(day("2025-03-31")); // before T: overdue
    let mut c = open("C", None, "2025-03-01", "200");
    c.expected_close_on = Some(day("2025-04-01")); // T itself: not overdue yet
    let lost = |id: &str, closed_on: &str, amount: &str, reason: &str| {
        let mut d = common::closed(id, None, DealStatus::Lost, "2025-01-01", closed_on, amount);
        d.lost_reason = Some(reason.into());
        d
    };
    let data = dataset(vec![
        open("A", None, "2025-01-01", "1000"), // Jan 31 + Feb 28 + Mar 31 = 90 days before T: stale
        b,
        c,
        lost("D", "2025-03-10", "700", "Went with COMPETITOR X"),
        lost("E", "2025-03-11", "300", "no budget"),
        lost("F", "2025-02-10", "900", "competitor"), // lost in February
    ]);
    let q = Query::new(vec![Metric::PipelineAging], march());
    let t = data.run(&q).unwrap();
    let v = |t: &ResultTable, c: &str| text(t.value(0, c));
    assert_eq!((v(&t, "stale_count"), v(&t, "stale_value")), ("1".into(), "1000".into()));
    assert_eq!((v(&t, "overdue_count"), v(&t, "overdue_value")), ("1".into(), "500".into()));
    assert_eq!((v(&t, "lost_to_competitor_count"), v(&t, "lost_to_competitor_value")), ("1".into(), "700".into()));

    let mut q2 = q.clone();
    q2.options.aging_days = 89;
    q2.options.competitor_pattern = "BUDGET".into();
    let t = data.run(&q2).unwrap();
    assert_eq!((v(&t, "stale_count"), v(&t, "stale_value")), ("2".into(), "1500".into()));
    assert_eq!((v(&t, "lost_to_competitor_count"), v(&t, "lost_to_competitor_value")), ("1".into(), "300".into()));

    let mut q3 = q.clone();
    q3.options.competitor_pattern = " ".into();
    assert!(matches!(data.run(&q3), Err(Error::Query(_))));
}

#[test]
fn instant_kpis_reject_cyclic_buckets() {
    let data = dataset(vec![open("A", None, "2025-01-01", "1")]);
    let q = Query::new(vec![Metric::Pipeline], Period::parse("2025").unwrap()).buckets(Bucket::MonthOfYear);
    let e = data.run(&q).unwrap_err();
    assert!(e.to_string().contains("pipeline") && e.to_string().contains("month_of_year"), "{e}");
}

#[test]
fn pipeline_states_merge_exactly() {
    // Splitting the deals in two engines and merging equals one run.
    let mut data = dataset(change_deals());
    data.refs.pipeline = pipeline_def(STAGES);
    let q = Query::new(vec![Metric::Pipeline, Metric::PipelineChange, Metric::PipelineAging], march());
    let whole = data.run(&q).unwrap();
    let (mut a, mut b) = (Engine::new(&q, &data.refs).unwrap(), Engine::new(&q, &data.refs).unwrap());
    for (i, d) in data.deals.to_vec().iter().enumerate() {
        if i % 2 == 0 { a.push(&Record::Deal(d)).unwrap() } else { b.push(&Record::Deal(d)).unwrap() }
    }
    let json = serde_json::to_string(&b.into_partial().unwrap()).unwrap();
    let mut p = a.into_partial().unwrap();
    p.merge(&serde_json::from_str(&json).unwrap()).unwrap();
    assert_eq!(p.finish(&data.refs).unwrap().rows, whole.rows);
}
