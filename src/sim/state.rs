//! The state plane: requests to Durable Objects, KV reads and writes, the
//! rate limiters, snapshots, replication, and the state faults (region,
//! DO region and KV primary down, KV replication lag, control plane down),
//! as events on the loop's queue. The objects, the KV and the limiters are
//! the models of `state`; this file draws their traffic (named streams per
//! plane) and measures what they lose, how stale reads are and how fast
//! objects recover.

use super::config::{DoTraffic, KvTraffic, LimiterConfig};
use super::{Event, Sim};
use crate::edge::faults::Fault;
use crate::engine::rng::{self, Stream};
use crate::engine::{SimDuration, SimTime};
use crate::metrics::{Counts, LatencyHistogram};
use crate::resilience::bank::{BreakerBank, BreakerTrace};
use crate::scenario::schema::{FaultKind, LimiterKind};
use crate::state::durable::{DoOutcome, DurableObjects, RegionFailover};
use crate::state::kv::{Commit, Kv, Replication, Versioned};
use crate::state::ratelimit::{count_in, encode, Admissions};
use crate::state::replicas::EdgeReplicas;
use crate::world::catalog::great_circle_km;
use crate::world::World;
use rand::Rng;
use rand_distr::{Distribution, Exp1};

/// The arrival streams of the state plane.
pub(super) const STREAM_DO: u8 = 0;
pub(super) const STREAM_KV_WRITE: u8 = 1;
pub(super) const STREAM_KV_READ: u8 = 2;
pub(super) const STREAM_LIMITER: u8 = 3;

/// What the state plane measured.
#[derive(Debug, Clone, Default)]
pub struct StateResult {
    /// Durable Objects, if simulated.
    pub durable_objects: Option<DoResult>,
    /// The KV, if simulated.
    pub kv: Option<KvResult>,
    /// The limiters, if simulated.
    pub limiter: Option<LimiterResult>,
    /// Per fault (file order): the Durable Object failover, for region faults.
    pub failovers: Vec<Option<RegionFailover>>,
}

/// Durable Object requests.
#[derive(Debug, Clone)]
pub struct DoResult {
    /// Objects.
    pub objects: u32,
    /// Requests by final outcome (measured window).
    pub requests: Counts,
    /// Attempts of those requests.
    pub attempts: u64,
    /// Latency of successful requests, first send to answer.
    pub latency: LatencyHistogram,
    /// Latency of successful writes.
    pub write_latency: LatencyHistogram,
    /// Writes acknowledged.
    pub writes_acked: u64,
    /// Attempts refused by an open breaker.
    pub fail_fast: u64,
    /// The objects' breakers that opened at least once (target = object).
    pub breakers: Vec<BreakerTrace>,
}

/// KV reads and writes.
#[derive(Debug, Clone)]
pub struct KvResult {
    /// Reads served.
    pub reads: u64,
    /// Of those, from a PoP's cache.
    pub cache_hits: u64,
    /// Reads that found no primary up.
    pub reads_failed: u64,
    /// Staleness of every read (zero for current values).
    pub staleness: LatencyHistogram,
    /// Writes acknowledged by a primary.
    pub writes_acked: u64,
    /// Writes that failed after every retry.
    pub writes_failed: u64,
    /// Latency of acknowledged writes.
    pub write_latency: LatencyHistogram,
    /// Writes queued during level 1.
    pub queued: u64,
    /// Queued writes applied after level 1.
    pub applied: u64,
    /// Level-1 periods: start and end (none if still on at the end).
    pub level1: Vec<(SimTime, Option<SimTime>)>,
    /// Latency of served reads: the replicas (waiting, service, retries)
    /// and, on a cache miss, the round trip to the primary.
    pub read_latency: LatencyHistogram,
    /// Attempts at the replicas of the measured reads.
    pub read_attempts: u64,
    /// Replicas added: when, at which PoP, how many it has from then on.
    pub replicas_added: Vec<(SimTime, u32, u32)>,
    /// Replicas per PoP at the end.
    pub replicas_end: Vec<u32>,
    /// Write attempts refused by an open breaker.
    pub fail_fast: u64,
    /// The breakers (PoP x primary) that opened at least once.
    pub breakers: Vec<BreakerTrace>,
}

/// The limiters' decisions.
#[derive(Debug, Clone)]
pub struct LimiterResult {
    /// Window width.
    pub window: SimDuration,
    /// Limit per customer and window.
    pub limit: u32,
    /// The full windows inside the measured period.
    pub full_windows: std::ops::Range<usize>,
    /// The KV limiter, if it ran.
    pub kv: Option<Admissions>,
    /// The DO limiter, if it ran.
    pub durable_object: Option<Admissions>,
    /// Time the DO limiter adds to a request (round trip to its region).
    pub do_latency: LatencyHistogram,
}

struct DoPlane {
    cfg: DoTraffic,
    model: DurableObjects,
    rng: Stream,
    /// One per object: the routing layer's breaker in front of it.
    breakers: BreakerBank,
    result: DoResult,
}

struct KvPlane {
    cfg: KvTraffic,
    model: Kv,
    rng: Stream,
    queued: Vec<(u32, u32, u64)>,
    /// PoP x primary, for writes.
    breakers: BreakerBank,
    replicas: EdgeReplicas,
    /// Replica choice, service times and errors (its own stream).
    replica_rng: Stream,
    /// PoPs that got a replica this period (reused).
    added: Vec<u32>,
    result: KvResult,
}

struct LimiterPlane {
    cfg: LimiterConfig,
    kv: Kv,
    rng: Stream,
    result: LimiterResult,
}

/// The state plane of a run.
pub(super) struct StatePlane {
    /// The run's master seed (for the streams drawn from once, at the start).
    seed: u64,
    arrivals: Stream,
    site_cdf: Vec<f64>,
    /// One-way base latency, site x state region, ns.
    site_region: Vec<[u64; 3]>,
    /// One-way base latency, PoP x state region, ns.
    pop_region: Vec<[u64; 3]>,
    /// State regions nearest first, per site and per PoP.
    site_order: Vec<[usize; 3]>,
    pop_order: Vec<[usize; 3]>,
    dos: Option<DoPlane>,
    kv: Option<KvPlane>,
    limiter: Option<LimiterPlane>,
    reps: Vec<Replication>,
    failovers: Vec<Option<RegionFailover>>,
}

/// The write rate of one Durable Object, per second: requests pick their
/// object uniformly and write with probability `write_share`.
fn writes_per_object(cfg: &DoTraffic) -> f64 {
    cfg.requests_per_s * cfg.write_share / cfg.model.objects.max(1) as f64
}

fn order(lat: [u64; 3]) -> [usize; 3] {
    let mut o = [0, 1, 2];
    o.sort_by_key(|&r| (lat[r], r));
    o
}

fn to_regions(world: &World, lat: f64, lon: f64) -> [u64; 3] {
    let mut out = [0; 3];
    for (r, (hl, ho)) in world.state_homes.iter().enumerate() {
        out[r] = world.latency.base_one_way(great_circle_km(lat, lon, *hl, *ho)).as_nanos();
    }
    out
}

impl StatePlane {
    pub(super) fn new(
        world: &World,
        cfg: &super::ModelConfig,
        seed: u64,
        faults: usize,
        duration: SimDuration,
        warmup: SimDuration,
    ) -> Self {
        let site_region: Vec<[u64; 3]> = world.sites.iter().map(|s| to_regions(world, s.lat_deg, s.lon_deg)).collect();
        let pop_region: Vec<[u64; 3]> = world.pops.iter().map(|p| to_regions(world, p.lat_deg, p.lon_deg)).collect();
        let total: f64 = world.sites.iter().map(|s| s.rps).sum();
        let mut acc = 0.0;
        let site_cdf = world
            .sites
            .iter()
            .map(|s| {
                acc += s.rps / total;
                acc
            })
            .collect();
        let pops = world.pops.len();
        let dos = cfg.durable_objects.clone().map(|c| DoPlane {
            model: DurableObjects::new(c.model.clone(), 3),
            rng: rng::stream(seed, "state/durable-objects"),
            breakers: BreakerBank::new(c.breaker, 1, c.model.objects as usize),
            result: DoResult {
                objects: c.model.objects,
                requests: Counts::default(),
                attempts: 0,
                latency: LatencyHistogram::new(3),
                write_latency: LatencyHistogram::new(3),
                writes_acked: 0,
                fail_fast: 0,
                breakers: Vec::new(),
            },
            cfg: c,
        });
        let kv = cfg.kv.clone().map(|c| KvPlane {
            model: Kv::new(c.model.clone(), pops),
            rng: rng::stream(seed, "state/kv"),
            queued: Vec::new(),
            breakers: BreakerBank::new(c.breaker, pops, 3),
            replicas: EdgeReplicas::new(c.replicas.clone(), pops),
            replica_rng: rng::stream(seed, "state/kv/replicas"),
            added: Vec::new(),
            result: KvResult {
                reads: 0,
                cache_hits: 0,
                reads_failed: 0,
                staleness: LatencyHistogram::new(3),
                writes_acked: 0,
                writes_failed: 0,
                write_latency: LatencyHistogram::new(3),
                queued: 0,
                applied: 0,
                level1: Vec::new(),
                read_latency: LatencyHistogram::new(3),
                read_attempts: 0,
                replicas_added: Vec::new(),
                replicas_end: Vec::new(),
                fail_fast: 0,
                breakers: Vec::new(),
            },
            cfg: c,
        });
        let limiter = cfg.limiter.clone().map(|c| {
            let w = c.window.as_nanos().max(1);
            let windows = duration.as_nanos().div_ceil(w) as usize;
            let first_full = warmup.as_nanos().div_ceil(w) as usize;
            let last_full = (duration.as_nanos() / w) as usize;
            let admissions = || Admissions::new(c.customers as usize, windows, c.limit as u64);
            LimiterPlane {
                kv: Kv::new(c.kv.clone(), world.pops.len()),
                rng: rng::stream(seed, "state/limiter"),
                result: LimiterResult {
                    window: c.window,
                    limit: c.limit,
                    full_windows: first_full..last_full.max(first_full),
                    kv: (c.kind != LimiterKind::Do).then(admissions),
                    durable_object: (c.kind != LimiterKind::Kv).then(admissions),
                    do_latency: LatencyHistogram::new(3),
                },
                cfg: c,
            }
        });
        StatePlane {
            seed,
            arrivals: rng::stream(seed, "state/arrivals"),
            site_cdf,
            site_order: site_region.iter().map(|l| order(*l)).collect(),
            pop_order: pop_region.iter().map(|l| order(*l)).collect(),
            site_region,
            pop_region,
            dos,
            kv,
            limiter,
            reps: Vec::new(),
            failovers: vec![None; faults],
        }
    }

    fn rate(&self, stream: u8) -> f64 {
        match stream {
            STREAM_DO => self.dos.as_ref().map_or(0.0, |d| d.cfg.requests_per_s),
            STREAM_KV_WRITE => self.kv.as_ref().map_or(0.0, |k| k.cfg.writes_per_s),
            STREAM_KV_READ => self.kv.as_ref().map_or(0.0, |k| k.cfg.reads_per_s),
            _ => self.limiter.as_ref().map_or(0.0, |l| l.cfg.requests_per_s),
        }
    }

    fn gap(&mut self, stream: u8) -> Option<SimDuration> {
        let rate = self.rate(stream);
        (rate > 0.0).then(|| {
            let e: f64 = Exp1.sample(&mut self.arrivals);
            SimDuration::from_secs_f64(e / rate)
        })
    }

    fn pick_site(&mut self) -> usize {
        let u: f64 = self.arrivals.random();
        self.site_cdf.partition_point(|&c| c < u).min(self.site_cdf.len() - 1)
    }

    /// True while the KV is in degradation level 1.
    pub(super) fn kv_level1(&self) -> bool {
        self.kv.as_ref().is_some_and(|k| k.model.level1())
    }

    /// The state plane's measures at the end of the run (`end`).
    pub(super) fn finish(self, end: SimTime) -> StateResult {
        StateResult {
            durable_objects: self.dos.map(|d| DoResult {
                writes_acked: d.model.writes_acked,
                fail_fast: d.breakers.fail_fast(),
                breakers: d.breakers.traces(end),
                ..d.result
            }),
            kv: self.kv.map(|k| KvResult {
                replicas_end: (0..k.replicas.pops()).map(|p| k.replicas.replicas(p)).collect(),
                fail_fast: k.breakers.fail_fast(),
                breakers: k.breakers.traces(end),
                ..k.result
            }),
            limiter: self.limiter.map(|l| l.result),
            failovers: self.failovers,
        }
    }
}

impl Sim<'_> {
    /// Schedules the first arrival of every state stream, and snapshots.
    pub(super) fn schedule_state(&mut self) {
        for stream in [STREAM_DO, STREAM_KV_WRITE, STREAM_KV_READ, STREAM_LIMITER] {
            if let Some(g) = self.state.gap(stream) {
                if SimTime::ZERO + g < self.end {
                    self.queue.schedule_at(SimTime::ZERO + g, Event::StateArrival { stream });
                }
            }
        }
        if let Some(d) = &mut self.state.dos {
            let mut rng = rng::stream(self.state.seed, "state/durable-objects/steady-state");
            let firsts = d.model.start_steady(writes_per_object(&d.cfg), &mut rng);
            for (o, first) in firsts.into_iter().enumerate() {
                if first < self.end {
                    self.queue.schedule_at(first, Event::DoSnapshot { obj: o as u32 });
                }
            }
        }
    }

    pub(super) fn state_arrival(&mut self, now: SimTime, stream: u8) {
        match stream {
            STREAM_DO => self.do_arrival(now),
            STREAM_KV_WRITE => self.kv_arrival(now),
            STREAM_KV_READ => self.kv_read(now),
            _ => self.limit_request(now),
        }
        if let Some(g) = self.state.gap(stream) {
            if now + g < self.end {
                self.queue.schedule_at(now + g, Event::StateArrival { stream });
            }
        }
    }

    fn do_arrival(&mut self, now: SimTime) {
        let site = self.state.pick_site() as u32;
        let Some(d) = &mut self.state.dos else { return };
        let obj = d.rng.random_range(0..d.cfg.model.objects.max(1));
        let write = d.rng.random::<f64>() < d.cfg.write_share;
        self.do_request(now, obj, site, 0, write, now.as_nanos());
    }

    pub(super) fn do_request(&mut self, now: SimTime, obj: u32, site: u32, attempt: u8, write: bool, first_ns: u64) {
        let measured = self.recorder.measures(SimTime(first_ns));
        let Some(d) = &mut self.state.dos else { return };
        if measured {
            d.result.attempts += 1;
        }
        let owner = d.model.owner(obj as usize);
        let one_way = SimDuration(self.state.site_region[site as usize][owner]);
        if !d.breakers.allow(0, obj as usize, now) {
            // Refused at once by the object's breaker: the next try waits only its backoff.
            match d.cfg.retry.wait_after(attempt as u32 + 1) {
                Some(wait) => {
                    let ev = Event::DoRetry { obj, site, attempt: attempt + 1, write, first_ns };
                    self.queue.schedule_at(now + wait, ev);
                }
                None if measured => d.result.requests.issued += 1,
                None => {}
            }
            return;
        }
        let outcome = d.model.request(obj as usize, now, write, &mut d.rng);
        // The breaker learns the outcome of the attempt as it is made.
        d.breakers.record(0, obj as usize, now, matches!(outcome, DoOutcome::Served(_)));
        match outcome {
            DoOutcome::Served(work) => {
                if measured {
                    let latency = (now - SimTime(first_ns)) + one_way + one_way + work;
                    d.result.requests.issued += 1;
                    d.result.requests.succeeded += 1;
                    d.result.latency.record(latency);
                    if write {
                        d.result.write_latency.record(latency);
                    }
                }
            }
            DoOutcome::Unavailable => {
                let gave_up = now + d.cfg.timeout;
                match d.cfg.retry.wait_after(attempt as u32 + 1) {
                    // Even after the end: the drain lets it finish.
                    Some(wait) => {
                        let ev = Event::DoRetry { obj, site, attempt: attempt + 1, write, first_ns };
                        self.queue.schedule_at(gave_up + wait, ev);
                    }
                    None if measured => d.result.requests.issued += 1,
                    None => {}
                }
            }
        }
    }

    pub(super) fn do_snapshot(&mut self, now: SimTime, obj: u32) {
        let Some(d) = &mut self.state.dos else { return };
        d.model.snapshot(obj as usize, now);
        let next = now + d.cfg.model.snapshot_interval;
        if next < self.end && d.cfg.model.snapshot_interval > SimDuration::ZERO {
            self.queue.schedule_at(next, Event::DoSnapshot { obj });
        }
    }

    fn kv_arrival(&mut self, now: SimTime) {
        let site = self.state.pick_site() as u32;
        let Some(k) = &mut self.state.kv else { return };
        let key = k.rng.random_range(0..k.cfg.model.keys.max(1));
        self.kv_write(now, site, key, 0, now.as_nanos());
    }

    /// A KV write attempt from `site`: the nearest primary still up commits
    /// it, or, in level 1, it queues.
    pub(super) fn kv_write(&mut self, now: SimTime, site: u32, key: u32, attempt: u8, first_ns: u64) {
        let measured = self.recorder.measures(SimTime(first_ns));
        let order = self.state.site_order[site as usize];
        let lat = self.state.site_region[site as usize];
        let pop = self.world.sites[site as usize].nearest_pop;
        let Some(k) = &mut self.state.kv else { return };
        if k.model.level1() {
            k.queued.push((key, site, first_ns));
            k.result.queued += 1;
            return;
        }
        // Each retry goes to the next primary, nearest first.
        let p = order[attempt as usize % 3];
        let one_way = SimDuration(lat[p]);
        let allowed = k.breakers.allow(pop, p, now);
        if allowed {
            // The breaker learns the outcome of the attempt as it is made.
            k.breakers.record(pop, p, now, k.model.primary_up(p));
        }
        if !allowed || !k.model.primary_up(p) {
            // Refused at once by an open breaker, or after a round trip by nobody.
            let refused = if allowed { now + one_way + one_way } else { now };
            match k.cfg.retry.wait_after(attempt as u32 + 1) {
                Some(wait) => {
                    let ev = Event::KvWriteRetry { site, key, attempt: attempt + 1, first_ns };
                    self.queue.schedule_at(refused + wait, ev);
                }
                None => k.result.writes_failed += measured as u64,
            }
            return;
        }
        let acked = now + one_way + one_way;
        let value = k.result.writes_acked + k.result.queued + 1;
        let w = Commit { at: now + one_way, primary: p, key, value, acked };
        k.model.commit(w, &mut k.rng, &mut self.state.reps);
        k.result.writes_acked += 1;
        if measured {
            k.result.write_latency.record(acked - SimTime(first_ns));
        }
        self.deliver_replications(0, p);
    }

    fn deliver_replications(&mut self, namespace: u8, from: usize) {
        for r in self.state.reps.drain(..) {
            let ev = Event::KvApply {
                namespace,
                from: from as u8,
                to: r.to as u8,
                key: r.key,
                version: r.v.version,
                value: r.v.value,
                committed_ns: r.committed.as_nanos(),
            };
            self.queue.schedule_at(r.at, ev);
        }
    }

    pub(super) fn kv_apply(&mut self, now: SimTime, namespace: u8, from: u8, r: Replication) {
        let _ = now;
        let kv = match namespace {
            0 => self.state.kv.as_mut().map(|k| &mut k.model),
            _ => self.state.limiter.as_mut().map(|l| &mut l.kv),
        };
        if let Some(kv) = kv {
            kv.apply(from as usize, &r);
        }
    }

    fn kv_read(&mut self, now: SimTime) {
        let site = self.state.pick_site();
        let pop = self.world.sites[site].nearest_pop;
        let order = self.state.pop_order[pop];
        let to_primary = self.state.pop_region[pop];
        let Some(k) = &mut self.state.kv else { return };
        let key = k.rng.random_range(0..k.cfg.model.keys.max(1));
        let at_replicas = k.replicas.read(pop, now, &mut k.replica_rng);
        let measured = self.recorder.measures(now);
        k.result.read_attempts += measured as u64 * at_replicas.attempts as u64;
        if !at_replicas.ok {
            k.result.reads_failed += measured as u64;
            return;
        }
        let read = k.model.read(now, pop, key, &order);
        if !measured {
            return;
        }
        match read {
            Some(r) => {
                k.result.reads += 1;
                k.result.cache_hits += r.cache_hit as u64;
                k.result.staleness.record(r.staleness);
                let fetch = r.primary.map_or(SimDuration::ZERO, |p| SimDuration(2 * to_primary[p]));
                k.result.read_latency.record(at_replicas.latency + fetch);
            }
            None => k.result.reads_failed += 1,
        }
    }

    fn limit_request(&mut self, now: SimTime) {
        let Some(l) = &mut self.state.limiter else { return };
        let customer = l.rng.random_range(0..l.cfg.customers.max(1));
        let pop = l.cfg.pops[l.rng.random_range(0..l.cfg.pops.len())];
        let w = now.as_nanos() / l.cfg.window.as_nanos().max(1);
        let limit = l.cfg.limit as u64;
        if let Some(adm) = &mut l.result.kv {
            // The first seed's limiter: read the count, write count + 1.
            let order = self.state.pop_order[pop];
            let count = l.kv.read(now, pop, customer, &order).map_or(0, |r| count_in(r.v.value, w));
            let admit = count < limit;
            adm.record(customer as usize, w as usize, admit);
            if let (true, Some(&p)) = (admit, order.iter().find(|&&p| l.kv.primary_up(p))) {
                let value = encode(w, count + 1);
                let at = now + SimDuration(self.state.pop_region[pop][p]);
                let w = Commit { at, primary: p, key: customer, value, acked: at };
                let version = l.kv.commit(w, &mut l.rng, &mut self.state.reps);
                l.kv.cache_own_write(now, pop, customer, Versioned { version, value });
                self.deliver_replications(1, p);
            }
        }
        let Some(l) = &mut self.state.limiter else { return };
        if let Some(adm) = &mut l.result.durable_object {
            // A counter in one object: serial, exact.
            let one_way = SimDuration(self.state.pop_region[pop][l.cfg.do_region]);
            let arrives = now + one_way;
            let wa = (arrives.as_nanos() / l.cfg.window.as_nanos().max(1)) as usize;
            // The object's own count for the window its request arrives in.
            let admit = adm.admitted(customer as usize, wa) < limit;
            adm.record(customer as usize, wa, admit);
            l.result.do_latency.record(one_way + one_way);
        }
    }

    /// Level 1 of the KV: re-evaluated each control period; when it ends the
    /// queued writes are applied.
    pub(super) fn kv_level_tick(&mut self, now: SimTime) {
        let Some(k) = &mut self.state.kv else { return };
        k.replicas.end_period(now, &mut k.added);
        for &pop in &k.added {
            k.result.replicas_added.push((now, pop, k.replicas.replicas(pop as usize)));
        }
        let was = k.model.level1();
        let ended = k.model.update_level(now);
        if !was && k.model.level1() {
            k.result.level1.push((now, None));
        }
        if ended {
            if let Some(last) = k.result.level1.last_mut() {
                last.1 = Some(now);
            }
            let queued = std::mem::take(&mut k.queued);
            k.result.applied += queued.len() as u64;
            for (key, site, first_ns) in queued {
                self.kv_write(now, site, key, 0, first_ns);
            }
        }
    }

    /// Applies (or lifts, `start == false`) fault `f`'s effect on the state
    /// plane, unless an incident holds the same unit down (then the first
    /// down and the last back change it).
    pub(super) fn state_fault(&mut self, now: SimTime, f: usize, start: bool) {
        let fault = self.fault_plan[f].clone();
        if self.unit_count(&fault, start) != Some(false) {
            self.state_effect(now, &fault, Some(f), start);
        }
    }

    /// Applies (or lifts) a fault's effect on the state plane; `f`, the
    /// scripted fault's number, keeps its Durable Object failover.
    pub(super) fn state_effect(&mut self, now: SimTime, fault: &Fault, f: Option<usize>, start: bool) {
        if let Some(o) = &mut self.origin {
            let reset = o.fault(now, fault.kind, fault, start);
            self.origin_reset(now, reset);
        }
        if fault.kind == FaultKind::ArtifactStoreDown {
            self.levels.artifact_store_up = !start;
        }
        if fault.kind == FaultKind::ControlPlaneDown {
            self.levels.control_plane_up = !start;
        }
        match (fault.kind, fault.region) {
            (FaultKind::RegionDown | FaultKind::DoRegionDown, Some(r)) => {
                if let Some(d) = &mut self.state.dos {
                    if start {
                        let failover = d.model.region_down(r, now);
                        if let Some(f) = f {
                            self.state.failovers[f] = Some(failover);
                        }
                    } else {
                        d.model.region_up(r);
                    }
                }
            }
            (FaultKind::KvPrimaryDown, Some(r)) => {
                if let Some(k) = &mut self.state.kv {
                    k.model.set_primary_up(r, !start);
                }
                if let Some(l) = &mut self.state.limiter {
                    l.kv.set_primary_up(r, !start);
                }
            }
            (FaultKind::KvReplicationLag, _) => {
                let lag = crate::engine::dist::DurationDist::Constant { ns: fault.lag.as_nanos() };
                if let Some(k) = &mut self.state.kv {
                    let normal = k.cfg.model.lag;
                    k.model.set_lag(if start { lag } else { normal });
                }
                if let Some(l) = &mut self.state.limiter {
                    let normal = l.cfg.kv.lag;
                    l.kv.set_lag(if start { lag } else { normal });
                }
            }
            _ => {}
        }
    }
}
