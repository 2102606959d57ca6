//! The drain: how long a run goes on after its end so that every request
//! sent before the end can finish. It is the longest life of a client
//! request or a Durable Object request under its timeout per attempt and
//! its retry policy (every attempt times out, every wait is taken); origin
//! fetches live within their client's attempts. The run loop ([`super::run`])
//! stops at the end plus this drain; the work budget counts it too.

use super::ModelConfig;
use crate::engine::SimDuration;
use crate::resilience::retry::RetryPolicy;

/// The longest a request can live under a timeout per attempt and a retry
/// policy: every attempt times out and every wait is taken.
pub fn lifetime(timeout: SimDuration, retry: &RetryPolicy) -> SimDuration {
    let retries = retry.max_retries();
    let waits: u64 = (1..=retries).filter_map(|a| retry.wait_after(a)).map(|w| w.as_nanos()).sum();
    SimDuration(timeout.as_nanos().saturating_mul(retries as u64 + 1).saturating_add(waits))
}

/// How long a run goes on after its end: the longest life of a client
/// request or a Durable Object request (origin fetches live within their
/// client's attempts). Requests are sent strictly before the end, so each
/// one's last timeout comes strictly before the end of the drain.
pub fn drain(cfg: &ModelConfig) -> SimDuration {
    let client = lifetime(cfg.client_timeout, &cfg.retry);
    let objects = cfg.durable_objects.as_ref().map_or(SimDuration::ZERO, |d| lifetime(d.timeout, &d.retry));
    client.max(objects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::schema::{Jitter, RetrySpec};
    use crate::scenario::units::Duration;

    #[test]
    fn a_request_lives_for_every_timeout_and_every_wait() {
        let ms = |n| Duration(SimDuration::from_millis(n));
        let spec =
            RetrySpec::Exponential { backoff: vec![ms(100), ms(300), ms(1000)], jitter: Jitter::None, budget: None };
        let policy = RetryPolicy::from_spec(&spec);
        // 4 attempts of 2 s and waits of 0.1 + 0.3 + 1 s.
        let expected = 4 * 2_000 + 100 + 300 + 1_000;
        assert_eq!(lifetime(SimDuration::from_secs(2), &policy), SimDuration::from_millis(expected));
        assert_eq!(lifetime(SimDuration::from_secs(2), &RetryPolicy::none()), SimDuration::from_secs(2));
    }
}
