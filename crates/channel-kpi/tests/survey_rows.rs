//! `Engine::push_surveys` (answers folded from the columns of `Surveys`, their groups found once
//! per distinct partner) gives the partial states — or the error — of `Engine::push` of each
//! answer as a `SurveyResponse`, in order: grouped by partner, by the partner's tier and region
//! (reference data), by topic and by an attr column (found per answer), with and without
//! roll-up, over quarters; answers with and without a partner, some on a scale the query
//! refuses; with one survey KPI or both. Answers folded in several calls, or cut in two parts
//! folded apart and merged, give the same states (the tallies of a call are folded into the
//! states as it ends).

#![allow(clippy::result_large_err)]

mod common;

use channel_kpi::*;
use chrono::NaiveDate;
use proptest::prelude::*;

/// kind, scale 7 instead of the usual one, score (whole when even, else in tenths), days after 2024-12-01, partner, topic, region attr.
type Gen = (u8, bool, u8, u16, Option<u8>, Option<u8>, Option<u8>);

fn answer(g: &Gen) -> SurveyResponse {
    let kind = [SurveyKind::Csat, SurveyKind::Nps, SurveyKind::PartnerSatisfaction][g.0 as usize % 3];
    let scale = match kind {
        SurveyKind::Nps => 10,
        _ if g.1 => 7,
        _ => 5,
    };
    let low = u32::from(kind != SurveyKind::Nps);
    // a whole score, or one in tenths (an odd u8)
    let score = match g.2 % 2 {
        0 => rust_decimal::Decimal::from(low + u32::from(g.2) % (scale - low + 1)),
        _ => rust_decimal::Decimal::new(i64::from(low * 10 + u32::from(g.2) % ((scale - low) * 10 + 1)), 1),
    };
    let day = NaiveDate::from_ymd_opt(2024, 12, 1).unwrap() + chrono::Days::new(u64::from(g.3));
    let mut s = SurveyResponse::new(kind, scale, score, day);
    s.partner_id = g.4.map(|p| format!("P{}", p % 6));
    s.topic = g.5.map(|t| SurveyTopic::ALL[t as usize % SurveyTopic::ALL.len()]);
    if let Some(r) = g.6 {
        s.attrs.insert("region".into(), ["north", "south"][r as usize % 2].into());
    }
    s
}

fn gen_row() -> impl Strategy<Value = Gen> {
    (
        0u8..3,
        proptest::bool::weighted(0.02),
        any::<u8>(),
        0u16..500,
        proptest::option::weighted(0.9, 0u8..8),
        any::<Option<u8>>(),
        any::<Option<u8>>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    #[test]
    fn push_surveys_equals_pushing_each_answer(
        rows in proptest::collection::vec(gen_row(), 0..80),
        grouping in 0usize..6,
        metrics in 0usize..3,
        rollup: bool,
        cut in 0usize..100,
        step in 1usize..9,
    ) {
        let answers: Vec<SurveyResponse> = rows.iter().map(answer).collect();
        let surveys: Surveys = answers.clone().into();
        let by: &[Dimension] = match grouping {
            0 => &[Dimension::Partner],
            1 => &[Dimension::PartnerTier, Dimension::Partner],
            2 => &[Dimension::Region],
            3 => &[Dimension::Attr(String::new())],
            4 => &[Dimension::Partner, Dimension::Attr(String::new())],
            _ => &[],
        };
        let metrics = match metrics {
            0 => vec![Metric::PartnerCsat, Metric::PartnerSatisfaction],
            1 => vec![Metric::PartnerCsat, Metric::DealCount],
            _ => vec![Metric::PartnerSatisfaction],
        };
        let mut q = Query::new(metrics, Period::parse("2025").unwrap()).buckets(Bucket::Quarter);
        for (i, d) in by.iter().enumerate() {
            q = q.by(match d {
                Dimension::Attr(_) if i == 0 => Dimension::Attr("topic".into()),
                Dimension::Attr(_) => Dimension::Attr("region".into()),
                d => d.clone(),
            });
        }
        if rollup {
            q = q.rollup();
        }
        let refs = common::four_partners();
        let (mut columns, mut each) = (Engine::new(&q, &refs).unwrap(), Engine::new(&q, &refs).unwrap());
        let a = columns.push_surveys(&surveys, 0..surveys.len());
        let b = answers.iter().try_for_each(|s| each.push(&Record::Survey(s)));
        let whole = match (a, b) {
            (Ok(()), Ok(())) => columns.into_partial().unwrap(),
            (a, b) => return { prop_assert_eq!(format!("{a:?}"), format!("{b:?}")); Ok(()) },
        };
        prop_assert_eq!(&whole, &each.into_partial().unwrap());
        // in calls of `step` answers
        let mut steps = Engine::new(&q, &refs).unwrap();
        for start in (0..surveys.len()).step_by(step) {
            steps.push_surveys(&surveys, start..(start + step).min(surveys.len())).unwrap();
        }
        prop_assert_eq!(&steps.into_partial().unwrap(), &whole);
        // two parts folded apart, merged
        let at = cut * surveys.len() / 100;
        let part = |r: std::ops::Range<usize>| {
            let mut e = Engine::new(&q, &refs).unwrap();
            e.push_surveys(&surveys, r).unwrap();
            e.into_partial().unwrap()
        };
        let mut merged = part(0..at);
        merged.merge(&part(at..surveys.len())).unwrap();
        prop_assert_eq!(&merged, &whole);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    /// The finished counts, sums and shares per partner over 2025 are a count by hand of the
    /// answers submitted in 2025 (the tallies are checked against no other use of themselves).
    #[test]
    fn satisfaction_is_a_hand_count(rows in proptest::collection::vec(gen_row(), 1..120)) {
        use rust_decimal::Decimal;
        // no answer on another scale than the query's: those are an error
        let all: Vec<SurveyResponse> = rows.iter().map(|g| answer(&(g.0, false, g.2, g.3, g.4, g.5, g.6))).collect();
        let data = Dataset { surveys: all.clone().into(), ..Default::default() };
        let q = Query::new(vec![Metric::PartnerCsat, Metric::PartnerSatisfaction], Period::parse("2025").unwrap()).by(Dimension::Partner);
        let t = data.run(&q).unwrap();
        let mut by = std::collections::BTreeMap::<Option<String>, Vec<&SurveyResponse>>::new();
        for s in all.iter().filter(|s| s.submitted_on.format("%Y").to_string() == "2025") {
            by.entry(s.partner_id.clone()).or_default().push(s);
        }
        let int = |key: &[Option<&str>], c: &str| t.get(key, c).and_then(Value::as_f64).unwrap_or(-1.0);
        for (p, answers) in &by {
            let key = [p.as_deref()];
            let of = |k: SurveyKind| answers.iter().filter(move |s| s.kind == k);
            let csat: Vec<Decimal> = of(SurveyKind::Csat).map(|s| s.score).collect();
            prop_assert_eq!(int(&key, "csat_n"), csat.len() as f64);
            let hits = csat.iter().filter(|x| **x >= Decimal::from(4)).count();
            let sum: Decimal = csat.iter().sum();
            if csat.is_empty() {
                prop_assert_eq!(t.get(&key, "csat_mean"), Some(&Value::Absent));
            } else {
                prop_assert_eq!(int(&key, "csat"), hits as f64 / csat.len() as f64);
                let mean = (sum / Decimal::from(csat.len())).to_string().parse::<f64>().unwrap();
                prop_assert_eq!(int(&key, "csat_mean"), mean);
            }
            let nps: Vec<Decimal> = of(SurveyKind::Nps).map(|s| s.score).collect();
            prop_assert_eq!(int(&key, "nps_responses"), nps.len() as f64);
            prop_assert_eq!(int(&key, "nps_promoters"), nps.iter().filter(|x| **x >= Decimal::from(9)).count() as f64);
            prop_assert_eq!(int(&key, "nps_detractors"), nps.iter().filter(|x| **x <= Decimal::from(6)).count() as f64);
            let ps: Vec<&&SurveyResponse> = of(SurveyKind::PartnerSatisfaction).collect();
            prop_assert_eq!(int(&key, "satisfaction_responses"), ps.len() as f64);
            for topic in SurveyTopic::ALL {
                let n = ps.iter().filter(|s| s.topic.unwrap_or(SurveyTopic::Other) == *topic).count();
                prop_assert_eq!(int(&key, &format!("satisfaction_{}_n", topic.name())), n as f64);
            }
            for k in 1..=5i64 {
                // rounded half to even
                let n = ps.iter().filter(|s| s.score.round() == Decimal::from(k)).count();
                prop_assert_eq!(int(&key, &format!("satisfaction_score_{k}")), n as f64, "score {}", k);
            }
        }
    }
}
