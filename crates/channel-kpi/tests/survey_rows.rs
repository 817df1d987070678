//! `Engine::push_surveys` (answers folded from the columns of `Surveys`, their groups found once
//! per distinct partner) gives the partial states — or the error — of `Engine::push` of each
//! answer as a `SurveyResponse`, in order: grouped by partner, by the partner's tier and region
//! (reference data), by topic and by an attr column (found per answer), with and without
//! roll-up, over quarters; answers with and without a partner, some on a scale the query
//! refuses.

#![allow(clippy::result_large_err)]

mod common;

use channel_kpi::*;
use chrono::NaiveDate;
use proptest::prelude::*;

/// kind, scale 7 instead of the usual one, score, days after 2024-12-01, partner, topic, region attr.
type Gen = (u8, bool, u8, u16, Option<u8>, Option<u8>, Option<u8>);

fn answer(g: &Gen) -> SurveyResponse {
    let kind = [SurveyKind::Csat, SurveyKind::Nps, SurveyKind::PartnerSatisfaction][g.0 as usize % 3];
    let scale = match kind {
        SurveyKind::Nps => 10,
        _ if g.1 => 7,
        _ => 5,
    };
    let low = u32::from(kind != SurveyKind::Nps);
    let score = low + u32::from(g.2) % (scale - low + 1);
    let day = NaiveDate::from_ymd_opt(2024, 12, 1).unwrap() + chrono::Days::new(u64::from(g.3));
    let mut s = SurveyResponse::new(kind, scale, score.into(), day);
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
    fn push_surveys_equals_pushing_each_answer(rows in proptest::collection::vec(gen_row(), 0..80), grouping in 0usize..6, rollup: bool) {
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
        let mut q = Query::new(vec![Metric::PartnerCsat, Metric::PartnerSatisfaction], Period::parse("2025").unwrap())
            .buckets(Bucket::Quarter);
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
        match (a, b) {
            (Ok(()), Ok(())) => prop_assert_eq!(columns.into_partial().unwrap(), each.into_partial().unwrap()),
            (a, b) => prop_assert_eq!(format!("{a:?}"), format!("{b:?}")),
        }
    }
}
