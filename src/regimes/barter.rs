//! Barter: goods for goods, without money or credit. Members meet trading partners and swap
//! surplus for shortfall when both gain, which needs a double coincidence of wants (Jevons
//! 1875; Menger 1892): each must hold what the other lacks. Epstein and Axtell's Sugarscape
//! trade (1996) is the agent-based form; here, as in the market, goods exchange one for one in
//! units of need, so that barter differs from the market only in the missing medium of
//! exchange.
//!
//! Per step, `rounds` times: members are matched in pairs (a uniformly random matching, or
//! each with a random neighbour in the social network), and in each pair every swap that
//! helps both is made, first toward needs and then toward `stock_target` times need. A member
//! offers its holdings above `keep` times need. Goods are moved, never created.

use super::pairing::Pairing;
use super::shared::TRADES;
use super::{BuildEnv, Ctx, Regime, RegimeInfo, Table, Traits};
use crate::disjoint::Disjoint;
use crate::error::InputError;
use crate::metrics::{MetricDef, RegimeOut};
use crate::money::MoneyKind;
use crate::rng::CHUNK;
use crate::scenario::validate::{at_least, count};
use crate::world::network::scale_u32;
use crate::world::work::Signal;
use crate::world::{World, LEFT};
use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Share of meetings in which the pair found something to swap.
pub const COINCIDENCE: MetricDef = MetricDef::new(
    "coincidence_rate",
    "share",
    "share of barter meetings with a double coincidence of wants (a swap both gain from)",
);

/// Registry entry.
pub const INFO: RegimeInfo = RegimeInfo {
    name: "barter",
    summary: "goods swapped for goods when both gain (a double coincidence of wants), without money or credit",
    table: Some("barter"),
    configure: super::configure::<BarterConfig>,
    metrics: &[TRADES, COINCIDENCE],
    examples: &[
        ("random", ""),
        ("network", "barter.partners = \"network\"\nbarter.rounds = 2\nbarter.stock_target = 1.0"),
    ],
    controls: &[],
};

/// Barter's random streams (index: the round).
#[repr(u8)]
enum Stream {
    /// The order (and, with random partners, the pairs) of a round.
    Matching,
    /// Which neighbour each member asks.
    Partners,
}

/// Whom members meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Partners {
    /// Anyone: a uniformly random matching of the members each round.
    Random,
    /// Neighbours in the social network: each member in random order pairs with a random
    /// unmatched neighbour.
    Network,
}

/// `[barter]`: the barter regime.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BarterConfig {
    /// `random` (anyone) or `network` (social neighbours).
    pub partners: Partners,
    /// Meetings per member per step.
    pub rounds: u64,
    /// Holdings up to `keep` times need are kept, not offered.
    pub keep: f64,
    /// Members who have covered their needs swap on to hold `stock_target` times need.
    pub stock_target: f64,
}

impl Default for BarterConfig {
    fn default() -> Self {
        BarterConfig { partners: Partners::Random, rounds: 4, keep: 1.0, stock_target: 2.0 }
    }
}

impl Table for BarterConfig {
    fn check(&self) -> Result<(), InputError> {
        count("barter.rounds", self.rounds, 1, 64, None)?;
        at_least("barter.keep", self.keep, 0.0)?;
        at_least("barter.stock_target", self.stock_target, 1.0)
    }

    fn traits(&self) -> Traits {
        Traits {
            material: true,
            money: MoneyKind::None,
            payoff_wellbeing: false,
            network: self.partners == Partners::Network,
            // What partners will take: the shortfalls of those it can meet.
            signal: match self.partners {
                Partners::Network => Signal::Neighbours,
                Partners::Random => Signal::Members,
            },
        }
    }

    fn build(&self, _env: &BuildEnv) -> Box<dyn Regime> {
        Box::new(Barter { cfg: self.clone(), pairing: Pairing::default(), ..Barter::default() })
    }

    fn footing(&self) -> Vec<super::footing::Footing> {
        use super::footing::{Footing, Mechanism::*};
        let whom = match self.partners {
            Partners::Random => "random members",
            Partners::Network => "network neighbours",
        };
        vec![
            Footing::institution(
                Reach,
                format!("`rounds` [{}] partners a step, {whom}, pair by pair", self.rounds),
                "without money, a trade needs a double coincidence of wants, sought one partner at a time (Jevons 1875)",
            ),
            Footing::shared(CoordinationCost, "none"),
            Footing::institution(
                Prices,
                "one for one in units of need",
                "barter differs from the market in the medium of exchange only, not in a price it could get wrong",
            ),
            Footing::shared(Keep, format!("`keep` [{}] x need of each good", self.keep)),
            Footing::institution(
                Satiation,
                format!("swapped for other goods up to `stock_target` [{}] x need", self.stock_target),
                "without money, surplus can only be swapped for goods",
            ),
            Footing::institution(
                Opportunism,
                "nothing beyond the world's rules",
                "quid pro quo: each side gives only what it gets back at once, so there is nothing to take",
            ),
        ]
    }
}

/// The barter regime's state.
#[derive(Debug, Clone, Default)]
pub struct Barter {
    cfg: BarterConfig,
    pairing: Pairing,
    /// This round's pairs, agent numbers laid out pair by pair.
    pairs: Vec<u32>,
    /// The paired agents' holdings, pair by pair (gathered, swapped, scattered back).
    holdings: Vec<f64>,
    matched: Vec<bool>,
    /// This step's swaps, meetings and meetings with a swap, until recorded.
    swaps: u64,
    meetings: u64,
    coincidences: u64,
    measured: bool,
}

impl Barter {
    /// Pairs of this round: a random matching, or greedy neighbour matching in random order.
    fn match_pairs(&mut self, world: &World, ctx: &Ctx, round: u64) {
        let key = ctx.key(Stream::Matching as u8, round as u32);
        let order = self.pairing.draw(world, ctx.slot, &ctx.streams, key, ctx.step);
        self.pairs.clear();
        match self.cfg.partners {
            Partners::Random => self.pairs.extend_from_slice(&order[..order.len() / 2 * 2]),
            Partners::Network => {
                let net = &world.network;
                let member = &world.agents.member;
                self.matched.clear();
                self.matched.resize(world.len(), false);
                let mut rng = ctx.rng(Stream::Partners as u8, round as u32, 0);
                for &i in order {
                    let i = i as usize;
                    if self.matched[i] {
                        continue;
                    }
                    let r = rng.next_u32();
                    let j = if net.is_complete() {
                        net.random_neighbour(i, r)
                    } else {
                        let row = net.neighbours(i);
                        (!row.is_empty()).then(|| row[scale_u32(r, row.len())] as usize)
                    };
                    if let Some(j) = j {
                        if member[j] == ctx.slot && member[j] != LEFT && !self.matched[j] && j != i {
                            self.matched[i] = true;
                            self.matched[j] = true;
                            self.pairs.push(i as u32);
                            self.pairs.push(j as u32);
                        }
                    }
                }
            }
        }
    }

    /// One round: gather the pairs' holdings, swap and scatter back, each in parallel (pairs
    /// are disjoint).
    fn round(&mut self, world: &mut World, need: &[f64], slot: u8) {
        let goods = world.goods;
        let keep_share = world.transfer_keep;
        let stock = &mut world.agents.stock;
        let pairs = &self.pairs;
        self.holdings.resize(pairs.len() * goods, 0.0);
        self.holdings.par_chunks_mut(goods).zip(pairs.par_iter()).for_each(|(h, &i)| {
            h.copy_from_slice(&stock[i as usize * goods..(i as usize + 1) * goods]);
        });
        let (keep, target) = (self.cfg.keep, self.cfg.stock_target);
        let parts: Vec<(u64, u64, u64, f64)> = self
            .holdings
            .par_chunks_mut(2 * goods * CHUNK)
            .map(|chunk| {
                let mut counts = (0u64, 0u64, 0u64, 0.0);
                for pair in chunk.chunks_exact_mut(2 * goods) {
                    let (a, b) = pair.split_at_mut(goods);
                    let (made, lost) = swap_all(a, b, need, keep, target, keep_share);
                    counts.0 += made;
                    counts.1 += 1;
                    counts.2 += (made > 0) as u64;
                    counts.3 += lost;
                }
                counts
            })
            .collect();
        let (mut swaps, mut meetings, mut coincidences, mut lost) = (0, 0, 0, 0.0);
        for p in &parts {
            (swaps, meetings, coincidences, lost) = (swaps + p.0, meetings + p.1, coincidences + p.2, lost + p.3);
        }
        let stock = Disjoint::new(stock);
        self.holdings.par_chunks(goods).zip(pairs.par_iter()).for_each(|(h, &i)| {
            // SAFETY: a matching names each agent once (`match_pairs`), so each row is written
            // by one task.
            unsafe { stock.slice(i as usize * goods, goods) }.copy_from_slice(h);
        });
        world.count_lost(slot, lost);
        self.swaps += swaps;
        self.meetings += meetings;
        self.coincidences += coincidences;
    }
}

/// Every swap between `a` and `b` (holdings per good) that both gain from: `a` gives a good it
/// holds above `keep` times need and `b` lacks, `b` gives back, one for one in units of need,
/// a good `a` lacks and `b` holds above `keep`. First toward needs, then toward `target` times
/// need. Each side receives `arrives` of what the other gives (the rest is lost on the way, as
/// in every regime). Returns the number of swaps and the units lost.
fn swap_all(a: &mut [f64], b: &mut [f64], need: &[f64], keep: f64, target: f64, arrives: f64) -> (u64, f64) {
    let goods = need.len();
    let mut swaps = 0;
    let mut lost = 0.0;
    for level in [1.0, target] {
        for g in 0..goods {
            for h in 0..goods {
                if g == h || need[g] <= 0.0 || need[h] <= 0.0 {
                    continue;
                }
                // In units of need: a's spare g, b's want of g, b's spare h, a's want of h.
                let spare = |x: &[f64], k: usize| (x[k] - keep * need[k]).max(0.0) / need[k];
                let want = |x: &[f64], k: usize| (level * need[k] - x[k]).max(0.0) / need[k];
                // Each side gives enough that what arrives closes the other's want.
                let q = (spare(a, g).min(want(b, g) / arrives)).min(spare(b, h).min(want(a, h) / arrives));
                if q > 1e-12 {
                    a[g] -= q * need[g];
                    b[g] += q * need[g] * arrives;
                    b[h] -= q * need[h];
                    a[h] += q * need[h] * arrives;
                    lost += q * (need[g] + need[h]) * (1.0 - arrives);
                    swaps += 1;
                }
            }
        }
    }
    (swaps, lost)
}

impl Regime for Barter {
    fn allocate(&mut self, world: &mut World, ctx: &Ctx) {
        let need = world.need.clone();
        (self.swaps, self.meetings, self.coincidences) = (0, 0, 0);
        for round in 0..self.cfg.rounds {
            self.match_pairs(world, ctx, round);
            self.round(world, &need, ctx.slot);
        }
        self.measured = true;
    }

    fn record(&mut self, out: &mut RegimeOut) {
        if std::mem::take(&mut self.measured) {
            out.set(&TRADES, self.swaps as f64);
            let rate = if self.meetings > 0 { self.coincidences as f64 / self.meetings as f64 } else { f64::NAN };
            out.set(&COINCIDENCE, rate);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swap_needs_a_double_coincidence_and_conserves_goods() {
        let need = [1.0, 1.0, 1.0];
        // a makes food, b makes energy: each lacks the other's good.
        let (mut a, mut b) = ([3.0, 0.0, 0.0], [0.0, 3.0, 0.0]);
        assert!(swap_all(&mut a, &mut b, &need, 1.0, 1.0, 1.0).0 > 0);
        assert_eq!((a, b), ([2.0, 1.0, 0.0], [1.0, 2.0, 0.0]));
        // c makes food too: a and c have nothing the other lacks.
        let (mut a, mut c) = ([3.0, 0.0, 0.0], [3.0, 0.0, 0.0]);
        assert_eq!(swap_all(&mut a, &mut c, &need, 1.0, 2.0, 1.0), (0, 0.0));
        // Totals per good never change.
        let (mut x, mut y) = ([5.0, 0.2, 1.7], [0.1, 4.0, 0.0]);
        let before: Vec<f64> = (0..3).map(|g| x[g] + y[g]).collect();
        swap_all(&mut x, &mut y, &need, 1.0, 2.0, 1.0);
        for g in 0..3 {
            assert!((x[g] + y[g] - before[g]).abs() < 1e-12);
        }
        // With a tenth lost on the way, each side gives enough that a need is closed, and what
        // was given is what arrived plus what was lost.
        let (mut a, mut b) = ([3.0, 0.0, 0.0], [0.0, 3.0, 0.0]);
        let (made, lost) = swap_all(&mut a, &mut b, &need, 1.0, 1.0, 0.9);
        assert!(made > 0);
        assert!((b[0] - 0.9 * (3.0 - a[0])).abs() < 1e-12 && (a[1] - 0.9 * (3.0 - b[1])).abs() < 1e-12);
        assert!((6.0 - a.iter().sum::<f64>() - b.iter().sum::<f64>() - lost).abs() < 1e-12);
    }
}
