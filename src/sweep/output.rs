//! A sweep's files, written as one set ([`crate::report::outputs::ResultsSet`]:
//! a fresh folder swapped in whole, with its marker `edgesim-results.json`):
//!
//! - `sweep.json`: [`SweepReport`], deterministic (no wall-clock figure);
//! - `sweep.csv`: tidy, one row per grid point x measure: `point`, one
//!   column per axis (named by its path), `measure`, `n`, `mean`, `ci_low`,
//!   `ci_high`, `p50`, `p90`, `p99`, `max` (an empty cell: undefined, as
//!   the interval of one value);
//! - `runs.csv`: one row per run: `point`, the axes, `replication`, `seed`,
//!   `error`, every measure (empty when the run did not give it) and each
//!   expectation's status (`expect{i}.status`);
//! - `sweep-run.json`: wall time, runs per second, threads;
//! - the charts ([`super::charts`]) and `report.html` ([`super::page`]).
//!
//! Numbers are formatted by serde_json (shortest round-trip form).

use super::charts::render_sweep;
use super::page::write_sweep_report;
use super::{RunRecord, SweepError, SweepReport, SweepSpec};
use crate::report::outputs::{OutputError, ResultsSet, MARKER};
use crate::report::CsvText;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// A number as serde_json writes it; empty for none (or not finite).
fn num(v: Option<f64>) -> String {
    v.and_then(serde_json::Number::from_f64).map(|n| n.to_string()).unwrap_or_default()
}

/// sweep.json's text.
pub fn sweep_json(report: &SweepReport) -> Result<String, SweepError> {
    serde_json::to_string_pretty(report)
        .map(|s| s + "\n")
        .map_err(|e| SweepError::Input(format!("cannot encode sweep.json: {e}")))
}

/// sweep.csv's text.
pub fn sweep_csv(report: &SweepReport) -> String {
    let mut header = vec!["point".to_string()];
    header.extend(report.axes.iter().map(|a| a.path.clone()));
    header.extend(["measure", "n", "mean", "ci_low", "ci_high", "p50", "p90", "p99", "max"].map(String::from));
    let mut out = CsvText::new(&header);
    for p in &report.points {
        for (name, s) in &p.measures {
            let mut cells = vec![p.label.clone()];
            cells.extend(p.set.iter().map(|v| v.value.clone()));
            cells.push(name.clone());
            cells.push(s.n.to_string());
            cells.extend(
                [Some(s.mean), s.ci_low, s.ci_high, Some(s.p50), Some(s.p90), Some(s.p99), Some(s.max)].map(num),
            );
            out.row(&cells);
        }
    }
    out.finish()
}

/// runs.csv's text: every run, with its seed.
pub fn runs_csv(spec: &SweepSpec, records: &[RunRecord]) -> String {
    let points = spec.points();
    let names: BTreeSet<&str> = records.iter().flat_map(|r| r.measures.keys().map(String::as_str)).collect();
    let expectations = records.iter().map(|r| r.expectations.len()).max().unwrap_or(0);
    let mut header = vec!["point".to_string()];
    header.extend(spec.axes.iter().map(|a| a.path.clone()));
    header.extend(["replication", "seed", "error"].map(String::from));
    header.extend(names.iter().map(|n| n.to_string()));
    header.extend((1..=expectations).map(|i| format!("expect{i}.status")));
    let mut out = CsvText::new(&header);
    for r in records {
        let point = points.get(r.point);
        let mut cells = vec![point.map(super::Point::label).unwrap_or_default()];
        cells.extend(
            spec.axes
                .iter()
                .enumerate()
                .map(|(i, _)| point.and_then(|p| p.settings.get(i)).map(|(_, v)| v.clone()).unwrap_or_default()),
        );
        cells.extend([r.replication.to_string(), r.seed.to_string(), r.error.clone().unwrap_or_default()]);
        cells.extend(names.iter().map(|n| num(r.measures.get(*n).copied())));
        cells.extend((0..expectations).map(|i| r.expectations.get(i).map(|(_, s)| s.clone()).unwrap_or_default()));
        out.row(&cells);
    }
    out.finish()
}

/// sweep-run.json's text: what the sweep cost. `parts` lists the shards'
/// own figures after a merge.
pub fn run_json(
    spec: &SweepSpec,
    runs: usize,
    wall_s: f64,
    threads: Option<usize>,
    parts: &[serde_json::Value],
) -> String {
    let value = serde_json::json!({
        "scenario": spec.scenario_name,
        "edgesim_version": env!("CARGO_PKG_VERSION"),
        "runs": runs,
        "wall_s": wall_s,
        "runs_per_s": runs as f64 / wall_s.max(1e-9),
        "threads": threads,
        "parts": parts,
    });
    format!("{value:#}\n")
}

/// The names a sweep writes directly in its folder (charts aside).
pub const SWEEP_FILES: [&str; 6] = ["sweep.json", "sweep.csv", "runs.csv", "sweep-run.json", "report.html", MARKER];

/// Writes sweep.csv, runs.csv, sweep-run.json, the charts, report.html
/// (showing `scenario_text`) and sweep.json into the set; returns their
/// paths as they will be once the set is committed.
pub fn write_all(
    set: &ResultsSet,
    spec: &SweepSpec,
    report: &SweepReport,
    records: &[RunRecord],
    run_json: &str,
    scenario_text: &str,
) -> Result<Vec<PathBuf>, OutputError> {
    let json = sweep_json(report).map_err(|e| OutputError::input(e.to_string()))?;
    let mut files = vec![
        set.write("sweep.csv", sweep_csv(report).as_bytes())?,
        set.write("runs.csv", runs_csv(spec, records).as_bytes())?,
        set.write("sweep-run.json", run_json.as_bytes())?,
    ];
    let shown = |e: String| e.replace(&set.dir().display().to_string(), &set.target().display().to_string());
    let charts = render_sweep(set.dir(), report, records)
        .map_err(|e| OutputError::write(shown(format!("charts in {}: {e}", set.target().display()))))?;
    let page = write_sweep_report(set.dir(), report, &charts, scenario_text)
        .map_err(|e| OutputError::write(shown(format!("report.html in {}: {e}", set.target().display()))))?;
    files.extend(charts.iter().map(|c| set.final_path(c)));
    files.push(set.final_path(&page));
    files.push(set.write("sweep.json", json.as_bytes())?);
    Ok(files)
}

/// Whether a file name is a part file's: `part-K-of-N.json`.
pub fn is_part_name(name: &str) -> bool {
    name.strip_prefix("part-")
        .and_then(|r| r.strip_suffix(".json"))
        .and_then(|r| r.split_once("-of-"))
        .is_some_and(|(k, n)| k.parse::<u32>().is_ok() && n.parse::<u32>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_are_recognised() {
        assert!(is_part_name("part-2-of-3.json"));
        for n in ["part-2-of-3.json.tmp", "part-x-of-3.json", "sweep.json", "part-2.json"] {
            assert!(!is_part_name(n), "{n}");
        }
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        assert_eq!(num(Some(0.1)), "0.1");
        assert_eq!(num(Some(40.0)), "40.0");
        assert_eq!(num(None), "");
    }
}
