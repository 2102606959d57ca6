//! The work budget: before a run, an estimate of its events and memory from
//! the prepared scenario, refused past a limit (`--max-events`,
//! `--max-memory`); during the run, a hard stop past the event limit (see
//! [`crate::sim::BudgetExceeded`]). The drain (how long a run keeps going
//! after its end) is the loop's: [`crate::sim::drain`].

use crate::engine::SimDuration;
use crate::metrics::histogram::MAX_LATENCY_US;
use crate::scenario::schema::FaultKind;
use crate::Prepared;

/// Events a run may handle unless `--max-events` says otherwise, in
/// request-level events (a flow run's periods weighed by their cost,
/// [`FLOW_PERIOD_EVENTS`]): about two minutes of one core at ~110 ns an
/// event, so that a year of the whole catalog in flow fidelity
/// (`year-of-operations`, 4.5e8) runs by default, while an hour of it in
/// request fidelity (1.4e10) is refused (and a year of it, 1.3e14).
pub const DEFAULT_MAX_EVENTS: u64 = 1_000_000_000;
/// Memory a run may need unless `--max-memory` says otherwise, bytes (1 GiB).
pub const DEFAULT_MAX_MEMORY: u64 = 1 << 30;

/// A run's estimated work, with what it is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Events the run will handle, drain included.
    pub events: u64,
    /// Peak memory of the run's state, bytes.
    pub memory_bytes: u64,
    /// The biggest contributions to `events`, largest first (name, events).
    pub event_parts: Vec<(&'static str, u64)>,
    /// The biggest contributions to `memory_bytes`, largest first.
    pub memory_parts: Vec<(&'static str, u64)>,
}

/// Events of one client request on the healthy path: `Send`, and per
/// attempt `Arrive`, `Depart`, `Timeout`; an origin fetch adds
/// `OriginArrive`, `OriginDone`, `OriginReply`, `OriginTimeout`.
const EVENTS_PER_REQUEST: f64 = 4.0;
/// Events an origin fetch adds to a request.
const EVENTS_PER_FETCH: f64 = 4.0;
/// Bytes per event waiting in the queue: the event, its key and slot
/// (measured: ~76 bytes per pending timeout in `mmc-c16-rho90`).
fn bytes_per_queued_event() -> f64 {
    (std::mem::size_of::<crate::sim::Event>() + 20) as f64
}
/// Bytes per sample of the per-PoP series.
const BYTES_PER_POP_SAMPLE: f64 = 32.0;

/// Seconds an item may wait behind a delay drawn from `dist` (five means:
/// past an exponential's p99), or behind any of `also`.
fn long_delay(dist: &crate::engine::dist::DurationDist, also: &[SimDuration]) -> f64 {
    let longest = also.iter().map(|d| secs(*d)).fold(0.0, f64::max);
    (5.0 * dist.mean_ns() / 1e9).max(longest)
}

fn secs(d: SimDuration) -> f64 {
    d.as_secs_f64()
}

/// Counters of a latency histogram of `sigfig` digits.
fn histogram_counters(sigfig: u8) -> f64 {
    hdrhistogram::Histogram::<u64>::new_with_bounds(1, MAX_LATENCY_US, sigfig).map_or(30_000, |h| h.distinct_values())
        as f64
}

/// The extra attempts faults cause: each fault's PoPs lose their share of
/// the traffic for the fault's length (until the run's end at most), and
/// each lost request makes every retry of the client's policy.
fn fault_attempts(p: &Prepared, rps: f64) -> f64 {
    let pops = p.world.pops.len().max(1) as f64;
    let end = secs(p.scenario.duration());
    let retries = p.config.retry.max_retries() as f64;
    p.faults
        .iter()
        .map(|f| {
            let from = secs(f.at - crate::engine::SimTime::ZERO).min(end);
            let to = f.end.map_or(end, |e| secs(e - crate::engine::SimTime::ZERO).min(end));
            let detect = secs(p.config.health.interval) * p.config.health.failures as f64
                + secs(p.config.withdrawal_delay)
                + secs(p.config.client_timeout);
            let lost_s = (to - from).min(detect).max(0.0);
            rps * (f.pops.len() as f64 / pops) * lost_s * retries
        })
        .sum()
}

/// What one flow network-period or PoP-period costs, in request-level
/// events. A flow run integrates every client network and resolves every
/// PoP each control period within the control tick's event; the budget
/// weighs those periods by their cost so that its unit stays one
/// request-level event of work. Measured on one core (release build,
/// `user` time; the difference of two horizons, so that setup cancels):
/// `scenarios/year-of-operations.toml` (309 PoPs, 618 networks, 60 s
/// periods) over 60 d minus over 1 d, per network-or-PoP period: 110 ns
/// before the flow plane's optimisations, 103 ns after; the same scenario
/// in request fidelity over 6 s minus over 3 s, per event handled: 111 ns.
/// 103 / 111 = 0.93: a period costs about an event.
pub const FLOW_PERIOD_EVENTS: f64 = 0.9;

/// Bytes of flow state per client network: its rates, its retry flows and
/// its pieces waiting at PoPs.
const BYTES_PER_NETWORK_FLOWS: f64 = 512.0;

/// True for a flow-level run.
fn flow(p: &Prepared) -> bool {
    p.config.fidelity == crate::scenario::schema::Fidelity::Flow
}

/// The demand curve's peak multiplier over the run (1 without one).
fn demand_peak(p: &Prepared) -> f64 {
    p.config.demand.as_ref().map_or(1.0, |d| d.max_until(crate::engine::SimTime::ZERO + p.scenario.duration()))
}

fn event_parts(p: &Prepared) -> Vec<(&'static str, f64)> {
    let cfg = &p.config;
    let d = secs(p.scenario.duration());
    let rps: f64 = p.world.sites.iter().map(|s| s.rps).sum();
    let origin = cfg.origin.as_ref().map_or(0.0, |o| o.share);
    let networks = (p.world.sites.len() as f64) * cfg.networks_per_site.max(1) as f64;
    let pops = p.world.pops.len() as f64;
    let per_tick = |period: SimDuration| if period > SimDuration::ZERO { d / secs(period) } else { 0.0 };
    // The flow data plane handles no event per request: its work is done
    // within the control plane's events.
    let per_request = if flow(p) { 0.0 } else { 1.0 };
    let mut parts = vec![
        ("client requests", per_request * rps * d * (EVENTS_PER_REQUEST + EVENTS_PER_FETCH * origin)),
        ("retries after faults", per_request * fault_attempts(p, rps) * 4.0),
        // Under a demand curve, send events come at the peak rate and are thinned.
        ("thinned sends", per_request * rps * d * (demand_peak(p) - 1.0)),
        // One round per interval; it probes only PoPs that may miss (those
        // of a fault, from its start until they answer again after it).
        ("health probes", per_tick(cfg.health.interval) + probed_in_faults(p, d)),
        ("control ticks", per_tick(cfg.tick)),
        ("route changes", p.faults.iter().map(|f| 2.0 * f.pops.len() as f64 * (networks + 1.0)).sum::<f64>() + 2.0),
        // A flow run integrates every network and resolves every PoP each
        // control period: weighed by its cost in request-level events.
        (
            "flow network and PoP periods",
            (1.0 - per_request) * FLOW_PERIOD_EVENTS * (networks + pops) * per_tick(cfg.tick),
        ),
    ];
    parts.push(("failure-process incidents", incident_events(p, d, networks)));
    if let Some(o) = &cfg.durable_objects {
        parts.push(("durable object requests", o.requests_per_s * d));
        parts.push(("durable object snapshots", o.model.objects as f64 * per_tick(o.model.snapshot_interval)));
    }
    if let Some(k) = &cfg.kv {
        let primaries = k.model.primaries.max(1) as f64;
        parts.push(("KV writes and replication", k.writes_per_s * d * primaries));
        parts.push(("KV reads", k.reads_per_s * d));
    }
    if let Some(l) = &cfg.limiter {
        parts.push(("rate limiter requests", l.requests_per_s * d * (1.0 + l.kv.primaries.max(1) as f64)));
    }
    if let Some((per_s, _)) = cfg.deployments {
        parts.push(("deployments", per_s * d));
    }
    parts
}

/// Events of the failure processes' incidents over `d` seconds: per unit,
/// d / (mean time to failure + mean repair) incidents (the alternating
/// renewal's rate); per regional event process, d / mean time between
/// events, each taking its PoPs. A PoP going down costs what a scripted
/// pop-down does: two route changes learnt by every network, the probes
/// while it is down; other units a few events each.
fn incident_events(p: &Prepared, d: f64, networks: f64) -> f64 {
    let plan = &p.config.failures;
    let interval = secs(p.config.health.interval).max(1e-9);
    let per_pop = |down_s: f64| 2.0 * (networks + 1.0) + down_s / interval + 8.0;
    let mut events = 0.0;
    for u in &plan.units {
        let human = u.repair.human.map_or(0.0, |h| h.share * (h.ttr.mean_secs() - u.repair.ttr.mean_secs()));
        let repair = u.repair.ttr.mean_secs() + human;
        let incidents = u.targets.len() as f64 * d / (u.ttf.mean_secs() + repair).max(1e-9);
        let pops_each = match u.kind {
            crate::scenario::schema::FaultKind::PopDown => 1.0,
            crate::scenario::schema::FaultKind::RegionDown => p.world.pops.len() as f64 / 3.0,
            _ => 0.0,
        };
        events += incidents * (8.0 + pops_each * per_pop(repair));
    }
    for e in &plan.events {
        let taken = match e.take {
            crate::failures::Take::Share(share) => share * e.pops.len() as f64,
            crate::failures::Take::Count(n) => n as f64,
        };
        events += d / e.ttf.mean_secs().max(1e-9) * taken * per_pop(e.ttr.mean_secs());
    }
    events
}

/// Probes of PoPs under faults: each fault's PoPs from its start until
/// they are declared up again after its end (`successes` answers more).
fn probed_in_faults(p: &Prepared, d: f64) -> f64 {
    let health = &p.config.health;
    let interval = secs(health.interval);
    if interval <= 0.0 {
        return 0.0;
    }
    let recovery = f64::from(health.successes + 1) * interval;
    let until = |f: &crate::edge::faults::Fault| f.end.map_or(d, |e| (e.as_secs_f64() + recovery).min(d));
    let probes = |f: &crate::edge::faults::Fault| (until(f) - f.at.as_secs_f64()).max(0.0) / interval;
    p.faults.iter().map(|f| f.pops.len() as f64 * probes(f)).sum()
}

fn memory_parts(p: &Prepared) -> Vec<(&'static str, f64)> {
    let cfg = &p.config;
    let s = &p.scenario;
    let d = secs(s.duration());
    let rps: f64 = p.world.sites.iter().map(|s| s.rps).sum();
    let pops = p.world.pops.len() as f64;
    let sites = p.world.sites.len() as f64;
    let networks = sites * cfg.networks_per_site.max(1) as f64;
    let buckets = (d / secs(s.bucket()).max(1e-9)).ceil();
    let series =
        crate::sim::PopSeries::new(p.world.pops.len(), s.duration(), s.bucket(), cfg.tick).width_ns() as f64 / 1e9;
    let h2 = histogram_counters(2);
    let h3 = histogram_counters(3);
    // Every attempt holds its timeout event in the queue until it fires
    // (a flow run holds flows instead: a few per network and PoP).
    let in_flight = if flow(p) { 0.0 } else { rps * secs(cfg.client_timeout).min(d).max(1e-3) };
    let mut parts = vec![
        ("time-series buckets", buckets * (48.0 + 4.0 * h2)),
        ("per-PoP series", pops * (d / series).ceil() * BYTES_PER_POP_SAMPLE),
        ("latency histograms", 8.0 * (8.0 * h3 * (6.0 + p.probes.len() as f64) + 8.0 * h2 * pops)),
        ("PoP and site tables", 12.0 * pops * pops + 8.0 * sites * pops + 64.0 * networks),
        ("requests in flight", in_flight * bytes_per_queued_event()),
        ("flows", if flow(p) { networks * BYTES_PER_NETWORK_FLOWS + pops * 2_048.0 } else { 0.0 }),
        ("fault records", p.faults.len() as f64 * (d * 16.0 + networks * 8.0 + 3.0 * 8.0 * h3)),
    ];
    if let Some(o) = &cfg.durable_objects {
        parts.push(("durable objects", o.model.objects as f64 * 256.0));
        if o.breaker.is_some() {
            let breaker = std::mem::size_of::<crate::resilience::breaker::Breaker>() as f64;
            parts.push(("durable object breakers", o.model.objects as f64 * breaker));
        }
        // Every write's WAL entry waits in the queue for its shipping lag.
        let shipping = o.requests_per_s * o.write_share * long_delay(&o.model.wal_lag, &[]).min(d);
        parts.push(("WAL entries in flight", shipping * bytes_per_queued_event()));
    }
    if let Some(k) = &cfg.kv {
        parts.push(("KV keys", k.model.keys as f64 * k.model.primaries.max(1) as f64 * 48.0));
        let breaker = std::mem::size_of::<crate::resilience::breaker::Breaker>() as f64;
        let replicas = k.replicas.max.max(k.replicas.min) as f64;
        parts.push(("KV breakers and replicas", pops * (3.0 * breaker + replicas * 8.0 + 8.0)));
        // Every write waits for its replication to each other primary: the
        // lag of the model, or of a `kv-replication-lag` fault.
        let fault_lags: Vec<SimDuration> =
            p.faults.iter().filter(|f| f.kind == FaultKind::KvReplicationLag).map(|f| f.lag).collect();
        let others = k.model.primaries.saturating_sub(1) as f64;
        let replicating = k.writes_per_s * others * long_delay(&k.model.lag, &fault_lags).min(d);
        parts.push(("KV replications in flight", replicating * bytes_per_queued_event()));
    }
    if let (Some(i), false) = (&cfg.isolates, flow(p)) {
        // Every (PoP, server, deployment) has an entry, for the most
        // servers each PoP may have.
        let servers: f64 =
            p.pools.iter().map(|c| crate::sim::table_servers(c.servers, cfg.autoscale.as_ref()) as f64).sum();
        let entries = servers * i.popularity.len() as f64;
        parts.push(("isolate tables", entries * crate::edge::isolates::BYTES_PER_ENTRY as f64));
    }
    if let Some(l) = &cfg.limiter {
        let windows = (d / secs(l.window).max(1e-9)).ceil();
        parts.push(("rate limiter counts", l.customers as f64 * windows * 16.0 + l.kv.keys as f64 * 48.0));
    }
    parts
}

fn sorted(mut parts: Vec<(&'static str, f64)>) -> Vec<(&'static str, u64)> {
    parts.sort_by(|a, b| b.1.total_cmp(&a.1));
    parts.into_iter().filter(|p| p.1 >= 1.0).map(|(n, v)| (n, v.min(u64::MAX as f64) as u64)).collect()
}

/// Estimates a prepared run's events and memory (see the module doc).
pub fn estimate(p: &Prepared) -> Estimate {
    let event_parts = sorted(event_parts(p));
    let memory_parts = sorted(memory_parts(p));
    Estimate {
        events: event_parts.iter().fold(0u64, |a, p| a.saturating_add(p.1)),
        memory_bytes: memory_parts.iter().fold(0u64, |a, p| a.saturating_add(p.1)),
        event_parts,
        memory_parts,
    }
}

/// The limits a run must stay within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Events (`--max-events`).
    pub max_events: u64,
    /// Bytes (`--max-memory`).
    pub max_memory: u64,
}

impl Limits {
    /// The limits `--max-events N` and `--max-memory MIB` give, defaults
    /// for those left out.
    pub fn from_flags(max_events: Option<u64>, max_memory_mib: Option<u64>) -> Self {
        Limits {
            max_events: max_events.unwrap_or(DEFAULT_MAX_EVENTS),
            max_memory: max_memory_mib.map_or(DEFAULT_MAX_MEMORY, |m| m.saturating_mul(1 << 20)),
        }
    }
}

/// A count in a short readable form: `1.2e9`.
fn short(n: u64) -> String {
    if n < 100_000 {
        n.to_string()
    } else {
        format!("{:.2e}", n as f64)
    }
}

fn parts_text(parts: &[(&'static str, u64)]) -> String {
    parts.iter().take(3).map(|(n, v)| format!("{n} {}", short(*v))).collect::<Vec<_>>().join(", ")
}

/// Checks a prepared run's estimate against `limits`: `Err` names the
/// estimate, what it is made of, and the flag that raises the limit.
pub fn check(p: &Prepared, limits: Limits) -> Result<Estimate, String> {
    let e = estimate(p);
    // Named by its file, as every input error is.
    let name = &p.scenario.source.path;
    if e.events > limits.max_events {
        return Err(format!(
            "{name}: the run would handle about {} events ({}), more than the budget of {}; raise it with \
             --max-events {} (or shorten the run or lower its rates)",
            short(e.events),
            parts_text(&e.event_parts),
            short(limits.max_events),
            e.events.saturating_mul(2)
        ));
    }
    if e.memory_bytes > limits.max_memory {
        return Err(format!(
            "{name}: the run would need about {} MiB ({}), more than the budget of {} MiB; raise it with \
             --max-memory {} (MiB; or shorten the run or shrink the model)",
            e.memory_bytes >> 20,
            e.memory_parts.iter().take(3).map(|(n, v)| format!("{n} {} MiB", v >> 20)).collect::<Vec<_>>().join(", "),
            limits.max_memory >> 20,
            (e.memory_bytes >> 20).saturating_mul(2).max(1)
        ));
    }
    Ok(e)
}

/// [`check`], then holds the run to `limits.max_events` while it runs.
pub fn admit(p: &mut Prepared, limits: Limits) -> Result<Estimate, String> {
    let e = check(p, limits)?;
    p.max_events = Some(limits.max_events);
    p.max_memory = Some(limits.max_memory);
    Ok(e)
}

/// [`admit`] for every run of a command, before any runs: every refusal,
/// one a line.
pub fn admit_all<'a>(runs: impl Iterator<Item = &'a mut Prepared>, limits: Limits) -> Result<(), String> {
    let refused: Vec<String> = runs.filter_map(|p| admit(p, limits).err()).collect();
    if refused.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\nnothing was run", refused.join("\n")))
    }
}
