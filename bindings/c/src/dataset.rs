//! `ckpi_dataset`: an opaque handle records are pushed into (as C structs or JSON), validated
//! and queried.
//!
//! Thread safety: a dataset may be shared between threads. Calls that change it (`add_*`,
//! `load_*`, `validate`, `set_*`) take its write lock and run one at a time; queries
//! (`ckpi_dataset_run`) and reads take its read lock and run in parallel. `ckpi_dataset_free`
//! may race with other calls: they either finish on the still-alive data or get
//! `CKPI_INVALID_HANDLE`.

use crate::boundary::{copy_out, ffi_boundary, ffi_boundary_void, lookup, opt_str, put, read, register, req_str, tri, unregister, write};
use crate::error::{Fail, LastError, core_fail, forget, last, last_error_out, record};
use crate::query::{QueryHandle, ckpi_query};
use crate::records::{
    DEAL_KIND, DEAL_STATUS, REGISTRATION_STATUS, Reader, ckpi_deal, ckpi_lead, ckpi_org_unit, ckpi_partner, ckpi_spend, ckpi_target,
};
use crate::result::{ResultHandle, ckpi_result};
use crate::status::ckpi_status;
use crate::versioned;
use channel_kpi::load::{LoadOptions, Mapping, load_dir};
use channel_kpi::{Dataset, Deal, Dimension, Lead, OrgTree, OrgUnit, Partner, Period, PipelineDef, PushIndex, Spend, StageEntry, Target};
use std::ffi::c_char;
use std::sync::RwLock;

pub mod contracts;
pub mod files;
pub mod program;
mod program_defaults;
pub mod refs;

pub use files::ckpi_load_options;

/// An opaque dataset. Create with `ckpi_dataset_new`, release with `ckpi_dataset_free`.
pub struct ckpi_dataset {
    _private: [u8; 0],
}

/// What a dataset handle holds.
#[derive(Default)]
pub(crate) struct DatasetState {
    pub data: Dataset,
    /// Org units and pipeline stages pushed one by one: parents and order are only checked as
    /// a whole, when the dataset is validated or run.
    pub org_pending: Vec<OrgUnit>,
    pub stages_pending: Vec<channel_kpi::StageDef>,
    /// The ids already added, for the core's duplicate checks (`Dataset::add_*`).
    pub index: PushIndex,
    /// Whether `validate` succeeded since the last change (queries then need only read access).
    pub validated: bool,
}

pub(crate) type DatasetHandle = RwLock<DatasetState>;

impl DatasetState {
    /// Builds the org tree and pipeline from what was pushed, then validates every record
    /// (`Dataset::validate`: links leads to deals, checks ids and references).
    pub fn validate(&mut self) -> Result<(), Fail> {
        if !self.org_pending.is_empty() {
            let mut units = self.data.refs.org.units().to_vec();
            units.extend(self.org_pending.iter().cloned());
            self.data.refs.org = OrgTree::new(units).map_err(core_fail)?;
            self.org_pending.clear();
            self.index.clear_org_units();
        }
        if !self.stages_pending.is_empty() {
            let mut stages = self.data.refs.pipeline.stages.clone();
            stages.extend(self.stages_pending.iter().cloned());
            self.data.refs.pipeline = PipelineDef::new(stages).map_err(core_fail)?;
            self.stages_pending.clear();
        }
        self.data.validate().map_err(core_fail)?;
        self.validated = true;
        Ok(())
    }

    fn is_pristine(&self) -> bool {
        self.org_pending.is_empty() && self.stages_pending.is_empty() && self.data.to_json() == Dataset::default().to_json()
    }

    /// Appends a JSON document (the `Dataset` JSON form). Records are checked when the dataset
    /// is validated or run, so documents may come in any order (leads before their deals).
    pub fn load_json(&mut self, text: &str) -> Result<(), Fail> {
        if self.is_pristine() {
            // The core's parser names the path of a bad value (`deals[1].status`).
            let data = Dataset::parse_json(text).map_err(core_fail)?;
            data.check_unique_ids().map_err(core_fail)?;
            self.data = data;
            return Ok(());
        }
        let piece: serde_json::Value = serde_json::from_str(text).map_err(json_fail)?;
        self.merge(piece)
    }

    /// Appends a whole dataset (from a loader).
    pub fn append(&mut self, piece: Dataset) -> Result<(), Fail> {
        if self.is_pristine() {
            self.data = piece;
            return Ok(());
        }
        self.merge(serde_json::to_value(&piece).map_err(json_fail)?)
    }

    /// Merges generically (every record kind, present and future): arrays are appended,
    /// objects merged key by key, scalars replaced; then the whole is parsed again. The data is
    /// replaced only when that succeeds and no id is used twice (`Dataset::check_unique_ids`):
    /// a duplicate is refused now, naming the record, instead of failing every later run.
    fn merge(&mut self, piece: serde_json::Value) -> Result<(), Fail> {
        let mut whole = serde_json::to_value(&self.data).map_err(json_fail)?;
        merge_json(&mut whole, piece);
        let merged: Dataset = serde_json::from_value(whole).map_err(json_fail)?;
        merged.check_unique_ids().map_err(core_fail)?;
        self.data = merged;
        Ok(())
    }
}

fn json_fail(e: serde_json::Error) -> Fail {
    let loc = channel_kpi::Location { line: (e.line() > 0).then_some(e.line() as u64), ..Default::default() };
    core_fail(channel_kpi::Error::parse(loc, format!("dataset JSON: {e}")))
}

fn merge_json(into: &mut serde_json::Value, from: serde_json::Value) {
    use serde_json::Value as J;
    match (into, from) {
        (J::Array(a), J::Array(b)) => a.extend(b),
        (J::Object(a), J::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(slot) => merge_json(slot, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Runs `f` on the state of `ds` under its write lock (marking it not validated), recording
/// a failure as this thread's last error on `ds` (a success clears it).
pub(crate) fn with_dataset(ds: *const ckpi_dataset, f: impl FnOnce(&mut DatasetState) -> Result<(), Fail>) -> ckpi_status {
    let h = tri!(lookup::<DatasetHandle, _>(ds));
    let mut st = write(&h);
    st.validated = false;
    let outcome = f(&mut st);
    drop(st);
    record(ds, outcome)
}

/// Creates an empty dataset and stores it in `*out`. Free it with `ckpi_dataset_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_new(out: *mut *mut ckpi_dataset) -> ckpi_status {
    ffi_boundary!(out; { unsafe { put(out, register::<DatasetHandle, ckpi_dataset>(RwLock::default())) } })
}

/// Frees a dataset. NULL, an already freed handle, or another kind of handle is ignored.
/// Results already computed from it stay valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_free(ds: *mut ckpi_dataset) {
    ffi_boundary_void!(ds; {
        if unregister::<DatasetHandle, _>(ds) {
            forget(ds);
        }
    })
}

/// Pushes one deal (copied; `d` is only read during the call). Checks the deal itself (dates
/// in order, won deals with an amount, …) and rejects a duplicate deal id
/// (`CKPI_REFERENCE_ERROR`, the last error names `deal <id>`); a rejected deal is not added.
/// References (partner, owner, stages) are checked by `ckpi_dataset_validate` /
/// `ckpi_dataset_run`, so they may be pushed later.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_deal(ds: *mut ckpi_dataset, d: *const ckpi_deal) -> ckpi_status {
    ffi_boundary!(ds, d; {
        with_dataset(ds, |st| {
            let c = unsafe { versioned::read(d) }?;
            let mut r = Reader::new("deal");
            let id = r.id("deal_id", c.id)?;
            let status = r.code("status", c.status, &DEAL_STATUS)?;
            let mut deal = Deal::new(id, r.req_date("created_on", c.created_on)?, status);
            deal.closed_on = r.date("closed_on", c.closed_on)?;
            deal.registered_on = r.date("registered_on", c.registered_on)?;
            deal.registration_status = r.code("registration_status", c.registration_status, &REGISTRATION_STATUS)?;
            deal.expected_close_on = r.date("expected_close_on", c.expected_close_on)?;
            deal.amount = r.money(c.amount, c.currency)?;
            deal.partner_id = r.s("partner_id", c.partner_id)?;
            deal.owner_id = r.s("owner_id", c.owner_id)?;
            deal.channel = r.channel("channel", c.channel)?;
            deal.source = r.s("source", c.source)?;
            deal.product = r.s("product", c.product)?;
            deal.kind = r.code("kind", c.kind, &DEAL_KIND)?;
            deal.lost_reason = r.s("lost_reason", c.lost_reason)?;
            deal.stage = r.s("stage", c.stage)?;
            deal.partner_stages = r.partner_stages(c.partner_stages)?;
            for e in r.array("stage_history", c.stage_history, c.stage_history_len)? {
                deal.stage_history
                    .push(StageEntry { stage: r.req("stage_history.stage", e.stage)?, entered_on: r.req_date("stage_history.entered_on", e.entered_on)? });
            }
            deal.attrs = r.attrs(c.attrs, c.attrs_len)?;
            st.data.add_deal(&mut st.index, deal).map_err(core_fail)
        })
    })
}

/// Pushes one lead (copied); a duplicate lead id is rejected. Its deal and partner are checked
/// by `ckpi_dataset_validate` / `ckpi_dataset_run`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_lead(ds: *mut ckpi_dataset, l: *const ckpi_lead) -> ckpi_status {
    ffi_boundary!(ds, l; {
        with_dataset(ds, |st| {
            let c = unsafe { versioned::read(l) }?;
            let mut r = Reader::new("lead");
            let id = r.id("lead_id", c.id)?;
            let mut lead = Lead::new(id, r.req_date("created_on", c.created_on)?);
            lead.channel = r.channel("channel", c.channel)?;
            lead.source = r.s("source", c.source)?;
            lead.partner_id = r.s("partner_id", c.partner_id)?;
            lead.deal_id = r.s("deal_id", c.deal_id)?;
            lead.won_on = r.date("won_on", c.won_on)?;
            lead.attrs = r.attrs(c.attrs, c.attrs_len)?;
            st.data.add_lead(&mut st.index, lead).map_err(core_fail)
        })
    })
}

/// Pushes one partner (copied). Duplicate partner ids are rejected here.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_partner(ds: *mut ckpi_dataset, p: *const ckpi_partner) -> ckpi_status {
    ffi_boundary!(ds, p; {
        with_dataset(ds, |st| {
            let c = unsafe { versioned::read(p) }?;
            let mut r = Reader::new("partner");
            let mut partner = Partner::new(r.id("partner_id", c.id)?);
            partner.name = r.s("name", c.name)?;
            partner.tier = r.s("tier", c.tier)?;
            partner.region = r.s("region", c.region)?;
            partner.org_unit = r.s("org_unit", c.org_unit)?;
            partner.joined_on = r.date("joined_on", c.joined_on)?;
            partner.left_on = r.date("left_on", c.left_on)?;
            st.data.add_partner(partner).map_err(core_fail)
        })
    })
}

/// Pushes one org unit (copied); a duplicate unit id is rejected here. The tree (known
/// parents, no cycles) is checked by `ckpi_dataset_validate` / `ckpi_dataset_run`, so units
/// may come in any order.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_org_unit(ds: *mut ckpi_dataset, u: *const ckpi_org_unit) -> ckpi_status {
    ffi_boundary!(ds, u; {
        with_dataset(ds, |st| {
            let c = unsafe { versioned::read(u) }?;
            let mut r = Reader::new("org unit");
            let id = r.id("unit_id", c.id)?;
            let unit = OrgUnit { id, name: r.s("name", c.name)?, level: r.req("level", c.level)?, parent_id: r.s("parent_id", c.parent_id)? };
            st.index.claim_org_unit(&st.data.refs.org, &unit).map_err(core_fail)?;
            st.org_pending.push(unit);
            Ok(())
        })
    })
}

/// Pushes one revenue target (copied); a negative amount is `CKPI_INVALID_RECORD`, as in the
/// file loaders.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_target(ds: *mut ckpi_dataset, t: *const ckpi_target) -> ckpi_status {
    ffi_boundary!(ds, t; {
        with_dataset(ds, |st| {
            let c = unsafe { versioned::read(t) }?;
            let r = Reader::new("target");
            let dim = r.req("dimension", c.dimension)?;
            let dimension: Dimension = dim.parse().map_err(core_fail)?;
            let period = r.req("period", c.period)?;
            let period = Period::parse(&period).map_err(core_fail)?;
            let target = Target { dimension, key: r.s("key", c.key)?, period, amount: r.req_money(c.amount, c.currency)? };
            st.data.add_target(target).map_err(core_fail)
        })
    })
}

/// Pushes one marketing spend record (copied); a negative amount is `CKPI_INVALID_RECORD`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_add_spend(ds: *mut ckpi_dataset, s: *const ckpi_spend) -> ckpi_status {
    ffi_boundary!(ds, s; {
        with_dataset(ds, |st| {
            let c = unsafe { versioned::read(s) }?;
            let r = Reader::new("spend");
            let channel = r.channel("channel", c.channel)?;
            let channel = channel.ok_or_else(|| (ckpi_status::CKPI_MISSING_VALUE, LastError::boundary(ckpi_status::CKPI_MISSING_VALUE, Some("spend".into()), "channel", None)))?;
            let spend = Spend { channel, source: r.s("source", c.source)?, spent_on: r.req_date("spent_on", c.spent_on)?, amount: r.req_money(c.amount, c.currency)? };
            st.data.add_spend(spend).map_err(core_fail)
        })
    })
}

/// Appends records from `len` bytes of JSON at `json` (UTF-8): the `Dataset` JSON form
/// (`{"deals": [...], "leads": [...], "partners": [...], "org_units": [...], "pipeline": [...],
/// "fx": {...}, "targets": [...], "spend": [...]}` and every other record kind of the core;
/// see docs/data-format.md). Can be called several times; lists are appended. On failure the
/// dataset is unchanged.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_load_json(ds: *mut ckpi_dataset, json: *const c_char, len: usize) -> ckpi_status {
    ffi_boundary!(ds, json; {
        let text = tri!(unsafe { req_str(json, len) });
        // `load_json` replaces the data only once the whole document parsed.
        with_dataset(ds, |st| st.load_json(text))
    })
}

/// Loads a directory of CRM export files — `deals.csv`, `leads.csv`, `partners.csv`,
/// `org_units.csv`, `targets.csv`, `spend.csv`, `pipeline.csv`, `fx_rates.csv`,
/// `stage_history.csv` (or `.jsonl` / `.ndjson` / `.parquet`; see docs/data-format.md) — and
/// appends the records. `mapping_json` is a mapping (docs/mappings.md) that renames columns,
/// translates values and sets date formats; `{NULL, 0}` reads the canonical format. `path` is
/// UTF-8. A bad row stops the load (`CKPI_PARSE_ERROR`, …) and the last error names its file,
/// line (`CKPI_ERROR_ROW`, the 0-based row, for a Parquet file), column and value; the dataset
/// is then unchanged. A missing directory is `CKPI_IO_ERROR`. A Parquet file is read row group
/// by row group, only the columns the mapping reads.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_load_csv_dir(
    ds: *mut ckpi_dataset,
    path: *const c_char,
    path_len: usize,
    mapping_json: *const c_char,
    mapping_len: usize,
) -> ckpi_status {
    ffi_boundary!(ds, path; {
        let dir = tri!(unsafe { req_str(path, path_len) });
        let mapping = tri!(unsafe { opt_str(mapping_json, mapping_len) });
        with_dataset(ds, |st| {
            let mapping = match mapping.filter(|m| !m.trim().is_empty()) {
                Some(m) => Mapping::from_json_str(m).map_err(core_fail)?,
                None => Mapping::default(),
            };
            let (piece, _report) = load_dir(dir, &mapping, &LoadOptions::default()).map_err(core_fail)?;
            st.append(piece)
        })
    })
}

/// Checks everything pushed so far: builds the org tree and pipeline, links leads to deals,
/// checks unique ids and references. `ckpi_dataset_run` does this too; call it to find bad
/// data before querying.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_validate(ds: *mut ckpi_dataset) -> ckpi_status {
    ffi_boundary!(ds; { with_dataset(ds, DatasetState::validate) })
}

/// Runs query `q` on the dataset (validating it first) and stores a new result in `*out`; free
/// it with `ckpi_result_free`. The result owns its data: it outlives the dataset and query.
/// On failure this thread's last error on the dataset says why (invalid query included).
/// Queries take the dataset's read lock: several threads may run queries on one dataset at
/// once (only the first run after a change validates, under the write lock).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_run(ds: *mut ckpi_dataset, q: *const ckpi_query, out: *mut *mut ckpi_result) -> ckpi_status {
    ffi_boundary!(ds, q, out; {
        let qh = tri!(lookup::<QueryHandle, _>(q));
        let h = tri!(lookup::<DatasetHandle, _>(ds));
        let outcome = (|| {
            let query = read(&qh).build()?;
            loop {
                {
                    let st = read(&h);
                    if st.validated {
                        return st.data.run_checked(&query).map_err(core_fail);
                    }
                }
                let mut st = write(&h);
                if !st.validated {
                    st.validate()?;
                }
            }
        })();
        match outcome {
            Ok(t) => {
                record(ds, Ok(()));
                unsafe { put(out, register::<ResultHandle, ckpi_result>(t)) }
            }
            Err(e) => record(ds, Err(e)),
        }
    })
}

/// Copies the dataset in its JSON form into `buf` (see `ckpi_status_message` for the buffer
/// rules).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_to_json(ds: *const ckpi_dataset, buf: *mut c_char, len: usize, written: *mut usize) -> ckpi_status {
    ffi_boundary!(ds, written; {
        let h = tri!(lookup::<DatasetHandle, _>(ds));
        let text = read(&h).data.to_json();
        unsafe { copy_out(text.as_bytes(), buf, len, written) }
    })
}

/// Copies one part (`CKPI_ERROR_MESSAGE`, `_KIND`, `_FILE`, `_LINE`, `_RECORD`, `_FIELD`,
/// `_VALUE`) of the error of the last failed call **this thread** made on `ds` into `buf`
/// (each thread has its own last errors). `CKPI_VALUE_ABSENT` when this thread's last call on
/// `ds` succeeded or the part is unknown for that error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ckpi_dataset_last_error(
    ds: *const ckpi_dataset,
    part: u32,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> ckpi_status {
    ffi_boundary!(ds, written; {
        tri!(lookup::<DatasetHandle, _>(ds));
        unsafe { last_error_out(last(ds).as_ref(), part, buf, len, written) }
    })
}
