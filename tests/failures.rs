//! Failure processes (`[[failure]]`, `edgesim::failures`) against closed
//! forms. For an alternating renewal process the long-run share of time
//! down is E[TTR] / (E[TTF] + E[TTR]) and the failures per unit time
//! 1 / (E[TTF] + E[TTR]) (renewal-reward theorem: Ross, *Stochastic
//! Processes*, 2nd ed., §3.4, §3.6); independent units are down at once in
//! binomial numbers; a Weibull's mean is scale·Γ(1 + 1/k) (Γ(3/2) = √π/2);
//! a lognormal's exp(mu + sigma²/2). Each figure is compared with a 95%
//! interval computed from the replications or the sample (Student's t or
//! the normal quantile, never a hand-picked tolerance). Seeds are fixed, so
//! the tests are deterministic; a 95% interval misses its target for one
//! seed in twenty, so a new failure after a change of draws calls for a
//! look (run the check over many seeds: the share of misses should stay
//! near 5%) before a new seed. Two seeds here were moved once, after such a
//! look (40 and 100 seeds: no bias): the human-repair share's (7 to 8) and
//! the Weibull replications' (1.. to 31..).

use edgesim::engine::{SimDuration, SimTime};
use edgesim::failures::{self, Cause, Generator, Incident, Plan, Target};
use edgesim::scenario::{self, Scenario};
use edgesim::world::{self, World};

const HOUR: f64 = 3600.0;
const DAY: f64 = 86_400.0;
/// Student's t, 97.5th percentile, 29 degrees of freedom (30 replications).
const T_975_29: f64 = 2.045;
/// The normal 97.5th percentile (large samples).
const Z_975: f64 = 1.959_964;

/// A scenario with `topology` (the `[topology]` keys) and `failures`
/// (`[[failure]]` tables), and its world.
fn setup(topology: &str, failures: &str) -> (Scenario, World) {
    let text = format!(
        "[scenario]\nname = \"failures\"\nduration = \"1h\"\n\n[topology]\n{topology}\n\n[traffic]\nrps = 1000\nclasses = {{ p0 = 0.1, p1 = 0.4, p2 = 0.4, p3 = 0.1 }}\n\n{failures}"
    );
    let s = scenario::parse("failures.toml", &text, ".".into()).unwrap_or_else(|e| panic!("{e}"));
    let w = world::build(&s).unwrap_or_else(|e| panic!("{e}"));
    (s, w)
}

fn plan_of(topology: &str, failures: &str) -> (Plan, World) {
    let (s, w) = setup(topology, failures);
    (failures::plan(&s, &w).unwrap_or_else(|e| panic!("{e}")), w)
}

/// The error of building the plan, as text.
fn plan_error(topology: &str, failures: &str) -> String {
    let (s, w) = setup(topology, failures);
    failures::plan(&s, &w).err().map(|e| e.to_string()).unwrap_or_default()
}

fn at(secs: f64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs_f64(secs)
}

/// Mean and half-width of the 95% interval of the mean of `xs`, with the
/// quantile `q` (Student's t or normal).
fn interval(xs: &[f64], q: f64) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    (mean, q * (var / n).sqrt())
}

/// The 95th percentile of chi-square with `df` degrees of freedom
/// (Wilson-Hilferty; within 0.3% of the tables for df >= 3).
fn chi2_95(df: f64) -> f64 {
    let h = 2.0 / (9.0 * df);
    df * (1.0 - h + 1.644_854 * h.sqrt()).powi(3)
}

fn assert_covers(xs: &[f64], q: f64, truth: f64, what: &str) {
    let (mean, half) = interval(xs, q);
    assert!(half > 0.0, "{what}: no spread");
    assert!((mean - truth).abs() <= half, "{what}: {mean} ± {half} does not cover {truth}");
}

/// Per replication (30 seeds from `first_seed`): the share of PoP-time
/// down and the incidents per PoP per year, over `horizon_s`.
fn replicate(plan: &Plan, pops: usize, horizon_s: f64, first_seed: u64) -> (Vec<f64>, Vec<f64>) {
    let horizon = at(horizon_s);
    let (mut shares, mut rates) = (Vec::new(), Vec::new());
    for seed in first_seed..first_seed + 30 {
        let mut down = 0.0;
        let mut count = 0usize;
        for i in Generator::new(plan, seed, horizon) {
            down += i.end.min(horizon).since(i.start).as_secs_f64();
            count += 1;
        }
        shares.push(down / (pops as f64 * horizon_s));
        rates.push(count as f64 / pops as f64 * (8760.0 * HOUR / horizon_s));
    }
    (shares, rates)
}

#[test]
fn exponential_pops_are_down_mttr_over_mtbf_plus_mttr_and_fail_8760h_over_the_cycle() {
    // The seed's figures on the whole catalog: MTBF 30 days, MTTR 15 min.
    let (plan, w) = plan_of(
        "catalog = \"builtin\"",
        "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nmtbf = \"30d\"\nmttr = \"15m\"",
    );
    assert_eq!(w.pops.len(), 309);
    let (mtbf, mttr) = (30.0 * DAY, 15.0 * 60.0);
    let (shares, rates) = replicate(&plan, w.pops.len(), 365.0 * DAY, 1);
    assert_covers(&shares, T_975_29, mttr / (mtbf + mttr), "share of time down");
    assert_covers(&rates, T_975_29, 8760.0 * HOUR / (mtbf + mttr), "incidents per PoP-year");
}

#[test]
fn k_of_n_pops_of_a_region_are_down_with_binomial_probability() {
    let pops = "pops = [\"AMS\", \"ARN\", \"ATH\", \"BCN\", \"BEG\", \"BER\", \"BHX\", \"BLQ\"]";
    let (plan, w) = plan_of(pops, "[[failure]]\nkind = \"pop-down\"\nregion = \"EU\"\nmtbf = \"2h\"\nmttr = \"1h\"");
    let n = w.pops.len();
    assert_eq!(n, 8);
    let p: f64 = 1.0 / 3.0;
    // Instants 20 h apart plus a uniform offset in the first 10 h: at least
    // 10 h (ten mean repairs) apart, so the counts are independent.
    let samples = 3000;
    let mut pick = edgesim::engine::rng::stream(9, "test/instants");
    let instants: Vec<SimTime> = (0..samples)
        .map(|i| at(20.0 * HOUR * (i as f64 + 1.0) + rand::Rng::random::<f64>(&mut pick) * 10.0 * HOUR))
        .collect();
    let horizon = at(20.0 * HOUR * (samples as f64 + 2.0));
    let mut down_until = vec![SimTime::ZERO; n];
    let mut observed = vec![0usize; n + 1];
    let mut next = 0;
    let count_at = |t: SimTime, down_until: &[SimTime], observed: &mut Vec<usize>| {
        observed[down_until.iter().filter(|&&d| d > t).count()] += 1;
    };
    for i in Generator::new(&plan, 4, horizon) {
        while next < samples && instants[next] < i.start {
            count_at(instants[next], &down_until, &mut observed);
            next += 1;
        }
        let Target::Pop(pop) = i.target else { panic!("{i:?}") };
        down_until[pop] = down_until[pop].max(i.end);
    }
    assert_eq!(next, samples, "every instant lies before the last incident");
    // Chi-square over k = 0.., the tail merged until each cell expects >= 5.
    let binom = |k: usize| {
        let c = (0..k).fold(1.0, |acc, j| acc * (n - j) as f64 / (j + 1) as f64);
        c * p.powi(k as i32) * (1.0 - p).powi((n - k) as i32)
    };
    let mut cells: Vec<(f64, f64)> = Vec::new();
    let mut tail = (0.0, 0.0);
    for k in (0..=n).rev() {
        tail = (tail.0 + observed[k] as f64, tail.1 + samples as f64 * binom(k));
        if tail.1 >= 5.0 {
            cells.push(tail);
            tail = (0.0, 0.0);
        }
    }
    if let Some(last) = cells.last_mut() {
        *last = (last.0 + tail.0, last.1 + tail.1);
    }
    let chi2: f64 = cells.iter().map(|(o, e)| (o - e) * (o - e) / e).sum();
    let df = (cells.len() - 1) as f64;
    let critical = chi2_95(df);
    assert!(cells.len() >= 5, "{cells:?}");
    assert!(chi2 < critical, "chi-square {chi2} >= {critical} (df {df}): observed {observed:?}");
}

/// Up times (from a repair to the unit's next failure) and durations of
/// the incidents of one generator.
fn up_times_and_durations(plan: &Plan, pops: usize, seed: u64, horizon: SimTime) -> (Vec<f64>, Vec<Incident>) {
    let mut last_end = vec![None; pops];
    let mut ups = Vec::new();
    let mut incidents = Vec::new();
    for i in Generator::new(plan, seed, horizon) {
        let Target::Pop(p) = i.target else { panic!("{i:?}") };
        if let Some(end) = last_end[p] {
            ups.push(i.start.since(end).as_secs_f64());
        }
        last_end[p] = Some(i.end);
        incidents.push(i);
    }
    (ups, incidents)
}

#[test]
fn weibull_times_to_failure_have_their_mean() {
    let pops = "pops = [\"AMS\", \"ARN\", \"ATH\", \"BCN\"]";
    // Scale 4 h, shape 2: mean 4 h · Γ(3/2) = 4 h · √π / 2.
    let f = "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nttf = { dist = \"weibull\", shape = 2, scale = \"4h\" }\nmttr = \"1h\"";
    let (plan, _) = plan_of(pops, f);
    let (ups, _) = up_times_and_durations(&plan, 4, 2, at(2000.0 * DAY));
    let mean = 4.0 * HOUR * std::f64::consts::PI.sqrt() / 2.0;
    assert!(ups.len() > 10_000, "{}", ups.len());
    assert_covers(&ups, Z_975, mean, "Weibull(2, 4h) up time");
    // Shape 1.5 given by its mean: the share of time down is the renewal
    // ratio E[TTR] / (E[TTF] + E[TTR]) = 1 / (3 + 1).
    let f = "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nttf = { dist = \"weibull\", shape = 1.5, mean = \"3h\" }\nmttr = \"1h\"";
    let (plan, _) = plan_of(pops, f);
    let (ups, _) = up_times_and_durations(&plan, 4, 3, at(2000.0 * DAY));
    assert_covers(&ups, Z_975, 3.0 * HOUR, "Weibull(1.5, mean 3h) up time");
    let (shares, _) = replicate(&plan, 4, 200.0 * DAY, 31);
    assert_covers(&shares, T_975_29, 0.25, "share of time down, Weibull failures");
}

#[test]
fn lognormal_repairs_have_their_mean() {
    let pops = "pops = [\"AMS\", \"ARN\"]";
    let f = "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nmtbf = \"1h\"\nttr = { dist = \"lognormal\", median = \"10m\", sigma = 1.0 }";
    let (plan, _) = plan_of(pops, f);
    let (_, incidents) = up_times_and_durations(&plan, 2, 5, at(1000.0 * DAY));
    let durations: Vec<f64> = incidents.iter().map(|i| i.duration().as_secs_f64()).collect();
    assert!(durations.len() > 10_000);
    // Mean of a lognormal: exp(mu + sigma²/2) = median · e^{1/2}.
    assert_covers(&durations, Z_975, 600.0 * 0.5f64.exp(), "lognormal(median 10m, sigma 1) repair");
    let f = "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nmtbf = \"1h\"\nttr = { dist = \"lognormal\", mean = \"20m\", sigma = 0.5 }";
    let (plan, _) = plan_of(pops, f);
    let (_, incidents) = up_times_and_durations(&plan, 2, 6, at(1000.0 * DAY));
    let durations: Vec<f64> = incidents.iter().map(|i| i.duration().as_secs_f64()).collect();
    assert_covers(&durations, Z_975, 1200.0, "lognormal(mean 20m, sigma 0.5) repair");
}

#[test]
fn a_share_of_repairs_needs_a_human_with_its_own_time() {
    let f = "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nmtbf = \"10h\"\nmttr = \"10m\"\n\
             human = { share = 0.2, ttr = { dist = \"exponential\", mean = \"4h\" } }";
    let (plan, _) = plan_of("pops = [\"AMS\", \"ARN\", \"ATH\"]", f);
    let (_, incidents) = up_times_and_durations(&plan, 3, 8, at(2000.0 * DAY));
    let human: Vec<f64> = incidents.iter().map(|i| f64::from(u8::from(i.cause == Cause::Human))).collect();
    assert_covers(&human, Z_975, 0.2, "share of human repairs");
    let by = |c: Cause| -> Vec<f64> {
        incidents.iter().filter(|i| i.cause == c).map(|i| i.duration().as_secs_f64()).collect()
    };
    assert_covers(&by(Cause::Human), Z_975, 4.0 * HOUR, "human repair time");
    assert_covers(&by(Cause::Random), Z_975, 600.0, "usual repair time");
}

const TEN_EU: &str =
    "pops = [\"AMS\", \"ARN\", \"ATH\", \"BCN\", \"BEG\", \"BER\", \"BHX\", \"BLQ\", \"AGP\", \"BFS\"]";

/// The PoPs each regional event takes, in event order.
fn events_of(plan: &Plan, seed: u64, horizon: SimTime) -> Vec<Vec<Incident>> {
    let mut events: Vec<Vec<Incident>> = Vec::new();
    for i in Generator::new(plan, seed, horizon) {
        let Cause::Regional { event } = i.cause else { continue };
        if event as usize == events.len() {
            events.push(Vec::new());
        }
        events.last_mut().expect("an event").push(i);
    }
    events
}

#[test]
fn regional_events_take_their_share_or_count_at_their_rate() {
    let event = |take: &str| {
        format!("[[failure]]\nkind = \"region-event\"\nregion = \"EU\"\nmtbf = \"10d\"\nmttr = \"1h\"\n{take}")
    };
    let horizon = at(3650.0 * DAY);
    // 0.3 of 10 is exactly 3; count = 4 is 4.
    for (take, k) in [("share = 0.3", 3), ("count = 4", 4)] {
        let (plan, _) = plan_of(TEN_EU, &event(take));
        let events = events_of(&plan, 11, horizon);
        assert!(events.len() > 300, "{}", events.len());
        for e in &events {
            assert_eq!(e.len(), k, "{take}");
            assert!(e.iter().all(|i| i.start == e[0].start && i.end == e[0].end && i.kind.as_str() == "pop-down"));
            assert!(e.windows(2).all(|w| w[0].target < w[1].target), "distinct PoPs in order");
        }
    }
    // 0.25 of 10: 2 or 3 PoPs, 2.5 on average. Events come at rate 1 / mtbf.
    let (plan, _) = plan_of(TEN_EU, &event("share = 0.25"));
    let events = events_of(&plan, 12, horizon);
    let shares: Vec<f64> = events.iter().map(|e| e.len() as f64 / 10.0).collect();
    assert!(events.iter().all(|e| e.len() == 2 || e.len() == 3));
    assert_covers(&shares, Z_975, 0.25, "share of the region's PoPs per event");
    let counts: Vec<f64> = (1..=30).map(|seed| events_of(&plan, seed, at(365.0 * DAY)).len() as f64).collect();
    assert_covers(&counts, T_975_29, 36.5, "regional events per year");
    // Every PoP is picked alike: hits per PoP against total / 10 (chi-square,
    // 9 degrees of freedom; picks within an event are without replacement,
    // which only narrows the spread, so the test is conservative).
    let mut hits = [0.0f64; 10];
    for i in events.iter().flatten() {
        let Target::Pop(p) = i.target else { panic!("{i:?}") };
        hits[p] += 1.0;
    }
    let expected = hits.iter().sum::<f64>() / 10.0;
    let chi2: f64 = hits.iter().map(|h| (h - expected) * (h - expected) / expected).sum();
    assert!(chi2 < chi2_95(9.0), "hits per PoP {hits:?}: chi-square {chi2}");
}

#[test]
fn incidents_come_in_order_and_a_pop_fails_on_its_own_only_when_up() {
    let f = "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nmtbf = \"5h\"\nmttr = \"1h\"\n\n\
             [[failure]]\nkind = \"region-event\"\nregion = \"EU\"\nmtbf = \"10h\"\nshare = 0.5\nmttr = \"3h\"";
    let (plan, _) = plan_of(TEN_EU, f);
    let mut down_until = [SimTime::ZERO; 10];
    let mut last_start = SimTime::ZERO;
    let (mut overlaps, mut extended) = (0, 0);
    for i in Generator::new(&plan, 13, at(200.0 * DAY)) {
        assert!(i.start >= last_start && i.end > i.start, "{i:?}");
        last_start = i.start;
        let Target::Pop(p) = i.target else { panic!("{i:?}") };
        let was_down = down_until[p] > i.start;
        assert_eq!(i.already_down, was_down, "{i:?}");
        if was_down {
            overlaps += 1;
            // Only an event strikes a PoP that is down; it stays down to the later repair.
            assert!(matches!(i.cause, Cause::Regional { .. }), "a PoP failed on its own while down: {i:?}");
            extended += usize::from(i.end > down_until[p]);
        }
        down_until[p] = down_until[p].max(i.end);
        assert_eq!(i.process, if matches!(i.cause, Cause::Regional { .. }) { 1 } else { 0 });
    }
    assert!(overlaps > 50 && extended > 10 && extended < overlaps, "{overlaps} overlaps, {extended} extended");
}

#[test]
fn the_same_seed_gives_the_same_incidents_and_another_process_changes_none_of_them() {
    let pop = "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nttf = { dist = \"weibull\", shape = 1.5, mean = \"2d\" }\nmttr = \"15m\"\n\
               human = { share = 0.1, mttr = \"4h\" }\n";
    let others = "\n[[failure]]\nkind = \"origin-down\"\nmtbf = \"3d\"\nmttr = \"5m\"\n\n\
                  [[failure]]\nkind = \"kv-primary-down\"\nregion = \"EU\"\nmtbf = \"1d\"\nmttr = \"2m\"\n\n\
                  [[failure]]\nkind = \"pop-down\"\npop = \"FRA\"\nmtbf = \"1d\"\nmttr = \"1m\"\n";
    let topology = "regions = [\"EU\"]";
    let (alone, _) = plan_of(topology, pop);
    let (with, _) = plan_of(topology, &format!("{others}{pop}"));
    let horizon = at(365.0 * DAY);
    let a: Vec<Incident> = Generator::new(&alone, 21, horizon).collect();
    let b: Vec<Incident> = Generator::new(&alone, 21, horizon).collect();
    assert!(a.len() > 1000);
    assert_eq!(a, b);
    let other_seed: Vec<Incident> = Generator::new(&alone, 22, horizon).collect();
    assert_ne!(a, other_seed);
    let all: Vec<Incident> = Generator::new(&with, 21, horizon).collect();
    let first: Vec<(SimTime, SimTime, Target, Cause)> =
        all.iter().filter(|i| i.process == 3).map(|i| (i.start, i.end, i.target, i.cause)).collect();
    let original: Vec<(SimTime, SimTime, Target, Cause)> =
        a.iter().map(|i| (i.start, i.end, i.target, i.cause)).collect();
    assert_eq!(first, original, "the pop-down process moved to the fourth table draws the same");
    assert!(all.iter().any(|i| i.target == Target::Origin && i.kind.as_str() == "origin-down"));
    assert!(all.iter().any(|i| i.target == Target::StateRegion(1) && i.kind.as_str() == "kv-primary-down"));
    // FRA has two competing processes (its own and every PoP's): both strike it.
    let Some(Target::Pop(fra)) = all.iter().find(|i| i.process == 2).map(|i| i.target) else {
        panic!("no FRA incident")
    };
    assert!(all.iter().any(|i| i.process == 3 && i.target == Target::Pop(fra)));
}

#[test]
fn memory_is_bounded_by_the_units_not_the_horizon() {
    let (plan, w) = plan_of("catalog = \"builtin\"", "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nmtbf = \"30d\"\nmttr = \"15m\"\n\n[[failure]]\nkind = \"region-event\"\nregion = \"NA\"\nmtbf = \"180d\"\nshare = 0.3\nmttr = \"1h\"");
    let g = Generator::new(&plan, 1, at(100.0 * 365.0 * DAY));
    assert_eq!(g.sources(), w.pops.len() + 1);
}

#[test]
fn names_outside_the_world_are_errors_at_their_place() {
    let eu = "regions = [\"EU\"]";
    let tail = "mtbf = \"1d\"\nmttr = \"1m\"";
    let cases = [
        (format!("[[failure]]\nkind = \"pop-down\"\npop = \"SJC\"\n{tail}"), "failure[1].pop (not in this topology)"),
        (
            format!("[[failure]]\nkind = \"pop-down\"\nregion = \"MARS\"\n{tail}"),
            "failure[1].region: unknown region \"MARS\"",
        ),
        (
            format!("[[failure]]\nkind = \"pop-down\"\nregion = \"NA\"\n{tail}"),
            "no PoP of this topology is in region NA",
        ),
        (
            format!("[[failure]]\nkind = \"region-event\"\nregion = \"EU\"\ncount = 1000\n{tail}"),
            "failure[1].count: 1000 is more than the",
        ),
    ];
    for (text, needle) in cases {
        let err = plan_error(eu, &text);
        assert!(err.contains(needle), "`{err}` lacks `{needle}`");
        assert!(err.contains("failures.toml:"), "located: {err}");
    }
}

#[test]
fn edgesim_validate_rejects_a_bad_failure_table_with_exit_2_at_its_place() {
    let dir = crate::util::temp_dir("validate");
    let base = std::fs::read_to_string(crate::util::tiny_scenario()).expect("tiny.toml");
    let cases = [
        ("share", "[[failure]]\nkind = \"region-event\"\nregion = \"NA\"\nmtbf = \"180d\"\nmttr = \"1h\"\nshare = 1.5\n", "got 1.5"),
        ("human", "[[failure]]\nkind = \"pop-down\"\npop = \"SJC\"\nmtbf = \"30d\"\nmttr = \"15m\"\nhuman = { share = 0.1 }\n", "failure[1].human: needs one of mttr"),
        ("pop", "[[failure]]\nkind = \"pop-down\"\npop = \"FRA\"\nmtbf = \"30d\"\nmttr = \"15m\"\n", "failure[1].pop (not in this topology)"),
        ("key", "[[failure]]\nkind = \"origin-down\"\nmtbf = \"30d\"\nmttr = \"15m\"\nmtfb = \"1d\"\n", "unknown field `mtfb`"),
    ];
    for (name, table, needle) in cases {
        let path = crate::util::write_scenario(&dir, name, &format!("{base}\n{table}"));
        let (code, err) = crate::util::edgesim_code(["validate", crate::util::s(&path)]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(needle) && err.contains(&format!("{name}.toml:")), "{name}: `{err}` lacks `{needle}`");
    }
    let ok = crate::util::write_scenario(
        &dir,
        "ok",
        &format!("{base}\n{}", "[[failure]]\nkind = \"pop-down\"\npops = \"all\"\nmtbf = \"30d\"\nmttr = \"15m\"\n"),
    );
    let (code, err) = crate::util::edgesim_code(["validate", crate::util::s(&ok)]);
    assert_eq!(code, 0, "{err}");
}
