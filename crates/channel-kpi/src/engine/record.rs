//! What flows through the engine: [`Record`]s (facts, streamed) and the [`Reference`] data
//! they are looked up against (partners, org tree, pipeline, exchange rates).

use super::dimension::{DimValue, Dimension};
use crate::domain::{
    Channel, Contract, CourseAttendance, Deal, DealKind, Deals, EngagementEvent, Lead, Onboarding, OrgTree, Partner, PipelineDef,
    ProductUsage, ProgramCost, Referral, Spend, SubscriptionMonth, SupportTicket, SurveyResponse, Target,
};
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
    /// A member of the partner program, streamed so partner counts group, roll up and merge
    /// like every other KPI (see `partner_count_change`).
    Partner(&'a Partner),
    /// A course attendance (LMS).
    Course(&'a CourseAttendance),
    /// A survey answer.
    Survey(&'a SurveyResponse),
    /// A program cost of a partner.
    Cost(&'a ProgramCost),
    /// An account's MRR in a month.
    Subscription(&'a SubscriptionMonth),
    /// A subscription contract: the engine expands it into [`Record::Subscription`] months
    /// ([`Contract::months`]) before any KPI sees it.
    Contract(&'a Contract),
    /// A support ticket.
    Ticket(&'a SupportTicket),
    /// An account's onboarding.
    Onboarding(&'a Onboarding),
    /// An engagement event.
    Engagement(&'a EngagementEvent),
    /// A referral.
    Referral(&'a Referral),
    /// Product usage of an account in a month.
    Usage(&'a ProductUsage),
}

impl<'a> Record<'a> {
    /// `deal D-17`, for error messages.
    pub fn describe(&self) -> String {
        match self {
            Record::Deal(d) => format!("deal {}", d.id),
            Record::Lead(l) => format!("lead {}", l.id),
            Record::Target(t) => format!("target {}={} {}", t.dimension, t.key.as_deref().unwrap_or(""), t.period),
            Record::Spend(s) => format!("spend {} {} {}", s.channel, s.source.as_deref().unwrap_or(""), s.spent_on),
            Record::Partner(p) => format!("partner {}", p.id),
            Record::Course(c) => c.describe(),
            Record::Survey(s) => s.describe(),
            Record::Cost(c) => c.describe(),
            Record::Subscription(s) => s.describe(),
            Record::Contract(c) => c.describe(),
            Record::Ticket(t) => format!("ticket {}", t.id),
            Record::Onboarding(o) => format!("onboarding {}", o.account_id),
            Record::Engagement(e) => format!("engagement {} {}", e.account_id, e.occurred_on),
            Record::Referral(r) => format!("referral {}", r.id),
            Record::Usage(u) => format!("usage {} {}", u.account_id, u.month.format("%Y-%m")),
        }
    }

    /// Every money amount the record carries.
    pub fn amounts(&self) -> Option<Money> {
        match self {
            Record::Deal(d) => d.amount,
            Record::Target(t) => Some(t.amount),
            Record::Spend(s) => Some(s.amount),
            Record::Cost(c) => Some(c.amount),
            Record::Subscription(s) => Some(s.mrr),
            Record::Contract(c) => Some(c.mrr),
            _ => None,
        }
    }

    /// The record's value for a dimension.
    pub fn dim_value<'b>(&self, dim: &Dimension, refs: &'b Reference) -> DimValue<'b>
    where
        'a: 'b,
    {
        let v = DimValue::Value;
        let partner_attr = |pid: Option<&'b String>, f: fn(&Partner) -> Option<&String>| {
            v(pid.and_then(|p| refs.partner(p)).and_then(f).map(String::as_str))
        };
        match (*self, dim) {
            (_, Dimension::All) => DimValue::Value(None),
            (Record::Deal(d), dim) => deal_dim(d, dim, refs),
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
            (Record::Partner(p), Dimension::Partner) => v(Some(&p.id)),
            (Record::Partner(p), dim) => partner_dims(Some(&p.id), dim, refs),
            (Record::Course(c), dim) => partner_dims(Some(&c.partner_id), dim, refs),
            (Record::Cost(c), dim) => partner_dims(Some(&c.partner_id), dim, refs),
            (Record::Survey(s), Dimension::Attr(a)) if a == "topic" => v(Some(s.topic.unwrap_or(crate::SurveyTopic::Other).name())),
            (Record::Survey(s), Dimension::Attr(a)) => v(s.attrs.get(a).map(String::as_str)),
            (Record::Survey(s), dim) => partner_dims(s.partner_id.as_ref(), dim, refs),
            (Record::Subscription(s), Dimension::Attr(a)) => v(s.attrs.get(a).map(String::as_str)),
            (Record::Subscription(s), dim) => partner_dims(s.partner_id.as_ref(), dim, refs),
            (Record::Contract(c), Dimension::Attr(a)) if a == "plan" => v(c.plan.as_deref()),
            (Record::Contract(c), Dimension::Attr(a)) => v(c.attrs.get(a).map(String::as_str)),
            (Record::Contract(c), dim) => partner_dims(c.partner_id.as_ref(), dim, refs),
            (Record::Ticket(t), dim) => partner_dims(t.partner_id.as_ref(), dim, refs),
            (Record::Onboarding(o), dim) => partner_dims(o.partner_id.as_ref(), dim, refs),
            (Record::Engagement(e), dim) => partner_dims(e.partner_id.as_ref(), dim, refs),
            (Record::Referral(r), dim) => partner_dims(r.partner_id.as_ref(), dim, refs),
            (Record::Usage(u), dim) => partner_dims(u.partner_id.as_ref(), dim, refs),
        }
    }
}

/// The fields of a deal that group it, read from a [`Deal`] or from one row of [`Deals`], so
/// both are grouped by one piece of code ([`deal_dim`]).
pub(crate) trait DealFields<'a>: Copy {
    fn partner_id(self) -> Option<&'a str>;
    fn owner_id(self) -> Option<&'a str>;
    fn channel(self) -> Option<Channel>;
    fn source(self) -> Option<&'a str>;
    fn product(self) -> Option<&'a str>;
    fn kind(self) -> DealKind;
    fn attr(self, name: &str) -> Option<&'a str>;
}

impl<'a> DealFields<'a> for &'a Deal {
    fn partner_id(self) -> Option<&'a str> {
        self.partner_id.as_deref()
    }
    fn owner_id(self) -> Option<&'a str> {
        self.owner_id.as_deref()
    }
    fn channel(self) -> Option<Channel> {
        self.channel
    }
    fn source(self) -> Option<&'a str> {
        self.source.as_deref()
    }
    fn product(self) -> Option<&'a str> {
        self.product.as_deref()
    }
    fn kind(self) -> DealKind {
        self.kind
    }
    fn attr(self, name: &str) -> Option<&'a str> {
        self.attrs.get(name).map(String::as_str)
    }
}

impl<'a> DealFields<'a> for (&'a Deals, usize) {
    fn partner_id(self) -> Option<&'a str> {
        self.0.partner_id(self.1)
    }
    fn owner_id(self) -> Option<&'a str> {
        self.0.owner_id(self.1)
    }
    fn channel(self) -> Option<Channel> {
        self.0.channel(self.1)
    }
    fn source(self) -> Option<&'a str> {
        self.0.source(self.1)
    }
    fn product(self) -> Option<&'a str> {
        self.0.product(self.1)
    }
    fn kind(self) -> DealKind {
        self.0.kind(self.1)
    }
    fn attr(self, name: &str) -> Option<&'a str> {
        self.0.attr(self.1, name)
    }
}

/// A deal's value of `dim`.
pub(crate) fn deal_dim<'b>(d: impl DealFields<'b>, dim: &Dimension, refs: &'b Reference) -> DimValue<'b> {
    let v = DimValue::Value;
    let partner =
        |f: fn(&'b Partner) -> Option<&'b String>| v(d.partner_id().and_then(|p| refs.partner(p)).and_then(f).map(String::as_str));
    match dim {
        Dimension::Partner => v(d.partner_id()),
        Dimension::PartnerTier => partner(|p| p.tier.as_ref()),
        Dimension::Region => partner(|p| p.region.as_ref()),
        Dimension::Owner => v(d.owner_id()),
        Dimension::Org(level) => v(d.owner_id().and_then(|o| refs.org.ancestor_at_level(o, level))),
        Dimension::Channel => v(d.channel().map(|c| c.name())),
        Dimension::Source => v(d.source()),
        Dimension::Product => v(d.product()),
        Dimension::Kind => v(Some(d.kind().name())),
        Dimension::Attr(a) => v(d.attr(a)),
        Dimension::All => DimValue::Value(None),
    }
}

/// Dimensions of records that know only their partner: the partner, its tier and region, and
/// the org unit managing it (`org:<level>`); nothing else applies.
fn partner_dims<'b>(pid: Option<&'b String>, dim: &Dimension, refs: &'b Reference) -> DimValue<'b> {
    let v = DimValue::Value;
    let p = pid.and_then(|p| refs.partner(p));
    match dim {
        Dimension::All => DimValue::Value(None),
        Dimension::Partner => v(pid.map(String::as_str)),
        Dimension::PartnerTier => v(p.and_then(|p| p.tier.as_deref())),
        Dimension::Region => v(p.and_then(|p| p.region.as_deref())),
        Dimension::Org(level) => v(p.and_then(|p| p.org_unit.as_deref()).and_then(|u| refs.org.ancestor_at_level(u, level))),
        _ => DimValue::NotApplicable,
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
