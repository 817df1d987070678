//! The metric registry: from the list in `catalog.rs`, each metric's partial state
//! ([`KpiState`]) and the dispatch from a [`Metric`] to the code of its KPI (columns, observe,
//! finish, and the KPI's constants).

use super::catalog::catalog;
use super::check::Check;
use super::kpi::{Ctx, Kpi, LongRows, Merge};
use super::metric::Metric;
use super::record::Record;
use super::table::{ColumnSpec, Value};
use super::window::Window;
use crate::error::{Error, Result};
use crate::kpi;
use serde::{Deserialize, Serialize};

/// The inner states of `states` (all of metric `$variant`, id `$id`), or an error when one
/// belongs to another metric: what `finish` and `finish_long` hand to the KPI.
macro_rules! states_of {
    ($variant:ident, $id:literal, $states:expr) => {
        $states
            .iter()
            .map(|s| match s {
                KpiState::$variant(x) => Ok(x),
                _ => Err(Error::Merge(format!("state of another metric given to {}", $id))),
            })
            .collect::<Result<Vec<_>>>()
    };
}

macro_rules! registry {
    ($($variant:ident => $id:literal, $family:literal, $ty:ty, $doc:literal;)+) => {
        impl Metric {
            pub(crate) fn needs_previous(&self) -> bool {
                match self { $(Metric::$variant => <$ty as Kpi>::NEEDS_PREVIOUS),+ }
            }
            /// Whether the metric adds or compares amounts, so they must share one currency
            /// (or the query converts them); `false` for counts, rates of counts and durations.
            pub fn combines_amounts(&self) -> bool {
                match self { $(Metric::$variant => <$ty as Kpi>::COMBINES_AMOUNTS),+ }
            }
            /// [`Kpi::SUBSCRIPTION_LEAD_MONTHS`].
            pub(crate) fn subscription_lead_months(&self) -> Option<u32> {
                match self { $(Metric::$variant => <$ty as Kpi>::SUBSCRIPTION_LEAD_MONTHS),+ }
            }
            /// [`Kpi::SUBSCRIPTION_EDGE_MONTHS_ONLY`].
            pub(crate) fn subscription_edge_months_only(&self) -> bool {
                match self { $(Metric::$variant => <$ty as Kpi>::SUBSCRIPTION_EDGE_MONTHS_ONLY),+ }
            }
            /// [`Kpi::OBSERVES_LIKE`].
            pub(crate) fn observes_like(&self) -> Option<&'static str> {
                match self { $(Metric::$variant => <$ty as Kpi>::OBSERVES_LIKE),+ }
            }
            pub(crate) fn ranks_known_keys_only(&self) -> bool {
                match self { $(Metric::$variant => <$ty as Kpi>::RANKS_KNOWN_KEYS_ONLY),+ }
            }
            pub(crate) fn new_state(&self) -> KpiState {
                match self { $(Metric::$variant => KpiState::$variant(Default::default())),+ }
            }
            pub(crate) fn columns(&self, ctx: &Ctx) -> Result<Vec<ColumnSpec>> {
                match self { $(Metric::$variant => <$ty as Kpi>::columns(ctx)),+ }
            }
            /// The layout of this metric's partial state, as a serialized partial is checked
            /// against it: `"<id> v<STATE_VERSION> <JSON of the empty state>"` (the JSON shows
            /// the fields' names, order, nesting and whether each is a number or text).
            ///
            /// ```
            /// use channel_kpi::Metric;
            /// assert_eq!(Metric::CloseRate.state_layout(), r#"close_rate v1 {"closed":{"hits":0,"n":0}}"#);
            /// ```
            pub fn state_layout(&self) -> String {
                match self {
                    $(Metric::$variant => {
                        let empty = <<$ty as Kpi>::State as Default>::default();
                        let json = serde_json::to_string(&empty).unwrap_or_else(|e| format!("(not JSON: {e})"));
                        format!("{} v{} {json}", $id, <$ty as Kpi>::STATE_VERSION)
                    })+
                }
            }
            /// Decodes a state of this metric encoded without its tag ([`KpiState::serialize_untagged`]).
            pub(crate) fn deserialize_state<'de, D: serde::Deserializer<'de>>(&self, d: D) -> std::result::Result<KpiState, D::Error> {
                match self { $(Metric::$variant => <<$ty as Kpi>::State as Deserialize>::deserialize(d).map(KpiState::$variant)),+ }
            }
            /// Key columns of a long result (empty: one row per group).
            pub fn row_keys(&self) -> Vec<ColumnSpec> {
                match self { $(Metric::$variant => <$ty as Kpi>::row_keys()),+ }
            }
            pub(crate) fn finish_long(&self, states: &[&KpiState], w: &Window, ctx: &Ctx) -> Result<LongRows> {
                match self {
                    $(Metric::$variant => <$ty as Kpi>::finish_long(&states_of!($variant, $id, states)?, w, ctx)),+
                }
            }
            pub(crate) fn finish(&self, states: &[&KpiState], w: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
                match self {
                    $(Metric::$variant => <$ty as Kpi>::finish(&states_of!($variant, $id, states)?, w, ctx)),+
                }
            }
        }

        /// The partial state of one metric in one cell (serializable, mergeable).
        #[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[allow(missing_docs)]
        pub enum KpiState {
            $($variant(<$ty as Kpi>::State),)+
        }

        impl KpiState {
            /// The metric this state belongs to.
            pub fn metric(&self) -> Metric {
                match self { $(KpiState::$variant(_) => Metric::$variant),+ }
            }
            /// Encodes the state alone, without the tag naming its metric (whose index would be a
            /// position in the list of metrics); [`Metric::deserialize_state`] reads it back.
            pub(crate) fn serialize_untagged<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                match self { $(KpiState::$variant(x) => x.serialize(s)),+ }
            }
            pub(crate) fn observe(&mut self, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
                match self { $(KpiState::$variant(s) => <$ty as Kpi>::observe(s, rec, w, ctx)),+ }
            }
            /// Makes this state a copy of `other` when both hold the same state type (metrics
            /// that [`Kpi::OBSERVES_LIKE`] one another); `false` (unchanged) otherwise.
            pub(crate) fn copy_from(&mut self, other: &KpiState) -> bool {
                let other: &dyn std::any::Any = match other { $(KpiState::$variant(o) => o),+ };
                match self {
                    $(KpiState::$variant(s) => match other.downcast_ref::<<$ty as Kpi>::State>() {
                        Some(o) => {
                            s.clone_from(o);
                            true
                        }
                        None => false,
                    }),+
                }
            }
            /// [`Kpi::shares`] for states of two metrics holding one state type (`false` for
            /// two types).
            pub(crate) fn shares(&self, other: &KpiState) -> bool {
                let other: &dyn std::any::Any = match other { $(KpiState::$variant(o) => o),+ };
                match self {
                    $(KpiState::$variant(s) => other.downcast_ref::<<$ty as Kpi>::State>().is_some_and(|o| <$ty as Kpi>::shares(s, o))),+
                }
            }
            /// [`Kpi::resolve`]: what the account numbers are.
            pub(crate) fn resolve(&mut self, names: &std::sync::Arc<crate::domain::AccountNames>) {
                match self { $(KpiState::$variant(s) => <$ty as Kpi>::resolve(s, names)),+ }
            }
        }

        impl Check for KpiState {
            fn check(&self) -> std::result::Result<(), String> {
                match self { $(KpiState::$variant(s) => s.check()),+ }
            }
        }

        impl Merge for KpiState {
            fn merge(&mut self, other: &Self) -> Result<()> {
                match (self, other) {
                    $((KpiState::$variant(a), KpiState::$variant(b)) => a.merge(b),)+
                    #[allow(unreachable_patterns)]
                    _ => Err(Error::Merge("states of different metrics".into())),
                }
            }
        }
    };
}

catalog!(registry);
