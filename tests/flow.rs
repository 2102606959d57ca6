//! The flow data plane (`fidelity = "flow"`) against its oracles: the
//! queueing formulas, computed here from each validation scenario's own
//! parameters (no code shared with `edge::station`); the request level at
//! the same seed on the shipped scenarios (same control plane, so the same
//! failover timeline); the fluid model by hand for a PoP pushed past
//! capacity; and the determinism every run owes its users.

use crate::util::{crate_path, edgesim_code, s, scenario_path, temp_dir};
use edgesim::engine::dist::DurationDist;
use edgesim::scenario::schema::Fidelity;
use edgesim::Outcome;
use std::path::Path;

/// Loads `path`, sets its fidelity (and seed), prepares and runs it.
fn run_as(path: &Path, fidelity: Fidelity, seed: Option<u64>) -> Outcome {
    let mut sc = edgesim::scenario::load(path).expect("the scenario loads");
    sc.set_fidelity(fidelity);
    if let Some(seed) = seed {
        sc.set_seed(seed);
    }
    let p = edgesim::prepare(sc).expect("the scenario resolves");
    edgesim::simulate(&p, None).expect("the run finishes")
}

fn rel(x: f64, want: f64) -> f64 {
    if want == 0.0 {
        x.abs()
    } else {
        (x - want).abs() / want.abs()
    }
}

// ------------------------------------------------------- queueing formulas

/// What a one-PoP validation scenario should show: blocking, the share of
/// admitted requests that wait, their mean wait (s) and the utilisation.
#[derive(Debug)]
struct Formula {
    blocking: f64,
    p_wait: f64,
    wq_s: f64,
    utilisation: f64,
}

/// M/M/c with room for `k` waiting (`None`: unlimited, Erlang C), from the
/// birth-death chain in log space; `a` = lambda / mu Erlangs.
fn mmck(c: u32, k: Option<u32>, lambda: f64, mu: f64) -> Formula {
    let a = lambda / mu;
    let c_f = c as f64;
    let Some(k) = k else {
        // Erlang C: P(wait) = (a^c / c!) / (1 - rho) / (sum_{n<c} a^n/n! + that).
        let rho = a / c_f;
        let mut term = 1.0;
        let mut sum = 0.0;
        for n in 0..c {
            sum += term;
            term *= a / (n + 1) as f64;
        }
        let top = term / (1.0 - rho);
        let p_wait = top / (sum + top);
        return Formula { blocking: 0.0, p_wait, wq_s: p_wait / (c_f * mu - lambda), utilisation: rho };
    };
    let states = (c + k) as usize;
    let ln_p: Vec<f64> = (0..=states)
        .scan(0.0, |acc, n| {
            if n > 0 {
                *acc += a.ln() - (n.min(c as usize) as f64).ln();
            }
            Some(*acc)
        })
        .collect();
    let top = ln_p.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let p: Vec<f64> = ln_p.iter().map(|l| (l - top).exp()).collect();
    let total: f64 = p.iter().sum();
    let p: Vec<f64> = p.iter().map(|x| x / total).collect();
    let blocking = p[states];
    let admitted = 1.0 - blocking;
    let p_wait = p[c as usize..states].iter().sum::<f64>() / admitted;
    let lq: f64 = (c as usize + 1..=states).map(|n| (n - c as usize) as f64 * p[n]).sum();
    Formula { blocking, p_wait, wq_s: lq / (lambda * admitted), utilisation: lambda * admitted / (c_f * mu) }
}

/// The formula for a validation scenario, from its prepared parameters:
/// M/M/c/K for exponential service, Pollaczek-Khinchine for constant
/// service on one server.
fn formula(path: &Path) -> Formula {
    let p = crate::util::prepare_file(path);
    assert_eq!(p.pools.len(), 1, "{}: one PoP", path.display());
    let pool = &p.pools[0];
    let lambda: f64 = p.world.sites.iter().map(|s| s.rps).sum();
    let k = (pool.queue_limit < 1_000_000).then_some(pool.queue_limit);
    match pool.service {
        DurationDist::Exponential { mean_ns } => mmck(pool.servers, k, lambda, 1e9 / mean_ns),
        DurationDist::Constant { ns } => {
            assert_eq!((pool.servers, k), (1, None), "M/D/1 only");
            let (mu, rho) = (1e9 / ns as f64, lambda * ns as f64 / 1e9);
            Formula { blocking: 0.0, p_wait: rho, wq_s: rho / (2.0 * mu * (1.0 - rho)), utilisation: rho }
        }
        other => panic!("{}: no formula for {other:?}", path.display()),
    }
}

fn validation_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(crate_path("scenarios/validation"))
        .expect("the validation folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// Checks a run of a validation scenario against its formula within `tol`.
fn check_formula(path: &Path, out: &Outcome, tol: f64) {
    let f = formula(path);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
    let pop = &out.summary.pops[0];
    let availability = out.summary.availability.expect("requests");
    let blocking = 1.0 - availability;
    assert!(
        (blocking - f.blocking).abs() <= tol * f.blocking.max(1e-3),
        "{name}: blocking {blocking} vs {}",
        f.blocking
    );
    assert!(rel(pop.p_wait, f.p_wait) <= tol, "{name}: P(wait) {} vs {}", pop.p_wait, f.p_wait);
    if f.wq_s > 0.0 {
        let wq_ms = f.wq_s * 1e3;
        assert!(rel(pop.mean_wait_ms, wq_ms) <= tol, "{name}: Wq {} ms vs {wq_ms} ms", pop.mean_wait_ms);
    }
    assert!(rel(pop.utilisation, f.utilisation) <= tol, "{name}: rho {} vs {}", pop.utilisation, f.utilisation);
    assert!(out.summary.passed, "{name}: its own expectations: {:#?}", out.verdicts);
}

#[test]
fn the_formulas_here_match_textbook_values() {
    // Erlang B(10, 8) = 0.121661 (tables); M/M/1: P(wait) = rho, Wq = rho / (mu - lambda).
    let b = mmck(10, Some(0), 800.0, 100.0);
    assert!((b.blocking - 0.121_661).abs() < 1e-6, "{b:?}");
    let m = mmck(1, None, 50.0, 100.0);
    assert!((m.p_wait - 0.5).abs() < 1e-12 && (m.wq_s - 0.01).abs() < 1e-12, "{m:?}");
    // A long limit is the unlimited queue.
    let long = mmck(4, Some(2_000), 360.0, 100.0);
    let inf = mmck(4, None, 360.0, 100.0);
    assert!(rel(long.wq_s, inf.wq_s) < 1e-9 && long.blocking < 1e-12, "{long:?} vs {inf:?}");
}

#[test]
fn every_validation_case_is_within_one_percent_of_its_formula_at_flow_level() {
    let files = validation_files();
    assert!(files.len() >= 9, "M/M/c, M/M/c/K, Erlang B and M/D/1 cases: {files:?}");
    for f in &files {
        let out = run_as(f, Fidelity::Flow, None);
        assert_eq!(out.summary.fidelity, Fidelity::Flow);
        check_formula(f, &out, 0.01);
    }
}

#[test]
fn the_new_validation_cases_hold_at_request_level_within_their_noise() {
    // M/M/c is tests/queueing_oracle.rs's; these are M/M/c/K, Erlang B, M/D/1.
    for name in ["mmck-c4-k8-rho90.toml", "erlang-b-c10.toml", "md1-rho80.toml"] {
        let f = crate_path("scenarios/validation").join(name);
        check_formula(&f, &run_as(&f, Fidelity::Request, None), 0.03);
    }
}

// ------------------------------------------------- agreement at one seed

/// Flow against request level on a shipped scenario at its seed: the same
/// failover timeline, availability within 0.1 percentage points, RTO within
/// 1 s, p50 within 5% and p99 within 10%, the latency before and after a
/// fault within 5%, shed and spilled within 5% (or 50 requests).
fn agree(file: &str) {
    let path = scenario_path(file);
    let req = run_as(&path, Fidelity::Request, None).summary;
    let flow = run_as(&path, Fidelity::Flow, None).summary;
    let (a, b) = (req.availability.expect("requests"), flow.availability.expect("requests"));
    assert!((a - b).abs() <= 0.001, "{file}: availability {a} (request) vs {b} (flow)");
    assert!(rel(flow.latency_ms.all.p50, req.latency_ms.all.p50) <= 0.05, "{file}: p50");
    assert!(rel(flow.latency_ms.all.p99, req.latency_ms.all.p99) <= 0.10, "{file}: p99");
    for (fr, ff) in req.faults.iter().zip(&flow.faults) {
        // Every control-plane step; `recovered` is the RTO, checked below.
        let steps = |t: &std::collections::BTreeMap<String, f64>| {
            t.iter().filter(|(k, _)| k.as_str() != "recovered").map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>()
        };
        assert_eq!(steps(&fr.timeline), steps(&ff.timeline), "{file}: the failover timeline");
        match (fr.rto_s, ff.rto_s) {
            (Some(x), Some(y)) => assert!((x - y).abs() <= 1.0, "{file}: RTO {x} vs {y}"),
            (x, y) => assert_eq!(x, y, "{file}: RTO"),
        }
        for when in ["before", "after"] {
            if let (Some(lr), Some(lf)) = (fr.latency_ms.get(when), ff.latency_ms.get(when)) {
                if lr.p50 > 0.0 {
                    assert!(rel(lf.p50, lr.p50) <= 0.05, "{file}: p50 {when} the fault {} vs {}", lf.p50, lr.p50);
                }
            }
        }
    }
    let shed = |s: &edgesim::report::Summary| s.pops.iter().flat_map(|p| p.shed_by_class.values()).sum::<u64>() as f64;
    let spilled = |s: &edgesim::report::Summary| s.pops.iter().map(|p| p.spilled_out).sum::<u64>() as f64;
    for (what, x, y) in [("shed", shed(&req), shed(&flow)), ("spilled", spilled(&req), spilled(&flow))] {
        assert!((x - y).abs() <= (0.05 * x).max(50.0), "{file}: {what} {x} (request) vs {y} (flow)");
    }
}

#[test]
fn flow_agrees_with_request_level_on_the_failover_scenarios() {
    for file in ["pop-failure.toml", "two-pop-failure.toml", "level-3-multi-pop.toml"] {
        agree(file);
    }
}

#[test]
fn flow_agrees_with_request_level_with_state_planes_and_steady_traffic() {
    for file in [
        "single-pop.toml",
        "kv-lag.toml",
        "kv-primary-failure.toml",
        "level-1-kv-lag.toml",
        "do-ack-local.toml",
        "do-ack-modes.toml",
        "level-4-control-plane.toml",
        "rate-limiter.toml",
    ] {
        agree(file);
    }
}

/// A dead PoP's clients time out and retry into it again until its route
/// moves; the flow level must play those retries at their own time, not at
/// the next control period (with 60 s periods it once retried every
/// request after the move and lost none: availability 1.0). pop-failure
/// with 1 s and 60 s control periods: the fault's lost requests agree with
/// each other exactly and with the request level within 5%, its RTO within
/// 1 s.
#[test]
fn a_dead_pops_retries_fail_at_flow_level_whatever_the_control_period() {
    let text = std::fs::read_to_string(scenario_path("pop-failure.toml")).expect("shipped");
    assert!(!text.contains("[overload]"), "the test adds its own control period");
    let dir = temp_dir("flow-tick");
    let lost = |fidelity, tick: &str| {
        let path = dir.join(format!("pf-{tick}.toml"));
        std::fs::write(&path, format!("{text}\n[overload]\ntick = \"{tick}\"\n")).expect("writable");
        let out = run_as(&path, fidelity, None).summary;
        let f = &out.faults[0];
        (f.requests_lost, f.rto_s.expect("recovers"))
    };
    let (req, req_rto) = lost(Fidelity::Request, "1s");
    assert!(req > 1_000, "the request level loses requests: {req}");
    for tick in ["1s", "60s"] {
        let (flow, rto) = lost(Fidelity::Flow, tick);
        assert!(rel(flow as f64, req as f64) <= 0.05, "tick {tick}: lost {flow} (flow) vs {req} (request)");
        assert!((rto - req_rto).abs() <= 1.0, "tick {tick}: RTO {rto} vs {req_rto}");
    }
}

/// Where shedding hangs on a CPU threshold crossed by noise, one seed
/// cannot agree: each fidelity is random there (the flow level through the
/// sampling noise of the CPU its control loop reads), and a small bias in
/// the mean CPU moves how often the threshold is crossed. `level-2-cpu`
/// is such a case (LAX's CPU every other period is 3% under the 90%
/// threshold): over seeds 1-20 the flow level shed 10-30% more and its mean
/// availability was 0.24 percentage points lower (README, "Fidelity").
/// This test holds that documented disagreement to its measured size:
/// mean availability within 0.5 points, mean shed within 40%.
#[test]
fn on_a_cpu_threshold_flow_stays_within_its_documented_disagreement_over_seeds() {
    let path = scenario_path("level-2-cpu.toml");
    let seeds: Vec<u64> = (1..=20).collect();
    let stats = |fidelity| {
        let runs: Vec<(f64, f64)> = seeds
            .iter()
            .map(|s| {
                let out = run_as(&path, fidelity, Some(*s)).summary;
                let shed = out.pops.iter().flat_map(|p| p.shed_by_class.values()).sum::<u64>() as f64;
                (out.availability.expect("requests"), shed)
            })
            .collect();
        let n = runs.len() as f64;
        let mean = |f: fn(&(f64, f64)) -> f64| runs.iter().map(f).sum::<f64>() / n;
        let sd = |f: fn(&(f64, f64)) -> f64, m: f64| {
            (runs.iter().map(|r| (f(r) - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        };
        let (ma, ms) = (mean(|r| r.0), mean(|r| r.1));
        (ma, sd(|r| r.0, ma) / n.sqrt(), ms, sd(|r| r.1, ms))
    };
    let (ra, ra_se, rs, rs_sd) = stats(Fidelity::Request);
    let (fa, fa_se, fs, _) = stats(Fidelity::Flow);
    assert!((fa - ra).abs() <= 0.005, "availability: flow {fa} vs request {ra} (+/- {ra_se} each)");
    assert!((fs - rs).abs() <= 0.4 * rs, "shed: flow mean {fs} vs request {rs} (sd {rs_sd})");
    // And both fidelities do shed, on the same PoP's CPU: not a vacuous agreement.
    assert!(rs > 1_000.0 && fs > 1_000.0 && fa_se > 0.0, "shed {rs} and {fs}");
}

/// Over seeds 1..=`n`: each run's availability at `fidelity`.
fn availabilities(file: &str, fidelity: Fidelity, n: u64) -> Vec<f64> {
    let path = scenario_path(file);
    (1..=n).map(|k| run_as(&path, fidelity, Some(k)).summary.availability.expect("requests")).collect()
}

/// Mean and standard error of the mean.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    (m, (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt())
}

/// Where one seed's shedding hangs on a threshold but the mean load decides
/// the rest (a region's traffic moving onto small PoPs; neighbours too small
/// for a PoP's catchment): over seeds 1-20 the flow level's mean
/// availability lies inside the request level's 95% interval of the mean
/// (Student's t, 19 degrees of freedom: 2.093).
#[test]
fn over_seeds_flow_availability_lies_in_the_request_levels_interval() {
    for file in ["region-failure-eu.toml", "pop-failure-overload.toml"] {
        let (rm, rse) = mean_se(&availabilities(file, Fidelity::Request, 20));
        let (fm, _) = mean_se(&availabilities(file, Fidelity::Flow, 20));
        assert!((fm - rm).abs() <= 2.093 * rse, "{file}: flow {fm} vs request {rm} +/- {}", 2.093 * rse);
    }
}

// ------------------------------------------------------------ transients

/// The fluid-burst scenario at the flow level with room for `limit` waiting.
fn burst(limit: u64) -> String {
    crate::util::fluid_burst(limit).replace("[scenario]\n", "[scenario]\nfidelity = \"flow\"\n")
}

/// The fluid model by hand: during the 20 s at 50 servers (5,000/s) the
/// backlog grows at 3,000/s to 60,000 at 80 s; at 100 servers (10,000/s)
/// it drains at 2,000/s and empties at 110 s. Area under the backlog:
/// 60,000 x 20 / 2 + 60,000 x 30 / 2 = 1.5 M request-seconds; busy
/// servers: 80 for 60 s, 50 for 20 s, 100 for 30 s, 80 for 20 s.
#[test]
fn a_degraded_pop_builds_and_drains_its_backlog_as_the_fluid_model_says() {
    let out = crate::util::run_scenario(&burst(100_000_000));
    let series: Vec<_> = out.result.pop_series.iter().filter(|r| r.pop == 0).collect();
    let area: f64 = series.iter().map(|r| f64::from(r.in_system)).sum(); // 1 s periods
    let want = 1_500_000.0 + 80.0 * 60.0 + 50.0 * 20.0 + 100.0 * 30.0 + 80.0 * 20.0;
    assert!(rel(area, want) <= 0.02, "area under the number in system {area} vs {want}");
    let empty_at = series.iter().find(|r| r.t_s > 80.0 && f64::from(r.in_system) < 100.5).map(|r| r.t_s);
    let empty_at = empty_at.expect("the backlog empties");
    assert!((empty_at - 110.0).abs() <= 2.0, "empties at {empty_at} s vs 110 s");
    // Mean wait of all 1,040,000 requests: the backlog area over the served.
    let started: f64 = series.iter().map(|r| f64::from(r.started)).sum();
    let wait_s: f64 = series.iter().map(|r| r.wait_s_sum).sum();
    let want_wait = 1_500_000.0 / (8_000.0 * 130.0);
    assert!(rel(wait_s / started, want_wait) <= 0.02, "mean wait {} s vs {want_wait} s", wait_s / started);
    assert_eq!(out.summary.requests.failed, 0, "nothing lost without a limit");
}

/// With room for 20,000 waiting the backlog is full at 60 + 20,000 / 3,000
/// = 66.67 s and refuses 3,000/s until 80 s: 40,000 lost.
#[test]
fn a_full_queue_loses_what_the_fluid_model_says() {
    let out = crate::util::run_scenario(&burst(20_000));
    let lost = out.summary.requests.failed as f64;
    assert!(rel(lost, 40_000.0) <= 0.01, "lost {lost} vs 40,000");
    let refused: u64 = out.result.pop_series.iter().map(|r| u64::from(r.refused)).sum();
    assert!(rel(refused as f64, 40_000.0) <= 0.01, "refused per period {refused} vs 40,000");
}

// ----------------------------------------------------- determinism, input

#[test]
fn flow_runs_are_byte_identical_and_their_sweeps_thread_invariant() {
    let d = temp_dir("det");
    let sc = scenario_path("pop-failure.toml");
    let mut bytes = Vec::new();
    for name in ["a", "b"] {
        let out = d.join(name);
        let (code, err) = edgesim_code(["run", s(&sc), "--fidelity", "flow", "--no-charts", "-q", "--out", s(&out)]);
        assert_eq!(code, 0, "{err}");
        bytes.push(std::fs::read(out.join("summary.json")).expect("summary.json"));
    }
    assert!(bytes[0] == bytes[1], "two flow runs at one seed differ");
    let v: serde_json::Value = serde_json::from_slice(&bytes[0]).expect("json");
    assert_eq!(v["fidelity"], "flow");
    let mut sweeps = Vec::new();
    for threads in ["1", "2"] {
        let out = d.join(format!("sweep-{threads}"));
        let args =
            ["sweep", s(&sc), "--fidelity", "flow", "--seeds", "4", "--threads", threads, "-q", "--out", s(&out)];
        let (code, err) = edgesim_code(args);
        assert_eq!(code, 0, "{err}");
        sweeps.push(std::fs::read(out.join("sweep.json")).expect("sweep.json"));
    }
    assert!(sweeps[0] == sweeps[1], "a flow sweep depends on its threads");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn what_the_flow_level_cannot_model_is_refused_naming_the_field() {
    let (code, err) = edgesim_code(["validate", s(&scenario_path("origin-slow-breaker.toml"))]);
    assert_eq!(code, 0, "{err}");
    let d = temp_dir("refused");
    let (code, err) =
        edgesim_code(["run", s(&scenario_path("origin-slow-breaker.toml")), "--fidelity", "flow", "--out", s(&d)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("scenario.fidelity") && err.contains("[origin]"), "{err}");
    let bad = crate::util::write_scenario(
        &d,
        "typo",
        &std::fs::read_to_string(scenario_path("single-pop.toml"))
            .expect("read")
            .replace("[scenario]\n", "[scenario]\nfidelity = \"fluid\"\n"),
    );
    let (code, err) = edgesim_code(["validate", s(&bad)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("typo.toml:") && err.contains("fidelity") && err.contains("request"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn checks_baselines_and_charts_work_the_same_at_flow_level() {
    let d = temp_dir("cli");
    let sc = scenario_path("pop-failure.toml");
    let base = d.join("baselines");
    let (code, err) = edgesim_code(["baseline", s(&sc), "--fidelity", "flow", "--out", s(&base), "-q"]);
    assert_eq!(code, 0, "{err}");
    let stored = crate::util::read_json(&base.join("pop-failure.json"));
    assert_eq!(stored["fidelity"], "flow");
    let out = d.join("check");
    let args = ["check", s(&sc), "--fidelity", "flow", "--baseline", s(&base), "--out", s(&out), "-q"];
    let (code, err) = edgesim_code(args);
    assert_eq!(code, 0, "a flow run matches its own baseline: {err}");
    for f in ["summary.json", "report.html", "latency.png", "traffic.svg", "pops_timeseries.csv"] {
        assert!(out.join("pop-failure").join(f).is_file(), "{f} written by a flow check");
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// No outage hides at the flow level either: outage.rs's hand count (10
/// requests a second for 20 s, the only PoP down from 5.05 s to the end):
/// 200 requests, the 50.5 sent before the fault succeed, every other one
/// fails, all counted although many end after the run: a timeout after
/// its retries, or no route once its network has learned the withdrawal
/// (which happens in the drain too, as at the request level).
#[test]
fn an_outage_to_the_end_counts_in_full_at_flow_level() {
    let text = crate::outage::HAND.replace("[scenario]\n", "[scenario]\nfidelity = \"flow\"\n");
    let out = crate::util::run_scenario(&text);
    let r = &out.summary.requests;
    assert_eq!(r.issued, 200);
    assert!((r.succeeded as f64 - 50.5).abs() <= 1.0, "{} succeeded", r.succeeded);
    let reason = |why: edgesim::metrics::FailReason| out.result.recorder.failed_by_reason[why as usize];
    let (timeouts, no_route) =
        (reason(edgesim::metrics::FailReason::Timeout), reason(edgesim::metrics::FailReason::NoRoute));
    assert_eq!(timeouts + no_route, r.failed, "every failure is a client that gave up or had no route");
    assert!(timeouts > 0 && no_route > 0, "{timeouts} timeouts, {no_route} without a route");
    assert!(out.result.finished_in_drain > 0, "retries end in the drain");
    assert_eq!(r.given_up_at_end, 0);
}

#[test]
fn a_sweep_compares_the_fidelities_and_refuses_both_flags() {
    let d = temp_dir("sweep-both");
    let sc = scenario_path("two-pop-failure.toml");
    let out = d.join("both");
    let args = ["sweep", s(&sc), "--seeds", "2", "--set", "scenario.fidelity=request,flow", "-q", "--out", s(&out)];
    let (code, err) = edgesim_code(args);
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(out.join("sweep.csv")).expect("sweep.csv");
    for point in ["scenario.fidelity=request", "scenario.fidelity=flow"] {
        assert!(csv.lines().any(|l| l.starts_with(point) && l.contains(",availability,")), "{point} in {csv}");
    }
    let args = ["sweep", s(&sc), "--fidelity", "flow", "--set", "scenario.fidelity=request,flow", "--out", s(&out)];
    let (code, err) = edgesim_code(args);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--fidelity flow") && err.contains("give one"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}
