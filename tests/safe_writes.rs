//! An interrupted run never leaves a torn or half-new results folder: Ctrl-C
//! (SIGINT) stops the run, writes nothing, says so and exits 130; a hard
//! kill leaves the earlier results as they were. The same holds in the
//! write phase: the results folder is swapped in whole, and a SIGINT or
//! SIGKILL there leaves the old set or the new one, never a mix, and the
//! message says which. No timing is asserted: the tests wait for the run's
//! trace to grow (so the run is under way), or for the test hook that
//! holds the write phase just before the swap
//! (`EDGESIM_TEST_HOLD_BEFORE_SWAP`, `EDGESIM_TEST_HOLD_AFTER_ASIDE`), then
//! signal the process.

#![cfg(unix)]

use crate::util::{bin, read_json, s, stderr, temp_dir, tiny_scenario};
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Two PoPs at 20k rps for a simulated hour: far longer than the tests wait.
const LONG: &str = r#"
[scenario]
name = "long"
seed = 3
duration = "1h"

[topology]
pops = ["SJC", "LAX"]

[traffic]
rps = 20000
classes = { p0 = 0.1, p1 = 0.4, p2 = 0.4, p3 = 0.1 }

[pops.default]
servers = 32
service = { dist = "exponential", mean = "1ms" }

[[expect]]
availability = { ge = 0.99 }
"#;

/// Writes a complete earlier run into `dir` and returns its summary.json bytes.
fn earlier_run(dir: &Path) -> Vec<u8> {
    let tiny = tiny_scenario();
    let o = bin().args(["run", s(&tiny), "--out", s(dir), "--quiet", "--no-charts"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::read(dir.join("summary.json")).expect("summary.json")
}

/// Starts the long run into `results`, and returns once it is simulating
/// (its trace file has grown).
fn start_long_run(work: &Path, results: &Path) -> Child {
    let scenario = work.join("long.toml");
    std::fs::write(&scenario, LONG).expect("write scenario");
    let trace = work.join("trace.jsonl");
    let mut child = bin()
        // 2.9e8 events: past the default work budget, on purpose.
        .args([
            "run",
            s(&scenario),
            "--out",
            s(results),
            "--trace",
            s(&trace),
            "--no-charts",
            "--max-events",
            "1000000000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("edgesim starts");
    // The trace is written to a temporary sibling, renamed when the run is done.
    let growing = |e: std::fs::DirEntry| {
        e.file_name().to_string_lossy().starts_with(".trace.jsonl.tmp") && e.metadata().is_ok_and(|m| m.len() > 0)
    };
    loop {
        if std::fs::read_dir(work).expect("list").filter_map(Result::ok).any(growing) {
            return child;
        }
        if let Some(status) = child.try_wait().expect("poll") {
            panic!("the long run ended before it was interrupted: {status}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Every file in the folder is complete: JSON parses, CSVs are whole lines
/// with as many fields as their header. Returns the file names.
fn assert_complete(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for e in std::fs::read_dir(dir).expect("list results") {
        let path = e.expect("entry").path();
        let name = path.file_name().expect("name").to_string_lossy().to_string();
        let bytes = std::fs::read(&path).expect("read");
        if name.ends_with(".json") {
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_else(|e| panic!("{name} is torn: {e}"));
        } else if name.ends_with(".csv") {
            let text = String::from_utf8(bytes).expect("utf-8");
            assert!(text.ends_with('\n'), "{name} ends mid-line");
            let mut lines = text.lines();
            let fields = lines.next().expect("header").split(',').count();
            for l in lines {
                assert_eq!(l.split(',').count(), fields, "{name}: torn line {l:?}");
            }
        }
        names.push(name);
    }
    names
}

#[test]
fn sigint_stops_the_run_keeps_earlier_results_and_exits_130() {
    let work = temp_dir("sigint");
    let results = work.join("results");
    let before = earlier_run(&results);
    let mut child = start_long_run(&work, &results);
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(sent.success());
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("read stderr");
    assert_eq!(status.code(), Some(130), "stderr: {stderr}");
    assert!(stderr.contains("interrupted") && stderr.contains("as they were"), "{stderr}");
    let names = assert_complete(&results);
    assert!(!names.iter().any(|n| n.contains(".tmp")), "a temporary file was left: {names:?}");
    assert_eq!(std::fs::read(results.join("summary.json")).expect("summary"), before, "summary.json changed");
    assert!(!work.join("trace.jsonl").exists(), "an interrupted run left a trace");
    assert_no_leftovers(&work);
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn a_hard_kill_leaves_the_earlier_results_whole() {
    let work = temp_dir("sigkill");
    let results = work.join("results");
    let before = earlier_run(&results);
    let mut child = start_long_run(&work, &results);
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert!(!status.success());
    let names = assert_complete(&results);
    assert!(names.iter().any(|n| n == "summary.json"), "{names:?}");
    assert_eq!(std::fs::read(results.join("summary.json")).expect("summary"), before, "summary.json changed");
    let _ = std::fs::remove_dir_all(&work);
}

/// No temporary file or folder is left beside the results.
fn assert_no_leftovers(work: &Path) {
    let names: Vec<String> = std::fs::read_dir(work)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with('.')), "leftovers: {names:?}");
}

/// Every file of a results folder, by name, with its bytes.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("list")
        .map(|e| {
            let p = e.expect("entry").path();
            (p.file_name().expect("name").to_string_lossy().to_string(), std::fs::read(&p).expect("read"))
        })
        .collect()
}

/// The folder is one whole set: its marker lists exactly its files, each
/// with its size. Returns the marker.
fn assert_one_set(dir: &Path) -> serde_json::Value {
    let marker = read_json(&dir.join("edgesim-results.json"));
    let mut listed: Vec<String> = marker["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            let name = f["name"].as_str().expect("name").to_string();
            let len = std::fs::metadata(dir.join(&name)).expect("a listed file exists").len();
            // Wall-clock files (run.json) are listed by name only.
            if !f["bytes"].is_null() {
                assert_eq!(Some(len), f["bytes"].as_u64(), "{name} is not the listed size");
            }
            name
        })
        .collect();
    listed.push("edgesim-results.json".into());
    listed.sort();
    let on_disk: Vec<String> = snapshot(dir).into_keys().collect();
    assert_eq!(listed, on_disk, "the folder holds files of another run");
    assert_complete(dir);
    marker
}

/// Runs `tests/data/tiny.toml` into `results` with `seed`, holding the
/// write phase at `hold_var` until the test signals the process.
fn start_held_run(work: &Path, results: &Path, seed: &str, hold_var: &str, extra: &[(&str, &str)]) -> Child {
    let tiny = tiny_scenario();
    let flag = work.join("held");
    let _ = std::fs::remove_file(&flag);
    let mut cmd = bin();
    cmd.args(["run", s(&tiny), "--out", s(results), "--seed", seed]).env(hold_var, &flag);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("edgesim starts");
    while !flag.exists() {
        if let Some(status) = child.try_wait().expect("poll") {
            let mut err = String::new();
            let _ = child.stderr.take().expect("stderr").read_to_string(&mut err);
            panic!("the run ended before its write phase was held: {status}: {err}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child
}

fn stderr_of(child: &mut Child) -> String {
    let mut err = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut err).expect("read stderr");
    err
}

#[test]
fn sigint_in_the_write_phase_leaves_the_previous_set_and_says_so() {
    let work = temp_dir("sigint-write");
    let results = work.join("results");
    earlier_run(&results);
    let before = snapshot(&results);
    let mut child = start_held_run(&work, &results, "11", "EDGESIM_TEST_HOLD_BEFORE_SWAP", &[]);
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(sent.success());
    let status = child.wait().expect("wait");
    let err = stderr_of(&mut child);
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(err.contains("results left as they were") && err.contains("the previous run of tiny"), "{err}");
    assert!(!err.contains("complete"), "{err}");
    assert_eq!(snapshot(&results), before, "the folder changed");
    assert_one_set(&results);
    std::fs::remove_file(work.join("held")).expect("the hold flag");
    assert_no_leftovers(&work);
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn sigkill_in_the_write_phase_leaves_the_previous_set_and_the_next_run_cleans_up() {
    let work = temp_dir("sigkill-write");
    let results = work.join("results");
    earlier_run(&results);
    let before = snapshot(&results);
    let mut child = start_held_run(&work, &results, "12", "EDGESIM_TEST_HOLD_BEFORE_SWAP", &[]);
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    assert_eq!(snapshot(&results), before, "the folder changed");
    std::fs::remove_file(work.join("held")).expect("the hold flag");
    // The killed run's fresh folder is left beside it; the next run removes it.
    let tiny = tiny_scenario();
    let o = bin().args(["run", s(&tiny), "--out", s(&results), "--seed", "12", "--quiet"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let marker = assert_one_set(&results);
    assert_eq!(marker["command"], "run");
    let summary = read_json(&results.join("summary.json"));
    assert_eq!(summary["seed"], 12, "the new run is in place");
    assert!(results.join("report.html").exists() && results.join("latency.svg").exists());
    assert_no_leftovers(&work);
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn a_kill_between_rename_aside_and_rename_in_is_recovered_to_the_previous_set() {
    let work = temp_dir("sigkill-aside");
    let results = work.join("results");
    earlier_run(&results);
    let before = snapshot(&results);
    let mut child =
        start_held_run(&work, &results, "13", "EDGESIM_TEST_HOLD_AFTER_ASIDE", &[("EDGESIM_TEST_NO_EXCHANGE", "1")]);
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    std::fs::remove_file(work.join("held")).expect("the hold flag");
    assert!(!results.exists(), "the old set was renamed aside");
    // The next command that touches the folder puts the previous set back.
    let o = bin().args(["plot", s(&results)]).output().expect("runs");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("restored"), "{err}");
    let after = snapshot(&results);
    for (name, bytes) in &before {
        if name != "edgesim-results.json" {
            assert_eq!(after.get(name), Some(bytes), "{name} is not the previous run's");
        }
    }
    assert_one_set(&results);
    assert_no_leftovers(&work);
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn the_rename_aside_path_replaces_the_set_whole() {
    let work = temp_dir("aside");
    let results = work.join("results");
    earlier_run(&results);
    let tiny = tiny_scenario();
    let o = bin()
        .args(["run", s(&tiny), "--out", s(&results), "--seed", "14", "--quiet", "--no-charts"])
        .env("EDGESIM_TEST_NO_EXCHANGE", "1")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_one_set(&results);
    assert_no_leftovers(&work);
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn a_run_into_another_scenarios_folder_keeps_none_of_its_files() {
    let work = temp_dir("stale");
    let results = work.join("results");
    // The first run draws charts; the second (another scenario, no charts) must not show them.
    let pf = tiny_scenario();
    let o = bin().args(["run", s(&pf), "--out", s(&results), "--quiet"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(results.join("latency.svg").exists());
    let other = work.join("other.toml");
    let text = std::fs::read_to_string(&pf).expect("read").replace("name = \"tiny\"", "name = \"other\"");
    std::fs::write(&other, text).expect("write");
    let o = bin().args(["run", s(&other), "--out", s(&results), "--quiet", "--no-charts"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let marker = assert_one_set(&results);
    assert_eq!(marker["scenario"], "other");
    assert!(!results.join("latency.svg").exists() && !results.join("report.html").exists(), "stale charts stayed");
    let _ = std::fs::remove_dir_all(&work);
}
