//! The integration tests: one binary (`cargo test --test integration`),
//! one module per idea, and [`util`], the helpers they share. One binary
//! links once instead of once per file, and no helper is written twice.
//!
//! Cargo does not discover tests/*.rs on its own here (`autotests = false`
//! in Cargo.toml): a new file is a new `mod` line below, which
//! `every_test_file_is_a_module_of_this_binary` checks. Test names carry
//! their module: `cargo test --test integration failover::` runs one file.
//! Files read from the crate root (tests/bad/, tests/data/,
//! tests/fuzz/repro/, scenarios/) are found through
//! [`util::crate_path`], whatever the test's folder.

mod util;

mod bad_input;
mod bgp;
mod bgp_sim;
mod budget;
mod catalog_global;
mod charts;
mod check_cli;
mod demand;
mod dependencies;
mod determinism;
mod failover;
mod failures;
mod fault_kinds;
mod flow;
mod fuzz;
mod horizon;
mod incident_charts;
mod incidents;
mod isolates;
mod layers;
mod map;
mod outage;
mod outputs;
mod overload;
mod queueing_oracle;
mod regions;
mod resilience;
mod safe_writes;
mod sizing;
mod state;
mod sweep;
mod sweep_report;

/// Cargo builds only this binary from tests/: a test file without a
/// `mod` line above would never run, silently.
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let this = std::fs::read_to_string(util::crate_path("tests/tests.rs")).expect("read tests/tests.rs");
    let declared: Vec<&str> =
        this.lines().filter_map(|l| l.strip_prefix("mod ").and_then(|m| m.strip_suffix(';'))).collect();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(util::crate_path("tests")).expect("list tests/") {
        let path = entry.expect("an entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else { continue };
        if path.extension().is_some_and(|x| x == "rs") && stem != "tests" && !declared.contains(&stem) {
            missing.push(stem.to_string());
        }
    }
    assert!(declared.len() >= 18, "{declared:?}");
    assert!(missing.is_empty(), "test files that are no module of tests/tests.rs: {missing:?}");
}
