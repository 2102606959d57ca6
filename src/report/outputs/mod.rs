//! Outputs that can never destroy an input or mix runs.
//!
//! - [`OutputsPlan`]: every path a command reads or writes, checked in one
//!   place before anything runs: an output that is an input, or another
//!   output, or a results folder that holds an input, is refused (exit 2).
//! - [`ResultsSet`]: a results folder written as one set. Everything goes
//!   into a fresh hidden sibling folder, `.<name>.edgesim-new-<pid>`, with
//!   a marker file [`MARKER`] listing every file (size and FNV-1a hash);
//!   then the fresh folder is swapped in (Linux `renameat2`
//!   `RENAME_EXCHANGE` where the file system has it; elsewhere rename the
//!   old folder aside to `.<name>.edgesim-old-<pid>`, rename the new one in,
//!   remove the old; a leftover is recovered on the next run). After a
//!   kill, Ctrl-C or a full disk the folder is the old set or the new one.
//!   A non-empty folder without a valid marker, or holding files its marker
//!   does not list, is never replaced.
//! - [`print`]: stdout that never panics and records its first error
//!   (a closed pipe, a full disk), for exit code [`EXIT_OUTPUT`].

use super::files::write_atomic;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// Exit code: an output could not be written (disk full, permission
/// denied, or stdout closed).
pub const EXIT_OUTPUT: u8 = 3;
/// Exit code: invalid input or usage.
pub const EXIT_INPUT: u8 = 2;

/// The marker file in every results folder.
pub const MARKER: &str = "edgesim-results.json";
/// The marker's `kind`.
pub const MARKER_KIND: &str = "edgesim-results";
/// The marker's layout version.
pub const MARKER_SCHEMA_VERSION: u32 = 1;

/// Set by tests to stop before the swap: the path of a file to create there.
const HOLD_ENV: &str = "EDGESIM_TEST_HOLD_BEFORE_SWAP";
/// Set by tests to stop between renaming the old folder aside and the new one in.
const HOLD_ASIDE_ENV: &str = "EDGESIM_TEST_HOLD_AFTER_ASIDE";
/// Set by tests to use rename-aside even where RENAME_EXCHANGE works.
const NO_EXCHANGE_ENV: &str = "EDGESIM_TEST_NO_EXCHANGE";

/// A failure to plan or write outputs: exit 2 (input, usage) or 3 (write).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputError {
    /// [`EXIT_INPUT`] or [`EXIT_OUTPUT`].
    pub code: u8,
    /// What went wrong, naming the path and flag.
    pub message: String,
}

impl OutputError {
    /// An input or usage error (exit 2).
    pub fn input(message: impl Into<String>) -> Self {
        OutputError { code: EXIT_INPUT, message: message.into() }
    }

    /// A write error (exit 3).
    pub fn write(message: impl Into<String>) -> Self {
        OutputError { code: EXIT_OUTPUT, message: message.into() }
    }
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

// ---------------------------------------------------------------------------
// Paths.

/// The absolute, symlink-free form of `p`, for paths that do not exist yet
/// too: the longest existing ancestor is canonicalised, the rest is joined
/// with `.` and `..` resolved.
pub fn resolve(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
    let comps: Vec<Component> = abs.components().collect();
    for i in (1..=comps.len()).rev() {
        let prefix: PathBuf = comps[..i].iter().collect();
        if let Ok(mut out) = fs::canonicalize(&prefix) {
            for c in &comps[i..] {
                match c {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::Normal(x) => out.push(x),
                    _ => {}
                }
            }
            return out;
        }
    }
    abs
}

/// Whether `inner` is `outer` or below it (both resolved).
fn within(inner: &Path, outer: &Path) -> bool {
    inner.starts_with(outer)
}

mod marker;
mod plan;
mod print;
mod set;
#[cfg(test)]
mod tests;

pub use marker::*;
pub use plan::*;
pub use print::*;
pub use set::*;
