//! The request path: a client sends, its network routes the attempt to a
//! PoP, the PoP sheds, spills, queues or serves it, and the client times out
//! and retries per its policy. A request counts once, by its final outcome.

use super::{Event, Request, Sim, SlotState};
use crate::edge::anycast::NO_POP;
use crate::edge::pool::Admission;
use crate::engine::{SimDuration, SimTime};
use crate::metrics::FailReason;
use rand::Rng;
use rand_distr::{Distribution, Exp1};

impl Sim<'_> {
    /// The time from one send of `site` to its next.
    pub(super) fn gap(&mut self, site: usize) -> SimDuration {
        let s = &mut self.sites[site];
        match self.world.arrivals {
            crate::scenario::schema::Arrivals::Poisson => {
                let e: f64 = Exp1.sample(&mut s.traffic);
                SimDuration((e * s.mean_gap_ns).round() as u64)
            }
            crate::scenario::schema::Arrivals::Constant => SimDuration(s.mean_gap_ns.round() as u64),
        }
    }

    pub(super) fn send(&mut self, now: SimTime, site: u32) {
        let demanded = match self.cfg.demand.is_some() {
            true => match self.thinned_class(now, site) {
                Some(class) => Some(class),
                None => {
                    let next = now + self.gap(site as usize);
                    if next < self.end {
                        self.queue.schedule_at(next, Event::Send { site });
                    }
                    return;
                }
            },
            false => None,
        };
        let s = &mut self.sites[site as usize];
        let net = s.first_net + if s.nets > 1 { s.traffic.random_range(0..s.nets) } else { 0 };
        let class = demanded.unwrap_or_else(|| {
            let u: f64 = s.traffic.random();
            s.class_cdf.iter().position(|&c| u < c).unwrap_or(3) as u8
        });
        let req = Request {
            first_sent_ns: now.as_nanos(),
            sent_ns: now.as_nanos(),
            net,
            slot: 0,
            back_ns: 0,
            class,
            attempt: 0,
            spilled: false,
            origin: self.origin.as_mut().is_some_and(|o| o.misses()),
        };
        self.sent_measured += self.recorder.measures(now) as u64;
        self.attempt(now, req);
        let next = now + self.gap(site as usize);
        if next < self.end {
            self.queue.schedule_at(next, Event::Send { site });
        }
    }

    /// Under a demand curve, send events come at the curve's peak rate; each
    /// draws its class from the mean mix and is kept with probability (that
    /// class's multiplier now) / peak: a Poisson process thinned to the
    /// curve, class by class (Lewis and Shedler, 1979). `None`: dropped.
    fn thinned_class(&mut self, now: SimTime, site: u32) -> Option<u8> {
        let d = self.cfg.demand.as_ref()?;
        let peak = self.demand_peak;
        let s = &mut self.sites[site as usize];
        let u: f64 = s.traffic.random();
        let class = s.class_cdf.iter().position(|&c| u < c).unwrap_or(3) as u8;
        let keep = d.classes(site as usize, s.lon_deg, now)[class as usize] / peak;
        let v: f64 = s.traffic.random();
        (v < keep).then_some(class)
    }

    /// An attempt leaves the client towards the PoP its network routes to;
    /// the client's timeout for it starts now.
    pub(super) fn attempt(&mut self, now: SimTime, mut req: Request) {
        if self.recorder.measures(SimTime(req.first_sent_ns)) {
            self.recorder.attempts += 1;
        }
        let net = req.net as usize;
        let pop = self.routing.route(net, &mut self.flip_rng);
        if pop == NO_POP {
            self.failure(req, NO_POP, FailReason::NoRoute);
            return;
        }
        let site = self.routing.nets[net].site as usize;
        let base = self.base[site * self.pops.len() + pop as usize] as u64;
        let s = &mut self.sites[site];
        let go = base + self.world.latency.jitter(&mut s.network).as_nanos();
        let back = base + self.world.latency.jitter(&mut s.network).as_nanos();
        req.sent_ns = now.as_nanos();
        req.back_ns = back.min(u32::MAX as u64) as u32;
        req.slot = self.slots.alloc();
        req.spilled = false;
        self.queue.schedule_at(now + SimDuration(go), Event::Arrive { pop, req });
        // Every attempt's timeout is `now + timeout`: they come in time order.
        self.queue.schedule_fifo(now + self.cfg.client_timeout, Event::Timeout { req });
    }

    fn deadline(&self, req: &Request) -> SimTime {
        SimTime(req.sent_ns) + self.cfg.client_timeout
    }

    fn slot(&self, req: &Request) -> SlotState {
        self.slots.state[req.slot as usize]
    }

    fn set_slot(&mut self, req: &Request, state: SlotState) {
        self.slots.state[req.slot as usize] = state;
    }

    pub(super) fn arrive(&mut self, now: SimTime, pop: u32, mut req: Request) {
        if self.slot(&req) == SlotState::TimedOut {
            self.slots.release(req.slot);
            return;
        }
        let measured = self.recorder.measures(SimTime(req.first_sent_ns));
        let p = &mut self.pops[pop as usize];
        if !p.alive {
            // No answer: the client finds out at its timeout.
            self.set_slot(&req, SlotState::Dropped);
            return;
        }
        p.tick_arrivals += 1;
        if let (Some(limits), Some(cfg)) = (&mut p.limits, &self.cfg.limits) {
            let deployment = cfg.deployment(crate::engine::rng::unit_hash(req.first_sent_ns, req.net as u64));
            if let Err(hit) = limits.admit(now, deployment, cfg) {
                self.rate_limited[hit as usize] += measured as u64;
                self.failure(req, pop, FailReason::RateLimited);
                return;
            }
        }
        let p = &mut self.pops[pop as usize];
        if p.shedder.sheds(req.class) {
            p.tick_shed += 1;
            if measured {
                p.totals.shed_by_class[req.class as usize] += 1;
            }
            self.failure(req, pop, FailReason::Shed);
            return;
        }
        if !req.spilled && p.spill_share > 0.0 && p.spill_to != NO_POP && p.spill_rng.random::<f64>() < p.spill_share {
            let to = p.spill_to;
            p.tick_spilled += 1;
            if measured {
                p.totals.spilled_out += 1;
                self.pops[to as usize].totals.spilled_in += 1;
            }
            let hop = self.hop[pop as usize * self.pops.len() + to as usize];
            req.spilled = true;
            req.back_ns = req.back_ns.saturating_add(hop);
            self.queue.schedule_at(now + SimDuration(hop as u64), Event::Arrive { pop: to, req });
            return;
        }
        let critical = req.class == 0;
        match p.pool.arrive(now.as_nanos(), req, critical) {
            Admission::Serve { server } => self.start_service(now, pop, server, req),
            Admission::Queued => {}
            Admission::Rejected => self.failure(req, pop, FailReason::QueueFull),
        }
    }

    pub(super) fn start_service(&mut self, now: SimTime, pop: u32, server: u32, req: Request) {
        let p = &mut self.pops[pop as usize];
        let service = p.service.sample(&mut p.service_rng);
        let finish = now + service + self.isolate_start(now, pop, server, &req);
        let p = &mut self.pops[pop as usize];
        let incarnation = p.incarnation;
        self.queue.schedule_at(finish, Event::Depart { pop, server, incarnation, req });
    }

    pub(super) fn depart(&mut self, now: SimTime, pop: u32, server: u32, incarnation: u16, req: Request) {
        let p = &self.pops[pop as usize];
        let answered = p.alive && p.incarnation == incarnation;
        let arrives = now + SimDuration(req.back_ns as u64);
        match self.slot(&req) {
            SlotState::TimedOut => self.slots.release(req.slot),
            // The PoP died with it in hand, or the answer comes after the
            // client's timeout: either way the timeout decides.
            _ if !answered || arrives > self.deadline(&req) => self.set_slot(&req, SlotState::Dropped),
            _ if self.cfg.subrequests.is_some_and(|s| s.exceeds(&mut self.subrequest_rng)) => {
                self.failure(req, pop, FailReason::SubrequestLimit)
            }
            _ if req.origin => self.origin_send(now, pop, 0, req),
            _ => {
                let latency = arrives - SimTime(req.first_sent_ns);
                self.succeed(req, pop, latency);
            }
        }
        let mut next = self.pops[pop as usize].pool.depart(now.as_nanos(), server);
        while let Some((r, _wait)) = next {
            if self.slot(&r) == SlotState::TimedOut {
                // Its client gave up while it waited: drop it, take the next.
                self.slots.release(r.slot);
                next = self.pops[pop as usize].pool.depart(now.as_nanos(), server);
            } else {
                self.start_service(now, pop, server, r);
                break;
            }
        }
    }

    pub(super) fn timeout(&mut self, now: SimTime, req: Request) {
        match self.slot(&req) {
            SlotState::Answered => {
                self.slots.release(req.slot);
                return;
            }
            SlotState::Dropped => self.slots.release(req.slot),
            SlotState::InFlight => self.set_slot(&req, SlotState::TimedOut),
            SlotState::TimedOut | SlotState::Free => return,
        }
        self.retry(now, req);
    }

    /// The client's attempt failed: retry after the policy's wait, or give up.
    pub(super) fn retry(&mut self, now: SimTime, mut req: Request) {
        match self.cfg.retry.wait_after(req.attempt as u32 + 1) {
            Some(wait) => {
                req.attempt += 1;
                self.queue.schedule_at(now + wait, Event::Attempt { req });
            }
            None => self.failure(req, NO_POP, FailReason::Timeout),
        }
    }

    /// The client gets its answer `latency` after it first sent the request.
    pub(super) fn succeed(&mut self, req: Request, pop: u32, latency: SimDuration) {
        if !self.answer(&req) {
            return;
        }
        let sent = SimTime(req.first_sent_ns);
        self.isolate_served(&req, pop, latency);
        self.recorder.success(sent, latency, pop, req.class);
        self.recorder.region_outcome(sent, req.net, true);
        self.fault_outcome(req, true, latency);
    }

    /// A final failure. A refusal (shed, queue full, breaker open, origin
    /// failed, rate limited) answers the attempt; a timeout or no route has
    /// no attempt left in flight.
    pub(super) fn failure(&mut self, req: Request, pop: u32, reason: FailReason) {
        if reason.answers() && !self.answer(&req) {
            return;
        }
        let sent = SimTime(req.first_sent_ns);
        self.recorder.failure(sent, pop, req.class, reason);
        self.recorder.region_outcome(sent, req.net, false);
        self.fault_outcome(req, false, SimDuration::ZERO);
    }

    /// Marks the attempt answered; false (and the slot freed) if its client
    /// had already given up on it, whose outcome then belongs to the retry.
    fn answer(&mut self, req: &Request) -> bool {
        if self.slot(req) == SlotState::TimedOut {
            self.slots.release(req.slot);
            return false;
        }
        self.set_slot(req, SlotState::Answered);
        true
    }

    #[inline]
    fn fault_outcome(&mut self, req: Request, ok: bool, latency: SimDuration) {
        let mut mask = self.affected[req.net as usize];
        while mask != 0 {
            let f = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            self.faults[f].outcome(SimTime(req.first_sent_ns), ok, latency, req.attempt as u32 + 1);
        }
    }
}
