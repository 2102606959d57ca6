//! The seed's per-PoP rate limits: per deployment per second and per
//! minute, per account per second, in fixed windows. Requests belong to
//! deployments of accounts, with demand over deployments following a Zipf
//! law; each PoP counts on its own (no limit is shared between PoPs).

use crate::engine::SimTime;

/// The limits, per PoP.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitsConfig {
    /// Accounts.
    pub accounts: u32,
    /// Deployments of each account.
    pub deployments_per_account: u32,
    /// Cumulative demand share of deployments 0..n (Zipf).
    pub cdf: Vec<f64>,
    /// Per deployment per second.
    pub per_deployment_rps: u32,
    /// Per deployment per minute.
    pub per_deployment_per_min: u32,
    /// Per account per second.
    pub per_account_rps: u32,
    /// A PoP's capacity, requests per second.
    pub per_pop_qps: u32,
}

impl LimitsConfig {
    /// Limits with demand over `accounts x deployments` following Zipf(`s`).
    pub fn new(accounts: u32, deployments_per_account: u32, s: f64, limits: [u32; 4]) -> Self {
        let n = (accounts.max(1) * deployments_per_account.max(1)) as usize;
        let weights: Vec<f64> = (1..=n).map(|k| 1.0 / (k as f64).powf(s)).collect();
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let cdf = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        let [per_deployment_rps, per_deployment_per_min, per_account_rps, per_pop_qps] = limits;
        LimitsConfig {
            accounts,
            deployments_per_account,
            cdf,
            per_deployment_rps,
            per_deployment_per_min,
            per_account_rps,
            per_pop_qps,
        }
    }

    /// The deployment a request belongs to, from a uniform number in [0, 1).
    pub fn deployment(&self, u: f64) -> usize {
        self.cdf.partition_point(|&c| c <= u).min(self.cdf.len() - 1)
    }
}

/// Which limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitHit {
    /// The deployment's per-second limit.
    DeploymentPerSecond,
    /// The deployment's per-minute limit.
    DeploymentPerMinute,
    /// The account's per-second limit.
    AccountPerSecond,
}

impl LimitHit {
    /// Every limit, in report order.
    pub const ALL: [LimitHit; 3] =
        [LimitHit::DeploymentPerSecond, LimitHit::DeploymentPerMinute, LimitHit::AccountPerSecond];

    /// The name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitHit::DeploymentPerSecond => "deployment_per_second",
            LimitHit::DeploymentPerMinute => "deployment_per_minute",
            LimitHit::AccountPerSecond => "account_per_second",
        }
    }
}

/// A fixed-window counter: `(window index, count)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Window(u64, u32);

impl Window {
    fn count(&mut self, w: u64) -> &mut u32 {
        if self.0 != w {
            *self = Window(w, 0);
        }
        &mut self.1
    }
}

/// One PoP's counters.
#[derive(Debug, Clone, PartialEq)]
pub struct PopLimits {
    per_second: Vec<Window>,
    per_minute: Vec<Window>,
    accounts: Vec<Window>,
}

impl PopLimits {
    /// Counters for every deployment and account of `cfg`.
    pub fn new(cfg: &LimitsConfig) -> Self {
        let d = cfg.cdf.len();
        PopLimits {
            per_second: vec![Window(u64::MAX, 0); d],
            per_minute: vec![Window(u64::MAX, 0); d],
            accounts: vec![Window(u64::MAX, 0); cfg.accounts.max(1) as usize],
        }
    }

    /// A request of `deployment` arrives at `now`: admitted (counted) or
    /// the first limit it breaks.
    pub fn admit(&mut self, now: SimTime, deployment: usize, cfg: &LimitsConfig) -> Result<(), LimitHit> {
        let s = now.as_nanos() / 1_000_000_000;
        let m = s / 60;
        let account = deployment / cfg.deployments_per_account.max(1) as usize;
        let (ds, dm, a) = (
            *self.per_second[deployment].count(s),
            *self.per_minute[deployment].count(m),
            *self.accounts[account].count(s),
        );
        if ds >= cfg.per_deployment_rps {
            return Err(LimitHit::DeploymentPerSecond);
        }
        if dm >= cfg.per_deployment_per_min {
            return Err(LimitHit::DeploymentPerMinute);
        }
        if a >= cfg.per_account_rps {
            return Err(LimitHit::AccountPerSecond);
        }
        *self.per_second[deployment].count(s) += 1;
        *self.per_minute[deployment].count(m) += 1;
        *self.accounts[account].count(s) += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_second_then_per_minute_limits_bite_in_fixed_windows() {
        let cfg = LimitsConfig::new(1, 1, 1.0, [10, 25, 1000, 100_000]);
        let mut p = PopLimits::new(&cfg);
        let t = |ms: u64| SimTime(ms * 1_000_000);
        let admitted = (0..15).filter(|i| p.admit(t(*i), 0, &cfg).is_ok()).count();
        assert_eq!(admitted, 10, "10 per second");
        assert_eq!(p.admit(t(500), 0, &cfg), Err(LimitHit::DeploymentPerSecond));
        let next = (0..15).filter(|i| p.admit(t(1000 + i), 0, &cfg).is_ok()).count();
        assert_eq!(next, 10, "a new second");
        let third = (0..15).filter(|i| p.admit(t(2000 + i), 0, &cfg).is_ok()).count();
        assert_eq!(third, 5, "25 per minute");
        assert_eq!(p.admit(t(3000), 0, &cfg), Err(LimitHit::DeploymentPerMinute));
        assert!(p.admit(t(60_000), 0, &cfg).is_ok(), "a new minute");
    }

    #[test]
    fn zipf_demand_puts_the_most_on_the_first_deployment() {
        let cfg = LimitsConfig::new(10, 10, 1.0, [1, 1, 1, 1]);
        // H(100) = 5.187: deployment 0 gets 1/5.187 = 19.3% of the demand.
        assert_eq!(cfg.deployment(0.0), 0);
        assert_eq!(cfg.deployment(0.19), 0);
        assert_eq!(cfg.deployment(0.2), 1);
        assert_eq!(cfg.deployment(0.999_999), 99);
        let uniform = LimitsConfig::new(1, 4, 0.0, [1, 1, 1, 1]);
        assert_eq!((uniform.deployment(0.24), uniform.deployment(0.26)), (0, 1));
    }
}
