//! A PoP's server pool: `c` servers and a FIFO queue with a depth limit.
//!
//! The pool decides who is served when; the caller owns the clock and the
//! events. The number of servers can change (faults, autoscaling): a
//! server that must go finishes its request first. Over the window after
//! warm-up the pool measures busy time, server time, the time-average queue
//! length, and each request's wait.

use std::collections::VecDeque;

/// What happened to an arriving request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A server was idle: service starts now on `server`.
    Serve {
        /// The server that takes the request.
        server: u32,
    },
    /// All servers busy: the request waits in the queue.
    Queued,
    /// All servers busy and the queue full: the request is turned away.
    Rejected,
}

/// Measures of one pool over the measured window, in nanoseconds and counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolStats {
    /// Requests that arrived in the window.
    pub arrivals: u64,
    /// Of those, requests turned away because the queue was full.
    pub rejected: u64,
    /// Of those, requests that found every server busy and waited.
    pub waited: u64,
    /// Requests that started service after arriving in the window.
    pub started: u64,
    /// Sum of their waits, ns.
    pub wait_ns_sum: u128,
    /// Integral of the queue length over the window, request x ns.
    pub queue_area: u128,
    /// Integral of the number of servers over the window, server x ns.
    pub server_area: u128,
    /// Busy time of each server within the window, ns.
    pub busy_ns: Vec<u64>,
}

/// Running totals of a pool since the start of the run (warm-up included),
/// for per-period figures: the difference of two tallies is what happened
/// between them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolTally {
    /// Integral of the number of requests in the system (waiting and in
    /// service), request x ns.
    pub in_system_area: u128,
    /// Requests that started service.
    pub started: u64,
    /// Sum of their waits for a server, ns.
    pub wait_ns: u128,
    /// Requests turned away because the queue was full.
    pub refused: u64,
}

/// A pool of servers with a FIFO queue, holding waiting items of type `W`.
#[derive(Debug, Clone)]
pub struct ServerPool<W> {
    idle: VecDeque<u32>,
    started_at: Vec<u64>,
    busy: u32,
    active: u32,
    retiring: u32,
    parked: Vec<u32>,
    queue: VecDeque<(W, u64)>,
    queue_limit: usize,
    measure_from: u64,
    last_queue_change: u64,
    busy_area: u128,
    last_busy_change: u64,
    last_server_change: u64,
    stats: PoolStats,
    /// Queue integral since the start, request x ns (up to `last_queue_change`).
    queue_area_all: u128,
    /// Totals since the start; `in_system_area` is filled in by [`Self::tally`].
    tally: PoolTally,
}

impl<W: Copy> ServerPool<W> {
    /// A pool of `servers` idle servers and room for `queue_limit` waiting
    /// requests, measuring from `measure_from_ns` on.
    pub fn new(servers: u32, queue_limit: u32, measure_from_ns: u64) -> Self {
        let limit = queue_limit as usize;
        ServerPool {
            idle: (0..servers).collect(),
            started_at: vec![0; servers as usize],
            busy: 0,
            active: servers,
            retiring: 0,
            parked: Vec::new(),
            queue: VecDeque::with_capacity(limit.min(4096)),
            queue_limit: limit,
            measure_from: measure_from_ns,
            last_queue_change: 0,
            busy_area: 0,
            last_busy_change: 0,
            last_server_change: 0,
            stats: PoolStats { busy_ns: vec![0; servers as usize], ..PoolStats::default() },
            queue_area_all: 0,
            tally: PoolTally::default(),
        }
    }

    /// Servers in the pool now (those retiring after their request excluded).
    pub fn servers(&self) -> u32 {
        self.active
    }

    /// Servers serving a request now.
    pub fn busy(&self) -> u32 {
        self.busy
    }

    /// Requests waiting now.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// True if an arriving request would be served at once.
    #[inline]
    pub fn has_idle(&self) -> bool {
        !self.idle.is_empty()
    }

    /// True if an arriving request that is not critical would be turned away.
    #[inline]
    pub fn queue_full(&self) -> bool {
        self.idle.is_empty() && self.queue.len() >= self.queue_limit
    }

    /// Totals from the start of the run to `now` (ns): the integral of the
    /// requests in the system, services started, their waits, refusals.
    pub fn tally(&self, now: u64) -> PoolTally {
        let waiting =
            self.queue_area_all + self.queue.len() as u128 * now.saturating_sub(self.last_queue_change) as u128;
        PoolTally { in_system_area: waiting + self.busy_integral(now), ..self.tally }
    }

    /// Integral of the number of busy servers from the start of the run to
    /// `now`, server x ns (CPU over a period is its difference / period).
    pub fn busy_integral(&self, now: u64) -> u128 {
        self.busy_area + self.busy as u128 * now.saturating_sub(self.last_busy_change) as u128
    }

    fn measured(&self, t: u64) -> bool {
        t >= self.measure_from
    }

    fn clipped_span(&self, since: u64, now: u64) -> u128 {
        let from = since.max(self.measure_from);
        now.saturating_sub(from) as u128
    }

    fn note_queue_change(&mut self, now: u64) {
        self.stats.queue_area += self.queue.len() as u128 * self.clipped_span(self.last_queue_change, now);
        self.queue_area_all += self.queue.len() as u128 * now.saturating_sub(self.last_queue_change) as u128;
        self.last_queue_change = now;
    }

    fn note_busy_change(&mut self, now: u64) {
        self.busy_area = self.busy_integral(now);
        self.last_busy_change = now;
    }

    fn note_server_change(&mut self, now: u64) {
        self.stats.server_area += self.active as u128 * self.clipped_span(self.last_server_change, now);
        self.last_server_change = now;
    }

    fn start(&mut self, server: u32, now: u64, arrived: u64) {
        self.note_busy_change(now);
        self.busy += 1;
        self.started_at[server as usize] = now;
        self.tally.started += 1;
        self.tally.wait_ns += (now - arrived) as u128;
        if self.measured(arrived) {
            self.stats.started += 1;
            self.stats.wait_ns_sum += (now - arrived) as u128;
        }
    }

    fn add_busy(&mut self, server: u32, now: u64) {
        let span = self.clipped_span(self.started_at[server as usize], now) as u64;
        self.stats.busy_ns[server as usize] += span;
    }

    /// A request arrives at `now` (ns). A `critical` one (P0) is never
    /// turned away for a full queue.
    #[inline]
    pub fn arrive(&mut self, now: u64, item: W, critical: bool) -> Admission {
        let measured = self.measured(now);
        self.stats.arrivals += measured as u64;
        if let Some(server) = self.idle.pop_front() {
            self.start(server, now, now);
            return Admission::Serve { server };
        }
        if self.queue.len() >= self.queue_limit && !critical {
            self.stats.rejected += measured as u64;
            self.tally.refused += 1;
            return Admission::Rejected;
        }
        self.stats.waited += measured as u64;
        self.note_queue_change(now);
        self.queue.push_back((item, now));
        Admission::Queued
    }

    /// `server` finishes its request at `now`. Returns the waiting request it
    /// takes next, with its wait in ns, or `None` if it goes idle (or retires).
    #[inline]
    pub fn depart(&mut self, now: u64, server: u32) -> Option<(W, u64)> {
        self.add_busy(server, now);
        self.note_busy_change(now);
        self.busy -= 1;
        if self.retiring > 0 {
            self.retiring -= 1;
            self.parked.push(server);
            return None;
        }
        match self.queue.front().copied() {
            Some((item, arrived)) => {
                self.note_queue_change(now);
                self.queue.pop_front();
                self.start(server, now, arrived);
                Some((item, now - arrived))
            }
            None => {
                self.idle.push_back(server);
                None
            }
        }
    }

    /// Sets the number of servers at `now`. Idle servers go first; busy ones
    /// finish their request. New servers take waiting requests at once:
    /// those are returned with their wait and server.
    pub fn set_servers(&mut self, now: u64, target: u32) -> Vec<(W, u64, u32)> {
        self.note_server_change(now);
        let mut started = Vec::new();
        while self.active > target {
            self.active -= 1;
            match self.idle.pop_back() {
                Some(s) => self.parked.push(s),
                None => self.retiring += 1,
            }
        }
        while self.active < target {
            self.active += 1;
            if self.retiring > 0 {
                self.retiring -= 1;
                continue;
            }
            let server = self.parked.pop().unwrap_or_else(|| {
                self.started_at.push(0);
                self.stats.busy_ns.push(0);
                self.started_at.len() as u32 - 1
            });
            match self.queue.front().copied() {
                Some((item, arrived)) => {
                    self.note_queue_change(now);
                    self.queue.pop_front();
                    self.start(server, now, arrived);
                    started.push((item, now - arrived, server));
                }
                None => self.idle.push_back(server),
            }
        }
        started
    }

    /// Empties the queue at `now` (the PoP went down) and returns what waited.
    pub fn drain_queue(&mut self, now: u64) -> Vec<W> {
        self.note_queue_change(now);
        self.queue.drain(..).map(|(w, _)| w).collect()
    }

    /// Closes the measured window at `end` (ns) and returns the measures;
    /// services in progress count as busy up to `end`.
    pub fn finish(&mut self, end: u64) -> PoolStats {
        self.note_queue_change(end);
        self.note_server_change(end);
        let mut stats = self.stats.clone();
        // One flag per server: a linear pass, not a search per server.
        let mut idle = vec![false; self.started_at.len()];
        for &server in self.idle.iter().chain(self.parked.iter()) {
            if let Some(flag) = idle.get_mut(server as usize) {
                *flag = true;
            }
        }
        for (server, _) in idle.iter().enumerate().filter(|(_, is_idle)| !**is_idle) {
            stats.busy_ns[server] += self.clipped_span(self.started_at[server], end) as u64;
        }
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_waits_and_rejects_in_fifo_order() {
        let mut p: ServerPool<char> = ServerPool::new(1, 1, 0);
        assert_eq!(p.arrive(0, 'a', false), Admission::Serve { server: 0 });
        assert_eq!(p.arrive(1, 'b', false), Admission::Queued);
        assert_eq!(p.arrive(2, 'c', false), Admission::Rejected);
        assert_eq!(p.depart(10, 0), Some(('b', 9)));
        assert_eq!(p.depart(20, 0), None);
        let s = p.finish(30);
        assert_eq!((s.arrivals, s.rejected, s.waited, s.started), (3, 1, 1, 2));
        assert_eq!(s.wait_ns_sum, 9);
        assert_eq!(s.busy_ns, vec![20]);
        assert_eq!(s.server_area, 30);
        // 'b' waited from 1 to 10: area 9.
        assert_eq!(s.queue_area, 9);
        assert_eq!(p.busy_integral(30), 20);
    }

    #[test]
    fn critical_requests_are_never_turned_away_for_a_full_queue() {
        let mut p: ServerPool<char> = ServerPool::new(1, 1, 0);
        p.arrive(0, 'a', false);
        p.arrive(0, 'b', false);
        assert!(p.queue_full());
        assert_eq!(p.arrive(0, 'c', false), Admission::Rejected);
        assert_eq!(p.arrive(0, 'd', true), Admission::Queued);
        assert_eq!(p.drain_queue(1), vec!['b', 'd']);
    }

    #[test]
    fn warm_up_is_clipped_from_every_measure() {
        let mut p: ServerPool<()> = ServerPool::new(2, 10, 100);
        p.arrive(50, (), false);
        p.arrive(60, (), false);
        p.arrive(70, (), false); // waits from 70 until 150
        p.depart(150, 0);
        let s = p.finish(200);
        assert_eq!(s.arrivals, 0, "arrivals before warm-up are not counted");
        // Server 0: busy 50..150 then 150..200 (the third request): 100 in window.
        // Server 1: busy 60..200: 100 in window.
        assert_eq!(s.busy_ns, vec![100, 100]);
        // Queue of length 1 from 70 to 150: 50 inside the window.
        assert_eq!(s.queue_area, 50);
        assert_eq!(s.server_area, 200);
    }

    #[test]
    fn idle_servers_take_turns() {
        let mut p: ServerPool<u8> = ServerPool::new(2, 0, 0);
        assert_eq!(p.arrive(0, 1, false), Admission::Serve { server: 0 });
        assert_eq!(p.depart(1, 0), None);
        assert_eq!(p.arrive(2, 2, false), Admission::Serve { server: 1 });
    }

    #[test]
    fn fewer_servers_finish_their_work_first_and_more_take_the_queue() {
        let mut p: ServerPool<u8> = ServerPool::new(2, 10, 0);
        p.arrive(0, 1, false);
        p.arrive(0, 2, false);
        p.arrive(0, 3, false);
        assert!(p.set_servers(5, 1).is_empty());
        assert_eq!(p.servers(), 1);
        // One busy server retires at its departure instead of taking 3.
        assert_eq!(p.depart(10, 0), None);
        assert_eq!(p.depart(12, 1), Some((3, 12)));
        assert_eq!(p.depart(20, 1), None);
        p.arrive(21, 4, false);
        p.arrive(21, 5, false);
        assert_eq!(p.set_servers(25, 3), vec![(5, 4, 0)]);
        assert_eq!((p.servers(), p.busy()), (3, 2));
        let s = p.finish(30);
        // Servers: 2 for 0..5, 1 for 5..25, 3 for 25..30.
        assert_eq!(s.server_area, 10 + 20 + 15);
    }

    #[test]
    fn draining_empties_the_queue() {
        let mut p: ServerPool<u8> = ServerPool::new(1, 10, 0);
        p.arrive(0, 1, false);
        p.arrive(1, 2, false);
        p.arrive(2, 3, false);
        assert_eq!(p.drain_queue(3), vec![2, 3]);
        assert_eq!(p.depart(4, 0), None);
        assert_eq!(p.finish(5).queue_area, 1 + 2);
    }

    #[test]
    fn the_tally_counts_from_the_start_warm_up_included() {
        // Measured from 100: the window's stats see nothing, the tally all.
        let mut p: ServerPool<char> = ServerPool::new(1, 1, 100);
        assert_eq!(p.arrive(0, 'a', false), Admission::Serve { server: 0 });
        assert_eq!(p.arrive(2, 'b', false), Admission::Queued);
        assert_eq!(p.arrive(3, 'c', false), Admission::Rejected);
        assert_eq!(p.depart(10, 0), Some(('b', 8)));
        let t = p.tally(20);
        // In the system: one in service from 0 to 20 (20), one waiting from 2 to 10 (8).
        assert_eq!(t, PoolTally { in_system_area: 28, started: 2, wait_ns: 8, refused: 1 });
        assert_eq!(p.finish(20).rejected, 0);
    }
}
