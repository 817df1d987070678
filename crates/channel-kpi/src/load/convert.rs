//! One conversion function per record kind: a [`Row`] (canonical field names) in, a
//! validated domain record out. The CSV and JSON Lines readers use these, and so do the
//! bindings, which build rows from their own tables.
//!
//! Every error names the row's location (file, line, source column), the record id when known,
//! and the offending value.
//!
//! ```
//! use channel_kpi::load::{deal_from_row, RawRecord, MappedRow, KindMapping};
//! use channel_kpi::DealStatus;
//! let rec = RawRecord::new(
//!     ["deal_id", "created_on", "closed_on", "status", "amount", "currency"].map(String::from).to_vec(),
//!     ["D1", "2025-01-10", "2025-02-01", "won", "1200.50", "EUR"].map(String::from).to_vec(),
//! );
//! let map = KindMapping::default();
//! let iso = vec!["%Y-%m-%d".to_string()];
//! let deal = deal_from_row(&MappedRow::new(&rec, &map, &iso, &[], "deals.csv", 2).unwrap()).unwrap();
//! assert_eq!(deal.status, DealStatus::Won);
//! assert_eq!(deal.amount.unwrap().to_string(), "1200.50 EUR");
//! ```

use super::mapping::OrgLevel;
use super::row::{Cells, Row};
use crate::domain::{
    Channel, Deal, DealKind, DealStatus, Lead, OrgUnit, Partner, PartnerStages, Spend, StageDef, StageEntry, StageOutcome, Target,
};
use crate::error::{Error, Location, Result};
use crate::money::{Currency, Money, parse_decimal};
use crate::period::Period;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::str::FromStr;

#[path = "convert_program.rs"]
mod program;
pub use program::*;

/// Reads the fields of one row, adding the record (`deal D-17`) to every error once known.
struct Fields<'r, R: Row + ?Sized> {
    row: &'r R,
    record: Option<String>,
    /// The record as (kind, id), written out as `kind id` only when an error needs it (a
    /// `format!` per row was a sixth of a big load); the id borrowed from the row.
    named: Option<(&'static str, Cow<'r, str>)>,
}

impl<'r, R: Row + ?Sized> Fields<'r, R> {
    fn new(row: &'r R) -> Self {
        Fields { row, record: None, named: None }
    }
    /// The required id `field`, naming the record in every later error as `kind id`.
    fn id(&mut self, kind: &'static str, field: &str) -> Result<String> {
        let id = self.row.get(field).ok_or_else(|| Error::Missing { location: self.loc(field) })?;
        let owned = id.to_string();
        self.named = Some((kind, id));
        Ok(owned)
    }
    fn record(&self) -> Option<String> {
        self.record.clone().or_else(|| self.named.as_ref().map(|(k, id)| format!("{k} {id}")))
    }
    fn loc(&self, field: &str) -> Location {
        let mut l = self.row.location(field);
        l.record = self.record();
        l
    }
    /// Adds record, file and line to an error from elsewhere (a domain `validate`, a parser).
    fn relocate(&self, e: Error, field: &str, value: Option<&str>) -> Error {
        let base = self.loc(field);
        let fill = |mut l: Location| {
            l.file = l.file.or(base.file.clone());
            l.line = l.line.or(base.line);
            l.record = l.record.or_else(|| base.record.clone());
            // Name the source column: a domain error names the canonical field.
            l.field = match l.field.as_deref() {
                None => base.field.clone(),
                Some(f) if f == field => base.field.clone(),
                Some(f) => self.row.location(f).field.or(l.field),
            };
            l.value = l.value.or(value.map(str::to_string));
            l
        };
        match e {
            Error::Parse { location, reason } => Error::Parse { location: fill(location), reason },
            Error::Invalid { location, reason } => Error::Invalid { location: fill(location), reason },
            Error::Missing { location } => Error::Missing { location: fill(location) },
            Error::Reference { location, reason } => Error::Reference { location: fill(location), reason },
            other => other,
        }
    }
    fn text(&self, field: &str) -> Option<String> {
        self.row.get(field).map(|c| c.into_owned())
    }
    fn required(&self, field: &str) -> Result<String> {
        self.text(field).ok_or_else(|| Error::Missing { location: self.loc(field) })
    }
    fn parse<T>(&self, field: &str, f: impl Fn(&str) -> Result<T>) -> Result<Option<T>> {
        match self.row.get(field) {
            None => Ok(None),
            Some(v) => f(&v).map(Some).map_err(|e| self.relocate(e, field, Some(&v))),
        }
    }
    fn parse_required<T>(&self, field: &str, f: impl Fn(&str) -> Result<T>) -> Result<T> {
        self.parse(field, f)?.ok_or_else(|| Error::Missing { location: self.loc(field) })
    }
    fn date(&self, field: &str) -> Result<Option<NaiveDate>> {
        self.row.date(field).map_err(|e| self.relocate(e, field, None))
    }
    fn date_required(&self, field: &str) -> Result<NaiveDate> {
        self.date(field)?.ok_or_else(|| Error::Missing { location: self.loc(field) })
    }
    fn decimal(&self, field: &str) -> Result<Option<Decimal>> {
        self.parse(field, parse_decimal)
    }
    /// `amount` with `currency`; a currency without an amount is ignored.
    fn money(&self) -> Result<Option<Money>> {
        let Some(amount) = self.decimal("amount")? else { return Ok(None) };
        let cur = self.parse_required("currency", Currency::new)?;
        Ok(Some(Money::new(amount, cur)))
    }
    fn money_required(&self) -> Result<Money> {
        self.money()?.ok_or_else(|| Error::Missing { location: self.loc("amount") })
    }
    fn finish<T>(&self, value: T, validate: impl Fn(&T) -> Result<()>) -> Result<T> {
        validate(&value).map_err(|e| self.relocate(e, "", None))?;
        Ok(value)
    }
}

fn parse_bool(s: &str) -> Result<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "x" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        _ => Err(Error::parse(Location::default(), "expected true or false")),
    }
}

/// A [`Deal`] from a `deals` row, validated with [`Deal::validate`] (stage history is attached
/// later by the loader). Required: `deal_id`, `created_on`, `status`, and `closed_on` for won
/// and lost deals; `currency` whenever `amount` is given.
pub fn deal_from_row<R: Row + ?Sized>(row: &R) -> Result<Deal> {
    let mut f = Fields::new(row);
    let id = f.id("deal", "deal_id")?;
    let mut d = Deal::new(id, f.date_required("created_on")?, f.parse_required("status", DealStatus::from_str)?);
    d.partner_id = f.text("partner_id");
    d.owner_id = f.text("owner_id");
    d.channel = f.parse("channel", Channel::from_str)?;
    d.source = f.text("source");
    d.product = f.text("product");
    d.kind = f.parse("kind", DealKind::from_str)?.unwrap_or_default();
    d.registered_on = f.date("registered_on")?;
    d.registration_status = f.parse("registration_status", crate::domain::RegistrationStatus::from_str)?;
    d.expected_close_on = f.date("expected_close_on")?;
    d.closed_on = f.date("closed_on")?;
    d.amount = f.money()?;
    d.lost_reason = f.text("lost_reason");
    d.stage = f.text("stage");
    d.partner_stages = f.parse("partner_stages", PartnerStages::parse)?.unwrap_or_default();
    d.attrs = row.attrs();
    f.finish(d, Deal::validate)
}

/// A `(deal_id, StageEntry)` from a `stage_history` row.
pub fn stage_entry_from_row<R: Row + ?Sized>(row: &R) -> Result<(String, StageEntry)> {
    let mut f = Fields::new(row);
    let id = f.required("deal_id")?;
    f.record = Some(format!("stage entry of deal {id}"));
    Ok((id, StageEntry { stage: f.required("stage")?, entered_on: f.date_required("entered_on")? }))
}

/// A [`Lead`] from a `leads` row. `won_on` may be given directly (else it is filled from the
/// linked deal by [`crate::Dataset::validate`]).
pub fn lead_from_row<R: Row + ?Sized>(row: &R) -> Result<Lead> {
    let mut f = Fields::new(row);
    let id = f.id("lead", "lead_id")?;
    let mut l = Lead::new(id, f.date_required("created_on")?);
    l.channel = f.parse("channel", Channel::from_str)?;
    l.source = f.text("source");
    l.partner_id = f.text("partner_id");
    l.deal_id = f.text("deal_id");
    l.won_on = f.date("won_on")?;
    l.attrs = row.attrs();
    f.finish(l, Lead::validate)
}

/// A [`Partner`] from a `partners` row.
pub fn partner_from_row<R: Row + ?Sized>(row: &R) -> Result<Partner> {
    let mut f = Fields::new(row);
    let id = f.id("partner", "partner_id")?;
    let mut p = Partner::new(id);
    p.name = f.text("name");
    p.tier = f.text("tier");
    p.region = f.text("region");
    p.org_unit = f.text("org_unit");
    p.joined_on = f.date("joined_on")?;
    p.left_on = f.date("left_on")?;
    f.finish(p, Partner::validate)
}

/// An [`OrgUnit`] from an `org_units` row (`unit_id`, `level` required).
pub fn org_unit_from_row<R: Row + ?Sized>(row: &R) -> Result<OrgUnit> {
    let mut f = Fields::new(row);
    let id = f.required("unit_id")?;
    f.record = Some(format!("org unit {id}"));
    Ok(OrgUnit { name: f.text("name"), level: f.required("level")?, parent_id: f.text("parent_id"), id })
}

/// The chain of [`OrgUnit`]s one row of level columns describes (`org_units.levels`), lowest
/// level first, each unit's parent the next non-empty level. Empty cells are skipped.
pub fn org_chain_from_cells(cells: &dyn Cells, levels: &[OrgLevel], at: &Location) -> Result<Vec<OrgUnit>> {
    let mut chain: Vec<OrgUnit> = Vec::with_capacity(levels.len());
    for l in levels {
        let Some(v) = cells.cell(&l.column).map(str::trim).filter(|v| !v.is_empty()) else {
            if cells.cell(&l.column).is_none() {
                return Err(Error::Missing { location: Location { field: Some(l.column.clone()), ..at.clone() } });
            }
            continue;
        };
        if let Some(prev) = chain.last_mut() {
            prev.parent_id = Some(v.to_string());
        }
        chain.push(OrgUnit { id: v.to_string(), name: None, level: l.level.clone(), parent_id: None });
    }
    Ok(chain)
}

/// A [`Target`] from a `targets` row: `dimension`, `key` (except for `all`), `period`,
/// `amount`, `currency`.
pub fn target_from_row<R: Row + ?Sized>(row: &R) -> Result<Target> {
    let f = Fields::new(row);
    let dimension = f.parse_required("dimension", crate::Dimension::from_str)?;
    let key = f.text("key");
    if key.is_none() && dimension != crate::Dimension::All {
        return Err(Error::Missing { location: f.loc("key") });
    }
    let t = Target { dimension, key, period: f.parse_required("period", Period::parse)?, amount: f.money_required()? };
    if t.amount.amount.is_sign_negative() && !t.amount.amount.is_zero() {
        return Err(Error::invalid(f.loc("amount").with_value(t.amount), "a revenue target is negative"));
    }
    Ok(t)
}

/// A [`Spend`] from a `spend` row: `channel`, `spent_on`, `amount`, `currency` required.
pub fn spend_from_row<R: Row + ?Sized>(row: &R) -> Result<Spend> {
    let f = Fields::new(row);
    let s = Spend {
        channel: f.parse_required("channel", Channel::from_str)?,
        source: f.text("source"),
        spent_on: f.date_required("spent_on")?,
        amount: f.money_required()?,
    };
    if s.amount.amount.is_sign_negative() && !s.amount.amount.is_zero() {
        return Err(Error::invalid(f.loc("amount").with_value(s.amount), "spend is negative"));
    }
    Ok(s)
}

/// A [`StageDef`] from a `pipeline` row: `stage`, `probability` required; `qualified`
/// (true/false), `outcome` (`won` / `lost`) optional. The pipeline as a whole is validated by
/// [`crate::PipelineDef::new`].
pub fn stage_def_from_row<R: Row + ?Sized>(row: &R) -> Result<StageDef> {
    let mut f = Fields::new(row);
    let name = f.required("stage")?;
    f.record = Some(format!("stage {name}"));
    let outcome = f.parse("outcome", |s| match s.trim().to_ascii_lowercase().as_str() {
        "won" => Ok(StageOutcome::Won),
        "lost" => Ok(StageOutcome::Lost),
        _ => Err(Error::parse(Location::default(), "expected won or lost")),
    })?;
    let probability = f.decimal("probability")?.ok_or_else(|| Error::Missing { location: f.loc("probability") })?;
    if probability < Decimal::ZERO || probability > Decimal::ONE {
        return Err(Error::invalid(f.loc("probability").with_value(probability), "probability must be in [0, 1]"));
    }
    Ok(StageDef { probability, qualified: f.parse("qualified", parse_bool)?.unwrap_or(false), outcome, name })
}

/// One exchange rate from an `fx_rates` row: 1 `from` = `rate` `to` on `date`.
pub fn fx_rate_from_row<R: Row + ?Sized>(row: &R) -> Result<(Currency, Currency, NaiveDate, Decimal)> {
    let f = Fields::new(row);
    let rate = f.decimal("rate")?.ok_or_else(|| Error::Missing { location: f.loc("rate") })?;
    if rate <= Decimal::ZERO {
        return Err(Error::invalid(f.loc("rate").with_value(rate), "an exchange rate must be positive"));
    }
    // Currency::new names the field `currency`; here the column is `from` or `to`.
    let code = |s: &str| Currency::new(s).map_err(|e| Error::parse(Location::default(), e.reason().unwrap_or_default()));
    Ok((f.parse_required("from", code)?, f.parse_required("to", code)?, f.date_required("date")?, rate))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{KindMapping, MappedRow, RawRecord};

    fn with<T>(pairs: &[(&str, &str)], map: &str, conv: impl Fn(&MappedRow) -> Result<T>) -> Result<T> {
        let rec = RawRecord::new(pairs.iter().map(|p| p.0.into()).collect(), pairs.iter().map(|p| p.1.into()).collect());
        let m: KindMapping = serde_json::from_str(map).unwrap();
        let iso = vec!["%Y-%m-%d".to_string()];
        let row = MappedRow::new(&rec, &m, &iso, &[], "in.csv", 4)?;
        conv(&row)
    }

    #[test]
    fn deal_errors_name_file_line_record_column_and_value() {
        let e = with(
            &[("id", "D9"), ("created", "2025-01-01"), ("status", "wonn")],
            r#"{"columns": {"deal_id": "id", "created_on": "created"}}"#,
            |r| deal_from_row(r),
        )
        .unwrap_err();
        let Error::Parse { location, .. } = &e else { panic!("{e:?}") };
        assert_eq!(location.file.as_deref(), Some("in.csv"));
        assert_eq!(location.line, Some(4));
        assert_eq!(location.record.as_deref(), Some("deal D9"));
        assert_eq!(location.field.as_deref(), Some("status"));
        assert_eq!(location.value.as_deref(), Some("wonn"));
        // A won deal without a close date: Missing, located.
        let e =
            with(&[("deal_id", "D1"), ("created_on", "2025-01-01"), ("status", "won"), ("amount", "5"), ("currency", "USD")], "{}", |r| {
                deal_from_row(r)
            })
            .unwrap_err()
            .to_string();
        assert!(e.contains("in.csv:4") && e.contains("deal D1") && e.contains("closed_on"), "{e}");
        // An amount without a currency.
        let e = with(&[("deal_id", "D1"), ("created_on", "2025-01-01"), ("status", "open"), ("amount", "5")], "{}", |r| deal_from_row(r))
            .unwrap_err();
        assert!(matches!(e, Error::Missing { ref location } if location.field.as_deref() == Some("currency")), "{e}");
    }

    #[test]
    fn deal_reads_every_field() {
        let d = with(
            &[
                ("deal_id", "D1"),
                ("created_on", "2025-01-01"),
                ("closed_on", "2025-01-31"),
                ("status", "Won"),
                ("amount", "10.50"),
                ("currency", "usd"),
                ("channel", "paid"),
                ("kind", "upsell"),
                ("partner_stages", "qualification;guidance"),
                ("region_x", "north"),
            ],
            "{}",
            |r| deal_from_row(r),
        )
        .unwrap();
        assert_eq!(d.amount.unwrap().to_string(), "10.50 USD");
        assert_eq!((d.channel, d.kind), (Some(Channel::Paid), DealKind::Upsell));
        assert_eq!(d.cycle_days(), Some(30));
        assert_eq!(d.attrs.get("region_x").map(String::as_str), Some("north"));
    }

    #[test]
    fn other_kinds_convert() {
        let t =
            with(&[("dimension", "partner"), ("key", "P1"), ("period", "2025-Q1"), ("amount", "100"), ("currency", "EUR")], "{}", |r| {
                target_from_row(r)
            })
            .unwrap();
        assert_eq!(t.period.to_string(), "2025-01-01..2025-04-01");
        assert!(
            with(&[("dimension", "partner"), ("period", "2025"), ("amount", "1"), ("currency", "EUR")], "{}", |r| target_from_row(r))
                .is_err()
        );
        let s = with(&[("stage", "Demo"), ("probability", "0.4"), ("qualified", "true")], "{}", |r| stage_def_from_row(r)).unwrap();
        assert!(s.qualified && s.probability == Decimal::new(4, 1));
        let (from, to, _, rate) =
            with(&[("from", "EUR"), ("to", "USD"), ("date", "2025-01-01"), ("rate", "1.08")], "{}", |r| fx_rate_from_row(r)).unwrap();
        assert_eq!((from.as_str(), to.as_str(), rate), ("EUR", "USD", Decimal::new(108, 2)));
        let p = with(&[("partner_id", "P1"), ("joined_on", "2025-02-01"), ("left_on", "2025-01-01")], "{}", |r| partner_from_row(r))
            .unwrap_err();
        assert!(p.to_string().contains("in.csv:4"), "{p}");
        let l = with(&[("lead_id", "L1"), ("created_on", "2025-01-01"), ("won_on", "2024-12-30")], "{}", |r| lead_from_row(r)).unwrap();
        assert_eq!(l.won_on, Some("2024-12-30".parse().unwrap()), "won before created is kept");
    }

    #[test]
    fn org_chain_links_levels() {
        let rec = RawRecord::new(vec!["agent".into(), "manager".into(), "office".into()], vec!["Ann".into(), "".into(), "East".into()]);
        let levels: Vec<OrgLevel> = serde_json::from_str(
            r#"[{"column": "agent", "level": "employee"}, {"column": "manager", "level": "manager"}, {"column": "office", "level": "office"}]"#,
        )
        .unwrap();
        let chain = org_chain_from_cells(&rec, &levels, &Location::default()).unwrap();
        assert_eq!(chain.len(), 2, "the empty manager is skipped");
        assert_eq!(chain[0].parent_id.as_deref(), Some("East"));
        assert_eq!(chain[1].level, "office");
    }
}
