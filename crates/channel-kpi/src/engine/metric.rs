//! [`Metric`]: every KPI by its catalog id, made from the list in `catalog.rs`. Only the ids,
//! names and descriptions live here (a query names metrics, so this sits below it); what a
//! metric computes is dispatched in `registry.rs`.

use super::catalog::catalog;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! metric_ids {
    ($($variant:ident => $id:literal, $family:literal, $ty:ty, $doc:literal;)+) => {
        /// Every KPI, by catalog id (`avg_deal_size`, …). The id is the text form used in
        /// queries, files, the CLI and the bindings.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[non_exhaustive]
        pub enum Metric {
            $(#[doc = $doc] $variant,)+
        }

        impl Metric {
            /// Every metric, in catalog order.
            pub const ALL: &'static [Metric] = &[$(Metric::$variant),+];
            /// The catalog id.
            pub fn id(&self) -> &'static str {
                match self { $(Metric::$variant => $id),+ }
            }
            /// The catalog family (`deals`, `pipeline`, `channels`, …).
            pub fn family(&self) -> &'static str {
                match self { $(Metric::$variant => $family),+ }
            }
            /// One-line description.
            pub fn description(&self) -> &'static str {
                match self { $(Metric::$variant => $doc),+ }
            }
        }

        impl FromStr for Metric {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                let t = s.trim().to_ascii_lowercase();
                match t.as_str() {
                    $($id => Ok(Metric::$variant),)+
                    _ => Err(Error::Query(format!("unknown metric {s:?}; known: {}", Metric::ALL.iter().map(|m| m.id()).collect::<Vec<_>>().join(", ")))),
                }
            }
        }
    };
}

catalog!(metric_ids);

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
impl TryFrom<String> for Metric {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}
impl From<Metric> for String {
    fn from(m: Metric) -> String {
        m.id().to_string()
    }
}
