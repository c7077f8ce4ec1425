//! Tests of the rules as a whole: owners' situations, the seed articles' claims, properties.

use super::answers::*;
use super::*;

/// A neutral starting point that each test adjusts to describe one business.
pub fn business(employees: u32, incidents_per_month: f64) -> Answers {
    Answers {
        company: None,
        employees,
        growth: Growth::Stable,
        it_reliance: Reliance::Moderate,
        complexity: Complexity::Moderate,
        incidents_per_month,
        support_hours: SupportHours::BusinessHours,
        security: Security::Basic,
        in_house_it: InHouseIt::Informal,
        budget: Budget::Moderate,
        cost_preference: CostPreference::NoPreference,
        control: Control::Balanced,
        hourly_rate: None,
        managed_fee_per_user: None,
        downtime_cost_per_hour: None,
    }
}

#[test]
#[ignore = "prints outcomes for a human to read"]
fn print_outcomes() {
    let rules = RuleSet::embedded();
    for case in owners::cases() {
        let o = assess(&case.answers, &rules);
        println!(
            "\n## {}\n{:?} {:?} score {:.2}",
            case.situation, o.recommendation, o.confidence, o.score
        );
        for f in &o.factors {
            println!("  {:+.2} {}: {}", f.points, f.key, f.explanation);
        }
        println!(
            "  bf {:.0} [{:.0} {:.0} {:.0}]  m {:.0} [{:.0} {:.0} {:.0}] be {:.1}",
            o.costs.break_fix.expected_annual,
            o.costs.break_fix.p10,
            o.costs.break_fix.p50,
            o.costs.break_fix.p90,
            o.costs.managed.expected_annual,
            o.costs.managed.p10,
            o.costs.managed.p50,
            o.costs.managed.p90,
            o.costs.break_even_fee_per_user
        );
        for c in &o.what_would_change {
            println!(
                "  change {} {} -> {} => {:?}: {}",
                c.key, c.from, c.to, c.recommendation, c.description
            );
        }
        for n in &o.notes {
            println!("  note: {n}");
        }
    }
}

mod changes;
mod golden;
mod owners;
mod props;
mod questions;
mod rules_file;
mod seeds;
