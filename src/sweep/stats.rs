//! Statistics over replications: Student's t and normal quantiles, nearest-
//! rank percentiles, distribution-free confidence intervals for quantiles,
//! and the per-measure aggregate of a grid point.
//!
//! Everything here is a pure function of its inputs, summed in the order
//! given, so the same values give the same bits.

use serde::Serialize;

/// Confidence level of every interval in a sweep.
pub const CONFIDENCE: f64 = 0.95;

/// The standard normal quantile: `z` with `P(Z <= z) = p`, for `0 < p < 1`
/// (NaN outside). Wichura's algorithm AS 241 (PPND16, Applied Statistics
/// 37, 1988), about 16 significant digits.
pub fn normal_quantile(p: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * horner(&AS241_A, r) / horner(&AS241_B, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let r = (-tail.ln()).sqrt();
    let value = if r <= 5.0 {
        let r = r - 1.6;
        horner(&AS241_C, r) / horner(&AS241_D, r)
    } else {
        let r = r - 5.0;
        horner(&AS241_E, r) / horner(&AS241_F, r)
    };
    if q < 0.0 {
        -value
    } else {
        value
    }
}

/// A polynomial with coefficients from the constant term up, at `x`.
fn horner(coeffs: &[f64], x: f64) -> f64 {
    coeffs.iter().rev().fold(0.0, |acc, c| acc * x + c)
}

/// AS 241, central region |p - 0.5| <= 0.425: numerator, from the constant term.
const AS241_A: [f64; 8] = [
    3.387_132_872_796_366_5,
    133.141_667_891_784_38,
    1_971.590_950_306_551_4,
    13_731.693_765_509_46,
    45_921.953_931_549_87,
    67_265.770_927_008_7,
    33_430.575_583_588_13,
    2_509.080_928_730_122_7,
];
/// AS 241, central region: denominator.
const AS241_B: [f64; 8] = [
    1.0,
    42.313_330_701_600_91,
    687.187_007_492_057_9,
    5_394.196_021_424_751,
    21_213.794_301_586_597,
    39_307.895_800_092_71,
    28_729.085_735_721_943,
    5_226.495_278_852_546,
];
/// AS 241, intermediate tail (r <= 5): numerator.
const AS241_C: [f64; 8] = [
    1.423_437_110_749_683_5,
    4.630_337_846_156_545,
    5.769_497_221_460_691,
    3.647_848_324_763_204_5,
    1.270_458_252_452_368_4,
    0.241_780_725_177_450_6,
    0.022_723_844_989_269_184,
    7.745_450_142_783_414e-4,
];
/// AS 241, intermediate tail: denominator.
const AS241_D: [f64; 8] = [
    1.0,
    2.053_191_626_637_759,
    1.676_384_830_183_803_8,
    0.689_767_334_985_1,
    0.148_103_976_427_480_08,
    0.015_198_666_563_616_457,
    5.475_938_084_995_345e-4,
    1.050_750_071_644_416_8e-9,
];
/// AS 241, far tail (r > 5): numerator.
const AS241_E: [f64; 8] = [
    6.657_904_643_501_103,
    5.463_784_911_164_114,
    1.784_826_539_917_291_3,
    0.296_560_571_828_504_9,
    0.026_532_189_526_576_124,
    0.001_242_660_947_388_078_4,
    2.711_555_568_743_487_6e-5,
    2.010_334_399_292_288_1e-7,
];
/// AS 241, far tail: denominator.
const AS241_F: [f64; 8] = [
    1.0,
    0.599_832_206_555_887_9,
    0.136_929_880_922_735_8,
    0.014_875_361_290_850_615,
    7.868_691_311_456_133e-4,
    1.846_318_317_510_054_8e-5,
    1.421_511_758_316_446e-7,
    2.044_263_103_389_939_8e-15,
];

/// Degrees of freedom up to which [`t_quantile`] inverts the exact CDF;
/// above, it uses the Cornish-Fisher expansion.
const EXACT_DF: f64 = 100.0;

/// `P(|T| < t)` for Student's t with integer `df` >= 1 degrees of freedom:
/// the closed forms of Abramowitz & Stegun 26.7.3 (odd) and 26.7.4 (even),
/// with `theta = atan(t / sqrt(df))`.
fn t_two_sided_mass(t: f64, df: u32) -> f64 {
    let theta = (t / f64::from(df).sqrt()).atan();
    let (s, c) = theta.sin_cos();
    let c2 = c * c;
    if df % 2 == 1 {
        if df == 1 {
            return 2.0 * theta / std::f64::consts::PI;
        }
        // 1 + (2/3) c^2 + (2*4)/(3*5) c^4 + ... + (2*4*..*(df-3))/(3*5*..*(df-2)) c^(df-3)
        let (mut sum, mut term) = (1.0, 1.0);
        for k in 1..=(df - 3) / 2 {
            term *= f64::from(2 * k) / f64::from(2 * k + 1) * c2;
            sum += term;
        }
        2.0 / std::f64::consts::PI * (theta + s * c * sum)
    } else {
        // 1 + (1/2) c^2 + (1*3)/(2*4) c^4 + ... + (1*3*..*(df-3))/(2*4*..*(df-2)) c^(df-2)
        let (mut sum, mut term) = (1.0, 1.0);
        for k in 1..=(df - 2) / 2 {
            term *= f64::from(2 * k - 1) / f64::from(2 * k) * c2;
            sum += term;
        }
        s * sum
    }
}

/// The upper quantile (`p > 0.5`) of Student's t with integer `df`, by
/// bisection on the exact CDF.
fn t_quantile_exact(p: f64, df: u32) -> f64 {
    let target = 2.0 * p - 1.0;
    let mut hi = 1.0;
    while t_two_sided_mass(hi, df) < target && hi < 1e300 {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..2000 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if t_two_sided_mass(mid, df) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The Cornish-Fisher expansion of the t quantile in powers of `1/df`
/// (Abramowitz & Stegun 26.7.5), to `df^-4`: error below 1e-9 for df >= 100.
fn t_quantile_expansion(p: f64, df: f64) -> f64 {
    let z = normal_quantile(p);
    let z2 = z * z;
    let g1 = z * (z2 + 1.0) / 4.0;
    let g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
    let g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
    let g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
    z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df
}

/// Student's t quantile: `t` with `P(T <= t) = p` for `df` degrees of
/// freedom (`df >= 1`, or `f64::INFINITY` for the normal); NaN for `p`
/// outside (0, 1) or `df < 1`.
///
/// For integer `df <= 100` it inverts the exact CDF (Abramowitz & Stegun
/// 26.7.3-4) by bisection, to machine precision; above 100 it uses the
/// Cornish-Fisher expansion (26.7.5) to the fourth order, within 1e-9; a
/// fractional `df` below 100 interpolates linearly in `1/df` between the
/// neighbouring integers (the usual rule for t tables).
///
/// ```
/// use edgesim::sweep::stats::t_quantile;
/// assert!((t_quantile(0.975, 9.0) - 2.262157).abs() < 1e-6);
/// assert!((t_quantile(0.975, f64::INFINITY) - 1.959964).abs() < 1e-6);
/// ```
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) || df.is_nan() || df < 1.0 {
        return f64::NAN;
    }
    if p < 0.5 {
        return -t_quantile(1.0 - p, df);
    }
    if p == 0.5 {
        return 0.0;
    }
    if df.is_infinite() {
        return normal_quantile(p);
    }
    if df > EXACT_DF {
        return t_quantile_expansion(p, df);
    }
    let (lo, hi) = (df.floor(), df.ceil());
    if lo == hi {
        return t_quantile_exact(p, lo as u32);
    }
    let (a, b) = (t_quantile_exact(p, lo as u32), t_quantile_exact(p, hi as u32));
    let w = (1.0 / lo - 1.0 / df) / (1.0 / lo - 1.0 / hi);
    a + w * (b - a)
}

/// The nearest-rank quantile `num/den` of sorted values: the value of rank
/// `ceil(n * num / den)` (1-based, at least 1), computed in integers so
/// that no rounding moves the rank.
pub fn nearest_rank(sorted: &[f64], num: u64, den: u64) -> Option<f64> {
    let n = sorted.len() as u64;
    if n == 0 || den == 0 {
        return None;
    }
    let rank = (n * num).div_ceil(den).clamp(1, n);
    sorted.get(rank as usize - 1).copied()
}

/// The 1-based ranks `(l, u)` of the order statistics that bound a
/// distribution-free 95% confidence interval for the `q` quantile of `n`
/// values; `None` for a side no rank can bound at that confidence.
///
/// With `B ~ Binomial(n, q)` (the number of values at or below the true
/// quantile) and `F` its CDF, `P(x(l) <= xi_q) = P(B >= l)` and
/// `P(x(u) >= xi_q) = P(B <= u - 1)`. We take the largest `l >= 1` with
/// `F(l - 1) <= 2.5%` and the smallest `u <= n` with `F(u - 1) >= 97.5%`,
/// so each tail misses with probability at most 2.5% and the interval
/// `[x(l), x(u)]` covers the quantile with probability
/// `F(u - 1) - F(l - 1) >= 95%` (for continuous values; ties only widen
/// it). When even `F(0) > 2.5%` there is no lower rank (the interval is
/// open below), and when only `F(n) = 1` reaches 97.5% there is no upper
/// rank: for the p99 that needs n >= 368 values (0.99^n <= 2.5%).
pub fn quantile_ci_ranks(n: usize, q: f64) -> (Option<usize>, Option<usize>) {
    if n == 0 || !(q > 0.0 && q < 1.0) {
        return (None, None);
    }
    let alpha = (1.0 - CONFIDENCE) / 2.0;
    let cdf = binomial_cdf(n, q);
    // F is increasing: the ranks l with F(l-1) <= alpha are 1..=l.
    let l = cdf[..n].iter().take_while(|&&f| f <= alpha).count();
    let u = cdf[..n].iter().position(|&f| f >= 1.0 - alpha).map(|k| k + 1);
    ((l >= 1).then_some(l), u)
}

/// `F(k) = P(B <= k)` for `k = 0..=n`, `B ~ Binomial(n, q)`, `0 < q < 1`:
/// the pmf by the ratio recurrence in log space (no underflow of
/// `(1-q)^n`), summed in order.
fn binomial_cdf(n: usize, q: f64) -> Vec<f64> {
    let nf = n as f64;
    let log_odds = q.ln() - (1.0 - q).ln();
    let mut log_pmf = nf * (1.0 - q).ln();
    let mut acc = 0.0;
    let mut cdf = Vec::with_capacity(n + 1);
    for k in 0..=n {
        if k > 0 {
            let kf = k as f64;
            log_pmf += ((nf - kf + 1.0) / kf).ln() + log_odds;
        }
        acc += log_pmf.exp();
        cdf.push(acc.min(1.0));
    }
    if let Some(last) = cdf.last_mut() {
        *last = 1.0;
    }
    cdf
}

/// One measure over the replications of a grid point.
///
/// Percentiles are nearest-rank; `ci_low`/`ci_high` is the 95% Student's t
/// interval of the mean (`mean -/+ t(0.975, n-1) sd / sqrt(n)`, absent for
/// one value); `p50_ci` and `p99_ci` are distribution-free 95% intervals
/// from order statistics ([`quantile_ci_ranks`]), a `null` side meaning the
/// replications are too few to bound it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasureStats {
    /// Replications that gave a value.
    pub n: usize,
    /// Replications that ran but gave no value (an RTO never reached, say).
    pub missing: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1), absent for one value.
    pub sd: Option<f64>,
    /// Lower end of the 95% t interval of the mean.
    pub ci_low: Option<f64>,
    /// Upper end of the 95% t interval of the mean.
    pub ci_high: Option<f64>,
    /// Smallest.
    pub min: f64,
    /// Median (nearest rank).
    pub p50: f64,
    /// Distribution-free 95% interval of the median: [low, high].
    pub p50_ci: [Option<f64>; 2],
    /// 90th percentile (nearest rank).
    pub p90: f64,
    /// 99th percentile (nearest rank).
    pub p99: f64,
    /// Distribution-free 95% interval of the p99: [low, high].
    pub p99_ci: [Option<f64>; 2],
    /// Largest.
    pub max: f64,
}

/// Aggregates the values of one measure (in replication order) with
/// `missing` replications that gave none; `None` with no value.
pub fn describe(values: &[f64], missing: usize) -> Option<MeasureStats> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let sd = (n >= 2).then(|| (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (nf - 1.0)).sqrt());
    let half = sd.map(|sd| t_quantile(1.0 - (1.0 - CONFIDENCE) / 2.0, nf - 1.0) * sd / nf.sqrt());
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |num, den| nearest_rank(&sorted, num, den).unwrap_or(f64::NAN);
    let ci = |q| {
        let (l, u) = quantile_ci_ranks(n, q);
        [l.map(|r| sorted[r - 1]), u.map(|r| sorted[r - 1])]
    };
    Some(MeasureStats {
        n,
        missing,
        mean,
        sd,
        ci_low: half.map(|h| mean - h),
        ci_high: half.map(|h| mean + h),
        min: sorted[0],
        p50: at(1, 2),
        p50_ci: ci(0.5),
        p90: at(9, 10),
        p99: at(99, 100),
        p99_ci: ci(0.99),
        max: sorted[n - 1],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_match_tables() {
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-14);
        assert!((normal_quantile(0.5)).abs() < 1e-15);
        assert!((normal_quantile(0.999) - 3.090_232_306_167_813_5).abs() < 1e-13);
        assert!((normal_quantile(1e-10) + 6.361_340_902_404_056).abs() < 1e-11);
        assert!(normal_quantile(0.0).is_nan() && normal_quantile(1.0).is_nan());
        // Every region of AS 241 against Python's statistics.NormalDist (the same algorithm).
        for (p, z) in [
            (0.3, -0.524_400_512_708_040_7),
            (0.07, -1.475_791_028_179_170_2),
            (0.9999, 3.719_016_485_455_708_4),
            (1e-12, -7.034_483_825_301_132),
            (1e-15, -7.941_345_326_170_995),
            (1e-300, -37.047_096_299_361_2),
        ] {
            assert!((normal_quantile(p) - z).abs() < 1e-13 * z.abs().max(1.0), "z({p}) = {}", normal_quantile(p));
        }
    }

    #[test]
    fn exact_t_matches_closed_forms() {
        // df = 1 is Cauchy: t = tan(pi (p - 1/2)); df = 2: t = (2p-1) sqrt(2 / (1 - (2p-1)^2)).
        let p: f64 = 0.975;
        let cauchy = (std::f64::consts::PI * (p - 0.5)).tan();
        assert!((t_quantile(p, 1.0) - cauchy).abs() < 1e-9 * cauchy);
        let a = 2.0 * p - 1.0;
        assert!((t_quantile(p, 2.0) - a * (2.0 / (1.0 - a * a)).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn t_quantiles_match_tables() {
        let table = [
            (0.975, 1.0, 12.706_204_736),
            (0.975, 2.0, 4.302_652_730),
            (0.975, 9.0, 2.262_157_163),
            (0.975, 19.0, 2.093_024_054),
            (0.975, 29.0, 2.045_229_642),
            (0.975, 30.0, 2.042_272_456),
            (0.975, 100.0, 1.983_971_519),
            (0.975, 120.0, 1.979_930_405),
            (0.995, 4.0, 4.604_094_871),
            (0.95, 10.0, 1.812_461_123),
        ];
        for (p, df, want) in table {
            let got = t_quantile(p, df);
            assert!((got - want).abs() < 2e-9 * want, "t({p}, {df}) = {got}, want {want}");
            assert!((t_quantile(1.0 - p, df) + want).abs() < 2e-9 * want);
        }
        // The expansion and the exact inversion agree where they meet.
        assert!((t_quantile_expansion(0.975, 100.0) - t_quantile_exact(0.975, 100)).abs() < 1e-9);
        assert!((t_quantile(0.975, f64::INFINITY) - 1.959_963_985).abs() < 1e-9);
        assert!(t_quantile(0.975, 0.5).is_nan());
    }

    #[test]
    fn nearest_rank_uses_integer_ranks() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(nearest_rank(&v, 99, 100), Some(99.0));
        assert_eq!(nearest_rank(&v, 1, 2), Some(50.0));
        assert_eq!(nearest_rank(&v[..10], 9, 10), Some(9.0));
        assert_eq!(nearest_rank(&v[..1], 99, 100), Some(1.0));
        assert_eq!(nearest_rank(&[], 1, 2), None);
    }

    #[test]
    fn quantile_ci_ranks_bracket_the_binomial_tails() {
        // The classic median interval for n = 10: x(2)..x(9), 97.9% coverage.
        assert_eq!(quantile_ci_ranks(10, 0.5), (Some(2), Some(9)));
        // Too few values for a p99 upper bound; 368 are enough.
        assert_eq!(quantile_ci_ranks(100, 0.99).1, None);
        assert!(quantile_ci_ranks(368, 0.99).1.is_some());
        assert!(quantile_ci_ranks(367, 0.99).1.is_none());
        for n in [5usize, 20, 100, 1000] {
            for q in [0.5, 0.99] {
                let cdf = binomial_cdf(n, q);
                let (l, u) = quantile_ci_ranks(n, q);
                if let Some(l) = l {
                    assert!(cdf[l - 1] <= 0.025 && cdf[l] > 0.025, "n {n} q {q} l {l}");
                }
                if let Some(u) = u {
                    assert!(cdf[u - 1] >= 0.975 && (u < 2 || cdf[u - 2] < 0.975), "n {n} q {q} u {u}");
                }
            }
        }
    }

    #[test]
    fn describe_gives_mean_interval_and_percentiles() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = describe(&v, 2).expect("values");
        assert_eq!(
            (s.n, s.missing, s.mean, s.min, s.max, s.p50, s.p90, s.p99),
            (10, 2, 5.5, 1.0, 10.0, 5.0, 9.0, 10.0)
        );
        let sd = (82.5f64 / 9.0).sqrt();
        assert!((s.sd.expect("sd") - sd).abs() < 1e-12);
        let half = 2.262_157_163 * sd / 10f64.sqrt();
        assert!((s.ci_low.expect("low") - (5.5 - half)).abs() < 1e-8);
        assert_eq!(s.p50_ci, [Some(2.0), Some(9.0)]);
        let one = describe(&[3.0], 0).expect("one value");
        assert_eq!((one.sd, one.ci_low, one.p50_ci, one.p99_ci), (None, None, [None, None], [Some(3.0), None]));
        assert!(describe(&[], 1).is_none());
    }
}
