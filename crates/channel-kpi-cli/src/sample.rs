//! The sample dataset (`examples/data/`), embedded so `channel-kpi scorecard` runs anywhere.

use channel_kpi::load::{RecordKind, Source};

/// The sample's reporting date: nothing happens on or after it (scripts/gen_sample_data.py).
pub const AS_OF: &str = "2026-01-15";
/// The period reported when none is given.
pub const PERIOD: &str = "2025";

const FILES: [(RecordKind, &str, &str); 17] = [
    (RecordKind::OrgUnits, "org_units.csv", include_str!("../../../examples/data/org_units.csv")),
    (RecordKind::Partners, "partners.csv", include_str!("../../../examples/data/partners.csv")),
    (RecordKind::Pipeline, "pipeline.csv", include_str!("../../../examples/data/pipeline.csv")),
    (RecordKind::Deals, "deals.csv", include_str!("../../../examples/data/deals.csv")),
    (RecordKind::StageHistory, "stage_history.csv", include_str!("../../../examples/data/stage_history.csv")),
    (RecordKind::Leads, "leads.csv", include_str!("../../../examples/data/leads.csv")),
    (RecordKind::Targets, "targets.csv", include_str!("../../../examples/data/targets.csv")),
    (RecordKind::Spend, "spend.csv", include_str!("../../../examples/data/spend.csv")),
    (RecordKind::Courses, "courses.csv", include_str!("../../../examples/data/courses.csv")),
    (RecordKind::Surveys, "surveys.csv", include_str!("../../../examples/data/surveys.csv")),
    (RecordKind::ProgramCosts, "program_costs.csv", include_str!("../../../examples/data/program_costs.csv")),
    (RecordKind::Subscriptions, "subscriptions.csv", include_str!("../../../examples/data/subscriptions.csv")),
    (RecordKind::Tickets, "tickets.csv", include_str!("../../../examples/data/tickets.csv")),
    (RecordKind::Onboarding, "onboarding.csv", include_str!("../../../examples/data/onboarding.csv")),
    (RecordKind::Engagement, "engagement.csv", include_str!("../../../examples/data/engagement.csv")),
    (RecordKind::Referrals, "referrals.csv", include_str!("../../../examples/data/referrals.csv")),
    (RecordKind::Usage, "usage.csv", include_str!("../../../examples/data/usage.csv")),
];

/// The embedded files as loader sources (named `sample:<file>` in messages).
pub fn sources() -> Vec<Source> {
    FILES.iter().map(|(k, name, text)| Source::from_text(*k, &format!("sample:{name}"), *text)).collect()
}
