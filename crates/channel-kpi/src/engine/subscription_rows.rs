//! [`Engine::push_subscriptions`]: subscription months folded from the columns of
//! [`Subscriptions`].

use super::dimension::Dimension;
use super::group_cache::{GroupKeys, IdColumn};
use super::partial::{Engine, Found, check_currency};
use super::record::Record;
use super::window_spans::Spans;
use crate::domain::Subscriptions;
use crate::error::Result;
use chrono::{Days, Months, NaiveDate};
use rustc_hash::FxHashMap;

impl Engine<'_> {
    /// Folds the subscription months `rows` of `subs` in order: the same as [`Engine::push`] of
    /// each as a [`crate::SubscriptionMonth`] ([`Subscriptions::get`]), written into one reused
    /// value (no allocation per row once its strings are large enough), its groups found once
    /// per combination of partner and attr value ids (`GroupKeys`), its account's number
    /// ([`crate::engine::Ctx::account`]) its store id when the store lends the engine its
    /// numbering (`engine/accounts.rs`; else found once per id), and — when every metric of
    /// the query says how far before a window a month can count
    /// ([`crate::engine::Kpi::SUBSCRIPTION_LEAD_MONTHS`]) and the windows are disjoint plain
    /// periods — folded only into the windows its month can count in (only those it is an
    /// edge month of, when every metric counts edge months only:
    /// [`crate::engine::Kpi::SUBSCRIPTION_EDGE_MONTHS_ONLY`]), found once per distinct month. A
    /// row in no window is not built: only its currency is checked, as [`Engine::push`] does.
    ///
    /// Example: quarters of 2025, retention KPIs (edge months only): a March row is folded in
    /// Q1 (its end edge) and Q2 (its start edge) only, a July or a May 2024 row nowhere.
    pub fn push_subscriptions(&mut self, subs: &Subscriptions, rows: std::ops::Range<usize>) -> Result<()> {
        let Some(first) = (!rows.is_empty()).then(|| subs.get(rows.start)) else { return Ok(()) };
        let mut row = first;
        let mut keys = GroupKeys::new(&self.query.group_by, |dim| -> Option<IdColumn> {
            Some(match dim {
                Dimension::Attr(name) => match subs.attrs.column(name) {
                    Some(c) => Box::new(move |i| subs.attrs.id(c, i)),
                    None => Box::new(|_| 0),
                },
                // the partner decides every other dimension (the others do not apply)
                _ => Box::new(|i| subs.partner[i]),
            })
        });
        // the account of a row: its store id, or numbered by text once per id
        let mut numbers = self.accounts.of(subs);
        let metrics = &self.query.metrics;
        let lead = metrics.iter().try_fold(0, |k, m| m.subscription_lead_months().map(|l| k.max(l)));
        let edges_only = metrics.iter().all(|m| m.subscription_edge_months_only());
        let spans = lead.and_then(|k| Some((k, Spans::of(&self.windows, 0)?)));
        // per distinct month, the windows it can count in (`None`: every window)
        let mut reach: FxHashMap<NaiveDate, Option<Box<[usize]>>> = FxHashMap::default();
        let edges: Vec<(i32, i32)> = self.windows.iter().map(crate::kpi::account_edges::edge_months).collect();
        for i in rows {
            crate::interrupt::check()?;
            let m = subs.month[i];
            let only = reach.entry(m).or_insert_with(|| {
                let (k, spans) = spans.as_ref()?;
                let m = crate::kpi::retention::month_of(m);
                let touched = spans.touched(m, Some(reach_end(m, *k)));
                let edge = |&&w: &&usize| [edges[w].0, edges[w].1].contains(&crate::kpi::account_edges::month_index(m));
                Some(touched.iter().filter(|w| !edges_only || edge(w)).copied().collect())
            });
            if only.as_ref().is_some_and(|w| w.is_empty()) {
                // in no window: no KPI counts it; only its currency is checked, as for any row
                if self.one_currency && self.currency != Some(subs.mrr[i].currency) {
                    subs.fill(i, &mut row);
                    check_currency(&mut self.currency, false, &Record::Subscription(&row))?;
                }
                continue;
            }
            subs.fill(i, &mut row);
            let account = self.accounts.of_row(&mut numbers, subs, i);
            self.push_keyed(&Record::Subscription(&row), i, &mut keys, Found { account, windows: only.as_deref() })?;
        }
        Ok(())
    }
}

/// The last day a window may start on for month `m` (its first day) to count in it, when a
/// month counts from `k` months before a window's first month: the day before the first of
/// the `k + 1`-th month after `m` (saturating at the calendar's end).
fn reach_end(m: NaiveDate, k: u32) -> NaiveDate {
    m.checked_add_months(Months::new(k + 1)).and_then(|d| d.checked_sub_days(Days::new(1))).unwrap_or(NaiveDate::MAX)
}
