//! Helpers shared by the integration tests: the binary under test and
//! fresh temporary folders. Each test file includes it with `mod common;`.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// The `edgesim` binary cargo built for these tests.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_edgesim"))
}

/// An empty folder for one test: named by the test file (crate), the
/// process and `tag`, so tests running side by side never share one.
pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("edgesim-{}-{}-{tag}", env!("CARGO_CRATE_NAME"), std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}
