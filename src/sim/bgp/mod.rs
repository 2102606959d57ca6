//! Path-vector convergence in a run: [`setup`] builds the generated
//! Internet and resolves what each routing fault does to it; this file is
//! the loop's side of the protocol: the protocol is woken at its own event
//! times (`Event::BgpWake`), told of withdrawals, announcements and routing
//! faults, and each client network's route change moves its traffic.

mod core_file;
mod setup;

pub use setup::{BgpSetup, RouteAction};

use super::{Event, Sim};
use crate::edge::bgp::{PathVector, RouteChange};
use crate::engine::SimTime;
use std::sync::Arc;

/// What the protocol did in a run.
#[derive(Debug, Clone, PartialEq)]
pub struct BgpResult {
    /// ASes in the generated Internet.
    pub ases: usize,
    /// Routers (BGP speakers).
    pub routers: usize,
    /// Sessions.
    pub sessions: usize,
    /// Share of client networks whose route led, at the start, to the PoP
    /// geographically nearest their site.
    pub nearest_share: f64,
    /// Share of client networks with no route at the start.
    pub unrouted_share: f64,
    /// Updates and route changes over the run.
    pub stats: crate::edge::bgp::BgpStats,
    /// AS-path nodes handed out (memory).
    pub path_nodes: usize,
}

impl Sim<'_> {
    /// The protocol, converged over the generated Internet, and every
    /// network routed where its best path leads.
    pub(super) fn bgp_start(&mut self, seed: u64) {
        let super::config::RouteModel::PathVector(setup) = &self.cfg.routes else { return };
        let pv = PathVector::new(Arc::clone(&setup.graph), setup.cfg.clone(), seed, |_| true);
        let (mut nearest, mut unrouted) = (0usize, 0usize);
        for net in 0..self.routing.networks() {
            let pop = pv.client_origin(net);
            self.routing.set_route(net, pop);
            let site = self.routing.nets[net].site as usize;
            nearest += (pop as usize == self.world.sites[site].nearest_pop) as usize;
            unrouted += (pop == crate::edge::anycast::NO_POP) as usize;
        }
        let nets = self.routing.networks().max(1) as f64;
        self.bgp_shares = (nearest as f64 / nets, unrouted as f64 / nets);
        self.bgp = Some(Box::new(pv));
    }

    /// Protocol events handled so far (they count against the run's event budget).
    pub(super) fn bgp_events(&self) -> u64 {
        self.bgp.as_ref().map_or(0, |pv| pv.events_handled())
    }

    /// What the protocol did, for the result.
    pub(super) fn bgp_result(&self) -> Option<BgpResult> {
        let pv = self.bgp.as_ref()?;
        let g = pv.graph();
        Some(BgpResult {
            ases: g.as_names.len(),
            routers: g.routers.len(),
            sessions: g.links.len() / 2,
            nearest_share: self.bgp_shares.0,
            unrouted_share: self.bgp_shares.1,
            stats: pv.stats(),
            path_nodes: pv.path_nodes(),
        })
    }

    /// Withdraws or re-announces PoP `pop`'s prefix at its BGP speaker.
    pub(super) fn bgp_origin(&mut self, now: SimTime, pop: u32, announce: bool) {
        if let Some(pv) = self.bgp.as_mut() {
            pv.set_origin(pop, announce, now);
        }
        self.bgp_sync(now);
    }

    /// Applies fault `f`'s routing action (start) or undoes it (end).
    pub(super) fn bgp_fault(&mut self, now: SimTime, f: usize, start: bool) {
        let super::config::RouteModel::PathVector(setup) = &self.cfg.routes else { return };
        let Some(pv) = self.bgp.as_mut() else { return };
        match setup.actions.get(f).and_then(|a| a.as_ref()) {
            Some(RouteAction::Sessions(links)) => {
                for &l in links {
                    pv.set_session(l, !start, now);
                }
            }
            Some(RouteAction::Prepend { links, times, restore }) => {
                for (&l, &before) in links.iter().zip(restore) {
                    pv.set_prepend(l, if start { *times } else { before }, now);
                }
            }
            None => {}
        }
        self.bgp_sync(now);
    }

    /// The protocol's events up to `now`, then the networks' route changes.
    pub(super) fn bgp_wake(&mut self, now: SimTime) {
        self.bgp_wakes.retain(|&t| t != now);
        if let Some(pv) = self.bgp.as_mut() {
            pv.advance(now);
        }
        self.bgp_sync(now);
    }

    /// Moves every network whose route changed and wakes the protocol at
    /// its next event (within the run).
    fn bgp_sync(&mut self, now: SimTime) {
        let Some(pv) = self.bgp.as_mut() else { return };
        let mut changes = std::mem::take(&mut self.bgp_changes);
        pv.take_changes(&mut changes);
        let next = pv.next_time();
        let last_update = pv.stats().last_update;
        if let Some(f) = self.last_fault.filter(|&f| self.active_faults & (1 << f) != 0) {
            let rec = &mut self.faults[f as usize];
            if last_update >= rec.at {
                rec.bgp_quiet = Some(last_update);
            }
        }
        for c in &changes {
            self.bgp_route(now, *c);
        }
        self.bgp_changes = changes;
        if let Some(t) = next.filter(|&t| t < self.end && !self.bgp_wakes.contains(&t)) {
            self.bgp_wakes.push(t);
            self.queue.schedule_at(t.max(now), Event::BgpWake);
        }
    }

    fn bgp_route(&mut self, now: SimTime, c: RouteChange) {
        let n = c.net as usize;
        if n >= self.routing.networks() {
            return;
        }
        let before = self.routing.targets(n);
        self.routing.set_route(n, c.origin);
        let after = self.routing.targets(n);
        if after != before {
            self.flow_reroute(now, c.net, after);
            self.note_moves(now, n);
            self.note_route_change(now);
        }
    }
}
