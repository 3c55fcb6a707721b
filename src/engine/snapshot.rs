//! Agent snapshots: the engine copies the members of a regime, block by block, into plain
//! rows that the output stage writes, so output never holds the live world.

use crate::metrics::record::{wealth_of, SlotView};
use crate::money::MoneyKind;
use crate::world::{Strategy, World};

/// Agents per snapshot block: the copy stays small however large the world.
pub const BLOCK: usize = 65_536;

/// One block of a regime's members at a snapshot step, as plain columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgentRows {
    /// Agent numbers.
    pub agent: Vec<u32>,
    /// Strategies.
    pub strategy: Vec<Strategy>,
    /// Skills.
    pub skill: Vec<f64>,
    /// Specialties (index of the good produced).
    pub specialty: Vec<u8>,
    /// Holdings, agent-major (`goods` per agent).
    pub stock: Vec<f64>,
    /// Money or credit balance in money units (per the regime's money kind; 0 without).
    pub money: Vec<i64>,
    /// Reputations.
    pub reputation: Vec<f32>,
    /// Needs met this step.
    pub needs_met: Vec<f32>,
    /// Wellbeing.
    pub wellbeing: Vec<f32>,
    /// Destitute streaks.
    pub destitute_streak: Vec<u16>,
    /// Output this step.
    pub output: Vec<f64>,
    /// Units consumed this step.
    pub consumed: Vec<f32>,
    /// Wealth (as the `wealth_mean` metric counts it).
    pub wealth: Vec<f64>,
}

impl AgentRows {
    /// Number of agents in the block.
    pub fn len(&self) -> usize {
        self.agent.len()
    }

    /// Whether the block is empty.
    pub fn is_empty(&self) -> bool {
        self.agent.is_empty()
    }

    /// Copies the members of `view.slot` among agents `range` of `world`.
    pub fn copy(world: &World, view: &SlotView, range: std::ops::Range<usize>) -> AgentRows {
        let a = &world.agents;
        let goods = world.goods;
        let mut r = AgentRows::default();
        for i in range {
            if a.member[i] != view.slot {
                continue;
            }
            r.agent.push(i as u32);
            r.strategy.push(a.strategy[i]);
            r.skill.push(a.skill[i]);
            r.specialty.push(a.specialty[i]);
            r.stock.extend_from_slice(&a.stock[i * goods..(i + 1) * goods]);
            r.money.push(match view.money {
                MoneyKind::None => 0,
                MoneyKind::Money => a.money[i],
                MoneyKind::Balance => a.balance[i],
            });
            r.reputation.push(a.reputation[i]);
            r.needs_met.push(a.needs_met[i]);
            r.wellbeing.push(a.wellbeing[i]);
            r.destitute_streak.push(a.destitute_streak[i]);
            r.output.push(a.output[i]);
            r.consumed.push(a.consumed[i]);
            r.wealth.push(wealth_of(world, view, i));
        }
        r
    }
}

/// One block of a snapshot, as the observer receives it.
#[derive(Debug, Clone)]
pub struct Snapshot<'a> {
    /// The regime entry as listed.
    pub label: &'a str,
    /// Its position among the scenario's entries.
    pub entry: usize,
    /// Replicate number.
    pub replicate: u64,
    /// Step.
    pub step: u64,
    /// What the regime's members hold besides goods.
    pub money: MoneyKind,
    /// Number of goods.
    pub goods: usize,
    /// Whether this is the first block of the regime's snapshot (the file starts afresh).
    pub first: bool,
    /// The agents.
    pub agents: AgentRows,
    /// Accounts held outside the agents (a community fund, a treasury): name and money units;
    /// given with the last block only.
    pub accounts: Vec<(&'static str, i64)>,
}
