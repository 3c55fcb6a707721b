//! Sweeps end to end, on the real binary: designs, stable ids, resume after `kill -9`, torn
//! records, added replicates, shards and merge, sensitivity, thread counts, dry runs, bad
//! points, failed runs and the stop rule.

use crate::common::{agora, col, read_csv, read_tree};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

/// A small two-regime world: a sweep point takes a few milliseconds.
const BASE: &str = r#"
name = "sweep_test"
description = "A small sweep for the tests."
regimes = ["market", "gift"]
baseline = "market"
[run]
agents = 150
steps = 30
replicates = 2
seed = 7
warmup = 10
[output]
plots = ["svg"]
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `agora sweep` on `file` into `out` with extra arguments; returns stdout and stderr.
fn sweep(file: &Path, out: &Path, args: &[&str]) -> (String, String) {
    let a = agora().arg("sweep").arg(file).arg("--out").arg(out).args(args).assert().success();
    let o = a.get_output();
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn journal_lines(out: &Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(out.join("results").join(name)).unwrap_or_default().lines().map(str::to_string).collect()
}

/// `points.csv` as (id, value of the first parameter) per position.
fn points(out: &Path) -> Vec<(String, String)> {
    let (_, rows) = read_csv(&out.join("points.csv"));
    rows.into_iter().map(|r| (r[1].clone(), r.get(4).cloned().unwrap_or_default())).collect()
}

/// Every file of a sweep folder that must not depend on how it was made (all but
/// `sweep.json`, the journals and their locks and status files).
fn deterministic_files(out: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    read_tree(out).into_iter().filter(|(k, _)| !k.starts_with("results") && k != "sweep.json").collect()
}

#[test]
fn a_grid_expands_in_order_and_writes_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{BASE}[sweep]\n\"population.strategies.free_rider\" = {{ from = 0.0, to = 0.4, steps = 3 }}\n\"adapt.imitate\" = [0.0, 0.1]\n"
    );
    let file = write(dir.path(), "grid.toml", &text);
    let out = dir.path().join("out");
    let (stdout, stderr) = sweep(&file, &out, &[]);
    assert!(stderr.is_empty(), "no bar on a pipe, no warning: {stderr}");
    assert!(stdout.contains("6 points x 2 replicates = 12 runs (12 run now, 0 reused)"), "{stdout}");
    assert!(stdout.contains("points/min"), "{stdout}");
    // Grid order: the first parameter (as written) varies slowest.
    let (header, rows) = read_csv(&out.join("points.csv"));
    assert_eq!(header, ["position", "point", "seed", "hash", "population.strategies.free_rider", "adapt.imitate"]);
    let values: Vec<(String, String)> = rows.iter().map(|r| (r[4].clone(), r[5].clone())).collect();
    let expected = [("0.0", "0.0"), ("0.0", "0.1"), ("0.2", "0.0"), ("0.2", "0.1"), ("0.4", "0.0"), ("0.4", "0.1")];
    assert_eq!(values, expected.map(|(a, b)| (a.to_string(), b.to_string())));
    // Common random numbers: every point runs with the scenario's seed.
    assert!(rows.iter().all(|r| r[2] == "7"));
    let (header, rows) = read_csv(&out.join("sweep.csv"));
    assert_eq!(&header[..4], ["point", "seed", "population.strategies.free_rider", "adapt.imitate"]);
    assert_eq!(
        &header[4..],
        [
            "regime",
            "metric",
            "mean",
            "sd",
            "ci95_low",
            "ci95_high",
            "n",
            "diff",
            "diff_ci95_low",
            "diff_ci95_high",
            "diff_p_value",
            "failed"
        ]
    );
    // One row per point, regime and headline metric, in design order; differences only for
    // the non-baseline entry.
    let first = &rows[0];
    assert_eq!((first[4].as_str(), first[5].as_str()), ("market", "needs_met_mean"));
    assert!(first[11].is_empty() && !rows.iter().find(|r| r[4] == "gift").unwrap()[11].is_empty());
    let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let mut order: Vec<&str> = ids.clone();
    order.dedup();
    assert_eq!(order.len(), 6);
    assert_eq!(order, points(&out).iter().map(|p| p.0.as_str()).collect::<Vec<_>>());
    assert!(rows.iter().all(|r| r[10] == "2" && r[15] == "0"), "n = 2 replicates, none failed");
    // A free rider share of 0 and 0.4 really differ in the share the run measured.
    let fr = |share: &str| {
        let (h, rows) = read_csv(&out.join("sweep.csv"));
        rows.iter()
            .find(|r| r[2] == share && r[3] == "0" && r[4] == "market" && r[5] == "needs_met_mean")
            .map(|r| col(&h, r, "mean"))
    };
    assert!(fr("0").is_some() && fr("0.4").is_some());
    for f in ["design.json", "sweep.resolved.toml", "sweep.json", "sweep.html", "results/main.jsonl"] {
        assert!(out.join(f).is_file(), "no {f}");
    }
    assert!(!out.join("sweep.partial.csv").exists() && !out.join("sensitivity.csv").exists());
    assert!(out.join("plots").read_dir().unwrap().count() >= 4, "response charts and heat maps");
    assert!(out.join("plots/heatmap_needs_met_mean.svg").is_file());
    let resolved = std::fs::read_to_string(out.join("sweep.resolved.toml")).unwrap();
    assert!(resolved.contains("[sweep]") && resolved.contains("design = \"grid\""), "{resolved}");
    // The resolved sweep is itself a sweep that gives the same files.
    let again = dir.path().join("again");
    sweep(&out.join("sweep.resolved.toml"), &again, &["-q"]);
    assert_eq!(std::fs::read(out.join("sweep.csv")).unwrap(), std::fs::read(again.join("sweep.csv")).unwrap());
    // `agora plot` redraws the charts and the page byte for byte.
    let before = deterministic_files(&out);
    agora().arg("plot").arg(&out).arg("-q").assert().success();
    assert_eq!(before, deterministic_files(&out));
    // Drawing the page alone (no chart format) leaves the charts where they are.
    let figures = agora::output::sweep::write_figures(&out, &[], true).unwrap();
    assert!(figures.plots.is_empty() && figures.report.is_some());
    assert_eq!(before, deterministic_files(&out));
}

#[test]
fn ids_do_not_move_when_a_value_is_added_and_only_the_new_point_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let small = write(dir.path(), "a.toml", &format!("{BASE}[sweep]\n\"policy.tax.rate\" = [0.0, 0.2]\n"));
    sweep(&small, &out, &["-q"]);
    let before = points(&out);
    let rows_before = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let big = write(dir.path(), "b.toml", &format!("{BASE}[sweep]\n\"policy.tax.rate\" = [0.0, 0.1, 0.2]\n"));
    let (stdout, _) = sweep(&big, &out, &[]);
    assert!(stdout.contains("(2 run now, 4 reused)"), "only the new point's 2 replicates: {stdout}");
    let after = points(&out);
    assert_eq!(after.len(), 3);
    assert_eq!(after[0], before[0]);
    assert_eq!(after[2], before[1], "the id of 0.2 did not change when 0.1 was added");
    // The old points' rows are the same lines as before.
    let rows_after = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    for line in rows_before.lines().skip(1) {
        assert!(rows_after.lines().any(|l| l == line), "row changed: {line}");
    }
    // The id is the library's hash of the point's values.
    let id = agora::sweep::points::point_id(&vec![("policy.tax.rate".to_string(), toml::Value::Float(0.1))]);
    assert_eq!(after[1].0, id);
}

fn kill_scenario(dir: &Path) -> PathBuf {
    let text = BASE.replace("agents = 150", "agents = 400").replace("steps = 30", "steps = 60");
    write(dir, "long.toml", &format!("{text}[sweep]\n\"policy.tax.rate\" = {{ from = 0.0, to = 0.38, steps = 20 }}\n"))
}

/// Starts `agora sweep file --out out` on one thread in the background, its stderr piped.
fn start_sweep(file: &Path, out: &Path) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_agora"))
        .arg("sweep")
        .arg(file)
        .arg("--out")
        .arg(out)
        .args(["--threads", "1", "-q"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the sweep into `out` has journalled `runs` runs; fails if it ends first or
/// makes no progress for a minute.
fn wait_for_runs(child: &mut std::process::Child, out: &Path, runs: usize) {
    let started = std::time::Instant::now();
    loop {
        let n = journal_lines(out, "main.jsonl").len();
        if n >= runs {
            return;
        }
        assert!(child.try_wait().unwrap().is_none(), "the sweep ended before it could be stopped ({n} runs)");
        assert!(started.elapsed().as_secs() < 60, "the sweep made no progress");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[test]
fn a_sweep_killed_mid_run_resumes_to_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = kill_scenario(dir.path());
    let whole = dir.path().join("whole");
    sweep(&file, &whole, &["-q", "--threads", "2"]);
    let total = journal_lines(&whole, "main.jsonl").len();
    assert_eq!(total, 40);
    let cut = dir.path().join("cut");
    let mut child = start_sweep(&file, &cut);
    wait_for_runs(&mut child, &cut, 6);
    // SIGKILL: no chance to clean up.
    child.kill().unwrap();
    child.wait().unwrap();
    let done = journal_lines(&cut, "main.jsonl").len();
    assert!(done < total, "killed mid-sweep: {done} of {total} runs");
    assert!(!cut.join("sweep.csv").exists(), "no sweep.csv from an unfinished sweep");
    assert!(cut.join("results/main.lock").exists(), "the killed sweep left its lock");
    let (stdout, _) = sweep(&file, &cut, &["--threads", "2"]);
    let reused: usize = stdout.split(" reused").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    assert!(reused + 1 >= done && reused >= 5, "the runs done before the kill were kept: {reused} of {done}: {stdout}");
    assert_eq!(deterministic_files(&whole), deterministic_files(&cut), "resumed files differ from uninterrupted ones");
}

#[test]
fn sigint_and_sigterm_stop_a_sweep_cleanly_and_the_next_session_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = kill_scenario(dir.path());
    let whole = dir.path().join("whole");
    sweep(&file, &whole, &["-q", "--threads", "2"]);
    for (sig, code) in [("INT", 130), ("TERM", 143)] {
        let cut = dir.path().join(format!("cut-{sig}"));
        let mut child = start_sweep(&file, &cut);
        wait_for_runs(&mut child, &cut, 3);
        let kill = std::process::Command::new("kill").args(["-s", sig, &child.id().to_string()]).status().unwrap();
        assert!(kill.success());
        let output = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "SIG{sig}: {err}");
        assert!(err.contains("interrupted") && err.contains("Run the same command again"), "{err}");
        // Only whole records: every journal line is a complete record; no tables yet.
        let lines = journal_lines(&cut, "main.jsonl");
        assert!((3..40).contains(&lines.len()), "{} runs kept", lines.len());
        for l in &lines {
            serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("a cut record `{l}`: {e}"));
        }
        let status: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(cut.join("sweep.json")).unwrap()).unwrap();
        assert_eq!(status["complete"], false);
        assert_eq!(status["runs_this_session"].as_u64(), Some(lines.len() as u64));
        assert!(!cut.join("sweep.csv").exists());
        // The next session does only the rest, and ends where an uninterrupted sweep does.
        let (stdout, _) = sweep(&file, &cut, &["--threads", "2"]);
        assert!(stdout.contains(&format!("{} reused", lines.len())), "{stdout}");
        assert_eq!(deterministic_files(&whole), deterministic_files(&cut), "SIG{sig}: resumed files differ");
    }
}

#[test]
fn a_cut_off_last_record_is_repaired_and_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.toml", &format!("{BASE}[sweep]\n\"policy.tax.rate\" = [0.0, 0.1, 0.2]\n"));
    let out = dir.path().join("out");
    sweep(&file, &out, &["-q"]);
    let before = deterministic_files(&out);
    let journal = out.join("results/main.jsonl");
    let full = std::fs::read(&journal).unwrap();
    // A write cut off in the middle of the last record.
    std::fs::write(&journal, &full[..full.len() - 40]).unwrap();
    let (stdout, stderr) = sweep(&file, &out, &[]);
    assert!(stderr.contains("repaired") && stderr.contains("cut off"), "{stderr}");
    assert!(stdout.contains("(1 run now, 5 reused)"), "{stdout}");
    assert_eq!(journal_lines(&out, "main.jsonl").len(), 6);
    assert_eq!(before, deterministic_files(&out));
}

#[test]
fn raising_replicates_runs_only_the_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.toml", &format!("{BASE}[sweep]\n\"policy.tax.rate\" = [0.0, 0.1, 0.2]\n"));
    let out = dir.path().join("out");
    sweep(&file, &out, &["-q", "--replicates", "2"]);
    let old = journal_lines(&out, "main.jsonl");
    let (stdout, _) = sweep(&file, &out, &["--replicates", "3"]);
    assert!(stdout.contains("(3 run now, 6 reused)"), "{stdout}");
    let new = journal_lines(&out, "main.jsonl");
    assert_eq!(&new[..old.len()], &old[..], "earlier records untouched");
    let added: Vec<serde_json::Value> = new[old.len()..].iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(added.len(), 3);
    assert!(added.iter().all(|r| r["replicate"] == 2), "only replicate 2 was run: {added:?}");
    let first_session = serde_json::from_str::<serde_json::Value>(&old[0]).unwrap()["session"].clone();
    assert!(added.iter().all(|r| r["session"] != first_session), "by a later session");
    // The same files as a sweep run with 3 replicates from the start.
    let fresh = dir.path().join("fresh");
    sweep(&file, &fresh, &["-q", "--replicates", "3"]);
    assert_eq!(deterministic_files(&out), deterministic_files(&fresh));
}

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

/// A market-only scenario swept over a parameter the market reads (`population.base_output`)
/// and one only the gift economy reads (`gift.keep`).
fn sensitivity_scenario(dir: &Path, design: &str) -> PathBuf {
    let text = BASE.replace("regimes = [\"market\", \"gift\"]", "regimes = [\"market\"]");
    write(
        dir,
        &format!("{design}.toml"),
        &format!(
            "{text}[sweep]\n{design}\nbootstrap = 200\n\"population.base_output\" = {{ from = 1.5, to = 4.0 }}\n\"gift.keep\" = {{ from = 0.5, to = 3.0 }}\n"
        ),
    )
}

fn index(out: &Path, metric: &str, parameter: &str, which: &str) -> (f64, f64, f64) {
    let (h, rows) = read_csv(&out.join("sensitivity.csv"));
    let r = rows
        .iter()
        .find(|r| r[0] == "market" && r[1] == metric && r[2] == parameter && r[4] == which)
        .unwrap_or_else(|| panic!("no {which} of {parameter} for {metric}"));
    (col(&h, r, "value"), col(&h, r, "ci95_low"), col(&h, r, "ci95_high"))
}

#[test]
fn sobol_indices_find_the_parameter_that_matters_and_zero_for_one_never_read_on_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let file = sensitivity_scenario(dir.path(), "design = \"sobol\"\nn = 16");
    let one = dir.path().join("one");
    let three = dir.path().join("three");
    let (_, stderr) = sweep(&file, &one, &["--threads", "1"]);
    assert!(stderr.contains("the `[gift]` table is ignored"), "a warning that gift.keep acts on nothing: {stderr}");
    sweep(&file, &three, &["--threads", "3", "-q"]);
    assert_eq!(points(&one).len(), 16 * 4, "Saltelli: n (d + 2) positions");
    let (h, _) = read_csv(&one.join("sensitivity.csv"));
    assert_eq!(h, ["regime", "metric", "parameter", "method", "index", "value", "ci95_low", "ci95_high"]);
    let (st, lo, hi) = index(&one, "needs_met_mean", "gift.keep", "sobol_total");
    assert!(
        st.abs() < 1e-12 && lo.abs() < 1e-12 && hi.abs() < 1e-12,
        "gift.keep acts on nothing in a market: {st} [{lo}, {hi}]"
    );
    let (st, lo, _) = index(&one, "needs_met_mean", "population.base_output", "sobol_total");
    assert!(st > 0.5 && lo > 0.2, "base output drives needs met: {st} (low {lo})");
    let (s1, _, _) = index(&one, "needs_met_mean", "population.base_output", "sobol_first");
    assert!(s1 > 0.3, "{s1}");
    // Byte for byte the same on 1 and 3 threads: tables, charts, page.
    assert_eq!(deterministic_files(&one), deterministic_files(&three));
    // The zero comes from common random numbers: with independent streams per point, noise
    // between points lands on gift.keep too.
    let text = std::fs::read_to_string(&file).unwrap().replace("[sweep]\n", "[sweep]\nseeds = \"independent\"\n");
    let indep = write(dir.path(), "indep.toml", &text);
    let out = dir.path().join("indep");
    sweep(&indep, &out, &["-q"]);
    let (_, rows) = read_csv(&out.join("points.csv"));
    let seeds: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    let ids: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    // (Early Sobol' points have equal coordinates, so some positions share a point.)
    assert!(
        seeds.len() == ids.len() && ids.len() > 40,
        "a seed per point: {} seeds, {} points",
        seeds.len(),
        ids.len()
    );
    let (h, rows) = read_csv(&out.join("sweep.csv"));
    assert!(rows.iter().all(|r| rows.iter().filter(|q| q[0] == r[0]).all(|q| q[1] == r[1])), "one seed per point");
    assert!(rows.iter().all(|r| col(&h, r, "seed") != 7.0));
    let (st, _, _) = index(&out, "needs_met_mean", "gift.keep", "sobol_total");
    assert!(st > 1e-6, "independent streams: {st}");
}

#[test]
fn morris_prcc_and_random_designs_rank_the_parameters_too() {
    let dir = tempfile::tempdir().unwrap();
    let morris = sensitivity_scenario(dir.path(), "design = \"morris\"\ntrajectories = 6");
    let out = dir.path().join("morris");
    sweep(&morris, &out, &["-q"]);
    let (mu, _, hi) = index(&out, "needs_met_mean", "gift.keep", "morris_mu_star");
    assert!(mu == 0.0 && hi == 0.0, "{mu} {hi}");
    let (mu, lo, _) = index(&out, "needs_met_mean", "population.base_output", "morris_mu_star");
    assert!(mu > 0.05 && lo > 0.0, "{mu} {lo}");
    let lhs = sensitivity_scenario(dir.path(), "design = \"lhs\"\nn = 24");
    let out = dir.path().join("lhs");
    sweep(&lhs, &out, &["-q"]);
    let (r, _, _) = index(&out, "needs_met_mean", "population.base_output", "prcc");
    assert!(r > 0.8, "{r}");
    let (r, lo, hi) = index(&out, "needs_met_mean", "gift.keep", "prcc");
    assert!(lo < 0.0 && hi > 0.0 && r.abs() < 0.5, "no effect: {r} [{lo}, {hi}]");
    let (_, rows) = read_csv(&out.join("sensitivity.csv"));
    assert!(rows.iter().all(|r| r[3] == "prcc"));
    // Plain random sampling is analysed the same way.
    let random = sensitivity_scenario(dir.path(), "design = \"random\"\nn = 24");
    let out = dir.path().join("random");
    sweep(&random, &out, &["-q"]);
    assert_eq!(points(&out).len(), 24);
    let (r, _, _) = index(&out, "needs_met_mean", "population.base_output", "prcc");
    assert!(r > 0.8, "{r}");
}

#[test]
fn dry_runs_print_the_cost_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.toml", &format!("{BASE}[sweep]\n\"policy.tax.rate\" = [0.0, 0.1, 0.2, 0.3]\n"));
    let out = dir.path().join("out");
    let a = agora().arg("sweep").arg(&file).arg("--out").arg(&out).arg("--dry-run").assert().success();
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    for needle in [
        "4 distinct points",
        "runs: 8 (0 already done, 8 to run)",
        "agent-steps: 72000",
        "peak memory: about",
        "output: about",
        "estimated wall time:",
        "calibration:",
    ] {
        assert!(stdout.contains(needle), "no `{needle}` in:\n{stdout}");
    }
    assert!(!out.exists(), "a dry run writes nothing");
    // After a partial sweep, it counts what is left.
    sweep(&file, &out, &["-q", "--shard", "0/2"]);
    let a = agora().arg("sweep").arg(&file).arg("--out").arg(&out).arg("--dry-run").assert().success();
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    let done = journal_lines(&out, "shard-0-of-2.jsonl").len();
    assert!(stdout.contains(&format!("({done} already done, {} to run)", 8 - done)), "{stdout}");
    let run = write(dir.path(), "r.toml", BASE);
    let a = agora().arg("run").arg(&run).arg("--out").arg(dir.path().join("run")).arg("--dry-run").assert().success();
    let stdout = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    for needle in ["runs: 2", "agent-steps: 18000", "peak memory", "output: about", "estimated wall time"] {
        assert!(stdout.contains(needle), "no `{needle}` in:\n{stdout}");
    }
    assert!(!dir.path().join("run").exists());
}

#[test]
fn a_bad_value_at_one_point_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{BASE}[sweep]\n\"population.strategies.free_rider\" = [0.5, 1.5]\n");
    let file = write(dir.path(), "bad.toml", &text);
    let out = dir.path().join("out");
    let a = agora().arg("sweep").arg(&file).arg("--out").arg(&out).assert().code(2);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    let line = text.lines().position(|l| l.contains("free_rider")).unwrap() + 1;
    assert!(stderr.contains(&format!("bad.toml:{line}:")), "points at the swept key's line {line}: {stderr}");
    assert!(stderr.contains("population.strategies.free_rider"), "{stderr}");
    assert!(stderr.contains("sweep point 2 of 2") && stderr.contains("= 1.5"), "{stderr}");
    assert!(!stderr.contains("panicked"));
    assert!(!out.exists(), "nothing was run or written");
    agora().arg("validate").arg(&file).assert().code(2);
    // A sweep table that is wrong in itself is refused by every command, run included.
    let typo =
        write(dir.path(), "typo.toml", &format!("{BASE}[sweep]\ndesing = \"lhs\"\n\"policy.tax.rate\" = [0.1]\n"));
    agora()
        .arg("run")
        .arg(&typo)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `design`"));
    // A grid value the validator accepts but that breaks another rule names it too.
    let deg = write(dir.path(), "deg.toml", &format!("{BASE}[sweep]\n\"run.agents\" = [100, 6]\n"));
    agora().arg("sweep").arg(&deg).arg("--out").arg(&out).assert().code(2).stderr(
        predicate::str::contains("sweep point 2 of 2").and(predicate::str::contains("population.network.degree")),
    );
}

#[test]
fn failed_runs_are_recorded_without_stopping_the_sweep_and_retried() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{BASE}[sweep]\nkeep_runs = true\n\"policy.tax.rate\" = [0.0, 0.1, 0.2]\n");
    let file = write(dir.path(), "s.toml", &text);
    let out = dir.path().join("out");
    sweep(&file, &out, &["-q"]);
    // Something in the way of one point's run folder makes that point's runs fail: drop its
    // results and its folder, and put a file there.
    let id = agora::sweep::points::point_id(&vec![("policy.tax.rate".to_string(), toml::Value::Float(0.1))]);
    let journal = out.join("results/main.jsonl");
    let kept: String = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .filter(|l| !l.contains(&format!("\"point\":\"{id}\"")))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(kept.lines().count(), 4);
    std::fs::write(&journal, kept).unwrap();
    std::fs::remove_dir_all(out.join("runs").join(&id)).unwrap();
    std::fs::write(out.join("runs").join(&id), "not a folder").unwrap();
    let (stdout, stderr) = sweep(&file, &out, &[]);
    assert!(stderr.contains("2 runs failed"), "{stderr}");
    assert!(stdout.contains("(2 run now, 4 reused)"), "{stdout}");
    let (h, rows) = read_csv(&out.join("failures.csv"));
    assert_eq!(h, ["point", "replicate", "seed", "error"]);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r[0] == id && r[3].contains("not an agora output")), "{rows:?}");
    let (h, rows) = read_csv(&out.join("sweep.csv"));
    let failed: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == id).collect();
    assert!(!failed.is_empty() && failed.iter().all(|r| col(&h, r, "failed") == 2.0 && col(&h, r, "n") == 0.0));
    assert!(rows.iter().filter(|r| r[0] != id).all(|r| col(&h, r, "failed") == 0.0 && col(&h, r, "n") == 2.0));
    for other in points(&out).iter().filter(|p| p.0 != id) {
        assert!(out.join("runs").join(&other.0).join("timeseries.csv").is_file(), "kept run folder of {}", other.0);
    }
    // Out of the way, the next sweep retries just that point.
    std::fs::remove_file(out.join("runs").join(&id)).unwrap();
    let (stdout, stderr) = sweep(&file, &out, &[]);
    assert!(stdout.contains("(2 run now, 4 reused)") && !stderr.contains("failed"), "{stdout}{stderr}");
    assert!(!out.join("failures.csv").exists());
    assert!(out.join("runs").join(&id).join("report.html").is_file());
}

#[test]
fn the_stop_rule_ends_a_line_at_the_first_point_past_its_bound() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{BASE}[adapt]\nimitate = 0.0\n[sweep]\nstop = {{ metric = \"free_rider_share\", above = 0.25, regime = \"market\" }}\n\"population.strategies.free_rider\" = {{ from = 0.0, to = 0.6, steps = 7 }}\n"
    );
    let file = write(dir.path(), "s.toml", &text);
    let out = dir.path().join("out");
    let (stdout, _) = sweep(&file, &out, &["--threads", "1"]);
    assert!(
        stdout.contains("left out by the stop rule") && stdout.contains("the stop rule left out 3 points"),
        "{stdout}"
    );
    let (_, rows) = read_csv(&out.join("sweep.csv"));
    let mut shares: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    shares.dedup();
    assert_eq!(shares, ["0", "0.1", "0.2", "0.3"], "up to and including the first point above the bound");
    // On more threads some later points may run ahead, but the files are the same.
    let more = dir.path().join("more");
    sweep(&file, &more, &["--threads", "3", "-q"]);
    assert_eq!(deterministic_files(&out), deterministic_files(&more));
    // A stop rule needs every point in one place.
    agora().arg("sweep").arg(&file).arg("--out").arg(dir.path().join("x")).args(["--shard", "0/2"]).assert().code(2);
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

#[test]
fn validate_checks_every_point_and_prints_the_resolved_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "s.toml",
        &format!("{BASE}[sweep]\ndesign = \"zip\"\n\"policy.tax.rate\" = [0.0, 0.1]\n\"adapt.imitate\" = [0.2, 0.3]\n"),
    );
    agora()
        .arg("validate")
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("[sweep]").and(predicate::str::contains("design = \"zip\"")))
        .stderr(predicate::str::contains("2 points").and(predicate::str::contains("every point checked")));
    // `agora run` runs the base scenario and says so.
    agora()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("r"))
        .assert()
        .success()
        .stderr(predicate::str::contains("has a [sweep] table"));
}

#[test]
fn a_time_budget_stops_starting_runs_and_the_next_session_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.toml", &format!("{BASE}[sweep]\n\"policy.tax.rate\" = [0.0, 0.1, 0.2]\n"));
    let out = dir.path().join("out");
    let (stdout, _) = sweep(&file, &out, &["--stop-after", "0.000000001"]);
    assert!(stdout.contains("(0 run now") && stdout.contains("stopped by the time budget"), "{stdout}");
    assert!(!out.join("sweep.csv").exists());
    let partial = std::fs::read_to_string(out.join("sweep.partial.csv")).unwrap();
    assert_eq!(partial.lines().count(), 1, "the header only: no point is done");
    let status: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!((status["complete"].as_bool(), status["stopped_by_time_budget"].as_bool()), (Some(false), Some(true)));
    let (stdout, _) = sweep(&file, &out, &[]);
    assert!(stdout.contains("(6 run now, 0 reused)"), "{stdout}");
    assert!(!out.join("sweep.partial.csv").exists());
    let fresh = dir.path().join("fresh");
    sweep(&file, &fresh, &["-q"]);
    assert_eq!(deterministic_files(&out), deterministic_files(&fresh));
    let status: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(status["complete"].as_bool(), Some(true));
}

#[test]
fn a_table_design_runs_the_rows_of_its_csv_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("designs")).unwrap();
    // Typed cells; an empty cell leaves the key at the scenario's value.
    write(&dir.path().join("designs"), "points.csv", "policy.tax.rate,adapt.imitate\n0.1,0.0\n0.2,\n0.3,0.2\n");
    let file = write(dir.path(), "t.toml", &format!("{BASE}[sweep]\ntable = \"designs/points.csv\"\n"));
    let out = dir.path().join("out");
    let (stdout, _) = sweep(&file, &out, &[]);
    assert!(stdout.contains("3 points x 2 replicates"), "{stdout}");
    let (header, rows) = read_csv(&out.join("points.csv"));
    assert_eq!(&header[4..], ["policy.tax.rate", "adapt.imitate"]);
    assert_eq!(
        rows.iter().map(|r| (r[4].as_str(), r[5].as_str())).collect::<Vec<_>>(),
        [("0.1", "0.0"), ("0.2", ""), ("0.3", "0.2")]
    );
    let resolved = std::fs::read_to_string(out.join("sweep.resolved.toml")).unwrap();
    assert!(resolved.contains("design = \"table\"") && resolved.contains("table = \"table.csv\""), "{resolved}");
    assert_eq!(
        std::fs::read(out.join("table.csv")).unwrap(),
        std::fs::read(dir.path().join("designs/points.csv")).unwrap()
    );
    // The folder's resolved sweep runs again on its own copy of the table.
    let again = dir.path().join("again");
    sweep(&out.join("sweep.resolved.toml"), &again, &["-q"]);
    assert_eq!(std::fs::read(out.join("sweep.csv")).unwrap(), std::fs::read(again.join("sweep.csv")).unwrap());
}

#[test]
fn the_progress_bar_shows_on_a_terminal_and_never_on_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "s.toml", &format!("{BASE}[sweep]\n\"policy.tax.rate\" = [0.0, 0.1, 0.2]\n"));
    // A pipe: the summary on stdout, no bar (no carriage return, no escape) on stderr.
    let (stdout, stderr) = sweep(&file, &dir.path().join("piped"), &[]);
    assert!(stdout.contains("3 points x 2 replicates"), "{stdout}");
    assert!(!stderr.contains('\r') && !stderr.contains('\u{1b}') && !stderr.contains("points"), "{stderr:?}");
    // A pseudo-terminal, from util-linux's `script` (part of every Debian system): the bar
    // counts points and ends at all of them done.
    let out = dir.path().join("tty");
    let cmd = format!("{} sweep {} --out {} --threads 1", env!("CARGO_BIN_EXE_agora"), file.display(), out.display());
    let log = dir.path().join("tty.log");
    let status = std::process::Command::new("script")
        .args(["-qfec", &cmd])
        .arg(&log)
        .env_remove("CI")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("util-linux `script` runs the sweep on a pseudo-terminal");
    assert!(status.success());
    let text = String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned();
    // (Draws are rate-limited, so which counts show depends on timing; the first always does.)
    assert!(text.contains("0/3 points (3 left"), "{text:?}");
    assert!(text.contains("\r\u{1b}[2K"), "the bar redraws its line: {text:?}");
    // `--quiet` on a terminal draws nothing.
    let quiet = format!("{cmd} --quiet");
    let log = dir.path().join("quiet.log");
    std::process::Command::new("script")
        .args(["-qfec", &quiet.replace("/tty", "/tty_quiet")])
        .arg(&log)
        .env_remove("CI")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("points"), "{text:?}");
}

/// `pairwise.csv`: for every pair of regimes and every headline metric, the wins counted
/// over points and replicates, paired; recounted here from the journal's replicate means.
#[test]
fn pairwise_win_shares_count_paired_replicates_and_go_on_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}[output]\nplots = []\nreport = true\n[sweep]\n\"population.strategies.free_rider\" = {{ from = 0.0, to = 0.4, steps = 3 }}\n",
        BASE.replace("[\"market\", \"gift\"]", "[\"market\", \"gift\", \"commons\"]").replace("[output]\nplots = [\"svg\"]\n", "")
    );
    let file = write(dir.path(), "pairs.toml", &text);
    let out = dir.path().join("out");
    sweep(&file, &out, &["-q"]);
    let (h, rows) = read_csv(&out.join("pairwise.csv"));
    assert_eq!(&h[..6], ["regime_a", "regime_b", "metric", "unit", "better", "pairs"]);
    // Three pairs, in entry order, times the headline metrics.
    let pairs: Vec<(String, String)> = rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    assert!(pairs.contains(&("market".into(), "gift".into())) && pairs.contains(&("gift".into(), "commons".into())));
    assert!(!pairs.contains(&("gift".into(), "market".into())));
    // Recount one metric from the journal.
    let mut wins = std::collections::BTreeMap::<(String, String), (u64, u64, u64)>::new();
    let records: Vec<serde_json::Value> =
        journal_lines(&out, "main.jsonl").iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    for (a, b) in [("market", "gift"), ("market", "commons"), ("gift", "commons")] {
        let e = wins.entry((a.into(), b.into())).or_default();
        for r in &records {
            let x = r["means"][a]["needs_met_mean"].as_f64().unwrap();
            let y = r["means"][b]["needs_met_mean"].as_f64().unwrap();
            if x > y {
                e.0 += 1;
            } else if y > x {
                e.1 += 1;
            } else {
                e.2 += 1;
            }
        }
    }
    let runs: Vec<&Vec<String>> = rows.iter().filter(|r| r[2] == "needs_met_mean" && r[3] == "run").collect();
    assert_eq!(runs.len(), 3);
    for r in runs {
        let (aw, bw, t) = wins[&(r[0].clone(), r[1].clone())];
        assert_eq!(r[4], "higher");
        assert_eq!(
            (r[5].as_str(), r[6].parse().unwrap(), r[7].parse().unwrap(), r[8].parse().unwrap()),
            ("6", aw, bw, t)
        );
        let share = col(&h, r, "a_win_share");
        assert!((share - aw as f64 / 6.0).abs() < 1e-9);
        assert!(col(&h, r, "a_ci95_low") <= share && share <= col(&h, r, "a_ci95_high"));
    }
    // Counted over points: three points, each compared on its replicate means.
    let points: Vec<&Vec<String>> = rows.iter().filter(|r| r[2] == "needs_met_mean" && r[3] == "point").collect();
    assert!(points.len() == 3 && points.iter().all(|r| r[5] == "3"));
    // Lower is better for destitution: the wins are of the lower share.
    let destitute: Vec<&Vec<String>> = rows.iter().filter(|r| r[2] == "destitute_share").collect();
    assert!(!destitute.is_empty() && destitute.iter().all(|r| r[4] == "lower"));
    let page = std::fs::read_to_string(out.join("sweep.html")).unwrap();
    assert!(page.contains("id=\"pairwise-table\""), "the page shows the win shares");
}

#[test]
fn config_cases() {
    // tests/data/sweep_config.txt: `[sweep]` texts and what agora makes of each, error or
    // resolved section.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sweep_config.txt");
    let cases = std::fs::read_to_string(path).unwrap();
    let mut count = 0;
    for case in cases.split("-----\n").skip(1) {
        let (text, expected) = case.split_once(">>>>>\n").unwrap();
        let doc: toml::Table = text.parse().unwrap();
        let got = match agora::scenario::sweep::SweepConfig::parse(doc["sweep"].as_table().unwrap(), text) {
            Ok(c) => format!("OK\n{}", c.to_toml()),
            Err(e) => format!("ERR {}\n", e.in_file("s.toml")),
        };
        assert_eq!(got, expected, "for\n{text}");
        count += 1;
    }
    assert!(count > 100, "{count} cases");
}
