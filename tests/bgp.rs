//! The path-vector BGP model (src/edge/bgp/) against published results and
//! hand derivations. Every oracle is computed from the parameters:
//!
//! - the clique bound of Labovitz, Ahuja, Bose and Jahanian ("Delayed
//!   Internet routing convergence", SIGCOMM 2000): with the MRAI jitter off,
//!   a withdrawn prefix converges on a clique of n ASes in (n - 3) MRAI
//!   rounds plus the last chain of delays; with RFC 4271's jitter below that;
//! - Griffin and Premore ("An experimental analysis of BGP convergence
//!   time", ICNP 2001): with per-update processing, convergence time against
//!   MRAI has an interior optimum that moves up as cliques grow and
//!   processing slows;
//! - Tlong against Tdown (Labovitz et al.) and Gao-Rexford policy removing
//!   paths to explore;
//! - exact times and message counts on a line of 4, a ring of 5 and a
//!   4-clique, WRATE, SSLD and RFC 2439 damping, derived by hand from the
//!   rules in protocol.rs (tables next to each test).
//!
//! The graphs and the measurement live in examples/common/bgp_cases.rs,
//! shared with `examples/bgp_validation.rs`, which prints the same figures
//! as tables. In every graph router i is AS i (the anycast graph aside),
//! and equal routes tie-break to the lowest neighbour.

#[path = "../examples/common/bgp_cases.rs"]
mod bgp_cases;

use bgp_cases::*;
use edgesim::edge::bgp::{AsGraph, BgpConfig, Damping, PathVector, Policy};
use edgesim::engine::{SimDuration, SimTime};
use std::sync::Arc;

const M30: SimDuration = SimDuration::from_secs(30);
const D1: SimDuration = SimDuration::from_millis(1);

fn at(d: SimDuration) -> SimTime {
    SimTime::ZERO + d
}

fn times(k: u64, d: SimDuration) -> SimDuration {
    SimDuration::from_nanos(k * d.as_nanos())
}

/// Converged from scratch, with origin 0 announced.
fn start(graph: &Arc<AsGraph>, cfg: BgpConfig) -> PathVector {
    PathVector::new(Arc::clone(graph), cfg, 1, |o| o == 0)
}

/// Runs to quiet; returns (time of the last update processed,
/// announcements, withdrawals) counted since the start.
fn quiet(pv: &mut PathVector) -> (SimTime, u64, u64) {
    pv.run_to_quiet();
    let s = pv.stats();
    (s.last_update, s.announcements, s.withdrawals)
}

// ---------------------------------------------------------------- 1. clique

#[test]
fn clique_tdown_without_jitter_is_the_labovitz_bound() {
    for delay in [D1, SimDuration::from_millis(7)] {
        for mrai in [SimDuration::from_secs(1), M30] {
            for n in [4, 5, 6, 8, 12, 16] {
                let got = tdown(&clique(n, delay), &plain(mrai, false), 1).time;
                assert_eq!(got, clique_bound(n, mrai, delay), "n={n} mrai={mrai} delay={delay}");
            }
        }
    }
}

/// With a fixed processing time p <= d per update (each router a FIFO), the
/// last chain adds 4p. 4-clique (see `clique_of_4_exact` for the paths):
///
/// | t              | events                                              |
/// |----------------|-----------------------------------------------------|
/// | d + p          | 1, 2, 3 processed 0's withdrawal: announce, timers  |
/// |                | run to d + p + M                                    |
/// | 2d + 2p, 2d+3p | each processes the two paths of the others in turn; |
/// |                | 1 ends with no route and withdraws at once          |
/// | d + p + M      | timers: 2 and 3 send each other their looped paths  |
/// | 2d + 2p + M    | 2 and 3 process them: no route, withdraw to all     |
/// | 3d + 2p + M    | 0 and 1 get two withdrawals each (queue idle as     |
/// |                | d >= p): processed at 3d + 3p + M and 3d + 4p + M   |
///
/// Tdown = M + 3d + 4p; every larger clique ends its last round the same
/// way (two routers holding paths through each other), so
/// Tdown = (n - 3) M + 3d + 4p.
#[test]
fn clique_tdown_with_processing_adds_the_last_chain() {
    for (d, p) in [(2, 1), (5, 2), (3, 3)].map(|(d, p)| (SimDuration::from_millis(d), SimDuration::from_millis(p))) {
        for n in [4, 5, 6, 8, 10] {
            let cfg = BgpConfig { processing: (p, p), ..plain(M30, false) };
            let got = tdown(&clique(n, d), &cfg, 1).time;
            assert_eq!(got, clique_bound(n, M30, d) + times(4, p), "n={n} d={d} p={p}");
        }
    }
}

/// With jitter every timer runs M x U(0.75, 1): no round is longer than M,
/// so Tdown stays strictly below the bound; at least one round is jittered
/// (on any clique of 4 or more some router must announce a second path,
/// see `clique_of_4_exact`), so Tdown > 0.75 M. Each added AS adds one
/// round of exploration of 0.75 M to M: the least-squares slope of the
/// mean Tdown against n lies between 0.75 M and M per added AS (from n = 6:
/// on the smallest cliques desynchronised timers let rounds overlap).
#[test]
fn clique_tdown_with_jitter_stays_below_the_bound_and_grows_linearly() {
    let (mrai, seeds) = (M30, 10);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for n in 4..=16 {
        let g = clique(n, D1);
        let bound = clique_bound(n, mrai, D1);
        let mut sum = 0.0;
        for seed in 1..=seeds {
            let t = tdown(&g, &plain(mrai, true), seed).time;
            assert!(t < bound, "n={n} seed={seed}: {t} not below {bound}");
            assert!(t.as_secs_f64() > 0.75 * mrai.as_secs_f64(), "n={n} seed={seed}: {t}");
            sum += t.as_secs_f64();
        }
        if n >= 6 {
            xs.push(n as f64);
            ys.push(sum / seeds as f64);
        }
    }
    let per_as = slope(&xs, &ys) / mrai.as_secs_f64();
    assert!((0.75..=1.0).contains(&per_as), "slope {per_as} MRAI per added AS");
}

// ------------------------------------------------------ 2. Griffin-Premore

/// MRAI 0 floods the routers' queues with every transient path; a long
/// MRAI waits out (n - 3) long rounds; in between lies the optimum, which
/// must be strictly better than both ends. A bigger clique sends more
/// updates per round, slower processing takes longer for each: the best
/// MRAI moves up (never down, and strictly up at least once per series).
#[test]
fn convergence_against_mrai_has_an_interior_optimum_that_moves_up() {
    let mrais: Vec<SimDuration> = [0, 100, 250, 500, 1000, 2000, 4000].map(SimDuration::from_millis).to_vec();
    let fast = (SimDuration::from_millis(10), SimDuration::from_millis(50));
    let series = [
        ("clique size, U(10-50 ms)", vec![(4, fast), (6, fast), (8, fast), (10, fast)]),
        (
            "processing, n = 6",
            vec![
                (6, fast),
                (6, (SimDuration::from_millis(50), SimDuration::from_millis(250))),
                (6, (SimDuration::from_millis(100), SimDuration::from_millis(500))),
            ],
        ),
    ];
    for (name, cases) in series {
        let mut best = Vec::new();
        for (n, processing) in cases {
            let curve = mrai_curve(n, processing, &mrais, 10);
            let i = argmin(&curve);
            let last = curve.len() - 1;
            assert!(curve[i] < curve[0] && curve[i] < curve[last], "{name}: n={n} {processing:?}: {curve:?}");
            best.push(mrais[i]);
        }
        assert!(best.windows(2).all(|w| w[0] <= w[1]), "{name}: best MRAI {best:?}");
        assert!(best.windows(2).any(|w| w[0] < w[1]), "{name}: best MRAI {best:?}");
    }
}

// ------------------------------------------------------ 3. Tlong and policy

/// Anycast graph: a clique of n transit ASes, the edge AS's sites A and B
/// each connected to all of them (both sites are AS 0, so neither takes
/// the other's route). Every transit router prefers A (lower neighbour).
///
/// Tlong, A withdrawn at 0: A's withdrawals reach the n transit routers at
/// d; each switches to B's [0] (another origin, so a new path) and
/// announces it at once (no timer running) to its n + 1 neighbours; at 2d
/// those arrive and change nothing (B's direct route is shortest).
/// Tlong = 2d, n (n + 1) announcements, n withdrawals.
///
/// Tdown, both withdrawn at 0: a clique of n + 1 ASes (the edge AS one
/// node), so (n + 1 - 3) rounds by the clique bound, plus one: at d each
/// transit router gets A's withdrawal first, switches to B and spends its
/// first (immediate) announcement on that route, which B's withdrawal
/// kills a moment later, so exploration starts a full MRAI later.
/// Tdown = (n - 1) M + 3d.
#[test]
fn an_anycast_site_withdrawal_converges_far_faster_than_tdown() {
    for n in 3..=6u64 {
        let g = anycast(n as u32, D1);
        let cfg = plain(M30, false);
        let long = withdraw(&g, &cfg, 1, 2, &[0]);
        let down = withdraw(&g, &cfg, 1, 2, &[0, 1]);
        assert_eq!(long.time, times(2, D1), "n={n}");
        assert_eq!((long.announcements, long.withdrawals), (n * (n + 1), n), "n={n}");
        assert_eq!(down.time, times(n - 1, M30) + times(3, D1), "n={n}");
        assert!(down.time.as_nanos() >= 1000 * long.time.as_nanos());
        for seed in 1..=5 {
            let cfg = plain(M30, true);
            assert_eq!(withdraw(&g, &cfg, seed, 2, &[0]).time, times(2, D1), "jitter cannot touch fresh timers");
            let down = withdraw(&g, &cfg, seed, 2, &[0, 1]).time;
            assert!(down.as_secs_f64() > 0.75 * M30.as_secs_f64(), "n={n} seed={seed}: {down}");
        }
    }
}

/// Hierarchy: origin O (AS 0) a customer of tier-1 AS 1; tier-1s 1, 2, 3
/// peer; k stubs each a customer of 1, 2 and 3.
///
/// Gao-Rexford: 2 and 3 hold only [1 0] (learned from a peer, exported to
/// customers only); stubs hold [1 0], [2 1 0], [3 1 0] and export nothing
/// (provider routes go to customers only). O withdraws at 0:
///
/// | t  | what happens                                            | W      |
/// |----|---------------------------------------------------------|--------|
/// | 0  | O withdraws to 1                                        | 1      |
/// | d  | 1 has no other route: withdraws to O, 2, 3, k stubs     | k + 3  |
/// | 2d | 2, 3 have no other route: withdraw to the k stubs each; | 2k     |
/// |    | stubs switch to [2 1 0] silently                        |        |
/// | 3d | stubs get 2's and 3's withdrawals: no route, silent     |        |
///
/// Tdown = 3d, 3k + 4 withdrawals, no announcement. With shortest-path
/// routing every stub is a transit path too: at 2d a stub announces
/// [s 2 1 0], at 3d it learns 2's own stale alternative and must announce a
/// second path, which its MRAI timer holds: Tdown >= M.
#[test]
fn gao_rexford_removes_paths_to_explore() {
    for k in [1u64, 3, 8] {
        let g = hierarchy(k as u32, D1);
        let sp = plain(M30, false);
        let gr = BgpConfig { policy: Policy::GaoRexford, ..sp.clone() };
        let with_policy = tdown(&g, &gr, 1);
        assert_eq!(with_policy.time, times(3, D1), "k={k}");
        assert_eq!((with_policy.announcements, with_policy.withdrawals), (0, 3 * k + 4), "k={k}");
        let without = tdown(&g, &sp, 1);
        assert!(without.time >= M30, "k={k}: {without:?}");
        let jittered = |policy| mean_tdown_s(&g, &BgpConfig { policy, ..plain(M30, true) }, 5);
        assert!(jittered(Policy::GaoRexford) < 0.01 * jittered(Policy::ShortestPath), "k={k}");
    }
}

// ------------------------------------------------------- 4. hand derivations

/// Line 0 - 1 - 2 - 3, delay d, MRAI M, routes [0], [1 0], [2 1 0].
/// A router's path sent back towards the origin is dropped there (loop).
///
/// Withdrawal at 0 (no alternative anywhere):
///
/// | t  | sends                | W |
/// |----|----------------------|---|
/// | 0  | 0 -> 1               | 1 |
/// | d  | 1 -> 0, 1 -> 2       | 2 |
/// | 2d | 2 -> 1, 2 -> 3       | 2 |
/// | 3d | 3 -> 2               | 1 |
/// | 4d | 3's withdrawal processed at 2: quiet |
///
/// Announcement at T (no timer running): the same wave, 6 announcements,
/// quiet at T + 4d. Withdrawn again at T + 1 s (6 withdrawals, at once)
/// and re-announced at T + 2 s, within M of T: 0's timer holds the
/// announcement to T + M; every later hop's timer (started at T + i d)
/// expires exactly as the wave reaches it, so it goes on at once: quiet at
/// T + M + 4d.
#[test]
fn line_of_4_exact() {
    let (g, d) = (line(4, D1), D1);
    let mut pv = start(&g, plain(M30, false));
    pv.set_origin(0, false, SimTime::ZERO);
    assert_eq!(quiet(&mut pv), (at(times(4, d)), 0, 6));
    let t = at(SimDuration::from_secs(100));
    pv.set_origin(0, true, t);
    assert_eq!(quiet(&mut pv), (t + times(4, d), 6, 6));
    assert_eq!(pv.best_path(3), vec![2, 1, 0]);
    pv.set_origin(0, false, t + SimDuration::from_secs(1));
    assert_eq!(quiet(&mut pv), (t + SimDuration::from_secs(1) + times(4, d), 6, 12));
    pv.set_origin(0, true, t + SimDuration::from_secs(2));
    assert_eq!(quiet(&mut pv), (t + M30 + times(4, d), 12, 12));
    assert_eq!(pv.best_path(3), vec![2, 1, 0]);
}

/// Ring 0-1-2-3-4-0: 1 and 4 hold [0], 2 holds [1 0], 3 holds [4 0].
/// Withdrawal at 0 (a router announces a path at most once per link, so
/// no timer ever holds anything):
///
/// | t  | events                                                 | A | W |
/// |----|--------------------------------------------------------|---|---|
/// | 0  | 0 withdraws to 1 and 4                                 |   | 2 |
/// | d  | 1, 4: no other route (2's and 3's paths loop): W both  |   | 4 |
/// | 2d | 2 takes [3 4 0], 3 takes [2 1 0]: announce both ways   | 4 |   |
/// | 3d | 1 takes [2 3 4 0], 4 takes [3 2 1 0]: announce;        | 4 | 4 |
/// |    | 2 and 3 get each other's looped path: no route, W      |   |   |
/// | 4d | 1 and 4 get the withdrawals: no route, W both ways     |   | 4 |
/// | 5d | last withdrawals processed: quiet                      |   |   |
///
/// Announcement at T = 10 M: T: 0 -> 1, 4 (2); T + d: 1 and 4 both ways
/// (4); T + 2d: 2 sends [2 1 0], 3 sends [3 4 0] both ways (4); T + 3d:
/// nothing shorter arrives: quiet, 10 announcements.
#[test]
fn ring_of_5_exact() {
    let (g, d) = (ring(5, D1), D1);
    let mut pv = start(&g, plain(M30, false));
    pv.set_origin(0, false, SimTime::ZERO);
    assert_eq!(quiet(&mut pv), (at(times(5, d)), 8, 14));
    let t = at(times(10, M30));
    pv.set_origin(0, true, t);
    assert_eq!(quiet(&mut pv), (t + times(3, d), 18, 14));
    assert_eq!((pv.best_path(2), pv.best_path(3)), (vec![1, 0], vec![4, 0]));
}

/// 4-clique: 1, 2, 3 hold [0] and [j 0] from each other. Withdrawal at 0:
///
/// | t      | events                                                  | A | W |
/// |--------|---------------------------------------------------------|---|---|
/// | 0      | 0 withdraws to 1, 2, 3                                  |   | 3 |
/// | d      | 1 takes [2 0], 2 takes [1 0], 3 takes [1 0]; each       | 9 |   |
/// |        | announces to its 3 neighbours at once; timers to d + M  |   |   |
/// | 2d     | 2 drops [1 2 0] (loop): takes [3 0]; 3 takes [2 0] then |   | 3 |
/// |        | [1 2 0]; 1 drops both looped paths: no route, W to all; |   |   |
/// |        | 2 ends on [3 1 0]: 2's and 3's new paths wait for timers|   |   |
/// | 3d     | 3 gets 1's W: takes [2 1 0]                             |   |   |
/// | d + M  | timers: 2 sends [2 3 1 0], 3 sends [3 2 1 0]; 1 silent  | 6 |   |
/// | 2d + M | 2 and 3 get each other's looped path: no route, W all   |   | 6 |
/// | 3d + M | last withdrawals processed: quiet                       |   |   |
///
/// Tdown = M + 3d (the clique bound, n - 3 = 1), 15 A, 12 W. Announcement
/// at T = 10 M: 0 -> 1, 2, 3 (3); at T + d each announces [i 0] to its 3
/// neighbours (9); at T + 2d nothing shorter: quiet, 12 announcements.
#[test]
fn clique_of_4_exact() {
    let (g, d) = (clique(4, D1), D1);
    let mut pv = start(&g, plain(M30, false));
    pv.set_origin(0, false, SimTime::ZERO);
    assert_eq!(quiet(&mut pv), (at(M30 + times(3, d)), 15, 12));
    let t = at(times(10, M30));
    pv.set_origin(0, true, t);
    assert_eq!(quiet(&mut pv), (t + times(2, d), 27, 12));
    assert_eq!(pv.best_path(3), vec![0]);
}

/// WRATE on the line of 4, from nothing announced: announced at 0 (the
/// wave of `line_of_4_exact`: 6 announcements, timers at i d + M), withdrawn
/// at 10 ms. Without WRATE the withdrawals go at once: quiet at 10 ms + 4d.
/// With WRATE 0's withdrawal waits for its timer (M); each later hop's timer
/// expires as the withdrawal reaches it: quiet at M + 4d, still 6
/// withdrawals.
#[test]
fn wrate_holds_withdrawals_for_the_timer() {
    let (g, d) = (line(4, D1), D1);
    let withdrawn_at = at(SimDuration::from_millis(10));
    for (wrate, quiet_at) in [(false, withdrawn_at + times(4, d)), (true, at(M30 + times(4, d)))] {
        let mut pv = PathVector::new(Arc::clone(&g), BgpConfig { wrate, ..plain(M30, false) }, 1, |_| false);
        pv.set_origin(0, true, SimTime::ZERO);
        assert_eq!(quiet(&mut pv), (at(times(4, d)), 6, 0));
        pv.set_origin(0, false, withdrawn_at);
        assert_eq!(quiet(&mut pv), (quiet_at, 6, 6), "wrate={wrate}");
    }
}

/// SSLD on the 4-clique: a path holding the neighbour's AS is not sent to
/// it (a withdrawal instead, if something was sent). 1, 2, 3 never sent
/// 0 anything. Withdrawal at 0:
///
/// | t  | events                                                  | A | W |
/// |----|---------------------------------------------------------|---|---|
/// | 0  | 0 withdraws to 1, 2, 3                                  |   | 3 |
/// | d  | 1 takes [2 0]: W to 2, A to 3; 2 takes [1 0]: W to 1,   | 3 | 3 |
/// |    | A to 3; 3 takes [1 0]: W to 1, A to 2                   |   |   |
/// | 2d | 2 (W from 1) takes [3 0]: A to 1 (its last to 1 was a W,| 3 | 6 |
/// |    | timer idle), W to 3; 3 takes [2 0]: A to 1, W to 2;     |   |   |
/// |    | 1 takes [3 0]: A to 2, W to 3; 3 takes [1 2 0]: W to 1; |   |   |
/// |    | 1 (W from 3) no route: W to 2; 2 takes [3 1 0]: W to 1  |   |   |
/// | 3d | every path left is withdrawn or loops: all silent       |   |   |
///
/// Tdown = 3d against M + 3d without SSLD: no MRAI round at all.
#[test]
fn ssld_clique_of_4_exact() {
    let g = clique(4, D1);
    let cfg = BgpConfig { sender_loop_check: true, ..plain(M30, false) };
    assert_eq!(tdown(&g, &cfg, 1), Converged { time: times(3, D1), announcements: 6, withdrawals: 12 });
}

/// RFC 2439 damping at router 1 of the line 0 - 1: 0 flaps (withdrawn at
/// 0, 120 s, 240 s; re-announced 60 s after each). Each withdrawal charges
/// 1000 on arrival (d later), re-announcements charge nothing, the penalty
/// halves every 15 min. After the 2nd: 1000 x 2^(-120/900) + 1000 = 1912,
/// not above 2000: the route is used. After the 3rd: 2743, suppressed;
/// the announcement at 300 s is held until the penalty decays to 750, at
/// w3 + 900 s x log2(p3 / 750) (about 1923 s), when 1 takes [0] again.
#[test]
fn damping_suppresses_a_flapping_route_after_the_third_flap() {
    let (g, d) = (line(2, D1), D1);
    let damping = Damping::RFC2439;
    let cfg = BgpConfig { damping: Some(damping), ..plain(M30, false) };
    let mut pv = start(&g, cfg);
    let s = |x: u64| at(SimDuration::from_secs(x));
    let decay = |p: f64, dt: f64| p * (-dt / damping.half_life.as_secs_f64()).exp2();
    let mut penalty = 0.0;
    for (k, w) in [0u64, 120, 240].into_iter().enumerate() {
        pv.set_origin(0, false, s(w));
        penalty = decay(penalty, if k == 0 { 0.0 } else { 120.0 }) + damping.withdrawal_penalty;
        pv.set_origin(0, true, s(w + 60));
        pv.advance(s(w + 61));
        let suppressed = penalty > damping.suppress;
        assert_eq!(suppressed, k == 2, "flap {}: penalty {penalty}", k + 1);
        assert_eq!(pv.best_path(1).is_empty(), suppressed, "flap {}", k + 1);
    }
    assert_eq!(pv.stats().suppressions, 1);
    let w3 = s(240) + d;
    let reuse = w3 + SimDuration::from_secs_f64(damping.half_life.as_secs_f64() * (penalty / damping.reuse).log2());
    pv.advance(SimTime(reuse.as_nanos() - 1_000_000));
    assert!(pv.best_path(1).is_empty(), "still suppressed 1 ms before {reuse}");
    pv.advance(reuse + D1);
    assert_eq!(pv.best_path(1), vec![0], "reused at {reuse}");
    let end = quiet(&mut pv).0;
    assert!(end.since(reuse + d).as_nanos() < 1000 && (reuse + d).since(end).as_nanos() < 1000, "{end} vs {reuse}");
}

// ------------------------------------------------------------ 5. determinism

/// Withdrawal, re-announcement and a session failure on a 7-clique with
/// jitter and processing on: the stats and every router's path.
fn script(seed: u64) -> (Vec<u64>, Vec<Vec<u32>>) {
    let g = clique(7, D1);
    let mut pv = PathVector::new(Arc::clone(&g), plain(M30, true), seed, |o| o == 0);
    pv.set_origin(0, false, SimTime::ZERO);
    pv.set_origin(0, true, at(times(10, M30)));
    pv.set_session(0, false, at(times(20, M30)));
    pv.run_to_quiet();
    let s = pv.stats();
    let stats = vec![s.announcements, s.withdrawals, s.best_changes, s.last_update.as_nanos()];
    (stats, (0..7).map(|r| pv.best_path(r)).collect())
}

#[test]
fn same_seed_same_run_and_jitter_draws_by_seed() {
    let a = script(7);
    assert_eq!(a, script(7));
    assert_eq!(a.1[1].len(), 2, "1 lost its direct session: {:?}", a.1);
    assert_ne!(a.0, script(8).0);
}
