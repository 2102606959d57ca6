//! `summary.json`: the versioned, deterministic record of a run, as one
//! typed schema: [`Summary`] is what is written and what every reader of
//! the library reads back ([`read`]), so a renamed field is a compile error.
//!
//! It holds no wall-clock figure, so the same binary, scenario and seed give
//! the same bytes. Wall time goes to `run.json`. [`build`] makes it from
//! plain data (the scenario, its world, pools and faults, the run's result
//! and verdicts); the origin, levels and state sections are in
//! [`sections`]. Keys of those sections are in alphabetical order (the
//! layout of schema 1), so their structs declare fields in that order.

mod baseline;
mod build;
pub mod horizon;
pub mod incidents;
mod read;
pub mod sections;

pub use baseline::load_baseline;
pub use build::build;
pub use horizon::{ErrorBudget, HorizonMonth, HorizonPeriod, HorizonScope, HorizonSummary};
pub use incidents::{IncidentEntry, IncidentRtoSummary, IncidentsSummary};
pub use read::{read, read_str, SummaryError};
pub use sections::{LevelsSummary, OriginSummary, SortedPercentiles, StateSummary};

use crate::check::Verdict;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the summary.json layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Layout version.
    pub schema_version: u32,
    /// The edgesim version that wrote it.
    pub edgesim_version: String,
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    /// Master seed.
    pub seed: u64,
    /// How the traffic was simulated: "request" or "flow" (absent in
    /// summaries written before the flow fidelity: "request").
    #[serde(default)]
    pub fidelity: crate::scenario::schema::Fidelity,
    /// Simulated time, s.
    pub sim_duration_s: f64,
    /// Warm-up excluded from measures, s.
    pub warmup_s: f64,
    /// Time-series bucket width, s.
    pub bucket_s: f64,
    /// The `metrics.bucket` set, s, when it was widened to `bucket_s` to
    /// keep the series within 10,000 buckets (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_widened_from_s: Option<f64>,
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
    pub origin: Option<OriginSummary>,
    /// Degradation levels over time, and deployments.
    pub levels: LevelsSummary,
    /// Durable Objects, KV and rate limiters (absent when not simulated).
    #[serde(default, skip_serializing_if = "StateSummary::is_empty")]
    pub state: StateSummary,
    /// What BGP did (path-vector convergence only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bgp: Option<BgpSummary>,
    /// Cold starts and isolate memory over every PoP (under `[isolates]`):
    /// counts and latency summed, `memory_peak` the highest of the PoPs',
    /// `memory_mean` the mean of the PoPs', `warm_pool_end` the largest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolates: Option<IsolatesSummary>,
    /// The failure processes' incidents (with `[[failure]]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incidents: Option<IncidentsSummary>,
    /// Availability per day, month and year, nines, downtime and the error
    /// budget (with `[[failure]]` or over a day or more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon: Option<HorizonSummary>,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub accounting: String,
    /// By class.
    pub by_class: BTreeMap<String, ClassRequests>,
    /// Failures by reason.
    pub failed_by_reason: BTreeMap<String, u64>,
    /// Requests shed, by class.
    pub shed_by_class: BTreeMap<String, u64>,
    /// Requests refused by each per-PoP rate limit.
    pub rate_limited_by_limit: BTreeMap<String, u64>,
}

/// One fault: what struck, its timeline and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultSummary {
    /// `pop-down`, `pop-degraded` or `health-check-flap`.
    pub kind: String,
    /// The PoP it struck.
    pub target: String,
    /// When it struck, s since the start of the run.
    pub at_s: f64,
    /// Named steps, s after the fault (absent when they did not happen).
    pub timeline: BTreeMap<String, f64>,
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
    pub latency_ms: BTreeMap<String, Percentiles>,
    /// Per affected network, from the start of the withdrawal to its move
    /// to a live PoP (absent if none moved after a withdrawal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convergence_s: Option<ConvergenceSummary>,
    /// Client networks whose route changed while this was the latest
    /// fault (path-vector convergence only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_changes: Option<u32>,
    /// For region failures with Durable Objects: what was lost and how the
    /// objects came back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub durable_objects: Option<DoFailoverSummary>,
}

/// The distribution of per-network convergence after a withdrawal, s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvergenceSummary {
    /// Networks that moved.
    pub networks: usize,
    /// Share of them that moved within 10 s.
    pub within_10s: f64,
    /// Median.
    pub p50: f64,
    /// 80th percentile.
    pub p80: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Last.
    pub max: f64,
}

/// The generated Internet and what BGP did over the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BgpSummary {
    /// ASes.
    pub ases: usize,
    /// Routers (BGP speakers).
    pub routers: usize,
    /// Sessions.
    pub sessions: usize,
    /// Share of client networks routed to their geographically nearest
    /// PoP at the start (steady state).
    pub nearest_pop_share: f64,
    /// Share of client networks with no route at the start.
    pub unrouted_share: f64,
    /// Announcements sent over the run.
    pub announcements: u64,
    /// Withdrawals sent over the run.
    pub withdrawals: u64,
    /// Times a router's best route changed.
    pub best_route_changes: u64,
    /// Routes suppressed by damping.
    pub suppressions: u64,
}

/// A region failure's effect on Durable Objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub timeline: BTreeMap<String, f64>,
}

/// Quantiles of a distribution, in the unit its name says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

/// Request counts of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassRequests {
    /// Requests with an outcome.
    pub issued: u64,
    /// Successes.
    pub succeeded: u64,
    /// Failures.
    pub failed: u64,
}

/// Latency percentiles, ms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// All successes.
    #[serde(flatten)]
    pub all: Percentiles,
    /// By class.
    pub by_class: BTreeMap<String, Percentiles>,
}

/// One PoP's measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopSummary {
    /// IATA code.
    pub code: String,
    /// City.
    pub city: String,
    /// Region.
    pub region: String,
    /// Servers.
    pub servers: u32,
    /// Requests answered or failed here.
    pub requests: u64,
    /// Of those, successes.
    pub succeeded: u64,
    /// Turned away: queue full.
    pub rejected: u64,
    /// Shed, by class.
    pub shed_by_class: BTreeMap<String, u64>,
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
    /// Cold starts and isolate memory (under `[isolates]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolates: Option<IsolatesSummary>,
}

/// Cold starts and isolate memory of a PoP (or of every PoP).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IsolatesSummary {
    /// Requests whose service started (a volume in flow fidelity).
    pub started: f64,
    /// Of those, cold starts.
    pub cold_starts: f64,
    /// Cold starts / started.
    pub cold_start_rate: f64,
    /// Cold-start time summed / latency of successes summed.
    pub cold_start_latency_share: f64,
    /// Highest memory utilisation of a control period (mean over servers;
    /// above 1 when more is demanded than a server holds).
    pub memory_peak: f64,
    /// Mean memory utilisation over the control periods.
    pub memory_mean: f64,
    /// Deployments pinned in the warm pool at the end.
    pub warm_pool_end: u32,
    /// Control periods in which the warm pool grew.
    pub warm_pool_growths: u32,
}

/// A real run's summary for tests: the shipped PoP-failure scenario, run once.
#[cfg(test)]
pub(crate) fn sample() -> &'static Summary {
    static S: std::sync::OnceLock<Summary> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/pop-failure.toml");
        let scenario = crate::scenario::load(&path).expect("the shipped scenario loads");
        let prepared = crate::prepare(scenario).expect("prepares");
        crate::simulate(&prepared, None).expect("runs").summary
    })
}
