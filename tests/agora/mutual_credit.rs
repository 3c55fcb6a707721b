//! Mutual credit: balances sum to exactly zero after every step, limits hold, credit beats
//! barter, and snapshots print balances exactly.

use crate::common::{agora, read_csv, root};
use agora::engine::Sim;
use agora::plan::{parse, Plan as Scenario};
use agora::scenario::Overrides;
use proptest::prelude::*;

fn scenario(src: &str) -> Scenario {
    parse(src, None, &Overrides::default()).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

fn random_credit() -> impl Strategy<Value = String> {
    (
        2u64..250,
        1u64..40,
        prop_oneof![
            (0.0..20.0f64).prop_map(|a| format!("{{ kind = \"fixed\", amount = {a} }}")),
            (0.0..5.0f64, 1u64..8, 0.0..5.0f64)
                .prop_map(|(f, w, fl)| format!("{{ kind = \"turnover\", factor = {f}, window = {w}, floor = {fl} }}")),
        ],
        prop_oneof![Just("market"), Just("hours")],
        (0.0..0.2f64, prop_oneof![Just("equal"), Just("fund")], prop_oneof![Just("creditors"), Just("everyone")]),
        (0u64..6, any::<bool>(), 0..=i64::MAX as u64, 0.5..4.0f64),
    )
        .prop_map(|(agents, steps, limit, pricing, (demurrage, to, loss), (exit, cycles, seed, base))| {
            format!(
                "name = \"p\"\nregimes = [\"mutual_credit\"]\n[run]\nagents = {agents}\nsteps = {steps}\nreplicates = 1\nwarmup = 0\nseed = {seed}\n\
                 [population]\nnetwork = {{ kind = \"complete\" }}\nexit_after = {exit}\nbase_output = {base}\n\
                 [mutual_credit]\nlimit = {limit}\npricing = \"{pricing}\"\ndemurrage = {demurrage}\ndemurrage_to = \"{to}\"\n\
                 default_loss = \"{loss}\"\ncycles = {cycles}\ncycle_window = 3\n"
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The sum of all balances (and the community fund) is exactly zero after every step, and
    /// with a fixed limit and creditors bearing defaults no balance ever passes the limit.
    #[test]
    fn balances_sum_to_exactly_zero_and_respect_the_limit(src in random_credit()) {
        let sc = scenario(&src);
        // The generator's own words: `limit = { kind = "fixed", amount = X }`.
        let fixed = src.split_once("kind = \"fixed\", amount = ").map(|(_, rest)| {
            agora::money::to_money(rest.split(' ').next().unwrap().parse::<f64>().unwrap())
        });
        let creditors = src.contains("default_loss = \"creditors\"");
        let mut sim = Sim::for_entry(&sc, 0, 0);
        for _ in 0..sc.run.steps {
            sim.advance();
            let fund: i64 = sim.accounts(0).iter().map(|a| a.1).sum();
            let sum: i64 = sim.world().agents.balance.iter().sum::<i64>() + fund;
            prop_assert_eq!(sum, 0);
            prop_assert!(fund >= 0);
            if let (Some(limit), true) = (fixed, creditors) {
                let lowest = *sim.world().agents.balance.iter().min().unwrap();
                prop_assert!(lowest >= -limit, "balance {} below limit {}", lowest, -limit);
            }
        }
    }
}

fn run_limit(amount: f64) -> (f64, f64) {
    let sc = scenario(&format!(
        "name = \"l\"\nregimes = [\"mutual_credit\"]\n[run]\nagents = 1000\nsteps = 60\nreplicates = 1\nwarmup = 0\n\
         [mutual_credit]\nlimit = {{ kind = \"fixed\", amount = {amount} }}\n"
    ));
    let mut sim = Sim::for_entry(&sc, 0, 0);
    let (mut trades, mut needs) = (0.0, 0.0);
    for _ in 0..60 {
        let row = &sim.advance()[0];
        trades += row[crate::common::metric(&sc, "trades")];
        needs += row[crate::common::metric(&sc, "needs_met_mean")];
    }
    (trades, needs / 60.0)
}

/// With a limit of zero nobody can buy first (barter without a double coincidence is
/// impossible here); raising the limit lets specialised producers trade and meet more needs.
#[test]
fn raising_the_limit_from_zero_increases_trades_and_needs_met() {
    let (t0, n0) = run_limit(0.0);
    let (t1, n1) = run_limit(1.0);
    let (t5, n5) = run_limit(5.0);
    assert_eq!(t0, 0.0, "no credit, no trade");
    assert!(t1 > 0.0 && t5 > t1, "trades {t0} {t1} {t5}");
    assert!(n1 > n0 + 0.1 && n5 > n1, "needs met {n0} {n1} {n5}");
}

/// The bundled scenario writes a snapshot whose `balance` column, read as exact decimals,
/// sums to zero per regime and replicate.
#[test]
fn snapshot_balances_sum_to_exactly_zero() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("mc");
    agora()
        .arg("run")
        .arg(root().join("scenarios/mutual_credit.toml"))
        .args(["--agents", "300", "--replicates", "2", "--out"])
        .arg(&out)
        .arg("-q")
        .assert()
        .success();
    let (header, rows) = read_csv(&out.join("agents_step300.csv"));
    let b = header.iter().position(|h| h == "balance").unwrap();
    let mut sums = std::collections::BTreeMap::new();
    for r in &rows {
        if r[0].starts_with("mutual_credit") {
            let text = &r[b];
            let (int, frac) = text.split_once('.').expect("exact decimal");
            assert_eq!(frac.len(), 6, "{text}");
            let units: i64 = format!("{int}{frac}").parse().unwrap();
            *sums.entry((r[0].clone(), r[1].clone())).or_insert(0i64) += units;
        } else {
            assert!(r[b].is_empty(), "the market has no balances");
        }
    }
    assert_eq!(sums.len(), 4 * 2, "four mutual-credit entries, two replicates: {sums:?}");
    assert!(sums.values().all(|&s| s == 0), "{sums:?}");
}
