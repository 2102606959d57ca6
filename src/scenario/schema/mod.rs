//! The scenario file's schema: what each TOML table and key means.
//!
//! Every table rejects unknown keys. Durations are strings with units
//! ([`Duration`]); shares are [`Fraction`](super::units::Fraction)s. Values that later checks must
//! point at keep their position in the file ([`Spanned`]).
//!
//! One file per part of the file, re-exported here: topology, network and
//! pools; traffic; distributions; anycast; client and origin resilience;
//! overload; faults; state; expectations. This file holds the whole file's table
//! ([`ScenarioSpec`]), `[scenario]` and `[metrics]`, the named counts, and
//! the small readers and defaults the parts share.

mod anycast;
mod dist;
mod expect;
mod failures;
mod faults;
mod isolates;
mod overload;
mod resilience;
mod state;
#[cfg(test)]
mod tests;
mod topology;
mod traffic;

pub use anycast::*;
pub use dist::*;
pub use expect::*;
pub use failures::*;
pub use faults::*;
pub use isolates::*;
pub use overload::*;
pub use resilience::*;
pub use state::*;
pub use topology::*;
pub use traffic::*;

use super::units::{Count, Duration, Period, PositiveDuration, Weight};
use serde::Deserialize;
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
    /// `[isolates]`: deployments, isolates, the warm pool and cold starts.
    pub isolates: Option<IsolatesSpec>,
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
    /// `[[failure]]`: failure processes (random failures and repairs).
    #[serde(default, rename = "failure")]
    pub failures: Vec<Spanned<FailureSpec>>,
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
    /// How the traffic is simulated: every request, or flows of rates
    /// ["request"].
    #[serde(default = "default_fidelity")]
    pub fidelity: Spanned<Fidelity>,
}

/// How a run simulates the traffic (the data plane); the control plane
/// (faults, health checks, routes, the overload loop, the autoscaler, the
/// state plane) is the same in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fidelity {
    /// Every request is an event: exact, costs time in proportion to the
    /// requests.
    #[default]
    Request,
    /// Traffic as flows with piecewise-constant rates and PoPs as queueing
    /// stations: costs time in proportion to the changes, whatever the rate.
    Flow,
}

impl Fidelity {
    /// The name in files and flags: "request" or "flow".
    pub fn as_str(self) -> &'static str {
        match self {
            Fidelity::Request => "request",
            Fidelity::Flow => "flow",
        }
    }
}

fn default_fidelity() -> Spanned<Fidelity> {
    Spanned::new(0..0, Fidelity::Request)
}

fn zero_span() -> Spanned<Duration> {
    Spanned::new(0..0, Duration::default())
}

fn default_seed() -> u64 {
    1
}

/// `[metrics]`: recorder settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSpec {
    /// Width of a time-series bucket; default the smallest of 1s, 10s, 1m,
    /// 10m, 1h that keeps the run within 3,600 buckets.
    pub bucket: Option<Spanned<Period>>,
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

fn one() -> Weight {
    Weight::of(1.0)
}

fn dur_s(s: u64) -> Duration {
    Duration(crate::engine::SimDuration::from_secs(s))
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
