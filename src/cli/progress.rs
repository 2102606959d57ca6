//! Ctrl-C and the progress bar: the interrupt flag every command polls,
//! its handler, and [`simulate`], which runs one prepared scenario under
//! both (the bar on a terminal's stderr once a run lasts a second).

use edgesim::engine::{SimDuration, SimTime};
use edgesim::{Outcome, Prepared};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use super::failure::EXIT_INTERRUPTED;

/// Set by Ctrl-C; the running simulation's observer sees it and stops.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Runs shorter than this (wall time) draw no progress bar.
const PROGRESS_AFTER: Duration = Duration::from_secs(1);

/// Ctrl-C sets the interrupt flag (the run stops at its next observer call
/// and writes nothing); a second Ctrl-C ends the process at once. Installs
/// once: a second call does nothing.
pub fn install_interrupt_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let installed = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
        });
        if let Err(e) = installed {
            errln!("warning: cannot catch Ctrl-C ({e}); an interrupted run may end without a message");
        }
    });
}

/// Whether Ctrl-C was pressed.
pub fn was_interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// The flag Ctrl-C sets, for a sweep's replications to poll.
pub fn stop_flag() -> &'static AtomicBool {
    &INTERRUPTED
}

/// The progress bar of one run: drawn on stderr only when it is a terminal,
/// not with --quiet, and only once the run has lasted [`PROGRESS_AFTER`].
struct Progress {
    bar: Option<ProgressBar>,
    enabled: bool,
    started: Instant,
    total: SimDuration,
    prefix: String,
}

impl Progress {
    fn new(prefix: &str, total: SimDuration, quiet: bool) -> Self {
        Progress {
            bar: None,
            enabled: !quiet && io::stderr().is_terminal(),
            started: Instant::now(),
            total,
            prefix: prefix.to_string(),
        }
    }

    fn update(&mut self, now: SimTime, events: u64) {
        if !self.enabled {
            return;
        }
        let elapsed = self.started.elapsed();
        if self.bar.is_none() {
            if elapsed < PROGRESS_AFTER {
                return;
            }
            let total_ms = (self.total.as_nanos() / 1_000_000).max(1);
            let bar = ProgressBar::with_draw_target(Some(total_ms), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{prefix} {percent:>3}% [{wide_bar}] {msg}") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(self.prefix.clone());
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            let done = now.as_nanos().min(self.total.as_nanos());
            bar.set_position(done / 1_000_000);
            let wall = elapsed.as_secs_f64().max(1e-9);
            // Simulated time advances about evenly: the rest takes its share of the wall time so far.
            let eta = wall * self.total.as_nanos().saturating_sub(done) as f64 / done.max(1) as f64;
            bar.set_message(format!(
                "sim {:.0}s/{:.0}s, {:.1}M events/s, ETA {}",
                done as f64 / 1e9,
                self.total.as_secs_f64(),
                events as f64 / wall / 1e6,
                indicatif::HumanDuration(Duration::from_secs_f64(eta.min(1e7)))
            ));
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// How a run ended without an outcome.
pub enum RunStop {
    /// Ctrl-C; the simulated time reached.
    Interrupted(SimTime),
    /// Writing the trace failed.
    Io(io::Error),
}

/// Runs a prepared scenario under the Ctrl-C flag and the progress bar;
/// returns the outcome and the wall time, s.
pub fn simulate(
    p: &Prepared,
    trace: Option<&mut dyn Write>,
    prefix: &str,
    quiet: bool,
) -> Result<(Outcome, f64), RunStop> {
    let mut progress = Progress::new(prefix, p.scenario.duration(), quiet);
    let mut reached = SimTime::ZERO;
    let started = Instant::now();
    let result = edgesim::simulate_observed(p, trace, &mut |now, events| {
        reached = now;
        if was_interrupted() {
            return false;
        }
        progress.update(now, events);
        true
    });
    progress.finish();
    let wall_s = started.elapsed().as_secs_f64();
    match result {
        Ok(outcome) => Ok((outcome, wall_s)),
        Err(e) if e.kind() == io::ErrorKind::Interrupted && was_interrupted() => Err(RunStop::Interrupted(reached)),
        Err(e) => Err(RunStop::Io(e)),
    }
}
