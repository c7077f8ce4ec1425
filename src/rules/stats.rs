//! Small numerical tools for the cost model: the normal distribution, the billable-hours
//! distribution, an inverse-CDF Poisson sampler, percentiles and a stable hash.
//!
//! Sampling is by inverse CDF rather than rand_distr's samplers on purpose: the same uniform
//! number then gives a count that never falls when the rate rises, which is what lets two
//! simulations with different incident rates share their random numbers and compare year by year.

use std::f64::consts::SQRT_2;

/// Complementary error function; fractional error below 1.2e-7 (Numerical Recipes, 2nd ed.,
/// §6.2), which is far finer than any figure in the cost model.
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Standard normal CDF.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / SQRT_2)
}

/// Standard normal quantile for `p` in (0, 1); Acklam's rational approximation, relative error
/// below 1.2e-9. Values at or beyond the ends are clamped to ±8.3, past any double-precision tail.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    if p.is_nan() || p <= 0.0 {
        return -8.3;
    }
    if p >= 1.0 {
        return 8.3;
    }
    let tail = |q: f64| {
        let q = (-2.0 * q.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < LOW {
        tail(p)
    } else if p > 1.0 - LOW {
        -tail(1.0 - p)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Bits of a random word used per billable-hours draw: a table of 2^10 quantiles.
pub const HOURS_TABLE_BITS: u32 = 10;
/// Bits of a random word used for the bulk total's standard normal draw.
pub const NORMAL_TABLE_BITS: u32 = 12;
/// Exact per-call draws per simulated year (six 10-bit indices fit in one 64-bit word); calls
/// beyond these are added as a moment-matched total.
pub const EXACT_CALLS: u32 = 6;

/// Billable hours per break/fix call: lognormal hours, never below the billing minimum.
#[derive(Debug, Clone, PartialEq)]
pub struct BillableHours {
    /// The minimum billed per call.
    pub minimum: f64,
    /// Expected billable hours per call, E[max(h, minimum)].
    pub mean: f64,
    /// Standard deviation of billable hours per call.
    pub sd: f64,
    /// Quantiles at the midpoints of 2^10 equal-probability slices, for exact per-call draws.
    pub table: Vec<f64>,
    /// Standard normal quantiles at the midpoints of 2^12 slices, for the bulk of many calls.
    pub normal: Vec<f64>,
}

impl BillableHours {
    /// From the lognormal's mean and σ and the billing minimum (all validated non-negative).
    pub fn new(mean_hours: f64, sigma: f64, minimum: f64) -> Self {
        let mu = mean_hours.ln() - sigma * sigma / 2.0;
        let (mean, second) = if sigma <= 0.0 {
            let y = mean_hours.max(minimum);
            (y, y * y)
        } else if minimum <= 0.0 {
            (mean_hours, (2.0 * mu + 2.0 * sigma * sigma).exp())
        } else {
            // E[max(h, m)] = m·P(h ≤ m) + E[h; h > m], and likewise for the second moment.
            let lm = minimum.ln();
            let below = normal_cdf((lm - mu) / sigma);
            let first =
                (mu + sigma * sigma / 2.0).exp() * normal_cdf((mu + sigma * sigma - lm) / sigma);
            let second = (2.0 * mu + 2.0 * sigma * sigma).exp()
                * normal_cdf((mu + 2.0 * sigma * sigma - lm) / sigma);
            (minimum * below + first, minimum * minimum * below + second)
        };
        let n = 1usize << HOURS_TABLE_BITS;
        let table = (0..n)
            .map(|i| {
                let p = (i as f64 + 0.5) / n as f64;
                (mu + sigma * normal_quantile(p)).exp().max(minimum)
            })
            .collect();
        let m = 1usize << NORMAL_TABLE_BITS;
        let normal = (0..m)
            .map(|i| normal_quantile((i as f64 + 0.5) / m as f64))
            .collect();
        BillableHours {
            minimum,
            mean,
            sd: (second - mean * mean).max(0.0).sqrt(),
            table,
            normal,
        }
    }

    /// Total billable hours for `m` calls beyond the exact ones, given a standard normal `z`:
    /// the minimum for each call plus a normal total of the excess, cut at zero. This total never
    /// falls as `m` rises, for any `z`, which keeps more incidents from ever costing less.
    #[cfg(test)]
    pub fn bulk_total(&self, m: f64, z: f64) -> f64 {
        self.bulk_from_parts(m, self.bulk_parts(m), z)
    }

    /// The parts of `bulk_total` that depend only on `m` (mean and spread of
    /// the excess over the minimum), so a simulation can work them out once per count.
    pub fn bulk_parts(&self, m: f64) -> (f64, f64) {
        (m * (self.mean - self.minimum), m.sqrt() * self.sd)
    }

    /// `bulk_total` from precomputed parts.
    #[inline]
    pub fn bulk_from_parts(&self, m: f64, (mean_excess, spread_excess): (f64, f64), z: f64) -> f64 {
        m * self.minimum + (mean_excess + spread_excess * z).max(0.0)
    }
}

/// Inverse-CDF sampler for a Poisson count, with a guide table so a draw costs a step or two.
#[derive(Debug, Clone)]
pub struct PoissonTable {
    lo: u32,
    cdf: Vec<f64>,
    guide: Vec<u32>,
}

impl PoissonTable {
    /// The table for mean `lambda`; a mean of zero (or less) always gives zero.
    pub fn new(lambda: f64) -> Self {
        if lambda.is_nan() || lambda <= 0.0 || lambda.is_infinite() {
            return PoissonTable {
                lo: 0,
                cdf: vec![1.0],
                guide: vec![0],
            };
        }
        // Relative weights from the mode outwards, stopping where they no longer matter.
        const NEGLIGIBLE: f64 = 1e-17;
        let mode = lambda.floor() as u64;
        let mut below = Vec::new();
        let (mut w, mut k) = (1.0_f64, mode);
        while k > 0 {
            w *= k as f64 / lambda;
            k -= 1;
            if w < NEGLIGIBLE {
                break;
            }
            below.push(w);
        }
        let mut above = Vec::new();
        let (mut w, mut k) = (1.0_f64, mode);
        loop {
            w *= lambda / (k + 1) as f64;
            k += 1;
            if w < NEGLIGIBLE {
                break;
            }
            above.push(w);
        }
        let lo = (mode - below.len() as u64) as u32;
        let weights: Vec<f64> = below
            .iter()
            .rev()
            .copied()
            .chain(std::iter::once(1.0))
            .chain(above)
            .collect();
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let mut cdf: Vec<f64> = weights
            .iter()
            .map(|w| {
                acc += w;
                acc / total
            })
            .collect();
        if let Some(last) = cdf.last_mut() {
            *last = 1.0;
        }
        // Several buckets per count, so most draws land in a bucket that holds no step of the
        // CDF and the search below ends at once, without a mispredicted branch.
        let buckets = (4 * cdf.len()).clamp(1024, 16_384);
        let mut guide = Vec::with_capacity(buckets);
        let mut j = 0usize;
        for i in 0..buckets {
            let edge = i as f64 / buckets as f64;
            while j + 1 < cdf.len() && cdf[j] < edge {
                j += 1;
            }
            guide.push(j as u32);
        }
        PoissonTable { lo, cdf, guide }
    }

    /// The smallest count whose cumulative probability reaches `u` (in [0, 1)).
    #[cfg(test)]
    pub fn quantile(&self, u: f64) -> u32 {
        self.lo + self.index(u) as u32
    }

    /// The position, among [`counts`](Self::counts), of the smallest count whose cumulative
    /// probability reaches `u` (in [0, 1)).
    #[inline]
    pub fn index(&self, u: f64) -> usize {
        let buckets = self.guide.len();
        let bucket = ((u * buckets as f64) as i64 as usize).min(buckets - 1);
        let mut j = self.guide[bucket] as usize;
        while j + 1 < self.cdf.len() && self.cdf[j] < u {
            j += 1;
        }
        j
    }

    /// The smallest count the table can give.
    #[inline]
    pub fn lo(&self) -> u32 {
        self.lo
    }

    /// Every count the table can give, in order.
    pub fn counts(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.cdf.len() as u32).map(|j| self.lo + j)
    }
}

/// Index of the `p` percentile in `n` sorted values (nearest rank).
pub fn rank(p: f64, n: usize) -> usize {
    ((p * n as f64).ceil() as usize)
        .saturating_sub(1)
        .min(n.saturating_sub(1))
}

/// An integer with the same order as the float (`f64::total_cmp`), so percentiles can be
/// selected with integer comparisons, which is several times faster.
#[inline]
pub fn order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// The float an [`order_key`] came from.
#[inline]
pub fn from_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// The `p` percentile of values given as order keys, reordering them; 0 for no values.
pub fn percentile(keys: &mut [u64], p: f64) -> f64 {
    if keys.is_empty() {
        return 0.0;
    }
    let k = rank(p, keys.len());
    from_order_key(*keys.select_nth_unstable(k).1)
}

/// The 10th, 50th and 90th percentiles of values given as order keys, reordering them. Each
/// selection works only on the part the previous one left unsorted, and the results are ordered
/// by construction.
pub fn deciles_10_50_90(keys: &mut [u64]) -> [f64; 3] {
    let n = keys.len();
    if n == 0 {
        return [0.0; 3];
    }
    let (k10, k50, k90) = (rank(0.1, n), rank(0.5, n), rank(0.9, n));
    let (left, mid, right) = keys.select_nth_unstable(k50);
    let p50 = *mid;
    let p10 = if k10 < k50 {
        *left.select_nth_unstable(k10).1
    } else {
        p50
    };
    let p90 = if k90 > k50 {
        *right.select_nth_unstable(k90 - k50 - 1).1
    } else {
        p50
    };
    [
        from_order_key(p10),
        from_order_key(p50),
        from_order_key(p90),
    ]
}

/// 64-bit FNV-1a: stable across platforms and Rust versions, unlike std's `DefaultHasher`.
pub fn fnv1a64(bytes: &[u8], basis: u64) -> u64 {
    bytes.iter().fold(basis, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The standard FNV-1a offset basis.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_functions_agree_with_known_values() {
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 1e-7);
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-7);
        assert!((normal_quantile(0.001) + 3.090_232_306).abs() < 1e-7);
        assert_eq!(normal_quantile(0.0), -8.3);
    }

    #[test]
    fn billable_hours_respect_the_minimum_and_match_the_table() {
        let h = BillableHours::new(1.5, 0.6, 1.0);
        assert!(h.mean > 1.5 && h.mean < 1.7, "{}", h.mean);
        let table_mean: f64 = h.table.iter().sum::<f64>() / h.table.len() as f64;
        assert!(
            (table_mean - h.mean).abs() / h.mean < 0.01,
            "{table_mean} vs {}",
            h.mean
        );
        assert!(h.table.iter().all(|v| *v >= 1.0));
        assert!(h.table.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn poisson_quantiles_rise_with_the_rate_for_every_uniform() {
        let rates = [0.0, 0.01, 0.5, 2.4, 11.9, 12.0, 60.0, 600.0, 6000.0];
        let tables: Vec<_> = rates.iter().map(|l| PoissonTable::new(*l)).collect();
        for i in 0..2000 {
            let u = (i as f64 + 0.5) / 2000.0;
            let counts: Vec<u32> = tables.iter().map(|t| t.quantile(u)).collect();
            assert!(counts.windows(2).all(|w| w[0] <= w[1]), "u={u}: {counts:?}");
        }
        let t = PoissonTable::new(60.0);
        let mean: f64 = (0..100_000)
            .map(|i| f64::from(t.quantile((i as f64 + 0.5) / 1e5)))
            .sum::<f64>()
            / 1e5;
        assert!((mean - 60.0).abs() < 0.05, "{mean}");
    }

    #[test]
    fn bulk_hours_never_fall_as_calls_rise() {
        let h = BillableHours::new(1.5, 0.6, 1.0);
        for z in [-8.0, -3.0, -1.0, 0.0, 2.0, 8.0] {
            let mut last = 0.0;
            for m in 0..200 {
                let t = h.bulk_total(f64::from(m), z);
                assert!(t >= last, "z={z} m={m}");
                last = t;
            }
        }
    }

    #[test]
    fn deciles_are_ordered_and_match_a_sort() {
        let mut v: Vec<u64> = (0..1001)
            .map(|i| order_key(((i * 7919) % 1001) as f64 - 300.0))
            .collect();
        let [a, b, c] = deciles_10_50_90(&mut v);
        assert_eq!((a, b, c), (-200.0, 200.0, 600.0));
    }

    #[test]
    fn order_keys_sort_like_floats() {
        let xs = [-1e12, -3.5, -0.0, 0.0, 1e-300, 2.5, 7e9];
        let keys: Vec<u64> = xs.iter().map(|x| order_key(*x)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert!(
            xs.iter()
                .all(|x| from_order_key(order_key(*x)).to_bits() == x.to_bits())
        );
    }
}
