//! The path-vector protocol on one prefix (the anycast prefix): each router
//! keeps the route each neighbour sent it (Adj-RIB-In), picks its best by
//! policy, and sends its neighbours what policy lets it export. Updates
//! travel with the session's delay, wait in the receiver's FIFO for their
//! processing time, and announcements to a neighbour are spaced by the
//! session's MRAI timer (withdrawals go at once unless WRATE is on).
//!
//! The protocol is its own small event loop ([`PathVector::advance`]), so
//! it can be validated alone (tests/bgp.rs) and driven by the run, which
//! wakes it at [`PathVector::next_time`] and reads the client networks'
//! route changes. Same inputs and seed, same events in the same order.

use super::damping::Penalty;
use super::graph::{AsGraph, LinkId, Relation, Role};
use super::path::{PathRef, Paths, NO_PATH};
use super::{BgpConfig, MraiMode, Policy};
use crate::engine::rng::{stream, Stream};
use crate::engine::{EventQueue, SimDuration, SimTime};
use rand::Rng;
use std::sync::Arc;

/// Preference class of a route, by how it was learned.
const ORIGINATED: u8 = 0;
const FROM_CUSTOMER: u8 = 1;
const FROM_PEER: u8 = 2;
const FROM_PROVIDER: u8 = 3;

/// `via` of a route a router originates.
const VIA_ORIGIN: u32 = u32::MAX;
/// `via` of no route.
const VIA_NONE: u32 = u32::MAX - 1;

/// A route as a router holds it: the path, the local preference and the
/// class it was learned with (iBGP carries both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Route {
    path: PathRef,
    pref: u16,
    class: u8,
}

const NO_ROUTE: Route = Route { path: NO_PATH, pref: 0, class: 0 };

/// A router's best route and the link it came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Best {
    route: Route,
    via: u32,
}

const NO_BEST: Best = Best { route: NO_ROUTE, via: VIA_NONE };

/// What a router would send over a link now.
#[derive(Debug, Clone, Copy)]
enum Offer {
    /// Nothing (a withdrawal if something was sent).
    Nothing,
    /// Over eBGP: `rest` (or the origin itself) with our AS `copies` times.
    External { rest: PathRef, origin: u32, copies: u8, originated: bool },
    /// Over iBGP: the route as is.
    Internal(Route),
}

/// The protocol's events (plain data).
#[derive(Debug, Clone, Copy)]
enum Event {
    /// An update reaches the router owning `link` (its link to the sender).
    Arrive { link: LinkId, epoch: u16, route: Route },
    /// The router owning `link` has processed an update.
    Processed { link: LinkId, epoch: u16, route: Route },
    /// The MRAI timer of `link` expires.
    Mrai { link: LinkId },
    /// A suppressed route over `link` may be reusable.
    Reuse { link: LinkId },
}

/// A client network's route now leads to another origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteChange {
    /// When.
    pub at: SimTime,
    /// The client network.
    pub net: u32,
    /// The origin (PoP) it now leads to; [`u32::MAX`] for no route.
    pub origin: u32,
}

/// Counts of what the protocol did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BgpStats {
    /// Announcements sent.
    pub announcements: u64,
    /// Withdrawals sent.
    pub withdrawals: u64,
    /// Times a router's best route changed.
    pub best_changes: u64,
    /// Times a route was suppressed by damping.
    pub suppressions: u64,
    /// When the last update was processed.
    pub last_update: SimTime,
}

impl BgpStats {
    /// Updates sent (announcements and withdrawals).
    pub fn messages(&self) -> u64 {
        self.announcements + self.withdrawals
    }
}

/// The protocol's state over one graph.
pub struct PathVector {
    graph: Arc<AsGraph>,
    cfg: BgpConfig,
    paths: Paths,
    queue: EventQueue<Event>,
    /// Per router: it originates the prefix.
    originating: Vec<bool>,
    best: Vec<Best>,
    busy_until: Vec<SimTime>,
    /// Per session: up, and its epoch (bumped when it goes down or up).
    up: Vec<bool>,
    epoch: Vec<u16>,
    /// Per link (owned by its `from`): extra copies of the AS sent over it.
    prepend: Vec<u8>,
    /// Per link: the route received from the neighbour.
    rib_in: Vec<Route>,
    /// Per link: the route last sent to the neighbour.
    sent: Vec<Route>,
    mrai_until: Vec<SimTime>,
    mrai_armed: Vec<bool>,
    /// Per link, in periodic mode: its timer's ticks.
    clocks: Vec<MraiClock>,
    penalty: Vec<Penalty>,
    reuse_armed: Vec<bool>,
    /// Per client network: its router.
    client_router: Vec<u32>,
    damping_on: bool,
    jitter_rng: Stream,
    processing_rng: Stream,
    changes: Vec<RouteChange>,
    stats: BgpStats,
    /// Events handled since the start (after the initial convergence).
    handled: u64,
    /// The initial convergence finished within [`START_EVENT_CAP`] events.
    started: bool,
}

/// Most protocol events the convergence from scratch may take before the
/// graph is declared unconvergeable (a run's later events count against
/// the run's own event budget).
pub const START_EVENT_CAP: u64 = 50_000_000;

impl std::fmt::Debug for PathVector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PathVector")
            .field("routers", &self.graph.routers.len())
            .field("links", &self.graph.links.len())
            .field("stats", &self.stats)
            .finish()
    }
}

impl PathVector {
    /// The protocol on `graph`, with every origin for which `announced` is
    /// true announcing, converged: the state it settles in from scratch
    /// (timers, processing and damping off for that start), at time 0.
    /// Jitter and processing times draw from streams of `seed`.
    pub fn new(graph: Arc<AsGraph>, cfg: BgpConfig, seed: u64, announced: impl Fn(u32) -> bool) -> Self {
        let (routers, links) = (graph.routers.len(), graph.links.len());
        let mut clients: Vec<(u32, u32)> = graph
            .routers
            .iter()
            .enumerate()
            .filter_map(|(r, x)| match x.role {
                Role::Client { net } => Some((net, r as u32)),
                _ => None,
            })
            .collect();
        clients.sort_unstable();
        let start_cfg = BgpConfig {
            mrai: SimDuration::ZERO,
            ibgp_mrai: SimDuration::ZERO,
            processing: (SimDuration::ZERO, SimDuration::ZERO),
            ..cfg.clone()
        };
        let mut pv = PathVector {
            cfg: start_cfg,
            paths: Paths::default(),
            queue: EventQueue::default(),
            originating: vec![false; routers],
            best: vec![NO_BEST; routers],
            busy_until: vec![SimTime::ZERO; routers],
            up: vec![true; links / 2],
            epoch: vec![0; links / 2],
            prepend: graph.links.iter().map(|l| l.prepend).collect(),
            rib_in: vec![NO_ROUTE; links],
            sent: vec![NO_ROUTE; links],
            mrai_until: vec![SimTime::ZERO; links],
            mrai_armed: vec![false; links],
            clocks: Vec::new(),
            penalty: vec![Penalty::default(); if cfg.damping.is_some() { links } else { 0 }],
            reuse_armed: vec![false; if cfg.damping.is_some() { links } else { 0 }],
            client_router: clients.iter().map(|&(_, r)| r).collect(),
            damping_on: false,
            jitter_rng: stream(seed, "bgp/mrai-jitter"),
            processing_rng: stream(seed, "bgp/processing"),
            changes: Vec::new(),
            stats: BgpStats::default(),
            handled: 0,
            started: false,
            graph,
        };
        for r in 0..routers as u32 {
            if let Role::Origin { origin } = pv.graph.routers[r as usize].role {
                if announced(origin) {
                    pv.originating[r as usize] = true;
                    pv.decide(r, SimTime::ZERO);
                }
            }
        }
        while pv.handled < START_EVENT_CAP {
            let Some(ev) = pv.queue.pop() else { break };
            pv.handled += 1;
            pv.handle(ev.time, ev.event);
        }
        pv.started = pv.queue.is_empty();
        pv.handled = 0;
        pv.cfg = cfg;
        pv.damping_on = pv.cfg.damping.is_some();
        pv.queue = EventQueue::default();
        pv.busy_until.fill(SimTime::ZERO);
        pv.mrai_until.fill(SimTime::ZERO);
        pv.clocks = pv.periodic_clocks();
        pv.changes.clear();
        pv.stats = BgpStats::default();
        pv
    }

    /// In periodic mode, each link's free-running timer: period MRAI (x a
    /// jitter drawn once) and a phase uniform over the period.
    fn periodic_clocks(&mut self) -> Vec<MraiClock> {
        if self.cfg.mrai_mode != MraiMode::Periodic {
            return Vec::new();
        }
        let mut clocks = Vec::with_capacity(self.graph.links.len());
        for l in 0..self.graph.links.len() {
            let internal = self.graph.links[l].rel == Relation::Internal;
            let mrai = if internal { self.cfg.ibgp_mrai } else { self.cfg.mrai };
            let period = self.jittered(mrai).as_nanos();
            let phase = if period > 0 { self.jitter_rng.random_range(0..period) } else { 0 };
            clocks.push(MraiClock { phase_ns: phase, period_ns: period });
        }
        clocks
    }

    /// False if the convergence from scratch did not end within
    /// [`START_EVENT_CAP`] events (the state is then not a stable one).
    pub fn converged_at_start(&self) -> bool {
        self.started
    }

    /// Protocol events handled since the start.
    pub fn events_handled(&self) -> u64 {
        self.handled
    }

    /// The graph.
    pub fn graph(&self) -> &AsGraph {
        &self.graph
    }

    /// What the protocol did since the start.
    pub fn stats(&self) -> BgpStats {
        self.stats
    }

    /// Path nodes handed out (memory grows with this).
    pub fn path_nodes(&self) -> usize {
        self.paths.nodes()
    }

    /// When the protocol next has something to do.
    pub fn next_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Handles every protocol event up to and including `until`.
    pub fn advance(&mut self, until: SimTime) {
        while self.queue.peek_time().is_some_and(|t| t <= until) {
            let Some(ev) = self.queue.pop() else { break };
            self.handled += 1;
            self.handle(ev.time, ev.event);
        }
    }

    /// Runs until nothing is left to do; returns the time of the last event.
    pub fn run_to_quiet(&mut self) -> SimTime {
        self.advance(SimTime(u64::MAX));
        self.queue.now()
    }

    /// Client route changes since the last call, in time order.
    pub fn take_changes(&mut self, out: &mut Vec<RouteChange>) {
        out.clear();
        std::mem::swap(out, &mut self.changes);
    }

    /// The origin client network `net`'s route leads to ([`u32::MAX`] if none).
    pub fn client_origin(&self, net: usize) -> u32 {
        self.client_router.get(net).map_or(u32::MAX, |&r| self.origin_of(r))
    }

    /// Client networks in the graph.
    pub fn clients(&self) -> usize {
        self.client_router.len()
    }

    /// The origin router `r`'s best route leads to ([`u32::MAX`] if none).
    pub fn origin_of(&self, r: u32) -> u32 {
        self.origin_now(r, self.best[r as usize])
    }

    /// Router `r`'s best AS path, as AS numbers (empty if none; its own AS
    /// alone if it originates).
    pub fn best_path(&self, r: u32) -> Vec<u32> {
        let b = self.best[r as usize];
        match b.via {
            VIA_ORIGIN => vec![self.graph.routers[r as usize].asn],
            _ => self.paths.ases(b.route.path),
        }
    }

    /// Starts or stops originating the prefix at origin `origin`, at `now`
    /// (no earlier than events already handled). Unknown origins are ignored.
    pub fn set_origin(&mut self, origin: u32, announce: bool, now: SimTime) {
        self.advance(now);
        if let Some(r) = self.graph.origin_router(origin) {
            if self.originating[r as usize] != announce {
                self.originating[r as usize] = announce;
                self.decide(r, now);
            }
        }
    }

    /// Takes session `link` (either direction) down or up at `now`.
    pub fn set_session(&mut self, link: LinkId, up: bool, now: SimTime) {
        self.advance(now);
        let s = (link / 2) as usize;
        if self.up[s] == up {
            return;
        }
        self.up[s] = up;
        self.epoch[s] = self.epoch[s].wrapping_add(1);
        let ends = [link & !1, link | 1];
        for l in ends {
            self.sent[l as usize] = NO_ROUTE;
            self.mrai_until[l as usize] = now;
            if !up {
                self.rib_in[l as usize] = NO_ROUTE;
            }
        }
        for l in ends {
            let r = self.graph.links[l as usize].from;
            if up {
                self.try_send(l, now);
            } else {
                self.decide(r, now);
            }
        }
    }

    /// Sets how many extra copies of its AS the sender of `link` puts in
    /// front of paths sent over it, at `now`.
    pub fn set_prepend(&mut self, link: LinkId, copies: u8, now: SimTime) {
        self.advance(now);
        self.prepend[link as usize] = copies;
        if self.up[(link / 2) as usize] {
            self.try_send(link, now);
        }
    }

    fn handle(&mut self, now: SimTime, ev: Event) {
        match ev {
            Event::Arrive { link, epoch, route } => self.arrive(now, link, epoch, route),
            Event::Processed { link, epoch, route } => {
                if self.current(link, epoch) {
                    self.receive(now, link, route);
                }
            }
            Event::Mrai { link } => {
                self.mrai_armed[link as usize] = false;
                if self.up[(link / 2) as usize] {
                    self.try_send(link, now);
                }
            }
            Event::Reuse { link } => self.reuse(now, link),
        }
    }

    fn current(&self, link: LinkId, epoch: u16) -> bool {
        let s = (link / 2) as usize;
        self.up[s] && self.epoch[s] == epoch
    }

    fn arrive(&mut self, now: SimTime, link: LinkId, epoch: u16, route: Route) {
        if !self.current(link, epoch) {
            return;
        }
        let (lo, hi) = self.cfg.processing;
        if hi.as_nanos() == 0 {
            self.receive(now, link, route);
            return;
        }
        let took = SimDuration(self.processing_rng.random_range(lo.as_nanos()..=hi.as_nanos()));
        let r = self.graph.links[link as usize].from as usize;
        let done = self.busy_until[r].max(now) + took;
        self.busy_until[r] = done;
        self.queue.schedule_at(done, Event::Processed { link, epoch, route });
    }

    /// The router owning `link` takes in `route` from its neighbour.
    fn receive(&mut self, now: SimTime, link: LinkId, mut route: Route) {
        self.stats.last_update = now;
        let l = &self.graph.links[link as usize];
        let (r, rel, local_pref) = (l.from, l.rel, l.local_pref);
        if rel != Relation::Internal {
            let me = self.graph.routers[r as usize].asn;
            if route.path != NO_PATH && self.paths.contains(route.path, me) {
                route = NO_ROUTE;
            }
            if route.path != NO_PATH {
                route.class = class_of(rel);
                route.pref = local_pref.unwrap_or_else(|| self.cfg.policy.pref(rel));
            }
            self.damp(now, link, route);
        }
        self.rib_in[link as usize] = route;
        self.decide(r, now);
    }

    fn damp(&mut self, now: SimTime, link: LinkId, route: Route) {
        let Some(d) = self.cfg.damping.filter(|_| self.damping_on) else { return };
        let old = self.rib_in[link as usize];
        let charge = match (old.path != NO_PATH, route.path != NO_PATH) {
            (true, false) => d.withdrawal_penalty,
            (true, true) if !self.paths.same(old.path, route.path) => d.change_penalty,
            _ => return,
        };
        let p = &mut self.penalty[link as usize];
        let was = p.suppressed;
        if let Some(at) = p.charge(now, charge, &d) {
            if !was {
                self.stats.suppressions += 1;
            }
            if !self.reuse_armed[link as usize] {
                self.reuse_armed[link as usize] = true;
                self.queue.schedule_at(at.max(now), Event::Reuse { link });
            }
        }
    }

    fn reuse(&mut self, now: SimTime, link: LinkId) {
        self.reuse_armed[link as usize] = false;
        let Some(d) = self.cfg.damping else { return };
        let p = &mut self.penalty[link as usize];
        if p.try_reuse(now, &d) {
            let r = self.graph.links[link as usize].from;
            self.decide(r, now);
        } else if p.suppressed {
            self.reuse_armed[link as usize] = true;
            let at = p.reuse_time(&d).max(now);
            self.queue.schedule_at(at, Event::Reuse { link });
        }
    }

    fn suppressed(&self, link: LinkId) -> bool {
        self.penalty.get(link as usize).is_some_and(|p| p.suppressed)
    }

    /// Router `r`'s best route by policy, then path length, then eBGP over
    /// iBGP, then the nearest exit (hot potato), then the lowest neighbour.
    fn select(&self, r: u32) -> Best {
        if self.originating[r as usize] {
            return Best { route: Route { path: NO_PATH, pref: u16::MAX, class: ORIGINATED }, via: VIA_ORIGIN };
        }
        let mut best = NO_BEST;
        let mut best_key = (0u16, 0u16, 0u8, 0u64, 0u32);
        for &o in self.graph.links_of(r) {
            let route = self.rib_in[o as usize];
            if route.path == NO_PATH || !self.up[(o / 2) as usize] || self.suppressed(o) {
                continue;
            }
            let l = &self.graph.links[o as usize];
            let internal = l.rel == Relation::Internal;
            let key = (
                u16::MAX - route.pref,
                self.paths.len(route.path),
                internal as u8,
                if internal { l.delay.as_nanos() } else { 0 },
                l.to,
            );
            if best.via == VIA_NONE || key < best_key {
                best = Best { route, via: o };
                best_key = key;
            }
        }
        best
    }

    fn decide(&mut self, r: u32, now: SimTime) {
        let new = self.select(r);
        let old = self.best[r as usize];
        if new == old {
            return;
        }
        let before = self.origin_now(r, old);
        self.best[r as usize] = new;
        self.stats.best_changes += 1;
        if let Role::Client { net } = self.graph.routers[r as usize].role {
            let origin = self.origin_now(r, new);
            if origin != before {
                self.changes.push(RouteChange { at: now, net, origin });
            }
        }
        let graph = Arc::clone(&self.graph);
        for &o in graph.links_of(r) {
            if self.up[(o / 2) as usize] {
                self.try_send(o, now);
            }
        }
    }

    /// The origin router `r`'s best `b` leads to ([`u32::MAX`] if none).
    fn origin_now(&self, r: u32, b: Best) -> u32 {
        match (b.via, self.graph.routers[r as usize].role) {
            (VIA_NONE, _) => u32::MAX,
            (VIA_ORIGIN, Role::Origin { origin }) => origin,
            (VIA_ORIGIN, _) => u32::MAX,
            _ => self.paths.origin_of(b.route.path),
        }
    }

    /// What router `r` would send over `link` now.
    fn offer(&self, r: u32, link: LinkId) -> Offer {
        let b = self.best[r as usize];
        if b.via == VIA_NONE {
            return Offer::Nothing;
        }
        let l = &self.graph.links[link as usize];
        if l.rel == Relation::Internal {
            // iBGP carries routes learned over eBGP; origins have no iBGP sessions.
            let external = b.via != VIA_ORIGIN && self.graph.links[b.via as usize].rel != Relation::Internal;
            return if external { Offer::Internal(b.route) } else { Offer::Nothing };
        }
        let learned_from_peer_or_provider = matches!(b.route.class, FROM_PEER | FROM_PROVIDER);
        if self.cfg.policy == Policy::GaoRexford && learned_from_peer_or_provider && l.rel != Relation::Customer {
            return Offer::Nothing;
        }
        let copies = 1 + self.prepend[link as usize];
        if b.via == VIA_ORIGIN {
            let origin = match self.graph.routers[r as usize].role {
                Role::Origin { origin } => origin,
                _ => u32::MAX,
            };
            return Offer::External { rest: NO_PATH, origin, copies, originated: true };
        }
        let neighbour = self.graph.routers[l.to as usize].asn;
        if self.cfg.sender_loop_check && self.paths.contains(b.route.path, neighbour) {
            return Offer::Nothing;
        }
        Offer::External { rest: b.route.path, origin: 0, copies, originated: false }
    }

    /// True if `sent` already says what `offer` says.
    fn already_sent(&self, r: u32, offer: Offer, sent: Route) -> bool {
        match offer {
            Offer::Nothing => sent.path == NO_PATH,
            Offer::Internal(route) => {
                sent.pref == route.pref && sent.class == route.class && self.paths.same(sent.path, route.path)
            }
            Offer::External { rest, origin, copies, originated } => {
                let asn = self.graph.routers[r as usize].asn;
                self.paths.same_prepended(sent.path, asn, copies, rest)
                    && (!originated || self.paths.origin_of(sent.path) == origin)
            }
        }
    }

    fn materialize(&mut self, r: u32, offer: Offer) -> Route {
        let asn = self.graph.routers[r as usize].asn;
        match offer {
            Offer::Nothing => NO_ROUTE,
            Offer::Internal(route) => route,
            Offer::External { originated: true, origin, copies, .. } => {
                Route { path: self.paths.origin(asn, origin, copies), pref: 0, class: 0 }
            }
            Offer::External { rest, copies, .. } => {
                Route { path: self.paths.prepend(asn, copies, rest), pref: 0, class: 0 }
            }
        }
    }

    /// Sends what `link`'s router has to say over it, if it differs from
    /// what it said last: announcements wait for the MRAI timer,
    /// withdrawals go at once (unless WRATE).
    fn try_send(&mut self, link: LinkId, now: SimTime) {
        let r = self.graph.links[link as usize].from;
        let offer = self.offer(r, link);
        if self.already_sent(r, offer, self.sent[link as usize]) {
            return;
        }
        let internal = self.graph.links[link as usize].rel == Relation::Internal;
        let mrai = if internal { self.cfg.ibgp_mrai } else { self.cfg.mrai };
        let withdrawal = matches!(offer, Offer::Nothing);
        if withdrawal && !self.cfg.wrate {
            self.send(link, offer, now);
        } else if let Some(clock) = self.clocks.get(link as usize).copied().filter(|c| c.period_ns > 0) {
            let tick = clock.next_tick(now.max(self.mrai_until[link as usize]));
            if tick == now {
                self.send(link, offer, now);
                self.mrai_until[link as usize] = SimTime(now.as_nanos() + 1);
            } else if !self.mrai_armed[link as usize] {
                self.mrai_armed[link as usize] = true;
                self.queue.schedule_at(tick, Event::Mrai { link });
            }
        } else if now >= self.mrai_until[link as usize] {
            self.send(link, offer, now);
            if mrai.as_nanos() > 0 {
                self.mrai_until[link as usize] = now + self.jittered(mrai);
            }
        } else if !self.mrai_armed[link as usize] {
            self.mrai_armed[link as usize] = true;
            self.queue.schedule_at(self.mrai_until[link as usize], Event::Mrai { link });
        }
    }

    fn jittered(&mut self, mrai: SimDuration) -> SimDuration {
        if !self.cfg.jitter {
            return mrai;
        }
        let f: f64 = self.jitter_rng.random_range(0.75..=1.0);
        SimDuration((mrai.as_nanos() as f64 * f) as u64)
    }

    fn send(&mut self, link: LinkId, offer: Offer, now: SimTime) {
        let r = self.graph.links[link as usize].from;
        let route = self.materialize(r, offer);
        self.sent[link as usize] = route;
        if route.path == NO_PATH {
            self.stats.withdrawals += 1;
        } else {
            self.stats.announcements += 1;
        }
        let delay = self.graph.links[link as usize].delay;
        let epoch = self.epoch[(link / 2) as usize];
        self.queue.schedule_at(now + delay, Event::Arrive { link: link ^ 1, epoch, route });
    }
}

/// A free-running MRAI timer: it ticks at `phase + k x period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MraiClock {
    /// First tick, ns.
    pub phase_ns: u64,
    /// Time between ticks, ns (> 0).
    pub period_ns: u64,
}

impl MraiClock {
    /// The first tick at or after `t`.
    pub fn next_tick(&self, t: SimTime) -> SimTime {
        let t = t.as_nanos();
        if t <= self.phase_ns {
            return SimTime(self.phase_ns);
        }
        let k = (t - self.phase_ns).div_ceil(self.period_ns);
        SimTime(self.phase_ns.saturating_add(k.saturating_mul(self.period_ns)))
    }
}

fn class_of(rel: Relation) -> u8 {
    match rel {
        Relation::Customer => FROM_CUSTOMER,
        Relation::Peer => FROM_PEER,
        Relation::Provider => FROM_PROVIDER,
        Relation::Internal => ORIGINATED,
    }
}
