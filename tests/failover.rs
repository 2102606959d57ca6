//! The anycast failover timeline comes out of the models: detection from
//! the probe schedule, withdrawal from its delay, convergence from its
//! model, RTO and lost requests from all of them. Each expected value here
//! is computed by hand from the scenario's parameters.

use edgesim::report::summary::FaultSummary;

/// A one-site, two-PoP world: constant arrivals (1,000 per second, 1 ms
/// apart), no jitter, constant 1 ms service, one client network, and SJC
/// failing at 61 s for good.
fn scenario(interval_s: u64, failures: u32, convergence_s: u64, retry: &str) -> String {
    format!(
        r#"
[scenario]
name = "failover-test"
seed = 3
duration = "3m"
warmup = "10s"

[topology]
pops = ["SJC", "LAX"]

[network]
last_mile = "2ms"

[traffic]
rps = 1000
arrivals = "constant"
classes = {{ p1 = 1.0 }}

[[traffic.site]]
name = "bay"
near = "SJC"

[pops.default]
servers = 50
service = {{ dist = "constant", value = "1ms" }}

[anycast]
networks_per_site = 1
health_check = {{ interval = "{interval_s}s", timeout = "1s", failures = {failures} }}
withdrawal_delay = "5s"
convergence = {{ model = "fixed", first = "{convergence_s}s", last = "{convergence_s}s" }}

[client]
timeout = "2s"
retry = {retry}

[overload]
shed_cpu = 1.0
spillover_threshold = 1.0

[[fault]]
at = "61s"
kind = "pop-down"
pop = "SJC"
"#
    )
}

const NO_RETRY: &str = r#"{ policy = "none" }"#;
const FAULT_AT_S: f64 = 61.0;
const TIMEOUT_S: f64 = 1.0;
const WITHDRAWAL_DELAY_S: f64 = 5.0;

struct Run {
    fault: FaultSummary,
    failed: u64,
}

fn run(text: &str) -> Run {
    let s = edgesim::scenario::parse("failover-test.toml", text, ".".into()).expect("valid scenario");
    let p = edgesim::prepare(s).expect("resolves");
    let out = edgesim::simulate(&p, None).expect("runs");
    Run { fault: out.summary.faults[0].clone(), failed: out.summary.requests.failed }
}

/// Hand calculation: probes at 0, I, 2I...; the first probe at or after the
/// fault misses, the N-th consecutive miss is known `timeout` after its probe.
fn expected_detection(interval_s: f64, failures: u32) -> f64 {
    let first_probe = (FAULT_AT_S / interval_s).ceil() * interval_s;
    first_probe + TIMEOUT_S + (failures - 1) as f64 * interval_s - FAULT_AT_S
}

fn step(f: &FaultSummary, name: &str) -> f64 {
    *f.timeline.get(name).unwrap_or_else(|| panic!("timeline has no {name}: {:?}", f.timeline))
}

fn check_timeline(interval_s: u64, failures: u32, convergence_s: u64) -> Run {
    let r = run(&scenario(interval_s, failures, convergence_s, NO_RETRY));
    let detection = expected_detection(interval_s as f64, failures);
    let withdrawal = detection + WITHDRAWAL_DELAY_S;
    let converged = withdrawal + convergence_s as f64;
    let f = &r.fault;
    assert_eq!(step(f, "detected"), detection, "detection");
    assert_eq!(step(f, "withdrawal_started"), withdrawal, "withdrawal");
    assert_eq!(step(f, "all_moved"), converged, "convergence");
    // Without retries every request sent before the network moved is lost,
    // every one after succeeds: recovery is the convergence, to the second.
    assert_eq!(f.rto_s, Some(converged), "rto");
    r
}

#[test]
fn the_seed_timeline_comes_out_of_the_seed_parameters() {
    // 5 s probes, one miss, 5 s to withdraw, 20 s to converge: the seed's
    // 5 s / 10 s / 30 s.
    let r = check_timeline(5, 1, 20);
    assert_eq!((step(&r.fault, "detected"), step(&r.fault, "withdrawal_started")), (5.0, 10.0));
    assert_eq!(step(&r.fault, "all_moved"), 30.0);
}

#[test]
fn a_15s_probe_interval_moves_every_step_by_10s() {
    let base = check_timeline(5, 1, 20);
    let slow = check_timeline(15, 1, 20);
    for name in ["detected", "withdrawal_started", "all_moved"] {
        assert_eq!(step(&slow.fault, name) - step(&base.fault, name), 10.0, "{name}");
    }
    assert_eq!(slow.fault.rto_s.unwrap_or(0.0) - base.fault.rto_s.unwrap_or(0.0), 10.0);
}

#[test]
fn three_misses_move_every_step_by_two_intervals() {
    let base = check_timeline(5, 1, 20);
    let three = check_timeline(5, 3, 20);
    for name in ["detected", "withdrawal_started", "all_moved"] {
        assert_eq!(step(&three.fault, name) - step(&base.fault, name), 10.0, "{name}");
    }
}

#[test]
fn slower_convergence_moves_convergence_and_rto_only() {
    let base = check_timeline(5, 1, 20);
    let slow = check_timeline(5, 1, 40);
    assert_eq!(step(&slow.fault, "detected"), step(&base.fault, "detected"));
    assert_eq!(step(&slow.fault, "withdrawal_started"), step(&base.fault, "withdrawal_started"));
    assert_eq!(step(&slow.fault, "all_moved") - step(&base.fault, "all_moved"), 20.0);
    assert_eq!(slow.fault.rto_s.unwrap_or(0.0) - base.fault.rto_s.unwrap_or(0.0), 20.0);
}

#[test]
fn requests_lost_match_a_hand_calculation_without_retries() {
    // The network moves at 61 + 30 = 91 s. Requests are sent every 1 ms.
    // Lost and counted against the fault: those sent in [61 s, 91 s): 30,000.
    // Lost in all: also those sent in [60.997 s, 61 s), which reach SJC at
    // or after the fault, or are still being served there (2 ms there, 1 ms
    // service): 3 more.
    let r = check_timeline(5, 1, 20);
    assert_eq!(r.fault.requests_lost, 30_000);
    assert_eq!(r.failed, 30_003);
    assert_eq!(r.fault.attempts_per_request, Some(1.0));
}

#[test]
fn requests_lost_match_a_hand_calculation_with_the_seeds_retries() {
    // Origin-fetch policy: timeout 2 s, waits 100 ms, 300 ms, 1 s. A request
    // sent at s makes its last attempt at s + 3 x 2 s + 1.4 s = s + 7.4 s;
    // it is lost only if that is still before the move at 91 s: s < 83.6 s.
    // Sent in [61 s, 83.6 s): 22,600.
    let retry = r#"{ policy = "exponential", backoff = ["100ms", "300ms", "1s"] }"#;
    let r = run(&scenario(5, 1, 20, retry));
    assert_eq!(r.fault.requests_lost, 22_600);
    // Recovery: from the first second in which every request sent succeeds
    // (s >= 83.6 s) ... the bucket [83 s, 84 s) still loses 60%: 23 s.
    assert_eq!(r.fault.rto_s, Some(23.0));
    let attempts = r.fault.attempts_per_request.unwrap_or(0.0);
    assert!(attempts > 1.0 && attempts <= 4.0, "{attempts}");
}
