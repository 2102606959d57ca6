//! The fault timeline of a run, resolved against its PoPs.

use crate::engine::SimTime;
use crate::scenario::schema::FaultKind;
use crate::scenario::{Scenario, ScenarioError};
use crate::world::{unknown_pop_message, World};

/// One fault, ready to strike.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    /// The PoP it strikes (index into the world's PoPs).
    pub pop: usize,
    /// When it starts.
    pub at: SimTime,
    /// When it ends, if before the end of the run.
    pub end: Option<SimTime>,
    /// For `pop-degraded`: the share of servers left working.
    pub capacity: f64,
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
            let code = spec.pop.get_ref();
            let pop = world.pop_index(code).ok_or_else(|| {
                let known = world.pops.iter().map(|p| p.code.as_str());
                s.source.error_at(
                    spec.pop.span(),
                    unknown_pop_message(&format!("fault[{}].pop (not in this topology)", i + 1), code, known),
                )
            })?;
            let at = SimTime::ZERO + spec.at.get_ref().sim();
            let end = spec.lasts.as_ref().map(|d| at + d.get_ref().sim()).filter(|e| *e < run_end);
            Ok(Fault { kind: spec.kind, pop, at, end, capacity: spec.capacity.map_or(0.0, |c| c.0) })
        })
        .collect()
}
