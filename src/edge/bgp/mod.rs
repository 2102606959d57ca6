//! BGP as a protocol: an AS graph ([`graph`]), paths ([`path`]), the
//! path-vector protocol on the anycast prefix ([`protocol`]) with MRAI and
//! its jitter, WRATE, per-update processing and route-flap damping
//! ([`damping`]), and the Internet generated from the PoP catalog and the
//! client sites ([`internet`]). A client network's PoP is where its best
//! path leads; catchments and convergence emerge from the protocol.

pub mod damping;
pub mod graph;
pub mod internet;
pub mod path;
pub mod protocol;

pub use damping::Damping;
pub use graph::{AsGraph, LinkId, Relation, Role};
pub use protocol::MraiClock;
pub use protocol::{BgpStats, PathVector, RouteChange};

use crate::engine::SimDuration;

/// Routing policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Gao-Rexford: prefer customer over peer over provider routes; export
    /// peer and provider routes to customers only (valley-free).
    GaoRexford,
    /// Every route equal and exported everywhere: shortest AS path wins
    /// (the policy-free model of the clique studies).
    ShortestPath,
}

impl Policy {
    /// The local preference of a route learned over a session to a `rel`.
    pub fn pref(self, rel: Relation) -> u16 {
        match (self, rel) {
            (Policy::ShortestPath, _) => 100,
            (Policy::GaoRexford, Relation::Customer) => 300,
            (Policy::GaoRexford, Relation::Peer) => 200,
            (Policy::GaoRexford, _) => 100,
        }
    }
}

/// How the MRAI timer spaces a session's announcements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MraiMode {
    /// RFC 4271's minimum spacing: an announcement after a quiet interval
    /// leaves at once and starts the timer; later ones wait for it.
    #[default]
    AfterSend,
    /// Batching on a free-running timer (as Cisco IOS does): announcements
    /// to a neighbour leave at its timer's ticks, every MRAI (x the jitter,
    /// drawn once per session) from a random phase.
    Periodic,
}

/// The protocol's timers and options.
#[derive(Debug, Clone, PartialEq)]
pub struct BgpConfig {
    /// Minimum Route Advertisement Interval on eBGP sessions [30 s].
    pub mrai: SimDuration,
    /// MRAI on iBGP sessions [0].
    pub ibgp_mrai: SimDuration,
    /// RFC 4271's jitter: each timer runs MRAI x U(0.75, 1) [on].
    pub jitter: bool,
    /// How the timer spaces announcements [after-send].
    pub mrai_mode: MraiMode,
    /// Withdrawals wait for the MRAI timer too (WRATE) [off].
    pub wrate: bool,
    /// Time to process one update, uniform in `[min, max]` [1-10 ms].
    pub processing: (SimDuration, SimDuration),
    /// Sender-side loop detection (SSLD): a path that holds the
    /// neighbour's AS is not sent to it (a withdrawal is sent instead) [off:
    /// the neighbour drops it on receipt, as RFC 4271 has it].
    pub sender_loop_check: bool,
    /// Routing policy [Gao-Rexford].
    pub policy: Policy,
    /// Route-flap damping [off].
    pub damping: Option<Damping>,
}

impl Default for BgpConfig {
    fn default() -> Self {
        BgpConfig {
            mrai: SimDuration::from_secs(30),
            ibgp_mrai: SimDuration::ZERO,
            jitter: true,
            mrai_mode: MraiMode::AfterSend,
            wrate: false,
            processing: (SimDuration::from_millis(1), SimDuration::from_millis(10)),
            sender_loop_check: false,
            policy: Policy::GaoRexford,
            damping: None,
        }
    }
}
