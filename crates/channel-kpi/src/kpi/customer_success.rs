//! Section 5 of the catalog, customer success beyond MRR: referrals, product adoption,
//! support tickets, onboarding time and monthly engagement. (Portfolio growth and retention
//! are in [`super::retention`].)
//!
//! "Accounts" of a group are the accounts with MRR > 0 in a month overlapping the window
//! (from the subscription records); KPIs per account are absent without them.

use super::common::{Count, Days, Proportion, state};
use super::retention::month_of;
use super::training::NameSet;
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Merge, Record, Value, Window, each};
use crate::error::Result;
use chrono::{Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether the month starting `m` overlaps the window.
fn month_overlaps(m: NaiveDate, w: &Window) -> bool {
    m < w.instant() && m.checked_add_months(Months::new(1)).is_some_and(|n| n > w.start_instant())
}

/// The account of a subscription row with MRR > 0 in a month overlapping the window.
fn active_account<'a>(rec: &Record<'a>, w: &Window) -> Option<(&'a str, NaiveDate)> {
    match rec {
        Record::Subscription(s) if s.mrr.amount > Decimal::ZERO && month_overlaps(s.month_start(), w) => {
            Some((s.account_id.as_str(), s.month_start()))
        }
        _ => None,
    }
}

fn per(n: u64, d: u64) -> Value {
    Value::float((d > 0).then(|| n as f64 / d as f64))
}

state! {
    /// Referrals made in the window, converted by `as_of`.
    pub struct ReferralState { pub converted: Proportion }
}

/// `referrals`: referrals made in the window by accounts or partners (`referrals_made`; group
/// by `partner` for partner referrals, the empty partner being customer referrals) and those
/// whose referred account became a customer on or before `as_of` (`referrals_converted`,
/// `referral_conversion_rate` with `_n`, `_lo`, `_hi`).
///
/// Example: 4 referrals in March, 1 converted in April (`as_of` after) → rate 0.25.
pub struct Referrals;
impl Kpi for Referrals {
    type State = ReferralState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c = vec![ColumnSpec::new("referrals_made", ColumnKind::Int), ColumnSpec::new("referrals_converted", ColumnKind::Int)];
        c.extend(Proportion::columns("referral_conversion_rate"));
        Ok(c)
    }
    fn observe(s: &mut ReferralState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Record::Referral(r) = rec else { return Ok(false) };
        if !w.contains(r.referred_on) {
            return Ok(false);
        }
        s.converted.add(r.converted_on.is_some_and(|c| c <= ctx.as_of));
        Ok(true)
    }
    fn finish(states: &[&ReferralState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            let mut v = vec![Value::count(s.converted.n), Value::count(s.converted.hits)];
            v.extend(s.converted.values(ctx));
            Ok(v)
        })
    }
}

/// One account's usage in a window: subscribed, active, and its busiest month.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountUsage {
    /// Had MRR > 0 in a month of the window.
    pub subscribed: bool,
    /// Had a usage row with active users > 0 in a month of the window.
    pub active: bool,
    /// Most active users in one month.
    pub users: u32,
    /// Most features used in one month.
    pub features: u32,
}
impl crate::engine::Check for AccountUsage {
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}
impl Merge for AccountUsage {
    fn merge(&mut self, o: &Self) -> Result<()> {
        self.subscribed |= o.subscribed;
        self.active |= o.active;
        self.users = self.users.max(o.users);
        self.features = self.features.max(o.features);
        Ok(())
    }
}

/// [`AccountUsage`] per account.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageState(pub BTreeMap<String, AccountUsage>);
impl crate::engine::Check for UsageState {
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}
impl Merge for UsageState {
    fn merge(&mut self, o: &Self) -> Result<()> {
        for (a, u) in &o.0 {
            self.0.entry(a.clone()).or_default().merge(u)?;
        }
        Ok(())
    }
}

/// `product_adoption`: the accounts of the window (subscribed, or with a usage row), the
/// share of them active — with a usage row in a month of the window with active users > 0
/// (`product_adoption_rate`, `_n` = accounts, `_lo`, `_hi`) — and, over active accounts, the
/// mean of each account's most active users in a month (`users_per_account`) and most
/// features used in a month (`features_per_account`). Compare with the previous period for the
/// change.
///
/// Example: 4 subscribed accounts; A used 3 features with 5 users, B 1 feature with 1 user →
/// adoption 0.5, features per account 2, users per account 3.
pub struct ProductAdoption;
impl Kpi for ProductAdoption {
    type State = UsageState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c = Proportion::columns("product_adoption_rate");
        c.push(ColumnSpec::new("users_per_account", ColumnKind::Float));
        c.push(ColumnSpec::new("features_per_account", ColumnKind::Float));
        Ok(c)
    }
    fn observe(s: &mut UsageState, rec: &Record, w: &Window, _: &Ctx) -> Result<bool> {
        if let Some((a, _)) = active_account(rec, w) {
            s.0.entry(a.to_string()).or_default().subscribed = true;
            return Ok(true);
        }
        let Record::Usage(u) = rec else { return Ok(false) };
        if !month_overlaps(u.month_start(), w) {
            return Ok(false);
        }
        let e = s.0.entry(u.account_id.clone()).or_default();
        if u.active_users > 0 {
            e.merge(&AccountUsage { subscribed: false, active: true, users: u.active_users, features: u.features_used })?;
        }
        Ok(true)
    }
    fn finish(states: &[&UsageState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            let mut p = Proportion::default();
            let (mut users, mut features) = (0u64, 0u64);
            for u in s.0.values() {
                p.add(u.active);
                if u.active {
                    users += u.users as u64;
                    features += u.features as u64;
                }
            }
            let mut v = p.values(ctx);
            v.push(per(users, p.hits));
            v.push(per(features, p.hits));
            Ok(v)
        })
    }
}

state! {
    /// Tickets opened, resolution times, and the accounts of the window.
    pub struct TicketState { pub opened: Count, pub resolution: Days, pub accounts: NameSet }
}

/// `support_tickets` (lower is better): tickets opened in the window (`tickets_opened`), the
/// accounts of the window (`ticket_accounts`), tickets per account (`tickets_per_account` =
/// opened ÷ accounts, absent without subscription data), and the days from opening to closing
/// of tickets closed in the window (`ticket_resolution_days` mean, `_median`). Use buckets for
/// the trend.
///
/// Example: 3 tickets in March from 2 of 4 subscribed accounts → 0.75 tickets per account.
pub struct SupportTickets;
impl Kpi for SupportTickets {
    type State = TicketState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![
            ColumnSpec::new("tickets_opened", ColumnKind::Int),
            ColumnSpec::new("ticket_accounts", ColumnKind::Int),
            ColumnSpec::new("tickets_per_account", ColumnKind::Float),
            ColumnSpec::new("ticket_resolution_days", ColumnKind::Float),
            ColumnSpec::new("ticket_resolution_days_median", ColumnKind::Float),
        ])
    }
    fn observe(s: &mut TicketState, rec: &Record, w: &Window, _: &Ctx) -> Result<bool> {
        if let Some((a, _)) = active_account(rec, w) {
            s.accounts.0.insert(a.to_string());
            return Ok(true);
        }
        let Record::Ticket(t) = rec else { return Ok(false) };
        let mut hit = false;
        if w.contains(t.opened_on) {
            s.opened.inc();
            hit = true;
        }
        if let Some(c) = t.closed_on.filter(|c| w.contains(*c)) {
            s.resolution.add((c - t.opened_on).num_days());
            hit = true;
        }
        Ok(hit)
    }
    fn finish(states: &[&TicketState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            let accounts = s.accounts.0.len() as u64;
            Ok(vec![
                Value::count(s.opened.0),
                Value::count(accounts),
                per(s.opened.0, accounts),
                Value::float(s.resolution.mean()),
                Value::float(s.resolution.median()),
            ])
        })
    }
}

state! {
    /// Onboarding durations completed in the window; onboardings still running at its end.
    pub struct OnboardingState { pub days: Days, pub in_progress: Count }
}

/// `onboarding_time` (faster is better): days from contract (`started_on`) to onboarding
/// complete over onboardings completed in the window — `onboarding_days` (mean),
/// `onboarding_days_median`, `onboardings_completed` — and `onboardings_in_progress` (started
/// on or before the window's last day, not completed by then). Absent when none completed.
///
/// Example: completions after 10, 20 and 60 days → mean 30, median 20.
pub struct OnboardingTime;
impl Kpi for OnboardingTime {
    type State = OnboardingState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![
            ColumnSpec::new("onboarding_days", ColumnKind::Float),
            ColumnSpec::new("onboarding_days_median", ColumnKind::Float),
            ColumnSpec::new("onboardings_completed", ColumnKind::Int),
            ColumnSpec::new("onboardings_in_progress", ColumnKind::Int),
        ])
    }
    fn observe(s: &mut OnboardingState, rec: &Record, w: &Window, _: &Ctx) -> Result<bool> {
        let Record::Onboarding(o) = rec else { return Ok(false) };
        let last = w.period.last_day();
        if let Some(c) = o.completed_on.filter(|c| w.contains(*c)) {
            s.days.add((c - o.started_on).num_days());
            return Ok(true);
        }
        if o.started_on <= last && o.completed_on.is_none_or(|c| c > last) {
            s.in_progress.inc();
            return Ok(true);
        }
        Ok(false)
    }
    fn finish(states: &[&OnboardingState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            Ok(vec![
                Value::float(s.days.mean()),
                Value::float(s.days.median()),
                Value::count(s.days.count()),
                Value::count(s.in_progress.0),
            ])
        })
    }
}

/// Active accounts per month (first day of the month as `YYYY-MM-DD`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AccountMonths(pub BTreeMap<NaiveDate, NameSet>);
impl crate::engine::Check for AccountMonths {
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}
impl Merge for AccountMonths {
    fn merge(&mut self, o: &Self) -> Result<()> {
        for (m, s) in &o.0 {
            self.0.entry(*m).or_default().merge(s)?;
        }
        Ok(())
    }
}

state! {
    /// Events, engaged accounts and active account-months of a window.
    pub struct EngagementState { pub events: Count, pub engaged: NameSet, pub active: AccountMonths }
}

/// `monthly_engagement`: engagement events in the window (`engagement_events`), distinct
/// accounts with an event (`engaged_accounts`), account-months with MRR > 0 in months
/// overlapping the window (`active_account_months`), and events per account per month
/// (`engagement_per_account_month` = events ÷ active account-months; absent without
/// subscription data).
///
/// Example: March 2025, 2 subscribed accounts, 6 events → 3 events per account-month.
pub struct MonthlyEngagement;
impl Kpi for MonthlyEngagement {
    type State = EngagementState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![
            ColumnSpec::new("engagement_events", ColumnKind::Int),
            ColumnSpec::new("engaged_accounts", ColumnKind::Int),
            ColumnSpec::new("active_account_months", ColumnKind::Int),
            ColumnSpec::new("engagement_per_account_month", ColumnKind::Float),
        ])
    }
    fn observe(s: &mut EngagementState, rec: &Record, w: &Window, _: &Ctx) -> Result<bool> {
        if let Some((a, m)) = active_account(rec, w) {
            s.active.0.entry(month_of(m)).or_default().0.insert(a.to_string());
            return Ok(true);
        }
        let Record::Engagement(e) = rec else { return Ok(false) };
        if !w.contains(e.occurred_on) {
            return Ok(false);
        }
        s.events.inc();
        s.engaged.0.insert(e.account_id.clone());
        Ok(true)
    }
    fn finish(states: &[&EngagementState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            let months: u64 = s.active.0.values().map(|n| n.0.len() as u64).sum();
            Ok(vec![Value::count(s.events.0), Value::count(s.engaged.0.len() as u64), Value::count(months), per(s.events.0, months)])
        })
    }
}
