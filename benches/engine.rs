//! Throughput of whole simulation steps (all eight phases, every metric recorded), for every
//! example of every registered regime (`agora::bench::cases`, from the registry), at 10^4, 10^5
//! and 10^6 agents; 10^7 too with `AGORA_BENCH_HUGE=1`. Set-up (population and network) is
//! outside the measured loop.
//!
//! Run with `cargo bench`; for one thread, `RAYON_NUM_THREADS=1 cargo bench`. Pick cases with
//! `AGORA_BENCH=market,gift:donation` (regime names or `regime:example` ids) and sizes with
//! `AGORA_BENCH_AGENTS=10000,1000000`. Criterion reports elements per second: the elements are
//! agents, so the figure is agent-steps/s. `agora bench` prints the same figures as one table.

use agora::bench::{cases, Case};
use agora::engine::Sim;
use agora::plan::parse;
use agora::rng::Streams;
use agora::scenario::Overrides;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::sync::Arc;
use std::time::Duration;

fn bench(c: &mut Criterion, case: &Case, agents: u64) {
    let sc = parse(&case.scenario(agents, 1000, 1), None, &Overrides::default()).expect("bench scenario");
    let streams = Streams::new(sc.run.seed, 0);
    let network = Arc::new(agora::world::build_network(&sc.entries[0].world, &streams));
    let mut sim = Sim::compare(&sc, 0, 0, network);
    sim.record_now();
    for _ in 0..5 {
        sim.advance();
    }
    let mut group = c.benchmark_group(format!("step_{agents}_agents"));
    let secs = if agents >= 1_000_000 { 8 } else { 3 };
    group.sample_size(10).measurement_time(Duration::from_secs(secs)).warm_up_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(agents));
    group.bench_function(case.id(), |b| {
        b.iter(|| {
            sim.advance();
        })
    });
    group.finish();
}

fn list(var: &str) -> Vec<String> {
    std::env::var(var).map(|v| v.split(',').map(str::to_string).collect()).unwrap_or_default()
}

fn regimes(c: &mut Criterion) {
    let only = list("AGORA_BENCH");
    let mut sizes: Vec<u64> = list("AGORA_BENCH_AGENTS").iter().filter_map(|s| s.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000, 1_000_000];
        if std::env::var_os("AGORA_BENCH_HUGE").is_some() {
            sizes.push(10_000_000);
        }
    }
    for agents in sizes {
        for case in cases(&only) {
            bench(c, &case, agents);
        }
    }
}

criterion_group!(benches, regimes);
criterion_main!(benches);
