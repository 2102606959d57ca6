//! Latency distributions of the flow data plane as atoms: a few dozen
//! `(value, mass)` pairs on a fixed grid of probabilities, dense where the
//! reports read quantiles (p50, p90, p99, p99.9). A PoP's latency past its
//! network delay is the sum of independent parts (the wait for a server,
//! the service, the network jitter both ways); a sum is the convolution of
//! the parts' atoms, compressed back onto the grid.

use crate::edge::station::Queue;
use crate::engine::dist::DurationDist;
use crate::engine::SimDuration;

/// Bin edges in probability, from 0 to 1: each bin becomes one atom, whose
/// value is the mass-weighted mean of what falls in it (so the mean is
/// kept). Narrow bins end at the quantiles reports read, so that a quantile
/// read back from a histogram of atoms lands on the true one.
const GRID: [f64; 45] = [
    0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.49, 0.4999, 0.5, 0.501, 0.51, 0.55, 0.6, 0.65, 0.7, 0.75,
    0.8, 0.85, 0.89, 0.8999, 0.9, 0.901, 0.91, 0.93, 0.9499, 0.95, 0.96, 0.97, 0.98, 0.989, 0.98999, 0.99, 0.9901,
    0.993, 0.996, 0.9989, 0.99899, 0.999, 0.9991, 0.9999, 1.0,
];

/// Bin edges in probability of the conditional wait (given one waits).
const TAIL_GRID: [f64; 17] =
    [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999, 1.0];

/// A distribution of durations as sorted atoms `(value ns, mass)`, masses
/// summing to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Atoms(Vec<(f64, f64)>);

/// Atoms with the mass above each, for quick tail queries.
#[derive(Debug, Clone, PartialEq)]
pub struct Tail {
    values: Vec<f64>,
    /// `above[i]`: the mass of atoms `i..`.
    above: Vec<f64>,
}

impl Tail {
    /// The tail sums of `atoms`.
    pub fn new(atoms: &Atoms) -> Self {
        let values = atoms.0.iter().map(|a| a.0).collect();
        let mut above = vec![0.0; atoms.0.len() + 1];
        for i in (0..atoms.0.len()).rev() {
            above[i] = above[i + 1] + atoms.0[i].1;
        }
        Tail { values, above }
    }

    /// The mass above `ns`, as [`Atoms::mass_above`] gives it.
    pub fn mass_above(&self, ns: f64) -> f64 {
        // Past the last atom (the usual case: a client timeout far beyond
        // the latency) or before the first: the ends, without a search.
        match (self.values.first(), self.values.last()) {
            (_, Some(last)) if *last <= ns => self.above[self.values.len()],
            (Some(first), _) if *first > ns => self.above[0],
            _ => self.above[self.values.partition_point(|v| *v <= ns)],
        }
    }
}

impl Atoms {
    /// All mass at `ns`.
    pub fn point(ns: f64) -> Self {
        Atoms(vec![(ns.max(0.0), 1.0)])
    }

    /// The atoms of a distribution given by its quantile function: each
    /// grid bin's value is the quantile at the bin's middle probability.
    pub fn from_quantiles(quantile: impl Fn(f64) -> f64) -> Self {
        let atoms = GRID.windows(2).map(|w| (quantile(0.5 * (w[0] + w[1])).max(0.0), w[1] - w[0])).collect();
        Atoms(atoms).sorted()
    }

    /// The service time distribution.
    pub fn service(d: &DurationDist) -> Self {
        match d {
            DurationDist::Constant { ns } => Atoms::point(*ns as f64),
            _ => Atoms::from_quantiles(|p| d.quantile_ns(p)),
        }
    }

    /// The wait for a server of an admitted request at a stable station: no
    /// wait with probability `1 - C`, else the conditional wait on a grid
    /// of 16 bins dense in its tail (a few dozen atoms at most, so that a
    /// sum with it stays cheap).
    pub fn wait(queue: &Queue) -> Self {
        let c = queue.prob_wait.clamp(0.0, 1.0);
        if c < 1e-9 {
            return Atoms::point(0.0);
        }
        let mut atoms = Vec::with_capacity(TAIL_GRID.len());
        if c < 1.0 {
            atoms.push((0.0, 1.0 - c));
        }
        for w in TAIL_GRID.windows(2) {
            // The conditional quantile q is the unconditional 1 - C + C q.
            let q = 0.5 * (w[0] + w[1]);
            let v = queue.wait_quantile((1.0 - c + c * q).min(1.0 - 1e-12)).unwrap_or(0.0) * 1e9;
            atoms.push((v.max(0.0), c * (w[1] - w[0])));
        }
        Atoms(atoms).sorted()
    }

    /// Jitter both ways (two independent draws), or nothing.
    pub fn round_trip_jitter(jitter: Option<&DurationDist>) -> Self {
        match jitter {
            None => Atoms::point(0.0),
            Some(j) => {
                let one = Atoms::service(j);
                one.plus(&one)
            }
        }
    }

    /// Sorted by value. Values are never negative, so their bits sort as
    /// the numbers do (and the sort, though unstable, is deterministic).
    fn sorted(mut self) -> Self {
        self.0.sort_unstable_by_key(|a| a.0.max(0.0).to_bits());
        self
    }

    /// The distribution of the sum of independent draws of `self` and
    /// `other`, compressed onto the grid.
    pub fn plus(&self, other: &Atoms) -> Atoms {
        if other.0.len() == 1 {
            let d = other.0[0].0;
            return Atoms(self.0.iter().map(|(v, m)| (v + d, *m)).collect());
        }
        if self.0.len() == 1 {
            return other.plus(self);
        }
        let mut all = Vec::with_capacity(self.0.len() * other.0.len());
        for (a, ma) in &self.0 {
            for (b, mb) in &other.0 {
                all.push((a + b, ma * mb));
            }
        }
        Atoms(all).sorted().compressed()
    }

    /// Sorted atoms regrouped onto the grid's bins.
    fn compressed(self) -> Atoms {
        let mut out = Vec::with_capacity(GRID.len() - 1);
        let mut atoms = self.0.into_iter();
        let mut current = atoms.next();
        let mut cum: f64 = 0.0;
        for w in GRID.windows(2) {
            let (lo, hi) = (w[0], w[1]);
            let (mut mass, mut sum) = (0.0, 0.0);
            while let Some((v, m)) = current {
                let take = m.min(hi - cum.max(lo));
                if take <= 0.0 {
                    break;
                }
                mass += take;
                sum += take * v;
                cum += take;
                if take < m {
                    current = Some((v, m - take));
                    break;
                }
                current = atoms.next();
            }
            if mass > 0.0 {
                out.push((sum / mass, mass));
            }
        }
        // What rounding left past the last edge goes to the last atom.
        let rest: f64 = current.map_or(0.0, |(_, m)| m) + atoms.map(|(_, m)| m).sum::<f64>();
        if let Some(last) = out.last_mut() {
            last.1 += rest;
        }
        Atoms(out)
    }

    /// The mass above `ns`.
    #[cfg(test)]
    pub fn mass_above(&self, ns: f64) -> f64 {
        let i = self.0.partition_point(|(v, _)| *v <= ns);
        self.0[i..].iter().map(|(_, m)| m).sum()
    }

    /// The mean, ns.
    #[cfg(test)]
    pub fn mean(&self) -> f64 {
        self.0.iter().map(|(v, m)| v * m).sum()
    }

    /// The atoms as whole-nanosecond durations.
    pub fn durations(&self) -> Vec<(SimDuration, f64)> {
        self.0.iter().map(|(v, m)| (SimDuration(v.round() as u64), *m)).collect()
    }

    #[cfg(test)]
    /// The `p`-quantile read as a histogram would: the least atom value at
    /// which the cumulative mass reaches `p`.
    pub fn quantile(&self, p: f64) -> f64 {
        let mut cum = 0.0;
        for (v, m) in &self.0 {
            cum += m;
            if cum >= p - 1e-12 {
                return *v;
            }
        }
        self.0.last().map_or(0.0, |a| a.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(mean: f64) -> Atoms {
        Atoms::from_quantiles(|p| -mean * (-p).ln_1p())
    }

    #[test]
    fn grid_atoms_keep_the_mass_and_read_back_quantiles() {
        let a = exp(1.0);
        let mass: f64 = a.0.iter().map(|(_, m)| m).sum();
        assert!((mass - 1.0).abs() < 1e-12);
        // Quantiles read at the narrow bins just below them: within 0.1%.
        for p in [0.5f64, 0.9, 0.99, 0.999] {
            let exact = -(1.0 - p).ln();
            let read = a.quantile(p);
            assert!((read / exact - 1.0).abs() < 1e-3, "p{p}: {read} vs {exact}");
        }
    }

    #[test]
    fn the_sum_of_two_exponentials_is_an_erlang_2() {
        // Erlang-2 with rate 1: P(X > x) = (1 + x) e^-x; its mean is 2.
        let s = exp(1.0).plus(&exp(1.0));
        assert!((s.mean() - 2.0).abs() < 0.01, "mean {}", s.mean());
        for x in [1.0f64, 3.0, 6.0] {
            let exact = (1.0 + x) * (-x).exp();
            assert!((s.mass_above(x) - exact).abs() < 0.02, "P(X > {x}): {} vs {exact}", s.mass_above(x));
        }
        // The median of Erlang-2 is 1.678347 (solves (1 + x) e^-x = 1/2).
        assert!((s.quantile(0.5) / 1.678_347 - 1.0).abs() < 0.02, "median {}", s.quantile(0.5));
    }

    #[test]
    fn wait_atoms_keep_the_probability_of_waiting_and_the_mean_wait() {
        use crate::edge::station::Station;
        // M/M/4 at rho 0.9 (Erlang C: P(wait) 0.78775, Wq 19.6938 ms).
        let st = Station::new(4, 100.0, 1.0, None).unwrap().steady(360.0).unwrap();
        let q = st.queue().expect("stable");
        let w = Atoms::wait(q);
        assert!(w.0.len() <= TAIL_GRID.len(), "{} atoms", w.0.len());
        assert!((1.0 - w.mass_above(0.0) - (1.0 - q.prob_wait)).abs() < 1e-12);
        assert!((w.mean() / (q.mean_wait_s * 1e9) - 1.0).abs() < 0.01, "mean {} vs {}", w.mean(), q.mean_wait_s * 1e9);
    }

    #[test]
    fn tail_sums_agree_with_the_atoms() {
        let a = exp(1.0).plus(&exp(2.0));
        let t = Tail::new(&a);
        for x in [0.0, 0.5, 1.0, 3.0, 7.0, 20.0, 1e9] {
            assert!((t.mass_above(x) - a.mass_above(x)).abs() < 1e-12, "at {x}");
        }
        // The ends (read without a search) are the searched values exactly,
        // at every atom and on either side of it.
        let searched = |ns: f64| t.above[t.values.partition_point(|v| *v <= ns)];
        for v in t.values.iter().flat_map(|v| [v - 1e-3, *v, v + 1e-3]).chain([-1.0, f64::MAX]) {
            assert_eq!(t.mass_above(v), searched(v), "at {v}");
        }
        assert_eq!(t.mass_above(f64::MAX), 0.0);
        assert!((t.mass_above(-1.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_point_shifts() {
        let s = exp(1.0).plus(&Atoms::point(5.0));
        assert!((s.mean() - 6.0).abs() < 0.01);
        assert_eq!(s.mass_above(4.99), 1.0);
    }
}
