//! Typed errors of the library. The binary maps [`Error::Input`] to exit code 2 and
//! everything else to exit code 1.

use std::fmt;
use std::path::{Path, PathBuf};

/// Any failure of the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user's input (a scenario file, a flag, an output folder) is not acceptable.
    #[error("{0}")]
    Input(#[from] InputError),
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the file.
        context: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The run itself failed (an invariant broke, a CSV could not be read back, ...).
    #[error("{0}")]
    Run(String),
    /// A signal stopped the run; the message says what was kept and where.
    #[error("{message}")]
    Interrupted {
        /// The signal's number (2 for SIGINT, 15 for SIGTERM): the exit code is 128 plus it.
        signal: i32,
        /// What was written where.
        message: String,
    },
}

impl Error {
    /// Wraps an I/O error with a sentence naming the file.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }

    /// The exit code the binary ends with: 2 for bad input, 128 plus the signal for an
    /// interrupted run (130 for Ctrl-C, 143 for SIGTERM), 1 for any other failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Input(_) => 2,
            Error::Interrupted { signal, .. } => (128 + signal).clamp(1, 255) as u8,
            _ => 1,
        }
    }
}

/// Result with the library's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A problem with user input, pointing at where it is: file, line and column, key.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InputError {
    /// The scenario file, if the problem is in one (boxed, like `more`, to keep the error
    /// under clippy's bound for an error type).
    pub file: Option<Box<Path>>,
    /// 1-based line and column in that file, if known.
    pub position: Option<(usize, usize)>,
    /// Dotted key path, such as `run.agents` or `policy.shocks[0].step`.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What is allowed, or a suggestion ("did you mean ...?").
    pub help: Option<String>,
    /// Further problems found in the same pass, in the order of the file (see
    /// [`InputError::all`]); empty for a single problem. Boxed to keep the error small.
    pub more: Box<Vec<InputError>>,
}

/// The most problems of one file reported at once; the rest are counted, not shown.
pub const MAX_PROBLEMS: usize = 20;

impl InputError {
    /// A problem with a message only.
    pub fn new(message: impl Into<String>) -> Self {
        InputError { message: message.into(), ..Default::default() }
    }

    /// A problem with the value at `key`.
    pub fn at(key: impl Into<String>, message: impl Into<String>) -> Self {
        InputError { key: Some(key.into()), message: message.into(), ..Default::default() }
    }

    /// Adds what is allowed or a suggestion.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Names the file the problem is in.
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into().into_boxed_path());
        self
    }

    /// Every problem in `problems` as one error, in the order of the file (by line and
    /// column; problems with no position last), the first carrying the others in
    /// [`InputError::more`]. `None` if there are none.
    pub fn all(problems: Vec<InputError>) -> Option<InputError> {
        let mut flat: Vec<InputError> = Vec::new();
        for mut p in problems {
            let more = std::mem::take(&mut p.more);
            flat.push(p);
            flat.extend(*more);
        }
        let mut unique: Vec<InputError> = Vec::new();
        for p in flat {
            if !unique.contains(&p) {
                unique.push(p);
            }
        }
        unique.sort_by_key(|p| p.position.map_or((usize::MAX, usize::MAX), |x| x));
        let mut it = unique.into_iter();
        let mut first = it.next()?;
        first.more = Box::new(it.collect());
        Some(first)
    }

    /// How many problems this error holds.
    pub fn count(&self) -> usize {
        1 + self.more.len()
    }
}

impl std::error::Error for InputError {}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote_place = false;
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some((line, col)) = self.position {
                write!(f, ":{line}:{col}")?;
            }
            wrote_place = true;
        }
        if let Some(key) = &self.key {
            if wrote_place {
                write!(f, ": ")?;
            }
            write!(f, "key `{key}`")?;
            wrote_place = true;
        }
        if wrote_place {
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        let shown = self.more.len().min(MAX_PROBLEMS.saturating_sub(1));
        for other in &self.more[..shown] {
            write!(f, "\nerror: {other}")?;
        }
        if !self.more.is_empty() {
            let n = self.count();
            let hidden =
                if shown < self.more.len() { format!(" (the first {MAX_PROBLEMS} shown)") } else { String::new() };
            write!(f, "\nerror: {n} problems{hidden}; each is reported above, in the order of the file")?;
        }
        Ok(())
    }
}
