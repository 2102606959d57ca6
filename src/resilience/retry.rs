//! Retry policies, as in the seed's table: immediate or with listed waits.

use crate::engine::SimDuration;
use crate::scenario::schema::RetrySpec;

/// Waits before each retry; as many retries as waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    waits: Vec<SimDuration>,
}

impl RetryPolicy {
    /// No retry at all.
    pub fn none() -> Self {
        RetryPolicy { waits: Vec::new() }
    }

    /// The policy a scenario's `[client].retry` describes.
    pub fn from_spec(spec: &RetrySpec) -> Self {
        let waits = match spec {
            RetrySpec::None => Vec::new(),
            RetrySpec::Immediate { retries } => vec![SimDuration::ZERO; *retries as usize],
            RetrySpec::Exponential { backoff } => backoff.iter().map(|d| d.sim()).collect(),
        };
        RetryPolicy { waits }
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.waits.len() as u32
    }

    /// The wait before the next attempt, after `attempts` attempts have
    /// failed; `None` when the policy gives up.
    #[inline]
    pub fn wait_after(&self, attempts: u32) -> Option<SimDuration> {
        self.waits.get(attempts.checked_sub(1)? as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_origin_fetch_policy() {
        let p = RetryPolicy::from_spec(&RetrySpec::default());
        assert_eq!(p.max_retries(), 3);
        assert_eq!(p.wait_after(1), Some(SimDuration::from_millis(100)));
        assert_eq!(p.wait_after(2), Some(SimDuration::from_millis(300)));
        assert_eq!(p.wait_after(3), Some(SimDuration::from_secs(1)));
        assert_eq!(p.wait_after(4), None);
        assert_eq!(RetryPolicy::none().wait_after(1), None);
        let imm = RetryPolicy::from_spec(&RetrySpec::Immediate { retries: 2 });
        assert_eq!((imm.wait_after(2), imm.wait_after(3)), (Some(SimDuration::ZERO), None));
    }
}
