//! The memory a plan needs, estimated before anything is allocated, so that a scenario too big
//! for the machine is refused at once with the key that makes it big, instead of growing until
//! the allocator aborts or the machine swaps.
//!
//! The coefficients were measured on the release binary (maximum resident set of 200,000- and
//! 400,000-agent worlds, 3 and 10 goods, degree 8 and 64): about 100 bytes per agent, 28 per
//! agent and good, 10 per agent and unit of network degree. Records hold one row (`steps + 1`, or fewer with `[output] record_every`) of
//! every metric per world and replicate until the end, and again as CSV text. The estimate
//! adds a quarter on top.

pub use super::limits::bytes;
use super::limits::MemoryLimit;
use super::LARGE_WORLD;
use crate::error::InputError;
use crate::plan::Plan;
use crate::scenario::NetworkSpec;

/// Bytes per agent, whatever the goods and network.
const PER_AGENT: u64 = 100;
/// Bytes per agent and good.
const PER_AGENT_GOOD: u64 = 28;
/// Bytes per agent and unit of network degree (links both ways, and the builder's buffers).
const PER_AGENT_LINK: u64 = 10;
/// Bytes per recorded value: the `f64` and its CSV text.
const PER_RECORD: u64 = 8 + 24;
/// Bytes the process needs whatever the scenario (code, threads, buffers).
const BASE: u64 = 16 << 20;

/// What a run will hold in memory at its peak, by part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// Agents' columns of the worlds in flight.
    pub agents: u64,
    /// Their networks.
    pub network: u64,
    /// The per-step records of every world and replicate.
    pub records: u64,
    /// Worlds held at once.
    pub worlds_in_flight: u64,
    /// Everything, with the margin.
    pub total: u64,
}

impl MemoryEstimate {
    /// The key that sets the largest part, for the message that refuses the run.
    pub fn key(&self) -> &'static str {
        if self.records > self.agents + self.network {
            "run.steps"
        } else if self.network > self.agents {
            "population.network.degree"
        } else {
            "run.agents"
        }
    }
}

/// Estimates the memory of `plan` run on `threads` threads.
pub fn estimate(plan: &Plan, threads: usize) -> MemoryEstimate {
    let agents = plan.run.agents;
    let worlds = plan.worlds().saturating_mul(plan.run.replicates);
    // Large worlds run one at a time; small ones one per thread.
    let in_flight = if agents as usize >= LARGE_WORLD { 1 } else { worlds.min(threads.max(1) as u64) };
    let goods = plan.world.population.goods.len() as u64;
    let degree = plan
        .entries
        .iter()
        .map(|e| match e.world.population.network {
            NetworkSpec::Ring { degree } | NetworkSpec::ScaleFree { degree } => degree,
            NetworkSpec::SmallWorld { degree, .. } => degree,
            NetworkSpec::Complete {} => 0,
        })
        .max()
        .unwrap_or(0);
    let mul = |xs: &[u64]| xs.iter().fold(1u64, |a, &x| a.saturating_mul(x));
    let per_agent = PER_AGENT.saturating_add(PER_AGENT_GOOD.saturating_mul(goods));
    let agents_bytes = mul(&[agents, per_agent, in_flight]);
    let network = mul(&[agents, degree, PER_AGENT_LINK, in_flight]);
    let width = plan.layout.width() as u64;
    let records = mul(&[plan.output.recorded_count(plan.run.steps), width, worlds, PER_RECORD]);
    let sum = BASE.saturating_add(agents_bytes).saturating_add(network).saturating_add(records);
    let total = sum.saturating_add(sum / 4);
    MemoryEstimate { agents: agents_bytes, network, records, worlds_in_flight: in_flight, total }
}

/// Refuses `plan` if its estimate passes the bound, naming the limit that binds and listing
/// the others.
pub fn check(plan: &Plan, threads: usize, bound: &Bound) -> Result<MemoryEstimate, InputError> {
    let e = estimate(plan, threads);
    if e.total <= bound.bytes {
        return Ok(e);
    }
    let key = e.key();
    let mut err = InputError::at(
        key,
        format!(
            "the run needs about {} of memory ({} for agents, {} for networks, {} worlds at once; {} for records), more than {}",
            bytes(e.total),
            bytes(e.agents),
            bytes(e.network),
            e.worlds_in_flight,
            bytes(e.records),
            bound.describe()
        ),
    )
    .help(with_note(
        match key {
            "run.steps" => "fewer steps or replicates (every step of every replicate is recorded)",
            "population.network.degree" => "a smaller degree, or kind = \"complete\", which stores no links",
            _ => "fewer agents (or fewer threads, which run fewer worlds at once)",
        },
        bound,
    ));
    if let Some(path) = &plan.path {
        err = crate::scenario::source::at_key_in(err, path);
    }
    Err(err)
}

/// `help`, then the bound's note on a line of its own.
pub fn with_note(help: &str, bound: &Bound) -> String {
    let mut out = help.to_string();
    if bound.binding.soft {
        out.push_str("; --max-memory sets the limit");
    } else {
        out.push_str("; --max-memory cannot raise this limit, which is enforced outside agora");
    }
    if let Some(n) = bound.note() {
        out.push_str(&format!("\n  note: {n}"));
    }
    out
}

/// Reads a size such as `512M`, `4G`, `4GB` or `1000000` (bytes).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_uppercase();
    let t = t.strip_suffix('B').unwrap_or(&t);
    let (digits, shift) = match t.chars().last() {
        Some('K') => (&t[..t.len() - 1], 10),
        Some('M') => (&t[..t.len() - 1], 20),
        Some('G') => (&t[..t.len() - 1], 30),
        Some('T') => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    let x: f64 = digits.trim().parse().map_err(|_| format!("`{s}` is not a size such as 512M or 4G"))?;
    let v = x * (1u64 << shift) as f64;
    if !v.is_finite() || v < 1.0 || v >= u64::MAX as f64 {
        return Err(format!("`{s}` is not a size between 1 byte and 16 EB"));
    }
    Ok(v as u64)
}

/// The limit a run or sweep is held to: the tightest of every limit the process lives under
/// ([`super::limits::process`]), with `--max-memory` (`max`) in place of the memory
/// available; `None` if none is known.
pub fn limit(max: Option<u64>) -> Option<Bound> {
    bound(super::limits::process(), max)
}

/// The bound that binds among `limits`, `max` replacing the soft ones.
pub fn bound(limits: &[MemoryLimit], max: Option<u64>) -> Option<Bound> {
    let mut all: Vec<MemoryLimit> = limits.iter().filter(|l| !(l.soft && max.is_some())).cloned().collect();
    if let Some(m) = max {
        all.push(MemoryLimit { room: m, name: "--max-memory".into(), detail: bytes(m), soft: true });
    }
    let binding = all.iter().min_by_key(|l| l.room)?.clone();
    Some(Bound { bytes: binding.room, binding, all })
}

/// The limit that binds a run, and every limit the process lives under, for the refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// The bytes the run may use.
    pub bytes: u64,
    /// The limit that leaves the fewest.
    pub binding: MemoryLimit,
    /// Every limit, in the order they were read.
    pub all: Vec<MemoryLimit>,
}

impl Bound {
    /// `the 1.0 GB left under RLIMIT_AS (ulimit -v: 1.0 GB of which 20.0 MB mapped already)`.
    pub fn describe(&self) -> String {
        let b = &self.binding;
        if b.name == "--max-memory" {
            return format!("--max-memory ({})", bytes(b.room));
        }
        format!("the {} left under {}: {}", bytes(b.room), b.name, b.detail)
    }

    /// A note listing every limit and the room each leaves, when there is more than one.
    pub fn note(&self) -> Option<String> {
        (self.all.len() > 1).then(|| {
            let each: Vec<String> = self.all.iter().map(|l| format!("{} {} left", l.name, bytes(l.room))).collect();
            format!("limits on this process, the smallest binding: {}", each.join("; "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_and_without_units() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("4gb"), Ok(4 << 30));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("-1G").is_err() && parse_size("lots").is_err() && parse_size("1e300").is_err());
    }
}
