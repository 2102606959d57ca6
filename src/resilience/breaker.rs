//! Circuit breakers: closed -> open after failures, open -> half-open after
//! a timeout, half-open -> closed after enough successful probes or back to
//! open on a failed one. Two ways to trip: N consecutive failures (the
//! seed's breakers) or a failure rate over a window of recent calls with a
//! minimum number of calls (resilience4j, Hystrix).

use crate::engine::{SimDuration, SimTime};
use std::collections::VecDeque;

/// When a closed breaker opens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trip {
    /// After this many failures in a row.
    Consecutive(u32),
    /// When at least `min_calls` calls happened in the last `window` and at
    /// least `rate` of them failed.
    FailureRate {
        /// Failure share that trips, in (0, 1].
        rate: f64,
        /// How far back calls count.
        window: SimDuration,
        /// Fewest calls in the window before the rate counts.
        min_calls: u32,
    },
}

/// A breaker's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerConfig {
    /// What opens it.
    pub trip: Trip,
    /// How long it stays open before letting probes through.
    pub open_for: SimDuration,
    /// Probes let through at once while half-open.
    pub half_open_probes: u32,
    /// Successful probes that close it.
    pub successes: u32,
}

impl BreakerConfig {
    /// The seed's origin breaker: 5 failures, 3 successes, 30 s open, 1 probe.
    pub fn seed_origin() -> Self {
        BreakerConfig {
            trip: Trip::Consecutive(5),
            open_for: SimDuration::from_secs(30),
            half_open_probes: 1,
            successes: 3,
        }
    }

    /// The seed's KV breaker: 10 failures, 10 s open; one probe, and its
    /// success closes it (the seed gives no success threshold).
    pub fn seed_kv() -> Self {
        BreakerConfig {
            trip: Trip::Consecutive(10),
            open_for: SimDuration::from_secs(10),
            half_open_probes: 1,
            successes: 1,
        }
    }

    /// The seed's Durable Object breaker: 3 failures, 60 s open ("longer for
    /// migration"); one probe, and its success closes it.
    pub fn seed_do() -> Self {
        BreakerConfig {
            trip: Trip::Consecutive(3),
            open_for: SimDuration::from_secs(60),
            half_open_probes: 1,
            successes: 1,
        }
    }
}

/// A breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls pass.
    Closed,
    /// Calls fail fast.
    Open,
    /// A few probes pass; the rest fail fast.
    HalfOpen,
}

impl BreakerState {
    /// The name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half-open",
        }
    }
}

/// One circuit breaker.
#[derive(Debug, Clone)]
pub struct Breaker {
    cfg: BreakerConfig,
    state: BreakerState,
    consecutive_failures: u32,
    recent: VecDeque<(SimTime, bool)>,
    recent_failures: u32,
    open_until: SimTime,
    probes_in_flight: u32,
    probe_successes: u32,
    /// Every change of state, with its time.
    pub transitions: Vec<(SimTime, BreakerState)>,
    /// Calls refused while open or half-open.
    pub fail_fast: u64,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(cfg: BreakerConfig) -> Self {
        Breaker {
            cfg,
            state: BreakerState::Closed,
            consecutive_failures: 0,
            recent: VecDeque::new(),
            recent_failures: 0,
            open_until: SimTime::ZERO,
            probes_in_flight: 0,
            probe_successes: 0,
            transitions: Vec::new(),
            fail_fast: 0,
        }
    }

    /// The state at `now` (an open breaker whose timeout passed is half-open).
    pub fn state(&mut self, now: SimTime) -> BreakerState {
        if self.state == BreakerState::Open && now >= self.open_until {
            // It became half-open when the timeout ran out, whenever asked.
            self.set(self.open_until, BreakerState::HalfOpen);
            self.probes_in_flight = 0;
            self.probe_successes = 0;
        }
        self.state
    }

    fn set(&mut self, now: SimTime, s: BreakerState) {
        self.state = s;
        self.transitions.push((now, s));
    }

    fn open(&mut self, now: SimTime) {
        self.open_until = now + self.cfg.open_for;
        self.consecutive_failures = 0;
        self.recent.clear();
        self.recent_failures = 0;
        self.set(now, BreakerState::Open);
    }

    /// May a call go through at `now`? A refused call counts as a fail-fast.
    pub fn allow(&mut self, now: SimTime) -> bool {
        let ok = match self.state(now) {
            BreakerState::Closed => true,
            BreakerState::Open => false,
            BreakerState::HalfOpen if self.probes_in_flight < self.cfg.half_open_probes => {
                self.probes_in_flight += 1;
                true
            }
            BreakerState::HalfOpen => false,
        };
        if !ok {
            self.fail_fast += 1;
        }
        ok
    }

    /// The outcome of a call that `allow` let through.
    pub fn record(&mut self, now: SimTime, success: bool) {
        match self.state(now) {
            BreakerState::HalfOpen => {
                self.probes_in_flight = self.probes_in_flight.saturating_sub(1);
                if !success {
                    self.open(now);
                } else {
                    self.probe_successes += 1;
                    if self.probe_successes >= self.cfg.successes {
                        self.consecutive_failures = 0;
                        self.set(now, BreakerState::Closed);
                    }
                }
            }
            BreakerState::Closed => self.record_closed(now, success),
            // A late answer of a call made before the breaker opened.
            BreakerState::Open => {}
        }
    }

    fn record_closed(&mut self, now: SimTime, success: bool) {
        match self.cfg.trip {
            Trip::Consecutive(n) => {
                self.consecutive_failures = if success { 0 } else { self.consecutive_failures + 1 };
                if self.consecutive_failures >= n {
                    self.open(now);
                }
            }
            Trip::FailureRate { rate, window, min_calls } => {
                self.recent.push_back((now, success));
                self.recent_failures += !success as u32;
                while self.recent.front().is_some_and(|(t, _)| now - *t > window) {
                    if let Some((_, ok)) = self.recent.pop_front() {
                        self.recent_failures -= !ok as u32;
                    }
                }
                let calls = self.recent.len() as u32;
                if calls >= min_calls && self.recent_failures as f64 >= rate * calls as f64 {
                    self.open(now);
                }
            }
        }
    }

    /// Total time spent open (not half-open) up to `end`.
    pub fn time_open(&self, end: SimTime) -> SimDuration {
        let mut total = SimDuration::ZERO;
        let mut since: Option<SimTime> = None;
        for &(t, s) in &self.transitions {
            if let Some(a) = since.take() {
                total = total + (t - a);
            }
            if s == BreakerState::Open {
                since = Some(t);
            }
        }
        if let Some(a) = since {
            total = total + (end - a);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: u64) -> SimTime {
        SimTime(t * 1_000_000_000)
    }

    #[test]
    fn the_seed_origin_breaker_opens_after_5_failures_and_closes_after_3_probes() {
        let mut b = Breaker::new(BreakerConfig::seed_origin());
        for i in 0..4 {
            assert!(b.allow(s(i)));
            b.record(s(i), false);
        }
        assert_eq!(b.state(s(4)), BreakerState::Closed, "4 failures: still closed");
        b.allow(s(4));
        b.record(s(4), false);
        assert_eq!(b.state(s(4)), BreakerState::Open);
        assert!(!b.allow(s(10)), "fails fast while open");
        assert_eq!(b.fail_fast, 1);
        // 30 s later: half-open, one probe at a time.
        assert!(b.allow(s(34)));
        assert_eq!(b.state(s(34)), BreakerState::HalfOpen);
        assert!(!b.allow(s(34)), "one probe at a time");
        b.record(s(35), true);
        for t in 36..38 {
            assert!(b.allow(s(t)));
            b.record(s(t), true);
        }
        assert_eq!(b.state(s(38)), BreakerState::Closed, "3 successes close it");
    }

    #[test]
    fn a_failed_probe_opens_it_again_for_the_full_timeout() {
        let mut b = Breaker::new(BreakerConfig::seed_origin());
        for i in 0..5 {
            b.allow(s(i));
            b.record(s(i), false);
        }
        assert!(b.allow(s(40)));
        b.record(s(41), false);
        assert_eq!(b.state(s(41)), BreakerState::Open);
        assert!(!b.allow(s(70)), "open until 41 + 30 s");
        assert!(b.allow(s(71)));
        assert_eq!(b.time_open(s(71)), SimDuration::from_secs((34 - 4) + (71 - 41)));
    }

    #[test]
    fn successes_reset_the_consecutive_count() {
        let mut b = Breaker::new(BreakerConfig::seed_origin());
        for i in 0..20 {
            b.allow(s(i));
            b.record(s(i), i % 5 == 4);
        }
        assert_eq!(b.state(s(20)), BreakerState::Closed);
    }

    #[test]
    fn the_failure_rate_breaker_waits_for_its_minimum_calls() {
        // resilience4j-like: 50% over the window, at least 100 calls.
        let cfg = BreakerConfig {
            trip: Trip::FailureRate { rate: 0.5, window: SimDuration::from_secs(60), min_calls: 100 },
            open_for: SimDuration::from_secs(60),
            half_open_probes: 10,
            successes: 10,
        };
        let mut b = Breaker::new(cfg);
        let ms = |m: u64| SimTime(m * 1_000_000);
        // 99 calls, all failing: below the minimum, stays closed.
        for i in 0..99 {
            b.allow(ms(i));
            b.record(ms(i), false);
        }
        assert_eq!(b.state(ms(99)), BreakerState::Closed);
        b.allow(ms(99));
        b.record(ms(99), false);
        assert_eq!(b.state(ms(100)), BreakerState::Open, "the 100th call trips it");
    }

    #[test]
    fn the_failure_rate_is_over_the_window_only() {
        let cfg = BreakerConfig {
            trip: Trip::FailureRate { rate: 0.5, window: SimDuration::from_secs(10), min_calls: 20 },
            open_for: SimDuration::from_secs(5),
            half_open_probes: 1,
            successes: 1,
        };
        let mut b = Breaker::new(cfg);
        // 15 failures long ago, then 30 calls with 1 failure in 3: never 50% in the window.
        for i in 0..15 {
            b.allow(s(i));
            b.record(s(i), false);
        }
        for i in 0..30 {
            let t = s(100) + SimDuration::from_millis(i * 100);
            b.allow(t);
            b.record(t, i % 3 != 0);
        }
        assert_eq!(b.state(s(104)), BreakerState::Closed);
    }
}
