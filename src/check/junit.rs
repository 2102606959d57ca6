//! JUnit XML for CI: one `<testsuite>` per scenario, one `<testcase>` per
//! expectation (and one named `baseline` when a baseline was compared).
//!
//! A failed expectation is a `<failure>` whose message is "observed X vs
//! BOUND" and whose text names the seed and the replay command. An
//! inconclusive one is `<skipped>` when inconclusive verdicts are allowed,
//! else a `<failure type="inconclusive">`.

use super::baseline::{self, DiffStatus};
use super::verdict::{CheckReport, ScenarioVerdict};
use super::{Status, Verdict};
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// The name of the `<testsuites>` element.
pub const REPORT_NAME: &str = "edgesim check";

fn observed_vs_bound(v: &Verdict) -> String {
    format!("observed {} vs {}", v.observed_text, v.bound)
}

fn expectation_case(s: &ScenarioVerdict, v: &Verdict, allow_inconclusive: bool) -> TestCase {
    let replay = format!("seed {}; replay: {}", s.seed, s.replay);
    let status = match v.status {
        Status::Pass => TestCaseStatus::success(),
        Status::Fail => {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            st.set_message(observed_vs_bound(v)).set_type("expectation failed").set_description(replay);
            st
        }
        Status::Inconclusive if allow_inconclusive => {
            let mut st = TestCaseStatus::skipped();
            st.set_message(format!("inconclusive: {}", observed_vs_bound(v))).set_type("inconclusive");
            st
        }
        Status::Inconclusive => {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            st.set_message(format!("inconclusive: {}", observed_vs_bound(v)))
                .set_type("inconclusive")
                .set_description(replay);
            st
        }
    };
    let mut case = TestCase::new(v.text.clone(), status);
    case.set_classname(format!("edgesim.{}", s.scenario));
    case
}

fn baseline_case(s: &ScenarioVerdict) -> Option<TestCase> {
    let d = s.baseline.as_ref()?;
    let status = if d.drifted == 0 {
        TestCaseStatus::success()
    } else {
        let names: Vec<&str> =
            d.rows.iter().filter(|r| r.status == DiffStatus::Drift).map(|r| r.metric.as_str()).collect();
        let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
        st.set_message(format!("{} metrics drifted beyond tolerance from {}: {}", d.drifted, d.file, names.join(", ")))
            .set_type("baseline drift")
            .set_description(baseline::table(d, ""));
        st
    };
    let mut case = TestCase::new("baseline", status);
    case.set_classname(format!("edgesim.{}", s.scenario));
    Some(case)
}

/// Builds the JUnit report of a check.
pub fn report(check: &CheckReport) -> Report {
    let mut report = Report::new(REPORT_NAME);
    for s in &check.scenarios {
        let mut suite = TestSuite::new(s.scenario.clone());
        suite.set_time(Duration::from_secs_f64(s.wall_s.max(0.0)));
        suite.add_property(Property::new("file", s.file.clone()));
        suite.add_property(Property::new("seed", s.seed.to_string()));
        suite.add_property(Property::new("replay", s.replay.clone()));
        suite.add_property(Property::new("results_dir", s.results_dir.clone()));
        for v in &s.expectations {
            suite.add_test_case(expectation_case(s, v, check.allow_inconclusive));
        }
        if let Some(case) = baseline_case(s) {
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
}

/// The JUnit XML text of a check.
pub fn to_xml(check: &CheckReport) -> Result<String, String> {
    report(check).to_string().map_err(|e| format!("cannot encode JUnit XML: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(text: &str, status: Status) -> Verdict {
        Verdict {
            text: text.into(),
            status,
            passed: status == Status::Pass,
            observed: Some(1.0),
            observed_text: "1.000ms".into(),
            bound: "<= 5ms".into(),
            samples: None,
            min_samples: None,
        }
    }

    #[test]
    fn one_suite_per_scenario_one_case_per_expectation() {
        let vs = vec![
            verdict("a <= 5ms", Status::Pass),
            verdict("b <= 5ms", Status::Fail),
            verdict("c <= 5ms", Status::Inconclusive),
        ];
        let s = ScenarioVerdict::new("sc", "sc.toml", 9, "results/sc", vs, None, 1.5);
        let strict = to_xml(&CheckReport::new(vec![s.clone()], false)).expect("xml");
        assert_eq!(strict.matches("<testsuite ").count(), 1, "{strict}");
        assert_eq!(strict.matches("<testcase ").count(), 3, "{strict}");
        assert_eq!(strict.matches("<failure ").count(), 2, "{strict}");
        assert!(strict.contains("observed 1.000ms vs &lt;= 5ms"), "{strict}");
        assert!(strict.contains("edgesim run sc.toml --seed 9"), "{strict}");
        let lenient = to_xml(&CheckReport::new(vec![s], true)).expect("xml");
        assert_eq!(lenient.matches("<failure ").count(), 1, "{lenient}");
        assert_eq!(lenient.matches("<skipped ").count(), 1, "{lenient}");
    }
}
