//! Demand over time: each client site's rate follows a daily curve in its
//! local solar time (longitude / 15 h from UTC), a weekly profile and
//! growth, as a multiplier of its mean rate. Every curve has mean 1 over a
//! day (and a week), so a site's daily volume is its `rps` x 86,400 s.

mod spec;

pub use spec::from_scenario;

use crate::engine::SimTime;

/// Seconds in a day.
pub const DAY_S: f64 = 86_400.0;
/// Seconds in a (365-day) year.
pub const YEAR_S: f64 = 365.0 * DAY_S;

/// The shape of a day, as a multiplier with mean 1.
#[derive(Debug, Clone, PartialEq)]
pub enum Daily {
    /// Half-cosines from `low` at the trough hour up to `high` at the peak
    /// hour and back; their mean is `(low + high) / 2 = 1`.
    Shape {
        /// Local hour of the peak, 0 to 24.
        peak_hour: f64,
        /// Local hour of the trough, 0 to 24.
        trough_hour: f64,
        /// Multiplier at the trough.
        low: f64,
        /// Multiplier at the peak.
        high: f64,
    },
    /// Values at each local hour (0:00, 1:00, ... 23:00), linear between
    /// them, scaled to mean 1.
    Hourly([f64; 24]),
}

impl Daily {
    /// A shape with the peak at `peak_hour`, the trough at `trough_hour`
    /// and peak / trough = `ratio` (>= 1), mean 1.
    pub fn shape(peak_hour: f64, trough_hour: f64, ratio: f64) -> Daily {
        let low = 2.0 / (1.0 + ratio);
        Daily::Shape { peak_hour, trough_hour, low, high: ratio * low }
    }

    /// Hourly values (not all zero) scaled to mean 1.
    pub fn hourly(values: [f64; 24]) -> Daily {
        let mean = values.iter().sum::<f64>() / 24.0;
        Daily::Hourly(values.map(|v| v / mean))
    }

    /// The multiplier at local hour `h` (any real; taken modulo 24).
    pub fn at(&self, h: f64) -> f64 {
        let h = h.rem_euclid(24.0);
        match self {
            Daily::Hourly(v) => {
                let i = h.floor() as usize % 24;
                let f = h - h.floor();
                v[i] * (1.0 - f) + v[(i + 1) % 24] * f
            }
            Daily::Shape { peak_hour, trough_hour, low, high } => {
                let rise = (peak_hour - trough_hour).rem_euclid(24.0);
                let since_trough = (h - trough_hour).rem_euclid(24.0);
                // Share of the way from trough to peak: 0 at the trough, 1 at the peak.
                let x = if since_trough <= rise {
                    since_trough / rise
                } else {
                    1.0 - (since_trough - rise) / (24.0 - rise)
                };
                low + (high - low) * (1.0 - (std::f64::consts::PI * x).cos()) / 2.0
            }
        }
    }

    /// The largest multiplier of the day.
    pub fn max(&self) -> f64 {
        match self {
            Daily::Hourly(v) => v.iter().copied().fold(0.0, f64::max),
            Daily::Shape { high, .. } => *high,
        }
    }
}

/// A surge: for a while, some sites send `factor` times their rate, of
/// one class or all (a flash crowd, a flood). It ramps up over `ramp` from
/// `from`, holds, and ramps down over `ramp` from `hold_until`, so its
/// extra volume is (factor - 1) x rate x (hold_until - from).
#[derive(Debug, Clone, PartialEq)]
pub struct Surge {
    /// Start of the ramp up.
    pub from: SimTime,
    /// Start of the ramp down.
    pub hold_until: SimTime,
    /// Ramp time (at most `hold_until - from`).
    pub ramp: crate::engine::SimDuration,
    /// Rate multiplier while it holds.
    pub factor: f64,
    /// Per client site: it surges.
    pub sites: Vec<bool>,
    /// Only this class (0 = P0 .. 3 = P3), or every class.
    pub class: Option<u8>,
}

impl Surge {
    /// The multiplier at `t` (1 outside the surge).
    pub fn factor_at(&self, t: SimTime) -> f64 {
        let ramp = self.ramp.as_nanos() as f64;
        let x = |a: SimTime| (t.as_nanos() as f64 - a.as_nanos() as f64) / ramp;
        let share = if t < self.from {
            0.0
        } else if t < self.hold_until {
            if ramp > 0.0 {
                x(self.from).min(1.0)
            } else {
                1.0
            }
        } else if ramp > 0.0 {
            (1.0 - x(self.hold_until)).max(0.0)
        } else {
            0.0
        };
        1.0 + (self.factor - 1.0) * share
    }
}

/// Demand over time: a daily shape, a weekly profile (Monday first) and
/// growth, from a UTC start, and surges.
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    /// The day's shape.
    pub daily: Daily,
    /// Multiplier per local weekday, Monday first, mean 1.
    pub weekly: [f64; 7],
    /// Growth per year (0.3 = +30%/year), compounded continuously.
    pub growth_per_year: f64,
    /// Seconds from Monday 00:00 UTC to the run's start.
    pub start_s: f64,
    /// Flash crowds and floods.
    pub surges: Vec<Surge>,
}

impl Demand {
    /// The weekly profile `values` (not all zero) scaled to mean 1.
    pub fn weekly(values: [f64; 7]) -> [f64; 7] {
        let mean = values.iter().sum::<f64>() / 7.0;
        values.map(|v| v / mean)
    }

    /// The multiplier of a site at longitude `lon_deg` at time `t`.
    pub fn at(&self, lon_deg: f64, t: SimTime) -> f64 {
        let t_s = t.as_secs_f64();
        let local_s = self.start_s + t_s + lon_deg / 15.0 * 3600.0;
        let hour = local_s.rem_euclid(DAY_S) / 3600.0;
        let day = (local_s.div_euclid(DAY_S).rem_euclid(7.0)) as usize % 7;
        self.daily.at(hour) * self.weekly[day] * self.growth(t_s)
    }

    fn growth(&self, t_s: f64) -> f64 {
        // No growth: 1 exactly, as `1^x` is, without the power.
        if self.growth_per_year == 0.0 {
            return 1.0;
        }
        (1.0 + self.growth_per_year).powf(t_s / YEAR_S)
    }

    /// The multiplier of each class of client site `site` (at longitude
    /// `lon_deg`) at time `t`: the curve times every surge on it.
    pub fn classes(&self, site: usize, lon_deg: f64, t: SimTime) -> [f64; 4] {
        let mut m = [self.at(lon_deg, t); 4];
        for s in self.surges.iter().filter(|s| s.sites.get(site).copied().unwrap_or(false)) {
            let f = s.factor_at(t);
            match s.class {
                Some(c) => m[c as usize % 4] *= f,
                None => m.iter_mut().for_each(|x| *x *= f),
            }
        }
        m
    }

    /// An upper bound of every multiplier over `[0, end]`.
    pub fn max_until(&self, end: SimTime) -> f64 {
        let g = self.growth(end.as_secs_f64()).max(1.0);
        let surges: f64 = self.surges.iter().map(|s| s.factor.max(1.0)).product();
        self.daily.max() * self.weekly.iter().copied().fold(0.0, f64::max) * g * surges
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    fn flat_week(daily: Daily) -> Demand {
        Demand { daily, weekly: [1.0; 7], growth_per_year: 0.0, start_s: 0.0, surges: Vec::new() }
    }

    fn day_integral(d: &Demand, lon: f64) -> f64 {
        (0..86_400).map(|s| d.at(lon, SimTime::ZERO + SimDuration::from_secs(s))).sum()
    }

    #[test]
    fn a_day_integrates_to_its_mean_volume() {
        for daily in [
            Daily::shape(20.0, 4.0, 3.0),
            Daily::shape(13.5, 2.0, 10.0),
            Daily::hourly(std::array::from_fn(|i| (i as f64 - 11.0).abs() + 1.0)),
        ] {
            for lon in [-75.0, 0.0, 135.0] {
                let total = day_integral(&flat_week(daily.clone()), lon);
                assert!((total / 86_400.0 - 1.0).abs() < 1e-4, "{daily:?} at {lon}: {total}");
            }
        }
    }

    #[test]
    fn the_peak_lands_at_the_local_hour_in_every_time_zone() {
        let d = flat_week(Daily::shape(20.0, 4.0, 3.0));
        for lon in [-75.0, 0.0, 135.0] {
            let (best, _) = (0..1440)
                .map(|m| (m, d.at(lon, SimTime::ZERO + SimDuration::from_secs(60 * m))))
                .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
            let utc_h = best as f64 / 60.0;
            let local_h = (utc_h + lon / 15.0).rem_euclid(24.0);
            assert!((local_h - 20.0).abs() < 1.0 / 60.0 + 1e-9, "lon {lon}: peak at local {local_h}");
            let ratio = d.daily.max()
                / d.at(lon, SimTime::ZERO + SimDuration::from_secs_f64((4.0 - lon / 15.0).rem_euclid(24.0) * 3600.0));
            assert!((ratio - 3.0).abs() < 1e-9, "peak / trough {ratio}");
        }
    }

    #[test]
    fn weekdays_and_growth_scale_the_day() {
        let weekly = Demand::weekly([1.2, 1.2, 1.2, 1.2, 1.2, 0.5, 0.5]);
        assert!((weekly.iter().sum::<f64>() - 7.0).abs() < 1e-12);
        let d = Demand {
            daily: Daily::shape(20.0, 4.0, 1.0),
            weekly,
            growth_per_year: 0.0,
            start_s: 0.0,
            surges: Vec::new(),
        };
        let saturday = SimTime::ZERO + SimDuration::from_secs(5 * 86_400 + 3600);
        assert!((d.at(0.0, saturday) - weekly[5]).abs() < 1e-12);
        let g = Demand { growth_per_year: 0.3, weekly: [1.0; 7], ..d };
        let year = SimTime::ZERO + SimDuration::from_secs(365 * 86_400);
        assert!((g.at(0.0, year) / g.at(0.0, SimTime::ZERO) - 1.3).abs() < 1e-9);
        assert!(g.max_until(year) >= g.at(0.0, year));
    }

    #[test]
    fn a_surge_ramps_holds_and_adds_its_factor_times_its_length() {
        let s = Surge {
            from: SimTime::ZERO + SimDuration::from_secs(100),
            hold_until: SimTime::ZERO + SimDuration::from_secs(400),
            ramp: SimDuration::from_secs(60),
            factor: 5.0,
            sites: vec![false, true],
            class: Some(3),
        };
        let at = |x: u64| s.factor_at(SimTime::ZERO + SimDuration::from_secs(x));
        assert_eq!((at(99), at(130), at(160), at(399), at(430), at(460)), (1.0, 3.0, 5.0, 5.0, 3.0, 1.0));
        // Extra volume: (factor - 1) x (hold_until - from) = 4 x 300 s.
        let extra: f64 =
            (0..1000).map(|t| s.factor_at(SimTime::ZERO + SimDuration::from_secs_f64(t as f64 + 0.5)) - 1.0).sum();
        assert!((extra - 1200.0).abs() < 1e-6, "{extra}");
        let d = Demand { surges: vec![s], ..flat_week(Daily::hourly([1.0; 24])) };
        let t = SimTime::ZERO + SimDuration::from_secs(200);
        assert_eq!(d.classes(1, 0.0, t), [1.0, 1.0, 1.0, 5.0], "only P3 of site 1");
        assert_eq!(d.classes(0, 0.0, t), [1.0; 4], "site 0 does not surge");
        assert_eq!(d.max_until(t), 5.0);
    }
}
