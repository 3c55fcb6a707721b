//! Property tests over random valid scenarios, for every registered regime (the registry's
//! `REGIMES`, so a new regime is covered by its line): a random example of the regime, in
//! compare or coexist mode (beside autarky), with a random population, network, policies and
//! shocks. The invariants of MODEL.md hold at every step ([`assert_invariants`]) and the run's
//! records are bit-identical on one thread and on three. `registry.rs` runs the fixed matrix
//! of every example; this searches the space around it.

use crate::registry::assert_invariants;
use agora::engine::{self, Quiet};
use agora::plan::{parse, Plan};
use agora::regimes::{RegimeInfo, REGIMES};
use agora::scenario::Overrides;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::fmt::Write as _;

/// Cases per regime (`PROPTEST_CASES` overrides it).
const CASES: u32 = 64;

/// The random choices of one scenario.
#[derive(Debug, Clone)]
struct Case {
    example: usize,
    coexist: bool,
    agents: u64,
    steps: u64,
    replicates: u64,
    seed: u64,
    network: (u8, u64, f64),
    policy: (u8, f64, f64, f64),
    shocks: Vec<(u8, u64, f64)>,
    exit_after: u64,
    imitate: f64,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (0usize..64, any::<bool>(), 12u64..400, 1u64..14, 1u64..3, 0u64..1_000_000),
        (0u8..4, 1u64..5, 0.0..1.0f64),
        (0u8..3, 0.0..0.6f64, 0.0..0.4f64, 0.0..0.05f64),
        proptest::collection::vec((0u8..3, 1u64..14, 0.0..1.0f64), 0..3),
        (0u64..6, 0.0..0.5f64),
    )
        .prop_map(
            |((example, coexist, agents, steps, replicates, seed), network, policy, shocks, (exit_after, imitate))| {
                Case { example, coexist, agents, steps, replicates, seed, network, policy, shocks, exit_after, imitate }
            },
        )
}

/// The scenario text of `c` for regime `r`; `coexist` only if asked and the example has goods.
fn scenario(r: &RegimeInfo, c: &Case, coexist: bool) -> String {
    let (label, table) = r.examples[c.example % r.examples.len()];
    let entry = format!("{0}:{0}_{label}", r.name);
    let regimes = if coexist { format!("[\"{entry}\", \"autarky\"]") } else { format!("[\"{entry}\"]") };
    let mode = if coexist { "coexist" } else { "compare" };
    let mut s = format!(
        "name = \"p\"\nmode = \"{mode}\"\nregimes = {regimes}\n[run]\nagents = {}\nsteps = {}\nreplicates = {}\nseed = {}\nwarmup = 0\n\
         [adapt]\nimitate = {}\nexplore = 0.01\n[output]\nsnapshots = []\n",
        c.agents, c.steps, c.replicates, c.seed, c.imitate
    );
    let degree = (2 * c.network.1).min((c.agents - 1) & !1).max(2);
    let network = match c.network.0 {
        0 => format!("{{ kind = \"ring\", degree = {degree} }}"),
        1 => format!("{{ kind = \"small_world\", degree = {degree}, rewire = {} }}", c.network.2),
        2 => format!("{{ kind = \"scale_free\", degree = {degree} }}"),
        _ => "{ kind = \"complete\" }".to_string(),
    };
    let _ = write!(s, "[population]\nexit_after = {}\nnetwork = {network}\n[policy]\n", c.exit_after);
    let (kind, amount, rate, demurrage) = c.policy;
    match kind {
        1 => {
            let _ = writeln!(s, "basic_income = {{ amount = {amount} }}\ntax = {{ on = \"income\", rate = {rate} }}");
        }
        2 => {
            let _ = writeln!(
                s,
                "basic_income = {{ amount = {amount}, in = \"money\" }}\ntax = {{ on = \"wealth\", rate = {rate} }}\ndemurrage = {demurrage}"
            );
        }
        _ => {}
    }
    let shocks: Vec<String> = c
        .shocks
        .iter()
        .map(|&(k, step, size)| {
            let step = step.min(c.steps);
            match k {
                0 => format!("{{ step = {step}, kind = \"resource_crash\", size = {size} }}"),
                1 => format!("{{ step = {step}, kind = \"exodus\", share = {} }}", size / 2.0),
                _ => format!("{{ step = {step}, kind = \"productivity\", size = {size}, duration = 2 }}"),
            }
        })
        .collect();
    let _ = writeln!(s, "shocks = [{}]", shocks.join(", "));
    if coexist {
        s.push_str("[coexist]\nshares = { autarky = 0.5, ");
        let _ = writeln!(s, "\"{entry}\" = 0.5 }}\nmigrate = 0.05\ncross_trade = true");
    }
    let _ = write!(s, "[variant.{}_{label}]\n{table}\n", r.name);
    s
}

/// The plan of `c`, or `None` when the random choices do not fit the regime: those are
/// skipped. A basic income in money for a regime without money becomes one in goods, and
/// coexist for a regime without goods becomes compare, so that most cases run.
fn plan_of(r: &RegimeInfo, c: &Case) -> Option<Plan> {
    let compare = match parse(&scenario(r, c, false), None, &Overrides::default()) {
        Ok(p) => p,
        // A regime without money refuses a basic income in money: it gets one in goods.
        Err(_) if c.policy.0 == 2 => {
            let goods = Case { policy: (1, c.policy.1, c.policy.2, 0.0), ..c.clone() };
            return plan_of(r, &goods);
        }
        Err(_) => return None,
    };
    let coexist = c.coexist && compare.entries[0].traits.material;
    if !coexist {
        return Some(compare);
    }
    // An example whose variant changes the world cannot share one; it runs in compare mode.
    Some(parse(&scenario(r, c, true), None, &Overrides::default()).unwrap_or(compare))
}

/// The run's records on `threads` threads, as bits (so that NaN equals NaN).
fn records(p: &Plan, threads: usize) -> Vec<(String, u64, Vec<u64>)> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let out = pool.install(|| engine::run(p, &Quiet)).unwrap();
    out.series.into_iter().map(|s| (s.label, s.replicate, s.rows.iter().map(|x| x.to_bits()).collect())).collect()
}

#[test]
fn random_scenarios_keep_the_invariants_and_ignore_thread_count_for_every_regime() {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(CASES);
    let mut counts = Vec::new();
    for r in REGIMES {
        let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
        let ran = std::cell::Cell::new(0u32);
        let result = runner.run(&case(), |c| {
            let Some(p) = plan_of(r, &c) else { return Ok(()) };
            ran.set(ran.get() + 1);
            assert_invariants(&format!("{} {c:?}", r.name), &p);
            if records(&p, 1) != records(&p, 3) {
                return Err(TestCaseError::fail(format!("{}: records differ between 1 and 3 threads: {c:?}", r.name)));
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{}: {e}", r.name);
        }
        counts.push(format!("{} {}/{cases}", r.name, ran.get()));
        assert!(ran.get() * 2 >= cases, "{}: only {} of {cases} random scenarios were valid", r.name, ran.get());
    }
    eprintln!("random scenarios run per regime: {}", counts.join(", "));
}
