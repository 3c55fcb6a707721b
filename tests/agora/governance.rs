//! Governance of the common-pool resource, the world's rule for every regime: how the quota
//! is divided, monitored and voted on, that it acts the same whatever the regime, and that the
//! old per-regime keys are refused with a pointer to the new ones.

use crate::common::metric;
use agora::engine::Sim;
use agora::plan::{parse, Plan};
use agora::rng::Streams;
use agora::scenario::Overrides;
use agora::world::{Strategy, World};

fn plan(src: &str) -> Plan {
    parse(src, None, &Overrides::default()).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

/// A world of `agents` members of `regime` (slot 0) under `resource` rules, each agent's
/// strategy set by hand.
fn hand_world(regime: &str, agents: usize, resource: &str, strategies: &[Strategy]) -> (World, Streams) {
    let p = plan(&format!(
        "name = \"q\"\nregimes = [\"{regime}\"]\n[run]\nagents = {agents}\nsteps = 2\nreplicates = 1\nwarmup = 0\n\
         [population]\nnetwork = {{ kind = \"complete\" }}\n[resource]\n{resource}\n"
    ));
    let streams = Streams::new(1, 0);
    let net = std::sync::Arc::new(agora::world::build_network(&p.world, &streams));
    let mut w = World::new(&p.world, &streams, net);
    w.agents.strategy.copy_from_slice(strategies);
    (w, streams)
}

/// Every member's harvest cap at `step`, each wanting far more than any share.
fn caps(w: &mut World, streams: Streams, step: u64) -> Vec<f64> {
    let mut want = vec![1e9; w.len()];
    let material = [true; 256];
    w.governance.limit(&w.agents, &material, &w.resource, &streams, step, &mut want);
    want
}

/// Ostrom's common-pool groups are local (Ostrom 1990, ch. 3): the total quota is divided
/// among communities by their members, and each community monitors, excludes and votes on its
/// own. Twelve members in three communities of four. A free rider caught in community 1 is
/// excluded (after one offence here), and its share goes to its own community's three others
/// (`Q/12 x 4/3` each), not to everyone. Where the stock is low, two communities of
/// contributors vote their quota down (x0.9) while the third, three free riders to one
/// contributor, votes it up (x1.1): a population-wide vote (nine to three)
/// would have cut everyone's. Once the stock is back above the level of maximum sustainable
/// yield, the communities that cut vote their quota up again, past the base quota to a quarter
/// above it and no further. The same holds in a market: governance does not depend on the regime.
#[test]
fn each_community_divides_monitors_and_votes_on_its_own_share_of_the_quota() {
    use Strategy::{Cooperator as C, FreeRider as F};
    for regime in ["commons", "market", "gift"] {
        let rules = "governance = \"ostrom\"\ncommunity_size = 4\nmonitor = 1.0\nsanctions = [0.0]\nexclude_after = 1\nexclude_for = 10\nvote = false";
        let (mut w, streams) = hand_world(regime, 12, rules, &[C, C, C, C, F, C, C, C, C, C, C, C]);
        let q = w.resource.msy();
        let first = caps(&mut w, streams, 1);
        assert!(
            first.iter().all(|&c| (c - q / 12.0).abs() < 1e-12 * q),
            "{regime}: an equal split at first: {first:?}"
        );
        assert!(w.governance.excluded(4), "{regime}: caught once, excluded");
        let second = caps(&mut w, streams, 2);
        assert_eq!(second[4], 0.0, "{regime}: the excluded member may not harvest");
        for i in [5, 6, 7] {
            assert!(
                (second[i] - q / 9.0).abs() < 1e-12 * q,
                "{regime}: member {i} of the excluding community: {}",
                second[i]
            );
        }
        for i in [0, 1, 2, 3, 8, 9, 10, 11] {
            assert!(
                (second[i] - q / 12.0).abs() < 1e-12 * q,
                "{regime}: member {i} of another community: {}",
                second[i]
            );
        }
        assert!((second.iter().sum::<f64>() - q).abs() < 1e-9 * q, "{regime}: the whole quota is allotted");
    }

    let rules =
        "governance = \"ostrom\"\ncommunity_size = 4\nmonitor = 0.0\nexclude_after = 0\nvote = true\nvote_every = 1";
    let (mut w, streams) = hand_world("commons", 12, rules, &[C, C, C, C, C, C, C, C, F, F, F, C]);
    w.resource.stock = 0.3 * w.resource.capacity;
    let q = w.resource.msy();
    caps(&mut w, streams, 1);
    let voted = caps(&mut w, streams, 2);
    for v in &voted[..8] {
        assert!((v - 0.9 * q / 12.0).abs() < 1e-12 * q, "contributors' communities cut: {v}");
    }
    assert!(
        (voted[11] - 1.1 * q / 12.0).abs() < 1e-12 * q,
        "the free riders' community raised its quota: {}",
        voted[11]
    );
    assert!(voted[8..11].iter().all(|&c| c == 1e9), "unseen free riders take what they want");
    for step in 3..6 {
        caps(&mut w, streams, step);
    }
    let cut = caps(&mut w, streams, 6)[0];
    assert!((cut - 0.9f64.powi(5) * q / 12.0).abs() < 1e-12 * q, "five cuts: {cut}");
    // The stock recovers: the same communities vote their quota back up, to the base quota.
    w.resource.stock = 0.9 * w.resource.capacity;
    let q = w.resource.msy();
    let raised = caps(&mut w, streams, 7)[0];
    assert!((raised - 1.1 * cut).abs() < 1e-12 * q, "raised by a tenth: {raised} after {cut}");
    let mut last = 0.0;
    for step in 8..20 {
        last = caps(&mut w, streams, step)[0];
    }
    assert!((last - 1.25 * q / 12.0).abs() < 1e-12 * q, "up to a quarter above the base quota and no further: {last}");
}

/// Under a quota set from outside, every member's cap is `Q / members`, bit for bit, whatever
/// `community_size` says (it is Ostrom's key); free riders unseen by the monitors take what
/// they want.
#[test]
fn an_outside_quota_splits_equally_among_all_members() {
    use Strategy::{Cooperator as C, FreeRider as F, Reciprocator as R};
    let strategies: Vec<_> = (0..30).map(|i| [C, R, F][i % 3]).collect();
    for size in [0, 4, 7, 30] {
        let rules = format!("governance = \"quota\"\nmonitor = 0.0\ncommunity_size = {size}");
        let (mut w, streams) = hand_world("commons", 30, &rules, &strategies);
        let q = w.resource.msy();
        let capped = caps(&mut w, streams, 1);
        for (i, c) in capped.iter().enumerate() {
            let expected = if strategies[i] == F { 1e9 } else { q / 30.0 };
            assert_eq!(c.to_bits(), expected.to_bits(), "size {size}, member {i}: {c} against {expected}");
        }
    }
}

/// Every goods regime under the same governance: a market and a gift economy held to the
/// quota keep the resource that open access destroys, as the commons does (Ostrom 1990 does
/// not depend on what is done with the goods afterwards); monitoring costs goods, and goods
/// stay conserved (fines move, monitoring is consumed).
#[test]
fn every_regime_lives_under_the_worlds_governance() {
    let run = |regime: &str, rule: &str| {
        let p = plan(&format!(
            "name = \"g\"\nregimes = [\"{regime}\"]\n[run]\nagents = 400\nsteps = 300\nreplicates = 1\nwarmup = 0\n\
             [population]\nstrategies = {{ cooperator = 0.6, reciprocator = 0.2, free_rider = 0.2 }}\nspecialty = \"fixed\"\neffort = \"fixed\"\nluxury_weight = 0.0\n\
             [resource]\nintensity = 1.0\ngovernance = \"{rule}\"\n[adapt]\nimitate = 0.0\n"
        ));
        let mut sim = Sim::for_entry(&p, 0, 0);
        let start = sim.world().goods_total();
        let mut rows = Vec::new();
        for _ in 0..300 {
            rows.push(sim.advance()[0].clone());
        }
        let w = sim.world();
        let l = w.ledger;
        let expected = start + l.produced - l.consumed - l.decayed - l.departed;
        assert!((w.goods_total() - expected).abs() <= 1e-9 * (1.0 + l.produced), "{regime} {rule}: goods conserved");
        let last = rows.last().unwrap();
        let monitoring: f64 = rows.iter().map(|r| r[metric(&p, "monitoring")]).filter(|v| !v.is_nan()).sum();
        (last[metric(&p, "resource_stock")], monitoring, last[metric(&p, "sanctions")])
    };
    for regime in ["market", "gift", "commons", "mutual_credit", "barter"] {
        let open = run(regime, "open_access");
        let governed = run(regime, "ostrom");
        assert!(open.0 < 0.05, "{regime}: open access keeps {}", open.0);
        assert!(governed.0 > 0.3, "{regime}: Ostrom's rules keep {}", governed.0);
        assert!(governed.1 > 0.0 && open.1 == 0.0, "{regime}: monitoring costs goods only when governed");
        assert!(open.2.is_nan(), "{regime}: no sanctions are measured under open access");
    }
}

/// The keys that moved from `[commons]` (and each regime's `property`) to the world are
/// refused with a pointer to their new place, not silently ignored.
#[test]
fn keys_that_moved_to_the_world_are_refused_with_their_new_place() {
    for (table, key, value, new) in [
        ("commons", "harvest", "\"ostrom\"", "resource.governance"),
        ("commons", "vote", "false", "resource.vote"),
        ("commons", "license", "\"permissive\"", "knowledge.property"),
        ("market", "property", "\"open\"", "knowledge.property"),
        ("mutual_credit", "property", "\"proprietary\"", "knowledge.property"),
    ] {
        let src = format!("name = \"m\"\nregimes = [\"{table}\"]\n[{table}]\n{key} = {value}\n");
        let e = parse(&src, None, &Overrides::default()).expect_err("refused");
        let text = format!("{e}");
        assert_eq!(e.key.as_deref(), Some(format!("{table}.{key}").as_str()), "{text}");
        assert!(text.contains(new), "{table}.{key}: {text}");
    }
}

/// An entry whose variant gives it its own governance is an institutional bundle: `run.json`
/// says which rules it adds, and the report names it as allocation plus those rules, never as
/// the allocation alone; an entry under the scenario's rules is not labelled.
#[test]
fn a_bundle_is_labelled_as_one_in_run_json_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.toml");
    std::fs::write(
        &file,
        "name = \"b\"\nregimes = [\"market\", \"commons\", \"commons:ostrom\"]\n[run]\nagents = 60\nsteps = 6\nreplicates = 2\nwarmup = 1\n\
         [variant.ostrom]\nresource.governance = \"ostrom\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    crate::common::agora().arg("run").arg(&file).arg("--out").arg(&out).arg("-q").assert().success();
    let info: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    let entries = info["entries"].as_array().unwrap();
    let bundle = |label: &str| entries.iter().find(|e| e["label"] == label).unwrap().get("bundle").cloned();
    assert_eq!(bundle("commons:ostrom"), Some(serde_json::json!(["resource.governance = \"ostrom\""])));
    assert_eq!(bundle("commons"), None);
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        report.contains("(bundle: commons + resource.governance = &quot;ostrom&quot;)"),
        "the report names the bundle"
    );
    assert!(!report.contains(">commons <span class=\"bundle\""), "the commons under the scenario's rules is no bundle");
    assert!(!report.contains(">market <span class=\"bundle\""));
}
