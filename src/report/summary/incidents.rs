//! summary.json's `incidents` section: what the failure processes did over
//! the run (with `[[failure]]`): the incidents, the PoPs' downtime and the
//! realised MTTR and MTBF, and availability per day of requests.

use super::Quantiles;
use crate::engine::SimDuration;
use crate::sim::{IncidentResult, RunResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Incidents listed in summary.json at most (all are counted).
pub const LISTED_INCIDENTS: usize = 1000;

/// The failure processes over the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentsSummary {
    /// Requests succeeded / issued per day of the run (by send time; the
    /// last day may be short), in day order.
    pub availability_by_day: Vec<Option<f64>>,
    /// Incidents by cause: `random`, `human`, `regional`.
    pub by_cause: BTreeMap<String, u64>,
    /// Incidents by the fault kind they behaved as.
    pub by_kind: BTreeMap<String, u64>,
    /// Incidents that started in the run.
    pub count: u64,
    /// Their durations, start to repair (clipped at the run's end), s.
    pub duration_s: Quantiles,
    /// The first incidents (at most 1,000), in order of their start.
    pub first: Vec<IncidentEntry>,
    /// Realised mean time between failures of a PoP: PoP up time over PoP
    /// failures, days (null with none).
    pub mtbf_days: Option<f64>,
    /// Realised mean time to repair of a PoP: PoP down time over PoP
    /// failures, minutes (null with none).
    pub mttr_minutes: Option<f64>,
    /// Share of PoP time up (every PoP, the whole run).
    pub pop_availability: f64,
    /// PoP downtime summed over PoPs, minutes (overlaps counted once per PoP).
    pub pop_downtime_minutes: f64,
    /// PoP failures (a PoP going down; overlapping incidents count once).
    pub pop_failures: u64,
}

/// One incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentEntry {
    /// `random`, `human` or `regional`.
    pub cause: String,
    /// Start to repair, s (to the run's end if not repaired by then).
    pub duration_s: f64,
    /// The fault kind it behaved as.
    pub kind: String,
    /// Requests of its catchment's traffic that failed while it lasted
    /// (null when not measured).
    pub requests_lost: Option<u64>,
    /// Its RTO, s (null when not measured or not recovered within 30 min;
    /// see `rto_measured`).
    pub rto_s: Option<f64>,
    /// Whether its RTO was measured (PoP and region incidents).
    pub rto_measured: bool,
    /// Its start, s since the start of the run.
    pub start_s: f64,
    /// What failed: a PoP code, a state region, `origin`, `control-plane`.
    pub target: String,
}

/// The section, when the run had failure processes.
pub(super) fn incidents_summary(r: &RunResult) -> Option<IncidentsSummary> {
    let inc = r.incidents.as_ref()?;
    let end = r.end;
    let clip = |i: &crate::sim::IncidentRecord| (i.end.min(end) - i.start).as_secs_f64();
    let mut by_cause = BTreeMap::new();
    let mut by_kind = BTreeMap::new();
    for i in &inc.records {
        *by_cause.entry(i.cause.as_str().to_string()).or_insert(0) += 1;
        *by_kind.entry(i.kind.as_str().to_string()).or_insert(0) += 1;
    }
    let durations: Vec<f64> = inc.records.iter().map(clip).collect();
    let (down, up, failures) = pop_time(inc, r);
    Some(IncidentsSummary {
        availability_by_day: availability_by_day(r),
        by_cause,
        by_kind,
        count: inc.records.len() as u64 + inc.unlisted,
        duration_s: super::build::quantiles(&durations),
        first: inc
            .records
            .iter()
            .take(LISTED_INCIDENTS)
            .map(|i| IncidentEntry {
                cause: i.cause.as_str().to_string(),
                duration_s: clip(i),
                kind: i.kind.as_str().to_string(),
                requests_lost: i.rto_measured.then_some(i.requests_lost),
                rto_s: i.rto.map(|d| d.as_secs_f64()),
                rto_measured: i.rto_measured,
                start_s: i.start.as_secs_f64(),
                target: i.target.clone(),
            })
            .collect(),
        mtbf_days: (failures > 0).then(|| up / failures as f64 / 86_400.0),
        mttr_minutes: (failures > 0).then(|| down / failures as f64 / 60.0),
        pop_availability: if up + down > 0.0 { up / (up + down) } else { 1.0 },
        pop_downtime_minutes: down / 60.0,
        pop_failures: failures,
    })
}

/// PoP time down and up (s, summed over PoPs) and PoP failures.
fn pop_time(inc: &IncidentResult, r: &RunResult) -> (f64, f64, u64) {
    let down: f64 = inc.pop_downtime.iter().map(|d| d.as_secs_f64()).sum();
    let total = (r.end - crate::engine::SimTime::ZERO).as_secs_f64() * inc.pop_downtime.len() as f64;
    let failures = inc.pop_failures.iter().map(|&n| n as u64).sum();
    (down, (total - down).max(0.0), failures)
}

/// Availability of requests per day, from the time-series buckets.
fn availability_by_day(r: &RunResult) -> Vec<Option<f64>> {
    let width = r.recorder.bucket_width().as_nanos().max(1);
    let day = SimDuration::from_secs(86_400).as_nanos();
    let days = (r.end.as_nanos()).div_ceil(day) as usize;
    let mut counts = vec![(0u64, 0u64); days.max(1)];
    for (b, bucket) in r.recorder.buckets.iter().enumerate() {
        let d = ((b as u64 * width) / day) as usize;
        if let Some(c) = counts.get_mut(d) {
            c.0 += bucket.counts.issued;
            c.1 += bucket.counts.succeeded;
        }
    }
    counts.into_iter().map(|(i, s)| (i > 0).then(|| s as f64 / i as f64)).collect()
}
