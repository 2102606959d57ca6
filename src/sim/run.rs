//! The loop of a run: its fixed inputs, the event loop that pops each
//! event in `(time, seq)` order, hashes and traces it and hands it to the
//! run's state, the drain after the end, and the stops (event and memory
//! budgets, an observer that may interrupt).

use super::{drain, Event, ModelConfig, RunResult, Sim};
use crate::edge::faults::Fault;
use crate::edge::PoolConfig;
use crate::engine::trace::{TraceHasher, TraceWriter};
use crate::engine::{SimDuration, SimTime};
use crate::metrics::Probe;
use crate::world::World;
use std::io::{self, Write};

/// The fixed inputs of a run.
pub struct RunInputs<'a> {
    /// Geography and demand.
    pub world: &'a World,
    /// One pool per PoP of `world`.
    pub pools: &'a [PoolConfig],
    /// The fault timeline.
    pub faults: &'a [Fault],
    /// Model parameters.
    pub config: &'a ModelConfig,
    /// Master seed.
    pub seed: u64,
    /// Simulated time of the run.
    pub duration: SimDuration,
    /// Leading time excluded from measures.
    pub warmup: SimDuration,
    /// Time-series bucket width.
    pub bucket: SimDuration,
    /// Scopes the expectations watch.
    pub probes: Vec<Probe>,
    /// Stop with [`BudgetExceeded`] after this many events (`--max-events`).
    pub max_events: Option<u64>,
    /// Stop with [`BudgetExceeded`] when the events waiting in the queue
    /// would take more than this many bytes (`--max-memory`).
    pub max_memory: Option<u64>,
}

/// Which budget a run went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Events handled (`--max-events`).
    Events(u64),
    /// Bytes of events waiting in the queue (`--max-memory`).
    Memory(u64),
}

/// A run handled more events, or held more pending events, than its budget allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetExceeded {
    /// The budget it went past.
    pub budget: Budget,
    /// Simulated time reached when it was exceeded.
    pub reached: SimTime,
    /// The run's duration (without the drain).
    pub duration: SimDuration,
}

impl std::fmt::Display for BudgetExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.budget {
            Budget::Events(max) => write!(
                f,
                "the run handled more than {max} events (its budget) and was stopped at {} of {} simulated: far \
                 more work than estimated (a zero-time loop or a huge model); raise the budget with --max-events N",
                self.reached, self.duration
            ),
            Budget::Memory(max) => write!(
                f,
                "the events waiting in the run's queue passed {} MiB (its memory budget) at {} of {} simulated: \
                 far more in flight than estimated (long delays on a high rate); raise the budget with \
                 --max-memory MIB",
                max >> 20,
                self.reached,
                self.duration
            ),
        }
    }
}

impl std::error::Error for BudgetExceeded {}

/// The [`BudgetExceeded`] inside an error from [`run`], if that is what stopped it.
pub fn budget_exceeded(e: &io::Error) -> Option<BudgetExceeded> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<BudgetExceeded>()).copied()
}

/// How often (in handled events) a run reports its progress.
pub const PROGRESS_EVERY: u64 = 1 << 16;

/// Events between two looks at the queue's size against `max_memory`.
const MEMORY_CHECK_EVERY: u64 = 1 << 12;

/// Bytes one pending event takes in the queue: its payload and its key,
/// with room for the growth of the queue's vectors.
pub const QUEUED_EVENT_BYTES: u64 = 2 * (std::mem::size_of::<Event>() as u64 + 20);

/// Watches a run: called every [`PROGRESS_EVERY`] events with the simulated
/// time reached and the events handled so far; returning `false` stops the
/// run (it then ends with an `Interrupted` error).
pub type Observer<'a> = &'a mut dyn FnMut(SimTime, u64) -> bool;

/// Runs the simulation; with `trace`, writes one JSON line per handled event.
pub fn run(inputs: RunInputs<'_>, trace: Option<&mut dyn Write>) -> io::Result<RunResult> {
    run_observed(inputs, trace, &mut |_, _| true)
}

/// Runs the simulation under an observer (progress bars, Ctrl-C).
pub fn run_observed(
    inputs: RunInputs<'_>,
    trace: Option<&mut dyn Write>,
    observer: Observer<'_>,
) -> io::Result<RunResult> {
    let mut sim = Sim::new(&inputs);
    let mut hasher = TraceHasher::default();
    let mut writer = trace.map(TraceWriter::new);
    let mut handled = 0u64;
    let drain = drain::drain(inputs.config);
    let stop = sim.end + drain;
    while let Some(s) = sim.queue.pop() {
        if s.time >= stop {
            break;
        }
        if s.time >= sim.end {
            sim.close();
            // The fault script ends with the run: the drain only lets what
            // was sent before the end finish.
            if matches!(s.event, Event::FaultStart { .. } | Event::FaultEnd { .. }) {
                continue;
            }
        }
        hasher.record(s.time, s.seq, &s.event);
        if let Some(w) = writer.as_mut() {
            w.write(s.time, s.seq, &s.event)?;
        }
        handled += 1;
        if let Some(max_events) = inputs.max_events.filter(|m| handled + sim.bgp_events() > *m) {
            let e = BudgetExceeded { budget: Budget::Events(max_events), reached: s.time, duration: inputs.duration };
            return Err(io::Error::other(e));
        }
        if handled % MEMORY_CHECK_EVERY == 0 {
            if let Some(max) = inputs.max_memory.filter(|m| sim.queue.len() as u64 * QUEUED_EVENT_BYTES > *m) {
                let e = BudgetExceeded { budget: Budget::Memory(max), reached: s.time, duration: inputs.duration };
                return Err(io::Error::other(e));
            }
        }
        sim.handle(s.time, s.event);
        if handled % PROGRESS_EVERY == 0 && !observer(s.time.min(sim.end), handled) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "the run was interrupted"));
        }
    }
    if let Some(w) = writer {
        w.finish()?;
    }
    sim.close();
    Ok(sim.finish(handled, hasher.hex(), SimTime::ZERO + inputs.warmup, drain))
}
