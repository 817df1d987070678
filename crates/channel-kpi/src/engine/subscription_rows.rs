//! [`Engine::push_subscriptions`]: subscription months folded from the columns of
//! [`Subscriptions`].

use super::dimension::Dimension;
use super::group_cache::{GroupKeys, IdColumn};
use super::partial::{Engine, Found};
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
    /// ([`crate::engine::Ctx::account`]) once per account of the store (an array read per row), and
    /// — when every metric of the query says how far before a window a month can count
    /// ([`crate::engine::Kpi::SUBSCRIPTION_LEAD_MONTHS`]) and the windows are disjoint plain periods —
    /// folded only into the windows its month can count in, found once per distinct month.
    ///
    /// Example: quarters of 2025, retention KPIs (one month before): a March row is tried in
    /// Q1 (its end edge) and Q2 (its start edge) only, a July row in Q3 only.
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
        // the engine's number of each account id of the store, found on first sight
        let mut numbers = Vec::new();
        let lead = self.query.metrics.iter().try_fold(0, |k, m| m.subscription_lead_months().map(|l| k.max(l)));
        let spans = lead.and_then(|k| Some((k, Spans::of(&self.windows, 0)?)));
        let mut reach: FxHashMap<NaiveDate, Box<[usize]>> = FxHashMap::default();
        for i in rows {
            crate::interrupt::check()?;
            subs.fill(i, &mut row);
            let account = self.accounts.of_store(&mut numbers, subs.account[i], |_| subs.account_id(i));
            let windows = match &spans {
                Some((k, spans)) => {
                    let m = row.month_start();
                    Some(&**reach.entry(m).or_insert_with(|| spans.touched(m, Some(reach_end(m, *k))).into()))
                }
                None => None,
            };
            self.push_keyed(&Record::Subscription(&row), i, &mut keys, Found { account, windows })?;
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
