//! Durable Objects, KV and rate limiters against hand calculations from
//! their parameters.

use crate::util::{run_scenario, run_shipped, summary_json};
use serde_json::Value;

/// The summary of scenario `text`, as JSON.
fn run(text: &str) -> Value {
    summary_json(&run_scenario(text))
}

const EDGE: &str = r#"
[topology]
pops = ["IAD", "ORD", "FRA", "AMS", "SIN", "NRT"]

[traffic]
rps = 10
classes = { p1 = 1.0 }
"#;

/// Durable Objects with reads only (no WAL to replay), NA failing at 60 s.
fn do_scenario(objects: u32, state_mb: f64, restore_mb_per_s: f64, parallel: u32) -> String {
    format!(
        r#"
[scenario]
name = "do-test"
seed = 4
duration = "5m"
{EDGE}
[durable_objects]
objects = {objects}
regions = ["NA", "EU"]
requests_per_s = 100
write_share = 0.0
state_mb = {state_mb}
restore_mb_per_s = {restore_mb_per_s}
parallel_restores = {parallel}

[[fault]]
at = "60s"
kind = "do-region-down"
region = "NA"
"#
    )
}

fn steps(v: &Value) -> &serde_json::Map<String, Value> {
    v["faults"][0]["durable_objects"]["timeline"].as_object().expect("a DO timeline")
}

fn at(v: &Value, step: &str) -> f64 {
    steps(v)[step].as_f64().unwrap_or_else(|| panic!("no {step}"))
}

#[test]
fn the_seed_do_timeline_comes_out_of_its_parameters() {
    // Detection 10 s, migration 5 s later, a 50 MB snapshot at 10 MB/s: 5 s,
    // no WAL, routing 5 s after.
    let v = run(&do_scenario(1, 50.0, 10.0, 1));
    assert_eq!(at(&v, "detected"), 10.0);
    assert_eq!(at(&v, "migration_started"), 15.0);
    assert_eq!(at(&v, "all_snapshots_restored"), 20.0);
    assert_eq!(at(&v, "all_wal_replayed"), 20.0);
    assert_eq!(at(&v, "all_routing_updated"), 25.0);
    assert_eq!(v["faults"][0]["durable_objects"]["object_rto_s"]["max"], 25.0);
}

#[test]
fn snapshot_size_and_restore_bandwidth_move_the_restore() {
    let base = run(&do_scenario(1, 50.0, 10.0, 1));
    let big = run(&do_scenario(1, 100.0, 10.0, 1));
    let fast = run(&do_scenario(1, 50.0, 20.0, 1));
    // 50 MB more at 10 MB/s: 5 s later; twice the bandwidth: 2.5 s sooner.
    assert_eq!(at(&big, "all_routing_updated") - at(&base, "all_routing_updated"), 5.0);
    assert_eq!(at(&fast, "all_routing_updated") - at(&base, "all_routing_updated"), -2.5);
    assert_eq!(at(&big, "migration_started"), at(&base, "migration_started"));
}

#[test]
fn migration_parallelism_spreads_object_rto() {
    // 100 objects, NA owns every other one: 50 to migrate, 5 s each.
    // 10 at a time: 5 rounds, the last serving at 15 + 25 + 5 = 45 s.
    // 50 at a time: 1 round: 15 + 5 + 5 = 25 s.
    let slow = run(&do_scenario(100, 50.0, 10.0, 10));
    let fast = run(&do_scenario(100, 50.0, 10.0, 50));
    let rto = |v: &Value, q: &str| v["faults"][0]["durable_objects"]["object_rto_s"][q].as_f64().expect("rto");
    assert_eq!(slow["faults"][0]["durable_objects"]["objects"], 50);
    assert_eq!(rto(&slow, "max"), 45.0);
    assert_eq!(rto(&slow, "p50"), 35.0, "the 25th object is in the third round");
    assert_eq!(rto(&fast, "max"), 25.0);
}

/// Durable Objects that have run for a long time before the run starts:
/// `objects` objects, half owned in NA (all restored at once), each written
/// `writes_per_object` times a second, snapshots every `interval_s`, NA
/// failing at `fault_s`.
fn steady_scenario(objects: u32, writes_per_object: f64, interval_s: u64, phase: &str, fault_s: u64) -> String {
    format!(
        r#"
[scenario]
name = "do-steady"
seed = 12
duration = "{duration}s"
{EDGE}
[durable_objects]
objects = {objects}
regions = ["NA", "EU"]
requests_per_s = {requests}
write_share = 0.5
snapshot_interval = "{interval_s}s"
{phase}
state_mb = 50
restore_mb_per_s = 10
replay_per_s = 10
parallel_restores = {objects}
wal_lag = {{ dist = "constant", value = "1ms" }}

[[fault]]
at = "{fault_s}s"
kind = "do-region-down"
region = "NA"
"#,
        duration = fault_s + 30,
        requests = writes_per_object * objects as f64 / 0.5,
    )
}

/// Each affected object's RTO, s, straight from the run's failover.
fn object_rtos(text: &str) -> Vec<f64> {
    let s = edgesim::scenario::parse("state-test.toml", text, ".".into()).expect("valid scenario");
    let p = edgesim::prepare(s).expect("resolves");
    let out = edgesim::simulate(&p, None).expect("runs");
    let f = out.result.state.failovers[0].as_ref().expect("a DO failover");
    let mut rtos: Vec<f64> = f.objects.iter().map(|o| (o.serving - f.at).as_secs_f64()).collect();
    rtos.sort_by(f64::total_cmp);
    rtos
}

#[test]
fn durable_objects_start_with_snapshots_of_steady_state_age_and_their_wal() {
    // In a long-running system an object's last snapshot at a fault at T is
    // A = (age0 + T) mod I old, uniform on [0, I) when the age at the start
    // is; its backup holds the N ~ Poisson(l A) entries written since (the
    // 1 ms shipping lag loses l x 1 ms of them, nothing). Restores all run at
    // once (parallel_restores = objects), so object RTO = detection 10 s +
    // migration delay 5 s + 50 MB at 10 MB/s + N / replay + routing 5 s.
    // N's law is uniform(0, l I) blurred by the Poisson spread: mean l I / 2,
    // quartiles l I / 4, l I / 2, 3 l I / 4 (the blur, symmetric, does not
    // move quantiles away from the ends). The T / I of objects that took a
    // snapshot in the run restore l I KB more: l T x 1 KB / 10 MB/s = 6 ms
    // on the mean, left out.
    let (objects, l, interval, fault) = (2000u32, 0.5, 3600.0, 120u64);
    let replay = 10.0;
    let fixed = 10.0 + 5.0 + 50.0 / 10.0 + 5.0;
    let rtos = object_rtos(&steady_scenario(objects, l, interval as u64, "", fault));
    let n = rtos.len() as f64;
    assert_eq!(n, (objects / 2) as f64);
    let span = l * interval; // entries written over a whole interval
                             // Standard errors over n objects: of the mean, sd(N) / sqrt(n) with
                             // Var N = l I / 2 + (l I)^2 / 12; of the q-quantile of a uniform of width
                             // l I, sqrt(q (1 - q) / n) x l I. Tolerance: 4 of them, in seconds.
    let sd_n = (span / 2.0 + span * span / 12.0).sqrt();
    let mean = rtos.iter().sum::<f64>() / n;
    let expected_mean = fixed + span / 2.0 / replay;
    let tol_mean = 4.0 * sd_n / n.sqrt() / replay;
    assert!((mean - expected_mean).abs() < tol_mean, "mean RTO {mean} s, hand {expected_mean} +- {tol_mean} s");
    for q in [0.25, 0.5, 0.75] {
        let measured = rtos[((q * n).ceil() as usize).clamp(1, rtos.len()) - 1];
        let expected = fixed + q * span / replay;
        let tol = 4.0 * (q * (1.0 - q) / n).sqrt() * span / replay;
        assert!((measured - expected).abs() < tol, "q{q}: RTO {measured} s, hand {expected} +- {tol} s");
    }
    // Today's bug would replay at most l T = 60 entries (6 s): the median
    // RTO would be about 28 s, not 115 s.
    assert!(rtos[rtos.len() / 2] > fixed + l * fault as f64 / replay * 4.0);
}

#[test]
fn a_fixed_snapshot_phase_sets_the_age_of_every_snapshot() {
    // Snapshots at phase + k I: at the start the last one is I - phase old,
    // and the first in the run is at `phase`. A fault at T < phase replays
    // Poisson(l (I - phase + T)) entries; at T > phase, Poisson(l (T - phase)),
    // and restores the snapshot taken at `phase`, grown by the l I entries
    // of 1 KB written over the interval before it (at 10 MB/s).
    let (objects, l, interval, replay) = (400u32, 0.5, 600u64, 10.0);
    let fixed = 10.0 + 5.0 + 5.0 + 5.0;
    for (phase, fault) in [(300u64, 100u64), (300, 400)] {
        let age = if fault < phase { interval - phase + fault } else { fault - phase } as f64;
        let rtos =
            object_rtos(&steady_scenario(objects, l, interval, &format!("snapshot_phase = \"{phase}s\""), fault));
        let n = rtos.len() as f64;
        let mean = rtos.iter().sum::<f64>() / n;
        let grown = if fault > phase { l * interval as f64 * 1e3 / 10e6 } else { 0.0 };
        let expected = fixed + grown + l * age / replay;
        // N ~ Poisson(l age) for every object: sd sqrt(l age) / sqrt(n).
        let tol = 4.0 * (l * age).sqrt() / n.sqrt() / replay;
        assert!((mean - expected).abs() < tol, "phase {phase}, fault {fault}: mean {mean}, hand {expected} +- {tol}");
    }
}

#[test]
fn a_restore_or_replay_speed_of_zero_never_ends_instead_of_wrapping() {
    use edgesim::engine::SimDuration;
    use edgesim::state::durable::time_at_rate;
    assert_eq!(time_at_rate(50e6, 10e6), Some(SimDuration::from_secs(5)));
    assert_eq!(time_at_rate(0.0, 0.0), Some(SimDuration::ZERO), "nothing to do takes no time");
    for rate in [0.0, -1.0, f64::NAN, 1e-300] {
        assert_eq!(time_at_rate(50e6, rate), None, "at {rate}/s");
    }
    assert_eq!(time_at_rate(f64::INFINITY, 1.0), None);
}

/// The summary of the shipped scenario `file`, as JSON.
fn shipped(file: &str) -> Value {
    summary_json(&run_shipped(file))
}

#[test]
fn replicated_acks_lose_nothing_and_cost_write_latency() {
    let replicated = shipped("do-ack-modes.toml");
    let local = shipped("do-ack-local.toml");
    let lost = |v: &Value| v["faults"][0]["durable_objects"]["writes_lost"].as_u64().expect("count");
    let rpo = |v: &Value| v["faults"][0]["durable_objects"]["rpo_s"].as_f64().expect("rpo");
    let p50 = |v: &Value| v["state"]["durable_objects"]["write_latency_ms"]["p50"].as_f64().expect("p50");
    assert_eq!((lost(&replicated), rpo(&replicated)), (0, 0.0));
    assert!(lost(&local) > 0 && rpo(&local) > 0.0);
    // The output gate waits for the WAL to reach the backup and come back.
    assert!(p50(&replicated) > p50(&local) + 80.0, "{} vs {}", p50(&replicated), p50(&local));
}

/// A KV seen from one PoP at IAD, clients at IAD.
fn kv_scenario(keys: u32, writes: f64, reads: f64, lag: &str, ttl: &str, pops: &str) -> String {
    format!(
        r#"
[scenario]
name = "kv-test"
seed = 6
duration = "1000s"
warmup = "100s"

[topology]
pops = {pops}

[traffic]
rps = 10
classes = {{ p1 = 1.0 }}

[kv]
keys = {keys}
writes_per_s = {writes}
reads_per_s = {reads}
replication_lag = {{ dist = "constant", value = "{lag}" }}
cache_ttl = "{ttl}"
"#
    )
}

#[test]
fn staleness_never_exceeds_lag_plus_ttl_plus_the_network() {
    // Writers everywhere, readers everywhere: a value reaches a far primary
    // after the 2 s lag and a PoP's cache after at most the 10 s TTL more.
    let v = run(&kv_scenario(50, 20.0, 2000.0, "2s", "10s", r#"["IAD", "FRA", "SIN", "SYD", "GRU"]"#));
    let max = v["state"]["kv"]["staleness_ms"]["max"].as_f64().expect("max");
    let network_ms = 500.0; // a generous bound on one-way trips between continents
    assert!(max > 2_000.0, "lag shows up: {max} ms");
    assert!(max <= 12_000.0 + network_ms, "max staleness {max} ms");
}

/// The share of stale reads by the renewal argument, for one PoP cache in
/// front of its own primary (no replication lag: only the cache is stale).
/// Per key, reads arrive as a Poisson process of rate r, writes of rate l.
/// A miss fetches a current value and starts a cycle: the copy serves every
/// read for the TTL T (r T of them on average), then the next read misses.
/// So a share r T / (1 + r T) of reads are hits, at an age uniform on
/// [0, T) (Poisson reads see time averages), stale if a write came since:
/// P(stale | hit) = 1 - E[exp(-l a)] = 1 - (1 - exp(-l T)) / (l T).
fn renewal_stale_share(r: f64, l: f64, t: f64) -> f64 {
    let hit = r * t / (1.0 + r * t);
    hit * (1.0 - (1.0 - (-l * t).exp()) / (l * t))
}

#[test]
fn the_share_of_stale_reads_follows_the_renewal_form_in_every_regime() {
    // Regimes of reads per key per TTL (r T) around 1, with l T = 1 and
    // T = 10 s. The tolerance is absolute, 0.005; the run must read enough
    // that the binomial standard error of the measured share is at most
    // 0.001 (5 of them in the tolerance, room for reads of one cached copy
    // being correlated). The older formula without the hit share, right only
    // for r T >> 1, is off by more than the tolerance up to r T = 10; at
    // r T = 100 the two agree within it.
    let (t, lt) = (10.0, 1.0);
    let l = lt / t;
    let mut table = String::from("| r T | keys | reads/s | writes/s | measured | renewal form | rT >> 1 form | hits measured | hits r T/(1+r T) |\n");
    for (rt, keys) in [(0.1, 10_000u32), (1.0, 10_000), (10.0, 3_000), (100.0, 1_000)] {
        let r = rt / t;
        let (reads, writes) = (r * keys as f64, l * keys as f64);
        let v = run(&kv_scenario(keys, writes, reads, "0s", "10s", r#"["IAD"]"#));
        let kv = &v["state"]["kv"];
        let stale = kv["stale_read_share"].as_f64().expect("share");
        let hits = kv["cache_hit_ratio"].as_f64().expect("hits");
        let n = kv["reads"].as_f64().expect("reads");
        let expected = renewal_stale_share(r, l, t);
        let many_reads_form = 1.0 - (1.0 - (-lt).exp()) / lt;
        let se = (expected * (1.0 - expected) / n).sqrt();
        table += &format!(
            "| {rt} | {keys} | {reads} | {writes} | {stale:.4} | {expected:.4} | {many_reads_form:.4} | {hits:.4} | {:.4} |\n",
            rt / (1.0 + rt)
        );
        assert!(se <= 0.001, "r T = {rt}: {n} reads, binomial se {se}");
        assert!((stale - expected).abs() < 0.005, "r T = {rt}: stale share {stale}, renewal form {expected}");
        assert!((hits - rt / (1.0 + rt)).abs() < 0.005, "r T = {rt}: hit share {hits}");
        if rt <= 10.0 {
            assert!((many_reads_form - expected).abs() > 0.005, "r T = {rt} tells the two forms apart");
        }
    }
    eprintln!("{table}");
}

#[test]
fn level_one_queues_writes_and_applies_every_one() {
    let v = shipped("kv-lag.toml");
    let kv = &v["state"]["kv"];
    let queued = kv["writes_queued"].as_u64().expect("queued");
    assert!(queued > 0, "level 1 was entered: {kv}");
    assert_eq!(kv["writes_applied"].as_u64(), Some(queued));
    assert_eq!(kv["writes_dropped"].as_u64(), Some(0));
    let level1 = kv["level1"].as_array().expect("periods");
    assert_eq!(level1.len(), 1);
    assert!(level1[0]["to_s"].is_number(), "and left");
}

fn limiter_scenario(pops: &str, lag: &str) -> String {
    format!(
        r#"
[scenario]
name = "limiter-test"
seed = 17
duration = "11m"
warmup = "1m"

[topology]
pops = {pops}

[traffic]
rps = 10
classes = {{ p1 = 1.0 }}

[kv]
keys = 1
writes_per_s = 0
reads_per_s = 0
replication_lag = {{ dist = "constant", value = "{lag}" }}
cache_ttl = "0s"

[rate_limiter]
customers = 5
limit = 600
window = "60s"
rps_per_customer = 120
"#
    )
}

fn overadmission(v: &Value, which: &str) -> f64 {
    v["state"]["rate_limiter"][which]["overadmission_max"].as_f64().expect("ratio")
}

#[test]
fn the_kv_limiter_overadmits_more_with_lag_and_with_pops_and_the_do_limiter_never() {
    // A PoP admits while the count it reads is below the limit, then writes
    // count + 1 to its nearest primary; primaries exchange writes L late and
    // the last writer wins, so a PoP's count overwrites the others'. The
    // longer the lag and the more primaries the PoPs write through, the more
    // the windows admit.
    let three = r#"["IAD", "FRA", "SIN"]"#;
    let mean = |v: &Value| v["state"]["rate_limiter"]["kv"]["overadmission_mean"].as_f64().expect("mean");
    let by_lag: Vec<f64> =
        ["1ms", "10ms", "100ms"].iter().map(|lag| mean(&run(&limiter_scenario(three, lag)))).collect();
    assert!(by_lag[0] > 1.0, "{by_lag:?}");
    assert!(by_lag[0] < by_lag[1] && by_lag[1] < by_lag[2], "by lag: {by_lag:?}");
    let by_pops: Vec<f64> = [r#"["IAD"]"#, r#"["IAD", "FRA"]"#, three]
        .iter()
        .map(|pops| run(&limiter_scenario(pops, "100ms")))
        .map(|v| {
            assert!(overadmission(&v, "do") <= 1.0, "the DO limiter never over-admits");
            assert!(v["state"]["rate_limiter"]["do"]["rejected"].as_u64() > Some(0));
            mean(&v)
        })
        .collect();
    assert_eq!(by_pops[0], 1.0, "one PoP, one primary: exact");
    assert!(by_pops[0] < by_pops[1] && by_pops[1] < by_pops[2], "by PoPs: {by_pops:?}");
}

#[test]
fn a_region_failure_with_10000_objects_is_deterministic() {
    let a = shipped("region-failure-eu.toml");
    let b = shipped("region-failure-eu.toml");
    assert_eq!(a["trace_hash"], b["trace_hash"]);
    assert_eq!(a, b);
    assert_eq!(a["state"]["durable_objects"]["objects"], 10_000);
}
