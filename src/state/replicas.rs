//! The KV edge replicas at every PoP (the seed's `kv_replicas`): a read goes
//! to one replica chosen at random and waits its turn there (one server per
//! replica, first come first served, so each replica is a single-server
//! queue); an attempt a replica answers with an error is retried at once at
//! another replica (the seed's KV read policy: immediate, twice, "different
//! replica"); a PoP whose read p99 over a control period is above a bound
//! gets one more replica, up to a maximum (the seed: 2 to 10, p99 > 10 ms).
//!
//! Waiting is computed without events (Lindley's recursion: an attempt
//! starts at the later of its arrival and the replica's last finish), so a
//! read costs a few arithmetic operations and allocates nothing.

use crate::engine::dist::DurationDist;
use crate::engine::rng::Stream;
use crate::engine::{SimDuration, SimTime};
use rand::Rng;

/// Fewest reads in a control period before its p99 counts (below, a p99
/// is one slow read in a handful).
pub const MIN_READS_FOR_P99: u32 = 100;

/// The replicas' settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaConfig {
    /// Replicas per PoP at the start and at least.
    pub min: u32,
    /// Replicas per PoP at most.
    pub max: u32,
    /// Time a replica takes per attempt.
    pub service: DurationDist,
    /// Read latency whose p99 above it adds a replica.
    pub p99_up: SimDuration,
    /// The window the p99 is measured over (one decision per window).
    pub window: SimDuration,
    /// Share of attempts answered with an error.
    pub error_rate: f64,
    /// Immediate retries, each at another replica.
    pub retries: u32,
}

/// One read at the replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicaRead {
    /// From arrival to the last attempt's answer.
    pub latency: SimDuration,
    /// Attempts made (1 + retries).
    pub attempts: u32,
    /// An attempt succeeded.
    pub ok: bool,
}

/// Every PoP's replicas.
#[derive(Debug, Clone)]
pub struct EdgeReplicas {
    cfg: ReplicaConfig,
    /// Replicas in service per PoP.
    count: Vec<u32>,
    /// Per PoP x `max` replicas: when the replica finishes its last attempt, ns.
    free_at: Vec<u64>,
    /// Per PoP: reads and reads slower than `p99_up` in this window.
    period_reads: Vec<u32>,
    period_slow: Vec<u32>,
    /// When the current window started.
    window_start: SimTime,
}

impl EdgeReplicas {
    /// `min` replicas at each of `pops` PoPs.
    pub fn new(cfg: ReplicaConfig, pops: usize) -> Self {
        let max = cfg.max.max(cfg.min).max(1) as usize;
        EdgeReplicas {
            count: vec![cfg.min.clamp(1, max as u32); pops],
            free_at: vec![0; pops * max],
            period_reads: vec![0; pops],
            period_slow: vec![0; pops],
            window_start: SimTime::ZERO,
            cfg,
        }
    }

    /// The settings.
    pub fn config(&self) -> &ReplicaConfig {
        &self.cfg
    }

    /// PoPs.
    pub fn pops(&self) -> usize {
        self.count.len()
    }

    /// Replicas in service at PoP `pop`.
    pub fn replicas(&self, pop: usize) -> u32 {
        self.count[pop]
    }

    fn stride(&self) -> usize {
        self.cfg.max.max(self.cfg.min).max(1) as usize
    }

    /// A read arriving at PoP `pop` at `now`: attempts at distinct replicas
    /// (while there are any left) until one answers without error.
    pub fn read(&mut self, pop: usize, now: SimTime, rng: &mut Stream) -> ReplicaRead {
        let n = self.count[pop];
        let base = pop * self.stride();
        let mut replica = rng.random_range(0..n);
        let mut t = now.as_nanos();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let slot = &mut self.free_at[base + replica as usize];
            let start = t.max(*slot);
            let done = start + self.cfg.service.sample(rng).as_nanos();
            *slot = done;
            t = done;
            let failed = self.cfg.error_rate > 0.0 && rng.random::<f64>() < self.cfg.error_rate;
            if !failed || attempts > self.cfg.retries {
                let latency = SimDuration(t - now.as_nanos());
                self.count_read(pop, latency);
                return ReplicaRead { latency, attempts, ok: !failed };
            }
            // Another replica: uniform over the others (the same one if it is alone).
            if n > 1 {
                replica = (replica + 1 + rng.random_range(0..n - 1)) % n;
            }
        }
    }

    fn count_read(&mut self, pop: usize, latency: SimDuration) {
        self.period_reads[pop] += 1;
        self.period_slow[pop] += (latency > self.cfg.p99_up) as u32;
    }

    /// A control period ends at `now`. When the measuring window is over,
    /// every PoP whose p99 over it was above the bound (more than 1% of at
    /// least [`MIN_READS_FOR_P99`] reads slower) gets one more replica
    /// unless at `max`, and a new window starts. Returns the PoPs that got
    /// one, in index order, into `added` (cleared first).
    pub fn end_period(&mut self, now: SimTime, added: &mut Vec<u32>) {
        added.clear();
        if now - self.window_start < self.cfg.window {
            return;
        }
        self.window_start = now;
        for pop in 0..self.count.len() {
            let (reads, slow) = (self.period_reads[pop], self.period_slow[pop]);
            self.period_reads[pop] = 0;
            self.period_slow[pop] = 0;
            let over = reads >= MIN_READS_FOR_P99 && slow as f64 > 0.01 * reads as f64;
            if over && self.count[pop] < self.cfg.max {
                self.count[pop] += 1;
                added.push(pop as u32);
            }
        }
    }
}

/// The p99 of an M/M/1 queue's time in system (waiting and service), s:
/// exponential with rate mu - lambda (per second), so ln(100) / (mu - lambda).
/// `None` when the queue is unstable.
pub fn mm1_p99_s(lambda: f64, mu: f64) -> Option<f64> {
    (lambda < mu).then(|| 100f64.ln() / (mu - lambda))
}

/// The fewest replicas in `[min, max]` at which random dispatch of `lambda`
/// reads per second over M/M/1 replicas serving `mu` per second gives a
/// p99 at or below `bound_s`; `max` if none does.
pub fn replicas_for_p99(lambda: f64, mu: f64, bound_s: f64, min: u32, max: u32) -> u32 {
    (min..=max).find(|&c| mm1_p99_s(lambda / c as f64, mu).is_some_and(|p| p <= bound_s)).unwrap_or(max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    fn cfg(min: u32, max: u32, error_rate: f64) -> ReplicaConfig {
        ReplicaConfig {
            min,
            max,
            service: DurationDist::Exponential { mean_ns: 1e6 },
            p99_up: SimDuration::from_millis(10),
            window: SimDuration::from_secs(60),
            error_rate,
            retries: 2,
        }
    }

    /// Poisson reads at `rate` per second for `secs` at one PoP.
    fn poisson(r: &mut EdgeReplicas, rate: f64, secs: f64, seed: u64) -> Vec<ReplicaRead> {
        use rand_distr::{Distribution, Exp1};
        let mut arrivals = stream(seed, "arrivals");
        let mut rng = stream(seed, "replicas");
        let mut t = 0.0;
        let mut out = Vec::new();
        loop {
            let e: f64 = Exp1.sample(&mut arrivals);
            t += e / rate;
            if t > secs {
                return out;
            }
            out.push(r.read(0, SimTime::ZERO + SimDuration::from_secs_f64(t), &mut rng));
        }
    }

    #[test]
    fn time_in_system_is_exponential_with_rate_mu_minus_lambda_per_replica() {
        // 2 replicas, 1,400 reads/s: each an M/M/1 at 700/s against 1,000/s,
        // so P(T > t) = exp(-300 t).
        let mut r = EdgeReplicas::new(cfg(2, 2, 0.0), 1);
        let reads = poisson(&mut r, 1400.0, 200.0, 7);
        for t_ms in [2.0, 5.0, 10.0, 15.0] {
            let want = (-300.0 * t_ms / 1e3f64).exp();
            let got = reads.iter().filter(|x| x.latency.as_secs_f64() * 1e3 > t_ms).count() as f64 / reads.len() as f64;
            // Sojourn times in a queue are correlated: allow 10 standard errors
            // of independent draws (280,000 reads: 0.3% to 0.6% of `want`).
            let se = (want * (1.0 - want) / reads.len() as f64).sqrt();
            assert!((got - want).abs() < 10.0 * se + 1e-4, "P(T > {t_ms} ms): {got} against {want}");
        }
        assert!(reads.iter().all(|x| x.ok && x.attempts == 1));
    }

    #[test]
    fn reads_fail_only_when_every_attempt_errs() {
        // Error share q, two immediate retries: a read fails with q^3.
        let q = 0.2;
        let mut r = EdgeReplicas::new(cfg(3, 3, q), 1);
        let reads = poisson(&mut r, 100.0, 2000.0, 3);
        let n = reads.len() as f64;
        let failed = reads.iter().filter(|x| !x.ok).count() as f64 / n;
        let want = q * q * q;
        let se = (want * (1.0 - want) / n).sqrt();
        assert!((failed - want).abs() < 4.0 * se, "{failed} against {want}");
        let mean_attempts = reads.iter().map(|x| x.attempts as f64).sum::<f64>() / n;
        assert!((mean_attempts - (1.0 + q + q * q)).abs() < 0.01, "{mean_attempts}");
    }

    #[test]
    fn a_pop_gets_replicas_until_its_p99_is_under_the_bound() {
        // 1,800 reads/s at 1 ms each: the smallest c with
        // ln(100) / (1000 - 2000/c) <= 10 ms.
        let (lambda, mu) = (1800.0, 1000.0);
        let want = replicas_for_p99(lambda, mu, 0.010, 2, 10);
        assert!(want > 2 && want < 10, "a case where scaling matters: {want}");
        let mut r = EdgeReplicas::new(cfg(2, 10, 0.0), 1);
        use rand_distr::{Distribution, Exp1};
        let mut arrivals = stream(11, "arrivals");
        let mut rng = stream(11, "replicas");
        let mut t = 0.0;
        let mut added = Vec::new();
        for period in 1..=900 {
            while t < period as f64 {
                let e: f64 = Exp1.sample(&mut arrivals);
                t += e / lambda;
                r.read(0, SimTime::ZERO + SimDuration::from_secs_f64(t), &mut rng);
            }
            r.end_period(SimTime::ZERO + SimDuration::from_secs(period), &mut added);
        }
        assert_eq!(r.replicas(0), want);
    }

    #[test]
    fn never_more_than_max() {
        let mut r = EdgeReplicas::new(cfg(2, 3, 0.0), 1);
        let mut added = Vec::new();
        let reads = poisson(&mut r, 5000.0, 1.0, 1);
        assert!(reads.len() > 100);
        r.end_period(SimTime::ZERO + SimDuration::from_secs(30), &mut added);
        assert!(added.is_empty(), "the window is not over");
        r.end_period(SimTime::ZERO + SimDuration::from_secs(60), &mut added);
        assert_eq!(added, vec![0]);
        poisson(&mut r, 5000.0, 1.0, 2);
        r.end_period(SimTime::ZERO + SimDuration::from_secs(120), &mut added);
        assert!(added.is_empty(), "at max");
        assert_eq!(r.replicas(0), 3);
    }
}
