//! Path-vector convergence in runs (`convergence = { model = "path-vector" }`):
//! failover timelines bounded by the protocol's parameters, catchments
//! that follow policy rather than distance, routing faults, both
//! fidelities, determinism, and the errors a planner can make.

use crate::util::{edgesim_code, prepare_text, simulate, temp_dir, write_scenario};
use edgesim::edge::anycast::NO_POP;
use edgesim::edge::bgp::Role;
use edgesim::sim::config::RouteModel;
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

/// Networks whose PoP differs between the snapshot before fault 1 and the
/// one while it lasts.
fn networks_moved(out: &edgesim::Outcome) -> usize {
    let before = out.result.catchments.iter().find(|c| c.before).expect("before");
    let during = out.result.catchments.iter().find(|c| !c.before).expect("during");
    before.pop_of_net.iter().zip(&during.pop_of_net).filter(|(a, b)| a != b).count()
}

#[test]
fn routing_faults_move_networks_without_striking_a_pop_and_are_undone_when_they_end() {
    let faults = [
        "kind = \"transit-down\"\npeer = \"T1-1\"",
        "kind = \"ixp-down\"\npop = \"LHR\"",
        "kind = \"prepend\"\npop = \"LHR\"\ntimes = 3",
    ];
    // A second fault long after the first ended (more than two MRAI
    // periods): its "before" snapshot is the routes once BGP has settled.
    let later = "\n[[fault]]\nat = \"5m\"\nkind = \"pop-degraded\"\npop = \"ATL\"\ncapacity = 0.9\n";
    for fault in faults {
        let text = scenario("flow", PATH_VECTOR_30S, fault).replace("duration = \"3m\"", "duration = \"6m\"") + later;
        let out = simulate(&prepare_text(&text));
        let f = &out.result.faults[0];
        assert!(f.route_changes > 0, "{fault}: some network's route changed");
        assert!(networks_moved(&out) > 0, "{fault}: the catchments differ during the fault");
        assert_eq!(f.affected_networks, 0, "{fault}: no PoP was struck");
        assert!(out.summary.availability.unwrap() > 0.999, "{fault}: no PoP lost, little traffic lost");
        // Gao-Rexford's stable state is unique: once the fault is undone,
        // every network is back on the PoP it used before.
        let snaps = &out.result.catchments;
        let first = snaps.iter().find(|c| c.fault == 0 && c.before).unwrap();
        let settled = snaps.iter().find(|c| c.fault == 1 && c.before).unwrap();
        assert_eq!(first.pop_of_net, settled.pop_of_net, "{fault}: routes restored after the fault");
    }
}

#[test]
fn a_prepend_drill_drains_only_what_path_length_decides() {
    let p = prepare_text(&scenario("flow", PATH_VECTOR_30S, "kind = \"prepend\"\npop = \"FRA\"\ntimes = 3"));
    let out = simulate(&p);
    let fra = p.world.pop_index("FRA").unwrap() as u32;
    let RouteModel::PathVector(setup) = &p.config.routes else { panic!("path-vector") };
    let g = &setup.graph;
    let fra_router = g.origin_router(fra).unwrap();
    // Client networks with a session straight to FRA: a peer route, which
    // local preference ranks above every provider route however long.
    let direct: Vec<u32> = g
        .links_of(fra_router)
        .iter()
        .filter_map(|&l| match g.routers[g.links[l as usize].to as usize].role {
            Role::Client { net } => Some(net),
            _ => None,
        })
        .collect();
    let before = out.result.catchments.iter().find(|c| c.before).unwrap();
    let during = out.result.catchments.iter().find(|c| !c.before).unwrap();
    let count = |c: &edgesim::sim::Catchment| c.pop_of_net.iter().filter(|&&x| x == fra).count();
    let (b, d) = (count(before), count(during));
    assert!(d < b, "prepending drains some of FRA's catchment: {b} -> {d}");
    assert!(!direct.is_empty(), "some client network peers with FRA in this graph");
    for &net in &direct {
        assert_eq!(before.pop_of_net[net as usize], fra, "network {net} peers with FRA");
        assert_eq!(during.pop_of_net[net as usize], fra, "network {net} keeps its peer route despite the prepend");
    }
    assert!(d >= direct.len(), "{d} networks stay, {} of them peering directly", direct.len());
}

#[test]
fn same_seed_same_bytes_and_the_seed_moves_the_mrai_phases() {
    let text = scenario("flow", PATH_VECTOR_30S, FRA_DOWN);
    let a = simulate(&prepare_text(&text));
    let b = simulate(&prepare_text(&text));
    assert_eq!(a.result.trace_hash, b.result.trace_hash);
    assert_eq!(crate::util::summary_json(&a), crate::util::summary_json(&b));
    let other = simulate(&prepare_text(&text.replace("seed = 4", "seed = 5")));
    assert_ne!(moved_after_withdrawal(&a), moved_after_withdrawal(&other), "MRAI phases are drawn per run seed");
    // The Internet itself is the same for every run seed (its own seed).
    assert_eq!(a.summary.bgp.as_ref().unwrap().sessions, other.summary.bgp.as_ref().unwrap().sessions);
}

#[test]
fn the_nearest_pop_share_is_what_the_catchment_before_the_fault_shows() {
    let p = prepare_text(&scenario("flow", PATH_VECTOR_30S, FRA_DOWN));
    let out = simulate(&p);
    let before = out.result.catchments.iter().find(|c| c.before).unwrap();
    let nearest = before
        .pop_of_net
        .iter()
        .enumerate()
        .filter(|&(n, &pop)| pop as usize == p.world.sites[out.result.net_sites[n] as usize].nearest_pop)
        .count();
    let share = out.summary.bgp.as_ref().unwrap().nearest_pop_share;
    assert!((share - nearest as f64 / before.pop_of_net.len() as f64).abs() < 1e-12);
    assert!(share > 0.2 && share < 1.0, "policy, not distance: {share}");
}

#[test]
fn routing_mistakes_are_exit_2_naming_the_field() {
    let dir = temp_dir("bgp-errors");
    let cases = [
        (scenario("flow", PATH_VECTOR_30S, "kind = \"transit-down\"\npeer = \"T9-9\""), "fault[1].peer"),
        (
            scenario("flow", PATH_VECTOR_30S, "kind = \"session-down\"\npop = \"FRA\"\npeer = \"NA-1\""),
            "has no session",
        ),
        (scenario("flow", PATH_VECTOR_30S, "kind = \"prepend\"\npop = \"FRA\""), "needs times"),
        (
            scenario("flow", PATH_VECTOR_30S, "kind = \"pop-down\"\npop = \"FRA\"\ntimes = 2"),
            "times applies to prepend",
        ),
        (
            scenario("flow", r#"{ model = "fixed", last = "20s" }"#, "kind = \"transit-down\"\npeer = \"T1-1\""),
            "path-vector",
        ),
        (scenario("flow", r#"{ model = "path-vector", mria = "30s" }"#, FRA_DOWN), "unknown field `mria`"),
        (
            scenario("flow", r#"{ model = "path-vector", processing_min = "20ms", processing_max = "1ms" }"#, FRA_DOWN),
            "processing_min",
        ),
        (
            scenario("flow", PATH_VECTOR_30S, FRA_DOWN)
                .replace("networks_per_site = 4", "networks_per_site = 4\noff_nearest_share = 0.2"),
            "off_nearest_share",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = write_scenario(&dir, &format!("case{i}"), text);
        let (code, err) = edgesim_code(["validate", path.to_str().unwrap()]);
        assert_eq!(code, 2, "case {i}: {err}");
        assert!(err.contains(want), "case {i}: expected {want:?} in: {err}");
        assert!(!err.contains("panicked"), "case {i}: {err}");
    }
}

/// Four PoPs under a transit core read from `core.csv` beside the file.
fn core_scenario(dir: &std::path::Path, core: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("core.csv"), core).unwrap();
    let text = r#"
[scenario]
name = "core"
seed = 1
duration = "2m"
fidelity = "flow"
[topology]
pops = ["JFK", "LAX", "ORD", "ATL"]
[traffic]
rps = 10000
classes = { p0 = 0.02, p1 = 0.5, p2 = 0.4, p3 = 0.08 }
[pops.default]
servers = { per_krps = 2, min = 4 }
service = { dist = "exponential", mean = "400us" }
[anycast]
networks_per_site = 4
convergence = { model = "path-vector", mrai = "5s" }
internet = { graph = "core.csv", client_peering = 0.0 }
[[fault]]
at = "1m"
kind = "pop-down"
pop = "JFK"
"#;
    write_scenario(dir, "core", text)
}

#[test]
fn a_transit_core_from_a_file_routes_by_its_sessions() {
    let dir = temp_dir("bgp-core");
    // A and B peer in New York; the edge buys transit from A at JFK and
    // from B at LAX; no client peers directly (client_peering = 0).
    let core = "from,to,relation\n# the core\nA@JFK,B@JFK,peer\nEDGE@JFK,A@JFK,provider\nEDGE@LAX,B@LAX,provider\n";
    let path = core_scenario(&dir, core);
    let p = crate::util::prepare_file(&path);
    let out = simulate(&p);
    let before = out.result.catchments.iter().find(|c| c.before).unwrap();
    let during = out.result.catchments.iter().find(|c| !c.before).unwrap();
    let (jfk, lax) = (p.world.pop_index("JFK").unwrap() as u32, p.world.pop_index("LAX").unwrap() as u32);
    // Only JFK and LAX have sessions, so every network is on one of them;
    // A's customers reach JFK (a customer route of A), B's reach LAX.
    assert!(before.pop_of_net.iter().all(|&x| x == jfk || x == lax), "{:?}", before.pop_of_net);
    assert!(before.pop_of_net.contains(&jfk) && before.pop_of_net.contains(&lax));
    // With JFK down, A reaches the edge only through its peer B (a peer
    // route of A): everyone ends on LAX.
    assert!(during.pop_of_net.iter().all(|&x| x == lax), "{:?}", during.pop_of_net);
    assert_eq!(out.summary.bgp.as_ref().unwrap().ases, 1 + 2 + 16, "EDGE, A, B and 16 client networks");
}

#[test]
fn mistakes_in_a_core_file_name_the_file_and_line() {
    let dir = temp_dir("bgp-core-bad");
    let cases = [
        ("A@JFK,B@JFK,friend\n", ":1:1", "expected customer, peer or provider"),
        ("from,to,relation\nA@JFK,B@XXX,peer\n", ":2:1", "XXX"),
        ("A@JFK,B@JFK,peer\nB@JFK,A@JFK,peer\n", ":2:1", "twice"),
        ("A@JFK B@JFK peer\n", ":1:1", "3 fields"),
        ("EDGE@JFK,EDGE@LAX,peer\n", ":1:1", "two EDGE routers"),
        ("AJFK,B@JFK,peer\n", ":1:1", "AS@CODE"),
    ];
    for (i, (core, pos, want)) in cases.iter().enumerate() {
        let path = core_scenario(&dir, core);
        let (code, err) = edgesim_code(["validate", path.to_str().unwrap()]);
        assert_eq!(code, 2, "case {i}: {err}");
        assert!(err.contains(&format!("core.csv{pos}")), "case {i}: expected core.csv{pos} in {err}");
        assert!(err.contains(want), "case {i}: expected {want:?} in {err}");
    }
    std::fs::remove_file(dir.join("core.csv")).unwrap();
    let (code, err) = edgesim_code(["validate", dir.join("core.toml").to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("anycast.internet.graph: cannot read"), "{err}");
}
