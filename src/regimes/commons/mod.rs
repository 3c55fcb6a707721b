//! The commons: members put their surplus into a common pool that is shared out by need,
//! equally or by contribution.
//!
//! Members belong to communities of `community_size` members: the k-th community is the k-th
//! block of that many members of the regime in index order (on the ring and small-world
//! networks, network neighbourhoods; in coexist mode, members of other regimes in between do
//! not count); 0 makes the whole membership one community. Each community pools its goods on
//! its own. The resource behind production is governed by the world's rule
//! (`[resource] governance`, [`crate::world::governance`]), the same as in every other regime;
//! the commons adds one rule of its own, Ostrom's boundary: a member the governance has
//! excluded from the resource gets no share of the pool either.
//!
//! Phase 2 ([`Regime::allocate`]): in each community, contributors' surplus (holdings above
//! `keep` times need) goes into the community's pool; administration uses up the share
//! `admin_cost * ln(m)` of it (`m` members in good standing); the rest is shared out at once
//! among the community's members in good standing; free riders put nothing in but draw their
//! share. Goods are moved or used up, never created.

mod config;
mod public_goods;

pub use config::{Allocation, CommonsConfig, CommonsModel};
pub use public_goods::{CONTRIBUTION, PUNISHMENTS};

use super::{ControlDef, ControlKind, Ctx, Regime, RegimeInfo};
use crate::metrics::{MetricDef, RegimeOut};
use crate::world::World;
use rayon::prelude::*;

/// Goods the communities spent on administration and monitoring this step.
pub const ADMINISTRATION: MetricDef = MetricDef::new(
    "administration",
    "units",
    "goods the commons' communities spent on administering their pools this step",
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
    summary: "surplus pooled and shared by need, equally or by contribution, in communities that pay for their administration",
    table: Some("commons"),
    configure: super::configure::<CommonsConfig>,
    metrics: &[ADMINISTRATION, CONTRIBUTION, PUNISHMENTS],
    examples: &[
        ("ostrom", "resource.governance = \"ostrom\"\nresource.exclude_after = 2\nresource.exclude_for = 3\nresource.community_size = 7"),
        ("quota", "resource.governance = \"quota\"\ncommons.allocation = \"equal\"\nresource.quota = { kind = \"share_of_regrowth\", share = 0.8 }"),
        ("permissive", "knowledge.property = \"permissive\"\ncommons.allocation = \"contribution\""),
        ("communities", "commons.community_size = 7\ncommons.admin_cost = 0.05\ncommons.allocation = \"equal\""),
        ("planner", "commons.community_size = 0\ncommons.admin_cost = 0.0"),
        ("public_goods", "commons.model = \"public_goods\"\ncommons.punish = true"),
    ],
    controls: &[ControlDef {
        key: "allocation",
        label: "Sharing rule (commons)",
        help: "How each community's pool is shared: by need (shortfalls first), equally, or by what each member put in.",
        kind: ControlKind::Select { options: || super::variant_names(&Allocation::ALL) },
        when: None,
    }],
};

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
    /// Moving average of each member's contributions (for `allocation = "contribution"`).
    contributed: Vec<f64>,
    /// Each agent's community this step ([`NO_COMMUNITY`] for non-members).
    community: Vec<u32>,
    /// Each community's first agent, then the number of agents ([`communities`]).
    bounds: Vec<usize>,
    /// This step's excluded share and goods spent on administration, until recorded.
    measured: Option<f64>,
}

impl Commons {
    /// A commons with the given settings.
    pub fn new(cfg: &CommonsConfig) -> Commons {
        Commons { cfg: cfg.clone(), contributed: Vec::new(), community: Vec::new(), bounds: Vec::new(), measured: None }
    }
}

impl Regime for Commons {
    fn init(&mut self, world: &mut World, _ctx: &Ctx) {
        self.contributed = vec![0.0; world.len()];
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
        communities(&world.agents.member, slot, self.cfg.community_size, &mut self.community, &mut self.bounds);
        // Ostrom's boundary rule: who is excluded from the resource is excluded from the pool.
        let governance = &world.governance;
        // What reaches the pool of what a member puts in (the rest is lost on the way, as in
        // every regime).
        let arrives = world.transfer_keep;
        let a = &mut world.agents;
        let (member, strategy) = (&a.member, &a.strategy);
        let mut ranges = Vec::with_capacity(self.bounds.len() - 1);
        let (mut stock, mut contributed) = (&mut a.stock[..], &mut self.contributed[..]);
        for w in self.bounds.windows(2) {
            let len = w[1] - w[0];
            let (s, s_rest) = std::mem::take(&mut stock).split_at_mut(len * goods);
            let (c, c_rest) = std::mem::take(&mut contributed).split_at_mut(len);
            ranges.push((w[0], s, c));
            (stock, contributed) = (s_rest, c_rest);
        }
        debug_assert_eq!(n, self.bounds[self.bounds.len() - 1]);
        // Each community pools, pays its administration and shares out on its own, in index
        // order within the community: the result does not depend on the thread count.
        let parts: Vec<(f64, f64)> = ranges
            .into_par_iter()
            .map(|(first, stock, contributed)| {
                let len = contributed.len();
                let mut pool = vec![0.0; goods];
                let mut eligible = 0usize;
                let mut lost = 0.0;
                // Contributors' surplus goes into the community's pool.
                for k in 0..len {
                    let i = first + k;
                    if member[i] != slot {
                        continue;
                    }
                    if governance.excluded(i) {
                        continue;
                    }
                    let x = &mut stock[k * goods..(k + 1) * goods];
                    eligible += 1;
                    let mut given = 0.0;
                    if strategy[i].contributes() {
                        for g in 0..goods {
                            let surplus = (x[g] - keep * need[g]).max(0.0);
                            x[g] -= surplus;
                            pool[g] += surplus * arrives;
                            lost += surplus * (1.0 - arrives);
                            given += surplus;
                        }
                    }
                    contributed[k] = 0.8 * contributed[k] + 0.2 * given;
                }
                if eligible == 0 {
                    return (0.0, lost);
                }
                // Administration consumes a share of the pool that rises with the community's
                // size.
                let cost = (admin * (eligible as f64).ln()).clamp(0.0, 1.0);
                let mut spent = 0.0;
                for p in pool.iter_mut() {
                    let s = *p * cost;
                    *p -= s;
                    spent += s;
                }
                let good_standing = |k: usize| member[first + k] == slot && !governance.excluded(first + k);
                let contribution_total: f64 = (0..len).filter(|&k| good_standing(k)).map(|k| contributed[k]).sum();
                let rule = if allocation == Allocation::Contribution && contribution_total <= 0.0 {
                    Allocation::Equal
                } else {
                    allocation
                };
                let mut shortfall = vec![0.0; goods];
                for k in (0..len).filter(|&k| good_standing(k)) {
                    for g in 0..goods {
                        shortfall[g] += (need[g] - stock[k * goods + g]).max(0.0);
                    }
                }
                for k in (0..len).filter(|&k| good_standing(k)) {
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
                (spent, lost)
            })
            .collect();
        let spent: f64 = parts.iter().map(|p| p.0).sum();
        // What administration used up is consumed (by the administrators), not lost.
        world.ledger.consumed += spent;
        world.count_lost(slot, parts.iter().map(|p| p.1).sum());
        self.measured = Some(spent);
    }

    fn record(&mut self, out: &mut RegimeOut) {
        if let Some(spent) = self.measured.take() {
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
