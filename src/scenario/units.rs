//! Quantities as scenario files write them, each a type whose Deserialize
//! rejects what cannot make sense with a message saying what was expected
//! (toml locates it at the value): durations such as `"250ms"`, `"5s"`,
//! `"1.5m"`, `"1h"` ([`Duration`], at most 365 days; [`PositiveDuration`];
//! [`Period`], at least 1 ms), whole numbers in a range ([`Count`]), and
//! finite reals in a range ([`Fraction`], [`Share`], [`Rate`],
//! [`RateOrZero`], [`Weight`], [`Latitude`], [`Longitude`], [`Speed`],
//! [`Inflation`], [`Size`], [`Throughput`], [`ZipfExponent`],
//! [`Percentile`], [`NonNegative`], [`ServersPerKrps`]), degradation
//! [`Level`]s and a PoP's [`ServerSizing`] (a number of servers, or a
//! table sizing them from the PoP's demand). The schema
//! uses them for every number, so no unchecked number reaches the model.

use crate::engine::time::{NS_PER_MS, NS_PER_S, NS_PER_US};
use crate::engine::SimDuration;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// What a duration must look like, quoted in error messages.
pub const DURATION_HELP: &str =
    "a duration string: a number and a unit among ns, us, ms, s, m, h, d (e.g. \"250ms\", \"5s\", \"1.5m\", \"30d\")";

/// The longest duration a scenario file may write: 365 days, in ns.
pub const MAX_DURATION_NS: u64 = 365 * 24 * 3600 * NS_PER_S;

/// A duration read from a scenario file: non-negative, at most
/// [`MAX_DURATION_NS`] (365 days), nanosecond resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub SimDuration);

impl Duration {
    /// The duration as simulated time.
    pub fn sim(self) -> SimDuration {
        self.0
    }
    /// Nanoseconds.
    pub fn as_nanos(self) -> u64 {
        self.0.as_nanos()
    }
    /// Seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0.as_secs_f64()
    }
}

/// Parses `"250ms"`, `"5s"`, `"1.5m"`, `"1h"`, `"100us"`, `"0s"`.
/// Returns a message saying what was expected on failure.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("got \"{text}\", a negative duration; expected {DURATION_HELP}"));
    }
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit_ns = match unit.trim() {
        "ns" => 1,
        "us" | "µs" => NS_PER_US,
        "ms" => NS_PER_MS,
        "s" => NS_PER_S,
        "m" | "min" => 60 * NS_PER_S,
        "h" => 3600 * NS_PER_S,
        "d" => 86_400 * NS_PER_S,
        "" => return Err(format!("got \"{text}\" with no unit; expected {DURATION_HELP}")),
        other => return Err(format!("got \"{text}\": unknown unit \"{other}\"; expected {DURATION_HELP}")),
    };
    let cleaned: String = number.chars().filter(|&c| c != '_').collect();
    let value: f64 = cleaned.parse().map_err(|_| format!("got \"{text}\"; expected {DURATION_HELP}"))?;
    let ns = value * unit_ns as f64;
    if !ns.is_finite() || ns > 1e18 {
        return Err(format!("got \"{text}\", too long (at most about 30 years)"));
    }
    Ok(SimDuration::from_secs_f64(ns / NS_PER_S as f64))
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(DURATION_HELP)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Duration, E> {
                let d = parse_duration(s).map_err(E::custom)?;
                if d.as_nanos() > MAX_DURATION_NS {
                    return Err(E::custom(format!("got \"{s}\"; expected a duration of at most 365 days")));
                }
                Ok(Duration(d))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                Err(E::custom(format!("got the bare number {v}; expected {DURATION_HELP}")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                self.visit_i64(v as i64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
                Err(E::custom(format!("got the bare number {v}; expected {DURATION_HELP}")))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A fraction in `[0, 1]` (a share of traffic, a utilisation, a ratio).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize)]
pub struct Fraction(pub f64);

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Fraction;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a fraction between 0 and 1 (e.g. 0.95)")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Fraction, E> {
                if v.is_finite() && (0.0..=1.0).contains(&v) {
                    Ok(Fraction(v))
                } else {
                    Err(E::custom(format!("got {v}; expected a fraction between 0 and 1 (e.g. 0.95)")))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Fraction, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Fraction, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(V)
    }
}

/// A duration of at least `MIN_NS` nanoseconds (and at most 365 days):
/// a period, a timeout or a window that a zero or tiny value would turn
/// into an event storm or a division by zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AtLeast<const MIN_NS: u64>(Duration);

/// A duration above zero (at least 1 ns, at most 365 days).
pub type PositiveDuration = AtLeast<1>;
/// A period of a recurring event: at least 1 ms, at most 365 days.
pub type Period = AtLeast<NS_PER_MS>;

impl<const MIN_NS: u64> AtLeast<MIN_NS> {
    /// A duration given in code (defaults); not checked against `MIN_NS`.
    pub const fn from_millis(ms: u64) -> Self {
        AtLeast(Duration(SimDuration::from_millis(ms)))
    }
    /// A duration given in code (defaults); not checked against `MIN_NS`.
    pub const fn from_secs(s: u64) -> Self {
        AtLeast(Duration(SimDuration::from_secs(s)))
    }
    /// The same duration as a plain [`Duration`].
    pub fn plain(self) -> Duration {
        self.0
    }
}

/// A checked duration reads as a plain one: `sim()`, `as_nanos()`,
/// `as_secs_f64()` are [`Duration`]'s.
impl<const MIN_NS: u64> std::ops::Deref for AtLeast<MIN_NS> {
    type Target = Duration;
    fn deref(&self) -> &Duration {
        &self.0
    }
}

impl<'de, const MIN_NS: u64> Deserialize<'de> for AtLeast<MIN_NS> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let plain = Duration::deserialize(d)?;
        if plain.as_nanos() < MIN_NS {
            let min = SimDuration::from_nanos(MIN_NS);
            let expected = if MIN_NS <= 1 {
                "a duration above 0".to_string()
            } else {
                format!("a duration of at least {min}: a shorter period would flood the run with events")
            };
            return Err(de::Error::custom(format!("got \"{plain}\"; expected {expected}")));
        }
        Ok(AtLeast(plain))
    }
}

impl<const MIN_NS: u64> Serialize for AtLeast<MIN_NS> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<const MIN_NS: u64> fmt::Display for AtLeast<MIN_NS> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A whole number from `MIN` to `MAX` (servers, objects, keys, limits...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Count<const MIN: u32, const MAX: u32>(u32);

impl<const MIN: u32, const MAX: u32> Count<MIN, MAX> {
    /// A count given in code (defaults); not checked against the range.
    pub const fn of(n: u32) -> Self {
        Count(n)
    }
    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }
    /// What a value must be, quoted in error messages.
    fn expected() -> String {
        format!("a whole number from {MIN} to {MAX}")
    }
}

impl<'de, const MIN: u32, const MAX: u32> Deserialize<'de> for Count<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const MIN: u32, const MAX: u32>;
        impl<const MIN: u32, const MAX: u32> Visitor<'_> for V<MIN, MAX> {
            type Value = Count<MIN, MAX>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(&Count::<MIN, MAX>::expected())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                if v >= i64::from(MIN) && v <= i64::from(MAX) {
                    Ok(Count(v as u32))
                } else {
                    Err(E::custom(format!("got {v}; expected {}", Count::<MIN, MAX>::expected())))
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Err(E::custom(format!("got {v}; expected {}", Count::<MIN, MAX>::expected())))
            }
        }
        d.deserialize_any(V::<MIN, MAX>)
    }
}

impl<const MIN: u32, const MAX: u32> fmt::Display for Count<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A number as error messages write it: plain, or in scientific notation
/// when very large or very small.
pub fn number(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-3..1e7).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Defines a real-valued quantity: a finite `f64` in a range, whose
/// Deserialize rejects anything else with a message saying what was expected.
macro_rules! real {
    ($(#[$meta:meta])* $name:ident, $low:expr, $lo_cmp:tt, $high:expr, $what:literal) => {
        $(#[$meta])*
        #[doc = concat!("Range: ", stringify!($low), " ", stringify!($lo_cmp), " x <= ", stringify!($high), ".")]
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
        pub struct $name(f64);

        impl $name {
            /// Smallest value (allowed or not, see the range).
            pub const LOW: f64 = $low;
            /// True if `LOW` itself is not allowed.
            const LOW_OPEN: bool = stringify!($lo_cmp).len() == 1;
            /// Largest value allowed.
            pub const HIGH: f64 = $high;
            /// A value given in code (defaults); not checked against the range.
            pub const fn of(v: f64) -> Self {
                $name(v)
            }
            /// The number.
            pub fn get(self) -> f64 {
                self.0
            }
            /// Whether `v` is in the range.
            pub fn admits(v: f64) -> bool {
                let above_low = if Self::LOW_OPEN { v > Self::LOW } else { v >= Self::LOW };
                v.is_finite() && above_low && v <= Self::HIGH
            }
            /// What a value must be, quoted in error messages.
            pub fn expected() -> String {
                let low = if Self::LOW_OPEN { "above" } else { "at least" };
                format!("{}, {low} {} and at most {}", $what, number(Self::LOW), number(Self::HIGH))
            }
        }

        impl From<$name> for f64 {
            fn from(v: $name) -> f64 {
                v.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str(&$name::expected())
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$name, E> {
                        if $name::admits(v) {
                            Ok($name(v))
                        } else {
                            Err(E::custom(format!("got {}; expected {}", number(v), $name::expected())))
                        }
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$name, E> {
                        self.visit_f64(v as f64)
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$name, E> {
                        self.visit_f64(v as f64)
                    }
                }
                d.deserialize_any(V)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

real! {
    /// Events per second (requests, writes, deployments per minute...).
    Rate, 0.0, <, 1e8, "a rate"
}
real! {
    /// Events per second where 0 means "none of this workload".
    RateOrZero, 0.0, <=, 1e8, "a rate"
}
real! {
    /// A share that must be above zero (zero would switch its feature off).
    Share, 0.0, <, 1.0, "a share"
}
real! {
    /// A relative weight of demand.
    Weight, 0.0, <, 1e6, "a weight"
}
real! {
    /// A rate multiplier (a surge's factor; 0 silences the traffic).
    Multiplier, 0.0, <=, 1000.0, "a rate multiplier"
}
real! {
    /// Relative demand of one hour or one day (0: none then).
    RelativeDemand, 0.0, <=, 1e6, "relative demand"
}
real! {
    /// Degrees north.
    Latitude, -90.0, <=, 90.0, "a latitude in degrees"
}
real! {
    /// Degrees east.
    Longitude, -180.0, <=, 180.0, "a longitude in degrees"
}
real! {
    /// Signal speed, km per ms (fibre about 200, light in vacuum about 300).
    Speed, 1.0, <=, 300.0, "a speed in km per ms"
}
real! {
    /// How much longer routes are than the great circle.
    Inflation, 1.0, <=, 10.0, "a factor"
}
real! {
    /// A size in megabytes (or kilobytes where the key says so).
    Size, 0.0, <=, 1e5, "a size"
}
real! {
    /// Megabytes per second.
    Throughput, 0.01, <=, 1e6, "a speed in MB per second"
}
real! {
    /// The exponent of a Zipf law (0 is uniform).
    ZipfExponent, 0.0, <=, 10.0, "an exponent"
}
real! {
    /// A percentile.
    Percentile, 0.0, <, 100.0, "a percentile"
}
real! {
    /// A bound on a count or a ratio of counts.
    NonNegative, 0.0, <=, 1e15, "a number"
}

real! {
    /// The shape of a Weibull law (1 is exponential; above 1, wear-out).
    WeibullShape, 0.1, <=, 20.0, "a Weibull shape"
}
real! {
    /// The sigma of a lognormal law: the standard deviation of its logarithm.
    LogSigma, 0.0, <, 5.0, "a lognormal sigma"
}

/// The longest [`LongDuration`]: 30 years of 365 days, in ns.
pub const MAX_LONG_DURATION_NS: u64 = 30 * MAX_DURATION_NS;

/// A duration above zero that may exceed a run: a mean time between
/// failures of a rarely failing unit (the origin, the control plane), up to
/// 30 years ("3650d" is ten).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LongDuration(pub SimDuration);

impl LongDuration {
    /// The duration as simulated time.
    pub fn sim(self) -> SimDuration {
        self.0
    }
}

impl<'de> Deserialize<'de> for LongDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d).map_err(|_| de::Error::custom(format!("expected {DURATION_HELP}")))?;
        let v = parse_duration(&text).map_err(de::Error::custom)?;
        if v.as_nanos() == 0 || v.as_nanos() > MAX_LONG_DURATION_NS {
            return Err(de::Error::custom(format!(
                "got \"{text}\"; expected a duration above 0 and at most 30 years (\"10950d\")"
            )));
        }
        Ok(LongDuration(v))
    }
}

impl Serialize for LongDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl fmt::Display for LongDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

real! {
    /// A mean count of things per request (subrequests), 0 to 1,000.
    MeanCount, 0.0, <=, 1000.0, "a mean count"
}

real! {
    /// Servers per 1,000 requests per second of a PoP's demand.
    ServersPerKrps, 0.0, <, 1e5, "servers per 1000 requests per second"
}

/// Most servers a pool may have, and [`ServerSizing::PerDemand`]'s default `max`.
pub const MAX_POOL_SERVERS: u32 = 100_000;
/// [`ServerSizing::PerDemand`]'s default `min`: the seed's minimum per PoP.
pub const MIN_POOL_SERVERS: u32 = 4;

/// What `servers` in `[pops.default]` / `[pops.<CODE>]` may be.
const SIZING_HELP: &str =
    "a whole number from 1 to 100000, or a table { per_krps = <servers per 1000 rps>, min = <n>, max = <n> }";

/// The servers of a PoP's pool as a scenario writes them: a number
/// (`servers = 16`), or sized from the PoP's demand (`servers = { per_krps =
/// 2.5, min = 4, max = 100000 }`): `clamp(ceil(per_krps x demand in 1000
/// rps), min, max)`, resolved once the world is built (`edge::pool_configs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServerSizing {
    /// This many servers, 1 to 100,000.
    Fixed(u32),
    /// Servers per 1,000 rps of demand, at least `min` and at most `max`.
    PerDemand {
        /// Servers per 1,000 requests per second (finite, above 0).
        per_krps: f64,
        /// Fewest servers, 1 to 100,000 [4, the seed's minimum].
        min: u32,
        /// Most servers, `min` to 100,000 [100,000].
        max: u32,
    },
}

impl ServerSizing {
    /// The servers of a PoP whose demand is `demand_rps` requests per
    /// second: the fixed number, or `per_krps x demand_rps / 1000` rounded
    /// up (a product within 1e-9 of a whole number counts as that number,
    /// so float noise never adds a server), then clamped to `[min, max]`.
    pub fn servers_for(self, demand_rps: f64) -> u32 {
        match self {
            ServerSizing::Fixed(n) => n,
            ServerSizing::PerDemand { per_krps, min, max } => {
                let want = per_krps * demand_rps.max(0.0) / 1000.0;
                let whole = if (want - want.round()).abs() < 1e-9 { want.round() } else { want.ceil() };
                // In range after the clamp, so the cast is exact.
                whole.clamp(f64::from(min), f64::from(max)) as u32
            }
        }
    }
}

/// The keys of `servers = { ... }`, read before the checks of [`ServerSizing`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PerDemandFields {
    per_krps: ServersPerKrps,
    min: Option<Count<1, MAX_POOL_SERVERS>>,
    max: Option<Count<1, MAX_POOL_SERVERS>>,
}

impl<'de> Deserialize<'de> for ServerSizing {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ServerSizing;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(SIZING_HELP)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ServerSizing, E> {
                if (1..=i64::from(MAX_POOL_SERVERS)).contains(&v) {
                    Ok(ServerSizing::Fixed(v as u32))
                } else {
                    Err(E::custom(format!("got {v}; expected {SIZING_HELP}")))
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ServerSizing, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ServerSizing, E> {
                Err(E::custom(format!("got {}; expected {SIZING_HELP}", number(v))))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<ServerSizing, A::Error> {
                let f = PerDemandFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let min = f.min.map_or(MIN_POOL_SERVERS, Count::get);
                let max = f.max.map_or(MAX_POOL_SERVERS, Count::get);
                if min > max {
                    return Err(de::Error::custom(format!(
                        "min = {min} is above max = {max}; expected min <= max (defaults: min {MIN_POOL_SERVERS}, \
                         max {MAX_POOL_SERVERS})"
                    )));
                }
                Ok(ServerSizing::PerDemand { per_krps: f.per_krps.get(), min, max })
            }
        }
        d.deserialize_any(V)
    }
}

impl Fraction {
    /// The number.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl From<Fraction> for f64 {
    fn from(v: Fraction) -> f64 {
        v.0
    }
}

/// A degradation level, 0 to 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Level(u8);

impl Level {
    /// The level.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl From<Level> for f64 {
    fn from(v: Level) -> f64 {
        f64::from(v.0)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Level> for u8 {
    fn from(v: Level) -> u8 {
        v.0
    }
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = Count::<0, 4>::deserialize(d)?;
        Ok(Level(n.get() as u8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        let ns = |s| parse_duration(s).map(|d| d.as_nanos());
        assert_eq!(ns("250ms"), Ok(250_000_000));
        assert_eq!(ns("5s"), Ok(5_000_000_000));
        assert_eq!(ns("1.5m"), Ok(90_000_000_000));
        assert_eq!(ns("1h"), Ok(3_600_000_000_000));
        assert_eq!(ns("30d"), Ok(30 * 86_400_000_000_000));
        assert_eq!(ns("100us"), Ok(100_000));
        assert_eq!(ns("7ns"), Ok(7));
        assert_eq!(ns("0s"), Ok(0));
        assert_eq!(ns("1_000ms"), Ok(1_000_000_000));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in ["5", "5 parsecs", "-5s", "s", "", "1e400s", "five s"] {
            let err = parse_duration(bad).expect_err(bad);
            assert!(err.contains("got"), "{bad}: {err}");
        }
        assert!(parse_duration("-5s").unwrap_err().contains("negative"));
        assert!(parse_duration("3 fortnights").unwrap_err().contains("unknown unit"));
    }

    /// Reads `v = <text>` into `T`, or the error's message.
    fn read<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
        #[derive(Deserialize)]
        struct W<T> {
            v: T,
        }
        toml::from_str::<W<T>>(&format!("v = {text}")).map(|w| w.v).map_err(|e| e.message().to_string())
    }

    #[test]
    fn counts_hold_their_range_and_nothing_else() {
        assert_eq!(read::<Count<1, 10>>("1").map(Count::get), Ok(1));
        assert_eq!(read::<Count<1, 10>>("10").map(Count::get), Ok(10));
        for bad in ["0", "11", "-1", "4294967295", "18446744073709551615", "1.5", "nan", "\"3\""] {
            let err = read::<Count<1, 10>>(bad).expect_err(bad);
            assert!(err.contains("a whole number from 1 to 10"), "{bad}: {err}");
        }
    }

    #[test]
    fn reals_reject_nan_infinities_and_values_out_of_range() {
        assert_eq!(read::<Rate>("1e8").map(Rate::get), Ok(1e8));
        assert_eq!(read::<Rate>("5").map(Rate::get), Ok(5.0));
        assert_eq!(read::<RateOrZero>("0").map(RateOrZero::get), Ok(0.0));
        for bad in ["0", "-1", "nan", "inf", "-inf", "1e308", "100000001"] {
            let err = read::<Rate>(bad).expect_err(bad);
            assert!(err.contains("expected a rate, above 0 and at most 1e8"), "{bad}: {err}");
        }
        assert!(read::<Latitude>("-90").is_ok() && read::<Latitude>("-90.5").is_err());
        assert!(read::<Percentile>("100").is_ok() && read::<Percentile>("0").is_err());
        assert!(read::<Speed>("0.5").is_err() && read::<Inflation>("0.9").is_err());
    }

    #[test]
    fn bounded_durations_reject_what_is_too_short_or_too_long() {
        assert_eq!(read::<Period>("\"1ms\"").map(|p| p.as_nanos()), Ok(NS_PER_MS));
        let err = read::<Period>("\"999us\"").unwrap_err();
        assert!(err.contains("at least 1ms"), "{err}");
        let err = read::<PositiveDuration>("\"0s\"").unwrap_err();
        assert!(err.contains("a duration above 0"), "{err}");
        assert_eq!(read::<Duration>("\"365d\"").map(|d| d.as_nanos()), Ok(MAX_DURATION_NS));
        assert!(read::<Duration>("\"366d\"").is_err());
        assert_eq!(read::<Duration>("\"8760h\"").map(|d| d.as_nanos()), Ok(MAX_DURATION_NS));
        let err = read::<Duration>("\"8761h\"").unwrap_err();
        assert!(err.contains("at most 365 days"), "{err}");
    }

    #[test]
    fn server_sizing_reads_a_number_or_a_table() {
        assert_eq!(read::<ServerSizing>("16"), Ok(ServerSizing::Fixed(16)));
        assert_eq!(
            read::<ServerSizing>("{ per_krps = 2.5 }"),
            Ok(ServerSizing::PerDemand { per_krps: 2.5, min: MIN_POOL_SERVERS, max: MAX_POOL_SERVERS })
        );
        assert_eq!(
            read::<ServerSizing>("{ per_krps = 1, min = 2, max = 2 }"),
            Ok(ServerSizing::PerDemand { per_krps: 1.0, min: 2, max: 2 })
        );
        let bad = [
            ("0", "got 0; expected a whole number from 1 to 100000, or a table"),
            ("100001", "got 100001"),
            ("2.5", "got 2.5"),
            ("\"16\"", "invalid type: string \"16\", expected a whole number from 1 to 100000, or a table"),
            ("{ per_krps = 0 }", "expected servers per 1000 requests per second, above 0"),
            ("{ per_krps = -1 }", "got -1"),
            ("{ per_krps = nan }", "got NaN"),
            ("{ per_krps = inf }", "got inf"),
            ("{ min = 4 }", "missing field `per_krps`"),
            ("{ per_krps = 1, min = 0 }", "a whole number from 1 to 100000"),
            ("{ per_krps = 1, max = 100001 }", "got 100001"),
            ("{ per_krps = 1, min = 10, max = 5 }", "min = 10 is above max = 5"),
            ("{ per_krps = 1, max = 3 }", "min = 4 is above max = 3"),
            ("{ per_krps = 1, mx = 3 }", "unknown field `mx`"),
        ];
        for (text, needle) in bad {
            let err = read::<ServerSizing>(text).expect_err(text);
            assert!(err.contains(needle), "{text}: `{err}` lacks `{needle}`");
        }
    }

    #[test]
    fn server_sizing_rounds_up_and_clamps() {
        let per = |per_krps, min, max| ServerSizing::PerDemand { per_krps, min, max };
        assert_eq!(ServerSizing::Fixed(7).servers_for(1e6), 7);
        // 2.5 x 4.1 = 10.25 -> 11; 2.5 x 4 = 10 exactly -> 10.
        assert_eq!(per(2.5, 1, 1000).servers_for(4100.0), 11);
        assert_eq!(per(2.5, 1, 1000).servers_for(4000.0), 10);
        // 0.1 x 30 = 3.0000000000000004 in floats: still 3.
        assert_eq!(per(0.1, 1, 1000).servers_for(30_000.0), 3);
        assert_eq!(per(2.5, 4, 1000).servers_for(0.0), 4);
        assert_eq!(per(2.5, 4, 1000).servers_for(1e6), 1000);
        assert_eq!(per(2.5, 4, 1000).servers_for(-5.0), 4);
    }

    #[test]
    fn levels_go_from_0_to_4() {
        assert_eq!(read::<Level>("4").map(Level::get), Ok(4));
        assert!(read::<Level>("5").is_err() && read::<Level>("-1").is_err());
    }
}
