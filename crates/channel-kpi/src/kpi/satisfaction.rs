//! Section 4 of the catalog, satisfaction: customers' CSAT / NPS about partners, and partners'
//! satisfaction with the program by topic.
//!
//! ```
//! use channel_kpi::{Dataset, Dimension, Metric, Period, Query, SurveyKind, SurveyResponse};
//! let mut data = Dataset::default();
//! for (kind, scale, score) in [(SurveyKind::Csat, 5, 5), (SurveyKind::Csat, 5, 3), (SurveyKind::Nps, 10, 10), (SurveyKind::Nps, 10, 4)] {
//!     let mut a = SurveyResponse::new(kind, scale, score.into(), "2025-02-01".parse().unwrap());
//!     a.partner_id = Some("P1".into());
//!     data.surveys.push(a);
//! }
//! data.validate().unwrap();
//! let t = data.run(&Query::new(vec![Metric::PartnerCsat], Period::parse("2025").unwrap()).by(Dimension::Partner)).unwrap();
//! assert_eq!(t.get(&[Some("P1")], "csat").unwrap().as_f64(), Some(0.5)); // 1 of 2 answers ≥ 4
//! assert_eq!(t.get(&[Some("P1")], "nps").unwrap().as_f64(), Some(0.0)); // (1 − 1) ÷ 2 × 100
//! ```

use super::common::{Count, Days, Proportion, Sum, ratio, state};
use super::survey_tally::{SurveyTally, needs_of_one};
use crate::domain::SurveyTopic;
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Merge, Record, Value, Window, each};
use crate::error::Result;
use rust_decimal::Decimal;

fn mean(sum: &Sum, n: &Count) -> Value {
    Value::float(ratio(sum.0, Decimal::from(n.0)))
}

state! {
    /// CSAT answers (satisfied share and score sum) and NPS answers.
    pub struct CsatState { pub csat: Proportion, pub csat_sum: Sum, pub nps_n: Count, pub promoters: Count, pub detractors: Count }
}

impl CsatState {
    /// Adds the CSAT and NPS answers of `t` (`SurveyTally`, one window's answers of one
    /// group); true when it holds one. An error when the score sum overflows.
    pub(crate) fn fold(&mut self, t: &SurveyTally) -> Result<bool> {
        if t.csat.n == 0 && t.nps_n == 0 {
            return Ok(false);
        }
        (self.csat.n, self.csat.hits) = (self.csat.n + t.csat.n, self.csat.hits + t.csat.hits);
        if t.csat.n > 0 {
            self.csat_sum.merge(&t.csat_sum)?;
        }
        self.nps_n.0 += t.nps_n;
        self.promoters.0 += t.promoters;
        self.detractors.0 += t.detractors;
        Ok(true)
    }
}

/// `partner_csat`, from customers' answers about the partner that served them, submitted in
/// the window — tracked for every partner, small ones too (group by `partner`).
/// * CSAT: `csat` = answers ≥ `options.csat_threshold` (default 4) ÷ answers, on the
///   `options.csat_scale` (default 1–5; an answer on another scale is an error), with `csat_n`
///   (answers), `csat_lo`, `csat_hi` (Wilson), and `csat_mean` (mean score).
/// * NPS (0–10): `nps` = (promoters (9–10) − detractors (0–6)) ÷ answers × 100, in −100..100,
///   with `nps_responses`, `nps_promoters`, `nps_detractors`.
///
/// Absent when there is no answer of the kind. Example: CSAT answers 5, 4, 3, 2 → csat 0.5,
/// mean 3.5; NPS answers 10, 9, 8, 3 → (2 − 1) ÷ 4 × 100 = 25.
pub struct PartnerCsat;
impl Kpi for PartnerCsat {
    type State = CsatState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c = Proportion::columns("csat");
        c.push(ColumnSpec::new("csat_mean", ColumnKind::Float));
        c.push(ColumnSpec::new("nps", ColumnKind::Float));
        c.extend(["nps_responses", "nps_promoters", "nps_detractors"].map(|n| ColumnSpec::new(n, ColumnKind::Int)));
        Ok(c)
    }
    fn observe(s: &mut CsatState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        s.fold(&SurveyTally::of(rec, w, &needs_of_one(ctx, true))?)
    }
    fn finish(states: &[&CsatState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            let mut v = s.csat.values(ctx);
            v.push(mean(&s.csat_sum, &Count(s.csat.n)));
            let n = s.nps_n.0;
            let nps = (n > 0).then(|| (s.promoters.0 as f64 - s.detractors.0 as f64) / n as f64 * 100.0);
            v.push(Value::float(nps));
            v.extend([Value::count(n), Value::count(s.promoters.0), Value::count(s.detractors.0)]);
            Ok(v)
        })
    }
}

state! {
    /// Count and score sum of one topic.
    pub struct TopicState { pub n: Count, pub sum: Sum }
}

state! {
    /// Partner-satisfaction answers per topic, and the distribution of all scores.
    pub struct SatisfactionState {
        pub rewards: TopicState,
        pub communications: TopicState,
        pub training: TopicState,
        pub support: TopicState,
        pub other: TopicState,
        pub scores: Days,
    }
}

impl SatisfactionState {
    fn topic(&self, t: SurveyTopic) -> &TopicState {
        match t {
            SurveyTopic::Rewards => &self.rewards,
            SurveyTopic::Communications => &self.communications,
            SurveyTopic::Training => &self.training,
            SurveyTopic::Support => &self.support,
            SurveyTopic::Other => &self.other,
        }
    }
}

impl SatisfactionState {
    /// Adds the partner-satisfaction answers of `t` (`SurveyTally`, one window's answers of
    /// one group); true when it holds one. An error when a score sum overflows.
    pub(crate) fn fold(&mut self, t: &SurveyTally) -> Result<bool> {
        if t.topics.iter().all(|x| x.n == 0) {
            return Ok(false);
        }
        for (topic, x) in SurveyTopic::ALL.iter().zip(&t.topics).filter(|(_, x)| x.n > 0) {
            let mine = self.topic_mut(*topic);
            mine.n.0 += x.n;
            mine.sum.merge(&x.sum)?;
        }
        let small: Vec<(i64, u64)> = t.scores.iter().enumerate().filter(|(_, n)| **n > 0).map(|(k, n)| (k as i64, *n)).collect();
        self.scores.add_sorted(&small);
        self.scores.merge(&t.high_scores)?;
        Ok(true)
    }

    fn topic_mut(&mut self, t: SurveyTopic) -> &mut TopicState {
        match t {
            SurveyTopic::Rewards => &mut self.rewards,
            SurveyTopic::Communications => &mut self.communications,
            SurveyTopic::Training => &mut self.training,
            SurveyTopic::Support => &mut self.support,
            SurveyTopic::Other => &mut self.other,
        }
    }
}

/// `partner_satisfaction`, from partners' answers to the program survey submitted in the
/// window (use `buckets = quarter` and `compare_to = previous_period` for the quarterly review
/// and its change; or group by `attr:topic`): answers and mean score overall
/// (`satisfaction_responses`, `satisfaction_mean`) and per topic
/// (`satisfaction_<topic>_n`, `satisfaction_<topic>_mean` for rewards, communications,
/// training, support, other — an answer without topic is `other`), and the distribution:
/// `satisfaction_score_<k>` = answers with score `k` (rounded half to even) for k = 1 ..
/// `options.csat_scale`. Means are absent where there is no answer.
///
/// Example: rewards 2 and 4, training 5 → mean 11 ÷ 3 = 3.667, rewards mean 3, scores 2, 4, 5
/// once each.
pub struct PartnerSatisfaction;
impl Kpi for PartnerSatisfaction {
    type State = SatisfactionState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(ctx: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c =
            vec![ColumnSpec::new("satisfaction_responses", ColumnKind::Int), ColumnSpec::new("satisfaction_mean", ColumnKind::Float)];
        for t in SurveyTopic::ALL {
            c.push(ColumnSpec::new(format!("satisfaction_{}_n", t.name()), ColumnKind::Int));
            c.push(ColumnSpec::new(format!("satisfaction_{}_mean", t.name()), ColumnKind::Float));
        }
        for k in 1..=ctx.query.options.csat_scale {
            c.push(ColumnSpec::new(format!("satisfaction_score_{k}"), ColumnKind::Int));
        }
        Ok(c)
    }
    fn observe(s: &mut SatisfactionState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        s.fold(&SurveyTally::of(rec, w, &needs_of_one(ctx, false))?)
    }
    fn finish(states: &[&SatisfactionState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            let (mut n, mut sum) = (Count::default(), Sum::default());
            for t in SurveyTopic::ALL {
                let ts = s.topic(*t);
                n.0 += ts.n.0;
                sum.add(ts.sum.0)?;
            }
            let mut v = vec![Value::count(n.0), mean(&sum, &n)];
            for t in SurveyTopic::ALL {
                let ts = s.topic(*t);
                v.push(Value::count(ts.n.0));
                v.push(mean(&ts.sum, &ts.n));
            }
            for k in 1..=ctx.query.options.csat_scale {
                v.push(Value::count(s.scores.get(k as i64)));
            }
            Ok(v)
        })
    }
}
