//! Checks of a parsed scenario that the schema alone cannot make: sums of
//! shares, windows and times within the run, faults on planes that exist,
//! known state regions ([`super::regions`]), combinations of keys, and the
//! sizes of the tables the model will keep (with their limits as consts).
//! Checks that need the PoP catalog are made when the world is built.

use super::error::{ScenarioError, Source};
use super::regions::state_region;
use super::schema::{ConvergenceSpec, DistSpec, FaultKind, ScenarioSpec};
use toml::Spanned;

mod expect;
use expect::check_expectations;

/// Most time-series buckets a default bucket width may give.
pub(crate) const MAX_DEFAULT_BUCKETS: u64 = 3_600;
/// Most time-series buckets an explicit `metrics.bucket` may give.
pub(crate) const MAX_BUCKETS: u64 = 1_000_000;
/// Most time-series buckets a run keeps: a `metrics.bucket` that gives more
/// is widened to a whole multiple (a year of hours fits).
pub(crate) const MAX_SERIES_BUCKETS: u64 = 10_000;
/// Tolerance on class shares summing to 1.
pub(crate) const SHARE_SUM_TOLERANCE: f64 = 1e-6;
/// Most servers one PoP may have.
pub(crate) const MAX_SERVERS: u32 = 100_000;
/// Most deployments (accounts x deployments per account) of `[rate_limits]`.
pub(crate) const MAX_DEPLOYMENTS: u64 = 1_000_000;
/// Most (customer, window) cells the rate limiters count over a run.
pub(crate) const MAX_LIMITER_CELLS: u64 = 10_000_000;
/// Most requests per second all limiter customers may send together.
pub(crate) const MAX_LIMITER_RPS: f64 = 1e8;
/// Shortest time between two snapshots of one Durable Object.
pub(crate) const MIN_SNAPSHOT_INTERVAL: crate::engine::SimDuration = crate::engine::SimDuration::from_secs(1);

type Check = Result<(), ScenarioError>;

/// Runs every structural check; the first failure is returned.
pub(crate) fn check(spec: &ScenarioSpec, src: &Source) -> Check {
    check_meta(spec, src)?;
    check_network(spec, src)?;
    check_traffic(spec, src)?;
    check_pools(spec, src)?;
    check_metrics(spec, src)?;
    check_anycast(spec, src)?;
    check_autoscaling(spec, src)?;
    check_overload(spec, src)?;
    check_origin(spec, src)?;
    check_durable_objects(spec, src)?;
    check_kv(spec, src)?;
    check_rate_limiter(spec, src)?;
    check_rate_limits(spec, src)?;
    check_isolates(spec, src)?;
    check_faults(spec, src)?;
    check_failures(spec, src)?;
    check_expectations(spec, src)
}

fn at<T>(src: &Source, v: &Spanned<T>, msg: impl Into<String>) -> ScenarioError {
    if v.span().is_empty() && v.span().start == 0 {
        src.error(msg)
    } else {
        src.error_at(v.span(), msg)
    }
}

fn check_meta(spec: &ScenarioSpec, src: &Source) -> Check {
    let m = &spec.scenario;
    let name = m.name.get_ref();
    let ok = !name.is_empty()
        && name.len() <= 100
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.');
    if !ok {
        return Err(at(
            src,
            &m.name,
            format!("scenario.name: got \"{name}\"; expected 1-100 letters, digits, '-', '_' or '.' (it names the results folder)"),
        ));
    }
    let duration = m.duration.get_ref().sim();
    if duration.as_nanos() == 0 {
        return Err(at(src, &m.duration, "scenario.duration: must be greater than zero"));
    }
    if m.warmup.get_ref().sim() >= duration {
        return Err(at(
            src,
            &m.warmup,
            format!("scenario.warmup: {} is not shorter than the run ({})", m.warmup.get_ref(), m.duration.get_ref()),
        ));
    }
    Ok(())
}

fn check_network(spec: &ScenarioSpec, src: &Source) -> Check {
    if let Some(j) = &spec.network.jitter {
        check_dist(src, j, "network.jitter", true)?;
    }
    Ok(())
}

/// Checks a distribution's parameters where a zero one is meaningless
/// (`zero_ok` false); min <= max and 0 < p50 < p99 are checked on reading.
pub(super) fn check_dist(src: &Source, d: &Spanned<DistSpec>, field: &str, zero_ok: bool) -> Check {
    let (key, v) = match *d.get_ref() {
        DistSpec::Exponential { mean } => ("mean", mean),
        DistSpec::Constant { value } => ("value", value),
        DistSpec::Uniform { max, .. } => ("max", max),
        DistSpec::Lognormal { p50, .. } => ("p50", p50),
    };
    if v.as_nanos() == 0 && !zero_ok {
        return Err(at(src, d, format!("{field}.{key}: must be greater than zero")));
    }
    Ok(())
}

fn check_traffic(spec: &ScenarioSpec, src: &Source) -> Check {
    let t = spec.traffic.get_ref();
    let shares = t.classes.get_ref().as_array();
    let sum: f64 = shares.iter().sum();
    if (sum - 1.0).abs() > SHARE_SUM_TOLERANCE {
        return Err(at(
            src,
            &t.classes,
            format!("traffic.classes: shares p0..p3 sum to {sum:.6}; expected them to sum to 1"),
        ));
    }
    for (i, site) in t.sites.iter().enumerate() {
        let s = site.get_ref();
        let here = format!("traffic.site[{}] (\"{}\")", i + 1, s.name);
        match (&s.near, s.lat.is_some(), s.lon.is_some()) {
            (Some(_), false, false) | (None, true, true) => {}
            (Some(_), _, _) => {
                return Err(at(src, site, format!("{here}: give either near = \"CODE\" or lat/lon, not both")))
            }
            (None, false, false) => return Err(at(src, site, format!("{here}: needs near = \"CODE\" or lat and lon"))),
            (None, _, _) => return Err(at(src, site, format!("{here}: needs both lat and lon"))),
        }
    }
    Ok(())
}

fn check_pools(spec: &ScenarioSpec, src: &Source) -> Check {
    for (key, pool) in &spec.pops {
        let is_code = key.len() == 3 && key.chars().all(|c| c.is_ascii_uppercase());
        if key != "default" && !is_code {
            return Err(at(
                src,
                pool,
                format!(
                    "[pops.{key}]: expected [pops.default] or a PoP code of three uppercase letters, like [pops.SJC]"
                ),
            ));
        }
        if let Some(service) = &pool.get_ref().service {
            check_dist(src, service, &format!("pops.{key}.service"), false)?;
        }
    }
    Ok(())
}

fn check_metrics(spec: &ScenarioSpec, src: &Source) -> Check {
    if let Some(b) = &spec.metrics.bucket {
        let width = b.get_ref().as_nanos();
        let duration = spec.scenario.duration.get_ref().as_nanos();
        if duration.div_ceil(width) > MAX_BUCKETS {
            return Err(at(
                src,
                b,
                format!(
                    "metrics.bucket: {} gives more than {MAX_BUCKETS} buckets over the run; choose a wider bucket",
                    b.get_ref()
                ),
            ));
        }
    }
    Ok(())
}

/// Most control-loop ticks `overload.shed_hold` may span.
pub(crate) const MAX_HOLD_TICKS: u64 = 1_000_000;

fn check_overload(spec: &ScenarioSpec, src: &Source) -> Check {
    let o = &spec.overload;
    let ticks = o.shed_hold.as_nanos() / o.tick.get_ref().as_nanos();
    if ticks > MAX_HOLD_TICKS {
        return Err(at(
            src,
            &o.tick,
            format!(
                "overload: shed_hold {} is {ticks} ticks of {}; expected at most {MAX_HOLD_TICKS}",
                o.shed_hold,
                o.tick.get_ref()
            ),
        ));
    }
    Ok(())
}

fn check_origin(spec: &ScenarioSpec, src: &Source) -> Check {
    if let Some(o) = &spec.origin {
        if let Some(service) = &o.service {
            check_dist(src, service, "origin.service", false)?;
        }
    }
    Ok(())
}

/// A state region name's canonical form, or a located error.
fn state_region_name(src: &Source, r: &Spanned<String>, field: &str) -> Check {
    if state_region(r.get_ref()).is_none() {
        return Err(at(src, r, format!("{field}: unknown state region \"{}\"; expected NA, EU or APAC", r.get_ref())));
    }
    Ok(())
}

fn check_durable_objects(spec: &ScenarioSpec, src: &Source) -> Check {
    let Some(d) = &spec.durable_objects else { return Ok(()) };
    for (i, r) in d.regions.iter().enumerate() {
        state_region_name(src, r, "durable_objects.regions")?;
        let canon = state_region(r.get_ref());
        if d.regions[..i].iter().any(|o| state_region(o.get_ref()) == canon) {
            return Err(at(src, r, format!("durable_objects.regions: \"{}\" is listed twice", r.get_ref())));
        }
    }
    if d.snapshot_interval.get_ref().sim() < MIN_SNAPSHOT_INTERVAL {
        return Err(at(
            src,
            &d.snapshot_interval,
            format!(
                "durable_objects.snapshot_interval: got \"{}\"; expected at least {MIN_SNAPSHOT_INTERVAL} (every object snapshots once per interval)",
                d.snapshot_interval.get_ref()
            ),
        ));
    }
    if let Some(w) = &d.wal_lag {
        check_dist(src, w, "durable_objects.wal_lag", true)?;
    }
    Ok(())
}

fn check_kv(spec: &ScenarioSpec, src: &Source) -> Check {
    let Some(kv) = &spec.kv else { return Ok(()) };
    if let Some(lag) = &kv.replication_lag {
        check_dist(src, lag, "kv.replication_lag", true)?;
    }
    let r = &kv.replicas;
    if let Some(service) = &r.service {
        check_dist(src, service, "kv.replicas.service", true)?;
    }
    let (min, max) = (r.min.get_ref().get(), r.max.get_ref().get());
    if min > max {
        // The key the file wrote (`max` may be the default).
        let span = if r.max.span().is_empty() { r.min.span() } else { r.max.span() };
        return Err(src.error_at(
            span,
            format!("kv.replicas: min {min} is above max {max}; expected min <= max (the seed: 2 to 10)"),
        ));
    }
    Ok(())
}

fn check_rate_limiter(spec: &ScenarioSpec, src: &Source) -> Check {
    let Some(l) = &spec.rate_limiter else { return Ok(()) };
    state_region_name(src, &l.do_region, "rate_limiter.do_region")?;
    let customers = l.customers.get_ref().get();
    let total = l.rps_per_customer.get_ref().get() * f64::from(customers);
    if total > MAX_LIMITER_RPS {
        return Err(at(
            src,
            &l.rps_per_customer,
            format!(
                "rate_limiter.rps_per_customer: {} x {customers} customers is {total:e} requests per second; expected at most {MAX_LIMITER_RPS:e} together",
                l.rps_per_customer.get_ref()
            ),
        ));
    }
    let windows = spec.scenario.duration.get_ref().as_nanos().div_ceil(l.window.get_ref().as_nanos());
    let cells = windows.saturating_mul(u64::from(customers));
    if cells > MAX_LIMITER_CELLS {
        return Err(at(
            src,
            &l.window,
            format!(
                "rate_limiter.window: {} gives {windows} windows over the run for {customers} customers ({cells} counters); expected at most {MAX_LIMITER_CELLS}: widen the window",
                l.window.get_ref()
            ),
        ));
    }
    Ok(())
}

fn check_rate_limits(spec: &ScenarioSpec, src: &Source) -> Check {
    let Some(r) = &spec.rate_limits else { return Ok(()) };
    let deployments = u64::from(r.accounts.get_ref().get()) * u64::from(r.deployments_per_account.get_ref().get());
    if deployments > MAX_DEPLOYMENTS {
        return Err(at(
            src,
            &r.deployments_per_account,
            format!(
                "rate_limits: {} accounts x {} deployments each = {deployments} deployments; expected at most {MAX_DEPLOYMENTS}",
                r.accounts.get_ref(),
                r.deployments_per_account.get_ref()
            ),
        ));
    }
    Ok(())
}

fn check_isolates(spec: &ScenarioSpec, src: &Source) -> Check {
    let Some(i) = &spec.isolates else { return Ok(()) };
    if i.server_gb.get_ref().get() <= 0.0 {
        return Err(at(src, &i.server_gb, "isolates.server_gb: got 0; expected a server memory above 0 GB"));
    }
    let (min, max) = (i.warm_pool_min.get_ref().get(), i.warm_pool_max.get_ref().get());
    if min > max {
        return Err(at(
            src,
            &i.warm_pool_min,
            format!("isolates.warm_pool_min: got {min}; expected at most warm_pool_max ({max})"),
        ));
    }
    if spec.rate_limits.is_some() {
        let given =
            [("deployments", i.deployments.as_ref().map(|d| d.span())), ("zipf", i.zipf.as_ref().map(|z| z.span()))];
        if let Some((key, Some(span))) = given.into_iter().find(|g| g.1.is_some()) {
            let msg = format!(
                "isolates.{key}: leave it out when [rate_limits] is set; requests' deployments are then the rate \
                 limits' (accounts x deployments_per_account, their zipf), so that both models see the same deployment"
            );
            return Err(src.error_at(span, msg));
        }
    }
    Ok(())
}

/// Most faults one scenario may hold.
pub(crate) const MAX_FAULTS: usize = 32;

fn check_anycast(spec: &ScenarioSpec, src: &Source) -> Check {
    let hc = &spec.anycast.health_check;
    if hc.timeout.sim() > hc.interval.get_ref().sim() {
        return Err(at(
            src,
            &hc.interval,
            format!(
                "anycast.health_check: timeout {} is longer than the interval {}; expected timeout <= interval",
                hc.timeout,
                hc.interval.get_ref()
            ),
        ));
    }
    if let Some(phase) = hc.phase.as_ref().filter(|p| p.get_ref().sim() >= hc.interval.get_ref().sim()) {
        let (p, i) = (phase.get_ref(), hc.interval.get_ref());
        return Err(at(
            src,
            phase,
            format!("anycast.health_check.phase: got {p}; expected 0s <= phase < interval ({i})"),
        ));
    }
    Ok(())
}

fn check_autoscaling(spec: &ScenarioSpec, src: &Source) -> Check {
    let a = &spec.autoscaling;
    if a.enabled && a.min_servers > a.max_servers {
        return Err(src.error(format!(
            "autoscaling: min_servers {} and max_servers {}; expected 1 <= min_servers <= max_servers <= {MAX_SERVERS}",
            a.min_servers, a.max_servers
        )));
    }
    if a.enabled && a.cpu_down.0 >= a.cpu_up.0 {
        return Err(src.error(format!(
            "autoscaling: cpu_down {} is not below cpu_up {}; the scaler would flap",
            a.cpu_down.0, a.cpu_up.0
        )));
    }
    Ok(())
}

fn check_origin_faults(spec: &ScenarioSpec, src: &Source) -> Check {
    for (i, f) in spec.faults.iter().enumerate() {
        let kind = f.get_ref().kind;
        let origin = matches!(kind, FaultKind::OriginDown | FaultKind::OriginSlow | FaultKind::OriginErrors);
        if origin && spec.origin.is_none() {
            return Err(at(src, f, format!("fault[{}]: {} needs an [origin] table", i + 1, kind.as_str())));
        }
        let path_vector = matches!(spec.anycast.convergence.get_ref(), ConvergenceSpec::PathVector { .. });
        if kind.changes_routes() && !path_vector {
            return Err(at(
                src,
                f,
                format!(
                    "fault[{}]: {} changes BGP sessions, so it needs anycast.convergence = {{ model = \"path-vector\" }}",
                    i + 1,
                    kind.as_str()
                ),
            ));
        }
        let missing = match kind {
            FaultKind::ControlPlaneDown | FaultKind::ArtifactStoreDown if spec.control_plane.is_none() => {
                Some("[control_plane]")
            }
            FaultKind::KvPrimaryDown | FaultKind::KvReplicationLag if spec.kv.is_none() => Some("[kv]"),
            FaultKind::DoRegionDown if spec.durable_objects.is_none() => Some("[durable_objects]"),
            _ => None,
        };
        if let (FaultKind::DoRegionDown, Some(d), Some(r)) = (kind, &spec.durable_objects, &f.get_ref().region) {
            let struck = state_region(r.get_ref());
            if struck.is_some() && !d.regions.iter().any(|o| state_region(o.get_ref()) == struck) {
                return Err(at(
                    src,
                    r,
                    format!(
                        "fault[{}].region: do-region-down strikes \"{}\", which owns no Durable Objects; expected one of durable_objects.regions",
                        i + 1,
                        r.get_ref()
                    ),
                ));
            }
        }
        if let Some(table) = missing {
            return Err(at(
                src,
                f,
                format!("fault[{}]: {} needs a {table} table; this scenario has none", i + 1, kind.as_str()),
            ));
        }
    }
    Ok(())
}

/// Under `path-vector`, catchments come from the AS graph: the drawn
/// models' catchment knobs do not apply.
fn check_path_vector(spec: &ScenarioSpec, src: &Source) -> Check {
    let a = &spec.anycast;
    if !matches!(a.convergence.get_ref(), ConvergenceSpec::PathVector { .. }) {
        return Ok(());
    }
    let drawn =
        [("off_nearest_share", a.off_nearest_share.0), ("unstable_share", a.unstable_share.map_or(0.0, |u| u.0))];
    for (key, share) in drawn {
        if share > 0.0 {
            return Err(at(
                src,
                &a.convergence,
                format!("anycast.{key}: path-vector draws catchments from the AS graph; remove {key} (or use model = \"fixed\")"),
            ));
        }
    }
    Ok(())
}

fn check_faults(spec: &ScenarioSpec, src: &Source) -> Check {
    check_origin_faults(spec, src)?;
    check_path_vector(spec, src)?;
    let run_end = spec.scenario.duration.get_ref().sim();
    if spec.faults.len() > MAX_FAULTS {
        return Err(at(
            src,
            &spec.faults[MAX_FAULTS],
            format!("[[fault]]: more than {MAX_FAULTS} faults in one scenario"),
        ));
    }
    for (i, f) in spec.faults.iter().enumerate() {
        let here = format!("fault[{}]", i + 1);
        let fault = f.get_ref();
        let start = fault.at.get_ref().sim();
        if start >= run_end {
            return Err(at(
                src,
                &fault.at,
                format!(
                    "{here}.at: {} is not before the end of the run ({})",
                    fault.at.get_ref(),
                    spec.scenario.duration.get_ref()
                ),
            ));
        }
        if let Some(d) = &fault.lasts {
            if d.get_ref().as_nanos() == 0 {
                return Err(at(src, d, format!("{here}.for: must be greater than zero")));
            }
        }
        check_fault_target(src, f, &here)?;
        for (j, g) in spec.faults.iter().enumerate().take(i) {
            let other = g.get_ref();
            if same_target(other, fault) && overlaps(other, fault, run_end) {
                return Err(at(
                    src,
                    f,
                    format!(
                        "{here}: {} overlaps fault[{}] ({}) on the same target; faults on one target must not overlap",
                        fault.kind.as_str(),
                        j + 1,
                        other.kind.as_str()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Checks that a fault names what its kind strikes, and nothing else.
fn check_fault_target(src: &Source, f: &Spanned<super::schema::FaultSpec>, here: &str) -> Check {
    let fault = f.get_ref();
    let kind = fault.kind.as_str();
    check_route_fault(src, f, here)?;
    match (fault.kind.names_pop(), &fault.pop) {
        (true, None) => return Err(at(src, f, format!("{here}: {kind} needs pop = \"CODE\""))),
        (false, Some(p)) => return Err(at(src, p, format!("{here}.pop: {kind} strikes no single PoP; remove pop"))),
        _ => {}
    }
    match (fault.kind.strikes_region(), &fault.region) {
        (true, None) => return Err(at(src, f, format!("{here}: {kind} needs region = \"NA\", \"EU\" or \"APAC\""))),
        (false, Some(r)) => return Err(at(src, r, format!("{here}.region: {kind} strikes no region; remove region"))),
        (true, Some(r)) if state_region(r.get_ref()).is_none() => {
            return Err(at(
                src,
                r,
                format!("{here}.region: unknown state region \"{}\"; expected NA, EU or APAC", r.get_ref()),
            ))
        }
        _ => {}
    }
    match (fault.kind, fault.capacity) {
        (FaultKind::PopDegraded, None) => {
            return Err(at(src, f, format!("{here}: pop-degraded needs capacity = <share of servers left, 0..1>")))
        }
        (FaultKind::PopDegraded, Some(_)) | (_, None) => {}
        (_, Some(_)) => return Err(at(src, f, format!("{here}: capacity applies to pop-degraded only, not {kind}"))),
    }
    match (fault.kind, fault.lag) {
        (FaultKind::KvReplicationLag, None) => {
            return Err(at(
                src,
                f,
                format!("{here}: kv-replication-lag needs lag = <the replication lag while it lasts>"),
            ))
        }
        (FaultKind::KvReplicationLag, Some(_)) | (_, None) => {}
        (_, Some(_)) => return Err(at(src, f, format!("{here}: lag applies to kv-replication-lag only, not {kind}"))),
    }
    match (fault.kind, fault.latency) {
        (FaultKind::OriginSlow, None) => {
            return Err(at(src, f, format!("{here}: origin-slow needs latency = <extra time per origin request>")))
        }
        (FaultKind::OriginSlow, Some(_)) | (_, None) => {}
        (_, Some(_)) => return Err(at(src, f, format!("{here}: latency applies to origin-slow only, not {kind}"))),
    }
    match (fault.kind, fault.error_rate) {
        (FaultKind::OriginErrors, None) => {
            Err(at(src, f, format!("{here}: origin-errors needs error_rate = <share of error answers, 0..1>")))
        }
        (FaultKind::OriginErrors, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(at(src, f, format!("{here}: error_rate applies to origin-errors only, not {kind}"))),
    }
}

/// Checks the keys of the faults that change routes (`peer`, `times`).
fn check_route_fault(src: &Source, f: &Spanned<super::schema::FaultSpec>, here: &str) -> Check {
    let fault = f.get_ref();
    let kind = fault.kind.as_str();
    match (fault.kind.names_peer(), &fault.peer) {
        (true, None) => return Err(at(src, f, format!("{here}: {kind} needs peer = \"AS\" (e.g. \"T1-2\")"))),
        (false, Some(p)) => return Err(at(src, p, format!("{here}.peer: {kind} names no neighbour AS; remove peer"))),
        _ => {}
    }
    match (fault.kind == FaultKind::Prepend, &fault.times) {
        (true, None) => Err(at(src, f, format!("{here}: prepend needs times = <extra copies of the edge AS, 0..16>"))),
        (false, Some(t)) => Err(at(src, t, format!("{here}.times: times applies to prepend only, not {kind}"))),
        _ => Ok(()),
    }
}

fn same_target(a: &super::schema::FaultSpec, b: &super::schema::FaultSpec) -> bool {
    let name = |s: &Option<Spanned<String>>| s.as_ref().map(|v| v.get_ref().to_ascii_uppercase());
    if a.kind.changes_routes() || b.kind.changes_routes() {
        return a.kind == b.kind && name(&a.pop) == name(&b.pop) && name(&a.peer) == name(&b.peer);
    }
    match (a.kind.strikes_pop() || a.kind.strikes_region(), b.kind.strikes_pop() || b.kind.strikes_region()) {
        (true, true) => name(&a.pop) == name(&b.pop) && name(&a.region) == name(&b.region),
        (false, false) => a.kind == b.kind,
        _ => false,
    }
}

fn overlaps(a: &super::schema::FaultSpec, b: &super::schema::FaultSpec, run_end: crate::engine::SimDuration) -> bool {
    let span = |f: &super::schema::FaultSpec| {
        let start = f.at.get_ref().sim();
        let end = f.lasts.as_ref().map_or(run_end, |d| start + d.get_ref().sim());
        (start, end)
    };
    let (a0, a1) = span(a);
    let (b0, b1) = span(b);
    a0 < b1 && b0 < a1
}

/// `[[failure]]`: at most [`super::schema::MAX_FAILURES`], each with the
/// keys of its kind ([`super::schema::FailureSpec::check`]).
fn check_failures(spec: &ScenarioSpec, src: &Source) -> Check {
    let max = super::schema::MAX_FAILURES;
    if let Some(f) = spec.failures.get(max) {
        return Err(at(src, f, format!("[[failure]]: more than {max} failure processes in one scenario")));
    }
    for (i, f) in spec.failures.iter().enumerate() {
        if let Err((span, message)) = f.get_ref().check(&format!("failure[{}]", i + 1)) {
            return Err(src.error_at(span.unwrap_or_else(|| f.span()), message));
        }
    }
    Ok(())
}

/// Most entries one per-PoP table may hold over all PoPs: KV caches (keys
/// x PoPs), limiter caches (customers x PoPs), rate-limit windows
/// (deployments x PoPs) and anycast routes (client networks x PoPs).
pub(crate) const MAX_TABLE_ENTRIES: u64 = 20_000_000;

/// Checks that the tables the model keeps per PoP stay a sane size, given
/// the resolved topology's `pops` and client `sites`.
pub(crate) fn check_table_sizes(spec: &ScenarioSpec, src: &Source, pops: usize, sites: usize) -> Check {
    let pops = pops as u64;
    let nets = &spec.anycast.networks_per_site;
    let mut tables: Vec<(String, u64, Option<std::ops::Range<usize>>)> = vec![(
        format!("anycast.networks_per_site: {} networks x {sites} client sites", nets.get_ref()),
        u64::from(nets.get_ref().get()) * sites as u64,
        Some(nets.span()),
    )];
    if let Some(k) = &spec.kv {
        tables.push((
            format!("kv.keys: {} keys", k.keys.get_ref()),
            u64::from(k.keys.get_ref().get()),
            Some(k.keys.span()),
        ));
    }
    if let Some(l) = &spec.rate_limiter {
        let c = &l.customers;
        tables.push((
            format!("rate_limiter.customers: {} customers", c.get_ref()),
            u64::from(c.get_ref().get()),
            Some(c.span()),
        ));
    }
    if let Some(r) = &spec.rate_limits {
        let d = u64::from(r.accounts.get_ref().get()) * u64::from(r.deployments_per_account.get_ref().get());
        tables.push((format!("rate_limits: {d} deployments"), d, Some(r.deployments_per_account.span())));
    }
    for (what, per_pop, span) in tables {
        let entries = per_pop.saturating_mul(pops);
        if entries > MAX_TABLE_ENTRIES {
            let msg = format!(
                "{what} x {pops} PoPs = {entries} table entries; expected at most {MAX_TABLE_ENTRIES}: use fewer, or fewer PoPs"
            );
            return Err(match span {
                Some(s) if !(s.is_empty() && s.start == 0) => src.error_at(s, msg),
                _ => src.error(msg),
            });
        }
    }
    Ok(())
}
