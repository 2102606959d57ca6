//! An interrupted run never leaves a torn or half-new results folder: Ctrl-C
//! (SIGINT) stops the run, writes nothing, says so and exits 130; a hard
//! kill leaves the earlier results as they were. No timing is asserted: the
//! test waits for the run's trace to appear (so the run is under way), then
//! signals it.

#![cfg(unix)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_edgesim"))
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("edgesim-safe-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

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
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tiny.toml");
    let o = bin().args(["run", s(&tiny), "--out", s(dir), "--quiet", "--no-charts"]).output().expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
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
    loop {
        if std::fs::metadata(&trace).is_ok_and(|m| m.len() > 0) {
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
