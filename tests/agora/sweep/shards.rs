//! A sweep split into shards and merged, and as Slurm job arrays.

use super::{deterministic_files, journal_lines, sweep, write, BASE};
use crate::common::agora;
use predicates::prelude::*;
use std::path::PathBuf;

#[test]
fn shards_merge_into_the_single_machine_sweep_and_merge_names_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "s.toml",
        &format!("{BASE}[sweep]\n\"policy.tax.rate\" = {{ from = 0.0, to = 0.5, steps = 6 }}\n"),
    );
    let single = dir.path().join("single");
    sweep(&file, &single, &["-q"]);
    // Three shards in three folders (as on machines without a shared disk).
    let shards: Vec<PathBuf> = (0..3).map(|k| dir.path().join(format!("shard{k}"))).collect();
    let mut ran = 0;
    for (k, d) in shards.iter().enumerate() {
        let (stdout, _) = sweep(&file, d, &["--shard", &format!("{k}/3")]);
        assert!(stdout.contains("shard done"), "{stdout}");
        assert!(!d.join("sweep.csv").exists(), "a shard writes no sweep.csv");
        ran += journal_lines(d, &format!("shard-{k}-of-3.jsonl")).len();
    }
    assert_eq!(ran, 12, "every run in exactly one shard");
    // Two shards only: merge names the points of the third.
    let out =
        agora().arg("merge").arg(&shards[0]).arg(&shards[1]).arg("--out").arg(dir.path().join("m")).assert().code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let missing: Vec<String> = journal_lines(&shards[2], "shard-2-of-3.jsonl")
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["point"].as_str().unwrap().to_string())
        .collect();
    assert!(!missing.is_empty());
    for id in &missing {
        assert!(stderr.contains(id.as_str()), "merge does not name {id}:\n{stderr}");
    }
    assert!(stderr.contains("shard 2/3") && stderr.contains("policy.tax.rate = "), "{stderr}");
    // All three: the single machine's files, byte for byte.
    let merged = dir.path().join("merged");
    agora().arg("merge").args(&shards).arg("--out").arg(&merged).arg("-q").assert().success();
    assert_eq!(deterministic_files(&single), deterministic_files(&merged));
    // Shards sharing one folder (as on a cluster), merged in place.
    let shared = dir.path().join("shared");
    for k in 0..3 {
        sweep(&file, &shared, &["-q", "--shard", &format!("{k}/3"), "--threads", "1"]);
    }
    agora().arg("merge").arg(&shared).arg("-q").assert().success();
    assert_eq!(std::fs::read(single.join("sweep.csv")).unwrap(), std::fs::read(shared.join("sweep.csv")).unwrap());
    // Folders of different sweeps are refused.
    let other = write(dir.path(), "o.toml", &format!("{BASE}[sweep]\n\"policy.tax.rate\" = [0.3]\n"));
    let od = dir.path().join("other");
    sweep(&other, &od, &["-q"]);
    agora().arg("merge").arg(&single).arg(&od).assert().code(2).stderr(predicate::str::contains("different sweeps"));
}

#[test]
fn slurm_writes_arrays_within_the_cluster_limit_and_packs_short_points() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "s.toml",
        &format!("{BASE}[sweep]\n\"policy.tax.rate\" = {{ from = 0.0, to = 0.5, steps = 6 }}\n"),
    );
    let out = dir.path().join("out");
    let a = agora()
        .arg("slurm")
        .arg(&file)
        .args(["--shards", "5", "--max-array-size", "2", "--min-task-seconds", "0", "--cpus", "2", "--time", "10"])
        .arg("--out")
        .arg(&out)
        .args(["--replicates", "3"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(stdout.contains("5 tasks") && stdout.contains("3 arrays"), "{stdout}");
    let task = std::fs::read_to_string(out.join("slurm/sweep.sbatch")).unwrap();
    assert!(task.contains("#SBATCH --array=0-1") && task.contains("#SBATCH --cpus-per-task=2"), "{task}");
    assert!(
        task.contains("--shard \"$shard/5\"") && task.contains("--threads \"${SLURM_CPUS_PER_TASK:-1}\""),
        "{task}"
    );
    assert!(task.contains("--replicates 3") && task.contains("--stop-after 540"), "{task}");
    let submit = std::fs::read_to_string(out.join("slurm/submit.sh")).unwrap();
    assert!(submit.contains("--array=0-1 --export=ALL,AGORA_SHARD_OFFSET=0"), "{submit}");
    assert!(submit.contains("--array=0-0 --export=ALL,AGORA_SHARD_OFFSET=4"), "{submit}");
    assert!(submit.contains("--dependency=afterok:$a0:$a1:$a2"), "{submit}");
    assert!(std::fs::read_to_string(out.join("slurm/merge.sbatch")).unwrap().contains(" merge "));
    assert!(out.join("design.json").is_file() && out.join("slurm/logs").is_dir());
    // Points of milliseconds are packed into one task.
    let a = agora().arg("slurm").arg(&file).args(["--shards", "5"]).arg("--out").arg(&out).assert().success();
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(stdout.contains("packed into 1 task (not 5)"), "{stdout}");
    assert!(std::fs::read_to_string(out.join("slurm/sweep.sbatch")).unwrap().contains("--shard \"$shard/1\""));
}
