//! The results of a sweep as they are made: one JSON line per (point, replicate) run in a
//! journal under `results/`, appended and flushed as each run ends.
//!
//! Each process writes its own journal (`main.jsonl`, `shard-K-of-N.jsonl`, `merged.jsonl`),
//! guarded by a lock file, so shards can share a folder. A run killed mid-write leaves a last
//! line without its newline: the journal's owner cuts it off when it opens the journal again
//! (and says so), and readers skip it. Every record carries the hash of the scenario its point
//! ran, so a record is used only while that scenario is unchanged.

use crate::error::{Error, InputError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The folder of the journals inside a sweep folder.
pub const RESULTS: &str = "results";

/// One run of one point: what the outputs are made of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The point's id.
    pub point: String,
    /// The replicate.
    pub replicate: u64,
    /// SHA-256 of the point's resolved scenario, without what does not change results.
    pub hash: String,
    /// The seed the point ran with (replicate `r` uses the streams of (seed, r)).
    pub seed: u64,
    /// Whether the run finished.
    pub ok: bool,
    /// Why it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Per regime entry, per metric: the replicate's mean after warm-up, for the metrics
    /// defined in it.
    #[serde(default)]
    pub means: BTreeMap<String, BTreeMap<String, f64>>,
    /// Agent-steps simulated.
    pub agent_steps: u64,
    /// Seconds the run took.
    pub seconds: f64,
    /// When it finished, in seconds since 1970 (for the record; never used in results).
    pub finished_unix: f64,
    /// Which invocation made it: host, process id and its start time.
    pub session: String,
    /// The engine version and commit.
    pub engine: String,
}

/// This machine's name, for lock files and sessions.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Seconds since 1970, for records and sessions only.
pub fn unix_now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// Writes `contents` to `path` through a temporary file named for this host and process, then
/// a rename: readers see the old file or the new one, never half of one, even when processes
/// on several machines write the same folder.
pub fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = path.with_file_name(format!(
        ".{}.tmp-{}-{}-{}",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        hostname(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&tmp, contents).map_err(|e| Error::io(format!("writing `{}`", tmp.display()), e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("writing `{}`", path.display()), e)
    })
}

/// A lock on one journal: a file holding `host pid`, removed when dropped.
#[derive(Debug)]
struct Lock {
    path: PathBuf,
}

fn pid_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

impl Lock {
    fn take(path: PathBuf) -> Result<Lock> {
        let me = format!("{} {}", hostname(), std::process::id());
        for _ in 0..3 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    f.write_all(me.as_bytes()).map_err(|e| Error::io(format!("writing `{}`", path.display()), e))?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let held = std::fs::read_to_string(&path).unwrap_or_default();
                    let mut words = held.split_whitespace();
                    let (host, pid) = (words.next().unwrap_or(""), words.next().and_then(|p| p.parse::<u32>().ok()));
                    let stale = host == hostname() && pid.is_some_and(|p| !pid_alive(p) || p == std::process::id());
                    if stale || held.is_empty() {
                        // Left by a sweep that was killed on this machine.
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    return Err(crate::error::InputError::new(format!(
                        "another agora sweep ({}) is writing `{}`",
                        held.trim(),
                        path.with_extension("jsonl").display()
                    ))
                    .help(format!("wait for it to finish, or if it is no longer running delete `{}`", path.display()))
                    .into());
                }
                Err(e) => return Err(Error::io(format!("creating `{}`", path.display()), e)),
            }
        }
        Err(Error::Run(format!("cannot take the lock `{}`", path.display())))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A journal this process appends to.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
    _lock: Lock,
}

impl Journal {
    /// Opens (or creates) `dir/results/<name>.jsonl` for appending, under its lock. A last line
    /// cut off by an interrupted write is removed; the returned note says so.
    pub fn open(dir: &Path, name: &str) -> Result<(Journal, Option<String>)> {
        let folder = dir.join(RESULTS);
        std::fs::create_dir_all(&folder).map_err(|e| Error::io(format!("creating `{}`", folder.display()), e))?;
        let lock = Lock::take(folder.join(format!("{name}.lock")))?;
        let path = folder.join(format!("{name}.jsonl"));
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| Error::io(format!("opening `{}`", path.display()), e))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|e| Error::io(format!("reading `{}`", path.display()), e))?;
        let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let note = if keep < bytes.len() {
            file.set_len(keep as u64).map_err(|e| Error::io(format!("repairing `{}`", path.display()), e))?;
            file.seek(SeekFrom::End(0)).map_err(|e| Error::io(format!("repairing `{}`", path.display()), e))?;
            Some(format!(
                "repaired `{}`: removed a record cut off by an interrupted write ({} bytes); its run will be done again",
                path.display(),
                bytes.len() - keep
            ))
        } else {
            None
        };
        Ok((Journal { path, file: Mutex::new(file), _lock: lock }, note))
    }

    /// Appends one record as one line, in one write, and flushes it to the operating system
    /// (so it survives the process being killed).
    pub fn append(&self, record: &Record) -> Result<()> {
        let mut line = serde_json::to_vec(record).map_err(|e| Error::Run(format!("a sweep record: {e}")))?;
        line.push(b'\n');
        let mut f = self.file.lock().map_err(|_| Error::Run("the journal lock was poisoned".into()))?;
        f.write_all(&line)
            .and_then(|_| f.flush())
            .map_err(|e| Error::io(format!("writing `{}`", self.path.display()), e))
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The journals of a sweep folder, sorted by name.
pub fn journals(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir.join(RESULTS))
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "jsonl")).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// Every record of every journal of `dir`, journal by journal in name order and line by line.
/// A last line without its newline (a write in progress, or cut off) is skipped; a line that is
/// not a record is skipped with a note.
pub fn read_records(dir: &Path) -> Result<(Vec<Record>, Vec<String>)> {
    let mut records = Vec::new();
    let mut notes = Vec::new();
    for path in journals(dir) {
        let bytes = std::fs::read(&path).map_err(|e| Error::io(format!("reading `{}`", path.display()), e))?;
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        for (i, line) in bytes[..complete].split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            match serde_json::from_slice::<Record>(line) {
                Ok(r) => records.push(r),
                Err(e) => notes.push(format!("`{}` line {}: not a sweep record ({e}); skipped", path.display(), i + 1)),
            }
        }
    }
    Ok((records, notes))
}

/// Makes `out` ready for a sweep: creates it, or accepts it if it is empty or already a
/// sweep's folder; refuses anything else.
pub(crate) fn prepare_folder(out: &Path) -> Result<()> {
    if out.exists() {
        let ours = out.join("design.json").is_file() || out.join(RESULTS).is_dir();
        let empty = std::fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !out.is_dir() || !(ours || empty) {
            return Err(InputError::new(format!(
                "`{}` exists and is not a sweep folder; refusing to write into it",
                out.display()
            ))
            .help("choose another folder with --out, or move that one away")
            .into());
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(format!("creating `{}`", out.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(point: &str, rep: u64) -> Record {
        Record {
            point: point.into(),
            replicate: rep,
            hash: "h".into(),
            seed: 1,
            ok: true,
            error: None,
            means: BTreeMap::from([("market".into(), BTreeMap::from([("gini_wealth".into(), 0.1 + rep as f64)]))]),
            agent_steps: 10,
            seconds: 0.5,
            finished_unix: 1.0,
            session: "s".into(),
            engine: "e".into(),
        }
    }

    #[test]
    fn records_round_trip_and_torn_tails_are_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (j, note) = Journal::open(dir.path(), "main").unwrap();
            assert!(note.is_none());
            j.append(&record("a", 0)).unwrap();
            j.append(&record("a", 1)).unwrap();
        }
        let path = dir.path().join("results/main.jsonl");
        let full = std::fs::read(&path).unwrap();
        // Cut the last record in half, as a kill in the middle of a write would.
        std::fs::write(&path, &full[..full.len() - 20]).unwrap();
        let (records, notes) = read_records(dir.path()).unwrap();
        assert_eq!((records.len(), notes.len()), (1, 0), "readers skip the torn line");
        assert_eq!(records[0], record("a", 0));
        let (j, note) = Journal::open(dir.path(), "main").unwrap();
        assert!(note.unwrap().contains("cut off"));
        j.append(&record("a", 1)).unwrap();
        drop(j);
        assert_eq!(std::fs::read(&path).unwrap(), full, "repaired, then the same bytes as before");
    }

    #[test]
    fn a_journal_is_written_by_one_process_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let results = dir.path().join(RESULTS);
        std::fs::create_dir_all(&results).unwrap();
        // A lock left by a process that no longer exists is taken over.
        std::fs::write(results.join("main.lock"), format!("{} 4294967", hostname())).unwrap();
        let (j, _) = Journal::open(dir.path(), "main").unwrap();
        drop(j);
        assert!(!results.join("main.lock").exists());
        // A live one elsewhere is respected.
        std::fs::write(results.join("main.lock"), "another-host 1").unwrap();
        let e = Journal::open(dir.path(), "main").unwrap_err();
        assert!(e.to_string().contains("another agora sweep"), "{e}");
    }
}
