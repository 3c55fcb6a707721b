//! Hostile input, interruptions and failing disks, on the real binary: memory guard, money and
//! seed ranges, defaults that fit, signals, write errors, the output lock and paths. Each test
//! waits for events (a file appearing, the process ending), never for a time.

use crate::common::{agora, read_tree, root};
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A small scenario file `name.toml` in `dir`, with `extra` appended.
fn scenario(dir: &Path, name: &str, extra: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    let text = format!(
        "name = \"{name}\"\nregimes = [\"market\"]\n[run]\nagents = 200\nsteps = 20\nreplicates = 2\nwarmup = 5\n{extra}\n\
         [output]\nplots = false\nreport = false\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// The entries of `dir` (names), sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn a_run_too_big_for_memory_is_refused_before_it_allocates() {
    let work = tempfile::tempdir().unwrap();
    // Four billion agents with 10,000 links each: terabytes; refused at once, exit 2.
    let file = scenario(work.path(), "huge", "[population]\nnetwork = { kind = \"ring\", degree = 10000 }");
    let text = std::fs::read_to_string(&file).unwrap().replace("agents = 200", "agents = 4000000000");
    std::fs::write(&file, text).unwrap();
    let a = agora().current_dir(work.path()).arg("run").arg(&file).assert().code(2);
    let err = stderr_of(&a);
    assert!(err.contains("population.network.degree") && err.contains("needs about"), "{err}");
    assert!(err.contains("huge.toml:"), "names the file and line: {err}");
    // A limit given on the command line names the key that makes the run big.
    let small = scenario(work.path(), "small", "");
    let a = agora().current_dir(work.path()).arg("run").arg(&small).args(["--max-memory", "1M"]).assert().code(2);
    let err = stderr_of(&a);
    assert!(err.contains("key `run.agents`") && err.contains("--max-memory") && err.contains("MB"), "{err}");
    agora().arg("run").arg(&small).args(["--max-memory", "lots"]).assert().code(2);
    assert_eq!(names(work.path()), ["huge.toml", "small.toml"], "nothing written");
}

#[test]
fn sweeps_validate_and_snapshots_obey_the_memory_and_disk_limits() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    // A sweep's heaviest point (about 40 MB), times the runs side by side, against --max-memory.
    let sweep = scenario(w, "s", "[sweep]\n\"run.agents\" = [200, 60000]\n");
    let a = agora()
        .current_dir(w)
        .arg("sweep")
        .arg(&sweep)
        .args(["--max-memory", "60M", "--threads", "2"])
        .assert()
        .code(2);
    let err = stderr_of(&a);
    assert!(
        err.contains("key `run.agents`") && err.contains("2 runs side by side") && err.contains("--max-memory"),
        "{err}"
    );
    agora().current_dir(w).arg("validate").arg(&sweep).args(["--max-memory", "60M", "--threads", "2"]).assert().code(2);
    // validate checks what run would refuse.
    let small = scenario(w, "small", "");
    let a = agora().current_dir(w).arg("validate").arg(&small).args(["--max-memory", "1M"]).assert().code(2);
    assert!(stderr_of(&a).contains("key `run.agents`"), "{}", stderr_of(&a));
    // The agents' snapshots against --max-disk: 200 agents x 2 steps x 2 replicates x 18
    // fields is about 115 KB.
    let snaps = scenario(w, "snaps", "");
    let text = std::fs::read_to_string(&snaps)
        .unwrap()
        .replace("report = false", "report = false\nsnapshots = [10, 20]\nsnapshot_replicates = 0");
    std::fs::write(&snaps, text).unwrap();
    let a = agora().current_dir(w).arg("run").arg(&snaps).args(["--max-disk", "100K"]).assert().code(2);
    let err = stderr_of(&a);
    assert!(
        err.contains("key `output.snapshots`") && err.contains("snaps.toml:") && err.contains("--max-disk"),
        "{err}"
    );
    agora().current_dir(w).arg("validate").arg(&snaps).args(["--max-disk", "100K"]).assert().code(2);
    assert_eq!(names(w), ["s.toml", "small.toml", "snaps.toml"], "nothing written");
    // Under the limit it runs, and the estimate was close to the files written.
    let out = w.join("out");
    agora().arg("run").arg(&snaps).args(["-q", "--max-disk", "1M", "--out"]).arg(&out).assert().success();
    let written: u64 =
        ["agents_step10.csv", "agents_step20.csv"].iter().map(|f| std::fs::metadata(out.join(f)).unwrap().len()).sum();
    assert!((80_000..160_000).contains(&written), "{written} bytes of snapshots");
}

#[test]
fn money_and_seeds_are_range_checked_not_wrapped() {
    let work = tempfile::tempdir().unwrap();
    for (extra, key) in [
        ("[market]\ninitial_money = 1e300", "market.initial_money"),
        ("[market]\ninitial_money = { dist = \"pareto\", scale = 1, shape = 0.9 }", "market.initial_money"),
        ("[policy]\nbasic_income = { amount = 1e200, in = \"money\" }", "policy.basic_income.amount"),
    ] {
        let file = scenario(work.path(), "m", extra);
        let a = agora().current_dir(work.path()).arg("run").arg(&file).assert().code(2);
        let err = stderr_of(&a);
        assert!(err.contains(&format!("key `{key}`")) && err.contains("allowed: at most"), "{err}");
    }
    let file = scenario(work.path(), "s", "");
    let a = agora().arg("validate").arg(&file).args(["--seed", "9223372036854775808"]).assert().code(2);
    assert!(stderr_of(&a).contains("key `--seed`: must be a whole number from 0 to 9223372036854775807"));
    // The largest seed TOML holds runs and is written back as given.
    let out = work.path().join("seeded");
    agora().arg("run").arg(&file).args(["-q", "--seed", "9223372036854775807", "--out"]).arg(&out).assert().success();
    let resolved = std::fs::read_to_string(out.join("scenario.resolved.toml")).unwrap();
    assert!(resolved.contains("seed = 9223372036854775807"), "{resolved}");
}

#[test]
fn a_default_warmup_too_long_for_the_steps_adapts_and_says_so() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("short.toml");
    std::fs::write(
        &file,
        "name = \"short\"\nregimes = [\"autarky\"]\n[run]\nagents = 50\nsteps = 10\nreplicates = 1\n",
    )
    .unwrap();
    let a = agora().arg("validate").arg("--print").arg(&file).assert().success();
    let err = stderr_of(&a);
    assert!(err.contains("warning") && err.contains("run.warmup") && err.contains("using a warm-up of 2"), "{err}");
    assert!(String::from_utf8_lossy(&a.get_output().stdout).contains("warmup = 2"));
    // --steps below the showcase's own warm-up keeps its share of the steps.
    let showcase = root().join("scenarios/showcase.toml");
    let a = agora().arg("validate").arg(&showcase).args(["--steps", "40"]).assert().success();
    assert!(stderr_of(&a).contains("100 is not below --steps 40; using a warm-up of 13"), "{}", stderr_of(&a));
    // A warm-up given with --warmup is the user's: refused if too long, naming the flag.
    let a = agora().arg("validate").arg(&showcase).args(["--steps", "40", "--warmup", "40"]).assert().code(2);
    assert!(stderr_of(&a).contains("key `--warmup`"));
    agora().arg("validate").arg(&showcase).args(["--steps", "40", "--warmup", "5"]).assert().success();
}

/// Starts a long run of `replicates` replicates, one at a time (one thread), into `out`.
fn long_run(work: &Path, out: &Path, replicates: u32) -> Child {
    let file = work.join("long.toml");
    std::fs::write(
        &file,
        format!(
            "name = \"long\"\nregimes = [\"market\"]\n[run]\nagents = 1000\nsteps = 200\nreplicates = {replicates}\nwarmup = 10\nthreads = 1\n\
             [output]\nplots = false\nreport = false\nsnapshots = [200]\n"
        ),
    )
    .unwrap();
    Command::new(env!("CARGO_BIN_EXE_agora"))
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until a file whose name contains `part` appears in a hidden temporary folder beside
/// `out` (a replicate reached its last step), or the process ends.
fn wait_for_part(child: &mut Child, out: &Path, part: &str) {
    let parent = out.parent().unwrap();
    loop {
        let tmp = std::fs::read_dir(parent).unwrap().flatten().find(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with('.') && n.contains(".tmp-")
        });
        if let Some(tmp) = tmp {
            if names(&tmp.path()).iter().any(|n| n.contains(part)) {
                return;
            }
        }
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be interrupted");
        std::thread::yield_now();
    }
}

fn signal(child: &Child, sig: &str) {
    assert!(Command::new("kill").args(["-s", sig, &child.id().to_string()]).status().unwrap().success());
}

fn run_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap()
}

#[test]
fn sigint_and_sigterm_keep_the_complete_replicates_and_leave_no_temporary_folder() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run");
    for (sig, code) in [("INT", 130), ("TERM", 143)] {
        let mut child = long_run(work.path(), &out, 400);
        // Replicate 0 wrote its last-step snapshot: it is (about to be) complete.
        wait_for_part(&mut child, &out, ".agents_step200.0000.00000000.part");
        signal(&child, sig);
        let output = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "SIG{sig}: {err}");
        assert!(err.contains("interrupted") && err.contains("\"complete\": false"), "{err}");
        let info = run_json(&out);
        assert_eq!(info["complete"], false);
        let done = info["replicates_complete"].as_u64().unwrap();
        assert!((1..400).contains(&done), "{done} replicates kept");
        // Only complete replicates, in every table, and no parts or temporary folders.
        let (_, rows) = crate::common::read_csv(&out.join("timeseries.csv"));
        assert_eq!(rows.len() as u64, done * 201, "rows of complete replicates only");
        let (_, agents) = crate::common::read_csv(&out.join("agents_step200.csv"));
        assert_eq!(agents.len() as u64, done * 1000);
        assert!(names(&out).iter().all(|n| !n.ends_with(".part")), "{:?}", names(&out));
        assert_eq!(names(work.path()), ["long.toml", "run"], "SIG{sig} left something behind");
    }
    // Over a complete earlier result, an interrupted run goes beside it, never over it.
    let file = work.path().join("long.toml");
    agora().arg("run").arg(&file).args(["-q", "--replicates", "2", "--out"]).arg(&out).assert().success();
    let before = read_tree(&out);
    let mut child = long_run(work.path(), &out, 400);
    wait_for_part(&mut child, &out, ".agents_step200.0000.00000000.part");
    signal(&child, "INT");
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert!(before == read_tree(&out), "the complete earlier result changed");
    assert_eq!(run_json(&work.path().join("run.interrupted"))["complete"], false);
}

#[test]
fn two_runs_into_one_folder_cannot_interleave() {
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("run");
    let mut first = long_run(work.path(), &out, 400);
    wait_for_part(&mut first, &out, ".agents_step200.0000.00000000.part");
    let second = scenario(work.path(), "second", "");
    let a = agora().arg("run").arg(&second).arg("--out").arg(&out).assert().code(2);
    assert!(stderr_of(&a).contains("another agora run is writing"), "{}", stderr_of(&a));
    signal(&first, "INT");
    assert_eq!(first.wait().unwrap().code(), Some(130));
    // Once the first has ended the folder is free again, and no lock file is left.
    agora().arg("run").arg(&second).args(["-q", "--out"]).arg(&out).assert().success();
    assert_eq!(names(work.path()), ["long.toml", "run", "second.toml"]);
}

#[test]
fn a_write_error_exits_1_naming_the_file_and_keeps_the_earlier_result() {
    let work = tempfile::tempdir().unwrap();
    let file = scenario(work.path(), "w", "");
    let out = work.path().join("out");
    agora().arg("run").arg(&file).args(["-q", "--out"]).arg(&out).assert().success();
    let before = read_tree(&out);
    // A file size limit of 8 blocks: run.json fits, timeseries.csv does not.
    let bin = env!("CARGO_BIN_EXE_agora");
    let cmd = format!("ulimit -f 8 && exec '{bin}' run '{}' --replicates 20 --out '{}'", file.display(), out.display());
    let output = Command::new("sh").args(["-c", &cmd]).output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("writing `{}", work.path().display())), "names the file: {err}");
    assert!(before == read_tree(&out), "the earlier result changed");
    assert_eq!(names(work.path()), ["out", "w.toml"], "left a temporary folder");
}

#[cfg(unix)]
#[test]
fn output_never_goes_through_a_symbolic_link() {
    let work = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let file = scenario(work.path(), "l", "");
    let link = work.path().join("link");
    std::os::unix::fs::symlink(elsewhere.path(), &link).unwrap();
    let a = agora().arg("run").arg(&file).arg("--out").arg(&link).assert().code(2);
    assert!(stderr_of(&a).contains("symbolic link"));
    // A scenario's own output folder under a linked `output/`, too.
    std::os::unix::fs::symlink(elsewhere.path(), work.path().join("output")).unwrap();
    agora()
        .current_dir(work.path())
        .arg("run")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("symbolic link"));
    assert!(names(elsewhere.path()).is_empty(), "wrote through the link: {:?}", names(elsewhere.path()));
}

#[test]
fn no_csv_cell_holds_nan_or_infinity() {
    let work = tempfile::tempdir().unwrap();
    // One replicate (no confidence interval), money models (no goods, so no prices).
    let file = work.path().join("n.toml");
    std::fs::write(
        &file,
        "name = \"n\"\nregimes = [\"autarky\", \"market:k\", \"gift\"]\n[run]\nagents = 100\nsteps = 8\nreplicates = 1\nwarmup = 0\n\
         [variant.k]\nmarket.model = \"kinetic\"\n[output]\nplots = false\nreport = false\n",
    )
    .unwrap();
    let out = work.path().join("out");
    agora().arg("run").arg(&file).args(["-q", "--out"]).arg(&out).assert().success();
    for (name, bytes) in read_tree(&out) {
        if !name.ends_with(".csv") {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        for cell in text.lines().skip(1).flat_map(|l| l.split(',')) {
            let lower = cell.to_ascii_lowercase();
            assert!(!lower.contains("nan") && !lower.contains("inf"), "{name}: cell `{cell}`");
        }
    }
}
