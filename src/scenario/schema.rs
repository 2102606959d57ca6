//! The scenario file's schema: what each TOML table and key means.
//!
//! Every table rejects unknown keys. Durations are strings with units
//! ([`Duration`]); shares are [`Fraction`]s. Values that later checks must
//! point at keep their position in the file ([`Spanned`]).

use super::units::{
    Count, Duration, Fraction, Inflation, Latitude, Level, Longitude, NonNegative, Percentile, Period,
    PositiveDuration, Rate, RateOrZero, Share, Size, Speed, Throughput, Weight, ZipfExponent,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    /// `[scenario]`: name, seed, duration.
    pub scenario: Meta,
    /// `[topology]`: which PoPs exist.
    pub topology: TopologySpec,
    /// `[network]`: how latency is computed.
    #[serde(default)]
    pub network: NetworkSpec,
    /// `[traffic]`: who sends what, how fast.
    pub traffic: Spanned<TrafficSpec>,
    /// `[pops.default]` and `[pops.<CODE>]`: PoP server pools.
    #[serde(default)]
    pub pops: BTreeMap<String, Spanned<PoolSpec>>,
    /// `[anycast]`: health checks, withdrawal, convergence.
    #[serde(default)]
    pub anycast: AnycastSpec,
    /// `[client]`: attempt timeout and retry policy.
    #[serde(default)]
    pub client: ClientSpec,
    /// `[overload]`: spillover and shedding.
    #[serde(default)]
    pub overload: OverloadSpec,
    /// `[autoscaling]`: the seed's per-PoP scaling rules.
    #[serde(default)]
    pub autoscaling: AutoscalingSpec,
    /// `[origin]`: the customers' origin, fetched on cache misses.
    pub origin: Option<OriginSpec>,
    /// `[rate_limits]`: the seed's per-PoP limits per deployment and account.
    pub rate_limits: Option<RateLimitsSpec>,
    /// `[degradation]`: the level controller's settings.
    #[serde(default)]
    pub degradation: DegradationSpec,
    /// `[control_plane]`: deployments, which need the control plane.
    pub control_plane: Option<ControlPlaneSpec>,
    /// `[state]`: where the state regions live.
    #[serde(default)]
    pub state: StateSpec,
    /// `[durable_objects]`: the Durable Object population.
    pub durable_objects: Option<DurableObjectsSpec>,
    /// `[kv]`: the replicated KV.
    pub kv: Option<KvSpec>,
    /// `[rate_limiter]`: the first seed's KV limiter and a DO limiter.
    pub rate_limiter: Option<RateLimiterSpec>,
    /// `[metrics]`: recorder settings.
    #[serde(default)]
    pub metrics: MetricsSpec,
    /// `[[fault]]`: the fault timeline.
    #[serde(default, rename = "fault")]
    pub faults: Vec<Spanned<FaultSpec>>,
    /// `[[expect]]`: what the run must show.
    #[serde(default, rename = "expect")]
    pub expectations: Vec<Spanned<ExpectSpec>>,
}

/// `[scenario]`: what the run is called and how long it lasts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// A short name, used for the results folder: letters, digits, `-`, `_`, `.`.
    pub name: Spanned<String>,
    /// One or two sentences for the reader of reports.
    #[serde(default)]
    pub description: String,
    /// The master seed of every random stream of the run.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Simulated time of the run (above 0, at most 365 days).
    pub duration: Spanned<PositiveDuration>,
    /// Leading simulated time excluded from every measure [0s].
    #[serde(default = "zero_span")]
    pub warmup: Spanned<Duration>,
}

fn zero_span() -> Spanned<Duration> {
    Spanned::new(0..0, Duration::default())
}

fn default_seed() -> u64 {
    1
}

/// `[topology]`: the PoPs of the run. Pick from a catalog by `regions` or by
/// `pops` (IATA codes); with neither, the whole catalog. `[[topology.pop]]`
/// adds PoPs of your own.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopologySpec {
    /// `"builtin"` (default), `"none"`, or a CSV path relative to the scenario file.
    pub catalog: Option<Spanned<String>>,
    /// Region names (`NA`, `EU`, `APAC`, `ROW`) whose catalog PoPs take part.
    pub regions: Option<Vec<Spanned<String>>>,
    /// IATA codes of the catalog PoPs that take part.
    pub pops: Option<Vec<Spanned<String>>>,
    /// PoPs defined in the file.
    #[serde(default, rename = "pop")]
    pub custom: Vec<Spanned<CustomPop>>,
}

/// A PoP defined in the scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomPop {
    /// A code of three uppercase letters.
    pub code: String,
    /// The city, for reports.
    #[serde(default)]
    pub city: String,
    /// `NA`, `EU`, `APAC` or `ROW`.
    pub region: String,
    /// Latitude, degrees north.
    pub lat: Latitude,
    /// Longitude, degrees east.
    pub lon: Longitude,
    /// Relative demand weight of the clients near it [1.0].
    #[serde(default = "one")]
    pub weight: Weight,
}

fn one() -> Weight {
    Weight::of(1.0)
}

/// `[network]`: one-way latency = great-circle km / `km_per_ms` x
/// `route_inflation` + `last_mile` + a draw of `jitter`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// Signal speed in fibre, km per ms [200].
    #[serde(default = "default_km_per_ms")]
    pub km_per_ms: Spanned<Speed>,
    /// How much longer routes are than the great circle [1.5].
    #[serde(default = "default_inflation")]
    pub route_inflation: Spanned<Inflation>,
    /// Access-network delay added to every one-way trip [2ms].
    #[serde(default = "default_last_mile")]
    pub last_mile: Duration,
    /// Random extra delay per one-way trip [none].
    pub jitter: Option<Spanned<DistSpec>>,
}

fn default_km_per_ms() -> Spanned<Speed> {
    Spanned::new(0..0, Speed::of(200.0))
}
fn default_inflation() -> Spanned<Inflation> {
    Spanned::new(0..0, Inflation::of(1.5))
}
fn default_last_mile() -> Duration {
    Duration(crate::engine::SimDuration::from_millis(2))
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            km_per_ms: default_km_per_ms(),
            route_inflation: default_inflation(),
            last_mile: default_last_mile(),
            jitter: None,
        }
    }
}

/// `[traffic]`: the requests clients send.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficSpec {
    /// Total requests per second over all client sites.
    pub rps: Spanned<Rate>,
    /// How send times are spaced: `"poisson"` (default) or `"constant"`.
    #[serde(default)]
    pub arrivals: Arrivals,
    /// Share of each priority class; must sum to 1.
    pub classes: Spanned<ClassShares>,
    /// Client sites; when absent, one site at each PoP's city, weighted by
    /// the PoP's demand weight.
    #[serde(default, rename = "site")]
    pub sites: Vec<Spanned<SiteSpec>>,
}

/// How a client site spaces the requests it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arrivals {
    /// Exponential gaps: a Poisson process.
    #[default]
    Poisson,
    /// Equal gaps of 1/rate.
    Constant,
}

/// The share of traffic in each priority class (P0 health and auth, never
/// shed; P1 paid; P2 free; P3 preview, shed first).
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClassShares {
    /// Share of P0.
    #[serde(default)]
    pub p0: Fraction,
    /// Share of P1.
    #[serde(default)]
    pub p1: Fraction,
    /// Share of P2.
    #[serde(default)]
    pub p2: Fraction,
    /// Share of P3.
    #[serde(default)]
    pub p3: Fraction,
}

impl ClassShares {
    /// The four shares, P0 first.
    pub fn as_array(&self) -> [f64; 4] {
        [self.p0.0, self.p1.0, self.p2.0, self.p3.0]
    }
}

/// A client site: where a group of clients is, and its share of demand.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSpec {
    /// A label for reports.
    pub name: String,
    /// Take the coordinates of this PoP code (instead of `lat`/`lon`).
    pub near: Option<String>,
    /// Latitude, degrees north.
    pub lat: Option<Latitude>,
    /// Longitude, degrees east.
    pub lon: Option<Longitude>,
    /// Relative share of the total rate [1.0].
    #[serde(default = "one")]
    pub weight: Weight,
}

/// `[pops.default]` or `[pops.<CODE>]`: a PoP's server pool. Keys left out
/// fall back to `[pops.default]`, then to the built-in defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    /// Servers in the pool, 1 to 100,000 [4, the seed's minimum].
    pub servers: Option<Spanned<Servers>>,
    /// Service time of one request on one server [exponential, mean 5ms].
    pub service: Option<Spanned<DistSpec>>,
    /// Requests that may wait for a server; more are rejected [1000].
    pub queue_limit: Option<QueueLimit>,
}

/// Servers of a pool.
pub type Servers = Count<1, 100_000>;
/// Requests or fetches that may wait (0: none wait).
pub type QueueLimit = Count<0, 1_000_000_000>;
/// Objects, keys, customers, accounts or deployments: a population.
pub type Population = Count<1, 1_000_000>;
/// How many of something happen in a row, or at once (failures, probes...).
pub type Times = Count<1, 1_000_000>;
/// A limit in requests (per window, per second, per minute).
pub type RequestLimit = Count<1, 1_000_000_000>;
/// A fault's number: 1 for the first `[[fault]]` of the file.
pub type FaultNumber = Count<1, 1_000>;

/// A distribution of durations. Read from a flat table (`dist` and the
/// keys of that distribution, nothing else); `uniform` needs min <= max and
/// `lognormal` 0 < p50 < p99.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "lowercase")]
pub enum DistSpec {
    /// Exponential with the given mean.
    Exponential {
        /// Mean.
        mean: Duration,
    },
    /// Lognormal fitted to a median and a 99th percentile.
    Lognormal {
        /// Median.
        p50: Duration,
        /// 99th percentile (greater than the median).
        p99: Duration,
    },
    /// Always the same value.
    Constant {
        /// The value.
        value: Duration,
    },
    /// Uniform between two values.
    Uniform {
        /// Smallest value.
        min: Duration,
        /// Largest value.
        max: Duration,
    },
}

/// The names of the distributions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum DistKind {
    Exponential,
    Lognormal,
    Constant,
    Uniform,
}

/// A distribution table as written, before its keys are matched to `dist`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDist {
    dist: DistKind,
    mean: Option<Duration>,
    p50: Option<Duration>,
    p99: Option<Duration>,
    value: Option<Duration>,
    min: Option<Duration>,
    max: Option<Duration>,
}

/// Checks that a tagged table holds exactly the keys its variant takes:
/// `given` lists each optional key with whether it is present.
fn only_keys(what: &str, given: &[(&str, bool)], takes: &[&str], needs: &[&str]) -> Result<(), String> {
    let takes_text = takes.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    for (key, present) in given {
        if *present && !takes.contains(key) {
            let also = if takes.is_empty() { "no other key".to_string() } else { format!("only {takes_text}") };
            return Err(format!("unknown field `{key}` for {what}; it takes {also}"));
        }
        if !*present && needs.contains(key) {
            return Err(format!("missing field `{key}`: {what} needs {takes_text}"));
        }
    }
    Ok(())
}

impl RawDist {
    fn into_spec(self) -> Result<DistSpec, String> {
        let given = [
            ("mean", self.mean.is_some()),
            ("p50", self.p50.is_some()),
            ("p99", self.p99.is_some()),
            ("value", self.value.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
        ];
        let keys: &[&str] = match self.dist {
            DistKind::Exponential => &["mean"],
            DistKind::Lognormal => &["p50", "p99"],
            DistKind::Constant => &["value"],
            DistKind::Uniform => &["min", "max"],
        };
        let name = format!("dist = \"{}\"", dist_name(self.dist));
        only_keys(&name, &given, keys, keys)?;
        let z = Duration::default();
        Ok(match self.dist {
            DistKind::Exponential => DistSpec::Exponential { mean: self.mean.unwrap_or(z) },
            DistKind::Constant => DistSpec::Constant { value: self.value.unwrap_or(z) },
            DistKind::Uniform => {
                let (min, max) = (self.min.unwrap_or(z), self.max.unwrap_or(z));
                if min > max {
                    return Err(format!("uniform: min ({min}) is greater than max ({max}); expected min <= max"));
                }
                DistSpec::Uniform { min, max }
            }
            DistKind::Lognormal => {
                let (p50, p99) = (self.p50.unwrap_or(z), self.p99.unwrap_or(z));
                if p50.as_nanos() == 0 || p99 <= p50 {
                    return Err(format!("lognormal needs 0 < p50 < p99; got p50 = {p50}, p99 = {p99}"));
                }
                DistSpec::Lognormal { p50, p99 }
            }
        })
    }
}

fn dist_name(kind: DistKind) -> &'static str {
    match kind {
        DistKind::Exponential => "exponential",
        DistKind::Lognormal => "lognormal",
        DistKind::Constant => "constant",
        DistKind::Uniform => "uniform",
    }
}

impl<'de> Deserialize<'de> for DistSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawDist::deserialize(d)?.into_spec().map_err(serde::de::Error::custom)
    }
}

/// Reads a list that must hold at least one name.
fn non_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Spanned<String>>, D::Error> {
    let list = Vec::<Spanned<String>>::deserialize(d)?;
    if list.is_empty() {
        return Err(serde::de::Error::custom(
            "is empty; expected one or more names (or leave the key out for the default)",
        ));
    }
    Ok(list)
}

/// Reads an optional list that, when given, must hold at least one name.
fn non_empty_or_absent<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<Spanned<String>>>, D::Error> {
    non_empty(d).map(Some)
}

/// Reads an `[[expect]]` window: exactly two durations, start before end.
fn window<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Spanned<[Duration; 2]>>, D::Error> {
    let w = Spanned::<Vec<Duration>>::deserialize(d)?;
    let span = w.span();
    match w.get_ref().as_slice() {
        [start, end] if start < end => Ok(Some(Spanned::new(span, [*start, *end]))),
        [start, end] => Err(serde::de::Error::custom(format!("start {start} is not before end {end}"))),
        other => Err(serde::de::Error::custom(format!(
            "got {} values; expected exactly two, [\"start\", \"end\"]",
            other.len()
        ))),
    }
}

/// `[metrics]`: recorder settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSpec {
    /// Width of a time-series bucket; default the smallest of 1s, 10s, 1m,
    /// 10m, 1h that keeps the run within 3,600 buckets.
    pub bucket: Option<Spanned<Period>>,
}

/// The four bounds an expectation may carry, as written: `lt`, `le`,
/// `gt`, `ge` (at least one is required; `validate` checks which combine).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds<T> {
    /// Must be less than this.
    pub lt: Option<T>,
    /// Must be at most this.
    pub le: Option<T>,
    /// Must be more than this.
    pub gt: Option<T>,
    /// Must be at least this.
    pub ge: Option<T>,
}

impl<T: Copy> Bounds<T> {
    /// Whether `lt`, `le`, `gt`, `ge` are given, in that order.
    pub fn given(&self) -> [bool; 4] {
        [self.lt.is_some(), self.le.is_some(), self.gt.is_some(), self.ge.is_some()]
    }

    /// Each bound with its key, in the order `lt`, `le`, `gt`, `ge`.
    pub fn named(&self) -> [(&'static str, Option<T>); 4] {
        [("lt", self.lt), ("le", self.le), ("gt", self.gt), ("ge", self.ge)]
    }
}

/// An `[[expect]]` metric's table: its scope fields, then the four bounds
/// of type `bound` (`lt`, `le`, `gt`, `ge`), unknown keys rejected; and
/// `bounds()` to read the four together.
macro_rules! expectation {
    (
        $(#[$meta:meta])*
        $name:ident, bound $bound:ty => $out:ty {
            $($(#[$fmeta:meta])* pub $field:ident: $fty:ty,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $fty,)*
            /// Must be less than this.
            pub lt: Option<$bound>,
            /// Must be at most this.
            pub le: Option<$bound>,
            /// Must be more than this.
            pub gt: Option<$bound>,
            /// Must be at least this.
            pub ge: Option<$bound>,
        }

        impl $name {
            /// The four bounds as written.
            pub fn bounds(&self) -> Bounds<$out> {
                Bounds { lt: self.lt.map(<$out>::from), le: self.le.map(<$out>::from), gt: self.gt.map(<$out>::from), ge: self.ge.map(<$out>::from) }
            }
        }
    };
}

/// One `[[expect]]` entry: a metric, its scope and a bound. Write exactly
/// one metric key per entry, e.g. `availability = { ge = 0.999 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ExpectSpec {
    /// Successful / issued requests over a window (by send time).
    Availability(RatioExpect),
    /// A client-observed latency percentile.
    Latency(LatencyExpect),
    /// Mean busy fraction of a PoP's servers (every PoP if `pop` is absent).
    Utilisation(RatioExpect),
    /// Mean time a request waits for a server at a PoP (every PoP if absent).
    MeanWait(DurationExpect),
    /// Fraction of requests that had to wait for a server at a PoP.
    PWait(RatioExpect),
    /// Recovery time of a fault (DESIGN.md: success ratio of the affected
    /// traffic back at or above 99% for 10 s).
    Rto(FaultExpect),
    /// From a fault to the health checker declaring its PoP down.
    Detection(FaultExpect),
    /// From a fault to the start of its PoP's route withdrawal.
    Withdrawal(FaultExpect),
    /// From a fault until `share` of the affected client networks moved [1.0].
    Converged(FaultExpect),
    /// Requests of the affected traffic that finally failed (count).
    RequestsLost(CountExpect),
    /// Requests shed at PoPs (count), by class and PoP if given.
    Shed(CountExpect),
    /// Requests spilled from a PoP to another (count).
    Spilled(CountExpect),
    /// Attempts / requests (retry amplification).
    AttemptsPerRequest(CountExpect),
    /// Age of the oldest acknowledged DO write a region failure lost.
    Rpo(FaultExpect),
    /// Acknowledged DO writes a region failure lost (count).
    WritesLost(CountExpect),
    /// A percentile of the affected objects' recovery times.
    ObjectRto(PercentileExpect),
    /// A percentile of the staleness of KV reads.
    KvStaleness(PercentileExpect),
    /// KV writes queued in level 1 and never applied (count).
    KvWritesDropped(CountExpect),
    /// Most admitted / limit over the customers' full windows.
    LimiterOveradmission(LimiterExpect),
    /// A percentile of Durable Object write latency.
    DoWriteLatency(PercentileExpect),
    /// The highest degradation level reached (globally, or at one PoP).
    MaxLevel(LevelExpect),
    /// The global degradation level at one time.
    LevelAt(LevelExpect),
    /// Time spent at one global level.
    TimeInLevel(LevelTimeExpect),
    /// From a fault to the global level's last return to 0.
    BackToLevel0(FaultExpect),
    /// Origin fetch attempts per fetch (or client attempts per request
    /// without an origin): retry amplification.
    RetryAmplification(CountExpect),
    /// Times origin breakers opened (all PoPs, or one).
    BreakerOpened(CountExpect),
    /// Deployment attempts refused because the control plane was down.
    DeploymentsFailed(CountExpect),
}

expectation! {
    /// A bound on a degradation level.
    LevelExpect, bound Level => u8 {
        /// For `level_at`: the time.
        pub at: Option<Spanned<Duration>>,
        /// For `max_level`: one PoP's own level instead of the global one.
        pub pop: Option<Spanned<String>>,
        /// Must equal this.
        pub eq: Option<Level>,
    }
}

expectation! {
    /// A bound on the time spent at one level.
    LevelTimeExpect, bound Duration => Duration {
        /// The level, 0 to 4.
        pub level: Spanned<Level>,
    }
}

expectation! {
    /// A bound on a percentile of a distribution of durations.
    PercentileExpect, bound Duration => Duration {
        /// Which fault (for `object_rto`).
        pub fault: Option<Spanned<FaultNumber>>,
        /// Which percentile, in (0, 100] [100: the largest].
        pub percentile: Option<Spanned<Percentile>>,
    }
}

expectation! {
    /// A bound on a limiter's over-admission.
    LimiterExpect, bound NonNegative => f64 {
        /// `"kv"` or `"do"`.
        pub limiter: Spanned<String>,
    }
}

expectation! {
    /// A bound on a step of a fault's timeline, counted from the fault.
    FaultExpect, bound Duration => Duration {
        /// Which fault: 1 for the first `[[fault]]` of the file.
        pub fault: Spanned<FaultNumber>,
        /// For `converged`: the share of affected networks moved [1.0].
        pub share: Option<Spanned<Fraction>>,
    }
}

expectation! {
    /// A bound on a count or a ratio of counts, with optional scope.
    CountExpect, bound NonNegative => f64 {
        /// Which fault (for `requests_lost`): 1 for the first `[[fault]]`.
        pub fault: Option<Spanned<FaultNumber>>,
        /// Limit to one PoP (IATA code).
        pub pop: Option<Spanned<String>>,
        /// Limit to one class (`p0`..`p3`).
        pub class: Option<Spanned<String>>,
    }
}

expectation! {
    /// A bound on a number between 0 and 1, with optional scope.
    RatioExpect, bound Fraction => f64 {
        /// Limit to one PoP (IATA code).
        pub pop: Option<Spanned<String>>,
        /// Limit to one class (`p0`..`p3`).
        pub class: Option<Spanned<String>>,
        /// `[start, end]` of simulated time; default the whole run after warm-up.
        #[serde(default, deserialize_with = "window")]
        pub window: Option<Spanned<[Duration; 2]>>,
    }
}

expectation! {
    /// A bound on a duration, with optional scope.
    DurationExpect, bound Duration => Duration {
        /// Limit to one PoP (IATA code).
        pub pop: Option<Spanned<String>>,
        /// Limit to one class (`p0`..`p3`).
        pub class: Option<Spanned<String>>,
        /// `[start, end]` of simulated time; default the whole run after warm-up.
        #[serde(default, deserialize_with = "window")]
        pub window: Option<Spanned<[Duration; 2]>>,
    }
}

expectation! {
    /// A bound on a latency percentile, with optional scope.
    LatencyExpect, bound Duration => Duration {
        /// Which percentile, in (0, 100]: 50, 90, 99, 99.9.
        pub percentile: Spanned<Percentile>,
        /// Limit to one PoP (IATA code).
        pub pop: Option<Spanned<String>>,
        /// Limit to one class (`p0`..`p3`).
        pub class: Option<Spanned<String>>,
        /// `[start, end]` of simulated time; default the whole run after warm-up.
        #[serde(default, deserialize_with = "window")]
        pub window: Option<Spanned<[Duration; 2]>>,
    }
}

/// `[anycast]`: client networks, health checks, route withdrawal and BGP
/// convergence. Defaults are the seed's PoP failover numbers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnycastSpec {
    /// Client networks per client site; each converges on its own [10].
    #[serde(default = "default_networks")]
    pub networks_per_site: Spanned<Count<1, 10_000>>,
    /// Share of networks whose BGP best path is their second-nearest PoP [0].
    #[serde(default)]
    pub off_nearest_share: Fraction,
    /// Share of networks that flip between their two best PoPs per request
    /// (anycast-unstable clients) [0; the `measured` preset sets 0.01].
    pub unstable_share: Option<Fraction>,
    /// The PoP health checker.
    #[serde(default)]
    pub health_check: HealthCheckSpec,
    /// From detection to the start of the route withdrawal (and from
    /// recovery to re-announcement) [5s: seed detect 5s, withdraw 10s].
    #[serde(default = "default_withdrawal_delay")]
    pub withdrawal_delay: Duration,
    /// How long each client network takes to learn a withdrawal or an announcement.
    #[serde(default = "default_convergence")]
    pub convergence: Spanned<ConvergenceSpec>,
}

fn default_networks() -> Spanned<Count<1, 10_000>> {
    Spanned::new(0..0, Count::of(10))
}
fn default_convergence() -> Spanned<ConvergenceSpec> {
    Spanned::new(0..0, ConvergenceSpec::default())
}
fn default_withdrawal_delay() -> Duration {
    Duration(crate::engine::SimDuration::from_secs(5))
}

impl Default for AnycastSpec {
    fn default() -> Self {
        AnycastSpec {
            networks_per_site: default_networks(),
            off_nearest_share: Fraction(0.0),
            unstable_share: None,
            health_check: HealthCheckSpec::default(),
            withdrawal_delay: default_withdrawal_delay(),
            convergence: default_convergence(),
        }
    }
}

/// The health checker: a probe to every PoP each `interval`; a PoP is
/// declared down after `failures` consecutive missed probes, up again after
/// `successes` consecutive answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSpec {
    /// Time between probes [5s].
    #[serde(default = "default_hc_interval")]
    pub interval: Spanned<Period>,
    /// A probe unanswered after this long is a miss [1s].
    #[serde(default = "default_hc_timeout")]
    pub timeout: PositiveDuration,
    /// Consecutive misses that declare a PoP down [1].
    #[serde(default = "default_hc_failures")]
    pub failures: Spanned<Count<1, 1_000>>,
    /// Consecutive answers that declare it up again [2].
    #[serde(default = "default_hc_successes")]
    pub successes: Spanned<Count<1, 1_000>>,
    /// Time of the first probe, in [0, interval); later ones follow every
    /// `interval` [absent: drawn per run from the seed, uniform over
    /// [0, interval), so faults do not land on a probe by construction].
    pub phase: Option<Spanned<Duration>>,
}

fn default_hc_interval() -> Spanned<Period> {
    Spanned::new(0..0, Period::from_secs(5))
}
fn default_hc_timeout() -> PositiveDuration {
    PositiveDuration::from_secs(1)
}
fn default_hc_failures() -> Spanned<Count<1, 1_000>> {
    Spanned::new(0..0, Count::of(1))
}
fn default_hc_successes() -> Spanned<Count<1, 1_000>> {
    Spanned::new(0..0, Count::of(2))
}

impl Default for HealthCheckSpec {
    fn default() -> Self {
        HealthCheckSpec {
            interval: default_hc_interval(),
            timeout: default_hc_timeout(),
            failures: default_hc_failures(),
            successes: default_hc_successes(),
            phase: None,
        }
    }
}

/// How long a client network takes, after a route change starts, to move.
/// Read from a flat table (`model` and its keys only); `fixed` needs
/// first <= last.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "kebab-case")]
pub enum ConvergenceSpec {
    /// Every network draws its delay from a distribution between `first` and
    /// `last` after the withdrawal starts (seed: complete by 30s after the
    /// fault, so 0s..20s after a withdrawal at 10s).
    Fixed {
        /// Earliest delay.
        #[serde(default)]
        first: Duration,
        /// Latest delay.
        last: Duration,
        /// `"uniform"` (default) or `"lognormal"` (median at the geometric
        /// middle, p99 at `last`, clamped to [first, last]).
        #[serde(default)]
        shape: ConvergenceShape,
    },
    /// The measured preset: about 80% of networks within 10 s and a long
    /// tail (ANRW 2024, "An Empirical Characterization of Anycast
    /// Convergence Time"): lognormal with median 4 s and p80 10 s, capped
    /// at 5 min; 1% of networks anycast-unstable (Wei & Heidemann, TNSM 2018).
    Measured,
}

/// The names of the convergence models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ConvergenceModel {
    Fixed,
    Measured,
}

/// A convergence table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConvergence {
    model: ConvergenceModel,
    first: Option<Duration>,
    last: Option<Duration>,
    shape: Option<ConvergenceShape>,
}

impl RawConvergence {
    fn into_spec(self) -> Result<ConvergenceSpec, String> {
        let given = [("first", self.first.is_some()), ("last", self.last.is_some()), ("shape", self.shape.is_some())];
        if self.model == ConvergenceModel::Measured {
            only_keys("model = \"measured\"", &given, &[], &[])?;
            return Ok(ConvergenceSpec::Measured);
        }
        only_keys("model = \"fixed\"", &given, &["first", "last", "shape"], &["last"])?;
        let (first, last) = (self.first.unwrap_or_default(), self.last.unwrap_or_default());
        if first > last {
            return Err(format!("fixed: first ({first}) is after last ({last}); expected first <= last"));
        }
        Ok(ConvergenceSpec::Fixed { first, last, shape: self.shape.unwrap_or_default() })
    }
}

impl<'de> Deserialize<'de> for ConvergenceSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawConvergence::deserialize(d)?.into_spec().map_err(serde::de::Error::custom)
    }
}

impl Default for ConvergenceSpec {
    fn default() -> Self {
        ConvergenceSpec::Fixed {
            first: Duration::default(),
            last: Duration(crate::engine::SimDuration::from_secs(20)),
            shape: ConvergenceShape::Uniform,
        }
    }
}

/// The shape of a `fixed` convergence distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConvergenceShape {
    /// Uniform between first and last.
    #[default]
    Uniform,
    /// Lognormal, clamped to [first, last].
    Lognormal,
}

/// `[client]`: how clients wait and retry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// An attempt unanswered after this long has failed [2s].
    #[serde(default = "default_client_timeout")]
    pub timeout: Spanned<PositiveDuration>,
    /// The retry policy [the seed's origin fetch: exponential 100ms, 300ms, 1s].
    #[serde(default = "default_retry")]
    pub retry: Spanned<RetrySpec>,
}

fn default_retry() -> Spanned<RetrySpec> {
    Spanned::new(0..0, RetrySpec::default())
}
fn default_client_timeout() -> Spanned<PositiveDuration> {
    Spanned::new(0..0, PositiveDuration::from_secs(2))
}

impl Default for ClientSpec {
    fn default() -> Self {
        ClientSpec { timeout: default_client_timeout(), retry: default_retry() }
    }
}

/// A retry policy, as in the seed's table. Read from a flat table
/// (`policy` and its keys only): at most [`MAX_RETRIES`] retries or waits.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "policy", rename_all = "lowercase")]
pub enum RetrySpec {
    /// Never retry.
    None,
    /// Retry at once, `retries` times.
    Immediate {
        /// Retries after the first attempt.
        retries: u32,
        /// At most this many retries per first attempt, over time [unlimited].
        budget: Option<Fraction>,
    },
    /// Retry after each listed wait in turn (as many retries as waits).
    Exponential {
        /// The waits before retry 1, 2, ...
        backoff: Vec<Duration>,
        /// Randomise the waits: `none` [default], `full`, `equal`, `decorrelated`.
        #[serde(default)]
        jitter: Jitter,
        /// At most this many retries per first attempt, over time [unlimited].
        budget: Option<Fraction>,
    },
}

/// How a retry policy randomises its waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Jitter {
    /// The listed waits exactly.
    #[default]
    None,
    /// Uniform between 0 and the wait.
    Full,
    /// Half the wait plus uniform up to the other half.
    Equal,
    /// Uniform between the first wait and 3x the previous wait, capped at the last.
    Decorrelated,
}

/// Most retries a policy may make per first attempt.
pub const MAX_RETRIES: u32 = 10;

/// The names of the retry policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RetryPolicyName {
    None,
    Immediate,
    Exponential,
}

/// A retry table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetry {
    policy: RetryPolicyName,
    retries: Option<Count<0, MAX_RETRIES>>,
    backoff: Option<Vec<Duration>>,
    jitter: Option<Jitter>,
    budget: Option<Fraction>,
}

impl RawRetry {
    fn into_spec(self) -> Result<RetrySpec, String> {
        let given = [
            ("retries", self.retries.is_some()),
            ("backoff", self.backoff.is_some()),
            ("jitter", self.jitter.is_some()),
            ("budget", self.budget.is_some()),
        ];
        match self.policy {
            RetryPolicyName::None => {
                only_keys("policy = \"none\"", &given, &[], &[])?;
                Ok(RetrySpec::None)
            }
            RetryPolicyName::Immediate => {
                only_keys("policy = \"immediate\"", &given, &["retries", "budget"], &["retries"])?;
                let retries = self.retries.map_or(0, |r| r.get());
                Ok(RetrySpec::Immediate { retries, budget: self.budget })
            }
            RetryPolicyName::Exponential => {
                only_keys("policy = \"exponential\"", &given, &["backoff", "jitter", "budget"], &["backoff"])?;
                let backoff = self.backoff.unwrap_or_default();
                if backoff.is_empty() || backoff.len() > MAX_RETRIES as usize {
                    return Err(format!(
                        "backoff: {} waits; expected 1 to {MAX_RETRIES} (or policy = \"none\")",
                        backoff.len()
                    ));
                }
                Ok(RetrySpec::Exponential { backoff, jitter: self.jitter.unwrap_or_default(), budget: self.budget })
            }
        }
    }
}

impl<'de> Deserialize<'de> for RetrySpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawRetry::deserialize(d)?.into_spec().map_err(serde::de::Error::custom)
    }
}

impl Default for RetrySpec {
    fn default() -> Self {
        let ms = |v| Duration(crate::engine::SimDuration::from_millis(v));
        RetrySpec::Exponential { backoff: vec![ms(100), ms(300), ms(1000)], jitter: Jitter::None, budget: None }
    }
}

/// `[overload]`: spillover and priority shedding at busy PoPs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverloadSpec {
    /// Spill the excess above this share of a PoP's capacity to the
    /// next-nearest PoP with room [0.8]; 1 turns spillover off.
    #[serde(default = "default_spill")]
    pub spillover_threshold: Fraction,
    /// Shed classes while CPU is above this [0.9]: P3 first, then P2, then
    /// P1; never P0. 1 turns shedding off.
    #[serde(default = "default_shed")]
    pub shed_cpu: Fraction,
    /// Shedding eases one class when CPU stays below `shed_cpu` minus this [0.1]...
    #[serde(default = "default_hysteresis")]
    pub shed_hysteresis: Fraction,
    /// ...for this long [5s].
    #[serde(default = "default_shed_hold")]
    pub shed_hold: Duration,
    /// The control loop's period: CPU and load are measured over it [1s].
    #[serde(default = "default_tick")]
    pub tick: Spanned<Period>,
}

fn default_spill() -> Fraction {
    Fraction(0.8)
}
fn default_shed() -> Fraction {
    Fraction(0.9)
}
fn default_hysteresis() -> Fraction {
    Fraction(0.1)
}
fn default_shed_hold() -> Duration {
    dur_s(5)
}
fn default_tick() -> Spanned<Period> {
    Spanned::new(0..0, Period::from_secs(1))
}

impl Default for OverloadSpec {
    fn default() -> Self {
        OverloadSpec {
            spillover_threshold: default_spill(),
            shed_cpu: default_shed(),
            shed_hysteresis: default_hysteresis(),
            shed_hold: default_shed_hold(),
            tick: default_tick(),
        }
    }
}

/// `[autoscaling]`: the seed's per-PoP rules (CPU > 70% for 5m or queue
/// depth > 1000 for 1m adds a server; CPU < 30% for 15m removes one;
/// 5m cooldown; 4..100 servers). Off unless `enabled = true`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoscalingSpec {
    /// Whether the autoscaler runs [false].
    #[serde(default)]
    pub enabled: bool,
    /// Add a server when CPU stays above this... [0.7]
    #[serde(default = "default_cpu_up")]
    pub cpu_up: Fraction,
    /// ...for this long [5m].
    #[serde(default = "default_up_period")]
    pub cpu_up_period: Duration,
    /// Add a server when the queue stays deeper than this... [1000]
    #[serde(default = "default_queue_up")]
    pub queue_up: Times,
    /// ...for this long [1m].
    #[serde(default = "default_queue_period")]
    pub queue_up_period: Duration,
    /// Remove a server when CPU stays below this... [0.3]
    #[serde(default = "default_cpu_down")]
    pub cpu_down: Fraction,
    /// ...for this long [15m].
    #[serde(default = "default_down_period")]
    pub cpu_down_period: Duration,
    /// No new action this long after the last [5m].
    #[serde(default = "default_cooldown")]
    pub cooldown: Duration,
    /// From the decision to a new server taking requests [2m].
    #[serde(default = "default_provisioning")]
    pub provisioning: Duration,
    /// Fewest servers [4].
    #[serde(default = "default_min_servers")]
    pub min_servers: Servers,
    /// Most servers [100].
    #[serde(default = "default_max_servers")]
    pub max_servers: Servers,
}

fn dur_s(s: u64) -> Duration {
    Duration(crate::engine::SimDuration::from_secs(s))
}
fn default_cpu_up() -> Fraction {
    Fraction(0.7)
}
fn default_up_period() -> Duration {
    dur_s(300)
}
fn default_queue_up() -> Times {
    Count::of(1000)
}
fn default_queue_period() -> Duration {
    dur_s(60)
}
fn default_cpu_down() -> Fraction {
    Fraction(0.3)
}
fn default_down_period() -> Duration {
    dur_s(900)
}
fn default_cooldown() -> Duration {
    dur_s(300)
}
fn default_provisioning() -> Duration {
    dur_s(120)
}
fn default_min_servers() -> Servers {
    Count::of(4)
}
fn default_max_servers() -> Servers {
    Count::of(100)
}

impl Default for AutoscalingSpec {
    fn default() -> Self {
        AutoscalingSpec {
            enabled: false,
            cpu_up: default_cpu_up(),
            cpu_up_period: default_up_period(),
            queue_up: default_queue_up(),
            queue_up_period: default_queue_period(),
            cpu_down: default_cpu_down(),
            cpu_down_period: default_down_period(),
            cooldown: default_cooldown(),
            provisioning: default_provisioning(),
            min_servers: default_min_servers(),
            max_servers: default_max_servers(),
        }
    }
}

/// One `[[fault]]`: something that goes wrong at `at`, for `for` (or to the
/// end of the run).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// When it starts.
    pub at: Spanned<Duration>,
    /// `pop-down`, `pop-degraded` or `health-check-flap`.
    pub kind: FaultKind,
    /// The PoP it strikes (PoP faults).
    pub pop: Option<Spanned<String>>,
    /// The region it strikes (`NA`, `EU`, `APAC`; region, DO and KV faults).
    pub region: Option<Spanned<String>>,
    /// How long it lasts [to the end of the run].
    #[serde(rename = "for")]
    pub lasts: Option<Spanned<PositiveDuration>>,
    /// For `pop-degraded`: the share of servers left working.
    pub capacity: Option<Fraction>,
    /// For `kv-replication-lag`: the replication lag while it lasts.
    pub lag: Option<PositiveDuration>,
    /// For `origin-slow`: the extra time the origin takes per request.
    pub latency: Option<PositiveDuration>,
    /// For `origin-errors`: the share of origin answers that are errors.
    pub error_rate: Option<Share>,
}

/// What kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// The PoP stops answering anything, probes included.
    PopDown,
    /// The PoP keeps a share (`capacity`) of its servers; probes pass.
    PopDegraded,
    /// Probes to the PoP fail though it serves: a false detection.
    HealthCheckFlap,
    /// Every PoP of a region and its Durable Object region fail together.
    RegionDown,
    /// Only the Durable Object region fails.
    DoRegionDown,
    /// The KV primary of a region fails.
    KvPrimaryDown,
    /// KV replication between primaries slows to `lag`.
    KvReplicationLag,
    /// The origin answers nothing.
    OriginDown,
    /// The origin takes `latency` longer per request.
    OriginSlow,
    /// A share `error_rate` of origin answers are errors.
    OriginErrors,
    /// The control plane is unreachable: deployments fail, serving goes on.
    ControlPlaneDown,
}

impl FaultKind {
    /// The name in files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::PopDown => "pop-down",
            FaultKind::PopDegraded => "pop-degraded",
            FaultKind::HealthCheckFlap => "health-check-flap",
            FaultKind::RegionDown => "region-down",
            FaultKind::DoRegionDown => "do-region-down",
            FaultKind::KvPrimaryDown => "kv-primary-down",
            FaultKind::KvReplicationLag => "kv-replication-lag",
            FaultKind::OriginDown => "origin-down",
            FaultKind::OriginSlow => "origin-slow",
            FaultKind::OriginErrors => "origin-errors",
            FaultKind::ControlPlaneDown => "control-plane-down",
        }
    }

    /// True for faults that strike one PoP (`pop = "CODE"`).
    pub fn strikes_pop(self) -> bool {
        matches!(self, FaultKind::PopDown | FaultKind::PopDegraded | FaultKind::HealthCheckFlap)
    }

    /// True for faults that strike a region (`region = "EU"`).
    pub fn strikes_region(self) -> bool {
        matches!(self, FaultKind::RegionDown | FaultKind::DoRegionDown | FaultKind::KvPrimaryDown)
    }
}

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

fn home_na() -> Spanned<String> {
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
fn half_share() -> Share {
    Share::of(0.5)
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

/// `[origin]`: the origin behind the PoPs. A share of requests misses the
/// PoP's cache and fetches from it, with its own timeout, retries and a
/// circuit breaker per PoP.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OriginSpec {
    /// Share of requests that fetch from the origin (above 0).
    pub share: Share,
    /// Where the origin stands (a PoP code of the catalog) [IAD].
    #[serde(default = "home_na")]
    pub location: Spanned<String>,
    /// Origin servers [50].
    #[serde(default = "default_origin_servers")]
    pub servers: Spanned<Servers>,
    /// Origin service time [exponential, mean 20ms].
    pub service: Option<Spanned<DistSpec>>,
    /// Fetches that may wait at the origin [10000].
    #[serde(default = "default_origin_queue")]
    pub queue_limit: QueueLimit,
    /// A fetch unanswered after this long has failed [1s].
    #[serde(default = "default_origin_timeout")]
    pub timeout: Spanned<PositiveDuration>,
    /// The seed's origin-fetch retries [exponential 100ms, 300ms, 1s].
    pub retry: Option<RetrySpec>,
    /// A circuit breaker per PoP [none].
    pub breaker: Option<BreakerSpec>,
}

fn default_origin_servers() -> Spanned<Servers> {
    Spanned::new(0..0, Count::of(50))
}
fn default_origin_queue() -> QueueLimit {
    Count::of(10_000)
}
fn default_origin_timeout() -> Spanned<PositiveDuration> {
    Spanned::new(0..0, PositiveDuration::from_secs(1))
}

/// A circuit breaker: `trip = "consecutive"` (the seed's) or `"rate"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerSpec {
    /// `"consecutive"` [default] or `"rate"`.
    #[serde(default)]
    pub trip: TripKind,
    /// For `consecutive`: failures in a row that open it [5].
    #[serde(default = "default_breaker_failures")]
    pub failures: Times,
    /// For `rate`: the failure share that opens it [0.5].
    #[serde(default = "half_share")]
    pub rate: Share,
    /// For `rate`: how far back calls count [60s].
    #[serde(default = "default_breaker_window")]
    pub window: Period,
    /// For `rate`: fewest calls in the window before the rate counts [100].
    #[serde(default = "default_breaker_min_calls")]
    pub min_calls: Times,
    /// Successful probes that close it [3].
    #[serde(default = "default_breaker_successes")]
    pub successes: Times,
    /// Time open before probing [30s].
    #[serde(default = "default_breaker_open")]
    pub open_for: Period,
    /// Probes at once while half-open [1].
    #[serde(default = "default_breaker_probes")]
    pub half_open_probes: Times,
}

/// What trips a breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TripKind {
    /// Failures in a row.
    #[default]
    Consecutive,
    /// A failure rate over a window.
    Rate,
}

fn default_breaker_failures() -> Times {
    Count::of(5)
}
fn default_breaker_window() -> Period {
    Period::from_secs(60)
}
fn default_breaker_min_calls() -> Times {
    Count::of(100)
}
fn default_breaker_successes() -> Times {
    Count::of(3)
}
fn default_breaker_open() -> Period {
    Period::from_secs(30)
}
fn default_breaker_probes() -> Times {
    Count::of(1)
}

/// `[degradation]`: the level controller.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DegradationSpec {
    /// PoPs declared down at once that make level 3 [2].
    #[serde(default = "default_multi_pop")]
    pub multi_pop_failures: Count<1, 1_000>,
    /// A level is left only after its trigger has been gone this long [10s].
    #[serde(default = "default_level_hold")]
    pub hold: Duration,
}

fn default_multi_pop() -> Count<1, 1_000> {
    Count::of(2)
}
fn default_level_hold() -> Duration {
    dur_s(10)
}

impl Default for DegradationSpec {
    fn default() -> Self {
        DegradationSpec { multi_pop_failures: default_multi_pop(), hold: default_level_hold() }
    }
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
}

fn default_deploys() -> Rate {
    Rate::of(10.0)
}
fn default_deploy_retry() -> Period {
    Period::from_secs(30)
}

/// `[rate_limits]`: the seed's per-PoP rate limits. Requests belong to
/// deployments of accounts; demand over deployments follows a Zipf law.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitsSpec {
    /// Accounts [100].
    #[serde(default = "default_accounts")]
    pub accounts: Spanned<Population>,
    /// Deployments of each account [10].
    #[serde(default = "default_deployments")]
    pub deployments_per_account: Spanned<Population>,
    /// Zipf exponent of demand over deployments [1.0]; 0 is uniform.
    #[serde(default = "default_zipf")]
    pub zipf: ZipfExponent,
    /// Per deployment, per PoP, per second [10000].
    #[serde(default = "default_dep_rps")]
    pub per_deployment_rps: RequestLimit,
    /// Per deployment, per PoP, per minute [100000].
    #[serde(default = "default_dep_min")]
    pub per_deployment_per_min: RequestLimit,
    /// Per account, per PoP, per second [100000].
    #[serde(default = "default_acc_rps")]
    pub per_account_rps: RequestLimit,
    /// A PoP's capacity in requests per second; spillover starts at
    /// `[overload].spillover_threshold` of the smaller of this and its servers' [100000].
    #[serde(default = "default_pop_qps")]
    pub per_pop_qps: RequestLimit,
}

fn default_accounts() -> Spanned<Population> {
    Spanned::new(0..0, Count::of(100))
}
fn default_deployments() -> Spanned<Population> {
    Spanned::new(0..0, Count::of(10))
}
fn default_zipf() -> ZipfExponent {
    ZipfExponent::of(1.0)
}
fn default_dep_rps() -> RequestLimit {
    Count::of(10_000)
}
fn default_dep_min() -> RequestLimit {
    Count::of(100_000)
}
fn default_acc_rps() -> RequestLimit {
    Count::of(100_000)
}
fn default_pop_qps() -> RequestLimit {
    Count::of(100_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Field lines of this file whose type is a bare number, with why each
    /// is allowed. Anything else must use a checked type of `units`.
    const ALLOWED_BARE_NUMBERS: &[&str] = &[
        // Every u64 is a valid seed.
        "pub seed: u64,",
        // Built only from `RawRetry`, whose `retries` is a `Count<0, MAX_RETRIES>`.
        "retries: u32,",
    ];

    /// True if `line` declares a field (`name: Type`) whose type holds a
    /// primitive number, or an expectation whose bound is one.
    fn declares_bare_number(line: &str) -> bool {
        const PRIMITIVES: [&str; 12] =
            ["f32", "f64", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64"];
        let t = line.trim();
        let t = t.strip_prefix("pub ").unwrap_or(t);
        let type_text = match t.split_once(':') {
            Some((name, ty)) if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') => ty,
            // `Name, bound Read => Out {`: what is read from the file is `Read`.
            _ => match t.split_once("bound ") {
                Some((_, ty)) => ty.split("=>").next().unwrap_or(ty),
                None => return false,
            },
        };
        type_text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|word| PRIMITIVES.contains(&word))
    }

    #[test]
    fn no_schema_field_is_a_bare_number() {
        let source = include_str!("schema.rs");
        let tests_start = source.find("#[cfg(test)]").unwrap_or(source.len());
        let bare: Vec<&str> = source[..tests_start]
            .lines()
            .filter(|l| declares_bare_number(l))
            .filter(|l| !ALLOWED_BARE_NUMBERS.contains(&l.trim()))
            .collect();
        assert!(bare.is_empty(), "schema fields with unchecked numbers (use a type of scenario::units): {bare:#?}");
    }

    #[test]
    fn the_guard_sees_bare_numbers() {
        for line in [
            "    pub rate: f64,",
            "pub keys: Spanned<u32>,",
            "    lag: Option<Vec<f64>>,",
            "    Foo, bound f64 => Rate {",
        ] {
            assert!(declares_bare_number(line), "{line}");
        }
        for line in [
            "    pub rate: Rate,",
            "    Foo, bound Rate => f64 {",
            "fn one() -> f64 {",
            "pub const MAX_RETRIES: u32 = 10;",
            "/// keys: u32",
        ] {
            assert!(!declares_bare_number(line), "{line}");
        }
    }

    fn dist(text: &str) -> Result<DistSpec, String> {
        #[derive(Deserialize)]
        struct T {
            d: DistSpec,
        }
        toml::from_str::<T>(&format!("d = {text}")).map(|t| t.d).map_err(|e| e.message().to_string())
    }

    #[test]
    fn a_dist_table_takes_only_its_own_keys() {
        assert_eq!(
            dist(r#"{ dist = "uniform", min = "1ms", max = "2ms" }"#),
            Ok(DistSpec::Uniform {
                min: Duration(crate::engine::SimDuration::from_millis(1)),
                max: Duration(crate::engine::SimDuration::from_millis(2))
            })
        );
        let err = dist(r#"{ dist = "exponential", mean = "1ms", max = "2ms" }"#).unwrap_err();
        assert!(err.contains("unknown field `max`"), "{err}");
        let err = dist(r#"{ dist = "exponential", mean = "1ms", mena = "2ms" }"#).unwrap_err();
        assert!(err.contains("unknown field `mena`"), "{err}");
        let err = dist(r#"{ dist = "lognormal", p50 = "1ms" }"#).unwrap_err();
        assert!(err.contains("missing field `p99`"), "{err}");
        let err = dist(r#"{ dist = "uniform", min = "3ms", max = "2ms" }"#).unwrap_err();
        assert!(err.contains("min (3ms) is greater than max (2ms)"), "{err}");
        let err = dist(r#"{ dist = "lognormal", p50 = "3ms", p99 = "3ms" }"#).unwrap_err();
        assert!(err.contains("0 < p50 < p99"), "{err}");
    }

    fn retry(text: &str) -> Result<RetrySpec, String> {
        #[derive(Deserialize)]
        struct T {
            r: RetrySpec,
        }
        toml::from_str::<T>(&format!("r = {text}")).map(|t| t.r).map_err(|e| e.message().to_string())
    }

    #[test]
    fn a_retry_table_takes_only_its_policys_keys() {
        assert_eq!(retry(r#"{ policy = "none" }"#), Ok(RetrySpec::None));
        assert_eq!(
            retry(r#"{ policy = "immediate", retries = 3 }"#),
            Ok(RetrySpec::Immediate { retries: 3, budget: None })
        );
        for (bad, why) in [
            (r#"{ policy = "none", retries = 2 }"#, "unknown field `retries`"),
            (r#"{ policy = "immediate", retries = 2, jitter = "full" }"#, "unknown field `jitter`"),
            (r#"{ policy = "exponential", backof = ["1s"] }"#, "unknown field `backof`"),
            (r#"{ policy = "exponential", backoff = [] }"#, "0 waits; expected 1 to 10"),
            (r#"{ policy = "immediate", retries = 11 }"#, "got 11; expected a whole number from 0 to 10"),
            (r#"{ policy = "immediate" }"#, "missing field `retries`"),
        ] {
            let err = retry(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn a_convergence_table_takes_only_its_models_keys() {
        #[derive(Deserialize)]
        struct T {
            c: ConvergenceSpec,
        }
        let parse = |text: &str| toml::from_str::<T>(&format!("c = {text}")).map(|t| t.c).map_err(|e| e.to_string());
        assert_eq!(parse(r#"{ model = "measured" }"#), Ok(ConvergenceSpec::Measured));
        for (bad, why) in [
            (r#"{ model = "measured", last = "20s" }"#, "unknown field `last`"),
            (r#"{ model = "fixed", last = "20s", frist = "1s" }"#, "unknown field `frist`"),
            (r#"{ model = "fixed", first = "30s", last = "20s" }"#, "first (30s) is after last (20s)"),
            (r#"{ model = "fixed", first = "1s" }"#, "missing field `last`"),
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
