//! Retry policies, as in the seed's table: immediate or with listed waits,
//! optionally jittered and held to a budget.

use crate::engine::rng::Stream;
use crate::engine::SimDuration;
use crate::scenario::schema::{Jitter, RetrySpec};
use rand::Rng;

/// Waits before each retry (as many retries as waits), their jitter, and
/// an optional budget.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    waits: Vec<SimDuration>,
    jitter: Jitter,
    /// Retries allowed per first attempt, over time (a token bucket).
    pub budget: Option<f64>,
}

impl RetryPolicy {
    /// No retry at all.
    pub fn none() -> Self {
        RetryPolicy { waits: Vec::new(), jitter: Jitter::None, budget: None }
    }

    /// The policy a scenario's retry table describes.
    pub fn from_spec(spec: &RetrySpec) -> Self {
        match spec {
            RetrySpec::None => Self::none(),
            RetrySpec::Immediate { retries, budget } => RetryPolicy {
                waits: vec![SimDuration::ZERO; *retries as usize],
                jitter: Jitter::None,
                budget: budget.map(|b| b.0),
            },
            RetrySpec::Exponential { backoff, jitter, budget } => RetryPolicy {
                waits: backoff.iter().map(|d| d.sim()).collect(),
                jitter: *jitter,
                budget: budget.map(|b| b.0),
            },
        }
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.waits.len() as u32
    }

    /// The listed wait before the next attempt, after `attempts` attempts
    /// have failed; `None` when the policy gives up.
    #[inline]
    pub fn wait_after(&self, attempts: u32) -> Option<SimDuration> {
        self.waits.get(attempts.checked_sub(1)? as usize).copied()
    }

    /// The wait before attempt `attempts + 1` with the policy's jitter:
    /// full, a uniform draw in [0, w]; equal, w/2 plus a uniform draw in
    /// [0, w/2] (w the listed wait, both drawn from `rng`); decorrelated,
    /// the `attempts`-th sleep of the request's own chain (see
    /// [`decorrelated_sleeps`]), which `key` names: every retry of one
    /// request passes the same key, so each sleep follows the one the
    /// request actually slept before it. `None` when the policy gives up.
    pub fn jittered_wait_after(&self, attempts: u32, key: u64, rng: &mut Stream) -> Option<SimDuration> {
        let w = self.wait_after(attempts)?.as_nanos();
        Some(SimDuration(match self.jitter {
            Jitter::None => w,
            Jitter::Full => between(rng, 0, w),
            Jitter::Equal => w / 2 + between(rng, 0, w - w / 2),
            Jitter::Decorrelated => {
                let base = self.waits.first().map_or(0, |d| d.as_nanos());
                let cap = self.waits.last().map_or(0, |d| d.as_nanos());
                let mut chain = crate::engine::rng::stream(key, "retry/decorrelated");
                let nth = decorrelated_sleeps(base, cap, &mut chain).nth(attempts as usize - 1);
                nth.unwrap_or(base)
            }
        }))
    }
}

/// A uniform draw in [lo, hi] ns (`lo` when `hi <= lo`).
fn between(rng: &mut Stream, lo: u64, hi: u64) -> u64 {
    if hi > lo {
        rng.random_range(lo..=hi)
    } else {
        lo
    }
}

/// The sleeps of decorrelated jitter, ns, as published (M. Brooker,
/// "Exponential Backoff And Jitter", AWS Architecture Blog, 2015):
/// `sleep = min(cap, random_between(base, sleep * 3))`, the first from
/// `sleep = base`. Each lies in [base, min(cap, 3 x the previous sleep)];
/// `cap` below `base` counts as `base`.
pub fn decorrelated_sleeps(base: u64, cap: u64, rng: &mut Stream) -> impl Iterator<Item = u64> + '_ {
    let cap = cap.max(base);
    let mut sleep = base;
    std::iter::repeat_with(move || {
        sleep = between(rng, base, sleep.saturating_mul(3)).min(cap);
        sleep
    })
}

/// A retry budget: each first attempt earns `ratio` of a retry, each retry
/// spends one; at most `cap` saved up. Counted in millionths of a retry, so
/// that ten tenths make exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBudget {
    ratio: u64,
    tokens: u64,
    cap: u64,
}

/// Millionths of a retry.
const UNIT: f64 = 1e6;

impl RetryBudget {
    /// A budget of `ratio` retries per first attempt, starting with `cap` saved.
    pub fn new(ratio: f64, cap: f64) -> Self {
        let cap = (cap * UNIT).round() as u64;
        RetryBudget { ratio: (ratio * UNIT).round() as u64, tokens: cap, cap }
    }

    /// A first attempt was made.
    pub fn earn(&mut self) {
        self.tokens = (self.tokens + self.ratio).min(self.cap);
    }

    /// May a retry be made? Spends one if so.
    pub fn spend(&mut self) -> bool {
        let one = UNIT as u64;
        if self.tokens >= one {
            self.tokens -= one;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    #[test]
    fn the_seeds_origin_fetch_policy() {
        let p = RetryPolicy::from_spec(&RetrySpec::default());
        assert_eq!(p.max_retries(), 3);
        assert_eq!(p.wait_after(1), Some(SimDuration::from_millis(100)));
        assert_eq!(p.wait_after(2), Some(SimDuration::from_millis(300)));
        assert_eq!(p.wait_after(3), Some(SimDuration::from_secs(1)));
        assert_eq!(p.wait_after(4), None);
        assert_eq!(RetryPolicy::none().wait_after(1), None);
        let imm = RetryPolicy::from_spec(&RetrySpec::Immediate { retries: 2, budget: None });
        assert_eq!((imm.wait_after(2), imm.wait_after(3)), (Some(SimDuration::ZERO), None));
    }

    fn policy(j: Jitter, waits_ms: &[u64]) -> RetryPolicy {
        let ms = |v: &u64| crate::scenario::units::Duration(SimDuration::from_millis(*v));
        RetryPolicy::from_spec(&RetrySpec::Exponential {
            backoff: waits_ms.iter().map(ms).collect(),
            jitter: j,
            budget: None,
        })
    }

    /// `n` draws of the wait after 2 failed attempts (listed wait 300 ms).
    fn jittered(j: Jitter, n: u64) -> Vec<f64> {
        let p = policy(j, &[100, 300, 1000]);
        let mut rng = stream(1, "jitter");
        (0..n).map(|key| p.jittered_wait_after(2, key, &mut rng).map_or(f64::NAN, |d| d.as_millis_f64())).collect()
    }

    fn mean(v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / v.len() as f64
    }

    #[test]
    fn full_and_equal_jitter_keep_their_definitions() {
        // Full: uniform on [0, w], mean w / 2, sd w / sqrt 12. Equal: w / 2 +
        // uniform on [0, w / 2], mean 3 w / 4, sd w / (2 sqrt 12). Means
        // within 4 standard errors over n draws.
        let (w, n) = (300.0, 20_000);
        assert!(jittered(Jitter::None, 10).iter().all(|&d| d == w));
        let full = jittered(Jitter::Full, n);
        assert!(full.iter().all(|&d| (0.0..=w).contains(&d)));
        let se = w / 12f64.sqrt() / (n as f64).sqrt();
        assert!((mean(&full) - w / 2.0).abs() < 4.0 * se, "full: mean {}", mean(&full));
        let equal = jittered(Jitter::Equal, n);
        assert!(equal.iter().all(|&d| (w / 2.0..=w).contains(&d)));
        assert!((mean(&equal) - 0.75 * w).abs() < 4.0 * se / 2.0, "equal: mean {}", mean(&equal));
    }

    /// The sleeps of `keys` requests' decorrelated chains, ms, one row per
    /// request, one column per retry, read through the policy.
    fn chains(waits_ms: &[u64], keys: u64) -> Vec<Vec<f64>> {
        let p = policy(Jitter::Decorrelated, waits_ms);
        let mut rng = stream(1, "unused by decorrelated jitter");
        (0..keys)
            .map(|key| {
                (1..=p.max_retries())
                    .map(|a| p.jittered_wait_after(a, key, &mut rng).map_or(f64::NAN, |d| d.as_millis_f64()))
                    .collect()
            })
            .collect()
    }

    /// E[min(cap, U(base, 3 s))]: (base + 3 s) / 2 below the cap; above it
    /// the part of the uniform beyond the cap counts as the cap.
    fn expected_next(base: f64, cap: f64, s: f64) -> f64 {
        let hi = 3.0 * s;
        if hi <= cap {
            (base + hi) / 2.0
        } else {
            ((cap * cap - base * base) / 2.0 + cap * (hi - cap)) / (hi - base)
        }
    }

    #[test]
    fn decorrelated_sleeps_follow_the_previous_actual_sleep() {
        // base 100 ms, cap 5 s (the first and last listed waits).
        let waits = [100, 300, 1000, 2000, 3000, 5000];
        let (base, cap): (f64, f64) = (100.0, 5000.0);
        let rows = chains(&waits, 20_000);
        // Every sleep in [base, min(cap, 3 x the previous sleep)], the
        // first's previous being base.
        for row in &rows {
            let mut prev = base;
            for &s in row {
                assert!(s >= base && s <= cap.min(3.0 * prev) + 1e-6, "{s} after {prev}: {row:?}");
                prev = s;
            }
        }
        // The next sleep given this one: its mean is expected_next(s_n).
        // Residuals s_{n+1} - expected_next(s_n) average 0 in every third of
        // s_n's range, within 4 standard errors (the conditional sd is at
        // most (3 s_n - base) / sqrt 12).
        let pairs: Vec<(f64, f64)> = rows.iter().flat_map(|r| r.windows(2).map(|w| (w[0], w[1]))).collect();
        for (lo, hi) in [(base, 400.0), (400.0, 1500.0), (1500.0, cap + 1.0)] {
            let bin: Vec<&(f64, f64)> = pairs.iter().filter(|(s, _)| (lo..hi).contains(s)).collect();
            assert!(bin.len() > 1000, "{} pairs in [{lo}, {hi})", bin.len());
            let resid: Vec<f64> = bin.iter().map(|(s, t)| t - expected_next(base, cap, *s)).collect();
            let var: f64 = bin.iter().map(|(s, _)| (3.0 * s - base).powi(2) / 12.0).sum::<f64>() / bin.len() as f64;
            let se = (var / bin.len() as f64).sqrt();
            assert!(mean(&resid).abs() < 4.0 * se, "[{lo}, {hi}): mean residual {} ms, se {se}", mean(&resid));
        }
        // Hence consecutive sleeps are positively correlated.
        let (xs, ys): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
        let (mx, my) = (mean(&xs), mean(&ys));
        let cov = pairs.iter().map(|(x, y)| (x - mx) * (y - my)).sum::<f64>();
        let vx = xs.iter().map(|x| (x - mx).powi(2)).sum::<f64>();
        let vy = ys.iter().map(|y| (y - my).powi(2)).sum::<f64>();
        let corr = cov / (vx * vy).sqrt();
        assert!(corr > 0.3, "correlation of consecutive sleeps {corr}");
    }

    #[test]
    fn a_requests_decorrelated_chain_is_the_same_whenever_it_is_read() {
        let p = policy(Jitter::Decorrelated, &[100, 300, 1000]);
        let (mut a, mut b) = (stream(1, "a"), stream(2, "b"));
        for key in 0..100 {
            assert_eq!(p.jittered_wait_after(3, key, &mut a), p.jittered_wait_after(3, key, &mut b));
        }
        // Different requests, different chains.
        let firsts: std::collections::BTreeSet<_> = (0..100).map(|k| p.jittered_wait_after(1, k, &mut a)).collect();
        assert!(firsts.len() > 90);
    }

    #[test]
    fn a_budget_allows_its_ratio_of_retries() {
        let mut b = RetryBudget::new(0.1, 1.0);
        assert!(b.spend());
        let mut retried = 0;
        for _ in 0..1000 {
            b.earn();
            if b.spend() {
                retried += 1;
            }
        }
        assert_eq!(retried, 100);
    }
}
