//! The event vocabulary of a run: every [`Event`] the loop can handle and
//! the [`Request`] attempt most of them carry. Events are plain data
//! (indices into the run's arenas, times in ns), so they can be counted,
//! traced and hashed; the handlers live with the planes they concern.

use serde::Serialize;

/// A request attempt in flight: plain data carried by events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Request {
    /// When the client first sent it, ns.
    pub first_sent_ns: u64,
    /// When this attempt left the client, ns.
    pub sent_ns: u64,
    /// The client network that sent it.
    pub net: u32,
    /// The attempt's slot: what the client knows of it.
    pub slot: u32,
    /// One-way latency of the answer's trip back, ns.
    pub back_ns: u32,
    /// Priority class, 0 (P0) to 3 (P3).
    pub class: u8,
    /// Attempt number, 0 for the first.
    pub attempt: u8,
    /// Already spilled once (never spilled twice).
    pub spilled: bool,
    /// Misses the PoP's cache: the PoP fetches from the origin.
    pub origin: bool,
}

/// Everything that can happen in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// Client site `site` sends a new request.
    Send {
        /// Site index.
        site: u32,
    },
    /// A retry leaves the client.
    Attempt {
        /// The request.
        req: Request,
    },
    /// A request reaches PoP `pop`.
    Arrive {
        /// PoP index.
        pop: u32,
        /// The request.
        req: Request,
    },
    /// Server `server` of PoP `pop` finishes `req`.
    Depart {
        /// PoP index.
        pop: u32,
        /// Server index within the PoP.
        server: u32,
        /// The PoP's incarnation when service started (a PoP that went down since answers nothing).
        incarnation: u16,
        /// The request.
        req: Request,
    },
    /// The client's timeout for an attempt.
    Timeout {
        /// The request.
        req: Request,
    },
    /// The health checker probes the PoPs it watches.
    Probes,
    /// A probe of PoP `pop` went unanswered.
    ProbeMiss {
        /// PoP index.
        pop: u32,
    },
    /// PoP `pop`'s route starts being withdrawn or announced.
    RouteChange {
        /// PoP index.
        pop: u32,
        /// Withdrawn (true) or announced (false).
        withdraw: bool,
    },
    /// Client network `net` learns epoch `epoch` of PoP `pop`'s route.
    Learn {
        /// Network index.
        net: u32,
        /// PoP index.
        pop: u32,
        /// Route epoch (odd: withdrawn).
        epoch: u16,
    },
    /// Fault `fault` strikes.
    FaultStart {
        /// Fault index.
        fault: u32,
    },
    /// Fault `fault` ends.
    FaultEnd {
        /// Fault index.
        fault: u32,
    },
    /// The overload control loop and the autoscaler run.
    Tick,
    /// A server the autoscaler asked for starts serving at PoP `pop`.
    ServerReady {
        /// PoP index.
        pop: u32,
    },
    /// The next arrival of a state-plane stream (DO requests, KV writes, KV
    /// reads, limiter requests).
    StateArrival {
        /// Which stream.
        stream: u8,
    },
    /// A Durable Object request attempt (a retry) reaches its object.
    DoRetry {
        /// Object index.
        obj: u32,
        /// The client site.
        site: u32,
        /// Attempt number.
        attempt: u8,
        /// A write (else a read).
        write: bool,
        /// When it was first sent, ns.
        first_ns: u64,
    },
    /// Object `obj` takes a snapshot.
    DoSnapshot {
        /// Object index.
        obj: u32,
    },
    /// A KV write retry.
    KvWriteRetry {
        /// The client site.
        site: u32,
        /// The key.
        key: u32,
        /// Attempt number.
        attempt: u8,
        /// When it was first sent, ns.
        first_ns: u64,
    },
    /// A PoP sends fetch attempt `attempt` of `req` to the origin.
    OriginSend {
        /// PoP index.
        pop: u32,
        /// Fetch attempt number.
        attempt: u8,
        /// The client's request.
        req: Request,
    },
    /// A fetch reaches the origin.
    OriginArrive {
        /// PoP index.
        pop: u32,
        /// Fetch attempt number.
        attempt: u8,
        /// The fetch's slot.
        slot: u32,
        /// The client's request.
        req: Request,
    },
    /// An origin server finishes a fetch.
    OriginDone {
        /// Origin server.
        server: u32,
        /// PoP index.
        pop: u32,
        /// Fetch attempt number.
        attempt: u8,
        /// The fetch's slot.
        slot: u32,
        /// The client's request.
        req: Request,
    },
    /// The origin's answer reaches the PoP.
    OriginReply {
        /// PoP index.
        pop: u32,
        /// Fetch attempt number.
        attempt: u8,
        /// The fetch's slot.
        slot: u32,
        /// A good answer (else an error).
        ok: bool,
        /// The client's request.
        req: Request,
    },
    /// The PoP's timeout for a fetch attempt.
    OriginTimeout {
        /// PoP index.
        pop: u32,
        /// Fetch attempt number.
        attempt: u8,
        /// The fetch's slot.
        slot: u32,
        /// The client's request.
        req: Request,
    },
    /// A deployment asks the control plane (attempt `attempt`).
    Deploy {
        /// Attempt number.
        attempt: u32,
    },
    /// A replicated KV write reaches another primary.
    KvApply {
        /// 0: the KV; 1: the KV limiter's counts.
        namespace: u8,
        /// Origin primary.
        from: u8,
        /// Destination primary.
        to: u8,
        /// Key.
        key: u32,
        /// Version (last writer wins).
        version: u32,
        /// Value.
        value: u64,
        /// When it was committed at its origin, ns.
        committed_ns: u64,
    },
    /// The BGP protocol has events due (path-vector convergence; last, so
    /// that adding it left every other event's hash as it was).
    BgpWake,
    /// A PoP fetches an accepted deployment's code from the artifact store
    /// (fetch `fetch` of deployment attempt `attempt`).
    CodeFetch {
        /// The deployment's attempt number.
        attempt: u32,
        /// Fetch number within it (0 first, then the code-fetch retries).
        fetch: u8,
    },
    /// A failure process's incident (in progress slot `slot`) strikes.
    IncidentStart {
        /// Its slot among the incidents in progress.
        slot: u32,
    },
    /// A failure process's incident is repaired.
    IncidentEnd {
        /// Its slot among the incidents in progress.
        slot: u32,
    },
    /// A repaired incident's RTO window is over: its measures are final.
    IncidentClose {
        /// The fault slot that measured it.
        fault: u32,
    },
}
