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
pub use style::{entry_colours, regime_colour, regime_colour_hex, short_number, FONT, PALETTE};

use crate::error::{Error, Result};
use crate::scenario::PlotFormat;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use style::DrawResult;

fn draw_error(stem: &str, e: impl std::fmt::Display) -> Error {
    Error::Run(format!("drawing the chart `{stem}`: {e}"))
}

/// The SVG document `draw` makes on a canvas of `size` pixels; `stem` names the chart in
/// errors.
fn svg_of(
    stem: &str,
    size: (u32, u32),
    draw: impl FnOnce(DrawingArea<SVGBackend, Shift>) -> DrawResult,
) -> Result<String> {
    let mut buf = String::new();
    draw(SVGBackend::with_string(&mut buf, size).into_drawing_area()).map_err(|e| draw_error(stem, e))?;
    Ok(buf)
}

/// The PNG file (8-bit RGB) `draw` makes on a canvas of `size` pixels.
fn png_of(
    stem: &str,
    (w, h): (u32, u32),
    draw: impl FnOnce(DrawingArea<raster::Raster, Shift>) -> DrawResult,
) -> Result<Vec<u8>> {
    let mut pixels = vec![255u8; w as usize * h as usize * 3];
    {
        let raster = raster::Raster::new(&mut pixels, (w, h)).map_err(|e| draw_error(stem, e))?;
        draw(raster.into_drawing_area()).map_err(|e| draw_error(stem, e))?;
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header().map_err(|e| draw_error(stem, e))?;
    writer.write_image_data(&pixels).map_err(|e| draw_error(stem, e))?;
    writer.finish().map_err(|e| draw_error(stem, e))?;
    Ok(out)
}

/// The chart as an SVG document.
pub fn render_svg(data: &RunData, chart: &Chart) -> Result<String> {
    svg_of(&chart.stem, (chart.width, chart.height), |root| draw::draw(data, chart, root))
}

/// The chart as a PNG file (8-bit RGB).
pub fn render_png(data: &RunData, chart: &Chart) -> Result<Vec<u8>> {
    png_of(&chart.stem, (chart.width, chart.height), |root| draw::draw(data, chart, root))
}

/// A chart of a run or a sweep, as [`write_charts`] writes it: its file name and its two
/// renderings from what the folder's files say ([`RunData`], [`sweep::SweepData`]).
pub trait Figure {
    /// What the chart is drawn from.
    type Data;
    /// The file name, without extension.
    fn stem(&self) -> &str;
    /// The chart as an SVG document.
    fn svg(&self, data: &Self::Data) -> Result<String>;
    /// The chart as a PNG file.
    fn png(&self, data: &Self::Data) -> Result<Vec<u8>>;
}

impl Figure for Chart {
    type Data = RunData;

    fn stem(&self) -> &str {
        &self.stem
    }

    fn svg(&self, data: &RunData) -> Result<String> {
        render_svg(data, self)
    }

    fn png(&self, data: &RunData) -> Result<Vec<u8>> {
        render_png(data, self)
    }
}

/// A drawn chart: its description and, if made, its SVG text.
#[derive(Debug, Clone)]
pub struct Drawn<C = Chart> {
    /// The chart.
    pub chart: C,
    /// The SVG document, when SVG was drawn (for files or the report).
    pub svg: Option<String>,
}

/// Draws every chart of `data` into `plots/` of its folder ([`write_charts`]).
pub fn write_plots(data: &RunData, formats: &[PlotFormat], keep_svg: bool) -> Result<(Vec<Drawn>, Vec<PathBuf>)> {
    write_charts(data, charts(data), &data.dir.join("plots"), formats, keep_svg)
}

/// The one chart writer of runs and sweeps: draws `list` from `data` into the folder `dir` in
/// `formats` (each file written atomically) and removes the `.png` and `.svg` files there that
/// this drawing did not make (a chart or format no longer drawn). Returns every chart, with
/// its SVG text when SVG was drawn (for files, or for a page when `keep_svg`), and the files
/// written. With no formats nothing is written and `dir` is left alone. The first error
/// (drawing, writing, removing) ends the drawing and is returned.
pub fn write_charts<C: Figure>(
    data: &C::Data,
    list: Vec<C>,
    dir: &Path,
    formats: &[PlotFormat],
    keep_svg: bool,
) -> Result<(Vec<Drawn<C>>, Vec<PathBuf>)> {
    let mut written = Vec::new();
    if !formats.is_empty() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating `{}`", dir.display()), e))?;
    }
    let svg_wanted = keep_svg || formats.contains(&PlotFormat::Svg);
    let mut drawn = Vec::with_capacity(list.len());
    for chart in list {
        let svg = if svg_wanted { Some(chart.svg(data)?) } else { None };
        for format in formats {
            let (ext, bytes) = match format {
                PlotFormat::Svg => ("svg", svg.clone().unwrap_or_default().into_bytes()),
                PlotFormat::Png => ("png", chart.png(data)?),
            };
            let path = dir.join(format!("{}.{ext}", chart.stem()));
            crate::output::write_atomic(&path, &bytes)?;
            written.push(path);
        }
        drawn.push(Drawn { chart, svg });
    }
    if !formats.is_empty() {
        remove_stale(dir, &written)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A chart that draws its name, or fails.
    #[derive(Debug)]
    struct Named(&'static str);

    impl Figure for Named {
        type Data = ();

        fn stem(&self) -> &str {
            self.0
        }

        fn svg(&self, _: &()) -> Result<String> {
            match self.0 {
                "broken" => Err(Error::Run("cannot draw".into())),
                name => Ok(format!("<svg>{name}</svg>")),
            }
        }

        fn png(&self, _: &()) -> Result<Vec<u8>> {
            self.svg(&()).map(String::into_bytes)
        }
    }

    #[test]
    fn the_chart_writer_replaces_its_files_and_leaves_them_alone_without_formats() {
        let dir = tempfile::tempdir().unwrap();
        let plots = dir.path().join("plots");
        let names = |d: &Path| {
            let mut n: Vec<String> =
                std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
            n.sort();
            n
        };
        let (drawn, written) =
            write_charts(&(), vec![Named("a"), Named("b")], &plots, &[PlotFormat::Svg], false).unwrap();
        assert_eq!((drawn.len(), written.len()), (2, 2));
        assert_eq!(drawn[1].svg.as_deref(), Some("<svg>b</svg>"));
        std::fs::write(plots.join("notes.txt"), "kept").unwrap();
        // A chart no longer drawn is removed; other files stay.
        write_charts(&(), vec![Named("a")], &plots, &[PlotFormat::Png, PlotFormat::Svg], false).unwrap();
        assert_eq!(names(&plots), ["a.png", "a.svg", "notes.txt"]);
        // No formats: nothing written, nothing removed, the SVG still drawn for a page.
        let (drawn, written) = write_charts(&(), vec![Named("c")], &plots, &[], true).unwrap();
        assert!(written.is_empty() && drawn[0].svg.is_some());
        assert_eq!(names(&plots), ["a.png", "a.svg", "notes.txt"]);
        // A chart that cannot be drawn is an error, not a missing file.
        let e = write_charts(&(), vec![Named("a"), Named("broken")], &plots, &[PlotFormat::Svg], false).unwrap_err();
        assert!(e.to_string().contains("cannot draw"), "{e}");
    }
}
