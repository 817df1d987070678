//! Loading the partner-program and customer-success files (canonical names and columns,
//! docs/data-format.md), and the errors they give.

use channel_kpi::load::{LoadOptions, Mapping, load_dir};
use channel_kpi::*;
use std::path::PathBuf;

fn dir_with(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ckpi-load-program-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (f, text) in files {
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

const PARTNERS: &str = "partner_id,tier\nP1,gold\nP2,silver\n";

#[test]
fn every_kind_loads_from_its_canonical_file() {
    let dir = dir_with(
        "all",
        &[
            ("partners.csv", PARTNERS),
            (
                "deals.csv",
                "deal_id,partner_id,created_on,registered_on,registration_status,status\nD1,P1,2025-01-02,2025-01-03,approved,open\n",
            ),
            (
                "courses.csv",
                "partner_id,person_id,course_id,attended_on,completed_on,score\nP1,u1,SALES-101,2025-02-01,2025-02-10,87.5\nP2,,SALES-101,2025-02-01,,\n",
            ),
            (
                "surveys.csv",
                "survey_id,kind,topic,score,submitted_on,partner_id,region\nS1,csat,,5,2025-03-01,P1,north\nS2,nps,,9,2025-03-01,P1,\nS3,partner_satisfaction,rewards,4,2025-03-02,P2,\n",
            ),
            ("program_costs.csv", "partner_id,period,kind,amount,currency\nP1,2025-Q1,mdf,1000,USD\n"),
            (
                "subscriptions.csv",
                "account_id,month,mrr,currency,partner_id,plan\nA1,2024-12,100,USD,P1,pro\nA1,2025-03-01,120,USD,P1,pro\n",
            ),
            (
                "tickets.jsonl",
                "{\"ticket_id\": \"T1\", \"account_id\": \"A1\", \"opened_on\": \"2025-03-02\", \"closed_on\": \"2025-03-04\"}\n",
            ),
            ("onboarding.csv", "account_id,started_on,completed_on,partner_id\nA1,2025-01-01,2025-01-21,P1\n"),
            ("engagement.csv", "account_id,occurred_on,kind\nA1,2025-03-05,login\n"),
            ("referrals.csv", "referral_id,referred_on,partner_id,referred_account_id,converted_on\nR1,2025-03-01,P2,A9,2025-03-20\n"),
            ("usage.csv", "account_id,month,active_users,features_used\nA1,2025-03,4,7\n"),
        ],
    );
    let (ds, report) = load_dir(&dir, &Mapping::default(), &LoadOptions::default()).unwrap();
    assert!(report.errors.is_empty());
    assert_eq!(ds.deals.get(0).registration_status, Some(RegistrationStatus::Approved));
    assert_eq!(ds.courses.len(), 2);
    assert_eq!(ds.courses[0].score, Some("87.5".parse().unwrap()));
    assert_eq!(ds.surveys.scale(1), 10, "NPS defaults to a 0–10 scale");
    assert_eq!(ds.surveys.attr(0, "region"), Some("north"));
    assert!(!ds.surveys.get(0).attrs.contains_key("score"), "canonical fields are not attrs");
    assert_eq!(ds.surveys.topic(2), Some(SurveyTopic::Rewards));
    assert_eq!(ds.program_costs[0].kind, CostKind::Mdf);
    assert_eq!(ds.subscriptions.month(0).to_string(), "2024-12-01");
    assert_eq!(ds.subscriptions.attr(1, "plan"), Some("pro"));
    assert_eq!(ds.tickets[0].closed_on.unwrap().to_string(), "2025-03-04");
    assert_eq!((ds.onboarding.len(), ds.engagement.len(), ds.referrals.len(), ds.usage.len()), (1, 1, 1, 1));
    assert_eq!(ds.usage[0].features_used, 7);
    // And they run: A1 100 → 120 over 2025-Q1 → NRR 1.2.
    let t = ds.run(&Query::new(vec![Metric::MrrRetention, Metric::PartnerCsat], Period::parse("2025-Q1").unwrap())).unwrap();
    assert_eq!(t.value(0, "nrr").unwrap().to_string(), "1.2");
    assert_eq!(t.value(0, "csat").unwrap().as_f64(), Some(1.0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_rows_name_file_line_column_and_value() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("subscriptions.csv", "account_id,month,mrr,currency\nA1,2025-3x,10,USD\n", &["subscriptions.csv:2", "month", "2025-3x"]),
        (
            "surveys.csv",
            "survey_id,kind,score,submitted_on\nS1,csat,7,2025-03-01\n",
            &["surveys.csv:2", "survey S1", "score", "outside the scale"],
        ),
        ("surveys.csv", "survey_id,kind,score,submitted_on\nS1,cast,4,2025-03-01\n", &["surveys.csv:2", "kind", "cast"]),
        ("usage.csv", "account_id,month,active_users\nA1,2025-03,-2\n", &["usage.csv:2", "active_users", "-2"]),
        (
            "courses.csv",
            "partner_id,course_id,attended_on,completed_on\nP1,C1,2025-03-05,2025-03-01\n",
            &["courses.csv:2", "completed_on", "2025-03-01"],
        ),
        ("courses.csv", "partner_id,course_id,attended_on\nP7,C1,2025-03-05\n", &["P7", "unknown partner"]),
        (
            "tickets.csv",
            "ticket_id,account_id,opened_on\nT1,A,2025-03-01\nT1,B,2025-03-02\n",
            &["tickets.csv:3", "duplicate ticket", "line 2"],
        ),
    ];
    for (i, (file, text, wants)) in cases.iter().enumerate() {
        let dir = dir_with(&format!("bad{i}"), &[("partners.csv", PARTNERS), (file, text)]);
        let e = load_dir(&dir, &Mapping::default(), &LoadOptions::default()).unwrap_err().to_string();
        for w in *wants {
            assert!(e.contains(w), "{file}: {e:?} lacks {w:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
