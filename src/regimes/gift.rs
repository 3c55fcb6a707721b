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
//! Offers sit in a buffer beside the network's links; a recipient reads the offers made to it
//! through the reverse link, so giving and receiving both run in parallel over agents.

use super::pairing::Pairing;
use super::{Ctx, Property, Regime, RegimeInfo};
use crate::error::InputError;
use crate::metrics::{set, Metric};
use crate::rng::{unit_f64, Purpose, CHUNK};
use crate::scenario::validate::{at_least, count, positive, share};
use crate::scenario::{GiftConfig, GiftModel, PropertyKind, ScenarioFile};
use crate::world::network::{scale_u32, Network};
use crate::world::{Strategy, World};
use rand::Rng;
use rayon::prelude::*;

/// Registry entry.
pub const INFO: RegimeInfo = RegimeInfo {
    name: "gift",
    summary: "surplus given to needy neighbours, most needy first, with reputation (or the donation game)",
    validate,
    build: |cfg| Box::new(Gift::new(&cfg.gift)),
};

fn validate(f: &ScenarioFile) -> Result<(), InputError> {
    let g = &f.gift;
    at_least("gift.keep", g.keep, 0.0)?;
    share("gift.strangers", g.strangers)?;
    share("gift.observe", g.observe)?;
    share("gift.prior_good", g.prior_good)?;
    share("gift.reputation_step", g.reputation_step)?;
    at_least("gift.reciprocity", g.reciprocity, 0.0)?;
    count("gift.memory", g.memory, 0, 64, None)?;
    at_least("gift.cost", g.cost, 0.0)?;
    positive("gift.benefit", g.benefit)?;
    count("gift.encounters", g.encounters, 1, 64, None)?;
    Ok(())
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

/// The gift regime's state.
#[derive(Debug, Clone)]
pub struct Gift {
    cfg: GiftConfig,
    /// For link `e` from `i` to `j`, the position of the link from `j` to `i`.
    reverse: Vec<u32>,
    /// Offer along each link for the good being given.
    offer: Vec<f32>,
    strangers: Vec<StrangerOffer>,
    need: Vec<f64>,
    /// Offers received, then the share of them accepted.
    accept: Vec<f64>,
    /// The last `memory` donors of each agent (ring), `NO_DONOR` where empty.
    donors: Vec<u32>,
    donor_cursor: Vec<u8>,
    acts: Vec<u8>,
    pairing: Pairing,
    payoff: Vec<f32>,
}

impl Gift {
    /// A gift regime with the given settings.
    pub fn new(cfg: &GiftConfig) -> Gift {
        Gift {
            cfg: cfg.clone(),
            reverse: Vec::new(),
            offer: Vec::new(),
            strangers: Vec::new(),
            need: Vec::new(),
            accept: Vec::new(),
            donors: Vec::new(),
            donor_cursor: Vec::new(),
            acts: Vec::new(),
            pairing: Pairing::default(),
            payoff: Vec::new(),
        }
    }

    fn is_donor(&self, i: usize, j: u32) -> bool {
        let m = self.cfg.memory as usize;
        m > 0 && self.donors[i * m..(i + 1) * m].contains(&j)
    }

    /// One good given through the network.
    fn give_good(&mut self, world: &mut World, ctx: &Ctx, g: usize) -> (u64, f64) {
        let slot = ctx.slot;
        let goods = world.goods;
        let need_g = world.need[g];
        let surplus_above = self.cfg.keep * need_g;
        let net: &Network = &world.network;
        let a = &world.agents;
        // 1. Shortfalls, before anyone gives.
        self.need.par_iter_mut().enumerate().for_each(|(i, n)| {
            *n = if a.member[i] == slot { (need_g - a.stock[i * goods + g]).max(0.0) } else { 0.0 };
        });
        // 2. Offers, decided in parallel by givers over their own links.
        let mut offer_buf = std::mem::take(&mut self.offer);
        let mut offer_chunks: Vec<&mut [f32]> = Vec::new();
        {
            let mut rest: &mut [f32] = &mut offer_buf;
            let mut start = 0usize;
            for c in 0..world.len().div_ceil(CHUNK) {
                let end = net.row(((c + 1) * CHUNK).min(world.len()) - 1).end;
                let (head, tail) = rest.split_at_mut(end - start);
                offer_chunks.push(head);
                rest = tail;
                start = end;
            }
        }
        let this = &*self;
        let chunk_results: Vec<(Vec<StrangerOffer>, Vec<u8>)> = offer_chunks
            .into_par_iter()
            .enumerate()
            .map(|(c, offers)| {
                let mut rng = ctx.streams.rng(Purpose::Allocate, ((slot as u32) << 8) | g as u32, ctx.step, c);
                let base_edge = net.row(c * CHUNK).start;
                let mut strangers = Vec::new();
                let lo = c * CHUNK;
                let hi = ((c + 1) * CHUNK).min(a.len());
                let mut acts = vec![0u8; hi - lo];
                let mut candidates: Vec<(f64, u32, usize)> = Vec::new();
                for i in lo..hi {
                    let row = net.row(i);
                    offers[row.start - base_edge..row.end - base_edge].fill(0.0);
                    if a.member[i] != slot {
                        continue;
                    }
                    let surplus = a.stock[i * goods + g] - surplus_above;
                    if surplus <= 0.0 {
                        continue;
                    }
                    let strategy = a.strategy[i];
                    candidates.clear();
                    let mut snubbed_good = false;
                    let mut bits = BitSource::default();
                    let mut consider = |j: u32,
                                        link: usize,
                                        candidates: &mut Vec<(f64, u32, usize)>,
                                        rng: &mut rand_chacha::ChaCha8Rng| {
                        let ju = j as usize;
                        if a.member[ju] != slot || this.need[ju] <= 0.0 {
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
                            let weight = if this.is_donor(i, j) { 1.0 + this.cfg.reciprocity } else { 1.0 };
                            candidates.push((this.need[ju] * weight, j, link));
                        } else if good {
                            snubbed_good = true;
                        }
                    };
                    if net.is_complete() {
                        for _ in 0..COMPLETE_SAMPLE {
                            if let Some(j) = net.random_neighbour(i, rng.next_u32()) {
                                consider(j as u32, usize::MAX, &mut candidates, &mut rng);
                            }
                        }
                    } else {
                        for (e, &j) in row.clone().zip(net.neighbours(i)) {
                            consider(j, e - base_edge, &mut candidates, &mut rng);
                        }
                        if this.cfg.strangers > 0.0 && unit_f64(rng.next_u64()) < this.cfg.strangers {
                            let k = scale_u32(rng.next_u32(), a.len()) as u32;
                            if k as usize != i && net.neighbours(i).binary_search(&k).is_err() {
                                consider(k, usize::MAX, &mut candidates, &mut rng);
                            }
                        }
                    }
                    let chance = !candidates.is_empty() || snubbed_good;
                    // Most needy first (past donors weighted up); ties by agent number.
                    candidates.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
                    let mut left = surplus;
                    let mut gave = false;
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
                            offers[link] = amount;
                        }
                    }
                    acts[i - lo] =
                        (gave as u8 * GAVE) | ((snubbed_good && left > 0.0) as u8 * REFUSED) | (chance as u8 * CHANCE);
                }
                (strangers, acts)
            })
            .collect();
        self.offer = offer_buf;
        self.strangers.clear();
        for (c, (s, acts)) in chunk_results.into_iter().enumerate() {
            self.strangers.extend(s);
            for (k, f) in acts.into_iter().enumerate() {
                self.acts[c * CHUNK + k] |= f;
            }
        }
        // 3. What each recipient was offered, then the share it accepts.
        let (offer, reverse) = (&self.offer, &self.reverse);
        let need = &self.need;
        self.accept.par_iter_mut().enumerate().for_each(|(j, acc)| {
            // Agents without a shortfall accept nothing, whatever they are offered.
            *acc = if need[j] > 0.0 { net.row(j).map(|e| offer[reverse[e] as usize] as f64).sum() } else { 0.0 };
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
            .enumerate()
            .map(|(c, stock)| {
                let (mut gifts, mut volume) = (0u64, 0.0);
                for k in 0..stock.len() / goods {
                    let i = c * CHUNK + k;
                    // Only agents with a surplus made offers (stocks have not moved since).
                    if stock[k * goods + g] - surplus_above <= 0.0 {
                        continue;
                    }
                    let mut out = 0.0;
                    for (e, &j) in net.row(i).zip(net.neighbours(i)) {
                        if offer[e] > 0.0 && accept[j as usize] > 0.0 {
                            out += offer[e] as f64 * accept[j as usize];
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
        (
            a.stock.par_chunks_mut(CHUNK * goods),
            self.donors.par_chunks_mut(CHUNK * memory),
            self.donor_cursor.par_chunks_mut(CHUNK),
        )
            .into_par_iter()
            .enumerate()
            .for_each(|(c, (stock, donors, cursor))| {
                for k in 0..stock.len() / goods {
                    let j = c * CHUNK + k;
                    if accept[j] <= 0.0 {
                        continue;
                    }
                    let mut inflow = 0.0;
                    for (e, &i) in net.row(j).zip(net.neighbours(j)) {
                        let o = offer[reverse[e] as usize];
                        if o > 0.0 && accept[j] > 0.0 {
                            inflow += o as f64 * accept[j];
                            if remember {
                                donors[k * memory + cursor[k] as usize % memory] = i;
                                cursor[k] = ((cursor[k] as usize + 1) % memory) as u8;
                            }
                        }
                    }
                    stock[k * goods + g] += inflow;
                }
            });
        let (mut gifts, mut volume) = given.iter().fold((0u64, 0.0), |acc, x| (acc.0 + x.0, acc.1 + x.1));
        // Strangers' gifts, in a fixed order.
        for s in &self.strangers {
            let (i, j) = (s.giver as usize, s.recipient as usize);
            let v = s.amount as f64 * accept[j];
            if v > 0.0 {
                a.stock[i * goods + g] -= v;
                a.stock[j * goods + g] += v;
                gifts += 1;
                volume += v;
                if remember {
                    let cur = self.donor_cursor[j] as usize;
                    self.donors[j * memory + cur % memory] = s.giver;
                    self.donor_cursor[j] = ((cur + 1) % memory) as u8;
                }
            }
        }
        (gifts, volume)
    }

    /// Observed acts move reputations: giving toward 1, refusing someone in good standing
    /// toward 0 (image scoring with standing).
    fn update_reputation(&mut self, world: &mut World, ctx: &Ctx, sub: u32) -> (u64, u64) {
        let (observe, step_size) = (self.cfg.observe, self.cfg.reputation_step as f32);
        let slot = ctx.slot;
        let a = &mut world.agents;
        let acts = &self.acts;
        (a.reputation.par_chunks_mut(CHUNK), a.member.par_chunks(CHUNK))
            .into_par_iter()
            .enumerate()
            .map(|(c, (rep, member))| {
                let mut rng = ctx.streams.rng(Purpose::Allocate, sub, ctx.step, c);
                let (mut gave, mut chances) = (0u64, 0u64);
                for k in 0..rep.len() {
                    let seen = unit_f64(rng.next_u64()) < observe;
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

    fn network(&mut self, world: &mut World, ctx: &Ctx, row: &mut [f64]) {
        self.acts.iter_mut().for_each(|f| *f = 0);
        let (mut gifts, mut volume) = (0u64, 0.0);
        for g in 0..world.goods {
            let (k, v) = self.give_good(world, ctx, g);
            gifts += k;
            volume += v;
        }
        let (gave, chances) = self.update_reputation(world, ctx, ((ctx.slot as u32) << 8) | 0xFF);
        set(row, Metric::Gifts, gifts as f64);
        set(row, Metric::GiftVolume, volume);
        set(row, Metric::CooperationRate, if chances > 0 { gave as f64 / chances as f64 } else { f64::NAN });
    }

    /// The donation game: `encounters` rounds of random pairs; in each pair each is donor to
    /// the other and may pay `cost` to give `benefit`. Payoffs become the wellbeing agents
    /// compare when they imitate.
    fn donation(&mut self, world: &mut World, ctx: &Ctx, row: &mut [f64]) {
        let cfg = self.cfg.clone();
        self.payoff.iter_mut().for_each(|p| *p = 0.0);
        let (mut gave_total, mut chances) = (0u64, 0u64);
        for round in 0..cfg.encounters {
            let order = self.pairing.draw(world, ctx.slot, ctx.streams, ctx.step * 64 + round).to_vec();
            let a = &world.agents;
            // Decide in parallel from this round's reputations; apply in pair order.
            let decisions: Vec<u8> = order
                .par_chunks(2 * CHUNK)
                .enumerate()
                .flat_map_iter(|(c, chunk)| {
                    let mut rng = ctx.streams.rng(Purpose::Allocate, 2000 + ctx.slot as u32, ctx.step * 64 + round, c);
                    let mut out = Vec::with_capacity(chunk.len() / 2);
                    for pair in chunk.chunks_exact(2) {
                        let mut flags = 0u8;
                        for (side, (donor, recipient)) in
                            [(pair[0], pair[1]), (pair[1], pair[0])].into_iter().enumerate()
                        {
                            let r = rng.next_u64();
                            let knows = unit_f64(r) < cfg.observe;
                            let seen = ((r >> 8) as u32 as f64 / 4_294_967_296.0) < cfg.observe;
                            let prior = (r as u8 as f64 / 256.0) < cfg.prior_good;
                            let good = a.reputation[recipient as usize] >= GOOD_STANDING;
                            let gives = match a.strategy[donor as usize] {
                                Strategy::Cooperator => true,
                                Strategy::FreeRider => false,
                                Strategy::Reciprocator => {
                                    if knows {
                                        good
                                    } else {
                                        prior
                                    }
                                }
                            };
                            // bit 0: gives; bit 1: refused someone in good standing; bit 2: seen.
                            let f = gives as u8 | ((!gives && good) as u8) << 1 | (seen as u8) << 2;
                            flags |= f << (4 * side);
                        }
                        out.push(flags);
                    }
                    out
                })
                .collect();
            let step_size = cfg.reputation_step as f32;
            let a = &mut world.agents;
            for (pair, flags) in order.chunks_exact(2).zip(decisions) {
                for (side, (donor, recipient)) in [(pair[0], pair[1]), (pair[1], pair[0])].into_iter().enumerate() {
                    let f = flags >> (4 * side);
                    let (d, r) = (donor as usize, recipient as usize);
                    chances += 1;
                    if f & 1 != 0 {
                        gave_total += 1;
                        self.payoff[d] -= cfg.cost as f32;
                        self.payoff[r] += cfg.benefit as f32;
                        if f & 4 != 0 {
                            a.reputation[d] += step_size * (1.0 - a.reputation[d]);
                        }
                    } else if f & 2 != 0 && f & 4 != 0 {
                        a.reputation[d] *= 1.0 - step_size;
                    }
                }
            }
        }
        // Imitation compares payoffs per encounter.
        let a = &mut world.agents;
        let mut sum = 0.0;
        let mut members = 0usize;
        for i in 0..a.len() {
            if a.member[i] == ctx.slot {
                let p = self.payoff[i] / cfg.encounters as f32;
                a.wellbeing[i] = p;
                sum += p as f64;
                members += 1;
            }
        }
        set(row, Metric::Gifts, gave_total as f64);
        set(row, Metric::CooperationRate, if chances > 0 { gave_total as f64 / chances as f64 } else { f64::NAN });
        if members > 0 {
            set(row, Metric::WellbeingMean, sum / members as f64);
        }
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

/// For every stored link `i -> j`, the position of `j -> i` (rows are sorted and links
/// symmetric, so a binary search finds it).
pub fn reverse_links(net: &Network) -> Vec<u32> {
    let mut rev = vec![0u32; net.targets().len()];
    rev.par_chunks_mut(CHUNK).enumerate().for_each(|(c, out)| {
        let base = c * CHUNK;
        for (k, r) in out.iter_mut().enumerate() {
            let e = base + k;
            let owner = owner_of(net, e);
            let j = net.targets()[e] as usize;
            let pos = net.neighbours(j).binary_search(&(owner as u32)).unwrap_or(0);
            *r = (net.row(j).start + pos) as u32;
        }
    });
    rev
}

/// The agent whose row holds link `e`.
fn owner_of(net: &Network, e: usize) -> usize {
    // Rows are contiguous and in agent order: binary search on row starts.
    let (mut lo, mut hi) = (0usize, net.len());
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if net.row(mid).start <= e {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

impl Regime for Gift {
    fn name(&self) -> &'static str {
        "gift"
    }

    fn material(&self) -> bool {
        self.cfg.model == GiftModel::Network
    }

    fn property(&self) -> Property {
        match self.cfg.property {
            PropertyKind::Open => Property::Open,
            PropertyKind::Proprietary => Property::Proprietary,
        }
    }

    fn init(&mut self, world: &mut World, _ctx: &Ctx) {
        let n = world.len();
        self.acts = vec![0; n];
        match self.cfg.model {
            GiftModel::Network => {
                self.reverse = reverse_links(&world.network);
                self.offer = vec![0.0; world.network.targets().len()];
                self.need = vec![0.0; n];
                self.accept = vec![0.0; n];
                // At least one slot per agent, so donor rows line up with agents even without memory.
                let memory = (self.cfg.memory as usize).max(1);
                self.donors = vec![NO_DONOR; n * memory];
                self.donor_cursor = vec![0; n];
            }
            GiftModel::Donation => self.payoff = vec![0.0; n],
        }
    }

    fn allocate(&mut self, world: &mut World, ctx: &Ctx, row: &mut [f64]) {
        match self.cfg.model {
            GiftModel::Network => self.network(world, ctx, row),
            GiftModel::Donation => self.donation(world, ctx, row),
        }
        let a = &world.agents;
        let (sum, members) = (0..a.len())
            .filter(|&i| a.member[i] == ctx.slot)
            .fold((0.0, 0usize), |(s, m), i| (s + a.reputation[i] as f64, m + 1));
        if members > 0 {
            set(row, Metric::ReputationMean, sum / members as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::NetworkSpec;
    use rand::SeedableRng;

    #[test]
    fn reverse_links_point_back() {
        let spec = NetworkSpec::SmallWorld { degree: 6, rewire: 0.3 };
        let net = Network::build(&spec, 3000, &mut rand_chacha::ChaCha8Rng::seed_from_u64(4));
        let rev = reverse_links(&net);
        for i in 0..net.len() {
            for (e, &j) in net.row(i).zip(net.neighbours(i)) {
                let back = rev[e] as usize;
                assert_eq!(net.targets()[back] as usize, i);
                assert!(net.row(j as usize).contains(&back));
                assert_eq!(rev[back] as usize, e);
            }
        }
    }
}
