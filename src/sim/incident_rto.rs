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
//! Not measured (the record says so): incidents of other kinds (no
//! catchment), incidents whose PoPs had no catchment left when they struck
//! (already withdrawn), and incidents that found every slot taken.

use super::{Event, Sim};
use crate::edge::faults::Fault;
use crate::engine::{SimDuration, SimTime};
use crate::metrics::faults::{FaultRecord, INCIDENT_RTO_WINDOW};
use crate::scenario::schema::FaultKind;

/// Fault slots in all (the width of the fault masks).
pub const FAULT_SLOTS: u32 = crate::scenario::MAX_FAULTS as u32;

/// Time past an incident's window, beyond two control periods, before its
/// record is closed: outcomes of requests sent within the window arrive by
/// then (a request's deadlines and retries are well under it).
const IN_FLIGHT_MARGIN: SimDuration = SimDuration::from_secs(120);

impl Sim<'_> {
    /// Starts measuring incident `slot` (its fault `fault`, striking now)
    /// if it is a PoP or region incident with a catchment and a fault slot
    /// is free. Call before it strikes, with the flows settled to `now`.
    pub(super) fn open_measure(&mut self, now: SimTime, slot: u32, fault: &Fault) {
        if !matches!(fault.kind, FaultKind::PopDown | FaultKind::RegionDown) || fault.pops.is_empty() {
            return;
        }
        let catchment: Vec<usize> =
            (0..self.routing.networks()).filter(|&n| fault.pops.contains(&(self.routing.best(n) as usize))).collect();
        if catchment.is_empty() {
            return;
        }
        let Some(feed) = &mut self.incidents else { return };
        let Some(f) = feed.free_faults.pop() else { return };
        feed.set_fault_slot(slot, f);
        let k = (f - feed.first_slot) as usize;
        if feed.slot_pops.len() <= k {
            feed.slot_pops.resize(k + 1, Vec::new());
        }
        feed.slot_pops[k] = fault.pops.clone();
        let fi = f as usize;
        while self.faults.len() <= fi {
            self.faults.push(FaultRecord::new(now, now));
        }
        let mut record = FaultRecord::new(now, (now + INCIDENT_RTO_WINDOW).min(self.end));
        record.affected_networks = catchment.len() as u32;
        self.faults[fi] = record;
        let bit = 1u32 << f;
        for net in 0..self.routing.networks() {
            self.settled[net] |= bit;
        }
        for net in catchment {
            self.affected[net] |= bit;
            self.settled[net] &= !bit;
        }
        self.active_faults |= bit;
        for &p in &fault.pops {
            self.pops[p].active_fault = Some(f);
        }
        self.last_fault = Some(f);
    }

    /// Incident `slot` is repaired: its record's fault ends now and closes
    /// after the window. False if it is not measured.
    pub(super) fn end_measure(&mut self, now: SimTime, slot: u32) -> bool {
        let Some((f, _)) = self.incidents.as_ref().and_then(|feed| feed.measured(slot)) else {
            return false;
        };
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
            self.queue.schedule_at(close, Event::IncidentClose { slot });
        }
        true
    }

    /// Writes incident `slot`'s RTO and requests lost into its entry and
    /// gives its fault slot back.
    pub(super) fn close_measure(&mut self, slot: u32) {
        let Some((f, record)) = self.incidents.as_ref().and_then(|feed| feed.measured(slot)) else {
            return;
        };
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
        feed.free_faults.push(f);
        feed.release(slot);
    }

    /// The PoPs struck by the incident holding fault slot `f` (none if it
    /// is a scripted fault's or free).
    pub(super) fn incident_pops(&self, f: usize) -> &[usize] {
        let Some(feed) = &self.incidents else { return &[] };
        let Some(k) = f.checked_sub(feed.first_slot as usize) else { return &[] };
        feed.slot_pops.get(k).map_or(&[], |v| v.as_slice())
    }
}
