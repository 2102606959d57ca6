//! Tests of the queueing formulas against published tables, closed forms,
//! an independent birth-death computation and hand-calculated backlogs.

use super::*;
use proptest::prelude::*;

fn close(x: f64, want: f64, rel: f64) -> bool {
    (x - want).abs() <= rel * want.abs().max(1e-300)
}

#[track_caller]
fn assert_close(x: f64, want: f64, rel: f64) {
    assert!(close(x, want, rel), "{x} is not within {rel} (relative) of {want}");
}

fn steady(c: u32, mu: f64, scv: f64, limit: Option<u32>, lambda: f64) -> Steady {
    let station = Station::new(c, mu, scv, limit).expect("valid station");
    station.steady(lambda).expect("valid rate")
}

fn queue(s: &Steady) -> &Queue {
    s.queue().expect("a stable queue")
}

/// Erlang's loss formula written out, `(a^c / c!) / sum_k a^k / k!`, for
/// small `c` (Kleinrock 1975, eq. 3.44): an oracle independent of the
/// recursion.
fn erlang_b_direct(c: u32, a: f64) -> f64 {
    let terms: Vec<f64> = (0..=c)
        .scan(1.0, |t, k| {
            if k > 0 {
                *t *= a / f64::from(k);
            }
            Some(*t)
        })
        .collect();
    terms[c as usize] / terms.iter().sum::<f64>()
}

#[test]
fn erlang_b_matches_published_tables() {
    // erlang.com's Erlang B calculator manual ("How much traffic can a
    // trunk group handle?"): 15 lines at 1% blocking carry 8.108 Erlangs.
    assert_close(erlang_b(15, 8.108), 0.01, 2e-3);
    // The standard Erlang B table (offered Erlangs at 1% blocking, as in
    // the ITU-T teletraffic handbook and the usual printed tables):
    // 10 servers 4.461, 20 servers 12.03, 50 servers 37.90, 100 servers
    // 84.06. The loads have 4 digits, so 0.2% on B.
    for (c, a) in [(10, 4.461), (20, 12.03), (50, 37.90), (100, 84.06)] {
        assert_close(erlang_b(c, a), 0.01, 2e-3);
    }
    // Values quoted in the brief, from the same tables.
    assert_close(erlang_b(10, 5.0), 0.018385, 5e-5);
    assert_close(erlang_b(100, 80.0), 0.0040, 1e-2);
    assert_eq!(erlang_b(1, 1.0), 0.5);
}

#[test]
fn erlang_b_matches_the_formula_written_out() {
    for c in 1..=30 {
        for a in [0.1, 1.0, 2.5, 7.0, 20.0, 45.0] {
            assert_close(erlang_b(c, a), erlang_b_direct(c, a), 1e-12);
        }
    }
    // One server: B = a / (1 + a).
    assert_close(erlang_b(1, 3.0), 0.75, 1e-15);
}

#[test]
fn erlang_b_edges() {
    assert_eq!(erlang_b(0, 3.0), 1.0);
    assert_eq!(erlang_b(5, 0.0), 0.0);
    assert_eq!(erlang_b(5, -1.0), 0.0);
    assert_eq!(erlang_b(5, f64::NAN), 0.0);
    assert_eq!(erlang_b(5, f64::INFINITY), 1.0);
}

#[test]
fn erlang_b_is_finite_for_huge_pools() {
    let b = erlang_b(100_000, 95_000.0);
    assert!(b.is_finite() && b > 0.0 && b < 1.0, "B = {b}");
    // Far past capacity the carried load is about c: B ~ 1 - c / a.
    let b = erlang_b(100_000, 1e6);
    assert_close(b, 0.9, 1e-3);
    // Within capacity the blocking of a huge pool is tiny but not zero.
    let b = erlang_b(100_000, 0.9e5);
    assert!(b.is_finite() && (0.0..1e-10).contains(&b), "B = {b}");
}

#[test]
fn erlang_c_closed_forms() {
    for rho in [0.01, 0.3, 0.5, 0.9, 0.999] {
        // M/M/1: C = rho.
        assert_close(erlang_c(1, rho).expect("stable"), rho, 1e-12);
        // M/M/2: C = 2 rho^2 / (1 + rho), with a = 2 rho.
        assert_close(erlang_c(2, 2.0 * rho).expect("stable"), 2.0 * rho * rho / (1.0 + rho), 1e-12);
    }
    assert_eq!(erlang_c(2, 2.0), None);
    assert_eq!(erlang_c(2, 3.0), None);
    assert_eq!(erlang_c(0, 0.5), None);
    assert_eq!(erlang_c(3, 0.0), Some(0.0));
    let c = erlang_c(100_000, 0.99e5).expect("stable");
    assert!(c.is_finite() && c > 0.0 && c < 1.0, "C = {c}");
}

#[test]
fn mm1_is_exact() {
    let (mu, lambda) = (10.0, 7.0);
    let rho = lambda / mu;
    let s = steady(1, mu, 1.0, None, lambda);
    let q = queue(&s);
    // Kleinrock (1975) 3.2: Wq = rho / (mu - lambda), W = 1 / (mu - lambda).
    assert_close(q.mean_wait_s, rho / (mu - lambda), 1e-12);
    assert_close(q.mean_response_s, 1.0 / (mu - lambda), 1e-12);
    assert_close(q.mean_in_system, rho / (1.0 - rho), 1e-12);
    assert_close(q.prob_wait, rho, 1e-12);
    assert_close(s.utilisation, rho, 1e-15);
    assert_eq!(s.blocking, 0.0);
    assert_eq!(s.throughput_per_s, lambda);
    // P(Wq > t) = rho exp(-(mu - lambda) t), and its inverse.
    for t in [0.0, 0.1, 0.5, 2.0] {
        assert_close(s.wait_exceeds(t), rho * (-(mu - lambda) * t).exp(), 1e-12);
    }
    let p99 = s.wait_quantile(0.99).expect("p in [0, 1)");
    assert_close(p99, (rho / 0.01).ln() / (mu - lambda), 1e-12);
    assert_eq!(s.wait_quantile(0.2), Some(0.0)); // 30% do not wait
    assert_eq!(s.wait_quantile(1.0), None);
    assert_eq!(s.wait_exceeds(-1.0), 1.0);
}

#[test]
fn mmc_uses_erlang_c() {
    let (c, mu, lambda) = (2, 3.0, 4.5);
    let rho = lambda / (f64::from(c) * mu);
    let want_c = 2.0 * rho * rho / (1.0 + rho);
    let s = steady(c, mu, 1.0, None, lambda);
    let q = queue(&s);
    assert_close(q.prob_wait, want_c, 1e-12);
    assert_close(q.mean_wait_s, want_c / (2.0 * mu - lambda), 1e-12);
    assert_close(s.wait_exceeds(0.3), want_c * (-(2.0 * mu - lambda) * 0.3).exp(), 1e-12);
}

#[test]
fn md1_and_mg1_follow_pollaczek_khinchine() {
    let (mu, lambda) = (10.0, 8.0);
    let rho = lambda / mu;
    // M/D/1: Wq = rho / (2 mu (1 - rho)).
    let s = steady(1, mu, 0.0, None, lambda);
    assert_close(queue(&s).mean_wait_s, rho / (2.0 * mu * (1.0 - rho)), 1e-12);
    // M/G/1: Wq = lambda E[S^2] / (2 (1 - rho)), E[S^2] = (1 + scv) / mu^2.
    for scv in [0.25, 2.0, 4.0] {
        let s = steady(1, mu, scv, None, lambda);
        let es2 = (1.0 + scv) / (mu * mu);
        assert_close(queue(&s).mean_wait_s, lambda * es2 / (2.0 * (1.0 - rho)), 1e-12);
        // The tail keeps C and the mean: its integral C / rate = Wq.
        let q = queue(&s);
        let rate = (q.prob_wait / s.wait_exceeds(1.0)).ln();
        assert_close(q.prob_wait / rate, q.mean_wait_s, 1e-9);
    }
}

#[test]
fn mm1k_blocking_is_exact() {
    // Kleinrock (1975) 3.6: M/M/1/K' blocking (1 - rho) rho^K' / (1 - rho^(K'+1)),
    // K' the system capacity (one in service plus the waiting room).
    for (rho, room) in [(0.5, 3_u32), (0.9, 10), (1.5, 4), (3.0, 20)] {
        let mu = 2.0;
        let cap = f64::from(room + 1);
        let s = steady(1, mu, 1.0, Some(room), rho * mu);
        let want = (1.0 - rho) * rho.powf(cap) / (1.0 - rho.powf(cap + 1.0));
        assert_close(s.blocking, want, 1e-12);
        assert_close(s.throughput_per_s, rho * mu * (1.0 - want), 1e-12);
    }
    // rho = 1: every state equally likely, blocking 1 / (K' + 1).
    let s = steady(1, 2.0, 1.0, Some(9), 2.0);
    assert_close(s.blocking, 1.0 / 11.0, 1e-12);
}

/// M/M/c/K by plain products: q_n = a^n / n! up to c, then times
/// (a / c) per extra request; normalised. Independent of `birth_death`.
fn mmck_direct(c: u32, room: u32, a: f64) -> Vec<f64> {
    let mut q = vec![1.0];
    for n in 1..=(c + room) {
        let last = q[q.len() - 1];
        q.push(last * a / f64::from(n.min(c)));
    }
    let total: f64 = q.iter().sum();
    q.iter().map(|x| x / total).collect()
}

#[test]
fn mmck_matches_a_direct_computation() {
    let mu = 4.0;
    for c in 1..=4 {
        for room in 0..=5 {
            for a in [0.3, 1.0, 2.7, 6.0] {
                let p = mmck_direct(c, room, a);
                let (cu, full) = (c as usize, (c + room) as usize);
                let s = steady(c, mu, 1.0, Some(room), a * mu);
                let q = queue(&s);
                let admitted = 1.0 - p[full];
                let lq: f64 = (cu..=full).map(|n| (n - cu) as f64 * p[n]).sum();
                let l: f64 = (0..=full).map(|n| n as f64 * p[n]).sum();
                let waits: f64 = p[cu..full].iter().sum::<f64>() / admitted;
                assert_close(s.blocking, p[full], 1e-12);
                assert_close(s.throughput_per_s, a * mu * admitted, 1e-12);
                assert_close(q.mean_waiting, lq, 1e-12);
                assert_close(q.mean_in_system, l, 1e-12);
                assert_close(q.prob_wait, waits, 1e-12);
                if room == 0 {
                    // A loss system: Erlang B.
                    assert_close(s.blocking, erlang_b(c, a), 1e-12);
                    assert_eq!(q.mean_wait_s, 0.0);
                }
            }
        }
    }
}

#[test]
fn littles_law_holds() {
    for (c, limit, lambda) in [(1, None, 0.5), (3, None, 2.9), (3, Some(5), 2.0), (8, Some(40), 30.0)] {
        for scv in [0.0, 1.0, 3.0] {
            let s = steady(c, 1.0, scv, limit, lambda);
            let q = queue(&s);
            let x = s.throughput_per_s;
            assert_close(q.mean_in_system, x * q.mean_response_s, 1e-12);
            assert_close(q.mean_waiting, x * q.mean_wait_s, 1e-12);
        }
    }
}

#[test]
fn mmck_tends_to_mmc_as_the_room_grows() {
    let (c, mu, lambda) = (4, 1.0, 3.0);
    let open = steady(c, mu, 1.0, None, lambda);
    let limited = steady(c, mu, 1.0, Some(2_000), lambda);
    let (qo, ql) = (queue(&open), queue(&limited));
    assert!(limited.blocking < 1e-200);
    assert_close(ql.prob_wait, qo.prob_wait, 1e-12);
    assert_close(ql.mean_wait_s, qo.mean_wait_s, 1e-12);
    for t in [0.0, 0.5, 2.0, 10.0] {
        assert_close(limited.wait_exceeds(t), open.wait_exceeds(t), 1e-9);
    }
    let (po, pl) = (open.wait_quantile(0.99), limited.wait_quantile(0.99));
    assert_close(pl.expect("quantile"), po.expect("quantile"), 1e-9);
}

#[test]
fn mmck_wait_distribution_is_consistent() {
    let s = steady(3, 2.0, 1.0, Some(7), 7.0);
    let q = queue(&s);
    let WaitTail::ErlangMix { rate_per_s, tail } = &q.tail else { panic!("M/M/c/K has an Erlang mixture") };
    // E[Wq] = the integral of the tail = sum_j tail[j] / rate.
    assert_close(tail.iter().sum::<f64>() / rate_per_s, q.mean_wait_s, 1e-12);
    assert_close(s.wait_exceeds(0.0), q.prob_wait, 1e-15);
    for p in [0.5, 0.9, 0.99, 0.999] {
        let t = s.wait_quantile(p).expect("quantile");
        assert_close(s.wait_exceeds(t), 1.0 - p, 1e-9);
    }
}

#[test]
fn huge_limited_pools_stay_finite() {
    for lambda in [0.9e5, 1e5, 3e5] {
        let s = steady(100_000, 1.0, 1.0, Some(100_000), lambda);
        let q = queue(&s);
        let all = [s.blocking, s.utilisation, s.throughput_per_s, q.prob_wait, q.mean_wait_s, q.mean_in_system];
        assert!(all.iter().all(|x| x.is_finite() && *x >= 0.0), "{s:?}");
        assert!(s.blocking <= 1.0 && s.utilisation <= 1.0, "{s:?}");
        let p99 = s.wait_quantile(0.99).expect("quantile");
        assert!(p99.is_finite() && p99 >= 0.0, "{p99}");
    }
    // Three times capacity: near the full state the chain is geometric
    // downwards with ratio 1/3, so P(full) = 1 - 1/3 (a third is
    // admitted) and the mean shortfall from full is (1/3) / (1 - 1/3).
    let s = steady(100_000, 1.0, 1.0, Some(100_000), 3e5);
    assert_close(s.blocking, 2.0 / 3.0, 1e-12);
    assert_close(queue(&s).mean_waiting, 1e5 - 0.5, 1e-12);
}

#[test]
fn overload_without_a_limit_is_typed() {
    let s = steady(2, 5.0, 1.0, None, 13.0);
    assert!(s.is_overloaded());
    assert_eq!(s.regime, Regime::Overloaded { excess_per_s: 3.0 });
    assert_eq!((s.throughput_per_s, s.utilisation, s.blocking), (10.0, 1.0, 0.0));
    assert_eq!(s.wait_exceeds(100.0), 1.0);
    assert_eq!(s.wait_quantile(0.5), None);
    assert!(s.queue().is_none());
    // The knife edge rho = 1 has no steady state either.
    let s = steady(2, 5.0, 1.0, None, 10.0);
    assert_eq!(s.regime, Regime::Overloaded { excess_per_s: 0.0 });
    // With a limit an overloaded station is stable and blocks.
    let s = steady(2, 5.0, 1.0, Some(10), 13.0);
    assert!(!s.is_overloaded() && s.blocking > 0.2);
}

#[test]
fn bad_parameters_are_errors() {
    assert_eq!(Station::new(0, 1.0, 1.0, None), Err(StationError::NoServers));
    assert!(matches!(Station::new(1, 0.0, 1.0, None), Err(StationError::ServiceRate(_))));
    assert!(matches!(Station::new(1, f64::NAN, 1.0, None), Err(StationError::ServiceRate(_))));
    assert!(matches!(Station::new(1, 1.0, -0.5, None), Err(StationError::Scv(_))));
    let st = Station::new(1, 1.0, 1.0, None).expect("valid");
    assert!(matches!(st.steady(f64::NAN), Err(StationError::OfferedRate(_))));
    assert!(matches!(st.steady(-1.0), Err(StationError::OfferedRate(_))));
    assert!(matches!(st.steady(f64::INFINITY), Err(StationError::OfferedRate(_))));
    let mut b = Backlog::default();
    assert!(matches!(b.advance(&st, 1.0, -1.0), Err(StationError::Interval(_))));
    assert!(matches!(Backlog::new(f64::NAN), Err(StationError::Backlog(_))));
    assert!(StationError::NoServers.to_string().contains("server"));
}

fn pool(limit: Option<u32>) -> Station {
    // Two servers at 5/s: capacity 10 requests per second.
    Station::new(2, 5.0, 1.0, limit).expect("valid")
}

#[test]
fn backlog_grows_then_drains() {
    let st = pool(None);
    let mut b = Backlog::default();
    // 15/s for 4 s: +5/s, a triangle 4 s by 20 requests.
    let up = b.advance(&st, 15.0, 4.0).expect("valid");
    assert_eq!(up, Advance { served: 40.0, lost: 0.0, backlog_end: 20.0, area_req_s: 40.0, emptied_at_s: None });
    // 5/s for 10 s: -5/s, empty after 4 s (a triangle of 20 x 4 / 2),
    // then the servers keep up: 10 x 4 + 5 x 6 served.
    let down = b.advance(&st, 5.0, 10.0).expect("valid");
    assert_eq!(down, Advance { served: 70.0, lost: 0.0, backlog_end: 0.0, area_req_s: 40.0, emptied_at_s: Some(4.0) });
    assert_eq!(b.waiting(), 0.0);
    // Empty and not overloaded: nothing waits, all is served.
    let calm = b.advance(&st, 6.0, 3.0).expect("valid");
    assert_eq!(calm, Advance { served: 18.0, lost: 0.0, backlog_end: 0.0, area_req_s: 0.0, emptied_at_s: None });
}

#[test]
fn backlog_drains_partly_and_holds_when_balanced() {
    let st = pool(None);
    let mut b = Backlog::new(30.0).expect("valid");
    // -4/s for 5 s: a trapezoid from 30 to 10.
    let part = b.advance(&st, 6.0, 5.0).expect("valid");
    assert_eq!(part, Advance { served: 50.0, lost: 0.0, backlog_end: 10.0, area_req_s: 100.0, emptied_at_s: None });
    // Balanced: a rectangle.
    let flat = b.advance(&st, 10.0, 2.0).expect("valid");
    assert_eq!(flat, Advance { served: 20.0, lost: 0.0, backlog_end: 10.0, area_req_s: 20.0, emptied_at_s: None });
}

#[test]
fn backlog_loses_at_the_queue_limit() {
    let st = pool(Some(8));
    let mut b = Backlog::default();
    // +5/s fills the 8 places in 1.6 s (area 8 x 1.6 / 2 = 6.4), then
    // holds 8 for 2.4 s (area 19.2) while losing 5/s (12).
    let out = b.advance(&st, 15.0, 4.0).expect("valid");
    assert_eq!(out.served, 40.0);
    assert_close(out.lost, 12.0, 1e-12);
    assert_eq!(out.backlog_end, 8.0);
    assert_close(out.area_req_s, 25.6, 1e-12);
    // A backlog above the limit loses its excess at once.
    let mut b = Backlog::new(20.0).expect("valid");
    let out = b.advance(&st, 10.0, 1.0).expect("valid");
    assert_eq!((out.lost, out.backlog_end, out.area_req_s), (12.0, 8.0, 8.0));
    // No waiting room at all: the excess is lost as it comes.
    let mut b = Backlog::default();
    let out = b.advance(&pool(Some(0)), 12.0, 3.0).expect("valid");
    assert_eq!((out.served, out.lost, out.backlog_end, out.area_req_s), (30.0, 6.0, 0.0, 0.0));
}

proptest! {
    #[test]
    fn stable_queue_properties(
        c in 1_u32..200,
        mu in 0.01_f64..1000.0,
        f1 in 0.0_f64..0.999,
        f2 in 0.0_f64..0.999,
    ) {
        let (lo, hi) = if f1 <= f2 { (f1, f2) } else { (f2, f1) };
        let cap = f64::from(c) * mu;
        let st = Station::new(c, mu, 1.0, None).expect("valid");
        let (s1, s2) = (st.steady(lo * cap).expect("valid"), st.steady(hi * cap).expect("valid"));
        let (q1, q2) = (queue(&s1), queue(&s2));
        let a = lo * cap / mu;
        let erl_c = erlang_c(c, a).expect("stable");
        prop_assert!((0.0..=1.0).contains(&erl_c));
        prop_assert!(erl_c >= erlang_b(c, a));
        prop_assert!(q1.mean_wait_s >= 0.0);
        prop_assert!(close(q1.mean_waiting, lo * cap * q1.mean_wait_s, 1e-12));
        prop_assert!(q2.mean_wait_s >= q1.mean_wait_s * (1.0 - 1e-12));
        prop_assert!(q2.prob_wait >= q1.prob_wait * (1.0 - 1e-12));
    }

    #[test]
    fn backlog_conserves_requests(
        start in 0.0_f64..500.0,
        lambda in 0.0_f64..30.0,
        dt in 0.0_f64..100.0,
        limit in proptest::option::of(0_u32..300),
    ) {
        let mut b = Backlog::new(start).expect("valid");
        let out = b.advance(&pool(limit), lambda, dt).expect("valid");
        let total = start + lambda * dt;
        prop_assert!(close(out.served + out.lost + out.backlog_end, total, 1e-9));
        prop_assert!(out.backlog_end >= 0.0 && out.lost >= 0.0 && out.area_req_s >= 0.0);
        prop_assert!(out.emptied_at_s.is_none_or(|t| (0.0..=dt).contains(&t)));
    }
}
