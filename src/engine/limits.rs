//! Every memory limit this process lives under, read once: the memory cgroup's limit (v2
//! `memory.max`, v1 `memory.limit_in_bytes`, of the process's own cgroup and its ancestors),
//! a Slurm job's `--mem`, the address-space and data-segment limits (`RLIMIT_AS`,
//! `RLIMIT_DATA`: `ulimit -v`, `ulimit -d`), and the memory the machine has available
//! (`MemAvailable`). A run planned against the machine alone is killed without a message on a
//! cluster (the cgroup) or aborts in the allocator (an rlimit); [`super::memory::check`]
//! refuses it instead, naming the limit that binds and listing the others.
//!
//! Each limit is reported as the room it leaves: the limit less what is already counted
//! against it (the cgroup's usage without its reclaimable file cache; the process's mapped
//! address space or data segment). Only `MemAvailable` is soft: `--max-memory` replaces it,
//! never a hard limit, which the kernel enforces whatever agora is told.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Limits at or above this are "no limit" (cgroup v1 writes `PAGE_COUNTER_MAX` pages, about
/// 2^63 bytes, for none).
const UNLIMITED: u64 = 1 << 60;

/// One limit on the memory of this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryLimit {
    /// The bytes it leaves for a run.
    pub room: u64,
    /// What it is, as a person would look it up (`RLIMIT_AS (ulimit -v)`).
    pub name: String,
    /// Its value and what already counts against it.
    pub detail: String,
    /// Whether `--max-memory` replaces it (only `MemAvailable`: the kernel enforces the rest).
    pub soft: bool,
}

/// The limits of this process, read on first use.
pub fn process() -> &'static [MemoryLimit] {
    static LIMITS: OnceLock<Vec<MemoryLimit>> = OnceLock::new();
    LIMITS.get_or_init(read)
}

/// Reads every limit now, in the order they are listed: cgroup, Slurm, rlimits, the machine.
pub fn read() -> Vec<MemoryLimit> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let mut out = Vec::new();
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    out.extend(cgroup_limit(&cgroups, &mounts));
    out.extend(slurm_limit(|k| std::env::var(k).ok()));
    out.extend(rlimits(&status));
    if let Some(a) = mem_available() {
        out.push(MemoryLimit {
            room: a,
            name: "MemAvailable (/proc/meminfo)".into(),
            detail: "the memory available on this machine".into(),
            soft: true,
        });
    }
    out
}

/// The bytes of a `/proc/self/status` field given in kB (`VmSize:`).
fn status_field(status: &str, name: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(name))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb.saturating_mul(1024))
}

/// `MemAvailable` of `/proc/meminfo`.
fn mem_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    status_field(&text, "MemAvailable:")
}

#[cfg(unix)]
fn rlimits(status: &str) -> Vec<MemoryLimit> {
    use rustix::process::{getrlimit, Resource};
    let mut out = Vec::new();
    for (resource, name, flag, used_field, used_what) in [
        (Resource::As, "RLIMIT_AS", "ulimit -v", "VmSize:", "mapped"),
        (Resource::Data, "RLIMIT_DATA", "ulimit -d", "VmData:", "in the data segment"),
    ] {
        let Some(limit) = getrlimit(resource).current.filter(|&l| l < UNLIMITED) else { continue };
        let used = status_field(status, used_field).unwrap_or(0);
        out.push(MemoryLimit {
            room: limit.saturating_sub(used),
            name: format!("{name} ({flag})"),
            detail: format!("{} of which {} {used_what} already", bytes(limit), bytes(used)),
            soft: false,
        });
    }
    out
}

#[cfg(not(unix))]
fn rlimits(_status: &str) -> Vec<MemoryLimit> {
    Vec::new()
}

/// A Slurm job's memory: `--mem` (`SLURM_MEM_PER_NODE`) or `--mem-per-cpu`
/// (`SLURM_MEM_PER_CPU` times the CPUs of the task), in megabytes. Slurm enforces it by a
/// cgroup, or without one by killing the job when its accounting sees it pass.
fn slurm_limit(env: impl Fn(&str) -> Option<String>) -> Option<MemoryLimit> {
    let mb = |k: &str| env(k).and_then(|v| v.trim().trim_end_matches('M').parse::<u64>().ok()).filter(|&m| m > 0);
    let (limit, what) = if let Some(m) = mb("SLURM_MEM_PER_NODE") {
        (m, "--mem (SLURM_MEM_PER_NODE)".to_string())
    } else {
        let per_cpu = mb("SLURM_MEM_PER_CPU")?;
        let cpus = mb("SLURM_CPUS_PER_TASK").or_else(|| mb("SLURM_CPUS_ON_NODE")).unwrap_or(1);
        (per_cpu.saturating_mul(cpus), format!("--mem-per-cpu (SLURM_MEM_PER_CPU) x {cpus} CPUs"))
    };
    let limit = limit.saturating_mul(1 << 20);
    Some(MemoryLimit { room: limit, name: format!("the Slurm job's {what}"), detail: bytes(limit), soft: false })
}

/// The smallest memory limit of the process's cgroup and its ancestors, v2 or v1, from the
/// text of `/proc/self/cgroup` and `/proc/self/mountinfo`.
fn cgroup_limit(cgroups: &str, mountinfo: &str) -> Option<MemoryLimit> {
    let mut best: Option<MemoryLimit> = None;
    for line in cgroups.lines() {
        // `0::/path` for v2; `4:memory:/path` (or `4:cpu,memory:/path`) for v1.
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let v2 = id == "0" && controllers.is_empty();
        if !v2 && !controllers.split(',').any(|c| c == "memory") {
            continue;
        }
        let Some((root, mount)) = mount_of(mountinfo, v2) else { continue };
        let (limit_file, usage_file, cache_key) = if v2 {
            ("memory.max", "memory.current", "inactive_file")
        } else {
            ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")
        };
        let rel = Path::new(path).strip_prefix(&root).unwrap_or(Path::new(path.trim_start_matches('/')));
        let mut dir = mount.join(rel.strip_prefix("/").unwrap_or(rel));
        if !dir.is_dir() {
            // Inside a cgroup namespace the path may not be under the mount as shown.
            dir = mount.clone();
        }
        // The limit of every ancestor binds too; the tightest counts.
        let mut here = Some(dir.as_path());
        while let Some(d) = here.filter(|d| d.starts_with(&mount)) {
            let read = |f: &str| std::fs::read_to_string(d.join(f)).ok();
            if let Some(limit) = read(limit_file).and_then(|s| s.trim().parse::<u64>().ok()).filter(|&l| l < UNLIMITED)
            {
                let usage = read(usage_file).and_then(|s| s.trim().parse::<u64>().ok()).unwrap_or(0);
                let cache = read("memory.stat")
                    .and_then(|s| s.lines().find_map(|l| l.strip_prefix(cache_key)?.trim().parse::<u64>().ok()))
                    .unwrap_or(0);
                let used = usage.saturating_sub(cache);
                let room = limit.saturating_sub(used);
                if best.as_ref().is_none_or(|b| room < b.room) {
                    best = Some(MemoryLimit {
                        room,
                        name: format!("the cgroup's {limit_file} ({})", d.display()),
                        detail: format!("{} of which {} in use", bytes(limit), bytes(used)),
                        soft: false,
                    });
                }
            }
            here = d.parent();
        }
    }
    best
}

/// The root and mount point of the cgroup v2 hierarchy (`v2`) or of v1's memory controller.
fn mount_of(mountinfo: &str, v2: bool) -> Option<(PathBuf, PathBuf)> {
    mountinfo.lines().find_map(|line| {
        let (left, right) = line.split_once(" - ")?;
        let mut r = right.split_whitespace();
        let fstype = r.next()?;
        let options = r.nth(1).unwrap_or("");
        let ok = if v2 { fstype == "cgroup2" } else { fstype == "cgroup" && options.split(',').any(|o| o == "memory") };
        if !ok {
            return None;
        }
        let fields: Vec<&str> = left.split_whitespace().collect();
        Some((PathBuf::from(fields.get(3)?), PathBuf::from(fields.get(4)?)))
    })
}

/// Bytes in a short human form (`1.5 GB`).
pub fn bytes(n: u64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];
    let mut x = n as f64;
    let mut u = 0;
    while x >= 1024.0 && u + 1 < units.len() {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{x:.1} {}", units[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_mount_of_either_hierarchy() {
        let info = "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n\
                    35 31 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n\
                    40 31 0:36 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
        assert_eq!(mount_of(info, false), Some(("/".into(), "/sys/fs/cgroup/memory".into())));
        assert_eq!(mount_of(info, true), Some(("/".into(), "/sys/fs/cgroup/unified".into())));
        assert_eq!(mount_of("31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n", true), None);
    }

    #[test]
    fn reads_a_slurm_jobs_memory() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|p| p.0 == k).map(|p| p.1.to_string())
        };
        let l = slurm_limit(env(&[("SLURM_MEM_PER_NODE", "200")])).unwrap();
        assert_eq!((l.room, l.name.as_str()), (200 << 20, "the Slurm job's --mem (SLURM_MEM_PER_NODE)"));
        let l = slurm_limit(env(&[("SLURM_MEM_PER_CPU", "100"), ("SLURM_CPUS_PER_TASK", "3")])).unwrap();
        assert_eq!(l.room, 300 << 20);
        assert_eq!(slurm_limit(env(&[("SLURM_JOB_ID", "7")])), None);
    }
}
