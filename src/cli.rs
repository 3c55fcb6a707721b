//! Command-line interface: parses flags with clap, shows progress on a terminal, and prints
//! results. This is the only module that knows about the terminal.

use agora::error::{Error, InputError, Result};
use agora::plan::{self, Plan};
use agora::scenario::{self, Overrides};
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
        /// Print nothing but errors.
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
    /// List the bundled scenarios and the regimes.
    List,
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
}

impl OverrideArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            agents: self.agents,
            steps: self.steps,
            replicates: self.replicates,
            seed: self.seed,
            out: self.out.clone(),
        }
    }
}

/// Parses the command line and carries it out.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run { scenario, overrides, quiet } => run_scenario(&scenario, &overrides, quiet),
        Command::Validate { scenario, overrides } => {
            let s = plan::load(&scenario, &overrides.overrides())?;
            warn(&s, false);
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
        Command::Compare { first, second, overrides, quiet } => compare(&first, &second, &overrides, quiet),
        Command::Plot { dir, format, quiet } => plot(&dir, &format, quiet),
        Command::Check(args) => check(&args),
        Command::Serve { scenario, port, host } => serve(scenario, port, &host),
    }
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
/// asks (or in the formats given).
fn plot(dir: &Path, format: &[String], quiet: bool) -> Result<()> {
    use agora::scenario::PlotFormat;
    let started = std::time::Instant::now();
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
    let scenario: Plan = plan::load(path, &args.overrides())?;
    warn(&scenario, quiet);
    if args.threads.is_some_and(|t| t > 4096) {
        return Err(InputError::at("--threads", "must be at most 4096").into());
    }
    let options = RunOptions { threads: args.threads, command_line: std::env::args().collect() };
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
    let options = RunOptions { threads: args.threads, command_line: std::env::args().collect() };
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
    let wanted = ["needs_met_mean", "needs_met_p10", "gini_wealth", "destitute_share", "resource_stock"];
    println!(
        "{:<24} {:<16} {:>10} {:>10} {:>22} {:>8}",
        "regime", "metric", "first", "second", "difference (95% CI)", "p"
    );
    for rec in reader.records().flatten() {
        if !wanted.contains(&&rec[1]) {
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
    let wanted = ["needs_met_mean", "needs_met_p10", "destitute_share", "gini_wealth", "resource_stock", "gini_money"];
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
    let root = if Path::new("scenarios").is_dir() {
        PathBuf::from("scenarios")
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
    };
    println!("Bundled scenarios ({}):", root.display());
    for (path, name, description) in scenario::bundled(&root) {
        let first = description.split(". ").next().unwrap_or("").trim_end_matches('.');
        let shown = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
        println!("  {shown:<32} {name:<20} {first}");
    }
    println!("\nRegimes:");
    for r in regimes::REGIMES {
        println!("  {:<16} {}", r.name, r.summary);
    }
}
