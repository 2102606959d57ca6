//! The measures a sweep keeps of each run: a few numbers read off the run's
//! typed [`Summary`], so that a run's record stays small whatever the
//! scenario.
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
//! | `availability_annual`, `nines`, `downtime_minutes`, `downtime_minutes_per_year`, `error_budget.burn_ratio` | `horizon` (with `[[failure]]` or a run of a day or more) |
//! | `incidents.count`, `.pop_downtime_minutes`, `.pop_availability`, `.mttr_minutes`, `.mtbf_days`, `.rto_p99_s`, `.rto_not_recovered` | `incidents` (with `[[failure]]`) |
//! | `expect{i}.observed` | `expectations[i-1].observed` (ratio, ms or count, as the verdict says) |
//!
//! A value that is absent, null or not finite is left out: the aggregate
//! counts it as missing.

use crate::report::Summary;
use std::collections::BTreeMap;

/// An expectation's text and status (`pass`, `fail`, `inconclusive`).
pub type ExpectationStatus = (String, String);

/// Reads the measures and expectation statuses off a summary.
pub fn extract(summary: &Summary) -> (BTreeMap<String, f64>, Vec<ExpectationStatus>) {
    let mut m = BTreeMap::new();
    let mut put = |name: String, v: Option<f64>| {
        if let Some(x) = v.filter(|x| x.is_finite()) {
            m.insert(name, x);
        }
    };
    put("availability".into(), summary.availability);
    let lat = &summary.latency_ms.all;
    for (p, x) in [("p50", lat.p50), ("p90", lat.p90), ("p99", lat.p99), ("p999", lat.p999), ("mean", lat.mean)] {
        put(format!("latency_ms.{p}"), Some(x));
    }
    put("attempts_per_request".into(), summary.attempts_per_request);
    let r = &summary.requests;
    put("requests.issued".into(), Some(r.issued as f64));
    put("requests.failed".into(), Some(r.failed as f64));
    put("shed".into(), Some(r.shed_by_class.values().map(|n| *n as f64).sum()));
    put("max_pop_utilisation".into(), summary.pops.iter().map(|p| p.utilisation).reduce(f64::max));
    put("max_level".into(), Some(f64::from(summary.levels.max_level)));
    for (i, f) in summary.faults.iter().enumerate() {
        let n = i + 1;
        put(format!("fault{n}.rto_s"), f.rto_s);
        put(format!("fault{n}.requests_lost"), Some(f.requests_lost as f64));
        for (step, v) in &f.timeline {
            put(format!("fault{n}.timeline.{step}"), Some(*v));
        }
        if let Some(d) = &f.durable_objects {
            put(format!("fault{n}.rpo_s"), Some(d.rpo_s));
            put(format!("fault{n}.writes_lost"), Some(d.writes_lost as f64));
            put(format!("fault{n}.object_rto_p99_s"), Some(d.object_rto_s.p99));
        }
    }
    if let Some(h) = &summary.horizon {
        put("availability_annual".into(), h.availability_annual);
        put("nines".into(), h.nines);
        put("downtime_minutes".into(), h.downtime_minutes);
        put("downtime_minutes_per_year".into(), h.downtime_minutes_per_year);
        put("error_budget.burn_ratio".into(), h.error_budget.burn_ratio);
    }
    if let Some(i) = &summary.incidents {
        put("incidents.count".into(), Some(i.count as f64));
        put("incidents.pop_downtime_minutes".into(), Some(i.pop_downtime_minutes));
        put("incidents.pop_availability".into(), Some(i.pop_availability));
        put("incidents.mttr_minutes".into(), i.mttr_minutes);
        put("incidents.mtbf_days".into(), i.mtbf_days);
        put("incidents.rto_p99_s".into(), i.incident_rto.p99_s);
        put("incidents.rto_not_recovered".into(), Some(i.incident_rto.not_recovered as f64));
    }
    let mut expectations = Vec::new();
    for (i, e) in summary.expectations.iter().enumerate() {
        put(format!("expect{}.observed", i + 1), e.observed);
        expectations.push((e.text.clone(), e.status.label().to_lowercase()));
    }
    (m, expectations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::summary::{DoFailoverSummary, Quantiles};

    #[test]
    fn reads_the_listed_measures() {
        let mut s = crate::report::summary::sample().clone();
        s.availability = Some(0.99);
        s.attempts_per_request = None;
        s.requests.shed_by_class = [("p0".to_string(), 0), ("p3".to_string(), 4)].into_iter().collect();
        for (p, u) in s.pops.iter_mut().zip([0.2, 0.7].iter().cycle()) {
            p.utilisation = *u;
        }
        s.levels.max_level = 2;
        let f = &mut s.faults[0];
        f.rto_s = Some(18.0);
        f.timeline.insert("detected".to_string(), 1.0);
        f.durable_objects = Some(DoFailoverSummary {
            rpo_s: 0.5,
            writes_lost: 3,
            objects: 7,
            object_rto_s: Quantiles { p50: 10.0, p99: 40.0, max: 41.0 },
            timeline: BTreeMap::new(),
        });
        s.expectations[0].observed = Some(18000.0);
        let (m, e) = extract(&s);
        assert_eq!(m["availability"], 0.99);
        assert!(!m.contains_key("attempts_per_request"));
        assert_eq!((m["shed"], m["max_pop_utilisation"], m["max_level"]), (4.0, 0.7, 2.0));
        assert_eq!((m["fault1.rto_s"], m["fault1.timeline.detected"], m["fault1.object_rto_p99_s"]), (18.0, 1.0, 40.0));
        assert_eq!((m["fault1.rpo_s"], m["fault1.writes_lost"]), (0.5, 3.0));
        assert_eq!(m["expect1.observed"], 18000.0);
        assert_eq!(m["requests.issued"], s.requests.issued as f64);
        assert_eq!(e.len(), s.expectations.len());
        assert_eq!(e[0], (s.expectations[0].text.clone(), "pass".to_string()));
    }
}
