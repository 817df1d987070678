//! [`LeadTally`]: what the lead-reading KPIs (`lead_conversion_rate`, `channel_performance`)
//! take from leads — how many were created in a window and how many of those converted by
//! `as_of` — and the one fold of it into their states ([`fold_leads`]).
//!
//! Both ways a lead reaches the engine go through it: `Kpi::observe` of a
//! [`crate::engine::Record::Lead`] folds the tally of that one lead ([`LeadTally::of`]), and
//! `Engine::push_leads` sums the tallies of every lead of a group and window read from the
//! columns of [`crate::Leads`] ([`LeadTally::add`]) and folds each sum once. Counts add up, so
//! both give the same states.
//!
//! ```text
//! window 2025-Q1, as_of 2025-03-31
//! lead created 2025-02-01, won 2025-03-10  →  leads 1, converted 1
//! lead created 2025-02-01, won 2025-04-02  →  leads 1, converted 0   (won after as_of)
//! lead created 2024-12-30                  →  nothing                (not in the window)
//! ```

use crate::engine::{KpiState, Window};
use chrono::NaiveDate;

/// Leads created in one window (of one group) and those of them won by `as_of`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct LeadTally {
    /// Leads created in the window.
    pub leads: u64,
    /// Of those, the ones whose deal was won on or before `as_of`.
    pub converted: u64,
}

impl LeadTally {
    /// The tally of one lead created on `created_on` (its deal won on `won_on`) in window `w`:
    /// empty when `w` does not hold `created_on`.
    #[inline]
    pub(crate) fn of(created_on: NaiveDate, won_on: Option<NaiveDate>, w: &Window, as_of: NaiveDate) -> LeadTally {
        let mut t = LeadTally::default();
        if w.contains(created_on) {
            t.add(converted(won_on, as_of));
        }
        t
    }

    /// Adds one lead created in the window, `converted` or not.
    #[inline]
    pub(crate) fn add(&mut self, converted: bool) {
        self.leads += 1;
        self.converted += u64::from(converted);
    }

    /// Adds the leads of `other` (of the same window).
    #[inline]
    pub(crate) fn add_all(&mut self, other: &LeadTally) {
        self.leads += other.leads;
        self.converted += other.converted;
    }

    /// True when no lead was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.leads == 0
    }
}

/// Whether a lead whose deal was won on `won_on` converted by `as_of`.
#[inline]
pub(crate) fn converted(won_on: Option<NaiveDate>, as_of: NaiveDate) -> bool {
    won_on.is_some_and(|d| d <= as_of)
}

/// Whether metric `m` reads leads (every other KPI ignores them).
pub(crate) fn reads_leads(m: crate::Metric) -> bool {
    matches!(m, crate::Metric::LeadConversionRate | crate::Metric::ChannelPerformance)
}

/// Folds the tally `t` into `state` with the fold of its KPI's own `observe`; true when it
/// counted (some lead was created in the window). A KPI that does not read leads
/// ([`reads_leads`]) is left as it is (false).
pub(crate) fn fold_leads(state: &mut KpiState, t: &LeadTally) -> bool {
    match state {
        KpiState::LeadConversionRate(s) => s.fold(t),
        KpiState::ChannelPerformance(s) => s.fold_leads(t),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Metric, Period};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_lead_counts_in_the_window_of_its_creation_and_converts_by_as_of() {
        let w = Window { period: Period::parse("2025-Q1").unwrap(), cyclic: None };
        let as_of = day("2025-03-31");
        assert_eq!(LeadTally::of(day("2025-02-01"), Some(day("2025-03-10")), &w, as_of), LeadTally { leads: 1, converted: 1 });
        assert_eq!(LeadTally::of(day("2025-02-01"), Some(day("2025-03-31")), &w, as_of), LeadTally { leads: 1, converted: 1 });
        assert_eq!(LeadTally::of(day("2025-02-01"), Some(day("2025-04-01")), &w, as_of), LeadTally { leads: 1, converted: 0 });
        assert_eq!(LeadTally::of(day("2025-02-01"), None, &w, as_of), LeadTally { leads: 1, converted: 0 });
        // won before it was created still counts (a data-quality fact, see `Lead::validate`)
        assert_eq!(LeadTally::of(day("2025-02-01"), Some(day("2024-01-01")), &w, as_of), LeadTally { leads: 1, converted: 1 });
        assert!(LeadTally::of(day("2024-12-31"), Some(day("2025-01-10")), &w, as_of).is_empty());
        assert!(LeadTally::of(day("2025-04-01"), None, &w, as_of).is_empty());
    }

    #[test]
    fn the_fold_reaches_the_lead_kpis_only() {
        let t = LeadTally { leads: 3, converted: 2 };
        let mut rate = Metric::LeadConversionRate.new_state();
        assert!(fold_leads(&mut rate, &t));
        assert!(fold_leads(&mut rate, &t));
        let KpiState::LeadConversionRate(s) = &rate else { panic!("{rate:?}") };
        assert_eq!((s.leads.n, s.leads.hits), (6, 4));
        let mut channels = Metric::ChannelPerformance.new_state();
        assert!(fold_leads(&mut channels, &t));
        let KpiState::ChannelPerformance(s) = &channels else { panic!("{channels:?}") };
        assert_eq!((s.leads.0, s.converted.0, s.won_deals.0), (3, 2, 0));
        assert!(!fold_leads(&mut channels, &LeadTally::default()), "no lead: not counted");
        let mut deals = Metric::DealCount.new_state();
        assert!(!fold_leads(&mut deals, &t));
        assert_eq!(deals, Metric::DealCount.new_state());
        assert!(reads_leads(Metric::ChannelPerformance) && reads_leads(Metric::LeadConversionRate) && !reads_leads(Metric::DealCount));
    }
}
