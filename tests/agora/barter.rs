//! Barter: no double coincidence, no trade; with one, barter lifts needs met above autarky.

use crate::common::metric;
use agora::engine::Sim;
use agora::plan::parse;
use agora::scenario::Overrides;

fn mean_after(src: &str, entry: usize, name: &str, steps: u64, from: u64) -> f64 {
    let sc = parse(src, None, &Overrides::default()).unwrap_or_else(|e| panic!("{e}\n{src}"));
    let col = metric(&sc, name);
    let mut sim = Sim::for_entry(&sc, entry, 0);
    let rows: Vec<f64> = (1..=steps).map(|_| sim.advance()[0][col]).collect();
    rows[from as usize..].iter().sum::<f64>() / (steps - from) as f64
}

/// With a single good nobody lacks what another holds in surplus: no swap is ever made.
#[test]
fn one_good_leaves_nothing_to_swap() {
    let src = "name = \"b\"\nregimes = [\"barter\"]\n[run]\nagents = 500\nsteps = 20\nreplicates = 1\nwarmup = 0\n\
               [population]\ngoods = [\"food\"]\n";
    assert_eq!(mean_after(src, 0, "trades", 20, 0), 0.0);
    assert_eq!(mean_after(src, 0, "coincidence_rate", 20, 0), 0.0);
}

/// With three goods and specialised producers, swaps happen in most meetings and lift needs
/// met far above autarky's one good in three; more meetings per step find more coincidences.
#[test]
fn barter_lifts_needs_met_above_autarky_and_more_meetings_help() {
    let src = |rounds: u64| {
        format!(
            "name = \"b\"\nregimes = [\"autarky\", \"barter\"]\n[run]\nagents = 2000\nsteps = 60\nreplicates = 1\nwarmup = 0\n\
             [population]\nspecialty = \"fixed\"\neffort = \"fixed\"\nluxury_weight = 0.0\n[barter]\nrounds = {rounds}\n"
        )
    };
    let autarky = mean_after(&src(4), 0, "needs_met_mean", 60, 20);
    let (one, four) =
        (mean_after(&src(1), 1, "needs_met_mean", 60, 20), mean_after(&src(4), 1, "needs_met_mean", 60, 20));
    assert!(autarky < 0.35, "autarky meets at most one need in three: {autarky}");
    assert!(four > autarky + 0.3, "barter {four} against autarky {autarky}");
    assert!(four > one + 0.02, "four meetings a step {four} against one {one}");
    let rate = mean_after(&src(4), 1, "coincidence_rate", 60, 20);
    assert!(rate > 0.0 && rate < 1.0, "coincidence rate {rate}");
}
