//! Metrics: the per-step record of every regime in every replicate, and its summaries.
//!
//! A record is a plain `[f64]` row laid out by a [`Layout`]: the metrics every world records
//! ([`COMMON`], written by [`record::record_common`]), then the metrics the regimes declare
//! (each regime lists its own in the registry), then the policy metrics (`policy::METRICS`), then
//! one price per good. `NaN` means "not meaningful here" and is written as an empty cell.

pub mod inequality;
pub mod record;
pub mod summary;

pub use crate::money::MoneyKind;

/// Which way a metric is better, for comparisons, win counts and the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// More is better (needs met, resource left).
    Higher,
    /// Less is better (destitution, inequality, defaults).
    Lower,
    /// Neither: a description of the world, not a goal (agents, prices, trades).
    None,
}

impl Better {
    /// The word used in files and tables: `higher`, `lower` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Better::Higher => "higher",
            Better::Lower => "lower",
            Better::None => "none",
        }
    }
}

/// What a metric is, for files, charts, tables, the classroom page and the docs: the one place
/// each fact about a metric is written. Common metrics are declared in [`COMMON`], a regime's
/// beside its code (its `RegimeInfo::metrics`), the policy metrics in `policy.rs`; the
/// catalogue (`crate::catalog`) gathers them.
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
    /// Which way is better.
    pub better: Better,
    /// A headline measure: defined the same way in every goods regime, so comparable across
    /// them; shown in every table, charted first, summarised by a sweep by default and charted
    /// on the classroom page.
    pub headline: bool,
    /// Charted over time in a run's report (headline measures always are).
    pub charted: bool,
    /// One sentence for a reader who is not an economist (the classroom page, the glossary);
    /// empty if the metric has none.
    pub plain: &'static str,
}

impl MetricDef {
    /// A metric without a chart title of its own, neither better higher nor lower, not charted.
    pub const fn new(name: &'static str, unit: &'static str, about: &'static str) -> MetricDef {
        MetricDef { name, unit, about, title: "", better: Better::None, headline: false, charted: false, plain: "" }
    }

    /// The same metric with a chart title.
    pub const fn titled(self, title: &'static str) -> MetricDef {
        MetricDef { title, ..self }
    }

    /// The same metric, better higher.
    pub const fn higher(self) -> MetricDef {
        MetricDef { better: Better::Higher, ..self }
    }

    /// The same metric, better lower.
    pub const fn lower(self) -> MetricDef {
        MetricDef { better: Better::Lower, ..self }
    }

    /// The same metric as a headline measure (charted too).
    pub const fn headline(self) -> MetricDef {
        MetricDef { headline: true, charted: true, ..self }
    }

    /// The same metric charted over time in a run's report.
    pub const fn charted(self) -> MetricDef {
        MetricDef { charted: true, ..self }
    }

    /// The same metric with a sentence in plain words.
    pub const fn plain(self, plain: &'static str) -> MetricDef {
        MetricDef { plain, ..self }
    }

    /// Its title: the declared one, or its name with the first letter capitalised and
    /// underscores as spaces.
    pub fn display_title(&self) -> String {
        if self.title.is_empty() {
            title_from_name(self.name)
        } else {
            self.title.to_string()
        }
    }
}

/// A title made from a column name: underscores as spaces, the first letter capitalised
/// (`trades` is "Trades").
pub fn title_from_name(name: &str) -> String {
    let mut t = name.replace('_', " ");
    if let Some(f) = t.get(0..1) {
        t.replace_range(0..1, &f.to_uppercase());
    }
    t
}

/// The names of the headline measures, in column order. Only common metrics can be headline
/// measures (comparable across regimes; the catalogue's tests check it).
pub fn headline() -> Vec<&'static str> {
    COMMON.iter().filter(|m| m.headline).map(|m| m.name).collect()
}

/// The names of the metrics a run's report charts over time: the headline measures, then the
/// other charted metrics, each in column order (only common metrics are charted).
pub fn charted() -> Vec<&'static str> {
    let first = COMMON.iter().filter(|m| m.headline);
    first.chain(COMMON.iter().filter(|m| m.charted && !m.headline)).map(|m| m.name).collect()
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
    WelfareMean,
    WellbeingMean,
    WelfareCooperator,
    WelfareFreeRider,
    EffortMean,
    Specialisation,
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
    Sanctions,
    ExcludedShare,
    QuotaFactor,
    Monitoring,
    TransferLoss,
}

/// Metrics every world records for every regime, from the agents' columns and the shared
/// resource and knowledge.
pub static COMMON: &[MetricDef] = &[
    MetricDef::new("agents", "agents", "members present at the end of the step"),
    MetricDef::new("regime_share", "share", "share of present agents in this regime (coexist mode)")
        .titled("Regime share")
        .charted()
        .plain("Share of people living under each way of organising, as they move between them."),
    MetricDef::new(
        "needs_met_mean",
        "share",
        "mean share of needs met this step over the regime's population (members who left meet none)",
    )
    .titled("Needs met, mean")
    .higher()
    .headline()
    .plain("How much of their basic needs people meet, on average. 100% = all of them."),
    MetricDef::new(
        "needs_met_p10",
        "share",
        "10th percentile of needs met over the population (members who left meet none): how the worst-off fare",
    )
    .titled("Needs met, 10th percentile")
    .higher()
    .headline()
    .plain("How the worst-off fare: 9 people in 10 meet at least this share of their needs."),
    MetricDef::new(
        "destitute_share",
        "share",
        "share of the population with needs met below the destitution threshold (members who left count)",
    )
    .titled("Destitute share")
    .lower()
    .headline()
    .plain("Share of people who meet less than the destitution threshold of their needs (half, unless the scenario says otherwise)."),
    MetricDef::new("needs_met_present", "share", "mean share of needs met over the members present only")
        .higher()
        .plain("How much of their needs the people still here meet, on average (those who left are not counted)."),
    MetricDef::new("departed_share", "share", "share of the regime's population that has left the world")
        .lower()
        .plain("Share of people who gave up and left."),
    MetricDef::new(
        "welfare_mean",
        "welfare",
        "mean welfare this step: needs met, plus luxury_weight ln(1 + beyond / need) for consumption beyond needs, less effort_cost E^2 / 2 (members who left count 0)",
    )
    .titled("Welfare, mean")
    .higher()
    .headline()
    .plain("How well off people are: needs met, plus a little for anything beyond needs, minus the toil of working."),
    MetricDef::new("wellbeing_mean", "welfare", "mean of the moving average of welfare that agents compare")
        .higher()
        .plain("How well people have been doing lately, on average."),
    MetricDef::new("welfare_cooperator", "welfare", "mean welfare this step of the members who are cooperators")
        .plain("How well off those who give and share are."),
    MetricDef::new("welfare_free_rider", "welfare", "mean welfare this step of the members who are free riders")
        .plain("How well off those who take without giving are."),
    MetricDef::new("effort_mean", "share of full effort", "mean effort E of the members (1 = full working time)")
        .charted()
        .plain("How hard people work, on average: 100% = full time."),
    MetricDef::new(
        "specialisation",
        "share",
        "mean over members of the largest share of effort they put into one good (1 = each makes one good; 1/goods = even split)",
    )
    .charted()
    .plain("How far people specialise: 100% = each makes one thing; lower = each makes a bit of everything."),
    MetricDef::new(
        "wealth_mean",
        "unit of account",
        "mean wealth: goods at current prices (units without prices) plus money or balance",
    ),
    MetricDef::new("gini_wealth", "index", "mean-difference Gini of wealth")
        .titled("Gini of wealth")
        .lower()
        .plain("Inequality of what people own: 0 = all the same, 1 = one person owns everything."),
    MetricDef::new("theil_wealth", "index", "Theil T index of wealth (empty if any wealth is negative)").lower(),
    MetricDef::new("palma_wealth", "ratio", "wealth share of the top 10% over that of the bottom 40%").lower(),
    MetricDef::new(
        "gini_consumption",
        "index",
        "Gini of units consumed this step over the population (members who left consume none)",
    )
    .titled("Gini of consumption")
    .lower()
    .headline()
    .plain("Inequality of what people consume: 0 = all the same, 1 = one person gets everything."),
    MetricDef::new("gini_money", "index", "Gini of money holdings (money regimes)")
        .titled("Gini of money")
        .lower()
        .charted()
        .plain("Inequality of money holdings: 0 = all the same, 1 = one person holds it all."),
    MetricDef::new("output_total", "units", "units of goods produced this step")
        .higher()
        .charted()
        .plain("How much everyone made together this step."),
    MetricDef::new("resource_stock", "share of capacity", "common-pool resource stock over its carrying capacity")
        .titled("Resource stock")
        .higher()
        .headline()
        .plain("What is left of the shared natural resource, as a share of its full size."),
    MetricDef::new("harvest", "units per agent", "resource harvested this step per agent of the initial population"),
    MetricDef::new("knowledge_pool", "units per agent", "shared knowledge pool per present agent")
        .titled("Knowledge pool")
        .higher()
        .charted()
        .plain("Shared knowledge per person: what everyone can build on."),
    MetricDef::new("cooperator_share", "share", "share of members who are cooperators")
        .plain("Share of people who give and share."),
    MetricDef::new("reciprocator_share", "share", "share of members who are reciprocators")
        .plain("Share of people who give to those who gave."),
    MetricDef::new("free_rider_share", "share", "share of members who are free riders")
        .plain("Share of people who take without giving."),
    MetricDef::new("money_total", "unit of account", "money held by members"),
    MetricDef::new("platform_capture", "units", "output a platform captured from enclosed knowledge this step"),
    MetricDef::new("sanctions", "count", "over-harvests the resource's monitors sanctioned this step (governed worlds)")
        .lower()
        .plain("How many people were caught taking more than their share of the resource."),
    MetricDef::new("excluded_share", "share", "share of governed members excluded from the resource (Ostrom governance)")
        .lower(),
    MetricDef::new(
        "quota_factor",
        "multiplier",
        "mean over governed members of the quota multiplier their community voted for (1 = the base quota)",
    )
    .plain("How far the communities' votes have moved the harvest quota: 1 is the base quota, below 1 a cut."),
    MetricDef::new("monitoring", "units", "goods used up by monitoring and enforcing the resource's quota this step")
        .lower(),
    MetricDef::new(
        "transfer_loss",
        "units",
        "goods lost passing from one agent to another this step (bought, swapped, given or pooled)",
    )
    .lower()
    .plain("How much was lost moving goods from one person to another: the cost of exchanging and sharing."),
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
    /// regimes may report the same metric, such as `trades`), the policy metrics `policy` and
    /// a price per good.
    pub fn new<'a>(regime: impl IntoIterator<Item = &'a MetricDef>, policy: &[MetricDef], goods: &[String]) -> Layout {
        let mut metrics: Vec<MetricDef> = COMMON.to_vec();
        for d in regime {
            if !metrics.iter().any(|m| m.name == d.name) {
                metrics.push(*d);
            }
        }
        metrics.extend(policy.iter().copied());
        let col = |name: &str| metrics.iter().position(|m| m.name == name).unwrap_or(usize::MAX);
        let common = COMMON.iter().map(|d| col(d.name)).collect();
        let policy = policy.iter().map(|d| col(d.name)).collect();
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

    /// The column of the `i`-th policy metric (in the order given to [`Layout::new`]).
    pub fn policy(&self, i: usize) -> usize {
        self.policy[i]
    }

    /// The column of the price of good `g`.
    pub fn price(&self, g: usize) -> usize {
        self.metrics.len() + g
    }

    /// The column named `name`: a metric, or `price_<good>`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.metrics.iter().position(|m| m.name == name).or_else(|| {
            let good = name.strip_prefix("price_")?;
            self.goods.iter().position(|g| g == good).map(|g| self.price(g))
        })
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
        let policy = [MetricDef::new("tax", "u", "x"), MetricDef::new("treasury", "u", "x")];
        let l = Layout::new([&trades, &trades], &policy, &["food".into(), "energy".into()]);
        let names = l.names();
        assert_eq!(names.len(), COMMON.len() + 1 + policy.len() + 2);
        assert_eq!(names[l.price(1)], "price_energy");
        assert_eq!(names.iter().filter(|n| *n == "trades").count(), 1);
        assert_eq!(names[l.common(Common::Agents)], "agents");
        assert_eq!(names[l.policy(1)], "treasury");
    }

    #[test]
    fn common_list_follows_enum_order() {
        assert_eq!(COMMON[Common::PlatformCapture as usize].name, "platform_capture");
        assert_eq!(COMMON[Common::FreeRiderShare as usize].name, "free_rider_share");
        assert_eq!(COMMON[Common::Monitoring as usize].name, "monitoring");
        assert_eq!(COMMON[Common::TransferLoss as usize].name, "transfer_loss");
    }
}
