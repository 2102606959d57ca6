//! The control path: health checks, route withdrawal and convergence,
//! faults starting and ending, the overload control loop and the
//! autoscaler, each run as events on the loop's queue. The decisions are
//! the models' (`edge`); this file schedules them and records the fault
//! timelines.

use super::config::RouteModel;
use super::{Event, PopSample, Sim, SlotState};
use crate::edge::anycast::NO_POP;
use crate::edge::autoscale::ScaleAction;
use crate::edge::health::HealthChange;
use crate::edge::overload::spill_share;
use crate::engine::SimTime;
use crate::scenario::schema::FaultKind;

impl Sim<'_> {
    /// The health checker's round: probes each PoP it watches, in index
    /// order. One that answers and is declared up leaves the round: more
    /// answers would change nothing until it fails ([`Self::watch`]).
    pub(super) fn probes(&mut self, now: SimTime) {
        let mut watched = std::mem::take(&mut self.watched);
        watched.retain(|&pop| self.probe(now, pop));
        std::mem::swap(&mut self.watched, &mut watched);
        watched.into_iter().for_each(|p| self.watch(p as usize));
        let next = now + self.cfg.health.interval;
        if next < self.end {
            self.queue.schedule_at(next, Event::Probes);
        }
    }

    /// Probes PoP `pop`; false if it answered and is declared up.
    fn probe(&mut self, now: SimTime, pop: u32) -> bool {
        let p = &self.pops[pop as usize];
        if p.alive && !p.probes_fail {
            self.health_result(now, pop, true);
            self.pops[pop as usize].health.is_down()
        } else {
            self.queue.schedule_at(now + self.cfg.health.timeout, Event::ProbeMiss { pop });
            true
        }
    }

    /// PoP `p` may miss its probes from now: the next round probes it.
    fn watch(&mut self, p: usize) {
        if let Err(i) = self.watched.binary_search(&(p as u32)) {
            self.watched.insert(i, p as u32);
        }
    }

    pub(super) fn health_result(&mut self, now: SimTime, pop: u32, answered: bool) {
        let p = &mut self.pops[pop as usize];
        let Some(change) = p.health.on_probe(answered, &self.cfg.health) else {
            return;
        };
        let fault = p.active_fault.map(|f| f as usize);
        let withdraw = change == HealthChange::Down;
        if let Some(f) = fault {
            let rec = &mut self.faults[f];
            match change {
                HealthChange::Down if rec.detected.is_none() => rec.detected = Some(now),
                HealthChange::Up if rec.declared_up.is_none() => rec.declared_up = Some(now),
                _ => {}
            }
        }
        self.queue.schedule_at(now + self.cfg.withdrawal_delay, Event::RouteChange { pop, withdraw });
    }

    pub(super) fn route_change(&mut self, now: SimTime, pop: u32, withdraw: bool) {
        let p = pop as usize;
        if self.routing.is_withdrawn(p) == withdraw {
            return;
        }
        let epoch = if withdraw { self.routing.withdraw(p) } else { self.routing.announce(p) };
        if let Some(f) = self.pops[p].active_fault.map(|f| f as usize) {
            let rec = &mut self.faults[f];
            if withdraw && rec.withdrawn.is_none() {
                rec.withdrawn = Some(now);
            } else if !withdraw && rec.reannounced.is_none() {
                rec.reannounced = Some(now);
            }
        }
        let RouteModel::Drawn(convergence) = &self.cfg.routes else {
            self.bgp_origin(now, pop, !withdraw);
            return;
        };
        for net in 0..self.routing.networks() {
            let delay = convergence.delay(net, &mut self.route_rng);
            self.queue.schedule_at(now + delay, Event::Learn { net: net as u32, pop, epoch });
        }
    }

    pub(super) fn learn(&mut self, now: SimTime, net: u32, pop: u32, epoch: u16) {
        let n = net as usize;
        let before = self.routing.targets(n);
        self.routing.learn(n, pop as usize, epoch);
        let after = self.routing.targets(n);
        if after != before {
            self.flow_reroute(now, net, after);
            self.note_moves(now, n);
        }
    }

    /// Faults that last and whose catchment network `net` was in when they
    /// struck, for which it has not moved yet.
    pub(super) fn pending_moves(&self, net: usize) -> u32 {
        self.active_faults & !self.settled[net]
    }

    /// Records network `net` as moved, at `now`, for each pending fault for
    /// which every PoP its route may send to is live.
    pub(super) fn note_moves(&mut self, now: SimTime, net: usize) {
        let mut mask = self.pending_moves(net);
        while mask != 0 {
            let f = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let targets = self.routing.targets(net);
            let live = |p: u32| p == NO_POP || self.live_for(f, p as usize);
            if targets[0] != NO_POP && targets.iter().all(|&p| live(p)) {
                self.settled[net] |= 1 << f;
                self.faults[f].moved.push(now);
            }
        }
    }

    /// Counts a network's route change against the fault that started last,
    /// while it lasts.
    pub(super) fn note_route_change(&mut self, now: SimTime) {
        if let Some(f) = self.last_fault.filter(|&f| self.active_faults & (1 << f) != 0) {
            let rec = &mut self.faults[f as usize];
            rec.route_changes += 1;
            rec.last_route_change = Some(now);
        }
    }

    /// PoP `pop` serves and is not struck by fault `f`.
    fn live_for(&self, f: usize, pop: usize) -> bool {
        let struck = match self.fault_plan.get(f) {
            Some(fault) => &fault.pops[..],
            None => self.incident_pops(f),
        };
        self.pops[pop].alive && !struck.contains(&pop)
    }

    pub(super) fn fault_start(&mut self, now: SimTime, f: u32) {
        self.snapshot_catchment(now, f, true);
        let fault = &self.fault_plan[f as usize];
        self.flow_settle(now, &fault.pops);
        let mut affected = 0;
        for net in 0..self.routing.networks() {
            if fault.pops.contains(&(self.routing.best(net) as usize)) {
                self.affected[net] |= 1 << f;
                self.settled[net] &= !(1 << f);
                affected += 1;
            } else {
                self.settled[net] |= 1 << f;
            }
        }
        self.faults[f as usize].affected_networks = affected;
        self.active_faults |= 1 << f;
        for i in 0..fault.pops.len() {
            let p = self.fault_plan[f as usize].pops[i];
            self.pops[p].active_fault = Some(f);
            self.pop_fault_start(now, p, fault.kind, fault.capacity);
        }
        self.state_fault(now, f as usize, true);
        self.last_fault = Some(f);
        if fault.kind.changes_routes() {
            self.bgp_fault(now, f as usize, true);
        }
        let fault = &self.fault_plan[f as usize];
        if let Some(end) = fault.end {
            self.queue.schedule_at(end, Event::FaultEnd { fault: f });
        }
    }

    pub(super) fn pop_fault_start(&mut self, now: SimTime, p: usize, kind: FaultKind, capacity: f64) {
        match kind {
            FaultKind::PopDown | FaultKind::RegionDown => self.pop_down(now, p, true),
            FaultKind::PopDegraded => {
                self.pops[p].degraded = Some(capacity);
                self.apply_servers(now, p);
            }
            FaultKind::HealthCheckFlap => {
                self.pops[p].probes_fail = true;
                self.watch(p);
            }
            _ => {}
        }
    }

    /// PoP `p` stops answering: what it holds is lost.
    pub(super) fn kill_pop(&mut self, now: SimTime, p: usize) {
        let pop = &mut self.pops[p];
        pop.alive = false;
        pop.incarnation = pop.incarnation.wrapping_add(1);
        self.watch(p);
        let pop = &mut self.pops[p];
        for r in pop.pool.drain_queue(now.as_nanos()) {
            let slot = &mut self.slots.state[r.slot as usize];
            *slot = match *slot {
                // Its client already gave up: nobody needs the slot.
                SlotState::TimedOut => {
                    self.slots.free.push(r.slot);
                    SlotState::Free
                }
                _ => SlotState::Dropped,
            };
        }
    }

    pub(super) fn fault_end(&mut self, now: SimTime, f: u32) {
        self.snapshot_catchment(now, f, false);
        let fault = &self.fault_plan[f as usize];
        self.flow_settle(now, &fault.pops);
        self.faults[f as usize].ended = Some(now);
        for &p in &fault.pops {
            match fault.kind {
                FaultKind::PopDown | FaultKind::RegionDown => self.pop_down(now, p, false),
                FaultKind::PopDegraded => {
                    self.pops[p].degraded = None;
                    self.apply_servers(now, p);
                }
                FaultKind::HealthCheckFlap => self.pops[p].probes_fail = false,
                _ => {}
            }
        }
        self.state_fault(now, f as usize, false);
        if fault.kind.changes_routes() {
            self.bgp_fault(now, f as usize, false);
        }
        self.active_faults &= !(1 << f);
        // PoPs restored: networks routed to them may have moved for faults that last.
        for net in 0..self.routing.networks() {
            if self.pending_moves(net) != 0 {
                self.note_moves(now, net);
            }
        }
    }

    /// Sets PoP `p`'s pool to the servers it should have now, starting
    /// waiting requests on servers that join.
    pub(super) fn apply_servers(&mut self, now: SimTime, p: usize) {
        self.flow_settle(now, &[p]);
        let pop = &mut self.pops[p];
        let target = match pop.degraded {
            Some(share) => (pop.wanted as f64 * share).ceil() as u32,
            None => pop.wanted,
        };
        let started = pop.pool.set_servers(now.as_nanos(), target);
        pop.totals.servers_max = pop.totals.servers_max.max(target);
        for (req, _wait, server) in started {
            self.start_service(now, p as u32, server, req);
        }
    }

    pub(super) fn server_ready(&mut self, now: SimTime, pop: u32) {
        let p = &mut self.pops[pop as usize];
        p.provisioning = p.provisioning.saturating_sub(1);
        p.wanted += 1;
        self.apply_servers(now, pop as usize);
    }

    /// One period of the overload control loop and the autoscaler.
    pub(super) fn tick(&mut self, now: SimTime) {
        let period_ns = self.cfg.tick.as_nanos() as f64;
        let cpus = if self.flow.is_some() { self.flow_tick(now) } else { self.pool_cpus(now, period_ns) };
        self.kv_level_tick(now);
        self.levels_tick(now, &cpus);
        for (i, cpu) in cpus.into_iter().enumerate() {
            self.control_pop(now, i, cpu, period_ns);
        }
        let next = now + self.cfg.tick;
        if next < self.end {
            self.queue.schedule_at(next, Event::Tick);
        }
    }

    /// Each PoP's busy share over the period ending `now`, from its pool.
    fn pool_cpus(&mut self, now: SimTime, period_ns: f64) -> Vec<f64> {
        let mut cpus = Vec::with_capacity(self.pops.len());
        for p in &mut self.pops {
            let busy = p.pool.busy_integral(now.as_nanos());
            let servers = p.pool.servers();
            let cpu = match servers {
                0 if p.pool.queue_len() > 0 => 1.0,
                0 => 0.0,
                n => ((busy - p.last_busy) as f64 / (n as f64 * period_ns)).min(1.0),
            };
            p.last_busy = busy;
            p.load_rps = p.tick_arrivals as f64 * 1e9 / period_ns;
            cpus.push(cpu);
        }
        cpus
    }

    /// What PoP `i` can serve per second: its servers' rate, capped by the
    /// seed's per-PoP capacity when rate limits are set.
    fn capacity_rps(&self, i: usize) -> f64 {
        let p = &self.pops[i];
        let servers = p.pool.servers() as f64 * 1e9 / p.mean_service_ns;
        self.cfg.limits.as_ref().map_or(servers, |l| servers.min(l.per_pop_qps as f64))
    }

    fn control_pop(&mut self, now: SimTime, i: usize, cpu: f64, period_ns: f64) {
        let threshold = self.cfg.spill_threshold;
        if self.cfg.shed_cpu < 1.0 {
            let (shed, hyst, hold) = (self.cfg.shed_cpu, self.cfg.shed_hysteresis, self.cfg.shed_hold_ticks);
            self.pops[i].shedder.on_tick(cpu, shed, hyst, hold);
        }
        let share =
            if threshold < 1.0 { spill_share(self.pops[i].load_rps, self.capacity_rps(i), threshold) } else { 0.0 };
        let target = if share > 0.0 {
            self.near[i]
                .iter()
                .copied()
                .find(|&q| {
                    let qp = &self.pops[q as usize];
                    qp.alive
                        && !qp.health.is_down()
                        && !self.routing.is_withdrawn(q as usize)
                        && qp.load_rps < threshold * self.capacity_rps(q as usize)
                })
                .unwrap_or(NO_POP)
        } else {
            NO_POP
        };
        let period = self.isolates_tick(now, i);
        let memory = period.map_or(0.0, |x| x.memory);
        if let Some(cfg) = self.cfg.autoscale {
            let waiting = self.flow_waiting(i).map_or(self.pops[i].pool.queue_len(), |w| w.round() as usize);
            let p = &mut self.pops[i];
            let servers = p.wanted + p.provisioning;
            match p.autoscaler.on_tick_with_memory(now, [cpu, memory], waiting, servers, &cfg) {
                Some(ScaleAction::Add) => {
                    p.provisioning += 1;
                    p.totals.scale_ups += 1;
                    p.totals.scale_up_times_s.push(now.as_secs_f64());
                    self.queue.schedule_at(now + cfg.provisioning, Event::ServerReady { pop: i as u32 });
                }
                Some(ScaleAction::Remove) => {
                    p.wanted -= 1;
                    p.totals.scale_downs += 1;
                    self.apply_servers(now, i);
                }
                None => {}
            }
        }
        let flow_sample = self.flow_sample(i);
        let p = &mut self.pops[i];
        p.spill_share = share;
        p.spill_to = target;
        let sample = flow_sample.unwrap_or_else(|| {
            let tally = p.pool.tally(now.as_nanos());
            let last = std::mem::replace(&mut p.last_tally, tally);
            PopSample {
                t_s: now.as_secs_f64(),
                pop: i as u32,
                servers: p.pool.servers(),
                arrivals: p.tick_arrivals,
                shed: p.tick_shed,
                spilled: p.tick_spilled,
                cpu: 0.0,
                shed_level: 0,
                in_system: ((tally.in_system_area - last.in_system_area) as f64 / period_ns) as f32,
                started: (tally.started - last.started) as u32,
                wait_s_sum: (tally.wait_ns - last.wait_ns) as f64 / 1e9,
                refused: (tally.refused - last.refused) as u32,
                isolates: false,
                cold_starts: 0.0,
                memory: 0.0,
                warm_pool: 0,
            }
        });
        self.series.push(PopSample {
            cpu: cpu as f32,
            shed_level: p.shedder.level(),
            servers: p.pool.servers(),
            isolates: period.is_some(),
            cold_starts: period.map_or(0.0, |x| x.cold_starts as f32),
            memory: memory as f32,
            warm_pool: period.map_or(0, |x| x.warm_pool),
            ..sample
        });
        p.tick_arrivals = 0;
        p.tick_shed = 0;
        p.tick_spilled = 0;
    }
}
