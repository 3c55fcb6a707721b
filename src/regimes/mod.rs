//! Regimes: the allocation rules of phase 2, each in its own file behind the [`Regime`]
//! trait, and [`REGIMES`], the registry.
//!
//! The registry holds the whole truth of a regime: its name, its table in scenario files (a
//! serde struct with its defaults and checks, behind [`Table`]), the metric columns it adds,
//! what it holds besides goods, what the charts need to know, and example settings that the
//! tests run. Nothing outside this folder names a regime. Adding one means adding its file and
//! one line to [`REGIMES`].

pub mod autarky;
pub mod barter;
pub mod commons;
pub mod exchange;
pub mod footing;
pub mod gift;
pub mod market;
pub mod mutual_credit;
pub mod pairing;

use crate::error::InputError;
use crate::metrics::{MetricDef, RegimeOut};
use crate::money::MoneyKind;
use crate::rng::{Key, Streams};
use crate::world::work::Signal;
use crate::world::{World, WorldSpec};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Every regime the engine knows, in the order `agora list` shows them.
pub static REGIMES: &[RegimeInfo] =
    &[autarky::INFO, market::INFO, mutual_credit::INFO, gift::INFO, commons::INFO, barter::INFO];

/// The registry entry for a regime name.
pub fn find(name: &str) -> Option<&'static RegimeInfo> {
    REGIMES.iter().find(|r| r.name == name)
}

/// A registry entry: everything the rest of the engine may know of a regime.
pub struct RegimeInfo {
    /// Name used in scenario files and outputs.
    pub name: &'static str,
    /// One line for `agora list` and the docs.
    pub summary: &'static str,
    /// The name of its table in scenario files (`[market]`), if it has settings.
    pub table: Option<&'static str>,
    /// Reads and checks its table (absent: every default) into its configuration.
    pub configure: Configure,
    /// The metric columns it writes beside the common ones.
    pub metrics: &'static [MetricDef],
    /// Named settings (TOML laid over the scenario, as in a `[variant]` table) that together
    /// exercise each of its models and options: the determinism and invariant tests run them.
    pub examples: &'static [(&'static str, &'static str)],
    /// The classroom page's controls for its keys, shown when an entry of it reads the key.
    pub controls: &'static [ControlDef],
}

/// A classroom-page control for one key of a regime's table.
#[derive(Debug, Clone, Copy)]
pub struct ControlDef {
    /// The key below the regime's table (`limit.amount`).
    pub key: &'static str,
    /// What the page calls it.
    pub label: &'static str,
    /// One sentence on what it does, in plain words.
    pub help: &'static str,
    /// A slider or a menu.
    pub kind: ControlKind,
    /// Shown only when this key of the table (below it) has this value, as in
    /// `("limit.kind", "fixed")`.
    pub when: Option<(&'static str, &'static str)>,
}

/// What kind of control a key gets.
#[derive(Debug, Clone, Copy)]
pub enum ControlKind {
    /// A slider from 0 to `max` (or the scenario's value, if larger) in steps of `step`.
    Range {
        /// Greatest value offered unless the scenario's is larger.
        max: f64,
        /// Step between values.
        step: f64,
    },
    /// A menu of the values the setting's enum allows, as they are written in files.
    Select {
        /// The values, from the enum itself ([`variant_names`]).
        options: fn() -> Vec<String>,
    },
}

/// The names `values` are written with in scenario files (their serde names), for menus.
pub fn variant_names<T: Serialize>(values: &[T]) -> Vec<String> {
    values
        .iter()
        .filter_map(|v| match toml::Value::try_from(v) {
            Ok(toml::Value::String(s)) => Some(s),
            _ => None,
        })
        .collect()
}

impl std::fmt::Debug for RegimeInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Reads and checks a regime's table (absent: every default) into its configuration.
pub type Configure = fn(Option<&toml::Table>) -> Result<Box<dyn RegimeConfig>, ConfigError>;

/// Why a regime's table was refused.
#[derive(Debug)]
pub enum ConfigError {
    /// It does not deserialise: the path inside the table and the error.
    Toml(String, toml::de::Error),
    /// A value is out of range (the key is the full dotted key).
    Check(InputError),
    /// A key the chosen model does not have: its path inside the table, what is wrong and what
    /// to do.
    Other(String, String, String),
}

/// What a regime's members are and hold, as the phases around allocation need to know.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Traits {
    /// Whether members produce and consume goods (`false` for pure money-exchange models).
    pub material: bool,
    /// What members hold besides goods.
    pub money: MoneyKind,
    /// Whether members' wellbeing is a game payoff the regime sets (no goods to measure).
    pub payoff_wellbeing: bool,
    /// Whether the regime reads the social network (beyond imitation and migration).
    pub network: bool,
    /// What its members rate the goods by when they reconsider what to make.
    pub signal: Signal,
}

impl Default for Traits {
    fn default() -> Self {
        Traits { material: true, money: MoneyKind::None, payoff_wellbeing: false, network: false, signal: Signal::None }
    }
}

/// A distribution the charts compare a regime's money with, when theory gives one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReferenceLaw {
    /// The exponential (Boltzmann-Gibbs) law of the same mean.
    Exponential,
}

impl ReferenceLaw {
    /// The name used in `run.json`.
    pub fn name(self) -> &'static str {
        match self {
            ReferenceLaw::Exponential => "exponential",
        }
    }
}

/// What a regime learns of its world when it is built.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildEnv {
    /// Whether it shares its world with other regimes (coexist mode).
    pub coexist: bool,
    /// Whether members of every regime may trade in it (coexist mode with cross-trade).
    pub cross_trade: bool,
}

/// A regime's checked configuration, as the plan keeps it.
pub trait RegimeConfig: std::fmt::Debug + Send + Sync {
    /// What its members are and hold.
    fn traits(&self) -> Traits;
    /// A fresh regime for one world.
    fn build(&self, env: &BuildEnv) -> Box<dyn Regime>;
    /// Its table as resolved TOML (every default filled in), headed `[table]`.
    fn section(&self, table: &str) -> String;
    /// Its table as a TOML value (for laying variants over it).
    fn to_value(&self) -> toml::Value;
    /// A copy.
    fn clone_box(&self) -> Box<dyn RegimeConfig>;
    /// The distribution theory predicts for its money, if any.
    fn reference_law(&self) -> Option<ReferenceLaw> {
        None
    }
    /// Keys of its table (dotted below the table, such as `limit.amount`) that act on nothing
    /// with the other settings as they are, and why.
    fn inactive(&self) -> Vec<(&'static str, &'static str)>;
    /// The same, for a regime living in `world`: adds keys that its population's settings
    /// leave with nothing to act on (the storage rule where goods perish within the step).
    fn inactive_in(&self, world: &WorldSpec) -> Vec<(&'static str, &'static str)>;
    /// The default configuration as a TOML value (to tell a key set from its default).
    fn default_value(&self) -> toml::Value;
    /// Money or credit each member may hold, per key that sets it: see [`Table::money_per_agent`].
    fn money_per_agent(&self) -> Vec<(&'static str, f64)>;
    /// Its value for each mechanism of equal footing: see [`Table::footing`].
    fn footing(&self) -> Vec<footing::Footing>;
}

impl Clone for Box<dyn RegimeConfig> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// A regime's table in scenario files: a serde mirror with defaults, its checks, and what it
/// builds. [`configure`] turns any `Table` into the registry's [`RegimeInfo::configure`].
pub trait Table: Serialize + DeserializeOwned + Default + Clone + std::fmt::Debug + Send + Sync + 'static {
    /// Checks every value; errors name the full key (`market.min_price`).
    fn check(&self) -> Result<(), InputError>;
    /// What its members are and hold.
    fn traits(&self) -> Traits;
    /// A fresh regime for one world.
    fn build(&self, env: &BuildEnv) -> Box<dyn Regime>;
    /// The distribution theory predicts for its money, if any.
    fn reference_law(&self) -> Option<ReferenceLaw> {
        None
    }
    /// Keys (below the table) of another model of the regime than the one chosen, with the
    /// model that reads them: set to other than its default, each is an error naming its model
    /// (a kinetic market has no prices), not a warning.
    fn other_models(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }
    /// Keys (below the table) that act on nothing with the other settings as they are, and
    /// why: the plan warns about each one set to other than its default.
    fn inactive(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }
    /// Keys that act on nothing in `world` (with its population's settings), and why: by
    /// default those of [`Table::inactive`].
    fn inactive_in(&self, _world: &WorldSpec) -> Vec<(&'static str, &'static str)> {
        self.inactive()
    }
    /// An upper bound of the money or credit (unit of account) each member starts with or may
    /// run up, with the full key that sets it (`market.initial_money`); for a distribution its
    /// mean. The plan refuses a scenario where agents times this would overflow the integer
    /// money units ([`crate::money::MAX_TOTAL_MONEY`]).
    fn money_per_agent(&self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }
    /// Its value for each mechanism of equal footing ([`footing::Mechanism`]) with these
    /// settings; the world's own rows (governance, property, transfer cost) may be left out,
    /// and then read as the world's rule, unchanged.
    fn footing(&self) -> Vec<footing::Footing>;
}

impl<T: Table> RegimeConfig for T {
    fn traits(&self) -> Traits {
        Table::traits(self)
    }
    fn build(&self, env: &BuildEnv) -> Box<dyn Regime> {
        Table::build(self, env)
    }
    fn section(&self, table: &str) -> String {
        toml::to_string(&std::collections::BTreeMap::from([(table, self)]))
            .unwrap_or_else(|e| format!("# could not print [{table}]: {e}\n"))
    }
    fn to_value(&self) -> toml::Value {
        toml::Value::try_from(self).unwrap_or_else(|_| toml::Value::Table(toml::Table::new()))
    }
    fn clone_box(&self) -> Box<dyn RegimeConfig> {
        Box::new(self.clone())
    }
    fn reference_law(&self) -> Option<ReferenceLaw> {
        Table::reference_law(self)
    }
    fn inactive(&self) -> Vec<(&'static str, &'static str)> {
        Table::inactive(self)
    }
    fn inactive_in(&self, world: &WorldSpec) -> Vec<(&'static str, &'static str)> {
        Table::inactive_in(self, world)
    }
    fn money_per_agent(&self) -> Vec<(&'static str, f64)> {
        Table::money_per_agent(self)
    }
    fn footing(&self) -> Vec<footing::Footing> {
        Table::footing(self)
    }
    fn default_value(&self) -> toml::Value {
        toml::Value::try_from(T::default()).unwrap_or_else(|_| toml::Value::Table(toml::Table::new()))
    }
}

/// Reads a regime's table (every key defaulted when absent) and checks it.
pub fn configure<T: Table>(table: Option<&toml::Table>) -> Result<Box<dyn RegimeConfig>, ConfigError> {
    let cfg: T = match table {
        None => T::default(),
        Some(t) => {
            // The defaults as a table: the keys the settings have, and each one's default.
            let defaults = match toml::Value::try_from(T::default()) {
                Ok(toml::Value::Table(d)) => d,
                _ => toml::Table::new(),
            };
            moved_keys(t, &defaults)?;
            unknown_keys(t, &defaults)?;
            let cfg: T = serde_path_to_error::deserialize(toml::Value::Table(t.clone())).map_err(|e| {
                let path = e.path().to_string();
                if path.is_empty() || path == "." {
                    if let Some(located) = locate_error::<T>(t, &defaults) {
                        return located;
                    }
                }
                ConfigError::Toml(path, e.into_inner())
            })?;
            // A key of another model set to other than its default (a variant's table arrives
            // laid over the base table's defaults, so a default value says nothing).
            let others = cfg.other_models();
            if let Some((k, model)) =
                others.iter().find(|(k, _)| t.get(*k).is_some_and(|v| Some(v) != defaults.get(*k)))
            {
                return Err(ConfigError::Other(
                    k.to_string(),
                    format!("`{k}` belongs to {model}, not to the model this table chooses"),
                    "remove it, or choose that model".to_string(),
                ));
            }
            cfg
        }
    };
    cfg.check().map_err(ConfigError::Check)?;
    Ok(Box::new(cfg))
}

/// Refuses a key that a regime's table had before the world took it over (the resource's
/// governance, knowledge's property rule), pointing to where it lives now.
fn moved_keys(table: &toml::Table, known: &toml::Table) -> Result<(), ConfigError> {
    use crate::scenario::institutions::MOVED;
    let found = table.keys().find_map(|k| MOVED.iter().find(|(old, _)| old == k && !known.contains_key(k.as_str())));
    match found {
        None => Ok(()),
        Some((old, new)) => Err(ConfigError::Other(
            old.to_string(),
            format!("`{old}` is set for the whole world now, as `{new}`: every regime lives under the same rule"),
            format!("set `{new}` instead; to give one entry a rule of its own, set it in that entry's [variant.<label>] table (the report then labels the entry as a bundle)"),
        )),
    }
}

/// Refuses a key of a regime's table that its settings do not have, with the keys they do have
/// (the keys of its `defaults`, in alphabetical order), as serde words it: checked here rather
/// than by `deny_unknown_fields` because a table may take in settings shared with another
/// regime (`#[serde(flatten)]`, which serde cannot combine with `deny_unknown_fields`).
fn unknown_keys(table: &toml::Table, known: &toml::Table) -> Result<(), ConfigError> {
    match table.keys().find(|k| !known.contains_key(k.as_str())) {
        None => Ok(()),
        Some(k) => {
            let list = known.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
            let e =
                <toml::de::Error as serde::de::Error>::custom(format!("unknown field `{k}`, expected one of {list}"));
            Err(ConfigError::Toml(k.clone(), e))
        }
    }
}

/// The key of `table` whose value does not deserialise, with its error: each key in turn laid
/// over the defaults. Serde loses the path of an error inside settings taken in with
/// `#[serde(flatten)]`; this finds it again.
fn locate_error<T: Table>(table: &toml::Table, defaults: &toml::Table) -> Option<ConfigError> {
    table.iter().find_map(|(k, v)| {
        let mut one = defaults.clone();
        one.insert(k.clone(), v.clone());
        let e = serde_path_to_error::deserialize::<_, T>(toml::Value::Table(one)).err()?;
        let inner = e.path().to_string();
        let path = if inner.is_empty() || inner == "." || !inner.starts_with(k.as_str()) { k.clone() } else { inner };
        Some(ConfigError::Toml(path, e.into_inner()))
    })
}

/// Where members who depart are going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaving {
    /// Out of the world (destitution, an exodus).
    World,
    /// To another regime of the same world (migration, coexist mode).
    Regime,
}

/// What a regime sees of the step it runs in.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// The regime's slot in the world: its members are the agents with `member == slot`.
    pub slot: u8,
    /// The step being simulated (1-based; 0 is the initial state).
    pub step: u64,
    /// The replicate's random streams.
    pub streams: Streams,
}

impl Ctx {
    /// The key of the regime's own stream `stream` (its own numbering), `index` within it.
    pub fn key(&self, stream: u8, index: u32) -> Key {
        Key::regime(self.slot, stream, index)
    }

    /// The regime's stream `stream`, `index` within it, at this step, for `chunk`.
    pub fn rng(&self, stream: u8, index: u32, chunk: usize) -> rand_chacha::ChaCha8Rng {
        self.streams.rng(self.key(stream, index), self.step, chunk)
    }
}

/// One allocation regime in one world. Its `allocate` is phase 2; the other methods, all
/// optional, let it shape the phases around it. A regime keeps what it measured during the
/// step in its own state and writes it in [`Regime::record`].
pub trait Regime: Send {
    /// Sets the regime's initial state on its members (money, balances, ...).
    fn init(&mut self, _world: &mut World, _ctx: &Ctx) {}

    /// Phase 2: moves goods (and money or credit) between members.
    fn allocate(&mut self, world: &mut World, ctx: &Ctx);

    /// Phase 6: the regime's own rules after consumption (demurrage, sanctions, ...).
    fn policy(&mut self, _world: &mut World, _ctx: &Ctx) {}

    /// Phase 6 and 7: members `leaving` are about to leave the world (destitution, exodus)
    /// or the regime (migration, `to`); settle what they owe or are owed. They are still
    /// members during the call.
    fn depart(&mut self, _world: &mut World, _ctx: &Ctx, _leaving: &[u32], _to: Leaving) {}

    /// Whether agents of every regime hold its accounts (a market open to all with
    /// cross-trade): then it also settles the accounts of others who leave the world.
    fn open_to_all(&self) -> bool {
        false
    }

    /// Phase 8: writes the metrics the regime declared for this step, then forgets them.
    fn record(&mut self, _out: &mut RegimeOut) {}

    /// A description of the first of the regime's own invariants that does not hold (a
    /// balance below its credit limit, ...), if any: for tests.
    fn broken_invariant(&self, _world: &World, _slot: u8) -> Option<String> {
        None
    }

    /// Accounts held outside the agents (a community fund), for snapshots: name and balance in
    /// money units.
    fn accounts(&self) -> Vec<(&'static str, i64)> {
        Vec::new()
    }

    /// Prices for valuing goods in wealth; `None` values goods in units.
    fn prices(&self) -> Option<&[f64]> {
        None
    }
}

/// Metrics that more than one regime reports, defined once.
pub mod shared {
    use crate::metrics::MetricDef;

    /// Purchases (or pair encounters in the money-exchange models) this step.
    pub const TRADES: MetricDef =
        MetricDef::new("trades", "count", "purchases (or pair encounters in money-exchange models) this step");
    /// Money changing hands over the money stock.
    pub const VELOCITY: MetricDef =
        MetricDef::new("velocity", "per step", "money (or credit) changing hands this step over the money stock");
    /// Goods bought beyond needs with money above the reserve, and consumed at once.
    pub const LUXURY: MetricDef = MetricDef::new(
        "luxury",
        "units per member",
        "goods bought beyond needs with own money above the reserve, and consumed at once, per member",
    );
    /// Surplus sellers kept back because the price was below their reservation price.
    pub const WITHHELD: MetricDef = MetricDef::new(
        "withheld",
        "units per member",
        "surplus sellers kept back this step because the price was below what a unit kept is worth, per member",
    );
}
