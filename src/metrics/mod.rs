//! Metrics: the per-step record of every regime in every replicate, and its summaries.
//!
//! A record is a plain `[f64]` row laid out by a [`Layout`]: the metrics every world records
//! ([`COMMON`], written by [`record::record_common`]), then the metrics the regimes declare
//! (each regime lists its own in the registry), then the policy metrics ([`POLICY`]), then
//! one price per good. `NaN` means "not meaningful here" and is written as an empty cell.

pub mod inequality;
pub mod record;
pub mod summary;

pub use crate::money::MoneyKind;

/// What a metric is, for files, charts and docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricDef {
    /// Column name.
    pub name: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// One line on what it measures.
    pub about: &'static str,
    /// A short title for charts and tables; empty to derive one from the name.
    pub title: &'static str,
}

impl MetricDef {
    /// A metric without a chart title of its own.
    pub const fn new(name: &'static str, unit: &'static str, about: &'static str) -> MetricDef {
        MetricDef { name, unit, about, title: "" }
    }

    /// The same metric with a chart title.
    pub const fn titled(self, title: &'static str) -> MetricDef {
        MetricDef { title, ..self }
    }
}

/// The common metrics, in the order of [`COMMON`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
#[allow(missing_docs)]
pub enum Common {
    Agents,
    RegimeShare,
    NeedsMetMean,
    NeedsMetP10,
    DestituteShare,
    NeedsMetPresent,
    DepartedShare,
    WellbeingMean,
    WealthMean,
    GiniWealth,
    TheilWealth,
    PalmaWealth,
    GiniConsumption,
    GiniMoney,
    OutputTotal,
    ResourceStock,
    Harvest,
    KnowledgePool,
    CooperatorShare,
    ReciprocatorShare,
    FreeRiderShare,
    MoneyTotal,
    PlatformCapture,
}

/// Metrics every world records for every regime, from the agents' columns and the shared
/// resource and knowledge.
pub static COMMON: &[MetricDef] = &[
    MetricDef::new("agents", "agents", "members present at the end of the step"),
    MetricDef::new("regime_share", "share", "share of present agents in this regime (coexist mode)")
        .titled("Regime share"),
    MetricDef::new(
        "needs_met_mean",
        "share",
        "mean share of needs met this step over the regime's population (members who left meet none)",
    )
    .titled("Needs met, mean"),
    MetricDef::new(
        "needs_met_p10",
        "share",
        "10th percentile of needs met over the population (members who left meet none): how the worst-off fare",
    )
    .titled("Needs met, 10th percentile"),
    MetricDef::new(
        "destitute_share",
        "share",
        "share of the population with needs met below the destitution threshold (members who left count)",
    )
    .titled("Destitute share"),
    MetricDef::new("needs_met_present", "share", "mean share of needs met over the members present only"),
    MetricDef::new("departed_share", "share", "share of the regime's population that has left the world"),
    MetricDef::new("wellbeing_mean", "share", "mean of the moving average of needs met that agents compare"),
    MetricDef::new(
        "wealth_mean",
        "unit of account",
        "mean wealth: goods at current prices (units without prices) plus money or balance",
    ),
    MetricDef::new("gini_wealth", "index", "mean-difference Gini of wealth").titled("Gini of wealth"),
    MetricDef::new("theil_wealth", "index", "Theil T index of wealth (empty if any wealth is negative)"),
    MetricDef::new("palma_wealth", "ratio", "wealth share of the top 10% over that of the bottom 40%"),
    MetricDef::new(
        "gini_consumption",
        "index",
        "Gini of units consumed this step over the population (members who left consume none)",
    )
    .titled("Gini of consumption"),
    MetricDef::new("gini_money", "index", "Gini of money holdings (money regimes)").titled("Gini of money"),
    MetricDef::new("output_total", "units", "units of goods produced this step"),
    MetricDef::new("resource_stock", "share of capacity", "common-pool resource stock over its carrying capacity")
        .titled("Resource stock"),
    MetricDef::new("harvest", "units per agent", "resource harvested this step per agent of the initial population"),
    MetricDef::new("knowledge_pool", "units per agent", "shared knowledge pool per present agent")
        .titled("Knowledge pool"),
    MetricDef::new("cooperator_share", "share", "share of members who are cooperators"),
    MetricDef::new("reciprocator_share", "share", "share of members who are reciprocators"),
    MetricDef::new("free_rider_share", "share", "share of members who are free riders"),
    MetricDef::new("money_total", "unit of account", "money held by members"),
    MetricDef::new("platform_capture", "units", "output a platform captured from enclosed knowledge this step"),
];

/// The policy metrics, in the order of [`POLICY`].
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
pub static POLICY: &[MetricDef] = &[
    MetricDef::new("tax_revenue", "unit of account", "tax collected this step"),
    MetricDef::new("basic_income_paid", "unit of account", "basic income paid this step"),
    MetricDef::new("treasury", "unit of account", "funds the treasury holds after paying basic income"),
    MetricDef::new(
        "demurrage",
        "unit of account",
        "demurrage charged on money this step (paid back as an equal dividend)",
    ),
];

/// The columns of a run: metric definitions in column order, then `price_<good>` per good.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The metric columns, in order.
    pub metrics: Vec<MetricDef>,
    /// Names of the goods, for the price columns.
    pub goods: Vec<String>,
    common: Vec<usize>,
    policy: Vec<usize>,
}

impl Layout {
    /// Columns for the common metrics, the regimes' metrics `regime` (repeats merged: two
    /// regimes may report the same metric, such as `trades`), the policy metrics and a price
    /// per good.
    pub fn new<'a>(regime: impl IntoIterator<Item = &'a MetricDef>, goods: &[String]) -> Layout {
        let mut metrics: Vec<MetricDef> = COMMON.to_vec();
        for d in regime {
            if !metrics.iter().any(|m| m.name == d.name) {
                metrics.push(*d);
            }
        }
        metrics.extend(POLICY.iter().copied());
        let col = |name: &str| metrics.iter().position(|m| m.name == name).unwrap_or(usize::MAX);
        let common = COMMON.iter().map(|d| col(d.name)).collect();
        let policy = POLICY.iter().map(|d| col(d.name)).collect();
        Layout { metrics, goods: goods.to_vec(), common, policy }
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.metrics.len() + self.goods.len()
    }

    /// Column names in order.
    pub fn names(&self) -> Vec<String> {
        self.metrics.iter().map(|m| m.name.to_string()).chain(self.goods.iter().map(|g| format!("price_{g}"))).collect()
    }

    /// A row of `NaN`s (nothing measured yet).
    pub fn empty_row(&self) -> Vec<f64> {
        vec![f64::NAN; self.width()]
    }

    /// The column of a common metric.
    pub fn common(&self, m: Common) -> usize {
        self.common[m as usize]
    }

    /// The column of a policy metric.
    pub fn policy(&self, m: Policy) -> usize {
        self.policy[m as usize]
    }

    /// The column of the price of good `g`.
    pub fn price(&self, g: usize) -> usize {
        self.metrics.len() + g
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.metrics.iter().position(|m| m.name == name)
    }

    /// The columns of a regime's own metrics, for [`RegimeOut`].
    pub fn regime_columns(&self, defs: &[MetricDef]) -> Vec<(&'static str, usize)> {
        defs.iter().filter_map(|d| self.column(d.name).map(|c| (d.name, c))).collect()
    }
}

/// Where a regime writes its own metrics in a row at the record phase.
pub struct RegimeOut<'a> {
    row: &'a mut [f64],
    columns: &'a [(&'static str, usize)],
}

impl<'a> RegimeOut<'a> {
    /// The regime's columns of `row`.
    pub fn new(row: &'a mut [f64], columns: &'a [(&'static str, usize)]) -> Self {
        RegimeOut { row, columns }
    }

    /// Writes the value of one of the regime's declared metrics.
    pub fn set(&mut self, metric: &MetricDef, value: f64) {
        match self.columns.iter().find(|(n, _)| *n == metric.name) {
            Some(&(_, c)) => self.row[c] = value,
            None => debug_assert!(false, "metric `{}` is not declared by its regime", metric.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_merges_repeats_and_appends_prices() {
        let trades = MetricDef::new("trades", "count", "x");
        let l = Layout::new([&trades, &trades], &["food".into(), "energy".into()]);
        let names = l.names();
        assert_eq!(names.len(), COMMON.len() + 1 + POLICY.len() + 2);
        assert_eq!(names[l.price(1)], "price_energy");
        assert_eq!(names.iter().filter(|n| *n == "trades").count(), 1);
        assert_eq!(names[l.common(Common::Agents)], "agents");
        assert_eq!(names[l.policy(Policy::Treasury)], "treasury");
    }

    #[test]
    fn common_list_follows_enum_order() {
        assert_eq!(COMMON[Common::PlatformCapture as usize].name, "platform_capture");
        assert_eq!(COMMON[Common::FreeRiderShare as usize].name, "free_rider_share");
        assert_eq!(POLICY[Policy::Treasury as usize].name, "treasury");
    }
}
