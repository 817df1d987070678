//! The parts of a result row shared by the wide finish (`finish.rs`) and the long one
//! (`finish_long.rs`): the sorted list of groups and the row prefix (group keys, roll-up level,
//! window, bucket).

use super::groups::GroupKey;
use super::partial::Partial;
use super::table::Value;
use super::window::Window;

impl Partial {
    /// Every group seen in any window, most detailed level first, then by key values.
    pub(super) fn sorted_groups(&self) -> Vec<&GroupKey> {
        let mut groups: Vec<&GroupKey> = self.cells.iter().flat_map(|m| m.keys()).collect();
        groups.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.values.cmp(&b.values)));
        groups.dedup();
        groups
    }
}

/// The leading cells of a result row: the group's key values, its roll-up level (with
/// `rollup`), the window's start and end, and its bucket number for cyclic buckets.
pub(super) fn row_prefix(g: &GroupKey, w: &Window, rollup: bool) -> Vec<Value> {
    let mut row: Vec<Value> = g.values.iter().map(|k| Value::text(k.as_deref())).collect();
    if rollup {
        row.push(Value::Int(g.level as i64));
    }
    row.push(Value::Date(w.period.start()));
    row.push(Value::Date(w.period.end()));
    if let Some((_, n)) = w.cyclic {
        row.push(Value::Int(n as i64));
    }
    row
}
