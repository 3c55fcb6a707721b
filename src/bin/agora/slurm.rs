//! `agora slurm`: job arrays that run a sweep in shards on a Slurm cluster, and a merge job.

use crate::args::SlurmArgs;
use crate::print::{duration, plural, warn_sweep};
use agora::error::{Error, InputError, Result};
use agora::sweep::{estimate, slurm as jobs, Sweep};
use std::path::{Path, PathBuf};

/// `p` made absolute against the current folder (the job scripts run elsewhere).
fn absolute(p: &Path) -> Result<PathBuf> {
    if p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    let cwd = std::env::current_dir().map_err(|e| Error::io("finding the current folder", e))?;
    Ok(cwd.join(p))
}

/// The scenario as the job scripts name it: the file read, made absolute, or a bundled
/// scenario's `<bundled>/NAME.toml`, which the tasks' agora (this binary) reads the same way.
fn job_scenario(s: &Sweep, given: &Path) -> Result<PathBuf> {
    let read = s.base.path.clone().unwrap_or_else(|| given.to_path_buf());
    if read.starts_with(agora::library::BUNDLED_DIR) && !read.exists() {
        return Ok(read);
    }
    std::fs::canonicalize(&read).map_err(|e| Error::io(format!("finding `{}`", read.display()), e))
}

/// Writes the job scripts (after a calibration run that sizes the tasks) and, with
/// `--submit`, submits them.
pub fn slurm(job: &SlurmArgs, quiet: bool) -> Result<()> {
    let (path, args) = (job.scenario.as_path(), &job.overrides);
    if args.threads.is_some() {
        return Err(InputError::at("--threads", "sets nothing here: every task runs --cpus threads").into());
    }
    let mut overrides = args.overrides();
    if let Some(out) = &overrides.out {
        overrides.out = Some(absolute(out)?);
    }
    let s = Sweep::load(path, &overrides)?;
    warn_sweep(&s, quiet);
    if s.config.design.stop().is_some() {
        return Err(InputError::at("sweep.stop", "a sweep with a stop rule cannot be split into shards")
            .help("the stop rule needs every point's result in one place; run it with `agora sweep`, or remove `stop`")
            .into());
    }
    let e = estimate::sweep(&s, job.cpus as usize, None)?;
    let c = &e.calibration;
    let run_seconds = c.setup_seconds + c.step_seconds * s.base.run.steps as f64;
    let mut extra = Vec::new();
    for (flag, v) in [
        ("--seed", args.seed),
        ("--replicates", args.replicates),
        ("--steps", args.steps),
        ("--agents", args.agents),
        ("--warmup", args.warmup),
        ("--max-memory", args.max_memory),
        ("--max-disk", args.max_disk),
    ] {
        if let Some(v) = v {
            extra.push(flag.to_string());
            extra.push(v.to_string());
        }
    }
    s.prepare()?;
    let out = absolute(&s.out)?;
    let opts = jobs::SlurmOptions {
        shards: job.shards,
        partition: job.partition.clone(),
        time: job.time.clone(),
        cpus: job.cpus,
        mem: job.mem.clone(),
        max_array_size: job.max_array_size,
        min_task_seconds: job.min_task_seconds,
        agora: std::env::current_exe().map_err(|e| Error::io("finding the agora binary", e))?,
        scenario: job_scenario(&s, path)?,
        out: out.clone(),
        workdir: std::env::current_dir().map_err(|e| Error::io("finding the current folder", e))?,
        extra,
        name: s.base.name.clone(),
    };
    let plan = jobs::plan_jobs(&opts, s.points.len(), e.seconds, run_seconds)?;
    let scripts = jobs::write_scripts(&opts, &plan)?;
    if !quiet {
        println!(
            "sweep {}: {} points x {} replicates = {} runs, about {} of work on {} CPU{} per task",
            s.base.name,
            s.points.len(),
            s.base.run.replicates,
            s.runs(),
            duration(e.seconds),
            job.cpus,
            plural(job.cpus)
        );
        if plan.packed {
            println!(
                "packed into {} task{} (not {}): each has about {} of work (--min-task-seconds {})",
                plan.tasks,
                plural(plan.tasks),
                job.shards,
                duration(plan.task_seconds),
                job.min_task_seconds
            );
        } else {
            println!("{} tasks of about {} each", plan.tasks, duration(plan.task_seconds));
        }
        println!(
            "{} array{} (MaxArraySize {} from {}), then a merge job after all of them (afterok)",
            plan.arrays.len(),
            plural(plan.arrays.len()),
            plan.max_array_size.0,
            plan.max_array_size.1
        );
        if let Some(b) = plan.stop_after {
            println!(
                "each task starts no new run after {} (from --time), so it ends cleanly; resubmit to finish",
                duration(b)
            );
        }
        for p in &scripts {
            println!("wrote {}", p.display());
        }
    }
    if job.submit {
        let ids = jobs::submit(&opts, &plan)?;
        println!(
            "submitted array job{} {} and merge job {}",
            plural(ids.arrays.len()),
            ids.arrays.join(" "),
            ids.merge
        );
    } else if !quiet {
        println!("submit with {} (or run again with --submit)", jobs::slurm_dir(&out).join("submit.sh").display());
    }
    Ok(())
}
