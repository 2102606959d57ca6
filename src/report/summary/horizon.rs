//! summary.json's `horizon` section: availability over long horizons, per
//! day, calendar month and year of the run, for every request, per class
//! and per client region, with nines, request-weighted downtime and the
//! error budget. Present when the run has failure processes or lasts a
//! day or more.
//!
//! Definitions (every one over measured requests, by send time):
//! - availability of a period: succeeded / issued of the requests sent in
//!   it (null with none);
//! - nines: -log10(1 - availability), capped at 9;
//! - downtime minutes of a period (request-weighted): (1 - availability)
//!   x the period's measured minutes (warm-up excluded);
//! - day `d` (numbered from 1): `[(d-1) x 24 h, d x 24 h)` of simulated time;
//!   month: a calendar month of a 365-day year that starts on 1 January at
//!   the run's start (January is days 1-31, February days 32-59, ...);
//!   year: 365 days; the last of each may be short (only its measured
//!   minutes count);
//! - error budget: the target is the `ge` (or `gt`) of the scenario's
//!   `availability_annual` expectation, else 0.9999; allowed minutes are
//!   (1 - target) x the run's measured minutes (52.56 for a year at
//!   99.99%); burned minutes are the run's downtime minutes.

use crate::check::horizon::{downtime_minutes, nines, DEFAULT_TARGET};
use crate::metrics::horizon::{Horizon, DAY_NS};
use crate::metrics::{Counts, CLASS_NAMES};
use crate::scenario::schema::ExpectSpec;
use crate::scenario::Scenario;
use crate::sim::RunResult;
use crate::world::catalog::Region;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Days in each month of the 365-day year, January first.
pub const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Names of the months in reports.
pub const MONTH_NAMES: [&str; 12] =
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// Days in a year of the run.
pub const YEAR_DAYS: usize = 365;

/// Long-horizon availability (see the module's definitions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonSummary {
    /// The run's availability, read as the year's (over a run of any
    /// length it is the run's availability; null with no requests).
    pub availability_annual: Option<f64>,
    /// Per class (`p0`..`p3`), over the run.
    pub by_class: BTreeMap<String, HorizonScope>,
    /// Per day, in order.
    pub by_day: Vec<HorizonPeriod>,
    /// Per calendar month, in order, with classes and regions.
    pub by_month: Vec<HorizonMonth>,
    /// Per client region with requests (`NA`, `EU`, `APAC`, `ROW`), over the run.
    pub by_region: BTreeMap<String, HorizonScope>,
    /// Per year of 365 days, in order.
    pub by_year: Vec<HorizonPeriod>,
    /// Days of the run (the last may be short).
    pub days: u64,
    /// The run's request-weighted downtime, minutes (null with no requests).
    pub downtime_minutes: Option<f64>,
    /// The same unavailability over a whole year: (1 - availability) x
    /// 525,600 minutes.
    pub downtime_minutes_per_year: Option<f64>,
    /// The error budget over the run.
    pub error_budget: ErrorBudget,
    /// Nines of the run's availability (capped at 9).
    pub nines: Option<f64>,
}

/// Availability of one scope over the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonScope {
    /// Succeeded / issued (null with none).
    pub availability: Option<f64>,
    /// Request-weighted downtime over the run, minutes.
    pub downtime_minutes: Option<f64>,
    /// Requests that failed.
    pub failed: u64,
    /// Requests with an outcome.
    pub issued: u64,
    /// Nines of the availability (capped at 9).
    pub nines: Option<f64>,
}

/// Availability of one day or year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonPeriod {
    /// Succeeded / issued of the requests sent in it (null with none).
    pub availability: Option<f64>,
    /// Request-weighted downtime, minutes.
    pub downtime_minutes: Option<f64>,
    /// Requests that failed.
    pub failed: u64,
    /// Its number, from 1.
    pub index: u64,
    /// Requests with an outcome.
    pub issued: u64,
    /// Its measured minutes (after warm-up, before the run's end).
    pub minutes: f64,
    /// Nines of the availability (capped at 9).
    pub nines: Option<f64>,
}

/// Availability of one calendar month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonMonth {
    /// Succeeded / issued of the requests sent in it (null with none).
    pub availability: Option<f64>,
    /// Its downtime over its own error budget ((1 - target) x its
    /// measured minutes; null when that is 0).
    pub budget_burn: Option<f64>,
    /// Availability per class.
    pub by_class: BTreeMap<String, Option<f64>>,
    /// Availability per client region (those with requests in the run).
    pub by_region: BTreeMap<String, Option<f64>>,
    /// Days of the run in it.
    pub days: u64,
    /// Request-weighted downtime, minutes.
    pub downtime_minutes: Option<f64>,
    /// Requests that failed.
    pub failed: u64,
    /// Its first day of the run, from 1.
    pub first_day: u64,
    /// Requests with an outcome.
    pub issued: u64,
    /// Its measured minutes.
    pub minutes: f64,
    /// 1 for January .. 12 for December.
    pub month: u32,
    /// `jan` .. `dec`.
    pub name: String,
    /// Nines of the availability (capped at 9).
    pub nines: Option<f64>,
    /// The year of the run it is in, from 1.
    pub year: u64,
}

/// The error budget over the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBudget {
    /// (1 - target) x the run's measured minutes.
    pub allowed_minutes: f64,
    /// Burned / allowed (null when nothing is allowed or nothing measured).
    pub burn_ratio: Option<f64>,
    /// The run's request-weighted downtime, minutes.
    pub burned_minutes: Option<f64>,
    /// Allowed - burned, minutes (negative once overspent).
    pub remaining_minutes: Option<f64>,
    /// The availability target.
    pub target: f64,
}

/// The error budget's target: the scenario's `availability_annual` lower
/// bound, else [`DEFAULT_TARGET`].
pub fn budget_target(s: &Scenario) -> f64 {
    s.spec
        .expectations
        .iter()
        .find_map(|e| match e.get_ref() {
            ExpectSpec::AvailabilityAnnual(r) => {
                let b = r.bounds();
                b.ge.or(b.gt)
            }
            _ => None,
        })
        .unwrap_or(DEFAULT_TARGET)
}

/// The section, when the run has failure processes or lasts a day or more.
pub(super) fn horizon_summary(s: &Scenario, r: &RunResult) -> Option<HorizonSummary> {
    if s.spec.failures.is_empty() && s.duration().as_nanos() < DAY_NS {
        return None;
    }
    let h = &r.recorder.horizon;
    let target = budget_target(s);
    let minutes = crate::check::horizon::window_minutes(r);
    let total = r.recorder.total;
    let down = downtime_minutes(total, minutes);
    let allowed = (1.0 - target) * minutes;
    let regions = regions_with_requests(h);
    let by_day: Vec<HorizonPeriod> = (0..h.days()).map(|d| period(d as u64 + 1, h.day(d), day_minutes(r, d))).collect();
    Some(HorizonSummary {
        availability_annual: total.availability(),
        by_class: CLASS_NAMES
            .iter()
            .enumerate()
            .map(|(c, n)| (n.to_string(), scope(sum_days(0..h.days(), |d| h.class_day(d, c)), minutes)))
            .collect(),
        by_month: months(h, r, &regions, target),
        by_region: regions
            .iter()
            .map(|&g| (region_name(g), scope(sum_days(0..h.days(), |d| h.region_day(d, g)), minutes)))
            .collect(),
        by_year: by_day
            .chunks(YEAR_DAYS)
            .enumerate()
            .map(|(y, days)| {
                let c = days.iter().fold(Counts::default(), |a, p| add(a, counts_of(p)));
                period(y as u64 + 1, c, days.iter().map(|p| p.minutes).sum())
            })
            .collect(),
        by_day,
        days: h.days() as u64,
        downtime_minutes: down,
        downtime_minutes_per_year: downtime_minutes(total, crate::check::horizon::MINUTES_PER_YEAR),
        error_budget: ErrorBudget {
            allowed_minutes: allowed,
            burn_ratio: down.filter(|_| allowed > 0.0).map(|d| d / allowed),
            burned_minutes: down,
            remaining_minutes: down.map(|d| allowed - d),
            target,
        },
        nines: total.availability().map(nines),
    })
}

fn add(a: Counts, b: Counts) -> Counts {
    Counts { issued: a.issued + b.issued, succeeded: a.succeeded + b.succeeded }
}

fn counts_of(p: &HorizonPeriod) -> Counts {
    Counts { issued: p.issued, succeeded: p.issued - p.failed }
}

fn sum_days(days: std::ops::Range<usize>, cell: impl Fn(usize) -> Counts) -> Counts {
    days.map(cell).fold(Counts::default(), add)
}

fn region_name(r: usize) -> String {
    Region::ALL.get(r).map_or_else(|| format!("region{r}"), |g| g.as_str().to_string())
}

/// The client regions with requests in the run, in catalog order.
fn regions_with_requests(h: &Horizon) -> Vec<usize> {
    (0..h.regions()).filter(|&g| (0..h.days()).any(|d| h.region_day(d, g).issued > 0)).collect()
}

/// Measured minutes of day `d` (0-based): its overlap with the measured window.
fn day_minutes(r: &RunResult, d: usize) -> f64 {
    let (a, b) = (d as u64 * DAY_NS, (d as u64 + 1) * DAY_NS);
    let lo = a.max(r.measure_from.as_nanos());
    let hi = b.min(r.end.as_nanos());
    hi.saturating_sub(lo) as f64 / 60e9
}

fn period(index: u64, c: Counts, minutes: f64) -> HorizonPeriod {
    HorizonPeriod {
        availability: c.availability(),
        downtime_minutes: downtime_minutes(c, minutes),
        failed: c.failed(),
        index,
        issued: c.issued,
        minutes,
        nines: c.availability().map(nines),
    }
}

fn scope(c: Counts, minutes: f64) -> HorizonScope {
    HorizonScope {
        availability: c.availability(),
        downtime_minutes: downtime_minutes(c, minutes),
        failed: c.failed(),
        issued: c.issued,
        nines: c.availability().map(nines),
    }
}

/// Year (from 0), month (0..12) and first day (0-based) of each calendar
/// month that `days` days of a run touch, with the days of the run in it.
pub fn month_spans(days: usize) -> Vec<(usize, usize, usize, usize)> {
    let mut out = Vec::new();
    let mut first = 0;
    while first < days {
        let (year, doy) = (first / YEAR_DAYS, first % YEAR_DAYS);
        let mut start = 0;
        let month = MONTH_DAYS
            .iter()
            .position(|&n| {
                start += n as usize;
                doy < start
            })
            .unwrap_or(11);
        let len = (start - doy).min(days - first);
        out.push((year, month, first, len));
        first += len;
    }
    out
}

fn months(h: &Horizon, r: &RunResult, regions: &[usize], target: f64) -> Vec<HorizonMonth> {
    month_spans(h.days())
        .into_iter()
        .map(|(year, month, first, len)| {
            let days = first..first + len;
            let c = sum_days(days.clone(), |d| h.day(d));
            let minutes: f64 = days.clone().map(|d| day_minutes(r, d)).sum();
            let down = downtime_minutes(c, minutes);
            let allowed = (1.0 - target) * minutes;
            HorizonMonth {
                availability: c.availability(),
                budget_burn: down.filter(|_| allowed > 0.0).map(|d| d / allowed),
                by_class: CLASS_NAMES
                    .iter()
                    .enumerate()
                    .map(|(k, n)| (n.to_string(), sum_days(days.clone(), |d| h.class_day(d, k)).availability()))
                    .collect(),
                by_region: regions
                    .iter()
                    .map(|&g| (region_name(g), sum_days(days.clone(), |d| h.region_day(d, g)).availability()))
                    .collect(),
                days: len as u64,
                downtime_minutes: down,
                failed: c.failed(),
                first_day: first as u64 + 1,
                issued: c.issued,
                minutes,
                month: month as u32 + 1,
                name: MONTH_NAMES[month].to_string(),
                nines: c.availability().map(nines),
                year: year as u64 + 1,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_follow_the_calendar_of_a_365_day_year() {
        assert_eq!(month_spans(1), vec![(0, 0, 0, 1)]);
        assert_eq!(month_spans(40), vec![(0, 0, 0, 31), (0, 1, 31, 9)]);
        let year = month_spans(365);
        assert_eq!(year.len(), 12);
        assert_eq!(year.iter().map(|m| m.3).collect::<Vec<_>>(), MONTH_DAYS.map(|d| d as usize).to_vec());
        assert_eq!(year[11], (0, 11, 334, 31));
        let more = month_spans(366);
        assert_eq!(more[12], (1, 0, 365, 1));
    }
}
