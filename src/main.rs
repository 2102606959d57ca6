//! The `edgesim` command line. Every command calls the library.

use clap::{Parser, Subcommand};
use edgesim::check::baseline::{self, Tolerance};
use edgesim::check::verdict::{CheckReport, ScenarioVerdict};
use edgesim::check::{junit, Status, Verdict};
use edgesim::engine::{SimDuration, SimTime};
use edgesim::report::outputs::{self, Committed, OutputError, OutputsPlan, Previous, ResultsSet};
use edgesim::report::{self, files::write_atomic, files::AtomicFile};
use edgesim::world::catalog::{self, Region};
use edgesim::{Outcome, Prepared};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Exit code: every expectation holds.
const EXIT_OK: u8 = 0;
/// Exit code: an expectation failed (or a baseline drifted).
const EXIT_FAILED: u8 = 1;
/// Exit code: invalid input or usage.
const EXIT_INPUT: u8 = 2;
/// Exit code: an output could not be written (disk full, permission denied, or stdout closed).
const EXIT_OUTPUT: u8 = outputs::EXIT_OUTPUT;
/// Exit code: stopped by Ctrl-C (SIGINT), 128 + 2 as shells report it.
const EXIT_INTERRUPTED: u8 = 130;

/// `println!` that never panics: stdout goes through [`outputs::print`],
/// which records its first error (a closed pipe, a full disk).
macro_rules! outln {
    () => {
        outputs::print("\n")
    };
    ($($t:tt)*) => {
        outputs::print(&format!("{}\n", format_args!($($t)*)))
    };
}

/// `print!` that never panics (see [`outln`]).
macro_rules! out {
    ($($t:tt)*) => {
        outputs::print(&format!($($t)*))
    };
}

/// `eprintln!` that never panics (a closed stderr is ignored).
macro_rules! errln {
    ($($t:tt)*) => {
        outputs::eprint(&format!("{}\n", format_args!($($t)*)))
    };
}

/// Set by Ctrl-C; the running simulation's observer sees it and stops.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Runs shorter than this (wall time) draw no progress bar.
const PROGRESS_AFTER: Duration = Duration::from_secs(1);

#[derive(Parser)]
#[command(
    name = "edgesim",
    version,
    about = "A deterministic discrete-event simulator of a global edge network",
    after_help = "Exit codes: 0 every expectation holds; 1 an expectation failed; 2 invalid input or usage; 3 an \
                  output could not be written (disk full, permission denied, stdout closed); 130 interrupted by \
                  Ctrl-C.\n\nA results folder is replaced as a whole: after a kill, Ctrl-C or full disk it holds \
                  the previous run or the new one, never a mix.\n\nExamples:\n  edgesim run scenarios/single-pop.toml\n  edgesim check \
                  scenarios/ --junit junit.xml"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one scenario, print a table, write results/<name>/ (summary.json, CSVs, charts, report.html).
    #[command(
        after_help = "Exit codes: 0 every expectation holds; 1 one failed or was inconclusive; 2 invalid input or \
                      usage; 3 an output could not be written (results left as they were); 130 interrupted by Ctrl-C \
                      (results left as they were, or complete: the message says which).\n\nExample:\n  \
                      edgesim run scenarios/single-pop.toml --seed 7 --out /tmp/sp --trace /tmp/sp/events.jsonl"
    )]
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Replace the scenario's master seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Where to write results [default: results/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write every handled event as one JSON line to this file.
        #[arg(long)]
        trace: Option<PathBuf>,
        /// Print only the trace hash (for CI), nothing else.
        #[arg(long)]
        trace_hash: bool,
        /// Exit 0 even when an expectation is inconclusive (too few samples).
        #[arg(long)]
        allow_inconclusive: bool,
        /// Do not draw charts or report.html.
        #[arg(long)]
        no_charts: bool,
        /// Print only errors (and no progress bar).
        #[arg(long, short)]
        quiet: bool,
        /// Refuse a run estimated past N events, stop one that gets there [default: 1e8].
        #[arg(long, value_name = "N")]
        max_events: Option<u64>,
        /// Refuse a run estimated to need more than this memory, MiB [default: 1024].
        #[arg(long, value_name = "MIB")]
        max_memory: Option<u64>,
    },
    /// Run scenarios and judge their expectations, for CI (JUnit XML, a JSON verdict, baselines).
    #[command(after_help = "A FOLDER stands for every *.toml under it (recursively, sorted by path). Every file is \
                      parsed before any runs: one bad file is exit 2 and nothing runs. Each run writes \
                      <out>/<scenario name>/.\n\nExit codes: 0 every expectation holds; 1 one failed, was \
                      inconclusive (unless --allow-inconclusive) or a baseline drifted; 2 invalid input or usage \
                      (a bad scenario, flag or path, a missing baseline); 3 an output could not be written (disk full, \
                      stdout closed: every scenario still runs and the JUnit and JSON are written); 130 interrupted \
                      by Ctrl-C.\n\nExamples:\n  \
                      edgesim check scenarios/ --junit junit.xml --json verdict.json\n  edgesim check \
                      scenarios/pop-failure.toml --baseline baselines --tolerance-abs 2s --tolerance-rel 0.05")]
    Check(CheckArgs),
    /// Run scenarios and store each summary as DIR/<scenario name>.json, for `check --baseline DIR`.
    #[command(
        after_help = "Exit codes: 0 every baseline stored (whatever the expectations say: `check` judges them); \
                      2 invalid input or usage; 3 an output could not be written; 130 interrupted by Ctrl-C (the \
                      folder's baselines are left as they were: they are replaced together).\n\n\
                      Example:\n  edgesim baseline scenarios/ --out baselines"
    )]
    Baseline {
        /// Scenario files or folders of them.
        #[arg(required = true, value_name = "SCENARIO|DIR")]
        scenarios: Vec<PathBuf>,
        /// The folder to store the baselines in.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Replace every scenario's master seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Print only errors (and no progress bar).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Redraw the charts and report.html of a results folder from its saved files.
    #[command(
        after_help = "Exit codes: 0 drawn; 2 not a results folder, or its files are not the ones edgesim wrote there; 3 \
                      the charts could not be written.\n\nExample:\n  \
                            edgesim plot results/pop-failure"
    )]
    Plot {
        /// A folder written by `run` or `check` (holds summary.json).
        results_dir: PathBuf,
    },
    /// Run a scenario over many seeds and a grid of parameter values, on all cores.
    Sweep(edgesim::sweep::cli::SweepArgs),
    /// Combine the parts of a sharded sweep into what the whole sweep gives.
    Merge(edgesim::sweep::cli::MergeArgs),
    /// Check scenario files without running them.
    #[command(after_help = "Example:\n  edgesim validate scenarios/*.toml scenarios/validation/*.toml")]
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// List the built-in PoP catalog.
    #[command(after_help = "Example:\n  edgesim catalog --region EU --format csv")]
    Catalog {
        /// Only this region: NA, EU, APAC or ROW.
        #[arg(long)]
        region: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: CatalogFormat,
    },
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Scenario files or folders of them.
    #[arg(required = true, value_name = "SCENARIO|DIR")]
    scenarios: Vec<PathBuf>,
    /// Write JUnit XML here (one testsuite per scenario, one testcase per expectation).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the verdicts as JSON here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Results go to DIR/<scenario name>/.
    #[arg(long, value_name = "DIR", default_value = "results")]
    out: PathBuf,
    /// Inconclusive expectations (too few samples) do not fail the check.
    #[arg(long)]
    allow_inconclusive: bool,
    /// Compare each run with DIR/<scenario name>.json (made by `edgesim baseline`); drift fails.
    #[arg(long, value_name = "DIR")]
    baseline: Option<PathBuf>,
    /// Largest drift of a time (timeline step, RTO, RPO) [default: 1s].
    #[arg(long, value_name = "DUR", requires = "baseline", value_parser = parse_tolerance_abs)]
    tolerance_abs: Option<f64>,
    /// Largest drift of a latency percentile, a fraction of the baseline [default: 0.1].
    #[arg(long, value_name = "FRACTION", requires = "baseline", value_parser = parse_tolerance_rel)]
    tolerance_rel: Option<f64>,
    /// Replace every scenario's master seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Do not draw charts, report.html or index.html.
    #[arg(long)]
    no_charts: bool,
    /// Print only what is not a pass, and the total (no progress bar).
    #[arg(long, short)]
    quiet: bool,
    /// Refuse a run estimated past N events, stop one that gets there [default: 1e8].
    #[arg(long, value_name = "N")]
    max_events: Option<u64>,
    /// Refuse a run estimated to need more than this memory, MiB [default: 1024].
    #[arg(long, value_name = "MIB")]
    max_memory: Option<u64>,
}

fn parse_tolerance_abs(s: &str) -> Result<f64, String> {
    edgesim::scenario::units::parse_duration(s).map(SimDuration::as_secs_f64)
}

fn parse_tolerance_rel(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("got \"{s}\"; expected a fraction of the baseline's value, 0 or more (0.1 is 10%)")),
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CatalogFormat {
    Table,
    Csv,
}

/// A failure that ends the command with an exit code and a message.
struct Failure {
    code: u8,
    message: String,
}

fn input_error(message: impl Into<String>) -> Failure {
    Failure { code: EXIT_INPUT, message: message.into() }
}

fn interrupted(message: impl Into<String>) -> Failure {
    Failure { code: EXIT_INTERRUPTED, message: message.into() }
}

/// An output that could not be written (exit 3).
fn output_error(message: impl Into<String>) -> Failure {
    Failure { code: EXIT_OUTPUT, message: message.into() }
}

impl From<OutputError> for Failure {
    fn from(e: OutputError) -> Self {
        Failure { code: e.code, message: e.message }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Run { .. } | Command::Check(_) | Command::Baseline { .. }) {
        install_interrupt_handler();
    }
    let result = match cli.command {
        Command::Run {
            scenario,
            seed,
            out,
            trace,
            trace_hash,
            allow_inconclusive,
            no_charts,
            quiet,
            max_events,
            max_memory,
        } => {
            let limits = edgesim::budget::Limits::from_flags(max_events, max_memory);
            let opts = RunOpts { seed, out, trace, trace_hash, allow_inconclusive, charts: !no_charts, quiet, limits };
            run(&scenario, opts)
        }
        Command::Check(args) => check(args),
        Command::Baseline { scenarios, out, seed, quiet } => make_baselines(&scenarios, &out, seed, quiet),
        Command::Plot { results_dir } => plot(&results_dir),
        Command::Sweep(args) => {
            edgesim::sweep::cli::sweep_command(&args).map_err(|e| Failure { code: e.code, message: e.message })
        }
        Command::Merge(args) => {
            edgesim::sweep::cli::merge_command(&args).map_err(|e| Failure { code: e.code, message: e.message })
        }
        Command::Validate { scenarios } => validate(&scenarios),
        Command::Catalog { region, format } => list_catalog(region.as_deref(), format),
    };
    let code = match result {
        Ok(code) => code,
        Err(f) => {
            let label = if f.code == EXIT_INTERRUPTED { "interrupted" } else { "error" };
            errln!("{label}: {}", f.message);
            f.code
        }
    };
    ExitCode::from(with_stdout_state(code))
}

/// A closed or full stdout turns exit 0 or 1 into [`EXIT_OUTPUT`], with a
/// message saying that the work went on to the end.
fn with_stdout_state(code: u8) -> u8 {
    match outputs::stdout_error() {
        Some(why) if code == EXIT_OK || code == EXIT_FAILED => {
            errln!(
                "error: {why}: printing stopped there, but the work went on to the end and every file was written \
                 (the exit code would have been {code}); exit {EXIT_OUTPUT}"
            );
            EXIT_OUTPUT
        }
        _ => code,
    }
}

/// Ctrl-C sets [`INTERRUPTED`] (the run stops at its next observer call and
/// writes nothing); a second Ctrl-C ends the process at once.
fn install_interrupt_handler() {
    let installed = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
    });
    if let Err(e) = installed {
        errln!("warning: cannot catch Ctrl-C ({e}); an interrupted run may end without a message");
    }
}

fn was_interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

// ---------------------------------------------------------------------------
// Running one scenario: progress, interruption, result files, charts.

/// The progress bar of one run: drawn on stderr only when it is a terminal,
/// not with --quiet, and only once the run has lasted [`PROGRESS_AFTER`].
struct Progress {
    bar: Option<ProgressBar>,
    enabled: bool,
    started: Instant,
    total: SimDuration,
    prefix: String,
}

impl Progress {
    fn new(prefix: &str, total: SimDuration, quiet: bool) -> Self {
        Progress {
            bar: None,
            enabled: !quiet && io::stderr().is_terminal(),
            started: Instant::now(),
            total,
            prefix: prefix.to_string(),
        }
    }

    fn update(&mut self, now: SimTime, events: u64) {
        if !self.enabled {
            return;
        }
        let elapsed = self.started.elapsed();
        if self.bar.is_none() {
            if elapsed < PROGRESS_AFTER {
                return;
            }
            let total_ms = (self.total.as_nanos() / 1_000_000).max(1);
            let bar = ProgressBar::with_draw_target(Some(total_ms), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{prefix} {percent:>3}% [{wide_bar}] {msg}") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(self.prefix.clone());
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            let done = now.as_nanos().min(self.total.as_nanos());
            bar.set_position(done / 1_000_000);
            let wall = elapsed.as_secs_f64().max(1e-9);
            // Simulated time advances about evenly: the rest takes its share of the wall time so far.
            let eta = wall * self.total.as_nanos().saturating_sub(done) as f64 / done.max(1) as f64;
            bar.set_message(format!(
                "sim {:.0}s/{:.0}s, {:.1}M events/s, ETA {}",
                done as f64 / 1e9,
                self.total.as_secs_f64(),
                events as f64 / wall / 1e6,
                indicatif::HumanDuration(Duration::from_secs_f64(eta.min(1e7)))
            ));
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// How a run ended without an outcome.
enum RunStop {
    /// Ctrl-C; the simulated time reached.
    Interrupted(SimTime),
    /// Writing the trace failed.
    Io(io::Error),
}

/// Runs a prepared scenario under the Ctrl-C flag and the progress bar;
/// returns the outcome and the wall time, s.
fn simulate(p: &Prepared, trace: Option<&mut dyn Write>, prefix: &str, quiet: bool) -> Result<(Outcome, f64), RunStop> {
    let mut progress = Progress::new(prefix, p.scenario.duration(), quiet);
    let mut reached = SimTime::ZERO;
    let started = Instant::now();
    let result = edgesim::simulate_observed(p, trace, &mut |now, events| {
        reached = now;
        if was_interrupted() {
            return false;
        }
        progress.update(now, events);
        true
    });
    progress.finish();
    let wall_s = started.elapsed().as_secs_f64();
    match result {
        Ok(outcome) => Ok((outcome, wall_s)),
        Err(e) if e.kind() == io::ErrorKind::Interrupted && was_interrupted() => Err(RunStop::Interrupted(reached)),
        Err(e) => Err(RunStop::Io(e)),
    }
}

/// Writes one run's result files into its set: scenario.toml (a copy of
/// the file, for `plot`), the CSVs (timeseries, pops_timeseries, levels),
/// run.json and summary.json. The set is swapped in whole later.
fn write_results(set: &ResultsSet, p: &Prepared, outcome: &Outcome, wall_s: f64) -> Result<(), Failure> {
    let summary = &outcome.summary;
    let json = serde_json::to_string_pretty(summary)
        .map_err(|e| input_error(format!("cannot encode summary.json: {e}")))?
        + "\n";
    set.write("scenario.toml", p.scenario.source.text.as_bytes())?;
    set.write("timeseries.csv", report::timeseries_csv(&outcome.result.recorder).as_bytes())?;
    let codes: Vec<String> = p.world.pops.iter().map(|pop| pop.code.clone()).collect();
    set.write("pops_timeseries.csv", report::pop_series_csv(&outcome.result.pop_series, &codes).as_bytes())?;
    set.write("levels.csv", report::levels_csv(&outcome.result.levels, &codes).as_bytes())?;
    set.write("run.json", run_json(summary, wall_s).as_bytes())?;
    set.write("summary.json", json.as_bytes())?;
    Ok(())
}

/// The names a run writes in its results folder (charts included).
fn run_file_names() -> Vec<String> {
    let mut names: Vec<String> =
        ["scenario.toml", "timeseries.csv", "pops_timeseries.csv", "levels.csv", "run.json", "summary.json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    names.push("report.html".into());
    names.push(outputs::MARKER.into());
    for (stem, _) in report::html::CHARTS {
        names.push(format!("{stem}.svg"));
        names.push(format!("{stem}.png"));
    }
    names
}

/// Adds a scenario's files to a plan's inputs: the file itself and the
/// catalog CSV it names, if any.
fn add_scenario_inputs(plan: &mut OutputsPlan, path: &Path, scenario: &edgesim::scenario::Scenario) {
    plan.input("the scenario file", path);
    if let Some(c) = &scenario.spec.topology.catalog {
        let c = c.get_ref();
        if c != "builtin" && c != "none" {
            plan.input("the catalog file", &scenario.dir.join(c));
        }
    }
}

/// What a message says of a folder left as it was.
fn left_as_it_was(dir: &Path, previous: &Previous) -> String {
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
fn draw_charts(dir: &Path, shown: &Path, scenario_toml: &str) -> Result<Vec<PathBuf>, String> {
    let mut files = report::charts::render_all(dir).map_err(|e| format!("charts in {}: {e}", shown.display()))?;
    let html = report::html::write_report(dir, scenario_toml)
        .map_err(|e| format!("report.html in {}: {e}", shown.display()))?;
    files.push(html);
    Ok(files)
}

/// [`draw_charts`] after a run: a failure is a warning (the results are
/// written and `edgesim plot` can retry), not a verdict.
fn draw_after_run(set: &ResultsSet, scenario_toml: &str) {
    if let Err(e) = draw_charts(set.dir(), set.target(), scenario_toml) {
        let e = e.replace(&set.dir().display().to_string(), &set.target().display().to_string());
        errln!("warning: {e}; the results are written, `edgesim plot {}` retries", set.target().display());
    }
}

/// One expectation as the terminal shows it.
fn expectation_line(v: &Verdict) -> String {
    format!("  {}  {}  (observed {} vs {})", v.status.label(), v.text, v.observed_text, v.bound)
}

struct RunOpts {
    seed: Option<u64>,
    out: Option<PathBuf>,
    trace: Option<PathBuf>,
    trace_hash: bool,
    allow_inconclusive: bool,
    charts: bool,
    quiet: bool,
    limits: edgesim::budget::Limits,
}

fn run(path: &Path, o: RunOpts) -> Result<u8, Failure> {
    let mut scenario = edgesim::scenario::load(path).map_err(|e| input_error(e.to_string()))?;
    if let Some(seed) = o.seed {
        scenario.set_seed(seed);
    }
    let mut prepared = edgesim::prepare(scenario).map_err(|e| input_error(e.to_string()))?;
    edgesim::budget::admit(&mut prepared, o.limits).map_err(input_error)?;
    let name = prepared.scenario.name().to_string();
    let out_dir = o.out.unwrap_or_else(|| Path::new("results").join(&name));
    let mut plan = OutputsPlan::new();
    add_scenario_inputs(&mut plan, path, &prepared.scenario);
    let reserved = run_file_names();
    let reserved: Vec<&str> = reserved.iter().map(String::as_str).collect();
    plan.set_folder("--out", &out_dir, &reserved, &["--trace"]);
    if let Some(t) = &o.trace {
        output_file("--trace", t, "events.jsonl")?;
        plan.file("--trace", t);
    }
    plan.check()?;
    if let Some(t) = &o.trace {
        make_parent("--trace", t)?;
    }
    let set = ResultsSet::begin("--out", &out_dir, "run", &name, &|_| false)?;
    // A trace inside the results folder is part of the set.
    let trace_in_set =
        o.trace.as_ref().is_some_and(|t| outputs::resolve(t).parent() == Some(outputs::resolve(&out_dir).as_path()));
    let mut trace_file = match &o.trace {
        Some(t) => {
            let at = match (trace_in_set, t.file_name()) {
                (true, Some(file)) => set.dir().join(file),
                _ => t.clone(),
            };
            Some(
                AtomicFile::create(&at)
                    .map_err(|e| output_error(format!("--trace {}: cannot create: {e}", t.display())))?,
            )
        }
        None => None,
    };
    let trace = trace_file.as_mut().map(|w| w as &mut dyn Write);
    let not_written =
        o.trace.as_ref().map_or(String::new(), |t| format!("; the trace {} was not written", t.display()));
    let (outcome, wall_s) = match simulate(&prepared, trace, &name, o.quiet || o.trace_hash) {
        Ok(done) => done,
        Err(RunStop::Interrupted(at)) => {
            return Err(interrupted(format!(
                "{name} stopped at {at} of {} simulated; {}{not_written}",
                prepared.scenario.duration(),
                left_as_it_was(&out_dir, set.previous())
            )));
        }
        Err(RunStop::Io(e)) if edgesim::sim::budget_exceeded(&e).is_some() => {
            return Err(input_error(format!("{}: {e}", prepared.scenario.source.path)))
        }
        Err(RunStop::Io(e)) => {
            let t = o.trace.as_deref().unwrap_or(Path::new("?"));
            return Err(output_error(format!(
                "--trace {}: cannot write: {e}; {}",
                t.display(),
                left_as_it_was(&out_dir, set.previous())
            )));
        }
    };
    write_results(&set, &prepared, &outcome, wall_s)?;
    if o.charts {
        draw_after_run(&set, &prepared.scenario.source.text);
    }
    let cannot_trace = |e: io::Error, t: &Path| format!("--trace {}: cannot write: {e}", t.display());
    if trace_in_set {
        if let (Some(f), Some(t)) = (trace_file.take(), &o.trace) {
            f.commit().map_err(|e| {
                output_error(format!("{}; {}", cannot_trace(e, t), left_as_it_was(&out_dir, set.previous())))
            })?;
        }
    }
    let previous = set.previous().clone();
    if set.commit(&was_interrupted)? == Committed::LeftAsItWas {
        return Err(interrupted(format!(
            "after the run, before its results were put in place; {}{not_written}",
            left_as_it_was(&out_dir, &previous)
        )));
    }
    if let (Some(f), Some(t)) = (trace_file.take(), &o.trace) {
        f.commit().map_err(|e| {
            output_error(format!("{}; the results in {} are complete", cannot_trace(e, t), out_dir.display()))
        })?;
    }
    if was_interrupted() {
        return Err(interrupted(format!("after the run; results complete in {}", out_dir.display())));
    }
    let summary = &outcome.summary;
    if o.trace_hash {
        outln!("{}", summary.trace_hash);
    } else if !o.quiet {
        print_run(&prepared, summary, wall_s, &out_dir);
    }
    let broken = summary.expectations.iter().any(|v| v.status.breaks(o.allow_inconclusive));
    Ok(if broken { EXIT_FAILED } else { EXIT_OK })
}

fn print_run(p: &Prepared, s: &report::Summary, wall_s: f64, out_dir: &Path) {
    outln!(
        "edgesim run: {} (seed {}, {} simulated, {} PoPs, {} client sites)\n",
        s.scenario,
        s.seed,
        p.scenario.duration(),
        p.world.pops.len(),
        p.world.sites.len()
    );
    // The table without its expectations: they are printed below, with their status.
    let table = report::Summary { expectations: Vec::new(), ..s.clone() };
    out!("{}", report::terminal_table(&table));
    if !s.expectations.is_empty() {
        outln!("\nexpectations");
        for v in &s.expectations {
            outln!("{}", expectation_line(v));
        }
    }
    outln!();
    if !s.expectations.is_empty() {
        let held = s.expectations.iter().filter(|v| v.status == Status::Pass).count();
        let unsure = s.expectations.iter().filter(|v| v.status == Status::Inconclusive).count();
        let unsure = if unsure > 0 { format!(" ({unsure} inconclusive)") } else { String::new() };
        outln!("{held} of {} expectations hold{unsure}.", s.expectations.len());
    }
    let requests = s.requests.issued + s.requests.unfinished;
    outln!(
        "wall {:.2}s: {:.2} M events/s, {:.2} M simulated requests/s, trace {}",
        wall_s,
        s.events_handled as f64 / wall_s.max(1e-9) / 1e6,
        requests as f64 / wall_s.max(1e-9) / 1e6,
        s.trace_hash
    );
    outln!("results in {}", out_dir.display());
}

// ---------------------------------------------------------------------------
// Many scenarios: check and baseline.

/// A scenario file, resolved and ready to run.
struct Loaded {
    /// The file as given (or found under a folder given).
    path: PathBuf,
    prepared: Prepared,
}

impl Loaded {
    fn name(&self) -> &str {
        self.prepared.scenario.name()
    }
}

/// Every scenario file the arguments name: files as given, folders as every
/// *.toml under them (recursively, sorted by path).
fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    for arg in args {
        let meta = fs::metadata(arg)
            .map_err(|e| input_error(format!("{}: no such scenario file or folder ({e})", arg.display())))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            let mut seen = Vec::new();
            collect_toml(arg, &mut found, &mut seen)?;
            if found.is_empty() {
                return Err(input_error(format!("{}: no *.toml scenario file under this folder", arg.display())));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(arg.clone());
        }
    }
    Ok(files)
}

fn collect_toml(dir: &Path, found: &mut Vec<PathBuf>, seen: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let cannot = |e: io::Error| input_error(format!("{}: cannot read the folder: {e}", dir.display()));
    // A folder reached twice (through a symbolic link) is read once.
    let real = fs::canonicalize(dir).map_err(cannot)?;
    if seen.contains(&real) {
        return Ok(());
    }
    seen.push(real);
    for entry in fs::read_dir(dir).map_err(cannot)? {
        let path = entry.map_err(cannot)?.path();
        if path.is_dir() {
            collect_toml(&path, found, seen)?;
        } else if path.extension().is_some_and(|x| x == "toml") {
            found.push(path);
        }
    }
    Ok(())
}

/// Loads and resolves every scenario before any runs: one bad file, or two
/// scenarios with one name (their results would collide), is an input error.
fn load_all(args: &[PathBuf], seed: Option<u64>) -> Result<Vec<Loaded>, Failure> {
    let files = expand(args)?;
    let mut loaded = Vec::new();
    let mut bad = 0;
    for path in &files {
        match edgesim::scenario::load(path).and_then(|mut s| {
            if let Some(seed) = seed {
                s.set_seed(seed);
            }
            edgesim::prepare(s)
        }) {
            Ok(prepared) => loaded.push(Loaded { path: path.clone(), prepared }),
            Err(e) => {
                bad += 1;
                errln!("error: {e}");
            }
        }
    }
    if bad > 0 {
        return Err(input_error(format!("{bad} of {} scenario files are invalid; nothing was run", files.len())));
    }
    for (i, a) in loaded.iter().enumerate() {
        if let Some(b) = loaded[..i].iter().find(|b| b.name() == a.name()) {
            return Err(input_error(format!(
                "{} and {} both name the scenario \"{}\"; their results would collide (each scenario needs its own \
                 name); nothing was run",
                b.path.display(),
                a.path.display(),
                a.name()
            )));
        }
    }
    Ok(loaded)
}

/// Rejects an output file path that is a folder.
fn output_file(flag: &str, path: &Path, example: &str) -> Result<(), Failure> {
    let text = path.to_string_lossy();
    if path.is_dir() || text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) || path.file_name().is_none() {
        return Err(input_error(format!(
            "{flag} {}: is a folder; give a file path, such as {}",
            path.display(),
            path.join(example).display()
        )));
    }
    Ok(())
}

/// Makes the folder of an output file (after the plan is checked, before any run).
fn make_parent(flag: &str, path: &Path) -> Result<(), Failure> {
    if let Some(parent) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .map_err(|e| output_error(format!("{flag} {}: cannot create its folder: {e}", path.display())))?;
    }
    Ok(())
}

fn file_label(p: &Path) -> String {
    p.display().to_string()
}

/// The plan of `check`: every scenario (and catalog, and baseline) is an
/// input; --out holds each scenario's set and index.html; --junit, --json.
fn check_plan(a: &CheckArgs, loaded: &[Loaded]) -> Result<(), Failure> {
    let mut plan = OutputsPlan::new();
    for l in loaded {
        add_scenario_inputs(&mut plan, &l.path, &l.prepared.scenario);
        if let Some(dir) = &a.baseline {
            plan.input("--baseline", &dir.join(format!("{}.json", l.name())));
        }
    }
    plan.container("--out", &a.out, &["index.html"]);
    let reserved = run_file_names();
    let reserved: Vec<&str> = reserved.iter().map(String::as_str).collect();
    for l in loaded {
        plan.set_folder("--out", &a.out.join(l.name()), &reserved, &[]);
    }
    if let Some(j) = &a.junit {
        plan.file("--junit", j);
    }
    if let Some(j) = &a.json {
        plan.file("--json", j);
    }
    plan.check()?;
    // Every scenario's folder must be one edgesim may replace, before any runs.
    for l in loaded {
        let dir = a.out.join(l.name());
        if let Some(note) = outputs::recover(&dir) {
            errln!("note: {note}");
        }
        outputs::inspect("--out", &dir, &|_| false)?;
    }
    Ok(())
}

fn check(a: CheckArgs) -> Result<u8, Failure> {
    let mut loaded = load_all(&a.scenarios, a.seed)?;
    let limits = edgesim::budget::Limits::from_flags(a.max_events, a.max_memory);
    edgesim::budget::admit_all(loaded.iter_mut().map(|l| &mut l.prepared), limits).map_err(input_error)?;
    if let Some(j) = &a.junit {
        output_file("--junit", j, "junit.xml")?;
    }
    if let Some(j) = &a.json {
        output_file("--json", j, "verdict.json")?;
    }
    check_plan(&a, &loaded)?;
    for (flag, path) in [("--junit", &a.junit), ("--json", &a.json)] {
        if let Some(p) = path {
            make_parent(flag, p)?;
        }
    }
    let tolerance = Tolerance {
        abs_s: a.tolerance_abs.unwrap_or(Tolerance::default().abs_s),
        rel: a.tolerance_rel.unwrap_or(Tolerance::default().rel),
    };
    let baselines = match &a.baseline {
        Some(dir) => Some(load_baselines(dir, &loaded)?),
        None => None,
    };
    let n = loaded.len();
    if !a.quiet {
        let seed = a.seed.map_or("each file's seed".to_string(), |s| format!("seed {s}"));
        outln!("edgesim check: {n} scenario{} ({seed}), results in {}/<name>/\n", plural(n), a.out.display());
    }
    let mut verdicts = Vec::new();
    for (i, l) in loaded.iter().enumerate() {
        let name = l.name();
        let dir = a.out.join(name);
        let earlier = format!("{i} of {n} scenarios ran before it and their results are complete");
        if was_interrupted() {
            return Err(interrupted(format!("before {name}: {earlier}; no JUnit or JSON verdict was written")));
        }
        let set = ResultsSet::begin("--out", &dir, "check", name, &|_| false)?;
        let (outcome, wall_s) = match simulate(&l.prepared, None, &format!("[{}/{n}] {name}", i + 1), a.quiet) {
            Ok(done) => done,
            Err(RunStop::Interrupted(at)) => {
                return Err(interrupted(format!(
                    "{name} stopped at {at} of {} simulated: {}; {earlier}; no JUnit or JSON verdict was written",
                    l.prepared.scenario.duration(),
                    left_as_it_was(&dir, set.previous())
                )))
            }
            Err(RunStop::Io(e)) if edgesim::sim::budget_exceeded(&e).is_some() => {
                return Err(input_error(format!("{}: {e}", l.prepared.scenario.source.path)))
            }
            Err(RunStop::Io(e)) => return Err(output_error(format!("{name}: {e}"))),
        };
        write_results(&set, &l.prepared, &outcome, wall_s)?;
        if !a.no_charts {
            draw_after_run(&set, &l.prepared.scenario.source.text);
        }
        let previous = set.previous().clone();
        if set.commit(&was_interrupted)? == Committed::LeftAsItWas {
            return Err(interrupted(format!(
                "after {name} ran, before its results were put in place: {}; {earlier}; no JUnit or JSON verdict \
                 was written",
                left_as_it_was(&dir, &previous)
            )));
        }
        let diff = match &baselines {
            Some(b) => {
                let now = serde_json::to_value(&outcome.summary)
                    .map_err(|e| input_error(format!("cannot encode the summary of {name}: {e}")))?;
                let (file, stored) = &b[i];
                Some(baseline::compare(&file_label(file), stored, &now, tolerance))
            }
            None => None,
        };
        let v = ScenarioVerdict::new(
            name,
            &file_label(&l.path),
            outcome.summary.seed,
            &file_label(&dir),
            outcome.verdicts.clone(),
            diff,
            wall_s,
        );
        print_scenario(&v, a.allow_inconclusive, a.quiet);
        verdicts.push(v);
    }
    let report = CheckReport::new(verdicts, a.allow_inconclusive);
    let mut unwritten = Vec::new();
    if !a.no_charts {
        if let Err(e) = write_index(&a.out, &report) {
            unwritten.push(e);
        }
    }
    if let Some(path) = &a.junit {
        let xml = junit::to_xml(&report).map_err(input_error)?;
        if let Err(e) = write_atomic(path, xml.as_bytes()) {
            unwritten.push(format!("--junit {}: cannot write: {e}", path.display()));
        }
    }
    if let Some(path) = &a.json {
        let json = report.to_json().map_err(|e| input_error(format!("cannot encode the verdicts: {e}")))?;
        if let Err(e) = write_atomic(path, json.as_bytes()) {
            unwritten.push(format!("--json {}: cannot write: {e}", path.display()));
        }
    }
    print_total(&report);
    if !unwritten.is_empty() {
        return Err(output_error(format!(
            "{}; every scenario ran and its results are complete (the check's status: {})",
            unwritten.join("; "),
            report.status.label()
        )));
    }
    if was_interrupted() {
        return Err(interrupted("after the last scenario; every result and verdict file is complete"));
    }
    Ok(report.exit_code)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Reads `DIR/<name>.json` for every scenario before any runs; a missing,
/// unreadable, changed or foreign one is an input error. The folder's
/// marker must say `edgesim baseline` wrote it, and list each file with
/// its size and hash.
fn load_baselines(dir: &Path, loaded: &[Loaded]) -> Result<Vec<(PathBuf, serde_json::Value)>, Failure> {
    if let Some(note) = outputs::recover(dir) {
        errln!("note: {note}");
    }
    if !dir.is_dir() {
        return Err(input_error(format!(
            "--baseline {}: no such folder; make one with `edgesim baseline SCENARIO... --out {}`",
            dir.display(),
            dir.display()
        )));
    }
    let remake =
        |l: &Loaded| format!("make it again with `edgesim baseline {} --out {}`", l.path.display(), dir.display());
    let marker = outputs::read_marker(dir);
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for l in loaded {
        let file = dir.join(format!("{}.json", l.name()));
        if !file.exists() {
            problems.push(format!(
                "no baseline for scenario \"{}\": {} does not exist; make it with `edgesim baseline {} --out {}`",
                l.name(),
                file.display(),
                l.path.display(),
                dir.display()
            ));
            continue;
        }
        let checked = match &marker {
            Err(e) => Err(e.clone()),
            Ok(None) => Err(format!(
                "{}: not an edgesim baselines folder (no {}); {}",
                dir.display(),
                outputs::MARKER,
                remake(l)
            )),
            Ok(Some(m)) if m.command != "baseline" => Err(format!(
                "{}: holds the results of `edgesim {}`, not baselines; {}",
                dir.display(),
                m.command,
                remake(l)
            )),
            Ok(Some(m)) => outputs::verify_listed(dir, m, &format!("{}.json", l.name())).map(|_| ()),
        };
        match checked.and_then(|()| baseline::load(&file, l.name())) {
            Ok(v) => out.push((file, v)),
            Err(e) => problems.push(e),
        }
    }
    match problems.len() {
        0 => Ok(out),
        1 => Err(input_error(format!("--baseline: {}; nothing was run", problems[0]))),
        k => {
            for p in &problems {
                errln!("error: --baseline: {p}");
            }
            Err(input_error(format!("--baseline: {k} baselines are missing or unreadable; nothing was run")))
        }
    }
}

/// A scenario's block of lines: its expectations, the baseline diff, a summary line.
fn print_scenario(v: &ScenarioVerdict, allow_inconclusive: bool, quiet: bool) {
    if quiet && v.status == Status::Pass {
        return;
    }
    outln!("{} ({}, seed {})", v.scenario, v.file, v.seed);
    for e in &v.expectations {
        if quiet && e.status == Status::Pass {
            continue;
        }
        let line = expectation_line(e);
        if e.status.breaks(allow_inconclusive) {
            outln!("{line}  [seed {}; replay: {}]", v.seed, v.replay);
        } else {
            outln!("{line}");
        }
    }
    if let Some(d) = &v.baseline {
        if !quiet || d.drifted > 0 {
            out!("{}", baseline::table(d, "  "));
            if d.drifted > 0 {
                outln!("  baseline drift: replay with `{}`", v.replay);
            }
        }
    }
    let verdict = match (v.status, allow_inconclusive) {
        (Status::Inconclusive, true) => "PASS (inconclusive allowed)",
        (s, _) => s.label(),
    };
    outln!(
        "  => {} {verdict}: {} passed, {} failed, {} inconclusive{}  ({:.2}s; results in {})\n",
        v.scenario,
        v.passed,
        v.failed,
        v.inconclusive,
        v.baseline.as_ref().map_or(String::new(), |d| format!(", {} baseline drifts", d.drifted)),
        v.wall_s,
        v.results_dir
    );
}

fn print_total(r: &CheckReport) {
    let t = &r.totals;
    let drift = if r.scenarios.iter().any(|s| s.baseline.is_some()) {
        format!("; {} baseline drifts", t.baseline_drifts)
    } else {
        String::new()
    };
    outln!(
        "total {}: {} scenario{}, {} failed; {} expectations: {} passed, {} failed, {} inconclusive{}{drift}",
        r.status.label(),
        t.scenarios,
        plural(t.scenarios),
        t.scenarios_failed,
        t.expectations,
        t.passed,
        t.failed,
        t.inconclusive,
        if r.allow_inconclusive && t.inconclusive > 0 { " (allowed)" } else { "" },
    );
}

/// `<out>/index.html`, linking every scenario's report.
fn write_index(out: &Path, r: &CheckReport) -> Result<(), String> {
    let entries: Vec<report::html::IndexEntry> = r
        .scenarios
        .iter()
        .map(|s| report::html::IndexEntry {
            scenario: s.scenario.clone(),
            // Relative to the index's folder: each run is <out>/<name>/.
            results_dir: PathBuf::from(&s.scenario),
            passed: s.passed,
            failed: s.failed,
            inconclusive: s.inconclusive,
        })
        .collect();
    report::html::write_index(out, &entries)
        .map(|_| ())
        .map_err(|e| format!("{}: cannot write: {e}", out.join("index.html").display()))
}

fn make_baselines(args: &[PathBuf], out: &Path, seed: Option<u64>, quiet: bool) -> Result<u8, Failure> {
    let mut loaded = load_all(args, seed)?;
    let limits = edgesim::budget::Limits::from_flags(None, None);
    edgesim::budget::admit_all(loaded.iter_mut().map(|l| &mut l.prepared), limits).map_err(input_error)?;
    let mut plan = OutputsPlan::new();
    for l in &loaded {
        add_scenario_inputs(&mut plan, &l.path, &l.prepared.scenario);
    }
    let files: Vec<String> = loaded.iter().map(|l| format!("{}.json", l.name())).collect();
    let mut reserved: Vec<&str> = files.iter().map(String::as_str).collect();
    reserved.push(outputs::MARKER);
    plan.set_folder("--out", out, &reserved, &[]);
    plan.check()?;
    let names: Vec<&str> = loaded.iter().map(Loaded::name).collect();
    // Baselines of other scenarios already in the folder are kept.
    let set = ResultsSet::begin("--out", out, "baseline", &names.join(", "), &|f| {
        f.ends_with(".json") && !files.iter().any(|g| g == f)
    })?;
    let n = loaded.len();
    let mut lines = Vec::new();
    for (i, l) in loaded.iter().enumerate() {
        let name = l.name();
        let file = format!("{name}.json");
        if was_interrupted() {
            return Err(interrupted(format!("before {name}: baselines {}", left_as_it_was(out, set.previous()))));
        }
        let (outcome, _) = match simulate(&l.prepared, None, &format!("[{}/{n}] {name}", i + 1), quiet) {
            Ok(done) => done,
            Err(RunStop::Interrupted(at)) => {
                return Err(interrupted(format!(
                    "{name} stopped at {at}: nothing was stored, baselines {}",
                    left_as_it_was(out, set.previous())
                )))
            }
            Err(RunStop::Io(e)) if edgesim::sim::budget_exceeded(&e).is_some() => {
                return Err(input_error(format!("{}: {e}", l.prepared.scenario.source.path)))
            }
            Err(RunStop::Io(e)) => return Err(output_error(format!("{name}: {e}"))),
        };
        let json = serde_json::to_string_pretty(&outcome.summary)
            .map_err(|e| input_error(format!("cannot encode the summary of {name}: {e}")))?
            + "\n";
        let path = set.write(&file, json.as_bytes())?;
        lines.push(baseline_line(&path, &outcome.summary));
    }
    let previous = set.previous().clone();
    if set.commit(&was_interrupted)? == Committed::LeftAsItWas {
        return Err(interrupted(format!(
            "after the last scenario, before the baselines were put in place: nothing was stored, baselines {}",
            left_as_it_was(out, &previous)
        )));
    }
    if !quiet {
        for l in lines {
            outln!("{l}");
        }
    }
    if was_interrupted() {
        return Err(interrupted(format!("after the last scenario; all {n} baselines are stored")));
    }
    Ok(EXIT_OK)
}

/// The line `baseline` prints for a stored baseline.
fn baseline_line(file: &Path, s: &report::Summary) -> String {
    let rtos: Vec<String> = s
        .faults
        .iter()
        .enumerate()
        .map(|(k, f)| match f.rto_s {
            Some(r) => format!("fault {} rto {r:.3}s", k + 1),
            None => format!("fault {} not recovered", k + 1),
        })
        .collect();
    let broken = s.expectations.iter().filter(|v| v.status != Status::Pass).count();
    let note = if broken > 0 { format!("; note: {broken} expectations do not pass") } else { String::new() };
    format!(
        "stored {} (seed {}, latency p99 {:.3}ms{}{}{note})",
        file.display(),
        s.seed,
        s.latency_ms.all.p99,
        if rtos.is_empty() { "" } else { ", " },
        rtos.join(", ")
    )
}

// ---------------------------------------------------------------------------
// Plot, validate, catalog.

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
    let summary = dir.join("summary.json");
    let v: serde_json::Value = fs::read(&summary)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| input_error(format!("{}: not JSON; expected a run's summary", summary.display())))?;
    let version = v.get("schema_version").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(report::summary::SCHEMA_VERSION)) {
        return Err(input_error(format!(
            "{}: summary layout version {} but this edgesim reads version {}; run the scenario again",
            summary.display(),
            version.map_or("unknown".to_string(), |v| v.to_string()),
            report::summary::SCHEMA_VERSION
        )));
    }
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

fn validate(paths: &[PathBuf]) -> Result<u8, Failure> {
    let mut bad = 0;
    for path in paths {
        let checked = edgesim::scenario::load(path).and_then(edgesim::prepare);
        match checked {
            Ok(p) => outln!(
                "ok    {} ({}: {} PoPs, {} client sites, {} expectations)",
                path.display(),
                p.scenario.name(),
                p.world.pops.len(),
                p.world.sites.len(),
                p.expectations.len()
            ),
            Err(e) => {
                bad += 1;
                errln!("error: {e}");
            }
        }
    }
    Ok(if bad == 0 { EXIT_OK } else { EXIT_INPUT })
}

fn list_catalog(region: Option<&str>, format: CatalogFormat) -> Result<u8, Failure> {
    let wanted = match region {
        Some(r) => Some(Region::parse(r).ok_or_else(|| {
            input_error(format!("--region: unknown region \"{r}\"; expected one of NA, EU, APAC, ROW"))
        })?),
        None => None,
    };
    let pops = catalog::builtin().iter().filter(|p| wanted.is_none_or(|w| p.region == w));
    let mut out = String::new();
    match format {
        CatalogFormat::Csv => {
            out.push_str("code,city,country,region,lat,lon,weight\n");
            for p in pops {
                out.push_str(&format!(
                    "{},{},{},{},{:.4},{:.4},{}\n",
                    p.code,
                    p.city,
                    p.country,
                    p.region.as_str(),
                    p.lat_deg,
                    p.lon_deg,
                    p.weight
                ));
            }
        }
        CatalogFormat::Table => {
            out.push_str(&format!(
                "{:<5} {:<6} {:<24} {:<8} {:>9} {:>10} {:>7}\n",
                "code", "region", "city", "country", "lat", "lon", "weight"
            ));
            let mut n = 0;
            for p in pops {
                n += 1;
                out.push_str(&format!(
                    "{:<5} {:<6} {:<24} {:<8} {:>9.4} {:>10.4} {:>7}\n",
                    p.code,
                    p.region.as_str(),
                    p.city,
                    p.country,
                    p.lat_deg,
                    p.lon_deg,
                    p.weight
                ));
            }
            out.push_str(&format!("{n} PoPs\n"));
        }
    }
    out!("{out}");
    Ok(EXIT_OK)
}
