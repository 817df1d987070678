//! `channel-kpi`: partner scorecards and KPI tables from CRM exports (CSV, JSON Lines or Parquet).
//! Argument parsing and printing only; every rule lives in the `channel-kpi` crate.
// The core's errors carry a full location and are cold (as in the core crate).
#![allow(clippy::result_large_err)]

mod progress;
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
mod sample;

use channel_kpi::load::{LoadOptions, LoadReport, Mapping, load_sources, run_files};
use channel_kpi::query_text::QueryText;
use channel_kpi::{Error, Metric, Options, Query, ResultTable};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "channel-kpi", version, about = "Channel-partner and sales-pipeline KPIs from CRM exports.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Partner scorecard: deal count, won revenue, average deal size, close rate, cycle,
    /// velocity and quality score per partner.
    Scorecard(Report),
    /// Deal-outcome KPIs (family `deals` of the catalog).
    Deals(Report),
    /// Pipeline KPIs (family `pipeline`).
    Pipeline(Report),
    /// Marketing-channel KPIs (family `channels`), grouped by channel by default.
    Channels(Report),
    /// Partner-program KPIs: partner counts, revenue and ROI, registrations, deal size, time to
    /// close, courses and CSAT, per partner by default.
    Partners(Report),
    /// Does training pay off? `training_impact` (before/after each course completion vs
    /// untrained partners) and courses per partner. Options: --option training_metric=revenue,
    /// training_window_days=60, bootstrap_seed=7, …
    Training(Report),
    /// Customers' CSAT / NPS about partners and partners' satisfaction with the program.
    Satisfaction(Report),
    /// Customer-success KPIs: portfolio growth, NRR / GRR, account retention, referrals,
    /// adoption, tickets, onboarding time, engagement.
    Customers(Report),
    /// Subscription revenue: MRR movements (new, expansion, contraction, churn, reactivation,
    /// quick ratio, churn rates), MRR retention (NRR, GRR) and account retention and churn, from subscription months or contracts (e.g. a churn
    /// snapshot through a mapping: --mapping examples/mappings/telco_contracts.json --by
    /// attr:plan --period 2025-01).
    Subscriptions(Report),
    /// Customer cohorts by first month with MRR: logo and revenue retention per cohort and age
    /// in months (a long table). --as-of sets how far the ages run. Partners by join quarter:
    /// --metrics partner_cohorts. Another cohort date: --option cohort_by=attr:<date column>
    /// (accounts, e.g. a signup date), cohort_by=first_deal or first_won (partners).
    Cohorts(Report),
    /// What will the open pipeline win, and were the probabilities right? `forecast` (the
    /// pipeline open at the period's start: expected wins and value with learned and static
    /// stage probabilities, intervals, what it won) and `forecast_backtest` (that forecast at
    /// the start of each quarter of the period against what closed: error, bias, coverage).
    /// Also `--metrics stage_win_rate`. Options: forecast_prior=20, forecast_lookback=4,
    /// forecast_horizon=month, forecast_simulations=2000, forecast_seed=7, confidence=0.9.
    Forecast(Report),
    /// Runs a query written as JSON (the `Query` shape shared with the Python and C bindings).
    Query {
        /// The query file.
        #[arg(long = "json", value_name = "QUERY.json")]
        json: PathBuf,
        #[command(flatten)]
        input: Input,
        #[command(flatten)]
        output: Output,
    },
    /// Lists every metric id with its family and description.
    Metrics {
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Args)]
struct Input {
    /// Record files (deals.csv, leads.jsonl, partners.parquet, …) or directories of them. None:
    /// the bundled sample dataset (examples/data).
    #[arg(value_name = "FILES or DIR")]
    paths: Vec<PathBuf>,
    /// A mapping file (JSON) for exports that are not in the canonical format (docs/mappings.md).
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// Skip bad rows (each is reported on stderr) instead of stopping at the first.
    #[arg(long)]
    collect_errors: bool,
}

#[derive(Args)]
struct Output {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Args)]
struct Report {
    #[command(flatten)]
    input: Input,
    /// Group by these dimensions (comma-separated or repeated): partner, owner, org:team, region, channel, source, attr:<col>, …
    /// Default: partner for scorecard, channel for channels, none otherwise.
    #[arg(long)]
    by: Vec<String>,
    /// The period: 2025, 2025-Q1, 2025-03, 2025-01-01..2025-04-01, FY2025. Default for the sample: 2025.
    #[arg(long)]
    period: Option<String>,
    /// Metric ids (comma-separated); see `channel-kpi metrics`. Default: the command's preset.
    #[arg(long)]
    metrics: Vec<String>,
    /// Split the period into buckets: day, week, month, quarter, year, fiscal_quarter, fiscal_year, month_of_year, quarter_of_year.
    #[arg(long)]
    buckets: Option<String>,
    /// Compare with: previous, year_ago, or a period.
    #[arg(long)]
    compare: Option<String>,
    /// Add subtotal and total rows.
    #[arg(long)]
    rollup: bool,
    /// "Now" for KPIs about the present (YYYY-MM-DD). Default: the period's last day (for the sample, at most 2026-01-15).
    #[arg(long)]
    as_of: Option<String>,
    /// Report money in this currency (needs exchange rates in fx_rates.csv).
    #[arg(long)]
    currency: Option<String>,
    /// KPI options as KEY=VALUE (repeatable): training_metric=revenue, training_window_days=60,
    /// training_min_deals=3, bootstrap_samples=2000, bootstrap_seed=7, csat_threshold=5,
    /// active_days=14, confidence=0.9, … (see `Options` in the library docs).
    #[arg(long = "option", value_name = "KEY=VALUE")]
    options: Vec<String>,
    /// Show only these value columns (comma-separated). Default for the scorecard table: the
    /// headline columns; csv and json show every column.
    #[arg(long, value_delimiter = ',')]
    columns: Vec<String>,
    #[command(flatten)]
    output: Output,
}

/// Runs `q` on the input: on files, folded batch by batch as they are read
/// (`load::run_files`: memory does not grow with the files); on the sample, loaded whole. Of
/// the extra columns, only those `q` reads are kept (and, from a Parquet file, decoded).
fn load_and_run(input: &Input, q: &Query) -> Result<ResultTable, Error> {
    let mapping = match &input.mapping {
        Some(p) => Mapping::from_json_file(p)?,
        None => Mapping::default(),
    };
    let mut opts = LoadOptions { collect_errors: input.collect_errors, ..LoadOptions::default() }.for_query(q);
    // A progress bar only when a person watches stderr: never in pipes, files or tests.
    let bar = std::io::stderr().is_terminal().then(progress::Bar::new);
    opts.progress = bar.as_ref().map(progress::Bar::callback);
    let ran = if input.paths.is_empty() {
        // the loader validated the records
        load_sources(sample::sources(), &mapping, &opts).and_then(|(data, report)| Ok((data.run_checked(q)?, report)))
    } else {
        run_files(&input.paths, &mapping, &opts, q)
    };
    if let Some(b) = bar {
        b.clear();
    }
    let (table, report) = ran?;
    warn_rejected(&report);
    Ok(table)
}

fn warn_rejected(report: &LoadReport) {
    if !report.is_clean() {
        eprintln!("warning: {} of {} rows rejected and skipped:", report.errors.len(), report.rows_read());
        report.errors.iter().for_each(|e| eprintln!("  {e}"));
    }
}

fn print(table: &ResultTable, format: Format) -> Result<(), std::io::Error> {
    let text = match format {
        Format::Table => table.to_text(),
        Format::Csv => table.to_csv(),
        Format::Json => format!("{:#}\n", table.to_json()),
    };
    std::io::stdout().lock().write_all(text.as_bytes())
}

fn report(name: &str, r: &Report) -> Result<(), Failure> {
    let sample = r.input.paths.is_empty();
    let period = match (&r.period, sample) {
        (Some(p), _) => p.clone(),
        (None, true) => sample::PERIOD.to_string(),
        (None, false) => return Err(Error::Query("--period is required with input files (e.g. --period 2025)".into()).into()),
    };
    let by = match (r.by.is_empty(), name) {
        (false, _) => r.by.clone(),
        (true, "scorecard") => vec!["partner".to_string()],
        (true, "channels") => vec!["channel".to_string()],
        (true, "partners" | "satisfaction") => vec!["partner".to_string()],
        (true, _) => Vec::new(),
    };
    let text = QueryText {
        metrics: r.metrics.clone(),
        by,
        period,
        buckets: r.buckets.clone(),
        compare: r.compare.clone(),
        rollup: r.rollup,
        as_of: r.as_of.clone(),
        currency: r.currency.clone(),
    };
    let mut q = text.to_query_with_preset(name)?;
    q.options = with_options(&q.options, &r.options)?;
    if sample && q.as_of.is_none() {
        let cap = sample::AS_OF.parse().expect("a valid date");
        q.as_of = Some(q.period.last_day().min(cap));
    }
    let mut columns: Vec<&str> = r.columns.iter().map(String::as_str).collect();
    if columns.is_empty() && name == "scorecard" && r.metrics.is_empty() && matches!(r.output.format, Format::Table) {
        columns = channel_kpi::query_text::SCORECARD_COLUMNS.to_vec();
    }
    run(&r.input, &q, r.output.format, &columns)
}

/// `options` with each `KEY=VALUE` applied (the value read as JSON when it parses, else as text).
fn with_options(options: &Options, pairs: &[String]) -> Result<Options, Error> {
    let mut json = serde_json::to_value(options).map_err(|e| Error::Query(e.to_string()))?;
    for pair in pairs {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| Error::Query(format!("--option {pair:?}: expected KEY=VALUE, e.g. training_metric=revenue")))?;
        let key = key.trim();
        let Some(slot) = json.get_mut(key) else {
            return Err(Error::Query(format!("--option {pair:?}: unknown option {key:?}")));
        };
        *slot = serde_json::from_str(value.trim()).unwrap_or_else(|_| serde_json::Value::String(value.trim().to_string()));
    }
    serde_json::from_value(json).map_err(|e| Error::Query(format!("--option: {e}")))
}

fn run(input: &Input, q: &Query, format: Format, columns: &[&str]) -> Result<(), Failure> {
    let mut table = load_and_run(input, q)?;
    if !columns.is_empty() {
        table = table.select(columns)?;
    }
    print(&table, format).map_err(Failure::Output)
}

fn metrics(format: Format) -> Result<(), Failure> {
    let out = match format {
        Format::Json => {
            let list: Vec<_> = Metric::ALL
                .iter()
                .map(|m| serde_json::json!({"id": m.id(), "family": m.family(), "description": m.description()}))
                .collect();
            format!("{:#}\n", serde_json::Value::Array(list))
        }
        Format::Csv | Format::Table => {
            let sep = if matches!(format, Format::Csv) { "," } else { "  " };
            let w = Metric::ALL.iter().map(|m| m.id().len()).max().unwrap_or(0);
            let mut s = if matches!(format, Format::Csv) { "id,family,description\n".to_string() } else { String::new() };
            for m in Metric::ALL {
                if matches!(format, Format::Csv) {
                    s.push_str(&format!("{},{},\"{}\"\n", m.id(), m.family(), m.description().replace('"', "\"\"")));
                } else {
                    s.push_str(&format!("{:w$}{sep}{:8}{sep}{}\n", m.id(), m.family(), m.description()));
                }
            }
            s
        }
    };
    std::io::stdout().lock().write_all(out.as_bytes()).map_err(Failure::Output)
}

/// Why the command failed: the input (exit 2) or something else (exit 1).
enum Failure {
    Core(Error),
    Output(std::io::Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Core(e)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Scorecard(r) => report("scorecard", r),
        Command::Deals(r) => report("deals", r),
        Command::Pipeline(r) => report("pipeline", r),
        Command::Channels(r) => report("channels", r),
        Command::Partners(r) => report("partners", r),
        Command::Training(r) => report("training", r),
        Command::Satisfaction(r) => report("satisfaction", r),
        Command::Customers(r) => report("customers", r),
        Command::Subscriptions(r) => report("subscriptions", r),
        Command::Cohorts(r) => report("cohorts", r),
        Command::Forecast(r) => report("forecast", r),
        Command::Query { json, input, output } => std::fs::read_to_string(json)
            .map_err(|source| Error::Io { path: json.display().to_string(), source })
            .and_then(|t| serde_json::from_str::<Query>(&t).map_err(|e| Error::Query(format!("{}: {e}", json.display()))))
            .map_err(Failure::from)
            .and_then(|q| run(input, &q, output.format, &[])),
        Command::Metrics { output } => metrics(output.format),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Core(e)) => {
            eprintln!("error: {e}");
            match e {
                Error::Overflow { .. } | Error::Merge(_) => ExitCode::from(1),
                _ => ExitCode::from(2),
            }
        }
        Err(Failure::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            eprintln!("error: writing the output: {e}");
            ExitCode::from(1)
        }
    }
}
