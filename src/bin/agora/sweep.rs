//! `agora sweep`: every point of a scenario's `[sweep]`, resumable and in shards.

use crate::args::SweepArgs;
use crate::print::{print_estimate, print_sweep_headline, sweep_bar, sweep_progress, warn_sweep};
use agora::error::{InputError, Result};
use agora::sweep::{estimate, Sweep, SweepOptions};
use agora::RunOptions;

fn parse_shard(text: &str) -> Result<(u64, u64)> {
    let bad = || {
        InputError::at("--shard", format!("`{text}` is not K/N")).help("for example --shard 0/4 (K from 0 to N - 1)")
    };
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if n == 0 || k >= n {
        return Err(bad().into());
    }
    Ok((k, n))
}

fn parse_budget(text: &str) -> Result<f64> {
    agora::scenario::sweep::parse_duration(&toml::Value::String(text.to_string())).ok_or_else(|| {
        InputError::at("--stop-after", format!("`{text}` is not a duration"))
            .help("seconds, or text such as 90s, 30m, 2h, 1h30m")
            .into()
    })
}

/// Runs the sweep's missing runs (or with `--dry-run` estimates them), then prints what was
/// done and, once every point is, the first headline metric over the points.
pub fn sweep(a: &SweepArgs) -> Result<()> {
    let (path, args, dry_run, quiet) = (a.scenario.as_path(), &a.overrides, a.dry_run, a.quiet);
    let (shard, stop_after) = (a.shard.as_deref(), a.stop_after.as_deref());
    if args.threads.is_some_and(|t| t > 4096) {
        return Err(InputError::at("--threads", "must be at most 4096").into());
    }
    let shard = shard.map(parse_shard).transpose()?;
    let stop_after = stop_after.map(parse_budget).transpose()?;
    let s = Sweep::load(path, &args.overrides())?;
    warn_sweep(&s, quiet);
    let threads = agora::thread_count(&s.base, &RunOptions { threads: args.threads, ..Default::default() });
    if dry_run {
        let e = estimate::sweep(&s, threads, shard)?;
        println!(
            "dry run of sweep {}: {} design over {} parameter{}, {} distinct point{}{} ({} design position{}), {} replicates each -> {}",
            s.base.name,
            s.config.design.name(),
            s.info.parameters.len(),
            if s.info.parameters.len() == 1 { "" } else { "s" },
            e.points,
            if e.points == 1 { "" } else { "s" },
            shard.map(|(k, n)| format!(" in shard {k}/{n}")).unwrap_or_default(),
            s.positions.len(),
            if s.positions.len() == 1 { "" } else { "s" },
            s.base.run.replicates,
            s.out.display()
        );
        print_estimate(&e);
        println!("nothing was run or written; drop --dry-run to run it");
        return Ok(());
    }
    let run = args.options();
    let options = SweepOptions {
        threads: args.threads,
        shard,
        stop_after,
        command_line: run.command_line,
        max_memory: run.max_memory,
        max_disk: run.max_disk,
        stop: run.stop,
    };
    let bar = sweep_bar(quiet);
    let report = agora::sweep::run(&s, &options, &|p| sweep_progress(&bar, p))?;
    bar.finish_and_clear();
    for n in &report.notes {
        eprintln!("note: {n}");
    }
    if report.failed > 0 {
        eprintln!(
            "warning: {} run{} failed; {} recorded in {} and counted in the `failed` column (the next `agora sweep` retries them)",
            report.failed,
            if report.failed == 1 { "" } else { "s" },
            if report.failed == 1 { "it is" } else { "they are" },
            report.dir.join("failures.csv").display()
        );
    }
    if quiet {
        return Ok(());
    }
    let minutes = report.wall_seconds / 60.0;
    println!(
        "{}{}: {} point{} x {} replicates = {} runs ({} run now, {} reused{}) in {:.1} s on {} thread{}: {:.1} points/min, {:.1} M agent-steps/s",
        report.dir.display(),
        report.shard.map(|(k, n)| format!(" (shard {k}/{n})")).unwrap_or_default(),
        report.points,
        if report.points == 1 { "" } else { "s" },
        s.base.run.replicates,
        report.runs,
        report.ran,
        report.reused,
        if report.skipped > 0 { format!(", {} left out by the stop rule", report.skipped) } else { String::new() },
        report.wall_seconds,
        report.threads,
        if report.threads == 1 { "" } else { "s" },
        report.points_finished as f64 / minutes.max(1e-9),
        report.agent_steps as f64 / report.wall_seconds.max(1e-9) / 1e6
    );
    if report.budget_stop {
        println!("stopped by the time budget before every point was done; run the same command again to continue (sweep.partial.csv has the points done so far)");
    } else if report.shard.is_some() {
        println!("shard done; join the shards with `agora merge {}`", report.dir.display());
    } else if let Some(f) = &report.finished {
        println!(
            "wrote sweep.csv{}{}, {} chart file{}{}",
            if report.dir.join("sensitivity.csv").is_file() { ", sensitivity.csv" } else { "" },
            if f.failed > 0 { ", failures.csv" } else { "" },
            f.files.iter().filter(|p| p.parent().is_some_and(|d| d.ends_with("plots"))).count(),
            if f.files.iter().filter(|p| p.parent().is_some_and(|d| d.ends_with("plots"))).count() == 1 {
                ""
            } else {
                "s"
            },
            if report.dir.join("sweep.html").is_file() { " and sweep.html" } else { "" }
        );
        if f.stopped > 0 {
            println!("the stop rule left out {} point{}", f.stopped, if f.stopped == 1 { "" } else { "s" });
        }
        print_sweep_headline(&report.dir)?;
    }
    Ok(())
}
