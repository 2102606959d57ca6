//! Laws of a time to failure or to repair ([`Lifetime`]): exponential,
//! Weibull and lognormal, each with its closed-form mean, sampled from a
//! named stream through `rand_distr` and rounded to the nanosecond (at
//! least 1 ns, so an outage always lasts). The Weibull mean needs the Gamma
//! function: [`ln_gamma`] is Lanczos' approximation with Godfrey's
//! coefficients (g = 7, nine terms; the set Wikipedia's "Lanczos
//! approximation" lists), accurate to about 1e-15 relative for x > 0.

use crate::engine::rng::Stream;
use crate::engine::SimDuration;
use crate::scenario::schema::LifetimeSpec;
use rand_distr::{Distribution, Exp, LogNormal, Weibull};

/// A law of a duration, parameters in seconds. Built only through the
/// constructors, which take positive finite parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lifetime {
    /// Exponential: memoryless; `rate` per second.
    Exponential {
        /// Failures (or repairs) per second: 1 / mean.
        rate: f64,
    },
    /// Weibull: P(T > t) = exp(-(t / scale)^shape).
    Weibull {
        /// Shape k (1: exponential; above 1: wear-out).
        shape: f64,
        /// Scale λ, seconds (the 63rd percentile).
        scale: f64,
    },
    /// Lognormal: ln T is normal with mean `mu` and deviation `sigma`.
    Lognormal {
        /// Mean of ln T, T in seconds (ln of the median).
        mu: f64,
        /// Standard deviation of ln T.
        sigma: f64,
    },
}

impl Lifetime {
    /// Exponential with this mean (MTBF or MTTR); a zero mean counts as 1 ns.
    pub fn exponential(mean: SimDuration) -> Lifetime {
        Lifetime::Exponential { rate: 1.0 / secs(mean) }
    }

    /// Weibull with this shape and this scale.
    pub fn weibull_scale(shape: f64, scale: SimDuration) -> Lifetime {
        Lifetime::Weibull { shape, scale: secs(scale) }
    }

    /// Weibull with this shape and this mean: scale = mean / Γ(1 + 1/shape).
    pub fn weibull_mean(shape: f64, mean: SimDuration) -> Lifetime {
        Lifetime::Weibull { shape, scale: secs(mean) / ln_gamma(1.0 + 1.0 / shape).exp() }
    }

    /// Lognormal with this median and this deviation of its logarithm.
    pub fn lognormal_median(median: SimDuration, sigma: f64) -> Lifetime {
        Lifetime::Lognormal { mu: secs(median).ln(), sigma }
    }

    /// Lognormal with this mean and this deviation of its logarithm:
    /// mu = ln(mean) - sigma² / 2.
    pub fn lognormal_mean(mean: SimDuration, sigma: f64) -> Lifetime {
        Lifetime::Lognormal { mu: secs(mean).ln() - sigma * sigma / 2.0, sigma }
    }

    /// The law a file's table describes.
    pub fn from_spec(spec: &LifetimeSpec) -> Lifetime {
        match *spec {
            LifetimeSpec::Exponential { mean } => Lifetime::exponential(mean.sim()),
            LifetimeSpec::WeibullScale { shape, scale } => Lifetime::weibull_scale(shape.get(), scale.sim()),
            LifetimeSpec::WeibullMean { shape, mean } => Lifetime::weibull_mean(shape.get(), mean.sim()),
            LifetimeSpec::LognormalMedian { median, sigma } => Lifetime::lognormal_median(median.sim(), sigma.get()),
            LifetimeSpec::LognormalMean { mean, sigma } => Lifetime::lognormal_mean(mean.sim(), sigma.get()),
        }
    }

    /// The closed-form mean, seconds: 1/rate; scale·Γ(1 + 1/shape);
    /// exp(mu + sigma²/2).
    pub fn mean_secs(&self) -> f64 {
        match *self {
            Lifetime::Exponential { rate } => 1.0 / rate,
            Lifetime::Weibull { shape, scale } => scale * ln_gamma(1.0 + 1.0 / shape).exp(),
            Lifetime::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
        }
    }

    /// The closed-form variance, seconds²: 1/rate²; scale²·(Γ(1 + 2/k) -
    /// Γ(1 + 1/k)²); (exp(sigma²) - 1)·exp(2 mu + sigma²).
    pub fn variance_secs2(&self) -> f64 {
        match *self {
            Lifetime::Exponential { rate } => 1.0 / (rate * rate),
            Lifetime::Weibull { shape, scale } => {
                let g1 = ln_gamma(1.0 + 1.0 / shape).exp();
                let g2 = ln_gamma(1.0 + 2.0 / shape).exp();
                scale * scale * (g2 - g1 * g1)
            }
            Lifetime::Lognormal { mu, sigma } => (sigma * sigma).exp_m1() * (2.0 * mu + sigma * sigma).exp(),
        }
    }

    /// One draw, rounded to the nanosecond, at least 1 ns.
    pub fn sample(&self, rng: &mut Stream) -> SimDuration {
        let s = match *self {
            Lifetime::Exponential { rate } => Exp::new(rate).map_or(0.0, |d| d.sample(rng)),
            Lifetime::Weibull { shape, scale } => Weibull::new(scale, shape).map_or(0.0, |d| d.sample(rng)),
            Lifetime::Lognormal { mu, sigma } => LogNormal::new(mu, sigma).map_or(0.0, |d| d.sample(rng)),
        };
        SimDuration::from_secs_f64(s).max(SimDuration::from_nanos(1))
    }
}

/// A duration in seconds, at least 1 ns (a zero parameter would divide by zero).
fn secs(d: SimDuration) -> f64 {
    d.max(SimDuration::from_nanos(1)).as_secs_f64()
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; reflection below 0.5).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Γ(x) Γ(1 - x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + G + 0.5;
    let sum = C[1..].iter().enumerate().fold(C[0], |acc, (i, c)| acc + c / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng;

    #[test]
    fn ln_gamma_matches_factorials_and_half_integers() {
        // Γ(n) = (n - 1)!; Γ(1/2) = √π; Γ(3/2) = √π / 2.
        let mut fact = 1.0f64;
        for n in 1..20 {
            assert!((ln_gamma(n as f64) - fact.ln()).abs() < 1e-12 * fact.ln().max(1.0), "n = {n}");
            fact *= n as f64;
        }
        let sqrt_pi = std::f64::consts::PI.sqrt();
        assert!((ln_gamma(0.5).exp() - sqrt_pi).abs() < 1e-13);
        assert!((ln_gamma(1.5).exp() - sqrt_pi / 2.0).abs() < 1e-13);
        assert!((ln_gamma(0.1).exp() - 9.513_507_698_668_732).abs() < 1e-11);
    }

    #[test]
    fn constructors_give_their_means() {
        let h = SimDuration::from_secs(3600);
        assert!((Lifetime::exponential(h).mean_secs() - 3600.0).abs() < 1e-9);
        assert!((Lifetime::weibull_mean(1.5, h).mean_secs() - 3600.0).abs() < 1e-9);
        assert!((Lifetime::lognormal_mean(h, 1.2).mean_secs() - 3600.0).abs() < 1e-9);
        // Weibull with shape 1 is the exponential of mean = scale.
        assert!((Lifetime::weibull_scale(1.0, h).mean_secs() - 3600.0).abs() < 1e-9);
        // Weibull shape 2: mean = scale·√π/2.
        let w = Lifetime::weibull_scale(2.0, h).mean_secs();
        assert!((w - 3600.0 * std::f64::consts::PI.sqrt() / 2.0).abs() < 1e-9);
        // Lognormal's median is exp(mu).
        let Lifetime::Lognormal { mu, .. } = Lifetime::lognormal_median(h, 0.7) else { panic!() };
        assert!((mu.exp() - 3600.0).abs() < 1e-9);
    }

    /// The sample mean of `n` draws lies within 4 standard errors of the
    /// closed form (the standard error from the law's own variance: a
    /// wrong mean or a wrong unit fails by far more).
    fn check_mean(law: Lifetime, n: usize, name: &str) {
        let mut s = rng::stream(3, name);
        let sum: f64 = (0..n).map(|_| law.sample(&mut s).as_secs_f64()).sum();
        let mean = sum / n as f64;
        let se = (law.variance_secs2() / n as f64).sqrt();
        assert!((mean - law.mean_secs()).abs() < 4.0 * se, "{name}: {mean} vs {} (se {se})", law.mean_secs());
    }

    #[test]
    fn samples_have_their_closed_form_means() {
        let m = SimDuration::from_secs(900);
        check_mean(Lifetime::exponential(m), 20_000, "exp");
        check_mean(Lifetime::weibull_mean(0.7, m), 20_000, "weibull-0.7");
        check_mean(Lifetime::weibull_mean(3.0, m), 20_000, "weibull-3");
        check_mean(Lifetime::lognormal_median(m, 0.8), 20_000, "lognormal");
    }
}
