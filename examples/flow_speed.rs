//! How fast the flow fidelity runs the seed's global stages, and how its
//! cost depends on the traffic: prints one line per run (wall time of the
//! simulation alone, without writing results).
//!
//! ```text
//! cargo run --release --example flow_speed                 # everything below
//! cargo run --release --example flow_speed -- --stages     # Stage 3 and Stage 4 only
//! cargo run --release --example flow_speed -- --qps        # Stage 3's topology from 50k to 50M rps
//! cargo run --release --example flow_speed -- --ratio      # flow vs request level on Stage 3, shortened
//! ```
//!
//! ```text
//! flow scenario=stage-3-global rps=5000000 sim_s=3600 wall_s=2.61 x_real_time=1380
//! ```

use edgesim::scenario::schema::Fidelity;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Loads a shipped scenario, applies `edit` to its text, prepares it.
fn prepare(file: &str, fidelity: Fidelity, edit: impl Fn(String) -> String) -> Result<edgesim::Prepared, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut s = edgesim::scenario::parse(file, &edit(text), dir).map_err(|e| e.to_string())?;
    s.set_fidelity(fidelity);
    edgesim::prepare(s).map_err(|e| e.to_string())
}

/// Runs it and prints one line; returns the wall time, s.
fn run(label: &str, p: &edgesim::Prepared) -> Result<f64, String> {
    let start = Instant::now();
    let out = edgesim::simulate(p, None).map_err(|e| e.to_string())?;
    let wall = start.elapsed().as_secs_f64();
    let sim = p.scenario.duration().as_secs_f64();
    let rps: f64 = p.world.sites.iter().map(|s| s.rps).sum();
    println!(
        "{} scenario={label} rps={rps:.0} sim_s={sim:.0} wall_s={wall:.2} x_real_time={:.0} availability={:.6}",
        p.scenario.fidelity().as_str(),
        sim / wall,
        out.summary.availability.unwrap_or(0.0)
    );
    Ok(wall)
}

fn stages() -> Result<(), String> {
    for file in ["stage-3-global.toml", "stage-4-hyperscale.toml"] {
        run(file.trim_end_matches(".toml"), &prepare(file, Fidelity::Flow, |t| t)?)?;
    }
    Ok(())
}

fn with_rps(text: String, rps: u64) -> String {
    text.replace("rps = 5_000_000", &format!("rps = {rps}"))
}

fn qps() -> Result<(), String> {
    let mut walls = Vec::new();
    for rps in [50_000u64, 500_000, 5_000_000, 50_000_000] {
        let p = prepare("stage-3-global.toml", Fidelity::Flow, |t| with_rps(t, rps))?;
        walls.push(run(&format!("stage-3-global@{rps}"), &p)?);
    }
    let (lo, hi) = walls.iter().fold((f64::MAX, 0.0f64), |(lo, hi), w| (lo.min(*w), hi.max(*w)));
    println!("qps wall_max_over_min={:.2} (1000x the traffic)", hi / lo);
    Ok(())
}

fn ratio() -> Result<(), String> {
    // Stage 3 shortened to 20 s so that the request level finishes (about
    // 100 million requests): FRA fails at 5 s, no expectations.
    let short = |t: String| {
        let head = t.split("[[expect]]").next().unwrap_or_default().to_string();
        head.replace("duration = \"1h\"", "duration = \"20s\"")
            .replace("warmup = \"1m\"", "warmup = \"2s\"")
            .replace("at = \"30m\"", "at = \"5s\"")
    };
    let flow = run("stage-3-global-20s", &prepare("stage-3-global.toml", Fidelity::Flow, short)?)?;
    let mut request = prepare("stage-3-global.toml", Fidelity::Request, short)?;
    request.max_events = None;
    let req = run("stage-3-global-20s", &request)?;
    println!("ratio request_over_flow={:.0}", req / flow);
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let all = args.is_empty();
    let want = |flag: &str| all || args.iter().any(|a| a == flag);
    let mut jobs: Vec<fn() -> Result<(), String>> = Vec::new();
    if want("--stages") {
        jobs.push(stages);
    }
    if want("--qps") {
        jobs.push(qps);
    }
    if want("--ratio") {
        jobs.push(ratio);
    }
    for job in jobs {
        if let Err(e) = job() {
            eprintln!("flow_speed: {e}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
