//! Monte Carlo over simulated years, for the spread of each model's yearly cost.
//!
//! Each year draws five 64-bit words from a PCG generator seeded from the answers; every random
//! quantity is an inverse-CDF transform of those bits, always drawn in the same order whatever the
//! inputs. Break/fix and managed share each year's draws (common random numbers): the same problem
//! count, the same outage, the same severe event. Consequences the tests rely on:
//!
//! - more incidents never lower any year's break/fix cost, so no percentile of it falls;
//! - a managed outage or severe event only happens in a year break/fix has one too, and managed
//!   keeps at most as many problems as break/fix had; so in every year, raising incidents,
//!   reliance, complexity, support hours or security never lowers (break/fix − managed).

use rand::Rng;
use rand_pcg::Pcg64Mcg;

use super::costs::Model;
use super::ruleset::RuleSet;
use super::sampling::{EXACT_CALLS, HOURS_TABLE_BITS, NORMAL_TABLE_BITS, PoissonTable};
use super::stats::{deciles_10_50_90, order_key, percentile};

/// What a simulation reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// p10, p50, p90 of break/fix yearly cost (zeros when only the gap was asked for).
    pub break_fix: [f64; 3],
    /// p10, p50, p90 of managed yearly cost (zeros when only the gap was asked for).
    pub managed: [f64; 3],
    /// The cost factor's percentile (p90 by default) of break/fix − managed in the same year.
    pub gap: f64,
}

/// Buffers reused between simulations of one assessment: yearly costs as order keys.
#[derive(Debug, Default)]
pub struct Scratch {
    break_fix: Vec<u64>,
    managed: Vec<u64>,
    gap: Vec<u64>,
}

const TWO_POW_NEG_53: f64 = 1.0 / (1u64 << 53) as f64;
const TWO_POW_NEG_32: f64 = 1.0 / (1u64 << 32) as f64;
const TWO_POW_NEG_16: f64 = 1.0 / (1u64 << 16) as f64;

// Integer ↔ float conversions go through u32/i64: x86-64 has single instructions for those,
// while u64 ↔ f64 needs a branchy sequence, and this loop runs 10,000 times per assessment.

/// A uniform in (0, 1) from the low 32 bits, never exactly 0 or 1.
#[inline]
fn unit32(bits: u64) -> f64 {
    (f64::from(bits as u32) + 0.5) * TWO_POW_NEG_32
}

/// A uniform in (0, 1) from the low 16 bits.
#[inline]
fn unit16(bits: u64) -> f64 {
    (f64::from(bits as u16) + 0.5) * TWO_POW_NEG_16
}

/// A uniform in [0, 1) from the top 53 bits.
#[inline]
fn unit53(bits: u64) -> f64 {
    ((bits >> 11) as i64) as f64 * TWO_POW_NEG_53
}

/// Simulates `rules.simulation.years` years. With `full` false only the gap percentile is
/// computed, which is all the what-would-change search needs.
pub fn simulate(
    m: &Model,
    rules: &RuleSet,
    seed: u128,
    full: bool,
    scratch: &mut Scratch,
) -> Spread {
    let years = rules.simulation.years as usize;
    let hours = &rules.hours;
    let table = hours.table.as_slice();
    let mask = (1u64 << HOURS_TABLE_BITS) - 1;
    let counts = PoissonTable::new(m.lambda);
    // Managed events happen only in break/fix event years: thin them with a fixed ratio.
    let cyber_keep = if m.cyber_p_bf > 0.0 {
        m.cyber_p_managed / m.cyber_p_bf
    } else {
        0.0
    };
    let spread = m.duration_spread;

    // The bulk total's parts per possible count, so a year costs no square root.
    let bulk: Vec<(f64, f64)> = counts
        .counts()
        .map(|n| hours.bulk_parts(f64::from(n.saturating_sub(EXACT_CALLS))))
        .collect();

    // Every year below writes its slot, so the buffers only need the right length: clearing
    // them first would zero a quarter of a megabyte per simulation for nothing.
    scratch.gap.resize(years, 0);
    let (bf_keys, m_keys) = if full {
        scratch.break_fix.resize(years, 0);
        scratch.managed.resize(years, 0);
        (
            scratch.break_fix.as_mut_slice(),
            scratch.managed.as_mut_slice(),
        )
    } else {
        (&mut [][..], &mut [][..])
    };
    let mut rng = Pcg64Mcg::new(seed);
    let normal = hours.normal.as_slice();
    for (year, gap) in scratch.gap.iter_mut().enumerate() {
        let r1 = rng.next_u64();
        let r2 = rng.next_u64();
        let r3 = rng.next_u64();
        let r4 = rng.next_u64();
        let r5 = rng.next_u64();

        let j = counts.index(unit53(r1));
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
        let kept = ((m.keep * calls + unit32(r3)) as i64) as f64;

        let mut bf = labour + calls * m.downtime_per_call_bf;
        let mut managed = m.fee_annual
            + m.onboarding_annual
            + m.out_of_scope_share * labour
            + kept * m.downtime_per_call_managed;

        // Events as 0/1 factors rather than branches: they are rare and unpredictable.
        let u_outage = unit32(r2 >> 32);
        let outage_bf = f64::from(u8::from(u_outage < m.outage_p_bf));
        let outage_m = f64::from(u8::from(u_outage < m.outage_p_managed));
        let d_outage = 1.0 + spread * (2.0 * unit16(r5) - 1.0);
        bf += outage_bf * (m.site_hour * m.outage_hours_bf * d_outage + m.emergency_labour);
        managed += outage_m * m.site_hour * m.outage_hours_managed * d_outage;

        let cyber_bf = f64::from(u8::from(unit32(r2) < m.cyber_p_bf));
        let cyber_m = cyber_bf * f64::from(u8::from(unit32(r5 >> 32) < cyber_keep));
        let d_cyber = 1.0 + spread * (2.0 * unit16(r5 >> 16) - 1.0);
        bf += cyber_bf * (m.site_hour * m.cyber_hours_bf * d_cyber + m.recovery_labour);
        managed += cyber_m * m.site_hour * m.cyber_hours_managed * d_cyber;

        *gap = order_key(bf - managed);
        if full {
            bf_keys[year] = order_key(bf);
            m_keys[year] = order_key(managed);
        }
    }

    let gap = percentile(&mut scratch.gap, rules.factors.costs.percentile);
    if full {
        Spread {
            break_fix: deciles_10_50_90(&mut scratch.break_fix),
            managed: deciles_10_50_90(&mut scratch.managed),
            gap,
        }
    } else {
        Spread {
            break_fix: [0.0; 3],
            managed: [0.0; 3],
            gap,
        }
    }
}
