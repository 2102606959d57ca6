//! A run's results folder: the files a run writes into its set
//! (scenario.toml, CSVs, run.json, summary.json), the names it reserves,
//! the charts and report.html drawn after it, and the lines that say what
//! a folder holds or how an expectation went.

use super::failure::{input_error, Failure};
use edgesim::check::Verdict;
use edgesim::report;
use edgesim::report::outputs::{self, Previous, ResultsSet};
use edgesim::{Outcome, Prepared};
use std::path::{Path, PathBuf};

/// Writes one run's result files into its set: scenario.toml (a copy of
/// the file, for `plot`), the CSVs (timeseries, pops_timeseries, levels,
/// map_pops, catchments, regions, and incidents with `[[failure]]`),
/// run.json and summary.json. The set is swapped in whole later.
pub fn write_results(set: &ResultsSet, p: &Prepared, outcome: &Outcome, wall_s: f64) -> Result<(), Failure> {
    let summary = &outcome.summary;
    let json = serde_json::to_string_pretty(summary)
        .map_err(|e| input_error(format!("cannot encode summary.json: {e}")))?
        + "\n";
    set.write("scenario.toml", p.scenario.source.text.as_bytes())?;
    set.write("timeseries.csv", report::timeseries_csv(&outcome.result.recorder).as_bytes())?;
    let codes: Vec<String> = p.world.pops.iter().map(|pop| pop.code.clone()).collect();
    set.write("pops_timeseries.csv", report::pop_series_csv(&outcome.result.pop_series, &codes).as_bytes())?;
    set.write("levels.csv", report::levels_csv(&outcome.result.levels, &codes).as_bytes())?;
    set.write(report::MAP_POPS_CSV, report::map_pops_csv(&outcome.result, &p.world).as_bytes())?;
    set.write(report::CATCHMENTS_CSV, report::catchments_csv(&outcome.result, &p.world).as_bytes())?;
    set.write(report::REGIONS_CSV, report::regions_csv(&outcome.result).as_bytes())?;
    if let Some(csv) = report::charts::incidents_csv(&outcome.result, &p.world) {
        set.write(report::charts::INCIDENTS_CSV, csv.as_bytes())?;
    }
    set.write("run.json", run_json(summary, wall_s).as_bytes())?;
    set.write("summary.json", json.as_bytes())?;
    Ok(())
}

/// The names a run writes in its results folder (charts included).
pub fn run_file_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "scenario.toml",
        "timeseries.csv",
        "pops_timeseries.csv",
        "levels.csv",
        report::MAP_POPS_CSV,
        report::CATCHMENTS_CSV,
        report::REGIONS_CSV,
        report::charts::INCIDENTS_CSV,
        "run.json",
        "summary.json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    names.push("report.html".into());
    names.push(outputs::MARKER.into());
    for (stem, _) in report::html::CHARTS.iter().chain(&report::html::INCIDENT_CHARTS) {
        names.push(format!("{stem}.svg"));
        names.push(format!("{stem}.png"));
    }
    names
}

/// What a message says of a folder left as it was.
pub fn left_as_it_was(dir: &Path, previous: &Previous) -> String {
    format!("results left as they were in {}: {}", dir.display(), previous.describe())
}

/// `run.json`: the wall-clock figures that summary.json must not hold.
fn run_json(s: &report::Summary, wall_s: f64) -> String {
    let events_per_s = s.events_handled as f64 / wall_s.max(1e-9);
    let requests = s.requests.issued + s.requests.unfinished;
    let value = serde_json::json!({
        "scenario": s.scenario,
        "seed": s.seed,
        "edgesim_version": s.edgesim_version,
        "wall_s": wall_s,
        "events_handled": s.events_handled,
        "events_per_s": events_per_s,
        "requests_per_wall_s": requests as f64 / wall_s.max(1e-9),
        "sim_to_wall_ratio": s.sim_duration_s / wall_s.max(1e-9),
    });
    format!("{value:#}\n")
}

/// Draws the charts and report.html of a results folder; returns the
/// files. `shown` is how messages name the folder.
pub fn draw_charts(dir: &Path, shown: &Path, scenario_toml: &str) -> Result<Vec<PathBuf>, String> {
    let mut files = report::charts::render_all(dir).map_err(|e| format!("charts in {}: {e}", shown.display()))?;
    let html = report::html::write_report(dir, scenario_toml)
        .map_err(|e| format!("report.html in {}: {e}", shown.display()))?;
    files.push(html);
    Ok(files)
}

/// [`draw_charts`] after a run: a failure is a warning (the results are
/// written and `edgesim plot` can retry), not a verdict.
pub fn draw_after_run(set: &ResultsSet, scenario_toml: &str) {
    if let Err(e) = draw_charts(set.dir(), set.target(), scenario_toml) {
        let e = e.replace(&set.dir().display().to_string(), &set.target().display().to_string());
        errln!("warning: {e}; the results are written, `edgesim plot {}` retries", set.target().display());
    }
}

/// One expectation as the terminal shows it.
pub fn expectation_line(v: &Verdict) -> String {
    format!("  {}  {}  (observed {} vs {})", v.status.label(), v.text, v.observed_text, v.bound)
}
