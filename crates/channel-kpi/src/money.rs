//! Exact money: [`Currency`], [`Money`] and the exchange-rate table [`FxTable`].
//!
//! Amounts are [`rust_decimal::Decimal`] (28 significant digits). Two currencies never mix
//! silently: combining them without an [`FxTable`] is [`Error::Currency`].
//!
//! ```
//! use channel_kpi::{Money, Currency};
//! let m: Money = "200.00 USD".parse().unwrap();
//! assert_eq!(m.currency, Currency::new("USD").unwrap());
//! assert_eq!(m.amount.to_string(), "200.00");
//! ```

use crate::error::{Error, Location, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// An ISO-4217 currency code: three ASCII upper-case letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Validates a code: one of the ISO 4217 codes ([`crate::currency_codes`]). Lower case is
    /// accepted and upper-cased (`usd` → `USD`); `XYZ` is an error.
    pub fn new(code: &str) -> Result<Self> {
        let b = crate::domain::trimmed(code).as_bytes();
        let err =
            |why: &str| Error::parse(Location { field: Some("currency".into()), value: Some(code.into()), ..Default::default() }, why);
        if b.len() != 3 || !b.iter().all(|c| c.is_ascii_alphabetic()) {
            return Err(err("a currency is a three-letter ISO-4217 code such as USD"));
        }
        let c = Currency([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase(), b[2].to_ascii_uppercase()]);
        if !crate::currency_codes::is_iso(c.as_str()) {
            return Err(err("not an ISO-4217 currency code (such as USD, EUR, GBP, BRL)"));
        }
        Ok(c)
    }
    /// The three letters as bytes.
    #[inline]
    pub fn code(&self) -> &[u8; 3] {
        &self.0
    }
    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl TryFrom<String> for Currency {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Currency::new(&s)
    }
}
impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_string()
    }
}
impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}
impl FromStr for Currency {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Currency::new(s)
    }
}

/// An exact amount in one currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Money {
    /// The amount, exact.
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// Its currency.
    pub currency: Currency,
}

impl Money {
    /// A new amount.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }
    /// Parses a decimal amount string (`"1234.50"`) in the given currency.
    pub fn parse_amount(amount: &str, currency: Currency) -> Result<Self> {
        Ok(Money { amount: parse_decimal(amount)?, currency })
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

impl FromStr for Money {
    type Err = Error;
    /// `"200.00 USD"`.
    fn from_str(s: &str) -> Result<Self> {
        let (a, c) = s
            .trim()
            .rsplit_once(' ')
            .ok_or_else(|| Error::parse(Location::default().with_value(s), "money is written `<amount> <currency>`, e.g. `200.00 USD`"))?;
        Money::parse_amount(a, Currency::new(c)?)
    }
}

/// Parses a plain decimal (`1234.50`, `-3`, `1e3` is rejected). Thousands separators are not
/// accepted: a mapping can strip them before parsing.
pub fn parse_decimal(s: &str) -> Result<Decimal> {
    let t = crate::domain::trimmed(s);
    let bad = || Error::parse(Location::default().with_value(s), "not a decimal number");
    if t.is_empty() || t.contains(['e', 'E']) {
        return Err(bad());
    }
    Decimal::from_str_exact(t).map_err(|_| bad())
}

/// Which rate applies to an amount dated `d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateDateRule {
    /// The latest rate dated on or before `d` (the usual "closing rate" rule). Default.
    #[default]
    OnOrBefore,
    /// Only a rate dated exactly `d`.
    Exact,
}

/// Exchange rates: `1 from = rate × to`, dated, with an explicit [`RateDateRule`].
///
/// The inverse direction is derived (`1 / rate`) when only one direction is given.
///
/// ```
/// use channel_kpi::{FxTable, Money, Currency};
/// use chrono::NaiveDate;
/// let eur = Currency::new("EUR").unwrap();
/// let usd = Currency::new("USD").unwrap();
/// let mut fx = FxTable::default();
/// fx.insert(eur, usd, NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(), "1.10".parse().unwrap()).unwrap();
/// let m = Money::new("100".parse().unwrap(), eur);
/// let d = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
/// assert_eq!(fx.convert(m, usd, d).unwrap().amount.to_string(), "110.00");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FxDoc", into = "FxDoc")]
pub struct FxTable {
    /// How a rate is chosen for a date.
    pub rule: RateDateRule,
    rates: BTreeMap<(Currency, Currency), BTreeMap<NaiveDate, Decimal>>,
}

impl FxTable {
    /// Adds a rate; it must be positive.
    pub fn insert(&mut self, from: Currency, to: Currency, on: NaiveDate, rate: Decimal) -> Result<()> {
        if rate <= Decimal::ZERO {
            return Err(Error::invalid(
                Location { field: Some("rate".into()), value: Some(rate.to_string()), ..Default::default() },
                format!("exchange rate {from}->{to} must be positive"),
            ));
        }
        self.rates.entry((from, to)).or_default().insert(on, rate);
        Ok(())
    }

    /// True when no rate is known.
    pub fn is_empty(&self) -> bool {
        self.rates.is_empty()
    }

    fn lookup(&self, from: Currency, to: Currency, on: NaiveDate) -> Option<Decimal> {
        let series = self.rates.get(&(from, to))?;
        match self.rule {
            RateDateRule::Exact => series.get(&on).copied(),
            RateDateRule::OnOrBefore => series.range(..=on).next_back().map(|(_, r)| *r),
        }
    }

    /// The rate for `from → to` on `on`, direct or inverted.
    pub fn rate(&self, from: Currency, to: Currency, on: NaiveDate) -> Result<Decimal> {
        if from == to {
            return Ok(Decimal::ONE);
        }
        if let Some(r) = self.lookup(from, to, on) {
            return Ok(r);
        }
        if let Some(r) = self.lookup(to, from, on) {
            return Decimal::ONE
                .checked_div(r)
                .ok_or_else(|| Error::Overflow { location: Location::default(), reason: format!("inverting rate {to}->{from}") });
        }
        Err(Error::Currency {
            expected: to.to_string(),
            found: from.to_string(),
            location: Location::default().with_value(on),
            reason: format!(
                "no {from}->{to} rate {} {on}",
                match self.rule {
                    RateDateRule::OnOrBefore => "on or before",
                    RateDateRule::Exact => "dated",
                }
            ),
        })
    }

    /// Converts `m` to `to` at the rate that applies on `on`.
    pub fn convert(&self, m: Money, to: Currency, on: NaiveDate) -> Result<Money> {
        let r = self.rate(m.currency, to, on)?;
        let amount = m
            .amount
            .checked_mul(r)
            .ok_or_else(|| Error::Overflow { location: Location::default().with_value(m), reason: "converting currency".into() })?;
        Ok(Money::new(amount, to))
    }
}

/// One dated rate, as written in files: `1 from = rate × to` from `on`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FxRate {
    /// Source currency.
    pub from: Currency,
    /// Target currency.
    pub to: Currency,
    /// Date the rate applies from.
    pub on: NaiveDate,
    /// The rate.
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
}

#[derive(Serialize, Deserialize)]
struct FxDoc {
    #[serde(default)]
    rule: RateDateRule,
    #[serde(default)]
    rates: Vec<FxRate>,
}

impl TryFrom<FxDoc> for FxTable {
    type Error = Error;
    fn try_from(d: FxDoc) -> Result<Self> {
        let mut t = FxTable { rule: d.rule, ..Default::default() };
        for r in d.rates {
            t.insert(r.from, r.to, r.on, r.rate)?;
        }
        Ok(t)
    }
}

impl From<FxTable> for FxDoc {
    fn from(t: FxTable) -> Self {
        FxDoc { rule: t.rule, rates: t.rates() }
    }
}

impl FxTable {
    /// Every rate, in (from, to, date) order.
    pub fn rates(&self) -> Vec<FxRate> {
        self.rates
            .iter()
            .flat_map(|((from, to), s)| s.iter().map(|(on, rate)| FxRate { from: *from, to: *to, on: *on, rate: *rate }))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn currency_is_validated() {
        assert!(Currency::new("US").is_err());
        assert!(Currency::new("U$D").is_err());
        assert_eq!(Currency::new("eur").unwrap().as_str(), "EUR");
    }

    #[test]
    fn money_parses_exactly() {
        let m: Money = "0.10 USD".parse().unwrap();
        assert_eq!(m.amount, Decimal::new(10, 2));
        assert!("1e3 USD".parse::<Money>().is_err());
        assert!("12,5 USD".parse::<Money>().is_err());
    }

    #[test]
    fn rates_follow_the_date_rule() {
        let (eur, usd) = (Currency::new("EUR").unwrap(), Currency::new("USD").unwrap());
        let mut fx = FxTable::default();
        fx.insert(eur, usd, d("2025-01-01"), Decimal::new(110, 2)).unwrap();
        fx.insert(eur, usd, d("2025-02-01"), Decimal::new(120, 2)).unwrap();
        assert_eq!(fx.rate(eur, usd, d("2025-01-31")).unwrap(), Decimal::new(110, 2));
        assert_eq!(fx.rate(eur, usd, d("2025-02-01")).unwrap(), Decimal::new(120, 2));
        assert!(fx.rate(eur, usd, d("2024-12-31")).is_err(), "no rate before the first one");
        assert_eq!(fx.rate(usd, eur, d("2025-02-02")).unwrap(), Decimal::ONE / Decimal::new(120, 2));
        fx.rule = RateDateRule::Exact;
        assert!(fx.rate(eur, usd, d("2025-01-31")).is_err());
        assert!(fx.insert(eur, usd, d("2025-01-01"), Decimal::ZERO).is_err());
    }
}
