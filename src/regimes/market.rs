//! The market: goods for money at one price per good, set by excess demand; and the two
//! money-exchange null models of econophysics (kinetic exchange and yard-sale), which share
//! its money but have no goods.
//!
//! Goods model, per step: members offer their surplus and buy their shortfall within their
//! money, cheapest goods first ([`super::exchange`]); then each price moves by
//! `p *= 1 + price_adjust (D - S) / (D + S)`. Money is an integer column, so it is conserved
//! exactly: it only changes hands.

use super::exchange::{self, Account, Credit, ExchangeSettings, Expectations, Orders, Reservation, Storage, Terms};
use super::pairing::Pairing;
use super::shared::{LUXURY, TRADES, VELOCITY, WITHHELD};
use super::{BuildEnv, Ctx, Leaving, ReferenceLaw, Regime, RegimeInfo, Table, Traits};
use crate::error::InputError;
use crate::metrics::RegimeOut;
use crate::money::{apportion, to_money, MoneyKind};
use crate::rng::{stream, unit_f64, Key, Purpose, CHUNK};
use crate::scenario::validate::{at_least, distribution, range, share};
use crate::scenario::Amount;
use crate::world::{Sampler, World, WorldSpec, LEFT};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Registry entry.
pub const INFO: RegimeInfo = RegimeInfo {
    name: "market",
    summary: "goods sold for money at prices set by excess demand (or the kinetic and yard-sale money models)",
    table: Some("market"),
    configure: super::configure::<MarketConfig>,
    metrics: &[TRADES, VELOCITY, LUXURY, WITHHELD],
    examples: &[
        ("goods", ""),
        (
            "proprietary",
            "knowledge.property = \"proprietary\"\nmarket.initial_money = { dist = \"exponential\", mean = 10 }",
        ),
        ("naive", "market.expectation = 1.0\nmarket.reservation_spread = 0.0"),
        ("no_reservation", "market.reservation = \"none\""),
        ("kinetic", "market.model = \"kinetic\"\nmarket.saving = 0.3"),
        ("yard_sale", "market.model = \"yard_sale\"\nmarket.redistribute = 0.05"),
    ],
    controls: &[],
};

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
#[serde(default)]
pub struct MarketConfig {
    /// `goods` (the default), or the pure money-exchange models `kinetic` and `yard_sale`.
    pub model: MarketModel,
    /// Money each agent starts with (unit of account): a number or a distribution table.
    pub initial_money: Amount,
    /// How members offer, buy and stock goods, and how prices move (goods model): the settings
    /// shared with mutual credit, written at the table's top level.
    #[serde(flatten)]
    pub exchange: ExchangeSettings,
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
            exchange: ExchangeSettings::default(),
            saving: 0.0,
            bet: 0.1,
            redistribute: 0.0,
        }
    }
}

impl Table for MarketConfig {
    fn check(&self) -> Result<(), InputError> {
        let m = self;
        initial_money("market.initial_money", &m.initial_money)?;
        m.exchange.check("market")?;

        range("market.saving", m.saving, 0.0, 0.999_999)?;
        share("market.bet", m.bet)?;
        share("market.redistribute", m.redistribute)
    }

    fn traits(&self) -> Traits {
        Traits {
            material: self.model == MarketModel::Goods,
            money: MoneyKind::Money,
            payoff_wellbeing: false,
            network: false,
            signal: crate::world::work::Signal::Prices,
        }
    }

    fn footing(&self) -> Vec<super::footing::Footing> {
        if self.model != MarketModel::Goods {
            return super::footing::no_goods();
        }
        let prices = format!("one per good, moved by excess demand (`price_adjust` [{}])", self.exchange.price_adjust);
        self.exchange.footing(prices, "money", false)
    }

    fn other_models(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        if self.model != MarketModel::Goods {
            for k in ExchangeSettings::KEYS {
                out.push((k, "the goods model (`model = \"goods\"`)"));
            }
        }
        if self.model != MarketModel::Kinetic {
            out.push(("saving", "the kinetic model (`model = \"kinetic\"`)"));
        }
        if self.model != MarketModel::YardSale {
            out.push(("bet", "the yard-sale model (`model = \"yard_sale\"`)"));
            out.push(("redistribute", "the yard-sale model (`model = \"yard_sale\"`)"));
        }
        out
    }

    fn inactive(&self) -> Vec<(&'static str, &'static str)> {
        if self.model == MarketModel::Goods {
            self.exchange.inactive()
        } else {
            Vec::new()
        }
    }

    fn inactive_in(&self, world: &WorldSpec) -> Vec<(&'static str, &'static str)> {
        exchange::with_storage_inactive(self.inactive(), world)
    }

    fn build(&self, env: &BuildEnv) -> Box<dyn Regime> {
        Box::new(Market::new(self, env.coexist && env.cross_trade))
    }

    fn money_per_agent(&self) -> Vec<(&'static str, f64)> {
        vec![("market.initial_money", self.initial_money.bound())]
    }

    fn reference_law(&self) -> Option<ReferenceLaw> {
        (self.model == MarketModel::Kinetic && self.saving == 0.0).then_some(ReferenceLaw::Exponential)
    }
}

/// The market's random streams (the money-exchange models' matching and coins).
#[repr(u8)]
enum Stream {
    Matching,
    Exchange,
}

/// Checks an initial money amount or distribution.
pub fn initial_money(key: &str, a: &Amount) -> Result<(), InputError> {
    match a {
        Amount::Fixed(x) => at_least(key, *x, 0.0),
        Amount::Drawn(d) => distribution(key, d),
    }
}

/// Gives every member of `slot` (every agent, with cross-trade) its initial money, drawn from
/// the population stream so that all money regimes of a replicate start from the same
/// endowments.
pub fn endow(world: &mut World, ctx: &Ctx, amount: &Amount, everyone: bool) {
    let sampler = match amount {
        Amount::Fixed(x) => Sampler::Constant(*x),
        Amount::Drawn(d) => Sampler::new(d),
    };
    let slot = ctx.slot;
    let streams = ctx.streams;
    let a = &mut world.agents;
    (a.money.par_chunks_mut(CHUNK), a.member.par_chunks(CHUNK)).into_par_iter().enumerate().for_each(
        |(c, (money, member))| {
            let mut rng = streams.rng(Key::engine(Purpose::Population, stream::ENDOWMENT, 0), 0, c);
            for (m, &s) in money.iter_mut().zip(member) {
                let x = sampler.sample(&mut rng);
                if s == slot || (everyone && s != crate::world::LEFT) {
                    *m = to_money(x);
                }
            }
        },
    );
}

/// The market regime's state.
#[derive(Debug, Clone)]
pub struct Market {
    cfg: MarketConfig,
    /// Whether members of every regime trade here (coexist mode with cross-trade).
    everyone: bool,
    prices: Vec<f64>,
    /// Sellers' expected prices (the storage rule's).
    expect: Expectations,
    orders: Orders,
    pairing: Pairing,
    weights: Vec<f64>,
    shares: Vec<i64>,
    /// This step's trades and velocity, until recorded.
    trades: f64,
    velocity: f64,
    luxury: f64,
    withheld: f64,
    /// Money left by members who departed when no member remained to share it.
    estate: i64,
}

impl Market {
    /// A market with the given settings.
    pub fn new(cfg: &MarketConfig, everyone: bool) -> Market {
        Market {
            cfg: cfg.clone(),
            everyone,
            prices: Vec::new(),
            expect: Expectations::default(),
            orders: Orders::default(),
            pairing: Pairing::default(),
            weights: Vec::new(),
            shares: Vec::new(),
            trades: f64::NAN,
            velocity: f64::NAN,
            luxury: f64::NAN,
            withheld: f64::NAN,
            estate: 0,
        }
    }

    fn goods(&mut self, world: &mut World, ctx: &Ctx) {
        let stock = members_money(world, ctx.slot);
        let terms = Terms {
            slot: ctx.slot,
            everyone: self.everyone,
            prices: &self.prices,
            keep: self.cfg.exchange.keep,
            target: self.cfg.exchange.stock_target,
            reserve: self.cfg.exchange.reserve,
            spend: self.cfg.exchange.spend,
            account: Account::Money,
            credit: Credit::None,
            seller_weight: None,
            rotate: (ctx.step as usize).wrapping_mul(7919),
            log_trades: false,
            withhold: false,
            storage: (self.cfg.exchange.reservation == Reservation::Storage)
                .then(|| Storage { expected: self.expect.expected(), spread: self.cfg.exchange.reservation_spread }),
        };
        let cleared = exchange::clear(world, &terms, &mut self.orders);
        self.luxury = cleared.luxury_per_member();
        self.withheld = cleared.withheld_per_member();
        // Sellers learn from the prices this step traded at, before the prices move.
        self.expect.observe(&self.prices);
        for (g, p) in self.prices.iter_mut().enumerate() {
            let (d, s) = (cleared.demand[g], cleared.supply[g]);
            if d + s > 0.0 {
                *p = (*p * (1.0 + self.cfg.exchange.price_adjust * (d - s) / (d + s))).max(self.cfg.exchange.min_price);
            }
        }
        self.trades = cleared.purchases as f64;
        self.velocity = if stock > 0 { cleared.total_paid() as f64 / stock as f64 } else { f64::NAN };
    }

    fn kinetic(&mut self, world: &mut World, ctx: &Ctx) {
        let lambda = self.cfg.saving;
        self.pairing.draw(world, ctx.slot, &ctx.streams, ctx.key(Stream::Matching as u8, 0), ctx.step);
        let key = ctx.key(Stream::Exchange as u8, 0);
        let pairs = self.pairing.exchange(&mut world.agents.money, &ctx.streams, key, ctx.step, |a, b, r| {
            // Each keeps `lambda` of its own money; the rest is pooled and split at random.
            let total = *a + *b;
            let keep_a = (lambda * *a as f64).round() as i64;
            let keep_b = (lambda * *b as f64).round() as i64;
            let pool = total - keep_a - keep_b;
            *a = keep_a + (unit_f64(r) * pool as f64).floor() as i64;
            *b = total - *a;
        });
        self.trades = pairs as f64;
    }

    fn yard_sale(&mut self, world: &mut World, ctx: &Ctx) {
        let bet = self.cfg.bet;
        self.pairing.draw(world, ctx.slot, &ctx.streams, ctx.key(Stream::Matching as u8, 0), ctx.step);
        let key = ctx.key(Stream::Exchange as u8, 0);
        let pairs = self.pairing.exchange(&mut world.agents.money, &ctx.streams, key, ctx.step, |a, b, r| {
            // A fair coin decides who wins `bet` times the poorer one's money.
            let stake = (bet * (*a).min(*b) as f64).floor() as i64;
            if r >> 63 == 0 {
                *a += stake;
                *b -= stake;
            } else {
                *a -= stake;
                *b += stake;
            }
        });
        self.trades = pairs as f64;
        let chi = self.cfg.redistribute;
        if chi > 0.0 {
            // m += chi (mean - m): everyone pays chi m, and the total goes back in equal shares.
            let slot = ctx.slot;
            let a = &mut world.agents;
            self.weights.resize(a.money.len(), 0.0);
            let taxed: i64 =
                (a.money.par_chunks_mut(CHUNK), a.member.par_chunks(CHUNK), self.weights.par_chunks_mut(CHUNK))
                    .into_par_iter()
                    .map(|(money, member, weight)| {
                        let mut sum = 0;
                        for k in 0..money.len() {
                            weight[k] = if member[k] == slot { 1.0 } else { 0.0 };
                            if member[k] == slot {
                                let tax = (chi * money[k] as f64).floor() as i64;
                                money[k] -= tax;
                                sum += tax;
                            }
                        }
                        sum
                    })
                    .sum();
            apportion(taxed, &self.weights, (ctx.step as usize).wrapping_mul(7919), &mut self.shares);
            a.money.par_iter_mut().zip(self.shares.par_iter()).for_each(|(m, s)| *m += s);
        }
    }
}

/// Money held by the members of `slot`, in money units.
pub fn members_money(world: &World, slot: u8) -> i64 {
    let a = &world.agents;
    (a.money.par_chunks(CHUNK), a.member.par_chunks(CHUNK))
        .into_par_iter()
        .map(|(m, s)| m.iter().zip(s).filter(|(_, &s)| s == slot).map(|(m, _)| *m).sum::<i64>())
        .sum()
}

impl Regime for Market {
    fn init(&mut self, world: &mut World, ctx: &Ctx) {
        self.prices = vec![self.cfg.exchange.initial_price; world.goods];
        self.expect = Expectations::new(&self.prices, self.cfg.exchange.expectation);
        endow(world, ctx, &self.cfg.initial_money, self.everyone);
    }

    fn allocate(&mut self, world: &mut World, ctx: &Ctx) {
        match self.cfg.model {
            MarketModel::Goods => self.goods(world, ctx),
            MarketModel::Kinetic => self.kinetic(world, ctx),
            MarketModel::YardSale => self.yard_sale(world, ctx),
        }
    }

    /// Money stays in the market: a member who leaves it (out of the world, or to another
    /// regime of a world without cross-trade) leaves its money to the members who stay, in
    /// equal shares, so that the money the market's members hold changes only by policy.
    /// With cross-trade everyone keeps its money when changing regime: it is good everywhere;
    /// members of other regimes who leave the world leave their money here too.
    fn depart(&mut self, world: &mut World, ctx: &Ctx, leaving: &[u32], to: Leaving) {
        if self.everyone && to == Leaving::Regime {
            return;
        }
        let a = &mut world.agents;
        let mut estate = std::mem::take(&mut self.estate);
        for &i in leaving {
            estate += std::mem::take(&mut a.money[i as usize]);
        }
        if estate == 0 {
            return;
        }
        let (slot, everyone) = (ctx.slot, self.everyone);
        self.weights.clear();
        self.weights.extend((0..a.len()).map(|i| {
            let stays = if everyone { a.member[i] != LEFT } else { a.member[i] == slot };
            if stays && leaving.binary_search(&(i as u32)).is_err() {
                1.0
            } else {
                0.0
            }
        }));
        if self.weights.iter().all(|&w| w == 0.0) {
            self.estate = estate;
            return;
        }
        apportion(estate, &self.weights, (ctx.step as usize).wrapping_mul(7919), &mut self.shares);
        a.money.par_iter_mut().zip(self.shares.par_iter()).for_each(|(m, s)| *m += s);
    }

    fn open_to_all(&self) -> bool {
        self.everyone
    }

    fn accounts(&self) -> Vec<(&'static str, i64)> {
        if self.estate != 0 {
            vec![("estate", self.estate)]
        } else {
            Vec::new()
        }
    }

    fn record(&mut self, out: &mut RegimeOut) {
        out.set(&TRADES, std::mem::replace(&mut self.trades, f64::NAN));
        out.set(&VELOCITY, std::mem::replace(&mut self.velocity, f64::NAN));
        out.set(&LUXURY, std::mem::replace(&mut self.luxury, f64::NAN));
        out.set(&WITHHELD, std::mem::replace(&mut self.withheld, f64::NAN));
    }

    fn prices(&self) -> Option<&[f64]> {
        (self.cfg.model == MarketModel::Goods).then_some(&self.prices[..])
    }
}
