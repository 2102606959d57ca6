//! `[state]`, `[durable_objects]`, `[kv]`, `[rate_limiter]` and
//! `[control_plane]`: the state regions and their data centres, the Durable
//! Object population (WAL, snapshots, migration), the replicated KV, the
//! rate limiters built on them, and deployments that need the control
//! plane. Region names are those of [`crate::scenario::regions`].

use super::{dur_s, non_empty, non_empty_or_absent, BreakerSpec, DistSpec, Population, RequestLimit, RetrySpec, Times};
use crate::scenario::units::{Count, Duration, Fraction, Period, PositiveDuration, Rate, RateOrZero, Size, Throughput};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// `[state]`: the three state regions (DO regions, KV primaries, control
/// plane) and the PoP each one's data centre stands at.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateSpec {
    /// Where NA's state lives [IAD].
    #[serde(default = "home_na")]
    pub na: Spanned<String>,
    /// Where EU's state lives [FRA].
    #[serde(default = "home_eu")]
    pub eu: Spanned<String>,
    /// Where APAC's state lives [SIN].
    #[serde(default = "home_apac")]
    pub apac: Spanned<String>,
}

pub(super) fn home_na() -> Spanned<String> {
    Spanned::new(0..0, "IAD".to_string())
}
fn home_eu() -> Spanned<String> {
    Spanned::new(0..0, "FRA".to_string())
}
fn home_apac() -> Spanned<String> {
    Spanned::new(0..0, "SIN".to_string())
}

impl Default for StateSpec {
    fn default() -> Self {
        StateSpec { na: home_na(), eu: home_eu(), apac: home_apac() }
    }
}

/// `[durable_objects]`: a population of single-master objects.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DurableObjectsSpec {
    /// Objects [10000].
    #[serde(default = "default_objects")]
    pub objects: Spanned<Population>,
    /// Owner regions, objects spread over them in turn; each backs up to the
    /// next [NA, EU, APAC].
    #[serde(default = "default_do_regions", deserialize_with = "non_empty")]
    pub regions: Vec<Spanned<String>>,
    /// Requests per second to all objects together.
    pub requests_per_s: Spanned<Rate>,
    /// Share of requests that write [0.5].
    #[serde(default = "half")]
    pub write_share: Fraction,
    /// `"local"` (ack on local commit) or `"replicated"` (after the backup has it) [local].
    #[serde(default)]
    pub ack: AckSpec,
    /// Local commit time [1ms].
    #[serde(default = "default_commit")]
    pub commit: Duration,
    /// WAL shipping delay to the backup [exponential, mean 100ms].
    pub wal_lag: Option<Spanned<DistSpec>>,
    /// Time between snapshots [1h].
    #[serde(default = "default_snapshot_interval")]
    pub snapshot_interval: Spanned<Period>,
    /// Phase of every object's snapshots (at phase + k x interval; at the start the last one is (interval - phase) mod interval old, with the WAL written since) [uniform random age per object].
    pub snapshot_phase: Option<Duration>,
    /// State of an object at the start, MB [50].
    #[serde(default = "default_state_mb")]
    pub state_mb: Size,
    /// State one write adds, KB [1].
    #[serde(default = "one_kb")]
    pub write_kb: Size,
    /// Snapshot restore speed, MB/s [10: 50 MB in the seed's 5 s].
    #[serde(default = "default_restore_mb")]
    pub restore_mb_per_s: Throughput,
    /// Fixed cost of a restore [0s].
    #[serde(default)]
    pub restore_overhead: Duration,
    /// WAL replay speed, entries per second [1000].
    #[serde(default = "default_replay")]
    pub replay_per_s: Rate,
    /// Restores one backup region runs at once [100].
    #[serde(default = "default_parallel")]
    pub parallel_restores: Spanned<Times>,
    /// From a region failure to the router declaring it [10s].
    #[serde(default = "default_do_detection")]
    pub detection: Duration,
    /// From detection to the start of migrations [5s].
    #[serde(default = "default_five_s")]
    pub migration_delay: Duration,
    /// From WAL replayed to routing updated [5s].
    #[serde(default = "default_five_s")]
    pub routing_update: Duration,
    /// Client timeout of a DO request [2s].
    #[serde(default = "default_do_timeout")]
    pub timeout: PositiveDuration,
    /// The seed's DO request retries [exponential 100ms, 500ms, 2s].
    pub retry: Option<RetrySpec>,
    /// A breaker per PoP and DO region [the seed's: 3 failures, 60s open].
    pub breaker: Option<BreakerSpec>,
}

/// When a Durable Object write is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AckSpec {
    /// On local commit.
    #[default]
    Local,
    /// After the WAL entry reaches the backup region.
    Replicated,
}

fn default_objects() -> Spanned<Population> {
    Spanned::new(0..0, Count::of(10_000))
}
fn default_do_regions() -> Vec<Spanned<String>> {
    ["NA", "EU", "APAC"].iter().map(|r| Spanned::new(0..0, r.to_string())).collect()
}

fn half() -> Fraction {
    Fraction(0.5)
}
fn default_commit() -> Duration {
    Duration(crate::engine::SimDuration::from_millis(1))
}
fn default_snapshot_interval() -> Spanned<Period> {
    Spanned::new(0..0, Period::from_secs(3600))
}
fn default_state_mb() -> Size {
    Size::of(50.0)
}
fn one_kb() -> Size {
    Size::of(1.0)
}
fn default_restore_mb() -> Throughput {
    Throughput::of(10.0)
}
fn default_replay() -> Rate {
    Rate::of(1000.0)
}
fn default_parallel() -> Spanned<Times> {
    Spanned::new(0..0, Count::of(100))
}
fn default_do_detection() -> Duration {
    dur_s(10)
}
fn default_five_s() -> Duration {
    dur_s(5)
}
fn default_do_timeout() -> PositiveDuration {
    PositiveDuration::from_secs(2)
}

/// `[kv]`: multi-master primaries in the three state regions, replication
/// between them, and a cache at every PoP.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KvSpec {
    /// Keys [1000].
    #[serde(default = "default_keys")]
    pub keys: Spanned<Population>,
    /// Writes per second, all clients together (0: none).
    pub writes_per_s: Spanned<RateOrZero>,
    /// Reads per second, all PoPs together (0: none).
    pub reads_per_s: Spanned<RateOrZero>,
    /// Replication delay between primaries [exponential, mean 1s].
    pub replication_lag: Option<Spanned<DistSpec>>,
    /// How long a PoP's cache serves a value (0s: no cache) [60s: the seed's propagation bound].
    #[serde(default = "default_ttl")]
    pub cache_ttl: Duration,
    /// Replication lag that starts degradation level 1 [5m].
    #[serde(default = "default_lag_bound")]
    pub lag_bound: PositiveDuration,
    /// The seed's KV write retries [exponential 50ms, 100ms, 200ms].
    pub retry: Option<RetrySpec>,
    /// A breaker per PoP and KV primary [the seed's: 10 failures, 10s open].
    pub breaker: Option<BreakerSpec>,
    /// `[kv.replicas]`: the edge replicas serving reads at every PoP.
    #[serde(default)]
    pub replicas: KvReplicasSpec,
}

/// `[kv.replicas]`: each PoP's KV edge replicas. A read goes to one of
/// them at random and queues there (one server each, first come first
/// served); a failed attempt is retried at once at another replica, twice
/// at most (the seed's KV read policy); a PoP whose replica read p99 over a
/// control period is above `p99_up` gets one more replica, up to `max`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KvReplicasSpec {
    /// Replicas per PoP at the start and at least [2].
    #[serde(default = "two_replicas")]
    pub min: Spanned<ReplicaCount>,
    /// Replicas per PoP at most [10].
    #[serde(default = "ten_replicas")]
    pub max: Spanned<ReplicaCount>,
    /// Time a replica takes per read [exponential, mean 1ms].
    pub service: Option<Spanned<DistSpec>>,
    /// Add a replica when the read p99 over a control period is above this [10ms].
    #[serde(default = "default_replica_p99")]
    pub p99_up: PositiveDuration,
    /// The window the p99 is measured over, one decision per window (the
    /// seed gives none) [1m].
    #[serde(default = "default_replica_window")]
    pub window: Period,
    /// Share of read attempts a replica answers with an error [0].
    #[serde(default)]
    pub error_rate: Fraction,
    /// Immediate retries of a read, each at another replica [2].
    #[serde(default = "two_retries")]
    pub retries: Count<0, 9>,
}

/// Replicas at a PoP: 1 to 64.
pub type ReplicaCount = Count<1, 64>;

fn two_replicas() -> Spanned<ReplicaCount> {
    Spanned::new(0..0, Count::of(2))
}
fn ten_replicas() -> Spanned<ReplicaCount> {
    Spanned::new(0..0, Count::of(10))
}
fn default_replica_p99() -> PositiveDuration {
    PositiveDuration::from_millis(10)
}
fn default_replica_window() -> Period {
    Period::from_secs(60)
}
fn two_retries() -> Count<0, 9> {
    Count::of(2)
}

impl Default for KvReplicasSpec {
    fn default() -> Self {
        KvReplicasSpec {
            min: two_replicas(),
            max: ten_replicas(),
            service: None,
            p99_up: default_replica_p99(),
            window: default_replica_window(),
            error_rate: Fraction(0.0),
            retries: two_retries(),
        }
    }
}

fn default_keys() -> Spanned<Population> {
    Spanned::new(0..0, Count::of(1000))
}
fn default_ttl() -> Duration {
    dur_s(60)
}
fn default_lag_bound() -> PositiveDuration {
    PositiveDuration::from_secs(300)
}

/// `[rate_limiter]`: customers sending through many PoPs, limited per window.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimiterSpec {
    /// `"kv"` (the first seed's), `"do"` (a counter in one Durable Object) or `"both"` [both].
    #[serde(default)]
    pub kind: LimiterKind,
    /// Customers [10].
    #[serde(default = "default_customers")]
    pub customers: Spanned<Population>,
    /// Requests admitted per customer and window.
    pub limit: Spanned<RequestLimit>,
    /// The fixed window [60s].
    #[serde(default = "default_window")]
    pub window: Spanned<Period>,
    /// Requests per second of each customer, spread over the PoPs.
    pub rps_per_customer: Spanned<Rate>,
    /// The PoPs the customers' requests arrive at [every PoP of the topology].
    #[serde(default, deserialize_with = "non_empty_or_absent")]
    pub pops: Option<Vec<Spanned<String>>>,
    /// Region of the DO limiter's counter [NA].
    #[serde(default = "default_limiter_region")]
    pub do_region: Spanned<String>,
}

/// Which limiter runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LimiterKind {
    /// The KV limiter only.
    Kv,
    /// The DO limiter only.
    Do,
    /// Both, on the same requests.
    #[default]
    Both,
}

fn default_customers() -> Spanned<Population> {
    Spanned::new(0..0, Count::of(10))
}
fn default_window() -> Spanned<Period> {
    Spanned::new(0..0, Period::from_secs(60))
}
fn default_limiter_region() -> Spanned<String> {
    Spanned::new(0..0, "NA".to_string())
}

/// `[control_plane]`: deployments arrive and need the control plane.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlPlaneSpec {
    /// Deployments per minute [10].
    #[serde(default = "default_deploys")]
    pub deployments_per_min: Rate,
    /// A failed deployment is tried again after this long [30s].
    #[serde(default = "default_deploy_retry")]
    pub retry_after: Period,
    /// The seed's code-fetch retries, each fetch of an accepted
    /// deployment's code from the artifact store [exponential 100ms, 200ms, 400ms].
    pub code_fetch_retry: Option<RetrySpec>,
}

fn default_deploys() -> Rate {
    Rate::of(10.0)
}
fn default_deploy_retry() -> Period {
    Period::from_secs(30)
}
