//! `edgesim baseline`: runs scenarios and stores each summary as
//! DIR/<scenario name>.json for `check --baseline DIR`; the folder's
//! baselines are replaced together, others in it are kept.

use super::failure::{input_error, interrupted, output_error, Failure, EXIT_OK};
use super::load::{add_scenario_inputs, load_all, Loaded};
use super::progress::{simulate, was_interrupted, RunStop};
use super::results::left_as_it_was;
use edgesim::check::Status;
use edgesim::report;
use edgesim::report::outputs::{self, Committed, OutputsPlan, ResultsSet};
use std::path::{Path, PathBuf};

/// The flags of `edgesim baseline`.
#[derive(clap::Args)]
pub struct BaselineArgs {
    /// Scenario files or folders of them.
    #[arg(required = true, value_name = "SCENARIO|DIR")]
    scenarios: Vec<PathBuf>,
    /// The folder to store the baselines in.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The seed and fidelity replaced in every scenario.
    #[command(flatten)]
    overrides: super::load::Overrides,
    /// Print only errors (and no progress bar).
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `edgesim baseline`; exit 0 once every baseline is stored.
pub fn execute(a: BaselineArgs) -> Result<u8, Failure> {
    make_baselines(&a.scenarios, &a.out, a.overrides, a.quiet)
}

fn make_baselines(args: &[PathBuf], out: &Path, overrides: super::load::Overrides, quiet: bool) -> Result<u8, Failure> {
    let mut loaded = load_all(args, overrides)?;
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
