//! The `edgesim` command line: the clap definition of the commands and
//! their flags, one file per command (`run`, `check`, `baseline`, `plot`,
//! `sweep`, `merge`, `validate`, `catalog`, each with an `execute`), and
//! what they share: exit codes and failures ([`failure`]), the progress bar
//! and Ctrl-C ([`progress`]), loading scenarios ([`load`]) and writing a
//! run's results folder ([`results`]). This lives in the binary crate: the
//! library never sees it.

/// `println!` that never panics: stdout goes through
/// [`edgesim::report::outputs::print`], which records its first error (a
/// closed pipe, a full disk).
macro_rules! outln {
    () => {
        edgesim::report::outputs::print("\n")
    };
    ($($t:tt)*) => {
        edgesim::report::outputs::print(&format!("{}\n", format_args!($($t)*)))
    };
}

/// `print!` that never panics (see [`outln`]).
macro_rules! out {
    ($($t:tt)*) => {
        edgesim::report::outputs::print(&format!($($t)*))
    };
}

/// `eprintln!` that never panics (a closed stderr is ignored).
macro_rules! errln {
    ($($t:tt)*) => {
        edgesim::report::outputs::eprint(&format!("{}\n", format_args!($($t)*)))
    };
}

pub mod baseline;
pub mod catalog;
pub mod check;
pub mod failure;
pub mod load;
pub mod merge;
pub mod plot;
pub mod progress;
pub mod results;
pub mod run;
pub mod sweep;
pub mod validate;

use clap::{Parser, Subcommand};

/// The command line: one subcommand.
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
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands; each runs its file's `execute`.
#[derive(Subcommand)]
pub enum Command {
    /// Run one scenario, print a table, write results/<name>/ (summary.json, CSVs, charts, report.html).
    #[command(
        after_help = "Exit codes: 0 every expectation holds; 1 one failed or was inconclusive; 2 invalid input or \
                      usage; 3 an output could not be written (results left as they were); 130 interrupted by Ctrl-C \
                      (results left as they were, or complete: the message says which).\n\nExample:\n  \
                      edgesim run scenarios/single-pop.toml --seed 7 --out /tmp/sp --trace /tmp/sp/events.jsonl"
    )]
    Run(run::RunArgs),
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
    Check(check::CheckArgs),
    /// Run scenarios and store each summary as DIR/<scenario name>.json, for `check --baseline DIR`.
    #[command(
        after_help = "Exit codes: 0 every baseline stored (whatever the expectations say: `check` judges them); \
                      2 invalid input or usage; 3 an output could not be written; 130 interrupted by Ctrl-C (the \
                      folder's baselines are left as they were: they are replaced together).\n\n\
                      Example:\n  edgesim baseline scenarios/ --out baselines"
    )]
    Baseline(baseline::BaselineArgs),
    /// Redraw the charts and report.html of a results folder from its saved files.
    #[command(
        after_help = "Exit codes: 0 drawn; 2 not a results folder, or its files are not the ones edgesim wrote there; 3 \
                      the charts could not be written.\n\nExample:\n  \
                            edgesim plot results/pop-failure"
    )]
    Plot(plot::PlotArgs),
    /// Run a scenario over many seeds and a grid of parameter values, on all cores.
    Sweep(sweep::SweepArgs),
    /// Combine the parts of a sharded sweep into what the whole sweep gives.
    Merge(merge::MergeArgs),
    /// Check scenario files without running them.
    #[command(after_help = "Example:\n  edgesim validate scenarios/*.toml scenarios/validation/*.toml")]
    Validate(validate::ValidateArgs),
    /// List a PoP catalog: the built-in one, or `--catalog global`.
    #[command(after_help = "Example:\n  edgesim catalog --region EU --format csv\n  edgesim catalog --catalog global")]
    Catalog(catalog::CatalogArgs),
}

impl Command {
    /// Whether the command catches Ctrl-C from the start (run, check and
    /// baseline; sweep installs the handler itself once its plan is made).
    pub fn catches_ctrl_c(&self) -> bool {
        matches!(self, Command::Run(_) | Command::Check(_) | Command::Baseline(_))
    }
}

/// `1 point`, `3 points`: a count and its noun, for messages.
pub fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The work-budget flags of `run` and `check` (a sweep words them for
/// replications).
#[derive(clap::Args, Debug)]
pub struct BudgetFlags {
    /// Refuse a run estimated past N events, stop one that gets there [default: 1e9].
    #[arg(long, value_name = "N", value_parser = parse_event_count)]
    pub max_events: Option<u64>,
    /// Refuse a run estimated to need more than this memory, MiB [default: 1024].
    #[arg(long, value_name = "MIB")]
    pub max_memory: Option<u64>,
}

/// `--fidelity`: how the traffic is simulated, replacing the file's
/// `scenario.fidelity`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FidelityArg {
    /// Every request an event.
    Request,
    /// Flows of rates; PoPs as queueing stations.
    Flow,
}

impl From<FidelityArg> for edgesim::scenario::schema::Fidelity {
    fn from(f: FidelityArg) -> Self {
        match f {
            FidelityArg::Request => edgesim::scenario::schema::Fidelity::Request,
            FidelityArg::Flow => edgesim::scenario::schema::Fidelity::Flow,
        }
    }
}

/// Parses `--max-events N`: an integer (`100000000`, `100_000_000`) or the
/// same in scientific notation (`1e8`, `2.5e7`), as the help's default is
/// written; it must be a whole number of events.
pub fn parse_event_count(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    if let Ok(n) = t.parse::<u64>() {
        return Ok(n);
    }
    let expected = "expected a whole number of events, e.g. 100000000 or 1e8";
    let x: f64 = t.parse().map_err(|_| format!("`{s}` is not a number; {expected}"))?;
    if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= 9.0e15 {
        Ok(x as u64)
    } else {
        Err(format!("`{s}` is not a whole number of events from 0 to 9e15; {expected}"))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_event_count;

    #[test]
    fn event_counts_read_as_written_in_the_help() {
        assert_eq!(parse_event_count("100000000"), Ok(100_000_000));
        assert_eq!(parse_event_count("100_000_000"), Ok(100_000_000));
        assert_eq!(parse_event_count("1e8"), Ok(100_000_000));
        assert_eq!(parse_event_count("2.5e7"), Ok(25_000_000));
        for bad in ["1.5", "-1", "1e300", "NaN", "inf", "ten", ""] {
            assert!(parse_event_count(bad).is_err(), "{bad} accepted");
        }
    }
}
