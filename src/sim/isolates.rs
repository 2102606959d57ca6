//! The loop's side of the isolate model ([`crate::edge::isolates`]): which
//! deployment a request belongs to, whether its service starts cold, each
//! PoP's warm pool and memory once per control period, and the measures.
//!
//! - Request fidelity: a request's deployment is drawn from
//!   `unit_hash(first_sent_ns, net)`, the draw of the rate limits
//!   (`traffic::arrive`), so that with `[rate_limits]` both models see the
//!   same deployment (and the popularity is the rate limits'); no random
//!   stream is used. Each PoP keeps the last use of every (server,
//!   deployment) in flat tables sized at the start for the most servers the
//!   PoP may have; a cold start adds `cold_start` to the request's service
//!   time, so it shows in latency and CPU.
//! - Flow fidelity: per PoP and control period, the closed form of
//!   [`crate::edge::isolates::Popularity`] at the period's rate of started
//!   requests (quasi-static: the isolates are those the current rate would
//!   keep); cold starts are counted and their time reported, but do not
//!   lengthen the flow's service (a flow PoP's service law is fixed).
//!
//! A PoP's memory utilisation is the mean over its first `servers` server
//! indices (the pool's serving servers unless some were parked and others
//! added since, when it is an approximation).
//!
//! The cold start's share of latency is the cold-start time summed over
//! measured cold starts over the latency summed over the PoP's measured
//! successes (exact in request fidelity; from the PoP's latency histogram,
//! 2 significant digits, in flow fidelity).

use super::Sim;
use crate::edge::isolates::{IsolatesConfig, Popularity, ServerIsolates, WarmPool};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::schema::DEFAULT_DEPLOYMENTS;
use crate::scenario::Scenario;

/// What the isolate model measured at one PoP (measured window).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IsolateTotals {
    /// Requests whose service started (a volume in flow fidelity).
    pub started: f64,
    /// Of those, cold starts.
    pub cold_starts: f64,
    /// Cold-start time summed over them, s.
    pub cold_start_s: f64,
    /// Latency summed over the PoP's successes, s.
    pub latency_s: f64,
    /// Highest memory utilisation of a control period (mean over the
    /// PoP's servers; may pass 1 when more is demanded than a server has).
    pub memory_peak: f64,
    /// Mean memory utilisation over the control periods.
    pub memory_mean: f64,
    /// Deployments pinned in the warm pool at the end (`K`).
    pub warm_pool_end: u32,
    /// Control periods in which the warm pool grew.
    pub warm_pool_growths: u32,
}

impl IsolateTotals {
    /// Cold starts / started requests (0 if none started).
    pub fn cold_start_rate(&self) -> f64 {
        if self.started > 0.0 {
            self.cold_starts / self.started
        } else {
            0.0
        }
    }

    /// Cold-start time / latency of the successes (0 without latency).
    pub fn latency_share(&self) -> f64 {
        if self.latency_s > 0.0 {
            self.cold_start_s / self.latency_s
        } else {
            0.0
        }
    }
}

/// What one control period of a PoP showed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct IsolatePeriod {
    /// Memory utilisation at its end.
    pub(super) memory: f64,
    /// Cold starts in it.
    pub(super) cold_starts: f64,
    /// Deployments pinned at its end.
    pub(super) warm_pool: u32,
}

/// The model's parameters from `[isolates]` (and `[rate_limits]`'s
/// deployments when it is set), if the table is there.
pub(super) fn config(s: &Scenario) -> Option<IsolatesConfig> {
    let i = s.spec.isolates.as_ref()?;
    let popularity = match &s.spec.rate_limits {
        Some(r) => {
            let l = crate::edge::limits::LimitsConfig::new(
                r.accounts.get_ref().get(),
                r.deployments_per_account.get_ref().get(),
                r.zipf.get(),
                [1; 4],
            );
            Popularity::from_cdf(l.cdf)
        }
        None => Popularity::zipf(
            i.deployments.as_ref().map_or(DEFAULT_DEPLOYMENTS, |d| d.get_ref().get()),
            i.zipf.as_ref().map_or(1.0, |z| z.get_ref().get()),
        ),
    };
    Some(IsolatesConfig {
        cold_start: i.cold_start.get_ref().sim(),
        idle_evict: i.idle_evict.get_ref().sim(),
        isolate_share: i.isolate_share(),
        pool_min: i.warm_pool_min.get_ref().get(),
        pool_max: i.warm_pool_max.get_ref().get(),
        pool_step: i.warm_pool_step.get(),
        scale_up_rate: i.warm_pool_scale_up.get(),
        popularity,
    })
}

/// The most servers a PoP starting with `servers` may have: its own, or
/// the autoscaler's maximum if it runs and is larger (the size of its
/// isolate tables).
pub fn table_servers(servers: u32, autoscale: Option<&crate::edge::autoscale::AutoscaleConfig>) -> usize {
    servers.max(autoscale.map_or(0, |a| a.max_servers)) as usize
}

/// One PoP's isolates.
#[derive(Debug, Clone)]
struct PopIsolates {
    /// Request fidelity only.
    table: Option<ServerIsolates>,
    pool: WarmPool,
    tick_started: f64,
    tick_cold: f64,
    memory_ticks: u32,
    totals: IsolateTotals,
}

/// Every PoP's isolates.
#[derive(Debug, Clone)]
pub(super) struct IsolatePlane {
    pops: Vec<PopIsolates>,
}

impl IsolatePlane {
    /// The isolates of PoPs starting with `servers` each; tables only for a
    /// request-level run.
    pub(super) fn new(cfg: &super::ModelConfig, servers: &[u32], request: bool) -> Option<Self> {
        let c = cfg.isolates.as_ref()?;
        let pops = servers
            .iter()
            .map(|&n| {
                let pool = WarmPool::new(c);
                let table = request.then(|| {
                    let mut t = ServerIsolates::new(table_servers(n, cfg.autoscale.as_ref()), c.popularity.len());
                    t.pin(pool.k as usize);
                    t
                });
                PopIsolates {
                    table,
                    pool,
                    tick_started: 0.0,
                    tick_cold: 0.0,
                    memory_ticks: 0,
                    totals: IsolateTotals::default(),
                }
            })
            .collect();
        Some(IsolatePlane { pops })
    }
}

impl Sim<'_> {
    /// A request starts service on `server` of `pop` at `now`: the time its
    /// cold start adds (zero when warm or without the model).
    pub(super) fn isolate_start(&mut self, now: SimTime, pop: u32, server: u32, req: &super::Request) -> SimDuration {
        let (Some(plane), Some(c)) = (self.isolates.as_mut(), self.cfg.isolates.as_ref()) else {
            return SimDuration::ZERO;
        };
        let deployment = c.popularity.deployment(crate::engine::rng::unit_hash(req.first_sent_ns, req.net as u64));
        let p = &mut plane.pops[pop as usize];
        let cold = p.table.as_mut().is_none_or(|t| t.start(server as usize, deployment, now, c.idle_evict));
        p.tick_started += 1.0;
        p.tick_cold += cold as u8 as f64;
        if self.recorder.measures(SimTime(req.first_sent_ns)) {
            p.totals.started += 1.0;
            if cold {
                p.totals.cold_starts += 1.0;
                p.totals.cold_start_s += c.cold_start.as_secs_f64();
            }
        }
        if cold {
            c.cold_start
        } else {
            SimDuration::ZERO
        }
    }

    /// A measured request served by `pop` succeeded after `latency`.
    pub(super) fn isolate_served(&mut self, req: &super::Request, pop: u32, latency: SimDuration) {
        let Some(plane) = self.isolates.as_mut() else { return };
        if let Some(p) = plane.pops.get_mut(pop as usize) {
            if self.recorder.measures(SimTime(req.first_sent_ns)) {
                p.totals.latency_s += latency.as_secs_f64();
            }
        }
    }

    /// One control period of PoP `i` ending at `now`: the period's cold
    /// starts (flow fidelity: from the closed form), the warm pool's step,
    /// idle evictions and the memory utilisation (`None` without the model).
    pub(super) fn isolates_tick(&mut self, now: SimTime, i: usize) -> Option<IsolatePeriod> {
        let (Some(mut plane), Some(c)) = (self.isolates.take(), self.cfg.isolates.as_ref()) else { return None };
        let servers = self.pops[i].pool.servers();
        let period = self.cfg.tick;
        let measured = self.recorder.measures(SimTime(now.as_nanos().saturating_sub(period.as_nanos())));
        let flow_started = self.flow_started(i);
        let p = &mut plane.pops[i];
        let c_per_server = |started: f64| {
            started / period.as_secs_f64().max(1e-12) * c.idle_evict.as_secs_f64() / f64::from(servers.max(1))
        };
        let memory = match (&mut p.table, flow_started) {
            (Some(table), _) => {
                let n = servers.min(table.servers() as u32) as usize;
                (0..n).for_each(|s| table.evict(s, now, c.idle_evict));
                let warm: u64 = (0..n).map(|s| u64::from(table.warm(s))).sum();
                warm as f64 / n.max(1) as f64 * c.isolate_share
            }
            (None, Some(started)) => {
                let k = p.pool.k as usize;
                let x = c_per_server(started);
                let cold = started * c.popularity.cold_share(k, x);
                p.tick_started = started;
                p.tick_cold = cold;
                if measured {
                    p.totals.started += started;
                    p.totals.cold_starts += cold;
                    p.totals.cold_start_s += cold * c.cold_start.as_secs_f64();
                }
                let warm = if servers == 0 { 0.0 } else { c.popularity.expected_warm(k, x) };
                warm * c.isolate_share
            }
            (None, None) => 0.0,
        };
        let cold_starts = p.tick_cold;
        if p.pool.on_period(p.tick_cold, p.tick_started, c) {
            if measured {
                p.totals.warm_pool_growths += 1;
            }
            if let Some(t) = p.table.as_mut() {
                t.pin(p.pool.k as usize);
            }
        }
        (p.tick_started, p.tick_cold) = (0.0, 0.0);
        if measured {
            p.totals.memory_peak = p.totals.memory_peak.max(memory);
            p.totals.memory_mean += memory;
            p.memory_ticks += 1;
        }
        let warm_pool = p.pool.k;
        self.isolates = Some(plane);
        Some(IsolatePeriod { memory, cold_starts, warm_pool })
    }

    /// Writes each PoP's isolate measures into `totals` (after the drain).
    pub(super) fn isolates_finish(&mut self, totals: &mut [super::PopTotals]) {
        let Some(plane) = self.isolates.as_ref() else { return };
        let flow = self.flow.is_some();
        for (i, (p, t)) in plane.pops.iter().zip(totals.iter_mut()).enumerate() {
            let mut m = IsolateTotals { warm_pool_end: p.pool.k, ..p.totals.clone() };
            m.memory_mean /= f64::from(p.memory_ticks.max(1));
            if flow {
                let h = &self.recorder.latency_by_pop[i];
                m.latency_s = h.mean_ms() * h.count() as f64 / 1e3;
            }
            t.isolates = Some(m);
        }
    }
}
