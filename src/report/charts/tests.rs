//! Unit tests of the charts' data shaping.

use super::draw::{secs, tick};
use super::input::{ordered_steps, PopTick};
use super::levels::highest_level;
use super::time::{ratio_range, segments};
use super::traffic::{traffic_series, TRAFFIC_TOP};
use super::FAULT_STEPS;

#[test]
fn segments_break_at_gaps_and_keep_lone_points() {
    let pts = [(0.0, None), (1.0, Some(1.0)), (2.0, Some(2.0)), (3.0, None), (4.0, Some(4.0))];
    let s = segments(pts.into_iter());
    assert_eq!(s, vec![vec![(1.0, 1.0), (2.0, 2.0)], vec![(4.0, 4.0)]]);
}

#[test]
fn highest_level_holds_each_scope_until_it_changes() {
    let rows = [(1.0, "A", 0.0), (1.0, "B", 2.0), (2.0, "B", 0.0), (3.0, "A", 1.0), (4.0, "A", 1.0)];
    assert_eq!(highest_level(rows.into_iter()), vec![(1.0, 2.0), (2.0, 0.0), (3.0, 1.0)]);
}

#[test]
fn traffic_keeps_the_busiest_and_sums_the_rest() {
    let tick = |t: f64, pop: &str, arrivals: f64| PopTick { t, pop: pop.into(), arrivals, shed_level: 0.0 };
    let mut ticks = Vec::new();
    for i in 0..10 {
        ticks.push(tick(1.0, &format!("P{i}"), f64::from(i)));
        ticks.push(tick(2.0, &format!("P{i}"), f64::from(i)));
    }
    let s = traffic_series(&ticks, &[]);
    assert_eq!(s.len(), TRAFFIC_TOP + 1);
    assert_eq!(s[0].0, "P9");
    assert_eq!(s[TRAFFIC_TOP].0, "other (2 PoPs)");
    assert_eq!(s[TRAFFIC_TOP].1, vec![(1.0, 1.0), (2.0, 1.0)]);
    let s = traffic_series(&ticks, &["P0"]);
    assert_eq!(s[TRAFFIC_TOP - 1].0, "P0", "a struck PoP is always drawn");
    assert_eq!(s[TRAFFIC_TOP].1, vec![(1.0, 3.0), (2.0, 3.0)]);
}

#[test]
fn ratio_range_covers_the_lowest_and_one() {
    let (r, _) = ratio_range(0.93);
    assert!(r.start <= 0.93 && r.start >= 0.9 && r.end > 1.0, "{r:?}");
    let (r, _) = ratio_range(0.99);
    assert!(r.start < 0.99 && r.start >= 0.98, "{r:?}");
}

#[test]
fn steps_sort_by_time_then_usual_order() {
    let s = vec![("recovered".into(), 6.0), ("withdrawal_started".into(), 6.0), ("detected".into(), 1.0)];
    let names: Vec<String> = ordered_steps(s, &FAULT_STEPS).into_iter().map(|p| p.0).collect();
    assert_eq!(names, ["detected", "withdrawal_started", "recovered"]);
}

#[test]
fn ticks_and_seconds_read_well() {
    assert_eq!(tick(1000.0, 3), "1000");
    assert_eq!(tick(0.995, 3), "0.995");
    assert_eq!(secs(6.0), "6s");
    assert_eq!(secs(24.970057), "24.97s");
}
