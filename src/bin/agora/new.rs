//! `agora new`: a commented starter scenario ([`agora::library::write_starter`]).

use crate::args::NewArgs;
use agora::error::Result;

/// Writes `<NAME>.toml` and says how to check and run it.
pub fn new(args: &NewArgs, quiet: bool) -> Result<()> {
    let path = agora::library::write_starter(&args.name)?;
    if quiet {
        return Ok(());
    }
    eprintln!("wrote {}; check it with `agora validate {0}`, run it with `agora run {0}`", path.display());
    Ok(())
}
