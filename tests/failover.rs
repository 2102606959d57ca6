//! The anycast failover timeline comes out of the models: detection from
//! the probe schedule, withdrawal from its delay, convergence from its
//! model, RTO and lost requests from all of them. Each expected value here
//! is computed by hand from the scenario's parameters (and the probe phase
//! the run used, which the tests fix or read back).

use crate::util::run_scenario;
use edgesim::report::summary::FaultSummary;

/// A one-site, two-PoP world: constant arrivals (1,000 per second, 1 ms
/// apart), no jitter, constant 1 ms service, one client network, and SJC
/// failing at 61 s for good. The first probe goes out at 0 s.
fn scenario(interval_s: u64, failures: u32, convergence_s: u64, retry: &str) -> String {
    scenario_with(3, interval_s, failures, convergence_s, retry, r#", phase = "0s""#)
}

/// [`scenario`] with seed `seed` and `phase` appended to the health check
/// table (empty: the phase is drawn from the seed).
fn scenario_with(seed: u64, interval_s: u64, failures: u32, convergence_s: u64, retry: &str, phase: &str) -> String {
    format!(
        r#"
[scenario]
name = "failover-test"
seed = {seed}
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
health_check = {{ interval = "{interval_s}s", timeout = "1s", failures = {failures}{phase} }}
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
    let out = run_scenario(text);
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

/// Probe phase drawn per run: over many seeds the detection of a fault at
/// F is exactly the wait for the next probe, ((phase - F) mod interval), plus
/// the timeout, plus (failures - 1) intervals; so it lies in
/// [timeout + (N-1) I, I + timeout + (N-1) I). Withdrawal follows detection
/// by exactly the withdrawal delay, and the phases spread over [0, I).
#[test]
fn a_drawn_phase_puts_detection_anywhere_in_its_window_and_nowhere_else() {
    let ns = |s: f64| (s * 1e9).round() as u64;
    for (interval_s, failures) in [(5u64, 1u32), (5, 3)] {
        let i = ns(interval_s as f64);
        let (timeout, delay, fault_at) = (ns(TIMEOUT_S), ns(WITHDRAWAL_DELAY_S), ns(FAULT_AT_S));
        let lo = timeout + (failures as u64 - 1) * i;
        let mut phases = Vec::new();
        for seed in 1..=40 {
            let text = scenario_with(seed, interval_s, failures, 20, NO_RETRY, "");
            let out = run_scenario(&text);
            let phase = out.result.health_phase.as_nanos();
            assert_eq!(out.summary.health_check_phase_s, phase as f64 / 1e9, "the summary shows the phase");
            let rec = &out.result.faults[0];
            let detected = rec.detected.expect("detected").as_nanos() - fault_at;
            let wait = (phase % i + i - fault_at % i) % i;
            assert_eq!(detected, wait + lo, "seed {seed}: phase {phase} ns");
            assert!(detected >= lo && detected < lo + i, "seed {seed}: {detected} outside [{lo}, {})", lo + i);
            let withdrawn = rec.withdrawn.expect("withdrawn").as_nanos() - fault_at;
            assert_eq!(withdrawn, detected + delay, "seed {seed}");
            phases.push(phase);
        }
        let (min, max) = (phases.iter().min().copied().unwrap_or(i), phases.iter().max().copied().unwrap_or(0));
        assert!(max < i, "phases lie in [0, interval): max {max}");
        // 40 uniform draws: both ends reached within a quarter of the interval
        // except with probability 2 x 0.75^40 (2e-5).
        assert!(min < i / 4 && max > 3 * i / 4, "phases spread over [0, {i}): {min}..{max}");
        phases.sort_unstable();
        phases.dedup();
        assert_eq!(phases.len(), 40, "a different phase per seed");
    }
}

#[test]
fn the_same_seed_draws_the_same_phase_and_a_fixed_phase_is_kept() {
    let drawn = |seed| run_scenario(&scenario_with(seed, 5, 1, 20, NO_RETRY, "")).result.health_phase;
    assert_eq!(drawn(8), drawn(8));
    let fixed = run_scenario(&scenario_with(8, 5, 1, 20, NO_RETRY, r#", phase = "2.5s""#));
    assert_eq!(fixed.result.health_phase.as_nanos(), 2_500_000_000);
    // Fault at 61 s, probes at 2.5 s + 5k s: the next is 62.5 s, a miss known at 63.5 s.
    assert_eq!(step(&fixed.summary.faults[0], "detected"), 62.5 + TIMEOUT_S - FAULT_AT_S);
}

/// Collects, from the event trace, every first attempt's arrival at a PoP:
/// (network, sent, PoP). Lines are parsed as they come.
#[derive(Default)]
struct FirstAttempts {
    line: Vec<u8>,
    seen: Vec<(u32, u64, u32)>,
}

impl FirstAttempts {
    fn take_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        let text = String::from_utf8_lossy(&line);
        if !text.contains(r#""kind":"arrive""#) {
            return;
        }
        let v: serde_json::Value = serde_json::from_str(&text).expect("a JSON trace line");
        let (event, req) = (&v["event"], &v["event"]["req"]);
        if req["attempt"].as_u64() == Some(0) && req["spilled"].as_bool() == Some(false) {
            let field = |v: &serde_json::Value| v.as_u64().expect("a number");
            self.seen.push((field(&req["net"]) as u32, field(&req["sent_ns"]), field(&event["pop"]) as u32));
        }
    }
}

impl std::io::Write for FirstAttempts {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for &b in buf {
            if b == b'\n' {
                self.take_line();
            } else {
                self.line.push(b);
            }
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The EU region fails at 40 s under NA + EU traffic; every network sends to
/// its best PoP only (no unstable networks), so each network's route is
/// read off its first attempts in the trace.
const REGION_FAILURE: &str = r#"
[scenario]
name = "region-trace"
seed = 5
duration = "100s"
warmup = "10s"

[topology]
regions = ["NA", "EU"]

[traffic]
rps = 2000
classes = { p0 = 0.02, p1 = 0.5, p2 = 0.4, p3 = 0.08 }

[anycast]
networks_per_site = 1
unstable_share = 0.0

[[fault]]
at = "40s"
kind = "region-down"
region = "EU"
"#;

/// The k-th smallest (1-based) of `v`.
fn kth(v: &[u64], k: usize) -> u64 {
    let mut s = v.to_vec();
    s.sort_unstable();
    s[k - 1]
}

/// The moved timeline against the event trace. A network counts as moved
/// when its route first reaches a live PoP; its first attempts say when
/// that was to within one gap between them: after the last first attempt
/// sent to a dead PoP (T_d, or the fault if none), at or before the next
/// first attempt (T_s, the first sent to a live PoP after the fault). So the
/// k-th network to move moved between the k-th smallest T_d and the k-th
/// smallest T_s: first (k = 1), half (k = ceil(n / 2)) and all (k = n).
#[test]
fn the_moved_timeline_of_a_region_failure_agrees_with_the_event_trace() {
    let s = edgesim::scenario::parse("region-trace.toml", REGION_FAILURE, ".".into()).expect("valid");
    let p = edgesim::prepare(s).expect("resolves");
    let mut sink = FirstAttempts::default();
    let out = edgesim::simulate(&p, Some(&mut sink)).expect("runs");
    let dead = &p.faults[0].pops;
    let at = p.faults[0].at.as_nanos();
    let nets = out.result.networks;
    let mut sends: Vec<Vec<(u64, bool)>> = vec![Vec::new(); nets];
    for &(net, sent, pop) in &sink.seen {
        sends[net as usize].push((sent, dead.contains(&(pop as usize))));
    }
    let (mut t_d, mut t_s) = (Vec::new(), Vec::new());
    for per_net in &mut sends {
        per_net.sort_unstable();
        let before = per_net.iter().rposition(|&(t, _)| t < at);
        // In the catchment: its last first attempt before the fault went to a dead PoP.
        if !before.is_some_and(|i| per_net[i].1) {
            continue;
        }
        let after = &per_net[before.map_or(0, |i| i + 1)..];
        let last_dead = after.iter().rposition(|&(_, d)| d);
        // A network moves once, for good: no live first attempt before a dead one.
        assert!(after[..last_dead.unwrap_or(0)].iter().all(|&(_, d)| d), "a network came back to a dead PoP");
        t_d.push(last_dead.map_or(at, |i| after[i].0));
        t_s.push(after.get(last_dead.map_or(0, |i| i + 1)).map_or(u64::MAX, |&(t, _)| t));
    }
    let fault = &out.summary.faults[0];
    let n = t_d.len();
    assert!(n > 50, "a sizeable catchment: {n}");
    assert_eq!(fault.affected_networks as usize, n, "the summary's catchment is the trace's");
    let resolution = t_d.iter().zip(&t_s).map(|(d, s)| s.saturating_sub(*d)).max().unwrap_or(0);
    // Summary times are seconds as f64: compare to within 1 us.
    let eps = 1_000;
    for (name, k) in [("first_moved", 1), ("half_moved", n.div_ceil(2)), ("all_moved", n)] {
        let summary_ns = at + (step(fault, name) * 1e9).round() as u64;
        let (lo, hi) = (kth(&t_d, k), kth(&t_s, k));
        assert!(
            lo <= summary_ns + eps && summary_ns <= hi.saturating_add(eps),
            "{name}: summary {:.6} s, trace says within [{:.6}, {:.6}] s after the fault (resolution {:.3} s)",
            (summary_ns - at) as f64 / 1e9,
            (lo - at) as f64 / 1e9,
            hi.saturating_sub(at) as f64 / 1e9,
            resolution as f64 / 1e9,
        );
    }
    eprintln!(
        "region failure: {n} networks; all moved {:.3} s; last first attempt to a dead PoP {:.3} s, \
         last network's first to a live one {:.3} s; resolution {:.3} s",
        step(fault, "all_moved"),
        (kth(&t_d, n) - at) as f64 / 1e9,
        (kth(&t_s, n).saturating_sub(at)) as f64 / 1e9,
        resolution as f64 / 1e9
    );
}

/// SJC fails at 61 s and LAX, the network's next PoP, at 66 s; SEA is
/// third. Probes at 0, 5, 10... s: SJC's route is withdrawn at 65 + 1 + 5 =
/// 71 s, LAX's at 70 + 1 + 5 = 76 s; the network learns each 20 s later.
/// At 91 s it drops SJC for LAX, which is dead: not a move. It moves at 96 s,
/// when it drops LAX for SEA; and without retries every request sent before
/// then is lost, so the RTO is the same 35 s.
#[test]
fn falling_back_on_another_dead_pop_is_not_a_move() {
    let text = scenario(5, 1, 20, NO_RETRY).replace(r#"pops = ["SJC", "LAX"]"#, r#"pops = ["SJC", "LAX", "SEA"]"#)
        + "\n[[fault]]\nat = \"66s\"\nkind = \"pop-down\"\npop = \"LAX\"\n";
    let out = run_scenario(&text);
    let f = &out.summary.faults[0];
    let lax_moved = 70.0 + TIMEOUT_S + WITHDRAWAL_DELAY_S + 20.0;
    assert_eq!(step(f, "withdrawal_started"), 65.0 + TIMEOUT_S + WITHDRAWAL_DELAY_S - FAULT_AT_S);
    assert_eq!(step(f, "all_moved"), lax_moved - FAULT_AT_S, "moved when it reached SEA, not LAX");
    assert_eq!(step(f, "first_moved"), step(f, "all_moved"), "one network");
    assert_eq!(f.rto_s, Some(lax_moved - FAULT_AT_S));
    assert_eq!(out.summary.faults[1].affected_networks, 0, "at 66 s the network still routed to SJC");
}
