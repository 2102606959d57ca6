//! How fast a long flow-fidelity run of the whole catalog goes (issue 16's
//! speed target: a year in a minute on one core, memory bounded whatever
//! the horizon). The run is `scenarios/day-in-the-life.toml` without its
//! flash crowd, fault and expectations, stretched to a week and to a year,
//! with 60 s control periods and 1 h buckets; prints one line per run:
//! wall time of the simulation alone (no results written), events handled
//! and the process's peak resident memory so far (Linux; 0 elsewhere).
//!
//! ```text
//! cargo run --release --example year_speed            # a week, then a year
//! cargo run --release --example year_speed -- --week  # the week only
//! ```
//!
//! ```text
//! flow scenario=catalog-7d sim_s=604800 wall_s=0.85 x_real_time=711000 events=131039 peak_rss_mib=33
//! ```

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Day in the life without its surge, fault and expectations, over
/// `duration`, 60 s ticks, 1 h buckets.
fn scenario_text(day: &str, duration: &str) -> String {
    let head = day.split("[[fault]]").next().unwrap_or_default();
    let without_surge = match (head.find("[[traffic.surge]]"), head.find("[pops.default]")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &head[..a], &head[b..]),
        _ => head.to_string(),
    };
    without_surge
        .replace("duration = \"24h\"", &format!("duration = \"{duration}\""))
        .replace("tick = \"10s\"", "tick = \"60s\"")
        .replace("bucket = \"10m\"", "bucket = \"1h\"")
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

fn run(duration: &str) -> Result<(), String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join("day-in-the-life.toml");
    let day = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let label = format!("catalog-{duration}");
    let s = edgesim::scenario::parse(&label, &scenario_text(&day, duration), dir).map_err(|e| e.to_string())?;
    let p = edgesim::prepare(s).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let out = edgesim::simulate(&p, None).map_err(|e| e.to_string())?;
    let wall = start.elapsed().as_secs_f64();
    let sim = p.scenario.duration().as_secs_f64();
    println!(
        "{} scenario={label} sim_s={sim:.0} wall_s={wall:.2} x_real_time={:.0} events={} bucket_s={} peak_rss_mib={}",
        p.scenario.fidelity().as_str(),
        sim / wall,
        out.summary.events_handled,
        out.summary.bucket_s,
        peak_rss_mib()
    );
    Ok(())
}

fn main() -> ExitCode {
    let week_only = std::env::args().any(|a| a == "--week");
    let durations: &[&str] = if week_only { &["7d"] } else { &["7d", "365d"] };
    for d in durations {
        if let Err(e) = run(d) {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}
