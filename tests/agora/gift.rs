//! The gift regime: conservation of goods and results that do not depend on the number of
//! threads. The donation game's q > c/b threshold is a case of `agora check` (tests/agora/check.rs).

use crate::common::metric;
use agora::engine::Sim;
use agora::metrics::RegimeOut;
use agora::plan::{parse, Plan as Scenario};
use agora::regimes::{BuildEnv, Ctx};
use agora::rng::Streams;
use agora::scenario::Overrides;
use agora::world::{build_network, World};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use std::sync::Arc;

fn scenario(src: &str) -> Scenario {
    parse(src, None, &Overrides::default()).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

fn random_gift() -> impl Strategy<Value = (String, u64)> {
    (
        10u64..400,
        prop_oneof![
            Just("{ kind = \"ring\", degree = 4 }".to_string()),
            (0.0..1.0f64).prop_map(|p| format!("{{ kind = \"small_world\", degree = 6, rewire = {p} }}")),
            Just("{ kind = \"scale_free\", degree = 4 }".to_string()),
            Just("{ kind = \"complete\" }".to_string()),
        ],
        (0.0..1.0f64, 0.0..1.0f64, 0.0..3.0f64, 0u64..6, 0.0..3.0f64),
        (0.0..0.5f64, 0.0..0.5f64),
        0..=i64::MAX as u64,
    )
        .prop_map(|(agents, network, (strangers, observe, reciprocity, memory, keep), (free, recip), seed)| {
            let coop = 1.0 - free - recip;
            (
                format!(
                    "name = \"g\"\nregimes = [\"gift\"]\n[run]\nagents = {agents}\nsteps = 5\nreplicates = 1\nwarmup = 0\nseed = {seed}\n\
                     [population]\nnetwork = {network}\nstrategies = {{ cooperator = {coop}, reciprocator = {recip}, free_rider = {free} }}\n\
                     [gift]\nstrangers = {strangers}\nobserve = {observe}\nreciprocity = {reciprocity}\nmemory = {memory}\nkeep = {keep}\n"
                ),
                seed,
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Giving moves goods and never creates them: total goods after allocation equal total
    /// goods before less what was lost on the way (`transfer_cost` of what was given), and no
    /// stock goes negative.
    #[test]
    fn giving_conserves_goods((src, seed) in random_gift()) {
        let sc = scenario(&src);
        let streams = Streams::new(seed, 0);
        let net = Arc::new(build_network(&sc.world, &streams));
        let mut world = World::new(&sc.world, &streams, net);
        // Uneven holdings: some with surplus, some in need.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        for x in world.agents.stock.iter_mut() {
            *x = if rng.random_bool(0.3) { rng.random_range(0.0..8.0) } else { rng.random_range(0.0..0.9) };
        }
        let mut gift = sc.entries[0].config.build(&BuildEnv::default());
        let ctx0 = Ctx { slot: 0, step: 0, streams };
        gift.init(&mut world, &ctx0);
        for step in 1..=3 {
            let per_good = |w: &World| -> Vec<f64> {
                (0..w.goods).map(|g| w.agents.stock.iter().skip(g).step_by(w.goods).sum()).collect()
            };
            let before: f64 = per_good(&world).iter().sum();
            let lost_before = world.transfer_lost[0];
            let mut row = sc.layout.empty_row();
            let ctx = Ctx { slot: 0, step, streams };
            gift.allocate(&mut world, &ctx);
            gift.record(&mut RegimeOut::new(&mut row, &sc.entries[0].columns));
            let after: f64 = per_good(&world).iter().sum();
            let lost = world.transfer_lost[0] - lost_before;
            prop_assert!((before - after - lost).abs() <= 1e-9 * (1.0 + before), "goods {before} -> {after}, lost {lost}");
            let volume = row[metric(&sc, "gift_volume")];
            prop_assert!((lost - 0.05 * volume).abs() <= 1e-9 * (1.0 + volume), "lost {lost} of {volume} given");
            prop_assert!(world.agents.stock.iter().all(|&x| x >= -1e-12));
            prop_assert!(row[metric(&sc, "gifts")] >= 0.0);
        }
    }
}

/// A gift run's record is the same on one thread and on four: neighbour iteration order and
/// random streams do not depend on the thread count.
#[test]
fn gift_results_do_not_depend_on_threads() {
    let sc = scenario(
        "name = \"t\"\nregimes = [\"gift\"]\n[run]\nagents = 20000\nsteps = 8\nreplicates = 1\nwarmup = 0\n\
         [gift]\nstrangers = 0.2\nreciprocity = 1.0\n[adapt]\nimitate = 0.3\n",
    );
    let run = |threads: usize| -> Vec<Vec<f64>> {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let mut sim = Sim::for_entry(&sc, 0, 0);
            (0..8).map(|_| sim.advance()[0].clone()).collect()
        })
    };
    let (one, four) = (run(1), run(4));
    for (a, b) in one.iter().zip(&four) {
        for (x, y) in a.iter().zip(b) {
            assert!(x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()), "{x} vs {y}");
        }
    }
    assert!(one[7][metric(&sc, "gifts")] > 0.0);
}
