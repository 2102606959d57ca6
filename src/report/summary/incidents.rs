//! summary.json's `incidents` section: what the failure processes did over
//! the run (with `[[failure]]`): the incidents, the PoPs' downtime and the
//! realised MTTR and MTBF, PoP downtime by cause, the distribution of the
//! incidents' RTOs, and availability per day of requests.
//!
//! Downtime by cause: each incident that took PoPs down (a PoP incident
//! takes its PoP; a `region-down` its state region's PoPs) counts, per
//! PoP, the part of its span (clipped at the run's end) that no earlier
//! incident on that PoP already covered: overlaps go to the earlier one,
//! so the causes add up to the listed incidents' union of PoP downtime
//! (scripted faults count in `pop_downtime_minutes` only).

use super::Quantiles;
use crate::check::horizon::{incident_rtos_s, pop_time};
use crate::engine::SimTime;
use crate::sim::{IncidentRecord, RunResult};
use crate::world::World;
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
    /// PoP downtime per cause (`random`, `human`, `regional`), minutes:
    /// see the module's definition.
    #[serde(default)]
    pub downtime_by_cause_minutes: BTreeMap<String, f64>,
    /// Their durations, start to repair (clipped at the run's end), s.
    pub duration_s: Quantiles,
    /// The first incidents (at most 1,000), in order of their start.
    pub first: Vec<IncidentEntry>,
    /// The distribution of the RTOs across incidents.
    #[serde(default)]
    pub incident_rto: IncidentRtoSummary,
    /// Requests lost per cause (`random`, `human`, `regional`): the sum of
    /// the measured incidents' `requests_lost` over every incident of the
    /// run (not only the listed ones); what drives the availability.
    #[serde(default)]
    pub lost_by_cause: BTreeMap<String, u64>,
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

/// The RTOs of the incidents whose RTO was measured (PoP and region
/// incidents); quantiles by nearest rank, one not recovered within the
/// window counting as infinite (a quantile that lands on one is null).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentRtoSummary {
    /// The largest, s.
    pub max_s: Option<f64>,
    /// Incidents with a measured RTO (recovered or not).
    pub measured: u64,
    /// Of those, not recovered within the window.
    pub not_recovered: u64,
    /// Median, s.
    pub p50_s: Option<f64>,
    /// 90th percentile, s.
    pub p90_s: Option<f64>,
    /// 99th percentile, s.
    pub p99_s: Option<f64>,
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
pub(super) fn incidents_summary(world: &World, r: &RunResult) -> Option<IncidentsSummary> {
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
    let t = pop_time(r)?;
    let (down, up, failures) = (t.down_s, t.up_s, t.failures);
    Some(IncidentsSummary {
        availability_by_day: availability_by_day(r),
        by_cause,
        by_kind,
        count: inc.records.len() as u64 + inc.unlisted,
        downtime_by_cause_minutes: downtime_by_cause(world, &inc.records, end),
        lost_by_cause: lost_by_cause(&inc.records),
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
        incident_rto: incident_rto(r),
        mtbf_days: (failures > 0).then(|| up / failures as f64 / 86_400.0),
        mttr_minutes: (failures > 0).then(|| down / failures as f64 / 60.0),
        pop_availability: if up + down > 0.0 { up / (up + down) } else { 1.0 },
        pop_downtime_minutes: down / 60.0,
        pop_failures: failures,
    })
}

/// PoP downtime per cause, minutes: overlaps on a PoP go to the earlier
/// incident (`records` are in order of their start).
pub fn downtime_by_cause(world: &World, records: &[IncidentRecord], end: SimTime) -> BTreeMap<String, f64> {
    let mut covered = vec![SimTime::ZERO; world.pops.len()];
    let mut out: BTreeMap<String, f64> = BTreeMap::new();
    for i in records {
        let stop = i.end.min(end);
        for p in i.pops.iter().map(|&p| p as usize) {
            let from = i.start.max(covered[p]);
            if stop > from {
                *out.entry(i.cause.as_str().to_string()).or_insert(0.0) += (stop - from).as_secs_f64() / 60.0;
            }
            covered[p] = covered[p].max(stop);
        }
    }
    out
}

/// The RTO distribution across the incidents with a measured RTO.
fn incident_rto(r: &RunResult) -> IncidentRtoSummary {
    let rtos = incident_rtos_s(r).unwrap_or_default();
    let q = |p| crate::check::quantile(rtos.clone(), p).filter(|x| x.is_finite());
    IncidentRtoSummary {
        max_s: q(1.0),
        measured: rtos.len() as u64,
        not_recovered: rtos.iter().filter(|x| x.is_infinite()).count() as u64,
        p50_s: q(0.5),
        p90_s: q(0.9),
        p99_s: q(0.99),
    }
}

/// Requests lost by the measured incidents, per cause.
fn lost_by_cause(records: &[crate::sim::IncidentRecord]) -> BTreeMap<String, u64> {
    let mut by = BTreeMap::new();
    for i in records.iter().filter(|i| i.rto_measured) {
        *by.entry(i.cause.as_str().to_string()).or_insert(0) += i.requests_lost;
    }
    by
}

/// Availability of requests per day (exact days of send time).
fn availability_by_day(r: &RunResult) -> Vec<Option<f64>> {
    let h = &r.recorder.horizon;
    (0..h.days()).map(|d| h.day(d).availability()).collect()
}
