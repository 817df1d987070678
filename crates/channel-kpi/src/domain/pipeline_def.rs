//! [`PipelineDef`]: the ordered stages of the sales pipeline with their win probabilities.

use crate::error::{Error, Location, Result};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Whether a stage ends the deal.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageOutcome {
    /// Closed won.
    Won,
    /// Closed lost.
    Lost,
}

/// One stage.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct StageDef {
    /// Stage name as it appears in deals and stage history.
    pub name: String,
    /// Win probability in [0, 1], for the weighted pipeline.
    #[serde(with = "rust_decimal::serde::str")]
    pub probability: Decimal,
    /// The stage that counts as *qualified* (`deal_success_rate`).
    #[serde(default)]
    pub qualified: bool,
    /// Terminal stage. When not given, stages named `won` / `closed won` are won and `lost` /
    /// `closed lost` are lost (case-insensitive).
    #[serde(default)]
    pub outcome: Option<StageOutcome>,
}

/// The pipeline: stages in order. Open stages come first in the funnel order; terminal stages
/// (won / lost) may stand anywhere and are not part of the open-stage order.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<StageDef>", into = "Vec<StageDef>")]
pub struct PipelineDef {
    /// Stages in order.
    pub stages: Vec<StageDef>,
}

impl PipelineDef {
    /// Validates: unique names, probabilities in [0, 1], at most one qualified stage. Fills
    /// the outcome of stages named won / lost.
    pub fn new(mut stages: Vec<StageDef>) -> Result<Self> {
        for s in stages.iter_mut() {
            let loc = || Location::record("stage", &s.name, "probability").with_value(s.probability);
            if s.probability < Decimal::ZERO || s.probability > Decimal::ONE {
                return Err(Error::invalid(loc(), "probability must be in [0, 1]"));
            }
            if s.outcome.is_none() {
                s.outcome = match crate::domain::normalize_word(&s.name).as_str() {
                    "won" | "closed_won" => Some(StageOutcome::Won),
                    "lost" | "closed_lost" => Some(StageOutcome::Lost),
                    _ => None,
                };
            }
        }
        for (i, s) in stages.iter().enumerate() {
            if stages[..i].iter().any(|o| o.name == s.name) {
                return Err(Error::Reference {
                    location: Location::record("stage", &s.name, "stage"),
                    reason: "duplicate stage name".into(),
                });
            }
        }
        if stages.iter().filter(|s| s.qualified).count() > 1 {
            return Err(Error::invalid(
                Location { field: Some("qualified".into()), ..Default::default() },
                "only one stage can be the qualified stage",
            ));
        }
        Ok(PipelineDef { stages })
    }
    /// True when no stages are defined.
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }
    /// A stage by name.
    pub fn stage(&self, name: &str) -> Option<&StageDef> {
        self.stages.iter().find(|s| s.name == name)
    }
    /// The open (non-terminal) stages in order.
    pub fn open_stages(&self) -> impl Iterator<Item = &StageDef> {
        self.stages.iter().filter(|s| s.outcome.is_none())
    }
    /// Position of an open stage in the open-stage order.
    pub fn open_index(&self, name: &str) -> Option<usize> {
        self.open_stages().position(|s| s.name == name)
    }
    /// Position of the qualified stage in the open-stage order.
    pub fn qualified_index(&self) -> Option<usize> {
        self.open_stages().position(|s| s.qualified)
    }
}

impl TryFrom<Vec<StageDef>> for PipelineDef {
    type Error = Error;
    fn try_from(v: Vec<StageDef>) -> Result<Self> {
        PipelineDef::new(v)
    }
}
impl From<PipelineDef> for Vec<StageDef> {
    fn from(p: PipelineDef) -> Self {
        p.stages
    }
}
