//! The small BGP graphs and experiments of the path-vector validation,
//! shared by `tests/bgp.rs` (the assertions) and `examples/bgp_validation.rs`
//! (the tables for README): cliques, lines, rings and a small Gao-Rexford
//! hierarchy, and the convergence time after a withdrawal (Tdown) or a
//! site withdrawal with an alternative in place (Tlong).
//!
//! In every graph router `i` is AS `i`, so an AS path reads as router
//! indices; router 0 originates origin 0.

#![allow(dead_code)]

use edgesim::edge::bgp::{AsGraph, BgpConfig, PathVector, Policy, Relation, Role};
use edgesim::engine::{SimDuration, SimTime};
use std::sync::Arc;

/// Milliseconds.
pub fn ms(x: u64) -> SimDuration {
    SimDuration::from_millis(x)
}

/// Seconds.
pub fn secs(x: u64) -> SimDuration {
    SimDuration::from_secs(x)
}

/// A graph of `n` routers, router `i` in AS `i`, the first `origins`
/// routers originating origins `0..origins`, with `edges` as
/// `(a, b, what b is to a)`, every session `delay` one way.
pub fn graph(n: u32, origins: u32, edges: &[(u32, u32, Relation)], delay: SimDuration) -> Arc<AsGraph> {
    let mut g = AsGraph::default();
    for i in 0..n {
        let asn = g.add_as(format!("AS{i}"));
        let role = if i < origins { Role::Origin { origin: i } } else { Role::Transit };
        g.add_router(asn, 0.0, i as f64, role);
    }
    for &(a, b, rel) in edges {
        g.connect(a, b, rel, delay);
    }
    g.finish();
    Arc::new(g)
}

/// Every pair `(i, j)`, `i < j < n`, as peers.
pub fn clique_edges(n: u32) -> Vec<(u32, u32, Relation)> {
    (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j, Relation::Peer))).collect()
}

/// The clique of `n` ASes of the Labovitz et al. studies, AS 0 the origin.
pub fn clique(n: u32, delay: SimDuration) -> Arc<AsGraph> {
    graph(n, 1, &clique_edges(n), delay)
}

/// A line `0 - 1 - ... - n-1`, AS 0 the origin.
pub fn line(n: u32, delay: SimDuration) -> Arc<AsGraph> {
    let edges: Vec<_> = (1..n).map(|i| (i - 1, i, Relation::Peer)).collect();
    graph(n, 1, &edges, delay)
}

/// A ring `0 - 1 - ... - n-1 - 0`, AS 0 the origin.
pub fn ring(n: u32, delay: SimDuration) -> Arc<AsGraph> {
    let mut edges: Vec<_> = (1..n).map(|i| (i - 1, i, Relation::Peer)).collect();
    edges.push((n - 1, 0, Relation::Peer));
    graph(n, 1, &edges, delay)
}

/// Shortest-path routing (the clique studies' policy-free model), MRAI
/// `mrai`, no processing time, jitter as given.
pub fn plain(mrai: SimDuration, jitter: bool) -> BgpConfig {
    BgpConfig {
        mrai,
        jitter,
        processing: (SimDuration::ZERO, SimDuration::ZERO),
        policy: Policy::ShortestPath,
        ..BgpConfig::default()
    }
}

/// What a convergence did: its time from the change, and the updates sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Converged {
    /// From the change to the last update processed.
    pub time: SimDuration,
    /// Announcements sent.
    pub announcements: u64,
    /// Withdrawals sent.
    pub withdrawals: u64,
}

/// Converges `graph` with origins `0..origins` announced, withdraws the
/// origins in `withdraw` at time 0 and runs to quiet.
pub fn withdraw(graph: &Arc<AsGraph>, cfg: &BgpConfig, seed: u64, origins: u32, withdraw: &[u32]) -> Converged {
    let mut pv = PathVector::new(Arc::clone(graph), cfg.clone(), seed, |o| o < origins);
    for &o in withdraw {
        pv.set_origin(o, false, SimTime::ZERO);
    }
    pv.run_to_quiet();
    let s = pv.stats();
    Converged { time: s.last_update.since(SimTime::ZERO), announcements: s.announcements, withdrawals: s.withdrawals }
}

/// Tdown: the only origin (0) of `graph` withdrawn at time 0.
pub fn tdown(graph: &Arc<AsGraph>, cfg: &BgpConfig, seed: u64) -> Converged {
    withdraw(graph, cfg, seed, 1, &[0])
}

/// Mean Tdown over seeds `1..=seeds`, seconds.
pub fn mean_tdown_s(graph: &Arc<AsGraph>, cfg: &BgpConfig, seeds: u64) -> f64 {
    (1..=seeds).map(|s| tdown(graph, cfg, s).time.as_secs_f64()).sum::<f64>() / seeds as f64
}

/// The clique bound of Labovitz et al.: with jitter off, Tdown on a clique
/// of `n` is `(n - 3)` MRAI rounds plus the last chain: the withdrawal, the
/// last announcement and the withdrawal that answers it (3 one-way delays).
pub fn clique_bound(n: u32, mrai: SimDuration, delay: SimDuration) -> SimDuration {
    SimDuration::from_nanos((n as u64 - 3) * mrai.as_nanos() + 3 * delay.as_nanos())
}

/// Griffin and Premore's experiment: mean Tdown on a clique of `n` against
/// each MRAI of `mrais`, processing uniform in `processing`, jitter on.
pub fn mrai_curve(n: u32, processing: (SimDuration, SimDuration), mrais: &[SimDuration], seeds: u64) -> Vec<f64> {
    let g = clique(n, ms(1));
    mrais.iter().map(|&m| mean_tdown_s(&g, &BgpConfig { processing, ..plain(m, true) }, seeds)).collect()
}

/// Index of the smallest value (the first of equals).
pub fn argmin(xs: &[f64]) -> usize {
    (0..xs.len()).fold(0, |b, i| if xs[i] < xs[b] { i } else { b })
}

/// Least-squares slope of `ys` against `xs`.
pub fn slope(xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    sxy / sxx
}

/// Anycast on a clique: a transit clique of `n` ASes (routers `2..n+2`,
/// ASes `1..=n`) and one edge AS (AS 0) with two sites, router 0 (origin
/// 0) and router 1 (origin 1), each connected to every transit AS.
pub fn anycast(n: u32, delay: SimDuration) -> Arc<AsGraph> {
    let mut g = AsGraph::default();
    let edge = g.add_as("edge");
    for site in 0..2 {
        g.add_router(edge, 0.0, site as f64, Role::Origin { origin: site });
    }
    for t in 0..n {
        let asn = g.add_as(format!("T{t}"));
        g.add_router(asn, 1.0, t as f64, Role::Transit);
    }
    for site in 0..2 {
        for t in 2..n + 2 {
            g.connect(t, site, Relation::Customer, delay);
        }
    }
    for a in 2..n + 2 {
        for b in a + 1..n + 2 {
            g.connect(a, b, Relation::Peer, delay);
        }
    }
    g.finish();
    Arc::new(g)
}

/// A small hierarchy: the origin (AS 0) single-homed to tier-1 AS 1; tier-1
/// ASes 1, 2 and 3 peering in a clique; `k` stub ASes (`4..4+k`), each a
/// customer of all three tier-1s.
pub fn hierarchy(k: u32, delay: SimDuration) -> Arc<AsGraph> {
    let mut edges =
        vec![(1, 0, Relation::Customer), (1, 2, Relation::Peer), (1, 3, Relation::Peer), (2, 3, Relation::Peer)];
    for s in 4..4 + k {
        edges.extend((1..=3).map(|p| (p, s, Relation::Customer)));
    }
    graph(4 + k, 1, &edges, delay)
}
