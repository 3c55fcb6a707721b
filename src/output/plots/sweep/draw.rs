//! Drawing a sweep chart: a response chart (lines with bands, or clouds) or a heat map with
//! its colour bar.

use super::{SweepChart, SweepChartKind, SweepData};
use crate::output::plots::style::{
    grey, legend, padded, regime_colour, register_font, short_number, style, tick, DrawResult,
};
use crate::scenario::sweep::DesignKind;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;

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

pub(super) fn draw<DB: DrawingBackend>(data: &SweepData, chart: &SweepChart, root: DrawingArea<DB, Shift>) -> DrawResult
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
