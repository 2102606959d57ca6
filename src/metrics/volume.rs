//! Fractional request counts, for the flow fidelity: a flow carries a rate
//! over a span of send times, so what it adds to a count is a volume (a
//! real number of requests) spread evenly over that span. Volumes are kept
//! as `f64` beside the whole counts and rounded into them once, at the end
//! ([`Recorder::settle_volumes`], [`FaultRecord::settle_volumes`]), so that
//! reports and checks read the same [`Counts`] in both fidelities.

use super::faults::{FaultRecord, BEFORE_WINDOW, RTO_BUCKET};
use super::{Counts, FailReason, LatencyHistogram, Recorder};
use crate::engine::{SimDuration, SimTime};

/// Requests by outcome, as volumes (fractional counts).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct VolumeCounts {
    /// Requests with an outcome.
    pub issued: f64,
    /// Of those, successes.
    pub succeeded: f64,
}

impl VolumeCounts {
    fn add(&mut self, volume: f64, ok: bool) {
        self.issued += volume;
        if ok {
            self.succeeded += volume;
        }
    }

    /// The whole counts nearest these volumes (successes never above issued).
    pub fn round(&self) -> Counts {
        let issued = self.issued.max(0.0).round() as u64;
        Counts { issued, succeeded: (self.succeeded.max(0.0).round() as u64).min(issued) }
    }
}

/// Adds the whole counts nearest `v` to `counts`.
fn settle_into(counts: &mut Counts, v: &VolumeCounts) {
    let r = v.round();
    counts.issued += r.issued;
    counts.succeeded += r.succeeded;
}

/// A span of send times `[from, to)` over which a volume is spread evenly;
/// an empty span (`from == to`) puts it all at `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentSpan {
    /// First send time (inclusive).
    pub from: SimTime,
    /// Last send time (exclusive); at least `from`.
    pub to: SimTime,
}

impl SentSpan {
    /// The share (0 to 1) of the span inside `[a, b)`.
    pub fn share_in(&self, a: SimTime, b: SimTime) -> f64 {
        // Inside whole: 1 without a division (which gives exactly 1 too).
        if self.from >= a && self.to <= b && self.to > self.from {
            return 1.0;
        }
        if self.to <= self.from {
            return if self.from >= a && self.from < b { 1.0 } else { 0.0 };
        }
        let lo = self.from.max(a);
        let hi = self.to.min(b);
        if hi <= lo {
            return 0.0;
        }
        (hi - lo).as_nanos() as f64 / (self.to - self.from).as_nanos() as f64
    }

    /// The slot `[origin + i w, origin + (i+1) w)` that holds the whole
    /// span (an empty one: its `from`), if one does: [`Self::slots`] would
    /// give it alone, with share 1.
    #[inline]
    pub fn single_slot(&self, origin: SimTime, w: SimDuration) -> Option<usize> {
        if self.from < origin {
            return None;
        }
        let w_ns = w.as_nanos().max(1);
        let first = (self.from - origin).as_nanos() / w_ns;
        let last = if self.to > self.from { (self.to - origin).as_nanos().saturating_sub(1) / w_ns } else { first };
        (first == last).then_some(first as usize)
    }

    /// For each slot `[origin + i w, origin + (i+1) w)` of width `w` that the
    /// span overlaps, in order: the slot's index and the span's share in it.
    /// Times before `origin` belong to no slot.
    pub fn slots(&self, origin: SimTime, w: SimDuration) -> impl Iterator<Item = (usize, f64)> + '_ {
        let w_ns = w.as_nanos().max(1);
        let from = self.from.max(origin);
        let first = (from - origin).as_nanos() / w_ns;
        let last = if self.to > from { (self.to - origin).as_nanos().saturating_sub(1) / w_ns } else { first };
        let empty = self.to < origin || (self.to <= self.from && self.from < origin);
        let count = if empty { 0 } else { last - first + 1 };
        (first..first + count).map(move |i| {
            let a = origin + SimDuration(i * w_ns);
            (i as usize, self.share_in(a, a + SimDuration(w_ns)))
        })
    }
}

/// Where a span's successes go whole in the histograms with a time axis
/// ([`Recorder::series_key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesKey {
    /// The time-series bucket.
    pub bucket: usize,
    /// The latency probes whose windows hold the span (bit `i`: probe `i`).
    pub probes: u64,
}

/// The volumes beside a [`Recorder`]'s counts.
#[derive(Debug, Clone, Default)]
pub(super) struct RecorderVolumes {
    total: VolumeCounts,
    by_class: [VolumeCounts; 4],
    by_pop: Vec<VolumeCounts>,
    failed_by_reason: [f64; FailReason::ALL.len()],
    shed_by_class: [f64; 4],
    attempts: f64,
    buckets: Vec<VolumeCounts>,
    probes: Vec<VolumeCounts>,
}

/// A latency distribution as atoms: `(latency, mass)`, masses summing to 1.
pub type Atoms = [(SimDuration, f64)];

impl Recorder {
    fn volumes(&mut self) -> &mut RecorderVolumes {
        let (pops, buckets, probes) = (self.by_pop.len(), self.buckets.len(), self.probes.len());
        self.volumes.get_or_insert_with(|| {
            Box::new(RecorderVolumes {
                by_pop: vec![VolumeCounts::default(); pops],
                buckets: vec![VolumeCounts::default(); buckets],
                probes: vec![VolumeCounts::default(); probes],
                ..RecorderVolumes::default()
            })
        })
    }

    /// The part of `span` that is measured (sent at or after the warm-up).
    fn measured(&self, span: SentSpan) -> Option<(SentSpan, f64)> {
        let share = self.measured_share(span);
        (share > 0.0).then(|| (SentSpan { from: span.from.max(self.measure_from), to: span.to }, share))
    }

    /// Requests with an outcome so far, volumes included (rounded).
    pub fn issued_so_far(&self) -> u64 {
        self.total.issued + self.volumes.as_ref().map_or(0, |v| v.total.issued.max(0.0).round() as u64)
    }

    /// The share (0 to 1) of `span` that is measured.
    pub fn measured_share(&self, span: SentSpan) -> f64 {
        span.share_in(self.measure_from, SimTime(u64::MAX))
    }

    /// `volume` requests (by class) sent over `span` ended at `pop` with
    /// `outcome` (Ok: success); only the measured part counts.
    pub fn outcome_volumes(&mut self, span: SentSpan, pop: u32, volume: [f64; 4], outcome: Result<(), FailReason>) {
        let Some((span, share)) = self.measured(span) else { return };
        self.measured_outcome_volumes(span, share, pop, volume, outcome);
    }

    /// [`Self::outcome_volumes`] and [`Self::region_volume`] at once, for
    /// `volume` requests (by class, `total` in all) of client network `net`.
    pub fn flow_outcome_volumes(
        &mut self,
        span: SentSpan,
        (pop, net): (u32, u32),
        volume: [f64; 4],
        total: f64,
        outcome: Result<(), FailReason>,
    ) {
        let Some((span, share)) = self.measured(span) else { return };
        self.measured_outcome_volumes(span, share, pop, volume, outcome);
        self.regions.add_volume(span, SimDuration(self.bucket_ns), net, total * share, outcome.is_ok());
        self.horizon.add_region_volume(span, net, total * share, outcome.is_ok());
    }

    /// [`Self::outcome_volumes`] of the measured part `span`, `share` of the whole.
    fn measured_outcome_volumes(
        &mut self,
        span: SentSpan,
        share: f64,
        pop: u32,
        volume: [f64; 4],
        outcome: Result<(), FailReason>,
    ) {
        let v = volume.map(|x| x * share);
        let all: f64 = v.iter().sum();
        if all <= 0.0 {
            return;
        }
        let ok = outcome.is_ok();
        self.horizon.add_volume(span, &v, ok);
        let (origin, width) = (SimTime::ZERO, SimDuration(self.bucket_ns));
        let last = self.buckets.len().saturating_sub(1);
        self.volumes();
        let Some(vols) = self.volumes.as_deref_mut() else { return };
        vols.total.add(all, ok);
        for (c, x) in v.iter().enumerate() {
            vols.by_class[c].add(*x, ok);
        }
        if let Some(c) = vols.by_pop.get_mut(pop as usize) {
            c.add(all, ok);
        }
        if let Err(reason) = outcome {
            vols.failed_by_reason[reason as usize] += all;
            if reason == FailReason::Shed {
                (0..4).for_each(|c| vols.shed_by_class[c] += v[c]);
            }
        }
        match span.single_slot(origin, width) {
            Some(b) => {
                if let Some(bucket) = vols.buckets.get_mut(b.min(last)) {
                    bucket.add(all, ok);
                }
            }
            None => {
                for (b, s) in span.slots(origin, width) {
                    if let Some(bucket) = vols.buckets.get_mut(b.min(last)) {
                        bucket.add(all * s, ok);
                    }
                }
            }
        }
        for (p, pv) in self.probes.iter().zip(vols.probes.iter_mut()) {
            if p.pop.is_some_and(|q| q != pop) {
                continue;
            }
            let in_scope = p.class.map_or(all, |c| v[c as usize]);
            let s = span.share_in(p.from, p.to);
            if s > 0.0 && in_scope > 0.0 {
                pv.add(in_scope * s, ok);
            }
        }
    }

    /// `volume` attempts made by requests sent over `span` (the measured part counts).
    pub fn attempts_volume(&mut self, span: SentSpan, volume: f64) {
        if let Some((_, share)) = self.measured(span) {
            self.volumes().attempts += volume * share;
        }
    }

    /// `volume` measured successes of `class` answered by `pop`, with
    /// latencies distributed as `atoms` shifted by `shift`: into the run's
    /// latency histograms (all, by class, by PoP), which have no time axis,
    /// so a caller may add up volumes over a long span before recording.
    pub fn latency_totals_volume(&mut self, pop: u32, class: u8, volume: f64, atoms: &Atoms, shift: SimDuration) {
        if volume.is_nan() || volume <= 0.0 {
            return;
        }
        let record = |h: &mut LatencyHistogram| atoms.iter().for_each(|(d, m)| h.record_volume(*d + shift, volume * m));
        record(&mut self.latency);
        record(&mut self.latency_by_class[class as usize]);
        if let Some(h) = self.latency_by_pop.get_mut(pop as usize) {
            record(h);
        }
    }

    /// Successes sent over `span` (`volume` by class), answered by `pop`,
    /// with latencies `atoms` shifted by `shift`: into the histograms with
    /// a time axis (the time-series buckets and the expectations' scopes),
    /// the measured part. The run's totals are [`Self::latency_totals_volume`]'s.
    pub fn latency_series_volume(
        &mut self,
        span: SentSpan,
        pop: u32,
        volume: [f64; 4],
        atoms: &Atoms,
        shift: SimDuration,
    ) {
        let Some((span, share)) = self.measured(span) else { return };
        let v = volume.iter().sum::<f64>() * share;
        let last = self.buckets.len().saturating_sub(1);
        for (b, s) in span.slots(SimTime::ZERO, SimDuration(self.bucket_ns)) {
            if let Some(bucket) = self.buckets.get_mut(b.min(last)) {
                let h = bucket.latency.get_or_insert_with(|| LatencyHistogram::new(2));
                atoms.iter().for_each(|(d, m)| h.record_volume(*d + shift, v * s * m));
            }
        }
        for p in self.probes.iter_mut() {
            if !p.records_latency || p.pop.is_some_and(|q| q != pop) {
                continue;
            }
            let in_class = p.class.map_or(volume.iter().sum::<f64>(), |c| volume[c as usize]);
            let s = span.share_in(p.from, p.to);
            if s > 0.0 && in_class > 0.0 {
                atoms.iter().for_each(|(d, m)| p.latency.record_volume(*d + shift, in_class * share * s * m));
            }
        }
    }

    /// Where `span`'s successes go in the histograms with a time axis, if
    /// they go there whole: the span is measured whole, lies in one bucket
    /// and in or out of each latency probe's window whole (at most 64
    /// probes). Successes of one key may then be added up before
    /// recording ([`Self::latency_series_key_volume`]); `None`: record
    /// them with [`Self::latency_series_volume`].
    pub fn series_key(&self, span: SentSpan) -> Option<SeriesKey> {
        if self.measured_share(span) != 1.0 || self.probes.len() > 64 || self.buckets.is_empty() {
            return None;
        }
        let last = self.buckets.len() - 1;
        let bucket = match span.single_slot(SimTime::ZERO, SimDuration(self.bucket_ns)) {
            Some(b) => b.min(last),
            None => {
                let mut slots = span.slots(SimTime::ZERO, SimDuration(self.bucket_ns));
                let (first, s) = slots.next()?;
                match slots.last() {
                    None if s == 1.0 => first.min(last),
                    // Past the last bucket everything lands in it.
                    Some((b, _)) if first >= last && b >= last => last,
                    _ => return None,
                }
            }
        };
        let mut probes = 0u64;
        for (i, p) in self.probes.iter().enumerate().filter(|(_, p)| p.records_latency) {
            let s = span.share_in(p.from, p.to);
            if s == 1.0 {
                probes |= 1 << i;
            } else if s != 0.0 {
                return None;
            }
        }
        Some(SeriesKey { bucket, probes })
    }

    /// `volume` measured successes (by class) of `key` answered by `pop`,
    /// latencies `atoms` shifted by `shift`: what
    /// [`Self::latency_series_volume`] records for spans of that key, at once.
    pub fn latency_series_key_volume(
        &mut self,
        key: SeriesKey,
        pop: u32,
        volume: [f64; 4],
        atoms: &Atoms,
        shift: SimDuration,
    ) {
        let v = volume.iter().sum::<f64>();
        if let Some(bucket) = self.buckets.get_mut(key.bucket) {
            let h = bucket.latency.get_or_insert_with(|| LatencyHistogram::new(2));
            atoms.iter().for_each(|(d, m)| h.record_volume(*d + shift, v * m));
        }
        for (i, p) in self.probes.iter_mut().enumerate() {
            if key.probes & (1 << i) == 0 || !p.records_latency || p.pop.is_some_and(|q| q != pop) {
                continue;
            }
            let in_class = p.class.map_or(v, |c| volume[c as usize]);
            if in_class > 0.0 {
                atoms.iter().for_each(|(d, m)| p.latency.record_volume(*d + shift, in_class * m));
            }
        }
    }

    /// Rounds the volumes into the whole counts (once, at the end of a flow
    /// run): every total is the sum of its parts (classes; reasons of the
    /// failures; classes of the shed), each rounded to the nearest whole.
    pub fn settle_volumes(&mut self) {
        let Some(v) = self.volumes.take() else { return };
        for (c, vc) in self.by_class.iter_mut().zip(&v.by_class) {
            settle_into(c, vc);
        }
        let issued: u64 = self.by_class.iter().map(|c| c.issued).sum();
        let succeeded: u64 = self.by_class.iter().map(|c| c.succeeded).sum();
        let failed_before = self.total.failed();
        let added = (issued.saturating_sub(self.total.issued), succeeded.saturating_sub(self.total.succeeded));
        self.regions.settle(added.0, added.1);
        self.horizon.settle(&v.by_class.map(|c| c.round()), Counts { issued: added.0, succeeded: added.1 });
        self.total = Counts { issued, succeeded };
        let failed = self.total.failed() - failed_before;
        let reasons = apportion(&v.failed_by_reason, failed);
        for (r, add) in self.failed_by_reason.iter_mut().zip(&reasons) {
            *r += add;
        }
        let shed = apportion(&v.shed_by_class, reasons[FailReason::Shed as usize]);
        for (s, add) in self.shed_by_class.iter_mut().zip(&shed) {
            *s += add;
        }
        self.attempts += v.attempts.round() as u64;
        for (c, vc) in self.by_pop.iter_mut().zip(&v.by_pop) {
            settle_into(c, vc);
        }
        for (b, vc) in self.buckets.iter_mut().zip(&v.buckets) {
            settle_into(&mut b.counts, vc);
        }
        for (p, vc) in self.probes.iter_mut().zip(&v.probes) {
            settle_into(&mut p.counts, vc);
        }
    }
}

/// Splits `total` into whole parts as near `weights` (scaled to sum to
/// `total`) as can be: largest remainders, ties to the first.
pub fn apportion<const N: usize>(weights: &[f64; N], total: u64) -> [u64; N] {
    let parts = apportion_slice(weights, total);
    std::array::from_fn(|i| parts[i])
}

/// [`apportion`] over a slice: negative and non-finite weights count as 0;
/// all to the first part when every weight is 0.
pub fn apportion_slice(weights: &[f64], total: u64) -> Vec<u64> {
    let weights: Vec<f64> = weights.iter().map(|&w| if w.is_finite() { w.max(0.0) } else { 0.0 }).collect();
    let sum: f64 = weights.iter().sum();
    let mut out = vec![0u64; weights.len()];
    if out.is_empty() || total == 0 {
        return out;
    }
    if sum <= 0.0 {
        out[0] = total;
        return out;
    }
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * total as f64).collect();
    for (o, e) in out.iter_mut().zip(&exact) {
        *o = e.floor() as u64;
    }
    let mut left = total.saturating_sub(out.iter().sum());
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// The volumes beside a [`FaultRecord`]'s counts.
#[derive(Debug, Clone, Default)]
pub(super) struct FaultVolumes {
    buckets: Vec<VolumeCounts>,
    during: VolumeCounts,
    attempts_during: f64,
}

impl FaultRecord {
    /// `volume` affected requests sent over `span` ended (`ok`: succeeded)
    /// after `attempts` attempts each.
    pub fn outcome_volume(&mut self, span: SentSpan, ok: bool, volume: f64, attempts: u32) {
        let at = self.at;
        let during_to = self.ended.unwrap_or(SimTime(u64::MAX));
        let n = self.buckets.len();
        let vols = self.volumes.get_or_insert_with(|| {
            Box::new(FaultVolumes { buckets: vec![VolumeCounts::default(); n], ..FaultVolumes::default() })
        });
        for (b, s) in span.slots(at, RTO_BUCKET) {
            if let Some(bucket) = vols.buckets.get_mut(b) {
                bucket.add(volume * s, ok);
            }
        }
        let during = volume * span.share_in(at, during_to);
        vols.during.add(during, ok);
        vols.attempts_during += during * attempts as f64;
    }

    /// `volume` affected successes sent over `span`, with latencies `atoms`
    /// shifted by `shift`, into the before, during and after histograms.
    pub fn latency_volume(&mut self, span: SentSpan, volume: f64, atoms: &Atoms, shift: SimDuration) {
        let before_from = SimTime(self.at.as_nanos().saturating_sub(BEFORE_WINDOW.as_nanos()));
        let ended = self.ended.unwrap_or(SimTime(u64::MAX));
        let parts = [
            (span.share_in(before_from, self.at), &mut self.latency_before),
            (span.share_in(self.at, ended), &mut self.latency_during),
            (span.share_in(ended, SimTime(u64::MAX)), &mut self.latency_after),
        ];
        for (share, h) in parts {
            if share > 0.0 {
                atoms.iter().for_each(|(d, m)| h.record_volume(*d + shift, volume * share * m));
            }
        }
    }

    /// Rounds the volumes into the whole counts (once, at the end of a flow run).
    pub fn settle_volumes(&mut self) {
        let Some(v) = self.volumes.take() else { return };
        for (b, vc) in self.buckets.iter_mut().zip(&v.buckets) {
            settle_into(b, vc);
        }
        settle_into(&mut self.during, &v.during);
        self.attempts_during += v.attempts_during.round() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(a_ms: u64, b_ms: u64) -> SentSpan {
        SentSpan { from: SimTime(a_ms * 1_000_000), to: SimTime(b_ms * 1_000_000) }
    }

    #[test]
    fn a_span_splits_over_slots_by_overlap() {
        let s = span(500, 2_500);
        let slots: Vec<(usize, f64)> = s.slots(SimTime::ZERO, SimDuration::from_secs(1)).collect();
        assert_eq!(slots, vec![(0, 0.25), (1, 0.5), (2, 0.25)]);
        // Before the origin: no slot; an instant: one.
        assert_eq!(span(0, 400).slots(SimTime(500_000_000), SimDuration::from_secs(1)).count(), 0);
        let instant = span(1_200, 1_200);
        assert_eq!(instant.slots(SimTime::ZERO, SimDuration::from_secs(1)).collect::<Vec<_>>(), vec![(1, 1.0)]);
        assert_eq!(s.share_in(SimTime::ZERO, SimTime(1_500_000_000)), 0.5);
    }

    #[test]
    fn a_single_slot_is_the_one_the_slots_give_whole() {
        let w = SimDuration::from_secs(1);
        let origin = SimTime(300_000_000);
        // Inside one slot, at its edges, across two, before the origin, empty.
        let spans = [
            span(1_400, 1_900),
            span(1_300, 2_300),
            span(1_300, 2_301),
            span(1_299, 1_800),
            span(100, 200),
            span(1_700, 1_700),
            span(2_300, 2_300),
        ];
        for s in spans {
            let all: Vec<(usize, f64)> = s.slots(origin, w).collect();
            let whole = match all.as_slice() {
                [(b, share)] if *share == 1.0 && s.from >= origin => Some(*b),
                _ => None,
            };
            assert_eq!(s.single_slot(origin, w), whole, "{s:?}: {all:?}");
        }
        assert_eq!(span(1_300, 2_300).single_slot(origin, w), Some(1));
        // Inside a window: share 1 (without a division); across it: the part.
        assert_eq!(span(1_000, 2_000).share_in(SimTime(1_000_000_000), SimTime(2_000_000_000)), 1.0);
        assert_eq!(span(1_000, 3_000).share_in(SimTime(1_000_000_000), SimTime(2_000_000_000)), 0.5);
    }

    #[test]
    fn apportion_keeps_the_total_and_the_proportions() {
        assert_eq!(apportion(&[1.0, 1.0, 1.0], 10), [4, 3, 3]);
        assert_eq!(apportion(&[0.0, 2.6, 7.4], 10), [0, 3, 7]);
        assert_eq!(apportion(&[0.0, 0.0], 3), [3, 0]);
        let w = [0.1, 5.55, 3.35, 1e-9];
        assert_eq!(apportion(&w, 900).iter().sum::<u64>(), 900);
    }

    #[test]
    fn a_key_records_what_the_spans_would_and_refuses_a_straddling_one() {
        let probe = || super::super::Probe::new(SimTime(3_000_000_000), SimTime(5_000_000_000), None, Some(1));
        let new = || {
            Recorder::new(
                2,
                SimDuration::from_secs(10),
                SimTime(1_000_000_000),
                SimDuration::from_secs(2),
                vec![probe()],
            )
        };
        let atoms = [(SimDuration::from_millis(3), 0.5), (SimDuration::from_millis(40), 0.5)];
        let shift = SimDuration::from_millis(20);
        let (mut direct, mut keyed) = (new(), new());
        // Two spans in bucket 1 ([2 s, 4 s)) and in the probe's window.
        let spans = [span(3_000, 3_500), span(3_500, 4_000)];
        let key = keyed.series_key(spans[0]);
        assert_eq!(key, Some(SeriesKey { bucket: 1, probes: 1 }));
        assert_eq!(keyed.series_key(spans[1]), key);
        let volume = [0.0, 300.0, 100.0, 0.0];
        for s in spans {
            direct.latency_series_volume(s, 0, volume, &atoms, shift);
        }
        if let Some(k) = key {
            keyed.latency_series_key_volume(k, 0, volume.map(|v| 2.0 * v), &atoms, shift);
        }
        let hist = |r: &Recorder| r.buckets[1].latency.as_ref().map(|h| (h.count(), h.quantile_ms(0.9), h.mean_ms()));
        assert_eq!(hist(&keyed), hist(&direct));
        assert_eq!(hist(&keyed).map(|h| h.0), Some(800));
        assert_eq!(keyed.probes[0].latency.count(), 600);
        assert_eq!(keyed.probes[0].latency.mean_ms(), direct.probes[0].latency.mean_ms());
        // Across a bucket's end, a probe's end or the warm-up's: recorded at once.
        for straddling in [span(3_500, 4_500), span(4_500, 5_500), span(500, 1_500)] {
            assert_eq!(keyed.series_key(straddling), None, "{straddling:?}");
        }
    }

    #[test]
    fn recorder_volumes_settle_into_consistent_counts() {
        let mut r =
            Recorder::new(2, SimDuration::from_secs(10), SimTime(1_000_000_000), SimDuration::from_secs(1), vec![]);
        // 0-2 s: half before the warm-up end at 1 s.
        r.outcome_volumes(span(0, 2_000), 0, [0.0, 1_000.0, 0.0, 0.0], Ok(()));
        r.outcome_volumes(span(2_000, 3_000), 1, [0.0, 0.0, 100.4, 0.0], Err(FailReason::Shed));
        r.outcome_volumes(span(2_000, 3_000), 1, [0.0, 0.0, 0.0, 50.3], Err(FailReason::Timeout));
        r.settle_volumes();
        assert_eq!(r.total, Counts { issued: 650, succeeded: 500 });
        assert_eq!(r.total.failed(), r.failed_by_reason.iter().sum::<u64>());
        assert_eq!(r.failed_by_reason[FailReason::Shed as usize], r.shed_by_class.iter().sum::<u64>());
        assert_eq!(r.buckets[1].counts, Counts { issued: 500, succeeded: 500 });
        assert_eq!(r.buckets[0].counts.issued, 0);
    }
}
