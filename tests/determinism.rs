//! Same binary, scenario and seed: the same bytes. Another seed: other bytes.

use crate::util::{bin, read_json, s, scenario_path, stderr, temp_dir, tiny_scenario};
use std::path::Path;

fn run(args: &[&str], out: &Path) -> (Vec<u8>, String) {
    let o = bin().arg("run").args(args).arg("--out").arg(out).arg("--quiet").output().expect("edgesim runs");
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let summary = std::fs::read(out.join("summary.json")).expect("summary.json written");
    let v: serde_json::Value = serde_json::from_slice(&summary).expect("summary.json is JSON");
    let hash = v["trace_hash"].as_str().expect("trace_hash").to_string();
    (summary, hash)
}

#[test]
fn same_seed_gives_byte_identical_summary_and_trace_hash() {
    let sc = scenario_path("single-pop.toml");
    let sc = s(&sc);
    let d = temp_dir("same");
    let (a, ha) = run(&[sc], &d.join("a"));
    let (b, hb) = run(&[sc], &d.join("b"));
    assert_eq!(ha, hb);
    assert!(a == b, "summary.json differs between two runs with the same seed");
    let (c, hc) = run(&[sc, "--seed", "43"], &d.join("c"));
    assert_ne!(ha, hc, "another seed gives another event stream");
    assert_ne!(a, c);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn trace_file_has_one_line_per_event_and_does_not_change_the_hash() {
    let sc = tiny_scenario();
    let d = temp_dir("trace");
    let sc = s(&sc);
    let trace = d.join("events.jsonl");
    let (with, h1) = run(&[sc, "--trace", s(&trace)], &d.join("t"));
    let (without, h2) = run(&[sc], &d.join("n"));
    assert_eq!(h1, h2);
    assert_eq!(with, without);
    let v: serde_json::Value = serde_json::from_slice(&with).expect("json");
    let events = v["events_handled"].as_u64().expect("events_handled");
    let text = std::fs::read_to_string(&trace).expect("trace written");
    assert_eq!(text.lines().count() as u64, events);
    let first: serde_json::Value = serde_json::from_str(text.lines().next().expect("a line")).expect("json line");
    assert!(first["t_ns"].is_u64() && first["seq"].is_u64(), "{first}");
    assert!(text.lines().any(|l| l.contains("\"kind\":\"send\"")), "sends are traced");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn trace_hash_flag_prints_only_the_hash() {
    let sc = tiny_scenario();
    let d = temp_dir("hashflag");
    let o = bin().args(["run", s(&sc), "--trace-hash", "--out"]).arg(&d).output().expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let printed = String::from_utf8(o.stdout).expect("utf-8");
    let v = read_json(&d.join("summary.json"));
    assert_eq!(printed.trim(), v["trace_hash"].as_str().expect("hash"));
    let _ = std::fs::remove_dir_all(&d);
}
