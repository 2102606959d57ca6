//! A sweep's charts and report.html: which charts a sweep draws, that the
//! RTO ECDF is the staircase of the replications' RTOs, and that the page
//! is self-contained and names every grid point and how to replay it.

use crate::util::{bin, temp_dir};
use std::path::{Path, PathBuf};

/// Three PoPs, SJC down at 30 s for good; random arrivals and per-network
/// convergence, so the RTO varies from seed to seed.
const FAILOVER: &str = r#"
[scenario]
name = "sweep-report-test"
seed = 11
duration = "70s"
warmup = "10s"

[topology]
pops = ["SJC", "LAX", "SEA"]

[traffic]
rps = 500
classes = { p1 = 1.0 }

[pops.default]
servers = 20
service = { dist = "lognormal", p50 = "2ms", p99 = "15ms" }

[anycast]
networks_per_site = 10
health_check = { interval = "5s", timeout = "1s", failures = 1 }
withdrawal_delay = "5s"
convergence = { model = "fixed", first = "0s", last = "20s" }

[client]
timeout = "2s"
retry = { policy = "exponential", backoff = ["100ms", "300ms", "1s"] }

[[fault]]
at = "30s"
kind = "pop-down"
pop = "SJC"

[[expect]]
rto = { fault = 1, le = "60s" }
"#;

fn sweep(dir: &Path, seeds: u32, sets: &[&str]) -> PathBuf {
    let file = dir.join("failover.toml");
    std::fs::write(&file, FAILOVER).expect("write scenario");
    let out = dir.join("out");
    let mut cmd = bin();
    cmd.arg("sweep").arg(&file).args(["--seeds", &seeds.to_string(), "--quiet", "--out"]).arg(&out);
    for set in sets {
        cmd.args(["--set", set]);
    }
    let done = cmd.output().expect("run edgesim sweep");
    assert!(done.status.success(), "edgesim sweep: {}", String::from_utf8_lossy(&done.stderr));
    out
}

fn text(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// The vertices of the first series line of a colour in an SVG chart (the
/// legend's swatch is drawn 3 px wide, series 2 px).
fn series_points(svg: &str, color: &str) -> Vec<(i32, i32)> {
    let tag = format!("stroke=\"{color}\" stroke-width=\"2\" points=\"");
    let from = svg.find(&tag).map(|i| i + tag.len()).expect("the series line");
    let to = from + svg[from..].find('"').expect("end of points");
    svg[from..to]
        .split_whitespace()
        .map(|xy| {
            let (x, y) = xy.split_once(',').expect("x,y");
            (x.parse().expect("x"), y.parse().expect("y"))
        })
        .collect()
}

#[test]
fn a_seed_sweep_draws_the_rto_ecdf_as_a_staircase_of_its_runs() {
    let d = temp_dir("seeds");
    let out = sweep(&d, 12, &[]);
    let json: serde_json::Value = serde_json::from_str(&text(&out.join("sweep.json"))).expect("sweep.json");
    let rto = &json["points"][0]["measures"]["fault1.rto_s"];
    assert_eq!(rto["n"], 12, "every replication recovered: {rto}");
    let svg = text(&out.join("rto_ecdf_fault1.svg"));
    let pts = series_points(&svg, "#1F77B4");
    // From the left edge at 0, a rise of 1/12 at each of the 12 RTOs, then on to the right edge.
    assert_eq!(pts.len(), 2 + 2 * 12, "{pts:?}");
    assert!(pts.windows(2).all(|w| w[1].0 >= w[0].0 && w[1].1 <= w[0].1), "not a rising staircase: {pts:?}");
    let rises = pts.windows(2).filter(|w| w[1].1 < w[0].1).count();
    assert_eq!(rises, 12, "one rise per replication: {pts:?}");
    // As many distinct steps across as distinct RTOs in runs.csv.
    let runs = text(&out.join("runs.csv"));
    let mut lines = runs.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = header.iter().position(|h| *h == "fault1.rto_s").expect("fault1.rto_s column");
    let mut rtos: Vec<String> = lines.map(|l| l.split(',').nth(col).expect("cell").to_string()).collect();
    rtos.sort();
    rtos.dedup();
    let mut xs: Vec<i32> = pts[1..pts.len() - 1].iter().map(|p| p.0).collect();
    xs.dedup();
    assert_eq!(xs.len(), rtos.len(), "steps at {xs:?} for RTOs {rtos:?}");
    // The subtitle and the marker give the sweep's p50.
    let p50 = rto["p50"].as_f64().expect("p50");
    let label = if p50.fract() == 0.0 { format!("p50 {p50:.0}s") } else { format!("p50 {p50:.2}s") };
    assert!(svg.contains(&label), "{label} not shown");
    // Without a grid there is nothing to draw against a parameter.
    assert!(!out.join("sweep_availability.svg").exists() && !out.join("pass_rate.svg").exists());
}

#[test]
fn a_grid_sweep_draws_measures_against_the_parameter_and_a_self_contained_report() {
    let d = temp_dir("grid");
    let out = sweep(&d, 4, &["anycast.health_check.interval=2s,10s", "pops.default.servers=20,30"]);
    for stem in ["rto_ecdf_fault1", "sweep_fault1_rto_s", "sweep_availability", "sweep_latency_ms_p99", "pass_rate"] {
        for ext in ["svg", "png"] {
            assert!(out.join(format!("{stem}.{ext}")).is_file(), "{stem}.{ext} missing");
        }
    }
    assert!(!out.join("sweep_shed.svg").exists(), "nothing was shed: no chart of zeros");
    // One mean marker per swept value on each series (servers = 20 and 30).
    let svg = text(&out.join("sweep_fault1_rto_s.svg"));
    for color in ["#1F77B4", "#FF7F0E"] {
        let markers = svg.matches(&format!("r=\"4\" opacity=\"1\" fill=\"{color}\"")).count();
        assert_eq!(markers, 2, "{color}: {markers} mean markers");
    }
    assert!(svg.contains("servers=20") && svg.contains("servers=30"), "series named by the other axis");

    let html = text(&out.join("report.html"));
    for needle in [
        "Point 1 of 4: anycast.health_check.interval=2s,pops.default.servers=20",
        "Point 4 of 4: anycast.health_check.interval=10s,pops.default.servers=30",
        "id=\"chart-rto_ecdf_fault1\"",
        "id=\"chart-sweep_fault1_rto_s\"",
        "id=\"chart-pass_rate\"",
        "edgesim run",
        "Student",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle}");
    }
    for outside in ["http:", "https:", "src=", "href=", "url("] {
        assert!(!html.contains(outside), "report.html refers outside itself: {outside}");
    }
}
