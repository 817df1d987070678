//! [`Lead`]: a marketing lead and whether it converted.

use super::Channel;
use crate::error::{Error, Location, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A lead. It *converted* when the deal it became was won; `won_on` holds that date (the
/// loaders fill it from the linked deal, or a CRM export can give it directly).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Lead {
    /// Unique id.
    pub id: String,
    /// Creation (first-contact) date.
    pub created_on: NaiveDate,
    /// Channel segment.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// Source within the channel.
    #[serde(default)]
    pub source: Option<String>,
    /// Partner who referred it.
    #[serde(default)]
    pub partner_id: Option<String>,
    /// The deal it became.
    #[serde(default)]
    pub deal_id: Option<String>,
    /// The date that deal was won, if it was.
    #[serde(default)]
    pub won_on: Option<NaiveDate>,
    /// User-defined dimensions.
    #[serde(default)]
    pub attrs: BTreeMap<String, String>,
}

impl Lead {
    /// A minimal lead.
    pub fn new(id: impl Into<String>, created_on: NaiveDate) -> Self {
        Lead {
            id: id.into(),
            created_on,
            channel: None,
            source: None,
            partner_id: None,
            deal_id: None,
            won_on: None,
            attrs: BTreeMap::new(),
        }
    }

    /// `won_on` may precede `created_on` in real exports (a deal recorded as won before first
    /// contact); that is kept and counted — it is a data-quality fact, not a parse error.
    pub fn validate(&self) -> Result<()> {
        Lead::check_id(&self.id)
    }

    /// The check [`Lead::validate`] makes: a lead id is not blank (also run on the ids of
    /// [`crate::Leads`], which hold no `Lead`).
    pub(crate) fn check_id(id: &str) -> Result<()> {
        if id.trim().is_empty() {
            return Err(Error::Missing { location: Location { field: Some("lead_id".into()), ..Default::default() } });
        }
        Ok(())
    }
}
