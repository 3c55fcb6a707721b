//! Mutual credit: money created at the moment of trade. A buyer pays by going into debit and
//! the seller is credited the same amount, so the balances of all members (and the community
//! fund, if there is one) sum to exactly zero, always: balances are integers of money units.
//!
//! Per step: orders clear as in the market ([`super::exchange`]), each buyer spending its
//! balance plus its credit limit; prices move with excess demand, or under time-bank pricing a
//! unit costs the labour time its producer spent on it. Then demurrage on positive balances,
//! and, when members leave, their accounts are settled: a debit balance is a default whose
//! loss is shared out as the scenario says.

mod config;
pub mod cycles;

pub use config::{CreditLimit, DefaultLoss, DemurrageTo, MutualCreditConfig, Pricing};
use cycles::{cycle_shares, Trade};

use super::exchange::{self, Account, Credit, Expectations, Orders, Reservation, Storage, Terms};
use super::shared::{LUXURY, TRADES, VELOCITY, WITHHELD};
use super::{ControlDef, ControlKind, Ctx, Leaving, Regime, RegimeInfo};
use crate::metrics::inequality::SortBuffer;
use crate::metrics::{MetricDef, RegimeOut};
use crate::money::{apportion, apportion_capped, from_money, to_money, MONEY_UNIT};
use crate::reduce::chunk_sum;
use crate::rng::CHUNK;
use crate::world::World;
use rayon::prelude::*;

/// Share of members at their credit limit.
pub const CREDIT_AT_LIMIT: MetricDef =
    MetricDef::new("credit_at_limit_share", "share", "share of members at their credit limit").lower();
/// Gini of credit capacity.
pub const BALANCE_GINI: MetricDef =
    MetricDef::new("balance_gini", "index", "Gini of credit capacity (balance plus credit limit)").lower();
/// Defaults this step.
pub const DEFAULTS: MetricDef =
    MetricDef::new("defaults", "count", "members who left with a debit balance this step").lower();
/// Debt written off this step.
pub const DEFAULT_VOLUME: MetricDef =
    MetricDef::new("default_volume", "unit of account", "debt written off this step").lower();
/// Trade volume closing in 2-cycles.
pub const CYCLE_SHARE_2: MetricDef =
    MetricDef::new("cycle_share_2", "share", "share of recent trade volume closing in 2-cycles");
/// Trade volume closing in 3-cycles.
pub const CYCLE_SHARE_3: MetricDef =
    MetricDef::new("cycle_share_3", "share", "share of recent trade volume closing in 3-cycles");

/// Registry entry.
pub const INFO: RegimeInfo = RegimeInfo {
    name: "mutual_credit",
    summary: "buyers pay by going into debit, sellers are credited: balances sum to zero, within credit limits",
    table: Some("mutual_credit"),
    configure: super::configure::<MutualCreditConfig>,
    metrics: &[TRADES, VELOCITY, LUXURY, WITHHELD, CREDIT_AT_LIMIT, BALANCE_GINI, DEFAULTS, DEFAULT_VOLUME, CYCLE_SHARE_2, CYCLE_SHARE_3],
    examples: &[
        ("fixed", ""),
        ("turnover", "mutual_credit.limit = { kind = \"turnover\", factor = 2.0, window = 3, floor = 0.5 }\nmutual_credit.cycles = true\nmutual_credit.cycle_window = 3"),
        ("hours", "mutual_credit.pricing = \"hours\"\nmutual_credit.demurrage = 0.02"),
        ("fund", "mutual_credit.demurrage = 0.02\nmutual_credit.demurrage_to = \"fund\"\nmutual_credit.default_loss = \"everyone\"\nknowledge.property = \"proprietary\""),
    ],
    controls: &[ControlDef {
        key: "limit.amount",
        label: "Credit limit (mutual credit)",
        help: "How far below zero a mutual-credit balance may go, in units of account.",
        kind: ControlKind::Range { max: 20.0, step: 0.5 },
        when: Some(("limit.kind", "fixed")),
    }],
};

/// What one step measured, until recorded.
#[derive(Debug, Clone)]
struct Measured {
    trades: f64,
    luxury: f64,
    withheld: f64,
    velocity: f64,
    cycles: Option<(f64, f64)>,
    at_limit: f64,
    balance_gini: f64,
    /// Defaults and the debt written off (money units) at the last settlement this step.
    defaults: Option<(u64, i64)>,
}

impl Default for Measured {
    fn default() -> Self {
        Measured {
            trades: f64::NAN,
            luxury: f64::NAN,
            withheld: f64::NAN,
            velocity: f64::NAN,
            cycles: None,
            at_limit: f64::NAN,
            balance_gini: f64::NAN,
            defaults: None,
        }
    }
}

/// The mutual-credit regime's state.
#[derive(Debug, Clone)]
pub struct MutualCredit {
    cfg: MutualCreditConfig,
    prices: Vec<f64>,
    /// Sellers' expected prices (the storage rule's, under market pricing).
    expect: Expectations,
    orders: Orders,
    /// Credit limit per agent (turnover limits), money units.
    limits: Vec<i64>,
    /// Sales per agent over the last `window` steps (ring, window-major), unit of account.
    sales: Vec<f32>,
    /// Labour time per unit of each agent's output (time-bank pricing), in steps of work.
    labour: Vec<f64>,
    /// Community fund (demurrage to `fund`), money units.
    fund: i64,
    /// Defaulted debt nobody could bear (money units, 0 or less): the community's write-off,
    /// which keeps balances, fund and write-off summing to zero.
    written_off: i64,
    weights: Vec<f64>,
    shares: Vec<i64>,
    sort: SortBuffer,
    trades: Vec<Vec<Trade>>,
    measured: Measured,
}

impl MutualCredit {
    /// A mutual-credit regime with the given settings.
    pub fn new(cfg: &MutualCreditConfig) -> MutualCredit {
        MutualCredit {
            cfg: cfg.clone(),
            prices: Vec::new(),
            expect: Expectations::default(),
            orders: Orders::default(),
            limits: Vec::new(),
            sales: Vec::new(),
            labour: Vec::new(),
            fund: 0,
            written_off: 0,
            weights: Vec::new(),
            shares: Vec::new(),
            sort: SortBuffer::default(),
            trades: Vec::new(),
            measured: Measured::default(),
        }
    }

    /// Credit limit of agent `i`, money units.
    fn limit(&self, i: usize) -> i64 {
        match self.cfg.limit {
            CreditLimit::Fixed { amount } => to_money(amount),
            CreditLimit::Turnover { .. } => self.limits[i],
        }
    }

    /// Updates the labour time per unit of every member that produced this step.
    fn update_labour(&mut self, world: &World, slot: u8) {
        let a = &world.agents;
        let c = world.knowledge.contribution;
        self.labour.par_chunks_mut(CHUNK).enumerate().for_each(|(ch, labour)| {
            for (k, l) in labour.iter_mut().enumerate() {
                let i = ch * CHUNK + k;
                if a.member[i] == slot && a.output[i] > 0.0 {
                    let effort = if a.strategy[i].contributes() { 1.0 - c } else { 1.0 };
                    *l = effort / a.output[i];
                }
            }
        });
    }

    /// Records this step's sales and recomputes turnover limits.
    fn update_limits(&mut self, world: &World, slot: u8, step: u64) {
        let CreditLimit::Turnover { factor, window, floor } = self.cfg.limit else { return };
        let n = world.len();
        let window = window as usize;
        let row = (step as usize) % window;
        let goods = world.goods;
        let revenue = self.orders.revenue();
        let sales_row = &mut self.sales[row * n..(row + 1) * n];
        sales_row.par_chunks_mut(CHUNK).enumerate().for_each(|(c, s)| {
            for (k, x) in s.iter_mut().enumerate() {
                let i = c * CHUNK + k;
                *x = if world.agents.member[i] == slot {
                    from_money(revenue[i * goods..(i + 1) * goods].iter().sum::<i64>()) as f32
                } else {
                    0.0
                };
            }
        });
        let sales = &self.sales;
        let balance = &world.agents.balance;
        self.limits.par_chunks_mut(CHUNK).enumerate().for_each(|(c, lim)| {
            for (k, l) in lim.iter_mut().enumerate() {
                let i = c * CHUNK + k;
                let recent: f64 = (0..window).map(|w| sales[w * n + i] as f64).sum();
                // A limit that shrinks with sales never falls below a debt already run up: the
                // debt stays, but no new debit is possible until sales raise the limit again.
                *l = to_money((factor * recent).max(floor)).max(-balance[i]);
            }
        });
    }

    /// Attributes each good's payments to buyer-seller pairs by laying buyers' payments and
    /// sellers' receipts end to end (in agent order from a rotating start) and matching the
    /// overlaps. Amounts are exact, so every trade's money is accounted for.
    fn log_trades(&mut self, world: &World, slot: u8, step: u64) {
        let n = world.len();
        let goods = world.goods;
        let window = self.cfg.cycle_window as usize;
        if self.trades.len() != window {
            self.trades = vec![Vec::new(); window];
        }
        let log = &mut self.trades[(step as usize) % window];
        log.clear();
        let (paid, revenue) = (self.orders.paid(), self.orders.revenue());
        let start = (crate::rng::splitmix64(step) % n.max(1) as u64) as usize;
        for g in 0..goods {
            let members = (0..n).map(|k| (start + k) % n).filter(|&i| world.agents.member[i] == slot);
            let mut buyers = members.clone().filter(|&i| paid[i * goods + g] > 0).map(|i| (i, paid[i * goods + g]));
            let mut sellers = members.filter(|&i| revenue[i * goods + g] > 0).map(|i| (i, revenue[i * goods + g]));
            let (mut b, mut s) = (buyers.next(), sellers.next());
            while let (Some((bi, bv)), Some((si, sv))) = (b, s) {
                let amount = bv.min(sv);
                if bi != si {
                    log.push((bi as u32, si as u32, amount));
                }
                b = if bv > amount { Some((bi, bv - amount)) } else { buyers.next() };
                s = if sv > amount { Some((si, sv - amount)) } else { sellers.next() };
            }
        }
    }

    fn record_cycles(&mut self) {
        self.measured.cycles = Some(cycle_shares(self.trades.iter().flatten().copied()));
    }

    /// Charges `loss` to the members of `slot` not in `leaving`: by credit (weights and caps
    /// their positive balances) or equally (caps: their room above the limit). Returns what
    /// they could not bear.
    fn share_loss(
        &mut self,
        world: &mut World,
        slot: u8,
        leaving: &[u32],
        loss: i64,
        by_credit: bool,
        rotate: usize,
    ) -> i64 {
        if loss <= 0 {
            return 0;
        }
        self.remaining_weights(world, slot, leaving, by_credit);
        let a = &world.agents;
        let caps: Vec<i64> = (0..a.len())
            .map(|i| {
                if self.weights[i] <= 0.0 {
                    0
                } else if by_credit {
                    a.balance[i].max(0)
                } else {
                    (a.balance[i] + self.limit(i)).max(0)
                }
            })
            .collect();
        let left = apportion_capped(loss, &self.weights, &caps, rotate, &mut self.shares);
        for (b, s) in world.agents.balance.iter_mut().zip(&self.shares) {
            *b -= s;
        }
        left
    }

    /// Members of `slot` that are not in `leaving` (sorted), as apportion weights: 1 each, or
    /// their positive balance.
    fn remaining_weights(&mut self, world: &World, slot: u8, leaving: &[u32], by_credit: bool) -> f64 {
        let a = &world.agents;
        self.weights.clear();
        self.weights.extend((0..world.len()).map(|i| {
            if a.member[i] != slot || leaving.binary_search(&(i as u32)).is_ok() {
                0.0
            } else if by_credit {
                a.balance[i].max(0) as f64
            } else {
                1.0
            }
        }));
        chunk_sum(&self.weights)
    }
}

impl Regime for MutualCredit {
    fn init(&mut self, world: &mut World, ctx: &Ctx) {
        let n = world.len();
        self.prices = match self.cfg.pricing {
            Pricing::Market => vec![self.cfg.exchange.initial_price; world.goods],
            // A first guess at the labour time of a unit: that of a median producer.
            Pricing::Hours => vec![1.0 / world.base_output; world.goods],
        };
        self.expect = Expectations::new(&self.prices, self.cfg.exchange.expectation);
        self.labour = vec![1.0 / world.base_output; n];
        if let CreditLimit::Turnover { window, floor, .. } = self.cfg.limit {
            self.limits = vec![to_money(floor); n];
            self.sales = vec![0.0; window as usize * n];
        }
        for (b, &m) in world.agents.balance.iter_mut().zip(&world.agents.member) {
            if m == ctx.slot {
                *b = 0;
            }
        }
    }

    fn allocate(&mut self, world: &mut World, ctx: &Ctx) {
        let hours = self.cfg.pricing == Pricing::Hours;
        if hours {
            self.update_labour(world, ctx.slot);
        }
        let positive: i64 = world
            .agents
            .balance
            .par_iter()
            .zip(world.agents.member.par_iter())
            .filter(|(_, &m)| m == ctx.slot)
            .map(|(&b, _)| b.max(0))
            .sum();
        let cleared = {
            let credit = match self.cfg.limit {
                CreditLimit::Fixed { amount } => Credit::Fixed(to_money(amount)),
                CreditLimit::Turnover { .. } => Credit::PerAgent(&self.limits),
            };
            let terms = Terms {
                slot: ctx.slot,
                everyone: false,
                prices: &self.prices,
                keep: self.cfg.exchange.keep,
                target: self.cfg.exchange.stock_target,
                reserve: self.cfg.exchange.reserve,
                spend: self.cfg.exchange.spend,
                account: Account::Balance,
                credit,
                seller_weight: hours.then_some(&self.labour[..]),
                rotate: (ctx.step as usize).wrapping_mul(7919),
                log_trades: self.cfg.cycles,
                withhold: true,
                // Under time-bank pricing a seller is credited its own labour time, whatever
                // the price: it has nothing to wait for.
                storage: (!hours && self.cfg.exchange.reservation == Reservation::Storage).then(|| Storage {
                    expected: self.expect.expected(),
                    spread: self.cfg.exchange.reservation_spread,
                }),
            };
            exchange::clear(world, &terms, &mut self.orders)
        };
        self.measured.luxury = cleared.luxury_per_member();
        if !hours {
            self.measured.withheld = cleared.withheld_per_member();
            self.expect.observe(&self.prices);
        }
        for (g, p) in self.prices.iter_mut().enumerate() {
            let (d, s) = (cleared.demand[g], cleared.supply[g]);
            match self.cfg.pricing {
                Pricing::Market if d + s > 0.0 => {
                    *p = (*p * (1.0 + self.cfg.exchange.price_adjust * (d - s) / (d + s)))
                        .max(self.cfg.exchange.min_price);
                }
                // Next step's expected price: the mean labour time of the units sold now.
                Pricing::Hours if cleared.volume[g] > 0.0 => *p = cleared.weights[g] / cleared.volume[g],
                _ => {}
            }
        }
        self.update_limits(world, ctx.slot, ctx.step);
        if self.cfg.cycles {
            self.log_trades(world, ctx.slot, ctx.step);
            // Once per window, over the window's trades (the search costs too much to slide it).
            if ctx.step.is_multiple_of(self.cfg.cycle_window) {
                self.record_cycles();
            }
        }

        self.measured.trades = cleared.purchases as f64;
        self.measured.velocity = if positive > 0 { cleared.total_paid() as f64 / positive as f64 } else { f64::NAN };
    }

    fn policy(&mut self, world: &mut World, ctx: &Ctx) {
        let slot = ctx.slot;
        if self.cfg.demurrage > 0.0 {
            let d = self.cfg.demurrage;
            let a = &mut world.agents;
            let collected: i64 = (a.balance.par_chunks_mut(CHUNK), a.member.par_chunks(CHUNK))
                .into_par_iter()
                .map(|(bal, mem)| {
                    let mut sum = 0;
                    for (b, &m) in bal.iter_mut().zip(mem) {
                        if m == slot && *b > 0 {
                            let fee = (d * *b as f64).floor() as i64;
                            *b -= fee;
                            sum += fee;
                        }
                    }
                    sum
                })
                .sum();
            match self.cfg.demurrage_to {
                DemurrageTo::Fund => self.fund += collected,
                DemurrageTo::Equal => {
                    self.remaining_weights(world, slot, &[], false);
                    apportion(collected, &self.weights, (ctx.step as usize).wrapping_mul(104_729), &mut self.shares);
                    let shares = &self.shares;
                    world.agents.balance.par_iter_mut().zip(shares.par_iter()).for_each(|(b, s)| *b += s);
                }
            }
        }
        // Who is at the limit: less credit left than one unit of the cheapest good costs.
        let cheapest = self.prices.iter().copied().fold(f64::INFINITY, f64::min);
        let unit_cost = to_money(cheapest.max(0.0)).max(1);
        let a = &world.agents;
        let this = &*self;
        let (members, at_limit) = (0..a.len().div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let (mut members, mut at_limit) = (0usize, 0usize);
                for i in c * CHUNK..((c + 1) * CHUNK).min(a.len()) {
                    if a.member[i] == slot {
                        members += 1;
                        at_limit += (a.balance[i] + this.limit(i) < unit_cost) as usize;
                    }
                }
                (members, at_limit)
            })
            .reduce(|| (0, 0), |x, y| (x.0 + y.0, x.1 + y.1));
        if members > 0 {
            self.measured.at_limit = at_limit as f64 / members as f64;
            let mut sort = std::mem::take(&mut self.sort);
            let this = &*self;
            let capacity = |i: usize| (a.member[i] == slot).then(|| from_money(a.balance[i] + this.limit(i)));
            let gini = sort.sort_where(a.len(), capacity).gini();
            self.sort = sort;
            self.measured.balance_gini = gini;
        }
        self.measured.defaults.get_or_insert((0, 0));
    }

    fn depart(&mut self, world: &mut World, ctx: &Ctx, leaving: &[u32], _to: Leaving) {
        let slot = ctx.slot;
        let (mut defaults, mut loss, mut forfeited) = (0u64, 0i64, 0i64);
        for &i in leaving {
            let b = &mut world.agents.balance[i as usize];
            if *b < 0 {
                defaults += 1;
                loss -= *b;
            } else {
                forfeited += *b;
            }
            *b = 0;
        }
        let rotate = (ctx.step as usize).wrapping_mul(31_337);
        // Leavers' forfeited credit covers leavers' debts first; then the fund covers what is left.
        let netted = loss.min(forfeited);
        let forfeited = forfeited - netted;
        let covered = (loss - netted).min(self.fund);
        self.fund -= covered;
        let uncovered = loss - netted - covered;

        if uncovered > 0 {
            // The loss goes to those who can bear it: creditors (in proportion to their credit,
            // each at most its credit) or everyone (equally, each at most its room above its
            // limit); creditors' shortfall falls on everyone; what nobody can bear is written
            // off. No balance is ever pushed below its limit.
            let mut left = uncovered;
            if self.cfg.default_loss == DefaultLoss::Creditors {
                left = self.share_loss(world, slot, leaving, left, true, rotate);
            }
            left = self.share_loss(world, slot, leaving, left, false, rotate);
            self.written_off -= left;
        }
        // A leaver's credit is forfeited: to the fund, or shared among those who stay.
        if forfeited > 0 {
            if self.cfg.demurrage_to == DemurrageTo::Fund {
                self.fund += forfeited;
            } else if self.remaining_weights(world, slot, leaving, false) > 0.0 {
                apportion(forfeited, &self.weights, rotate, &mut self.shares);
                for (b, s) in world.agents.balance.iter_mut().zip(&self.shares) {
                    *b += s;
                }
            } else {
                self.fund += forfeited;
            }
        }
        // Every settlement of the step counts (an exodus, exits and migrations may coincide).
        let d = self.measured.defaults.get_or_insert((0, 0));
        d.0 += defaults;
        d.1 += loss;
    }

    fn record(&mut self, out: &mut RegimeOut) {
        let m = std::mem::take(&mut self.measured);
        out.set(&TRADES, m.trades);
        out.set(&VELOCITY, m.velocity);
        out.set(&LUXURY, m.luxury);
        out.set(&WITHHELD, m.withheld);
        if let Some((two, three)) = m.cycles {
            out.set(&CYCLE_SHARE_2, two);
            out.set(&CYCLE_SHARE_3, three);
        }
        out.set(&CREDIT_AT_LIMIT, m.at_limit);
        out.set(&BALANCE_GINI, m.balance_gini);
        if let Some((count, loss)) = m.defaults {
            out.set(&DEFAULTS, count as f64);
            out.set(&DEFAULT_VOLUME, loss as f64 / MONEY_UNIT as f64);
        }
    }

    fn accounts(&self) -> Vec<(&'static str, i64)> {
        let mut accounts = Vec::new();
        if self.cfg.demurrage_to == DemurrageTo::Fund || self.fund != 0 {
            accounts.push(("fund", self.fund));
        }
        if self.written_off != 0 {
            accounts.push(("written_off", self.written_off));
        }
        accounts
    }

    fn broken_invariant(&self, world: &World, slot: u8) -> Option<String> {
        let a = &world.agents;
        if self.fund < 0 {
            return Some(format!("the fund is negative ({})", self.fund));
        }
        (0..a.len()).find(|&i| a.member[i] == slot && a.balance[i] < -self.limit(i)).map(|i| {
            format!("agent {i}: balance {} below its limit -{}", from_money(a.balance[i]), from_money(self.limit(i)))
        })
    }

    fn prices(&self) -> Option<&[f64]> {
        Some(&self.prices)
    }
}
