//! How fast the path-vector protocol runs on the generated Internet of the
//! global catalog (569 PoPs, 5,690 client networks): wall time to build
//! the graph, to converge from scratch, and for one PoP withdrawal (and
//! its re-announcement) to converge, with MRAI 30 s and its jitter; and
//! the request level's speed with and without path-vector routing.
//!
//! `cargo run --release --example bgp_speed`

use edgesim::edge::bgp::PathVector;
use edgesim::engine::{SimDuration, SimTime};
use edgesim::sim::config::RouteModel;
use std::sync::Arc;
use std::time::Instant;

fn scenario(catalog: &str, convergence: &str, fidelity: &str, rps: u32) -> String {
    format!(
        r#"
[scenario]
name = "bgp-speed"
seed = 1
duration = "2m"
warmup = "10s"
fidelity = "{fidelity}"
[topology]
catalog = "{catalog}"
[traffic]
rps = {rps}
classes = {{ p0 = 0.02, p1 = 0.5, p2 = 0.4, p3 = 0.08 }}
[pops.default]
servers = {{ per_krps = 1.2, min = 4 }}
service = {{ dist = "exponential", mean = "400us" }}
[anycast]
networks_per_site = 10
convergence = {convergence}
[[fault]]
at = "1m"
kind = "pop-down"
pop = "FRA"
for = "30s"
"#
    )
}

fn prepare(text: &str) -> edgesim::Prepared {
    let sc = edgesim::scenario::parse("bgp-speed.toml", text, std::path::PathBuf::from(".")).expect("scenario");
    edgesim::prepare(sc).expect("prepare")
}

fn main() {
    for catalog in ["builtin", "global"] {
        let t = Instant::now();
        let p = prepare(&scenario(catalog, r#"{ model = "path-vector" }"#, "flow", 1_000_000));
        let prepare_s = t.elapsed().as_secs_f64();
        let RouteModel::PathVector(setup) = &p.config.routes else { unreachable!() };
        let g = Arc::clone(&setup.graph);
        let t = Instant::now();
        let mut pv = PathVector::new(Arc::clone(&g), setup.cfg.clone(), 1, |_| true);
        let start_s = t.elapsed().as_secs_f64();
        println!(
            "{catalog}: {} PoPs, {} ASes, {} routers, {} sessions; prepare (graph + steady state) {:.3} s, converge from scratch {:.3} s",
            p.world.pops.len(),
            g.as_names.len(),
            g.routers.len(),
            g.links.len() / 2,
            prepare_s,
            start_s
        );
        for code in ["FRA", "JFK", "SIN"] {
            let pop = p.world.pop_index(code).expect("PoP") as u32;
            for (what, announce) in [("withdrawal", false), ("re-announcement", true)] {
                let at = pv.run_to_quiet().max(SimTime::ZERO) + SimDuration::from_secs(600);
                let before = pv.stats();
                let t = Instant::now();
                pv.set_origin(pop, announce, at);
                let quiet = pv.run_to_quiet();
                let wall = t.elapsed().as_secs_f64();
                let after = pv.stats();
                println!(
                    "  {code} {what}: converged {:.1} s simulated after it, {} updates, wall {:.4} s",
                    quiet.since(at).as_secs_f64(),
                    after.messages() - before.messages(),
                    wall
                );
            }
        }
    }
    println!("\nrequest level, pop failure on the built-in NA+EU at 100k rps for 2 minutes:");
    for (name, conv) in
        [("fixed", r#"{ model = "fixed", last = "20s" }"#), ("path-vector", r#"{ model = "path-vector" }"#)]
    {
        let text = scenario("builtin", conv, "request", 100_000)
            .replace("catalog = \"builtin\"", "regions = [\"NA\", \"EU\"]");
        let p = prepare(&text);
        let t = Instant::now();
        let out = edgesim::simulate(&p, None).expect("run");
        let wall = t.elapsed().as_secs_f64();
        let requests = out.result.recorder.total.issued;
        println!(
            "  {name}: {requests} requests, {} events in {wall:.2} s: {:.2} M events/s, {:.0} ns per request",
            out.result.events_handled,
            out.result.events_handled as f64 / wall / 1e6,
            wall * 1e9 / requests as f64
        );
    }
}
