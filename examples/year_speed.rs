//! How fast a long flow-fidelity run of the whole catalog goes (issue 16's
//! speed target: `scenarios/year-of-operations.toml`, one replication in
//! <= 60 s on one core, 100 replications on two cores in <= 1 hour, memory
//! bounded whatever the horizon). Prints one line per run: the wall time
//! of the simulation alone (parsing, preparing and writing no results),
//! events handled, times real time and the process's peak resident memory
//! so far (Linux; 0 elsewhere): the 60-day prefix first, then the year, so
//! the two peaks can be compared. Then a point of sweep throughput: 4
//! replications (seeds 1 to 4) of the 30-day prefix on 2 threads, and what
//! that rate gives for 100 years on 2 cores. Figures only: nothing here is
//! asserted.
//!
//! ```text
//! cargo run --release --example year_speed             # 60 d, 365 d, sweep point
//! cargo run --release --example year_speed -- --short  # 60 d and the sweep point
//! ```
//!
//! On two cores shared with other work (load ~7, so walls ~4x a quiet
//! core's; the CLI's `user` time for the year was 50 s):
//!
//! ```text
//! flow scenario=year-of-operations-60d sim_s=5184000 wall_s=35.31 x_real_time=146809 events=2211410 events_per_s=62627 peak_rss_mib=71
//! flow scenario=year-of-operations-365d sim_s=31536000 wall_s=232.36 x_real_time=135718 events=13865682 events_per_s=59672 peak_rss_mib=225
//! sweep runs=4 days=30 threads=2 wall_s=32.27 years_per_hour=37 hundred_years_min=163.6 peak_rss_mib=225
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The scenario's path and text.
fn year_text() -> Result<(PathBuf, String), String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join("year-of-operations.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((path, text))
}

/// The year's text cut to `days` (its first `duration = "365d"`), with
/// master seed `seed` if given.
fn prefix(text: &str, days: u32, seed: Option<u64>) -> Result<String, String> {
    let from = "duration = \"365d\"";
    if !text.contains(from) {
        return Err(format!("the scenario has no `{from}` to shorten"));
    }
    let mut out = text.replacen(from, &format!("duration = \"{days}d\""), 1);
    if let Some(s) = seed {
        let line = out.lines().find(|l| l.trim_start().starts_with("seed =")).map(str::to_string);
        if let Some(l) = line {
            out = out.replacen(&l, &format!("seed = {s}"), 1);
        }
    }
    Ok(out)
}

/// Peak resident memory of this process so far, MiB (0 if unknown).
fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    kib.unwrap_or(0) / 1024
}

/// Prepares `text` (a scenario in `dir`, named `label`) with the work
/// budget lifted, as `--max-events` would.
fn prepared(label: &str, text: &str, dir: &Path) -> Result<edgesim::Prepared, String> {
    let s = edgesim::scenario::parse(label, text, dir.to_path_buf()).map_err(|e| e.to_string())?;
    edgesim::prepare(s).map_err(|e| e.to_string())
}

/// Simulates `text`: wall seconds of the simulation and events handled.
fn simulate(label: &str, text: &str, dir: &Path) -> Result<(f64, u64, f64), String> {
    let p = prepared(label, text, dir)?;
    let start = Instant::now();
    let out = edgesim::simulate(&p, None).map_err(|e| e.to_string())?;
    Ok((start.elapsed().as_secs_f64(), out.summary.events_handled, p.scenario.duration().as_secs_f64()))
}

/// One replication of the `days`-day prefix (365: the whole year).
fn one(days: u32) -> Result<(), String> {
    let (path, text) = year_text()?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let label = format!("year-of-operations-{days}d");
    let (wall, events, sim) = simulate(&label, &prefix(&text, days, None)?, &dir)?;
    println!(
        "flow scenario={label} sim_s={sim:.0} wall_s={wall:.2} x_real_time={:.0} events={events} events_per_s={:.0} \
         peak_rss_mib={}",
        sim / wall,
        events as f64 / wall,
        peak_rss_mib()
    );
    Ok(())
}

/// Replications `1..=runs` of the `days`-day prefix on `threads` threads
/// (each takes every `threads`-th seed), as a sweep runs them; prints the
/// wall time and what it gives for 100 years on that many threads.
fn sweep_point(days: u32, runs: u64, threads: u64) -> Result<(), String> {
    let (path, text) = year_text()?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let texts: Vec<String> = (1..=runs).map(|s| prefix(&text, days, Some(s))).collect::<Result<_, _>>()?;
    let start = Instant::now();
    let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (texts, dir) = (&texts, &dir);
                scope.spawn(move || {
                    for (i, tx) in texts.iter().enumerate().filter(|(i, _)| *i as u64 % threads == t) {
                        // Parsing and preparing count: a sweep does them too.
                        let p = prepared(&format!("year-sweep-{i}"), tx, dir)?;
                        edgesim::simulate(&p, None).map_err(|e| e.to_string())?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a thread panicked".into()))).collect()
    });
    results.into_iter().collect::<Result<Vec<()>, String>>()?;
    let wall = start.elapsed().as_secs_f64();
    let years = runs as f64 * f64::from(days) / 365.0;
    println!(
        "sweep runs={runs} days={days} threads={threads} wall_s={wall:.2} years_per_hour={:.0} \
         hundred_years_min={:.1} peak_rss_mib={}",
        years / wall * 3600.0,
        100.0 / years * wall / 60.0,
        peak_rss_mib()
    );
    Ok(())
}

fn main() -> ExitCode {
    let short = std::env::args().any(|a| a == "--short");
    let steps = || -> Result<(), String> {
        one(60)?;
        if !short {
            one(365)?;
        }
        sweep_point(30, 4, 2)
    };
    match steps() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
