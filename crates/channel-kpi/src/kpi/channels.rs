//! Section 3 of the catalog: marketing channels (`channel_performance`).
//!
//! ```
//! use channel_kpi::{Channel, Dataset, Deal, DealStatus, Dimension, Lead, Metric, Period, Query, Spend};
//! let day = |s: &str| s.parse().unwrap();
//! let mut data = Dataset::default();
//! let mut d = Deal::new("D1", day("2025-01-05"), DealStatus::Won);
//! d.channel = Some(Channel::Paid);
//! d.closed_on = Some(day("2025-02-01"));
//! d.amount = Some("1500 USD".parse().unwrap());
//! data.deals.push(d);
//! for (id, deal) in [("L1", Some("D1")), ("L2", None)] {
//!     let mut l = Lead::new(id, day("2025-01-02"));
//!     l.channel = Some(Channel::Paid);
//!     l.deal_id = deal.map(String::from);
//!     data.leads.push(l);
//! }
//! data.spend.push(Spend { channel: Channel::Paid, source: None, spent_on: day("2025-01-01"), amount: "500 USD".parse().unwrap() });
//! data.validate().unwrap();
//! let q = Query::new(vec![Metric::ChannelPerformance], Period::parse("2025-Q1").unwrap()).by(Dimension::Channel);
//! let t = data.run(&q).unwrap();
//! let paid = [Some("paid")];
//! assert_eq!(t.get(&paid, "cost_per_lead").unwrap().to_string(), "250"); // 500 ÷ 2 leads
//! assert_eq!(t.get(&paid, "channel_roi").unwrap().as_f64(), Some(2.0)); // (1500 − 500) ÷ 500
//! ```

use super::common::{Count, Sum, div, ratio, state};
use super::deals::{DealFacts, DealTally};
use super::lead_tally::LeadTally;
use crate::engine::{ColumnKind, ColumnSpec, Ctx, Kpi, Record, Value, Window};
use crate::error::Result;
use rust_decimal::Decimal;

state! {
    /// Leads, conversions, won deals, revenue and spend of one channel group.
    pub struct ChannelState {
        pub leads: Count,
        pub converted: Count,
        pub won_deals: Count,
        pub revenue: Sum,
        pub spend: Sum,
        pub spend_records: Count,
    }
    check(s) {
        s.converted.0 <= s.leads.0, "more converted leads than leads";
        s.won_deals.0 > 0 || s.revenue.0.is_zero(), "revenue without a won deal";
        s.spend_records.0 > 0 || s.spend.0.is_zero(), "spend without a spend record";
    }
}

impl ChannelState {
    /// Folds a tally of leads created in the window and converted; true when it holds a lead.
    #[inline]
    pub(crate) fn fold_leads(&mut self, t: &LeadTally) -> bool {
        self.leads.0 += t.leads;
        self.converted.0 += t.converted;
        t.leads > 0
    }

    /// Folds a tally of deals (one deal's: `observe`; many summed: `Engine::push_deals`):
    /// those won in the window count, and their amounts (at the rate of the close date, none
    /// without one) add to the revenue; true when one was won.
    #[inline]
    pub(crate) fn fold_deals(&mut self, t: &DealTally) -> Result<bool> {
        if t.won > 0 {
            self.won_deals.0 += t.won;
            self.revenue.add(t.won_amount)?;
        }
        Ok(t.won > 0)
    }
}

/// `channel_performance`: per marketing channel segment (paid, earned, owned) and source —
/// group by `channel` and `source`, although any grouping works.
///
/// * `channel_leads`: leads created in the window; `channel_converted`: those of them won by
///   `as_of` (`Lead::won_on`, a cohort measure); `channel_lead_conversion` = converted ÷ leads
///   (f64, absent without leads).
/// * `channel_won_deals`, `channel_revenue`: deals won in the window and their Σ amount.
/// * `channel_revenue_share` = the group's revenue ÷ Σ revenue of all groups of the same
///   roll-up level in the window (f64; absent when that total is 0). The shares of a level sum
///   to 1.
/// * `channel_spend`: Σ marketing spend dated in the window; **absent** when no spend record
///   falls in the group (unknown spend is not zero spend). Spend records carry only channel
///   and source, so groupings by other dimensions see no spend.
/// * `cost_per_lead` = spend ÷ leads, `cost_per_acquisition` = spend ÷ won deals (money,
///   rounded half-even to 6 places), `channel_roi` = (revenue − spend) ÷ spend (f64). Absent
///   when no spend was recorded or the denominator is 0.
///
/// The article: "a company not getting results from paid media need not invest more there".
pub struct ChannelPerformance;
impl Kpi for ChannelPerformance {
    type State = ChannelState;
    fn columns(_: &Ctx) -> Result<Vec<ColumnSpec>> {
        let c = |n: &str, k| ColumnSpec::new(n, k);
        Ok(vec![
            c("channel_leads", ColumnKind::Int),
            c("channel_converted", ColumnKind::Int),
            c("channel_lead_conversion", ColumnKind::Float),
            c("channel_won_deals", ColumnKind::Int),
            c("channel_revenue", ColumnKind::Money),
            c("channel_revenue_share", ColumnKind::Float),
            c("channel_spend", ColumnKind::Money),
            c("cost_per_lead", ColumnKind::Money),
            c("cost_per_acquisition", ColumnKind::Money),
            c("channel_roi", ColumnKind::Float),
        ])
    }
    fn observe(s: &mut ChannelState, rec: &Record, w: &Window, ctx: &Ctx) -> Result<bool> {
        match rec {
            Record::Lead(l) => Ok(s.fold_leads(&LeadTally::of(l.created_on, l.won_on, w, ctx.as_of))),
            Record::Deal(_) => DealFacts::of(rec, w, ctx)?.tally(|t| s.fold_deals(t)),
            Record::Spend(sp) if w.contains(sp.spent_on) => {
                s.spend.add(ctx.money(sp.amount, sp.spent_on)?)?;
                s.spend_records.inc();
                Ok(true)
            }
            _ => Ok(false),
        }
    }
    fn finish(states: &[&ChannelState], _: &Window, _: &Ctx) -> Result<Vec<Vec<Value>>> {
        let mut total = Sum::default();
        for s in states {
            total.add(s.revenue.0)?;
        }
        Ok(states
            .iter()
            .map(|s| {
                let spent = (s.spend_records.0 > 0).then_some(s.spend.0);
                let per = |n: u64| Value::decimal(spent.and_then(|x| div(x, Decimal::from(n))));
                let roi = spent.and_then(|x| s.revenue.0.checked_sub(x).and_then(|gain| ratio(gain, x)));
                vec![
                    Value::count(s.leads.0),
                    Value::count(s.converted.0),
                    Value::float((s.leads.0 > 0).then(|| s.converted.0 as f64 / s.leads.0 as f64)),
                    Value::count(s.won_deals.0),
                    Value::Decimal(s.revenue.0),
                    Value::float(ratio(s.revenue.0, total.0)),
                    Value::decimal(spent),
                    per(s.leads.0),
                    per(s.won_deals.0),
                    Value::float(roi),
                ]
            })
            .collect())
    }
}
