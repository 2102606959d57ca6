//! The flow data plane (`fidelity = "flow"`): the traffic as flows of
//! requests with piecewise-constant rates instead of one event per request,
//! behind the same control plane (faults, health checks, withdrawal and
//! convergence, the overload loop, the autoscaler, the state plane).
//!
//! Each client network sends a flow per class at its site's rate. A flow is
//! integrated over spans of time in which nothing it depends on changes:
//! the network's route changes only at a `Learn` event, a PoP's state only
//! at a control tick, a fault or a change of its servers, and the plane
//! integrates up to each such event before the change applies. So the cost
//! of a run grows with the number of changes, not with the requests.
//!
//! - `deliver`: a span of a flow reaches the PoP its route gives (or none):
//!   no route, a dead PoP (silence, then the client's retry as a delayed
//!   flow), shedding, spillover; what is left waits at the PoP as a piece;
//! - `resolve`: at the end of a PoP's window, its pieces meet the PoP as a
//!   queueing station ([`crate::edge::station`]): blocking, the wait, late
//!   answers (which time out and retry), the fluid backlog when overloaded;
//!   outcomes and latency go to the recorders as volumes;
//! - `latency`: latency distributions as atoms on a fixed probability grid.
//!
//! Approximations (README, "Fidelity"): a PoP's queueing state is that of
//! the mean offered rate over its window (a control period at most); Poisson
//! arrivals; general service by Allen-Cunneen; a PoP that dies keeps what it
//! had admitted in its last window; a retry sooner than a control period
//! after its attempt starts a period late; in the drain after the end the
//! routes keep converging, but a PoP's window runs to the last retry.

mod deliver;
pub mod latency;
mod resolve;

use super::Sim;
use crate::edge::anycast::NO_POP;
use crate::edge::station::Backlog;
use crate::engine::{SimDuration, SimTime};
use latency::Atoms;

/// A flow of attempts over `[from, to)` (attempt times), at a rate per class.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Flow {
    from: SimTime,
    to: SimTime,
    /// Requests per second, by class.
    rate: [f64; 4],
    /// Attempt number, 0 for the first.
    attempt: u8,
    /// Attempt time minus first send time.
    offset: SimDuration,
}

impl Flow {
    fn seconds(&self) -> f64 {
        (self.to - self.from).as_secs_f64()
    }

    fn volumes(&self, share: f64) -> [f64; 4] {
        let s = self.seconds() * share;
        self.rate.map(|r| r * s)
    }

    /// The first send times of its requests.
    fn sent(&self) -> crate::metrics::volume::SentSpan {
        crate::metrics::volume::SentSpan {
            from: SimTime(self.from.as_nanos().saturating_sub(self.offset.as_nanos())),
            to: SimTime(self.to.as_nanos().saturating_sub(self.offset.as_nanos())),
        }
    }
}

/// A span of a flow waiting at a PoP for its window to be resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Piece {
    net: u32,
    flow: Flow,
    /// Requests by class (after shedding and spillover).
    volume: [f64; 4],
    /// Network delay both ways, spill hops included.
    round_trip: SimDuration,
}

/// Per-period sums of a PoP, for its control-period sample.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct PeriodTally {
    arrivals: f64,
    shed: f64,
    spilled: f64,
    refused: f64,
    started: f64,
    wait_s_sum: f64,
    /// Integral of the number in the PoP, request-seconds.
    in_system_area: f64,
    /// Integral of the busy servers, server-seconds.
    busy_area: f64,
}

/// Sums over the measured window, for the PoP's pool statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct PoolTally {
    arrivals: f64,
    rejected: f64,
    waited: f64,
    started: f64,
    wait_s_sum: f64,
    queue_area: f64,
    server_area: f64,
    busy_area: f64,
}

/// The queueing state a PoP's latency atoms were made for.
#[derive(Debug, Clone, Copy, PartialEq)]
struct StationKey {
    servers: u32,
    offered_per_s: f64,
    /// Stable: the wait's law the latency atoms were made for (probability
    /// of waiting, mean wait in ns).
    wait_law: Option<(f64, f64)>,
    fluid_wait_ns: Option<u64>,
}

/// A PoP in the flow data plane.
#[derive(Debug, Clone)]
struct PopFlow {
    window_from: SimTime,
    pending: Vec<Piece>,
    backlog: Backlog,
    period: PeriodTally,
    pool: PoolTally,
    /// Mean requests waiting over the last window.
    waiting: f64,
    /// The queueing state of the last window and its latency.
    state: Option<resolve::StationState>,
    /// Measured successes since the state last changed, by latency shift
    /// (network delay and retries) and class: recorded into the run's
    /// latency histograms when it changes, or at the end.
    deferred: Vec<(SimDuration, [f64; 4])>,
    /// Successes since the state changed or the time-series bucket began,
    /// by where they go in the series, latency shift and class: recorded
    /// into the series when either changes, or at the end.
    series: Vec<(crate::metrics::volume::SeriesKey, SimDuration, [f64; 4])>,
    service_rate_per_s: f64,
    service_scv: f64,
    /// The service and the jitter both ways: the latency past the network
    /// delay when nobody waits.
    base: Atoms,
    queue_limit: u32,
    /// Shed and spilled volumes of measured requests (PoP totals).
    shed_by_class: [f64; 4],
    spilled_out: f64,
    spilled_in: f64,
}

/// The flow data plane's state.
pub(super) struct FlowPlane {
    /// Per network: requests per second by class.
    rate: Vec<[f64; 4]>,
    /// Per network, under a demand curve: its mean rate per class (`rate`
    /// is this times the curve, set at each control period).
    mean_rate: Vec<[f64; 4]>,
    /// Per network: the time its flows are integrated up to.
    since: Vec<SimTime>,
    /// Per network: the PoPs its route sends to since then (its best, and
    /// its second-best if it is unstable; [`crate::edge::anycast::NO_POP`] for none).
    route: Vec<[u32; 2]>,
    /// Per network: retry flows still to come.
    retries: Vec<Vec<Flow>>,
    pops: Vec<PopFlow>,
    /// The end of the run: first attempts stop there.
    end: SimTime,
    /// The measured window's pool sums are closed.
    closed: bool,
    /// Each PoP's sample of the last control period.
    samples: Vec<super::PopSample>,
    /// Per PoP: the stream of the sampling noise of its measured CPU.
    cpu_noise: Vec<crate::engine::rng::Stream>,
    /// Room reused by each window's resolution: late shares of its pieces.
    late: Vec<f64>,
    /// ... and its successes grouped for their latency.
    groups: Vec<resolve::Group>,
    /// Each PoP's requests started in the last control period (for the
    /// isolate model).
    started: Vec<f64>,
    /// The shortest time from an attempt that timed out to its retry: the
    /// client's timeout plus the shortest listed wait (`None`: no retry, or
    /// zero); a span routed to a dead PoP goes in steps of it.
    retry_quantum: Option<SimDuration>,
}

impl FlowPlane {
    /// The flows of `sim`'s networks, its PoPs as stations.
    pub(super) fn new(sim: &Sim<'_>, pools: &[crate::edge::PoolConfig], seed: u64) -> Self {
        let networks = sim.routing.networks();
        let shares = sim.world.class_shares;
        let rate: Vec<[f64; 4]> = (0..networks)
            .map(|n| {
                let site = &sim.world.sites[sim.routing.nets[n].site as usize];
                let per_net = site.rps / sim.routing.site_networks(sim.routing.nets[n].site as usize).len() as f64;
                shares.map(|s| per_net * s)
            })
            .collect();
        let mean_rate = if sim.cfg.demand.is_some() { rate.clone() } else { Vec::new() };
        let rate = match &sim.cfg.demand {
            Some(d) => (0..networks)
                .map(|n| {
                    let site = sim.routing.nets[n].site as usize;
                    let m = d.classes(site, sim.world.sites[site].lon_deg, SimTime::ZERO);
                    std::array::from_fn(|c| rate[n][c] * m[c])
                })
                .collect(),
            None => rate,
        };
        let jitter = Atoms::round_trip_jitter(sim.world.latency.jitter.as_ref());
        let pops = pools
            .iter()
            .map(|c| PopFlow {
                window_from: SimTime::ZERO,
                pending: Vec::new(),
                backlog: Backlog::default(),
                period: PeriodTally::default(),
                pool: PoolTally::default(),
                waiting: 0.0,
                state: None,
                deferred: Vec::new(),
                series: Vec::new(),
                service_rate_per_s: 1e9 / c.service.mean_ns().max(1.0),
                service_scv: c.service.scv(),
                base: Atoms::service(&c.service).plus(&jitter),
                queue_limit: c.queue_limit,
                shed_by_class: [0.0; 4],
                spilled_out: 0.0,
                spilled_in: 0.0,
            })
            .collect();
        FlowPlane {
            rate,
            mean_rate,
            since: vec![SimTime::ZERO; networks],
            route: (0..networks).map(|n| sim.routing.targets(n)).collect(),
            retries: vec![Vec::new(); networks],
            pops,
            end: sim.end,
            closed: false,
            samples: Vec::new(),
            late: Vec::new(),
            groups: Vec::new(),
            started: Vec::new(),
            retry_quantum: retry_quantum(&sim.cfg.retry, sim.cfg.client_timeout),
            cpu_noise: sim
                .world
                .pops
                .iter()
                .map(|p| crate::engine::rng::stream(seed, &format!("flow/cpu/{}", p.code)))
                .collect(),
        }
    }

    /// Adds a retry flow of network `net`; one that would start before the
    /// network's flows are integrated starts then instead (a retry sooner
    /// than a control period after its attempt).
    fn push_retry(&mut self, net: u32, mut f: Flow) {
        let since = self.since[net as usize];
        if f.from < since {
            let late = since - f.from;
            f.from = since;
            f.to += late;
            f.offset = f.offset + late;
        }
        if f.to > f.from && f.rate.iter().any(|r| *r > 0.0) {
            self.retries[net as usize].push(f);
        }
    }
}

/// The shortest time from an attempt that timed out to its retry under
/// `retry` with the client's `timeout`: the timeout plus the shortest listed
/// wait (`None` if zero or no retries).
fn retry_quantum(retry: &crate::resilience::retry::RetryPolicy, timeout: SimDuration) -> Option<SimDuration> {
    let wait = (1..=retry.max_retries()).filter_map(|k| retry.wait_after(k)).min()?;
    Some(timeout + wait).filter(|q| *q > SimDuration::ZERO)
}

/// The busy share of `servers` a request-level run would measure over a
/// period in which `busy` servers are busy on average and a server serves
/// `services` requests on average: the mean plus the sampling noise of a
/// time average of the busy servers (normal, variance `2 busy / services`
/// over `servers` squared: the number busy as in an infinite-server queue,
/// correlated over a service time), clamped to [0, 1]. The control loop
/// reacts to the measured CPU, so its thresholds are crossed as often as in
/// the request level, not only when the mean crosses them.
fn measured_cpu(busy: f64, servers: u32, services: f64, noise: &mut crate::engine::rng::Stream) -> f64 {
    use rand_distr::{Distribution, StandardNormal};
    let mean = busy / f64::from(servers);
    if busy <= 0.0 || services <= 0.0 {
        return mean.clamp(0.0, 1.0);
    }
    let z: f64 = StandardNormal.sample(noise);
    (mean + z * (2.0 * busy / services).sqrt() / f64::from(servers)).clamp(0.0, 1.0)
}

impl Sim<'_> {
    /// Runs `f` on the flow plane, taken out of the run for the call.
    fn with_flow(&mut self, f: impl FnOnce(&mut Sim<'_>, &mut FlowPlane)) {
        if let Some(mut plane) = self.flow.take() {
            f(self, &mut plane);
            self.flow = Some(plane);
        }
    }

    /// Network `net`'s route now sends to `targets`: its flows are
    /// integrated up to `now` on the route they had.
    pub(super) fn flow_reroute(&mut self, now: SimTime, net: u32, targets: [u32; 2]) {
        self.with_flow(|sim, plane| {
            sim.advance_net(plane, net, now);
            plane.route[net as usize] = targets;
        });
    }

    /// Integrates every flow up to `now` and resolves `pops`' windows (before
    /// their state changes).
    pub(super) fn flow_settle(&mut self, now: SimTime, pops: &[usize]) {
        self.with_flow(|sim, plane| {
            sim.advance_all(plane, now);
            for &p in pops {
                sim.resolve_pop(plane, p, now);
            }
        });
    }

    /// Integrates every flow up to `now` and resolves every PoP's window.
    pub(super) fn flow_settle_all(&mut self, now: SimTime) {
        self.with_flow(|sim, plane| {
            sim.advance_all(plane, now);
            for p in 0..sim.pops.len() {
                sim.resolve_pop(plane, p, now);
            }
        });
    }

    fn advance_all(&mut self, plane: &mut FlowPlane, now: SimTime) {
        for net in 0..plane.since.len() as u32 {
            self.advance_net(plane, net, now);
        }
    }

    /// A control tick: integrate everything up to `now`, resolve every PoP,
    /// close each PoP's period (its arrivals, shed and spilled counts and
    /// load for the control loop, its sample for the series) and return
    /// each PoP's busy share over the period.
    /// Under a demand curve, sets every network's rates for the control
    /// period that starts at `now` (flows are integrated up to `now`).
    fn flow_follow_demand(&mut self, now: SimTime) {
        let (Some(d), Some(plane)) = (self.cfg.demand.as_ref(), self.flow.as_mut()) else { return };
        // Networks of one site share its multipliers: one evaluation per site.
        for (site, c) in self.world.sites.iter().enumerate() {
            let m = d.classes(site, c.lon_deg, now);
            for n in self.routing.site_networks(site) {
                plane.rate[n] = std::array::from_fn(|k| plane.mean_rate[n][k] * m[k]);
            }
        }
    }

    pub(super) fn flow_tick(&mut self, now: SimTime) -> Vec<f64> {
        self.flow_settle_all(now);
        self.flow_follow_demand(now);
        let period_s = self.cfg.tick.as_nanos() as f64 / 1e9;
        let Some(plane) = self.flow.as_mut() else { return vec![0.0; self.pops.len()] };
        let whole = |v: f64| v.max(0.0).round().min(u32::MAX as f64) as u32;
        let mut cpus = Vec::with_capacity(self.pops.len());
        plane.samples.clear();
        plane.started.clear();
        for (i, (f, p)) in plane.pops.iter_mut().zip(self.pops.iter_mut()).enumerate() {
            let t = std::mem::take(&mut f.period);
            plane.started.push(t.started);
            p.tick_arrivals = whole(t.arrivals);
            p.tick_shed = whole(t.shed);
            p.tick_spilled = whole(t.spilled);
            p.load_rps = t.arrivals / period_s;
            let servers = p.pool.servers();
            let noise = &mut plane.cpu_noise[i];
            cpus.push(match servers {
                0 if f.waiting > 0.0 => 1.0,
                0 => 0.0,
                n => measured_cpu(t.busy_area / period_s, n, f.service_rate_per_s * period_s, noise),
            });
            plane.samples.push(super::PopSample {
                t_s: now.as_secs_f64(),
                pop: i as u32,
                servers,
                arrivals: p.tick_arrivals,
                shed: p.tick_shed,
                spilled: p.tick_spilled,
                cpu: 0.0,
                shed_level: 0,
                in_system: (t.in_system_area / period_s) as f32,
                started: whole(t.started),
                wait_s_sum: t.wait_s_sum,
                refused: whole(t.refused),
                isolates: false,
                cold_starts: 0.0,
                memory: 0.0,
                warm_pool: 0,
            });
        }
        cpus
    }

    /// Requests started at PoP `p` in the period closed by the last
    /// [`Self::flow_tick`] (`None` in a request-level run).
    pub(super) fn flow_started(&self, p: usize) -> Option<f64> {
        self.flow.as_ref().map(|f| f.started.get(p).copied().unwrap_or(0.0))
    }

    /// Requests waiting at PoP `p` (the flow plane's mean over its last window).
    pub(super) fn flow_waiting(&self, p: usize) -> Option<f64> {
        self.flow.as_ref().map(|f| f.pops[p].waiting)
    }

    /// PoP `p`'s sample of the period closed by the last [`Self::flow_tick`].
    pub(super) fn flow_sample(&self, p: usize) -> Option<super::PopSample> {
        self.flow.as_ref().and_then(|f| f.samples.get(p).copied())
    }

    /// At the end of the run (flows integrated up to it): the measured
    /// window's pool sums are closed.
    pub(super) fn flow_close_window(&mut self) {
        if let Some(plane) = self.flow.as_mut() {
            plane.closed = true;
        }
    }

    /// After the drain's events (the routes kept converging, each network's
    /// flows integrated up to each change of its route): the retries of
    /// requests sent before the end play out to their last attempt, on the
    /// routes the drain left, so that every measured request has an outcome;
    /// then every PoP's latency still deferred is recorded.
    pub(super) fn flow_drain(&mut self) {
        self.with_flow(|sim, plane| {
            for _round in 0..=u8::MAX {
                let Some(horizon) = plane.retries.iter().flatten().map(|f| f.to).max() else { break };
                sim.advance_all(plane, horizon);
                for p in 0..sim.pops.len() {
                    sim.resolve_pop(plane, p, horizon);
                }
            }
            for p in 0..sim.pops.len() {
                sim.flush_latency(plane, p);
            }
        });
    }

    /// The pool statistics and PoP totals of the measured window.
    pub(super) fn flow_pool_stats(&self) -> Option<(Vec<crate::edge::pool::PoolStats>, Vec<super::PopTotals>)> {
        let plane = self.flow.as_ref()?;
        let whole = |v: f64| v.max(0.0).round() as u64;
        let stats = plane
            .pops
            .iter()
            .zip(&self.pops)
            .map(|(f, p)| {
                let servers = p.pool.servers().max(1) as usize;
                let busy_each = whole(f.pool.busy_area * 1e9 / servers as f64);
                crate::edge::pool::PoolStats {
                    arrivals: whole(f.pool.arrivals),
                    rejected: whole(f.pool.rejected),
                    waited: whole(f.pool.waited),
                    started: whole(f.pool.started),
                    wait_ns_sum: (f.pool.wait_s_sum.max(0.0) * 1e9).round() as u128,
                    queue_area: (f.pool.queue_area.max(0.0) * 1e9).round() as u128,
                    server_area: (f.pool.server_area.max(0.0) * 1e9).round() as u128,
                    busy_ns: vec![busy_each; servers],
                }
            })
            .collect();
        let totals = plane
            .pops
            .iter()
            .zip(&self.pops)
            .map(|(f, p)| super::PopTotals {
                shed_by_class: f.shed_by_class.map(whole),
                spilled_out: whole(f.spilled_out),
                spilled_in: whole(f.spilled_in),
                servers_end: p.pool.servers(),
                ..p.totals.clone()
            })
            .collect();
        Some((stats, totals))
    }

    /// Integrates network `net`'s first attempts and retries over
    /// `[since, now)` on its current route.
    fn advance_net(&mut self, plane: &mut FlowPlane, net: u32, now: SimTime) {
        let n = net as usize;
        let from = plane.since[n];
        if now <= from {
            return;
        }
        // While the route leads to a dead PoP, the span goes in steps no
        // longer than the shortest timeout-and-wait: the retries of one step
        // start in a later one and meet the route and PoPs of their own time
        // (a dead PoP again, until the route moves), not the next control
        // period's.
        let dead = || plane.route[n].iter().any(|&p| p != NO_POP && !self.pops[p as usize].alive);
        let step = match plane.retry_quantum {
            Some(q) if dead() => q,
            _ => now - from,
        };
        let mut a = from;
        while a < now {
            let b = (a + step).min(now);
            self.advance_step(plane, net, a, b);
            a = b;
        }
    }

    /// Delivers network `net`'s flows over `[from, to)`: its first attempts
    /// and the retries that start in it.
    fn advance_step(&mut self, plane: &mut FlowPlane, net: u32, from: SimTime, now: SimTime) {
        let n = net as usize;
        plane.since[n] = now;
        let base_to = now.min(plane.end);
        if base_to > from {
            let f = Flow { from, to: base_to, rate: plane.rate[n], attempt: 0, offset: SimDuration::ZERO };
            self.deliver(plane, net, f);
        }
        if plane.retries[n].is_empty() {
            return;
        }
        // Taken out while its parts are delivered (which may add retries).
        let mut waiting = std::mem::take(&mut plane.retries[n]);
        for f in waiting.iter().filter(|f| f.from < now) {
            self.deliver(plane, net, Flow { to: f.to.min(now), ..*f });
        }
        waiting.retain_mut(|f| {
            f.from = f.from.max(now);
            f.to > now
        });
        waiting.append(&mut plane.retries[n]);
        plane.retries[n] = waiting;
    }
}
