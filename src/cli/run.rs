//! `edgesim run`: one scenario, its table on the terminal and its results
//! folder (written as a whole, with an optional event trace beside it or
//! inside it).

use super::failure::{input_error, interrupted, output_error, Failure, EXIT_FAILED, EXIT_OK};
use super::load::{add_scenario_inputs, make_parent, output_file};
use super::progress::{simulate, was_interrupted, RunStop};
use super::results::{draw_after_run, expectation_line, left_as_it_was, run_file_names, write_results};
use edgesim::check::Status;
use edgesim::report;
use edgesim::report::files::AtomicFile;
use edgesim::report::outputs::{self, Committed, OutputsPlan, ResultsSet};
use edgesim::Prepared;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The flags of `edgesim run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// The seed and fidelity replaced in every scenario.
    #[command(flatten)]
    overrides: super::load::Overrides,
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
    /// The work budget.
    #[command(flatten)]
    budget: super::BudgetFlags,
}

/// Runs `edgesim run`; the exit code is 1 when an expectation breaks.
pub fn execute(a: RunArgs) -> Result<u8, Failure> {
    let prepared = load(&a)?;
    let name = prepared.scenario.name().to_string();
    let out_dir = a.out.clone().unwrap_or_else(|| Path::new("results").join(&name));
    plan_outputs(&a, &prepared, &out_dir)?;
    let set = ResultsSet::begin("--out", &out_dir, "run", &name, &|_| false)?;
    let mut trace = Trace::open(a.trace.as_deref(), &out_dir, &set)?;
    let (outcome, wall_s) = simulate_run(&a, &prepared, &mut trace, &set, &out_dir)?;
    write_results(&set, &prepared, &outcome, wall_s)?;
    if !a.no_charts {
        draw_after_run(&set, &prepared.scenario.source.text);
    }
    trace.commit_in_set(&out_dir, &set)?;
    let previous = set.previous().clone();
    if set.commit(&was_interrupted)? == Committed::LeftAsItWas {
        return Err(interrupted(format!(
            "after the run, before its results were put in place; {}{}",
            left_as_it_was(&out_dir, &previous),
            trace.not_written()
        )));
    }
    trace.commit_beside(&out_dir)?;
    if was_interrupted() {
        return Err(interrupted(format!("after the run; results complete in {}", out_dir.display())));
    }
    let summary = &outcome.summary;
    if a.trace_hash {
        outln!("{}", summary.trace_hash);
    } else if !a.quiet {
        print_run(&prepared, summary, wall_s, &out_dir);
    }
    let broken = summary.expectations.iter().any(|v| v.status.breaks(a.allow_inconclusive));
    Ok(if broken { EXIT_FAILED } else { EXIT_OK })
}

/// Loads and resolves the scenario (seed replaced if asked) and admits it
/// under the work budget.
fn load(a: &RunArgs) -> Result<Prepared, Failure> {
    let mut scenario = edgesim::scenario::load(&a.scenario).map_err(|e| input_error(e.to_string()))?;
    a.overrides.apply(&mut scenario);
    let mut prepared = edgesim::prepare(scenario).map_err(|e| input_error(e.to_string()))?;
    let limits = edgesim::budget::Limits::from_flags(a.budget.max_events, a.budget.max_memory);
    edgesim::budget::admit(&mut prepared, limits).map_err(input_error)?;
    Ok(prepared)
}

/// Checks the inputs and outputs before the run (no output overwrites an
/// input, the folder is one edgesim may replace) and makes the trace's folder.
fn plan_outputs(a: &RunArgs, prepared: &Prepared, out_dir: &Path) -> Result<(), Failure> {
    let mut plan = OutputsPlan::new();
    add_scenario_inputs(&mut plan, &a.scenario, &prepared.scenario);
    let reserved = run_file_names();
    let reserved: Vec<&str> = reserved.iter().map(String::as_str).collect();
    plan.set_folder("--out", out_dir, &reserved, &["--trace"]);
    if let Some(t) = &a.trace {
        output_file("--trace", t, "events.jsonl")?;
        plan.file("--trace", t);
    }
    plan.check()?;
    if let Some(t) = &a.trace {
        make_parent("--trace", t)?;
    }
    Ok(())
}

/// Simulates under Ctrl-C and the progress bar; a stop is a failure that
/// says what was left as it was.
fn simulate_run(
    a: &RunArgs,
    prepared: &Prepared,
    trace: &mut Trace,
    set: &ResultsSet,
    out_dir: &Path,
) -> Result<(edgesim::Outcome, f64), Failure> {
    let name = prepared.scenario.name();
    let not_written = trace.not_written();
    match simulate(prepared, trace.writer(), name, a.quiet || a.trace_hash) {
        Ok(done) => Ok(done),
        Err(RunStop::Interrupted(at)) => Err(interrupted(format!(
            "{name} stopped at {at} of {} simulated; {}{not_written}",
            prepared.scenario.duration(),
            left_as_it_was(out_dir, set.previous())
        ))),
        Err(RunStop::Io(e)) if edgesim::sim::budget_exceeded(&e).is_some() => {
            Err(input_error(format!("{}: {e}", prepared.scenario.source.path)))
        }
        Err(RunStop::Io(e)) => {
            let t = a.trace.as_deref().unwrap_or(Path::new("?"));
            Err(output_error(format!(
                "--trace {}: cannot write: {e}; {}",
                t.display(),
                left_as_it_was(out_dir, set.previous())
            )))
        }
    }
}

/// The --trace file, written whole or not at all: inside the results
/// folder it is part of the set, elsewhere it is put in place after it.
struct Trace {
    path: Option<PathBuf>,
    file: Option<AtomicFile>,
    in_set: bool,
}

impl Trace {
    fn open(path: Option<&Path>, out_dir: &Path, set: &ResultsSet) -> Result<Trace, Failure> {
        // A trace inside the results folder is part of the set.
        let in_set = path.is_some_and(|t| outputs::resolve(t).parent() == Some(outputs::resolve(out_dir).as_path()));
        let file = match path {
            Some(t) => {
                let at = match (in_set, t.file_name()) {
                    (true, Some(file)) => set.dir().join(file),
                    _ => t.to_path_buf(),
                };
                Some(
                    AtomicFile::create(&at)
                        .map_err(|e| output_error(format!("--trace {}: cannot create: {e}", t.display())))?,
                )
            }
            None => None,
        };
        Ok(Trace { path: path.map(Path::to_path_buf), file, in_set })
    }

    fn writer(&mut self) -> Option<&mut dyn Write> {
        self.file.as_mut().map(|w| w as &mut dyn Write)
    }

    /// What a message adds when the trace was not written.
    fn not_written(&self) -> String {
        self.path.as_ref().map_or(String::new(), |t| format!("; the trace {} was not written", t.display()))
    }

    /// Puts a trace inside the set in place with it (before the set's commit).
    fn commit_in_set(&mut self, out_dir: &Path, set: &ResultsSet) -> Result<(), Failure> {
        if !self.in_set {
            return Ok(());
        }
        if let (Some(f), Some(t)) = (self.file.take(), &self.path) {
            f.commit().map_err(|e| {
                output_error(format!("{}; {}", cannot_trace(e, t), left_as_it_was(out_dir, set.previous())))
            })?;
        }
        Ok(())
    }

    /// Puts a trace outside the set in place (after the set's commit).
    fn commit_beside(&mut self, out_dir: &Path) -> Result<(), Failure> {
        if let (Some(f), Some(t)) = (self.file.take(), &self.path) {
            f.commit().map_err(|e| {
                output_error(format!("{}; the results in {} are complete", cannot_trace(e, t), out_dir.display()))
            })?;
        }
        Ok(())
    }
}

fn cannot_trace(e: io::Error, t: &Path) -> String {
    format!("--trace {}: cannot write: {e}", t.display())
}

fn print_run(p: &Prepared, s: &report::Summary, wall_s: f64, out_dir: &Path) {
    outln!(
        "edgesim run: {} (seed {}, {} fidelity, {} simulated, {} PoPs, {} client sites)\n",
        s.scenario,
        s.seed,
        s.fidelity.as_str(),
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
