//! How fast the failure generator (`edgesim::failures`) yields incidents
//! for the whole 309-PoP catalog: one line per (processes, horizon), with
//! the incidents, the wall time and incidents per second. Its memory is
//! the (process, unit) slots, whatever the horizon (`sources`).
//!
//! ```text
//! cargo run --release --example failures_speed
//! ```
//!
//! ```text
//! failures set=seed horizon_years=100 sources=316 incidents=391568 unit_hours_down_per_year=2235.5 wall_s=0.053 incidents_per_s=7.40e6
//! ```

use edgesim::engine::{SimDuration, SimTime};
use edgesim::failures::{self, Generator};
use std::process::ExitCode;
use std::time::Instant;

/// The seed's figures: PoPs MTBF 30 days and MTTR 15 min (a tenth by a
/// human, lognormal around 2 h), regional events twice a year in each
/// region, and the origin, the control plane and the KV primaries.
const SEED: &str = r#"
[[failure]]
kind = "pop-down"
pops = "all"
mtbf = "30d"
mttr = "15m"
human = { share = 0.1, ttr = { dist = "lognormal", median = "2h", sigma = 1.0 } }

[[failure]]
kind = "region-event"
region = "NA"
mtbf = "180d"
share = 0.3
mttr = "1h"

[[failure]]
kind = "region-event"
region = "EU"
mtbf = "180d"
share = 0.3
mttr = "1h"

[[failure]]
kind = "region-event"
region = "APAC"
mtbf = "180d"
share = 0.3
mttr = "1h"

[[failure]]
kind = "region-event"
region = "ROW"
mtbf = "180d"
count = 3
mttr = "1h"

[[failure]]
kind = "origin-down"
mtbf = "365d"
mttr = "10m"

[[failure]]
kind = "control-plane-down"
mtbf = "90d"
mttr = "30m"

[[failure]]
kind = "kv-primary-down"
region = "EU"
ttf = { dist = "weibull", shape = 1.5, mean = "120d" }
mttr = "5m"
"#;

/// The same with PoPs failing daily (Weibull): thirty times the incidents.
const DENSE: &str = r#"
[[failure]]
kind = "pop-down"
pops = "all"
ttf = { dist = "weibull", shape = 1.5, mean = "1d" }
ttr = { dist = "lognormal", median = "10m", sigma = 1.0 }
"#;

fn generator(failures: &str, years: u64) -> Result<Generator, String> {
    let text = format!(
        "[scenario]\nname = \"failures-speed\"\nduration = \"1h\"\n\n[topology]\ncatalog = \"builtin\"\n\n\
         [traffic]\nrps = 1000\nclasses = {{ p0 = 0.1, p1 = 0.4, p2 = 0.4, p3 = 0.1 }}\n{failures}"
    );
    let s = edgesim::scenario::parse("failures-speed.toml", &text, ".".into()).map_err(|e| e.to_string())?;
    let w = edgesim::world::build(&s).map_err(|e| e.to_string())?;
    let horizon = SimTime::ZERO + SimDuration::from_secs(years * 365 * 86_400);
    failures::generator(&s, &w, horizon).map_err(|e| e.to_string())
}

fn run(set: &str, failures: &str, years: u64) -> Result<(), String> {
    let g = generator(failures, years)?;
    let sources = g.sources();
    let start = Instant::now();
    let (mut incidents, mut down_s) = (0u64, 0.0);
    for i in g {
        incidents += 1;
        down_s += i.duration().as_secs_f64();
    }
    let wall = start.elapsed().as_secs_f64();
    println!(
        "failures set={set} horizon_years={years} sources={sources} incidents={incidents} \
         unit_hours_down_per_year={:.1} wall_s={wall:.3} incidents_per_s={:.2e}",
        down_s / 3600.0 / years as f64,
        incidents as f64 / wall.max(1e-9)
    );
    Ok(())
}

fn main() -> ExitCode {
    for (set, failures) in [("seed", SEED), ("dense", DENSE)] {
        for years in [1, 100] {
            if let Err(e) = run(set, failures, years) {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}
