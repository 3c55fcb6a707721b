//! The metrics every regime shares (needs met, inequality, output, resource, knowledge,
//! strategies), computed from the world's columns at the record phase.

use super::inequality::{self, SortBuffer};
use super::{Common, Layout, MoneyKind};
use crate::money::from_money;
use crate::world::{World, LEFT};
use rayon::prelude::*;

/// Where the common metrics of one regime go in its row.
pub struct CommonOut<'a> {
    /// The row.
    pub row: &'a mut [f64],
    /// Its layout.
    pub layout: &'a Layout,
}

impl CommonOut<'_> {
    /// Writes a common metric.
    #[inline]
    pub fn set(&mut self, metric: Common, value: f64) {
        self.row[self.layout.common(metric)] = value;
    }
}

/// How the common metrics should read one regime's members.
#[derive(Debug, Clone, Copy)]
pub struct SlotView<'a> {
    /// The regime's slot in the world.
    pub slot: u8,
    /// Whether members produce and consume goods.
    pub material: bool,
    /// What members hold besides goods.
    pub money: MoneyKind,
    /// Prices for valuing goods; `None` values goods in units.
    pub prices: Option<&'a [f64]>,
    /// Whether members' wellbeing is a game payoff the regime keeps (the donation game),
    /// recorded although the regime has no goods.
    pub payoff_wellbeing: bool,
}

/// Buffers reused from step to step by [`record_common`].
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    sort_wealth: SortBuffer,
    sort_consumption: SortBuffer,
    sort_money: SortBuffer,
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    members: usize,
    departed: usize,
    needs_met: f64,
    destitute: usize,
    wellbeing: f64,
    welfare: f64,
    welfare_by: [f64; 3],
    effort: f64,
    specialised: f64,
    wealth: f64,
    output: f64,
    strategies: [usize; 3],
    money: i64,
}

impl Tally {
    fn add(mut self, o: Tally) -> Tally {
        self.members += o.members;
        self.departed += o.departed;
        self.needs_met += o.needs_met;
        self.destitute += o.destitute;
        self.wellbeing += o.wellbeing;
        self.welfare += o.welfare;
        self.effort += o.effort;
        self.specialised += o.specialised;
        for k in 0..3 {
            self.welfare_by[k] += o.welfare_by[k];
        }
        self.wealth += o.wealth;
        self.output += o.output;
        for k in 0..3 {
            self.strategies[k] += o.strategies[k];
        }
        self.money += o.money;
        self
    }
}

/// Wealth of agent `i`: the value of the goods it held this step after allocation, before
/// consumption (at the regime's prices, or in units), plus money or balance.
#[inline]
pub fn wealth_of(world: &World, view: &SlotView, i: usize) -> f64 {
    let a = &world.agents;
    a.holdings[i]
        + match view.money {
            MoneyKind::None => 0.0,
            MoneyKind::Money => from_money(a.money[i]),
            MoneyKind::Balance => from_money(a.balance[i]),
        }
}

/// Fills the metrics every regime shares (needs met, inequality, output, resource,
/// knowledge, strategies) for the members of `view.slot` into `row`. `present` is the number
/// of agents in the world that have not left.
pub fn record_common(world: &World, view: SlotView, present: usize, scratch: &mut Scratch, out: &mut CommonOut) {
    let a = &world.agents;
    let n = a.len();
    let slot = view.slot;
    let chunk = crate::rng::CHUNK;
    // One parallel pass of tallies per chunk, added in chunk order.
    let tally = (0..n.div_ceil(chunk))
        .into_par_iter()
        .map(|c| {
            let mut t = Tally::default();
            for i in c * chunk..((c + 1) * chunk).min(n) {
                if a.member[i] != slot {
                    t.departed += (a.member[i] == LEFT && a.left_from[i] == slot) as usize;
                    continue;
                }
                t.members += 1;
                t.needs_met += a.needs_met[i] as f64;
                t.destitute += (a.needs_met[i] < world.destitute_threshold) as usize;
                t.wellbeing += a.wellbeing[i] as f64;
                t.welfare += a.welfare[i] as f64;
                t.welfare_by[a.strategy[i] as usize] += a.welfare[i] as f64;
                t.effort += a.effort[i] as f64;
                let g = world.goods;
                t.specialised += a.share[i * g..(i + 1) * g].iter().fold(0.0f32, |m, &x| m.max(x)) as f64;
                t.wealth += wealth_of(world, &view, i);
                t.output += a.output[i];
                t.strategies[a.strategy[i] as usize] += 1;
                t.money += a.money[i];
            }
            t
        })
        .collect::<Vec<_>>()
        .into_iter()
        .fold(Tally::default(), Tally::add);

    let m = tally.members;
    out.set(Common::Agents, m as f64);
    let share = |k: usize| {
        if m == 0 {
            f64::NAN
        } else {
            k as f64 / m as f64
        }
    };
    out.set(Common::CooperatorShare, share(tally.strategies[0]));
    out.set(Common::ReciprocatorShare, share(tally.strategies[1]));
    out.set(Common::FreeRiderShare, share(tally.strategies[2]));
    if view.material {
        out.set(Common::ResourceStock, world.resource.stock / world.resource.capacity);
        out.set(Common::KnowledgePool, if present == 0 { f64::NAN } else { world.knowledge.pool / present as f64 });
    }
    // The regime's population: its members and those who left the world from it, who count
    // as meeting none of their needs (a regime cannot improve its averages by losing people).
    let population = m + tally.departed;
    if view.material && population > 0 {
        let pf = population as f64;
        let counted = |i: usize| {
            if a.member[i] == slot {
                Some(a.needs_met[i] as f64)
            } else {
                (a.member[i] == LEFT && a.left_from[i] == slot).then_some(0.0)
            }
        };
        out.set(Common::NeedsMetMean, tally.needs_met / pf);
        out.set(Common::NeedsMetP10, inequality::quantile_where(n, 0.1, counted));
        out.set(Common::DestituteShare, (tally.destitute + tally.departed) as f64 / pf);
        out.set(Common::DepartedShare, tally.departed as f64 / pf);
        let consumed = |i: usize| counted(i).map(|_| if a.member[i] == slot { a.consumed[i] as f64 } else { 0.0 });
        out.set(Common::GiniConsumption, scratch.sort_consumption.sort_where(n, consumed).gini());
        out.set(Common::OutputTotal, tally.output);
        out.set(Common::Harvest, world.resource.harvest / world.initial_agents as f64);
    }
    if m == 0 {
        return;
    }
    let mf = m as f64;
    out.set(Common::WealthMean, tally.wealth / mf);

    // Order statistics: each sort is parallel in itself, so they run one after another.
    let member = |i: usize| a.member[i] == slot;
    // Wealth is recomputed here rather than kept from the tally pass: two reads of its inputs
    // cost less than writing and re-reading a million-entry buffer.
    let wealth = scratch.sort_wealth.sort_where(n, |i| member(i).then(|| wealth_of(world, &view, i)));
    let inequality::Spread { gini, palma, theil } = wealth.spread();
    out.set(Common::GiniWealth, gini);
    out.set(Common::PalmaWealth, palma);
    out.set(Common::TheilWealth, theil);
    if view.money == MoneyKind::Money {
        // Without goods, wealth is money: its Gini is wealth's.
        let g = if view.material {
            scratch.sort_money.sort_where(n, |i| member(i).then(|| from_money(a.money[i]))).gini()
        } else {
            gini
        };
        out.set(Common::GiniMoney, g);
        out.set(Common::MoneyTotal, from_money(tally.money));
    }
    if view.payoff_wellbeing && !view.material {
        out.set(Common::WellbeingMean, tally.wellbeing / mf);
    }
    if view.material {
        out.set(Common::NeedsMetPresent, tally.needs_met / mf);
        out.set(Common::WellbeingMean, tally.wellbeing / mf);
        // Members who left count as welfare 0 (they meet no needs and do no work).
        out.set(Common::WelfareMean, tally.welfare / (m + tally.departed) as f64);
        let by = |k: usize| {
            if tally.strategies[k] == 0 {
                f64::NAN
            } else {
                tally.welfare_by[k] / tally.strategies[k] as f64
            }
        };
        out.set(Common::WelfareCooperator, by(0));
        out.set(Common::WelfareFreeRider, by(2));
        out.set(Common::EffortMean, tally.effort / mf);
        out.set(Common::Specialisation, tally.specialised / mf);
    }
}
