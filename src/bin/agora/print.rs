//! What the commands print beyond a line or two: the warnings of a plan, progress bars, the
//! headline tables of a run, a comparison and a sweep, and the estimate of a dry run.

use agora::error::{Error, Result};
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

/// A bar on a terminal; nothing when stderr is not a terminal, under CI, or with --quiet.
pub fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    let visible = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !visible {
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
    let visible = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !visible {
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

/// Prints the headline metrics of a finished run from its `summary.csv`.
pub fn print_headline(dir: &Path) -> Result<()> {
    let path = dir.join("summary.csv");
    let mut reader =
        csv::Reader::from_path(&path).map_err(|e| Error::Run(format!("reading `{}`: {e}", path.display())))?;
    // The headline measures, defined the same way in every goods regime; the rest (wealth
    // valued differently per regime, money) stay in summary.csv.
    let wanted = agora::metrics::headline();
    let mut table: Vec<(String, Vec<String>)> = Vec::new();
    for rec in reader.records().flatten() {
        let (regime, metric, mean, lo, hi) = (&rec[0], &rec[1], &rec[2], &rec[4], &rec[5]);
        let Some(col) = wanted.iter().position(|w| *w == metric) else {
            continue;
        };
        if table.last().map(|t| t.0.as_str()) != Some(regime) {
            table.push((regime.to_string(), vec![String::new(); wanted.len()]));
        }
        let cell = match (mean.parse::<f64>(), lo.parse::<f64>(), hi.parse::<f64>()) {
            (Ok(m), Ok(l), Ok(h)) => format!("{m:.3} ±{:.3}", (h - l) / 2.0),
            (Ok(m), _, _) => format!("{m:.3}"),
            _ => String::new(),
        };
        if let Some(last) = table.last_mut() {
            last.1[col] = cell;
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

/// Prints the headline rows of a cross-scenario `comparison.csv`.
pub fn print_comparison(path: &Path) -> Result<()> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| Error::Run(format!("reading `{}`: {e}", path.display())))?;
    let wanted = agora::metrics::headline();
    println!(
        "{:<24} {:<16} {:>10} {:>10} {:>22} {:>8}",
        "regime", "metric", "first", "second", "difference (95% CI)", "p"
    );
    for rec in reader.records().flatten() {
        if !wanted.iter().any(|w| *w == &rec[1]) {
            continue;
        }
        let f = |i: usize| rec[i].parse::<f64>().map(|x| format!("{x:.3}")).unwrap_or_default();
        println!(
            "{:<24} {:<16} {:>10} {:>10} {:>7} [{}, {}] {:>8}",
            &rec[0],
            &rec[1],
            f(4),
            f(5),
            f(6),
            f(7),
            f(8),
            f(10)
        );
    }
    Ok(())
}

/// Prints the first headline metric of `sweep.csv`: points down, regimes across.
pub fn print_sweep_headline(dir: &Path) -> Result<()> {
    let path = dir.join("sweep.csv");
    let mut reader =
        csv::Reader::from_path(&path).map_err(|e| Error::Run(format!("reading `{}`: {e}", path.display())))?;
    let header: Vec<String> = reader.headers().map(|h| h.iter().map(str::to_string).collect()).unwrap_or_default();
    let (Some(ri), Some(mi), Some(mean), Some(lo), Some(hi)) = (
        header.iter().position(|h| h == "regime"),
        header.iter().position(|h| h == "metric"),
        header.iter().position(|h| h == "mean"),
        header.iter().position(|h| h == "ci95_low"),
        header.iter().position(|h| h == "ci95_high"),
    ) else {
        return Ok(());
    };
    let params = &header[2..ri];
    let mut metric: Option<String> = None;
    let mut regimes: Vec<String> = Vec::new();
    let mut rows: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for rec in reader.records().flatten() {
        let m = &rec[mi];
        if metric.get_or_insert_with(|| m.to_string()) != m {
            continue;
        }
        let point = rec.iter().skip(2).take(params.len()).collect::<Vec<_>>().join(", ");
        if rows.last().map(|r| &r.0) != Some(&point) {
            rows.push((point.clone(), Vec::new()));
        }
        let regime = rec[ri].to_string();
        if !regimes.contains(&regime) {
            regimes.push(regime.clone());
        }
        let cell = match (rec[mean].parse::<f64>(), rec[lo].parse::<f64>(), rec[hi].parse::<f64>()) {
            (Ok(m), Ok(l), Ok(h)) => format!("{m:.3} ±{:.3}", (h - l) / 2.0),
            (Ok(m), _, _) => format!("{m:.3}"),
            _ => "failed".into(),
        };
        if let Some(last) = rows.last_mut() {
            last.1.push((regime, cell));
        }
    }
    let Some(metric) = metric else { return Ok(()) };
    let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(params.join(", ").len()).min(40);
    let mut line = format!("{:<w0$}", params.join(", "));
    for r in &regimes {
        line.push_str(&format!("  {:>15}", r));
    }
    println!("{metric}:\n{line}");
    for (point, cells) in rows.iter().take(25) {
        let mut line = format!("{point:<w0$}");
        for r in &regimes {
            let c = cells.iter().find(|c| &c.0 == r).map(|c| c.1.as_str()).unwrap_or("");
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
        format!("{:.0} min {:.0} s", (s / 60.0).floor(), s % 60.0)
    } else {
        format!("{:.0} h {:.0} min", (s / 3600.0).floor(), (s % 3600.0) / 60.0)
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
    println!(
        "  peak memory: about {} ({} run{} side by side)",
        bytes(e.peak_memory),
        e.workers,
        if e.workers == 1 { "" } else { "s" }
    );
    let parts: Vec<String> = e.output_parts.iter().map(|(n, b)| format!("{n} {}", bytes(*b))).collect();
    println!("  output: about {} ({})", bytes(e.output_bytes), parts.join(", "));
    println!(
        "  estimated wall time: {} on {} thread{}",
        duration(e.seconds),
        e.threads,
        if e.threads == 1 { "" } else { "s" }
    );
    println!(
        "  (calibration: {} side-by-side run{} of {} agents x {} world{} for {} steps in {:.2} s: {:.3} s to set up, {:.2} ms per step)",
        c.parallel,
        if c.parallel == 1 { "" } else { "s" },
        c.agents,
        c.worlds,
        if c.worlds == 1 { "" } else { "s" },
        c.steps,
        c.seconds,
        c.setup_seconds,
        c.step_seconds * 1e3
    );
}
