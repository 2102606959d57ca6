//! Load per client region (`regions.csv`, `load-by-region.svg`): the
//! offered load of the regions adds up to the requests issued in both
//! fidelities; under follow-the-sun demand each region's offered series is
//! its sites' rates times the daily curve computed here from its
//! parameters; a PoP failure leaves served below offered in its own region
//! only; the file and chart are written, and the same twice.

use crate::util::{edgesim, prepare_text, read_json, s, shape, simulate, temp_dir, text, write_scenario};
use edgesim::report::charts::render_all;
use edgesim::world::catalog::Region;
use std::fs;

/// The region of each PoP the scenarios below use (the catalog's).
const REGION_OF: [(&str, Region); 6] = [
    ("JFK", Region::NA),
    ("LHR", Region::EU),
    ("AMS", Region::EU),
    ("NRT", Region::APAC),
    ("SYD", Region::APAC),
    ("GRU", Region::ROW),
];

fn region_index(site: &str) -> usize {
    let r = REGION_OF.iter().find(|(c, _)| *c == site).map(|(_, r)| *r).expect("a PoP of REGION_OF");
    Region::ALL.iter().position(|x| *x == r).expect("a region")
}

fn scenario(fidelity: &str, duration: &str, extra: &str) -> String {
    format!(
        r#"
[scenario]
name = "regions"
seed = 9
duration = "{duration}"
warmup = "2s"
fidelity = "{fidelity}"
[topology]
pops = ["JFK", "LHR", "AMS", "NRT", "SYD", "GRU"]
[traffic]
rps = 3000
classes = {{ p0 = 0.02, p1 = 0.5, p2 = 0.4, p3 = 0.08 }}
[pops.default]
servers = 64
service = {{ dist = "exponential", mean = "1ms" }}
[metrics]
bucket = "5s"
{extra}
"#
    )
}

/// Sums of (offered, served) over every bucket, per region.
fn per_region(out: &edgesim::Outcome) -> Vec<(u64, u64)> {
    let series = &out.result.recorder.regions;
    (0..series.regions())
        .map(|r| {
            (0..series.buckets()).fold((0, 0), |(o, v), b| {
                let c = series.cell(b, r);
                (o + c.issued, v + c.succeeded)
            })
        })
        .collect()
}

#[test]
fn the_regions_add_up_to_the_requests_issued_in_both_fidelities() {
    for fidelity in ["request", "flow"] {
        let out = simulate(&prepare_text(&scenario(fidelity, "20s", "")));
        let r = &out.result;
        assert_eq!(r.given_up_at_end, 0, "{fidelity}: every request has its outcome");
        let regions = per_region(&out);
        assert_eq!(regions.len(), Region::ALL.len());
        assert!(regions.iter().all(|(o, _)| *o > 0), "{fidelity}: every region offers load: {regions:?}");
        let offered: u64 = regions.iter().map(|x| x.0).sum();
        let served: u64 = regions.iter().map(|x| x.1).sum();
        assert_eq!(offered, r.recorder.total.issued, "{fidelity}: offered over the regions");
        assert_eq!(served, r.recorder.total.succeeded, "{fidelity}: served over the regions");
        // Nothing is counted during the warm-up (2 s: the first bucket of 5 s
        // holds 3 s of sends, the second a whole 5 s).
        let first: u64 = (0..Region::ALL.len()).map(|k| r.recorder.regions.cell(0, k).issued).sum();
        let second: u64 = (0..Region::ALL.len()).map(|k| r.recorder.regions.cell(1, k).issued).sum();
        assert!(first > 0 && (first as f64) < second as f64 * 0.8, "{fidelity}: {first} then {second}");
    }
}

#[test]
fn follow_the_sun_offered_load_per_region_is_its_sites_rates_times_the_curve() {
    // The flow plane sets each network's rate at every control period (10 s)
    // from the curve at the period's start: a region's offered volume in a
    // 10-minute bucket is the sum over its sites and the bucket's periods
    // of rps x 10 s x curve(local hour at the period's start).
    let extra = "[overload]\ntick = \"10s\"\n";
    let text = scenario("flow", "6h", extra)
        .replace("warmup = \"2s\"", "warmup = \"0s\"")
        .replace("bucket = \"5s\"", "bucket = \"10m\"")
        .replace(
            "[pops.default]",
            "demand = { daily = { peak_hour = 20, trough_hour = 4, ratio = 3 }, start = \"09:00\" }\n[pops.default]",
        );
    let p = prepare_text(&text);
    let out = simulate(&p);
    let series = &out.result.recorder.regions;
    assert_eq!(series.buckets(), 36);
    let mut want = vec![[0.0f64; 4]; 36];
    for site in &p.world.sites {
        let r = region_index(&site.name);
        for k in 0..6 * 360 {
            let t = k as f64 * 10.0;
            let local_h = 9.0 + t / 3600.0 + site.lon_deg / 15.0;
            want[k / 60][r] += site.rps * 10.0 * shape(local_h, 20.0, 4.0, 3.0);
        }
    }
    for (b, row) in want.iter().enumerate() {
        for (r, w) in row.iter().enumerate() {
            let got = series.cell(b, r).issued as f64;
            assert!((got - w).abs() <= 1.5, "bucket {b}, {}: offered {got}, by hand {w:.2}", Region::ALL[r].as_str());
        }
    }
    // 09:00-15:00 UTC: Europe rises towards its evening (the curve is not flat).
    assert!(want[35][1] > want[0][1] * 1.5, "EU from {:.0} to {:.0}", want[0][1], want[35][1]);
    assert_eq!(out.result.recorder.total.issued, per_region(&out).iter().map(|x| x.0).sum::<u64>());
}

#[test]
fn a_pop_failure_serves_less_than_offered_in_its_region_only() {
    // LHR dies at 30 s; clients do not retry, so requests it swallows before
    // its catchment moves to AMS fail; every other region is untouched.
    let extra = r#"
[client]
timeout = "2s"
retry = { policy = "none" }
[[fault]]
at = "30s"
kind = "pop-down"
pop = "LHR"
for = "60s"
"#;
    let out = simulate(&prepare_text(&scenario("request", "90s", extra)));
    let series = &out.result.recorder.regions;
    let eu = region_index("LHR");
    let struck = 30 / 5;
    let c = series.cell(struck, eu);
    assert!(c.succeeded < c.issued, "EU while LHR is down: {c:?}");
    // Before it, all served (the bucket just before holds requests LHR had
    // in hand when it died: lost too, by their send time).
    for b in 1..struck - 1 {
        let c = series.cell(b, eu);
        assert!(c.issued > 0 && c.succeeded == c.issued, "EU before the fault, bucket {b}: {c:?}");
    }
    for r in (0..Region::ALL.len()).filter(|r| *r != eu) {
        for b in 1..series.buckets() {
            let c = series.cell(b, r);
            assert!(c.issued > 0 && c.succeeded == c.issued, "{} bucket {b}: {c:?}", Region::ALL[r].as_str());
        }
    }
}

#[test]
fn regions_csv_and_its_chart_are_written_and_the_same_twice() {
    let d = temp_dir("cli");
    let extra = "[[fault]]\nat = \"10s\"\nkind = \"pop-down\"\npop = \"LHR\"\nfor = \"5s\"\n";
    let x = write_scenario(&d, "x", &scenario("request", "20s", extra));
    let (a, b) = (d.join("a"), d.join("b"));
    for dir in [&a, &b] {
        let o = edgesim(["run", s(&x), "--out", s(dir), "--quiet"]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
    let csv = fs::read_to_string(a.join("regions.csv")).expect("regions.csv");
    assert_eq!(csv, fs::read_to_string(b.join("regions.csv")).expect("regions.csv"), "same seed, same bytes");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("t_s,region,offered_rps,served_rps"));
    // Rates times the 5 s buckets add up to the requests issued.
    let mut offered = 0.0;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 4, "{line}");
        assert!(["NA", "EU", "APAC", "ROW"].contains(&f[1]), "{line}");
        let (o, v): (f64, f64) = (f[2].parse().expect("offered"), f[3].parse().expect("served"));
        assert!(v <= o, "{line}");
        offered += o * 5.0;
    }
    let summary = read_json(&a.join("summary.json"));
    let issued = summary["requests"]["issued"].as_f64().expect("issued");
    assert!((offered - issued).abs() < 0.01 * 16.0, "{offered} from regions.csv, {issued} issued");
    let marker = read_json(&a.join("edgesim-results.json"));
    let listed: Vec<&str> =
        marker["files"].as_array().expect("files").iter().filter_map(|f| f["name"].as_str()).collect();
    for name in ["regions.csv", "load-by-region.svg", "load-by-region.png"] {
        assert!(listed.contains(&name), "{name} not listed: {listed:?}");
        assert_eq!(fs::read(a.join(name)).expect("read"), fs::read(b.join(name)).expect("read"), "{name} differs");
    }
    let svg = fs::read_to_string(a.join("load-by-region.svg")).expect("svg");
    for needle in ["EU offered", "EU served", "NA served", "ROW offered", "pop-down LHR", "requests per second"] {
        assert!(svg.contains(needle), "load-by-region.svg lacks \"{needle}\"");
    }
    let html = fs::read_to_string(a.join("report.html")).expect("report");
    let (traffic, load) = (html.find("id=\"chart-traffic\""), html.find("id=\"chart-load-by-region\""));
    assert!(traffic.is_some() && load > traffic, "the load chart follows the traffic chart");
    // Drawn again from the same files: the same bytes.
    let before = fs::read(a.join("load-by-region.png")).expect("png");
    render_all(&a).expect("render again");
    assert_eq!(fs::read(a.join("load-by-region.png")).expect("png"), before);
    let _ = fs::remove_dir_all(&d);
}
