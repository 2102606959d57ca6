//! The lazy generator of incidents ([`Generator`]): an ordered set of the
//! next failure time of every (process, unit) slot and every regional
//! event, popped in time order (ties: slots in plan order, then events).
//! A failure draws its repair and schedules the slot's next failure after
//! it; a regional event picks its PoPs, emits their incidents (queued, in
//! PoP order) and pushes back the next failure of every slot of those PoPs
//! that its repair outlasts. Memory: the slots, the events, one scratch
//! list of a region's PoPs, and the pending incidents of one event.

use super::plan::{Plan, RegionEvent, Repair, Take};
use super::{Cause, Incident, Lifetime, Target};
use crate::engine::rng::{self, Stream};
use crate::engine::SimTime;
use crate::scenario::schema::FaultKind;
use rand::Rng;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// One unit under one process.
#[derive(Debug, Clone)]
struct Slot {
    process: u32,
    kind: FaultKind,
    target: Target,
    /// Index of its unit in `Generator::down_until`.
    unit: usize,
    ttf: Lifetime,
    repair: Repair,
    ttf_rng: Stream,
    ttr_rng: Stream,
    /// When it fails next (in the agenda if before the horizon).
    next_fail: SimTime,
    /// When its latest outage (its own or a regional event's) ends.
    down_until: SimTime,
}

/// One regional-event process.
#[derive(Debug, Clone)]
struct EventSlot {
    process: u32,
    pops: Vec<usize>,
    take: Take,
    ttf: Lifetime,
    ttr: Lifetime,
    ttf_rng: Stream,
    ttr_rng: Stream,
    pick_rng: Stream,
}

/// Yields the incidents of a [`Plan`] in order of their start, lazily, up
/// to a horizon (incidents start before it; their repair may lie after).
/// Deterministic from the seed. See the module [`super`] for the model and
/// how overlapping incidents are handled.
#[derive(Debug, Clone)]
pub struct Generator {
    horizon: SimTime,
    slots: Vec<Slot>,
    events: Vec<EventSlot>,
    /// (next time, source): sources `0..slots.len()` are slots, the rest events.
    agenda: BTreeSet<(SimTime, usize)>,
    /// Incidents of the last regional event not yet yielded.
    pending: VecDeque<Incident>,
    /// Per unit (a kind on a target): when its latest incident ends.
    down_until: Vec<SimTime>,
    /// Per unit: its slots.
    unit_slots: Vec<Vec<usize>>,
    /// Per PoP: its `pop-down` unit, if any process or event strikes it.
    pop_unit: Vec<Option<usize>>,
    /// Regional events so far.
    next_event: u32,
    /// A region's PoPs, shuffled to pick an event's.
    scratch: Vec<usize>,
}

impl Generator {
    /// The generator of `plan` under the run's master `seed`, yielding
    /// incidents that start in `[0, horizon)`. Every unit starts up and new.
    /// Targets and event PoPs index `plan.pop_codes`, as [`super::plan`] builds them.
    pub fn new(plan: &Plan, seed: u64, horizon: SimTime) -> Generator {
        let mut g = Generator {
            horizon,
            slots: Vec::new(),
            events: Vec::new(),
            agenda: BTreeSet::new(),
            pending: VecDeque::new(),
            down_until: Vec::new(),
            unit_slots: Vec::new(),
            pop_unit: vec![None; plan.pop_codes.len()],
            next_event: 0,
            scratch: Vec::new(),
        };
        g.add_unit_processes(plan, seed);
        g.add_events(plan, seed);
        for s in 0..g.slots.len() {
            g.schedule_slot(s, SimTime::ZERO);
        }
        for e in 0..g.events.len() {
            let ev = &mut g.events[e];
            let first = SimTime::ZERO + ev.ttf.sample(&mut ev.ttf_rng);
            g.push(first, g.slots.len() + e);
        }
        g
    }

    /// A new unit, up; its index.
    fn new_unit(&mut self) -> usize {
        self.down_until.push(SimTime::ZERO);
        self.unit_slots.push(Vec::new());
        self.down_until.len() - 1
    }

    /// One slot per (unit process, target), each with its streams.
    fn add_unit_processes(&mut self, plan: &Plan, seed: u64) {
        let mut units: BTreeMap<(&'static str, Target), usize> = BTreeMap::new();
        let mut per_name: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &plan.units {
            // The n-th process of this name: stream names stay put when
            // processes of other names come or go.
            let n = *per_name.entry(p.name.as_str()).and_modify(|n| *n += 1).or_insert(0);
            for &target in &p.targets {
                let unit = match units.get(&(p.kind.as_str(), target)) {
                    Some(&u) => u,
                    None => {
                        let u = self.new_unit();
                        units.insert((p.kind.as_str(), target), u);
                        u
                    }
                };
                let base = format!("failure/{}/{n}/{}", p.name, target.label(&plan.pop_codes));
                self.unit_slots[unit].push(self.slots.len());
                self.slots.push(Slot {
                    process: p.number,
                    kind: p.kind,
                    target,
                    unit,
                    ttf: p.ttf,
                    repair: p.repair,
                    ttf_rng: rng::stream(seed, &format!("{base}/ttf")),
                    ttr_rng: rng::stream(seed, &format!("{base}/ttr")),
                    next_fail: SimTime::ZERO,
                    down_until: SimTime::ZERO,
                });
                if let (FaultKind::PopDown, Target::Pop(pop)) = (p.kind, target) {
                    self.pop_unit[pop] = Some(unit);
                }
            }
        }
    }

    /// One event slot per regional event, and a `pop-down` unit for each
    /// PoP it may strike.
    fn add_events(&mut self, plan: &Plan, seed: u64) {
        let mut per_region: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &plan.events {
            let n = per_region.entry(e.region.as_str()).or_insert(0);
            self.events.push(event_slot(e, seed, &format!("failure/region-event/{}/{n}", e.region)));
            *n += 1;
            for &pop in &e.pops {
                if self.pop_unit[pop].is_none() {
                    self.pop_unit[pop] = Some(self.new_unit());
                }
            }
        }
    }

    /// How many (process, unit) slots and event processes it keeps: its
    /// memory is proportional to this, whatever the horizon.
    pub fn sources(&self) -> usize {
        self.slots.len() + self.events.len()
    }

    /// Draws slot `s`'s next failure, a fresh TTF after `from`.
    fn schedule_slot(&mut self, s: usize, from: SimTime) {
        let slot = &mut self.slots[s];
        slot.next_fail = from + slot.ttf.sample(&mut slot.ttf_rng);
        let at = slot.next_fail;
        self.push(at, s);
    }

    fn push(&mut self, at: SimTime, source: usize) {
        if at < self.horizon {
            self.agenda.insert((at, source));
        }
    }

    /// Slot `s` fails at `now`: its incident, and its next failure.
    fn fail(&mut self, s: usize, now: SimTime) -> Incident {
        let slot = &mut self.slots[s];
        let (ttr, cause) = match slot.repair.human {
            Some(h) if slot.ttr_rng.random::<f64>() < h.share => (h.ttr, Cause::Human),
            _ => (slot.repair.ttr, Cause::Random),
        };
        let end = now + ttr.sample(&mut slot.ttr_rng);
        slot.down_until = end;
        let incident = Incident {
            start: now,
            end,
            kind: slot.kind,
            target: slot.target,
            cause,
            process: slot.process,
            already_down: self.down_until[slot.unit] > now,
        };
        let unit = slot.unit;
        self.down_until[unit] = self.down_until[unit].max(end);
        self.schedule_slot(s, end);
        incident
    }

    /// Event process `e` strikes at `now`: queues its PoPs' incidents and
    /// pushes back their slots' failures; schedules its next event.
    fn strike(&mut self, e: usize, now: SimTime) {
        let k = self.pick(e);
        let ev = &mut self.events[e];
        let end = now + ev.ttr.sample(&mut ev.ttr_rng);
        let process = ev.process;
        let next = now + ev.ttf.sample(&mut ev.ttf_rng);
        let event = self.next_event;
        self.next_event = self.next_event.saturating_add(u32::from(k > 0));
        for i in 0..k {
            let pop = self.scratch[i];
            let Some(unit) = self.pop_unit[pop] else { continue };
            let already_down = self.down_until[unit] > now;
            self.down_until[unit] = self.down_until[unit].max(end);
            for j in 0..self.unit_slots[unit].len() {
                self.renew(self.unit_slots[unit][j], end);
            }
            let target = Target::Pop(pop);
            let cause = Cause::Regional { event };
            self.pending.push_back(Incident {
                start: now,
                end,
                kind: FaultKind::PopDown,
                target,
                cause,
                process,
                already_down,
            });
        }
        self.push(next, self.slots.len() + e);
    }

    /// Picks the PoPs event process `e` takes: the first k of `scratch`,
    /// ascending, a uniform k-subset of its region's; returns k.
    fn pick(&mut self, e: usize) -> usize {
        let ev = &mut self.events[e];
        let n = ev.pops.len();
        let k = match ev.take {
            Take::Count(k) => k.min(n),
            Take::Share(share) => {
                let exact = share * n as f64;
                let whole = exact.floor();
                (whole as usize + usize::from(ev.pick_rng.random::<f64>() < exact - whole)).min(n)
            }
        };
        // A partial Fisher-Yates shuffle: the first k are a uniform k-subset.
        self.scratch.clear();
        self.scratch.extend_from_slice(&ev.pops);
        for i in 0..k {
            let j = ev.pick_rng.random_range(i..n);
            self.scratch.swap(i, j);
        }
        self.scratch[..k].sort_unstable();
        k
    }

    /// A regional event holds slot `s`'s PoP down until `end`: if that is
    /// after the slot's own repair, its next failure is a fresh TTF from `end`.
    fn renew(&mut self, s: usize, end: SimTime) {
        let slot = &mut self.slots[s];
        if slot.down_until >= end {
            return;
        }
        slot.down_until = end;
        let old = (slot.next_fail, s);
        self.agenda.remove(&old);
        self.schedule_slot(s, end);
    }
}

fn event_slot(e: &RegionEvent, seed: u64, base: &str) -> EventSlot {
    EventSlot {
        process: e.number,
        pops: e.pops.clone(),
        take: e.take,
        ttf: e.ttf,
        ttr: e.ttr,
        ttf_rng: rng::stream(seed, &format!("{base}/ttf")),
        ttr_rng: rng::stream(seed, &format!("{base}/ttr")),
        pick_rng: rng::stream(seed, &format!("{base}/pick")),
    }
}

impl Iterator for Generator {
    type Item = Incident;

    fn next(&mut self) -> Option<Incident> {
        loop {
            if let Some(i) = self.pending.pop_front() {
                return Some(i);
            }
            let (now, source) = self.agenda.pop_first()?;
            if source < self.slots.len() {
                return Some(self.fail(source, now));
            }
            self.strike(source - self.slots.len(), now);
        }
    }
}
