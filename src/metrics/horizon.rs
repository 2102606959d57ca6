//! Requests per day of the run, by class and by client region, for the
//! long-horizon measures (availability per day, month and year). Day `d`
//! is send times `[d x 24 h, (d + 1) x 24 h)` from the start of the run
//! (the last day may be short); only measured requests count (sent after
//! the warm-up), each once by its final outcome, as in the run's totals.
//! Memory is `days x (4 classes + regions)` counts: under 40 kB for a year.
//! A flow run adds volumes beside the counts and rounds them in once, at
//! its end ([`Horizon::settle`]), so that every class's days add up to the
//! class's total and the regions' days to the run's total exactly.

use super::volume::{apportion_slice, SentSpan, VolumeCounts};
use super::Counts;
use crate::engine::{SimDuration, SimTime};

/// The length of a day of the run, ns.
pub const DAY_NS: u64 = 86_400 * 1_000_000_000;

/// Measured requests per day, by class and by client region.
#[derive(Debug, Clone, Default)]
pub struct Horizon {
    days: usize,
    /// Per client network: its region's index (below `regions`).
    net_region: Vec<u8>,
    regions: usize,
    /// Day `d`, class `c` at `d * 4 + c`.
    by_class: Vec<Counts>,
    /// Day `d`, region `r` at `d * regions + r`.
    by_region: Vec<Counts>,
    /// A flow run's volumes, the same layouts (empty until the first).
    class_volumes: Vec<VolumeCounts>,
    region_volumes: Vec<VolumeCounts>,
}

impl Horizon {
    /// Days of a run of `duration` (at least one; the last may be short).
    pub fn new(duration: SimDuration) -> Self {
        let days = (duration.as_nanos().div_ceil(DAY_NS) as usize).max(1);
        Horizon { days, by_class: vec![Counts::default(); days * 4], ..Horizon::default() }
    }

    /// Counts by client region from now on: network `n` belongs to region
    /// `net_region[n]`, one of `regions` (networks past the table, or with
    /// an index not below `regions`, are not counted by region).
    pub fn set_regions(&mut self, net_region: Vec<u8>, regions: usize) {
        self.net_region = net_region;
        self.regions = regions;
        self.by_region = vec![Counts::default(); self.days * regions];
    }

    /// Days of the run.
    pub fn days(&self) -> usize {
        self.days
    }

    /// Client regions counted (0 when no table was given).
    pub fn regions(&self) -> usize {
        self.regions
    }

    /// Requests of class `class` (0..4) sent on day `day` (zero outside).
    pub fn class_day(&self, day: usize, class: usize) -> Counts {
        if class >= 4 {
            return Counts::default();
        }
        self.by_class.get(day * 4 + class).copied().unwrap_or_default()
    }

    /// Requests of client region `region` sent on day `day` (zero outside).
    pub fn region_day(&self, day: usize, region: usize) -> Counts {
        if region >= self.regions {
            return Counts::default();
        }
        self.by_region.get(day * self.regions + region).copied().unwrap_or_default()
    }

    /// Requests of every class sent on day `day`.
    pub fn day(&self, day: usize) -> Counts {
        (0..4).map(|c| self.class_day(day, c)).fold(Counts::default(), |a, b| Counts {
            issued: a.issued + b.issued,
            succeeded: a.succeeded + b.succeeded,
        })
    }

    #[inline]
    fn day_of(&self, sent: SimTime) -> usize {
        ((sent.as_nanos() / DAY_NS) as usize).min(self.days - 1)
    }

    /// A measured request of `class` sent at `sent` ended (`ok`: succeeded).
    #[inline]
    pub(super) fn add(&mut self, sent: SimTime, class: u8, ok: bool) {
        let i = self.day_of(sent) * 4 + (class as usize).min(3);
        if let Some(c) = self.by_class.get_mut(i) {
            c.add(ok);
        }
    }

    /// A measured request of client network `net` sent at `sent` ended.
    #[inline]
    pub(super) fn add_region(&mut self, sent: SimTime, net: u32, ok: bool) {
        let Some(r) = self.region_of(net) else { return };
        let i = self.day_of(sent) * self.regions + r;
        if let Some(c) = self.by_region.get_mut(i) {
            c.add(ok);
        }
    }

    #[inline]
    fn region_of(&self, net: u32) -> Option<usize> {
        let r = *self.net_region.get(net as usize)? as usize;
        (r < self.regions).then_some(r)
    }

    /// `volume` measured requests (by class) sent evenly over `span` ended
    /// (`ok`: succeeded).
    pub(super) fn add_volume(&mut self, span: SentSpan, volume: &[f64; 4], ok: bool) {
        if self.class_volumes.is_empty() {
            self.class_volumes = vec![VolumeCounts::default(); self.by_class.len()];
        }
        let last = self.days - 1;
        for (d, s) in span.slots(SimTime::ZERO, SimDuration(DAY_NS)) {
            for (c, v) in volume.iter().enumerate().filter(|(_, v)| **v > 0.0) {
                if let Some(x) = self.class_volumes.get_mut(d.min(last) * 4 + c) {
                    x.issued += v * s;
                    x.succeeded += if ok { v * s } else { 0.0 };
                }
            }
        }
    }

    /// `volume` measured requests of client network `net` sent evenly over
    /// `span` ended (`ok`: succeeded).
    pub(super) fn add_region_volume(&mut self, span: SentSpan, net: u32, volume: f64, ok: bool) {
        let Some(r) = self.region_of(net) else { return };
        if volume.is_nan() || volume <= 0.0 {
            return;
        }
        if self.region_volumes.is_empty() {
            self.region_volumes = vec![VolumeCounts::default(); self.by_region.len()];
        }
        let last = self.days - 1;
        for (d, s) in span.slots(SimTime::ZERO, SimDuration(DAY_NS)) {
            if let Some(x) = self.region_volumes.get_mut(d.min(last) * self.regions + r) {
                x.issued += volume * s;
                x.succeeded += if ok { volume * s } else { 0.0 };
            }
        }
    }

    /// Rounds the volumes into the counts: class `c`'s days get exactly
    /// `by_class[c]` (what the run's class totals gained from volumes), the
    /// regions' days `total`; largest remainders, successes never above
    /// requests in a cell.
    pub(super) fn settle(&mut self, by_class: &[Counts; 4], total: Counts) {
        let classes = std::mem::take(&mut self.class_volumes);
        if !classes.is_empty() {
            for (c, added) in by_class.iter().enumerate() {
                let cells: Vec<VolumeCounts> = classes.iter().skip(c).step_by(4).copied().collect();
                let counts = apportion(&cells, *added);
                for (d, n) in counts.into_iter().enumerate() {
                    if let Some(x) = self.by_class.get_mut(d * 4 + c) {
                        x.issued += n.issued;
                        x.succeeded += n.succeeded;
                    }
                }
            }
        }
        let regions = std::mem::take(&mut self.region_volumes);
        if !regions.is_empty() {
            for (x, n) in self.by_region.iter_mut().zip(apportion(&regions, total)) {
                x.issued += n.issued;
                x.succeeded += n.succeeded;
            }
        }
    }
}

/// Splits `total` over cells as near their volumes as can be.
fn apportion(cells: &[VolumeCounts], total: Counts) -> Vec<Counts> {
    let issued = apportion_slice(&cells.iter().map(|v| v.issued).collect::<Vec<_>>(), total.issued);
    let served = apportion_slice(&cells.iter().map(|v| v.succeeded).collect::<Vec<_>>(), total.succeeded);
    issued.into_iter().zip(served).map(|(i, s)| Counts { issued: i, succeeded: s.min(i) }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = 3_600 * 1_000_000_000;

    #[test]
    fn requests_go_to_their_send_day_and_class() {
        let mut h = Horizon::new(SimDuration(50 * H));
        assert_eq!(h.days(), 3);
        h.add(SimTime(0), 0, true);
        h.add(SimTime(24 * H - 1), 0, false);
        h.add(SimTime(24 * H), 3, true);
        h.add(SimTime(99 * H), 2, false); // past the end: the last day
        assert_eq!(h.class_day(0, 0), Counts { issued: 2, succeeded: 1 });
        assert_eq!(h.class_day(1, 3), Counts { issued: 1, succeeded: 1 });
        assert_eq!(h.class_day(2, 2), Counts { issued: 1, succeeded: 0 });
        assert_eq!(h.day(0), Counts { issued: 2, succeeded: 1 });
        assert_eq!(h.class_day(7, 0), Counts::default());
    }

    #[test]
    fn regions_count_by_network() {
        let mut h = Horizon::new(SimDuration(48 * H));
        h.set_regions(vec![1, 0, 9], 2);
        h.add_region(SimTime(30 * H), 0, true);
        h.add_region(SimTime(30 * H), 1, false);
        h.add_region(SimTime(30 * H), 2, true); // no such region
        assert_eq!(h.region_day(1, 1), Counts { issued: 1, succeeded: 1 });
        assert_eq!(h.region_day(1, 0), Counts { issued: 1, succeeded: 0 });
        assert_eq!(h.region_day(1, 2), Counts::default());
    }

    #[test]
    fn volumes_split_at_midnight_and_settle_to_the_totals() {
        let mut h = Horizon::new(SimDuration(48 * H));
        h.set_regions(vec![0], 1);
        // 100 p1 requests sent evenly over 18:00-30:00: 50 on each day.
        let span = SentSpan { from: SimTime(18 * H), to: SimTime(30 * H) };
        h.add_volume(span, &[0.0, 100.0, 0.0, 0.0], true);
        h.add_region_volume(span, 0, 100.0, true);
        // 10 p1 requests failed over 36:00-48:00: all on day 1.
        let late = SentSpan { from: SimTime(36 * H), to: SimTime(48 * H) };
        h.add_volume(late, &[0.0, 10.0, 0.0, 0.0], false);
        h.add_region_volume(late, 0, 10.0, false);
        let p1 = Counts { issued: 110, succeeded: 100 };
        h.settle(&[Counts::default(), p1, Counts::default(), Counts::default()], p1);
        assert_eq!(h.class_day(0, 1), Counts { issued: 50, succeeded: 50 });
        assert_eq!(h.class_day(1, 1), Counts { issued: 60, succeeded: 50 });
        assert_eq!(h.region_day(1, 0), Counts { issued: 60, succeeded: 50 });
    }
}
