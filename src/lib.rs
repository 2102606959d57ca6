//! edgesim: a deterministic discrete-event simulator of a global edge
//! network: anycast PoPs and their server queues, health checks, withdrawal
//! and convergence, Durable Objects and a replicated KV, circuit breakers,
//! retries, rate limits, shedding, autoscaling and the degradation levels.
//!
//! A scenario file (TOML) names a topology, traffic, a timeline of faults and
//! expectations; [`prepare`] resolves it against the PoP catalog (every input
//! error is found there, before any run), [`simulate`] runs it, judges its
//! expectations and builds its [`report::Summary`] (the schema of
//! summary.json):
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let scenario = edgesim::scenario::load(std::path::Path::new("scenarios/pop-failure.toml"))?;
//! let prepared = edgesim::prepare(scenario)?;
//! let outcome = edgesim::simulate(&prepared, None)?;
//! println!("availability {:?}", outcome.summary.availability);
//! for fault in &outcome.summary.faults {
//!     println!("{} {}: RTO {:?} s", fault.kind, fault.target, fault.rto_s);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Layers
//!
//! Each layer uses only the ones above it, and no two modules use each
//! other. The engine is its own crate, so the compiler keeps it apart; a
//! test (`tests/layers.rs`) keeps the rest.
//!
//! 1. [`engine`] (the `edgesim-engine` crate): integer-nanosecond time, the
//!    `(time, seq)` event queue, named RNG streams, the trace hash; it knows
//!    nothing of networks;
//! 2. [`scenario`] (the file: a validated type per quantity, defaults,
//!    errors with file:line:column, region names) and [`metrics`]
//!    (recorders, RTO);
//! 3. the models: [`world`] (catalog, sites, latency), [`workload`]
//!    (demand over the day, the week and the years), [`edge`] (server
//!    pools, health checks, anycast and BGP, overload, autoscaling, faults),
//!    [`state`] (Durable Objects, KV, rate limiters), [`resilience`]
//!    (breakers, retries), [`failures`] (random failures and repairs);
//! 4. [`sim`]: the event vocabulary and the loop that drives the models and
//!    fills the recorders, with its two data planes (every request, or
//!    flows of rates through PoPs as queueing stations: `fidelity`);
//! 5. [`check`]: expectations against what was recorded, JUnit, baseline
//!    drift;
//! 6. [`report`]: the typed summary, CSVs, charts, report.html, result
//!    folders, from plain data;
//! 7. this page's API ([`prepare`], [`simulate`]) and [`budget`] (events and
//!    memory a prepared run will need);
//! 8. [`sweep`]: replications and grids on rayon, statistics, shards, its
//!    own charts and page.
//!
//! The command line (`src/main.rs`, `src/cli/`) is the binary's, above all
//! of them.
//!
//! # Determinism
//!
//! Same binary, scenario and seed give the same summary.json bytes and trace
//! hash, whatever the thread count: time is integer nanoseconds, equal times
//! pop in scheduling order, every component draws from its own portable
//! stream named after it, and no wall clock, hash-map order or thread timing
//! reaches a result.

#![warn(missing_docs)]

pub mod budget;
pub mod check;
pub mod edge;
/// The event engine (the `edgesim-engine` crate in crates/engine): time,
/// the event queue, RNG streams, the trace. Re-exported here so that
/// `edgesim::engine::...` and `crate::engine::...` paths name it.
pub use edgesim_engine as engine;
pub mod failures;
pub mod metrics;
pub mod report;
pub mod resilience;
pub mod scenario;
pub mod sim;
pub mod state;
pub mod sweep;
pub mod workload;
pub mod world;

use check::{Expectation, Verdict};
use edge::faults::Fault;
use edge::PoolConfig;
use metrics::Probe;
use scenario::{Scenario, ScenarioError};
use sim::{ModelConfig, RunInputs, RunResult};
use std::io::{self, Write};
use world::World;

/// A scenario resolved against the catalog: everything a run needs.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The scenario as read.
    pub scenario: Scenario,
    /// Its PoPs, client sites and latency model.
    pub world: World,
    /// The server pool of each PoP.
    pub pools: Vec<PoolConfig>,
    /// The fault timeline.
    pub faults: Vec<Fault>,
    /// Model parameters (anycast, client, overload, autoscaling).
    pub config: ModelConfig,
    /// Its expectations.
    pub expectations: Vec<Expectation>,
    /// The scopes those expectations watch.
    pub probes: Vec<Probe>,
    /// Stop the run past this many events (set by [`budget::admit`]); no
    /// limit if `None`.
    pub max_events: Option<u64>,
    /// Stop the run when its pending events pass this many bytes (set by
    /// [`budget::admit`]); no limit if `None`.
    pub max_memory: Option<u64>,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The raw measures.
    pub result: RunResult,
    /// One verdict per expectation.
    pub verdicts: Vec<Verdict>,
    /// The summary.json contents.
    pub summary: report::Summary,
}

/// Resolves a scenario: PoPs, sites, pools and expectations. Every input
/// error (unknown PoP, unknown class...) is found here, before any run.
pub fn prepare(scenario: Scenario) -> Result<Prepared, ScenarioError> {
    let world = world::build(&scenario)?;
    let config = ModelConfig::from_scenario(&scenario, &world)?;
    let pools = match &config.routes {
        sim::config::RouteModel::PathVector(bgp) => edge::pool_configs_for(&scenario, &world, bgp.demand_rps.clone())?,
        sim::config::RouteModel::Drawn(_) => edge::pool_configs(&scenario, &world)?,
    };
    let faults = edge::faults::resolve(&scenario, &world)?;
    let (expectations, probes) = check::resolve(&scenario, &world)?;
    Ok(Prepared { scenario, world, pools, faults, config, expectations, probes, max_events: None, max_memory: None })
}

/// Runs a prepared scenario and judges its expectations; with `trace`,
/// writes every handled event as a JSON line.
pub fn simulate(p: &Prepared, trace: Option<&mut dyn Write>) -> io::Result<Outcome> {
    simulate_observed(p, trace, &mut |_, _| true)
}

/// [`simulate`] under an observer: called every [`sim::PROGRESS_EVERY`]
/// events with the simulated time reached and the events handled; returning
/// `false` stops the run with an `Interrupted` error (nothing is judged).
/// A run past `p.max_events` stops with an error that
/// [`sim::budget_exceeded`] recognises.
pub fn simulate_observed(
    p: &Prepared,
    trace: Option<&mut dyn Write>,
    observer: sim::Observer<'_>,
) -> io::Result<Outcome> {
    let s = &p.scenario;
    let inputs = RunInputs {
        world: &p.world,
        pools: &p.pools,
        faults: &p.faults,
        config: &p.config,
        seed: s.seed(),
        duration: s.duration(),
        warmup: s.warmup(),
        bucket: s.bucket(),
        probes: p.probes.clone(),
        max_events: p.max_events,
        max_memory: p.max_memory,
    };
    let result = sim::run_observed(inputs, trace, observer)?;
    let verdicts = check::evaluate(&p.expectations, &result, &p.world);
    let summary = report::summary::build(s, &p.world, &p.pools, &p.faults, &result, &verdicts);
    Ok(Outcome { result, verdicts, summary })
}
