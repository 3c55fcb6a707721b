//! The command line as clap types: one struct of flags per command, and the flags that several
//! commands share ([`OverrideArgs`]). Nothing here runs anything.

use agora::scenario::{Overrides, PlotFormat};
use agora::RunOptions;
use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

/// Agent-based economies: gift, market, mutual credit and commons on one population.
#[derive(Parser, Debug)]
#[command(name = "agora", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Print nothing but errors: no progress bars, warnings or summaries.
    ///
    /// A command that exists to print keeps its result: `validate` the resolved scenario,
    /// `check` its table, `list` and `bench` theirs, `slurm --submit` the job ids, `serve` its
    /// address.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario and write its CSVs (and plots and report) to its output folder.
    Run(RunArgs),
    /// Run a scenario at every point of its `[sweep]`: resumable (points already done are
    /// skipped), in shards if asked; writes sweep.csv, sensitivity.csv, charts and sweep.html.
    Sweep(SweepArgs),
    /// Join the folders of a sweep's shards into one sweep.csv (with sensitivity.csv, charts
    /// and sweep.html), byte for byte what one machine would have written; names any point
    /// without results.
    Merge(MergeArgs),
    /// Write Slurm job arrays that run a sweep in shards, and a merge job after them
    /// (--submit submits them with sbatch).
    Slurm(SlurmArgs),
    /// Check a scenario file and print it resolved, with every default filled in.
    Validate(ValidateArgs),
    /// Run two variants of a scenario (say without and with a basic income) and write both runs
    /// and their paired comparison (second minus first).
    Compare(CompareArgs),
    /// List the bundled scenarios (each with the question it answers) and the regimes.
    List,
    /// Write `<NAME>.toml`, a commented starter scenario that validates and runs, or with
    /// --from a copy of a bundled scenario to edit (never overwrites a file).
    New(NewArgs),
    /// Run the validation suite: each case of scenarios/validation/ against its published number.
    Check(CheckArgs),
    /// Redraw the plots and report of a finished run from its CSV files.
    Plot(PlotArgs),
    /// Measure every registered regime (each example in the registry): agent-steps per second,
    /// set-up time and peak memory per agent, on each thread count.
    Bench(BenchArgs),
    /// Serve the classroom page: the scenario's regimes run live in a browser, with sliders for
    /// the questions a class asks.
    Serve(ServeArgs),
}

/// `agora run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The scenario: a TOML file, or a bundled one by name (`agora list`), such as showcase.
    pub scenario: PathBuf,
    /// Settings laid over the scenario's.
    #[command(flatten)]
    pub overrides: OverrideArgs,
    /// Print what the run would cost (runs, agent-steps, peak memory, output size, wall
    /// time from a short calibration run) and run nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `agora sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// The scenario with a `[sweep]` table: a TOML file, or a bundled one by name (`agora list`).
    pub scenario: PathBuf,
    /// Settings laid over the scenario's.
    #[command(flatten)]
    pub overrides: OverrideArgs,
    /// Run only shard K of N (K from 0 to N - 1): the points whose id is K modulo N.
    /// Join the shards with `agora merge`.
    #[arg(long, value_name = "K/N", value_parser = shard)]
    pub shard: Option<Shard>,
    /// Print what the sweep would run and cost (points, runs, agent-steps, peak memory,
    /// output size, wall time from a short calibration run) and run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Start no new run after this long (seconds, or 90s, 30m, 2h, 1h30m); run the same
    /// command again to continue.
    #[arg(long, value_name = "DURATION", value_parser = duration)]
    pub stop_after: Option<f64>,
}

/// `agora merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The sweep folders (shards of one sweep; one folder if they shared it).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Write the merged sweep here (default: the first folder).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `agora slurm`.
#[derive(Args, Debug)]
pub struct SlurmArgs {
    /// The scenario with a `[sweep]` table: a TOML file, or a bundled one by name (`agora list`).
    pub scenario: PathBuf,
    /// Shards (array tasks) to split the sweep into; fewer if the points are short
    /// (see --min-task-seconds) or fewer than that.
    #[arg(long, value_name = "N", value_parser = whole::<1, { u64::MAX }>)]
    pub shards: u64,
    /// Slurm partition (`#SBATCH --partition`).
    #[arg(long, value_name = "P")]
    pub partition: Option<String>,
    /// Time limit per task (`#SBATCH --time`, such as 30, 2:00:00, 1-0); tasks stop
    /// starting runs in time to end cleanly.
    #[arg(long, value_name = "T", value_parser = slurm_time)]
    pub time: Option<String>,
    /// CPUs per task (`#SBATCH --cpus-per-task`); each task runs that many threads.
    #[arg(long, value_name = "C", default_value_t = 1, value_parser = whole::<1, 4096>)]
    pub cpus: u64,
    /// Memory per task (`#SBATCH --mem`, such as 4G).
    #[arg(long, value_name = "M")]
    pub mem: Option<String>,
    /// The cluster's MaxArraySize (default: from `scontrol show config`, else 1001);
    /// longer arrays are split.
    #[arg(long, value_name = "N", value_parser = whole::<1, { u64::MAX }>)]
    pub max_array_size: Option<u64>,
    /// Least estimated work per task in seconds; shorter shards are packed together
    /// (0 = never pack).
    #[arg(long, value_name = "S", default_value_t = 300.0, value_parser = seconds)]
    pub min_task_seconds: f64,
    /// Submit the arrays and the merge job with sbatch.
    #[arg(long)]
    pub submit: bool,
    /// Settings laid over the scenario's.
    #[command(flatten)]
    pub overrides: OverrideArgs,
}

/// `agora validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// The scenario: a TOML file, or a bundled one by name (`agora list`), such as showcase.
    pub scenario: PathBuf,
    /// Print the scenario resolved (every default filled in) on stdout; without it a valid
    /// scenario prints one line on stderr.
    #[arg(long)]
    pub print: bool,
    /// Settings laid over the scenario's.
    #[command(flatten)]
    pub overrides: OverrideArgs,
}

/// `agora compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// The first scenario (the reference): a TOML file, or a bundled one by name.
    pub first: PathBuf,
    /// The second scenario (the variant): a TOML file, or a bundled one by name.
    pub second: PathBuf,
    /// Settings laid over both scenarios'.
    #[command(flatten)]
    pub overrides: OverrideArgs,
}

/// `agora new`.
#[derive(Args, Debug)]
pub struct NewArgs {
    /// The scenario's name (letters, digits, `_`, `-`).
    pub name: String,
    /// Write a copy of this scenario (a bundled one by name, such as showcase, or a file)
    /// instead of the starter, with its `name` set to NAME.
    #[arg(long, value_name = "SCENARIO")]
    pub from: Option<PathBuf>,
}

/// `agora plot`.
#[derive(Args, Debug)]
pub struct PlotArgs {
    /// The run's output folder (such as output/showcase).
    pub dir: PathBuf,
    /// Plot formats to draw (repeatable); default the run's `[output] plots`.
    #[arg(long, value_name = "FORMAT")]
    pub format: Vec<Format>,
}

/// `agora serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The scenario: a TOML file, or a bundled one by name (`agora list`); default showcase
    /// (scenarios/showcase.toml if that file is here, else the bundled one).
    pub scenario: Option<PathBuf>,
    /// The port to listen on (0 = any free port).
    #[arg(long, default_value_t = agora::serve::DEFAULT_PORT)]
    pub port: u16,
    /// The address to listen on; 0.0.0.0 lets other computers on the network open the page.
    #[arg(long, default_value = "127.0.0.1", value_parser = host)]
    pub host: IpAddr,
}

/// `agora bench`.
#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Agents per world.
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = whole::<2, { u64::MAX }>)]
    pub agents: u64,
    /// Steps per case.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = whole::<1, { u64::MAX }>)]
    pub steps: u64,
    /// Thread counts to measure, such as 1,2 (default: 1 and every core).
    #[arg(long, value_name = "T,...", value_delimiter = ',', value_parser = threads)]
    pub threads: Vec<usize>,
    /// Only these regimes or `regime:example` cases (default: every example of every regime).
    #[arg(long, value_name = "R,...", value_delimiter = ',', num_args = 1..)]
    pub regimes: Vec<String>,
    /// Record the metrics every N steps, as `[output] record_every` (1 = every step).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = whole::<1, { u64::MAX }>)]
    pub record_every: u64,
    /// A reference loop to run in the same batch (a program taking `AGENTS STEPS LAMBDA SEED`
    /// and printing `agent_steps_per_s N`); each case's speed is then also shown as a ratio.
    #[arg(long, value_name = "PROGRAM")]
    pub reference: Option<PathBuf>,
    /// Internal: measure the one case and thread count in this process and print its line.
    #[arg(long, hide = true)]
    pub one: bool,
}

/// `agora check`.
#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// Run the long variants: more replicates, finer thresholds (several minutes).
    #[arg(long)]
    pub long: bool,
    /// Run only this case (repeatable); `agora check --list` names them.
    #[arg(long = "case", value_name = "NAME", value_parser = case_names())]
    pub cases: Vec<String>,
    /// List the cases and exit.
    #[arg(long)]
    pub list: bool,
    /// Worker threads (0 = every core); results do not depend on it.
    #[arg(long, value_name = "N", value_parser = threads)]
    pub threads: Option<usize>,
    /// Print the table as Markdown.
    #[arg(long)]
    pub markdown: bool,
}

/// The flags of every command that runs a scenario: settings laid over the file's, and how to
/// run it.
#[derive(Args, Debug, Clone)]
pub struct OverrideArgs {
    /// Write the run's files directly into this folder (anywhere).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Worker threads (0 = every core); results do not depend on it.
    #[arg(long, value_name = "N", value_parser = threads)]
    pub threads: Option<usize>,
    /// Master seed.
    #[arg(long, value_name = "SEED")]
    pub seed: Option<u64>,
    /// Number of replicates.
    #[arg(long, value_name = "N")]
    pub replicates: Option<u64>,
    /// Number of steps.
    #[arg(long, value_name = "N")]
    pub steps: Option<u64>,
    /// Number of agents.
    #[arg(long, value_name = "N")]
    pub agents: Option<u64>,
    /// Steps left out of the summaries (default 50, or a quarter of the steps if fewer).
    #[arg(long, value_name = "N")]
    pub warmup: Option<u64>,
    /// Refuse a run estimated to need more memory than this (such as 4G); default the memory available.
    #[arg(long, value_name = "SIZE", value_parser = agora::engine::memory::parse_size)]
    pub max_memory: Option<u64>,
    /// Refuse a run whose agents' snapshots are estimated to take more disk than this (such as 10G); default the space left.
    #[arg(long, value_name = "SIZE", value_parser = agora::engine::memory::parse_size)]
    pub max_disk: Option<u64>,
}

impl OverrideArgs {
    /// How to run: threads, memory limit, the command line, and the signals that stop it.
    pub fn options(&self) -> RunOptions {
        let (threads, max_memory, max_disk) = (self.threads, self.max_memory, self.max_disk);
        let stop = Some(crate::interrupt::install());
        RunOptions { threads, command_line: std::env::args().collect(), max_memory, max_disk, stop }
    }

    /// The settings to lay over the scenario file's.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            agents: self.agents,
            steps: self.steps,
            replicates: self.replicates,
            seed: self.seed,
            warmup: self.warmup,
            out: self.out.clone(),
        }
    }
}

/// A plot format, as `--format` names it.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Raster, for slides and documents.
    Png,
    /// Vector, for papers and the HTML report.
    Svg,
}

impl From<Format> for PlotFormat {
    fn from(f: Format) -> PlotFormat {
        match f {
            Format::Png => PlotFormat::Png,
            Format::Svg => PlotFormat::Svg,
        }
    }
}

/// One shard of a sweep (`--shard K/N`): the points whose id is `k` modulo `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 0 to `n - 1`.
    pub k: u64,
    /// How many shards.
    pub n: u64,
}

/// The most worker threads a run may ask for.
const MAX_THREADS: u64 = 4096;

/// `--shard K/N`, with K from 0 to N - 1.
fn shard(text: &str) -> Result<Shard, String> {
    let example = "for example --shard 0/4 (shard K of N, K from 0 to N - 1)";
    let (k, n) = text.split_once('/').ok_or_else(|| format!("expected K/N; {example}"))?;
    let number = |s: &str| s.trim().parse::<u64>().map_err(|_| format!("`{s}` is not a whole number; {example}"));
    let (k, n) = (number(k)?, number(n)?);
    if n == 0 {
        return Err(format!("N must be at least 1; {example}"));
    }
    if k >= n {
        return Err(format!("K must be less than N: the {n} shards are numbered 0 to {}", n - 1));
    }
    Ok(Shard { k, n })
}

/// `--stop-after`: seconds, or text such as 90s, 30m, 2h, 1h30m.
fn duration(text: &str) -> Result<f64, String> {
    agora::scenario::sweep::parse_duration(&toml::Value::String(text.to_string()))
        .ok_or_else(|| "not a duration: give seconds, or text such as 90s, 30m, 2h, 1h30m".to_string())
}

/// A whole number from `MIN` to `MAX`.
fn whole<const MIN: u64, const MAX: u64>(text: &str) -> Result<u64, String> {
    let range = if MAX == u64::MAX { format!("at least {MIN}") } else { format!("from {MIN} to {MAX}") };
    match text.trim().parse::<u64>() {
        Ok(n) if (MIN..=MAX).contains(&n) => Ok(n),
        Ok(_) => Err(format!("must be {range}")),
        Err(_) => Err(format!("not a whole number; give one {range}")),
    }
}

/// `--threads`: 0 (every core) to [`MAX_THREADS`].
fn threads(text: &str) -> Result<usize, String> {
    let n = whole::<0, MAX_THREADS>(text).map_err(|e| format!("{e} (0 = every core)"))?;
    usize::try_from(n).map_err(|_| format!("must be at most {MAX_THREADS}"))
}

/// `--min-task-seconds`: a number of seconds, 0 or more.
fn seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s >= 0.0 && s.is_finite() => Ok(s),
        _ => Err("must be a number of seconds, 0 or more".to_string()),
    }
}

/// `--time`: a Slurm time limit, kept as written for `#SBATCH --time`.
fn slurm_time(text: &str) -> Result<String, String> {
    match agora::sweep::slurm::parse_time(text) {
        Some(_) => Ok(text.to_string()),
        None => Err("not a Slurm time: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS".to_string()),
    }
}

/// `--host`: an IP address, or `localhost`.
fn host(text: &str) -> Result<IpAddr, String> {
    if text == "localhost" {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    text.parse().map_err(|_| {
        "not an IP address: use 127.0.0.1 (this computer only, the default) or 0.0.0.0 (every network interface)"
            .to_string()
    })
}

/// `--case`: the names of the validation cases ([`agora::check::CASES`]).
fn case_names() -> PossibleValuesParser {
    PossibleValuesParser::new(agora::check::CASES.iter().map(|c| c.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parsers_take_what_the_help_promises() {
        assert_eq!(shard("0/4"), Ok(Shard { k: 0, n: 4 }));
        assert_eq!(shard(" 3 / 4 "), Ok(Shard { k: 3, n: 4 }));
        for bad in ["4/4", "1/0", "1", "a/2", "-1/2", "1/2/3"] {
            assert!(shard(bad).is_err(), "{bad}");
        }
        for (text, seconds) in [("90", 90.0), ("90s", 90.0), ("30m", 1800.0), ("2h", 7200.0), ("1h30m", 5400.0)] {
            assert_eq!(duration(text), Ok(seconds), "{text}");
        }
        assert!(duration("0").is_err() && duration("soon").is_err());
        assert_eq!((threads("0"), threads("4096")), (Ok(0), Ok(4096)));
        assert!(threads("4097").is_err() && threads("-1").is_err());
        assert_eq!((whole::<1, 4096>("1"), whole::<2, { u64::MAX }>("2")), (Ok(1), Ok(2)));
        assert!(whole::<1, 4096>("0").is_err() && whole::<2, { u64::MAX }>("1").is_err());
        assert_eq!((seconds("0"), seconds("2.5")), (Ok(0.0), Ok(2.5)));
        assert!(seconds("NaN").is_err() && seconds("-1").is_err() && seconds("inf").is_err());
        assert_eq!(slurm_time("1-0"), Ok("1-0".to_string()));
        assert!(slurm_time("tomorrow").is_err());
        assert_eq!(host("localhost"), Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert!(host("0.0.0.0").is_ok_and(|h| h.is_unspecified()) && host("::1").is_ok());
    }

    #[test]
    fn quiet_is_taken_before_or_after_the_command() {
        for args in [&["agora", "-q", "run", "x.toml"][..], &["agora", "run", "x.toml", "--quiet"]] {
            assert!(Cli::try_parse_from(args).is_ok_and(|c| c.quiet), "{args:?}");
        }
    }
}
