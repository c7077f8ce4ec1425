//! Bit-for-bit guard for speed work on the engine: whole outcomes for many generated answer sets,
//! hashed, against the value the engine gave before any optimisation. Stored assessments name
//! their rules version, so a change here without a version bump would silently change what the
//! same answers give under the same version.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::super::stats::{FNV_OFFSET, fnv1a64};
use super::*;

/// Outcomes hashed by [`outcomes_checksum`] under the embedded rules (version 2027.01-1).
const CHECKSUM: u64 = 0x83fd_2ff4_1d97_4b9c;

fn pick<T: Copy>(rng: &mut Pcg64Mcg, all: &[T]) -> T {
    all[(rng.next_u32() as usize) % all.len()]
}

/// Varied answers: every choice, headcounts from 1 to 10,000 (mostly small), incident rates
/// with decimals, and the optional prices sometimes given.
fn generated(rng: &mut Pcg64Mcg) -> Answers {
    let employees = match rng.next_u32() % 4 {
        0 => 1 + rng.next_u32() % 10,
        1 => 1 + rng.next_u32() % 60,
        2 => 1 + rng.next_u32() % 500,
        _ => 1 + rng.next_u32() % 10_000,
    };
    let incidents = match rng.next_u32() % 4 {
        0 => f64::from(rng.next_u32() % 8),
        1 => f64::from(rng.next_u32() % 2_000) / 100.0,
        2 => f64::from(rng.next_u32() % 50_000) / 100.0,
        _ => f64::from(rng.next_u32() % 600) / 100.0,
    };
    let mut optional = |chance: u32, lo: u32, span: u32| {
        (rng.next_u32() % 100 < chance).then(|| f64::from(lo + rng.next_u32() % span))
    };
    let hourly_rate = optional(30, 40, 300);
    let managed_fee_per_user = optional(30, 50, 250);
    let downtime_cost_per_hour = optional(25, 0, 50_000);
    Answers {
        company: None,
        employees,
        light_users: rng
            .next_u32()
            .is_multiple_of(4)
            .then(|| rng.next_u32() % (employees + 1)),
        growth: pick(rng, Growth::ALL),
        it_reliance: pick(rng, Reliance::ALL),
        complexity: pick(rng, Complexity::ALL),
        incidents_per_month: incidents,
        support_hours: pick(rng, SupportHours::ALL),
        security: pick(rng, Security::ALL),
        in_house_it: pick(rng, InHouseIt::ALL),
        budget: pick(rng, Budget::ALL),
        cost_preference: pick(rng, CostPreference::ALL),
        control: pick(rng, Control::ALL),
        hourly_rate,
        managed_fee_per_user,
        downtime_cost_per_hour,
    }
}

/// FNV-1a over the JSON of every outcome in turn. serde_json writes each float as its shortest
/// round-trip text, so any change of a single bit in any figure changes the hash.
fn outcomes_checksum(sets: usize) -> u64 {
    let rules = RuleSet::embedded();
    let mut rng = Pcg64Mcg::seed_from_u64(20_261_122);
    (0..sets).fold(FNV_OFFSET, |h, _| {
        let outcome = assess(&generated(&mut rng), &rules);
        let json = serde_json::to_string(&outcome).expect("outcomes serialise");
        fnv1a64(json.as_bytes(), h)
    })
}

#[test]
fn outcomes_are_bit_for_bit_those_of_rules_2027_01_1() {
    assert_eq!(RuleSet::embedded().version, "2027.01-1");
    let got = outcomes_checksum(240);
    assert_eq!(
        got, CHECKSUM,
        "outcomes changed under the same rules version: {got:#x}"
    );
}
