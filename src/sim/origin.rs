//! The origin behind the PoPs: cache misses fetch from it with a timeout,
//! retries (with jitter and a budget) and a circuit breaker per PoP. A slow
//! or failing origin draws retries: the retry storm the breaker prevents.

use super::config::OriginConfig;
use super::{Event, Request, Sim, SlotState, Slots};
use crate::edge::pool::{Admission, ServerPool};
use crate::engine::rng::{self, Stream};
use crate::engine::{SimDuration, SimTime};
use crate::metrics::FailReason;
use crate::resilience::bank::BreakerBank;
use crate::resilience::retry::RetryBudget;
use crate::world::catalog::great_circle_km;
use crate::world::World;
use rand::Rng;

/// The FIFO lane of origin fetch timeouts (one constant delay).
pub(super) const ORIGIN_LANE: crate::engine::Lane = crate::engine::Lane::new(1);

/// A fetch waiting at the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fetch {
    pop: u32,
    attempt: u8,
    slot: u32,
    req: Request,
}

/// What the origin model measured.
#[derive(Debug, Clone, Default)]
pub struct OriginResult {
    /// Requests that needed the origin (measured).
    pub requests: u64,
    /// Fetch attempts sent to the origin (all, by second of sending).
    pub attempts: u64,
    /// Fetch attempts in each 100 ms of simulated time.
    pub attempts_per_100ms: Vec<u32>,
    /// Fetches refused by an open breaker.
    pub fail_fast: u64,
    /// Attempts that timed out.
    pub timeouts: u64,
    /// Attempts answered with an error.
    pub errors: u64,
    /// Retries the budget refused.
    pub budget_refused: u64,
    /// Per PoP: breaker transitions `(time, state)`.
    pub breaker_transitions: Vec<Vec<(SimTime, &'static str)>>,
    /// Per PoP: total time its breaker was open.
    pub breaker_open: Vec<SimDuration>,
}

pub(super) struct OriginPlane {
    cfg: OriginConfig,
    pool: ServerPool<Fetch>,
    rng: Stream,
    pub(super) pick: Stream,
    slots: Slots,
    /// One-way latency PoP -> origin, ns.
    hop: Vec<u64>,
    /// One per PoP.
    breakers: BreakerBank,
    budget: Option<RetryBudget>,
    down: bool,
    extra: SimDuration,
    error_rate: f64,
    result: OriginResult,
}

impl OriginPlane {
    pub(super) fn new(
        cfg: &OriginConfig,
        world: &World,
        seed: u64,
        measure_from: SimDuration,
        duration: SimDuration,
    ) -> Self {
        let hop = world
            .pops
            .iter()
            .map(|p| world.latency.base_one_way(great_circle_km(p.lat_deg, p.lon_deg, cfg.at.0, cfg.at.1)).as_nanos())
            .collect();
        let n = world.pops.len();
        OriginPlane {
            pool: ServerPool::new(cfg.servers, cfg.queue_limit, measure_from.as_nanos()),
            rng: rng::stream(seed, "origin/service"),
            pick: rng::stream(seed, "origin/misses"),
            slots: Slots::default(),
            hop,
            breakers: BreakerBank::new(cfg.breaker, n, 1),
            budget: cfg.retry.budget.map(|r| RetryBudget::new(r, 10.0)),
            down: false,
            extra: SimDuration::ZERO,
            error_rate: 0.0,
            result: OriginResult {
                attempts_per_100ms: vec![0; duration.as_nanos().div_ceil(100_000_000) as usize],
                ..OriginResult::default()
            },
            cfg: cfg.clone(),
        }
    }

    /// True if a new request needs the origin.
    pub(super) fn misses(&mut self) -> bool {
        self.cfg.share > 0.0 && self.pick.random::<f64>() < self.cfg.share
    }

    pub(super) fn finish(mut self, end: SimTime) -> OriginResult {
        self.result.breaker_transitions = self
            .breakers
            .breakers()
            .iter()
            .map(|b| b.transitions.iter().map(|(t, s)| (*t, s.as_str())).collect())
            .collect();
        self.result.breaker_open = self.breakers.breakers().iter().map(|b| b.time_open(end)).collect();
        self.result.fail_fast = self.breakers.fail_fast();
        self.result
    }

    /// Applies an origin fault (`start`) or lifts it. An origin going down
    /// resets its connections: the fetches waiting there fail at once (the
    /// caller schedules their error replies from the returned list).
    pub(super) fn fault(
        &mut self,
        now: SimTime,
        kind: crate::scenario::schema::FaultKind,
        f: &crate::edge::faults::Fault,
        start: bool,
    ) -> Vec<Fetch> {
        use crate::scenario::schema::FaultKind;
        match kind {
            FaultKind::OriginDown => {
                self.down = start;
                if start {
                    return self.pool.drain_queue(now.as_nanos());
                }
            }
            FaultKind::OriginSlow => self.extra = if start { f.latency } else { SimDuration::ZERO },
            FaultKind::OriginErrors => self.error_rate = if start { f.error_rate } else { 0.0 },
            _ => {}
        }
        Vec::new()
    }
}

impl Sim<'_> {
    fn origin_plane(&mut self) -> &mut OriginPlane {
        self.origin.as_mut().unwrap_or_else(|| unreachable!("origin events only exist with an origin"))
    }

    /// The PoP has done its part of `req`; now it fetches from the origin.
    pub(super) fn origin_send(&mut self, now: SimTime, pop: u32, attempt: u8, req: Request) {
        if self.slots.state[req.slot as usize] == SlotState::TimedOut {
            // The client is gone: nothing to fetch for.
            self.slots.release(req.slot);
            return;
        }
        let measured = self.recorder.measures(SimTime(req.first_sent_ns));
        let o = self.origin_plane();
        if attempt == 0 {
            o.result.requests += measured as u64;
            if let Some(b) = &mut o.budget {
                b.earn();
            }
        }
        if !o.breakers.allow(pop as usize, 0, now) {
            self.failure(req, pop, FailReason::BreakerOpen);
            return;
        }
        let o = self.origin_plane();
        o.result.attempts += measured as u64;
        if let Some(c) = o.result.attempts_per_100ms.get_mut((now.as_nanos() / 100_000_000) as usize) {
            *c += 1;
        }
        let slot = o.slots.alloc();
        let hop = SimDuration(o.hop[pop as usize]);
        let timeout = o.cfg.timeout;
        self.queue.schedule_at(now + hop, Event::OriginArrive { pop, attempt, slot, req });
        self.queue.schedule_lane(ORIGIN_LANE, now + timeout, Event::OriginTimeout { pop, attempt, slot, req });
    }

    /// The origin reset its connections: each waiting fetch gets an error.
    pub(super) fn origin_reset(&mut self, now: SimTime, fetches: Vec<Fetch>) {
        for f in fetches {
            let hop = SimDuration(self.origin_plane().hop[f.pop as usize]);
            let ev = Event::OriginReply { pop: f.pop, attempt: f.attempt, slot: f.slot, ok: false, req: f.req };
            self.queue.schedule_at(now + hop, ev);
        }
    }

    pub(super) fn origin_arrive(&mut self, now: SimTime, pop: u32, attempt: u8, slot: u32, req: Request) {
        let o = self.origin_plane();
        if o.down {
            o.slots.state[slot as usize] = SlotState::Dropped;
            return;
        }
        let fetch = Fetch { pop, attempt, slot, req };
        match o.pool.arrive(now.as_nanos(), fetch, false) {
            Admission::Serve { server } => self.origin_serve(now, server, fetch),
            Admission::Queued => {}
            Admission::Rejected => {
                let hop = SimDuration(o.hop[pop as usize]);
                self.queue.schedule_at(now + hop, Event::OriginReply { pop, attempt, slot, ok: false, req });
            }
        }
    }

    fn origin_serve(&mut self, now: SimTime, server: u32, f: Fetch) {
        let o = self.origin_plane();
        let done = now + o.cfg.service.sample(&mut o.rng) + o.extra;
        let ev = Event::OriginDone { server, pop: f.pop, attempt: f.attempt, slot: f.slot, req: f.req };
        self.queue.schedule_at(done, ev);
    }

    pub(super) fn origin_done(&mut self, now: SimTime, server: u32, f: (u32, u8, u32, Request)) {
        let (pop, attempt, slot, req) = f;
        let o = self.origin_plane();
        let error = o.error_rate > 0.0 && o.rng.random::<f64>() < o.error_rate;
        let ok = !o.down && !error;
        if !o.down {
            let hop = SimDuration(o.hop[pop as usize]);
            self.queue.schedule_at(now + hop, Event::OriginReply { pop, attempt, slot, ok, req });
        }
        let next = self.origin_plane().pool.depart(now.as_nanos(), server);
        if let Some((f, _)) = next {
            self.origin_serve(now, server, f);
        }
    }

    pub(super) fn origin_reply(&mut self, now: SimTime, pop: u32, attempt: u8, slot: u32, ok: bool, req: Request) {
        let o = self.origin_plane();
        if o.slots.state[slot as usize] == SlotState::TimedOut {
            o.slots.release(slot);
            return;
        }
        o.slots.state[slot as usize] = SlotState::Answered;
        o.breakers.record(pop as usize, 0, now, ok);
        if ok {
            self.origin_answered(now, pop, req);
        } else {
            o.result.errors += 1;
            self.origin_retry(now, pop, attempt, req);
        }
    }

    /// The origin answered in time: the PoP answers the client.
    fn origin_answered(&mut self, now: SimTime, pop: u32, req: Request) {
        match self.slots.state[req.slot as usize] {
            SlotState::TimedOut => self.slots.release(req.slot),
            _ => {
                let arrives = now + SimDuration(req.back_ns as u64);
                if arrives > SimTime(req.sent_ns) + self.cfg.client_timeout {
                    self.slots.state[req.slot as usize] = SlotState::Dropped;
                } else {
                    self.succeed(req, pop, arrives - SimTime(req.first_sent_ns));
                }
            }
        }
    }

    pub(super) fn origin_timeout(&mut self, now: SimTime, pop: u32, attempt: u8, slot: u32, req: Request) {
        let o = self.origin_plane();
        match o.slots.state[slot as usize] {
            SlotState::Answered => {
                o.slots.release(slot);
                return;
            }
            SlotState::Dropped => o.slots.release(slot),
            _ => o.slots.state[slot as usize] = SlotState::TimedOut,
        }
        o.result.timeouts += 1;
        o.breakers.record(pop as usize, 0, now, false);
        self.origin_retry(now, pop, attempt, req);
    }

    fn origin_retry(&mut self, now: SimTime, pop: u32, attempt: u8, req: Request) {
        let o = self.origin_plane();
        // The fetch's own chain of decorrelated sleeps: one key per client attempt.
        let key = req.first_sent_ns.rotate_left(17) ^ ((req.net as u64) << 32 | req.slot as u64);
        let wait = o.cfg.retry.jittered_wait_after(attempt as u32 + 1, key, &mut o.rng);
        let allowed = match (&mut o.budget, wait) {
            (Some(b), Some(_)) => {
                let ok = b.spend();
                o.result.budget_refused += !ok as u64;
                ok
            }
            _ => true,
        };
        match wait.filter(|_| allowed) {
            Some(w) => self.queue.schedule_at(now + w, Event::OriginSend { pop, attempt: attempt + 1, req }),
            None => self.failure(req, pop, FailReason::OriginFailed),
        }
    }
}
