//! How long one assessment takes, simulation and what-would-change search included.
//! Target: at most 1 ms per call in a release build on a 2-core machine.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use servicefit::rules::answers::{
    Budget, Complexity, Control, CostPreference, Growth, InHouseIt, Reliance, Security,
    SupportHours,
};
use servicefit::rules::{Answers, RuleSet, assess};

fn business(employees: u32, incidents_per_month: f64) -> Answers {
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

fn bench_assess(c: &mut Criterion) {
    let rules = RuleSet::embedded();
    let cases = [
        (
            "small break/fix office",
            Answers {
                it_reliance: Reliance::Low,
                complexity: Complexity::Simple,
                budget: Budget::Tight,
                cost_preference: CostPreference::PayPerUse,
                ..business(3, 0.2)
            },
        ),
        (
            "20-person managed",
            Answers {
                it_reliance: Reliance::High,
                in_house_it: InHouseIt::None,
                cost_preference: CostPreference::Predictable,
                ..business(20, 4.0)
            },
        ),
        (
            "80-person co-managed",
            Answers {
                in_house_it: InHouseIt::Dedicated,
                security: Security::Regulated,
                support_hours: SupportHours::Always,
                it_reliance: Reliance::High,
                complexity: Complexity::Complex,
                ..business(80, 30.0)
            },
        ),
        (
            // Not one of the three required sets: a close call, where the what-would-change
            // search has to simulate several alternatives.
            "10-person close call",
            Answers {
                in_house_it: InHouseIt::PartTime,
                security: Security::Sensitive,
                growth: Growth::Growing,
                ..business(10, 2.0)
            },
        ),
    ];
    let mut group = c.benchmark_group("assess");
    for (name, answers) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| assess(black_box(answers), black_box(&rules)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_assess);
criterion_main!(benches);
