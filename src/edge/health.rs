//! The PoP health checker: periodic probes, consecutive-miss detection.

use crate::engine::SimDuration;

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
    /// Time of the first probe.
    pub phase: SimDuration,
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
            phase: SimDuration::ZERO,
        }
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
