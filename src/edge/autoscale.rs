//! The seed's per-PoP autoscaler: sustained-threshold rules (CPU above 70%
//! for 5m, queue depth above 1000 for 1m or memory utilisation above 80%
//! for 5m adds a server; CPU below 30% for 15m removes one), a cooldown,
//! server limits and a provisioning delay.
//! It decides once per control period; the loop adds or removes servers.

use crate::engine::{SimDuration, SimTime};

/// The autoscaling rules of a PoP.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoscaleConfig {
    /// Add a server when CPU stays above this...
    pub cpu_up: f64,
    /// ...for this long.
    pub cpu_up_period: SimDuration,
    /// Add a server when the queue stays deeper than this...
    pub queue_up: u32,
    /// ...for this long.
    pub queue_up_period: SimDuration,
    /// Add a server when memory utilisation (0 to 1, or above when more is
    /// demanded than a server has) stays above this... (never when above
    /// every utilisation: `f64::INFINITY` without the isolate model)
    pub memory_up: f64,
    /// ...for this long.
    pub memory_up_period: SimDuration,
    /// Remove a server when CPU stays below this...
    pub cpu_down: f64,
    /// ...for this long.
    pub cpu_down_period: SimDuration,
    /// No action this long after the last.
    pub cooldown: SimDuration,
    /// From decision to a new server taking requests.
    pub provisioning: SimDuration,
    /// Fewest servers.
    pub min_servers: u32,
    /// Most servers.
    pub max_servers: u32,
}

/// What the autoscaler decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleAction {
    /// Provision one server (it serves after the provisioning delay).
    Add,
    /// Retire one server now.
    Remove,
}

/// The autoscaler's memory of one PoP.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Autoscaler {
    cpu_high_since: Option<SimTime>,
    queue_high_since: Option<SimTime>,
    memory_high_since: Option<SimTime>,
    cpu_low_since: Option<SimTime>,
    last_action: Option<SimTime>,
}

fn sustained(since: &mut Option<SimTime>, holds: bool, now: SimTime, period: SimDuration) -> bool {
    match (holds, *since) {
        (false, _) => {
            *since = None;
            false
        }
        (true, None) => {
            *since = Some(now);
            period == SimDuration::ZERO
        }
        (true, Some(t)) => now - t >= period,
    }
}

impl Autoscaler {
    /// One control period at `now`: the PoP's CPU over the period, its
    /// queue depth, and its servers counting those being provisioned.
    /// Memory is taken as 0 (see [`Self::on_tick_with_memory`]).
    pub fn on_tick(
        &mut self,
        now: SimTime,
        cpu: f64,
        queue: usize,
        servers: u32,
        c: &AutoscaleConfig,
    ) -> Option<ScaleAction> {
        self.on_tick_with_memory(now, [cpu, 0.0], queue, servers, c)
    }

    /// [`Self::on_tick`] with the PoP's memory utilisation: `load` is
    /// `[cpu, memory]`, each a share of the servers' (memory may pass 1).
    pub fn on_tick_with_memory(
        &mut self,
        now: SimTime,
        load: [f64; 2],
        queue: usize,
        servers: u32,
        c: &AutoscaleConfig,
    ) -> Option<ScaleAction> {
        let [cpu, memory] = load;
        let up_cpu = sustained(&mut self.cpu_high_since, cpu > c.cpu_up, now, c.cpu_up_period);
        let up_queue = sustained(&mut self.queue_high_since, queue > c.queue_up as usize, now, c.queue_up_period);
        let up_memory = sustained(&mut self.memory_high_since, memory > c.memory_up, now, c.memory_up_period);
        let down = sustained(&mut self.cpu_low_since, cpu < c.cpu_down, now, c.cpu_down_period);
        if self.last_action.is_some_and(|t| now - t < c.cooldown) {
            return None;
        }
        let action = if (up_cpu || up_queue || up_memory) && servers < c.max_servers {
            ScaleAction::Add
        } else if down && servers > c.min_servers {
            ScaleAction::Remove
        } else {
            return None;
        };
        self.last_action = Some(now);
        // A rule must hold for a whole period again before it acts again.
        self.cpu_high_since = None;
        self.queue_high_since = None;
        self.memory_high_since = None;
        self.cpu_low_since = None;
        Some(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_rules() -> AutoscaleConfig {
        AutoscaleConfig {
            cpu_up: 0.7,
            cpu_up_period: SimDuration::from_secs(300),
            queue_up: 1000,
            queue_up_period: SimDuration::from_secs(60),
            memory_up: 0.8,
            memory_up_period: SimDuration::from_secs(300),
            cpu_down: 0.3,
            cpu_down_period: SimDuration::from_secs(900),
            cooldown: SimDuration::from_secs(300),
            provisioning: SimDuration::from_secs(120),
            min_servers: 4,
            max_servers: 100,
        }
    }

    /// Ticks every second with a constant CPU; returns the times of actions.
    fn run(cpu: f64, queue: usize, seconds: u64, servers: u32) -> Vec<(u64, ScaleAction)> {
        let c = seed_rules();
        let mut a = Autoscaler::default();
        (0..=seconds)
            .filter_map(|s| a.on_tick(SimTime(s * 1_000_000_000), cpu, queue, servers, &c).map(|x| (s, x)))
            .collect()
    }

    #[test]
    fn adds_only_after_the_period_and_not_again_within_the_cooldown() {
        // CPU 85% from t = 0: the rule holds from 0, acts at 300 s; the
        // cooldown (300 s) and a fresh period (300 s) both end at 600 s.
        let acts = run(0.85, 0, 1000, 10);
        assert_eq!(acts.iter().map(|a| a.0).collect::<Vec<_>>(), vec![300, 601, 902]);
        assert!(acts.iter().all(|a| a.1 == ScaleAction::Add));
    }

    #[test]
    fn a_deep_queue_acts_after_one_minute() {
        let acts = run(0.5, 5000, 200, 10);
        assert_eq!(acts.first(), Some(&(60, ScaleAction::Add)));
        // The next action waits for the 5 min cooldown, not the 1 min period.
        assert_eq!(acts.get(1).map(|a| a.0), None);
    }

    #[test]
    fn removes_after_fifteen_minutes_low_and_respects_limits() {
        assert_eq!(run(0.1, 0, 1000, 10).first(), Some(&(900, ScaleAction::Remove)));
        assert!(run(0.1, 0, 2000, 4).is_empty(), "never below min_servers");
        assert!(run(0.95, 0, 2000, 100).is_empty(), "never above max_servers");
    }

    /// Ticks every `step` seconds with constant CPU and memory; returns the actions.
    fn run_memory(memory: f64, seconds: u64, step: u64) -> Vec<(u64, ScaleAction)> {
        let c = seed_rules();
        let mut a = Autoscaler::default();
        (0..=seconds / step)
            .map(|i| i * step)
            .filter_map(|s| a.on_tick_with_memory(SimTime(s * 1_000_000_000), [0.5, memory], 0, 10, &c).map(|x| (s, x)))
            .collect()
    }

    #[test]
    fn memory_above_80_percent_for_five_minutes_adds_a_server() {
        // 420 warm isolates of 128 MB on a 64 GiB server: 420 / 512 = 82%.
        let memory = 420.0 * 128.0 / 65_536.0;
        assert!(memory > 0.8);
        // Above from t = 0 (ticks each 1 s): acts at 0 + 300 s, then after the
        // cooldown and a fresh period (300 s each, from 300 s): 601 s.
        let acts = run_memory(memory, 700, 1);
        assert_eq!(acts, vec![(300, ScaleAction::Add), (601, ScaleAction::Add)]);
        // Ticks each 10 s: first seen at 0, 300 s later is a tick too.
        assert_eq!(run_memory(memory, 400, 10).first(), Some(&(300, ScaleAction::Add)));
        // 409 isolates: 79.9%, never above 80%.
        assert!(run_memory(409.0 * 128.0 / 65_536.0, 2000, 1).is_empty());
    }

    #[test]
    fn memory_that_dips_restarts_the_period() {
        let c = seed_rules();
        let mut a = Autoscaler::default();
        let s = |x: u64| SimTime(x * 1_000_000_000);
        // Above 0..=200 s, below at 201 s, above again from 202 s: acts at 502 s.
        let acts: Vec<u64> = (0..=600)
            .filter_map(|t| {
                let m = if t == 201 { 0.5 } else { 0.9 };
                a.on_tick_with_memory(s(t), [0.5, m], 0, 10, &c).map(|_| t)
            })
            .collect();
        assert_eq!(acts, vec![502]);
    }
}
