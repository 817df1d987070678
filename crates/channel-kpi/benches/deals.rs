//! The standard deals workload (issue 6) through the Rust core: per partner, period 2025 — won
//! / lost counts, won revenue, average deal size, close rate, cycle days, open count and value
//! at period end, sales velocity. Three measurements: the documented calls a Rust user makes —
//! `load_tables` (Arrow → `Dataset`) and `Dataset::run` on the loaded dataset — and the
//! columnar `fold_deal_batches` + `finish` that `channel_kpi.scale` uses.
//!
//!     cargo bench -p channel-kpi --features arrow --bench deals            # 1 M rows
//!     CKPI_BENCH_ROWS=10000000 cargo bench -p channel-kpi --features arrow --bench deals
//!
//! The rows are generated here deterministically (splitmix64, seed 42) with the shape of
//! `benches/workload.py` (2,000 partners, 10 % direct, dates 2023-01 … 2026-06, exponential
//! cycles, 40 % of closed deals won, decimal128(18, 2) amounts), in batches of 64 k rows.

use arrow_array::builder::{Date32Builder, Decimal128Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use channel_kpi::arrow::{fold_deal_batches, load_tables};
use channel_kpi::load::{LoadOptions, Mapping, RecordKind, Source};
use channel_kpi::{Dimension, Metric, Period, Query, Reference};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::Arc;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn batches(rows: usize, per_batch: usize) -> Vec<RecordBatch> {
    let mut rng = Rng(42);
    let (d0, d1): (i32, i32) = (19358, 20634); // 2023-01-01, 2026-06-30
    let mut out = Vec::new();
    let mut start = 0;
    while start < rows {
        let n = per_batch.min(rows - start);
        let (mut id, mut partner, mut status, mut cur) =
            (StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
        let (mut created, mut closed) = (Date32Builder::new(), Date32Builder::new());
        let mut amount = Decimal128Builder::new();
        for i in start..start + n {
            let c = d0 + (rng.next() % (d1 - d0 + 1) as u64) as i32;
            let cycle = ((-60.0 * (1.0 - rng.unit()).ln()) as i32).min(720);
            let open = c + cycle > d1 || rng.unit() < 0.08;
            let won = rng.unit() < 0.4;
            id.append_value(format!("D{i}"));
            if rng.unit() < 0.1 {
                partner.append_null();
            } else {
                partner.append_value(format!("P{:04}", rng.next() % 2000));
            }
            status.append_value(if open {
                "open"
            } else if won {
                "won"
            } else {
                "lost"
            });
            created.append_value(c);
            closed.append_option((!open).then_some(c + cycle));
            amount.append_value(1000 + (rng.unit() * 5_000_000.0) as i128);
            cur.append_value("USD");
        }
        let col = |a: ArrayRef| a;
        out.push(
            RecordBatch::try_from_iter([
                ("deal_id", col(Arc::new(id.finish()))),
                ("partner_id", col(Arc::new(partner.finish()))),
                ("status", col(Arc::new(status.finish()))),
                ("created_on", col(Arc::new(created.finish()))),
                ("closed_on", col(Arc::new(closed.finish()))),
                ("amount", col(Arc::new(amount.finish().with_precision_and_scale(18, 2).unwrap()))),
                ("currency", col(Arc::new(cur.finish()))),
            ])
            .unwrap(),
        );
        start += n;
    }
    out
}

fn query() -> Query {
    let m = [
        Metric::DealCount,
        Metric::WonRevenue,
        Metric::AvgDealSize,
        Metric::CloseRate,
        Metric::SalesCycleDays,
        Metric::Pipeline,
        Metric::SalesVelocity,
    ];
    Query::new(m.to_vec(), Period::parse("2025").unwrap()).by(Dimension::Partner)
}

fn bench(c: &mut Criterion) {
    let rows: usize = std::env::var("CKPI_BENCH_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let data = batches(rows, 64 * 1024);
    let (q, refs) = (query(), Reference::default());
    let mut g = c.benchmark_group(format!("deals_{rows}"));
    g.throughput(Throughput::Elements(rows as u64));
    g.sample_size(10);
    for threads in [1, 2] {
        g.bench_function(format!("fold+finish, {threads} thread(s)"), |b| {
            b.iter(|| {
                let p = fold_deal_batches(&q, &refs, black_box(&data), threads).unwrap();
                black_box(p.finish(&refs).unwrap())
            })
        });
    }
    g.bench_function("load_tables (Arrow → Dataset)", |b| {
        b.iter(|| {
            let src = Source::from_arrow(RecordKind::Deals, "deals", Box::new(data.clone().into_iter().map(Ok)));
            black_box(load_tables(vec![src], &Mapping::default(), &LoadOptions::default()).unwrap())
        })
    });
    let src = Source::from_arrow(RecordKind::Deals, "deals", Box::new(data.clone().into_iter().map(Ok)));
    let (ds, _) = load_tables(vec![src], &Mapping::default(), &LoadOptions::default()).unwrap();
    g.bench_function("Dataset::run (loaded dataset)", |b| b.iter(|| black_box(ds.run(&q).unwrap())));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
