//! `edgesim check`: runs scenarios (files or folders of them), judges their
//! expectations and, with --baseline, their drift from stored summaries;
//! prints a block per scenario and a total, writes each results folder,
//! index.html, JUnit XML and a JSON verdict.

use super::failure::{input_error, interrupted, output_error, Failure};
use super::load::{add_scenario_inputs, file_label, load_all, make_parent, output_file, Loaded};
use super::plural;
use super::progress::{simulate, was_interrupted, RunStop};
use super::results::{draw_after_run, expectation_line, left_as_it_was, run_file_names, write_results};
use edgesim::check::baseline::{self, Tolerance};
use edgesim::check::verdict::{CheckReport, ScenarioVerdict};
use edgesim::check::{junit, Status};
use edgesim::engine::SimDuration;
use edgesim::report::outputs::{self, Committed, OutputsPlan, ResultsSet};
use edgesim::report::{self, files::write_atomic};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

#[derive(clap::Args)]
/// The flags of `edgesim check`.
pub struct CheckArgs {
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
    /// The seed and fidelity replaced in every scenario.
    #[command(flatten)]
    overrides: super::load::Overrides,
    /// Do not draw charts, report.html or index.html.
    #[arg(long)]
    no_charts: bool,
    /// Print only what is not a pass, and the total (no progress bar).
    #[arg(long, short)]
    quiet: bool,
    /// The work budget.
    #[command(flatten)]
    budget: super::BudgetFlags,
    /// Scenarios run at once, the longest (by the work budget's estimate)
    /// first; each block is printed in file order once it and those before
    /// it are done [default: one per core; 1: one after another, with a
    /// progress bar].
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
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

/// Runs `edgesim check`; the exit code is the report's (1 when a scenario fails).
pub fn execute(a: CheckArgs) -> Result<u8, Failure> {
    if a.threads == Some(0) {
        return Err(input_error("--threads 0: expected at least 1 (leave it out for one per core)"));
    }
    let loaded = load_checked(&a)?;
    let baselines = match &a.baseline {
        Some(dir) => Some(load_baselines(dir, &loaded)?),
        None => None,
    };
    let n = loaded.len();
    if !a.quiet {
        let seed = a.overrides.seed.map_or("each file's seed".to_string(), |s| format!("seed {s}"));
        outln!("edgesim check: {} ({seed}), results in {}/<name>/\n", plural(n, "scenario"), a.out.display());
    }
    let verdicts = run_all(&a, &loaded, baselines.as_deref())?;
    let report = CheckReport::new(verdicts, a.allow_inconclusive);
    let unwritten = write_verdicts(&a, &report)?;
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

/// One scenario's verdict, or why the check stops.
type Checked = Result<ScenarioVerdict, Failure>;

/// Runs every scenario on `--threads` threads, the longest first, and
/// prints each one's block in file order as soon as it and those before it
/// are done; the verdicts in file order, or the first failure in file order
/// (after those running have finished; no new one starts).
fn run_all(
    a: &CheckArgs,
    loaded: &[Loaded],
    baselines: Option<&[(PathBuf, baseline::Record)]>,
) -> Result<Vec<ScenarioVerdict>, Failure> {
    let n = loaded.len();
    let threads =
        a.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |t| t.get())).clamp(1, n.max(1));
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(edgesim::budget::estimate(&loaded[i].prepared).events));
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let done: Mutex<(Vec<Option<Checked>>, usize)> = Mutex::new(((0..n).map(|_| None).collect(), 0));
    let work = || {
        while !stop.load(Ordering::SeqCst) {
            let Some(&i) = order.get(next.fetch_add(1, Ordering::SeqCst)) else { break };
            let r = check_one(a, &loaded[i], (i, n), threads > 1, baselines.map(|b| &b[i]));
            stop.fetch_or(r.is_err(), Ordering::SeqCst);
            let mut guard = done.lock().unwrap_or_else(|e| e.into_inner());
            let (results, printed) = &mut *guard;
            results[i] = Some(r);
            while let Some(Some(Ok(v))) = results.get(*printed) {
                print_scenario(v, a.allow_inconclusive, a.quiet);
                *printed += 1;
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        work();
    });
    let (results, _) = done.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut verdicts = Vec::with_capacity(n);
    let mut first_failure = None;
    for r in results.into_iter().flatten() {
        match r {
            Ok(v) => verdicts.push(v),
            Err(e) => {
                first_failure.get_or_insert(e);
            }
        }
    }
    match first_failure {
        Some(e) => Err(e),
        None => Ok(verdicts),
    }
}

/// Loads every scenario and checks every path before any runs: the work
/// budget, --junit and --json, the plan; makes the verdict files' folders.
fn load_checked(a: &CheckArgs) -> Result<Vec<Loaded>, Failure> {
    let mut loaded = load_all(&a.scenarios, a.overrides)?;
    let limits = edgesim::budget::Limits::from_flags(a.budget.max_events, a.budget.max_memory);
    edgesim::budget::admit_all(loaded.iter_mut().map(|l| &mut l.prepared), limits).map_err(input_error)?;
    if let Some(j) = &a.junit {
        output_file("--junit", j, "junit.xml")?;
    }
    if let Some(j) = &a.json {
        output_file("--json", j, "verdict.json")?;
    }
    check_plan(a, &loaded)?;
    for (flag, path) in [("--junit", &a.junit), ("--json", &a.json)] {
        if let Some(p) = path {
            make_parent(flag, p)?;
        }
    }
    Ok(loaded)
}

/// Runs scenario `i` of `n`, writes its results folder and judges it
/// (against its stored baseline, if given); `parallel`: others run beside
/// it (no progress bar).
fn check_one(
    a: &CheckArgs,
    l: &Loaded,
    (i, n): (usize, usize),
    parallel: bool,
    stored: Option<&(PathBuf, baseline::Record)>,
) -> Result<ScenarioVerdict, Failure> {
    let name = l.name();
    let dir = a.out.join(name);
    let earlier = if parallel {
        "the scenarios that finished have complete results".to_string()
    } else {
        format!("{i} of {n} scenarios ran before it and their results are complete")
    };
    if was_interrupted() {
        return Err(interrupted(format!("before {name}: {earlier}; no JUnit or JSON verdict was written")));
    }
    let set = ResultsSet::begin("--out", &dir, "check", name, &|_| false)?;
    let (outcome, wall_s) = match simulate(&l.prepared, None, &format!("[{}/{n}] {name}", i + 1), a.quiet || parallel) {
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
    let diff = match stored {
        Some((file, stored)) => Some(baseline_diff(a, &outcome.summary, file, stored)),
        None => None,
    };
    Ok(ScenarioVerdict::new(
        name,
        &file_label(&l.path),
        outcome.summary.seed,
        &file_label(&dir),
        outcome.verdicts.clone(),
        diff,
        wall_s,
    ))
}

/// A run's drift from its stored baseline, within the tolerances given.
fn baseline_diff(
    a: &CheckArgs,
    summary: &report::Summary,
    file: &Path,
    stored: &baseline::Record,
) -> baseline::BaselineDiff {
    let tolerance = Tolerance {
        abs_s: a.tolerance_abs.unwrap_or(Tolerance::default().abs_s),
        rel: a.tolerance_rel.unwrap_or(Tolerance::default().rel),
    };
    baseline::diff(&file_label(file), stored, &baseline::Record::from(summary), tolerance)
}

/// Writes index.html, --junit and --json; returns what could not be
/// written (the check goes on to print its total).
fn write_verdicts(a: &CheckArgs, report: &CheckReport) -> Result<Vec<String>, Failure> {
    let mut unwritten = Vec::new();
    if !a.no_charts {
        if let Err(e) = write_index(&a.out, report) {
            unwritten.push(e);
        }
    }
    if let Some(path) = &a.junit {
        let xml = junit::to_xml(report).map_err(input_error)?;
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
    Ok(unwritten)
}

/// Reads `DIR/<name>.json` for every scenario before any runs; a missing,
/// unreadable, changed or foreign one is an input error. The folder's
/// marker must say `edgesim baseline` wrote it, and list each file with
/// its size and hash.
fn load_baselines(dir: &Path, loaded: &[Loaded]) -> Result<Vec<(PathBuf, baseline::Record)>, Failure> {
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
        match checked.and_then(|()| report::summary::load_baseline(&file, l.name())) {
            Ok(s) => out.push((file, baseline::Record::from(&s))),
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
        "total {}: {}, {} failed; {} expectations: {} passed, {} failed, {} inconclusive{}{drift}",
        r.status.label(),
        plural(t.scenarios, "scenario"),
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
