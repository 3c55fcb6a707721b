//! The gift economy: surplus given through the social network to those in need, most needy
//! first, with reputation by image scoring (Nowak and Sigmund 1998) and, optionally, Mauss's
//! obligation to return; and the pure donation game of indirect reciprocity for validation.
//!
//! Per good, per step (network model):
//! 1. every member's shortfall `need_j = max(0, n - x_j)` is read from the state before giving;
//! 2. every member holding more than `keep` times its need offers its surplus to the needy
//!    neighbours it is willing to give to, most needy first, each up to its shortfall
//!    (cooperators give to anyone in need; reciprocators to those whose reputation they see as
//!    good, or, not seeing it, with probability `prior_good`; free riders never give);
//! 3. a recipient offered more than it needs accepts the same share of every offer;
//! 4. goods move. They are moved, never created: the giver loses what the recipient gains.
//!
//! Offers are sparse: each chunk of givers lists the offers it makes (most agents make none on
//! most links), in giver order and, per giver, in link order; the lists are then grouped by
//! recipient (a stable counting sort), so giving and receiving both run in parallel over agents
//! and add in the order the network's rows would give, without a pass over every link.

mod config;
mod donation;

pub use config::{Assessment, GiftConfig, GiftModel};

use super::pairing::Pairing;
use super::{Ctx, Regime, RegimeInfo};
use crate::metrics::{MetricDef, RegimeOut};
use crate::rng::{unit_f64, CHUNK};
use crate::world::network::{scale_u32, Network};
use crate::world::{Strategy, World};
use rand::Rng;
use rayon::prelude::*;

/// Gifts made this step.
pub const GIFTS: MetricDef = MetricDef::new("gifts", "count", "gifts made this step");
/// Units given this step.
pub const GIFT_VOLUME: MetricDef = MetricDef::new("gift_volume", "units", "units of goods given this step");
/// Mean reputation of members.
pub const REPUTATION_MEAN: MetricDef = MetricDef::new("reputation_mean", "share", "mean reputation of members");
/// Share of chances to give that were taken.
pub const COOPERATION_RATE: MetricDef = MetricDef::new(
    "cooperation_rate",
    "share",
    "share of chances to give (a needy neighbour, a donation encounter) that were taken",
)
.higher();

/// Registry entry.
pub const INFO: RegimeInfo = RegimeInfo {
    name: "gift",
    summary: "surplus given to needy neighbours, most needy first, with reputation (or the donation game)",
    table: Some("gift"),
    configure: super::configure::<GiftConfig>,
    metrics: &[GIFTS, GIFT_VOLUME, REPUTATION_MEAN, COOPERATION_RATE],
    examples: &[
        ("network", ""),
        ("strangers", "gift.strangers = 0.2\ngift.reciprocity = 1.0\nknowledge.property = \"proprietary\""),
        ("donation", "gift.model = \"donation\""),
    ],
    controls: &[],
};

/// What one step measured, until recorded.
#[derive(Debug, Clone, Copy)]
struct Measured {
    gifts: f64,
    volume: f64,
    cooperation: f64,
    reputation: f64,
}

impl Default for Measured {
    fn default() -> Self {
        Measured { gifts: f64::NAN, volume: f64::NAN, cooperation: f64::NAN, reputation: f64::NAN }
    }
}

/// The gift regime's random streams.
#[repr(u8)]
pub(super) enum Stream {
    /// Whom givers consider, and what reciprocators see (index: the good).
    Giving,
    /// Which acts are observed.
    Reputation,
    /// The donation game's pairs (index: the round).
    Matching,
    /// The donation game's decisions (index: the round).
    Donation,
}

/// A reputation at or above this is good standing.
pub const GOOD_STANDING: f32 = 0.5;

/// Random candidates a giver meets per step on the complete network, which stores no links.
pub const COMPLETE_SAMPLE: usize = 8;

const GAVE: u8 = 1;
const REFUSED: u8 = 2;
const CHANCE: u8 = 4;
const NO_DONOR: u32 = u32::MAX;

/// An offer to a recipient found outside the stored links (a stranger).
#[derive(Debug, Clone, Copy)]
struct StrangerOffer {
    giver: u32,
    recipient: u32,
    amount: f32,
}

/// An offer along a stored link.
#[derive(Debug, Clone, Copy)]
struct LinkOffer {
    giver: u32,
    recipient: u32,
    amount: f32,
}

/// The gift regime's state.
#[derive(Debug, Clone)]
pub struct Gift {
    cfg: GiftConfig,
    /// Offers along links for the good being given, one list per chunk of givers (in giver
    /// order, each giver's in link order).
    offers: Vec<Vec<LinkOffer>>,
    /// The same offers grouped by recipient: recipient `j`'s are
    /// `received[received_start[j]..received_start[j + 1]]`, as (giver, amount) in giver order.
    received_start: Vec<u32>,
    received_next: Vec<u32>,
    received: Vec<(u32, f32)>,
    strangers: Vec<StrangerOffer>,
    need: Vec<f64>,
    /// One bit per agent: whether its `need` is positive. Givers probe this first: at one bit
    /// an agent it stays in cache where the `f64` shortfalls of a large world do not, and most
    /// neighbours probed (makers of the good, and everyone after the first round) need nothing.
    short: Vec<u64>,
    /// Offers received, then the share of them accepted.
    accept: Vec<f64>,
    /// The last `memory` donors of each agent (ring), `NO_DONOR` where empty.
    donors: Vec<u32>,
    donor_cursor: Vec<u8>,
    acts: Vec<u8>,
    pairing: Pairing,
    payoff: Vec<f32>,
    measured: Measured,
}

impl Gift {
    /// A gift regime with the given settings.
    pub fn new(cfg: &GiftConfig) -> Gift {
        Gift {
            cfg: cfg.clone(),
            offers: Vec::new(),
            received_start: Vec::new(),
            received_next: Vec::new(),
            received: Vec::new(),
            strangers: Vec::new(),
            need: Vec::new(),
            short: Vec::new(),
            accept: Vec::new(),
            donors: Vec::new(),
            donor_cursor: Vec::new(),
            acts: Vec::new(),
            pairing: Pairing::default(),
            payoff: Vec::new(),
            measured: Measured::default(),
        }
    }

    fn is_donor(&self, i: usize, j: u32) -> bool {
        let m = self.cfg.memory as usize;
        m > 0 && self.donors[i * m..(i + 1) * m].contains(&j)
    }

    /// One good given through the network.
    fn give_good(&mut self, world: &mut World, ctx: &Ctx, g: usize, round: usize) -> (u64, f64) {
        let slot = ctx.slot;
        let goods = world.goods;
        let need_g = world.need[g];
        let surplus_above = self.cfg.keep * need_g;
        let net: &Network = &world.network;
        let a = &world.agents;
        // 1. Shortfalls, before anyone gives.
        self.need.par_chunks_mut(64).zip(self.short.par_iter_mut()).enumerate().for_each(|(w, (need, bits))| {
            let mut b = 0u64;
            for (k, n) in need.iter_mut().enumerate() {
                let i = w * 64 + k;
                *n = if a.member[i] == slot { (need_g - a.stock[i * goods + g]).max(0.0) } else { 0.0 };
                b |= ((*n > 0.0) as u64) << k;
            }
            *bits = b;
        });
        // 2. Offers, decided in parallel by givers over their own links.
        let mut lists = std::mem::take(&mut self.offers);
        lists.resize_with(world.len().div_ceil(CHUNK), Vec::new);
        // Each chunk of givers marks its own acts in place.
        let mut all_acts = std::mem::take(&mut self.acts);
        let this = &*self;
        // Without reciprocity past donors weigh like anyone: no need to look them up.
        let reciprocity = this.cfg.reciprocity != 0.0;
        let chunk_strangers: Vec<Vec<StrangerOffer>> = lists
            .par_iter_mut()
            .zip(all_acts.par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(c, (offers, acts))| {
                offers.clear();
                let mut rng = ctx.rng(Stream::Giving as u8, (round * goods + g) as u32, c);
                let mut strangers = Vec::new();
                let lo = c * CHUNK;
                let hi = ((c + 1) * CHUNK).min(a.len());
                let mut candidates: Vec<(f64, u32, usize)> = Vec::new();
                for i in lo..hi {
                    if a.member[i] != slot {
                        continue;
                    }
                    let surplus = a.stock[i * goods + g] - surplus_above;
                    if surplus <= 0.0 {
                        continue;
                    }
                    let strategy = a.strategy[i];
                    candidates.clear();
                    let (mut snubbed_good, mut snubbed_any) = (false, false);
                    let mut bits = BitSource::default();
                    let mut consider = |j: u32,
                                        link: usize,
                                        candidates: &mut Vec<(f64, u32, usize)>,
                                        rng: &mut rand_chacha::ChaCha8Rng| {
                        let ju = j as usize;
                        // Non-members have no shortfall (step 1), so one bit tells both.
                        if (this.short[ju >> 6] >> (ju & 63)) & 1 == 0 {
                            return;
                        }
                        let good = a.reputation[ju] >= GOOD_STANDING;
                        let willing = match strategy {
                            Strategy::Cooperator => true,
                            Strategy::FreeRider => false,
                            Strategy::Reciprocator => {
                                if bits.unit(rng) < this.cfg.observe {
                                    good
                                } else {
                                    bits.unit(rng) < this.cfg.prior_good
                                }
                            }
                        };
                        if willing {
                            let weight =
                                if reciprocity && this.is_donor(i, j) { 1.0 + this.cfg.reciprocity } else { 1.0 };
                            candidates.push((this.need[ju] * weight, j, link));
                        } else {
                            snubbed_any = true;
                            snubbed_good |= good;
                        }
                    };
                    if net.is_complete() {
                        for _ in 0..COMPLETE_SAMPLE {
                            if let Some(j) = net.random_neighbour(i, rng.next_u32()) {
                                consider(j as u32, usize::MAX, &mut candidates, &mut rng);
                            }
                        }
                    } else {
                        for &j in net.neighbours(i) {
                            consider(j, 0, &mut candidates, &mut rng);
                        }
                        if this.cfg.strangers > 0.0 && unit_f64(rng.next_u64()) < this.cfg.strangers {
                            let k = scale_u32(rng.next_u32(), a.len()) as u32;
                            if k as usize != i && net.neighbours(i).binary_search(&k).is_err() {
                                consider(k, usize::MAX, &mut candidates, &mut rng);
                            }
                        }
                    }
                    let chance = !candidates.is_empty() || snubbed_any;
                    // The refusal others judge: of anyone (image scoring), or of someone in good
                    // standing only (standing).
                    let snubbed = match this.cfg.assessment {
                        Assessment::ImageScoring => snubbed_any,
                        Assessment::Standing => snubbed_good,
                    };
                    // Most needy first (past donors weighted up); ties by agent number.
                    candidates.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
                    let mut left = surplus;
                    let mut gave = false;
                    let first = offers.len();
                    for &(_, j, link) in candidates.iter() {
                        if left <= 0.0 {
                            break;
                        }
                        let amount = this.need[j as usize].min(left) as f32;
                        if amount <= 0.0 {
                            continue;
                        }
                        left -= amount as f64;
                        gave = true;
                        if link == usize::MAX {
                            strangers.push(StrangerOffer { giver: i as u32, recipient: j, amount });
                        } else {
                            offers.push(LinkOffer { giver: i as u32, recipient: j, amount });
                        }
                    }
                    // Link order (rows are sorted and free of duplicates), as the sums below need.
                    offers[first..].sort_unstable_by_key(|o| o.recipient);
                    acts[i - lo] |=
                        (gave as u8 * GAVE) | ((snubbed && left > 0.0) as u8 * REFUSED) | (chance as u8 * CHANCE);
                }
                strangers
            })
            .collect();
        self.acts = all_acts;
        self.strangers.clear();
        for s in chunk_strangers {
            self.strangers.extend(s);
        }
        // 3. The offers grouped by recipient (stable: giver order, which is the order of the
        // recipient's row), what each recipient was offered, then the share it accepts.
        let n = world.len();
        let start = &mut self.received_start;
        start.clear();
        start.resize(n + 1, 0);
        for o in lists.iter().flatten() {
            start[o.recipient as usize + 1] += 1;
        }
        for j in 0..n {
            start[j + 1] += start[j];
        }
        self.received.resize(start[n] as usize, (0, 0.0));
        self.received_next.clear();
        self.received_next.extend_from_slice(&start[..n]);
        for o in lists.iter().flatten() {
            let at = &mut self.received_next[o.recipient as usize];
            self.received[*at as usize] = (o.giver, o.amount);
            *at += 1;
        }
        let (start, received) = (&self.received_start, &self.received);
        let need = &self.need;
        self.accept.par_iter_mut().enumerate().for_each(|(j, acc)| {
            // Agents without a shortfall accept nothing, whatever they are offered.
            let offered = &received[start[j] as usize..start[j + 1] as usize];
            *acc = if need[j] > 0.0 { offered.iter().fold(0.0, |s, &(_, o)| s + o as f64) } else { 0.0 };
        });
        for s in &self.strangers {
            self.accept[s.recipient as usize] += s.amount as f64;
        }
        self.accept.par_iter_mut().enumerate().for_each(|(j, acc)| {
            *acc = if *acc > 0.0 { (need[j] / *acc).min(1.0) } else { 0.0 };
        });
        // 4. Goods move: givers lose, recipients gain, both from the same offers and shares.
        let accept = &self.accept;
        let a = &mut world.agents;
        let given: Vec<(u64, f64)> = a
            .stock
            .par_chunks_mut(CHUNK * goods)
            .zip(lists.par_iter())
            .enumerate()
            .map(|(c, (stock, offers))| {
                let (mut gifts, mut volume) = (0u64, 0.0);
                // Each giver's offers are consecutive, in link order.
                for by_giver in offers.chunk_by(|x, y| x.giver == y.giver) {
                    let k = by_giver[0].giver as usize - c * CHUNK;
                    let mut out = 0.0;
                    for o in by_giver {
                        let share = accept[o.recipient as usize];
                        if share > 0.0 {
                            out += o.amount as f64 * share;
                            gifts += 1;
                        }
                    }
                    stock[k * goods + g] -= out;
                    volume += out;
                }
                (gifts, volume)
            })
            .collect();
        let remember = self.cfg.memory > 0;
        let memory = (self.cfg.memory as usize).max(1);
        // What a recipient receives of a gift (the rest is lost on the way, in every regime).
        let keep = world.transfer_keep;
        let mut lost: f64 = (
            a.stock.par_chunks_mut(CHUNK * goods),
            self.donors.par_chunks_mut(CHUNK * memory),
            self.donor_cursor.par_chunks_mut(CHUNK),
        )
            .into_par_iter()
            .enumerate()
            .map(|(c, (stock, donors, cursor))| {
                let mut lost = 0.0;
                for k in 0..stock.len() / goods {
                    let j = c * CHUNK + k;
                    if accept[j] <= 0.0 {
                        continue;
                    }
                    let mut inflow = 0.0;
                    for &(i, o) in &received[start[j] as usize..start[j + 1] as usize] {
                        if o > 0.0 && accept[j] > 0.0 {
                            inflow += o as f64 * accept[j];
                            if remember {
                                donors[k * memory + cursor[k] as usize % memory] = i;
                                cursor[k] = ((cursor[k] as usize + 1) % memory) as u8;
                            }
                        }
                    }
                    stock[k * goods + g] += inflow * keep;
                    lost += inflow * (1.0 - keep);
                }
                lost
            })
            .collect::<Vec<f64>>()
            .iter()
            .sum();
        self.offers = lists;
        let (mut gifts, mut volume) = given.iter().fold((0u64, 0.0), |acc, x| (acc.0 + x.0, acc.1 + x.1));
        // Strangers' gifts, in a fixed order.
        for s in &self.strangers {
            let (i, j) = (s.giver as usize, s.recipient as usize);
            let v = s.amount as f64 * accept[j];
            if v > 0.0 {
                a.stock[i * goods + g] -= v;
                a.stock[j * goods + g] += v * keep;
                lost += v * (1.0 - keep);
                gifts += 1;
                volume += v;
                if remember {
                    let cur = self.donor_cursor[j] as usize;
                    self.donors[j * memory + cur % memory] = s.giver;
                    self.donor_cursor[j] = ((cur + 1) % memory) as u8;
                }
            }
        }
        world.count_lost(ctx.slot, lost);
        (gifts, volume)
    }

    /// Observed acts move reputations: giving toward 1, refusing someone in good standing
    /// toward 0 (image scoring with standing).
    fn update_reputation(&mut self, world: &mut World, ctx: &Ctx) -> (u64, u64) {
        let (witness, step_size) = (self.cfg.witness, self.cfg.reputation_step as f32);
        let slot = ctx.slot;
        let a = &mut world.agents;
        let acts = &self.acts;
        (a.reputation.par_chunks_mut(CHUNK), a.member.par_chunks(CHUNK))
            .into_par_iter()
            .enumerate()
            .map(|(c, (rep, member))| {
                let mut rng = ctx.rng(Stream::Reputation as u8, 0, c);
                let (mut gave, mut chances) = (0u64, 0u64);
                for k in 0..rep.len() {
                    let seen = unit_f64(rng.next_u64()) < witness;
                    if member[k] != slot {
                        continue;
                    }
                    let f = acts[c * CHUNK + k];
                    gave += (f & GAVE != 0) as u64;
                    chances += (f & CHANCE != 0) as u64;
                    if !seen {
                        continue;
                    }
                    if f & GAVE != 0 {
                        rep[k] += step_size * (1.0 - rep[k]);
                    } else if f & REFUSED != 0 {
                        rep[k] *= 1.0 - step_size;
                    }
                }
                (gave, chances)
            })
            .reduce(|| (0, 0), |x, y| (x.0 + y.0, x.1 + y.1))
    }

    fn network(&mut self, world: &mut World, ctx: &Ctx) {
        self.acts.iter_mut().for_each(|f| *f = 0);
        let (mut gifts, mut volume) = (0u64, 0.0);
        // Round after round, surplus refused or not reached is offered again to the
        // shortfalls that remain; a round that moves nothing ends the step's giving.
        for round in 0..self.cfg.rounds as usize {
            let before = gifts;
            for g in 0..world.goods {
                let (k, v) = self.give_good(world, ctx, g, round);
                gifts += k;
                volume += v;
            }
            if gifts == before {
                break;
            }
        }
        let (gave, chances) = self.update_reputation(world, ctx);
        self.measured.gifts = gifts as f64;
        self.measured.volume = volume;
        self.measured.cooperation = if chances > 0 { gave as f64 / chances as f64 } else { f64::NAN };
    }
}

/// Cheap uniform numbers: four 16-bit draws from each 64-bit number.
#[derive(Default)]
struct BitSource {
    bits: u64,
    left: u32,
}

impl BitSource {
    fn unit(&mut self, rng: &mut impl Rng) -> f64 {
        if self.left == 0 {
            self.bits = rng.next_u64();
            self.left = 4;
        }
        let x = (self.bits & 0xFFFF) as f64 / 65_536.0;
        self.bits >>= 16;
        self.left -= 1;
        x
    }
}

impl Regime for Gift {
    fn init(&mut self, world: &mut World, _ctx: &Ctx) {
        let n = world.len();
        self.acts = vec![0; n];
        match self.cfg.model {
            GiftModel::Network => {
                self.need = vec![0.0; n];
                self.short = vec![0; n.div_ceil(64)];
                self.accept = vec![0.0; n];
                // At least one slot per agent, so donor rows line up with agents even without memory.
                let memory = (self.cfg.memory as usize).max(1);
                self.donors = vec![NO_DONOR; n * memory];
                self.donor_cursor = vec![0; n];
            }
            GiftModel::Donation => self.payoff = vec![0.0; n],
        }
    }

    fn allocate(&mut self, world: &mut World, ctx: &Ctx) {
        match self.cfg.model {
            GiftModel::Network => self.network(world, ctx),
            GiftModel::Donation => self.donation(world, ctx),
        }
        let a = &world.agents;
        let (sum, members) = (0..a.len())
            .filter(|&i| a.member[i] == ctx.slot)
            .fold((0.0, 0usize), |(s, m), i| (s + a.reputation[i] as f64, m + 1));
        if members > 0 {
            self.measured.reputation = sum / members as f64;
        }
    }

    fn record(&mut self, out: &mut RegimeOut) {
        let m = std::mem::take(&mut self.measured);
        out.set(&GIFTS, m.gifts);
        out.set(&GIFT_VOLUME, m.volume);
        out.set(&COOPERATION_RATE, m.cooperation);
        out.set(&REPUTATION_MEAN, m.reputation);
    }
}
