//! The PoP health checker: periodic probes, consecutive-miss detection.
//!
//! Probes go out at `phase`, `phase + interval`, ... Real checkers are not
//! aligned with faults, so unless a scenario fixes the phase each run draws
//! it uniformly from [0, interval) (stream `health/phase`): the same seed
//! gives the same phase. A PoP that fails at F is probed first at the next
//! probe time at or after F, that probe misses `timeout` later, and the
//! `failures`-th consecutive miss declares it down: detection lies in
//! [timeout + (failures - 1) x interval, interval + timeout + (failures - 1) x interval).

use crate::engine::rng::Stream;
use crate::engine::SimDuration;
use rand::Rng;

/// How the health checker probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthConfig {
    /// Time between probes.
    pub interval: SimDuration,
    /// A probe unanswered after this long is a miss.
    pub timeout: SimDuration,
    /// Consecutive misses that declare a PoP down.
    pub failures: u32,
    /// Consecutive answers that declare it up again.
    pub successes: u32,
    /// Time of the first probe, in [0, interval); `None`: drawn per run
    /// ([`HealthConfig::resolve_phase`]).
    pub phase: Option<SimDuration>,
}

impl HealthConfig {
    /// The time of the first probe of a run: the fixed phase, or one drawn
    /// uniformly (whole nanoseconds) from [0, interval) with `rng`.
    pub fn resolve_phase(&self, rng: &mut Stream) -> SimDuration {
        match self.phase {
            Some(p) => p,
            None if self.interval.as_nanos() == 0 => SimDuration::ZERO,
            None => SimDuration(rng.random_range(0..self.interval.as_nanos())),
        }
    }
}

/// A change of a PoP's declared health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthChange {
    /// Declared down: withdraw its route.
    Down,
    /// Declared up again: re-announce it.
    Up,
}

/// What the health checker believes of one PoP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HealthState {
    misses: u32,
    answers: u32,
    down: bool,
}

impl HealthState {
    /// True while the PoP is declared down.
    pub fn is_down(&self) -> bool {
        self.down
    }

    /// Takes one probe result (`answered` or missed) and says whether the
    /// declared state changes.
    pub fn on_probe(&mut self, answered: bool, cfg: &HealthConfig) -> Option<HealthChange> {
        if answered {
            self.misses = 0;
            self.answers += 1;
            if self.down && self.answers >= cfg.successes {
                self.down = false;
                return Some(HealthChange::Up);
            }
        } else {
            self.answers = 0;
            self.misses += 1;
            if !self.down && self.misses >= cfg.failures {
                self.down = true;
                return Some(HealthChange::Down);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(failures: u32, successes: u32) -> HealthConfig {
        HealthConfig {
            interval: SimDuration::from_secs(5),
            timeout: SimDuration::from_secs(1),
            failures,
            successes,
            phase: None,
        }
    }

    #[test]
    fn a_fixed_phase_is_kept_and_a_drawn_one_lies_in_the_interval() {
        let mut rng = crate::engine::rng::stream(7, "health/phase");
        let fixed = HealthConfig { phase: Some(SimDuration::from_millis(1_500)), ..cfg(1, 1) };
        assert_eq!(fixed.resolve_phase(&mut rng), SimDuration::from_millis(1_500));
        let c = cfg(1, 1);
        let drawn: Vec<u64> = (0..1000).map(|_| c.resolve_phase(&mut rng).as_nanos()).collect();
        let (lo, hi) = (drawn.iter().min().copied(), drawn.iter().max().copied());
        let interval = c.interval.as_nanos();
        assert!(drawn.iter().all(|&p| p < interval));
        // 1,000 uniform draws: the extremes lie within 1% of the ends
        // except with probability 2 x 0.99^1000 (about 9e-5).
        assert!(lo.is_some_and(|v| v < interval / 100) && hi.is_some_and(|v| v > interval - interval / 100));
        let again = cfg(1, 1).resolve_phase(&mut crate::engine::rng::stream(7, "health/phase"));
        assert_eq!(again.as_nanos(), drawn[0], "same seed, same phase");
    }

    #[test]
    fn down_after_n_consecutive_misses_up_after_m_answers() {
        let c = cfg(3, 2);
        let mut h = HealthState::default();
        assert_eq!(h.on_probe(false, &c), None);
        assert_eq!(h.on_probe(false, &c), None);
        assert_eq!(h.on_probe(true, &c), None, "an answer resets the miss count");
        assert_eq!(h.on_probe(false, &c), None);
        assert_eq!(h.on_probe(false, &c), None);
        assert_eq!(h.on_probe(false, &c), Some(HealthChange::Down));
        assert_eq!(h.on_probe(false, &c), None, "declared once");
        assert_eq!(h.on_probe(true, &c), None);
        assert_eq!(h.on_probe(true, &c), Some(HealthChange::Up));
        assert!(!h.is_down());
    }
}
