//! The seed's per-request subrequest limit [50]: a request's worker makes a
//! Poisson number of subrequests (fetches, KV and Durable Object calls); a
//! subrequest attempt fails with a given share (a dependency in trouble)
//! and is retried up to a number of times; every attempt counts against
//! the limit, and the attempt past it throws: the request fails. Retries
//! thus push requests over the limit when a dependency fails ("prevent
//! amplification"). What a subrequest that fails all its retries does to
//! its request is the worker's business: only the limit is modelled, and
//! subrequests add no time.
//!
//! [`exceed_probability`] is the closed form the request level's draws
//! follow and the flow level applies.

use crate::engine::rng::Stream;
use rand::Rng;
use rand_distr::{Distribution, Poisson};

/// The subrequest model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubrequestConfig {
    /// Mean subrequests per request (Poisson).
    pub mean: f64,
    /// Attempts allowed per request.
    pub limit: u32,
    /// Share of attempts that fail.
    pub error_rate: f64,
    /// Retries of a failed subrequest.
    pub retries: u32,
}

impl SubrequestConfig {
    /// Draws one request's subrequest attempts, stopping once past the
    /// limit; true if the request went over it.
    pub fn exceeds(&self, rng: &mut Stream) -> bool {
        let count = match Poisson::new(self.mean) {
            Ok(p) if self.mean > 0.0 => p.sample(rng) as u64,
            _ => 0,
        };
        let mut attempts = 0u64;
        for _ in 0..count {
            attempts += 1;
            let mut retries = 0;
            while retries < self.retries && self.error_rate > 0.0 && rng.random::<f64>() < self.error_rate {
                retries += 1;
                attempts += 1;
            }
            if attempts > self.limit as u64 {
                return true;
            }
        }
        false
    }

    /// The probability that a request goes over the limit: P(sum of the
    /// attempts of N subrequests > limit), N Poisson(mean), each
    /// subrequest's attempts 1 + min(Geometric, retries) with failure
    /// share `error_rate`, by convolution up to the limit.
    pub fn exceed_probability(&self) -> f64 {
        exceed_probability(self.mean, self.limit, self.error_rate, self.retries)
    }
}

/// See [`SubrequestConfig::exceed_probability`].
pub fn exceed_probability(mean: f64, limit: u32, error_rate: f64, retries: u32) -> f64 {
    let l = limit as usize;
    // Attempts of one subrequest: k + 1 with probability q^k (1 - q) for
    // k < retries, and retries + 1 with probability q^retries.
    let mut one = vec![0.0; retries as usize + 2];
    for k in 0..=retries as usize {
        one[k + 1] = if k < retries as usize {
            error_rate.powi(k as i32) * (1.0 - error_rate)
        } else {
            error_rate.powi(k as i32)
        };
    }
    // P(total = t and t <= limit) summed over n, with the Poisson weights;
    // `conv` is the distribution of n subrequests' attempts, cut at the limit.
    let mut conv = vec![0.0; l + 1];
    conv[0] = 1.0;
    let mut within = 0.0;
    let mut weight = (-mean).exp();
    for n in 0..=l {
        within += weight * conv.iter().sum::<f64>();
        // n + 1 subrequests make at least n + 1 attempts: past the limit
        // once n + 1 > limit, so later terms add nothing below it.
        let mut next = vec![0.0; l + 1];
        for (t, &p) in conv.iter().enumerate() {
            if p == 0.0 {
                continue;
            }
            for (a, &q) in one.iter().enumerate().skip(1) {
                if t + a <= l {
                    next[t + a] += p * q;
                }
            }
        }
        conv = next;
        weight *= mean / (n + 1) as f64;
    }
    (1.0 - within).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    #[test]
    fn without_errors_it_is_the_poisson_tail() {
        // No retries: the attempts are the subrequests, P(N > 50).
        let mean: f64 = 40.0;
        let mut cdf = 0.0;
        let mut term = (-mean).exp();
        for n in 0..=50 {
            cdf += term;
            term *= mean / (n + 1) as f64;
        }
        assert!((exceed_probability(mean, 50, 0.0, 3) - (1.0 - cdf)).abs() < 1e-12);
        assert_eq!(exceed_probability(0.0, 50, 0.5, 3), 0.0);
    }

    #[test]
    fn one_subrequest_with_retries_by_hand() {
        // Limit 2 and exactly one subrequest is impossible to force with a
        // Poisson count; with mean tiny, P(exceed) ~ P(N = 1) P(A > 2) =
        // mean q^2 (A = 3 needs two failures), to first order.
        let (mean, q) = (1e-6, 0.3);
        let p = exceed_probability(mean, 2, q, 3);
        assert!((p / (mean * q * q) - 1.0).abs() < 1e-3, "{p}");
    }

    #[test]
    fn draws_follow_the_closed_form() {
        let cfg = SubrequestConfig { mean: 30.0, limit: 50, error_rate: 0.3, retries: 3 };
        let want = cfg.exceed_probability();
        assert!(want > 0.05 && want < 0.95, "a case in between: {want}");
        let mut rng = stream(3, "subrequests");
        let n = 20_000;
        let got = (0..n).filter(|_| cfg.exceeds(&mut rng)).count() as f64 / n as f64;
        let se = (want * (1.0 - want) / n as f64).sqrt();
        assert!((got - want).abs() < 4.0 * se, "{got} against {want}");
    }
}
