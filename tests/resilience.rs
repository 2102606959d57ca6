//! Breakers, retries and the degradation levels, end to end.

use serde_json::Value;
use std::path::Path;

fn run_text(text: &str) -> Value {
    let s = edgesim::scenario::parse("resilience-test.toml", text, ".".into()).expect("valid scenario");
    let p = edgesim::prepare(s).expect("resolves");
    serde_json::to_value(&edgesim::simulate(&p, None).expect("runs").summary).expect("json")
}

fn shipped_text(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    std::fs::read_to_string(path).expect("shipped scenario")
}

fn amplification(v: &Value) -> f64 {
    v["origin"]["retry_amplification"].as_f64().expect("amplification")
}

#[test]
fn a_slow_origin_without_protection_gets_a_retry_storm_and_with_a_breaker_does_not() {
    // Three retries: each fetch to the slowed origin is tried up to 4 times.
    let storm = run_text(&shipped_text("retry-storm.toml"));
    let a = amplification(&storm);
    assert!((3.0..=4.0).contains(&a), "amplification without protection {a}");
    let protected = run_text(&shipped_text("retry-storm-protected.toml"));
    let b = amplification(&protected);
    assert!(b < 1.5, "with breakers, jitter and a budget {b}");
    assert!(protected["origin"]["fail_fast"].as_u64() > Some(0));
}

/// The origin goes down for 5 s while 5,000 fetches wait there: it resets
/// them all at once, and they retry together unless jittered.
fn blip(jitter: &str) -> String {
    format!(
        r#"
[scenario]
name = "blip"
seed = 8
duration = "60s"
warmup = "5s"

[topology]
pops = ["SJC", "LAX"]

[traffic]
rps = 5000
classes = {{ p1 = 1.0 }}

[pops.default]
servers = 32
service = {{ dist = "constant", value = "1ms" }}

[client]
timeout = "30s"
retry = {{ policy = "none" }}

[origin]
share = 1.0
servers = 40
service = {{ dist = "constant", value = "10ms" }}
queue_limit = 100000
timeout = "20s"
retry = {{ policy = "exponential", backoff = ["200ms", "400ms", "800ms"], jitter = "{jitter}" }}

[[fault]]
at = "20s"
kind = "origin-down"
for = "5s"
"#
    )
}

#[test]
fn jitter_spreads_the_retries_of_a_synchronised_failure() {
    let peak = |v: &Value| v["origin"]["peak_attempts_per_s"].as_u64().expect("peak");
    let plain = run_text(&blip("none"));
    let full = run_text(&blip("full"));
    assert!(peak(&full) < peak(&plain), "peak with full jitter {} vs none {}", peak(&full), peak(&plain));
}

#[test]
fn each_level_scenario_reaches_exactly_its_level_and_comes_back() {
    for (file, level) in [
        ("level-1-kv-lag.toml", 1),
        ("level-2-cpu.toml", 2),
        ("level-3-multi-pop.toml", 3),
        ("level-4-control-plane.toml", 4),
    ] {
        let v = run_text(&shipped_text(file));
        assert_eq!(v["levels"]["max_level"], level, "{file}");
        assert_eq!(v["levels"]["final_level"], 0, "{file} returns to level 0");
        assert_eq!(v["passed"], true, "{file}: {}", v["expectations"]);
    }
}

#[test]
fn level_4_fails_deployments_and_leaves_serving_untouched() {
    let with_fault = shipped_text("level-4-control-plane.toml");
    let cut = with_fault.find("[[fault]]").expect("the file has a fault");
    let without = format!("{}[[expect]]\navailability = {{ ge = 0.9999 }}\n", &with_fault[..cut]);
    let a = run_text(&with_fault);
    let b = run_text(&without);
    assert!(a["levels"]["deployments"]["failed_attempts"].as_u64() > Some(0));
    assert_eq!(b["levels"]["deployments"]["failed_attempts"].as_u64(), Some(0));
    // Serving traffic sees exactly the same: the control plane is not on its path.
    assert_eq!(a["requests"], b["requests"]);
    assert_eq!(a["latency_ms"], b["latency_ms"]);
}

#[test]
fn per_minute_limits_refuse_what_a_hand_count_says() {
    // Zipf(1) over 100 deployments: deployment k gets r / (k H_100) of the
    // 40,000 rps. Per minute each may pass 100,000; the rest of the minute
    // is refused. Count, per deployment and per minute, what is refused in
    // the measured window [10 s, 180 s).
    let v = run_text(&shipped_text("rate-limits.toml"));
    let refused = v["requests"]["rate_limited_by_limit"]["deployment_per_minute"].as_f64().expect("count");
    let h: f64 = (1..=100).map(|k| 1.0 / k as f64).sum();
    let (rate, limit) = (40_000.0, 100_000.0);
    let mut expected = 0.0;
    for k in 1..=100 {
        let r = rate / (k as f64 * h);
        for minute in 0..3 {
            let start = minute as f64 * 60.0;
            let exhausted = start + limit / r;
            let from = exhausted.max(10.0).max(start);
            expected += r * (start + 60.0 - from).max(0.0);
        }
    }
    assert!((refused - expected).abs() / expected < 0.02, "refused {refused}, hand count {expected}");
    assert_eq!(v["requests"]["rate_limited_by_limit"]["deployment_per_second"], 0);
}

#[test]
fn jittered_breaker_runs_are_deterministic() {
    let a = run_text(&shipped_text("retry-storm-protected.toml"));
    let b = run_text(&shipped_text("retry-storm-protected.toml"));
    assert_eq!(a["trace_hash"], b["trace_hash"]);
    assert_eq!(a, b);
}
