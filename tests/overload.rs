//! Overload at the neighbours of a failed PoP: spillover, priority shedding
//! in the seed's order, and the autoscaler's period and cooldown.

use crate::util::{run_shipped, scenario_path};

#[test]
fn shedding_takes_p3_first_then_p2_then_p1_and_never_p0() {
    let out = run_shipped("pop-failure-overload.toml");
    let r = &out.summary.requests;
    let shed = &r.shed_by_class;
    // Each class is shed in proportion to its own traffic: compare the share
    // of each class that was shed, which the order of shedding decides
    // whatever the class mix.
    let share = |c: &str| shed[c] as f64 / r.by_class[c].issued as f64;
    let (p0, p1, p2, p3) = (share("p0"), share("p1"), share("p2"), share("p3"));
    assert!(p3 > 0.0 && p2 > 0.0, "the overload scenario sheds two classes at least: {shed:?}");
    assert!(p3 >= p2 && p2 >= p1, "shed shares P3 {p3} P2 {p2} P1 {p1}");
    assert_eq!(shed["p0"], 0, "{shed:?}");
    assert_eq!(p0, 0.0);
    for pop in &out.summary.pops {
        assert_eq!(pop.shed_by_class["p0"], 0, "{}", pop.code);
    }
    let spilled: u64 = out.summary.pops.iter().map(|p| p.spilled_out).sum();
    let received: u64 = out.summary.pops.iter().map(|p| p.spilled_in).sum();
    assert!(spilled > 0);
    assert_eq!(spilled, received, "every spilled request lands somewhere");
}

#[test]
fn the_autoscaler_waits_its_period_and_its_cooldown() {
    let s = edgesim::scenario::load(&scenario_path("pop-failure-overload.toml")).expect("loads");
    let a = &s.spec.autoscaling;
    let (period, cooldown) = (a.cpu_up_period.as_secs_f64(), a.cooldown.as_secs_f64());
    let tick = s.spec.overload.tick.get_ref().as_secs_f64();
    let out = run_shipped("pop-failure-overload.toml");
    let mut scaled = 0;
    for pop in &out.summary.pops {
        let t = &pop.scale_ups_s;
        scaled += t.len();
        if let Some(first) = t.first() {
            // The rule is first seen at the first control period at the earliest.
            assert!(*first >= tick + period, "{}: first scale-up at {first} s", pop.code);
        }
        for w in t.windows(2) {
            assert!(w[1] - w[0] >= cooldown, "{}: scale-ups at {} and {} s", pop.code, w[0], w[1]);
        }
        assert!(pop.servers_max <= a.max_servers.get());
    }
    assert!(scaled > 0, "the overload scenario scales out");
}

#[test]
fn failover_runs_are_deterministic() {
    let a = run_shipped("pop-failure.toml");
    let b = run_shipped("pop-failure.toml");
    let ja = serde_json::to_string(&a.summary).expect("json");
    let jb = serde_json::to_string(&b.summary).expect("json");
    assert_eq!(a.summary.trace_hash, b.summary.trace_hash);
    assert!(ja == jb, "summaries differ");
    assert!(!a.summary.faults.is_empty());
}
