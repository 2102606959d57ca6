//! The measures a sweep keeps of each run: a few numbers read off the run's
//! summary (as serialised to JSON), so that a run's record stays small
//! whatever the scenario.
//!
//! | measure | from summary.json |
//! |---|---|
//! | `availability` | `availability` |
//! | `latency_ms.p50`, `.p90`, `.p99`, `.p999`, `.mean` | `latency_ms` |
//! | `attempts_per_request` | `attempts_per_request` |
//! | `requests.issued`, `requests.failed` | `requests` |
//! | `shed` | the sum of `requests.shed_by_class` |
//! | `max_pop_utilisation` | the largest `pops[].utilisation` |
//! | `max_level` | `levels.max_level` |
//! | `fault{i}.rto_s`, `fault{i}.requests_lost` | `faults[i-1]` (faults numbered from 1, as expectations do) |
//! | `fault{i}.timeline.<step>` | `faults[i-1].timeline` |
//! | `fault{i}.rpo_s`, `fault{i}.writes_lost`, `fault{i}.object_rto_p99_s` | `faults[i-1].durable_objects`, when present |
//! | `expect{i}.observed` | `expectations[i-1].observed` (ratio, ms or count, as the verdict says) |
//!
//! A value that is absent, null or not finite is left out: the aggregate
//! counts it as missing.

use serde_json::Value;
use std::collections::BTreeMap;

/// An expectation's text and status (`pass`, `fail`, `inconclusive`).
pub type ExpectationStatus = (String, String);

/// Reads the measures and expectation statuses off a summary's JSON.
pub fn extract(summary: &Value) -> (BTreeMap<String, f64>, Vec<ExpectationStatus>) {
    let mut m = BTreeMap::new();
    let mut put = |name: String, v: Option<&Value>| {
        if let Some(x) = v.and_then(Value::as_f64).filter(|x| x.is_finite()) {
            m.insert(name, x);
        }
    };
    put("availability".into(), summary.get("availability"));
    if let Some(lat) = summary.get("latency_ms") {
        for p in ["p50", "p90", "p99", "p999", "mean"] {
            put(format!("latency_ms.{p}"), lat.get(p));
        }
    }
    put("attempts_per_request".into(), summary.get("attempts_per_request"));
    if let Some(r) = summary.get("requests") {
        put("requests.issued".into(), r.get("issued"));
        put("requests.failed".into(), r.get("failed"));
        if let Some(shed) = r.get("shed_by_class").and_then(Value::as_object) {
            let total: f64 = shed.values().filter_map(Value::as_f64).sum();
            put("shed".into(), Some(&Value::from(total)));
        }
    }
    if let Some(pops) = summary.get("pops").and_then(Value::as_array) {
        let max = pops.iter().filter_map(|p| p.get("utilisation").and_then(Value::as_f64)).reduce(f64::max);
        put("max_pop_utilisation".into(), max.map(Value::from).as_ref());
    }
    put("max_level".into(), summary.get("levels").and_then(|l| l.get("max_level")));
    for (i, f) in summary.get("faults").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let n = i + 1;
        put(format!("fault{n}.rto_s"), f.get("rto_s"));
        put(format!("fault{n}.requests_lost"), f.get("requests_lost"));
        if let Some(t) = f.get("timeline").and_then(Value::as_object) {
            for (step, v) in t {
                put(format!("fault{n}.timeline.{step}"), Some(v));
            }
        }
        if let Some(d) = f.get("durable_objects").filter(|d| !d.is_null()) {
            put(format!("fault{n}.rpo_s"), d.get("rpo_s"));
            put(format!("fault{n}.writes_lost"), d.get("writes_lost"));
            put(format!("fault{n}.object_rto_p99_s"), d.get("object_rto_s").and_then(|q| q.get("p99")));
        }
    }
    let mut expectations = Vec::new();
    for (i, e) in summary.get("expectations").and_then(Value::as_array).into_iter().flatten().enumerate() {
        put(format!("expect{}.observed", i + 1), e.get("observed"));
        let text = e.get("text").and_then(Value::as_str).unwrap_or("").to_string();
        let status = e.get("status").and_then(Value::as_str).unwrap_or("inconclusive").to_string();
        expectations.push((text, status));
    }
    (m, expectations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_listed_measures() {
        let s = serde_json::json!({
            "availability": 0.99,
            "latency_ms": { "p50": 1.0, "p90": 2.0, "p99": 3.0, "p999": 4.0, "mean": 1.5 },
            "attempts_per_request": null,
            "requests": { "issued": 10, "failed": 1, "shed_by_class": { "p0": 0, "p3": 4 } },
            "pops": [ { "utilisation": 0.2 }, { "utilisation": 0.7 } ],
            "levels": { "max_level": 2 },
            "faults": [ { "rto_s": 18.0, "requests_lost": 5, "timeline": { "detected": 1.0 },
                          "durable_objects": { "rpo_s": 0.5, "writes_lost": 3, "object_rto_s": { "p99": 40.0 } } } ],
            "expectations": [ { "text": "rto of fault 1 <= 60s", "status": "pass", "observed": 18000.0 } ],
        });
        let (m, e) = extract(&s);
        assert_eq!(m["availability"], 0.99);
        assert!(!m.contains_key("attempts_per_request"));
        assert_eq!((m["shed"], m["max_pop_utilisation"], m["max_level"]), (4.0, 0.7, 2.0));
        assert_eq!((m["fault1.rto_s"], m["fault1.timeline.detected"], m["fault1.object_rto_p99_s"]), (18.0, 1.0, 40.0));
        assert_eq!(m["expect1.observed"], 18000.0);
        assert_eq!(e, vec![("rto of fault 1 <= 60s".to_string(), "pass".to_string())]);
    }
}
