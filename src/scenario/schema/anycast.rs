//! `[anycast]`: client networks, the health checker, route withdrawal and
//! BGP convergence: a measured distribution, a fixed one, or the
//! path-vector protocol over a generated AS graph (`[anycast.internet]`).
//! Defaults are the seed's PoP failover numbers.

use super::only_keys;
use crate::scenario::units::{Count, Duration, Fraction, Period, PositiveDuration};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// `[anycast]`: client networks, health checks, route withdrawal and BGP
/// convergence. Defaults are the seed's PoP failover numbers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnycastSpec {
    /// Client networks per client site; each converges on its own [10].
    #[serde(default = "default_networks")]
    pub networks_per_site: Spanned<Count<1, 10_000>>,
    /// Share of networks whose BGP best path is their second-nearest PoP [0].
    #[serde(default)]
    pub off_nearest_share: Fraction,
    /// Share of networks that flip between their two best PoPs per request
    /// (anycast-unstable clients) [0; the `measured` preset sets 0.01].
    pub unstable_share: Option<Fraction>,
    /// The PoP health checker.
    #[serde(default)]
    pub health_check: HealthCheckSpec,
    /// From detection to the start of the route withdrawal (and from
    /// recovery to re-announcement) [5s: seed detect 5s, withdraw 10s].
    #[serde(default = "default_withdrawal_delay")]
    pub withdrawal_delay: Duration,
    /// How long each client network takes to learn a withdrawal or an announcement.
    #[serde(default = "default_convergence")]
    pub convergence: Spanned<ConvergenceSpec>,
    /// The generated Internet `path-vector` convergence runs on.
    #[serde(default)]
    pub internet: InternetTable,
}

/// `[anycast.internet]`: the size and peering of the generated AS graph,
/// and the edge network's routing knobs (used by `path-vector` only).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InternetTable {
    /// Tier-1 transit ASes, a clique [8].
    #[serde(default = "default_tier1s")]
    pub tier1s: Count<1, 64>,
    /// Hub metros (the heaviest PoPs), where tier-1s have routers [30].
    #[serde(default = "default_hubs")]
    pub hubs: Count<1, 10_000>,
    /// Share of the hubs each tier-1 is present at [0.7].
    #[serde(default = "default_presence")]
    pub tier1_presence: Fraction,
    /// Regional transit ASes per continental region [6].
    #[serde(default = "default_regionals")]
    pub regionals: Count<1, 100>,
    /// Metros each regional AS is present at [8].
    #[serde(default = "default_regional_metros")]
    pub regional_metros: Count<1, 1_000>,
    /// Tier-1 providers of each regional AS [2].
    #[serde(default = "default_regional_providers")]
    pub regional_providers: Count<1, 64>,
    /// Probability that two regional routers in one metro peer [0.5].
    #[serde(default = "default_regional_peering")]
    pub regional_peering: Fraction,
    /// Share of the regional routers in a PoP's metro that peer with the
    /// edge network at its IXP [1].
    #[serde(default = "default_ixp_peering")]
    pub ixp_peering: Fraction,
    /// Tier-1s a hub PoP buys transit from, at most [2].
    #[serde(default = "default_edge_transits")]
    pub edge_transits: Count<0, 64>,
    /// Share of client networks that peer with the edge network at the
    /// IXP of a PoP in their metro [0.5].
    #[serde(default = "default_client_peering")]
    pub client_peering: Fraction,
    /// A transit core from a file (`from,to,relation` per line, routers as
    /// `AS@CODE`), instead of the generated tier-1s and regionals; client
    /// networks attach to it as to the generated one [none].
    pub graph: Option<Spanned<String>>,
    /// Seed of the graph: the same Internet for every run seed [1].
    #[serde(default = "default_graph_seed")]
    pub seed: u64,
    /// AS-path prepending per PoP: extra copies of the edge AS on every
    /// session of that PoP, e.g. `{ FRA = 2 }` [none].
    #[serde(default)]
    pub prepend: std::collections::BTreeMap<String, Spanned<Count<0, 16>>>,
    /// Local preference overrides: `{ at = "AS", from = "AS", pref = N }`
    /// makes AS `at` give routes learned from AS `from` preference `pref`
    /// (Gao-Rexford: customer 300, peer 200, provider 100).
    #[serde(default)]
    pub local_pref: Vec<Spanned<LocalPrefSpec>>,
}

/// One local-preference override.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalPrefSpec {
    /// The AS whose routers apply it.
    pub at: Spanned<String>,
    /// The neighbour AS whose routes it applies to.
    pub from: Spanned<String>,
    /// The preference (higher wins).
    pub pref: Count<0, 65_000>,
}

fn default_tier1s() -> Count<1, 64> {
    Count::of(8)
}
fn default_hubs() -> Count<1, 10_000> {
    Count::of(30)
}
fn default_presence() -> Fraction {
    Fraction(0.7)
}
fn default_regionals() -> Count<1, 100> {
    Count::of(6)
}
fn default_regional_metros() -> Count<1, 1_000> {
    Count::of(8)
}
fn default_regional_providers() -> Count<1, 64> {
    Count::of(2)
}
fn default_regional_peering() -> Fraction {
    Fraction(0.5)
}
fn default_ixp_peering() -> Fraction {
    Fraction(1.0)
}
fn default_edge_transits() -> Count<0, 64> {
    Count::of(2)
}
fn default_client_peering() -> Fraction {
    Fraction(0.5)
}
fn default_graph_seed() -> u64 {
    1
}

impl Default for InternetTable {
    fn default() -> Self {
        InternetTable {
            tier1s: default_tier1s(),
            hubs: default_hubs(),
            tier1_presence: default_presence(),
            regionals: default_regionals(),
            regional_metros: default_regional_metros(),
            regional_providers: default_regional_providers(),
            regional_peering: default_regional_peering(),
            ixp_peering: default_ixp_peering(),
            edge_transits: default_edge_transits(),
            client_peering: default_client_peering(),
            graph: None,
            seed: default_graph_seed(),
            prepend: Default::default(),
            local_pref: Vec::new(),
        }
    }
}

fn default_networks() -> Spanned<Count<1, 10_000>> {
    Spanned::new(0..0, Count::of(10))
}
fn default_convergence() -> Spanned<ConvergenceSpec> {
    Spanned::new(0..0, ConvergenceSpec::default())
}
fn default_withdrawal_delay() -> Duration {
    Duration(crate::engine::SimDuration::from_secs(5))
}

impl Default for AnycastSpec {
    fn default() -> Self {
        AnycastSpec {
            networks_per_site: default_networks(),
            off_nearest_share: Fraction(0.0),
            unstable_share: None,
            health_check: HealthCheckSpec::default(),
            withdrawal_delay: default_withdrawal_delay(),
            convergence: default_convergence(),
            internet: InternetTable::default(),
        }
    }
}

/// The health checker: a probe to every PoP each `interval`; a PoP is
/// declared down after `failures` consecutive missed probes, up again after
/// `successes` consecutive answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheckSpec {
    /// Time between probes [5s].
    #[serde(default = "default_hc_interval")]
    pub interval: Spanned<Period>,
    /// A probe unanswered after this long is a miss [1s].
    #[serde(default = "default_hc_timeout")]
    pub timeout: PositiveDuration,
    /// Consecutive misses that declare a PoP down [1].
    #[serde(default = "default_hc_failures")]
    pub failures: Spanned<Count<1, 1_000>>,
    /// Consecutive answers that declare it up again [2].
    #[serde(default = "default_hc_successes")]
    pub successes: Spanned<Count<1, 1_000>>,
    /// Time of the first probe, in [0, interval); later ones follow every
    /// `interval` [absent: drawn per run from the seed, uniform over
    /// [0, interval), so faults do not land on a probe by construction].
    pub phase: Option<Spanned<Duration>>,
}

fn default_hc_interval() -> Spanned<Period> {
    Spanned::new(0..0, Period::from_secs(5))
}
fn default_hc_timeout() -> PositiveDuration {
    PositiveDuration::from_secs(1)
}
fn default_hc_failures() -> Spanned<Count<1, 1_000>> {
    Spanned::new(0..0, Count::of(1))
}
fn default_hc_successes() -> Spanned<Count<1, 1_000>> {
    Spanned::new(0..0, Count::of(2))
}

impl Default for HealthCheckSpec {
    fn default() -> Self {
        HealthCheckSpec {
            interval: default_hc_interval(),
            timeout: default_hc_timeout(),
            failures: default_hc_failures(),
            successes: default_hc_successes(),
            phase: None,
        }
    }
}

/// How long a client network takes, after a route change starts, to move.
/// Read from a flat table (`model` and its keys only); `fixed` needs
/// first <= last.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "kebab-case")]
pub enum ConvergenceSpec {
    /// Every network draws its delay from a distribution between `first` and
    /// `last` after the withdrawal starts (seed: complete by 30s after the
    /// fault, so 0s..20s after a withdrawal at 10s).
    Fixed {
        /// Earliest delay.
        #[serde(default)]
        first: Duration,
        /// Latest delay.
        last: Duration,
        /// `"uniform"` (default) or `"lognormal"` (median at the geometric
        /// middle, p99 at `last`, clamped to [first, last]).
        #[serde(default)]
        shape: ConvergenceShape,
    },
    /// The measured preset: about 80% of networks within 10 s and a long
    /// tail (ANRW 2024, "An Empirical Characterization of Anycast
    /// Convergence Time"): lognormal with median 4 s and p80 10 s, capped
    /// at 5 min; 1% of networks anycast-unstable (Wei & Heidemann, TNSM 2018).
    Measured,
    /// BGP as a protocol over the generated Internet (`[anycast.internet]`):
    /// a network's PoP is where its best path leads.
    PathVector {
        /// MRAI on eBGP sessions [30s].
        mrai: Duration,
        /// MRAI on iBGP sessions [0s].
        ibgp_mrai: Duration,
        /// RFC 4271's jitter, each timer MRAI x U(0.75, 1) [true].
        jitter: bool,
        /// `"periodic"` (updates leave on a free-running timer's ticks,
        /// as Cisco IOS batches them) [default] or `"after-send"` (RFC
        /// 4271's minimum spacing: the first update after a quiet MRAI
        /// leaves at once).
        mrai_mode: MraiModeSpec,
        /// Withdrawals wait for the MRAI timer too [false].
        wrate: bool,
        /// Sender-side loop detection [false].
        ssld: bool,
        /// Shortest time to process one update [1ms].
        processing_min: Duration,
        /// Longest time to process one update [10ms].
        processing_max: Duration,
        /// `"gao-rexford"` [default] or `"shortest-path"`.
        policy: RoutingPolicy,
        /// RFC 2439 route-flap damping with its default parameters [false].
        damping: bool,
    },
}

/// How `path-vector`'s MRAI timer spaces announcements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MraiModeSpec {
    /// A free-running timer per session; updates leave on its ticks.
    #[default]
    Periodic,
    /// Minimum spacing from the last update sent.
    AfterSend,
}

/// The routing policy of `path-vector`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoutingPolicy {
    /// Customer over peer over provider routes, valley-free export.
    #[default]
    GaoRexford,
    /// Every route equal, exported everywhere.
    ShortestPath,
}

/// The names of the convergence models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ConvergenceModel {
    Fixed,
    Measured,
    PathVector,
}

/// A convergence table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConvergence {
    model: ConvergenceModel,
    first: Option<Duration>,
    last: Option<Duration>,
    shape: Option<ConvergenceShape>,
    mrai: Option<Duration>,
    ibgp_mrai: Option<Duration>,
    jitter: Option<bool>,
    mrai_mode: Option<MraiModeSpec>,
    wrate: Option<bool>,
    ssld: Option<bool>,
    processing_min: Option<Duration>,
    processing_max: Option<Duration>,
    policy: Option<RoutingPolicy>,
    damping: Option<bool>,
}

/// The keys of `model = "path-vector"`.
const PATH_VECTOR_KEYS: [&str; 10] = [
    "mrai",
    "ibgp_mrai",
    "jitter",
    "mrai_mode",
    "wrate",
    "ssld",
    "processing_min",
    "processing_max",
    "policy",
    "damping",
];

impl RawConvergence {
    fn into_spec(self) -> Result<ConvergenceSpec, String> {
        let given = [
            ("first", self.first.is_some()),
            ("last", self.last.is_some()),
            ("shape", self.shape.is_some()),
            ("mrai", self.mrai.is_some()),
            ("ibgp_mrai", self.ibgp_mrai.is_some()),
            ("jitter", self.jitter.is_some()),
            ("mrai_mode", self.mrai_mode.is_some()),
            ("wrate", self.wrate.is_some()),
            ("ssld", self.ssld.is_some()),
            ("processing_min", self.processing_min.is_some()),
            ("processing_max", self.processing_max.is_some()),
            ("policy", self.policy.is_some()),
            ("damping", self.damping.is_some()),
        ];
        if self.model == ConvergenceModel::PathVector {
            only_keys("model = \"path-vector\"", &given, &PATH_VECTOR_KEYS, &[])?;
            return self.path_vector();
        }
        if self.model == ConvergenceModel::Measured {
            only_keys("model = \"measured\"", &given, &[], &[])?;
            return Ok(ConvergenceSpec::Measured);
        }
        only_keys("model = \"fixed\"", &given, &["first", "last", "shape"], &["last"])?;
        let (first, last) = (self.first.unwrap_or_default(), self.last.unwrap_or_default());
        if first > last {
            return Err(format!("fixed: first ({first}) is after last ({last}); expected first <= last"));
        }
        Ok(ConvergenceSpec::Fixed { first, last, shape: self.shape.unwrap_or_default() })
    }

    fn path_vector(self) -> Result<ConvergenceSpec, String> {
        let ms = |n| Duration(crate::engine::SimDuration::from_millis(n));
        let processing_min = self.processing_min.unwrap_or(ms(1));
        let processing_max = self.processing_max.unwrap_or(ms(10).max(processing_min));
        if processing_min > processing_max {
            return Err(format!(
                "path-vector: processing_min ({processing_min}) is above processing_max ({processing_max}); expected min <= max"
            ));
        }
        let hour = Duration(crate::engine::SimDuration::from_secs(3600));
        for (key, d) in [("mrai", self.mrai), ("ibgp_mrai", self.ibgp_mrai), ("processing_max", Some(processing_max))] {
            if d.is_some_and(|d| d > hour) {
                return Err(format!("path-vector: {key} is over 1h; expected a BGP timer (seconds)"));
            }
        }
        Ok(ConvergenceSpec::PathVector {
            mrai: self.mrai.unwrap_or(Duration(crate::engine::SimDuration::from_secs(30))),
            ibgp_mrai: self.ibgp_mrai.unwrap_or_default(),
            jitter: self.jitter.unwrap_or(true),
            mrai_mode: self.mrai_mode.unwrap_or_default(),
            wrate: self.wrate.unwrap_or(false),
            ssld: self.ssld.unwrap_or(false),
            processing_min,
            processing_max,
            policy: self.policy.unwrap_or_default(),
            damping: self.damping.unwrap_or(false),
        })
    }
}

impl<'de> Deserialize<'de> for ConvergenceSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawConvergence::deserialize(d)?.into_spec().map_err(serde::de::Error::custom)
    }
}

impl Default for ConvergenceSpec {
    fn default() -> Self {
        ConvergenceSpec::Fixed {
            first: Duration::default(),
            last: Duration(crate::engine::SimDuration::from_secs(20)),
            shape: ConvergenceShape::Uniform,
        }
    }
}

/// The shape of a `fixed` convergence distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConvergenceShape {
    /// Uniform between first and last.
    #[default]
    Uniform,
    /// Lognormal, clamped to [first, last].
    Lognormal,
}
