//! A partner scorecard on the bundled sample data, from Rust:
//!
//! ```sh
//! cargo run -p channel-kpi --example scorecard
//! ```
#![allow(clippy::result_large_err)]

use channel_kpi::load::{LoadOptions, Mapping, load_dir};
use channel_kpi::{Dimension, Metric, Period, Query};

fn main() -> Result<(), channel_kpi::Error> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/data");
    let (data, report) = load_dir(&dir, &Mapping::default(), &LoadOptions::default())?;
    eprintln!("loaded {} rows from {}", report.rows_read(), dir.display());

    let query = Query::new(vec![Metric::WonRevenue, Metric::AvgDealSize, Metric::CloseRate, Metric::QualityScore], Period::parse("2025")?)
        .by(Dimension::PartnerTier);
    let table = data.run(&query)?;
    print!("{}", table.select(&["won_revenue", "avg_deal_size", "close_rate", "close_rate_n", "quality_score"])?.to_text());

    // Gold vs silver: is the difference in close rate more than noise?
    let cmp = table.compare_groups(&[Some("gold")], &[Some("silver")], "close_rate")?;
    println!(
        "gold − silver close rate: {} (95% intervals overlap: {})",
        cmp.difference,
        cmp.intervals_overlap.map_or("n/a".into(), |o| o.to_string())
    );
    Ok(())
}
