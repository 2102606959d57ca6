//! The future-event list: a priority queue ordered by `(time, seq)`.

use super::time::{SimDuration, SimTime};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

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

struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that std's max-heap pops the earliest `(time, seq)`.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// The future-event list of one run. Pops in `(time, seq)` order; the
/// current time (`now`) is the time of the last popped event.
///
/// Besides the heap it keeps a FIFO lane for events scheduled in
/// nondecreasing time order (timers of one constant delay, such as client
/// timeouts): those cost O(1) and keep the heap small. Both share one `seq`
/// counter, so the order of events is the same as with the heap alone.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    fifo: VecDeque<Entry<E>>,
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
        EventQueue { heap: BinaryHeap::with_capacity(capacity), fifo: VecDeque::new(), now: SimTime::ZERO, next_seq: 0 }
    }

    /// The time of the last popped event (zero before the first pop).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at the absolute time `at`. A time in the past is
    /// moved to `now` (a model bug in debug builds).
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past");
        let time = at.max(self.now).0;
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
    }

    /// Schedules `event` at `at` in the FIFO lane: for calls that come in
    /// nondecreasing `at` order (timers of one constant delay). A call out of
    /// order still goes right, through the heap.
    pub fn schedule_fifo(&mut self, at: SimTime, event: E) {
        let time = at.max(self.now).0;
        if self.fifo.back().is_some_and(|b| b.time > time) {
            self.schedule_at(SimTime(time), event);
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.fifo.push_back(Entry { time, seq, event });
    }

    /// Schedules `event` after `delay` from now.
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) {
        self.schedule_at(self.now + delay, event);
    }

    /// Takes the earliest event off the queue and advances `now` to its time.
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        let from_fifo = match (self.heap.peek(), self.fifo.front()) {
            (Some(h), Some(f)) => (f.time, f.seq) < (h.time, h.seq),
            (None, Some(_)) => true,
            _ => false,
        };
        let entry = if from_fifo { self.fifo.pop_front()? } else { self.heap.pop()? };
        self.now = SimTime(entry.time);
        Some(Scheduled { time: SimTime(entry.time), seq: entry.seq, event: entry.event })
    }

    /// The time of the earliest pending event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        let h = self.heap.peek().map(|e| e.time);
        let f = self.fifo.front().map(|e| e.time);
        match (h, f) {
            (Some(a), Some(b)) => Some(SimTime(a.min(b))),
            (a, b) => a.or(b).map(SimTime),
        }
    }

    /// How many events are pending.
    pub fn len(&self) -> usize {
        self.heap.len() + self.fifo.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty() && self.fifo.is_empty()
    }

    /// How many events have been scheduled since the queue was made.
    pub fn scheduled_total(&self) -> u64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
