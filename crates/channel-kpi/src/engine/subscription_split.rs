//! [`GroupSplit`]: subscription months split between the threads folding one dataset by the
//! ids that decide their groups, not by ranges of rows.
//!
//! A per-account state ([`crate::kpi::retention::AccountEdges`]) holds every account of its
//! group. Split by rows, each thread's partial holds most groups, each with part of their
//! accounts: the merge then adds up two vectors of accounts for every cell, and each thread
//! writes to every group's states (scattered over memory, a cache miss per account and
//! window). Split by group, the rows of one group all fall in one part: the partials hold
//! disjoint cells (the merge adds the other part's cells as they are, nothing per account —
//! except a roll-up's coarser levels, merged as before), and each thread touches only its own
//! groups' states. The split is a hash of the row's partner id and the value ids of the attrs
//! the query groups by (the ids [`super::group_cache::GroupKeys`] reads: they decide every
//! group of the row), scaled to the number of parts.
//!
//! The result does not depend on the split ([`crate::Partial::merge`] is exact and
//! associative for any split). A split by group can be uneven (a query grouping by an attr of
//! two values, a partner holding most rows): [`GroupSplit::of`] counts a sample of rows and
//! gives none (the caller splits by rows) when a part would get more than
//! [`GroupSplit::MAX_SHARE`] times its even share, or when the query groups by nothing (one
//! group: one part would get everything).
//!
//! ```text
//! rows (partner):  p1 p2 p1 p3 p2 …   part = hash(partner id) mod 2
//! part 0: p1 p1 …  part 1: p2 p3 p2 …  → partials with disjoint groups
//! ```

use super::dimension::Dimension;
use crate::domain::Subscriptions;

/// Splits subscription rows into parts by the ids that decide their groups.
pub(crate) struct GroupSplit<'s> {
    subs: &'s Subscriptions,
    /// Per dimension, where its id is read: the attr column, or `None` for the partner.
    ids: Vec<Option<u32>>,
    parts: usize,
}

impl<'s> GroupSplit<'s> {
    /// The largest share of the sampled rows a part may get, as a multiple of `1 / parts`.
    pub(crate) const MAX_SHARE: f64 = 1.2;
    /// Rows sampled to tell whether the split is even (every `len / SAMPLE`-th row).
    const SAMPLE: usize = 4096;

    /// The split of `subs` into `parts` for a query grouping by `dims`; `None` when it groups
    /// by nothing, or when the sampled rows would fall unevenly (module doc).
    pub(crate) fn of(dims: &[Dimension], subs: &'s Subscriptions, parts: usize) -> Option<Self> {
        if dims.is_empty() || parts < 2 || subs.is_empty() {
            return None;
        }
        // an attr the rows lack gives them all one id: it splits nothing, left out
        let ids = dims
            .iter()
            .filter_map(|d| match d {
                Dimension::Attr(name) => subs.attrs.column(name).map(Some),
                // the partner decides every other dimension (the others do not apply)
                _ => Some(None),
            })
            .collect();
        let split = GroupSplit { subs, ids, parts };
        let step = subs.len().div_ceil(Self::SAMPLE).max(1);
        let mut counts = vec![0usize; parts];
        (0..subs.len()).step_by(step).for_each(|i| counts[split.part(i)] += 1);
        let sampled: usize = counts.iter().sum();
        let most = counts.iter().copied().max().unwrap_or(0);
        (most as f64 <= Self::MAX_SHARE * sampled as f64 / parts as f64).then_some(split)
    }

    /// The part of row `i`: a hash of its group-deciding ids, scaled to the parts.
    #[inline]
    pub(crate) fn part(&self, i: usize) -> usize {
        let id = |c: &Option<u32>| match *c {
            Some(c) => self.subs.attrs.id(c, i),
            None => self.subs.partner[i],
        };
        let h = self.ids.iter().fold(0u64, |h, c| (h ^ u64::from(id(c))).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        // the hash's high half scaled to `0..parts` (a multiply, not a division)
        (((h >> 32) * self.parts as u64) >> 32) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SubscriptionMonth;

    fn store(partners: impl Iterator<Item = Option<String>>) -> Subscriptions {
        partners
            .enumerate()
            .map(|(i, p)| {
                let mut s = SubscriptionMonth::new(format!("A{i}"), "2025-01-01".parse().unwrap(), "1 USD".parse().unwrap());
                s.partner_id = p;
                s
            })
            .collect()
    }

    /// Rows of one partner fall in one part; many partners split about evenly; few partners
    /// (or no grouping) give no split.
    #[test]
    fn rows_of_a_group_share_a_part_and_uneven_splits_are_refused() {
        let subs = store((0..4000).map(|i| Some(format!("P{}", i % 500))));
        let split = GroupSplit::of(&[Dimension::Partner], &subs, 2).expect("500 partners split evenly");
        for i in 0..4000 {
            assert_eq!(split.part(i), split.part(i % 500), "row {i}");
        }
        let in_0 = (0..4000).filter(|&i| split.part(i) == 0).count();
        assert!((1600..=2400).contains(&in_0), "{in_0} of 4000 rows in part 0");
        assert!(GroupSplit::of(&[], &subs, 2).is_none(), "no grouping: one group");
        assert!(GroupSplit::of(&[Dimension::Partner], &subs, 1).is_none());
        let one = store((0..4000).map(|i| (i % 10 != 0).then(|| "P1".to_string())));
        assert!(GroupSplit::of(&[Dimension::Partner], &one, 2).is_none(), "90 % of the rows in one group");
    }
}
