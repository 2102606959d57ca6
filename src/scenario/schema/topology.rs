//! `[topology]`, `[network]` and `[pops]`: which PoPs take part (from a
//! catalog or defined in the file), how one-way latency is computed
//! between clients and PoPs, and each PoP's server pool. The PoP catalog
//! itself and the geography are the world's; this is only what the file says.

use super::{one, DistSpec, QueueLimit};
use crate::scenario::units::{Duration, Inflation, Latitude, Longitude, ServerSizing, Speed, Weight};
use serde::Deserialize;
use toml::Spanned;

/// `[topology]`: the PoPs of the run. Pick from a catalog by `regions` or by
/// `pops` (IATA codes); with neither, the whole catalog. `[[topology.pop]]`
/// adds PoPs of your own.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopologySpec {
    /// `"builtin"` (default, 309 PoPs), `"global"` (569 PoPs: the built-in
    /// ones plus regional metros), `"none"`, or a CSV path relative to the
    /// scenario file.
    pub catalog: Option<Spanned<String>>,
    /// Region names (`NA`, `EU`, `APAC`, `ROW`) whose catalog PoPs take part.
    pub regions: Option<Vec<Spanned<String>>>,
    /// IATA codes of the catalog PoPs that take part.
    pub pops: Option<Vec<Spanned<String>>>,
    /// PoPs defined in the file.
    #[serde(default, rename = "pop")]
    pub custom: Vec<Spanned<CustomPop>>,
}

/// A PoP defined in the scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomPop {
    /// A code of three uppercase letters.
    pub code: String,
    /// The city, for reports.
    #[serde(default)]
    pub city: String,
    /// `NA`, `EU`, `APAC` or `ROW`.
    pub region: String,
    /// Latitude, degrees north.
    pub lat: Latitude,
    /// Longitude, degrees east.
    pub lon: Longitude,
    /// Relative demand weight of the clients near it [1.0].
    #[serde(default = "one")]
    pub weight: Weight,
}

/// `[network]`: one-way latency = great-circle km / `km_per_ms` x
/// `route_inflation` + `last_mile` + a draw of `jitter`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// Signal speed in fibre, km per ms [200].
    #[serde(default = "default_km_per_ms")]
    pub km_per_ms: Spanned<Speed>,
    /// How much longer routes are than the great circle [1.5].
    #[serde(default = "default_inflation")]
    pub route_inflation: Spanned<Inflation>,
    /// Access-network delay added to every one-way trip [2ms].
    #[serde(default = "default_last_mile")]
    pub last_mile: Duration,
    /// Random extra delay per one-way trip [none].
    pub jitter: Option<Spanned<DistSpec>>,
}

fn default_km_per_ms() -> Spanned<Speed> {
    Spanned::new(0..0, Speed::of(200.0))
}
fn default_inflation() -> Spanned<Inflation> {
    Spanned::new(0..0, Inflation::of(1.5))
}
fn default_last_mile() -> Duration {
    Duration(crate::engine::SimDuration::from_millis(2))
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            km_per_ms: default_km_per_ms(),
            route_inflation: default_inflation(),
            last_mile: default_last_mile(),
            jitter: None,
        }
    }
}

/// `[pops.default]` or `[pops.<CODE>]`: a PoP's server pool. Keys left out
/// fall back to `[pops.default]`, then to the built-in defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    /// Servers in the pool [4, the seed's minimum]: a number from 1 to
    /// 100,000, or sized from the PoP's demand, `servers = { per_krps = 2.5,
    /// min = 4, max = 100000 }`: `clamp(ceil(per_krps x D / 1000), min,
    /// max)`, where D is the PoP's catchment at full health, the requests
    /// per second of the client sites nearest to it (`min` defaults to 4,
    /// `max` to 100,000; `per_krps` must be finite and above 0).
    pub servers: Option<Spanned<ServerSizing>>,
    /// Service time of one request on one server [exponential, mean 5ms].
    pub service: Option<Spanned<DistSpec>>,
    /// Requests that may wait for a server; more are rejected [1000].
    pub queue_limit: Option<QueueLimit>,
}
