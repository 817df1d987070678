//! [`ByNumber`]: the accounts' [`Edges`] that [`super::account_edges::AccountEdges`] keeps by
//! the engine's account numbers — one vector of `(number, edges)` sorted by number, not a hash
//! map per cell.
//!
//! The engine folds a store's rows in row order, and a store numbers its accounts in the order
//! it first meets them, so the accounts of one cell mostly come in ascending order (a table
//! sorted by account: each account's edge months one after another; a table sorted by month:
//! the accounts ascend within each month). A row of the account the vector ends with adds to
//! that entry, a row of a greater one appends an entry: no hash, no rehash as the cell grows,
//! and the entry written is the one written last (in cache). A row of a smaller account (a
//! later month of a table sorted by month, rows in any order) goes to the unsorted tail, which
//! is sorted and merged into the sorted part when it is as long as that part (so each entry is
//! sorted O(log n) times at most), and when the state leaves the engine ([`ByNumber::compact`]).
//! Merging two compacted states is one pass over both. Out of the engine the entries are
//! shared ([`ByNumber::share`]): a copy (the state of a metric that observes like another,
//! [`crate::engine::Kpi::OBSERVES_LIKE`]) is a reference, and [`ByNumber::shares`] tells a
//! merge that two states are one, so it merges once.
//!
//! Sums are added exactly (an account's edges from several entries add up to the same values
//! in any order); an overflow while adding is an error.
//!
//! ```text
//! rows (account, edge):  3 start, 3 end, 5 start, 2 end, 5 end
//! entries:               [(3, s+e), (5, s)] sorted | tail [(2, e), (5, e)]
//! compacted:             [(2, e), (3, s+e), (5, s+e)]
//! ```

use super::account_edges::Edges;
use crate::engine::Merge;
use crate::error::Result;
use std::sync::Arc;

/// The tail's length that makes it sorted into the sorted part, at the least.
const MIN_TAIL: usize = 64;

/// Edges per account number: `entries[..sorted]` ascend strictly by number, the entries after
/// were appended since (any order, an account possibly more than once) — or, once shared,
/// `shared` holds them (compacted) and `entries` is empty. Compacted (the tail empty) and
/// shared when it leaves the engine.
#[derive(Clone, Debug, Default)]
pub(crate) struct ByNumber {
    entries: Vec<(u32, Edges)>,
    sorted: usize,
    shared: Option<Arc<Vec<(u32, Edges)>>>,
    /// The number of the last entry (when there is one): kept here so that a row of a new
    /// account reads nothing of the entries' memory, which a cell touched now and then has
    /// out of cache.
    last: u32,
}

impl ByNumber {
    /// No account.
    pub(crate) fn is_empty(&self) -> bool {
        self.all().is_empty()
    }

    /// Every entry, shared or not.
    fn all(&self) -> &[(u32, Edges)] {
        self.shared.as_deref().map_or(&self.entries, |s| s)
    }

    /// The edges a row of account `n` adds to: the last entry when it is `n`'s, else a new
    /// entry (sorted into the others later when it does not come after them).
    #[cfg(test)]
    pub(crate) fn entry(&mut self, n: u32) -> Result<&mut Edges> {
        self.unshare();
        if !self.ends_with(n) {
            self.push(n, Edges::default())?;
        }
        Ok(&mut self.entries.last_mut().expect("an entry was just found or pushed").1)
    }

    /// Adds a row of account `n` (`add` adds it to edges): to the last entry when it is
    /// `n`'s, else to new edges on the stack, appended as a new entry (sorted into the others
    /// later when it does not come after them) — written, not read first.
    #[inline]
    pub(crate) fn add_row(&mut self, n: u32, add: impl FnOnce(&mut Edges) -> Result<()>) -> Result<()> {
        self.unshare();
        if self.ends_with(n) {
            return add(&mut self.entries.last_mut().expect("the last entry is n's").1);
        }
        let mut e = Edges::default();
        add(&mut e)?;
        self.push(n, e)
    }

    /// Whether the last entry is account `n`'s.
    #[inline]
    fn ends_with(&self, n: u32) -> bool {
        !self.entries.is_empty() && self.last == n
    }

    /// Appends `e` as account `n`'s entry: to the sorted part when it comes after it (and
    /// no tail), else to the tail, sorted in first when it is as long as the sorted part.
    #[inline]
    fn push(&mut self, n: u32, e: Edges) -> Result<()> {
        let len = self.entries.len();
        if len == 0 || (self.last < n && self.sorted == len) {
            self.sorted += 1;
        } else if len - self.sorted >= self.sorted.max(MIN_TAIL) {
            self.compact()?;
        }
        self.entries.push((n, e));
        self.last = n;
        Ok(())
    }

    /// Makes the entries this state's own to add to (copied when shared with another).
    #[inline]
    fn unshare(&mut self) {
        if let Some(s) = self.shared.take() {
            self.entries = Arc::unwrap_or_clone(s);
            self.sorted = self.entries.len();
            self.last = self.entries.last().map_or(0, |e| e.0);
        }
    }

    /// Sorts the tail into the sorted part, adding up the entries of one account; an error
    /// when an account's sums overflow (the entries are then added up as far as they could).
    pub(crate) fn compact(&mut self) -> Result<()> {
        if self.is_compact() {
            return Ok(());
        }
        let mut tail = self.entries.split_off(self.sorted);
        tail.sort_by_key(|e| e.0);
        let r;
        (self.entries, r) = merge_sorted(&self.entries, &tail);
        self.sorted = self.entries.len();
        self.last = self.entries.last().map_or(0, |e| e.0);
        r
    }

    /// Compacts the entries and shares them: copies of the state are references to them
    /// (an overflow while compacting is returned, as [`ByNumber::compact`] returns it).
    pub(crate) fn share(&mut self) -> Result<()> {
        let r = self.compact();
        if self.shared.is_none() {
            self.sorted = 0;
            self.shared = Some(Arc::new(std::mem::take(&mut self.entries)));
        }
        r
    }

    /// Whether `self` and `o` are copies of one shared state (then equal).
    pub(crate) fn shares(&self, o: &ByNumber) -> bool {
        matches!((&self.shared, &o.shared), (Some(a), Some(b)) if Arc::ptr_eq(a, b))
    }

    /// Whether the tail is empty (every account once, by number).
    pub(crate) fn is_compact(&self) -> bool {
        self.shared.is_some() || self.sorted == self.entries.len()
    }

    /// Every entry (each account once when compacted).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &Edges)> {
        self.all().iter().map(|(n, e)| (*n, e))
    }

    /// Every account's edges (each account once when compacted).
    pub(crate) fn values(&self) -> impl Iterator<Item = &Edges> {
        debug_assert!(self.is_compact(), "edges read before the state was compacted");
        self.all().iter().map(|(_, e)| e)
    }

    /// Adds the accounts of `o` (by number: one pass over both when both are compacted); the
    /// result is shared.
    pub(crate) fn add(&mut self, o: &ByNumber) -> Result<()> {
        self.compact()?;
        let compacted;
        let theirs = if o.is_compact() {
            o.all()
        } else {
            let mut c = o.clone();
            c.compact()?;
            compacted = c;
            compacted.all()
        };
        let (out, r) = merge_sorted(self.all(), theirs);
        (self.entries, self.sorted, self.shared) = (Vec::new(), 0, Some(Arc::new(out)));
        r
    }

    /// Moves every entry out (the state left empty; shared entries copied unless this state
    /// was their only holder).
    pub(crate) fn take(&mut self) -> Vec<(u32, Edges)> {
        self.sorted = 0;
        match self.shared.take() {
            Some(s) => Arc::unwrap_or_clone(s),
            None => std::mem::take(&mut self.entries),
        }
    }
}

/// `a` and `b` (each ascending by number; `b` may repeat one) merged into one ascending
/// vector, the entries of one number added up; with the first overflow met adding up (the
/// sums then added as far as they could be).
fn merge_sorted(a: &[(u32, Edges)], b: &[(u32, Edges)]) -> (Vec<(u32, Edges)>, Result<()>) {
    let (mut out, mut r) = (Vec::with_capacity(a.len() + b.len()), Ok(()));
    let mut add = |out: &mut Vec<(u32, Edges)>, (n, e): &(u32, Edges)| match out.last_mut() {
        Some((last, mine)) if last == n => {
            if let Err(x) = mine.merge(e) {
                r = Err(x);
            }
        }
        _ => out.push((*n, e.clone())),
    };
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if j == b.len() || (i < a.len() && a[i].0 <= b[j].0) {
            add(&mut out, &a[i]);
            i += 1;
        } else {
            add(&mut out, &b[j]);
            j += 1;
        }
    }
    (out, r)
}

impl PartialEq for ByNumber {
    /// The same accounts with the same edges, however many entries the tails hold.
    fn eq(&self, o: &Self) -> bool {
        if self.is_compact() && o.is_compact() {
            return self.all() == o.all();
        }
        let compacted = |s: &ByNumber| {
            let mut c = s.clone();
            c.compact().ok().map(|()| c.all().to_vec())
        };
        matches!((compacted(self), compacted(o)), (Some(a), Some(b)) if a == b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    /// Adds a start-month row of `cents` to account `n` (as `AccountEdges::observe` does).
    fn row(s: &mut ByNumber, n: u32, cents: i64) {
        let e = s.entry(n).unwrap();
        e.start.add(Decimal::new(cents, 2)).unwrap();
        e.start_rows.inc();
    }

    /// The (number, Σ start MRR, rows) of every entry, in order.
    fn listed(s: &ByNumber) -> Vec<(u32, Decimal, u64)> {
        s.iter().map(|(n, e)| (n, e.start.0, e.start_rows.0)).collect()
    }

    /// The same rows in any order give the same compacted state: ascending (no tail), by
    /// month (each month's accounts ascending: one sorted tail per month), reversed and
    /// shuffled (tails sorted into the others while folding, past `MIN_TAIL`, so the entries
    /// never outnumber twice the accounts by much).
    #[test]
    fn any_order_compacts_to_one_entry_per_account_in_order() {
        let accounts = 3 * MIN_TAIL as u32;
        // four months; row (account, cents)
        let by_month: Vec<(u32, i64)> =
            (0..4).flat_map(|k| (1..=accounts).map(move |n| (n, if k == 0 { i64::from(n) } else { k }))).collect();
        let mut ascending = by_month.clone();
        ascending.sort_by_key(|r| r.0);
        let want: Vec<(u32, Decimal, u64)> = (1..=accounts).map(|n| (n, Decimal::new(i64::from(n) + 6, 2), 4)).collect();
        let mut shuffled = by_month.clone();
        let mut x = 7u64;
        for i in (1..shuffled.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (x >> 33) as usize % (i + 1));
        }
        let reversed: Vec<(u32, i64)> = by_month.iter().rev().copied().collect();
        for (what, order) in [("ascending", &ascending), ("by month", &by_month), ("reversed", &reversed), ("shuffled", &shuffled)] {
            let mut s = ByNumber::default();
            for &(n, c) in order.iter() {
                row(&mut s, n, c);
            }
            assert!(s.entries.len() <= 2 * accounts as usize + 1, "{what}: {} entries, the tail was not sorted in", s.entries.len());
            assert_eq!(s.is_compact(), what == "ascending", "{what}");
            s.compact().unwrap();
            assert!(s.is_compact());
            assert_eq!(listed(&s), want, "{what}");
        }
    }

    /// Two parts of the rows (split anywhere, each in any order) add up to the whole, either
    /// way round, compacted or not.
    #[test]
    fn parts_add_up_to_the_whole() {
        let rows: Vec<(u32, i64)> = (0..300u32).map(|i| ((i * 37) % 101 + 1, i64::from(i))).collect();
        let fold = |rows: &[(u32, i64)]| {
            let mut s = ByNumber::default();
            rows.iter().for_each(|&(n, c)| row(&mut s, n, c));
            s
        };
        let mut whole = fold(&rows);
        whole.compact().unwrap();
        for cut in [0, 1, 150, 299, 300] {
            let (a, b) = (fold(&rows[..cut]), fold(&rows[cut..]));
            for (x, y) in [(&a, &b), (&b, &a)] {
                let mut m = x.clone();
                m.add(y).unwrap();
                assert!(m.is_compact());
                assert_eq!(listed(&m), listed(&whole), "cut at {cut}");
            }
        }
    }

    /// An account's sums that overflow as its entries are added up: an error, not a wrap.
    #[test]
    fn an_overflow_adding_entries_up_is_an_error() {
        let mut s = ByNumber::default();
        for n in [2, 1, 2] {
            let e = s.entry(n).unwrap();
            e.start.add(Decimal::MAX).unwrap();
        }
        assert!(s.compact().is_err());
        let mut a = ByNumber::default();
        a.entry(1).unwrap().start.add(Decimal::MAX).unwrap();
        assert!(a.clone().add(&a).is_err());
    }
}
