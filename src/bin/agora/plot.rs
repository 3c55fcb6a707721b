//! `agora plot`: a run's or a sweep's charts and page, redrawn from its files.

use crate::args::{Format, PlotArgs};
use crate::print::plural;
use agora::error::{InputError, Result};
use agora::scenario::PlotFormat;
use clap::ValueEnum;
use std::path::Path;
use std::time::Instant;

/// Redraws a run's plots and report from its files, as `[output]` of its resolved scenario
/// asks (or in the formats given); a sweep folder's charts and `sweep.html` likewise.
pub fn plot(args: &PlotArgs, quiet: bool) -> Result<()> {
    let dir = args.dir.as_path();
    let started = Instant::now();
    let mut asked: Vec<PlotFormat> = Vec::new();
    for f in args.format.iter().map(|&f| PlotFormat::from(f)) {
        if !asked.contains(&f) {
            asked.push(f);
        }
    }
    if dir.join("design.json").is_file() {
        let (info, _) = agora::sweep::read_design(dir)?;
        let formats = if asked.is_empty() { design_formats(dir, &info.plots)? } else { asked };
        let figures = agora::output::sweep::write_figures(dir, &formats, info.report)?;
        if !quiet {
            println!(
                "wrote {} chart file{} of the sweep in {}{} ({:.2} s)",
                figures.plots.len(),
                plural(figures.plots.len()),
                dir.join("plots").display(),
                figures.report.as_ref().map(|r| format!(" and {}", r.display())).unwrap_or_default(),
                started.elapsed().as_secs_f64()
            );
        }
        return Ok(());
    }
    let data = agora::output::plots::RunData::load(dir)?;
    let formats = if asked.is_empty() { data.plot_formats.clone() } else { asked };
    let figures = agora::output::draw_figures(&data, &formats, data.report)?;
    if !quiet {
        match (&figures.plots.len(), &figures.report) {
            (0, None) => println!(
                "nothing to draw: the run's scenario sets `[output] plots = false` and `report = false` (use --format png or --format svg)"
            ),
            (n, report) => println!(
                "wrote {n} plot file{} in {}{} ({:.2} s)",
                plural(*n),
                dir.join("plots").display(),
                report.as_ref().map(|r| format!(" and {}", r.display())).unwrap_or_default(),
                started.elapsed().as_secs_f64()
            ),
        }
    }
    Ok(())
}

/// The chart formats a sweep's `design.json` lists (as its `[output] plots` asked).
fn design_formats(dir: &Path, names: &[String]) -> Result<Vec<PlotFormat>> {
    let mut formats = Vec::new();
    for name in names {
        let f = PlotFormat::from(Format::from_str(name, false).map_err(|_| {
            InputError::new(format!("`{}` lists the plot format `{name}`", dir.join("design.json").display()))
                .help("the formats are png and svg; run the sweep again to rewrite it")
        })?);
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    Ok(formats)
}
