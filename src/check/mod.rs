//! Expectations: what a scenario says a run must show, and the verdicts.

pub mod baseline;
pub mod horizon;
pub mod junit;
mod metric;
pub mod verdict;

pub use metric::Metric;

use crate::engine::{SimDuration, SimTime};
use crate::metrics::{Probe, CLASS_NAMES};
use crate::scenario::schema::{
    Bounds, CountExpect, DurationExpect, ExpectSpec, FaultExpect, LatencyExpect, LimiterExpect, PercentileExpect,
};
use crate::scenario::units::Duration;
use crate::scenario::{Scenario, ScenarioError, Source};
use crate::sim::RunResult;
use crate::world::{unknown_pop_message, World};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use toml::Spanned;

/// One side of a bound: the limit and whether equality passes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// The limit, in the metric's unit (a ratio, or ms).
    pub value: f64,
    /// True for `lt`/`gt` (equality fails).
    pub strict: bool,
}

/// An expectation ready to be judged.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// How reports show it, e.g. `availability >= 0.995`.
    pub text: String,
    /// What it measures.
    pub metric: Metric,
    /// Only this PoP, if set (index into the world's PoPs).
    pub pop: Option<usize>,
    /// Only this class, if set (counts only; probes carry their own).
    pub class: Option<u8>,
    /// The fault it is about (index), for fault metrics.
    pub fault: Option<usize>,
    /// The probe that gathers its requests (request metrics only).
    pub probe: Option<usize>,
    /// The value must be at least (or above) this.
    pub lower: Option<Limit>,
    /// The value must be at most (or below) this.
    pub upper: Option<Limit>,
}

impl Expectation {
    /// An expectation on the whole run: no PoP, class, fault or probe.
    fn unscoped(text: String, metric: Metric, (lower, upper): (Option<Limit>, Option<Limit>)) -> Self {
        Expectation { text, metric, pop: None, class: None, fault: None, probe: None, lower, upper }
    }
}

/// How an expectation came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The run met it.
    Pass,
    /// The run broke it.
    Fail,
    /// The run measured too little to tell (too few samples in scope, or
    /// nothing at all); counts as a failure unless inconclusive verdicts are
    /// allowed.
    Inconclusive,
}

impl Status {
    /// `PASS`, `FAIL` or `INCONCLUSIVE`, as reports print it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Inconclusive => "INCONCLUSIVE",
        }
    }

    /// True when this status breaks a check: a failure always, an
    /// inconclusive verdict unless `allow_inconclusive`.
    pub fn breaks(self, allow_inconclusive: bool) -> bool {
        match self {
            Status::Pass => false,
            Status::Fail => true,
            Status::Inconclusive => !allow_inconclusive,
        }
    }
}

/// The judgement of one expectation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The expectation as written.
    pub text: String,
    /// `pass`, `fail` or `inconclusive`.
    pub status: Status,
    /// Whether the run met it (`status` is `pass`).
    pub passed: bool,
    /// The value observed (ratio or ms), `None` when nothing was measured.
    pub observed: Option<f64>,
    /// The value observed, with where, for people.
    pub observed_text: String,
    /// The bound, e.g. `<= 60s` or `>= 0.995`.
    pub bound: String,
    /// Samples the value rests on (requests for availability, successes for
    /// latency); absent for metrics that are not sampled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples: Option<u64>,
    /// The fewest samples a conclusive verdict needs, where that applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_samples: Option<u64>,
}

fn class_index(src: &Source, c: &Spanned<String>) -> Result<u8, ScenarioError> {
    CLASS_NAMES.iter().position(|n| n.eq_ignore_ascii_case(c.get_ref())).map(|i| i as u8).ok_or_else(|| {
        src.error_at(c.span(), format!("unknown class \"{}\"; expected one of p0, p1, p2, p3", c.get_ref()))
    })
}

fn pop_index(src: &Source, world: &World, p: &Spanned<String>) -> Result<usize, ScenarioError> {
    world.pop_index(p.get_ref()).ok_or_else(|| {
        let known = world.pops.iter().map(|q| q.code.as_str());
        src.error_at(p.span(), unknown_pop_message("expect.pop (not in this topology)", p.get_ref(), known))
    })
}

/// The (lower, upper) limits of some bounds, each value read by `value`:
/// `gt` (strict) or `ge` below, `lt` (strict) or `le` above.
fn limits<T: Copy>(b: Bounds<T>, value: impl Fn(T) -> f64) -> (Option<Limit>, Option<Limit>) {
    let lim = |v: Option<T>, strict| v.map(|v| Limit { value: value(v), strict });
    (lim(b.gt, true).or(lim(b.ge, false)), lim(b.lt, true).or(lim(b.le, false)))
}

/// Limits on a number as written.
fn number_limits(b: Bounds<f64>) -> (Option<Limit>, Option<Limit>) {
    limits(b, |x| x)
}

/// Limits on a duration, in ms.
fn duration_limits(b: Bounds<Duration>) -> (Option<Limit>, Option<Limit>) {
    limits(b, |d| d.sim().as_millis_f64())
}

struct Scope {
    pop: Option<usize>,
    class: Option<u8>,
    window: Option<(SimTime, SimTime)>,
}

fn scope(
    src: &Source,
    world: &World,
    pop: &Option<Spanned<String>>,
    class: &Option<Spanned<String>>,
    window: &Option<Spanned<[Duration; 2]>>,
) -> Result<Scope, ScenarioError> {
    Ok(Scope {
        pop: pop.as_ref().map(|p| pop_index(src, world, p)).transpose()?,
        class: class.as_ref().map(|c| class_index(src, c)).transpose()?,
        window: window.as_ref().map(|w| {
            let [a, b] = *w.get_ref();
            (SimTime::ZERO + a.sim(), SimTime::ZERO + b.sim())
        }),
    })
}

/// Rejects scope keys a PoP-level metric cannot use.
fn pop_only(
    src: &Source,
    e: &Spanned<ExpectSpec>,
    name: &str,
    class: &Option<Spanned<String>>,
    window: &Option<Spanned<[Duration; 2]>>,
) -> Result<(), ScenarioError> {
    if let Some(c) = class {
        return Err(src.error_at(c.span(), format!("{name}: is measured per PoP, not per class; remove class")));
    }
    if let Some(w) = window {
        return Err(
            src.error_at(w.span(), format!("{name}: is measured over the whole run after warm-up; remove window"))
        );
    }
    let _ = e;
    Ok(())
}

fn describe(name: &str, world: &World, s: &Scope, lower: Option<Limit>, upper: Option<Limit>, unit_ms: bool) -> String {
    let mut t = name.to_string();
    if let Some((a, b)) = s.window {
        let _ = write!(t, "[{}..{}]", a - SimTime::ZERO, b - SimTime::ZERO);
    }
    if let Some(p) = s.pop {
        let _ = write!(t, " at {}", world.pops[p].code);
    }
    if let Some(c) = s.class {
        let _ = write!(t, " for {}", CLASS_NAMES[c as usize]);
    }
    push_limits(&mut t, lower, upper, unit_ms);
    t
}

/// Turns the scenario's `[[expect]]` tables into expectations, and the
/// probes the run must fill for them. Unknown PoPs and classes are errors.
pub fn resolve(s: &Scenario, world: &World) -> Result<(Vec<Expectation>, Vec<Probe>), ScenarioError> {
    let src = &s.source;
    let whole = (SimTime::ZERO + s.warmup(), SimTime::ZERO + s.duration());
    let mut exps = Vec::new();
    let mut probes = Vec::new();
    for e in &s.spec.expectations {
        let mut add_probe = |sc: &Scope| {
            let (from, to) = sc.window.unwrap_or(whole);
            probes.push(Probe::new(from, to, sc.pop.map(|p| p as u32), sc.class));
            Some(probes.len() - 1)
        };
        let exp = match e.get_ref() {
            ExpectSpec::Availability(r) => {
                let sc = scope(src, world, &r.pop, &r.class, &r.window)?;
                let (lower, upper) = number_limits(r.bounds());
                let text = describe("availability", world, &sc, lower, upper, false);
                let all = Expectation::unscoped(text, Metric::Availability, (lower, upper));
                // Availability reads the probe's counts only.
                let probe = add_probe(&sc);
                if let Some(p) = probe {
                    probes[p].records_latency = false;
                }
                Expectation { pop: sc.pop, probe, ..all }
            }
            ExpectSpec::Latency(l) => latency_expectation(src, world, l, &mut add_probe)?,
            ExpectSpec::Utilisation(r) | ExpectSpec::PWait(r) | ExpectSpec::ColdStartRate(r) => {
                let (name, metric) = match e.get_ref() {
                    ExpectSpec::Utilisation(_) => ("utilisation", Metric::Utilisation),
                    ExpectSpec::ColdStartRate(_) => ("cold_start_rate", Metric::ColdStartRate),
                    _ => ("p_wait", Metric::PWait),
                };
                pop_only(src, e, name, &r.class, &r.window)?;
                let sc = scope(src, world, &r.pop, &None, &None)?;
                let (lower, upper) = number_limits(r.bounds());
                let text = describe(name, world, &sc, lower, upper, false);
                Expectation { pop: sc.pop, ..Expectation::unscoped(text, metric, (lower, upper)) }
            }
            ExpectSpec::MeanWait(d) => mean_wait_expectation(src, world, e, d)?,
            ExpectSpec::Rto(f) => fault_expectation("rto", Metric::Rto, f),
            ExpectSpec::Detection(f) => fault_expectation("detection", Metric::Detection, f),
            ExpectSpec::Withdrawal(f) => fault_expectation("withdrawal", Metric::Withdrawal, f),
            ExpectSpec::Converged(f) => {
                let share = f.share.as_ref().map_or(1.0, |s| s.get_ref().0);
                fault_expectation(&format!("converged[{}%]", share * 100.0), Metric::Converged(share), f)
            }
            ExpectSpec::RequestsLost(c) => count_expectation(src, world, "requests_lost", Metric::RequestsLost, c)?,
            ExpectSpec::Shed(c) => count_expectation(src, world, "shed", Metric::Shed, c)?,
            ExpectSpec::Spilled(c) => count_expectation(src, world, "spilled", Metric::Spilled, c)?,
            ExpectSpec::AttemptsPerRequest(c) => {
                count_expectation(src, world, "attempts_per_request", Metric::AttemptsPerRequest, c)?
            }
            ExpectSpec::Rpo(f) => fault_expectation("rpo", Metric::Rpo, f),
            ExpectSpec::WritesLost(c) => count_expectation(src, world, "writes_lost", Metric::WritesLost, c)?,
            ExpectSpec::KvWritesDropped(c) => {
                count_expectation(src, world, "kv_writes_dropped", Metric::KvWritesDropped, c)?
            }
            ExpectSpec::ObjectRto(p) => percentile_expectation("object_rto", Metric::ObjectRto, p),
            ExpectSpec::KvStaleness(p) => percentile_expectation("kv_staleness", Metric::KvStaleness, p),
            ExpectSpec::DoWriteLatency(p) => percentile_expectation("do_write_latency", Metric::DoWriteLatency, p),
            ExpectSpec::KvReadLatency(p) => percentile_expectation("kv_read_latency", Metric::KvReadLatency, p),
            ExpectSpec::KvWritesFailed(c) => {
                count_expectation(src, world, "kv_writes_failed", Metric::KvWritesFailed, c)?
            }
            ExpectSpec::LimiterOveradmission(l) => limiter_expectation(l),
            ExpectSpec::MaxLevel(l) | ExpectSpec::LevelAt(l) => level_expectation(src, world, e.get_ref(), l)?,
            ExpectSpec::TimeInLevel(t) => {
                let (lower, upper) = duration_limits(t.bounds());
                let level = t.level.get_ref().get();
                let mut text = format!("time_in_level {level}");
                push_limits(&mut text, lower, upper, true);
                Expectation::unscoped(text, Metric::TimeInLevel(level), (lower, upper))
            }
            ExpectSpec::BackToLevel0(f) => fault_expectation("back_to_level0", Metric::BackToLevel0, f),
            ExpectSpec::RetryAmplification(c) => {
                count_expectation(src, world, "retry_amplification", Metric::RetryAmplification, c)?
            }
            ExpectSpec::BreakerOpened(c) => count_expectation(src, world, "breaker_opened", Metric::BreakerOpened, c)?,
            ExpectSpec::DeploymentsFailed(c) => {
                count_expectation(src, world, "deployments_failed", Metric::DeploymentsFailed, c)?
            }
            spec @ (ExpectSpec::AvailabilityAnnual(_)
            | ExpectSpec::DowntimeMinutes(_)
            | ExpectSpec::Mttr(_)
            | ExpectSpec::Mtbf(_)
            | ExpectSpec::IncidentRto(_)) => match horizon::expectation(spec) {
                Some(exp) => exp,
                None => continue,
            },
        };
        exps.push(exp);
    }
    Ok((exps, probes))
}

fn latency_expectation(
    src: &Source,
    world: &World,
    l: &LatencyExpect,
    add_probe: &mut impl FnMut(&Scope) -> Option<usize>,
) -> Result<Expectation, ScenarioError> {
    let sc = scope(src, world, &l.pop, &l.class, &l.window)?;
    let (lower, upper) = duration_limits(l.bounds());
    let q = l.percentile.get_ref().get();
    let text = describe(&format!("latency p{q}"), world, &sc, lower, upper, true);
    let all = Expectation::unscoped(text, Metric::Latency(q / 100.0), (lower, upper));
    Ok(Expectation { pop: sc.pop, probe: add_probe(&sc), ..all })
}

fn mean_wait_expectation(
    src: &Source,
    world: &World,
    e: &Spanned<ExpectSpec>,
    d: &DurationExpect,
) -> Result<Expectation, ScenarioError> {
    pop_only(src, e, "mean_wait", &d.class, &d.window)?;
    let sc = scope(src, world, &d.pop, &None, &None)?;
    let (lower, upper) = duration_limits(d.bounds());
    let text = describe("mean_wait", world, &sc, lower, upper, true);
    Ok(Expectation { pop: sc.pop, ..Expectation::unscoped(text, Metric::MeanWait, (lower, upper)) })
}

fn fault_expectation(name: &str, metric: Metric, f: &FaultExpect) -> Expectation {
    let (lower, upper) = duration_limits(f.bounds());
    let fault = f.fault.get_ref().get() as usize;
    let mut text = format!("{name} of fault {fault}");
    push_limits(&mut text, lower, upper, true);
    Expectation { fault: Some(fault - 1), ..Expectation::unscoped(text, metric, (lower, upper)) }
}

fn percentile_expectation(name: &str, metric: fn(f64) -> Metric, p: &PercentileExpect) -> Expectation {
    let (lower, upper) = duration_limits(p.bounds());
    let q = p.percentile.as_ref().map_or(100.0, |q| q.get_ref().get());
    let fault = p.fault.as_ref().map(|f| f.get_ref().get() as usize);
    let mut text = format!("{name} p{q}");
    if let Some(f) = fault {
        let _ = write!(text, " of fault {f}");
    }
    push_limits(&mut text, lower, upper, true);
    Expectation { fault: fault.map(|f| f - 1), ..Expectation::unscoped(text, metric(q / 100.0), (lower, upper)) }
}

fn limiter_expectation(l: &LimiterExpect) -> Expectation {
    let (lower, upper) = number_limits(l.bounds());
    let kv = l.limiter.get_ref() == "kv";
    let mut text = format!("limiter_overadmission of {}", l.limiter.get_ref());
    push_limits(&mut text, lower, upper, false);
    Expectation::unscoped(text, Metric::LimiterOveradmission(kv), (lower, upper))
}

fn level_expectation(
    src: &Source,
    world: &World,
    spec: &ExpectSpec,
    l: &crate::scenario::schema::LevelExpect,
) -> Result<Expectation, ScenarioError> {
    let pop = l.pop.as_ref().map(|p| pop_index(src, world, p)).transpose()?;
    let (lower, upper) = match l.eq {
        Some(v) => {
            (Some(Limit { value: f64::from(v), strict: false }), Some(Limit { value: f64::from(v), strict: false }))
        }
        None => limits(l.bounds(), f64::from),
    };
    let (metric, mut text) = match (spec, &l.at) {
        (ExpectSpec::LevelAt(_), Some(at)) => {
            (Metric::LevelAt(at.get_ref().as_nanos()), format!("level_at {}", at.get_ref()))
        }
        _ => (Metric::MaxLevel, "max_level".to_string()),
    };
    if let Some(p) = pop {
        let _ = write!(text, " at {}", world.pops[p].code);
    }
    match l.eq {
        Some(v) => {
            let _ = write!(text, " == {v}");
        }
        None => push_limits(&mut text, lower, upper, false),
    }
    Ok(Expectation { pop, ..Expectation::unscoped(text, metric, (lower, upper)) })
}

/// The value at quantile `q` of `values` (nearest rank), `None` if empty.
pub fn quantile(mut values: Vec<f64>, q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    Some(values[rank - 1])
}

/// The recovery time of each object a region failure affected, ms.
pub fn object_rtos_ms(result: &RunResult, fault: usize) -> Vec<f64> {
    match result.state.failovers.get(fault) {
        // An object that never comes back has no recovery time: infinite.
        Some(Some(f)) => f
            .objects
            .iter()
            .map(|o| if o.recovered() { (o.serving - f.at).as_millis_f64() } else { f64::INFINITY })
            .collect(),
        _ => Vec::new(),
    }
}

fn count_expectation(
    src: &Source,
    world: &World,
    name: &str,
    metric: Metric,
    c: &CountExpect,
) -> Result<Expectation, ScenarioError> {
    let pop = c.pop.as_ref().map(|p| pop_index(src, world, p)).transpose()?;
    let class = c.class.as_ref().map(|k| class_index(src, k)).transpose()?;
    let (lower, upper) = number_limits(c.bounds());
    let fault = c.fault.as_ref().map(|f| f.get_ref().get() as usize);
    let mut text = name.to_string();
    if let Some(f) = fault {
        let _ = write!(text, " of fault {f}");
    }
    if let Some(p) = pop {
        let _ = write!(text, " at {}", world.pops[p].code);
    }
    if let Some(k) = class {
        let _ = write!(text, " for {}", CLASS_NAMES[k as usize]);
    }
    push_limits(&mut text, lower, upper, false);
    Ok(Expectation { pop, class, fault: fault.map(|f| f - 1), ..Expectation::unscoped(text, metric, (lower, upper)) })
}

fn push_limits(t: &mut String, lower: Option<Limit>, upper: Option<Limit>, unit_ms: bool) {
    let fmt = |v: f64| if unit_ms { SimDuration::from_secs_f64(v / 1e3).to_string() } else { format!("{v}") };
    if let Some(l) = lower {
        let _ = write!(t, " {} {}", if l.strict { ">" } else { ">=" }, fmt(l.value));
    }
    if let Some(u) = upper {
        let _ = write!(t, " {} {}", if u.strict { "<" } else { "<=" }, fmt(u.value));
    }
}

/// The value of a fault or count metric, `None` when it never happened.
pub fn run_measure(e: &Expectation, result: &RunResult) -> Option<f64> {
    let ms = |d: Option<crate::engine::SimDuration>| d.map(|d| d.as_millis_f64());
    let since = |t: Option<SimTime>, at: SimTime| ms(t.map(|t| t - at));
    let rec = e.fault.and_then(|f| result.faults.get(f));
    let totals = || result.pop_totals.iter().enumerate().filter(|(i, _)| e.pop.is_none_or(|p| p == *i));
    match e.metric {
        Metric::Rto => ms(rec?.rto()),
        Metric::Detection => since(rec?.detected, rec?.at),
        Metric::Withdrawal => since(rec?.withdrawn, rec?.at),
        Metric::Converged(share) => ms(rec?.moved_share(share)),
        Metric::RequestsLost => Some(rec?.during.failed() as f64),
        Metric::Shed => Some(
            totals()
                .map(|(_, t)| match e.class {
                    Some(c) => t.shed_by_class[c as usize],
                    None => t.shed_by_class.iter().sum(),
                })
                .sum::<u64>() as f64,
        ),
        Metric::Spilled => Some(totals().map(|(_, t)| t.spilled_out).sum::<u64>() as f64),
        Metric::AttemptsPerRequest => {
            let sent = result.recorder.total.issued + result.unfinished;
            (sent > 0).then(|| result.recorder.attempts as f64 / sent as f64)
        }
        Metric::Rpo | Metric::WritesLost => {
            let f = result.state.failovers.get(e.fault?)?.as_ref()?;
            Some(if e.metric == Metric::Rpo { f.rpo.as_millis_f64() } else { f.writes_lost as f64 })
        }
        Metric::ObjectRto(q) => quantile(object_rtos_ms(result, e.fault?), q),
        Metric::KvStaleness(q) => {
            let h = &result.state.kv.as_ref()?.staleness;
            (h.count() > 0).then(|| if q >= 1.0 { h.max_ms() } else { h.quantile_ms(q) })
        }
        Metric::KvWritesDropped => result.state.kv.as_ref().map(|k| (k.queued - k.applied) as f64),
        Metric::KvWritesFailed => result.state.kv.as_ref().map(|k| k.writes_failed as f64),
        Metric::KvReadLatency(q) => {
            let h = &result.state.kv.as_ref()?.read_latency;
            (h.count() > 0).then(|| if q >= 1.0 { h.max_ms() } else { h.quantile_ms(q) })
        }
        Metric::DoWriteLatency(q) => {
            let h = &result.state.durable_objects.as_ref()?.write_latency;
            (h.count() > 0).then(|| if q >= 1.0 { h.max_ms() } else { h.quantile_ms(q) })
        }
        Metric::MaxLevel => {
            let track = match e.pop {
                Some(p) => result.levels.per_pop.get(p)?,
                None => &result.levels.global,
            };
            Some(track.transitions.iter().map(|(_, l)| *l).max().unwrap_or(0) as f64)
        }
        Metric::LevelAt(ns) => Some(result.levels.global.level_at(SimTime(ns)) as f64),
        Metric::TimeInLevel(level) => {
            Some(result.levels.global.time_in_levels(result.end)[level.min(4) as usize].as_millis_f64())
        }
        Metric::BackToLevel0 => {
            let at = result.faults.get(e.fault?)?.at;
            let t = &result.levels.global;
            // Back to 0 for good: the last transition, if it is to 0 and after the fault.
            match t.transitions.last() {
                Some((when, 0)) if *when >= at => Some((*when - at).as_millis_f64()),
                None => Some(0.0),
                _ if t.level() == 0 => Some(0.0),
                _ => None,
            }
        }
        Metric::RetryAmplification => match &result.origin {
            Some(o) => (o.requests > 0).then(|| o.attempts as f64 / o.requests as f64),
            None => {
                let sent = result.recorder.total.issued + result.unfinished;
                (sent > 0).then(|| result.recorder.attempts as f64 / sent as f64)
            }
        },
        Metric::BreakerOpened => {
            let o = result.origin.as_ref()?;
            let opened = |t: &Vec<(SimTime, &str)>| t.iter().filter(|(_, s)| *s == "open").count();
            Some(match e.pop {
                Some(p) => o.breaker_transitions.get(p).map_or(0, opened),
                None => o.breaker_transitions.iter().map(opened).sum(),
            } as f64)
        }
        Metric::DeploymentsFailed => result.levels.deployments.map(|d| d.failed_attempts as f64),
        Metric::LimiterOveradmission(kv) => {
            let l = result.state.limiter.as_ref()?;
            let adm = if kv { l.kv.as_ref() } else { l.durable_object.as_ref() }?;
            Some(adm.over_admission(l.full_windows.clone()).0)
        }
        Metric::AvailabilityAnnual | Metric::DowntimeMinutes | Metric::Mttr | Metric::Mtbf | Metric::IncidentRto(_) => {
            horizon::measure(e.metric, result)
        }
        _ => None,
    }
}

/// A PoP-level measure of PoP `i`, or `None` if it saw no traffic.
pub fn pop_measure(result: &RunResult, metric: Metric, i: usize) -> Option<f64> {
    let p = &result.pools[i];
    match metric {
        Metric::Utilisation => {
            let busy: u64 = p.busy_ns.iter().sum();
            (p.server_area > 0).then(|| busy as f64 / p.server_area as f64)
        }
        Metric::MeanWait => (p.started > 0).then(|| p.wait_ns_sum as f64 / p.started as f64 / 1e6),
        Metric::PWait => {
            let admitted = p.arrivals - p.rejected;
            (admitted > 0).then(|| p.waited as f64 / admitted as f64)
        }
        Metric::ColdStartRate => {
            let t = result.pop_totals.get(i)?.isolates.as_ref()?;
            (t.started > 0.0).then(|| t.cold_start_rate())
        }
        _ => None,
    }
}

fn holds(v: f64, lower: Option<Limit>, upper: Option<Limit>) -> bool {
    let lo = lower.is_none_or(|l| if l.strict { v > l.value } else { v >= l.value });
    let hi = upper.is_none_or(|u| if u.strict { v < u.value } else { v <= u.value });
    lo && hi
}

/// Judges every expectation against what the run measured.
pub fn evaluate(exps: &[Expectation], result: &RunResult, world: &World) -> Vec<Verdict> {
    exps.iter().map(|e| judge(e, result, world)).collect()
}

fn fmt_value(metric: Metric, v: f64) -> String {
    match metric {
        m if m.is_duration() && v < 1.0 => format!("{v:.6}ms"),
        m if m.is_duration() && v >= 1_000.0 => format!("{:.3}s", v / 1e3),
        m if m.is_duration() => format!("{v:.3}ms"),
        Metric::RequestsLost
        | Metric::Shed
        | Metric::Spilled
        | Metric::WritesLost
        | Metric::KvWritesDropped
        | Metric::KvWritesFailed
        | Metric::MaxLevel
        | Metric::LevelAt(_)
        | Metric::BreakerOpened
        | Metric::DeploymentsFailed => {
            format!("{v}")
        }
        _ => format!("{v:.6}"),
    }
}

/// The fewest requests an availability needs to be conclusive.
pub const MIN_REQUESTS: u64 = 100;

/// The fewest samples an expectation on `metric` needs to be conclusive, if
/// it is sampled: [`MIN_REQUESTS`] requests for availability; for a latency
/// quantile `q`, max(100, 10 / (1 - q)) successes, so that about ten samples
/// lie beyond it (p99: 1,000; p99.9: 10,000). The maximum (`q` = 1) is a
/// fact of the run, not an estimate: 100.
pub fn min_samples(metric: Metric) -> Option<u64> {
    match metric {
        Metric::Availability => Some(MIN_REQUESTS),
        Metric::Latency(q) if q >= 1.0 => Some(MIN_REQUESTS),
        Metric::Latency(q) => {
            // Rounded to 1e-6 first so that p99 asks for 1,000, not 1,001.
            let tail = ((10.0 / (1.0 - q)) * 1e6).round() / 1e6;
            Some((tail.ceil() as u64).max(MIN_REQUESTS))
        }
        _ => None,
    }
}

/// The bound of an expectation as text, e.g. `<= 60s` or `>= 0.99 <= 1`.
pub fn bound_text(e: &Expectation) -> String {
    let mut t = String::new();
    push_limits(&mut t, e.lower, e.upper, e.metric.is_duration());
    t.trim_start().to_string()
}

/// For a fault step that did not happen within the run: the time (ms) the
/// run still had after the fault (the step is later than that), and what
/// did not happen, in words.
fn censored_at(e: &Expectation, result: &RunResult) -> Option<(f64, &'static str)> {
    let rec = result.faults.get(e.fault?)?;
    let left = (result.end - rec.at).as_millis_f64();
    let what = match e.metric {
        Metric::Rto => "never recovered",
        Metric::Detection => "never detected",
        Metric::Withdrawal => "route never withdrawn",
        Metric::BackToLevel0 => "never back to level 0",
        Metric::Converged(_) if rec.affected_networks > 0 => "never converged",
        _ => return None,
    };
    Some((left, what))
}

/// The verdict on a fault step that did not happen before the end of the
/// run, `left` ms after the fault: an upper bound fails (a step not seen
/// is not on time); a lower bound holds if the run outlasted it.
fn censored_verdict(e: &Expectation, left: f64, what: &str) -> (Status, String) {
    let mut text = format!("{what} before the end ({} after the fault)", fmt_value(e.metric, left));
    if e.metric == Metric::Rto {
        let hold = crate::metrics::faults::RTO_HOLD;
        let _ = write!(text, "; a recovery counts once it has held for {hold}");
    }
    if e.upper.is_some() {
        (Status::Fail, text)
    } else if e.lower.is_some_and(|l| left >= l.value) {
        (Status::Pass, text)
    } else {
        text.push_str("; run longer to tell");
        (Status::Inconclusive, text)
    }
}

fn judge(e: &Expectation, result: &RunResult, world: &World) -> Verdict {
    let mut samples = None;
    let observed = match (e.metric, e.probe) {
        (Metric::Availability, Some(p)) => {
            let c = &result.recorder.probes[p].counts;
            samples = Some(c.issued);
            c.availability().map(|v| (v, None))
        }
        (Metric::Latency(q), Some(p)) => {
            let h = &result.recorder.probes[p].latency;
            samples = Some(h.count());
            (h.count() > 0).then(|| (h.quantile_ms(q), None))
        }
        (Metric::Utilisation | Metric::MeanWait | Metric::PWait | Metric::ColdStartRate, _) => match e.pop {
            Some(i) => pop_measure(result, e.metric, i).map(|v| (v, None)),
            None => worst_pop(e, result),
        },
        _ => run_measure(e, result).map(|v| (v, None)),
    };
    let min_samples = min_samples(e.metric).filter(|_| samples.is_some());
    let verdict = |status: Status, observed: Option<f64>, observed_text: String| Verdict {
        text: e.text.clone(),
        status,
        passed: status == Status::Pass,
        observed,
        observed_text,
        bound: bound_text(e),
        samples,
        min_samples,
    };
    let scarce = match (samples, min_samples) {
        (Some(n), Some(need)) if n < need => Some((n, need)),
        _ => None,
    };
    let what = if matches!(e.metric, Metric::Latency(_)) { "successes" } else { "requests" };
    match (observed, scarce) {
        (Some((v, _)), Some((n, need))) => verdict(
            Status::Inconclusive,
            Some(v),
            format!("{} from only {n} {what} in scope; needs at least {need}", fmt_value(e.metric, v)),
        ),
        (None, Some((n, need))) => {
            verdict(Status::Inconclusive, None, format!("{n} {what} in scope; needs at least {need}"))
        }
        (Some((v, at)), None) => verdict(
            if holds(v, e.lower, e.upper) { Status::Pass } else { Status::Fail },
            Some(v),
            match at {
                Some(i) => format!("{} (worst PoP {})", fmt_value(e.metric, v), world.pops[i].code),
                None => fmt_value(e.metric, v),
            },
        ),
        (None, None) => match censored_at(e, result) {
            Some((left, what)) => {
                let (status, text) = censored_verdict(e, left, what);
                verdict(status, None, text)
            }
            None => verdict(
                Status::Inconclusive,
                None,
                match e.fault {
                    Some(_) => "nothing measured for this fault".to_string(),
                    None => horizon::missing(e.metric).unwrap_or("nothing measured in scope").to_string(),
                },
            ),
        },
    }
}

/// Over every PoP: the first PoP that breaks the bound, else the one
/// closest to breaking it.
fn worst_pop(e: &Expectation, result: &RunResult) -> Option<(f64, Option<usize>)> {
    let values: Vec<(f64, usize)> =
        (0..result.pools.len()).filter_map(|i| pop_measure(result, e.metric, i).map(|v| (v, i))).collect();
    if let Some(&(v, i)) = values.iter().find(|(v, _)| !holds(*v, e.lower, e.upper)) {
        return Some((v, Some(i)));
    }
    let by_value = |a: &&(f64, usize), b: &&(f64, usize)| a.0.total_cmp(&b.0);
    let worst = if e.upper.is_some() { values.iter().max_by(by_value) } else { values.iter().min_by(by_value) };
    worst.map(|&(v, i)| (v, Some(i)))
}
