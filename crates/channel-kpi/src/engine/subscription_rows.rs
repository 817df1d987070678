//! [`Engine::push_subscriptions`]: subscription months folded from the columns of
//! [`Subscriptions`].

use super::dimension::Dimension;
use super::group_cache::{GroupKeys, IdColumn};
use super::partial::{Engine, Found, check_currency};
use super::record::Record;
use super::subscription_split::GroupSplit;
use super::window_spans::Spans;
use crate::domain::Subscriptions;
use crate::error::Result;
use crate::kpi::account_edges::month_index;
use chrono::{Days, Months, NaiveDate};

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
        self.push_subscriptions_in(subs, rows, None)
    }

    /// [`Engine::push_subscriptions`] of the rows of `rows` in part `part` of `split` only
    /// (`only = Some((split, part))`; every row of `rows` when `None`): the others are skipped
    /// as if absent.
    pub(crate) fn push_subscriptions_in(
        &mut self,
        subs: &Subscriptions,
        rows: std::ops::Range<usize>,
        only: Option<(&GroupSplit, usize)>,
    ) -> Result<()> {
        let Some(first) = (!rows.is_empty()).then(|| subs.get(rows.start)) else { return Ok(()) };
        let (mut row, mut filled) = (first, Some(rows.start));
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
        // per month, the windows it can count in (`None`: every window)
        let mut reach = Reach::default();
        let edges: Vec<(i32, i32)> = self.windows.iter().map(crate::kpi::account_edges::edge_months).collect();
        for i in rows {
            crate::interrupt::check()?;
            if only.is_some_and(|(split, part)| split.part(i) != part) {
                continue;
            }
            let only = reach.of(subs.month[i], |m| {
                let (k, spans) = spans.as_ref()?;
                let touched = spans.touched(m, Some(reach_end(m, *k)));
                let edge = |&&w: &&usize| [edges[w].0, edges[w].1].contains(&month_index(m));
                Some(touched.iter().filter(|w| !edges_only || edge(w)).copied().collect())
            });
            if only.as_ref().is_some_and(|w| w.is_empty()) {
                // in no window: no KPI counts it; only its currency is checked, as for any row
                if self.one_currency && self.currency != Some(subs.mrr[i].currency) {
                    subs.fill_after(i, filled.replace(i), &mut row);
                    check_currency(&mut self.currency, false, &Record::Subscription(&row))?;
                }
                continue;
            }
            subs.fill_after(i, filled.replace(i), &mut row);
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

/// Windows of a month ([`Reach::of`]) kept per month in a direct-mapped table of
/// [`Reach::SLOTS`] slots by [`month_index`]: consecutive months take different slots, so a
/// table of up to that many consecutive months finds each month's windows once; months that
/// share a slot find them again when they alternate. No hash per row.
#[derive(Default)]
struct Reach {
    slots: Vec<Option<(i32, Windows)>>,
}

/// The windows (indexes) a month can count in; `None`: every window.
type Windows = Option<Box<[usize]>>;

impl Reach {
    const SLOTS: usize = 256;

    /// The windows of the month of `day` (`find(first day of the month)` the first time).
    #[inline]
    fn of(&mut self, day: NaiveDate, find: impl FnOnce(NaiveDate) -> Windows) -> &Windows {
        let m = month_index(day);
        if self.slots.is_empty() {
            self.slots.resize_with(Self::SLOTS, || None);
        }
        let slot = &mut self.slots[m.rem_euclid(Self::SLOTS as i32) as usize];
        if slot.as_ref().is_none_or(|(k, _)| *k != m) {
            *slot = Some((m, find(crate::kpi::retention::month_of(day))));
        }
        &slot.as_ref().expect("the slot was just filled").1
    }
}
