//! Load per client region over time: for each time-series bucket of send
//! time and each region of the client sites, the requests offered (sent
//! and measured, a retried request once) and served (those that
//! succeeded). The recorder knows each client network's region from a
//! table given once ([`super::Recorder::set_regions`]); counts live in
//! one flat `buckets x regions` array, so recording allocates nothing.
//! A flow run adds volumes beside the counts and rounds them in once, at
//! its end, so that the regions add up to the run's totals exactly.

use super::volume::{apportion_slice, SentSpan, VolumeCounts};
use super::Counts;
use crate::engine::{SimDuration, SimTime};

/// Offered and served requests per bucket and client region.
#[derive(Debug, Clone, Default)]
pub struct RegionSeries {
    /// Per client network: its region's index (below `regions`).
    net_region: Vec<u8>,
    regions: usize,
    buckets: usize,
    /// Bucket `b`, region `r` at `b * regions + r`.
    counts: Vec<Counts>,
    /// A flow run's volumes, the same layout (empty until the first).
    volumes: Vec<VolumeCounts>,
}

impl RegionSeries {
    /// A series of `buckets` buckets over `regions` regions; network `n`
    /// belongs to region `net_region[n]` (networks past the table, or
    /// with an index not below `regions`, are not counted).
    pub fn new(net_region: Vec<u8>, regions: usize, buckets: usize) -> Self {
        RegionSeries {
            net_region,
            regions,
            buckets,
            counts: vec![Counts::default(); regions * buckets],
            volumes: Vec::new(),
        }
    }

    /// Regions (0 when the recorder was given no table).
    pub fn regions(&self) -> usize {
        self.regions
    }

    /// Time-series buckets.
    pub fn buckets(&self) -> usize {
        self.buckets
    }

    /// Requests sent in bucket `bucket` from region `region`: `issued` is
    /// the offered load, `succeeded` the served (zero outside the series).
    pub fn cell(&self, bucket: usize, region: usize) -> Counts {
        if region >= self.regions {
            return Counts::default();
        }
        self.counts.get(bucket * self.regions + region).copied().unwrap_or_default()
    }

    /// The region of client network `net`, if it has one.
    #[inline]
    fn region_of(&self, net: u32) -> Option<usize> {
        let r = *self.net_region.get(net as usize)? as usize;
        (r < self.regions).then_some(r)
    }

    /// One request of network `net` sent in bucket `bucket` ended (`ok`:
    /// succeeded).
    #[inline]
    pub(super) fn add(&mut self, bucket: usize, net: u32, ok: bool) {
        let Some(r) = self.region_of(net) else { return };
        if let Some(c) = self.counts.get_mut(bucket.min(self.buckets.saturating_sub(1)) * self.regions + r) {
            c.issued += 1;
            c.succeeded += ok as u64;
        }
    }

    /// `volume` requests of network `net` sent evenly over `span` (the
    /// measured part) ended (`ok`: succeeded); buckets are `width` wide
    /// from time zero.
    pub(super) fn add_volume(&mut self, span: SentSpan, width: SimDuration, net: u32, volume: f64, ok: bool) {
        let Some(r) = self.region_of(net) else { return };
        if volume.is_nan() || volume <= 0.0 {
            return;
        }
        if self.volumes.is_empty() {
            self.volumes = vec![VolumeCounts::default(); self.counts.len()];
        }
        let last = self.buckets.saturating_sub(1);
        if let Some(b) = span.single_slot(SimTime::ZERO, width) {
            // Share 1: what the loop below would add.
            if let Some(v) = self.volumes.get_mut(b.min(last) * self.regions + r) {
                v.issued += volume;
                if ok {
                    v.succeeded += volume;
                }
            }
            return;
        }
        for (b, s) in span.slots(SimTime::ZERO, width) {
            if let Some(v) = self.volumes.get_mut(b.min(last) * self.regions + r) {
                v.issued += volume * s;
                if ok {
                    v.succeeded += volume * s;
                }
            }
        }
    }

    /// Rounds the volumes into the counts so that, over every cell, the
    /// offered adds up to `issued` and the served to `succeeded` (the
    /// run's totals from volumes): largest remainders, served never above
    /// offered in a cell.
    pub(super) fn settle(&mut self, issued: u64, succeeded: u64) {
        if self.volumes.is_empty() {
            return;
        }
        let volumes = std::mem::take(&mut self.volumes);
        let offered = apportion_slice(&volumes.iter().map(|v| v.issued).collect::<Vec<_>>(), issued);
        let served = apportion_slice(&volumes.iter().map(|v| v.succeeded).collect::<Vec<_>>(), succeeded);
        for ((c, o), s) in self.counts.iter_mut().zip(offered).zip(served) {
            c.issued += o;
            c.succeeded += s.min(o);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_go_to_the_network_s_region_and_bucket() {
        let mut s = RegionSeries::new(vec![0, 1, 1, 7], 2, 3);
        s.add(0, 0, true);
        s.add(2, 1, false);
        s.add(9, 2, true); // past the end: the last bucket
        s.add(1, 3, true); // no such region: not counted
        s.add(1, 99, true); // no such network
        assert_eq!(s.cell(0, 0), Counts { issued: 1, succeeded: 1 });
        assert_eq!(s.cell(2, 1), Counts { issued: 2, succeeded: 1 });
        assert_eq!((0..3).flat_map(|b| (0..2).map(move |r| (b, r))).map(|(b, r)| s.cell(b, r).issued).sum::<u64>(), 3);
    }

    #[test]
    fn volumes_settle_into_the_totals_exactly() {
        let mut s = RegionSeries::new(vec![0, 1], 2, 4);
        let sec = |x: u64| SimTime(x * 1_000_000_000);
        // 10.4 requests over 0-3 s from region 0, 5.3 over 1-2 s from region 1.
        s.add_volume(SentSpan { from: sec(0), to: sec(3) }, SimDuration::from_secs(1), 0, 10.4, true);
        s.add_volume(SentSpan { from: sec(1), to: sec(2) }, SimDuration::from_secs(1), 1, 5.3, false);
        s.settle(16, 10);
        let offered: u64 = (0..4).map(|b| s.cell(b, 0).issued + s.cell(b, 1).issued).sum();
        let served: u64 = (0..4).map(|b| s.cell(b, 0).succeeded + s.cell(b, 1).succeeded).sum();
        assert_eq!((offered, served), (16, 10));
        assert_eq!(s.cell(1, 1), Counts { issued: 5, succeeded: 0 });
        assert_eq!(apportion_slice(&[0.0, 0.0], 3), vec![3, 0]);
    }
}
