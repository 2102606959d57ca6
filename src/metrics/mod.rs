//! Recorders: what a run measures, as it happens.
//!
//! Requests are counted by their send time: a request sent in the measured
//! window (after warm-up) counts once, by its final outcome. Latency is
//! client-observed (network both ways, queueing, service). A flow-level
//! run adds fractional volumes instead of single requests (`volume`),
//! rounded into the same counts at its end.

pub mod faults;
pub mod histogram;
pub mod horizon;
pub mod regions;
pub mod volume;

use crate::engine::{SimDuration, SimTime};
pub use histogram::LatencyHistogram;

/// The four priority classes, P0 first.
pub const CLASS_NAMES: [&str; 4] = ["p0", "p1", "p2", "p3"];

/// Why a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailReason {
    /// The PoP's queue was full.
    QueueFull,
    /// The PoP shed the request's class (CPU above the shedding threshold).
    Shed,
    /// Every attempt went unanswered within the client timeout.
    Timeout,
    /// The client network had no route to any PoP.
    NoRoute,
    /// The PoP's origin breaker was open: failed fast.
    BreakerOpen,
    /// Every origin fetch attempt failed.
    OriginFailed,
    /// A per-deployment or per-account rate limit refused it.
    RateLimited,
    /// Its worker's subrequests (retries included) passed the per-request limit.
    SubrequestLimit,
}

impl FailReason {
    /// Every reason, in report order.
    pub const ALL: [FailReason; 8] = [
        FailReason::QueueFull,
        FailReason::Shed,
        FailReason::Timeout,
        FailReason::NoRoute,
        FailReason::BreakerOpen,
        FailReason::OriginFailed,
        FailReason::RateLimited,
        FailReason::SubrequestLimit,
    ];

    /// True if the client gets an answer (an error status) rather than silence.
    pub fn answers(self) -> bool {
        !matches!(self, FailReason::Timeout | FailReason::NoRoute)
    }

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FailReason::QueueFull => "queue_full",
            FailReason::Shed => "shed",
            FailReason::Timeout => "timeout",
            FailReason::NoRoute => "no_route",
            FailReason::BreakerOpen => "breaker_open",
            FailReason::OriginFailed => "origin_failed",
            FailReason::RateLimited => "rate_limited",
            FailReason::SubrequestLimit => "subrequest_limit",
        }
    }
}

/// Requests by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Requests with an outcome.
    pub issued: u64,
    /// Of those, successes.
    pub succeeded: u64,
}

impl Counts {
    /// Failed requests.
    pub fn failed(&self) -> u64 {
        self.issued - self.succeeded
    }

    /// Succeeded / issued; `None` with no requests.
    pub fn availability(&self) -> Option<f64> {
        (self.issued > 0).then(|| self.succeeded as f64 / self.issued as f64)
    }

    fn add(&mut self, ok: bool) {
        self.issued += 1;
        self.succeeded += ok as u64;
    }
}

/// A scope that an expectation watches: requests sent in `[from, to)`, at
/// one PoP and of one class if given.
#[derive(Debug, Clone)]
pub struct Probe {
    /// Start of the window (inclusive).
    pub from: SimTime,
    /// End of the window (exclusive).
    pub to: SimTime,
    /// Only this PoP (index), if set.
    pub pop: Option<u32>,
    /// Only this class (0..4), if set.
    pub class: Option<u8>,
    /// Requests in scope by outcome.
    pub counts: Counts,
    /// Latency of the successes in scope.
    pub latency: LatencyHistogram,
    /// Whether an expectation reads `latency` (else the flow level leaves
    /// it empty: recording a distribution costs it dozens of values).
    pub records_latency: bool,
}

impl Probe {
    /// A probe over a window, optionally narrowed to a PoP and a class.
    pub fn new(from: SimTime, to: SimTime, pop: Option<u32>, class: Option<u8>) -> Self {
        Probe {
            from,
            to,
            pop,
            class,
            counts: Counts::default(),
            latency: LatencyHistogram::new(3),
            records_latency: true,
        }
    }

    #[inline]
    fn matches(&self, sent: SimTime, pop: u32, class: u8) -> bool {
        sent >= self.from
            && sent < self.to
            && self.pop.is_none_or(|p| p == pop)
            && self.class.is_none_or(|c| c == class)
    }
}

/// One time-series bucket (requests by send time).
#[derive(Debug, Clone, Default)]
pub struct Bucket {
    /// Requests by outcome.
    pub counts: Counts,
    /// Latency of the successes (2 significant digits), made on first use.
    pub latency: Option<LatencyHistogram<u32>>,
}

/// Everything a run records about requests.
#[derive(Debug, Clone)]
pub struct Recorder {
    measure_from: SimTime,
    bucket_ns: u64,
    /// All measured requests.
    pub total: Counts,
    /// By class, P0 first.
    pub by_class: [Counts; 4],
    /// By the PoP that answered (or failed) them.
    pub by_pop: Vec<Counts>,
    /// Failures by reason, in [`FailReason::ALL`] order.
    pub failed_by_reason: [u64; FailReason::ALL.len()],
    /// Requests shed, by class.
    pub shed_by_class: [u64; 4],
    /// Attempts made by measured requests (retries included).
    pub attempts: u64,
    /// Latency of all successes.
    pub latency: LatencyHistogram,
    /// Latency by class.
    pub latency_by_class: [LatencyHistogram; 4],
    /// Latency by PoP (2 significant digits).
    pub latency_by_pop: Vec<LatencyHistogram>,
    /// The time series, one bucket per `bucket` of send time.
    pub buckets: Vec<Bucket>,
    /// The scopes expectations watch.
    pub probes: Vec<Probe>,
    /// Offered and served load per bucket and client region (empty until
    /// [`Recorder::set_regions`]).
    pub regions: regions::RegionSeries,
    /// Measured requests per day, by class and client region.
    pub horizon: horizon::Horizon,
    /// Fractional counts of a flow run, until settled into the counts.
    volumes: Option<Box<volume::RecorderVolumes>>,
}

impl Recorder {
    /// A recorder for `pops` PoPs over a run of `duration`, measuring from
    /// `measure_from`, with time-series buckets `bucket` wide.
    pub fn new(
        pops: usize,
        duration: SimDuration,
        measure_from: SimTime,
        bucket: SimDuration,
        probes: Vec<Probe>,
    ) -> Self {
        let bucket_ns = bucket.as_nanos().max(1);
        let buckets = duration.as_nanos().div_ceil(bucket_ns) as usize;
        Recorder {
            measure_from,
            bucket_ns,
            total: Counts::default(),
            by_class: [Counts::default(); 4],
            by_pop: vec![Counts::default(); pops],
            failed_by_reason: [0; FailReason::ALL.len()],
            shed_by_class: [0; 4],
            attempts: 0,
            latency: LatencyHistogram::new(3),
            latency_by_class: std::array::from_fn(|_| LatencyHistogram::new(3)),
            latency_by_pop: (0..pops).map(|_| LatencyHistogram::new(2)).collect(),
            buckets: vec![Bucket::default(); buckets],
            probes,
            regions: regions::RegionSeries::default(),
            horizon: horizon::Horizon::new(duration),
            volumes: None,
        }
    }

    /// Counts load per client region from now on: client network `n`
    /// belongs to region `net_region[n]`, one of `regions`.
    pub fn set_regions(&mut self, net_region: Vec<u8>, regions: usize) {
        self.horizon.set_regions(net_region.clone(), regions);
        self.regions = regions::RegionSeries::new(net_region, regions, self.buckets.len());
    }

    /// A request of client network `net` sent at `sent` ended (`ok`:
    /// succeeded): into its region's offered and served load (beside
    /// [`Recorder::success`] or [`Recorder::failure`], which count the rest).
    #[inline]
    pub fn region_outcome(&mut self, sent: SimTime, net: u32, ok: bool) {
        if self.measures(sent) {
            self.regions.add((sent.as_nanos() / self.bucket_ns) as usize, net, ok);
            self.horizon.add_region(sent, net, ok);
        }
    }

    /// Width of a time-series bucket.
    pub fn bucket_width(&self) -> SimDuration {
        SimDuration(self.bucket_ns)
    }

    /// True if a request sent at `sent` is measured.
    #[inline]
    pub fn measures(&self, sent: SimTime) -> bool {
        sent >= self.measure_from
    }

    #[inline]
    fn count(&mut self, sent: SimTime, pop: u32, class: u8, ok: bool) -> usize {
        self.total.add(ok);
        self.by_class[class as usize].add(ok);
        self.horizon.add(sent, class, ok);
        if let Some(c) = self.by_pop.get_mut(pop as usize) {
            c.add(ok);
        }
        let b = ((sent.as_nanos() / self.bucket_ns) as usize).min(self.buckets.len().saturating_sub(1));
        if let Some(bucket) = self.buckets.get_mut(b) {
            bucket.counts.add(ok);
        }
        b
    }

    /// A request sent at `sent` succeeded after `latency`, answered by `pop`.
    #[inline]
    pub fn success(&mut self, sent: SimTime, latency: SimDuration, pop: u32, class: u8) {
        if !self.measures(sent) {
            return;
        }
        let b = self.count(sent, pop, class, true);
        self.latency.record(latency);
        self.latency_by_class[class as usize].record(latency);
        if let Some(h) = self.latency_by_pop.get_mut(pop as usize) {
            h.record(latency);
        }
        if let Some(bucket) = self.buckets.get_mut(b) {
            bucket.latency.get_or_insert_with(|| LatencyHistogram::new(2)).record(latency);
        }
        for p in self.probes.iter_mut().filter(|p| p.matches(sent, pop, class)) {
            p.counts.add(true);
            p.latency.record(latency);
        }
    }

    /// `n` measured requests still open when the run (drain included)
    /// ended: failed, as timeouts, in the totals only (their send times,
    /// PoPs and classes are not known here).
    pub fn give_up(&mut self, n: u64) {
        self.total.issued += n;
        self.failed_by_reason[FailReason::Timeout as usize] += n;
    }

    /// A request sent at `sent` failed at `pop` for `reason`.
    #[inline]
    pub fn failure(&mut self, sent: SimTime, pop: u32, class: u8, reason: FailReason) {
        if !self.measures(sent) {
            return;
        }
        self.count(sent, pop, class, false);
        self.failed_by_reason[reason as usize] += 1;
        if reason == FailReason::Shed {
            self.shed_by_class[class as usize] += 1;
        }
        for p in self.probes.iter_mut().filter(|p| p.matches(sent, pop, class)) {
            p.counts.add(false);
        }
    }
}
