//! The `agora` command. All it does is call [`cli::run`] and turn its result into an exit
//! code: 0 on success, 2 for bad input, 1 when a run fails.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.is_input() { 2 } else { 1 })
        }
    }
}
