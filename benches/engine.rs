//! Throughput of whole simulation steps (all eight phases, metrics included) at a million
//! agents, per regime. Setup (population and network) is outside the measured loop.
//!
//! Run with `cargo bench`; for one thread, `RAYON_NUM_THREADS=1 cargo bench`. Criterion
//! reports elements per second: the elements are agents, so the figure is agent-steps/s.

use agora::engine::Sim;
use agora::plan::{parse, Plan};
use agora::rng::Streams;
use agora::scenario::Overrides;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::sync::Arc;
use std::time::Duration;

const AGENTS: u64 = 1_000_000;

/// A scenario running one regime entry (with optional extra TOML) on `AGENTS` agents.
fn scenario(regime: &str, extra: &str) -> Plan {
    let src = format!(
        "name = \"bench\"\nregimes = [\"{regime}\"]\n[run]\nagents = {AGENTS}\nsteps = 1000\nreplicates = 1\nwarmup = 0\n{extra}\n[output]\nsnapshots = []\n"
    );
    parse(&src, None, &Overrides::default()).expect("bench scenario")
}

fn bench(c: &mut Criterion, id: &str, regime: &str, extra: &str) {
    let sc = scenario(regime, extra);
    let streams = Streams::new(sc.run.seed, 0);
    let network = Arc::new(agora::world::build_network(&sc.world, &streams));
    let mut sim = Sim::compare(&sc, 0, 0, network);
    sim.record_now();
    for _ in 0..5 {
        sim.advance();
    }
    let mut group = c.benchmark_group("step_1M_agents");
    group.sample_size(10).measurement_time(Duration::from_secs(8)).warm_up_time(Duration::from_secs(2));
    group.throughput(Throughput::Elements(AGENTS));
    group.bench_function(id, |b| {
        b.iter(|| {
            sim.advance();
        })
    });
    group.finish();
}

fn regimes(c: &mut Criterion) {
    // Pick regimes with AGORA_BENCH=market,gift (default: all).
    let only = std::env::var("AGORA_BENCH").ok();
    let cases: [(&str, &str, &str); 8] = [
        ("autarky", "autarky", ""),
        ("market", "market", ""),
        ("kinetic", "market", "[market]\nmodel = \"kinetic\"\ninitial_money = 100\n"),
        ("yard_sale", "market", "[market]\nmodel = \"yard_sale\"\ninitial_money = 100\nredistribute = 0.05\n"),
        ("mutual_credit", "mutual_credit", "[mutual_credit]\npricing = \"hours\"\n"),
        ("gift", "gift", ""),
        ("commons", "commons", "[commons]\nharvest = \"ostrom\"\n"),
        ("donation", "gift", "[gift]\nmodel = \"donation\"\n"),
    ];
    for (id, regime, extra) in cases {
        if only.as_deref().is_none_or(|o| o.split(',').any(|x| x == id)) {
            bench(c, id, regime, extra);
        }
    }
}

criterion_group!(benches, regimes);
criterion_main!(benches);
