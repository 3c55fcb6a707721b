//! Charts of a sweep, drawn from its files alone (`design.json`, `sweep.csv`,
//! `sensitivity.csv`): the response of each headline metric to each swept parameter, one line
//! per regime with 95% bands, and for two swept parameters a heat map per regime. Colours,
//! font and number formats are the run charts' ([`super::style`]).
//!
//! [`data`] reads the sweep folder, [`sweep_charts`] lists the charts it gets, `draw` draws
//! one; [`super::write_charts`] writes them, as it writes a run's.

pub mod data;
mod draw;

pub use data::{SensitivityRow, SweepData, SweepRow};

use crate::error::Result;
use crate::scenario::sweep::DesignKind;

/// What a sweep chart shows.
#[derive(Debug, Clone, PartialEq)]
pub enum SweepChartKind {
    /// A metric against one parameter, one line (or cloud) per regime.
    Response {
        /// Metric.
        metric: String,
        /// Index of the parameter.
        parameter: usize,
        /// Whether the points differ in this parameter alone (lines and bands), or also in
        /// others (each point drawn, with the mean over the others as a line for grids).
        alone: bool,
    },
    /// A metric over two parameters, one panel per regime.
    HeatMap {
        /// Metric.
        metric: String,
    },
}

/// A sweep chart to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepChart {
    /// File name without extension.
    pub stem: String,
    /// Title.
    pub title: String,
    /// How to read it.
    pub caption: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// What it shows.
    pub kind: SweepChartKind,
}

fn file_part(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' }).collect()
}

/// The charts a sweep gets, in the order its page shows them.
pub fn sweep_charts(data: &SweepData) -> Vec<SweepChart> {
    let d = &data.design;
    let mut out = Vec::new();
    let numeric: Vec<Option<Vec<f64>>> = (0..d.parameters.len()).map(|i| data.numeric(i)).collect();
    let points = data.points();
    let grid = d.design == DesignKind::Grid;
    for m in &d.metrics {
        if !data.rows.iter().any(|r| r.metric == m.name && r.mean.is_finite()) {
            continue;
        }
        let title = data.metric_title(&m.name);
        for (i, key) in d.parameters.iter().enumerate() {
            if numeric[i].is_none() {
                continue;
            }
            let alone = points.iter().all(|(_, v)| v.iter().enumerate().all(|(j, x)| j == i || *x == points[0].1[j]));
            let how = if alone {
                "Lines: the mean over replicates at each value; bands: its 95% t-interval."
            } else if grid {
                "Dots: each point's mean over replicates, with its 95% interval; lines: the mean over the other parameters' values."
            } else {
                "Dots: each point's mean over replicates, with its 95% interval; the other parameters vary from point to point."
            };
            out.push(SweepChart {
                stem: format!("response_{}_{}", file_part(&m.name), file_part(key)),
                title: format!("{}: {title} against {key}", d.name),
                caption: format!("{title} after warm-up against `{key}`, one colour per regime. {how}"),
                width: 960,
                height: 540,
                kind: SweepChartKind::Response { metric: m.name.clone(), parameter: i, alone },
            });
        }
        if grid && d.parameters.len() == 2 && numeric.iter().all(Option::is_some) {
            let panels =
                d.entries.iter().filter(|e| data.rows.iter().any(|r| &r.regime == *e && r.metric == m.name)).count();
            let rows = panels.div_ceil(2) as u32;
            out.push(SweepChart {
                stem: format!("heatmap_{}", file_part(&m.name)),
                title: format!("{}: {title} over {} and {}", d.name, d.parameters[0], d.parameters[1]),
                caption: format!(
                    "{title} after warm-up (mean over replicates) at each point of the grid, one panel per regime, on one colour scale (viridis: dark is low, yellow is high)."
                ),
                width: 960,
                height: 80 + rows * 330,
                kind: SweepChartKind::HeatMap { metric: m.name.clone() },
            });
        }
    }
    out
}

impl super::Figure for SweepChart {
    type Data = SweepData;

    fn stem(&self) -> &str {
        &self.stem
    }

    fn svg(&self, data: &SweepData) -> Result<String> {
        super::svg_of(&self.stem, (self.width, self.height), |root| draw::draw(data, self, root))
    }

    fn png(&self, data: &SweepData) -> Result<Vec<u8>> {
        super::png_of(&self.stem, (self.width, self.height), |root| draw::draw(data, self, root))
    }
}
