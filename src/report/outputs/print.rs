//! Stdout that never panics and records its first error (a closed pipe, a
//! full disk), for exit code 3.

use super::*;

// ---------------------------------------------------------------------------
// Stdout.

/// The first error writing stdout.
static STDOUT_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Prints `text` to stdout; never panics. After the first error (a closed
/// pipe, a full disk) nothing more is printed and [`stdout_error`] says why.
pub fn print(text: &str) {
    let Ok(mut failed) = STDOUT_ERROR.lock() else { return };
    if failed.is_some() {
        return;
    }
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        *failed = Some(if e.kind() == io::ErrorKind::BrokenPipe {
            "stdout was closed (broken pipe)".to_string()
        } else {
            format!("cannot write to stdout: {e}")
        });
    }
}

/// Why stdout could not be written, if it could not.
pub fn stdout_error() -> Option<String> {
    print("");
    STDOUT_ERROR.lock().ok().and_then(|e| e.clone())
}

/// Prints to stderr; never panics (a closed stderr is ignored).
pub fn eprint(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}
