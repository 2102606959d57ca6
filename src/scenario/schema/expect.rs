//! `[[expect]]`: what a run must show: one metric per entry, its scope
//! (fault, PoP, class, window, percentile) and its bounds (`lt`, `le`, `gt`,
//! `ge`). Judging them against a run is `check`'s work, not the file's.

use super::FaultNumber;
use crate::scenario::units::{Duration, Fraction, Level, NonNegative, Percentile};
use serde::Deserialize;
use toml::Spanned;

/// Reads an `[[expect]]` window: exactly two durations, start before end.
fn window<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Spanned<[Duration; 2]>>, D::Error> {
    let w = Spanned::<Vec<Duration>>::deserialize(d)?;
    let span = w.span();
    match w.get_ref().as_slice() {
        [start, end] if start < end => Ok(Some(Spanned::new(span, [*start, *end]))),
        [start, end] => Err(serde::de::Error::custom(format!("start {start} is not before end {end}"))),
        other => Err(serde::de::Error::custom(format!(
            "got {} values; expected exactly two, [\"start\", \"end\"]",
            other.len()
        ))),
    }
}

/// The four bounds an expectation may carry, as written: `lt`, `le`,
/// `gt`, `ge` (at least one is required; `validate` checks which combine).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds<T> {
    /// Must be less than this.
    pub lt: Option<T>,
    /// Must be at most this.
    pub le: Option<T>,
    /// Must be more than this.
    pub gt: Option<T>,
    /// Must be at least this.
    pub ge: Option<T>,
}

impl<T: Copy> Bounds<T> {
    /// Whether `lt`, `le`, `gt`, `ge` are given, in that order.
    pub fn given(&self) -> [bool; 4] {
        [self.lt.is_some(), self.le.is_some(), self.gt.is_some(), self.ge.is_some()]
    }

    /// Each bound with its key, in the order `lt`, `le`, `gt`, `ge`.
    pub fn named(&self) -> [(&'static str, Option<T>); 4] {
        [("lt", self.lt), ("le", self.le), ("gt", self.gt), ("ge", self.ge)]
    }
}

/// An `[[expect]]` metric's table: its scope fields, then the four bounds
/// of type `bound` (`lt`, `le`, `gt`, `ge`), unknown keys rejected; and
/// `bounds()` to read the four together.
macro_rules! expectation {
    (
        $(#[$meta:meta])*
        $name:ident, bound $bound:ty => $out:ty {
            $($(#[$fmeta:meta])* pub $field:ident: $fty:ty,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $fty,)*
            /// Must be less than this.
            pub lt: Option<$bound>,
            /// Must be at most this.
            pub le: Option<$bound>,
            /// Must be more than this.
            pub gt: Option<$bound>,
            /// Must be at least this.
            pub ge: Option<$bound>,
        }

        impl $name {
            /// The four bounds as written.
            pub fn bounds(&self) -> Bounds<$out> {
                Bounds { lt: self.lt.map(<$out>::from), le: self.le.map(<$out>::from), gt: self.gt.map(<$out>::from), ge: self.ge.map(<$out>::from) }
            }
        }
    };
}

/// One `[[expect]]` entry: a metric, its scope and a bound. Write exactly
/// one metric key per entry, e.g. `availability = { ge = 0.999 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ExpectSpec {
    /// Successful / issued requests over a window (by send time).
    Availability(RatioExpect),
    /// A client-observed latency percentile.
    Latency(LatencyExpect),
    /// Mean busy fraction of a PoP's servers (every PoP if `pop` is absent).
    Utilisation(RatioExpect),
    /// Mean time a request waits for a server at a PoP (every PoP if absent).
    MeanWait(DurationExpect),
    /// Fraction of requests that had to wait for a server at a PoP.
    PWait(RatioExpect),
    /// Recovery time of a fault (DESIGN.md: success ratio of the affected
    /// traffic back at or above 99% for 10 s).
    Rto(FaultExpect),
    /// From a fault to the health checker declaring its PoP down.
    Detection(FaultExpect),
    /// From a fault to the start of its PoP's route withdrawal.
    Withdrawal(FaultExpect),
    /// From a fault until `share` of the affected client networks moved [1.0].
    Converged(FaultExpect),
    /// Requests of the affected traffic that finally failed (count).
    RequestsLost(CountExpect),
    /// Requests shed at PoPs (count), by class and PoP if given.
    Shed(CountExpect),
    /// Requests spilled from a PoP to another (count).
    Spilled(CountExpect),
    /// Attempts / requests (retry amplification).
    AttemptsPerRequest(CountExpect),
    /// Age of the oldest acknowledged DO write a region failure lost.
    Rpo(FaultExpect),
    /// Acknowledged DO writes a region failure lost (count).
    WritesLost(CountExpect),
    /// A percentile of the affected objects' recovery times.
    ObjectRto(PercentileExpect),
    /// A percentile of the staleness of KV reads.
    KvStaleness(PercentileExpect),
    /// KV writes queued in level 1 and never applied (count).
    KvWritesDropped(CountExpect),
    /// Most admitted / limit over the customers' full windows.
    LimiterOveradmission(LimiterExpect),
    /// A percentile of Durable Object write latency.
    DoWriteLatency(PercentileExpect),
    /// A percentile of KV read latency (replicas, and the primary on a miss).
    KvReadLatency(PercentileExpect),
    /// KV writes that failed after every retry (count).
    KvWritesFailed(CountExpect),
    /// The highest degradation level reached (globally, or at one PoP).
    MaxLevel(LevelExpect),
    /// The global degradation level at one time.
    LevelAt(LevelExpect),
    /// Time spent at one global level.
    TimeInLevel(LevelTimeExpect),
    /// From a fault to the global level's last return to 0.
    BackToLevel0(FaultExpect),
    /// Origin fetch attempts per fetch (or client attempts per request
    /// without an origin): retry amplification.
    RetryAmplification(CountExpect),
    /// Times origin breakers opened (all PoPs, or one).
    BreakerOpened(CountExpect),
    /// Deployment attempts refused because the control plane was down.
    DeploymentsFailed(CountExpect),
    /// Cold starts / started requests at a PoP (every PoP if `pop` is
    /// absent), over the run after warm-up; needs `[isolates]`.
    ColdStartRate(RatioExpect),
    /// Succeeded / issued requests over the whole run after warm-up, read
    /// as the year's availability (over a run of any length it is the
    /// run's availability).
    AvailabilityAnnual(PlainRatioExpect),
    /// Request-weighted downtime over the run, minutes: (1 - availability)
    /// x the measured window (not scaled to a year).
    DowntimeMinutes(PlainNumberExpect),
    /// Realised mean time to repair of a PoP (PoP downtime / PoP
    /// failures); needs `[[failure]]`.
    Mttr(PlainDurationExpect),
    /// Realised mean time between failures of a PoP (PoP up time / PoP
    /// failures); needs `[[failure]]`.
    Mtbf(PlainDurationExpect),
    /// A percentile of the RTOs of the incidents whose RTO was measured
    /// (one not recovered counts as infinite); needs `[[failure]]`.
    IncidentRto(IncidentRtoExpect),
}

expectation! {
    /// A bound on a degradation level.
    LevelExpect, bound Level => u8 {
        /// For `level_at`: the time.
        pub at: Option<Spanned<Duration>>,
        /// For `max_level`: one PoP's own level instead of the global one.
        pub pop: Option<Spanned<String>>,
        /// Must equal this.
        pub eq: Option<Level>,
    }
}

expectation! {
    /// A bound on the time spent at one level.
    LevelTimeExpect, bound Duration => Duration {
        /// The level, 0 to 4.
        pub level: Spanned<Level>,
    }
}

expectation! {
    /// A bound on a percentile of a distribution of durations.
    PercentileExpect, bound Duration => Duration {
        /// Which fault (for `object_rto`).
        pub fault: Option<Spanned<FaultNumber>>,
        /// Which percentile, in (0, 100] [100: the largest].
        pub percentile: Option<Spanned<Percentile>>,
    }
}

expectation! {
    /// A bound on a limiter's over-admission.
    LimiterExpect, bound NonNegative => f64 {
        /// `"kv"` or `"do"`.
        pub limiter: Spanned<String>,
    }
}

expectation! {
    /// A bound on a step of a fault's timeline, counted from the fault.
    FaultExpect, bound Duration => Duration {
        /// Which fault: 1 for the first `[[fault]]` of the file.
        pub fault: Spanned<FaultNumber>,
        /// For `converged`: the share of affected networks moved [1.0].
        pub share: Option<Spanned<Fraction>>,
    }
}

expectation! {
    /// A bound on a count or a ratio of counts, with optional scope.
    CountExpect, bound NonNegative => f64 {
        /// Which fault (for `requests_lost`): 1 for the first `[[fault]]`.
        pub fault: Option<Spanned<FaultNumber>>,
        /// Limit to one PoP (IATA code).
        pub pop: Option<Spanned<String>>,
        /// Limit to one class (`p0`..`p3`).
        pub class: Option<Spanned<String>>,
    }
}

expectation! {
    /// A bound on a number between 0 and 1, with optional scope.
    RatioExpect, bound Fraction => f64 {
        /// Limit to one PoP (IATA code).
        pub pop: Option<Spanned<String>>,
        /// Limit to one class (`p0`..`p3`).
        pub class: Option<Spanned<String>>,
        /// `[start, end]` of simulated time; default the whole run after warm-up.
        #[serde(default, deserialize_with = "window")]
        pub window: Option<Spanned<[Duration; 2]>>,
    }
}

expectation! {
    /// A bound on a duration, with optional scope.
    DurationExpect, bound Duration => Duration {
        /// Limit to one PoP (IATA code).
        pub pop: Option<Spanned<String>>,
        /// Limit to one class (`p0`..`p3`).
        pub class: Option<Spanned<String>>,
        /// `[start, end]` of simulated time; default the whole run after warm-up.
        #[serde(default, deserialize_with = "window")]
        pub window: Option<Spanned<[Duration; 2]>>,
    }
}

expectation! {
    /// A bound on a latency percentile, with optional scope.
    LatencyExpect, bound Duration => Duration {
        /// Which percentile, in (0, 100]: 50, 90, 99, 99.9.
        pub percentile: Spanned<Percentile>,
        /// Limit to one PoP (IATA code).
        pub pop: Option<Spanned<String>>,
        /// Limit to one class (`p0`..`p3`).
        pub class: Option<Spanned<String>>,
        /// `[start, end]` of simulated time; default the whole run after warm-up.
        #[serde(default, deserialize_with = "window")]
        pub window: Option<Spanned<[Duration; 2]>>,
    }
}

expectation! {
    /// A bound on a number between 0 and 1 about the whole run.
    PlainRatioExpect, bound Fraction => f64 {}
}

expectation! {
    /// A bound on a number about the whole run.
    PlainNumberExpect, bound NonNegative => f64 {}
}

expectation! {
    /// A bound on a duration about the whole run.
    PlainDurationExpect, bound Duration => Duration {}
}

expectation! {
    /// A bound on a percentile of the incidents' RTOs.
    IncidentRtoExpect, bound Duration => Duration {
        /// Which percentile, in (0, 100] [100: the largest].
        pub percentile: Option<Spanned<Percentile>>,
    }
}

impl ExpectSpec {
    /// For the long-horizon keys (`availability_annual`, `downtime_minutes`,
    /// `mttr`, `mtbf`, `incident_rto`): which bounds are given (`lt`, `le`,
    /// `gt`, `ge`), or what is wrong: `mttr`, `mtbf` and `incident_rto`
    /// measure incidents, so they need failure processes
    /// (`has_failures`). `None` for every other key.
    pub fn horizon_bounds(&self, has_failures: bool, here: &str) -> Option<Result<[bool; 4], String>> {
        let (name, given, needs_failures) = match self {
            ExpectSpec::AvailabilityAnnual(r) => ("availability_annual", r.bounds().given(), false),
            ExpectSpec::DowntimeMinutes(n) => ("downtime_minutes", n.bounds().given(), false),
            ExpectSpec::Mttr(d) => ("mttr", d.bounds().given(), true),
            ExpectSpec::Mtbf(d) => ("mtbf", d.bounds().given(), true),
            ExpectSpec::IncidentRto(i) => ("incident_rto", i.bounds().given(), true),
            _ => return None,
        };
        if needs_failures && !has_failures {
            return Some(Err(format!(
                "{here}: {name} measures the incidents of failure processes; this scenario has no [[failure]] table"
            )));
        }
        Some(Ok(given))
    }
}
