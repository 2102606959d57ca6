//! Distributions of durations as the file writes them (`dist = "..."` and
//! that distribution's keys, nothing else). The samplers are the engine's
//! ([`crate::engine::dist`]); [`crate::scenario::duration_dist`] turns one into the other.

use super::only_keys;
use crate::scenario::units::Duration;
use serde::{Deserialize, Serialize};

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
