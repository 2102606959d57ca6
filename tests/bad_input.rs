//! Every malformed scenario under tests/bad/ ends in exit 2 with a message
//! that names the file, the line and column (or the field), and what was
//! expected; none panics, and none leaves a result behind.

use crate::util::{crate_path, edgesim_code as edgesim, temp_dir};

/// (file stem, "line:col" or "" when only the field is named, text the message must hold)
const CASES: &[(&str, &str, &str)] = &[
    (
        "accounts-times-deployments-too-many",
        "15:27",
        "rate_limits: 1000000 accounts x 1000 deployments each = 1000000000",
    ),
    ("availability-annual-above-one", "20:30", "expect.ge: got 1.5; expected a fraction between 0 and 1"),
    ("bare-number-duration", "4:12", "expected a duration string"),
    ("breaker-unknown-trip", "22:20", "unknown variant `vibes`"),
    ("breaker-zero-probes", "15:32", "origin.breaker.half_open_probes: got 0; expected a whole number from"),
    ("broken-toml", "6:10", "unclosed table"),
    ("catalog-file-missing", "7:11", "topology.catalog: cannot read"),
    (
        "control-plane-fault-without-control-plane",
        "13:1",
        "fault[1]: control-plane-down needs a [control_plane] table; this",
    ),
    ("convergence-unknown-key", "14:48", "anycast.convergence: unknown field `frist`, expected one of `model`,"),
    ("count-too-large", "14:11", "durable_objects.objects: got 4294967295; expected a whole number from"),
    ("degraded-without-capacity", "20:1", "pop-degraded needs capacity"),
    ("deployments-inf", "14:23", "control_plane.deployments_per_min: got inf; expected a rate, above 0"),
    ("dist-unknown-key", "14:11", "pops.default.service: unknown field `p99` for dist = \"exponential\";"),
    (
        "do-fault-on-region-without-objects",
        "20:10",
        "fault[1].region: do-region-down strikes \"NA\", which owns no Durable",
    ),
    ("do-fault-without-do", "13:1", "fault[1]: do-region-down needs a [durable_objects] table; this"),
    ("do-objects-zero", "14:11", "durable_objects.objects: got 0; expected a whole number from 1 to"),
    ("do-region-unknown", "16:18", "durable_objects.regions: unknown state region \"MARS\"; expected NA, EU"),
    ("do-regions-duplicate", "15:24", "durable_objects.regions: \"na\" is listed twice"),
    ("do-regions-empty", "16:11", "durable_objects.regions: is empty; expected one or more names (or"),
    ("do-requests-nan", "15:18", "durable_objects.requests_per_s: got NaN; expected a rate, above 0 and"),
    ("do-snapshot-interval-tiny", "16:21", "durable_objects.snapshot_interval: got \"1ms\"; expected at least 1s"),
    ("duration-too-long", "4:12", "scenario.duration: got \"277777h\"; expected a duration of at most 365"),
    ("empty-topology", "7:11", "no PoPs selected"),
    ("expect-bound-nan", "14:15", "expect.le: got NaN; expected a number, at least 0 and at most 1e15"),
    ("expect-fault-zero", "19:17", "expect.fault: got 0; expected a whole number from 1 to 1000"),
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
    ("health-interval-zero", "14:29", "anycast.health_check.interval: got \"0s\"; expected a duration of at"),
    ("health-phase-over-interval", "22:43", "anycast.health_check.phase: got 5s; expected 0s <= phase < interval (5s)"),
    ("health-timeout-over-interval", "21:29", "timeout 10s is longer than the interval 5s"),
    ("incident-rto-percentile-out-of-range", "24:31", "expect.percentile: got 101; expected a percentile, above 0"),
    ("incident-rto-with-fault", "24:18", "expect: unknown field `fault`, expected one of `percentile`"),
    (
        "incident-rto-without-failure",
        "19:1",
        "expect[1]: incident_rto measures the incidents of failure processes; this scenario has no [[failure]]",
    ),
    ("km-per-ms-zero", "14:13", "network.km_per_ms: got 0; expected a speed in km per ms, at least 1"),
    ("kv-fault-without-kv", "13:1", "fault[1]: kv-primary-down needs a [kv] table; this scenario has none"),
    ("kv-keys-times-pops-too-many", "14:8", "kv.keys: 1000000 keys x 309 PoPs = 309000000 table entries; expected"),
    ("kv-keys-zero", "14:8", "kv.keys: got 0; expected a whole number from 1 to 1000000"),
    ("kv-lag-fault-without-kv", "13:1", "fault[1]: kv-replication-lag needs a [kv] table; this scenario has"),
    ("kv-lag-fault-without-lag", "24:1", "kv-replication-lag needs lag"),
    ("kv-rate-negative", "16:15", "kv.reads_per_s: got -1; expected a rate, at least 0 and at most 1e8"),
    ("kv-replicas-min-above-max", "16:29", "kv.replicas: min 6 is above max 4; expected min <= max"),
    ("kv-replicas-zero", "16:20", "kv.replicas.min: got 0; expected a whole number from 1 to 64"),
    ("latitude-out-of-range", "15:7", "traffic.site.lat: got 91; expected a latitude in degrees, at least"),
    ("level-at-without-time", "17:1", "level_at needs at"),
    ("level-out-of-range", "18:20", "expect.le: got 7; expected a whole number from 0 to 4"),
    ("limiter-do-region-unknown", "16:13", "rate_limiter.do_region: unknown state region \"MARS\"; expected NA, EU"),
    ("limiter-pops-empty", "16:8", "rate_limiter.pops: is empty; expected one or more names (or leave the"),
    ("limiter-rps-huge", "15:20", "rate_limiter.rps_per_customer: got 1e308; expected a rate, above 0"),
    ("limiter-unknown-pop", "23:16", "rate_limiter.pops (not in this topology): unknown PoP \"NRT\""),
    ("limiter-windows-too-many", "17:10", "rate_limiter.window: 1ms gives 60000 windows over the run for 100000"),
    ("lognormal-p99-below-p50", "15:11", "pops.default.service: lognormal needs 0 < p50 < p99"),
    (
        "lognormal-p99-below-p50-in-wal-lag",
        "16:11",
        "durable_objects.wal_lag: lognormal needs 0 < p50 < p99; got p50 =",
    ),
    ("missing-traffic", "1:1", "missing field `traffic`"),
    ("mttr-without-failure", "19:1", "expect[1]: mttr measures the incidents of failure processes; this"),
    ("negative-duration", "5:10", "negative duration"),
    ("negative-rps", "10:7", "traffic.rps: got -5"),
    ("negative-weight", "16:10", "traffic.site.weight: got -1; expected a weight, above 0 and at most"),
    ("networks-times-pops-too-many", "14:21", "anycast.networks_per_site: 10000 networks x 309 client sites x 309"),
    ("origin-fault-without-origin", "20:1", "origin-slow needs an [origin] table"),
    ("origin-servers-zero", "15:11", "origin.servers: got 0; expected a whole number from 1 to 100000"),
    ("origin-share-zero", "14:9", "origin.share: got 0; expected a share, above 0 and at most 1"),
    ("percentile-above-100", "18:26", "expect.percentile: got 120; expected a percentile, above 0 and at"),
    ("pool-for-absent-pop", "20:1", "[pops.LHR] (not in this topology)"),
    ("queue-limit-negative", "14:15", "pops.default.queue_limit: got -1; expected a whole number from 0 to"),
    ("restore-rate-zero", "16:20", "durable_objects.restore_mb_per_s: got 0; expected a speed in MB per"),
    ("retries-too-many", "14:43", "client.retry.retries: got 1000; expected a whole number from 0 to 10"),
    ("retry-after-zero", "14:15", "control_plane.retry_after: got \"0s\"; expected a duration of at least"),
    ("retry-key-of-other-policy", "14:9", "client.retry: unknown field `backoff` for policy = \"immediate\"; it"),
    ("retry-unknown-key", "14:35", "client.retry: unknown field `backof`, expected one of `policy`,"),
    ("rps-inf", "10:7", "traffic.rps: got inf; expected a rate, above 0 and at most 1e8"),
    ("rps-nan", "10:7", "traffic.rps: got NaN; expected a rate, above 0 and at most 1e8"),
    ("rps-too-high", "10:7", "traffic.rps: got 1e9; expected a rate, above 0 and at most 1e8"),
    ("servers-as-text", "14:11", "pops.default.servers: invalid type: string \"four\", expected a whole"),
    ("shares-do-not-sum", "11:11", "sum to 0.900000; expected them to sum to 1"),
    ("shed-hold-too-many-ticks", "14:8", "overload: shed_hold 28800000s is 28800000000 ticks of 1ms; expected"),
    ("site-without-place", "13:1", "needs near = \"CODE\" or lat and lon"),
    ("state-home-unknown", "21:6", "state.eu: unknown PoP \"XXX\""),
    ("subrequests-mean-negative", "12:24", "traffic.subrequests.mean: got -3; expected a mean count"),
    ("tick-1ns", "14:8", "overload.tick: got \"1ns\"; expected a duration of at least 1ms: a"),
    ("uniform-min-over-max-in-jitter", "14:10", "network.jitter: uniform: min (5ms) is greater than max (1ms);"),
    ("unknown-distribution", "15:20", "unknown variant `pareto`"),
    ("unknown-key", "3:1", "unknown field `nmae`, expected one of `name`"),
    ("unknown-metric", "18:1", "unknown variant `throughput`"),
    ("unknown-pop", "7:16", "unknown PoP \"SJX\"; did you mean SJC"),
    ("unknown-region", "7:18", "unknown region \"MARS\""),
    ("warmup-longer-than-run", "5:10", "scenario.warmup: 120s is not shorter than the run (60s)"),
    ("window-after-the-run", "18:27", "expect[1].window: ends at 120s, after the run (60s)"),
    ("window-reversed", "14:37", "expect.window: start 30s is not before end 20s"),
    ("window-three-elements", "14:37", "expect.window: got 3 values; expected exactly two, [\"start\", \"end\"]"),
    ("window-zero", "16:10", "rate_limiter.window: got \"0s\"; expected a duration of at least 1ms: a"),
    ("wrong-unit", "4:12", "unknown unit \"parsecs\""),
    ("zero-duration", "4:12", "scenario.duration: got \"0s\"; expected a duration above 0"),
    ("zero-servers", "14:11", "pops.default.servers: got 0"),
    ("zipf-nan", "14:8", "rate_limits.zipf: got NaN; expected an exponent, at least 0 and at"),
];

#[test]
fn every_bad_file_is_listed_here() {
    let dir = crate_path("tests/bad");
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
    let out = temp_dir("out");
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
    assert_eq!(edgesim(["run"]).0, 2, "missing scenario");
    assert_eq!(edgesim(["frobnicate"]).0, 2, "unknown command");
    assert_eq!(edgesim(["run", "tests/data/tiny.toml", "--seed", "minus-one"]).0, 2, "bad seed");
    let (code, err) = edgesim(["run", "no/such/file.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/file.toml: cannot read the scenario file"), "{err}");
    let (code, err) = edgesim(["catalog", "--region", "MARS"]);
    assert_eq!(code, 2);
    assert!(err.contains("--region: unknown region \"MARS\""), "{err}");
}
