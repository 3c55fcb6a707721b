//! Governance of the common-pool resource, the same for every regime of a world
//! (`[resource] governance`): open access, a quota set by an outside authority, or Ostrom's
//! rules in communities. The engine runs it around production, whatever the regimes then do
//! with the goods:
//!
//! - [`Governance::limit`] (phase 1, before the harvest): the total quota (the maximum
//!   sustainable yield, or a share of current regrowth) is divided among the governed
//!   producers (members of every goods regime), each community's part in proportion to its
//!   members and split equally among its members in good standing. Cooperators and
//!   reciprocators keep to their share; free riders take what their production calls for,
//!   unless the monitors see them (probability `monitor`): then they are held to their share
//!   and sanctioned by degrees (`sanctions`). Under `ostrom` each community of
//!   `community_size` producers governs itself: after `exclude_after` offences a member is
//!   excluded from the resource for `exclude_for` steps, and every `vote_every` steps the
//!   community votes on its own quota (contributors vote to cut it while the stock is below
//!   half its capacity, the stock of maximum sustainable yield, and to raise it above; free
//!   riders always vote to raise it), within [`VOTE_RANGE`] of the base quota. Under `quota`
//!   an outside authority governs each regime's members as one community: no vote, no
//!   exclusion.
//! - [`Governance::settle`] (phase 1, after the harvest): monitoring and enforcement use up
//!   the share `monitoring_cost` of every governed producer's output (consumed by the
//!   monitors); fines are taken from the sanctioned producers' output and shared equally
//!   among the members in good standing of their community (none is taken from a community
//!   with no other such member).

use super::{Agents, Ledger, Resource, LEFT};
use crate::rng::{stream, unit_f64, Key, Purpose, Streams, CHUNK};
use crate::scenario::{self, Quota, ResourceConfig};
use crate::world::Strategy;
use rand::Rng;
use rayon::prelude::*;

/// Multipliers of the base quota a community's vote can reach: from a twentieth of it up to a
/// quarter above it. Above the stock of maximum sustainable yield a harvest above that yield
/// draws the stock down toward it, which is why contributors vote for one; allowed up to twice
/// the yield, a quota voted up while the stock was high could not be cut back in time once it
/// fell (the tragedy scenario's Ostrom-governed commons lost its resource), and capped at the
/// yield itself the vote never acted where the quota kept the stock high.
pub const VOTE_RANGE: (f64, f64) = (0.05, 1.25);

/// The community of an agent that is not governed (not a member of a goods regime, or gone).
const NONE: u32 = u32::MAX;

/// What governance measured in one step, per regime slot.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measured {
    /// Sanctions imposed.
    pub sanctions: f64,
    /// Governed members excluded from the resource.
    pub excluded: f64,
    /// Governed members.
    pub members: f64,
    /// Units of goods monitoring and enforcement used up.
    pub monitoring: f64,
    /// Sum over members of their community's vote multiplier (for the mean).
    pub quota_factor: f64,
}

/// The governance rules of a world and what it remembers of each producer.
#[derive(Debug, Clone)]
pub struct Governance {
    cfg: ResourceConfig,
    /// Offences on each agent's record.
    offences: Vec<u8>,
    /// Step at which each agent's exclusion ends (0 = not excluded, `u64::MAX` = for good).
    excluded_until: Vec<u64>,
    /// Share of this step's output each sanctioned agent forfeits.
    fine: Vec<f32>,
    /// Each agent's community this step ([`NONE`] if not governed).
    community: Vec<u32>,
    /// Each community's regime slot.
    community_slot: Vec<u8>,
    /// The quota multiplier each community has voted for.
    quota_factor: Vec<f64>,
    /// Per community: members, and members in good standing (in a vote: votes to cut, to raise).
    tally: Vec<(usize, usize)>,
    /// Per community: its quota per member in good standing.
    share: Vec<f64>,
    /// Per community and good: fines to share out.
    fines: Vec<f64>,
    /// What this step measured, per slot.
    measured: Vec<Measured>,
}

impl Governance {
    /// The governance of a world of `n` agents under `cfg`.
    pub fn new(cfg: &ResourceConfig, n: usize) -> Governance {
        let governed = cfg.governance != scenario::Governance::OpenAccess;
        let per_agent = if governed { n } else { 0 };
        Governance {
            cfg: cfg.clone(),
            offences: vec![0; per_agent],
            excluded_until: vec![0; per_agent],
            fine: vec![0.0; per_agent],
            community: Vec::new(),
            community_slot: Vec::new(),
            quota_factor: Vec::new(),
            tally: Vec::new(),
            share: Vec::new(),
            fines: Vec::new(),
            measured: Vec::new(),
        }
    }

    /// The rule in force.
    pub fn rule(&self) -> scenario::Governance {
        self.cfg.governance
    }

    /// Whether agent `i` is excluded from the resource (the commons also withholds its share
    /// of the pool: Ostrom's boundary rule).
    #[inline]
    pub fn excluded(&self, i: usize) -> bool {
        self.excluded_until.get(i).is_some_and(|&u| u != 0)
    }

    /// What the last step measured for the regime in `slot` (`None` under open access).
    pub fn measured(&self, slot: u8) -> Option<Measured> {
        if self.cfg.governance == scenario::Governance::OpenAccess {
            return None;
        }
        Some(self.measured.get(slot as usize).copied().unwrap_or_default())
    }

    /// Sorts the governed agents into this step's communities: per slot, the k-th block of
    /// `community_size` members in index order (under `quota`, all of the slot's members). A
    /// community new since the last step starts with the full quota. Returns the number of
    /// governed members.
    fn assign(&mut self, member: &[u8], material: &[bool; 256]) -> usize {
        let mut count = [0usize; 256];
        for &m in member {
            if m != LEFT && material[m as usize] {
                count[m as usize] += 1;
            }
        }
        let size = |slot: usize| match (self.cfg.governance, self.cfg.community_size) {
            (scenario::Governance::Ostrom, s) if s > 0 => s as usize,
            _ => count[slot].max(1),
        };
        let mut first = [0u32; 256];
        self.community_slot.clear();
        for slot in 0..256 {
            first[slot] = self.community_slot.len() as u32;
            let communities = count[slot].div_ceil(size(slot));
            self.community_slot.extend(std::iter::repeat_n(slot as u8, communities));
        }
        let mut rank = [0usize; 256];
        self.community.clear();
        self.community.extend(member.iter().map(|&m| {
            if m == LEFT || !material[m as usize] {
                return NONE;
            }
            let s = m as usize;
            let c = first[s] + (rank[s] / size(s)) as u32;
            rank[s] += 1;
            c
        }));
        self.quota_factor.resize(self.community_slot.len(), 1.0);
        count.iter().sum()
    }

    /// Each community votes on its own quota.
    fn vote(&mut self, agents: &Agents, resource: &Resource) {
        let below = resource.stock < resource.capacity / 2.0;
        self.tally.clear();
        self.tally.resize(self.quota_factor.len(), (0, 0));
        for (i, &c) in self.community.iter().enumerate() {
            if c == NONE || self.excluded_until[i] != 0 {
                continue;
            }
            let (cut, raise) = &mut self.tally[c as usize];
            if agents.strategy[i].contributes() && below {
                *cut += 1;
            } else {
                *raise += 1;
            }
        }
        for (factor, &(cut, raise)) in self.quota_factor.iter_mut().zip(&self.tally) {
            let f = if cut > raise { 0.9 } else { 1.1 };
            *factor = (*factor * f).clamp(VOTE_RANGE.0, VOTE_RANGE.1);
        }
    }

    /// Phase 1, before the harvest: caps `want[i]`, what agent `i`'s production calls for, by
    /// its share of the quota, and monitors and sanctions over-harvesters.
    pub fn limit(
        &mut self,
        agents: &Agents,
        material: &[bool; 256],
        resource: &Resource,
        streams: &Streams,
        step: u64,
        want: &mut [f64],
    ) {
        let rule = self.cfg.governance;
        if rule == scenario::Governance::OpenAccess {
            return;
        }
        // Exclusions that have run their course end; the record is cleared.
        for (until, off) in self.excluded_until.iter_mut().zip(self.offences.iter_mut()) {
            if *until != 0 && step >= *until {
                *until = 0;
                *off = 0;
            }
        }
        self.fine.fill(0.0);
        let members = self.assign(&agents.member, material);
        let ostrom = rule == scenario::Governance::Ostrom;
        if ostrom && self.cfg.vote && step > 1 && (step - 1).is_multiple_of(self.cfg.vote_every) {
            self.vote(agents, resource);
        }
        let quota = match self.cfg.quota {
            Quota::Msy {} => resource.msy(),
            Quota::ShareOfRegrowth { share } => share * resource.regrowth_now().max(0.0),
        };
        self.tally.clear();
        self.tally.resize(self.quota_factor.len(), (0, 0));
        for (i, &c) in self.community.iter().enumerate() {
            if c != NONE {
                let t = &mut self.tally[c as usize];
                t.0 += 1;
                t.1 += (self.excluded_until[i] == 0) as usize;
            }
        }
        // A community's quota is its members' part of the total (times its vote's multiplier),
        // split among its members in good standing.
        let per_member = quota / members.max(1) as f64;
        self.share.clear();
        self.share.extend(self.quota_factor.iter().zip(&self.tally).map(|(&factor, &(m, eligible))| {
            let factor = if ostrom { factor } else { 1.0 };
            if eligible > 0 {
                per_member * factor * (m as f64 / eligible as f64)
            } else {
                0.0
            }
        }));
        let (shares, community, cfg) = (&self.share, &self.community, &self.cfg);
        let exclude_after = if ostrom { cfg.exclude_after } else { 0 };
        let key = Key::engine(Purpose::Produce, stream::MONITORING, 0);
        let caught: Vec<[u32; 256]> = (
            want.par_chunks_mut(CHUNK),
            self.offences.par_chunks_mut(CHUNK),
            self.excluded_until.par_chunks_mut(CHUNK),
            self.fine.par_chunks_mut(CHUNK),
        )
            .into_par_iter()
            .enumerate()
            .map(|(c, (want, offences, until, fine))| {
                let mut rng = streams.rng(key, step, c);
                let mut caught = [0u32; 256];
                for k in 0..want.len() {
                    let i = c * CHUNK + k;
                    let seen = unit_f64(rng.next_u64()) < cfg.monitor;
                    let com = community[i];
                    if com == NONE {
                        continue;
                    }
                    if until[k] != 0 {
                        want[k] = 0.0;
                        continue;
                    }
                    let share = shares[com as usize];
                    if want[k] <= share {
                        continue;
                    }
                    if agents.strategy[i] != Strategy::FreeRider {
                        want[k] = share;
                    } else if seen {
                        // Caught: held to the share, and sanctioned.
                        want[k] = share;
                        offences[k] = offences[k].saturating_add(1);
                        let which = (offences[k] as usize).min(cfg.sanctions.len()) - 1;
                        fine[k] = cfg.sanctions[which] as f32;
                        caught[agents.member[i] as usize] += 1;
                        if exclude_after > 0 && offences[k] as u64 >= exclude_after {
                            until[k] = if cfg.exclude_for == 0 { u64::MAX } else { step + cfg.exclude_for };
                        }
                    }
                    // Unseen free riders take what they want.
                }
                caught
            })
            .collect();
        self.measured.clear();
        self.measured.resize(256, Measured::default());
        for part in &caught {
            for (m, &n) in self.measured.iter_mut().zip(part) {
                m.sanctions += n as f64;
            }
        }
    }

    /// Phase 1, after the harvest: monitoring's cost and the fines, taken from each governed
    /// producer's output (`agents.output`, already in its stock of its specialty).
    pub fn settle(&mut self, agents: &mut Agents, goods: usize, ledger: &mut Ledger) {
        if self.cfg.governance == scenario::Governance::OpenAccess {
            return;
        }
        let cost = self.cfg.monitoring_cost;
        self.fines.clear();
        self.fines.resize(self.community_slot.len() * goods, 0.0);
        // Members in good standing per community, now that this step's exclusions are known.
        self.tally.iter_mut().for_each(|t| t.1 = 0);
        for (i, &c) in self.community.iter().enumerate() {
            if c != NONE && self.excluded_until[i] == 0 {
                self.tally[c as usize].1 += 1;
            }
        }
        for (i, &c) in self.community.iter().enumerate() {
            if c == NONE {
                continue;
            }
            let slot = agents.member[i] as usize;
            let m = &mut self.measured[slot];
            m.members += 1.0;
            m.excluded += (self.excluded_until[i] != 0) as u8 as f64;
            m.quota_factor += self.quota_factor[c as usize];
            let g = agents.specialty[i] as usize;
            let x = &mut agents.stock[i * goods + g];
            let used = (agents.output[i] * cost).min(*x);
            *x -= used;
            m.monitoring += used;
            ledger.consumed += used;
            // A fine goes to the community's other members in good standing, if it has any.
            let others = self.tally[c as usize].1 - (self.excluded_until[i] == 0) as usize;
            if self.fine[i] > 0.0 && others > 0 {
                let fined = ((agents.output[i] - used) * self.fine[i] as f64).clamp(0.0, *x);
                *x -= fined;
                self.fines[c as usize * goods + g] += fined;
            }
        }
        for (i, &c) in self.community.iter().enumerate() {
            if c == NONE || self.excluded_until[i] != 0 {
                continue;
            }
            let pot = &self.fines[c as usize * goods..(c as usize + 1) * goods];
            if pot.iter().all(|&f| f == 0.0) {
                continue;
            }
            // Every member in good standing gets an equal part (a fined member still in good
            // standing gets its part back, as in a commons' pool).
            let eligible = self.tally[c as usize].1 as f64;
            for (x, p) in agents.stock[i * goods..(i + 1) * goods].iter_mut().zip(pot) {
                *x += p / eligible;
            }
        }
    }
}
