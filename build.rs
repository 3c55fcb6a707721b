//! Records the git commit the engine is built from, for `run.json`, and compiles the bundled
//! scenarios (`scenarios/*.toml`, `scenarios/validation/*.toml`) into the binary for
//! `agora list` (`src/library.rs`), so a new file needs no list to be kept by hand.
use std::path::Path;
use std::process::Command;

/// Writes `$OUT_DIR/bundled.rs`: one `(file, contents)` pair per bundled scenario, sorted.
fn bundle_scenarios() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files = Vec::new();
    for (dir, prefix) in [(root.clone(), ""), (root.join("validation"), "validation/")] {
        println!("cargo:rerun-if-changed={}", dir.display());
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.extension().is_some_and(|e| e == "toml") {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                files.push((format!("{prefix}{name}"), p));
            }
        }
    }
    files.sort();
    let mut out = String::from("/// Every bundled scenario: its path under `scenarios/` and its text.\npub static BUNDLED: &[(&str, &str)] = &[\n");
    for (name, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("bundled.rs");
    if std::fs::read_to_string(&dest).ok().as_deref() != Some(out.as_str()) {
        std::fs::write(&dest, out).expect("write bundled.rs");
    }
}

fn main() {
    bundle_scenarios();
    // The commit moves with HEAD, the refs and the index; "-dirty" with the sources. Git says
    // where they are: in a linked worktree `.git` is a file, and a path under it that does not
    // exist would make cargo rerun this script (and rebuild the crate) every time.
    for path in ["HEAD", "refs/heads", "index"] {
        let at = Command::new("git")
            .args(["rev-parse", "--git-path", path])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string());
        if let Some(at) = at.filter(|a| std::path::Path::new(a).exists()) {
            println!("cargo:rerun-if-changed={at}");
        }
    }
    for path in ["src", "Cargo.toml", "scenarios"] {
        println!("cargo:rerun-if-changed={path}");
    }
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if let Some(c) = commit {
        let dirty = Command::new("git")
            .args(["status", "--porcelain", "--untracked-files=no"])
            .output()
            .ok()
            .is_some_and(|o| !o.stdout.is_empty());
        println!("cargo:rustc-env=AGORA_GIT_COMMIT={c}{}", if dirty { "-dirty" } else { "" });
    }
}
