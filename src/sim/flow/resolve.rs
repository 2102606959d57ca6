//! The end of a PoP's window: what waited there meets the PoP as a queueing
//! station at the window's mean offered rate. A stable station refuses the
//! M/M/c/K blocking share and makes the rest wait per Erlang C (with the
//! Allen-Cunneen factor for general service); an overloaded one, or one
//! still draining a backlog, runs the fluid backlog (grows at lambda - c mu,
//! refuses past the queue limit, drains after). Answers that would reach the
//! client after its timeout are silence: the client retries.
//!
//! A stable state is kept while the offered rate holds (to 1e-6), so a
//! steady PoP solves its queue once; its successes' latencies go to the
//! run's histograms when the state changes, to the time-series ones at once.

use super::deliver::seconds;
use super::latency::Atoms;
use super::{FlowPlane, Piece, StationKey};
use crate::edge::station::Station;
use crate::engine::{SimDuration, SimTime};
use crate::metrics::volume::SentSpan;
use crate::metrics::FailReason;
use crate::sim::Sim;

/// A PoP's queueing state, per second, and the latency it gives.
#[derive(Debug, Clone)]
pub(super) struct StationState {
    key: StationKey,
    /// Share of the offered refused because the queue was full.
    refused_share: f64,
    /// Requests starting service per second.
    throughput_per_s: f64,
    /// Share of those that waited for a server.
    waited_share: f64,
    /// Mean wait of those started, s.
    mean_wait_s: f64,
    /// Mean requests waiting.
    mean_waiting: f64,
    /// Latency past the network delay (wait, service, jitter).
    atoms: Atoms,
    /// The same as whole-nanosecond durations, for the histograms.
    durations: Vec<(SimDuration, f64)>,
}

impl StationState {
    fn new(key: StationKey, atoms: Atoms) -> Self {
        let durations = atoms.durations();
        StationState {
            key,
            refused_share: 0.0,
            throughput_per_s: 0.0,
            waited_share: 0.0,
            mean_wait_s: 0.0,
            mean_waiting: 0.0,
            atoms,
            durations,
        }
    }
}

/// Successes of one network delay, send span and fault mask, by class.
struct Group {
    shift: SimDuration,
    sent: SentSpan,
    mask: u32,
    volume: [f64; 4],
}

impl Sim<'_> {
    /// Resolves PoP `p`'s window up to `now`.
    pub(super) fn resolve_pop(&mut self, plane: &mut FlowPlane, p: usize, now: SimTime) {
        let from = plane.pops[p].window_from;
        if now <= from {
            return;
        }
        plane.pops[p].window_from = now;
        let pieces = std::mem::take(&mut plane.pops[p].pending);
        let dt = seconds(from, now);
        let offered: f64 = pieces.iter().flat_map(|x| x.volume).sum();
        self.update_state(plane, p, offered / dt, dt);
        let Some(state) = plane.pops[p].state.as_ref() else { return };
        let timeout_ns = self.cfg.client_timeout.as_nanos() as f64;
        let mut late = std::mem::take(&mut plane.late);
        late.clear();
        late.extend(pieces.iter().map(|x| state.atoms.mass_above(timeout_ns - x.round_trip.as_nanos() as f64)));
        // P0 requests are critical: the queue limit never refuses them (as
        // the pool admits them past it), so the others take the refusals.
        let critical: f64 = pieces.iter().map(|x| x.volume[0]).sum();
        let refused_share =
            if offered > critical { (state.refused_share * offered / (offered - critical)).min(1.0) } else { 0.0 };
        let mut groups: Vec<Group> = Vec::new();
        let mut refused_total = 0.0;
        for (piece, &late_share) in pieces.iter().zip(&late) {
            let mut late = [0.0; 4];
            let mut ok = [0.0; 4];
            for (class, v) in piece.volume.iter().enumerate() {
                let refused = if class == 0 { 0.0 } else { v * refused_share };
                refused_total += refused;
                self.flow_outcome(piece.net, piece.flow, p as u32, class, refused, Err(FailReason::QueueFull));
                late[class] = (v - refused) * late_share;
                ok[class] = v - refused - late[class];
                self.flow_outcome(piece.net, piece.flow, p as u32, class, ok[class], Ok(()));
            }
            if late.iter().any(|v| *v > 0.0) {
                self.flow_timeout(plane, piece.net, piece.flow, late);
            }
            self.group(&mut groups, piece, ok);
        }
        self.record_latency(plane, p, &groups);
        self.tally(plane, p, (from, now), offered, refused_total);
        // Keep the buffers' room for the next window.
        plane.late = late;
        let mut pieces = pieces;
        pieces.clear();
        if plane.pops[p].pending.is_empty() {
            plane.pops[p].pending = pieces;
        }
    }

    fn group(&self, groups: &mut Vec<Group>, piece: &Piece, ok: [f64; 4]) {
        let shift = piece.round_trip + piece.flow.offset;
        let sent = piece.flow.sent();
        let mask = self.affected[piece.net as usize];
        match groups.iter_mut().find(|g| g.shift == shift && g.sent == sent && g.mask == mask) {
            Some(g) => (0..4).for_each(|c| g.volume[c] += ok[c]),
            None => groups.push(Group { shift, sent, mask, volume: ok }),
        }
    }

    /// The window's successes: into the time-series histograms and the
    /// faults' now, into the run's totals when the state changes.
    fn record_latency(&mut self, plane: &mut FlowPlane, p: usize, groups: &[Group]) {
        let pf = &mut plane.pops[p];
        let Some(state) = pf.state.as_ref() else { return };
        for g in groups {
            self.recorder.latency_series_volume(g.sent, p as u32, g.volume, &state.durations, g.shift);
            let total: f64 = g.volume.iter().sum();
            let mut mask = g.mask;
            while mask != 0 {
                let f = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                self.faults[f].latency_volume(g.sent, total, &state.durations, g.shift);
            }
            let share = self.recorder.measured_share(g.sent);
            let measured = g.volume.map(|v| v * share);
            match pf.deferred.iter_mut().find(|(shift, _)| *shift == g.shift) {
                Some((_, v)) => (0..4).for_each(|c| v[c] += measured[c]),
                None => pf.deferred.push((g.shift, measured)),
            }
        }
    }

    /// Records PoP `p`'s deferred successes with its current latency.
    pub(super) fn flush_latency(&mut self, plane: &mut FlowPlane, p: usize) {
        let pf = &mut plane.pops[p];
        let Some(state) = pf.state.as_ref() else { return };
        for (shift, volume) in pf.deferred.drain(..) {
            for (class, v) in volume.iter().enumerate() {
                self.recorder.latency_totals_volume(p as u32, class as u8, *v, &state.durations, shift);
            }
        }
    }

    /// Brings PoP `p`'s queueing state up to a window of `dt` seconds
    /// offered `lambda` per second: kept while stable at the same rate.
    fn update_state(&mut self, plane: &mut FlowPlane, p: usize, lambda: f64, dt: f64) {
        let servers = self.pops[p].pool.servers();
        let pf = &plane.pops[p];
        let station = Station::new(servers, pf.service_rate_per_s, pf.service_scv, Some(pf.queue_limit)).ok();
        let fluid = station.as_ref().filter(|s| pf.backlog.waiting() > 0.0 || lambda >= s.capacity_per_s());
        let next = match (station.as_ref(), fluid) {
            (None, _) => {
                // No servers: everything offered is refused.
                let key = StationKey { servers, offered_per_s: lambda, fluid_wait_ns: None };
                StationState { refused_share: 1.0, ..StationState::new(key, Atoms::point(0.0)) }
            }
            (Some(_), Some(s)) => fluid_state(plane, p, s, lambda, dt),
            (Some(s), None) => {
                let key = StationKey { servers, offered_per_s: lambda, fluid_wait_ns: None };
                if pf.state.as_ref().is_some_and(|st| same_station(&st.key, &key)) {
                    return;
                }
                stable_state(plane, p, s, key)
            }
        };
        let changed = plane.pops[p].state.as_ref().is_none_or(|st| st.atoms != next.atoms);
        if changed {
            self.flush_latency(plane, p);
        }
        plane.pops[p].state = Some(next);
    }

    /// Adds the window `(from, now)` to PoP `p`'s period and measured sums.
    fn tally(&mut self, plane: &mut FlowPlane, p: usize, (from, now): (SimTime, SimTime), offered: f64, refused: f64) {
        let dt = seconds(from, now);
        let servers = self.pops[p].pool.servers() as f64;
        let pf = &mut plane.pops[p];
        let Some(st) = pf.state.as_ref() else { return };
        let started = st.throughput_per_s * dt;
        let busy = (st.throughput_per_s / pf.service_rate_per_s).min(servers);
        pf.waiting = st.mean_waiting;
        let t = &mut pf.period;
        t.refused += refused;
        t.started += started;
        t.wait_s_sum += started * st.mean_wait_s;
        t.in_system_area += (st.mean_waiting + busy) * dt;
        t.busy_area += busy * dt;
        if plane.closed {
            return;
        }
        let share = self.recorder.measured_share(SentSpan { from, to: now });
        let s = &mut pf.pool;
        s.arrivals += offered * share;
        s.rejected += refused * share;
        s.started += started * share;
        s.waited += started * st.waited_share * share;
        s.wait_s_sum += started * st.mean_wait_s * share;
        s.queue_area += st.mean_waiting * dt * share;
        s.server_area += servers * dt * share;
        s.busy_area += busy * dt * share;
    }
}

/// The same queueing state, to the precision that matters for latency.
fn same_station(a: &StationKey, b: &StationKey) -> bool {
    a.servers == b.servers
        && a.fluid_wait_ns == b.fluid_wait_ns
        && (a.offered_per_s - b.offered_per_s).abs() <= 1e-6 * a.offered_per_s.max(b.offered_per_s)
}

/// A stable station's steady state (M/M/c/K, Allen-Cunneen waits).
fn stable_state(plane: &FlowPlane, p: usize, station: &Station, key: StationKey) -> StationState {
    let pf = &plane.pops[p];
    let lambda = key.offered_per_s;
    let steady = station.steady(lambda).ok();
    let queue = steady.as_ref().and_then(|s| s.queue());
    let wait = queue.map_or(Atoms::point(0.0), Atoms::wait);
    let atoms = pf.service.plus(&wait).plus(&plane.jitter);
    StationState {
        refused_share: steady.as_ref().map_or(0.0, |s| s.blocking),
        throughput_per_s: steady.as_ref().map_or(lambda, |s| s.throughput_per_s),
        waited_share: queue.map_or(0.0, |q| q.prob_wait),
        mean_wait_s: queue.map_or(0.0, |q| q.mean_wait_s),
        mean_waiting: queue.map_or(0.0, |q| q.mean_waiting),
        ..StationState::new(key, atoms)
    }
}

/// An overloaded window, or one draining a backlog: the fluid backlog over
/// the window; every request started waits the window's mean wait.
fn fluid_state(plane: &mut FlowPlane, p: usize, station: &Station, lambda: f64, dt: f64) -> StationState {
    let jitter = &plane.jitter;
    let pf = &mut plane.pops[p];
    let capacity = station.capacity_per_s();
    let key = |wait_ns| StationKey { servers: station.servers(), offered_per_s: lambda, fluid_wait_ns: Some(wait_ns) };
    let Ok(adv) = pf.backlog.advance(station, lambda, dt) else {
        return StationState { throughput_per_s: lambda, ..StationState::new(key(0), pf.service.plus(jitter)) };
    };
    let mean_waiting = adv.area_req_s / dt;
    let mean_wait_s = mean_waiting / capacity;
    let wait_ns = (mean_wait_s * 1e9).round() as u64;
    let offered = lambda * dt;
    let atoms = match pf.state.as_ref() {
        Some(st) if st.key.fluid_wait_ns == Some(wait_ns) => st.atoms.clone(),
        _ => pf.service.plus(&Atoms::point(wait_ns as f64)).plus(jitter),
    };
    StationState {
        refused_share: if offered > 0.0 { (adv.lost / offered).min(1.0) } else { 0.0 },
        throughput_per_s: adv.served / dt,
        waited_share: if mean_waiting > 0.0 { 1.0 } else { 0.0 },
        mean_wait_s,
        mean_waiting,
        ..StationState::new(key(wait_ns), atoms)
    }
}
