//! A run: the event vocabulary and the loop that hands each event to the
//! model it concerns, writing what happens into the recorders.
//!
//! - [`traffic`]: clients send, PoPs queue and serve, clients time out and retry;
//! - [`control`]: health checks, route withdrawal and convergence, faults,
//!   the overload control loop and the autoscaler.

pub mod config;
mod control;
mod drain;
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
pub use drain::{drain, lifetime};
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
    /// Every PoP in every bucket of [`PopSeries`] (control periods summed).
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
    /// Measured requests with no outcome at all: always 0 since the drain
    /// (kept so that `issued + unfinished` still counts every request sent).
    pub unfinished: u64,
    /// How long the run kept going after `end` so that every request sent
    /// before it could finish: the longest a request can live
    /// ([`drain()`]).
    pub drain: SimDuration,
    /// Measured requests whose outcome came during the drain (after `end`).
    pub finished_in_drain: u64,
    /// Measured requests still open when the drain ended: counted as failed
    /// (reason `timeout`) in `recorder` (0 unless the drain bound is wrong).
    pub given_up_at_end: u64,
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
    /// Stop with [`BudgetExceeded`] after this many events (`--max-events`).
    pub max_events: Option<u64>,
    /// Stop with [`BudgetExceeded`] when the events waiting in the queue
    /// would take more than this many bytes (`--max-memory`).
    pub max_memory: Option<u64>,
}

/// Which budget a run went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Events handled (`--max-events`).
    Events(u64),
    /// Bytes of events waiting in the queue (`--max-memory`).
    Memory(u64),
}

/// A run handled more events, or held more pending events, than its budget allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetExceeded {
    /// The budget it went past.
    pub budget: Budget,
    /// Simulated time reached when it was exceeded.
    pub reached: SimTime,
    /// The run's duration (without the drain).
    pub duration: SimDuration,
}

impl std::fmt::Display for BudgetExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.budget {
            Budget::Events(max) => write!(
                f,
                "the run handled more than {max} events (its budget) and was stopped at {} of {} simulated: far \
                 more work than estimated (a zero-time loop or a huge model); raise the budget with --max-events N",
                self.reached, self.duration
            ),
            Budget::Memory(max) => write!(
                f,
                "the events waiting in the run's queue passed {} MiB (its memory budget) at {} of {} simulated: \
                 far more in flight than estimated (long delays on a high rate); raise the budget with \
                 --max-memory MIB",
                max >> 20,
                self.reached,
                self.duration
            ),
        }
    }
}

impl std::error::Error for BudgetExceeded {}

/// The [`BudgetExceeded`] inside an error from [`run`], if that is what stopped it.
pub fn budget_exceeded(e: &io::Error) -> Option<BudgetExceeded> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<BudgetExceeded>()).copied()
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
    /// counts add up, `servers` is the last, `cpu` the mean over the
    /// bucket's periods, `shed_level` the highest.
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
    series: PopSeries,
    sent_measured: u64,
    /// The time-based measures closed at `end` (before the drain).
    closed: Option<Closed>,
    state: state::StatePlane,
    origin: Option<origin::OriginPlane>,
    levels: levels::LevelPlane,
    rate_limited: [u64; 3],
}

/// Time-based measures closed at the end of the run, before the drain.
struct Closed {
    pools: Vec<PoolStats>,
    pop_totals: Vec<PopTotals>,
    issued: u64,
}

/// How often (in handled events) a run reports its progress.
pub const PROGRESS_EVERY: u64 = 1 << 16;

/// Events between two looks at the queue's size against `max_memory`.
const MEMORY_CHECK_EVERY: u64 = 1 << 12;

/// Bytes one pending event takes in the queue: its payload and its key,
/// with room for the growth of the queue's vectors.
pub const QUEUED_EVENT_BYTES: u64 = 2 * (std::mem::size_of::<Event>() as u64 + 20);

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
    let drain = drain::drain(inputs.config);
    let stop = sim.end + drain;
    while let Some(s) = sim.queue.pop() {
        if s.time >= stop {
            break;
        }
        if s.time >= sim.end {
            sim.close();
            // The fault script ends with the run: the drain only lets what
            // was sent before the end finish.
            if matches!(s.event, Event::FaultStart { .. } | Event::FaultEnd { .. }) {
                continue;
            }
        }
        hasher.record(s.time, s.seq, &s.event);
        if let Some(w) = writer.as_mut() {
            w.write(s.time, s.seq, &s.event)?;
        }
        handled += 1;
        if let Some(max_events) = inputs.max_events.filter(|m| handled > *m) {
            let e = BudgetExceeded { budget: Budget::Events(max_events), reached: s.time, duration: inputs.duration };
            return Err(io::Error::other(e));
        }
        if handled % MEMORY_CHECK_EVERY == 0 {
            if let Some(max) = inputs.max_memory.filter(|m| sim.queue.len() as u64 * QUEUED_EVENT_BYTES > *m) {
                let e = BudgetExceeded { budget: Budget::Memory(max), reached: s.time, duration: inputs.duration };
                return Err(io::Error::other(e));
            }
        }
        sim.handle(s.time, s.event);
        if handled % PROGRESS_EVERY == 0 && !observer(s.time.min(sim.end), handled) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "the run was interrupted"));
        }
    }
    if let Some(w) = writer {
        w.finish()?;
    }
    sim.close();
    Ok(sim.finish(handled, hasher.hex(), SimTime::ZERO + inputs.warmup, drain))
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

    /// Closes the time-based measures at `end` (once): the pools'
    /// utilisation and queues, the servers at the end.
    fn close(&mut self) {
        if self.closed.is_some() {
            return;
        }
        let end = self.end.as_nanos();
        let pools = self.pops.iter_mut().map(|p| p.pool.finish(end)).collect();
        let pop_totals =
            self.pops.iter().map(|p| PopTotals { servers_end: p.pool.servers(), ..p.totals.clone() }).collect();
        self.closed = Some(Closed { pools, pop_totals, issued: self.recorder.total.issued });
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
        }
    }

    fn finish(mut self, handled: u64, trace_hash: String, measure_from: SimTime, drain: SimDuration) -> RunResult {
        debug_assert!(self.sent_measured >= self.recorder.total.issued, "a request was counted twice");
        let end = self.end;
        let closed =
            self.closed.take().unwrap_or_else(|| Closed { pools: Vec::new(), pop_totals: Vec::new(), issued: 0 });
        let finished_in_drain = self.recorder.total.issued - closed.issued;
        let given_up_at_end = self.sent_measured.saturating_sub(self.recorder.total.issued);
        self.recorder.give_up(given_up_at_end);
        self.clip_fault_timelines();
        RunResult {
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
            state: self.state.finish(),
            origin: self.origin.map(|o| o.finish(end)),
            levels: self.levels.finish(end),
            rate_limited: self.rate_limited,
            health_phase: self.health_phase,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t_s: f64, pop: u32, arrivals: u32, cpu: f32, servers: u32, shed_level: u8) -> PopSample {
        PopSample { t_s, pop, servers, arrivals, shed: 0, spilled: 0, cpu, shed_level }
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
