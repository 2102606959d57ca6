//! Reading a summary.json back, typed: the schema version first, then the
//! whole, with errors that name the file and say what is wrong.

use super::{Summary, SCHEMA_VERSION};
use serde::Deserialize;
use serde_json::error::Category;
use std::fmt;
use std::path::{Path, PathBuf};

/// Why a summary.json could not be read.
#[derive(Debug)]
pub enum SummaryError {
    /// The file could not be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The file is not JSON (the error gives line and column).
    NotJson {
        /// The file.
        path: PathBuf,
        /// Where and why, from serde_json.
        error: serde_json::Error,
    },
    /// The JSON has no whole-number `schema_version`.
    NoVersion {
        /// The file.
        path: PathBuf,
    },
    /// Another schema than this edgesim reads ([`SCHEMA_VERSION`]).
    OtherVersion {
        /// The file.
        path: PathBuf,
        /// The version the file says.
        found: u64,
    },
    /// The schema version is right but a field is missing, renamed or of
    /// another type (the error names it, with line and column).
    Shape {
        /// The file.
        path: PathBuf,
        /// Which field and where, from serde_json.
        error: serde_json::Error,
    },
}

impl SummaryError {
    /// The file at fault.
    pub fn path(&self) -> &Path {
        match self {
            SummaryError::Unreadable { path, .. }
            | SummaryError::NotJson { path, .. }
            | SummaryError::NoVersion { path }
            | SummaryError::OtherVersion { path, .. }
            | SummaryError::Shape { path, .. } => path,
        }
    }

    /// What is wrong, without the file's name.
    pub fn reason(&self) -> String {
        match self {
            SummaryError::Unreadable { error, .. } => format!("cannot read: {error}"),
            SummaryError::NotJson { error, .. } => format!("not valid JSON: {error}"),
            SummaryError::NoVersion { .. } => "not a summary.json: no schema_version".to_string(),
            SummaryError::OtherVersion { found, .. } => {
                format!("summary.json of schema {found}; this edgesim reads schema {SCHEMA_VERSION}")
            }
            SummaryError::Shape { error, .. } => format!("not a summary.json of schema {SCHEMA_VERSION}: {error}"),
        }
    }
}

impl fmt::Display for SummaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path().display(), self.reason())
    }
}

impl std::error::Error for SummaryError {}

/// Reads and checks the summary.json at `path`.
///
/// # Errors
///
/// A [`SummaryError`] naming the file when it cannot be read, is not JSON
/// (with line and column), has another `schema_version` than
/// [`SCHEMA_VERSION`] (read before the rest), or lacks a field or holds one
/// of another type (serde's message names it).
pub fn read(path: &Path) -> Result<Summary, SummaryError> {
    let text =
        std::fs::read_to_string(path).map_err(|error| SummaryError::Unreadable { path: path.to_path_buf(), error })?;
    read_str(path, &text)
}

/// The version field alone, read before the whole.
#[derive(Deserialize)]
struct Versioned {
    schema_version: Option<serde_json::Value>,
}

/// Reads a summary from `text`, the contents of `path` (named in errors).
///
/// # Errors
///
/// As [`read`], but for the file's contents.
pub fn read_str(path: &Path, text: &str) -> Result<Summary, SummaryError> {
    let path = path.to_path_buf();
    let versioned: Versioned = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(error) if error.classify() == Category::Data => return Err(SummaryError::Shape { path, error }),
        Err(error) => return Err(SummaryError::NotJson { path, error }),
    };
    match versioned.schema_version.as_ref().and_then(serde_json::Value::as_u64) {
        None => return Err(SummaryError::NoVersion { path }),
        Some(found) if found != u64::from(SCHEMA_VERSION) => return Err(SummaryError::OtherVersion { path, found }),
        Some(_) => {}
    }
    serde_json::from_str(text).map_err(|error| SummaryError::Shape { path, error })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real() -> &'static Summary {
        super::super::sample()
    }

    fn json(s: &Summary) -> String {
        serde_json::to_string_pretty(s).expect("a summary encodes")
    }

    #[test]
    fn a_real_summary_round_trips_to_the_same_bytes() {
        let first = json(real());
        let back = read_str(Path::new("summary.json"), &first).expect("reads back");
        let second = json(&back);
        let differ = first.lines().zip(second.lines()).find(|(a, b)| a != b);
        assert!(differ.is_none() && first.len() == second.len(), "the bytes changed: {differ:?}");
        assert!(&back == real(), "the summary read back is another");
    }

    #[test]
    fn errors_name_the_file_and_what_is_wrong() {
        let p = Path::new("dir/summary.json");
        let e = read(Path::new("/nonexistent/edgesim/summary.json")).expect_err("no file");
        assert!(e.to_string().starts_with("/nonexistent/edgesim/summary.json: cannot read"), "{e}");
        let e = read_str(p, "{\n  \"schema_version\": 1,\n  oops").expect_err("not JSON");
        assert!(matches!(e, SummaryError::NotJson { .. }), "{e}");
        assert!(e.to_string().starts_with("dir/summary.json: not valid JSON") && e.to_string().contains("line 3"));
        let e = read_str(p, "{\"seed\": 1}").expect_err("no version");
        assert_eq!(e.to_string(), "dir/summary.json: not a summary.json: no schema_version");
        let two = json(real()).replacen("\"schema_version\": 1", "\"schema_version\": 2", 1);
        let e = read_str(p, &two).expect_err("schema 2");
        assert_eq!(e.to_string(), "dir/summary.json: summary.json of schema 2; this edgesim reads schema 1");
    }

    #[test]
    fn a_missing_or_renamed_field_is_named() {
        let p = Path::new("summary.json");
        let renamed = json(real()).replacen("\"trace_hash\"", "\"hash_of_trace\"", 1);
        let e = read_str(p, &renamed).expect_err("renamed field");
        assert!(matches!(e, SummaryError::Shape { .. }));
        assert!(e.to_string().contains("missing field `trace_hash`"), "{e}");
        let wrong = json(real()).replacen("\"seed\": ", "\"seed\": \"x\", \"was\": ", 1);
        let e = read_str(p, &wrong).expect_err("a string seed");
        assert!(e.to_string().contains("line 6"), "{e}");
    }
}
