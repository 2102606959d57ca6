//! What a run measured, as plain data for checks and reports: the
//! [`RunResult`], the per-PoP totals of the overload models and the
//! per-PoP control-period series, bucketed so that a long run keeps a
//! bounded series.

use super::{levels, origin, state};
use crate::edge::pool::PoolStats;
use crate::engine::{SimDuration, SimTime};
use crate::metrics::faults::FaultRecord;
use crate::metrics::Recorder;
use serde::Serialize;

/// One PoP in one control period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PopSample {
    /// End of the period, s.
    pub t_s: f64,
    /// PoP index.
    pub pop: u32,
    /// Servers at the end of the period.
    pub servers: u32,
    /// Requests that arrived (count).
    pub arrivals: u32,
    /// Requests shed.
    pub shed: u32,
    /// Requests spilled to another PoP.
    pub spilled: u32,
    /// Busy fraction of the servers over the period, 0 to 1.
    pub cpu: f32,
    /// Classes being shed (0 none .. 3 P1-P3).
    pub shed_level: u8,
    /// Mean number of requests in the PoP (waiting and in service) over the
    /// period.
    pub in_system: f32,
    /// Requests that started service in the period.
    pub started: u32,
    /// Sum of their waits for a server, s.
    pub wait_s_sum: f64,
    /// Requests turned away in the period because the queue was full.
    pub refused: u32,
    /// The isolate model runs (`[isolates]`): the next three are measured.
    pub isolates: bool,
    /// Cold starts in the period (a volume in flow fidelity).
    pub cold_starts: f32,
    /// Memory utilisation at the end of the period (mean over the servers).
    pub memory: f32,
    /// Deployments pinned in the warm pool at the end of the period.
    pub warm_pool: u32,
}

/// Per-PoP totals of the overload models (measured requests).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PopTotals {
    /// Requests shed, by class.
    pub shed_by_class: [u64; 4],
    /// Requests spilled away.
    pub spilled_out: u64,
    /// Requests spilled in from other PoPs.
    pub spilled_in: u64,
    /// Servers at the end of the run.
    pub servers_end: u32,
    /// Most servers at any time.
    pub servers_max: u32,
    /// Times the autoscaler added a server (decisions).
    pub scale_ups: u32,
    /// Times it removed one.
    pub scale_downs: u32,
    /// Times (s) of the autoscaler's decisions to add a server.
    pub scale_up_times_s: Vec<f64>,
    /// The isolate model's measures, under `[isolates]`.
    pub isolates: Option<super::IsolateTotals>,
}

/// What a run measured, ready for checks and reports.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Events handled.
    pub events_handled: u64,
    /// Hash of the handled-event stream, 16 hex digits.
    pub trace_hash: String,
    /// Start of the measured window (the end of warm-up), simulated time.
    pub measure_from: SimTime,
    /// End of the run (its duration, without the drain), simulated time.
    pub end: SimTime,
    /// Request measures.
    pub recorder: Recorder,
    /// Server-pool measures, by PoP.
    pub pools: Vec<PoolStats>,
    /// Overload-model totals, by PoP.
    pub pop_totals: Vec<PopTotals>,
    /// Every PoP in every bucket of [`PopSeries`] (control periods summed).
    pub pop_series: Vec<PopSample>,
    /// One record per fault, in file order.
    pub faults: Vec<FaultRecord>,
    /// Client networks in all.
    pub networks: usize,
    /// The state plane's measures.
    pub state: state::StateResult,
    /// The failure processes' incidents and PoP downtime (with `[[failure]]`).
    pub incidents: Option<super::IncidentResult>,
    /// The origin's measures, if there is one.
    pub origin: Option<origin::OriginResult>,
    /// Degradation levels and deployments.
    pub levels: levels::LevelResult,
    /// Requests refused by each rate limit (measured), in
    /// [`crate::edge::limits::LimitHit::ALL`] order.
    pub rate_limited: [u64; 3],
    /// Measured requests with no outcome at all: always 0 since the drain
    /// (kept so that `issued + unfinished` still counts every request sent).
    pub unfinished: u64,
    /// How long the run kept going after `end` so that every request sent
    /// before it could finish: the longest a request can live
    /// ([`super::drain()`]).
    pub drain: SimDuration,
    /// Measured requests whose outcome came during the drain (after `end`).
    pub finished_in_drain: u64,
    /// Measured requests still open when the drain ended: counted as failed
    /// (reason `timeout`) in `recorder` (0 unless the drain bound is wrong).
    pub given_up_at_end: u64,
    /// Time of the health checker's first probe after the start (the fixed or drawn phase).
    pub health_phase: SimDuration,
    /// The client site of each network, by network index.
    pub net_sites: Vec<u32>,
    /// Where every network sent its traffic just before each fault struck
    /// and while it lasted (for maps of catchments), in time order.
    pub catchments: Vec<Catchment>,
    /// What BGP did, under path-vector convergence.
    pub bgp: Option<super::bgp::BgpResult>,
}

/// Where every client network sent its traffic at one moment of a fault.
#[derive(Debug, Clone, PartialEq)]
pub struct Catchment {
    /// The fault's index (file order).
    pub fault: u32,
    /// True for the moment just before the fault struck; false for the
    /// moment just before it ended (or the run's end, if it lasts).
    pub before: bool,
    /// When the snapshot was taken.
    pub at: SimTime,
    /// Per network: the PoP it sends to ([`crate::edge::anycast::NO_POP`] if none).
    pub pop_of_net: Vec<u32>,
    /// Per PoP: serving (not struck down).
    pub pop_alive: Vec<bool>,
    /// Per PoP: its route is withdrawn at its origin.
    pub pop_withdrawn: Vec<bool>,
}

/// Per-PoP control-period samples, summed into buckets of a bounded width
/// so that a long run keeps a bounded series (at most about
/// [`MAX_POP_BUCKETS`] rows per PoP).
#[derive(Debug, Clone, Default)]
pub struct PopSeries {
    width_ns: u64,
    /// Finished buckets.
    done: Vec<PopSample>,
    /// The open bucket of each PoP, with the ticks summed into it.
    open: Vec<Option<(PopSample, u32)>>,
}

/// Rows per PoP the bucketed per-PoP series stays within.
pub const MAX_POP_BUCKETS: u64 = 3_600;

impl PopSeries {
    /// A series for `pops` PoPs: buckets as wide as the run's time-series
    /// `bucket`, but at least one control period `tick` and at least
    /// `duration` / [`MAX_POP_BUCKETS`], rounded up to whole ticks.
    pub fn new(pops: usize, duration: SimDuration, bucket: SimDuration, tick: SimDuration) -> Self {
        let tick_ns = tick.as_nanos().max(1);
        let want = bucket.as_nanos().max(duration.as_nanos().div_ceil(MAX_POP_BUCKETS)).max(tick_ns);
        PopSeries { width_ns: want.div_ceil(tick_ns) * tick_ns, done: Vec::new(), open: vec![None; pops] }
    }

    /// Width of a bucket, ns.
    pub fn width_ns(&self) -> u64 {
        self.width_ns
    }

    /// Adds one PoP's sample of one control period (ending at `s.t_s`):
    /// counts and wait sums add up, `servers` and `warm_pool` are the last,
    /// `cpu`, `in_system` and `memory` the means over the bucket's periods
    /// (of equal length), `shed_level` the highest.
    pub fn push(&mut self, s: PopSample) {
        let Some(slot) = self.open.get_mut(s.pop as usize) else { return };
        let t_ns = (s.t_s * 1e9).round() as u64;
        let end_ns = t_ns.div_ceil(self.width_ns).max(1) * self.width_ns;
        let end_s = end_ns as f64 / 1e9;
        match slot {
            Some((b, n)) if b.t_s == end_s => {
                b.servers = s.servers;
                b.arrivals = b.arrivals.saturating_add(s.arrivals);
                b.shed = b.shed.saturating_add(s.shed);
                b.spilled = b.spilled.saturating_add(s.spilled);
                b.cpu = (b.cpu * *n as f32 + s.cpu) / (*n + 1) as f32;
                b.shed_level = b.shed_level.max(s.shed_level);
                b.in_system = (b.in_system * *n as f32 + s.in_system) / (*n + 1) as f32;
                b.started = b.started.saturating_add(s.started);
                b.wait_s_sum += s.wait_s_sum;
                b.refused = b.refused.saturating_add(s.refused);
                b.cold_starts += s.cold_starts;
                b.memory = (b.memory * *n as f32 + s.memory) / (*n + 1) as f32;
                b.warm_pool = s.warm_pool;
                *n += 1;
            }
            _ => {
                if let Some((b, _)) = slot.take() {
                    self.done.push(b);
                }
                *slot = Some((PopSample { t_s: end_s, ..s }, 1));
            }
        }
    }

    /// Every bucket, in time order, PoPs in index order within a time.
    pub fn finish(mut self) -> Vec<PopSample> {
        self.done.extend(self.open.into_iter().flatten().map(|(b, _)| b));
        self.done.sort_by(|a, b| a.t_s.total_cmp(&b.t_s).then(a.pop.cmp(&b.pop)));
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t_s: f64, pop: u32, arrivals: u32, cpu: f32, servers: u32, shed_level: u8) -> PopSample {
        PopSample {
            t_s,
            pop,
            servers,
            arrivals,
            shed: 0,
            spilled: 0,
            cpu,
            shed_level,
            in_system: 0.0,
            started: 0,
            wait_s_sum: 0.0,
            refused: 0,
            isolates: false,
            cold_starts: 0.0,
            memory: 0.0,
            warm_pool: 0,
        }
    }

    #[test]
    fn pop_series_sums_control_periods_into_buckets() {
        let s = SimDuration::from_secs;
        let mut series = PopSeries::new(2, s(6), s(3), s(1));
        assert_eq!(series.width_ns(), s(3).as_nanos());
        for t in 1..=6 {
            series.push(sample(t as f64, 0, t, t as f32 / 10.0, 10 + t, (t == 2) as u8));
            series.push(sample(t as f64, 1, 1, 0.5, 4, 0));
        }
        let rows = series.finish();
        assert_eq!(rows.len(), 4);
        let pop0: Vec<&PopSample> = rows.iter().filter(|r| r.pop == 0).collect();
        // Ticks 1-3 end at 3 s, ticks 4-6 at 6 s.
        assert_eq!((pop0[0].t_s, pop0[0].arrivals, pop0[0].servers, pop0[0].shed_level), (3.0, 1 + 2 + 3, 13, 1));
        assert!((pop0[0].cpu - (0.1 + 0.2 + 0.3) / 3.0).abs() < 1e-6);
        assert_eq!((pop0[1].t_s, pop0[1].arrivals, pop0[1].servers, pop0[1].shed_level), (6.0, 4 + 5 + 6, 16, 0));
    }

    #[test]
    fn a_long_run_keeps_a_bounded_series() {
        let day = SimDuration::from_secs(86_400);
        let series = PopSeries::new(309, day, SimDuration::from_secs(1), SimDuration::from_secs(1));
        assert!(day.as_nanos().div_ceil(series.width_ns()) <= MAX_POP_BUCKETS);
        // Whole control periods.
        assert_eq!(series.width_ns() % SimDuration::from_secs(1).as_nanos(), 0);
    }
}
