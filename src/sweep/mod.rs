//! Sweeps: many replications of a scenario, over a grid of parameter values.
//!
//! One run is one sample. A sweep runs every point of a grid (the cartesian
//! product of `--set path=v1,v2,...` axes over the scenario's TOML document,
//! see [`grid`]) `seeds` times, on a rayon thread pool, and aggregates each
//! measure ([`measures`]) per point: mean with a Student's t interval,
//! percentiles with distribution-free intervals ([`stats`]), and the pass
//! rate of every expectation.
//!
//! Replication `r` of point `P` runs with the seed
//! `derive_seed(master_seed, "<label of P>/<r>")`
//! ([`crate::engine::rng::derive_seed`]), where the label is the canonical
//! `path=value,...` of the point. A point's runs therefore do not depend on
//! the rest of the grid, on the thread count or on sharding, and each is
//! replayed by `edgesim run FILE --seed S` with the point's values set in
//! the file.
//!
//! ```no_run
//! use edgesim::sweep::{self, RunOptions, Settings};
//! let settings = Settings { seeds: 20, sets: vec!["pops.LAX.servers=8,12".into()], ..Settings::default() };
//! let plan = sweep::load_plan(std::path::Path::new("scenarios/pop-failure.toml"), &settings).unwrap();
//! let ran = sweep::run(&plan, &RunOptions::default()).unwrap();
//! let report = sweep::report(&plan.spec, &ran.records).unwrap();
//! println!("{}", report.points[0].measures["availability"].mean);
//! ```

pub mod charts;
mod exec;
pub mod grid;
pub mod measures;
pub mod output;
pub mod page;
pub mod shard;
pub mod stats;

pub use exec::{run, Ran, RunOptions};
pub use grid::{Axis, Point};
pub use shard::Shard;

use crate::scenario::{self, ScenarioError};
use crate::Prepared;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Version of the sweep.json and part file layouts; bumped on any
/// incompatible change.
pub const SWEEP_SCHEMA_VERSION: u32 = 1;

/// At most this many seeds are listed for failing or errored replications
/// (the count is always given).
pub const LISTED_SEEDS: usize = 20;

/// How replication seeds are derived, as sweep.json states it.
pub const SEED_RULE: &str = "derive_seed(master_seed, \"<point label>/<replication>\")";

/// Why a sweep or a merge could not go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepError {
    /// Bad input: a scenario, a `--set`, a flag, a part file, an output path.
    Input(String),
    /// Stopped by the caller's stop flag (Ctrl-C); nothing was written.
    Interrupted(String),
}

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SweepError::Input(m) | SweepError::Interrupted(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for SweepError {}

impl From<grid::SetError> for SweepError {
    fn from(e: grid::SetError) -> Self {
        SweepError::Input(e.to_string())
    }
}

/// What defines a sweep's results: two sweeps (or shards) with equal specs
/// run the same jobs with the same seeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepSpec {
    /// The scenario file, as given.
    pub scenario_file: String,
    /// The scenario's name.
    pub scenario_name: String,
    /// FNV-1a 64 of the scenario file's bytes, 16 hex digits.
    pub scenario_hash: String,
    /// The master seed replication seeds derive from (the scenario's, or `--seed`).
    pub master_seed: u64,
    /// Replications per grid point.
    pub seeds: u32,
    /// The grid axes, in `--set` order.
    pub axes: Vec<Axis>,
    /// A run that handles more events than this is an error (`--max-events`).
    pub max_events: Option<u64>,
}

impl SweepSpec {
    /// The grid points, in job order.
    pub fn points(&self) -> Vec<Point> {
        grid::points(&self.axes)
    }

    /// Jobs in the whole sweep: points x seeds.
    pub fn jobs(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product::<usize>() * self.seeds as usize
    }

    /// The point and replication of job `job` (`job = point * seeds + replication`).
    pub fn job(&self, job: usize) -> (usize, u32) {
        let seeds = self.seeds.max(1) as usize;
        (job / seeds, (job % seeds) as u32)
    }

    /// The seed of replication `replication` of the point labelled `label`.
    pub fn seed(&self, label: &str, replication: u32) -> u64 {
        crate::engine::rng::derive_seed(self.master_seed, &format!("{label}/{replication}"))
    }
}

/// FNV-1a 64 of some bytes, as 16 hex digits: names a scenario text so that
/// part files can be checked to come from one sweep.
pub fn text_hash(bytes: &[u8]) -> String {
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("{h:016x}")
}

/// A sweep's flags, before the scenario is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Replications per grid point (at least 1).
    pub seeds: u32,
    /// The `--set path=v1,v2,...` flags, without `--set`, in order.
    pub sets: Vec<String>,
    /// Replaces the scenario's master seed.
    pub master_seed: Option<u64>,
    /// `--max-events`.
    pub max_events: Option<u64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { seeds: 100, sets: Vec::new(), master_seed: None, max_events: None }
    }
}

/// A sweep ready to run: its spec, its points and each point's prepared
/// scenario (every point is validated before anything runs).
#[derive(Debug, Clone)]
pub struct Plan {
    /// What defines the results.
    pub spec: SweepSpec,
    /// The scenario file's text.
    pub scenario_text: String,
    /// The grid points, in job order.
    pub points: Vec<Point>,
    /// Each point's scenario, resolved (seed not yet set).
    prepared: Vec<Prepared>,
}

impl Plan {
    /// The prepared scenario of point `i` (its seed is the master seed).
    pub fn prepared(&self, i: usize) -> Option<&Prepared> {
        self.prepared.get(i)
    }
}

/// Reads the scenario at `path` and plans the sweep ([`plan`]).
pub fn load_plan(path: &Path, settings: &Settings) -> Result<Plan, SweepError> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| SweepError::Input(format!("{label}: cannot read the scenario file: {e}")))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    plan(&label, &text, dir, settings)
}

/// Plans a sweep of the scenario `text` (named `file` in messages, relative
/// paths in it resolving against `dir`): parses the `--set` flags, builds
/// every grid point's scenario and resolves it. A bad scenario is an error
/// naming the file; a bad `--set` or a grid point the scenario rejects is
/// an error naming the `--set` that caused it and what was expected.
pub fn plan(file: &str, text: &str, dir: PathBuf, settings: &Settings) -> Result<Plan, SweepError> {
    if settings.seeds == 0 {
        return Err(SweepError::Input("--seeds 0: expected at least 1 replication per grid point".into()));
    }
    if settings.max_events == Some(0) {
        return Err(SweepError::Input("--max-events 0: expected at least 1 event per run".into()));
    }
    let input = |e: ScenarioError| SweepError::Input(e.to_string());
    let base = scenario::parse(file, text, dir.clone()).map_err(input)?;
    let name = base.name().to_string();
    let master_seed = settings.master_seed.unwrap_or(base.seed());
    let base_prepared = crate::prepare(base).map_err(input)?;
    let mut axes = Vec::with_capacity(settings.sets.len());
    for raw in &settings.sets {
        axes.push(grid::parse_set(raw)?);
    }
    grid::check_axes(&axes)?;
    let spec = SweepSpec {
        scenario_file: file.to_string(),
        scenario_name: name,
        scenario_hash: text_hash(text.as_bytes()),
        master_seed,
        seeds: settings.seeds,
        axes,
        max_events: settings.max_events,
    };
    let points = spec.points();
    let mut prepared = Vec::with_capacity(points.len());
    if spec.axes.is_empty() {
        prepared.push(base_prepared);
    } else {
        let doc: toml::Table = text.parse().map_err(|e| SweepError::Input(format!("{file}: {e}")))?;
        for point in &points {
            prepared.push(prepare_point(file, &doc, &dir, &spec, point)?);
        }
    }
    Ok(Plan { spec, scenario_text: text.to_string(), points, prepared })
}

/// The scenario of one grid point, or why it cannot be: the `--set` that
/// alone makes the scenario invalid, else the combination of the point.
fn prepare_point(
    file: &str,
    doc: &toml::Table,
    dir: &Path,
    spec: &SweepSpec,
    point: &Point,
) -> Result<Prepared, SweepError> {
    let flag_of = |path: &str| spec.axes.iter().find(|a| a.path == path).map(Axis::flag).unwrap_or_default();
    match edit_and_prepare(file, doc, dir, &point.settings) {
        Ok(p) => Ok(p),
        Err(whole) => {
            let at = if point.settings.len() > 1 { format!(" (grid point {})", point.label()) } else { String::new() };
            for (path, value) in &point.settings {
                if let Err(alone) = edit_and_prepare(file, doc, dir, &[(path.clone(), value.clone())]) {
                    return Err(SweepError::Input(format!("{}: the value {value}{at}: {alone}", flag_of(path))));
                }
            }
            let flags: Vec<String> = spec.axes.iter().map(Axis::flag).collect();
            Err(SweepError::Input(format!(
                "{}: the grid point {} makes the scenario invalid (each value alone is accepted): {whole}",
                flags.join(" "),
                point.label()
            )))
        }
    }
}

/// Sets each `(path, value)` in a copy of `doc`, re-serialises it and
/// parses and resolves the result; the error is a sentence for a `--set`.
fn edit_and_prepare(
    file: &str,
    doc: &toml::Table,
    dir: &Path,
    settings: &[(String, String)],
) -> Result<Prepared, String> {
    let mut edited = doc.clone();
    for (path, value) in settings {
        grid::set_path(&mut edited, path, value).map_err(|e| format!("cannot set {path}: {e}"))?;
    }
    let text = toml::to_string(&edited).map_err(|e| format!("cannot write the edited scenario: {e}"))?;
    let label =
        format!("{file} with {}", settings.iter().map(|(p, v)| format!("{p}={v}")).collect::<Vec<_>>().join(","));
    let located = |e: ScenarioError| {
        let at = e.position.and_then(|(line, _)| text.lines().nth(line - 1)).map(str::trim);
        match at {
            Some(line) if !line.is_empty() => format!("{} (at `{line}` in the edited scenario)", e.message),
            _ => e.message,
        }
    };
    let s = scenario::parse(&label, &text, dir.to_path_buf()).map_err(located)?;
    crate::prepare(s).map_err(located)
}

/// One run of a sweep, reduced to what the aggregates need.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// The grid point's index.
    pub point: usize,
    /// The replication's index within the point, from 0.
    pub replication: u32,
    /// The run's seed.
    pub seed: u64,
    /// The measures read off its summary ([`measures`]).
    pub measures: BTreeMap<String, f64>,
    /// Each expectation's text and status (`pass`, `fail`, `inconclusive`), in file order.
    pub expectations: Vec<(String, String)>,
    /// Why the run gave no summary (`exceeded --max-events N`, a panic...).
    pub error: Option<String>,
}

/// Seeds of some replications: how many, and the first [`LISTED_SEEDS`].
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct SeedList {
    /// Replications.
    pub count: usize,
    /// The first seeds, in replication order.
    pub seeds: Vec<u64>,
}

impl SeedList {
    fn push(&mut self, seed: u64) {
        self.count += 1;
        if self.seeds.len() < LISTED_SEEDS {
            self.seeds.push(seed);
        }
    }
}

/// Replications of a point that gave no summary.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Errors {
    /// Their count and first seeds.
    #[serde(flatten)]
    pub seeds: SeedList,
    /// Each distinct error message and how many replications gave it.
    pub messages: BTreeMap<String, usize>,
}

/// An expectation over a point's replications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectationRate {
    /// The expectation as written.
    pub text: String,
    /// Replications that judged it (those that ran).
    pub runs: usize,
    /// Of those, passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Inconclusive.
    pub inconclusive: usize,
    /// `passed / runs` (null when no replication ran).
    pub pass_rate: Option<f64>,
    /// The replications where it did not pass (failed or inconclusive).
    pub not_passed: SeedList,
}

/// One `--set` value of a point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetValue {
    /// The path.
    pub path: String,
    /// The value (canonical).
    pub value: String,
}

/// One grid point's aggregates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointReport {
    /// Position in the grid.
    pub index: usize,
    /// Canonical label (`path=value,...`), part of every replication's seed label.
    pub label: String,
    /// Its `--set` values, in axis order.
    pub set: Vec<SetValue>,
    /// Replications run (with or without a summary).
    pub runs: usize,
    /// Replications that gave no summary.
    pub errors: Errors,
    /// How to replay replication seed `SEED` of this point.
    pub replay: String,
    /// Per measure, over the replications that gave it.
    pub measures: BTreeMap<String, stats::MeasureStats>,
    /// Per expectation, in file order.
    pub expectations: Vec<ExpectationRate>,
}

/// The scenario a sweep ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScenarioRef {
    /// Its name.
    pub name: String,
    /// The file, as given.
    pub file: String,
    /// FNV-1a 64 of the file's bytes.
    pub text_hash: String,
}

/// sweep.json: the deterministic record of a sweep (no wall-clock figure;
/// those are in sweep-run.json).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepReport {
    /// Layout version ([`SWEEP_SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The edgesim version that ran it.
    pub edgesim_version: &'static str,
    /// The scenario.
    pub scenario: ScenarioRef,
    /// The master seed.
    pub master_seed: u64,
    /// Replications per grid point.
    pub seeds_per_point: u32,
    /// How each replication's seed is derived ([`SEED_RULE`]).
    pub seed_rule: &'static str,
    /// `--max-events`, if set.
    pub max_events: Option<u64>,
    /// Confidence level of every interval.
    pub confidence: f64,
    /// The grid axes, in `--set` order.
    pub axes: Vec<Axis>,
    /// Runs in the sweep.
    pub runs: usize,
    /// Of those, runs that gave no summary.
    pub errors: usize,
    /// Per grid point, in grid order.
    pub points: Vec<PointReport>,
}

/// The replay command of a point, with `SEED` standing for the seed.
pub fn replay_command(spec: &SweepSpec, point: &Point) -> String {
    let base = format!("edgesim run {} --seed SEED", spec.scenario_file);
    if point.settings.is_empty() {
        base
    } else {
        let set: Vec<String> = point.settings.iter().map(|(p, v)| format!("{p} = {v}")).collect();
        format!("{base}, with {} set in the file", set.join(", "))
    }
}

/// Aggregates every run of a sweep: `records` must hold every job, in job
/// order (as [`run`] gives them unsharded, or [`shard::merge`] reassembles
/// them). Depends on nothing but its inputs, so equal records give equal
/// reports.
pub fn report(spec: &SweepSpec, records: &[RunRecord]) -> Result<SweepReport, SweepError> {
    if records.len() != spec.jobs() {
        return Err(SweepError::Input(format!(
            "the sweep has {} runs but {} records were given",
            spec.jobs(),
            records.len()
        )));
    }
    let seeds = spec.seeds as usize;
    let mut points = Vec::new();
    for (point, chunk) in spec.points().iter().zip(records.chunks(seeds.max(1))) {
        points.push(point_report(spec, point, chunk)?);
    }
    Ok(SweepReport {
        schema_version: SWEEP_SCHEMA_VERSION,
        edgesim_version: env!("CARGO_PKG_VERSION"),
        scenario: ScenarioRef {
            name: spec.scenario_name.clone(),
            file: spec.scenario_file.clone(),
            text_hash: spec.scenario_hash.clone(),
        },
        master_seed: spec.master_seed,
        seeds_per_point: spec.seeds,
        seed_rule: SEED_RULE,
        max_events: spec.max_events,
        confidence: stats::CONFIDENCE,
        axes: spec.axes.clone(),
        runs: records.len(),
        errors: records.iter().filter(|r| r.error.is_some()).count(),
        points,
    })
}

fn point_report(spec: &SweepSpec, point: &Point, records: &[RunRecord]) -> Result<PointReport, SweepError> {
    let mut errors = Errors::default();
    let mut values: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut rates: Vec<ExpectationRate> = Vec::new();
    let mut ran = 0;
    for (r, rec) in records.iter().enumerate() {
        if rec.point != point.index || rec.replication as usize != r {
            return Err(SweepError::Input(format!(
                "record of point {} replication {} found where point {} replication {r} belongs",
                rec.point, rec.replication, point.index
            )));
        }
        if let Some(e) = &rec.error {
            errors.seeds.push(rec.seed);
            *errors.messages.entry(e.clone()).or_default() += 1;
            continue;
        }
        ran += 1;
        for (name, v) in &rec.measures {
            values.entry(name).or_default().push(*v);
        }
        for (i, (text, status)) in rec.expectations.iter().enumerate() {
            if rates.len() <= i {
                rates.push(ExpectationRate {
                    text: text.clone(),
                    runs: 0,
                    passed: 0,
                    failed: 0,
                    inconclusive: 0,
                    pass_rate: None,
                    not_passed: SeedList::default(),
                });
            }
            let rate = &mut rates[i];
            rate.runs += 1;
            match status.as_str() {
                "pass" => rate.passed += 1,
                "fail" => rate.failed += 1,
                _ => rate.inconclusive += 1,
            }
            if status != "pass" {
                rate.not_passed.push(rec.seed);
            }
        }
    }
    for rate in &mut rates {
        rate.pass_rate = (rate.runs > 0).then(|| rate.passed as f64 / rate.runs as f64);
    }
    let measures = values
        .into_iter()
        .filter_map(|(name, v)| stats::describe(&v, ran - v.len()).map(|s| (name.to_string(), s)))
        .collect();
    Ok(PointReport {
        index: point.index,
        label: point.label(),
        set: point.settings.iter().map(|(p, v)| SetValue { path: p.clone(), value: v.clone() }).collect(),
        runs: records.len(),
        errors,
        replay: replay_command(spec, point),
        measures,
        expectations: rates,
    })
}
