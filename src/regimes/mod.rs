//! Regimes: the allocation rules of phase 2, each in one file behind the [`Regime`] trait.
//!
//! [`REGIMES`] is the registry, the only place that maps names to regimes. The CLI's `list`,
//! scenario validation, the docs and the tests all read it. Adding a regime means adding its
//! file, one line here, and its table in the scenario schema.

pub mod autarky;
pub mod commons;
pub mod exchange;
pub mod gift;
pub mod market;
pub mod mutual_credit;
pub mod pairing;

use crate::error::InputError;
use crate::metrics::MoneyKind;
use crate::rng::Streams;
use crate::scenario::ScenarioFile;
use crate::world::World;

/// Who may use the knowledge a regime's members contribute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Property {
    /// Contributions join the shared pool at once; everyone uses the pool.
    Open,
    /// Contributions stay with the contributor and enter the pool as patents expire.
    Proprietary,
    /// Open, but a platform encloses a share `capture` of the productivity gain.
    Permissive {
        /// Share of the knowledge gain the platform takes.
        capture: f64,
    },
}

/// What a regime sees of the step it runs in.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The regime's slot in the world: its members are the agents with `member == slot`.
    pub slot: u8,
    /// The step being simulated (1-based; 0 is the initial state).
    pub step: u64,
    /// The replicate's random streams.
    pub streams: &'a Streams,
    /// The scenario as resolved for this regime entry (variant overlays applied).
    pub cfg: &'a ScenarioFile,
}

/// One allocation regime. Its `allocate` is phase 2; the other methods, all optional, let it
/// shape the phases around it.
pub trait Regime: Send {
    /// The registry name.
    fn name(&self) -> &'static str;

    /// Whether members produce and consume goods (`false` for pure money-exchange models).
    fn material(&self) -> bool {
        true
    }

    /// What members hold besides goods.
    fn money(&self) -> MoneyKind {
        MoneyKind::None
    }

    /// Who may use members' knowledge contributions.
    fn property(&self) -> Property {
        Property::Open
    }

    /// Sets the regime's initial state on its members (money, balances, ...).
    fn init(&mut self, _world: &mut World, _ctx: &Ctx) {}

    /// Phase 1: restricts the resource units members may harvest. `want[i]` holds what agent
    /// `i`'s production calls for; lower it where the regime's rule allows less.
    fn harvest(&mut self, _world: &World, _ctx: &Ctx, _want: &mut [f64]) {}

    /// Phase 2: moves goods (and money or credit) between members; writes the regime's own
    /// metrics (trades, prices, ...) into `row`.
    fn allocate(&mut self, world: &mut World, ctx: &Ctx, row: &mut [f64]);

    /// Phase 6: the regime's own rules after consumption (demurrage, sanctions, ...).
    fn policy(&mut self, _world: &mut World, _ctx: &Ctx, _row: &mut [f64]) {}

    /// Phase 6: members `leaving` are about to leave the world (destitution, exodus); settle
    /// what they owe or are owed. They are still members during the call.
    fn depart(&mut self, _world: &mut World, _ctx: &Ctx, _leaving: &[u32], _row: &mut [f64]) {}

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

/// A registry entry.
pub struct RegimeInfo {
    /// Name used in scenario files and outputs.
    pub name: &'static str,
    /// One line for `agora list` and the docs.
    pub summary: &'static str,
    /// Checks the regime's own table of the scenario.
    pub validate: fn(&ScenarioFile) -> Result<(), InputError>,
    /// Builds the regime for one world.
    pub build: fn(&ScenarioFile) -> Box<dyn Regime>,
}

/// Every regime the engine knows.
pub static REGIMES: &[RegimeInfo] = &[autarky::INFO, market::INFO, mutual_credit::INFO, gift::INFO, commons::INFO];

/// The registry entry for a regime name.
pub fn find(name: &str) -> Option<&'static RegimeInfo> {
    REGIMES.iter().find(|r| r.name == name)
}

/// The regime kind of an entry `kind` or `kind:label`.
pub fn kind_of(entry: &str) -> &str {
    entry.split_once(':').map_or(entry, |(k, _)| k)
}
