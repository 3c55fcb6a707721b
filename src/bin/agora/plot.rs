//! `agora plot`: a run's or a sweep's charts and page, redrawn from its files.

use crate::args::PlotArgs;
use crate::print::plural;
use agora::error::Result;
use agora::scenario::PlotFormat;
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
        let mut formats = asked;
        if formats.is_empty() {
            // The formats design.json lists (as the sweep's `[output] plots` asked), typed.
            for f in info.plots {
                if !formats.contains(&f) {
                    formats.push(f);
                }
            }
        }
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
