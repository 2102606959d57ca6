//! An incident's RTO and requests lost, measured exactly as a scripted
//! fault's: a PoP or region incident takes one of the fault slots the
//! scripted faults leave free (fault masks are 32 bits), the client
//! networks in its PoPs' catchment at its start become its affected
//! traffic, and its [`FaultRecord`] counts their requests per second from
//! the start for [`INCIDENT_RTO_WINDOW`]. The slot is given back once the
//! incident is repaired and the window is over (plus a margin for the
//! outcomes still in flight), so a year of incidents needs no more than the
//! few in progress at once.
//!
//! A regional event's incidents (its PoPs, struck at one instant) share one
//! slot: the event is measured once, on the catchment of all its PoPs, and
//! its RTO and lost requests go to its first incident's entry (the others
//! say not measured). It ends when its last PoP is repaired.
//!
//! Not measured (the entry says so): incidents of other kinds (no
//! catchment), incidents whose PoPs had no catchment left when they struck
//! (already withdrawn), and incidents that found every slot taken.

use super::{Event, Sim};
use crate::edge::faults::Fault;
use crate::engine::{SimDuration, SimTime};
use crate::failures::Cause;
use crate::metrics::faults::{FaultRecord, INCIDENT_RTO_WINDOW};
use crate::scenario::schema::FaultKind;

/// Fault slots in all (the width of the fault masks).
pub const FAULT_SLOTS: u32 = crate::scenario::MAX_FAULTS as u32;

/// Time past an incident's window, beyond two control periods, before its
/// record is closed: outcomes of requests sent within the window arrive by
/// then (a request's deadlines and retries are well under it).
const IN_FLIGHT_MARGIN: SimDuration = SimDuration::from_secs(120);

/// One fault slot lent to incidents.
#[derive(Debug, Clone, Default)]
struct FaultSlot {
    /// The PoPs its incidents struck.
    pops: Vec<usize>,
    /// The list entry its measures go to.
    record: Option<usize>,
    /// Incidents still holding it (a regional event's PoPs not yet repaired).
    holders: u32,
    /// The regional event measured on it.
    event: Option<u32>,
    /// Lent and not yet closed.
    in_use: bool,
}

/// The fault slots after the scripted faults', lent to incidents.
#[derive(Debug, Clone)]
pub(super) struct FaultSlots {
    first: u32,
    slots: Vec<FaultSlot>,
    /// Free slots, the lowest last.
    free: Vec<u32>,
}

impl FaultSlots {
    /// The slots after the first `scripted` (the scripted faults').
    pub(super) fn new(scripted: u32) -> Self {
        let first = scripted.min(FAULT_SLOTS);
        FaultSlots {
            first,
            slots: vec![FaultSlot::default(); (FAULT_SLOTS - first) as usize],
            free: (first..FAULT_SLOTS).rev().collect(),
        }
    }

    fn get(&self, f: u32) -> Option<&FaultSlot> {
        self.slots.get(f.checked_sub(self.first)? as usize)
    }

    fn get_mut(&mut self, f: u32) -> Option<&mut FaultSlot> {
        self.slots.get_mut(f.checked_sub(self.first)? as usize)
    }

    /// The slot measuring regional event `event`, if it is still struck.
    fn of_event(&self, event: u32) -> Option<u32> {
        let k = self.slots.iter().position(|s| s.in_use && s.holders > 0 && s.event == Some(event))?;
        Some(self.first + k as u32)
    }

    /// Slots lent and not closed.
    pub(super) fn in_use(&self) -> Vec<u32> {
        (0..self.slots.len() as u32).filter(|&k| self.slots[k as usize].in_use).map(|k| self.first + k).collect()
    }
}

impl Sim<'_> {
    /// Starts measuring incident `slot` (its fault `fault`, striking now)
    /// if it is a PoP or region incident with a catchment and a fault slot
    /// is free (or its regional event already has one). Call before it
    /// strikes, with the flows settled to `now`.
    pub(super) fn open_measure(&mut self, now: SimTime, slot: u32, fault: &Fault) {
        if !matches!(fault.kind, FaultKind::PopDown | FaultKind::RegionDown) || fault.pops.is_empty() {
            return;
        }
        let catchment: Vec<usize> =
            (0..self.routing.networks()).filter(|&n| fault.pops.contains(&(self.routing.best(n) as usize))).collect();
        let Some(feed) = &mut self.incidents else { return };
        let Some((record, cause)) = feed.about(slot) else { return };
        let event = match cause {
            Cause::Regional { event } => Some(event),
            _ => None,
        };
        let joined = event.and_then(|e| feed.slots.of_event(e));
        if catchment.is_empty() && joined.is_none() {
            return;
        }
        let f = match joined {
            Some(f) => f,
            None => {
                let Some(f) = feed.slots.free.pop() else { return };
                if let Some(s) = feed.slots.get_mut(f) {
                    *s = FaultSlot { pops: Vec::new(), record, holders: 0, event, in_use: true };
                }
                self.new_record(now, f);
                f
            }
        };
        let Some(feed) = &mut self.incidents else { return };
        feed.set_fault_slot(slot, f);
        if let Some(s) = feed.slots.get_mut(f) {
            s.holders += 1;
            s.pops.extend_from_slice(&fault.pops);
        }
        let bit = 1u32 << f;
        let fi = f as usize;
        for net in catchment {
            if self.affected[net] & bit == 0 {
                self.faults[fi].affected_networks += 1;
            }
            self.affected[net] |= bit;
            self.settled[net] &= !bit;
        }
        for &p in &fault.pops {
            self.pops[p].active_fault = Some(f);
        }
        self.last_fault = Some(f);
    }

    /// A fresh record on fault slot `f` for a fault starting `now`: every
    /// network counts as moved until a catchment joins it.
    fn new_record(&mut self, now: SimTime, f: u32) {
        let fi = f as usize;
        while self.faults.len() <= fi {
            self.faults.push(FaultRecord::new(now, now));
        }
        self.faults[fi] = FaultRecord::new(now, (now + INCIDENT_RTO_WINDOW).min(self.end));
        let bit = 1u32 << f;
        for net in 0..self.routing.networks() {
            self.settled[net] |= bit;
        }
        self.active_faults |= bit;
    }

    /// Incident `slot` is repaired: once no incident holds its fault slot,
    /// the slot's fault ends now and closes after the window.
    pub(super) fn end_measure(&mut self, now: SimTime, slot: u32) {
        let Some(feed) = &mut self.incidents else { return };
        let Some(f) = feed.fault_slot(slot) else { return };
        let Some(s) = feed.slots.get_mut(f) else { return };
        s.holders = s.holders.saturating_sub(1);
        if s.holders > 0 {
            return;
        }
        let rec = &mut self.faults[f as usize];
        rec.ended = Some(now);
        let close = now.max(rec.at + INCIDENT_RTO_WINDOW) + self.cfg.tick + self.cfg.tick + IN_FLIGHT_MARGIN;
        self.active_faults &= !(1u32 << f);
        // PoPs restored: networks routed to them may have moved for faults that last.
        for net in 0..self.routing.networks() {
            if self.pending_moves(net) != 0 {
                self.note_moves(now, net);
            }
        }
        if close < self.end {
            self.queue.schedule_at(close, Event::IncidentClose { fault: f });
        }
    }

    /// Writes fault slot `f`'s RTO and requests lost into its incident's
    /// entry and gives the slot back.
    pub(super) fn close_measure(&mut self, f: u32) {
        let Some(slot) = self.incidents.as_mut().and_then(|feed| feed.slots.get_mut(f)) else { return };
        if !slot.in_use {
            return;
        }
        slot.in_use = false;
        let record = slot.record;
        let fi = f as usize;
        let mut rec = std::mem::replace(&mut self.faults[fi], FaultRecord::new(SimTime::ZERO, SimTime::ZERO));
        rec.settle_volumes();
        let bit = 1u32 << f;
        for net in 0..self.routing.networks() {
            self.affected[net] &= !bit;
            self.settled[net] &= !bit;
        }
        self.active_faults &= !bit;
        for pop in &mut self.pops {
            if pop.active_fault == Some(f) {
                pop.active_fault = None;
            }
        }
        if self.last_fault == Some(f) {
            self.last_fault = None;
        }
        let Some(feed) = &mut self.incidents else { return };
        if let Some(entry) = record.and_then(|i| feed.result.records.get_mut(i)) {
            entry.rto = rec.rto();
            entry.rto_measured = true;
            entry.requests_lost = rec.during.failed();
        }
        feed.slots.free.push(f);
    }

    /// The PoPs struck by the incidents measured on fault slot `f` (none if
    /// it is a scripted fault's or free).
    pub(super) fn incident_pops(&self, f: usize) -> &[usize] {
        let Some(feed) = &self.incidents else { return &[] };
        feed.slots.get(f as u32).map_or(&[], |s| s.pops.as_slice())
    }
}
