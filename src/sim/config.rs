//! The model parameters of a run, resolved from the scenario file.

use crate::edge::anycast::{Convergence, FixedConvergence};
use crate::edge::autoscale::AutoscaleConfig;
use crate::edge::health::HealthConfig;
use crate::engine::dist::DurationDist;
use crate::engine::SimDuration;
use crate::resilience::retry::RetryPolicy;
use crate::scenario::schema::{ConvergenceShape, ConvergenceSpec};
use crate::scenario::Scenario;
use std::sync::Arc;

/// The standard normal's 80th percentile.
const Z_80: f64 = 0.841_621_233_572_914_3;

/// Everything the models need besides the world and the pools.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// Client networks per site.
    pub networks_per_site: u32,
    /// Share of networks preferring their second-nearest PoP.
    pub off_nearest_share: f64,
    /// Share of anycast-unstable networks.
    pub unstable_share: f64,
    /// The health checker.
    pub health: HealthConfig,
    /// From detection to withdrawal (and from recovery to re-announcement).
    pub withdrawal_delay: SimDuration,
    /// How long networks take to learn route changes.
    pub convergence: Arc<dyn Convergence>,
    /// Client per-attempt timeout.
    pub client_timeout: SimDuration,
    /// Client retry policy.
    pub retry: RetryPolicy,
    /// Spill above this share of capacity (1 = never).
    pub spill_threshold: f64,
    /// Shed while CPU is above this (1 = never).
    pub shed_cpu: f64,
    /// Shedding hysteresis.
    pub shed_hysteresis: f64,
    /// Calm control periods before shedding eases one class.
    pub shed_hold_ticks: u32,
    /// The control loop's period.
    pub tick: SimDuration,
    /// The autoscaler, if enabled.
    pub autoscale: Option<AutoscaleConfig>,
}

/// The `measured` convergence preset: lognormal, median 4 s, 80% within
/// 10 s (ANRW 2024), capped at 5 min.
pub fn measured_convergence() -> FixedConvergence {
    let mu = (4e9f64).ln();
    let sigma = (10.0f64 / 4.0).ln() / Z_80;
    FixedConvergence {
        dist: DurationDist::Lognormal { mu, sigma },
        first: SimDuration::ZERO,
        last: SimDuration::from_secs(300),
    }
}

/// Share of anycast-unstable networks in the `measured` preset (Wei &
/// Heidemann, TNSM 2018: about 1% of clients).
pub const MEASURED_UNSTABLE_SHARE: f64 = 0.01;

fn convergence(spec: &ConvergenceSpec) -> FixedConvergence {
    match *spec {
        ConvergenceSpec::Measured => measured_convergence(),
        ConvergenceSpec::Fixed { first, last, shape } => {
            let (first, last) = (first.sim(), last.sim());
            let dist = match shape {
                ConvergenceShape::Uniform => {
                    DurationDist::Uniform { min_ns: first.as_nanos(), max_ns: last.as_nanos() }
                }
                ConvergenceShape::Lognormal => {
                    let lo = first.as_nanos().max(1_000_000) as f64;
                    let hi = (last.as_nanos() as f64).max(lo * 1.01);
                    let p50 = SimDuration((lo * hi).sqrt() as u64);
                    DurationDist::lognormal_from_p50_p99(p50, SimDuration(hi as u64))
                }
            };
            FixedConvergence { dist, first, last }
        }
    }
}

impl ModelConfig {
    /// The model parameters a scenario sets (defaults filled in).
    pub fn from_scenario(s: &Scenario) -> Self {
        let spec = &s.spec;
        let a = &spec.anycast;
        let hc = &a.health_check;
        let conv = a.convergence.get_ref();
        let unstable = match (a.unstable_share, conv) {
            (Some(u), _) => u.0,
            (None, ConvergenceSpec::Measured) => MEASURED_UNSTABLE_SHARE,
            (None, _) => 0.0,
        };
        let o = &spec.overload;
        let auto = &spec.autoscaling;
        ModelConfig {
            networks_per_site: *a.networks_per_site.get_ref(),
            off_nearest_share: a.off_nearest_share.0,
            unstable_share: unstable,
            health: HealthConfig {
                interval: hc.interval.get_ref().sim(),
                timeout: hc.timeout.sim(),
                failures: *hc.failures.get_ref(),
                successes: *hc.successes.get_ref(),
                phase: hc.phase.sim(),
            },
            withdrawal_delay: a.withdrawal_delay.sim(),
            convergence: Arc::new(convergence(conv)),
            client_timeout: spec.client.timeout.get_ref().sim(),
            retry: RetryPolicy::from_spec(spec.client.retry.get_ref()),
            spill_threshold: o.spillover_threshold.0,
            shed_cpu: o.shed_cpu.0,
            shed_hysteresis: o.shed_hysteresis.0,
            shed_hold_ticks: (o.shed_hold.as_nanos() / o.tick.get_ref().as_nanos().max(1)).max(1) as u32,
            tick: o.tick.get_ref().sim(),
            autoscale: auto.enabled.then(|| AutoscaleConfig {
                cpu_up: auto.cpu_up.0,
                cpu_up_period: auto.cpu_up_period.sim(),
                queue_up: auto.queue_up,
                queue_up_period: auto.queue_up_period.sim(),
                cpu_down: auto.cpu_down.0,
                cpu_down_period: auto.cpu_down_period.sim(),
                cooldown: auto.cooldown.sim(),
                provisioning: auto.provisioning.sim(),
                min_servers: auto.min_servers,
                max_servers: auto.max_servers,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    #[test]
    fn measured_preset_moves_80_percent_within_10_seconds() {
        let c = measured_convergence();
        let mut rng = stream(1, "conv");
        let n = 100_000;
        let within = (0..n).filter(|i| c.delay(*i, &mut rng) <= SimDuration::from_secs(10)).count();
        let share = within as f64 / n as f64;
        assert!((share - 0.8).abs() < 0.01, "{share}");
    }
}
