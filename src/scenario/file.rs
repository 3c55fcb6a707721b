//! The scenario file as written in TOML: every table and key, with its default.
//!
//! These structs mirror the file one to one (`deny_unknown_fields` everywhere) and carry
//! no logic beyond defaults. [`super::validate`] turns them into a checked
//! [`super::Scenario`]. Serialising a [`ScenarioFile`] after defaults are filled gives the
//! resolved scenario that `agora validate` prints and every run saves.

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The whole scenario file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Short name; also the default output folder `output/<name>`.
    pub name: String,
    /// One paragraph saying what the scenario shows.
    #[serde(default)]
    pub description: String,
    /// The question the scenario asks, shown at the top of the report.
    #[serde(default)]
    pub question: String,
    /// `compare` (each regime its own world) or `coexist` (one world, regimes side by side).
    #[serde(default)]
    pub mode: Mode,
    /// The regimes to run, as `kind` or `kind:label` (a labelled variant, see `[variant.<label>]`).
    pub regimes: Vec<String>,
    /// The regime entry that paired comparisons are made against; default the first listed.
    #[serde(default)]
    pub baseline: String,
    /// Length, size, seed and parallelism of the run.
    #[serde(default)]
    pub run: RunConfig,
    /// Who the agents are: goods, needs, skills, strategies, network.
    #[serde(default)]
    pub population: PopulationConfig,
    /// The renewable common-pool resource behind material production.
    #[serde(default)]
    pub resource: ResourceConfig,
    /// The non-rival knowledge good and how it raises productivity.
    #[serde(default)]
    pub knowledge: KnowledgeConfig,
    /// How agents imitate strategies (and, in coexist mode, regimes).
    #[serde(default)]
    pub adapt: AdaptConfig,
    /// Policies for any regime: basic income and the tax that funds it, demurrage, shocks.
    #[serde(default)]
    pub policy: PolicyConfig,
    /// Coexist mode: initial regime shares, migration, trade across regimes.
    #[serde(default)]
    pub coexist: CoexistConfig,
    /// The market regime (and its money-exchange null models).
    #[serde(default)]
    pub market: MarketConfig,
    /// The mutual-credit regime.
    #[serde(default)]
    pub mutual_credit: MutualCreditConfig,
    /// The gift regime.
    #[serde(default)]
    pub gift: GiftConfig,
    /// The commons regime.
    #[serde(default)]
    pub commons: CommonsConfig,

    /// What is written where.
    #[serde(default)]
    pub output: OutputConfig,
    /// Labelled variants: `[variant.<label>]` holds keys laid over this scenario for the
    /// entries listed as `<regime>:<label>`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variant: BTreeMap<String, toml::Table>,
}

/// How regimes are set against each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Every regime runs its own world from the same initial population and random numbers.
    #[default]
    Compare,
    /// One world in which each agent belongs to one regime.
    Coexist,
}

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
        }
    }
}

/// Need per good: one number for all goods or one per good.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum NeedSpec {
    /// The same need for every good.
    All(f64),
    /// A need per good name.
    PerGood(BTreeMap<String, f64>),
}

impl<'de> Deserialize<'de> for NeedSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NeedSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, or a table of numbers by good such as { food = 1.0 }")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<NeedSpec, E> {
                Ok(NeedSpec::All(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NeedSpec, E> {
                Ok(NeedSpec::All(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NeedSpec, E> {
                Ok(NeedSpec::All(v as f64))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<NeedSpec, A::Error> {
                BTreeMap::deserialize(de::value::MapAccessDeserializer::new(map)).map(NeedSpec::PerGood)
            }
        }
        d.deserialize_any(V)
    }
}

/// A probability distribution of a positive quantity, as a table with a `dist` key.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// `exp(ln(median) + sigma * Z)` with `Z` standard normal.
    Lognormal {
        /// The median.
        median: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// Uniform on `[low, high]`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Every agent the same value.
    Constant {
        /// The value.
        value: f64,
    },
    /// Exponential with the given mean.
    Exponential {
        /// The mean.
        mean: f64,
    },
    /// Pareto (power law) with minimum `scale` and tail index `shape`.
    Pareto {
        /// The minimum value.
        scale: f64,
        /// The tail index (larger is thinner).
        shape: f64,
    },
}

impl Distribution {
    /// The mean of the distribution, used where the model needs an expectation.
    pub fn mean(&self) -> f64 {
        match *self {
            Distribution::Lognormal { median, sigma } => median * (sigma * sigma / 2.0).exp(),
            Distribution::Uniform { low, high } => (low + high) / 2.0,
            Distribution::Constant { value } => value,
            Distribution::Exponential { mean } => mean,
            Distribution::Pareto { scale, shape } => {
                if shape > 1.0 {
                    shape * scale / (shape - 1.0)
                } else {
                    f64::INFINITY
                }
            }
        }
    }
}

/// A quantity given either as one number for everyone or as a distribution table.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Amount {
    /// Everyone the same.
    Fixed(f64),
    /// Drawn per agent.
    Drawn(Distribution),
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, or a distribution table such as { dist = \"exponential\", mean = 100 }")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                Ok(Amount::Fixed(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                Ok(Amount::Fixed(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                Ok(Amount::Fixed(v as f64))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Amount, A::Error> {
                Distribution::deserialize(de::value::MapAccessDeserializer::new(map)).map(Amount::Drawn)
            }
        }
        d.deserialize_any(V)
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
}

impl Default for ResourceConfig {
    fn default() -> Self {
        ResourceConfig { capacity: 100.0, regrowth: 0.1, initial: 1.0, intensity: 0.05 }
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

/// `[output]`: what is written where.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Output folder, inside the project's `output/`; default `output/<name>`.
    pub dir: String,
    /// Plot formats: a list of `png` and `svg`, or `false` for none.
    pub plots: PlotFormats,
    /// Whether to write `report.html`.
    pub report: bool,
    /// Steps at which to write one row per agent (`agents_step<T>.csv`); default the last step.
    pub snapshots: Option<Vec<u64>>,
    /// How many replicates' agents the snapshots include (0 = all).
    pub snapshot_replicates: u64,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            dir: String::new(),
            plots: PlotFormats(vec![PlotFormat::Png, PlotFormat::Svg]),
            report: true,
            snapshots: None,
            snapshot_replicates: 1,
        }
    }
}

/// An image format for plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlotFormat {
    /// Raster, for slides and documents.
    Png,
    /// Vector, for papers and the HTML report.
    Svg,
}

/// The plot formats to write; `plots = false` is the empty list, `true` both formats.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct PlotFormats(pub Vec<PlotFormat>);

impl<'de> Deserialize<'de> for PlotFormats {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PlotFormats;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of formats (\"png\", \"svg\"), or true, or false")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<PlotFormats, E> {
                Ok(PlotFormats(if v { vec![PlotFormat::Png, PlotFormat::Svg] } else { vec![] }))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<PlotFormats, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(PlotFormats)
            }
        }
        d.deserialize_any(V)
    }
}

/// Who may use knowledge contributions, for regimes where it is a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyKind {
    /// Contributions join the shared pool at once.
    Open,
    /// Contributions stay private until their patent expires (`knowledge.patent_life`).
    Proprietary,
}

/// Which market model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketModel {
    /// Goods for money at prices set by excess demand.
    #[default]
    Goods,
    /// Kinetic exchange of money with saving propensity (no goods).
    Kinetic,
    /// Yard-sale: fair bets of a share of the poorer one's money (no goods).
    YardSale,
}

/// `[market]`: the market regime.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketConfig {
    /// `goods` (the default), or the pure money-exchange models `kinetic` and `yard_sale`.
    pub model: MarketModel,
    /// Money each agent starts with (unit of account): a number or a distribution table.
    pub initial_money: Amount,
    /// Starting price of every good (unit of account per unit).
    pub initial_price: f64,
    /// Price response to excess demand: `p *= 1 + price_adjust (D - S) / (D + S)`.
    pub price_adjust: f64,
    /// Lowest price sellers accept (their reservation price); prices never fall below it.
    pub min_price: f64,
    /// Holdings up to `keep` times need are kept, not sold.
    pub keep: f64,
    /// Buyers with money left after meeting needs stock up to `stock_target` times need.
    pub stock_target: f64,
    /// Who may use members' knowledge: `proprietary` (the default) or `open`.
    pub property: PropertyKind,
    /// Kinetic model: share of its money each agent keeps out of an exchange, in [0, 1).
    pub saving: f64,
    /// Yard-sale model: share of the poorer agent's money at stake in each encounter.
    pub bet: f64,
    /// Yard-sale model: share of the way every agent moves to the mean after each step.
    pub redistribute: f64,
}

impl Default for MarketConfig {
    fn default() -> Self {
        MarketConfig {
            model: MarketModel::Goods,
            initial_money: Amount::Fixed(10.0),
            initial_price: 1.0,
            price_adjust: 0.1,
            min_price: 0.01,

            keep: 1.0,
            stock_target: 2.0,
            property: PropertyKind::Proprietary,

            saving: 0.0,
            bet: 0.1,
            redistribute: 0.0,
        }
    }
}

/// A mutual-credit limit, as a table with a `kind` key.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CreditLimit {
    /// The same limit for everyone.
    Fixed {
        /// How far below zero a balance may go (unit of account).
        amount: f64,
    },
    /// A multiple of the member's sales over recent steps, never below a floor (as Sardex and
    /// the WIR bank set them).
    Turnover {
        /// Limit per unit of recent sales.
        factor: f64,
        /// Steps of sales counted.
        window: u64,
        /// The lowest limit (unit of account).
        floor: f64,
    },
}

/// How mutual-credit prices are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pricing {
    /// One price per good, moved by excess demand as in the market.
    Market,
    /// Time-bank pricing: a unit costs the labour time its producer spent on it.
    Hours,
}

/// Where demurrage on positive balances goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DemurrageTo {
    /// Shared equally among all members.
    Equal,
    /// Into a community fund, which covers defaults first.
    Fund,
}

/// Who bears the loss when a debtor leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultLoss {
    /// Members with credit balances, in proportion to them.
    Creditors,
    /// All remaining members, equally.
    Everyone,
}

/// `[mutual_credit]`: money created at the moment of trade.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MutualCreditConfig {
    /// The credit limit: `{ kind = "fixed", amount = ... }` or
    /// `{ kind = "turnover", factor = ..., window = ..., floor = ... }`.
    pub limit: CreditLimit,
    /// `market` (excess-demand prices) or `hours` (time-bank pricing).
    pub pricing: Pricing,
    /// Starting price of every good under `market` pricing (unit of account per unit).
    pub initial_price: f64,
    /// Price response to excess demand under `market` pricing.
    pub price_adjust: f64,
    /// Lowest price sellers accept under `market` pricing.
    pub min_price: f64,
    /// Holdings up to `keep` times need are kept, not sold.
    pub keep: f64,
    /// Buyers with credit left after meeting needs stock up to `stock_target` times need.
    pub stock_target: f64,
    /// Share of every positive balance removed per step (0 = none).
    pub demurrage: f64,
    /// Where demurrage goes: `equal` or `fund`.
    pub demurrage_to: DemurrageTo,
    /// Who bears the loss when a debtor leaves: `creditors` or `everyone`.
    pub default_loss: DefaultLoss,
    /// Whether to record the share of trade volume closing in 2- and 3-cycles (costs time).
    pub cycles: bool,
    /// Steps of trades the cycle statistic covers; it is recorded every `cycle_window` steps.
    pub cycle_window: u64,
    /// Who may use members' knowledge: `open` (the default) or `proprietary`.
    pub property: PropertyKind,
}

impl Default for MutualCreditConfig {
    fn default() -> Self {
        MutualCreditConfig {
            limit: CreditLimit::Fixed { amount: 5.0 },
            pricing: Pricing::Market,
            initial_price: 1.0,
            price_adjust: 0.1,
            min_price: 0.01,
            keep: 1.0,
            stock_target: 2.0,
            demurrage: 0.0,
            demurrage_to: DemurrageTo::Equal,
            default_loss: DefaultLoss::Creditors,
            cycles: false,
            cycle_window: 10,
            property: PropertyKind::Open,
        }
    }
}

/// Which gift model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GiftModel {
    /// Surplus goods given through the social network.
    #[default]
    Network,
    /// The pure indirect-reciprocity donation game (no goods).
    Donation,
}

/// `[gift]`: the gift economy.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GiftConfig {
    /// `network` (goods given through the network, the default) or `donation` (the game).
    pub model: GiftModel,
    /// Holdings above `keep` times need are surplus, given away.
    pub keep: f64,
    /// Probability per step that a giver also considers one random non-neighbour in need.
    pub strangers: f64,
    /// Probability that an act is seen (and a recipient's reputation known) by others.
    pub observe: f64,
    /// Probability that a reciprocator who does not know a recipient's reputation takes it as good.
    pub prior_good: f64,
    /// Weight of one observed act in a reputation: giving moves it that share toward 1,
    /// refusing someone in good standing that share toward 0.
    pub reputation_step: f64,
    /// Preference for those who gave before (Mauss's obligation to return): a past donor's
    /// need counts `1 + reciprocity` times.
    pub reciprocity: f64,
    /// Past donors each agent remembers.
    pub memory: u64,
    /// Donation game: cost to the donor.
    pub cost: f64,
    /// Donation game: benefit to the recipient.
    pub benefit: f64,
    /// Donation game: encounters per agent per step (as donor, and as recipient).
    pub encounters: u64,
    /// Who may use members' knowledge: `open` (the default) or `proprietary`.
    pub property: PropertyKind,
}

impl Default for GiftConfig {
    fn default() -> Self {
        GiftConfig {
            model: GiftModel::Network,
            keep: 1.5,
            strangers: 0.0,
            observe: 0.5,
            prior_good: 0.5,
            reputation_step: 0.5,
            reciprocity: 0.0,
            memory: 4,
            cost: 1.0,
            benefit: 3.0,
            encounters: 4,
            property: PropertyKind::Open,
        }
    }
}

/// How the common pool is shared out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    /// By shortfall: needs first, pro rata if the pool falls short.
    Need,
    /// Equal shares.
    Equal,
    /// In proportion to each member's recent contributions.
    Contribution,
}

/// The common-pool resource harvest rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HarvestRule {
    /// Each producer takes what its production calls for.
    OpenAccess,
    /// A total quota per step, split equally among members.
    Quota,
    /// Quota, monitoring, graduated sanctions, exclusion, and a members' vote on the quota.
    Ostrom,
}

/// The total harvest quota per step.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Quota {
    /// The maximum sustainable yield `regrowth * capacity / 4`.
    Msy {},
    /// A share of the current logistic regrowth `r S (1 - S / K)`.
    ShareOfRegrowth {
        /// The share.
        share: f64,
    },
}

/// Who may enclose the knowledge commons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum License {
    /// Contributions and what is built on them stay in the pool.
    Copyleft,
    /// A platform may enclose a share `capture` of the productivity gain.
    Permissive,
}

/// `[commons]`: pooled production under common governance.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommonsConfig {
    /// `need`, `equal` or `contribution`.
    pub allocation: Allocation,
    /// Holdings above `keep` times need go into the pool (contributors only).
    pub keep: f64,
    /// `open_access`, `quota` or `ostrom`.
    pub harvest: HarvestRule,
    /// `{ kind = "msy" }` or `{ kind = "share_of_regrowth", share = ... }`.
    pub quota: Quota,
    /// Ostrom: probability that an over-harvest is seen by monitors.
    pub monitor: f64,
    /// Ostrom: the k-th sanction takes `sanctions[k-1]` of that step's output (0 = a warning);
    /// later offences use the last entry.
    pub sanctions: Vec<f64>,
    /// Ostrom: offences after which a member is excluded (0 = never).
    pub exclude_after: u64,
    /// Ostrom: steps an exclusion lasts (0 = for good); afterwards the record is cleared.
    pub exclude_for: u64,
    /// Ostrom: whether members vote on the quota every `vote_every` steps.
    pub vote: bool,
    /// Ostrom: steps between votes.
    pub vote_every: u64,
    /// `copyleft` (knowledge stays in the pool) or `permissive` (a platform may enclose it).
    pub license: License,
    /// Share of the knowledge gain a platform captures under `permissive`.
    pub capture: f64,
}

impl Default for CommonsConfig {
    fn default() -> Self {
        CommonsConfig {
            allocation: Allocation::Need,
            keep: 1.0,
            harvest: HarvestRule::OpenAccess,
            quota: Quota::Msy {},
            monitor: 0.5,
            sanctions: vec![0.0, 0.5, 1.0],
            exclude_after: 3,
            exclude_for: 20,
            vote: true,
            vote_every: 10,
            license: License::Copyleft,
            capture: 0.3,
        }
    }
}

/// Whether basic income is paid in goods or in money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaidIn {
    /// Units of every good, funded by a tax in goods (works in every regime).
    Goods,
    /// Money (market) or credit (mutual credit), funded by a tax in money.
    Money,
}

/// `[policy.basic_income]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BasicIncome {
    /// Per agent per step: units of each good, or units of account (0 = no basic income).
    pub amount: f64,
    /// `goods` or `money`.
    #[serde(rename = "in")]
    pub paid_in: PaidIn,
}

impl Default for BasicIncome {
    fn default() -> Self {
        BasicIncome { amount: 0.0, paid_in: PaidIn::Goods }
    }
}

/// What the tax is levied on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxBase {
    /// This step's output (valued at the good's price when paid in money).
    Income,
    /// Holdings: every stock (goods), or positive money or credit balances (money).
    Wealth,
}

/// `[policy.tax]`: the tax that funds basic income.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tax {
    /// `income` or `wealth`.
    pub on: TaxBase,
    /// Share taken per step.
    pub rate: f64,
}

impl Default for Tax {
    fn default() -> Self {
        Tax { on: TaxBase::Income, rate: 0.0 }
    }
}

/// A shock at one step, as a table with a `kind` key.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Shock {
    /// The resource stock loses a share `size`.
    ResourceCrash {
        /// The step.
        step: u64,
        /// Share of the stock lost.
        size: f64,
    },
    /// Everyone's productivity falls by a share `size` for `duration` steps (0 = for good).
    Productivity {
        /// The step.
        step: u64,
        /// Share of productivity lost.
        size: f64,
        /// Steps it lasts (0 = for good).
        #[serde(default)]
        duration: u64,
    },
    /// A share of the agents present leaves (the same agents in every regime of a replicate).
    Exodus {
        /// The step.
        step: u64,
        /// Share of present agents leaving.
        share: f64,
    },
}

impl Shock {
    /// The step the shock strikes.
    pub fn step(&self) -> u64 {
        match *self {
            Shock::ResourceCrash { step, .. } | Shock::Productivity { step, .. } | Shock::Exodus { step, .. } => step,
        }
    }
}

/// `[policy]`: policies for any regime.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// Basic income per agent per step.
    pub basic_income: BasicIncome,
    /// The tax that funds it; what it raises beyond the income paid stays in the treasury.
    pub tax: Tax,
    /// Share of money holdings (market money, positive credit balances) taken per step into
    /// the treasury.
    pub demurrage: f64,
    /// Shocks: `{ step = 100, kind = "resource_crash", size = 0.5 }`,
    /// `{ step = 50, kind = "productivity", size = 0.3, duration = 20 }`,
    /// `{ step = 150, kind = "exodus", share = 0.1 }`.
    pub shocks: Vec<Shock>,
}

/// `[coexist]`: one world, several regimes.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CoexistConfig {
    /// Initial share of agents in each regime entry, by label; they must sum to 1.
    pub shares: BTreeMap<String, f64>,
    /// Probability per step that an agent compares itself with a random neighbour in another
    /// regime and moves to it by the Fermi rule.
    pub migrate: f64,
    /// Whether the market is open to members of every regime (they are endowed with its money).
    pub cross_trade: bool,
}
