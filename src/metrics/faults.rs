//! What a run records about each fault: its timeline, the traffic it
//! affected, and the recovery time objective as DESIGN.md defines it.

use super::{Counts, LatencyHistogram};
use crate::engine::{SimDuration, SimTime};

/// The named steps of a fault's timeline, in the order they normally happen
/// (summary.json's `faults[].timeline` keys; reports and baselines use this order).
pub const TIMELINE_STEPS: [&str; 10] = [
    "fault",
    "detected",
    "withdrawal_started",
    "first_moved",
    "half_moved",
    "all_moved",
    "recovered",
    "pop_restored",
    "declared_up",
    "reannounced",
];

/// Success ratio the affected traffic must reach again (RTO threshold).
pub const RTO_THRESHOLD: f64 = 0.99;
/// How long it must stay there.
pub const RTO_HOLD: SimDuration = SimDuration::from_secs(10);
/// Width of the buckets the RTO is measured on.
pub const RTO_BUCKET: SimDuration = SimDuration::from_secs(1);
/// How long after an incident's start its RTO is looked for: an incident
/// whose traffic is not back by then counts as not recovered.
pub const INCIDENT_RTO_WINDOW: SimDuration = SimDuration::from_secs(30 * 60);
/// How far before a fault "latency before" looks.
pub const BEFORE_WINDOW: SimDuration = SimDuration::from_secs(60);

/// Everything recorded about one fault.
#[derive(Debug, Clone)]
pub struct FaultRecord {
    /// When it started.
    pub at: SimTime,
    /// When it ended (the PoP restored), if it did within the run.
    pub ended: Option<SimTime>,
    /// When the health checker declared the PoP down.
    pub detected: Option<SimTime>,
    /// When the route withdrawal started.
    pub withdrawn: Option<SimTime>,
    /// When the health checker declared the PoP up again.
    pub declared_up: Option<SimTime>,
    /// When the route was announced again.
    pub reannounced: Option<SimTime>,
    /// Client networks in the PoP's catchment when the fault struck.
    pub affected_networks: u32,
    /// When each of them moved, in order: the first time, while the fault
    /// lasted, that every PoP the network's route could send a request to
    /// (its best, and its second-best if it is unstable) was live, that is
    /// serving and not struck by this fault. Dropping a route to fall back
    /// on another dead PoP is not a move.
    pub moved: Vec<SimTime>,
    /// Client networks' route changes while this fault lasted and was the
    /// latest (path-vector convergence; 0 otherwise).
    pub route_changes: u32,
    /// The last of those route changes.
    pub last_route_change: Option<SimTime>,
    /// When the last BGP update was processed anywhere while this fault
    /// lasted and was the latest (path-vector convergence only).
    pub bgp_quiet: Option<SimTime>,
    /// Affected requests by send time, one bucket per [`RTO_BUCKET`] from `at`.
    pub buckets: Vec<Counts>,
    /// Affected requests sent while the fault lasted.
    pub during: Counts,
    /// Attempts of those requests.
    pub attempts_during: u64,
    /// Latency of affected successes sent in the minute before the fault.
    pub latency_before: LatencyHistogram,
    /// ... sent while the fault lasted.
    pub latency_during: LatencyHistogram,
    /// ... sent after it ended.
    pub latency_after: LatencyHistogram,
    /// Fractional counts of a flow run, until settled into the counts.
    pub(super) volumes: Option<Box<super::volume::FaultVolumes>>,
}

impl FaultRecord {
    /// A record for a fault at `at`, in a run that ends at `end`.
    pub fn new(at: SimTime, end: SimTime) -> Self {
        let buckets = (end - at).as_nanos().div_ceil(RTO_BUCKET.as_nanos()) as usize;
        FaultRecord {
            at,
            ended: None,
            detected: None,
            withdrawn: None,
            declared_up: None,
            reannounced: None,
            affected_networks: 0,
            moved: Vec::new(),
            route_changes: 0,
            last_route_change: None,
            bgp_quiet: None,
            buckets: vec![Counts::default(); buckets],
            during: Counts::default(),
            attempts_during: 0,
            latency_before: LatencyHistogram::new(3),
            latency_during: LatencyHistogram::new(3),
            latency_after: LatencyHistogram::new(3),
            volumes: None,
        }
    }

    /// The outcome of an affected request first sent at `sent`.
    pub fn outcome(&mut self, sent: SimTime, ok: bool, latency: SimDuration, attempts: u32) {
        if sent < self.at {
            if ok && self.at - sent <= BEFORE_WINDOW {
                self.latency_before.record(latency);
            }
            return;
        }
        let b = ((sent - self.at).as_nanos() / RTO_BUCKET.as_nanos()) as usize;
        if let Some(bucket) = self.buckets.get_mut(b) {
            bucket.issued += 1;
            bucket.succeeded += ok as u64;
        }
        let during = self.ended.is_none_or(|e| sent < e);
        if during {
            self.during.issued += 1;
            self.during.succeeded += ok as u64;
            self.attempts_during += attempts as u64;
        }
        if ok {
            if during {
                self.latency_during.record(latency)
            } else {
                self.latency_after.record(latency)
            }
        }
    }

    /// The recovery time: from the fault to the start of the first bucket
    /// from which the affected traffic's success ratio stays at or above
    /// [`RTO_THRESHOLD`] for [`RTO_HOLD`]. Buckets without traffic neither
    /// break nor make the hold. `None` if that never happens within the run.
    pub fn rto(&self) -> Option<SimDuration> {
        let hold = (RTO_HOLD.as_nanos() / RTO_BUCKET.as_nanos()) as usize;
        let ok = |c: &Counts| c.issued == 0 || c.succeeded as f64 >= RTO_THRESHOLD * c.issued as f64;
        let mut run_start = None;
        for (i, c) in self.buckets.iter().enumerate() {
            if !ok(c) {
                run_start = None;
                continue;
            }
            let start = *run_start.get_or_insert(i);
            if i + 1 - start >= hold {
                return Some(SimDuration(start as u64 * RTO_BUCKET.as_nanos()));
            }
        }
        None
    }

    /// When `share` (0..1] of the affected networks had moved away, counted
    /// from the fault; `None` if fewer moved.
    pub fn moved_share(&self, share: f64) -> Option<SimDuration> {
        if self.affected_networks == 0 {
            return None;
        }
        let need = ((share * self.affected_networks as f64).ceil() as usize).max(1);
        self.moved.get(need - 1).map(|t| *t - self.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_with(ratios: &[(u64, u64)]) -> FaultRecord {
        let mut r = FaultRecord::new(SimTime::ZERO, SimTime::ZERO + SimDuration::from_secs(ratios.len() as u64));
        for (i, (ok, all)) in ratios.iter().enumerate() {
            r.buckets[i] = Counts { issued: *all, succeeded: *ok };
        }
        r
    }

    #[test]
    fn rto_is_the_start_of_the_first_ten_good_seconds() {
        // 3 bad seconds, 4 good, 1 bad, then 10 good: RTO 8 s.
        let mut b = vec![(0, 100); 3];
        b.extend([(100, 100); 4]);
        b.push((98, 100));
        b.extend([(99, 100); 10]);
        assert_eq!(record_with(&b).rto(), Some(SimDuration::from_secs(8)));
    }

    #[test]
    fn no_rto_without_a_full_hold_inside_the_run() {
        let mut b = vec![(0, 100); 3];
        b.extend([(100, 100); 9]);
        assert_eq!(record_with(&b).rto(), None);
    }

    #[test]
    fn moved_share_reads_the_nth_move() {
        let mut r = FaultRecord::new(SimTime(1_000), SimTime(100_000));
        r.affected_networks = 4;
        r.moved = vec![SimTime(1_010), SimTime(1_020), SimTime(1_030), SimTime(1_040)];
        assert_eq!(r.moved_share(0.0), Some(SimDuration(10)));
        assert_eq!(r.moved_share(0.5), Some(SimDuration(20)));
        assert_eq!(r.moved_share(1.0), Some(SimDuration(40)));
        r.moved.pop();
        assert_eq!(r.moved_share(1.0), None);
    }
}
