//! Queueing formulas for a PoP seen as one station, computed from rates
//! rather than simulated request by request: the foundation of the flow-level
//! data plane (issue 13). A PoP is `c` identical servers fed by Poisson
//! arrivals: M/M/c when service is exponential (exact, Erlang C), M/G/c
//! otherwise (the Allen-Cunneen approximation from the service time's
//! squared coefficient of variation, exact for M/G/1 by Pollaczek-Khinchine),
//! M/M/c/K when the waiting room is limited (the exact birth-death solution;
//! blocking and waits), and a fluid [`Backlog`] for transients: a backlog that
//! grows at `lambda - c mu` while the station is overloaded, drains at
//! `c mu - lambda` after, and refuses what exceeds the waiting room.
//!
//! Left out: arrivals that are not Poisson (bursty or correlated traffic;
//! the formulas take only a mean rate), the transient distribution of a
//! stable queue (the steady state holds at once after a rate change; only
//! the fluid backlog has a history), and the stochastic queue on top of a
//! fluid backlog. Rates are per second, times in seconds, counts in requests.
//!
//! Sources: A. K. Erlang, "Solution of some problems in the theory of
//! probabilities of significance in automatic telephone exchanges" (1917)
//! for Erlang B and C; A. O. Allen, "Probability, Statistics and Queueing
//! Theory" (2nd ed., 1990) for the Allen-Cunneen approximation; L. Kleinrock,
//! "Queueing Systems, Volume 1: Theory" (1975) for M/M/c/K and the
//! Pollaczek-Khinchine formula.

use std::fmt;

/// Erlang B (Erlang's loss formula, M/M/c/c): the probability that an
/// arrival finds all `servers` busy when `offered_erlangs` (arrival rate
/// times mean service time, dimensionless) is offered to them and a blocked
/// arrival is lost. A probability in `[0, 1]`.
///
/// Computed by the recursion `B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))`,
/// whose every term lies in `[0, 1]`: no factorial, no power, no overflow
/// for any `servers` (100,000 takes 100,000 steps) and any finite load, and
/// stable (a step damps the relative error of the last; the tests hold it to
/// 1e-12 against the formula written out). A load that is zero, negative or NaN blocks nothing (with at
/// least one server); an infinite load blocks everything.
pub fn erlang_b(servers: u32, offered_erlangs: f64) -> f64 {
    if servers == 0 || offered_erlangs == f64::INFINITY {
        return 1.0;
    }
    if offered_erlangs.is_nan() || offered_erlangs <= 0.0 {
        return 0.0;
    }
    let a = offered_erlangs;
    (1..=servers).fold(1.0, |b, k| {
        let ab = a * b;
        ab / (f64::from(k) + ab)
    })
}

/// Erlang C (M/M/c): the probability that an arrival waits, with
/// `offered_erlangs` (dimensionless) offered to `servers`, computed from
/// Erlang B as `C = B / (1 - rho (1 - B))`, `rho = a / c`. A probability in
/// `[0, 1]`, or `None` when the queue is not stable (`rho >= 1` or no
/// server), where every arrival eventually waits and the steady state does
/// not exist.
pub fn erlang_c(servers: u32, offered_erlangs: f64) -> Option<f64> {
    let rho = offered_erlangs / f64::from(servers);
    if servers == 0 || rho.is_nan() || rho >= 1.0 {
        return None;
    }
    let b = erlang_b(servers, offered_erlangs);
    Some(b / (1.0 - rho.max(0.0) * (1.0 - b)))
}

/// A parameter or input outside its domain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StationError {
    /// A station needs at least one server.
    NoServers,
    /// The service rate (per server, per second) must be finite and > 0.
    ServiceRate(f64),
    /// The service time's squared coefficient of variation must be finite
    /// and >= 0.
    Scv(f64),
    /// An offered rate (per second) must be finite and >= 0.
    OfferedRate(f64),
    /// An interval (seconds) must be finite and >= 0.
    Interval(f64),
    /// A backlog (requests) must be finite and >= 0.
    Backlog(f64),
}

impl fmt::Display for StationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StationError::NoServers => write!(f, "a station needs at least one server"),
            StationError::ServiceRate(x) => write!(f, "service rate {x}/s: expected a finite rate > 0"),
            StationError::Scv(x) => write!(f, "service time SCV {x}: expected a finite number >= 0"),
            StationError::OfferedRate(x) => write!(f, "offered rate {x}/s: expected a finite rate >= 0"),
            StationError::Interval(x) => write!(f, "interval {x} s: expected a finite duration >= 0"),
            StationError::Backlog(x) => write!(f, "backlog {x} requests: expected a finite count >= 0"),
        }
    }
}

impl std::error::Error for StationError {}

fn finite_non_negative(x: f64, err: fn(f64) -> StationError) -> Result<f64, StationError> {
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(err(x))
    }
}

/// Longest queue limit solved state by state (M/M/c/K); a longer one that
/// binds is solved at this length (its blocking is then an upper bound).
pub const MAX_LIMITED_STATES: u32 = 1_000_000;

/// One PoP as a queueing station: identical servers, Poisson arrivals,
/// first come first served, an optional limit on the requests waiting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Station {
    servers: u32,
    service_rate_per_s: f64,
    service_scv: f64,
    queue_limit: Option<u32>,
}

impl Station {
    /// A station of `servers` (>= 1) each serving `service_rate_per_s`
    /// requests per second (`mu`, the inverse of the mean service time in
    /// seconds), with service time squared coefficient of variation
    /// `service_scv` (variance over squared mean, dimensionless: 1 for
    /// exponential, 0 for deterministic), and room for `queue_limit`
    /// waiting requests (`None`: unlimited; `Some(0)`: a loss system).
    pub fn new(
        servers: u32,
        service_rate_per_s: f64,
        service_scv: f64,
        queue_limit: Option<u32>,
    ) -> Result<Self, StationError> {
        if servers == 0 {
            return Err(StationError::NoServers);
        }
        if !(service_rate_per_s.is_finite() && service_rate_per_s > 0.0) {
            return Err(StationError::ServiceRate(service_rate_per_s));
        }
        let service_scv = finite_non_negative(service_scv, StationError::Scv)?;
        Ok(Station { servers, service_rate_per_s, service_scv, queue_limit })
    }

    /// Servers (count).
    pub fn servers(&self) -> u32 {
        self.servers
    }

    /// Service rate of one server, requests per second (`mu`).
    pub fn service_rate_per_s(&self) -> f64 {
        self.service_rate_per_s
    }

    /// Squared coefficient of variation of the service time (dimensionless).
    pub fn service_scv(&self) -> f64 {
        self.service_scv
    }

    /// Requests that may wait (count); `None` when unlimited.
    pub fn queue_limit(&self) -> Option<u32> {
        self.queue_limit
    }

    /// Capacity of all servers, requests per second (`c mu`).
    pub fn capacity_per_s(&self) -> f64 {
        f64::from(self.servers) * self.service_rate_per_s
    }

    /// The factor `(1 + scv) / 2` by which general service scales the waits
    /// of exponential service (Allen-Cunneen; 1 for exponential).
    fn wait_factor(&self) -> f64 {
        (1.0 + self.service_scv) / 2.0
    }

    /// The steady state under Poisson arrivals at `offered_per_s` requests per
    /// second (finite, >= 0). Without a queue limit and with `lambda >= c mu`
    /// there is none: the result is [`Regime::Overloaded`].
    pub fn steady(&self, offered_per_s: f64) -> Result<Steady, StationError> {
        let lambda = finite_non_negative(offered_per_s, StationError::OfferedRate)?;
        let capacity = self.capacity_per_s();
        Ok(match self.queue_limit {
            Some(k) => match self.negligible_limit(lambda, k) {
                Some(prob_wait) => self.unlimited_with(lambda, prob_wait),
                None if k <= MAX_LIMITED_STATES => self.limited(lambda, k),
                // A limit too long to solve state by state that binds: past
                // capacity it fills (the fluid backlog's regime).
                None if lambda >= capacity => self.overloaded(lambda),
                None => self.limited(lambda, k.min(MAX_LIMITED_STATES)),
            },
            None if lambda >= capacity => self.overloaded(lambda),
            None => self.unlimited(lambda),
        })
    }

    /// When a queue limit of `k` changes nothing that matters (the
    /// unlimited queue is stable and finds `k` or more waiting with
    /// probability `C rho^k` below 1e-12): the probability of waiting `C`
    /// (Erlang C, computed once for both).
    fn negligible_limit(&self, lambda: f64, k: u32) -> Option<f64> {
        let rho = lambda / self.capacity_per_s();
        if rho >= 1.0 {
            return None;
        }
        let c = erlang_c(self.servers, lambda / self.service_rate_per_s).unwrap_or(1.0);
        let k = f64::from(k);
        // Since ln rho <= rho - 1 and C <= 1 (so ln(1e-12 / C) >= ln 1e-12
        // > -27.7), k (rho - 1) < -30 puts the test below -1 (with room for
        // rounding) without a logarithm: the usual case, a long queue limit
        // at a moderate load.
        if k * (rho - 1.0) < -30.0 {
            return Some(c);
        }
        // Far from the threshold the logarithms decide (a power that
        // underflows is slow); near it the power, as exact as before.
        match k * rho.ln() - (1e-12 / c).ln() {
            m if m < -1.0 => Some(c),
            m if m > 1.0 => None,
            _ => (c * rho.powf(k) < 1e-12).then_some(c),
        }
    }

    /// M/G/c, stable: Erlang C, with the Allen-Cunneen factor.
    fn unlimited(&self, lambda: f64) -> Steady {
        // `lambda < c mu` was checked by the caller, so `rho < 1` unless
        // rounding says otherwise; then the limit `C -> 1` holds.
        self.unlimited_with(lambda, erlang_c(self.servers, lambda / self.service_rate_per_s).unwrap_or(1.0))
    }

    /// [`Self::unlimited`] given its probability of waiting.
    fn unlimited_with(&self, lambda: f64, prob_wait: f64) -> Steady {
        let mu = self.service_rate_per_s;
        let a = lambda / mu;
        let spare_per_s = self.capacity_per_s() - lambda;
        let factor = self.wait_factor();
        let mean_wait_s = prob_wait / spare_per_s * factor;
        let mean_waiting = lambda * mean_wait_s;
        let queue = Queue {
            prob_wait,
            mean_wait_s,
            mean_waiting,
            mean_in_system: mean_waiting + a,
            mean_response_s: mean_wait_s + 1.0 / mu,
            tail: WaitTail::Exponential { prob_wait, rate_per_s: spare_per_s / factor },
        };
        Steady {
            offered_per_s: lambda,
            throughput_per_s: lambda,
            utilisation: a / f64::from(self.servers),
            blocking: 0.0,
            regime: Regime::Stable(queue),
        }
    }

    /// No steady state: servers always busy, the excess accumulates.
    fn overloaded(&self, lambda: f64) -> Steady {
        let capacity = self.capacity_per_s();
        Steady {
            offered_per_s: lambda,
            throughput_per_s: capacity,
            utilisation: 1.0,
            blocking: 0.0,
            regime: Regime::Overloaded { excess_per_s: lambda - capacity },
        }
    }

    /// M/M/c/K by its birth-death solution; general service scales the waits
    /// by the Allen-Cunneen factor.
    fn limited(&self, lambda: f64, k: u32) -> Steady {
        let mu = self.service_rate_per_s;
        let c = self.servers as usize;
        let p = birth_death(self.servers, k, lambda / mu);
        let full = c + k as usize;
        // Sum the admitted states rather than take 1 - P(full): accurate
        // when almost every arrival is blocked.
        let admitted_share: f64 = p[..full].iter().sum();
        let blocking = p[full];
        let admitted = lambda * admitted_share;
        let lq: f64 = p.iter().enumerate().skip(c + 1).map(|(n, pn)| (n - c) as f64 * pn).sum();
        let tail = admission_tail(&p[c..full], admitted_share);
        let factor = self.wait_factor();
        let mean_waiting = lq * factor;
        let mean_wait_s = if admitted > 0.0 { mean_waiting / admitted } else { 0.0 };
        let queue = Queue {
            prob_wait: tail.first().copied().unwrap_or(0.0),
            mean_wait_s,
            mean_waiting,
            mean_in_system: mean_waiting + admitted / mu,
            mean_response_s: mean_wait_s + 1.0 / mu,
            tail: WaitTail::ErlangMix { rate_per_s: self.capacity_per_s() / factor, tail },
        };
        Steady {
            offered_per_s: lambda,
            throughput_per_s: admitted,
            // At most 1 in exact arithmetic; rounding may not say so.
            utilisation: (admitted / self.capacity_per_s()).min(1.0),
            blocking,
            regime: Regime::Stable(queue),
        }
    }
}

/// The stationary distribution `p_0 ..= p_{c+k}` of the M/M/c/K birth-death
/// chain with offered load `a = lambda / mu` (Erlangs). The normalised
/// recursion starts at the mode (`p_n / p_{n-1} = a / min(n, c)` is >= 1
/// up to `n = a`) with 1 and goes outwards, so every term is in `[0, 1]`:
/// no overflow for any `c, k` (1e5 and more), the terms far from the mode
/// underflowing harmlessly to 0; then it divides by the sum.
fn birth_death(servers: u32, k: u32, a: f64) -> Vec<f64> {
    let c = servers as usize;
    let full = c + k as usize;
    // Saturating cast: a load past the last state puts the mode there.
    let mode = (a.floor() as usize).min(full);
    let mut p = vec![0.0; full + 1];
    p[mode] = 1.0;
    for n in mode + 1..=full {
        p[n] = p[n - 1] * a / n.min(c) as f64;
    }
    for n in (1..=mode).rev() {
        p[n - 1] = p[n] * n.min(c) as f64 / a; // a >= n >= 1 here
    }
    let total: f64 = p.iter().sum(); // >= 1: p[mode] = 1.
    p.iter_mut().for_each(|x| *x /= total);
    p
}

/// `tail[j]` = P(an admitted arrival finds at least `c + j` in the system),
/// for `j` in `0..K`, from the probabilities of the states `c ..= c+K-1`
/// (the waiting states an arrival may join; PASTA).
fn admission_tail(waiting_states: &[f64], admitted_share: f64) -> Vec<f64> {
    let mut tail = vec![0.0; waiting_states.len()];
    let mut acc = 0.0;
    for (j, pn) in waiting_states.iter().enumerate().rev() {
        acc += pn;
        tail[j] = if admitted_share > 0.0 { (acc / admitted_share).min(1.0) } else { 0.0 };
    }
    tail
}

/// Whether a steady state exists.
#[derive(Debug, Clone, PartialEq)]
pub enum Regime {
    /// Stable: the queue's measures.
    Stable(Queue),
    /// No steady state (no queue limit and offered rate >= capacity): the
    /// queue grows at `excess_per_s` (requests per second, >= 0; 0 on the
    /// knife edge `lambda = c mu`). See [`Backlog`] for its transient.
    Overloaded {
        /// Offered rate minus capacity, requests per second.
        excess_per_s: f64,
    },
}

/// The steady state of a [`Station`] at one offered rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Steady {
    /// Offered rate, requests per second (`lambda`).
    pub offered_per_s: f64,
    /// Requests served per second (the admitted rate; `c mu` when overloaded).
    pub throughput_per_s: f64,
    /// Mean fraction of servers busy, in `[0, 1]`.
    pub utilisation: f64,
    /// Probability that an arrival is refused because the waiting room is
    /// full, in `[0, 1]`; 0 without a queue limit.
    pub blocking: f64,
    /// Stable with its queue measures, or overloaded.
    pub regime: Regime,
}

impl Steady {
    /// The queue measures, `None` when overloaded.
    pub fn queue(&self) -> Option<&Queue> {
        match &self.regime {
            Regime::Stable(q) => Some(q),
            Regime::Overloaded { .. } => None,
        }
    }

    /// Whether there is no steady state.
    pub fn is_overloaded(&self) -> bool {
        matches!(self.regime, Regime::Overloaded { .. })
    }

    /// P(Wq > `t_s`), the probability that an admitted request waits more
    /// than `t_s` seconds; 1 when overloaded (waits grow without bound).
    pub fn wait_exceeds(&self, t_s: f64) -> f64 {
        self.queue().map_or(1.0, |q| q.wait_exceeds(t_s))
    }

    /// The `p`-quantile of the wait of an admitted request, seconds; `None`
    /// when overloaded or `p` is not in `[0, 1)`.
    pub fn wait_quantile(&self, p: f64) -> Option<f64> {
        self.queue().and_then(|q| q.wait_quantile(p))
    }
}

/// The measures of a stable queue, for admitted requests.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// Probability that an admitted request waits (finds every server
    /// busy), in `[0, 1]`: Erlang C without a limit (for general service
    /// with more than one server, the M/M/c value: an approximation).
    pub prob_wait: f64,
    /// Mean wait before service, seconds (`Wq`).
    pub mean_wait_s: f64,
    /// Mean number of requests waiting (`Lq = lambda_admitted Wq`).
    pub mean_waiting: f64,
    /// Mean number of requests in the station, waiting or in service
    /// (`L = lambda_admitted W`).
    pub mean_in_system: f64,
    /// Mean time in the station, seconds (`W = Wq + 1 / mu`).
    pub mean_response_s: f64,
    tail: WaitTail,
}

/// The distribution of the wait of an admitted request.
#[derive(Debug, Clone, PartialEq)]
enum WaitTail {
    /// P(Wq > t) = prob_wait exp(-rate t): exact for M/M/c; for general
    /// service the rate is `(c mu - lambda) 2 / (1 + scv)`, so that the
    /// mean is Allen-Cunneen's (an approximation).
    Exponential { prob_wait: f64, rate_per_s: f64 },
    /// M/M/c/K: an arrival finding `c + m - 1` in the system waits for `m`
    /// departures at rate `c mu`, an Erlang(m) time; `tail[j]` = P(it finds
    /// at least `c + j`). Exact for exponential service; general service
    /// scales the time by the Allen-Cunneen factor (an approximation).
    ErlangMix { rate_per_s: f64, tail: Vec<f64> },
}

impl Queue {
    /// P(Wq > `t_s`), the probability that an admitted request waits more
    /// than `t_s` seconds, in `[0, 1]` (1 for negative `t_s`). Exact for
    /// exponential service; for general service an approximation (the
    /// exponential tail `C exp(-t C / Wq)` without a limit).
    pub fn wait_exceeds(&self, t_s: f64) -> f64 {
        if t_s < 0.0 {
            return 1.0;
        }
        match &self.tail {
            WaitTail::Exponential { prob_wait, rate_per_s } => prob_wait * (-rate_per_s * t_s).exp(),
            WaitTail::ErlangMix { rate_per_s, tail } => erlang_mix_exceeds(tail, rate_per_s * t_s),
        }
    }

    /// The `p`-quantile of the wait of an admitted request, seconds: the
    /// least `t` with P(Wq <= t) >= p (0 when at least a share `p` does not
    /// wait). `None` unless `p` is in `[0, 1)`.
    pub fn wait_quantile(&self, p: f64) -> Option<f64> {
        if !(0.0..1.0).contains(&p) {
            return None;
        }
        let beyond = 1.0 - p;
        if self.wait_exceeds(0.0) <= beyond {
            return Some(0.0);
        }
        Some(match &self.tail {
            WaitTail::Exponential { prob_wait, rate_per_s } => (prob_wait / beyond).ln() / rate_per_s,
            WaitTail::ErlangMix { rate_per_s, tail } => erlang_mix_quantile(tail, beyond) / rate_per_s,
        })
    }
}

/// `sum_j Poisson(j; x) tail[j]`: P(an Erlang mixture at unit rate > x).
/// Poisson weights in log space (no underflow of `exp(-x)` for large `x`),
/// stopped once past the mode and negligible.
fn erlang_mix_exceeds(tail: &[f64], x: f64) -> f64 {
    if x <= 0.0 {
        return tail.first().copied().unwrap_or(0.0);
    }
    let ln_x = x.ln();
    let mut ln_w = -x;
    let mut sum = 0.0;
    for (j, t) in tail.iter().enumerate() {
        if j > 0 {
            ln_w += ln_x - (j as f64).ln();
        }
        let w = ln_w.exp();
        sum += w * t;
        if j as f64 > x && w < 1e-18 {
            break;
        }
    }
    sum.min(1.0)
}

/// The `x` (unit rate) at which the Erlang mixture's tail equals `beyond`,
/// by bisection; the tail is decreasing in `x`. Markov's inequality bounds
/// it: P(X > x) <= E[X] / x, so `x = E[X] / beyond` is above it.
fn erlang_mix_quantile(tail: &[f64], beyond: f64) -> f64 {
    let mean: f64 = tail.iter().sum();
    let (mut lo, mut hi) = (0.0, mean / beyond);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if erlang_mix_exceeds(tail, mid) > beyond {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-13 * hi {
            break;
        }
    }
    hi
}

/// A fluid backlog: the requests waiting at a station, as a continuous
/// quantity, for transients (overload, a burst, a degraded PoP) that the
/// steady state cannot describe.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Backlog {
    waiting: f64,
}

/// What happened over one interval of [`Backlog::advance`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Advance {
    /// Requests served.
    pub served: f64,
    /// Requests refused because the waiting room was full (and, if the
    /// backlog started above the limit, the excess at the start).
    pub lost: f64,
    /// Requests waiting at the end of the interval.
    pub backlog_end: f64,
    /// The integral of the backlog over the interval, request-seconds: over
    /// the interval's length, the mean number waiting.
    pub area_req_s: f64,
    /// Seconds from the start of the interval at which a backlog that was
    /// not empty at the start emptied; `None` if it did not empty (or was
    /// empty all along).
    pub emptied_at_s: Option<f64>,
}

impl Backlog {
    /// A backlog of `waiting` requests (finite, >= 0).
    pub fn new(waiting: f64) -> Result<Self, StationError> {
        Ok(Backlog { waiting: finite_non_negative(waiting, StationError::Backlog)? })
    }

    /// Requests waiting.
    pub fn waiting(&self) -> f64 {
        self.waiting
    }

    /// Advance `dt_s` seconds (finite, >= 0) with `offered_per_s` requests
    /// per second (finite, >= 0) offered to `station`, exactly: the backlog
    /// is piecewise linear in time. While it is not empty the servers work
    /// at `c mu` and it changes at `lambda - c mu`; empty, they serve
    /// `min(lambda, c mu)`. It never goes below 0, and stops at the
    /// station's queue limit, the excess being lost. Conservation holds:
    /// start + offered = served + lost + end.
    pub fn advance(&mut self, station: &Station, offered_per_s: f64, dt_s: f64) -> Result<Advance, StationError> {
        let lambda = finite_non_negative(offered_per_s, StationError::OfferedRate)?;
        let dt = finite_non_negative(dt_s, StationError::Interval)?;
        let cap = station.queue_limit.map_or(f64::INFINITY, f64::from);
        let excess_at_start = (self.waiting - cap).max(0.0);
        let b0 = self.waiting.min(cap);
        let capacity = station.capacity_per_s();
        let mut out =
            if lambda > capacity { grow(b0, lambda, capacity, cap, dt) } else { drain(b0, lambda, capacity, dt) };
        out.lost += excess_at_start;
        self.waiting = out.backlog_end;
        Ok(out)
    }
}

/// Overloaded: the backlog grows at `lambda - c mu` until it reaches `cap`,
/// then stays there while the excess is lost.
fn grow(b0: f64, lambda: f64, capacity: f64, cap: f64, dt: f64) -> Advance {
    let net = lambda - capacity;
    let fill_s = (cap - b0) / net; // +inf without a limit
    let (rise_s, end) = if fill_s < dt { (fill_s, cap) } else { (dt, b0 + net * dt) };
    let full_s = dt - rise_s;
    let full_area = if full_s > 0.0 { cap * full_s } else { 0.0 };
    Advance {
        served: capacity * dt,
        lost: net * full_s,
        backlog_end: end,
        area_req_s: b0 * rise_s + 0.5 * net * rise_s * rise_s + full_area,
        emptied_at_s: None,
    }
}

/// Not overloaded: the backlog drains at `c mu - lambda` (a triangle or a
/// trapezoid), then the servers keep up with the arrivals.
fn drain(b0: f64, lambda: f64, capacity: f64, dt: f64) -> Advance {
    let net = capacity - lambda; // >= 0
    if b0 <= 0.0 {
        return Advance { served: lambda * dt, lost: 0.0, backlog_end: 0.0, area_req_s: 0.0, emptied_at_s: None };
    }
    let empty_s = b0 / net; // +inf when balanced
    if empty_s <= dt {
        return Advance {
            served: capacity * empty_s + lambda * (dt - empty_s),
            lost: 0.0,
            backlog_end: 0.0,
            area_req_s: 0.5 * b0 * empty_s,
            emptied_at_s: Some(empty_s),
        };
    }
    let end = (b0 - net * dt).max(0.0);
    Advance {
        served: capacity * dt,
        lost: 0.0,
        backlog_end: end,
        area_req_s: 0.5 * (b0 + end) * dt,
        emptied_at_s: None,
    }
}

#[cfg(test)]
mod tests;
