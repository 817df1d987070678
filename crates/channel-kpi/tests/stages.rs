//! Hand-checked values for the stage KPIs (catalog section 2): `stage_duration`, `stage_funnel`.

mod common;
use channel_kpi::*;
use common::*;

const STAGES: &[(&str, &str)] = &[("Lead", "0.1"), ("Demo", "0.2"), ("Proposal", "0.6"), ("Won", "1"), ("Lost", "0")];

fn duration_data() -> Dataset {
    let mut data = dataset(vec![
        // Re-enters Lead and Demo. Stays: Lead 10 (→01-11), Demo 4 (→01-15), Lead 5 (→01-20),
        // Demo 11 (→01-31, the Won entry); Won is terminal. All end in January.
        with_history(
            bare("A", DealStatus::Won, "2025-01-01", Some("2025-01-31")),
            &[("Lead", "2025-01-01"), ("Demo", "2025-01-11"), ("Lead", "2025-01-15"), ("Demo", "2025-01-20"), ("Won", "2025-01-31")],
        ),
        // Lead 16 days (→02-05, February); Demo is its current stay: 03-31 − 02-05 = 54 days.
        with_history(bare("B", DealStatus::Open, "2025-01-20", None), &[("Lead", "2025-01-20"), ("Demo", "2025-02-05")]),
        // Lost without a Lost entry: Lead 10 (→02-11, February), Proposal 27 (→ closed 03-10).
        with_history(bare("C", DealStatus::Lost, "2025-02-01", Some("2025-03-10")), &[("Lead", "2025-02-01"), ("Proposal", "2025-02-11")]),
        // The Demo entry is after as_of (03-31): unknown then, so Lead is current: 30 days.
        with_history(bare("D", DealStatus::Open, "2025-03-01", None), &[("Lead", "2025-03-01"), ("Demo", "2025-04-10")]),
    ]);
    data.refs.pipeline = pipeline_def(STAGES);
    data.check().unwrap();
    data
}

#[test]
fn stage_duration_per_month_counts_stays_where_they_end() {
    let data = duration_data();
    let q = Query::new(vec![Metric::StageDuration], Period::parse("2025-Q1").unwrap()).buckets(Bucket::Month);
    let t = data.run(&q).unwrap();
    let v = |m: &str, c: &str| in_window(&t, &[], m, c).cloned();
    // January: Lead stays 10 and 5, Demo stays 4 and 11 (re-entries add stays).
    assert_close(v("2025-01-01", "stage_lead_days").as_ref(), 7.5);
    assert_close(v("2025-01-01", "stage_lead_days_median").as_ref(), 7.5);
    assert_eq!(text(v("2025-01-01", "stage_lead_n").as_ref()), "2");
    assert_close(v("2025-01-01", "stage_demo_days").as_ref(), 7.5);
    assert_eq!(v("2025-01-01", "stage_proposal_days"), Some(Value::Absent));
    assert_eq!(text(v("2025-01-01", "stage_proposal_n").as_ref()), "0");
    assert_eq!(v("2025-01-01", "stage_demo_open_days"), Some(Value::Absent));
    // February: Lead stays 16 (B) and 10 (C).
    assert_close(v("2025-02-01", "stage_lead_days").as_ref(), 13.0);
    assert_eq!(text(v("2025-02-01", "stage_lead_n").as_ref()), "2");
    // March: C's Proposal stay ends at its close; the current stays are reported apart.
    assert_close(v("2025-03-01", "stage_proposal_days").as_ref(), 27.0);
    assert_close(v("2025-03-01", "stage_demo_open_days").as_ref(), 54.0);
    assert_eq!(text(v("2025-03-01", "stage_demo_open_n").as_ref()), "1");
    assert_close(v("2025-03-01", "stage_lead_open_days").as_ref(), 30.0);
    assert_eq!(v("2025-03-01", "stage_lead_days"), Some(Value::Absent), "current stays are not completed stays");
    assert!(t.column_index("stage_won_days").is_none(), "terminal stages have no duration");
}

#[test]
fn stage_duration_over_the_quarter_and_an_earlier_as_of() {
    let data = duration_data();
    let q = Query::new(vec![Metric::StageDuration], Period::parse("2025-Q1").unwrap());
    let t = data.run(&q).unwrap();
    // Lead stays 10, 5, 16, 10: mean 41 ÷ 4 = 10.25, median of 5, 10, 10, 16 = 10.
    assert_close(t.value(0, "stage_lead_days"), 10.25);
    assert_close(t.value(0, "stage_lead_days_median"), 10.0);
    assert_eq!(text(t.value(0, "stage_lead_n")), "4");
    // As of 2025-02-28 (inside the period), C's Proposal stay (entered 02-11) is current: 17
    // days; B's Demo is current: 23 days; D does not exist yet.
    let t = data.run(&q.clone().as_of(day("2025-02-28"))).unwrap();
    assert_eq!(t.value(0, "stage_proposal_days"), Some(&Value::Absent));
    assert_close(t.value(0, "stage_proposal_open_days"), 17.0);
    assert_close(t.value(0, "stage_demo_open_days"), 23.0);
    assert_eq!(t.value(0, "stage_lead_open_days"), Some(&Value::Absent));
}

#[test]
fn stage_duration_errors_name_the_problem() {
    // No pipeline definition.
    let mut data = duration_data();
    data.refs.pipeline = PipelineDef::default();
    let e = data.run(&Query::new(vec![Metric::StageDuration], Period::parse("2025").unwrap())).unwrap_err();
    assert!(matches!(e, Error::Query(ref m) if m.contains("pipeline definition")), "{e}");

    // A stage the definition does not know (pushed without Dataset::check).
    let refs = Reference { pipeline: pipeline_def(STAGES), ..Default::default() };
    let q = Query::new(vec![Metric::StageDuration], Period::parse("2025").unwrap());
    let mut engine = Engine::new(&q, &refs).unwrap();
    let d = with_history(bare("X9", DealStatus::Open, "2025-01-01", None), &[("Mystery", "2025-01-02")]);
    let e = engine.push(&Record::Deal(&d)).unwrap_err().to_string();
    assert!(e.contains("deal X9") && e.contains("Mystery"), "{e}");

    // Closed before its last stage entry.
    let d = with_history(bare("X8", DealStatus::Lost, "2025-01-01", Some("2025-01-05")), &[("Lead", "2025-01-10")]);
    let e = engine.push(&Record::Deal(&d)).unwrap_err().to_string();
    assert!(e.contains("deal X8") && e.contains("closed_on"), "{e}");
}

fn funnel_data() -> Dataset {
    let mut a = bare("A", DealStatus::Open, "2025-01-05", None);
    a.stage = Some("Lead".into()); // current stage only
    let mut data = dataset(vec![
        a,
        // Skips Demo: still reached it.
        with_history(bare("B", DealStatus::Open, "2025-01-10", None), &[("Lead", "2025-01-10"), ("Proposal", "2025-02-01")]),
        with_history(
            bare("C", DealStatus::Won, "2025-01-15", Some("2025-03-01")),
            &[("Lead", "2025-01-15"), ("Demo", "2025-02-01"), ("Won", "2025-03-01")],
        ),
        bare("D", DealStatus::Open, "2025-02-01", None), // no stage information
        with_history(bare("E", DealStatus::Open, "2024-12-20", None), &[("Proposal", "2024-12-20")]), // not in the cohort
        with_history(
            bare("F", DealStatus::Lost, "2025-02-10", Some("2025-03-05")),
            &[("Lead", "2025-02-10"), ("Demo", "2025-02-20"), ("Lost", "2025-03-05")],
        ),
        // Won in May: as of 2025-03-31 it had reached Demo only.
        with_history(
            bare("G", DealStatus::Won, "2025-03-01", Some("2025-05-01")),
            &[("Lead", "2025-03-01"), ("Demo", "2025-03-10"), ("Won", "2025-05-01")],
        ),
    ]);
    data.refs.pipeline = pipeline_def(STAGES);
    data.check().unwrap();
    data
}

#[test]
fn funnel_shares_and_conversions() {
    let data = funnel_data();
    let q = Query::new(vec![Metric::StageFunnel], Period::parse("2025-Q1").unwrap());
    let t = data.run(&q).unwrap();
    let v = |c: &str| t.value(0, c);
    assert_eq!(text(v("funnel_cohort")), "6"); // A, B, C, D, F, G
    assert_eq!(text(v("funnel_lead_reached")), "5"); // all but D
    assert_close(v("funnel_lead_share"), 5.0 / 6.0);
    assert_eq!(v("funnel_lead_conversion"), Some(&Value::Absent)); // first stage
    assert_eq!(text(v("funnel_demo_reached")), "4"); // B (skipped), C, F, G
    assert_close(v("funnel_demo_conversion"), 0.8); // 4 ÷ 5
    assert_eq!(text(v("funnel_proposal_reached")), "2"); // B, C (won)
    assert_close(v("funnel_proposal_conversion"), 0.5); // 2 ÷ 4
    assert_eq!(text(v("funnel_won")), "1"); // C
    assert_close(v("funnel_won_share"), 1.0 / 6.0);

    // As of June, G was won too: it reached every stage.
    let t = data.run(&q.clone().as_of(day("2025-06-30"))).unwrap();
    assert_eq!(text(t.value(0, "funnel_proposal_reached")), "3");
    assert_eq!(text(t.value(0, "funnel_won")), "2");
}

#[test]
fn funnel_with_nobody_reaching_a_stage_is_absent_not_zero_conversion() {
    let mut data = dataset(vec![bare("D", DealStatus::Open, "2025-02-01", None)]);
    data.refs.pipeline = pipeline_def(STAGES);
    let t = data.run(&Query::new(vec![Metric::StageFunnel], Period::parse("2025-Q1").unwrap())).unwrap();
    assert_close(t.value(0, "funnel_lead_share"), 0.0);
    assert_eq!(t.value(0, "funnel_demo_conversion"), Some(&Value::Absent)); // 0 ÷ 0
    data.refs.pipeline = PipelineDef::default();
    assert!(matches!(data.run(&Query::new(vec![Metric::StageFunnel], Period::parse("2025").unwrap())), Err(Error::Query(_))));
}
