//! Outputs never destroy an input or mix runs: a flag path that is an input
//! or another output is exit 2 naming both; a folder edgesim did not write
//! is never replaced; a closed stdout or a full disk is exit 3 with a clear
//! message (and `check` still runs everything and writes its JUnit and
//! JSON); the readers (`plot`, `merge`, `check --baseline`) refuse corrupt,
//! truncated and foreign files with exit 2 naming the file.

#![cfg(unix)]

use crate::util::{bin, edgesim, read_json, s, temp_dir, text, tiny_scenario};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

/// A copy of tests/data/tiny.toml named `name` in `dir`.
fn tiny(dir: &Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(tiny_scenario()).expect("tiny.toml");
    assert!(text.contains("name = \"tiny\""), "tiny.toml changed");
    let p = dir.join(format!("{name}.toml"));
    std::fs::write(&p, text.replace("name = \"tiny\"", &format!("name = \"{name}\""))).expect("write");
    p
}

fn assert_exit(o: &Output, code: i32, wants: &[&str]) {
    let t = text(o);
    assert_eq!(o.status.code(), Some(code), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    for w in wants {
        assert!(t.contains(w), "want {w:?} in {t}");
    }
}

#[test]
fn an_output_on_an_input_or_on_another_output_is_refused() {
    let d = temp_dir("collide");
    let x = tiny(&d, "x");
    let original = std::fs::read(&x).expect("read");
    let o = edgesim(["run", s(&x), "--trace", s(&x), "--out", s(&d.join("r"))]);
    assert_exit(&o, 2, &["--trace", "the scenario file", "same file"]);
    let o = edgesim(["check", s(&x), "--junit", s(&x), "--out", s(&d.join("r"))]);
    assert_exit(&o, 2, &["--junit", "the scenario file"]);
    let o = edgesim(["check", s(&x), "--out", s(&d.join("r")), "--json", &format!("{}/./x.toml", d.display())]);
    assert_exit(&o, 2, &["--json", "the scenario file"]);
    assert_eq!(std::fs::read(&x).expect("read"), original, "the scenario was overwritten");
    // Two outputs on one file, spelt differently (the folder does not exist yet).
    let v = d.join("out/v.xml");
    let v2 = format!("{}/out/../out/v.xml", d.display());
    let o = edgesim(["check", s(&x), "--out", s(&d.join("r")), "--junit", s(&v), "--json", &v2]);
    assert_exit(&o, 2, &["--junit", "--json", "same file"]);
    // A results folder that holds an input, or is one.
    let o = edgesim(["run", s(&x), "--out", s(&d)]);
    assert_exit(&o, 2, &["--out", "contains the scenario file"]);
    let o = edgesim(["baseline", s(&x), "--out", s(&d)]);
    assert_exit(&o, 2, &["--out", "contains the scenario file"]);
    let o = edgesim(["check", s(&x), "--out", s(&d)]);
    assert_exit(&o, 2, &["--out", "contains the scenario file"]);
    let o = edgesim(["sweep", s(&x), "--seeds", "1", "--out", s(&d)]);
    assert_exit(&o, 2, &["--out", "contains the scenario file"]);
    // An output file inside a folder replaced as a whole, or named like one of its files.
    let o = edgesim(["run", s(&x), "--out", s(&d.join("r")), "--trace", s(&d.join("r/summary.json"))]);
    assert_exit(&o, 2, &["--trace", "summary.json, which edgesim writes"]);
    let o = edgesim(["check", s(&x), "--out", s(&d.join("r")), "--junit", s(&d.join("r/x/junit.xml"))]);
    assert_exit(&o, 2, &["--junit", "replaces as a whole"]);
    let o = edgesim(["check", s(&x), "--baseline", s(&d), "--out", s(&d.join("r")), "--json", s(&d.join("x.json"))]);
    assert_exit(&o, 2, &["--json", "--baseline", "same file"]);
    assert_eq!(std::fs::read(&x).expect("read"), original);
    assert!(!d.join("r").exists() && !d.join("out").exists(), "something was written");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_trace_inside_the_results_folder_is_part_of_the_set() {
    let d = temp_dir("trace-in");
    let x = tiny(&d, "x");
    let r = d.join("r");
    let o = edgesim(["run", s(&x), "--out", s(&r), "--trace", s(&r.join("events.jsonl")), "--quiet", "--no-charts"]);
    assert_exit(&o, 0, &[]);
    let marker = read_json(&r.join("edgesim-results.json"));
    assert!(marker["files"].as_array().expect("files").iter().any(|f| f["name"] == "events.jsonl"), "{marker}");
    assert!(std::fs::metadata(r.join("events.jsonl")).expect("trace").len() > 0);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_folder_edgesim_did_not_write_is_never_replaced() {
    let d = temp_dir("foreign");
    let x = tiny(&d, "x");
    let mine = d.join("mine");
    std::fs::create_dir_all(&mine).expect("dir");
    std::fs::write(mine.join("thesis.tex"), "years of work").expect("write");
    for args in [
        vec!["run", s(&x), "--out", s(&mine), "--no-charts"],
        vec!["baseline", s(&x), "--out", s(&mine)],
        vec!["sweep", s(&x), "--seeds", "1", "--out", s(&mine)],
    ] {
        let o = edgesim(&args);
        assert_exit(&o, 2, &["not an edgesim results folder", "thesis.tex"]);
    }
    assert_eq!(std::fs::read_to_string(mine.join("thesis.tex")).expect("intact"), "years of work");
    // A results folder with a file its marker does not list is not replaced either.
    let r = d.join("r");
    assert_exit(&edgesim(["run", s(&x), "--out", s(&r), "--no-charts", "--quiet"]), 0, &[]);
    std::fs::write(r.join("notes.txt"), "mine").expect("write");
    let o = edgesim(["run", s(&x), "--out", s(&r), "--no-charts", "--quiet"]);
    assert_exit(&o, 2, &["notes.txt", "does not list"]);
    let o = edgesim(["check", s(&x), "--out", s(&d), "--no-charts"]);
    assert_exit(&o, 2, &["contains the scenario file"]);
    assert!(r.join("notes.txt").exists());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_closed_stdout_stops_printing_but_check_finishes_and_exits_3() {
    let d = temp_dir("pipe");
    let scenarios = d.join("scenarios");
    std::fs::create_dir_all(&scenarios).expect("dir");
    for n in ["a", "b", "c"] {
        tiny(&scenarios, n);
    }
    let (junit, json) = (d.join("junit.xml"), d.join("verdict.json"));
    let mut child = bin()
        .args(["check", s(&scenarios), "--out", s(&d.join("r")), "--junit", s(&junit), "--json", s(&json)])
        .args(["--no-charts"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    // `| head -0`: the reader goes away before the first line.
    drop(child.stdout.take());
    let mut err = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut err).expect("read");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(3), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("broken pipe") && err.contains("went on to the end"), "{err}");
    let v = read_json(&json);
    assert_eq!(v["scenarios"].as_array().map(Vec::len), Some(3), "every scenario ran");
    let xml = std::fs::read_to_string(&junit).expect("JUnit written");
    assert_eq!(xml.matches("<testsuite ").count(), 3, "{xml}");
    for n in ["a", "b", "c"] {
        assert!(d.join("r").join(n).join("summary.json").is_file(), "{n} has no results");
    }
    let _ = std::fs::remove_dir_all(&d);
}

fn dev_full() -> Option<std::fs::File> {
    std::fs::OpenOptions::new().write(true).open("/dev/full").ok()
}

#[test]
fn a_full_disk_is_exit_3_and_leaves_results_as_they_were() {
    let Some(_) = dev_full() else {
        eprintln!("no /dev/full here: skipped");
        return;
    };
    let d = temp_dir("full");
    let x = tiny(&d, "x");
    let r = d.join("r");
    assert_exit(&edgesim(["run", s(&x), "--out", s(&r), "--no-charts", "--quiet"]), 0, &[]);
    let before = std::fs::read(r.join("summary.json")).expect("summary");
    let o = edgesim(["run", s(&x), "--out", s(&r), "--seed", "9", "--trace", "/dev/full", "--no-charts"]);
    assert_exit(&o, 3, &["--trace /dev/full", "No space left", "results left as they were", "the previous run of x"]);
    assert_eq!(std::fs::read(r.join("summary.json")).expect("summary"), before);
    let o = edgesim(["check", s(&x), "--out", s(&d.join("c")), "--junit", "/dev/full", "--no-charts"]);
    assert_exit(&o, 3, &["--junit /dev/full", "No space left", "every scenario ran"]);
    // stdout on a full disk.
    let full = dev_full().expect("/dev/full");
    let o = bin().args(["catalog"]).stdout(full).output().expect("runs");
    assert_exit(&o, 3, &["No space left"]);
    let full = dev_full().expect("/dev/full");
    let o = bin().args(["run", s(&x), "--out", s(&r), "--no-charts"]).stdout(full).output().expect("runs");
    assert_exit(&o, 3, &["No space left"]);
    assert!(std::path::Path::new("/dev/full").exists(), "the device is still there");
    let _ = std::fs::remove_dir_all(&d);
}

/// Rewrites a JSON file through `f`.
fn edit_json(p: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v = read_json(p);
    f(&mut v);
    std::fs::write(p, serde_json::to_string_pretty(&v).expect("encode")).expect("write");
}

#[test]
fn plot_refuses_a_folder_it_cannot_trust() {
    let d = temp_dir("plot");
    let x = tiny(&d, "x");
    let r = d.join("r");
    assert_exit(&edgesim(["run", s(&x), "--out", s(&r), "--no-charts", "--quiet"]), 0, &[]);
    let o = edgesim(["plot", s(&r)]);
    assert_exit(&o, 0, &["report.html", "latency.svg"]);
    assert!(r.join("report.html").is_file());
    // Truncated summary.json.
    let summary = std::fs::read(r.join("summary.json")).expect("read");
    std::fs::write(r.join("summary.json"), &summary[..summary.len() / 2]).expect("truncate");
    assert_exit(&edgesim(["plot", s(&r)]), 2, &["summary.json", "truncated or changed"]);
    std::fs::write(r.join("summary.json"), &summary).expect("restore");
    assert_exit(&edgesim(["plot", s(&r)]), 0, &[]);
    // A foreign folder: no marker.
    let foreign = d.join("foreign");
    std::fs::create_dir_all(&foreign).expect("dir");
    std::fs::write(foreign.join("summary.json"), &summary).expect("write");
    assert_exit(&edgesim(["plot", s(&foreign)]), 2, &["not an edgesim results folder", "edgesim-results.json"]);
    // A corrupt marker.
    std::fs::write(r.join("edgesim-results.json"), "{\"kind\": \"edgesim-results\", \"schema_version\": 99}")
        .expect("write");
    assert_exit(&edgesim(["plot", s(&r)]), 2, &["edgesim-results.json", "version 99"]);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn check_refuses_a_baseline_it_cannot_trust() {
    let d = temp_dir("baseline");
    let x = tiny(&d, "x");
    let b = d.join("baselines");
    assert_exit(&edgesim(["baseline", s(&x), "--out", s(&b)]), 0, &["stored"]);
    let check = || edgesim(["check", s(&x), "--out", s(&d.join("r")), "--baseline", s(&b), "--no-charts"]);
    assert_exit(&check(), 0, &[]);
    // A second scenario's baseline joins the folder; the first one stays.
    let y = tiny(&d, "y");
    assert_exit(&edgesim(["baseline", s(&y), "--out", s(&b)]), 0, &[]);
    assert!(b.join("x.json").is_file() && b.join("y.json").is_file());
    assert_exit(&check(), 0, &[]);
    // Edited after `baseline` wrote it.
    let file = b.join("x.json");
    let good = std::fs::read(&file).expect("read");
    edit_json(&file, |v| v["latency_ms"]["p99"] = serde_json::json!(0.001));
    assert_exit(&check(), 2, &["x.json", "truncated or changed"]);
    // Truncated.
    std::fs::write(&file, &good[..good.len() / 3]).expect("truncate");
    assert_exit(&check(), 2, &["x.json", "truncated or changed"]);
    // A folder without the marker (hand-made): foreign.
    std::fs::write(&file, &good).expect("restore");
    std::fs::remove_file(b.join("edgesim-results.json")).expect("rm marker");
    assert_exit(&check(), 2, &["not an edgesim baselines folder"]);
    // A run's results folder given as baselines.
    let r = d.join("run");
    assert_exit(&edgesim(["run", s(&x), "--out", s(&r), "--no-charts", "--quiet"]), 0, &[]);
    std::fs::copy(r.join("summary.json"), r.join("x.json")).expect("copy");
    let o = edgesim(["check", s(&x), "--out", s(&d.join("r")), "--baseline", s(&r), "--no-charts"]);
    assert_exit(&o, 2, &["edgesim run", "not baselines"]);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn merge_refuses_parts_it_cannot_trust_and_keeps_the_parts_it_merges_beside() {
    let d = temp_dir("merge");
    let x = tiny(&d, "x");
    let parts = d.join("parts");
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let o = edgesim(["sweep", s(&x), "--seeds", "2", "--shard", &shard, "--out", s(&parts), "--quiet"]);
        assert_exit(&o, 0, &[]);
    }
    let p1 = parts.join("part-1-of-2.json");
    let p2 = parts.join("part-2-of-2.json");
    let good = std::fs::read(&p1).expect("read");
    let bad = d.join("bad");
    std::fs::create_dir_all(&bad).expect("dir");
    let merge_bad = |name: &str| edgesim(["merge", s(&bad.join(name)), s(&p2), "--out", s(&d.join("m"))]);
    // K out of range.
    std::fs::write(bad.join("k0.json"), &good).expect("copy");
    edit_json(&bad.join("k0.json"), |v| v["shard"]["k"] = serde_json::json!(0));
    assert_exit(&merge_bad("k0.json"), 2, &["k0.json", "1 <= K <= N"]);
    // Renamed: its name says another part.
    std::fs::write(bad.join("part-2-of-2.json"), &good).expect("copy");
    assert_exit(&merge_bad("part-2-of-2.json"), 2, &["its name says part 2 of 2"]);
    // Truncated.
    std::fs::write(bad.join("cut.json"), &good[..good.len() / 2]).expect("write");
    assert_exit(&merge_bad("cut.json"), 2, &["cut.json", "not JSON"]);
    // A record whose seed is not the sweep's.
    std::fs::write(bad.join("seed.json"), &good).expect("copy");
    edit_json(&bad.join("seed.json"), |v| v["records"][0]["seed"] = serde_json::json!(1));
    assert_exit(&merge_bad("seed.json"), 2, &["seed.json", "not one of this sweep's runs"]);
    // Foreign JSON.
    std::fs::write(bad.join("other.json"), "{\"hello\": 1}").expect("write");
    assert_exit(&merge_bad("other.json"), 2, &["other.json", "not a sweep part file"]);
    assert!(!d.join("m").exists(), "a bad merge wrote results");
    // --out on a part file itself.
    let o = edgesim(["merge", s(&p1), s(&p2), "--out", s(&p1)]);
    assert_exit(&o, 2, &["--out", "the part file"]);
    // Merged into the parts' own folder (the default): the parts stay, twice over.
    for _ in 0..2 {
        assert_exit(&edgesim(["merge", s(&parts), "--quiet"]), 0, &[]);
        assert!(parts.join("sweep.json").is_file());
        assert_eq!(std::fs::read(&p1).expect("part 1 kept"), good);
        assert!(p2.is_file());
    }
    let _ = std::fs::remove_dir_all(&d);
}
