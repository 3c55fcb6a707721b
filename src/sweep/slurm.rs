//! Slurm job arrays for a sweep (`agora slurm`): one array task per shard, each running
//! `agora sweep --shard K/N` into the shared sweep folder, and a merge job that runs once
//! every task has ended well (`--dependency=afterok`).
//!
//! Two cluster limits shape the arrays. Slurm refuses arrays longer than its `MaxArraySize`
//! (1001 by default: indices 0 to 1000), so longer ones are split into several arrays whose
//! tasks add an offset (`AGORA_SHARD_OFFSET`) to `SLURM_ARRAY_TASK_ID`. And a task has a cost
//! of its own (queueing, starting, loading the scenario), so short points are packed: the
//! number of tasks is cut until each has at least `--min-task-seconds` of estimated work.

use crate::error::{Error, InputError, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What `agora slurm` was asked for.
#[derive(Debug, Clone)]
pub struct SlurmOptions {
    /// Shards asked for (tasks, before packing).
    pub shards: u64,
    /// `--partition`.
    pub partition: Option<String>,
    /// `--time` (Slurm's format: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`).
    pub time: Option<String>,
    /// `--cpus-per-task`; each task runs with that many threads.
    pub cpus: u64,
    /// `--mem` (Slurm's format, such as `2G`).
    pub mem: Option<String>,
    /// The cluster's `MaxArraySize`; `None`: ask `scontrol`, else 1001.
    pub max_array_size: Option<u64>,
    /// Least estimated work per task, in seconds, before tasks are merged.
    pub min_task_seconds: f64,
    /// The `agora` binary the tasks run.
    pub agora: PathBuf,
    /// The scenario file (absolute).
    pub scenario: PathBuf,
    /// The sweep folder (absolute).
    pub out: PathBuf,
    /// The folder jobs start in.
    pub workdir: PathBuf,
    /// Flags passed on to every `agora sweep` (overrides such as `--replicates`).
    pub extra: Vec<String>,
    /// The scenario name, for job names.
    pub name: String,
}

/// The arrays and tasks decided on.
#[derive(Debug, Clone, PartialEq)]
pub struct JobPlan {
    /// Tasks (shards) in all.
    pub tasks: u64,
    /// Each array's first shard and its number of tasks.
    pub arrays: Vec<(u64, u64)>,
    /// The `MaxArraySize` used, and where it came from.
    pub max_array_size: (u64, &'static str),
    /// Estimated seconds of work per task.
    pub task_seconds: f64,
    /// Whether tasks were packed below the shards asked for.
    pub packed: bool,
    /// The time budget given to each task (`--stop-after`), from `--time`.
    pub stop_after: Option<f64>,
}

/// Seconds of a Slurm time limit.
pub fn parse_time(s: &str) -> Option<f64> {
    let s = s.trim();
    let (days, rest) = match s.split_once('-') {
        Some((d, r)) => (d.parse::<f64>().ok()?, r),
        None => (0.0, s),
    };
    let parts: Vec<f64> = rest.split(':').map(|p| p.parse::<f64>().ok()).collect::<Option<_>>()?;
    let secs = match (s.contains('-'), parts.as_slice()) {
        (false, [m]) => m * 60.0,
        (false, [m, sec]) => m * 60.0 + sec,
        (_, [h, m, sec]) => h * 3600.0 + m * 60.0 + sec,
        (true, [h]) => h * 3600.0,
        (true, [h, m]) => h * 3600.0 + m * 60.0,
        _ => return None,
    };
    let total = days * 86_400.0 + secs;
    (total > 0.0).then_some(total)
}

/// The cluster's `MaxArraySize` from `scontrol show config`, if it answers.
pub fn cluster_max_array_size() -> Option<u64> {
    let out = Command::new("scontrol").args(["show", "config"]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.trim_start().starts_with("MaxArraySize"))
        .and_then(|l| l.split('=').nth(1))
        .and_then(|v| v.trim().parse().ok())
}

/// Decides tasks and arrays for `points` distinct points whose runs take `total_seconds` in
/// all on one task's threads (from the dry-run estimate) and `run_seconds` for the longest.
pub fn plan_jobs(opts: &SlurmOptions, points: usize, total_seconds: f64, run_seconds: f64) -> Result<JobPlan> {
    if opts.shards == 0 {
        return Err(InputError::at("--shards", "must be at least 1").into());
    }
    let (max, source) = match opts.max_array_size {
        Some(m) => (m, "--max-array-size"),
        None => match cluster_max_array_size() {
            Some(m) => (m, "scontrol show config"),
            None => (1001, "Slurm's default"),
        },
    };
    if max == 0 {
        return Err(InputError::at("--max-array-size", "must be at least 1").into());
    }
    let mut tasks = opts.shards.min(points.max(1) as u64);
    if opts.min_task_seconds > 0.0 {
        let by_work = (total_seconds / opts.min_task_seconds).floor().max(1.0) as u64;
        tasks = tasks.min(by_work);
    }
    let packed = tasks < opts.shards;
    let mut arrays = Vec::new();
    let mut first = 0;
    while first < tasks {
        let len = (tasks - first).min(max);
        arrays.push((first, len));
        first += len;
    }
    let stop_after = match &opts.time {
        Some(t) => {
            let secs = parse_time(t).ok_or_else(|| {
                InputError::at("--time", format!("`{t}` is not a Slurm time"))
                    .help("minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS")
            })?;
            // Leave room for the run in progress to end and the results to be written.
            let margin = (0.1 * secs).max(60.0).max(2.0 * run_seconds);
            (secs > margin).then_some(secs - margin)
        }
        None => None,
    };
    Ok(JobPlan {
        tasks,
        arrays,
        max_array_size: (max, source),
        task_seconds: total_seconds / tasks as f64,
        packed,
        stop_after,
    })
}

/// A word quoted for bash.
fn quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-=:+,@%".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn path_text(p: &Path) -> String {
    quote(&p.display().to_string())
}

/// The folder of the scripts and logs: `<out>/slurm`.
pub fn slurm_dir(out: &Path) -> PathBuf {
    out.join("slurm")
}

/// Writes `sweep.sbatch` (the array task), `merge.sbatch` and `submit.sh` (the `sbatch`
/// commands `--submit` runs) into `<out>/slurm/`, and makes `logs/`. Returns the paths.
pub fn write_scripts(opts: &SlurmOptions, plan: &JobPlan) -> Result<Vec<PathBuf>> {
    let dir = slurm_dir(&opts.out);
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| Error::io(format!("creating `{}`", logs.display()), e))?;
    let head = |job: &str, output: &str| -> String {
        let mut s = String::from("#!/bin/bash\n");
        s.push_str(&format!("#SBATCH --job-name={}\n", quote(&format!("agora-{}{job}", opts.name))));
        s.push_str(&format!("#SBATCH --cpus-per-task={}\n", opts.cpus));
        if let Some(p) = &opts.partition {
            s.push_str(&format!("#SBATCH --partition={}\n", quote(p)));
        }
        if let Some(t) = &opts.time {
            s.push_str(&format!("#SBATCH --time={}\n", quote(t)));
        }
        if let Some(m) = &opts.mem {
            s.push_str(&format!("#SBATCH --mem={}\n", quote(m)));
        }
        s.push_str(&format!("#SBATCH --output={}\n", path_text(&logs.join(output))));
        s.push_str(&format!("#SBATCH --chdir={}\n", path_text(&opts.workdir)));
        s
    };
    let first_len = plan.arrays.first().map_or(1, |a| a.1);
    let mut task = head("", "%A_%a.out");
    task.push_str(&format!("#SBATCH --array=0-{}\n", first_len.saturating_sub(1)));
    task.push_str(&format!(
        "# Written by `agora slurm`: task K of this array runs shard K + AGORA_SHARD_OFFSET of {}\n\
         # of the sweep in {}, into {}. `submit.sh` submits every array and the merge job.\n\
         set -euo pipefail\n\
         shard=$(( SLURM_ARRAY_TASK_ID + ${{AGORA_SHARD_OFFSET:-0}} ))\n",
        plan.tasks,
        opts.scenario.display(),
        opts.out.display()
    ));
    let mut cmd = vec![
        path_text(&opts.agora),
        "sweep".into(),
        path_text(&opts.scenario),
        "--out".into(),
        path_text(&opts.out),
        "--shard".into(),
        format!("\"$shard/{}\"", plan.tasks),
        "--threads".into(),
        "\"${SLURM_CPUS_PER_TASK:-1}\"".into(),
        "--quiet".into(),
    ];
    if let Some(s) = plan.stop_after {
        cmd.push("--stop-after".into());
        cmd.push(format!("{}", s.floor()));
    }
    cmd.extend(opts.extra.iter().map(|a| quote(a)));
    task.push_str(&format!("exec {}\n", cmd.join(" ")));
    let mut merge = head("-merge", "merge_%j.out");
    merge.push_str(&format!(
        "# Written by `agora slurm`: joins the shards' results into sweep.csv once every task has\n\
         # ended well; names any point without results.\n\
         set -euo pipefail\n\
         exec {} merge {} --quiet\n",
        path_text(&opts.agora),
        path_text(&opts.out)
    ));
    let task_path = dir.join("sweep.sbatch");
    let merge_path = dir.join("merge.sbatch");
    let mut submit = String::from(
        "#!/bin/bash\n# Written by `agora slurm`: submits the sweep's arrays, then the merge job after them.\nset -euo pipefail\n",
    );
    let mut ids = Vec::new();
    for (i, (first, len)) in plan.arrays.iter().enumerate() {
        submit.push_str(&format!(
            "a{i}=$(sbatch --parsable --array=0-{} --export=ALL,AGORA_SHARD_OFFSET={first} {})\na{i}=${{a{i}%%;*}}\n",
            len - 1,
            path_text(&task_path)
        ));
        ids.push(format!("$a{i}"));
    }
    submit.push_str(&format!(
        "m=$(sbatch --parsable --dependency=afterok:{} {})\nm=${{m%%;*}}\n",
        ids.join(":"),
        path_text(&merge_path)
    ));
    let listed: Vec<String> = (0..plan.arrays.len()).map(|i| format!("array $a{i}")).collect();
    submit.push_str(&format!(
        "printf '%s\\n' {} \"merge $m\" > {}\necho \"submitted {}, merge job $m\"\n",
        listed.iter().map(|l| format!("\"{l}\"")).collect::<Vec<_>>().join(" "),
        path_text(&dir.join("jobs.txt")),
        ids.iter().map(|i| format!("array {i}")).collect::<Vec<_>>().join(", ")
    ));
    let submit_path = dir.join("submit.sh");
    for (path, text) in [(&task_path, &task), (&merge_path, &merge), (&submit_path, &submit)] {
        super::store::write_file(path, text.as_bytes())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
        }
    }
    Ok(vec![task_path, merge_path, submit_path])
}

/// Job ids of a submission.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    /// Each array's job id.
    pub arrays: Vec<String>,
    /// The merge job's id.
    pub merge: String,
}

fn sbatch(args: &[String]) -> Result<String> {
    let out = Command::new("sbatch").args(args).output().map_err(|e| {
        Error::Run(format!(
            "cannot run sbatch ({e}): is Slurm installed here, and is this a login node? The scripts are written; submit them later with their submit.sh"
        ))
    })?;
    if !out.status.success() {
        return Err(Error::Run(format!(
            "sbatch {} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let id = text.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::Run(format!("sbatch printed no job id: `{}`", text.trim())));
    }
    Ok(id)
}

/// Submits the written scripts with `sbatch`: every array, then the merge job with
/// `--dependency=afterok` on all of them. Writes their ids into `<out>/slurm/jobs.txt`.
pub fn submit(opts: &SlurmOptions, plan: &JobPlan) -> Result<Submitted> {
    let dir = slurm_dir(&opts.out);
    let task = dir.join("sweep.sbatch").display().to_string();
    let mut arrays = Vec::new();
    for (first, len) in &plan.arrays {
        arrays.push(sbatch(&[
            "--parsable".into(),
            format!("--array=0-{}", len - 1),
            format!("--export=ALL,AGORA_SHARD_OFFSET={first}"),
            task.clone(),
        ])?);
    }
    let merge = sbatch(&[
        "--parsable".into(),
        format!("--dependency=afterok:{}", arrays.join(":")),
        dir.join("merge.sbatch").display().to_string(),
    ])?;
    let mut jobs: String = arrays.iter().map(|a| format!("array {a}\n")).collect();
    jobs.push_str(&format!("merge {merge}\n"));
    super::store::write_file(&dir.join("jobs.txt"), jobs.as_bytes())?;
    Ok(Submitted { arrays, merge })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(shards: u64) -> SlurmOptions {
        SlurmOptions {
            shards,
            partition: Some("debug".into()),
            time: Some("1:00:00".into()),
            cpus: 2,
            mem: None,
            max_array_size: Some(1001),
            min_task_seconds: 0.0,
            agora: "/opt/agora".into(),
            scenario: "/home/me/s.toml".into(),
            out: "/scratch/s out".into(),
            workdir: "/home/me".into(),
            extra: vec!["--replicates".into(), "5".into()],
            name: "s".into(),
        }
    }

    #[test]
    fn slurm_times_read_in_every_format() {
        assert_eq!(parse_time("30"), Some(1800.0));
        assert_eq!(parse_time("30:15"), Some(1815.0));
        assert_eq!(parse_time("2:00:00"), Some(7200.0));
        assert_eq!(parse_time("1-2"), Some(93_600.0));
        assert_eq!(parse_time("1-0:30"), Some(88_200.0));
        assert_eq!(parse_time("1-0:0:10"), Some(86_410.0));
        assert_eq!(parse_time("soon"), None);
    }

    #[test]
    fn long_arrays_are_split_and_short_points_packed() {
        let mut o = opts(2500);
        let p = plan_jobs(&o, 10_000, 1e6, 10.0).unwrap();
        assert_eq!(p.arrays, vec![(0, 1001), (1001, 1001), (2002, 498)]);
        assert!(!p.packed);
        assert_eq!(p.stop_after, Some(3600.0 - 360.0));
        o.min_task_seconds = 300.0;
        let p = plan_jobs(&o, 10_000, 3000.0, 1.0).unwrap();
        assert_eq!((p.tasks, p.packed), (10, true));
        assert_eq!(plan_jobs(&opts(50), 7, 1.0, 1.0).unwrap().tasks, 7, "never more tasks than points");
    }

    #[test]
    fn scripts_run_each_shard_with_the_task_cpus_and_merge_after_all() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = opts(5);
        o.out = dir.path().join("a b");
        o.max_array_size = Some(2);
        let p = plan_jobs(&o, 100, 100.0, 1.0).unwrap();
        write_scripts(&o, &p).unwrap();
        let task = std::fs::read_to_string(slurm_dir(&o.out).join("sweep.sbatch")).unwrap();
        assert!(task.contains("#SBATCH --array=0-1\n"), "{task}");
        assert!(task.contains("--threads \"${SLURM_CPUS_PER_TASK:-1}\""), "{task}");
        assert!(task.contains("--shard \"$shard/5\""), "{task}");
        assert!(task.contains("#SBATCH --cpus-per-task=2") && task.contains("#SBATCH --partition=debug"));
        assert!(task.contains("'") && task.contains("--replicates 5"), "paths with spaces are quoted: {task}");
        let submit = std::fs::read_to_string(slurm_dir(&o.out).join("submit.sh")).unwrap();
        assert_eq!(submit.matches("sbatch --parsable --array").count(), 3, "{submit}");
        assert!(
            submit.contains("AGORA_SHARD_OFFSET=4") && submit.contains("--dependency=afterok:$a0:$a1:$a2"),
            "{submit}"
        );
    }
}
