//! The two distributions the simulation draws from: billable hours per call and the yearly
//! problem count.
//!
//! Both are sampled by inverse CDF rather than with rand_distr's samplers on purpose: the same
//! uniform number then gives a count that never falls when the rate rises, which is what lets two
//! simulations with different incident rates share their random numbers and compare year by year.

use super::stats::{normal_cdf, normal_quantile};

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

#[cfg(test)]
mod tests {
    use super::*;
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
}
