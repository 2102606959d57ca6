//! The future-event list: a priority queue ordered by `(time, seq)`.
//!
//! # Design
//!
//! The queue is an implicit 4-ary min-heap of keys plus a slab of payloads:
//!
//! - each pending event has one `u128` key, `time << 64 | seq`, so the
//!   `(time, seq)` order is a single integer comparison, and `seq` (unique)
//!   makes every key distinct: the order is total and deterministic;
//! - the heap holds only the keys (`keys`) and, in a parallel array, the slab
//!   slot of each key's payload (`slots`). The four 16-byte keys of a family
//!   span 64 bytes, one cache line's worth, and a 4-ary heap is half as deep
//!   as a binary one. Sifts move a hole (copy, don't swap) and compare keys
//!   only;
//! - payloads (`E`) sit in `events`, a slab with a LIFO free list: an event
//!   is written once when scheduled and moved out once when popped, however
//!   far its key travels. The slot freed by a pop is the one the next
//!   schedule reuses, so it is still in cache;
//! - a pop leaves the root *vacant* (`hole`) instead of restoring the heap at
//!   once. If the next call schedules an event (the usual pattern: handling
//!   an event schedules its successors) the new key drops into the root and
//!   sifts down: one sift instead of a pop's sift-down plus a push's sift-up.
//!   Any other call that needs the root first fills the hole the classic way
//!   (last key to the root, sift down); `peek_time` looks at the root's
//!   children instead and stays `&self`;
//! - beside the heap, a FIFO lane (`schedule_fifo`) holds events scheduled in
//!   nondecreasing time order (timers of one constant delay, such as client
//!   timeouts) at O(1) each, keeping the heap small. Both share one `seq`
//!   counter and `pop` takes the smaller key of the two fronts, so the order
//!   of events is the same as with the heap alone.
//!
//! All storage is kept when events leave, so in steady state the queue does
//! not allocate. The code is entirely safe Rust.
//!
//! On the hold model (`examples/hold.rs`, `benches/engine.rs`) with a
//! 16-byte payload this runs at about 1.7x (1,000 pending) and 1.8x
//! (100,000 pending) the events per second of the previous queue, a
//! `std::collections::BinaryHeap` of `(time, seq, event)` entries. Variants
//! measured and dropped as no faster: 2-ary and 8-ary heaps, a heap of
//! `{key, slot}` structs, cache-line-aligned key families, branchless
//! minimum-of-four selection, Floyd's bottom-up deletion, and restoring the
//! heap at every pop (the vacant root is worth ~15% at 1,000 pending). An
//! inline heap (key and payload together) needs `unsafe` for hole moves and
//! was slower at 1,000 pending and only ~4% faster at 100,000, so it was
//! not kept.
//!
//! # Misuse
//!
//! An event cannot fire before the event being handled: scheduling at a time
//! before [`EventQueue::now`] is a model bug, and the queue never moves such
//! an event silently. [`EventQueue::schedule_at`] and its kin panic (in every
//! build: one comparison per call); [`EventQueue::try_schedule_at`] returns
//! [`BackInTime`], with the event handed back, for callers whose time may be
//! wrong. A FIFO lane is a [`Lane`], which exists only for indices below
//! [`LANES`] (checked at compile time in a `const`).

use crate::time::{SimDuration, SimTime};
use std::collections::VecDeque;
use std::fmt;

/// Heap arity: the children of node `i` are `ARITY * i + 1 ..= ARITY * i + ARITY`.
const ARITY: usize = 4;

/// How many FIFO lanes a queue has: one per constant delay a model uses for
/// its timers.
pub const LANES: usize = 2;

/// A FIFO lane of an [`EventQueue`]: an index below [`LANES`], so that
/// [`EventQueue::schedule_lane`] never needs to check or clamp it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lane(usize);

impl Lane {
    /// The first lane, the one [`EventQueue::schedule_fifo`] uses.
    pub const FIRST: Lane = Lane(0);

    /// Lane `index`. In a `const` item an index out of range does not
    /// compile:
    ///
    /// ```compile_fail
    /// const TOO_FAR: edgesim_engine::queue::Lane = edgesim_engine::queue::Lane::new(edgesim_engine::queue::LANES);
    /// ```
    ///
    /// # Panics
    ///
    /// If `index >= LANES` (see [`Lane::get`] for a checked form).
    pub const fn new(index: usize) -> Lane {
        assert!(index < LANES, "lane out of range: a Lane must be below LANES");
        Lane(index)
    }

    /// Lane `index`, or `None` if `index >= LANES`.
    pub const fn get(index: usize) -> Option<Lane> {
        if index < LANES {
            Some(Lane(index))
        } else {
            None
        }
    }

    /// Its index, in `0..LANES`.
    pub const fn index(self) -> usize {
        self.0
    }
}

/// The error of [`EventQueue::try_schedule_at`]: the time asked for is before
/// the queue's current time. Nothing was scheduled; the event is handed back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackInTime<E> {
    /// The time asked for.
    pub at: SimTime,
    /// The queue's current time, later than `at`.
    pub now: SimTime,
    /// The event that was not scheduled.
    pub event: E,
}

impl<E> fmt::Display for BackInTime<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event scheduled in the past: at {} ns, now {} ns", self.at.0, self.now.0)
    }
}

impl<E: fmt::Debug> std::error::Error for BackInTime<E> {}

/// The panic of a schedule call in the past, out of line so that the check
/// costs the hot path one comparison.
#[cold]
#[inline(never)]
#[track_caller]
fn scheduled_in_the_past(at: SimTime, now: SimTime) -> ! {
    panic!("event scheduled in the past: at {} ns, now {} ns", at.0, now.0)
}

/// An event taken off the queue, with the time it fires and its scheduling
/// sequence number (unique per run, increasing in scheduling order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled<E> {
    /// When the event fires.
    pub time: SimTime,
    /// Its place in scheduling order; ties on `time` pop in `seq` order.
    pub seq: u64,
    /// The event itself (plain data).
    pub event: E,
}

/// The heap key of an event: `(time, seq)` as one integer.
#[inline(always)]
fn key_of(time: u64, seq: u64) -> u128 {
    ((time as u128) << 64) | seq as u128
}

/// The time part of a key.
#[inline(always)]
fn key_time(key: u128) -> u64 {
    (key >> 64) as u64
}

/// The sequence-number part of a key.
#[inline(always)]
fn key_seq(key: u128) -> u64 {
    key as u64
}

/// The index (`0..len`) of the smallest of `keys` (not empty) and that key.
#[inline(always)]
fn min_of(keys: &[u128]) -> (usize, u128) {
    let mut best = 0;
    let mut best_key = keys[0];
    for (j, &k) in keys.iter().enumerate().skip(1) {
        if k < best_key {
            best_key = k;
            best = j;
        }
    }
    (best, best_key)
}

/// The position of the smallest key among the children `keys[first..end]`
/// (at least one, at most [`ARITY`]) and that key.
#[inline(always)]
fn min_child(keys: &[u128], first: usize, end: usize) -> (usize, u128) {
    let (j, key) = if end == first + ARITY {
        // A full family (the common case) has a fixed length, so the scan unrolls.
        let family: &[u128; ARITY] = keys[first..end].try_into().expect("ARITY keys");
        min_of(family)
    } else {
        min_of(&keys[first..end])
    };
    (first + j, key)
}

/// The future-event list of one run. Pops in `(time, seq)` order; the
/// current time (`now`) is the time of the last popped event.
///
/// Besides the heap it keeps a FIFO lane for events scheduled in
/// nondecreasing time order (timers of one constant delay, such as client
/// timeouts): those cost O(1) and keep the heap small. Both share one `seq`
/// counter, so the order of events is the same as with the heap alone.
pub struct EventQueue<E> {
    /// Heap-ordered keys; `keys[0]` is stale while `hole` is set.
    keys: Vec<u128>,
    /// `slots[i]` is the slab slot of the payload of `keys[i]`.
    slots: Vec<u32>,
    /// The payload slab: `Some` for pending events, `None` for free slots.
    events: Vec<Option<E>>,
    /// Free slots of `events`, reused last-freed first.
    free: Vec<u32>,
    /// True when the root of the heap is vacant (the last pop left it so).
    hole: bool,
    /// The FIFO lanes: `(key, event)` in increasing key order in each.
    fifo: [VecDeque<(u128, E)>; LANES],
    now: SimTime,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl<E> EventQueue<E> {
    /// An empty queue with room for `capacity` pending events before it grows.
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            keys: Vec::with_capacity(capacity),
            slots: Vec::with_capacity(capacity),
            events: Vec::with_capacity(capacity),
            free: Vec::with_capacity(capacity),
            hole: false,
            fifo: std::array::from_fn(|_| VecDeque::new()),
            now: SimTime::ZERO,
            next_seq: 0,
        }
    }

    /// The time of the last popped event (zero before the first pop).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at the absolute time `at` (no earlier than
    /// [`EventQueue::now`]); among events of equal time it pops after those
    /// scheduled before it.
    ///
    /// # Panics
    ///
    /// If `at` is before [`EventQueue::now`], in every build: a model bug.
    /// Use [`EventQueue::try_schedule_at`] when the time may be wrong.
    #[inline]
    #[track_caller]
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        if at < self.now {
            scheduled_in_the_past(at, self.now);
        }
        self.push_heap(at, event);
    }

    /// [`EventQueue::schedule_at`] for a time that may be in the past.
    ///
    /// # Errors
    ///
    /// [`BackInTime`], holding the event, if `at` is before
    /// [`EventQueue::now`]; the queue is then unchanged.
    #[inline]
    pub fn try_schedule_at(&mut self, at: SimTime, event: E) -> Result<(), BackInTime<E>> {
        if at < self.now {
            return Err(BackInTime { at, now: self.now, event });
        }
        self.push_heap(at, event);
        Ok(())
    }

    /// Puts `event` in the heap at `at` (not before `now`), with the next `seq`.
    #[inline(always)]
    fn push_heap(&mut self, at: SimTime, event: E) {
        let key = key_of(at.0, self.next_seq);
        self.next_seq += 1;
        let slot = self.store(event);
        if self.hole {
            // The root is vacant: the new key enters there and sifts down.
            self.hole = false;
            self.sift_down(0, key, slot);
        } else {
            let i = self.keys.len();
            self.keys.push(key);
            self.slots.push(slot);
            self.sift_up(i, key, slot);
        }
    }

    /// Schedules `event` at `at` in the first FIFO lane ([`Lane::FIRST`]):
    /// for calls that come in nondecreasing `at` order (timers of one
    /// constant delay). A call out of order still goes right, through the
    /// heap. The order of events is the same as with
    /// [`EventQueue::schedule_at`].
    ///
    /// # Panics
    ///
    /// If `at` is before [`EventQueue::now`], in every build: a model bug.
    #[inline]
    #[track_caller]
    pub fn schedule_fifo(&mut self, at: SimTime, event: E) {
        self.schedule_lane(Lane::FIRST, at, event);
    }

    /// Like [`EventQueue::schedule_fifo`], in lane `lane`: one lane per
    /// constant delay, so that each lane stays in time order.
    ///
    /// # Panics
    ///
    /// If `at` is before [`EventQueue::now`], in every build: a model bug.
    #[inline]
    #[track_caller]
    pub fn schedule_lane(&mut self, lane: Lane, at: SimTime, event: E) {
        if at < self.now {
            scheduled_in_the_past(at, self.now);
        }
        let time = at.0;
        let fifo = &mut self.fifo[lane.0];
        if fifo.back().is_some_and(|&(back, _)| key_time(back) > time) {
            self.push_heap(at, event);
            return;
        }
        let key = key_of(time, self.next_seq);
        self.next_seq += 1;
        fifo.push_back((key, event));
    }

    /// The lane whose front event is the earliest, with its key.
    #[inline(always)]
    fn first_lane(&self) -> Option<(usize, u128)> {
        let mut best: Option<(usize, u128)> = None;
        for (i, lane) in self.fifo.iter().enumerate() {
            if let Some(&(key, _)) = lane.front() {
                if best.is_none_or(|(_, b)| key < b) {
                    best = Some((i, key));
                }
            }
        }
        best
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        self.schedule_at(self.now + delay, event);
    }

    /// Takes the earliest event off the queue and advances `now` to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        if self.hole {
            self.fill_hole();
        }
        let (key, event) = match (self.keys.first(), self.first_lane()) {
            (Some(&heap), Some((lane, key))) if key < heap => self.fifo[lane].pop_front()?,
            (None, Some((lane, _))) => self.fifo[lane].pop_front()?,
            (Some(&key), _) => {
                let slot = self.slots[0];
                // Leave the root vacant: the next schedule (or pop) refills it.
                self.hole = true;
                let event = self.events[slot as usize].take().expect("a heap slot holds a pending event");
                self.free.push(slot);
                (key, event)
            }
            (None, None) => return None,
        };
        let time = SimTime(key_time(key));
        self.now = time;
        Some(Scheduled { time, seq: key_seq(key), event })
    }

    /// The time of the earliest pending event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        let heap = if self.hole {
            // The earliest pending event is among the vacant root's children.
            let end = self.keys.len().min(ARITY + 1);
            (end > 1).then(|| min_child(&self.keys, 1, end).1)
        } else {
            self.keys.first().copied()
        };
        let lane = self.first_lane().map(|(_, key)| key);
        let key = match (heap, lane) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        Some(SimTime(key_time(key)))
    }

    /// How many events are pending.
    pub fn len(&self) -> usize {
        self.keys.len() - usize::from(self.hole) + self.fifo.iter().map(VecDeque::len).sum::<usize>()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many events have been scheduled since the queue was made.
    pub fn scheduled_total(&self) -> u64 {
        self.next_seq
    }

    /// Puts `event` in a free slab slot and returns the slot.
    #[inline(always)]
    fn store(&mut self, event: E) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.events[slot as usize] = Some(event);
                slot
            }
            None => {
                let slot = u32::try_from(self.events.len()).expect("at most 2^32 pending events");
                self.events.push(Some(event));
                slot
            }
        }
    }

    /// Removes the vacant root: the last key moves there and sifts down.
    #[inline(always)]
    fn fill_hole(&mut self) {
        self.hole = false;
        let (Some(key), Some(slot)) = (self.keys.pop(), self.slots.pop()) else {
            return;
        };
        // If the root was the only node, it was the one removed.
        if !self.keys.is_empty() {
            self.sift_down(0, key, slot);
        }
    }

    /// Places `(key, slot)` in the tree starting at the vacant node `i`,
    /// moving smaller children up until the key is no larger than its children.
    #[inline(always)]
    fn sift_down(&mut self, mut i: usize, key: u128, slot: u32) {
        let n = self.keys.len();
        loop {
            let first = ARITY * i + 1;
            if first >= n {
                break;
            }
            let (child, child_key) = min_child(&self.keys, first, n.min(first + ARITY));
            if key < child_key {
                break;
            }
            self.keys[i] = child_key;
            self.slots[i] = self.slots[child];
            i = child;
        }
        self.keys[i] = key;
        self.slots[i] = slot;
    }

    /// Places `(key, slot)` in the tree starting at the vacant leaf `i`,
    /// moving larger parents down.
    #[inline(always)]
    fn sift_up(&mut self, mut i: usize, key: u128, slot: u32) {
        while i > 0 {
            let parent = (i - 1) / ARITY;
            let parent_key = self.keys[parent];
            if key > parent_key {
                break;
            }
            self.keys[i] = parent_key;
            self.slots[i] = self.slots[parent];
            i = parent;
        }
        self.keys[i] = key;
        self.slots[i] = slot;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use std::collections::BTreeMap;
    use std::rc::Rc;

    #[test]
    fn pops_by_time_then_scheduling_order() {
        let mut q = EventQueue::with_capacity(4);
        q.schedule_at(SimTime(20), 'c');
        q.schedule_at(SimTime(10), 'a');
        q.schedule_at(SimTime(20), 'd');
        q.schedule_at(SimTime(10), 'b');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|s| s.event)).collect();
        assert_eq!(order, vec!['a', 'b', 'c', 'd']);
        assert_eq!(q.now(), SimTime(20));
    }

    #[test]
    fn two_lanes_of_different_delays_pop_as_one_heap_would() {
        // Timers of 7 and 3 ticks scheduled at every tick: each lane is in
        // order, the two are not, and the merge must be.
        let mut q = EventQueue::with_capacity(8);
        let mut reference = EventQueue::with_capacity(8);
        for t in 0..50u64 {
            q.schedule_lane(Lane::new(0), SimTime(t + 7), (t, 7));
            q.schedule_lane(Lane::new(1), SimTime(t + 3), (t, 3));
            reference.schedule_at(SimTime(t + 7), (t, 7));
            reference.schedule_at(SimTime(t + 3), (t, 3));
        }
        let a: Vec<_> = std::iter::from_fn(|| q.pop().map(|s| (s.time, s.seq, s.event))).collect();
        let b: Vec<_> = std::iter::from_fn(|| reference.pop().map(|s| (s.time, s.seq, s.event))).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn the_fifo_lane_merges_with_the_heap_in_scheduling_order() {
        let mut q = EventQueue::with_capacity(8);
        q.schedule_fifo(SimTime(10), "f10");
        q.schedule_at(SimTime(10), "h10");
        q.schedule_at(SimTime(5), "h5");
        q.schedule_fifo(SimTime(20), "f20");
        q.schedule_fifo(SimTime(15), "f15-out-of-order");
        q.schedule_at(SimTime(20), "h20");
        let order: Vec<&str> = std::iter::from_fn(|| q.pop().map(|s| s.event)).collect();
        assert_eq!(order, vec!["h5", "f10", "h10", "f15-out-of-order", "f20", "h20"]);
    }

    #[test]
    fn schedule_in_is_relative_to_the_last_pop() {
        let mut q = EventQueue::with_capacity(2);
        q.schedule_at(SimTime(100), 1u8);
        assert_eq!(q.pop().map(|s| s.time), Some(SimTime(100)));
        q.schedule_in(SimDuration(5), 2u8);
        let s = q.pop().expect("one pending");
        assert_eq!((s.time, s.seq, s.event), (SimTime(105), 1, 2));
        assert!(q.is_empty());
    }

    #[test]
    fn empty_queue_reports_nothing() {
        let mut q: EventQueue<u8> = EventQueue::default();
        assert!(q.is_empty());
        assert_eq!(q.len(), 0);
        assert_eq!(q.peek_time(), None);
        assert_eq!(q.pop(), None);
        assert_eq!(q.now(), SimTime::ZERO);
        assert_eq!(q.scheduled_total(), 0);
    }

    #[test]
    fn len_peek_and_totals_track_a_vacant_root() {
        let mut q = EventQueue::with_capacity(0);
        for t in [30, 10, 20] {
            q.schedule_at(SimTime(t), t);
        }
        assert_eq!((q.len(), q.peek_time()), (3, Some(SimTime(10))));
        assert_eq!(q.pop().map(|s| s.event), Some(10));
        // The root is vacant now; len and peek_time still see the truth.
        assert_eq!((q.len(), q.peek_time()), (2, Some(SimTime(20))));
        q.schedule_in(SimDuration(5), 15);
        assert_eq!((q.len(), q.peek_time()), (3, Some(SimTime(15))));
        let rest: Vec<(u64, u64, u64)> = std::iter::from_fn(|| q.pop().map(|s| (s.time.0, s.seq, s.event))).collect();
        assert_eq!(rest, vec![(15, 3, 15), (20, 2, 20), (30, 0, 30)]);
        assert_eq!((q.len(), q.peek_time(), q.is_empty()), (0, None, true));
        assert_eq!(q.scheduled_total(), 4);
        assert_eq!(q.now(), SimTime(30));
        // Reusable after being emptied.
        q.schedule_in(SimDuration::ZERO, 99);
        assert_eq!(q.pop().map(|s| (s.time, s.seq, s.event)), Some((SimTime(30), 4, 99)));
    }

    #[test]
    fn extreme_times_keep_their_order() {
        let mut q = EventQueue::with_capacity(0);
        q.schedule_at(SimTime::MAX, 'z');
        q.schedule_at(SimTime(u64::MAX - 1), 'y');
        q.schedule_at(SimTime::ZERO, 'a');
        q.schedule_at(SimTime::MAX, 'Z');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|s| s.event)).collect();
        assert_eq!(order, vec!['a', 'y', 'z', 'Z']);
        assert_eq!(q.now(), SimTime::MAX);
    }

    #[test]
    #[should_panic(expected = "event scheduled in the past: at 5 ns, now 10 ns")]
    fn scheduling_in_the_past_panics() {
        let mut q = EventQueue::with_capacity(0);
        q.schedule_at(SimTime(10), ());
        q.pop();
        q.schedule_at(SimTime(5), ());
    }

    #[test]
    #[should_panic(expected = "event scheduled in the past: at 9 ns, now 10 ns")]
    fn scheduling_a_lane_in_the_past_panics() {
        let mut q = EventQueue::with_capacity(0);
        q.schedule_fifo(SimTime(10), ());
        q.pop();
        q.schedule_lane(Lane::new(1), SimTime(9), ());
    }

    #[test]
    fn try_schedule_in_the_past_hands_the_event_back_and_changes_nothing() {
        let mut q = EventQueue::with_capacity(0);
        q.schedule_at(SimTime(10), 'a');
        q.schedule_at(SimTime(30), 'b');
        assert_eq!(q.pop().map(|s| s.event), Some('a'));
        let err = q.try_schedule_at(SimTime(9), 'x').expect_err("9 ns is before now (10 ns)");
        assert_eq!(err, BackInTime { at: SimTime(9), now: SimTime(10), event: 'x' });
        assert_eq!(err.to_string(), "event scheduled in the past: at 9 ns, now 10 ns");
        // Nothing was scheduled and no sequence number was used.
        assert_eq!((q.len(), q.scheduled_total(), q.peek_time()), (1, 2, Some(SimTime(30))));
        // The present is allowed, and pops before the later event.
        assert_eq!(q.try_schedule_at(SimTime(10), 'c'), Ok(()));
        let rest: Vec<(u64, u64, char)> = std::iter::from_fn(|| q.pop().map(|s| (s.time.0, s.seq, s.event))).collect();
        assert_eq!(rest, vec![(10, 2, 'c'), (30, 1, 'b')]);
    }

    #[test]
    fn lanes_exist_only_below_lanes() {
        assert_eq!(Lane::get(LANES), None);
        assert_eq!(Lane::get(LANES - 1).map(Lane::index), Some(LANES - 1));
        assert_eq!(Lane::FIRST, Lane::new(0));
        assert_eq!((0..LANES).map(|i| Lane::new(i).index()).collect::<Vec<_>>(), (0..LANES).collect::<Vec<_>>());
    }

    #[test]
    #[should_panic(expected = "lane out of range")]
    fn a_lane_out_of_range_panics() {
        let index = std::hint::black_box(LANES);
        let _ = Lane::new(index);
    }

    #[test]
    fn every_payload_is_dropped_exactly_once() {
        let token = Rc::new(());
        {
            let mut q = EventQueue::with_capacity(0);
            for t in 0..100u64 {
                q.schedule_at(SimTime(t % 7), Rc::clone(&token));
            }
            for _ in 0..40 {
                drop(q.pop());
            }
            assert_eq!(Rc::strong_count(&token), 61);
            q.schedule_in(SimDuration(3), Rc::clone(&token));
            q.schedule_fifo(SimTime(50), Rc::clone(&token));
            q.schedule_fifo(SimTime(60), Rc::clone(&token));
            assert_eq!(Rc::strong_count(&token), 64);
            drop(q.pop());
            assert_eq!(Rc::strong_count(&token), 63);
        }
        assert_eq!(Rc::strong_count(&token), 1);
    }

    /// Random interleavings of schedules, pops and peeks, checked against a
    /// sorted reference (a `BTreeMap` keyed by `(time, seq)`).
    #[test]
    fn random_interleavings_match_a_sorted_reference() {
        for seed in 0..24u64 {
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(0x9e37_79b9 ^ seed);
            let mut q = EventQueue::with_capacity(0);
            let mut reference: BTreeMap<(u64, u64), u32> = BTreeMap::new();
            let mut next_id = 0u32;
            // Small delay ranges give many equal times; some seeds use wider ones.
            let spread = [1u64, 3, 16, 1_000][seed as usize % 4];
            let timer = [0u64, 2, 10, 500, 5_000][seed as usize % 5];
            for step in 0..6_000u32 {
                let action = rng.random_range(0..100u32);
                // Phases: grow, hold, drain, so the heap size varies widely.
                let schedule_pct = match (step / 1_000) % 3 {
                    0 => 70,
                    1 => 50,
                    _ => 30,
                };
                if action < schedule_pct {
                    let burst = if rng.random_bool(0.1) { rng.random_range(2..40) } else { 1 };
                    for _ in 0..burst {
                        let delay = if rng.random_bool(0.02) {
                            rng.random_range(0..1u64 << 40)
                        } else {
                            rng.random_range(0..spread)
                        };
                        let seq = q.scheduled_total();
                        let now = q.now().0;
                        let time = match rng.random_range(0..8u32) {
                            0..=2 => {
                                q.schedule_in(SimDuration(delay), next_id);
                                now + delay
                            }
                            3..=5 => {
                                q.schedule_at(SimTime(now + delay), next_id);
                                now + delay
                            }
                            6 => {
                                // A constant-delay timer: in order for the FIFO lane.
                                q.schedule_fifo(SimTime(now + timer), next_id);
                                now + timer
                            }
                            _ => {
                                // Any time from now on: often out of order for the
                                // lane, so through the heap.
                                let at = (now + delay).saturating_sub(spread).max(now);
                                q.schedule_lane(Lane::new(1), SimTime(at), next_id);
                                at
                            }
                        };
                        reference.insert((time, seq), next_id);
                        next_id += 1;
                    }
                } else if action < 97 {
                    let got = q.pop().map(|s| ((s.time.0, s.seq), s.event));
                    let want = reference.pop_first();
                    assert_eq!(got, want, "seed {seed} step {step}");
                    if let Some(((t, _), _)) = want {
                        assert_eq!(q.now(), SimTime(t));
                    }
                } else {
                    // Drain a few in a row (consecutive pops, vacant root each time).
                    for _ in 0..rng.random_range(1..50) {
                        assert_eq!(q.pop().map(|s| ((s.time.0, s.seq), s.event)), reference.pop_first());
                    }
                }
                assert_eq!(q.len(), reference.len(), "seed {seed} step {step}");
                assert_eq!(q.is_empty(), reference.is_empty());
                assert_eq!(q.peek_time(), reference.keys().next().map(|&(t, _)| SimTime(t)));
                assert_eq!(q.scheduled_total(), u64::from(next_id));
            }
            while let Some(s) = q.pop() {
                assert_eq!(Some(((s.time.0, s.seq), s.event)), reference.pop_first());
            }
            assert!(reference.is_empty());
        }
    }

    /// The hold model: pop one, schedule one, with many equal times.
    #[test]
    fn hold_pattern_matches_a_sorted_reference() {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        let mut q = EventQueue::with_capacity(0);
        let mut reference = BTreeMap::new();
        for id in 0..500u32 {
            let t = rng.random_range(0..50u64);
            reference.insert((t, q.scheduled_total()), id);
            q.schedule_at(SimTime(t), id);
        }
        for id in 500..50_000u32 {
            let s = q.pop().expect("hold keeps the queue full");
            assert_eq!(Some(((s.time.0, s.seq), s.event)), reference.pop_first());
            let delay = rng.random_range(0..8u64);
            reference.insert((s.time.0 + delay, q.scheduled_total()), id);
            q.schedule_in(SimDuration(delay), id);
        }
        assert_eq!(q.len(), 500);
    }
}
