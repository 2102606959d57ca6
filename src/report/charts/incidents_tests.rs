//! Unit tests of the incident charts' data: incidents.csv written from
//! hand-made incident records and read back, the RTO ECDF, the day marks,
//! the downtime by cause and the nines axis, each against a hand
//! calculation.

use super::*;
use crate::engine::SimDuration;
use crate::report::charts::incident_charts::{nines, nines_label};
use std::fs;

fn at(s: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(s)
}

/// A measured PoP incident on `pop` from `start` to `end` s.
fn record(start: u64, end: u64, pop: &str, cause: Cause, rto_ms: Option<u64>) -> IncidentRecord {
    IncidentRecord {
        start: at(start),
        end: at(end),
        kind: FaultKind::PopDown,
        target: pop.to_string(),
        pops: Vec::new(),
        cause,
        process: 0,
        already_down: false,
        rto: rto_ms.map(SimDuration::from_millis),
        rto_measured: true,
        requests_lost: 7,
    }
}

fn row(start_s: f64, end_s: f64, kind: &str, cause: &str, event: Option<u32>, pops: &[&str]) -> IncidentRow {
    IncidentRow {
        start_s,
        end_s,
        kind: kind.to_string(),
        cause: cause.to_string(),
        event,
        pops: pops.iter().map(|p| p.to_string()).collect(),
        rto_s: None,
        rto_measured: false,
    }
}

/// incidents.csv of `inc` (run end `end` s), written and read back.
fn round_trip(inc: &IncidentResult, end: u64, name: &str) -> Vec<IncidentRow> {
    let text = incidents_csv_of(inc, at(end), |r| vec![r.target.clone()]);
    let path = std::env::temp_dir().join(format!("edgesim-incidents-{}-{name}.csv", std::process::id()));
    fs::write(&path, text).expect("write the CSV");
    let rows = read_incidents(&path);
    let _ = fs::remove_file(&path);
    rows.expect("read the CSV back")
}

#[test]
fn ecdf_steps_at_each_distinct_rto_over_every_measured_incident() {
    // Sorted: 10, 20, 20, 40 and one not recovered: 5 measured, so the
    // steps are 1/5 at 10, 3/5 at 20 (two incidents), 4/5 at 40.
    let e = rto_ecdf(&[Some(20.0), None, Some(10.0), Some(20.0), Some(40.0)]);
    assert_eq!(e.points, vec![(10.0, 0.2), (20.0, 0.6), (40.0, 0.8)]);
    assert_eq!((e.measured, e.unrecovered), (5, 1));
    let none = rto_ecdf(&[]);
    assert!(none.points.is_empty());
    assert_eq!((none.measured, none.unrecovered), (0, 0));
    let all_lost = rto_ecdf(&[None, None]);
    assert!(all_lost.points.is_empty());
    assert_eq!(all_lost.unrecovered, 2);
}

#[test]
fn csv_from_records_gives_the_ecdf_of_their_rtos() {
    let mut unmeasured = record(500, 900, "LHR", Cause::Random, None);
    unmeasured.rto_measured = false;
    let inc = IncidentResult {
        records: vec![
            record(100, 400, "SJC", Cause::Random, Some(12_500)),
            record(200, 300, "FRA", Cause::Human, None),
            unmeasured,
            record(800, 5_000, "AMS", Cause::Regional { event: 3 }, Some(45_000)),
        ],
        ..IncidentResult::default()
    };
    let rows = round_trip(&inc, 1_000, "ecdf");
    assert_eq!(rows.len(), 4);
    // The end is clipped to the run's; the regional event keeps its number.
    assert_eq!((rows[3].start_s, rows[3].end_s, rows[3].event), (800.0, 1_000.0, Some(3)));
    assert_eq!(rows[0].pops, ["SJC"]);
    let rtos = measured_rtos(&rows, "pop-down");
    assert_eq!(rtos, vec![Some(12.5), None, Some(45.0)]);
    // Three measured: 12.5 s at 1/3, 45 s at 2/3, one not recovered.
    let e = rto_ecdf(&rtos);
    assert_eq!(e.points, vec![(12.5, 1.0 / 3.0), (45.0, 2.0 / 3.0)]);
    assert_eq!((e.measured, e.unrecovered), (3, 1));
}

#[test]
fn csv_seconds_are_exact_nanoseconds() {
    assert_eq!(ns_secs(0), "0.000000000");
    assert_eq!(ns_secs(12_500_000_001), "12.500000001");
}

#[test]
fn day_marks_tick_pop_incidents_and_span_regional_events() {
    let rows = [
        row(43_200.0, 51_840.0, "pop-down", "random", None, &["SJC"]),
        row(86_400.0, 90_000.0, "pop-down", "regional", Some(0), &["LHR"]),
        row(100_000.0, 129_600.0, "pop-down", "human", None, &["SJC"]),
        row(88_000.0, 108_000.0, "pop-down", "regional", Some(0), &["FRA"]),
        row(172_800.0, 175_000.0, "region-down", "random", None, &["LHR", "FRA"]),
    ];
    let m = day_marks(&rows);
    let summary: Vec<(f64, f64, &str, bool, usize)> =
        m.iter().map(|m| (m.from, m.to, m.cause.as_str(), m.span, m.incidents)).collect();
    assert_eq!(
        summary,
        vec![
            (0.5, 0.6, "random", false, 1),
            // Event 0: from its first start (day 1) to its last end (1.25 d).
            (1.0, 1.25, "regional", true, 2),
            (100_000.0 / 86_400.0, 1.5, "human", false, 1),
            (2.0, 175_000.0 / 86_400.0, "random", true, 1),
        ]
    );
}

#[test]
fn downtime_counts_each_pop_moment_once_for_the_first_incident() {
    let rows = [
        row(0.0, 100.0, "pop-down", "random", None, &["A"]),
        row(50.0, 200.0, "pop-down", "human", None, &["A"]),
        row(10.0, 40.0, "pop-down", "regional", Some(0), &["B"]),
        row(20.0, 60.0, "region-down", "random", None, &["B", "C"]),
        row(290.0, 400.0, "pop-down", "random", None, &["A"]),
        row(300.0, 310.0, "pop-down", "human", None, &["A"]),
        row(0.0, 500.0, "origin-down", "random", None, &[]),
    ];
    let d = downtime_by_cause(&rows);
    // A: random 0-100 and 290-400 (110; human's 300-310 lies inside),
    // human 100-200; B: regional 10-40, region-down 40-60; C: 20-60.
    let expected = vec![
        ("random".to_string(), "pop-down".to_string(), 210.0),
        ("random".to_string(), "region-down".to_string(), 60.0),
        ("human".to_string(), "pop-down".to_string(), 100.0),
        ("regional".to_string(), "pop-down".to_string(), 30.0),
    ];
    assert_eq!(d.bars, expected);
    assert_eq!((d.of_cause("random"), d.of_cause("human"), d.of_cause("regional")), (270.0, 100.0, 30.0));
    // The total is the union of each PoP's down time: A 310, B 50, C 40.
    assert_eq!(d.bars.iter().map(|b| b.2).sum::<f64>(), 400.0);
    assert_eq!(d.kinds(), ["pop-down", "region-down"]);
}

#[test]
fn nines_axis_reads_as_availability() {
    assert!((nines(0.9999).expect("a nine") - 4.0).abs() < 1e-9);
    assert_eq!(nines(1.0), None);
    assert_eq!(nines_label(4.0), "99.99%");
    assert_eq!(nines_label(2.0), "99%");
    assert_eq!(nines_label(1.0), "90%");
    assert_eq!(nines_label(3.5), "99.968%");
}
