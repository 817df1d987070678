//! [`Dimension`]: what a KPI can be grouped by.

use crate::error::{Error, Location, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A grouping dimension. Written as text in queries, files and bindings:
/// `partner`, `partner_tier`, `region`, `owner`, `org:<level>` (e.g. `org:team`), `channel`,
/// `source`, `product`, `kind`, `attr:<name>` (a user-defined column), and `all`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Dimension {
    /// Everything in one group (used by company-wide targets).
    All,
    /// The deal's partner; `null` = direct.
    Partner,
    /// The partner's tier.
    PartnerTier,
    /// The partner's region.
    Region,
    /// The employee who owns the deal.
    Owner,
    /// The owner's ancestor at an org level (`org:team`, `org:department`, …).
    Org(String),
    /// Channel segment (paid / earned / owned).
    Channel,
    /// Source within the channel.
    Source,
    /// Product.
    Product,
    /// Deal kind (new / upsell / renewal).
    Kind,
    /// A user-defined attribute.
    Attr(String),
}

/// The value of a dimension for one record, borrowed from the record or the reference data.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DimValue<'a> {
    /// The record has this dimension; `None` = empty (e.g. a direct deal's partner).
    Value(Option<&'a str>),
    /// The record kind has no such dimension (a marketing spend has no owner): it is left out
    /// of groupings by this dimension.
    NotApplicable,
}

impl<'a> DimValue<'a> {
    /// The value's text: `None` when empty or not applicable.
    pub fn text(&self) -> Option<&'a str> {
        match self {
            DimValue::Value(t) => *t,
            DimValue::NotApplicable => None,
        }
    }
}

impl Dimension {
    /// The output column name: `partner`, `partner_tier`, `region`, `owner`, the org level
    /// name (`team`), `channel`, `source`, `product`, `kind`, or the attribute name.
    pub fn column_name(&self) -> String {
        match self {
            Dimension::Org(l) => l.clone(),
            Dimension::Attr(a) => a.clone(),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dimension::All => f.write_str("all"),
            Dimension::Partner => f.write_str("partner"),
            Dimension::PartnerTier => f.write_str("partner_tier"),
            Dimension::Region => f.write_str("region"),
            Dimension::Owner => f.write_str("owner"),
            Dimension::Org(l) => write!(f, "org:{l}"),
            Dimension::Channel => f.write_str("channel"),
            Dimension::Source => f.write_str("source"),
            Dimension::Product => f.write_str("product"),
            Dimension::Kind => f.write_str("kind"),
            Dimension::Attr(a) => write!(f, "attr:{a}"),
        }
    }
}

impl FromStr for Dimension {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if let Some(l) = t.strip_prefix("org:").filter(|l| !l.is_empty()) {
            return Ok(Dimension::Org(l.to_string()));
        }
        if let Some(a) = t.strip_prefix("attr:").filter(|a| !a.is_empty()) {
            return Ok(Dimension::Attr(a.to_string()));
        }
        Ok(match t.to_ascii_lowercase().as_str() {
            "all" => Dimension::All,
            "partner" => Dimension::Partner,
            "partner_tier" | "tier" => Dimension::PartnerTier,
            "region" => Dimension::Region,
            "owner" | "employee" => Dimension::Owner,
            "channel" => Dimension::Channel,
            "source" => Dimension::Source,
            "product" => Dimension::Product,
            "kind" => Dimension::Kind,
            "team" | "department" | "unit" => Dimension::Org(t.to_ascii_lowercase()),
            _ => {
                return Err(Error::parse(
                    Location { field: Some("group_by".into()), value: Some(s.into()), ..Default::default() },
                    "unknown dimension; expected partner, partner_tier, region, owner, team, department, unit, org:<level>, channel, source, product, kind, attr:<name> or all",
                ));
            }
        })
    }
}

impl TryFrom<String> for Dimension {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}
impl From<Dimension> for String {
    fn from(d: Dimension) -> String {
        d.to_string()
    }
}
