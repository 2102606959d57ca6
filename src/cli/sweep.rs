//! `edgesim sweep`: runs a scenario over many seeds and a grid of `--set`
//! values through the library's [`edgesim::sweep`], writes the sweep's
//! folder (or, with --shard, one part file) and prints a table per grid
//! point. The set commit, the table and the lines shared with
//! [`super::merge`] live here too.

use super::failure::{input_error, interrupted, output_error, Failure, EXIT_OK};
use super::plural;
use super::progress::{install_interrupt_handler, stop_flag, was_interrupted};
use edgesim::report::files::write_atomic;
use edgesim::report::outputs::{Committed, OutputsPlan, ResultsSet};
use edgesim::report::short_number;
use edgesim::sweep::output::{self, SWEEP_FILES};
use edgesim::sweep::stats::MeasureStats;
use edgesim::sweep::{
    load_plan, report, run, shard, Plan, PointReport, Ran, RunOptions, Settings, Shard, SweepError, SweepReport,
};
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};

/// Run a scenario over many seeds and a grid of parameter values.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Each grid point (the product of the --set axes, in flag order) runs --seeds replications; \
                  replication r of a point runs with seed derive_seed(master seed, \"<point label>/<r>\"), so a \
                  point's results do not depend on the rest of the grid, on --threads or on --shard. A --set path \
                  is dotted keys into the scenario file (a number indexes an array of tables from 1: fault.1.at); \
                  a value that parses as a TOML integer, float or boolean is one, anything else is a string. \
                  Writes DIR/sweep.json (per point and measure: n, mean and its 95% t interval, p50/p90/p99 with \
                  distribution-free intervals, expectation pass rates and the seeds that did not pass), \
                  sweep.csv (one row per point x measure), runs.csv (every run and its seed) and sweep-run.json \
                  (wall time). With --shard K/N, writes DIR/part-K-of-N.json instead; `edgesim merge` joins the \
                  parts.\n\nExit codes: 0 the sweep ran (it reports pass rates, it does not judge); 2 invalid \
                  input or usage; 130 interrupted by Ctrl-C (nothing written).\n\nExamples:\n  edgesim sweep \
                  scenarios/pop-failure.toml --seeds 200\n  edgesim sweep scenarios/pop-failure.toml --seeds 50 \
                  --set pops.LAX.servers=8,12,16 --set anycast.health_check.interval=5s,15s\n  edgesim sweep \
                  scenarios/pop-failure.toml --seeds 1000 --shard 2/4 --out results/pf-sweep")]
pub struct SweepArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Replications per grid point.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub seeds: u32,
    /// A grid axis: a dotted path into the scenario and its comma-separated values (repeatable; the grid is the product).
    #[arg(long = "set", value_name = "PATH=V1,V2,...")]
    pub set: Vec<String>,
    /// Threads running replications [default: one per core].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Run only shard K of N (jobs with index % N == K-1) and write DIR/part-K-of-N.json.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Where to write results [default: results/NAME-sweep, NAME being the scenario's name].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the scenario's master seed (replication seeds derive from it).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Simulate every request or flows of rates (the same as `--set scenario.fidelity=...` with one value).
    #[arg(long, value_enum)]
    pub fidelity: Option<super::FidelityArg>,
    /// Refuse the sweep if a run is estimated past N events; a replication that gets there is recorded as an error (checked every 65,536 events) [default: 1e9].
    #[arg(long, value_name = "N", value_parser = super::parse_event_count)]
    pub max_events: Option<u64>,
    /// Print only errors (and no progress bar).
    #[arg(long, short)]
    pub quiet: bool,
    /// Refuse the sweep if a run is estimated to need more than this memory, MiB [default: 1024].
    #[arg(long, value_name = "MIB")]
    pub max_memory: Option<u64>,
}

/// `edgesim sweep`: plans (every grid point validated before any run),
/// runs, aggregates and writes the sweep; prints a short table per point.
pub fn execute(args: SweepArgs) -> Result<u8, Failure> {
    let args = &args;
    if args.threads == Some(0) {
        return Err(input_error("--threads 0: expected at least 1 (leave it out for one per core)"));
    }
    let plan = plan_sweep(args)?;
    let spec = &plan.spec;
    let out = args.out.clone().unwrap_or_else(|| Path::new("results").join(format!("{}-sweep", spec.scenario_name)));
    let set = begin_outputs(args, &plan, &out)?;
    if !args.quiet {
        print_heading(args, &plan);
    }
    install_interrupt_handler();
    let opts = RunOptions {
        threads: args.threads,
        shard: args.shard,
        progress: !args.quiet && io::stderr().is_terminal(),
        stop: Some(stop_flag()),
    };
    let ran = match run(&plan, &opts) {
        Ok(ran) => ran,
        Err(SweepError::Interrupted(m)) => {
            let left = set.as_ref().map_or(String::new(), |s| {
                format!("; results left as they were in {}: {}", out.display(), s.previous().describe())
            });
            return Err(interrupted(format!("{m}{left}")));
        }
        Err(e) => return Err(e.into()),
    };
    match set {
        Some(set) => finish_whole(args, &plan, &ran, set, &out),
        None => finish_part(args, &plan, &ran, &out),
    }
}

/// `--fidelity F` as the one-value axis `scenario.fidelity=F`.
/// An axis `--set scenario.fidelity=...` as well is a usage error.
fn fidelity_set(args: &SweepArgs) -> Result<Option<String>, Failure> {
    let Some(f) = args.fidelity else { return Ok(None) };
    let f: edgesim::scenario::schema::Fidelity = f.into();
    if let Some(axis) = args.set.iter().find(|s| s.trim_start().starts_with("scenario.fidelity")) {
        return Err(input_error(format!(
            "--fidelity {} and --set {axis} both set the fidelity; give one (--set sweeps several)",
            f.as_str()
        )));
    }
    Ok(Some(format!("scenario.fidelity={}", f.as_str())))
}

/// Loads the plan (every grid point validated) and refuses it if a point
/// is estimated past the work budget.
fn plan_sweep(args: &SweepArgs) -> Result<Plan, Failure> {
    let limits = edgesim::budget::Limits::from_flags(args.max_events, args.max_memory);
    let settings = Settings {
        seeds: args.seeds,
        sets: fidelity_set(args)?.into_iter().chain(args.set.iter().cloned()).collect(),
        master_seed: args.seed,
        max_events: Some(limits.max_events),
    };
    let plan = load_plan(&args.scenario, &settings)?;
    let refused: Vec<String> = (0..plan.points.len())
        .filter_map(|i| plan.prepared(i))
        .filter_map(|p| edgesim::budget::check(p, limits).err())
        .collect();
    if !refused.is_empty() {
        return Err(input_error(format!("{}\nnothing was run", refused.join("\n"))));
    }
    Ok(plan)
}

/// Checks the output paths; a whole sweep begins its results set, a shard
/// writes one part file (no set).
fn begin_outputs(args: &SweepArgs, plan: &Plan, out: &Path) -> Result<Option<ResultsSet>, Failure> {
    let mut plan_paths = OutputsPlan::new();
    plan_paths.input("the scenario file", &args.scenario);
    match args.shard {
        Some(s) => {
            plan_paths.container("--out", out, &[]).file("--out", &out.join(s.file_name()));
            plan_paths.check()?;
            Ok(None)
        }
        None => {
            plan_paths.set_folder("--out", out, &SWEEP_FILES, &[]);
            plan_paths.check()?;
            Ok(Some(ResultsSet::begin("--out", out, "sweep", &plan.spec.scenario_name, &|_| false)?))
        }
    }
}

/// The line saying what the sweep runs.
fn print_heading(args: &SweepArgs, plan: &Plan) {
    let spec = &plan.spec;
    let runs = match args.shard {
        Some(s) => (0..spec.jobs()).filter(|j| s.owns(*j)).count(),
        None => spec.jobs(),
    };
    let shard = args.shard.map_or(String::new(), |s| format!(", shard {s}: {runs} runs"));
    outln!(
        "edgesim sweep: {} ({} x {} = {} runs{shard}, master seed {})",
        spec.scenario_name,
        plural(plan.points.len(), "point"),
        plural(spec.seeds as usize, "seed"),
        spec.jobs(),
        spec.master_seed
    );
}

/// Runs per wall second.
fn rate(ran: &Ran) -> f64 {
    ran.records.len() as f64 / ran.wall_s.max(1e-9)
}

/// A shard: writes its part file and says how to merge the parts.
fn finish_part(args: &SweepArgs, plan: &Plan, ran: &Ran, out: &Path) -> Result<u8, Failure> {
    let s = args.shard.ok_or_else(|| input_error("no shard"))?;
    let part = shard::Part::new(
        &plan.spec,
        &plan.scenario_text,
        s,
        &ran.records,
        shard::PartRun { wall_s: ran.wall_s, threads: ran.threads },
    );
    let path = write_part(out, s, &part.to_json()?)?;
    if !args.quiet {
        let errors = ran.records.iter().filter(|r| r.error.is_some()).count();
        outln!(
            "part {s}: {} runs ({errors} errors) in {:.2}s on {} threads, {:.2} runs/s",
            ran.records.len(),
            ran.wall_s,
            ran.threads,
            rate(ran)
        );
        outln!("wrote {}", path.display());
        outln!("when all {} parts are done: edgesim merge {} --out {}", s.n, out.display(), out.display());
    }
    Ok(EXIT_OK)
}

/// A whole sweep: aggregates, writes its set, swaps it in, prints the table.
fn finish_whole(args: &SweepArgs, plan: &Plan, ran: &Ran, set: ResultsSet, out: &Path) -> Result<u8, Failure> {
    let spec = &plan.spec;
    let report = report(spec, &ran.records)?;
    let run_json = output::run_json(spec, ran.records.len(), ran.wall_s, Some(ran.threads), &[]);
    let files = output::write_all(&set, spec, &report, &ran.records, &run_json, &plan.scenario_text)?;
    commit(set, out)?;
    if !args.quiet {
        out!("{}", table(&report));
        outln!("wall {:.2}s on {} threads: {:.2} runs/s", ran.wall_s, ran.threads, rate(ran));
        print_files(&files);
    }
    Ok(EXIT_OK)
}

/// Writes a shard's part file into `out` (created if need be), atomically;
/// a file of that name that is not a part file is never replaced.
fn write_part(out: &Path, s: Shard, json: &str) -> Result<PathBuf, Failure> {
    let path = out.join(s.file_name());
    if path.exists() && shard::read_part(&path).is_err() {
        let head: String = std::fs::read_to_string(&path).unwrap_or_default().chars().take(200).collect();
        if !head.contains(shard::PART_KIND) {
            return Err(input_error(format!(
                "--out {}: holds {}, which is not a part file; not replaced",
                out.display(),
                path.display()
            )));
        }
    }
    std::fs::create_dir_all(out)
        .map_err(|e| output_error(format!("--out {}: cannot create the folder: {e}", out.display())))?;
    write_atomic(&path, json.as_bytes())
        .map_err(|e| output_error(format!("cannot write {}: {e}; the part file is as it was", path.display())))?;
    Ok(path)
}

/// Swaps a written sweep set in; Ctrl-C before the swap leaves the folder as it was.
pub fn commit(set: ResultsSet, out: &Path) -> Result<(), Failure> {
    let previous = set.previous().describe();
    match set.commit(&|| was_interrupted())? {
        Committed::Complete => Ok(()),
        Committed::LeftAsItWas => Err(interrupted(format!(
            "after the sweep ran, before its results were put in place; results left as they were in {}: \
             {previous}",
            out.display()
        ))),
    }
}

/// Prints the files written, on one line.
pub fn print_files(files: &[PathBuf]) {
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    outln!("wrote {}", names.join(", "));
}

/// Whether the terminal table shows a measure (sweep.json has them all).
fn headline(name: &str) -> bool {
    const NAMES: [&str; 14] = [
        "availability",
        "availability_annual",
        "downtime_minutes",
        "error_budget.burn_ratio",
        "incidents.count",
        "incidents.mttr_minutes",
        "incidents.rto_p99_s",
        "latency_ms.p50",
        "latency_ms.p99",
        "attempts_per_request",
        "requests.failed",
        "shed",
        "max_pop_utilisation",
        "max_level",
    ];
    NAMES.contains(&name) || (name.starts_with("fault") && !name.contains(".timeline.")) || name.starts_with("expect")
}

fn opt(x: Option<f64>) -> String {
    x.map_or("-".to_string(), short_number)
}

/// The per-point table: measure, mean [95% CI], p99; then expectation pass rates.
pub fn table(report: &SweepReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for p in &report.points {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", point_title(report, p));
        let rows: Vec<(&String, &MeasureStats)> = p.measures.iter().filter(|(n, _)| headline(n)).collect();
        if !rows.is_empty() {
            let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0).max(7);
            let _ = writeln!(out, "  {:<width$}  {:>12}  {:<27}  {:>12}", "measure", "mean", "[95% CI]", "p99");
            for (name, s) in rows {
                let ci = format!("[{}, {}]", opt(s.ci_low), opt(s.ci_high));
                let missing = if s.missing > 0 { format!("  ({} runs without)", s.missing) } else { String::new() };
                let _ = writeln!(
                    out,
                    "  {name:<width$}  {:>12}  {ci:<27}  {:>12}{missing}",
                    short_number(s.mean),
                    short_number(s.p99)
                );
            }
        }
        for (i, e) in p.expectations.iter().enumerate() {
            let rate = e.pass_rate.map_or("-".to_string(), |r| format!("{:.1}%", r * 100.0));
            let seeds = if e.not_passed.count > 0 {
                let listed: Vec<String> = e.not_passed.seeds.iter().take(3).map(u64::to_string).collect();
                let more = if e.not_passed.count > listed.len() { ", ..." } else { "" };
                format!("  (not passed: {}, seeds {}{more})", e.not_passed.count, listed.join(", "))
            } else {
                String::new()
            };
            let _ = writeln!(out, "  expect{}  {rate:>6} pass  {}{seeds}", i + 1, e.text);
        }
        if p.errors.seeds.count > 0 {
            let listed: Vec<String> = p.errors.seeds.seeds.iter().take(3).map(u64::to_string).collect();
            let why: Vec<String> = p.errors.messages.iter().map(|(m, n)| format!("{m} ({n})")).collect();
            let _ = writeln!(
                out,
                "  {} runs gave no result: {}; seeds {}",
                p.errors.seeds.count,
                why.join("; "),
                listed.join(", ")
            );
        }
        if p.errors.seeds.count > 0 || p.expectations.iter().any(|e| e.not_passed.count > 0) {
            let _ = writeln!(out, "  replay: {}", p.replay);
        }
    }
    let _ = writeln!(out);
    out
}

fn point_title(report: &SweepReport, p: &PointReport) -> String {
    let label = if p.label.is_empty() { "(the scenario as written)".to_string() } else { p.label.clone() };
    format!(
        "point {} of {}: {label}  ({} runs, {} errors)",
        p.index + 1,
        report.points.len(),
        p.runs,
        p.errors.seeds.count
    )
}
