//! `agora merge`: the shards of a sweep joined into one.

use crate::args::MergeArgs;
use crate::print::plural;
use agora::error::Result;

/// Merges the shards' folders and says how many records and points the sweep has.
pub fn merge(args: &MergeArgs, quiet: bool) -> Result<()> {
    let (dirs, out) = (&args.dirs, args.out.as_deref());
    let report = agora::sweep::merge(dirs, out)?;
    for n in &report.finished.notes {
        eprintln!("note: {n}");
    }
    if !quiet {
        println!(
            "merged {} folder{} ({} records) into {}: {} points{}",
            dirs.len(),
            plural(dirs.len()),
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
