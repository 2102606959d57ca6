//! The agreement table of README's "Fidelity": every shipped scenario the
//! flow level can run (not the stages, which the request level cannot),
//! run at both fidelities at the file's seed, then over seeds 1..=N.
//!
//! ```text
//! cargo run --release --example flow_agreement               # N = 20
//! cargo run --release --example flow_agreement -- --seeds 5
//! ```
//!
//! One markdown row per scenario: availability (request, flow, difference
//! in percentage points), the request level's 95% interval of the mean
//! over the seeds and the flow level's mean, RTO of each fault, p50 and p99
//! (request / flow), shed and spilled, and whether the failover timelines'
//! control-plane steps (all but `recovered`, the RTO) are identical at the
//! file's seed.

use edgesim::report::Summary;
use edgesim::scenario::schema::Fidelity;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn run(path: &Path, fidelity: Fidelity, seed: Option<u64>) -> Result<Summary, String> {
    let mut s = edgesim::scenario::load(path).map_err(|e| e.to_string())?;
    s.set_fidelity(fidelity);
    if let Some(seed) = seed {
        s.set_seed(seed);
    }
    let p = edgesim::prepare(s).map_err(|e| e.to_string())?;
    Ok(edgesim::simulate(&p, None).map_err(|e| e.to_string())?.summary)
}

fn shed(s: &Summary) -> u64 {
    s.pops.iter().flat_map(|p| p.shed_by_class.values()).sum()
}

fn spilled(s: &Summary) -> u64 {
    s.pops.iter().map(|p| p.spilled_out).sum()
}

/// Mean and 95% t half-width of `xs` (t for n - 1 degrees of freedom, n >= 2).
fn mean_ci(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let sd = (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    // Two-sided 95% t quantiles for 1..=30 degrees of freedom, then 1.96.
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
    let df = (xs.len().saturating_sub(1)).max(1);
    let t = T.get(df - 1).copied().unwrap_or(1.96);
    (m, t * sd / n.sqrt())
}

fn scenarios() -> Result<Vec<PathBuf>, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("stage-")))
        .collect();
    files.sort();
    Ok(files)
}

fn row(path: &Path, seeds: u64) -> Result<Option<String>, String> {
    let name = path.file_stem().and_then(|n| n.to_str()).unwrap_or("?").to_string();
    let flow = match run(path, Fidelity::Flow, None) {
        Ok(s) => s,
        Err(e) if e.contains("scenario.fidelity") => {
            return Ok(Some(format!("| {name} | request level only: {} |", why(&e))))
        }
        Err(e) => return Err(e),
    };
    let req = run(path, Fidelity::Request, None)?;
    let avail = |s: &Summary| s.availability.unwrap_or(0.0);
    let over =
        |f| -> Result<Vec<f64>, String> { (1..=seeds).map(|k| run(path, f, Some(k)).map(|s| avail(&s))).collect() };
    let (rm, rh) = mean_ci(&over(Fidelity::Request)?);
    let (fm, _) = mean_ci(&over(Fidelity::Flow)?);
    let rto = |s: &Summary| {
        let all: Vec<String> = s.faults.iter().map(|f| f.rto_s.map_or("-".into(), |r| format!("{r:.0}"))).collect();
        if all.is_empty() {
            "-".to_string()
        } else {
            all.join(", ")
        }
    };
    // The control plane's steps (`recovered` is the RTO, a traffic measure).
    let steps = |t: &std::collections::BTreeMap<String, f64>| {
        t.iter().filter(|(k, _)| k.as_str() != "recovered").map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>()
    };
    let same = req.faults.iter().zip(&flow.faults).all(|(a, b)| steps(&a.timeline) == steps(&b.timeline));
    Ok(Some(format!(
        "| {name} | {:.5} / {:.5} ({:+.3} pp) | {:.5} +/- {:.5} / {:.5} | {} / {} | {:.2} / {:.2} | {:.2} / {:.2} | {} / {} | {} / {} | {} |",
        avail(&req),
        avail(&flow),
        100.0 * (avail(&flow) - avail(&req)),
        rm,
        rh,
        fm,
        rto(&req),
        rto(&flow),
        req.latency_ms.all.p50,
        flow.latency_ms.all.p50,
        req.latency_ms.all.p99,
        flow.latency_ms.all.p99,
        shed(&req),
        shed(&flow),
        spilled(&req),
        spilled(&flow),
        if req.faults.is_empty() { "-" } else if same { "same" } else { "differ" },
    )))
}

/// The table a refusal names.
fn why(message: &str) -> &str {
    ["[origin]", "[rate_limits]"].into_iter().find(|t| message.contains(t)).unwrap_or("refused")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeds = match args.iter().position(|a| a == "--seeds").map(|i| args.get(i + 1).and_then(|v| v.parse().ok())) {
        None => 20,
        Some(Some(n)) if n >= 2 => n,
        Some(_) => {
            eprintln!("flow_agreement: --seeds N: expected a whole number of at least 2");
            return ExitCode::from(2);
        }
    };
    println!(
        "| scenario | availability at its seed: request / flow | mean over seeds 1-{seeds}: request (95% CI) / flow | RTO s | p50 ms | p99 ms | shed | spilled | control-plane steps |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let files = match scenarios() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("flow_agreement: {e}");
            return ExitCode::from(2);
        }
    };
    for f in files {
        match row(&f, seeds) {
            Ok(Some(line)) => println!("{line}"),
            Ok(None) => {}
            Err(e) => {
                eprintln!("flow_agreement: {}: {e}", f.display());
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}
