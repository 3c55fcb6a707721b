//! `[mutual_credit]`: the settings of the mutual-credit regime, with their defaults and checks.

use super::MutualCredit;
use crate::error::InputError;
use crate::money::MoneyKind;
use crate::regimes::exchange::{self, ExchangeSettings};
use crate::regimes::{BuildEnv, Regime, Table, Traits};
use crate::scenario::validate::{at_least, count, range, share};
use crate::world::WorldSpec;
use serde::{Deserialize, Serialize};

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
#[serde(default)]
pub struct MutualCreditConfig {
    /// The credit limit: `{ kind = "fixed", amount = ... }` or
    /// `{ kind = "turnover", factor = ..., window = ..., floor = ... }`.
    pub limit: CreditLimit,
    /// `market` (excess-demand prices) or `hours` (time-bank pricing).
    pub pricing: Pricing,
    /// How members offer, buy and stock goods, and how prices move under `market` pricing:
    /// the settings shared with the market, written at the table's top level.
    #[serde(flatten)]
    pub exchange: ExchangeSettings,
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
}

impl Default for MutualCreditConfig {
    fn default() -> Self {
        MutualCreditConfig {
            limit: CreditLimit::Fixed { amount: 5.0 },
            pricing: Pricing::Market,
            exchange: ExchangeSettings::default(),
            demurrage: 0.0,
            demurrage_to: DemurrageTo::Equal,
            default_loss: DefaultLoss::Creditors,
            cycles: false,
            cycle_window: 10,
        }
    }
}

impl Table for MutualCreditConfig {
    fn check(&self) -> Result<(), InputError> {
        let m = self;
        match m.limit {
            CreditLimit::Fixed { amount } => at_least("mutual_credit.limit.amount", amount, 0.0)?,
            CreditLimit::Turnover { factor, window, floor } => {
                range("mutual_credit.limit.factor", factor, 0.0, 1000.0)?;
                count("mutual_credit.limit.window", window, 1, 1000, None)?;
                at_least("mutual_credit.limit.floor", floor, 0.0)?;
            }
        }
        m.exchange.check("mutual_credit")?;
        share("mutual_credit.demurrage", m.demurrage)?;
        count("mutual_credit.cycle_window", m.cycle_window, 1, 1000, None)?;
        Ok(())
    }

    fn traits(&self) -> Traits {
        Traits {
            material: true,
            money: MoneyKind::Balance,
            payoff_wellbeing: false,
            network: false,
            signal: crate::world::work::Signal::Prices,
        }
    }

    fn footing(&self) -> Vec<crate::regimes::footing::Footing> {
        let prices = match self.pricing {
            Pricing::Market => {
                format!("one per good, moved by excess demand (`price_adjust` [{}])", self.exchange.price_adjust)
            }
            Pricing::Hours => "a unit costs its producer's labour time (`pricing = \"hours\"`)".to_string(),
        };
        self.exchange.footing(prices, "a positive balance", true)
    }

    fn inactive(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        if self.pricing == Pricing::Hours {
            for k in exchange::PRICE_KEYS {
                out.push((k, "acts only with pricing = \"market\" (time-bank prices are labour time)"));
            }
        } else {
            out.extend(self.exchange.inactive());
        }
        if !self.cycles {
            out.push(("cycle_window", "acts only with cycles = true"));
        }
        out
    }

    fn inactive_in(&self, world: &WorldSpec) -> Vec<(&'static str, &'static str)> {
        exchange::with_storage_inactive(self.inactive(), world)
    }

    fn money_per_agent(&self) -> Vec<(&'static str, f64)> {
        match self.limit {
            CreditLimit::Fixed { amount } => vec![("mutual_credit.limit.amount", amount)],
            CreditLimit::Turnover { floor, .. } => vec![("mutual_credit.limit.floor", floor)],
        }
    }

    fn build(&self, _env: &BuildEnv) -> Box<dyn Regime> {
        Box::new(MutualCredit::new(self))
    }
}
