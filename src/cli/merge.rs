//! `edgesim merge`: checks that the part files of a sharded sweep belong
//! together and writes what the unsharded sweep would have (byte for byte,
//! but the wall-clock record).

use super::failure::{Failure, EXIT_OK};
use super::plural;
use super::sweep::{commit, print_files, table};
use edgesim::report::outputs::{OutputsPlan, ResultsSet};
use edgesim::sweep::output::{self, is_part_name, SWEEP_FILES};
use edgesim::sweep::{report, shard};
use std::path::{Path, PathBuf};

/// Merge the part files of a sharded sweep into sweep.json, sweep.csv and runs.csv.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "The parts must come from one sweep (same scenario text, --seeds, --seed, --set axes, \
                  --max-events, edgesim version and N) and every K from 1 to N must be given exactly once. The \
                  merged sweep.json is byte-identical to the one an unsharded sweep writes. A folder stands for \
                  its part-*-of-*.json files.\n\nExit codes: 0 merged; 2 invalid input (a part missing, given \
                  twice, from another sweep, or unreadable).\n\nExample:\n  edgesim merge \
                  results/pf-sweep/part-1-of-4.json results/pf-sweep/part-2-of-4.json \
                  results/pf-sweep/part-3-of-4.json results/pf-sweep/part-4-of-4.json --out results/pf-sweep")]
pub struct MergeArgs {
    /// Part files written by `edgesim sweep --shard K/N` (or folders holding them).
    #[arg(required = true, value_name = "PART|DIR")]
    pub parts: Vec<PathBuf>,
    /// Where to write the merged results [default: the folder of the first part].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `edgesim merge`: checks the parts belong together, reassembles their
/// records and writes what the unsharded sweep would have. Part files in
/// the output folder are carried into the new set.
pub fn execute(args: MergeArgs) -> Result<u8, Failure> {
    let args = &args;
    let merged = shard::merge(&args.parts)?;
    let out = match (&args.out, args.parts.first()) {
        (Some(o), _) => o.clone(),
        (None, Some(first)) if first.is_dir() => first.clone(),
        (None, Some(first)) => first.parent().map(Path::to_path_buf).unwrap_or_default(),
        (None, None) => PathBuf::new(),
    };
    let out = if out.as_os_str().is_empty() { PathBuf::from(".") } else { out };
    let mut paths = OutputsPlan::new();
    for p in shard::expand_parts(&args.parts)? {
        paths.input("the part file", &p);
    }
    paths.set_folder_carrying_inputs("--out", &out, &SWEEP_FILES);
    paths.check()?;
    let spec = &merged.spec;
    // Marked as a sweep: the merged folder is what the unsharded sweep writes, marker included.
    let set = ResultsSet::begin("--out", &out, "sweep", &spec.scenario_name, &is_part_name)?;
    let report = report(spec, &merged.records)?;
    let parts: Vec<serde_json::Value> = merged
        .parts
        .iter()
        .map(|(s, r)| serde_json::json!({ "shard": s.to_string(), "wall_s": r.wall_s, "threads": r.threads }))
        .collect();
    let wall_s: f64 = merged.parts.iter().map(|(_, r)| r.wall_s).sum();
    let run_json = output::run_json(spec, merged.records.len(), wall_s, None, &parts);
    let files = output::write_all(&set, spec, &report, &merged.records, &run_json, &merged.scenario_text)?;
    commit(set, &out)?;
    if !args.quiet {
        outln!(
            "edgesim merge: {} of {} ({} x {} = {} runs, master seed {})",
            plural(merged.parts.len(), "part"),
            spec.scenario_name,
            plural(report.points.len(), "point"),
            plural(spec.seeds as usize, "seed"),
            spec.jobs(),
            spec.master_seed
        );
        out!("{}", table(&report));
        print_files(&files);
    }
    Ok(EXIT_OK)
}
