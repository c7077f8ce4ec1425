//! The question descriptors are the one place a question's facts live.

use super::super::alternatives::alternatives;
use super::super::questions::{self, COSTS_FACTOR, Kind, QUESTIONS, Question};
use super::super::score::Key;
use super::*;

/// The enum and its question agree choice by choice, and each choice's facts are its own.
fn agrees<T: Choice + std::fmt::Debug>(q: &Question) {
    assert_eq!(q.kind, Kind::Choice, "{}", q.key);
    let codes: Vec<&str> = T::ALL.iter().map(|c| c.code()).collect();
    let described: Vec<&str> = q.choices.iter().map(|c| c.code).collect();
    assert_eq!(codes, described, "{}: the enum's codes, in order", q.key);
    assert_eq!(T::ALL.len(), T::INFOS.len(), "{}", q.key);
    for (i, c) in T::ALL.iter().enumerate() {
        assert_eq!(c.info(), &T::INFOS[i], "{}: {c:?}", q.key);
        assert_eq!(c.index(), i);
        assert_eq!(T::from_code(c.code()), Some(*c));
        assert!(!c.label().is_empty(), "{}: {c:?} has a label", q.key);
        assert!(
            c.info().you_said.starts_with(char::is_uppercase),
            "{}: {c:?} repeats the owner's answer",
            q.key
        );
        assert!(
            c.info().if_you.starts_with("If "),
            "{}: {c:?} has its \"If you…\" sentence",
            q.key
        );
    }
}

#[test]
fn every_choice_question_lists_exactly_its_enums_choices_in_order() {
    agrees::<Growth>(&questions::GROWTH);
    agrees::<Reliance>(&questions::IT_RELIANCE);
    agrees::<Complexity>(&questions::COMPLEXITY);
    agrees::<SupportHours>(&questions::SUPPORT_HOURS);
    agrees::<Security>(&questions::SECURITY);
    agrees::<InHouseIt>(&questions::IN_HOUSE_IT);
    agrees::<Budget>(&questions::BUDGET);
    agrees::<CostPreference>(&questions::COST_PREFERENCE);
    agrees::<Control>(&questions::CONTROL);
    let choice_questions = QUESTIONS.iter().filter(|q| q.kind == Kind::Choice).count();
    assert_eq!(
        choice_questions, 9,
        "a new choice question is checked above"
    );
}

#[test]
fn the_answer_keys_and_the_factors_come_from_the_questions() {
    let keys: Vec<&str> = QUESTIONS.iter().map(|q| q.key).collect();
    assert_eq!(keys, KEYS);
    for key in NUMBER_KEYS {
        let q = questions::find(key).expect("a question");
        assert!(matches!(q.kind, Kind::Number | Kind::WholeNumber));
        assert!(q.range.is_some(), "{key} has bounds");
    }
    let scored: Vec<&str> = Key::ANSWERS.iter().map(|k| k.code()).collect();
    let factors: Vec<&str> = questions::factors().map(|(k, _)| k).collect();
    assert_eq!(factors[..factors.len() - 1], scored[..], "scoring order");
    assert_eq!(factors.last(), Some(&COSTS_FACTOR.0));
    for key in Key::ANSWERS {
        assert_eq!(
            super::super::explain::label(key),
            key.question().and_then(|q| q.factor).unwrap_or_default()
        );
    }
}

/// Every "If you…" sentence what-would-change offers is the one of the choice it proposes, so
/// no reordering of a list can attach another choice's sentence.
#[test]
fn what_would_change_describes_each_choice_with_that_choices_own_sentence() {
    let rules = RuleSet::embedded();
    let mut seen = 0;
    for a in [
        business(3, 0.2),
        Answers {
            growth: Growth::Rapid,
            it_reliance: Reliance::Critical,
            complexity: Complexity::Complex,
            support_hours: SupportHours::Always,
            security: Security::Regulated,
            in_house_it: InHouseIt::Dedicated,
            budget: Budget::Comfortable,
            cost_preference: CostPreference::Predictable,
            control: Control::HandsOff,
            ..business(40, 5.0)
        },
    ] {
        for alt in alternatives(&a, &rules) {
            let Some(q) = alt.key.question().filter(|q| q.kind == Kind::Choice) else {
                continue;
            };
            let to = alt.to.as_str().expect("a choice code");
            let proposed = q.choices.iter().find(|c| c.code == to).expect("a choice");
            assert_eq!(alt.description, proposed.if_you, "{} → {to}", q.key);
            seen += 1;
        }
    }
    // Less one: the smaller business is never told to hire full-time IT staff.
    assert_eq!(seen, 2 * (2 + 3 + 2 + 2 + 2 + 3 + 2 + 2 + 2) - 1);
}

#[test]
fn an_explanation_repeats_the_owners_own_choice() {
    let rules = RuleSet::embedded();
    let a = Answers {
        in_house_it: InHouseIt::Dedicated,
        control: Control::HandsOn,
        ..business(12, 1.0)
    };
    let o = assess(&a, &rules);
    for (key, said) in [
        ("in_house_it", InHouseIt::Dedicated.info().you_said),
        ("control", Control::HandsOn.info().you_said),
    ] {
        let f = o.factors.iter().find(|f| f.key == key).expect(key);
        assert!(f.explanation.starts_with(said), "{}", f.explanation);
    }
}
