//! The commons: members put their surplus into a common pool that is shared out by need,
//! equally or by contribution; the common-pool resource behind production is harvested under
//! open access, a quota, or Ostrom's rules; and knowledge is a commons under a copyleft or a
//! permissive licence.
//!
//! Members belong to communities of `community_size` members: the k-th community is the k-th
//! block of that many members of the regime in index order (on the ring and small-world
//! networks, network neighbourhoods; in coexist mode, members of other regimes in between do
//! not count); 0 makes the whole membership one community. Each community governs its share
//! of the resource and pools its goods on its own (Ostrom's common-pool groups are local).
//!
//! Phase 1 ([`Regime::harvest`]): the harvest rule caps what each member may take from the
//! resource. Under `quota` and `ostrom` the total quota (the maximum sustainable yield, or a
//! share of current regrowth) is divided among the communities in proportion to their
//! members, and each community's quota is split equally among its members in good standing;
//! cooperators and reciprocators keep to their share, free riders take what their production
//! calls for. Under `ostrom` each community monitors its own members: an over-harvest is seen
//! with probability `monitor`, and the monitored harvester is held to its share and
//! sanctioned, by a warning first and then by fines that grow with each offence; after
//! `exclude_after` offences it is excluded from the commons (no harvest, no share of the pool)
//! for `exclude_for` steps, and its share of its community's quota goes to the community's
//! other members. Every `vote_every` steps each community votes on its own quota:
//! contributors vote to cut it while the stock is below half its capacity (the stock that
//! gives the maximum sustainable yield) and to raise it above; free riders always vote to
//! raise it. Ostrom's design principles 3 (collective choice), 4 (monitoring) and
//! 5 (graduated sanctions), and the boundary of principle 1 through exclusion.
//!
//! Phase 2 ([`Regime::allocate`]): in each community, fines and contributors'
//! surplus (holdings above `keep` times need) go into the community's pool; administration
//! and monitoring use up the share `admin_cost * ln(m)` of it (`m` members in good standing);
//! the rest is shared out at once among the community's members in good standing; free riders
//! put nothing in but draw their share. Goods are moved or used up, never created.

mod config;
mod public_goods;

pub use config::{Allocation, CommonsConfig, CommonsModel, HarvestRule, License, Quota};
pub use public_goods::{CONTRIBUTION, PUNISHMENTS};

use super::{variant_names, ControlDef, ControlKind, Ctx, Regime, RegimeInfo};
use crate::metrics::{MetricDef, RegimeOut};
use crate::rng::{unit_f64, CHUNK};
use crate::world::{Strategy, World};
use rand::Rng;
use rayon::prelude::*;

/// Sanctions imposed this step.
pub const SANCTIONS: MetricDef = MetricDef::new("sanctions", "count", "sanctions imposed on members this step").lower();
/// Share of members excluded.
pub const EXCLUDED_SHARE: MetricDef =
    MetricDef::new("excluded_share", "share", "share of members excluded from the commons").lower();

/// Goods the communities spent on administration and monitoring this step.
pub const ADMINISTRATION: MetricDef = MetricDef::new(
    "administration",
    "units",
    "goods the commons' communities spent on administration and monitoring this step",
)
.lower();

/// The regime the settings `cfg` describe: the commons, or the public-goods game.
fn build(cfg: &CommonsConfig) -> Box<dyn super::Regime> {
    match cfg.model {
        CommonsModel::Goods => Box::new(Commons::new(cfg)),
        CommonsModel::PublicGoods => Box::new(public_goods::PublicGoods::new(cfg)),
    }
}

/// Registry entry.
pub const INFO: RegimeInfo = RegimeInfo {
    name: "commons",
    summary: "surplus pooled and shared by need, equally or by contribution; the resource governed by open access, quota or Ostrom's rules",
    table: Some("commons"),
    configure: super::configure::<CommonsConfig>,
    metrics: &[SANCTIONS, EXCLUDED_SHARE, ADMINISTRATION, CONTRIBUTION, PUNISHMENTS],
    examples: &[
        ("ostrom", "commons.harvest = \"ostrom\"\ncommons.exclude_after = 2\ncommons.exclude_for = 3"),
        ("quota", "commons.harvest = \"quota\"\ncommons.allocation = \"equal\"\ncommons.quota = { kind = \"share_of_regrowth\", share = 0.8 }"),
        ("permissive", "commons.license = \"permissive\"\ncommons.allocation = \"contribution\""),
        ("communities", "commons.community_size = 7\ncommons.admin_cost = 0.05\ncommons.allocation = \"equal\""),
        ("planner", "commons.community_size = 0\ncommons.admin_cost = 0.0"),
        ("public_goods", "commons.model = \"public_goods\"\ncommons.punish = true"),
    ],
    controls: &[
        ControlDef {
            key: "harvest",
            label: "Harvest rule (commons)",
            help: "What the commons' members may take from the shared resource: no limit (open access), a quota, or Ostrom's rules (a quota with monitoring, sanctions and a vote).",
            kind: ControlKind::Select { options: || variant_names(&HarvestRule::ALL) },
            when: None,
        },
        ControlDef {
            key: "license",
            label: "Knowledge licence (commons)",
            help: "Copyleft: shared knowledge stays shared. Permissive: a platform may enclose part of what it adds.",
            kind: ControlKind::Select { options: || variant_names(&License::ALL) },
            when: None,
        },
    ],
};

/// The commons' one random stream: who is seen by monitors.
const MONITORING: u8 = 0;

/// Multipliers of the quota a vote can reach.
const VOTE_RANGE: (f64, f64) = (0.05, 1.0);

/// The community of an agent that is not a member.
const NO_COMMUNITY: u32 = u32::MAX;

/// Where each community begins: the k-th community is the k-th block of `size` members of
/// `slot` in index order (0 = one community of every member). Fills `community` (each agent's
/// community, [`NO_COMMUNITY`] for others) and `bounds` (each community's first agent, then
/// `member.len()`: community k's members all lie in `bounds[k]..bounds[k + 1]`); returns the
/// number of members. One pass in index order: the same on any number of threads.
pub fn communities(member: &[u8], slot: u8, size: u64, community: &mut Vec<u32>, bounds: &mut Vec<usize>) -> usize {
    let n = member.len();
    let size = if size == 0 { n.max(1) } else { size as usize };
    community.clear();
    community.resize(n, NO_COMMUNITY);
    bounds.clear();
    bounds.push(0);
    let mut members = 0usize;
    for (i, &m) in member.iter().enumerate() {
        if m == slot {
            if members > 0 && members.is_multiple_of(size) {
                bounds.push(i);
            }
            community[i] = (members / size) as u32;
            members += 1;
        }
    }
    bounds.push(n);
    members
}

/// The commons regime's state.
#[derive(Debug, Clone)]
pub struct Commons {
    cfg: CommonsConfig,
    /// Offences on each member's record.
    offences: Vec<u8>,
    /// Step at which each member's exclusion ends (0 = not excluded, `u64::MAX` = for good).
    excluded_until: Vec<u64>,
    /// Share of this step's output each sanctioned member forfeits.
    fine: Vec<f32>,
    /// Moving average of each member's contributions (for `allocation = "contribution"`).
    contributed: Vec<f64>,
    /// The quota multiplier each community has voted for.
    quota_factor: Vec<f64>,
    /// Each agent's community this step ([`NO_COMMUNITY`] for non-members).
    community: Vec<u32>,
    /// Each community's first agent, then the number of agents ([`communities`]).
    bounds: Vec<usize>,
    /// Per community: members, and members in good standing (or, in a vote, votes to cut and
    /// to raise).
    tally: Vec<(usize, usize)>,
    /// Each community's share of the quota per member in good standing.
    share: Vec<f64>,
    sanctions: u64,
    /// This step's sanctions, excluded share and goods spent on administration, until recorded.
    measured: Option<(f64, f64, f64)>,
}

impl Commons {
    /// A commons with the given settings.
    pub fn new(cfg: &CommonsConfig) -> Commons {
        Commons {
            cfg: cfg.clone(),
            offences: Vec::new(),
            excluded_until: Vec::new(),
            fine: Vec::new(),
            contributed: Vec::new(),
            quota_factor: Vec::new(),
            community: Vec::new(),
            bounds: Vec::new(),
            tally: Vec::new(),
            share: Vec::new(),
            sanctions: 0,
            measured: None,
        }
    }

    /// Sorts members into this step's communities; a community new since the last step starts
    /// with the full quota.
    fn assign(&mut self, world: &World, slot: u8) -> usize {
        let members =
            communities(&world.agents.member, slot, self.cfg.community_size, &mut self.community, &mut self.bounds);
        self.quota_factor.resize(self.bounds.len() - 1, 1.0);
        members
    }

    /// Each community votes on its own quota: contributors want the stock kept near the level
    /// of maximum sustainable yield; free riders always want more.
    fn vote(&mut self, world: &World) {
        let a = &world.agents;
        let below = world.resource.stock < world.resource.capacity / 2.0;
        self.tally.clear();
        self.tally.resize(self.quota_factor.len(), (0, 0));
        for i in 0..a.len() {
            let c = self.community[i];
            if c == NO_COMMUNITY || self.excluded_until[i] != 0 {
                continue;
            }
            let (cut, raise) = &mut self.tally[c as usize];
            if a.strategy[i].contributes() && below {
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
}

impl Regime for Commons {
    fn init(&mut self, world: &mut World, _ctx: &Ctx) {
        let n = world.len();
        self.offences = vec![0; n];
        self.excluded_until = vec![0; n];
        self.fine = vec![0.0; n];
        self.contributed = vec![0.0; n];
    }

    fn harvest(&mut self, world: &World, ctx: &Ctx, want: &mut [f64]) {
        let slot = ctx.slot;
        let step = ctx.step;
        // Exclusions that have run their course end; the record is cleared.
        for (until, off) in self.excluded_until.iter_mut().zip(self.offences.iter_mut()) {
            if *until != 0 && step >= *until {
                *until = 0;
                *off = 0;
            }
        }
        self.sanctions = 0;
        let rule = self.cfg.harvest;
        if rule == HarvestRule::OpenAccess {
            return;
        }
        let members = self.assign(world, slot);
        if rule == HarvestRule::Ostrom && self.cfg.vote && step > 1 && (step - 1).is_multiple_of(self.cfg.vote_every) {
            self.vote(world);
        }
        let r = &world.resource;
        let quota = match self.cfg.quota {
            Quota::Msy {} => r.msy(),
            Quota::ShareOfRegrowth { share } => share * r.regrowth_now().max(0.0),
        };
        let a = &world.agents;
        // Each community's quota is its members' share of the total (its own vote's
        // multiplier applied), split among its members in good standing.
        self.tally.clear();
        self.tally.resize(self.quota_factor.len(), (0, 0));
        for i in 0..a.len() {
            let c = self.community[i];
            if c != NO_COMMUNITY {
                let t = &mut self.tally[c as usize];
                t.0 += 1;
                t.1 += (self.excluded_until[i] == 0) as usize;
            }
        }
        self.share.clear();
        self.share.extend(self.quota_factor.iter().zip(&self.tally).map(|(&factor, &(m, eligible))| {
            let total = quota * if rule == HarvestRule::Ostrom { factor } else { 1.0 };
            // total / members x members / eligible: with no one excluded, exactly total / members.
            if eligible > 0 {
                total / members as f64 * (m as f64 / eligible as f64)
            } else {
                0.0
            }
        }));
        let (shares, community) = (&self.share, &self.community);
        let cfg = &self.cfg;
        let sanctions: u64 = (
            want.par_chunks_mut(CHUNK),
            self.offences.par_chunks_mut(CHUNK),
            self.excluded_until.par_chunks_mut(CHUNK),
            self.fine.par_chunks_mut(CHUNK),
        )
            .into_par_iter()
            .enumerate()
            .map(|(c, (want, offences, until, fine))| {
                let mut rng = ctx.rng(MONITORING, 0, c);
                let mut sanctioned = 0u64;
                for k in 0..want.len() {
                    let i = c * CHUNK + k;
                    let seen = unit_f64(rng.next_u64()) < cfg.monitor;
                    if a.member[i] != slot {
                        continue;
                    }
                    if until[k] != 0 {
                        want[k] = 0.0;
                        continue;
                    }
                    let share = shares[community[i] as usize];
                    if want[k] <= share {
                        continue;
                    }
                    if a.strategy[i] != Strategy::FreeRider {
                        want[k] = share;
                    } else if rule == HarvestRule::Ostrom && seen {
                        // Caught: held to the share, and sanctioned.
                        want[k] = share;
                        offences[k] = offences[k].saturating_add(1);
                        let which = (offences[k] as usize).min(cfg.sanctions.len()) - 1;
                        fine[k] = cfg.sanctions[which] as f32;
                        sanctioned += 1;
                        if cfg.exclude_after > 0 && offences[k] as u64 >= cfg.exclude_after {
                            until[k] = if cfg.exclude_for == 0 { u64::MAX } else { step + cfg.exclude_for };
                        }
                    }
                    // Unseen free riders (and all of them under a bare quota) take what they want.
                }
                sanctioned
            })
            .sum();
        self.sanctions = sanctions;
    }

    fn allocate(&mut self, world: &mut World, ctx: &Ctx) {
        let slot = ctx.slot;
        let goods = world.goods;
        let n = world.len();
        let need = world.need.clone();
        let keep = self.cfg.keep;
        let admin = self.cfg.admin_cost;
        let allocation = self.cfg.allocation;
        // The k-th community is the k-th block of `community_size` members in index order; its
        // members lie in one range of agents, which holds no member of another community.
        self.assign(world, slot);
        let until = &self.excluded_until;
        let a = &mut world.agents;
        let (member, strategy, specialty, output) = (&a.member, &a.strategy, &a.specialty, &a.output);
        let mut ranges = Vec::with_capacity(self.bounds.len() - 1);
        let (mut stock, mut fine, mut contributed) = (&mut a.stock[..], &mut self.fine[..], &mut self.contributed[..]);
        for w in self.bounds.windows(2) {
            let len = w[1] - w[0];
            let (s, s_rest) = std::mem::take(&mut stock).split_at_mut(len * goods);
            let (f, f_rest) = std::mem::take(&mut fine).split_at_mut(len);
            let (c, c_rest) = std::mem::take(&mut contributed).split_at_mut(len);
            ranges.push((w[0], s, f, c));
            (stock, fine, contributed) = (s_rest, f_rest, c_rest);
        }
        debug_assert_eq!(n, self.bounds[self.bounds.len() - 1]);
        // Each community pools, pays its administration and shares out on its own, in index
        // order within the community: the result does not depend on the thread count.
        let parts: Vec<(f64, usize, usize)> = ranges
            .into_par_iter()
            .map(|(first, stock, fine, contributed)| {
                let mut pool = vec![0.0; goods];
                let (mut eligible, mut excluded) = (0usize, 0usize);
                // Fines and contributors' surplus go into the community's pool.
                for k in 0..fine.len() {
                    let i = first + k;
                    if member[i] != slot {
                        continue;
                    }
                    let x = &mut stock[k * goods..(k + 1) * goods];
                    if fine[k] > 0.0 {
                        let g = specialty[i] as usize;
                        let f = (fine[k] as f64 * output[i]).min(x[g]);
                        x[g] -= f;
                        pool[g] += f;
                        fine[k] = 0.0;
                    }
                    if until[i] != 0 {
                        excluded += 1;
                        continue;
                    }
                    eligible += 1;
                    let mut given = 0.0;
                    if strategy[i].contributes() {
                        for g in 0..goods {
                            let surplus = (x[g] - keep * need[g]).max(0.0);
                            x[g] -= surplus;
                            pool[g] += surplus;
                            given += surplus;
                        }
                    }
                    contributed[k] = 0.8 * contributed[k] + 0.2 * given;
                }
                if eligible == 0 {
                    // Everyone here is excluded: fines taken this step go back in equal shares.
                    if excluded > 0 && pool.iter().any(|&p| p > 0.0) {
                        for k in 0..fine.len() {
                            if member[first + k] == slot {
                                for g in 0..goods {
                                    stock[k * goods + g] += pool[g] / excluded as f64;
                                }
                            }
                        }
                    }
                    return (0.0, eligible, excluded);
                }
                // Administration and monitoring consume a share of the pool that rises with
                // the community's size.
                let cost = (admin * (eligible as f64).ln()).clamp(0.0, 1.0);
                let mut spent = 0.0;
                for p in pool.iter_mut() {
                    let s = *p * cost;
                    *p -= s;
                    spent += s;
                }
                let good_standing = |k: usize| member[first + k] == slot && until[first + k] == 0;
                let contribution_total: f64 =
                    (0..fine.len()).filter(|&k| good_standing(k)).map(|k| contributed[k]).sum();
                let rule = if allocation == Allocation::Contribution && contribution_total <= 0.0 {
                    Allocation::Equal
                } else {
                    allocation
                };
                let mut shortfall = vec![0.0; goods];
                for k in (0..fine.len()).filter(|&k| good_standing(k)) {
                    for g in 0..goods {
                        shortfall[g] += (need[g] - stock[k * goods + g]).max(0.0);
                    }
                }
                for k in (0..fine.len()).filter(|&k| good_standing(k)) {
                    for g in 0..goods {
                        let x = &mut stock[k * goods + g];
                        let get = match rule {
                            Allocation::Equal => pool[g] / eligible as f64,
                            Allocation::Contribution => pool[g] * contributed[k] / contribution_total,
                            Allocation::Need => {
                                let short = (need[g] - *x).max(0.0);
                                if pool[g] >= shortfall[g] {
                                    // Needs met; what is left is shared equally.
                                    short + (pool[g] - shortfall[g]) / eligible as f64
                                } else {
                                    short * pool[g] / shortfall[g]
                                }
                            }
                        };
                        *x += get;
                    }
                }
                (spent, eligible, excluded)
            })
            .collect();
        let (mut spent, mut eligible, mut excluded) = (0.0, 0usize, 0usize);
        for (s, e, x) in &parts {
            spent += s;
            eligible += e;
            excluded += x;
        }
        // What administration used up is consumed (by the administrators), not lost.
        world.ledger.consumed += spent;
        let members = eligible + excluded;
        let excluded_share = if members > 0 { excluded as f64 / members as f64 } else { f64::NAN };
        self.measured = Some((self.sanctions as f64, excluded_share, spent));
    }

    fn record(&mut self, out: &mut RegimeOut) {
        if let Some((sanctions, excluded, spent)) = self.measured.take() {
            out.set(&SANCTIONS, sanctions);
            out.set(&EXCLUDED_SHARE, excluded);
            out.set(&ADMINISTRATION, spent);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn registered() {
        assert!(super::super::find("commons").is_some());
    }
}
