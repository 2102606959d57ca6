//! Deployments, isolates, the warm pool and cold starts (the seed's
//! `isolate: memory 128 MB, cold start (V8) < 5 ms`, `server: memory 64 GB`
//! and `warm_pool` rules).
//!
//! Requests belong to deployments whose popularity follows a Zipf law
//! ([`Popularity`]). A server keeps at most one isolate per deployment (an
//! isolate serves concurrent requests); a request whose deployment has no
//! warm isolate on the server that serves it pays a cold start and creates
//! one. An isolate idle longer than `idle_evict` is evicted; its idle time
//! runs from the start of the last request it served (so that with Poisson
//! arrivals the cold-start probability is exactly `exp(-rate x idle_evict)`).
//!
//! The warm pool, as this model reads the seed: per PoP, the `K` most
//! popular deployments are pinned warm on every server (never evicted; they
//! count as memory). The seed's `min_isolates_per_deployment = 0` is read
//! as `K` at the start (nothing pinned), its `max = 1000` as the most
//! deployments pinned; `K` is also never above a server's isolate capacity
//! (memory / isolate memory). `K` grows by a step each control period in
//! which the PoP's cold-start rate is above the seed's 5%, and never
//! shrinks (the seed's scale-down rule is the idle eviction of unpinned
//! isolates). Memory is not a hard limit: a server's memory utilisation is
//! its warm isolates x isolate memory / server memory, and may pass 100%
//! (the memory demanded; the autoscaler's memory rule reacts to it).
//!
//! The closed forms ([`Popularity::cold_share`], [`Popularity::expected_warm`])
//! are the flow plane's model: Poisson arrivals at rate `lambda` spread
//! evenly over `n` servers, so deployment `i` (popularity `p_i`) reaches a
//! server at rate `lambda p_i / n`, is cold with probability
//! `exp(-lambda p_i T / n)` and warm on a server with probability one minus
//! that.

use crate::engine::{SimDuration, SimTime};

/// The isolate model's parameters, per PoP.
#[derive(Debug, Clone, PartialEq)]
pub struct IsolatesConfig {
    /// Time a cold start adds to a request's service.
    pub cold_start: SimDuration,
    /// An unpinned isolate idle this long is evicted.
    pub idle_evict: SimDuration,
    /// Memory of one isolate over the memory of one server (128 MB / 64 GiB).
    pub isolate_share: f64,
    /// Deployments pinned at the start (`K`).
    pub pool_min: u32,
    /// Most deployments pinned.
    pub pool_max: u32,
    /// Deployments added to the pinned pool per control period above the rate.
    pub pool_step: u32,
    /// The cold-start rate above which the pool grows (the seed's 5%).
    pub scale_up_rate: f64,
    /// Demand over the deployments.
    pub popularity: Popularity,
}

impl IsolatesConfig {
    /// The most deployments that may be pinned: `pool_max`, the deployments
    /// there are, and the isolates a server's memory holds.
    pub fn pool_cap(&self) -> u32 {
        let deployments = self.popularity.len();
        let fits = if self.isolate_share > 0.0 { (1.0 / self.isolate_share).floor() } else { f64::INFINITY };
        let fits = fits.min(u32::MAX as f64) as u32;
        self.pool_max.min(fits).min(deployments.min(u32::MAX as usize) as u32)
    }
}

/// Demand over deployments: the cumulative share of deployments `0..=i`,
/// most popular first.
#[derive(Debug, Clone, PartialEq)]
pub struct Popularity {
    cdf: Vec<f64>,
}

/// Ranks summed one by one past the pinned ones before buckets start.
const EXACT_RANKS: usize = 64;
/// Ratio of a rank bucket's end to its start past the exact ranks.
const BUCKET_RATIO: f64 = 1.05;

impl Popularity {
    /// Zipf(`s`) over `n` deployments (at least one).
    pub fn zipf(n: u32, s: f64) -> Self {
        let n = n.max(1) as usize;
        let weights: Vec<f64> = (1..=n).map(|k| 1.0 / (k as f64).powf(s)).collect();
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        Popularity {
            cdf: weights
                .iter()
                .map(|w| {
                    acc += w / total;
                    acc
                })
                .collect(),
        }
    }

    /// The popularity a cumulative share table gives (the rate limits' own,
    /// so that both models see the same deployments).
    pub fn from_cdf(cdf: Vec<f64>) -> Self {
        Popularity { cdf: if cdf.is_empty() { vec![1.0] } else { cdf } }
    }

    /// Deployments.
    pub fn len(&self) -> usize {
        self.cdf.len()
    }

    /// Always false: there is at least one deployment.
    pub fn is_empty(&self) -> bool {
        self.cdf.is_empty()
    }

    /// The deployment of a request, from a uniform number in [0, 1) (the
    /// same draw as [`crate::edge::limits::LimitsConfig::deployment`]).
    pub fn deployment(&self, u: f64) -> usize {
        self.cdf.partition_point(|&c| c <= u).min(self.cdf.len() - 1)
    }

    /// Demand share of deployments `from..to`.
    pub fn mass(&self, from: usize, to: usize) -> f64 {
        let to = to.min(self.cdf.len());
        if from >= to {
            return 0.0;
        }
        let below = if from == 0 { 0.0 } else { self.cdf[from - 1] };
        self.cdf[to - 1] - below
    }

    /// Demand share of deployment `i`.
    pub fn share(&self, i: usize) -> f64 {
        self.mass(i, i + 1)
    }

    /// Ranges of ranks from `k` on: each of the first [`EXACT_RANKS`] alone,
    /// then buckets whose end is at most [`BUCKET_RATIO`] times their start.
    fn buckets(&self, k: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let n = self.cdf.len();
        let mut from = k;
        std::iter::from_fn(move || {
            if from >= n {
                return None;
            }
            let width = if from < k + EXACT_RANKS { 1 } else { ((from as f64 * (BUCKET_RATIO - 1.0)) as usize).max(1) };
            let to = (from + width).min(n);
            let r = (from, to);
            from = to;
            Some(r)
        })
    }

    /// Share of requests that are cold when the top `k` deployments are
    /// pinned and each other deployment's isolate on a server sees
    /// `per_server_t` = `lambda T / n` expected requests per unit of
    /// popularity in an idle-eviction time: `sum_{i >= k} p_i exp(-p_i c)`.
    /// Past the first [`EXACT_RANKS`] unpinned ranks, ranks are summed in
    /// buckets (end / start at most 1.05) at the bucket's mean popularity:
    /// within a bucket `p` varies by at most `1.05^s`, so each term's
    /// relative error is at most `(1.05^s - 1) / e` (1.8% for `s = 1`), and
    /// so is the sum's. Cost: about 64 + ln(n / 64) / ln(1.05) terms.
    pub fn cold_share(&self, k: usize, c: f64) -> f64 {
        self.buckets(k)
            .map(|(a, b)| {
                let m = self.mass(a, b);
                m * (-c * m / (b - a) as f64).exp()
            })
            .sum()
    }

    /// [`Self::cold_share`] term by term (every rank; for checks).
    pub fn cold_share_exact(&self, k: usize, c: f64) -> f64 {
        (k..self.cdf.len()).map(|i| self.share(i) * (-c * self.share(i)).exp()).sum()
    }

    /// Expected warm isolates on a server: the `k` pinned and, for each
    /// other deployment, the chance it was used within an idle-eviction
    /// time: `k + sum_{i >= k} (1 - exp(-p_i c))`, bucketed as
    /// [`Self::cold_share`] (same error bound).
    pub fn expected_warm(&self, k: usize, c: f64) -> f64 {
        let unpinned: f64 = self
            .buckets(k)
            .map(|(a, b)| {
                let n = (b - a) as f64;
                n * -(-c * self.mass(a, b) / n).exp_m1()
            })
            .sum();
        k.min(self.cdf.len()) as f64 + unpinned
    }

    /// [`Self::expected_warm`] term by term (for checks).
    pub fn expected_warm_exact(&self, k: usize, c: f64) -> f64 {
        let unpinned: f64 = (k..self.cdf.len()).map(|i| -(-c * self.share(i)).exp_m1()).sum();
        k.min(self.cdf.len()) as f64 + unpinned
    }
}

/// The pinned warm pool of one PoP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarmPool {
    /// Deployments pinned: ranks `0..k`.
    pub k: u32,
}

impl WarmPool {
    /// The pool at the start: `pool_min`, within [`IsolatesConfig::pool_cap`].
    pub fn new(cfg: &IsolatesConfig) -> Self {
        WarmPool { k: cfg.pool_min.min(cfg.pool_cap()) }
    }

    /// One control period in which `cold` of `started` requests were cold:
    /// the pool grows by a step when the rate is above the threshold.
    /// Returns true if it grew.
    pub fn on_period(&mut self, cold: f64, started: f64, cfg: &IsolatesConfig) -> bool {
        if started <= 0.0 || cold / started <= cfg.scale_up_rate {
            return false;
        }
        let k = self.k.saturating_add(cfg.pool_step).min(cfg.pool_cap()).max(self.k);
        let grew = k > self.k;
        self.k = k;
        grew
    }
}

const NONE: u32 = u32::MAX;
const NEVER: u64 = u64::MAX;

/// Every server's isolates of one PoP, in flat tables sized at the start
/// (servers x deployments), allocating nothing afterwards: the start time
/// of the last request of each (server, deployment) and, per server, a
/// doubly linked list of its unpinned warm isolates, least recently used
/// first, so that eviction only looks at the list's head.
#[derive(Debug, Clone)]
pub struct ServerIsolates {
    deployments: usize,
    last: Vec<u64>,
    prev: Vec<u32>,
    next: Vec<u32>,
    /// Per server: the list's head, tail and length.
    head: Vec<u32>,
    tail: Vec<u32>,
    len: Vec<u32>,
    pinned: usize,
}

/// Bytes per (server, deployment) entry of [`ServerIsolates`].
pub const BYTES_PER_ENTRY: u64 = 16;

impl ServerIsolates {
    /// Tables for `servers` servers and `deployments` deployments, none warm.
    pub fn new(servers: usize, deployments: usize) -> Self {
        let n = servers * deployments;
        ServerIsolates {
            deployments,
            last: vec![NEVER; n],
            prev: vec![NONE; n],
            next: vec![NONE; n],
            head: vec![NONE; servers],
            tail: vec![NONE; servers],
            len: vec![0; servers],
            pinned: 0,
        }
    }

    /// Servers the tables hold.
    pub fn servers(&self) -> usize {
        self.head.len()
    }

    fn unlink(&mut self, server: usize, e: usize) {
        let (p, n) = (self.prev[e], self.next[e]);
        match p {
            NONE => self.head[server] = n,
            p => self.next[p as usize] = n,
        }
        match n {
            NONE => self.tail[server] = p,
            n => self.prev[n as usize] = p,
        }
        self.prev[e] = NONE;
        self.next[e] = NONE;
        self.len[server] -= 1;
    }

    fn push_back(&mut self, server: usize, e: usize) {
        let t = self.tail[server];
        self.prev[e] = t;
        self.next[e] = NONE;
        match t {
            NONE => self.head[server] = e as u32,
            t => self.next[t as usize] = e as u32,
        }
        self.tail[server] = e as u32;
        self.len[server] += 1;
    }

    /// A request of `deployment` starts on `server` at `now`: true if it is
    /// a cold start (no warm isolate: never used, or idle longer than
    /// `idle`). The isolate is warm afterwards. Pinned deployments are
    /// always warm. A server outside the tables is always cold.
    pub fn start(&mut self, server: usize, deployment: usize, now: SimTime, idle: SimDuration) -> bool {
        if deployment < self.pinned {
            return false;
        }
        if server >= self.servers() || deployment >= self.deployments {
            return true;
        }
        let e = server * self.deployments + deployment;
        let last = self.last[e];
        let cold = last == NEVER || now.as_nanos() - last.min(now.as_nanos()) > idle.as_nanos();
        if last != NEVER {
            self.unlink(server, e);
        }
        self.last[e] = now.as_nanos();
        self.push_back(server, e);
        cold
    }

    /// Evicts `server`'s isolates idle longer than `idle` at `now`.
    pub fn evict(&mut self, server: usize, now: SimTime, idle: SimDuration) {
        while let Some(e) = Some(self.head[server]).filter(|&h| h != NONE).map(|h| h as usize) {
            if now.as_nanos().saturating_sub(self.last[e]) <= idle.as_nanos() {
                break;
            }
            self.unlink(server, e);
            self.last[e] = NEVER;
        }
    }

    /// Pins deployments `0..k` on every server: their isolates leave the
    /// idle lists (they are warm for good).
    pub fn pin(&mut self, k: usize) {
        let k = k.min(self.deployments);
        for d in self.pinned..k {
            for server in 0..self.servers() {
                let e = server * self.deployments + d;
                if self.last[e] != NEVER {
                    self.unlink(server, e);
                    self.last[e] = NEVER;
                }
            }
        }
        self.pinned = self.pinned.max(k);
    }

    /// Warm isolates on `server`: the pinned and the unpinned not evicted.
    pub fn warm(&self, server: usize) -> u32 {
        self.pinned as u32 + self.len.get(server).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> IsolatesConfig {
        IsolatesConfig {
            cold_start: SimDuration::from_millis(5),
            idle_evict: SimDuration::from_secs(300),
            isolate_share: 128.0 / 65_536.0,
            pool_min: 0,
            pool_max: 1000,
            pool_step: 2,
            scale_up_rate: 0.05,
            popularity: Popularity::zipf(5, 1.0),
        }
    }

    #[test]
    fn isolates_go_cold_after_the_idle_time_and_pinned_ones_never() {
        let mut t = ServerIsolates::new(2, 10);
        let s = |x: u64| SimTime(x * 1_000_000_000);
        let idle = SimDuration::from_secs(300);
        assert!(t.start(0, 3, s(0), idle), "first use is cold");
        assert!(!t.start(0, 3, s(300), idle), "300 s idle: still warm");
        assert!(t.start(1, 3, s(300), idle), "another server has its own");
        assert!(t.start(0, 3, s(601), idle), "301 s idle: evicted");
        t.start(0, 4, s(602), idle);
        assert_eq!(t.warm(0), 2);
        t.evict(0, s(902), idle);
        assert_eq!(t.warm(0), 1, "deployment 3, last used at 601 s, is evicted at 902 s");
        t.pin(5);
        assert_eq!((t.warm(0), t.warm(1)), (5, 5), "pinned isolates replace the idle ones");
        assert!(!t.start(1, 0, s(10_000), idle));
    }

    #[test]
    fn the_pool_grows_by_its_step_while_the_rate_is_above_five_percent() {
        let c = cfg();
        let mut p = WarmPool::new(&c);
        assert!(p.on_period(6.0, 100.0, &c));
        assert!(!p.on_period(5.0, 100.0, &c), "5% is not above 5%");
        assert_eq!(p.k, 2);
        p.on_period(1.0, 1.0, &c);
        p.on_period(1.0, 1.0, &c);
        assert_eq!(p.k, 5, "capped at the deployments there are");
        // 64 GiB / 128 MB = 512 isolates fit a server.
        let many = IsolatesConfig { popularity: Popularity::zipf(100_000, 1.0), ..cfg() };
        assert_eq!(many.pool_cap(), 512);
    }

    #[test]
    fn bucketed_sums_stay_within_their_bound() {
        let pop = Popularity::zipf(100_000, 1.0);
        let bound = (1.05f64 - 1.0) / std::f64::consts::E;
        for c in [10.0, 1e3, 1e5, 1e7] {
            for k in [0, 10, 1000] {
                let (a, e) = (pop.cold_share(k, c), pop.cold_share_exact(k, c));
                assert!((a - e).abs() <= bound * e + 1e-15, "cold c={c} k={k}: {a} vs {e}");
                let (a, e) = (pop.expected_warm(k, c), pop.expected_warm_exact(k, c));
                assert!((a - e).abs() <= bound * e + 1e-9, "warm c={c} k={k}: {a} vs {e}");
            }
        }
        assert!(pop.buckets(0).count() < 300);
    }

    #[test]
    fn one_deployment_is_cold_as_poisson_says() {
        // One deployment, rate 1/s, T = 300 s: cold with exp(-300).
        let pop = Popularity::zipf(1, 1.0);
        assert_eq!(pop.cold_share(0, 2.0), (-2.0f64).exp());
        assert_eq!(pop.expected_warm(0, 2.0), 1.0 - (-2.0f64).exp());
        assert_eq!(pop.cold_share(1, 2.0), 0.0, "pinned");
    }
}
