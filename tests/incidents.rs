//! Failure processes in the loop (`[[failure]]`): incidents strike as the
//! scripted faults of their kind, a unit is down while any incident holds
//! it (the union of their intervals), and the run's PoP downtime, failures,
//! MTTR and MTBF are those of the incidents it lists, computed here by hand.

use crate::util::{run_scenario, summary_json};
use serde_json::Value;

fn scenario(seed: u64, failures: &str) -> String {
    crate::util::four_pops_two_days("failures", seed, 10_000, 40, failures)
}

/// Per target: the union of its incidents' intervals (start, start + duration), s.
fn union_by_target(first: &[Value]) -> std::collections::BTreeMap<String, Vec<(f64, f64)>> {
    let mut by: std::collections::BTreeMap<String, Vec<(f64, f64)>> = Default::default();
    for i in first {
        let s = i["start_s"].as_f64().unwrap();
        let d = i["duration_s"].as_f64().unwrap();
        by.entry(i["target"].as_str().unwrap().to_string()).or_default().push((s, s + d));
    }
    for v in by.values_mut() {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::new();
        for &(a, b) in v.iter() {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        *v = merged;
    }
    by
}

#[test]
fn pop_downtime_is_the_union_of_the_incidents_and_mttr_mtbf_follow() {
    // Two competing processes on ATL make its incidents overlap at times.
    let failures = r#"
[[failure]]
kind = "pop-down"
pops = "all"
mtbf = "8h"
mttr = "30m"
[[failure]]
kind = "pop-down"
pop = "ATL"
mtbf = "4h"
ttr = { dist = "lognormal", median = "40m", sigma = 1.0 }
"#;
    let mut overlapped = false;
    for seed in 1..=3 {
        let j = summary_json(&run_scenario(&scenario(seed, failures)));
        let inc = &j["incidents"];
        let first = inc["first"].as_array().unwrap();
        assert_eq!(inc["count"].as_u64().unwrap() as usize, first.len(), "all listed");
        assert!(first.len() > 10, "seed {seed}: {} incidents", first.len());
        let union = union_by_target(first);
        let down: f64 = union.values().flatten().map(|(a, b)| b - a).sum();
        let failures: usize = union.values().map(Vec::len).sum();
        overlapped |= union.values().map(Vec::len).sum::<usize>() < first.len();
        let got = inc["pop_downtime_minutes"].as_f64().unwrap() * 60.0;
        assert!((got - down).abs() < 1e-3, "seed {seed}: downtime {got} s against the union's {down} s");
        assert_eq!(
            inc["pop_failures"].as_u64().unwrap() as usize,
            failures,
            "seed {seed}: one failure per union piece"
        );
        let up = 4.0 * 2.0 * 86_400.0 - down;
        let mttr = inc["mttr_minutes"].as_f64().unwrap();
        assert!((mttr - down / failures as f64 / 60.0).abs() < 1e-6, "seed {seed}: MTTR {mttr}");
        let mtbf = inc["mtbf_days"].as_f64().unwrap();
        assert!((mtbf - up / failures as f64 / 86_400.0).abs() < 1e-9, "seed {seed}: MTBF {mtbf}");
        let avail = inc["pop_availability"].as_f64().unwrap();
        assert!((avail - up / (up + down)).abs() < 1e-12);
        // Requests keep flowing around the struck PoPs: the days' availability is high.
        for a in inc["availability_by_day"].as_array().unwrap() {
            assert!(a.as_f64().unwrap() > 0.99, "seed {seed}: {a}");
        }
    }
    assert!(overlapped, "some incidents overlapped, so the union rule was exercised");
}

#[test]
fn a_run_without_failure_processes_has_no_incidents_section_and_same_seed_same_bytes() {
    let j = summary_json(&run_scenario(&scenario(5, "")));
    assert!(j.get("incidents").is_none());
    let text = scenario(5, "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nmtbf = \"6h\"\nmttr = \"10m\"\n");
    let a = summary_json(&run_scenario(&text));
    let b = summary_json(&run_scenario(&text));
    assert_eq!(a, b);
    assert!(a["incidents"]["count"].as_u64().unwrap() > 0);
}

/// An incident's RTO and requests lost are a scripted fault's: the first
/// incident of a run (before it, both runs are the same run), struck again
/// as a `[[fault]]` at the same nanosecond, on the same PoP, for as long,
/// in a run without failure processes, gives the same RTO and the same lost
/// requests. Later incidents cannot be compared so: the route convergence
/// draws of the earlier ones have moved the streams on.
#[test]
fn an_incidents_rto_and_lost_requests_are_those_of_the_same_scripted_fault() {
    let failures = "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nmtbf = \"12h\"\nmttr = \"10m\"\n";
    let mut lost_some = false;
    for seed in 11..=13 {
        let j = summary_json(&run_scenario(&scenario(seed, failures)));
        let first = j["incidents"]["first"].as_array().unwrap();
        let (i, next) = (&first[0], &first[1]);
        let start = i["start_s"].as_f64().unwrap();
        let alone = next["start_s"].as_f64().unwrap() > start + i["duration_s"].as_f64().unwrap() + 2400.0;
        assert!(alone, "seed {seed}: the next incident comes after the first's window");
        assert!(i["rto_measured"].as_bool().unwrap(), "{i}");
        let at_ns = (start * 1e9).round() as u64;
        let for_ns = (i["duration_s"].as_f64().unwrap() * 1e9).round() as u64;
        let fault = format!(
            "[[fault]]\nat = \"{at_ns}ns\"\nkind = \"pop-down\"\npop = \"{}\"\nfor = \"{for_ns}ns\"\n",
            i["target"].as_str().unwrap()
        );
        let s = summary_json(&run_scenario(&scenario(seed, &fault)));
        let f = &s["faults"][0];
        assert_eq!(i["rto_s"], f["rto_s"], "seed {seed}: {i} against {f}");
        let (a, b) = (i["requests_lost"].as_u64().unwrap(), f["requests_lost"].as_u64().unwrap());
        assert!(a.abs_diff(b) <= 1 + b / 1000, "seed {seed}: lost {a} (incident) vs {b} (fault)");
        lost_some |= b > 0;
    }
    assert!(lost_some, "the faults lost requests: the comparison is not of zeros");
}

/// Fault slots are given back: a run with far more PoP incidents than the
/// 32 fault slots measures most of them (those that found their PoP's
/// catchment already gone, or every slot busy, are not), and each measured
/// one that lost requests recovered within its window.
#[test]
fn fault_slots_are_reused_over_a_long_run() {
    let failures = "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nmtbf = \"2h\"\nmttr = \"5m\"\n";
    let j = summary_json(&run_scenario(&scenario(3, failures)));
    let first = j["incidents"]["first"].as_array().unwrap();
    let measured: Vec<&Value> = first.iter().filter(|i| i["rto_measured"].as_bool().unwrap()).collect();
    assert!(measured.len() > 32, "{} of {} measured", measured.len(), first.len());
    assert!(measured.len() * 10 >= first.len() * 8, "{} of {} measured", measured.len(), first.len());
    for i in measured {
        let rto = i["rto_s"].as_f64();
        assert!(rto.is_some_and(|r| r < 60.0), "{i}");
    }
}

/// Through the whole simulator: PoPs failing and repaired exponentially
/// (MTBF 2 days, MTTR 2 hours) over 30 days, 30 replications. The share of
/// PoP-time down covers MTTR / (MTBF + MTTR) and the failures per PoP-year
/// cover 8760 h / (MTBF + MTTR), each within its 95% interval over the
/// replications (Student's t, 29 degrees of freedom: 2.045).
#[test]
fn over_replications_the_runs_pop_downtime_and_failures_cover_the_renewal_formulas() {
    let failures = "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nmtbf = \"2d\"\nmttr = \"2h\"\n";
    let (mtbf_h, mttr_h, days) = (48.0, 2.0, 30.0);
    let (mut shares, mut rates) = (Vec::new(), Vec::new());
    for seed in 100..130 {
        let text = scenario(seed, failures)
            .replace("duration = \"2d\"", "duration = \"30d\"")
            .replace("tick = \"10s\"", "tick = \"10m\"");
        let j = summary_json(&run_scenario(&text));
        let inc = &j["incidents"];
        shares.push(1.0 - inc["pop_availability"].as_f64().unwrap());
        rates.push(inc["pop_failures"].as_f64().unwrap() / 4.0 * 365.0 / days);
    }
    let covers = |xs: &[f64], truth: f64, what: &str| {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let half = 2.045 * sd / n.sqrt();
        assert!(half > 0.0 && (mean - truth).abs() <= half, "{what}: {mean} ± {half} against {truth}");
    };
    covers(&shares, mttr_h / (mtbf_h + mttr_h), "share of PoP-time down");
    covers(&rates, 8760.0 / (mtbf_h + mttr_h), "failures per PoP-year");
}

/// A regional event is measured once, on all its PoPs' catchment: of the
/// incidents it emits at one instant, exactly one entry carries the RTO and
/// the lost requests, the others say not measured, and the event lost more
/// requests than any lone PoP of the run did.
#[test]
fn a_regional_event_is_measured_once_on_all_its_pops() {
    let failures = "[[failure]]\nkind = \"pop-down\"\npop = \"IAD\"\nmtbf = \"12h\"\nmttr = \"10m\"\n\
                    [[failure]]\nkind = \"region-event\"\nregion = \"NA\"\nmtbf = \"6h\"\ncount = 3\nmttr = \"20m\"\n";
    let j = summary_json(&run_scenario(&scenario(4, failures)));
    let first = j["incidents"]["first"].as_array().unwrap();
    let mut events: std::collections::BTreeMap<u64, Vec<&Value>> = Default::default();
    let mut lone_lost = 0;
    for i in first {
        if i["cause"] == "regional" {
            events.entry((i["start_s"].as_f64().unwrap() * 1e3) as u64).or_default().push(i);
        } else if i["rto_measured"].as_bool().unwrap() {
            lone_lost = lone_lost.max(i["requests_lost"].as_u64().unwrap());
        }
    }
    assert!(events.len() >= 2 && lone_lost > 0, "{} events; lone PoPs lost {lone_lost}", events.len());
    for (at, incidents) in events {
        assert_eq!(incidents.len(), 3, "event at {at} ms takes 3 PoPs");
        let measured: Vec<_> = incidents.iter().filter(|i| i["rto_measured"].as_bool().unwrap()).collect();
        assert_eq!(measured.len(), 1, "event at {at} ms: {incidents:?}");
        assert!(measured[0]["requests_lost"].as_u64().unwrap() > lone_lost, "{measured:?}");
    }
}
