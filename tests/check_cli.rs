//! `edgesim check` and `edgesim baseline` as CI uses them: exit codes, the
//! per-expectation lines, JUnit XML read back by an XML parser, the JSON
//! verdict, inconclusive verdicts, and baseline drift.

use crate::util::{crate_path, edgesim, s, temp_dir, text};

use std::path::{Path, PathBuf};

/// A two-PoP, ten-second scenario (like tests/data/tiny.toml) with these
/// `[[expect]]` tables.
fn tiny(name: &str, expects: &[&str]) -> String {
    let mut t = format!(
        "[scenario]\nname = \"{name}\"\nseed = 5\nduration = \"10s\"\nwarmup = \"1s\"\n\n\
         [topology]\npops = [\"SJC\", \"LAX\"]\n\n\
         [traffic]\nrps = 2000\nclasses = {{ p0 = 0.1, p1 = 0.4, p2 = 0.4, p3 = 0.1 }}\n\n\
         [pops.default]\nservers = 4\nservice = {{ dist = \"exponential\", mean = \"1ms\" }}\n"
    );
    for e in expects {
        t.push_str(&format!("\n[[expect]]\n{e}\n"));
    }
    t
}

fn write(path: &Path, contents: &str) {
    std::fs::write(path, contents).expect("write scenario");
}

/// Every *.toml under `dir`, recursively.
fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            toml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}

#[test]
fn shipped_scenarios_pass_and_junit_counts_match_the_files() {
    let d = temp_dir("shipped");
    let junit = d.join("reports/junit.xml");
    let verdict = d.join("reports/verdict.json");
    let scenarios = crate_path("scenarios");
    // Every shipped file, the seed's stages (flow fidelity) included, but
    // the year (minutes in a test build; CI checks it with the release build).
    let mut files = Vec::new();
    toml_files(&scenarios, &mut files);
    files.retain(|f| !f.ends_with(crate::util::YEAR_SCENARIO));
    files.sort();
    let mut args = vec!["check".to_string()];
    args.extend(files.iter().map(|f| s(f).to_string()));
    let results = d.join("results");
    let flags = ["--out", s(&results), "--junit", s(&junit), "--json", s(&verdict), "--quiet", "--no-charts"];
    args.extend(flags.map(String::from));
    let o = edgesim(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("total PASS"), "{}", text(&o));

    // Expected: one suite per scenario file, one case per [[expect]].
    let mut want = std::collections::BTreeMap::new();
    for f in &files {
        let v: toml::Value = toml::from_str(&std::fs::read_to_string(f).expect("read")).expect("toml");
        let name = v["scenario"]["name"].as_str().expect("name").to_string();
        let n = v.get("expect").and_then(|e| e.as_array()).map_or(0, |a| a.len());
        want.insert(name, n);
    }

    let xml = std::fs::read_to_string(&junit).expect("junit written");
    let doc = roxmltree::Document::parse(&xml).expect("JUnit XML parses");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), files.len(), "one testsuite per scenario file");
    let mut got = std::collections::BTreeMap::new();
    for suite in &suites {
        let cases = suite.children().filter(|n| n.has_tag_name("testcase")).count();
        assert_eq!(suite.attribute("tests"), Some(cases.to_string().as_str()));
        assert_eq!(suite.attribute("failures"), Some("0"));
        got.insert(suite.attribute("name").expect("suite name").to_string(), cases);
    }
    assert_eq!(got, want, "testcases per testsuite = expectations per scenario");
    let total: usize = want.values().sum();
    assert_eq!(root.attribute("tests"), Some(total.to_string().as_str()));
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("failure")).count(), 0);

    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&verdict).expect("verdict written")).expect("JSON");
    assert_eq!(v["status"], "pass");
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["totals"]["expectations"].as_u64(), Some(total as u64));
    assert_eq!(v["scenarios"].as_array().map(Vec::len), Some(files.len()));
    // Each run wrote its results, with a copy of its scenario for `plot`.
    for name in want.keys() {
        let r = d.join("results").join(name);
        assert!(r.join("summary.json").is_file() && r.join("scenario.toml").is_file(), "{}", r.display());
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_failing_expectation_exits_1_and_names_its_seed_and_replay() {
    let d = temp_dir("fail");
    let file = d.join("too-fast.toml");
    write(&file, &tiny("too-fast", &["availability = { ge = 0.99 }", "latency = { percentile = 50, le = \"1us\" }"]));
    let junit = d.join("junit.xml");
    let verdict = d.join("verdict.json");
    let o = edgesim([
        "check",
        s(&file),
        "--seed",
        "77",
        "--out",
        s(&d.join("results")),
        "--junit",
        s(&junit),
        "--json",
        s(&verdict),
        "--no-charts",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let line = out.lines().find(|l| l.contains("FAIL") && l.contains("latency p50")).expect("a FAIL line");
    assert!(line.contains("seed 77"), "{line}");
    assert!(line.contains(&format!("edgesim run {} --seed 77", file.display())), "{line}");
    assert!(line.contains("observed") && line.contains("vs <= 1us"), "{line}");
    assert!(out.lines().any(|l| l.contains("PASS") && l.contains("availability")), "{out}");

    let xml = std::fs::read_to_string(&junit).expect("junit");
    let doc = roxmltree::Document::parse(&xml).expect("JUnit XML parses");
    let failures: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("failure")).collect();
    assert_eq!(failures.len(), 1, "{xml}");
    let msg = failures[0].attribute("message").expect("message");
    assert!(msg.starts_with("observed ") && msg.contains(" vs <= 1us"), "{msg}");
    assert!(failures[0].text().is_some_and(|t| t.contains("--seed 77")), "{xml}");

    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&verdict).expect("json")).expect("JSON");
    assert_eq!(v["status"], "fail");
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["scenarios"][0]["seed"], 77);
    assert_eq!(v["scenarios"][0]["expectations"][1]["status"], "fail");
    assert_eq!(v["scenarios"][0]["replay"], format!("edgesim run {} --seed 77", file.display()));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn too_few_samples_is_inconclusive_and_fails_unless_allowed() {
    let d = temp_dir("inconclusive");
    let file = d.join("thin.toml");
    // About 2,000 successes in the window; p99.9 needs 10,000.
    write(
        &file,
        &tiny(
            "thin",
            &[
                "availability = { ge = 0.9 }",
                "latency = { percentile = 99.9, window = [\"2s\", \"3s\"], le = \"10s\" }",
            ],
        ),
    );
    let results = d.join("results");
    // (This one also draws charts, report.html and index.html, on a small run.)
    let strict = edgesim(["check", s(&file), "--out", s(&results), "--junit", s(&d.join("a.xml"))]);
    assert_eq!(strict.status.code(), Some(1), "{}", text(&strict));
    let out = String::from_utf8_lossy(&strict.stdout).to_string();
    let line = out.lines().find(|l| l.contains("INCONCLUSIVE")).expect("an INCONCLUSIVE line");
    assert!(line.contains("latency p99.9") && line.contains("needs at least 10000"), "{line}");
    assert!(line.contains("replay: edgesim run"), "{line}");
    let xml = std::fs::read_to_string(d.join("a.xml")).expect("junit");
    let doc = roxmltree::Document::parse(&xml).expect("parses");
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("failure")).count(), 1, "{xml}");

    let lenient = edgesim([
        "check",
        s(&file),
        "--out",
        s(&results),
        "--junit",
        s(&d.join("b.xml")),
        "--allow-inconclusive",
        "--no-charts",
    ]);
    assert_eq!(lenient.status.code(), Some(0), "{}", text(&lenient));
    let xml = std::fs::read_to_string(d.join("b.xml")).expect("junit");
    let doc = roxmltree::Document::parse(&xml).expect("parses");
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("failure")).count(), 0, "{xml}");
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("skipped")).count(), 1, "{xml}");

    // summary.json records the status; `run` follows the same rule.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(results.join("thin/summary.json")).expect("summary")).expect("JSON");
    assert_eq!(summary["expectations"][1]["status"], "inconclusive");
    assert_eq!(summary["expectations"][1]["passed"], false);
    assert_eq!(summary["expectations"][1]["min_samples"], 10000);
    let run_dir = d.join("run");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", s(&file), "--out", s(&run_dir), "--no-charts", "--quiet"];
        args.extend_from_slice(extra);
        edgesim(&args).status.code()
    };
    assert_eq!(run(&[]), Some(1));
    assert_eq!(run(&["--allow-inconclusive"]), Some(0));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_recovery_not_seen_before_the_end_fails_every_rto_bound() {
    let d = temp_dir("censored");
    let file = d.join("never-recovers.toml");
    // The only PoP dies at 5 s and never comes back: no RTO within the run.
    // A recovery not seen is not on time: `le 5s` and `le 60s` both fail
    // (even with --allow-inconclusive), saying that it never recovered.
    let scenario = tiny("never-recovers", &["rto = { fault = 1, le = \"5s\" }", "rto = { fault = 1, le = \"60s\" }"])
        .replace("duration = \"10s\"", "duration = \"30s\"")
        .replace("pops = [\"SJC\", \"LAX\"]", "pops = [\"SJC\"]")
        + "\n[[fault]]\nat = \"5s\"\nkind = \"pop-down\"\npop = \"SJC\"\n";
    write(&file, &scenario);
    let o = edgesim(["run", s(&file), "--out", s(&d.join("r")), "--no-charts"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("r/summary.json")).expect("summary")).expect("JSON");
    let e = &summary["expectations"];
    assert_eq!(e[0]["status"], "fail", "{e}");
    assert_eq!(e[1]["status"], "fail", "{e}");
    assert!(e[1]["observed"].is_null(), "{e}");
    assert!(e[1]["observed_text"].as_str().is_some_and(|t| t.starts_with("never recovered before the end")), "{e}");
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.lines().any(|l| l.contains("FAIL") && l.contains("rto of fault 1 <= 60s")), "{out}");
    let o = edgesim(["run", s(&file), "--out", s(&d.join("r")), "--no-charts", "--allow-inconclusive"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn input_errors_exit_2_before_anything_runs() {
    let d = temp_dir("input");
    let good = d.join("scenarios/good.toml");
    std::fs::create_dir_all(good.parent().expect("parent")).expect("dir");
    write(&good, &tiny("good", &["availability = { ge = 0.9 }"]));
    let results = d.join("results");

    // A folder given as --junit or --json.
    for flag in ["--junit", "--json"] {
        let o = edgesim(["check", s(&good), "--out", s(&results), flag, s(&d)]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("is a folder"), "{}", text(&o));
    }
    // One bad file among good ones: nothing runs.
    std::fs::create_dir_all(d.join("scenarios/nested")).expect("dir");
    write(&d.join("scenarios/nested/bad.toml"), "[scenario]\nname = \"bad\"\nduraton = \"10s\"\n");
    let o = edgesim(["check", s(&d.join("scenarios")), "--out", s(&results)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("bad.toml"), "{}", text(&o));
    assert!(!results.join("good/summary.json").exists(), "a run happened before the input error");
    std::fs::remove_file(d.join("scenarios/nested/bad.toml")).expect("rm");
    // Two files with one scenario name would share a results folder.
    write(&d.join("scenarios/nested/twin.toml"), &tiny("good", &[]));
    let o = edgesim(["check", s(&d.join("scenarios")), "--out", s(&results)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("both name the scenario \"good\""), "{}", text(&o));
    // A missing path, and a tolerance without a baseline.
    let o = edgesim(["check", s(&d.join("nope.toml"))]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = edgesim(["check", s(&good), "--tolerance-abs", "2s"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&d);
}

/// A file named twice (as itself, under a folder given, under a sub-folder
/// given, by another spelling of its path) runs once, where it first came;
/// two files naming one scenario still collide.
#[test]
fn a_file_given_or_reached_twice_runs_once() {
    let d = temp_dir("twice");
    let top = d.join("scenarios");
    std::fs::create_dir_all(top.join("nested")).expect("dir");
    write(&top.join("a.toml"), &tiny("alpha", &["availability = { ge = 0.9 }"]));
    write(&top.join("nested/b.toml"), &tiny("beta", &["availability = { ge = 0.9 }"]));
    let verdict = d.join("verdict.json");
    let a_again = top.join("nested/../a.toml");
    let o = edgesim([
        "check",
        s(&top),
        s(&top.join("nested")),
        s(&top.join("nested/b.toml")),
        s(&a_again),
        "--out",
        s(&d.join("results")),
        "--json",
        s(&verdict),
        "--quiet",
        "--no-charts",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&verdict).expect("verdict written")).expect("JSON");
    let names: Vec<&str> =
        v["scenarios"].as_array().expect("scenarios").iter().filter_map(|x| x["scenario"].as_str()).collect();
    assert_eq!(names, ["alpha", "beta"], "each file once, in the order first met");
    assert_eq!(v["totals"]["scenarios"], 2);
    // `baseline` expands its arguments the same way.
    let o = edgesim(["baseline", s(&top.join("nested")), s(&top), "--out", s(&d.join("baselines")), "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(d.join("baselines/alpha.json").is_file() && d.join("baselines/beta.json").is_file());
    // Another file with one of these names is another scenario: a collision.
    write(&d.join("copy.toml"), &tiny("alpha", &[]));
    let o = edgesim(["check", s(&top), s(&d.join("copy.toml")), "--out", s(&d.join("results"))]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("both name the scenario \"alpha\""), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&d);
}

/// scenarios/pop-failure.toml, shortened (100 s at 10k rps, SJC down from 30 s
/// to 90 s), with bounds loose enough that slower convergence still meets
/// them: drift alone must fail the check.
fn short_failover() -> String {
    let mut t = std::fs::read_to_string(crate_path("scenarios/pop-failure.toml")).expect("pop-failure.toml");
    for (from, to) in [
        ("duration = \"4m\"", "duration = \"100s\""),
        ("warmup = \"30s\"", "warmup = \"10s\""),
        ("rps = 30_000", "rps = 10_000"),
        ("at = \"2m\"", "at = \"30s\""),
        ("for = \"90s\"", "for = \"60s\""),
        ("share = 1.0, le = \"31s\"", "share = 1.0, le = \"60s\""),
        ("availability = { ge = 0.995 }", "availability = { ge = 0.99 }"),
    ] {
        assert!(t.contains(from), "pop-failure.toml no longer has {from}");
        t = t.replace(from, to);
    }
    t
}

#[test]
fn baseline_drift_beyond_tolerance_fails_and_small_changes_pass() {
    let d = temp_dir("baseline");
    let file = d.join("failover.toml");
    let baselines = d.join("baselines");
    let results = d.join("results");
    let base = short_failover();
    write(&file, &base);

    // No baseline yet: a clear input error.
    std::fs::create_dir_all(&baselines).expect("dir");
    let o = edgesim(["check", s(&file), "--out", s(&results), "--baseline", s(&baselines), "--no-charts"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no baseline for scenario \"pop-failure\""), "{}", text(&o));

    let o = edgesim(["baseline", s(&file), "--out", s(&baselines)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let stored: serde_json::Value = serde_json::from_slice(
        &std::fs::read(baselines.join("pop-failure.json")).expect("baseline stored as <name>.json"),
    )
    .expect("JSON");
    let rto = stored["faults"][0]["rto_s"].as_f64().expect("the baseline recovered");

    let check = |extra: &[&str]| {
        let mut args =
            vec!["check", s(&file), "--out", s(&results), "--baseline", s(&baselines), "--no-charts", "--json"];
        let verdict = d.join("verdict.json");
        args.push(s(&verdict));
        args.extend_from_slice(extra);
        let o = edgesim(&args);
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&verdict).unwrap_or_default()).unwrap_or_default();
        (o, v)
    };

    // The same scenario: nothing moves.
    let (o, v) = check(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(v["scenarios"][0]["baseline"]["drifted"], 0, "{v}");

    // Slower convergence moves the timeline and the RTO by far more than 1 s.
    let slow = base.replace("last = \"20s\"", "last = \"40s\"");
    assert_ne!(slow, base, "pop-failure.toml no longer converges by last = \"20s\"");
    write(&file, &slow);
    let (o, v) = check(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(v["totals"]["failed"], 0, "only the baseline fails: {v}");
    assert!(v["totals"]["baseline_drifts"].as_u64().is_some_and(|n| n > 0), "{v}");
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let rto_line = out.lines().find(|l| l.contains("fault 1 rto_s")).expect("the RTO row of the diff");
    assert!(rto_line.contains("DRIFT"), "{out}");
    assert!(out.contains("timeline.all_moved") && out.contains("baseline drift"), "{out}");
    let rows = v["scenarios"][0]["baseline"]["rows"].as_array().expect("rows").clone();
    let rto_row = rows.iter().find(|r| r["metric"] == "fault 1 rto_s").expect("rto row");
    assert_eq!(rto_row["baseline"].as_f64(), Some(rto));
    assert!(rto_row["now"].as_f64().is_some_and(|now| now - rto > 1.0), "{rto_row}");
    assert_eq!(rto_row["status"], "drift");
    // A looser tolerance accepts the same drift of the RTO.
    let (o, v) = check(&["--tolerance-abs", "1h", "--tolerance-rel", "10"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(v["scenarios"][0]["baseline"]["drifted"], 0, "{v}");

    // A change that moves nothing by more than the tolerance: a far PoP's queue limit.
    write(&file, &format!("{base}\n[pops.YYZ]\nqueue_limit = 999\n"));
    let (o, v) = check(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(v["scenarios"][0]["baseline"]["drifted"], 0, "{v}");
    let _ = std::fs::remove_dir_all(&d);
}

/// `--threads` changes when scenarios run, not what is printed or judged:
/// three scenarios of different lengths (the longest last in the file
/// order, so it starts first) with one failing expectation give the same
/// blocks in file order, the same exit code and the same verdicts on one
/// thread and on three (timings aside); `--threads 0` is a usage error.
#[test]
fn check_on_several_threads_prints_and_judges_as_on_one() {
    let d = temp_dir("threads");
    let mut files = Vec::new();
    for (name, dur, expect) in [
        ("a-short", "5s", "availability = { ge = 0.99 }"),
        ("b-failing", "5s", "latency = { percentile = 50, le = \"1us\" }"),
        ("c-long", "40s", "availability = { ge = 0.99 }"),
    ] {
        let f = d.join(format!("{name}.toml"));
        write(&f, &tiny(name, &[expect]).replace("duration = \"10s\"", &format!("duration = \"{dur}\"")));
        files.push(f);
    }
    // Timings aside: each block's last line ends with "(1.23s; results in ...)".
    let untimed = |out: &[u8]| -> Vec<String> {
        let text = String::from_utf8_lossy(out).to_string();
        text.lines().map(|l| l.split("  (").next().unwrap_or(l).to_string()).collect()
    };
    let verdicts = |v: &serde_json::Value| -> Vec<(String, String)> {
        let list = v["scenarios"].as_array().expect("scenarios");
        list.iter().map(|s| (s["scenario"].to_string(), s["expectations"].to_string())).collect()
    };
    let mut runs = Vec::new();
    for threads in ["1", "3"] {
        let json = d.join(format!("verdict-{threads}.json"));
        let mut args = vec!["check".to_string()];
        args.extend(files.iter().map(|f| s(f).to_string()));
        let out = d.join("results");
        args.extend(["--out", s(&out), "--json", s(&json), "--no-charts", "--threads", threads].map(String::from));
        let o = edgesim(&args);
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
        runs.push((o.status.code(), untimed(&o.stdout), verdicts(&v)));
    }
    assert_eq!(runs[0].0, Some(1), "one expectation fails");
    assert_eq!(runs[0], runs[1], "one thread and three");
    let order: Vec<&String> = runs[1].1.iter().filter(|l| l.starts_with("  => ")).collect();
    assert_eq!(order.len(), 3);
    assert!(order[0].contains("a-short") && order[1].contains("b-failing") && order[2].contains("c-long"), "{order:?}");
    let (code, err) = crate::util::edgesim_code(["check", s(&files[0]), "--threads", "0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--threads 0"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}
