//! The fault timeline of a run, resolved against its PoPs and state regions:
//! each `[[fault]]` of the file becomes a [`Fault`] with the PoP indices and
//! the state region it strikes, its start and its end in simulated time.
//! What a fault does while it lasts is the loop's (`sim`); how the file
//! writes faults is [`crate::scenario::schema::FaultSpec`]. Random failures
//! and repairs are [`crate::failures`]'; the loop turns each incident into
//! a [`Fault`] of its kind.

use crate::engine::{SimDuration, SimTime};
use crate::scenario::regions::{state_region, STATE_REGIONS};
use crate::scenario::schema::FaultKind;
use crate::scenario::{Scenario, ScenarioError};
use crate::world::catalog::Region;
use crate::world::World;

/// One fault, ready to strike.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    /// The PoPs it takes down or weakens (indices into the world's PoPs):
    /// one for PoP faults, every PoP of the region for `region-down`.
    pub pops: Vec<usize>,
    /// The state region it strikes (index into [`STATE_REGIONS`]).
    pub region: Option<usize>,
    /// When it starts.
    pub at: SimTime,
    /// When it ends, if before the end of the run.
    pub end: Option<SimTime>,
    /// For `pop-degraded`: the share of servers left working.
    pub capacity: f64,
    /// For `kv-replication-lag`: the lag while it lasts.
    pub lag: SimDuration,
    /// For `origin-slow`: the extra time per origin request.
    pub latency: SimDuration,
    /// For `origin-errors`: the share of error answers.
    pub error_rate: f64,
    /// For faults that change routes (`session-down`, `ixp-down`,
    /// `prepend`): the PoP they concern (it keeps serving).
    pub route_pop: Option<usize>,
    /// For `session-down` and `transit-down`: the neighbour AS's name.
    pub peer: Option<String>,
}

impl Fault {
    /// What it strikes, for reports: a PoP code or a region name.
    pub fn target(&self, world: &World) -> String {
        match (self.region, self.pops.first()) {
            (Some(r), _) => STATE_REGIONS[r].to_string(),
            (None, Some(&p)) if self.kind.strikes_pop() => world.pops[p].code.clone(),
            _ if self.kind.changes_routes() => {
                let pop = self.route_pop.map(|p| world.pops[p].code.as_str());
                match (pop, self.peer.as_deref()) {
                    (Some(p), Some(peer)) => format!("{p}~{peer}"),
                    (Some(p), None) => p.to_string(),
                    (None, Some(peer)) => peer.to_string(),
                    (None, None) => "bgp".to_string(),
                }
            }
            _ => match self.kind {
                FaultKind::OriginDown | FaultKind::OriginSlow | FaultKind::OriginErrors => "origin".to_string(),
                FaultKind::ControlPlaneDown => "control-plane".to_string(),
                FaultKind::ArtifactStoreDown => "artifact-store".to_string(),
                _ => "kv".to_string(),
            },
        }
    }
}

/// The faults of a scenario, in file order. A PoP outside the topology is
/// an error.
pub fn resolve(s: &Scenario, world: &World) -> Result<Vec<Fault>, ScenarioError> {
    let run_end = SimTime::ZERO + s.duration();
    s.spec
        .faults
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let spec = f.get_ref();
            let mut pops = Vec::new();
            let mut route_pop = None;
            if let Some(pop) = &spec.pop {
                let index = world.require_pop(&s.source, pop, &format!("fault[{}].pop", i + 1))?;
                if spec.kind.changes_routes() {
                    route_pop = Some(index);
                } else {
                    pops.push(index);
                }
            }
            let region = spec.region.as_ref().and_then(|r| state_region(r.get_ref()));
            if spec.kind == FaultKind::RegionDown {
                let name = region.map(|r| STATE_REGIONS[r]).unwrap_or("");
                let wanted = Region::parse(name);
                pops.extend((0..world.pops.len()).filter(|&p| Some(world.pops[p].region) == wanted));
            }
            let at = SimTime::ZERO + spec.at.get_ref().sim();
            let end = spec.lasts.as_ref().map(|d| at + d.get_ref().sim()).filter(|e| *e < run_end);
            Ok(Fault {
                kind: spec.kind,
                pops,
                region,
                at,
                end,
                capacity: spec.capacity.map_or(0.0, |c| c.0),
                lag: spec.lag.map_or(SimDuration::ZERO, |l| l.sim()),
                latency: spec.latency.map_or(SimDuration::ZERO, |l| l.sim()),
                error_rate: spec.error_rate.map_or(0.0, |e| e.get()),
                route_pop,
                peer: spec.peer.as_ref().map(|p| p.get_ref().clone()),
            })
        })
        .collect()
}
