//! The end of a PoP's window: what waited there meets the PoP as a queueing
//! station at the window's mean offered rate. A stable station refuses the
//! M/M/c/K blocking share and makes the rest wait per Erlang C (with the
//! Allen-Cunneen factor for general service); an overloaded one, or one
//! still draining a backlog, runs the fluid backlog (grows at lambda - c mu,
//! refuses past the queue limit, drains after). Answers that would reach the
//! client after its timeout are silence: the client retries.

use super::deliver::seconds;
use super::latency::Atoms;
use super::{FlowPlane, Piece, StationKey};
use crate::edge::station::Station;
use crate::engine::{SimDuration, SimTime};
use crate::metrics::volume::SentSpan;
use crate::metrics::FailReason;
use crate::sim::Sim;

/// How a PoP's window went, per request offered.
struct Window {
    /// Share refused because the queue was full.
    refused_share: f64,
    /// Latency past the network delay (wait, service, jitter).
    atoms: Atoms,
    /// Requests that started service.
    started: f64,
    /// Of those, the share that waited for a server.
    waited_share: f64,
    /// Mean wait of those started, s.
    mean_wait_s: f64,
    /// Mean requests waiting.
    mean_waiting: f64,
    /// Mean busy servers.
    busy: f64,
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
        let w = self.window(plane, p, offered, dt);
        let timeout_ns = self.cfg.client_timeout.as_nanos() as f64;
        let mut groups: Vec<Group> = Vec::new();
        let mut refused_total = 0.0;
        for piece in &pieces {
            let late_share = w.atoms.mass_above(timeout_ns - piece.round_trip.as_nanos() as f64);
            let mut late = [0.0; 4];
            let mut ok = [0.0; 4];
            for (class, v) in piece.volume.iter().enumerate() {
                let refused = v * w.refused_share;
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
        self.record_latency(p, &groups, &w.atoms);
        self.tally(plane, p, from, now, offered, refused_total, &w);
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

    fn record_latency(&mut self, p: usize, groups: &[Group], atoms: &Atoms) {
        if groups.is_empty() {
            return;
        }
        let atoms = atoms.durations();
        for g in groups {
            for (class, v) in g.volume.iter().enumerate() {
                if *v > 0.0 {
                    self.recorder.latency_volume(g.sent, p as u32, class as u8, *v, &atoms, g.shift);
                }
            }
            let total: f64 = g.volume.iter().sum();
            let mut mask = g.mask;
            while mask != 0 {
                let f = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                self.faults[f].latency_volume(g.sent, total, &atoms, g.shift);
            }
        }
    }

    /// The station's behaviour over a window of `dt` seconds with `offered`
    /// requests.
    fn window(&mut self, plane: &mut FlowPlane, p: usize, offered: f64, dt: f64) -> Window {
        let servers = self.pops[p].pool.servers();
        let pf = &mut plane.pops[p];
        let lambda = offered / dt;
        let station = match Station::new(servers, pf.service_rate_per_s, pf.service_scv, Some(pf.queue_limit)) {
            Ok(s) => s,
            // No servers: everything offered is refused.
            Err(_) => {
                return Window {
                    refused_share: 1.0,
                    atoms: Atoms::point(0.0),
                    started: 0.0,
                    waited_share: 0.0,
                    mean_wait_s: 0.0,
                    mean_waiting: 0.0,
                    busy: 0.0,
                }
            }
        };
        let capacity = station.capacity_per_s();
        if pf.backlog.waiting() > 0.0 || lambda >= capacity {
            return fluid(plane, p, &station, offered, dt);
        }
        let steady = station.steady(lambda).ok();
        let queue = steady.as_ref().and_then(|s| s.queue().cloned());
        let key = StationKey { servers, offered_per_s: lambda, fluid_wait_ns: None };
        let atoms = match (&pf.latency, &queue) {
            (Some((k, a)), _) if same_station(k, &key) => a.clone(),
            (_, Some(q)) => {
                let a = pf.service.plus(&Atoms::wait(q)).plus(&plane.jitter);
                pf.latency = Some((key, a.clone()));
                a
            }
            (_, None) => pf.service.plus(&plane.jitter),
        };
        let (blocking, throughput) = steady.as_ref().map_or((0.0, lambda), |s| (s.blocking, s.throughput_per_s));
        let q = queue.as_ref();
        Window {
            refused_share: blocking,
            atoms,
            started: throughput * dt,
            waited_share: q.map_or(0.0, |q| q.prob_wait),
            mean_wait_s: q.map_or(0.0, |q| q.mean_wait_s),
            mean_waiting: q.map_or(0.0, |q| q.mean_waiting),
            busy: throughput / pf.service_rate_per_s,
        }
    }

    /// Adds the window to PoP `p`'s period and measured sums.
    #[allow(clippy::too_many_arguments)]
    fn tally(
        &mut self,
        plane: &mut FlowPlane,
        p: usize,
        from: SimTime,
        now: SimTime,
        offered: f64,
        refused: f64,
        w: &Window,
    ) {
        let dt = seconds(from, now);
        let servers = self.pops[p].pool.servers() as f64;
        let pf = &mut plane.pops[p];
        pf.waiting = w.mean_waiting;
        let t = &mut pf.period;
        t.refused += refused;
        t.started += w.started;
        t.wait_s_sum += w.started * w.mean_wait_s;
        t.in_system_area += (w.mean_waiting + w.busy) * dt;
        t.busy_area += w.busy * dt;
        if plane.closed {
            return;
        }
        let share = self.recorder.measured_share(SentSpan { from, to: now });
        let s = &mut pf.pool;
        s.arrivals += offered * share;
        s.rejected += refused * share;
        s.started += w.started * share;
        s.waited += w.started * w.waited_share * share;
        s.wait_s_sum += w.started * w.mean_wait_s * share;
        s.queue_area += w.mean_waiting * dt * share;
        s.server_area += servers * dt * share;
        s.busy_area += w.busy * dt * share;
    }
}

/// The same queueing state, to the precision that matters for latency.
fn same_station(a: &StationKey, b: &StationKey) -> bool {
    a.servers == b.servers
        && a.fluid_wait_ns == b.fluid_wait_ns
        && (a.offered_per_s - b.offered_per_s).abs() <= 1e-6 * a.offered_per_s.max(b.offered_per_s)
}

/// An overloaded window, or one draining a backlog: the fluid backlog over
/// the window; every request started waits its mean wait.
fn fluid(plane: &mut FlowPlane, p: usize, station: &Station, offered: f64, dt: f64) -> Window {
    let pf = &mut plane.pops[p];
    let lambda = offered / dt;
    let capacity = station.capacity_per_s();
    let Ok(adv) = pf.backlog.advance(station, lambda, dt) else {
        return Window {
            refused_share: 0.0,
            atoms: pf.service.plus(&plane.jitter),
            started: offered,
            waited_share: 0.0,
            mean_wait_s: 0.0,
            mean_waiting: 0.0,
            busy: lambda / pf.service_rate_per_s,
        };
    };
    let mean_waiting = adv.area_req_s / dt;
    let mean_wait_s = mean_waiting / capacity;
    let wait_ns = (mean_wait_s * 1e9).round() as u64;
    let key = StationKey { servers: station.servers(), offered_per_s: lambda, fluid_wait_ns: Some(wait_ns) };
    let atoms = match &pf.latency {
        Some((k, a)) if same_station(k, &key) => a.clone(),
        _ => {
            let a = pf.service.plus(&Atoms::point(wait_ns as f64)).plus(&plane.jitter);
            pf.latency = Some((key, a.clone()));
            a
        }
    };
    Window {
        refused_share: if offered > 0.0 { (adv.lost / offered).min(1.0) } else { 0.0 },
        atoms,
        started: adv.served,
        waited_share: if mean_waiting > 0.0 { 1.0 } else { 0.0 },
        mean_wait_s,
        mean_waiting,
        busy: (adv.served / dt / pf.service_rate_per_s).min(station.servers() as f64),
    }
}
