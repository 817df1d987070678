//! [`SurveyResponse`]: a customer's CSAT or NPS answer about a partner, or a partner's answer
//! to the program's satisfaction survey.

use super::vocabulary;
use crate::error::{Error, Location, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the survey measures.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyKind {
    /// A customer's satisfaction with the partner that served them (1–`scale`).
    Csat,
    /// A customer's likelihood to recommend (0–10).
    Nps,
    /// A partner's satisfaction with the program (1–`scale`), by topic.
    PartnerSatisfaction,
}
vocabulary!(SurveyKind, "kind", ["csat" => Csat, "nps" => Nps, "partner_satisfaction" => PartnerSatisfaction]);

/// The topic of a partner-satisfaction question.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyTopic {
    /// Rewards and incentives.
    Rewards,
    /// Communications from the vendor.
    Communications,
    /// Training.
    Training,
    /// Support.
    Support,
    /// Anything else.
    Other,
}
vocabulary!(SurveyTopic, "topic", [
    "rewards" => Rewards,
    "communications" => Communications,
    "training" => Training,
    "support" => Support,
    "other" => Other,
]);

/// One answer. `score` lies on `scale_min..=scale` (1–5 for CSAT and partner satisfaction,
/// 0–10 for NPS); [`SurveyResponse::validate`] checks it.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct SurveyResponse {
    /// Response id (optional).
    #[serde(default)]
    pub id: Option<String>,
    /// CSAT, NPS or partner satisfaction.
    pub kind: SurveyKind,
    /// Topic (partner satisfaction only; `None` counts as `other`).
    #[serde(default)]
    pub topic: Option<SurveyTopic>,
    /// Highest possible score (5 for a 1–5 scale, 10 for NPS).
    pub scale: u32,
    /// The answer.
    pub score: Decimal,
    /// Date answered.
    pub submitted_on: NaiveDate,
    /// Who answered (a customer account or a partner contact).
    #[serde(default)]
    pub respondent: Option<String>,
    /// The partner the answer is about (CSAT / NPS) or from (partner satisfaction).
    #[serde(default)]
    pub partner_id: Option<String>,
    /// User-defined dimensions.
    #[serde(default)]
    pub attrs: BTreeMap<String, String>,
}

impl SurveyResponse {
    /// A response without id, topic, respondent or partner.
    pub fn new(kind: SurveyKind, scale: u32, score: Decimal, submitted_on: NaiveDate) -> Self {
        SurveyResponse {
            id: None,
            kind,
            topic: None,
            scale,
            score,
            submitted_on,
            respondent: None,
            partner_id: None,
            attrs: BTreeMap::new(),
        }
    }
    /// Lowest possible score: 0 for NPS, 1 otherwise.
    pub fn scale_min(&self) -> u32 {
        if self.kind == SurveyKind::Nps { 0 } else { 1 }
    }
    /// `survey R7` or `csat survey of P1 on 2025-03-01`, for error messages.
    pub fn describe(&self) -> String {
        match &self.id {
            Some(id) => format!("survey {id}"),
            None => format!("{} survey of {} on {}", self.kind, self.partner_id.as_deref().unwrap_or("-"), self.submitted_on),
        }
    }
    /// NPS uses a 0–10 scale; other kinds 1–`scale` with `scale ≥ 2`; the score lies on it.
    pub fn validate(&self) -> Result<()> {
        let loc = |f: &str| Location { record: Some(self.describe()), field: Some(f.into()), ..Default::default() };
        match answer_problem(self.kind, self.scale, self.score) {
            None => Ok(()),
            Some(Problem::NpsScale) => Err(Error::invalid(loc("scale").with_value(self.scale), "NPS answers are on a 0–10 scale")),
            Some(Problem::Scale) => Err(Error::invalid(loc("scale").with_value(self.scale), "a scale needs at least 2 points")),
            Some(Problem::Score(lo, hi)) => {
                Err(Error::invalid(loc("score").with_value(self.score), format!("outside the scale {lo}–{hi}")))
            }
        }
    }
}

/// What [`SurveyResponse::validate`] finds wrong with an answer.
pub(crate) enum Problem {
    /// An NPS answer not on a 0–10 scale.
    NpsScale,
    /// A scale of fewer than 2 points.
    Scale,
    /// A score outside `lo..=hi`.
    Score(Decimal, Decimal),
}

/// The checks of [`SurveyResponse::validate`] on an answer's kind, scale and score (also run
/// on the columns of [`crate::Surveys`], which hold no `SurveyResponse`): `None` when valid.
#[inline]
pub(crate) fn answer_problem(kind: SurveyKind, scale: u32, score: Decimal) -> Option<Problem> {
    if kind == SurveyKind::Nps && scale != 10 {
        return Some(Problem::NpsScale);
    }
    if scale < 2 {
        return Some(Problem::Scale);
    }
    let (lo, hi) = (i64::from(kind != SurveyKind::Nps), i64::from(scale));
    let outside = super::cmp_int(score, lo).is_lt() || super::cmp_int(score, hi).is_gt();
    outside.then(|| Problem::Score(Decimal::from(lo), Decimal::from(hi)))
}
