//! The edge: PoP server pools and their queues, health checks, anycast
//! routing, overload control (shedding, spillover), autoscaling, the seed's
//! per-PoP rate limits, deployments' isolates and cold starts, and the
//! faults that strike PoPs. This file resolves
//! each PoP's pool from `[pops.default]` and `[pops.<CODE>]` ([`PoolConfig`]).
//! Each model is a small state machine driven by the loop (`sim`), which
//! owns the clock and the events; none of them schedules anything itself.

pub mod anycast;
pub mod autoscale;
pub mod bgp;
pub mod faults;
pub mod health;
pub mod isolates;
pub mod limits;
pub mod overload;
pub mod pool;
pub mod station;
pub mod subrequests;

use crate::engine::dist::DurationDist;
use crate::engine::SimDuration;
use crate::scenario::schema::PoolSpec;
use crate::scenario::{duration_dist, Scenario, ScenarioError};
use crate::world::{unknown_pop_message, World};

/// Servers in a PoP when the file does not say (the seed's minimum).
pub const DEFAULT_SERVERS: u32 = 4;
/// Requests that may wait at a PoP when the file does not say.
pub const DEFAULT_QUEUE_LIMIT: u32 = 1000;
/// Mean service time when the file does not say.
pub const DEFAULT_SERVICE_MEAN: SimDuration = SimDuration::from_millis(5);

/// The server pool of one PoP, resolved from `[pops.default]` and `[pops.<CODE>]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolConfig {
    /// Servers.
    pub servers: u32,
    /// Service time of one request on one server.
    pub service: DurationDist,
    /// Requests that may wait; more are rejected.
    pub queue_limit: u32,
}

/// The pool of every PoP of `world`, in the same order. An override for a
/// PoP that is not in the topology is an error. `servers = { per_krps }`
/// sizes a PoP from its [`demand_rps`].
pub fn pool_configs(s: &Scenario, world: &World) -> Result<Vec<PoolConfig>, ScenarioError> {
    pool_configs_for(s, world, demand_rps(world))
}

/// [`pool_configs`] with each PoP's expected demand (rps, in
/// [`World::pops`] order) given: a routing model's steady-state catchments.
pub fn pool_configs_for(s: &Scenario, world: &World, demand: Vec<f64>) -> Result<Vec<PoolConfig>, ScenarioError> {
    let pops = &s.spec.pops;
    for (code, spec) in pops {
        if code != "default" && world.pop_index(code).is_none() {
            let known = world.pops.iter().map(|p| p.code.as_str());
            return Err(s.source.error_at(
                spec.span(),
                unknown_pop_message(&format!("[pops.{code}] (not in this topology)"), code, known),
            ));
        }
    }
    let default = pops.get("default").map(|p| p.get_ref().clone()).unwrap_or_default();
    Ok(world
        .pops
        .iter()
        .zip(demand)
        .map(|(p, rps)| {
            let own = pops.get(&p.code).map(|s| s.get_ref());
            resolve(own, &default, rps)
        })
        .collect())
}

/// Each PoP's expected demand in requests per second, in [`World::pops`]
/// order: the rps of the client sites whose nearest PoP it is (its
/// catchment with every PoP up).
pub fn demand_rps(world: &World) -> Vec<f64> {
    let mut demand = vec![0.0; world.pops.len()];
    for site in &world.sites {
        if let Some(d) = demand.get_mut(site.nearest_pop) {
            *d += site.rps;
        }
    }
    demand
}

fn resolve(own: Option<&PoolSpec>, default: &PoolSpec, demand_rps: f64) -> PoolConfig {
    let pick = |f: fn(&PoolSpec) -> bool| own.filter(|o| f(o)).unwrap_or(default);
    let servers =
        pick(|p| p.servers.is_some()).servers.as_ref().map_or(DEFAULT_SERVERS, |s| s.get_ref().servers_for(demand_rps));
    let queue_limit = pick(|p| p.queue_limit.is_some()).queue_limit.map_or(DEFAULT_QUEUE_LIMIT, |q| q.get());
    let service = pick(|p| p.service.is_some())
        .service
        .as_ref()
        .map(|d| duration_dist(d.get_ref()))
        .unwrap_or(DurationDist::Exponential { mean_ns: DEFAULT_SERVICE_MEAN.as_nanos() as f64 });
    PoolConfig { servers, service, queue_limit }
}
