//! Durable Objects: single-master objects with a write-ahead log shipped to
//! a backup region, periodic snapshots, and migration by snapshot restore
//! and WAL replay when the owner region fails.

use crate::engine::dist::DurationDist;
use crate::engine::rng::Stream;
use crate::engine::{SimDuration, SimTime};
use rand::Rng;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// When a write is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckMode {
    /// On local commit: fast, loses the unshipped tail on a region failure.
    Local,
    /// After the WAL entry reaches the backup (an output gate): nothing lost.
    Replicated,
}

/// The Durable Object model's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct DoConfig {
    /// Objects.
    pub objects: u32,
    /// Owner regions, by index into the state regions; objects are spread
    /// over them round-robin, each backed up in the next one.
    pub regions: Vec<usize>,
    /// Acknowledgement mode.
    pub ack: AckMode,
    /// Local commit time of a write.
    pub commit: SimDuration,
    /// WAL shipping delay, owner to backup, per entry (entries arrive in order).
    pub wal_lag: DurationDist,
    /// One-way time from backup back to owner (the replicated ack's return).
    pub ship_back: SimDuration,
    /// Time between snapshots.
    pub snapshot_interval: SimDuration,
    /// First snapshot of every object (random per object if `None`).
    pub snapshot_phase: Option<SimDuration>,
    /// State of a new object, bytes.
    pub initial_bytes: f64,
    /// State added by one write, bytes.
    pub write_bytes: f64,
    /// Snapshot restore speed, bytes per second.
    pub restore_bytes_per_s: f64,
    /// Fixed cost of one restore.
    pub restore_overhead: SimDuration,
    /// WAL replay speed, entries per second.
    pub replay_entries_per_s: f64,
    /// Restores one backup region runs at once.
    pub parallel_restores: u32,
    /// From a region failure to the router declaring it.
    pub detection: SimDuration,
    /// From detection to the start of migrations.
    pub migration_delay: SimDuration,
    /// From WAL replayed to routing updated.
    pub routing_update: SimDuration,
}

/// One WAL entry not yet known to have reached the backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WalEntry {
    written: SimTime,
    acked: SimTime,
    arrives: SimTime,
}

/// One object.
#[derive(Debug, Clone)]
struct Object {
    owner: usize,
    backup: usize,
    writes: u64,
    bytes: f64,
    snap_bytes: f64,
    snap_entries: u64,
    last_arrival: SimTime,
    unshipped: VecDeque<WalEntry>,
    /// When it serves from its new owner after a migration.
    serving_from: Option<SimTime>,
}

/// A migration's steps for one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectMigration {
    /// Object index.
    pub object: u32,
    /// Restore started.
    pub started: SimTime,
    /// Snapshot restored.
    pub restored: SimTime,
    /// WAL replayed.
    pub replayed: SimTime,
    /// Routing updated: serving again.
    pub serving: SimTime,
}

impl ObjectMigration {
    /// False when a step can never end (a zero restore or replay speed):
    /// then `restored`, `replayed` and `serving` are `SimTime::MAX`, which
    /// is no time at all, not a recovery time.
    pub fn recovered(&self) -> bool {
        self.serving != SimTime::MAX
    }
}

/// `amount / per_s` seconds, rounded to the nanosecond: zero for no
/// amount; `None` when the time is not finite or does not fit the clock
/// (a speed that is zero, negative or NaN, or an amount beyond any run).
pub fn time_at_rate(amount: f64, per_s: f64) -> Option<SimDuration> {
    if amount <= 0.0 {
        return Some(SimDuration::ZERO);
    }
    let ns = (amount / per_s * 1e9).round();
    // 2^64 ns is about 584 years; anything near it is not a time.
    (ns.is_finite() && ns >= 0.0 && ns < u64::MAX as f64).then_some(SimDuration(ns as u64))
}

/// A Poisson draw of mean `mean` (zero for a mean that is not positive and
/// finite; the mean itself, rounded, beyond what the sampler takes, where
/// the spread is negligible).
fn poisson(mean: f64, rng: &mut Stream) -> u64 {
    if !(mean.is_finite() && mean > 0.0) {
        return 0;
    }
    if mean >= 1e15 {
        return mean.round().min(u64::MAX as f64) as u64;
    }
    rand_distr::Poisson::new(mean).map_or(0, |p| rand_distr::Distribution::sample(&p, rng) as u64)
}

/// What a region failure cost and how the objects came back.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionFailover {
    /// The failure.
    pub at: SimTime,
    /// The router declared it.
    pub detected: SimTime,
    /// Migrations started.
    pub migration_started: SimTime,
    /// Acknowledged writes lost (not shipped when the region failed).
    pub writes_lost: u64,
    /// Age at the failure of the oldest lost acknowledged write (zero if none).
    pub rpo: SimDuration,
    /// Each affected object's migration, in object order.
    pub objects: Vec<ObjectMigration>,
}

/// All Durable Objects of a run.
#[derive(Debug, Clone)]
pub struct DurableObjects {
    cfg: DoConfig,
    objects: Vec<Object>,
    region_up: Vec<bool>,
    /// Writes acknowledged.
    pub writes_acked: u64,
}

/// What happened to a request that reached an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoOutcome {
    /// Served; the answer leaves the object after this long (commit, and for
    /// replicated writes the wait for the backup).
    Served(SimDuration),
    /// The object's region is down and it has not been migrated yet.
    Unavailable,
}

impl DurableObjects {
    /// `regions` state regions in all.
    pub fn new(cfg: DoConfig, regions: usize) -> Self {
        let n = cfg.regions.len().max(1);
        let objects = (0..cfg.objects as usize)
            .map(|i| {
                let owner = cfg.regions[i % n];
                let backup = cfg.regions[(i + 1) % n];
                Object {
                    owner,
                    backup,
                    writes: 0,
                    bytes: cfg.initial_bytes,
                    snap_bytes: cfg.initial_bytes,
                    snap_entries: 0,
                    last_arrival: SimTime::ZERO,
                    unshipped: VecDeque::new(),
                    serving_from: None,
                }
            })
            .collect();
        DurableObjects { cfg, objects, region_up: vec![true; regions], writes_acked: 0 }
    }

    /// Puts every object in the state a long-running system shows at t = 0
    /// and returns each object's first snapshot time, for the caller to
    /// schedule (then every `snapshot_interval`).
    ///
    /// An object's last snapshot is `age` old: uniform over
    /// [0, snapshot_interval) per object, or `(interval - phase) mod interval`
    /// for a fixed `snapshot_phase`. The WAL written since it, already
    /// shipped to the backup, holds Poisson(`writes_per_s` x age) entries
    /// (writes per second of one object), as the run's own Poisson writes
    /// would have left it; the object's state is the snapshot
    /// (`initial_bytes`) plus those entries. Draws from `rng` (a stream of
    /// its own, so the start does not shift the run's other draws).
    pub fn start_steady(&mut self, writes_per_s: f64, rng: &mut Stream) -> Vec<SimTime> {
        let interval = self.cfg.snapshot_interval.as_nanos().max(1);
        let write_bytes = self.cfg.write_bytes;
        let mut first = Vec::with_capacity(self.objects.len());
        for obj in &mut self.objects {
            let age = match self.cfg.snapshot_phase {
                Some(p) => (interval - p.as_nanos() % interval) % interval,
                None => rng.random_range(0..interval),
            };
            let entries = poisson(writes_per_s * SimDuration(age).as_secs_f64(), rng);
            obj.writes = entries;
            obj.snap_entries = 0;
            obj.snap_bytes = self.cfg.initial_bytes;
            obj.bytes = self.cfg.initial_bytes + entries as f64 * write_bytes;
            first.push(SimTime((interval - age) % interval));
        }
        first
    }

    /// The model's parameters.
    pub fn config(&self) -> &DoConfig {
        &self.cfg
    }

    /// Objects in all.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// True with no objects.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The region that owns object `o` now.
    pub fn owner(&self, o: usize) -> usize {
        self.objects[o].owner
    }

    fn available(&self, o: usize, now: SimTime) -> bool {
        let obj = &self.objects[o];
        match obj.serving_from {
            Some(t) if now < t => false,
            _ => self.region_up[obj.owner],
        }
    }

    fn forget_shipped(obj: &mut Object, now: SimTime) {
        while obj.unshipped.front().is_some_and(|e| e.arrives <= now) {
            obj.unshipped.pop_front();
        }
    }

    /// A request reaches object `o` at `now`; a write appends to its WAL.
    pub fn request(&mut self, o: usize, now: SimTime, write: bool, rng: &mut Stream) -> DoOutcome {
        if !self.available(o, now) {
            return DoOutcome::Unavailable;
        }
        if !write {
            return DoOutcome::Served(SimDuration::ZERO);
        }
        let cfg = &self.cfg;
        let obj = &mut self.objects[o];
        Self::forget_shipped(obj, now);
        let written = now + cfg.commit;
        let arrives = (written + cfg.wal_lag.sample(rng)).max(obj.last_arrival);
        obj.last_arrival = arrives;
        let acked = match cfg.ack {
            AckMode::Local => written,
            AckMode::Replicated => arrives + cfg.ship_back,
        };
        obj.writes += 1;
        obj.bytes += cfg.write_bytes;
        obj.unshipped.push_back(WalEntry { written, acked, arrives });
        self.writes_acked += 1;
        DoOutcome::Served(acked - now)
    }

    /// Object `o` takes a snapshot at `now` (of what its backup has received).
    pub fn snapshot(&mut self, o: usize, now: SimTime) {
        if !self.available(o, now) {
            return;
        }
        let obj = &mut self.objects[o];
        Self::forget_shipped(obj, now);
        obj.snap_entries = obj.writes - obj.unshipped.len() as u64;
        obj.snap_bytes = obj.bytes - obj.unshipped.len() as f64 * self.cfg.write_bytes;
    }

    /// The time to restore a snapshot of `bytes`; `None` if it never ends
    /// (a restore speed that is not a positive finite number).
    pub fn restore_time(&self, bytes: f64) -> Option<SimDuration> {
        Some(self.cfg.restore_overhead + time_at_rate(bytes, self.cfg.restore_bytes_per_s)?)
    }

    /// The time to replay `entries` WAL entries; `None` if it never ends.
    pub fn replay_time(&self, entries: u64) -> Option<SimDuration> {
        time_at_rate(entries as f64, self.cfg.replay_entries_per_s)
    }

    /// Region `r` fails at `now`: count what is lost, and plan every
    /// affected object's migration to its backup (finite restores at once
    /// per backup region, objects in order).
    pub fn region_down(&mut self, r: usize, now: SimTime) -> RegionFailover {
        self.region_up[r] = false;
        let detected = now + self.cfg.detection;
        let start = detected + self.cfg.migration_delay;
        let mut lost = 0u64;
        let mut oldest: Option<SimTime> = None;
        let mut workers: Vec<BinaryHeap<Reverse<SimTime>>> = vec![BinaryHeap::new(); self.region_up.len()];
        let mut migrations = Vec::new();
        for o in 0..self.objects.len() {
            if self.objects[o].owner != r {
                continue;
            }
            let obj = &mut self.objects[o];
            Self::forget_shipped(obj, now);
            // In flight at the failure: lost; acknowledged ones count.
            for e in obj.unshipped.iter().filter(|e| e.acked <= now) {
                lost += 1;
                oldest = Some(oldest.map_or(e.written, |t: SimTime| t.min(e.written)));
            }
            let shipped = obj.writes - obj.unshipped.len() as u64;
            let entries = shipped - obj.snap_entries;
            obj.writes = shipped;
            obj.bytes -= obj.unshipped.len() as f64 * self.cfg.write_bytes;
            obj.unshipped.clear();
            let (snap_bytes, backup) = (obj.snap_bytes, obj.backup);
            let pool = &mut workers[backup];
            let begin = if pool.len() < self.cfg.parallel_restores.max(1) as usize {
                start
            } else {
                pool.pop().map_or(start, |Reverse(t)| t.max(start))
            };
            // A step that never ends leaves the object down for good: its
            // times are `SimTime::MAX` (see `ObjectMigration::recovered`).
            let restored = self.restore_time(snap_bytes).map_or(SimTime::MAX, |d| begin + d);
            let replayed = self.replay_time(entries).map_or(SimTime::MAX, |d| restored + d);
            pool.push(Reverse(replayed));
            let serving = if replayed == SimTime::MAX { SimTime::MAX } else { replayed + self.cfg.routing_update };
            let obj = &mut self.objects[o];
            obj.serving_from = Some(serving);
            obj.owner = backup;
            obj.backup = r;
            obj.last_arrival = SimTime::ZERO;
            migrations.push(ObjectMigration { object: o as u32, started: begin, restored, replayed, serving });
        }
        RegionFailover {
            at: now,
            detected,
            migration_started: start,
            writes_lost: lost,
            rpo: oldest.map_or(SimDuration::ZERO, |t| now - t),
            objects: migrations,
        }
    }

    /// Region `r` is back (it serves as a backup from now on).
    pub fn region_up(&mut self, r: usize) {
        self.region_up[r] = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    fn cfg(ack: AckMode, lag_ms: u64) -> DoConfig {
        DoConfig {
            objects: 1,
            regions: vec![0, 1],
            ack,
            commit: SimDuration::from_millis(1),
            wal_lag: DurationDist::Constant { ns: lag_ms * 1_000_000 },
            ship_back: SimDuration::from_millis(40),
            snapshot_interval: SimDuration::from_secs(3600),
            snapshot_phase: Some(SimDuration::ZERO),
            initial_bytes: 50e6,
            write_bytes: 1e3,
            restore_bytes_per_s: 10e6,
            restore_overhead: SimDuration::ZERO,
            replay_entries_per_s: 1000.0,
            parallel_restores: 1,
            detection: SimDuration::from_secs(10),
            migration_delay: SimDuration::from_secs(5),
            routing_update: SimDuration::from_secs(5),
        }
    }

    /// One write every 10 ms for `secs` seconds, then region 0 fails.
    fn write_then_fail(c: DoConfig, secs: u64) -> (DurableObjects, RegionFailover) {
        let mut rng = stream(1, "do");
        let mut d = DurableObjects::new(c, 2);
        let n = secs * 100;
        for i in 0..n {
            d.request(0, SimTime(i * 10_000_000), true, &mut rng);
        }
        let f = d.region_down(0, SimTime(n * 10_000_000));
        (d, f)
    }

    #[test]
    fn local_acks_lose_the_unshipped_tail() {
        // Lag 500 ms: writes issued in (fail - 501 ms, fail - 1 ms] were
        // committed (acked) but had not reached the backup. Writes issued
        // every 10 ms: 50 of them; the oldest was written 500 ms + ... before.
        let (_, f) = write_then_fail(cfg(AckMode::Local, 500), 60);
        assert_eq!(f.writes_lost, 50);
        // Oldest lost: issued at fail - 500 ms, written 1 ms later.
        assert_eq!(f.rpo, SimDuration::from_millis(499));
    }

    #[test]
    fn replicated_acks_lose_nothing() {
        let (d, f) = write_then_fail(cfg(AckMode::Replicated, 500), 60);
        assert_eq!(f.writes_lost, 0);
        assert_eq!(f.rpo, SimDuration::ZERO);
        assert_eq!(d.writes_acked, 6000);
    }

    #[test]
    fn migration_restores_the_snapshot_then_replays_the_shipped_wal() {
        // 60 s at 100 writes/s, lag 500 ms: 5,950 entries shipped since the
        // snapshot at 0. 50 MB at 10 MB/s: 5 s; 5,950 entries at 1,000/s: 5.95 s.
        let (mut d, f) = write_then_fail(cfg(AckMode::Local, 500), 60);
        let o = f.objects[0];
        let at = f.at;
        assert_eq!(f.detected - at, SimDuration::from_secs(10));
        assert_eq!(o.started - at, SimDuration::from_secs(15));
        assert_eq!(o.restored - o.started, SimDuration::from_secs(5));
        assert_eq!(o.replayed - o.restored, SimDuration::from_millis(5950));
        assert_eq!(o.serving - o.replayed, SimDuration::from_secs(5));
        let mut rng = stream(2, "x");
        assert_eq!(d.request(0, SimTime(o.serving.as_nanos() - 1), false, &mut rng), DoOutcome::Unavailable);
        assert_eq!(d.request(0, o.serving, false, &mut rng), DoOutcome::Served(SimDuration::ZERO));
        assert_eq!(d.owner(0), 1);
    }

    #[test]
    fn a_longer_wal_takes_longer_to_replay() {
        // 30 s vs 90 s of writes at 100/s since the snapshot, 1,000 entries/s:
        // 6,000 more entries replay 6 s longer.
        let (_, short) = write_then_fail(cfg(AckMode::Local, 500), 30);
        let (_, long) = write_then_fail(cfg(AckMode::Local, 500), 90);
        let replay = |f: &RegionFailover| f.objects[0].replayed - f.objects[0].restored;
        assert_eq!(replay(&long).as_nanos() - replay(&short).as_nanos(), 6_000_000_000);
    }

    #[test]
    fn finite_parallelism_queues_restores() {
        let mut c = cfg(AckMode::Local, 0);
        c.objects = 6;
        c.regions = vec![0];
        c.parallel_restores = 2;
        let mut d = DurableObjects::new(c, 1);
        let f = d.region_down(0, SimTime::ZERO);
        let restored: Vec<u64> =
            f.objects.iter().map(|m| (m.restored - f.migration_started).as_nanos() / 1_000_000_000).collect();
        // Two at a time, 5 s each (no WAL to replay).
        assert_eq!(restored, vec![5, 5, 10, 10, 15, 15]);
    }

    #[test]
    fn a_restore_at_zero_speed_never_serves_again() {
        let mut c = cfg(AckMode::Local, 0);
        c.restore_bytes_per_s = 0.0;
        let mut d = DurableObjects::new(c, 2);
        let f = d.region_down(0, SimTime(60_000_000_000));
        let m = f.objects[0];
        assert!(!m.recovered());
        assert_eq!((m.restored, m.serving), (SimTime::MAX, SimTime::MAX));
        let mut rng = stream(2, "x");
        assert_eq!(d.request(0, SimTime(u64::MAX - 1), false, &mut rng), DoOutcome::Unavailable);
    }

    #[test]
    fn the_steady_start_leaves_a_wal_as_long_as_the_snapshot_is_old() {
        // Phase 900 s of 3600 s: the last snapshot is 2700 s old at t = 0;
        // 0.5 writes/s leave Poisson(1350) entries, and the first snapshot
        // in the run is at 900 s.
        let mut c = cfg(AckMode::Local, 0);
        c.objects = 200;
        c.snapshot_phase = Some(SimDuration::from_secs(900));
        let mut d = DurableObjects::new(c, 2);
        let firsts = d.start_steady(0.5, &mut stream(3, "steady"));
        assert!(firsts.iter().all(|&t| t == SimTime(900_000_000_000)));
        let f = d.region_down(0, SimTime::ZERO);
        let replayed: Vec<f64> = f.objects.iter().map(|m| (m.replayed - m.restored).as_secs_f64() * 1000.0).collect();
        let mean = replayed.iter().sum::<f64>() / replayed.len() as f64;
        // 100 objects: the mean of 100 Poisson(1350) draws is within 4 x
        // sqrt(1350 / 100) of 1350.
        assert!((mean - 1350.0).abs() < 4.0 * 13.5f64.sqrt(), "mean entries {mean}");
        // The restore is of the snapshot, not of what was written since.
        assert!(f.objects.iter().all(|m| m.restored - m.started == SimDuration::from_secs(5)));
    }
}
