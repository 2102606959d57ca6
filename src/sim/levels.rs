//! The degradation-level controller and the control plane.
//!
//! Levels, from the seed: 0 normal; 1 KV replication lag beyond its bound;
//! 2 a PoP's CPU above 90%; 3 several PoPs declared down; 4 the control
//! plane unreachable. The global level is the highest trigger that holds;
//! each PoP has its own (1, 2 from its own CPU, 4). A level rises at once
//! and falls only after its trigger has been gone for `hold`. The
//! behaviours of the levels are the models' own: stale reads and queued
//! writes (KV), shedding (PoPs), routing around withdrawn PoPs (anycast),
//! failed deployments (control plane).

use super::{Event, Sim};
use crate::engine::rng::{self, Stream};
use crate::engine::{SimDuration, SimTime};
use rand_distr::{Distribution, Exp1};

/// Highest level.
pub const MAX_LEVEL: u8 = 4;

/// A level with hysteresis.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LevelTrack {
    level: u8,
    lower_since: Option<SimTime>,
    /// Every change: `(time, new level)`.
    pub transitions: Vec<(SimTime, u8)>,
}

impl LevelTrack {
    /// The level now.
    pub fn level(&self) -> u8 {
        self.level
    }

    /// The triggers say `target` at `now`: rise at once, fall after `hold`.
    pub fn update(&mut self, now: SimTime, target: u8, hold: SimDuration) {
        if target > self.level {
            self.set(now, target);
        } else if target < self.level {
            let since = *self.lower_since.get_or_insert(now);
            if now - since >= hold {
                self.set(now, target);
            }
        } else {
            self.lower_since = None;
        }
    }

    fn set(&mut self, now: SimTime, level: u8) {
        self.level = level;
        self.lower_since = None;
        self.transitions.push((now, level));
    }

    /// Time spent at each level from the start to `end`.
    pub fn time_in_levels(&self, end: SimTime) -> [SimDuration; MAX_LEVEL as usize + 1] {
        let mut out = [SimDuration::ZERO; MAX_LEVEL as usize + 1];
        let mut at = SimTime::ZERO;
        let mut level = 0u8;
        for &(t, l) in &self.transitions {
            out[level as usize] = out[level as usize] + (t - at);
            at = t;
            level = l;
        }
        out[level as usize] = out[level as usize] + (end - at);
        out
    }

    /// The level at time `t`.
    pub fn level_at(&self, t: SimTime) -> u8 {
        self.transitions.iter().take_while(|(at, _)| *at <= t).last().map_or(0, |(_, l)| *l)
    }
}

/// Deployments asked of the control plane.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deployments {
    /// Deployments requested.
    pub requested: u64,
    /// Of those, done.
    pub succeeded: u64,
    /// Attempts refused because the control plane was down (the API
    /// answered, or every code fetch failed).
    pub failed_attempts: u64,
    /// Code fetches from the artifact store, retries included.
    pub code_fetches: u64,
    /// Still waiting at the end of the run.
    pub pending: u64,
}

/// What the level controller and the control plane recorded.
#[derive(Debug, Clone, Default)]
pub struct LevelResult {
    /// The global level.
    pub global: LevelTrack,
    /// Each PoP's level.
    pub per_pop: Vec<LevelTrack>,
    /// Deployments, if the scenario has a control plane.
    pub deployments: Option<Deployments>,
}

pub(super) struct LevelPlane {
    pub(super) control_plane_up: bool,
    pub(super) artifact_store_up: bool,
    rng: Stream,
    global: LevelTrack,
    per_pop: Vec<LevelTrack>,
    deployments: Option<Deployments>,
}

impl LevelPlane {
    pub(super) fn new(pops: usize, seed: u64, cfg: &super::ModelConfig) -> Self {
        LevelPlane {
            control_plane_up: true,
            artifact_store_up: true,
            rng: rng::stream(seed, "control-plane/deployments"),
            global: LevelTrack::default(),
            per_pop: vec![LevelTrack::default(); pops],
            deployments: cfg.deployments.map(|_| Deployments::default()),
        }
    }

    pub(super) fn finish(self, _end: SimTime) -> LevelResult {
        LevelResult { global: self.global, per_pop: self.per_pop, deployments: self.deployments }
    }
}

/// CPU above which a PoP triggers level 2.
pub const HOT_CPU: f64 = 0.9;

impl Sim<'_> {
    /// One control period of the level controller; `cpus` are the PoPs' CPU.
    pub(super) fn levels_tick(&mut self, now: SimTime, cpus: &[f64]) {
        let kv_lagging = self.state.kv_level1();
        let down = self.pops.iter().filter(|p| p.health.is_down()).count() as u32;
        let cp_down = !self.levels.control_plane_up;
        let hold = self.cfg.level_hold;
        let common = if cp_down {
            4
        } else if kv_lagging {
            1
        } else {
            0
        };
        let mut hottest = 0;
        for (i, &cpu) in cpus.iter().enumerate() {
            let own = if cpu > HOT_CPU && self.pops[i].alive { 2 } else { 0 };
            hottest = hottest.max(own);
            self.levels.per_pop[i].update(now, own.max(common), hold);
        }
        let multi = if down >= self.cfg.multi_pop_failures.max(1) { 3 } else { 0 };
        let target = [common, hottest, multi].into_iter().max().unwrap_or(0);
        self.levels.global.update(now, target, hold);
    }

    pub(super) fn schedule_deployments(&mut self) {
        if let Some((rate, _)) = self.cfg.deployments {
            self.next_deployment(SimTime::ZERO, rate);
        }
    }

    fn next_deployment(&mut self, now: SimTime, rate: f64) {
        if rate <= 0.0 {
            return;
        }
        let e: f64 = Exp1.sample(&mut self.levels.rng);
        let at = now + SimDuration::from_secs_f64(e / rate);
        if at < self.end {
            self.queue.schedule_at(at, Event::Deploy { attempt: 0 });
        }
    }

    /// A deployment (attempt `attempt`) asks the control plane; once it is
    /// accepted, the PoPs fetch its code.
    pub(super) fn deploy(&mut self, now: SimTime, attempt: u32) {
        let Some((rate, _)) = self.cfg.deployments else { return };
        let up = self.levels.control_plane_up;
        let Some(d) = &mut self.levels.deployments else { return };
        if attempt == 0 {
            d.requested += 1;
            self.next_deployment(now, rate);
        }
        if up {
            self.code_fetch(now, attempt, 0);
        } else {
            self.deployment_failed(now, attempt);
        }
    }

    /// Fetch `fetch` of a deployment's code from the artifact store. A
    /// failed fetch is retried per the seed's code-fetch policy [100, 200,
    /// 400 ms]; when none is left, the deployment attempt has failed (and
    /// is tried again after `retry_after`).
    pub(super) fn code_fetch(&mut self, now: SimTime, attempt: u32, fetch: u8) {
        let up = self.levels.artifact_store_up;
        let Some(d) = &mut self.levels.deployments else { return };
        d.code_fetches += 1;
        if up {
            d.succeeded += 1;
            d.pending = d.requested - d.succeeded;
            return;
        }
        match self.cfg.code_fetch_retry.wait_after(fetch as u32 + 1) {
            Some(wait) => self.queue.schedule_at(now + wait, Event::CodeFetch { attempt, fetch: fetch + 1 }),
            None => self.deployment_failed(now, attempt),
        }
    }

    fn deployment_failed(&mut self, now: SimTime, attempt: u32) {
        let Some((_, retry_after)) = self.cfg.deployments else { return };
        let Some(d) = &mut self.levels.deployments else { return };
        d.failed_attempts += 1;
        d.pending = d.requested - d.succeeded;
        if now + retry_after < self.end {
            self.queue.schedule_at(now + retry_after, Event::Deploy { attempt: attempt + 1 });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: u64) -> SimTime {
        SimTime(x * 1_000_000_000)
    }

    #[test]
    fn levels_rise_at_once_and_fall_after_the_hold() {
        let hold = SimDuration::from_secs(10);
        let mut t = LevelTrack::default();
        t.update(s(1), 2, hold);
        assert_eq!(t.level(), 2);
        for x in 2..11 {
            t.update(s(x), 0, hold);
        }
        assert_eq!(t.level(), 2, "9 s below: still 2");
        t.update(s(11), 2, hold);
        t.update(s(12), 0, hold);
        t.update(s(21), 0, hold);
        assert_eq!(t.level(), 2, "the calm run restarted at 12 s");
        t.update(s(22), 0, hold);
        assert_eq!(t.level(), 0);
        assert_eq!(t.transitions, vec![(s(1), 2), (s(22), 0)]);
        assert_eq!(t.level_at(s(5)), 2);
        assert_eq!(t.level_at(s(30)), 0);
        let tl = t.time_in_levels(s(40));
        assert_eq!((tl[0], tl[2]), (SimDuration::from_secs(1 + 18), SimDuration::from_secs(21)));
    }
}
