//! `agora new`: a commented starter scenario ([`agora::library::write_starter`]), or a copy of a
//! bundled scenario to edit ([`agora::library::write_copy`]).

use crate::args::NewArgs;
use agora::error::Result;

/// Writes `<NAME>.toml` (the starter, or with `--from` a copy of that scenario) and says how
/// to check and run it.
pub fn new(args: &NewArgs, quiet: bool) -> Result<()> {
    let path = match &args.from {
        Some(from) => {
            // Read as every command reads a scenario: a file, else a bundled one by name.
            let source = agora::scenario::read(from)?;
            agora::library::write_copy(&args.name, &source.text)?
        }
        None => agora::library::write_starter(&args.name)?,
    };
    if quiet {
        return Ok(());
    }
    eprintln!("wrote {}; check it with `agora validate {0}`, run it with `agora run {0}`", path.display());
    Ok(())
}
