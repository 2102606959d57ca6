//! `summary.json`: the versioned, deterministic record of a run.
//!
//! It holds no wall-clock figure, so the same binary, scenario and seed give
//! the same bytes. Wall time goes to `run.json`.

use crate::check::{pop_measure, Metric, Verdict};
use crate::edge::PoolConfig;
use crate::engine::SimTime;
use crate::metrics::faults::FaultRecord;
use crate::metrics::{Counts, FailReason, LatencyHistogram, CLASS_NAMES};
use crate::sim::RunResult;
use crate::world::World;
use crate::Prepared;
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the summary.json layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole summary.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Layout version.
    pub schema_version: u32,
    /// The edgesim version that wrote it.
    pub edgesim_version: &'static str,
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    /// Master seed.
    pub seed: u64,
    /// Simulated time, s.
    pub sim_duration_s: f64,
    /// Warm-up excluded from measures, s.
    pub warmup_s: f64,
    /// Time-series bucket width, s.
    pub bucket_s: f64,
    /// Events handled.
    pub events_handled: u64,
    /// Hash of the handled-event stream.
    pub trace_hash: String,
    /// Request counts.
    pub requests: Requests,
    /// Succeeded / issued over the measured window (null with no requests).
    pub availability: Option<f64>,
    /// Client-observed latency of successes.
    pub latency_ms: Latency,
    /// Attempts per request (retry amplification).
    pub attempts_per_request: Option<f64>,
    /// Client networks (anycast catchment units).
    pub client_networks: usize,
    /// Time of the health checker's first probe, s (the scenario's
    /// `anycast.health_check.phase`, or the one this seed drew).
    pub health_check_phase_s: f64,
    /// Per fault, in file order.
    pub faults: Vec<FaultSummary>,
    /// Per PoP.
    pub pops: Vec<PopSummary>,
    /// The origin: fetches, retries, breakers (absent without an origin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<serde_json::Value>,
    /// Degradation levels over time, and deployments.
    pub levels: serde_json::Value,
    /// Durable Objects, KV and rate limiters (absent when not simulated).
    #[serde(skip_serializing_if = "StateSummary::is_empty")]
    pub state: StateSummary,
    /// Verdicts, in file order.
    pub expectations: Vec<Verdict>,
    /// True when every expectation holds.
    pub passed: bool,
}

/// How a run counts requests still unfinished at its end (summary.json
/// `requests.accounting`).
pub const ACCOUNTING: &str = "requests count by send time, once, by their final outcome; at the end clients stop \
     sending and the run goes on for drain_s (the longest a request can live: every attempt timed out, every retry \
     wait taken) so that each request sent before the end succeeds or is given up by its client; one still open \
     after the drain fails (given_up_at_end, reason timeout); nothing is left out, so unfinished is 0";

/// Request counts over the measured window.
#[derive(Debug, Clone, Serialize)]
pub struct Requests {
    /// Requests with an outcome.
    pub issued: u64,
    /// Successes.
    pub succeeded: u64,
    /// Failures.
    pub failed: u64,
    /// Sent in the window with no outcome at all (not in `issued`): always
    /// 0 since the drain; kept so that `issued + unfinished` is every
    /// request sent.
    pub unfinished: u64,
    /// How long the run went on after its end (clients sending nothing new)
    /// so that every request sent before the end could finish: the longest
    /// a request can live under the client (and Durable Object) timeouts
    /// and retry policies, s.
    pub drain_s: f64,
    /// Requests (in `issued`) whose outcome came during the drain.
    pub finished_in_drain: u64,
    /// Requests (in `issued` and `failed`, reason `timeout`) still open when
    /// the drain ended.
    pub given_up_at_end: u64,
    /// How requests unfinished at the end are counted, in words.
    pub accounting: &'static str,
    /// By class.
    pub by_class: BTreeMap<&'static str, ClassRequests>,
    /// Failures by reason.
    pub failed_by_reason: BTreeMap<&'static str, u64>,
    /// Requests shed, by class.
    pub shed_by_class: BTreeMap<&'static str, u64>,
    /// Requests refused by each per-PoP rate limit.
    pub rate_limited_by_limit: BTreeMap<&'static str, u64>,
}

/// One fault: what struck, its timeline and what it cost.
#[derive(Debug, Clone, Serialize)]
pub struct FaultSummary {
    /// `pop-down`, `pop-degraded` or `health-check-flap`.
    pub kind: &'static str,
    /// The PoP it struck.
    pub target: String,
    /// When it struck, s since the start of the run.
    pub at_s: f64,
    /// Named steps, s after the fault (absent when they did not happen).
    pub timeline: BTreeMap<&'static str, f64>,
    /// Recovery time, s (null when not recovered within the run).
    pub rto_s: Option<f64>,
    /// False when the affected traffic never recovered before the end of
    /// the run (`rto_s` is then null and an RTO bound fails).
    pub recovered: bool,
    /// Affected requests that finally failed while the fault lasted.
    pub requests_lost: u64,
    /// Affected requests sent while the fault lasted.
    pub requests_affected: u64,
    /// Their attempts per request.
    pub attempts_per_request: Option<f64>,
    /// Client networks in the PoP's catchment at the fault.
    pub affected_networks: u32,
    /// Latency of affected successes: the minute before, during, after.
    pub latency_ms: BTreeMap<&'static str, Percentiles>,
    /// For region failures with Durable Objects: what was lost and how the
    /// objects came back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub durable_objects: Option<DoFailoverSummary>,
}

/// A region failure's effect on Durable Objects.
#[derive(Debug, Clone, Serialize)]
pub struct DoFailoverSummary {
    /// Age at the failure of the oldest acknowledged write lost, s.
    pub rpo_s: f64,
    /// Acknowledged writes lost.
    pub writes_lost: u64,
    /// Objects migrated.
    pub objects: usize,
    /// Their recovery times, s.
    pub object_rto_s: Quantiles,
    /// Migration steps, s after the failure: detected, migration started,
    /// first / last snapshot restored, first / last WAL replayed, first /
    /// last routing updated.
    pub timeline: BTreeMap<&'static str, f64>,
}

/// Quantiles of a distribution, in the unit its name says.
#[derive(Debug, Clone, Serialize)]
pub struct Quantiles {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

/// The state plane's measures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StateSummary {
    /// Durable Object requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub durable_objects: Option<serde_json::Value>,
    /// KV reads and writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kv: Option<serde_json::Value>,
    /// The rate limiters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limiter: Option<serde_json::Value>,
}

impl StateSummary {
    /// True when no state model ran.
    pub fn is_empty(&self) -> bool {
        self.durable_objects.is_none() && self.kv.is_none() && self.rate_limiter.is_none()
    }
}

fn quantiles(values: &[f64]) -> Quantiles {
    let q = |p| crate::check::quantile(values.to_vec(), p).unwrap_or(0.0);
    Quantiles { p50: q(0.5), p99: q(0.99), max: q(1.0) }
}

/// Reads one step's time off an object's migration.
type MigrationStep = fn(&crate::state::durable::ObjectMigration) -> SimTime;

fn do_failover(r: &RunResult, i: usize) -> Option<DoFailoverSummary> {
    let f = r.state.failovers.get(i)?.as_ref()?;
    let rtos: Vec<f64> = crate::check::object_rtos_ms(r, i).iter().map(|ms| ms / 1e3).collect();
    let since = |t: SimTime| (t - f.at).as_secs_f64();
    let mut timeline = BTreeMap::new();
    timeline.insert("detected", since(f.detected));
    timeline.insert("migration_started", since(f.migration_started));
    let steps: [(&str, &str, MigrationStep); 3] = [
        ("first_snapshot_restored", "all_snapshots_restored", |m| m.restored),
        ("first_wal_replayed", "all_wal_replayed", |m| m.replayed),
        ("first_routing_updated", "all_routing_updated", |m| m.serving),
    ];
    for (first, last, step) in steps {
        // `SimTime::MAX` is a step that never ends: no time to show.
        if let Some(t) = f.objects.iter().map(step).min().filter(|t| *t != SimTime::MAX) {
            timeline.insert(first, since(t));
        }
        if let Some(t) = f.objects.iter().map(step).max().filter(|t| *t != SimTime::MAX) {
            timeline.insert(last, since(t));
        }
    }
    Some(DoFailoverSummary {
        rpo_s: f.rpo.as_secs_f64(),
        writes_lost: f.writes_lost,
        objects: f.objects.len(),
        object_rto_s: quantiles(&rtos),
        timeline,
    })
}

fn origin_summary(p: &Prepared, r: &RunResult) -> Option<serde_json::Value> {
    use serde_json::json;
    let o = r.origin.as_ref()?;
    let breakers: Vec<serde_json::Value> = o
        .breaker_transitions
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| {
            json!({
                "pop": p.world.pops[i].code,
                "opened": t.iter().filter(|(_, s)| *s == "open").count(),
                "time_open_s": o.breaker_open[i].as_secs_f64(),
                "transitions": t.iter().map(|(at, s)| json!({ "t_s": at.as_secs_f64(), "state": s })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Some(json!({
        "requests": o.requests,
        "attempts": o.attempts,
        "retry_amplification": (o.requests > 0).then(|| o.attempts as f64 / o.requests as f64),
        "peak_attempts_per_s": o.attempts_per_100ms.iter().max().copied().unwrap_or(0) * 10,
        "fail_fast": o.fail_fast,
        "timeouts": o.timeouts,
        "errors": o.errors,
        "budget_refused": o.budget_refused,
        "breakers": breakers,
    }))
}

fn levels_summary(p: &Prepared, r: &RunResult) -> serde_json::Value {
    use serde_json::json;
    let l = &r.levels;
    let end = r.end;
    let max_of = |t: &crate::sim::levels::LevelTrack| t.transitions.iter().map(|(_, l)| *l).max().unwrap_or(0);
    let per_pop: BTreeMap<&str, u8> = l
        .per_pop
        .iter()
        .enumerate()
        .filter(|(_, t)| max_of(t) > 0)
        .map(|(i, t)| (p.world.pops[i].code.as_str(), max_of(t)))
        .collect();
    json!({
        "max_level": max_of(&l.global),
        "final_level": l.global.level(),
        "transitions": l.global.transitions.iter().map(|(t, lv)| json!({ "t_s": t.as_secs_f64(), "level": lv })).collect::<Vec<_>>(),
        "time_in_level_s": l.global.time_in_levels(end).iter().map(|d| d.as_secs_f64()).collect::<Vec<_>>(),
        "max_level_by_pop": per_pop,
        "deployments": l.deployments.map(|d| json!({
            "requested": d.requested, "succeeded": d.succeeded, "failed_attempts": d.failed_attempts, "pending": d.pending,
        })),
    })
}

fn state_summary(r: &RunResult) -> StateSummary {
    use serde_json::json;
    let st = &r.state;
    let durable_objects = st.durable_objects.as_ref().map(|d| {
        json!({
            "objects": d.objects,
            "requests": { "issued": d.requests.issued, "succeeded": d.requests.succeeded, "failed": d.requests.failed() },
            "availability": d.requests.availability(),
            "attempts_per_request": (d.requests.issued > 0).then(|| d.attempts as f64 / d.requests.issued as f64),
            "latency_ms": percentiles(&d.latency),
            "write_latency_ms": percentiles(&d.write_latency),
            "writes_acked": d.writes_acked,
        })
    });
    let kv = st.kv.as_ref().map(|k| {
        json!({
            "reads": k.reads,
            "reads_failed": k.reads_failed,
            "cache_hit_ratio": (k.reads > 0).then(|| k.cache_hits as f64 / k.reads as f64),
            "staleness_ms": percentiles(&k.staleness),
            "stale_read_share": (k.staleness.count() > 0).then(|| k.staleness.share_above_ms(0.0)),
            "writes_acked": k.writes_acked,
            "writes_failed": k.writes_failed,
            "write_latency_ms": percentiles(&k.write_latency),
            "writes_queued": k.queued,
            "writes_applied": k.applied,
            "writes_dropped": k.queued - k.applied,
            "level1": k.level1.iter().map(|(a, b)| json!({ "from_s": a.as_secs_f64(), "to_s": b.map(|t| t.as_secs_f64()) })).collect::<Vec<_>>(),
        })
    });
    let rate_limiter = st.limiter.as_ref().map(|l| {
        let one = |a: &crate::state::ratelimit::Admissions| {
            let (max, mean) = a.over_admission(l.full_windows.clone());
            json!({ "overadmission_max": max, "overadmission_mean": mean, "rejected": a.rejected })
        };
        json!({
            "limit": l.limit,
            "window_s": l.window.as_secs_f64(),
            "full_windows": l.full_windows.len(),
            "kv": l.kv.as_ref().map(one),
            "do": l.durable_object.as_ref().map(one),
            "do_added_latency_ms": percentiles(&l.do_latency),
        })
    });
    StateSummary { durable_objects, kv, rate_limiter }
}

/// Request counts of one class.
#[derive(Debug, Clone, Serialize)]
pub struct ClassRequests {
    /// Requests with an outcome.
    pub issued: u64,
    /// Successes.
    pub succeeded: u64,
    /// Failures.
    pub failed: u64,
}

/// Latency percentiles, ms.
#[derive(Debug, Clone, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Mean.
    pub mean: f64,
    /// Largest.
    pub max: f64,
}

/// Latency of all successes, and by class.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    /// All successes.
    #[serde(flatten)]
    pub all: Percentiles,
    /// By class.
    pub by_class: BTreeMap<&'static str, Percentiles>,
}

/// One PoP's measures.
#[derive(Debug, Clone, Serialize)]
pub struct PopSummary {
    /// IATA code.
    pub code: String,
    /// City.
    pub city: String,
    /// Region.
    pub region: &'static str,
    /// Servers.
    pub servers: u32,
    /// Requests answered or failed here.
    pub requests: u64,
    /// Of those, successes.
    pub succeeded: u64,
    /// Turned away: queue full.
    pub rejected: u64,
    /// Shed, by class.
    pub shed_by_class: BTreeMap<&'static str, u64>,
    /// Spilled to another PoP.
    pub spilled_out: u64,
    /// Spilled here from another PoP.
    pub spilled_in: u64,
    /// Most servers at any time.
    pub servers_max: u32,
    /// Times (s) the autoscaler decided to add a server.
    pub scale_ups_s: Vec<f64>,
    /// Servers the autoscaler removed.
    pub scale_downs: u32,
    /// Arrivals per second over the window.
    pub arrival_rate_per_s: f64,
    /// Mean busy fraction of the servers.
    pub utilisation: f64,
    /// Busy fraction of each server.
    pub server_utilisation: Vec<f64>,
    /// Mean wait for a server, ms.
    pub mean_wait_ms: f64,
    /// Fraction of admitted requests that waited.
    pub p_wait: f64,
    /// Time-average number of requests waiting.
    pub mean_queue_len: f64,
    /// Median latency of its successes, ms.
    pub latency_p50_ms: f64,
    /// 99th percentile latency of its successes, ms.
    pub latency_p99_ms: f64,
}

fn percentiles(h: &LatencyHistogram) -> Percentiles {
    Percentiles {
        p50: h.quantile_ms(0.5),
        p90: h.quantile_ms(0.9),
        p99: h.quantile_ms(0.99),
        p999: h.quantile_ms(0.999),
        mean: h.mean_ms(),
        max: h.max_ms(),
    }
}

fn class_requests(c: &Counts) -> ClassRequests {
    ClassRequests { issued: c.issued, succeeded: c.succeeded, failed: c.failed() }
}

fn pop_summary(world: &World, pools: &[PoolConfig], r: &RunResult, i: usize) -> PopSummary {
    let pop = &world.pops[i];
    let stats = &r.pools[i];
    let window_s = (r.end - r.measure_from).as_secs_f64();
    let hist = &r.recorder.latency_by_pop[i];
    PopSummary {
        code: pop.code.clone(),
        city: pop.city.clone(),
        region: pop.region.as_str(),
        servers: pools[i].servers,
        requests: r.recorder.by_pop[i].issued,
        succeeded: r.recorder.by_pop[i].succeeded,
        rejected: stats.rejected,
        shed_by_class: CLASS_NAMES.iter().zip(r.pop_totals[i].shed_by_class).map(|(n, c)| (*n, c)).collect(),
        spilled_out: r.pop_totals[i].spilled_out,
        spilled_in: r.pop_totals[i].spilled_in,
        servers_max: r.pop_totals[i].servers_max,
        scale_ups_s: r.pop_totals[i].scale_up_times_s.clone(),
        scale_downs: r.pop_totals[i].scale_downs,
        arrival_rate_per_s: stats.arrivals as f64 / window_s,
        utilisation: pop_measure(r, Metric::Utilisation, i).unwrap_or(0.0),
        server_utilisation: stats.busy_ns.iter().map(|b| *b as f64 / 1e9 / window_s).collect(),
        mean_wait_ms: pop_measure(r, Metric::MeanWait, i).unwrap_or(0.0),
        p_wait: pop_measure(r, Metric::PWait, i).unwrap_or(0.0),
        mean_queue_len: stats.queue_area as f64 / 1e9 / window_s,
        latency_p50_ms: hist.quantile_ms(0.5),
        latency_p99_ms: hist.quantile_ms(0.99),
    }
}

fn fault_summary(p: &Prepared, r: &RunResult, i: usize) -> FaultSummary {
    let f = &p.faults[i];
    let rec: &FaultRecord = &r.faults[i];
    let since = |t: SimTime| (t - rec.at).as_secs_f64();
    let mut timeline = BTreeMap::new();
    let steps = [
        ("detected", rec.detected),
        ("withdrawal_started", rec.withdrawn),
        ("first_moved", rec.moved_share(0.0).map(|d| rec.at + d)),
        ("half_moved", rec.moved_share(0.5).map(|d| rec.at + d)),
        ("all_moved", rec.moved_share(1.0).map(|d| rec.at + d)),
        ("recovered", rec.rto().map(|d| rec.at + d)),
        ("pop_restored", rec.ended),
        ("declared_up", rec.declared_up),
        ("reannounced", rec.reannounced),
    ];
    timeline.insert("fault", 0.0);
    for (name, t) in steps {
        if let Some(t) = t {
            timeline.insert(name, since(t));
        }
    }
    let latency = [("before", &rec.latency_before), ("during", &rec.latency_during), ("after", &rec.latency_after)];
    FaultSummary {
        kind: f.kind.as_str(),
        target: f.target(&p.world),
        at_s: f.at.as_secs_f64(),
        timeline,
        rto_s: rec.rto().map(|d| d.as_secs_f64()),
        recovered: rec.rto().is_some(),
        requests_lost: rec.during.failed(),
        requests_affected: rec.during.issued,
        attempts_per_request: (rec.during.issued > 0).then(|| rec.attempts_during as f64 / rec.during.issued as f64),
        affected_networks: rec.affected_networks,
        latency_ms: latency.iter().filter(|(_, h)| h.count() > 0).map(|(n, h)| (*n, percentiles(h))).collect(),
        durable_objects: do_failover(r, i),
    }
}

/// Builds the summary of a run.
pub fn build(p: &Prepared, r: &RunResult, verdicts: &[Verdict]) -> Summary {
    let (s, world, pools) = (&p.scenario, &p.world, &p.pools[..]);
    let bucket_s = s.bucket().as_secs_f64();
    let rec = &r.recorder;
    let sent = rec.total.issued + r.unfinished;
    Summary {
        schema_version: SCHEMA_VERSION,
        edgesim_version: env!("CARGO_PKG_VERSION"),
        scenario: s.name().to_string(),
        description: s.spec.scenario.description.trim().to_string(),
        seed: s.seed(),
        sim_duration_s: s.duration().as_secs_f64(),
        warmup_s: s.warmup().as_secs_f64(),
        bucket_s,
        events_handled: r.events_handled,
        trace_hash: r.trace_hash.clone(),
        requests: Requests {
            issued: rec.total.issued,
            succeeded: rec.total.succeeded,
            failed: rec.total.failed(),
            unfinished: r.unfinished,
            drain_s: r.drain.as_secs_f64(),
            finished_in_drain: r.finished_in_drain,
            given_up_at_end: r.given_up_at_end,
            accounting: ACCOUNTING,
            by_class: CLASS_NAMES.iter().zip(&rec.by_class).map(|(n, c)| (*n, class_requests(c))).collect(),
            failed_by_reason: FailReason::ALL
                .iter()
                .zip(rec.failed_by_reason)
                .map(|(reason, n)| (reason.as_str(), n))
                .collect(),
            shed_by_class: CLASS_NAMES.iter().zip(rec.shed_by_class).map(|(n, c)| (*n, c)).collect(),
            rate_limited_by_limit: crate::edge::limits::LimitHit::ALL
                .iter()
                .zip(r.rate_limited)
                .map(|(h, n)| (h.as_str(), n))
                .collect(),
        },
        availability: rec.total.availability(),
        latency_ms: Latency {
            all: percentiles(&rec.latency),
            by_class: CLASS_NAMES.iter().zip(&rec.latency_by_class).map(|(n, h)| (*n, percentiles(h))).collect(),
        },
        attempts_per_request: (sent > 0).then(|| rec.attempts as f64 / sent as f64),
        client_networks: r.networks,
        health_check_phase_s: r.health_phase.as_secs_f64(),
        faults: (0..p.faults.len()).map(|i| fault_summary(p, r, i)).collect(),
        pops: (0..world.pops.len()).map(|i| pop_summary(world, pools, r, i)).collect(),
        state: state_summary(r),
        origin: origin_summary(p, r),
        levels: levels_summary(p, r),
        expectations: verdicts.to_vec(),
        passed: verdicts.iter().all(|v| v.passed),
    }
}
