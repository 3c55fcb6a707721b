//! `agora check`: the validation suite ([`agora::check`]).

use crate::args::CheckArgs;
use crate::print::progress_bar;
use agora::error::{Error, Result};
use indicatif::ProgressStyle;

/// Runs the validation suite and prints its table; fails (exit 1) if any outcome fails.
pub fn check(args: &CheckArgs, quiet: bool) -> Result<()> {
    use agora::check;
    if args.list {
        for c in check::CASES {
            println!("{:<14} {:<40} {}", c.name, c.file, c.what);
        }
        return Ok(());
    }
    let bar = progress_bar(0, quiet);
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
