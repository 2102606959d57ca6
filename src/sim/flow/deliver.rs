//! A span of a network's flow reaches the PoPs its route gives: none (no
//! route, a final failure), a dead PoP (no answer: the client times out and
//! retries, a delayed flow), or a live one, which sheds the classes it is
//! shedding, spills a share to its spill target and keeps the rest waiting
//! for its window to be resolved.

use super::{Flow, FlowPlane, Piece};
use crate::edge::anycast::NO_POP;
use crate::engine::SimDuration;
use crate::metrics::FailReason;
use crate::sim::Sim;

/// Where a span of a flow arrives, and how.
#[derive(Debug, Clone, Copy)]
struct Reach {
    /// The PoP.
    pop: u32,
    /// Network delay both ways (spill hops included).
    round_trip: SimDuration,
    /// Already spilled once (never spilled twice).
    spilled: bool,
}

impl Sim<'_> {
    /// Delivers flow `f` of network `net` to its route's PoPs: an unstable
    /// network splits it evenly between its two best.
    pub(super) fn deliver(&mut self, plane: &mut FlowPlane, net: u32, f: Flow) {
        let total: f64 = f.volumes(1.0).iter().sum();
        self.recorder.attempts_volume(f.sent(), total);
        let targets = plane.route[net as usize];
        let split = if targets[1] == NO_POP { [(targets[0], 1.0), (NO_POP, 0.0)] } else { targets.map(|p| (p, 0.5)) };
        for (pop, share) in split {
            if share == 0.0 {
                continue;
            }
            let volume = f.volumes(share);
            if pop == NO_POP {
                self.flow_outcome(net, f, NO_POP, volume, Err(FailReason::NoRoute));
                continue;
            }
            let site = self.routing.nets[net as usize].site as usize;
            let one_way = self.base[site * self.pops.len() + pop as usize] as u64;
            let to = Reach { pop, round_trip: SimDuration(2 * one_way), spilled: false };
            self.deliver_pop(plane, net, f, to, volume);
        }
    }

    /// `volume` of flow `f` of `net` reaches a PoP (`to`).
    fn deliver_pop(&mut self, plane: &mut FlowPlane, net: u32, f: Flow, to: Reach, mut volume: [f64; 4]) {
        let Reach { pop, round_trip, spilled } = to;
        let p = pop as usize;
        if !self.pops[p].alive {
            self.flow_timeout(plane, net, f, volume);
            return;
        }
        let measured = self.recorder.measured_share(f.sent());
        plane.pops[p].period.arrivals += volume.iter().sum::<f64>();
        let mut shed = [0.0; 4];
        let mut any_shed = false;
        for (class, v) in volume.iter_mut().enumerate() {
            if *v > 0.0 && self.pops[p].shedder.sheds(class as u8) {
                plane.pops[p].period.shed += *v;
                plane.pops[p].shed_by_class[class] += *v * measured;
                shed[class] = std::mem::take(v);
                any_shed = true;
            }
        }
        // Nothing shed: the outcome would record nothing.
        if any_shed {
            self.flow_outcome(net, f, pop, shed, Err(FailReason::Shed));
        }
        let (share, to) = (self.pops[p].spill_share, self.pops[p].spill_to);
        if !spilled && share > 0.0 && to != NO_POP {
            let moved = volume.map(|v| v * share);
            let total: f64 = moved.iter().sum();
            plane.pops[p].period.spilled += total;
            plane.pops[p].spilled_out += total * measured;
            plane.pops[to as usize].spilled_in += total * measured;
            let hop = self.hop[p * self.pops.len() + to as usize] as u64;
            let next = Reach { pop: to, round_trip: round_trip + SimDuration(2 * hop), spilled: true };
            self.deliver_pop(plane, net, f, next, moved);
            volume = std::array::from_fn(|c| volume[c] - moved[c]);
        }
        if volume.iter().any(|v| *v > 0.0) {
            plane.pops[p].pending.push(Piece { net, flow: f, volume, round_trip });
        }
    }

    /// `volume` of flow `f` got no answer: each request's client times out
    /// and retries after the policy's wait (a delayed flow), or gives up.
    pub(super) fn flow_timeout(&mut self, plane: &mut FlowPlane, net: u32, f: Flow, volume: [f64; 4]) {
        let seconds = f.seconds();
        match self.cfg.retry.wait_after(f.attempt as u32 + 1) {
            Some(wait) if seconds > 0.0 => {
                let shift = self.cfg.client_timeout + wait;
                plane.push_retry(
                    net,
                    Flow {
                        from: f.from + shift,
                        to: f.to + shift,
                        rate: volume.map(|v| v / seconds),
                        attempt: f.attempt + 1,
                        offset: f.offset + shift,
                    },
                );
            }
            _ => self.flow_outcome(net, f, NO_POP, volume, Err(FailReason::Timeout)),
        }
    }

    /// `volume` requests (by class) from flow `f` of `net` end at `pop` with
    /// `outcome`: into the recorder and the records of the faults the
    /// network is affected by.
    pub(super) fn flow_outcome(
        &mut self,
        net: u32,
        f: Flow,
        pop: u32,
        volume: [f64; 4],
        outcome: Result<(), FailReason>,
    ) {
        let total: f64 = volume.iter().sum();
        if total <= 0.0 {
            return;
        }
        let sent = f.sent();
        self.recorder.flow_outcome_volumes(sent, (pop, net), volume, total, outcome);
        let mut mask = self.affected[net as usize];
        while mask != 0 {
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            self.faults[i].outcome_volume(sent, outcome.is_ok(), total, f.attempt as u32 + 1);
        }
    }
}
