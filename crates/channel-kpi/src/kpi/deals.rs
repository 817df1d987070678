//! Section 1 of the catalog: deal outcomes.
//!
//! A deal belongs to a window by the date the KPI names: won and lost deals by `closed_on`,
//! created deals and leads by `created_on`, open deals "at the instant" the window ends.

use super::common::{Count, Proportion, Sum, div, ratio, state};
use crate::domain::{DealKind, DealStatus};
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Record, Value, Window, each};
use crate::error::Result;
use crate::money::Money;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

pub use super::deal_cycle::{CycleState, DealSuccessRate, LeadConversionRate, SalesCycleDays, SalesVelocity};

/// The won deal of `rec` in window `w`, with its amount in the query currency.
pub(crate) fn won_in<'a>(rec: &Record<'a>, w: &Window, ctx: &Ctx) -> Result<Option<(&'a crate::Deal, Decimal)>> {
    match rec {
        Record::Deal(d) if d.closed_in(DealStatus::Won, |c| w.contains(c)) => {
            let amount = amount_on(d.amount, d.closed_on.unwrap_or(d.created_on), ctx)?;
            Ok(Some((d, amount)))
        }
        _ => Ok(None),
    }
}

pub(super) fn amount_on(m: Option<Money>, on: NaiveDate, ctx: &Ctx) -> Result<Decimal> {
    m.map_or(Ok(Decimal::ZERO), |m| ctx.money(m, on))
}

/// One deal as the deal-outcome KPIs see it in one window: what happened to it there, and its
/// amounts in the query currency. This is the one input of their folding code (`fold`): a
/// [`crate::Deal`] record ([`DealFacts::of`]) and a row of [`crate::Deals`] columns
/// (`DealFacts::of_row`, in `Engine::push_deals`) are both classified with
/// [`DealFacts::classify`] and folded with the same `fold` of each state, so each KPI's
/// arithmetic exists once.
///
/// ```
/// use channel_kpi::kpi::deals::DealFacts;
/// use channel_kpi::DealStatus;
/// // days as plain numbers: window [10, 20), instant 20; a deal created on day 5 and won on day 12
/// let f = DealFacts::classify(DealStatus::Won, 5, Some(12), |d| (10..20).contains(&d), 20, |a, b| i64::from(b - a));
/// assert!(f.won && !f.lost && !f.created && !f.open_at_end);
/// assert_eq!(f.cycle_days, 7);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DealFacts {
    /// Won with `closed_on` in the window.
    pub won: bool,
    /// Lost with `closed_on` in the window.
    pub lost: bool,
    /// Created in the window.
    pub created: bool,
    /// Open at the window's instant ([`crate::Deal::open_at`]).
    pub open_at_end: bool,
    /// `closed_on − created_on` in days (0 when open).
    pub cycle_days: i64,
    /// A won deal's amount at the rate of its close date (0 without one); set only when `won`.
    pub won_amount: Decimal,
    /// An open deal's amount at the rate of the day before the instant; set only when
    /// `open_at_end`.
    pub open_amount: Option<Decimal>,
}

impl DealFacts {
    /// Classifies a deal against one window, on any ordered date type (`NaiveDate` for
    /// records, day numbers for Arrow `date32` columns): `inside` is the window's membership
    /// test, `instant` its "as at" instant, `days` the distance between two dates. Amounts
    /// are left at zero / `None` for the caller to fill.
    #[inline]
    pub fn classify<T: Copy + PartialOrd>(
        status: DealStatus,
        created: T,
        closed: Option<T>,
        inside: impl Fn(T) -> bool,
        instant: T,
        days: impl Fn(T, T) -> i64,
    ) -> DealFacts {
        // `&` and selects, no `&&` or `match`: the folds classify deals of random statuses and
        // dates, where a branch on each answer missed often (an open deal's close date taken
        // as its creation date is never used: `closed.is_some()` masks it)
        let (is_closed, on) = (closed.is_some(), closed.unwrap_or(created));
        let closed_inside = is_closed & inside(on);
        DealFacts {
            won: (status == DealStatus::Won) & closed_inside,
            lost: (status == DealStatus::Lost) & closed_inside,
            created: inside(created),
            open_at_end: (created < instant) & (!is_closed | (on >= instant)),
            cycle_days: closed.map_or(0, |c| days(created, c)),
            won_amount: Decimal::ZERO,
            open_amount: None,
        }
    }

    /// Whether the deal counts for any deal-outcome KPI in the window.
    #[inline]
    pub fn any(&self) -> bool {
        self.won || self.lost || self.created || self.open_at_end
    }

    /// The facts of a record (a deal; anything else touches nothing) in window `w`, with the
    /// won amount converted to the query currency at its close date (`open_amount` is filled
    /// by the pipeline, which converts at the instant).
    pub fn of(rec: &Record, w: &Window, ctx: &Ctx) -> Result<DealFacts> {
        let Record::Deal(d) = rec else { return Ok(DealFacts::default()) };
        let mut f = DealFacts::classify(d.status, d.created_on, d.closed_on, |c| w.contains(c), w.instant(), crate::period::days_between);
        if f.won {
            f.won_amount = amount_on(d.amount, d.closed_on.unwrap_or(d.created_on), ctx)?;
        }
        Ok(f)
    }
}

/// [`DealFacts`] summed over any number of deals of one group in one window: the sufficient
/// statistics of the deal-outcome KPIs. Each of their `fold`s takes a tally, so one deal
/// ([`DealFacts::tally`]) and many deals summed go through the same code; folding a tally
/// equals folding its deals one by one.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DealTally<'a> {
    /// Deals won in the window.
    pub won: u64,
    /// Deals lost in the window.
    pub lost: u64,
    /// Deals created in the window.
    pub created: u64,
    /// Deals open at the window's instant.
    pub open: u64,
    /// Of those, the ones without an amount.
    pub open_unvalued: u64,
    /// Σ amount of the won deals.
    pub won_amount: Decimal,
    /// Σ amount of the open deals that have one.
    pub open_amount: Decimal,
    /// Cycle days of the won deals, with their multiplicities, ascending.
    pub won_cycles: &'a [(i64, u64)],
    /// Σ cycle days of the won deals (Σ day × multiplicity over `won_cycles`).
    pub won_days: i64,
}

impl DealFacts {
    /// Runs `f` on the tally of this one deal.
    #[inline]
    pub fn tally<R>(&self, f: impl FnOnce(&DealTally) -> R) -> R {
        let cycle = [(self.cycle_days, 1)];
        let open = self.open_at_end;
        f(&DealTally {
            won: u64::from(self.won),
            lost: u64::from(self.lost),
            created: u64::from(self.created),
            open: u64::from(open),
            open_unvalued: u64::from(open && self.open_amount.is_none()),
            won_amount: if self.won { self.won_amount } else { Decimal::ZERO },
            open_amount: self.open_amount.filter(|_| open).unwrap_or(Decimal::ZERO),
            won_cycles: if self.won { &cycle } else { &[] },
            won_days: if self.won { self.cycle_days } else { 0 },
        })
    }
}

state! {
    /// Σ and count of won amounts.
    pub struct WonState { pub sum: Sum, pub n: Count }
    check(s) { s.n.0 > 0 || s.sum.0.is_zero(), "a sum of won amounts without a won deal"; }
}

impl WonState {
    /// Folds a deal won in `w` (amount in the query currency); true when it counted.
    pub(crate) fn observe(&mut self, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        DealFacts::of(rec, w, ctx)?.tally(|t| self.fold(t))
    }
    /// Folds a tally: Σ and count of won amounts.
    #[inline]
    pub fn fold(&mut self, t: &DealTally) -> Result<bool> {
        if t.won > 0 {
            self.sum.add(t.won_amount)?;
            self.n.0 += t.won;
        }
        Ok(t.won > 0)
    }
    /// Σ ÷ count, rounded to 6 places; `None` when nothing was won.
    pub(crate) fn avg(&self) -> Option<Decimal> {
        div(self.sum.0, Decimal::from(self.n.0))
    }
}

/// `avg_deal_size` = Σ amount of deals won with `closed_on` in the window ÷ their count;
/// absent when nothing was won. Rounded half-even to 6 decimal places.
///
/// The article's example: deals of $200 and $400 won in the last 15 days → $300 (a test in
/// every language).
pub struct AvgDealSize;
impl Kpi for AvgDealSize {
    type State = WonState;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![ColumnSpec::new("avg_deal_size", ColumnKind::Money)])
    }
    fn observe(s: &mut WonState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        s.observe(rec, w, ctx)
    }
    fn finish(states: &[&WonState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| Ok(vec![Value::decimal(s.avg())]))
    }
}

state! {
    /// Won amounts as a histogram (exact median).
    pub struct AmountHistogram { pub amounts: Amounts }
}

/// Won amounts with their multiplicities (memory grows with the number of distinct amounts).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Amounts(#[serde(with = "amount_keys")] pub BTreeMap<Decimal, u64>);

/// Amounts as map keys in their text form (`{"19.99": 2}`): self-describing and compact
/// formats alike (postcard cannot read Decimal's any-type form).
mod amount_keys {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use std::collections::BTreeMap;
    pub fn serialize<S: Serializer>(m: &BTreeMap<Decimal, u64>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(m.iter().map(|(k, v)| (k.to_string(), v)))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<Decimal, u64>, D::Error> {
        let m = BTreeMap::<String, u64>::deserialize(d)?;
        m.into_iter()
            .map(|(k, v)| k.parse::<Decimal>().map(|k| (k, v)).map_err(|e| D::Error::custom(format!("amount {k:?}: {e}"))))
            .collect()
    }
}
impl crate::engine::Check for Amounts {
    /// No empty bin; a total that fits in a count.
    fn check(&self) -> std::result::Result<(), String> {
        crate::engine::check::bins(self.0.iter().map(|(a, n)| (a, *n)))
    }
}
impl crate::engine::Merge for Amounts {
    fn merge(&mut self, o: &Self) -> Result<()> {
        for (a, n) in &o.0 {
            *self.0.entry(*a).or_default() += n;
        }
        Ok(())
    }
}

/// `median_deal_size`: the median won amount in the window (mean of the two middle amounts
/// for an even count); absent when nothing was won.
pub struct MedianDealSize;
impl Kpi for MedianDealSize {
    type State = AmountHistogram;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![ColumnSpec::new("median_deal_size", ColumnKind::Money)])
    }
    fn observe(s: &mut AmountHistogram, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        if let Some((_, a)) = won_in(rec, w, ctx)? {
            *s.amounts.0.entry(a.normalize()).or_default() += 1;
            return Ok(true);
        }
        Ok(false)
    }
    fn finish(states: &[&AmountHistogram], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            let n: u64 = s.amounts.0.values().sum();
            if n == 0 {
                return Ok(vec![Value::Absent]);
            }
            let nth = |k: u64| {
                let mut seen = 0;
                s.amounts
                    .0
                    .iter()
                    .find(|(_, c)| {
                        seen += **c;
                        seen > k
                    })
                    .map(|(a, _)| *a)
                    .unwrap_or_default()
            };
            // The mean of the middle pair, as lo + (hi − lo) / 2 when lo + hi would overflow
            // (two amounts near the decimal maximum): found by the bad-input catalog.
            let mid = |lo: Decimal, hi: Decimal| match lo.checked_add(hi) {
                Some(sum) => div(sum, Decimal::TWO),
                None => div(hi - lo, Decimal::TWO).and_then(|h| lo.checked_add(h)),
            };
            let m = if n % 2 == 1 { Some(nth(n / 2)) } else { mid(nth(n / 2 - 1), nth(n / 2)) };
            Ok(vec![Value::decimal(m)])
        })
    }
}

state! {
    /// Won, lost and created counts.
    pub struct CountState { pub won: Count, pub lost: Count, pub created: Count }
}

impl CountState {
    /// Counts a deal won, lost (by `closed_on`) or created (by `created_on`) in the window;
    /// shared by `deal_count` and `pipeline_change`.
    pub fn observe(&mut self, rec: &Record, w: &Window) -> bool {
        let Record::Deal(d) = rec else { return false };
        DealFacts::classify(d.status, d.created_on, d.closed_on, |c| w.contains(c), w.instant(), |_, _| 0).tally(|t| self.fold(t))
    }
    /// Folds a tally: counts of won, lost and created.
    #[inline]
    pub fn fold(&mut self, t: &DealTally) -> bool {
        self.won.0 += t.won;
        self.lost.0 += t.lost;
        self.created.0 += t.created;
        t.won + t.lost + t.created > 0
    }
}

/// `deal_count`: deals won (`won_count`) and lost (`lost_count`) with `closed_on` in the
/// window, and deals created in it (`created_count`). Counts are 0, not absent, for a group
/// with no such deal in a window where it has other data.
pub struct DealCount;
impl Kpi for DealCount {
    type State = CountState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(["won_count", "lost_count", "created_count"].map(|c| ColumnSpec::new(c, ColumnKind::Int)).to_vec())
    }
    fn observe(s: &mut CountState, rec: &Record, w: &Window, _: &Ctx) -> Result<bool> {
        Ok(s.observe(rec, w))
    }
    fn finish(states: &[&CountState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| Ok(vec![Value::count(s.won.0), Value::count(s.lost.0), Value::count(s.created.0)]))
    }
}

/// `won_revenue`: Σ amount of deals won in the window (0 when the group won nothing in a
/// window where it has other data).
pub struct WonRevenue;
impl Kpi for WonRevenue {
    type State = WonState;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![ColumnSpec::new("won_revenue", ColumnKind::Money)])
    }
    fn observe(s: &mut WonState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        s.observe(rec, w, ctx)
    }
    fn finish(states: &[&WonState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| Ok(vec![Value::Decimal(s.sum.0)]))
    }
}

state! {
    /// Won among closed.
    pub struct CloseState { pub closed: Proportion }
}

impl CloseState {
    /// Folds a deal closed in `w`; true when it counted.
    pub(crate) fn observe(&mut self, rec: &Record, w: &Window) -> bool {
        let Record::Deal(d) = rec else { return false };
        DealFacts::classify(d.status, d.created_on, d.closed_on, |c| w.contains(c), w.instant(), |_, _| 0).tally(|t| self.fold(t))
    }
    /// Folds a tally: each deal closed in the window is a trial, each won one a success.
    #[inline]
    pub fn fold(&mut self, t: &DealTally) -> bool {
        self.closed.hits += t.won;
        self.closed.n += t.won + t.lost;
        t.won + t.lost > 0
    }
}

/// `close_rate` = won ÷ (won + lost), both with `closed_on` in the window; open deals are
/// excluded; absent when nothing closed. Columns: `close_rate`, `close_rate_n` (closed
/// deals), `close_rate_lo` / `close_rate_hi` (Wilson interval at the query's confidence).
pub struct CloseRate;
impl Kpi for CloseRate {
    type State = CloseState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(Proportion::columns("close_rate"))
    }
    fn observe(s: &mut CloseState, rec: &Record, w: &Window, _: &Ctx) -> Result<bool> {
        Ok(s.observe(rec, w))
    }
    fn finish(states: &[&CloseState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| Ok(s.closed.values(ctx)))
    }
}

/// `close_rate_seasonality`: the close rate per month of the year (or per quarter with
/// `buckets = quarter_of_year`) pooled across the years of the period, with its counts. The
/// engine provides the cyclic buckets; the value is computed by the same code as `close_rate`.
/// Columns: `seasonal_close_rate`, `_n`, `_lo`, `_hi`.
pub struct CloseRateSeasonality;
impl Kpi for CloseRateSeasonality {
    type State = CloseState;
    const COMBINES_AMOUNTS: bool = false;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(Proportion::columns("seasonal_close_rate"))
    }
    fn observe(s: &mut CloseState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        CloseRate::observe(s, rec, w, ctx)
    }
    fn finish(states: &[&CloseState], w: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        CloseRate::finish(states, w, ctx)
    }
}

state! {
    /// Upsell share of won deals, by count and revenue.
    pub struct UpsellState { pub deals: Proportion, pub upsell_revenue: Sum, pub revenue: Sum }
    check(s) {
        s.deals.n > 0 || s.revenue.0.is_zero(), "won revenue without a won deal";
        s.deals.hits > 0 || s.upsell_revenue.0.is_zero(), "upsell revenue without an upsell deal";
    }
}

/// `upsell_rate` = won deals of kind upsell ÷ all won deals in the window (`upsell_rate`,
/// with `_n`, `_lo`, `_hi`), and by revenue (`upsell_revenue_share`). Absent when nothing
/// was won (the revenue share also when the won revenue is 0).
pub struct UpsellRate;
impl Kpi for UpsellRate {
    type State = UpsellState;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let mut c = Proportion::columns("upsell_rate");
        c.push(ColumnSpec::new("upsell_revenue_share", ColumnKind::Float));
        Ok(c)
    }
    fn observe(s: &mut UpsellState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Some((d, a)) = won_in(rec, w, ctx)? else { return Ok(false) };
        let up = d.kind == DealKind::Upsell;
        s.deals.add(up);
        s.revenue.add(a)?;
        if up {
            s.upsell_revenue.add(a)?;
        }
        Ok(true)
    }
    fn finish(states: &[&UpsellState], _: &Window, ctx: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| {
            let mut v = s.deals.values(ctx);
            v.push(Value::float(ratio(s.upsell_revenue.0, s.revenue.0)));
            Ok(v)
        })
    }
}

state! {
    /// Revenue won from new business.
    pub struct NewRevenueState { pub revenue: Sum, pub deals: Count }
    check(s) { s.deals.0 > 0 || s.revenue.0.is_zero(), "new revenue without a new deal"; }
}

/// `new_net_revenue`: Σ amount of deals of kind *new* won in the window, and their count
/// (`new_net_revenue`, `new_deals_won`). Like every sum and count, 0 (not absent) for a group
/// that won no new business in a window where it has other data. (The subscription form,
/// new + expansion − contraction − churn MRR, is `mrr_retention`'s movement breakdown.)
pub struct NewNetRevenue;
impl Kpi for NewNetRevenue {
    type State = NewRevenueState;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        Ok(vec![ColumnSpec::new("new_net_revenue", ColumnKind::Money), ColumnSpec::new("new_deals_won", ColumnKind::Int)])
    }
    fn observe(s: &mut NewRevenueState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        let Some((d, a)) = won_in(rec, w, ctx)? else { return Ok(false) };
        if d.kind == DealKind::New {
            s.revenue.add(a)?;
            s.deals.inc();
        }
        Ok(true)
    }
    fn finish(states: &[&NewRevenueState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        each(states, |s| Ok(vec![Value::Decimal(s.revenue.0), Value::count(s.deals.0)]))
    }
}
