//! What flows through the engine: [`Record`]s (facts, streamed) and the [`Reference`] data
//! they are looked up against (partners, org tree, pipeline, exchange rates).

use super::dimension::{DimValue, Dimension};
use crate::domain::{Deal, Lead, OrgTree, Partner, PipelineDef, Spend, Target};
use crate::error::{Error, Location, Result};
use crate::money::{FxTable, Money};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One fact record, borrowed. Each KPI looks at the kinds it needs and ignores the others.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Record<'a> {
    /// An opportunity.
    Deal(&'a Deal),
    /// A marketing lead.
    Lead(&'a Lead),
    /// A revenue target.
    Target(&'a Target),
    /// Marketing spend.
    Spend(&'a Spend),
}

impl Record<'_> {
    /// `deal D-17`, for error messages.
    pub fn describe(&self) -> String {
        match self {
            Record::Deal(d) => format!("deal {}", d.id),
            Record::Lead(l) => format!("lead {}", l.id),
            Record::Target(t) => format!("target {}={} {}", t.dimension, t.key.as_deref().unwrap_or(""), t.period),
            Record::Spend(s) => format!("spend {} {} {}", s.channel, s.source.as_deref().unwrap_or(""), s.spent_on),
        }
    }

    /// Every money amount the record carries.
    pub fn amounts(&self) -> Option<Money> {
        match self {
            Record::Deal(d) => d.amount,
            Record::Target(t) => Some(t.amount),
            Record::Spend(s) => Some(s.amount),
            Record::Lead(_) => None,
        }
    }

    /// The record's value for a dimension.
    pub fn dim_value(&self, dim: &Dimension, refs: &Reference) -> DimValue {
        let v = |o: Option<&str>| DimValue::Value(o.map(str::to_string));
        let partner_attr =
            |pid: Option<&String>, f: fn(&Partner) -> Option<&String>| v(pid.and_then(|p| refs.partner(p)).and_then(f).map(String::as_str));
        match (self, dim) {
            (_, Dimension::All) => DimValue::Value(None),
            (Record::Deal(d), dim) => match dim {
                Dimension::Partner => v(d.partner_id.as_deref()),
                Dimension::PartnerTier => partner_attr(d.partner_id.as_ref(), |p| p.tier.as_ref()),
                Dimension::Region => partner_attr(d.partner_id.as_ref(), |p| p.region.as_ref()),
                Dimension::Owner => v(d.owner_id.as_deref()),
                Dimension::Org(level) => v(d.owner_id.as_deref().and_then(|o| refs.org.ancestor_at_level(o, level))),
                Dimension::Channel => v(d.channel.map(|c| c.name())),
                Dimension::Source => v(d.source.as_deref()),
                Dimension::Product => v(d.product.as_deref()),
                Dimension::Kind => v(Some(d.kind.name())),
                Dimension::Attr(a) => v(d.attrs.get(a).map(String::as_str)),
                Dimension::All => DimValue::Value(None),
            },
            (Record::Lead(l), dim) => match dim {
                Dimension::Partner => v(l.partner_id.as_deref()),
                Dimension::PartnerTier => partner_attr(l.partner_id.as_ref(), |p| p.tier.as_ref()),
                Dimension::Region => partner_attr(l.partner_id.as_ref(), |p| p.region.as_ref()),
                Dimension::Channel => v(l.channel.map(|c| c.name())),
                Dimension::Source => v(l.source.as_deref()),
                Dimension::Attr(a) => v(l.attrs.get(a).map(String::as_str)),
                _ => DimValue::NotApplicable,
            },
            (Record::Target(t), dim) if *dim == t.dimension => v(t.key.as_deref()),
            (Record::Target(_), _) => DimValue::NotApplicable,
            (Record::Spend(s), Dimension::Channel) => v(Some(s.channel.name())),
            (Record::Spend(s), Dimension::Source) => v(s.source.as_deref()),
            (Record::Spend(_), _) => DimValue::NotApplicable,
        }
    }
}

/// Reference data: looked up, not streamed. In JSON: `partners` (a list), `org_units` (a list),
/// `pipeline` (a list of stages), `fx` (`{"rule": "on_or_before", "rates": [...]}`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Reference {
    /// Partners by id.
    #[serde(default, with = "partners_as_list")]
    pub partners: HashMap<String, Partner>,
    /// The org hierarchy.
    #[serde(default, rename = "org_units")]
    pub org: OrgTree,
    /// The pipeline definition (stages and probabilities).
    #[serde(default)]
    pub pipeline: PipelineDef,
    /// Exchange rates.
    #[serde(default)]
    pub fx: FxTable,
}

impl Reference {
    /// A partner by id.
    pub fn partner(&self, id: &str) -> Option<&Partner> {
        self.partners.get(id)
    }

    /// Adds partners, rejecting duplicate ids and invalid records.
    pub fn add_partners(&mut self, partners: impl IntoIterator<Item = Partner>) -> Result<()> {
        for p in partners {
            p.validate()?;
            if self.partners.contains_key(&p.id) {
                return Err(Error::Reference {
                    location: Location::record("partner", &p.id, "partner_id").with_value(&p.id),
                    reason: "duplicate partner id".into(),
                });
            }
            self.partners.insert(p.id.clone(), p);
        }
        Ok(())
    }
}

mod partners_as_list {
    use super::Partner;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::HashMap;

    pub fn serialize<S: Serializer>(m: &HashMap<String, Partner>, s: S) -> Result<S::Ok, S::Error> {
        let mut v: Vec<&Partner> = m.values().collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v.serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<HashMap<String, Partner>, D::Error> {
        let v: Vec<Partner> = Vec::deserialize(d)?;
        let mut m = HashMap::with_capacity(v.len());
        for p in v {
            p.validate().map_err(serde::de::Error::custom)?;
            let id = p.id.clone();
            if m.insert(id.clone(), p).is_some() {
                return Err(serde::de::Error::custom(format!("duplicate partner id {id:?}")));
            }
        }
        Ok(m)
    }
}
