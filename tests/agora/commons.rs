//! The commons: the logistic fishery under a quota at maximum sustainable yield and under
//! open access, Ostrom's rules against the tragedy of the commons, the knowledge commons'
//! critical mass, and conservation of goods in the pool.

use crate::common::metric;
use agora::engine::Sim;
use agora::plan::{parse, Plan as Scenario};
use agora::scenario::Overrides;
use proptest::prelude::*;

fn scenario(src: &str) -> Scenario {
    parse(src, None, &Overrides::default()).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

/// Runs entry `entry` for `steps` and returns every step's row.
fn rows(sc: &Scenario, entry: usize, steps: u64) -> Vec<Vec<f64>> {
    let mut sim = Sim::for_entry(sc, entry, 0);
    (0..steps).map(|_| sim.advance()[0].clone()).collect()
}

fn fishery(rule: &str) -> Scenario {
    // Every member keeps the rules; production calls for far more than the quota (intensity
    // 10), and destitution does not cut productivity, so every share of the quota is used.
    scenario(&format!(
        "name = \"f\"\nregimes = [\"commons\"]\n[run]\nagents = 1000\nsteps = 1500\nreplicates = 1\nwarmup = 0\n\
         [population]\nstrategies = {{ cooperator = 1.0, reciprocator = 0.0, free_rider = 0.0 }}\ndestitute_penalty = 0.0\nspecialty = \"fixed\"\neffort = \"fixed\"\nluxury_weight = 0.0\n\
         [resource]\ncapacity = 100.0\nregrowth = 0.1\nintensity = 10.0\ngovernance = \"{rule}\"\nquota = {{ kind = \"msy\" }}\n\
         [adapt]\nimitate = 0.0\n"
    ))
}

/// Logistic fishery (Gordon 1954; Schaefer 1954): harvesting the maximum sustainable yield
/// `r K / 4` each step, the stock settles at half the carrying capacity and the yield at
/// `r K / 4`; open access with demand above that yield destroys the stock.
#[test]
fn quota_at_msy_holds_the_stock_at_half_capacity_and_open_access_collapses_it() {
    let sc = fishery("quota");
    let r = rows(&sc, 0, 1500);
    let last = r.last().unwrap();
    let stock = last[metric(&sc, "resource_stock")];
    let yield_per_agent = last[metric(&sc, "harvest")];
    let msy = 0.1 * 100.0 / 4.0;
    assert!((stock - 0.5).abs() < 0.05 * 0.5, "stock {stock}, expected 0.5 +- 5%");
    assert!((yield_per_agent - msy).abs() < 0.05 * msy, "yield {yield_per_agent}, expected {msy} +- 5%");
    // Open access: demand (about 34 per agent) far above the 2.5 the resource can yield.
    let sc = fishery("open_access");
    let open = rows(&sc, 0, 300);
    assert!(open[0][metric(&sc, "harvest")] > 4.0 * msy, "demand above MSY");
    let end = open.last().unwrap()[metric(&sc, "resource_stock")];
    assert!(end < 0.01, "open access leaves {end} of capacity");
}

fn tragedy_scenario() -> Scenario {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/tragedy.toml")).unwrap();
    parse(&src, None, &Overrides { agents: Some(1000), ..Default::default() }).unwrap()
}

/// Ostrom (1990): with monitoring, graduated sanctions, exclusion and a vote on the quota,
/// the commons keeps a resource that open access, with the same share of free riders, destroys.
#[test]
fn ostrom_rules_keep_the_resource_that_open_access_destroys() {
    let sc = tragedy_scenario();
    let open = sc.entries.iter().position(|e| e.label == "commons:open_access").unwrap();
    let governed = sc.entries.iter().position(|e| e.label == "commons:ostrom").unwrap();
    assert_eq!(sc.entries[open].world.population.strategies, sc.entries[governed].world.population.strategies);
    assert!(sc.entries[open].world.population.strategies.free_rider >= 0.2);
    let steps = sc.run.steps;
    let o = rows(&sc, open, steps);
    let g = rows(&sc, governed, steps);
    let stock = |r: &Vec<Vec<f64>>| r.last().unwrap()[metric(&sc, "resource_stock")];
    assert!(stock(&o) < 0.01, "open access keeps {}", stock(&o));
    assert!(stock(&g) > 0.3, "Ostrom's rules keep {}", stock(&g));
    assert!(g.iter().map(|r| r[metric(&sc, "sanctions")]).sum::<f64>() > 0.0, "monitors caught someone");
    let needs = |r: &Vec<Vec<f64>>| r.last().unwrap()[metric(&sc, "needs_met_mean")];
    assert!(needs(&g) > needs(&o) + 0.3, "governed {} vs open {}", needs(&g), needs(&o));
}

/// The knowledge pool per agent over `steps` steps, and the model's predicted steady state
/// `E / (N delta) - kappa` from the contributors actually drawn.
fn knowledge(free_riders: f64, initial: f64, steps: u64) -> (Vec<f64>, f64) {
    let sc = scenario(&format!(
        "name = \"k\"\nregimes = [\"commons\"]\n[run]\nagents = 2000\nsteps = {steps}\nreplicates = 1\nwarmup = 0\n\
         [population]\nstrategies = {{ cooperator = {}, reciprocator = 0.0, free_rider = {free_riders} }}\n\
         [knowledge]\ncontribution = 0.1\nobsolescence = 0.02\ncritical_mass = 0.5\ninitial = {initial}\n[adapt]\nimitate = 0.0\n",
        1.0 - free_riders
    ));
    let mut sim = Sim::for_entry(&sc, 0, 0);
    let a = &sim.world().agents;
    let n = a.skill.len() as f64;
    let effort: f64 = (0..a.skill.len()).filter(|&i| a.strategy[i].contributes()).map(|i| 0.1 * a.skill[i] * 3.0).sum();
    let kappa = 0.5 * 0.1 * (0.5f64 * 0.5 / 2.0).exp() * 3.0 / 0.02;
    let predicted = effort / n / 0.02 - kappa;
    let pool = (0..steps).map(|_| sim.advance()[0][metric(&sc, "knowledge_pool")]).collect();
    (pool, predicted)
}

/// The knowledge commons has a critical mass. New contributions integrate with efficiency
/// `K / (K + kappa N)`, where `kappa = critical_mass * c * mean_skill * base_output / obsolescence`,
/// so near an empty pool it grows at rate `obsolescence * (phi / critical_mass - 1)` for a
/// contributor share `phi`: the model predicts the threshold `phi* = critical_mass` (0.5 here).
/// Above it the pool grows to `K*/N = (c * mean_skill * base_output / obsolescence)(phi - phi*)`.
#[test]
fn knowledge_pool_dies_below_the_critical_mass_and_grows_above_it() {
    let (below, predicted_below) = knowledge(0.7, 5.0, 800); // phi = 0.3 < 0.5
    assert!(predicted_below < 0.0, "no positive steady state below the threshold");
    assert!(below.windows(2).all(|w| w[1] <= w[0] + 1e-12), "below the threshold the pool only shrinks");
    assert!(*below.last().unwrap() < 0.01 * 5.0, "below: {} of 5", below.last().unwrap());
    let (above, predicted) = knowledge(0.3, 1.0, 1500); // phi = 0.7 > 0.5
    assert!(predicted > 1.0, "predicted steady state {predicted}");
    assert!(above.windows(2).all(|w| w[1] >= w[0] - 1e-12), "above the threshold the pool only grows");
    let end = *above.last().unwrap();
    assert!((end - predicted).abs() < 0.02 * predicted, "steady state {end}, predicted {predicted:.4}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Pooling and sharing move goods and never create them, under every rule.
    #[test]
    fn commons_create_no_goods(
        agents in 5u64..300,
        allocation in prop_oneof![Just("need"), Just("equal"), Just("contribution")],
        harvest in prop_oneof![Just("open_access"), Just("quota"), Just("ostrom")],
        free in 0.0..0.8f64,
        intensity in 0.0..5.0f64,
        seed in 0..=i64::MAX as u64,
    ) {
        let sc = scenario(&format!(
            "name = \"c\"\nregimes = [\"commons\"]\n[run]\nagents = {agents}\nsteps = 30\nreplicates = 1\nwarmup = 0\nseed = {seed}\n\
             [population]\nnetwork = {{ kind = \"complete\" }}\nstrategies = {{ cooperator = {}, reciprocator = 0.0, free_rider = {free} }}\nexit_after = 8\n\
             [resource]\nintensity = {intensity}\ngovernance = \"{harvest}\"\nexclude_for = 5\n[commons]\nallocation = \"{allocation}\"\n",
            1.0 - free
        ));
        let mut sim = Sim::for_entry(&sc, 0, 0);
        let start = sim.world().goods_total();
        for _ in 0..30 {
            let row = sim.advance()[0].clone();
            let w = sim.world();
            let l = w.ledger;
            let expected = start + l.produced - l.consumed - l.decayed - l.departed;
            prop_assert!((w.goods_total() - expected).abs() <= 1e-9 * (1.0 + l.produced), "{} vs {}", w.goods_total(), expected);
            prop_assert!(w.agents.stock.iter().all(|&x| x >= -1e-12));
            prop_assert!(w.resource.stock >= 0.0 && w.resource.stock <= w.resource.capacity * (1.0 + 1e-12));
            for m in ["resource_stock", "excluded_share", "needs_met_mean", "destitute_share"] {
                let v = row[metric(&sc, m)];
                prop_assert!(v.is_nan() || (0.0..=1.0).contains(&v), "{} = {}", m, v);
            }
        }
    }
}

fn bounded(size: u64, admin: f64) -> Scenario {
    scenario(&format!(
        "name = \"b\"\nregimes = [\"commons\"]\n[run]\nagents = 600\nsteps = 40\nreplicates = 1\nwarmup = 0\n\
         [commons]\ncommunity_size = {size}\nadmin_cost = {admin}\n"
    ))
}

/// Bounded communities: surplus does not cross a community's boundary, so small communities
/// share less well than one pool of everyone (the ideal planner); and administration uses
/// up `admin_cost x ln(members)` of each pool, recorded as `administration`.
#[test]
fn communities_bound_the_pool_and_administration_costs_goods() {
    let run = |size: u64, admin: f64| {
        let sc = bounded(size, admin);
        let r = rows(&sc, 0, 40);
        let mean = |name: &str| r[10..].iter().map(|row| row[metric(&sc, name)]).sum::<f64>() / 30.0;
        (mean("needs_met_p10"), mean("needs_met_mean"), mean("administration"))
    };
    let planner = run(0, 0.0);
    let small = run(5, 0.0);
    assert_eq!(planner.2, 0.0, "no cost, nothing administered");
    assert!(
        planner.1 > small.1 + 0.005,
        "one pool of everyone meets more needs ({planner:?}) than communities of 5 ({small:?})"
    );
    let costly = run(50, 0.05);
    let free = run(50, 0.0);
    assert!(costly.2 > 0.0 && free.2 == 0.0, "administration recorded: {costly:?} {free:?}");
    assert!(costly.1 < free.1, "administration costs needs met: {costly:?} against {free:?}");
    // The recorded cost is the stated share of what was pooled: with everyone in good
    // standing (no free riders, no exclusion), one community of 600 spends 0.05 ln 600 of
    // its pool; goods stay conserved (the ledger counts the spending as consumption).
    let sc = scenario(
        "name = \"c\"\nregimes = [\"commons\"]\n[run]\nagents = 600\nsteps = 5\nreplicates = 1\nwarmup = 0\n\
         [population]\nstrategies = { cooperator = 1.0, reciprocator = 0.0, free_rider = 0.0 }\n\
         [commons]\ncommunity_size = 0\nadmin_cost = 0.05\n",
    );
    let mut sim = Sim::for_entry(&sc, 0, 0);
    sim.advance();
    let consumed0 = sim.world().ledger.consumed;
    let row = sim.advance()[0].clone();
    let spent = row[metric(&sc, "administration")];
    let w = sim.world();
    let eaten: f64 = w.agents.consumed.iter().map(|&c| c as f64).sum();
    // consumed by agents + administration = the ledger's consumption this step (to f32 rounding).
    let ledger = w.ledger.consumed - consumed0;
    assert!((eaten + spent - ledger).abs() < 1e-3 * ledger, "{eaten} + {spent} against {ledger}");
    assert!(spent > 0.0);
}

/// Bad values of the two keys are refused, naming the key.
#[test]
fn community_keys_are_validated() {
    let bad = |table: &str| {
        let src = format!("name = \"v\"\nregimes = [\"commons\"]\n[commons]\n{table}\n");
        parse(&src, None, &Overrides::default()).err().map(|e| format!("{} {e}", e.key.clone().unwrap_or_default()))
    };
    let e = bad("admin_cost = 1.5").expect("refused");
    assert!(e.contains("commons.admin_cost"), "{e}");
    let e = bad("admin_cost = -0.1").expect("refused");
    assert!(e.contains("commons.admin_cost"), "{e}");
    let e = bad("community_size = -3").expect("refused");
    assert!(e.contains("community_size"), "{e}");
    assert!(bad("community_size = 0\nadmin_cost = 0.0").is_none(), "the ideal planner is allowed");
}

/// A world of the plan's first entry (a commons in slot 0), with its regime, each agent's
/// strategy set by hand.
fn hand_world(
    p: &Scenario,
    strategies: &[agora::world::Strategy],
) -> (agora::world::World, Box<dyn agora::regimes::Regime>, agora::rng::Streams) {
    let streams = agora::rng::Streams::new(1, 0);
    let net = std::sync::Arc::new(agora::world::build_network(&p.world, &streams));
    let mut w = agora::world::World::new(&p.world, &streams, net);
    let mut regime = p.entries[0].config.build(&agora::regimes::BuildEnv::default());
    regime.init(&mut w, &agora::regimes::Ctx { slot: 0, step: 0, streams });
    w.agents.strategy.copy_from_slice(strategies);
    (w, regime, streams)
}

/// In coexist mode the commons' communities count its own members: the k-th community is the
/// k-th block of `community_size` members in index order, whoever lives in between.
#[test]
fn coexist_communities_count_members_of_the_slot() {
    use agora::regimes::commons::communities;
    let (mut community, mut bounds) = (Vec::new(), Vec::new());
    let member = [0, 1, 0, 1, 0, 1, 0, 1, 1, 0];
    assert_eq!(communities(&member, 0, 2, &mut community, &mut bounds), 5);
    let none = u32::MAX;
    assert_eq!(community, [0, none, 0, none, 1, none, 1, none, none, 2]);
    assert_eq!(bounds, [0, 4, 9, 10]);
    assert_eq!(communities(&member, 1, 0, &mut community, &mut bounds), 5, "0: one community of all");
    assert_eq!(bounds, [0, 10]);

    // Pooling: members of slot 0 are the even agents; with communities of 2, agent 0's surplus
    // of `a` (2 above its keep) reaches agent 2, its community's other member, and no one else.
    let p = scenario(
        "name = \"c\"\nregimes = [\"commons\"]\n[run]\nagents = 8\nsteps = 1\nreplicates = 1\nwarmup = 0\n\
         [population]\ntransfer_cost = 0.0\ngoods = [\"a\", \"b\"]\nnetwork = { kind = \"complete\" }\n\
         [commons]\nallocation = \"need\"\nkeep = 1.0\nadmin_cost = 0.0\ncommunity_size = 2\n",
    );
    let (mut w, mut commons, streams) = hand_world(&p, &[agora::world::Strategy::Cooperator; 8]);
    for i in 0..8 {
        w.agents.member[i] = (i % 2) as u8;
        w.agents.stock[2 * i..2 * i + 2].copy_from_slice(&[if i == 0 { 3.0 } else { 0.0 }, 1.0]);
    }
    commons.allocate(&mut w, &agora::regimes::Ctx { slot: 0, step: 1, streams });
    let a: Vec<f64> = (0..8).map(|i| w.agents.stock[2 * i]).collect();
    // Pool 2: agent 2's shortfall of 1 first, the other 1 shared equally.
    assert!((a[0] - 1.5).abs() < 1e-12 && (a[2] - 1.5).abs() < 1e-12, "shared within the community: {a:?}");
    assert!(a[4] == 0.0 && a[6] == 0.0, "nothing crosses to the next community: {a:?}");
    assert!(a[1] == 0.0 && a[3] == 0.0, "members of the other regime are not touched: {a:?}");
}
