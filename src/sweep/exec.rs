//! Running a sweep's jobs on a rayon thread pool.
//!
//! Each job clones its point's prepared scenario, sets the replication's
//! seed, runs it, and keeps only a [`RunRecord`]; the full outcome is dropped
//! before the job ends, so memory is one run per thread plus the records.
//! Records are collected by job index, so their order never depends on
//! thread timing.

use super::{measures, Plan, RunRecord, Shard, SweepError};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// How to run a sweep (none of it changes the results).
#[derive(Debug, Default, Clone, Copy)]
pub struct RunOptions<'a> {
    /// Threads in the pool; `None` for one per core.
    pub threads: Option<usize>,
    /// Run only this shard's jobs.
    pub shard: Option<Shard>,
    /// Draw a progress bar on stderr (the caller decides: a terminal, not `--quiet`).
    pub progress: bool,
    /// Set (by Ctrl-C, say) to stop: running replications stop at their next
    /// observer call, and the sweep ends with [`SweepError::Interrupted`].
    pub stop: Option<&'a AtomicBool>,
}

/// What running a sweep (or a shard of it) gave.
#[derive(Debug, Clone)]
pub struct Ran {
    /// One record per job run, in job order.
    pub records: Vec<RunRecord>,
    /// Wall time, s.
    pub wall_s: f64,
    /// Threads in the pool.
    pub threads: usize,
}

/// Runs the sweep's jobs (only the shard's with `opts.shard`) and returns
/// their records in job order. A replication that fails (exceeds
/// `--max-events`, panics) is a record with its error, not a failed sweep.
pub fn run(plan: &Plan, opts: &RunOptions<'_>) -> Result<Ran, SweepError> {
    if opts.threads == Some(0) {
        return Err(SweepError::Input("--threads 0: expected at least 1 (leave it out for one per core)".into()));
    }
    let jobs: Vec<usize> = (0..plan.spec.jobs()).filter(|j| opts.shard.is_none_or(|s| s.owns(*j))).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.unwrap_or(0))
        .thread_name(|i| format!("edgesim-sweep-{i}"))
        .build()
        .map_err(|e| SweepError::Input(format!("cannot start the thread pool: {e}")))?;
    let threads = pool.current_num_threads();
    let bar = opts.progress.then(|| progress_bar(&plan.spec.scenario_name, jobs.len() as u64));
    let started = Instant::now();
    let done: Vec<Option<RunRecord>> = pool.install(|| {
        jobs.par_iter()
            .with_max_len(1)
            .map(|&job| {
                let record = run_job(plan, job, opts.stop);
                if let Some(bar) = &bar {
                    bar.inc(1);
                }
                record
            })
            .collect()
    });
    let wall_s = started.elapsed().as_secs_f64();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let finished = done.iter().filter(|r| r.is_some()).count();
    let records: Option<Vec<RunRecord>> = done.into_iter().collect();
    match records {
        Some(records) => Ok(Ran { records, wall_s, threads }),
        None => Err(SweepError::Interrupted(format!(
            "the sweep of {} stopped after {finished} of {} runs; nothing was written",
            plan.spec.scenario_name,
            jobs.len()
        ))),
    }
}

fn progress_bar(name: &str, len: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} runs  {per_sec}  ETA {eta}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(format!("sweep {name}"));
    bar
}

/// Runs one job; `None` when the stop flag ended it.
fn run_job(plan: &Plan, job: usize, stop: Option<&AtomicBool>) -> Option<RunRecord> {
    let stopped = || stop.is_some_and(|s| s.load(Ordering::Relaxed));
    if stopped() {
        return None;
    }
    let spec = &plan.spec;
    let (point, replication) = spec.job(job);
    let label = plan.points.get(point).map(super::Point::label).unwrap_or_default();
    let seed = spec.seed(&label, replication);
    let mut record =
        RunRecord { point, replication, seed, measures: Default::default(), expectations: Vec::new(), error: None };
    let Some(prepared) = plan.prepared(point) else {
        record.error = Some(format!("no grid point {point}"));
        return Some(record);
    };
    let mut prepared = prepared.clone();
    prepared.scenario.set_seed(seed);
    let (mut interrupted, mut exceeded) = (false, false);
    let max_events = spec.max_events;
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        crate::simulate_observed(&prepared, None, &mut |_, events| {
            if stopped() {
                interrupted = true;
                return false;
            }
            if max_events.is_some_and(|m| events > m) {
                exceeded = true;
                return false;
            }
            true
        })
    }));
    let exceeded_message = || format!("exceeded --max-events {}", max_events.unwrap_or(0));
    match outcome {
        Ok(Ok(out)) if max_events.is_some_and(|m| out.summary.events_handled > m) => {
            record.error = Some(exceeded_message());
        }
        Ok(Ok(out)) => (record.measures, record.expectations) = measures::extract(&out.summary),
        Ok(Err(_)) if interrupted => return None,
        Ok(Err(_)) if exceeded => record.error = Some(exceeded_message()),
        Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => record.error = Some(format!("stopped: {e}")),
        Ok(Err(e)) => record.error = Some(e.to_string()),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            record.error = Some(format!("panicked: {what} (a bug: please report it)"));
        }
    }
    Some(record)
}
