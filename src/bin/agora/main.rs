//! The `agora` command. `main` calls [`run`] and turns its result into an exit code: 0 on
//! success, 2 for bad input (clap's own refusals included), 1 when a run fails, 130 or 143
//! when Ctrl-C or SIGTERM stopped it.
//!
//! The flags are clap types in [`args`]; each command is a file of its own that turns its
//! flags into library calls; [`print`] has the tables, progress bars and warnings. This binary
//! is the only part of agora that knows about the terminal.

#![warn(clippy::missing_docs_in_private_items)]

mod args;
mod bench;
mod check;
mod compare;
mod interrupt;
mod list;
mod merge;
mod new;
mod plot;
mod print;
mod run;
mod serve;
mod slurm;
mod sweep;
mod validate;

use agora::error::{Error, Result};
use args::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

/// Runs the command and ends with its exit code, printing the error if there is one.
fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let label = if matches!(e, Error::Interrupted { .. }) { "interrupted" } else { "error" };
            eprintln!("{label}: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Parses the command line and carries it out.
fn run() -> Result<()> {
    let cli = Cli::parse();
    // The commands that only print (`list`, `validate`) end quietly when their reader goes away
    // (`agora list | head`), as Unix tools do, instead of panicking in println!. The others
    // keep Rust's default, so that a closed pipe never kills a run before its files are whole.
    if matches!(cli.command, Command::List | Command::Validate(_)) {
        sigpipe::reset();
    }
    let quiet = cli.quiet;
    match &cli.command {
        Command::Run(args) => run::run(args, quiet),
        Command::Sweep(args) => sweep::sweep(args, quiet),
        Command::Merge(args) => merge::merge(args, quiet),
        Command::Slurm(args) => slurm::slurm(args, quiet),
        Command::Validate(args) => validate::validate(args, quiet),
        Command::Compare(args) => compare::compare(args, quiet),
        Command::List => {
            list::list();
            Ok(())
        }
        Command::New(args) => new::new(args, quiet),
        Command::Check(args) => check::check(args, quiet),
        Command::Plot(args) => plot::plot(args, quiet),
        Command::Bench(args) => bench::bench(args),
        Command::Serve(args) => serve::serve(args, quiet),
    }
}
