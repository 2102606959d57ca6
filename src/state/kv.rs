//! The replicated KV: multi-master primaries, replication between them with
//! a lag, and per-PoP edge caches with a TTL. Reads can be stale; the model
//! measures by how much. When replication lags beyond a bound, the system
//! enters degradation level 1: writes are queued and applied later.

use crate::engine::dist::DurationDist;
use crate::engine::rng::Stream;
use crate::engine::{SimDuration, SimTime};
use std::collections::VecDeque;

/// The KV model's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct KvConfig {
    /// Primaries (multi-master), as state-region indices.
    pub primaries: usize,
    /// Keys.
    pub keys: u32,
    /// Replication delay from one primary to another, per write (in order).
    pub lag: DurationDist,
    /// How long a PoP's cache serves a value before fetching it again.
    pub cache_ttl: SimDuration,
    /// Replication lag above which level 1 starts (writes queue).
    pub lag_bound: SimDuration,
}

/// A value at a primary or in a cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Versioned {
    /// Version, 0 for never written; last writer wins.
    pub version: u32,
    /// The value.
    pub value: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct CacheEntry {
    v: Versioned,
    fetched: SimTime,
    valid: bool,
}

/// A write committed at a primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commit {
    /// When the primary commits it.
    pub at: SimTime,
    /// The primary.
    pub primary: usize,
    /// The key.
    pub key: u32,
    /// The value.
    pub value: u64,
    /// When the writer gets its acknowledgement.
    pub acked: SimTime,
}

/// A replication the caller must deliver: apply `v` of `key` at primary
/// `to` at time `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replication {
    /// Destination primary.
    pub to: usize,
    /// When it applies.
    pub at: SimTime,
    /// The key.
    pub key: u32,
    /// What to apply.
    pub v: Versioned,
    /// When it was committed at its origin.
    pub committed: SimTime,
}

/// One replicated KV namespace.
#[derive(Debug, Clone)]
pub struct Kv {
    cfg: KvConfig,
    /// Per primary, per key.
    stores: Vec<Vec<Versioned>>,
    /// Per key: the ack time of each version (index version - 1).
    acks: Vec<Vec<SimTime>>,
    /// Per (from, to) primary: last delivery time (streams are in order).
    stream_last: Vec<SimTime>,
    /// Per (from, to) primary: commit times of replications in flight.
    in_flight: Vec<VecDeque<SimTime>>,
    /// Per PoP, per key.
    caches: Vec<Vec<CacheEntry>>,
    primary_up: Vec<bool>,
    level1: bool,
}

/// What a read saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Read {
    /// The value served.
    pub v: Versioned,
    /// Served from the PoP's cache (no trip to a primary).
    pub cache_hit: bool,
    /// The primary fetched from on a miss.
    pub primary: Option<usize>,
    /// How long the newest acknowledged write the value misses has been
    /// acknowledged (zero if the value is current).
    pub staleness: SimDuration,
}

impl Kv {
    /// A namespace for `pops` PoP caches.
    pub fn new(cfg: KvConfig, pops: usize) -> Self {
        let p = cfg.primaries;
        let k = cfg.keys as usize;
        Kv {
            stores: vec![vec![Versioned::default(); k]; p],
            acks: vec![Vec::new(); k],
            stream_last: vec![SimTime::ZERO; p * p],
            in_flight: vec![VecDeque::new(); p * p],
            caches: vec![vec![CacheEntry::default(); k]; pops],
            primary_up: vec![true; p],
            level1: false,
            cfg,
        }
    }

    /// The model's parameters.
    pub fn config(&self) -> &KvConfig {
        &self.cfg
    }

    /// Changes the replication delay (a `kv-replication-lag` fault).
    pub fn set_lag(&mut self, lag: DurationDist) {
        self.cfg.lag = lag;
    }

    /// True while primary `p` is up.
    pub fn primary_up(&self, p: usize) -> bool {
        self.primary_up[p]
    }

    /// Marks primary `p` up or down.
    pub fn set_primary_up(&mut self, p: usize, up: bool) {
        self.primary_up[p] = up;
    }

    /// True while in degradation level 1 (writes queue).
    pub fn level1(&self) -> bool {
        self.level1
    }

    /// Commits a write at its primary; returns its version. The
    /// replications to deliver to the other primaries are put in `out`
    /// (cleared first).
    pub fn commit(&mut self, w: Commit, rng: &mut Stream, out: &mut Vec<Replication>) -> u32 {
        let Commit { at: now, primary: p, key, value, acked } = w;
        let k = key as usize;
        let version = self.acks[k].len() as u32 + 1;
        self.acks[k].push(acked);
        let v = Versioned { version, value };
        self.stores[p][k] = v;
        let n = self.cfg.primaries;
        out.clear();
        for q in (0..n).filter(|&q| q != p) {
            let s = p * n + q;
            let at = (now + self.cfg.lag.sample(rng)).max(self.stream_last[s]);
            self.stream_last[s] = at;
            self.in_flight[s].push_back(now);
            out.push(Replication { to: q, at, key, v, committed: now });
        }
        version
    }

    /// Delivers a replication from primary `from` (last writer wins).
    pub fn apply(&mut self, from: usize, r: &Replication) {
        let s = from * self.cfg.primaries + r.to;
        self.in_flight[s].pop_front();
        let cur = &mut self.stores[r.to][r.key as usize];
        if r.v.version > cur.version {
            *cur = r.v;
        }
    }

    /// The replication lag now: the age of the oldest write still on its way
    /// to another primary (zero when none is).
    pub fn lag(&self, now: SimTime) -> SimDuration {
        self.in_flight.iter().filter_map(|q| q.front()).map(|c| now - *c).max().unwrap_or(SimDuration::ZERO)
    }

    /// Re-evaluates level 1 at `now`; returns true if it just ended (the
    /// caller applies the queued writes).
    pub fn update_level(&mut self, now: SimTime) -> bool {
        let over = self.lag(now) > self.cfg.lag_bound;
        let ended = self.level1 && !over;
        self.level1 = over;
        ended
    }

    /// A read of `key` at PoP `pop` at `now`: from the cache while fresh,
    /// else from the first primary of `nearest` that is up (and cached).
    pub fn read(&mut self, now: SimTime, pop: usize, key: u32, nearest: &[usize]) -> Option<Read> {
        let k = key as usize;
        let entry = self.caches[pop][k];
        let (v, cache_hit, primary) = if entry.valid && now < entry.fetched + self.cfg.cache_ttl {
            (entry.v, true, None)
        } else {
            let p = *nearest.iter().find(|&&p| self.primary_up[p])?;
            let v = self.stores[p][k];
            self.caches[pop][k] = CacheEntry { v, fetched: now, valid: true };
            (v, false, Some(p))
        };
        Some(Read { v, cache_hit, primary, staleness: self.staleness(now, k, v.version) })
    }

    /// Puts a value the PoP itself just wrote into its cache (read your writes).
    pub fn cache_own_write(&mut self, now: SimTime, pop: usize, key: u32, v: Versioned) {
        self.caches[pop][key as usize] = CacheEntry { v, fetched: now, valid: true };
    }

    fn staleness(&self, now: SimTime, k: usize, served: u32) -> SimDuration {
        // The first version after the one served that is acknowledged by now.
        self.acks[k].iter().skip(served as usize).take(64).find(|&&a| a <= now).map_or(SimDuration::ZERO, |a| now - *a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    fn kv(lag_ms: u64, ttl_s: u64) -> Kv {
        Kv::new(
            KvConfig {
                primaries: 2,
                keys: 1,
                lag: DurationDist::Constant { ns: lag_ms * 1_000_000 },
                cache_ttl: SimDuration::from_secs(ttl_s),
                lag_bound: SimDuration::from_secs(300),
            },
            1,
        )
    }

    #[test]
    fn a_pop_behind_the_other_primary_sees_the_write_after_lag_and_ttl() {
        let mut k = kv(500, 10);
        let mut rng = stream(1, "kv");
        // The PoP caches version 0 at t = 0 from primary 1.
        assert_eq!(k.read(SimTime::ZERO, 0, 0, &[1]).map(|r| r.v.version), Some(0));
        // Written at primary 0 at 1 s, acked at 1.02 s; replicated to 1 at 1.5 s.
        let t = |ms: u64| SimTime(ms * 1_000_000);
        let mut reps = Vec::new();
        let v = k.commit(Commit { at: t(1000), primary: 0, key: 0, value: 7, acked: t(1020) }, &mut rng, &mut reps);
        assert_eq!((v, reps[0].at), (1, t(1500)));
        k.apply(0, &reps[0]);
        assert_eq!(k.lag(t(1600)), SimDuration::ZERO);
        // Cached value stays until 10 s: stale by now - 1.02 s.
        let r = k.read(t(9000), 0, 0, &[1]).expect("primary up");
        assert!(r.cache_hit);
        assert_eq!(r.staleness, SimDuration::from_millis(7980));
        // After the TTL the PoP fetches version 1.
        let r = k.read(t(10_000), 0, 0, &[1]).expect("primary up");
        assert_eq!((r.v.value, r.cache_hit, r.staleness), (7, false, SimDuration::ZERO));
    }

    #[test]
    fn level_one_follows_the_oldest_write_in_flight() {
        let mut k = kv(400_000, 10);
        let mut rng = stream(1, "kv");
        let mut reps = Vec::new();
        k.commit(Commit { at: SimTime::ZERO, primary: 0, key: 0, value: 1, acked: SimTime::ZERO }, &mut rng, &mut reps);
        assert!(!k.update_level(SimTime(200_000_000_000)));
        assert!(!k.level1());
        k.update_level(SimTime(301_000_000_000));
        assert!(k.level1(), "400 s lag, 301 s old write in flight");
        k.apply(0, &reps[0]);
        assert!(k.update_level(SimTime(400_000_000_000)), "level 1 ends once delivered");
    }

    #[test]
    fn reads_fail_over_to_the_next_primary() {
        let mut k = kv(0, 0);
        k.set_primary_up(1, false);
        assert_eq!(k.read(SimTime(1), 0, 0, &[1, 0]).and_then(|r| r.primary), Some(0));
        k.set_primary_up(0, false);
        assert!(k.read(SimTime(2), 0, 0, &[1, 0]).is_none());
    }
}
