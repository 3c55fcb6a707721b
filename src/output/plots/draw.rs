//! Drawing each kind of chart with plotters, on any backend (SVG, or the raster of
//! [`super::raster`]).

use super::charts::{
    distribution_variable, histogram_layout, replicates_phrase, summary_layout, summary_regimes, values, Chart,
    ChartKind, LEGEND_WIDTH,
};
use super::data::{RegimeSeries, RunData, SnapshotRegime, StepBand, SummaryRow};
use super::style::{grey, legend, padded, regime_colour, register_font, runs, short_number, style, tick, DrawResult};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeSet;

fn draw_timeseries<DB: DrawingBackend>(
    data: &RunData,
    chart: &Chart,
    metric: &str,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let Some(col) = data.timeseries.column(metric) else { return Ok(()) };
    let bands: Vec<(usize, &RegimeSeries, Vec<StepBand>)> = data
        .timeseries
        .regimes
        .iter()
        .filter(|r| r.has(col))
        .map(|r| (data.colour_index(&r.label), r, r.band(col)))
        .collect();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut max_step = 1usize;
    for (_, r, band) in &bands {
        max_step = max_step.max(r.step_at.last().copied().unwrap_or(0) as usize);
        for b in band {
            for v in [b.mean, b.low, b.high] {
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
    }
    let (lo, hi) = padded(lo, hi, true);
    let root = root.titled(&chart.title, style(20.0))?;
    let (plot, side) = root.split_horizontally(chart.width - LEGEND_WIDTH);
    let mut ctx = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(0f64..max_step as f64, lo..hi)?;
    let unit = data.metric_unit(metric);
    let y_desc =
        if unit.is_empty() { data.metric_title(metric) } else { format!("{} ({unit})", data.metric_title(metric)) };
    ctx.configure_mesh()
        .x_desc("step")
        .y_desc(y_desc)
        .label_style(style(13.0))
        .axis_desc_style(style(15.0))
        .bold_line_style(grey(225))
        .light_line_style(TRANSPARENT)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()?;
    for (c, r, band) in &bands {
        let colour = regime_colour(*c);
        let x = |t: usize| r.step_at[t] as f64;
        for (s, e) in runs(band.len(), |t| band[t].low.is_finite() && band[t].high.is_finite()) {
            let mut pts: Vec<(f64, f64)> = (s..e).map(|t| (x(t), band[t].high)).collect();
            pts.extend((s..e).rev().map(|t| (x(t), band[t].low)));
            ctx.draw_series(std::iter::once(Polygon::new(pts, colour.mix(0.18).filled())))?;
        }
    }
    for (c, r, band) in &bands {
        let colour = regime_colour(*c);
        let x = |t: usize| r.step_at[t] as f64;
        for (s, e) in runs(band.len(), |t| band[t].mean.is_finite()) {
            if e - s == 1 {
                ctx.draw_series(std::iter::once(Circle::new((x(s), band[s].mean), 3, colour.filled())))?;
            } else {
                ctx.draw_series(LineSeries::new((s..e).map(|t| (x(t), band[t].mean)), colour.stroke_width(2)))?;
            }
        }
    }
    let items: Vec<_> = bands.iter().map(|(c, r, _)| (r.label.clone(), None, regime_colour(*c))).collect();
    let reps = data.replicates();
    let note = if reps > 1 {
        format!("Lines: mean of {reps} replicates. Bands: 95% t-interval over replicates.")
    } else {
        "One replicate: no interval.".to_string()
    };
    legend(&side, &items, &note)
}

fn draw_summary<DB: DrawingBackend>(
    data: &RunData,
    chart: &Chart,
    metrics: &[String],
    root: &DrawingArea<DB, Shift>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let regimes = summary_regimes(data);
    let n = regimes.len();
    let (cols, _) = summary_layout(metrics.len(), n);
    let rows = metrics.len().div_ceil(cols);
    let root = root.titled(&chart.title, style(20.0))?;
    let panels = root.split_evenly((rows, cols));
    for (metric, panel) in metrics.iter().zip(panels.iter()) {
        let found: Vec<(usize, &SummaryRow)> = regimes
            .iter()
            .enumerate()
            .filter_map(|(k, label)| {
                data.summary.iter().find(|s| &s.regime == label && &s.metric == metric).map(|s| (k, s))
            })
            .filter(|(_, s)| s.mean.is_finite())
            .collect();
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for (_, s) in &found {
            for v in [s.mean, s.ci95_low, s.ci95_high] {
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
        let (lo, hi) = padded(lo, hi, false);
        let unit = data.metric_unit(metric);
        let caption =
            if unit.is_empty() { data.metric_title(metric) } else { format!("{} ({unit})", data.metric_title(metric)) };
        let label_of = |v: &SegmentValue<i32>| match v {
            // The first regime at the top.
            SegmentValue::CenterOf(k) if *k >= 0 && (*k as usize) < n => regimes[n - 1 - *k as usize].clone(),
            _ => String::new(),
        };
        let mut ctx = ChartBuilder::on(panel)
            .margin(10)
            .caption(caption, style(15.0))
            .x_label_area_size(30)
            .y_label_area_size(150)
            // An i32 range holds both ends: n regimes are 0..=n-1.
            .build_cartesian_2d(lo..hi, (0..(n as i32 - 1).max(0)).into_segmented())?;
        ctx.configure_mesh()
            .label_style(style(12.0))
            .bold_line_style(grey(225))
            .light_line_style(TRANSPARENT)
            .disable_y_mesh()
            .x_labels(6)
            .y_labels(n.max(1))
            .x_label_formatter(&tick)
            .y_label_formatter(&label_of)
            .draw()?;
        for (k, s) in &found {
            let colour = regime_colour(data.colour_index(&s.regime));
            let y = SegmentValue::CenterOf((n - 1 - k) as i32);
            if s.ci95_low.is_finite() && s.ci95_high.is_finite() {
                let line = colour.stroke_width(2);
                ctx.draw_series(std::iter::once(PathElement::new(
                    vec![(s.ci95_low, y.clone()), (s.ci95_high, y.clone())],
                    line,
                )))?;
                for end in [s.ci95_low, s.ci95_high] {
                    ctx.draw_series(std::iter::once(
                        EmptyElement::at((end, y.clone())) + PathElement::new(vec![(0, -6), (0, 6)], line),
                    ))?;
                }
            }
            ctx.draw_series(std::iter::once(Circle::new((s.mean, y), 5, colour.filled())))?;
        }
    }
    Ok(())
}

/// Points of the Lorenz curve of `sorted` values (ascending), at most about `max_points`:
/// the poorest share of agents against their cumulative share of the total. With debts
/// (negative values) the total is taken over absolute values, as the Gini of the engine does,
/// so the curve dips below zero by the share the debts make and ends below one; it stays in
/// `[-1, 1]` however small the net total. The second value says whether there were debts.
fn lorenz_points(sorted: &[f64], max_points: usize) -> (Vec<(f64, f64)>, bool) {
    let n = sorted.len();
    let debts = sorted.first().is_some_and(|x| *x < 0.0);
    let absolute: f64 = sorted.iter().map(|x| x.abs()).sum();
    if n == 0 || absolute <= 0.0 {
        // Nothing held by anyone: no inequality to show.
        return (vec![(0.0, 0.0), (1.0, 1.0)], false);
    }
    let mut cum = Vec::with_capacity(n + 1);
    cum.push(0.0);
    let mut acc = 0.0;
    for &x in sorted {
        acc += x;
        cum.push(acc);
    }
    let k = max_points.clamp(2, n.max(2));
    let mut pts = Vec::with_capacity(k + 1);
    for j in 0..=k {
        let i = (j * n) / k;
        pts.push((i as f64 / n as f64, cum[i] / absolute));
    }
    pts.dedup();
    (pts, debts)
}

fn draw_lorenz<DB: DrawingBackend>(data: &RunData, chart: &Chart, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let Some(snap) = &data.snapshot else { return Ok(()) };
    let v = distribution_variable(data, snap);
    let mut curves = Vec::new();
    let mut ymin: f64 = 0.0;
    for r in &snap.regimes {
        let xs = values(r, v);
        if xs.is_empty() {
            continue;
        }
        let gini = crate::metrics::inequality::gini_sorted(xs);
        let (pts, debts) = lorenz_points(xs, 400);
        ymin = pts.iter().map(|p| p.1).fold(ymin, f64::min);
        curves.push((data.colour_index(&r.label), r, gini, pts, debts));
    }
    let root = root.titled(&chart.title, style(20.0))?;
    let (plot, side) = root.split_horizontally(chart.width - LEGEND_WIDTH);
    let ylo = if ymin < 0.0 { ymin - 0.05 } else { 0.0 };
    let mut ctx = ChartBuilder::on(&plot)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(0f64..1f64, ylo..1f64)?;
    ctx.configure_mesh()
        .x_desc("cumulative share of agents, poorest first (share)")
        .y_desc(if curves.iter().any(|c| c.4) {
            format!("cumulative {0} over total absolute {0} (share)", v.name())
        } else {
            format!("cumulative share of {} (share)", v.name())
        })
        .label_style(style(13.0))
        .axis_desc_style(style(15.0))
        .bold_line_style(grey(225))
        .light_line_style(TRANSPARENT)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()?;
    ctx.draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], grey(150).stroke_width(1)))?;
    if ylo < 0.0 {
        ctx.draw_series(LineSeries::new([(0.0, 0.0), (1.0, 0.0)], grey(150).stroke_width(1)))?;
    }
    let mut items = Vec::new();
    for (c, r, gini, pts, debts) in &curves {
        let colour = regime_colour(*c);
        ctx.draw_series(LineSeries::new(pts.iter().copied(), colour.stroke_width(2)))?;
        let mut second = format!("Gini {}", if gini.is_finite() { format!("{gini:.3}") } else { "n/a".into() });
        if *debts {
            second.push_str(", with debts");
        }
        items.push((r.label.clone(), Some(second), colour));
    }
    let which: BTreeSet<String> = curves.iter().map(|c| replicates_phrase(&c.1.replicates)).collect();
    let note = format!(
        "Step {}, {}. Gini: mean difference over total absolute {}, as in gini_{}.",
        snap.step,
        which.into_iter().collect::<Vec<_>>().join("; "),
        v.name(),
        v.name()
    );
    legend(&side, &items, &note)
}

/// A histogram of `xs` as (bin start, bin end, density), with `bins` equal bins.
fn histogram(xs: &[f64], bins: usize) -> Vec<(f64, f64, f64)> {
    let (lo, hi) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| (l.min(x), h.max(x)));
    if !lo.is_finite() {
        return Vec::new();
    }
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 0.5, lo + 0.5) };
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0u64; bins];
    for &x in xs {
        let b = (((x - lo) / width) as usize).min(bins - 1);
        counts[b] += 1;
    }
    let n = xs.len() as f64;
    counts
        .iter()
        .enumerate()
        .map(|(b, &c)| (lo + b as f64 * width, lo + (b + 1) as f64 * width, c as f64 / (n * width)))
        .collect()
}

fn draw_histogram<DB: DrawingBackend>(data: &RunData, chart: &Chart, root: &DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let Some(snap) = &data.snapshot else { return Ok(()) };
    let v = distribution_variable(data, snap);
    let drawn: Vec<&SnapshotRegime> = snap.regimes.iter().filter(|r| !values(r, v).is_empty()).collect();
    let (cols, _) = histogram_layout(drawn.len());
    let rows = drawn.len().div_ceil(cols);
    let root = root.titled(&chart.title, style(20.0))?;
    let panels = root.split_evenly((rows, cols));
    for (r, panel) in drawn.iter().zip(panels.iter()) {
        let xs = values(r, v);
        let colour = regime_colour(data.colour_index(&r.label));
        let bins = ((xs.len() as f64).sqrt() as usize).clamp(10, 50);
        let hist = histogram(xs, bins);
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let (xlo, xhi) = (hist.first().map(|h| h.0).unwrap_or(0.0), hist.last().map(|h| h.1).unwrap_or(1.0));
        let positive: Vec<f64> = hist.iter().map(|h| h.2).filter(|d| *d > 0.0).collect();
        let dmax = positive.iter().copied().fold(0.0, f64::max);
        let dmin = positive.iter().copied().fold(f64::INFINITY, f64::min);
        let kinetic = data.entry(&r.label).is_some_and(|e| e.reference_law.as_deref() == Some("exponential"))
            && xlo >= 0.0
            && mean > 0.0;
        let exponential: Vec<(f64, f64)> = if kinetic {
            (0..=200).map(|i| xlo + (xhi - xlo) * i as f64 / 200.0).map(|x| (x, (-x / mean).exp() / mean)).collect()
        } else {
            Vec::new()
        };
        // A log axis when the densities span more than two orders of magnitude (or to show the
        // exponential law as a straight line).
        let log = dmax > 0.0 && (dmax / dmin > 100.0 || kinetic);
        let x_desc = format!("{} (unit of account)", v.name());
        let caption = format!("{} ({} agents, {})", r.label, xs.len(), replicates_phrase(&r.replicates));
        let builder = |panel| {
            let mut b = ChartBuilder::on(panel);
            b.margin(10)
                .caption(caption.clone(), style(15.0).color(&colour))
                .x_label_area_size(40)
                .y_label_area_size(70);
            b
        };
        let bar_style = colour.mix(0.55).filled();
        let black_line = BLACK.stroke_width(2);
        let exp_label = format!("exponential law, mean {}", short_number(mean));
        if log {
            let ylo = 10f64.powf((dmin / 2.0).log10().floor());
            let yhi = 10f64.powf((dmax * 1.5).log10().ceil());
            let mut ctx = builder(panel).build_cartesian_2d(xlo..xhi, (ylo..yhi).log_scale())?;
            ctx.configure_mesh()
                .x_desc(x_desc)
                .y_desc("density (per unit of account, log scale)")
                .label_style(style(12.0))
                .axis_desc_style(style(13.0))
                .bold_line_style(grey(225))
                .light_line_style(TRANSPARENT)
                .x_labels(6)
                .x_label_formatter(&tick)
                .y_label_formatter(&tick)
                .draw()?;
            ctx.draw_series(
                hist.iter().filter(|h| h.2 > 0.0).map(|&(a, b, d)| Rectangle::new([(a, ylo), (b, d)], bar_style)),
            )?;
            if kinetic {
                let pts = exponential.iter().copied().filter(|p| p.1 >= ylo && p.1 <= yhi);
                ctx.draw_series(LineSeries::new(pts, black_line))?
                    .label(exp_label)
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
                ctx.configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .label_font(style(12.0))
                    .background_style(WHITE.mix(0.85))
                    .border_style(grey(180))
                    .draw()?;
            }
        } else {
            let top = dmax.max(exponential.iter().map(|p| p.1).fold(0.0, f64::max)) * 1.08;
            let top = if top > 0.0 { top } else { 1.0 };
            let mut ctx = builder(panel).build_cartesian_2d(xlo..xhi, 0f64..top)?;
            ctx.configure_mesh()
                .x_desc(x_desc)
                .y_desc("density (per unit of account)")
                .label_style(style(12.0))
                .axis_desc_style(style(13.0))
                .bold_line_style(grey(225))
                .light_line_style(TRANSPARENT)
                .x_labels(6)
                .x_label_formatter(&tick)
                .y_label_formatter(&tick)
                .draw()?;
            ctx.draw_series(
                hist.iter().filter(|h| h.2 > 0.0).map(|&(a, b, d)| Rectangle::new([(a, 0.0), (b, d)], bar_style)),
            )?;
            if kinetic {
                ctx.draw_series(LineSeries::new(exponential.iter().copied(), black_line))?
                    .label(exp_label)
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
                ctx.configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .label_font(style(12.0))
                    .background_style(WHITE.mix(0.85))
                    .border_style(grey(180))
                    .draw()?;
            }
        }
    }
    Ok(())
}

pub(super) fn draw<DB: DrawingBackend>(data: &RunData, chart: &Chart, root: DrawingArea<DB, Shift>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    register_font();
    root.fill(&WHITE)?;
    match &chart.kind {
        ChartKind::TimeSeries { metric } => draw_timeseries(data, chart, metric, &root)?,
        ChartKind::Summary { metrics } => draw_summary(data, chart, metrics, &root)?,
        ChartKind::Lorenz => draw_lorenz(data, chart, &root)?,
        ChartKind::Histogram => draw_histogram(data, chart, &root)?,
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lorenz_of_equal_values_is_the_diagonal() {
        let (pts, debts) = lorenz_points(&[2.0; 10], 400);
        assert!(!debts);
        assert_eq!(pts.len(), 11);
        assert!(pts.iter().all(|(x, y)| (x - y).abs() < 1e-12));
    }

    #[test]
    fn lorenz_with_debts_dips_below_zero_but_stays_bounded() {
        let (pts, debts) = lorenz_points(&[-5.0, 1.0, 10.0], 400);
        assert!(debts);
        assert_eq!(pts[1].1, -5.0 / 16.0);
        assert_eq!(pts.last().map(|p| p.1), Some(6.0 / 16.0));
        // A net total near zero does not blow the curve up.
        let (pts, _) = lorenz_points(&[-5.0, 1.0, 4.0], 400);
        assert!(pts.iter().all(|p| p.1 >= -1.0 && p.1 <= 1.0));
        assert_eq!(lorenz_points(&[0.0, 0.0], 400).0, vec![(0.0, 0.0), (1.0, 1.0)]);
    }

    #[test]
    fn histogram_densities_integrate_to_one() {
        let xs: Vec<f64> = (0..1000).map(|i| (i as f64).sqrt()).collect();
        let h = histogram(&xs, 20);
        let total: f64 = h.iter().map(|(a, b, d)| (b - a) * d).sum();
        assert!((total - 1.0).abs() < 1e-9);
        assert_eq!(histogram(&[3.0, 3.0], 10).iter().map(|h| h.2).filter(|d| *d > 0.0).count(), 1);
    }
}
