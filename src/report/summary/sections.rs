//! The origin, degradation-level and state sections of summary.json.
//!
//! Schema 1 writes these sections with their keys in alphabetical order, so
//! every struct here declares its fields alphabetically: the field order is
//! the byte layout. Optional values print `null` (never skipped) unless a
//! field says otherwise.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The origin: fetches, retries, breakers (summary.json `origin`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OriginSummary {
    /// Attempts sent to the origin (first tries and retries).
    pub attempts: u64,
    /// The circuit breakers that changed state, in PoP order.
    pub breakers: Vec<BreakerSummary>,
    /// Retries refused by the retry budget.
    pub budget_refused: u64,
    /// Attempts answered with an error.
    pub errors: u64,
    /// Requests failed fast by an open breaker.
    pub fail_fast: u64,
    /// Most attempts in any 100 ms, scaled to a second, attempts/s.
    pub peak_attempts_per_s: u64,
    /// Requests that needed the origin.
    pub requests: u64,
    /// Attempts per request (null with no request).
    pub retry_amplification: Option<f64>,
    /// Attempts that timed out.
    pub timeouts: u64,
}

/// One PoP's circuit breaker toward the origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakerSummary {
    /// Times it opened.
    pub opened: u64,
    /// The PoP's code.
    pub pop: String,
    /// Time spent open, s.
    pub time_open_s: f64,
    /// Its state changes, in time order.
    pub transitions: Vec<BreakerTransition>,
}

/// A breaker of a PoP's calls to one state region (KV primary or DO region).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DependencyBreakerSummary {
    /// Calls it refused.
    pub fail_fast: u64,
    /// Failed calls it was told of.
    pub failures: u64,
    /// Times it opened.
    pub opened: u64,
    /// The calling PoP's code.
    pub pop: String,
    /// The state region called: `NA`, `EU` or `APAC`.
    pub region: String,
    /// Time spent open, s.
    pub time_open_s: f64,
    /// Its state changes, in time order.
    pub transitions: Vec<BreakerTransition>,
}

/// The Durable Objects' breakers (one per object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoBreakersSummary {
    /// The first objects (by index, at most 10) whose breaker opened.
    pub first: Vec<ObjectBreakerSummary>,
    /// Objects whose breaker opened at least once.
    pub opened: u64,
    /// Time open per object whose breaker opened, s.
    pub time_open_s: super::Quantiles,
}

/// One object's breaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectBreakerSummary {
    /// Attempts it refused.
    pub fail_fast: u64,
    /// Failed attempts it was told of.
    pub failures: u64,
    /// The object's index.
    pub object: u32,
    /// Its state changes, in time order.
    pub transitions: Vec<BreakerTransition>,
}

/// A PoP's KV replica count changing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaChange {
    /// The PoP's code.
    pub pop: String,
    /// Replicas it has from then on.
    pub replicas: u32,
    /// When, s since the start of the run.
    pub t_s: f64,
}

/// A breaker's change of state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakerTransition {
    /// The state entered: `open`, `half-open` or `closed`.
    pub state: String,
    /// When, s since the start of the run.
    pub t_s: f64,
}

/// Degradation levels over time, and deployments (summary.json `levels`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelsSummary {
    /// Control-plane deployments (null when none were simulated).
    pub deployments: Option<DeploymentsSummary>,
    /// The global level at the end of the run (0-4).
    pub final_level: u8,
    /// The highest global level reached (0-4).
    pub max_level: u8,
    /// The highest level of each PoP that left level 0, by PoP code.
    pub max_level_by_pop: BTreeMap<String, u8>,
    /// Time spent at each global level 0, 1, ... 4, s.
    pub time_in_level_s: Vec<f64>,
    /// Every change of the global level, in time order.
    pub transitions: Vec<LevelChange>,
}

/// A change of the global degradation level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelChange {
    /// The level entered (0-4).
    pub level: u8,
    /// When, s since the start of the run.
    pub t_s: f64,
}

/// Control-plane deployments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentsSummary {
    /// Code fetches from the artifact store, retries included.
    pub code_fetches: u64,
    /// Attempts that failed (and were tried again).
    pub failed_attempts: u64,
    /// Deployments still pending at the end.
    pub pending: u64,
    /// Deployments requested.
    pub requested: u64,
    /// Deployments that succeeded.
    pub succeeded: u64,
}

/// Latency percentiles with their keys in alphabetical order, as the state
/// sections write them, ms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SortedPercentiles {
    /// Largest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
}

impl From<super::Percentiles> for SortedPercentiles {
    fn from(p: super::Percentiles) -> Self {
        SortedPercentiles { max: p.max, mean: p.mean, p50: p.p50, p90: p.p90, p99: p.p99, p999: p.p999 }
    }
}

/// The state plane's measures (summary.json `state`, absent when no state
/// model ran).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StateSummary {
    /// Durable Object requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub durable_objects: Option<DoSummary>,
    /// KV reads and writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kv: Option<KvSummary>,
    /// The rate limiters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limiter: Option<RateLimiterSummary>,
}

impl StateSummary {
    /// True when no state model ran.
    pub fn is_empty(&self) -> bool {
        self.durable_objects.is_none() && self.kv.is_none() && self.rate_limiter.is_none()
    }
}

/// Durable Object requests over the measured window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoSummary {
    /// Attempts per request (null with no request).
    pub attempts_per_request: Option<f64>,
    /// Succeeded / issued (null with no request).
    pub availability: Option<f64>,
    /// The objects' breakers.
    pub breakers: DoBreakersSummary,
    /// Attempts refused by an open breaker.
    pub fail_fast: u64,
    /// Latency of successful requests, first send to answer, ms.
    pub latency_ms: SortedPercentiles,
    /// Objects.
    pub objects: u32,
    /// Requests by final outcome.
    pub requests: DoRequests,
    /// Latency of successful writes, ms.
    pub write_latency_ms: SortedPercentiles,
    /// Writes acknowledged.
    pub writes_acked: u64,
}

/// Durable Object request counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoRequests {
    /// Failures.
    pub failed: u64,
    /// Requests with an outcome.
    pub issued: u64,
    /// Successes.
    pub succeeded: u64,
}

/// KV reads and writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KvSummary {
    /// The breakers (PoP x primary) that opened at least once.
    pub breakers: Vec<DependencyBreakerSummary>,
    /// Share of reads served from a PoP's cache (null with no read).
    pub cache_hit_ratio: Option<f64>,
    /// Write attempts refused by an open breaker.
    pub fail_fast: u64,
    /// Level-1 periods (writes queued), in time order.
    pub level1: Vec<Level1Period>,
    /// Attempts at the replicas per read (null with no read).
    pub read_attempts_per_read: Option<f64>,
    /// Latency of served reads (replicas, and the primary on a miss), ms.
    pub read_latency_ms: SortedPercentiles,
    /// Reads served.
    pub reads: u64,
    /// Reads that failed at every replica tried or found no primary up.
    pub reads_failed: u64,
    /// Replicas added, in time order.
    pub replicas_added: Vec<ReplicaChange>,
    /// The most replicas any PoP had at the end.
    pub replicas_max: u32,
    /// Share of reads older than the latest write (null with no read).
    pub stale_read_share: Option<f64>,
    /// Staleness of reads, ms.
    pub staleness_ms: SortedPercentiles,
    /// Latency of acknowledged writes, ms.
    pub write_latency_ms: SortedPercentiles,
    /// Writes acknowledged by a primary.
    pub writes_acked: u64,
    /// Queued writes applied after level 1.
    pub writes_applied: u64,
    /// Queued writes never applied.
    pub writes_dropped: u64,
    /// Writes that failed after every retry.
    pub writes_failed: u64,
    /// Writes queued during level 1.
    pub writes_queued: u64,
}

/// A level-1 period of KV.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level1Period {
    /// Its start, s since the start of the run.
    pub from_s: f64,
    /// Its end, s (null when still on at the end).
    pub to_s: Option<f64>,
}

/// The rate limiters' decisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLimiterSummary {
    /// The Durable Object limiter (null if it did not run).
    #[serde(rename = "do")]
    pub durable_object: Option<LimiterAdmissions>,
    /// Time the Durable Object limiter adds to a request, ms.
    pub do_added_latency_ms: SortedPercentiles,
    /// Full windows inside the measured period.
    pub full_windows: u64,
    /// The KV limiter (null if it did not run).
    pub kv: Option<LimiterAdmissions>,
    /// Limit per customer and window, requests.
    pub limit: u32,
    /// Window width, s.
    pub window_s: f64,
}

/// One limiter's admissions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimiterAdmissions {
    /// Largest admitted / limit over the full windows.
    pub overadmission_max: f64,
    /// Mean admitted / limit over the full windows.
    pub overadmission_mean: f64,
    /// Requests rejected.
    pub rejected: u64,
}
