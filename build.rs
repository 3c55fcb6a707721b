//! Records the git commit the engine is built from, for `run.json`.
use std::process::Command;

fn main() {
    // The commit moves with HEAD, the refs and the index; "-dirty" with the sources.
    for path in [".git/HEAD", ".git/refs/heads", ".git/index", "src", "Cargo.toml", "scenarios"] {
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
