//! `[isolates]`: deployments, their isolates, the warm pool and cold starts
//! (the seed's `isolate`, `server` and `warm_pool` entries, and the
//! autoscaler's memory rule). Present: the model runs; absent: requests
//! have no deployment and no cold start. Every default is the seed's number
//! (or, where the seed has none, says so).

use super::{dur_s, Population};
use crate::scenario::units::{Count, Duration, Fraction, Size, ZipfExponent};
use serde::Deserialize;
use toml::Spanned;

/// Deployments pinned in a PoP's warm pool.
pub type PoolSize = Count<0, 1_000_000>;
/// Deployments added to the warm pool per control period.
pub type PoolStep = Count<1, 1_000_000>;

/// `[isolates]`: the isolate model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IsolatesSpec {
    /// Deployments requests belong to [1000; the seed gives no number]. Leave
    /// it out with `[rate_limits]`: its deployments are used.
    pub deployments: Option<Spanned<Population>>,
    /// Zipf exponent of demand over deployments [1.0]; 0 is uniform. Leave
    /// it out with `[rate_limits]`: its exponent is used.
    pub zipf: Option<Spanned<ZipfExponent>>,
    /// Time a cold start adds to a request's service ["5ms", the seed's V8 < 5 ms].
    #[serde(default = "default_cold_start")]
    pub cold_start: Spanned<Duration>,
    /// Memory of one isolate, MB [128].
    #[serde(default = "default_isolate_mb")]
    pub isolate_mb: Spanned<Size>,
    /// Memory of one server, GB of 1024 MB [64].
    #[serde(default = "default_server_gb")]
    pub server_gb: Spanned<Size>,
    /// An unpinned isolate idle this long is evicted ["5m"].
    #[serde(default = "default_idle_evict")]
    pub idle_evict: Spanned<Duration>,
    /// Deployments pinned warm on every server of a PoP at the start [0,
    /// the seed's `min_isolates_per_deployment`].
    #[serde(default = "default_pool_min")]
    pub warm_pool_min: Spanned<PoolSize>,
    /// Most deployments pinned [1000, the seed's max].
    #[serde(default = "default_pool_max")]
    pub warm_pool_max: Spanned<PoolSize>,
    /// Deployments pinned more per control period whose cold-start rate is
    /// above `warm_pool_scale_up` [1; the seed gives no step].
    #[serde(default = "default_pool_step")]
    pub warm_pool_step: PoolStep,
    /// Cold-start rate above which the warm pool grows [0.05].
    #[serde(default = "default_scale_up")]
    pub warm_pool_scale_up: Fraction,
    /// The autoscaler adds a server when memory utilisation stays above
    /// this... [0.8] (with `[autoscaling] enabled = true`)
    #[serde(default = "default_memory_up")]
    pub memory_up: Fraction,
    /// ...for this long ["5m"].
    #[serde(default = "default_memory_period")]
    pub memory_up_period: Duration,
}

fn default_cold_start() -> Spanned<Duration> {
    Spanned::new(0..0, Duration(crate::engine::SimDuration::from_millis(5)))
}
fn default_isolate_mb() -> Spanned<Size> {
    Spanned::new(0..0, Size::of(128.0))
}
fn default_server_gb() -> Spanned<Size> {
    Spanned::new(0..0, Size::of(64.0))
}
fn default_idle_evict() -> Spanned<Duration> {
    Spanned::new(0..0, dur_s(300))
}
fn default_pool_min() -> Spanned<PoolSize> {
    Spanned::new(0..0, Count::of(0))
}
fn default_pool_max() -> Spanned<PoolSize> {
    Spanned::new(0..0, Count::of(1000))
}
fn default_pool_step() -> PoolStep {
    Count::of(1)
}
fn default_scale_up() -> Fraction {
    Fraction(0.05)
}
fn default_memory_up() -> Fraction {
    Fraction(0.8)
}
fn default_memory_period() -> Duration {
    dur_s(300)
}

/// Deployments when neither `[isolates]` nor `[rate_limits]` says.
pub const DEFAULT_DEPLOYMENTS: u32 = 1000;

impl IsolatesSpec {
    /// Memory of one isolate over that of one server.
    pub fn isolate_share(&self) -> f64 {
        self.isolate_mb.get_ref().get() / (self.server_gb.get_ref().get() * 1024.0)
    }
}
