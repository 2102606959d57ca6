//! The other fault kinds: a health-check flap withdraws a PoP that still
//! serves (traffic moves away and back, nothing is lost); a degraded PoP
//! keeps a share of its servers, is never withdrawn, and sheds.

use crate::util::run_scenario;

fn scenario(fault: &str) -> String {
    format!(
        r#"
[scenario]
name = "fault-kinds"
seed = 9
duration = "3m"
warmup = "10s"

[topology]
pops = ["SJC", "LAX"]

[traffic]
rps = 4000
classes = {{ p0 = 0.05, p1 = 0.45, p2 = 0.3, p3 = 0.2 }}

[[traffic.site]]
name = "bay"
near = "SJC"

[[traffic.site]]
name = "la"
near = "LAX"

[pops.default]
servers = 16
service = {{ dist = "exponential", mean = "2ms" }}

[anycast]
networks_per_site = 10
convergence = {{ model = "fixed", first = "0s", last = "10s" }}

[[fault]]
at = "61s"
pop = "SJC"
{fault}
"#
    )
}

/// Arrivals at `pop` summed over control ticks in [from, to) seconds.
fn arrivals(out: &edgesim::Outcome, pop: u32, from: f64, to: f64) -> u64 {
    let series = &out.result.pop_series;
    series.iter().filter(|s| s.pop == pop && s.t_s > from && s.t_s <= to).map(|s| s.arrivals as u64).sum()
}

#[test]
fn a_health_check_flap_moves_traffic_away_and_back_and_loses_nothing() {
    let out = run_scenario(&scenario("kind = \"health-check-flap\"\nfor = \"30s\""));
    let f = &out.summary.faults[0];
    for step in ["detected", "withdrawal_started", "all_moved", "declared_up", "reannounced"] {
        assert!(f.timeline.contains_key(step), "{step} missing: {:?}", f.timeline);
    }
    assert_eq!(f.requests_lost, 0, "the PoP kept serving");
    assert_eq!(out.summary.requests.failed, 0);
    // SJC (PoP 0) gets no traffic once every network has moved, and gets it back.
    let moved = 61.0 + f.timeline["all_moved"];
    let back = 61.0 + f.timeline["reannounced"] + 10.0;
    assert_eq!(arrivals(&out, 0, moved + 1.0, 61.0 + f.timeline["reannounced"]), 0);
    assert!(arrivals(&out, 0, 20.0, 60.0) > 0);
    assert!(arrivals(&out, 0, back + 1.0, 170.0) > 0, "traffic came back");
}

#[test]
fn a_degraded_pop_keeps_its_route_loses_servers_and_sheds() {
    let out = run_scenario(&scenario("kind = \"pop-degraded\"\ncapacity = 0.125\nfor = \"60s\""));
    let f = &out.summary.faults[0];
    assert!(!f.timeline.contains_key("detected"), "probes still pass: {:?}", f.timeline);
    let servers_during: Vec<u32> = out
        .result
        .pop_series
        .iter()
        .filter(|s| s.pop == 0 && s.t_s > 62.0 && s.t_s < 120.0)
        .map(|s| s.servers)
        .collect();
    assert!(servers_during.iter().all(|&n| n == 2), "ceil(16 x 0.125) = 2 servers: {servers_during:?}");
    let after = out.result.pop_series.iter().rfind(|s| s.pop == 0).map(|s| s.servers);
    assert_eq!(after, Some(16), "servers restored");
    let sjc = &out.summary.pops[0];
    assert!(sjc.shed_by_class["p3"] > 0, "{:?}", sjc.shed_by_class);
    assert_eq!(sjc.shed_by_class["p0"], 0);
}
