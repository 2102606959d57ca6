//! The deterministic event engine: simulated time, the event queue, named
//! random-number streams and the event trace.
//!
//! The engine knows nothing of networks. Its contract:
//!
//! - time is [`SimTime`], integer nanoseconds since the start of the run;
//! - the [`EventQueue`] pops events by `(time, seq)`, where `seq` is given at
//!   scheduling, so equal times pop in scheduling order and nothing else
//!   decides order;
//! - events are plain data chosen by the caller (an enum of small structs),
//!   never boxed closures;
//! - randomness comes from [`rng::stream`], one portable generator per
//!   stable stream name, so adding a component does not shift another's draws;
//! - [`trace::TraceHasher`] folds every handled event into a hash that CI can
//!   compare between runs.

pub mod dist;
pub mod queue;
pub mod rng;
pub mod time;
pub mod trace;

pub use queue::{EventQueue, Scheduled};
pub use time::{SimDuration, SimTime};
