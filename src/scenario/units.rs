//! Quantities with units as scenario files write them: durations such as
//! `"250ms"`, `"5s"`, `"1.5m"`, `"1h"`, and fractions in `[0, 1]`.

use crate::engine::time::{NS_PER_MS, NS_PER_S, NS_PER_US};
use crate::engine::SimDuration;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// What a duration must look like, quoted in error messages.
pub const DURATION_HELP: &str =
    "a duration string: a number and a unit among ns, us, ms, s, m, h (e.g. \"250ms\", \"5s\", \"1.5m\")";

/// A duration read from a scenario file (non-negative, nanosecond resolution).
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
                parse_duration(s).map(Duration).map_err(E::custom)
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
}
