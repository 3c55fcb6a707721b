//! Which charts a run gets, and their titles and captions.

use super::data::{AgentSnapshot, RunData, SnapshotRegime};
use std::collections::BTreeSet;

/// What a chart shows.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartKind {
    /// One metric over time: mean per regime with a 95% band.
    TimeSeries {
        /// The metric column.
        metric: String,
    },
    /// Post-warm-up means with 95% intervals, one panel per metric.
    Summary {
        /// The metrics, one panel each.
        metrics: Vec<String>,
    },
    /// Lorenz curves at the last snapshot.
    Lorenz,
    /// Histograms at the last snapshot, one panel per regime.
    Histogram,
}

/// A chart to draw: its file name, size and content.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File name without extension (`needs_met_mean`, `summary`, `lorenz`, `histogram`).
    pub stem: String,
    /// Title drawn at the top.
    pub title: String,
    /// A sentence on how to read it, for the report.
    pub caption: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// What it shows.
    pub kind: ChartKind,
}

/// Which variable the distribution charts show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Variable {
    Wealth,
    Money,
}

impl Variable {
    pub(super) fn name(self) -> &'static str {
        match self {
            Variable::Wealth => "wealth",
            Variable::Money => "money",
        }
    }
}

pub(super) fn distribution_variable(data: &RunData, snap: &AgentSnapshot) -> Variable {
    // Money-exchange null models have money and nothing else worth counting.
    let money_only = !snap.regimes.is_empty()
        && snap
            .regimes
            .iter()
            .all(|r| !r.money.is_empty() && data.entry(&r.label).is_some_and(|e| !e.material && e.money == "money"));
    if money_only {
        Variable::Money
    } else {
        Variable::Wealth
    }
}

pub(super) fn values(snap: &SnapshotRegime, v: Variable) -> &[f64] {
    match v {
        Variable::Wealth => &snap.wealth,
        Variable::Money => &snap.money,
    }
}

pub(super) const WIDE: u32 = 960;
pub(super) const TALL: u32 = 540;
pub(super) const LEGEND_WIDTH: u32 = 210;

pub(super) fn summary_layout(panels: usize, regimes: usize) -> (usize, u32) {
    let cols = if panels > 1 { 2 } else { 1 };
    let rows = panels.div_ceil(cols);
    let panel_height = 110 + 30 * regimes.max(1) as u32;
    (cols, 50 + rows as u32 * panel_height)
}

pub(super) fn histogram_layout(panels: usize) -> (usize, u32) {
    let cols = if panels > 1 { 2 } else { 1 };
    let rows = panels.div_ceil(cols);
    (cols, 50 + rows as u32 * 300)
}

pub(super) fn replicates_phrase(reps: &[u64]) -> String {
    match reps {
        [] => "no replicate".into(),
        [r] => format!("replicate {r}"),
        _ => format!("{} replicates pooled", reps.len()),
    }
}

/// The charts that can be drawn from `data`, in the order the report shows them. A metric
/// empty for every regime gets no chart.
pub fn charts(data: &RunData) -> Vec<Chart> {
    let mut out = Vec::new();
    let name = if data.name.is_empty() { "agora" } else { data.name.as_str() };
    let reps = data.replicates();
    let charted = crate::metrics::charted();
    for &metric in &charted {
        let Some(col) = data.timeseries.column(metric) else { continue };
        if !data.timeseries.regimes.iter().any(|r| r.has(col)) {
            continue;
        }
        let about = data.metric_about(metric);
        let mut caption: String =
            about.chars().take(1).flat_map(char::to_uppercase).chain(about.chars().skip(1)).collect();
        caption.push_str(if reps > 1 {
            ". Lines are the mean over replicates at each step; shaded bands are 95% t-intervals over replicates."
        } else {
            ". One replicate, so no interval."
        });
        out.push(Chart {
            stem: metric.to_string(),
            title: format!("{name}: {}", data.metric_title(metric)),
            caption,
            width: WIDE,
            height: TALL,
            kind: ChartKind::TimeSeries { metric: metric.to_string() },
        });
    }
    let metrics: Vec<String> = charted
        .iter()
        .filter(|m| data.summary.iter().any(|s| s.metric == **m && s.mean.is_finite()))
        .map(|m| m.to_string())
        .collect();
    if !metrics.is_empty() {
        let regimes = summary_regimes(data).len();
        let (_, height) = summary_layout(metrics.len(), regimes);
        let warmup = data.scenario.get("run").and_then(|r| r.get("warmup")).and_then(|w| w.as_integer()).unwrap_or(0);
        out.push(Chart {
            stem: "summary".into(),
            title: format!("{name}: means after warm-up, with 95% intervals"),
            caption: format!(
                "Each dot is the mean over replicates of each replicate's mean after the {warmup}-step warm-up; the bar is its 95% t-interval (none with one replicate)."
            ),
            width: WIDE,
            height,
            kind: ChartKind::Summary { metrics },
        });
    }
    if let Some(snap) = &data.snapshot {
        let v = distribution_variable(data, snap);
        let drawn: Vec<&SnapshotRegime> = snap.regimes.iter().filter(|r| !values(r, v).is_empty()).collect();
        if !drawn.is_empty() {
            let which: BTreeSet<String> = drawn.iter().map(|r| replicates_phrase(&r.replicates)).collect();
            let which = which.into_iter().collect::<Vec<_>>().join("; ");
            out.push(Chart {
                stem: "lorenz".into(),
                title: format!("{name}: Lorenz curves of {} at step {}", v.name(), snap.step),
                caption: format!(
                    "Share of total {0} held by the poorest share of agents at step {1} ({which}); the diagonal is equality. Where some {0} is negative (debts), shares are of the total absolute {0}: the curve dips below zero by the debts and ends below one. Gini in the legend.",
                    v.name(),
                    snap.step
                ),
                width: WIDE,
                height: TALL,
                kind: ChartKind::Lorenz,
            });
            let (_, height) = histogram_layout(drawn.len());
            out.push(Chart {
                stem: "histogram".into(),
                title: format!("{name}: distribution of {} at step {}", v.name(), snap.step),
                caption: format!(
                    "Density of {} across agents at step {} ({which}); a logarithmic density axis where the distribution spans orders of magnitude. Kinetic exchange without saving is compared with the exponential law of the same mean.",
                    v.name(),
                    snap.step
                ),
                width: WIDE,
                height,
                kind: ChartKind::Histogram,
            });
        }
    }
    out
}

pub(super) fn summary_regimes(data: &RunData) -> Vec<String> {
    data.entries.iter().filter(|e| data.summary.iter().any(|s| &s.regime == *e)).cloned().collect()
}
