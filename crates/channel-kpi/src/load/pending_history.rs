//! Stage-history entries read before they are attached to their deals (`load/assemble.rs`
//! attaches them; the row path and the typed table reader, `load/typed_history.rs`, read them).

use crate::domain::StageEntry;
use crate::error::Location;

/// Stage entries read, in the order of their sources, waiting for the deals they are attached
/// to (every deal is read before the stage history: sources are read in kind order).
pub(super) enum Pending {
    /// A table's entries, each with the index of its deal (`load/typed_history.rs`).
    #[cfg_attr(not(feature = "arrow"), allow(dead_code))]
    Found(Vec<(usize, StageEntry)>),
    /// One entry of the row path: the deal's id, and where the row is (named when no deal
    /// has that id).
    Row(String, StageEntry, Box<Location>),
}
