//! The path-vector BGP model's validation figures as markdown tables (for
//! README's "BGP validation"): the clique bound of Labovitz et al.
//! (SIGCOMM 2000) with and without RFC 4271's jitter, Griffin and
//! Premore's MRAI curves (ICNP 2001), Tlong against Tdown on an anycast
//! graph, Gao-Rexford against shortest-path routing, and the small graphs
//! derived by hand. `tests/bgp.rs` asserts the same figures.
//!
//! ```text
//! cargo run --release --example bgp_validation
//! ```

#[path = "common/bgp_cases.rs"]
mod bgp_cases;

use bgp_cases::*;
use edgesim::edge::bgp::{BgpConfig, Policy};
use edgesim::engine::SimDuration;

/// MRAI of the clique, anycast and policy tables.
const MRAI: SimDuration = SimDuration::from_secs(30);
/// One-way delay of every session.
const DELAY: SimDuration = SimDuration::from_millis(1);
/// Seeds averaged where jitter or processing draws.
const SEEDS: u64 = 10;

fn s(d: SimDuration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

fn main() {
    clique_table();
    mrai_table();
    anycast_table();
    policy_table();
    hand_table();
}

/// Tdown on cliques against the bound (n - 3) M + 3d.
fn clique_table() {
    println!("### Clique: Tdown (s) against the bound (n - 3) x MRAI + 3 delays\n");
    println!("MRAI {MRAI}, delay {DELAY}, shortest path, no processing; jitter: {SEEDS} seeds.\n");
    println!("| n | bound | no jitter | jitter mean | jitter min | jitter max | mean / bound |");
    println!("|---|---|---|---|---|---|---|");
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for n in [4, 5, 6, 8, 10, 12, 14, 16, 20] {
        let g = clique(n, DELAY);
        let bound = clique_bound(n, MRAI, DELAY);
        let exact = tdown(&g, &plain(MRAI, false), 1).time;
        let t: Vec<f64> = (1..=SEEDS).map(|k| tdown(&g, &plain(MRAI, true), k).time.as_secs_f64()).collect();
        let mean = t.iter().sum::<f64>() / t.len() as f64;
        let (lo, hi) = t.iter().fold((f64::MAX, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
        println!(
            "| {n} | {} | {} | {mean:.1} | {lo:.1} | {hi:.1} | {:.2} |",
            s(bound),
            s(exact),
            mean / bound.as_secs_f64()
        );
        if n >= 6 {
            xs.push(n as f64);
            ys.push(mean);
        }
    }
    let per_as = slope(&xs, &ys) / MRAI.as_secs_f64();
    println!("\nWith jitter, least-squares slope for n >= 6: {per_as:.2} MRAI per added AS.\n");
}

/// Griffin and Premore: mean Tdown against MRAI with processing.
fn mrai_table() {
    let mrais: Vec<SimDuration> = [0, 100, 250, 500, 1000, 2000, 4000].map(SimDuration::from_millis).to_vec();
    let u = |lo, hi| (SimDuration::from_millis(lo), SimDuration::from_millis(hi));
    let cases = [
        (4, u(10, 50)),
        (6, u(10, 50)),
        (8, u(10, 50)),
        (10, u(10, 50)),
        (6, u(50, 250)),
        (6, u(100, 500)),
        (8, u(50, 250)),
    ];
    let curves: Vec<Vec<f64>> = cases.iter().map(|&(n, p)| mrai_curve(n, p, &mrais, SEEDS)).collect();
    println!("### Convergence time (s) against MRAI with per-update processing (Griffin and Premore)\n");
    println!("Clique of n, delay {DELAY}, jitter on, processing U(min-max) per update, mean of {SEEDS} seeds.\n");
    let head: Vec<String> = cases
        .iter()
        .map(|(n, (lo, hi))| format!("n={n}, U({}-{} ms)", lo.as_millis_f64(), hi.as_millis_f64()))
        .collect();
    println!("| MRAI | {} |", head.join(" | "));
    println!("|---|{}", "---|".repeat(cases.len()));
    for (i, m) in mrais.iter().enumerate() {
        let row: Vec<String> = curves.iter().map(|c| format!("{:.2}", c[i])).collect();
        println!("| {m} | {} |", row.join(" | "));
    }
    let best: Vec<String> = curves.iter().map(|c| format!("**{}**", mrais[argmin(c)])).collect();
    println!("| best | {} |", best.join(" | "));
    let work: Vec<String> = cases
        .iter()
        .map(|&(n, (lo, hi))| format!("{:.0} ms", (n - 1) as f64 * (lo.as_millis_f64() + hi.as_millis_f64()) / 2.0))
        .collect();
    println!("| (n-1) x mean processing | {} |\n", work.join(" | "));
}

/// Tlong (one anycast site withdrawn) against Tdown (both).
fn anycast_table() {
    println!("### Tlong against Tdown: anycast on a transit clique\n");
    println!("Two sites of one AS, each connected to all n transit ASes; MRAI {MRAI}, delay {DELAY}.\n");
    println!("| n | Tlong (s) | messages | Tdown (s) | (n - 1) M + 3d | messages | Tdown, jitter mean (s) |");
    println!("|---|---|---|---|---|---|---|");
    for n in 3..=8u32 {
        let g = anycast(n, DELAY);
        let long = withdraw(&g, &plain(MRAI, false), 1, 2, &[0]);
        let down = withdraw(&g, &plain(MRAI, false), 1, 2, &[0, 1]);
        let oracle = SimDuration::from_nanos((n as u64 - 1) * MRAI.as_nanos() + 3 * DELAY.as_nanos());
        let jitter: f64 =
            (1..=SEEDS).map(|k| withdraw(&g, &plain(MRAI, true), k, 2, &[0, 1]).time.as_secs_f64()).sum::<f64>()
                / SEEDS as f64;
        println!(
            "| {n} | {} | {} | {} | {} | {} | {jitter:.1} |",
            s(long.time),
            long.announcements + long.withdrawals,
            s(down.time),
            s(oracle),
            down.announcements + down.withdrawals
        );
    }
    println!();
}

/// Gao-Rexford against shortest path on a small hierarchy.
fn policy_table() {
    println!("### Gao-Rexford against shortest path: Tdown on a small hierarchy\n");
    println!("Origin single-homed to one of 3 peering tier-1s; k stubs multihomed to all three; MRAI {MRAI}, delay {DELAY}.\n");
    println!(
        "| k | GR Tdown (s) | GR messages | SP Tdown (s) | SP messages | GR jitter mean (s) | SP jitter mean (s) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for k in [1, 2, 4, 8] {
        let g = hierarchy(k, DELAY);
        let cfg = |policy, jitter| BgpConfig { policy, ..plain(MRAI, jitter) };
        let gr = tdown(&g, &cfg(Policy::GaoRexford, false), 1);
        let sp = tdown(&g, &cfg(Policy::ShortestPath, false), 1);
        println!(
            "| {k} | {} | {} | {} | {} | {:.3} | {:.1} |",
            s(gr.time),
            gr.announcements + gr.withdrawals,
            s(sp.time),
            sp.announcements + sp.withdrawals,
            mean_tdown_s(&g, &cfg(Policy::GaoRexford, true), SEEDS),
            mean_tdown_s(&g, &cfg(Policy::ShortestPath, true), SEEDS)
        );
    }
    println!();
}

/// The small graphs derived by hand in tests/bgp.rs.
fn hand_table() {
    println!("### Small graphs: a withdrawal, against the hand derivations in tests/bgp.rs\n");
    println!("MRAI {MRAI}, delay d = {DELAY}, no jitter, no processing.\n");
    println!("| graph | Tdown (s) | derived | announcements | withdrawals | derived (A, W) |");
    println!("|---|---|---|---|---|---|");
    let d = |k: u64| SimDuration::from_nanos(k * DELAY.as_nanos());
    let ssld = BgpConfig { sender_loop_check: true, ..plain(MRAI, false) };
    let rows = [
        ("line of 4", tdown(&line(4, DELAY), &plain(MRAI, false), 1), d(4), (0, 6)),
        ("ring of 5", tdown(&ring(5, DELAY), &plain(MRAI, false), 1), d(5), (8, 14)),
        ("4-clique", tdown(&clique(4, DELAY), &plain(MRAI, false), 1), MRAI + d(3), (15, 12)),
        ("4-clique, SSLD", tdown(&clique(4, DELAY), &ssld, 1), d(3), (6, 12)),
    ];
    for (name, c, derived, (a, w)) in rows {
        println!("| {name} | {} | {} | {} | {} | {a}, {w} |", s(c.time), s(derived), c.announcements, c.withdrawals);
    }
}
