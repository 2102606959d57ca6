//! `[traffic]`: the requests clients send: the total rate, how send times
//! are spaced, the priority classes and the client sites with their share
//! of demand. What a request does once sent is the models'.

use super::one;
use crate::scenario::units::{Fraction, Latitude, Longitude, Rate, Weight};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The subrequests of each request: a Poisson number (`mean`), each
/// attempt failing with `error_rate` and retried up to `retries` times;
/// a request whose attempts pass `limit` fails.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubrequestsSpec {
    /// Mean subrequests per request.
    pub mean: crate::scenario::units::MeanCount,
    /// Attempts allowed per request [50, the seed's].
    #[serde(default = "default_subrequest_limit")]
    pub limit: crate::scenario::units::Count<1, 100_000>,
    /// Share of subrequest attempts that fail [0].
    #[serde(default)]
    pub error_rate: crate::scenario::units::Fraction,
    /// Retries of a failed subrequest [3, the seed's for fetches, KV writes and DO requests].
    #[serde(default = "default_subrequest_retries")]
    pub retries: crate::scenario::units::Count<0, 9>,
}

fn default_subrequest_limit() -> crate::scenario::units::Count<1, 100_000> {
    crate::scenario::units::Count::of(50)
}
fn default_subrequest_retries() -> crate::scenario::units::Count<0, 9> {
    crate::scenario::units::Count::of(3)
}

/// `[traffic]`: the requests clients send.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficSpec {
    /// Total requests per second over all client sites.
    pub rps: Spanned<Rate>,
    /// How send times are spaced: `"poisson"` (default) or `"constant"`.
    #[serde(default)]
    pub arrivals: Arrivals,
    /// Share of each priority class; must sum to 1.
    pub classes: Spanned<ClassShares>,
    /// Client sites; when absent, one site at each PoP's city, weighted by
    /// the PoP's demand weight.
    #[serde(default, rename = "site")]
    pub sites: Vec<Spanned<SiteSpec>>,
    /// Demand over time (`[traffic.demand]`); absent: every site sends at
    /// its mean rate all the time.
    pub demand: Option<Spanned<DemandSpec>>,
    /// Surges: flash crowds and floods (`[[traffic.surge]]`).
    #[serde(default, rename = "surge")]
    pub surges: Vec<Spanned<SurgeSpec>>,
    /// `subrequests = { mean, limit, error_rate, retries }`: the subrequests
    /// each request's worker makes, against the seed's limit [none].
    pub subrequests: Option<SubrequestsSpec>,
}

/// `[[traffic.surge]]`: for a while, some sites send `factor` times their
/// rate (of one class, or all): a flash crowd on a region, or a flood on
/// one PoP's catchment. The rate ramps up over `ramp` from `at`, holds,
/// and ramps down over `ramp` from `at + for`, so the extra volume is
/// (factor - 1) x rate x `for`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurgeSpec {
    /// When the ramp up starts.
    pub at: Spanned<crate::scenario::units::Duration>,
    /// From `at` to the start of the ramp down.
    #[serde(rename = "for")]
    pub lasts: Spanned<crate::scenario::units::PositiveDuration>,
    /// Rate multiplier while it holds (e.g. 5; 0.2 for a lull).
    pub factor: Spanned<crate::scenario::units::Multiplier>,
    /// Ramp up (and down) time, at most `for` [0s].
    pub ramp: Option<Spanned<crate::scenario::units::Duration>>,
    /// The sites of one region (`NA`, `EU`, `APAC`, `ROW`).
    pub region: Option<Spanned<String>>,
    /// The sites whose nearest PoP is this one (its catchment).
    pub near: Option<Spanned<String>>,
    /// Only this class (`p0` to `p3`) [all].
    pub class: Option<Spanned<String>>,
}

/// `[traffic.demand]`: each site's rate follows a daily curve in its local
/// (solar) time, a weekly profile and growth; every curve has mean 1, so
/// `rps` stays the mean. Values are checked when the run is prepared
/// (`crate::workload`), with errors naming the key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandSpec {
    /// `{ peak_hour [20], trough_hour [4], ratio [3] }` or 24 hourly values
    /// (local 0:00 to 23:00) [the default shape].
    pub daily: Option<Spanned<toml::Value>>,
    /// 7 values, Monday first [all equal].
    pub weekly: Option<Spanned<Vec<crate::scenario::units::RelativeDemand>>>,
    /// Growth, as `"30%/year"` [none].
    pub growth: Option<Spanned<String>>,
    /// UTC time of day at the run's start, `"HH:MM"` [00:00].
    pub start: Option<Spanned<String>>,
    /// UTC weekday at the run's start: `mon` to `sun` [mon].
    pub start_day: Option<Spanned<String>>,
}

/// How a client site spaces the requests it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arrivals {
    /// Exponential gaps: a Poisson process.
    #[default]
    Poisson,
    /// Equal gaps of 1/rate.
    Constant,
}

/// The share of traffic in each priority class (P0 health and auth, never
/// shed; P1 paid; P2 free; P3 preview, shed first).
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClassShares {
    /// Share of P0.
    #[serde(default)]
    pub p0: Fraction,
    /// Share of P1.
    #[serde(default)]
    pub p1: Fraction,
    /// Share of P2.
    #[serde(default)]
    pub p2: Fraction,
    /// Share of P3.
    #[serde(default)]
    pub p3: Fraction,
}

impl ClassShares {
    /// The four shares, P0 first.
    pub fn as_array(&self) -> [f64; 4] {
        [self.p0.0, self.p1.0, self.p2.0, self.p3.0]
    }
}

/// A client site: where a group of clients is, and its share of demand.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSpec {
    /// A label for reports.
    pub name: String,
    /// Take the coordinates of this PoP code (instead of `lat`/`lon`).
    pub near: Option<String>,
    /// Latitude, degrees north.
    pub lat: Option<Latitude>,
    /// Longitude, degrees east.
    pub lon: Option<Longitude>,
    /// Relative share of the total rate [1.0].
    #[serde(default = "one")]
    pub weight: Weight,
}
