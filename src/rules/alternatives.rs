//! The choice changes the what-would-change search tries, most plausible first: every other
//! choice of each question that makes sense for the business. (The numeric answers are searched
//! for their exact turning points in `change.rs`.)

use serde_json::Value;

use super::answers::{Answers, Choice, InHouseIt};
use super::ruleset::RuleSet;
use super::score::{ANSWER_FACTORS, Key};

/// One single-answer change to try.
#[derive(Debug, Clone)]
pub struct Alternative {
    pub key: Key,
    pub from: Value,
    pub to: Value,
    pub answers: Answers,
    /// Smaller is more plausible: choices one step away score 1.
    pub distance: f64,
    pub description: String,
}

/// How far apart two choices of one question are.
#[derive(Clone, Copy)]
enum Scale {
    /// Steps along the list.
    Ordered,
    /// Every other choice is one step away.
    Unordered,
}

/// Every other choice of one question, each described by its own "if you" text.
fn other_choices<T: Choice>(
    out: &mut Vec<Alternative>,
    key: Key,
    now: T,
    scale: Scale,
    with: impl Fn(T) -> Answers,
) {
    for &v in T::ALL.iter().filter(|v| **v != now) {
        let (from, to) = (now.index(), v.index());
        let distance = match scale {
            Scale::Ordered => to.abs_diff(from),
            Scale::Unordered => 1,
        };
        out.push(Alternative {
            key,
            from: Value::from(now.code()),
            to: Value::from(v.code()),
            answers: with(v),
            distance: distance as f64,
            description: v.info().if_you.to_owned(),
        });
    }
}

/// Every alternative the search tries, most plausible first.
pub fn alternatives(a: &Answers, rules: &RuleSet) -> Vec<Alternative> {
    let mut out = Vec::new();
    let o = &mut out;
    use Scale::{Ordered, Unordered};
    other_choices(o, Key::Growth, a.growth, Ordered, |growth| Answers {
        growth,
        ..a.clone()
    });
    other_choices(o, Key::ItReliance, a.it_reliance, Ordered, |it_reliance| {
        Answers {
            it_reliance,
            ..a.clone()
        }
    });
    other_choices(o, Key::Complexity, a.complexity, Ordered, |complexity| {
        Answers {
            complexity,
            ..a.clone()
        }
    });
    other_choices(
        o,
        Key::SupportHours,
        a.support_hours,
        Ordered,
        |support_hours| Answers {
            support_hours,
            ..a.clone()
        },
    );
    other_choices(o, Key::Security, a.security, Ordered, |security| Answers {
        security,
        ..a.clone()
    });
    other_choices(o, Key::InHouseIt, a.in_house_it, Ordered, |in_house_it| {
        Answers {
            in_house_it,
            ..a.clone()
        }
    });
    // Hiring full-time IT staff is no lever for a business this small.
    if a.employees < rules.levers.dedicated_min_employees {
        o.retain(|alt| {
            !(alt.key == Key::InHouseIt && alt.answers.in_house_it == InHouseIt::Dedicated)
        });
    }
    other_choices(o, Key::Budget, a.budget, Ordered, |budget| Answers {
        budget,
        ..a.clone()
    });
    // Not an ordered scale: every other preference is one step away.
    other_choices(
        o,
        Key::CostPreference,
        a.cost_preference,
        Unordered,
        |cost_preference| Answers {
            cost_preference,
            ..a.clone()
        },
    );
    other_choices(o, Key::Control, a.control, Ordered, |control| Answers {
        control,
        ..a.clone()
    });

    let order = |k: Key| {
        Key::ANSWERS
            .iter()
            .position(|x| *x == k)
            .unwrap_or(ANSWER_FACTORS)
    };
    out.sort_by(|x, y| {
        x.distance
            .total_cmp(&y.distance)
            .then(order(x.key).cmp(&order(y.key)))
    });
    out
}
