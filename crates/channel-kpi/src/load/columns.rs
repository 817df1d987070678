//! Which columns each loaded table had, and what that lets a query ask for.
//!
//! The loaders record, per record kind, the source columns of the table (CSV header, Arrow
//! schema) and the canonical fields and attrs they provide through the mapping
//! ([`TableColumns`], kept in [`crate::Dataset::columns`]). Two checks use it, so that nothing
//! is computed from columns that are not there:
//!
//! * [`check_required`], before any row is read: every required field the table cannot
//!   provide, at once, with the columns found, close matches (`Amount` → `amount`) and, when
//!   the columns fit another record kind, which one (`leads`);
//! * [`check_group_by`], before a query runs: a `group_by` dimension that no loaded table can
//!   provide is an error naming the column it needs, the columns found and close matches
//!   (grouping by it would put every record in one empty group holding the grand totals).
//!
//! Datasets built in code or from JSON have no column record; the checks then pass.
//!
//! ```
//! use channel_kpi::load::{KindMapping, RecordKind, TableColumns};
//! let header: Vec<String> = ["Deal_ID", "created_on", "status", "Amount"].map(String::from).to_vec();
//! let t = TableColumns::new(RecordKind::Deals, "deals", &header, &KindMapping::default());
//! let e = channel_kpi::load::check_required(&t, RecordKind::Deals).unwrap_err().to_string();
//! assert!(e.contains("missing column deal_id"), "{e}");
//! assert!(e.contains("`Deal_ID` → `deal_id`"), "{e}");
//! assert!(e.contains("`Amount` → `amount`"), "{e}");
//! ```

use super::kinds::RecordKind;
use super::mapping::{Attrs, AttrsMode, KindMapping};
use crate::engine::{Dimension, Query, Reference};
use crate::error::{Error, Location, Result};
use std::collections::{BTreeMap, BTreeSet};

/// The columns of one loaded table and what they provide.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableColumns {
    /// The table as named in errors (`deals`, `deals.csv`).
    pub table: String,
    /// Source column names, in order.
    pub source: Vec<String>,
    /// Canonical fields a row can have a value for (a column, a default or a lookup).
    pub fields: BTreeSet<String>,
    /// Source columns kept as attrs.
    pub attrs: BTreeSet<String>,
    /// Source columns whose name differs from an unprovided canonical field only in case or
    /// punctuation (`Amount` for `amount`): (column, field).
    pub near_misses: Vec<(String, String)>,
}

/// The record kinds whose rows name a partner in `partner_id`.
const PARTNER_KINDS: [RecordKind; 13] = [
    RecordKind::Deals,
    RecordKind::Leads,
    RecordKind::Partners,
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

/// Lower case without `_`, `-`, spaces and dots: `Deal ID` and `deal_id` both become `dealid`.
fn squash(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Edit distance (Levenshtein), for close matches.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The columns of `found` that look like `wanted`: equal once squashed, or within an edit
/// distance of 2 (for names of 5 characters or more), closest first.
pub fn close_matches<'a>(wanted: &str, found: impl IntoIterator<Item = &'a String>) -> Vec<&'a str> {
    let w = squash(wanted);
    let mut hits: Vec<(usize, &str)> = found
        .into_iter()
        .filter_map(|c| {
            let s = squash(c);
            let d = if s == w { 0 } else { distance(&s, &w) + 1 };
            (d == 0 || (w.len() >= 5 && d <= 3)).then_some((d, c.as_str()))
        })
        .collect();
    hits.sort();
    hits.into_iter().map(|(_, c)| c).collect()
}

impl TableColumns {
    /// What a table with columns `header`, read through `map`, provides.
    pub fn new(kind: RecordKind, table: &str, header: &[String], map: &KindMapping) -> TableColumns {
        let has = |c: &str| header.iter().any(|h| h == c);
        let mut fields: BTreeSet<String> = kind
            .fields()
            .iter()
            .filter(|f| has(map.source_column(f)) || map.defaults.contains_key(**f) || map.lookup_for(f).is_some())
            .map(|f| f.to_string())
            .collect();
        if kind == RecordKind::OrgUnits && !map.levels.is_empty() {
            fields.extend(["unit_id", "level", "parent_id"].map(String::from));
        }
        let mut used: BTreeSet<&str> = map.columns.values().map(String::as_str).collect();
        used.extend(map.lookups.iter().map(|l| l.on.as_str()));
        used.extend(map.levels.iter().map(|l| l.column.as_str()));
        let canonical =
            |c: &str| kind.fields().contains(&c) || RecordKind::Deals.fields().contains(&c) || RecordKind::Leads.fields().contains(&c);
        let attrs = if !kind.has_attrs() {
            BTreeSet::new()
        } else {
            match &map.attrs {
                Attrs::Mode(AttrsMode::None) => BTreeSet::new(),
                Attrs::Columns(cols) => cols.iter().filter(|c| has(c)).cloned().collect(),
                Attrs::Mode(AttrsMode::All) => header
                    .iter()
                    .filter(|c| !used.contains(c.as_str()) && !map.columns.contains_key(c.as_str()) && !canonical(c))
                    .cloned()
                    .collect(),
            }
        };
        let near_misses = header
            .iter()
            .filter(|c| !used.contains(c.as_str()) && !kind.fields().contains(&c.as_str()))
            .filter_map(|c| {
                let f = kind.fields().iter().find(|f| squash(f) == squash(c) && !fields.contains(**f))?;
                Some((c.clone(), f.to_string()))
            })
            .collect();
        TableColumns { table: table.to_string(), source: header.to_vec(), fields, attrs, near_misses }
    }

    /// Adds another table of the same kind (a second file): the union.
    pub fn merge(&mut self, o: TableColumns) {
        for c in o.source {
            if !self.source.contains(&c) {
                self.source.push(c);
            }
        }
        self.fields.extend(o.fields);
        self.attrs.extend(o.attrs);
        self.near_misses.extend(o.near_misses);
    }

    fn found(&self) -> String {
        if self.source.is_empty() { "none".to_string() } else { self.source.join(", ") }
    }
}

/// The fields a row of `kind` must have whatever else it holds.
pub fn required_fields(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Deals => &["deal_id", "created_on", "status"],
        RecordKind::StageHistory => &["deal_id", "stage", "entered_on"],
        RecordKind::Leads => &["lead_id", "created_on"],
        RecordKind::Partners => &["partner_id"],
        RecordKind::OrgUnits => &["unit_id", "level"],
        RecordKind::Targets => &["dimension", "period", "amount", "currency"],
        RecordKind::Spend => &["channel", "spent_on", "amount", "currency"],
        RecordKind::Pipeline => &["stage"],
        RecordKind::FxRates => &["from", "to", "date", "rate"],
        RecordKind::Courses => &["partner_id", "course_id", "attended_on"],
        RecordKind::Surveys => &["kind", "submitted_on"],
        RecordKind::ProgramCosts => &["partner_id", "period", "amount", "currency"],
        RecordKind::Subscriptions => &["account_id", "month", "mrr", "currency"],
        // `started_on`, or `tenure_months` with `snapshot_on`: checked row by row.
        RecordKind::Contracts => &["account_id", "mrr", "currency"],
        RecordKind::Tickets => &["ticket_id", "account_id", "opened_on"],
        RecordKind::Onboarding => &["account_id", "started_on"],
        RecordKind::Engagement => &["account_id", "occurred_on"],
        RecordKind::Referrals => &["referral_id", "referred_on"],
        RecordKind::Usage => &["account_id", "month"],
    }
}

/// Every required field `t` cannot provide, in one error (kind `missing`) that lists the
/// columns found, close matches, and another record kind the columns fit; also a column that
/// differs from a canonical field only in case or punctuation (`Amount`), which would otherwise
/// be ignored silently.
pub fn check_required(t: &TableColumns, kind: RecordKind) -> Result<()> {
    let missing: Vec<&str> = required_fields(kind).iter().copied().filter(|f| !t.fields.contains(*f)).collect();
    if missing.is_empty() && t.near_misses.is_empty() {
        return Ok(());
    }
    let mut msg = if missing.is_empty() {
        "columns that look like canonical fields are not read".to_string()
    } else {
        format!("missing column{} {}", if missing.len() > 1 { "s" } else { "" }, missing.join(", "))
    };
    msg.push_str(&format!(" (a {kind} table needs {}); columns found: {}", required_fields(kind).join(", "), t.found()));
    let mut hints: Vec<String> = t.near_misses.iter().map(|(c, f)| format!("`{c}` → `{f}`")).collect();
    for f in &missing {
        for c in close_matches(f, &t.source) {
            let h = format!("`{c}` → `{f}`");
            if !hints.contains(&h) {
                hints.push(h);
            }
        }
    }
    if !hints.is_empty() {
        msg.push_str(&format!("; close matches: {} (rename those columns, or map them with the mapping's `columns`)", hints.join(", ")));
    }
    // Another kind whose required columns are all here, and not merely columns this kind has
    // too (a deals table has partner_id, which alone does not make it a partners table).
    let fits = |k: &RecordKind| {
        *k != kind
            && required_fields(*k).iter().all(|f| t.source.iter().any(|c| c == f))
            && !required_fields(*k).iter().all(|f| kind.fields().contains(f))
    };
    if !missing.is_empty()
        && let Some(other) = RecordKind::ALL.iter().filter(|k| fits(k)).max_by_key(|k| required_fields(**k).len())
    {
        msg.push_str(&format!("; these columns fit a {other} table ({}): pass it as `{other}`", required_fields(*other).join(", ")));
    }
    if let [one] = t.source.as_slice()
        && let Some(sep) = [';', '\t', '|'].into_iter().find(|c| one.contains(*c))
    {
        msg.push_str(&format!("; the header is one column holding {sep:?}: the file is not comma-separated"));
    }
    let field = missing.first().map(|f| f.to_string()).or_else(|| t.near_misses.first().map(|x| x.0.clone()));
    Err(Error::Columns { location: Location { file: Some(t.table.clone()), field, ..Default::default() }, reason: msg })
}

/// A canonical field of a record kind.
type FieldOf = (RecordKind, &'static str);

/// Where a dimension's values come from: (record kind, canonical field) pairs, any one enough,
/// and a reference table that must also be present (partners for tier and region).
fn sources(dim: &Dimension) -> (Vec<FieldOf>, Option<FieldOf>) {
    let partner_ids = || PARTNER_KINDS.iter().map(|k| (*k, "partner_id")).collect::<Vec<_>>();
    match dim {
        Dimension::All => (vec![], None),
        Dimension::Partner => (partner_ids(), None),
        Dimension::PartnerTier => (partner_ids(), Some((RecordKind::Partners, "tier"))),
        Dimension::Region => (partner_ids(), Some((RecordKind::Partners, "region"))),
        Dimension::Owner => (vec![(RecordKind::Deals, "owner_id")], None),
        Dimension::Org(_) => (vec![(RecordKind::Deals, "owner_id"), (RecordKind::Partners, "org_unit")], None),
        Dimension::Channel => (vec![(RecordKind::Deals, "channel"), (RecordKind::Leads, "channel"), (RecordKind::Spend, "channel")], None),
        Dimension::Source => (vec![(RecordKind::Deals, "source"), (RecordKind::Leads, "source"), (RecordKind::Spend, "source")], None),
        Dimension::Product => (vec![(RecordKind::Deals, "product")], None),
        Dimension::Kind => (vec![(RecordKind::Deals, "deal_id")], None),
        Dimension::Attr(_) => (vec![], None),
    }
}

/// Checks every `group_by` dimension of `q` against the loaded tables' columns (`columns`, by
/// kind name; empty = not loaded from tables, nothing to check) and the org tree: an error
/// (kind `query`) names the dimension, the column it needs, the columns found and close
/// matches, and suggests `attr:<name>` when a table has a column of the dimension's name.
pub fn check_group_by(columns: &BTreeMap<String, TableColumns>, refs: &Reference, q: &Query) -> Result<()> {
    for dim in &q.group_by {
        if let Dimension::Org(level) = dim
            && !refs.org.is_empty()
            && !refs.org.units().iter().any(|u| &u.level == level)
        {
            let levels: BTreeSet<&str> = refs.org.units().iter().map(|u| u.level.as_str()).collect();
            let levels = levels.into_iter().collect::<Vec<_>>().join(", ");
            return Err(Error::Query(format!(
                "group_by {dim}: no org unit has level {level:?}; the org units' levels are {levels}{}",
                attr_hint(columns, level)
            )));
        }
        // Reference data every dataset knows about, loaded from tables or not.
        if let Dimension::Org(level) = dim
            && refs.org.is_empty()
        {
            return Err(Error::Query(format!(
                "group_by {dim}: the owner's unit at level {level:?} is read from the org_units table, and no org units were loaded{}",
                attr_hint(columns, level)
            )));
        }
        if let (Dimension::PartnerTier | Dimension::Region, true) = (dim, refs.partners.is_empty() && !columns.contains_key("partners")) {
            let f = if *dim == Dimension::Region { "region" } else { "tier" };
            return Err(Error::Query(format!(
                "group_by {dim}: the partner's {f} is read from the partners table (column {f}), and no partners were loaded{}",
                attr_hint(columns, &dim.column_name())
            )));
        }
        if columns.is_empty() {
            continue;
        }
        let get = |k: RecordKind| columns.get(k.name());
        if let Dimension::Attr(name) = dim {
            let with_attrs: Vec<&TableColumns> = columns.values().filter(|t| !t.attrs.is_empty() || !t.source.is_empty()).collect();
            // `topic` of surveys and `plan` of contracts are canonical fields grouped as attributes.
            let field_attr = |t: &&TableColumns| ["topic", "plan"].contains(&name.as_str()) && t.fields.contains(name);
            if with_attrs.iter().any(|t| t.attrs.contains(name) || field_attr(t)) {
                continue;
            }
            if get(RecordKind::Surveys).is_some() && name == "topic" {
                continue;
            }
            let all: BTreeSet<&String> = columns.values().flat_map(|t| t.attrs.iter()).collect();
            let sources: BTreeSet<&String> = columns.values().flat_map(|t| t.source.iter()).collect();
            let near = close_matches(name, sources.iter().copied());
            let with_attrs = |k: &str| RecordKind::from_name(k).is_some_and(|k| k.has_attrs());
            let found: Vec<String> = columns.iter().filter(|(k, _)| with_attrs(k)).map(|(k, t)| format!("{k}: {}", t.found())).collect();
            return Err(Error::Query(format!(
                "group_by {dim}: no loaded table has an attribute column {name:?}; attribute columns found: {}; columns found — {}{}",
                if all.is_empty() { "none".to_string() } else { all.into_iter().cloned().collect::<Vec<_>>().join(", ") },
                found.join("; "),
                if near.is_empty() { String::new() } else { format!("; close matches: {}", near.join(", ")) }
            )));
        }
        let (from, also) = sources(dim);
        if from.is_empty() {
            continue;
        }
        if let Some((k, f)) = also {
            match get(k) {
                Some(t) if t.fields.contains(f) => {}
                Some(t) => {
                    return Err(Error::Query(format!(
                        "group_by {dim}: the partners table has no column {f} (columns found: {}){}",
                        t.found(),
                        attr_hint(columns, &dim.column_name())
                    )));
                }
                None if !refs.partners.is_empty() => {}
                None => {
                    return Err(Error::Query(format!(
                        "group_by {dim}: the partner's {f} is read from the partners table (column {f}), and no partners table was loaded{}",
                        attr_hint(columns, &dim.column_name())
                    )));
                }
            }
        }
        let loaded: Vec<(RecordKind, &str, &TableColumns)> = from.iter().filter_map(|(k, f)| get(*k).map(|t| (*k, *f, t))).collect();
        // A kind loaded without column information (built in code) may provide it.
        let unknown_kinds = from.iter().any(|(k, _)| get(*k).is_none() && kind_has_records(refs, *k));
        let provided = unknown_kinds || loaded.iter().any(|(_, f, t)| t.fields.contains(*f));
        if !provided {
            let in_loaded: Vec<String> = loaded.iter().map(|(k, f, _)| format!("{k}.{f}")).collect();
            let needs = if in_loaded.is_empty() { from.iter().map(|(k, f)| format!("{k}.{f}")).collect() } else { in_loaded };
            let found: Vec<String> = loaded.iter().map(|(k, _, t)| format!("{k}: {}", t.found())).collect();
            let mut near: Vec<String> = Vec::new();
            for (_, f, t) in &loaded {
                near.extend(close_matches(f, &t.source).into_iter().map(|c| format!("`{c}` → `{f}` ({})", t.table)));
            }
            return Err(Error::Query(format!(
                "group_by {dim}: no loaded table has the column it needs ({}); columns found — {}{}{}",
                needs.join(" or "),
                if found.is_empty() { "no such table was loaded".to_string() } else { found.join("; ") },
                if near.is_empty() { String::new() } else { format!("; close matches: {}", near.join(", ")) },
                attr_hint(columns, &dim.column_name())
            )));
        }
    }
    Ok(())
}

/// Partners are reference data, counted separately from the column record.
fn kind_has_records(refs: &Reference, k: RecordKind) -> bool {
    k == RecordKind::Partners && !refs.partners.is_empty()
}

/// `; the deals table has a column "region": group by attr:region` when a table keeps a column
/// of that name as an attr.
fn attr_hint(columns: &BTreeMap<String, TableColumns>, name: &str) -> String {
    columns
        .iter()
        .find(|(_, t)| t.attrs.contains(name))
        .map(|(k, _)| format!("; the {k} table has a column {name:?}: to group by it, use attr:{name}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Period;
    use crate::engine::Metric;

    fn cols(kind: RecordKind, header: &[&str]) -> TableColumns {
        let h: Vec<String> = header.iter().map(|s| s.to_string()).collect();
        TableColumns::new(kind, kind.name(), &h, &KindMapping::default())
    }

    fn q(dim: &str) -> Query {
        Query::new(vec![Metric::CloseRate], Period::parse("2025").unwrap()).by(dim.parse().unwrap())
    }

    #[test]
    fn group_by_a_dimension_no_table_provides_is_an_error_naming_columns_and_hint() {
        let deals = cols(RecordKind::Deals, &["deal_id", "created_on", "status", "sales_agent", "region"]);
        let m = BTreeMap::from([("deals".to_string(), deals)]);
        let refs = Reference::default();
        let e = check_group_by(&m, &refs, &q("owner")).unwrap_err().to_string();
        assert!(e.contains("deals.owner_id") && e.contains("sales_agent"), "{e}");
        let e = check_group_by(&m, &refs, &q("partner")).unwrap_err().to_string();
        assert!(e.contains("partner_id"), "{e}");
        let e = check_group_by(&m, &refs, &q("region")).unwrap_err().to_string();
        assert!(e.contains("no partners were loaded") && e.contains("attr:region"), "{e}");
        let e = check_group_by(&m, &refs, &q("team")).unwrap_err().to_string();
        assert!(e.contains("no org units were loaded"), "{e}");
        let e = check_group_by(&m, &refs, &q("attr:nonexistent")).unwrap_err().to_string();
        assert!(e.contains("sales_agent") && e.contains("nonexistent"), "{e}");
        check_group_by(&m, &refs, &q("attr:region")).unwrap();
        check_group_by(&m, &refs, &q("kind")).unwrap();
        check_group_by(&BTreeMap::new(), &refs, &q("owner")).unwrap();
    }

    #[test]
    fn missing_required_columns_all_at_once_with_close_matches_and_kind_hint() {
        let t = cols(RecordKind::Deals, &["lead_id", "created_on", "Status"]);
        let e = check_required(&t, RecordKind::Deals).unwrap_err();
        assert_eq!(e.kind(), "missing");
        let m = e.to_string();
        assert!(m.contains("missing column deal_id, status") || m.contains("missing columns deal_id, status"), "{m}");
        assert!(m.contains("`Status` → `status`") && m.contains("pass it as `leads`"), "{m}");
        // partner_id alone (a deals column too) does not make a deals table a partners table.
        let e = check_required(&cols(RecordKind::Deals, &["Deal ID", "partner_id", "created_on", "status"]), RecordKind::Deals);
        assert!(!e.unwrap_err().to_string().contains("pass it as"));
        check_required(&cols(RecordKind::Deals, &["deal_id", "created_on", "status", "extra"]), RecordKind::Deals).unwrap();
    }
}
