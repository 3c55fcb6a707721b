//! Phase 6, policy: shocks, demurrage on money, and a basic income funded by a tax, for any
//! regime.
//!
//! Demurrage is a charge on money: every member of a regime with money or credit pays
//! `demurrage` of its positive holding, and the proceeds go straight back to all the members
//! in equal shares the same step (a dividend), so money moves from those who hold it to
//! everyone and none is lost. Each regime of a world has its own treasury for the tax: every
//! step, right after production and before any regime allocates (the same point and the
//! same base in every regime), it collects the tax, pays the basic income out of what it
//! holds, and keeps the rest. The treasury's goods perish at the population's `decay` rate,
//! once a step like every agent's stock (no free storage): tax collected equals income paid
//! plus the change in the treasury plus what perished in it, exactly for money (integer
//! units) and to rounding for goods.

use crate::metrics::record::SlotView;
use crate::metrics::MetricDef;
use crate::money::{apportion, from_money, to_money, MoneyKind, MONEY_UNIT};
use crate::rng::{stream, unit_f64, Key, Purpose, Streams, CHUNK};
use crate::scenario::{Funding, PaidIn, PolicyConfig, Shock, TaxBase};
use crate::world::{World, LEFT};
use rand::Rng;
use rayon::prelude::*;

/// A regime's treasury.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Treasury {
    /// Goods held, per good.
    pub goods: Vec<f64>,
    /// Money (or credit) held, in money units.
    pub money: i64,
    /// Money (or credit) taken out of circulation by `money_loss` shocks, in money units: an
    /// account that keeps the books balanced, never spent.
    pub lost: i64,
    /// Money (or credit) issued as basic income, in money units (kept negative in the books:
    /// the issuer's side of the new money).
    pub issued: i64,
    /// Money (or credit) destroyed by demurrage on issued money, in money units.
    pub destroyed: i64,
    shares: Vec<i64>,
    weights: Vec<f64>,
}

impl Treasury {
    /// An empty treasury for `goods` goods.
    pub fn new(goods: usize) -> Treasury {
        Treasury { goods: vec![0.0; goods], ..Default::default() }
    }
}

/// The productivity factor of the shocks in force at `step` (1 = none).
pub fn productivity_factor(shocks: &[Shock], step: u64) -> f64 {
    shocks
        .iter()
        .map(|s| match *s {
            Shock::Productivity { step: at, size, duration }
                if step >= at && (duration == 0 || step < at + duration) =>
            {
                1.0 - size
            }
            _ => 1.0,
        })
        .product()
}

/// Applies the shocks that strike at `step` to the world (resource crashes) and returns the
/// agents an exodus takes (sorted). The same agents are drawn in every regime of a replicate.
pub fn shocks(world: &mut World, shocks: &[Shock], streams: &Streams, step: u64) -> Vec<u32> {
    let mut leaving = Vec::new();
    for (k, s) in shocks.iter().enumerate() {
        if s.step() != step {
            continue;
        }
        match *s {
            Shock::ResourceCrash { size, .. } => world.resource.stock *= 1.0 - size,
            // Productivity acts in production; a money loss per regime, in `money_loss`.
            Shock::Productivity { .. } | Shock::MoneyLoss { .. } => {}
            Shock::Exodus { share, .. } => {
                let member = &world.agents.member;
                let drawn: Vec<Vec<u32>> = member
                    .par_chunks(CHUNK)
                    .enumerate()
                    .map(|(c, m)| {
                        let mut rng = streams.rng(Key::engine(Purpose::Shocks, stream::EXODUS, k as u32), step, c);
                        (0..m.len())
                            .filter(|&j| {
                                let u = unit_f64(rng.next_u64());
                                m[j] != LEFT && u < share
                            })
                            .map(|j| (c * CHUNK + j) as u32)
                            .collect()
                    })
                    .collect();
                leaving.extend(drawn.into_iter().flatten());
            }
        }
    }
    leaving.sort_unstable();
    leaving.dedup();
    leaving
}

/// Applies the `money_loss` shocks that strike at `step` to the members of `slot`: each loses
/// the floor of `size` times its positive money (market) or credit balance (mutual credit),
/// booked to the treasury's `lost` account, so market money plus accounts stays constant and
/// balances plus accounts sum to zero. Debts are untouched. Nothing happens without money.
pub fn money_loss(world: &mut World, slot: u8, money: MoneyKind, shocks: &[Shock], treasury: &mut Treasury, step: u64) {
    for s in shocks {
        let Shock::MoneyLoss { step: at, size } = *s else { continue };
        if at != step {
            continue;
        }
        treasury.lost += take_share(world, slot, money, size);
    }
}

/// What the policy phase did in one regime this step: in units of goods for a basic income in
/// goods, in units of account for one in money.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolicyReport {
    /// Tax (and policy demurrage) collected.
    pub tax_revenue: f64,
    /// Basic income paid.
    pub basic_income_paid: f64,
    /// What the treasury holds after paying.
    pub treasury: f64,
    /// Demurrage collected (and paid back as a dividend), in units of account; `NaN` where
    /// there is none.
    pub demurrage: f64,
}

/// Takes the floor of `share` times each positive holding (money, or credit balance) of the
/// members of `slot`, and returns the money units taken (an integer sum: the same on any
/// thread count). Debts are untouched.
fn take_share(world: &mut World, slot: u8, money: MoneyKind, share: f64) -> i64 {
    let a = &mut world.agents;
    let column = match money {
        MoneyKind::Money => &mut a.money,
        MoneyKind::Balance => &mut a.balance,
        MoneyKind::None => return 0,
    };
    (column.par_chunks_mut(CHUNK), a.member.par_chunks(CHUNK))
        .into_par_iter()
        .map(|(held, member)| {
            let mut got = 0i64;
            for (h, &m) in held.iter_mut().zip(member) {
                if m == slot && *h > 0 {
                    let part = (share * *h as f64).floor() as i64;
                    *h -= part;
                    got += part;
                }
            }
            got
        })
        .sum()
}

/// Charges demurrage on the money (or positive credit balances) of the members of `slot` and
/// pays it back to them in equal shares; returns the money units collected.
fn demurrage(world: &mut World, slot: u8, money: MoneyKind, rate: f64, treasury: &mut Treasury, step: u64) -> i64 {
    if money == MoneyKind::None {
        return 0;
    }
    let collected = take_share(world, slot, money, rate);
    let a = &mut world.agents;
    let column = if money == MoneyKind::Money { &mut a.money } else { &mut a.balance };
    treasury.weights.clear();
    treasury.weights.extend(a.member.iter().map(|&m| if m == slot { 1.0 } else { 0.0 }));
    apportion(collected, &treasury.weights, (step as usize).wrapping_mul(104_729), &mut treasury.shares);
    column.par_iter_mut().zip(treasury.shares.par_iter()).for_each(|(h, s)| *h += s);
    collected
}

/// Charges demurrage, collects the tax from the members of `slot` and pays the basic income;
/// `None` when no policy is set (or none can act: a money policy where members hold no
/// money).
pub fn tax_and_transfer(
    world: &mut World,
    view: SlotView,
    cfg: &PolicyConfig,
    treasury: &mut Treasury,
    step: u64,
) -> Option<PolicyReport> {
    let (slot, money, prices) = (view.slot, view.money, view.prices);
    let bi = &cfg.basic_income;
    let active = bi.amount > 0.0 || cfg.tax.rate > 0.0 || cfg.demurrage > 0.0;
    if !active {
        return None;
    }
    let issue = bi.funding == Funding::Issue;
    let charged = if cfg.demurrage > 0.0 && money != MoneyKind::None && issue {
        // The counterweight of issued money: demurrage destroys what it takes.
        let taken = take_share(world, slot, money, cfg.demurrage);
        treasury.destroyed += taken;
        from_money(taken)
    } else if cfg.demurrage > 0.0 && money != MoneyKind::None {
        from_money(demurrage(world, slot, money, cfg.demurrage, treasury, step))
    } else {
        f64::NAN
    };
    // Goods held in the treasury perish like any other stock.
    if world.decay > 0.0 {
        let mut gone = 0.0;
        for t in treasury.goods.iter_mut() {
            let d = *t * world.decay;
            *t -= d;
            gone += d;
        }
        world.ledger.decayed += gone;
    }
    let goods = world.goods;
    let a = &mut world.agents;
    let members = a.member.iter().filter(|&&m| m == slot).count();
    // Issued money needs no tax: the tax is idle (the plan warns).
    let rate = if issue { 0.0 } else { cfg.tax.rate };
    let on = cfg.tax.on;
    if bi.amount <= 0.0 && rate <= 0.0 {
        return Some(PolicyReport {
            tax_revenue: f64::NAN,
            basic_income_paid: f64::NAN,
            treasury: f64::NAN,
            demurrage: charged,
        });
    }
    match bi.paid_in {
        PaidIn::Goods => {
            // Tax in goods.
            let collected: Vec<Vec<f64>> = (
                a.stock.par_chunks_mut(CHUNK * goods),
                a.member.par_chunks(CHUNK),
                a.output.par_chunks(CHUNK),
                a.specialty.par_chunks(CHUNK),
            )
                .into_par_iter()
                .map(|(stock, member, output, specialty)| {
                    let mut got = vec![0.0; goods];
                    for k in 0..member.len() {
                        if member[k] != slot || rate <= 0.0 {
                            continue;
                        }
                        let x = &mut stock[k * goods..(k + 1) * goods];
                        match on {
                            TaxBase::Income => {
                                let g = specialty[k] as usize;
                                let t = (rate * output[k]).min(x[g]);
                                x[g] -= t;
                                got[g] += t;
                            }
                            TaxBase::Wealth => {
                                for g in 0..goods {
                                    let t = rate * x[g];
                                    x[g] -= t;
                                    got[g] += t;
                                }
                            }
                        }
                    }
                    got
                })
                .collect();
            let mut revenue = 0.0;
            for part in &collected {
                for (t, p) in treasury.goods.iter_mut().zip(part) {
                    *t += p;
                    revenue += p;
                }
            }
            // Basic income: `amount` of each good to every member, or equal shares of what
            // the treasury holds if that is less.
            let mut paid = 0.0;
            if bi.amount > 0.0 && members > 0 {
                let each: Vec<f64> = treasury.goods.iter().map(|&t| bi.amount.min(t / members as f64)).collect();
                for (k, m) in a.member.iter().enumerate() {
                    if *m == slot {
                        for (x, e) in a.stock[k * goods..(k + 1) * goods].iter_mut().zip(&each) {
                            *x += e;
                        }
                    }
                }
                for (t, e) in treasury.goods.iter_mut().zip(&each) {
                    let out = e * members as f64;
                    *t = (*t - out).max(0.0);
                    paid += out;
                }
            }
            Some(PolicyReport {
                tax_revenue: revenue,
                basic_income_paid: paid,
                treasury: treasury.goods.iter().sum(),
                demurrage: charged,
            })
        }
        PaidIn::Money => {
            let column = match money {
                MoneyKind::Money => &mut a.money,
                MoneyKind::Balance => &mut a.balance,
                MoneyKind::None => return None,
            };
            let revenue: i64 = (
                column.par_chunks_mut(CHUNK),
                a.member.par_chunks(CHUNK),
                a.output.par_chunks(CHUNK),
                a.specialty.par_chunks(CHUNK),
            )
                .into_par_iter()
                .map(|(held, member, output, specialty)| {
                    let mut got = 0i64;
                    for k in 0..member.len() {
                        if member[k] != slot {
                            continue;
                        }
                        let positive = held[k].max(0) as f64;
                        let base = match on {
                            TaxBase::Income => {
                                output[k] * prices.map_or(1.0, |p| p[specialty[k] as usize]) * MONEY_UNIT as f64
                            }
                            TaxBase::Wealth => positive,
                        };
                        let t = (rate * base).floor().min(positive) as i64;
                        held[k] -= t;
                        got += t;
                    }
                    got
                })
                .sum();
            treasury.money += revenue;
            let mut paid = 0i64;
            if bi.amount > 0.0 && members > 0 {
                let want = to_money(bi.amount).saturating_mul(members as i64);
                if issue {
                    // New money, `amount` to every member.
                    paid = want;
                    treasury.issued += paid;
                } else {
                    paid = want.min(treasury.money);
                    treasury.money -= paid;
                }
                treasury.weights.clear();
                treasury.weights.extend(a.member.iter().map(|&m| if m == slot { 1.0 } else { 0.0 }));
                apportion(paid, &treasury.weights, step as usize, &mut treasury.shares);
                column.par_iter_mut().zip(treasury.shares.par_iter()).for_each(|(h, s)| *h += s);
            }
            Some(PolicyReport {
                tax_revenue: from_money(revenue),
                basic_income_paid: from_money(paid),
                treasury: from_money(treasury.money),
                demurrage: charged,
            })
        }
    }
}

/// The policy metrics, in the order of [`METRICS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
#[allow(missing_docs)]
pub enum Policy {
    TaxRevenue,
    BasicIncomePaid,
    Treasury,
    Demurrage,
}

/// Metrics of the policy phase (basic income, tax, treasury).
pub static METRICS: &[MetricDef] = &[
    MetricDef::new("tax_revenue", "unit of account", "tax collected this step"),
    MetricDef::new("basic_income_paid", "unit of account", "basic income paid this step"),
    MetricDef::new("treasury", "unit of account", "funds the treasury holds after paying basic income"),
    MetricDef::new(
        "demurrage",
        "unit of account",
        "demurrage charged on money this step (paid back as an equal dividend)",
    ),
];

#[cfg(test)]
mod metric_tests {
    #[test]
    fn metric_list_follows_enum_order() {
        assert_eq!(super::METRICS[super::Policy::Treasury as usize].name, "treasury");
        assert_eq!(super::METRICS[super::Policy::Demurrage as usize].name, "demurrage");
    }
}
