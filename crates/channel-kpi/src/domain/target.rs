//! [`Target`]s (revenue goals) and marketing [`Spend`].

use super::Channel;
use crate::engine::Dimension;
use crate::money::Money;
use crate::period::Period;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A revenue goal for one group and period: for example partner `P07` in 2025, or team `T2`
/// (`dimension = org:team`) in 2025-Q1. `dimension = all` (with no key) is the company goal.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Target {
    /// The grouping dimension the target is set for.
    pub dimension: Dimension,
    /// The group value (`None` for `all`).
    #[serde(default)]
    pub key: Option<String>,
    /// The period the goal covers.
    pub period: Period,
    /// The goal.
    pub amount: Money,
}

/// Marketing money spent on a channel (and source) on a day.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Spend {
    /// Channel segment.
    pub channel: Channel,
    /// Source within the channel.
    #[serde(default)]
    pub source: Option<String>,
    /// Date of the spend.
    pub spent_on: NaiveDate,
    /// Amount.
    pub amount: Money,
}
