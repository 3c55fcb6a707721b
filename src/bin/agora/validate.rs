//! `agora validate`: a scenario (or a sweep, every point of it) checked, and with `--print`
//! printed resolved.

use crate::args::ValidateArgs;
use crate::print::{plan_line, plural, warn, warn_sweep};
use agora::error::Result;
use agora::plan;
use agora::sweep::{Sweep, SweepOptions};

/// Checks the scenario (each point of its sweep, if it has one) and the resources it would
/// need; with `--print` prints it resolved on stdout; unless `quiet`, a line on what it is on
/// stderr.
pub fn validate(args: &ValidateArgs, quiet: bool) -> Result<()> {
    let (scenario, overrides) = (&args.scenario, &args.overrides);
    if agora::sweep::has_sweep(scenario) {
        let s = Sweep::load(scenario, &overrides.overrides())?;
        warn_sweep(&s, quiet);
        let run = overrides.options();
        let threads = agora::thread_count(&s.base, &run);
        let options = SweepOptions {
            threads: run.threads,
            max_memory: run.max_memory,
            max_disk: run.max_disk,
            ..Default::default()
        };
        agora::sweep::guard_resources(&s, &options, threads)?;
        if args.print {
            print!("{}", s.resolved_toml);
        }
        if quiet {
            return Ok(());
        }
        eprintln!(
            "{}: valid sweep; {} design, {} point{} ({} position{}) x {} replicates, every point checked -> {}",
            scenario.display(),
            s.config.design.name(),
            s.points.len(),
            plural(s.points.len()),
            s.positions.len(),
            plural(s.positions.len()),
            s.base.run.replicates,
            s.out.display()
        );
        return Ok(());
    }
    let s = plan::load(scenario, &overrides.overrides())?;
    warn(&s, quiet);
    agora::guard_resources(&s, &overrides.options())?;
    if args.print {
        print!("{}", s.resolved_toml);
    }
    if quiet {
        return Ok(());
    }
    eprintln!("{}: valid; {}", scenario.display(), plan_line(&s, ", "));
    Ok(())
}
