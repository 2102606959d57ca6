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

    /// The squared coefficient of variation (variance over squared mean,
    /// dimensionless): 0 constant, 1 exponential, `exp(sigma^2) - 1`
    /// lognormal, `(b - a)^2 / (3 (a + b)^2)` uniform; 0 for a zero mean.
    pub fn scv(&self) -> f64 {
        match *self {
            DurationDist::Constant { .. } => 0.0,
            DurationDist::Exponential { .. } => 1.0,
            DurationDist::Lognormal { sigma, .. } => (sigma * sigma).exp_m1(),
            DurationDist::Uniform { min_ns, max_ns } => {
                let (a, b) = (min_ns as f64, max_ns as f64);
                if a + b > 0.0 {
                    (b - a).powi(2) / (3.0 * (a + b).powi(2))
                } else {
                    0.0
                }
            }
        }
    }

    /// The `p`-quantile in nanoseconds, `p` clamped to `[0, 1)`: the value
    /// below which a share `p` of draws falls.
    pub fn quantile_ns(&self, p: f64) -> f64 {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0 - 1e-12) };
        match *self {
            DurationDist::Constant { ns } => ns as f64,
            DurationDist::Exponential { mean_ns } => -mean_ns * (-p).ln_1p(),
            DurationDist::Lognormal { mu, sigma } => (mu + sigma * normal_quantile(p)).exp(),
            DurationDist::Uniform { min_ns, max_ns } => min_ns as f64 + p * (max_ns as f64 - min_ns as f64),
        }
    }
}

/// The standard normal's `p`-quantile, `p` in (0, 1) (`-inf`/`+inf` at the
/// ends): Acklam's rational approximation, relative error below 1.2e-9.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    const LOW: f64 = 0.024_25;
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
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

    #[test]
    fn quantiles_invert_the_distributions() {
        // Known normal quantiles (tables): 97.5% = 1.959964, 99% = Z_99, 0.1% = -3.090232.
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
        assert!((normal_quantile(0.99) - Z_99).abs() < 1e-8);
        assert!((normal_quantile(0.001) + 3.090_232_306).abs() < 1e-8);
        assert_eq!(normal_quantile(0.5), 0.0);
        let d = DurationDist::lognormal_from_p50_p99(SimDuration(4_000_000), SimDuration(20_000_000));
        assert!((d.quantile_ns(0.5) / 4e6 - 1.0).abs() < 1e-9);
        assert!((d.quantile_ns(0.99) / 2e7 - 1.0).abs() < 1e-8);
        let e = DurationDist::Exponential { mean_ns: 1e6 };
        assert!((e.quantile_ns(0.5) - 1e6 * std::f64::consts::LN_2).abs() < 1e-3);
        let u = DurationDist::Uniform { min_ns: 1_000, max_ns: 3_000 };
        assert_eq!(u.quantile_ns(0.25), 1_500.0);
    }

    #[test]
    fn scv_matches_sampled_variance() {
        let mut rng = stream(5, "scv");
        for d in [
            DurationDist::lognormal_from_p50_p99(SimDuration(2_000_000), SimDuration(15_000_000)),
            DurationDist::Uniform { min_ns: 1_000, max_ns: 9_000 },
            DurationDist::Exponential { mean_ns: 3e6 },
        ] {
            let xs: Vec<f64> = (0..400_000).map(|_| d.sample(&mut rng).as_nanos() as f64).collect();
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64;
            let scv = v / (m * m);
            assert!((scv / d.scv() - 1.0).abs() < 0.05, "{d:?}: sampled scv {scv} vs {}", d.scv());
        }
        assert_eq!(DurationDist::Constant { ns: 5 }.scv(), 0.0);
    }
}
