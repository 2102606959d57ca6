//! Baselines: a summary.json stored by `edgesim baseline`, read back typed
//! and turned into the plain [`Record`] that `check::baseline` compares.

use super::{read, Summary, SummaryError, SCHEMA_VERSION};
use crate::check::baseline::{DoTimeline, FaultTimeline, Record};
use std::path::Path;

impl From<&Summary> for Record {
    fn from(s: &Summary) -> Record {
        let l = &s.latency_ms.all;
        Record {
            seed: s.seed,
            faults: s
                .faults
                .iter()
                .map(|f| FaultTimeline {
                    kind: f.kind.clone(),
                    target: f.target.clone(),
                    at_s: f.at_s,
                    timeline: f.timeline.clone(),
                    rto_s: f.rto_s,
                    durable_objects: f.durable_objects.as_ref().map(|d| DoTimeline {
                        rpo_s: d.rpo_s,
                        object_rto_s: [d.object_rto_s.p50, d.object_rto_s.p99, d.object_rto_s.max],
                    }),
                })
                .collect(),
            latency_ms: [l.p50, l.p90, l.p99, l.p999],
        }
    }
}

/// Reads a baseline file (a stored summary.json) and checks that it is a
/// summary of `scenario`; the error names the file and says how to make it
/// again when its layout is another.
///
/// # Errors
///
/// A message naming the file when it cannot be read, is not a summary.json
/// of this edgesim's schema, or is the baseline of another scenario.
pub fn load_baseline(path: &Path, scenario: &str) -> Result<Summary, String> {
    let p = path.display();
    let not_baseline = |e: &dyn std::fmt::Display| format!("{p}: not a baseline (summary.json) file: {e}");
    let summary = read(path).map_err(|e| match e {
        SummaryError::Unreadable { error, .. } => format!("{p}: cannot read the baseline: {error}"),
        SummaryError::NotJson { error, .. } | SummaryError::Shape { error, .. } => not_baseline(&error),
        SummaryError::NoVersion { .. } => not_baseline(&"no schema_version"),
        SummaryError::OtherVersion { found, .. } => format!(
            "{p}: summary layout version {found} but this edgesim compares version {SCHEMA_VERSION}; \
             make the baseline again with `edgesim baseline`"
        ),
    })?;
    if summary.scenario != scenario {
        return Err(format!("{p}: is the baseline of scenario \"{}\", not \"{scenario}\"", summary.scenario));
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary_json(version: u32) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/single-pop.toml");
        let scenario = crate::scenario::load(&path).expect("the shipped scenario loads");
        let prepared = crate::prepare(scenario).expect("prepares");
        let mut s = crate::simulate(&prepared, None).expect("runs").summary;
        s.schema_version = version;
        serde_json::to_string_pretty(&s).expect("encodes")
    }

    #[test]
    fn load_rejects_other_scenarios_layouts_and_non_summaries() {
        let dir = std::env::temp_dir().join(format!("edgesim-baseline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let p = dir.join("s.json");
        let good = summary_json(SCHEMA_VERSION);
        std::fs::write(&p, &good).expect("write");
        let s = load_baseline(&p, "single-pop").expect("a baseline of single-pop");
        let r = Record::from(&s);
        assert_eq!((r.seed, r.latency_ms[2]), (s.seed, s.latency_ms.all.p99));
        assert!(load_baseline(&p, "t").is_err_and(|e| e.contains("not \"t\"")));
        std::fs::write(&p, "{\"a\": 1}").expect("write");
        assert!(load_baseline(&p, "single-pop").is_err_and(|e| e.ends_with("file: no schema_version")));
        std::fs::write(&p, summary_json(SCHEMA_VERSION + 1)).expect("write");
        assert!(load_baseline(&p, "single-pop").is_err_and(|e| e.contains("layout version 2")));
        std::fs::write(&p, good.replacen("\"latency_ms\": {", "\"latency_ms\": \"fast\", \"x\": {", 1)).expect("write");
        assert!(load_baseline(&p, "single-pop").is_err_and(|e| e.contains("not a baseline")), "torn latency");
        assert!(load_baseline(&dir.join("none.json"), "s").is_err_and(|e| e.contains("cannot read the baseline")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
