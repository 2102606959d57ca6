//! Baselines: a stored `summary.json` that later runs of the same scenario
//! are compared against, so that a change of a failover design that moves
//! its timeline or its latency shows up as drift.
//!
//! `edgesim baseline ... --out DIR` stores each scenario's summary as
//! `DIR/<scenario name>.json`; `edgesim check ... --baseline DIR` compares:
//!
//! - per fault (matched by position; kind, target and start must agree):
//!   every failover timeline step, `rto_s`, and, for a Durable Object
//!   failover, `rpo_s` and `object_rto_s` (p50, p99, max), against an
//!   absolute tolerance in seconds;
//! - the overall latency percentiles (p50, p90, p99, p999), against a
//!   relative tolerance.
//!
//! A step present on one side only, or a fault that changed, is drift.
//! Both sides are [`Record`]s: plain data that the report layer makes from
//! a summary (`report::summary` reads baseline files), so this module knows
//! no file layout.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What a baseline comparison reads of a run: its seed, each fault's
/// failover timeline and the overall latency percentiles.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The run's master seed.
    pub seed: u64,
    /// Per fault, in file order.
    pub faults: Vec<FaultTimeline>,
    /// Overall latency of successes, ms: p50, p90, p99, p999 (the order of
    /// [`LATENCY_KEYS`]).
    pub latency_ms: [f64; 4],
}

/// One fault's identity and failover timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultTimeline {
    /// Its kind, e.g. `pop-down`.
    pub kind: String,
    /// What it struck, e.g. a PoP code.
    pub target: String,
    /// When it struck, s since the start of the run.
    pub at_s: f64,
    /// Named steps, s after the fault (`fault` itself is 0 and not compared).
    pub timeline: BTreeMap<String, f64>,
    /// Recovery time, s (`None` when not recovered).
    pub rto_s: Option<f64>,
    /// For a Durable Object failover: what was lost and how the objects came back.
    pub durable_objects: Option<DoTimeline>,
}

/// A Durable Object failover's measures.
#[derive(Debug, Clone, PartialEq)]
pub struct DoTimeline {
    /// Age of the oldest acknowledged write lost, s.
    pub rpo_s: f64,
    /// The objects' recovery times, s: p50, p99, max.
    pub object_rto_s: [f64; 3],
}

/// How far a value may move before it counts as drift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// For times (timeline steps, RTO, RPO), seconds.
    pub abs_s: f64,
    /// For latency percentiles, a fraction of the baseline's value.
    pub rel: f64,
}

impl Default for Tolerance {
    /// 1 s for times, 10% for latency.
    fn default() -> Self {
        Tolerance { abs_s: 1.0, rel: 0.10 }
    }
}

/// How one compared metric came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffStatus {
    /// Exactly the baseline's value.
    Same,
    /// Moved, within tolerance.
    Within,
    /// Moved beyond tolerance (or appeared, vanished or changed identity).
    Drift,
}

impl DiffStatus {
    /// `same`, `ok` or `DRIFT`, as the terminal table prints it.
    pub fn label(self) -> &'static str {
        match self {
            DiffStatus::Same => "same",
            DiffStatus::Within => "ok",
            DiffStatus::Drift => "DRIFT",
        }
    }
}

/// One compared metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffRow {
    /// Which value, e.g. `fault 1 rto_s` or `latency_ms.p99`.
    pub metric: String,
    /// `s` or `ms`.
    pub unit: &'static str,
    /// The baseline's value (null when it had none).
    pub baseline: Option<f64>,
    /// This run's value (null when it has none).
    pub now: Option<f64>,
    /// now - baseline, when both exist.
    pub delta: Option<f64>,
    /// The largest |delta| allowed, in `unit`.
    pub tolerance: f64,
    /// same, within or drift.
    pub status: DiffStatus,
    /// Why, when it is not a plain number comparison.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A scenario's run compared with its baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineDiff {
    /// The baseline file.
    pub file: String,
    /// The seed the baseline was made with.
    pub baseline_seed: Option<u64>,
    /// The seed of this run.
    pub seed: Option<u64>,
    /// The absolute tolerance for times, s.
    pub tolerance_abs_s: f64,
    /// The relative tolerance for latency.
    pub tolerance_rel: f64,
    /// Metrics compared.
    pub compared: usize,
    /// Of those, identical.
    pub identical: usize,
    /// Moved within tolerance.
    pub within: usize,
    /// Drifted beyond tolerance.
    pub drifted: usize,
    /// Every compared metric.
    pub rows: Vec<DiffRow>,
}

/// The timeline steps in the order they happen (the fault itself, step 0,
/// is no measure); others follow by name.
const STEP_ORDER: &[&str] = crate::metrics::faults::TIMELINE_STEPS.split_at(1).1;

/// Latency percentiles compared (keys of the summary's `latency_ms`).
pub const LATENCY_KEYS: [&str; 4] = ["p50", "p90", "p99", "p999"];

/// Allowance for floating-point noise when comparing with a tolerance.
const EPS: f64 = 1e-9;

struct Rows {
    tol: Tolerance,
    rows: Vec<DiffRow>,
}

impl Rows {
    /// Compares two optional values against an absolute `tolerance`.
    fn push(&mut self, metric: String, unit: &'static str, base: Option<f64>, now: Option<f64>, tolerance: f64) {
        let (delta, status) = match (base, now) {
            (Some(b), Some(n)) => {
                let d = n - b;
                let status = if d == 0.0 {
                    DiffStatus::Same
                } else if d.abs() <= tolerance + EPS {
                    DiffStatus::Within
                } else {
                    DiffStatus::Drift
                };
                (Some(d), status)
            }
            (None, None) => (None, DiffStatus::Same),
            _ => (None, DiffStatus::Drift),
        };
        let note = match (base, now) {
            (Some(_), None) => Some("happened in the baseline, not in this run".to_string()),
            (None, Some(_)) => Some("happened in this run, not in the baseline".to_string()),
            _ => None,
        };
        self.rows.push(DiffRow { metric, unit, baseline: base, now, delta, tolerance, status, note });
    }

    fn time(&mut self, metric: String, base: Option<f64>, now: Option<f64>) {
        let tol = self.tol.abs_s;
        self.push(metric, "s", base, now, tol);
    }
}

fn identity(f: &FaultTimeline) -> String {
    format!("{} {} at {}s", f.kind, f.target, f.at_s)
}

fn compare_fault(rows: &mut Rows, n: usize, base: Option<&FaultTimeline>, now: Option<&FaultTimeline>) {
    let label = format!("fault {n}");
    let (bi, wi) = (base.map(identity), now.map(identity));
    if bi != wi {
        let note = match (&bi, &wi) {
            (Some(x), Some(y)) => format!("was {x}, now {y}"),
            (Some(x), None) => format!("{x} is no longer in the scenario"),
            (None, Some(y)) => format!("{y} is new"),
            (None, None) => String::new(),
        };
        rows.rows.push(DiffRow {
            metric: label.clone(),
            unit: "s",
            baseline: base.map(|f| f.at_s),
            now: now.map(|f| f.at_s),
            delta: None,
            tolerance: 0.0,
            status: DiffStatus::Drift,
            note: Some(note),
        });
    }
    let step = |f: Option<&FaultTimeline>, name: &str| f.and_then(|f| f.timeline.get(name).copied());
    let mut steps: Vec<String> = STEP_ORDER.iter().map(|s| s.to_string()).collect();
    let mut others: Vec<String> = [base, now]
        .iter()
        .flatten()
        .flat_map(|f| f.timeline.keys().cloned())
        .filter(|k| k != "fault" && !STEP_ORDER.contains(&k.as_str()))
        .collect();
    others.sort();
    others.dedup();
    steps.extend(others);
    for name in &steps {
        let (x, y) = (step(base, name), step(now, name));
        if x.is_some() || y.is_some() {
            rows.time(format!("{label} timeline.{name}"), x, y);
        }
    }
    rows.time(format!("{label} rto_s"), base.and_then(|f| f.rto_s), now.and_then(|f| f.rto_s));
    let (bd, wd) = (base.and_then(|f| f.durable_objects.as_ref()), now.and_then(|f| f.durable_objects.as_ref()));
    if bd.is_some() || wd.is_some() {
        rows.time(format!("{label} durable_objects.rpo_s"), bd.map(|d| d.rpo_s), wd.map(|d| d.rpo_s));
        for (k, q) in ["p50", "p99", "max"].iter().enumerate() {
            let (x, y) = (bd.map(|d| d.object_rto_s[k]), wd.map(|d| d.object_rto_s[k]));
            rows.time(format!("{label} durable_objects.object_rto_s.{q}"), x, y);
        }
    }
}

/// Compares this run's record (`now`) with a stored one (`baseline`, read
/// from `file`).
pub fn diff(file: &str, baseline: &Record, now: &Record, tol: Tolerance) -> BaselineDiff {
    let mut rows = Rows { tol, rows: Vec::new() };
    let (bf, wf) = (&baseline.faults, &now.faults);
    for i in 0..bf.len().max(wf.len()) {
        compare_fault(&mut rows, i + 1, bf.get(i), wf.get(i));
    }
    for (k, q) in LATENCY_KEYS.iter().enumerate() {
        let (x, y) = (baseline.latency_ms[k], now.latency_ms[k]);
        rows.push(format!("latency_ms.{q}"), "ms", Some(x), Some(y), (x * tol.rel).abs());
    }
    let rows = rows.rows;
    let count = |s: DiffStatus| rows.iter().filter(|r| r.status == s).count();
    BaselineDiff {
        file: file.to_string(),
        baseline_seed: Some(baseline.seed),
        seed: Some(now.seed),
        tolerance_abs_s: tol.abs_s,
        tolerance_rel: tol.rel,
        compared: rows.len(),
        identical: count(DiffStatus::Same),
        within: count(DiffStatus::Within),
        drifted: count(DiffStatus::Drift),
        rows,
    }
}

fn fmt_value(v: Option<f64>, unit: &str) -> String {
    v.map_or("-".to_string(), |v| format!("{v:.3}{unit}"))
}

/// The diff as a small table for the terminal: a heading line, then the
/// rows that moved (identical ones are only counted).
pub fn table(d: &BaselineDiff, indent: &str) -> String {
    let mut t = String::new();
    let _ = write!(
        t,
        "{indent}baseline {}: {} metrics, {} identical, {} within tolerance, {} drifted",
        d.file, d.compared, d.identical, d.within, d.drifted
    );
    if let (Some(b), Some(n)) = (d.baseline_seed, d.seed) {
        if b != n {
            let _ = write!(t, " (baseline seed {b}, this run's seed {n}: values are not comparable draw for draw)");
        }
    }
    t.push('\n');
    let moved: Vec<&DiffRow> = d.rows.iter().filter(|r| r.status != DiffStatus::Same).collect();
    if moved.is_empty() {
        return t;
    }
    let width = moved.iter().map(|r| r.metric.len()).max().unwrap_or(6).max(6);
    let _ = writeln!(
        t,
        "{indent}  {:<width$}  {:>12}  {:>12}  {:>12}  {:>11}  verdict",
        "metric", "baseline", "now", "delta", "tolerance"
    );
    for r in moved {
        let delta = r.delta.map_or("-".to_string(), |d| format!("{d:+.3}{}", r.unit));
        let _ = write!(
            t,
            "{indent}  {:<width$}  {:>12}  {:>12}  {:>12}  {:>11}  {}",
            r.metric,
            fmt_value(r.baseline, r.unit),
            fmt_value(r.now, r.unit),
            delta,
            format!("±{:.3}{}", r.tolerance, r.unit),
            r.status.label()
        );
        if let Some(n) = &r.note {
            let _ = write!(t, "  ({n})");
        }
        t.push('\n');
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(rto: Option<f64>, detected: f64, p99: f64) -> Record {
        let timeline = [("fault", 0.0), ("detected", detected), ("withdrawal_started", detected + 5.0)]
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        Record {
            seed: 42,
            faults: vec![FaultTimeline {
                kind: "pop-down".into(),
                target: "SJC".into(),
                at_s: 120.0,
                timeline,
                rto_s: rto,
                durable_objects: None,
            }],
            latency_ms: [5.0, 8.0, p99, 100.0],
        }
    }

    #[test]
    fn identical_records_do_not_drift() {
        let a = record(Some(18.0), 1.0, 20.0);
        let d = diff("b.json", &a, &a, Tolerance::default());
        assert_eq!((d.drifted, d.within), (0, 0));
        assert_eq!(d.identical, d.compared);
        // detected, withdrawal_started, rto_s and four percentiles.
        assert_eq!(d.compared, 7);
    }

    #[test]
    fn tolerances_are_absolute_for_times_and_relative_for_latency() {
        let a = record(Some(18.0), 1.0, 20.0);
        let b = record(Some(18.9), 1.0, 21.9);
        let d = diff("b.json", &a, &b, Tolerance::default());
        assert_eq!((d.drifted, d.within), (0, 2), "{d:#?}");
        let c = record(Some(19.5), 1.0, 22.5);
        let d = diff("b.json", &a, &c, Tolerance::default());
        let drifted: Vec<&str> =
            d.rows.iter().filter(|r| r.status == DiffStatus::Drift).map(|r| r.metric.as_str()).collect();
        assert_eq!(drifted, ["fault 1 rto_s", "latency_ms.p99"]);
        assert!(table(&d, "").contains("DRIFT"));
    }

    #[test]
    fn a_step_on_one_side_only_or_a_changed_fault_is_drift() {
        let a = record(Some(18.0), 1.0, 20.0);
        let b = record(None, 1.0, 20.0);
        let d = diff("b.json", &a, &b, Tolerance { abs_s: 100.0, rel: 1.0 });
        assert_eq!(d.drifted, 1);
        let mut c = a.clone();
        c.faults[0].target = "LAX".into();
        let d = diff("b.json", &a, &c, Tolerance::default());
        assert_eq!(d.drifted, 1);
        assert!(d.rows[0].note.as_deref().is_some_and(|n| n.contains("now pop-down LAX")), "{:?}", d.rows[0]);
    }

    #[test]
    fn a_durable_object_failover_on_one_side_drifts_on_each_measure() {
        let a = record(Some(18.0), 1.0, 20.0);
        let mut b = a.clone();
        b.faults[0].durable_objects = Some(DoTimeline { rpo_s: 0.5, object_rto_s: [1.0, 2.0, 3.0] });
        let d = diff("b.json", &a, &b, Tolerance::default());
        let drifted: Vec<&str> =
            d.rows.iter().filter(|r| r.status == DiffStatus::Drift).map(|r| r.metric.as_str()).collect();
        assert_eq!(
            drifted,
            [
                "fault 1 durable_objects.rpo_s",
                "fault 1 durable_objects.object_rto_s.p50",
                "fault 1 durable_objects.object_rto_s.p99",
                "fault 1 durable_objects.object_rto_s.max"
            ]
        );
    }
}
