//! Every malformed scenario under tests/bad/ ends in exit 2 with a message
//! that names the file, the line and column (or the field), and what was
//! expected; none panics, and none leaves a result behind.

use std::path::Path;
use std::process::Command;

/// (file stem, "line:col" or "" when only the field is named, text the message must hold)
const CASES: &[(&str, &str, &str)] = &[
    ("bare-number-duration", "4:12", "expected a duration string"),
    ("breaker-unknown-trip", "22:20", "unknown variant `vibes`"),
    ("broken-toml", "6:10", "unclosed table"),
    ("catalog-file-missing", "7:11", "topology.catalog: cannot read"),
    ("degraded-without-capacity", "20:1", "pop-degraded needs capacity"),
    ("empty-topology", "7:11", "no PoPs selected"),
    ("expect-unknown-fault", "18:17", "expect[1].fault: no fault number 2"),
    ("expect-unknown-limiter", "18:37", "expect[1].limiter: got \"redis\"; expected \"kv\" or \"do\""),
    ("expectation-unknown-class", "18:26", "unknown class \"p7\""),
    ("expectation-unknown-pop", "18:23", "unknown PoP \"LHR\""),
    ("expectation-without-bound", "17:1", "no bound given"),
    ("fault-after-the-end", "21:6", "fault[1].at: 90s is not before the end of the run (60s)"),
    ("fault-unknown-kind", "22:8", "unknown variant `meteor-strike`"),
    ("fault-unknown-pop", "23:7", "unknown PoP \"LHR\"; expected a PoP of this scenario's topology"),
    ("fault-unknown-region", "23:10", "fault[1].region: unknown state region \"MARS\""),
    ("faults-overlap", "26:1", "overlaps fault[1] (pop-down) on the same target"),
    ("fraction-above-one", "11:28", "expected a fraction between 0 and 1"),
    ("health-phase-over-interval", "22:43", "anycast.health_check.phase: got 5s; expected 0s <= phase < interval (5s)"),
    ("health-timeout-over-interval", "21:29", "timeout 10s is longer than the interval 5s"),
    ("kv-lag-fault-without-lag", "24:1", "kv-replication-lag needs lag"),
    ("level-at-without-time", "17:1", "level_at needs at"),
    ("level-out-of-range", "17:1", "level 7; levels go from 0 to 4"),
    ("limiter-unknown-pop", "23:16", "rate_limiter.pops (not in this topology): unknown PoP \"NRT\""),
    ("lognormal-p99-below-p50", "15:11", "pops.default.service: lognormal needs 0 < p50 < p99"),
    ("missing-traffic", "1:1", "missing field `traffic`"),
    ("negative-duration", "5:10", "negative duration"),
    ("negative-rps", "10:7", "traffic.rps: got -5"),
    ("origin-fault-without-origin", "20:1", "origin-slow needs an [origin] table"),
    ("percentile-above-100", "18:26", "expect[1].percentile: got 120"),
    ("pool-for-absent-pop", "20:1", "[pops.LHR] (not in this topology)"),
    ("servers-as-text", "14:11", "expected u32"),
    ("shares-do-not-sum", "11:11", "sum to 0.900000; expected them to sum to 1"),
    ("site-without-place", "13:1", "needs near = \"CODE\" or lat and lon"),
    ("state-home-unknown", "21:6", "state.eu: unknown PoP \"XXX\""),
    ("unknown-distribution", "15:20", "unknown variant `pareto`"),
    ("unknown-key", "3:1", "unknown field `nmae`, expected one of `name`"),
    ("unknown-metric", "18:1", "unknown variant `throughput`"),
    ("unknown-pop", "7:16", "unknown PoP \"SJX\"; did you mean SJC"),
    ("unknown-region", "7:18", "unknown region \"MARS\""),
    ("warmup-longer-than-run", "5:10", "scenario.warmup: 120s is not shorter than the run (60s)"),
    ("window-after-the-run", "18:27", "expect[1].window: ends at 120s, after the run (60s)"),
    ("wrong-unit", "4:12", "unknown unit \"parsecs\""),
    ("zero-duration", "4:12", "scenario.duration: must be greater than zero"),
    ("zero-servers", "14:11", "pops.default.servers: got 0"),
];

fn edgesim(args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_edgesim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("edgesim starts");
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn every_bad_file_is_listed_here() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/bad exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().expect("stem").to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let listed: Vec<String> = CASES.iter().map(|c| c.0.to_string()).collect();
    assert_eq!(on_disk, listed);
    assert!(listed.len() >= 15);
}

#[test]
fn validate_and_run_reject_each_bad_file_with_exit_2_and_a_located_message() {
    let out = std::env::temp_dir().join(format!("edgesim-bad-{}", std::process::id()));
    for (stem, at, text) in CASES {
        let file = format!("tests/bad/{stem}.toml");
        let want_prefix = if at.is_empty() { format!("error: {file}: ") } else { format!("error: {file}:{at}: ") };
        for cmd in ["validate", "run"] {
            let mut args = vec![cmd, file.as_str()];
            let out_str = out.to_string_lossy().into_owned();
            if cmd == "run" {
                args.extend(["--out", out_str.as_str()]);
            }
            let (code, stderr) = edgesim(&args);
            assert_eq!(code, 2, "{cmd} {file}: exit {code}, stderr: {stderr}");
            assert!(!stderr.contains("panicked"), "{cmd} {file} panicked: {stderr}");
            assert!(stderr.starts_with(&want_prefix), "{cmd} {file}: want prefix {want_prefix:?}, got {stderr:?}");
            assert!(stderr.contains(text), "{cmd} {file}: want {text:?} in {stderr:?}");
        }
    }
    assert!(!out.join("summary.json").exists(), "a rejected scenario wrote a result");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(edgesim(&["run"]).0, 2, "missing scenario");
    assert_eq!(edgesim(&["frobnicate"]).0, 2, "unknown command");
    assert_eq!(edgesim(&["run", "tests/data/tiny.toml", "--seed", "minus-one"]).0, 2, "bad seed");
    let (code, err) = edgesim(&["run", "no/such/file.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/file.toml: cannot read the scenario file"), "{err}");
    let (code, err) = edgesim(&["catalog", "--region", "MARS"]);
    assert_eq!(code, 2);
    assert!(err.contains("--region: unknown region \"MARS\""), "{err}");
}
