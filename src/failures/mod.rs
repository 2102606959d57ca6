//! Failure processes: random failures and repairs of the network's units,
//! beside the scripted fault timeline. A unit (a PoP, a state region, a KV
//! primary, a Durable Object region, the origin, the control plane) is up
//! for a time to failure (TTF), then down for a time to repair (TTR), and
//! again: an alternating renewal process, each unit new at time 0. A share
//! of repairs may need a human, with its own longer-tailed TTR. A regional
//! event, at its own rate, takes a share or a count of a catalog region's
//! PoPs down together for its own TTR. Each down period is an [`Incident`].
//!
//! The [`Generator`] yields incidents in order of their start, lazily: it
//! keeps the next failure time of every (process, unit) and every regional
//! event in an ordered set, so its memory is bounded by the number of
//! units, whatever the horizon. Every (process, unit) draws from its own
//! named streams (`failure/<kind>/<selector>/<n>/<unit>/ttf` and `.../ttr`,
//! e.g. `failure/pop-down/all/0/FRA/ttf`, n counting the processes the file
//! writes alike; a regional event `failure/region-event/<region>/<n>/`
//! `{ttf,ttr,pick}`), so adding a process leaves every other process's
//! draws alone (a regional event does reschedule the PoPs it hits, below).
//!
//! **Overlap.** Incidents on one unit may overlap: a unit is down while any
//! of its incidents lasts, and comes back at the latest of their ends. A
//! PoP that a regional event hits while it is already down (from its own
//! failure or an earlier event) gets the event's incident too, marked
//! [`Incident::already_down`]; it stays down until the later of the two
//! repairs. Each (process, unit) fails again only once up: its next TTF
//! starts at its own repair, or at a regional event's repair when that is
//! later (the event renews the PoP: a fresh TTF from the event's repair, so
//! a PoP never fails on its own while an event holds it down). Processes on
//! one unit (`pops = "all"` and `pop = "FRA"`) are competing risks: each
//! fails on its own; their incidents overlap as above.
//!
//! Left out: failures that depend on load or age beyond their law, repair
//! crews shared between units, and partial failures (`pop-degraded`). The
//! closed forms the tests check: the long-run share of time down is
//! E[TTR] / (E[TTF] + E[TTR]) and failures per unit time 1 / (E[TTF] +
//! E[TTR]) (the renewal-reward theorem; Ross, *Stochastic Processes*, 2nd
//! ed., §3.4 and §3.6), and k of n independent units are down at once with
//! the binomial probability of that share.

mod generator;
mod lifetime;
mod plan;

pub use generator::Generator;
pub use lifetime::{ln_gamma, Lifetime};
pub use plan::{generator, plan, HumanRepair, Plan, RegionEvent, Repair, Take, UnitProcess};

use crate::engine::SimTime;
use crate::scenario::regions::STATE_REGIONS;
use crate::scenario::schema::FaultKind;

/// What fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// A PoP (index into the world's PoPs).
    Pop(usize),
    /// A state region (index into [`STATE_REGIONS`]): its PoPs and DO
    /// region, its KV primary or its DO region, after the incident's kind.
    StateRegion(usize),
    /// The customers' origin.
    Origin,
    /// The control plane.
    ControlPlane,
}

impl Target {
    /// Its name in stream names and reports: a PoP code, `NA`, `origin`,
    /// `control-plane`; `pop_codes` are the world's PoP codes.
    pub fn label(self, pop_codes: &[String]) -> String {
        match self {
            Target::Pop(p) => pop_codes.get(p).cloned().unwrap_or_else(|| format!("pop{p}")),
            Target::StateRegion(r) => STATE_REGIONS.get(r).map_or_else(|| format!("region{r}"), |s| s.to_string()),
            Target::Origin => "origin".to_string(),
            Target::ControlPlane => "control-plane".to_string(),
        }
    }
}

/// Why a unit went down and how it was repaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    /// Its own failure, repaired by the usual TTR.
    Random,
    /// Its own failure, repaired by a human (the human TTR).
    Human,
    /// A regional event; its incidents share `event` (numbered from 0 in
    /// order of their start over the whole run; an event that takes no PoP
    /// takes no number).
    Regional {
        /// The event's number.
        event: u32,
    },
}

impl Cause {
    /// Its name in reports: `random`, `human`, `regional`.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Random => "random",
            Cause::Human => "human",
            Cause::Regional { .. } => "regional",
        }
    }
}

/// One down period of one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Incident {
    /// When the unit goes down.
    pub start: SimTime,
    /// When it is repaired (may lie past the generator's horizon).
    pub end: SimTime,
    /// Which scripted fault it behaves as: `pop-down`, `region-down`,
    /// `kv-primary-down`, `do-region-down`, `origin-down`, `control-plane-down`.
    pub kind: FaultKind,
    /// What fails.
    pub target: Target,
    /// Why.
    pub cause: Cause,
    /// The `[[failure]]` it comes from (0 for the file's first).
    pub process: u32,
    /// True if the unit was already down (from another incident still
    /// lasting) when this one started: it adds no new outage, only
    /// perhaps a later repair.
    pub already_down: bool,
}

impl Incident {
    /// How long it lasts, in simulated time.
    pub fn duration(&self) -> crate::engine::SimDuration {
        self.end - self.start
    }
}
