//! The world map's data, written into the results folder beside the other
//! CSV files so that `edgesim plot` can redraw the maps from the folder
//! alone: `map_pops.csv` (each PoP: where it stands, its load, the worst
//! state it was in) and `catchments.csv` (for each fault, where the
//! networks of every site it affected sent their traffic just before it
//! struck and while it lasted).
//!
//! Both are built from the run's catchment snapshots
//! ([`crate::sim::Catchment`]) and the world; rows come in a fixed order
//! (fault, moment, site index, PoP index), numbers are formatted here.

use super::csv_files::CsvText;
use crate::edge::anycast::NO_POP;
use crate::sim::{Catchment, RunResult};
use crate::world::World;
use std::collections::{BTreeMap, BTreeSet};

/// The file name of the per-PoP map data.
pub const MAP_POPS_CSV: &str = "map_pops.csv";
/// The file name of the per-fault catchments.
pub const CATCHMENTS_CSV: &str = "catchments.csv";

/// A PoP's state as the map colours it, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PopState {
    /// Up, announced, never shedding.
    Serving,
    /// Up and announced but shed requests (a shed level above 0) at some time.
    Degraded,
    /// Its route was withdrawn at its origin.
    Withdrawn,
    /// Struck down by a fault.
    Down,
}

impl PopState {
    /// Every state, best first.
    pub const ALL: [PopState; 4] = [PopState::Serving, PopState::Degraded, PopState::Withdrawn, PopState::Down];

    /// The name the CSV files use: `serving`, `degraded`, `withdrawn`, `down`.
    pub fn as_str(self) -> &'static str {
        match self {
            PopState::Serving => "serving",
            PopState::Degraded => "degraded",
            PopState::Withdrawn => "withdrawn",
            PopState::Down => "down",
        }
    }

    /// The state named `name` (as [`PopState::as_str`] writes it).
    pub fn parse(name: &str) -> Option<PopState> {
        PopState::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Pop `pop`'s state in a snapshot (serving, withdrawn or down).
    fn in_snapshot(snap: &Catchment, pop: usize) -> PopState {
        if !snap.pop_alive.get(pop).copied().unwrap_or(true) {
            PopState::Down
        } else if snap.pop_withdrawn.get(pop).copied().unwrap_or(false) {
            PopState::Withdrawn
        } else {
            PopState::Serving
        }
    }
}

/// A coordinate in degrees with 4 decimals (about 11 m).
fn degrees(x: f64) -> String {
    format!("{x:.4}")
}

/// Each PoP's worst state over the run: down or withdrawn in any catchment
/// snapshot, else degraded if its shed level rose above 0, else serving.
pub fn worst_states(result: &RunResult, pops: usize) -> Vec<PopState> {
    let mut states = vec![PopState::Serving; pops];
    for (i, state) in states.iter_mut().enumerate() {
        let shed = result.levels.per_pop.get(i).is_some_and(|t| t.transitions.iter().any(|(_, l)| *l > 0));
        if shed {
            *state = PopState::Degraded;
        }
    }
    for s in result.pop_series.iter().filter(|s| s.shed_level > 0) {
        if let Some(state) = states.get_mut(s.pop as usize) {
            *state = (*state).max(PopState::Degraded);
        }
    }
    for snap in &result.catchments {
        for (i, state) in states.iter_mut().enumerate() {
            *state = (*state).max(PopState::in_snapshot(snap, i));
        }
    }
    states
}

/// `map_pops.csv`: one row per PoP in catalog order: `code`, `city`,
/// `region`, `lat` and `lon` (degrees, 4 decimals), `requests` (measured
/// requests it answered or failed, as in summary.json) and `state`, the
/// worst it was in over the run ([`worst_states`]).
pub fn map_pops_csv(result: &RunResult, world: &World) -> String {
    let states = worst_states(result, world.pops.len());
    let mut out = CsvText::new(["code", "city", "region", "lat", "lon", "requests", "state"]);
    for (i, p) in world.pops.iter().enumerate() {
        let requests = result.recorder.by_pop.get(i).map_or(0, |c| c.issued);
        out.row([
            p.code.clone(),
            p.city.clone(),
            p.region.as_str().to_string(),
            degrees(p.lat_deg),
            degrees(p.lon_deg),
            requests.to_string(),
            states[i].as_str().to_string(),
        ]);
    }
    out.finish()
}

/// The two snapshots of fault `fault` (before it struck, while it lasted).
fn snapshot_pair(catchments: &[Catchment], fault: u32) -> Option<(&Catchment, &Catchment)> {
    let before = catchments.iter().find(|c| c.fault == fault && c.before)?;
    let during = catchments.iter().find(|c| c.fault == fault && !c.before)?;
    Some((before, during))
}

/// The sites (by index) a fault affected, from its snapshots `before` it
/// struck and `during` it: those with a network that sends to another PoP
/// during it than before, or that sent before to a PoP that is down or
/// withdrawn during it (whether or not the network has moved).
pub fn affected_sites(net_sites: &[u32], before: &Catchment, during: &Catchment) -> BTreeSet<u32> {
    let affected = |n: usize| {
        let was = before.pop_of_net.get(n).copied().unwrap_or(NO_POP);
        let struck = was != NO_POP && PopState::in_snapshot(during, was as usize) != PopState::Serving;
        struck || during.pop_of_net.get(n).copied().unwrap_or(NO_POP) != was
    };
    net_sites.iter().enumerate().filter(|&(n, _)| affected(n)).map(|(_, &s)| s).collect()
}

/// Networks per (site, PoP) of the sites `sites` in one snapshot.
fn site_pops(net_sites: &[u32], snap: &Catchment, sites: &BTreeSet<u32>) -> BTreeMap<(u32, u32), u32> {
    let mut counts = BTreeMap::new();
    for (n, site) in net_sites.iter().enumerate().filter(|(_, s)| sites.contains(s)) {
        let pop = snap.pop_of_net.get(n).copied().unwrap_or(NO_POP);
        *counts.entry((*site, pop)).or_insert(0) += 1;
    }
    counts
}

/// `catchments.csv`: for each fault (`fault`, from 1 in file order) that
/// affected a site ([`affected_sites`]: one of its networks moved, or sent
/// to a PoP that the fault left down or withdrawn), those sites at two
/// moments: `before` (just before it
/// struck) and `during` (just before it ended, or at the run's end if it
/// lasts), `t_s` when the snapshot was taken (s). One row per site and PoP
/// its networks send to: `site`, `site_lat`, `site_lon`, `pop` (its code;
/// empty when the networks reach no PoP), `pop_lat`, `pop_lon`,
/// `networks` (how many of the site's networks send there) and
/// `pop_state_during` (the PoP's state while the fault lasts: `serving`,
/// `withdrawn` or `down`). Rows by fault, moment, site index, PoP index.
pub fn catchments_csv(result: &RunResult, world: &World) -> String {
    let mut out = CsvText::new([
        "fault",
        "moment",
        "t_s",
        "site",
        "site_lat",
        "site_lon",
        "pop",
        "pop_lat",
        "pop_lon",
        "networks",
        "pop_state_during",
    ]);
    let mut faults: Vec<u32> = result.catchments.iter().map(|c| c.fault).collect();
    faults.sort_unstable();
    faults.dedup();
    for fault in faults {
        let Some((before, during)) = snapshot_pair(&result.catchments, fault) else { continue };
        let sites = affected_sites(&result.net_sites, before, during);
        for (moment, snap) in [("before", before), ("during", during)] {
            for ((site, pop), networks) in site_pops(&result.net_sites, snap, &sites) {
                let s = world.sites.get(site as usize);
                let p = world.pops.get(pop as usize);
                out.row([
                    (fault + 1).to_string(),
                    moment.to_string(),
                    snap.at.as_secs_f64().to_string(),
                    s.map_or("?".to_string(), |s| s.name.clone()),
                    s.map_or(String::new(), |s| degrees(s.lat_deg)),
                    s.map_or(String::new(), |s| degrees(s.lon_deg)),
                    p.map_or(String::new(), |p| p.code.clone()),
                    p.map_or(String::new(), |p| degrees(p.lat_deg)),
                    p.map_or(String::new(), |p| degrees(p.lon_deg)),
                    networks.to_string(),
                    p.map_or(String::new(), |_| PopState::in_snapshot(during, pop as usize).as_str().to_string()),
                ]);
            }
        }
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    fn snap(fault: u32, before: bool, pop_of_net: Vec<u32>, alive: Vec<bool>) -> Catchment {
        let n = alive.len();
        Catchment { fault, before, at: SimTime::ZERO, pop_of_net, pop_alive: alive, pop_withdrawn: vec![false; n] }
    }

    #[test]
    fn only_sites_with_a_moved_or_stranded_network_are_kept() {
        // Sites 0, 0, 1, 2: network 1 (site 0) moves from PoP 0 to PoP 1;
        // network 0 (site 0) stays on PoP 0, which is down.
        let a = snap(0, true, vec![0, 0, 1, 1], vec![true, true]);
        let b = snap(0, false, vec![0, 1, 1, 1], vec![false, true]);
        let sites = affected_sites(&[0, 0, 1, 2], &a, &b);
        assert_eq!(sites.into_iter().collect::<Vec<_>>(), vec![0]);
        // Site 1's network stranded on PoP 1, now down, without moving.
        let c = snap(0, false, vec![0, 0, 1, 0], vec![true, false]);
        let sites = affected_sites(&[0, 0, 1, 2], &a, &c);
        assert_eq!(sites.into_iter().collect::<Vec<_>>(), vec![1, 2]);
        let counts = site_pops(&[0, 0, 1, 2], &b, &BTreeSet::from([0]));
        assert_eq!(counts.into_iter().collect::<Vec<_>>(), vec![((0, 0), 1), ((0, 1), 1)]);
        assert_eq!(PopState::in_snapshot(&b, 0), PopState::Down);
        assert_eq!(PopState::in_snapshot(&b, 1), PopState::Serving);
    }

    #[test]
    fn states_read_back_and_order_from_best_to_worst() {
        for s in PopState::ALL {
            assert_eq!(PopState::parse(s.as_str()), Some(s));
        }
        assert!(PopState::Serving < PopState::Degraded && PopState::Withdrawn < PopState::Down);
        assert_eq!(PopState::parse("up"), None);
    }
}
