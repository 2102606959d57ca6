//! What an expectation measures: one [`Metric`] per `[[expect]]` key.

/// What an expectation measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// Successful / issued requests in a scope.
    Availability,
    /// A latency quantile (in [0, 1]) of the successes in a scope, ms.
    Latency(f64),
    /// Mean busy fraction of a PoP's servers.
    Utilisation,
    /// Mean wait for a server at a PoP, ms.
    MeanWait,
    /// Fraction of a PoP's requests that waited for a server.
    PWait,
    /// Recovery time of a fault, ms.
    Rto,
    /// From a fault to its detection, ms.
    Detection,
    /// From a fault to the start of the route withdrawal, ms.
    Withdrawal,
    /// From a fault until this share of affected networks moved, ms.
    Converged(f64),
    /// Affected requests that finally failed while the fault lasted.
    RequestsLost,
    /// Requests shed (count).
    Shed,
    /// Requests spilled (count).
    Spilled,
    /// Attempts per request.
    AttemptsPerRequest,
    /// RPO of a region failure, ms.
    Rpo,
    /// Acknowledged writes a region failure lost.
    WritesLost,
    /// A quantile (in [0, 1]) of the affected objects' recovery times, ms.
    ObjectRto(f64),
    /// A quantile of KV read staleness, ms.
    KvStaleness(f64),
    /// KV writes queued and never applied.
    KvWritesDropped,
    /// Largest admitted / limit of the KV (true) or DO (false) limiter.
    LimiterOveradmission(bool),
    /// A quantile of Durable Object write latency, ms.
    DoWriteLatency(f64),
    /// A quantile of KV read latency, ms.
    KvReadLatency(f64),
    /// KV writes failed after every retry.
    KvWritesFailed,
    /// The highest level reached, globally or at one PoP.
    MaxLevel,
    /// The global level at a time (ns since the start).
    LevelAt(u64),
    /// Time spent at a global level, ms.
    TimeInLevel(u8),
    /// From a fault to the global level's last return to 0, ms.
    BackToLevel0,
    /// Fetch attempts per fetch (client attempts per request without an origin).
    RetryAmplification,
    /// Times origin breakers opened.
    BreakerOpened,
    /// Deployment attempts refused.
    DeploymentsFailed,
    /// Cold starts / started requests at a PoP.
    ColdStartRate,
    /// Succeeded / issued over the run, read as the year's availability.
    AvailabilityAnnual,
    /// Request-weighted downtime over the run, minutes.
    DowntimeMinutes,
    /// Realised mean time to repair of a PoP, ms.
    Mttr,
    /// Realised mean time between failures of a PoP, ms.
    Mtbf,
    /// A quantile (in [0, 1]) of the incidents' RTOs, ms.
    IncidentRto(f64),
}

impl Metric {
    /// True if values are durations in ms.
    pub(super) fn is_duration(self) -> bool {
        matches!(
            self,
            Metric::Latency(_)
                | Metric::MeanWait
                | Metric::Rto
                | Metric::Detection
                | Metric::Withdrawal
                | Metric::Converged(_)
                | Metric::Rpo
                | Metric::ObjectRto(_)
                | Metric::KvStaleness(_)
                | Metric::DoWriteLatency(_)
                | Metric::KvReadLatency(_)
                | Metric::TimeInLevel(_)
                | Metric::BackToLevel0
                | Metric::Mttr
                | Metric::Mtbf
                | Metric::IncidentRto(_)
        )
    }
}
