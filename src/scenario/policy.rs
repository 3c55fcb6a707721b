//! `[policy]` (basic income, tax, demurrage, shocks) and `[coexist]` (one world, several
//! regimes).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether basic income is paid in goods or in money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaidIn {
    /// Units of every good, funded by a tax in goods (works in every regime).
    Goods,
    /// Money (market) or credit (mutual credit), funded by a tax in money.
    Money,
}

/// Where the basic income comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Funding {
    /// Paid from the tax (what it raises, if less).
    #[default]
    Tax,
    /// Issued as new money each step (Lietaer's money issued by the community; SuMSy), with
    /// demurrage destroying money as its counterweight: money only.
    Issue,
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
    /// `tax` (paid from the tax) or `issue` (created as new money; `in = "money"` only).
    pub funding: Funding,
}

impl Default for BasicIncome {
    fn default() -> Self {
        BasicIncome { amount: 0.0, paid_in: PaidIn::Goods, funding: Funding::Tax }
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
    /// A sudden loss of money (a bank failure, a deposit freeze): every member of a regime with
    /// money loses a share `size` of its market money, or of its positive mutual-credit
    /// balance. The money lost is booked to the regime's `lost_to_shock` account, so the
    /// books still balance (market money conserved, credit summing to zero).
    MoneyLoss {
        /// The step.
        step: u64,
        /// Share of each holding lost.
        size: f64,
    },
}

impl Shock {
    /// The step the shock strikes.
    pub fn step(&self) -> u64 {
        match *self {
            Shock::ResourceCrash { step, .. }
            | Shock::Productivity { step, .. }
            | Shock::Exodus { step, .. }
            | Shock::MoneyLoss { step, .. } => step,
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
    /// `{ step = 150, kind = "exodus", share = 0.1 }`, `{ step = 100, kind = "money_loss", size = 0.5 }`.
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
