//! The state dependencies' breakers and the KV edge replicas, run through
//! the whole loop and checked against hand calculations from the file's
//! parameters: a breaker opens after exactly its threshold of consecutive
//! failures and stays open exactly its time; replicas grow to the fewest
//! whose M/M/1 p99 is under the bound; a read fails only when all three of
//! its attempts fail.

use crate::util::{run_scenario, summary_json};
use serde_json::Value;

fn kv_scenario(kv_extra: &str, fault_for: &str) -> String {
    format!(
        r#"
[scenario]
name = "kv-breaker"
seed = 4
duration = "3m"
[topology]
pops = ["IAD"]
[traffic]
rps = 10
classes = {{ p1 = 1.0 }}
[kv]
keys = 100
writes_per_s = 50
reads_per_s = 10
{kv_extra}
[[fault]]
at = "60s"
kind = "kv-primary-down"
region = "NA"
for = "{fault_for}"
"#
    )
}

/// (state, t_s) of a breaker's transitions.
fn transitions(b: &Value) -> Vec<(String, f64)> {
    b["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["state"].as_str().unwrap().to_string(), t["t_s"].as_f64().unwrap()))
        .collect()
}

/// Checks one breaker's life against its configuration: each opening is
/// followed by half-open exactly `open_s` later; every failure it was told
/// of is one of the `threshold` that opened it first or a failed probe
/// (one per later opening); it ends closed after the dependency is back.
fn check_breaker(b: &Value, threshold: u64, open_s: f64, back_s: f64) {
    let t = transitions(b);
    let opens: Vec<f64> = t.iter().filter(|x| x.0 == "open").map(|x| x.1).collect();
    assert!(!opens.is_empty(), "it opened: {t:?}");
    for w in t.windows(2) {
        if w[0].0 == "open" {
            assert_eq!(w[1].0, "half-open", "{t:?}");
            assert!((w[1].1 - w[0].1 - open_s).abs() < 1e-6, "open for {} s, not {open_s}: {t:?}", w[1].1 - w[0].1);
        }
    }
    let failures = b["failures"].as_u64().unwrap();
    assert_eq!(
        failures,
        threshold + (opens.len() as u64 - 1),
        "{threshold} in a row, then one per failed probe: {t:?}"
    );
    let last = t.last().unwrap();
    assert_eq!(last.0, "closed", "{t:?}");
    assert!(last.1 >= back_s, "closed at {} before the dependency was back at {back_s}", last.1);
    // Probes that failed happened while the dependency was down.
    assert!(opens.iter().all(|&o| o < back_s), "{opens:?}");
}

#[test]
fn the_seed_kv_breaker_opens_after_exactly_10_failures_and_stays_open_10_s() {
    // The primary is down 60-85 s: the breaker opens on the 10th refused
    // write, probes at +10 s and +20 s fail, the probe at +30 s (after 85 s) passes.
    let out = run_scenario(&kv_scenario("", "25s"));
    let j = summary_json(&out);
    let kv = &j["state"]["kv"];
    let breakers = kv["breakers"].as_array().unwrap();
    assert_eq!(breakers.len(), 1, "one PoP, one primary down: {breakers:?}");
    assert_eq!((breakers[0]["pop"].as_str(), breakers[0]["region"].as_str()), (Some("IAD"), Some("NA")));
    check_breaker(&breakers[0], 10, 10.0, 85.0);
    assert_eq!(transitions(&breakers[0]).iter().filter(|x| x.0 == "open").count(), 3);
    assert!(kv["fail_fast"].as_u64().unwrap() > 0);
    assert_eq!(kv["writes_failed"].as_u64(), Some(0), "refused writes retry at the next primary");
}

#[test]
fn a_breaker_table_sets_the_threshold_and_time_and_off_removes_it() {
    let out = run_scenario(&kv_scenario("breaker = { failures = 4, open_for = \"3s\" }", "25s"));
    let j = summary_json(&out);
    let b = &j["state"]["kv"]["breakers"][0];
    check_breaker(b, 4, 3.0, 85.0);
    // Opened at the 4th failure, then every 3 s until a probe after 85 s:
    // one opening per 3 s of the outage left after the first.
    let opens = transitions(b).iter().filter(|x| x.0 == "open").count();
    let first_open = transitions(b)[0].1;
    let expected = 1 + ((85.0 - first_open) / 3.0).floor() as usize;
    assert!(opens == expected || opens == expected + 1, "{opens} openings, about {expected} by hand");

    let out = run_scenario(&kv_scenario("breaker = { trip = \"off\" }", "25s"));
    let j = summary_json(&out);
    assert_eq!(j["state"]["kv"]["breakers"].as_array().map(Vec::len), Some(0));
    assert_eq!(j["state"]["kv"]["fail_fast"].as_u64(), Some(0));
}

#[test]
fn the_seed_do_breaker_opens_after_exactly_3_failures_and_stays_open_60_s() {
    let text = r#"
[scenario]
name = "do-breaker"
seed = 8
duration = "6m"
[topology]
pops = ["IAD", "FRA", "SIN"]
[traffic]
rps = 10
classes = { p1 = 1.0 }
[durable_objects]
objects = 200
requests_per_s = 200
state_mb = 10
[[fault]]
at = "60s"
kind = "do-region-down"
region = "EU"
for = "4m"
"#;
    let out = run_scenario(text);
    let j = summary_json(&out);
    let d = &j["state"]["durable_objects"];
    let opened = d["breakers"]["opened"].as_u64().unwrap();
    // Objects spread over NA, EU, APAC in turn: EU's third, each asked
    // about once a second, fail 3 times within seconds of the fault.
    assert!(opened > 50 && opened <= 67, "{opened} of EU's 67 objects");
    let migration = &out.result.state.failovers[0].as_ref().unwrap().objects;
    for b in d["breakers"]["first"].as_array().unwrap() {
        let obj = b["object"].as_u64().unwrap() as u32;
        let back = migration.iter().find(|m| m.object == obj).unwrap().serving.as_secs_f64();
        check_breaker(b, 3, 60.0, back);
    }
    assert_eq!(d["breakers"]["time_open_s"]["p50"].as_f64(), Some(60.0), "migration ends before the probe");
}

fn replica_scenario(reads: u32, replicas: &str) -> String {
    format!(
        r#"
[scenario]
name = "kv-replicas"
seed = 6
duration = "10m"
warmup = "5m"
[topology]
pops = ["IAD"]
[traffic]
rps = 10
classes = {{ p1 = 1.0 }}
[kv]
keys = 10
writes_per_s = 1
reads_per_s = {reads}
replicas = {replicas}
"#
    )
}

#[test]
fn replicas_grow_to_the_fewest_whose_mm1_p99_is_under_the_bound() {
    // Random dispatch over c replicas of 1 ms mean: each an M/M/1 at
    // lambda / c, time in system exponential with rate 1000 - lambda / c,
    // p99 = ln(100) / (1000 - lambda / c).
    for (lambda, bound_ms) in [(1800.0, 10.0), (2600.0, 10.0), (1800.0, 6.0)] {
        let p99 = |c: f64| 100f64.ln() / (1000.0 - lambda / c) * 1e3;
        let want = (2..=10).find(|&c| lambda / (c as f64) < 1000.0 && p99(c as f64) <= bound_ms).unwrap();
        let replicas = format!("{{ min = 2, max = 10, p99_up = \"{bound_ms}ms\" }}");
        let out = run_scenario(&replica_scenario(lambda as u32, &replicas));
        let j = summary_json(&out);
        let got = j["state"]["kv"]["replicas_max"].as_u64().unwrap();
        assert_eq!(got, want as u64, "lambda {lambda}, bound {bound_ms} ms");
        let measured = j["state"]["kv"]["read_latency_ms"]["p99"].as_f64().unwrap();
        // Caches miss rarely here (10 keys): the p99 is the replicas'.
        assert!(
            (measured - p99(want as f64)).abs() < 0.1 * p99(want as f64),
            "p99 {measured} against {}",
            p99(want as f64)
        );
    }
}

#[test]
fn a_read_fails_only_when_all_three_attempts_fail() {
    let q: f64 = 0.2;
    let out = run_scenario(&replica_scenario(200, &format!("{{ min = 3, max = 3, error_rate = {q} }}")));
    let j = summary_json(&out);
    let kv = &j["state"]["kv"];
    let (ok, failed) = (kv["reads"].as_f64().unwrap(), kv["reads_failed"].as_f64().unwrap());
    let n = ok + failed;
    let want = q.powi(3);
    let se = (want * (1.0 - want) / n).sqrt();
    assert!((failed / n - want).abs() < 4.0 * se, "{} failed against {want}", failed / n);
    let attempts = kv["read_attempts_per_read"].as_f64().unwrap();
    let mean = 1.0 + q + q * q;
    let sd =
        ((1.0 - q) * (1.0f64 - mean).powi(2) + q * (1.0 - q) * (2.0 - mean).powi(2) + q * q * (3.0 - mean).powi(2))
            .sqrt();
    assert!((attempts - mean).abs() < 4.0 * sd / n.sqrt(), "{attempts} attempts per read against {mean}");
}

fn deployments(outage: &str, retry: &str) -> serde_json::Value {
    let text = format!(
        r#"
[scenario]
name = "code-fetch"
seed = 12
duration = "3m"
[topology]
pops = ["IAD"]
[traffic]
rps = 10
classes = {{ p1 = 1.0 }}
[control_plane]
deployments_per_min = 3600
{retry}
[[fault]]
at = "60s"
kind = "artifact-store-down"
for = "{outage}"
"#
    );
    summary_json(&run_scenario(&text))["levels"]["deployments"].clone()
}

#[test]
fn code_fetch_retries_ride_out_an_artifact_store_blip_shorter_than_their_700_ms() {
    // 60 deployments a second; the store is away 500 ms, under the seed's
    // 100 + 200 + 400 ms of retries: every fetch that fails is retried
    // past the outage, so no deployment fails.
    let d = deployments("500ms", "");
    assert_eq!(d["failed_attempts"].as_u64(), Some(0), "{d}");
    let (fetches, done) = (d["code_fetches"].as_u64().unwrap(), d["succeeded"].as_u64().unwrap());
    // About 30 deployments land in the outage; each retries 1 to 3 times.
    assert!(fetches > done + 10 && fetches <= done + 3 * 60, "{fetches} fetches for {done} deployments");
    // Without retries the same blip fails the deployments that land in it.
    let d = deployments("500ms", "code_fetch_retry = { policy = \"none\" }");
    let failed = d["failed_attempts"].as_u64().unwrap();
    assert!(failed > 10 && failed < 60, "{failed} of about 30 failed");
    assert_eq!(d["code_fetches"].as_u64().unwrap(), d["succeeded"].as_u64().unwrap() + failed);
    // A longer outage fails each deployment after exactly 4 fetches.
    let d = deployments("20s", "");
    let (fetches, done, failed) =
        (d["code_fetches"].as_u64().unwrap(), d["succeeded"].as_u64().unwrap(), d["failed_attempts"].as_u64().unwrap());
    assert!(failed > 1000, "{failed}");
    // Those accepted in the outage's last 700 ms retry into the store's return.
    let extra = fetches - done - 4 * failed;
    assert!(extra <= 3 * 60, "{extra} fetches beyond 4 per failed attempt and 1 per success");
}

/// P(X <= k) for X ~ Poisson(m), summed term by term.
fn poisson_cdf(m: f64, k: i64) -> f64 {
    if k < 0 {
        return 0.0;
    }
    let mut term = (-m).exp();
    let mut sum = 0.0;
    for n in 0..=k {
        sum += term;
        term *= m / (n + 1) as f64;
    }
    sum
}

/// With one retry, a subrequest makes 2 attempts when its first fails
/// (share q): by Poisson thinning the ones that fail, N1 ~ Poisson(m q),
/// and the others, N0 ~ Poisson(m (1 - q)), are independent, and the
/// attempts are N0 + 2 N1. P(N0 + 2 N1 > limit).
fn over_limit_one_retry(m: f64, q: f64, limit: i64) -> f64 {
    let mut within = 0.0;
    let mut p1 = (-m * q).exp();
    for k in 0..=limit / 2 {
        within += p1 * poisson_cdf(m * (1.0 - q), limit - 2 * k);
        p1 *= m * q / (k + 1) as f64;
    }
    1.0 - within
}

fn subrequest_run(fidelity: &str, sub: &str) -> serde_json::Value {
    let text = format!(
        r#"
[scenario]
name = "subrequests"
seed = 9
duration = "2m"
fidelity = "{fidelity}"
[topology]
pops = ["IAD", "ORD"]
[traffic]
rps = 2000
classes = {{ p1 = 1.0 }}
subrequests = {sub}
[pops.default]
servers = 64
service = {{ dist = "exponential", mean = "2ms" }}
"#
    );
    summary_json(&run_scenario(&text))
}

#[test]
fn requests_pass_the_subrequest_limit_as_poisson_thinning_says() {
    // 35 subrequests on average, 40% of attempts fail once and are
    // retried once: attempts N0 + 2 N1 against the seed's 50.
    let (m, q, limit) = (35.0, 0.4, 50);
    let want = over_limit_one_retry(m, q, limit);
    assert!(want > 0.2 && want < 0.8, "a case in between: {want}");
    let sub = format!("{{ mean = {m}, error_rate = {q}, retries = 1 }}");
    let j = subrequest_run("request", &sub);
    let issued = j["requests"]["issued"].as_f64().unwrap();
    let over = j["requests"]["failed_by_reason"]["subrequest_limit"].as_f64().unwrap();
    let se = (want * (1.0 - want) / issued).sqrt();
    assert!((over / issued - want).abs() < 4.0 * se, "request level: {} against {want}", over / issued);
    // The flow level applies the same probability to what it serves.
    let j = subrequest_run("flow", &sub);
    let issued = j["requests"]["issued"].as_f64().unwrap();
    let over = j["requests"]["failed_by_reason"]["subrequest_limit"].as_f64().unwrap();
    assert!((over / issued - want).abs() < 1e-3, "flow level: {} against {want}", over / issued);
    // Without errors the limit is the Poisson tail: P(N > 50) for mean 35.
    let j = subrequest_run("flow", "{ mean = 35 }");
    let over = j["requests"]["failed_by_reason"]["subrequest_limit"].as_f64().unwrap()
        / j["requests"]["issued"].as_f64().unwrap();
    let tail = 1.0 - poisson_cdf(35.0, 50);
    assert!((over - tail).abs() < 1e-4, "{over} against {tail}");
}
