//! Small numerical tools for the cost model: the normal distribution, percentiles over order
//! keys, and a stable hash.

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

/// The quantile ranks every cost spread reports: p10, p50, p90, p99.
pub const QUANTILES: [f64; 4] = [0.1, 0.5, 0.9, 0.99];

/// Below this many values the quantiles are selected directly.
const BUCKETED_FROM: usize = 4096;
/// Buckets of the one-pass histogram: 2^11.
const BUCKET_BITS: u32 = 11;

/// The 10th, 50th, 90th and 99th percentiles (nearest rank) of values given as order keys,
/// exactly; may reorder the keys.
///
/// For many values a radix step does most of the work: the keys' range is cut into 2,048 equal
/// buckets (order keys of floats are spaced like logarithms, so that is a fine grid for costs
/// spread over a few octaves), one pass counts each bucket, the counts tell which bucket holds
/// each target rank and where in it, and a second pass collects only those buckets, in which the
/// targets are then selected. About a third of the work of successive `select_nth_unstable`
/// calls over all the values.
#[cfg(test)]
pub fn quantiles_10_50_90_99(keys: &mut [u64]) -> [f64; 4] {
    let (lo, hi) = range(keys);
    quantiles_within(keys, lo, hi)
}

/// The smallest and largest key.
fn range(keys: &[u64]) -> (u64, u64) {
    keys.iter()
        .fold((u64::MAX, 0), |(lo, hi), &x| (lo.min(x), hi.max(x)))
}

/// [`quantiles_10_50_90_99`] for keys known to lie in `lo..=hi` (the smallest and largest), as
/// the simulation tracks them while it writes the keys.
pub fn quantiles_within(keys: &mut [u64], lo: u64, hi: u64) -> [f64; 4] {
    const BUCKETS: usize = 1 << BUCKET_BITS;
    const MASK: usize = BUCKETS - 1;
    let n = keys.len();
    if n == 0 {
        return [0.0; 4];
    }
    let ranks = QUANTILES.map(|p| rank(p, n));
    if n < BUCKETED_FROM {
        return selected(keys, ranks);
    }
    let span_bits = 64 - hi.wrapping_sub(lo).leading_zeros();
    let shift = span_bits.saturating_sub(BUCKET_BITS);
    // Masked so the index is provably in range: every key is within lo..=hi anyway.
    let bucket = |x: u64| (x.wrapping_sub(lo) >> shift) as usize & MASK;

    let mut counts = [0u32; BUCKETS];
    for &x in keys.iter() {
        counts[bucket(x)] += 1;
    }
    // The bucket of each target rank (ranks ascend), and the rank within that bucket.
    let mut target = [(0usize, 0usize); 4];
    let (mut below, mut i) = (0usize, 0usize);
    for (b, &count) in counts.iter().enumerate() {
        let end = below + count as usize;
        while i < 4 && ranks[i] < end {
            target[i] = (b, ranks[i] - below);
            i += 1;
        }
        if i == 4 {
            break;
        }
        below = end;
    }
    // Collect the (at most four) wanted buckets in one pass.
    const NONE: u8 = u8::MAX;
    let mut slot_of = [NONE; BUCKETS];
    let mut wanted: Vec<Vec<u64>> = Vec::with_capacity(4);
    for &(b, _) in &target {
        if slot_of[b] == NONE {
            slot_of[b] = wanted.len() as u8;
            wanted.push(Vec::with_capacity(counts[b] as usize));
        }
    }
    for &x in keys.iter() {
        let slot = slot_of[bucket(x)];
        if slot != NONE {
            wanted[usize::from(slot) & 3].push(x);
        }
    }
    target.map(|(b, r)| from_order_key(nth(&mut wanted[usize::from(slot_of[b])], r)))
}

/// Above this many values a bucket is narrowed by another histogram before selecting.
const NARROWED_FROM: usize = 1024;

/// The `r`-th smallest key (from 0) of a non-empty bucket: selected directly when small,
/// otherwise narrowed to the one sub-bucket of 256 that holds it, and so on.
fn nth(keys: &mut [u64], r: usize) -> u64 {
    if keys.len() < NARROWED_FROM {
        return *keys.select_nth_unstable(r).1;
    }
    let (lo, hi) = range(keys);
    if lo == hi {
        return lo;
    }
    const BITS: u32 = 8;
    let shift = (64 - (hi - lo).leading_zeros()).saturating_sub(BITS);
    let bucket = |x: u64| ((x - lo) >> shift) as usize;
    let mut counts = [0u32; 1 << BITS];
    for &x in keys.iter() {
        counts[bucket(x)] += 1;
    }
    let mut below = 0usize;
    let mut which = 0;
    for (b, &count) in counts.iter().enumerate() {
        if r < below + count as usize {
            which = b;
            break;
        }
        below += count as usize;
    }
    let mut inside: Vec<u64> = Vec::with_capacity(counts[which] as usize);
    inside.extend(keys.iter().copied().filter(|&x| bucket(x) == which));
    nth(&mut inside, r - below)
}

/// The same quantiles by successive selections, each on the part the previous one left.
fn selected(keys: &mut [u64], [k10, k50, k90, k99]: [usize; 4]) -> [f64; 4] {
    let (left, mid, right) = keys.select_nth_unstable(k50);
    let p50 = *mid;
    let p10 = if k10 < k50 {
        *left.select_nth_unstable(k10).1
    } else {
        p50
    };
    let (p90, p99) = if k90 > k50 {
        let (_, at90, above) = right.select_nth_unstable(k90 - k50 - 1);
        let p90 = *at90;
        let p99 = if k99 > k90 {
            *above.select_nth_unstable(k99 - k90 - 1).1
        } else {
            p90
        };
        (p90, p99)
    } else {
        (p50, p50)
    };
    [p10, p50, p90, p99].map(from_order_key)
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
    fn quantiles_are_ordered_and_match_a_sort() {
        let mut v: Vec<u64> = (0..1001)
            .map(|i| order_key(((i * 7919) % 1001) as f64 - 300.0))
            .collect();
        let [a, b, c, d] = quantiles_10_50_90_99(&mut v);
        assert_eq!((a, b, c, d), (-200.0, 200.0, 600.0, 690.0));
    }

    /// Against a full sort: smooth data, heavy ties, a few distinct values, sorted and reversed
    /// input, one value only, a far outlier, negatives, and sizes either side of the threshold.
    #[test]
    fn bucketed_quantiles_are_exactly_those_of_a_sort() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let shapes: Vec<Box<dyn Fn(u64, usize) -> f64>> = vec![
            Box::new(|r, _| (r % 1_000_000) as f64 / 7.0),
            Box::new(|r, _| {
                if r % 100 < 95 {
                    5_000.0
                } else {
                    (r % 10_000) as f64
                }
            }),
            Box::new(|r, _| (r % 3) as f64),
            Box::new(|_, i| i as f64),
            Box::new(|_, i| -(i as f64)),
            Box::new(|r, _| if r % 1000 < 3 { 1e9 } else { (r % 50) as f64 }),
            Box::new(|_, _| 42.0),
            Box::new(|r, _| {
                if r % 2 == 0 {
                    -1e6
                } else {
                    1e-3 * (r % 97) as f64
                }
            }),
        ];
        for n in [1, 2, 10, 4095, 4096, 10_000, 20_011] {
            let n: usize = n;
            for shape in &shapes {
                let values: Vec<f64> = (0..n).map(|i| shape(next(), i)).collect();
                let mut keys: Vec<u64> = values.iter().map(|v| order_key(*v)).collect();
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                let want = QUANTILES.map(|p| sorted[rank(p, n)]);
                assert_eq!(quantiles_10_50_90_99(&mut keys), want, "n = {n}");
            }
        }
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
