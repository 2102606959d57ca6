//! Helpers shared by every module of the integration-test binary: the
//! `edgesim` binary and a runner for it, fresh temporary folders, paths
//! from the crate root, the shipped scenarios, and prepare-and-run of a
//! scenario in process (parse or load, [`edgesim::prepare`],
//! [`edgesim::simulate`]). A helper two test files would both write
//! belongs here.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `edgesim` binary cargo built for these tests, started in the crate
/// root so that relative paths (`tests/bad/...`, `scenarios/...`) resolve.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_edgesim"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Runs `edgesim ARGS` to the end and returns its exit status and output.
pub fn edgesim<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    bin().args(args).output().expect("the edgesim binary starts")
}

/// The exit code (-1 when killed by a signal) and stderr of `edgesim ARGS`.
pub fn edgesim_code<I, S>(args: I) -> (i32, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let o = edgesim(args);
    (o.status.code().unwrap_or(-1), stderr(&o))
}

/// A command's stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A command's stdout then stderr, as text.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A path as `&str`, for argument lists (test paths are UTF-8).
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `rel` under the crate root (where Cargo.toml is).
pub fn crate_path(rel: impl AsRef<Path>) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The shipped scenario `file` under scenarios/.
pub fn scenario_path(file: &str) -> PathBuf {
    crate_path("scenarios").join(file)
}

/// tests/data/tiny.toml, the smallest complete scenario.
pub fn tiny_scenario() -> PathBuf {
    crate_path("tests/data/tiny.toml")
}

/// Every shipped scenario file: scenarios/*.toml then
/// scenarios/validation/*.toml, each folder sorted by name.
pub fn shipped_scenarios() -> Vec<PathBuf> {
    let mut all = Vec::new();
    for dir in ["scenarios", "scenarios/validation"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(crate_path(dir))
            .expect("the scenarios folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        all.extend(files);
    }
    all
}

/// Whether `path` is one of the long shipped runs: the seed's scaling
/// stages (scenarios/stage-*.toml: 5M and 50M rps for an hour) and the
/// 24-hour day-in-the-life.toml, all at the flow fidelity, seconds a run in
/// a release build, and the year of year-of-operations.toml (about 50 s in
/// a release build). The fuzzer, which runs hundreds of mutated files with
/// the test build under a per-command time limit, leaves them out.
pub fn is_long_scenario(path: &Path) -> bool {
    path.file_name()
        .and_then(OsStr::to_str)
        .is_some_and(|n| n.starts_with("stage-") || n == "day-in-the-life.toml" || n == YEAR_SCENARIO)
}

/// The year-long shipped scenario: too long for the test build (CI checks
/// it with the release build, `edgesim check scenarios/`).
pub const YEAR_SCENARIO: &str = "year-of-operations.toml";

/// An empty folder for one test: named by the calling test file, the
/// process and `tag`, so tests running side by side never share one (a
/// tag need only be unique within its file).
#[track_caller]
pub fn temp_dir(tag: &str) -> PathBuf {
    let caller = Path::new(std::panic::Location::caller().file());
    let file = caller.file_stem().and_then(OsStr::to_str).unwrap_or("test");
    let d = std::env::temp_dir().join(format!("edgesim-{file}-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Writes scenario `text` as `dir/name.toml` and returns its path.
pub fn write_scenario(dir: &Path, name: &str, text: &str) -> PathBuf {
    let f = dir.join(format!("{name}.toml"));
    std::fs::write(&f, text).expect("write scenario");
    f
}

/// Reads a JSON file (summary.json, a marker...).
pub fn read_json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Parses and prepares scenario `toml` (a valid scenario; relative paths
/// in it resolve from the current folder).
pub fn prepare_text(toml: &str) -> edgesim::Prepared {
    let s = edgesim::scenario::parse("test.toml", toml, ".".into()).expect("a valid scenario");
    edgesim::prepare(s).expect("the scenario resolves")
}

/// Loads and prepares the scenario file at `path`.
pub fn prepare_file(path: &Path) -> edgesim::Prepared {
    let s = edgesim::scenario::load(path).expect("the scenario file loads");
    edgesim::prepare(s).expect("the scenario resolves")
}

/// Runs a prepared scenario in process, without interruption.
pub fn simulate(p: &edgesim::Prepared) -> edgesim::Outcome {
    edgesim::simulate(p, None).expect("the run finishes")
}

/// Parses, prepares and runs scenario `toml` in process.
pub fn run_scenario(toml: &str) -> edgesim::Outcome {
    simulate(&prepare_text(toml))
}

/// Loads, prepares and runs the scenario file at `path` in process.
pub fn run_file(path: &Path) -> edgesim::Outcome {
    simulate(&prepare_file(path))
}

/// Runs the shipped scenario `file` (under scenarios/) in process.
pub fn run_shipped(file: &str) -> edgesim::Outcome {
    run_file(&scenario_path(file))
}

/// A run's summary as JSON: what summary.json would hold.
pub fn summary_json(out: &edgesim::Outcome) -> serde_json::Value {
    serde_json::to_value(&out.summary).expect("the summary serialises")
}

/// One PoP of 100 exponential servers (10 ms) at 8,000 rps, a pure queue (no
/// shedding, no timeout, no retry), degraded to half its servers from 60 s
/// to 80 s, with room for `limit` waiting: the fluid model's test case
/// (tests/queueing_oracle.rs at the request level, tests/flow.rs at the flow level).
pub fn fluid_burst(limit: u64) -> String {
    format!(
        r#"
[scenario]
name = "fluid-burst"
seed = 11
duration = "130s"

[topology]
catalog = "none"

[[topology.pop]]
code = "LAB"
city = "Laboratory"
region = "NA"
lat = 0.0
lon = 0.0

[network]
last_mile = "0s"

[traffic]
rps = 8000
classes = {{ p1 = 1.0 }}

[[traffic.site]]
name = "lab-clients"
near = "LAB"

[overload]
shed_cpu = 1.0
spillover_threshold = 1.0
tick = "1s"

[client]
timeout = "1h"
retry = {{ policy = "none" }}

[pops.LAB]
servers = 100
service = {{ dist = "exponential", mean = "10ms" }}
queue_limit = {limit}

[[fault]]
kind = "pop-degraded"
pop = "LAB"
capacity = 0.5
at = "60s"
for = "20s"
"#
    )
}

/// The default daily demand shape computed by hand (not with
/// `edgesim::workload`): half-cosines from the trough (multiplier
/// 2 / (1 + ratio)) to the peak (ratio times that), mean 1; hours local.
pub fn shape(local_h: f64, peak: f64, trough: f64, ratio: f64) -> f64 {
    let low = 2.0 / (1.0 + ratio);
    let high = ratio * low;
    let rise = (peak - trough).rem_euclid(24.0);
    let since = (local_h - trough).rem_euclid(24.0);
    let x = if since <= rise { since / rise } else { 1.0 - (since - rise) / (24.0 - rise) };
    low + (high - low) * (1.0 - (std::f64::consts::PI * x).cos()) / 2.0
}

/// Four NA PoPs (IAD, ORD, DFW, ATL) for two days at the flow fidelity:
/// one class at `rps`, `servers` exponential 2 ms servers per PoP, 10 s
/// control periods, 1 h buckets; `tail` adds tables (`[[failure]]`,
/// `[[fault]]`, `[[expect]]`). The failure-process tests' common base.
pub fn four_pops_two_days(name: &str, seed: u64, rps: u32, servers: u32, tail: &str) -> String {
    format!(
        "[scenario]\nname = \"{name}\"\nseed = {seed}\nduration = \"2d\"\nfidelity = \"flow\"\n\
         [topology]\npops = [\"IAD\", \"ORD\", \"DFW\", \"ATL\"]\n\
         [traffic]\nrps = {rps}\nclasses = {{ p1 = 1.0 }}\n\
         [pops.default]\nservers = {servers}\nservice = {{ dist = \"exponential\", mean = \"2ms\" }}\n\
         [overload]\ntick = \"10s\"\n[metrics]\nbucket = \"1h\"\n{tail}\n"
    )
}
