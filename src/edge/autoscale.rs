//! The seed's per-PoP autoscaler: sustained-threshold rules (CPU above 70%
//! for 5m or queue depth above 1000 for 1m adds a server; CPU below 30%
//! for 15m removes one), a cooldown, server limits and a provisioning delay.
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
    pub fn on_tick(
        &mut self,
        now: SimTime,
        cpu: f64,
        queue: usize,
        servers: u32,
        c: &AutoscaleConfig,
    ) -> Option<ScaleAction> {
        let up_cpu = sustained(&mut self.cpu_high_since, cpu > c.cpu_up, now, c.cpu_up_period);
        let up_queue = sustained(&mut self.queue_high_since, queue > c.queue_up as usize, now, c.queue_up_period);
        let down = sustained(&mut self.cpu_low_since, cpu < c.cpu_down, now, c.cpu_down_period);
        if self.last_action.is_some_and(|t| now - t < c.cooldown) {
            return None;
        }
        let action = if (up_cpu || up_queue) && servers < c.max_servers {
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
}
