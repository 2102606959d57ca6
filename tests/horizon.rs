//! Long horizons: summary.json's `horizon` section (availability per day,
//! month and year, per class and region, nines, request-weighted downtime,
//! the error budget), the incidents' downtime by cause and RTO
//! distribution, and the expectations on them (`availability_annual`,
//! `downtime_minutes`, `mttr`, `mtbf`, `incident_rto`), checked against
//! hand calculations from the scenario's parameters and the run's counts.

use crate::util::{edgesim_code, run_scenario, s, summary_json, temp_dir, write_scenario};
use serde_json::Value;

/// One PoP at a constant 1,000 rps for 60 h (two days and a half), down
/// from 30 h for an hour: with no other PoP, requests sent while it is
/// down fail, so about 3.6 million of 216 million, all on day 2.
fn one_pop(expect: &str) -> String {
    format!(
        r#"
[scenario]
name = "horizon-one"
seed = 3
duration = "60h"
fidelity = "flow"
[topology]
pops = ["IAD"]
[traffic]
rps = 1_000
classes = {{ p1 = 0.5, p2 = 0.5 }}
[pops.default]
servers = 8
service = {{ dist = "exponential", mean = "2ms" }}
[overload]
tick = "10s"
[metrics]
bucket = "1h"
[[fault]]
kind = "pop-down"
pop = "IAD"
at = "30h"
for = "1h"
{expect}
"#
    )
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn days_classes_and_regions_add_up_and_the_outage_lands_on_day_two() {
    let j = summary_json(&run_scenario(&one_pop("")));
    let h = &j["horizon"];
    let req = &j["requests"];
    let (issued, failed) = (u(&req["issued"]), u(&req["failed"]));
    // 1,000 rps x 60 h, measured from 0.
    assert_eq!(issued, 216_000_000);
    let days = h["by_day"].as_array().unwrap();
    assert_eq!(u(&h["days"]), 3);
    let minutes: Vec<f64> = days.iter().map(|d| f(&d["minutes"])).collect();
    assert_eq!(minutes, vec![1440.0, 1440.0, 720.0]);
    assert_eq!(days.iter().map(|d| u(&d["issued"])).sum::<u64>(), issued);
    assert_eq!(days.iter().map(|d| u(&d["failed"])).sum::<u64>(), failed);
    assert_eq!((u(&days[0]["failed"]), u(&days[2]["failed"])), (0, 0), "the outage is on day 2 only");
    // Day 2: an hour of the only PoP's traffic fails, plus the time its
    // route takes to come back (under 5% of the hour).
    let lost = u(&days[1]["failed"]) as f64;
    assert!((3_600_000.0..3_780_000.0).contains(&lost), "{lost}");
    for d in days {
        let (i, k) = (u(&d["issued"]) as f64, u(&d["failed"]) as f64);
        assert!(close(f(&d["availability"]), (i - k) / i));
        assert!(close(f(&d["downtime_minutes"]), k / i * f(&d["minutes"])));
    }
    // Classes and the one client region add up to the run's counts.
    for c in ["p1", "p2"] {
        assert_eq!(u(&h["by_class"][c]["issued"]), u(&req["by_class"][c]["issued"]), "{c}");
        assert_eq!(u(&h["by_class"][c]["failed"]), u(&req["by_class"][c]["failed"]), "{c}");
    }
    assert_eq!(u(&h["by_class"]["p0"]["issued"]), 0);
    assert!(h["by_class"]["p0"]["availability"].is_null());
    assert_eq!(h["by_region"].as_object().unwrap().keys().collect::<Vec<_>>(), vec!["NA"]);
    assert_eq!(u(&h["by_region"]["NA"]["issued"]), issued);
    // Downtime: failed / issued x 3,600 measured minutes, about the hour down.
    let down = failed as f64 / issued as f64 * 3_600.0;
    assert!(close(f(&h["downtime_minutes"]), down));
    assert!((60.0..63.0).contains(&down), "{down}");
    assert!(close(f(&h["downtime_minutes_per_year"]), failed as f64 / issued as f64 * 525_600.0));
    assert!(close(f(&h["nines"]), -(failed as f64 / issued as f64).log10()));
    // The error budget at the default 99.99%: 0.36 minutes over 60 h.
    let b = &h["error_budget"];
    assert_eq!(f(&b["target"]), 0.9999);
    assert!(close(f(&b["allowed_minutes"]), 0.36));
    assert!(close(f(&b["burned_minutes"]), down));
    assert!(close(f(&b["burn_ratio"]), down / 0.36));
    assert!(close(f(&b["remaining_minutes"]), 0.36 - down));
    // One month (January, 3 days), one year.
    let months = h["by_month"].as_array().unwrap();
    assert_eq!(months.len(), 1);
    assert_eq!((months[0]["name"].as_str(), u(&months[0]["days"]), u(&months[0]["first_day"])), (Some("jan"), 3, 1));
    assert_eq!(u(&months[0]["failed"]), failed);
    assert!(close(f(&months[0]["budget_burn"]), down / 0.36));
    assert_eq!(u(&h["by_year"][0]["issued"]), issued);
    assert!(close(f(&h["by_year"][0]["minutes"]), 3_600.0));
}

/// The verdicts of a run, by expectation text: status and observed value.
fn verdicts(j: &Value) -> Vec<(String, String, Option<f64>)> {
    j["expectations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (v["text"].as_str().unwrap().to_string(), v["status"].as_str().unwrap().to_string(), v["observed"].as_f64())
        })
        .collect()
}

#[test]
fn availability_annual_and_downtime_pass_and_fail_where_the_hour_down_says() {
    // An hour down in 60 h: availability about 1 - 1/60 = 0.98333 (a bit
    // less: the route takes some seconds to come back), downtime about 60
    // minutes (a bit more).
    let expect = r#"
[[expect]]
availability_annual = { ge = 0.98 }
[[expect]]
availability_annual = { ge = 0.9834 }
[[expect]]
downtime_minutes = { le = 63 }
[[expect]]
downtime_minutes = { lt = 60 }
"#;
    let j = summary_json(&run_scenario(&one_pop(expect)));
    let v = verdicts(&j);
    let status: Vec<&str> = v.iter().map(|(_, st, _)| st.as_str()).collect();
    assert_eq!(status, vec!["pass", "fail", "pass", "fail"], "{v:?}");
    assert_eq!(v[0].0, "availability_annual >= 0.98");
    assert_eq!(v[2].0, "downtime_minutes <= 63");
    let a = j["availability"].as_f64().unwrap();
    assert_eq!(v[0].2, Some(a));
    assert!(close(v[2].2.unwrap(), (1.0 - a) * 3_600.0));
    // The budget's target is the availability_annual bound: 2% of 3,600 minutes.
    let b = &j["horizon"]["error_budget"];
    assert_eq!(f(&b["target"]), 0.98);
    assert!(close(f(&b["allowed_minutes"]), 72.0));
}

#[test]
fn months_follow_the_calendar_over_33_days() {
    let toml = one_pop("").replace("duration = \"60h\"", "duration = \"33d\"").replace("rps = 1_000", "rps = 10");
    let j = summary_json(&run_scenario(&toml));
    let h = &j["horizon"];
    let months = h["by_month"].as_array().unwrap();
    let shape: Vec<(&str, u64, u64)> =
        months.iter().map(|m| (m["name"].as_str().unwrap(), u(&m["first_day"]), u(&m["days"]))).collect();
    assert_eq!(shape, vec![("jan", 1, 31), ("feb", 32, 2)]);
    let days = h["by_day"].as_array().unwrap();
    assert_eq!(days.len(), 33);
    let jan: u64 = days[..31].iter().map(|d| u(&d["issued"])).sum();
    assert_eq!(u(&months[0]["issued"]), jan);
    assert_eq!(jan, 10 * 86_400 * 31);
    assert!(close(f(&months[1]["minutes"]), 2.0 * 1_440.0));
    // The outage (day 2) is January's.
    assert_eq!(u(&months[1]["failed"]), 0);
    assert_eq!(u(&months[0]["failed"]), u(&j["requests"]["failed"]));
}

#[test]
fn a_short_run_without_failure_processes_has_no_horizon_section() {
    let toml = one_pop("").replace("duration = \"60h\"", "duration = \"2h\"").replace("at = \"30h\"", "at = \"1h\"");
    let j = summary_json(&run_scenario(&toml));
    assert!(j.get("horizon").is_none());
}

/// Four PoPs with random PoP failures over two days.
fn with_failures(expect: &str) -> String {
    let failures = "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nmtbf = \"8h\"\nmttr = \"30m\"\n\
                    human = { share = 0.3, mttr = \"2h\" }\n";
    crate::util::four_pops_two_days("horizon-failures", 5, 2_000, 20, &format!("{failures}{expect}"))
}

/// PoP downtime per cause from the listed incidents, by hand: per PoP, the
/// part of each incident no earlier one covered, minutes.
fn by_cause(first: &[Value]) -> std::collections::BTreeMap<String, f64> {
    let mut covered: std::collections::BTreeMap<String, f64> = Default::default();
    let mut out: std::collections::BTreeMap<String, f64> = Default::default();
    for i in first {
        let (start, dur) = (f(&i["start_s"]), f(&i["duration_s"]));
        let c = covered.entry(i["target"].as_str().unwrap().to_string()).or_insert(0.0);
        let from = start.max(*c);
        if start + dur > from {
            *out.entry(i["cause"].as_str().unwrap().to_string()).or_insert(0.0) += (start + dur - from) / 60.0;
        }
        *c = c.max(start + dur);
    }
    out
}

#[test]
fn mttr_mtbf_and_downtime_by_cause_follow_the_incidents() {
    let j = summary_json(&run_scenario(&with_failures("")));
    let inc = &j["incidents"];
    let first = inc["first"].as_array().unwrap();
    assert!(first.len() > 5, "{} incidents", first.len());
    let causes = by_cause(first);
    let got = inc["downtime_by_cause_minutes"].as_object().unwrap();
    assert_eq!(got.keys().collect::<Vec<_>>(), causes.keys().collect::<Vec<_>>());
    for (k, v) in &causes {
        assert!((f(&got[k]) - v).abs() < 1e-6, "{k}: {} vs {v}", got[k]);
    }
    // Only incidents take these PoPs down: the causes add up to the PoP downtime.
    let total: f64 = causes.values().sum();
    assert!((total - f(&inc["pop_downtime_minutes"])).abs() < 1e-6);
    // Realised MTTR and MTBF, by hand: downtime and up time over failures.
    let failures = u(&inc["pop_failures"]) as f64;
    let mttr_ms = f(&inc["pop_downtime_minutes"]) * 60e3 / failures;
    let mtbf_ms = (4.0 * 2.0 * 86_400.0 - total * 60.0) * 1e3 / failures;
    assert!((f(&inc["mttr_minutes"]) * 60e3 - mttr_ms).abs() < 1e-3);
    // Bounds 1% either side of the hand value: pass, then fail.
    let ms = |x: f64| format!("\"{:.0}ms\"", x);
    let expect = format!(
        "[[expect]]\nmttr = {{ le = {} }}\n[[expect]]\nmttr = {{ le = {} }}\n\
         [[expect]]\nmtbf = {{ ge = {} }}\n[[expect]]\nmtbf = {{ ge = {} }}\n",
        ms(mttr_ms * 1.01),
        ms(mttr_ms * 0.99),
        ms(mtbf_ms * 0.99),
        ms(mtbf_ms * 1.01)
    );
    let j2 = summary_json(&run_scenario(&with_failures(&expect)));
    let v = verdicts(&j2);
    let status: Vec<&str> = v.iter().map(|(_, st, _)| st.as_str()).collect();
    assert_eq!(status, vec!["pass", "fail", "pass", "fail"], "{v:?}");
    assert!((v[0].2.unwrap() - mttr_ms).abs() < 1e-3);
    assert!((v[2].2.unwrap() - mtbf_ms).abs() < 1.0);
}

#[test]
fn incident_rto_is_a_nearest_rank_percentile_of_the_listed_rtos() {
    let expect = "[[expect]]\nincident_rto = { percentile = 90, le = \"30s\" }\n";
    let j = summary_json(&run_scenario(&with_failures(expect)));
    let inc = &j["incidents"];
    // By hand: the measured incidents' RTOs, one not recovered as infinite.
    let mut rtos: Vec<f64> = inc["first"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["rto_measured"].as_bool() == Some(true))
        .map(|i| i["rto_s"].as_f64().unwrap_or(f64::INFINITY))
        .collect();
    rtos.sort_by(f64::total_cmp);
    let r = &inc["incident_rto"];
    assert_eq!(u(&r["measured"]), rtos.len() as u64);
    assert_eq!(u(&r["not_recovered"]), rtos.iter().filter(|x| x.is_infinite()).count() as u64);
    let v = &verdicts(&j)[0];
    assert_eq!(v.0, "incident_rto p90 <= 30s");
    if rtos.is_empty() {
        assert_eq!(v.1, "inconclusive");
        assert!(r["p90_s"].is_null());
        return;
    }
    let rank = ((0.9 * rtos.len() as f64).ceil() as usize).clamp(1, rtos.len());
    let p90 = rtos[rank - 1];
    assert_eq!(v.1, if p90 <= 30.0 { "pass" } else { "fail" });
    if p90.is_finite() {
        assert!((f(&r["p90_s"]) - p90).abs() < 1e-9);
    }
}

#[test]
fn sweep_reports_the_long_horizon_measures_with_intervals() {
    let dir = temp_dir("horizon-sweep");
    let file = write_scenario(&dir, "failures", &with_failures("").replace("duration = \"2d\"", "duration = \"1d\""));
    let out = dir.join("out");
    let (code, err) = edgesim_code(["sweep", s(&file), "--seeds", "3", "-q", "--out", s(&out)]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(out.join("sweep.json")).unwrap();
    let j: Value = serde_json::from_str(&text).unwrap();
    let m = &j["points"][0]["measures"];
    for name in ["availability_annual", "downtime_minutes", "incidents.count", "incidents.mttr_minutes", "nines"] {
        assert_eq!(u(&m[name]["n"]), 3, "{name}: {}", m[name]);
        assert!(m[name]["ci_low"].is_number() || m[name]["sd"].is_null(), "{name}");
    }
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert!(csv.contains("availability_annual") && csv.contains("error_budget.burn_ratio"));
}

#[test]
fn request_fidelity_counts_each_request_on_its_send_day_class_and_region() {
    // 20 rps for 26 h at one PoP, down for 10 minutes from 25 h: about
    // 20 x 600 = 12,000 requests fail, all on day 2.
    let toml = one_pop("")
        .replace("fidelity = \"flow\"", "fidelity = \"request\"")
        .replace("duration = \"60h\"", "duration = \"26h\"")
        .replace("rps = 1_000", "rps = 20")
        .replace("at = \"30h\"", "at = \"25h\"")
        .replace("for = \"1h\"", "for = \"10m\"");
    let j = summary_json(&run_scenario(&toml));
    let h = &j["horizon"];
    let req = &j["requests"];
    let days = h["by_day"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(u(&days[0]["issued"]) + u(&days[1]["issued"]), u(&req["issued"]));
    assert_eq!(u(&days[0]["failed"]), 0);
    assert_eq!(u(&days[1]["failed"]), u(&req["failed"]));
    let lost = u(&days[1]["failed"]) as f64;
    assert!((11_000.0..13_500.0).contains(&lost), "{lost}");
    // Poisson arrivals: day 1 holds about 20 x 86,400 requests.
    let day1 = u(&days[0]["issued"]) as f64;
    assert!((day1 - 1_728_000.0).abs() < 5.0 * 1_728_000f64.sqrt(), "{day1}");
    for c in ["p1", "p2"] {
        assert_eq!(u(&h["by_class"][c]["issued"]), u(&req["by_class"][c]["issued"]), "{c}");
        assert_eq!(u(&h["by_class"][c]["failed"]), u(&req["by_class"][c]["failed"]), "{c}");
    }
    assert_eq!(u(&h["by_region"]["NA"]["issued"]), u(&req["issued"]));
    assert_eq!(u(&h["by_region"]["NA"]["failed"]), u(&req["failed"]));
    assert_eq!(f(&days[1]["minutes"]), 120.0);
}
