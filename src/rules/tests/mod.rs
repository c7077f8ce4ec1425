//! Tests of the rules as a whole: owners' situations, the seed articles' claims, properties.

use super::answers::*;
use super::*;

pub use super::fixtures::business;

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
mod model2;
mod model2_props;
mod owners;
mod props;
mod questions;
mod rules_file;
mod seeds;
