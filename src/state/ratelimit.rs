//! Rate limiters: the first seed's fixed-window limiter on the KV (read the
//! count, write count + 1) and a strongly consistent one (a counter in one
//! Durable Object). Both count what they admit per customer and window.

/// A count and its window packed into one KV value.
pub fn encode(window: u64, count: u64) -> u64 {
    (window << 32) | (count & 0xffff_ffff)
}

/// The count a KV value holds for `window` (zero if it is from another window).
pub fn count_in(value: u64, window: u64) -> u64 {
    if value >> 32 == window && value != 0 {
        value & 0xffff_ffff
    } else {
        0
    }
}

/// Admissions per customer and window, against a limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Admissions {
    limit: u64,
    windows: usize,
    admitted: Vec<u64>,
    /// Requests refused.
    pub rejected: u64,
}

impl Admissions {
    /// Counters for `customers` over `windows` windows.
    pub fn new(customers: usize, windows: usize, limit: u64) -> Self {
        Admissions { limit, windows, admitted: vec![0; customers * windows], rejected: 0 }
    }

    /// Admitted so far for `customer` in `window`.
    pub fn admitted(&self, customer: usize, window: usize) -> u64 {
        self.admitted.get(customer * self.windows + window).copied().unwrap_or(0)
    }

    /// Records one decision.
    pub fn record(&mut self, customer: usize, window: usize, admitted: bool) {
        if !admitted {
            self.rejected += 1;
        } else if let Some(c) = self.admitted.get_mut(customer * self.windows + window) {
            *c += 1;
        }
    }

    /// Admitted / limit, the largest and the mean over the windows in
    /// `full` (those whose demand reached the limit).
    pub fn over_admission(&self, full: std::ops::Range<usize>) -> (f64, f64) {
        let customers = self.admitted.len() / self.windows.max(1);
        let ratios: Vec<f64> = (0..customers)
            .flat_map(|c| full.clone().map(move |w| (c, w)))
            .map(|(c, w)| self.admitted(c, w) as f64 / self.limit as f64)
            .collect();
        let max = ratios.iter().copied().fold(0.0, f64::max);
        let mean = if ratios.is_empty() { 0.0 } else { ratios.iter().sum::<f64>() / ratios.len() as f64 };
        (max, mean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_carry_their_window() {
        let v = encode(7, 41);
        assert_eq!(count_in(v, 7), 41);
        assert_eq!(count_in(v, 8), 0, "a new window starts at zero");
        assert_eq!(count_in(0, 0), 0);
    }

    #[test]
    fn over_admission_is_admitted_over_limit() {
        let mut a = Admissions::new(2, 3, 10);
        for _ in 0..15 {
            a.record(0, 1, true);
        }
        for _ in 0..10 {
            a.record(1, 1, true);
        }
        a.record(1, 1, false);
        assert_eq!(a.over_admission(1..2), (1.5, 1.25));
        assert_eq!(a.rejected, 1);
    }
}
