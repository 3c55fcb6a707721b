//! The memory limits a process lives under, for real: a run started under `ulimit -v` and one
//! inside a memory cgroup are refused with exit 2 naming the limit, before they allocate,
//! where without the guard they would abort in the allocator or be killed by the kernel.

use crate::common::root;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// 2x10^7 agents on a complete network: about 4 GB, so any limit of a few hundred MB binds.
const BIG: &str = "name = \"big\"\nregimes = [\"gift\"]\n[run]\nagents = 20000000\nsteps = 100\n\
                   [population.network]\nkind = \"complete\"\n";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `script` in `sh -c` with `$AGORA` the binary under test.
fn sh(script: &str, dir: &Path) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("AGORA", env!("CARGO_BIN_EXE_agora"))
        .env_remove("CI")
        .current_dir(dir)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_run_under_ulimit_v_is_refused_naming_rlimit_as() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    write(w, "big.toml", BIG);
    let o = sh("ulimit -v 1048576 && exec \"$AGORA\" run big.toml --out out", w);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("key `run.agents`") && err.contains("left under RLIMIT_AS (ulimit -v): 1.0 GB"), "{err}");
    assert!(err.contains("--max-memory cannot raise this limit"), "{err}");
    assert!(!err.contains("memory allocation") && !err.contains("panicked"), "{err}");
    assert!(!w.join("out").exists());
    // --max-memory does not lift a limit the kernel enforces.
    let o = sh("ulimit -v 1048576 && exec \"$AGORA\" validate big.toml --max-memory 64G", w);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("RLIMIT_AS"), "{}", stderr(&o));
    // A run that fits under the same limit runs.
    let showcase = root().join("scenarios/showcase.toml");
    let o = sh(
        &format!(
            "ulimit -v 1048576 && exec \"$AGORA\" run -q '{}' --agents 500 --steps 20 --replicates 1 --out small_out",
            showcase.display()
        ),
        w,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(w.join("small_out/summary.csv").exists());
}

/// A memory cgroup of `limit` bytes this test may create, and how to start a command in it.
enum Cgroup {
    /// A cgroup folder (v2 or v1) created here; the command writes its pid into `cgroup.procs`.
    Dir(PathBuf),
    /// `systemd-run --scope -p MemoryMax=`.
    Systemd,
}

impl Cgroup {
    /// The first way this machine allows, or why none does.
    fn create(limit: u64) -> Result<Cgroup, String> {
        let id = format!("agora-limits-test-{}", std::process::id());
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let mount = |v2: bool| {
            mounts.lines().find_map(|l| {
                let (left, right) = l.split_once(" - ")?;
                let mut r = right.split_whitespace();
                let (fs, opts) = (r.next()?, r.nth(1).unwrap_or(""));
                let ok = if v2 { fs == "cgroup2" } else { fs == "cgroup" && opts.split(',').any(|o| o == "memory") };
                ok.then(|| PathBuf::from(left.split_whitespace().nth(4).unwrap_or("")))
            })
        };
        let mut why = Vec::new();
        // v2: a child of the root, which may hold processes and children alike.
        if let Some(m) = mount(true) {
            let control = std::fs::read_to_string(m.join("cgroup.subtree_control")).unwrap_or_default();
            if control.split_whitespace().any(|c| c == "memory") {
                let dir = m.join(&id);
                match std::fs::create_dir(&dir).and_then(|_| std::fs::write(dir.join("memory.max"), limit.to_string()))
                {
                    Ok(()) => return Ok(Cgroup::Dir(dir)),
                    Err(e) => {
                        let _ = std::fs::remove_dir(&dir);
                        why.push(format!("cgroup v2 at {}: {e}", m.display()));
                    }
                }
            } else {
                why.push(format!("cgroup v2 at {} does not delegate the memory controller", m.display()));
            }
        }
        // v1: a child of this process's own memory cgroup.
        if let Some(m) = mount(false) {
            let own = std::fs::read_to_string("/proc/self/cgroup")
                .unwrap_or_default()
                .lines()
                .find_map(|l| {
                    let mut p = l.splitn(3, ':');
                    let (_, c, path) = (p.next()?, p.next()?, p.next()?);
                    c.split(',').any(|c| c == "memory").then(|| path.trim_start_matches('/').to_string())
                })
                .unwrap_or_default();
            let dir = m.join(own).join(&id);
            match std::fs::create_dir(&dir)
                .and_then(|_| std::fs::write(dir.join("memory.limit_in_bytes"), limit.to_string()))
            {
                Ok(()) => return Ok(Cgroup::Dir(dir)),
                Err(e) => {
                    let _ = std::fs::remove_dir(&dir);
                    why.push(format!("cgroup v1 at {}: {e}", m.display()));
                }
            }
        }
        let probe = Command::new("systemd-run").args(["--scope", "--quiet", "-p", "MemoryMax=1G", "true"]).output();
        match probe {
            Ok(o) if o.status.success() => return Ok(Cgroup::Systemd),
            Ok(o) => why.push(format!("systemd-run --scope: {}", String::from_utf8_lossy(&o.stderr).trim())),
            Err(e) => why.push(format!("systemd-run: {e}")),
        }
        Err(why.join("; "))
    }

    /// `agora args` started inside the cgroup, as a shell line.
    fn command(&self, args: &str, limit: u64) -> String {
        match self {
            Cgroup::Dir(d) => format!("echo $$ > '{}/cgroup.procs' && exec \"$AGORA\" {args}", d.display()),
            Cgroup::Systemd => format!("exec systemd-run --scope --quiet -p MemoryMax={limit} \"$AGORA\" {args}"),
        }
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        if let Cgroup::Dir(d) = self {
            // Its only process has ended; an empty cgroup is removed with rmdir.
            let _ = std::fs::remove_dir(d);
        }
    }
}

#[test]
fn a_run_inside_a_memory_cgroup_is_refused_naming_the_cgroup() {
    let limit = 300u64 << 20;
    let cgroup = match Cgroup::create(limit) {
        Ok(c) => c,
        Err(why) => {
            eprintln!("SKIPPED: cannot create a memory cgroup on this machine: {why}");
            return;
        }
    };
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    write(w, "big.toml", BIG);
    let o = sh(&cgroup.command("run big.toml --out out", limit), w);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let named = err.contains("left under the cgroup's memory.max (")
        || err.contains("left under the cgroup's memory.limit_in_bytes (");
    assert!(named && err.contains(": 300.0 MB of which"), "{err}");
    assert!(err.contains("key `run.agents`") && !err.contains("panicked"), "{err}");
    assert!(!w.join("out").exists());
}
