//! Mutual credit: money created at the moment of trade. A buyer pays by going into debit and
//! the seller is credited the same amount, so the balances of all members (and the community
//! fund, if there is one) sum to exactly zero, always: balances are integers of money units.
//!
//! Per step: orders clear as in the market ([`super::exchange`]), each buyer spending its
//! balance plus its credit limit; prices move with excess demand, or under time-bank pricing a
//! unit costs the labour time its producer spent on it. Then demurrage on positive balances,
//! and, when members leave, their accounts are settled: a debit balance is a default whose
//! loss is shared out as the scenario says.

use super::exchange::{self, apportion, Account, Credit, Orders, Terms};
use super::{Ctx, Property, Regime, RegimeInfo};
use crate::error::InputError;
use crate::metrics::inequality::SortBuffer;
use crate::metrics::{set, Metric, MoneyKind};
use crate::rng::CHUNK;
use crate::scenario::validate::{at_least, count, share};
use crate::scenario::{CreditLimit, DefaultLoss, DemurrageTo, MutualCreditConfig, Pricing, PropertyKind, ScenarioFile};
use crate::world::{from_money, to_money, World, MONEY_UNIT};
use rayon::prelude::*;

/// Registry entry.
pub const INFO: RegimeInfo = RegimeInfo {
    name: "mutual_credit",
    summary: "buyers pay by going into debit, sellers are credited: balances sum to zero, within credit limits",
    validate,
    build: |cfg| Box::new(MutualCredit::new(&cfg.mutual_credit)),
};

fn validate(f: &ScenarioFile) -> Result<(), InputError> {
    let m = &f.mutual_credit;
    match m.limit {
        CreditLimit::Fixed { amount } => at_least("mutual_credit.limit.amount", amount, 0.0)?,
        CreditLimit::Turnover { factor, window, floor } => {
            at_least("mutual_credit.limit.factor", factor, 0.0)?;
            count("mutual_credit.limit.window", window, 1, 1000, None)?;
            at_least("mutual_credit.limit.floor", floor, 0.0)?;
        }
    }
    at_least("mutual_credit.min_price", m.min_price, 1e-6)?;
    at_least("mutual_credit.initial_price", m.initial_price, m.min_price)?;
    share("mutual_credit.price_adjust", m.price_adjust)?;
    at_least("mutual_credit.keep", m.keep, 0.0)?;
    at_least("mutual_credit.stock_target", m.stock_target, 1.0)?;
    share("mutual_credit.demurrage", m.demurrage)?;
    count("mutual_credit.cycle_window", m.cycle_window, 1, 1000, None)?;
    Ok(())
}

/// One bilateral trade: buyer, seller, money units.
type Trade = (u32, u32, i64);

/// The mutual-credit regime's state.
#[derive(Debug, Clone)]
pub struct MutualCredit {
    cfg: MutualCreditConfig,
    prices: Vec<f64>,
    orders: Orders,
    /// Credit limit per agent (turnover limits), money units.
    limits: Vec<i64>,
    /// Sales per agent over the last `window` steps (ring, window-major), unit of account.
    sales: Vec<f32>,
    /// Labour time per unit of each agent's output (time-bank pricing), in steps of work.
    labour: Vec<f64>,
    /// Community fund (demurrage to `fund`), money units.
    fund: i64,
    weights: Vec<f64>,
    shares: Vec<i64>,
    sort: SortBuffer,
    trades: Vec<Vec<Trade>>,
}

impl MutualCredit {
    /// A mutual-credit regime with the given settings.
    pub fn new(cfg: &MutualCreditConfig) -> MutualCredit {
        MutualCredit {
            cfg: cfg.clone(),
            prices: Vec::new(),
            orders: Orders::default(),
            limits: Vec::new(),
            sales: Vec::new(),
            labour: Vec::new(),
            fund: 0,
            weights: Vec::new(),
            shares: Vec::new(),
            sort: SortBuffer::default(),
            trades: Vec::new(),
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
        self.limits.par_chunks_mut(CHUNK).enumerate().for_each(|(c, lim)| {
            for (k, l) in lim.iter_mut().enumerate() {
                let i = c * CHUNK + k;
                let recent: f64 = (0..window).map(|w| sales[w * n + i] as f64).sum();
                *l = to_money((factor * recent).max(floor));
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

    fn record_cycles(&self, row: &mut [f64]) {
        let (two, three) = cycle_shares(self.trades.iter().flatten().copied());
        set(row, Metric::CycleShare2, two);
        set(row, Metric::CycleShare3, three);
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
        crate::engine::chunk_sum(&self.weights)
    }
}

/// Shares of trade volume that close in 2-cycles and, of the rest, in 3-cycles, cancelling
/// greedily in a fixed order. `NaN` when there was no trade.
pub fn cycle_shares(trades: impl Iterator<Item = Trade>) -> (f64, f64) {
    let mut edges: Vec<Trade> = trades.collect();
    edges.sort_unstable_by_key(|e| (e.0, e.1));
    // Merge repeated pairs.
    let mut merged: Vec<Trade> = Vec::with_capacity(edges.len());
    for e in edges {
        match merged.last_mut() {
            Some(last) if last.0 == e.0 && last.1 == e.1 => last.2 += e.2,
            _ => merged.push(e),
        }
    }
    let total: i64 = merged.iter().map(|e| e.2).sum();
    if total == 0 {
        return (f64::NAN, f64::NAN);
    }
    let find = |m: &[Trade], a: u32, b: u32| m.binary_search_by_key(&(a, b), |e| (e.0, e.1)).ok();
    let mut w: Vec<i64> = merged.iter().map(|e| e.2).collect();
    let mut two = 0i64;
    for k in 0..merged.len() {
        let (a, b, _) = merged[k];
        if a < b {
            if let Some(r) = find(&merged, b, a) {
                let m = w[k].min(w[r]);
                w[k] -= m;
                w[r] -= m;
                two += 2 * m;
            }
        }
    }
    let mut three = 0i64;
    // Edges out of each agent start at the first index with that buyer.
    for k in 0..merged.len() {
        let (a, b, _) = merged[k];
        if a >= b || w[k] == 0 {
            continue;
        }
        let lo = merged.partition_point(|e| e.0 < b);
        let hi = merged.partition_point(|e| e.0 <= b);
        for j in lo..hi {
            let c = merged[j].1;
            if c <= a || w[j] == 0 || w[k] == 0 {
                continue;
            }
            if let Some(r) = find(&merged, c, a) {
                let m = w[k].min(w[j]).min(w[r]);
                if m > 0 {
                    w[k] -= m;
                    w[j] -= m;
                    w[r] -= m;
                    three += 3 * m;
                }
            }
        }
    }
    (two as f64 / total as f64, three as f64 / total as f64)
}

impl Regime for MutualCredit {
    fn name(&self) -> &'static str {
        "mutual_credit"
    }

    fn money(&self) -> MoneyKind {
        MoneyKind::Balance
    }

    fn property(&self) -> Property {
        match self.cfg.property {
            PropertyKind::Open => Property::Open,
            PropertyKind::Proprietary => Property::Proprietary,
        }
    }

    fn init(&mut self, world: &mut World, ctx: &Ctx) {
        let n = world.len();
        self.prices = match self.cfg.pricing {
            Pricing::Market => vec![self.cfg.initial_price; world.goods],
            // A first guess at the labour time of a unit: that of a median producer.
            Pricing::Hours => vec![1.0 / world.base_output; world.goods],
        };
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

    fn allocate(&mut self, world: &mut World, ctx: &Ctx, row: &mut [f64]) {
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
                keep: self.cfg.keep,
                target: self.cfg.stock_target,
                account: Account::Balance,
                credit,
                seller_weight: hours.then_some(&self.labour[..]),
                rotate: (ctx.step as usize).wrapping_mul(7919),
                log_trades: self.cfg.cycles,
            };
            exchange::clear(world, &terms, &mut self.orders)
        };
        for (g, p) in self.prices.iter_mut().enumerate() {
            let (d, s) = (cleared.demand[g], cleared.supply[g]);
            match self.cfg.pricing {
                Pricing::Market if d + s > 0.0 => {
                    *p = (*p * (1.0 + self.cfg.price_adjust * (d - s) / (d + s))).max(self.cfg.min_price);
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
                self.record_cycles(row);
            }
        }

        set(row, Metric::Trades, cleared.purchases as f64);
        set(row, Metric::Velocity, if positive > 0 { cleared.total_paid() as f64 / positive as f64 } else { f64::NAN });
    }

    fn policy(&mut self, world: &mut World, ctx: &Ctx, row: &mut [f64]) {
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
            set(row, Metric::CreditAtLimitShare, at_limit as f64 / members as f64);
            let mut sort = std::mem::take(&mut self.sort);
            let this = &*self;
            let capacity = |i: usize| (a.member[i] == slot).then(|| from_money(a.balance[i] + this.limit(i)));
            set(row, Metric::BalanceGini, sort.sort_where(a.len(), capacity).gini());
            self.sort = sort;
        }
        if row[Metric::Defaults as usize].is_nan() {
            set(row, Metric::Defaults, 0.0);
            set(row, Metric::DefaultVolume, 0.0);
        }
    }

    fn depart(&mut self, world: &mut World, ctx: &Ctx, leaving: &[u32], row: &mut [f64]) {
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
            let by_credit = self.cfg.default_loss == DefaultLoss::Creditors;
            let total = self.remaining_weights(world, slot, leaving, by_credit);
            if by_credit && total == 0.0 {
                self.remaining_weights(world, slot, leaving, false);
            }
            apportion(uncovered, &self.weights, rotate, &mut self.shares);
            for (b, s) in world.agents.balance.iter_mut().zip(&self.shares) {
                *b -= s;
            }
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
        set(row, Metric::Defaults, defaults as f64);
        set(row, Metric::DefaultVolume, loss as f64 / MONEY_UNIT as f64);
    }

    fn accounts(&self) -> Vec<(&'static str, i64)> {
        if self.cfg.demurrage_to == DemurrageTo::Fund || self.fund != 0 {
            vec![("fund", self.fund)]
        } else {
            Vec::new()
        }
    }

    fn prices(&self) -> Option<&[f64]> {
        Some(&self.prices)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found_and_cancelled_once() {
        // 0 -> 1 -> 0 (two-cycle of 5), 0 -> 1 -> 2 -> 0 (three-cycle of 2 on the residue).
        let trades = [(0u32, 1u32, 7i64), (1, 0, 5), (1, 2, 2), (2, 0, 2), (3, 4, 10)];
        let (two, three) = cycle_shares(trades.into_iter());
        let total = 26.0;
        assert!((two - 10.0 / total).abs() < 1e-12, "{two}");
        assert!((three - 6.0 / total).abs() < 1e-12, "{three}");
        assert!(cycle_shares(std::iter::empty()).0.is_nan());
    }
}
