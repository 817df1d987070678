//! [`Spans`]: the windows of a query a deal can count in for the deal-outcome KPIs, found from
//! its dates instead of by trying every window (a monthly trend over a year has twelve windows;
//! a deal created and closed in one month counts in one or two of them).
//!
//! A deal's [`crate::kpi::deals::DealFacts`] in window `w` are non-empty only when `w`
//! contains its creation or close date, or the deal is open at `w`'s end (created before it,
//! closed on or after it). With the windows disjoint and sorted by start, those windows lie
//! between the first one ending after the earlier of the two dates and the last one starting on
//! or before the later one (the last window of all while the deal is open): two counts of
//! window bounds on or before a day, each one read from a table by the day ([`DayCounts`]).
//! Windows that overlap, or cyclic buckets (every March of several years), have no
//! such order: then every window is tried.
//!
//! ```text
//! windows (months of 2025):  Jan Feb Mar Apr … Dec
//! deal created 2025-02-10, closed 2025-04-02  →  Feb Mar Apr
//! deal created 2024-12-01, still open         →  Jan … Dec
//! ```

use super::day_counts::{Counting, DayCounts, few, tabled};
use super::window::Window;
use chrono::NaiveDate;

/// For each window, the index of the first window equal to it (its own index when none
/// before is).
pub(crate) fn first_equal(windows: &[Window]) -> Vec<usize> {
    windows.iter().enumerate().map(|(k, w)| windows[..k].iter().position(|v| v == w).unwrap_or(k)).collect()
}

/// A query's windows sorted by start, when they are disjoint and plain periods.
#[derive(Debug)]
pub(crate) struct Spans {
    /// Window indexes in order of start.
    order: Vec<usize>,
    starts: DayCounts,
    /// Exclusive ends, in the same order (ascending too, as the windows are disjoint).
    ends: DayCounts,
}

impl Spans {
    /// The spans of `windows`, or `None` when they overlap or one is cyclic (then every
    /// window must be tried). With `margin` days, each window reaches that many days further
    /// on both sides: a deal also touches the windows within that many days of its dates
    /// (`training_impact` keeps the deals closed up to `training_window_days` outside a window).
    pub(crate) fn of(windows: &[Window], margin: u32) -> Option<Spans> {
        Spans::of_these(windows, (0..windows.len()).collect(), margin)
    }

    /// [`Spans::of`] the distinct windows: a window equal to an earlier one is left out (a
    /// record's facts there are the earlier one's, [`first_equal`]), so comparison windows
    /// that repeat main ones (each quarter against the one before) do not make the windows
    /// overlap.
    pub(crate) fn of_distinct(windows: &[Window], margin: u32) -> Option<Spans> {
        let firsts = first_equal(windows);
        Spans::of_these(windows, (0..windows.len()).filter(|&k| firsts[k] == k).collect(), margin)
    }

    /// The spans of the windows `order` (indexes into `windows`).
    fn of_these(windows: &[Window], mut order: Vec<usize>, margin: u32) -> Option<Spans> {
        if windows.iter().any(|w| w.cyclic.is_some()) {
            return None;
        }
        order.sort_by_key(|&i| (windows[i].period.start(), windows[i].period.end()));
        let starts: Vec<NaiveDate> = order.iter().map(|&i| windows[i].period.start()).collect();
        let ends: Vec<NaiveDate> = order.iter().map(|&i| windows[i].period.end()).collect();
        let disjoint = ends.iter().zip(starts.iter().skip(1)).all(|(end, next)| end <= next);
        if !disjoint {
            return None;
        }
        // shifted by the same number of days, both stay in ascending order
        let days = chrono::Days::new(u64::from(margin));
        let starts = DayCounts::new(starts.into_iter().map(|s| s.checked_sub_days(days).unwrap_or(NaiveDate::MIN)).collect());
        let ends = DayCounts::new(ends.into_iter().map(|e| e.checked_add_days(days).unwrap_or(NaiveDate::MAX)).collect());
        Some(Spans { order, starts, ends })
    }

    /// The indexes of the windows a deal created on `created` (closed on `closed`, `None`
    /// while open) can count in; every other window gives it empty facts.
    #[inline(always)]
    pub(crate) fn touched(&self, created: NaiveDate, closed: Option<NaiveDate>) -> &[usize] {
        let (lo, hi) = self.bounds(created, closed);
        &self.order[lo..hi.max(lo)]
    }

    /// The positions in window order of the first window [`Spans::touched`] gives and one past
    /// the last (none when the first is not before the last): two numbers to keep per deal.
    #[inline(always)]
    pub(crate) fn bounds(&self, created: NaiveDate, closed: Option<NaiveDate>) -> (usize, usize) {
        bounds_with(created, closed, self.order.len(), |d| self.ends.at_or_before(d), |d| self.starts.at_or_before(d))
    }

    /// The indexes of the windows between [`Spans::bounds`].
    #[inline(always)]
    pub(crate) fn between(&self, (lo, hi): (u32, u32)) -> &[usize] {
        &self.order[lo as usize..hi.max(lo) as usize]
    }

    /// The first and the last of the windows between [`Spans::bounds`] (one when they are
    /// the same, none when there is none), written to `out`: the only windows that can hold
    /// a deal's creation or close date, as the windows are disjoint and in order, so the only
    /// ones where a deal that is not counted while open has facts. Out of line: the fold calls
    /// it only for a deal whose span has windows between its ends.
    #[cold]
    #[inline(never)]
    pub(crate) fn ends<'a>(&self, (lo, hi): (u32, u32), out: &'a mut [usize; 2]) -> &'a [usize] {
        let (lo, hi) = (lo as usize, hi as usize);
        if lo >= hi {
            return &[];
        }
        *out = [self.order[lo], self.order[hi - 1]];
        &out[..1 + usize::from(hi - lo > 1)]
    }

    /// [`Spans::bounds`] of a block of at most 64 deals (`created[j]`, `closed[j]`; an open
    /// deal's `closed` taken as its `created` unless `open`, when it reaches every later
    /// window), written to `bounds[j]`; bit `j` of the result is set when deal `j` reaches a
    /// window (its first bound below its last). The way each table counts ([`Counting`]) is
    /// decided once for the block, so the loop compares (one or two windows) or reads the
    /// tables, without choosing per deal.
    pub(crate) fn pick(&self, created: &[NaiveDate], closed: &[Option<NaiveDate>], open: bool, bounds: &mut [(u32, u32)]) -> u64 {
        debug_assert!(created.len() <= 64 && closed.len() == created.len() && bounds.len() >= created.len());
        let all = self.order.len();
        match (self.ends.counting(), self.starts.counting()) {
            (Counting::Few { days: e, n: en }, Counting::Few { days: s, n: sn }) => {
                pick_with(created, closed, open, bounds, all, |d| few(e, en, d), |d| few(s, sn, d))
            }
            (Counting::Table { first_year: ey, table: et }, Counting::Table { first_year: sy, table: st }) => {
                pick_with(created, closed, open, bounds, all, |d| tabled(ey, et, d), |d| tabled(sy, st, d))
            }
            (e, s) => pick_with(created, closed, open, bounds, all, |d| e.count(d), |d| s.count(d)),
        }
    }
}

/// The loop of [`Spans::pick`], with the counts of window ends (`ends`) and starts (`starts`)
/// on or before a day, and `all` windows.
#[inline(always)]
fn pick_with(
    created: &[NaiveDate],
    closed: &[Option<NaiveDate>],
    open: bool,
    bounds: &mut [(u32, u32)],
    all: usize,
    ends: impl Fn(NaiveDate) -> usize,
    starts: impl Fn(NaiveDate) -> usize,
) -> u64 {
    let mut picked = 0u64;
    for (j, ((&c, &e), b)) in created.iter().zip(closed).zip(bounds.iter_mut()).enumerate() {
        let e = if open { e } else { Some(e.unwrap_or(c)) };
        let (lo, hi) = bounds_with(c, e, all, &ends, &starts);
        *b = (lo as u32, hi as u32);
        picked |= u64::from(lo < hi) << j;
    }
    picked
}

/// [`Spans::bounds`] with the counts of window ends and starts on or before a day: the first
/// window ending after the earlier date, and one past the last starting on or before the
/// later one (`all` while the deal is open).
#[inline(always)]
fn bounds_with(
    created: NaiveDate,
    closed: Option<NaiveDate>,
    all: usize,
    ends: impl Fn(NaiveDate) -> usize,
    starts: impl Fn(NaiveDate) -> usize,
) -> (usize, usize) {
    // both counts taken, then one chosen: whether a deal is open is as random as its status,
    // and a branch on it missed often (a select does not)
    let c = closed.unwrap_or(created);
    let last = starts(created.max(c));
    (ends(created.min(c)), if closed.is_some() { last } else { all })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::deals::DealFacts;
    use crate::{Bucket, DealStatus, Period};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Every window outside the span gives empty facts, for deals dated around and across
    /// the windows' edges (open, closed, closed before created).
    #[test]
    fn windows_outside_the_span_give_empty_facts() {
        let months: Vec<Window> = Period::parse("2025").unwrap().split(Bucket::Month, 1).unwrap().into_iter().map(Window::new).collect();
        let mut shuffled = months.clone();
        shuffled.reverse();
        shuffled.swap(2, 7);
        let spans = Spans::of(&shuffled, 0).expect("months are disjoint");
        let dates: Vec<NaiveDate> =
            ["2024-11-30", "2025-01-01", "2025-01-31", "2025-02-01", "2025-06-15", "2025-12-31", "2026-01-01", "2026-03-01"]
                .into_iter()
                .map(day)
                .collect();
        for &created in &dates {
            for closed in dates.iter().map(|d| Some(*d)).chain([None]) {
                for status in [DealStatus::Won, DealStatus::Lost, DealStatus::Open] {
                    let touched = spans.touched(created, closed);
                    for (k, w) in shuffled.iter().enumerate() {
                        let f = DealFacts::classify(status, created, closed, |c| w.contains(c), w.instant(), |a, b| (b - a).num_days());
                        assert!(touched.contains(&k) || !f.any(), "{created} {closed:?} {status:?}: window {k} left out");
                    }
                }
            }
        }
        // a deal of one month touches that month only
        let feb = shuffled.iter().position(|w| w.period.start() == day("2025-02-01")).unwrap();
        assert_eq!(spans.touched(day("2025-02-03"), Some(day("2025-02-20"))), &[feb]);
        // with a margin of 20 days, January and March too (within 20 days of the dates)
        let jan = shuffled.iter().position(|w| w.period.start() == day("2025-01-01")).unwrap();
        let mar = shuffled.iter().position(|w| w.period.start() == day("2025-03-01")).unwrap();
        let near = Spans::of(&shuffled, 20).unwrap();
        let mut near = near.touched(day("2025-02-13"), Some(day("2025-02-20"))).to_vec();
        near.sort();
        let mut want = vec![jan, feb, mar];
        want.sort();
        assert_eq!(near, want);
    }

    /// Not counted while open, a deal has facts (won, lost or created there) only in the
    /// windows `ends` gives: the first and last of its span, for deals dated around and across
    /// the windows' edges and gaps between windows.
    #[test]
    fn a_deal_not_counted_open_has_facts_only_at_the_ends_of_its_span() {
        let w = |s: &str| Window::new(Period::parse(s).unwrap());
        let months: Vec<Window> = Period::parse("2025").unwrap().split(Bucket::Month, 1).unwrap().into_iter().map(Window::new).collect();
        let gaps = vec![w("2025-03"), w("2025-01"), w("2025-Q3"), w("2026")];
        let dates: Vec<NaiveDate> = [
            "2024-11-30",
            "2025-01-01",
            "2025-01-31",
            "2025-02-01",
            "2025-03-31",
            "2025-06-15",
            "2025-08-01",
            "2025-12-31",
            "2026-01-01",
            "2027-03-01",
        ]
        .into_iter()
        .map(day)
        .collect();
        for windows in [&months, &gaps] {
            let spans = Spans::of(windows, 0).unwrap();
            for &created in &dates {
                for closed in dates.iter().map(|d| Some(*d)).chain([None]) {
                    let mut ends = [0; 2];
                    let (lo, hi) = spans.bounds(created, Some(closed.unwrap_or(created)));
                    let at_ends = spans.ends((lo as u32, hi as u32), &mut ends);
                    assert!(at_ends.len() <= 2 && (at_ends.len() < 2 || at_ends[0] != at_ends[1]));
                    for status in [DealStatus::Won, DealStatus::Lost, DealStatus::Open] {
                        for (k, win) in windows.iter().enumerate() {
                            let f =
                                DealFacts::classify(status, created, closed, |c| win.contains(c), win.instant(), |a, b| (b - a).num_days());
                            let counted = f.won || f.lost || f.created;
                            assert!(at_ends.contains(&k) || !counted, "{created} {closed:?} {status:?}: window {k} left out");
                        }
                    }
                }
            }
        }
    }

    /// `pick` gives each deal of a block the bounds `bounds` gives it (an open deal taken as
    /// closed on its creation unless `open`) and picks those with a window, for windows
    /// compared (one, two), tabled (months) and searched (a century apart).
    #[test]
    fn pick_agrees_with_bounds() {
        let w = |s: &str| Window::new(Period::parse(s).unwrap());
        let months: Vec<Window> = Period::parse("2025").unwrap().split(Bucket::Month, 1).unwrap().into_iter().map(Window::new).collect();
        let lists = [vec![w("2025")], vec![w("2025"), w("2026")], months, vec![w("1900"), w("2025")]];
        let dates: Vec<NaiveDate> =
            ["1899-06-01", "1900-07-01", "2024-12-31", "2025-01-01", "2025-03-15", "2025-12-31", "2026-01-01", "2026-08-01"]
                .into_iter()
                .map(day)
                .collect();
        let (mut created, mut closed) = (Vec::new(), Vec::new());
        for &c in &dates {
            for e in dates.iter().map(|d| Some(*d)).chain([None]) {
                created.push(c);
                closed.push(e);
            }
        }
        for windows in &lists {
            let spans = Spans::of(windows, 0).unwrap();
            for open in [false, true] {
                for (created, closed) in created.chunks(64).zip(closed.chunks(64)) {
                    let mut bounds = [(0, 0); 64];
                    let picked = spans.pick(created, closed, open, &mut bounds);
                    for j in 0..created.len() {
                        let reach = if open { closed[j] } else { Some(closed[j].unwrap_or(created[j])) };
                        let (lo, hi) = spans.bounds(created[j], reach);
                        assert_eq!(bounds[j], (lo as u32, hi as u32), "{windows:?} {} {:?}", created[j], closed[j]);
                        assert_eq!(picked >> j & 1 == 1, lo < hi);
                    }
                }
            }
        }
    }

    #[test]
    fn overlapping_or_cyclic_windows_have_no_spans() {
        let year = Window::new(Period::parse("2025").unwrap());
        let q1 = Window::new(Period::parse("2025-Q1").unwrap());
        assert!(Spans::of(&[year, q1], 0).is_none());
        assert!(Spans::of(&[Window { period: year.period, cyclic: Some((Bucket::MonthOfYear, 3)) }], 0).is_none());
        assert!(Spans::of(&[year], 0).is_some());
    }

    /// Quarters against the quarter before (Q1–Q4, then Q4 2024–Q3): the repeated windows are
    /// left out, and the rest are disjoint, so a deal is tried in the windows it touches only.
    #[test]
    fn repeated_windows_are_tried_once() {
        let q = |s: &str| Window::new(Period::parse(s).unwrap());
        let windows = [q("2025-Q1"), q("2025-Q2"), q("2025-Q3"), q("2025-Q4"), q("2024-Q4"), q("2025-Q1"), q("2025-Q2"), q("2025-Q3")];
        assert_eq!(first_equal(&windows), [0, 1, 2, 3, 4, 0, 1, 2]);
        assert!(Spans::of(&windows, 0).is_none(), "they overlap as they are");
        let spans = Spans::of_distinct(&windows, 0).unwrap();
        assert_eq!(spans.touched(day("2025-02-01"), Some(day("2025-05-01"))), [0, 1]);
        assert_eq!(spans.touched(day("2024-12-01"), None), [4, 0, 1, 2, 3]);
    }
}
