//! A breaker per caller and dependency target (a PoP's calls to one KV
//! primary, to one Durable Object region): a closed breaker for each pair
//! at the start, consulted before each call and told each outcome.

use super::breaker::{Breaker, BreakerConfig, BreakerState};
use crate::engine::{SimDuration, SimTime};

/// The breakers of one dependency, caller x target.
#[derive(Debug, Clone, Default)]
pub struct BreakerBank {
    targets: usize,
    breakers: Vec<Breaker>,
    /// Per breaker: failures it was told of.
    failures: Vec<u64>,
}

/// One breaker that left the closed state at least once.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakerTrace {
    /// The caller (a PoP index).
    pub caller: u32,
    /// The target (a state-region index).
    pub target: u32,
    /// Failed calls it was told of.
    pub failures: u64,
    /// Calls it refused.
    pub fail_fast: u64,
    /// Every change of state, with its time.
    pub transitions: Vec<(SimTime, BreakerState)>,
    /// Time spent open up to the end of the run.
    pub time_open: SimDuration,
}

impl BreakerBank {
    /// A closed breaker per `callers` x `targets` with `cfg`; no breakers
    /// (every call allowed) if `cfg` is `None`.
    pub fn new(cfg: Option<BreakerConfig>, callers: usize, targets: usize) -> Self {
        let n = if cfg.is_some() { callers * targets } else { 0 };
        BreakerBank { targets, breakers: cfg.map_or_else(Vec::new, |c| vec![Breaker::new(c); n]), failures: vec![0; n] }
    }

    fn index(&self, caller: usize, target: usize) -> Option<usize> {
        (!self.breakers.is_empty()).then_some(caller * self.targets + target)
    }

    /// May `caller` call `target` at `now`? A refusal counts as a fail-fast.
    pub fn allow(&mut self, caller: usize, target: usize, now: SimTime) -> bool {
        self.index(caller, target).is_none_or(|i| self.breakers[i].allow(now))
    }

    /// The outcome of a call `allow` let through.
    pub fn record(&mut self, caller: usize, target: usize, now: SimTime, ok: bool) {
        if let Some(i) = self.index(caller, target) {
            self.failures[i] += !ok as u64;
            self.breakers[i].record(now, ok);
        }
    }

    /// Every breaker, caller then target order (none without a configuration).
    pub fn breakers(&self) -> &[Breaker] {
        &self.breakers
    }

    /// Calls refused by every breaker together.
    pub fn fail_fast(&self) -> u64 {
        self.breakers.iter().map(|b| b.fail_fast).sum()
    }

    /// The breakers that opened at least once, caller then target order,
    /// with their time open up to `end`.
    pub fn traces(&self, end: SimTime) -> Vec<BreakerTrace> {
        let mut out = Vec::new();
        for (i, b) in self.breakers.iter().enumerate() {
            if b.transitions.is_empty() {
                continue;
            }
            out.push(BreakerTrace {
                caller: (i / self.targets) as u32,
                target: (i % self.targets) as u32,
                failures: self.failures[i],
                fail_fast: b.fail_fast,
                transitions: b.transitions.clone(),
                time_open: b.time_open(end),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pair_has_its_own_breaker() {
        let mut bank = BreakerBank::new(Some(BreakerConfig::seed_kv()), 2, 3);
        let t = SimTime(1);
        for _ in 0..10 {
            assert!(bank.allow(0, 1, t));
            bank.record(0, 1, t, false);
        }
        assert!(!bank.allow(0, 1, t), "open after 10 failures");
        assert!(bank.allow(0, 2, t) && bank.allow(1, 1, t), "other pairs stay closed");
        let traces = bank.traces(SimTime(1_000_000_001));
        assert_eq!(traces.len(), 1);
        assert_eq!((traces[0].caller, traces[0].target, traces[0].failures, traces[0].fail_fast), (0, 1, 10, 1));
        // Open for 10 s: half-open from 10 s + 1 ns, asked at 1 s only, so open to the end.
        assert_eq!(traces[0].time_open, SimDuration::from_secs(1));
    }

    #[test]
    fn no_config_allows_everything() {
        let mut bank = BreakerBank::new(None, 2, 3);
        for _ in 0..100 {
            bank.record(1, 2, SimTime(5), false);
        }
        assert!(bank.allow(1, 2, SimTime(6)));
        assert!(bank.traces(SimTime(7)).is_empty());
    }
}
