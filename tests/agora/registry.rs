//! Tests that grow with the registry: every example of every registered regime (each regime
//! lists examples that exercise its models and options), in compare and coexist mode, with and
//! without policies and shocks, gives byte-identical files on one thread and on three, and
//! keeps the model's invariants every step. A new regime is covered by its registry line.

use crate::common::{agora, metric, read_tree};
use agora::engine::Sim;
use agora::money::MoneyKind;
use agora::plan::{parse, Plan};
use agora::regimes::{Traits, REGIMES};
use agora::scenario::Overrides;
use std::fmt::Write as _;
use std::path::Path;

/// Settings laid over every scenario below.
#[derive(Clone, Copy, PartialEq)]
enum Layer {
    /// No policy, no shock.
    Plain,
    /// A basic income in goods funded by an income tax, every kind of shock, destitute exits.
    GoodsPolicy,
    /// A basic income in money funded by a wealth tax, with demurrage (money regimes only).
    MoneyPolicy,
}

/// Every example of every registered regime as `(entry, variant table)`.
fn examples() -> Vec<(String, String)> {
    REGIMES
        .iter()
        // Labels are unique across regimes: `gift:gift_network`, `barter:barter_network`.
        .flat_map(|r| {
            r.examples.iter().map(move |(label, toml)| (format!("{0}:{0}_{label}", r.name), toml.to_string()))
        })
        .collect()
}

/// A scenario listing `entries` (each with its variant table) in `mode`, with `layer`.
fn scenario(name: &str, mode: &str, entries: &[(String, String)], layer: Layer) -> String {
    let list: Vec<String> = entries.iter().map(|(e, _)| format!("\"{e}\"")).collect();
    let mut s = format!(
        "name = \"{name}\"\nmode = \"{mode}\"\nregimes = [{}]\n[run]\nagents = 9000\nsteps = 12\nreplicates = 2\nseed = 7\nwarmup = 2\n\
         [adapt]\nimitate = 0.3\nexplore = 0.01\n[output]\nsnapshots = [0, 6, 12]\nsnapshot_replicates = 0\n",
        list.join(", ")
    );
    match layer {
        Layer::Plain => {}
        Layer::GoodsPolicy => s.push_str(
            "[population]\nexit_after = 4\n[policy]\nbasic_income = { amount = 0.2 }\ntax = { on = \"income\", rate = 0.1 }\n\
             shocks = [{ step = 4, kind = \"resource_crash\", size = 0.3 }, { step = 5, kind = \"exodus\", share = 0.1 },\n\
             { step = 6, kind = \"productivity\", size = 0.3, duration = 3 }]\n",
        ),
        Layer::MoneyPolicy => s.push_str(
            "[policy]\nbasic_income = { amount = 0.1, in = \"money\" }\ntax = { on = \"wealth\", rate = 0.02 }\ndemurrage = 0.01\n",
        ),
    }
    if mode == "coexist" {
        let share = 1.0 / entries.len() as f64;
        let shares: Vec<String> = entries.iter().map(|(e, _)| format!("\"{e}\" = {share}")).collect();
        // The shares must sum to 1 within 1e-9; give the rounding to the first entry.
        let first = 1.0 - share * (entries.len() - 1) as f64;
        let mut shares = shares;
        shares[0] = format!("\"{}\" = {first}", entries[0].0);
        let _ = write!(s, "[coexist]\nshares = {{ {} }}\nmigrate = 0.05\ncross_trade = true\n", shares.join(", "));
        // One world: the examples' world rules (governance, property) are set for all of it.
        s.push_str(
            "[resource]\ngovernance = \"ostrom\"\ncommunity_size = 7\nexclude_after = 2\nexclude_for = 3\n\
             [knowledge]\nproperty = \"proprietary\"\n",
        );
    }
    let world_key = |line: &&str| line.starts_with("resource.") || line.starts_with("knowledge.");
    for (entry, table) in entries {
        let label = entry.split_once(':').map_or("", |(_, l)| l);
        let table: Vec<&str> = table.lines().filter(|l| mode == "compare" || !world_key(l)).collect();
        let _ = write!(s, "[variant.{label}]\n{}\n", table.join("\n"));
    }
    s
}

fn plan(src: &str) -> Plan {
    parse(src, None, &Overrides::default()).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

/// The examples whose planned entry satisfies `keep`.
fn examples_where(keep: impl Fn(&Traits) -> bool) -> Vec<(String, String)> {
    let all = examples();
    let p = plan(&scenario("all", "compare", &all, Layer::Plain));
    all.into_iter().zip(&p.entries).filter(|(_, e)| keep(&e.traits)).map(|(x, _)| x).collect()
}

/// Every scenario of the matrix: (name, source).
fn matrix() -> Vec<(String, String)> {
    let all = examples();
    let money = examples_where(|t| t.money != MoneyKind::None);
    // Coexist mode hosts goods regimes only (it compares needs met).
    let goods = examples_where(|t| t.material);
    let goods_money = examples_where(|t| t.material && t.money != MoneyKind::None);
    let mut out = Vec::new();
    for (mode, layer, entries) in [
        ("compare", Layer::Plain, &all),
        ("compare", Layer::GoodsPolicy, &all),
        ("compare", Layer::MoneyPolicy, &money),
        ("coexist", Layer::Plain, &goods),
        ("coexist", Layer::GoodsPolicy, &goods),
        ("coexist", Layer::MoneyPolicy, &goods_money),
    ] {
        let name = format!("{mode}_{}", ["plain", "goods_policy", "money_policy"][layer as usize]);
        out.push((name.clone(), scenario(&name, mode, entries, layer)));
    }
    out
}

fn run(file: &Path, threads: u32, out: &Path) {
    agora()
        .arg("run")
        .arg(file)
        .args(["--threads", &threads.to_string(), "--out"])
        .arg(out)
        .arg("--quiet")
        .assert()
        .success();
}

/// The same scenario and seed give byte-identical files on 1 thread and on 3, for every
/// registered regime's examples, both modes, and each policy layer.
#[test]
fn every_regime_mode_and_policy_gives_the_same_files_on_any_thread_count() {
    let work = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for (name, src) in matrix() {
        let file = work.path().join(format!("{name}.toml"));
        std::fs::write(&file, &src).unwrap();
        let (one, three) = (work.path().join(format!("{name}_1")), work.path().join(format!("{name}_3")));
        run(&file, 1, &one);
        run(&file, 3, &three);
        let (a, b) = (read_tree(&one), read_tree(&three));
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{name}: different files");
        for (file, bytes) in &a {
            if file == "run.json" {
                continue; // Records threads and wall time by design.
            }
            assert!(bytes == &b[file], "{name}: {file} differs between 1 and 3 threads");
            compared += 1;
        }
    }
    assert!(compared >= 6 * 6, "compared only {compared} files");
    // A different seed gives different results (the comparison can fail).
    let (name, src) = &matrix()[0];
    let file = work.path().join(format!("{name}.toml"));
    std::fs::write(&file, src).unwrap();
    let other = work.path().join("other");
    agora().arg("run").arg(&file).args(["--seed", "999", "--out"]).arg(&other).arg("-q").assert().success();
    assert_ne!(
        std::fs::read(work.path().join(format!("{name}_1/timeseries.csv"))).unwrap(),
        std::fs::read(other.join("timeseries.csv")).unwrap()
    );
}

/// The invariants of MODEL.md hold at every step of every world of the matrix: no negative
/// stock, money or resource; market money conserved unless a policy moves it; mutual-credit
/// balances (with the fund) summing to exactly zero; goods created only by production and
/// destroyed only by consumption and decay; every share in [0, 1].
#[test]
fn invariants_hold_every_step_for_every_regime() {
    for (name, src) in matrix() {
        assert_invariants(&name, &plan(&src.replace("agents = 9000", "agents = 1500")));
    }
}

/// Steps every world of replicate 0 of `p` and checks the invariants of MODEL.md at every step
/// (see [`invariants_hold_every_step_for_every_regime`]); `name` labels a failure.
pub fn assert_invariants(name: &str, p: &Plan) {
    {
        // Each world with the money kind of each of its slots.
        let worlds: Vec<(Sim, Vec<Traits>)> = match p.mode {
            agora::scenario::Mode::Compare => {
                (0..p.entries.len()).map(|e| (Sim::for_entry(p, e, 0), vec![p.entries[e].traits])).collect()
            }
            agora::scenario::Mode::Coexist => {
                let streams = agora::rng::Streams::new(p.run.seed, 0);
                let net = std::sync::Arc::new(agora::world::build_network(&p.world, &streams));
                vec![(Sim::coexist(p, 0, net), p.entries.iter().map(|e| e.traits).collect())]
            }
        };
        let shares: Vec<usize> =
            p.layout.metrics.iter().enumerate().filter(|(_, m)| m.unit == "share").map(|(i, _)| i).collect();
        for (mut sim, kinds) in worlds {
            let money0: i64 = sim.world().agents.money.iter().sum();
            let goods0 = sim.goods_total();
            for step in 1..=p.run.steps {
                let rows = sim.advance().to_vec();
                let w = sim.world();
                let a = &w.agents;
                let at = format!("{name}, step {step}");
                assert!(a.stock.iter().all(|&x| x >= -1e-9), "{at}: negative stock");
                assert!(w.resource.stock >= 0.0, "{at}: negative resource");
                assert!(a.money.iter().all(|&m| m >= 0), "{at}: negative money");
                // Money outside the agents: treasuries (taxes paid in money or credit) and funds.
                let (mut money_side, mut credit_side) = (0i64, 0i64);
                for (k, traits) in kinds.iter().enumerate() {
                    let held: i64 = sim.accounts(k).iter().map(|(_, v)| v).sum();
                    match traits.money {
                        MoneyKind::Money => money_side += held,
                        MoneyKind::Balance => credit_side += held,
                        MoneyKind::None => assert_eq!(held, 0, "{at}: money outside a moneyless regime"),
                    }
                }
                assert_eq!(a.money.iter().sum::<i64>() + money_side, money0, "{at}: money not conserved");
                // Nothing stays with those who left: their money and credit were settled.
                let gone = (0..a.len()).filter(|&i| a.member[i] == agora::world::LEFT);
                for i in gone {
                    assert_eq!((a.money[i], a.balance[i]), (0, 0), "{at}: agent {i} left holding money or credit");
                }
                assert_eq!(a.balance.iter().sum::<i64>() + credit_side, 0, "{at}: balances do not sum to zero");
                if let Some(e) = sim.broken_invariant() {
                    panic!("{at}: {e}");
                }
                let l = w.ledger;
                let expected = goods0 + l.produced - l.consumed - l.decayed - l.departed;
                assert!(
                    (sim.goods_total() - expected).abs() <= 1e-6 * (1.0 + l.produced),
                    "{at}: goods {} against the ledger's {expected}",
                    sim.goods_total()
                );
                for (row, traits) in rows.iter().zip(&kinds) {
                    for &c in &shares {
                        if traits.payoff_wellbeing && p.layout.metrics[c].name == "wellbeing_mean" {
                            continue; // A game's payoff, not a share of needs.
                        }
                        let v = row[c];
                        assert!(
                            v.is_nan() || (0.0..=1.0 + 1e-12).contains(&v),
                            "{at}: {} = {v}",
                            p.layout.metrics[c].name
                        );
                    }
                    assert!(row[metric(p, "agents")] >= 0.0);
                }
            }
        }
    }
}
