//! Scenario files: their TOML schema, units, defaults and validation.
//!
//! [`load`] reads a file, [`parse`] reads text. Both reject unknown keys,
//! wrong units and values that cannot make sense (a zero duration, shares
//! that do not sum to 1, a window outside the run) with a [`ScenarioError`]
//! that names the file, line and column, and the key. Every number is read
//! through a checked type of [`units`] (finite, in a range), every table
//! rejects unknown keys (tagged tables such as `dist`, `policy` and `model`
//! included), and cross-references (faults on planes that exist, known
//! regions, non-empty lists) are checked here. Checks that need the PoP
//! catalog (unknown PoP codes, table sizes per PoP) are made when the
//! world and the model are built from the scenario.

mod error;
pub mod regions;
pub mod schema;
pub mod units;
mod validate;
pub(crate) use validate::MAX_FAULTS;

pub use error::{ScenarioError, Source};
pub use schema::ScenarioSpec;

use crate::engine::dist::DurationDist;
use crate::engine::SimDuration;
use schema::DistSpec;
use std::path::{Path, PathBuf};

/// A parsed and validated scenario, with the text it came from.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file's path and text, to locate later errors.
    pub source: Source,
    /// What the file says.
    pub spec: ScenarioSpec,
    /// The folder of the file, against which relative paths in it resolve.
    pub dir: PathBuf,
}

/// Reads and validates the scenario file at `path`.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::whole_file(&label, format!("cannot read the scenario file: {e}")))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(&label, &text, dir)
}

/// Parses and validates scenario `text`; `label` names it in errors and
/// `dir` is where relative paths in it resolve.
pub fn parse(label: &str, text: &str, dir: PathBuf) -> Result<Scenario, ScenarioError> {
    let source = Source { path: label.to_string(), text: text.to_string() };
    let spec: ScenarioSpec = toml::from_str(text).map_err(|e| {
        let message = with_key_path(&e);
        match e.span() {
            Some(span) => source.error_at(span, message),
            None => source.error(message),
        }
    })?;
    validate::check(&spec, &source)?;
    Ok(Scenario { source, spec, dir })
}

/// A TOML error's message, led by the dotted path of the key it is about
/// (`pops.default.servers: got 0; ...`) when the parser knows it and the
/// message does not already name it.
fn with_key_path(e: &toml::de::Error) -> String {
    let message = e.message().trim_end().to_string();
    // Without the input, the error's text is its message and an
    // "in `a.b.c`" line naming the key.
    let mut bare = e.clone();
    bare.set_input(None);
    let rendered = bare.to_string();
    let path = rendered.lines().rev().find_map(|l| l.strip_prefix("in `")?.strip_suffix('`').map(str::to_string));
    match path {
        Some(p) if !p.is_empty() && !message.starts_with(&p) => format!("{p}: {message}"),
        _ => message,
    }
}

impl Scenario {
    /// Checks that the tables the model keeps per PoP stay a sane size for
    /// the resolved topology (`pops` PoPs, `sites` client sites).
    pub fn check_table_sizes(&self, pops: usize, sites: usize) -> Result<(), ScenarioError> {
        validate::check_table_sizes(&self.spec, &self.source, pops, sites)
    }

    /// The scenario's name.
    pub fn name(&self) -> &str {
        self.spec.scenario.name.get_ref()
    }

    /// The master seed.
    pub fn seed(&self) -> u64 {
        self.spec.scenario.seed
    }

    /// Replaces the master seed (`--seed` on the command line).
    pub fn set_seed(&mut self, seed: u64) {
        self.spec.scenario.seed = seed;
    }

    /// How the traffic is simulated (`fidelity`).
    pub fn fidelity(&self) -> schema::Fidelity {
        *self.spec.scenario.fidelity.get_ref()
    }

    /// Replaces the fidelity (`--fidelity` on the command line).
    pub fn set_fidelity(&mut self, fidelity: schema::Fidelity) {
        let span = self.spec.scenario.fidelity.span();
        self.spec.scenario.fidelity = toml::Spanned::new(span, fidelity);
    }

    /// Simulated time of the run.
    pub fn duration(&self) -> SimDuration {
        self.spec.scenario.duration.get_ref().sim()
    }

    /// The `metrics.bucket` set, when [`Self::bucket`] widened it.
    pub fn bucket_widened_from(&self) -> Option<SimDuration> {
        let set = self.spec.metrics.bucket.as_ref()?.get_ref().sim();
        (self.bucket() != set).then_some(set)
    }

    /// Leading time excluded from measures.
    pub fn warmup(&self) -> SimDuration {
        self.spec.scenario.warmup.get_ref().sim()
    }

    /// Width of a time-series bucket: as set (widened to the smallest whole
    /// multiple that keeps the run within 10,000 buckets, so that the
    /// series stays bounded whatever the horizon), or the smallest of 1s, 10s, 1m, 10m,
    /// 1h that keeps the run within 3,600 buckets.
    pub fn bucket(&self) -> SimDuration {
        if let Some(b) = &self.spec.metrics.bucket {
            let w = b.get_ref().sim().as_nanos().max(1);
            let n = self.duration().as_nanos().div_ceil(w);
            return SimDuration(w * n.div_ceil(validate::MAX_SERIES_BUCKETS).max(1));
        }
        let d = self.duration().as_nanos();
        [1u64, 10, 60, 600, 3600]
            .iter()
            .map(|s| SimDuration::from_secs(*s))
            .find(|b| d.div_ceil(b.as_nanos()) <= validate::MAX_DEFAULT_BUCKETS)
            .unwrap_or(SimDuration::from_secs(3600 * 24))
    }
}

/// The sampler of a validated distribution spec.
pub fn duration_dist(spec: &DistSpec) -> DurationDist {
    match *spec {
        DistSpec::Exponential { mean } => DurationDist::Exponential { mean_ns: mean.as_nanos() as f64 },
        DistSpec::Lognormal { p50, p99 } => DurationDist::lognormal_from_p50_p99(p50.sim(), p99.sim()),
        DistSpec::Constant { value } => DurationDist::Constant { ns: value.as_nanos() },
        DistSpec::Uniform { min, max } => DurationDist::Uniform { min_ns: min.as_nanos(), max_ns: max.as_nanos() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(duration: &str, bucket: &str) -> Scenario {
        let text = format!(
            "[scenario]\nname = \"b\"\nseed = 1\nduration = \"{duration}\"\n[topology]\ncatalog = \"builtin\"\n\
             [traffic]\nrps = 10\nclasses = {{ p1 = 1.0 }}\n[metrics]\nbucket = \"{bucket}\"\n"
        );
        parse("b.toml", &text, PathBuf::new()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_bucket_set_is_widened_to_a_whole_multiple_past_the_cap() {
        let kept = scenario("365d", "1h");
        assert_eq!(kept.bucket(), SimDuration::from_secs(3_600));
        assert_eq!(kept.bucket_widened_from(), None);
        // 365 d of 10 min is 52,560 buckets: 6 x 10 min gives 8,760.
        let widened = scenario("365d", "10m");
        assert_eq!(widened.bucket(), SimDuration::from_secs(3_600));
        assert_eq!(widened.bucket_widened_from(), Some(SimDuration::from_secs(600)));
        let n = widened.duration().as_nanos().div_ceil(widened.bucket().as_nanos());
        assert!(n <= validate::MAX_SERIES_BUCKETS, "{n}");
    }
}
