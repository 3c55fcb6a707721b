//! The commands around a sweep: dry runs, bad points refused up front, `validate`, the
//! progress bar.

use super::{journal_lines, sweep, write, BASE};
use crate::common::agora;
use predicates::prelude::*;

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
fn validate_checks_every_point_and_prints_the_resolved_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "s.toml",
        &format!("{BASE}[sweep]\ndesign = \"zip\"\n\"policy.tax.rate\" = [0.0, 0.1]\n\"adapt.imitate\" = [0.2, 0.3]\n"),
    );
    agora()
        .arg("validate")
        .arg("--print")
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
