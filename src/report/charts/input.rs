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
    /// summary.json's `incidents.availability_by_day` (runs with
    /// `[[failure]]`).
    pub(super) availability_by_day: Option<Vec<Option<f64>>>,
    /// summary.json's `horizon.error_budget.target` (runs of a day or more).
    pub(super) availability_target: Option<f64>,
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
            availability_by_day: s.incidents.map(|i| i.availability_by_day),
            availability_target: s.horizon.map(|h| h.error_budget.target),
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

/// A CSV file read record by record into typed rows (a long run's per-PoP
/// series has millions of cells: they are never all held as text).
pub(super) struct Csv {
    path: PathBuf,
    header: Vec<String>,
}

/// One record of a [`Csv`], with its line number.
pub(super) struct Record<'a> {
    csv: &'a Csv,
    pub(super) line: u64,
    fields: csv::StringRecord,
}

impl Csv {
    /// Reads the file with the `csv` crate (fields trimmed, blank lines
    /// skipped, every row as wide as the header), making each record a `T`
    /// with `make`, which finds its columns by name first with `columns`.
    pub(super) fn read<T, C>(
        path: &Path,
        columns: impl FnOnce(&Csv) -> Result<C, ChartError>,
        make: impl Fn(&Record<'_>, &C) -> Result<T, ChartError>,
    ) -> Result<Vec<T>, ChartError> {
        let file = fs::File::open(path).map_err(|e| ChartError::new(path, format!("cannot read: {e}")))?;
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(file);
        let mut records = reader.records().filter(|r| r.as_ref().map_or(true, |r| !(r.len() == 1 && r[0].is_empty())));
        let header: Vec<String> = match records.next() {
            Some(h) => row(path, h)?.1.iter().map(str::to_string).collect(),
            None => return Err(ChartError::new(path, "empty file: no header")),
        };
        let csv = Csv { path: path.to_path_buf(), header };
        let cols = columns(&csv)?;
        let mut out = Vec::new();
        for record in records {
            let (line, fields) = row(path, record)?;
            if fields.len() != csv.header.len() {
                let msg = format!("line {line}: {} fields, the header has {}", fields.len(), csv.header.len());
                return Err(ChartError::new(path, msg));
            }
            out.push(make(&Record { csv: &csv, line, fields }, &cols)?);
        }
        Ok(out)
    }

    pub(super) fn column(&self, name: &str) -> Result<usize, ChartError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ChartError::new(&self.path, format!("no column \"{name}\" in the header")))
    }
}

impl Record<'_> {
    /// The text in column `c`.
    pub(super) fn text(&self, c: usize) -> String {
        self.fields.get(c).unwrap_or_default().to_string()
    }

    /// The number in column `c`; `None` for an empty cell.
    pub(super) fn number(&self, c: usize) -> Result<Option<f64>, ChartError> {
        let cell = self.fields.get(c).unwrap_or_default();
        if cell.is_empty() {
            return Ok(None);
        }
        match cell.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(ChartError::new(
                &self.csv.path,
                format!("line {}, column {}: not a number: \"{cell}\"", self.line, self.csv.header[c]),
            )),
        }
    }

    /// Like `number`, but an empty cell is an error.
    pub(super) fn required(&self, c: usize) -> Result<f64, ChartError> {
        self.number(c)?.ok_or_else(|| {
            ChartError::new(&self.csv.path, format!("line {}, column {}: empty", self.line, self.csv.header[c]))
        })
    }
}

/// A record's line number and fields, or the error naming the file.
fn row(path: &Path, record: csv::Result<csv::StringRecord>) -> Result<(u64, csv::StringRecord), ChartError> {
    let record = record.map_err(|e| ChartError::new(path, format!("not CSV: {e}")))?;
    let line = record.position().map_or(0, csv::Position::line);
    Ok((line, record))
}

/// One row of timeseries.csv.
pub(super) struct Bucket {
    pub(super) t: f64,
    pub(super) availability: Option<f64>,
    pub(super) p50: Option<f64>,
    pub(super) p99: Option<f64>,
}

pub(super) fn read_buckets(path: &Path) -> Result<Vec<Bucket>, ChartError> {
    let columns = |csv: &Csv| -> Result<[usize; 4], ChartError> {
        Ok([
            csv.column("t_s")?,
            csv.column("availability")?,
            csv.column("latency_p50_ms")?,
            csv.column("latency_p99_ms")?,
        ])
    };
    Csv::read(path, columns, |r, &[t, a, p50, p99]| {
        Ok(Bucket { t: r.required(t)?, availability: r.number(a)?, p50: r.number(p50)?, p99: r.number(p99)? })
    })
}

/// One row of pops_timeseries.csv.
pub(super) struct PopTick {
    pub(super) t: f64,
    pub(super) pop: String,
    pub(super) arrivals: f64,
    pub(super) shed_level: f64,
}

pub(super) fn read_pop_ticks(path: &Path) -> Result<Vec<PopTick>, ChartError> {
    let columns = |csv: &Csv| -> Result<[usize; 4], ChartError> {
        Ok([csv.column("t_s")?, csv.column("pop")?, csv.column("arrivals")?, csv.column("shed_level")?])
    };
    Csv::read(path, columns, |r, &[t, pop, arr, lvl]| {
        Ok(PopTick { t: r.required(t)?, pop: r.text(pop), arrivals: r.required(arr)?, shed_level: r.required(lvl)? })
    })
}

/// One row of levels.csv.
pub(super) struct LevelRow {
    pub(super) t: f64,
    pub(super) scope: String,
    pub(super) level: f64,
}

pub(super) fn read_levels(path: &Path) -> Result<Vec<LevelRow>, ChartError> {
    let columns = |csv: &Csv| -> Result<[usize; 3], ChartError> {
        Ok([csv.column("t_s")?, csv.column("scope")?, csv.column("level")?])
    };
    Csv::read(path, columns, |r, &[t, scope, level]| {
        Ok(LevelRow { t: r.required(t)?, scope: r.text(scope), level: r.required(level)? })
    })
}
