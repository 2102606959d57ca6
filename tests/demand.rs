//! Demand over time (`[traffic.demand]`): the daily curve in each site's
//! local time, against the curve computed here from its parameters (not
//! with `edgesim::workload`), in both fidelities, and its mistakes.

use crate::util::{edgesim_code, prepare_text, shape, simulate, temp_dir, write_scenario};

fn scenario(fidelity: &str, duration: &str, rps: u32, demand: &str) -> String {
    format!(
        r#"
[scenario]
name = "demand"
seed = 2
duration = "{duration}"
fidelity = "{fidelity}"
[topology]
pops = ["LHR", "NRT", "JFK"]
[traffic]
rps = {rps}
classes = {{ p0 = 0.02, p1 = 0.5, p2 = 0.4, p3 = 0.08 }}
demand = {demand}
[pops.default]
servers = 64
service = {{ dist = "exponential", mean = "1ms" }}
[metrics]
bucket = "10m"
"#
    )
}

/// Arrivals per PoP per bucket: (bucket end s, arrivals), from the run.
fn series(out: &edgesim::Outcome, p: &edgesim::Prepared, code: &str) -> Vec<(f64, f64)> {
    let pop = p.world.pop_index(code).unwrap() as u32;
    out.result.pop_series.iter().filter(|s| s.pop == pop).map(|s| (s.t_s, f64::from(s.arrivals))).collect()
}

#[test]
fn a_day_of_demand_peaks_at_the_local_hour_in_three_time_zones_and_keeps_its_volume() {
    let text = scenario("flow", "24h", 30_000, "{ daily = { peak_hour = 20, trough_hour = 4, ratio = 3 } }");
    let p = prepare_text(&text);
    let out = simulate(&p);
    assert_eq!(out.result.recorder.total.issued, 30_000 * 86_400, "the day's volume is rps x 86,400 s");
    for code in ["LHR", "NRT", "JFK"] {
        let lon = p.world.pops[p.world.pop_index(code).unwrap()].lon_deg;
        let s = series(&out, &p, code);
        let (t_peak, peak) = s.iter().copied().fold((0.0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
        let (_, trough) = s.iter().copied().fold((0.0, f64::MAX), |a, b| if b.1 < a.1 { b } else { a });
        let local = ((t_peak - 300.0) / 3600.0 + lon / 15.0).rem_euclid(24.0);
        assert!((local - 20.0).abs() <= 1.0 / 6.0, "{code}: busiest 10 minutes centred at local {local:.2} h");
        assert!((peak / trough - 3.0).abs() < 0.01, "{code}: peak / trough {}", peak / trough);
    }
}

#[test]
fn request_level_arrivals_follow_the_curve_within_poisson_noise() {
    // Two hours from 18:00 UTC: LHR climbs to its peak, JFK (UTC-5) is at
    // its afternoon rise, NRT (UTC+9) falls through its night.
    let demand = "{ daily = { peak_hour = 20, trough_hour = 4, ratio = 3 }, start = \"18:00\" }";
    let text = scenario("request", "2h", 300, demand);
    let p = prepare_text(&text);
    let out = simulate(&p);
    for code in ["LHR", "NRT", "JFK"] {
        let lon = p.world.pops[p.world.pop_index(code).unwrap()].lon_deg;
        let site_rps = p.world.sites.iter().find(|s| s.name == code).unwrap().rps;
        for (t_end, got) in series(&out, &p, code) {
            // Expected arrivals: the site's rate times the curve integrated
            // over the bucket (1-second steps).
            let from = t_end - 600.0;
            let want: f64 = (0..600)
                .map(|k| site_rps * shape(18.0 + (from + k as f64 + 0.5) / 3600.0 + lon / 15.0, 20.0, 4.0, 3.0))
                .sum();
            assert!(
                (got - want).abs() <= 5.0 * want.sqrt() + 1.0,
                "{code} bucket ending {t_end}: {got} against {want:.0}"
            );
        }
    }
}

#[test]
fn demand_mistakes_are_exit_2_naming_the_key() {
    let dir = temp_dir("demand-errors");
    let cases = [
        ("{ daily = { peak_hour = 25 } }", "traffic.demand.daily"),
        ("{ daily = { peak_hour = 4 } }", "peak_hour and trough_hour"),
        ("{ daily = { ratio = 0.5 } }", "ratio"),
        ("{ daily = [1, 2, 3] }", "expected 24 values"),
        ("{ weekly = [0, 0, 0, 0, 0, 0, 0] }", "traffic.demand.weekly"),
        ("{ growth = \"30%\" }", "traffic.demand.growth"),
        ("{ start = \"25:00\" }", "traffic.demand.start"),
        ("{ start_day = \"someday\" }", "traffic.demand.start_day"),
        ("{ dayly = [] }", "unknown field `dayly`"),
    ];
    for (i, (demand, want)) in cases.iter().enumerate() {
        let path = write_scenario(&dir, &format!("case{i}"), &scenario("flow", "1h", 100, demand));
        let (code, err) = edgesim_code(["validate", path.to_str().unwrap()]);
        assert_eq!(code, 2, "case {i}: {err}");
        assert!(err.contains(want), "case {i}: expected {want:?} in {err}");
    }
}

/// A 20-minute run with optional surges (no daily curve: flat demand).
fn surge_scenario(fidelity: &str, surge: &str) -> String {
    format!(
        r#"
[scenario]
name = "surge"
seed = 3
duration = "20m"
fidelity = "{fidelity}"
[topology]
pops = ["LHR", "NRT", "JFK"]
[traffic]
rps = 3_000
classes = {{ p0 = 0.02, p1 = 0.5, p2 = 0.4, p3 = 0.08 }}
{surge}
[pops.default]
servers = 64
service = {{ dist = "exponential", mean = "1ms" }}
"#
    )
}

const FLOOD: &str =
    "[[traffic.surge]]\nat = \"10m\"\nfor = \"60s\"\nramp = \"10s\"\nfactor = 10\nnear = \"JFK\"\nclass = \"p3\"";

#[test]
fn a_flood_on_one_catchment_adds_factor_minus_one_times_its_length_of_its_class() {
    for fidelity in ["flow", "request"] {
        let calm = simulate(&prepare_text(&surge_scenario(fidelity, "")));
        let p = prepare_text(&surge_scenario(fidelity, FLOOD));
        let flood = simulate(&p);
        let jfk = p.world.sites.iter().find(|s| s.name == "JFK").unwrap().rps;
        // The flood's extra P3: (10 - 1) x JFK's P3 rate x 60 s (the ramps
        // up and down add half a ramp each: together one ramp, inside `for`).
        let want = 9.0 * 0.08 * jfk * 60.0;
        let got = flood.result.recorder.by_class[3].issued as f64 - calm.result.recorder.by_class[3].issued as f64;
        let noise = if fidelity == "flow" { 1.0 } else { 5.0 * (2.0 * 0.08 * 3000.0 * 1200.0 + want).sqrt() };
        assert!((got - want).abs() <= noise, "{fidelity}: extra P3 {got} against {want}");
        for c in 0..3 {
            let (a, b) =
                (calm.result.recorder.by_class[c].issued as f64, flood.result.recorder.by_class[c].issued as f64);
            let tolerance = if fidelity == "flow" { 1.0 } else { 5.0 * (2.0 * a).sqrt() };
            assert!((a - b).abs() <= tolerance, "{fidelity}: class {c} unchanged: {a} against {b}");
        }
    }
}

#[test]
fn surge_mistakes_are_exit_2_naming_the_key() {
    let dir = temp_dir("surge-errors");
    let base = "[[traffic.surge]]\nat = \"1m\"\nfor = \"60s\"\n";
    let cases = [
        (format!("{base}factor = 2\n"), "region or near"),
        (format!("{base}factor = 2\nnear = \"XXX\""), "traffic.surge[1].near"),
        (format!("{base}factor = 2\nregion = \"MARS\""), "traffic.surge[1].region"),
        (format!("{base}factor = -1\nregion = \"NA\""), "traffic.surge.factor: got -1; expected a rate multiplier"),
        (format!("{base}factor = 2\nregion = \"NA\"\nramp = \"2m\""), "traffic.surge[1].ramp"),
        (format!("{base}factor = 2\nregion = \"NA\"\nclass = \"p9\""), "traffic.surge[1].class"),
    ];
    for (i, (surge, want)) in cases.iter().enumerate() {
        let path = write_scenario(&dir, &format!("case{i}"), &surge_scenario("flow", surge));
        let (code, err) = edgesim_code(["validate", path.to_str().unwrap()]);
        assert_eq!(code, 2, "case {i}: {err}");
        assert!(err.contains(want), "case {i}: expected {want:?} in {err}");
    }
}
