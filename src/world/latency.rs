//! One-way network latency between a client site and a PoP.
//!
//! latency = great-circle km / `km_per_ms` x `route_inflation` + `last_mile`
//! + a draw of `jitter`.

use crate::engine::dist::DurationDist;
use crate::engine::rng::Stream;
use crate::engine::SimDuration;

/// The latency model of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyModel {
    /// Signal speed in fibre, km per ms.
    pub km_per_ms: f64,
    /// Route length over great-circle distance (>= 1).
    pub route_inflation: f64,
    /// Access-network delay added to every one-way trip.
    pub last_mile: SimDuration,
    /// Random extra delay per one-way trip, if any.
    pub jitter: Option<DurationDist>,
}

impl LatencyModel {
    /// The fixed part of a one-way trip over `km` of great circle.
    pub fn base_one_way(&self, km: f64) -> SimDuration {
        let ms = km / self.km_per_ms * self.route_inflation;
        SimDuration::from_secs_f64(ms / 1e3) + self.last_mile
    }

    /// One draw of jitter (zero without a jitter distribution).
    #[inline]
    pub fn jitter(&self, rng: &mut Stream) -> SimDuration {
        match &self.jitter {
            Some(d) => d.sample(rng),
            None => SimDuration::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_latency_is_distance_over_speed_times_inflation_plus_last_mile() {
        let m = LatencyModel {
            km_per_ms: 200.0,
            route_inflation: 1.5,
            last_mile: SimDuration::from_millis(2),
            jitter: None,
        };
        // 1,000 km at 200 km/ms is 5 ms, inflated to 7.5 ms, plus 2 ms.
        assert_eq!(m.base_one_way(1000.0), SimDuration::from_secs_f64(0.0095));
        assert_eq!(m.base_one_way(0.0), SimDuration::from_millis(2));
    }
}
