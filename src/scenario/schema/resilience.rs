//! `[client]` and `[origin]`: how clients wait and retry (the seed's retry
//! policies), and the origin behind the PoPs with its own timeout, retries
//! and a circuit breaker per PoP.

use super::state::home_na;
use super::{only_keys, DistSpec, QueueLimit, Servers, Times};
use crate::scenario::units::{Count, Duration, Fraction, Period, PositiveDuration, Share};
use serde::{Deserialize, Serialize};
use toml::Spanned;

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

/// A circuit breaker: `trip = "consecutive"` (the seed's), `"rate"` or
/// `"off"`. Keys left out take the dependency's seed values (origin 5
/// failures, 3 successes, 30 s open; KV 10 failures, 10 s open; DO 3
/// failures, 60 s open; one probe, and one success closes the KV and DO
/// breakers, which the seed leaves unsaid).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerSpec {
    /// `"consecutive"` [default], `"rate"` or `"off"` (no breaker).
    #[serde(default)]
    pub trip: TripKind,
    /// For `consecutive`: failures in a row that open it [the seed's].
    pub failures: Option<Times>,
    /// For `rate`: the failure share that opens it [0.5].
    #[serde(default = "half_share")]
    pub rate: Share,
    /// For `rate`: how far back calls count [60s].
    #[serde(default = "default_breaker_window")]
    pub window: Period,
    /// For `rate`: fewest calls in the window before the rate counts [100].
    #[serde(default = "default_breaker_min_calls")]
    pub min_calls: Times,
    /// Successful probes that close it [the seed's].
    pub successes: Option<Times>,
    /// Time open before probing [the seed's].
    pub open_for: Option<Period>,
    /// Probes at once while half-open [1].
    pub half_open_probes: Option<Times>,
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
    /// No breaker.
    Off,
}

fn default_breaker_window() -> Period {
    Period::from_secs(60)
}
fn default_breaker_min_calls() -> Times {
    Count::of(100)
}

fn half_share() -> Share {
    Share::of(0.5)
}
