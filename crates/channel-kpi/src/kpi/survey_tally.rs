//! [`SurveyTally`]: what the survey KPIs (`partner_csat`, `partner_satisfaction`) take from
//! answers submitted in one window (of one group) — CSAT answers, satisfied ones and their
//! score sum; NPS answers, promoters and detractors; partner-satisfaction answers and score sum
//! per topic and how many answers round to each score — and the one fold of it into their
//! states ([`fold_surveys`]).
//!
//! Both ways an answer reaches the engine go through it: `Kpi::observe` of a
//! [`crate::engine::Record::Survey`] folds the tally of that one answer ([`SurveyTally::of`]),
//! and `Engine::push_surveys` adds every answer of a group and window read from the columns
//! of [`crate::Surveys`] to one tally ([`SurveyTally::add`]) and folds each tally once. Counts
//! and exact score sums add up (associatively, in any order), so both give the same states.
//!
//! ```text
//! window 2025-Q1, csat_threshold 4, csat_scale 5
//! csat 5, csat 3                         →  csat n 2, hits 1, sum 8
//! nps 10, nps 4                          →  nps n 2, promoters 1, detractors 1
//! partner_satisfaction rewards 2.5       →  rewards n 1, sum 2.5; score 2 (2.5 rounds half to even) once
//! an answer submitted 2025-04-01         →  nothing (not in the window)
//! ```

use super::common::{Days, Proportion, Sum};
use crate::domain::{SurveyKind, SurveyResponse, SurveyTopic, round_int};
use crate::engine::{Ctx, KpiState, Query, Record, Window};
use crate::error::{Error, Location, Result};
use rust_decimal::Decimal;

/// Scores rounding to `0..SMALL` are counted in an array; higher ones (scales above 5) in a
/// histogram.
const SMALL: usize = 6;

/// Which answers a query's survey KPIs read, and the options they are read with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SurveyNeeds {
    /// CSAT and NPS answers (`partner_csat`).
    pub csat: bool,
    /// Partner-satisfaction answers (`partner_satisfaction`).
    pub satisfaction: bool,
    /// `options.csat_scale`: the scale every CSAT and partner-satisfaction answer must have.
    pub scale: u32,
    /// `options.csat_threshold`: a CSAT answer at least this is satisfied.
    pub threshold: i64,
}

impl SurveyNeeds {
    /// What the metrics of `q` read.
    pub(crate) fn of(q: &Query) -> SurveyNeeds {
        let has = |m| q.metrics.contains(&m);
        SurveyNeeds {
            csat: has(crate::Metric::PartnerCsat),
            satisfaction: has(crate::Metric::PartnerSatisfaction),
            scale: q.options.csat_scale,
            threshold: i64::from(q.options.csat_threshold),
        }
    }

    /// Whether an answer of `kind` counts for a KPI of the query.
    #[inline]
    pub(crate) fn reads(&self, kind: SurveyKind) -> bool {
        match kind {
            SurveyKind::Csat | SurveyKind::Nps => self.csat,
            SurveyKind::PartnerSatisfaction => self.satisfaction,
        }
    }

    /// Whether an answer of `kind` on a 1–`scale` scale that counts ([`SurveyNeeds::reads`])
    /// is refused: CSAT and partner-satisfaction answers on another scale than the query's
    /// cannot be pooled ([`scale_error`]; NPS is always 0–10).
    #[inline]
    pub(crate) fn off_scale(&self, kind: SurveyKind, scale: u32) -> bool {
        kind != SurveyKind::Nps && scale != self.scale
    }
}

/// The error of answer `s`, on another scale than the query's `csat_scale`.
pub(crate) fn scale_error(s: &SurveyResponse, csat_scale: u32) -> Error {
    Error::invalid(
        Location { record: Some(s.describe()), field: Some("scale".into()), value: Some(s.scale.to_string()), ..Default::default() },
        format!(
            "answer on a 1–{} scale, but the query's csat_scale is {csat_scale} (answers on different scales cannot be pooled)",
            s.scale
        ),
    )
}

/// A score's thresholds at its decimal scale (a score compared as its mantissa): the CSAT
/// threshold, 9 and 6 (NPS promoters and detractors) and 10^scale, for the `scale` of the last
/// score seen (recomputed when it changes: the scores of a column share one).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cuts {
    scale: u32,
    threshold: i128,
    nine: i128,
    six: i128,
    one: i128,
}

impl Cuts {
    /// The cuts of `needs` at scale 0.
    pub(crate) fn new(needs: &SurveyNeeds) -> Cuts {
        let t = i128::from(needs.threshold);
        Cuts { scale: 0, threshold: t, nine: 9, six: 6, one: 1 }
    }

    /// At `d`'s scale.
    #[inline]
    fn at(&mut self, d: Decimal, needs: &SurveyNeeds) {
        if d.scale() != self.scale {
            let one = 10i128.pow(d.scale()); // a decimal's scale is at most 28
            let t = i128::from(needs.threshold);
            *self = Cuts { scale: d.scale(), threshold: t * one, nine: 9 * one, six: 6 * one, one };
        }
    }
}

/// Answers and score sum of one topic.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct TopicTally {
    pub n: u64,
    pub sum: Sum,
}

/// The answers of one group submitted in one window, as the survey KPIs count them.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct SurveyTally {
    /// CSAT answers and those at least the threshold.
    pub csat: Proportion,
    /// Sum of the CSAT scores.
    pub csat_sum: Sum,
    /// NPS answers, promoters (9–10), detractors (0–6).
    pub nps_n: u64,
    pub promoters: u64,
    pub detractors: u64,
    /// Partner-satisfaction answers per topic (in the order of [`SurveyTopic::ALL`]; no topic
    /// is `other`).
    pub topics: [TopicTally; 5],
    /// Partner-satisfaction answers per score rounded half to even, below [`SMALL`] …
    pub scores: [u64; SMALL],
    /// … and from it on.
    pub high_scores: Days,
}

impl SurveyTally {
    /// The tally of one record in window `w`, for the answers `needs` reads: empty when it is
    /// no answer of such a kind or not submitted in `w`; an error when it is on another scale
    /// than the query's ([`scale_error`]).
    pub(crate) fn of(rec: &Record, w: &Window, needs: &SurveyNeeds) -> Result<SurveyTally> {
        let mut t = SurveyTally::default();
        if let Record::Survey(s) = rec
            && needs.reads(s.kind)
            && w.contains(s.submitted_on)
        {
            if needs.off_scale(s.kind, s.scale) {
                return Err(scale_error(s, needs.scale));
            }
            t.add(s.kind, s.topic, s.score, needs, &mut Cuts::new(needs))?;
        }
        Ok(t)
    }

    /// Adds one answer of `kind` (one `needs` reads, on the query's scale) with `topic` and
    /// `score` (`cuts`: the thresholds at the scale of the last score added, kept between
    /// calls); an error only when a score sum overflows.
    #[inline]
    pub(crate) fn add(
        &mut self,
        kind: SurveyKind,
        topic: Option<SurveyTopic>,
        score: Decimal,
        needs: &SurveyNeeds,
        cuts: &mut Cuts,
    ) -> Result<()> {
        cuts.at(score, needs);
        let m = score.mantissa();
        match kind {
            SurveyKind::Csat => {
                self.csat.add(m >= cuts.threshold);
                self.csat_sum.add(score)?;
            }
            SurveyKind::Nps => {
                self.nps_n += 1;
                self.promoters += u64::from(m >= cuts.nine);
                self.detractors += u64::from(m <= cuts.six);
            }
            SurveyKind::PartnerSatisfaction => {
                let t = &mut self.topics[topic.unwrap_or(SurveyTopic::Other) as usize];
                t.n += 1;
                t.sum.add(score)?;
                // rounded half to even (`round_int`), by the mantissa when it is small
                // (tenths and hundredths by a constant: a multiply, not a division)
                let k = match (u64::try_from(m), cuts.one) {
                    (Ok(m), 1) => m,
                    (Ok(m), 10) => half_even(m, 10),
                    (Ok(m), 100) => half_even(m, 100),
                    (Ok(m), one) if one <= i128::from(u64::MAX) => half_even(m, one as u64),
                    _ => round_int(score).unwrap_or(0) as u64,
                };
                match usize::try_from(k) {
                    Ok(k) if k < SMALL => self.scores[k] += 1,
                    _ => self.high_scores.add(round_int(score).unwrap_or(0)),
                }
            }
        }
        Ok(())
    }

    /// True when no answer was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.csat.n == 0 && self.nps_n == 0 && self.topics.iter().all(|t| t.n == 0)
    }
}

/// `m ÷ one` rounded half to even.
#[inline(always)]
fn half_even(m: u64, one: u64) -> u64 {
    let (q, r) = (m / one, m % one);
    q + u64::from(2 * r > one || (2 * r == one && q % 2 == 1))
}

/// Folds the tally `t` into `state` with the fold of its KPI's own `observe`; true when it
/// counted (an answer of a kind the KPI reads). A KPI that reads no answer is left as it is
/// (false).
pub(crate) fn fold_surveys(state: &mut KpiState, t: &SurveyTally) -> Result<bool> {
    match state {
        KpiState::PartnerCsat(s) => s.fold(t),
        KpiState::PartnerSatisfaction(s) => s.fold(t),
        _ => Ok(false),
    }
}

/// The needs of a query of one survey KPI (`csat`: `partner_csat`, else
/// `partner_satisfaction`): what its `observe` reads.
pub(crate) fn needs_of_one(ctx: &Ctx, csat: bool) -> SurveyNeeds {
    SurveyNeeds { csat, satisfaction: !csat, ..SurveyNeeds::of(ctx.query) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Metric, Period};

    fn answer(kind: SurveyKind, score: &str, day: &str) -> SurveyResponse {
        let scale = if kind == SurveyKind::Nps { 10 } else { 5 };
        SurveyResponse::new(kind, scale, score.parse().unwrap(), day.parse().unwrap())
    }

    const BOTH: SurveyNeeds = SurveyNeeds { csat: true, satisfaction: true, scale: 5, threshold: 4 };

    #[test]
    fn answers_count_in_their_window_for_the_kpis_reading_them() {
        let w = Window { period: Period::parse("2025-Q1").unwrap(), cyclic: None };
        let mut t = SurveyTally::default();
        for (kind, score) in [(SurveyKind::Csat, "5"), (SurveyKind::Csat, "3"), (SurveyKind::Nps, "10"), (SurveyKind::Nps, "4")] {
            let one = SurveyTally::of(&Record::Survey(&answer(kind, score, "2025-02-01")), &w, &BOTH).unwrap();
            t.csat.hits += one.csat.hits;
            t.csat.n += one.csat.n;
            t.csat_sum.add(one.csat_sum.0).unwrap();
            (t.nps_n, t.promoters, t.detractors) = (t.nps_n + one.nps_n, t.promoters + one.promoters, t.detractors + one.detractors);
        }
        assert_eq!((t.csat.n, t.csat.hits, t.csat_sum.0.to_string()), (2, 1, "8".into()));
        assert_eq!((t.nps_n, t.promoters, t.detractors), (2, 1, 1));
        let mut ps = answer(SurveyKind::PartnerSatisfaction, "2.5", "2025-03-31");
        ps.topic = Some(SurveyTopic::Rewards);
        let one = SurveyTally::of(&Record::Survey(&ps), &w, &BOTH).unwrap();
        assert_eq!((one.topics[0].n, one.topics[0].sum.0.to_string(), one.scores[2]), (1, "2.5".into(), 1));
        ps.topic = None;
        ps.score = "4.5".parse().unwrap();
        let one = SurveyTally::of(&Record::Survey(&ps), &w, &BOTH).unwrap();
        assert_eq!((one.topics[SurveyTopic::Other as usize].n, one.scores[4]), (1, 1), "no topic is other; 4.5 rounds to 4");
        assert!(SurveyTally::of(&Record::Survey(&answer(SurveyKind::Csat, "5", "2025-04-01")), &w, &BOTH).unwrap().is_empty());
        let only_csat = SurveyNeeds { satisfaction: false, ..BOTH };
        assert!(SurveyTally::of(&Record::Survey(&ps), &w, &only_csat).unwrap().is_empty(), "not read: not counted");
    }

    #[test]
    fn score_sums_are_the_sums_of_decimals_across_scales() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let scores = ["4.5", "3.0", "5", "0.25", "2.50", "1", "7.5"];
        let (mut t, mut cuts, mut want) = (SurveyTally::default(), Cuts::new(&BOTH), Decimal::ZERO);
        for x in scores {
            t.add(SurveyKind::Csat, None, d(x), &BOTH, &mut cuts).unwrap();
            want += d(x);
            assert_eq!(t.csat_sum.0.serialize(), want.serialize(), "after {x}");
        }
        assert_eq!(t.csat_sum.0.to_string(), "23.75");
        let mut big = SurveyTally::default();
        big.add(SurveyKind::Csat, None, Decimal::MAX, &BOTH, &mut cuts).unwrap();
        assert!(big.add(SurveyKind::Csat, None, Decimal::MAX, &BOTH, &mut cuts).is_err(), "an overflow is an error, never a wrap");
    }

    #[test]
    fn scores_round_half_to_even_and_cut_at_every_decimal_scale() {
        let (mut t, mut cuts) = (SurveyTally::default(), Cuts::new(&BOTH));
        for s in ["0.5", "1.5", "2.50", "2.51", "3", "4.499", "3.0000000000000000000000000"] {
            t.add(SurveyKind::PartnerSatisfaction, None, s.parse().unwrap(), &BOTH, &mut cuts).unwrap();
        }
        assert_eq!(t.scores[..6], [1, 0, 2, 3, 1, 0]); // 0 2 2 3 3 4 3
        for s in ["3.99", "4.0", "4", "5.00"] {
            t.add(SurveyKind::Csat, None, s.parse().unwrap(), &BOTH, &mut cuts).unwrap();
        }
        assert_eq!((t.csat.n, t.csat.hits), (4, 3));
        for s in ["9.0", "8.99", "6", "6.01", "0"] {
            t.add(SurveyKind::Nps, None, s.parse().unwrap(), &BOTH, &mut cuts).unwrap();
        }
        assert_eq!((t.nps_n, t.promoters, t.detractors), (5, 1, 2));
    }

    #[test]
    fn an_answer_on_another_scale_is_an_error_only_where_it_counts() {
        let w = Window { period: Period::parse("2025-Q1").unwrap(), cyclic: None };
        let mut a = answer(SurveyKind::Csat, "6", "2025-02-01");
        a.scale = 7;
        let e = SurveyTally::of(&Record::Survey(&a), &w, &BOTH).unwrap_err().to_string();
        assert!(e.contains("1–7 scale") && e.contains("csat_scale is 5"), "{e}");
        let only_satisfaction = SurveyNeeds { csat: false, ..BOTH };
        assert!(SurveyTally::of(&Record::Survey(&a), &w, &only_satisfaction).unwrap().is_empty());
        a.submitted_on = "2025-05-01".parse().unwrap();
        assert!(SurveyTally::of(&Record::Survey(&a), &w, &BOTH).unwrap().is_empty(), "outside the window");
    }

    #[test]
    fn high_scores_and_the_fold_reach_the_survey_kpis_only() {
        let needs = SurveyNeeds { scale: 20, ..BOTH };
        let (mut t, mut cuts) = (SurveyTally::default(), Cuts::new(&needs));
        for s in ["12.5", "12", "3"] {
            t.add(SurveyKind::PartnerSatisfaction, Some(SurveyTopic::Support), s.parse().unwrap(), &needs, &mut cuts).unwrap();
        }
        assert_eq!((t.high_scores.get(12), t.scores[3], t.topics[3].n), (2, 1, 3));
        let mut s = Metric::PartnerSatisfaction.new_state();
        assert!(fold_surveys(&mut s, &t).unwrap());
        let KpiState::PartnerSatisfaction(st) = &s else { panic!("{s:?}") };
        assert_eq!((st.support.n.0, st.support.sum.0.to_string(), st.scores.get(12), st.scores.get(3)), (3, "27.5".into(), 2, 1));
        let mut csat = Metric::PartnerCsat.new_state();
        assert!(!fold_surveys(&mut csat, &t).unwrap(), "no CSAT or NPS answer: not counted");
        let mut deals = Metric::DealCount.new_state();
        assert!(!fold_surveys(&mut deals, &t).unwrap());
        assert_eq!(deals, Metric::DealCount.new_state());
    }
}
