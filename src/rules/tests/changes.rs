//! What would change the advice: exact, complete over the alternatives tried, sensibly ordered.

use proptest::prelude::*;

use super::super::alternatives::{Alternative, alternatives};
use super::*;

/// Checks `o.what_would_change` against assessing every alternative in full.
fn check_exact(a: &Answers, rules: &RuleSet) -> Result<(), String> {
    let o = assess(a, rules);
    let tried: Vec<Alternative> = alternatives(a, rules);
    let expected: Vec<(String, serde_json::Value, Verdict)> = tried
        .iter()
        .filter_map(|alt| {
            let v = assess(&alt.answers, rules).recommendation;
            (v != o.recommendation).then(|| (alt.key.code().to_owned(), alt.to.clone(), v))
        })
        .collect();
    let listed: Vec<(String, serde_json::Value, Verdict)> = o
        .what_would_change
        .iter()
        .map(|c| (c.key.clone(), c.to.clone(), c.recommendation))
        .collect();
    if expected == listed {
        Ok(())
    } else {
        Err(format!("expected {expected:?}\nlisted   {listed:?}"))
    }
}

#[test]
fn every_listed_change_is_what_assess_gives_and_none_is_missed() {
    let rules = RuleSet::embedded();
    for case in owners::cases() {
        check_exact(&case.answers, &rules).unwrap_or_else(|e| panic!("{}: {e}", case.situation));
    }
}

#[test]
fn hiring_full_time_it_staff_turns_a_regulated_practice_co_managed() {
    let a = Answers {
        it_reliance: Reliance::High,
        security: Security::Regulated,
        in_house_it: InHouseIt::None,
        cost_preference: CostPreference::Predictable,
        ..business(20, 4.0)
    };
    let o = assess(&a, &RuleSet::embedded());
    let c = o
        .what_would_change
        .iter()
        .find(|c| c.key == "in_house_it")
        .expect("a change");
    assert_eq!(
        (c.from.as_str(), c.to.as_str()),
        (Some("none"), Some("dedicated"))
    );
    assert_eq!(c.recommendation, Verdict::CoManaged);
    assert_eq!(c.description, "If you hired one or more full-time IT staff");
}

#[test]
fn crossing_the_co_managed_size_threshold_is_offered_with_numbers_as_numbers() {
    let a = Answers {
        in_house_it: InHouseIt::Dedicated,
        it_reliance: Reliance::High,
        ..business(26, 6.0)
    };
    let o = assess(&a, &RuleSet::embedded());
    let c = o
        .what_would_change
        .iter()
        .find(|c| c.key == "employees")
        .expect("a size change");
    assert_eq!((c.from.as_u64(), c.to.as_u64()), (Some(26), Some(30)));
    assert_eq!(c.recommendation, Verdict::CoManaged);
    assert!(c.description.contains("30 people"));
}

#[test]
fn a_strong_verdict_has_few_or_no_changes_and_a_close_call_has_many() {
    let rules = RuleSet::embedded();
    let strong = assess(&owners::cases()[1].answers, &rules);
    let close = assess(&owners::cases()[3].answers, &rules);
    assert!(
        strong.what_would_change.is_empty(),
        "{:?}",
        strong.what_would_change
    );
    assert!(close.what_would_change.len() >= 5);
}

#[test]
fn nearer_changes_come_first() {
    let rules = RuleSet::embedded();
    let a = &owners::cases()[3].answers;
    let tried = alternatives(a, &rules);
    assert!(tried.windows(2).all(|w| w[0].distance <= w[1].distance));
    let o = assess(a, &rules);
    let position = |c: &outcome::Change| {
        tried
            .iter()
            .position(|t| t.key.code() == c.key && t.to == c.to)
    };
    let positions: Vec<_> = o.what_would_change.iter().map(position).collect();
    assert!(positions.iter().all(Option::is_some));
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn choices_are_offered_as_codes_and_counts_at_band_edges() {
    let rules = RuleSet::embedded();
    let tried = alternatives(&business(8, 2.0), &rules);
    let to = |key: &str| -> Vec<serde_json::Value> {
        tried
            .iter()
            .filter(|t| t.key.code() == key)
            .map(|t| t.to.clone())
            .collect()
    };
    assert_eq!(
        to("employees"),
        vec![serde_json::json!(11), serde_json::json!(5)]
    );
    assert_eq!(to("it_reliance").len(), 3);
    assert!(to("it_reliance").iter().all(serde_json::Value::is_string));
    let incidents: Vec<f64> = to("incidents_per_month")
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect();
    for expected in [1.0, 4.0, 4.5] {
        assert!(incidents.contains(&expected), "{incidents:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn what_would_change_is_exact_for_any_answers(
        employees in prop_oneof![1..=60u32, 1..=400u32],
        incidents in prop_oneof![0.0..=6.0f64, 0.0..=60.0f64],
        pick in proptest::collection::vec(0..4usize, 9),
        rate in proptest::option::of(20.0..=400.0f64),
        down in proptest::option::of(0.0..=20_000.0f64),
    ) {
        let rules = RuleSet::embedded().with_years(1_000);
        let a = Answers {
            growth: Growth::ALL[pick[0] % 3],
            it_reliance: Reliance::ALL[pick[1]],
            complexity: Complexity::ALL[pick[2] % 3],
            support_hours: SupportHours::ALL[pick[3] % 3],
            security: Security::ALL[pick[4] % 3],
            in_house_it: InHouseIt::ALL[pick[5]],
            budget: Budget::ALL[pick[6] % 3],
            cost_preference: CostPreference::ALL[pick[7] % 3],
            control: Control::ALL[pick[8] % 3],
            hourly_rate: rate,
            downtime_cost_per_hour: down,
            ..business(employees, incidents)
        };
        prop_assert!(check_exact(&a, &rules).is_ok(), "{:?}", check_exact(&a, &rules));
    }
}
