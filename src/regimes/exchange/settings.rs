//! The settings of exchange at prices, shared by the goods market and mutual credit: declared,
//! defaulted, checked and explained once, read into both tables (`[market]` and
//! `[mutual_credit]` write them at their top level).

use super::Reservation;
use crate::error::InputError;
use crate::scenario::validate::{at_least, share};
use serde::{Deserialize, Serialize};

/// How members offer, buy and stock goods at prices, and how prices move.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExchangeSettings {
    /// Starting price of every good (unit of account per unit).
    pub initial_price: f64,
    /// Price response to excess demand: `p *= 1 + price_adjust (D - S) / (D + S)`.
    pub price_adjust: f64,
    /// Lowest price quoted: a numerical guard that keeps prices positive.
    pub min_price: f64,
    /// Holdings up to `keep` times need are kept, not sold.
    pub keep: f64,
    /// Buyers with money (or credit) left after meeting needs stock up to `stock_target` times
    /// need.
    pub stock_target: f64,
    /// Own money (or positive balance) kept as a precautionary reserve, in steps' needs at
    /// current prices.
    pub reserve: f64,
    /// Share of own money (or positive balance) above the reserve spent per step on goods
    /// beyond needs, consumed at once; credit is never spent this way.
    pub spend: f64,
    /// Sellers' reservation price: `storage` (a unit is offered only at a price of at least
    /// `(1 - decay)` times the expected price, what it is worth kept) or `none` (0).
    pub reservation: Reservation,
    /// Weight of the latest price in sellers' adaptive expected price, in (0, 1]; 1 = the last
    /// price.
    pub expectation: f64,
    /// How far below the storage value the reservation prices of sellers' units reach, as a
    /// share of it (storers' costs); 0 = every unit at the same price, all or nothing.
    pub reservation_spread: f64,
}

impl Default for ExchangeSettings {
    fn default() -> Self {
        ExchangeSettings {
            initial_price: 1.0,
            price_adjust: 0.1,
            min_price: 1e-4,
            keep: 1.0,
            stock_target: 2.0,
            reserve: 2.0,
            spend: 0.5,
            reservation: Reservation::Storage,
            expectation: 0.5,
            reservation_spread: 0.2,
        }
    }
}

/// The keys of the price settings (`initial_price`, `price_adjust`, `min_price`, the
/// reservation keys), which time-bank pricing does without.
pub const PRICE_KEYS: [&str; 6] =
    ["initial_price", "price_adjust", "min_price", "reservation", "expectation", "reservation_spread"];

impl ExchangeSettings {
    /// The keys, in file order.
    pub const KEYS: [&'static str; 10] = [
        "initial_price",
        "price_adjust",
        "min_price",
        "keep",
        "stock_target",
        "reserve",
        "spend",
        "reservation",
        "expectation",
        "reservation_spread",
    ];

    /// Checks every value; errors name the key below `table` (`market.min_price`).
    pub fn check(&self, table: &str) -> Result<(), InputError> {
        let key = |k: &str| format!("{table}.{k}");
        at_least(&key("min_price"), self.min_price, 1e-6)?;
        at_least(&key("initial_price"), self.initial_price, self.min_price)?;
        share(&key("price_adjust"), self.price_adjust)?;
        at_least(&key("keep"), self.keep, 0.0)?;
        at_least(&key("stock_target"), self.stock_target, 1.0)?;
        at_least(&key("reserve"), self.reserve, 0.0)?;
        share(&key("spend"), self.spend)?;
        super::check_reservation(table, self.expectation, self.reservation_spread)
    }

    /// Keys that act on nothing with the reservation as it is, and why.
    pub fn inactive(&self) -> Vec<(&'static str, &'static str)> {
        if self.reservation == Reservation::None {
            ["expectation", "reservation_spread"].map(|k| (k, "acts only with reservation = \"storage\"")).to_vec()
        } else {
            Vec::new()
        }
    }
}

/// What the reasons for a clearing at prices say (the market's and mutual credit's alike).
pub const CLEARING: &str = "a price system pools every offer and demand of the regime in one clearing each step, at no cost beyond the transfer cost: Walras's auctioneer, the case most favourable to exchange at prices, so that a regime that beats it does so against its best form";

/// Prices that move with excess demand.
pub const PRICES: &str = "money and credit allocate through prices and budgets: an agent without money or credit room is priced out (Walras 1874; for mutual credit, Greco 2009)";

/// What a free rider can do where every unit is paid for.
pub const QUID_PRO_QUO: &str = "quid pro quo: a buyer pays before it gets, so there is nothing to take without giving (immune by design; a free rider still shirks knowledge and, unwatched, the quota)";

/// What a free rider does where goods are bought on credit.
pub const CREDIT_RUN: &str = "credit created at the moment of trade invites buying on it and never selling: the free rider's balance runs to its limit, and it defaults when it leaves (the mutual-credit dilemma: Greco 2009; Lietaer 2001)";

/// Money above a reserve buys goods beyond needs.
pub const LUXURY: &str = "with money, surplus can be exchanged for goods beyond needs instead of given: the use of money the regime exists for";

impl ExchangeSettings {
    /// The equal-footing values these settings give a regime that exchanges at prices, with
    /// `prices` describing its price rule and `account` its money ("money" or "a positive
    /// balance").
    pub fn footing(&self, prices: String, account: &str, credit: bool) -> Vec<crate::regimes::footing::Footing> {
        use crate::regimes::footing::{Footing, Mechanism::*};
        vec![
            Footing::institution(Reach, "every member, through one clearing each step", CLEARING),
            Footing::shared(CoordinationCost, "none"),
            Footing::institution(Prices, prices, PRICES),
            Footing::shared(Keep, format!("`keep` [{}] x need of each good", self.keep)),
            Footing::institution(
                Satiation,
                format!(
                    "{account} above a reserve of `reserve` [{}] steps' needs buys goods beyond needs (`spend` [{}] of it a step), eaten at once",
                    self.reserve, self.spend
                ),
                LUXURY,
            ),
            if credit {
                Footing::institution(
                    Opportunism,
                    "buys on credit and never sells: its balance runs to the limit; defaults when it leaves",
                    CREDIT_RUN,
                )
            } else {
                Footing::institution(Opportunism, "nothing beyond the world's rules", QUID_PRO_QUO)
            },
        ]
    }
}
