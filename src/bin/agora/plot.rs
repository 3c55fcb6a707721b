//! `agora plot`: a run's or a sweep's charts and page, redrawn from its files.

use crate::args::PlotArgs;
use agora::error::Result;

/// Redraws a run's plots and report from its files, as `[output]` of its resolved scenario
/// asks (or in the formats given); a sweep folder's charts and `sweep.html` likewise.
pub fn plot(args: &PlotArgs) -> Result<()> {
    let (dir, format, quiet) = (args.dir.as_path(), &args.format, args.quiet);
    use agora::scenario::PlotFormat;
    let started = std::time::Instant::now();
    if dir.join("design.json").is_file() {
        let (info, _) = agora::sweep::read_design(dir)?;
        let names: Vec<String> = if format.is_empty() { info.plots.clone() } else { format.to_vec() };
        let mut formats = Vec::new();
        for n in names {
            let p = if n == "png" { PlotFormat::Png } else { PlotFormat::Svg };
            if !formats.contains(&p) {
                formats.push(p);
            }
        }
        let figures = agora::output::sweep::write_figures(dir, &formats, info.report)?;
        if !quiet {
            println!(
                "wrote {} chart file{} of the sweep in {}{} ({:.2} s)",
                figures.plots.len(),
                if figures.plots.len() == 1 { "" } else { "s" },
                dir.join("plots").display(),
                figures.report.as_ref().map(|r| format!(" and {}", r.display())).unwrap_or_default(),
                started.elapsed().as_secs_f64()
            );
        }
        return Ok(());
    }
    let data = agora::output::plots::RunData::load(dir)?;
    let formats: Vec<PlotFormat> = if format.is_empty() {
        data.plot_formats.clone()
    } else {
        let mut f = Vec::new();
        for name in format {
            let p = if name == "png" { PlotFormat::Png } else { PlotFormat::Svg };
            if !f.contains(&p) {
                f.push(p);
            }
        }
        f
    };
    let figures = agora::output::draw_figures(&data, &formats, data.report)?;
    if !quiet {
        match (&figures.plots.len(), &figures.report) {
            (0, None) => println!(
                "nothing to draw: the run's scenario sets `[output] plots = false` and `report = false` (use --format png or --format svg)"
            ),
            (n, report) => println!(
                "wrote {n} plot file{} in {}{} ({:.2} s)",
                if *n == 1 { "" } else { "s" },
                dir.join("plots").display(),
                report.as_ref().map(|r| format!(" and {}", r.display())).unwrap_or_default(),
                started.elapsed().as_secs_f64()
            ),
        }
    }
    Ok(())
}
