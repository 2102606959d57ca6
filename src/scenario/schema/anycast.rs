//! `[anycast]`: client networks, the health checker, route withdrawal and
//! BGP convergence (a measured distribution or a fixed one). Defaults are
//! the seed's PoP failover numbers; BGP itself (AS graph, sessions) is not
//! modelled.

use super::only_keys;
use crate::scenario::units::{Count, Duration, Fraction, Period, PositiveDuration};
use serde::{Deserialize, Serialize};
use toml::Spanned;

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
