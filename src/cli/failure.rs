//! How a command fails: the exit codes, the [`Failure`] that carries one
//! with its message, and the last word of the process (the message on
//! stderr, and a closed or full stdout turning success into exit 3).

use edgesim::report::outputs::{self, OutputError};
use edgesim::sweep::SweepError;

/// Exit code: every expectation holds.
pub const EXIT_OK: u8 = 0;
/// Exit code: an expectation failed (or a baseline drifted).
pub const EXIT_FAILED: u8 = 1;
/// Exit code: invalid input or usage.
pub const EXIT_INPUT: u8 = 2;
/// Exit code: an output could not be written (disk full, permission denied, or stdout closed).
pub const EXIT_OUTPUT: u8 = outputs::EXIT_OUTPUT;
/// Exit code: stopped by Ctrl-C (SIGINT), 128 + 2 as shells report it.
pub const EXIT_INTERRUPTED: u8 = 130;

/// A failure that ends the command with an exit code and a message.
#[derive(Debug)]
pub struct Failure {
    /// The exit code: [`EXIT_INPUT`], [`EXIT_OUTPUT`] or [`EXIT_INTERRUPTED`].
    pub code: u8,
    /// What went wrong, naming the file or flag.
    pub message: String,
}

/// Invalid input or usage (exit 2).
pub fn input_error(message: impl Into<String>) -> Failure {
    Failure { code: EXIT_INPUT, message: message.into() }
}

/// Stopped by Ctrl-C (exit 130).
pub fn interrupted(message: impl Into<String>) -> Failure {
    Failure { code: EXIT_INTERRUPTED, message: message.into() }
}

/// An output that could not be written (exit 3).
pub fn output_error(message: impl Into<String>) -> Failure {
    Failure { code: EXIT_OUTPUT, message: message.into() }
}

impl From<OutputError> for Failure {
    fn from(e: OutputError) -> Self {
        Failure { code: e.code, message: e.message }
    }
}

impl From<SweepError> for Failure {
    fn from(e: SweepError) -> Self {
        match e {
            SweepError::Input(message) => input_error(message),
            SweepError::Interrupted(message) => interrupted(message),
        }
    }
}

/// The process's exit code for a command's result; prints a failure's
/// message on stderr (`error: ...` or `interrupted: ...`).
pub fn exit_code(result: Result<u8, Failure>) -> u8 {
    let code = match result {
        Ok(code) => code,
        Err(f) => {
            let label = if f.code == EXIT_INTERRUPTED { "interrupted" } else { "error" };
            errln!("{label}: {}", f.message);
            f.code
        }
    };
    with_stdout_state(code)
}

/// A closed or full stdout turns exit 0 or 1 into [`EXIT_OUTPUT`], with a
/// message saying that the work went on to the end.
fn with_stdout_state(code: u8) -> u8 {
    match outputs::stdout_error() {
        Some(why) if code == EXIT_OK || code == EXIT_FAILED => {
            errln!(
                "error: {why}: printing stopped there, but the work went on to the end and every file was written \
                 (the exit code would have been {code}); exit {EXIT_OUTPUT}"
            );
            EXIT_OUTPUT
        }
        _ => code,
    }
}
