//! What would change the advice: exact, complete over the choices tried, sensibly ordered, and
//! for each numeric answer the nearest turning point.

use proptest::prelude::*;

use super::super::alternatives::{Alternative, alternatives};
use super::*;
use crate::rules::outcome::Change;

const NUMERIC: [&str; 5] = [
    "managed_fee_per_user",
    "hourly_rate",
    "downtime_cost_per_hour",
    "incidents_per_month",
    "employees",
];

/// The answers with one numeric answer set to `v`.
fn with_number(a: &Answers, key: &str, v: f64) -> Answers {
    let mut b = a.clone();
    match key {
        "managed_fee_per_user" => b.managed_fee_per_user = Some(v),
        "hourly_rate" => b.hourly_rate = Some(v),
        "downtime_cost_per_hour" => b.downtime_cost_per_hour = Some(v),
        "incidents_per_month" => b.incidents_per_month = v,
        "employees" => b.employees = v as u32,
        other => panic!("not numeric: {other}"),
    }
    b
}

/// Checks `o.what_would_change` against assessing every choice alternative in full, and every
/// numeric entry at its `to` (a different verdict, the one listed) and one rounding step back
/// towards the answer (still the current verdict, unless that is the answer itself).
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
        .filter(|c| !NUMERIC.contains(&c.key.as_str()))
        .map(|c| (c.key.clone(), c.to.clone(), c.recommendation))
        .collect();
    if expected != listed {
        return Err(format!("expected {expected:?}\nlisted   {listed:?}"));
    }
    for c in o
        .what_would_change
        .iter()
        .filter(|c| NUMERIC.contains(&c.key.as_str()))
    {
        let (from, to) = (
            c.from.as_f64().ok_or("a number")?,
            c.to.as_f64().ok_or("a number")?,
        );
        let there = assess(&with_number(a, &c.key, to), rules).recommendation;
        if there != c.recommendation || there == o.recommendation {
            return Err(format!("{c:?}: the verdict at `to` is {there:?}"));
        }
        let step = match c.key.as_str() {
            "incidents_per_month" => 0.1,
            "downtime_cost_per_hour" => 10f64.powi(to.abs().max(100.0).log10().floor() as i32 - 2),
            _ => 1.0,
        };
        let back = if to > from { to - step } else { to + step };
        if (back - from) * (to - from) > 0.0 {
            let before = assess(&with_number(a, &c.key, back), rules).recommendation;
            if before != o.recommendation {
                return Err(format!(
                    "{c:?}: {back} already gives {before:?}, so `to` is not the nearest"
                ));
            }
        }
    }
    Ok(())
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
fn a_managed_verdict_names_the_quote_above_which_break_fix_wins() {
    // The 20-person firm that cannot work without IT: managed at the default $125, but not at any
    // price; the page says where the line is.
    let rules = RuleSet::embedded();
    let a = &owners::cases()[1].answers;
    let o = assess(a, &rules);
    assert_eq!(o.recommendation, Verdict::Managed);
    let fee = o
        .what_would_change
        .iter()
        .find(|c| c.key == "managed_fee_per_user")
        .expect("a fee threshold");
    let to = fee.to.as_f64().expect("a number");
    assert_eq!(fee.from.as_f64(), Some(125.0));
    assert!(to > 125.0 && to == to.round(), "{to}");
    assert_eq!(fee.recommendation, Verdict::BreakFix);
    assert!(
        fee.description.starts_with(&format!(
            "If the managed quote were ${} a user a month or more",
            to as u64
        )),
        "{}",
        fee.description
    );
    assert_eq!(
        assess(&with_number(a, "managed_fee_per_user", to - 1.0), &rules).recommendation,
        Verdict::Managed
    );
}

#[test]
fn a_three_person_firm_is_never_told_to_hire_full_time_it_staff() {
    let rules = RuleSet::embedded();
    for case in owners::cases()
        .into_iter()
        .filter(|c| c.answers.employees < 10)
    {
        let o = assess(&case.answers, &rules);
        assert!(
            !o.what_would_change
                .iter()
                .any(|c| c.key == "in_house_it" && c.to == "dedicated"),
            "{}: {:?}",
            case.situation,
            o.what_would_change
        );
    }
}

#[test]
fn headcounts_are_whole_people_and_numbers_stay_numbers() {
    let rules = RuleSet::embedded();
    for case in owners::cases() {
        for c in assess(&case.answers, &rules).what_would_change {
            if NUMERIC.contains(&c.key.as_str()) {
                assert!(c.from.is_number() && c.to.is_number(), "{c:?}");
                if c.key == "employees" {
                    assert!(c.to.is_u64(), "{c:?}");
                }
            } else {
                assert!(c.to.is_string(), "{c:?}");
            }
        }
    }
}

#[test]
fn nearer_changes_come_first() {
    let rules = RuleSet::embedded();
    // A close call: many changes, one step before two.
    let a = Answers {
        cost_preference: CostPreference::NoPreference,
        ..business(9, 1.5)
    };
    let o = assess(&a, &rules);
    let steps = |c: &Change| -> Option<usize> {
        let q = q::find(&c.key)?;
        let pos =
            |code: &serde_json::Value| q.choices.iter().position(|x| Some(x.code) == code.as_str());
        Some(pos(&c.from)?.abs_diff(pos(&c.to)?))
    };
    let choice_steps: Vec<usize> = o.what_would_change.iter().filter_map(steps).collect();
    let first_two = choice_steps.iter().position(|s| *s >= 2);
    let last_one = choice_steps.iter().rposition(|s| *s == 1);
    if let (Some(two), Some(one)) = (first_two, last_one) {
        assert!(one < two, "{choice_steps:?}");
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
        let rules = RuleSet::embedded();
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
