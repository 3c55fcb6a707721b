//! Metrics: the per-step record of every regime in every replicate, and its summaries.
//!
//! [`METRICS`] is the one list of metrics: the CSV columns, the summary rows, the docs and
//! the tests all come from it. A record is a plain `[f64]` row indexed by [`Metric`], then
//! one price per good; `NaN` means "not meaningful here" and is written as an empty cell.

pub mod inequality;
pub mod summary;

use crate::world::{from_money, World};
use inequality::SortBuffer;
use rayon::prelude::*;

/// A metric column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Metric {
    /// Members present.
    Agents,
    /// Share of present agents that belong to this regime (coexist mode).
    RegimeShare,
    /// Mean share of needs met.
    NeedsMetMean,
    /// 10th percentile of needs met.
    NeedsMetP10,
    /// Share of members whose needs met fell below the destitution threshold.
    DestituteShare,
    /// Mean wellbeing (moving average of needs met).
    WellbeingMean,
    /// Mean wealth.
    WealthMean,
    /// Gini of wealth.
    GiniWealth,
    /// Theil index of wealth.
    TheilWealth,
    /// Palma ratio of wealth.
    PalmaWealth,
    /// Gini of consumption.
    GiniConsumption,
    /// Gini of money.
    GiniMoney,
    /// Output this step.
    OutputTotal,
    /// Resource stock as a share of capacity.
    ResourceStock,
    /// Resource harvested per agent.
    Harvest,
    /// Shared knowledge per agent.
    KnowledgePool,
    /// Share of cooperators.
    CooperatorShare,
    /// Share of reciprocators.
    ReciprocatorShare,
    /// Share of free riders.
    FreeRiderShare,
    /// Exchanges this step.
    Trades,
    /// Gifts this step.
    Gifts,
    /// Units given this step.
    GiftVolume,
    /// Mean reputation.
    ReputationMean,
    /// Share of chances to give that were taken.
    CooperationRate,
    /// Money turnover over money stock.
    Velocity,
    /// Money held by members.
    MoneyTotal,
    /// Share of members at their credit limit.
    CreditAtLimitShare,
    /// Gini of credit capacity (balance plus limit).
    BalanceGini,
    /// Defaults this step.
    Defaults,
    /// Debt written off this step.
    DefaultVolume,
    /// Share of trade volume closing in 2-cycles.
    CycleShare2,
    /// Share of trade volume closing in 3-cycles.
    CycleShare3,
    /// Sanctions imposed this step.
    Sanctions,
    /// Share of members excluded from the commons.
    ExcludedShare,
    /// Output captured by a platform.
    PlatformCapture,
    /// Tax collected.
    TaxRevenue,
    /// Basic income paid.
    BasicIncomePaid,
    /// Funds held by the treasury.
    Treasury,
}

/// What a metric is, for files and docs.
#[derive(Debug, Clone, Copy)]
pub struct MetricInfo {
    /// The metric.
    pub metric: Metric,
    /// Column name.
    pub name: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// One line on what it measures.
    pub about: &'static str,
}

macro_rules! metrics {
    ($($m:ident, $name:literal, $unit:literal, $about:literal;)*) => {
        /// Every fixed metric, in column order.
        pub const METRICS: &[MetricInfo] = &[$(MetricInfo { metric: Metric::$m, name: $name, unit: $unit, about: $about }),*];
    };
}

metrics! {
    Agents, "agents", "agents", "members present at the end of the step";
    RegimeShare, "regime_share", "share", "share of present agents in this regime (coexist mode)";
    NeedsMetMean, "needs_met_mean", "share", "mean over members of the share of needs met this step";
    NeedsMetP10, "needs_met_p10", "share", "10th percentile of needs met: how the worst-off fare";
    DestituteShare, "destitute_share", "share", "share of members with needs met below the destitution threshold";
    WellbeingMean, "wellbeing_mean", "share", "mean of the moving average of needs met that agents compare";
    WealthMean, "wealth_mean", "unit of account", "mean wealth: goods at current prices (units without prices) plus money or balance";
    GiniWealth, "gini_wealth", "index", "mean-difference Gini of wealth";
    TheilWealth, "theil_wealth", "index", "Theil T index of wealth (empty if any wealth is negative)";
    PalmaWealth, "palma_wealth", "ratio", "wealth share of the top 10% over that of the bottom 40%";
    GiniConsumption, "gini_consumption", "index", "Gini of units consumed this step";
    GiniMoney, "gini_money", "index", "Gini of money holdings (money regimes)";
    OutputTotal, "output_total", "units", "units of goods produced this step";
    ResourceStock, "resource_stock", "share of capacity", "common-pool resource stock over its carrying capacity";
    Harvest, "harvest", "units per agent", "resource harvested this step per agent of the initial population";
    KnowledgePool, "knowledge_pool", "units per agent", "shared knowledge pool per present agent";
    CooperatorShare, "cooperator_share", "share", "share of members who are cooperators";
    ReciprocatorShare, "reciprocator_share", "share", "share of members who are reciprocators";
    FreeRiderShare, "free_rider_share", "share", "share of members who are free riders";
    Trades, "trades", "count", "purchases (or pair encounters in money-exchange models) this step";
    Gifts, "gifts", "count", "gifts made this step";
    GiftVolume, "gift_volume", "units", "units of goods given this step";
    ReputationMean, "reputation_mean", "share", "mean reputation of members";
    CooperationRate, "cooperation_rate", "share", "share of chances to give (a needy neighbour, a donation encounter) that were taken";
    Velocity, "velocity", "per step", "money (or credit) changing hands this step over the money stock";
    MoneyTotal, "money_total", "unit of account", "money held by members";
    CreditAtLimitShare, "credit_at_limit_share", "share", "share of members at their credit limit";
    BalanceGini, "balance_gini", "index", "Gini of credit capacity (balance plus credit limit)";
    Defaults, "defaults", "count", "members who left with a debit balance this step";
    DefaultVolume, "default_volume", "unit of account", "debt written off this step";
    CycleShare2, "cycle_share_2", "share", "share of recent trade volume closing in 2-cycles";
    CycleShare3, "cycle_share_3", "share", "share of recent trade volume closing in 3-cycles";
    Sanctions, "sanctions", "count", "sanctions imposed on members this step";
    ExcludedShare, "excluded_share", "share", "share of members excluded from the commons";
    PlatformCapture, "platform_capture", "units", "output a platform captured from enclosed knowledge this step";
    TaxRevenue, "tax_revenue", "unit of account", "tax collected this step";
    BasicIncomePaid, "basic_income_paid", "unit of account", "basic income paid this step";
    Treasury, "treasury", "unit of account", "funds the treasury holds after paying basic income";
}

/// Number of fixed metrics (price columns follow them).
pub const FIXED: usize = Metric::Treasury as usize + 1;

/// The columns of a run: the fixed metrics, then `price_<good>` per good.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Names of the goods, for the price columns.
    pub goods: Vec<String>,
}

impl Layout {
    /// Columns for these goods.
    pub fn new(goods: &[String]) -> Self {
        Layout { goods: goods.to_vec() }
    }

    /// Number of metric columns.
    pub fn width(&self) -> usize {
        FIXED + self.goods.len()
    }

    /// Column names in order.
    pub fn names(&self) -> Vec<String> {
        METRICS.iter().map(|m| m.name.to_string()).chain(self.goods.iter().map(|g| format!("price_{g}"))).collect()
    }

    /// A row of `NaN`s (nothing measured yet).
    pub fn empty_row(&self) -> Vec<f64> {
        vec![f64::NAN; self.width()]
    }
}

/// Column index of the price of good `g`.
pub fn price_column(g: usize) -> usize {
    FIXED + g
}

/// What a regime holds besides goods, for valuing wealth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyKind {
    /// No money.
    None,
    /// Market money (`money` column).
    Money,
    /// Mutual-credit balance (`balance` column).
    Balance,
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
    needs_met: f64,
    destitute: usize,
    wellbeing: f64,
    wealth: f64,
    output: f64,
    strategies: [usize; 3],
    money: i64,
}

impl Tally {
    fn add(mut self, o: Tally) -> Tally {
        self.members += o.members;
        self.needs_met += o.needs_met;
        self.destitute += o.destitute;
        self.wellbeing += o.wellbeing;
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
pub fn record_common(world: &World, view: SlotView, present: usize, scratch: &mut Scratch, row: &mut [f64]) {
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
                    continue;
                }
                t.members += 1;
                t.needs_met += a.needs_met[i] as f64;
                t.destitute += (a.needs_met[i] < world.destitute_threshold) as usize;
                t.wellbeing += a.wellbeing[i] as f64;
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
    set(row, Metric::Agents, m as f64);
    let share = |k: usize| {
        if m == 0 {
            f64::NAN
        } else {
            k as f64 / m as f64
        }
    };
    set(row, Metric::CooperatorShare, share(tally.strategies[0]));
    set(row, Metric::ReciprocatorShare, share(tally.strategies[1]));
    set(row, Metric::FreeRiderShare, share(tally.strategies[2]));
    if view.material {
        set(row, Metric::ResourceStock, world.resource.stock / world.resource.capacity);
        set(row, Metric::KnowledgePool, if present == 0 { f64::NAN } else { world.knowledge.pool / present as f64 });
    }
    if m == 0 {
        return;
    }
    let mf = m as f64;
    set(row, Metric::WealthMean, tally.wealth / mf);

    // Order statistics: each sort is parallel in itself, so they run one after another.
    let member = |i: usize| a.member[i] == slot;
    // Wealth is recomputed here rather than kept from the tally pass: two reads of its inputs
    // cost less than writing and re-reading a million-entry buffer.
    let wealth = scratch.sort_wealth.sort_where(n, |i| member(i).then(|| wealth_of(world, &view, i)));
    let (gini, palma, theil) = (wealth.gini(), wealth.palma(), wealth.theil());
    set(row, Metric::GiniWealth, gini);
    set(row, Metric::PalmaWealth, palma);
    set(row, Metric::TheilWealth, theil);
    if view.money == MoneyKind::Money {
        // Without goods, wealth is money: its Gini is wealth's.
        let g = if view.material {
            scratch.sort_money.sort_where(n, |i| member(i).then(|| from_money(a.money[i]))).gini()
        } else {
            gini
        };
        set(row, Metric::GiniMoney, g);
        set(row, Metric::MoneyTotal, from_money(tally.money));
    }
    if view.material {
        let g = scratch.sort_consumption.sort_where(n, |i| member(i).then(|| a.consumed[i] as f64)).gini();
        set(row, Metric::GiniConsumption, g);
        let p10 = inequality::quantile_where(n, 0.1, |i| member(i).then(|| a.needs_met[i] as f64));
        set(row, Metric::NeedsMetMean, tally.needs_met / mf);
        set(row, Metric::NeedsMetP10, p10);
        set(row, Metric::DestituteShare, tally.destitute as f64 / mf);
        set(row, Metric::WellbeingMean, tally.wellbeing / mf);
        set(row, Metric::OutputTotal, tally.output);
        set(row, Metric::Harvest, world.resource.harvest / world.initial_agents as f64);
    }
}

/// Writes one metric into a row.
#[inline]
pub fn set(row: &mut [f64], metric: Metric, value: f64) {
    row[metric as usize] = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_list_follows_enum_order() {
        for (i, m) in METRICS.iter().enumerate() {
            assert_eq!(m.metric as usize, i, "{} out of place", m.name);
        }
        assert_eq!(METRICS.len(), FIXED);
    }

    #[test]
    fn layout_appends_prices() {
        let l = Layout::new(&["food".into(), "energy".into()]);
        let names = l.names();
        assert_eq!(names.len(), FIXED + 2);
        assert_eq!(names[price_column(1)], "price_energy");
    }
}
