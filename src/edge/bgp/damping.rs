//! Route-flap damping (RFC 2439): each session's routes collect a penalty
//! per flap that decays exponentially; above `suppress` the session's route
//! is not used until the penalty decays below `reuse`.

use crate::engine::{SimDuration, SimTime};

/// Damping parameters; [`Damping::RFC2439`] is the common vendor default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Damping {
    /// Penalty added when a route is withdrawn.
    pub withdrawal_penalty: f64,
    /// Penalty added when a route's path changes.
    pub change_penalty: f64,
    /// Penalty above which the route is suppressed.
    pub suppress: f64,
    /// Penalty below which a suppressed route is used again.
    pub reuse: f64,
    /// Time for the penalty to halve.
    pub half_life: SimDuration,
    /// Longest a route stays suppressed (caps the penalty).
    pub max_suppress: SimDuration,
}

impl Damping {
    /// RFC 2439's parameters as routers ship them: 1000 per withdrawal,
    /// 500 per change, suppress 2000, reuse 750, half-life 15 min, at most
    /// 60 min suppressed.
    pub const RFC2439: Damping = Damping {
        withdrawal_penalty: 1000.0,
        change_penalty: 500.0,
        suppress: 2000.0,
        reuse: 750.0,
        half_life: SimDuration::from_secs(15 * 60),
        max_suppress: SimDuration::from_secs(60 * 60),
    };

    /// The highest penalty: one that decays to `reuse` in `max_suppress`.
    pub fn ceiling(&self) -> f64 {
        self.reuse * (self.max_suppress.as_secs_f64() / self.half_life.as_secs_f64()).exp2()
    }
}

/// The damping state of one session's route.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Penalty {
    value: f64,
    at: SimTime,
    /// The route is suppressed.
    pub suppressed: bool,
}

impl Penalty {
    /// The penalty decayed to `now`.
    pub fn value_at(&self, now: SimTime, d: &Damping) -> f64 {
        let dt = now.since(self.at).as_secs_f64();
        self.value * (-dt / d.half_life.as_secs_f64()).exp2()
    }

    /// Adds `penalty` at `now`; returns when the route may be reused if it
    /// is (now) suppressed.
    pub fn charge(&mut self, now: SimTime, penalty: f64, d: &Damping) -> Option<SimTime> {
        self.value = (self.value_at(now, d) + penalty).min(d.ceiling());
        self.at = now;
        if self.value > d.suppress {
            self.suppressed = true;
        }
        self.suppressed.then(|| self.reuse_time(d))
    }

    /// When the penalty decays to `reuse`.
    pub fn reuse_time(&self, d: &Damping) -> SimTime {
        let halvings = (self.value / d.reuse).max(1.0).log2();
        self.at + SimDuration::from_secs_f64(halvings * d.half_life.as_secs_f64())
    }

    /// Lifts suppression if the penalty has decayed to `reuse` by `now`;
    /// returns true if it was lifted.
    pub fn try_reuse(&mut self, now: SimTime, d: &Damping) -> bool {
        if self.suppressed && now >= self.reuse_time(d) {
            self.suppressed = false;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_quick_withdrawals_suppress_and_the_route_returns_after_the_decay() {
        let d = Damping::RFC2439;
        let mut p = Penalty::default();
        let t0 = SimTime::ZERO;
        assert_eq!(p.charge(t0, 1000.0, &d), None);
        assert_eq!(p.charge(t0, 1000.0, &d), None, "2000 is not above suppress");
        let reuse = p.charge(t0, 1000.0, &d).expect("3000 suppresses");
        // 3000 -> 750 is two half-lives: 30 min.
        assert_eq!(reuse, t0 + SimDuration::from_secs(1800));
        assert!(!p.try_reuse(t0 + SimDuration::from_secs(1799), &d));
        assert!(p.try_reuse(reuse, &d));
        assert!((p.value_at(reuse, &d) - 750.0).abs() < 1e-6);
    }

    #[test]
    fn the_penalty_is_capped_so_suppression_lasts_at_most_max_suppress() {
        let d = Damping::RFC2439;
        let mut p = Penalty::default();
        let mut reuse = SimTime::ZERO;
        for _ in 0..100 {
            reuse = p.charge(SimTime::ZERO, 1000.0, &d).unwrap_or(reuse);
        }
        assert_eq!(d.ceiling(), 12_000.0);
        assert_eq!(reuse, SimTime::ZERO + SimDuration::from_secs(3600));
    }
}
