//! Long-horizon measures and their expectations: the run's availability
//! read as the year's (`availability_annual`), request-weighted downtime
//! (`downtime_minutes`), the realised PoP MTTR and MTBF of the failure
//! processes (`mttr`, `mtbf`) and a percentile of the incidents' RTOs
//! (`incident_rto`). The arithmetic lives here so that summary.json
//! reports the very numbers the expectations judge.

use super::{duration_limits, number_limits, push_limits, quantile, Expectation, Metric};
use crate::metrics::Counts;
use crate::scenario::schema::ExpectSpec;
use crate::sim::RunResult;

/// Minutes in a year of 365 days.
pub const MINUTES_PER_YEAR: f64 = 525_600.0;

/// The availability target of the error budget when the scenario sets
/// none with `availability_annual = { ge = ... }`: 99.99%.
pub const DEFAULT_TARGET: f64 = 0.9999;

/// Nines are capped here (an availability of exactly 1 has infinitely many).
pub const NINES_CAP: f64 = 9.0;

/// The number of nines of availability `a`: -log10(1 - a), capped at
/// [`NINES_CAP`] (0.9999 is 4).
pub fn nines(a: f64) -> f64 {
    let down = 1.0 - a;
    if down <= 0.0 {
        return NINES_CAP;
    }
    // Rounded to 1e-9 first so that 0.9999 gives 4, not 3.9999999999.
    ((-down.log10() * 1e9).round() / 1e9).clamp(0.0, NINES_CAP)
}

/// Request-weighted downtime of `counts` over a window of `minutes`:
/// (1 - availability) x minutes; `None` with no requests.
pub fn downtime_minutes(counts: Counts, minutes: f64) -> Option<f64> {
    counts.availability().map(|a| (1.0 - a) * minutes)
}

/// The run's measured window (warm-up excluded), minutes.
pub fn window_minutes(r: &RunResult) -> f64 {
    (r.end - r.measure_from).as_secs_f64() / 60.0
}

/// PoP time over the run with failure processes: summed over PoPs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PopTime {
    /// Time down, s (overlapping incidents counted once per PoP).
    pub down_s: f64,
    /// Time up, s.
    pub up_s: f64,
    /// Times a PoP went down.
    pub failures: u64,
}

impl PopTime {
    /// Realised MTTR: down time / failures, s (`None` with no failure).
    pub fn mttr_s(&self) -> Option<f64> {
        (self.failures > 0).then(|| self.down_s / self.failures as f64)
    }

    /// Realised MTBF: up time / failures, s (`None` with no failure).
    pub fn mtbf_s(&self) -> Option<f64> {
        (self.failures > 0).then(|| self.up_s / self.failures as f64)
    }
}

/// The PoPs' time down and up, `None` without failure processes.
pub fn pop_time(r: &RunResult) -> Option<PopTime> {
    let inc = r.incidents.as_ref()?;
    let down: f64 = inc.pop_downtime.iter().map(|d| d.as_secs_f64()).sum();
    let total = r.end.as_secs_f64() * inc.pop_downtime.len() as f64;
    let failures = inc.pop_failures.iter().map(|&n| u64::from(n)).sum();
    Some(PopTime { down_s: down, up_s: (total - down).max(0.0), failures })
}

/// The RTOs of the listed incidents whose RTO was measured, s, in
/// increasing order, one not recovered as infinity; `None` without
/// failure processes.
pub fn incident_rtos_s(r: &RunResult) -> Option<Vec<f64>> {
    let inc = r.incidents.as_ref()?;
    let mut v: Vec<f64> = inc
        .records
        .iter()
        .filter(|i| i.rto_measured)
        .map(|i| i.rto.map_or(f64::INFINITY, |d| d.as_secs_f64()))
        .collect();
    v.sort_by(f64::total_cmp);
    Some(v)
}

/// The expectation of a long-horizon key, `None` for other keys.
pub(super) fn expectation(spec: &ExpectSpec) -> Option<Expectation> {
    let (name, metric, (lower, upper)) = match spec {
        ExpectSpec::AvailabilityAnnual(r) => {
            ("availability_annual".to_string(), Metric::AvailabilityAnnual, number_limits(r.bounds()))
        }
        ExpectSpec::DowntimeMinutes(n) => {
            ("downtime_minutes".to_string(), Metric::DowntimeMinutes, number_limits(n.bounds()))
        }
        ExpectSpec::Mttr(d) => ("mttr".to_string(), Metric::Mttr, duration_limits(d.bounds())),
        ExpectSpec::Mtbf(d) => ("mtbf".to_string(), Metric::Mtbf, duration_limits(d.bounds())),
        ExpectSpec::IncidentRto(i) => {
            let q = i.percentile.as_ref().map_or(100.0, |q| q.get_ref().get());
            (format!("incident_rto p{q}"), Metric::IncidentRto(q / 100.0), duration_limits(i.bounds()))
        }
        _ => return None,
    };
    let mut text = name;
    push_limits(&mut text, lower, upper, metric.is_duration());
    Some(Expectation::unscoped(text, metric, (lower, upper)))
}

/// The value of a long-horizon metric (ratio, minutes or ms), `None` when
/// the run measured nothing for it.
pub fn measure(metric: Metric, r: &RunResult) -> Option<f64> {
    match metric {
        Metric::AvailabilityAnnual => r.recorder.total.availability(),
        Metric::DowntimeMinutes => downtime_minutes(r.recorder.total, window_minutes(r)),
        Metric::Mttr => pop_time(r)?.mttr_s().map(|s| s * 1e3),
        Metric::Mtbf => pop_time(r)?.mtbf_s().map(|s| s * 1e3),
        Metric::IncidentRto(q) => quantile(incident_rtos_s(r)?, q).map(|s| s * 1e3),
        _ => None,
    }
}

/// Why a long-horizon metric has no value, for the verdict.
pub(super) fn missing(metric: Metric) -> Option<&'static str> {
    match metric {
        Metric::AvailabilityAnnual | Metric::DowntimeMinutes => Some("no measured request in the run"),
        Metric::Mttr | Metric::Mtbf => Some("no PoP failed in the run"),
        Metric::IncidentRto(_) => Some("no incident with a measured RTO in the run"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nines_count_the_leading_nines() {
        assert_eq!(nines(0.9999), 4.0);
        assert_eq!(nines(0.99), 2.0);
        assert_eq!(nines(1.0), NINES_CAP);
        assert_eq!(nines(0.0), 0.0);
        assert!((nines(0.9995) - 3.30103).abs() < 1e-5);
    }

    #[test]
    fn downtime_is_unavailability_times_the_window() {
        // 1 request in 10,000 failed over a year: 52.56 minutes.
        let c = Counts { issued: 10_000, succeeded: 9_999 };
        let d = downtime_minutes(c, MINUTES_PER_YEAR).unwrap();
        assert!((d - 52.56).abs() < 1e-9, "{d}");
        assert_eq!(downtime_minutes(Counts::default(), 60.0), None);
    }

    #[test]
    fn mttr_and_mtbf_divide_by_failures() {
        let t = PopTime { down_s: 1_800.0, up_s: 86_400.0 * 60.0, failures: 2 };
        assert_eq!(t.mttr_s(), Some(900.0));
        assert_eq!(t.mtbf_s(), Some(86_400.0 * 30.0));
        assert_eq!(PopTime { failures: 0, ..t }.mttr_s(), None);
    }
}
