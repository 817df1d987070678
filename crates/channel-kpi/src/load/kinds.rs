//! [`RecordKind`]: the kinds of record files the loader reads, their names, canonical file
//! names and canonical fields.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kinds of record files the loader reads, one canonical file each (`deals.csv`, …).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// `org_units.csv`: the org hierarchy.
    OrgUnits,
    /// `partners.csv`.
    Partners,
    /// `pipeline.csv`: the pipeline definition.
    Pipeline,
    /// `fx_rates.csv`: exchange rates (`from`, `to`, `date`, `rate`).
    FxRates,
    /// `deals.csv`.
    Deals,
    /// `stage_history.csv`.
    StageHistory,
    /// `leads.csv`.
    Leads,
    /// `targets.csv`.
    Targets,
    /// `spend.csv`.
    Spend,
    /// `courses.csv`: LMS course attendance.
    Courses,
    /// `surveys.csv`: CSAT, NPS and partner-satisfaction answers.
    Surveys,
    /// `program_costs.csv`: program costs per partner and period.
    ProgramCosts,
    /// `subscriptions.csv`: MRR per account and month.
    Subscriptions,
    /// `contracts.csv`: subscription contracts, or a churn snapshot to derive them from.
    Contracts,
    /// `tickets.csv`: support tickets.
    Tickets,
    /// `onboarding.csv`: account onboardings.
    Onboarding,
    /// `engagement.csv`: engagement events.
    Engagement,
    /// `referrals.csv`: referrals.
    Referrals,
    /// `usage.csv`: product usage per account and month.
    Usage,
}

impl RecordKind {
    /// Every kind, in loading order (reference data first, stage history after deals).
    pub const ALL: [RecordKind; 19] = [
        RecordKind::OrgUnits,
        RecordKind::Partners,
        RecordKind::Pipeline,
        RecordKind::FxRates,
        RecordKind::Deals,
        RecordKind::StageHistory,
        RecordKind::Leads,
        RecordKind::Targets,
        RecordKind::Spend,
        RecordKind::Courses,
        RecordKind::Surveys,
        RecordKind::ProgramCosts,
        RecordKind::Subscriptions,
        RecordKind::Contracts,
        RecordKind::Tickets,
        RecordKind::Onboarding,
        RecordKind::Engagement,
        RecordKind::Referrals,
        RecordKind::Usage,
    ];

    /// The canonical file stem: `deals`, `stage_history`, `org_units`, …
    pub fn name(&self) -> &'static str {
        match self {
            RecordKind::OrgUnits => "org_units",
            RecordKind::Partners => "partners",
            RecordKind::Pipeline => "pipeline",
            RecordKind::FxRates => "fx_rates",
            RecordKind::Deals => "deals",
            RecordKind::StageHistory => "stage_history",
            RecordKind::Leads => "leads",
            RecordKind::Targets => "targets",
            RecordKind::Spend => "spend",
            RecordKind::Courses => "courses",
            RecordKind::Surveys => "surveys",
            RecordKind::ProgramCosts => "program_costs",
            RecordKind::Subscriptions => "subscriptions",
            RecordKind::Contracts => "contracts",
            RecordKind::Tickets => "tickets",
            RecordKind::Onboarding => "onboarding",
            RecordKind::Engagement => "engagement",
            RecordKind::Referrals => "referrals",
            RecordKind::Usage => "usage",
        }
    }

    /// The kind whose canonical file stem is `stem`.
    pub fn from_name(stem: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.name() == stem)
    }

    /// The canonical field names of this kind (docs/data-format.md).
    pub fn fields(&self) -> &'static [&'static str] {
        match self {
            RecordKind::Deals => &[
                "deal_id",
                "partner_id",
                "owner_id",
                "channel",
                "source",
                "product",
                "kind",
                "created_on",
                "registered_on",
                "registration_status",
                "expected_close_on",
                "closed_on",
                "status",
                "amount",
                "currency",
                "lost_reason",
                "stage",
                "partner_stages",
            ],
            RecordKind::StageHistory => &["deal_id", "stage", "entered_on"],
            RecordKind::Leads => &["lead_id", "created_on", "channel", "source", "partner_id", "deal_id", "won_on"],
            RecordKind::Partners => &["partner_id", "name", "tier", "region", "org_unit", "joined_on", "left_on"],
            RecordKind::OrgUnits => &["unit_id", "name", "level", "parent_id"],
            RecordKind::Targets => &["dimension", "key", "period", "amount", "currency"],
            RecordKind::Spend => &["channel", "source", "spent_on", "amount", "currency"],
            RecordKind::Pipeline => &["stage", "probability", "qualified", "outcome"],
            RecordKind::FxRates => &["from", "to", "date", "rate"],
            RecordKind::Courses => &["partner_id", "person_id", "course_id", "attended_on", "completed_on", "score"],
            RecordKind::Surveys => SURVEY_FIELDS,
            RecordKind::ProgramCosts => &["partner_id", "period", "kind", "amount", "currency"],
            RecordKind::Subscriptions => SUBSCRIPTION_FIELDS,
            RecordKind::Contracts => CONTRACT_FIELDS,
            RecordKind::Tickets => &["ticket_id", "account_id", "opened_on", "closed_on", "partner_id"],
            RecordKind::Onboarding => &["account_id", "started_on", "completed_on", "partner_id"],
            RecordKind::Engagement => &["account_id", "occurred_on", "kind", "partner_id"],
            RecordKind::Referrals => {
                &["referral_id", "referred_on", "referrer_account_id", "partner_id", "referred_account_id", "converted_on"]
            }
            RecordKind::Usage => &["account_id", "month", "active_users", "features_used", "partner_id"],
        }
    }

    /// Whether records of this kind keep extra columns as `attrs` (deals, leads, surveys,
    /// subscriptions, contracts).
    pub fn has_attrs(&self) -> bool {
        matches!(self, RecordKind::Deals | RecordKind::Leads | RecordKind::Surveys | RecordKind::Subscriptions | RecordKind::Contracts)
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The canonical fields of `surveys`.
pub const SURVEY_FIELDS: &[&str] = &["survey_id", "kind", "topic", "scale", "score", "submitted_on", "respondent", "partner_id"];
/// The canonical fields of `subscriptions`.
pub const SUBSCRIPTION_FIELDS: &[&str] = &["account_id", "month", "mrr", "currency", "partner_id"];
/// The canonical fields of `contracts`.
pub const CONTRACT_FIELDS: &[&str] = &[
    "account_id",
    "partner_id",
    "plan",
    "mrr",
    "currency",
    "started_on",
    "ended_on",
    "amendments",
    "known_until",
    "snapshot_on",
    "tenure_months",
    "churned",
];
