//! Loading CRM exports: CSV, JSON Lines and (cargo feature `parquet`) Parquet files in the canonical format
//! (`docs/data-format.md`), or in any shape a [`Mapping`] describes (`docs/mappings.md`).
//!
//! The pieces, from the outside in:
//! * [`Mapping`] / [`KindMapping`]: renames, value maps, date formats, defaults, attrs and
//!   lookup joins, per [`RecordKind`]; serde, usually read from a JSON file.
//! * [`Cells`] (raw cells by source column) → [`MappedRow`] → [`Row`] (cells by canonical
//!   field name).
//! * One conversion function per kind: [`deal_from_row`], [`lead_from_row`], … — used by every
//!   reader and by the bindings, so a value means the same thing whatever its source.

mod convert;
mod kinds;
#[cfg(feature = "arrow")]
mod mapped_batch;
mod mapping;
mod row;

pub use convert::{
    CONTRACT_FIELDS, SUBSCRIPTION_FIELDS, SURVEY_FIELDS, contract_from_row, course_from_row, engagement_from_row, onboarding_from_row,
    program_cost_from_row, referral_from_row, subscription_from_row, survey_from_row, ticket_from_row, usage_from_row,
};
pub use convert::{
    deal_from_row, fx_rate_from_row, lead_from_row, org_chain_from_cells, org_unit_from_row, partner_from_row, spend_from_row,
    stage_def_from_row, stage_entry_from_row, target_from_row,
};
pub use kinds::RecordKind;
pub use mapping::{Attrs, AttrsMode, KindMapping, Lookup, Mapping, OrgLevel};
pub use row::{AttrFilter, Cells, Header, LookupTable, MappedRow, RawRecord, Row, parse_date};

mod assemble;
#[cfg(feature = "parquet")]
mod chunk_kinds;
mod chunks;
mod columns;
mod csv_chunks;
mod csv_deals;
mod csv_file;
mod deal_cells;
mod deal_finder;
mod deal_plan;
mod first_lines;
mod folder;
mod home_order;
mod id_hashes;
#[cfg(feature = "parquet")]
mod id_parts;
mod json_line;
mod json_scan;
mod jsonl_file;
mod line_chunks;
mod lookups;
#[cfg(feature = "parquet")]
mod parquet_chunks;
#[cfg(feature = "parquet")]
mod parquet_file;
mod paths;
mod pending_history;
mod read;
mod records;
mod report;
mod shortcut;
mod source;
mod stream;
mod stream_deals;
#[cfg(feature = "arrow")]
mod typed;
#[cfg(feature = "arrow")]
mod typed_history;
mod won_dates;

pub use assemble::load_sources;
pub use columns::{TableColumns, check_group_by, check_required, close_matches, required_fields};
pub use lookups::lookup_tables;
#[cfg(feature = "arrow")]
pub(crate) use mapped_batch::append as append_mapped_deals;
pub use paths::{dir_sources, kind_of, load_dir, load_file, load_paths};
pub use read::read_rows;
#[cfg(feature = "arrow")]
pub(crate) use records::{Next, Records};
#[cfg(feature = "arrow")]
pub use report::MemoryTables;
pub use report::{FileReport, LoadOptions, LoadReport, Progress, ProgressFn};
pub use source::{Format, Source};
pub use stream::run_files;
#[cfg(feature = "arrow")]
pub use stream::run_tables;
