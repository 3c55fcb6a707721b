//! The sections that define the world every regime shares: `[run]`, `[population]`,
//! `[resource]`, `[knowledge]` and `[adapt]`.

use super::institutions::{Governance, PropertyRule, Quota};
use super::values::{Distribution, NeedSpec};
use serde::{Deserialize, Serialize};

/// `[run]`: size, length and seed.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// Number of agents (at least 2).
    pub agents: u64,
    /// Number of steps (periods) to simulate.
    pub steps: u64,
    /// Independent replicates, each with its own population and random numbers.
    pub replicates: u64,
    /// Master seed; every random number of the run derives from it.
    pub seed: u64,
    /// Worker threads; 0 means every core. Results never depend on it.
    pub threads: u64,
    /// Steps left out of the summaries (the transient).
    pub warmup: u64,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig { agents: 1000, steps: 200, replicates: 10, seed: 1, threads: 0, warmup: 50 }
    }
}

/// `[population]`: goods, needs, skills, strategies and the social network.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PopulationConfig {
    /// Names of the rival material goods (each agent produces one, its specialty).
    pub goods: Vec<String>,
    /// Units of each good consumed per step to meet basic needs: one number for all goods,
    /// or a table `{ food = 1.0, ... }`.
    pub need: NeedSpec,
    /// Units of its specialty an agent of skill 1 produces per step with no knowledge.
    pub base_output: f64,
    /// Distribution of skill (productivity); every draw must be positive.
    pub skill: Distribution,
    /// Initial shares of the three strategies; they must sum to 1.
    pub strategies: StrategyShares,
    /// The social network: `ring`, `small_world`, `scale_free` or `complete`.
    pub network: NetworkSpec,
    /// Initial stock of every good, as a multiple of the need for it.
    pub initial_stock: f64,
    /// Share of every stock that perishes per step.
    pub decay: f64,
    /// Needs-met share below which a step counts as destitute.
    pub destitute_threshold: f64,
    /// Destitute steps in a row after which productivity falls.
    pub destitute_after: u64,
    /// Share of productivity lost while destitute past `destitute_after` steps.
    pub destitute_penalty: f64,
    /// Destitute steps in a row after which an agent leaves the world (0 = never).
    pub exit_after: u64,
    /// Share of every unit of a good lost when it passes from one agent to another (bought,
    /// swapped, given or pooled), in every regime alike: Samuelson's iceberg cost of moving
    /// goods.
    pub transfer_cost: f64,
    /// Specialisation economy `spec` in `[0, 1)`: output of a good is
    /// `a_g (1 - spec + spec e_g)` of the agent's effort, `a_g` its share of effort in that
    /// good and `e_g` its experience of it (learning by doing; Rosen 1983).
    pub specialisation: f64,
    /// Experience follows effort shares: `e_g += learning (a_g - e_g)` each step (learning by
    /// doing with forgetting).
    pub learning: f64,
    /// `chosen`: agents choose what to make by their regime's signals; `fixed`: each makes
    /// its specialty for ever (the null models of validation).
    pub specialty: Choice,
    /// Probability per step that an agent reconsiders what it makes and how hard it works.
    pub rethink: f64,
    /// Share of its effort a reconsidering agent moves toward the good its signal rates best.
    pub shift: f64,
    /// Widest step of a reconsidering agent's trial of another effort (imitation then spreads
    /// the efforts that pay).
    pub effort_step: f64,
    /// `chosen`: agents choose their effort in `[0, 1]`; `fixed`: everyone works fully.
    pub effort: Choice,
    /// Disutility of effort `effort_cost E^2 / 2`, in welfare units (needs met).
    pub effort_cost: f64,
    /// Weight of consumption beyond needs in welfare, `luxury_weight ln(1 + beyond / need)`.
    pub luxury_weight: f64,
}

/// Whether agents choose something or keep it fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// Chosen by the agents, by their regime's signals.
    Chosen,
    /// Fixed as it starts.
    Fixed,
}

impl Choice {
    /// The name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Choice::Chosen => "chosen",
            Choice::Fixed => "fixed",
        }
    }
}

impl Default for PopulationConfig {
    fn default() -> Self {
        PopulationConfig {
            goods: vec!["food".into(), "energy".into(), "shelter".into()],
            need: NeedSpec::All(1.0),
            base_output: 3.0,
            skill: Distribution::Lognormal { median: 1.0, sigma: 0.5 },
            strategies: StrategyShares::default(),
            network: NetworkSpec::default(),
            initial_stock: 1.0,
            decay: 0.1,
            destitute_threshold: 0.5,
            destitute_after: 5,
            destitute_penalty: 0.5,
            exit_after: 0,
            transfer_cost: 0.05,
            specialisation: 0.3,
            learning: 0.1,
            specialty: Choice::Chosen,
            rethink: 0.1,
            shift: 0.2,
            effort_step: 0.05,
            effort: Choice::Chosen,
            effort_cost: 0.5,
            luxury_weight: 0.5,
        }
    }
}

/// Initial shares of the strategies.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct StrategyShares {
    /// Give to anyone in need, contribute to knowledge, keep the rules.
    pub cooperator: f64,
    /// Give only to those of good reputation; otherwise like cooperators.
    pub reciprocator: f64,
    /// Never give, contribute or restrain, but accept and draw.
    pub free_rider: f64,
}

impl Default for StrategyShares {
    fn default() -> Self {
        StrategyShares { cooperator: 0.6, reciprocator: 0.3, free_rider: 0.1 }
    }
}

/// The social network generator, as a table with a `kind` key.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum NetworkSpec {
    /// Each agent linked to its `degree` nearest neighbours on a circle (`degree` even).
    Ring {
        /// Links per agent (even).
        degree: u64,
    },
    /// Watts-Strogatz: a ring whose links are rewired to random agents with probability `rewire`.
    SmallWorld {
        /// Links per agent before rewiring (even).
        degree: u64,
        /// Probability that a link is rewired.
        rewire: f64,
    },
    /// Barabasi-Albert preferential attachment; each newcomer brings `degree / 2` links.
    ScaleFree {
        /// Mean links per agent (even).
        degree: u64,
    },
    /// Everyone linked to everyone; no links are stored.
    Complete {},
}

impl NetworkSpec {
    /// The network kinds, as files write them (the `kind` tags above), in the order menus
    /// offer them; a test checks each one reads.
    pub const KINDS: [&'static str; 4] = ["ring", "small_world", "scale_free", "complete"];
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec::SmallWorld { degree: 8, rewire: 0.1 }
    }
}

/// `[resource]`: the renewable common-pool resource (CPR), in units per agent.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResourceConfig {
    /// Carrying capacity per agent of the initial population (the world's is this times `agents`).
    pub capacity: f64,
    /// Logistic regrowth rate per step.
    pub regrowth: f64,
    /// Initial stock as a share of capacity.
    pub initial: f64,
    /// Resource units used per unit of output.
    pub intensity: f64,
    /// Who limits the harvest, in every regime: `open_access`, `quota` or `ostrom`.
    pub governance: Governance,
    /// Quota and Ostrom: `{ kind = "msy" }` or `{ kind = "share_of_regrowth", share = ... }`.
    pub quota: Quota,
    /// Quota and Ostrom: probability that an over-harvest is seen by the monitors.
    pub monitor: f64,
    /// Quota and Ostrom: share of every governed producer's output used up by monitoring and
    /// enforcement each step.
    pub monitoring_cost: f64,
    /// Quota and Ostrom: the k-th sanction takes `sanctions[k-1]` of that step's output
    /// (0 = a warning); later offences use the last entry.
    pub sanctions: Vec<f64>,
    /// Ostrom: producers per community (the k-th community is the k-th block of this many
    /// members of a regime in index order); 0 = one community of all of a regime's members.
    pub community_size: u64,
    /// Ostrom: offences after which a producer is excluded from the resource (0 = never).
    pub exclude_after: u64,
    /// Ostrom: steps an exclusion lasts (0 = for good); afterwards the record is cleared.
    pub exclude_for: u64,
    /// Ostrom: whether each community votes on its own quota every `vote_every` steps.
    pub vote: bool,
    /// Ostrom: steps between votes.
    pub vote_every: u64,
}

impl Default for ResourceConfig {
    fn default() -> Self {
        ResourceConfig {
            capacity: 100.0,
            regrowth: 0.1,
            initial: 1.0,
            intensity: 0.05,
            governance: Governance::OpenAccess,
            quota: Quota::Msy {},
            monitor: 0.5,
            monitoring_cost: 0.02,
            sanctions: vec![0.0, 0.5, 1.0],
            community_size: 50,
            exclude_after: 3,
            exclude_for: 20,
            vote: true,
            vote_every: 10,
        }
    }
}

/// `[knowledge]`: the non-rival knowledge good (peer production).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct KnowledgeConfig {
    /// Share of effort that contributors (cooperators, reciprocators) give to knowledge.
    pub contribution: f64,
    /// Productivity gain: `A = 1 + tech_gain * ln(1 + K)`.
    pub tech_gain: f64,
    /// Initial shared pool, per agent.
    pub initial: f64,
    /// Share of every knowledge stock that becomes obsolete per step.
    pub obsolescence: f64,
    /// Contributor share below which the shared pool cannot sustain itself (0 = no threshold).
    pub critical_mass: f64,
    /// Mean steps a proprietary contribution stays private before it enters the pool.
    pub patent_life: f64,
    /// Whether agents use the whole pool (`true`: a scale effect, bigger worlds know more) or
    /// the pool per agent (`false`: results do not depend on the number of agents).
    pub scale_effect: bool,
    /// Who may use contributions, in every regime: `open`, `proprietary` or `permissive`.
    pub property: PropertyRule,
    /// Permissive: share of the knowledge gain a platform captures.
    pub capture: f64,
}

impl Default for KnowledgeConfig {
    fn default() -> Self {
        KnowledgeConfig {
            contribution: 0.1,
            tech_gain: 0.05,
            initial: 0.0,
            obsolescence: 0.02,
            critical_mass: 0.0,
            patent_life: 20.0,
            scale_effect: false,
            property: PropertyRule::Open,
            capture: 0.3,
        }
    }
}

/// `[adapt]`: strategy imitation (and regime migration in coexist mode).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdaptConfig {
    /// Probability per step that an agent compares itself with a random neighbour.
    pub imitate: f64,
    /// Noise of the Fermi rule: `1 / (1 + exp(-(w_other - w_self) / temperature))`.
    pub temperature: f64,
    /// Weight of the latest step in the wellbeing moving average.
    pub smoothing: f64,
    /// Probability per step that an agent tries a random strategy (exploration).
    pub explore: f64,
}

impl Default for AdaptConfig {
    fn default() -> Self {
        AdaptConfig { imitate: 0.05, temperature: 0.1, smoothing: 0.2, explore: 0.0 }
    }
}

#[cfg(test)]
mod tests {
    /// Every name in `NetworkSpec::KINDS` is a kind the file format reads.
    #[test]
    fn network_kinds_are_the_enum_tags() {
        for kind in super::NetworkSpec::KINDS {
            let text = format!("kind = \"{kind}\"\ndegree = 4\nrewire = 0.1");
            let e = toml::from_str::<super::NetworkSpec>(&text).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(!e.contains("unknown variant"), "{kind}: {e}");
        }
    }
}
