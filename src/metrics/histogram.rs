//! Latency histograms (HdrHistogram), recording microseconds up to
//! [`MAX_LATENCY_US`] (one hour) and reading back quantiles, means and
//! shares in milliseconds. Durations above the range are clamped to it.

use crate::engine::SimDuration;
use hdrhistogram::{Counter, Histogram};

/// Longest latency a histogram tells apart: one hour, in microseconds.
pub const MAX_LATENCY_US: u64 = 3_600_000_000;

/// A latency histogram with microsecond resolution up to one hour;
/// `sigfig` significant decimal digits (2 or 3). Counts are `u64` by
/// default; time-series buckets use `u32` to halve their memory.
#[derive(Debug, Clone)]
pub struct LatencyHistogram<T: Counter = u64> {
    h: Histogram<T>,
    sum_ns: u128,
    /// The fraction of a count [`Self::record_volume`] owes the next call.
    carry: f64,
}

impl<T: Counter> LatencyHistogram<T> {
    /// An empty histogram keeping `sigfig` significant digits (1 to 5).
    pub fn new(sigfig: u8) -> Self {
        let h = Histogram::new_with_bounds(1, MAX_LATENCY_US, sigfig.clamp(1, 5))
            .unwrap_or_else(|_| unreachable!("constant bounds are valid"));
        LatencyHistogram { h, sum_ns: 0, carry: 0.0 }
    }

    /// Records one latency, in whole microseconds (up to 1 h; longer ones count as 1 h).
    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        let us = (d.as_nanos() / 1_000).min(MAX_LATENCY_US);
        self.h.saturating_record(us);
        self.sum_ns += d.as_nanos() as u128;
    }

    /// Records `volume` (>= 0, fractional) requests of latency `d` (flow
    /// fidelity). Counts are whole: the fraction is carried into the next
    /// call (error diffusion), so the total counted stays within one of the
    /// total volume and no small share is lost to rounding.
    #[inline]
    pub fn record_volume(&mut self, d: SimDuration, volume: f64) {
        if volume.is_nan() || volume <= 0.0 {
            return;
        }
        let due = self.carry + volume;
        // Truncation is the floor of a positive number (saturating above u64).
        let n = due as u64;
        self.carry = due - n as f64;
        if n >= 1 {
            let us = (d.as_nanos() / 1_000).min(MAX_LATENCY_US);
            let count = T::from_u64(n).or_else(|| T::from_u32(u32::MAX));
            if let Some(count) = count {
                self.h.saturating_record_n(us, count);
            }
            self.sum_ns += u128::from(d.as_nanos()) * u128::from(n);
        }
    }

    /// Recorded values.
    pub fn count(&self) -> u64 {
        self.h.len()
    }

    /// The value at quantile `q` in [0, 1], in milliseconds (0 when empty).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.h.is_empty() {
            return 0.0;
        }
        self.h.value_at_quantile(q) as f64 / 1e3
    }

    /// The exact mean of what was recorded, in milliseconds (0 when empty).
    pub fn mean_ms(&self) -> f64 {
        if self.h.is_empty() {
            return 0.0;
        }
        self.sum_ns as f64 / self.h.len() as f64 / 1e6
    }

    /// The share of recorded values above `ms` milliseconds.
    pub fn share_above_ms(&self, ms: f64) -> f64 {
        if self.h.is_empty() {
            return 0.0;
        }
        let us = (ms * 1e3) as u64;
        let at_most = self
            .h
            .iter_recorded()
            .filter(|v| v.value_iterated_to() <= us)
            .map(|v| v.count_at_value().as_u64())
            .sum::<u64>();
        1.0 - at_most as f64 / self.h.len() as f64
    }

    /// The largest recorded value, in milliseconds.
    pub fn max_ms(&self) -> f64 {
        self.h.max() as f64 / 1e3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_a_uniform_ramp() {
        let mut h: LatencyHistogram = LatencyHistogram::new(3);
        for ms in 1..=1000u64 {
            h.record(SimDuration::from_millis(ms));
        }
        assert_eq!(h.count(), 1000);
        assert!((h.quantile_ms(0.5) - 500.0).abs() <= 0.5, "{}", h.quantile_ms(0.5));
        assert!((h.quantile_ms(0.99) - 990.0).abs() <= 1.0);
        assert!((h.mean_ms() - 500.5).abs() < 1e-9);
    }

    #[test]
    fn volumes_add_up_to_whole_counts_without_losing_small_shares() {
        let mut h: LatencyHistogram = LatencyHistogram::new(3);
        // 1,000 calls of 0.3 requests at 1 ms and 0.001 at 100 ms: 300 and 1.
        for _ in 0..1000 {
            h.record_volume(SimDuration::from_millis(1), 0.3);
            h.record_volume(SimDuration::from_millis(100), 0.001);
        }
        let total = h.count();
        assert!((300..=301).contains(&total), "{total} counted of 301");
        assert!(h.max_ms() >= 99.0, "the small share was recorded: max {}", h.max_ms());
        h.record_volume(SimDuration::from_millis(1), f64::NAN);
        h.record_volume(SimDuration::from_millis(1), -3.0);
        assert_eq!(h.count(), total);
    }

    #[test]
    fn out_of_range_values_are_clamped_not_lost() {
        let mut h: LatencyHistogram<u32> = LatencyHistogram::new(2);
        h.record(SimDuration(10));
        h.record(SimDuration::from_secs(10_000));
        assert_eq!(h.count(), 2);
    }
}
