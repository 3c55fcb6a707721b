//! `agora bench`: the speed of every registered regime ([`agora::bench`]).

use crate::args::BenchArgs;
use agora::error::{Error, InputError, Result};

/// Measures the regimes and prints one line per case, then the reference loop's speed.
pub fn bench(args: &BenchArgs) -> Result<()> {
    use agora::bench;
    let cases = bench::cases(&args.regimes);
    if cases.is_empty() {
        return Err(InputError::new(format!("no registered regime or example matches {:?}", args.regimes)).into());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = if args.threads.is_empty() { vec![1, cores] } else { args.threads.clone() };
    let mut threads: Vec<usize> = threads.into_iter().map(|t| if t == 0 { cores } else { t }).collect();
    threads.dedup();
    if args.one {
        let m = bench::measure(&cases[0], args.agents, args.steps, args.record_every, threads[0])?;
        println!("{}", m.to_line());
        return Ok(());
    }
    let exe = std::env::current_exe().map_err(|e| Error::Run(format!("finding this program: {e}")))?;
    let reference = |when: &str| -> Result<Option<f64>> {
        let Some(path) = &args.reference else { return Ok(None) };
        let speed = bench::reference_loop(path, args.agents, args.steps)?;
        println!("reference loop ({when}): {:.1} M agent-steps/s, 1 thread", speed / 1e6);
        Ok(Some(speed))
    };
    println!("{} agents, {} steps, metrics every {} step(s)", args.agents, args.steps, args.record_every);
    let before = reference("before")?;
    let mut head = format!("{:<28}", "case");
    for t in &threads {
        head += &format!(" {:>9}", format!("M/s {t}T"));
    }
    if before.is_some() {
        head += &format!(" {:>9}", "ratio");
    }
    println!("{head} {:>8} {:>8} {:>8} {:>10}", "x1T", "net s", "world s", "bytes/ag");
    for case in &cases {
        let mut line = format!("{:<28}", case.id());
        let mut runs = Vec::new();
        for &t in &threads {
            let m = bench::measure_apart(&exe, case, args.agents, args.steps, args.record_every, t)?;
            line += &format!(" {:>9.2}", m.agent_steps_per_second / 1e6);
            runs.push(m);
        }
        let last = runs.last().map_or(0.0, |m| m.agent_steps_per_second);
        if let Some(r) = before {
            line += &format!(" {:>9.3}", last / r);
        }
        let speedup = last / runs[0].agent_steps_per_second;
        let m = &runs[runs.len() - 1];
        let bytes = runs.iter().filter_map(|m| m.peak_bytes_per_agent).fold(f64::NAN, f64::max);
        println!("{line} {speedup:>8.2} {:>8.3} {:>8.3} {bytes:>10.0}", m.network_seconds, m.world_seconds);
    }
    reference("after")?;
    Ok(())
}
