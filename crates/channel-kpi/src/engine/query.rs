//! [`Query`]: what to compute — the shape shared by Rust, Python and C.

use super::dimension::Dimension;
use super::metric::Metric;
use crate::error::{Error, Result};
use crate::money::Currency;
use crate::period::{Bucket, Period};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What to compare each window with. In JSON: `"previous_period"` (also `"previous"`,
/// `"prev"`), `"year_ago"` (also `"yoy"`), a period string (`"2024-Q1"`), or
/// `{"period": "2024-Q1"}`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// The window just before (month over month for monthly buckets).
    PreviousPeriod,
    /// The same window one year earlier.
    YearAgo,
    /// Another period, split into the same buckets and paired by position.
    Period(Period),
}

/// The JSON forms of [`Compare`].
#[derive(Deserialize)]
#[serde(untagged)]
enum CompareForm {
    Text(String),
    Period { period: String },
}

/// The tagged form binary formats use (postcard in partial results): they cannot read an
/// untagged enum, and they never hold hand-written text.
#[derive(Deserialize)]
#[serde(rename = "Compare", rename_all = "snake_case")]
enum CompareTagged {
    PreviousPeriod,
    YearAgo,
    Period(Period),
}

impl<'de> Deserialize<'de> for Compare {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if d.is_human_readable() {
            Compare::try_from(CompareForm::deserialize(d)?).map_err(serde::de::Error::custom)
        } else {
            Ok(match CompareTagged::deserialize(d)? {
                CompareTagged::PreviousPeriod => Compare::PreviousPeriod,
                CompareTagged::YearAgo => Compare::YearAgo,
                CompareTagged::Period(p) => Compare::Period(p),
            })
        }
    }
}

impl TryFrom<CompareForm> for Compare {
    type Error = Error;
    fn try_from(f: CompareForm) -> Result<Self> {
        match f {
            CompareForm::Text(s) => s.parse(),
            CompareForm::Period { period } => Period::parse(&period).map(Compare::Period),
        }
    }
}

impl std::str::FromStr for Compare {
    type Err = Error;
    /// `previous_period` (or `previous`), `year_ago`, or a period string.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "previous" | "previous_period" | "prev" => Ok(Compare::PreviousPeriod),
            "year_ago" | "yoy" | "previous_year" => Ok(Compare::YearAgo),
            _ => Ok(Compare::Period(Period::parse(s).map_err(|_| {
                Error::Query(format!("compare_to {s:?}: expected previous_period (or previous), year_ago, or a period such as 2024-Q1"))
            })?)),
        }
    }
}

/// Knobs of individual KPIs, all with defaults.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// Confidence level of Wilson score intervals on proportions (default 0.95).
    pub confidence: f64,
    /// `pipeline_aging`: an open deal older than this many days is stale (default 90); `forecast`
    /// learns the win rates of stale and fresh open deals apart.
    pub aging_days: u32,
    /// `registered_deals`: a registered deal is active when it moved stage within this many
    /// days of `as_of` (default 30).
    pub active_days: u32,
    /// `pipeline_aging`: a lost reason containing this text (case-insensitive) means lost to
    /// a competitor (default `competitor`).
    pub competitor_pattern: String,
    /// `quality_score`: weights of deals won and revenue won (default 0.5 / 0.5).
    pub quality_weights: (f64, f64),
    /// First month of the fiscal year for fiscal buckets (default 1 = January).
    pub fiscal_year_start: u32,
    /// `partner_csat` / `partner_satisfaction`: the scale answers are on (default 5 = 1–5).
    pub csat_scale: u32,
    /// `partner_csat`: an answer ≥ this counts as satisfied (default 4 on the 1–5 scale).
    pub csat_threshold: u32,
    /// `training_impact`: days in each window before and after a completion (default 90).
    pub training_window_days: u32,
    /// `training_impact`: the fewest closed deals a window needs to have a value (default 1);
    /// windows with fewer are absent.
    pub training_min_deals: u32,
    /// `training_impact`: bootstrap resamples for the confidence interval (default 1000; 0 = no
    /// interval).
    pub bootstrap_samples: u32,
    /// `training_impact`: seed of the bootstrap's random numbers (same seed, same interval).
    pub bootstrap_seed: u64,
    /// `training_impact`: the KPI compared before and after training (default `close_rate`).
    pub training_metric: TrainingMetric,
    /// `stage_win_rate`, `forecast`: strength of the prior a group's stage-to-win rate is
    /// shrunk toward (the pooled rate of its level), in pseudo-deals (default 20; 0 = no
    /// shrinkage).
    pub forecast_prior: f64,
    /// `forecast`: how many earlier periods of the same length the learned probabilities come
    /// from (default 4).
    pub forecast_lookback: u32,
    /// `forecast`: Monte Carlo draws for the interval of the won value (default 2000; 0 = no
    /// interval).
    pub forecast_simulations: u32,
    /// `forecast`: seed of the Monte Carlo draws (same seed, same interval).
    pub forecast_seed: u64,
    /// `forecast_backtest`: the length of each forecast period (default quarter).
    pub forecast_horizon: crate::period::Bucket,
    /// `cohorts`, `partner_cohorts`: the date that puts an account or a partner into its
    /// cohort (default: the KPI's own — first month with MRR, joining the program).
    pub cohort_by: CohortBy,
}

/// The date that puts a member into its cohort (`options.cohort_by`), written as text:
///
/// * `default`: the KPI's own — `cohorts`: the account's first month with MRR > 0 (ever);
///   `partner_cohorts`: the day the partner joined (`joined_on`);
/// * `attr:<name>` (`cohorts`): the earliest ISO date (`YYYY-MM-DD`) in the column `<name>` of
///   the account's subscription rows or contracts (a signup or first-contract date); an account
///   without one is in no cohort;
/// * `first_deal` (`partner_cohorts`): the partner's first deal (its earliest `created_on`);
/// * `first_won` (`partner_cohorts`): the partner's first win (its earliest won `closed_on`).
///
/// ```
/// use channel_kpi::CohortBy;
/// assert_eq!("attr:signed_up_on".parse::<CohortBy>().unwrap(), CohortBy::Attr("signed_up_on".into()));
/// assert_eq!(CohortBy::FirstWon.to_string(), "first_won");
/// assert!("joined".parse::<CohortBy>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum CohortBy {
    /// The KPI's own cohort date.
    #[default]
    Default,
    /// `first_deal`: a partner's first deal created.
    FirstDeal,
    /// `first_won`: a partner's first deal won.
    FirstWon,
    /// `attr:<name>`: a date column of the account's subscription rows or contracts.
    Attr(String),
}

impl std::fmt::Display for CohortBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CohortBy::Default => f.write_str("default"),
            CohortBy::FirstDeal => f.write_str("first_deal"),
            CohortBy::FirstWon => f.write_str("first_won"),
            CohortBy::Attr(a) => write!(f, "attr:{a}"),
        }
    }
}

impl std::str::FromStr for CohortBy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if let Some(a) = t.strip_prefix("attr:").map(str::trim).filter(|a| !a.is_empty()) {
            return Ok(CohortBy::Attr(a.to_string()));
        }
        match t.to_ascii_lowercase().as_str() {
            "default" | "" => Ok(CohortBy::Default),
            "first_deal" => Ok(CohortBy::FirstDeal),
            "first_won" => Ok(CohortBy::FirstWon),
            _ => Err(Error::Query(format!(
                "cohort_by {s:?}: expected default, attr:<date column> (cohorts), first_deal or first_won (partner_cohorts)"
            ))),
        }
    }
}
impl TryFrom<String> for CohortBy {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}
impl From<CohortBy> for String {
    fn from(c: CohortBy) -> String {
        c.to_string()
    }
}

/// The KPI `training_impact` compares before and after each course completion.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingMetric {
    /// Won ÷ closed deals.
    #[default]
    CloseRate,
    /// Σ won amount in the window.
    Revenue,
    /// Won amount ÷ won deals.
    AvgDealSize,
    /// Mean days from creation to win.
    TimeToClose,
    /// Deals won in the window.
    DealCount,
}

impl std::str::FromStr for TrainingMetric {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        serde_json::from_value(serde_json::Value::String(s.trim().to_ascii_lowercase())).map_err(|_| {
            Error::Query(format!("training_metric {s:?}: expected close_rate, revenue, avg_deal_size, time_to_close or deal_count"))
        })
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            confidence: 0.95,
            aging_days: 90,
            active_days: 30,
            competitor_pattern: "competitor".into(),
            quality_weights: (0.5, 0.5),
            fiscal_year_start: 1,
            csat_scale: 5,
            csat_threshold: 4,
            training_window_days: 90,
            training_min_deals: 1,
            bootstrap_samples: 1000,
            bootstrap_seed: 42,
            training_metric: TrainingMetric::CloseRate,
            forecast_prior: 20.0,
            forecast_lookback: 4,
            forecast_simulations: 2000,
            forecast_seed: 42,
            forecast_horizon: crate::period::Bucket::Quarter,
            cohort_by: CohortBy::Default,
        }
    }
}

/// A KPI query: metrics × groups × period (× buckets) (× comparison).
///
/// ```
/// use channel_kpi::{Query, Metric, Period, Dimension, Bucket, Compare};
/// let q = Query::new(vec![Metric::CloseRate, Metric::AvgDealSize], Period::parse("2025").unwrap())
///     .by(Dimension::Partner)
///     .buckets(Bucket::Quarter)
///     .compare(Compare::YearAgo);
/// assert_eq!(q.group_by, vec![Dimension::Partner]);
/// ```
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Query {
    /// KPIs to compute, by id.
    pub metrics: Vec<Metric>,
    /// Grouping dimensions (none = one overall row).
    #[serde(default)]
    pub group_by: Vec<Dimension>,
    /// The period, half-open.
    pub period: Period,
    /// Split the period into buckets (a trend series).
    #[serde(default)]
    pub buckets: Option<Bucket>,
    /// Compare every window with another one.
    #[serde(default)]
    pub compare_to: Option<Compare>,
    /// Also emit subtotal rows for every prefix of `group_by` and a grand total
    /// (column `rollup_level` = number of grouped dimensions of the row).
    #[serde(default)]
    pub rollup: bool,
    /// "Now" for KPIs about the present (open deals' age, active registrations). Default: the
    /// last day of the period.
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
    /// Report money in this currency, converting with the dataset's exchange rates. Without
    /// it, every amount must share one currency.
    #[serde(default)]
    pub currency: Option<Currency>,
    /// KPI options.
    #[serde(default)]
    pub options: Options,
}

impl Query {
    /// A query for `metrics` over `period`, ungrouped.
    pub fn new(metrics: Vec<Metric>, period: Period) -> Self {
        Query {
            metrics,
            group_by: Vec::new(),
            period,
            buckets: None,
            compare_to: None,
            rollup: false,
            as_of: None,
            currency: None,
            options: Options::default(),
        }
    }
    /// Adds a grouping dimension.
    pub fn by(mut self, d: Dimension) -> Self {
        self.group_by.push(d);
        self
    }
    /// Sets time buckets.
    pub fn buckets(mut self, b: Bucket) -> Self {
        self.buckets = Some(b);
        self
    }
    /// Sets the comparison.
    pub fn compare(mut self, c: Compare) -> Self {
        self.compare_to = Some(c);
        self
    }
    /// Turns on roll-up rows.
    pub fn rollup(mut self) -> Self {
        self.rollup = true;
        self
    }
    /// Sets `as_of`.
    pub fn as_of(mut self, d: NaiveDate) -> Self {
        self.as_of = Some(d);
        self
    }
    /// Sets the reporting currency.
    pub fn currency(mut self, c: crate::Currency) -> Self {
        self.currency = Some(c);
        self
    }

    /// Parses the JSON form: `{"metrics": ["close_rate"], "period": "2025", "group_by": ["partner"],
    /// "buckets": "quarter", "compare_to": "previous_period" | "year_ago" | {"period": "2024"},
    /// "rollup": false, "as_of": "2025-12-31", "currency": "USD", "options": {...}}`; only
    /// `metrics` and `period` are required.
    pub fn from_json(text: &str) -> Result<Query> {
        let mut de = serde_json::Deserializer::from_str(text);
        let q: Query = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            // Name the field, not the JSON position: the text is usually built by a binding.
            let path = e.path().to_string();
            let inner = e.into_inner();
            let msg = inner.to_string();
            let msg = match msg.rfind(" at line ") {
                Some(i) if inner.line() > 0 => msg[..i].to_string(),
                _ => msg,
            };
            if path.is_empty() || path == "." { Error::Query(msg) } else { Error::Query(format!("{path}: {msg}")) }
        })?;
        de.end().map_err(|e| Error::Query(format!("query JSON: {e}")))?;
        q.normalized()?;
        Ok(q)
    }

    /// Checks the query and fills defaults: `close_rate_seasonality` implies month-of-year
    /// buckets; `as_of` defaults to the period's last day.
    pub fn normalized(&self) -> Result<Query> {
        let mut q = self.clone();
        if q.metrics.is_empty() {
            return Err(Error::Query("no metrics requested".into()));
        }
        for (i, m) in q.metrics.iter().enumerate() {
            if q.metrics[..i].contains(m) {
                return Err(Error::Query(format!("metric {} is requested twice", m.id())));
            }
        }
        for (i, d) in q.group_by.iter().enumerate() {
            if q.group_by[..i].contains(d) {
                return Err(Error::Query(format!("group_by names {d} twice")));
            }
        }
        if q.metrics.contains(&Metric::CloseRateSeasonality) {
            match q.buckets {
                None => q.buckets = Some(Bucket::MonthOfYear),
                Some(b) if b.is_cyclic() => {}
                Some(b) => {
                    return Err(Error::Query(format!(
                        "close_rate_seasonality pools months across years: use buckets month_of_year or quarter_of_year, not {}",
                        b.name()
                    )));
                }
            }
        }
        let c = q.options.confidence;
        if !(c > 0.0 && c < 1.0) {
            return Err(Error::Query(format!("confidence must be in (0, 1), got {c}")));
        }
        let (a, b) = q.options.quality_weights;
        if !(a >= 0.0 && b >= 0.0 && a + b > 0.0 && a.is_finite() && b.is_finite()) {
            return Err(Error::Query(format!("quality_weights must be non-negative and not both 0, got ({a}, {b})")));
        }
        if !(1..=12).contains(&q.options.fiscal_year_start) {
            return Err(Error::Query(format!("fiscal_year_start must be 1..12, got {}", q.options.fiscal_year_start)));
        }
        let o = &q.options;
        if o.csat_scale < 2 || !(1..=o.csat_scale).contains(&o.csat_threshold) {
            return Err(Error::Query(format!("csat_threshold must be in 1..={} (csat_scale ≥ 2), got {}", o.csat_scale, o.csat_threshold)));
        }
        if !(1..=3660).contains(&o.training_window_days) {
            return Err(Error::Query(format!("training_window_days must be 1..3660, got {}", o.training_window_days)));
        }
        if o.bootstrap_samples > 100_000 {
            return Err(Error::Query(format!("bootstrap_samples must be at most 100000, got {}", o.bootstrap_samples)));
        }
        if !(o.forecast_prior >= 0.0 && o.forecast_prior <= 1e9) {
            return Err(Error::Query(format!("forecast_prior must be in 0..=1e9 pseudo-deals, got {}", o.forecast_prior)));
        }
        if o.forecast_lookback > 120 {
            return Err(Error::Query(format!("forecast_lookback must be at most 120 periods, got {}", o.forecast_lookback)));
        }
        if o.forecast_simulations > 100_000 {
            return Err(Error::Query(format!("forecast_simulations must be at most 100000, got {}", o.forecast_simulations)));
        }
        if o.forecast_horizon.is_cyclic() {
            return Err(Error::Query(format!(
                "forecast_horizon must be a period bucket (month, quarter, …), got {}",
                o.forecast_horizon.name()
            )));
        }
        if q.as_of.is_none() {
            q.as_of = Some(q.period.last_day());
        }
        Ok(q)
    }
}
