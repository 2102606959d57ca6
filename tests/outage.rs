//! No outage can hide: requests still unanswered at the end of the run are
//! followed through the drain until they succeed or their clients give up,
//! so an outage that lasts to the end counts in full.

use crate::util::{edgesim, read_json, run_scenario, s, stderr, temp_dir, write_scenario};

/// Two PoPs, both down from 2 s of a 10 s run.
const BOTH_DOWN: &str = r#"
[scenario]
name = "both-down"
seed = 1
duration = "10s"
warmup = "0s"

[topology]
pops = ["SJC", "LAX"]

[traffic]
rps = 200
classes = { p0 = 0.02, p1 = 0.5, p2 = 0.4, p3 = 0.08 }

[pops.default]
servers = 4
service = { dist = "exponential", mean = "2ms" }

FAULTS

[[expect]]
availability = { ge = 0.99 }
"#;

const FAULTS: &str = r#"
[[fault]]
at = "2s"
kind = "pop-down"
pop = "SJC"

[[fault]]
at = "2s"
kind = "pop-down"
pop = "LAX"

[[expect]]
rto = { fault = 1, le = "5s" }
"#;

#[test]
fn two_pops_down_to_the_end_fail_availability_and_exit_1() {
    let f = write_scenario(&temp_dir("both-down"), "both-down", &BOTH_DOWN.replace("FAULTS", FAULTS));
    let out = f.with_file_name("out");
    let o = edgesim(["run", s(&f), "--out", s(&out), "--no-charts", "-q"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let summary = read_json(&out.join("summary.json"));
    let r = &summary["requests"];
    assert_eq!(r["unfinished"], 0);
    assert_eq!(r["given_up_at_end"], 0, "the drain outlives every request");
    assert!(r["finished_in_drain"].as_u64().expect("count") > 0);
    // Every request sent after 2 s fails: at most a fifth succeed.
    let a = summary["availability"].as_f64().expect("availability");
    assert!(a < 0.3, "availability {a}");
    let availability = summary["expectations"]
        .as_array()
        .expect("verdicts")
        .iter()
        .find(|v| v["text"].as_str().is_some_and(|t| t.starts_with("availability")));
    assert_eq!(availability.expect("the availability expectation")["status"], "fail");
}

#[test]
fn a_never_recovered_fault_fails_an_rto_bound_and_says_so() {
    let out = run_scenario(&BOTH_DOWN.replace("FAULTS", FAULTS));
    let f = &out.summary.faults[0];
    assert_eq!(f.rto_s, None);
    assert!(!f.recovered);
    let v = out.summary.expectations.iter().find(|v| v.text.starts_with("rto")).expect("the RTO expectation");
    assert!(!v.passed, "{v:?}");
    assert!(v.observed_text.contains("never recovered before the end"), "{}", v.observed_text);
    assert!(!v.observed_text.contains("0.000000ms"), "{}", v.observed_text);
}

#[test]
fn a_healthy_run_keeps_its_availability() {
    let out = run_scenario(&BOTH_DOWN.replace("FAULTS", ""));
    let r = &out.summary.requests;
    assert_eq!(r.failed, 0);
    assert_eq!((r.unfinished, r.given_up_at_end), (0, 0));
    assert_eq!(out.summary.availability, Some(1.0));
    // 200 rps for 10 s: about 2,000 requests, every one counted.
    let expected = 200.0 * 10.0;
    assert!((r.issued as f64 - expected).abs() < 5.0 * expected.sqrt(), "{} issued", r.issued);
    // The drain is the longest life of a request: 4 attempts of 2 s and waits of 0.1, 0.3 and 1 s.
    assert!((r.drain_s - (4.0 * 2.0 + 0.1 + 0.3 + 1.0)).abs() < 1e-6, "{}", r.drain_s);
}

/// One site, one PoP, a request every 100 ms, a constant network and
/// service: the PoP dies at 5.05 s, between two requests, and stays down.
pub(crate) const HAND: &str = r#"
[scenario]
name = "hand-count"
seed = 2
duration = "20s"
warmup = "0s"

[topology]
pops = ["SJC"]

[network]
jitter = { dist = "constant", value = "0ms" }

[traffic]
rps = 10
arrivals = "constant"
classes = { p0 = 0.0, p1 = 1.0, p2 = 0.0, p3 = 0.0 }

[[traffic.site]]
name = "bay-area"
near = "SFO"
weight = 1

[pops.default]
servers = 1
service = { dist = "constant", value = "1ms" }

[[fault]]
at = "5.05s"
kind = "pop-down"
pop = "SJC"
"#;

#[test]
fn a_hand_count_of_an_outage_to_the_end() {
    let out = run_scenario(HAND);
    let r = &out.summary.requests;
    // Sends at 0.1 s, 0.2 s, ... while before 20 s: 199 requests; those at
    // 0.1 .. 5.0 s (50) are answered within milliseconds, before the fault.
    let gap = 0.1;
    let sent = ((20.0 / gap) as u64) - 1;
    let before = (5.05 / gap) as u64;
    assert_eq!(r.issued, sent);
    assert_eq!(r.succeeded, before);
    assert_eq!(r.failed, sent - before);
    assert_eq!((r.unfinished, r.given_up_at_end), (0, 0));
    let a = out.summary.availability.expect("requests");
    assert!((a - before as f64 / sent as f64).abs() < 1e-12, "{a}");
}
