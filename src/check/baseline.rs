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
//! Both summaries are read as JSON values, so this module depends on the
//! summary's field names only.

use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

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

/// Latency percentiles compared (keys of `latency_ms`).
const LATENCY_KEYS: [&str; 4] = ["p50", "p90", "p99", "p999"];

/// Allowance for floating-point noise when comparing with a tolerance.
const EPS: f64 = 1e-9;

/// Reads a baseline file and checks that it is a summary of `scenario`.
pub fn load(path: &Path, scenario: &str) -> Result<Value, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read the baseline: {e}", path.display()))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a baseline (summary.json) file: {e}", path.display()))?;
    let Some(version) = v.get("schema_version").and_then(Value::as_u64) else {
        return Err(format!("{}: not a baseline (summary.json) file: no schema_version", path.display()));
    };
    if version != u64::from(SUMMARY_SCHEMA_VERSION) {
        return Err(format!(
            "{}: summary layout version {version} but this edgesim compares version {SUMMARY_SCHEMA_VERSION}; \
             make the baseline again with `edgesim baseline`",
            path.display()
        ));
    }
    match v.get("scenario").and_then(Value::as_str) {
        Some(name) if name != scenario => {
            return Err(format!("{}: is the baseline of scenario \"{name}\", not \"{scenario}\"", path.display()))
        }
        Some(_) => {}
        None => return Err(format!("{}: not a baseline (summary.json) file: no scenario name", path.display())),
    }
    check_shape(&v).map_err(|e| format!("{}: not a baseline (summary.json) file: {e}", path.display()))?;
    Ok(v)
}

/// The summary layout this edgesim writes and compares.
const SUMMARY_SCHEMA_VERSION: u32 = crate::report::summary::SCHEMA_VERSION;

/// What [`compare`] reads is there with its type: `seed` a whole number,
/// `faults` an array of objects, `latency_ms` an object of numbers.
fn check_shape(v: &Value) -> Result<(), String> {
    if !v.get("seed").is_some_and(Value::is_u64) {
        return Err("expected \"seed\", a whole number".into());
    }
    let faults = v.get("faults").and_then(Value::as_array).ok_or("expected \"faults\", an array")?;
    if let Some(i) = faults.iter().position(|f| !f.is_object()) {
        return Err(format!("faults[{i}] is not an object"));
    }
    let latency = v.get("latency_ms").and_then(Value::as_object).ok_or("expected \"latency_ms\", an object")?;
    for q in LATENCY_KEYS {
        if !latency.get(q).is_some_and(|x| x.is_number() || x.is_null()) {
            return Err(format!("expected latency_ms.{q}, a number"));
        }
    }
    Ok(())
}

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

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

fn identity(f: &Value) -> String {
    let s = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("?").to_string();
    let at = num(f, "at_s").map_or("?".to_string(), |a| format!("{a}s"));
    format!("{} {} at {at}", s("kind"), s("target"))
}

fn compare_fault(rows: &mut Rows, n: usize, base: Option<&Value>, now: Option<&Value>) {
    let null = Value::Null;
    let (b, w) = (base.unwrap_or(&null), now.unwrap_or(&null));
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
            baseline: base.and_then(|f| num(f, "at_s")),
            now: now.and_then(|f| num(f, "at_s")),
            delta: None,
            tolerance: 0.0,
            status: DiffStatus::Drift,
            note: Some(note),
        });
    }
    let (bt, wt) = (b.get("timeline").unwrap_or(&null), w.get("timeline").unwrap_or(&null));
    let mut steps: Vec<String> = STEP_ORDER.iter().map(|s| s.to_string()).collect();
    let mut others: Vec<String> = [bt, wt]
        .iter()
        .filter_map(|t| t.as_object())
        .flat_map(|o| o.keys().cloned())
        .filter(|k| k != "fault" && !STEP_ORDER.contains(&k.as_str()))
        .collect();
    others.sort();
    others.dedup();
    steps.extend(others);
    for step in &steps {
        let (x, y) = (num(bt, step), num(wt, step));
        if x.is_some() || y.is_some() {
            rows.time(format!("{label} timeline.{step}"), x, y);
        }
    }
    rows.time(format!("{label} rto_s"), num(b, "rto_s"), num(w, "rto_s"));
    let (bd, wd) = (b.get("durable_objects"), w.get("durable_objects"));
    if bd.is_some() || wd.is_some() {
        let (bd, wd) = (bd.unwrap_or(&null), wd.unwrap_or(&null));
        rows.time(format!("{label} durable_objects.rpo_s"), num(bd, "rpo_s"), num(wd, "rpo_s"));
        let (bq, wq) = (bd.get("object_rto_s").unwrap_or(&null), wd.get("object_rto_s").unwrap_or(&null));
        for q in ["p50", "p99", "max"] {
            rows.time(format!("{label} durable_objects.object_rto_s.{q}"), num(bq, q), num(wq, q));
        }
    }
}

/// Compares this run's summary (`now`, as JSON) with a stored one.
pub fn compare(file: &str, baseline: &Value, now: &Value, tol: Tolerance) -> BaselineDiff {
    let mut rows = Rows { tol, rows: Vec::new() };
    let empty = Vec::new();
    let faults = |v: &Value| v.get("faults").and_then(Value::as_array).unwrap_or(&empty).clone();
    let (bf, wf) = (faults(baseline), faults(now));
    for i in 0..bf.len().max(wf.len()) {
        compare_fault(&mut rows, i + 1, bf.get(i), wf.get(i));
    }
    let null = Value::Null;
    let (bl, wl) = (baseline.get("latency_ms").unwrap_or(&null), now.get("latency_ms").unwrap_or(&null));
    for q in LATENCY_KEYS {
        let (x, y) = (num(bl, q), num(wl, q));
        let tolerance = x.map_or(0.0, |b| (b * tol.rel).abs());
        rows.push(format!("latency_ms.{q}"), "ms", x, y, tolerance);
    }
    let rows = rows.rows;
    let count = |s: DiffStatus| rows.iter().filter(|r| r.status == s).count();
    BaselineDiff {
        file: file.to_string(),
        baseline_seed: baseline.get("seed").and_then(Value::as_u64),
        seed: now.get("seed").and_then(Value::as_u64),
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
    use serde_json::json;

    fn summary(rto: Option<f64>, detected: f64, p99: f64) -> Value {
        json!({
            "schema_version": SUMMARY_SCHEMA_VERSION,
            "scenario": "s",
            "seed": 42,
            "latency_ms": { "p50": 5.0, "p90": 8.0, "p99": p99, "p999": 100.0 },
            "faults": [{
                "kind": "pop-down", "target": "SJC", "at_s": 120.0,
                "timeline": { "fault": 0.0, "detected": detected, "withdrawal_started": detected + 5.0 },
                "rto_s": rto
            }]
        })
    }

    #[test]
    fn identical_summaries_do_not_drift() {
        let a = summary(Some(18.0), 1.0, 20.0);
        let d = compare("b.json", &a, &a, Tolerance::default());
        assert_eq!((d.drifted, d.within), (0, 0));
        assert_eq!(d.identical, d.compared);
        // detected, withdrawal_started, rto_s and four percentiles.
        assert_eq!(d.compared, 7);
    }

    #[test]
    fn tolerances_are_absolute_for_times_and_relative_for_latency() {
        let a = summary(Some(18.0), 1.0, 20.0);
        let b = summary(Some(18.9), 1.0, 21.9);
        let d = compare("b.json", &a, &b, Tolerance::default());
        assert_eq!((d.drifted, d.within), (0, 2), "{d:#?}");
        let c = summary(Some(19.5), 1.0, 22.5);
        let d = compare("b.json", &a, &c, Tolerance::default());
        let drifted: Vec<&str> =
            d.rows.iter().filter(|r| r.status == DiffStatus::Drift).map(|r| r.metric.as_str()).collect();
        assert_eq!(drifted, ["fault 1 rto_s", "latency_ms.p99"]);
        assert!(table(&d, "").contains("DRIFT"));
    }

    #[test]
    fn a_step_on_one_side_only_or_a_changed_fault_is_drift() {
        let a = summary(Some(18.0), 1.0, 20.0);
        let b = summary(None, 1.0, 20.0);
        let d = compare("b.json", &a, &b, Tolerance { abs_s: 100.0, rel: 1.0 });
        assert_eq!(d.drifted, 1);
        let mut c = a.clone();
        c["faults"][0]["target"] = json!("LAX");
        let d = compare("b.json", &a, &c, Tolerance::default());
        assert_eq!(d.drifted, 1);
        assert!(d.rows[0].note.as_deref().is_some_and(|n| n.contains("now pop-down LAX")), "{:?}", d.rows[0]);
    }

    #[test]
    fn load_rejects_other_scenarios_and_non_summaries() {
        let dir = std::env::temp_dir().join(format!("edgesim-baseline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let p = dir.join("s.json");
        std::fs::write(&p, summary(None, 1.0, 2.0).to_string()).expect("write");
        assert!(load(&p, "s").is_ok());
        assert!(load(&p, "t").is_err_and(|e| e.contains("not \"t\"")));
        std::fs::write(&p, "{\"a\": 1}").expect("write");
        assert!(load(&p, "s").is_err());
        let mut other = summary(None, 1.0, 2.0);
        other["schema_version"] = json!(SUMMARY_SCHEMA_VERSION + 1);
        std::fs::write(&p, other.to_string()).expect("write");
        assert!(load(&p, "s").is_err_and(|e| e.contains("layout version")));
        let mut torn = summary(None, 1.0, 2.0);
        torn["latency_ms"] = json!("fast");
        std::fs::write(&p, torn.to_string()).expect("write");
        assert!(load(&p, "s").is_err_and(|e| e.contains("latency_ms")));
        assert!(load(&dir.join("none.json"), "s").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
