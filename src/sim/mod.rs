//! A run: the event vocabulary and the loop that hands each event to the
//! model it concerns, writing what happens into the recorders.
//!
//! - [`traffic`]: clients send, PoPs queue and serve, clients time out and retry;
//! - [`control`]: health checks, route withdrawal and convergence, faults,
//!   the overload control loop and the autoscaler.

pub mod config;
mod control;
pub mod levels;
pub mod origin;
pub mod state;
mod traffic;

use crate::edge::anycast::Routing;
use crate::edge::autoscale::Autoscaler;
use crate::edge::faults::Fault;
use crate::edge::health::HealthState;
use crate::edge::overload::Shedder;
use crate::edge::pool::{PoolStats, ServerPool};
use crate::edge::PoolConfig;
use crate::engine::dist::DurationDist;
use crate::engine::rng::{self, Stream};
use crate::engine::trace::{TraceHasher, TraceWriter};
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::metrics::faults::FaultRecord;
use crate::metrics::{Probe, Recorder};
use crate::world::catalog::great_circle_km;
use crate::world::World;
pub use config::ModelConfig;
use serde::Serialize;
use std::io::{self, Write};

/// A request attempt in flight: plain data carried by events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Request {
    /// When the client first sent it, ns.
    pub first_sent_ns: u64,
    /// When this attempt left the client, ns.
    pub sent_ns: u64,
    /// The client network that sent it.
    pub net: u32,
    /// The attempt's slot: what the client knows of it.
    pub slot: u32,
    /// One-way latency of the answer's trip back, ns.
    pub back_ns: u32,
    /// Priority class, 0 (P0) to 3 (P3).
    pub class: u8,
    /// Attempt number, 0 for the first.
    pub attempt: u8,
    /// Already spilled once (never spilled twice).
    pub spilled: bool,
    /// Misses the PoP's cache: the PoP fetches from the origin.
    pub origin: bool,
}

/// Everything that can happen in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// Client site `site` sends a new request.
    Send {
        /// Site index.
        site: u32,
    },
    /// A retry leaves the client.
    Attempt {
        /// The request.
        req: Request,
    },
    /// A request reaches PoP `pop`.
    Arrive {
        /// PoP index.
        pop: u32,
        /// The request.
        req: Request,
    },
    /// Server `server` of PoP `pop` finishes `req`.
    Depart {
        /// PoP index.
        pop: u32,
        /// Server index within the PoP.
        server: u32,
        /// The PoP's incarnation when service started (a PoP that went down since answers nothing).
        incarnation: u16,
        /// The request.
        req: Request,
    },
    /// The client's timeout for an attempt.
    Timeout {
        /// The request.
        req: Request,
    },
    /// The health checker probes PoP `pop`.
    Probe {
        /// PoP index.
        pop: u32,
    },
    /// A probe of PoP `pop` went unanswered.
    ProbeMiss {
        /// PoP index.
        pop: u32,
    },
    /// PoP `pop`'s route starts being withdrawn or announced.
    RouteChange {
        /// PoP index.
        pop: u32,
        /// Withdrawn (true) or announced (false).
        withdraw: bool,
    },
    /// Client network `net` learns epoch `epoch` of PoP `pop`'s route.
    Learn {
        /// Network index.
        net: u32,
        /// PoP index.
        pop: u32,
        /// Route epoch (odd: withdrawn).
        epoch: u16,
    },
    /// Fault `fault` strikes.
    FaultStart {
        /// Fault index.
        fault: u32,
    },
    /// Fault `fault` ends.
    FaultEnd {
        /// Fault index.
        fault: u32,
    },
    /// The overload control loop and the autoscaler run.
    Tick,
    /// A server the autoscaler asked for starts serving at PoP `pop`.
    ServerReady {
        /// PoP index.
        pop: u32,
    },
    /// The next arrival of a state-plane stream (DO requests, KV writes, KV
    /// reads, limiter requests).
    StateArrival {
        /// Which stream.
        stream: u8,
    },
    /// A Durable Object request attempt (a retry) reaches its object.
    DoRetry {
        /// Object index.
        obj: u32,
        /// The client site.
        site: u32,
        /// Attempt number.
        attempt: u8,
        /// A write (else a read).
        write: bool,
        /// When it was first sent, ns.
        first_ns: u64,
    },
    /// Object `obj` takes a snapshot.
    DoSnapshot {
        /// Object index.
        obj: u32,
    },
    /// A KV write retry.
    KvWriteRetry {
        /// The client site.
        site: u32,
        /// The key.
        key: u32,
        /// Attempt number.
        attempt: u8,
        /// When it was first sent, ns.
        first_ns: u64,
    },
    /// A PoP sends fetch attempt `attempt` of `req` to the origin.
    OriginSend {
        /// PoP index.
        pop: u32,
        /// Fetch attempt number.
        attempt: u8,
        /// The client's request.
        req: Request,
    },
    /// A fetch reaches the origin.
    OriginArrive {
        /// PoP index.
        pop: u32,
        /// Fetch attempt number.
        attempt: u8,
        /// The fetch's slot.
        slot: u32,
        /// The client's request.
        req: Request,
    },
    /// An origin server finishes a fetch.
    OriginDone {
        /// Origin server.
        server: u32,
        /// PoP index.
        pop: u32,
        /// Fetch attempt number.
        attempt: u8,
        /// The fetch's slot.
        slot: u32,
        /// The client's request.
        req: Request,
    },
    /// The origin's answer reaches the PoP.
    OriginReply {
        /// PoP index.
        pop: u32,
        /// Fetch attempt number.
        attempt: u8,
        /// The fetch's slot.
        slot: u32,
        /// A good answer (else an error).
        ok: bool,
        /// The client's request.
        req: Request,
    },
    /// The PoP's timeout for a fetch attempt.
    OriginTimeout {
        /// PoP index.
        pop: u32,
        /// Fetch attempt number.
        attempt: u8,
        /// The fetch's slot.
        slot: u32,
        /// The client's request.
        req: Request,
    },
    /// A deployment asks the control plane (attempt `attempt`).
    Deploy {
        /// Attempt number.
        attempt: u32,
    },
    /// A replicated KV write reaches another primary.
    KvApply {
        /// 0: the KV; 1: the KV limiter's counts.
        namespace: u8,
        /// Origin primary.
        from: u8,
        /// Destination primary.
        to: u8,
        /// Key.
        key: u32,
        /// Version (last writer wins).
        version: u32,
        /// Value.
        value: u64,
        /// When it was committed at its origin, ns.
        committed_ns: u64,
    },
}

/// One PoP in one control period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PopSample {
    /// End of the period, s.
    pub t_s: f64,
    /// PoP index.
    pub pop: u32,
    /// Servers at the end of the period.
    pub servers: u32,
    /// Requests that arrived.
    pub arrivals: u32,
    /// Requests shed.
    pub shed: u32,
    /// Requests spilled to another PoP.
    pub spilled: u32,
    /// Busy fraction of the servers over the period.
    pub cpu: f32,
    /// Classes being shed (0 none .. 3 P1-P3).
    pub shed_level: u8,
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
}

/// What a run measured, ready for checks and reports.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Events handled.
    pub events_handled: u64,
    /// Hash of the handled-event stream, 16 hex digits.
    pub trace_hash: String,
    /// Start of the measured window.
    pub measure_from: SimTime,
    /// End of the run.
    pub end: SimTime,
    /// Request measures.
    pub recorder: Recorder,
    /// Server-pool measures, by PoP.
    pub pools: Vec<PoolStats>,
    /// Overload-model totals, by PoP.
    pub pop_totals: Vec<PopTotals>,
    /// Every PoP in every control period.
    pub pop_series: Vec<PopSample>,
    /// One record per fault, in file order.
    pub faults: Vec<FaultRecord>,
    /// Client networks in all.
    pub networks: usize,
    /// The state plane's measures.
    pub state: state::StateResult,
    /// The origin's measures, if there is one.
    pub origin: Option<origin::OriginResult>,
    /// Degradation levels and deployments.
    pub levels: levels::LevelResult,
    /// Requests refused by each rate limit (measured), in
    /// [`crate::edge::limits::LimitHit::ALL`] order.
    pub rate_limited: [u64; 3],
    /// Measured requests sent with no outcome by the end of the run.
    pub unfinished: u64,
    /// Time of the health checker's first probe (the fixed or drawn phase).
    pub health_phase: SimDuration,
}

/// The fixed inputs of a run.
pub struct RunInputs<'a> {
    /// Geography and demand.
    pub world: &'a World,
    /// One pool per PoP of `world`.
    pub pools: &'a [PoolConfig],
    /// The fault timeline.
    pub faults: &'a [Fault],
    /// Model parameters.
    pub config: &'a ModelConfig,
    /// Master seed.
    pub seed: u64,
    /// Simulated time of the run.
    pub duration: SimDuration,
    /// Leading time excluded from measures.
    pub warmup: SimDuration,
    /// Time-series bucket width.
    pub bucket: SimDuration,
    /// Scopes the expectations watch.
    pub probes: Vec<Probe>,
}

/// A client site's generators.
struct SiteState {
    traffic: Stream,
    network: Stream,
    mean_gap_ns: f64,
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
    probes_fail: bool,
    incarnation: u16,
    health: HealthState,
    shedder: Shedder,
    autoscaler: Autoscaler,
    spill_share: f64,
    spill_to: u32,
    load_rps: f64,
    last_busy: u128,
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
    faults: Vec<FaultRecord>,
    recorder: Recorder,
    series: Vec<PopSample>,
    sent_measured: u64,
    state: state::StatePlane,
    origin: Option<origin::OriginPlane>,
    levels: levels::LevelPlane,
    rate_limited: [u64; 3],
}

/// How often (in handled events) a run reports its progress.
pub const PROGRESS_EVERY: u64 = 1 << 16;

/// Watches a run: called every [`PROGRESS_EVERY`] events with the simulated
/// time reached and the events handled so far; returning `false` stops the
/// run (it then ends with an `Interrupted` error).
pub type Observer<'a> = &'a mut dyn FnMut(SimTime, u64) -> bool;

/// Runs the simulation; with `trace`, writes one JSON line per handled event.
pub fn run(inputs: RunInputs<'_>, trace: Option<&mut dyn Write>) -> io::Result<RunResult> {
    run_observed(inputs, trace, &mut |_, _| true)
}

/// Runs the simulation under an observer (progress bars, Ctrl-C).
pub fn run_observed(
    inputs: RunInputs<'_>,
    trace: Option<&mut dyn Write>,
    observer: Observer<'_>,
) -> io::Result<RunResult> {
    let mut sim = Sim::new(&inputs);
    let mut hasher = TraceHasher::default();
    let mut writer = trace.map(TraceWriter::new);
    let mut handled = 0u64;
    while let Some(s) = sim.queue.pop() {
        if s.time >= sim.end {
            break;
        }
        hasher.record(s.time, s.seq, &s.event);
        if let Some(w) = writer.as_mut() {
            w.write(s.time, s.seq, &s.event)?;
        }
        handled += 1;
        sim.handle(s.time, s.event);
        if handled % PROGRESS_EVERY == 0 && !observer(s.time, handled) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "the run was interrupted"));
        }
    }
    if let Some(w) = writer {
        w.finish()?;
    }
    Ok(sim.finish(handled, hasher.hex(), SimTime::ZERO + inputs.warmup))
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
        let sites = world
            .sites
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let nets = routing.site_networks(i);
                SiteState {
                    traffic: rng::stream(inputs.seed, &format!("traffic/{}", s.name)),
                    network: rng::stream(inputs.seed, &format!("network/{}", s.name)),
                    mean_gap_ns: 1e9 / s.rps,
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
                probes_fail: false,
                incarnation: 0,
                health: HealthState::default(),
                shedder: Shedder::default(),
                autoscaler: Autoscaler::default(),
                spill_share: 0.0,
                spill_to: crate::edge::anycast::NO_POP,
                load_rps: 0.0,
                last_busy: 0,
                tick_arrivals: 0,
                tick_shed: 0,
                tick_spilled: 0,
                active_fault: None,
                totals: PopTotals { servers_end: c.servers, servers_max: c.servers, ..PopTotals::default() },
                limits: cfg.limits.as_ref().map(crate::edge::limits::PopLimits::new),
            })
            .collect();
        let end = SimTime::ZERO + inputs.duration;
        let recorder =
            Recorder::new(npops, inputs.duration, SimTime::ZERO + inputs.warmup, inputs.bucket, inputs.probes.clone());
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
            pops,
            slots: Slots::default(),
            affected: vec![0; networks],
            settled: vec![0; networks],
            active_faults: 0,
            health_phase: cfg.health.resolve_phase(&mut rng::stream(inputs.seed, "health/phase")),
            faults: inputs.faults.iter().map(|f| FaultRecord::new(f.at, end)).collect(),
            recorder,
            series: Vec::new(),
            sent_measured: 0,
            state: state::StatePlane::new(world, cfg, inputs.seed, inputs.faults.len(), inputs.duration, inputs.warmup),
            origin: cfg
                .origin
                .as_ref()
                .map(|o| origin::OriginPlane::new(o, world, inputs.seed, inputs.warmup, inputs.duration)),
            levels: levels::LevelPlane::new(world.pops.len(), inputs.seed, cfg),
            rate_limited: [0; 3],
        };
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
        for site in 0..self.sites.len() {
            let first = SimTime::ZERO + self.gap(site);
            if first < self.end {
                self.queue.schedule_at(first, Event::Send { site: site as u32 });
            }
        }
        let phase = SimTime::ZERO + self.health_phase;
        if phase < self.end {
            for pop in 0..self.pops.len() {
                self.queue.schedule_at(phase, Event::Probe { pop: pop as u32 });
            }
        }
        let tick = SimTime::ZERO + self.cfg.tick;
        if tick < self.end {
            self.queue.schedule_at(tick, Event::Tick);
        }
        self.schedule_state();
        self.schedule_deployments();
    }

    #[inline]
    fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::Send { site } => self.send(now, site),
            Event::Attempt { req } => self.attempt(now, req),
            Event::Arrive { pop, req } => self.arrive(now, pop, req),
            Event::Depart { pop, server, incarnation, req } => self.depart(now, pop, server, incarnation, req),
            Event::Timeout { req } => self.timeout(now, req),
            Event::Probe { pop } => self.probe(now, pop),
            Event::ProbeMiss { pop } => self.health_result(now, pop, false),
            Event::RouteChange { pop, withdraw } => self.route_change(now, pop, withdraw),
            Event::Learn { net, pop, epoch } => self.learn(now, net, pop, epoch),
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

    fn finish(mut self, handled: u64, trace_hash: String, measure_from: SimTime) -> RunResult {
        debug_assert!(self.sent_measured >= self.recorder.total.issued, "a request was counted twice");
        let end = self.end;
        let pools = self.pops.iter_mut().map(|p| p.pool.finish(end.as_nanos())).collect();
        let pop_totals =
            self.pops.iter().map(|p| PopTotals { servers_end: p.pool.servers(), ..p.totals.clone() }).collect();
        RunResult {
            events_handled: handled,
            trace_hash,
            measure_from,
            end,
            unfinished: self.sent_measured.saturating_sub(self.recorder.total.issued),
            recorder: self.recorder,
            pools,
            pop_totals,
            pop_series: self.series,
            faults: self.faults,
            networks: self.routing.networks(),
            state: self.state.finish(),
            origin: self.origin.map(|o| o.finish(end)),
            levels: self.levels.finish(end),
            rate_limited: self.rate_limited,
            health_phase: self.health_phase,
        }
    }
}
