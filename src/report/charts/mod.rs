//! Charts of a results folder, each as SVG and PNG: latency and success
//! ratio over time with every fault and its failover steps marked, arrivals
//! per PoP, offered and served load per client region, the degradation (or
//! shed) level, Durable Object migration steps, world maps of the PoPs
//! and of each fault's moved catchment, and for a run with failure
//! processes the availability per day, the incidents' RTO ECDF and the
//! PoP downtime by cause.
//!
//! Every text uses the DejaVu Sans font embedded in the binary, so a PNG
//! looks the same on any machine and needs no system font. Same inputs give
//! the same bytes.

mod draw;
mod incident_charts;
mod incidents;
mod input;
mod levels;
mod map;
mod migration;
mod regions;
#[cfg(test)]
mod tests;
mod time;
mod traffic;

pub(crate) use draw::{
    draw_header, draw_legend, font, font_colored, render, tick, Chart, Drawn, Swatch, GREY, GRID, HEADER_H, LEGEND_W,
    MARGIN, SERIES_COLORS, X_AREA,
};
pub(crate) use draw::{secs, step_label};
pub use incident_charts::{AVAILABILITY_TARGET, POP_RTO_TARGET_S, REGION_RTO_TARGET_S};
pub use incidents::{incidents_csv, pops_taken, CAUSES, INCIDENTS_CSV};
pub(crate) use input::ordered_steps;
pub use levels::LEVEL_NAMES;
pub use map::{fault_map_number, fault_map_stem};
pub use traffic::TRAFFIC_TOP;

use incident_charts::{AvailabilityChart, DowntimeChart, RtoChart};
use input::{read_buckets, read_levels, read_pop_ticks, RunInfo};
use levels::LevelsChart;
use migration::MigrationChart;
use plotters::style::FontStyle;
use regions::{read_regions, RegionsChart};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use time::{LatencyChart, SuccessChart};
use traffic::TrafficChart;

/// Width of every chart, px.
pub const WIDTH: u32 = 1200;
/// Height of every chart, px.
pub const HEIGHT: u32 = 500;
/// The font family of every text, registered from the embedded TTF.
pub const FONT: &str = "sans-serif";
/// Where the embedded font comes from (for error messages).
const FONT_PATH: &str = "assets/fonts/DejaVuSans.ttf";
/// DejaVu Sans (Bitstream Vera licence, see assets/fonts/).
const FONT_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Failover steps of a fault, in the order they normally happen.
pub const FAULT_STEPS: [&str; 10] = crate::metrics::faults::TIMELINE_STEPS;
/// Durable Object migration steps, in the order they normally happen.
pub const DO_STEPS: [&str; 8] = [
    "detected",
    "migration_started",
    "first_snapshot_restored",
    "all_snapshots_restored",
    "first_wal_replayed",
    "all_wal_replayed",
    "first_routing_updated",
    "all_routing_updated",
];

/// A chart that could not be made: the file at fault and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartError {
    /// The input or output file.
    pub file: PathBuf,
    /// What is wrong with it.
    pub message: String,
}

impl ChartError {
    fn new(file: &Path, message: impl Into<String>) -> Self {
        ChartError { file: file.to_path_buf(), message: message.into() }
    }
}

impl fmt::Display for ChartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.message)
    }
}

impl std::error::Error for ChartError {}

/// Reads the results folder and writes every chart it can draw, each as
/// `NAME.svg` and `NAME.png`: `latency`, `success`, `traffic` (when
/// `pops_timeseries.csv` exists), `load-by-region` (when `regions.csv`
/// exists), `levels` (from `levels.csv`, else from the
/// PoPs' shed levels), `object_rto` (when a fault moved Durable Objects),
/// `map` (when `map_pops.csv` exists), `map-fault-N` (per fault with
/// rows in `catchments.csv`), and `availability-by-day`, `incident-rto`
/// and `downtime-by-cause` (when [`INCIDENTS_CSV`] exists: a run with
/// `[[failure]]`).
/// Returns the files written, in that order.
pub fn render_all(results_dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
    register_font()?;
    let run = RunInfo::read(&results_dir.join("summary.json"))?;
    let buckets = read_buckets(&results_dir.join("timeseries.csv"))?;
    let pops_path = results_dir.join("pops_timeseries.csv");
    let pops = if pops_path.exists() { Some(read_pop_ticks(&pops_path)?) } else { None };
    let levels_path = results_dir.join("levels.csv");
    let levels = if levels_path.exists() { Some(read_levels(&levels_path)?) } else { None };
    let mut written = Vec::new();
    render(results_dir, "latency", &LatencyChart { run: &run, buckets: &buckets }, &mut written)?;
    render(results_dir, "success", &SuccessChart { run: &run, buckets: &buckets }, &mut written)?;
    if let Some(ticks) = &pops {
        render(results_dir, "traffic", &TrafficChart { run: &run, ticks }, &mut written)?;
    }
    let regions_path = results_dir.join(crate::report::regions_csv::REGIONS_CSV);
    if regions_path.exists() {
        let rows = read_regions(&regions_path)?;
        render(results_dir, "load-by-region", &RegionsChart { run: &run, rows: &rows }, &mut written)?;
    }
    if let Some(chart) = LevelsChart::new(&run, levels.as_deref(), pops.as_deref()) {
        render(results_dir, "levels", &chart, &mut written)?;
    }
    if run.faults.iter().any(|f| f.durable.is_some()) {
        render(results_dir, "object_rto", &MigrationChart { run: &run }, &mut written)?;
    }
    map::render_maps(results_dir, &run, &mut written)?;
    render_incidents(results_dir, &run, &mut written)?;
    Ok(written)
}

/// The three incident charts, when the folder has [`INCIDENTS_CSV`].
fn render_incidents(dir: &Path, run: &RunInfo, written: &mut Vec<PathBuf>) -> Result<(), ChartError> {
    let path = dir.join(INCIDENTS_CSV);
    if !path.exists() {
        return Ok(());
    }
    let rows = incidents::read_incidents(&path)?;
    let days = run.availability_by_day.clone().unwrap_or_default();
    render(
        dir,
        "availability-by-day",
        &AvailabilityChart {
            run,
            days: &days,
            rows: &rows,
            target: run.availability_target.unwrap_or(AVAILABILITY_TARGET),
        },
        written,
    )?;
    render(dir, "incident-rto", &RtoChart { run, rows: &rows }, written)?;
    render(dir, "downtime-by-cause", &DowntimeChart { run, rows: &rows }, written)
}

pub(crate) fn register_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, FONT_TTF).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ChartError::new(Path::new(FONT_PATH), "the embedded font does not parse"))
    }
}
