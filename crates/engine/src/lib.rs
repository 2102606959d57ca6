//! The deterministic event engine of edgesim: simulated time, the event
//! queue, named random-number streams and the event trace.
//!
//! The engine knows nothing of networks. A model defines its events as plain
//! data (an enum of small structs, never boxed closures), puts them in an
//! [`EventQueue`] and runs a loop: pop the earliest event, handle it, and
//! schedule what follows from it. This crate gives that loop its clock, its
//! order and its randomness, and makes every run of the same model with the
//! same seed the same, event for event, on any machine.
//!
//! # The parts
//!
//! - [`time`]: [`SimTime`] (an instant) and [`SimDuration`] (a span), both
//!   integer nanoseconds; arithmetic saturates instead of wrapping, and
//!   floating point appears only in conversions for reports and sampling.
//! - [`queue`]: the [`EventQueue`], the future-event list, with FIFO
//!   [`Lane`]s for timers of one constant delay.
//! - [`rng`]: one random-number stream per stable name, derived from the
//!   run's master seed.
//! - [`dist`]: distributions of durations, sampled to integer nanoseconds.
//! - [`trace`]: a hash of every handled event (two runs agree if their
//!   hashes do) and a JSON-lines event log.
//!
//! # The ordering contract
//!
//! Every scheduled event gets a sequence number `seq`, counting up from 0 in
//! the order the schedule calls are made. The queue pops events by
//! `(time, seq)`: the earliest time first, and among events of the same time,
//! the one scheduled first. Nothing else (payloads, memory addresses, which
//! lane or method scheduled an event) decides the order, so a model that
//! makes the same calls in the same order sees the same events in the same
//! order. The time of the last popped event is the queue's current time,
//! [`EventQueue::now`]; scheduling before it is a model bug that panics
//! ([`EventQueue::try_schedule_at`] returns [`BackInTime`] instead).
//!
//! # The determinism contract
//!
//! - Time is integers: no float ever decides when an event fires.
//! - Randomness comes only from [`rng::stream`]: each component (a client
//!   site, a server pool) draws from its own stream, named by a stable
//!   string such as `"traffic/site/12"`. Adding a component, or drawing more
//!   from one, never shifts another's draws.
//! - The generator, PCG-64 MCG, and the seed derivation are portable and
//!   pinned: the same master seed gives the same draws on every platform
//!   and version. Never `thread_rng`, `StdRng` or the wall clock.
//!
//! # Example
//!
//! Three events, scheduled out of order, pop by time, and the two at the same
//! time pop in the order they were scheduled:
//!
//! ```
//! use edgesim_engine::{EventQueue, SimDuration, SimTime};
//!
//! let mut queue = EventQueue::with_capacity(3);
//! queue.schedule_at(SimTime(20), "timeout");
//! queue.schedule_at(SimTime(10), "arrive");
//! queue.schedule_in(SimDuration(20), "reply"); // now is 0: fires at 20 ns
//!
//! let mut handled = Vec::new();
//! while let Some(s) = queue.pop() {
//!     handled.push((s.time.as_nanos(), s.seq, s.event));
//! }
//! assert_eq!(handled, [(10, 1, "arrive"), (20, 0, "timeout"), (20, 2, "reply")]);
//! assert_eq!(queue.now(), SimTime(20));
//! ```

#![warn(missing_docs)]
#![warn(unreachable_pub)]

pub mod dist;
pub mod queue;
pub mod rng;
pub mod time;
pub mod trace;

pub use queue::{BackInTime, EventQueue, Lane, Scheduled, LANES};
pub use time::{SimDuration, SimTime};
