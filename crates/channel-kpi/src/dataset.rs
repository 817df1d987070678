//! [`Dataset`]: all records of one analysis, validated, ready to query.

use crate::domain::WordField;
use crate::domain::{
    Contract, CourseAttendance, Deals, EngagementEvent, Leads, Onboarding, ProductUsage, ProgramCost, Referral, Spend, Subscriptions,
    SupportTicket, Surveys, Target,
};
use crate::engine::{Engine, GroupSplit, Partial, Query, Record, Reference, ResultTable};
use crate::error::{Error, Location, Result};
use rustc_hash::FxHashSet as HashSet;

/// Records per thread below which [`Dataset::partial`] folds on fewer threads.
pub const PART_MIN_RECORDS: usize = 32 * 1024;

/// Reference data plus fact records. Build it by hand or with [`crate::load`], call
/// [`Dataset::validate`] once (it also links leads to the deals they became), then
/// [`Dataset::run`] any number of queries.
///
/// As JSON (the form golden vectors and the bindings use), reference data and records sit side
/// by side: `{"partners": [...], "org_units": [...], "pipeline": [...], "fx": {...},
/// "deals": [...], "leads": [...], "targets": [...], "spend": [...], "courses": [...],
/// "surveys": [...], "program_costs": [...], "subscriptions": [...], "contracts": [...], "tickets": [...],
/// "onboarding": [...], "engagement": [...], "referrals": [...], "usage": [...]}`; every key is
/// optional.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Dataset {
    /// Partners, org tree, pipeline definition, exchange rates.
    #[serde(flatten)]
    pub refs: Reference,
    /// Opportunities, stored column by column.
    #[serde(default)]
    pub deals: Deals,
    /// Marketing leads, stored column by column.
    #[serde(default)]
    pub leads: Leads,
    /// Revenue targets.
    #[serde(default)]
    pub targets: Vec<Target>,
    /// Marketing spend.
    #[serde(default)]
    pub spend: Vec<Spend>,
    /// Course attendances from an LMS.
    #[serde(default)]
    pub courses: Vec<CourseAttendance>,
    /// Survey answers (CSAT, NPS, partner satisfaction), stored column by column.
    #[serde(default)]
    pub surveys: Surveys,
    /// Program costs per partner and period.
    #[serde(default)]
    pub program_costs: Vec<ProgramCost>,
    /// Monthly MRR per account, stored column by column.
    #[serde(default)]
    pub subscriptions: Subscriptions,
    /// Subscription contracts (expanded into monthly MRR by the engine).
    #[serde(default)]
    pub contracts: Vec<Contract>,
    /// Support tickets.
    #[serde(default)]
    pub tickets: Vec<SupportTicket>,
    /// Onboarding records.
    #[serde(default)]
    pub onboarding: Vec<Onboarding>,
    /// Engagement events.
    #[serde(default)]
    pub engagement: Vec<EngagementEvent>,
    /// Referrals.
    #[serde(default)]
    pub referrals: Vec<Referral>,
    /// Product usage per account and month.
    #[serde(default)]
    pub usage: Vec<ProductUsage>,
    /// The columns of each table the loaders read, by kind name (`deals`); empty for a dataset
    /// built in code or from JSON. [`Dataset::run`] checks `group_by` against it.
    #[serde(skip)]
    pub columns: std::collections::BTreeMap<String, crate::load::TableColumns>,
}

impl Dataset {
    /// Folds every record into `engine` (the kinds stored as columns first — deals, leads,
    /// subscription months, survey answers — then the others in the order of the JSON form,
    /// partners with them): what [`Dataset::partial`] does on one thread.
    pub fn push_into(&self, engine: &mut Engine) -> Result<()> {
        self.push_part(engine, 0, 1, true, None)
    }

    /// Folds every fact record into `engine`, partners left out (they are reference data too:
    /// a scale-out part folds them once, apart).
    pub(crate) fn push_records(&self, engine: &mut Engine) -> Result<()> {
        self.push_part(engine, 0, 1, false, None)
    }

    /// Folds part `part` of `parts` of the records: the `part`-th contiguous slice of each
    /// kind (and every `parts`-th partner, when `partners`) — of the subscription months, part
    /// `part` of `split` when given (split by group: `engine/subscription_split.rs`) — so the
    /// parts together hold every record exactly once.
    fn push_part(&self, e: &mut Engine, part: usize, parts: usize, partners: bool, split: Option<&GroupSplit>) -> Result<()> {
        let cut = |n: usize| n * part / parts..n * (part + 1) / parts;
        e.push_deals(&self.deals, cut(self.deals.len()))?;
        e.push_leads(&self.leads, cut(self.leads.len()))?;
        match split {
            Some(s) => e.push_subscriptions_in(&self.subscriptions, 0..self.subscriptions.len(), Some((s, part)))?,
            None => e.push_subscriptions(&self.subscriptions, cut(self.subscriptions.len()))?,
        }
        e.push_surveys(&self.surveys, cut(self.surveys.len()))?;
        for r in self.other_records(part, parts, partners) {
            crate::interrupt::check()?;
            e.push(&r)?;
        }
        Ok(())
    }

    /// The records other than deals, leads, subscription months and survey answers, part `part`
    /// of `parts` (see [`Dataset::push_part`]).
    fn other_records(&self, part: usize, parts: usize, partners: bool) -> impl Iterator<Item = Record<'_>> {
        fn cut<T>(v: &[T], part: usize, parts: usize) -> &[T] {
            &v[v.len() * part / parts..v.len() * (part + 1) / parts]
        }
        let partners =
            self.refs.partners.values().enumerate().filter(move |(i, _)| partners && i % parts == part).map(|(_, p)| Record::Partner(p));
        cut(&self.targets, part, parts)
            .iter()
            .map(Record::Target)
            .chain(cut(&self.spend, part, parts).iter().map(Record::Spend))
            .chain(partners)
            .chain(cut(&self.courses, part, parts).iter().map(Record::Course))
            .chain(cut(&self.program_costs, part, parts).iter().map(Record::Cost))
            .chain(cut(&self.contracts, part, parts).iter().map(Record::Contract))
            .chain(cut(&self.tickets, part, parts).iter().map(Record::Ticket))
            .chain(cut(&self.onboarding, part, parts).iter().map(Record::Onboarding))
            .chain(cut(&self.engagement, part, parts).iter().map(Record::Engagement))
            .chain(cut(&self.referrals, part, parts).iter().map(Record::Referral))
            .chain(cut(&self.usage, part, parts).iter().map(Record::Usage))
    }

    /// Number of fact records (partners included).
    fn record_count(&self) -> usize {
        let d = self;
        [
            d.deals.len(),
            d.leads.len(),
            d.targets.len(),
            d.spend.len(),
            d.refs.partners.len(),
            d.courses.len(),
            d.surveys.len(),
            d.program_costs.len(),
            d.subscriptions.len(),
            d.contracts.len(),
            d.tickets.len(),
            d.onboarding.len(),
            d.engagement.len(),
            d.referrals.len(),
            d.usage.len(),
        ]
        .iter()
        .sum()
    }

    /// Fills each lead's `won_on` from the deal it links to (when that deal was won), then
    /// runs [`Dataset::check`].
    pub fn validate(&mut self) -> Result<()> {
        self.link_leads();
        self.check()
    }

    /// [`Dataset::validate`] for a dataset the loader built: each record was validated and
    /// duplicate ids refused (with both lines) as they were read, so only what the loader
    /// could not see row by row is checked — references, and stage histories attached after
    /// the read.
    pub(crate) fn validate_loaded(&mut self) -> Result<()> {
        self.link_leads();
        self.check_records(true)
    }

    /// Checks every record and every reference: unique deal and lead ids; deals, leads and
    /// targets referring to known partners (when partners are given), owners known to the org
    /// tree (when one is given), stages known to the pipeline (when one is given), leads
    /// linking to known deals.
    pub fn check(&self) -> Result<()> {
        self.check_records(false)
    }

    /// `loaded`: every record was validated and its id checked unique by the loader.
    fn check_records(&self, loaded: bool) -> Result<()> {
        // Deals already checked (and not changed since) are not validated again, nor their ids
        // compared; their references are, since the reference data may have changed.
        let deals_checked = self.deals.memo.checked();
        let validate_deals = !loaded && !deals_checked;
        // Deal ids: to find duplicates, and for leads that link to a deal.
        let need_ids = validate_deals || self.leads.has_deals();
        let mut ids = HashSet::with_capacity_and_hasher(if need_ids { self.deals.len() } else { 0 }, Default::default());
        let has_partners = !self.refs.partners.is_empty();
        let dangling = |kind: &str, id: &str, field: &str, value: &str, what: &str| Error::Reference {
            location: Location::record(kind, id, field).with_value(value),
            reason: format!("unknown {what}"),
        };
        let deals = &self.deals;
        // whether a partner / owner is known, looked up once per distinct text
        let (mut known_partner, mut known_owner) = (Known::new(deals.word_count()), Known::new(deals.word_count()));
        // nothing to look at in the deals: checked before (or by the loader, with no stage
        // history attached since), no ids wanted, no reference data
        let validated = deals_checked || (loaded && deals.histories.is_empty());
        let nothing = validated && !need_ids && !has_partners && self.refs.org.is_empty() && self.refs.pipeline.is_empty();
        for i in 0..if nothing { 0 } else { deals.len() } {
            let id = deals.id(i);
            if validate_deals || (!deals_checked && !deals.stage_history(i).is_empty()) {
                deals.validate(i)?;
            }
            if need_ids && !ids.insert(id) {
                return Err(Error::Reference {
                    location: Location::record("deal", id, "deal_id").with_value(id),
                    reason: "duplicate deal id".into(),
                });
            }
            if has_partners
                && !known_partner
                    .known(deals.word_key(WordField::Partner, i), || deals.partner_id(i).is_none_or(|p| self.refs.partner(p).is_some()))
            {
                return Err(dangling("deal", id, "partner_id", deals.partner_id(i).unwrap_or_default(), "partner"));
            }
            if !self.refs.org.is_empty()
                && !known_owner
                    .known(deals.word_key(WordField::Owner, i), || deals.owner_id(i).is_none_or(|o| self.refs.org.get(o).is_some()))
            {
                return Err(dangling("deal", id, "owner_id", deals.owner_id(i).unwrap_or_default(), "org unit"));
            }
            if !self.refs.pipeline.is_empty() {
                for st in deals.stage(i).into_iter().chain(deals.stage_history(i).iter().map(|e| e.stage.as_str())) {
                    if self.refs.pipeline.stage(st).is_none() {
                        return Err(dangling("deal", id, "stage", st, "stage (not in the pipeline definition)"));
                    }
                }
            }
        }
        self.check_leads(loaded, has_partners, &ids)?;
        for t in &self.targets {
            if let (crate::Dimension::Partner, Some(k)) = (&t.dimension, t.key.as_deref())
                && has_partners
                && self.refs.partner(k).is_none()
            {
                return Err(dangling("target", k, "key", k, "partner"));
            }
        }
        self.check_partner_records(loaded, has_partners)?;
        self.deals.memo.set_checked();
        Ok(())
    }

    /// Validates the partner-program and customer-success records, and checks that the
    /// partners they name exist (when partners are given); `loaded` as in `check_records`.
    fn check_partner_records(&self, loaded: bool, has_partners: bool) -> Result<()> {
        let known = |rec: String, p: Option<&str>| -> Result<()> {
            match p {
                Some(p) if has_partners && self.refs.partner(p).is_none() => Err(Error::Reference {
                    location: Location { record: Some(rec), field: Some("partner_id".into()), value: Some(p.into()), ..Default::default() },
                    reason: "unknown partner".into(),
                }),
                _ => Ok(()),
            }
        };
        for c in &self.courses {
            c.validate()?;
            known(c.describe(), Some(&c.partner_id))?;
        }
        self.check_surveys(loaded, has_partners, &known)?;
        for c in &self.program_costs {
            c.validate()?;
            known(c.describe(), Some(&c.partner_id))?;
        }
        self.check_subscriptions(loaded, has_partners, &known)?;
        for c in &self.contracts {
            c.validate()?;
            known(c.describe(), c.partner_id.as_deref())?;
        }
        let mut tickets = HashSet::with_capacity_and_hasher(self.tickets.len(), Default::default());
        for t in &self.tickets {
            t.validate()?;
            if !tickets.insert(t.id.as_str()) {
                return Err(Error::Reference {
                    location: Location::record("ticket", &t.id, "ticket_id").with_value(&t.id),
                    reason: "duplicate ticket id".into(),
                });
            }
            known(format!("ticket {}", t.id), t.partner_id.as_deref())?;
        }
        for o in &self.onboarding {
            o.validate()?;
            known(format!("onboarding {}", o.account_id), o.partner_id.as_deref())?;
        }
        for e in &self.engagement {
            e.validate()?;
            known(format!("engagement {}", e.account_id), e.partner_id.as_deref())?;
        }
        let mut refs = HashSet::with_capacity_and_hasher(self.referrals.len(), Default::default());
        for r in &self.referrals {
            r.validate()?;
            if !refs.insert(r.id.as_str()) {
                return Err(Error::Reference {
                    location: Location::record("referral", &r.id, "referral_id").with_value(&r.id),
                    reason: "duplicate referral id".into(),
                });
            }
            known(format!("referral {}", r.id), r.partner_id.as_deref())?;
        }
        for u in &self.usage {
            u.validate()?;
            known(format!("usage {}", u.account_id), u.partner_id.as_deref())?;
        }
        Ok(())
    }

    /// Parses the JSON form and validates it ([`Dataset::validate`]). A parse error names the
    /// path of the bad value (`deals[1].status`) as its field, and the line.
    ///
    /// ```
    /// let e = channel_kpi::Dataset::from_json(r#"{"deals": [{"id": "A", "status": "sold"}]}"#).unwrap_err();
    /// assert_eq!(e.location().unwrap().field.as_deref(), Some("deals[0].status"));
    /// ```
    pub fn from_json(text: &str) -> Result<Dataset> {
        let mut d = Dataset::parse_json(text)?;
        d.validate()?;
        Ok(d)
    }

    /// Parses the JSON form without validating it (for callers that add more records first);
    /// errors as [`Dataset::from_json`].
    pub fn parse_json(text: &str) -> Result<Dataset> {
        let mut de = serde_json::Deserializer::from_str(text);
        let d: Dataset = serde_path_to_error::deserialize(&mut de).map_err(json_error)?;
        de.end().map_err(|e| Error::parse(Location { line: Some(e.line() as u64), ..Default::default() }, format!("dataset JSON: {e}")))?;
        Ok(d)
    }

    /// [`Dataset::from_json`] on bytes, which must be UTF-8 (C and file input).
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Dataset> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::parse(
                Location { value: Some(format!("byte offset {}", e.valid_up_to())), ..Default::default() },
                "dataset JSON is not valid UTF-8",
            )
        })?;
        Dataset::from_json(text)
    }

    /// The JSON form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Folds every record into partial states (to merge with others, or to finish).
    ///
    /// Uses every core ([`std::thread::available_parallelism`]) when there are enough records
    /// (one part per [`PART_MIN_RECORDS`] at least): each thread folds one part into its own
    /// engine and the parts are merged ([`Partial::merge`], exact and associative), so the
    /// result is the same as on one thread. An error is reported as on one thread: the first
    /// bad record in the order of [`Dataset::push_into`].
    pub fn partial(&self, query: &Query) -> Result<Partial> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let parts = cores.min(self.record_count() / PART_MIN_RECORDS).max(1);
        if parts > 1 {
            match self.partial_in_parts(query, parts) {
                Ok(p) => return Ok(p),
                Err(Error::Interrupted) => return Err(Error::Interrupted),
                Err(_) => {}
            }
        }
        let mut e = Engine::new(query, &self.refs)?;
        self.push_into(&mut e)?;
        e.into_partial()
    }

    /// The fold on `parts` threads; any error (the caller then folds on one thread to report
    /// the first bad record).
    fn partial_in_parts(&self, query: &Query, parts: usize) -> Result<Partial> {
        // Every amount in one currency when the query needs it: checked in record order
        // first, since each part only sees its own records.
        let mut seen = None;
        if query.needs_one_currency() {
            if !crate::engine::one_deal_currency(&mut seen, &self.deals, 0..self.deals.len()) {
                for i in 0..self.deals.len() {
                    crate::engine::check_deal_currency(&mut seen, &self.deals, i)?;
                }
            }
            self.other_records(0, 1, true).try_for_each(|r| crate::engine::check_currency(&mut seen, false, &r))?;
        }
        let split = GroupSplit::of(&query.group_by, &self.subscriptions, parts);
        let partials: Vec<Result<Partial>> = crate::interrupt::scoped(parts, |part| {
            let mut e = Engine::new(query, &self.refs)?;
            self.push_part(&mut e, part, parts, true, split.as_ref())?;
            e.into_partial()
        })?;
        let mut partials = partials.into_iter();
        let mut whole = partials.next().unwrap_or_else(|| Err(Error::Query("no parts".into())))?;
        for p in partials {
            whole.merge(&p?)?;
        }
        Ok(whole)
    }

    /// Checks the records ([`Dataset::check`]) and runs a query ([`Dataset::run_checked`]).
    pub fn run(&self, query: &Query) -> Result<ResultTable> {
        self.check()?;
        self.run_checked(query)
    }

    /// Runs a query on records already checked: by [`Dataset::validate`] or a loader, and not
    /// changed since (what the bindings hold: a loaded dataset that only they can change). On
    /// records that were never checked the results are unspecified (an error or a wrong value,
    /// never undefined behaviour); use [`Dataset::run`] then.
    /// Also checks that every `group_by` dimension can come from the loaded tables
    /// ([`crate::load::check_group_by`]).
    pub fn run_checked(&self, query: &Query) -> Result<ResultTable> {
        self.checked_partial(query)?.finish(&self.refs)
    }

    /// The partial states of [`Dataset::run_checked`]: `group_by` checked against the loaded
    /// tables, then [`Dataset::partial`].
    fn checked_partial(&self, query: &Query) -> Result<Partial> {
        crate::load::check_group_by(&self.columns, &self.refs, query)?;
        self.partial(query)
    }

    /// [`Dataset::run_checked`] of a dataset no longer needed after it: a large one (folded on
    /// several threads, [`PART_MIN_RECORDS`] records or more) is freed on another thread
    /// while the states are finished — freeing its columns and texts, allocated by the
    /// loader's threads, takes milliseconds the result need not wait for.
    pub(crate) fn run_checked_and_drop(mut self, query: &Query) -> Result<ResultTable> {
        if self.record_count() < PART_MIN_RECORDS {
            return self.run_checked(query);
        }
        let partial = self.checked_partial(query)?;
        let refs = std::mem::take(&mut self.refs);
        std::thread::scope(|s| {
            s.spawn(move || drop(self));
            partial.finish(&refs)
        })
    }
}

/// A JSON error with the path of the value it concerns (empty for syntax errors at the top).
fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let path = e.path().to_string();
    let inner = e.into_inner();
    let field = (path != "." && !path.is_empty()).then(|| path.clone());
    let at = field.as_deref().map(|p| format!(" at {p}")).unwrap_or_default();
    Error::parse(Location { line: Some(inner.line() as u64), field, ..Default::default() }, format!("dataset JSON{at}: {inner}"))
}

/// Per dictionary id of a text (a deal's [`Deals::word_key`], a lead's or a subscription
/// month's word): whether it passes a check (known to the reference data, say), looked up the
/// first time it is met (0: not yet, 1: passes, 2: fails).
pub(crate) struct Known(Vec<u8>);

impl Known {
    /// For the dictionary ids `0..ids`.
    pub(crate) fn new(ids: usize) -> Self {
        Known(vec![0; ids])
    }
    #[inline]
    pub(crate) fn known(&mut self, key: u32, look: impl FnOnce() -> bool) -> bool {
        let slot = &mut self.0[key as usize];
        if *slot == 0 {
            *slot = if look() { 1 } else { 2 };
        }
        *slot == 1
    }
}
