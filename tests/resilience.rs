//! Breakers, retries and the degradation levels, end to end.

use crate::util::{run_scenario, scenario_path, summary_json};
use serde_json::Value;

/// The summary of scenario `text`, as JSON.
fn run_text(text: &str) -> Value {
    summary_json(&run_scenario(text))
}

fn shipped_text(file: &str) -> String {
    std::fs::read_to_string(scenario_path(file)).expect("shipped scenario")
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

fn peak(v: &Value) -> f64 {
    // The busiest 100 ms of fetch attempts at the origin, per second.
    v["origin"]["peak_attempts_per_s"].as_u64().expect("peak") as f64
}

#[test]
fn jitter_lowers_the_peak_after_a_synchronised_reset() {
    // The origin going down resets every fetch waiting there at one
    // instant: thousands of fetches fail together. Without jitter all of
    // them retry exactly 200 ms later, in the same 100 ms bin. Full jitter
    // draws each wait uniformly from [0, 200 ms]: the batch spreads over two
    // bins, about half the peak. Decorrelated jitter draws the first sleep
    // from [base, 3 base] = [200, 600 ms]: four bins, about a quarter. Equal
    // jitter, [100, 200 ms], is one bin wide and straddles two: lower, by
    // how much depends on where the bins fall. Margins above the halves and
    // quarters leave room for the fetches that arrive anyway.
    let plain = peak(&run_text(&blip("none")));
    let full = peak(&run_text(&blip("full")));
    let equal = peak(&run_text(&blip("equal")));
    let decorrelated = peak(&run_text(&blip("decorrelated")));
    assert!(full < 0.6 * plain, "peak with full jitter {full} vs none {plain}");
    assert!(decorrelated < 0.35 * plain, "peak with decorrelated jitter {decorrelated} vs none {plain}");
    assert!(equal < plain, "peak with equal jitter {equal} vs none {plain}");
}

#[test]
fn full_jitter_raises_the_peak_under_a_slow_origin() {
    // A slow origin resets nothing at once: each fetch times out 1 s after
    // its own send, so retries already follow the Poisson first attempts and
    // there is no batch for jitter to spread. The peak comes when the
    // origin's queue fills (its servers held 3 s per fetch): from then on a
    // fetch is refused at once, and every fetch still in its chain sends its
    // remaining attempts within the sum of the waits left instead of a
    // timeout each. Full jitter halves the expected wait (w / 2), so those
    // attempts come in about half the time: a higher peak, not a lower one.
    let text = shipped_text("retry-storm.toml");
    let listed = r#"backoff = ["100ms", "300ms", "1s"] }"#;
    assert!(text.contains(listed), "retry-storm.toml lists its backoff as the test expects");
    let jittered = text.replace(listed, r#"backoff = ["100ms", "300ms", "1s"], jitter = "full" }"#);
    let plain = peak(&run_text(&text));
    let full = peak(&run_text(&jittered));
    assert!(full > 1.05 * plain, "slow origin: peak with full jitter {full} vs none {plain}");
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
