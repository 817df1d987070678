//! `Engine::push_leads` (leads folded from the columns of `Leads`: groups found once per
//! combination of value ids, windows from the creation date, one tally per group and window)
//! gives the partial states of `Engine::push` of each lead as a `Lead`, in order — grouped by
//! channel and source, partner, the partner's tier and region (reference data), an attr, a
//! dimension leads lack (owner), and nothing; with and without roll-up; over a year, quarters,
//! months of the year (cyclic windows) and with a comparison; with a deal KPI beside the lead
//! KPIs or none at all. Leads in another order, or cut in two parts folded apart and merged,
//! give the same partial. And the counts are those of a hand count of the leads.

#![allow(clippy::result_large_err)]

mod common;

use channel_kpi::*;
use chrono::NaiveDate;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// created (days after 2024-10-01), channel, source, partner, won (days after created, minus
/// 30: some before it), region attr.
type Gen = (u16, Option<u8>, Option<u8>, Option<u8>, Option<u16>, Option<u8>);

const SOURCES: [&str; 3] = ["ads", "webinar", "events"];

fn day0() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 10, 1).unwrap()
}

fn lead(i: usize, g: &Gen) -> Lead {
    let created = day0() + chrono::Days::new(u64::from(g.0));
    let mut l = Lead::new(format!("L{i}"), created);
    l.channel = g.1.map(|c| [Channel::Paid, Channel::Earned, Channel::Owned][c as usize % 3]);
    l.source = g.2.map(|s| SOURCES[s as usize % 3].to_string());
    l.partner_id = g.3.map(|p| format!("P{}", p % 5));
    l.won_on = g.4.map(|w| created + chrono::Days::new(u64::from(w)) - chrono::Days::new(30));
    if let Some(r) = g.5 {
        l.attrs.insert("region".into(), ["north", "south"][r as usize % 2].into());
    }
    l
}

fn gen_row() -> impl Strategy<Value = Gen> {
    (
        0u16..600,
        proptest::option::weighted(0.9, any::<u8>()),
        proptest::option::weighted(0.8, any::<u8>()),
        proptest::option::weighted(0.5, any::<u8>()),
        proptest::option::weighted(0.4, 0u16..200),
        any::<Option<u8>>(),
    )
}

fn query(grouping: usize, buckets: usize, metrics: usize, rollup: bool) -> Query {
    let by: &[Dimension] = match grouping {
        0 => &[Dimension::Channel, Dimension::Source],
        1 => &[Dimension::Partner],
        2 => &[Dimension::PartnerTier, Dimension::Region, Dimension::Partner],
        3 => &[Dimension::Attr(String::new())],
        4 => &[Dimension::Channel, Dimension::Owner],
        5 => &[Dimension::Source, Dimension::Channel, Dimension::Partner, Dimension::Attr(String::new()), Dimension::PartnerTier],
        _ => &[],
    };
    let metrics = match metrics {
        0 => vec![Metric::LeadConversionRate, Metric::ChannelPerformance],
        1 => vec![Metric::ChannelPerformance, Metric::DealCount],
        2 => vec![Metric::DealCount],
        _ => vec![Metric::LeadConversionRate],
    };
    let mut q = Query::new(metrics, Period::parse("2025").unwrap());
    q = match buckets {
        0 => q,
        1 => q.buckets(Bucket::Quarter),
        2 => q.buckets(Bucket::MonthOfYear),
        _ => q.buckets(Bucket::Quarter).compare(Compare::PreviousPeriod),
    };
    for d in by {
        q = q.by(match d {
            Dimension::Attr(_) => Dimension::Attr("region".into()),
            d => d.clone(),
        });
    }
    if rollup { q.rollup() } else { q }
}

fn pushed(q: &Query, refs: &Reference, leads: &Leads, rows: std::ops::Range<usize>) -> Partial {
    let mut e = Engine::new(q, refs).unwrap();
    e.push_leads(leads, rows).unwrap();
    e.into_partial().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn push_leads_equals_pushing_each_lead(
        rows in proptest::collection::vec(gen_row(), 0..90),
        grouping in 0usize..7,
        buckets in 0usize..4,
        metrics in 0usize..4,
        rollup: bool,
        cut in 0usize..100,
        seed: u64,
    ) {
        let all: Vec<Lead> = rows.iter().enumerate().map(|(i, g)| lead(i, g)).collect();
        let leads: Leads = all.clone().into();
        let (q, refs) = (query(grouping, buckets, metrics, rollup), common::four_partners());
        let whole = pushed(&q, &refs, &leads, 0..leads.len());
        let mut each = Engine::new(&q, &refs).unwrap();
        for l in &all {
            each.push(&Record::Lead(l)).unwrap();
        }
        prop_assert_eq!(&whole, &each.into_partial().unwrap());
        // another order
        let mut shuffled = all.clone();
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let shuffled: Leads = shuffled.into();
        prop_assert_eq!(&pushed(&q, &refs, &shuffled, 0..shuffled.len()), &whole);
        // two parts folded apart, merged
        let at = cut * leads.len() / 100;
        let mut merged = pushed(&q, &refs, &leads, 0..at);
        merged.merge(&pushed(&q, &refs, &leads, at..leads.len())).unwrap();
        prop_assert_eq!(&merged, &whole);
    }

    #[test]
    fn channel_counts_are_a_hand_count(rows in proptest::collection::vec(gen_row(), 1..120)) {
        let all: Vec<Lead> = rows.iter().enumerate().map(|(i, g)| lead(i, g)).collect();
        let data = Dataset { leads: all.clone().into(), ..Default::default() };
        let q = query(0, 0, 0, false);
        let t = data.run(&q).unwrap();
        let as_of = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        // (channel, source) → (leads, converted)
        let mut count = BTreeMap::<_, (u64, u64)>::new();
        for l in all.iter().filter(|l| l.created_on.format("%Y").to_string() == "2025") {
            let c = count.entry((l.channel.map(|c| c.name()), l.source.as_deref())).or_default();
            c.0 += 1;
            c.1 += u64::from(l.won_on.is_some_and(|w| w <= as_of));
        }
        prop_assert_eq!(t.rows.len(), count.len());
        for ((channel, source), (n, converted)) in count {
            let key = [channel, source];
            prop_assert_eq!(t.get(&key, "channel_leads").map(|v| v.to_string()), Some(n.to_string()));
            prop_assert_eq!(t.get(&key, "channel_converted").map(|v| v.to_string()), Some(converted.to_string()));
            prop_assert_eq!(t.get(&key, "lead_conversion_rate_n").map(|v| v.to_string()), Some(n.to_string()));
        }
    }
}

/// Thousands of leads, folded whole and in three ranges of different lengths by one engine,
/// give the partial of pushing each lead, for every grouping.
#[test]
fn ranges_across_blocks_equal_pushing_each_lead() {
    let mut x: u64 = 3;
    let mut next = |m: u64| {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 33) % m
    };
    let all: Vec<Lead> = (0..5_000)
        .map(|i| {
            let g: Gen = (
                next(600) as u16,
                (next(10) > 0).then(|| next(256) as u8),
                (next(10) > 1).then(|| next(256) as u8),
                (next(2) > 0).then(|| next(256) as u8),
                (next(5) > 2).then(|| next(200) as u16),
                (next(2) > 0).then(|| next(256) as u8),
            );
            lead(i, &g)
        })
        .collect();
    let leads: Leads = all.clone().into();
    let refs = common::four_partners();
    for grouping in 0..7 {
        let q = query(grouping, 1, 0, grouping % 2 == 0);
        let mut each = Engine::new(&q, &refs).unwrap();
        for l in &all {
            each.push(&Record::Lead(l)).unwrap();
        }
        let each = each.into_partial().unwrap();
        assert_eq!(pushed(&q, &refs, &leads, 0..leads.len()), each, "grouping {grouping}");
        let mut e = Engine::new(&q, &refs).unwrap();
        for r in [0..700, 700..3_333, 3_333..5_000] {
            e.push_leads(&leads, r).unwrap();
        }
        assert_eq!(e.into_partial().unwrap(), each, "grouping {grouping}, in three ranges");
    }
}
