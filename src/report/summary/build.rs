//! Building a [`Summary`] from plain data: the scenario, its world, pools
//! and faults, what the run measured, and the verdicts.

use super::sections::{
    BreakerSummary, BreakerTransition, DependencyBreakerSummary, DeploymentsSummary, DoBreakersSummary, DoRequests,
    DoSummary, KvSummary, Level1Period, LevelChange, LevelsSummary, LimiterAdmissions, ObjectBreakerSummary,
    OriginSummary, RateLimiterSummary, ReplicaChange, StateSummary,
};
use super::{
    BgpSummary, ClassRequests, ConvergenceSummary, DoFailoverSummary, FaultSummary, Latency, Percentiles, PopSummary,
    Quantiles, Requests, Summary, ACCOUNTING, SCHEMA_VERSION,
};
use crate::check::{pop_measure, Metric, Verdict};
use crate::edge::faults::Fault;
use crate::edge::PoolConfig;
use crate::engine::SimTime;
use crate::metrics::faults::FaultRecord;
use crate::metrics::{Counts, FailReason, LatencyHistogram, CLASS_NAMES};
use crate::resilience::bank::BreakerTrace;
use crate::resilience::breaker::BreakerState;
use crate::scenario::Scenario;
use crate::sim::RunResult;
use crate::world::World;
use std::collections::BTreeMap;

pub(super) fn quantiles(values: &[f64]) -> Quantiles {
    let q = |p| crate::check::quantile(values.to_vec(), p).unwrap_or(0.0);
    Quantiles { p50: q(0.5), p99: q(0.99), max: q(1.0) }
}

/// Reads one step's time off an object's migration.
type MigrationStep = fn(&crate::state::durable::ObjectMigration) -> SimTime;

fn do_failover(r: &RunResult, i: usize) -> Option<DoFailoverSummary> {
    let f = r.state.failovers.get(i)?.as_ref()?;
    let rtos: Vec<f64> = crate::check::object_rtos_ms(r, i).iter().map(|ms| ms / 1e3).collect();
    let since = |t: SimTime| (t - f.at).as_secs_f64();
    let mut timeline = BTreeMap::new();
    timeline.insert("detected".to_string(), since(f.detected));
    timeline.insert("migration_started".to_string(), since(f.migration_started));
    let steps: [(&str, &str, MigrationStep); 3] = [
        ("first_snapshot_restored", "all_snapshots_restored", |m| m.restored),
        ("first_wal_replayed", "all_wal_replayed", |m| m.replayed),
        ("first_routing_updated", "all_routing_updated", |m| m.serving),
    ];
    for (first, last, step) in steps {
        // `SimTime::MAX` is a step that never ends: no time to show.
        if let Some(t) = f.objects.iter().map(step).min().filter(|t| *t != SimTime::MAX) {
            timeline.insert(first.to_string(), since(t));
        }
        if let Some(t) = f.objects.iter().map(step).max().filter(|t| *t != SimTime::MAX) {
            timeline.insert(last.to_string(), since(t));
        }
    }
    Some(DoFailoverSummary {
        rpo_s: f.rpo.as_secs_f64(),
        writes_lost: f.writes_lost,
        objects: f.objects.len(),
        object_rto_s: quantiles(&rtos),
        timeline,
    })
}

fn origin_summary(world: &World, r: &RunResult) -> Option<OriginSummary> {
    let o = r.origin.as_ref()?;
    let breakers = o
        .breaker_transitions
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| BreakerSummary {
            opened: t.iter().filter(|(_, s)| *s == "open").count() as u64,
            pop: world.pops[i].code.clone(),
            time_open_s: o.breaker_open[i].as_secs_f64(),
            transitions: t
                .iter()
                .map(|(at, s)| BreakerTransition { state: s.to_string(), t_s: at.as_secs_f64() })
                .collect(),
        })
        .collect();
    Some(OriginSummary {
        attempts: o.attempts,
        breakers,
        budget_refused: o.budget_refused,
        errors: o.errors,
        fail_fast: o.fail_fast,
        peak_attempts_per_s: u64::from(o.attempts_per_100ms.iter().max().copied().unwrap_or(0)) * 10,
        requests: o.requests,
        retry_amplification: (o.requests > 0).then(|| o.attempts as f64 / o.requests as f64),
        timeouts: o.timeouts,
    })
}

fn levels_summary(world: &World, r: &RunResult) -> LevelsSummary {
    let l = &r.levels;
    let max_of = |t: &crate::sim::levels::LevelTrack| t.transitions.iter().map(|(_, l)| *l).max().unwrap_or(0);
    LevelsSummary {
        deployments: l.deployments.map(|d| DeploymentsSummary {
            code_fetches: d.code_fetches,
            failed_attempts: d.failed_attempts,
            pending: d.pending,
            requested: d.requested,
            succeeded: d.succeeded,
        }),
        final_level: l.global.level(),
        max_level: max_of(&l.global),
        max_level_by_pop: l
            .per_pop
            .iter()
            .enumerate()
            .filter(|(_, t)| max_of(t) > 0)
            .map(|(i, t)| (world.pops[i].code.clone(), max_of(t)))
            .collect(),
        time_in_level_s: l.global.time_in_levels(r.end).iter().map(|d| d.as_secs_f64()).collect(),
        transitions: l
            .global
            .transitions
            .iter()
            .map(|(t, lv)| LevelChange { level: *lv, t_s: t.as_secs_f64() })
            .collect(),
    }
}

fn dependency_breakers(world: &World, traces: &[BreakerTrace]) -> Vec<DependencyBreakerSummary> {
    traces
        .iter()
        .map(|b| DependencyBreakerSummary {
            fail_fast: b.fail_fast,
            failures: b.failures,
            opened: b.transitions.iter().filter(|(_, s)| *s == BreakerState::Open).count() as u64,
            pop: world.pops[b.caller as usize].code.clone(),
            region: crate::scenario::regions::STATE_REGIONS.get(b.target as usize).copied().unwrap_or("?").to_string(),
            time_open_s: b.time_open.as_secs_f64(),
            transitions: transitions(&b.transitions),
        })
        .collect()
}

fn transitions(t: &[(SimTime, BreakerState)]) -> Vec<BreakerTransition> {
    t.iter().map(|(at, s)| BreakerTransition { state: s.as_str().to_string(), t_s: at.as_secs_f64() }).collect()
}

fn do_breakers(traces: &[BreakerTrace]) -> DoBreakersSummary {
    let open: Vec<f64> = traces.iter().map(|b| b.time_open.as_secs_f64()).collect();
    DoBreakersSummary {
        first: traces
            .iter()
            .take(10)
            .map(|b| ObjectBreakerSummary {
                fail_fast: b.fail_fast,
                failures: b.failures,
                object: b.target,
                transitions: transitions(&b.transitions),
            })
            .collect(),
        opened: traces.len() as u64,
        time_open_s: quantiles(&open),
    }
}

fn state_summary(world: &World, r: &RunResult) -> StateSummary {
    let st = &r.state;
    let durable_objects = st.durable_objects.as_ref().map(|d| DoSummary {
        attempts_per_request: (d.requests.issued > 0).then(|| d.attempts as f64 / d.requests.issued as f64),
        availability: d.requests.availability(),
        breakers: do_breakers(&d.breakers),
        fail_fast: d.fail_fast,
        latency_ms: percentiles(&d.latency).into(),
        objects: d.objects,
        requests: DoRequests {
            failed: d.requests.failed(),
            issued: d.requests.issued,
            succeeded: d.requests.succeeded,
        },
        write_latency_ms: percentiles(&d.write_latency).into(),
        writes_acked: d.writes_acked,
    });
    let kv = st.kv.as_ref().map(|k| KvSummary {
        breakers: dependency_breakers(world, &k.breakers),
        cache_hit_ratio: (k.reads > 0).then(|| k.cache_hits as f64 / k.reads as f64),
        fail_fast: k.fail_fast,
        read_attempts_per_read: (k.reads + k.reads_failed > 0)
            .then(|| k.read_attempts as f64 / (k.reads + k.reads_failed) as f64),
        read_latency_ms: percentiles(&k.read_latency).into(),
        replicas_added: k
            .replicas_added
            .iter()
            .map(|(t, p, n)| ReplicaChange {
                pop: world.pops[*p as usize].code.clone(),
                replicas: *n,
                t_s: t.as_secs_f64(),
            })
            .collect(),
        replicas_max: k.replicas_end.iter().copied().max().unwrap_or(0),
        level1: k
            .level1
            .iter()
            .map(|(a, b)| Level1Period { from_s: a.as_secs_f64(), to_s: b.map(|t| t.as_secs_f64()) })
            .collect(),
        reads: k.reads,
        reads_failed: k.reads_failed,
        stale_read_share: (k.staleness.count() > 0).then(|| k.staleness.share_above_ms(0.0)),
        staleness_ms: percentiles(&k.staleness).into(),
        write_latency_ms: percentiles(&k.write_latency).into(),
        writes_acked: k.writes_acked,
        writes_applied: k.applied,
        writes_dropped: k.queued - k.applied,
        writes_failed: k.writes_failed,
        writes_queued: k.queued,
    });
    let rate_limiter = st.limiter.as_ref().map(|l| {
        let one = |a: &crate::state::ratelimit::Admissions| {
            let (max, mean) = a.over_admission(l.full_windows.clone());
            LimiterAdmissions { overadmission_max: max, overadmission_mean: mean, rejected: a.rejected }
        };
        RateLimiterSummary {
            durable_object: l.durable_object.as_ref().map(one),
            do_added_latency_ms: percentiles(&l.do_latency).into(),
            full_windows: l.full_windows.len() as u64,
            kv: l.kv.as_ref().map(one),
            limit: l.limit,
            window_s: l.window.as_secs_f64(),
        }
    });
    StateSummary { durable_objects, kv, rate_limiter }
}

fn percentiles(h: &LatencyHistogram) -> Percentiles {
    Percentiles {
        p50: h.quantile_ms(0.5),
        p90: h.quantile_ms(0.9),
        p99: h.quantile_ms(0.99),
        p999: h.quantile_ms(0.999),
        mean: h.mean_ms(),
        max: h.max_ms(),
    }
}

fn class_requests(c: &Counts) -> ClassRequests {
    ClassRequests { issued: c.issued, succeeded: c.succeeded, failed: c.failed() }
}

fn pop_summary(world: &World, pools: &[PoolConfig], r: &RunResult, i: usize) -> PopSummary {
    let pop = &world.pops[i];
    let stats = &r.pools[i];
    let window_s = (r.end - r.measure_from).as_secs_f64();
    let hist = &r.recorder.latency_by_pop[i];
    PopSummary {
        code: pop.code.clone(),
        city: pop.city.clone(),
        region: pop.region.as_str().to_string(),
        servers: pools[i].servers,
        requests: r.recorder.by_pop[i].issued,
        succeeded: r.recorder.by_pop[i].succeeded,
        rejected: stats.rejected,
        shed_by_class: CLASS_NAMES.iter().zip(r.pop_totals[i].shed_by_class).map(|(n, c)| (n.to_string(), c)).collect(),
        spilled_out: r.pop_totals[i].spilled_out,
        spilled_in: r.pop_totals[i].spilled_in,
        servers_max: r.pop_totals[i].servers_max,
        scale_ups_s: r.pop_totals[i].scale_up_times_s.clone(),
        scale_downs: r.pop_totals[i].scale_downs,
        arrival_rate_per_s: stats.arrivals as f64 / window_s,
        utilisation: pop_measure(r, Metric::Utilisation, i).unwrap_or(0.0),
        server_utilisation: stats.busy_ns.iter().map(|b| *b as f64 / 1e9 / window_s).collect(),
        mean_wait_ms: pop_measure(r, Metric::MeanWait, i).unwrap_or(0.0),
        p_wait: pop_measure(r, Metric::PWait, i).unwrap_or(0.0),
        mean_queue_len: stats.queue_area as f64 / 1e9 / window_s,
        latency_p50_ms: hist.quantile_ms(0.5),
        latency_p99_ms: hist.quantile_ms(0.99),
        isolates: r.pop_totals[i].isolates.as_ref().map(|t| isolates_summary(std::slice::from_ref(t))),
    }
}

/// The isolate measures of `pops` together: counts and latency summed,
/// the highest peak and pool, the mean of the means.
fn isolates_summary(pops: &[crate::sim::IsolateTotals]) -> super::IsolatesSummary {
    let sum = |f: fn(&crate::sim::IsolateTotals) -> f64| pops.iter().map(f).sum::<f64>();
    let all = crate::sim::IsolateTotals {
        started: sum(|t| t.started),
        cold_starts: sum(|t| t.cold_starts),
        cold_start_s: sum(|t| t.cold_start_s),
        latency_s: sum(|t| t.latency_s),
        ..Default::default()
    };
    super::IsolatesSummary {
        started: all.started,
        cold_starts: all.cold_starts,
        cold_start_rate: all.cold_start_rate(),
        cold_start_latency_share: all.latency_share(),
        memory_peak: pops.iter().map(|t| t.memory_peak).fold(0.0, f64::max),
        memory_mean: sum(|t| t.memory_mean) / pops.len().max(1) as f64,
        warm_pool_end: pops.iter().map(|t| t.warm_pool_end).max().unwrap_or(0),
        warm_pool_growths: pops.iter().map(|t| t.warm_pool_growths).sum(),
    }
}

fn fault_summary(world: &World, f: &Fault, r: &RunResult, i: usize) -> FaultSummary {
    let rec: &FaultRecord = &r.faults[i];
    let since = |t: SimTime| (t - rec.at).as_secs_f64();
    let mut timeline = BTreeMap::new();
    let steps = [
        ("detected", rec.detected),
        ("withdrawal_started", rec.withdrawn),
        ("first_moved", rec.moved_share(0.0).map(|d| rec.at + d)),
        ("half_moved", rec.moved_share(0.5).map(|d| rec.at + d)),
        ("all_moved", rec.moved_share(1.0).map(|d| rec.at + d)),
        ("recovered", rec.rto().map(|d| rec.at + d)),
        ("pop_restored", rec.ended),
        ("declared_up", rec.declared_up),
        ("reannounced", rec.reannounced),
        ("routes_settled", rec.last_route_change),
        ("bgp_converged", rec.bgp_quiet),
    ];
    timeline.insert("fault".to_string(), 0.0);
    for (name, t) in steps {
        if let Some(t) = t {
            timeline.insert(name.to_string(), since(t));
        }
    }
    let latency = [("before", &rec.latency_before), ("during", &rec.latency_during), ("after", &rec.latency_after)];
    FaultSummary {
        kind: f.kind.as_str().to_string(),
        target: f.target(world),
        at_s: f.at.as_secs_f64(),
        timeline,
        rto_s: rec.rto().map(|d| d.as_secs_f64()),
        recovered: rec.rto().is_some(),
        requests_lost: rec.during.failed(),
        requests_affected: rec.during.issued,
        attempts_per_request: (rec.during.issued > 0).then(|| rec.attempts_during as f64 / rec.during.issued as f64),
        affected_networks: rec.affected_networks,
        latency_ms: latency
            .iter()
            .filter(|(_, h)| h.count() > 0)
            .map(|(n, h)| (n.to_string(), percentiles(h)))
            .collect(),
        durable_objects: do_failover(r, i),
        convergence_s: convergence(rec),
        route_changes: r.bgp.as_ref().map(|_| rec.route_changes),
    }
}

/// Per-network convergence after the withdrawal started.
fn convergence(rec: &FaultRecord) -> Option<ConvergenceSummary> {
    let start = rec.withdrawn?;
    let times: Vec<f64> = rec.moved.iter().filter(|&&t| t >= start).map(|&t| (t - start).as_secs_f64()).collect();
    if times.is_empty() {
        return None;
    }
    let q = |p| crate::check::quantile(times.clone(), p).unwrap_or(0.0);
    Some(ConvergenceSummary {
        networks: times.len(),
        within_10s: times.iter().filter(|&&t| t <= 10.0).count() as f64 / times.len() as f64,
        p50: q(0.5),
        p80: q(0.8),
        p99: q(0.99),
        max: q(1.0),
    })
}

fn bgp_summary(r: &RunResult) -> Option<BgpSummary> {
    let b = r.bgp.as_ref()?;
    Some(BgpSummary {
        ases: b.ases,
        routers: b.routers,
        sessions: b.sessions,
        nearest_pop_share: b.nearest_share,
        unrouted_share: b.unrouted_share,
        announcements: b.stats.announcements,
        withdrawals: b.stats.withdrawals,
        best_route_changes: b.stats.best_changes,
        suppressions: b.stats.suppressions,
    })
}

/// Builds the summary of a run of `scenario` on `world` with these server
/// `pools` (one per PoP) and `faults` (in file order), from what the run
/// measured and the verdicts of its expectations.
pub fn build(
    s: &Scenario,
    world: &World,
    pools: &[PoolConfig],
    faults: &[Fault],
    r: &RunResult,
    verdicts: &[Verdict],
) -> Summary {
    let bucket_s = s.bucket().as_secs_f64();
    let rec = &r.recorder;
    let sent = rec.total.issued + r.unfinished;
    Summary {
        schema_version: SCHEMA_VERSION,
        edgesim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: s.name().to_string(),
        description: s.spec.scenario.description.trim().to_string(),
        seed: s.seed(),
        fidelity: s.fidelity(),
        sim_duration_s: s.duration().as_secs_f64(),
        warmup_s: s.warmup().as_secs_f64(),
        bucket_s,
        bucket_widened_from_s: s.bucket_widened_from().map(|b| b.as_secs_f64()),
        events_handled: r.events_handled,
        trace_hash: r.trace_hash.clone(),
        requests: Requests {
            issued: rec.total.issued,
            succeeded: rec.total.succeeded,
            failed: rec.total.failed(),
            unfinished: r.unfinished,
            drain_s: r.drain.as_secs_f64(),
            finished_in_drain: r.finished_in_drain,
            given_up_at_end: r.given_up_at_end,
            accounting: ACCOUNTING.to_string(),
            by_class: CLASS_NAMES.iter().zip(&rec.by_class).map(|(n, c)| (n.to_string(), class_requests(c))).collect(),
            failed_by_reason: FailReason::ALL
                .iter()
                .zip(rec.failed_by_reason)
                .map(|(reason, n)| (reason.as_str().to_string(), n))
                .collect(),
            shed_by_class: CLASS_NAMES.iter().zip(rec.shed_by_class).map(|(n, c)| (n.to_string(), c)).collect(),
            rate_limited_by_limit: crate::edge::limits::LimitHit::ALL
                .iter()
                .zip(r.rate_limited)
                .map(|(h, n)| (h.as_str().to_string(), n))
                .collect(),
        },
        availability: rec.total.availability(),
        latency_ms: Latency {
            all: percentiles(&rec.latency),
            by_class: CLASS_NAMES
                .iter()
                .zip(&rec.latency_by_class)
                .map(|(n, h)| (n.to_string(), percentiles(h)))
                .collect(),
        },
        attempts_per_request: (sent > 0).then(|| rec.attempts as f64 / sent as f64),
        client_networks: r.networks,
        health_check_phase_s: r.health_phase.as_secs_f64(),
        faults: faults.iter().enumerate().map(|(i, f)| fault_summary(world, f, r, i)).collect(),
        pops: (0..world.pops.len()).map(|i| pop_summary(world, pools, r, i)).collect(),
        state: state_summary(world, r),
        bgp: bgp_summary(r),
        isolates: {
            let pops: Vec<crate::sim::IsolateTotals> = r.pop_totals.iter().filter_map(|t| t.isolates.clone()).collect();
            (!pops.is_empty()).then(|| isolates_summary(&pops))
        },
        origin: origin_summary(world, r),
        levels: levels_summary(world, r),
        incidents: super::incidents::incidents_summary(world, r),
        horizon: super::horizon::horizon_summary(s, r),
        expectations: verdicts.to_vec(),
        passed: verdicts.iter().all(|v| v.passed),
    }
}
