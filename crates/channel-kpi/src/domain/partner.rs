//! [`Partner`]: a member of the partner program.

use crate::error::{Error, Location, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A channel partner (reseller, distributor, agent, referral partner).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Partner {
    /// Unique id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Program tier (gold, silver, …).
    #[serde(default)]
    pub tier: Option<String>,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
    /// The org unit that manages the partner.
    #[serde(default)]
    pub org_unit: Option<String>,
    /// Joined the program on.
    #[serde(default)]
    pub joined_on: Option<NaiveDate>,
    /// Left the program on (not active from that day on).
    #[serde(default)]
    pub left_on: Option<NaiveDate>,
}

impl Partner {
    /// A partner with only an id.
    pub fn new(id: impl Into<String>) -> Self {
        Partner { id: id.into(), name: None, tier: None, region: None, org_unit: None, joined_on: None, left_on: None }
    }
    /// `left_on` must be after `joined_on`.
    pub fn validate(&self) -> Result<()> {
        if self.id.trim().is_empty() {
            return Err(Error::Missing { location: Location { field: Some("partner_id".into()), ..Default::default() } });
        }
        if let (Some(j), Some(l)) = (self.joined_on, self.left_on)
            && l <= j
        {
            return Err(Error::invalid(
                Location::record("partner", &self.id, "left_on").with_value(l),
                format!("left on or before joining ({j})"),
            ));
        }
        Ok(())
    }
    /// Active at the instant `t`: joined on or before `t`, not left on or before `t`.
    pub fn active_at(&self, t: NaiveDate) -> bool {
        self.joined_on.is_none_or(|j| j <= t) && self.left_on.is_none_or(|l| l > t)
    }
}
