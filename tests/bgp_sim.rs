//! Path-vector convergence in runs (`convergence = { model = "path-vector" }`):
//! failover timelines bounded by the protocol's parameters, catchments
//! that follow policy rather than distance, routing faults, both
//! fidelities, determinism, and the errors a planner can make.

use crate::util::{edgesim_code, prepare_text, simulate, temp_dir, write_scenario};
use edgesim::edge::anycast::NO_POP;
use edgesim::world::catalog::Region;

/// NA and EU from the built-in catalog under path-vector, one fault.
fn scenario(fidelity: &str, convergence: &str, fault: &str) -> String {
    format!(
        r#"
[scenario]
name = "bgp-test"
seed = 4
duration = "3m"
warmup = "20s"
fidelity = "{fidelity}"

[topology]
regions = ["NA", "EU"]

[traffic]
rps = 20_000
classes = {{ p0 = 0.02, p1 = 0.5, p2 = 0.4, p3 = 0.08 }}

[pops.default]
servers = {{ per_krps = 1.5, min = 4 }}
service = {{ dist = "exponential", mean = "400us" }}

[anycast]
networks_per_site = 4
health_check = {{ interval = "5s", timeout = "1s", failures = 1, successes = 2 }}
withdrawal_delay = "5s"
convergence = {convergence}

[[fault]]
at = "1m"
{fault}
for = "90s"
"#
    )
}

const PATH_VECTOR_30S: &str = r#"{ model = "path-vector", mrai = "30s" }"#;
const FRA_DOWN: &str = "kind = \"pop-down\"\npop = \"FRA\"";

/// Seconds from the fault's withdrawal to the last affected network's move.
fn moved_after_withdrawal(out: &edgesim::Outcome) -> f64 {
    let f = &out.result.faults[0];
    let w = f.withdrawn.expect("the PoP is withdrawn");
    let last = f.moved.iter().max().expect("networks moved");
    (*last - w).as_secs_f64()
}

#[test]
fn a_pop_failure_moves_every_network_within_its_paths_mrai_ticks_in_both_fidelities() {
    for fidelity in ["flow", "request"] {
        let p = prepare_text(&scenario(fidelity, PATH_VECTOR_30S, FRA_DOWN));
        let out = simulate(&p);
        let f = &out.result.faults[0];
        assert!(f.affected_networks > 0, "{fidelity}: FRA had a catchment");
        assert_eq!(f.moved.len() as u32, f.affected_networks, "{fidelity}: every affected network moved");
        let detect = (f.detected.unwrap() - f.at).as_secs_f64();
        assert!(detect <= 5.0 + 1.0, "{fidelity}: detection {detect} s within interval + timeout");
        // Each AS that re-announces on a network's new path waits at most
        // one MRAI period for its session's tick; two such ASes at most on
        // this graph's paths, plus under 1 s of propagation and processing.
        let moved = moved_after_withdrawal(&out);
        assert!(moved <= 2.0 * 30.0 + 1.0, "{fidelity}: last move {moved} s after the withdrawal");
        let bgp = out.result.bgp.as_ref().expect("path-vector reports BGP");
        assert!(bgp.stats.announcements > 0 && bgp.stats.withdrawals > 0);
    }
}

#[test]
fn without_mrai_networks_move_within_propagation_and_processing() {
    let zero = r#"{ model = "path-vector", mrai = "0s" }"#;
    let out = simulate(&prepare_text(&scenario("flow", zero, FRA_DOWN)));
    let moved = moved_after_withdrawal(&out);
    // A few AS hops of at most ~100 ms of fibre and 10 ms of processing each.
    assert!(moved < 1.0, "last move {moved} s after the withdrawal");
    let slow = simulate(&prepare_text(&scenario("flow", PATH_VECTOR_30S, FRA_DOWN)));
    assert!(moved_after_withdrawal(&slow) > moved + 1.0, "MRAI slows convergence");
}

/// Share of EU-site networks sending to `code` during the fault (the
/// snapshot just before it ends).
fn eu_share_at(p: &edgesim::Prepared, out: &edgesim::Outcome, code: &str) -> f64 {
    let target = p.world.pop_index(code).expect("PoP in the topology") as u32;
    let during = out.result.catchments.iter().find(|c| !c.before).expect("a snapshot during the fault");
    let mut eu = 0;
    let mut there = 0;
    for (net, &pop) in during.pop_of_net.iter().enumerate() {
        let site = out.result.net_sites[net] as usize;
        if p.world.pops[p.world.sites[site].nearest_pop].region == Region::EU {
            eu += 1;
            there += (pop == target) as usize;
            assert_ne!(pop, NO_POP, "every EU network has a route to a live PoP");
        }
    }
    there as f64 / eu as f64
}

#[test]
fn europe_goes_where_policy_sends_it_not_to_the_nearest_pop_across_the_atlantic() {
    let region = "kind = \"region-down\"\nregion = \"EU\"";
    let fixed = r#"{ model = "fixed", first = "0s", last = "20s" }"#;
    let p_fixed = prepare_text(&scenario("flow", fixed, region));
    let by_distance = eu_share_at(&p_fixed, &simulate(&p_fixed), "YHZ");
    let p_bgp = prepare_text(&scenario("flow", PATH_VECTOR_30S, region));
    let by_policy = eu_share_at(&p_bgp, &simulate(&p_bgp), "YHZ");
    assert!(by_distance > 0.5, "nearest-PoP routing sends most of Europe to Halifax: {by_distance}");
    assert!(by_policy < 0.1, "BGP sends little of Europe to Halifax (no transit there): {by_policy}");
}
