//! Command-line interface: parses flags with clap, shows progress on a terminal, and prints
//! results. This is the only module that knows about the terminal.

use agora::error::{Error, InputError, Result};
use agora::plan::{self, Plan};
use agora::scenario::Overrides;
use agora::sweep::{estimate, slurm as jobs, Sweep, SweepOptions, SweepProgress};
use agora::{regimes, RunOptions};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Agent-based economies: gift, market, mutual credit and commons on one population.
#[derive(Parser, Debug)]
#[command(name = "agora", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario and write its CSVs (and plots and report) to its output folder.
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        #[command(flatten)]
        overrides: OverrideArgs,
        /// Print what the run would cost (runs, agent-steps, peak memory, output size, wall
        /// time from a short calibration run) and run nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Run a scenario at every point of its `[sweep]`: resumable (points already done are
    /// skipped), in shards if asked; writes sweep.csv, sensitivity.csv, charts and sweep.html.
    Sweep {
        /// The scenario file with a `[sweep]` table.
        scenario: PathBuf,
        #[command(flatten)]
        overrides: OverrideArgs,
        /// Run only shard K of N (K from 0 to N - 1): the points whose id is K modulo N.
        /// Join the shards with `agora merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Print what the sweep would run and cost (points, runs, agent-steps, peak memory,
        /// output size, wall time from a short calibration run) and run nothing.
        #[arg(long)]
        dry_run: bool,
        /// Start no new run after this long (seconds, or 90s, 30m, 2h, 1h30m); run the same
        /// command again to continue.
        #[arg(long, value_name = "DURATION")]
        stop_after: Option<String>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Join the folders of a sweep's shards into one sweep.csv (with sensitivity.csv, charts
    /// and sweep.html), byte for byte what one machine would have written; names any point
    /// without results.
    Merge {
        /// The sweep folders (shards of one sweep; one folder if they shared it).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Write the merged sweep here (default: the first folder).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Write Slurm job arrays that run a sweep in shards, and a merge job after them
    /// (--submit submits them with sbatch).
    Slurm {
        /// The scenario file with a `[sweep]` table.
        scenario: PathBuf,
        /// Shards (array tasks) to split the sweep into; fewer if the points are short
        /// (see --min-task-seconds) or fewer than that.
        #[arg(long, value_name = "N")]
        shards: u64,
        /// Slurm partition (`#SBATCH --partition`).
        #[arg(long, value_name = "P")]
        partition: Option<String>,
        /// Time limit per task (`#SBATCH --time`, such as 30, 2:00:00, 1-0); tasks stop
        /// starting runs in time to end cleanly.
        #[arg(long, value_name = "T")]
        time: Option<String>,
        /// CPUs per task (`#SBATCH --cpus-per-task`); each task runs that many threads.
        #[arg(long, value_name = "C", default_value_t = 1)]
        cpus: u64,
        /// Memory per task (`#SBATCH --mem`, such as 4G).
        #[arg(long, value_name = "M")]
        mem: Option<String>,
        /// The cluster's MaxArraySize (default: from `scontrol show config`, else 1001);
        /// longer arrays are split.
        #[arg(long, value_name = "N")]
        max_array_size: Option<u64>,
        /// Least estimated work per task in seconds; shorter shards are packed together
        /// (0 = never pack).
        #[arg(long, value_name = "S", default_value_t = 300.0)]
        min_task_seconds: f64,
        /// Submit the arrays and the merge job with sbatch.
        #[arg(long)]
        submit: bool,
        #[command(flatten)]
        overrides: OverrideArgs,
        /// Print nothing but errors (and the job ids).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a scenario file and print it resolved, with every default filled in.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
        #[command(flatten)]
        overrides: OverrideArgs,
    },
    /// Run two variants of a scenario (say without and with a basic income) and write both runs
    /// and their paired comparison (second minus first).
    Compare {
        /// The first scenario (the reference).
        first: PathBuf,
        /// The second scenario (the variant).
        second: PathBuf,
        #[command(flatten)]
        overrides: OverrideArgs,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// List the bundled scenarios (each with the question it answers) and the regimes.
    List,
    /// Write `<NAME>.toml`, a commented starter scenario that validates and runs (never
    /// overwrites a file).
    New {
        /// The scenario's name (letters, digits, `_`, `-`).
        name: String,
    },
    /// Run the validation suite: each case of scenarios/validation/ against its published number.
    Check(CheckArgs),
    /// Redraw the plots and report of a finished run from its CSV files.
    Plot {
        /// The run's output folder (such as output/showcase).
        dir: PathBuf,
        /// Plot formats to draw (repeatable); default the run's `[output] plots`.
        #[arg(long, value_name = "FORMAT", value_parser = ["png", "svg"])]
        format: Vec<String>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Measure every registered regime (each example in the registry): agent-steps per second,
    /// set-up time and peak memory per agent, on each thread count.
    Bench(BenchArgs),
    /// Serve the classroom page: the scenario's regimes run live in a browser, with sliders for
    /// the questions a class asks.
    Serve {
        /// The scenario file (TOML); default scenarios/showcase.toml.
        scenario: Option<PathBuf>,
        /// The port to listen on (0 = any free port).
        #[arg(long, default_value_t = agora::serve::DEFAULT_PORT)]
        port: u16,
        /// The address to listen on; 0.0.0.0 lets other computers on the network open the page.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
    },
}

#[derive(Args, Debug, Clone)]
struct BenchArgs {
    /// Agents per world.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    agents: u64,
    /// Steps per case.
    #[arg(long, value_name = "N", default_value_t = 20)]
    steps: u64,
    /// Thread counts to measure, such as 1,2 (default: 1 and every core).
    #[arg(long, value_name = "T,...", value_delimiter = ',')]
    threads: Vec<usize>,
    /// Only these regimes or `regime:example` cases (default: every example of every regime).
    #[arg(long, value_name = "R,...", value_delimiter = ',', num_args = 1..)]
    regimes: Vec<String>,
    /// Record the metrics every N steps, as `[output] record_every` (1 = every step).
    #[arg(long, value_name = "N", default_value_t = 1)]
    record_every: u64,
    /// A reference loop to run in the same batch (a program taking `AGENTS STEPS LAMBDA SEED`
    /// and printing `agent_steps_per_s N`); each case's speed is then also shown as a ratio.
    #[arg(long, value_name = "PROGRAM")]
    reference: Option<PathBuf>,
    /// Internal: measure the one case and thread count in this process and print its line.
    #[arg(long, hide = true)]
    one: bool,
}

#[derive(Args, Debug, Clone)]
struct CheckArgs {
    /// Run the long variants: more replicates, finer thresholds (several minutes).
    #[arg(long)]
    long: bool,
    /// Run only this case (repeatable); `agora check --list` names them.
    #[arg(long = "case", value_name = "NAME")]
    cases: Vec<String>,
    /// List the cases and exit.
    #[arg(long)]
    list: bool,
    /// Worker threads (0 = every core); results do not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Print the table as Markdown.
    #[arg(long)]
    markdown: bool,
    /// No progress on the terminal; only the table.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug, Clone)]
struct OverrideArgs {
    /// Write the run's files directly into this folder (anywhere).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads (0 = every core); results do not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Master seed.
    #[arg(long, value_name = "SEED")]
    seed: Option<u64>,
    /// Number of replicates.
    #[arg(long, value_name = "N")]
    replicates: Option<u64>,
    /// Number of steps.
    #[arg(long, value_name = "N")]
    steps: Option<u64>,
    /// Number of agents.
    #[arg(long, value_name = "N")]
    agents: Option<u64>,
    /// Steps left out of the summaries (default 50, or a quarter of the steps if fewer).
    #[arg(long, value_name = "N")]
    warmup: Option<u64>,
    /// Refuse a run estimated to need more memory than this (such as 4G); default the memory available.
    #[arg(long, value_name = "SIZE", value_parser = agora::engine::memory::parse_size)]
    max_memory: Option<u64>,
    /// Refuse a run whose agents' snapshots are estimated to take more disk than this (such as 10G); default the space left.
    #[arg(long, value_name = "SIZE", value_parser = agora::engine::memory::parse_size)]
    max_disk: Option<u64>,
}

impl OverrideArgs {
    /// How to run: threads, memory limit, the command line, and the signals that stop it.
    fn options(&self) -> RunOptions {
        let (threads, max_memory, max_disk) = (self.threads, self.max_memory, self.max_disk);
        let stop = Some(crate::interrupt::install());
        RunOptions { threads, command_line: std::env::args().collect(), max_memory, max_disk, stop }
    }

    fn overrides(&self) -> Overrides {
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

/// Parses the command line and carries it out.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    // The commands that only print (`list`, `validate`) end quietly when their reader goes away
    // (`agora list | head`), as Unix tools do, instead of panicking in println!. The others
    // keep Rust's default, so that a closed pipe never kills a run before its files are whole.
    if matches!(cli.command, Command::List | Command::Validate { .. }) {
        sigpipe::reset();
    }
    match cli.command {
        Command::Run { scenario, overrides, dry_run, quiet } => {
            if dry_run {
                dry_run_scenario(&scenario, &overrides)
            } else {
                run_scenario(&scenario, &overrides, quiet)
            }
        }
        Command::Sweep { scenario, overrides, shard, dry_run, stop_after, quiet } => {
            sweep(&scenario, &overrides, shard.as_deref(), dry_run, stop_after.as_deref(), quiet)
        }
        Command::Merge { dirs, out, quiet } => merge(&dirs, out.as_deref(), quiet),
        Command::Slurm {
            scenario,
            shards,
            partition,
            time,
            cpus,
            mem,
            max_array_size,
            min_task_seconds,
            submit,
            overrides,
            quiet,
        } => {
            let job = SlurmArgs { shards, partition, time, cpus, mem, max_array_size, min_task_seconds, submit };
            slurm(&scenario, &overrides, &job, quiet)
        }
        Command::Validate { scenario, overrides } if agora::sweep::has_sweep(&scenario) => {
            let s = Sweep::load(&scenario, &overrides.overrides())?;
            warn_sweep(&s, false);
            let run = overrides.options();
            let threads = agora::thread_count(&s.base, &run);
            let options = SweepOptions {
                threads: run.threads,
                max_memory: run.max_memory,
                max_disk: run.max_disk,
                ..Default::default()
            };
            agora::sweep::guard_resources(&s, &options, threads)?;
            print!("{}", s.resolved_toml);
            eprintln!(
                "{}: valid sweep; {} design, {} point{} ({} position{}) x {} replicates, every point checked -> {}",
                scenario.display(),
                s.config.design.name(),
                s.points.len(),
                if s.points.len() == 1 { "" } else { "s" },
                s.positions.len(),
                if s.positions.len() == 1 { "" } else { "s" },
                s.base.run.replicates,
                s.out.display()
            );
            Ok(())
        }
        Command::Validate { scenario, overrides } => {
            let s = plan::load(&scenario, &overrides.overrides())?;
            warn(&s, false);
            agora::guard_resources(&s, &overrides.options())?;
            print!("{}", s.resolved_toml);
            eprintln!(
                "{}: valid; {} regime entr{}, {} agents x {} steps x {} replicates -> {}",
                scenario.display(),
                s.entries.len(),
                if s.entries.len() == 1 { "y" } else { "ies" },
                s.run.agents,
                s.run.steps,
                s.run.replicates,
                s.output_dir.display()
            );
            Ok(())
        }
        Command::List => {
            list();
            Ok(())
        }
        Command::New { name } => {
            let path = agora::library::write_starter(&name)?;
            eprintln!("wrote {}; check it with `agora validate {0}`, run it with `agora run {0}`", path.display());
            Ok(())
        }
        Command::Compare { first, second, overrides, quiet } => compare(&first, &second, &overrides, quiet),
        Command::Plot { dir, format, quiet } => plot(&dir, &format, quiet),
        Command::Check(args) => check(&args),
        Command::Bench(args) => bench(&args),
        Command::Serve { scenario, port, host } => serve(scenario, port, &host),
    }
}

/// Measures the regimes and prints one line per case, then the reference loop's speed.
fn bench(args: &BenchArgs) -> Result<()> {
    use agora::bench;
    if args.record_every == 0 || args.agents < 2 || args.steps == 0 {
        return Err(InputError::new("--record-every and --steps must be at least 1, --agents at least 2").into());
    }
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

/// Runs the validation suite and prints its table; fails (exit 1) if any outcome fails.
fn check(args: &CheckArgs) -> Result<()> {
    use agora::check;
    if args.list {
        for c in check::CASES {
            println!("{:<14} {:<40} {}", c.name, c.file, c.what);
        }
        return Ok(());
    }
    let bar = progress_bar(0, args.quiet);
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let options = check::CheckOptions { long: args.long, only: args.cases.clone(), threads: args.threads };
    let started = |c: &check::Case| bar.set_message(format!("{} ({})", c.name, c.file));
    let results = check::run(&options, &started)?;
    bar.finish_and_clear();
    print!("{}", check::table(&results, args.markdown));
    let total: usize = results.iter().map(|r| r.outcomes.len()).sum();
    let failed: usize = results.iter().map(|r| r.outcomes.iter().filter(|o| !o.pass).count()).sum();
    let times: Vec<String> = results.iter().map(|r| format!("{} {:.1} s", r.name, r.seconds)).collect();
    eprintln!("{} of {total} passed ({})", total - failed, times.join(", "));
    if failed > 0 {
        return Err(Error::Run(format!("{failed} of {total} validation outcomes failed")));
    }
    Ok(())
}

/// Starts the classroom server and prints its address; answers until interrupted.
fn serve(scenario: Option<PathBuf>, port: u16, host: &str) -> Result<()> {
    let scenario = scenario.unwrap_or_else(|| {
        let local = PathBuf::from("scenarios/showcase.toml");
        if local.is_file() {
            local
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/showcase.toml")
        }
    });
    let host: std::net::IpAddr = match host {
        "localhost" => std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        h => h.parse().map_err(|_| {
            InputError::at("--host", format!("`{h}` is not an IP address"))
                .help("use 127.0.0.1 (this computer only, the default) or 0.0.0.0 (every network interface)")
        })?,
    };
    let options =
        agora::serve::Options { scenario: scenario.clone(), host, port, limits: agora::serve::Limits::default() };
    let server = agora::serve::Server::bind(&options)?;
    let plan = server.plan();
    if plan.output.record_every != 1 {
        eprintln!(
            "warning: {}: key `output.record_every` acts on nothing here: the classroom page streams and records every step",
            scenario.display()
        );
    }
    eprintln!(
        "serving {} ({}: {}); press Ctrl-C to stop",
        scenario.display(),
        plan.name,
        plan.entries.iter().map(|e| e.label.as_str()).collect::<Vec<_>>().join(", ")
    );
    if host.is_unspecified() {
        eprintln!(
            "listening on every network interface: other computers open http://<this computer's address>:{}/",
            server.addr().port()
        );
    }
    println!("{}", server.url());
    server.run()
}

/// Redraws a run's plots and report from its files, as `[output]` of its resolved scenario
/// asks (or in the formats given); a sweep folder's charts and `sweep.html` likewise.
fn plot(dir: &Path, format: &[String], quiet: bool) -> Result<()> {
    use agora::scenario::PlotFormat;
    let started = std::time::Instant::now();
    if dir.join("design.json").is_file() {
        let (info, _) = agora::sweep::read_design(dir)?;
        let names: Vec<String> = if format.is_empty() { info.plots.clone() } else { format.to_vec() };
        let mut formats = Vec::new();
        for n in names {
            let p = if n == "png" { PlotFormat::Png } else { PlotFormat::Svg };
            if !formats.contains(&p) {
                formats.push(p);
            }
        }
        let figures = agora::output::sweep::write_figures(dir, &formats, info.report)?;
        if !quiet {
            println!(
                "wrote {} chart file{} of the sweep in {}{} ({:.2} s)",
                figures.plots.len(),
                if figures.plots.len() == 1 { "" } else { "s" },
                dir.join("plots").display(),
                figures.report.as_ref().map(|r| format!(" and {}", r.display())).unwrap_or_default(),
                started.elapsed().as_secs_f64()
            );
        }
        return Ok(());
    }
    let data = agora::output::plots::RunData::load(dir)?;
    let formats: Vec<PlotFormat> = if format.is_empty() {
        data.plot_formats.clone()
    } else {
        let mut f = Vec::new();
        for name in format {
            let p = if name == "png" { PlotFormat::Png } else { PlotFormat::Svg };
            if !f.contains(&p) {
                f.push(p);
            }
        }
        f
    };
    let figures = agora::output::draw_figures(&data, &formats, data.report)?;
    if !quiet {
        match (&figures.plots.len(), &figures.report) {
            (0, None) => println!(
                "nothing to draw: the run's scenario sets `[output] plots = false` and `report = false` (use --format png or --format svg)"
            ),
            (n, report) => println!(
                "wrote {n} plot file{} in {}{} ({:.2} s)",
                if *n == 1 { "" } else { "s" },
                dir.join("plots").display(),
                report.as_ref().map(|r| format!(" and {}", r.display())).unwrap_or_default(),
                started.elapsed().as_secs_f64()
            ),
        }
    }
    Ok(())
}

fn run_scenario(path: &Path, args: &OverrideArgs, quiet: bool) -> Result<()> {
    let mut scenario: Plan = plan::load(path, &args.overrides())?;
    warn(&scenario, quiet);
    if agora::sweep::has_sweep(path) {
        // The sweep owns output/<name>; the scenario without it goes beside.
        if args.out.is_none() {
            let name = scenario.output_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            scenario.output_dir.set_file_name(format!("{name}_base"));
        }
        if !quiet {
            eprintln!(
                "warning: {} has a [sweep] table; `agora run` runs the scenario without it, into {} (`agora sweep` runs its points)",
                path.display(),
                scenario.output_dir.display()
            );
        }
    }
    if args.threads.is_some_and(|t| t > 4096) {
        return Err(InputError::at("--threads", "must be at most 4096").into());
    }
    let options = args.options();
    let total = scenario.worlds() * scenario.run.replicates * scenario.run.steps;
    let bar = progress_bar(total, quiet);
    let tick = |n: u64| bar.inc(n);
    let report = agora::run_to_folder(&scenario, &options, &tick)?;
    bar.finish_and_clear();
    if !quiet {
        println!(
            "wrote {} ({} agent-steps in {:.2} s on {} thread{}: {:.1} M agent-steps/s)",
            report.dir.display(),
            report.agent_steps,
            report.simulate_seconds,
            report.threads,
            if report.threads == 1 { "" } else { "s" },
            report.agent_steps as f64 / report.simulate_seconds.max(1e-9) / 1e6
        );
        print_headline(&report.dir)?;
    }
    Ok(())
}

fn compare(first: &Path, second: &Path, args: &OverrideArgs, quiet: bool) -> Result<()> {
    let mut plain = args.overrides();
    plain.out = None;
    let a = plan::load(first, &plain)?;
    let b = plan::load(second, &plain)?;
    warn(&a, quiet);
    warn(&b, quiet);
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from(format!("output/{}_vs_{}", a.name, b.name)));
    let options = args.options();
    let worlds = |s: &Plan| s.worlds() * s.run.replicates * s.run.steps;
    let bar = progress_bar(worlds(&a) + worlds(&b), quiet);
    let tick = |n: u64| bar.inc(n);
    let (dir, reports) = agora::compare_to_folder(&a, &b, &out, &options, &tick)?;
    bar.finish_and_clear();
    if !quiet {
        println!(
            "wrote {} ({} and {} in sub-folders, comparison.csv beside them)",
            dir.display(),
            reports[0].dir.display(),
            reports[1].dir.display()
        );
        print_comparison(&dir.join("comparison.csv"))?;
    }
    Ok(())
}

/// Prints the headline rows of a cross-scenario `comparison.csv`.
fn print_comparison(path: &Path) -> Result<()> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| Error::Run(format!("reading `{}`: {e}", path.display())))?;
    let wanted = agora::metrics::headline();
    println!(
        "{:<24} {:<16} {:>10} {:>10} {:>22} {:>8}",
        "regime", "metric", "first", "second", "difference (95% CI)", "p"
    );
    for rec in reader.records().flatten() {
        if !wanted.iter().any(|w| *w == &rec[1]) {
            continue;
        }
        let f = |i: usize| rec[i].parse::<f64>().map(|x| format!("{x:.3}")).unwrap_or_default();
        println!(
            "{:<24} {:<16} {:>10} {:>10} {:>7} [{}, {}] {:>8}",
            &rec[0],
            &rec[1],
            f(4),
            f(5),
            f(6),
            f(7),
            f(8),
            f(10)
        );
    }
    Ok(())
}

/// Prints the plan's warnings (settings that act on nothing) to stderr, unless `quiet`.
fn warn(plan: &Plan, quiet: bool) {
    if !quiet {
        for w in &plan.warnings {
            eprintln!("warning: {w}");
        }
    }
}

/// Prints a sweep's warnings: the base scenario's, then the points' (each once).
fn warn_sweep(s: &Sweep, quiet: bool) {
    warn(&s.base, quiet);
    if !quiet {
        for w in &s.warnings {
            eprintln!("warning: at some sweep points: {w}");
        }
    }
}

/// A bar on a terminal; nothing when stderr is not a terminal, under CI, or with --quiet.
fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    let visible = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !visible {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} world-steps ({eta} left)")
    {
        bar.set_style(style);
    }
    bar
}

/// Prints the headline metrics of a finished run from its `summary.csv`.
fn print_headline(dir: &Path) -> Result<()> {
    let path = dir.join("summary.csv");
    let mut reader =
        csv::Reader::from_path(&path).map_err(|e| Error::Run(format!("reading `{}`: {e}", path.display())))?;
    // The headline measures, defined the same way in every goods regime; the rest (wealth
    // valued differently per regime, money) stay in summary.csv.
    let wanted = agora::metrics::headline();
    let mut table: Vec<(String, Vec<String>)> = Vec::new();
    for rec in reader.records().flatten() {
        let (regime, metric, mean, lo, hi) = (&rec[0], &rec[1], &rec[2], &rec[4], &rec[5]);
        let Some(col) = wanted.iter().position(|w| *w == metric) else {
            continue;
        };
        if table.last().map(|t| t.0.as_str()) != Some(regime) {
            table.push((regime.to_string(), vec![String::new(); wanted.len()]));
        }
        let cell = match (mean.parse::<f64>(), lo.parse::<f64>(), hi.parse::<f64>()) {
            (Ok(m), Ok(l), Ok(h)) => format!("{m:.3} ±{:.3}", (h - l) / 2.0),
            (Ok(m), _, _) => format!("{m:.3}"),
            _ => String::new(),
        };
        if let Some(last) = table.last_mut() {
            last.1[col] = cell;
        }
    }
    let used: Vec<usize> = (0..wanted.len()).filter(|&c| table.iter().any(|t| !t.1[c].is_empty())).collect();
    if table.is_empty() || used.is_empty() {
        return Ok(());
    }
    let w0 = table.iter().map(|t| t.0.len()).max().unwrap_or(6).max(6);
    let mut line = format!("{:<w0$}", "regime");
    for &c in &used {
        line.push_str(&format!("  {:>17}", wanted[c]));
    }
    println!("{line}");
    for (regime, cells) in &table {
        let mut line = format!("{regime:<w0$}");
        for &c in &used {
            line.push_str(&format!("  {:>17}", cells[c]));
        }
        println!("{line}");
    }
    println!("(means over replicates after warm-up, ± half the 95% interval)");
    Ok(())
}

fn list() {
    println!("Bundled scenarios (scenarios/; `sweep` ones run with `agora sweep`):");
    for b in agora::library::bundled() {
        let how = if b.sweep { "sweep" } else { "run" };
        println!("  {:<28} {how:<5}  {}", b.file, b.question);
    }
    println!("\nRegimes:");
    for r in regimes::REGIMES {
        println!("  {:<16} {}", r.name, r.summary);
    }
}

/// Bytes as kB, MB or GB.
fn bytes(b: u64) -> String {
    let b = b as f64;
    if b < 1e3 {
        format!("{b:.0} B")
    } else if b < 1e6 {
        format!("{:.0} kB", b / 1e3)
    } else if b < 1e9 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.2} GB", b / 1e9)
    }
}

/// Seconds as s, min or h.
fn duration(s: f64) -> String {
    if !s.is_finite() {
        return "?".into();
    }
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 5400.0 {
        format!("{:.0} min {:.0} s", (s / 60.0).floor(), s % 60.0)
    } else {
        format!("{:.0} h {:.0} min", (s / 3600.0).floor(), (s % 3600.0) / 60.0)
    }
}

/// A count of agent-steps in millions or billions.
fn count(n: u64) -> String {
    let x = n as f64;
    if x >= 1e9 {
        format!("{:.2} G", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.1} M", x / 1e6)
    } else {
        format!("{n}")
    }
}

fn print_estimate(e: &estimate::Estimate) {
    let c = &e.calibration;
    println!("  runs: {} ({} already done, {} to run)", e.runs, e.runs_done, e.runs_to_do);
    println!("  agent-steps: {} to simulate", count(e.agent_steps));
    println!(
        "  peak memory: about {} ({} run{} side by side)",
        bytes(e.peak_memory),
        e.workers,
        if e.workers == 1 { "" } else { "s" }
    );
    let parts: Vec<String> = e.output_parts.iter().map(|(n, b)| format!("{n} {}", bytes(*b))).collect();
    println!("  output: about {} ({})", bytes(e.output_bytes), parts.join(", "));
    println!(
        "  estimated wall time: {} on {} thread{}",
        duration(e.seconds),
        e.threads,
        if e.threads == 1 { "" } else { "s" }
    );
    println!(
        "  (calibration: {} side-by-side run{} of {} agents x {} world{} for {} steps in {:.2} s: {:.3} s to set up, {:.2} ms per step)",
        c.parallel,
        if c.parallel == 1 { "" } else { "s" },
        c.agents,
        c.worlds,
        if c.worlds == 1 { "" } else { "s" },
        c.steps,
        c.seconds,
        c.setup_seconds,
        c.step_seconds * 1e3
    );
}

fn dry_run_scenario(path: &Path, args: &OverrideArgs) -> Result<()> {
    let plan = plan::load(path, &args.overrides())?;
    warn(&plan, false);
    let threads = agora::thread_count(&plan, &RunOptions { threads: args.threads, ..Default::default() });
    let e = estimate::run(&plan, threads)?;
    println!(
        "dry run of {}: {} regime entr{} x {} agents x {} steps x {} replicates -> {}",
        plan.name,
        plan.entries.len(),
        if plan.entries.len() == 1 { "y" } else { "ies" },
        plan.run.agents,
        plan.run.steps,
        plan.run.replicates,
        plan.output_dir.display()
    );
    print_estimate(&e);
    println!("nothing was run or written; drop --dry-run to run it");
    Ok(())
}

fn parse_shard(text: &str) -> Result<(u64, u64)> {
    let bad = || {
        InputError::at("--shard", format!("`{text}` is not K/N")).help("for example --shard 0/4 (K from 0 to N - 1)")
    };
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if n == 0 || k >= n {
        return Err(bad().into());
    }
    Ok((k, n))
}

fn parse_budget(text: &str) -> Result<f64> {
    agora::scenario::sweep::parse_duration(&toml::Value::String(text.to_string())).ok_or_else(|| {
        InputError::at("--stop-after", format!("`{text}` is not a duration"))
            .help("seconds, or text such as 90s, 30m, 2h, 1h30m")
            .into()
    })
}

/// A bar over points, with points left and the time remaining (from this session's pace).
fn sweep_bar(quiet: bool) -> ProgressBar {
    let visible = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} points {msg}")
    {
        bar.set_style(style);
    }
    bar
}

fn sweep_progress(bar: &ProgressBar, p: &SweepProgress) {
    let left = p.points.saturating_sub(p.points_done);
    let eta = if p.runs_done > 0 && p.runs > p.runs_done {
        format!(", about {} to go", duration(p.elapsed / p.runs_done as f64 * (p.runs - p.runs_done) as f64))
    } else {
        String::new()
    };
    // The message first: setting the position redraws, and must not show the last message.
    bar.set_message(format!("({left} left{eta})"));
    bar.set_length(p.points as u64);
    bar.set_position(p.points_done as u64);
}

fn sweep(
    path: &Path,
    args: &OverrideArgs,
    shard: Option<&str>,
    dry_run: bool,
    stop_after: Option<&str>,
    quiet: bool,
) -> Result<()> {
    if args.threads.is_some_and(|t| t > 4096) {
        return Err(InputError::at("--threads", "must be at most 4096").into());
    }
    let shard = shard.map(parse_shard).transpose()?;
    let stop_after = stop_after.map(parse_budget).transpose()?;
    let s = Sweep::load(path, &args.overrides())?;
    warn_sweep(&s, quiet);
    let threads = agora::thread_count(&s.base, &RunOptions { threads: args.threads, ..Default::default() });
    if dry_run {
        let e = estimate::sweep(&s, threads, shard)?;
        println!(
            "dry run of sweep {}: {} design over {} parameter{}, {} distinct point{}{} ({} design position{}), {} replicates each -> {}",
            s.base.name,
            s.config.design.name(),
            s.info.parameters.len(),
            if s.info.parameters.len() == 1 { "" } else { "s" },
            e.points,
            if e.points == 1 { "" } else { "s" },
            shard.map(|(k, n)| format!(" in shard {k}/{n}")).unwrap_or_default(),
            s.positions.len(),
            if s.positions.len() == 1 { "" } else { "s" },
            s.base.run.replicates,
            s.out.display()
        );
        print_estimate(&e);
        println!("nothing was run or written; drop --dry-run to run it");
        return Ok(());
    }
    let run = args.options();
    let options = SweepOptions {
        threads: args.threads,
        shard,
        stop_after,
        command_line: run.command_line,
        max_memory: run.max_memory,
        max_disk: run.max_disk,
        stop: run.stop,
    };
    let bar = sweep_bar(quiet);
    let report = agora::sweep::run(&s, &options, &|p| sweep_progress(&bar, p))?;
    bar.finish_and_clear();
    for n in &report.notes {
        eprintln!("note: {n}");
    }
    if report.failed > 0 {
        eprintln!(
            "warning: {} run{} failed; {} recorded in {} and counted in the `failed` column (the next `agora sweep` retries them)",
            report.failed,
            if report.failed == 1 { "" } else { "s" },
            if report.failed == 1 { "it is" } else { "they are" },
            report.dir.join("failures.csv").display()
        );
    }
    if quiet {
        return Ok(());
    }
    let minutes = report.wall_seconds / 60.0;
    println!(
        "{}{}: {} point{} x {} replicates = {} runs ({} run now, {} reused{}) in {:.1} s on {} thread{}: {:.1} points/min, {:.1} M agent-steps/s",
        report.dir.display(),
        report.shard.map(|(k, n)| format!(" (shard {k}/{n})")).unwrap_or_default(),
        report.points,
        if report.points == 1 { "" } else { "s" },
        s.base.run.replicates,
        report.runs,
        report.ran,
        report.reused,
        if report.skipped > 0 { format!(", {} left out by the stop rule", report.skipped) } else { String::new() },
        report.wall_seconds,
        report.threads,
        if report.threads == 1 { "" } else { "s" },
        report.points_finished as f64 / minutes.max(1e-9),
        report.agent_steps as f64 / report.wall_seconds.max(1e-9) / 1e6
    );
    if report.budget_stop {
        println!("stopped by the time budget before every point was done; run the same command again to continue (sweep.partial.csv has the points done so far)");
    } else if report.shard.is_some() {
        println!("shard done; join the shards with `agora merge {}`", report.dir.display());
    } else if let Some(f) = &report.finished {
        println!(
            "wrote sweep.csv{}{}, {} chart file{}{}",
            if report.dir.join("sensitivity.csv").is_file() { ", sensitivity.csv" } else { "" },
            if f.failed > 0 { ", failures.csv" } else { "" },
            f.files.iter().filter(|p| p.parent().is_some_and(|d| d.ends_with("plots"))).count(),
            if f.files.iter().filter(|p| p.parent().is_some_and(|d| d.ends_with("plots"))).count() == 1 {
                ""
            } else {
                "s"
            },
            if report.dir.join("sweep.html").is_file() { " and sweep.html" } else { "" }
        );
        if f.stopped > 0 {
            println!("the stop rule left out {} point{}", f.stopped, if f.stopped == 1 { "" } else { "s" });
        }
        print_sweep_headline(&report.dir)?;
    }
    Ok(())
}

/// Prints the first headline metric of `sweep.csv`: points down, regimes across.
fn print_sweep_headline(dir: &Path) -> Result<()> {
    let path = dir.join("sweep.csv");
    let mut reader =
        csv::Reader::from_path(&path).map_err(|e| Error::Run(format!("reading `{}`: {e}", path.display())))?;
    let header: Vec<String> = reader.headers().map(|h| h.iter().map(str::to_string).collect()).unwrap_or_default();
    let (Some(ri), Some(mi), Some(mean), Some(lo), Some(hi)) = (
        header.iter().position(|h| h == "regime"),
        header.iter().position(|h| h == "metric"),
        header.iter().position(|h| h == "mean"),
        header.iter().position(|h| h == "ci95_low"),
        header.iter().position(|h| h == "ci95_high"),
    ) else {
        return Ok(());
    };
    let params = &header[2..ri];
    let mut metric: Option<String> = None;
    let mut regimes: Vec<String> = Vec::new();
    let mut rows: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for rec in reader.records().flatten() {
        let m = &rec[mi];
        if metric.get_or_insert_with(|| m.to_string()) != m {
            continue;
        }
        let point = rec.iter().skip(2).take(params.len()).collect::<Vec<_>>().join(", ");
        if rows.last().map(|r| &r.0) != Some(&point) {
            rows.push((point.clone(), Vec::new()));
        }
        let regime = rec[ri].to_string();
        if !regimes.contains(&regime) {
            regimes.push(regime.clone());
        }
        let cell = match (rec[mean].parse::<f64>(), rec[lo].parse::<f64>(), rec[hi].parse::<f64>()) {
            (Ok(m), Ok(l), Ok(h)) => format!("{m:.3} ±{:.3}", (h - l) / 2.0),
            (Ok(m), _, _) => format!("{m:.3}"),
            _ => "failed".into(),
        };
        if let Some(last) = rows.last_mut() {
            last.1.push((regime, cell));
        }
    }
    let Some(metric) = metric else { return Ok(()) };
    let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(params.join(", ").len()).min(40);
    let mut line = format!("{:<w0$}", params.join(", "));
    for r in &regimes {
        line.push_str(&format!("  {:>15}", r));
    }
    println!("{metric}:\n{line}");
    for (point, cells) in rows.iter().take(25) {
        let mut line = format!("{point:<w0$}");
        for r in &regimes {
            let c = cells.iter().find(|c| &c.0 == r).map(|c| c.1.as_str()).unwrap_or("");
            line.push_str(&format!("  {c:>15}"));
        }
        println!("{line}");
    }
    if rows.len() > 25 {
        println!("... {} more points in sweep.csv", rows.len() - 25);
    }
    println!("(means over replicates after warm-up, ± half the 95% interval)");
    Ok(())
}

fn merge(dirs: &[PathBuf], out: Option<&Path>, quiet: bool) -> Result<()> {
    let report = agora::sweep::merge(dirs, out)?;
    for n in &report.finished.notes {
        eprintln!("note: {n}");
    }
    if !quiet {
        println!(
            "merged {} folder{} ({} records) into {}: {} points{}",
            dirs.len(),
            if dirs.len() == 1 { "" } else { "s" },
            report.records,
            report.dir.join("sweep.csv").display(),
            report.points,
            if report.finished.failed > 0 {
                format!(", {} failed runs in failures.csv", report.finished.failed)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}

/// The job options of `agora slurm`.
struct SlurmArgs {
    shards: u64,
    partition: Option<String>,
    time: Option<String>,
    cpus: u64,
    mem: Option<String>,
    max_array_size: Option<u64>,
    min_task_seconds: f64,
    submit: bool,
}

fn absolute(p: &Path) -> Result<PathBuf> {
    if p.is_absolute() {
        return Ok(p.to_path_buf());
    }
    let cwd = std::env::current_dir().map_err(|e| Error::io("finding the current folder", e))?;
    Ok(cwd.join(p))
}

fn slurm(path: &Path, args: &OverrideArgs, job: &SlurmArgs, quiet: bool) -> Result<()> {
    if args.threads.is_some() {
        return Err(InputError::at("--threads", "sets nothing here: every task runs --cpus threads").into());
    }
    if job.cpus == 0 || job.cpus > 4096 {
        return Err(InputError::at("--cpus", "must be from 1 to 4096").into());
    }
    if job.min_task_seconds.is_nan() || job.min_task_seconds < 0.0 {
        return Err(InputError::at("--min-task-seconds", "must be 0 or more").into());
    }
    let mut overrides = args.overrides();
    if let Some(out) = &overrides.out {
        overrides.out = Some(absolute(out)?);
    }
    let s = Sweep::load(path, &overrides)?;
    warn_sweep(&s, quiet);
    if s.config.stop.is_some() {
        return Err(InputError::at("sweep.stop", "a sweep with a stop rule cannot be split into shards")
            .help("the stop rule needs every point's result in one place; run it with `agora sweep`, or remove `stop`")
            .into());
    }
    let e = estimate::sweep(&s, job.cpus as usize, None)?;
    let c = &e.calibration;
    let run_seconds = c.setup_seconds + c.step_seconds * s.base.run.steps as f64;
    let mut extra = Vec::new();
    for (flag, v) in [
        ("--seed", args.seed),
        ("--replicates", args.replicates),
        ("--steps", args.steps),
        ("--agents", args.agents),
        ("--warmup", args.warmup),
        ("--max-memory", args.max_memory),
        ("--max-disk", args.max_disk),
    ] {
        if let Some(v) = v {
            extra.push(flag.to_string());
            extra.push(v.to_string());
        }
    }
    s.prepare()?;
    let out = absolute(&s.out)?;
    let opts = jobs::SlurmOptions {
        shards: job.shards,
        partition: job.partition.clone(),
        time: job.time.clone(),
        cpus: job.cpus,
        mem: job.mem.clone(),
        max_array_size: job.max_array_size,
        min_task_seconds: job.min_task_seconds,
        agora: std::env::current_exe().map_err(|e| Error::io("finding the agora binary", e))?,
        scenario: std::fs::canonicalize(path).map_err(|e| Error::io(format!("finding `{}`", path.display()), e))?,
        out: out.clone(),
        workdir: std::env::current_dir().map_err(|e| Error::io("finding the current folder", e))?,
        extra,
        name: s.base.name.clone(),
    };
    let plan = jobs::plan_jobs(&opts, s.points.len(), e.seconds, run_seconds)?;
    let scripts = jobs::write_scripts(&opts, &plan)?;
    if !quiet {
        println!(
            "sweep {}: {} points x {} replicates = {} runs, about {} of work on {} CPU{} per task",
            s.base.name,
            s.points.len(),
            s.base.run.replicates,
            s.runs(),
            duration(e.seconds),
            job.cpus,
            if job.cpus == 1 { "" } else { "s" }
        );
        if plan.packed {
            println!(
                "packed into {} task{} (not {}): each has about {} of work (--min-task-seconds {})",
                plan.tasks,
                if plan.tasks == 1 { "" } else { "s" },
                job.shards,
                duration(plan.task_seconds),
                job.min_task_seconds
            );
        } else {
            println!("{} tasks of about {} each", plan.tasks, duration(plan.task_seconds));
        }
        println!(
            "{} array{} (MaxArraySize {} from {}), then a merge job after all of them (afterok)",
            plan.arrays.len(),
            if plan.arrays.len() == 1 { "" } else { "s" },
            plan.max_array_size.0,
            plan.max_array_size.1
        );
        if let Some(b) = plan.stop_after {
            println!(
                "each task starts no new run after {} (from --time), so it ends cleanly; resubmit to finish",
                duration(b)
            );
        }
        for p in &scripts {
            println!("wrote {}", p.display());
        }
    }
    if job.submit {
        let ids = jobs::submit(&opts, &plan)?;
        println!(
            "submitted array job{} {} and merge job {}",
            if ids.arrays.len() == 1 { "" } else { "s" },
            ids.arrays.join(" "),
            ids.merge
        );
    } else if !quiet {
        println!("submit with {} (or run again with --submit)", jobs::slurm_dir(&out).join("submit.sh").display());
    }
    Ok(())
}
