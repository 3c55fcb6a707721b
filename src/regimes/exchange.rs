//! Order matching shared by the market and mutual credit: one clearing per good per step,
//! with pro-rata rationing of the long side and payments in integer money units.
//!
//! Each member holds as surplus its holdings above `keep` times its need and offers what of
//! it is worth more sold now than kept (the competitive-storage rule, below); it asks for its
//! shortfall
//! of the goods it does not offer, cheapest first, as far as its budget reaches; with budget
//! left it asks for more, to stock up to `target` times its need (demand that falls as prices
//! rise, so that a surplus of a perishable good does not drive its price to zero). Beyond
//! that, a buyer is a buffer-stock saver (Deaton 1991; Carroll 1997): it keeps a reserve of
//! `reserve` steps' needs at current prices of its own money (never of its credit) and spends
//! a share `spend` of what it holds above the reserve on the goods it does not offer, in equal
//! money shares. Those goods are consumed at once, beyond needs: they raise no needs-met
//! share (satiation), and they give money a use for those whose needs are met.
//!
//! Sellers' reservation prices follow the competitive-storage rule (Williams and Wright 1991;
//! Deaton and Laroque 1992): a unit kept is worth `(1 - decay) p_e` next step, `p_e` the
//! seller's adaptive expected price (Nerlove 1958), so a seller offers a unit only when the
//! price is at least that. Storers' costs spread the reservation prices of the units evenly
//! from `(1 - spread)` times that value up to it, so the share of surplus offered rises
//! smoothly with the price instead of jumping from none to all. With `decay = 1` a kept unit is
//! worth nothing and every unit of surplus is offered. What is not offered stays in the
//! seller's stock and perishes like any stock.
//!
//! Per good,
//! `V = min(D, S)` units change hands: every buyer gets `V / D` of its demand and every seller
//! sells `V / S` of its offer. Buyers pay the floor of what they bought at the price, in money
//! units; the exact total is then split among sellers by [`crate::money::apportion_strided`], so nothing is created
//! or lost in the rounding: money is conserved and credit sums to zero, exactly.

mod settings;

pub use settings::{ExchangeSettings, PRICE_KEYS};

use crate::money::{apportion_strided, MONEY_UNIT};
use crate::rng::CHUNK;
use crate::world::World;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// One chunk's part of a clearing: money paid and sellers' weights per good, purchases,
/// units consumed beyond needs per good, members of the slot, and units lost in transfer.
type ChunkTrades = (Vec<i64>, Vec<f64>, u64, Vec<f64>, u64, f64);

/// Which integer column pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    /// The market's `money`.
    Money,
    /// The mutual-credit `balance`.
    Balance,
}

/// Reusable order buffers (agent-major, `n * goods`).
#[derive(Debug, Default, Clone)]
pub struct Orders {
    offer: Vec<f64>,
    demand: Vec<f64>,
    luxury: Vec<f64>,
    revenue: Vec<i64>,
    paid: Vec<i64>,
}

impl Orders {
    /// Money units each agent received per good in the last clearing (agent-major).
    pub fn revenue(&self) -> &[i64] {
        &self.revenue
    }

    /// Money units each agent paid per good in the last clearing (agent-major); kept only when
    /// the terms asked to log trades, else empty.
    pub fn paid(&self) -> &[i64] {
        &self.paid
    }
}

/// What one clearing did, per good.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cleared {
    /// Units offered.
    pub supply: Vec<f64>,
    /// Units asked for (within budgets).
    pub demand: Vec<f64>,
    /// Units that changed hands.
    pub volume: Vec<f64>,
    /// Money units paid.
    pub paid: Vec<i64>,
    /// Sellers' revenue weights (units sold, or labour time of the units sold).
    pub weights: Vec<f64>,
    /// Purchases (buyer-good pairs with a positive quantity).
    pub purchases: u64,
    /// Units bought beyond needs and consumed at once (already in the world's ledger).
    pub luxury: Vec<f64>,
    /// Members of the clearing's slot (with cross-trade, others take part too).
    pub members: u64,
    /// Units of surplus sellers kept back because the price was below their reservation price.
    pub withheld: Vec<f64>,
}

impl Cleared {
    /// Units consumed beyond needs per member, NaN without members.
    pub fn luxury_per_member(&self) -> f64 {
        self.per_member(&self.luxury)
    }

    /// Units of surplus kept back per member, NaN without members.
    pub fn withheld_per_member(&self) -> f64 {
        self.per_member(&self.withheld)
    }

    /// Units over all goods per member, NaN without members.
    fn per_member(&self, units: &[f64]) -> f64 {
        if self.members > 0 {
            units.iter().sum::<f64>() / self.members as f64
        } else {
            f64::NAN
        }
    }

    /// Money units paid over all goods.
    pub fn total_paid(&self) -> i64 {
        self.paid.iter().sum()
    }
}

/// How far below zero a buyer's account may go.
#[derive(Debug, Clone, Copy)]
pub enum Credit<'a> {
    /// Not at all: buyers spend what they hold.
    None,
    /// The same limit, in money units, for everyone.
    Fixed(i64),
    /// A limit per agent, in money units.
    PerAgent(&'a [i64]),
}

impl Credit<'_> {
    /// Money units agent `i` holding `account` may spend.
    #[inline]
    pub fn budget(&self, i: usize, account: i64) -> i64 {
        let extra = match *self {
            Credit::None => 0,
            Credit::Fixed(l) => l,
            Credit::PerAgent(l) => l[i],
        };
        (account + extra).max(0)
    }
}

/// The terms of one clearing.
pub struct Terms<'a> {
    /// The members' slot.
    pub slot: u8,
    /// Whether everyone present trades, whatever their regime (cross-trade in coexist mode).
    pub everyone: bool,
    /// Price per unit of each good, used for budgets and payments.
    pub prices: &'a [f64],
    /// Holdings up to `keep` times need are not offered.
    pub keep: f64,
    /// Buyers who have covered their needs stock up to `target` times need, budget allowing.
    pub target: f64,
    /// Own money kept back, in steps' needs at current prices, before spending beyond needs.
    pub reserve: f64,
    /// Share of own money above the reserve spent per step beyond needs (0 = none).
    pub spend: f64,
    /// The paying column.
    pub account: Account,
    /// Credit on top of the account: a buyer may spend down to minus this.
    pub credit: Credit<'a>,
    /// If given, seller `i`'s revenue weight per unit sold (its labour time, for time-bank
    /// pricing); otherwise every unit sold weighs the same.
    pub seller_weight: Option<&'a [f64]>,
    /// Where the rounding remainder starts being handed out (rotate it step by step).
    pub rotate: usize,
    /// Whether to keep each agent's payments per good (for the trade graph).
    pub log_trades: bool,
    /// Sellers' reservation prices by the competitive-storage rule; `None` = 0, every unit of
    /// surplus is offered.
    pub storage: Option<Storage<'a>>,
    /// Whether free riders offer nothing for sale (they buy on credit and never sell, so
    /// their balance runs to its limit: mutual credit's form of opportunism).
    pub withhold: bool,
}

/// What sellers know to price the units they might keep (the competitive-storage rule).
#[derive(Debug, Clone, Copy)]
pub struct Storage<'a> {
    /// Sellers' expected price of each good next step ([`Expectations`]).
    pub expected: &'a [f64],
    /// How far below the storage value `(1 - decay) p_e` reservation prices reach, as a share
    /// of it: units' reservation prices are spread evenly over `[(1 - spread) r, r]`.
    pub spread: f64,
}

/// Share of a seller's surplus offered at `price` when a unit kept is worth `reservation`
/// (`(1 - decay) p_e`), with reservation prices spread evenly over
/// `[(1 - spread) reservation, reservation]`: 1 at or above the reservation price (always, when
/// it is 0), 0 below its spread, and linear in between. `spread = 0` is all or nothing.
#[inline]
pub fn offered_share(price: f64, reservation: f64, spread: f64) -> f64 {
    if reservation <= 0.0 || price >= reservation {
        1.0
    } else if spread <= 0.0 {
        0.0
    } else {
        ((price - (1.0 - spread) * reservation) / (spread * reservation)).clamp(0.0, 1.0)
    }
}

/// Sellers' reservation price rule, a key of every regime that clears here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reservation {
    /// The competitive-storage rule: a unit is offered only at a price of at least what it
    /// is worth kept, `(1 - decay)` times the expected price.
    #[default]
    Storage,
    /// Reservation price 0: every unit of surplus is offered, whatever the price.
    None,
}

/// Sellers' expected prices, adaptive (Nerlove 1958): after each clearing,
/// `p_e <- p_e + weight (p - p_e)` with `p` the price the step traded at; `weight = 1` expects
/// the last price. The same for every seller, since all face one price per good.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    expected: Vec<f64>,
    weight: f64,
}

impl Expectations {
    /// Expectations starting at `prices`, moving by `weight` of each surprise.
    pub fn new(prices: &[f64], weight: f64) -> Expectations {
        Expectations { expected: prices.to_vec(), weight }
    }

    /// Learns from the prices a step traded at.
    pub fn observe(&mut self, prices: &[f64]) {
        for (e, &p) in self.expected.iter_mut().zip(prices) {
            *e += self.weight * (p - *e);
        }
    }

    /// The expected price of each good next step.
    pub fn expected(&self) -> &[f64] {
        &self.expected
    }
}

/// A regime's inactive keys `out` with the reservation keys added where every stock perishes
/// within the step (`decay = 1`: a unit kept is worth nothing).
pub fn with_storage_inactive(
    mut out: Vec<(&'static str, &'static str)>,
    world: &crate::world::WorldSpec,
) -> Vec<(&'static str, &'static str)> {
    if world.population.decay >= 1.0 {
        for k in ["reservation", "expectation", "reservation_spread"] {
            if !out.iter().any(|(o, _)| *o == k) {
                out.push((k, "acts only where stocks last (population.decay below 1): a unit kept is worth nothing"));
            }
        }
    }
    out
}

/// Checks the reservation keys of the table `table` (`market`, `mutual_credit`).
pub fn check_reservation(table: &str, expectation: f64, spread: f64) -> Result<(), crate::error::InputError> {
    use crate::scenario::validate::{finite, share};
    let key = format!("{table}.expectation");
    finite(&key, expectation)?;
    if expectation <= 0.0 || expectation > 1.0 {
        // 0 would never learn: the first price would be a floor for ever.
        return Err(crate::error::InputError::at(key, format!("must be above 0 and at most 1 (got {expectation})"))
            .help("the weight of the latest price in the expected price: 1 expects the last price"));
    }
    share(&format!("{table}.reservation_spread"), spread)
}

impl Terms<'_> {
    /// Whether an agent of membership `m` takes part in this clearing.
    #[inline]
    pub fn takes_part(&self, m: u8) -> bool {
        if self.everyone {
            m != crate::world::LEFT
        } else {
            m == self.slot
        }
    }
}

/// Clears every good among the members of `terms.slot` (or everyone present, if
/// `terms.everyone`).
pub fn clear(world: &mut World, terms: &Terms, orders: &mut Orders) -> Cleared {
    let n = world.len();
    let goods = world.goods;
    let need = world.need.clone();
    orders.offer.resize(n * goods, 0.0);
    orders.demand.resize(n * goods, 0.0);
    orders.luxury.resize(n * goods, 0.0);
    orders.revenue.resize(n * goods, 0);
    let need_value: f64 = need.iter().zip(terms.prices).map(|(n, p)| n * p).sum();
    // Goods in order of price, cheapest first, for spending budgets.
    let mut order: Vec<usize> = (0..goods).collect();
    order.sort_by(|&a, &b| terms.prices[a].total_cmp(&terms.prices[b]).then(a.cmp(&b)));
    let unit = MONEY_UNIT as f64;
    // The share of surplus offered per good: the same for every seller, who all face one price
    // and share one expectation.
    let offered: Vec<f64> = (0..goods)
        .map(|g| match terms.storage {
            Some(s) => offered_share(terms.prices[g], (1.0 - world.decay) * s.expected[g], s.spread),
            None => 1.0,
        })
        .collect();
    let keep = terms.keep;

    // 1. Orders, and their totals per chunk.
    let a = &world.agents;
    let holdings = match terms.account {
        Account::Money => &a.money,
        Account::Balance => &a.balance,
    };
    let totals: Vec<(Vec<f64>, Vec<f64>, Vec<f64>)> = (
        orders.offer.par_chunks_mut(CHUNK * goods),
        orders.demand.par_chunks_mut(CHUNK * goods),
        orders.luxury.par_chunks_mut(CHUNK * goods),
    )
        .into_par_iter()
        .enumerate()
        .map(|(c, (offer, demand, luxury))| {
            let mut s = vec![0.0; goods];
            let mut d = vec![0.0; goods];
            let mut kept = vec![0.0; goods];
            for k in 0..offer.len() / goods {
                let i = c * CHUNK + k;
                let (of, de) = (&mut offer[k * goods..(k + 1) * goods], &mut demand[k * goods..(k + 1) * goods]);
                let lu = &mut luxury[k * goods..(k + 1) * goods];
                lu.fill(0.0);
                if !terms.takes_part(a.member[i]) {
                    of.fill(0.0);
                    de.fill(0.0);
                    continue;
                }
                let x = &a.stock[i * goods..(i + 1) * goods];
                // A seller of a good holds a surplus of it (whatever share it offers): it does
                // not buy that good.
                let sells = |g: usize| x[g] > keep * need[g];
                let withheld = terms.withhold && a.strategy[i] == crate::world::Strategy::FreeRider;
                for g in 0..goods {
                    let surplus = (x[g] - keep * need[g]).max(0.0);
                    of[g] = if withheld { 0.0 } else { surplus * offered[g] };
                    de[g] = 0.0;
                    s[g] += of[g];
                    // What the storage rule kept back (a withholding free rider's is not).
                    if !withheld {
                        kept[g] += surplus - of[g];
                    }
                }
                let start = terms.credit.budget(i, holdings[i]) as f64 / unit;
                let mut budget = start;
                // First needs, then stocks up to the target, cheapest goods first each time.
                for level in [1.0, terms.target] {
                    for &g in &order {
                        if budget <= 0.0 {
                            break;
                        }
                        let short = level * need[g] - x[g] - de[g];
                        if sells(g) || short <= 0.0 {
                            continue;
                        }
                        let p = terms.prices[g];
                        let q = if p > 0.0 { short.min(budget / p) } else { short };
                        de[g] += q;
                        budget -= q * p;
                    }
                }
                // Beyond needs: a share of own money above the reserve, in equal money shares
                // over the goods not offered.
                let own = holdings[i] as f64 / unit - (start - budget);
                let excess = (own - terms.reserve * need_value).min(budget);
                if terms.spend > 0.0 && excess > 0.0 {
                    let wanted = (0..goods).filter(|&g| !sells(g) && terms.prices[g] > 0.0).count();
                    if wanted > 0 {
                        let each = terms.spend * excess / wanted as f64;
                        for g in 0..goods {
                            if !sells(g) && terms.prices[g] > 0.0 {
                                lu[g] = each / terms.prices[g];
                                de[g] += lu[g];
                            }
                        }
                    }
                }
                for g in 0..goods {
                    d[g] += de[g];
                }
            }
            (s, d, kept)
        })
        .collect();
    let mut out = Cleared {
        supply: vec![0.0; goods],
        demand: vec![0.0; goods],
        volume: vec![0.0; goods],
        paid: vec![0; goods],
        weights: vec![0.0; goods],
        purchases: 0,
        luxury: vec![0.0; goods],
        members: 0,
        withheld: vec![0.0; goods],
    };
    for (s, d, kept) in &totals {
        for g in 0..goods {
            out.supply[g] += s[g];
            out.demand[g] += d[g];
            out.withheld[g] += kept[g];
        }
    }
    for g in 0..goods {
        out.volume[g] = out.supply[g].min(out.demand[g]);
    }
    let buy_ratio: Vec<f64> =
        (0..goods).map(|g| if out.demand[g] > 0.0 { out.volume[g] / out.demand[g] } else { 0.0 }).collect();
    let sell_ratio: Vec<f64> =
        (0..goods).map(|g| if out.supply[g] > 0.0 { out.volume[g] / out.supply[g] } else { 0.0 }).collect();

    // 2. Goods move; buyers pay; sellers' revenue weights replace their offers.
    let account = terms.account;
    let a = &mut world.agents;
    let column = match account {
        Account::Money => &mut a.money,
        Account::Balance => &mut a.balance,
    };
    // What a buyer receives of what it bought (the rest is lost on the way, in every regime).
    let keep = world.transfer_keep;
    let partials: Vec<ChunkTrades> = (
        a.stock.par_chunks_mut(CHUNK * goods),
        orders.offer.par_chunks_mut(CHUNK * goods),
        orders.demand.par_chunks_mut(CHUNK * goods),
        orders.luxury.par_chunks(CHUNK * goods),
        column.par_chunks_mut(CHUNK),
        (a.member.par_chunks(CHUNK), a.beyond.par_chunks_mut(CHUNK)),
    )
        .into_par_iter()
        .enumerate()
        .map(|(c, (stock, offer, demand, luxury, account, (member, eaten)))| {
            let mut paid = vec![0i64; goods];
            let mut weight = vec![0.0; goods];
            let mut purchases = 0u64;
            let mut consumed = vec![0.0; goods];
            let mut members = 0u64;
            let mut lost = 0.0;
            for k in 0..member.len() {
                if !terms.takes_part(member[k]) {
                    continue;
                }
                members += (member[k] == terms.slot) as u64;
                let i = c * CHUNK + k;
                let mut left = terms.credit.budget(i, account[k]);
                for g in 0..goods {
                    let idx = k * goods + g;
                    let bought = demand[idx] * buy_ratio[g];
                    // The demand buffer now records what was paid (integers, exact in f64).
                    demand[idx] = 0.0;
                    if bought > 0.0 {
                        let pay = ((bought * terms.prices[g] * unit).floor() as i64).clamp(0, left);
                        left -= pay;
                        account[k] -= pay;
                        paid[g] += pay;
                        demand[idx] = pay as f64;
                        // What was bought beyond needs is consumed at once.
                        let beyond = luxury[idx] * buy_ratio[g];
                        stock[idx] += (bought - beyond) * keep;
                        consumed[g] += beyond * keep;
                        eaten[k] += (beyond * keep) as f32;
                        lost += bought * (1.0 - keep);
                        purchases += 1;
                    }
                    let sold = offer[idx] * sell_ratio[g];
                    stock[idx] -= sold;
                    let w = sold * terms.seller_weight.map_or(1.0, |sw| sw[i]);
                    offer[idx] = w;
                    weight[g] += w;
                }
            }
            (paid, weight, purchases, consumed, members, lost)
        })
        .collect();
    let mut weight_total = vec![0.0; goods];
    let mut lost = 0.0;
    for (p, w, k, l, m, x) in &partials {
        lost += x;
        for g in 0..goods {
            out.paid[g] += p[g];
            weight_total[g] += w[g];
            out.luxury[g] += l[g];
        }
        out.purchases += k;
        out.members += m;
    }
    // What was bought beyond needs was consumed: the world's ledger counts it here, once.
    world.ledger.consumed += out.luxury.iter().sum::<f64>();
    out.weights.clone_from(&weight_total);
    if terms.log_trades {
        orders.paid.clear();
        orders.paid.extend(orders.demand.iter().map(|&x| x as i64));
    }

    // 3. Sellers are paid exactly what buyers paid, split by weight.
    for (g, (&paid, &weight)) in out.paid.iter().zip(&weight_total).enumerate() {
        apportion_strided(paid, &orders.offer, goods, g, weight, terms.rotate, &mut orders.revenue);
    }

    let revenue = &orders.revenue;
    column.par_chunks_mut(CHUNK).enumerate().for_each(|(c, account)| {
        for (k, m) in account.iter_mut().enumerate() {
            let i = c * CHUNK + k;
            *m += revenue[i * goods..(i + 1) * goods].iter().sum::<i64>();
        }
    });
    world.count_lost(terms.slot, lost);
    out
}
