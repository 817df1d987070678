//! The records the KPIs are computed from. Every record is plain data with serde, and has a
//! `validate` method that rejects impossible values with an [`crate::Error`] naming the record
//! and field.

mod account_names;
mod columns_as_list;
mod contract;
mod customer_success;
mod deal;
mod deal_columns;
mod lead;
mod lead_columns;
mod optional_texts;
mod org;
mod partner;
mod pipeline_def;
mod program_cost;
mod score;
mod subscription;
mod subscription_columns;
mod survey;
mod survey_columns;
mod target;
mod training;
mod words;

pub use account_names::AccountNames;
pub use contract::{Amendment, Contract, parse_amendments};
pub use customer_success::{EngagementEvent, Onboarding, ProductUsage, Referral, SupportTicket};
pub(crate) use deal::DealChecked;
pub use deal::{Channel, Deal, DealKind, DealStatus, PartnerStage, PartnerStages, RegistrationStatus, StageEntry};
#[cfg(feature = "arrow")]
pub(crate) use deal_columns::Attrs;
pub use deal_columns::Deals;
pub(crate) use deal_columns::WordField;
pub use lead::Lead;
pub use lead_columns::Leads;
#[cfg(feature = "arrow")]
pub(crate) use optional_texts::OptionalTexts;
pub use org::{OrgTree, OrgUnit};
pub use partner::Partner;
pub use pipeline_def::{PipelineDef, StageDef, StageOutcome};
pub use program_cost::{CostKind, ProgramCost};
pub(crate) use score::{cmp_int, round_int};
pub use subscription::SubscriptionMonth;
pub use subscription_columns::Subscriptions;
pub use survey::{SurveyKind, SurveyResponse, SurveyTopic};
pub use survey_columns::Surveys;
pub use target::{Spend, Target};
pub use training::CourseAttendance;
pub(crate) use words::Words;

use crate::error::{Error, Location, Result};

/// `s.trim()`, without its per-character Unicode walk for the usual cell: a text whose first
/// and last bytes are ASCII above the space (never white space, never part of a multi-byte
/// character) is returned as it is. Every cell of a big CSV or JSON Lines load is trimmed.
///
/// `trimmed(" a ") == "a"`, `trimmed("a b") == "a b"`, `trimmed("\u{a0}x") == "x"`.
#[inline]
pub(crate) fn trimmed(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Parses a small closed vocabulary case-insensitively (spaces, `-` and `_` are equivalent).
pub(crate) fn parse_enum<T: Copy>(field: &str, s: &str, table: &[(&str, T)]) -> Result<T> {
    // Names are lower-case snake_case: compared byte by byte with the value's normalized form,
    // without building it (this runs for every status, channel and kind of a big load).
    let v = trimmed(s).as_bytes();
    let same = |name: &str| name.len() == v.len() && name.bytes().zip(v).all(|(n, &c)| normalize_byte(c) == n);
    table.iter().find(|(name, _)| same(name)).map(|(_, v)| *v).ok_or_else(|| {
        let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
        Error::parse(
            Location { field: Some(field.into()), value: Some(s.into()), ..Default::default() },
            format!("expected one of {}", names.join(", ")),
        )
    })
}

/// One byte of [`normalize_word`]: ASCII lower case, space and `-` as `_`.
fn normalize_byte(c: u8) -> u8 {
    match c {
        b' ' | b'-' => b'_',
        c => c.to_ascii_lowercase(),
    }
}

pub(crate) fn normalize_word(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

macro_rules! vocabulary {
    ($ty:ident, $field:literal, [$($name:literal => $variant:ident),+ $(,)?]) => {
        impl $ty {
            /// The canonical lower-case name.
            pub fn name(&self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
            /// Every value, in order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
        }
        impl std::str::FromStr for $ty {
            type Err = $crate::error::Error;
            fn from_str(s: &str) -> $crate::error::Result<Self> {
                $crate::domain::parse_enum($field, s, &[$(($name, $ty::$variant)),+])
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}
pub(crate) use vocabulary;

#[cfg(test)]
mod tests {
    /// `trimmed` is `str::trim` on plain, padded, empty, one-character and non-ASCII texts
    /// (Unicode white space at either end, multi-byte characters at either end).
    #[test]
    fn trimmed_is_trim() {
        let texts = [
            "",
            " ",
            "a",
            " a",
            "a ",
            " a b ",
            "\t7\r",
            "\u{a0}x",
            "x\u{2003}",
            "\u{85}",
            "é",
            "éa",
            "aé",
            "\u{3000}日本\u{3000}",
            "~!",
            "\u{7f}",
        ];
        for t in texts {
            assert_eq!(super::trimmed(t), t.trim(), "{t:?}");
        }
    }
}
