//! The [`Kpi`] trait every metric implements, its [`Ctx`], and [`Merge`] for partial states.

use super::query::Query;
use super::record::{Record, Reference};
use super::table::{ColumnSpec, Value};
use super::window::Window;
use crate::error::Result;
use crate::money::Money;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;

/// Associative, exact combination of two partial states: `a.merge(b)` then `.merge(c)` equals
/// `a.merge(b.merge(c))`, and merging with `Default::default()` changes nothing.
pub trait Merge {
    /// Folds `other` into `self`.
    fn merge(&mut self, other: &Self) -> Result<()>;
}

/// What a KPI sees besides the record: the query, the reference data and `as_of`.
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'a> {
    /// The (normalized) query.
    pub query: &'a Query,
    /// Partners, org tree, pipeline definition, exchange rates.
    pub refs: &'a Reference,
    /// "Now" for KPIs that look at the present (the query's `as_of`, by default the last day
    /// of the period).
    pub as_of: NaiveDate,
    /// For a subscription month, the engine's number for its account (1, 2, …: equal numbers
    /// are equal `account_id` texts within one engine; see `engine/accounts.rs`); 0 for other
    /// records and outside the fold. A state kept per account may key by it while folding and
    /// turn to texts in [`Kpi::resolve`].
    pub account: u32,
}

impl Ctx<'_> {
    /// An amount in the query's currency: converted with the exchange-rate table at the rate
    /// for `on` when the query names a currency, as is otherwise (the engine has already
    /// checked that all amounts share one currency).
    pub fn money(&self, m: Money, on: NaiveDate) -> Result<Decimal> {
        self.money_at(m, || on)
    }

    /// Whether [`Ctx::money`] takes `m` as it is (no conversion, so no error): the query names
    /// no currency, or `m`'s.
    #[inline(always)]
    pub(crate) fn as_is(&self, m: &Money) -> bool {
        self.query.currency.is_none_or(|c| c == m.currency)
    }

    /// [`Ctx::money`] with the rate's date found by `on` only when the amount is converted (the
    /// pipeline's day before the instant can cross a year, which costs chrono a date built
    /// from parts).
    #[inline]
    pub fn money_at(&self, m: Money, on: impl FnOnce() -> NaiveDate) -> Result<Decimal> {
        match self.query.currency.filter(|_| !self.as_is(&m)) {
            Some(c) => Ok(self.refs.fx.convert(m, c, on())?.amount),
            None => Ok(m.amount),
        }
    }
}

/// One KPI: its output columns, how a record updates its partial state, and how states
/// become values.
///
/// `observe` returns whether the record counted for this window (so the engine creates rows
/// only for groups with data). `finish` receives the states of *every* group of one window at
/// one roll-up level at once, so peer-relative KPIs (quality score, share of revenue) are
/// computed in the same place as the others; it returns one row of values per state, in the
/// order of [`Kpi::columns`].
pub trait Kpi {
    /// The partial state: mergeable, serializable.
    type State: Default + Clone + Debug + PartialEq + Serialize + DeserializeOwned + Merge + super::Check;
    /// Whether the KPI reports its value for the previous period even when the query asks for
    /// no comparison (the quality score does).
    const NEEDS_PREVIOUS: bool = false;
    /// Whether `finish` ranks groups against each other and must see only groups with a known
    /// key (a group whose key has an empty value — direct deals when grouping by partner — is
    /// then finished alone: reported, not ranked).
    const RANKS_KNOWN_KEYS_ONLY: bool = false;
    /// Whether the KPI adds or compares amounts (money, MRR, costs), so that every amount it
    /// sees must share one currency unless the query converts. Counts, rates of counts and
    /// durations set it to `false`: a close rate over deals in USD and EUR needs no exchange
    /// rates.
    const COMBINES_AMOUNTS: bool = true;
    /// How far before a window a subscription month can count in it: `Some(k)` when a month
    /// counts in a window only from the `k`-th month before the window's first month through
    /// its last month (`Some(1)`: the retention KPIs, whose earliest month is the one before
    /// the window), so that [`super::Engine::push_subscriptions`] tries only those windows for
    /// a row. `None` (the default): any window may count a month (MRR movements and cohorts
    /// keep every earlier month). A KPI that ignores subscription months may say `Some(0)`.
    const SUBSCRIPTION_LEAD_MONTHS: Option<u32> = None;
    /// Whether a subscription month counts in a window only when it is one of the window's
    /// two edge months — the month of the day before the window, and the month of its last
    /// day (`kpi/retention.rs`) — so that [`super::Engine::push_subscriptions`] skips, when
    /// every metric of the query says so, the months on no edge (for quarters, eight months of
    /// twelve). `false` (the default): [`Kpi::SUBSCRIPTION_LEAD_MONTHS`] decides.
    const SUBSCRIPTION_EDGE_MONTHS_ONLY: bool = false;
    /// A name shared by KPIs whose `observe` folds every record into the same state type in
    /// the same way, so that their states are always equal (`mrr_retention`,
    /// `account_retention` and `portfolio_growth` keep each account's MRR at the window's
    /// edges): an engine observes records for the first of a query's metrics with that name
    /// only, and gives the others a copy of its state before the states leave it. `None` (the
    /// default): the KPI observes for itself.
    const OBSERVES_LIKE: Option<&'static str> = None;
    /// The version of the state's layout, part of [`super::Metric::state_layout`] (which a
    /// serialized partial is checked against). The layout also holds the JSON of the empty
    /// state, so adding, removing, renaming or retyping a field is seen without it; bump it
    /// when the encoding changes in a way an empty state does not show (the element type of a
    /// collection, the meaning of a field), so older partials are refused instead of misread.
    const STATE_VERSION: u32 = 1;
    /// Output columns.
    fn columns(ctx: &Ctx) -> Result<Vec<ColumnSpec>>;
    /// Folds one record into the state of one window.
    fn observe(state: &mut Self::State, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool>;
    /// Tells a state kept by the engine's account numbers ([`Ctx::account`]) what they are:
    /// `names` gives number `n`'s text (shared, not copied). The engine calls it on every state
    /// before the states leave it as a [`super::Partial`], which may keep the numbers (merging
    /// by number with a partial of the same names, by text otherwise; serializing by text).
    /// Nothing to do for a state without account numbers (the default).
    fn resolve(_state: &mut Self::State, _names: &std::sync::Arc<crate::domain::AccountNames>) {}
    /// Whether state `a` is a copy of `b` that shares its storage (a metric whose state copies
    /// another's, [`Kpi::OBSERVES_LIKE`]): then they are equal, and merging into `a` what is
    /// merged into `b` gives `b`'s result, which [`super::Partial::merge`] copies instead of
    /// merging twice. `false` (the default) merges every state.
    fn shares(_a: &Self::State, _b: &Self::State) -> bool {
        false
    }
    /// Values, one row per state.
    fn finish(states: &[&Self::State], w: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>>;
    /// The key columns of a **long** result (a cohort table: `cohort`, `age`), for a KPI that
    /// gives several rows per group and window; empty (the default) for one row per group. A
    /// long KPI is queried alone and without comparison, and implements [`Kpi::finish_long`].
    fn row_keys() -> Vec<ColumnSpec> {
        Vec::new()
    }
    /// For a long KPI: per state, its rows ([`LongRow`]: key values in the order of
    /// [`Kpi::row_keys`], values in the order of [`Kpi::columns`]).
    fn finish_long(states: &[&Self::State], w: &Window, ctx: &Ctx) -> Result<LongRows> {
        Ok(Self::finish(states, w, ctx)?.into_iter().map(|values| vec![LongRow { keys: Vec::new(), values }]).collect())
    }
}

/// One row of a long KPI's result for one group and window.
#[derive(Clone, Debug, PartialEq)]
pub struct LongRow {
    /// The row's key values, in the order of [`Kpi::row_keys`] (`cohort`, `age`).
    pub keys: Vec<Value>,
    /// Its values, in the order of [`Kpi::columns`].
    pub values: Vec<Value>,
}

/// Rows of a long KPI, per state.
pub type LongRows = Vec<Vec<LongRow>>;

/// `finish` for KPIs whose value depends on their own group only.
pub fn each<S>(states: &[&S], f: impl Fn(&S) -> Result<Vec<Value>>) -> Result<Vec<Vec<Value>>> {
    states.iter().map(|s| f(s)).collect()
}
