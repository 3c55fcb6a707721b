//! Signals: SIGINT (Ctrl-C) and SIGTERM ask the run to stop at the next step boundary, keeping
//! the replicates already complete; a second one ends the process at once. SIGXFSZ (a file
//! size limit reached) is caught so that the write fails with an error naming the file,
//! instead of killing the process.

use signal_hook::consts::{SIGINT, SIGTERM, SIGXFSZ};
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::Arc;

/// Installs the handlers and returns the flag the run watches: 0 while running, else the
/// number of the signal that asked it to stop.
pub fn install() -> Arc<AtomicUsize> {
    let which = Arc::new(AtomicUsize::new(0));
    let asked = Arc::new(AtomicBool::new(false));
    for sig in [SIGINT, SIGTERM] {
        // Registered first, so it sees whether an earlier signal already asked.
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, asked.clone());
        let _ = signal_hook::flag::register(sig, asked.clone());
        let _ = signal_hook::flag::register_usize(sig, which.clone(), sig as usize);
    }
    let _ = signal_hook::flag::register(SIGXFSZ, Arc::new(AtomicBool::new(false)));
    which
}
