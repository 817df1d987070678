//! Invariants of the pipeline, stage and channel KPIs on random data: splitting the records
//! and merging the partial results equals one run; the pipeline identity
//! `open_at_end − open_at_start = added − won − lost`; funnel rates in [0, 1] and
//! non-increasing reach; revenue shares summing to 1 per roll-up level and window.

mod common;
use channel_kpi::*;
use chrono::Days;
use common::*;
use proptest::prelude::*;

const STAGES: &[(&str, &str)] = &[("Lead", "0.1"), ("Demo", "0.3"), ("Proposal", "0.7"), ("Won", "1"), ("Lost", "0")];
const METRICS: &[Metric] = &[
    Metric::Pipeline,
    Metric::PipelineCoverage,
    Metric::PipelineChange,
    Metric::PipelineAging,
    Metric::StageDuration,
    Metric::StageFunnel,
    Metric::ChannelPerformance,
];

type RawDeal = (u64, u8, u64, Option<u32>, u8, u8, Vec<(usize, u64)>, Option<u64>);

fn deal(i: usize, raw: RawDeal) -> Deal {
    let (created, status, delay, amount, channel, source, history, expected) = raw;
    let base = day("2025-01-01");
    let created_on = base + Days::new(created);
    let status = [DealStatus::Open, DealStatus::Won, DealStatus::Lost][status as usize % 3];
    let mut d = Deal::new(format!("D{i}"), created_on, status);
    d.amount = amount.map(|a| usd(&a.to_string())).or((status == DealStatus::Won).then(|| usd("1")));
    d.channel = Some(Channel::ALL[channel as usize % 3]);
    d.source = Some(["web", "ads"][source as usize % 2].into());
    d.expected_close_on = expected.map(|e| created_on + Days::new(e));
    d.lost_reason = (status == DealStatus::Lost).then(|| ["Competitor won", "budget"][i % 2].into());
    let mut on = created_on;
    for (stage, gap) in history {
        on = on + Days::new(gap);
        d.stage_history.push(StageEntry { stage: STAGES[stage % 3].0.into(), entered_on: on });
    }
    if status != DealStatus::Open {
        d.closed_on = Some((created_on + Days::new(delay)).max(on));
    }
    d
}

fn raw_deal() -> impl Strategy<Value = RawDeal> {
    (
        0u64..180,
        0u8..3,
        0u64..90,
        proptest::option::of(0u32..5000),
        0u8..3,
        0u8..2,
        proptest::collection::vec((0usize..3, 0u64..30), 0..5),
        proptest::option::of(0u64..120),
    )
}

fn build(raws: Vec<RawDeal>, leads: Vec<(u64, u8, Option<usize>)>, spends: Vec<(u64, u8, u32)>) -> Dataset {
    let deals: Vec<Deal> = raws.into_iter().enumerate().map(|(i, r)| deal(i, r)).collect();
    let n = deals.len();
    let mut data = Dataset { deals: deals.into(), ..Default::default() };
    data.refs.pipeline = pipeline_def(STAGES);
    data.leads = leads
        .into_iter()
        .enumerate()
        .map(|(i, (c, ch, link))| {
            let ch = Channel::ALL[ch as usize % 3];
            lead(
                &format!("L{i}"),
                ch,
                "web",
                &(day("2025-01-01") + Days::new(c)).to_string(),
                link.filter(|_| n > 0).map(|k| format!("D{}", k % n)).as_deref(),
            )
        })
        .collect();
    data.spend = spends
        .into_iter()
        .map(|(on, ch, a)| spend(Channel::ALL[ch as usize % 3], "ads", &(day("2025-01-01") + Days::new(on)).to_string(), &a.to_string()))
        .collect();
    data.targets = vec![target(Dimension::Channel, Some("paid"), "2025", "36500"), target(Dimension::All, None, "2025-Q1", "9000")];
    data.validate().unwrap();
    data
}

fn query() -> Query {
    let mut q = Query::new(METRICS.to_vec(), Period::new(day("2025-01-01"), day("2025-07-01")).unwrap())
        .by(Dimension::Channel)
        .by(Dimension::Source)
        .rollup()
        .buckets(Bucket::Month);
    q.as_of = Some(day("2025-06-30"));
    q
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn split_merge_equals_whole_and_invariants_hold(
        raws in proptest::collection::vec(raw_deal(), 0..25),
        leads in proptest::collection::vec((0u64..180, 0u8..3, proptest::option::of(0usize..25)), 0..15),
        spends in proptest::collection::vec((0u64..180, 0u8..3, 0u32..2000), 0..8),
        cut in 0usize..60,
    ) {
        let data = build(raws, leads, spends);
        let q = query();
        let whole = data.run(&q).unwrap();

        let deals = data.deals.to_vec();
        let leads = data.leads.to_vec();
        let recs: Vec<Record> = deals.iter().map(Record::Deal).chain(leads.iter().map(Record::Lead)).chain(data.targets.iter().map(Record::Target)).chain(data.spend.iter().map(Record::Spend)).collect();
        let cut = cut.min(recs.len());
        let (mut a, mut b) = (Engine::new(&q, &data.refs).unwrap(), Engine::new(&q, &data.refs).unwrap());
        for r in &recs[..cut] { a.push(r).unwrap(); }
        for r in recs[cut..].iter().rev() { b.push(r).unwrap(); }
        let json = serde_json::to_string(&b.into_partial().unwrap()).unwrap();
        let mut p = a.into_partial().unwrap();
        p.merge(&serde_json::from_str(&json).unwrap()).unwrap();
        prop_assert_eq!(&p.finish(&data.refs).unwrap().rows, &whole.rows);

        let level = whole.column_index("rollup_level").unwrap();
        let start = whole.column_index("period_start").unwrap();
        let int = |r: usize, c: &str| whole.value(r, c).and_then(Value::as_f64).unwrap_or(0.0);
        let mut shares: std::collections::BTreeMap<(String, String), f64> = Default::default();
        for r in 0..whole.rows.len() {
            prop_assert_eq!(int(r, "net_change"), int(r, "added") - int(r, "won") - int(r, "lost"));
            let mut prev = f64::INFINITY;
            for s in ["lead", "demo", "proposal"] {
                let reached = int(r, &format!("funnel_{s}_reached"));
                prop_assert!(reached <= prev && reached <= int(r, "funnel_cohort"));
                prev = reached;
                for c in [format!("funnel_{s}_share"), format!("funnel_{s}_conversion")] {
                    if let Some(x) = whole.value(r, &c).and_then(Value::as_f64) { prop_assert!((0.0..=1.0).contains(&x), "{c} = {x}"); }
                }
            }
            if let Some(x) = whole.value(r, "channel_revenue_share").and_then(Value::as_f64) {
                *shares.entry((whole.rows[r][level].to_string(), whole.rows[r][start].to_string())).or_default() += x;
            }
        }
        for (k, sum) in shares {
            prop_assert!((sum - 1.0).abs() < 1e-9, "{:?}: {}", k, sum);
        }
    }
}
