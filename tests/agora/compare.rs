//! Pitting regimes against each other: paired comparisons, coexist mode, policies, shocks,
//! and `agora compare`.

use crate::common::metric;
use crate::common::{agora, col, read_csv, root};
use agora::engine::Sim;
use agora::plan::{parse, Plan as Scenario};
use agora::rng::Streams;
use agora::scenario::Overrides;
use std::sync::Arc;

fn scenario(src: &str) -> Scenario {
    parse(src, None, &Overrides::default()).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

/// The same regime listed twice runs on the same population and random numbers (common random
/// numbers), so every paired difference is exactly zero.
#[test]
fn identical_regimes_listed_twice_differ_by_exactly_zero() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("twice.toml");
    std::fs::write(
        &file,
        "name = \"twice\"\nregimes = [\"gift\", \"gift:copy\", \"market\"]\nbaseline = \"gift\"\n\
         [run]\nagents = 400\nsteps = 30\nreplicates = 4\nwarmup = 5\n[variant.copy]\n",
    )
    .unwrap();
    let out = work.path().join("o");
    agora().arg("run").arg(&file).arg("--out").arg(&out).arg("-q").assert().success();
    let (h, rows) = read_csv(&out.join("comparison.csv"));
    assert_eq!(h, ["regime", "baseline", "metric", "mean_diff", "ci95_low", "ci95_high", "n", "p_value"]);
    let copy: Vec<_> = rows.iter().filter(|r| r[0] == "gift:copy").collect();
    assert!(copy.len() > 10, "a row per metric");
    for r in &copy {
        assert_eq!((r[3].as_str(), r[4].as_str(), r[5].as_str()), ("0", "0", "0"), "{r:?}");
        assert_eq!(r[6], "4");
        assert_eq!(r[7], "1");
    }
    // A different regime does differ, with a real interval.
    let market = rows.iter().find(|r| r[0] == "market" && r[2] == "needs_met_mean").unwrap();
    assert!(col(&h, market, "mean_diff") != 0.0 && col(&h, market, "ci95_low") < col(&h, market, "ci95_high"));
}

fn coexist(migrate: f64) -> (Scenario, Vec<Vec<Vec<f64>>>) {
    let sc = scenario(&format!(
        "name = \"c\"\nmode = \"coexist\"\nregimes = [\"autarky\", \"commons\"]\n[run]\nagents = 3000\nsteps = 80\nreplicates = 1\nwarmup = 0\n\
         [population]\nspecialty = \"fixed\"\neffort = \"fixed\"\nluxury_weight = 0.0\n[coexist]\nshares = {{ autarky = 0.5, commons = 0.5 }}\nmigrate = {migrate}\n"
    ));
    let streams = Streams::new(sc.run.seed, 0);
    let net = Arc::new(agora::world::build_network(&sc.world, &streams));
    let out = {
        let mut sim = Sim::coexist(&sc, 0, net);
        let mut out = vec![sim.record_now().to_vec()];
        for _ in 0..80 {
            out.push(sim.advance().to_vec());
        }
        out
    };
    (sc, out)
}

#[test]
fn coexist_shares_hold_without_migration_and_move_toward_wellbeing_with_it() {
    let (sc, still) = coexist(0.0);
    let first = still[0][0][metric(&sc, "regime_share")];
    assert!((first - 0.5).abs() < 0.05, "initial share {first}");
    for step in &still {
        assert_eq!(step[0][metric(&sc, "regime_share")], first);
        let total: f64 = step.iter().map(|r| r[metric(&sc, "regime_share")]).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
    // The commons meets far more needs than autarky, so people move to it.
    let (sc, moving) = coexist(0.05);
    let last = moving.last().unwrap();
    assert!(last[1][metric(&sc, "needs_met_mean")] > last[0][metric(&sc, "needs_met_mean")]);
    let share = last[1][metric(&sc, "regime_share")];
    assert!(share > 0.7, "commons share {share} after migration");
    let shares: Vec<f64> = moving.iter().map(|s| s[1][metric(&sc, "regime_share")]).collect();
    assert!(shares.windows(10).step_by(10).all(|w| w[9] >= w[0]), "rises: {shares:?}");
}

/// Tax collected equals basic income paid plus the change in the treasury, every step: exactly
/// for money, to rounding for goods, where the treasury's goods perish at the population's
/// decay rate (0.1 here) before each collection.
#[test]
fn basic_income_budget_balances_every_step() {
    for (regime, paid_in, on) in [
        ("market", "money", "wealth"),
        ("mutual_credit", "money", "income"),
        ("commons", "goods", "income"),
        ("gift", "goods", "wealth"),
    ] {
        let sc = scenario(&format!(
            "name = \"b\"\nregimes = [\"{regime}\"]\n[run]\nagents = 500\nsteps = 60\nreplicates = 1\nwarmup = 0\n\
             [population]\ndecay = 0.1\n[policy]\nbasic_income = {{ amount = 0.3, in = \"{paid_in}\" }}\ntax = {{ on = \"{on}\", rate = 0.05 }}\ndemurrage = 0.01\n"
        ));
        let mut sim = Sim::for_entry(&sc, 0, 0);
        let mut before = 0.0;
        let mut total_paid = 0.0;
        for step in 1..=60 {
            let row = sim.advance()[0].clone();
            let (tax, paid, treasury) =
                (row[metric(&sc, "tax_revenue")], row[metric(&sc, "basic_income_paid")], row[metric(&sc, "treasury")]);
            let kept = if paid_in == "goods" { 0.9 } else { 1.0 };
            let gap = tax - paid - (treasury - kept * before);
            let tolerance = if paid_in == "money" { 1e-9 } else { 1e-9 * (1.0 + tax) };
            assert!(
                gap.abs() <= tolerance,
                "{regime} step {step}: {tax} = {paid} + {} (gap {gap})",
                treasury - kept * before
            );
            assert!(paid >= 0.0 && treasury >= -1e-12);
            before = treasury;
            total_paid += paid;
            if paid_in == "money" {
                // The treasury is an account of the world: money (or credit) is conserved.
                let t = sim.treasury(0).money;
                let held: i64 = match regime {
                    "market" => sim.world().agents.money.iter().sum(),
                    _ => sim.world().agents.balance.iter().sum(),
                };
                let fund: i64 = sim.accounts(0).iter().filter(|a| a.0 != "treasury").map(|a| a.1).sum();
                let initial = if regime == "market" { 500 * 10 * agora::money::MONEY_UNIT } else { 0 };
                assert_eq!(held + t + fund, initial, "{regime}: money conserved with the treasury");
            }
        }
        assert!(total_paid > 0.0, "{regime}: a basic income was paid");
    }
}

#[test]
fn shocks_strike_at_their_step() {
    let sc = scenario(
        "name = \"s\"\nregimes = [\"gift\"]\n[run]\nagents = 2000\nsteps = 40\nreplicates = 1\nwarmup = 0\n\
         [policy]\nshocks = [{ step = 10, kind = \"resource_crash\", size = 0.5 }, { step = 20, kind = \"exodus\", share = 0.25 },\n\
         { step = 30, kind = \"productivity\", size = 0.5, duration = 5 }]\n",
    );
    let mut sim = Sim::for_entry(&sc, 0, 0);
    let rows: Vec<Vec<f64>> = (0..40).map(|_| sim.advance()[0].clone()).collect();
    let at = |step: usize, m: &str| rows[step - 1][metric(&sc, m)];
    assert!(at(10, "resource_stock") < 0.55 * at(9, "resource_stock"), "crash halves the stock");
    let left = 1.0 - at(20, "agents") / at(19, "agents");
    assert!((left - 0.25).abs() < 0.04, "exodus took {left}");
    assert!(at(30, "output_total") < 0.6 * at(29, "output_total"), "productivity halved");
    assert!(at(36, "output_total") > 0.8 * at(29, "output_total"), "and recovered after 5 steps");
}

/// `agora compare` runs two variants and writes the paired difference of each regime.
#[test]
fn compare_command_writes_a_paired_comparison_across_scenarios() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("cmp");
    let compare = || {
        agora()
            .arg("compare")
            .arg(root().join("scenarios/showcase.toml"))
            .arg(root().join("scenarios/showcase_basic_income.toml"))
            .args(["--agents", "300", "--replicates", "3", "--steps", "120", "--out"])
            .arg(&out)
            .assert()
            .success();
    };
    compare();
    assert!(out.join("showcase/summary.csv").is_file() && out.join("showcase_basic_income/summary.csv").is_file());
    let (h, rows) = read_csv(&out.join("comparison.csv"));
    let market = rows.iter().find(|r| r[0] == "market" && r[1] == "needs_met_mean").expect("market needs met");
    assert_eq!(col(&h, market, "n"), 3.0);
    let diff = col(&h, market, "mean_diff");
    assert!((col(&h, market, "second_mean") - col(&h, market, "first_mean") - diff).abs() < 1e-12);
    // A second comparison replaces the first one's folder.
    let before = std::fs::read(out.join("comparison.csv")).unwrap();
    compare();
    assert_eq!(std::fs::read(out.join("comparison.csv")).unwrap(), before, "same inputs, same comparison");
    // Scenarios that cannot be paired are refused with exit 2.
    agora()
        .arg("compare")
        .arg(root().join("scenarios/showcase.toml"))
        .arg(root().join("scenarios/validation/kinetic.toml"))
        .arg("--out")
        .arg(work.path().join("no"))
        .assert()
        .code(2);
}

/// A tax on income in goods is levied on the step's output as produced, before any regime
/// allocates: at a rate of 10% it collects 10% of output in every regime (it once collected
/// 0.4% in the commons, where it came after pooling and consumption).
#[test]
fn tax_collects_the_same_share_of_output_in_every_regime() {
    let mut shares = Vec::new();
    for regime in ["market", "mutual_credit", "gift", "barter", "commons", "autarky"] {
        let sc = scenario(&format!(
            "name = \"t\"\nregimes = [\"{regime}\"]\n[run]\nagents = 400\nsteps = 40\nreplicates = 1\nwarmup = 0\n\
             [policy]\nbasic_income = {{ amount = 0.2, in = \"goods\" }}\ntax = {{ on = \"income\", rate = 0.1 }}\n"
        ));
        let mut sim = Sim::for_entry(&sc, 0, 0);
        let (mut tax, mut output) = (0.0, 0.0);
        for _ in 1..=40 {
            let row = sim.advance()[0].clone();
            tax += row[metric(&sc, "tax_revenue")];
            output += row[metric(&sc, "output_total")];
        }
        let share = tax / output;
        assert!((share - 0.1).abs() < 0.002, "{regime}: the tax took {share} of output");
        shares.push((regime, share));
    }
    eprintln!("tax as a share of output: {shares:?}");
}

/// The basic-income showcase is the showcase plus a policy, and nothing else: every section
/// but `[policy]` (and the name and words) resolves to the same values, so `agora compare` of
/// the two measures the basic income alone (it once ran mutual credit on time-bank prices).
#[test]
fn the_basic_income_showcase_differs_from_the_showcase_in_its_policy_alone() {
    use agora::plan::parse;
    use agora::scenario::Overrides;
    let resolved = |name: &str| -> toml::Table {
        let text = std::fs::read_to_string(root().join(format!("scenarios/{name}.toml"))).unwrap();
        let plan = parse(&text, None, &Overrides::default()).unwrap();
        let mut t: toml::Table = plan.resolved_toml.parse().unwrap();
        for k in ["name", "description", "question", "policy", "output"] {
            t.remove(k);
        }
        t
    };
    let (plain, with) = (resolved("showcase"), resolved("showcase_basic_income"));
    for (k, v) in &plain {
        assert_eq!(Some(v), with.get(k), "`{k}` differs between the showcase and its basic-income twin");
    }
    assert_eq!(plain.len(), with.len());
}
