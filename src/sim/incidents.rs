//! The loop's side of the failure processes (`[[failure]]`): incidents
//! drawn lazily from [`crate::failures::Generator`], one scheduled at a
//! time, each striking as the scripted fault of its kind does (a PoP stops
//! answering and the health checker, withdrawal and convergence follow; a
//! region takes its PoPs and its Durable Object region; a KV primary, the
//! origin or the control plane goes down) and lifting at its repair.
//!
//! Overlap: every unit keeps a count of the incidents holding it down; the
//! first one down takes it down, the last one repaired brings it back, so a
//! unit is down while any incident lasts (the generator's rule). Scripted
//! faults of the same kind count too.
//!
//! Measured per incident: when, what, how long, why (summary.json lists
//! them); per PoP, the time it was down; for PoP and region incidents, the
//! RTO and the requests lost, measured as a scripted fault's are on the
//! fault slots scripted faults leave free ([`super::incident_rto`]).

use super::{Event, Sim};
use crate::edge::faults::Fault;
use crate::engine::{SimDuration, SimTime};
use crate::failures::{Cause, Generator, Incident, Plan, Target};
use crate::scenario::regions::STATE_REGIONS;
use crate::scenario::schema::FaultKind;
use crate::world::catalog::Region;

/// Incidents kept in the run's list; more are counted, not listed.
pub const MAX_INCIDENT_RECORDS: usize = 100_000;

/// One incident as the run saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRecord {
    /// When the unit went down.
    pub start: SimTime,
    /// When it was repaired (past the run's end if it was not).
    pub end: SimTime,
    /// The scripted fault kind it behaved as.
    pub kind: FaultKind,
    /// What failed: a PoP code, a state region, `origin`, `control-plane`.
    pub target: String,
    /// The PoPs it takes down, indices into the world's PoPs: its PoP, a
    /// region-down's region's PoPs, none for the other kinds.
    pub pops: Vec<u32>,
    /// Random, human repair or regional event.
    pub cause: Cause,
    /// The `[[failure]]` it came from (0 for the file's first).
    pub process: u32,
    /// The unit was already down when it started (it added no outage).
    pub already_down: bool,
    /// Its recovery time as DESIGN.md defines a fault's (the traffic of
    /// the PoPs' catchment at the start back at 99% success for 10 s), if
    /// measured: PoP and region incidents only, within
    /// [`crate::metrics::faults::INCIDENT_RTO_WINDOW`] of the start, and
    /// while a fault slot was free.
    pub rto: Option<SimDuration>,
    /// Whether the RTO was measured (false: no catchment to measure, or
    /// no free fault slot); measured and `rto == None` means not recovered
    /// within the window.
    pub rto_measured: bool,
    /// Requests of that traffic sent while it lasted that failed (0 when
    /// not measured).
    pub requests_lost: u64,
}

/// What the failure processes did in a run.
#[derive(Debug, Clone, Default)]
pub struct IncidentResult {
    /// Incidents in order of their start (at most [`MAX_INCIDENT_RECORDS`]).
    pub records: Vec<IncidentRecord>,
    /// Incidents past the list's cap.
    pub unlisted: u64,
    /// Per PoP: simulated time it was down from incidents and faults of
    /// the kinds that take PoPs down, overlaps counted once.
    pub pop_downtime: Vec<SimDuration>,
    /// Per PoP: times it went down (a failure).
    pub pop_failures: Vec<u32>,
}

/// An incident in progress: the fault it behaves as.
struct Live {
    fault: Fault,
    /// Its entry in the run's list (none past the list's cap).
    record: Option<usize>,
    /// Why it happened (a regional event's incidents share one measure).
    cause: Cause,
    /// The fault slot measuring its RTO, if it has one.
    fault_slot: Option<u32>,
}

/// The failure processes of a run.
pub(super) struct Feed {
    generator: Generator,
    /// Incidents in progress, by slot; free slots to reuse.
    live: Vec<Option<Live>>,
    free: Vec<u32>,
    pub(super) result: IncidentResult,
    /// The fault slots measuring incidents' RTO.
    pub(super) slots: super::incident_rto::FaultSlots,
}

impl Feed {
    /// The processes of `plan` over a run of `horizon` from `seed`; `None`
    /// when the file has none.
    /// `scripted` faults take the first fault slots.
    pub(super) fn new(plan: &Plan, seed: u64, horizon: SimTime, pops: usize, scripted: usize) -> Option<Feed> {
        if plan.units.is_empty() && plan.events.is_empty() {
            return None;
        }
        Some(Feed {
            generator: Generator::new(plan, seed, horizon),
            live: Vec::new(),
            free: Vec::new(),
            slots: super::incident_rto::FaultSlots::new(scripted as u32),
            result: IncidentResult {
                pop_downtime: vec![SimDuration::ZERO; pops],
                pop_failures: vec![0; pops],
                ..IncidentResult::default()
            },
        })
    }

    fn park(&mut self, fault: Fault, record: Option<usize>, cause: Cause) -> u32 {
        let live = Some(Live { fault, record, cause, fault_slot: None });
        match self.free.pop() {
            Some(s) => {
                self.live[s as usize] = live;
                s
            }
            None => {
                self.live.push(live);
                (self.live.len() - 1) as u32
            }
        }
    }

    /// Incident `slot`'s list entry and cause.
    pub(super) fn about(&self, slot: u32) -> Option<(Option<usize>, Cause)> {
        let live = self.live.get(slot as usize)?.as_ref()?;
        Some((live.record, live.cause))
    }

    /// The fault slot measuring incident `slot`, if any.
    pub(super) fn fault_slot(&self, slot: u32) -> Option<u32> {
        self.live.get(slot as usize)?.as_ref()?.fault_slot
    }

    /// Gives incident `slot` fault slot `f`.
    pub(super) fn set_fault_slot(&mut self, slot: u32, f: u32) {
        if let Some(Some(live)) = self.live.get_mut(slot as usize) {
            live.fault_slot = Some(f);
        }
    }

    /// Frees incident `slot`.
    fn release(&mut self, slot: u32) {
        if let Some(l) = self.live.get_mut(slot as usize) {
            *l = None;
            self.free.push(slot);
        }
    }
}

/// The scripted fault an incident behaves as.
fn as_fault(i: &Incident, world: &crate::world::World) -> Fault {
    let (pops, region) = match i.target {
        Target::Pop(p) => (vec![p], None),
        Target::StateRegion(r) => {
            let pops = match i.kind {
                FaultKind::RegionDown => {
                    let wanted = STATE_REGIONS.get(r).and_then(|n| Region::parse(n));
                    (0..world.pops.len()).filter(|&p| Some(world.pops[p].region) == wanted).collect()
                }
                _ => Vec::new(),
            };
            (pops, Some(r))
        }
        Target::Origin | Target::ControlPlane => (Vec::new(), None),
    };
    Fault {
        kind: i.kind,
        pops,
        region,
        at: i.start,
        end: Some(i.end),
        capacity: 0.0,
        lag: SimDuration::ZERO,
        latency: SimDuration::ZERO,
        error_rate: 0.0,
        route_pop: None,
        peer: None,
    }
}

impl Sim<'_> {
    /// Schedules the first incident, if the run has failure processes.
    pub(super) fn schedule_incidents(&mut self) {
        self.next_incident();
    }

    /// Draws the next incident and schedules its start (before the end).
    fn next_incident(&mut self) {
        let Some(feed) = &mut self.incidents else { return };
        let Some(i) = feed.generator.next() else { return };
        if i.start >= self.end {
            return;
        }
        let fault = as_fault(&i, self.world);
        let record = (feed.result.records.len() < MAX_INCIDENT_RECORDS).then_some(feed.result.records.len());
        if record.is_some() {
            let target = match i.target {
                Target::Pop(p) => self.world.pops[p].code.clone(),
                other => other.label(&[]),
            };
            feed.result.records.push(IncidentRecord {
                start: i.start,
                end: i.end,
                kind: i.kind,
                target,
                pops: fault.pops.iter().map(|&p| p as u32).collect(),
                cause: i.cause,
                process: i.process,
                already_down: i.already_down,
                rto: None,
                rto_measured: false,
                requests_lost: 0,
            });
        } else {
            feed.result.unlisted += 1;
        }
        let slot = feed.park(fault, record, i.cause);
        self.queue.schedule_at(i.start, Event::IncidentStart { slot });
    }

    /// Incident `slot` starts: its RTO is measured if it can be, it
    /// strikes, its repair is scheduled, the next incident drawn.
    pub(super) fn incident_start(&mut self, now: SimTime, slot: u32) {
        let Some(fault) = self.live_fault(slot) else { return };
        self.flow_settle(now, &fault.pops);
        self.open_measure(now, slot, &fault);
        self.strike(now, &fault, true);
        if let Some(end) = fault.end.filter(|e| *e < self.end) {
            self.queue.schedule_at(end, Event::IncidentEnd { slot });
        }
        self.next_incident();
    }

    /// Incident `slot` is repaired.
    pub(super) fn incident_end(&mut self, now: SimTime, slot: u32) {
        let Some(fault) = self.live_fault(slot) else { return };
        self.strike(now, &fault, false);
        self.end_measure(now, slot);
        if let Some(feed) = &mut self.incidents {
            feed.release(slot);
        }
    }

    fn live_fault(&self, slot: u32) -> Option<Fault> {
        let feed = self.incidents.as_ref()?;
        feed.live.get(slot as usize)?.as_ref().map(|l| l.fault.clone())
    }

    /// A fault of a generated incident starts (`start`) or lifts: its PoPs
    /// by their down counts, the state plane by the unit's count.
    fn strike(&mut self, now: SimTime, fault: &Fault, start: bool) {
        self.flow_settle(now, &fault.pops);
        for &p in &fault.pops {
            self.pop_down(now, p, start);
        }
        if self.unit_count(fault, start) == Some(true) {
            self.state_effect(now, fault, None, start);
        }
    }

    /// Counts the incidents and faults holding a state unit down: true
    /// when this one changes its state (the first down, the last repaired),
    /// false when another still holds it; `None` for kinds not counted
    /// (they act alone).
    pub(super) fn unit_count(&mut self, fault: &Fault, start: bool) -> Option<bool> {
        let key = match (fault.kind, fault.region) {
            (FaultKind::RegionDown | FaultKind::DoRegionDown, Some(r)) => r,
            (FaultKind::KvPrimaryDown, Some(r)) => 3 + r,
            (FaultKind::OriginDown, _) => 6,
            (FaultKind::ControlPlaneDown, _) => 7,
            _ => return None,
        };
        let count = &mut self.unit_down[key];
        Some(if start {
            *count += 1;
            *count == 1
        } else {
            *count = count.saturating_sub(1);
            *count == 0
        })
    }

    /// PoP `p` goes down (`start`) or comes back, counting the incidents and
    /// faults holding it: the first takes it down, the last brings it back.
    pub(super) fn pop_down(&mut self, now: SimTime, p: usize, start: bool) {
        let count = self.pops[p].down_count;
        if start {
            self.pops[p].down_count = count + 1;
            if count == 0 {
                self.pops[p].down_since = now;
                self.kill_pop(now, p);
                if let Some(feed) = &mut self.incidents {
                    feed.result.pop_failures[p] += 1;
                }
            }
        } else if count > 0 {
            self.pops[p].down_count = count - 1;
            if count == 1 {
                self.pops[p].alive = true;
                let since = self.pops[p].down_since;
                if let Some(feed) = &mut self.incidents {
                    feed.result.pop_downtime[p] = feed.result.pop_downtime[p] + (now - since);
                }
            }
        }
    }

    /// The failure processes' measures at the end `end`.
    pub(super) fn incidents_finish(&mut self, end: SimTime) -> Option<IncidentResult> {
        for f in self.incidents.as_ref()?.slots.in_use() {
            self.close_measure(f);
        }
        let mut feed = self.incidents.take()?;
        for (p, pop) in self.pops.iter().enumerate() {
            if pop.down_count > 0 {
                feed.result.pop_downtime[p] = feed.result.pop_downtime[p] + (end - pop.down_since.min(end));
            }
        }
        Some(feed.result)
    }
}
