//! `edgesim plot`: redraws the charts and report.html of a results folder
//! that `run` or `check` wrote, from its saved files, after checking the
//! folder is what edgesim left there.

use super::failure::{input_error, Failure, EXIT_OK};
use super::results::draw_charts;
use edgesim::report;
use edgesim::report::outputs::{self, ResultsSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The flags of `edgesim plot`.
#[derive(clap::Args)]
pub struct PlotArgs {
    /// A folder written by `run` or `check` (holds summary.json).
    results_dir: PathBuf,
}

/// Runs `edgesim plot`; prints the files it drew.
pub fn execute(a: PlotArgs) -> Result<u8, Failure> {
    plot(&a.results_dir)
}

/// Whether a file of a run's results folder is data that `plot` keeps
/// (not a chart or page it draws again).
fn is_run_data(name: &str) -> bool {
    !(name.ends_with(".svg") || name.ends_with(".png") || name == "report.html" || name == outputs::MARKER)
}

/// Checks a results folder for `plot`: its marker says `run` or `check`
/// wrote it, every data file is the one listed, summary.json has this
/// edgesim's layout. Returns the marker.
fn check_results_folder(dir: &Path) -> Result<outputs::Marker, Failure> {
    if !dir.is_dir() {
        return Err(input_error(format!("{}: no such results folder", dir.display())));
    }
    let marker = outputs::read_marker(dir).map_err(input_error)?.ok_or_else(|| {
        input_error(format!(
            "{}: not an edgesim results folder (no {}); give a folder that `edgesim run` or `edgesim check` wrote",
            dir.display(),
            outputs::MARKER
        ))
    })?;
    if marker.command != "run" && marker.command != "check" {
        return Err(input_error(format!(
            "{}: holds what `edgesim {}` wrote; plot redraws a folder of `edgesim run` or `edgesim check`",
            dir.display(),
            marker.command
        )));
    }
    for name in ["summary.json", "timeseries.csv"] {
        if marker.file(name).is_none() {
            return Err(input_error(format!(
                "{}: its {} lists no {name}; expected a run's results",
                dir.display(),
                outputs::MARKER
            )));
        }
    }
    for f in marker.files.iter().filter(|f| is_run_data(&f.name)) {
        outputs::verify_listed(dir, &marker, &f.name).map_err(input_error)?;
    }
    report::summary::read(&dir.join("summary.json")).map_err(|e| match e {
        report::summary::SummaryError::OtherVersion { .. } => input_error(format!("{e}; run the scenario again")),
        _ => input_error(format!("{e}; expected a run's summary")),
    })?;
    Ok(marker)
}

/// `plot`: redraws the charts and report.html into a fresh copy of the
/// folder's data and swaps it in, so that only charts it drew are shown.
fn plot(dir: &Path) -> Result<u8, Failure> {
    if let Some(note) = outputs::recover(dir) {
        errln!("note: {note}");
    }
    let marker = check_results_folder(dir)?;
    let listed = |n: &str| is_run_data(n) && marker.file(n).is_some();
    let set = ResultsSet::begin("results folder", dir, &marker.command, &marker.scenario, &listed)?;
    let scenario_toml = match fs::read_to_string(set.dir().join("scenario.toml")) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            errln!(
                "warning: {} holds no scenario.toml (an older run); the report will not show the scenario",
                dir.display()
            );
            String::new()
        }
        Err(e) => return Err(input_error(format!("{}: cannot read scenario.toml: {e}", dir.display()))),
    };
    let files = draw_charts(set.dir(), dir, &scenario_toml)
        .map_err(|e| input_error(e.replace(&set.dir().display().to_string(), &dir.display().to_string())))?;
    let files: Vec<PathBuf> = files.iter().map(|f| set.final_path(f)).collect();
    set.commit(&|| false)?;
    for f in files {
        outln!("{}", f.display());
    }
    Ok(EXIT_OK)
}
