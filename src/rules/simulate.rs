//! Monte Carlo over simulated years, for the spread of each model's yearly cost.
//!
//! Each year draws four 64-bit words from a PCG generator seeded from the answers; every random
//! quantity is an inverse-CDF transform of its own bits of them, always drawn in the same order
//! whatever the inputs:
//!
//! | word | bits | for |
//! | --- | --- | --- |
//! | 1 | 32–63 | the problem count |
//! | 1 | 0–15, 16–31 | rounding the problems managed keeps; whether managed has the severe event too |
//! | 2 | 32–63, 0–31 | whether a site outage, a severe event happens |
//! | 3 | 52–63, 32–43 | the bulk of many calls' hours; the severe event's response bill |
//! | 3 | 0–15, 16–31 | how long the outage, the severe event lasts |
//! | 4 | 0–59 | the hours of up to six calls |
//! Break/fix and managed share each year's draws (common random numbers): the same problem
//! count, the same outage, the same severe event. Consequences the tests rely on:
//!
//! - more incidents never lower any year's break/fix cost, so no percentile of it falls;
//! - a managed outage or severe event only happens in a year break/fix has one too, and managed
//!   keeps at most as many problems as break/fix had.
//!
//! The verdict does not use the simulation: it compares exact expected costs (`costs.rs`), so
//! the number of simulated years cannot change a verdict, only the reported spread.

use rand::Rng;
use rand_pcg::Pcg64Mcg;

use super::costs::Model;
use super::ruleset::RuleSet;
use super::sampling::{EXACT_CALLS, HOURS_TABLE_BITS, NORMAL_TABLE_BITS, PoissonTable};
use super::stats::{order_key, quantiles_within};

/// What a simulation reports: p10, p50, p90 and p99 of each model's yearly cost. Co-managed
/// differs from managed in every year by the same fixed amount (fee and in-house time), so its
/// percentiles are managed's shifted by that amount.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub break_fix: [f64; 4],
    pub managed: [f64; 4],
}

/// Buffers reused between simulations: yearly costs as order keys.
#[derive(Debug, Default)]
pub struct Scratch {
    break_fix: Vec<u64>,
    managed: Vec<u64>,
}

const TWO_POW_NEG_32: f64 = 1.0 / (1u64 << 32) as f64;
const TWO_POW_NEG_16: f64 = 1.0 / (1u64 << 16) as f64;

// Integer ↔ float conversions go through u32/i64: x86-64 has single instructions for those,
// while u64 ↔ f64 needs a branchy sequence, and this loop runs 10,000 times per assessment.

/// A uniform in (0, 1) from the low 32 bits, never exactly 0 or 1.
#[inline]
fn unit32(bits: u64) -> f64 {
    (f64::from(bits as u32) + 0.5) * TWO_POW_NEG_32
}

/// The integer form of `unit32(bits) < p`: the count of 32-bit values `b` with
/// `(b + 0.5) / 2^32 < p`, so that `(bits as u32) < threshold32(p)` decides exactly the same
/// without converting every year's bits to a float. (`p × 2^32 − 0.5` is exact in a double.)
fn threshold32(p: f64) -> u64 {
    threshold(p, 32)
}

/// [`threshold32`] for 16 bits, the integer form of `unit16(bits) < p`.
fn threshold16(p: f64) -> u64 {
    threshold(p, 16)
}

fn threshold(p: f64, bits: i32) -> u64 {
    let x = p * 2f64.powi(bits) - 0.5;
    if x <= 0.0 {
        0
    } else {
        (x.ceil() as u64).min(1 << bits)
    }
}

/// A uniform in (0, 1) from the low 16 bits.
#[inline]
fn unit16(bits: u64) -> f64 {
    (f64::from(bits as u16) + 0.5) * TWO_POW_NEG_16
}

/// Simulates `rules.simulation.years` years.
pub fn simulate(m: &Model, rules: &RuleSet, seed: u128, scratch: &mut Scratch) -> Spread {
    let years = rules.simulation.years as usize;
    let hours = &rules.hours;
    let table = hours.table.as_slice();
    let severe = rules.severe_factors.as_slice();
    let mask = (1u64 << HOURS_TABLE_BITS) - 1;
    let severe_mask = (1u64 << NORMAL_TABLE_BITS) - 1;
    let counts = PoissonTable::new(m.lambda);
    // Managed events happen only in break/fix event years: thin them with a fixed ratio.
    let cyber_keep = if m.cyber_p_bf > 0.0 {
        m.cyber_p_managed / m.cyber_p_bf
    } else {
        0.0
    };
    let spread = m.duration_spread;
    let outage_bf = threshold32(m.outage_p_bf);
    let outage_managed = threshold32(m.outage_p_managed);
    let cyber_bf = threshold32(m.cyber_p_bf);
    let cyber_managed = threshold16(cyber_keep);
    let labour_billed = m.billed_share;
    let bf_fixed = m.routine_annual + m.security_stack_annual + m.in_house_annual;
    let managed_fixed = m.managed_fixed();
    let severe_bf = m.recovery_labour_bf + m.notification;
    let severe_managed = m.recovery_labour_managed + m.notification;

    // The bulk total's parts per possible count, so a year costs no square root.
    let bulk: Vec<(f64, f64)> = counts
        .counts()
        .map(|n| hours.bulk_parts(f64::from(n.saturating_sub(EXACT_CALLS))))
        .collect();

    // Every year below writes its slot, so the buffers only need the right length.
    scratch.break_fix.resize(years, 0);
    scratch.managed.resize(years, 0);
    let mut rng = Pcg64Mcg::new(seed);
    let normal = hours.normal.as_slice();
    // The smallest and largest keys of each model, for the quantiles' histogram.
    let (mut bf_lo, mut bf_hi, mut m_lo, mut m_hi) = (u64::MAX, 0u64, u64::MAX, 0u64);
    for (bf_key, m_key) in scratch.break_fix.iter_mut().zip(scratch.managed.iter_mut()) {
        let r1 = rng.next_u64();
        let r2 = rng.next_u64();
        let r3 = rng.next_u64();
        let r4 = rng.next_u64();

        let j = counts.index(unit32(r1 >> 32));
        let n = counts.lo() + j as u32;
        // Up to six exact calls, summed as a tree with absent calls as zeros: fast, and adding
        // a call can only raise the total.
        let exact = n.min(EXACT_CALLS);
        let call = |i: u32| {
            let present = f64::from(u8::from(i < exact));
            present * table[((r4 >> (HOURS_TABLE_BITS * i)) & mask) as usize]
        };
        let mut billable = ((call(0) + call(1)) + (call(2) + call(3))) + (call(4) + call(5));
        if n > EXACT_CALLS {
            let z = normal[(r3 >> (64 - NORMAL_TABLE_BITS)) as usize];
            billable += hours.bulk_from_parts(f64::from(n - EXACT_CALLS), bulk[j], z);
        }
        let calls = f64::from(n);
        let labour = m.rate_blended * billable + m.trip_per_call * calls;
        // Managed prevents a fixed share, rounding at random so the mean is exact (the sum is
        // non-negative, so truncation is the floor).
        let kept = ((m.keep * calls + unit16(r1)) as i64) as f64;

        let mut bf = bf_fixed + labour_billed * labour + calls * m.downtime_per_call_bf;
        let mut managed =
            managed_fixed + m.out_of_scope_share * labour + kept * m.downtime_per_call_managed;

        // Events are rare (a site outage in one year in four, a severe event in a few in a
        // hundred), so each is a branch skipped in most years; a managed event only happens in a
        // year break/fix has one too.
        let u_outage = u64::from((r2 >> 32) as u32);
        if u_outage < outage_bf {
            let d_outage = 1.0 + spread * (2.0 * unit16(r3) - 1.0);
            bf += m.site_hour * m.outage_hours_bf * d_outage + m.emergency_labour;
            if u_outage < outage_managed {
                managed += m.site_hour * m.outage_hours_managed * d_outage;
            }
        }

        // A severe event: downtime, a response bill drawn from the lognormal (the same draw for
        // both models in the same year), recovery work and any breach notification.
        if u64::from(r2 as u32) < cyber_bf {
            let d_cyber = 1.0 + spread * (2.0 * unit16(r3 >> 16) - 1.0);
            let response = m.response_median * severe[((r3 >> 32) & severe_mask) as usize];
            bf += m.site_hour * m.cyber_hours_bf * d_cyber + response + severe_bf;
            if u64::from((r1 >> 16) as u16) < cyber_managed {
                managed +=
                    m.site_hour * m.cyber_hours_managed * d_cyber + response + severe_managed;
            }
        }

        let (bk, mk) = (order_key(bf), order_key(managed));
        *bf_key = bk;
        *m_key = mk;
        (bf_lo, bf_hi) = (bf_lo.min(bk), bf_hi.max(bk));
        (m_lo, m_hi) = (m_lo.min(mk), m_hi.max(mk));
    }

    Spread {
        break_fix: quantiles_within(&mut scratch.break_fix, bf_lo, bf_hi),
        managed: quantiles_within(&mut scratch.managed, m_lo, m_hi),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The integer threshold decides exactly as the float comparison, at and around every
    /// boundary, for probabilities from the rules and awkward ones.
    #[test]
    fn integer_thresholds_decide_exactly_as_the_float_comparison() {
        for p in [
            0.0,
            1e-12,
            0.015,
            0.03,
            0.06,
            0.15,
            0.25,
            1.0 / 3.0,
            0.5,
            0.999_999,
            1.0,
            1.5,
        ] {
            let t = threshold32(p);
            for b in [
                0u64,
                1,
                2,
                t.saturating_sub(2),
                t.saturating_sub(1),
                t,
                t + 1,
                u64::from(u32::MAX),
            ] {
                let b = b.min(u64::from(u32::MAX));
                assert_eq!(b < t, unit32(b) < p, "p = {p}, bits = {b}");
            }
        }
    }
}
