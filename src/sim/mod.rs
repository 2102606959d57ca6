//! A run: the loop that hands each event to the model it concerns and
//! writes what happens into the recorders. It wires the models (world,
//! edge, state, resilience) together; it models nothing of its own beyond
//! who waits for what.
//!
//! - `events`: the event vocabulary ([`Event`], [`Request`]);
//! - `run`: the loop ([`run()`]), its inputs, the drain after the end
//!   ([`drain()`], in `drain`) and the budgets that stop it;
//! - `result`: what a run measured ([`RunResult`]);
//! - this file: the run's state and the dispatch of each event to its handler;
//! - `traffic`: clients send, PoPs queue and serve, clients time out and
//!   retry (the request-level data plane, `fidelity = "request"`);
//! - `flow`: the same traffic as flows of rates through PoPs modelled as
//!   queueing stations (the flow-level data plane, `fidelity = "flow"`),
//!   driven by the same control events;
//! - `control`: health checks, route withdrawal and convergence, faults,
//!   the overload control loop and the autoscaler;
//! - [`state`], [`origin`], [`levels`]: the state plane, the origin, the
//!   degradation levels; [`config`]: the model parameters from the file;
//! - `isolates`: deployments, warm isolates and cold starts, the warm pool.

mod bgp;
pub mod config;
mod control;
mod drain;
mod events;
mod flow;
mod incident_rto;
pub mod incidents;
mod isolates;
pub mod levels;
pub mod origin;
mod result;
mod run;
pub mod state;
mod traffic;

use crate::edge::anycast::Routing;
use crate::edge::autoscale::Autoscaler;
use crate::edge::faults::Fault;
use crate::edge::health::HealthState;
use crate::edge::overload::Shedder;
use crate::edge::pool::{PoolStats, ServerPool};
use crate::engine::dist::DurationDist;
use crate::engine::rng::{self, Stream};
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::metrics::faults::FaultRecord;
use crate::metrics::Recorder;
use crate::world::catalog::great_circle_km;
use crate::world::World;
pub use bgp::{BgpResult, BgpSetup, RouteAction};
pub use config::ModelConfig;
pub use drain::{drain, lifetime};
pub use events::{Event, Request};
pub use incidents::{IncidentRecord, IncidentResult, MAX_INCIDENT_RECORDS};
pub use isolates::{table_servers, IsolateTotals};
pub use result::{Catchment, PopSample, PopSeries, PopTotals, RunResult, MAX_POP_BUCKETS};
pub use run::{
    budget_exceeded, run, run_observed, Budget, BudgetExceeded, Observer, RunInputs, PROGRESS_EVERY, QUEUED_EVENT_BYTES,
};

/// A client site's streams and what its clients send.
struct SiteState {
    traffic: Stream,
    network: Stream,
    /// Mean gap between send events, ns (at the demand's peak rate when
    /// demand varies: sends are then thinned to the curve).
    mean_gap_ns: f64,
    /// Longitude, degrees east (local time of the demand curve).
    lon_deg: f64,
    class_cdf: [f64; 4],
    first_net: u32,
    nets: u32,
}

/// A PoP's models.
struct PopState {
    pool: ServerPool<Request>,
    service: DurationDist,
    service_rng: Stream,
    spill_rng: Stream,
    mean_service_ns: f64,
    wanted: u32,
    provisioning: u32,
    degraded: Option<f64>,
    alive: bool,
    /// Incidents and faults holding it down (it is back when none is left).
    down_count: u32,
    /// When it last went down.
    down_since: SimTime,
    probes_fail: bool,
    incarnation: u16,
    health: HealthState,
    shedder: Shedder,
    autoscaler: Autoscaler,
    spill_share: f64,
    spill_to: u32,
    load_rps: f64,
    last_busy: u128,
    /// The pool's totals at the last control tick.
    last_tally: crate::edge::pool::PoolTally,
    tick_arrivals: u32,
    tick_shed: u32,
    tick_spilled: u32,
    active_fault: Option<u32>,
    totals: PopTotals,
    limits: Option<crate::edge::limits::PopLimits>,
}

/// What is known of an attempt until its client's timeout fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotState {
    /// Unused.
    Free,
    /// Travelling, queued or in service.
    InFlight,
    /// The client has its answer (success or a refusal).
    Answered,
    /// Nobody holds it any more and no answer will come.
    Dropped,
    /// The client gave up; whoever holds the attempt discards it.
    TimedOut,
}

/// One slot per attempt in flight, reused through a free list.
#[derive(Default)]
struct Slots {
    state: Vec<SlotState>,
    free: Vec<u32>,
}

impl Slots {
    fn alloc(&mut self) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.state[i as usize] = SlotState::InFlight;
                i
            }
            None => {
                self.state.push(SlotState::InFlight);
                self.state.len() as u32 - 1
            }
        }
    }
    fn release(&mut self, i: u32) {
        self.state[i as usize] = SlotState::Free;
        self.free.push(i);
    }
}

struct Sim<'a> {
    queue: EventQueue<Event>,
    cfg: &'a ModelConfig,
    world: &'a World,
    fault_plan: &'a [Fault],
    end: SimTime,
    sites: Vec<SiteState>,
    /// One-way base latency, site x PoP, ns.
    base: Vec<u32>,
    /// One-way latency between PoPs, PoP x PoP, ns.
    hop: Vec<u32>,
    /// Other PoPs by distance, per PoP.
    near: Vec<Vec<u32>>,
    routing: Routing,
    route_rng: Stream,
    flip_rng: Stream,
    /// The failure processes' incidents, if the file has any.
    incidents: Option<incidents::Feed>,
    /// Incidents and faults holding each state unit down: regions (DO) 0-2,
    /// KV primaries 3-5, the origin 6, the control plane 7.
    unit_down: [u32; 8],
    /// Each served request's subrequests (when modelled).
    subrequest_rng: Stream,
    /// The flow level's share of served requests over the subrequest limit.
    subrequest_loss: f64,
    pops: Vec<PopState>,
    slots: Slots,
    /// Per network: bit f set if fault f affects it.
    affected: Vec<u32>,
    /// Per network: bit f set when it needs no move for fault f: it was
    /// not in f's catchment when f struck, or it has moved since.
    settled: Vec<u32>,
    /// Bit f set while fault f lasts.
    active_faults: u32,
    /// Time of the health checker's first probe.
    health_phase: SimDuration,
    /// The PoPs the health checker's rounds probe, in index order: all but
    /// those that answered and are declared up (until they fail).
    watched: Vec<u32>,
    faults: Vec<FaultRecord>,
    /// Catchment snapshots around faults.
    catchments: Vec<result::Catchment>,
    recorder: Recorder,
    series: PopSeries,
    sent_measured: u64,
    /// The time-based measures closed at `end` (before the drain).
    closed: Option<Closed>,
    state: state::StatePlane,
    origin: Option<origin::OriginPlane>,
    levels: levels::LevelPlane,
    rate_limited: [u64; 3],
    /// The flow data plane, in a flow run (`None`: every request is an event).
    flow: Option<Box<flow::FlowPlane>>,
    /// The BGP protocol, under path-vector convergence.
    bgp: Option<Box<crate::edge::bgp::PathVector>>,
    /// Times a `BgpWake` is scheduled for.
    bgp_wakes: Vec<SimTime>,
    /// Route changes read from the protocol (a reused buffer).
    bgp_changes: Vec<crate::edge::bgp::RouteChange>,
    /// The fault that started last (route changes are counted against it).
    last_fault: Option<u32>,
    /// Shares of networks routed to their nearest PoP, and unrouted, at the start.
    bgp_shares: (f64, f64),
    /// The demand curve's largest multiplier over the run (1 without one):
    /// send events come at this times the mean rate and are thinned.
    demand_peak: f64,
    /// Deployments, isolates and cold starts, under `[isolates]`.
    isolates: Option<isolates::IsolatePlane>,
}

/// Time-based measures closed at the end of the run, before the drain.
struct Closed {
    pools: Vec<PoolStats>,
    pop_totals: Vec<PopTotals>,
    issued: u64,
}

fn ranking_by_distance(lat: f64, lon: f64, world: &World, skip: Option<usize>) -> Vec<(u32, f64)> {
    let mut v: Vec<(u32, f64)> = world
        .pops
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != skip)
        .map(|(i, p)| (i as u32, great_circle_km(lat, lon, p.lat_deg, p.lon_deg)))
        .collect();
    v.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    v
}

/// Per client network: the index in [`crate::world::catalog::Region::ALL`]
/// of its site's region (the region of the site's nearest PoP).
fn net_regions(world: &World, routing: &Routing) -> Vec<u8> {
    let all = crate::world::catalog::Region::ALL;
    let site_region: Vec<u8> = world
        .sites
        .iter()
        .map(|s| {
            let region = world.pops.get(s.nearest_pop).map(|p| p.region);
            all.iter().position(|r| Some(*r) == region).unwrap_or(all.len()) as u8
        })
        .collect();
    (0..routing.networks())
        .map(|n| site_region.get(routing.nets[n].site as usize).copied().unwrap_or(u8::MAX))
        .collect()
}

fn class_cdf(shares: &[f64; 4]) -> [f64; 4] {
    let mut cdf = [0.0; 4];
    let mut acc = 0.0;
    for (c, share) in shares.iter().enumerate() {
        acc += share;
        cdf[c] = acc;
    }
    cdf[3] = f64::INFINITY;
    cdf
}

fn ns_u32(d: SimDuration) -> u32 {
    d.as_nanos().min(u32::MAX as u64) as u32
}

impl<'a> Sim<'a> {
    fn new(inputs: &RunInputs<'a>) -> Self {
        let world = inputs.world;
        let cfg = inputs.config;
        let npops = world.pops.len();
        let mut base = Vec::with_capacity(world.sites.len() * npops);
        let mut ranking = Vec::with_capacity(world.sites.len());
        for s in &world.sites {
            let ranked = ranking_by_distance(s.lat_deg, s.lon_deg, world, None);
            let mut row = vec![0u32; npops];
            for (p, km) in &ranked {
                row[*p as usize] = ns_u32(world.latency.base_one_way(*km));
            }
            base.extend(row);
            ranking.push(ranked.into_iter().map(|(p, _)| p).collect());
        }
        let mut hop = vec![0u32; npops * npops];
        let mut near = Vec::with_capacity(npops);
        for (i, p) in world.pops.iter().enumerate() {
            let ranked = ranking_by_distance(p.lat_deg, p.lon_deg, world, Some(i));
            for (q, km) in &ranked {
                hop[i * npops + *q as usize] = ns_u32(world.latency.base_one_way(*km) + SimDuration(0));
            }
            near.push(ranked.into_iter().map(|(q, _)| q).collect());
        }
        let mut net_rng = rng::stream(inputs.seed, "anycast/networks");
        let routing = Routing::new(
            ranking,
            npops,
            cfg.networks_per_site,
            cfg.off_nearest_share,
            cfg.unstable_share,
            &mut net_rng,
        );
        let cdf = class_cdf(&world.class_shares);
        let demand_peak = cfg.demand.as_ref().map_or(1.0, |d| d.max_until(SimTime::ZERO + inputs.duration));
        let sites = world
            .sites
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let nets = routing.site_networks(i);
                SiteState {
                    traffic: rng::stream(inputs.seed, &format!("traffic/{}", s.name)),
                    network: rng::stream(inputs.seed, &format!("network/{}", s.name)),
                    mean_gap_ns: 1e9 / (s.rps * demand_peak),
                    lon_deg: s.lon_deg,
                    class_cdf: cdf,
                    first_net: nets.start as u32,
                    nets: nets.len() as u32,
                }
            })
            .collect();
        let warmup_ns = inputs.warmup.as_nanos();
        let pops = world
            .pops
            .iter()
            .zip(inputs.pools)
            .map(|(p, c)| PopState {
                pool: ServerPool::new(c.servers, c.queue_limit, warmup_ns),
                service: c.service,
                service_rng: rng::stream(inputs.seed, &format!("pop/{}/service", p.code)),
                spill_rng: rng::stream(inputs.seed, &format!("pop/{}/spill", p.code)),
                mean_service_ns: c.service.mean_ns().max(1.0),
                wanted: c.servers,
                provisioning: 0,
                degraded: None,
                alive: true,
                down_count: 0,
                down_since: SimTime::ZERO,
                probes_fail: false,
                incarnation: 0,
                health: HealthState::default(),
                shedder: Shedder::default(),
                autoscaler: Autoscaler::default(),
                spill_share: 0.0,
                spill_to: crate::edge::anycast::NO_POP,
                load_rps: 0.0,
                last_busy: 0,
                last_tally: Default::default(),
                tick_arrivals: 0,
                tick_shed: 0,
                tick_spilled: 0,
                active_fault: None,
                totals: PopTotals { servers_end: c.servers, servers_max: c.servers, ..PopTotals::default() },
                limits: cfg.limits.as_ref().map(crate::edge::limits::PopLimits::new),
            })
            .collect();
        let end = SimTime::ZERO + inputs.duration;
        let mut recorder =
            Recorder::new(npops, inputs.duration, SimTime::ZERO + inputs.warmup, inputs.bucket, inputs.probes.clone());
        recorder.set_regions(net_regions(world, &routing), crate::world::catalog::Region::ALL.len());
        let networks = routing.networks();
        let mut sim = Sim {
            queue: EventQueue::with_capacity(world.sites.len() * 4 + 4096),
            cfg,
            world,
            fault_plan: inputs.faults,
            end,
            sites,
            base,
            hop,
            near,
            routing,
            route_rng: rng::stream(inputs.seed, "anycast/convergence"),
            flip_rng: rng::stream(inputs.seed, "anycast/unstable"),
            subrequest_rng: rng::stream(inputs.seed, "traffic/subrequests"),
            subrequest_loss: cfg.subrequests.map_or(0.0, |s| s.exceed_probability()),
            incidents: incidents::Feed::new(&cfg.failures, inputs.seed, end, npops, inputs.faults.len()),
            unit_down: [0; 8],
            pops,
            slots: Slots::default(),
            affected: vec![0; networks],
            settled: vec![0; networks],
            active_faults: 0,
            health_phase: cfg.health.resolve_phase(&mut rng::stream(inputs.seed, "health/phase")),
            watched: (0..npops as u32).collect(),
            faults: inputs.faults.iter().map(|f| FaultRecord::new(f.at, end)).collect(),
            catchments: Vec::new(),
            recorder,
            series: PopSeries::new(npops, inputs.duration, inputs.bucket, cfg.tick),
            sent_measured: 0,
            closed: None,
            state: state::StatePlane::new(world, cfg, inputs.seed, inputs.faults.len(), inputs.duration, inputs.warmup),
            origin: cfg
                .origin
                .as_ref()
                .map(|o| origin::OriginPlane::new(o, world, inputs.seed, inputs.warmup, inputs.duration)),
            levels: levels::LevelPlane::new(world.pops.len(), inputs.seed, cfg),
            rate_limited: [0; 3],
            flow: None,
            bgp: None,
            bgp_wakes: Vec::new(),
            bgp_changes: Vec::new(),
            last_fault: None,
            bgp_shares: (0.0, 0.0),
            demand_peak,
            isolates: isolates::IsolatePlane::new(
                cfg,
                &inputs.pools.iter().map(|c| c.servers).collect::<Vec<_>>(),
                cfg.fidelity == crate::scenario::schema::Fidelity::Request,
            ),
        };
        sim.bgp_start(inputs.seed);
        if cfg.fidelity == crate::scenario::schema::Fidelity::Flow {
            sim.flow = Some(Box::new(flow::FlowPlane::new(&sim, inputs.pools, inputs.seed)));
        }
        sim.schedule_start();
        sim
    }

    fn schedule_start(&mut self) {
        for f in 0..self.fault_plan.len() {
            let fault = &self.fault_plan[f];
            // The catchment before the fault, for "latency before".
            for net in 0..self.routing.networks() {
                if fault.pops.contains(&(self.routing.best(net) as usize)) {
                    self.affected[net] |= 1 << f;
                }
            }
            self.queue.schedule_at(fault.at, Event::FaultStart { fault: f as u32 });
        }
        for site in 0..self.sites.len() * self.flow.is_none() as usize {
            let first = SimTime::ZERO + self.gap(site);
            if first < self.end {
                self.queue.schedule_at(first, Event::Send { site: site as u32 });
            }
        }
        let phase = SimTime::ZERO + self.health_phase;
        if phase < self.end {
            self.queue.schedule_at(phase, Event::Probes);
        }
        let tick = SimTime::ZERO + self.cfg.tick;
        if tick < self.end {
            self.queue.schedule_at(tick, Event::Tick);
        }
        self.schedule_state();
        self.schedule_deployments();
        self.schedule_incidents();
    }

    #[inline]
    fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::Send { site } => self.send(now, site),
            Event::Attempt { req } => self.attempt(now, req),
            Event::Arrive { pop, req } => self.arrive(now, pop, req),
            Event::Depart { pop, server, incarnation, req } => self.depart(now, pop, server, incarnation, req),
            Event::Timeout { req } => self.timeout(now, req),
            Event::Probes => self.probes(now),
            Event::ProbeMiss { pop } => self.health_result(now, pop, false),
            Event::RouteChange { pop, withdraw } => self.route_change(now, pop, withdraw),
            Event::Learn { net, pop, epoch } => self.learn(now, net, pop, epoch),
            Event::BgpWake => self.bgp_wake(now),
            Event::FaultStart { fault } => self.fault_start(now, fault),
            Event::FaultEnd { fault } => self.fault_end(now, fault),
            Event::Tick => self.tick(now),
            Event::ServerReady { pop } => self.server_ready(now, pop),
            Event::StateArrival { stream } => self.state_arrival(now, stream),
            Event::DoRetry { obj, site, attempt, write, first_ns } => {
                self.do_request(now, obj, site, attempt, write, first_ns)
            }
            Event::DoSnapshot { obj } => self.do_snapshot(now, obj),
            Event::OriginSend { pop, attempt, req } => self.origin_send(now, pop, attempt, req),
            Event::OriginArrive { pop, attempt, slot, req } => self.origin_arrive(now, pop, attempt, slot, req),
            Event::OriginDone { server, pop, attempt, slot, req } => {
                self.origin_done(now, server, (pop, attempt, slot, req))
            }
            Event::OriginReply { pop, attempt, slot, ok, req } => self.origin_reply(now, pop, attempt, slot, ok, req),
            Event::OriginTimeout { pop, attempt, slot, req } => self.origin_timeout(now, pop, attempt, slot, req),
            Event::Deploy { attempt } => self.deploy(now, attempt),
            Event::CodeFetch { attempt, fetch } => self.code_fetch(now, attempt, fetch),
            Event::IncidentStart { slot } => self.incident_start(now, slot),
            Event::IncidentEnd { slot } => self.incident_end(now, slot),
            Event::IncidentClose { fault } => self.close_measure(fault),
            Event::KvWriteRetry { site, key, attempt, first_ns } => self.kv_write(now, site, key, attempt, first_ns),
            Event::KvApply { namespace, from, to, key, version, value, committed_ns } => {
                let v = crate::state::kv::Versioned { version, value };
                let r = crate::state::kv::Replication {
                    to: to as usize,
                    at: now,
                    key,
                    v,
                    committed: SimTime(committed_ns),
                };
                self.kv_apply(now, namespace, from, r)
            }
        }
    }

    /// Closes the time-based measures at `end` (once): the pools'
    /// utilisation and queues, the servers at the end.
    fn close(&mut self) {
        if self.closed.is_some() {
            return;
        }
        // A flow run integrates its flows up to the end first (no-op otherwise).
        self.flow_settle_all(self.end);
        // Incidents measuring their RTO are not scripted faults: no catchment.
        let scripted = u32::MAX.checked_shr(32 - self.fault_plan.len() as u32).unwrap_or(0);
        let mut lasting = self.active_faults & scripted;
        while lasting != 0 {
            let f = lasting.trailing_zeros();
            lasting &= lasting - 1;
            self.snapshot_catchment(self.end, f, false);
        }
        let issued = self.recorder.issued_so_far();
        let end = self.end.as_nanos();
        let (pools, pop_totals) = self.flow_pool_stats().unwrap_or_else(|| {
            let pools = self.pops.iter_mut().map(|p| p.pool.finish(end)).collect();
            let totals =
                self.pops.iter().map(|p| PopTotals { servers_end: p.pool.servers(), ..p.totals.clone() }).collect();
            (pools, totals)
        });
        self.flow_close_window();
        self.closed = Some(Closed { pools, pop_totals, issued });
    }

    /// Forgets the steps of the fault timelines that came during the drain:
    /// the timelines stay within the run.
    fn clip_fault_timelines(&mut self) {
        let end = self.end;
        for f in &mut self.faults {
            for step in [&mut f.detected, &mut f.withdrawn, &mut f.declared_up, &mut f.reannounced, &mut f.ended] {
                if step.is_some_and(|t| t >= end) {
                    *step = None;
                }
            }
            f.moved.retain(|t| *t < end);
            for step in [&mut f.last_route_change, &mut f.bgp_quiet] {
                if step.is_some_and(|t| t >= end) {
                    *step = None;
                }
            }
        }
    }

    fn finish(mut self, handled: u64, trace_hash: String, measure_from: SimTime, drain: SimDuration) -> RunResult {
        debug_assert!(self.sent_measured >= self.recorder.total.issued, "a request was counted twice");
        let end = self.end;
        let mut closed =
            self.closed.take().unwrap_or_else(|| Closed { pools: Vec::new(), pop_totals: Vec::new(), issued: 0 });
        if self.flow.is_some() {
            self.flow_drain();
            self.recorder.settle_volumes();
            self.faults.iter_mut().for_each(|f| f.settle_volumes());
            self.sent_measured = self.recorder.total.issued;
        }
        self.isolates_finish(&mut closed.pop_totals);
        // At the flow level the volumes are rounded once more when settled: a
        // difference below 0 is that rounding, not requests.
        let finished_in_drain = self.recorder.total.issued.saturating_sub(closed.issued);
        let given_up_at_end = self.sent_measured.saturating_sub(self.recorder.total.issued);
        self.recorder.give_up(given_up_at_end);
        self.clip_fault_timelines();
        let bgp = self.bgp_result();
        let incidents = self.incidents_finish(end);
        self.faults.truncate(self.fault_plan.len());
        RunResult {
            incidents,
            events_handled: handled,
            trace_hash,
            measure_from,
            end,
            unfinished: self.sent_measured.saturating_sub(self.recorder.total.issued),
            drain,
            finished_in_drain,
            given_up_at_end,
            recorder: self.recorder,
            pools: closed.pools,
            pop_totals: closed.pop_totals,
            pop_series: self.series.finish(),
            faults: self.faults,
            networks: self.routing.networks(),
            state: self.state.finish(end),
            origin: self.origin.map(|o| o.finish(end)),
            levels: self.levels.finish(end),
            rate_limited: self.rate_limited,
            health_phase: self.health_phase,
            net_sites: (0..self.routing.networks()).map(|n| self.routing.nets[n].site).collect(),
            catchments: self.catchments,
            bgp,
        }
    }

    /// Records where every network sends now, for fault `fault`.
    fn snapshot_catchment(&mut self, now: SimTime, fault: u32, before: bool) {
        let snap = result::Catchment {
            fault,
            before,
            at: now,
            pop_of_net: (0..self.routing.networks()).map(|n| self.routing.best(n)).collect(),
            pop_alive: self.pops.iter().map(|p| p.alive).collect(),
            pop_withdrawn: (0..self.pops.len()).map(|p| self.routing.is_withdrawn(p)).collect(),
        };
        self.catchments.push(snap);
    }
}
