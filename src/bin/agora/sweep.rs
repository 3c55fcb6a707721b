//! `agora sweep`: every point of a scenario's `[sweep]`, resumable and in shards.

use crate::args::SweepArgs;
use crate::print::{plural, print_estimate, print_sweep_headline, sweep_bar, sweep_progress, warn_sweep};
use agora::error::Result;
use agora::sweep::{estimate, Sweep, SweepOptions};
use agora::RunOptions;

/// Runs the sweep's missing runs (or with `--dry-run` estimates them), then prints what was
/// done and, once every point is, the first headline metric over the points.
pub fn sweep(a: &SweepArgs, quiet: bool) -> Result<()> {
    let (path, args, dry_run) = (a.scenario.as_path(), &a.overrides, a.dry_run);
    let (shard, stop_after) = (a.shard.map(|s| (s.k, s.n)), a.stop_after);
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
            plural(s.info.parameters.len()),
            e.points,
            plural(e.points),
            shard.map(|(k, n)| format!(" in shard {k}/{n}")).unwrap_or_default(),
            s.positions.len(),
            plural(s.positions.len()),
            s.base.run.replicates,
            s.out.display()
        );
        print_estimate(&e);
        // What the sweep would refuse, its dry run refuses too (after saying what it would cost).
        let options = SweepOptions {
            threads: args.threads,
            max_memory: args.max_memory,
            max_disk: args.max_disk,
            ..Default::default()
        };
        agora::sweep::guard_resources(&s, &options, threads)?;
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
            plural(report.failed),
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
        plural(report.points),
        s.base.run.replicates,
        report.runs,
        report.ran,
        report.reused,
        if report.skipped > 0 { format!(", {} left out by the stop rule", report.skipped) } else { String::new() },
        report.wall_seconds,
        report.threads,
        plural(report.threads),
        report.points_finished as f64 / minutes.max(1e-9),
        report.agent_steps as f64 / report.wall_seconds.max(1e-9) / 1e6
    );
    if report.budget_stop {
        println!("stopped by the time budget before every point was done; run the same command again to continue (sweep.partial.csv has the points done so far)");
    } else if report.shard.is_some() {
        println!("shard done; join the shards with `agora merge {}`", report.dir.display());
    } else if let Some(f) = &report.finished {
        let charts = f.files.iter().filter(|p| p.parent().is_some_and(|d| d.ends_with("plots"))).count();
        println!(
            "wrote sweep.csv{}{}, {charts} chart file{}{}",
            if report.dir.join("sensitivity.csv").is_file() { ", sensitivity.csv" } else { "" },
            if f.failed > 0 { ", failures.csv" } else { "" },
            plural(charts),
            if report.dir.join("sweep.html").is_file() { " and sweep.html" } else { "" }
        );
        if f.stopped > 0 {
            println!("the stop rule left out {} point{}", f.stopped, plural(f.stopped));
        }
        print_sweep_headline(&report.dir)?;
    }
    Ok(())
}
