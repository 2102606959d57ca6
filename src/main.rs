//! The `edgesim` command line. Every command calls the library.

use clap::{Parser, Subcommand};
use edgesim::report::{self, files::write_atomic};
use edgesim::world::catalog::{self, Region};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Exit code: every expectation holds.
const EXIT_OK: u8 = 0;
/// Exit code: an expectation failed.
const EXIT_FAILED: u8 = 1;
/// Exit code: invalid input or usage.
const EXIT_INPUT: u8 = 2;

#[derive(Parser)]
#[command(
    name = "edgesim",
    version,
    about = "A deterministic discrete-event simulator of a global edge network",
    after_help = "Exit codes: 0 every expectation holds; 1 an expectation failed; 2 invalid input or usage.\n\nExample:\n  edgesim run scenarios/single-pop.toml"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one scenario, print a table, write results/<name>/summary.json.
    #[command(
        after_help = "Example:\n  edgesim run scenarios/single-pop.toml --seed 7 --out /tmp/sp --trace /tmp/sp/events.jsonl"
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
        /// Print only errors.
        #[arg(long, short)]
        quiet: bool,
    },
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { scenario, seed, out, trace, trace_hash, quiet } => {
            run(&scenario, seed, out, trace, trace_hash, quiet)
        }
        Command::Validate { scenarios } => validate(&scenarios),
        Command::Catalog { region, format } => list_catalog(region.as_deref(), format),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn run(
    path: &Path,
    seed: Option<u64>,
    out: Option<PathBuf>,
    trace: Option<PathBuf>,
    trace_hash: bool,
    quiet: bool,
) -> Result<u8, Failure> {
    let mut scenario = edgesim::scenario::load(path).map_err(|e| input_error(e.to_string()))?;
    if let Some(seed) = seed {
        scenario.set_seed(seed);
    }
    let prepared = edgesim::prepare(scenario).map_err(|e| input_error(e.to_string()))?;
    let name = prepared.scenario.name().to_string();
    let out_dir = out.unwrap_or_else(|| Path::new("results").join(&name));
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| input_error(format!("--out {}: cannot create the folder: {e}", out_dir.display())))?;
    let mut trace_file = match &trace {
        Some(t) => Some(BufWriter::new(
            File::create(t).map_err(|e| input_error(format!("--trace {}: cannot create: {e}", t.display())))?,
        )),
        None => None,
    };
    let started = Instant::now();
    let outcome = edgesim::simulate(&prepared, trace_file.as_mut().map(|w| w as &mut dyn Write))
        .map_err(|e| input_error(format!("--trace: cannot write: {e}")))?;
    let wall_s = started.elapsed().as_secs_f64();
    let summary = &outcome.summary;
    let json = serde_json::to_string_pretty(summary)
        .map_err(|e| input_error(format!("cannot encode summary.json: {e}")))?
        + "\n";
    let write = |file: &str, bytes: &[u8]| {
        let p = out_dir.join(file);
        write_atomic(&p, bytes).map_err(|e| input_error(format!("cannot write {}: {e}", p.display())))
    };
    write("summary.json", json.as_bytes())?;
    write("timeseries.csv", report::timeseries_csv(&outcome.result.recorder).as_bytes())?;
    let codes: Vec<String> = prepared.world.pops.iter().map(|p| p.code.clone()).collect();
    write("pops_timeseries.csv", report::pop_series_csv(&outcome.result.pop_series, &codes).as_bytes())?;
    let run_json = run_json(summary, wall_s);
    write("run.json", run_json.as_bytes())?;
    if trace_hash {
        println!("{}", summary.trace_hash);
    } else if !quiet {
        print_run(&prepared, summary, wall_s, &out_dir);
    }
    Ok(if summary.passed { EXIT_OK } else { EXIT_FAILED })
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

fn print_run(p: &edgesim::Prepared, s: &report::Summary, wall_s: f64, out_dir: &Path) {
    println!(
        "edgesim run: {} (seed {}, {} simulated, {} PoPs, {} client sites)\n",
        s.scenario,
        s.seed,
        p.scenario.duration(),
        p.world.pops.len(),
        p.world.sites.len()
    );
    print!("{}", report::terminal_table(s));
    let held = s.expectations.iter().filter(|v| v.passed).count();
    println!();
    if !s.expectations.is_empty() {
        println!("{held} of {} expectations hold.", s.expectations.len());
    }
    let requests = s.requests.issued + s.requests.unfinished;
    println!(
        "wall {:.2}s: {:.2} M events/s, {:.2} M simulated requests/s, trace {}",
        wall_s,
        s.events_handled as f64 / wall_s.max(1e-9) / 1e6,
        requests as f64 / wall_s.max(1e-9) / 1e6,
        s.trace_hash
    );
    println!("results in {}", out_dir.display());
}

fn validate(paths: &[PathBuf]) -> Result<u8, Failure> {
    let mut bad = 0;
    for path in paths {
        let checked = edgesim::scenario::load(path).and_then(edgesim::prepare);
        match checked {
            Ok(p) => println!(
                "ok    {} ({}: {} PoPs, {} client sites, {} expectations)",
                path.display(),
                p.scenario.name(),
                p.world.pops.len(),
                p.world.sites.len(),
                p.expectations.len()
            ),
            Err(e) => {
                bad += 1;
                eprintln!("error: {e}");
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
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`edgesim catalog | head`) is not an error worth reporting.
    let _ = stdout.write_all(out.as_bytes());
    Ok(EXIT_OK)
}
