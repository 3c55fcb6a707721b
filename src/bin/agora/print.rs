//! What the commands print beyond a line or two: the warnings of a plan, progress bars, the
//! headline tables of a run, a comparison and a sweep, and the estimate of a dry run.

use agora::error::Result;
use agora::output::plots::sweep::SweepData;
use agora::output::plots::RunData;
use agora::plan::Plan;
use agora::sweep::{estimate, Sweep, SweepProgress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;

/// Prints the plan's warnings (settings that act on nothing) to stderr, unless `quiet`.
pub fn warn(plan: &Plan, quiet: bool) {
    if !quiet {
        for w in &plan.warnings {
            eprintln!("warning: {w}");
        }
    }
}

/// Prints a sweep's warnings: the base scenario's, then the points' (each once).
pub fn warn_sweep(s: &Sweep, quiet: bool) {
    warn(&s.base, quiet);
    if !quiet {
        for w in &s.warnings {
            eprintln!("warning: at some sweep points: {w}");
        }
    }
}

/// Whether to draw progress: not with --quiet, under CI, or when stderr is not a terminal.
fn show_progress(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// A bar over world-steps on a terminal; hidden unless [`show_progress`].
pub fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if !show_progress(quiet) {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} world-steps ({eta} left)")
    {
        bar.set_style(style);
    }
    bar
}

/// A bar over points, with points left and the time remaining (from this session's pace).
pub fn sweep_bar(quiet: bool) -> ProgressBar {
    if !show_progress(quiet) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} points {msg}")
    {
        bar.set_style(style);
    }
    bar
}

/// Shows a sweep's progress on its bar.
pub fn sweep_progress(bar: &ProgressBar, p: &SweepProgress) {
    let left = p.points.saturating_sub(p.points_done);
    let eta = if p.runs_done > 0 && p.runs > p.runs_done {
        format!(", about {} to go", duration(p.elapsed / p.runs_done as f64 * (p.runs - p.runs_done) as f64))
    } else {
        String::new()
    };
    // The message first: setting the position redraws, and must not show the last message.
    bar.set_message(format!("({left} left{eta})"));
    bar.set_length(p.points as u64);
    bar.set_position(p.points_done as u64);
}

/// A mean with ± half its 95% interval, as the tables show it; the mean alone when the
/// interval is not defined (one replicate); `None` when the mean is not.
fn mean_cell(mean: f64, low: f64, high: f64) -> Option<String> {
    if !mean.is_finite() {
        None
    } else if low.is_finite() && high.is_finite() {
        Some(format!("{mean:.3} ±{:.3}", (high - low) / 2.0))
    } else {
        Some(format!("{mean:.3}"))
    }
}

/// Prints the headline metrics ([`agora::metrics::headline`]) of the finished run in `dir`,
/// one row per regime entry, from its `summary.csv`.
pub fn print_headline(dir: &Path) -> Result<()> {
    let run = RunData::load(dir)?;
    // The headline measures, defined the same way in every goods regime; the rest (wealth
    // valued differently per regime, money) stay in summary.csv.
    let wanted = agora::metrics::headline();
    let mut table: Vec<(&str, Vec<String>)> = Vec::new();
    for row in &run.summary {
        let Some(col) = wanted.iter().position(|w| *w == row.metric) else {
            continue;
        };
        if table.last().map(|t| t.0) != Some(row.regime.as_str()) {
            table.push((&row.regime, vec![String::new(); wanted.len()]));
        }
        if let Some(last) = table.last_mut() {
            last.1[col] = mean_cell(row.mean, row.ci95_low, row.ci95_high).unwrap_or_default();
        }
    }
    let used: Vec<usize> = (0..wanted.len()).filter(|&c| table.iter().any(|t| !t.1[c].is_empty())).collect();
    if table.is_empty() || used.is_empty() {
        return Ok(());
    }
    let w0 = table.iter().map(|t| t.0.len()).max().unwrap_or(6).max(6);
    let mut line = format!("{:<w0$}", "regime");
    for &c in &used {
        line.push_str(&format!("  {:>17}", wanted[c]));
    }
    println!("{line}");
    for (regime, cells) in &table {
        let mut line = format!("{regime:<w0$}");
        for &c in &used {
            line.push_str(&format!("  {:>17}", cells[c]));
        }
        println!("{line}");
    }
    println!("(means over replicates after warm-up, ± half the 95% interval)");
    Ok(())
}

/// Prints the headline rows ([`agora::metrics::headline`]) of the `comparison.csv` of
/// `agora compare` at `path`.
pub fn print_comparison(path: &Path) -> Result<()> {
    let rows = agora::output::tables::read_scenario_comparison(path)?;
    let wanted = agora::metrics::headline();
    println!(
        "{:<24} {:<16} {:>10} {:>10} {:>22} {:>8}",
        "regime", "metric", "first", "second", "difference (95% CI)", "p"
    );
    let f = |x: f64| if x.is_finite() { format!("{x:.3}") } else { String::new() };
    for r in rows.iter().filter(|r| wanted.contains(&r.metric.as_str())) {
        println!(
            "{:<24} {:<16} {:>10} {:>10} {:>7} [{}, {}] {:>8}",
            r.regime,
            r.metric,
            f(r.first_mean),
            f(r.second_mean),
            f(r.mean_diff),
            f(r.ci95_low),
            f(r.ci95_high),
            f(r.p_value)
        );
    }
    Ok(())
}

/// Prints one metric of the finished sweep in `dir` from its `sweep.csv`, points down and
/// regime entries across: the sweep's first headline metric ([`agora::catalog::find`]), or
/// its first metric if it has no headline one.
pub fn print_sweep_headline(dir: &Path) -> Result<()> {
    let data = SweepData::load(dir)?;
    let has_rows = |m: &str| data.rows.iter().any(|r| r.metric == m);
    let swept: Vec<&str> = data.design.metrics.iter().map(|m| m.name.as_str()).filter(|m| has_rows(m)).collect();
    let headline = |m: &&str| agora::catalog::find(m).is_some_and(|d| d.headline);
    let Some(metric) = swept.iter().copied().find(headline).or(swept.first().copied()) else {
        return Ok(());
    };
    let regimes: Vec<&str> = data
        .design
        .entries
        .iter()
        .map(String::as_str)
        .filter(|e| data.rows.iter().any(|r| r.metric == metric && r.regime == *e))
        .collect();
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    for (point, values) in data.points() {
        if !data.rows.iter().any(|r| r.point == point && r.metric == metric) {
            continue;
        }
        let cells = regimes
            .iter()
            .map(|e| match data.row(point, e, metric) {
                Some(r) => mean_cell(r.mean, r.ci95_low, r.ci95_high).unwrap_or_else(|| "failed".into()),
                None => String::new(),
            })
            .collect();
        rows.push((values.join(", "), cells));
    }
    let params = data.design.parameters.join(", ");
    let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(params.len()).min(40);
    let mut line = format!("{params:<w0$}");
    for r in &regimes {
        line.push_str(&format!("  {r:>15}"));
    }
    println!("{metric}:\n{line}");
    for (point, cells) in rows.iter().take(25) {
        let mut line = format!("{point:<w0$}");
        for c in cells {
            line.push_str(&format!("  {c:>15}"));
        }
        println!("{line}");
    }
    if rows.len() > 25 {
        println!("... {} more points in sweep.csv", rows.len() - 25);
    }
    println!("(means over replicates after warm-up, ± half the 95% interval)");
    Ok(())
}

/// Bytes as kB, MB or GB.
pub fn bytes(b: u64) -> String {
    let b = b as f64;
    if b < 1e3 {
        format!("{b:.0} B")
    } else if b < 1e6 {
        format!("{:.0} kB", b / 1e3)
    } else if b < 1e9 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.2} GB", b / 1e9)
    }
}

/// Seconds as s, min or h.
pub fn duration(s: f64) -> String {
    if !s.is_finite() {
        return "?".into();
    }
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 5400.0 {
        // Rounded to whole seconds first, so 119.7 s is "2 min 0 s", never "1 min 60 s".
        let whole = s.round() as u64;
        format!("{} min {} s", whole / 60, whole % 60)
    } else {
        let minutes = (s / 60.0).round() as u64;
        format!("{} h {} min", minutes / 60, minutes % 60)
    }
}

/// A count of agent-steps in millions or billions.
pub fn count(n: u64) -> String {
    let x = n as f64;
    if x >= 1e9 {
        format!("{:.2} G", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.1} M", x / 1e6)
    } else {
        format!("{n}")
    }
}

/// Prints a dry run's estimate: runs, agent-steps, memory, output, wall time and calibration.
pub fn print_estimate(e: &estimate::Estimate) {
    let c = &e.calibration;
    println!("  runs: {} ({} already done, {} to run)", e.runs, e.runs_done, e.runs_to_do);
    println!("  agent-steps: {} to simulate", count(e.agent_steps));
    println!("  peak memory: about {} ({} run{} side by side)", bytes(e.peak_memory), e.workers, plural(e.workers));
    let parts: Vec<String> = e.output_parts.iter().map(|(n, b)| format!("{n} {}", bytes(*b))).collect();
    println!("  output: about {} ({})", bytes(e.output_bytes), parts.join(", "));
    println!("  estimated wall time: {} on {} thread{}", duration(e.seconds), e.threads, plural(e.threads));
    println!(
        "  (calibration: {} side-by-side run{} of {} agents x {} world{} for {} steps in {:.2} s: {:.3} s to set up, {:.2} ms per step)",
        c.parallel,
        plural(c.parallel),
        count(c.agents),
        c.worlds,
        plural(c.worlds),
        c.steps,
        c.seconds,
        c.setup_seconds,
        c.step_seconds * 1e3
    );
    if let Some(g) = &c.growth {
        println!(
            "  (the world of {} agents was not built: from samples of {} and {} agents, a step's cost grows as agents^{:.2} and setting up as agents^{:.2}, extrapolated to {} agents)",
            count(c.target_agents),
            count(g.small_agents),
            count(c.agents),
            g.step,
            g.setup,
            count(c.target_agents)
        );
    }
}

/// A plan in a line, as `validate` and `run --dry-run` describe it: "2 regime entries", then
/// `between`, then its agents, steps, replicates and output folder.
pub fn plan_line(plan: &Plan, between: &str) -> String {
    let n = plan.entries.len();
    format!(
        "{n} regime entr{}{between}{} agents x {} steps x {} replicates -> {}",
        if n == 1 { "y" } else { "ies" },
        plan.run.agents,
        plan.run.steps,
        plan.run.replicates,
        plan.output_dir.display()
    )
}

/// The plural ending of a count of things: "" for one, "s" for any other number.
pub fn plural(n: impl TryInto<u64>) -> &'static str {
    match n.try_into() {
        Ok(1) => "",
        _ => "s",
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    /// Each unit carries over: no "60 s" or "60 min".
    #[test]
    fn durations_round_before_they_split() {
        assert_eq!(duration(119.7), "2 min 0 s");
        assert_eq!(duration(95.2), "1 min 35 s");
        assert_eq!(duration(7199.9), "2 h 0 min");
        assert_eq!(duration(5400.0), "1 h 30 min");
        assert_eq!(duration(3.25), "3.2 s");
    }
}
