//! [`Mapping`]: how a CRM export's columns and values become canonical record fields.
//!
//! A mapping is plain serde data, usually a JSON file (`examples/mappings/*.json`, documented
//! option by option in `docs/mappings.md`). For each record kind it can rename columns,
//! translate vocabularies, list date formats, give defaults for empty cells, choose which extra
//! columns become `attrs`, and left-join columns from another file by key.
//!
//! ```
//! use channel_kpi::load::{Mapping, RecordKind};
//! let m = Mapping::from_json_str(r#"{
//!     "deals": {
//!         "file": "sales_pipeline.csv",
//!         "columns": {"deal_id": "opportunity_id", "status": "deal_stage"},
//!         "values": {"status": {"Engaging": "open", "Won": "won", "Lost": "lost"}},
//!         "defaults": {"currency": "USD"}
//!     }
//! }"#).unwrap();
//! assert_eq!(m.kind(RecordKind::Deals).source_column("deal_id"), "opportunity_id");
//! assert_eq!(m.kind(RecordKind::Deals).source_column("amount"), "amount");
//! // A typo in a canonical field name is caught when the mapping is read.
//! assert!(Mapping::from_json_str(r#"{"deals": {"columns": {"deal_idd": "x"}}}"#).is_err());
//! ```

use super::kinds::RecordKind;
use crate::error::{Error, Location, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Which extra (unmapped) columns become `attrs` on deals and leads.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Attrs {
    /// `"all"` (default) or `"none"`.
    Mode(AttrsMode),
    /// Only these source columns.
    Columns(Vec<String>),
}

/// The two whole-file choices for [`Attrs`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttrsMode {
    /// Every column the mapping does not use (the default).
    #[default]
    All,
    /// No attrs.
    None,
}

impl Default for Attrs {
    fn default() -> Self {
        Attrs::Mode(AttrsMode::All)
    }
}

/// A left join: for each row, the row of another file whose `key` column equals this row's
/// `on` column supplies the canonical fields listed in `columns`.
///
/// Olist's closed deals take their created date and origin from the MQL file:
/// `{"file": "olist_marketing_qualified_leads_dataset.csv", "on": "mql_id",
///   "columns": {"created_on": "first_contact_date", "source": "origin"}}`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lookup {
    /// The other file (CSV or JSON Lines), relative to the directory of the file being read.
    pub file: String,
    /// The column of the file being read that holds the key.
    pub on: String,
    /// The key column in the other file (default: the same name as `on`).
    #[serde(default)]
    pub key: Option<String>,
    /// Canonical field → column of the other file.
    pub columns: BTreeMap<String, String>,
    /// When true (default), a row whose key is empty or not found is an error naming the row;
    /// when false, the joined fields are simply empty for that row.
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

impl Lookup {
    /// The key column in the other file.
    pub fn key_column(&self) -> &str {
        self.key.as_deref().unwrap_or(&self.on)
    }
}

/// One level of an org hierarchy given as columns of one row (`org_units.levels`): Maven's
/// `sales_teams.csv` row `agent, manager, regional_office` is the chain
/// agent (employee) → manager → office.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgLevel {
    /// Source column holding the unit id at this level.
    pub column: String,
    /// The level name (`employee`, `manager`, `office`, …), used as `org:<level>` in queries.
    pub level: String,
}

/// The mapping of one record kind. Every part is optional; an empty `KindMapping` reads the
/// canonical format.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KindMapping {
    /// The source file name, relative to the loaded directory (default `<kind>.csv` or
    /// `<kind>.jsonl`).
    pub file: Option<String>,
    /// Canonical field → source column (fields not listed are read from the column of the same
    /// name). Two fields may read the same column (Maven `deal_stage` → `status` and `stage`).
    pub columns: BTreeMap<String, String>,
    /// Canonical field → (source value → canonical value). A value mapped to `""` becomes
    /// empty. Values not listed pass through unchanged (and must then be canonical).
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// chrono formats tried in order for every date field of this kind (default: the
    /// mapping's `date_formats`, else `%Y-%m-%d`). A format with a time part reduces a
    /// datetime to its date.
    pub date_formats: Vec<String>,
    /// Canonical field → canonical value used when the cell is empty or the column missing.
    /// Dates here are always `YYYY-MM-DD`.
    pub defaults: BTreeMap<String, String>,
    /// Which extra columns become `attrs` (deals and leads).
    pub attrs: Attrs,
    /// Left joins with other files.
    pub lookups: Vec<Lookup>,
    /// `org_units` only: build the hierarchy from one row of level columns, lowest level first.
    pub levels: Vec<OrgLevel>,
}

impl KindMapping {
    /// The source column read for canonical `field` (ignoring lookups).
    pub fn source_column<'a>(&'a self, field: &'a str) -> &'a str {
        self.columns.get(field).map_or(field, String::as_str)
    }

    /// The lookup (index, source column in the other file) that supplies `field`, if any.
    pub fn lookup_for(&self, field: &str) -> Option<(usize, &str)> {
        self.lookups.iter().enumerate().find_map(|(i, l)| l.columns.get(field).map(|c| (i, c.as_str())))
    }

    fn validate(&self, kind: RecordKind, global_formats: &[String]) -> Result<()> {
        let fields = kind.fields();
        let check = |part: &str, name: &str| -> Result<()> {
            if fields.contains(&name) {
                return Ok(());
            }
            Err(Error::invalid(
                mapping_loc(&format!("{kind}.{part}"), name),
                format!("unknown canonical field of {kind}; expected one of {}", fields.join(", ")),
            ))
        };
        self.columns.keys().try_for_each(|f| check("columns", f))?;
        self.values.keys().try_for_each(|f| check("values", f))?;
        self.defaults.keys().try_for_each(|f| check("defaults", f))?;
        for l in &self.lookups {
            l.columns.keys().try_for_each(|f| check("lookups.columns", f))?;
        }
        if !self.levels.is_empty() && kind != RecordKind::OrgUnits {
            return Err(Error::invalid(mapping_loc(&format!("{kind}.levels"), ""), "`levels` is only for org_units"));
        }
        for f in self.date_formats.iter().chain(global_formats) {
            check_format(f)?;
        }
        Ok(())
    }
}

fn mapping_loc(field: &str, value: &str) -> Location {
    Location { file: Some("mapping".into()), field: Some(field.into()), value: Some(value.into()), ..Default::default() }
}

fn check_format(f: &str) -> Result<()> {
    use chrono::format::{Item, StrftimeItems};
    if f.is_empty() || StrftimeItems::new(f).any(|i| matches!(i, Item::Error)) {
        return Err(Error::invalid(mapping_loc("date_formats", f), "not a valid chrono strftime format"));
    }
    Ok(())
}

/// How every record kind of one export maps onto the canonical files. See the module docs and
/// `docs/mappings.md`.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mapping {
    /// Free text: what export this mapping is for.
    pub description: Option<String>,
    /// Date formats for every kind that does not list its own.
    pub date_formats: Vec<String>,
    /// `deals`.
    pub deals: KindMapping,
    /// `stage_history`.
    pub stage_history: KindMapping,
    /// `leads`.
    pub leads: KindMapping,
    /// `partners`.
    pub partners: KindMapping,
    /// `org_units`.
    pub org_units: KindMapping,
    /// `targets`.
    pub targets: KindMapping,
    /// `spend`.
    pub spend: KindMapping,
    /// `pipeline`.
    pub pipeline: KindMapping,
    /// `fx_rates`.
    pub fx_rates: KindMapping,
    /// `courses`.
    pub courses: KindMapping,
    /// `surveys`.
    pub surveys: KindMapping,
    /// `program_costs`.
    pub program_costs: KindMapping,
    /// `subscriptions`.
    pub subscriptions: KindMapping,
    /// `contracts`.
    pub contracts: KindMapping,
    /// `tickets`.
    pub tickets: KindMapping,
    /// `onboarding`.
    pub onboarding: KindMapping,
    /// `engagement`.
    pub engagement: KindMapping,
    /// `referrals`.
    pub referrals: KindMapping,
    /// `usage`.
    pub usage: KindMapping,
}

impl Mapping {
    /// Parses and validates a mapping from JSON text.
    pub fn from_json_str(text: &str) -> Result<Self> {
        let m: Mapping = serde_json::from_str(text).map_err(|e| {
            Error::parse(
                Location { file: Some("mapping".into()), line: Some(e.line() as u64), ..Default::default() },
                format!("invalid mapping JSON: {e}"),
            )
        })?;
        m.validate()?;
        Ok(m)
    }

    /// Reads, parses and validates a mapping file.
    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Self> {
        let p = path.as_ref();
        let text = std::fs::read_to_string(p).map_err(|source| Error::Io { path: p.display().to_string(), source })?;
        Mapping::from_json_str(&text).map_err(|e| match e {
            Error::Parse { mut location, reason } => {
                location.file = Some(p.display().to_string());
                Error::Parse { location, reason }
            }
            other => other,
        })
    }

    /// Checks that every field named is a canonical field of its kind and every date format
    /// is valid.
    pub fn validate(&self) -> Result<()> {
        RecordKind::ALL.iter().try_for_each(|k| self.kind(*k).validate(*k, &self.date_formats))
    }

    /// The mapping of one kind.
    pub fn kind(&self, kind: RecordKind) -> &KindMapping {
        match kind {
            RecordKind::Deals => &self.deals,
            RecordKind::StageHistory => &self.stage_history,
            RecordKind::Leads => &self.leads,
            RecordKind::Partners => &self.partners,
            RecordKind::OrgUnits => &self.org_units,
            RecordKind::Targets => &self.targets,
            RecordKind::Spend => &self.spend,
            RecordKind::Pipeline => &self.pipeline,
            RecordKind::FxRates => &self.fx_rates,
            RecordKind::Courses => &self.courses,
            RecordKind::Surveys => &self.surveys,
            RecordKind::ProgramCosts => &self.program_costs,
            RecordKind::Subscriptions => &self.subscriptions,
            RecordKind::Contracts => &self.contracts,
            RecordKind::Tickets => &self.tickets,
            RecordKind::Onboarding => &self.onboarding,
            RecordKind::Engagement => &self.engagement,
            RecordKind::Referrals => &self.referrals,
            RecordKind::Usage => &self.usage,
        }
    }

    /// The date formats used for `kind`: its own, else the mapping's, else `%Y-%m-%d`.
    pub fn date_formats(&self, kind: RecordKind) -> Vec<String> {
        let own = &self.kind(kind).date_formats;
        if !own.is_empty() {
            own.clone()
        } else if !self.date_formats.is_empty() {
            self.date_formats.clone()
        } else {
            vec!["%Y-%m-%d".to_string()]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_typos_and_bad_formats() {
        let e = Mapping::from_json_str(r#"{"deals": {"defaults": {"curency": "USD"}}}"#).unwrap_err().to_string();
        assert!(e.contains("deals.defaults") && e.contains("curency"), "{e}");
        assert!(Mapping::from_json_str(r#"{"dealz": {}}"#).is_err(), "unknown kind");
        assert!(Mapping::from_json_str(r#"{"deals": {"colums": {}}}"#).is_err(), "unknown option");
        assert!(Mapping::from_json_str(r#"{"date_formats": ["%Y-%Q"]}"#).is_err());
        assert!(Mapping::from_json_str(r#"{"deals": {"levels": [{"column": "a", "level": "team"}]}}"#).is_err());
    }

    #[test]
    fn attrs_modes_parse() {
        let m = Mapping::from_json_str(r#"{"deals": {"attrs": "none"}, "leads": {"attrs": ["a", "b"]}}"#).unwrap();
        assert_eq!(m.deals.attrs, Attrs::Mode(AttrsMode::None));
        assert_eq!(m.leads.attrs, Attrs::Columns(vec!["a".into(), "b".into()]));
        assert_eq!(m.spend.attrs, Attrs::Mode(AttrsMode::All));
        assert_eq!(m.date_formats(RecordKind::Deals), vec!["%Y-%m-%d"]);
    }

    #[test]
    fn lookups_default_to_required_and_same_key() {
        let m =
            Mapping::from_json_str(r#"{"deals": {"lookups": [{"file": "x.csv", "on": "id", "columns": {"created_on": "d"}}]}}"#).unwrap();
        assert!(m.deals.lookups[0].required);
        assert_eq!(m.deals.lookups[0].key_column(), "id");
        assert_eq!(m.deals.lookup_for("created_on"), Some((0, "d")));
    }
}
