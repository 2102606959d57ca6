//! The end of a PoP's window: what waited there meets the PoP as a queueing
//! station at the window's mean offered rate. A stable station refuses the
//! M/M/c/K blocking share and makes the rest wait per Erlang C (with the
//! Allen-Cunneen factor for general service); an overloaded one, or one
//! still draining a backlog, runs the fluid backlog (grows at lambda - c mu,
//! refuses past the queue limit, drains after). Answers that would reach the
//! client after its timeout are silence: the client retries.
//!
//! A stable state is kept while the offered rate holds (to 1e-9), so a
//! steady PoP solves its queue once; its latency atoms are remade only when
//! the wait's law moves (the probability of waiting by 0.01, the mean wait
//! by 2% or 10 us). Its successes' latencies are added up by network delay
//! and recorded when the atoms change (or at the end): into the run's
//! histograms, and into a time-series bucket's (and the expectations'
//! windows) also when the bucket ends; a span that straddles a bucket or a
//! window is recorded at once.

use super::latency::{Atoms, Tail};
use super::{FlowPlane, Piece, StationKey};
use crate::edge::station::Station;
use crate::engine::{SimDuration, SimTime};
use crate::metrics::volume::{SentSpan, SeriesKey};
use crate::metrics::FailReason;
use crate::sim::Sim;

/// Latency shifts a PoP defers at most before recording them.
const MAX_DEFERRED: usize = 32;

/// Latency shifts a PoP defers at most for the time series.
const MAX_SERIES: usize = 128;

/// Records a PoP's successes deferred for the time series (`p`: the PoP,
/// `durations`: its latency since they were deferred).
fn flush_series(
    recorder: &mut crate::metrics::Recorder,
    p: usize,
    series: &mut Vec<(SeriesKey, SimDuration, [f64; 4])>,
    durations: &[(SimDuration, f64)],
) {
    for (key, shift, volume) in series.drain(..) {
        recorder.latency_series_key_volume(key, p as u32, volume, durations, shift);
    }
}

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
    /// Their tail sums, for the share of late answers.
    tail: Tail,
}

impl StationState {
    fn new(key: StationKey, atoms: Atoms) -> Self {
        let durations = atoms.durations();
        let tail = Tail::new(&atoms);
        StationState {
            key,
            refused_share: 0.0,
            throughput_per_s: 0.0,
            waited_share: 0.0,
            mean_wait_s: 0.0,
            mean_waiting: 0.0,
            atoms,
            durations,
            tail,
        }
    }
}

/// Successes of one network delay, send span and fault mask, by class.
#[derive(Debug, Clone, Copy)]
pub(super) struct Group {
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
        let dt = (now - from).as_secs_f64();
        let offered: f64 = pieces.iter().flat_map(|x| x.volume).sum();
        self.update_state(plane, p, offered / dt, dt);
        let Some(state) = plane.pops[p].state.as_ref() else { return };
        let timeout_ns = self.cfg.client_timeout.as_nanos() as f64;
        let mut late = std::mem::take(&mut plane.late);
        late.clear();
        late.extend(pieces.iter().map(|x| state.tail.mass_above(timeout_ns - x.round_trip.as_nanos() as f64)));
        // P0 requests are critical: the queue limit never refuses them (as
        // the pool admits them past it), so the others take the refusals.
        let critical: f64 = pieces.iter().map(|x| x.volume[0]).sum();
        let refused_share =
            if offered > critical { (state.refused_share * offered / (offered - critical)).min(1.0) } else { 0.0 };
        let mut groups = std::mem::take(&mut plane.groups);
        groups.clear();
        let mut refused_total = 0.0;
        for (piece, &late_share) in pieces.iter().zip(&late) {
            let mut late = [0.0; 4];
            let mut ok = [0.0; 4];
            let mut refused = [0.0; 4];
            for (class, v) in piece.volume.iter().enumerate() {
                refused[class] = if class == 0 { 0.0 } else { v * refused_share };
                late[class] = (v - refused[class]) * late_share;
                ok[class] = v - refused[class] - late[class];
            }
            refused_total += refused.iter().sum::<f64>();
            // None refused: the outcome would record nothing.
            if refused_share > 0.0 {
                self.flow_outcome(piece.net, piece.flow, p as u32, refused, Err(FailReason::QueueFull));
            }
            if self.subrequest_loss > 0.0 {
                let over = ok.map(|v| v * self.subrequest_loss);
                ok = std::array::from_fn(|c| ok[c] - over[c]);
                self.flow_outcome(piece.net, piece.flow, p as u32, over, Err(FailReason::SubrequestLimit));
            }
            self.flow_outcome(piece.net, piece.flow, p as u32, ok, Ok(()));
            if late.iter().any(|v| *v > 0.0) {
                self.flow_timeout(plane, piece.net, piece.flow, late);
            }
            self.group(&mut groups, piece, ok);
        }
        self.record_latency(plane, p, &groups);
        self.tally(plane, p, (from, now), offered, refused_total);
        // Keep the buffers' room for the next window.
        plane.late = late;
        plane.groups = groups;
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
            match self.recorder.series_key(g.sent) {
                Some(key) => {
                    // A new bucket: the last one's successes are recorded first.
                    if pf.series.first().is_some_and(|(k, _, _)| k.bucket != key.bucket) {
                        flush_series(&mut self.recorder, p, &mut pf.series, &state.durations);
                    }
                    match pf.series.iter_mut().find(|(k, shift, _)| *k == key && *shift == g.shift) {
                        Some((_, _, v)) => (0..4).for_each(|c| v[c] += g.volume[c]),
                        None => pf.series.push((key, g.shift, g.volume)),
                    }
                }
                None => self.recorder.latency_series_volume(g.sent, p as u32, g.volume, &state.durations, g.shift),
            }
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
        // Retries give many shifts: record them now rather than search long lists.
        let pf = &plane.pops[p];
        if pf.deferred.len() > MAX_DEFERRED || pf.series.len() > MAX_SERIES {
            self.flush_latency(plane, p);
        }
    }

    /// Records PoP `p`'s deferred successes with its current latency.
    pub(super) fn flush_latency(&mut self, plane: &mut FlowPlane, p: usize) {
        let pf = &mut plane.pops[p];
        let Some(state) = pf.state.as_ref() else { return };
        flush_series(&mut self.recorder, p, &mut pf.series, &state.durations);
        for (shift, volume) in pf.deferred.drain(..) {
            for (class, v) in volume.iter().enumerate() {
                self.recorder.latency_totals_volume(p as u32, class as u8, *v, &state.durations, shift);
            }
        }
    }

    /// Brings PoP `p`'s queueing state up to a window of `dt` seconds
    /// offered `lambda` per second: kept while stable at the same rate; its
    /// latency atoms kept while the wait's law holds to about 1%.
    fn update_state(&mut self, plane: &mut FlowPlane, p: usize, lambda: f64, dt: f64) {
        let servers = self.pops[p].pool.servers();
        let pf = &plane.pops[p];
        let station = Station::new(servers, pf.service_rate_per_s, pf.service_scv, Some(pf.queue_limit)).ok();
        let fluid = station.as_ref().filter(|s| pf.backlog.waiting() > 0.0 || lambda >= s.capacity_per_s());
        let next = match (station.as_ref(), fluid) {
            (None, _) => {
                // No servers: everything offered is refused.
                let key = StationKey { servers, offered_per_s: lambda, wait_law: None, fluid_wait_ns: None };
                StationState { refused_share: 1.0, ..StationState::new(key, Atoms::point(0.0)) }
            }
            (Some(_), Some(s)) => match fluid_state(plane, p, s, lambda, dt) {
                Some(next) => next,
                None => return,
            },
            (Some(s), None) => {
                let unchanged = pf.state.as_ref().is_some_and(|st| {
                    st.key.servers == servers
                        && st.key.fluid_wait_ns.is_none()
                        && (st.key.offered_per_s - lambda).abs() <= 1e-9 * lambda.max(st.key.offered_per_s)
                });
                if unchanged {
                    return;
                }
                match stable_state(plane, p, s, lambda) {
                    Some(next) => next,
                    // The same latency: only the figures moved.
                    None => return,
                }
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
        let dt = (now - from).as_secs_f64();
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

/// The law of a stable wait the latency atoms were made for: the
/// probability of waiting and the mean wait, ns.
fn wait_law(queue: Option<&crate::edge::station::Queue>) -> (f64, f64) {
    queue.map_or((0.0, 0.0), |q| (q.prob_wait, q.mean_wait_s * 1e9))
}

/// Whether atoms made for wait law `made` serve for `now`: the probability
/// of waiting within 0.01, the mean wait within 2% or 10 us (the service
/// and the network dwarf less).
fn same_wait(made: (f64, f64), now: (f64, f64)) -> bool {
    (made.0 - now.0).abs() <= 0.01 && (made.1 - now.1).abs() <= (0.02 * made.1).max(10_000.0)
}

/// The bucket of a fluid wait: 1% steps of its logarithm, and every wait
/// under 10 us in one (the service and the network dwarf it).
fn wait_bucket(wait_ns: u64) -> u64 {
    if wait_ns < 10_000 {
        0
    } else {
        1 + ((wait_ns as f64 / 10_000.0).ln() / 0.01) as u64
    }
}

/// A stable station's steady state (M/M/c/K, Allen-Cunneen waits), exact.
/// If the wait's law is the one the last state's atoms were made for
/// ([`same_wait`]), the last state takes the new figures and keeps its
/// latency atoms (`None`); else a new state with atoms made again.
fn stable_state(plane: &mut FlowPlane, p: usize, station: &Station, lambda: f64) -> Option<StationState> {
    let pf = &mut plane.pops[p];
    let steady = station.steady(lambda).ok();
    let queue = steady.as_ref().and_then(|s| s.queue());
    let law = wait_law(queue);
    let key =
        StationKey { servers: station.servers(), offered_per_s: lambda, wait_law: Some(law), fluid_wait_ns: None };
    let figures = |st: &mut StationState| {
        st.key.offered_per_s = lambda;
        st.refused_share = steady.as_ref().map_or(0.0, |s| s.blocking);
        st.throughput_per_s = steady.as_ref().map_or(lambda, |s| s.throughput_per_s);
        st.waited_share = queue.map_or(0.0, |q| q.prob_wait);
        st.mean_wait_s = queue.map_or(0.0, |q| q.mean_wait_s);
        st.mean_waiting = queue.map_or(0.0, |q| q.mean_waiting);
    };
    let same = |st: &&mut StationState| {
        st.key.servers == key.servers && st.key.wait_law.is_some_and(|made| same_wait(made, law))
    };
    if let Some(st) = pf.state.as_mut().filter(same) {
        figures(st);
        return None;
    }
    let atoms = match queue {
        Some(q) if q.prob_wait >= 1e-9 => pf.base.plus(&Atoms::wait(q)),
        _ => pf.base.clone(),
    };
    let mut next = StationState::new(key, atoms);
    figures(&mut next);
    Some(next)
}

/// An overloaded window, or one draining a backlog: the fluid backlog over
/// the window; every request started waits the window's mean wait. The
/// latency atoms are kept while that wait stays in their bucket
/// ([`wait_bucket`]: the last state takes the new figures, `None`).
fn fluid_state(plane: &mut FlowPlane, p: usize, station: &Station, lambda: f64, dt: f64) -> Option<StationState> {
    let pf = &mut plane.pops[p];
    let capacity = station.capacity_per_s();
    let key = |wait_ns| StationKey {
        servers: station.servers(),
        offered_per_s: lambda,
        wait_law: None,
        fluid_wait_ns: Some(wait_ns),
    };
    let Ok(adv) = pf.backlog.advance(station, lambda, dt) else {
        return Some(StationState { throughput_per_s: lambda, ..StationState::new(key(0), pf.base.clone()) });
    };
    let mean_waiting = adv.area_req_s / dt;
    let mean_wait_s = mean_waiting / capacity;
    let wait_ns = (mean_wait_s * 1e9).round() as u64;
    let offered = lambda * dt;
    let figures = |st: &mut StationState| {
        st.key.offered_per_s = lambda;
        st.refused_share = if offered > 0.0 { (adv.lost / offered).min(1.0) } else { 0.0 };
        st.throughput_per_s = adv.served / dt;
        st.waited_share = if mean_waiting > 0.0 { 1.0 } else { 0.0 };
        st.mean_wait_s = mean_wait_s;
        st.mean_waiting = mean_waiting;
    };
    let same = |st: &&mut StationState| {
        st.key.servers == station.servers() && st.key.fluid_wait_ns.map(wait_bucket) == Some(wait_bucket(wait_ns))
    };
    if let Some(st) = pf.state.as_mut().filter(same) {
        figures(st);
        return None;
    }
    let mut next = StationState::new(key(wait_ns), pf.base.plus(&Atoms::point(wait_ns as f64)));
    figures(&mut next);
    Some(next)
}
