//! The work budget: estimates against the events runs really handle, the
//! refusal of a run past its budget (exit 2, naming the estimate and the
//! flag), `--max-events` raising the limit, and the run-time stop.

use crate::util::{edgesim_code as edgesim, prepare_file as prepared, s, scenario_path, shipped_scenarios, simulate};
use crate::util::{temp_dir, write_scenario};
use edgesim::budget::{self, Limits};
use std::path::{Path, PathBuf};

/// Estimated and handled events of one scenario.
fn estimate_and_actual(path: &Path) -> (u64, u64) {
    let p = prepared(path);
    let estimate = budget::estimate(&p).events;
    let actual = simulate(&p).result.events_handled;
    (estimate, actual)
}

fn within_factor(estimate: u64, actual: u64, factor: f64) -> bool {
    let (e, a) = (estimate as f64, actual as f64);
    e <= a * factor && a <= e * factor
}

#[test]
fn the_estimate_of_small_shipped_scenarios_is_within_a_factor_of_two() {
    for name in ["do-ack-local", "kv-primary-failure", "rate-limiter", "level-4-control-plane", "retry-storm"] {
        let path = scenario_path(&format!("{name}.toml"));
        let (estimate, actual) = estimate_and_actual(&path);
        assert!(within_factor(estimate, actual, 2.0), "{name}: estimated {estimate} events, handled {actual}");
    }
}

/// Every shipped scenario within the default budget, with room to spare.
#[test]
fn every_shipped_scenario_fits_the_default_budget() {
    for path in shipped_scenarios() {
        let p = prepared(&path);
        let e = budget::check(&p, Limits::from_flags(None, None)).expect("within the default budget");
        assert!(e.events * 2 <= budget::DEFAULT_MAX_EVENTS, "{}: {} events", path.display(), e.events);
    }
}

/// Prints estimate and handled events of every shipped scenario (for the
/// README): `cargo test --release --test integration budget::print -- --ignored --nocapture`.
#[test]
#[ignore]
fn print_every_shipped_scenario() {
    println!("| scenario | estimated events | handled events | ratio | estimated memory MiB |");
    for path in shipped_scenarios() {
        let mem = budget::estimate(&prepared(&path)).memory_bytes;
        let (estimate, actual) = estimate_and_actual(&path);
        println!(
            "| {} | {estimate} | {actual} | {:.2} | {:.1} |",
            path.file_stem().and_then(|s| s.to_str()).unwrap_or("?"),
            estimate as f64 / actual as f64,
            mem as f64 / 1048576.0
        );
    }
}

const SMALL: &str = r#"
[scenario]
name = "budget"
seed = 3
duration = "20s"
warmup = "0s"

[topology]
pops = ["SJC"]

[traffic]
rps = RPS
classes = { p0 = 0.0, p1 = 1.0, p2 = 0.0, p3 = 0.0 }

[pops.default]
servers = 4
service = { dist = "exponential", mean = "1ms" }
"#;

/// [`SMALL`] at `rps` requests a second, as budget.toml in a folder `dir`.
#[track_caller]
fn write(dir: &str, rps: &str) -> PathBuf {
    write_scenario(&temp_dir(dir), "budget", &SMALL.replace("RPS", rps))
}

#[test]
fn a_huge_rate_is_refused_before_running_with_the_estimate_and_the_flag() {
    // The highest rate a scenario may give (validation refuses more).
    let f = write("huge", "1e8");
    let p = prepared(&f);
    let estimate = budget::estimate(&p).events;
    // 1e8 requests a second for 20 s, at least one event each.
    assert!(estimate >= 2_000_000_000, "{estimate}");
    let file = f.to_string_lossy();
    let out = f.with_file_name("out");
    for cmd in [vec!["run", &*file, "--out"], vec!["check", &*file, "--out"]] {
        let mut args = cmd.clone();
        args.push(out.to_str().expect("utf-8 path"));
        let (code, err) = edgesim(&args);
        assert_eq!(code, 2, "{cmd:?}: {err}");
        assert!(err.contains("--max-events"), "{err}");
        assert!(err.contains(&format!("{:.2e}", estimate as f64)), "the estimate is named: {err}");
    }
    let (code, err) = edgesim(["sweep", &file, "--seeds", "2", "--out", out.to_str().expect("utf-8"), "-q"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--max-events"), "{err}");
}

#[test]
fn max_events_raises_and_lowers_the_limit() {
    let f = write("flag", "1000");
    let p = prepared(&f);
    let estimate = budget::estimate(&p).events;
    let file = f.to_string_lossy().into_owned();
    let out = f.with_file_name("out").to_string_lossy().into_owned();
    let below = (estimate / 2).to_string();
    let (code, err) = edgesim(["run", &file, "--out", &out, "--no-charts", "-q", "--max-events", &below]);
    assert_eq!(code, 2, "refused under a budget half the estimate: {err}");
    assert!(err.contains(&format!("--max-events {}", estimate * 2)), "suggests a limit that fits: {err}");
    let above = (estimate * 2).to_string();
    let (code, err) = edgesim(["run", &file, "--out", &out, "--no-charts", "-q", "--max-events", &above]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_run_past_its_event_budget_stops_with_the_time_reached() {
    let f = write("stop", "1000");
    let mut p = prepared(&f);
    // Admitted under the default budget, then held to a tenth of its work.
    budget::admit(&mut p, Limits::from_flags(None, None)).expect("fits");
    let limit = budget::estimate(&p).events / 10;
    p.max_events = Some(limit);
    let err = match edgesim::simulate(&p, None) {
        Ok(_) => panic!("a run of ~10x its budget finished"),
        Err(e) => e,
    };
    let stop = edgesim::sim::budget_exceeded(&err).expect("the budget stopped it");
    assert_eq!(stop.budget, edgesim::sim::Budget::Events(limit));
    assert!(stop.reached.as_secs_f64() > 0.0 && stop.reached.as_secs_f64() < 20.0, "{stop:?}");
    let text = err.to_string();
    assert!(text.contains("--max-events") && text.contains(&format!("{}", stop.reached)), "{text}");
}

#[test]
fn the_cli_stops_a_run_that_outgrows_its_estimate_with_exit_2() {
    // A retry storm makes more attempts than the estimate foresees: a
    // budget between the two is admitted, then reached while running.
    let path = scenario_path("retry-storm.toml");
    let (estimate, actual) = estimate_and_actual(&path);
    assert!(estimate < actual, "the storm outgrows its estimate ({estimate} vs {actual})");
    let limit = ((estimate + actual) / 2).to_string();
    let out = temp_dir("storm").join("out");
    let (code, err) = edgesim(["run", s(&path), "--out", s(&out), "--no-charts", "-q", "--max-events", &limit]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("more than {limit} events")) && err.contains("--max-events"), "{err}");
    assert!(err.contains("stopped at") && err.contains("of 240s simulated"), "{err}");
    assert!(!out.join("summary.json").exists(), "nothing written");
}

/// KV writes held back by an 8-minute replication lag all wait in the queue
/// at once: 1e6 writes/s x 10 s x 2 other primaries x the bytes of a queued
/// event is past the default memory budget, so the run is refused before it
/// starts (it used to abort allocating 1.6 GB), naming `--max-memory`.
#[test]
fn replications_held_back_by_a_lag_fault_count_against_the_memory_budget() {
    let d = temp_dir("kvlag");
    let text = r#"
[scenario]
name = "kv-lag-huge"
duration = "10s"
[topology]
pops = ["IAD", "FRA", "SIN"]
[traffic]
rps = 300
classes = { p1 = 1.0 }
[kv]
keys = 200
writes_per_s = 1000000
reads_per_s = 200
[[fault]]
at = "4s"
kind = "kv-replication-lag"
lag = "8m"
for = "3s"
"#;
    let f = write_scenario(&d, "kv-lag", text);
    let p = prepared(&f);
    let e = budget::estimate(&p);
    let in_flight = e.memory_parts.iter().find(|(n, _)| *n == "KV replications in flight").map_or(0, |p| p.1);
    let per_event = edgesim::sim::QUEUED_EVENT_BYTES / 2;
    assert!(in_flight >= 10_000_000 * 2 * per_event, "{in_flight}");
    let file = f.to_string_lossy().into_owned();
    let out = d.join("out").to_string_lossy().into_owned();
    let (code, err) = edgesim(["run", &file, "--out", &out, "--no-charts", "-q"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with(&format!("error: {file}: ")), "names the file: {err}");
    assert!(err.contains("--max-memory"), "{err}");
}

/// A year of the whole catalog in flow fidelity fits the default budget:
/// its network and PoP periods count at their measured cost
/// ([`budget::FLOW_PERIOD_EVENTS`] request-level events each), computed
/// here from the scenario's networks, PoPs and control period. The same
/// year in request fidelity is refused, naming its requests' events and
/// the flag.
#[test]
fn a_year_in_flow_fidelity_fits_the_default_budget_and_in_request_fidelity_is_refused() {
    let path = scenario_path("year-of-operations.toml");
    let p = prepared(&path);
    let e = budget::check(&p, Limits::from_flags(None, None)).expect("a flow year fits the default budget");
    let networks = p.world.sites.len() as f64 * f64::from(p.config.networks_per_site.max(1));
    let periods = p.scenario.duration().as_secs_f64() / p.config.tick.as_secs_f64();
    let expected = budget::FLOW_PERIOD_EVENTS * (networks + p.world.pops.len() as f64) * periods;
    let part = e.event_parts.iter().find(|(n, _)| *n == "flow network and PoP periods").map_or(0, |x| x.1);
    assert!((part as f64 - expected).abs() <= 1.0, "{part} vs {expected}");
    let text =
        std::fs::read_to_string(&path).expect("the scenario").replace("fidelity = \"flow\"", "fidelity = \"request\"");
    assert!(text.contains("fidelity = \"request\""), "the scenario names its fidelity");
    let request = write_scenario(&temp_dir("year-request"), "year-request", &text);
    let err = budget::check(&prepared(&request), Limits::from_flags(None, None)).expect_err("refused");
    assert!(err.contains("client requests") && err.contains("--max-events"), "{err}");
}

/// The failure processes' incidents are in the estimate: in a request-level
/// run of four PoPs whose incidents dominate (2 rps; PoPs failing every
/// 10 s of mean up time, repaired in 5 s), the estimate is within a factor of two
/// of the events handled; a year of the catalog with PoPs failing every
/// minute is refused before it runs, naming the incidents.
#[test]
fn failure_process_incidents_are_estimated_and_a_storm_of_them_is_refused() {
    let dir = temp_dir("incidents");
    let failures = "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nmtbf = \"10s\"\nmttr = \"5s\"\n";
    let text = crate::util::four_pops_two_days("storm", 3, 2, 4, failures)
        .replace("duration = \"2d\"", "duration = \"2h\"")
        .replace("fidelity = \"flow\"", "fidelity = \"request\"");
    let p = prepared(&write_scenario(&dir, "storm", &text));
    let e = budget::estimate(&p);
    let part = e.event_parts.iter().find(|(n, _)| *n == "failure-process incidents").map_or(0, |x| x.1);
    assert!(part as f64 > 0.5 * e.events as f64, "incidents dominate: {:?}", e.event_parts);
    let actual = simulate(&p).result.events_handled;
    assert!(within_factor(e.events, actual, 2.0), "estimated {} events, handled {actual}", e.events);
    let year = std::fs::read_to_string(scenario_path("year-of-operations.toml")).expect("shipped");
    assert!(year.contains("mtbf = \"30d\""), "the year's PoP MTBF");
    let storm = write_scenario(&dir, "year-storm", &year.replace("mtbf = \"30d\"", "mtbf = \"1m\""));
    let (code, err) = edgesim(["run", s(&storm), "--out", s(&dir.join("out")), "--quiet"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("failure-process incidents") && err.contains("--max-events"), "{err}");
}
