//! The verdict of `edgesim check` over many scenarios: counts, the overall
//! status, and the machine-readable verdict file (`--json`).
//!
//! The file holds no wall-clock figure: the same binary, scenarios and seeds
//! give the same bytes.

use super::baseline::BaselineDiff;
use super::{Status, Verdict};
use serde::Serialize;

/// Version of the verdict file's layout; bumped on any incompatible change.
pub const VERDICT_SCHEMA_VERSION: u32 = 1;

/// One scenario's verdicts.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioVerdict {
    /// Scenario name (names its results folder and its baseline).
    pub scenario: String,
    /// The scenario file, as given on the command line.
    pub file: String,
    /// The master seed of the run.
    pub seed: u64,
    /// Where its results were written.
    pub results_dir: String,
    /// The command that replays the run.
    pub replay: String,
    /// `fail` if an expectation failed or the baseline drifted, else
    /// `inconclusive` if one was inconclusive, else `pass`.
    pub status: Status,
    /// Expectations that held.
    pub passed: usize,
    /// Expectations that failed.
    pub failed: usize,
    /// Expectations the run could not decide.
    pub inconclusive: usize,
    /// One verdict per expectation, in file order.
    pub expectations: Vec<Verdict>,
    /// The comparison with the stored baseline (`--baseline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineDiff>,
    /// Wall time of the run, s (for JUnit; not in the verdict file).
    #[serde(skip)]
    pub wall_s: f64,
}

impl ScenarioVerdict {
    /// Gathers one scenario's verdicts and counts them.
    pub fn new(
        scenario: &str,
        file: &str,
        seed: u64,
        results_dir: &str,
        expectations: Vec<Verdict>,
        baseline: Option<BaselineDiff>,
        wall_s: f64,
    ) -> Self {
        let count = |s: Status| expectations.iter().filter(|v| v.status == s).count();
        let (passed, failed, inconclusive) = (count(Status::Pass), count(Status::Fail), count(Status::Inconclusive));
        let drifted = baseline.as_ref().is_some_and(|b| b.drifted > 0);
        let status = if failed > 0 || drifted {
            Status::Fail
        } else if inconclusive > 0 {
            Status::Inconclusive
        } else {
            Status::Pass
        };
        ScenarioVerdict {
            scenario: scenario.to_string(),
            file: file.to_string(),
            seed,
            results_dir: results_dir.to_string(),
            replay: replay_command(file, seed),
            status,
            passed,
            failed,
            inconclusive,
            expectations,
            baseline,
            wall_s,
        }
    }

    /// True when this scenario breaks the check.
    pub fn breaks(&self, allow_inconclusive: bool) -> bool {
        self.status.breaks(allow_inconclusive)
    }
}

/// Counts over every scenario of a check.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    /// Scenarios run.
    pub scenarios: usize,
    /// Of those, scenarios that broke the check.
    pub scenarios_failed: usize,
    /// Expectations judged.
    pub expectations: usize,
    /// Expectations that held.
    pub passed: usize,
    /// Expectations that failed.
    pub failed: usize,
    /// Expectations the runs could not decide.
    pub inconclusive: usize,
    /// Baseline metrics that drifted beyond tolerance.
    pub baseline_drifts: usize,
}

/// The verdict of a whole check: the `--json` file.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Layout version ([`VERDICT_SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The edgesim version that judged.
    pub edgesim_version: &'static str,
    /// Whether inconclusive verdicts were allowed (`--allow-inconclusive`).
    pub allow_inconclusive: bool,
    /// `pass` when no scenario broke the check, else `fail`.
    pub status: Status,
    /// The exit code the check ends with: 0 or 1.
    pub exit_code: u8,
    /// Counts over every scenario.
    pub totals: Totals,
    /// Per scenario, in the order run.
    pub scenarios: Vec<ScenarioVerdict>,
}

impl CheckReport {
    /// Sums up the scenarios' verdicts.
    pub fn new(scenarios: Vec<ScenarioVerdict>, allow_inconclusive: bool) -> Self {
        let mut t = Totals { scenarios: scenarios.len(), ..Totals::default() };
        for s in &scenarios {
            t.scenarios_failed += usize::from(s.breaks(allow_inconclusive));
            t.expectations += s.expectations.len();
            t.passed += s.passed;
            t.failed += s.failed;
            t.inconclusive += s.inconclusive;
            t.baseline_drifts += s.baseline.as_ref().map_or(0, |b| b.drifted);
        }
        let ok = t.scenarios_failed == 0;
        CheckReport {
            schema_version: VERDICT_SCHEMA_VERSION,
            edgesim_version: env!("CARGO_PKG_VERSION"),
            allow_inconclusive,
            status: if ok { Status::Pass } else { Status::Fail },
            exit_code: if ok { 0 } else { 1 },
            totals: t,
            scenarios,
        }
    }

    /// The verdict file's text: pretty JSON with a final newline.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        Ok(serde_json::to_string_pretty(self)? + "\n")
    }
}

/// The command that replays a run: `edgesim run FILE --seed N`, with the
/// path quoted for a POSIX shell when it needs it.
pub fn replay_command(file: &str, seed: u64) -> String {
    format!("edgesim run {} --seed {seed}", shell_quote(file))
}

/// Quotes `s` for a POSIX shell unless it is made only of safe characters.
pub fn shell_quote(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+,:=@%".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(status: Status) -> Verdict {
        Verdict {
            text: "availability >= 0.99".into(),
            status,
            passed: status == Status::Pass,
            observed: Some(0.5),
            observed_text: "0.5".into(),
            bound: ">= 0.99".into(),
            samples: None,
            min_samples: None,
        }
    }

    #[test]
    fn inconclusive_breaks_the_check_unless_allowed() {
        let s = ScenarioVerdict::new(
            "x",
            "x.toml",
            1,
            "results/x",
            vec![verdict(Status::Pass), verdict(Status::Inconclusive)],
            None,
            0.0,
        );
        assert_eq!(s.status, Status::Inconclusive);
        assert_eq!(CheckReport::new(vec![s.clone()], false).exit_code, 1);
        assert_eq!(CheckReport::new(vec![s], true).exit_code, 0);
        let f = ScenarioVerdict::new("y", "y.toml", 1, "results/y", vec![verdict(Status::Fail)], None, 0.0);
        let r = CheckReport::new(vec![f], true);
        assert_eq!((r.exit_code, r.totals.failed, r.totals.scenarios_failed), (1, 1, 1));
    }

    #[test]
    fn sample_floors_follow_the_quantile() {
        use crate::check::{min_samples, Metric};
        assert_eq!(min_samples(Metric::Availability), Some(100));
        assert_eq!(min_samples(Metric::Latency(0.5)), Some(100));
        assert_eq!(min_samples(Metric::Latency(0.95)), Some(200));
        assert_eq!(min_samples(Metric::Latency(0.99)), Some(1_000));
        assert_eq!(min_samples(Metric::Latency(99.9 / 100.0)), Some(10_000));
        assert_eq!(min_samples(Metric::Latency(1.0)), Some(100));
        assert_eq!(min_samples(Metric::Rto), None);
    }

    #[test]
    fn replay_quotes_paths_that_need_it() {
        assert_eq!(replay_command("scenarios/a.toml", 7), "edgesim run scenarios/a.toml --seed 7");
        assert_eq!(replay_command("my dir/it's.toml", 1), r"edgesim run 'my dir/it'\''s.toml' --seed 1");
    }
}
