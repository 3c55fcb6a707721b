//! The regimes' rules on worlds small enough to work out by hand: the market's excess-demand
//! price rule and pro-rata rationing, the gift economy's neediest-first giving and
//! reciprocators' discrimination, and the commons' shares under `need`, `equal` and
//! `contribution`.

use agora::plan::{parse, Plan};
use agora::regimes::exchange::{self, Account, Credit, Orders, Storage, Terms};
use agora::regimes::{BuildEnv, Ctx, Regime};
use agora::rng::Streams;
use agora::scenario::Overrides;
use agora::world::{build_network, Strategy, World};
use std::sync::Arc;

fn plan(src: &str) -> Plan {
    parse(src, None, &Overrides::default()).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

/// A world of the plan's first entry, with its regime, and every agent's holdings, money,
/// specialty and strategy set by hand.
fn world(p: &Plan, stocks: &[[f64; 2]], strategies: &[Strategy]) -> (World, Box<dyn Regime>, Ctx) {
    let streams = Streams::new(1, 0);
    let net = Arc::new(build_network(&p.world, &streams));
    let mut w = World::new(&p.world, &streams, net);
    let mut regime = p.entries[0].config.build(&BuildEnv::default());
    let ctx = Ctx { slot: 0, step: 1, streams };
    regime.init(&mut w, &ctx);
    for (i, s) in stocks.iter().enumerate() {
        w.agents.stock[2 * i..2 * i + 2].copy_from_slice(s);
        w.agents.strategy[i] = strategies[i];
    }
    (w, regime, ctx)
}

fn close(a: f64, b: f64) -> bool {
    // Gift offers are single precision: 1e-6 covers their rounding.
    (a - b).abs() < 1e-6
}

/// Two sellers offer 2 units of good `a` each (holdings 3, keep 1); three buyers with money
/// each ask for 2 (their need of 1, then stock up to 2). `V = min(D, S) = 4` units change hands:
/// each buyer gets `V / D = 2/3` of its demand and pays for it; the sellers sell everything,
/// paid in proportion to units sold; the price of `a` moves by `price_adjust (D - S) / (D + S)`,
/// and that of `b`, asked for and not offered, by the whole `price_adjust`.
#[test]
fn market_rations_pro_rata_and_moves_prices_with_excess_demand() {
    let p = plan(
        "name = \"m\"\nregimes = [\"market\"]\n[run]\nagents = 5\nsteps = 1\nreplicates = 1\nwarmup = 0\n\
         [population]\ntransfer_cost = 0.0\ngoods = [\"a\", \"b\"]\nnetwork = { kind = \"complete\" }\n\
         [market]\ninitial_money = 10\ninitial_price = 1.0\nprice_adjust = 0.1\nkeep = 1.0\nstock_target = 2.0\nspend = 0.0\n",
    );
    let c = Strategy::Cooperator;
    let (mut w, mut market, ctx) = world(&p, &[[3.0, 1.0], [3.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]], &[c; 5]);
    w.agents.money[..2].fill(0); // sellers have no money, so they only sell
    let money0: i64 = w.agents.money.iter().sum();
    market.allocate(&mut w, &ctx);
    let a = |i: usize| w.agents.stock[2 * i];
    for buyer in 2..5 {
        assert!(close(a(buyer), 4.0 / 3.0), "buyer {buyer} got {} of a", a(buyer));
        assert_eq!(w.agents.money[buyer], 10_000_000 - 1_333_333, "pays the floor of 4/3 at price 1");
    }
    assert!(close(a(0), 1.0) && close(a(1), 1.0), "sellers sold all they offered");
    let (m0, m1) = (w.agents.money[0], w.agents.money[1]);
    assert_eq!(m0 + m1, 3 * 1_333_333, "sellers get exactly what buyers paid");
    assert!((m0 - m1).abs() <= 1, "equal sales, equal revenue ({m0} and {m1})");
    assert_eq!(w.agents.money.iter().sum::<i64>(), money0, "money is conserved");
    let prices = market.prices().unwrap();
    assert!(close(prices[0], 1.0 * (1.0 + 0.1 * (6.0 - 4.0) / (6.0 + 4.0))), "price of a {}", prices[0]);
    assert!(close(prices[1], 1.1), "price of b {}", prices[1]);
}

/// The same clearing with a transfer cost of 0.1 (Samuelson's iceberg): buyers pay for the
/// 4/3 units they bought and receive 0.9 of them; the sellers still sell 2 each; the 0.4 units
/// lost are counted as perished and as this step's `transfer_loss` of the market's slot.
#[test]
fn a_transfer_cost_takes_its_share_of_every_unit_bought() {
    let p = plan(
        "name = \"m\"\nregimes = [\"market\"]\n[run]\nagents = 5\nsteps = 1\nreplicates = 1\nwarmup = 0\n\
         [population]\ntransfer_cost = 0.1\ngoods = [\"a\", \"b\"]\nnetwork = { kind = \"complete\" }\n\
         [market]\ninitial_money = 10\ninitial_price = 1.0\nprice_adjust = 0.1\nkeep = 1.0\nstock_target = 2.0\nspend = 0.0\n",
    );
    let c = Strategy::Cooperator;
    let (mut w, mut market, ctx) = world(&p, &[[3.0, 1.0], [3.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]], &[c; 5]);
    w.agents.money[..2].fill(0);
    let goods0: f64 = w.agents.stock.iter().sum();
    market.allocate(&mut w, &ctx);
    let a = |i: usize| w.agents.stock[2 * i];
    for buyer in 2..5 {
        assert!(close(a(buyer), 0.9 * 4.0 / 3.0), "buyer {buyer} received {} of a", a(buyer));
        assert_eq!(w.agents.money[buyer], 10_000_000 - 1_333_333, "pays for all it bought");
    }
    assert!(close(a(0), 1.0) && close(a(1), 1.0), "sellers sold all they offered");
    assert!(close(w.transfer_lost[0], 0.4), "lost {}", w.transfer_lost[0]);
    assert!(close(w.ledger.decayed, 0.4), "counted as perished: {}", w.ledger.decayed);
    assert!(close(goods0 - w.agents.stock.iter().sum::<f64>(), 0.4));
}

/// Buffer-stock spending: three satiated buyers with 10 each keep a reserve of `reserve` = 2
/// steps' needs (2 goods at price 1: 4) and spend half of the other 6 on the two goods they do
/// not offer, 1.5 on each; `a` is offered 4 and asked for 4.5, so each gets 4/4.5 of its ask
/// and consumes it at once (its holding stays at need); `b` is asked for and not offered.
#[test]
fn satiated_buyers_spend_half_their_money_above_the_reserve_and_consume_it() {
    let p = plan(
        "name = \"m\"\nregimes = [\"market\"]\n[run]\nagents = 5\nsteps = 1\nreplicates = 1\nwarmup = 0\n\
         [population]\ntransfer_cost = 0.0\ngoods = [\"a\", \"b\"]\nnetwork = { kind = \"complete\" }\n\
         [market]\ninitial_money = 10\ninitial_price = 1.0\nkeep = 1.0\nstock_target = 1.0\nreserve = 2.0\nspend = 0.5\n",
    );
    let c = Strategy::Cooperator;
    let (mut w, mut market, ctx) = world(&p, &[[3.0, 1.0], [3.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]], &[c; 5]);
    w.agents.money[..2].fill(0);
    let (money0, consumed0) = (w.agents.money.iter().sum::<i64>(), w.ledger.consumed);
    market.allocate(&mut w, &ctx);
    let bought: f64 = 1.5 * (4.0 / 4.5);
    for buyer in 2..5 {
        assert!(close(w.agents.stock[2 * buyer], 1.0), "bought beyond needs is consumed, not stored");
        assert_eq!(w.agents.money[buyer], 10_000_000 - (bought * 1e6).floor() as i64, "pays for 4/4.5 of 1.5");
    }
    assert!(close(w.agents.stock[0], 1.0) && close(w.agents.stock[2], 1.0), "sellers sold their surplus");
    assert!(close(w.ledger.consumed - consumed0, 4.0), "the four units sold beyond needs count as consumed");
    assert_eq!(w.agents.money.iter().sum::<i64>(), money0, "money is conserved");
}

/// The competitive-storage rule on the five agents above (two sellers with 2 units of `a`
/// above their keep, three buyers with money), at price 1 with `decay = 0.1`: a unit kept is
/// worth `0.9 p_e`. Sellers who expect 2 (reservation 1.8; with the spread 0.2, every unit's
/// between 1.44 and 1.8) keep everything: nothing is sold, no money moves, and the surplus stays
/// in their stocks. Expecting `1 / 0.81` (reservation `1 / 0.9`, units between `0.8 / 0.9`
/// and `1 / 0.9`), half the units are worth more sold at 1 than kept: each seller offers 1 of
/// its 2 and keeps the other. Expecting 1 (reservation 0.9), everything is offered.
#[test]
fn a_seller_facing_a_price_below_its_reservation_keeps_the_good() {
    let p = plan(
        "name = \"m\"\nregimes = [\"market\"]\n[run]\nagents = 5\nsteps = 1\nreplicates = 1\nwarmup = 0\n\
         [population]\ntransfer_cost = 0.0\ngoods = [\"a\", \"b\"]\nnetwork = { kind = \"complete\" }\ndecay = 0.1\n\
         [market]\ninitial_money = 10\ninitial_price = 1.0\nkeep = 1.0\nstock_target = 2.0\nspend = 0.0\n",
    );
    let c = Strategy::Cooperator;
    let clear = |expected: f64| {
        let (mut w, _, _) = world(&p, &[[3.0, 1.0], [3.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]], &[c; 5]);
        w.agents.money[..2].fill(0);
        let money0 = w.agents.money.clone();
        let terms = Terms {
            slot: 0,
            everyone: false,
            prices: &[1.0, 1.0],
            keep: 1.0,
            target: 2.0,
            reserve: 0.0,
            spend: 0.0,
            account: Account::Money,
            credit: Credit::None,
            seller_weight: None,
            rotate: 0,
            log_trades: false,
            withhold: false,
            storage: Some(Storage { expected: &[expected, expected], spread: 0.2 }),
        };
        let cleared = exchange::clear(&mut w, &terms, &mut Orders::default());
        (w, money0, cleared)
    };
    let (w, money0, cleared) = clear(2.0);
    assert_eq!(cleared.supply[0], 0.0, "nothing offered below the reservation price");
    assert_eq!(cleared.volume[0], 0.0);
    assert!(close(cleared.withheld[0], 4.0), "both sellers' surplus kept back: {:?}", cleared.withheld);
    assert!(close(w.agents.stock[0], 3.0) && close(w.agents.stock[2], 3.0), "the good stays with its sellers");
    assert!((2..5).all(|b| w.agents.stock[2 * b] == 0.0), "buyers get none");
    assert_eq!(w.agents.money, money0, "no money moves");
    assert!(close(cleared.demand[0], 6.0), "buyers still ask (2 each), so the price will rise");

    let (w, _, cleared) = clear(1.0 / 0.81);
    assert!(close(cleared.supply[0], 2.0) && close(cleared.withheld[0], 2.0), "half offered: {cleared:?}");
    assert!(close(w.agents.stock[0], 2.0) && close(w.agents.stock[2], 2.0), "each seller sold 1 and kept 1");

    let (w, _, cleared) = clear(1.0);
    assert!(close(cleared.supply[0], 4.0) && cleared.withheld[0] == 0.0, "all offered at the reservation price");
    assert!(close(w.agents.stock[0], 1.0), "sold down to its keep");
    // A reservation price of 0 (decay = 1) offers everything, exactly; without a spread the
    // offer is all or nothing.
    assert_eq!(exchange::offered_share(1e-4, 0.0, 0.0), 1.0);
    assert_eq!(exchange::offered_share(0.99, 1.0, 0.0), 0.0);
    assert_eq!(exchange::offered_share(1.0, 1.0, 0.0), 1.0);
}

fn gift_plan(observe: f64) -> Plan {
    plan(&format!(
        "name = \"g\"\nregimes = [\"gift\"]\n[run]\nagents = 3\nsteps = 1\nreplicates = 1\nwarmup = 0\n\
         [population]\ntransfer_cost = 0.0\ngoods = [\"a\", \"b\"]\nnetwork = {{ kind = \"ring\", degree = 2 }}\n\
         [gift]\nkeep = 1.5\nobserve = {observe}\n"
    ))
}

/// A cooperator with a surplus of 1 (holdings 2.5, keep 1.5) gives to its neediest neighbour
/// first, up to its shortfall, and the rest to the next.
#[test]
fn gifts_go_to_the_neediest_first() {
    let p = gift_plan(0.5);
    let f = Strategy::FreeRider;
    let (mut w, mut gift, ctx) = world(&p, &[[2.5, 1.0], [0.2, 1.0], [0.5, 1.0]], &[Strategy::Cooperator, f, f]);
    gift.allocate(&mut w, &ctx);
    let a = |i: usize| w.agents.stock[2 * i];
    assert!(close(a(1), 1.0), "the neediest (short 0.8) gets all it lacks: {}", a(1));
    assert!(close(a(2), 0.7), "the next gets what is left (0.2): {}", a(2));
    assert!(close(a(0), 1.5), "the giver keeps its keep: {}", a(0));
}

/// A reciprocator who sees reputations gives only to those in good standing.
#[test]
fn reciprocators_give_only_to_those_in_good_standing() {
    let p = gift_plan(1.0);
    let f = Strategy::FreeRider;
    let (mut w, mut gift, ctx) = world(&p, &[[2.5, 1.0], [0.2, 1.0], [0.5, 1.0]], &[Strategy::Reciprocator, f, f]);
    w.agents.reputation[1] = 0.2; // neediest, but in bad standing
    w.agents.reputation[2] = 0.9;
    gift.allocate(&mut w, &ctx);
    let a = |i: usize| w.agents.stock[2 * i];
    assert!(close(a(1), 0.2), "nothing for bad standing: {}", a(1));
    assert!(close(a(2), 1.0), "good standing gets its shortfall: {}", a(2));
    assert!(close(a(0), 2.0), "{}", a(0));
}

fn commons(allocation: &str) -> Vec<[f64; 2]> {
    let p = plan(&format!(
        "name = \"c\"\nregimes = [\"commons\"]\n[run]\nagents = 4\nsteps = 1\nreplicates = 1\nwarmup = 0\n\
         [population]\ntransfer_cost = 0.0\ngoods = [\"a\", \"b\"]\nnetwork = {{ kind = \"complete\" }}\n\
         [commons]\nallocation = \"{allocation}\"\nkeep = 1.0\nadmin_cost = 0.0\n"
    ));
    let c = Strategy::Cooperator;
    let (mut w, mut commons, ctx) =
        world(&p, &[[3.0, 0.0], [0.0, 2.0], [0.0, 0.0], [0.5, 0.5]], &[c, c, Strategy::FreeRider, c]);
    commons.allocate(&mut w, &ctx);
    (0..4).map(|i| [w.agents.stock[2 * i], w.agents.stock[2 * i + 1]]).collect()
}

/// Contributors pool their surplus (2 of `a` from the first, 1 of `b` from the second); the
/// free rider puts in nothing but draws its share (no administration cost here: the sharing
/// rules alone).
#[test]
fn commons_share_by_need_equally_or_by_contribution() {
    let eq = |got: &[[f64; 2]], want: [[f64; 2]; 4]| {
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(close(g[0], w[0]) && close(g[1], w[1]), "agent {i}: {g:?}, expected {w:?}");
        }
    };
    // Need: shortfalls of a are 0, 1, 1, 0.5 (2.5 in all, pool 2: each gets 0.8 of it); of b
    // 1, 0, 1, 0.5 (pool 1: 0.4 of each).
    eq(&commons("need"), [[1.0, 0.4], [0.8, 1.0], [0.8, 0.4], [0.9, 0.7]]);
    // Equal: a quarter of each pool each.
    eq(&commons("equal"), [[1.5, 0.25], [0.5, 1.25], [0.5, 0.25], [1.0, 0.75]]);
    // Contribution: by the moving average of what each put in (0.4 and 0.2).
    eq(&commons("contribution"), [[1.0 + 4.0 / 3.0, 2.0 / 3.0], [2.0 / 3.0, 1.0 + 1.0 / 3.0], [0.0, 0.0], [0.5, 0.5]]);
}
