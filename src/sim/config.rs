//! The model parameters of a run, resolved from the scenario file: the
//! [`ModelConfig`] every handler reads (anycast, health checks, client
//! retries, overload, autoscaling, origin, state plane, rate limits,
//! degradation), with the seed's defaults for what the file leaves out.
//! Input errors that need the world (unknown PoPs) are found here, before
//! any run.

use crate::edge::anycast::{Convergence, FixedConvergence};
use crate::edge::autoscale::AutoscaleConfig;
use crate::edge::health::HealthConfig;
use crate::engine::dist::DurationDist;
use crate::engine::SimDuration;
use crate::resilience::breaker::{BreakerConfig, Trip};
use crate::resilience::retry::RetryPolicy;
use crate::scenario::regions::state_region;
use crate::scenario::schema::{
    AckSpec, BreakerSpec, ConvergenceShape, ConvergenceSpec, DistSpec, Fidelity, LimiterKind, RetrySpec, TripKind,
};
use crate::scenario::{duration_dist, Scenario, ScenarioError};
use crate::state::durable::{AckMode, DoConfig};
use crate::state::kv::KvConfig;
use crate::state::replicas::ReplicaConfig;
use crate::world::{unknown_pop_message, World};
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
    /// How networks learn route changes.
    pub routes: RouteModel,
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
    /// Durable Objects, if the scenario has them.
    pub durable_objects: Option<DoTraffic>,
    /// The KV, if the scenario has it.
    pub kv: Option<KvTraffic>,
    /// The rate limiters, if the scenario has them.
    pub limiter: Option<LimiterConfig>,
    /// The origin, if the scenario has one.
    pub origin: Option<OriginConfig>,
    /// PoPs declared down at once that make degradation level 3.
    pub multi_pop_failures: u32,
    /// How long a level's trigger must be gone before the level is left.
    pub level_hold: SimDuration,
    /// Deployments per second, and the wait before a failed one is retried.
    pub deployments: Option<(f64, SimDuration)>,
    /// The seed's code-fetch retries (a deployment's code from the artifact store).
    pub code_fetch_retry: RetryPolicy,
    /// The seed's per-PoP rate limits, if the scenario sets them.
    pub limits: Option<crate::edge::limits::LimitsConfig>,
    /// How the traffic is simulated.
    pub fidelity: Fidelity,
    /// Demand over time (`[traffic.demand]`), if any.
    pub demand: Option<crate::workload::Demand>,
    /// The failure processes (`[[failure]]`; empty: none).
    pub failures: crate::failures::Plan,
    /// Each request's subrequests against the per-request limit, if modelled.
    pub subrequests: Option<crate::edge::subrequests::SubrequestConfig>,
    /// Deployments, isolates and cold starts (`[isolates]`), if set.
    pub isolates: Option<crate::edge::isolates::IsolatesConfig>,
}

/// The origin and how PoPs fetch from it.
#[derive(Debug, Clone)]
pub struct OriginConfig {
    /// Share of requests that fetch from the origin.
    pub share: f64,
    /// Where it stands (lat, lon degrees).
    pub at: (f64, f64),
    /// Servers.
    pub servers: u32,
    /// Service time.
    pub service: DurationDist,
    /// Fetches that may wait.
    pub queue_limit: u32,
    /// A fetch unanswered after this long has failed.
    pub timeout: SimDuration,
    /// Fetch retries.
    pub retry: RetryPolicy,
    /// A breaker per PoP, if any.
    pub breaker: Option<BreakerConfig>,
}

fn origin(s: &Scenario, world: &World) -> Result<Option<OriginConfig>, ScenarioError> {
    let Some(o) = &s.spec.origin else { return Ok(None) };
    let code = o.location.get_ref();
    let at = world
        .pops
        .iter()
        .find(|p| &p.code == code)
        .map(|p| (p.lat_deg, p.lon_deg))
        .or_else(|| crate::world::catalog::builtin().iter().find(|p| &p.code == code).map(|p| (p.lat_deg, p.lon_deg)))
        .ok_or_else(|| {
            let known = crate::world::catalog::builtin().iter().map(|p| p.code.as_str());
            s.source.error_at(o.location.span(), unknown_pop_message("origin.location", code, known))
        })?;
    let breaker = o.breaker.as_ref().and_then(|b| breaker_config(b, BreakerConfig::seed_origin()));
    Ok(Some(OriginConfig {
        share: o.share.get(),
        at,
        servers: o.servers.get_ref().get(),
        service: dist_or(&o.service, DurationDist::Exponential { mean_ns: 20e6 }),
        queue_limit: o.queue_limit.get(),
        timeout: o.timeout.get_ref().sim(),
        retry: retry_or(&o.retry, &[100, 300, 1000]),
        breaker,
    }))
}

/// Durable Objects and the requests that reach them.
#[derive(Debug, Clone)]
pub struct DoTraffic {
    /// The objects' model.
    pub model: DoConfig,
    /// Requests per second to all objects.
    pub requests_per_s: f64,
    /// Share of requests that write.
    pub write_share: f64,
    /// Client timeout of one attempt.
    pub timeout: SimDuration,
    /// The seed's DO request retries.
    pub retry: RetryPolicy,
    /// A breaker per PoP and DO region, if any.
    pub breaker: Option<BreakerConfig>,
}

/// The KV and its reads and writes.
#[derive(Debug, Clone)]
pub struct KvTraffic {
    /// The namespace's model.
    pub model: KvConfig,
    /// Writes per second.
    pub writes_per_s: f64,
    /// Reads per second.
    pub reads_per_s: f64,
    /// The seed's KV write retries.
    pub retry: RetryPolicy,
    /// A breaker per PoP and KV primary, if any.
    pub breaker: Option<BreakerConfig>,
    /// The edge replicas serving reads at every PoP.
    pub replicas: ReplicaConfig,
}

/// The breaker a `breaker` table asks for, keys left out taken from the
/// dependency's `seed` configuration; `None` for `trip = "off"`.
fn breaker_config(b: &BreakerSpec, seed: BreakerConfig) -> Option<BreakerConfig> {
    let trip = match b.trip {
        TripKind::Off => return None,
        TripKind::Consecutive => match (b.failures, seed.trip) {
            (Some(n), _) => Trip::Consecutive(n.get()),
            (None, t @ Trip::Consecutive(_)) => t,
            (None, Trip::FailureRate { .. }) => Trip::Consecutive(5),
        },
        TripKind::Rate => {
            Trip::FailureRate { rate: b.rate.get(), window: b.window.sim(), min_calls: b.min_calls.get() }
        }
    };
    Some(BreakerConfig {
        trip,
        open_for: b.open_for.map_or(seed.open_for, |p| p.sim()),
        half_open_probes: b.half_open_probes.map_or(seed.half_open_probes, |n| n.get()),
        successes: b.successes.map_or(seed.successes, |n| n.get()),
    })
}

/// The breaker of a dependency: the file's table over the seed's numbers,
/// or the seed's when the table is absent.
fn dependency_breaker(b: &Option<BreakerSpec>, seed: BreakerConfig) -> Option<BreakerConfig> {
    match b {
        Some(b) => breaker_config(b, seed),
        None => Some(seed),
    }
}

/// The rate limiters' experiment.
#[derive(Debug, Clone)]
pub struct LimiterConfig {
    /// Which limiters decide.
    pub kind: LimiterKind,
    /// Customers.
    pub customers: u32,
    /// Admitted per customer and window.
    pub limit: u32,
    /// The fixed window.
    pub window: SimDuration,
    /// Requests per second of all customers together.
    pub requests_per_s: f64,
    /// The PoPs requests arrive at.
    pub pops: Vec<usize>,
    /// Region of the DO limiter's counter.
    pub do_region: usize,
    /// The KV namespace holding the KV limiter's counts.
    pub kv: KvConfig,
}

fn dist_or(spec: &Option<toml::Spanned<DistSpec>>, default: DurationDist) -> DurationDist {
    spec.as_ref().map_or(default, |d| duration_dist(d.get_ref()))
}

fn retry_or(spec: &Option<RetrySpec>, waits_ms: &[u64]) -> RetryPolicy {
    match spec {
        Some(r) => RetryPolicy::from_spec(r),
        None => RetryPolicy::from_spec(&RetrySpec::Exponential {
            backoff: waits_ms
                .iter()
                .map(|ms| crate::scenario::units::Duration(SimDuration::from_millis(*ms)))
                .collect(),
            jitter: crate::scenario::schema::Jitter::None,
            budget: None,
        }),
    }
}

fn kv_config(s: &Scenario) -> KvConfig {
    let default_lag = DurationDist::Exponential { mean_ns: 1e9 };
    match &s.spec.kv {
        Some(k) => KvConfig {
            primaries: 3,
            keys: k.keys.get_ref().get(),
            lag: dist_or(&k.replication_lag, default_lag),
            cache_ttl: k.cache_ttl.sim(),
            lag_bound: k.lag_bound.sim(),
        },
        None => KvConfig {
            primaries: 3,
            keys: 1,
            lag: default_lag,
            cache_ttl: SimDuration::from_secs(60),
            lag_bound: SimDuration::from_secs(300),
        },
    }
}

fn do_traffic(s: &Scenario) -> Option<DoTraffic> {
    let d = s.spec.durable_objects.as_ref()?;
    let model = DoConfig {
        objects: d.objects.get_ref().get(),
        regions: d.regions.iter().filter_map(|r| state_region(r.get_ref())).collect(),
        ack: match d.ack {
            AckSpec::Local => AckMode::Local,
            AckSpec::Replicated => AckMode::Replicated,
        },
        commit: d.commit.sim(),
        wal_lag: dist_or(&d.wal_lag, DurationDist::Exponential { mean_ns: 100e6 }),
        ship_back: SimDuration::from_millis(40),
        snapshot_interval: d.snapshot_interval.get_ref().sim(),
        snapshot_phase: d.snapshot_phase.map(|p| p.sim()),
        initial_bytes: d.state_mb.get() * 1e6,
        write_bytes: d.write_kb.get() * 1e3,
        restore_bytes_per_s: d.restore_mb_per_s.get() * 1e6,
        restore_overhead: d.restore_overhead.sim(),
        replay_entries_per_s: d.replay_per_s.get(),
        parallel_restores: d.parallel_restores.get_ref().get(),
        detection: d.detection.sim(),
        migration_delay: d.migration_delay.sim(),
        routing_update: d.routing_update.sim(),
    };
    Some(DoTraffic {
        model,
        requests_per_s: d.requests_per_s.get_ref().get(),
        write_share: d.write_share.0,
        timeout: d.timeout.sim(),
        retry: retry_or(&d.retry, &[100, 500, 2000]),
        breaker: dependency_breaker(&d.breaker, BreakerConfig::seed_do()),
    })
}

fn kv_traffic(s: &Scenario) -> Option<KvTraffic> {
    let k = s.spec.kv.as_ref()?;
    Some(KvTraffic {
        model: kv_config(s),
        writes_per_s: k.writes_per_s.get_ref().get(),
        reads_per_s: k.reads_per_s.get_ref().get(),
        retry: retry_or(&k.retry, &[50, 100, 200]),
        breaker: dependency_breaker(&k.breaker, BreakerConfig::seed_kv()),
        replicas: ReplicaConfig {
            min: k.replicas.min.get_ref().get(),
            max: k.replicas.max.get_ref().get(),
            service: dist_or(&k.replicas.service, DurationDist::Exponential { mean_ns: 1e6 }),
            p99_up: k.replicas.p99_up.sim(),
            window: k.replicas.window.sim(),
            error_rate: k.replicas.error_rate.0,
            retries: k.replicas.retries.get(),
        },
    })
}

fn limiter(s: &Scenario, world: &World) -> Result<Option<LimiterConfig>, ScenarioError> {
    let Some(l) = &s.spec.rate_limiter else { return Ok(None) };
    let pops = match &l.pops {
        None => (0..world.pops.len()).collect(),
        Some(codes) => codes
            .iter()
            .map(|c| {
                world.pop_index(c.get_ref()).ok_or_else(|| {
                    let known = world.pops.iter().map(|p| p.code.as_str());
                    let msg = unknown_pop_message("rate_limiter.pops (not in this topology)", c.get_ref(), known);
                    s.source.error_at(c.span(), msg)
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let do_region = state_region(l.do_region.get_ref()).ok_or_else(|| {
        s.source.error_at(
            l.do_region.span(),
            format!(
                "rate_limiter.do_region: unknown state region \"{}\"; expected NA, EU or APAC",
                l.do_region.get_ref()
            ),
        )
    })?;
    Ok(Some(LimiterConfig {
        kind: l.kind,
        customers: l.customers.get_ref().get(),
        limit: l.limit.get_ref().get(),
        window: l.window.get_ref().sim(),
        requests_per_s: l.rps_per_customer.get_ref().get() * f64::from(l.customers.get_ref().get()),
        pops,
        do_region,
        kv: KvConfig { keys: l.customers.get_ref().get(), ..kv_config(s) },
    }))
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

/// How client networks learn route changes.
#[derive(Debug, Clone)]
pub enum RouteModel {
    /// Each network learns each change after a drawn delay.
    Drawn(Arc<dyn Convergence>),
    /// BGP as a protocol over the generated Internet.
    PathVector(Arc<super::bgp::BgpSetup>),
}

fn route_model(s: &Scenario, world: &World, networks_per_site: u32) -> Result<RouteModel, ScenarioError> {
    let drawn = |c: FixedConvergence| Ok(RouteModel::Drawn(Arc::new(c)));
    match *s.spec.anycast.convergence.get_ref() {
        ConvergenceSpec::Measured => drawn(measured_convergence()),
        ConvergenceSpec::PathVector { .. } => {
            Ok(RouteModel::PathVector(Arc::new(super::bgp::BgpSetup::from_scenario(s, world, networks_per_site)?)))
        }
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
            drawn(FixedConvergence { dist, first, last })
        }
    }
}

impl ModelConfig {
    /// The model parameters a scenario sets (defaults filled in); PoPs it
    /// names are checked against `world`.
    pub fn from_scenario(s: &Scenario, world: &World) -> Result<Self, ScenarioError> {
        s.check_table_sizes(world.pops.len(), world.sites.len())?;
        check_fidelity(s)?;
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
        Ok(ModelConfig {
            networks_per_site: a.networks_per_site.get_ref().get(),
            off_nearest_share: a.off_nearest_share.0,
            unstable_share: unstable,
            health: HealthConfig {
                interval: hc.interval.get_ref().sim(),
                timeout: hc.timeout.sim(),
                failures: hc.failures.get_ref().get(),
                successes: hc.successes.get_ref().get(),
                phase: hc.phase.as_ref().map(|p| p.get_ref().sim()),
            },
            withdrawal_delay: a.withdrawal_delay.sim(),
            routes: route_model(s, world, a.networks_per_site.get_ref().get())?,
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
                queue_up: auto.queue_up.get(),
                queue_up_period: auto.queue_up_period.sim(),
                memory_up: spec.isolates.as_ref().map_or(f64::INFINITY, |i| i.memory_up.get()),
                memory_up_period: spec.isolates.as_ref().map_or(SimDuration::ZERO, |i| i.memory_up_period.sim()),
                cpu_down: auto.cpu_down.0,
                cpu_down_period: auto.cpu_down_period.sim(),
                cooldown: auto.cooldown.sim(),
                provisioning: auto.provisioning.sim(),
                min_servers: auto.min_servers.get(),
                max_servers: auto.max_servers.get(),
            }),
            durable_objects: do_traffic(s),
            kv: kv_traffic(s),
            limiter: limiter(s, world)?,
            origin: origin(s, world)?,
            multi_pop_failures: spec.degradation.multi_pop_failures.get(),
            level_hold: spec.degradation.hold.sim(),
            deployments: spec.control_plane.as_ref().map(|c| (c.deployments_per_min.get() / 60.0, c.retry_after.sim())),
            code_fetch_retry: match &spec.control_plane {
                Some(c) => retry_or(&c.code_fetch_retry, &[100, 200, 400]),
                None => retry_or(&None, &[100, 200, 400]),
            },
            limits: spec.rate_limits.as_ref().map(|r| {
                crate::edge::limits::LimitsConfig::new(
                    r.accounts.get_ref().get(),
                    r.deployments_per_account.get_ref().get(),
                    r.zipf.get(),
                    [r.per_deployment_rps, r.per_deployment_per_min, r.per_account_rps, r.per_pop_qps].map(|v| v.get()),
                )
            }),
            fidelity: s.fidelity(),
            demand: crate::workload::from_scenario(s, world)?,
            failures: crate::failures::plan(s, world)?,
            subrequests: s.spec.traffic.get_ref().subrequests.as_ref().map(|r| {
                crate::edge::subrequests::SubrequestConfig {
                    mean: r.mean.get(),
                    limit: r.limit.get(),
                    error_rate: r.error_rate.0,
                    retries: r.retries.get(),
                }
            }),
            isolates: super::isolates::config(s),
        })
    }
}

/// The flow data plane models every part of the traffic but the origin's
/// fetches and the seed's per-PoP rate limits, which act request by request:
/// a flow scenario that has them is refused, naming the table.
fn check_fidelity(s: &Scenario) -> Result<(), ScenarioError> {
    if s.fidelity() != Fidelity::Flow {
        return Ok(());
    }
    let spec = &s.spec;
    let unsupported = [("[origin]", spec.origin.is_some()), ("[rate_limits]", spec.rate_limits.is_some())];
    let Some((table, _)) = unsupported.iter().find(|(_, present)| *present) else { return Ok(()) };
    let msg = format!(
        "scenario.fidelity: the flow data plane does not model {table} (it acts request by request); \
         expected fidelity = \"request\" for this scenario, or remove {table}"
    );
    let span = spec.scenario.fidelity.span();
    Err(if span.is_empty() { s.source.error(msg) } else { s.source.error_at(span, msg) })
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
