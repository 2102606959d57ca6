//! `[[fault]]`: the fault timeline: what goes wrong (a PoP, a region, a
//! state plane, the origin...), when, and for how long. Which faults may
//! combine with which keys is checked by validation.

use crate::scenario::units::{Duration, Fraction, PositiveDuration, Share};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// One `[[fault]]`: something that goes wrong at `at`, for `for` (or to the
/// end of the run).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// When it starts.
    pub at: Spanned<Duration>,
    /// `pop-down`, `pop-degraded` or `health-check-flap`.
    pub kind: FaultKind,
    /// The PoP it strikes (PoP faults).
    pub pop: Option<Spanned<String>>,
    /// The region it strikes (`NA`, `EU`, `APAC`; region, DO and KV faults).
    pub region: Option<Spanned<String>>,
    /// How long it lasts [to the end of the run].
    #[serde(rename = "for")]
    pub lasts: Option<Spanned<PositiveDuration>>,
    /// For `pop-degraded`: the share of servers left working.
    pub capacity: Option<Fraction>,
    /// For `kv-replication-lag`: the replication lag while it lasts.
    pub lag: Option<PositiveDuration>,
    /// For `origin-slow`: the extra time the origin takes per request.
    pub latency: Option<PositiveDuration>,
    /// For `origin-errors`: the share of origin answers that are errors.
    pub error_rate: Option<Share>,
    /// For `session-down` and `transit-down`: the neighbour AS (e.g. "T1-2").
    pub peer: Option<Spanned<String>>,
    /// For `prepend`: extra copies of the edge AS the PoP sends (0 removes).
    pub times: Option<Spanned<crate::scenario::units::Count<0, 16>>>,
}

/// What kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// The PoP stops answering anything, probes included.
    PopDown,
    /// The PoP keeps a share (`capacity`) of its servers; probes pass.
    PopDegraded,
    /// Probes to the PoP fail though it serves: a false detection.
    HealthCheckFlap,
    /// Every PoP of a region and its Durable Object region fail together.
    RegionDown,
    /// Only the Durable Object region fails.
    DoRegionDown,
    /// The KV primary of a region fails.
    KvPrimaryDown,
    /// KV replication between primaries slows to `lag`.
    KvReplicationLag,
    /// The origin answers nothing.
    OriginDown,
    /// The origin takes `latency` longer per request.
    OriginSlow,
    /// A share `error_rate` of origin answers are errors.
    OriginErrors,
    /// The control plane is unreachable: deployments fail, serving goes on.
    ControlPlaneDown,
    /// The BGP sessions between a PoP (`pop`) and a neighbour AS (`peer`) go down.
    SessionDown,
    /// The edge network loses a transit provider (`peer`): every session with it goes down.
    TransitDown,
    /// The IXP at a PoP's metro (`pop`) fails: every peering session there goes down.
    IxpDown,
    /// A PoP (`pop`) prepends its AS `times` extra times on every session
    /// (a maintenance drill that drains it gently).
    Prepend,
    /// The code artifact store is unreachable: accepted deployments' code
    /// fetches fail, and are retried per the code-fetch policy.
    ArtifactStoreDown,
}

impl FaultKind {
    /// The name in files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::PopDown => "pop-down",
            FaultKind::PopDegraded => "pop-degraded",
            FaultKind::HealthCheckFlap => "health-check-flap",
            FaultKind::RegionDown => "region-down",
            FaultKind::DoRegionDown => "do-region-down",
            FaultKind::KvPrimaryDown => "kv-primary-down",
            FaultKind::KvReplicationLag => "kv-replication-lag",
            FaultKind::OriginDown => "origin-down",
            FaultKind::OriginSlow => "origin-slow",
            FaultKind::OriginErrors => "origin-errors",
            FaultKind::ControlPlaneDown => "control-plane-down",
            FaultKind::SessionDown => "session-down",
            FaultKind::TransitDown => "transit-down",
            FaultKind::IxpDown => "ixp-down",
            FaultKind::Prepend => "prepend",
            FaultKind::ArtifactStoreDown => "artifact-store-down",
        }
    }

    /// True for faults that strike one PoP (`pop = "CODE"`).
    pub fn strikes_pop(self) -> bool {
        matches!(self, FaultKind::PopDown | FaultKind::PopDegraded | FaultKind::HealthCheckFlap)
    }

    /// True for faults that change BGP sessions or announcements (they need
    /// `path-vector` convergence).
    pub fn changes_routes(self) -> bool {
        matches!(self, FaultKind::SessionDown | FaultKind::TransitDown | FaultKind::IxpDown | FaultKind::Prepend)
    }

    /// True for faults written with `pop = "CODE"`.
    pub fn names_pop(self) -> bool {
        self.strikes_pop() || matches!(self, FaultKind::SessionDown | FaultKind::IxpDown | FaultKind::Prepend)
    }

    /// True for faults written with `peer = "AS"`.
    pub fn names_peer(self) -> bool {
        matches!(self, FaultKind::SessionDown | FaultKind::TransitDown)
    }

    /// True for faults that strike a region (`region = "EU"`).
    pub fn strikes_region(self) -> bool {
        matches!(self, FaultKind::RegionDown | FaultKind::DoRegionDown | FaultKind::KvPrimaryDown)
    }
}
