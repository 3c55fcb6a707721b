//! Plots of a finished run, drawn from its files alone (`timeseries.csv`, `summary.csv`,
//! `agents_step<T>.csv`, `scenario.resolved.toml`, `run.json`), never from the world, so that
//! `agora plot <run>` redraws them byte for byte.
//!
//! [`RunData::load`] reads a run folder ([`data`]); [`charts`] lists what can be drawn from it;
//! each [`Chart`] renders to SVG ([`render_svg`]) or PNG ([`render_png`], through the raster
//! backend of [`raster`]). Text is laid out and rasterised with DejaVu Sans, bundled in the
//! binary, so plots look the same on a machine without any font installed. Every regime keeps
//! one colour (Okabe-Ito, by the order of the scenario's `regimes`) across every chart
//! ([`style`]).

mod charts;
pub mod data;
mod draw;
mod raster;
pub mod style;
pub mod sweep;

pub use charts::{charts, Chart, ChartKind};
pub use data::{
    snapshot_files, AgentSnapshot, ComparisonRow, RegimeSeries, RunData, SnapshotRegime, StepBand, SummaryRow,
    TimeSeries,
};
pub use style::{regime_colour, regime_colour_hex, short_number, FONT, PALETTE};

use crate::error::{Error, Result};
use crate::scenario::PlotFormat;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

fn draw_error(chart: &Chart, e: impl std::fmt::Display) -> Error {
    Error::Run(format!("drawing the chart `{}`: {e}", chart.stem))
}

/// The chart as an SVG document.
pub fn render_svg(data: &RunData, chart: &Chart) -> Result<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (chart.width, chart.height)).into_drawing_area();
        draw::draw(data, chart, root).map_err(|e| draw_error(chart, e))?;
    }
    Ok(buf)
}

/// The chart as a PNG file (8-bit RGB).
pub fn render_png(data: &RunData, chart: &Chart) -> Result<Vec<u8>> {
    let (w, h) = (chart.width, chart.height);
    let mut pixels = vec![255u8; w as usize * h as usize * 3];
    {
        let raster = raster::Raster::new(&mut pixels, (w, h)).map_err(|e| draw_error(chart, e))?;
        let root = raster.into_drawing_area();
        draw::draw(data, chart, root).map_err(|e| draw_error(chart, e))?;
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header().map_err(|e| draw_error(chart, e))?;
    writer.write_image_data(&pixels).map_err(|e| draw_error(chart, e))?;
    writer.finish().map_err(|e| draw_error(chart, e))?;
    Ok(out)
}

/// A drawn chart: its description and, if made, its SVG text.
#[derive(Debug, Clone)]
pub struct Drawn {
    /// The chart.
    pub chart: Chart,
    /// The SVG document, when SVG was drawn (for files or the report).
    pub svg: Option<String>,
}

/// Draws every chart of `data` into `plots/` of its folder in `formats` (each file written
/// atomically) and removes the `.png` and `.svg` files there that this drawing did not make
/// (a chart or format no longer drawn). Returns every chart, with its SVG text when SVG was
/// drawn (for files, or for the report when `keep_svg`), and the files written. With no
/// formats nothing is written and `plots/` is left alone.
pub fn write_plots(data: &RunData, formats: &[PlotFormat], keep_svg: bool) -> Result<(Vec<Drawn>, Vec<PathBuf>)> {
    let list = charts(data);
    let plots_dir = data.dir.join("plots");
    let mut written = Vec::new();
    if !formats.is_empty() {
        std::fs::create_dir_all(&plots_dir).map_err(|e| Error::io(format!("creating `{}`", plots_dir.display()), e))?;
    }
    let svg_wanted = keep_svg || formats.contains(&PlotFormat::Svg);
    let mut drawn = Vec::with_capacity(list.len());
    for chart in list {
        let svg = if svg_wanted { Some(render_svg(data, &chart)?) } else { None };
        for format in formats {
            let (ext, bytes) = match format {
                PlotFormat::Svg => ("svg", svg.clone().unwrap_or_default().into_bytes()),
                PlotFormat::Png => ("png", render_png(data, &chart)?),
            };
            let path = plots_dir.join(format!("{}.{ext}", chart.stem));
            crate::output::write_atomic(&path, &bytes)?;
            written.push(path);
        }
        drawn.push(Drawn { chart, svg });
    }
    if !formats.is_empty() {
        remove_stale(&plots_dir, &written)?;
    }
    Ok((drawn, written))
}

/// Removes `.png` and `.svg` files in `plots_dir` that this drawing did not write.
fn remove_stale(plots_dir: &Path, written: &[PathBuf]) -> Result<()> {
    let list = std::fs::read_dir(plots_dir).map_err(|e| Error::io(format!("reading `{}`", plots_dir.display()), e))?;
    for entry in list.flatten() {
        let path = entry.path();
        let ours = matches!(path.extension().and_then(|e| e.to_str()), Some("png" | "svg"));
        if ours && !written.contains(&path) {
            std::fs::remove_file(&path).map_err(|e| Error::io(format!("removing `{}`", path.display()), e))?;
        }
    }
    Ok(())
}
