//! One regression test per defect a review found (each failed before its fix): options that
//! did nothing, counts that were overwritten, money that leaked, a survivorship bias.

use crate::common::metric;
use agora::engine::Sim;
use agora::plan::{parse, Plan};
use agora::regimes::{BuildEnv, Ctx, Leaving};
use agora::rng::Streams;
use agora::scenario::Overrides;
use std::sync::Arc;

fn plan(src: &str) -> Plan {
    parse(src, None, &Overrides::default()).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

fn rows(p: &Plan, entry: usize, steps: u64) -> Vec<Vec<f64>> {
    let mut sim = Sim::for_entry(p, entry, 0);
    (0..steps).map(|_| sim.advance()[0].clone()).collect()
}

/// `[policy] demurrage` acts whatever the basic income is paid in: money holdings pay it
/// every step and it comes back as an equal dividend, so money is conserved, and money is
/// more equal than without it, in the market where money is hoarded (`spend = 0`) and a charge
/// on holdings matters most. (It was ignored with the default goods basic income, and a
/// pure sink with `in = "money"`.)
#[test]
fn policy_demurrage_acts_and_returns_what_it_takes() {
    for extra in ["", "basic_income = { amount = 0.0, in = \"money\" }\n"] {
        let src = |d: f64| {
            format!(
                "name = \"d\"\nregimes = [\"market\"]\n[run]\nagents = 600\nsteps = 60\nreplicates = 1\nwarmup = 0\n\
                 [market]\nspend = 0.0\n[policy]\ndemurrage = {d}\n{extra}"
            )
        };
        let (with, without) = (plan(&src(0.05)), plan(&src(0.0)));
        let mut sim = Sim::for_entry(&with, 0, 0);
        let money0: i64 = sim.world().agents.money.iter().sum();
        let mut charged = 0.0;
        let mut last = Vec::new();
        for _ in 0..60 {
            last = sim.advance()[0].clone();
            charged += last[metric(&with, "demurrage")];
            let outside: i64 = sim.accounts(0).iter().map(|a| a.1).sum();
            assert_eq!(sim.world().agents.money.iter().sum::<i64>() + outside, money0, "money conserved");
            assert_eq!(sim.treasury(0).money, 0, "demurrage is paid back, not kept");
        }
        assert!(charged > 0.0, "demurrage charged nothing ({extra})");
        let base = rows(&without, 0, 60);
        let g = |r: &[f64], p: &Plan| r[metric(p, "gini_money")];
        assert!(g(&last, &with) < g(base.last().unwrap(), &without) - 0.05, "money no more equal with demurrage");
        assert!(base.iter().all(|r| r[metric(&without, "demurrage")].is_nan()), "no demurrage, no charge");
    }
}

/// Mutual-credit defaults add up over every settlement of a step (an exodus, destitute exits
/// and migrations can coincide); the count was set, not added, so only the last one counted.
#[test]
fn defaults_of_every_settlement_in_a_step_add_up() {
    let p = plan(
        "name = \"m\"\nregimes = [\"mutual_credit\"]\n[run]\nagents = 50\nsteps = 5\nreplicates = 1\nwarmup = 0\n\
         [population]\nnetwork = { kind = \"complete\" }\n",
    );
    let streams = Streams::new(1, 0);
    let net = Arc::new(agora::world::build_network(&p.world, &streams));
    let mut world = agora::world::World::new(&p.world, &streams, net);
    let mut regime = p.entries[0].config.build(&BuildEnv::default());
    let ctx = Ctx { slot: 0, step: 1, streams };
    regime.init(&mut world, &ctx);
    // Four debtors, matched by four creditors.
    for i in 0..4 {
        world.agents.balance[i] = -1_000_000;
        world.agents.balance[10 + i] = 1_000_000;
    }
    regime.depart(&mut world, &ctx, &[0, 1], Leaving::World);
    regime.depart(&mut world, &ctx, &[2], Leaving::World);
    regime.depart(&mut world, &ctx, &[3], Leaving::Regime);
    let mut row = p.layout.empty_row();
    regime.record(&mut agora::metrics::RegimeOut::new(&mut row, &p.entries[0].columns));
    assert_eq!(row[metric(&p, "defaults")], 4.0, "every settlement counts");
    assert_eq!(row[metric(&p, "default_volume")], 4.0);
    let fund: i64 = regime.accounts().iter().map(|a| a.1).sum();
    assert_eq!(world.agents.balance.iter().sum::<i64>() + fund, 0);
}

/// `default_loss = "everyone"` charged the loss to debtors already at their limit, so balances
/// passed `-limit` and a cascade of exits followed. Losses now go to those who can bear them,
/// a shrinking turnover limit keeps an existing debt legal, and no balance is ever below its
/// limit, in every configuration.
#[test]
fn no_balance_ever_passes_its_limit() {
    for (limit, loss, to) in [
        ("{ kind = \"fixed\", amount = 2.0 }", "everyone", "equal"),
        ("{ kind = \"fixed\", amount = 2.0 }", "creditors", "equal"),
        ("{ kind = \"fixed\", amount = 2.0 }", "everyone", "fund"),
        ("{ kind = \"turnover\", factor = 1.0, window = 3, floor = 0.5 }", "everyone", "equal"),
        ("{ kind = \"turnover\", factor = 1.0, window = 3, floor = 0.5 }", "creditors", "fund"),
    ] {
        let p = plan(&format!(
            "name = \"l\"\nregimes = [\"mutual_credit\"]\n[run]\nagents = 1500\nsteps = 120\nreplicates = 1\nwarmup = 0\n\
             [population]\nexit_after = 5\n\
             [policy]\nshocks = [{{ step = 40, kind = \"exodus\", share = 0.2 }}, {{ step = 60, kind = \"productivity\", size = 0.6, duration = 20 }}]\n\
             [mutual_credit]\nlimit = {limit}\ndefault_loss = \"{loss}\"\ndemurrage = 0.01\ndemurrage_to = \"{to}\"\n"
        ));
        let mut sim = Sim::for_entry(&p, 0, 0);
        let mut defaults = 0.0;
        for step in 1..=120 {
            let row = sim.advance()[0].clone();
            defaults += row[metric(&p, "defaults")];
            assert_eq!(sim.broken_invariant(), None, "{limit} {loss} {to}, step {step}");
        }
        assert!(defaults > 0.0, "{limit} {loss}: the test needs defaults to happen");
        let present = sim.world().agents.member.iter().filter(|&&m| m == 0).count();
        assert!(present > 0 && present < 1500, "{limit} {loss}: {present} of 1500 present at the end");
    }
}

/// In coexist mode without cross-trade, the money held by the market's members changes only
/// by policy: a member who leaves the market leaves its money to those who stay. (Leavers
/// took their money out and newcomers came with none: 3,960 fell to 967 in 200 steps.)
#[test]
fn coexist_migration_keeps_the_markets_money() {
    let p = plan(
        "name = \"c\"\nmode = \"coexist\"\nregimes = [\"market\", \"commons\"]\n[run]\nagents = 2000\nsteps = 150\nreplicates = 1\nwarmup = 0\n\
         [population]\nexit_after = 20\n[coexist]\nshares = { market = 0.5, commons = 0.5 }\nmigrate = 0.05\n",
    );
    let streams = Streams::new(p.run.seed, 0);
    let net = Arc::new(agora::world::build_network(&p.world, &streams));
    let mut sim = Sim::coexist(&p, 0, net);
    let market_money = |s: &Sim| -> i64 {
        let a = &s.world().agents;
        a.money.iter().zip(&a.member).filter(|(_, &m)| m == 0).map(|(x, _)| x).sum::<i64>()
            + s.accounts(0).iter().map(|a| a.1).sum::<i64>()
    };
    let start = market_money(&sim);
    let mut moved = 0.0;
    for _ in 0..150 {
        let r = sim.advance().to_vec();
        moved += (r[0][metric(&p, "regime_share")] - 0.5).abs();
        assert_eq!(market_money(&sim), start, "money left the market");
    }
    assert!(moved > 1.0, "agents migrated");
}

/// Needs met counts the regime's whole population: members who left meet none of their needs,
/// so a regime cannot improve its averages by losing people. The mean over those present is
/// reported beside it.
#[test]
fn leavers_count_as_meeting_none_of_their_needs() {
    let p = plan(
        "name = \"s\"\nregimes = [\"autarky\"]\n[run]\nagents = 1000\nsteps = 30\nreplicates = 1\nwarmup = 0\n\
         [population]\nexit_after = 5\ndestitute_threshold = 0.25\nskill = { dist = \"uniform\", low = 0.1, high = 1.0 }\n",
    );
    let r = rows(&p, 0, 30);
    let last = r.last().unwrap();
    let (all, present, left) =
        (last[metric(&p, "needs_met_mean")], last[metric(&p, "needs_met_present")], last[metric(&p, "departed_share")]);
    assert!(left > 0.1 && left < 0.4, "autarky's least skilled leave: {left}");
    assert!((all - present * (1.0 - left)).abs() < 1e-6, "population mean {all} = present {present} x (1 - {left})");
    assert!(last[metric(&p, "destitute_share")] >= left, "leavers count as destitute");
    assert_eq!(last[metric(&p, "needs_met_p10")], 0.0, "the worst-off tenth have left: they meet nothing");
}

/// Pure money-exchange models hold no goods, so their wealth at step 0 is their money alone
/// (it counted the initial goods).
#[test]
fn money_models_start_with_money_only() {
    let p = plan(
        "name = \"k\"\nregimes = [\"market\"]\n[run]\nagents = 500\nsteps = 5\nreplicates = 1\nwarmup = 0\n\
         [market]\nmodel = \"kinetic\"\ninitial_money = 100\n",
    );
    let mut sim = Sim::for_entry(&p, 0, 0);
    let row0 = sim.record_now()[0].clone();
    assert_eq!(row0[metric(&p, "wealth_mean")], 100.0);
}
