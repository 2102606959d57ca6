//! Checks of the `[[expect]]` tables: windows within the run, bounds that
//! can be met, faults and PoPs they name, keys their metric needs.

use super::{at, Check};
use crate::scenario::error::Source;
use crate::scenario::schema::{ExpectSpec, FaultNumber, ScenarioSpec};
use toml::Spanned;

pub(super) fn check_expectations(spec: &ScenarioSpec, src: &Source) -> Check {
    let run_end = spec.scenario.duration.get_ref().sim();
    for (i, e) in spec.expectations.iter().enumerate() {
        let here = format!("expect[{}]", i + 1);
        let (window, bounds) = match e.get_ref() {
            ExpectSpec::Availability(r) | ExpectSpec::Utilisation(r) | ExpectSpec::PWait(r) => {
                (&r.window, r.bounds().given())
            }
            ExpectSpec::ColdStartRate(r) => {
                if spec.isolates.is_none() {
                    return Err(at(
                        src,
                        e,
                        format!("{here}: cold_start_rate needs an [isolates] table; this scenario has none"),
                    ));
                }
                (&r.window, r.bounds().given())
            }
            ExpectSpec::MeanWait(d) => (&d.window, d.bounds().given()),
            ExpectSpec::Rto(f) | ExpectSpec::Detection(f) | ExpectSpec::Withdrawal(f) | ExpectSpec::Converged(f) => {
                check_fault_ref(src, spec, &f.fault, &here)?;
                if f.share.is_some() && !matches!(e.get_ref(), ExpectSpec::Converged(_)) {
                    let span = f.share.as_ref().map_or(e.span(), |s| s.span());
                    return Err(src.error_at(span, format!("{here}.share: applies to converged only")));
                }
                (&None, f.bounds().given())
            }
            ExpectSpec::Rpo(f) => {
                check_fault_ref(src, spec, &f.fault, &here)?;
                (&None, f.bounds().given())
            }
            ExpectSpec::ObjectRto(p)
            | ExpectSpec::KvStaleness(p)
            | ExpectSpec::KvReadLatency(p)
            | ExpectSpec::DoWriteLatency(p) => {
                let needs_fault = matches!(e.get_ref(), ExpectSpec::ObjectRto(_));
                match (&p.fault, needs_fault) {
                    (Some(f), true) => check_fault_ref(src, spec, f, &here)?,
                    (None, true) => {
                        return Err(at(src, e, format!("{here}: object_rto needs fault = <number of the [[fault]]>")))
                    }
                    (Some(f), false) => return Err(at(src, f, format!("{here}.fault: applies to object_rto only"))),
                    (None, false) => {}
                }
                (&None, p.bounds().given())
            }
            ExpectSpec::MaxLevel(l) | ExpectSpec::LevelAt(l) => {
                let is_at = matches!(e.get_ref(), ExpectSpec::LevelAt(_));
                match (&l.at, is_at) {
                    (None, true) => return Err(at(src, e, format!("{here}: level_at needs at = \"<time>\""))),
                    (Some(a), false) => return Err(at(src, a, format!("{here}.at: applies to level_at only"))),
                    (Some(a), true) if a.get_ref().sim() >= run_end => {
                        return Err(at(src, a, format!("{here}.at: {} is not within the run", a.get_ref())))
                    }
                    _ => {}
                }
                if let (Some(p), true) = (&l.pop, is_at) {
                    return Err(at(src, p, format!("{here}.pop: level_at is about the global level; remove pop")));
                }
                let bounds = [l.lt.is_some() || l.eq.is_some(), l.le.is_some(), l.gt.is_some(), l.ge.is_some()];
                if l.eq.is_some() && bounds[1..].iter().any(|b| *b) || l.eq.is_some() && l.lt.is_some() {
                    return Err(at(src, e, format!("{here}: give eq alone, or lt/le/gt/ge")));
                }
                (&None, bounds)
            }
            ExpectSpec::TimeInLevel(t) => (&None, t.bounds().given()),
            ExpectSpec::BackToLevel0(f) => {
                check_fault_ref(src, spec, &f.fault, &here)?;
                (&None, f.bounds().given())
            }
            ExpectSpec::LimiterOveradmission(l) => {
                let which = l.limiter.get_ref();
                if which != "kv" && which != "do" {
                    return Err(at(
                        src,
                        &l.limiter,
                        format!("{here}.limiter: got \"{which}\"; expected \"kv\" or \"do\""),
                    ));
                }
                (&None, l.bounds().given())
            }
            ExpectSpec::RequestsLost(c)
            | ExpectSpec::WritesLost(c)
            | ExpectSpec::KvWritesDropped(c)
            | ExpectSpec::KvWritesFailed(c)
            | ExpectSpec::RetryAmplification(c)
            | ExpectSpec::BreakerOpened(c)
            | ExpectSpec::DeploymentsFailed(c)
            | ExpectSpec::Shed(c)
            | ExpectSpec::Spilled(c)
            | ExpectSpec::AttemptsPerRequest(c) => {
                let needs_fault = matches!(e.get_ref(), ExpectSpec::RequestsLost(_) | ExpectSpec::WritesLost(_));
                match (&c.fault, needs_fault) {
                    (Some(f), true) => check_fault_ref(src, spec, f, &here)?,
                    (None, true) => return Err(at(src, e, format!("{here}: needs fault = <number of the [[fault]]>"))),
                    (Some(f), false) => {
                        return Err(at(src, f, format!("{here}.fault: applies to requests_lost and writes_lost only")))
                    }
                    (None, false) => {}
                }
                (&None, c.bounds().given())
            }
            ExpectSpec::Latency(l) => (&l.window, l.bounds().given()),
            ExpectSpec::AvailabilityAnnual(_)
            | ExpectSpec::DowntimeMinutes(_)
            | ExpectSpec::Mttr(_)
            | ExpectSpec::Mtbf(_)
            | ExpectSpec::IncidentRto(_) => {
                let given = e.get_ref().horizon_bounds(!spec.failures.is_empty(), &here).unwrap_or(Ok([false; 4]));
                (&None, given.map_err(|m| at(src, e, m))?)
            }
        };
        if !bounds.iter().any(|b| *b) {
            return Err(at(src, e, format!("{here}: no bound given; add one of lt, le, gt, ge (e.g. ge = 0.999)")));
        }
        if bounds[0] && bounds[1] || bounds[2] && bounds[3] {
            return Err(at(
                src,
                e,
                format!("{here}: give at most one upper bound (lt or le) and one lower bound (gt or ge)"),
            ));
        }
        if let Some(w) = window {
            let [_, end] = *w.get_ref();
            if end.sim() > run_end {
                return Err(at(
                    src,
                    w,
                    format!("{here}.window: ends at {end}, after the run ({})", spec.scenario.duration.get_ref()),
                ));
            }
        }
    }
    Ok(())
}

fn check_fault_ref(src: &Source, spec: &ScenarioSpec, f: &Spanned<FaultNumber>, here: &str) -> Check {
    let n = f.get_ref().get() as usize;
    if n > spec.faults.len() {
        return Err(at(
            src,
            f,
            format!(
                "{here}.fault: no fault number {n}; the file has {} [[fault]] tables, numbered from 1",
                spec.faults.len()
            ),
        ));
    }
    Ok(())
}
