//! [`DaySegments`]: the days cut into segments within which every day is in the same windows,
//! so a record dated on one day is placed in its windows by finding its segment (a few
//! compares) instead of asking each window whether it holds the day.
//!
//! The cuts are every window's start and end (exclusive), and, for a cyclic window (every
//! March of several years), the start of each month of its period: a window's answer to
//! `contains` changes only there. Segment 0 holds the days before the first cut, segment `s`
//! the days from cut `s - 1` up to cut `s` (the last one, every day from the last cut on).
//! A segment's windows are those holding its first day; segment 0 is in none (no window
//! starts before the first cut).
//!
//! ```text
//! windows  2025-Q1, 2025 (overlapping)
//! cuts     2025-01-01  2025-04-01  2026-01-01
//! segment  0: before 2025   1: Q1 → [Q1, 2025]   2: Apr–Dec → [2025]   3: from 2026 → []
//! ```

use super::day_counts::DayCounts;
use super::window::Window;
use chrono::{Datelike, Months, NaiveDate};

/// The segments of a query's windows and the windows of each.
#[derive(Debug)]
pub(crate) struct DaySegments {
    /// The cuts, ascending and distinct, counted by a table ([`DayCounts`]).
    cuts: DayCounts,
    /// The windows of each segment (`cuts.len() + 1` of them), by index into the windows.
    windows: Vec<Vec<usize>>,
}

impl DaySegments {
    /// The segments of `windows`; `None` when they would be more than `most` (a daily trend over
    /// years, a cyclic window over centuries): the caller then asks the windows.
    pub(crate) fn of(windows: &[Window], most: usize) -> Option<DaySegments> {
        let mut cuts = Vec::new();
        for w in windows {
            let (start, end) = (w.period.start(), w.period.end());
            cuts.extend([start, end]);
            if w.cyclic.is_some() {
                let mut month = start.with_day(1)?;
                for _ in 0..most {
                    if month >= end {
                        break;
                    }
                    cuts.push(month);
                    month = month.checked_add_months(Months::new(1))?;
                }
            }
            cuts.sort_unstable();
            cuts.dedup();
            if cuts.len() >= most {
                return None;
            }
        }
        let segment = |first: Option<&NaiveDate>| match first {
            Some(&d) => (0..windows.len()).filter(|&k| windows[k].contains(d)).collect(),
            None => Vec::new(),
        };
        let windows = std::iter::once(None).chain(cuts.iter().map(Some)).map(segment).collect();
        Some(DaySegments { cuts: DayCounts::new(cuts), windows })
    }

    /// Number of segments.
    pub(crate) fn count(&self) -> usize {
        self.windows.len()
    }

    /// How the segment of a day is found: `counting().count(d)` is day `d`'s segment, below
    /// [`DaySegments::count`] (the cuts on or before it), the way decided once for a loop over
    /// many days.
    pub(crate) fn counting(&self) -> super::day_counts::Counting<'_> {
        self.cuts.counting()
    }

    /// The windows holding every day of segment `s` (and no other window holds one).
    pub(crate) fn windows(&self, s: usize) -> &[usize] {
        &self.windows[s]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Bucket, Period};

    /// Each day's segment lists exactly the windows holding it, for plain, overlapping and
    /// cyclic windows, on and around every edge.
    #[test]
    fn a_days_segment_lists_the_windows_holding_it() {
        let p = |s: &str| Period::parse(s).unwrap();
        let plain = |s: &str| Window::new(p(s));
        let months: Vec<Window> = p("2025").split(Bucket::Month, 1).unwrap().into_iter().map(Window::new).collect();
        let cyclic = |m: u32| Window { period: p("2024-01-01..2025-12-31"), cyclic: Some((Bucket::MonthOfYear, m)) };
        let quarter = Window { period: p("2024-01-01..2025-12-31"), cyclic: Some((Bucket::QuarterOfYear, 2)) };
        let sets = [
            vec![plain("2025")],
            months.clone(),
            vec![plain("2025-Q1"), plain("2025"), plain("2024-Q4"), plain("2025-Q1")],
            vec![cyclic(3), cyclic(12), quarter, plain("2025-02")],
            vec![],
        ];
        let first = "2023-12-25".parse::<NaiveDate>().unwrap();
        for windows in &sets {
            let segs = DaySegments::of(windows, 1 << 10).unwrap();
            for d in (0..800).map(|k| first + chrono::Days::new(k)) {
                let s = segs.counting().count(d);
                assert!(s < segs.count());
                let want: Vec<usize> = (0..windows.len()).filter(|&k| windows[k].contains(d)).collect();
                assert_eq!(segs.windows(s), want.as_slice(), "{d} in {windows:?}");
            }
        }
        assert_eq!(DaySegments::of(&months, 1 << 10).unwrap().count(), 14, "13 cuts");
        assert!(DaySegments::of(&months, 13).is_none() && DaySegments::of(&months, 14).is_some(), "14 segments");
        assert!(DaySegments::of(&[cyclic(3)], 20).is_none(), "24 month starts");
    }
}
