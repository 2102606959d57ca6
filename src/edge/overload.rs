//! Overload control at a PoP, from the seed's overload rules: priority
//! shedding (P3 first, never P0) with hysteresis, and the share of arrivals
//! a busy PoP spills away (the loop picks the nearest PoP that is up and has
//! room). The CPU measure of each control period comes from the loop; the
//! rules only decide.

/// Priority shedding: while CPU is above the threshold the PoP sheds one
/// more class each control period (P3, then P2, then P1; never P0). It
/// eases one class after CPU has stayed below threshold minus hysteresis
/// for `hold` periods in a row, so that it does not flap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shedder {
    level: u8,
    calm: u32,
}

/// Most classes a PoP sheds (P1, P2, P3): P0 is never shed.
pub const MAX_SHED_LEVEL: u8 = 3;

impl Shedder {
    /// Classes shed now: 0 none, 1 P3, 2 P2-P3, 3 P1-P3.
    pub fn level(&self) -> u8 {
        self.level
    }

    /// One control period's CPU (busy fraction in [0, 1]).
    pub fn on_tick(&mut self, cpu: f64, threshold: f64, hysteresis: f64, hold: u32) {
        if cpu > threshold {
            self.level = (self.level + 1).min(MAX_SHED_LEVEL);
            self.calm = 0;
        } else if cpu < threshold - hysteresis && self.level > 0 {
            self.calm += 1;
            if self.calm >= hold {
                self.level -= 1;
                self.calm = 0;
            }
        } else {
            self.calm = 0;
        }
    }

    /// True if a request of `class` (0 = P0 .. 3 = P3) is shed now.
    #[inline]
    pub fn sheds(&self, class: u8) -> bool {
        class > 0 && class + self.level > MAX_SHED_LEVEL
    }
}

/// The share of a PoP's arrivals to spill so that what stays is at most
/// `threshold` of its capacity: 0 when `arrival_rate` is within it.
pub fn spill_share(arrival_rate: f64, capacity_rate: f64, threshold: f64) -> f64 {
    let keep = threshold * capacity_rate;
    if arrival_rate <= keep || arrival_rate <= 0.0 {
        0.0
    } else {
        1.0 - keep / arrival_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheds_p3_then_p2_then_p1_never_p0() {
        let mut s = Shedder::default();
        assert!(!(0..4).any(|c| s.sheds(c)));
        s.on_tick(0.95, 0.9, 0.1, 1);
        assert_eq!((s.sheds(3), s.sheds(2)), (true, false));
        s.on_tick(0.95, 0.9, 0.1, 1);
        assert_eq!((s.sheds(2), s.sheds(1)), (true, false));
        s.on_tick(0.95, 0.9, 0.1, 1);
        s.on_tick(0.99, 0.9, 0.1, 1);
        assert_eq!((s.sheds(1), s.sheds(0)), (true, false), "P0 is never shed");
        s.on_tick(0.85, 0.9, 0.1, 1);
        assert_eq!(s.level(), 3, "inside the hysteresis band nothing changes");
        s.on_tick(0.5, 0.9, 0.1, 1);
        assert_eq!(s.level(), 2);
    }

    #[test]
    fn easing_waits_for_hold_calm_periods_in_a_row() {
        let mut s = Shedder::default();
        s.on_tick(0.95, 0.9, 0.1, 3);
        s.on_tick(0.5, 0.9, 0.1, 3);
        s.on_tick(0.5, 0.9, 0.1, 3);
        s.on_tick(0.85, 0.9, 0.1, 3);
        s.on_tick(0.5, 0.9, 0.1, 3);
        s.on_tick(0.5, 0.9, 0.1, 3);
        assert_eq!(s.level(), 1, "the calm run was broken");
        s.on_tick(0.5, 0.9, 0.1, 3);
        assert_eq!(s.level(), 0);
    }

    #[test]
    fn spill_share_keeps_the_threshold_share_of_capacity() {
        assert_eq!(spill_share(700.0, 1000.0, 0.8), 0.0);
        // 1,000 arrive, 800 may stay: spill 20%.
        assert!((spill_share(1000.0, 1000.0, 0.8) - 0.2).abs() < 1e-12);
        assert!((spill_share(1600.0, 1000.0, 0.8) - 0.5).abs() < 1e-12);
    }
}
