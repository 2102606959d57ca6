//! Errors in scenario files, located by file, line and column: the
//! [`Source`] text an error points into and the [`ScenarioError`] that
//! names the file, the position and the key. Any bad input is reported
//! this way (exit 2), never by a panic.

use std::fmt;
use std::ops::Range;

/// An input error: a scenario file (or a file it names) that cannot be used
/// as written. Displayed as `file:line:column: message`, or `file: message`
/// when no position applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file at fault, as the user named it.
    pub file: String,
    /// 1-based line and column of the offending value, when known.
    pub position: Option<(usize, usize)>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl ScenarioError {
    /// An error about the file as a whole (unreadable, say).
    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        ScenarioError { file: file.to_string(), position: None, message: message.into() }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{}:{}: {}", self.file, line, col, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// A scenario file's name and text, kept to locate errors found after parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The path as the user gave it.
    pub path: String,
    /// The whole text of the file.
    pub text: String,
}

impl Source {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    /// An error at the value spanning `span` (byte offsets into the text).
    pub fn error_at(&self, span: Range<usize>, message: impl Into<String>) -> ScenarioError {
        ScenarioError { file: self.path.clone(), position: Some(self.line_col(span.start)), message: message.into() }
    }

    /// An error about a field that is absent, or has no position.
    pub fn error(&self, message: impl Into<String>) -> ScenarioError {
        ScenarioError::whole_file(&self.path, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_one_based_lines_and_columns() {
        let s = Source { path: "x.toml".into(), text: "a = 1\nbé = \"2\"\n".into() };
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(4), (1, 5));
        assert_eq!(s.line_col(6), (2, 1));
        // 'é' is two bytes but one column.
        assert_eq!(s.line_col(10), (2, 4));
        assert_eq!(s.error_at(6..7, "bad").to_string(), "x.toml:2:1: bad");
    }
}
