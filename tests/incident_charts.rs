//! The incident charts of a run with failure processes: `incidents.csv`
//! and `availability-by-day`, `incident-rto`, `downtime-by-cause` (SVG and
//! PNG) written, shown in report.html's "Failures over the run", drawn
//! the same bytes twice; none of them for a run without `[[failure]]`; the
//! downtime chart's total is the PoPs' downtime summary.json reports.

use crate::util::{bin, read_json, scenario_path, temp_dir, write_scenario};
use edgesim::report::charts::render_all;
use std::fs;
use std::path::{Path, PathBuf};

const STEMS: [&str; 3] = ["availability-by-day", "incident-rto", "downtime-by-cause"];

/// Four NA PoPs for two days: PoP failures, regional events, a state
/// region going down (all four PoPs) and the origin (no PoP).
fn failures() -> String {
    crate::util::four_pops_two_days(
        "incident-charts",
        2,
        10_000,
        40,
        r#"[[failure]]
kind = "pop-down"
pops = "all"
mtbf = "8h"
mttr = "30m"
human = { share = 0.2, mttr = "3h" }
[[failure]]
kind = "region-event"
region = "NA"
mtbf = "12h"
share = 0.5
mttr = "1h"
[[failure]]
kind = "region-down"
region = "NA"
mtbf = "1d"
mttr = "20m"
[[failure]]
kind = "origin-down"
mtbf = "1d"
mttr = "10m"
"#,
    )
}

fn run(scenario: &Path, tag: &str) -> PathBuf {
    let out = temp_dir(tag);
    let status = bin().arg("run").arg(scenario).arg("--out").arg(&out).arg("--quiet").status().expect("run edgesim");
    assert!(status.code().is_some_and(|c| c == 0 || c == 1), "edgesim run {} exits 0 or 1", scenario.display());
    out
}

fn chart_files() -> Vec<String> {
    STEMS.iter().flat_map(|s| [format!("{s}.svg"), format!("{s}.png")]).collect()
}

#[test]
fn a_run_with_failures_draws_the_incident_charts_and_a_section() {
    let dir = temp_dir("incident-charts-scenario");
    let scenario = write_scenario(&dir, "failures", &failures());
    let out = run(&scenario, "incident-charts");
    for f in chart_files().iter().chain([&"incidents.csv".to_string()]) {
        assert!(out.join(f).is_file(), "{f} written");
    }
    let csv = fs::read_to_string(out.join("incidents.csv")).expect("read incidents.csv");
    let summary = read_json(&out.join("summary.json"));
    let inc = &summary["incidents"];
    assert_eq!(csv.lines().count() as u64 - 1, inc["count"].as_u64().expect("a count"), "a row per incident");
    assert!(csv.lines().any(|l| l.contains(",region-down,NA,") && l.contains("IAD ORD DFW ATL")), "{csv}");
    // Downtime by cause, summed, is the PoPs' downtime (overlaps once).
    let svg = fs::read_to_string(out.join("downtime-by-cause.svg")).expect("read the SVG");
    let total = svg.split("total ").nth(1).and_then(|t| t.split(" PoP-min").next()).expect("a total in the legend");
    let total: f64 = total.parse().expect("a number");
    let expected = inc["pop_downtime_minutes"].as_f64().expect("PoP downtime");
    assert!((total - expected).abs() <= 0.051, "chart total {total} vs summary.json {expected}");
    let svg = fs::read_to_string(out.join("availability-by-day.svg")).expect("read the SVG");
    for needle in ["99.99%", "target 99.99%", "regional events: ", "region-down, random: ", "day of the run"] {
        assert!(svg.contains(needle), "availability-by-day.svg: no \"{needle}\"");
    }
    let svg = fs::read_to_string(out.join("incident-rto.svg")).expect("read the SVG");
    assert!(svg.contains("Incident RTO"), "incident-rto.svg has its title");
    let html = fs::read_to_string(out.join("report.html")).expect("read report.html");
    assert!(html.contains("<h2>Failures over the run</h2>"), "the section");
    for s in STEMS {
        assert!(html.contains(&format!("id=\"chart-{s}\"")), "report.html shows {s}");
    }
}

#[test]
fn incident_charts_are_the_same_bytes_when_drawn_again() {
    let out = run(&scenario_path("failure-processes.toml"), "incident-charts-week");
    let copies: Vec<PathBuf> = (0..2)
        .map(|i| {
            let dir = temp_dir(&format!("incident-charts-copy{i}"));
            for f in ["summary.json", "timeseries.csv", "incidents.csv"] {
                fs::copy(out.join(f), dir.join(f)).expect("copy a result file");
            }
            render_all(&dir).expect("render the charts");
            dir
        })
        .collect();
    for f in chart_files() {
        let a = fs::read(copies[0].join(&f)).expect("first drawing");
        let b = fs::read(copies[1].join(&f)).expect("second drawing");
        assert!(a == b, "{f}: the two drawings differ");
        assert_eq!(a, fs::read(out.join(&f)).expect("the run's drawing"), "{f}: as the run drew it");
    }
}

#[test]
fn a_run_without_failures_draws_no_incident_chart() {
    let out = run(&scenario_path("pop-failure.toml"), "incident-charts-none");
    for f in chart_files().iter().chain([&"incidents.csv".to_string()]) {
        assert!(!out.join(f).exists(), "{f} not written");
    }
    assert!(out.join("latency.svg").is_file(), "the usual charts are drawn");
    let html = fs::read_to_string(out.join("report.html")).expect("read report.html");
    assert!(!html.contains("Failures over the run"), "no failures section");
}
