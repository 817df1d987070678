//! The org hierarchy: [`OrgUnit`]s linked to their parents, any depth.

use crate::error::{Error, Location, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One node of the org hierarchy. Employees are units too (level `employee`).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct OrgUnit {
    /// Unique id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Level name: `employee`, `team`, `department`, `unit`, or any other.
    pub level: String,
    /// Parent id; `None` for a root.
    #[serde(default)]
    pub parent_id: Option<String>,
}

/// The hierarchy, validated: unique ids, known parents, no cycles.
///
/// ```
/// use channel_kpi::{OrgTree, OrgUnit};
/// let u = |id: &str, level: &str, parent: Option<&str>| OrgUnit {
///     id: id.into(), name: None, level: level.into(), parent_id: parent.map(Into::into) };
/// let tree = OrgTree::new(vec![
///     u("sales", "department", None), u("t1", "team", Some("sales")), u("ann", "employee", Some("t1")),
/// ]).unwrap();
/// assert_eq!(tree.ancestor_at_level("ann", "department"), Some("sales"));
/// assert_eq!(tree.ancestor_at_level("ann", "employee"), Some("ann"));
/// ```
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<OrgUnit>", into = "Vec<OrgUnit>")]
pub struct OrgTree {
    units: Vec<OrgUnit>,
    index: HashMap<String, usize>,
}

impl OrgTree {
    /// Builds and validates the tree.
    pub fn new(units: Vec<OrgUnit>) -> Result<Self> {
        let mut index = HashMap::with_capacity(units.len());
        for (i, u) in units.iter().enumerate() {
            if index.insert(u.id.clone(), i).is_some() {
                return Err(Error::Reference {
                    location: Location::record("org unit", &u.id, "unit_id").with_value(&u.id),
                    reason: "duplicate org unit id".into(),
                });
            }
        }
        for u in &units {
            if let Some(p) = &u.parent_id
                && !index.contains_key(p)
            {
                return Err(Error::Reference {
                    location: Location::record("org unit", &u.id, "parent_id").with_value(p),
                    reason: "parent unit does not exist".into(),
                });
            }
        }
        let tree = OrgTree { units, index };
        for u in &tree.units {
            let mut seen = 0usize;
            let mut cur = Some(u);
            while let Some(c) = cur {
                seen += 1;
                if seen > tree.units.len() {
                    return Err(Error::Reference {
                        location: Location::record("org unit", &u.id, "parent_id"),
                        reason: "the parent links form a cycle".into(),
                    });
                }
                cur = c.parent_id.as_deref().and_then(|p| tree.get(p));
            }
        }
        Ok(tree)
    }
    /// A unit by id.
    pub fn get(&self, id: &str) -> Option<&OrgUnit> {
        self.index.get(id).map(|&i| &self.units[i])
    }
    /// All units.
    pub fn units(&self) -> &[OrgUnit] {
        &self.units
    }
    /// True when the tree has no units.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }
    /// The unit itself or its nearest ancestor whose level is `level`.
    pub fn ancestor_at_level(&self, id: &str, level: &str) -> Option<&str> {
        let mut cur = self.get(id);
        while let Some(u) = cur {
            if u.level == level {
                return Some(&u.id);
            }
            cur = u.parent_id.as_deref().and_then(|p| self.get(p));
        }
        None
    }
}

impl TryFrom<Vec<OrgUnit>> for OrgTree {
    type Error = Error;
    fn try_from(v: Vec<OrgUnit>) -> Result<Self> {
        OrgTree::new(v)
    }
}
impl From<OrgTree> for Vec<OrgUnit> {
    fn from(t: OrgTree) -> Self {
        t.units
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn u(id: &str, level: &str, parent: Option<&str>) -> OrgUnit {
        OrgUnit { id: id.into(), name: None, level: level.into(), parent_id: parent.map(Into::into) }
    }
    #[test]
    fn rejects_cycles_dangling_and_duplicates() {
        assert!(OrgTree::new(vec![u("a", "team", Some("b")), u("b", "team", Some("a"))]).is_err());
        assert!(OrgTree::new(vec![u("a", "team", Some("zz"))]).is_err());
        assert!(OrgTree::new(vec![u("a", "team", None), u("a", "team", None)]).is_err());
        let t = OrgTree::new(vec![u("a", "unit", None), u("b", "team", Some("a"))]).unwrap();
        assert_eq!(t.ancestor_at_level("b", "unit"), Some("a"));
        assert_eq!(t.ancestor_at_level("b", "department"), None);
    }
}
