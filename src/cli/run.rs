//! `edgesim run`: one scenario, its table on the terminal and its results
//! folder (written as a whole, with an optional event trace beside it or
//! inside it).

use super::failure::{input_error, interrupted, output_error, Failure, EXIT_FAILED, EXIT_OK};
use super::load::{add_scenario_inputs, make_parent, output_file};
use super::progress::{simulate, was_interrupted, RunStop};
use super::results::{draw_after_run, expectation_line, left_as_it_was, run_file_names, write_results};
use edgesim::check::Status;
use edgesim::report::files::AtomicFile;
use edgesim::report::outputs::{self, Committed, OutputsPlan, ResultsSet};
use edgesim::report::{self};
use edgesim::Prepared;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The flags of `edgesim run`.
#[derive(clap::Args)]
pub struct RunArgs {
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
}

/// Runs `edgesim run`; the exit code is 1 when an expectation breaks.
pub fn execute(a: RunArgs) -> Result<u8, Failure> {
    let limits = edgesim::budget::Limits::from_flags(a.max_events, a.max_memory);
    let opts = RunOpts {
        seed: a.seed,
        out: a.out,
        trace: a.trace,
        trace_hash: a.trace_hash,
        allow_inconclusive: a.allow_inconclusive,
        charts: !a.no_charts,
        quiet: a.quiet,
        limits,
    };
    run(&a.scenario, opts)
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
