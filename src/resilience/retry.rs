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

    /// The wait with the policy's jitter drawn from `rng`; `previous` is the
    /// last wait actually used (for decorrelated jitter).
    pub fn jittered_wait_after(&self, attempts: u32, previous: SimDuration, rng: &mut Stream) -> Option<SimDuration> {
        let w = self.wait_after(attempts)?.as_nanos();
        let draw = |rng: &mut Stream, lo: u64, hi: u64| if hi > lo { rng.random_range(lo..=hi) } else { lo };
        Some(SimDuration(match self.jitter {
            Jitter::None => w,
            Jitter::Full => draw(rng, 0, w),
            Jitter::Equal => w / 2 + draw(rng, 0, w - w / 2),
            Jitter::Decorrelated => {
                let base = self.waits.first().map_or(0, |d| d.as_nanos());
                let cap = self.waits.last().map_or(0, |d| d.as_nanos());
                draw(rng, base, previous.as_nanos().max(base).saturating_mul(3)).min(cap.max(base))
            }
        }))
    }
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

    fn jittered(j: Jitter) -> Vec<u64> {
        let ms = |v| crate::scenario::units::Duration(SimDuration::from_millis(v));
        let p = RetryPolicy::from_spec(&RetrySpec::Exponential {
            backoff: vec![ms(100), ms(300), ms(1000)],
            jitter: j,
            budget: None,
        });
        let mut rng = stream(1, "jitter");
        (0..2000)
            .map(|_| p.jittered_wait_after(2, SimDuration::from_millis(100), &mut rng).map_or(0, |d| d.as_nanos()))
            .collect()
    }

    #[test]
    fn jitter_spreads_the_wait_within_its_bounds() {
        let mean = |v: &[u64]| v.iter().sum::<u64>() as f64 / v.len() as f64 / 1e6;
        assert!(jittered(Jitter::None).iter().all(|&w| w == 300_000_000));
        let full = jittered(Jitter::Full);
        assert!(full.iter().all(|&w| w <= 300_000_000));
        assert!((mean(&full) - 150.0).abs() < 10.0, "{}", mean(&full));
        let equal = jittered(Jitter::Equal);
        assert!(equal.iter().all(|&w| (150_000_000..=300_000_000).contains(&w)));
        let dec = jittered(Jitter::Decorrelated);
        assert!(dec.iter().all(|&w| (100_000_000..=300_000_000).contains(&w)));
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
