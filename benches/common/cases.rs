//! The businesses the scoring benchmarks run, shared by `assess` (criterion, time) and
//! `assess_count` (callgrind, instructions).

use servicefit::rules::Answers;
use servicefit::rules::answers::{
    Budget, Complexity, CostPreference, Growth, InHouseIt, Reliance, Security, SupportHours,
};
use servicefit::rules::fixtures::business;

/// The profiles the scoring benchmarks time: the three required sets and a close call.
pub fn cases() -> [(&'static str, Answers); 4] {
    [
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
    ]
}
