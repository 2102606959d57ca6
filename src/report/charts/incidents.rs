//! The failure processes' incidents as the charts see them: the run's
//! [`INCIDENTS_CSV`] (written after a run with `[[failure]]`, one row per
//! listed incident), read back into [`IncidentRow`]s, and the pure
//! computations the three incident charts draw: the marks on the
//! availability-per-day time axis ([`day_marks`]), the RTO ECDF
//! ([`rto_ecdf`]) and the PoP downtime by cause ([`downtime_by_cause`]).

use super::input::Csv;
use super::ChartError;
use crate::engine::SimTime;
use crate::failures::Cause;
use crate::report::CsvText;
use crate::scenario::schema::FaultKind;
use crate::sim::{IncidentRecord, IncidentResult, RunResult};
use crate::world::World;
use std::path::Path;

/// The incidents file of a run with failure processes.
pub const INCIDENTS_CSV: &str = "incidents.csv";
/// Seconds in a day.
const DAY_S: f64 = 86_400.0;
/// The causes, in the order the charts show them.
pub const CAUSES: [&str; 3] = ["random", "human", "regional"];

/// `incidents.csv`: one row per incident the run listed (in order of
/// their start): `start_s` and `end_s` (s since the start; the end clipped
/// to the run's end), `kind`, `target`, `cause` (`random`, `human`,
/// `regional`), `event` (a regional event's number, else empty),
/// `process` (its `[[failure]]`, from 0), `already_down` (0/1), `pops`
/// (the codes of the PoPs it takes down, space-separated: a PoP incident
/// its PoP, a `region-down` its state region's PoPs, others none),
/// `rto_s` (empty when not measured or not recovered), `rto_measured`
/// (0/1) and `requests_lost`. `None` for a run without failure processes.
pub fn incidents_csv(result: &RunResult, world: &World) -> Option<String> {
    let inc = result.incidents.as_ref()?;
    Some(incidents_csv_of(inc, result.end, |r| pops_taken(r, world)))
}

/// [`incidents_csv`] of the incidents `inc` of a run ending at `end`,
/// `pops_of` giving the PoPs each takes down.
fn incidents_csv_of(inc: &IncidentResult, end: SimTime, pops_of: impl Fn(&IncidentRecord) -> Vec<String>) -> String {
    let mut out = CsvText::new([
        "start_s",
        "end_s",
        "kind",
        "target",
        "cause",
        "event",
        "process",
        "already_down",
        "pops",
        "rto_s",
        "rto_measured",
        "requests_lost",
    ]);
    for r in &inc.records {
        let event = match r.cause {
            Cause::Regional { event } => event.to_string(),
            _ => String::new(),
        };
        out.row([
            ns_secs(r.start.as_nanos()),
            ns_secs(r.end.min(end).as_nanos()),
            r.kind.as_str().to_string(),
            r.target.clone(),
            r.cause.as_str().to_string(),
            event,
            r.process.to_string(),
            u8::from(r.already_down).to_string(),
            pops_of(r).join(" "),
            r.rto.map_or_else(String::new, |d| ns_secs(d.as_nanos())),
            u8::from(r.rto_measured).to_string(),
            r.requests_lost.to_string(),
        ]);
    }
    out.finish()
}

/// Nanoseconds as seconds with all nine decimals (exact, so the file's
/// bytes depend on the integer time alone).
fn ns_secs(ns: u64) -> String {
    format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000)
}

/// The codes of the PoPs an incident takes down (its record's PoPs): a
/// `region-down` of a state region takes every PoP of its catalog region;
/// an incident whose target is a PoP takes that PoP; others take none.
pub fn pops_taken(r: &IncidentRecord, world: &World) -> Vec<String> {
    r.pops.iter().filter_map(|&p| world.pops.get(p as usize)).map(|p| p.code.clone()).collect()
}

/// One row of incidents.csv.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct IncidentRow {
    pub(super) start_s: f64,
    /// Clipped to the run's end.
    pub(super) end_s: f64,
    pub(super) kind: String,
    pub(super) cause: String,
    /// A regional event's number.
    pub(super) event: Option<u32>,
    pub(super) pops: Vec<String>,
    pub(super) rto_s: Option<f64>,
    pub(super) rto_measured: bool,
}

/// Reads incidents.csv.
pub(super) fn read_incidents(path: &Path) -> Result<Vec<IncidentRow>, ChartError> {
    let columns = |csv: &Csv| -> Result<[usize; 8], ChartError> {
        Ok([
            csv.column("start_s")?,
            csv.column("end_s")?,
            csv.column("kind")?,
            csv.column("cause")?,
            csv.column("event")?,
            csv.column("pops")?,
            csv.column("rto_s")?,
            csv.column("rto_measured")?,
        ])
    };
    Csv::read(path, columns, |r, &[start, end, kind, cause, event, pops, rto, measured]| {
        let (start_s, end_s) = (r.required(start)?, r.required(end)?);
        if end_s < start_s {
            return Err(ChartError::new(path, format!("line {}: end_s before start_s", r.line)));
        }
        Ok(IncidentRow {
            start_s,
            end_s,
            kind: r.text(kind),
            cause: r.text(cause),
            event: r.number(event)?.map(|e| e as u32),
            pops: r.text(pops).split_whitespace().map(str::to_string).collect(),
            rto_s: r.number(rto)?,
            rto_measured: r.required(measured)? != 0.0,
        })
    })
}

// ------------------------------------------------------------------ marks

/// How an incident is marked on the availability chart's day axis.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DayMark {
    /// Start and end, days since the start of the run.
    pub(super) from: f64,
    pub(super) to: f64,
    /// `random`, `human` or `regional`.
    pub(super) cause: String,
    /// A span across the whole plot (a regional event or a region-down),
    /// rather than a tick in its cause's lane.
    pub(super) span: bool,
    /// Incidents it stands for (a regional event's PoPs).
    pub(super) incidents: usize,
}

/// The marks: each regional event as one span from its first incident's
/// start to its last one's end, each `region-down` as a span, every other
/// incident as a tick; in order of their start (ties: input order).
pub(super) fn day_marks(rows: &[IncidentRow]) -> Vec<DayMark> {
    let mut marks: Vec<DayMark> = Vec::new();
    let mut events: Vec<(u32, usize)> = Vec::new();
    for r in rows {
        let (from, to) = (r.start_s / DAY_S, r.end_s / DAY_S);
        if let (Some(e), "regional") = (r.event, r.cause.as_str()) {
            if let Some(&(_, i)) = events.iter().find(|(n, _)| *n == e) {
                let m = &mut marks[i];
                (m.from, m.to, m.incidents) = (m.from.min(from), m.to.max(to), m.incidents + 1);
                continue;
            }
            events.push((e, marks.len()));
        }
        let span = r.cause == "regional" || r.kind == FaultKind::RegionDown.as_str();
        marks.push(DayMark { from, to, cause: r.cause.clone(), span, incidents: 1 });
    }
    marks.sort_by(|a, b| a.from.total_cmp(&b.from));
    marks
}

// ------------------------------------------------------------------- ECDF

/// The empirical CDF of the RTOs of a set of incidents whose RTO was
/// measured.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Ecdf {
    /// (RTO s, share of the measured incidents recovered within it), one
    /// point per distinct RTO, ascending: the step's top.
    pub(super) points: Vec<(f64, f64)>,
    /// Incidents measured.
    pub(super) measured: usize,
    /// Of those, not recovered within the window (no RTO).
    pub(super) unrecovered: usize,
}

/// The ECDF of `rtos` (one per measured incident, `None`: not recovered
/// within the window). The denominator is every measured incident, so the
/// curve ends at the share recovered, below 1 when some were not.
pub(super) fn rto_ecdf(rtos: &[Option<f64>]) -> Ecdf {
    let mut values: Vec<f64> = rtos.iter().flatten().copied().collect();
    values.sort_by(f64::total_cmp);
    let n = rtos.len().max(1) as f64;
    let mut points: Vec<(f64, f64)> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let share = (i + 1) as f64 / n;
        match points.last_mut() {
            Some(last) if last.0 == *v => last.1 = share,
            _ => points.push((*v, share)),
        }
    }
    Ecdf { points, measured: rtos.len(), unrecovered: rtos.len() - values.len() }
}

/// The measured RTOs of the incidents of `kind`.
pub(super) fn measured_rtos(rows: &[IncidentRow], kind: &str) -> Vec<Option<f64>> {
    rows.iter().filter(|r| r.rto_measured && r.kind == kind).map(|r| r.rto_s).collect()
}

// --------------------------------------------------------------- downtime

/// PoP downtime (s) by cause ([`CAUSES`] order) and by kind within it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Downtime {
    /// (cause, kind, PoP-seconds), every cause and kind with downtime, in
    /// [`CAUSES`] order then kind name order.
    pub(super) bars: Vec<(String, String, f64)>,
}

impl Downtime {
    /// PoP-seconds of `cause` over every kind.
    pub(super) fn of_cause(&self, cause: &str) -> f64 {
        self.bars.iter().filter(|b| b.0 == cause).map(|b| b.2).sum()
    }

    /// The kinds present, in name order.
    pub(super) fn kinds(&self) -> Vec<String> {
        let mut k: Vec<String> = self.bars.iter().map(|b| b.1.clone()).collect();
        k.sort();
        k.dedup();
        k
    }
}

/// PoP downtime by cause: each incident's time (start to its end clipped
/// to the run) on each PoP it takes down, with overlaps on one PoP counted
/// once: a moment a PoP is held down by several incidents belongs to the
/// one that started first (the one that took it down), so the total is the
/// PoPs' down time from the listed incidents.
pub(super) fn downtime_by_cause(rows: &[IncidentRow]) -> Downtime {
    let mut by_pop: Vec<(&str, f64, f64, usize)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        by_pop.extend(r.pops.iter().map(|p| (p.as_str(), r.start_s, r.end_s, i)));
    }
    by_pop.sort_by(|a, b| a.0.cmp(b.0).then(a.1.total_cmp(&b.1)).then(a.3.cmp(&b.3)));
    let mut bars: Vec<(String, String, f64)> = Vec::new();
    let mut covered: Option<(&str, f64)> = None;
    for (pop, start, end, i) in by_pop {
        let from = match covered {
            Some((p, until)) if p == pop => start.max(until),
            _ => start,
        };
        covered = Some((pop, covered.filter(|c| c.0 == pop).map_or(end, |c| c.1.max(end))));
        let (cause, kind) = (&rows[i].cause, &rows[i].kind);
        match bars.iter_mut().find(|b| &b.0 == cause && &b.1 == kind) {
            Some(b) => b.2 += (end - from).max(0.0),
            None => bars.push((cause.clone(), kind.clone(), (end - from).max(0.0))),
        }
    }
    let rank = |c: &str| CAUSES.iter().position(|x| *x == c).unwrap_or(CAUSES.len());
    bars.retain(|b| b.2 > 0.0);
    bars.sort_by(|a, b| rank(&a.0).cmp(&rank(&b.0)).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    Downtime { bars }
}

#[cfg(test)]
#[path = "incidents_tests.rs"]
mod tests;
