//! `agora run`: one scenario into its output folder, or with `--dry-run` what that would cost.

use crate::args::{OverrideArgs, RunArgs};
use crate::print::{plan_line, plural, print_estimate, print_headline, progress_bar, warn};
use agora::error::Result;
use agora::plan::{self, Plan};
use agora::sweep::estimate;
use agora::RunOptions;
use std::path::Path;

/// Runs the scenario (or with `--dry-run` estimates it).
pub fn run(args: &RunArgs, quiet: bool) -> Result<()> {
    if args.dry_run {
        dry_run_scenario(&args.scenario, &args.overrides, quiet)
    } else {
        run_scenario(&args.scenario, &args.overrides, quiet)
    }
}

/// Runs the scenario into its folder with a progress bar, then prints its headline table.
fn run_scenario(path: &Path, args: &OverrideArgs, quiet: bool) -> Result<()> {
    let mut scenario: Plan = plan::load(path, &args.overrides())?;
    warn(&scenario, quiet);
    if agora::sweep::has_sweep(path) {
        // The sweep owns output/<name>; the scenario without it goes beside.
        if args.out.is_none() {
            let name = scenario.output_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            scenario.output_dir.set_file_name(format!("{name}_base"));
        }
        if !quiet {
            eprintln!(
                "warning: {} has a [sweep] table; `agora run` runs the scenario without it, into {} (`agora sweep` runs its points)",
                path.display(),
                scenario.output_dir.display()
            );
        }
    }
    let options = args.options();
    let total = scenario.worlds() * scenario.run.replicates * scenario.run.steps;
    let bar = progress_bar(total, quiet);
    let tick = |n: u64| bar.inc(n);
    let report = agora::run_to_folder(&scenario, &options, &tick)?;
    bar.finish_and_clear();
    if !quiet {
        println!(
            "wrote {} ({} agent-steps in {:.2} s on {} thread{}: {:.1} M agent-steps/s)",
            report.dir.display(),
            report.agent_steps,
            report.simulate_seconds,
            report.threads,
            plural(report.threads),
            report.agent_steps as f64 / report.simulate_seconds.max(1e-9) / 1e6
        );
        print_headline(&report.dir)?;
    }
    Ok(())
}

/// Prints what running the scenario would cost, from a short calibration run.
fn dry_run_scenario(path: &Path, args: &OverrideArgs, quiet: bool) -> Result<()> {
    let plan = plan::load(path, &args.overrides())?;
    warn(&plan, quiet);
    let options = RunOptions {
        threads: args.threads,
        max_memory: args.max_memory,
        max_disk: args.max_disk,
        ..Default::default()
    };
    let threads = agora::thread_count(&plan, &options);
    let e = estimate::run(&plan, threads)?;
    println!("dry run of {}: {}", plan.name, plan_line(&plan, " x "));
    print_estimate(&e);
    // What `agora run` would refuse, a dry run refuses too (after saying what it would cost).
    agora::guard_resources(&plan, &options)?;
    println!("nothing was run or written; drop --dry-run to run it");
    Ok(())
}
