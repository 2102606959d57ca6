//! Deployments, isolates, the warm pool and cold starts, against their
//! closed forms. With Poisson arrivals at rate `lambda` on one server, a
//! request for deployment `i` (Zipf popularity `p_i`) is cold when no
//! request of `i` came in the last idle-eviction time `T`: probability
//! `exp(-lambda p_i T)`; so the cold-start rate is `sum_i p_i exp(-lambda
//! p_i T)` (over unpinned `i`) and the expected warm isolates are `K +
//! sum_i (1 - exp(-lambda p_i T))`. Every oracle is computed here from the
//! scenario's parameters.

use crate::util::{edgesim_code, run_scenario, run_shipped, temp_dir, write_scenario};

/// Zipf(`s`) popularity of `n` deployments, most popular first.
fn zipf(n: usize, s: f64) -> Vec<f64> {
    let w: Vec<f64> = (1..=n).map(|k| (k as f64).powf(-s)).collect();
    let total: f64 = w.iter().sum();
    w.into_iter().map(|x| x / total).collect()
}

/// `sum_{i >= k} p_i exp(-c p_i)`: the cold-start rate.
fn cold_rate(p: &[f64], k: usize, c: f64) -> f64 {
    p[k..].iter().map(|pi| pi * (-c * pi).exp()).sum()
}

/// `k + sum_{i >= k} (1 - exp(-c p_i))`: warm isolates on a server.
fn warm(p: &[f64], k: usize, c: f64) -> f64 {
    k as f64 + p[k..].iter().map(|pi| 1.0 - (-c * pi).exp()).sum::<f64>()
}

/// Isolates per server: 64 GiB / 128 MB.
const PER_SERVER: f64 = 64.0 * 1024.0 / 128.0;

/// One PoP of one server, fed by one site at `rps` (Poisson), with
/// `deployments` of Zipf(`s`), idle eviction after `idle_s` and the top
/// `k` deployments pinned (the pool neither grows nor shrinks).
fn one_server(fidelity: &str, rps: f64, deployments: usize, s: f64, idle_s: u64, k: usize, secs: u64) -> String {
    format!(
        r#"
[scenario]
name = "isolates-oracle"
seed = 3
duration = "{secs}s"
warmup = "{warmup}s"
fidelity = "{fidelity}"

[topology]
pops = ["SJC"]

[traffic]
rps = {rps}
arrivals = "poisson"
classes = {{ p0 = 0.0, p1 = 1.0, p2 = 0.0, p3 = 0.0 }}

[[traffic.site]]
name = "bay-area"
near = "SJC"

[pops.default]
servers = 1
service = {{ dist = "exponential", mean = "100us" }}

[isolates]
deployments = {deployments}
zipf = {s}
idle_evict = "{idle_s}s"
warm_pool_min = {k}
warm_pool_max = {k}
"#,
        warmup = 2 * idle_s,
    )
}

fn isolates(out: &edgesim::Outcome) -> edgesim::sim::IsolateTotals {
    out.result.pop_totals[0].isolates.clone().expect("the PoP has isolate measures")
}

/// The request plane's cold-start rate within the binomial 95% interval
/// of the closed form: each request's coldness depends on its own gap to
/// the last request of its deployment, and those gaps are independent
/// exponentials, so the cold count is binomial given the requests.
fn check_request_rate(k: usize) {
    let (rps, d, s, idle) = (20.0, 200, 1.0, 10);
    let out = run_scenario(&one_server("request", rps, d, s, idle, k, 1200));
    let m = isolates(&out);
    let p = zipf(d, s);
    let c = rps * idle as f64;
    let want = cold_rate(&p, k, c);
    let half = 1.96 * (want * (1.0 - want) / m.started).sqrt();
    assert!(m.started > 20_000.0, "{m:?}");
    let rate = m.cold_start_rate();
    assert!((rate - want).abs() <= half, "k={k}: rate {rate} vs {want} +- {half}");
    // The memory: warm isolates at each control period, averaged. The
    // indicator "deployment i warm" decorrelates within T, so the mean over
    // a window W has a variance at most 2T/W times the pointwise one.
    let var: f64 = p[k..].iter().map(|pi| (-c * pi).exp() * (1.0 - (-c * pi).exp())).sum();
    let window = 1200.0 - 2.0 * idle as f64;
    let sd = (2.0 * idle as f64 * var / window).sqrt();
    let mean_warm = m.memory_mean * PER_SERVER;
    let expected = warm(&p, k, c);
    assert!((mean_warm - expected).abs() <= 3.0 * sd, "k={k}: {mean_warm} warm vs {expected} +- {}", 3.0 * sd);
    assert_eq!(m.warm_pool_end, k as u32);
}

#[test]
fn request_cold_start_rate_matches_the_closed_form_without_a_pool() {
    check_request_rate(0);
}

#[test]
fn request_cold_start_rate_matches_the_closed_form_with_the_top_k_pinned() {
    check_request_rate(5);
}

#[test]
fn a_cold_start_adds_its_time_to_latency() {
    let with = one_server("request", 20.0, 200, 1.0, 10, 0, 300);
    let without = with.replace("[isolates]", "[isolates]\ncold_start = \"0s\"");
    let (a, b) = (run_scenario(&with), run_scenario(&without));
    let (ma, mb) = (isolates(&a), isolates(&b));
    assert_eq!(mb.cold_start_s, 0.0);
    assert!(ma.cold_starts > 100.0, "{ma:?}");
    assert!((ma.cold_start_s - ma.cold_starts * 0.005).abs() < 1e-6, "5 ms each");
    // The same requests (sends do not depend on service), each cold one
    // 5 ms later, and the next request waits when it comes within the cold
    // start: E[(5 ms - X)+] = 5 ms - (1 - exp(-lambda 5 ms)) / lambda more,
    // X exponential (1 server, so the next request of the PoP); twice that
    // bounds the chains of waits.
    let (lambda, cs) = (20.0f64, 0.005f64);
    let excess = (cs - (1.0 - (-lambda * cs).exp()) / lambda) / cs;
    let added = ma.latency_s - mb.latency_s;
    let (lo, hi) = (ma.cold_start_s, ma.cold_start_s * (1.0 + 2.0 * excess));
    assert!(added >= lo && added <= hi, "{added} vs {lo}..{hi}");
    let share = a.summary.pops[0].isolates.as_ref().expect("isolates").cold_start_latency_share;
    assert!((share - ma.cold_start_s / ma.latency_s).abs() < 1e-12);
}

#[test]
fn flow_cold_start_rate_and_memory_equal_the_closed_form() {
    // Enough deployments that the flow plane sums ranks in buckets: its
    // stated error is (1.05^s - 1) / e relative.
    let (rps, d, s, idle) = (500.0, 20_000, 1.0, 60);
    let out = run_scenario(&one_server("flow", rps, d, s, idle, 0, 600));
    let m = isolates(&out);
    let p = zipf(d, s);
    let c = rps * idle as f64;
    let bound = (1.05f64.powf(s) - 1.0) / std::f64::consts::E;
    let (rate, want) = (m.cold_start_rate(), cold_rate(&p, 0, c));
    assert!((rate - want).abs() <= bound * want, "rate {rate} vs {want}");
    let (mem, want) = (m.memory_mean * PER_SERVER, warm(&p, 0, c));
    assert!((mem - want).abs() <= bound * want, "warm {mem} vs {want}");
    assert!((m.memory_peak - m.memory_mean).abs() <= 1e-9 * m.memory_mean, "a constant rate: constant memory");
}

#[test]
fn the_warm_pool_grows_while_the_rate_is_above_five_percent_and_stops_below() {
    // Flow fidelity: each period's rate is the closed form at the pool's
    // size, so the pool grows one deployment a period up to the first K
    // whose rate is at most 5%, and stays there.
    let (rps, d, s, idle) = (50.0, 300, 1.0, 10);
    let text = one_server("flow", rps, d, s, idle, 0, 600).replace("warm_pool_max = 0", "warm_pool_max = 1000");
    let p = zipf(d, s);
    let c = rps * idle as f64;
    // The flow sums ranks past the first 64 unpinned in buckets, within
    // (1.05^s - 1) / e relative: the pool stops at a K between the first
    // whose exact rate is at most 5% within that error, and the first below.
    let bound = (1.05f64.powf(s) - 1.0) / std::f64::consts::E;
    let first_at = |r: f64| (0..=d).find(|&k| cold_rate(&p, k, c) <= r).expect("some K is enough");
    let (k_lo, k_hi) = (first_at(0.05 * (1.0 + bound)), first_at(0.05 * (1.0 - bound)));
    let k_star = first_at(0.05);
    assert!(k_star > 20 && k_star < 600, "the pool has room and time to grow: {k_star}");
    let m = isolates(&run_scenario(&text));
    let k = m.warm_pool_end as usize;
    assert!(k_lo <= k && k <= k_hi, "pool {k}, exact crossing {k_star} ({k_lo}..={k_hi})");
    assert!(k_hi - k_lo <= k_star / 10, "a sharp test: {k_lo}..={k_hi}");
    // One deployment a period from the first: the 20 periods of the warm-up
    // (2 T) are not counted.
    assert_eq!(m.warm_pool_growths as usize, k - 2 * idle as usize, "one deployment a period");
    // Request fidelity: the fleet starts cold (every first request), so the
    // pool grows at least as far before the rate falls below 5%.
    let r = isolates(&run_scenario(&text.replace("fidelity = \"flow\"", "fidelity = \"request\"")));
    assert!(r.warm_pool_end as usize >= k_star / 2, "{}", r.warm_pool_end);
    assert!(r.cold_start_rate() <= cold_rate(&p, 0, c), "the pool lowered the rate");
}

#[test]
fn the_memory_rule_adds_a_server_after_exactly_five_minutes_above_80_percent() {
    // 420 of 500 deployments pinned: 420 x 128 MB / 64 GiB = 82% > 80% from
    // the first control period (t = 1 s) on; the seed's rule (5 min) adds a
    // server at 1 + 300 s; the next would wait for the cooldown and a new
    // period (past 400 s). CPU is low, but 4 servers is the minimum.
    let text = r#"
[scenario]
name = "memory-rule"
duration = "400s"

[topology]
pops = ["SJC"]

[traffic]
rps = 5
classes = { p0 = 0.0, p1 = 1.0, p2 = 0.0, p3 = 0.0 }

[[traffic.site]]
name = "bay-area"
near = "SJC"

[pops.default]
servers = 4

[autoscaling]
enabled = true

[isolates]
deployments = 500
warm_pool_min = 420
warm_pool_max = 420
"#;
    const { assert!(420.0 / PER_SERVER > 0.8) };
    let tick = 1.0;
    let period = 300.0;
    for fidelity in ["request", "flow"] {
        let t = text.replace("duration = \"400s\"", &format!("duration = \"400s\"\nfidelity = \"{fidelity}\""));
        let out = run_scenario(&t);
        assert_eq!(out.summary.pops[0].scale_ups_s, vec![tick + period], "{fidelity}");
        let m = isolates(&out);
        assert!(m.memory_peak >= 420.0 / PER_SERVER, "{fidelity}: {m:?}");
    }
}

#[test]
fn the_shipped_scenario_is_deterministic_and_shows_cold_starts() {
    let a = run_shipped("cold-starts.toml");
    let b = run_shipped("cold-starts.toml");
    let ja = serde_json::to_string(&a.summary).expect("json");
    assert!(ja == serde_json::to_string(&b.summary).expect("json"), "same seed, different summaries");
    assert!(a.summary.passed, "{:?}", a.verdicts);
    let all = a.summary.isolates.as_ref().expect("a global isolate summary");
    assert!(all.cold_starts > 0.0 && all.warm_pool_end > 0, "{all:?}");
    let per_pop: f64 = a.summary.pops.iter().filter_map(|p| p.isolates.as_ref()).map(|i| i.cold_starts).sum();
    assert_eq!(per_pop, all.cold_starts);
}

/// (what is wrong, the `[isolates]` lines, text the error must hold)
const BAD: &[(&str, &str, &str)] = &[
    ("unknown key", "cold_strat = \"5ms\"", "unknown field `cold_strat`"),
    ("pool min over max", "warm_pool_min = 10\nwarm_pool_max = 5", "isolates.warm_pool_min: got 10; expected at most"),
    ("no server memory", "server_gb = 0", "isolates.server_gb: got 0; expected a server memory above 0"),
    ("bare duration", "cold_start = 5", "expected a duration string"),
    ("rate above one", "warm_pool_scale_up = 1.5", "expected a fraction between 0 and 1"),
    ("zero step", "warm_pool_step = 0", "isolates.warm_pool_step: got 0"),
    ("nan exponent", "zipf = nan", "isolates.zipf: got NaN"),
    ("no deployments", "deployments = 0", "isolates.deployments: got 0"),
];

fn scenario_with(isolates: &str, extra: &str) -> String {
    format!(
        "[scenario]\nname = \"bad-isolates\"\nduration = \"10s\"\n\n[topology]\npops = [\"SJC\"]\n\n[traffic]\nrps = 10\nclasses = {{ p1 = 1.0 }}\n\n\
         {extra}\n[isolates]\n{isolates}\n"
    )
}

#[test]
fn bad_isolate_values_exit_2_naming_the_field() {
    let dir = temp_dir("bad-isolates");
    for (what, lines, text) in BAD {
        let file = write_scenario(&dir, "bad", &scenario_with(lines, ""));
        let (code, err) = edgesim_code(["validate", file.to_str().expect("utf-8")]);
        assert_eq!(code, 2, "{what}: {err}");
        assert!(err.contains(text) && !err.contains("panicked"), "{what}: want {text:?} in {err:?}");
    }
    // With [rate_limits], the deployments are the rate limits'.
    let limits = "[rate_limits]\naccounts = 10\n";
    let file = write_scenario(&dir, "bad", &scenario_with("zipf = 1.2", limits));
    let (code, err) = edgesim_code(["validate", file.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert!(err.contains("isolates.zipf: leave it out when [rate_limits] is set"), "{err}");
    // An expectation on cold starts needs the model.
    let text = scenario_with("", "").replace("[isolates]\n", "") + "[[expect]]\ncold_start_rate = { le = 0.05 }\n";
    let file = write_scenario(&dir, "bad", &text);
    let (code, err) = edgesim_code(["validate", file.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert!(err.contains("cold_start_rate needs an [isolates] table"), "{err}");
}

#[test]
fn isolate_tables_past_the_memory_budget_are_refused() {
    // 1,000,000 deployments x 100 servers (the autoscaler's maximum) x 16
    // bytes = 1.6 GB: more than the default budget of 1 GiB.
    let dir = temp_dir("isolates-budget");
    let extra = "[autoscaling]\nenabled = true\n";
    let file = write_scenario(&dir, "big", &scenario_with("deployments = 1000000", extra));
    let out = dir.join("out");
    let (code, err) = edgesim_code(["run", file.to_str().expect("utf-8"), "--out", out.to_str().expect("utf-8")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("isolate tables"), "{err}");
    assert!(!out.join("summary.json").exists());
}

#[test]
fn with_rate_limits_both_models_see_the_same_deployments() {
    // The rate limits' 10 x 10 deployments, Zipf 1.0: the isolates use them.
    let text = scenario_with("warm_pool_max = 0", "[rate_limits]\naccounts = 10\ndeployments_per_account = 10\n");
    let p = edgesim::prepare(edgesim::scenario::parse("t.toml", &text, ".".into()).expect("parses")).expect("prepares");
    let iso = p.config.isolates.as_ref().expect("isolates");
    let limits = p.config.limits.as_ref().expect("limits");
    assert_eq!(iso.popularity.len(), limits.cdf.len());
    for u in [0.0, 0.1, 0.19, 0.2, 0.5, 0.9, 0.999_999] {
        assert_eq!(iso.popularity.deployment(u), limits.deployment(u), "u = {u}");
    }
}

#[test]
fn the_per_pop_series_gains_the_isolate_columns_only_under_isolates() {
    let out = run_shipped("cold-starts.toml");
    let codes: Vec<String> = out.summary.pops.iter().map(|p| p.code.clone()).collect();
    let csv = edgesim::report::pop_series_csv(&out.result.pop_series, &codes);
    let header: Vec<&str> = csv.lines().next().expect("a header").split(',').collect();
    assert_eq!(header[header.len() - 3..], ["cold_starts", "memory", "warm_pool"]);
    let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == header.len()));
    // The cold starts of the series add up to the run's, warm-up included.
    let series: f64 = rows.iter().map(|r| r[header.len() - 3].parse::<f64>().expect("a number")).sum();
    let measured = out.summary.isolates.as_ref().expect("isolates").cold_starts;
    assert!(series >= measured, "{series} vs {measured}");
    let plain = run_shipped("single-pop.toml");
    let csv = edgesim::report::pop_series_csv(&plain.result.pop_series, &["SJC".to_string()]);
    assert!(!csv.lines().next().expect("a header").contains("memory"));
}
