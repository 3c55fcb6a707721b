//! The `agora` command. All it does is call [`cli::run`] and turn its result into an exit
//! code: 0 on success, 2 for bad input, 1 when a run fails, 130 or 143 when Ctrl-C or SIGTERM
//! stopped it.

mod cli;
mod interrupt;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let label = if matches!(e, agora::error::Error::Interrupted { .. }) { "interrupted" } else { "error" };
            eprintln!("{label}: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
