//! One partition of a scale-out run (Spark, Dask): fact tables folded against broadcast
//! reference data into a [`Partial`] covering a named part, and the reference tables loaded
//! once on the driver.

use super::load_tables;
use crate::engine::{Part, Partial, Query, Reference};
use crate::error::{Error, Result};
use crate::load::{LoadOptions, Mapping, RecordKind, Source};

/// The kinds that are reference data (looked up, not streamed): org units, partners, pipeline
/// stages, exchange rates.
pub fn is_reference_kind(k: RecordKind) -> bool {
    matches!(k, RecordKind::OrgUnits | RecordKind::Partners | RecordKind::Pipeline | RecordKind::FxRates)
}

/// Reference data from its tables (`partners`, `org_units`, `pipeline`, `fx_rates`), validated
/// as [`load_tables`] does; a fact table among them is an error naming it.
pub fn load_reference(sources: Vec<Source>, mapping: &Mapping) -> Result<Reference> {
    if let Some(s) = sources.iter().find(|s| !is_reference_kind(s.kind)) {
        return Err(Error::Query(format!(
            "{} is not reference data (partners, org_units, pipeline, fx_rates): fold it as a part",
            s.kind.name()
        )));
    }
    Ok(load_tables(sources, mapping, &LoadOptions::default())?.0.refs)
}

/// Folds one partition's fact tables (any kinds but the reference kinds; `stage_history`
/// with the deals it belongs to) against `refs` into a partial covering `part`: loaded and
/// validated like [`load_tables`], every reference checked against `refs` (known partners,
/// org units, pipeline stages), then [`crate::Dataset::partial_part`].
///
/// Links between records are resolved within the partition only: a lead's `deal_id` must name
/// a deal of the same tables (give `won_on` instead and leave `deal_id` out when the deals are
/// elsewhere), and stage history needs its deals alongside.
///
/// Duplicate ids across partitions cannot be seen here (each partition checks its own).
pub fn fold_tables(sources: Vec<Source>, mapping: &Mapping, refs: &Reference, query: &Query, part: &Part) -> Result<Partial> {
    if let Some(s) = sources.iter().find(|s| is_reference_kind(s.kind)) {
        return Err(Error::Query(format!("{} are reference data: pass them once as the reference, not with every part", s.kind.name())));
    }
    let (mut ds, _) = load_tables(sources, mapping, &LoadOptions::default())?;
    ds.refs = refs.clone();
    ds.check()?;
    ds.partial_part(query, part)
}
