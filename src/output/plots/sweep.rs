//! Charts of a sweep, drawn from its files alone (`design.json`, `sweep.csv`,
//! `sensitivity.csv`): the response of each headline metric to each swept parameter, one line
//! per regime with 95% bands, and for two swept parameters a heat map per regime. Colours,
//! font and number formats are the run charts' ([`super::style`]).

use super::style::{grey, legend, padded, regime_colour, register_font, short_number, style, tick, DrawResult};
use crate::error::{Error, Result};
use crate::output::sweep::design::SweepDesign;
use crate::scenario::sweep::DesignKind;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One row of `sweep.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    /// Point id.
    pub point: String,
    /// Parameter values as written in the file.
    pub values: Vec<String>,
    /// Regime entry.
    pub regime: String,
    /// Metric.
    pub metric: String,
    /// Mean over replicates.
    pub mean: f64,
    /// Its 95% interval.
    pub ci95_low: f64,
    /// Upper end.
    pub ci95_high: f64,
    /// Replicates.
    pub n: u64,
    /// Paired difference from the baseline.
    pub diff: f64,
    /// Its interval.
    pub diff_low: f64,
    /// Upper end.
    pub diff_high: f64,
    /// Failed replicates.
    pub failed: u64,
}

/// One row of `sensitivity.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityRow {
    /// Entry, or `entry - baseline`.
    pub regime: String,
    /// Metric.
    pub metric: String,
    /// Parameter.
    pub parameter: String,
    /// `sobol`, `morris` or `prcc`.
    pub method: String,
    /// The index.
    pub index: String,
    /// Value.
    pub value: f64,
    /// Interval.
    pub ci95_low: f64,
    /// Upper end.
    pub ci95_high: f64,
}

/// A sweep folder, read.
#[derive(Debug, Clone)]
pub struct SweepData {
    /// The folder.
    pub dir: PathBuf,
    /// Its design.
    pub design: SweepDesign,
    /// `sweep.csv`.
    pub rows: Vec<SweepRow>,
    /// `sensitivity.csv`, if any.
    pub sensitivity: Vec<SensitivityRow>,
    /// Failed runs (`failures.csv`): point, replicate, error.
    pub failures: Vec<(String, String, String)>,
    /// `sweep.resolved.toml`.
    pub resolved_toml: String,
}

fn cell(x: &str) -> f64 {
    if x.is_empty() {
        f64::NAN
    } else {
        x.parse().unwrap_or(f64::NAN)
    }
}

/// A CSV file's header and rows.
type Csv = (Vec<String>, Vec<Vec<String>>);

fn read_csv(path: &Path) -> Result<Option<Csv>> {
    if !path.is_file() {
        return Ok(None);
    }
    let bad = |e: csv::Error| Error::Run(format!("reading `{}`: {e}", path.display()));
    let mut r = csv::Reader::from_path(path).map_err(bad)?;
    let header = r.headers().map_err(bad)?.iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.map(|rec| rec.iter().map(str::to_string).collect()))
        .collect::<std::result::Result<_, _>>()
        .map_err(bad)?;
    Ok(Some((header, rows)))
}

impl SweepData {
    /// Reads a sweep folder.
    pub fn load(dir: &Path) -> Result<SweepData> {
        let design = SweepDesign::read(dir)?;
        let d = design.parameters.len();
        let mut rows = Vec::new();
        if let Some((header, recs)) = read_csv(&dir.join("sweep.csv"))? {
            let at = |name: &str| header.iter().position(|h| h == name);
            let (Some(regime), Some(metric)) = (at("regime"), at("metric")) else {
                return Err(Error::Run(format!(
                    "`{}` has no regime and metric columns",
                    dir.join("sweep.csv").display()
                )));
            };
            let col = |r: &[String], name: &str| at(name).map_or(f64::NAN, |i| cell(&r[i]));
            for r in recs {
                rows.push(SweepRow {
                    point: r[0].clone(),
                    values: r[2..2 + d].to_vec(),
                    regime: r[regime].clone(),
                    metric: r[metric].clone(),
                    mean: col(&r, "mean"),
                    ci95_low: col(&r, "ci95_low"),
                    ci95_high: col(&r, "ci95_high"),
                    n: col(&r, "n").max(0.0) as u64,
                    diff: col(&r, "diff"),
                    diff_low: col(&r, "diff_ci95_low"),
                    diff_high: col(&r, "diff_ci95_high"),
                    failed: col(&r, "failed").max(0.0) as u64,
                });
            }
        }
        let mut sensitivity = Vec::new();
        if let Some((_, recs)) = read_csv(&dir.join("sensitivity.csv"))? {
            for r in recs.into_iter().filter(|r| r.len() >= 8) {
                sensitivity.push(SensitivityRow {
                    regime: r[0].clone(),
                    metric: r[1].clone(),
                    parameter: r[2].clone(),
                    method: r[3].clone(),
                    index: r[4].clone(),
                    value: cell(&r[5]),
                    ci95_low: cell(&r[6]),
                    ci95_high: cell(&r[7]),
                });
            }
        }
        let failures = read_csv(&dir.join("failures.csv"))?
            .map(|(_, recs)| {
                recs.into_iter().filter(|r| r.len() >= 4).map(|r| (r[0].clone(), r[1].clone(), r[3].clone())).collect()
            })
            .unwrap_or_default();
        let resolved_toml = std::fs::read_to_string(dir.join("sweep.resolved.toml")).unwrap_or_default();
        Ok(SweepData { dir: dir.to_path_buf(), design, rows, sensitivity, failures, resolved_toml })
    }

    /// The colour index of an entry: its place in the scenario's `regimes`.
    pub fn colour_index(&self, label: &str) -> usize {
        self.design.entries.iter().position(|e| e == label).unwrap_or(0)
    }

    /// A metric's title.
    pub fn metric_title(&self, name: &str) -> String {
        match self.design.metrics.iter().find(|m| m.name == name) {
            Some(m) if !m.title.is_empty() => m.title.clone(),
            _ => {
                let s = name.replace('_', " ");
                s.get(0..1).map(|f| f.to_uppercase() + &s[1..]).unwrap_or(s)
            }
        }
    }

    /// A metric's unit.
    pub fn metric_unit(&self, name: &str) -> String {
        self.design.metrics.iter().find(|m| m.name == name).map(|m| m.unit.clone()).unwrap_or_default()
    }

    /// The distinct points in file order, each with its values.
    pub fn points(&self) -> Vec<(&str, &[String])> {
        let mut out: Vec<(&str, &[String])> = Vec::new();
        for r in &self.rows {
            if out.last().map(|p| p.0) != Some(r.point.as_str()) {
                out.push((&r.point, &r.values));
            }
        }
        out
    }

    /// The row of `point`, `regime`, `metric`.
    pub fn row(&self, point: &str, regime: &str, metric: &str) -> Option<&SweepRow> {
        self.rows.iter().find(|r| r.point == point && r.regime == regime && r.metric == metric)
    }

    /// Whether parameter `i` is numeric at every point, with at least two values.
    fn numeric(&self, i: usize) -> Option<Vec<f64>> {
        let mut xs: Vec<f64> = Vec::new();
        for (_, v) in self.points() {
            let x: f64 = v[i].parse().ok()?;
            if !xs.contains(&x) {
                xs.push(x);
            }
        }
        (xs.len() >= 2).then(|| {
            xs.sort_by(f64::total_cmp);
            xs
        })
    }
}

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

/// The viridis colour map (van der Walt and Smith 2015) at `t` in [0, 1], from five stops.
fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] =
        [(68.0, 1.0, 84.0), (59.0, 82.0, 139.0), (33.0, 145.0, 140.0), (94.0, 201.0, 98.0), (253.0, 231.0, 37.0)];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 } * 4.0;
    let i = (t.floor() as usize).min(3);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn y_desc(data: &SweepData, metric: &str) -> String {
    let unit = data.metric_unit(metric);
    let t = data.metric_title(metric);
    if unit.is_empty() {
        t
    } else {
        format!("{t} ({unit})")
    }
}

fn draw_response<DB: DrawingBackend>(
    data: &SweepData,
    chart: &SweepChart,
    metric: &str,
    p: usize,
    alone: bool,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let grid = data.design.design == DesignKind::Grid;
    // Per regime: (x, mean, low, high) of each point.
    type Points = Vec<(f64, f64, f64, f64)>;
    let mut by_regime: Vec<(usize, String, Points)> = Vec::new();
    for e in &data.design.entries {
        let pts: Vec<(f64, f64, f64, f64)> = data
            .rows
            .iter()
            .filter(|r| &r.regime == e && r.metric == metric && r.mean.is_finite())
            .filter_map(|r| r.values[p].parse::<f64>().ok().map(|x| (x, r.mean, r.ci95_low, r.ci95_high)))
            .collect();
        if !pts.is_empty() {
            by_regime.push((data.colour_index(e), e.clone(), pts));
        }
    }
    let (mut xlo, mut xhi, mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for (_, _, pts) in &by_regime {
        for &(x, m, l, h) in pts {
            xlo = xlo.min(x);
            xhi = xhi.max(x);
            for v in [m, l, h] {
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
    }
    let (lo, hi) = padded(lo, hi, true);
    let (xlo, xhi) =
        if xlo < xhi { (xlo - (xhi - xlo) * 0.03, xhi + (xhi - xlo) * 0.03) } else { padded(xlo, xhi, false) };
    let root = root.titled(&chart.title, style(20.0))?;
    let (plot, side) = root.split_horizontally(chart.width - 210);
    let mut ctx = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(xlo..xhi, lo..hi)?;
    ctx.configure_mesh()
        .x_desc(data.design.parameters[p].clone())
        .y_desc(y_desc(data, metric))
        .label_style(style(13.0))
        .axis_desc_style(style(15.0))
        .bold_line_style(grey(225))
        .light_line_style(TRANSPARENT)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()?;
    for (c, _, pts) in &by_regime {
        let colour = regime_colour(*c);
        let mut sorted = pts.clone();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        if alone {
            let band: Vec<&(f64, f64, f64, f64)> =
                sorted.iter().filter(|q| q.2.is_finite() && q.3.is_finite()).collect();
            if band.len() >= 2 {
                let mut poly: Vec<(f64, f64)> = band.iter().map(|q| (q.0, q.3)).collect();
                poly.extend(band.iter().rev().map(|q| (q.0, q.2)));
                ctx.draw_series(std::iter::once(Polygon::new(poly, colour.mix(0.18).filled())))?;
            }
            ctx.draw_series(LineSeries::new(sorted.iter().map(|q| (q.0, q.1)), colour.stroke_width(2)))?;
            ctx.draw_series(sorted.iter().map(|q| Circle::new((q.0, q.1), 3, colour.filled())))?;
        } else {
            for q in &sorted {
                if q.2.is_finite() && q.3.is_finite() {
                    ctx.draw_series(std::iter::once(PathElement::new(
                        vec![(q.0, q.2), (q.0, q.3)],
                        colour.mix(0.5).stroke_width(1),
                    )))?;
                }
            }
            ctx.draw_series(sorted.iter().map(|q| Circle::new((q.0, q.1), 3, colour.mix(0.7).filled())))?;
            if grid {
                // The mean over the other parameters at each value of this one.
                let mut by_x: BTreeMap<u64, (f64, f64, usize)> = BTreeMap::new();
                for q in &sorted {
                    let e = by_x.entry(q.0.to_bits() ^ (1 << 63)).or_insert((q.0, 0.0, 0));
                    e.1 += q.1;
                    e.2 += 1;
                }
                let mut line: Vec<(f64, f64)> = by_x.values().map(|(x, s, k)| (*x, s / *k as f64)).collect();
                line.sort_by(|a, b| a.0.total_cmp(&b.0));
                ctx.draw_series(LineSeries::new(line, colour.stroke_width(2)))?;
            }
        }
    }
    let items: Vec<_> = by_regime.iter().map(|(c, l, _)| (l.clone(), None, regime_colour(*c))).collect();
    let reps = data.design.replicates;
    let note = if reps > 1 {
        format!("Means over {reps} replicates; 95% t-intervals. Random numbers: {}.", data.design.seeds.name())
    } else {
        "One replicate: no interval.".to_string()
    };
    legend(&side, &items, &note)
}

fn draw_heatmap<DB: DrawingBackend>(
    data: &SweepData,
    chart: &SweepChart,
    metric: &str,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let xs = data.numeric(0).unwrap_or_default();
    let ys = data.numeric(1).unwrap_or_default();
    let regimes: Vec<&String> = data
        .design
        .entries
        .iter()
        .filter(|e| data.rows.iter().any(|r| &r.regime == *e && r.metric == metric))
        .collect();
    let value = |e: &str, x: f64, y: f64| -> f64 {
        data.rows
            .iter()
            .find(|r| {
                r.regime == e
                    && r.metric == metric
                    && r.values[0].parse::<f64>().ok() == Some(x)
                    && r.values[1].parse::<f64>().ok() == Some(y)
            })
            .map_or(f64::NAN, |r| r.mean)
    };
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for e in &regimes {
        for &x in &xs {
            for &y in &ys {
                let v = value(e, x, y);
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
    }
    let span = if hi > lo { hi - lo } else { 1.0 };
    let root = root.titled(&chart.title, style(20.0))?;
    let (grid_area, bar) = root.split_horizontally(chart.width - 120);
    let cols = if regimes.len() > 1 { 2 } else { 1 };
    let rows = regimes.len().div_ceil(cols).max(1);
    let panels = grid_area.split_evenly((rows, cols));
    let (nx, ny) = (xs.len(), ys.len());
    let label = |vals: &[f64], v: &f64| -> String {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < vals.len() {
            short_number(vals[i as usize])
        } else {
            String::new()
        }
    };
    for (e, panel) in regimes.iter().zip(panels.iter()) {
        let mut ctx = ChartBuilder::on(panel)
            .margin(8)
            .caption(e.as_str(), style(15.0).color(&regime_colour(data.colour_index(e))))
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5..nx as f64 - 0.5, -0.5..ny as f64 - 0.5)?;
        ctx.configure_mesh()
            .disable_mesh()
            .x_labels(nx + 1)
            .y_labels(ny + 1)
            .x_desc(data.design.parameters[0].clone())
            .y_desc(data.design.parameters[1].clone())
            .label_style(style(12.0))
            .axis_desc_style(style(13.0))
            .x_label_formatter(&|v| label(&xs, v))
            .y_label_formatter(&|v| label(&ys, v))
            .draw()?;
        for (i, &x) in xs.iter().enumerate() {
            for (j, &y) in ys.iter().enumerate() {
                let v = value(e, x, y);
                let fill = if v.is_finite() { viridis((v - lo) / span) } else { grey(235) };
                let (a, b) = (i as f64, j as f64);
                ctx.draw_series(std::iter::once(Rectangle::new(
                    [(a - 0.5, b - 0.5), (a + 0.5, b + 0.5)],
                    fill.filled(),
                )))?;
                if v.is_finite() && nx <= 12 && ny <= 12 {
                    let light = (v - lo) / span < 0.6;
                    let text = style(11.0)
                        .color(if light { &WHITE } else { &BLACK })
                        .pos(Pos::new(HPos::Center, VPos::Center));
                    ctx.draw_series(std::iter::once(Text::new(short_number(v), (a, b), text)))?;
                }
            }
        }
    }
    // The colour bar.
    let (_, h) = bar.dim_in_pixel();
    let (top, bottom) = (60i32, h as i32 - 60);
    let left = 20i32;
    let steps = 64;
    for k in 0..steps {
        let y0 = bottom - (bottom - top) * k / steps;
        let y1 = bottom - (bottom - top) * (k + 1) / steps;
        bar.draw(&Rectangle::new([(left, y1), (left + 24, y0)], viridis(k as f64 / (steps - 1) as f64).filled()))?;
    }
    let at = |y: i32, v: f64| {
        Text::new(short_number(v), (left + 30, y), style(12.0).pos(Pos::new(HPos::Left, VPos::Center)))
    };
    if lo.is_finite() && hi.is_finite() {
        bar.draw(&at(bottom, lo))?;
        bar.draw(&at(top, hi))?;
        bar.draw(&at((top + bottom) / 2, (lo + hi) / 2.0))?;
    }
    Ok(())
}

fn draw<DB: DrawingBackend>(data: &SweepData, chart: &SweepChart, root: DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    register_font();
    root.fill(&WHITE)?;
    match &chart.kind {
        SweepChartKind::Response { metric, parameter, alone } => {
            draw_response(data, chart, metric, *parameter, *alone, &root)?
        }
        SweepChartKind::HeatMap { metric } => draw_heatmap(data, chart, metric, &root)?,
    }
    root.present()?;
    Ok(())
}

impl super::Figure for SweepChart {
    type Data = SweepData;

    fn stem(&self) -> &str {
        &self.stem
    }

    fn svg(&self, data: &SweepData) -> Result<String> {
        super::svg_of(&self.stem, (self.width, self.height), |root| draw(data, self, root))
    }

    fn png(&self, data: &SweepData) -> Result<Vec<u8>> {
        super::png_of(&self.stem, (self.width, self.height), |root| draw(data, self, root))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_runs_dark_to_yellow() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(f64::NAN), RGBColor(68, 1, 84));
    }
}
