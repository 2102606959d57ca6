//! Distributions of durations, sampled to integer nanoseconds.

use crate::rng::Stream;
use crate::time::SimDuration;
use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};

/// A distribution of non-negative durations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DurationDist {
    /// Always `ns` nanoseconds.
    Constant {
        /// The value, ns.
        ns: u64,
    },
    /// Exponential with mean `mean_ns` nanoseconds.
    Exponential {
        /// Mean, ns.
        mean_ns: f64,
    },
    /// exp(N(mu, sigma^2)) nanoseconds.
    Lognormal {
        /// Mean of the underlying normal, ln(ns).
        mu: f64,
        /// Standard deviation of the underlying normal.
        sigma: f64,
    },
    /// Uniform on `[min_ns, max_ns]`.
    Uniform {
        /// Smallest value, ns.
        min_ns: u64,
        /// Largest value, ns.
        max_ns: u64,
    },
}

/// The 99th percentile of the standard normal distribution.
pub const Z_99: f64 = 2.326_347_874_040_841;

impl DurationDist {
    /// A lognormal with the given median and 99th percentile (p99 > p50 > 0).
    pub fn lognormal_from_p50_p99(p50: SimDuration, p99: SimDuration) -> Self {
        let mu = (p50.as_nanos() as f64).ln();
        let sigma = ((p99.as_nanos() as f64).ln() - mu) / Z_99;
        DurationDist::Lognormal { mu, sigma }
    }

    /// Draws one duration.
    #[inline]
    pub fn sample(&self, rng: &mut Stream) -> SimDuration {
        match *self {
            DurationDist::Constant { ns } => SimDuration(ns),
            DurationDist::Exponential { mean_ns } => {
                let e: f64 = Exp1.sample(rng);
                SimDuration((e * mean_ns).round() as u64)
            }
            DurationDist::Lognormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                SimDuration((mu + sigma * z).exp().round().min(1e18) as u64)
            }
            DurationDist::Uniform { min_ns, max_ns } => SimDuration(rng.random_range(min_ns..=max_ns)),
        }
    }

    /// The mean, in nanoseconds.
    pub fn mean_ns(&self) -> f64 {
        match *self {
            DurationDist::Constant { ns } => ns as f64,
            DurationDist::Exponential { mean_ns } => mean_ns,
            DurationDist::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            DurationDist::Uniform { min_ns, max_ns } => (min_ns as f64 + max_ns as f64) / 2.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn sample_mean(d: DurationDist, n: usize) -> f64 {
        let mut rng = stream(3, "dist-test");
        (0..n).map(|_| d.sample(&mut rng).as_nanos() as f64).sum::<f64>() / n as f64
    }

    #[test]
    fn sample_means_match_the_formulas() {
        let n = 200_000;
        let cases = [
            DurationDist::Exponential { mean_ns: 5e6 },
            DurationDist::lognormal_from_p50_p99(SimDuration(4_000_000), SimDuration(20_000_000)),
            DurationDist::Uniform { min_ns: 1_000, max_ns: 9_000 },
            DurationDist::Constant { ns: 77 },
        ];
        for d in cases {
            let m = sample_mean(d, n);
            let rel = (m - d.mean_ns()).abs() / d.mean_ns();
            assert!(rel < 0.01, "{d:?}: sample mean {m} vs {}", d.mean_ns());
        }
    }

    #[test]
    fn lognormal_hits_its_quantiles() {
        let d = DurationDist::lognormal_from_p50_p99(SimDuration(4_000_000), SimDuration(20_000_000));
        let mut rng = stream(9, "q");
        let mut xs: Vec<u64> = (0..100_000).map(|_| d.sample(&mut rng).as_nanos()).collect();
        xs.sort_unstable();
        let p50 = xs[50_000] as f64;
        let p99 = xs[99_000] as f64;
        assert!((p50 / 4e6 - 1.0).abs() < 0.02, "p50 {p50}");
        assert!((p99 / 2e7 - 1.0).abs() < 0.05, "p99 {p99}");
    }
}
