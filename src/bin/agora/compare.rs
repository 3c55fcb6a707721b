//! `agora compare`: two scenarios on the same random numbers, and their paired differences.

use crate::args::CompareArgs;
use crate::print::{print_comparison, progress_bar, warn};
use agora::error::Result;
use agora::plan::{self, Plan};
use std::path::PathBuf;

/// Runs both scenarios (each as its own run, on the same seeds) into one folder with their
/// `comparison.csv`, and prints the headline rows of it.
pub fn compare(args: &CompareArgs, quiet: bool) -> Result<()> {
    let (first, second) = (&args.first, &args.second);
    let args = &args.overrides;
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
