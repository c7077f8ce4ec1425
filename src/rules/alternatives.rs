//! The single-answer changes the what-would-change search tries, most plausible first: every
//! other choice of each question, the nearest headcounts across a band edge or the co-managed
//! size threshold, and half, double and the neighbouring bands of the problem count.

use serde_json::Value;

use super::answers::{Answers, Choice};
use super::explain::incident_rate;
use super::ruleset::RuleSet;
use super::score::{ANSWER_FACTORS, Key};

/// How an alternative can move the cost factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostMove {
    /// Same cost inputs: the same cost factor.
    None,
    /// Same simulated years, a gap that can only widen.
    Up,
    /// Same simulated years, a gap that can only narrow.
    Down,
    /// Different simulated years.
    Any,
}

/// One single-answer change to try.
#[derive(Debug, Clone)]
pub struct Alternative {
    pub key: Key,
    pub from: Value,
    pub to: Value,
    pub answers: Answers,
    pub cost_move: CostMove,
    /// Smaller is more plausible: choices one step away score 1.
    pub distance: f64,
    pub description: String,
}

fn ordered_move(from: usize, to: usize) -> CostMove {
    if to > from {
        CostMove::Up
    } else {
        CostMove::Down
    }
}

/// How far apart two choices of one question are, and how the change can move the cost factor.
#[derive(Clone, Copy)]
enum Scale {
    /// Steps along the list; the cost inputs stay the same.
    Ordered,
    /// Steps along the list; the simulated years stay the same and the gap moves with the step.
    OrderedCost,
    /// Every other choice is one step away; the cost inputs stay the same.
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
        let (distance, cost_move) = match scale {
            Scale::Ordered => (to.abs_diff(from), CostMove::None),
            Scale::OrderedCost => (to.abs_diff(from), ordered_move(from, to)),
            Scale::Unordered => (1, CostMove::None),
        };
        out.push(Alternative {
            key,
            from: Value::from(now.code()),
            to: Value::from(v.code()),
            answers: with(v),
            cost_move,
            distance: distance as f64,
            description: v.info().if_you.to_owned(),
        });
    }
}

/// Every alternative the search tries, most plausible first.
pub fn alternatives(a: &Answers, rules: &RuleSet) -> Vec<Alternative> {
    let mut out = Vec::new();
    let o = &mut out;
    use Scale::{Ordered, OrderedCost, Unordered};
    other_choices(o, Key::Growth, a.growth, Ordered, |growth| Answers {
        growth,
        ..a.clone()
    });
    other_choices(
        o,
        Key::ItReliance,
        a.it_reliance,
        OrderedCost,
        |it_reliance| Answers {
            it_reliance,
            ..a.clone()
        },
    );
    other_choices(
        o,
        Key::Complexity,
        a.complexity,
        OrderedCost,
        |complexity| Answers {
            complexity,
            ..a.clone()
        },
    );
    other_choices(
        o,
        Key::SupportHours,
        a.support_hours,
        OrderedCost,
        |support_hours| Answers {
            support_hours,
            ..a.clone()
        },
    );
    other_choices(o, Key::Security, a.security, OrderedCost, |security| {
        Answers {
            security,
            ..a.clone()
        }
    });
    other_choices(o, Key::InHouseIt, a.in_house_it, Ordered, |in_house_it| {
        Answers {
            in_house_it,
            ..a.clone()
        }
    });
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

    for n in employee_candidates(a.employees, rules) {
        out.push(Alternative {
            key: Key::Employees,
            from: Value::from(a.employees),
            to: Value::from(n),
            answers: Answers {
                employees: n,
                ..a.clone()
            },
            cost_move: CostMove::Any,
            distance: (f64::from(n) / f64::from(a.employees)).log2().abs(),
            description: format!(
                "If {n} people used IT in your business (you said {})",
                a.employees
            ),
        });
    }
    let now = a.incidents_per_month;
    for x in incident_candidates(now, rules) {
        out.push(Alternative {
            key: Key::IncidentsPerMonth,
            from: Value::from(now),
            to: Value::from(x),
            answers: Answers {
                incidents_per_month: x,
                ..a.clone()
            },
            cost_move: if x > now {
                CostMove::Up
            } else {
                CostMove::Down
            },
            distance: ((x + 0.25) / (now + 0.25)).log2().abs(),
            description: incidents_description(x, now),
        });
    }

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

fn incidents_description(x: f64, now: f64) -> String {
    if x <= 0.0 {
        format!(
            "If nothing needed fixing in a typical month (you said {})",
            incident_rate(now)
        )
    } else {
        format!(
            "If you got {} (you said {})",
            incident_rate(x),
            incident_rate(now)
        )
    }
}

/// The nearest headcounts on either side of a band edge or the co-managed size threshold.
fn employee_candidates(n: u32, rules: &RuleSet) -> Vec<u32> {
    // A cut k separates "at most k" from "at least k + 1".
    let mut cuts: Vec<u32> = rules
        .factors
        .employees
        .iter()
        .map(|b| b.up_to.clamp(0.0, 1e4) as u32)
        .collect();
    cuts.push(rules.overrides.co_managed.min_employees.saturating_sub(1));
    let down = cuts.iter().copied().filter(|k| *k < n && *k >= 1).max();
    let up = cuts
        .iter()
        .copied()
        .filter(|k| *k >= n && *k < 10_000)
        .min()
        .map(|k| k + 1);
    down.into_iter().chain(up).collect()
}

/// Half, double, and the nearest values in the neighbouring incident bands.
fn incident_candidates(now: f64, rules: &RuleSet) -> Vec<f64> {
    let bands = &rules.factors.incidents_per_month;
    let round = |v: f64| (v * 100.0).round() / 100.0;
    let mut out = vec![round(now / 2.0), round(now * 2.0)];
    if let Some(edge) = bands
        .iter()
        .map(|b| b.up_to)
        .filter(|e| *e < now)
        .reduce(f64::max)
    {
        out.push(edge);
    }
    if let Some(i) = bands
        .iter()
        .position(|b| b.up_to >= now && b.up_to.is_finite())
    {
        let edge = bands[i].up_to;
        let next_top = bands.get(i + 1).map_or(f64::INFINITY, |b| b.up_to);
        out.push(round((edge + (edge * 0.5).max(0.25)).min(next_top)));
    }
    out.retain(|x| *x != now && (0.0..=500.0).contains(x));
    out.sort_by(f64::total_cmp);
    out.dedup();
    out
}
