//! `agora bench`: the speed of every registered regime, as a new user would measure it.
//!
//! Each case is one example of one regime in [`crate::regimes::REGIMES`] (a new regime is
//! benchmarked by its registry line), run as a compare-mode world of `agents` agents for
//! `steps` steps on a pool of `threads` threads, every metric recorded (or every
//! `record_every`-th step). Set-up (the network, then the world and the regime's `init`) is
//! timed apart from stepping. Each case runs in a process of its own ([`measure_apart`]: the
//! allocator keeps what earlier cases freed, so their peaks would hide this one's); its peak
//! memory is the growth of the process's peak resident set (`VmHWM`) over its resident set
//! before the case.

use crate::engine::Sim;
use crate::error::{Error, Result};
use crate::plan::{parse, Plan};
use crate::regimes::REGIMES;
use crate::rng::Streams;
use crate::scenario::Overrides;
use std::sync::Arc;
use std::time::Instant;

/// One benchmark case: an example of a registered regime.
#[derive(Debug, Clone)]
pub struct Case {
    /// The regime's name.
    pub regime: &'static str,
    /// The example's label in the registry.
    pub example: &'static str,
    /// The example's settings (TOML laid over the scenario).
    pub settings: &'static str,
}

impl Case {
    /// `regime:example`, as `--regimes` accepts it.
    pub fn id(&self) -> String {
        format!("{}:{}", self.regime, self.example)
    }

    /// The scenario of this case at `agents` agents and `steps` steps.
    pub fn scenario(&self, agents: u64, steps: u64, record_every: u64) -> String {
        let label = format!("{}_{}", self.regime, self.example);
        format!(
            "name = \"bench\"\nregimes = [\"{r}:{label}\"]\n[run]\nagents = {agents}\nsteps = {steps}\nreplicates = 1\n\
             warmup = 0\n[output]\nsnapshots = []\nrecord_every = {record_every}\n[variant.{label}]\n{s}\n",
            r = self.regime,
            s = self.settings
        )
    }
}

/// Every example of every registered regime whose name or `regime:example` id is in `only`
/// (all of them if `only` is empty).
pub fn cases(only: &[String]) -> Vec<Case> {
    REGIMES
        .iter()
        .flat_map(|r| r.examples.iter().map(move |&(example, settings)| Case { regime: r.name, example, settings }))
        .filter(|c| only.is_empty() || only.iter().any(|o| *o == c.regime || *o == c.id()))
        .collect()
}

/// What one case measured.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// Threads of the pool it ran on.
    pub threads: usize,
    /// Seconds to build the network.
    pub network_seconds: f64,
    /// Seconds to build the world and run the regime's `init`.
    pub world_seconds: f64,
    /// Seconds of stepping (phases and recording), the initial record included.
    pub step_seconds: f64,
    /// Agent-steps per second of stepping.
    pub agent_steps_per_second: f64,
    /// Growth of the peak resident set during the case, per agent (`None` where `/proc` is
    /// not readable).
    pub peak_bytes_per_agent: Option<f64>,
}

impl Measurement {
    /// The line a case's own process prints for [`measure_apart`].
    pub fn to_line(&self) -> String {
        format!(
            "measured {} {} {} {} {} {}",
            self.threads,
            self.network_seconds,
            self.world_seconds,
            self.step_seconds,
            self.agent_steps_per_second,
            self.peak_bytes_per_agent.unwrap_or(f64::NAN)
        )
    }

    /// Reads [`Measurement::to_line`]'s line.
    pub fn from_line(line: &str) -> Option<Measurement> {
        let f: Vec<&str> = line.strip_prefix("measured ")?.split(' ').collect();
        let x = |k: usize| f.get(k).and_then(|v| v.parse::<f64>().ok());
        let bytes = x(5)?;
        Some(Measurement {
            threads: f.first()?.parse().ok()?,
            network_seconds: x(1)?,
            world_seconds: x(2)?,
            step_seconds: x(3)?,
            agent_steps_per_second: x(4)?,
            peak_bytes_per_agent: bytes.is_finite().then_some(bytes),
        })
    }
}

/// Runs `case` in a process of its own: `exe bench --one` (this binary) with the case's
/// settings, reading back the line it prints.
pub fn measure_apart(
    exe: &std::path::Path,
    case: &Case,
    agents: u64,
    steps: u64,
    record_every: u64,
    threads: usize,
) -> Result<Measurement> {
    let args = [
        "bench".to_string(),
        "--one".into(),
        "--regimes".into(),
        case.id(),
        "--agents".into(),
        agents.to_string(),
        "--steps".into(),
        steps.to_string(),
        "--record-every".into(),
        record_every.to_string(),
        "--threads".into(),
        threads.to_string(),
    ];
    let out = std::process::Command::new(exe)
        .args(args)
        .output()
        .map_err(|e| Error::Run(format!("{}: {e}", exe.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(Measurement::from_line)
        .ok_or_else(|| Error::Run(format!("bench case {}: {}", case.id(), String::from_utf8_lossy(&out.stderr).trim())))
}

/// A field of `/proc/self/status` in bytes.
fn status_bytes(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line[field.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

/// Runs `case` on a pool of `threads` threads.
pub fn measure(case: &Case, agents: u64, steps: u64, record_every: u64, threads: usize) -> Result<Measurement> {
    let plan: Plan = parse(&case.scenario(agents, steps, record_every), None, &Overrides::default())
        .map_err(|e| Error::Run(format!("bench case {}: {e}", case.id())))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Run(format!("thread pool: {e}")))?;
    let before = status_bytes("VmRSS:");
    pool.install(|| {
        let t = Instant::now();
        let streams = Streams::new(plan.run.seed, 0);
        let network = Arc::new(crate::world::build_network(&plan.entries[0].world, &streams));
        let network_seconds = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let sim = Sim::compare(&plan, 0, 0, network);
        let world_seconds = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let rows = sim.run(&crate::engine::Quiet)?;
        let step_seconds = t.elapsed().as_secs_f64();
        drop(rows);
        let peak = status_bytes("VmHWM:");
        let peak_bytes_per_agent = match (before, peak) {
            (Some(b), Some(p)) => Some(p.saturating_sub(b) as f64 / agents as f64),
            _ => None,
        };
        Ok(Measurement {
            threads,
            network_seconds,
            world_seconds,
            step_seconds,
            agent_steps_per_second: (agents * steps) as f64 / step_seconds,
            peak_bytes_per_agent,
        })
    })
}

/// The speed of the reference loop at `path` (a program taking `AGENTS STEPS LAMBDA SEED` and
/// printing `agent_steps_per_s N`), run once with `agents` agents and `steps` steps.
pub fn reference_loop(path: &std::path::Path, agents: u64, steps: u64) -> Result<f64> {
    let out = std::process::Command::new(path)
        .args([agents.to_string(), steps.to_string(), "0".into(), "1".into()])
        .output()
        .map_err(|e| Error::Run(format!("{}: {e}", path.display())))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("agent_steps_per_s ").and_then(|x| x.trim().parse().ok()))
        .ok_or_else(|| Error::Run(format!("{}: no `agent_steps_per_s` line in its output", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_example_is_a_case_and_plans() {
        let all = cases(&[]);
        assert_eq!(all.len(), REGIMES.iter().map(|r| r.examples.len()).sum::<usize>());
        for c in &all {
            parse(&c.scenario(1000, 3, 1), None, &Overrides::default()).unwrap_or_else(|e| panic!("{}: {e}", c.id()));
        }
        assert!(cases(&["market".into()]).iter().all(|c| c.regime == "market"));
        assert_eq!(cases(&["gift:donation".into()]).len(), 1);
        let m = Measurement {
            threads: 2,
            network_seconds: 0.5,
            world_seconds: 0.25,
            step_seconds: 2.0,
            agent_steps_per_second: 1e7,
            peak_bytes_per_agent: None,
        };
        let back = Measurement::from_line(&m.to_line()).unwrap();
        assert_eq!((back.threads, back.step_seconds, back.peak_bytes_per_agent), (2, 2.0, None));
    }
}
