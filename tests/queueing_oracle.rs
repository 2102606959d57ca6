//! The PoP server pool against queueing theory: each scenario under
//! scenarios/validation/ is an M/M/c queue; Erlang C, computed here from the
//! scenario's own parameters, gives the probability of waiting and the mean
//! wait, and Little's law ties the measured queue length to them.

use crate::util::{crate_path, prepare_file};
use edgesim::engine::dist::DurationDist;

/// Erlang C: the probability that an arrival waits in an M/M/c queue with
/// offered load `a` = lambda / mu Erlangs.
fn erlang_c(c: u32, a: f64) -> f64 {
    let rho = a / c as f64;
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / (k + 1) as f64;
    }
    let top = term / (1.0 - rho);
    top / (sum + top)
}

#[test]
fn erlang_c_matches_textbook_values() {
    // M/M/1: P(wait) = rho.
    assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
    // M/M/2 with a = 1 (rho 0.5): C = 1/3 (hand calculation: (1/2)/(1/(1-0.5)... )).
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}

fn check(file: &str) {
    let prepared = prepare_file(&crate_path("scenarios/validation").join(file));
    assert_eq!(prepared.pools.len(), 1, "{file}: one PoP");
    let pool = &prepared.pools[0];
    let DurationDist::Exponential { mean_ns } = pool.service else {
        panic!("{file}: exponential service expected");
    };
    let c = pool.servers;
    let lambda: f64 = prepared.world.sites.iter().map(|s| s.rps).sum();
    let mu = 1e9 / mean_ns;
    let a = lambda / mu;
    let p_wait = erlang_c(c, a);
    let wq_ms = p_wait / (c as f64 * mu - lambda) * 1e3;

    let out = edgesim::simulate(&prepared, None).expect("run");
    let pop = &out.summary.pops[0];
    let rel = |x: f64, want: f64| (x - want).abs() / want;
    assert!(rel(pop.p_wait, p_wait) < 0.03, "{file}: P(wait) {} vs Erlang C {p_wait}", pop.p_wait);
    assert!(rel(pop.mean_wait_ms, wq_ms) < 0.03, "{file}: Wq {} ms vs Erlang C {wq_ms} ms", pop.mean_wait_ms);
    assert!(
        rel(pop.utilisation, a / c as f64) < 0.02,
        "{file}: utilisation {} vs rho {}",
        pop.utilisation,
        a / c as f64
    );
    // Little's law on the queue: Lq = lambda_measured x Wq_measured.
    let little = pop.arrival_rate_per_s * pop.mean_wait_ms / 1e3;
    assert!(rel(pop.mean_queue_len, little) < 0.01, "{file}: Lq {} vs lambda x Wq {little}", pop.mean_queue_len);
    // The arrival process is the one asked for.
    assert!(rel(pop.arrival_rate_per_s, lambda) < 0.01, "{file}: lambda {} vs {lambda}", pop.arrival_rate_per_s);
    // The per-period series (pops_timeseries.csv) after the warm-up: the mean
    // number in the system is L = lambda Wq + a (Little's law, Erlang C), the
    // mean wait of the services started is Wq, nothing is refused.
    let warmup_s = prepared.scenario.warmup().as_secs_f64();
    let after: Vec<_> = out.result.pop_series.iter().filter(|r| r.t_s > warmup_s + 1e-9).collect();
    assert!(after.len() > 10, "{file}: {} periods after the warm-up", after.len());
    let l_series = after.iter().map(|r| f64::from(r.in_system)).sum::<f64>() / after.len() as f64;
    let l_theory = lambda * wq_ms / 1e3 + a;
    assert!(rel(l_series, l_theory) < 0.03, "{file}: L per period {l_series} vs Erlang C {l_theory}");
    let started: u64 = after.iter().map(|r| u64::from(r.started)).sum();
    let wq_series_ms = after.iter().map(|r| r.wait_s_sum).sum::<f64>() * 1e3 / started as f64;
    assert!(rel(wq_series_ms, wq_ms) < 0.03, "{file}: Wq per period {wq_series_ms} ms vs Erlang C {wq_ms} ms");
    let refused: u64 = after.iter().map(|r| u64::from(r.refused)).sum();
    assert_eq!(refused, pop.rejected, "{file}: refusals per period vs the pool's count");
    // And the scenario's own expectations (the same oracle, written in the file) hold.
    assert!(out.summary.passed, "{file}: {:#?}", out.verdicts);
}

#[test]
fn mm1_at_half_load() {
    check("mmc-c1-rho50.toml");
}

#[test]
fn mm1_at_ninety_percent() {
    check("mmc-c1-rho90.toml");
}

#[test]
fn mm4_at_half_load() {
    check("mmc-c4-rho50.toml");
}

#[test]
fn mm4_at_ninety_percent() {
    check("mmc-c4-rho90.toml");
}

#[test]
fn mm16_at_half_load() {
    check("mmc-c16-rho50.toml");
}

#[test]
fn mm16_at_ninety_percent() {
    check("mmc-c16-rho90.toml");
}
