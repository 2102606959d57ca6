//! What the charts read: the typed summary.json and the CSV time series
//! of a results folder.

use super::{ChartError, DO_STEPS, FAULT_STEPS};
use crate::report::summary::FaultSummary;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------- inputs

/// What the charts need from summary.json.
pub(super) struct RunInfo {
    scenario: String,
    seed: String,
    pub(super) duration_s: f64,
    pub(super) warmup_s: f64,
    pub(super) bucket_s: f64,
    pub(super) faults: Vec<FaultInfo>,
}

/// One fault: what, when, and its steps (s after the fault) in order.
pub(super) struct FaultInfo {
    kind: String,
    pub(super) target: String,
    pub(super) at_s: f64,
    pub(super) steps: Vec<(String, f64)>,
    pub(super) durable: Option<DurableInfo>,
}

/// A fault's Durable Object migration.
pub(super) struct DurableInfo {
    pub(super) objects: u64,
    pub(super) rpo_s: f64,
    pub(super) writes_lost: u64,
    pub(super) rto_s: [f64; 3],
    pub(super) steps: Vec<(String, f64)>,
}

/// Sorts steps by time, ties in the `order` given (unknown names last).
pub(crate) fn ordered_steps(mut steps: Vec<(String, f64)>, order: &[&str]) -> Vec<(String, f64)> {
    let rank = |n: &str| order.iter().position(|o| *o == n).unwrap_or(order.len());
    steps.sort_by(|a, b| a.1.total_cmp(&b.1).then(rank(&a.0).cmp(&rank(&b.0))).then(a.0.cmp(&b.0)));
    steps
}

impl RunInfo {
    pub(super) fn read(path: &Path) -> Result<RunInfo, ChartError> {
        let s = crate::report::summary::read(path).map_err(|e| ChartError::new(path, e.reason()))?;
        if s.sim_duration_s <= 0.0 {
            return Err(ChartError::new(path, "sim_duration_s: must be positive"));
        }
        Ok(RunInfo {
            scenario: s.scenario,
            seed: s.seed.to_string(),
            duration_s: s.sim_duration_s,
            warmup_s: s.warmup_s,
            bucket_s: s.bucket_s,
            faults: s.faults.iter().map(FaultInfo::from).collect(),
        })
    }

    /// "pop-failure, seed 42": what every subtitle starts with.
    pub(super) fn context(&self) -> String {
        format!("scenario {}, seed {}", self.scenario, self.seed)
    }
}

/// A timeline as (step, seconds) sorted by [`ordered_steps`].
fn steps(timeline: &BTreeMap<String, f64>, order: &[&str]) -> Vec<(String, f64)> {
    ordered_steps(timeline.iter().map(|(k, v)| (k.clone(), *v)).collect(), order)
}

impl From<&FaultSummary> for FaultInfo {
    fn from(f: &FaultSummary) -> FaultInfo {
        FaultInfo {
            kind: f.kind.clone(),
            target: f.target.clone(),
            at_s: f.at_s,
            steps: steps(&f.timeline, &FAULT_STEPS),
            durable: f.durable_objects.as_ref().map(|d| DurableInfo {
                objects: d.objects as u64,
                rpo_s: d.rpo_s,
                writes_lost: d.writes_lost,
                rto_s: [d.object_rto_s.p50, d.object_rto_s.p99, d.object_rto_s.max],
                steps: steps(&d.timeline, &DO_STEPS),
            }),
        }
    }
}

impl FaultInfo {
    /// When the fault ended, s since the start (None: it lasted to the end).
    pub(super) fn end_s(&self) -> Option<f64> {
        self.steps.iter().find(|(n, _)| n == "pop_restored").map(|(_, s)| self.at_s + s)
    }

    pub(super) fn name(&self) -> String {
        format!("{} {}", self.kind, self.target)
    }
}

/// A CSV file read whole: header and rows of text fields.
struct Csv {
    pub(super) path: PathBuf,
    pub(super) header: Vec<String>,
    pub(super) rows: Vec<Vec<String>>,
}

impl Csv {
    /// Reads the file with the `csv` crate: fields trimmed, blank lines
    /// skipped, every row as wide as the header.
    pub(super) fn read(path: &Path) -> Result<Csv, ChartError> {
        let file = fs::File::open(path).map_err(|e| ChartError::new(path, format!("cannot read: {e}")))?;
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(file);
        let mut records = reader.records().filter(|r| r.as_ref().map_or(true, |r| !(r.len() == 1 && r[0].is_empty())));
        let header: Vec<String> = match records.next() {
            Some(h) => row(path, h)?.1,
            None => return Err(ChartError::new(path, "empty file: no header")),
        };
        let mut rows = Vec::new();
        for record in records {
            let (line, fields) = row(path, record)?;
            if fields.len() != header.len() {
                let msg = format!("line {line}: {} fields, the header has {}", fields.len(), header.len());
                return Err(ChartError::new(path, msg));
            }
            rows.push(fields);
        }
        Ok(Csv { path: path.to_path_buf(), header, rows })
    }

    fn column(&self, name: &str) -> Result<usize, ChartError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ChartError::new(&self.path, format!("no column \"{name}\" in the header")))
    }

    /// The number in row `r`, column `c`; `None` for an empty cell.
    fn number(&self, r: usize, c: usize) -> Result<Option<f64>, ChartError> {
        let cell = &self.rows[r][c];
        if cell.is_empty() {
            return Ok(None);
        }
        match cell.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(ChartError::new(
                &self.path,
                format!("line {}, column {}: not a number: \"{cell}\"", r + 2, self.header[c]),
            )),
        }
    }

    /// Like `number`, but an empty cell is an error.
    fn required(&self, r: usize, c: usize) -> Result<f64, ChartError> {
        self.number(r, c)?
            .ok_or_else(|| ChartError::new(&self.path, format!("line {}, column {}: empty", r + 2, self.header[c])))
    }
}

/// A record's line number and fields, or the error naming the file.
fn row(path: &Path, record: csv::Result<csv::StringRecord>) -> Result<(u64, Vec<String>), ChartError> {
    let record = record.map_err(|e| ChartError::new(path, format!("not CSV: {e}")))?;
    let line = record.position().map_or(0, csv::Position::line);
    Ok((line, record.iter().map(str::to_string).collect()))
}

/// One row of timeseries.csv.
pub(super) struct Bucket {
    pub(super) t: f64,
    pub(super) availability: Option<f64>,
    pub(super) p50: Option<f64>,
    pub(super) p99: Option<f64>,
}

pub(super) fn read_buckets(path: &Path) -> Result<Vec<Bucket>, ChartError> {
    let csv = Csv::read(path)?;
    let cols = ["t_s", "availability", "latency_p50_ms", "latency_p99_ms"].map(|n| csv.column(n));
    let [t, a, p50, p99] = [cols[0].clone()?, cols[1].clone()?, cols[2].clone()?, cols[3].clone()?];
    (0..csv.rows.len())
        .map(|r| {
            Ok(Bucket {
                t: csv.required(r, t)?,
                availability: csv.number(r, a)?,
                p50: csv.number(r, p50)?,
                p99: csv.number(r, p99)?,
            })
        })
        .collect()
}

/// One row of pops_timeseries.csv.
pub(super) struct PopTick {
    pub(super) t: f64,
    pub(super) pop: String,
    pub(super) arrivals: f64,
    pub(super) shed_level: f64,
}

pub(super) fn read_pop_ticks(path: &Path) -> Result<Vec<PopTick>, ChartError> {
    let csv = Csv::read(path)?;
    let (t, pop, arr, lvl) =
        (csv.column("t_s")?, csv.column("pop")?, csv.column("arrivals")?, csv.column("shed_level")?);
    (0..csv.rows.len())
        .map(|r| {
            Ok(PopTick {
                t: csv.required(r, t)?,
                pop: csv.rows[r][pop].clone(),
                arrivals: csv.required(r, arr)?,
                shed_level: csv.required(r, lvl)?,
            })
        })
        .collect()
}

/// One row of levels.csv.
pub(super) struct LevelRow {
    pub(super) t: f64,
    pub(super) scope: String,
    pub(super) level: f64,
}

pub(super) fn read_levels(path: &Path) -> Result<Vec<LevelRow>, ChartError> {
    let csv = Csv::read(path)?;
    let (t, scope, level) = (csv.column("t_s")?, csv.column("scope")?, csv.column("level")?);
    (0..csv.rows.len())
        .map(|r| {
            Ok(LevelRow { t: csv.required(r, t)?, scope: csv.rows[r][scope].clone(), level: csv.required(r, level)? })
        })
        .collect()
}
