//! `[overload]`, `[autoscaling]`, `[degradation]` and `[rate_limits]`: how
//! a PoP copes with more than it can serve: spillover and priority
//! shedding, the seed's autoscaling rules, the degradation-level
//! controller's settings and the seed's per-PoP rate limits.

use super::{dur_s, Population, RequestLimit, Servers, Times};
use crate::scenario::units::{Count, Duration, Fraction, Period, ZipfExponent};
use serde::Deserialize;
use toml::Spanned;

/// `[overload]`: spillover and priority shedding at busy PoPs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverloadSpec {
    /// Spill the excess above this share of a PoP's capacity to the
    /// next-nearest PoP with room [0.8]; 1 turns spillover off.
    #[serde(default = "default_spill")]
    pub spillover_threshold: Fraction,
    /// Shed classes while CPU is above this [0.9]: P3 first, then P2, then
    /// P1; never P0. 1 turns shedding off.
    #[serde(default = "default_shed")]
    pub shed_cpu: Fraction,
    /// Shedding eases one class when CPU stays below `shed_cpu` minus this [0.1]...
    #[serde(default = "default_hysteresis")]
    pub shed_hysteresis: Fraction,
    /// ...for this long [5s].
    #[serde(default = "default_shed_hold")]
    pub shed_hold: Duration,
    /// The control loop's period: CPU and load are measured over it [1s].
    #[serde(default = "default_tick")]
    pub tick: Spanned<Period>,
}

fn default_spill() -> Fraction {
    Fraction(0.8)
}
fn default_shed() -> Fraction {
    Fraction(0.9)
}
fn default_hysteresis() -> Fraction {
    Fraction(0.1)
}
fn default_shed_hold() -> Duration {
    dur_s(5)
}
fn default_tick() -> Spanned<Period> {
    Spanned::new(0..0, Period::from_secs(1))
}

impl Default for OverloadSpec {
    fn default() -> Self {
        OverloadSpec {
            spillover_threshold: default_spill(),
            shed_cpu: default_shed(),
            shed_hysteresis: default_hysteresis(),
            shed_hold: default_shed_hold(),
            tick: default_tick(),
        }
    }
}

/// `[autoscaling]`: the seed's per-PoP rules (CPU > 70% for 5m or queue
/// depth > 1000 for 1m adds a server; CPU < 30% for 15m removes one;
/// 5m cooldown; 4..100 servers). Off unless `enabled = true`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoscalingSpec {
    /// Whether the autoscaler runs [false].
    #[serde(default)]
    pub enabled: bool,
    /// Add a server when CPU stays above this... [0.7]
    #[serde(default = "default_cpu_up")]
    pub cpu_up: Fraction,
    /// ...for this long [5m].
    #[serde(default = "default_up_period")]
    pub cpu_up_period: Duration,
    /// Add a server when the queue stays deeper than this... [1000]
    #[serde(default = "default_queue_up")]
    pub queue_up: Times,
    /// ...for this long [1m].
    #[serde(default = "default_queue_period")]
    pub queue_up_period: Duration,
    /// Remove a server when CPU stays below this... [0.3]
    #[serde(default = "default_cpu_down")]
    pub cpu_down: Fraction,
    /// ...for this long [15m].
    #[serde(default = "default_down_period")]
    pub cpu_down_period: Duration,
    /// No new action this long after the last [5m].
    #[serde(default = "default_cooldown")]
    pub cooldown: Duration,
    /// From the decision to a new server taking requests [2m].
    #[serde(default = "default_provisioning")]
    pub provisioning: Duration,
    /// Fewest servers [4].
    #[serde(default = "default_min_servers")]
    pub min_servers: Servers,
    /// Most servers [100].
    #[serde(default = "default_max_servers")]
    pub max_servers: Servers,
}

fn default_cpu_up() -> Fraction {
    Fraction(0.7)
}
fn default_up_period() -> Duration {
    dur_s(300)
}
fn default_queue_up() -> Times {
    Count::of(1000)
}
fn default_queue_period() -> Duration {
    dur_s(60)
}
fn default_cpu_down() -> Fraction {
    Fraction(0.3)
}
fn default_down_period() -> Duration {
    dur_s(900)
}
fn default_cooldown() -> Duration {
    dur_s(300)
}
fn default_provisioning() -> Duration {
    dur_s(120)
}
fn default_min_servers() -> Servers {
    Count::of(4)
}
fn default_max_servers() -> Servers {
    Count::of(100)
}

impl Default for AutoscalingSpec {
    fn default() -> Self {
        AutoscalingSpec {
            enabled: false,
            cpu_up: default_cpu_up(),
            cpu_up_period: default_up_period(),
            queue_up: default_queue_up(),
            queue_up_period: default_queue_period(),
            cpu_down: default_cpu_down(),
            cpu_down_period: default_down_period(),
            cooldown: default_cooldown(),
            provisioning: default_provisioning(),
            min_servers: default_min_servers(),
            max_servers: default_max_servers(),
        }
    }
}

/// `[degradation]`: the level controller.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DegradationSpec {
    /// PoPs declared down at once that make level 3 [2].
    #[serde(default = "default_multi_pop")]
    pub multi_pop_failures: Count<1, 1_000>,
    /// A level is left only after its trigger has been gone this long [10s].
    #[serde(default = "default_level_hold")]
    pub hold: Duration,
}

fn default_multi_pop() -> Count<1, 1_000> {
    Count::of(2)
}
fn default_level_hold() -> Duration {
    dur_s(10)
}

impl Default for DegradationSpec {
    fn default() -> Self {
        DegradationSpec { multi_pop_failures: default_multi_pop(), hold: default_level_hold() }
    }
}

/// `[rate_limits]`: the seed's per-PoP rate limits. Requests belong to
/// deployments of accounts; demand over deployments follows a Zipf law.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitsSpec {
    /// Accounts [100].
    #[serde(default = "default_accounts")]
    pub accounts: Spanned<Population>,
    /// Deployments of each account [10].
    #[serde(default = "default_deployments")]
    pub deployments_per_account: Spanned<Population>,
    /// Zipf exponent of demand over deployments [1.0]; 0 is uniform.
    #[serde(default = "default_zipf")]
    pub zipf: ZipfExponent,
    /// Per deployment, per PoP, per second [10000].
    #[serde(default = "default_dep_rps")]
    pub per_deployment_rps: RequestLimit,
    /// Per deployment, per PoP, per minute [100000].
    #[serde(default = "default_dep_min")]
    pub per_deployment_per_min: RequestLimit,
    /// Per account, per PoP, per second [100000].
    #[serde(default = "default_acc_rps")]
    pub per_account_rps: RequestLimit,
    /// A PoP's capacity in requests per second; spillover starts at
    /// `[overload].spillover_threshold` of the smaller of this and its servers' [100000].
    #[serde(default = "default_pop_qps")]
    pub per_pop_qps: RequestLimit,
}

fn default_accounts() -> Spanned<Population> {
    Spanned::new(0..0, Count::of(100))
}
fn default_deployments() -> Spanned<Population> {
    Spanned::new(0..0, Count::of(10))
}
fn default_zipf() -> ZipfExponent {
    ZipfExponent::of(1.0)
}
fn default_dep_rps() -> RequestLimit {
    Count::of(10_000)
}
fn default_dep_min() -> RequestLimit {
    Count::of(100_000)
}
fn default_acc_rps() -> RequestLimit {
    Count::of(100_000)
}
fn default_pop_qps() -> RequestLimit {
    Count::of(100_000)
}
